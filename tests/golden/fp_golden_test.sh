#!/bin/bash
# Golden pcap test: frames read by net_pcap from files, through the real
# menjin-fp with a known table, written by net_pcap to files and compared
# byte for byte with the frames tests/golden/frames.py says must pass.
set -u
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lib.sh"

WORK=$(mktemp -d /tmp/mj-golden.XXXXXX)
trap 'fp_stop; rm -rf "$WORK"' EXIT

/usr/bin/python3 "$HERE/frames.py" "$WORK" || { not_ok "golden frames generated"; lab_finish; exit 1; }
read -r NLAN NUP <"$WORK/counts.txt"

cat >"$WORK/golden.conf" <<CONF
fastpath:
{
  socket = "$WORK/fp.sock";
  eal_args = [ "--no-huge", "-m", "256", "--no-shconf", "--no-pci", "--log-level", "notice" ];
  lcores = "0-1";
  ports = (
    { name = "lan0";   role = "lan";    devargs = "net_pcap0,rx_pcap=$WORK/lan_in.pcap,tx_pcap=$WORK/lan_out.pcap"; },
    { name = "uplink"; role = "uplink"; devargs = "net_pcap1,rx_pcap=$WORK/up_in.pcap,tx_pcap=$WORK/up_out.pcap"; }
  );
  max_devices = 1024;
  unknown_action = "quarantine";
  mbufs = 4095;
  hold_until_commit = true;
  capture_dir = "$WORK/capture";
};
quarantine:
{
  resolvers = [ "10.10.0.53" ];
  remediation = ( { address = "10.10.0.80"; ports = [ 80, 443 ]; } );
};
CONF

fp_start "$BUILD" "$WORK/golden.conf" "$WORK/fp.log" || { not_ok "menjin-fp starts on net_pcap"; lab_finish; exit 1; }
check "nothing is forwarded before the first COMMIT" sh -c "[ \$('$BUILD/menjin-fpctl' -s '$FP_SOCK' stats port.lan0.rx_pkts | awk '{print \$2}') -eq 0 ]"
check "the golden tables load" "$BUILD/menjin-fpctl" -s "$FP_SOCK" -f "$WORK/tables.fpctl"
check "every input frame is received" wait_for 100 sh -c \
	"[ \$('$BUILD/menjin-fpctl' -s '$FP_SOCK' stats port.lan0.rx_pkts | awk '{print \$2}') -eq $NLAN ] && \
	 [ \$('$BUILD/menjin-fpctl' -s '$FP_SOCK' stats port.uplink.rx_pkts | awk '{print \$2}') -eq $NUP ]"
"$BUILD/menjin-fpctl" -s "$FP_SOCK" stats >"$WORK/stats.txt"
fp_stop

while read -r name want; do
	got=$(awk -v n="$name" '$1 == n { print $2 }' "$WORK/stats.txt")
	check "counter $name is $want (got ${got:-none})" [ "${got:-x}" = "$want" ]
done <"$WORK/counters.txt"

compare() { # got expected
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys
from scapy.all import rdpcap
got = [bytes(p) for p in rdpcap(sys.argv[1])]
want = [bytes(p) for p in rdpcap(sys.argv[2])]
for i, (g, w) in enumerate(zip(got, want)):
    if g != w:
        print("# frame %d differs:\n#  got  %s\n#  want %s" % (i + 1, g.hex(), w.hex()))
        sys.exit(1)
if len(got) != len(want):
    print("# %d frames, expected %d" % (len(got), len(want)))
    sys.exit(1)
PY
}
check "uplink output equals the expected frames" compare "$WORK/up_out.pcap" "$WORK/up_expected.pcap"
check "LAN output equals the expected frames" compare "$WORK/lan_out.pcap" "$WORK/lan_expected.pcap"
lab_finish
