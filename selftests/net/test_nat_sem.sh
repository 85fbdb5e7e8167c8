#!/bin/bash
# NAT semantics (issue #15) with real traffic: UDP becomes a stream only after 2 s, as
# nf_conntrack; no direct access to containers from the uplink side unless allowed.
# modes: tc
. "$(dirname "$0")/nat_sem_lib.sh"

T=nat_sem.$MODE
nat_sem_topology || { echo "FAIL $T.topology"; exit 1; }
sl nat add m0 src $SUB out up0 || { echo "FAIL $T.nat_add"; exit 1; }
nat_sem_servers
daemon_start --interval 1

# The connection of c1:SPORT to the neighbour's echo, as `nat ct show -j` has it.
udp_ct() {
	sl -j nat ct show | python3 -c "
import json, sys
c = [e for e in json.load(sys.stdin) if e['proto'] == 'udp' and e['src'] == '$C1:$1']
print(c[0] if c else 'none')"
}

# Part 1: a request and its answer within 2 s keep the udp timeout and expire after it.
udp_one_shot() {
	local ct
	sl nat timeouts udp 3 udp_stream 120 || return 1
	in_ns c1 python3 "$SEM_PEERS" exchange $NB 9999 5353 0 0 || return 1
	ct=$(udp_ct 5353); echo "after the answer: $ct"
	python3 -c "import sys; c=$ct; sys.exit(0 if c['state'] == 'REPLIED' and c['expires'] <= 3 else 1)" ||
		return 1
	pause 5	# udp (3 s) + a daemon round
	ct=$(udp_ct 5353); echo "5 s later: $ct"
	[ "$ct" = none ]
}
check "$T.udp_one_shot_expires_after_udp_timeout" udp_one_shot

# A flow still exchanging packets 3 s after it began is a stream: udp_stream timeout.
udp_stream() {
	local ct
	in_ns c1 python3 "$SEM_PEERS" exchange $NB 9999 5354 3.2 0.4 || return 1
	ct=$(udp_ct 5354); echo "$ct"
	python3 -c "import sys; c=$ct; sys.exit(0 if c['state'] == 'ASSURED' and c['expires'] > 100 else 1)"
}
check "$T.udp_three_second_stream_gets_udp_stream" udp_stream
sl nat timeouts udp 30 >/dev/null

summary
