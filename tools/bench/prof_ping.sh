#!/bin/bash
# Where a ping's time goes while one iperf3 TCP stream fills the path: the bench's l2
# topology per PATH (default bridge, sluice-tc, sluice-xdp, xdp-redirect), iperf3 c1 -> c2
# for TIME seconds with pings every 5 ms beside it, ROUNDS rounds alternating the paths,
# then the same once more per round with iperf3 held to `-b LIMIT` (default: half of
# sluice-xdp's unlimited Gbit/s). Per path it prints ping p50/p99 and Gbit/s (as the bench),
# the one-way delay of echo requests (c1 egress -> c2 ingress) and of replies (c2 -> c1)
# from tcpdump inside c1 and c2 (one kernel clock, so the difference is the time between
# the two containers' taps), and with the napi:napi_poll tracepoint the frames each NAPI poll
# took per device (full 64-frame budgets mean a standing backlog in that ring).
# CAPTURE=0: ping and iperf3 only (no tcpdump, no perf), to see what the taps cost.
# Variants, not what sluice does: GSO_SEGS=N caps both containers' eth0 at N segments per
# GSO skb (gso_max_segs: the burst one skb becomes once TSO is off); THREADED=1 gives the
# four veth ends threaded NAPI (a kthread each, which the scheduler can move between CPUs).
# usage: tools/bench/prof_ping.sh [PATH...]   (root; removes what it made on exit)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TIME=${TIME:-10}
ROUNDS=${ROUNDS:-2}
LIMIT=${LIMIT:-half}	# iperf3 -b of the limited pass: "half", a rate (5G) or "none"
CAPTURE=${CAPTURE:-1}
GSO_SEGS=${GSO_SEGS:-}
THREADED=${THREADED:-}
export GSO_SEGS THREADED
. "$HERE/lib.sh"
. "$HERE/topo.sh"
PATHS=("$@")
[ ${#PATHS[@]} = 0 ] && PATHS=(bridge sluice-tc sluice-xdp xdp-redirect)
NAPI=0
[ "$CAPTURE" = 1 ] && perf list 2>/dev/null | grep -q 'napi:napi_poll' && NAPI=1
[ "$CAPTURE" = 1 ] && [ "$NAPI" = 0 ] && echo "prof_ping: no napi:napi_poll tracepoint, NAPI skipped"

# Counters of the four veth ends that say a ring overflowed or XDP failed (nonzero deltas).
veth_drops() {
	{ ip netns exec "$SRC" ethtool -S eth0 | sed 's/^/c1.eth0/'
	  ip netns exec "$DST" ethtool -S eth0 | sed 's/^/c2.eth0/'
	  ip netns exec "$HOST" ethtool -S h1 2>/dev/null | sed 's/^/h1/'
	  ip netns exec "$HOST" ethtool -S h2 2>/dev/null | sed 's/^/h2/'
	} 2>/dev/null | awk '/drop|err|full/ { gsub(/ +/, ""); print }'
}

# xdp-redirect in topo.sh is one way (h1 -> h2, for packets/s); TCP and ping need the way
# back too, and the container ends made ready the way sluice makes an XDP port's: GRO on
# (NAPI, without which a veth drops redirected frames) and tx checksum off.
redirect_back() {
	bg_ns "$HOST" "$WORK/xdpfwd2.log" "$BUILD/xdpfwd" redirect h2 h1
	TOPO_PIDS+=("$BG_PID")
	sleep 0.3
	kill -0 "$BG_PID" 2>/dev/null || { cat "$WORK/xdpfwd2.log" >&2; return 1; }
	ip netns exec "$SRC" ethtool -K eth0 gro on tx off >/dev/null &&
		ip netns exec "$DST" ethtool -K eth0 gro on tx off >/dev/null &&
		ip netns exec "$SRC" ping -c 2 -i 0.2 -W 1 -q "$DST_IP" >/dev/null ||
		{ echo "prof_ping: c1 cannot ping c2 through xdp-redirect" >&2; return 1; }
}

# The GSO_SEGS and THREADED variants on the topology just built.
variant() {
	local ns
	if [ -n "$GSO_SEGS" ]; then
		for ns in "$SRC" "$DST"; do
			ip -n "$ns" link set dev eth0 gso_max_segs "$GSO_SEGS" ||
				{ echo "prof_ping: gso_max_segs $GSO_SEGS refused" >&2; return 1; }
		done
	fi
	if [ "$THREADED" = 1 ]; then
		ip netns exec "$SRC" sh -c 'echo 1 >/sys/class/net/eth0/threaded' &&
			ip netns exec "$DST" sh -c 'echo 1 >/sys/class/net/eth0/threaded' &&
			ip netns exec "$HOST" sh -c 'echo 1 >/sys/class/net/h1/threaded' &&
			ip netns exec "$HOST" sh -c 'echo 1 >/sys/class/net/h2/threaded' ||
			{ echo "prof_ping: threaded NAPI refused" >&2; return 1; }
	fi
	return 0
}

# run_one PATH TAG [BPS]: one measurement on a fresh topology; files $WORK/PATH.TAG.N.*
run_one() {
	local path=$1 tag=$2 bps=${3:-} n f srv ping cap1 cap2 prof="" out b=()
	topo_l2 "$path" || { echo "prof_ping: topology $path failed" >&2; return 1; }
	[ "$path" = xdp-redirect ] && { redirect_back || return 1; }
	variant || return 1
	n=0
	for f in "$WORK/$path.$tag".*.iperf; do [ -e "$f" ] && n=$((n + 1)); done
	out=$WORK/$path.$tag.$n
	[ -n "$bps" ] && b=(-b "$bps")
	bg_ns "$DST" "$WORK/iperf-s.log" iperf3 -s -1 -p 5201
	srv=$BG_PID
	if [ "$CAPTURE" = 1 ]; then
		bg_ns "$SRC" "$out.c1.log" tcpdump -i eth0 -n -s 96 -B 4096 \
			--time-stamp-precision=nano -w "$out.c1.pcap" icmp
		cap1=$BG_PID
		bg_ns "$DST" "$out.c2.log" tcpdump -i eth0 -n -s 96 -B 4096 \
			--time-stamp-precision=nano -w "$out.c2.pcap" icmp
		cap2=$BG_PID
		veth_drops >"$out.drops0"
	fi
	sleep 0.5
	if [ "$NAPI" = 1 ]; then
		perf record -q -e napi:napi_poll -a -o "$out.napi" -- sleep "$TIME" 2>/dev/null &
		prof=$!
		BG_PIDS+=("$prof")
	fi
	bg_ns "$SRC" "$out.ping" sh -c "sleep 0.5; exec ping -n -i 0.005 -W 1 \
		-c $((TIME * 200 - 150)) $DST_IP"
	ping=$BG_PID
	ip netns exec "$SRC" timeout $((TIME + 15)) iperf3 -c "$DST_IP" -p 5201 -t "$TIME" \
		"${b[@]}" -J >"$out.iperf" 2>&1
	wait "$ping"
	[ -n "$prof" ] && wait "$prof"
	bg_stop "$srv"
	if [ "$CAPTURE" = 1 ]; then
		veth_drops >"$out.drops1"
		sleep 0.2
		bg_stop "$cap1" INT
		bg_stop "$cap2" INT
		tcpdump -r "$out.c1.pcap" -n -tt --time-stamp-precision=nano >"$out.c1" 2>/dev/null
		tcpdump -r "$out.c2.pcap" -n -tt --time-stamp-precision=nano >"$out.c2" 2>/dev/null
		rm -f "$out.c1.pcap" "$out.c2.pcap"
	fi
	[ -n "$prof" ] && perf script -i "$out.napi" 2>/dev/null |
		grep -o 'napi struct [0-9a-fx]* for device [^ ]* work [0-9]* budget [0-9]*' \
		>"$out.polls" && rm -f "$out.napi"
	topo_del
	echo "== $path $tag${bps:+ -b $bps}: $(json_get "$out.iperf" \
		'"%.2f Gbit/s" % (j["end"]["sum_received"]["bits_per_second"] / 1e9)' 2>/dev/null)"
}

for _ in $(seq "$ROUNDS"); do
	for p in "${PATHS[@]}"; do run_one "$p" full || exit 1; done
done
if [ "$LIMIT" = half ]; then
	LIMIT=$(cat "$WORK"/sluice-xdp.full.*.iperf 2>/dev/null | /usr/bin/python3 -c '
import json, re, sys
docs = re.split(r"(?m)^(?=\{)", sys.stdin.read())
v = [json.loads(d)["end"]["sum_received"]["bits_per_second"] for d in docs if d.strip()]
print("%dM" % (sum(v) / len(v) / 2e6) if v else "none")' 2>/dev/null || echo none)
fi
if [ "$LIMIT" != none ]; then
	for _ in $(seq "$ROUNDS"); do
		for p in "${PATHS[@]}"; do run_one "$p" limited "$LIMIT" || exit 1; done
	done
fi

[ "${KEEP_WORK:-0}" = 1 ] && echo "prof_ping: files in $WORK"
/usr/bin/python3 "$HERE/prof_ping_report.py" "$WORK" "$LIMIT" "${PATHS[@]}"
