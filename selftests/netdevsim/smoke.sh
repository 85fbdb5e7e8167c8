#!/bin/bash
# netdevsim smoke test, run in the test VM: selftests/vm/run.sh -- selftests/netdevsim/smoke.sh
# Creates a two-port device, moves its netdevs into a fresh netns, checks its debugfs, deletes it.
set -eu
fails=0
ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
trap 'echo "FAIL - line $LINENO: $BASH_COMMAND"' ERR
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi; }

# It creates devices: never on a real host, only in the VM that run.sh boots.
if ! grep -qw sluice_vm=1 /proc/cmdline; then
	echo "FAIL - not in the sluice test VM; run: selftests/vm/run.sh -- $0" >&2
	exit 1
fi
bus=/sys/bus/netdevsim
[ -d $bus ] || modprobe netdevsim 2>/dev/null || true
[ -d $bus ] || { echo "FAIL - no $bus"; exit 1; }

# A free device ID: the write fails with EEXIST when another test took it meanwhile.
id=$(($$ % 10000 + 100))
until echo "$id 2" 2>/dev/null >$bus/new_device; do
	id=$((id + 1))
	[ $id -lt $(($$ % 10000 + 200)) ] || { echo "FAIL - cannot create a netdevsim device"; exit 1; }
done
ns=sluice-nsim-$id
cleanup() {
	echo "$id" >$bus/del_device 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
ok "created netdevsim$id"

# Its netdevs appear under the device in sysfs (already at return of the write, normally).
dev=$bus/devices/netdevsim$id
ifs=()
for _ in $(seq 50); do
	mapfile -t ifs < <(ls "$dev/net" 2>/dev/null)
	[ ${#ifs[@]} -lt 2 ] || break
	sleep 0.1
done
check "two netdevs: ${ifs[*]}" [ ${#ifs[@]} = 2 ]

ip netns add "$ns"
for i in "${ifs[@]}"; do
	ip link set dev "$i" netns "$ns"
	ip -n "$ns" link set dev "$i" up
	check "$i moved into netns $ns" ip -n "$ns" link show dev "$i"
	check "$i gone from the initial netns" [ ! -e "/sys/class/net/$i" ]
	check "$i is up" sh -c "ip -n '$ns' -o link show dev '$i' | grep -q '[<,]UP[,>]'"
done

ddir=/sys/kernel/debug/netdevsim/netdevsim$id
for f in bpf_bind_accept bpf_bind_verifier_accept bpf_bound_progs; do
	check "debugfs netdevsim$id/$f" [ -e "$ddir/$f" ]
done
for p in 0 1; do
	for f in bpf_offloaded_id bpf_map_accept bpf_xdpdrv_accept bpf_xdpoffload_accept bpf_tc_accept; do
		check "debugfs netdevsim$id/ports/$p/$f" [ -e "$ddir/ports/$p/$f" ]
	done
done
check "offload accepted by default" [ "$(cat "$ddir/bpf_bind_accept")" = Y ]

echo "$id" >$bus/del_device
check "netdevsim$id deleted" [ ! -e "$dev" ]
check "its netdevs are gone" [ -z "$(ip -n "$ns" -o link show | grep -v ': lo:')" ]
[ $fails = 0 ] || { echo "FAIL - $fails check(s) failed"; exit 1; }
echo "ok - all checks passed"
