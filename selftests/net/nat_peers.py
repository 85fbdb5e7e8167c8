#!/usr/bin/python3
# Both ends of test_nat.sh's traffic: servers that answer with the address they saw (UDP
# echo, HTTP) and UDP clients (many flows, one big datagram, an unsolicited-packet watch).
import http.server
import os
import select
import socket
import sys
import time


def serve(port):
    """Echo every datagram back, prefixed with the sender's address as the server saw it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("0.0.0.0", port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(peer[0].encode() + b" " + data, peer)


class PeerHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.client_address[0] + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def http_serve(port):
    """Answer every GET with the client address as the server saw it."""
    http.server.ThreadingHTTPServer(("0.0.0.0", port), PeerHandler).serve_forever()


def flows(dst, port, count, batch=250):
    """COUNT distinct flows (one socket each, in batches), each answered; prints the count."""
    answered, seen = 0, set()
    deadline = time.time() + 60
    for first in range(0, count, batch):
        socks = []
        for i in range(first, min(first + batch, count)):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setblocking(False)
            s.connect((dst, port))
            socks.append((s, b"flow %d" % i))
        pending = dict((s.fileno(), (s, m)) for s, m in socks)
        for attempt in range(4):    # resend to whoever has not been answered
            for s, m in pending.values():
                s.send(m)
            end = time.time() + 1.0
            while pending and time.time() < min(end, deadline):
                r, _, _ = select.select(list(pending), [], [], 0.2)
                for fd in r:
                    s, m = pending[fd]
                    reply = s.recv(65535)
                    if reply.endswith(b" " + m):
                        seen.add(reply.split(b" ")[0])
                        answered += 1
                        del pending[fd]
            if not pending:
                break
        for s, _ in socks:
            s.close()
    print("answered %d of %d, server saw %s" % (answered, count, b",".join(sorted(seen)).decode()))
    sys.exit(0 if answered == count else 1)


def big(dst, port, size):
    """One SIZE-byte datagram (fragmented both ways) must come back whole."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    payload = os.urandom(size)
    for _ in range(3):
        s.sendto(payload, (dst, port))
        try:
            reply, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        ok = reply.split(b" ", 1)[1] == payload
        print("%d bytes back, %s" % (len(reply), "intact" if ok else "CORRUPT"))
        sys.exit(0 if ok else 1)
    print("no reply")
    sys.exit(1)


def watch(dst, port, sport, seconds):
    """Open a mapping from SPORT, then count whatever else arrives on it for SECONDS."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", sport))
    s.settimeout(1.0)
    s.sendto(b"hello", (dst, port))
    try:
        reply, peer = s.recvfrom(65535)
    except socket.timeout:
        print("no reply to the flow's own packet")
        sys.exit(1)
    print("answered by %s:%d" % peer, flush=True)
    extra, end = 0, time.time() + seconds
    while time.time() < end:
        try:
            _, peer = s.recvfrom(65535)
            extra += 1
            print("unsolicited packet from %s:%d reached the container" % peer)
        except socket.timeout:
            pass
    sys.exit(0 if extra == 0 else 1)


def send(dst, port, sport, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", sport))
    for _ in range(count):
        s.sendto(b"unsolicited", (dst, port))
        time.sleep(0.05)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "serve":
        serve(int(args[0]))
    elif cmd == "http":
        http_serve(int(args[0]))
    elif cmd == "flows":
        flows(args[0], int(args[1]), int(args[2]))
    elif cmd == "big":
        big(args[0], int(args[1]), int(args[2]))
    elif cmd == "watch":
        watch(args[0], int(args[1]), int(args[2]), float(args[3]))
    elif cmd == "send":
        send(args[0], int(args[1]), int(args[2]), int(args[3]))
