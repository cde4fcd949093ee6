#!/bin/bash
# test-image.sh BUILD OUTDIR VERSION — `make test-image`: boot the appliance
# image in qemu-system-x86_64 (software emulation, no KVM) and use it the way
# an administrator and the upgrade tooling would, over SSH only.
#
# The VM: pc machine, 2 vCPUs (-cpu max: DPDK needs SSE4.2), 2 GiB, the
# image as a virtio disk behind a throw-away qcow2 overlay, and the three
# virtio NICs of hw/profiles/qemu-virt.conf: 00:03.0 management (user-mode
# networking, SSH forwarded from 127.0.0.1 only), 00:04.0 LAN and 00:05.0
# uplink (isolated user-mode networks, restrict=on; the fast path drives
# them with net_af_packet).
#
# Checks: boot and SSH; `menjin-cli show stats` answers for the
# administrator; no shell, no password, no forwarding; the upgrade key
# installs version+1, refuses a broken version+2 by rolling back on its own
# (SSH keeps working while the fast path is down), and rolls back to the
# image's version. TAP lines, then "N passed, N failed".
set -eu
BUILD=${1:?usage: test-image.sh BUILD OUTDIR VERSION}
OUT=${2:?usage: test-image.sh BUILD OUTDIR VERSION}
VERSION=${3:?usage: test-image.sh BUILD OUTDIR VERSION}
cd "$(dirname "$0")/../.."
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
ACCEL=${ACCEL:-tcg}
die() { echo "test-image: $*" >&2; exit 1; }

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: make deps-image"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
T=$OUT/test
rm -rf "$T"; mkdir -p "$T"
qemu_pid=""
cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 1; done
		kill -9 "$qemu_pid" 2>/dev/null || true
	fi
	rm -f "$T/overlay.qcow2"
}
trap cleanup EXIT

passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
notok() { failed=$((failed + 1)); echo "not ok - $*"; sed 's/^/    | /' "$T/last" 2>/dev/null | tail -n 25 || true; }
check() { # NAME: the last command's status in $rc, its output in $T/last
	if [ "$rc" = 0 ]; then ok "$1"; else notok "$1 (exit $rc)"; fi
}
expect_text() { # NAME TEXT
	if grep -qF -- "$2" "$T/last"; then ok "$1"; else notok "$1 (no \"$2\")"; fi
}
expect_line() { # NAME LINE: a whole line
	if grep -qxF -- "$2" "$T/last"; then ok "$1"; else notok "$1 (no line \"$2\")"; fi
}

# -- packages and the image ---------------------------------------------------------
echo "# packages: $VERSION (image), $VERSION+up1 (upgrade), $VERSION+up2 (broken)"
deb=$OUT/menjin_${VERSION}_amd64.deb
bash hw/image/mkdeb.sh "$BUILD" "$OUT" "$VERSION" >/dev/null
bash hw/image/mkdeb.sh "$BUILD" "$T" "$VERSION+up1" >/dev/null
bash hw/image/mkdeb.sh "$BUILD" "$T" "$VERSION+up2" --broken >/dev/null
ssh-keygen -q -t ed25519 -N '' -C menjin-test-admin -f "$T/admin_key"
ssh-keygen -q -t ed25519 -N '' -C menjin-test-upgrade -f "$T/maint_key"
start=$(date +%s)
PROFILE=qemu-virt ADMIN_KEY=$T/admin_key.pub MAINT_KEY=$T/maint_key.pub \
	bash hw/image/build-image.sh "$deb" "$OUT" "$OUT/menjin-test.img"
echo "# image built in $(( $(date +%s) - start )) s"

# -- boot ------------------------------------------------------------------------------------
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
qemu-img create -q -f qcow2 -F raw -b "$OUT/menjin-test.img" "$T/overlay.qcow2"
qemu-system-x86_64 -M pc -accel "$ACCEL" -cpu max -smp 2 -m 2048 \
	-display none -vga none -monitor none -serial "file:$T/serial.log" \
	-drive "file=$T/overlay.qcow2,if=none,id=disk,format=qcow2" -device virtio-blk-pci,drive=disk,addr=0x6 \
	-netdev "user,id=mgmt,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=mgmt,addr=0x3 \
	-netdev user,id=lan,restrict=on -device virtio-net-pci,netdev=lan,addr=0x4 \
	-netdev user,id=uplink,restrict=on -device virtio-net-pci,netdev=uplink,addr=0x5 \
	</dev/null >"$T/qemu.log" 2>&1 &
qemu_pid=$!
echo "# qemu pid $qemu_pid, accel $ACCEL, SSH on 127.0.0.1:$port, console in $T/serial.log"

SSH_OPTS=(-p "$port" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o BatchMode=yes -o ConnectTimeout=20 -o LogLevel=ERROR -o ServerAliveInterval=15 -o ServerAliveCountMax=8)
as_admin() { timeout 300 ssh "${SSH_OPTS[@]}" -i "$T/admin_key" admin@127.0.0.1 "$@"; }
as_maint() { timeout 900 ssh "${SSH_OPTS[@]}" -i "$T/maint_key" root@127.0.0.1 "$@"; }
run() { # CMD...: run, output to $T/last, status to $rc
	rc=0; "$@" >"$T/last" 2>&1 || rc=$?
}

start=$(date +%s)
booted=0
while [ $(( $(date +%s) - start )) -lt "$BOOT_TIMEOUT" ]; do
	kill -0 "$qemu_pid" 2>/dev/null || { cat "$T/qemu.log"; die "qemu exited"; }
	if as_admin show stats >"$T/last" 2>&1; then booted=1; break; fi
	sleep 10
done
boot_s=$(( $(date +%s) - start ))
if [ "$booted" = 1 ]; then
	rc=0; check "boots, and \`menjin-cli show stats\` answers over SSH (${boot_s}s)"
else
	rc=1; check "boots, and \`menjin-cli show stats\` answers over SSH (gave up after ${boot_s}s)"
	echo "# serial console (tail):"; tail -n 60 "$T/serial.log" | sed 's/^/    | /'
	echo "$passed passed, $failed failed"; exit 1
fi
expect_text "show stats carries the fast path's counters" 'pipeline.pkts'
sed 's/^/    # /' "$T/last" | head -n 30

run as_admin id
if grep -q 'uid=' "$T/last"; then rc=1; else rc=0; fi
check "the administrator gets the CLI, never a shell (ForceCommand)"
run ssh "${SSH_OPTS[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
	admin@127.0.0.1 show stats
expect_text "password logins are refused" "Permission denied (publickey)"
run as_admin -o ExitOnForwardFailure=yes -R 127.0.0.1:2222:127.0.0.1:22 show version
expect_text "port forwarding is refused" "forwarding failed"
run as_maint id
if [ "$rc" != 0 ] && ! grep -q 'uid=' "$T/last"; then rc=0; else rc=1; fi
check "the upgrade key runs menjin-upgrade only"
run as_maint status
check "upgrade status"
expect_line "the image runs $VERSION" "installed: $VERSION"
expect_text "menjin-fp is active" "menjin-fp.service: active"
if grep -q "menjind.service" "$T/last"; then expect_text "menjind is active" "menjind.service: active"; fi
sed 's/^/    # /' "$T/last"

# -- upgrade, failed upgrade, rollback ----------------------------------------------
run as_maint "install -" <"$T/menjin_${VERSION}+up1_amd64.deb"
check "upgrade to $VERSION+up1"
run as_maint status
expect_line "$VERSION+up1 is installed" "installed: $VERSION+up1"
run as_admin show stats
check "show stats answers after the upgrade"

as_maint "install -" <"$T/menjin_${VERSION}+up2_amd64.deb" >"$T/broken.out" 2>&1 &
broken_pid=$!
sleep 45
run as_admin show stats
# 255 is ssh's own failure; anything else means the login reached the CLI
if [ "$rc" != 255 ]; then rc=0; fi
check "SSH logins work while the fast path is down (the management port is a kernel interface)"
rc=0; wait "$broken_pid" || rc=$?
cp "$T/broken.out" "$T/last"
if [ "$rc" != 0 ]; then rc=0; else rc=1; fi
check "a broken upgrade ($VERSION+up2) is refused"
expect_text "and rolled back by itself" "rolled back to $VERSION+up1"
run as_maint journal menjin-fp
expect_text "fail closed: the LAN and uplink ports were taken down while the fast path was down" \
	"fail closed: fast path down, LAN and uplink ports down"
run as_maint status
expect_line "$VERSION+up1 runs again" "installed: $VERSION+up1"
expect_text "the fast path ports are up again" "(af_packet), link UP"
run as_admin show stats
check "show stats answers after the automatic rollback"

run as_maint rollback
check "rollback to the image's version"
run as_maint status
expect_line "$VERSION is installed again" "installed: $VERSION"
run as_admin show stats
check "show stats answers after the rollback"

echo "# serial console: $T/serial.log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
