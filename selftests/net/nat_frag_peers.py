#!/usr/bin/python3
"""Fragmented UDP datagrams in any order, for test_nat_frag.sh.

  ask DST DPORT LPORT N SIZE TIMEOUT   bind LPORT, send "hello" to DST:DPORT, then receive
                                       N datagrams of SIZE bytes: prints "received K whole W"
  answer SRC PORT N SIZE ORDER         bind PORT, wait for one "hello", answer it with N
                                       datagrams of SIZE bytes from SRC, fragments in ORDER
  sink PORT N SIZE TIMEOUT             receive N datagrams of SIZE bytes on PORT (as ask)
  blast SRC DST DPORT SPORT N SIZE ORDER   send N datagrams, fragments in ORDER
  orphans SRC DST N                    N later fragments of datagrams never begun (random IDs)
ORDER: inorder, reverse (the last fragment first) or random. Fragments leave through a raw
socket (IP_HDRINCL) exactly as built; every loop is bounded in count and time.
"""
import random
import select
import socket
import sys
import time

from scapy.all import IP, UDP, Raw, fragment  # noqa: E402


def payload(i, size):
    return bytes((i * 31 + k * 7) & 0xff for k in range(size))


def frags(src, dst, sport, dport, i, size, order):
    pkt = IP(src=src, dst=dst, id=(0x1000 + dport * 97 + sport * 13 + i * 17) & 0xffff or 1, flags=0) / \
        UDP(sport=sport, dport=dport) / Raw(payload(i, size))
    fs = [bytes(f) for f in fragment(pkt, fragsize=1400)]
    if order == "reverse":
        fs.reverse()
    elif order == "random":
        while len(fs) > 1 and fs[0][6:8] == b"\x20\x00":  # random, but never the first first
            random.shuffle(fs)
    return fs


def send_all(src, dst, dport, sport, n, size, order):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for i in range(n):
        for f in frags(src, dst, sport, dport, i, size, order):
            raw.sendto(f, (dst, 0))
        time.sleep(0.01)


def receive(sock, n, size, timeout):
    got = whole = 0
    seen = set()
    deadline = time.time() + timeout
    while got < n and time.time() < deadline:
        r, _, _ = select.select([sock], [], [], max(0.0, deadline - time.time()))
        if not r:
            break
        data, addr = sock.recvfrom(65536)
        got += 1
        if len(data) == size and any(data == payload(i, size) for i in range(n)):
            whole += 1
        seen.add(addr[0])
    print("received %d whole %d from %s" % (got, whole, ",".join(sorted(seen))), flush=True)


def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    return s


def main(a):
    cmd = a[0]
    if cmd == "ask":
        dst, dport, lport, n, size, timeout = a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), float(a[6])
        s = udp(lport)
        s.sendto(b"hello", (dst, dport))
        receive(s, n, size, timeout)
    elif cmd == "answer":
        src, port, n, size, order = a[1], int(a[2]), int(a[3]), int(a[4]), a[5]
        s = udp(port)
        r, _, _ = select.select([s], [], [], 30)
        if not r:
            sys.exit("no hello in 30 s")
        _, (peer, pport) = s.recvfrom(100)
        print("hello from %s:%d" % (peer, pport), flush=True)
        send_all(src, peer, pport, port, n, size, order)
    elif cmd == "sink":
        receive(udp(int(a[1])), int(a[2]), int(a[3]), float(a[4]))
    elif cmd == "blast":
        send_all(a[1], a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]), a[7])
    elif cmd == "orphans":
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        for i in range(int(a[3])):
            f = IP(src=a[1], dst=a[2], id=random.randrange(1, 65536), proto=17, frag=185,
                   flags="MF") / Raw(b"x" * 600)
            raw.sendto(bytes(f), (a[2], 0))
    else:
        sys.exit(__doc__)


main(sys.argv[1:])
