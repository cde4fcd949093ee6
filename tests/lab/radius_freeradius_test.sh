#!/bin/bash
# tests/lab/radius_freeradius_test.sh BUILD — the 802.1X authenticator's
# RADIUS side against a real FreeRADIUS, on loopback only (no namespaces).
#
# The story: FreeRADIUS starts with a generated configuration (EAP-MD5,
# PAP for MAB, a users file, accounting to a detail file, Message-
# Authenticator on every reply). The auth8021x module, driven by scripted
# supplicants inside build/tests/radius_client_test (its real-peer mode),
# gets alice admitted with EAP-MD5 and the role "staff", refuses a wrong
# password, admits the printer by MAB and refuses an unknown MAC, and
# accounts for all of it. Then radclient, as the RADIUS server's operator
# would, sends a Disconnect-Request for alice's session: ACK, and alice is
# no longer authorized; one for an unknown MAC gets a NAK. Last, alice
# authenticates again over RadSec (RFC 6614: TLS, certificates both ways,
# from a CA made for the test).
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lab/lib.sh
source tests/lab/lib.sh

PEER_TEST=$BUILD/tests/radius_client_test
SECRET=testing123
WORK=$(mktemp -d /tmp/menjin-freeradius.XXXXXX)
FRPID=""
TPID=""

cleanup() {
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null
	if [ -n "$FRPID" ]; then
		kill "$FRPID" 2>/dev/null
		wait "$FRPID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

free_udp_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if ! command -v freeradius >/dev/null || ! command -v radclient >/dev/null ||
   ! command -v openssl >/dev/null; then
	not_ok "freeradius, radclient and openssl are installed (make deps)"
	exit 1
fi
if [ ! -x "$PEER_TEST" ]; then
	not_ok "$PEER_TEST is built"
	exit 1
fi

AUTHPORT=$(free_udp_port)
ACCTPORT=$(free_udp_port)
COAPORT=$(free_udp_port)
TLSPORT=$(free_udp_port)      # a TCP port; free for UDP is a good enough guess on loopback
while [ "$ACCTPORT" = "$AUTHPORT" ]; do ACCTPORT=$(free_udp_port); done
while [ "$COAPORT" = "$AUTHPORT" ] || [ "$COAPORT" = "$ACCTPORT" ]; do COAPORT=$(free_udp_port); done
info "FreeRADIUS on 127.0.0.1:$AUTHPORT (auth), :$ACCTPORT (acct), :$TLSPORT (RadSec); our CoA listener on :$COAPORT"

mkdir -p "$WORK/log" "$WORK/run" "$WORK/acct" "$WORK/pki"
# A CA for the test, a server certificate for 127.0.0.1, a client certificate.
make_pki() (
	cd "$WORK/pki" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
		-days 2 -subj "/CN=menjin lab CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" || exit 1
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >leaf.ext
	for n in server client; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr \
			-subj "/CN=menjin-lab-$n" || exit 1
		openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $n.pem -days 2 \
			-extfile leaf.ext || exit 1
	done
) >"$WORK/pki/openssl.log" 2>&1
check "a CA, server and client certificates for RadSec are made" make_pki
cat >"$WORK/radiusd.conf" <<EOF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = $WORK/log
raddbdir = $WORK
radacctdir = $WORK/acct
name = freeradius
confdir = \${raddbdir}
modconfdir = \${confdir}
certdir = \${confdir}
cadir = \${confdir}
run_dir = $WORK/run
db_dir = $WORK
libdir = /usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {
	destination = stderr
	auth = yes
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = yes
}
thread pool {
	start_servers = 2
	max_servers = 4
	min_spare_servers = 1
	max_spare_servers = 4
	max_requests_per_server = 0
}
# RadSec clients (RFC 6614: the secret is "radsec").
clients radsec {
	client menjin-tls {
		ipaddr = 127.0.0.1
		proto = tls
		secret = radsec
	}
}
# The NAS: every request must carry Message-Authenticator (Blast-RADIUS).
client menjin {
	ipaddr = 127.0.0.1
	secret = $SECRET
	require_message_authenticator = yes
}
modules {
	eap {
		default_eap_type = md5
		timer_expire = 60
		ignore_unknown_eap_types = no
		max_sessions = 256
		md5 {
		}
	}
	pap {
	}
	files {
		filename = \${confdir}/users
	}
	detail {
		filename = \${radacctdir}/detail
		header = "%t"
	}
}
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $AUTHPORT
	}
	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = $ACCTPORT
	}
	listen {
		type = auth+acct
		ipaddr = 127.0.0.1
		port = $TLSPORT
		proto = tcp
		clients = radsec
		tls {
			private_key_file = $WORK/pki/server.key
			certificate_file = $WORK/pki/server.pem
			ca_file = $WORK/pki/ca.pem
			require_client_cert = yes
			tls_min_version = "1.2"
		}
	}
	authorize {
		files
		eap {
			ok = return
		}
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
		eap
	}
	# The NAS refuses replies without Message-Authenticator: sign them all
	# (FreeRADIUS 3.2.1 predates require_message_authenticator defaults).
	accounting {
		detail
		update reply {
			Message-Authenticator := 0x00
		}
	}
	post-auth {
		update reply {
			Message-Authenticator := 0x00
		}
		Post-Auth-Type REJECT {
			update reply {
				Message-Authenticator := 0x00
			}
		}
	}
}
EOF
cat >"$WORK/users" <<'EOF'
alice	Cleartext-Password := "alice-pw"
	Filter-Id = "staff",
	Session-Timeout = 3600,
	Termination-Action = RADIUS-Request,
	Class = "fr-class-1"

02000a0a0114	Cleartext-Password := "02000a0a0114"
	Filter-Id = "printers"
EOF

check "the generated FreeRADIUS configuration is valid" \
	freeradius -C -d "$WORK" -n radiusd
# Threaded (TLS sockets need it), in the foreground, debug log to stdout.
freeradius -f -xx -l stdout -d "$WORK" -n radiusd >"$WORK/radiusd.log" 2>&1 &
FRPID=$!
status_server() {
	echo "Message-Authenticator = 0x00" | radclient -r 1 -t 1 "127.0.0.1:$AUTHPORT" status "$SECRET" | grep -q Access-Accept
}
if ! check "FreeRADIUS answers Status-Server" wait_for 150 status_server; then
	tail -n 30 "$WORK/radiusd.log" | sed 's/^/# /'
	exit 1
fi

# The scripted supplicants; the CoA test waits for radclient below.
CMOCKA_MESSAGE_OUTPUT=TAP \
MENJIN_RADIUS_PEER="127.0.0.1:$AUTHPORT:$ACCTPORT" MENJIN_RADIUS_SECRET=$SECRET \
MENJIN_COA_PORT=$COAPORT MENJIN_COA_READY=$WORK/coa-ready \
MENJIN_RADSEC_PEER="127.0.0.1:$TLSPORT" MENJIN_RADSEC_CA=$WORK/pki/ca.pem \
MENJIN_RADSEC_CERT=$WORK/pki/client.pem MENJIN_RADSEC_KEY=$WORK/pki/client.key \
	"$PEER_TEST" >"$WORK/peer.tap" 2>"$WORK/peer.log" &
TPID=$!

if check "alice's session is up for the Disconnect-Request" wait_for 300 test -s "$WORK/coa-ready"; then
	SESSION=$(head -n 1 "$WORK/coa-ready")
	printf 'Calling-Station-Id = "02-00-0A-0A-01-99", NAS-Identifier = "menjin-lab", Message-Authenticator = 0x00\n' |
		radclient -x -r 1 -t 2 "127.0.0.1:$COAPORT" disconnect "$SECRET" >"$WORK/nak.out" 2>&1
	check "a Disconnect-Request for an unknown MAC gets Disconnect-NAK" grep -q "Received Disconnect-NAK" "$WORK/nak.out"
	check "... with Error-Cause Session-Context-Not-Found" grep -q "Error-Cause = Session-Context-Not-Found" "$WORK/nak.out"
	printf 'Acct-Session-Id = "%s", Calling-Station-Id = "02-00-0A-0A-01-0B", NAS-Identifier = "menjin-lab", Message-Authenticator = 0x00\n' "$SESSION" |
		radclient -x -r 1 -t 2 "127.0.0.1:$COAPORT" disconnect "$SECRET" >"$WORK/ack.out" 2>&1
	check "radclient's Disconnect-Request for alice gets Disconnect-ACK" grep -q "Received Disconnect-ACK" "$WORK/ack.out"
	refute "radclient found nothing wrong with our replies" grep -qi "invalid\|Message-Authenticator.*fail" "$WORK/nak.out" "$WORK/ack.out"
fi

wait "$TPID"
rc=$?
TPID=""
# cmocka's TAP lines ("ok 1 - test_peer_..."), counted by tests/run.sh.
grep -E '^(ok|not ok) ' "$WORK/peer.tap"
[ $rc -eq 0 ] || { not_ok "real-peer tests exited $rc"; sed 's/^/# /' "$WORK/peer.tap" "$WORK/peer.log" | tail -n 40; }

DETAIL=$WORK/acct/127.0.0.1/detail
[ -f "$DETAIL" ] || DETAIL=$(find "$WORK/acct" -type f | head -n 1)
check "accounting reached FreeRADIUS: Accounting-On" grep -q "Acct-Status-Type = Accounting-On" "$DETAIL"
check "... Start and Stop" grep -q "Acct-Status-Type = Start" "$DETAIL"
check "... the Class of the Access-Accept echoed" grep -q 'Class = 0x66722d636c6173732d31' "$DETAIL"
check "... Stop after EAPOL-Logoff says User-Request" grep -q "Acct-Terminate-Cause = User-Request" "$DETAIL"
check "... Stop after the Disconnect-Request says Admin-Reset" grep -q "Acct-Terminate-Cause = Admin-Reset" "$DETAIL"
check "... Calling-Station-Id in RFC 3580 form" grep -q 'Calling-Station-Id = "02-00-0A-0A-01-0B"' "$DETAIL"
check "... NAS-Port-Type Ethernet" grep -q "NAS-Port-Type = Ethernet" "$DETAIL"
check "FreeRADIUS listened for RadSec (test_peer_radsec_eap_md5 went over it)" \
	grep -q "proto tcp address 127.0.0.1 port $TLSPORT" "$WORK/radiusd.log"
refute "FreeRADIUS read every RadSec packet (one per TLS record)" grep -q "Received bad packet" "$WORK/radiusd.log"
check "FreeRADIUS saw no request without Message-Authenticator" \
	bash -c "! grep -qi 'Message-Authenticator.*\\(missing\\|invalid\\)' '$WORK/radiusd.log'"

info "$TESTS_PASSED passed, $TESTS_FAILED failed"
[ "$TESTS_FAILED" -eq 0 ]
