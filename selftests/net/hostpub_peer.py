#!/usr/bin/python3
# Client of test_nat_hostpub.sh: what a host process sees when it connects to a published
# port of its own uplink address (the peer getpeername gives, where UDP answers come from).
import socket
import sys


def tcp(dst, port, timeout):
    """Connect; print the peer getpeername shows and what the server says (its view of us)."""
    try:
        c = socket.create_connection((dst, port), timeout=timeout)
    except OSError as e:
        print("connect:", e)
        sys.exit(1)
    c.settimeout(timeout)
    peer = c.getpeername()
    try:
        said = c.recv(256).decode(errors="replace").strip()
    except OSError:
        said = ""
    print("peer %s:%d server %s" % (peer[0], peer[1], said))


def udp(dst, port, timeout, connected):
    """One datagram (sendto, or send on a connected socket); print where the answer came from."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        if connected:
            s.connect((dst, port))
            s.send(b"probe")
            data = s.recv(2048)
            peer = s.getpeername()
        else:
            s.sendto(b"probe", (dst, port))
            data, peer = s.recvfrom(2048)
    except OSError as e:
        print("udp:", e)
        sys.exit(1)
    print("answer from %s:%d: %s" % (peer[0], peer[1], data.decode(errors="replace")))


if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "tcp":
        tcp(a[0], int(a[1]), float(a[2]))
    elif cmd == "udp":
        udp(a[0], int(a[1]), float(a[2]), False)
    elif cmd == "udp-connected":
        udp(a[0], int(a[1]), float(a[2]), True)
    else:
        sys.exit("unknown command " + cmd)
