# Measurements on the topology topo.sh built last: packets/s from pktgen to the counting
# sink, iperf3 TCP throughput, ping RTT percentiles under load. Each call records one run.
# shellcheck shell=bash

TIME=${TIME:-3}		# seconds per traffic measurement
GEN_CPU=${GEN_CPU:-auto}	# pktgen's one sender thread, and with it the whole receive path

# The CPU that was idlest over the last 0.3 s: the machine is shared, and pktgen plus the
# path under test run on one CPU, so a busy neighbour there halves the figure.
idlest_cpu() {
	local a b
	a=$(grep '^cpu[0-9]' /proc/stat)
	sleep 0.3
	b=$(grep '^cpu[0-9]' /proc/stat)
	paste <(echo "$a") <(echo "$b") | awk '{ n = NF / 2; idle = $(n + 5) - $5 + $(n + 6) - $6
		if (best == "" || idle > max) { max = idle; best = substr($1, 4) } } END { print best }'
}

# measure_pps SECTION METRIC PATH RUN [PKTGEN ARGS]: 64-byte UDP frames/s that reach DST's
# eth0, counted and dropped there by `xdpfwd sink`. With -n, the run ends after that many.
measure_pps() {
	local section=$1 metric=$2 path=$3 run=$4 sink sent got cpu
	local sink_args=(-t 60 -j)
	shift 4
	[ "$SINK_MODE" = generic ] && sink_args+=(--generic)
	[ -n "$GEN_GRO_DEV" ] && ip netns exec "$HOST" ethtool -K "$GEN_GRO_DEV" gro on >/dev/null
	bg_ns "$DST" "$WORK/sink.json" "$BUILD/xdpfwd" sink eth0 "${sink_args[@]}"
	sink=$BG_PID
	cpu=$GEN_CPU
	[ "$cpu" = auto ] && cpu=$(idlest_cpu)	# also gives the sink time to attach
	[ "$GEN_CPU" = auto ] || sleep 0.3
	if ! taskset -c "$cpu" ip netns exec "$SRC" "$BUILD/pktgen" -i eth0 --dst-mac "$DST_MAC" \
		--src-ip "$SRC_IP" --dst-ip "$DST_IP" -s 64 -t "$TIME" -j "$@" \
		>"$WORK/gen.json" 2>"$WORK/gen.err"; then
		bg_stop "$sink" INT
		log error "pktgen on $path: $(tail -1 "$WORK/gen.err")"
		record "$section" "$metric" "$path" "$run" error ""
		return 1
	fi
	sleep 0.2
	bg_stop "$sink" INT
	[ -n "$GEN_GRO_DEV" ] && ip netns exec "$HOST" ethtool -K "$GEN_GRO_DEV" gro off >/dev/null
	sent=$(json_get "$WORK/gen.json" 'j["frames"]')
	got=$(json_get "$WORK/sink.json" 'j["frames"]')
	# Every frame sent should arrive: a shortfall means the path dropped, not that it is slow.
	[ "$got" -lt $((sent * 9 / 10)) ] &&
		note "$section $metric $path run $run: sent $sent frames, $got arrived"
	record "$section" "$metric" "$path" "$run" "$(json_get "$WORK/sink.json" 'round(j["pps"])')" pps
}

# measure_rr SECTION PATH RUN: TCP request/response transactions/s SRC -> DST (build/rr:
# one connection, 1-byte request, 1-byte response, netperf TCP_RR's shape).
measure_rr() {
	local section=$1 path=$2 run=$3 srv
	bg_ns "$DST" "$WORK/rr-s.log" "$BUILD/rr" server 5202 "$TIME"
	srv=$BG_PID
	sleep 0.3
	if ! ip netns exec "$SRC" timeout $((TIME + 15)) "$BUILD/rr" client "$DST_IP" 5202 "$TIME" \
		>"$WORK/rr.json" 2>"$WORK/rr.err"; then
		bg_stop "$srv"
		log error "rr on $path: $(tail -1 "$WORK/rr.err")"
		record "$section" rr "$path" "$run" error ""
		return 1
	fi
	bg_stop "$srv"
	record "$section" rr "$path" "$run" "$(json_get "$WORK/rr.json" 'j["tps"]' | cut -d. -f1)" tps
}

# measure_tcp SECTION PATH RUN STREAMS [rtt]: iperf3 TCP SRC -> DST; with "rtt", ping RTT
# p50/p99 of 5 ms-spaced pings sent while the transfer runs.
# iperf3's server on CPU 0 and client on CPU 1 (with two CPUs or more): left to the
# scheduler, whether the two shared a CPU moved 8-stream TCP between ~14 and ~28 Gbit/s, for
# sluice and the bridge alike (README, "Performance work (#14)").
TCP_SRV_CPU=() TCP_CLI_CPU=()
if [ "$(nproc)" -ge 2 ]; then TCP_SRV_CPU=(taskset -c 0) TCP_CLI_CPU=(taskset -c 1); fi

measure_tcp() {
	local section=$1 path=$2 run=$3 streams=$4 rtt=${5:-} srv ping=""
	bg_ns "$DST" "$WORK/iperf-s.log" "${TCP_SRV_CPU[@]}" iperf3 -s -1 -p 5201
	srv=$BG_PID
	sleep 0.3
	if [ -n "$rtt" ]; then
		bg_ns "$SRC" "$WORK/ping.log" sh -c "sleep 0.5; exec ping -n -i 0.005 -W 1 \
			-c $((TIME * 200 - 150)) $DST_IP"
		ping=$BG_PID
	fi
	ip netns exec "$SRC" "${TCP_CLI_CPU[@]}" timeout $((TIME + 15)) iperf3 -c "$DST_IP" \
		-p 5201 -t "$TIME" -P "$streams" -J >"$WORK/iperf.json" 2>&1
	[ -n "$ping" ] && wait "$ping"
	bg_stop "$srv"
	if ! json_get "$WORK/iperf.json" 'j["end"]["sum_received"]["bits_per_second"]' \
		>"$WORK/bps" 2>/dev/null; then
		log error "iperf3 on $path: $(head -c 300 "$WORK/iperf.json")"
		record "$section" "tcp_${streams}" "$path" "$run" error ""
		return 1
	fi
	record "$section" "tcp_${streams}" "$path" "$run" "$(cut -d. -f1 "$WORK/bps")" bit/s
	[ -n "$ping" ] || return 0
	/usr/bin/python3 - "$WORK/ping.log" >"$WORK/rtt" <<-'PY'
	import re, sys
	rtts = sorted(float(m) for m in re.findall(r"time=([0-9.]+) ms", open(sys.argv[1]).read()))
	pick = lambda q: rtts[min(len(rtts) - 1, int(q * len(rtts)))]
	print(f"{pick(0.50) * 1000:.0f} {pick(0.99) * 1000:.0f} {len(rtts)}" if rtts else "error error 0")
	PY
	read -r p50 p99 n <"$WORK/rtt"
	record "$section" rtt_p50 "$path" "$run" "$p50" us
	record "$section" rtt_p99 "$path" "$run" "$p99" us
	[ "$n" -lt $(((TIME * 200 - 150) * 9 / 10)) ] &&
		note "$section rtt $path run $run: only $n pings answered"
	return 0
}
