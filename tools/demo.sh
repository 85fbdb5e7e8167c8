#!/bin/bash
# `make demo`: a small container host made of network namespaces — two
# containers on a sluice switch with a gateway — traffic across it, its state, teardown.
set -eu
cd "$(dirname "$0")/.."
SLUICE=$PWD/build/sluice
P=demo$$
HOST=$P-host
NSS=()
DPID=

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { local shown="$*"; printf '$ %s\n' "${shown/#sl /sluice }"; "$@"; }
sl() { "$SLUICE" --instance "$P" --netns "$HOST" "$@"; }
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	"$SLUICE" --instance "$P" --netns "$HOST" switch del sw0 2>/dev/null || true
	for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "/sys/fs/bpf/sluice/$P"
	rmdir /sys/fs/bpf/sluice 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

step "a host namespace ($HOST) and two containers ($P-c1, $P-c2)"
for n in host c1 c2; do
	ip netns add "$P-$n"; NSS+=("$P-$n")
	ip -n "$P-$n" link set lo up
	ip netns exec "$P-$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done

step "a switch with a gateway address, and two container ports"
run sl switch add sw0 addr 10.77.0.1/24
run sl port add sw0 veth-c1 netns "$P-c1" addr 10.77.0.11/24
run sl port add sw0 veth-c2 netns "$P-c2" addr 10.77.0.12/24 xdp native
run sl port show
echo "kernel bridges in the host namespace: $(ip -n "$HOST" link show type bridge | wc -l)"

step "the daemon ages the FDB (kill it any time: traffic does not care)"
"$SLUICE" --instance "$P" --netns "$HOST" daemon --fdb-ageing 300 & DPID=$!
sleep 0.3

step "traffic: c1 -> c2, c1 -> gateway, host -> c2"
run ip netns exec "$P-c1" ping -c 3 -i 0.2 10.77.0.12
run ip netns exec "$P-c1" ping -c 2 -i 0.2 10.77.0.1
run ip netns exec "$HOST" ping -c 2 -i 0.2 10.77.0.12

step "a TCP transfer c1 -> c2 (iperf3, 3 s)"
ip netns exec "$P-c2" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
SRV=$!
sleep 0.5
run ip netns exec "$P-c1" iperf3 -c 10.77.0.12 -p 5201 -t 3 | grep -E "sender|receiver"
wait "$SRV" || true

step "switch state"
run sl -p fdb show
run sl stats

step "teardown"
run sl switch del sw0
echo "done: every namespace and pin of this demo is removed on exit"
