# netdevsim test helpers, for the test VM only: devices whose ports live in the test's host
# namespace, their debugfs knobs, and a cleanup that restores every knob before deleting them.
# shellcheck shell=bash
if ! grep -qw sluice_vm=1 /proc/cmdline; then
	# It creates devices: never on a real host, only in the VM that run.sh boots.
	echo "FAIL $(basename "$0"): not in the sluice test VM; run: selftests/vm/run.sh -- $0"
	exit 1
fi
. "$(dirname "${BASH_SOURCE[0]}")/../net/lib.sh"

NSIM_BUS=/sys/bus/netdevsim
NSIM_DEVS=()
[ -d $NSIM_BUS ] || modprobe netdevsim 2>/dev/null

# Knobs back to "accept" first: detaching a program while the device refuses it warns.
nsim_cleanup() {
	local id f
	for id in "${NSIM_DEVS[@]}"; do
		for f in /sys/kernel/debug/netdevsim/netdevsim$id/bpf_*accept \
			/sys/kernel/debug/netdevsim/netdevsim$id/ports/*/bpf_*_accept; do
			case $f in *non_bound*) continue ;; esac
			echo Y >"$f" 2>/dev/null
		done
	done
	cleanup
	for id in "${NSIM_DEVS[@]}"; do echo "$id" >$NSIM_BUS/del_device 2>/dev/null; done
	return 0
}
trap nsim_cleanup EXIT

# nsim_add PORTS: a new device with PORTS ports moved into $HOST, up. Sets NSIM_ID,
# NSIM_DBG (its debugfs directory) and NSIM_IFS (its port names, by port index).
nsim_add() {
	local ports=$1 id=$(($$ % 5000 + 100 + ${#NSIM_DEVS[@]} * 5000)) i ifs=()
	until echo "$id $ports" 2>/dev/null >$NSIM_BUS/new_device; do
		id=$((id + 1))
		[ $id -lt $(($$ % 5000 + 200 + ${#NSIM_DEVS[@]} * 5000)) ] || return 1
	done
	NSIM_DEVS+=("$id")
	NSIM_ID=$id
	NSIM_DBG=/sys/kernel/debug/netdevsim/netdevsim$id
	for _ in $(seq 50); do
		[ "$(ls $NSIM_BUS/devices/netdevsim$id/net 2>/dev/null | wc -l)" -ge "$ports" ] && break
		sleep 0.1
	done
	# By port index, so that NSIM_IFS[n] matches $NSIM_DBG/ports/n (named "p<n+1>").
	for ((i = 0; i < ports; i++)); do
		ifs+=("$(ls $NSIM_BUS/devices/netdevsim$id/net/*/phys_port_name 2>/dev/null |
			while read -r f; do
				[ "$(cat "$f")" = "p$((i + 1))" ] && basename "$(dirname "$f")"
			done)")
	done
	NSIM_IFS=()
	for i in "${!ifs[@]}"; do
		[ -n "${ifs[$i]}" ] || return 1
		ip link set dev "${ifs[$i]}" netns "$HOST" || return 1
		# Unique names: the namespace is the test's own, the kernel's ethN may repeat.
		ip -n "$HOST" link set dev "${ifs[$i]}" name "nsim${id}p$i" || return 1
		NSIM_IFS+=("nsim${id}p$i")
	done
}

# nsim_knob FILE Y|N: a debugfs knob of the current device (FILE relative to NSIM_DBG).
nsim_knob() { echo "$2" >"$NSIM_DBG/$1"; }

# XDP programs on a port as iproute2 reports them: "drv=ID hw=ID " (generic: skb=ID), sorted.
# jq rather than python: python takes seconds to start under TCG.
xdp_ids() {
	ip -n "$HOST" -j -d link show dev "$1" | jq -r '.[0].xdp // empty |
		if .attached then .attached[] else . end |
		"\({"1": "drv", "2": "skb", "3": "hw"}[.mode | tostring])=\(.prog.id)"' |
		sort | tr '\n' ' '
}

# The ids of the programs bound to the current device, one per line.
bound_prog_ids() { cat "$NSIM_DBG"/bpf_bound_progs/*/id 2>/dev/null; }

# tc filters on a port's ingress (the clsact fallback where there is no tcx).
tc_filters() { tc -n "$HOST" filter show dev "$1" ingress 2>/dev/null; }

# jfield FILTER COMMAND...: a jq filter on COMMAND's JSON output.
jfield() {
	local filter=$1; shift
	"$@" | jq -r "$filter"
}
