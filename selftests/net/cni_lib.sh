# CNI helpers for the CNI tests (sourced after lib.sh): network configurations with
# host-local state under this run's temporary dir, the plugin driven by CNI_* variables,
# and JSON assertions on what it prints.
# shellcheck shell=bash
CNI=$ROOT/build/sluice-cni
CNI_DIR=/tmp/$PFX-cni		# removed by lib.sh's cleanup (/tmp/$PFX-*)
mkdir -p "$CNI_DIR"

# conf FILE VERSION NAME SUBNET [JSON-KEYS]: a sluice network on this run's instance whose
# host-local leases live in $CNI_DIR/ipam; JSON-KEYS (',"k":v...') are appended.
conf() {
	local f=$1 ver=$2 name=$3 subnet=$4 extra=${5:-}
	local base=${subnet%.*/*}
	cat >"$f" <<J
{"cniVersion":"$ver","name":"$name","type":"sluice","instance":"$PFX","switch":"cni0",
 "isGateway":true$extra,
 "ipam":{"type":"host-local","dataDir":"$CNI_DIR/ipam","ranges":[[{"subnet":"$subnet",
  "gateway":"$base.1"}]],"routes":[{"dst":"0.0.0.0/0"}]}}
J
}

# cni COMMAND CONTAINERID NS IFNAME CONF: run the plugin in the host netns (nsenter keeps
# bpffs visible, FIELD-NOTES); stdout in $CNI_DIR/out, exit status returned.
cni() {
	local cmd=$1 id=$2 ns=$3 ifn=$4 f=$5 nsp=""
	[ -n "$ns" ] && nsp=/var/run/netns/$PFX-$ns
	nsenter --net="/var/run/netns/$HOST" env -i PATH="$PATH" CNI_COMMAND="$cmd" \
		CNI_CONTAINERID="$id" CNI_NETNS="$nsp" CNI_IFNAME="$ifn" CNI_PATH=/usr/lib/cni \
		"$CNI" <"$f" >"$CNI_DIR/out" 2>"$CNI_DIR/err"
}

# jq_ok FILTER: the last output satisfies the jq FILTER (true).
jq_ok() {
	jq -e "$1" "$CNI_DIR/out" >/dev/null 2>&1 ||
		{ echo "output: $(cat "$CNI_DIR/out") stderr: $(cat "$CNI_DIR/err")"; return 1; }
}

# cni_err CODE COMMAND ARGS...: the plugin fails with spec error CODE (an object on stdout).
cni_err() {
	local code=$1; shift
	if cni "$@"; then echo "succeeded: $(cat "$CNI_DIR/out")"; return 1; fi
	jq_ok ".code == $code and (.msg | length > 0) and (keys - [\"cniVersion\", \"code\", \"msg\", \"details\"] == [])"
}

# with_prev CONF RESULT OUT: CONF with prevResult set to RESULT (a file), as CHECK gets it.
with_prev() {
	jq --slurpfile p "$2" '.prevResult = $p[0]' "$1" >"$3"
}

# leases: addresses host-local holds in this run's dataDir.
leases() { ls "$CNI_DIR/ipam"/*/ 2>/dev/null | grep -E '^[0-9.]+$' | sort | tr '\n' ' '; }
