#!/bin/bash
# tests/lab/cp_bundle_test.sh BUILD — the county centre's policy bundle
# applied by menjind, told by the township's administrator:
#   The centre publishes a signed bundle over HTTPS (a real nginx on
#   loopback). Until it arrives the office runs its local policy: a clerk's
#   PC is quarantined. The bundle's policy admits the PC with the bundle's
#   role "clerk", whose ACL is the only one that allows the file server's
#   port 9000: the PC reaches it through the fast path. The bundle's devices
#   become overrides by "central" (an administrator's own override stays),
#   its blocklist reaches the fast path. A bundle whose roles do not compile,
#   a tampered one and a rollback are refused; the last good one stays in
#   force. The next bundle replaces the devices of the previous one. menjind
#   restarts: the saved bundle is in force from the start, the generation
#   does not move and the PC never leaves its role. Without central {} the
#   local policy is back; with it again, the saved bundle at once.
#
# Needs: nginx, openssl, socat; root (namespaces).
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib.sh
. tests/lab/cp_lib.sh

[ "$(id -u)" -eq 0 ] || { echo "not ok - lab tests need root"; exit 1; }
for b in menjin-fp menjind menjin-bundle menjin-cli; do
	[ -x "$BUILD/$b" ] || { echo "not ok - build $b first"; exit 1; }
done
for tool in nginx openssl socat curl; do
	command -v $tool >/dev/null || { echo "not ok - $tool is installed (make deps)"; exit 1; }
done

NGINX_PID=""
bundle_cleanup() {
	cp_cleanup
	if [ -n "$NGINX_PID" ]; then
		kill "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
	fi
}
trap bundle_cleanup EXIT

PC1=${LAB_MAC[mjpc1]} PC2=${LAB_MAC[mjpc2]} PRN=${LAB_MAC[mjprn]}
TOOL=$BUILD/menjin-bundle

cp_setup "$BUILD" || { not_ok "office and fast path start"; exit 1; }
K=$CP_DIR/keys W=$CP_DIR/www J=$CP_DIR/json
mkdir -p "$K" "$W" "$J" "$CP_DIR/nginx"
chmod 755 "$W"

info "the centre's web server certificate and its bundle signing key"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=menjin lab centre CA" \
	-keyout "$K/ca.key" -out "$K/ca.pem" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$K/server.key" -out "$K/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$K/server.ext"
openssl x509 -req -in "$K/server.csr" -CA "$K/ca.pem" -CAkey "$K/ca.key" -CAcreateserial -days 2 \
	-extfile "$K/server.ext" -out "$K/server.pem" 2>/dev/null
chmod 644 "$K/server.key"   # nginx's worker reads it; a throwaway lab key
check "menjin-bundle keygen makes the centre's key" "$TOOL" keygen "$K/centre.key"

# bundle_json FILE PORTS DEVICES: the centre's contents. Role clerk allows
# the file server's PORTS (tcp) and ICMP; the PC is admitted with it by MAC.
bundle_json() {
	cat >"$1" <<JSON
{
  "issuer": "Yilan County IT centre (lab)",
  "roles": [
    { "name": "clerk", "id": 40, "default": "deny",
      "rules": [ { "action": "permit", "proto": "tcp", "to": "10.10.0.100", "ports": "$2" },
                 { "action": "permit", "proto": "icmp", "to": "10.10.0.0/16" } ] }
  ],
  "policy": [
    { "name": "clerk-pc", "match": { "mac": "$PC1" }, "verdict": "admit", "role": "clerk",
      "reason": "clerk PC (central bundle)" }
  ],
  "devices": [ $3 ],
  "blocklist": [ "198.51.100.0/24" ]
}
JSON
}
DEV_PRN="{ \"mac\": \"$PRN\", \"state\": \"admit\", \"role\": \"clerk\", \"comment\": \"3F printer\" }"
DEV_PC2="{ \"mac\": \"$PC2\", \"state\": \"admit\", \"role\": \"clerk\", \"comment\": \"front desk\" }"
bundle_json "$J/v1.json" 9000 "$DEV_PRN, $DEV_PC2"
bundle_json "$J/v3.json" "9000,9001" "$DEV_PC2"
# v2: 60 rules of 16 port ranges: the schema takes it, the role does not
# compile (more than ROLE_MAX_ENTRIES entries).
python3 - "$J/v2.json" <<'PY'
import json, sys
ports = ",".join(str(9100 + i) for i in range(16))
rules = [{"action": "permit", "proto": "tcp", "to": "10.10.0.%d" % (i + 1), "ports": ports} for i in range(60)]
json.dump({"roles": [{"name": "clerk", "id": 40, "rules": rules}]}, open(sys.argv[1], "w"))
PY
sign() { # version json out
	"$TOOL" sign --key "$K/centre.key" --key-id centre-lab --version "$1" --expires +30d "$J/$2" "$J/$3" >/dev/null
}
check "menjin-bundle signs version 1" sign 1 v1.json v1.bundle
check "menjin-bundle signs version 2 (its roles only fail on the appliance)" sign 2 v2.json v2.bundle
check "menjin-bundle signs version 3" sign 3 v3.json v3.bundle
# tampered: version 3 with one byte of the payload changed after signing
sed 's/9000,9001/9000,9002/' "$J/v3.bundle" >"$J/v3-tampered.bundle"
PUBLISHED=0
publish() { # FILE: atomically, with a new mtime each time (nginx's ETag is mtime + size)
	PUBLISHED=$((PUBLISHED + 1))
	cp "$1" "$W/bundle.tmp"
	chmod 644 "$W/bundle.tmp"
	touch -d "@$(($(date +%s) - 1000 + PUBLISHED))" "$W/bundle.tmp"
	mv "$W/bundle.tmp" "$W/bundle"
}

free_port() { local p; for _ in 1 2 3 4 5 6 7 8; do p=$((20000 + RANDOM % 20000))
	ss -ltn "( sport = :$p )" 2>/dev/null | grep -q LISTEN || { echo "$p"; return; }; done; }
HTTPS_PORT=$(free_port)
cat >"$CP_DIR/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $CP_DIR/nginx/nginx.pid;
error_log $CP_DIR/nginx/error.log info;
events { worker_connections 64; }
http {
	access_log $CP_DIR/nginx/access.log;
	client_body_temp_path $CP_DIR/nginx/body;
	proxy_temp_path $CP_DIR/nginx/proxy;
	fastcgi_temp_path $CP_DIR/nginx/fastcgi;
	uwsgi_temp_path $CP_DIR/nginx/uwsgi;
	scgi_temp_path $CP_DIR/nginx/scgi;
	types { }
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$HTTPS_PORT ssl;
		ssl_certificate $K/server.pem;
		ssl_certificate_key $K/server.key;
		root $W;
	}
}
CONF
nginx -p "$CP_DIR/nginx" -e "$CP_DIR/nginx/error.log" -c "$CP_DIR/nginx/nginx.conf" -g 'daemon off;' 9>&- &
NGINX_PID=$!
check "nginx answers over HTTPS on 127.0.0.1:$HTTPS_PORT (no bundle yet: 404)" \
	wait_for 50 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$K/ca.pem' https://127.0.0.1:$HTTPS_PORT/bundle)\" = 404 ]"

cat >>"$CONF" <<CONF

central:
{
  url = "https://127.0.0.1:$HTTPS_PORT/bundle";
  ca_file = "$K/ca.pem";
  keys = ( { id = "centre-lab"; public_key_file = "$K/centre.key.pub"; } );
  poll_interval = 3600;
  state_dir = "$CP_DIR/central";
};
CONF

check "menjind starts with central {} and syncs the fast path" cp_start
serve_tcp 9000
serve_tcp 9001
serve_tcp 80

st() { api central.status | jget "r['result']['bundle']$1"; }
version_is() { [ "$(st "['version']")" = "$1" ]; }
refusal_has() { st "['last_refusal']" | grep -qF -- "$1"; }
generation() { api stats | jget 'r["result"]["daemon"]["generation"]'; }
override_user() { api device.show "{\"mac\":\"$1\"}" | jget 'r["result"]["override"]["user"] if r["result"]["override"] else "none"'; }
role_is() { [ "$(api device.show "{\"mac\":\"$1\"}" | jget 'r["result"]["verdict"]["role"]')" = "$2" ]; }
merged_is() { [ "$(api central.status | jget 'r["result"]["blocklist_prefixes"]')" = "$1" ]; }
fp_prefixes_are() { [ "$(fp_counter blocklist.prefixes)" = "$1" ]; }
http_code_is() { [ "$(st "['fetch']['http_code']")" = "$1" ]; }
no_override() { [ "$(override_user "$1")" = none ]; }
pc1_verdicts() { api events '{"limit":1000}' | jget "len([e for e in r['result']['events'] if e['kind'] == 'verdict' and e.get('mac') == '$PC1'])"; }

check "no bundle yet: central.status reports none running" test "$(st "['running']")" = False
check "the first poll failed with 404" wait_for 50 http_code_is 404

info "local policy: the clerk's PC is quarantined"
can_ping mjpc1 10.10.0.1 >/dev/null   # its first packet makes it known
check "the PC is quarantined by the local policy" wait_for 30 state_is "$PC1" quarantined
refute "the quarantined PC does not reach port 9000 of the file server" can_tcp mjpc1 10.10.0.100 9000
api device.override "{\"mac\":\"$PC2\",\"state\":\"quarantine\",\"duration\":\"1h\",\"reason\":\"admin hold for repair\"}" >/dev/null
check "an administrator holds PC2 with an override" test "$(override_user "$PC2")" = lab-admin
GEN0=$(generation)

info "the centre publishes version 1"
publish "$J/v1.bundle"
check "central.sync is accepted (admin)" output_has '"polling":true' api central.sync
check "version 1 is in force" wait_for 50 version_is 1
check "the generation moved (the bundle's roles and policy)" test "$(generation)" -gt "$GEN0"
check "the PC is admitted by the bundle's rule with its role clerk" wait_for 30 role_is "$PC1" clerk
check "the verdict names the bundle's rule" \
	test "$(api device.show "{\"mac\":\"$PC1\"}" | jget 'r["result"]["verdict"]["rule"]')" = clerk-pc
check "the fast path admits it" wait_for 30 fp_state_is "$PC1" admitted
check "the PC reaches port 9000, allowed only by the bundle's role ACL" wait_for 30 can_tcp mjpc1 10.10.0.100 9000
refute "but not port 80 (the bundle's role denies it)" can_tcp mjpc1 10.10.0.100 80
check "the printer is an override by central" test "$(override_user "$PRN")" = central
check "the printer's override admits it with role clerk" wait_for 30 role_is "$PRN" clerk
check "PC2 keeps the administrator's override" test "$(override_user "$PC2")" = lab-admin
check "the bundle's blocklist is merged" wait_for 50 merged_is 1
check "and the fast path holds it" wait_for 30 fp_prefixes_are 1
check "central.status: key id" test "$(st "['key_id']")" = centre-lab
check "central.status: sha256 of the payload" test "$(st "['sha256']" | tr -d '\n' | wc -c)" = 64
check "central.status: applied now, not from disk" test "$(st "['from_disk']")" = False
check "central.status: counts" test "$(st "['counts']['roles']") $(st "['counts']['policy']") $(st "['counts']['devices']")" = "1 1 2"
check "central.applied was an event" output_has '"kind":"central.applied"' api events '{"limit":1000}'
check "show central in the CLI shows the bundle" \
	output_has "centre-lab" "$BUILD/menjin-cli" -s "$API_SOCK" -c "show central"
GEN1=$(generation)

info "version 2: its role does not compile on the appliance"
publish "$J/v2.bundle"
api central.sync >/dev/null
check "version 2 is refused with the reason" wait_for 50 refusal_has "compiled entries"
check "version 1 stays in force" version_is 1
check "the refusal was an event" output_has '"kind":"central.refused"' api events '{"limit":1000}'
check "the generation did not move" test "$(generation)" = "$GEN1"
check "the PC still reaches port 9000" can_tcp mjpc1 10.10.0.100 9000

info "a tampered version 3"
publish "$J/v3-tampered.bundle"
api central.sync >/dev/null
check "the tampered bundle is refused (signature)" wait_for 50 refusal_has "signature"
check "that refusal was an event too" output_has 'central bundle refused: signature' api events '{"limit":1000}'
check "version 1 stays in force" version_is 1
refute "port 9001 stays closed" can_tcp mjpc1 10.10.0.100 9001

info "the real version 3: port 9001 too, the printer is no longer listed"
publish "$J/v3.bundle"
check "request sync central in the CLI polls the centre" \
	output_has "polling the centre" "$BUILD/menjin-cli" -s "$API_SOCK" -c "request sync central"
check "version 3 is in force" wait_for 50 version_is 3
check "the PC reaches port 9001 now" wait_for 30 can_tcp mjpc1 10.10.0.100 9001
check "the printer's central override is gone" wait_for 30 no_override "$PRN"
check "PC2 still keeps the administrator's override" test "$(override_user "$PC2")" = lab-admin

info "the centre's server replays version 1 (rollback)"
publish "$J/v1.bundle"
api central.sync >/dev/null
check "the rollback is refused" wait_for 50 refusal_has "rollback"
check "version 3 stays in force" version_is 3

info "menjind restarts"
GEN3=$(generation)
VERDICTS=$(pc1_verdicts)
check "the PC's verdicts so far are in the event log" test "$VERDICTS" -gt 0
cp_stop
check "menjind starts again" cp_start
check "the saved version 3 is in force, from disk" test "$(st "['version']") $(st "['from_disk']")" = "3 True"
check "the generation did not move" test "$(generation)" = "$GEN3"
check "no verdict of the PC changed on the way" test "$(pc1_verdicts)" = "$VERDICTS"
check "the PC keeps its role clerk" role_is "$PC1" clerk
check "and reaches port 9001" wait_for 30 can_tcp mjpc1 10.10.0.100 9001
check "the replayed version 1 is refused again after the restart" wait_for 50 refusal_has "rollback"

info "the administrator takes central {} out of the configuration"
cp "$CONF" "$CP_DIR/with-central.conf"
sed -i '/^central:$/,$d' "$CONF"
check "the reload is accepted" output_has '"ok":true' api config.reload
bundle_off() { [ "$(api central.status | jget 'r["result"]["bundle"]')" = None ]; }
check "central.status: no bundle" wait_for 50 bundle_off
check "the local policy decides the PC again: quarantined" wait_for 30 state_is "$PC1" quarantined
no_tcp() { ! can_tcp "$@"; }
check "the fast path keeps it from port 9001" wait_for 30 no_tcp mjpc1 10.10.0.100 9001
check "the bundle's blocklist left the fast path" wait_for 30 fp_prefixes_are 0
check "PC2 still keeps the administrator's override" test "$(override_user "$PC2")" = lab-admin

info "central {} comes back: the saved bundle applies at once"
cp "$CP_DIR/with-central.conf" "$CONF"
check "the reload is accepted" output_has '"ok":true' api config.reload
check "version 3 is in force again, from disk" wait_for 50 version_is 3
check "the PC is admitted with role clerk again" wait_for 30 role_is "$PC1" clerk
check "and reaches port 9001" wait_for 30 can_tcp mjpc1 10.10.0.100 9001

lab_finish
