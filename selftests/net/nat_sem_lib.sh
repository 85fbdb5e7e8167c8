# Topology of the NAT-semantics tests (issue #15): containers c1, c2 on switch sw0 behind a
# host whose uplink up0 faces a neighbour nb; nb routes the container subnet via the host.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# MODE: tc (the rule's fast path on, the default) or slowpath (`fastpath off`: every packet
# crosses the host stack); NAT_FP is what the files add to their `nat add`.
MODE=${1:-tc}
NAT_FP=(fastpath on); [ "$MODE" = slowpath ] && NAT_FP=(fastpath off)
SEM_PEERS=$ROOT/selftests/net/nat_sem_peers.py
NAT_PEERS=$ROOT/selftests/net/nat_peers.py
SUB=10.30.0.0/24 GW=10.30.0.1 C1=10.30.0.11 C2=10.30.0.12
UP=198.51.100.2 NB=198.51.100.1
NB_NS=$PFX-nb

nat_sem_topology() {
	case $MODE in
	tc|slowpath) ;;
	*) echo "mode $MODE is not supported on this build"; return 1 ;;
	esac
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr $GW/24 &&
	container_add c1 sw0 $C1/24 gw $GW &&
	container_add c2 sw0 $C2/24 gw $GW &&
	ns_add nb &&
	ip -n "$HOST" link add up0 type veth peer name n0 netns "$NB_NS" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$HOST" route add default via $NB &&
	ip -n "$NB_NS" addr add $NB/24 dev n0 && ip -n "$NB_NS" link set n0 up &&
	# The neighbour routes the container subnet via the host, as a router on the LAN could.
	ip -n "$NB_NS" route add $SUB via $UP
}

# Servers: UDP echo (answers with the sender's address) and TCP (tells the client its
# address) in the neighbour and in c1.
nat_sem_servers() {
	local ns
	for ns in nb c1; do
		bg_ns $ns /usr/bin/python3 "$NAT_PEERS" serve 9999
		bg_ns $ns /usr/bin/python3 "$SEM_PEERS" tcp-serve 7000
	done
	pause 1
}

# sl -j OUTPUT piped through a Python expression over d (the parsed JSON); prints it.
jq_sl() {
	local expr=$1; shift
	sl -j "$@" | python3 -c "import json,sys; d=json.load(sys.stdin); print($expr)"
}
