#!/bin/bash
# tests/bench/auth_storm.sh BUILD [N] — the 802.1X authentication storm of
# issue 4: N supplicants (wpa_supplicant -D wired, EAP-MD5, one network
# namespace each, all on one switch that passes 802.1X frames) start
# together; the time until every one is authorized, through menjin
# (menjin-fp + menjind; also the time until the fast path admits them all)
# and through hostapd's wired authenticator, against the same FreeRADIUS in
# the same run. Prints both times and their ratio, writes them to
# BUILD/bench/auth_storm.txt. Exit 1 when menjin's fast path does not admit
# all N within STORM_TIMEOUT seconds (120) or something does not start; how
# many supplicants saw their EAP-Success is reported, not checked (see
# docs/bench.md: wpa_supplicant aborts when it hears too many frames).
#
# Not part of `make test` (`make bench-auth`, or tests/bench/run.sh BUILD
# auth); needs root, wpasupplicant, hostapd, freeradius; holds the lab lock
# (tests/lab/lib.sh) while it runs. BENCH_KEEP=1 keeps every log in
# BUILD/bench/auth_storm/. See docs/bench.md.
set -u
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-100}
TIMEOUT=${STORM_TIMEOUT:-120}
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib.sh
. tests/lab/cp_lib.sh
. tests/lab/freeradius_lib.sh

[ "$(id -u)" -eq 0 ] || { echo "auth_storm: needs root"; exit 1; }
for c in wpa_supplicant hostapd freeradius; do
	command -v "$c" >/dev/null || { echo "auth_storm: $c is missing (make deps)"; exit 1; }
done

OUT=$BUILD/bench
mkdir -p "$OUT"
REPORT=$OUT/auth_storm.txt
SECRET=menjin-lab-secret
WPA_PIDS=""
HAPD_PID=""

stop_supplicants() {
	local p
	for p in $WPA_PIDS; do kill "$p" 2>/dev/null; done
	for p in $WPA_PIDS; do wait "$p" 2>/dev/null; done
	WPA_PIDS=""
}
bench_cleanup() {
	stop_supplicants
	[ -n "$HAPD_PID" ] && { kill "$HAPD_PID" 2>/dev/null; wait "$HAPD_PID" 2>/dev/null; }
	cp_stop; fr_stop
	for i in $(seq 1 "$N"); do ip netns del "mjb$i" 2>/dev/null; done
	ip netns del mjhsw 2>/dev/null; ip link del mj-hap0 2>/dev/null
	if [ "${BENCH_KEEP:-0}" = 1 ] && [ -n "${CP_DIR:-}" ]; then
		rm -rf "$OUT/auth_storm"; cp -a "$CP_DIR" "$OUT/auth_storm" 2>/dev/null
		echo "auth_storm: logs kept in $OUT/auth_storm"
	fi
	cp_cleanup
}
trap bench_cleanup EXIT

cp_setup "$BUILD" || { echo "auth_storm: office and fast path did not start"; exit 1; }
# The office switch passes 802.1X's group address 01:80:C2:00:00:03, as an
# unmanaged switch does: every supplicant hears the others.
in_ns mjsw ip link set br0 type bridge group_fwd_mask 8
FR=$CP_DIR/fr; mkdir -p "$FR"; fr_pki "$FR"; fr_config "$FR" 18120 18130 "$SECRET"
: >"$FR/users"
for i in $(seq 1 "$N"); do printf 'user%d\tCleartext-Password := "pw%d"\n\tFilter-Id = "staff"\n\n' "$i" "$i" >>"$FR/users"; done
fr_start "$FR"
wait_for 150 fr_alive 18120 "$SECRET" || { echo "auth_storm: FreeRADIUS did not start"; exit 1; }
cp_start || { echo "auth_storm: menjind did not start"; exit 1; }

# mk_hosts SWITCHNS: namespaces mjb1..N, one PC each, on that switch. IPv6
# is off before any link is up: no chatter makes menjin ask a PC before its
# supplicant runs (the two authenticators start from the same silence).
mk_hosts() {
	local sw=$1 i
	in_ns "$sw" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	for i in $(seq 1 "$N"); do
		ip netns del "mjb$i" 2>/dev/null
		ip netns add "mjb$i"
		in_ns "mjb$i" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip link add eth0 netns "mjb$i" address "$(printf '02:00:0b:00:%02x:%02x' $((i / 256)) $((i % 256)))" \
			type veth peer name "b$i" netns "$sw"
		in_ns "$sw" ip link set "b$i" master br0 up
		in_ns "mjb$i" ip link set eth0 up
	done
}
authorized_count() { grep -l "CTRL-EVENT-EAP-SUCCESS" "$CP_DIR/$1"-b*.log 2>/dev/null | wc -l; }
admitted_count() { fpctl device-dump | grep -c "^02:00:0b:00:.* admitted"; }
# storm TAG: every supplicant started at once; sets STORM_MS (until all
# logged EAP success, or the timeout) and STORM_N (how many did); with
# ADMIT_CHECK=1 also ADMIT_MS, when the fast path first admitted all N.
# Not called in $(...): the supplicants' pids must reach WPA_PIDS.
storm() {
	local tag=$1 t0 i
	for i in $(seq 1 "$N"); do
		printf 'ap_scan=0\nnetwork={\n key_mgmt=IEEE8021X\n eap=MD5\n identity="user%d"\n password="pw%d"\n eapol_flags=0\n}\n' \
			"$i" "$i" >"$CP_DIR/b$i.conf"
	done
	t0=$(now_ms)
	for i in $(seq 1 "$N"); do
		ip netns exec "mjb$i" wpa_supplicant -D wired -i eth0 -c "$CP_DIR/b$i.conf" >"$CP_DIR/$tag-b$i.log" 2>&1 9>&- &
		WPA_PIDS="$WPA_PIDS $!"
	done
	STORM_N=0 ADMIT_MS=""
	while [ $(( $(now_ms) - t0 )) -lt $((TIMEOUT * 1000)) ]; do
		if [ "${ADMIT_CHECK:-0}" = 1 ] && [ -z "$ADMIT_MS" ] && [ "$(admitted_count)" -ge "$N" ]; then
			ADMIT_MS=$(( $(now_ms) - t0 ))
		fi
		STORM_N=$(authorized_count "$tag")
		[ "$STORM_N" -ge "$N" ] && { [ -n "$ADMIT_MS" ] || [ "${ADMIT_CHECK:-0}" != 1 ]; } && break
		sleep 0.1
	done
	STORM_MS=$(( $(now_ms) - t0 ))
	STORM_T0=$t0
}

mk_hosts mjsw
# The fast path admits a PC once menjind decided it (policy, DEVICE_SET).
ADMIT_CHECK=1 storm menjin
menjin_ms=$STORM_MS menjin_n=$STORM_N
all_admitted() { [ "$(admitted_count)" -ge "$N" ]; }
[ -n "$ADMIT_MS" ] || { wait_for 100 all_admitted && ADMIT_MS=$(( $(now_ms) - STORM_T0 )); }
admitted=$(admitted_count)
admitted_ms=${ADMIT_MS:-never}
stats=$(api radius.status | jget '"access_requests %d, accepts %d, group_requests %d, eapol_rx %d, eap_tx %d" % tuple(r["result"]["authenticator"][k] for k in ("access_requests", "accepts", "group_requests", "eapol_rx", "eap_tx"))')
punt_full=$(fp_counter drop.punt_full)
stop_supplicants
# hostapd's turn: menjin stops, so its busy-polling worker leaves the CPU.
cp_stop
fp_stop

# hostapd on its own switch (bridge in mjhsw, the same group_fwd_mask),
# on mj-hap0 in the root namespace so it reaches FreeRADIUS on loopback.
ip netns add mjhsw
in_ns mjhsw sysctl -qw net.ipv6.conf.default.disable_ipv6=1
in_ns mjhsw ip link add br0 type bridge group_fwd_mask 8
in_ns mjhsw ip link set br0 up
ip link add mj-hap0 type veth peer name hap0p netns mjhsw
quiet_link - mj-hap0
in_ns mjhsw ip link set hap0p master br0 up
ip link set mj-hap0 up
cat >"$CP_DIR/hostapd.conf" <<EOF
interface=mj-hap0
driver=wired
ieee8021x=1
eap_reauth_period=0
use_pae_group_addr=1
own_ip_addr=127.0.0.1
nas_identifier=hostapd-bench
auth_server_addr=127.0.0.1
auth_server_port=18120
auth_server_shared_secret=$SECRET
EOF
hostapd "$CP_DIR/hostapd.conf" >"$CP_DIR/hostapd.log" 2>&1 9>&- &
HAPD_PID=$!
hostapd_up() { grep -q "AP-ENABLED\|interface state .*->ENABLED" "$CP_DIR/hostapd.log"; }
wait_for 100 hostapd_up || { echo "auth_storm: hostapd did not start"; sed 's/^/#   /' "$CP_DIR/hostapd.log"; exit 1; }
mk_hosts mjhsw
storm hostapd
hostapd_ms=$STORM_MS hostapd_n=$STORM_N
stop_supplicants

ratio=$(python3 -c "print(round($menjin_ms / max($hostapd_ms, 1), 2))")
{
	echo "auth_storm N=$N ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
	echo "menjin:  $menjin_n of $N authorized (supplicant EAP success) in $menjin_ms ms; $admitted of $N admitted in the fast path (all of them after $admitted_ms ms)"
	echo "         menjind: $stats; fast path punt_full $punt_full"
	echo "hostapd: $hostapd_n of $N authorized in $hostapd_ms ms"
	echo "ratio menjin/hostapd (time to all authorized): $ratio"
} | tee "$REPORT"
[ "$admitted" -ge "$N" ]
