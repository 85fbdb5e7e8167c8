#!/usr/bin/python3
# Forged IPv6 frames for test_ipv6.sh: `ipv6_guard.py KIND MYMAC [ARG]` sends COUNT frames of
# KIND from eth0 of the namespace it runs in (neighbour, router and DHCPv6 spoofing).
import errno
import socket
import sys

from scapy.all import (Ether, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, IPv6, UDP, Raw, raw)
from scapy.utils6 import in6_getnsma, in6_getnsmac, in6_mactoifaceid

COUNT = 5
ALL_NODES, ALL_NODES_MAC = "ff02::1", "33:33:00:00:00:01"


def lladdr(mac):
    return "fe80::" + in6_mactoifaceid(mac)


def frame(kind, me, arg):
    eth = Ether(src=me, dst=ALL_NODES_MAC)
    if kind == "na":		# "ARG is at my MAC", unsolicited, override
        return eth / IPv6(src=lladdr(me), dst=ALL_NODES) / \
            ICMPv6ND_NA(tgt=arg, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=me)
    if kind == "na_other_mac":	# my own address, but at someone else's MAC
        mac, addr = arg.split(",")
        return eth / IPv6(src=addr, dst=ALL_NODES) / \
            ICMPv6ND_NA(tgt=addr, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=mac)
    if kind == "dad":		# a DAD probe for ARG: its owner would give it up
        nsma = socket.inet_ntop(socket.AF_INET6, in6_getnsma(socket.inet_pton(socket.AF_INET6, arg)))
        return Ether(src=me, dst=in6_getnsmac(socket.inet_pton(socket.AF_INET6, nsma))) / \
            IPv6(src="::", dst=nsma) / ICMPv6ND_NS(tgt=arg)
    if kind in ("ra", "ra_lifetime0"):	# prefix ARG::/64 on the link, me as the router
        return eth / IPv6(src=lladdr(me), dst=ALL_NODES) / \
            ICMPv6ND_RA(routerlifetime=0 if kind == "ra_lifetime0" else 1800) / \
            ICMPv6NDOptPrefixInfo(prefix=arg, prefixlen=64, L=1, A=1, validlifetime=600,
                                  preferredlifetime=600) / ICMPv6NDOptSrcLLAddr(lladdr=me)
    if kind == "src":		# UDP from source address ARG
        return eth / IPv6(src=arg, dst=ALL_NODES) / UDP(sport=4000, dport=4000) / Raw(b"x" * 8)
    if kind == "dhcp6":		# a DHCPv6 server's reply (547 -> 546)
        return eth / IPv6(src=lladdr(me), dst=ALL_NODES) / UDP(sport=547, dport=546) / \
            Raw(b"\x07" + b"\x00" * 3)
    sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    kind, me = sys.argv[1], sys.argv[2]
    data = raw(frame(kind, me, sys.argv[3] if len(sys.argv) > 3 else None))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("eth0", 0))
    for _ in range(COUNT):
        try:
            s.send(data)
        except OSError as e:	# a macvlan endpoint's own egress hook dropped it
            if e.errno != errno.ENOBUFS:
                raise
