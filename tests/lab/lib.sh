# tests/lab/lib.sh — the simulated township office, shared by the lab tests
# and `make run`. Source it; needs root, iproute2, ethtool.
#
#   office LAN (netns mjsw, bridge br0)                 uplink (netns mjsrv)
#   mjpc1 10.10.1.11 --+                                 10.10.0.1   router
#   mjpc2 10.10.1.12 --+-- br0 -- mj-lan0p ~ mj-lan0 [menjin-fp] mj-up0 ~ mj-up0p
#   mjpc3 10.10.1.13 --+                                 10.10.0.53  DNS
#   mjprn 10.10.1.20 --+                                 10.10.0.80  remediation
#                                                        10.10.0.100 file server
# All addresses are in 10.10.0.0/16 so the fast path is a pure bump in the
# wire. menjin-fp runs in the root namespace with net_af_packet on mj-lan0 and
# mj-up0.

LAB_HOSTS="mjpc1 mjpc2 mjpc3 mjprn"
declare -A LAB_IP=([mjpc1]=10.10.1.11 [mjpc2]=10.10.1.12 [mjpc3]=10.10.1.13 [mjprn]=10.10.1.20)
declare -A LAB_MAC=([mjpc1]=02:00:0a:0a:01:0b [mjpc2]=02:00:0a:0a:01:0c [mjpc3]=02:00:0a:0a:01:0d
		   [mjprn]=02:00:0a:0a:01:14)
LAB_SERVER_IPS="10.10.0.1 10.10.0.53 10.10.0.80 10.10.0.100"
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

TESTS_PASSED=0
TESTS_FAILED=0

ok()     { echo "ok - $*"; TESTS_PASSED=$((TESTS_PASSED + 1)); }
not_ok() { echo "not ok - $*"; TESTS_FAILED=$((TESTS_FAILED + 1)); }
# check "description" command... : ok when the command succeeds
check()  { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# refute "description" command... : ok when the command fails
refute() { local d=$1; shift; if "$@"; then not_ok "$d"; else ok "$d"; fi; }
info()   { echo "# $*"; }

# Wait until a command succeeds: a readiness check, bounded (tenths of a second).
wait_for() {
	local tenths=$1; shift
	for ((i = 0; i < tenths; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

quiet_link() { # netns ifname: no offloads the fast path would have to undo, no IPv6 chatter
	local ns=$1 dev=$2 x=""
	[ "$ns" != "-" ] && x="ip netns exec $ns"
	$x ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	$x sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" >/dev/null 2>&1 || true
}

lab_teardown() {
	# nothing a test started in the office outlives it
	for ns in mjsw mjsrv $LAB_HOSTS; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	ip link del mj-lan0 2>/dev/null
	ip link del mj-up0 2>/dev/null
	true
}

# Lab tests share the namespace names: one office at a time. The lock is
# held by this shell until it exits.
lab_lock() {
	exec 9>/run/menjin-lab.lock
	flock 9
}

lab_setup() {
	lab_lock
	lab_teardown
	ip netns add mjsw
	ip netns exec mjsw ip link add br0 type bridge
	ip netns exec mjsw ip link set br0 up
	ip netns exec mjsw ip link set lo up
	for h in $LAB_HOSTS; do
		ip netns add "$h"
		ip link add eth0 netns "$h" address "${LAB_MAC[$h]}" type veth peer name "$h" netns mjsw
		ip netns exec "$h" ip link set lo up
		ip netns exec "$h" ip addr add "${LAB_IP[$h]}/16" dev eth0
		ip netns exec "$h" ip link set eth0 up
		quiet_link "$h" eth0
		ip netns exec mjsw ip link set "$h" master br0 up
		quiet_link mjsw "$h"
	done
	ip link add mj-lan0 type veth peer name mj-lan0p netns mjsw
	ip netns exec mjsw ip link set mj-lan0p master br0 up
	quiet_link mjsw mj-lan0p
	ip netns add mjsrv
	ip link add mj-up0 type veth peer name eth0 netns mjsrv
	ip netns exec mjsrv ip link set lo up
	for a in $LAB_SERVER_IPS; do ip netns exec mjsrv ip addr add "$a/16" dev eth0; done
	ip netns exec mjsrv ip link set eth0 up
	quiet_link mjsrv eth0
	for d in mj-lan0 mj-up0; do ip link set "$d" up; quiet_link - "$d"; done
}

# Write a test configuration to $1 with the socket and capture paths under $2.
# The DPDK file prefix is unique per run, so telemetry finds this fast path.
lab_config() {
	local out=$1 dir=$2
	LAB_FILE_PREFIX=mjlab$$
	sed -e "s|/run/menjin/fp.sock|$dir/fp.sock|" \
	    -e "s|eal_args = \[|eal_args = [ \"--file-prefix\", \"$LAB_FILE_PREFIX\",|" \
	    -e "s|/var/lib/menjin/capture|$dir/capture|" \
	    -e "s|/run/menjin/api.sock|$dir/api.sock|" \
	    -e "s|/var/lib/menjin/menjin.db|$dir/menjin.db|" \
	    "$LAB_ROOT/configs/lab.conf" >"$out"
}

# fp_start BUILD CONF LOG: start menjin-fp and wait until it answers HELLO.
fp_start() {
	local build=$1 conf=$2 log=$3 sock
	sock=$(sed -n 's/^ *socket = "\(.*\)";/\1/p' "$conf" | head -n1)
	"$build/menjin-fp" -c "$conf" >"$log" 2>&1 9>&- &
	FP_PID=$!
	FP_SOCK=$sock
	if ! wait_for 300 "$build/menjin-fpctl" -s "$sock" hello; then
		echo "# menjin-fp did not come up; its log:"; sed 's/^/#   /' "$log"
		return 1
	fi
}

fp_stop() {
	[ -n "${FP_PID:-}" ] || return 0
	kill "$FP_PID" 2>/dev/null
	wait "$FP_PID" 2>/dev/null
	FP_PID=
	[ -n "${LAB_FILE_PREFIX:-}" ] && rm -rf "/run/dpdk/$LAB_FILE_PREFIX"
}

fpctl() { "$BUILD/menjin-fpctl" -s "$FP_SOCK" "$@"; }

# Value of one fast path counter.
fp_counter() { fpctl stats | awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }'; }

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# can_ping HOST ADDR: one echo answered within a second
can_ping() { in_ns "$1" ping -n -c 1 -W 1 "$2" >/dev/null 2>&1; }

# A TCP listener in the server namespace answering "hello PORT" to each connection.
serve_tcp() { # port
	# 9>&-: a server left behind must not hold the lab lock (lab_lock).
	# Not through in_ns: a backgrounded function is a subshell, and $! would
	# be that shell, not the socat that stop_servers must end.
	ip netns exec mjsrv socat -T 2 "TCP-LISTEN:$1,reuseaddr,fork" SYSTEM:"echo hello $1" >/dev/null 2>&1 9>&- &
	SERVERS="${SERVERS:-} $!"
	wait_for 50 in_ns mjsrv sh -c "ss -ltn | grep -q ':$1 '"
}
serve_udp() { # port address: echo server, bound so it answers from that address
	ip netns exec mjsrv socat "UDP-RECVFROM:$1,bind=$2,reuseaddr,fork" SYSTEM:"cat" >/dev/null 2>&1 9>&- &
	SERVERS="${SERVERS:-} $!"
	wait_for 50 in_ns mjsrv sh -c "ss -lun | grep -q ':$1 '"
}
stop_servers() { for p in ${SERVERS:-}; do kill "$p" 2>/dev/null; done; SERVERS=; }

# can_tcp HOST ADDR PORT: a connection that gets the server's greeting
can_tcp() { in_ns "$1" timeout 3 socat -T 2 - "TCP:$2:$3,connect-timeout=1" </dev/null 2>/dev/null | grep -q "hello $3"; }
# can_udp HOST ADDR PORT: an echoed datagram
can_udp() { echo ping-$$ | in_ns "$1" timeout 3 socat -T 1 - "UDP:$2:$3" 2>/dev/null | grep -q "ping-$$"; }

lab_finish() {
	echo "# $TESTS_PASSED passed, $TESTS_FAILED failed"
	[ "$TESTS_FAILED" -eq 0 ]
}
