#!/bin/bash
# build-image.sh DEB OUTDIR [IMAGE] — the bootable appliance image (`make image`).
#
#   OUTDIR/base/        Debian 12 minbase made by debootstrap, with the kernel,
#                       sshd, DPDK and menjin's runtime libraries (kept: it is
#                       rebuilt only when the package list changes)
#   OUTDIR/rootfs/      base + the menjin package + configuration
#   IMAGE               (default OUTDIR/menjin.img) raw disk, MBR: 1 = FAT boot (syslinux, kernel,
#                       initrd), 2 = ext4 root. Boots with BIOS (SeaBIOS in
#                       qemu); `dd` it onto the appliance's disk.
#
# Settings (environment):
#   PROFILE    appliance model, a name in hw/profiles/    default qemu-virt
#   SITE       site file                                  default hw/site.conf.example
#   ADMIN_KEY  public key of the first administrator (user `admin`, group
#              menjin-admin, lands in menjin-cli)          default none
#   MAINT_KEY  public key allowed to upgrade (root, forced to
#              `menjin-upgrade --ssh`)                     default none
#   MIRROR     Debian mirror                              default http://deb.debian.org/debian
# Needs root, debootstrap, mtools, dosfstools, syslinux, e2fsprogs, fdisk
# (`make deps-image`).
set -eu
DEB=${1:?usage: build-image.sh DEB OUTDIR [IMAGE]}
OUT=${2:?usage: build-image.sh DEB OUTDIR}
IMG=${3:-$2/menjin.img}
cd "$(dirname "$0")/../.."
TOP=$PWD
PROFILE=${PROFILE:-qemu-virt}
SITE=${SITE:-hw/site.conf.example}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
die() { echo "build-image: $*" >&2; exit 1; }
step() { echo "build-image: $*"; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, file ownership in the image)"
for t in debootstrap mkfs.ext4 mkfs.vfat mcopy syslinux sfdisk dpkg-deb; do
	command -v "$t" >/dev/null || die "$t is missing: run \`make deps-image\`"
done
[ -f "$DEB" ] || die "no package $DEB (make deb)"
[ -f "hw/profiles/$PROFILE.conf" ] || die "no profile hw/profiles/$PROFILE.conf"
[ -f "$SITE" ] || die "no site file $SITE"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
IMG=$(cd "$(dirname "$IMG")" && pwd)/$(basename "$IMG")
avail_mb=$(df -Pm "$OUT" | awk 'NR == 2 { print $4 }')
[ "$avail_mb" -ge 6000 ] || die "only ${avail_mb} MiB free under $OUT; the image build needs about 6 GiB"

# -- base: debootstrap, cached by its package list --------------------------------
# menjin's own dependencies (from the package) plus what the appliance needs
deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$' | sort -u)
pkgs=$(printf '%s\n' "$deps" systemd-sysv udev kmod linux-image-amd64 initramfs-tools openssh-server \
	iproute2 logrotate procps pciutils less | sort -u | tr '\n' ',' | sed 's/,$//')
stamp="$SUITE $MIRROR $pkgs"
if [ ! -f "$OUT/base.stamp" ] || [ "$(cat "$OUT/base.stamp")" != "$stamp" ]; then
	step "debootstrap $SUITE into $OUT/base (a few minutes)"
	rm -rf "$OUT/base" "$OUT/base.stamp"
	debootstrap --variant=minbase --include="$pkgs" "$SUITE" "$OUT/base" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$OUT/debootstrap.log" >&2; die "debootstrap failed (log: $OUT/debootstrap.log)"; }
	rm -f "$OUT"/base/var/cache/apt/archives/*.deb
	echo "$stamp" >"$OUT/base.stamp"
else
	step "reusing $OUT/base"
fi

# -- rootfs: base + menjin + configuration ------------------------------------------
step "rootfs"
rm -rf "$OUT/rootfs"
cp -a "$OUT/base" "$OUT/rootfs"
R=$OUT/rootfs
version=$(dpkg-deb -f "$DEB" Version)
install -d -m 0750 "$R/var/lib/menjin/releases"
cp "$DEB" "$R/var/lib/menjin/releases/menjin_${version}_amd64.deb"
echo "$version" >"$R/var/lib/menjin/releases/current"
chroot "$R" dpkg -i "/var/lib/menjin/releases/menjin_${version}_amd64.deb" >"$OUT/dpkg.log" 2>&1 ||
	{ cat "$OUT/dpkg.log" >&2; die "the menjin package does not install into the image"; }

echo menjin >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tmenjin\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
root_uuid=$(cat /proc/sys/kernel/random/uuid)
printf 'UUID=%s\t/\text4\tdefaults,noatime,errors=remount-ro\t0\t1\n' "$root_uuid" >"$R/etc/fstab"

# appliance profile and site file
install -d -m 0755 "$R/etc/menjin"
ln -sfn "/usr/share/menjin/profiles/$PROFILE.conf" "$R/etc/menjin/profile.conf"
install -m 0644 "$SITE" "$R/etc/menjin/site.conf"
eval "$(MENJIN_SYSFS=/nonexistent "$TOP/hw/menjin-profile" env "hw/profiles/$PROFILE.conf")"

# the management port: DHCP by its PCI path (systemd-networkd); the fast path
# ports get no .network file, so the kernel leaves them unconfigured
install -d "$R/etc/systemd/network"
cat >"$R/etc/systemd/network/10-menjin-mgmt.network" <<NET
# The management port of the $MJ_MODEL profile. Set a static address here
# for a real site ([Network] Address=, Gateway=, DNS=).
[Match]
Path=pci-$MJ_MGMT_PCI
[Network]
DHCP=yes
NET
chroot "$R" systemctl enable systemd-networkd.service ssh.service >/dev/null 2>&1
# an appliance changes only through menjin-upgrade or a new image
chroot "$R" systemctl disable apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true

# sshd: host keys are made on the first boot, never shipped in the image
rm -f "$R"/etc/ssh/ssh_host_*
install -d "$R/etc/systemd/system/ssh.service.d"
cat >"$R/etc/systemd/system/ssh.service.d/menjin-hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT

# accounts: no passwords at all; keys only
chroot "$R" passwd -l root >/dev/null
if [ -n "${ADMIN_KEY:-}" ]; then
	# api.sock belongs to the operator group; admins are operators too
	chroot "$R" useradd --create-home --shell /bin/sh --groups menjin-operator,menjin-admin admin
	chroot "$R" passwd -l admin >/dev/null
	install -d -m 0700 "$R/home/admin/.ssh"
	install -m 0600 "$ADMIN_KEY" "$R/home/admin/.ssh/authorized_keys"
	chroot "$R" chown -R admin:admin /home/admin/.ssh
fi
if [ -z "${ADMIN_KEY:-}" ]; then
	step "note: no ADMIN_KEY given: nobody can log in over SSH until a key is added to a menjin-admin account"
fi
if [ -n "${MAINT_KEY:-}" ]; then
	install -d -m 0700 "$R/root/.ssh"
	printf 'command="/usr/bin/menjin-upgrade --ssh",restrict %s\n' "$(cat "$MAINT_KEY")" >"$R/root/.ssh/authorized_keys"
	chmod 0600 "$R/root/.ssh/authorized_keys"
fi

kernel=$(find "$R/boot" -name 'vmlinuz-*' | sort -V | tail -n 1)
initrd=$(find "$R/boot" -name 'initrd.img-*' | sort -V | tail -n 1)
if [ -z "$kernel" ] || [ -z "$initrd" ]; then die "no kernel or initrd in $R/boot"; fi
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/*_Packages "$R"/tmp/*

# -- disk: MBR, FAT boot partition with syslinux, ext4 root --------------------------
step "disk image"
cmdline="root=UUID=$root_uuid ro console=tty0 console=ttyS0,115200 panic=10${MJ_KERNEL_ARGS:+ $MJ_KERNEL_ARGS}"
if [ "$MJ_HUGEPAGES" != 0 ]; then
	# reserved at boot, before memory fragments; menjin-hugepages checks them
	cmdline="$cmdline hugepagesz=$MJ_HUGEPAGE_SIZE hugepages=$MJ_HUGEPAGES"
fi
boot_mb=128
root_mb=$(( $(du -sm "$R" | cut -f1) * 13 / 10 + 512 ))
rm -f "$OUT/boot.part" "$OUT/root.part" "$IMG"
mkfs.vfat -C -n MENJINBOOT "$OUT/boot.part" $((boot_mb * 1024)) >/dev/null
cat >"$OUT/syslinux.cfg" <<CFG
SERIAL 0 115200
DEFAULT menjin
PROMPT 0
TIMEOUT 10
LABEL menjin
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND $cmdline
CFG
mcopy -i "$OUT/boot.part" "$kernel" ::/vmlinuz
mcopy -i "$OUT/boot.part" "$initrd" ::/initrd.img
mcopy -i "$OUT/boot.part" "$OUT/syslinux.cfg" ::/syslinux.cfg
syslinux --install "$OUT/boot.part"
rm -f "$OUT/syslinux.cfg"
mkfs.ext4 -q -F -L menjin-root -U "$root_uuid" -d "$R" "$OUT/root.part" "${root_mb}M" >/dev/null

boot_start=2048
boot_sectors=$((boot_mb * 2048))
root_start=$((boot_start + boot_sectors))
root_sectors=$((root_mb * 2048))
truncate -s $(( (root_start + root_sectors) * 512 )) "$IMG"
sfdisk -q "$IMG" <<PARTS
label: dos
start=$boot_start, size=$boot_sectors, type=c, bootable
start=$root_start, size=$root_sectors, type=83
PARTS
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$IMG" bs=440 count=1 conv=notrunc status=none
dd if="$OUT/boot.part" of="$IMG" bs=1M seek=$((boot_start / 2048)) conv=notrunc,sparse status=none
dd if="$OUT/root.part" of="$IMG" bs=1M seek=$((root_start / 2048)) conv=notrunc,sparse status=none
rm -f "$OUT/boot.part" "$OUT/root.part"
step "$IMG: menjin $version, profile $PROFILE, $(du -h --apparent-size "$IMG" | cut -f1) ($(du -h "$IMG" | cut -f1) on disk)"
