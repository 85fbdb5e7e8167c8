# Section nat6, NAT66: container -> outside over IPv6 through ip6tables MASQUERADE and sluice
# NAT66 (always through the host stack: the fast path is IPv4's): UDP packets/s (iperf3, 18-byte
# payload: pktgen builds IPv4 only) and TCP throughput (1 stream; build/rr is IPv4 only).
# shellcheck shell=bash

NAT6_PATHS=(ip6tables sluice)

# topo_nat6 PATH: c1 (fd00:20::2, also 10.20.0.2) -> host gateway -> up0 -> outside
# (2001:db8:99::2), masqueraded by PATH. Returns 1 on a setup failure.
topo_nat6() {
	local path=$1 ns
	topo_new || return 1
	for ns in "$HOST" "$SRC" "$DST"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
			net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || return 1
	done
	SRC_IP=fd00:20::2 DST_IP=2001:db8:99::2
	ip -n "$HOST" link add up0 type veth peer name eth0 netns "$DST" &&
		ip -n "$HOST" addr add 2001:db8:99::1/64 dev up0 nodad && ip -n "$HOST" link set up0 up &&
		ip -n "$DST" addr add $DST_IP/64 dev eth0 nodad && ip -n "$DST" link set eth0 up &&
		ip netns exec "$HOST" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	ip -n "$HOST" -6 neigh replace $DST_IP lladdr "$(mac_of "$DST" eth0)" dev up0 nud permanent
	case $path in
	ip6tables)
		ip -n "$SRC" link add eth0 type veth peer name h1 netns "$HOST" &&
			ip -n "$SRC" addr add $SRC_IP/64 dev eth0 nodad && ip -n "$SRC" link set eth0 up &&
			ip -n "$HOST" link add br0 type bridge &&
			ip -n "$HOST" link set h1 master br0 && ip -n "$HOST" link set h1 up &&
			ip -n "$HOST" addr add fd00:20::1/64 dev br0 nodad && ip -n "$HOST" link set br0 up &&
			ip -n "$SRC" -6 route replace default via fd00:20::1 &&
			ip netns exec "$HOST" ip6tables -t nat -A POSTROUTING -s fd00:20::/64 -o up0 \
				-j MASQUERADE ;;
	sluice)
		sl switch add sw0 addr 10.20.0.1/24 addr fd00:20::1/64 &&
			sl port add sw0 h1 netns "$SRC" addr 10.20.0.2/24 gw 10.20.0.1 \
				addr $SRC_IP/64 gw6 fd00:20::1 &&
			sl nat add masq6 src fd00:20::/64 out up0 ;;
	*) echo "topo_nat6: unknown path $path" >&2; return 1 ;;
	esac || return 1
	ip netns exec "$SRC" ping -6 -c 2 -i 0.2 -W 1 -q "$DST_IP" >/dev/null ||
		{ echo "topo_nat6 $path: c1 cannot reach the outside" >&2; return 1; }
}

# measure_udp6 PATH RUN: UDP datagrams/s that arrive, iperf3 unlimited rate, 18-byte payload.
measure_udp6() {
	local path=$1 run=$2 srv
	bg_ns "$DST" "$WORK/iperf6-s.log" iperf3 -s -1 -p 5202
	srv=$BG_PID
	sleep 0.3
	ip netns exec "$SRC" timeout $((TIME + 15)) iperf3 -6 -u -b 0 -l 18 -c "$DST_IP" -p 5202 \
		-t "$TIME" -J >"$WORK/iperf6.json" 2>&1
	bg_stop "$srv"
	if ! json_get "$WORK/iperf6.json" 'round((j["end"]["sum"]["packets"] - j["end"]["sum"]["lost_packets"]) / j["end"]["sum"]["seconds"])' \
		>"$WORK/pps6" 2>/dev/null; then
		log error "iperf3 -u on $path: $(head -c 300 "$WORK/iperf6.json")"
		record nat6 pps "$path" "$run" error ""
		return 1
	fi
	record nat6 pps "$path" "$run" "$(cat "$WORK/pps6")" pps
}

bench_nat6() {
	local run path
	for run in $(seq "$RUNS"); do
		for path in "${NAT6_PATHS[@]}"; do
			log nat6 "$path, run $run"
			if topo_nat6 "$path"; then
				measure_udp6 "$path" "$run"
				measure_tcp nat6 "$path" "$run" 1
			else
				for metric in pps tcp_1; do record nat6 "$metric" "$path" "$run" error ""; done
			fi
			topo_del
		done
	done
}
