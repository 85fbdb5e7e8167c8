#!/bin/bash
# `port add` killed (SIGKILL) at many moments (issue #13 item 5): the next command rolls back
# whatever it had made, so no orphan device remains, and the name can be used again.
# modes: tc
. "$(dirname "$0")/lib.sh"

T=crash
fixture() {
	sl switch add sw0 addr 10.48.0.1/24 && ns_add c1 && ns_add lan &&
	ip -n "$HOST" link add lan0 type veth peer name eth0 netns "$PFX-lan" &&
	ip -n "$HOST" link set lan0 up
}

# Nothing of port NAME is left half-made: either it is a whole port (in port show, its host
# device there) or neither its host device nor its container device exists.
consistent() {
	local name=$1 cdev=$2 in_show dev cdev_there
	in_show=$(sl -j port show | jq --arg n "$name" 'any(.[]; .name == $n)')
	ip -n "$HOST" link show "$name" >/dev/null 2>&1 && dev=true || dev=false
	ip -n "$PFX-c1" link show "$cdev" >/dev/null 2>&1 && cdev_there=true || cdev_there=false
	echo "$name: port $in_show, host device $dev, container device $cdev_there"
	if [ "$in_show" = true ]; then
		sl port del "$name" || return 1
	else
		[ "$dev" = false ] && [ "$cdev_there" = false ] || return 1
	fi
	ip -n "$HOST" link show "$name" >/dev/null 2>&1 && return 1
	! ip -n "$PFX-c1" link show "$cdev" >/dev/null 2>&1
}

# kill_add DELAY ARGS...: start `port add ARGS`, SIGKILL it after DELAY seconds.
kill_add() {
	local delay=$1; shift
	"$SLUICE" --instance "$PFX" --netns "$HOST" port add "$@" 2>/dev/null & local pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
}

I=0	# the ports made so far: each gets a name of its own
test_veth_add_killed_leaves_nothing() {
	local bad=0 d out
	for d in 0.0003 0.001 0.002 0.003 0.004 0.005 0.006 0.008 0.010 0.012 0.015 0.020 0.030 0.050; do
		I=$((I + 1))
		kill_add "$d" sw0 v$I netns "$PFX-c1" ifname e$I addr 10.48.0.$((10 + I))/24
		out=$(consistent v$I e$I 2>&1) || { bad=$((bad + 1)); echo "delay $d: $out"; }
	done
	[ "$bad" = 0 ]
}

test_endpoint_add_killed_leaves_nothing() {
	local bad=0 d out
	for d in 0.001 0.003 0.006 0.010 0.020 0.040; do
		I=$((I + 1))
		kill_add "$d" sw0 m$I macvlan parent lan0 netns "$PFX-c1" ifname e$I addr 10.48.1.$I/24
		out=$(consistent m$I e$I 2>&1) || { bad=$((bad + 1)); echo "delay $d: $out"; }
	done
	[ "$bad" = 0 ]
}

# After all that the switch still works as new: a port of a reused name and address.
test_name_reusable() { sl port add sw0 v1 netns "$PFX-c1" ifname e1 addr 10.48.0.11/24; }
#@ after=name_reusable
test_reused_port_forwards() { ping_ok c1 10.48.0.1; }

. "$(dirname "$0")/runner.sh"
