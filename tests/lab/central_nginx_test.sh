#!/bin/bash
# tests/lab/central_nginx_test.sh BUILD — central policy bundles and threat
# feeds served by a real nginx on loopback, as a township appliance sees
# them: the centre publishes a good bundle, then a tampered one, one signed
# by the wrong key, a rollback, an expired one, a truncated download and an
# oversized file; every bad one is refused with its reason and the last good
# bundle stays in force (also across restarts). A second poll costs a 304.
# The centre rotates its signing key. A plain list, a STIX feed and a
# neighbour's signed share are merged into one blocklist.
#
# Needs: nginx (nginx-light), openssl, the build (BUILD/tests/central_live_test,
# BUILD/libcp.a). Everything runs on 127.0.0.1 and an unprivileged port,
# from a temporary directory that is removed at the end.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. tests/lab/lib.sh

DRIVER=$BUILD/tests/central_live_test
TMP=$(mktemp -d /tmp/menjin-central.XXXXXX)
NGINX_PID=""
cleanup() {
	if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
		kill "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

for tool in nginx openssl; do
	if ! command -v $tool >/dev/null; then
		not_ok "$tool is installed (make deps)"
		exit 1
	fi
done
if [ ! -x "$DRIVER" ]; then
	not_ok "driver $DRIVER is built (make)"
	exit 1
fi

# menjin-bundle: the build's, or made here from libcp.a until the Makefile has its rule.
TOOL=$BUILD/menjin-bundle
if [ ! -x "$TOOL" ]; then
	TOOL=$TMP/menjin-bundle
	PKGS=$(sed -n 's/^PKGS *:= *//p' Makefile)
	SAN=""   # a SANITIZE=1 build's library needs the sanitizers at link time
	nm "$BUILD/libcp.a" 2>/dev/null | grep -q __asan_ && SAN="-fsanitize=address,undefined"
	# shellcheck disable=SC2046
	gcc -std=c11 -D_GNU_SOURCE -O2 $SAN -Icontrolplane -Idataplane $(pkg-config --cflags $PKGS) \
		-o "$TOOL" controlplane/tools/menjin-bundle.c "$BUILD/libcp.a" $(pkg-config --libs $PKGS) -lpthread -lm \
		|| { not_ok "menjin-bundle builds"; exit 1; }
fi

mkdir -p "$TMP/keys" "$TMP/www" "$TMP/nginx"
chmod 755 "$TMP" "$TMP/www"
K=$TMP/keys W=$TMP/www

info "keys: the centre's a (in use), b (next), c (not ours); township-a's sharing key"
for k in central-a central-b central-c share; do
	"$TOOL" keygen "$K/$k.key" >/dev/null || { not_ok "keygen $k"; exit 1; }
done
check "menjin-bundle keygen refuses to overwrite a key" bash -c "! '$TOOL' keygen '$K/central-a.key' 2>/dev/null"

info "a CA and a server certificate for 127.0.0.1, and a CA that signed nothing here"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=menjin lab CA" \
	-keyout "$K/ca.key" -out "$K/ca.pem" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other CA" \
	-keyout "$K/other-ca.key" -out "$K/other-ca.pem" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$K/server.key" -out "$K/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$K/server.ext"
openssl x509 -req -in "$K/server.csr" -CA "$K/ca.pem" -CAkey "$K/ca.key" -CAcreateserial -days 2 \
	-extfile "$K/server.ext" -out "$K/server.pem" 2>/dev/null
echo "sha256//$(openssl x509 -in "$K/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)" >"$K/pin"
check "server certificate made by the lab CA" bash -c "openssl verify -CAfile '$K/ca.pem' '$K/server.pem' >/dev/null"

info "the centre's bundles"
cat >"$TMP/policy.json" <<'JSON'
{
  "issuer": "Yilan County IT centre (lab)",
  "roles": [
    { "name": "staff", "id": 10, "default": "deny",
      "rules": [ { "action": "permit", "proto": "tcp", "to": "10.10.0.0/16", "ports": "80,443" },
                 { "action": "permit", "proto": "udp", "to": "10.10.0.53", "ports": 53 } ] },
    { "name": "printer", "id": 20 }
  ],
  "policy": [
    { "name": "staff-pcs", "match": { "ad_group": "Staff", "posture": "compliant" },
      "verdict": "admit", "role": "staff", "reason": "AD staff, GCB compliant" },
    { "name": "printers", "match": { "oui": "00:1b:a9" }, "verdict": "admit", "role": "printer" }
  ],
  "devices": [ { "mac": "02:00:0a:0a:01:14", "state": "admit", "role": "printer", "comment": "3F printer" } ],
  "posture": [ { "name": "win11", "platform": "windows-11", "max_age_days": 14,
                 "required": [ "TWGCB-01-008-0003" ] } ],
  "blocklist": [ "203.0.113.0/24", { "prefix": "2001:db8:bad::/48", "reason": "C2" } ]
}
JSON
sign() { # key key-id version expires out [extra args]
	local key=$1 id=$2 v=$3 exp=$4 out=$5; shift 5
	"$TOOL" sign --key "$K/$key.key" --key-id "$id" --version "$v" --expires "$exp" "$@" "$TMP/policy.json" "$W/$out" >/dev/null
}
sign central-a central-a 2 +30d good.bundle
sign central-c central-a 2 +30d wrongkey.bundle
sign central-c central-c 2 +30d unknownkey.bundle
sign central-a central-a 1 +30d rollback.bundle
sign central-a central-a 5 2020-02-01 expired.bundle --created 2020-01-01
sign central-b central-b 3 +30d rotated.bundle
# tampered: one byte of the signed payload changed on the way ("staff" -> "stafF")
sed '0,/"staff"/s//"stafF"/' "$W/good.bundle" >"$W/tampered.bundle"
# truncated: the download stopped 100 bytes early
sign central-a central-a 4 +30d full.bundle
head -c $(($(stat -c %s "$W/full.bundle") - 100)) "$W/full.bundle" >"$W/truncated.bundle"
rm "$W/full.bundle"
# oversized: a valid, signed bundle larger than the appliance's max_size
MAX=65536
python3 - "$TMP/policy.json" "$TMP/big.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["blocklist"] = ["198.18.%d.%d" % (i // 256, i % 256) for i in range(6000)]
json.dump(d, open(sys.argv[2], "w"))
PY
"$TOOL" sign --key "$K/central-a.key" --key-id central-a --version 4 --expires +30d "$TMP/big.json" "$W/oversized.bundle" >/dev/null
check "oversized.bundle is larger than max_size ($MAX)" test "$(stat -c %s "$W/oversized.bundle")" -gt $MAX

info "menjin-bundle verify, as an operator would check a file by hand"
verify() { "$TOOL" verify --pubkey "central-a=$K/central-a.key.pub" "$@"; }
check "verify: good.bundle is OK" bash -c "$(declare -f verify); TOOL='$TOOL' K='$K' verify '$W/good.bundle' | grep -q '^OK .*version 2 (key central-a)'"
for f in tampered wrongkey unknownkey expired truncated; do
	out=$(verify "$W/$f.bundle" 2>&1); rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q '^REFUSED'; then ok "verify refuses $f.bundle: ${out#*: }"
	else not_ok "verify refuses $f.bundle (rc $rc: $out)"; fi
done
out=$(verify --min-version 2 "$W/rollback.bundle"); check "verify --min-version 2 refuses rollback.bundle: ${out#*: }" test $? -eq 1
check "show names the key and version without verifying" bash -c "'$TOOL' show '$W/good.bundle' | grep -q 'key-id:    central-a'"

info "threat feeds: a regional plain list and a SOC's STIX 2.1 bundle"
cat >"$W/feed.txt" <<'TXT'
# regional joint-defence list (lab)
198.51.100.23        # scanner
203.0.113.0/24       ; botnet C2 range
2001:db8:dead::/48
TXT
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >"$W/feed.stix.json" <<JSON
{ "type": "bundle", "id": "bundle--6b5e2a86-0a6f-4b5e-8bd3-6d1f51d7f1c1", "objects": [
  { "type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "C2 network",
    "pattern": "[ipv6-addr:value ISSUBSET '2001:db8:bad::/48']", "pattern_type": "stix",
    "valid_from": "2026-01-01T00:00:00Z" },
  { "type": "indicator", "spec_version": "2.1", "id": "indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
    "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "phishing hosts",
    "pattern": "[ipv4-addr:value = '192.0.2.10'] OR [ipv4-addr:value = '203.0.113.0/24']", "pattern_type": "stix",
    "valid_from": "2026-01-01T00:00:00Z" },
  { "type": "indicator", "spec_version": "2.1", "id": "indicator--a6a8f6d4-2e3b-4c55-8f43-3f7d7c2f1f10",
    "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z", "name": "old",
    "pattern": "[ipv4-addr:value = '198.51.100.99']", "pattern_type": "stix",
    "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2020-02-01T00:00:00Z" },
  { "type": "indicator", "spec_version": "2.1", "id": "indicator--f1d1b58d-6b7c-4a53-9f8e-2c1b7b6f0a66",
    "created": "2026-01-01T00:00:00.000Z", "modified": "$now", "name": "withdrawn", "revoked": true,
    "pattern": "[ipv4-addr:value = '192.0.2.66']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z" }
] }
JSON
chmod -R a+rX "$W"

PORT=""
for try in 1 2 3 4 5; do
	p=$((20000 + RANDOM % 20000))
	ss -ltn "( sport = :$p )" 2>/dev/null | grep -q LISTEN && continue
	PORT=$p
	cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log info;
events { worker_connections 64; }
http {
	access_log $TMP/nginx/access.log;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	types { application/octet-stream bundle stix; text/plain txt; application/json json; }
	server {
		listen 127.0.0.1:$PORT ssl;
		ssl_certificate $K/server.pem;
		ssl_certificate_key $K/server.key;
		root $W;
		location = /heartbeat { return 204; }
	}
}
CONF
	chmod 644 "$K/server.key"   # the worker (nobody) reads it; a throwaway lab key
	nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' &
	NGINX_PID=$!
	if wait_for 50 bash -c "openssl s_client -connect 127.0.0.1:$PORT -CAfile '$K/ca.pem' -verify_return_error </dev/null"; then
		break
	fi
	kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; NGINX_PID=""; PORT=""
done
if [ -z "$PORT" ]; then
	not_ok "nginx serves HTTPS on 127.0.0.1"
	tail -5 "$TMP/nginx/error.log" 2>/dev/null
	exit 1
fi
ok "nginx serves HTTPS on 127.0.0.1:$PORT"

info "the appliance: central sync, refusals, restarts, feeds, sharing, heartbeat"
MENJIN_LIVE_URL="https://127.0.0.1:$PORT" MENJIN_LIVE_WWW="$W" MENJIN_LIVE_DIR="$TMP" MENJIN_LIVE_MAX=$MAX \
	CMOCKA_MESSAGE_OUTPUT=TAP "$DRIVER" 2>&1 | sed 's/^\(ok\|not ok\) [0-9]* /\1 /'
rc=${PIPESTATUS[0]}
check "central_live_test exits 0" test "$rc" -eq 0

check "nginx answered a conditional poll with 304" grep -q '"GET /good.bundle HTTP/1.1" 304 ' "$TMP/nginx/access.log"
check "the last good bundle is on disk" test -s "$TMP/state/bundle.version"
check "the regional share spool is a signed STIX bundle" \
	bash -c "'$TOOL' show '$W/share/township-a.stix' | grep -q 'type:      stix-bundle'"
exit 0
