#!/bin/bash
# posture_oscap_test.sh BUILD — GCB posture from results OpenSCAP writes.
#
# The story: the township's IT officer scans a Debian PC with `oscap xccdf
# eval` against the lab baseline (tests/data/gcb/twgcb-lab-xccdf.xml), once
# on a hardened tree and once on a tree that still allows root logins over
# SSH, keeping both the XCCDF results and the ARF report. menjin reads all
# four files, finds the PC by its MAC and name, and says "compliant" for
# the first scan and "noncompliant: TWGCB-01-008-0003" for the second; the
# same files dropped into a spool folder are accepted, and a tampered copy
# is refused with its reason.
#
# The checks read only files this script creates (the benchmark's root is a
# tailoring value), so the result is the same on any Debian machine. No
# network namespace, no root needed beyond what oscap itself wants.
#
# Output: TAP lines "ok - ..." / "not ok - ..." (tests/run.sh counts them);
# build/tests/posture_oscap_test prints its own in TAP form.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
ROOT=$PWD
DATA=$ROOT/tests/data/gcb
case $BUILD in /*) TOOL=$BUILD ;; *) TOOL=$ROOT/$BUILD ;; esac
TOOL=$TOOL/tests/posture_oscap_test
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }

if ! command -v oscap >/dev/null 2>&1; then
	not_ok "oscap is installed (Debian package openscap-scanner; run make deps)"
	exit 1
fi
if [ ! -x "$TOOL" ]; then
	not_ok "$BUILD/tests/posture_oscap_test is built (make)"
	exit 1
fi

work=$(mktemp -d /tmp/menjin-posture.XXXXXX)
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# A tree as the baseline wants it; "weak" leaves root SSH logins on.
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

# The benchmark's Value "root" set to the tree, as an XCCDF 1.2 tailoring.
make_tailoring() { # file root
	cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Tailoring xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_tw.gov.menjin_tailoring_lab">
  <benchmark href="$DATA/twgcb-lab-xccdf.xml"/>
  <version time="2026-11-01T00:00:00">1</version>
  <Profile id="xccdf_tw.gov.menjin_profile_lab_tailored" extends="xccdf_tw.gov.menjin_profile_lab">
    <title>lab profile on $2</title>
    <set-value idref="xccdf_tw.gov.menjin_value_root">$2</set-value>
  </Profile>
</Tailoring>
EOF
}

scan() { # name hardened|weak expected-exit
	local d=$work/$1
	mkdir -p "$d"
	make_tree "$d/root" "$2"
	make_tailoring "$d/tailoring.xml" "$d/root"
	(cd "$DATA" && oscap xccdf eval --tailoring-file "$d/tailoring.xml" \
		--profile xccdf_tw.gov.menjin_profile_lab_tailored \
		--results "$d/results.xml" --results-arf "$d/arf.xml" \
		twgcb-lab-xccdf.xml) >"$d/oscap.log" 2>&1
	local rc=$?
	# oscap exits 0 when every rule passed and 2 when one failed.
	if [ "$rc" -eq "$3" ] && [ -s "$d/results.xml" ] && [ -s "$d/arf.xml" ]; then
		ok "oscap scanned the $2 tree (exit $rc, results and ARF written)"
	else
		not_ok "oscap scanned the $2 tree: exit $rc, expected $3"
		sed 's/^/# /' "$d/oscap.log"
	fi
}

if oscap xccdf validate "$DATA/twgcb-lab-xccdf.xml" >"$work/validate.log" 2>&1 &&
   oscap oval validate "$DATA/twgcb-lab-oval.xml" >>"$work/validate.log" 2>&1; then
	ok "the lab benchmark and its OVAL checks are valid XCCDF 1.2 / OVAL 5.11"
else
	not_ok "the lab benchmark validates"
	sed 's/^/# /' "$work/validate.log"
fi

scan pass hardened 0
scan fail weak 2

if grep -q '<result>fail</result>' "$work/fail/results.xml" &&
   ! grep -q '<result>fail</result>' "$work/pass/results.xml"; then
	ok "oscap reports one failing rule on the weak tree only"
else
	not_ok "oscap's own results differ from the expected pass/fail"
fi

# The county's file server: HTTPS on loopback with a certificate made for
# this run, serving the failing scan's ARF.
mkdir -p "$work/www"
cp "$work/fail/arf.xml" "$work/www/township-arf.xml"
fetch_env=()
if openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" \
	>"$work/openssl.log" 2>&1; then
	# The server says its port through a FIFO once it listens; opened
	# read-write here so a server that dies early cannot block the open.
	mkfifo "$work/port.fifo"
	exec 3<>"$work/port.fifo"
	python3 - "$work/www" "$work/cert.pem" "$work/key.pem" "$work/port.fifo" >"$work/https.log" 2>&1 <<'PY' &
import functools, http.server, ssl, sys
root, cert, key, fifo = sys.argv[1:5]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
srv = http.server.HTTPServer(("127.0.0.1", 0), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(fifo, "w") as f:
    f.write("%d\n" % srv.server_address[1])
srv.serve_forever()
PY
	server_pid=$!
	read -r -t 10 -u 3 port && echo "$port" >"$work/port"
	exec 3<&-
fi
if [ -s "$work/port" ]; then
	ok "an HTTPS server on 127.0.0.1:$(cat "$work/port") serves the ARF"
	fetch_env=(POSTURE_FETCH_URL="https://127.0.0.1:$(cat "$work/port")/township-arf.xml"
		   POSTURE_FETCH_CA="$work/cert.pem")
else
	not_ok "an HTTPS server for the fetch test started"
	sed 's/^/# /' "$work/openssl.log" "$work/https.log" 2>/dev/null
fi

# menjin reads what oscap wrote: the same reader, matching and verdict
# code menjind uses, each cmocka test a TAP line.
env "${fetch_env[@]}" OSCAP_RESULTS_DIR="$work" OSCAP_HOST="$(hostname)" CMOCKA_MESSAGE_OUTPUT=TAP "$TOOL"
rc=$?
if [ "$rc" -eq 0 ]; then
	ok "menjin's verdicts on oscap's results: compliant, then noncompliant naming TWGCB-01-008-0003"
else
	not_ok "menjin's verdicts on oscap's results (posture_oscap_test exit $rc)"
fi

exit $failed
