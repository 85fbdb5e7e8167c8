#!/bin/bash
# Kernels without tcx (< 6.6, the test VM's 6.1): sluice's hooks are clsact filters, and a clsact
# qdisc sluice created goes again with its last hook (port del, nat del, switch del), while one
# that was there before stays. Host devices only: a container's device takes its qdisc along.
. "$(dirname "$0")/lib.sh"

if bpftool feature probe kernel 2>/dev/null | grep -q tcx; then
	skip clsact.qdisc_cleanup "the kernel has tcx: no clsact qdisc is made"
	exit 0
fi
ns_add c1 && ns_add out && ns_add lan || exit 1
# Host devices: d0/d1 (dev ports), up0 (NAT uplink), lan0 (a macvlan parent).
for d in d0 d1 up0 lan0; do
	ip -n "$HOST" link add "$d" type veth peer name "${d}p" netns "$PFX-out" || exit 1
	ip -n "$HOST" link set "$d" up
done
ip -n "$HOST" addr add 192.0.2.1/24 dev up0
sl switch add sw0 addr 10.30.0.1/24 || exit 1

clsact_on() { tc -n "$HOST" qdisc show dev "$1" | grep -q clsact; }
filters_on() { tc -n "$HOST" filter show dev "$1" ingress; tc -n "$HOST" filter show dev "$1" egress; }

dev_port_qdisc_goes() {
	sl port add sw0 d0 dev || return 1
	clsact_on d0 || return 1
	sl port del d0 || return 1
	echo "d0: $(tc -n "$HOST" qdisc show dev d0)"
	! clsact_on d0 && [ ! -e "/sys/fs/bpf/sluice/$PFX/clsact/$(ip -n "$HOST" -j link show d0 | jq .[0].ifindex)" ]
}
check clsact.port_del_removes_its_qdisc dev_port_qdisc_goes

operator_qdisc_stays() {
	tc -n "$HOST" qdisc add dev d1 clsact || return 1
	sl port add sw0 d1 dev && sl port del d1 || return 1
	echo "d1: $(tc -n "$HOST" qdisc show dev d1) / $(filters_on d1)"
	clsact_on d1 && [ -z "$(filters_on d1)" ]
}
check clsact.port_del_keeps_a_qdisc_it_found operator_qdisc_stays

nat_qdisc_goes() {
	sl nat add n1 src 10.30.0.0/24 out up0 || return 1
	clsact_on up0 && [ -n "$(filters_on up0)" ] || return 1
	sl nat del n1 || return 1
	echo "up0: $(tc -n "$HOST" qdisc show dev up0)"
	! clsact_on up0
}
check clsact.nat_del_removes_its_qdisc nat_qdisc_goes

lan_qdisc_goes() {
	sl port add sw0 mv0 macvlan parent lan0 || return 1
	clsact_on lan0 || return 1
	sl port del mv0 || return 1
	echo "lan0: $(tc -n "$HOST" qdisc show dev lan0)"
	! clsact_on lan0
}
check clsact.lan_port_del_removes_its_qdisc lan_qdisc_goes

# One device holding two of sluice's hooks (a macvlan parent that is also the NAT uplink):
# the qdisc stays while either is there.
shared_qdisc() {
	sl port add sw0 mv1 macvlan parent up0 && sl nat add n2 src 10.30.0.0/24 out up0 ||
		return 1
	sl port del mv1 || return 1
	clsact_on up0 && [ -n "$(filters_on up0)" ] || { echo "the NAT's hooks lost their qdisc"; return 1; }
	sl nat del n2 || return 1
	echo "up0: $(tc -n "$HOST" qdisc show dev up0)"
	! clsact_on up0
}
check clsact.shared_device_keeps_qdisc_until_last_hook shared_qdisc

# `sluice upgrade` on clsact: every filter is swapped in place (same count, each program new),
# and the record of which qdisc sluice made survives it, so a later del still removes it.
prog_ids() { filters_on "$1" | grep -o " id [0-9]*"; }
upgrade_swaps_filters() {
	sl port add sw0 d0 dev && sl nat add n3 src 10.30.0.0/24 out up0 || return 1
	local before after
	before=$({ prog_ids d0; prog_ids up0; } | sort)
	sl upgrade >/dev/null || return 1
	after=$({ prog_ids d0; prog_ids up0; } | sort)
	echo "program ids before: $(echo $before) / after: $(echo $after)"
	[ -n "$before" ] && [ "$(wc -l <<<"$before")" -eq "$(wc -l <<<"$after")" ] || return 1
	[ -z "$(comm -12 <(echo "$before") <(echo "$after"))" ] || return 1
	sl port del d0 && sl nat del n3 || return 1
	! clsact_on d0 && ! clsact_on up0
}
check clsact.upgrade_swaps_filters_and_del_still_cleans_up upgrade_swaps_filters

switch_del_all() {
	sl port add sw0 d0 dev && sl port add sw0 mv0 macvlan parent lan0 || return 1
	clsact_on d0 && clsact_on lan0 || return 1
	sl switch del sw0 || return 1
	echo "d0: $(tc -n "$HOST" qdisc show dev d0); lan0: $(tc -n "$HOST" qdisc show dev lan0)"
	! clsact_on d0 && ! clsact_on lan0 && clsact_on d1 && [ ! -e "/sys/fs/bpf/sluice/$PFX" ]
}
check clsact.switch_del_removes_every_qdisc_it_made switch_del_all

summary
