#!/bin/bash
# sluice-cni under a real runtime: podman 4.3 (CNI backend) inside the test's host netns and
# a private mount namespace (FIELD-NOTES: fresh sysfs and bpffs, cgroups bound back, private
# /run, overlays on /etc and /var/lib), config, plugins and storage in a temporary dir.
# modes: tc
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cni_lib.sh"

for t in podman crun conmon busybox /usr/lib/cni/host-local; do
	command -v "$t" >/dev/null || { echo "# skip: $t is not installed (apt-get install podman containernetworking-plugins busybox-static)"; exit 0; }
done
# The TCG guest (selftests/vm) has neither podman's storage nor the time for it.
[ "$SLOW" = 1 ] || { echo "# skip: podman is not run in the test VM"; exit 0; }
T=cni_podman
D=$CNI_DIR
MNT=$D/mnt.ns
pm_cleanup() {
	[ -e "$MNT" ] || return 0
	pm rm -af -t 0 >/dev/null 2>&1
	umount "$MNT" 2>/dev/null	# the mount namespace (and its bpffs, pins, /run) goes
	umount "$D" 2>/dev/null
}
trap 'pm_cleanup; cleanup' EXIT

# Inside the runtime's mount and network namespace.
in_pm() { nsenter --mount="$MNT" --net="/var/run/netns/$HOST" "$@"; }
pm() {
	in_pm env -i PATH="$PATH" HOME="$D" CONTAINERS_CONF="$D/containers.conf" TMPDIR="$D/tmp" \
		podman --root "$D/root" --runroot "$D/runroot" --storage-driver vfs "$@"
}
slp() { in_pm "$SLUICE" --instance "$PFX" "$@"; }

# netconf NAME SWITCH SUBNET [JSON-KEYS]: a conflist of one sluice plugin.
netconf() {
	cat >"$D/net.d/$1.conflist" <<J
{"cniVersion":"1.0.0","name":"$1","plugins":[{"type":"sluice","instance":"$PFX","switch":"$2",
 "isGateway":true${4:-},"ipam":{"type":"host-local","dataDir":"$D/ipam",
 "ranges":[[{"subnet":"$3","gateway":"${3%.*/*}.1"}]],"routes":[{"dst":"0.0.0.0/0"}]}}]}
J
}

# The environment, made once: the mount namespace, podman's config, the outside.
fixture() {
	# The private mount namespace; $D is bound on itself, private, so the namespace's pin can
	# live there.
	mount --bind "$D" "$D" && mount --make-private "$D" && touch "$MNT" &&
		unshare --mount="$MNT" --propagation slave true || return 1
	mkdir -p "$D"/{cg,etc-up,etc-work,var-up,var-work,tmp,plugins,net.d,ipam,rootfs/bin}
	# crun refuses this machine's hybrid cgroups: hide the unified tree (FIELD-NOTES).
	in_pm sh -ec "
	mount --rbind /sys/fs/cgroup $D/cg
	mount -t sysfs sysfs /sys
	mount --rbind $D/cg /sys/fs/cgroup
	mount -t tmpfs tmpfs /sys/fs/cgroup/unified
	mount -t bpf bpf /sys/fs/bpf
	mount -t tmpfs tmpfs /run
	mount -t overlay overlay -o lowerdir=/etc,upperdir=$D/etc-up,workdir=$D/etc-work /etc
	mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$D/var-up,workdir=$D/var-work /var/lib" || return 1

	# No CAP_SYS_RESOURCE here: podman's default rlimits (1048576) make crun fail with EPERM.
	cat >"$D/containers.conf" <<C
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$D/events.log"
[network]
network_backend = "cni"
network_config_dir = "$D/net.d"
cni_plugin_dirs = ["$D/plugins"]
C
	ln -s "$CNI" "$D/plugins/sluice"
	ln -s /usr/lib/cni/host-local "$D/plugins/host-local"
	# net1 is the shipped example (dist/podman-sluice.conflist) on this run's instance and
	# with its leases here.
	jq --arg i "$PFX" --arg d "$D/ipam" '.name = "net1" | .plugins[0] |= (.instance = $i |
		.switch = "cni0" | .ipam.dataDir = $d |
		.ipam.ranges = [[{subnet: "10.76.0.0/24", gateway: "10.76.0.1"}]])' \
		"$ROOT/dist/podman-sluice.conflist" >"$D/net.d/net1.conflist" || return 1
	netconf bad1 cni1 10.76.0.0/25
	netconf bad2 cni2 10.77.0.0/24 ',"hairpinMode":true'

	# The outside, behind the host's default route.
	ns_add out || return 1
	ip -n "$HOST" link add up0 type veth peer name o0 netns "$PFX-out"
	ip -n "$HOST" addr add 192.0.2.2/24 dev up0 && ip -n "$HOST" link set up0 up
	ip -n "$PFX-out" addr add 192.0.2.1/24 dev o0 && ip -n "$PFX-out" link set o0 up
	ip -n "$HOST" route add default via 192.0.2.1
	in_ns host sysctl -qw net.ipv4.ip_forward=1
}

run() { pm run -d --pull never --name "$1" --network "$2" localhost/bb sleep 600 >/dev/null; }
addr_of() { pm exec "$1" ip -o -4 addr show eth0 | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p'; }
cni_ports() { slp -j port show | jq '[.[] | select(.cni)] | length'; }
port_of() { slp -j port show | jq -r --arg a "$1" 'first(.[] | select(.ip == $a)) | .name'; }
pping() { pm exec "$1" ping -c 2 -W 1 -q "$2" >/dev/null; }
pubs() { slp -j nat publish show | jq -r '[.[] | "\(.proto):\(.port)>\(.to)"] | sort | join(" ")'; }

# An image from busybox-static: no registry is reachable here.
test_podman_import_image() {
	cp "$(command -v busybox)" "$D/rootfs/bin/"
	for c in sh ping sleep ip httpd; do ln -s busybox "$D/rootfs/bin/$c"; done
	tar -C "$D/rootfs" -cf "$D/bb.tar" .
	check "$T.podman_import_image" eval 'pm import "$D/bb.tar" localhost/bb >/dev/null'
}

# Two containers on net1 (A and B: their addresses, for the tests after this one).
#@ after=podman_import_image
test_run() {
	check "$T.run_a" run a net1
	check "$T.run_b" run b net1
	A=$(addr_of a); B=$(addr_of b)
	check "$T.addresses_from_host_local" eval '[ "$(leases)" = "$(printf "%s\n" "$A" "$B" | sort | tr "\n" " ")" ] && [[ $A == 10.76.0.* && $B == 10.76.0.* ]]'
	check "$T.two_cni_ports" eval '[ "$(cni_ports)" = 2 ]'
}

# podman's /run/netns/netns-<uuid> is kept as its name, which `port set` can open again.
#@ after=run
test_cni_port() {
	local aport; aport=$(port_of "$A")
	check "$T.port_keeps_netns_name" eval 'slp port show "$aport" | grep -q " netns netns-[0-9a-f-]\{36\} "'
	check "$T.port_set_xdp_on_cni_port" eval 'slp port set "$aport" xdp generic && pping a "$B" && slp port set "$aport" xdp off'
}

#@ after=run
test_traffic() {
	check "$T.switch_made_with_gateway" eval 'slp switch show cni0 | grep -q "addr 10.76.0.1/24"'
	check "$T.a_reaches_b" pping a "$B"
	check "$T.b_reaches_a" pping b "$A"
	check "$T.a_reaches_gateway" pping a 10.76.0.1
	check "$T.masquerade_rule" eval 'slp nat show | grep -q "src 10.76.0.0/24 .*out up0"'
	# The outside has no route back to 10.76.0.0/24: replies arrive only through the NAT.
	check "$T.a_reaches_outside_masqueraded" pping a 192.0.2.1
	check "$T.nat_tracked_it" eval 'slp nat ct show | grep -q "10.76.0"'
}

# Restart: DEL then ADD; the container comes back on the switch (A2: its new address).
#@ after=run
test_restart() {
	check "$T.restart_a" eval 'pm restart -t 0 a >/dev/null'
	A2=$(addr_of a)
	check "$T.restart_a_has_address" eval '[[ $A2 == 10.76.0.* ]]'
	check "$T.restart_a_reaches_b" pping a "$B"
	check "$T.restart_keeps_two_ports_two_leases" eval '[ "$(cni_ports)" = 2 ] && [ "$(leases)" = "$(printf "%s\n" "$A2" "$B" | sort | tr "\n" " ")" ]'
}

# podman run -p: the shipped conflist's portMappings capability publishes the port on the
# masquerade rule's uplink; the outside connects through it; podman rm unpublishes it.
#@ after=run
test_published() {
	local W
	check "$T.run_published" eval 'pm run -d --pull never --name w --network net1 -p 8080:8000 localhost/bb httpd -f -p 8000 >/dev/null'
	W=$(addr_of w)
	check "$T.publish_from_port_mapping" eval '[ "$(pubs)" = "tcp:8080>$W:8000" ] || { pubs; false; }'
	check "$T.outside_reaches_published_port" eval 'in_ns out python3 "$ROOT/selftests/net/nat_sem_peers.py" tcp-probe 192.0.2.2 8080 2'
	check "$T.rm_published" eval 'pm rm -f -t 0 w >/dev/null && [ -z "$(pubs)" ]'
}

# podman rm: the port, its device and the lease go.
#@ after=restart
test_rm() {
	local bport; bport=$(port_of "$B")
	check "$T.rm_b" eval 'pm rm -f -t 0 b >/dev/null'
	check "$T.rm_removed_port" eval '[ "$(cni_ports)" = 1 ] && ! in_pm ip link show "$bport" 2>/dev/null'
	check "$T.rm_released_lease" eval '[ "$(leases)" = "$A2 " ]'
}

# Bad configurations: a CNI error, and nothing left behind.
#@ after=run
test_bad_config() {
	local before; before=$(cni_ports; leases; slp switch show)
	check "$T.bad_overlap_fails" eval '! run c1 bad1 2>"$D/bad1.err" && grep -q "overlaps switch cni0" "$D/bad1.err"'
	check "$T.bad_overlap_left_nothing" eval '[ "$(cni_ports; leases; slp switch show)" = "$before" ]'
	check "$T.bad_key_fails" eval '! run c2 bad2 2>"$D/bad2.err" && grep -q "hairpinMode" "$D/bad2.err"'
	check "$T.bad_key_left_nothing" eval '[ "$(cni_ports; leases; slp switch show)" = "$before" ]'
}

#@ after=run
test_rm_all() {
	check "$T.rm_all" eval 'pm rm -af -t 0 >/dev/null'
	check "$T.all_ports_and_leases_gone" eval '[ "$(cni_ports)" = 0 ] && [ -z "$(leases)" ]'
}

. "$(dirname "$0")/runner.sh"
