#!/bin/bash
# tests/lab/soc_rsyslog_test.sh BUILD — SOC export to a real rsyslog over
# TLS (RFC 5425), across a collector restart and an appliance restart.
#
# The story: the regional SOC's rsyslog listens on 127.0.0.1 with the gtls
# driver. The appliance sends events; the SOC stops its collector for
# maintenance in the middle of a stream; events keep being queued on the
# appliance's disk; the collector comes back and the backlog arrives. Then
# the appliance itself restarts while the collector is down, and delivers
# its queue once both are up. Every event carries a test number n and the
# queue's [meta sequenceId]: none may be missing. Delivery is at-least-once,
# so an event may arrive twice around a restart (counted, reported).
#
# Needs: rsyslog, rsyslog-gnutls, openssl; BUILD/tests/soc_live_test.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
. tests/lab/lib.sh

DRIVER=$BUILD/tests/soc_live_test
TMP=$(mktemp -d /tmp/menjin-soc.XXXXXX)
RSYSLOG_PID=""
DRIVER_PID=""
stop_rsyslog() {
	if [ -n "$RSYSLOG_PID" ] && kill -0 "$RSYSLOG_PID" 2>/dev/null; then
		kill "$RSYSLOG_PID"
		wait "$RSYSLOG_PID" 2>/dev/null
	fi
	RSYSLOG_PID=""
}
cleanup() {
	[ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null && wait "$DRIVER_PID" 2>/dev/null
	stop_rsyslog
	rm -rf "$TMP"
}
trap cleanup EXIT

if ! command -v rsyslogd >/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] && \
   ! ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1; then
	not_ok "rsyslog and rsyslog-gnutls are installed (make deps)"
	exit 1
fi
if [ ! -x "$DRIVER" ]; then
	not_ok "driver $DRIVER is built (make)"
	exit 1
fi

K=$TMP/keys
mkdir -p "$K" "$TMP/work"
info "the SOC's CA and the collector's certificate for 127.0.0.1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=menjin lab SOC CA" \
	-keyout "$K/ca.key" -out "$K/ca.pem" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$K/server.key" -out "$K/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$K/server.ext"
openssl x509 -req -in "$K/server.csr" -CA "$K/ca.pem" -CAkey "$K/ca.key" -CAcreateserial -days 2 \
	-extfile "$K/server.ext" -out "$K/server.pem" 2>/dev/null
check "collector certificate made by the SOC CA" bash -c "openssl verify -CAfile '$K/ca.pem' '$K/server.pem' >/dev/null"

RECEIVED=$TMP/received.log
write_conf() { # port
	cat >"$TMP/rsyslog.conf" <<CONF
global(workDirectory="$TMP/work"
       DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="$K/ca.pem"
       DefaultNetstreamDriverCertFile="$K/server.pem"
       DefaultNetstreamDriverKeyFile="$K/server.key")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" port="$1" address="127.0.0.1")
template(name="raw" type="string" string="%rawmsg%\n")
action(type="omfile" file="$RECEIVED" template="raw")
CONF
}

listening() { ss -ltn "( sport = :$PORT )" | grep -q LISTEN; }
start_rsyslog() {
	rsyslogd -n -f "$TMP/rsyslog.conf" -i "$TMP/rsyslog.pid" >>"$TMP/rsyslogd.out" 2>&1 &
	RSYSLOG_PID=$!
	wait_for 100 listening
}

PORT=""
for try in 1 2 3 4 5; do
	p=$((20000 + RANDOM % 20000))
	ss -ltn "( sport = :$p )" | grep -q LISTEN && continue
	PORT=$p
	write_conf "$PORT"
	if start_rsyslog; then break; fi
	stop_rsyslog
	PORT=""
done
if [ -z "$PORT" ]; then
	not_ok "rsyslog listens with TLS on 127.0.0.1"
	cat "$TMP/rsyslogd.out"
	exit 1
fi
check "rsyslog accepts its configuration" bash -c "rsyslogd -N1 -f '$TMP/rsyslog.conf' >/dev/null 2>&1"
ok "rsyslog listens with TLS on 127.0.0.1:$PORT"

export MENJIN_SOC_PORT=$PORT MENJIN_SOC_CA=$K/ca.pem MENJIN_SOC_QUEUE=$TMP/appliance-queue.db
export MENJIN_SOC_PROGRESS=$TMP/progress
drive() { # first count interval_ms drain_s
	MENJIN_SOC_FIRST=$1 MENJIN_SOC_COUNT=$2 MENJIN_SOC_INTERVAL=$3 MENJIN_SOC_DRAIN=$4 "$DRIVER"
}
received_n() { grep -o ' n="[0-9]*"' "$RECEIVED" 2>/dev/null | grep -c "n=\"$1\""; }
have_n() { [ "$(received_n "$1")" -ge 1 ]; }
sent_at_least() { [ "$(awk '{print $2}' "$TMP/progress" 2>/dev/null || echo 0)" -ge "$1" ]; }

info "1. the appliance sends events 1..20 to a running collector"
drive 1 20 20 30 >"$TMP/phase1.log" 2>&1
check "phase 1: all 20 delivered (the driver's queue drained)" test $? -eq 0
sed -n 's/^# /#   /p' "$TMP/phase1.log"
check "phase 1: event 20 is in the collector's file" wait_for 50 have_n 20

info "2. the collector stops for maintenance in the middle of events 21..80"
drive 21 60 50 60 >"$TMP/phase2.log" 2>&1 &
DRIVER_PID=$!
check "phase 2: events up to 30 arrive while the collector runs" wait_for 100 have_n 30
stop_rsyslog
ok "phase 2: collector stopped (kill -TERM, waited for it)"
check "phase 2: the appliance keeps queueing (60 events sent)" wait_for 100 sent_at_least 60
missing_now=0
for n in $(seq 61 80); do have_n "$n" && missing_now=1; done
check "phase 2: nothing after 60 reached the stopped collector" test $missing_now -eq 0
start_rsyslog
check "phase 2: collector restarted on the same port" listening
wait "$DRIVER_PID"; rc=$?
DRIVER_PID=""
check "phase 2: the appliance reconnected and drained its queue" test $rc -eq 0
sed -n 's/^# /#   /p' "$TMP/phase2.log"

info "3. the appliance restarts while the collector is down"
stop_rsyslog
drive 81 20 10 0 >"$TMP/phase3.log" 2>&1
sed -n 's/^# /#   /p' "$TMP/phase3.log"
check "phase 3: 20 events wait in the queue file when the appliance stops" grep -q 'queued 20$' "$TMP/progress"
start_rsyslog
drive 101 10 20 60 >"$TMP/phase4.log" 2>&1
check "phase 3: after both restarts the old queue and 10 new events are delivered" test $? -eq 0
sed -n 's/^# /#   /p' "$TMP/phase4.log"
check "phase 3: event 110 is in the collector's file" wait_for 50 have_n 110
stop_rsyslog

info "4. the SOC's view: every event, by test number and by sequenceId"
missing=""; dups=0
for n in $(seq 1 110); do
	c=$(received_n "$n")
	[ "$c" -eq 0 ] && missing="$missing $n"
	[ "$c" -gt 1 ] && dups=$((dups + c - 1))
done
check "no event lost: n=1..110 all received${missing:+ (missing:$missing)}" test -z "$missing"
seqs=$(grep -o 'sequenceId="[0-9]*"' "$RECEIVED" | tr -dc '0-9\n' | sort -n | uniq)
check "sequenceIds 1..110 without a gap" test "$(echo "$seqs" | head -1)-$(echo "$seqs" | tail -1)-$(echo "$seqs" | wc -l)" = "1-110-110"
info "delivery is at-least-once: $dups duplicate(s) around the restarts, recognisable by sequenceId"
pairs=$(sed -n 's/.*sequenceId="\([0-9]*\)".* n="\([0-9]*\)".*/\1 \2/p' "$RECEIVED" | sort -u)
check "a duplicate carries the sequenceId of its first copy (110 distinct pairs)" \
	test "$(echo "$pairs" | wc -l)" -eq 110 -a "$(echo "$pairs" | awk '{print $1}' | sort -u | wc -l)" -eq 110
check "every line is RFC 5424 with the SD-ID menjin@32473" \
	bash -c "! grep -v '^<133>1 [0-9T:.Z-]* township-a menjind 4242 blocklist.hit \[meta sequenceId=\"[0-9]*\"\]\[menjin@32473 mac=' '$RECEIVED'"
exit 0
