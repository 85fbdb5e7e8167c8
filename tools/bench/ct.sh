# Section 3b, NAT table: memory per connection entry and the cost of a lookup as the table
# fills (1k, 100k, 1M entries): sluice's pinned CT map once `sluice nat` exists, beside
# nf_conntrack's own object size.
# shellcheck shell=bash

CT_FILLS=${CT_FILLS:-1000,100000,1000000}

# Bytes of one nf_conntrack object (the slab's object size; NAT and other extensions are
# allocated beside it).
conntrack_obj_bytes() {
	awk '$1 == "nf_conntrack" { print $4 }' /proc/slabinfo 2>/dev/null
}

# The sluice NAT connection table pinned in INST: the first LRU hash whose name says so.
ct_map_path() {
	local f
	for f in "/sys/fs/bpf/sluice/$INST"/*; do
		# The IPv4 table (sl_nat_ct), not NAT66's sl_nat6_ct, which sorts first.
		case ${f##*/} in *nat6*) continue ;; *ct*|*conn*) ;; *) continue ;; esac
		bpftool -j map show pinned "$f" 2>/dev/null | grep -q '"type":"lru_hash"' &&
			{ echo "$f"; return 0; }
	done
	return 1
}

# tablecost_record PATH RUN ARGS...: lookup costs (one run, numbered RUN) and bytes per entry
# of one table shape.
tablecost_record() {
	local path=$1 run=$2
	shift 2
	"$BUILD/tablecost" --fill "$CT_FILLS" --runs 1 -j "$@" >"$WORK/tablecost.json" \
		2>"$WORK/tablecost.err" || { log error "tablecost: $(tail -1 "$WORK/tablecost.err")"; return 1; }
	/usr/bin/python3 - "$WORK/tablecost.json" "$path" "$run" >>"$RESULTS" <<-'PY'
	import json, sys
	t, path, run = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
	for row in t["fills"]:
	    for metric in ("lookup_ns", "hot_lookup_ns"):
	        print(f"ct\t{metric}_{row['entries']}\t{path}\t{run}\t{row[metric][0]:.1f}\tns")
	if run == "1":
	    print(f"ct\tbytes_per_entry\t{path}\t1\t{t['fills'][-1]['memlock'] / t['max_entries']:.0f}\tB")
	PY
}

# The reference and sluice's table are measured alternately, a run each, under the same
# conditions (the NAT topology up for both): measured one after the other, their 1M-entry
# ratio moved between 1.00x and 1.35x from run to run with what the machine did before.
bench_ct() {
	local obj map run
	obj=$(conntrack_obj_bytes)
	[ -n "$obj" ] && record ct bytes_per_entry nf_conntrack 1 "$obj" B
	log ct "sluice NAT table and a reference LRU hash (16-byte key, 64-byte value), alternately"
	topo_nat sluice
	case $? in
	0) ;;
	2)	record ct bytes_per_entry sluice 1 pending ""
		record ct lookup_ns sluice 1 pending ""
		topo_del
		return 0 ;;
	*)	record ct bytes_per_entry sluice 1 error ""
		topo_del
		return 1 ;;
	esac
	map=$(ct_map_path) || {
		note "ct: no LRU hash named *ct*/*conn* under the instance's pins"
		record ct bytes_per_entry sluice 1 error ""
		topo_del
		return 1
	}
	note "ct: sluice's table is $map"
	for run in $(seq "$RUNS"); do
		tablecost_record lru-ref "$run" --key-size 16 --value-size 64 --lru
		tablecost_record sluice "$run" --map "$map" || record ct bytes_per_entry sluice 1 error ""
	done
	topo_del
}
