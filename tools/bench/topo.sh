# The one topology helper of every benchmark: builds a path between a source container
# and a destination (another container, or an outside host behind NAT) in fresh namespaces.
# shellcheck shell=bash
#
# After topo_l2/topo_nat: SRC and DST are the namespaces (device eth0 in both), SRC_IP,
# DST_IP, DST_MAC (next hop of frames leaving SRC), GEN_GRO_DEV (host-side device that needs
# GRO on for pktgen's XDP_TX frames to be accepted, "" when an XDP program gives it NAPI) and
# SINK_MODE (native, or generic where frames bypass the destination veth's xmit path).

TOPO_N=0
TOPO_PIDS=()

sl() { "$SLUICE" --instance "$INST" --netns "$HOST" "$@"; }

# Fresh namespaces and a fresh sluice instance for one topology.
topo_new() {
	TOPO_N=$((TOPO_N + 1))
	T=$PFX-$TOPO_N
	HOST=$T-h SRC=$T-c1 DST=$T-c2 INST=$T
	INSTANCES+=("$INST")
	TOPO_PIDS=()
	GEN_GRO_DEV="" SINK_MODE=native
	ns_add "$HOST" && ns_add "$SRC" && ns_add "$DST"
}

topo_del() {
	local pid
	for pid in "${TOPO_PIDS[@]}"; do bg_stop "$pid" INT; done
	TOPO_PIDS=()
	ns_del "$SRC"; ns_del "$DST"; ns_del "$HOST"
	rm -rf "/sys/fs/bpf/sluice/$INST"
}

# veth_to_host NS HOSTDEV ADDR: NS's eth0 with ADDR, peer HOSTDEV in the host netns, both up.
veth_to_host() {
	ip -n "$1" link add eth0 type veth peer name "$2" netns "$HOST" &&
		ip -n "$1" addr add "$3" dev eth0 && ip -n "$1" link set eth0 up &&
		ip -n "$HOST" link set "$2" up
}

# Does this kernel's bridge do VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)?
bridge_has_vlan_filtering() {
	local ns=$PFX-probe ok=1
	ns_add "$ns" || return 1
	ip -n "$ns" link add br0 type bridge vlan_filtering 1 2>/dev/null && ok=0
	ns_del "$ns"
	return $ok
}

# topo_l2 PATH [vlan]: c1 -> c2 through PATH (bridge, sluice-tc, sluice-xdp, xdp-redirect,
# tc-redirect).
# With "vlan", c1 is an access port of VLAN 10 and c2 a trunk carrying 10: every frame gets
# tagged on the way. Returns 1 on a setup failure.
topo_l2() {
	local path=$1 vlan=${2:-} xdp=() a=() b=()
	topo_new || return 1
	SRC_IP=10.30.0.1 DST_IP=10.30.0.2
	case $path in
	bridge)
		veth_to_host "$SRC" h1 $SRC_IP/24 && veth_to_host "$DST" h2 $DST_IP/24 || return 1
		if [ -n "$vlan" ]; then
			ip -n "$HOST" link add br0 type bridge vlan_filtering 1 || return 1
		else
			ip -n "$HOST" link add br0 type bridge || return 1
		fi
		ip -n "$HOST" link set h1 master br0 && ip -n "$HOST" link set h2 master br0 &&
			ip -n "$HOST" link set br0 up || return 1
		if [ -n "$vlan" ]; then
			ip netns exec "$HOST" bridge vlan add dev h1 vid 10 pvid untagged &&
				ip netns exec "$HOST" bridge vlan del dev h1 vid 1 &&
				ip netns exec "$HOST" bridge vlan add dev h2 vid 10 || return 1
		fi
		GEN_GRO_DEV=h1 ;;
	xdp-redirect)
		veth_to_host "$SRC" h1 $SRC_IP/24 && veth_to_host "$DST" h2 $DST_IP/24 || return 1
		bg_ns "$HOST" "$WORK/xdpfwd.log" "$BUILD/xdpfwd" redirect h1 h2
		TOPO_PIDS+=("$BG_PID")
		sleep 0.3
		kill -0 "$BG_PID" 2>/dev/null || { cat "$WORK/xdpfwd.log" >&2; return 1; } ;;
	tc-redirect)	# the tc ceiling: what sluice's tc ports do, minus the switch
		veth_to_host "$SRC" h1 $SRC_IP/24 && veth_to_host "$DST" h2 $DST_IP/24 || return 1
		bg_ns "$HOST" "$WORK/xdpfwd.log" "$BUILD/xdpfwd" tcredirect h1 h2
		TOPO_PIDS+=("$BG_PID")
		sleep 0.3
		kill -0 "$BG_PID" 2>/dev/null || { cat "$WORK/xdpfwd.log" >&2; return 1; }
		GEN_GRO_DEV=h1 SINK_MODE=generic ;;
	sluice-tc|sluice-xdp)
		[ "$path" = sluice-xdp ] && xdp=(xdp native)
		[ -n "$vlan" ] && a=(vlan 10) b=(trunk 10)
		sl switch add sw0 &&
			sl port add sw0 h1 netns "$SRC" addr $SRC_IP/24 "${xdp[@]}" "${a[@]}" &&
			sl port add sw0 h2 netns "$DST" addr $DST_IP/24 "${xdp[@]}" "${b[@]}" || return 1
		[ "$path" = sluice-tc ] && GEN_GRO_DEV=h1 SINK_MODE=generic ;;	# bpf_redirect_peer
	*) echo "topo_l2: unknown path $path" >&2; return 1 ;;
	esac
	DST_MAC=$(mac_of "$DST" eth0)
	if [ -n "$vlan" ]; then
		# c2 cannot answer in VLAN 10 (no 8021q here): its MAC is entered statically.
		case $path in
		bridge) ip netns exec "$HOST" bridge fdb add "$DST_MAC" dev h2 master static vlan 10 ;;
		sluice-*) sl fdb add sw0 "$DST_MAC" port h2 vlan 10 ;;
		esac || return 1
	elif [ "${path%-redirect}" = "$path" ]; then
		# Learn both MACs, and prove the path forwards before measuring it.
		ip netns exec "$SRC" ping -c 2 -i 0.2 -W 1 -q "$DST_IP" >/dev/null ||
			{ echo "topo_l2 $path: c1 cannot ping c2" >&2; return 1; }
	fi
}

# topo_nat PATH: c1 (10.20.0.2) -> host gateway -> uplink -> outside (10.99.0.2), masqueraded
# by PATH: iptables (Debian's default iptables-nft), iptables-legacy, nft, sluice (fast path
# on, the default) or sluice-slow (fastpath off: routed by the host, translated on the uplink);
# or nat-ceiling: no NAT, a minimal tc program on h1 rewrites the MACs and redirects to up0
# (xdpfwd tcmac), one way only, the most the fast path's route can carry.
# Returns 2 when sluice has no `nat` yet, 1 on a setup failure.
topo_nat() {
	local path=$1 gw
	topo_new || return 1
	SRC_IP=10.20.0.2 DST_IP=10.99.0.2
	ip -n "$HOST" link add up0 type veth peer name eth0 netns "$DST" &&
		ip -n "$HOST" addr add 10.99.0.1/24 dev up0 && ip -n "$HOST" link set up0 up &&
		ip -n "$DST" addr add $DST_IP/24 dev eth0 && ip -n "$DST" link set eth0 up &&
		ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 || return 1
	# The sink answers no ARP: the outside host's MAC is known for good.
	ip -n "$HOST" neigh replace $DST_IP lladdr "$(mac_of "$DST" eth0)" dev up0 nud permanent
	case $path in
	iptables|iptables-legacy|nft)
		veth_to_host "$SRC" h1 $SRC_IP/24 || return 1
		ip -n "$HOST" link add br0 type bridge && ip -n "$HOST" addr add 10.20.0.1/24 dev br0 &&
			ip -n "$HOST" link set h1 master br0 && ip -n "$HOST" link set br0 up || return 1
		gw=br0 ;;
	sluice|sluice-slow)
		sl switch add sw0 addr 10.20.0.1/24 &&
			sl port add sw0 h1 netns "$SRC" addr $SRC_IP/24 gw 10.20.0.1 || return 1
		gw=sw0 ;;
	nat-ceiling)
		veth_to_host "$SRC" h1 $SRC_IP/24 || return 1
		bg_ns "$HOST" "$WORK/xdpfwd.log" "$BUILD/xdpfwd" tcmac h1 up0 "$(mac_of "$DST" eth0)"
		TOPO_PIDS+=("$BG_PID")
		sleep 0.3
		kill -0 "$BG_PID" 2>/dev/null || { cat "$WORK/xdpfwd.log" >&2; return 1; }
		GEN_GRO_DEV=h1 DST_MAC=$(mac_of "$HOST" h1)
		return 0 ;;	# nothing answers: no ping
	*) echo "topo_nat: unknown path $path" >&2; return 1 ;;
	esac
	ip -n "$SRC" route replace default via 10.20.0.1 || return 1
	case $path in
	iptables|iptables-legacy)
		ip netns exec "$HOST" "$path" -t nat -A POSTROUTING -s 10.20.0.0/24 -o up0 \
			-j MASQUERADE ;;
	nft)
		ip netns exec "$HOST" nft -f - <<-'EOF'
		table ip nat {
			chain post {
				type nat hook postrouting priority srcnat;
				ip saddr 10.20.0.0/24 oifname "up0" masquerade
			}
		}
		EOF
		;;
	sluice|sluice-slow)
		sl nat show >/dev/null 2>&1 || return 2
		sl nat add masq src 10.20.0.0/24 out up0 \
			fastpath "$([ "$path" = sluice ] && echo on || echo off)" ;;
	esac || return 1
	GEN_GRO_DEV=h1
	DST_MAC=$(ip netns exec "$HOST" cat "/sys/class/net/$gw/address")
	ip netns exec "$SRC" ping -c 2 -i 0.2 -W 1 -q "$DST_IP" >/dev/null ||
		{ echo "topo_nat $path: c1 cannot reach the outside" >&2; return 1; }
}
