#!/bin/bash
# tests/bench/run.sh BUILD [fastpath|auth|all] — benchmarks (make bench,
# make bench-auth). fastpath (the default): menjin-fp against dpdk-testpmd,
# below. auth: the 802.1X authentication storm, tests/bench/auth_storm.sh
# BUILD $AUTH_STORM_N (100 supplicants by default; root, network namespaces,
# the lab lock). all: both. See docs/bench.md.
#
# Generates the traffic mix and the tables (gen.py), then bench.py runs
# dpdk-testpmd (the reference) and menjin-fp on the same net_pcap/net_null
# vdevs and writes BUILD/bench/report.txt, results.json and mpps.png.
# Full run ~7 minutes on 2 idle cores (longer when shared); BENCH_QUICK=1 ~2 minutes.
# BENCH_KEEP=1 keeps BUILD/bench/work (pcaps, tables, configs, logs).
# No network namespaces, no hugepages, no root-only devices.
set -u
BUILD=${1:-build}
WHAT=${2:-fastpath}
HERE=$(cd "$(dirname "$0")" && pwd)
case $WHAT in
fastpath) ;;
auth) exec bash "$HERE/auth_storm.sh" "$BUILD" "${AUTH_STORM_N:-100}" ;;
all)
	bash "$0" "$BUILD" fastpath; rc=$?
	bash "$HERE/auth_storm.sh" "$BUILD" "${AUTH_STORM_N:-100}" || rc=1
	exit $rc ;;
*) echo "usage: $0 BUILD [fastpath|auth|all]" >&2; exit 2 ;;
esac
PY=/usr/bin/python3
OUT=$(mkdir -p "$BUILD/bench" && cd "$BUILD/bench" && pwd)
WORK=$OUT/work
QUICK=${BENCH_QUICK:-0}

for f in "$BUILD/menjin-fp" "$BUILD/menjin-fpctl"; do
	[ -x "$f" ] || { echo "bench: $f missing: run make first" >&2; exit 1; }
done
command -v dpdk-testpmd >/dev/null || { echo "bench: dpdk-testpmd missing (Debian package dpdk)" >&2; exit 1; }
$PY -c 'import scapy, matplotlib' 2>/dev/null ||
	{ echo "bench: $PY needs python3-scapy and python3-matplotlib (make deps)" >&2; exit 1; }

rm -rf "$WORK" "$OUT/report.txt" "$OUT/results.json" "$OUT/mpps.png"
mkdir -p "$WORK/bin"
trap 'rm -f "$WORK"/*.sock' EXIT

# A private copy of the programs: the build directory may be relinked while we run.
for try in 1 2 3 4 5; do
	cp "$BUILD/menjin-fp" "$BUILD/menjin-fpctl" "$WORK/bin/" 2>/dev/null &&
		"$WORK/bin/menjin-fpctl" -h >/dev/null 2>&1 &&
		"$WORK/bin/menjin-fp" -h 2>&1 | grep -q usage && break
	[ $try = 5 ] && { echo "bench: cannot copy working programs from $BUILD" >&2; exit 1; }
	sleep 5
done

gen() { $PY "$HERE/gen.py" "$@" || { echo "bench: gen.py $* failed" >&2; exit 1; }; }
pool() { $PY -c "import sys; sys.path.insert(0, '$HERE'); import gen; print(gen.pool_for($1))"; }

echo "bench: generating traffic and tables in $WORK"
gen selftest
gen mix "$WORK" main --pool 10000
gen mix "$WORK" d1m --pool "$(pool 1000000)" --random
if [ "$QUICK" = 1 ]; then
	gen tables "$WORK" --devices 65536 1000000 --pools 10000 --prefixes 1000 1000000 \
		--swaps 100 --dev-updates 100000
else
	gen mix "$WORK" d1k --pool "$(pool 1000)"
	gen mix "$WORK" d100k --pool "$(pool 100000)" --random
	gen tables "$WORK" --devices 1000 65536 100000 1000000 --pools 10000 \
		--prefixes 1000 100000 1000000 --swaps 1000 --dev-updates 100000
fi

$PY "$HERE/bench.py" "$WORK/bin" "$WORK" "$OUT" $([ "$QUICK" = 1 ] && echo --quick)
rc=$?
[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK"
echo "bench: report in $OUT/report.txt, plot in $OUT/mpps.png"
exit $rc
