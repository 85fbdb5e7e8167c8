# Section 6, published ports: outside host -> uplink address:5000 -> container, through an
# iptables DNAT rule on a bridge host or `sluice nat publish`: 64-byte UDP packets/s, one flow.
# shellcheck shell=bash

PUB_PATHS=(iptables sluice)

# topo_pub PATH: SRC is the outside host (10.99.0.2) on the uplink up0 (10.99.0.1), DST the
# container 10.20.0.2 behind PATH's DNAT of UDP port 5000. Returns 1 on a setup failure.
topo_pub() {
	local path=$1 gw mac
	topo_new || return 1
	SRC_IP=10.99.0.2 DST_IP=10.99.0.1	# frames go to the uplink address
	ip -n "$HOST" link add up0 type veth peer name eth0 netns "$SRC" &&
		ip -n "$HOST" addr add $DST_IP/24 dev up0 && ip -n "$HOST" link set up0 up &&
		ip -n "$SRC" addr add $SRC_IP/24 dev eth0 && ip -n "$SRC" link set eth0 up &&
		ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 || return 1
	case $path in
	iptables)
		veth_to_host "$DST" h2 10.20.0.2/24 &&
			ip -n "$HOST" link add br0 type bridge && ip -n "$HOST" addr add 10.20.0.1/24 dev br0 &&
			ip -n "$HOST" link set h2 master br0 && ip -n "$HOST" link set br0 up &&
			ip netns exec "$HOST" iptables -t nat -A PREROUTING -i up0 -p udp --dport 5000 \
				-j DNAT --to-destination 10.20.0.2:5000 || return 1
		gw=br0 ;;
	sluice)
		sl switch add sw0 addr 10.20.0.1/24 &&
			sl port add sw0 h2 netns "$DST" addr 10.20.0.2/24 gw 10.20.0.1 &&
			sl nat add masq src 10.20.0.0/24 out up0 ports 40000-49999 &&
			sl nat publish add masq proto udp port 5000 to 10.20.0.2:5000 || return 1
		gw=sw0 ;;
	*) echo "topo_pub: unknown path $path" >&2; return 1 ;;
	esac
	# The sink answers no ARP: the container's MAC is known for good (and to the switch).
	mac=$(mac_of "$DST" eth0)
	ip -n "$HOST" neigh replace 10.20.0.2 lladdr "$mac" dev $gw nud permanent || return 1
	[ "$path" = sluice ] && { sl fdb add sw0 "$mac" port h2 || return 1; }
	GEN_GRO_DEV=up0
	[ "$path" = sluice ] && SINK_MODE=generic	# the switch delivers with bpf_redirect_peer
	DST_MAC=$(mac_of "$HOST" up0)
}

bench_publish() {
	local run path
	for run in $(seq "$RUNS"); do
		for path in "${PUB_PATHS[@]}"; do
			log publish "$path, run $run"
			if topo_pub "$path"; then
				measure_pps publish pps "$path" "$run" --dport 5000
			else
				record publish pps "$path" "$run" error ""
			fi
			topo_del
		done
	done
}
