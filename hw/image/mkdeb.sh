#!/bin/bash
# mkdeb.sh BUILD OUTDIR VERSION [--broken] — pack the built tree into
# OUTDIR/menjin_VERSION_amd64.deb with dpkg-deb (`make deb`).
#
# BUILD holds the programs: every executable BUILD/menjin* is packed
# (menjin-fp, menjin-fpctl, menjind, menjin-cli, ... as far as built). Runtime dependencies come from dpkg-shlibdeps. When
# a daemon does not send sd_notify messages, its unit gets the no-notify
# drop-in (readiness by socket, no watchdog). When menjin-cli was not built
# the package carries hw/image/menjin-cli-standin as /usr/bin/menjin-cli.
# --broken packs a menjin-fp that exits at once (the image test's failed
# upgrade, which must roll back by itself).
set -eu
BUILD=${1:?usage: mkdeb.sh BUILD OUTDIR VERSION [--broken]}
OUT=${2:?usage: mkdeb.sh BUILD OUTDIR VERSION [--broken]}
VERSION=${3:?usage: mkdeb.sh BUILD OUTDIR VERSION [--broken]}
BROKEN=${4:-}
cd "$(dirname "$0")/../.."
die() { echo "mkdeb: $*" >&2; exit 1; }

for b in menjin-fp menjin-fpctl; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b is not built (make BUILD=$BUILD)"
done
for t in dpkg-deb dpkg-shlibdeps; do
	command -v "$t" >/dev/null || die "$t is needed (apt-get install dpkg-dev)"
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/menjin/hw" "$root/usr/share/menjin/profiles" \
	"$root/usr/share/doc/menjin" "$root/lib/systemd/system" "$root/etc/logrotate.d" \
	"$root/etc/ssh/sshd_config.d" "$root/etc/systemd/journald.conf.d"

# every program the build made: menjin-fp, menjin-fpctl, and menjind,
# menjin-cli, menjin-bundle, ... when they exist
bins=""
for f in "$BUILD"/menjin*; do
	if [ -f "$f" ] && [ -x "$f" ]; then bins="$bins $(basename "$f")"; fi
done
bins=${bins# }
for b in $bins; do
	install -m 0755 "$BUILD/$b" "$root/usr/bin/$b"
done
elf_bins=$(for b in $bins; do echo "$root/usr/bin/$b"; done)
if [ ! -x "$BUILD/menjin-cli" ]; then
	install -m 0755 hw/image/menjin-cli-standin "$root/usr/bin/menjin-cli"
fi
if [ "$BROKEN" = --broken ]; then
	printf '#!/bin/sh\necho "menjin-fp: this build is broken on purpose (image test)" >&2\nexit 1\n' >"$root/usr/bin/menjin-fp"
fi
install -m 0755 hw/menjin-profile "$root/usr/bin/menjin-profile"
install -m 0755 hw/scripts/menjin-upgrade "$root/usr/bin/menjin-upgrade"
for s in menjin-prestart menjin-hugepages menjin-bind menjin-failmode menjin-wait bypass-hook.example; do
	install -m 0755 "hw/scripts/$s" "$root/usr/lib/menjin/hw/$s"
done
install -m 0644 hw/scripts/menjin-hwlib.sh "$root/usr/lib/menjin/hw/menjin-hwlib.sh"
install -m 0644 hw/profiles/*.conf "$root/usr/share/menjin/profiles/"
install -m 0644 configs/menjin.conf "$root/usr/share/menjin/menjin.conf"
install -m 0644 hw/site.conf.example "$root/usr/share/menjin/site.conf.example"
install -m 0644 docs/appliance.md docs/fastpath.md "$root/usr/share/doc/menjin/"
for u in menjin-hw menjin-fp menjin-failmode; do
	install -m 0644 "hw/systemd/$u.service" "$root/lib/systemd/system/"
done
if [ -x "$BUILD/menjind" ]; then
	install -m 0644 hw/systemd/menjind.service "$root/lib/systemd/system/"
fi
# a daemon that does not speak sd_notify gets readiness by socket instead
for d in menjin-fp menjind; do
	[ -f "$root/lib/systemd/system/$d.service" ] || continue
	if ! grep -qaE 'sd_notify|NOTIFY_SOCKET' "$BUILD/$d"; then
		install -D -m 0644 "hw/systemd/no-notify/$d.conf" "$root/lib/systemd/system/$d.service.d/no-notify.conf"
		echo "mkdeb: $d does not send sd_notify: packed with the no-notify drop-in"
	fi
done
install -m 0644 hw/logrotate/menjin "$root/etc/logrotate.d/menjin"
install -m 0644 hw/ssh/menjin.conf "$root/etc/ssh/sshd_config.d/menjin.conf"
install -m 0644 hw/journald/menjin.conf "$root/etc/systemd/journald.conf.d/menjin.conf"

# runtime libraries of the ELF programs, as dpkg-shlibdeps finds them
mkdir -p "$stage/debian"
printf 'Source: menjin\n\nPackage: menjin\nArchitecture: amd64\n' >"$stage/debian/control"
# shellcheck disable=SC2086 # one word per program
shlibs=$(cd "$stage" && dpkg-shlibdeps -O --ignore-missing-info -e $elf_bins 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no dependencies for $elf_bins"

# DPDK drivers are plugins, loaded by the EAL at start, not linked: the
# buses, the mempool, af_packet (virtual appliances) and the NICs of the
# profiles (e1000 = igb family, igc, ixgbe, i40e, virtio), by the package
# that holds each on this build machine
pmds=""
for p in bus_pci bus_vdev mempool_ring net_af_packet net_e1000 net_igc net_ixgbe net_i40e net_virtio; do
	pkg=$(dpkg -S "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/dpdk/pmds-*/librte_$p.so.*" 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$pkg" ] || die "no installed package holds the DPDK driver librte_$p (is dpdk installed?)"
	pmds="$pmds, $pkg"
done

size=$(du -sk "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: menjin
Version: $VERSION
Architecture: amd64
Maintainer: menjin appliance team <root@localhost>
Installed-Size: $size
Depends: $shlibs$pmds, python3, python3-libconf, dpdk, iproute2, kmod, logrotate, openssh-server, systemd
Section: net
Priority: optional
Description: menjin network access control appliance
 The DPDK fast path (menjin-fp, menjin-fpctl), the control plane (menjind),
 the administrators' CLI, the appliance profiles, hardware scripts, systemd
 units and the upgrade tool with rollback (menjin-upgrade).
CONTROL
printf '/etc/logrotate.d/menjin\n/etc/ssh/sshd_config.d/menjin.conf\n/etc/systemd/journald.conf.d/menjin.conf\n' \
	>"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
# menjin postinst: groups for the management API, units enabled. Services
# are restarted by menjin-upgrade, which also checks they came up.
set -e
if [ "$1" = configure ]; then
	for g in menjin-admin menjin-operator; do
		getent group "$g" >/dev/null || groupadd --system "$g"
	done
	install -d -m 0750 /var/lib/menjin /var/lib/menjin/releases /var/log/menjin
	install -d -m 0750 /var/lib/menjin/capture
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload || true
	fi
	for u in menjin-hw.service menjin-fp.service menjin-failmode.service menjind.service; do
		if [ -f "/lib/systemd/system/$u" ]; then
			systemctl enable "$u" >/dev/null 2>&1 || true
		fi
	done
fi
exit 0
POSTINST
cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = remove ] || [ "$1" = purge ]; then
	if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
fi
exit 0
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"
mkdir -p "$OUT"
deb=$OUT/menjin_${VERSION}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "mkdeb: $deb ($(du -h "$deb" | cut -f1), programs: $bins${BROKEN:+, broken on purpose})"
