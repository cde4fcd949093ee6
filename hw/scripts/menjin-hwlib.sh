# shellcheck shell=bash
# menjin-hwlib.sh — sourced by the hw/scripts (not run): settings, the
# profile's values, and the dry-run switch the tests use.
#
# Environment (every path can be moved for tests and for a lab):
#   MENJIN_PROFILE  appliance profile      default /etc/menjin/profile.conf
#   MENJIN_SITE     site file              default /etc/menjin/site.conf
#   MENJIN_CONF     generated config       default /etc/menjin/menjin.conf
#   MENJIN_SYSFS    sysfs root             default /sys
#   MENJIN_STATE    runtime state folder   default /run/menjin
#   MENJIN_DRY_RUN  1: print the commands that change the machine, run none
#   MENJIN_PROFILE_TOOL  menjin-profile    default: beside these scripts, else PATH

MENJIN_PROFILE=${MENJIN_PROFILE:-/etc/menjin/profile.conf}
MENJIN_SITE=${MENJIN_SITE:-/etc/menjin/site.conf}
MENJIN_CONF=${MENJIN_CONF:-/etc/menjin/menjin.conf}
MENJIN_SYSFS=${MENJIN_SYSFS:-/sys}
MENJIN_STATE=${MENJIN_STATE:-/run/menjin}
MENJIN_DRY_RUN=${MENJIN_DRY_RUN:-0}
export MENJIN_SYSFS

hw_prog=$(basename "$0")

die() {
	echo "$hw_prog: $*" >&2
	exit 1
}

say() {
	echo "$hw_prog: $*"
}

# run CMD...: run a command that changes the machine, or only show it
run() {
	if [ "$MENJIN_DRY_RUN" = 1 ]; then
		echo "would run: $*"
	else
		"$@"
	fi
}

profile_tool() {
	if [ -n "${MENJIN_PROFILE_TOOL:-}" ]; then
		echo "$MENJIN_PROFILE_TOOL"
	elif [ -x "$(dirname "$0")/../menjin-profile" ]; then
		echo "$(dirname "$0")/../menjin-profile"
	elif [ -x /usr/bin/menjin-profile ]; then
		echo /usr/bin/menjin-profile
	else
		die "menjin-profile not found (set MENJIN_PROFILE_TOOL)"
	fi
}

# load_profile: the profile's values as MJ_* variables (see menjin-profile env)
load_profile() {
	local tool out
	[ -r "$MENJIN_PROFILE" ] || die "no appliance profile at $MENJIN_PROFILE (link one of /usr/share/menjin/profiles/*.conf there)"
	tool=$(profile_tool)
	out=$("$tool" env "$MENJIN_PROFILE") || die "profile $MENJIN_PROFILE refused (above)"
	eval "$out"
}

# pci_driver PCI: the driver a PCI function is bound to, empty if none
pci_driver() {
	local link=$MENJIN_SYSFS/bus/pci/devices/$1/driver
	if [ -L "$link" ]; then
		basename "$(readlink "$link")"
	fi
}
