#!/bin/bash
# `port add` killed (SIGKILL) at many moments (issue #13 item 5): the next command rolls back
# whatever it had made, so no orphan device remains, and the name can be used again.
# modes: tc
. "$(dirname "$0")/lib.sh"

T=crash
sl switch add sw0 addr 10.48.0.1/24 || exit 1
ns_add c1 && ns_add lan || exit 1
ip -n "$HOST" link add lan0 type veth peer name eth0 netns "$PFX-lan" &&
	ip -n "$HOST" link set lan0 up || exit 1

# Nothing of port NAME is left half-made: either it is a whole port (in port show, its host
# device there) or neither its host device nor its container device exists.
consistent() {
	local name=$1 cdev=$2 in_show dev cdev_there
	in_show=$(sl -j port show | python3 -c "import json,sys; print(any(p['name'] == '$name' for p in json.load(sys.stdin)))")
	ip -n "$HOST" link show "$name" >/dev/null 2>&1 && dev=True || dev=False
	ip -n "$PFX-c1" link show "$cdev" >/dev/null 2>&1 && cdev_there=True || cdev_there=False
	echo "$name: port $in_show, host device $dev, container device $cdev_there"
	if [ "$in_show" = True ]; then
		sl port del "$name" || return 1
	else
		[ "$dev" = False ] && [ "$cdev_there" = False ] || return 1
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

bad=0 i=0
for d in 0.0003 0.001 0.002 0.003 0.004 0.005 0.006 0.008 0.010 0.012 0.015 0.020 0.030 0.050; do
	i=$((i + 1))
	kill_add "$d" sw0 v$i netns "$PFX-c1" ifname e$i addr 10.48.0.$((10 + i))/24
	out=$(consistent v$i e$i 2>&1) || { bad=$((bad + 1)); echo "    delay $d: $out"; }
done
check "$T.veth_add_killed_leaves_nothing" test "$bad" = 0

bad=0
for d in 0.001 0.003 0.006 0.010 0.020 0.040; do
	i=$((i + 1))
	kill_add "$d" sw0 m$i macvlan parent lan0 netns "$PFX-c1" ifname e$i addr 10.48.1.$i/24
	out=$(consistent m$i e$i 2>&1) || { bad=$((bad + 1)); echo "    delay $d: $out"; }
done
check "$T.endpoint_add_killed_leaves_nothing" test "$bad" = 0

# After all that the switch still works as new: a port of a reused name and address.
check "$T.name_reusable" sl port add sw0 v1 netns "$PFX-c1" ifname e1 addr 10.48.0.11/24
check "$T.reused_port_forwards" ping_ok c1 10.48.0.1

summary
