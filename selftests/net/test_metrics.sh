#!/bin/bash
# `sluice daemon --metrics`: /metrics in the managed host namespace passes `promtool check
# metrics`, its counters follow traffic and drops, and a real Prometheus server (in the test's
# host namespace, config and storage in a temp dir, 1 s scrapes) reads them back.
# modes: tc
. "$(dirname "$0")/lib.sh"

T=metrics
UP=198.51.100.2 OUT=198.51.100.1
ADDR=127.0.0.1:9108 PROM=127.0.0.1:9090
PEERS=$ROOT/selftests/net/nat_peers.py
PROM_DIR=/tmp/$PFX-prom

fixture() {
	in_ns host sysctl -qw net.ipv4.ip_forward=1 &&
	sl switch add sw0 addr 10.42.0.1/24 &&
	container_add c1 sw0 10.42.0.11/24 gw 10.42.0.1 &&
	container_add c2 sw0 10.42.0.12/24 gw 10.42.0.1 &&
	ns_add out &&
	ip -n "$HOST" link add up0 type veth peer name o0 netns "$PFX-out" &&
	ip -n "$HOST" addr add $UP/24 dev up0 && ip -n "$HOST" link set up0 up &&
	ip -n "$HOST" route add default via $OUT &&
	ip -n "$PFX-out" addr add $OUT/24 dev o0 && ip -n "$PFX-out" link set o0 up &&
	sl nat add m0 src 10.42.0.0/24 out up0 ports 40000-40999 || return 1
	M2=$(in_ns c2 cat /sys/class/net/eth0/address)
	daemon_start --interval 1 --metrics $ADDR
	for _ in $(seq $((50 * SLOW))); do scrape >/dev/null && break; sleep 0.1; done
}

scrape() { in_ns host curl -sf --max-time 5 "http://$ADDR/metrics"; }
# value METRIC_WITH_LABELS: its value in a fresh scrape (exact series text).
value() { scrape | awk -v m="$1" '$1 == m { print $2 }'; }
ge() { local v; v=$(value "$1"); echo "$1 = $v (want >= $2)"; [ -n "$v" ] && [ "$v" -ge "$2" ]; }
eq() { local v; v=$(value "$1"); echo "$1 = $v (want $2)"; [ "$v" = "$2" ]; }

test_served_in_the_host_namespace() { scrape | grep -q '^sluice_build_info{'; }

# Traffic: 5 pings c1 -> c2, one UDP flow out through the NAT, one spoofed frame; the scrape
# after it passes promtool. The tests after=traffic read the counters it moved.
test_traffic() {
	in_ns c1 ping -c 5 -i 0.2 -W 1 -q 10.42.0.12 >/dev/null
	in_ns c1 /usr/bin/python3 "$PEERS" send $OUT 9999 6000 3
	in_ns c1 /usr/bin/python3 -c "
from scapy.all import Ether, IP, ICMP, sendp
sendp(Ether(src='02:00:00:00:99:98', dst='$M2') / IP(src='10.42.0.11', dst='10.42.0.12') / ICMP(),
      iface='eth0', verbose=0)"
	scrape >"/tmp/$PFX-metrics.txt"
	check "$T.promtool_check_metrics" promtool check metrics <"/tmp/$PFX-metrics.txt"
}
#@ after=traffic
test_port_rx_counts_pings() { ge 'sluice_port_rx_packets_total{port="p-c1",switch="sw0"}' 5; }
#@ after=traffic
test_port_tx_counts_pings() { ge 'sluice_port_tx_packets_total{port="p-c2",switch="sw0"}' 5; }
#@ after=traffic
test_drop_counted_by_reason() { eq 'sluice_port_drops_total{port="p-c1",switch="sw0",reason="spoofed_mac"}' 1; }
#@ after=traffic
test_other_reasons_listed_at_zero() { eq 'sluice_port_drops_total{port="p-c1",switch="sw0",reason="vlan_qinq"}' 0; }
#@ after=traffic
test_fdb_entries() { ge 'sluice_fdb_entries{switch="sw0"}' 2; }
#@ after=traffic
test_fdb_capacity() { eq 'sluice_fdb_capacity' 16384; }
#@ after=traffic
test_nat_connection_created() { eq 'sluice_nat_connections_created_total' 1; }
#@ after=traffic
test_nat_connections_vs_capacity() {
	grep -q '^sluice_nat_connections 1$' "/tmp/$PFX-metrics.txt" &&
		grep -q '^sluice_nat_connections_capacity 262144$' "/tmp/$PFX-metrics.txt"
}
#@ after=traffic
test_nat_translated_out() { eq 'sluice_nat_translated_packets_total{direction="out"}' 3; }
#@ after=traffic
test_nat_rule_ports_capacity() { eq 'sluice_nat_rule_ports{rule="m0",out="up0"}' 1000; }
#@ after=traffic
test_nat_rule_connections() { eq 'sluice_nat_rule_connections{rule="m0",out="up0"}' 1; }
#@ after=traffic
test_nat_allocations() { eq 'sluice_nat_port_allocations_total' 1; }
# The UDP flow's datagrams took the NAT fast path at c1's port (tc ports have it).
#@ after=traffic
test_nat_fastpath_out_counted() { ge 'sluice_nat_fastpath_packets_total{direction="out"}' 1; }
#@ after=traffic
test_nat_slowpath_reasons_listed() { eq 'sluice_nat_slowpath_packets_total{direction="in",reason="ttl_expiring"}' 0; }
# No XDP uplink here: the XDP counters are listed, at zero.
#@ after=traffic
test_nat_xdp_counters_listed() { eq 'sluice_nat_xdp_passed_total{direction="out",reason="no_flow"}' 0; }
#@ after=traffic
test_nat_published_ports_capacity() { eq 'sluice_nat_published_ports_capacity' 4096; }
# A datagram out in fragments, last first (after the scrape above: its counts stay exact):
# the early fragment is held and released when the first one comes.
#@ after=traffic
test_nat_held_fragments_counted() {
	in_ns c1 /usr/bin/python3 "$ROOT/selftests/net/nat_frag_peers.py" blast 10.42.0.11 $OUT 9997 6001 1 3000 reverse
	pause 1
	ge sluice_nat_fragments_held_total 1 && ge sluice_nat_fragments_released_total 1
}
test_other_paths_are_404() {
	[ "$(ip netns exec $HOST curl -s -o /dev/null -w '%{http_code}' http://$ADDR/other)" = 404 ]
}

# query PROMQL: the first result's value, or nothing.
query() {
	in_ns host curl -sf --max-time 5 "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // ""' 2>/dev/null
}
prom_sees() {
	local want=$2 got
	for _ in $(seq $((60 * SLOW))); do	# up to 30 s (SLOW times that in the VM)
		got=$(query "$1")
		[ "$got" = "$want" ] && { echo "$1 = $got"; return 0; }
		sleep 0.5
	done
	echo "$1 = '$got' (want $want)"; return 1
}

# A real Prometheus in the host namespace scrapes every second; its API answers the query.
#@ after=traffic
test_prometheus() {
	mkdir -p "$PROM_DIR/data"
	cat >"$PROM_DIR/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sluice
    static_configs:
      - targets: ['$ADDR']
YML
	bg_ns host prometheus --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
		--web.listen-address=$PROM --log.level=warn
	check "$T.prometheus_target_up" prom_sees 'up{job="sluice"}' 1
	check "$T.prometheus_queries_drop_counter" prom_sees 'sluice_port_drops_total{port="p-c1",reason="spoofed_mac"}' 1
	in_ns c1 ping -c 3 -i 0.2 -W 1 -q 10.42.0.12 >/dev/null
	local want; want=$(value 'sluice_port_rx_packets_total{port="p-c1",switch="sw0"}')
	check "$T.prometheus_follows_new_traffic" prom_sees 'sluice_port_rx_packets_total{port="p-c1"}' "$want"
}

# One daemon per instance: stop ours, so the bad --metrics is what the next ones fail on.
#@ after=prometheus
test_bad_metrics() {
	kill "$DAEMON_PID" && wait "$DAEMON_PID" 2>/dev/null
	fails "$T.bad_address" '--metrics "nonsense": expected IPv4ADDR:PORT' sl daemon --metrics nonsense
	fails "$T.address_in_use" "--metrics $PROM: cannot listen" sl daemon --metrics $PROM
}

. "$(dirname "$0")/runner.sh"
