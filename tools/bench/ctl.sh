# Section 4, control plane: adding CTL_PORTS container ports with `sluice port add` vs the
# ip link/bridge commands a script would run; one FDB listing of FDB_ENTRIES entries.
# shellcheck shell=bash

CTL_PORTS=${CTL_PORTS:-500}
FDB_ENTRIES=${FDB_ENTRIES:-10000}

# seconds_of CMD...: wall-clock seconds CMD took (its output discarded).
seconds_of() {
	local t0=$EPOCHREALTIME
	"$@" >/dev/null 2>>"$WORK/ctl.err" || return 1
	echo "$t0 $EPOCHREALTIME" | awk '{ printf "%.3f\n", $2 - $1 }'
}

# Container ends e1..eN all live in SRC: N namespaces would time `ip netns add`, not us.
ports_add_sluice() {
	local i
	for i in $(seq "$CTL_PORTS"); do
		sl port add sw0 "p$i" netns "$SRC" ifname "e$i" \
			addr "10.40.$((i / 250)).$((i % 250 + 1))/16" 2>>"$WORK/ctl-warn.log" || return 1
	done
}

ports_add_ip() {
	local i
	for i in $(seq "$CTL_PORTS"); do
		ip -n "$SRC" link add "e$i" type veth peer name "p$i" netns "$HOST" &&
			ip -n "$HOST" link set "p$i" master br0 up &&
			ip -n "$SRC" addr add "10.40.$((i / 250)).$((i % 250 + 1))/16" dev "e$i" &&
			ip -n "$SRC" link set "e$i" up || return 1
	done
}

# FDB_ENTRIES static entries spread over the ports, written straight into the pinned map
# (one bpftool process): struct sl_fdb_key { u32 switch_id; u16 vid; u8 mac[6]; } ->
# struct sl_fdb_entry { u32 ifindex; u32 flags; u64 last_seen; }, little-endian.
fdb_fill_sluice() {
	local swid ifxs
	swid=$(sl -j switch show | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
	ifxs=$(sl -j port show | /usr/bin/python3 -c \
		'import json,sys; print(",".join(str(p["ifindex"]) for p in json.load(sys.stdin)))')
	/usr/bin/python3 - "$FDB_ENTRIES" "$swid" "$ifxs" "/sys/fs/bpf/sluice/$INST/sl_fdb" \
		>"$WORK/fdb.batch" <<-'PY'
	import struct, sys
	n, swid, ifxs, pin = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4]
	hexb = lambda b: " ".join("%02x" % x for x in b)
	for i in range(n):
	    key = struct.pack("<IH", swid, 1) + bytes([0x02, 0xbb]) + struct.pack(">I", i)
	    val = struct.pack("<IIQ", int(ifxs[i % len(ifxs)]), 1, 0)
	    print(f"map update pinned {pin} key hex {hexb(key)} value hex {hexb(val)}")
	PY
	bpftool batch file "$WORK/fdb.batch" >/dev/null
}

fdb_fill_bridge() {
	/usr/bin/python3 - "$FDB_ENTRIES" "$CTL_PORTS" >"$WORK/fdb.batch" <<-'PY'
	import sys
	n, ports = int(sys.argv[1]), int(sys.argv[2])
	for i in range(n):
	    mac = ":".join("%02x" % b for b in bytes([0x02, 0xbb]) + i.to_bytes(4, "big"))
	    print(f"fdb add {mac} dev p{i % ports + 1} master static")
	PY
	ip netns exec "$HOST" bridge -batch "$WORK/fdb.batch"
}

bench_ctl() {
	local run s i n
	for run in $(seq "$CTL_RUNS"); do
		log ctl "sluice port add x$CTL_PORTS, run $run"
		topo_new && sl switch add sw0 || return 1
		if s=$(seconds_of ports_add_sluice); then
			record ctl ports_add sluice "$run" "$s" s
		else
			record ctl ports_add sluice "$run" error ""
		fi
		if fdb_fill_sluice; then
			n=$(sl -j fdb show | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
			[ "$n" = "$FDB_ENTRIES" ] || note "ctl: sluice fdb show listed $n of $FDB_ENTRIES entries"
			for i in 1 2 3; do
				record ctl fdb_show sluice "$run.$i" "$(seconds_of sl fdb show)" s
				record ctl fdb_show_json sluice "$run.$i" "$(seconds_of sl -j fdb show)" s
			done
		else
			record ctl fdb_show sluice "$run" error ""
		fi
		topo_del

		log ctl "ip link + bridge x$CTL_PORTS, run $run"
		topo_new || return 1
		ip -n "$HOST" link add br0 type bridge && ip -n "$HOST" link set br0 up || return 1
		if s=$(seconds_of ports_add_ip); then
			record ctl ports_add ip-bridge "$run" "$s" s
		else
			record ctl ports_add ip-bridge "$run" error ""
		fi
		if fdb_fill_bridge; then
			for i in 1 2 3; do
				record ctl fdb_show ip-bridge "$run.$i" \
					"$(seconds_of ip netns exec "$HOST" bridge fdb show br br0)" s
				record ctl fdb_show_json ip-bridge "$run.$i" \
					"$(seconds_of ip netns exec "$HOST" bridge -j fdb show br br0)" s
			done
		else
			record ctl fdb_show ip-bridge "$run" error ""
		fi
		topo_del
	done
	n=$(grep -c 'gets no floods' "$WORK/ctl-warn.log" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] && note "ctl: sluice port add warned $n times that a VLAN has more than" \
		"SL_FLOOD_MAX ports: the ports past it get no floods"
	return 0
}
