#!/bin/bash
# tests/run.sh BUILD [unit|golden|lab|fuzz|all] — runs the suites and ends
# with one line "N passed, N failed" (the CI reads it).
#
# unit:   every build/tests/*_test cmocka binary, counted per test case
# golden: tests/golden/run.sh (net_pcap in -> menjin-fp -> pcap out compared)
# lab:    every tests/lab/*_test.sh, counted by their "ok"/"not ok" lines
# fuzz:   every libFuzzer target for a fixed number of runs over its corpus
set -u
BUILD=${1:-build}
WHAT=${2:-all}
cd "$(dirname "$0")/.."
passed=0; failed=0; failures=()
LOGDIR=$BUILD/test-logs; mkdir -p "$LOGDIR"
# third-party leaks only (see the file); every other leak fails the run
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

count_tap() { # name logfile rc
	local p f
	p=$(grep -c '^ok ' "$2" || true); f=$(grep -c '^not ok ' "$2" || true)
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "  $1: no test ran"; fi
	passed=$((passed + p)); failed=$((failed + f))
	[ "$f" -gt 0 ] && failures+=("$1") && { grep '^not ok ' "$2" | sed 's/^/    /'; tail -n 30 "$2" | sed 's/^/    | /'; }
	echo "  $1: $p passed, $f failed"
}

run_unit() {
	echo "== unit tests"
	for t in "$BUILD"/tests/*_test; do
		[ -x "$t" ] || continue
		n=$(basename "$t"); log=$LOGDIR/$n.log
		CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1; rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		passed=$((passed + p)); failed=$((failed + f))
		if [ "$f" -gt 0 ]; then failures+=("$n"); tail -n 40 "$log" | sed 's/^/    | /'; fi
		echo "  $n: $p passed, $f failed"
	done
}

run_scripts() { # suite glob
	echo "== $1 tests"
	for s in $2; do
		[ -f "$s" ] || continue
		n=$(basename "$s" .sh); log=$LOGDIR/$n.log
		timeout 900 bash "$s" "$BUILD" >"$log" 2>&1; rc=$?
		count_tap "$n" "$log" $rc
	done
}

run_fuzz() {
	echo "== fuzz targets (fixed run count)"
	for f in build-fuzz/*_fuzz; do
		[ -x "$f" ] || continue
		n=$(basename "$f"); corpus=tests/fuzz/corpus/${n%_fuzz}; log=$LOGDIR/$n.log
		mkdir -p "$corpus"
		work=$(mktemp -d); cp -r "$corpus"/. "$work"/ 2>/dev/null
		# a target whose every run is costly (file I/O) states its own count
		runs=$(sed -n 's/^ \* fuzz-runs: //p' "tests/fuzz/$n.c" 2>/dev/null)
		"$f" -runs=${FUZZ_RUNS:-${runs:-20000}} -max_len=4096 -seed=1 "$work" >"$log" 2>&1; rc=$?
		rm -rf "$work"
		if [ $rc -eq 0 ]; then echo "ok - $n" >>"$log"; else echo "not ok - $n (exit $rc)" >>"$log"; fi
		count_tap "$n" "$log" $rc
	done
}

case $WHAT in
unit) run_unit ;;
golden) run_scripts golden "tests/golden/*_test.sh" ;;
lab) run_scripts lab "tests/lab/*_test.sh" ;;
fuzz) run_fuzz ;;
all) run_unit; run_scripts golden "tests/golden/*_test.sh"; run_scripts lab "tests/lab/*_test.sh"
     [ -d build-fuzz ] && run_fuzz ;;
*) echo "usage: $0 BUILD [unit|golden|lab|fuzz|all]"; exit 2 ;;
esac

echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
