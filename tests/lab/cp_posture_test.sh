#!/bin/bash
# tests/lab/cp_posture_test.sh BUILD — GCB posture decides at the office door,
# told by the township's IT officer:
#   The office PC is scanned with `oscap xccdf eval` (run inside the PC's own
#   network namespace, so the result names its MAC) against the lab GCB
#   baseline while it still allows root logins over SSH. The result lands in
#   menjind's posture spool: the PC is quarantined by the policy's GCB rule,
#   the reason names the failing item, posture.show lists it and the fast
#   path keeps the PC from the file server. The PC is hardened and scanned
#   again: the passing result admits it (role staff) and it reaches the file
#   server. The county approves an exception for the failing item: waived
#   (posture.override, for a few seconds) the PC is admitted, and when the
#   waiver runs out it is quarantined again; waived until cleared (with
#   menjin-cli) it is admitted, and cleared it is quarantined again. A
#   damaged file is refused and changes nothing; the posture data
#   survives a restart of menjind. posture.kpi counts the compliant share.
#
# Needs: oscap (openscap-scanner), root (namespaces), the build.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
ROOT=$PWD
DATA=$ROOT/tests/data/gcb
. tests/lab/lib.sh
. tests/lab/cp_lib.sh

[ "$(id -u)" -eq 0 ] || { echo "not ok - lab tests need root"; exit 1; }
[ -x "$BUILD/menjin-fp" ] && [ -x "$BUILD/menjind" ] && [ -x "$BUILD/menjin-cli" ] || { echo "not ok - build menjin-fp, menjind and menjin-cli first"; exit 1; }
command -v oscap >/dev/null || { echo "not ok - oscap is installed (openscap-scanner; make deps)"; exit 1; }
trap cp_cleanup EXIT

PC1=${LAB_MAC[mjpc1]}
cp_setup "$BUILD" || { not_ok "office and fast path start"; exit 1; }
SPOOL=$CP_DIR/posture
SCANS=$CP_DIR/scans

# The GCB rules go first; the rest of the lab policy stays as it is.
sed -i 's|^policy = (|policy = (\
  { name = "lab-gcb-failed"; match = { posture = "noncompliant"; };\
    verdict = "quarantine"; reason = "GCB {failed} failed, scan {scan}"; },\
  { name = "lab-gcb-compliant"; match = { posture = "compliant"; };\
    verdict = "admit"; role = "staff"; reason = "GCB compliant, scan {scan}"; },|' "$CONF"
cat >>"$CONF" <<CONF

posture:
{
  spool = "$SPOOL";
  baselines = ( { name = "twgcb-lab"; benchmarks = [ "*_benchmark_*" ]; } );
};
CONF

# A tree as the baseline wants it; "weak" still allows root SSH logins.
make_tree() { # dir hardened|weak
	mkdir -p "$1/etc/ssh" "$1/etc/sysctl.d"
	printf 'PASS_MAX_DAYS\t90\nPASS_MIN_DAYS\t1\n' >"$1/etc/login.defs"
	if [ "$2" = hardened ]; then
		printf 'Port 22\nPermitRootLogin no\n' >"$1/etc/ssh/sshd_config"
	else
		printf 'Port 22\nPermitRootLogin yes\n' >"$1/etc/ssh/sshd_config"
	fi
	printf 'root:*:19000:0:90:7:::\n' >"$1/etc/shadow"
	chmod 0640 "$1/etc/shadow"
	printf 'net.ipv4.ip_forward = 0\n' >"$1/etc/sysctl.d/99-twgcb.conf"
}

# scan_pc NAME hardened|weak: oscap in the PC's namespace, the results into
# the spool the way a scanner should deliver them (written aside, renamed).
scan_pc() {
	local d=$SCANS/$1
	mkdir -p "$d"
	make_tree "$d/root" "$2"
	cat >"$d/tailoring.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Tailoring xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_tw.gov.menjin_tailoring_cplab">
  <benchmark href="$DATA/twgcb-lab-xccdf.xml"/>
  <version time="2026-11-01T00:00:00">1</version>
  <Profile id="xccdf_tw.gov.menjin_profile_lab_tailored" extends="xccdf_tw.gov.menjin_profile_lab">
    <title>lab profile on $d/root</title>
    <set-value idref="xccdf_tw.gov.menjin_value_root">$d/root</set-value>
  </Profile>
</Tailoring>
EOF
	(cd "$DATA" && in_ns mjpc1 oscap xccdf eval --tailoring-file "$d/tailoring.xml" \
		--profile xccdf_tw.gov.menjin_profile_lab_tailored --results "$d/results.xml" \
		twgcb-lab-xccdf.xml) >"$d/oscap.log" 2>&1
	[ -s "$d/results.xml" ] || { sed 's/^/#   /' "$d/oscap.log"; return 1; }
	cp "$d/results.xml" "$SPOOL/.$1.xml.part"
	mv "$SPOOL/.$1.xml.part" "$SPOOL/$1.xml"
}

mkdir -p "$SPOOL"
check "menjind starts with a posture spool and syncs the fast path" cp_start
serve_tcp 80

reason_of() { api device.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["verdict"]["reason"]'; }
rule_of() { api device.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["verdict"]["rule"]'; }
rule_is() { [ "$(rule_of)" = "$1" ]; }

info "the PC before any scan: unknown posture, the lab default"
can_ping mjpc1 10.10.0.1 >/dev/null   # its first packet makes it known
check "the unscanned PC is quarantined" wait_for 30 state_is "$PC1" quarantined
check "posture.show says it has no GCB scan" \
	test "$(api posture.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["status"]')" = unknown

info "the PC is scanned while it still allows root logins over SSH"
check "oscap scanned the PC (weak tree) from its namespace" scan_pc weak-scan weak
check "the scan names the PC's MAC" grep -qi "ethernet:MAC\" type=\"string\">$PC1" "$SCANS/weak-scan/results.xml"
api posture.sync >/dev/null
check "the policy's GCB rule quarantines the PC" wait_for 50 rule_is lab-gcb-failed
check "the reason names the failing item" has 'TWGCB-01-008-0003 failed' "$(reason_of)"
info "reason: $(reason_of)"
reply=$(api posture.show "{\"mac\":\"$PC1\"}")
check "posture.show: noncompliant" test "$(echo "$reply" | jget 'r["result"]["status"]')" = noncompliant
check "posture.show lists TWGCB-01-008-0003 as failing" \
	test "$(echo "$reply" | jget '"TWGCB-01-008-0003" in r["result"]["failed"]')" = True
check "posture.show: matched by MAC" test "$(echo "$reply" | jget 'r["result"]["matched_by"]')" = MAC
check "the fast path enforces the quarantine" wait_for 20 fp_state_is "$PC1" quarantined
refute "the quarantined PC does not reach the file server" can_ping mjpc1 10.10.0.100
check "the file was an event" output_has '"kind":"posture.file"' api events '{"limit":1000}'
check "posture.kpi: nobody compliant yet" \
	test "$(api posture.kpi | jget 'r["result"]["total"]["compliant"]')" = 0

info "the county approves an exception for TWGCB-01-008-0003 for a few seconds"
WAIVE='{"mac":"'$PC1'","waive":["TWGCB-01-008-0003"],"duration":10,"reason":"GCB exception 2026-031 (county)"}'
reply=$(api posture.override "$WAIVE")
check "posture.override is accepted" test "$(echo "$reply" | jget 'r["ok"]')" = True
check "posture.override answers with the waived item" \
	test "$(echo "$reply" | jget 'r["result"]["override"]["waived"]')" = '["TWGCB-01-008-0003"]'
check "with the failing item waived the PC is admitted" wait_for 50 rule_is lab-gcb-compliant
check "the fast path admits it" wait_for 20 fp_state_is "$PC1" admitted
check "it reaches the file server" wait_for 30 can_ping mjpc1 10.10.0.100
reply=$(api device.show "{\"mac\":\"$PC1\"}")
check "device.show shows the waiver, who gave it and until when" \
	test "$(echo "$reply" | jget 'r["result"]["facts"]["posture"]["override"]["user"] + " " + str(r["result"]["facts"]["posture"]["override"]["expires"] is not None)')" = "lab-admin True"
check "the waiver is audited" output_has '"cmd":"posture.override"' api events '{"limit":1000}'
check "the waiver runs out: the PC is quarantined again" wait_for 200 rule_is lab-gcb-failed
check "... with a posture.override_expired event" output_has '"kind":"posture.override_expired"' api events '{"limit":1000}'
check "posture.show: no override any more" \
	test "$(api posture.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["override"]')" = None
check "the fast path quarantines it again" wait_for 20 fp_state_is "$PC1" quarantined

info "waived until cleared, from menjin-cli; then cleared"
cli() { MENJIN_API=$API_SOCK "$BUILD/menjin-cli" -c "$1" 2>&1; }
out=$(cli "request posture $PC1 waive TWGCB-01-008-0003 reason GCB exception 2026-031 (county)")
info "menjin-cli: $(echo "$out" | head -n 1)"
check "menjin-cli: request posture MAC waive ITEM reason TEXT" has "posture is compliant" "$out"
check "the PC is admitted" wait_for 50 rule_is lab-gcb-compliant
check "posture.show lists the waived item and no end" \
	test "$(api posture.show "{\"mac\":\"$PC1\"}" | jget 'str(r["result"]["override"]["waived"]) + " " + str(r["result"]["override"]["expires"])')" = "['TWGCB-01-008-0003'] None"
check "the fast path admits it" wait_for 20 fp_state_is "$PC1" admitted
reply=$(api posture.clear_override "{\"mac\":\"$PC1\"}")
check "posture.clear_override without a reason is refused" has 'reason' "$(echo "$reply" | jget 'r.get("error")')"
out=$(cli "request posture $PC1 clear reason exception withdrawn")
check "menjin-cli: request posture MAC clear reason TEXT" has "override" "$out"
check "cleared, the PC is quarantined by the failing item again" wait_for 50 rule_is lab-gcb-failed
check "the fast path quarantines it" wait_for 20 fp_state_is "$PC1" quarantined
refute "the quarantined PC does not reach the file server" can_ping mjpc1 10.10.0.100
reply=$(api posture.clear_override "{\"mac\":\"$PC1\",\"reason\":\"again\"}")
check "clearing again says there is no override" has 'has no posture override' "$(echo "$reply" | jget 'r.get("error")')"

info "the posture forced compliant by the county's decision, then cleared"
out=$(cli "request posture $PC1 status compliant for 1h reason county decision 2026-044")
check "menjin-cli: request posture MAC status compliant" has "forced" "$out"
check "the forced status admits the PC" wait_for 50 rule_is lab-gcb-compliant
check "posture.show: compliant, overridden, by whom" \
	test "$(api posture.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["status"] + " " + str(r["result"]["overridden"]) + " " + r["result"]["override"]["user"]')" = "compliant True $(id -un)"
check "the posture reason names the forced status and the administrator" \
	has "GCB posture set compliant by admin" "$(api posture.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["reason"]')"
api posture.clear_override "{\"mac\":\"$PC1\",\"reason\":\"decision withdrawn\"}" >/dev/null
check "cleared, the failing item quarantines the PC again" wait_for 50 rule_is lab-gcb-failed

info "a damaged file arrives: refused, nothing changes"
printf 'not,a,gcb\nexport\x01\n' >"$SPOOL/.damaged.csv.part" && mv "$SPOOL/.damaged.csv.part" "$SPOOL/damaged.csv"
api posture.sync >/dev/null
check "the damaged file is refused with its reason" wait_for 50 test -s "$SPOOL/rejected/damaged.csv.err"
check "the PC stays quarantined by the GCB rule" rule_is lab-gcb-failed

info "the PC is hardened and scanned again"
check "oscap scanned the PC (hardened tree)" scan_pc pass-scan hardened
api posture.sync >/dev/null
check "the passing result admits the PC" wait_for 50 rule_is lab-gcb-compliant
check "its state is admitted with role staff" \
	test "$(api device.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["verdict"]["role"]')" = staff
check "posture.show: compliant" \
	test "$(api posture.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["status"]')" = compliant
check "the fast path admits it" wait_for 20 fp_state_is "$PC1" admitted
check "the admitted PC reaches the file server" wait_for 30 can_ping mjpc1 10.10.0.100
check "and its web service" can_tcp mjpc1 10.10.0.100 80
kpi=$(api posture.kpi)
check "posture.kpi: the staff role is 100% compliant" \
	test "$(echo "$kpi" | jget '[x["compliant_share"] for x in r["result"]["roles"] if x["name"] == "staff"][0]')" = 1.0
check "posture.kpi: per baseline too" \
	test "$(echo "$kpi" | jget '[x["compliant"] for x in r["result"]["baselines"] if x["name"] == "twgcb-lab"][0]')" = 1

info "menjind restarts: the accepted files are applied again"
cp_stop
check "menjind starts again" cp_start
check "the PC is still admitted by its passing scan" wait_for 30 rule_is lab-gcb-compliant
check "posture.show: still compliant" \
	test "$(api posture.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["status"]')" = compliant

info "a bad posture section is refused with file and line; the running configuration stays"
cp "$CONF" "$CP_DIR/good.conf"
sed -i 's|benchmarks = \[ "\*_benchmark_\*" \];|benchmark = [ "x" ];|' "$CONF"
reply=$(api config.reload)
check "config.reload refuses it" has "unknown setting 'benchmark'" "$reply"
info "refusal: $(echo "$reply" | jget 'r.get("error")')"
cp "$CP_DIR/good.conf" "$CONF"
check "the PC is still admitted" rule_is lab-gcb-compliant

lab_finish
