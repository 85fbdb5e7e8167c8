#!/bin/bash
# The host's own connections to its published ports (issue #15 part 4, Docker's userland
# proxy without a proxy): `nat publish host-cgroup CGROUP` attaches cgroup sock_addr programs
# that rewrite a connect/sendto from the host netns to (uplink address | 127/8):published
# port to the container. A process in the test's own cgroup v2 (made and removed here) runs
# in the managed host netns; nothing outside that cgroup is affected.
# modes: tc slowpath
. "$(dirname "$0")/nat_sem_lib.sh"

T=nat_hostpub.$MODE
PEER=$ROOT/selftests/net/hostpub_peer.py
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG2_MOUNTED=
[ -n "$CG2" ] || CG2=/tmp/$PFX-cg2	# the test VM: a private mount of the (single) v2 hierarchy
CG=$CG2/$PFX-hostpub
hostpub_cleanup() {
	[ ! -d "$CG" ] || rmdir "$CG" 2>/dev/null
	[ -z "$CG2_MOUNTED" ] || { umount "$CG2"; rmdir "$CG2"; }
	cleanup
}
trap hostpub_cleanup EXIT

# A command in the test cgroup, inside the managed host netns.
in_cg() { sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" ip netns exec "$HOST" "$@"; }
host_tcp() { in_cg python3 "$PEER" tcp "$1" "$2" 2; }
host_udp() { in_cg python3 "$PEER" "${3:-udp}" "$1" "$2" 2; }
reaches_tcp() {	# DST PORT: the container answers, getpeername shows DST:PORT
	local out; out=$(host_tcp "$1" "$2"); echo "$out"
	[ "$out" = "peer $1:$2 server $GW" ]
}
reaches_udp() {	# DST PORT [udp-connected]: the echo from c1, apparently from DST:PORT
	local out; out=$(host_udp "$1" "$2" "${3:-udp}"); echo "$out"
	[ "$out" = "answer from $1:$2: $GW probe" ]
}
all_reach() {
	reaches_tcp $UP 8080 && reaches_tcp 127.0.0.1 8080 && reaches_tcp 127.0.0.2 8080 &&
		reaches_udp $UP 8080 && reaches_udp 127.0.0.1 8080 && reaches_udp $UP 8080 udp-connected
}
hostpub_links() { ls "/sys/fs/bpf/sluice/$PFX/links" 2>/dev/null | grep hostpub; }
link_prog() { bpftool -j link show pinned "/sys/fs/bpf/sluice/$PFX/links/hostpub_$1" | jq -r .prog_id; }

# The test's own cgroup (and, in the VM, the cgroup2 mount), the NAT with two published
# ports (tcp and udp 8080 to c1), and an unpublished server of the host's own on 8083.
fixture() {
	if [ ! -f "$CG2/cgroup.procs" ]; then
		mkdir -p "$CG2" && mount -t cgroup2 none "$CG2" || { echo "no cgroup2 at $CG2"; return 1; }
		CG2_MOUNTED=1
	fi
	mkdir "$CG" || return 1
	nat_sem_topology && sl nat add m0 src $SUB out up0 ports 40000-49999 "${NAT_FP[@]}" || return 1
	nat_sem_servers
	bg_ns host /usr/bin/python3 "$SEM_PEERS" tcp-serve 8083	# the host's own server, unpublished
	pause 1
	daemon_start --interval 1
}

test_publish() {
	sl nat publish add m0 proto tcp port 8080 to $C1:7000 &&
		sl nat publish add m0 proto udp port 8080 to $C1:9999
}

# Without the option: local delivery to the host, where nothing listens.
#@ after=publish
test_without_the_option() {
	check "$T.refused_without_the_option" eval "! host_tcp $UP 8080"
	check "$T.loopback_refused_without_the_option" eval "! host_tcp 127.0.0.1 8080"
	check "$T.shows_none" eval '[ "$(sl_json .host_cgroup nat publish host-cgroup)" = none ]'
}

# Bad input: one clear line, nothing attached.
#@ after=publish
test_bad_input() {
	fails "$T.missing_cgroup" "$CG2/nosuch: No such file or directory" sl nat publish host-cgroup "$CG2/nosuch"
	fails "$T.not_cgroup2" "/tmp is not a cgroup v2 directory" sl nat publish host-cgroup /tmp
	fails "$T.relative_path" '"sub": give an absolute path' sl nat publish host-cgroup sub
	check "$T.nothing_attached_by_failures" eval "[ -z \"\$(hostpub_links)\" ] && ! host_tcp $UP 8080"
}

#@ after=publish
test_attach() {
	check "$T.attach" sl nat publish host-cgroup "$CG"
	check "$T.shows_the_cgroup" eval '[ "$(sl_json .host_cgroup nat publish host-cgroup)" = "$CG" ]'
	check "$T.tcp_udp_uplink_and_loopback_reach_the_container" all_reach
}

#@ after=attach
test_untouched() {
	check "$T.unpublished_port_untouched" eval "host_tcp $UP 8083 | grep -qx 'peer $UP:8083 server $UP'"
	check "$T.other_address_untouched" eval "! host_tcp $NB 8080"
	check "$T.outside_the_cgroup_untouched" eval "! in_ns host python3 $PEER tcp $UP 8080 2"
	check "$T.from_outside_still_published" eval "in_ns nb python3 $SEM_PEERS tcp-probe $UP 8080 2 | grep -qx 'connected: $NB'"
}

#@ after=attach
test_save() { sl save | grep -qx "nat publish host-cgroup $CG"; }

# Pinned links: the daemon's restart and `upgrade` keep them.
#@ after=attach
test_after_daemon_restart() {
	kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; daemon_start --interval 1
	pause 1
	all_reach
}

#@ after=attach
test_upgrade() {
	local before; before=$(link_prog connect4)/$(link_prog recvmsg4)
	check "$T.upgrade" eval "sl -j upgrade | grep -q '\"links\"'"
	check "$T.upgrade_swapped_the_programs" eval \
		"echo $before; [ \"\$(link_prog connect4)/\$(link_prog recvmsg4)\" != $before ]"
	check "$T.after_upgrade" all_reach
}

#@ after=attach
test_detach() {
	sl save | grep -x "nat publish host-cgroup $CG" >"/tmp/$PFX-hostpub.conf"
	check "$T.detach_none" sl nat publish host-cgroup none
	check "$T.refused_after_none" eval "! host_tcp $UP 8080 && ! host_tcp 127.0.0.1 8080"
	check "$T.saved_line_restores" eval "sl -batch /tmp/$PFX-hostpub.conf && reaches_tcp $UP 8080"
	rm -f "/tmp/$PFX-hostpub.conf"
	check "$T.reattach_replaces" eval "sl nat publish host-cgroup $CG && reaches_tcp $UP 8080 &&
		[ \$(hostpub_links | wc -l) = 4 ]"
}

# Last: it deletes the NAT.
#@ after=attach
test_nat_del() {
	check "$T.nat_del_detaches" eval "sl nat del m0 && [ -z \"\$(hostpub_links)\" ]"
	check "$T.refused_after_nat_del" eval "! host_tcp $UP 8080"
}

. "$(dirname "$0")/runner.sh"
