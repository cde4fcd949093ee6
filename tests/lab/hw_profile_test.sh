#!/bin/bash
# hw_profile_test.sh BUILD — the appliance profile tool and the pre-start
# scripts of hw/ against fake sysfs trees made here: an MJ-A2 with the right
# NICs, then the same machine with one thing wrong at a time. No NIC, no
# namespace and no hugepage is touched (the scripts run with MENJIN_DRY_RUN=1
# and say what they would run). Prints TAP lines "ok - ..." / "not ok - ...".
set -eu
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
ROOT=$PWD
FP=$ROOT/$BUILD/menjin-fp
TOOL=$ROOT/hw/menjin-profile
SCRIPTS=$ROOT/hw/scripts
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

n=0
ok() { n=$((n + 1)); echo "ok - $*"; }
notok() { n=$((n + 1)); echo "not ok - $*"; }
# expect_ok NAME CMD...: the command succeeds
expect_ok() {
	local name=$1; shift
	if "$@" >"$T/out" 2>&1; then ok "$name"; else notok "$name"; sed 's/^/    | /' "$T/out"; fi
}
# expect_refused NAME TEXT CMD...: the command fails and says TEXT
expect_refused() {
	local name=$1 text=$2; shift 2
	if "$@" >"$T/out" 2>&1; then
		notok "$name (accepted)"; sed 's/^/    | /' "$T/out"
	elif grep -qF -- "$text" "$T/out"; then
		ok "$name"
	else
		notok "$name (no \"$text\" in the message)"; sed 's/^/    | /' "$T/out"
	fi
}
# has NAME TEXT FILE / lacks NAME TEXT FILE
has() { if grep -qF -- "$2" "$3"; then ok "$1"; else notok "$1"; sed 's/^/    | /' "$3" || true; fi; }
lacks() { if grep -qF -- "$2" "$3"; then notok "$1"; sed 's/^/    | /' "$3"; else ok "$1"; fi; }

# fake_nic SYSFS PCI VENDOR DEVICE DRIVER [IFACE [IOMMU_GROUP [virtio]]]
fake_nic() {
	local s=$1 pci=$2 d=$1/bus/pci/devices/$2
	mkdir -p "$d" "$s/bus/pci/drivers/$5"
	echo "0x$3" >"$d/vendor"; echo "0x$4" >"$d/device"
	ln -sfn "../../../bus/pci/drivers/$5" "$d/driver"
	if [ -n "${6:-}" ]; then
		if [ "${8:-}" = virtio ]; then mkdir -p "$d/virtio${pci##*:}/net/$6"; else mkdir -p "$d/net/$6"; fi
	fi
	if [ -n "${7:-}" ]; then
		mkdir -p "$s/kernel/iommu_groups/$7"
		ln -sfn "../../../kernel/iommu_groups/$7" "$d/iommu_group"
	fi
}
rebind() { ln -sfn "../../../bus/pci/drivers/$3" "$1/bus/pci/devices/$2/driver"; mkdir -p "$1/bus/pci/drivers/$3"; }
hugepages() { # SYSFS KB TOTAL FREE
	mkdir -p "$1/kernel/mm/hugepages/hugepages-$2kB"
	echo "$3" >"$1/kernel/mm/hugepages/hugepages-$2kB/nr_hugepages"
	echo "$4" >"$1/kernel/mm/hugepages/hugepages-$2kB/free_hugepages"
}
# an MJ-A2 as it boots: every NIC on igb, 4 cores, no hugepages reserved yet
make_a2() {
	rm -rf "$1"; mkdir -p "$1/devices/system/cpu"
	echo 0-3 >"$1/devices/system/cpu/online"
	fake_nic "$1" 0000:01:00.0 8086 1539 igb eth0 1
	fake_nic "$1" 0000:02:00.0 8086 1539 igb eth1 2
	fake_nic "$1" 0000:03:00.0 8086 1539 igb eth2 3
	hugepages "$1" 2048 0 0
	hugepages "$1" 1048576 0 0
}
A2=$T/a2
A2PROF=$ROOT/hw/profiles/mj-a2.conf
SITE=$ROOT/hw/site.conf.example

# -- the profile files -------------------------------------------------------
for p in hw/profiles/*.conf; do
	expect_ok "profile $(basename "$p") is valid" "$TOOL" validate "$p"
done
bad_profile() { # NAME TEXT SED-EXPRESSION
	sed "$3" "$A2PROF" >"$T/bad.conf"
	expect_refused "$1" "$2" "$TOOL" validate "$T/bad.conf"
}
bad_profile "a management port on vfio-pci is refused" "must stay a kernel interface" \
	's/driver = "igb"/driver = "vfio-pci"/'
bad_profile "a profile without a management port is refused" "exactly one management port" \
	'/role = "management"/d'
bad_profile "a PCI address used twice is refused" "used twice" 's/0000:03:00.0/0000:02:00.0/'
bad_profile "an lcore used twice is refused" "lcore used twice" 's/workers = \[ 2, 3 \]/workers = [ 1, 3 ]/'
bad_profile "fail open without a bypass hook is refused" "fail open needs" 's/mode = "closed"/mode = "open"/'
bad_profile "an odd hugepage size is refused" "is not 2M or 1G" 's/size = "2M"/size = "4M"/'

# -- generate ------------------------------------------------------------------
make_a2 "$A2"
expect_ok "mj-a2 + site file generate a configuration menjin-fp accepts" \
	"$TOOL" --sysfs "$A2" generate "$A2PROF" "$SITE" -o "$T/a2.conf" --fp "$FP"
has "the ports are the profile's PCI addresses" 'devargs = "0000:02:00.0"' "$T/a2.conf"
lacks "the management port is not a fast path port" '0000:01:00.0";' "$T/a2.conf"
has "the lcore map becomes fastpath.lcores" 'lcores = "1,2,3"' "$T/a2.conf"
has "the site's quarantine section is kept" 'resolvers = [ "10.10.0.53" ]' "$T/a2.conf"
cp "$T/a2.conf" "$T/a2.before"
sed 's/unknown_action = "quarantine"/unknown_action = "admit-all"/' "$SITE" >"$T/site-bad.conf"
expect_refused "a site file menjin-fp refuses leaves the old configuration" "menjin-fp refused" \
	"$TOOL" --sysfs "$A2" generate "$A2PROF" "$T/site-bad.conf" -o "$T/a2.conf" --fp "$FP"
if cmp -s "$T/a2.conf" "$T/a2.before"; then ok "the old configuration is untouched"; else notok "the old configuration is untouched"; fi
printf 'fastpath: { lcores = "0-7"; };\n' >"$T/site-lcores.conf"
expect_refused "a site file cannot override the hardware settings" "fastpath.lcores is set by the appliance profile" \
	"$TOOL" --sysfs "$A2" generate "$A2PROF" "$T/site-lcores.conf" --no-check

Q=$T/qemu
mkdir -p "$Q/devices/system/cpu"; echo 0-1 >"$Q/devices/system/cpu/online"
fake_nic "$Q" 0000:00:03.0 1af4 1000 virtio-pci eth0 "" virtio
fake_nic "$Q" 0000:00:04.0 1af4 1000 virtio-pci eth1 "" virtio
fake_nic "$Q" 0000:00:05.0 1af4 1000 virtio-pci eth2 "" virtio
hugepages "$Q" 2048 128 128
expect_ok "qemu-virt: af_packet ports are found by PCI address" \
	"$TOOL" --sysfs "$Q" generate hw/profiles/qemu-virt.conf "$SITE" -o "$T/q.conf" --fp "$FP"
has "qemu-virt: LAN port on its kernel interface" 'devargs = "net_af_packet0,iface=eth1,qpairs=1"' "$T/q.conf"
has "qemu-virt: uplink port on its kernel interface" 'devargs = "net_af_packet1,iface=eth2,qpairs=1"' "$T/q.conf"
expect_ok "qemu-virt: the virtual machine fits its profile" "$TOOL" --sysfs "$Q" check hw/profiles/qemu-virt.conf

# -- pre-start checks ------------------------------------------------------------
expect_ok "mj-a2 machine fits before binding" "$TOOL" --sysfs "$A2" check --phase before-bind "$A2PROF"
expect_refused "NICs still on igb are refused after binding" "bound to igb, the profile expects vfio-pci" \
	"$TOOL" --sysfs "$A2" check --phase after-bind "$A2PROF"
rebind "$A2" 0000:02:00.0 vfio-pci; rebind "$A2" 0000:03:00.0 vfio-pci
expect_refused "too few free hugepages are refused" "the profile needs 512" \
	"$TOOL" --sysfs "$A2" check --phase after-bind "$A2PROF"
hugepages "$A2" 2048 512 512
expect_ok "bound and with hugepages, the mj-a2 machine is ready" "$TOOL" --sysfs "$A2" check --phase after-bind "$A2PROF"

make_a2 "$A2"; rm -rf "$A2/bus/pci/devices/0000:03:00.0"
expect_refused "a missing PCI address is refused" "0000:03:00.0): no PCI device at this address" \
	"$TOOL" --sysfs "$A2" check --phase before-bind "$A2PROF"
make_a2 "$A2"; echo 0x10d3 >"$A2/bus/pci/devices/0000:02:00.0/device"
expect_refused "a wrong vendor/device is refused" "found 8086:10d3, the mj-a2 profile expects 8086:1539" \
	"$TOOL" --sysfs "$A2" check --phase before-bind "$A2PROF"
make_a2 "$A2"; rebind "$A2" 0000:01:00.0 vfio-pci
expect_refused "a management port on vfio-pci is refused" "the management port must stay a kernel interface" \
	"$TOOL" --sysfs "$A2" check --phase before-bind "$A2PROF"
make_a2 "$A2"; ln -sfn ../../../kernel/iommu_groups/1 "$A2/bus/pci/devices/0000:02:00.0/iommu_group"
expect_refused "a fast path NIC sharing the management port's IOMMU group is refused" "shares IOMMU group 1" \
	"$TOOL" --sysfs "$A2" check --phase before-bind "$A2PROF"
make_a2 "$A2"; echo 0-1 >"$A2/devices/system/cpu/online"
expect_refused "missing lcores are refused" "lcores [2, 3] are not online" \
	"$TOOL" --sysfs "$A2" check --phase before-bind "$A2PROF"
expect_refused "the mj-r8 profile is refused on an mj-a2" "wrong profile" \
	"$TOOL" --sysfs "$A2" check --phase before-bind hw/profiles/mj-r8.conf
expect_refused "a fail open profile without its bypass hook is refused" "fail hook /etc/menjin/bypass-hook is missing" \
	"$TOOL" --sysfs "$A2" check --phase before-bind hw/profiles/mj-r8.conf

# -- the scripts (dry run) ------------------------------------------------------------
export MENJIN_DRY_RUN=1 MENJIN_STATE=$T/run MENJIN_PROFILE_TOOL=$TOOL MENJIN_FP=$FP
export MENJIN_SITE=$SITE MENJIN_CONF=$T/etc-menjin.conf
make_a2 "$A2"
expect_ok "menjin-bind bind" env MENJIN_SYSFS="$A2" MENJIN_PROFILE="$A2PROF" "$SCRIPTS/menjin-bind" bind
cp "$T/out" "$T/bind.out"
has "menjin-bind binds the LAN port with dpdk-devbind.py" "would run: dpdk-devbind.py --force -b vfio-pci 0000:02:00.0" "$T/bind.out"
has "menjin-bind binds the uplink port" "would run: dpdk-devbind.py --force -b vfio-pci 0000:03:00.0" "$T/bind.out"
lacks "menjin-bind leaves the management port alone" "0000:01:00.0" "$T/bind.out"
has "menjin-bind remembers the kernel driver" "0000:02:00.0 igb" "$T/run/bound"
expect_ok "menjin-bind unbind" env MENJIN_SYSFS="$A2" MENJIN_PROFILE="$A2PROF" "$SCRIPTS/menjin-bind" unbind
has "menjin-bind gives the ports back to igb" "would run: dpdk-devbind.py -b igb 0000:02:00.0" "$T/out"
expect_ok "menjin-hugepages setup" env MENJIN_SYSFS="$A2" MENJIN_PROFILE="$A2PROF" "$SCRIPTS/menjin-hugepages" setup
has "menjin-hugepages reserves 512 x 2M with dpdk-hugepages.py" "would run: dpdk-hugepages.py --pagesize 2M --setup 1024M" "$T/out"
rm -rf "$T/run"
expect_ok "menjin-prestart on a fitting machine" env MENJIN_SYSFS="$A2" MENJIN_PROFILE="$A2PROF" "$SCRIPTS/menjin-prestart"
has "menjin-prestart writes the validated configuration" "checked by menjin-fp" "$T/out"
expect_refused "menjin-prestart refuses the wrong profile" "refusing to start: wrong profile for this machine" \
	env MENJIN_SYSFS="$A2" MENJIN_PROFILE=hw/profiles/mj-r8.conf "$SCRIPTS/menjin-prestart"
lacks "menjin-prestart binds nothing on the wrong profile" "dpdk-devbind" "$T/out"
expect_refused "menjin-prestart without a profile says where it belongs" "no appliance profile at" \
	env MENJIN_SYSFS="$A2" MENJIN_PROFILE="$T/none.conf" "$SCRIPTS/menjin-prestart"

# fail open: the example hook records what it was told
sed "s|/etc/menjin/bypass-hook|$SCRIPTS/bypass-hook.example|" hw/profiles/mj-r8.conf >"$T/r8.conf"
export MENJIN_BYPASS_STATE=$T/bypass.state
expect_ok "fail open: up" env MENJIN_DRY_RUN=0 MENJIN_PROFILE="$T/r8.conf" "$SCRIPTS/menjin-failmode" up
has "fail open: the watchdog is armed" "armed 3000" "$T/bypass.state"
expect_ok "fail open: down" env MENJIN_DRY_RUN=0 MENJIN_PROFILE="$T/r8.conf" "$SCRIPTS/menjin-failmode" down
has "fail open: the relay joins LAN and uplink when the fast path stops" "bypass" "$T/bypass.state"
expect_ok "fail closed: down" env MENJIN_SYSFS="$Q" MENJIN_PROFILE=hw/profiles/qemu-virt.conf "$SCRIPTS/menjin-failmode" down
has "fail closed: af_packet ports are set down" "would run: ip link set dev eth1 down" "$T/out"

expect_ok "hw scripts are shellcheck-clean" shellcheck -x hw/scripts/menjin-* hw/scripts/bypass-hook.example \
	hw/image/*.sh
echo "1..$n"
