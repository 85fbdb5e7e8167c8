#!/usr/bin/python3
# Flows for test_nat_limits.sh: many UDP connections from one socket (one mapping, many
# conntrack entries), a few long-lived UDP sockets (one mapping each), a question answered
# when the test says so, and one TCP connection talking until told to stop. nat_peers.py's echo answers the UDP ones.
import json
import select
import signal
import socket
import socketserver
import sys
import time


def spray(dst, port_lo, nports, total, rate, seconds, ext):
    """One socket sends TOTAL datagrams, RATE a second (SECONDS at most), to DST:PORT_LO..
    +NPORTS-1 round-robin: each a new connection once the table holds fewer than NPORTS.
    Every reply must come from the port it went to with this socket's message for that port,
    showing EXT as the source the server saw. Prints what was sent and answered; exit 1
    on any wrong reply or when not all were sent."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setblocking(False)
    sent = answered = wrong = 0
    start = time.time()
    while sent < total and time.time() < start + seconds:
        while sent > rate * (time.time() - start):
            time.sleep(0.001)
        for _ in range(min(16, total - sent)):     # a burst, then drain the replies
            p = port_lo + sent % nports
            try:
                s.sendto(b"spray %d" % p, (dst, p))
                sent += 1
            except BlockingIOError:
                break
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
    print("spray: %d sent to %d ports in %.1f s, %d answered, %d wrong" %
          (sent, nports, time.time() - start, answered, wrong))
    sys.exit(0 if wrong == 0 and answered > 0 and sent == total else 1)


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


def held_serve(port):
    """Keep every UDP datagram's sender waiting until "go" comes from 127.0.0.1, then answer
    each with "ADDR:PORT DATA" as seen: the test decides when answers are on their way."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    held = []
    while True:
        data, peer = s.recvfrom(2048)
        if peer[0] == "127.0.0.1" and data == b"go":
            for p, d in held:
                s.sendto(("%s:%d " % p).encode() + d, p)
            held = []
        else:
            held.append((peer, data))


def release(port):
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"go", ("127.0.0.1", port))


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
    """One TCP connection, a line every INTERVAL seconds for SECONDS (or until SIGTERM), each
    answered: prints the exchanges and every address:port the server saw; exit 1 unless all
    were answered over one connection that the server saw from one port of address EXT."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    s = socket.create_connection((dst, port), timeout=2)
    f = s.makefile("rb")
    seen, n = set(), 0
    end = time.time() + seconds
    try:
        while time.time() < end and not stop:
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
        spray(a[0], int(a[1]), int(a[2]), int(a[3]), int(a[4]), float(a[5]), a[6])
    elif cmd == "hold":
        hold(a[0], int(a[1]), int(a[2]), float(a[3]), a[4])
    elif cmd == "held-serve":
        held_serve(int(a[0]))
    elif cmd == "release":
        release(int(a[0]))
    elif cmd == "ask":
        ask(a[0], int(a[1]), int(a[2]), float(a[3]), a[4])
    elif cmd == "talk-serve":
        talk_serve(int(a[0]))
    elif cmd == "talk":
        talk(a[0], int(a[1]), float(a[2]), float(a[3]), a[4])
    else:
        sys.exit("usage: nat_flows.py spray DST PORT_LO NPORTS TOTAL RATE SECONDS EXT | "
                 "hold DST PORT N SECONDS EXT | held-serve PORT | release PORT | ask DST PORT SPORT TIMEOUT EXT | "
                 "talk-serve PORT | talk DST PORT INTERVAL SECONDS EXT")
