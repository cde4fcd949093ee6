#!/bin/bash
# tests/bench/auth_storm.sh BUILD [N] — N supplicants (wpa_supplicant -D wired,
# EAP-MD5, one network namespace each) start together; the time until all
# are authorized, through menjin (menjin-fp + menjind, admitted in the fast
# path) and through hostapd's wired authenticator, both against the same
# FreeRADIUS in the same run. Prints both times and their ratio. Not part
# of `make test`; needs root, wpasupplicant, hostapd, freeradius.
set -u
BUILD=$(cd "${1:-build}" && pwd)
N=${2:-100}
cd "$(dirname "$0")/../.."
. tests/lab/lib.sh
. tests/lab/cp_lib.sh
. tests/lab/freeradius_lib.sh

SECRET=menjin-lab-secret
PIDS=""
bench_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	cp_stop; fr_stop
	for i in $(seq 1 "$N"); do ip netns del "mjb$i" 2>/dev/null; done
	ip netns del mjhsw 2>/dev/null; ip link del mj-hap0 2>/dev/null
	cp_cleanup
}
trap bench_cleanup EXIT

cp_setup "$BUILD" || { echo "office and fast path did not start"; exit 1; }
in_ns mjsw ip link set br0 type bridge group_fwd_mask 8
FR=$CP_DIR/fr; mkdir -p "$FR"; fr_pki "$FR"; fr_config "$FR" 18120 18130 "$SECRET"
: >"$FR/users"
for i in $(seq 1 "$N"); do printf 'user%d\tCleartext-Password := "pw%d"\n\tFilter-Id = "staff"\n\n' "$i" "$i" >>"$FR/users"; done
fr_start "$FR"
wait_for 150 fr_alive 18120 "$SECRET" || { echo "FreeRADIUS did not start"; exit 1; }
cp_start || { echo "menjind did not start"; exit 1; }

# The hostapd side: its own switch (bridge in mjhsw), hostapd on mj-hap0 in
# the root namespace so it reaches FreeRADIUS on loopback like menjind.
ip netns add mjhsw
in_ns mjhsw ip link add br0 type bridge group_fwd_mask 8
in_ns mjhsw ip link set br0 up
ip link add mj-hap0 type veth peer name hap0p netns mjhsw
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
PIDS="$PIDS $!"

# mk_hosts SWITCHNS: N namespaces mjb1..N, each a supplicant's PC on that switch
mk_hosts() {
	for i in $(seq 1 "$N"); do
		ip netns del "mjb$i" 2>/dev/null
		ip netns add "mjb$i"
		ip link add eth0 netns "mjb$i" address "$(printf '02:00:0b:00:%02x:%02x' $((i / 256)) $((i % 256)))" \
			type veth peer name "b$i" netns "$1"
		in_ns "$1" ip link set "b$i" master br0 up
		in_ns "mjb$i" ip link set eth0 up
		quiet_link "mjb$i" eth0
	done
}
# storm: start every supplicant at once, wait until all logged EAP success
storm() {
	local tag=$1 t0 t1 n
	for i in $(seq 1 "$N"); do
		printf 'ap_scan=0\nnetwork={\n key_mgmt=IEEE8021X\n eap=MD5\n identity="user%d"\n password="pw%d"\n eapol_flags=0\n}\n' \
			"$i" "$i" >"$CP_DIR/b$i.conf"
	done
	t0=$(now_ms)
	for i in $(seq 1 "$N"); do
		ip netns exec "mjb$i" wpa_supplicant -D wired -i eth0 -c "$CP_DIR/b$i.conf" >"$CP_DIR/$tag-b$i.log" 2>&1 9>&- &
		PIDS="$PIDS $!"
	done
	for _ in $(seq 1 1200); do
		n=$(grep -l "CTRL-EVENT-EAP-SUCCESS" "$CP_DIR/$tag"-b*.log 2>/dev/null | wc -l)
		[ "$n" -ge "$N" ] && break
		sleep 0.1
	done
	t1=$(now_ms)
	echo "$tag: $n of $N authorized in $((t1 - t0)) ms" >&2
	echo $((t1 - t0))
}
stop_supplicants() { for p in $PIDS; do case "$(ps -o comm= -p "$p")" in wpa_supplicant) kill "$p";; esac; done; }

mk_hosts mjsw
menjin_ms=$(storm menjin)
admitted=$(fpctl device-dump | grep -c "02:00:0b:00:.* admitted")
echo "menjin: $admitted of $N admitted in the fast path"
stop_supplicants
mk_hosts mjhsw
hostapd_ms=$(storm hostapd)
echo "menjin ${menjin_ms} ms, hostapd ${hostapd_ms} ms, ratio menjin/hostapd $(python3 -c "print(round($menjin_ms / max($hostapd_ms, 1), 2))")"
