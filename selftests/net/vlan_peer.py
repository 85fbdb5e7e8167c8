#!/usr/bin/python3
# An 802.1Q peer on an AF_PACKET socket, for namespaces without 8021q: logs every
# frame it receives with its tag (inline, or from PACKET_AUXDATA when the kernel
# keeps it as metadata), answers ARP and ping for (VID, IP) pairs, and sends
# marker frames with any tag. Plain sockets: no scapy start-up time per call.
#
#   vlan_peer.py listen IFACE LOG [--answer VID/IP ...] [--timeout S]
#   vlan_peer.py send IFACE --dst MAC [--vid V] [--pcp P] [--dei] --marker TEXT
import argparse
import json
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_8021Q = 0x8100
ETH_P_8021AD = 0x88A8
ETH_P_ARP = 0x0806
ETH_P_IP = 0x0800
ETH_P_MARKER = 0x88B5		# IEEE local experimental: test frames only
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6
AUXDATA = struct.Struct("IIIHHHH")	# struct tpacket_auxdata


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tag(vid, pcp=0, dei=False, tpid=ETH_P_8021Q):
    return struct.pack("!HH", tpid, (pcp << 13) | (int(dei) << 12) | vid)


def parse(frame, aux):
    """What a test asserts about a frame: its tags, addresses and payload."""
    f = {"dst": mac_str(frame[0:6]), "src": mac_str(frame[6:12]), "tags": []}
    if aux is not None:
        status, _, _, _, _, tci, tpid = AUXDATA.unpack(aux[:AUXDATA.size])
        if tci or status & TP_STATUS_VLAN_VALID:
            if not status & TP_STATUS_VLAN_TPID_VALID:
                tpid = ETH_P_8021Q
            f["tags"].append({"tpid": tpid, "tci": tci})
    off = 12
    etype = struct.unpack("!H", frame[off:off + 2])[0]
    while etype in (ETH_P_8021Q, ETH_P_8021AD) and len(frame) >= off + 6:
        tci = struct.unpack("!H", frame[off + 2:off + 4])[0]
        f["tags"].append({"tpid": etype, "tci": tci})
        off += 4
        etype = struct.unpack("!H", frame[off:off + 2])[0]
    off += 2
    if f["tags"]:
        tci = f["tags"][0]["tci"]
        f.update(vid=tci & 0xFFF, pcp=tci >> 13, dei=(tci >> 12) & 1)
    else:
        f["vid"] = None
    f["type"] = "0x%04x" % etype
    body = frame[off:]
    if etype == ETH_P_ARP and len(body) >= 28:
        f.update(arp_op=struct.unpack("!H", body[6:8])[0], arp_spa=socket.inet_ntoa(body[14:18]),
                 arp_tpa=socket.inet_ntoa(body[24:28]))
    elif etype == ETH_P_IP and len(body) >= 20:
        ihl = (body[0] & 15) * 4
        f.update(ip_src=socket.inet_ntoa(body[12:16]), ip_dst=socket.inet_ntoa(body[16:20]),
                 ttl=body[8], proto=body[9])
        if body[9] == 1 and len(body) >= ihl + 8:
            f["icmp_type"] = body[ihl]
    elif etype == ETH_P_MARKER:
        f["marker"] = body.rstrip(b"\0").decode(errors="replace")
    return f, off, body


def answer(sock, mymac, answers, frame, f, body):
    """An ARP reply or echo reply, tagged like the request, when (VID, IP) is ours."""
    vid = f["vid"]
    if f["type"] == "0x0806" and f.get("arp_op") == 1 and (vid, f["arp_tpa"]) in answers:
        arp = body[0:6] + struct.pack("!H", 2) + mymac + body[24:28] + body[8:14] + body[14:18]
        out = frame[6:12] + mymac + (tag(vid) if vid else b"") + struct.pack("!H", ETH_P_ARP) + arp
    elif f.get("icmp_type") == 8 and (vid, f["ip_dst"]) in answers:
        ihl = (body[0] & 15) * 4
        total = struct.unpack("!H", body[2:4])[0]
        ip = bytearray(body[:ihl])
        ip[8] = 64
        ip[12:16], ip[16:20] = body[16:20], body[12:16]
        ip[10:12] = b"\0\0"
        ip[10:12] = struct.pack("!H", csum(bytes(ip)))
        icmp = bytearray(body[ihl:total])
        icmp[0] = 0
        icmp[2:4] = b"\0\0"
        icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
        out = (frame[6:12] + mymac + (tag(vid) if vid else b"") + struct.pack("!H", ETH_P_IP) +
               bytes(ip) + bytes(icmp))
    else:
        return
    sock.send(out.ljust(60, b"\0"))


def listen(a):
    answers = set()
    for spec in a.answer:
        vid, ip = spec.split("/")
        answers.add((int(vid) or None, ip))
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.bind((a.iface, 0))
    mymac = mac_bytes(open("/sys/class/net/%s/address" % a.iface).read().strip())
    log = open(a.log, "a", buffering=1)
    log.write(json.dumps({"ready": True}) + "\n")
    end = time.monotonic() + a.timeout
    while time.monotonic() < end:
        if not select.select([sock], [], [], 0.2)[0]:
            continue
        frame, anc, _, addr = sock.recvmsg(65536, socket.CMSG_SPACE(AUXDATA.size))
        if addr[2] == PACKET_OUTGOING:
            continue
        aux = next((d for lvl, t, d in anc if lvl == SOL_PACKET and t == PACKET_AUXDATA), None)
        f, _, body = parse(frame, aux)
        log.write(json.dumps(f) + "\n")
        answer(sock, mymac, answers, frame, f, body)


def send(a):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((a.iface, 0))
    src = a.src or open("/sys/class/net/%s/address" % a.iface).read().strip()
    hdr = mac_bytes(a.dst) + mac_bytes(src)
    if a.vid is not None:
        hdr += tag(a.vid, a.pcp, a.dei)
    frame = hdr + struct.pack("!H", ETH_P_MARKER) + a.marker.encode()
    for _ in range(a.count):
        sock.send(frame.ljust(60 + (4 if a.vid is not None else 0), b"\0"))
        time.sleep(0.05)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("listen")
    lp.add_argument("iface")
    lp.add_argument("log")
    lp.add_argument("--answer", action="append", default=[], help="VID/IP (VID 0: untagged)")
    lp.add_argument("--timeout", type=float, default=90)
    sp = sub.add_parser("send")
    sp.add_argument("iface")
    sp.add_argument("--dst", required=True)
    sp.add_argument("--src")
    sp.add_argument("--vid", type=int)
    sp.add_argument("--pcp", type=int, default=0)
    sp.add_argument("--dei", action="store_true")
    sp.add_argument("--marker", required=True)
    sp.add_argument("--count", type=int, default=1)
    a = p.parse_args()
    listen(a) if a.cmd == "listen" else send(a)


if __name__ == "__main__":
    sys.exit(main())
