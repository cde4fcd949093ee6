#!/bin/bash
# tests/lab/cp_resilience_test.sh BUILD — the office keeps working when the
# control plane does not:
#   The clerk's PC is admitted, another PC is quarantined, a laptop blocked.
#   menjind is killed with SIGKILL while the clerk's PC is busy: the fast path
#   keeps enforcing its last tables, so the clerk keeps working and the others
#   stay shut out. menjind comes back with every device as it was. Then the
#   fast path itself restarts with an empty table: menjind notices, resyncs
#   it by generation, and everyone is back where the policy says.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
. tests/lab/lib.sh
. tests/lab/cp_lib.sh

[ "$(id -u)" -eq 0 ] || { echo "not ok - lab tests need root"; exit 1; }
[ -x "$BUILD/menjin-fp" ] && [ -x "$BUILD/menjind" ] || { echo "not ok - build menjin-fp and menjind first"; exit 1; }
trap cp_cleanup EXIT

PC1=${LAB_MAC[mjpc1]} PC2=${LAB_MAC[mjpc2]} PC3=${LAB_MAC[mjpc3]} PRN=${LAB_MAC[mjprn]}

cp_setup "$BUILD" || { not_ok "office and fast path start"; exit 1; }
check "menjind starts and syncs the fast path" cp_start
serve_tcp 80
serve_udp 53 10.10.0.53

# Every host says hello once, so menjind knows all four.
for h in $LAB_HOSTS; do can_ping "$h" 10.10.0.53 >/dev/null; done
check "PC 1 known" wait_for 30 state_is "$PC1" quarantined
check "PC 2 known" wait_for 30 state_is "$PC2" quarantined
check "laptop known and blocked" wait_for 30 state_is "$PC3" blocked
check "printer known and admitted" wait_for 30 state_is "$PRN" admitted
api device.override "{\"mac\":\"$PC1\",\"state\":\"admit\",\"role\":\"staff\",\"reason\":\"clerk\"}" >/dev/null
check "the clerk's PC is admitted" wait_for 20 can_ping mjpc1 10.10.0.100

# --- kill -9 under traffic ------------------------------------------------
in_ns mjpc1 ping -n -i 0.05 -c 100 -W 1 10.10.0.100 >"$CP_DIR/ping.out" 2>&1 &
pinger=$!
# kill it only once the clerk's traffic is flowing
wait_for 50 grep -q "bytes from" "$CP_DIR/ping.out"
cp_kill9
info "menjind killed with SIGKILL during the clerk's traffic"
check "the clerk's PC keeps working without menjind" can_tcp mjpc1 10.10.0.100 80
refute "the quarantined PC stays out" can_tcp mjpc2 10.10.0.100 80
refute "the blocked laptop stays out" can_udp mjpc3 10.10.0.53 53
check "the printer keeps working" can_ping mjprn 10.10.0.1
wait "$pinger"
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$CP_DIR/ping.out")
info "clerk's pings while menjind was killed: ${received:-0} of 100 answered"
check "no more than 2 of 100 pings lost" test "${received:-0}" -ge 98

check "menjind comes back" cp_start
check "the clerk's PC is still admitted (override kept)" state_is "$PC1" admitted
check "PC 2 still quarantined" state_is "$PC2" quarantined
check "the laptop still blocked" state_is "$PC3" blocked
check "the printer still admitted" state_is "$PRN" admitted
reply=$(api stats)
check "same generation: only the devices were compared" \
	test "$(echo "$reply" | jget 'r["result"]["fastpath"]["generation"]')" = 1
check "menjind's log says so" grep -q 'role ACLs current); 0 devices set, 0 deleted' "$CP_DIR/menjind.log"

# --- the fast path restarts ---------------------------------------------------
fp_stop
info "menjin-fp stopped; menjind retries with backoff"
check "menjind notices" wait_for 50 sh -c "grep -q 'connection to the fast path lost' '$CP_DIR/menjind.log'"
fp_start "$BUILD" "$CONF" "$CP_DIR/menjin-fp2.log"
check "a new fast path starts empty... and menjind resyncs it" wait_for 100 fp_state_is "$PC1" admitted
check "resync sent the role ACLs (generation 0 vs 1)" \
	wait_for 20 grep -qE 'fast path generation 0, ours 1 \(role ACLs sent\); [4-9] devices set, 0 deleted' "$CP_DIR/menjind.log"
check "the clerk works again" wait_for 30 can_tcp mjpc1 10.10.0.100 80
check "the printer works again" wait_for 30 can_ping mjprn 10.10.0.1
check "PC 2 is quarantined by the table, not by default" fp_state_is "$PC2" quarantined
refute "PC 2 stays out" can_tcp mjpc2 10.10.0.100 80
check "the laptop is blocked in the new table" fp_state_is "$PC3" blocked
check "the fast path has generation 1" test "$(fpctl hello | sed -n 's/.*generation \([0-9]*\).*/\1/p')" = 1
check "fast path restart is an event" output_has '"kind":"fastpath.down"' api events '{"limit":1000}'

lab_finish
