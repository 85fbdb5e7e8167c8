#!/usr/bin/python3
# Flows for test_nat_limits.sh: many UDP connections from one socket (one mapping, many
# conntrack entries), a few long-lived UDP sockets (one mapping each), a question answered
# late, and one TCP connection talking all along. nat_peers.py's echo answers the UDP ones.
import json
import select
import socket
import socketserver
import sys
import threading
import time


def spray(dst, port_lo, count, rate, seconds, ext):
    """One socket sends RATE datagrams a second to DST:PORT_LO..+COUNT-1 round-robin for
    SECONDS: every send a new connection once the table is smaller than COUNT. Every reply must come from the port
    it was sent to, carry this socket's message for that port and show EXT as the source
    the server saw; prints what was sent and answered, exit 1 on any wrong reply."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setblocking(False)
    sent = answered = wrong = 0
    start = time.time()
    end = start + seconds
    i = 0
    while time.time() < end:
        while i > rate * (time.time() - start):
            time.sleep(0.001)
        for _ in range(16):     # a burst, then drain the replies
            p = port_lo + i % count
            try:
                s.sendto(b"spray %d" % p, (dst, p))
                sent += 1
            except BlockingIOError:
                pass
            i += 1
        while True:
            r, _, _ = select.select([s], [], [], 0.001)
            if not r:
                break
            data, peer = s.recvfrom(2048)
            if data == b"%s spray %d" % (ext.encode(), peer[1]) and peer[0] == dst:
                answered += 1
            else:
                wrong += 1
                print("wrong reply from %s:%d: %r" % (peer[0], peer[1], data))
    print("spray: %d sent to %d ports, %d answered, %d wrong" % (sent, count, answered, wrong))
    sys.exit(0 if wrong == 0 and answered > 0 else 1)


def hold(dst, port, n, seconds, ext):
    """N sockets each send one datagram every 0.2 s for SECONDS; prints per socket how many
    were sent and answered (answers must show EXT as the source) as JSON."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.connect((dst, port))
        socks.append(s)
    sent, answered, wrong = [0] * n, [0] * n, 0
    end = time.time() + seconds
    while time.time() < end:
        for k, s in enumerate(socks):
            s.send(b"hold %d %d" % (k, sent[k]))
            sent[k] += 1
        tick = time.time() + 0.2
        while time.time() < tick:
            r, _, _ = select.select(socks, [], [], max(0, tick - time.time()))
            for s in r:
                k = socks.index(s)
                try:
                    data = s.recv(2048)
                except ConnectionRefusedError:
                    continue
                if data.startswith(b"%s hold %d " % (ext.encode(), k)):
                    answered[k] += 1
                else:
                    wrong += 1
    print(json.dumps({"sent": sent, "answered": answered, "wrong": wrong,
                      "ports": [s.getsockname()[1] for s in socks]}))


def late_serve(port, delay):
    """Answer every UDP datagram DELAY seconds late with "ADDR:PORT DATA" as seen."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        data, peer = s.recvfrom(2048)
        reply = ("%s:%d " % peer).encode() + data
        threading.Timer(delay, s.sendto, (reply, peer)).start()


def ask(dst, port, sport, timeout, ext):
    """From source port SPORT, one datagram to DST:PORT; exit 0 when its answer arrives
    within TIMEOUT seconds from there, saying the server saw EXT."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", sport))
    s.settimeout(timeout)
    s.sendto(b"ask", (dst, port))
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        print("ask: no answer in %.1f s" % timeout)
        sys.exit(1)
    print("ask: %r from %s:%d" % (data, peer[0], peer[1]))
    sys.exit(0 if peer == (dst, port) and data.startswith(ext.encode() + b":") else 1)


class TalkHandler(socketserver.StreamRequestHandler):
    def handle(self):
        peer = ("%s:%d " % self.client_address).encode()
        for line in self.rfile:
            self.wfile.write(peer + line)


def talk_serve(port):
    """Answer every line of a TCP connection with "ADDR:PORT LINE" as the server saw it."""
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer(("0.0.0.0", port), TalkHandler).serve_forever()


def talk(dst, port, interval, seconds, ext):
    """One TCP connection, a line every INTERVAL seconds for SECONDS, each answered: prints
    the exchanges and every address:port the server saw; exit 1 unless all were answered
    over one connection that the server saw from one port of address EXT."""
    s = socket.create_connection((dst, port), timeout=2)
    f = s.makefile("rb")
    seen, n = set(), 0
    end = time.time() + seconds
    try:
        while time.time() < end:
            s.sendall(b"%d\n" % n)
            peer, _, got = f.readline().rstrip(b"\n").partition(b" ")
            if got != b"%d" % n:
                raise OSError("line %d answered with %r" % (n, got))
            seen.add(peer.decode())
            n += 1
            time.sleep(interval)
    except OSError as e:
        print("talk: %d exchanges, then %s" % (n, e))
        sys.exit(1)
    print("talk: %d exchanges, server saw %s" % (n, " ".join(sorted(seen))))
    sys.exit(0 if len(seen) == 1 and seen.pop().startswith(ext + ":") else 1)


if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "spray":
        spray(a[0], int(a[1]), int(a[2]), int(a[3]), float(a[4]), a[5])
    elif cmd == "hold":
        hold(a[0], int(a[1]), int(a[2]), float(a[3]), a[4])
    elif cmd == "late-serve":
        late_serve(int(a[0]), float(a[1]))
    elif cmd == "ask":
        ask(a[0], int(a[1]), int(a[2]), float(a[3]), a[4])
    elif cmd == "talk-serve":
        talk_serve(int(a[0]))
    elif cmd == "talk":
        talk(a[0], int(a[1]), float(a[2]), float(a[3]), a[4])
    else:
        sys.exit("usage: nat_flows.py spray DST PORT_LO COUNT RATE SECONDS EXT | "
                 "hold DST PORT N SECONDS EXT | late-serve PORT DELAY | ask DST PORT SPORT TIMEOUT EXT | "
                 "talk-serve PORT | talk DST PORT INTERVAL SECONDS EXT")
