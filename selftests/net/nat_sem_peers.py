#!/usr/bin/python3
# Peers of the NAT-semantics tests (test_nat_sem.sh, test_nat_publish.sh): a UDP exchange
# over time from a fixed source port, and probes that must or must not be answered.
import socket
import sys
import time


def exchange(dst, port, sport, seconds, interval):
    """Send a datagram every INTERVAL s for SECONDS s from SPORT; every one answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", sport))
    s.settimeout(1.0)
    end, n = time.monotonic() + seconds, 0
    while True:
        s.sendto(b"x%d" % n, (dst, port))
        s.recvfrom(2048)	# raises on a lost answer
        n += 1
        if time.monotonic() >= end:
            break
        time.sleep(interval)
    print("answered", n)


def udp_probe(dst, port, timeout):
    """One datagram; exit 0 if it is answered within TIMEOUT s."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(b"probe", (dst, port))
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        print("no answer")
        sys.exit(1)
    print("answer from %s: %s" % (peer[0], data.decode(errors="replace")))


def udp_refused(dst, port, timeout):
    """A connected UDP socket: exit 0 if an ICMP port unreachable comes back (ECONNREFUSED)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.connect((dst, port))
    s.send(b"probe")
    try:
        s.recv(2048)
        print("answered")
    except ConnectionRefusedError:
        print("refused")
        return
    except socket.timeout:
        print("no answer, no error")
    sys.exit(1)


def tcp_probe(dst, port, timeout):
    """A TCP connect; exit 0 if it is accepted within TIMEOUT s; prints what the server says."""
    try:
        c = socket.create_connection((dst, port), timeout=timeout)
    except OSError as e:
        print("connect:", e)
        sys.exit(1)
    c.settimeout(timeout)
    try:
        print("connected:", c.recv(256).decode(errors="replace").strip())
    except OSError:
        print("connected")
    c.close()


def tcp_serve(port):
    """Accept connections; tell each client the address it came from."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(64)
    while True:
        c, peer = s.accept()
        try:
            c.sendall(peer[0].encode() + b"\n")
        except OSError:
            pass
        c.close()


if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "exchange":
        exchange(a[0], int(a[1]), int(a[2]), float(a[3]), float(a[4]))
    elif cmd == "udp-probe":
        udp_probe(a[0], int(a[1]), float(a[2]))
    elif cmd == "udp-refused":
        udp_refused(a[0], int(a[1]), float(a[2]))
    elif cmd == "tcp-probe":
        tcp_probe(a[0], int(a[1]), float(a[2]))
    elif cmd == "tcp-serve":
        tcp_serve(int(a[0]))
    else:
        sys.exit("unknown command " + cmd)
