#!/bin/bash
# tests/lab/office.sh start|stop BUILD — `make run`: the appliance on a
# simulated township office (see lib.sh for the map). Runs in the
# foreground; Ctrl-C stops everything and removes the namespaces.
set -u
CMD=${1:-start}
BUILD=$(cd "${2:-build}" && pwd)
. "$(dirname "$0")/lib.sh"
RUN=/run/menjin-lab

stop() {
	[ -f "$RUN/menjind.pid" ] && kill "$(cat "$RUN/menjind.pid")" 2>/dev/null
	[ -f "$RUN/fp.pid" ] && kill "$(cat "$RUN/fp.pid")" 2>/dev/null
	# the fast path lets go of its ports before they are deleted
	for f in "$RUN/menjind.pid" "$RUN/fp.pid"; do
		[ -f "$f" ] && wait_for 100 sh -c "! kill -0 $(cat "$f") 2>/dev/null"
	done
	lab_teardown
	rm -f "$RUN"/*.pid
}

if [ "$CMD" = stop ]; then stop; exit 0; fi
[ "$(id -u)" -eq 0 ] || { echo "make run needs root (network namespaces, DPDK)"; exit 1; }

stop
mkdir -p "$RUN"
lab_setup
lab_config "$RUN/menjin.conf" "$RUN"
fp_start "$BUILD" "$RUN/menjin.conf" "$RUN/menjin-fp.log" || exit 1
echo "$FP_PID" >"$RUN/fp.pid"
if [ -x "$BUILD/menjind" ]; then
	"$BUILD/menjind" -c "$RUN/menjin.conf" -f >"$RUN/menjind.log" 2>&1 &
	echo $! >"$RUN/menjind.pid"
fi
trap 'echo; echo "stopping the office"; stop; exit 0' INT TERM

cat <<TXT

menjin is running on a simulated office.
  LAN hosts (network namespaces): mjpc1 10.10.1.11, mjpc2 10.10.1.12, mjpc3 10.10.1.13, mjprn 10.10.1.20
  uplink (namespace mjsrv):       router 10.10.0.1, DNS 10.10.0.53, remediation 10.10.0.80, server 10.10.0.100
  configuration: $RUN/menjin.conf    logs: $RUN/*.log

Try:
  ip netns exec mjpc1 ping 10.10.0.100          # unknown device: quarantined, no answer
  $BUILD/menjin-fpctl -s $RUN/fp.sock device-dump
  $BUILD/menjin-fpctl -s $RUN/fp.sock device-set ${LAB_MAC[mjpc1]} admitted
  $BUILD/menjin-fpctl -s $RUN/fp.sock stats drop
TXT
[ -x "$BUILD/menjin-cli" ] && echo "  MENJIN_API=$RUN/api.sock $BUILD/menjin-cli      # the administrator's CLI"
echo
echo "Ctrl-C stops the office (or: make stop)."
tail -n 0 -F "$RUN"/*.log &
wait
