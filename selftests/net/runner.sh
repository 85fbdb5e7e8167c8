# Named tests for a namespace test file. The file sources lib.sh first, defines fixture() (the
# shared topology, built once, on first need) and test_NAME() functions, and sources this
# file last:
#
#   #@ fresh after=mac_move modes=tc     (optional metadata, the line right above the test)
#   test_ageing() { ...; }
#
# A test either prints its own result lines with check/fails/skip (names as it likes, e.g.
# "$T.mac_move"), or prints none and its return status becomes "ok $T.NAME" / "FAIL $T.NAME"
# (with the end of its output, as check prints it).
# A test that prints result lines but returns non-zero without a FAIL line gets one.
# Metadata: fresh = the test gets its own fixture in its own namespaces and sluice instance,
# removed after it; after=A,B = A and B run before it (pulled in when it is selected);
# modes=tc,xdp = it runs only in those of the file's modes.
#
# Invocation: bash test_FILE.sh [MODE [GLOB,GLOB...]] runs the tests whose names match a glob
# (default: all), in source order. A test not selected is neither run nor counted.
# Executed rather than sourced: runner.sh --list FILE [MODE] prints "MODE NAME" per test,
# runner.sh --modes FILE the file's modes.
# shellcheck shell=bash disable=SC2034  # PFX, HOST, NAMESPACES, PASS...: lib.sh's

# runner_tests FILE: "NAME<TAB>META" for each test_NAME() in FILE, in source order.
runner_tests() {
	awk '/^#@/ { meta = substr($0, 3); sub(/^[ \t]+/, "", meta); next }
	     match($0, /^test_[A-Za-z0-9_]+[ \t]*\(\)/) {
		n = substr($0, 6, RLENGTH - 5); sub(/[ \t]*\(\)$/, "", n); print n "\t" meta }
	     { meta = "" }' "$1"
}

# runner_meta META KEY: the value of KEY=V in META ("1" for a bare KEY, "" if absent).
runner_meta() {
	local w
	for w in $1; do
		case $w in "$2") echo 1; return ;; "$2"=*) echo "${w#*=}"; return ;; esac
	done
}

# runner_in_mode META MODE: the test runs in MODE.
runner_in_mode() {
	local m
	m=$(runner_meta "$1" modes)
	[ -z "$m" ] || [[ ",$m," == *",$2,"* ]]
}

# runner_modes FILE: the modes its "# modes:" line names (tc without one).
runner_modes() {
	local m
	m=$(sed -n 's/^# modes: //p' "$1")
	echo "${m:-tc}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then	# runner.sh --list FILE [MODE] | --modes FILE
	[ "${1:-}" = --modes ] && [ -f "${2:-}" ] && { runner_modes "$2"; exit 0; }
	[ "${1:-}" = --list ] && [ -f "${2:-}" ] || { echo "usage: runner.sh --list FILE [MODE] | --modes FILE" >&2; exit 2; }
	for mode in ${3:-$(runner_modes "$2")}; do
		while IFS=$'\t' read -r name meta; do
			runner_in_mode "$meta" "$mode" && echo "$mode $name${meta:+  # $meta}"
		done < <(runner_tests "$2")
	done
	exit 0
fi

RUNNER_FILE=$0
MODE=${MODE:-${1:-$(set -- $(runner_modes "$RUNNER_FILE"); echo "$1")}}
T=${T:-$MODE}
RUNNER_SEL=${2:-*}
declare -A RUNNER_META RUNNER_WANT
RUNNER_ORDER=()
RUNNER_FIXTURE=	# "", ok or failed
RUNNER_LOG=/tmp/$PFX-runner.log
R_PASS=0 R_FAIL=0	# from the result lines: check() counts in the tests' subshells too

while IFS=$'\t' read -r name meta; do
	RUNNER_ORDER+=("$name"); RUNNER_META[$name]=$meta
done < <(runner_tests "$RUNNER_FILE")

# runner_want NAME: select NAME and, before it, what it runs after.
runner_want() {
	local d
	[ -n "${RUNNER_WANT[$1]:-}" ] && return
	[ -n "${RUNNER_META[$1]+x}" ] || { echo "FAIL $T.$1: no such test (after= of another)"; R_FAIL=$((R_FAIL + 1)); return; }
	runner_in_mode "${RUNNER_META[$1]}" "$MODE" || return 0	# not in this mode
	RUNNER_WANT[$1]=1
	for d in $(runner_meta "${RUNNER_META[$1]}" after | tr , ' '); do runner_want "$d"; done
}

# runner_report NAME RC: print the test's captured output, then its result if it printed none.
runner_report() {
	local name=$1 rc=$2 p f s
	p=$(grep -c '^ok ' "$RUNNER_LOG") f=$(grep -c '^FAIL ' "$RUNNER_LOG") s=$(grep -c '^skip ' "$RUNNER_LOG")
	if [ $((p + f + s)) = 0 ]; then	# one result, as check() prints it
		if [ "$rc" = 0 ]; then echo "ok $T.$name"; p=1
		else echo "FAIL $T.$name"; f=1; tail -15 "$RUNNER_LOG" | sed 's/^/    /'; fi
	else
		cat "$RUNNER_LOG"
		[ "$rc" = 0 ] || [ "$f" != 0 ] || { echo "FAIL $T.$name: returned $rc after its checks"; f=1; }
	fi
	R_PASS=$((R_PASS + p)) R_FAIL=$((R_FAIL + f))
}

# runner_fixture: the shared fixture, built once; 1 if it failed.
runner_fixture() {
	[ -n "$RUNNER_FIXTURE" ] || {
		if declare -F fixture >/dev/null; then
			: >"$RUNNER_LOG"
			fixture >>"$RUNNER_LOG" 2>&1
			if [ $? = 0 ]; then
				RUNNER_FIXTURE=ok; cat "$RUNNER_LOG"
				R_PASS=$((R_PASS + $(grep -c '^ok ' "$RUNNER_LOG")))
				R_FAIL=$((R_FAIL + $(grep -c '^FAIL ' "$RUNNER_LOG")))
			else
				RUNNER_FIXTURE=failed
				echo "FAIL $T.fixture"; R_FAIL=$((R_FAIL + 1))
				tail -15 "$RUNNER_LOG" | sed 's/^/    /'
			fi
		else RUNNER_FIXTURE=ok; fi
	}
	[ "$RUNNER_FIXTURE" = ok ]
}

# runner_fresh NAME: the test with a fixture of its own, in a subshell with its own prefix.
runner_fresh() {
	(
		PFX=$PFX-f$RUNNER_N
		HOST=$PFX-host
		NAMESPACES=() BG_PIDS=()
		trap cleanup EXIT
		ns_add host || exit 1
		if declare -F fixture >/dev/null; then fixture || { echo "fixture failed"; exit 1; }; fi
		"test_$1"
	)
}

runner_run() {
	local name=$1 rc start; start=$(date +%s)
	RUNNER_N=$((${RUNNER_N:-0} + 1))
	# appended to (O_APPEND): a daemon a test left running writes at the end, not over it
	if [ -n "$(runner_meta "${RUNNER_META[$name]}" fresh)" ]; then
		: >"$RUNNER_LOG"
		runner_fresh "$name" >>"$RUNNER_LOG" 2>&1
	else
		runner_fixture || { echo "skip $T.$name: the fixture failed"; return; }
		: >"$RUNNER_LOG"
		"test_$name" >>"$RUNNER_LOG" 2>&1
	fi
	rc=$?
	runner_report "$name" "$rc"
	echo "# $name: $(($(date +%s) - start)) s"
}

IFS=, read -ra RUNNER_GLOBS <<<"$RUNNER_SEL"
for name in "${RUNNER_ORDER[@]}"; do
	runner_in_mode "${RUNNER_META[$name]}" "$MODE" || continue
	for g in "${RUNNER_GLOBS[@]}"; do
		# shellcheck disable=SC2053	# g is a glob
		[[ $name == $g ]] && { runner_want "$name"; break; }
	done
done
for name in "${RUNNER_ORDER[@]}"; do
	[ -n "${RUNNER_WANT[$name]:-}" ] && runner_run "$name"
done
[ ${#RUNNER_WANT[@]} -gt 0 ] || echo "# no test of $(basename "$RUNNER_FILE") in mode $MODE matches $RUNNER_SEL"
PASS=$R_PASS FAIL=$R_FAIL
summary
exit $?
