#!/bin/bash
# The fast path on its own, driven through its control socket the way
# menjind drives it. The story: a township office with an admitted clerk PC,
# a quarantined PC that failed its baseline scan and a blocked one; the
# county changes tables while the clerk keeps working.
set -u
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
. "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d /tmp/mj-fp-enforce.XXXXXX)
cleanup() { stop_servers; fp_stop; lab_teardown; rm -rf "$WORK"; }
trap cleanup EXIT

lab_setup
lab_config "$WORK/lab.conf" "$WORK"
fp_start "$BUILD" "$WORK/lab.conf" "$WORK/fp.log" || { not_ok "menjin-fp starts"; lab_finish; exit 1; }
ok "menjin-fp starts and answers HELLO"

check "HELLO lists the lan and uplink ports" sh -c \
	"'$BUILD/menjin-fpctl' -s '$FP_SOCK' hello | grep -q 'lan0 lan' && '$BUILD/menjin-fpctl' -s '$FP_SOCK' hello | grep -q 'uplink uplink'"

serve_tcp 80; serve_tcp 8080; serve_tcp 9090; serve_udp 53 10.10.0.53; serve_udp 53 10.10.0.100

# Before anyone is known, every PC is unknown: quarantined by default.
refute "an unknown PC cannot reach the file server" can_ping mjpc1 10.10.0.100
check "an unknown PC still reaches the remediation server" can_tcp mjpc1 10.10.0.80 80
check "an unknown PC still reaches the DNS resolver" can_udp mjpc1 10.10.0.53 53
refute "an unknown PC cannot reach DNS on another address" can_udp mjpc1 10.10.0.100 53

# The clerk's PC is admitted with role 10: file server on 8080 only.
fpctl acl-set 10 default deny rule permit proto tcp to 10.10.0.100/32 port 8080 id 7 \
	rule permit proto icmp to 10.10.0.0/16 id 8
fpctl commit 1
fpctl device-set "${LAB_MAC[mjpc1]}" admitted role 10
fpctl device-set "${LAB_MAC[mjpc2]}" quarantined
fpctl device-set "${LAB_MAC[mjpc3]}" blocked
check "generation 1 is reported after COMMIT" sh -c "'$BUILD/menjin-fpctl' -s '$FP_SOCK' hello | grep -q 'generation 1'"

check "admitted PC pings the file server" can_ping mjpc1 10.10.0.100
check "admitted PC opens TCP 8080 allowed by its role" can_tcp mjpc1 10.10.0.100 8080
refute "admitted PC cannot open TCP 9090 outside its role" can_tcp mjpc1 10.10.0.100 9090
check "the role ACL rule hits are counted" sh -c "[ \$('$BUILD/menjin-fpctl' -s '$FP_SOCK' stats acl.rule.7.hits | awk '{print \$2}') -gt 0 ]"

refute "quarantined PC cannot ping the file server" can_ping mjpc2 10.10.0.100
refute "quarantined PC cannot open TCP 8080" can_tcp mjpc2 10.10.0.100 8080
check "quarantined PC reaches remediation TCP 80" can_tcp mjpc2 10.10.0.80 80
check "quarantined PC reaches the resolver on UDP 53" can_udp mjpc2 10.10.0.53 53
refute "quarantined PC cannot use other remediation ports" can_tcp mjpc2 10.10.0.80 8080

refute "blocked PC cannot ping" can_ping mjpc3 10.10.0.100
refute "blocked PC cannot reach remediation" can_tcp mjpc3 10.10.0.80 80
refute "blocked PC cannot reach the resolver" can_udp mjpc3 10.10.0.53 53
check "drops of the blocked PC are counted" sh -c "[ \$('$BUILD/menjin-fpctl' -s '$FP_SOCK' stats drop.blocked | awk '{print \$2}') -gt 0 ]"

# Threat feed: the file server's address turns up on the regional blocklist.
fpctl blocklist-set replace 10.10.0.100/32=4242
fpctl commit 2
refute "admitted PC cannot reach a blocklisted address" can_ping mjpc1 10.10.0.100
check "blocklist hits are counted per indicator" sh -c "[ \$('$BUILD/menjin-fpctl' -s '$FP_SOCK' stats blocklist.4242.hits | awk '{print \$2}') -gt 0 ]"
fpctl blocklist-set replace
fpctl commit 3
check "admitted PC reaches it again once the indicator is withdrawn" can_ping mjpc1 10.10.0.100

# Table changes while the clerk works: no frame of hers may be lost.
in_ns mjpc1 ping -n -i 0.01 -c 400 -W 1 10.10.0.100 >"$WORK/ping.txt" 2>&1 &
PING=$!
wait_for 50 grep -q "bytes from" "$WORK/ping.txt"
gen=10
{
	for i in $(seq 1 60); do
		echo "device-set 02:00:00:00:$(printf %02x $((i / 256))):$(printf %02x $((i % 256))) quarantined"
		echo "acl-set 20 default deny rule permit proto tcp to 10.10.$i.0/24 port 443"
		echo "blocklist-set replace 192.0.2.$i/32 198.51.100.0/24"
		echo "commit $((gen + i))"
		echo "device-set ${LAB_MAC[mjpc1]} admitted role 10"
	done
} >"$WORK/updates.txt"
check "60 ACL and blocklist swaps and 120 device updates are accepted under traffic" \
	"$BUILD/menjin-fpctl" -s "$FP_SOCK" -f "$WORK/updates.txt"
wait "$PING"
info "$(grep -E 'packets transmitted' "$WORK/ping.txt")"
check "no frame of the admitted PC was lost during the updates" grep -q " 0% packet loss" "$WORK/ping.txt"

# Punts: ARP and new-MAC copies reach a subscriber; malformed input does not hurt.
"$BUILD/menjin-fpctl" -s "$FP_SOCK" listen count 1 timeout 10 >"$WORK/punt.txt" 2>&1 &
LISTEN=$!
wait_for 50 sh -c "[ \$('$BUILD/menjin-fpctl' -s '$FP_SOCK' stats | wc -l) -gt 0 ]"
in_ns mjprn ip neigh flush all
in_ns mjprn ping -c 2 -W 1 10.10.0.1 >/dev/null 2>&1
wait "$LISTEN"
check "a frame from a new MAC is punted to the subscriber" grep -q "^punt port 0 reason" "$WORK/punt.txt"

/usr/bin/python3 - "$FP_SOCK" <<'EOF' >"$WORK/junk.txt" 2>&1
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.settimeout(3)
for junk in [b"\x00" * 3, struct.pack("=IHHII", 200, 0x10, 5, 1, 0), struct.pack("=IHHII", 16, 0x7777, 5, 2, 0)]:
    s.send(junk)
    r = s.recv(65536)
    err = struct.unpack("=i", r[16:20])[0]
    print("answer type %d error %d" % (struct.unpack("=H", r[4:6])[0], err))
EOF
check "malformed control messages are answered with errors" sh -c "[ \$(grep -c 'answer type 2 error -' '$WORK/junk.txt') -eq 3 ]"
check "menjin-fp is still serving after malformed messages" fpctl hello

# Capture with a BPF filter, read back by tshark.
fpctl capture 0 3 icmp.pcap icmp
in_ns mjpc1 ping -n -c 5 -i 0.1 10.10.0.100 >/dev/null 2>&1
wait_for 50 test -s "$WORK/capture/icmp.pcap"
wait_for 50 sh -c "tshark -r '$WORK/capture/icmp.pcap' 2>/dev/null | wc -l | grep -qx 3"
check "capture wrote 3 ICMP frames that tshark reads" sh -c "[ \$(tshark -r '$WORK/capture/icmp.pcap' -Y icmp 2>/dev/null | wc -l) -eq 3 ]"
refute "a bad capture filter is refused" fpctl capture 0 3 bad.pcap "tcp port banana"

# Telemetry: the same counters through DPDK telemetry.
echo "/menjin/stats" | timeout 10 dpdk-telemetry.py -f "$LAB_FILE_PREFIX" >"$WORK/tel.txt" 2>&1
check "dpdk-telemetry.py shows the fast path counters" grep -q '"drop_blocked": [1-9]' "$WORK/tel.txt"

fp_stop
check "menjin-fp exits cleanly on SIGTERM" sh -c "! grep -qi 'segmentation\|AddressSanitizer' '$WORK/fp.log'"
lab_finish
