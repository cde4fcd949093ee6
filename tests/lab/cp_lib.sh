# tests/lab/cp_lib.sh — menjind helpers for the lab tests (source after lib.sh).
#
#   cp_setup BUILD      office namespaces, config in $CP_DIR, menjin-fp running
#   cp_start / cp_kill9 / cp_stop   menjind (foreground, log in $CP_DIR/menjind.log)
#   api CMD [ARGS-JSON] one API request on api.sock; prints the reply line
#   jget EXPR           evaluates a Python expression over the reply `r` (stdin)

cp_setup() {
	BUILD=$1
	CP_DIR=$(mktemp -d /tmp/menjin-cp.XXXXXX)
	chmod 0755 "$CP_DIR"   # other users reach api.sock; its own mode decides
	CONF=$CP_DIR/menjin.conf
	API_SOCK=$CP_DIR/api.sock
	lab_setup
	lab_config "$CONF" "$CP_DIR"
	fp_start "$BUILD" "$CONF" "$CP_DIR/menjin-fp.log"
}

cp_cleanup() {
	cp_stop
	fp_stop
	stop_servers
	lab_teardown
	if [ "${TESTS_FAILED:-0}" -gt 0 ]; then
		echo "# menjind log:"; tail -n 60 "$CP_DIR/menjind.log" 2>/dev/null | sed 's/^/#   /'
		echo "# menjin-fp log:"; tail -n 20 "$CP_DIR/menjin-fp.log" 2>/dev/null | sed 's/^/#   /'
	fi
	rm -rf "$CP_DIR"
}

api() {
	local args=${2:-}
	[ -n "$args" ] || args='{}'
	printf '{"cmd":"%s","args":%s,"user":"lab-admin"}\n' "$1" "$args" |
		timeout 10 socat -t 5 - "UNIX-CONNECT:$API_SOCK" 2>/dev/null
}

jget() {
	python3 -c '
import json, sys
try:
    r = json.loads(sys.stdin.readline())
    v = eval(sys.argv[1])
except Exception as e:
    print("(error: %s)" % e); sys.exit(1)
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1"
}

# The fast path channel is in sync (HELLO, dump, resync done).
cp_ready() { [ "$(api stats | jget 'r["result"]["fastpath"]["state"]')" = ready ]; }

cp_start() {
	"$BUILD/menjind" -c "$CONF" -f ${MENJIND_DEBUG:+-d} >>"$CP_DIR/menjind.log" 2>&1 &
	CP_PID=$!
	wait_for 100 cp_ready
}

cp_kill9() { kill -9 "$CP_PID" 2>/dev/null; wait "$CP_PID" 2>/dev/null; CP_PID=; }

cp_stop() {
	[ -n "${CP_PID:-}" ] || return 0
	kill "$CP_PID" 2>/dev/null
	wait "$CP_PID" 2>/dev/null
	CP_PID=
}

# device_state MAC: the state menjind has decided
device_state() { api device.show "{\"mac\":\"$1\"}" | jget 'r["result"]["verdict"]["state"]'; }
state_is() { [ "$(device_state "$1")" = "$2" ]; }

# fp_state MAC: what the fast path enforces ("absent" when not in its table)
fp_state() { fpctl device-dump | awk -v m="$1" '$1 == m { print $2; f = 1 } END { if (!f) print "absent" }'; }
fp_state_is() { [ "$(fp_state "$1")" = "$2" ]; }

now_ms() { date +%s%3N; }

# has PATTERN TEXT: grep -q for a fixed string
has() { grep -qF -- "$1" <<<"$2"; }
# output_has PATTERN COMMAND...: the command's output contains the fixed string
output_has() { local p=$1; shift; "$@" 2>&1 | grep -qF -- "$p"; }
