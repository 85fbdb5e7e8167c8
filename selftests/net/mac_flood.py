#!/usr/bin/python3
# MAC flood for test_limits.sh: COUNT frames, each from a fresh random unicast source MAC,
# sent as fast as one AF_PACKET socket goes. Prints "sent N in S s".
import os, socket, sys, time

ifname, dst, count = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
rnd = bytearray(os.urandom(6 * count))
tail = b"\x88\xb5" + bytes(46)          # local experimental EtherType: no stack cares
t0, sent = time.monotonic(), 0
for i in range(0, 6 * count, 6):
    rnd[i] = (rnd[i] & 0xfc) | 0x02     # unicast, locally administered
    try:
        s.send(dst + rnd[i:i + 6] + tail)
        sent += 1
    except OSError:
        time.sleep(0.001)               # tx queue full: back off, the frame is lost
print("sent %d in %.2f s" % (sent, time.monotonic() - t0))
sys.exit(0 if sent == count else 1)
