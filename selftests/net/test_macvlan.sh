#!/bin/bash
# Macvlan endpoints and host macvlan ports on a veth parent whose peer is a "LAN"
# namespace: container <-> LAN, container <-> container on the same parent, VLANs kept
# apart on the parent and tagged towards the LAN, a veth container reaching the LAN
# through a host macvlan port, masquerade from a macvlan container, removal, bad input.
# modes: tc
. "$(dirname "$0")/lib.sh"

T=tc.macvlan
PEER=$ROOT/selftests/net/vlan_peer.py

# host: lan0 (192.168.50.1/24, the NAT uplink) <-> lan: eth0 192.168.50.2/24, and an
# AF_PACKET peer on it answering 192.168.60.2 in VLAN 10.
# sw0 (gateway 10.0.0.1/24): m1, m2 macvlan endpoints on the LAN (VLAN 1, untagged);
# v10a, v10b in VLAN 10 and v20 in VLAN 20, all in 192.168.60.0/24; up: host macvlan
# port of lan0 (trunk 10, native 1); c1: veth container 192.168.50.21; nat: macvlan
# container 10.0.0.31 behind the switch gateway, masqueraded out of lan0.
setup() {
	ns_add lan &&
	ip -n "$HOST" link add lan0 type veth peer name eth0 netns "$PFX-lan" &&
	ip -n "$HOST" addr add 192.168.50.1/24 dev lan0 && ip -n "$HOST" link set lan0 up &&
	ip -n "$PFX-lan" addr add 192.168.50.2/24 dev eth0 && ip -n "$PFX-lan" link set eth0 up &&
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.0.0.1/24 &&
	for c in m1/192.168.50.11/24 m2/192.168.50.12/24 v10a/192.168.60.11/24 v10b/192.168.60.12/24 \
		 v20/192.168.60.21/24 nat/10.0.0.31/24; do
		ns_add "${c%%/*}" || return 1
	done &&
	sl port add sw0 p-m1 macvlan parent lan0 netns "$PFX-m1" addr 192.168.50.11/24 &&
	sl port add sw0 p-m2 macvlan parent lan0 netns "$PFX-m2" addr 192.168.50.12/24 &&
	sl port add sw0 p-v10a macvlan parent lan0 netns "$PFX-v10a" addr 192.168.60.11/24 vlan 10 &&
	sl port add sw0 p-v10b macvlan parent lan0 netns "$PFX-v10b" addr 192.168.60.12/24 vlan 10 &&
	sl port add sw0 p-v20 macvlan parent lan0 netns "$PFX-v20" addr 192.168.60.21/24 vlan 20 &&
	sl port add sw0 up macvlan parent lan0 trunk 1,10 native 1 &&
	container_add c1 sw0 192.168.50.21/24 &&
	sl port add sw0 p-nat macvlan parent lan0 netns "$PFX-nat" addr 10.0.0.31/24 &&
	sl nat add mq src 10.0.0.0/24 out lan0
}
setup || { echo "FAIL $T.setup"; exit 1; }

listen() {
	local ns=$1 ifc=$2 log=/tmp/$PFX-$1-$2.log; shift 2
	bg_ns "$ns" /usr/bin/python3 "$PEER" listen "$ifc" "$log" --timeout 110 "$@"
	for _ in $(seq 50); do grep -q ready "$log" 2>/dev/null && return 0; sleep 0.1; done
	echo "listener on $ns/$ifc did not start"; return 1
}
seen() {
	/usr/bin/python3 - "/tmp/$PFX-$1-$2.log" "$3" <<'PY'
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1]) if '"ready"' not in l]
sys.exit(0 if any(eval(sys.argv[2], {}, {"f": f}) for f in frames) else 1)
PY
}
listen lan eth0 --answer 10/192.168.60.2 || exit 1

check "$T.endpoint_reaches_lan" ping_ok m1 192.168.50.2
check "$T.endpoints_on_one_parent_reach_each_other" ping_ok m1 192.168.50.12
check "$T.same_vlan_endpoints_reach_each_other" ping_ok v10a 192.168.60.12
check "$T.vlans_apart_on_one_parent" ping_fails v20 192.168.60.11
check "$T.vlan_endpoint_reaches_tagged_lan_peer" ping_ok v10a 192.168.60.2
check "$T.other_vlan_gets_no_answer_from_lan_peer" ping_fails v20 192.168.60.2
check "$T.veth_container_reaches_lan_through_host_macvlan" ping_ok c1 192.168.50.2
check "$T.veth_container_reaches_macvlan_endpoint" ping_ok c1 192.168.50.11
check "$T.masquerade_from_macvlan_endpoint" ping_ok nat 192.168.50.2
summary
