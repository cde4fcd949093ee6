#!/bin/bash
# tests/lab/cp_ad_test.sh BUILD — Active Directory decides at the office door,
# told by the township's IT officer:
#   The office's directory (a real Samba AD DC, provisioned for the run) has
#   the computers PC01 in Teachers and PC02 in Students. menjind reads it
#   over LDAPS; its policy blocks a disabled computer account, gives Teachers
#   the staff role and Students the contractor role. PC01 asks for an address
#   with DHCP host name "PC01": it binds to the AD computer PC01$ (device.show
#   says by what), gets the staff role and reaches the file server. The
#   administrator disables PC01's account in AD: after ad.sync the PC is
#   blocked and its traffic stops. Enabled again and moved from Teachers to
#   Students, it gets the contractor role (web only, no ping). Deleted from
#   AD, it falls to the default quarantine. The DC stops: ad.sync fails,
#   ad.status shows the error and the age of the data, and PC02 keeps its
#   role from the last good data.
#
# Needs: root, samba (make deps), dhclient, the build.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib.sh
. tests/lab/cp_lib.sh
. tests/lab/adlab.sh

[ "$(id -u)" -eq 0 ] || { echo "not ok - lab tests need root"; exit 1; }
if [ ! -x "$BUILD/menjin-fp" ] || [ ! -x "$BUILD/menjind" ]; then
	echo "not ok - build menjin-fp and menjind first"; exit 1
fi
for c in samba samba-tool ldapmodify openssl dhclient socat; do
	command -v "$c" >/dev/null || { echo "not ok - $c is installed (make deps)"; exit 1; }
done

WORK=$(mktemp -d /tmp/menjin-cpad.XXXXXX)
cleanup() { [ -n "${CP_DIR:-}" ] && cp_cleanup; ad_lab_stop; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# The DC first, before the office's lock is taken: provisioning takes a while.
if ! ad_lab_start "$WORK"; then
	not_ok "a Samba AD DC is provisioned and answers LDAPS"
	exit 1
fi
ok "a Samba AD DC is provisioned and answers LDAPS"

uac() { # computer value: userAccountControl (4096 enabled workstation, 4098 disabled)
	ad_ldap ldapmodify >/dev/null <<-EOF
	dn: CN=$1,$AD_COMPUTERS
	changetype: modify
	replace: userAccountControl
	userAccountControl: $2
	EOF
}
add_computer() { # name group
	ad_tool computer create "$1" --computerou="OU=Computers,OU=Office" >/dev/null &&
		uac "$1" 4096 && ad_tool group addmembers "$2" "$1\$" >/dev/null
}
setup_directory() {
	ad_service_account || return 1
	for ou in "OU=Office,$AD_NC" "$AD_COMPUTERS" "$AD_GROUPS"; do
		ad_tool ou create "$ou" >/dev/null || return 1
	done
	for g in Teachers Students; do
		ad_tool group add "$g" --groupou="OU=Groups,OU=Office" >/dev/null || return 1
	done
	add_computer PC01 Teachers && add_computer PC02 Students
}
check "the directory: PC01 in Teachers, PC02 in Students, a service account" setup_directory

PC1=${LAB_MAC[mjpc1]}
PC2=${LAB_MAC[mjpc2]}
cp_setup "$BUILD" || { not_ok "office and fast path start"; exit 1; }

# The AD rules go first; the rest of the lab policy stays as it is.
sed -i 's|^policy = (|policy = (\
  { name = "lab-ad-disabled"; match = { account = "disabled"; };\
    verdict = "block"; reason = "AD computer account of {hostname} is disabled"; },\
  { name = "lab-ad-teachers"; match = { ad_group = "Teachers"; };\
    verdict = "admit"; role = "staff"; reason = "AD computer {hostname} in Teachers"; },\
  { name = "lab-ad-students"; match = { ad_group = "Students"; };\
    verdict = "admit"; role = "contractor"; reason = "AD computer {hostname} in Students"; },|' "$CONF"
ad_conf "$WORK/ad.conf"
cat "$WORK/ad.conf" >>"$CONF"

# menjind runs in the DC's namespace: the DC listens on that namespace's
# 127.0.0.1, and everything else menjind talks to is a Unix socket.
cp_start_ad() {
	ip netns exec "$AD_NS" "$BUILD/menjind" -c "$CONF" -f ${MENJIND_DEBUG:+-d} >>"$CP_DIR/menjind.log" 2>&1 9>&- &
	CP_PID=$!
	wait_for 100 cp_ready
}
check "menjind starts with an ad {} section and syncs the fast path" cp_start_ad

ad_status() { api ad.status | jget "r[\"result\"][\"$1\"]"; }
synced_after() { [ "$(ad_status last_success)" -gt "$1" ] 2>/dev/null; }
attempted_after() { [ "$(ad_status last_attempt)" -gt "$1" ] 2>/dev/null && [ "$(ad_status running)" = False ]; }
# ad_sync: ask for a sync and wait until one has succeeded after the request
ad_sync() {
	local t
	t=$(date +%s)
	# last_* are whole seconds: a sync in the same second must count
	t=$((t - 1))
	api ad.sync >/dev/null
	wait_for 300 synced_after "$t"
}
check "the first sync succeeds" wait_for 300 synced_after 0
check "ad.status: 2 computers, 2 groups" \
	test "$(ad_status computers)/$(ad_status groups)" = 2/2

# dhcp_hello NS NAME: a real DHCP client sends host name NAME (no server answers)
dhcp_hello() {
	printf 'send host-name "%s";\n' "$2" >"$CP_DIR/dhclient-$1.conf"
	in_ns "$1" timeout 3 dhclient -1 -d -cf "$CP_DIR/dhclient-$1.conf" -lf "$CP_DIR/dhclient-$1.leases" \
		-pf "$CP_DIR/dhclient-$1.pid" -sf /bin/true eth0 >/dev/null 2>&1
	true
}
show() { api device.show "{\"mac\":\"$1\"}"; }
rule_is() { [ "$(show "$1" | jget 'r["result"]["verdict"]["rule"]')" = "$2" ]; }
role_is() { [ "$(show "$1" | jget 'r["result"]["verdict"]["role"]')" = "$2" ]; }
# rule_role_is MAC RULE ROLE
rule_role_is() { rule_is "$1" "$2" && role_is "$1" "$3"; }

info "PC01 and PC02 ask for addresses with their AD names"
dhcp_hello mjpc1 PC01
dhcp_hello mjpc2 pc02
check "PC01 is admitted by its AD group Teachers" wait_for 50 rule_is "$PC1" lab-ad-teachers
check "... with the role staff" role_is "$PC1" staff
reply=$(show "$PC1")
info "binding: $(echo "$reply" | jget 'r["result"]["facts"]["ad_binding"]')"
check "device.show: bound to the AD computer PC01\$" \
	test "$(echo "$reply" | jget 'r["result"]["facts"]["ad_binding"]["computer"]')" = 'PC01$'
check "device.show: the binding's source is the DHCP host name, by sAMAccountName" \
	test "$(echo "$reply" | jget 'r["result"]["facts"]["ad_binding"]["source"] + "/" + r["result"]["facts"]["ad_binding"]["attr"]')" = dhcp-hostname/sAMAccountName
check "device.show: account enabled, groups [Teachers]" \
	test "$(echo "$reply" | jget 'r["result"]["facts"]["account"] + str(r["result"]["facts"]["ad_groups"])')" = "enabled['Teachers']"
check "PC02 (host name in lower case) is admitted by Students as contractor" \
	wait_for 50 rule_role_is "$PC2" lab-ad-students contractor
check "the fast path admits PC01" wait_for 20 fp_state_is "$PC1" admitted
check "PC01 reaches the file server (staff may ping)" wait_for 30 can_ping mjpc1 10.10.0.100

info "the administrator disables PC01's computer account in AD"
check "userAccountControl 4098 (ACCOUNTDISABLE) is written" uac PC01 4098
check "ad.sync succeeds" ad_sync
check "PC01 is blocked by the disabled-account rule" wait_for 50 rule_is "$PC1" lab-ad-disabled
check "... the reason says so" output_has 'blocked: AD computer account of PC01 is disabled' show "$PC1"
check "the fast path blocks PC01" wait_for 20 fp_state_is "$PC1" blocked
refute "PC01's traffic stops" can_ping mjpc1 10.10.0.100
check "PC02 is untouched" rule_is "$PC2" lab-ad-students

info "PC01 is enabled again and moved from Teachers to Students"
move_pc01() {
	uac PC01 4096 && ad_tool group removemembers Teachers 'PC01$' >/dev/null &&
		ad_tool group addmembers Students 'PC01$' >/dev/null
}
check "PC01 enabled and moved in AD" move_pc01
check "ad.sync succeeds" ad_sync
check "PC01 is admitted by Students" wait_for 50 rule_is "$PC1" lab-ad-students
check "... with the role contractor" role_is "$PC1" contractor
check "device.show: groups [Students]" \
	test "$(show "$PC1" | jget 'str(r["result"]["facts"]["ad_groups"])')" = "['Students']"
check "the fast path admits PC01 again" wait_for 20 fp_state_is "$PC1" admitted
serve_tcp 80
check "PC01 reaches the web server (contractor: tcp 80)" wait_for 30 can_tcp mjpc1 10.10.0.100 80
refute "PC01 may no longer ping the file server (contractor: no ICMP)" can_ping mjpc1 10.10.0.100

info "PC01 is deleted from AD"
check "samba-tool computer delete PC01" eval 'ad_tool computer delete PC01 >/dev/null'
check "ad.sync succeeds" ad_sync
check "PC01 falls to the default quarantine" wait_for 50 rule_is "$PC1" default
check "device.show: not bound, account unknown" \
	test "$(show "$PC1" | jget 'str(r["result"]["facts"]["ad_binding"]["bound"]) + "/" + r["result"]["facts"]["account"]')" = False/unknown
check "the fast path quarantines PC01" wait_for 20 fp_state_is "$PC1" quarantined
refute "PC01 does not reach the web server" can_tcp mjpc1 10.10.0.100 80

info "the DC stops"
kill "$AD_PID" 2>/dev/null
wait "$AD_PID" 2>/dev/null
AD_PID=""
t=$(($(date +%s) - 1))
api ad.sync >/dev/null
check "the sync fails" wait_for 300 attempted_after "$t"
st=$(api ad.status)
info "ad.status: $(echo "$st" | jget '{k: r["result"][k] for k in ("ok", "age", "failures", "last_error")}')"
check "ad.status: not ok, the error names the DC and the refused connection" \
	test "$(echo "$st" | jget 'str(r["result"]["ok"]) + "/" + str("ldaps://127.0.0.1" in r["result"]["last_error"] and "refused" in r["result"]["last_error"])')" = False/True
check "ad.status: the age of the data in force is given" \
	test "$(echo "$st" | jget 'r["result"]["age"] >= 0 and r["result"]["failures"] >= 1')" = True
check "ad.status: the last good data stays (1 computer)" test "$(echo "$st" | jget 'r["result"]["computers"]')" = 1
check "PC02 keeps its role from the last good data" rule_role_is "$PC2" lab-ad-students contractor
check "the fast path still admits PC02" fp_state_is "$PC2" admitted

lab_finish
