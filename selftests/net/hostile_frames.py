#!/usr/bin/python3
# Hostile frames for test_hostile.sh: builds each malformed or spoofed frame with scapy,
# sends it COUNT times from a container over AF_PACKET and reports, per kind, the port
# counters it moved (`sluice -j stats`) against the rule of docs/hostile-frames.md.
import ctypes, json, os, socket, subprocess, sys, time

from scapy.all import ARP, Dot1Q, Ether, ICMP, IP, IPOption_RR, TCP, UDP, raw

CLONE_NEWNET = 0x40000000
COUNT = 20


def netns_socket(ns, ifname):
    """An AF_PACKET socket bound to IFNAME inside netns NS; this process stays where it is."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/var/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET):
            sys.exit("setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ifname, 0))
    finally:
        if libc.setns(home, CLONE_NEWNET):
            sys.exit("setns back home failed: stopping")
        os.close(home)
        os.close(target)
    return s


def frames(me, peer, other):
    """(kind, frame bytes, rule): rule is "pass", "drop:<reason>" or "kernel|<reason>"
    (the kernel's receive path drops it before tc; XDP sees it first and counts REASON)."""
    eth = Ether(src=me["mac"], dst=peer["mac"])
    ip = IP(src=me["ip"], dst=peer["ip"])
    good = raw(eth / ip / ICMP(id=7, seq=1) / (b"x" * 16))
    tcp = raw(eth / ip / TCP(sport=1000, dport=80, flags="S"))
    udp = raw(eth / ip / UDP(sport=1000, dport=9) / b"payload")
    ipo = 14                                   # IPv4 header offset

    def patch(b, off, val):
        return b[:off] + bytes([val]) + b[off + 1:]

    def totlen(b, n):
        return b[:ipo + 2] + n.to_bytes(2, "big") + b[ipo + 4:]

    inner = raw(IP(src=peer["ip"], dst=me["ip"]) / UDP(sport=9, dport=1000))
    return [
        ("eth_truncated", good[:10], "unsendable"),
        ("vlan_tag_truncated", raw(eth)[:12] + b"\x81\x00\x00\x05", "kernel|runt"),
        ("vlan_tagged_on_access_port", raw(Ether(src=me["mac"], dst=peer["mac"]) /
                                           Dot1Q(vlan=5) / ip / ICMP()), "drop:vlan_tagged_on_access"),
        ("qinq_double_tag", raw(Ether(src=me["mac"], dst=peer["mac"], type=0x88a8) /
                                Dot1Q(vlan=5) / Dot1Q(vlan=6) / ip / ICMP()), "drop:vlan_qinq"),
        ("ipv4_header_truncated", good[:ipo + 10], "pass"),
        ("ipv4_ihl_below_5", patch(good, ipo, 0x44), "pass"),
        ("ipv4_ihl_beyond_packet", patch(good[:ipo + 24], ipo, 0x4f), "pass"),
        ("ipv4_total_length_beyond_frame", totlen(good, 1400), "pass"),
        ("ipv4_total_length_below_frame", totlen(good, 21), "pass"),
        ("ipv4_options", raw(eth / IP(src=me["ip"], dst=peer["ip"], options=[IPOption_RR()]) /
                             ICMP(id=7, seq=2)), "pass"),
        ("tcp_header_truncated", tcp[:ipo + 20 + 9], "pass"),
        ("tcp_data_offset_below_5", patch(tcp, ipo + 20 + 12, 0x30), "pass"),
        ("udp_header_truncated", udp[:ipo + 20 + 5], "pass"),
        ("icmp_header_truncated", good[:ipo + 20 + 3], "pass"),
        ("icmp_error_inner_truncated", raw(eth / ip / ICMP(type=3, code=3)) + inner[:12], "pass"),
        ("icmp_error_inner_udp_truncated", raw(eth / ip / ICMP(type=3, code=3)) + inner[:24], "pass"),
        ("spoofed_source_mac", raw(Ether(src=other["mac"], dst=peer["mac"]) / ip / ICMP()),
         "drop:spoofed_mac"),
        ("spoofed_source_ip", raw(eth / IP(src=other["ip"], dst=peer["ip"]) / ICMP()), "drop:spoofed_ip"),
        ("zero_source_mac", raw(Ether(src="00:00:00:00:00:00", dst=peer["mac"]) / ip / ICMP()),
         "drop:spoofed_mac"),
        ("broadcast_source_mac", raw(Ether(src="ff:ff:ff:ff:ff:ff", dst=peer["mac"]) / ip / ICMP()),
         "drop:src_mac_multicast"),
        ("multicast_source_mac", raw(Ether(src="01:00:5e:00:00:01", dst=peer["mac"]) / ip / ICMP()),
         "drop:src_mac_multicast"),
        ("arp_reply_claiming_other_ip", raw(eth / ARP(op=2, hwsrc=me["mac"], psrc=other["ip"],
                                                      hwdst=peer["mac"], pdst=peer["ip"])),
         "drop:spoofed_ip"),
        ("arp_reply_naming_other_mac", raw(eth / ARP(op=2, hwsrc=other["mac"], psrc=me["ip"],
                                                     hwdst=peer["mac"], pdst=peer["ip"])),
         "drop:spoofed_mac"),
        ("arp_truncated", raw(eth)[:12] + b"\x08\x06" + b"\x00\x01\x08\x00\x06", "pass"),
    ]


def stats(sluice, port):
    out = subprocess.check_output(sluice + ["-j", "stats", port])
    return json.loads(out)[0]


def judge(rule, mode, before_in, after_in, before_out, after_out):
    drops = {k: after_in["drops"][k] - before_in["drops"][k] for k in after_in["drops"]}
    drops = {k: v for k, v in drops.items() if v}
    fwd = after_out["tx_packets"] - before_out["tx_packets"]
    seen = "forwarded %d, drops %s" % (fwd, drops or "none")
    if rule == "pass":
        # the peer port may also get a stray neighbour probe: a little slack upwards
        return (COUNT <= fwd <= COUNT + 2 and not drops), seen
    if rule == "unsendable":
        return (fwd <= 2 and not drops), seen
    if rule.startswith("kernel|"):
        why = rule.split("|")[1]
        want = {why: COUNT} if mode == "xdp" else {}
        return (fwd <= 2 and drops == want), seen
    why = rule.split(":")[1]
    return (fwd <= 2 and drops == {why: COUNT}), seen


def main():
    cfg = json.loads(sys.argv[1])
    sluice, mode = cfg["sluice"], cfg["mode"]
    me, peer, other = cfg["me"], cfg["peer"], cfg["other"]
    only = cfg.get("only")
    sock = netns_socket(me["netns"], "eth0")
    for kind, frame, rule in frames(me, peer, other):
        if only and kind not in only:
            continue
        b_in, b_out = stats(sluice, me["port"]), stats(sluice, peer["port"])
        sent = 0
        for _ in range(COUNT):
            try:
                sock.send(frame)
                sent += 1
            except OSError as e:
                err = e.strerror
        time.sleep(0.05)
        a_in, a_out = stats(sluice, me["port"]), stats(sluice, peer["port"])
        ok, seen = judge(rule, mode, b_in, a_in, b_out, a_out)
        if rule == "unsendable":
            ok = ok and sent == 0
            seen += ", sent %d (%s)" % (sent, err if sent < COUNT else "")
        print("%s %s %s: %s" % (kind, "ok" if ok else "FAIL", rule, seen), flush=True)


main()
