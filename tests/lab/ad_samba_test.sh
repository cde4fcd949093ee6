#!/bin/bash
# tests/lab/ad_samba_test.sh BUILD — AD sync against a real Samba AD DC.
#
# The story: a township office's directory is set up from scratch (OUs,
# groups with nesting, computers, a service account). menjin's sync reads it
# over LDAPS. Then the administrator adds a computer, disables one, moves one
# from Teachers to Students, deletes one, retires one to another OU and puts
# one into Quarantine by changing only the group; the next incremental sync
# shows all of it, and a full reconciliation agrees with it. Identities bind
# to the right computers. StartTLS works, a DC whose certificate our CA did
# not sign and a wrong password are refused. The DC stops: the last good data
# stays in force with the error visible; it comes back: the sync recovers.
#
# Output is TAP ("ok - ..." / "not ok - ..."). Takes about a minute.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
source tests/lab/lib.sh
source tests/lab/adlab.sh

case $BUILD in /*) DRIVER=$BUILD/tests/adsync_live_test ;; *) DRIVER=$PWD/$BUILD/tests/adsync_live_test ;; esac
T0=$(date +%s)

if [ ! -x "$DRIVER" ]; then
	not_ok "the test driver $DRIVER is built (make)"
	exit 1
fi
for c in samba samba-tool ldapmodify openssl ip python3; do
	command -v "$c" >/dev/null || { not_ok "$c is installed (make deps)"; exit 1; }
done

WORK=$(mktemp -d /tmp/menjin-adlab.XXXXXX)
cleanup() { ad_lab_stop; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ad_lab_start "$WORK"; then
	not_ok "a Samba AD DC is provisioned and answers LDAPS on 127.0.0.1:636"
	exit 1
fi
ok "a Samba AD DC is provisioned and answers LDAPS on 127.0.0.1:636 ($(($(date +%s) - T0)) s)"

# ---- the office's directory ----------------------------------------------

set_attrs() { # name uac
	ad_ldap ldapmodify >/dev/null <<-EOF
	dn: CN=$1,$AD_COMPUTERS
	changetype: modify
	replace: userAccountControl
	userAccountControl: $2
	-
	replace: dNSHostName
	dNSHostName: ${1,,}.menjin.test
	-
	replace: operatingSystem
	operatingSystem: Windows 11 Pro
	-
	replace: operatingSystemVersion
	operatingSystemVersion: 10.0 (22631)
	EOF
}

add_computer() { # name: created the way an administrator would, then joined (enabled, named)
	ad_tool computer create "$1" --computerou="OU=Computers,OU=Office" >/dev/null && set_attrs "$1" 4096
}

setup_directory() {
	ad_service_account || return 1
	for ou in "OU=Office,$AD_NC" "$AD_COMPUTERS" "$AD_GROUPS" "OU=Retired,$AD_NC"; do
		ad_tool ou create "$ou" >/dev/null || return 1
	done
	for g in Teachers Students Staff Quarantine; do
		ad_tool group add "$g" --groupou="OU=Groups,OU=Office" >/dev/null || return 1
	done
	ad_tool group addmembers Staff Teachers >/dev/null || return 1
	for pc in PC01 PC02 PC03 LAB04 PC06; do add_computer "$pc" || return 1; done
	ad_tool group addmembers Teachers 'PC01$' >/dev/null &&
	ad_tool group addmembers Students 'PC02$,LAB04$' >/dev/null
}
check "the directory is set up: OUs, nested groups, 5 computers, a service account" setup_directory

export AD_LIVE_CONF=$WORK/ad.conf AD_LIVE_DB=$WORK/menjin.db
ad_conf "$AD_LIVE_CONF"

# run the driver in the DC's namespace; its output is in $WORK/out
sync_ad() {
	ad_ns "$DRIVER" "$@" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	sed 's/^/#   /' "$WORK/out" | grep -E '^#   (status|error|store-error|snapshot)'
	grep -E 'warning|error' "$WORK/err" | sed 's/^/#   stderr: /' | head -n 5
	return 0
}
has() { grep -qE -- "$1" "$WORK/out"; }
hasnt() { ! grep -qE -- "$1" "$WORK/out"; }
computer_lines() { grep '^computer ' "$WORK/out"; }

# ---- the first sync is a full one ---------------------------------------

sync_ad sync
check "first sync: full, succeeded" has '^status ok=1 kind=full '
check "5 computers and 4 groups under the bases" has '^snapshot computers=5 groups=4 '
check "PC01: enabled, its dNSHostName, OS, in Teachers and (nested) Staff" \
	has '^computer PC01\$ guid=[0-9a-f-]{36} state=enabled dns=pc01\.menjin\.test os="Windows 11 Pro" groups=Staff,Teachers$'
check "LAB04 and PC02 in Students" has '^computer LAB04\$ .* groups=Students$'

guid_of() { # name: objectGUID as ldapsearch sees it, in the usual string form
	ad_ldap ldapsearch -b "$AD_COMPUTERS" -LLL "(sAMAccountName=$1\$)" objectGUID |
		sed -n 's/^objectGUID:: //p' | python3 -c 'import sys,base64,uuid; print(uuid.UUID(bytes_le=base64.b64decode(sys.stdin.read())))'
}
G=$(guid_of PC01)
check "PC01's objectGUID is formatted as the usual GUID string ($G)" has "^computer PC01\\\$ guid=$G "

# ---- the administrator's changes -----------------------------------------

change_directory() {
	add_computer PC05 &&
	ad_tool group addmembers Students 'PC05$' >/dev/null &&
	set_attrs PC02 4098 &&
	ad_tool group removemembers Teachers 'PC01$' >/dev/null &&
	ad_tool group addmembers Students 'PC01$' >/dev/null &&
	ad_tool computer delete PC03 >/dev/null &&
	ad_tool computer move LAB04 "OU=Retired,$AD_NC" >/dev/null &&
	ad_tool group addmembers Quarantine 'PC06$' >/dev/null
}
check "changes: PC05 added, PC02 disabled, PC01 moved to Students, PC03 deleted, LAB04 retired, PC06 quarantined" \
	change_directory

sync_ad sync
check "second sync: incremental (same DC, same invocationID), succeeded" has '^status ok=1 kind=incremental '
check "a created computer appears (PC05, in Students)" has '^computer PC05\$ .*state=enabled .* groups=Students$'
check "a disabled computer is disabled (PC02)" has '^computer PC02\$ .*state=disabled '
check "a computer moved between groups: PC01 in Students only, no longer in Teachers/Staff" \
	has '^computer PC01\$ .* groups=Students$'
check "a deleted computer is gone (PC03)" hasnt '^computer PC03\$'
check "a computer moved out of computer_base is gone (LAB04)" hasnt '^computer LAB04\$'
check "a change of the group alone is seen (PC06 in Quarantine)" has '^computer PC06\$ .* groups=Quarantine$'
check "4 computers remain" has '^snapshot computers=4 groups=4 '
computer_lines >"$WORK/incremental.txt"

# ---- identity binding on the synced data ---------------------------------

ad_ns "$DRIVER" bind host/pc01.menjin.test - - >"$WORK/out" 2>&1
check "802.1X host/pc01.menjin.test binds PC01 by dNSHostName, account enabled, groups shown" \
	has '^bound PC01\$ guid=.* source=dot1x-host attr="dNSHostName" claim=host/pc01.menjin.test account=enabled groups=Students '
ad_ns "$DRIVER" bind 'MENJIN\PC02$' - - >"$WORK/out" 2>&1
check "802.1X MENJIN\\PC02\$ binds PC02 by sAMAccountName; account disabled" \
	has '^bound PC02\$ .* source=dot1x-account attr="sAMAccountName" .* account=disabled '
ad_ns "$DRIVER" bind - - pc05 >"$WORK/out" 2>&1
check "DHCP host name pc05 binds PC05, the source says dhcp-hostname" has '^bound PC05\$ .* source=dhcp-hostname '
ad_ns "$DRIVER" bind - pc03.menjin.test - >"$WORK/out" 2>&1
check "the deleted PC03 binds nothing" has '^unbound '

# ---- quiet poll, restart, full reconciliation ----------------------------

sync_ad sync
check "a poll with no changes: incremental, 0 changes" has '^status ok=1 kind=incremental changes=0 '
sync_ad sync full
check "a full reconciliation succeeds" has '^status ok=1 kind=full '
computer_lines >"$WORK/full.txt"
check "the full reconciliation agrees with the incremental result" cmp -s "$WORK/incremental.txt" "$WORK/full.txt"

# ---- tombstones through the Show Deleted control ---------------------------

# An administrator may read tombstones; with the sweep off, only they tell.
printf '%s\n' "$AD_ADMIN_PW" >"$WORK/admin.pass"
chmod 600 "$WORK/admin.pass"
sed -e "s|bind_dn = .*|bind_dn = \"Administrator@menjin.test\";|" \
    -e "s|password_file = .*|password_file = \"$WORK/admin.pass\"; deletion_sweep = false;|" \
	"$AD_LIVE_CONF" >"$WORK/admin.conf"
ad_tool computer delete PC06 >/dev/null
AD_LIVE_CONF=$WORK/admin.conf sync_ad sync
check "a deletion seen through its tombstone (Show Deleted, no sweep): PC06 gone" \
	eval 'has "^status ok=1 kind=incremental " && hasnt "^computer PC06\\$"'

# ---- TLS and credentials -------------------------------------------------

ad_conf "$WORK/starttls.conf" "$AD_DIR/tls/ca.pem" '"ldap://127.0.0.1"'
AD_LIVE_CONF=$WORK/starttls.conf sync_ad sync
check "StartTLS on ldap://127.0.0.1:389 works (the same DC: still incremental)" \
	has '^status ok=1 kind=incremental .* uri=ldap://127.0.0.1 '

ad_conf "$WORK/wrongca.conf" "$AD_DIR/tls/other-ca.pem"
AD_LIVE_CONF=$WORK/wrongca.conf sync_ad sync
check "a DC certificate not signed by ca_file is refused, the error says TLS" \
	eval '[ $RC -eq 2 ] && has "^error ldaps://127.0.0.1: connecting failed: 127.0.0.1 port 636 answers, but TLS failed: is the DC.s certificate signed by a CA in "'
check "... and the last good data stays in force" has '^snapshot computers=3 '

cp "$WORK/ad.pass" "$WORK/ad.pass.good"
printf 'wrong\n' >"$WORK/ad.pass"
sync_ad sync
check "a wrong password is refused: the bind error is visible" \
	eval '[ $RC -eq 2 ] && has "^error ldaps://127.0.0.1: bind as svc-menjin@menjin.test refused: Invalid credentials"'
chmod 640 "$WORK/ad.pass"
sync_ad sync
check "a group-readable password file is refused with a clear message" has '^error password file .* chmod 600'
cp "$WORK/ad.pass.good" "$WORK/ad.pass"
chmod 600 "$WORK/ad.pass"

# ---- a keytab instead of the password: SASL GSSAPI -------------------------

check "the service account's keys are exported to a keytab (samba-tool domain exportkeytab)" \
	ad_keytab_conf "$WORK/keytab.conf"
keytab_sync() { KRB5_CONFIG=$AD_DIR/krb5.conf AD_LIVE_CONF=$WORK/keytab.conf sync_ad sync; }
svc_uac() { # userAccountControl of the service account (512 enabled, 514 disabled)
	printf 'dn: CN=%s,CN=Users,%s\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: %s\n' \
		"$AD_SVC" "$AD_NC" "$1" | ad_ldap ldapmodify >/dev/null
}
keytab_sync
check "a keytab bind (GSSAPI as svc-menjin@MENJIN.TEST over LDAPS to dc1.menjin.test) syncs" \
	has '^status ok=1 .* uri=ldaps://dc1.menjin.test '
check "... the same data as the password bind" eval 'has "^status ok=1 " && has "^snapshot computers=3 "'
chmod 640 "$AD_DIR/svc.keytab"
keytab_sync
check "a group-readable keytab is refused with a clear message" \
	eval '[ $RC -eq 2 ] && has "^error keytab file .*svc.keytab: mode 0640 lets group or others read it; refused, run chmod 600"'
chmod 600 "$AD_DIR/svc.keytab"
svc_uac 514
keytab_sync
check "a disabled service account gets no ticket: the error says so" \
	eval '[ $RC -eq 2 ] && has "^error no ticket for svc-menjin@MENJIN.TEST from keytab: .*(revoked|disabled)"'
svc_uac 512

# ---- the DC stops, and comes back ----------------------------------------

kill "$AD_PID" 2>/dev/null
wait "$AD_PID" 2>/dev/null
AD_PID=""
ad_tool computer delete PC05 >/dev/null 2>&1     # unseen while the DC is down
sync_ad sync
check "with the DC stopped the sync fails and says which DC" \
	eval '[ $RC -eq 2 ] && has "^status ok=0 " && has "^error ldaps://127.0.0.1: connecting failed: cannot connect to 127.0.0.1 port 636: Connection refused"'
check "... and the last good data stays in force (PC01, PC02, PC05)" \
	eval 'has "^snapshot computers=3 " && has "^computer PC01\\$ " && has "^computer PC05\\$ "'

if ad_lab_run; then
	sync_ad sync
	check "the DC is back: the next sync succeeds and sees what changed meanwhile" \
		eval 'has "^status ok=1 kind=incremental " && hasnt "^computer PC05\\$"'
else
	not_ok "the DC is back: samba restarted"
fi

info "ad_samba_test took $(($(date +%s) - T0)) s"
[ "$TESTS_FAILED" -eq 0 ]
