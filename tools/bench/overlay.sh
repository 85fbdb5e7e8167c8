# Section 6, overlay: c1 on one host -> c2 on another across a VXLAN underlay (a veth
# between the two hosts): a Linux bridge with a kernel vxlan device on each host (the
# flannel/Docker overlay setup) vs a sluice switch with a VXLAN port on each host.
# shellcheck shell=bash

OVERLAY_PATHS=(bridge-vxlan sluice-vxlan)

# topo_overlay PATH: after topo_l2's contract (SRC, DST, SRC_IP, DST_IP, DST_MAC, ...);
# the second host is HOST2 with its own sluice instance INST2.
topo_overlay() {
	local path=$1
	topo_new || return 1
	HOST2=$T-h2 INST2=$T-2
	INSTANCES+=("$INST2")
	ns_add "$HOST2" || return 1
	SRC_IP=10.40.0.1 DST_IP=10.40.0.2
	ip -n "$HOST" link add ul type veth peer name ul netns "$HOST2" &&
		ip -n "$HOST" addr add 192.168.90.1/24 dev ul && ip -n "$HOST" link set ul up &&
		ip -n "$HOST2" addr add 192.168.90.2/24 dev ul && ip -n "$HOST2" link set ul up ||
		return 1
	case $path in
	bridge-vxlan)
		veth_to_host "$SRC" h1 $SRC_IP/24 &&
			ip -n "$DST" link add eth0 type veth peer name h2 netns "$HOST2" &&
			ip -n "$DST" addr add $DST_IP/24 dev eth0 && ip -n "$DST" link set eth0 up &&
			ip -n "$HOST2" link set h2 up || return 1
		overlay_bridge "$HOST" h1 192.168.90.1 192.168.90.2 &&
			overlay_bridge "$HOST2" h2 192.168.90.2 192.168.90.1 || return 1
		ip -n "$SRC" link set eth0 mtu 1450 && ip -n "$DST" link set eth0 mtu 1450 || return 1
		GEN_GRO_DEV=h1 ;;
	sluice-vxlan)
		sl switch add sw0 && sl port add sw0 vx0 vxlan vni 100 dev ul remote 192.168.90.2 &&
			sl port add sw0 h1 netns "$SRC" addr $SRC_IP/24 || return 1
		"$SLUICE" --instance "$INST2" --netns "$HOST2" switch add sw0 &&
			"$SLUICE" --instance "$INST2" --netns "$HOST2" port add sw0 vx0 vxlan vni 100 \
				dev ul remote 192.168.90.1 &&
			"$SLUICE" --instance "$INST2" --netns "$HOST2" port add sw0 h2 netns "$DST" \
				addr $DST_IP/24 || return 1
		GEN_GRO_DEV=h1 SINK_MODE=generic ;;	# bpf_redirect_peer into c2
	*) echo "topo_overlay: unknown path $path" >&2; return 1 ;;
	esac
	DST_MAC=$(mac_of "$DST" eth0)
	ip netns exec "$SRC" ping -c 2 -i 0.2 -W 1 -q "$DST_IP" >/dev/null ||
		{ echo "topo_overlay $path: c1 cannot ping c2" >&2; return 1; }
}

# overlay_bridge NS PORT LOCAL REMOTE: bridge br0 in NS with PORT and a vxlan (VNI 100)
# towards REMOTE, as flannel's or Docker's overlay builds it.
overlay_bridge() {
	ip -n "$1" link add vx0 type vxlan id 100 dstport 4789 local "$3" remote "$4" dev ul &&
		ip -n "$1" link add br0 type bridge && ip -n "$1" link set "$2" mtu 1450 &&
		ip -n "$1" link set vx0 master br0 && ip -n "$1" link set "$2" master br0 &&
		ip -n "$1" link set vx0 up && ip -n "$1" link set br0 up
}

overlay_del() {
	topo_del
	ns_del "$HOST2"
	rm -rf "/sys/fs/bpf/sluice/$INST2"
}

bench_overlay() {
	local run path
	for run in $(seq "$RUNS"); do
		for path in "${OVERLAY_PATHS[@]}"; do
			log overlay "$path, run $run"
			if topo_overlay "$path"; then
				measure_pps overlay pps "$path" "$run"
				measure_tcp overlay "$path" "$run" 1
				measure_tcp overlay "$path" "$run" 8
			else
				record overlay pps "$path" "$run" error ""
			fi
			overlay_del
		done
	done
}
