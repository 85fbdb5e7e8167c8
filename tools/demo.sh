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
	"$SLUICE" --instance "$P" --netns "$HOST" switch del sw6 2>/dev/null || true
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

step "two VLANs on one switch: 10 (c10a, c10b) and 20 (c20), a host gateway in each"
for n in c10a c10b c20; do
	ip netns add "$P-$n"; NSS+=("$P-$n")
	ip -n "$P-$n" link set lo up
	ip netns exec "$P-$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
run sl port add sw0 veth-c10a netns "$P-c10a" addr 10.77.10.11/24 gw 10.77.10.1 vlan 10
run sl port add sw0 veth-c10b netns "$P-c10b" addr 10.77.10.12/24 gw 10.77.10.1 vlan 10
run sl port add sw0 veth-c20 netns "$P-c20" addr 10.77.20.21/24 gw 10.77.20.1 vlan 20
run sl vlan add sw0 10 addr 10.77.10.1/24
run sl vlan add sw0 20 addr 10.77.20.1/24
run sl vlan show

step "VLAN 10 talks inside itself; its ARP broadcasts never reach VLAN 20"
run ip netns exec "$P-c10a" ping -c 2 -i 0.2 10.77.10.12
TCPD=()
for n in c10b c20; do	# who hears c10a's ARP broadcasts?
	ip netns exec "$P-$n" timeout 3 tcpdump -l -n -i eth0 arp 2>/dev/null >"/tmp/$P-$n.arp" &
	TCPD+=($!)
done
sleep 0.5
run ip netns exec "$P-c10a" ip route add 10.77.20.21/32 dev eth0	# pretend c20 is on-link
run ip netns exec "$P-c10a" ping -c 2 -W 1 10.77.20.21 || true
wait "${TCPD[@]}" || true
echo "ARP requests from c10a heard by c10b (VLAN 10): $(grep -c 'tell 10.77.10.11' "/tmp/$P-c10b.arp")," \
	"by c20 (VLAN 20): $(grep -c 'tell 10.77.10.11' "/tmp/$P-c20.arp")"
rm -f "/tmp/$P-c10b.arp" "/tmp/$P-c20.arp"
run ip netns exec "$P-c10a" ip route del 10.77.20.21/32 dev eth0

step "between VLANs only through the host's gateways, and only when it forwards"
run ip netns exec "$HOST" sysctl -w net.ipv4.ip_forward=0
run ip netns exec "$P-c10a" ping -c 2 -W 1 10.77.20.21 || true
run ip netns exec "$HOST" sysctl -w net.ipv4.ip_forward=1
run ip netns exec "$P-c10a" ping -c 2 -i 0.2 10.77.20.21	# ttl 63: one hop, the host
run sl fdb show

step "masquerade: containers reach an outside server through the host's uplink"
for n in rtr out; do
	ip netns add "$P-$n"; NSS+=("$P-$n")
	ip -n "$P-$n" link set lo up
done
ip -n "$HOST" link add up0 type veth peer name r0 netns "$P-rtr"
ip -n "$P-rtr" link add r1 type veth peer name o0 netns "$P-out"
ip -n "$HOST" addr add 198.51.100.2/24 dev up0
ip -n "$HOST" link set up0 up
ip -n "$HOST" route add default via 198.51.100.1
ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1
ip -n "$P-rtr" addr add 198.51.100.1/24 dev r0
ip -n "$P-rtr" addr add 203.0.113.1/24 dev r1
ip -n "$P-rtr" link set r0 up
ip -n "$P-rtr" link set r1 up
ip netns exec "$P-rtr" sysctl -qw net.ipv4.ip_forward=1
ip -n "$P-out" addr add 203.0.113.10/24 dev o0
ip -n "$P-out" link set o0 up
ip -n "$P-out" route add default via 203.0.113.1
echo "host uplink up0 198.51.100.2 -> router $P-rtr -> outside server 203.0.113.10 (no route back to 10.77.0.0/24)"
ip netns exec "$P-out" /usr/bin/python3 selftests/net/nat_peers.py http 80 >/dev/null 2>&1 &
HTTPD=$!
sleep 0.5
run sl nat add masq src 10.77.0.0/24 out up0
run sl nat show
echo "the server answers with the client address it saw:"
run ip netns exec "$P-c1" curl -s --max-time 5 http://203.0.113.10/
run ip netns exec "$P-c2" ping -c 2 -i 0.2 203.0.113.10
run sl nat ct show
run sl nat stats
echo "netfilter rules in the host namespace: $(ip netns exec "$HOST" iptables-save -t nat 2>/dev/null | grep -c '^-A')"

step "dual stack: container c6 reaches the outside over IPv4 and IPv6 (NAT66), one rule per family"
for n in host rtr out; do
	ip netns exec "$P-$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.all.forwarding=1
done
ip -n "$HOST" addr add 2001:db8:77:1::2/64 dev up0 nodad
ip -n "$HOST" -6 route add default via 2001:db8:77:1::1
ip -n "$P-rtr" addr add 2001:db8:77:1::1/64 dev r0 nodad
ip -n "$P-rtr" addr add 2001:db8:77:2::1/64 dev r1 nodad
ip -n "$P-out" addr add 2001:db8:77:2::10/64 dev o0 nodad
ip -n "$P-out" -6 route add default via 2001:db8:77:2::1
echo "up0 also has 2001:db8:77:1::2; the outside server also 2001:db8:77:2::10 (no route back to fd00:78::/64)"
ip netns add "$P-c6"; NSS+=("$P-c6")
ip -n "$P-c6" link set lo up
run sl switch add sw6 addr 10.78.0.1/24 addr fd00:78::1/64
run sl port add sw6 veth-c6 netns "$P-c6" addr 10.78.0.16/24 addr fd00:78::16/64
run sl nat add m4 src 10.78.0.0/24 out up0
run sl nat add m6 src fd00:78::/64 out up0
run sl nat show
run ip netns exec "$P-c6" ping -c 2 -i 0.2 203.0.113.10
run ip netns exec "$P-c6" ping -6 -c 2 -i 0.2 2001:db8:77:2::10
run sl nat ct show rule m6
run sl nat del m6
run sl nat del m4
run sl switch del sw6

step "macvlan: c3 sits directly on up0's wire; a host macvlan port joins that wire to the switch"
ip netns add "$P-c3"; NSS+=("$P-c3")
ip -n "$P-c3" link set lo up
run sl port add sw0 lan-up0 macvlan parent up0
run sl port add sw0 mv-c3 macvlan parent up0 netns "$P-c3" addr 10.77.0.13/24
run sl port show mv-c3
echo "c3 reaches c1 on the switch, and the outside server through the gateway and the NAT:"
run ip netns exec "$P-c3" ping -c 2 -i 0.2 10.77.0.11
run ip netns exec "$P-c3" curl -s --max-time 5 http://203.0.113.10/
run sl stats mv-c3
kill "$HTTPD" 2>/dev/null; wait "$HTTPD" 2>/dev/null || true
run sl nat del masq

step "teardown"
run sl switch del sw0
echo "done: every namespace and pin of this demo is removed on exit"
