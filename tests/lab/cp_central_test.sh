#!/bin/bash
# tests/lab/cp_central_test.sh BUILD — threat feeds and SOC export wired into
# menjind, told by the township's administrator:
#   The regional SOC publishes a STIX 2.1 feed over HTTPS (a real nginx on
#   loopback) and collects events over TLS (a real rsyslog). A clerk's PC is
#   admitted and works with the file server. The SOC adds the file server's
#   address to its feed (it was compromised): after the next poll the PC no
#   longer reaches it, while the rest of the office network still works. The
#   list survives a role change (a new generation) and a restart of the fast
#   path, because menjind pushes its merged list on every resync. The SOC
#   withdraws the indicator: access is back. Every event also reached the
#   SOC's rsyslog over TLS, under the SOC's own SD-ID (soc.sd_id).
#
# Needs: nginx, rsyslog + rsyslog-gnutls, openssl, socat; root (namespaces).
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
. tests/lab/lib.sh
. tests/lab/cp_lib.sh

[ "$(id -u)" -eq 0 ] || { echo "not ok - lab tests need root"; exit 1; }
[ -x "$BUILD/menjin-fp" ] && [ -x "$BUILD/menjind" ] || { echo "not ok - build menjin-fp and menjind first"; exit 1; }
for tool in nginx rsyslogd openssl socat; do
	command -v $tool >/dev/null || { echo "not ok - $tool is installed (make deps)"; exit 1; }
done

FEED=cplab$$
FEED_STATE=/var/lib/menjin/central/feed-$FEED   # feeds keep their last good copy in central's state_dir
STATE_DIR_EXISTED=no; [ -d /var/lib/menjin/central ] && STATE_DIR_EXISTED=yes
NGINX_PID="" RSYSLOG_PID=""
central_cleanup() {
	cp_cleanup
	for p in $NGINX_PID $RSYSLOG_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -f "$FEED_STATE" "$FEED_STATE".*
	[ "$STATE_DIR_EXISTED" = yes ] || rmdir /var/lib/menjin/central 2>/dev/null
}
trap central_cleanup EXIT

PC1=${LAB_MAC[mjpc1]}

cp_setup "$BUILD" || { not_ok "office and fast path start"; exit 1; }
K=$CP_DIR/keys W=$CP_DIR/www
mkdir -p "$K" "$W" "$CP_DIR/nginx" "$CP_DIR/rsyslog"
chmod 755 "$W"

info "the SOC's CA and a certificate for 127.0.0.1 (its web server and its collector)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=menjin lab SOC CA" \
	-keyout "$K/ca.key" -out "$K/ca.pem" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$K/server.key" -out "$K/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$K/server.ext"
openssl x509 -req -in "$K/server.csr" -CA "$K/ca.pem" -CAkey "$K/ca.key" -CAcreateserial -days 2 \
	-extfile "$K/server.ext" -out "$K/server.pem" 2>/dev/null
chmod 644 "$K/server.key"   # nginx's worker reads it; a throwaway lab key
check "certificate made by the lab CA" bash -c "openssl verify -CAfile '$K/ca.pem' '$K/server.pem' >/dev/null"

# write_feed ADDR...: the SOC's STIX bundle, one indicator per address
write_feed() {
	local objs="" n=0 a
	for a in "$@"; do
		n=$((n + 1))
		[ -n "$objs" ] && objs="$objs,"
		objs="$objs
  { \"type\": \"indicator\", \"spec_version\": \"2.1\", \"id\": \"indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd00$(printf %02d $n)\",
    \"created\": \"2026-01-01T00:00:00.000Z\", \"modified\": \"2026-01-01T00:00:00.000Z\", \"name\": \"lab indicator $a\",
    \"pattern\": \"[ipv4-addr:value = '$a']\", \"pattern_type\": \"stix\", \"valid_from\": \"2026-01-01T00:00:00Z\" }"
	done
	printf '{ "type": "bundle", "id": "bundle--6b5e2a86-0a6f-4b5e-8bd3-6d1f51d7f1c1", "objects": [%s\n] }\n' \
		"$objs" >"$W/feed.json.tmp"
	chmod 644 "$W/feed.json.tmp"
	mv "$W/feed.json.tmp" "$W/feed.json"
}
write_feed 198.51.100.23

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
	types { application/json json; }
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
check "nginx serves the feed over HTTPS on 127.0.0.1:$HTTPS_PORT" \
	wait_for 50 bash -c "curl -sf --cacert '$K/ca.pem' https://127.0.0.1:$HTTPS_PORT/feed.json | grep -q indicator"

SOC_PORT=$(free_port)
RECEIVED=$CP_DIR/rsyslog/received.log
cat >"$CP_DIR/rsyslog/rsyslog.conf" <<CONF
global(workDirectory="$CP_DIR/rsyslog"
       DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="$K/ca.pem"
       DefaultNetstreamDriverCertFile="$K/server.pem"
       DefaultNetstreamDriverKeyFile="$K/server.key")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" port="$SOC_PORT" address="127.0.0.1")
template(name="raw" type="string" string="%rawmsg%\n")
action(type="omfile" file="$RECEIVED" template="raw")
CONF
rsyslogd -n -f "$CP_DIR/rsyslog/rsyslog.conf" -i "$CP_DIR/rsyslog/rsyslog.pid" >>"$CP_DIR/rsyslog/out" 2>&1 9>&- &
RSYSLOG_PID=$!
check "rsyslog listens with TLS on 127.0.0.1:$SOC_PORT" \
	wait_for 50 bash -c "ss -ltn '( sport = :$SOC_PORT )' | grep -q LISTEN"

cat >>"$CONF" <<CONF

feeds = (
  { name = "$FEED"; url = "https://127.0.0.1:$HTTPS_PORT/feed.json"; format = "stix";
    ca_file = "$K/ca.pem"; poll_interval = 3600; }
);
soc:
{
  collectors = ( { host = "127.0.0.1"; port = $SOC_PORT; ca_file = "$K/ca.pem"; } );
  queue_file = "$CP_DIR/soc-queue.db";
  queue_max = 1000;
  sd_id = "soc@32473";
};
CONF

check "menjind starts with a feed and SOC export, and syncs the fast path" cp_start
serve_tcp 80

prefixes() { api central.status | jget 'r["result"]["blocklist_prefixes"]'; }
prefixes_are() { [ "$(prefixes)" = "$1" ]; }
check "the feed's one indicator is the merged blocklist" wait_for 50 prefixes_are 1
check "central.status lists the feed with its prefix count" \
	test "$(api central.status | jget 'r["result"]["feeds"][0]["prefixes"]')" = 1
check "the fast path holds it" wait_for 30 bash -c "[ \"\$($BUILD/menjin-fpctl -s '$FP_SOCK' stats | awk '\$1 == \"blocklist.prefixes\" { print \$2 }')\" = 1 ]"

info "a clerk's PC is admitted (override, role staff)"
can_ping mjpc1 10.10.0.1 >/dev/null   # its first packet makes it known
wait_for 30 state_is "$PC1" quarantined
api device.override "{\"mac\":\"$PC1\",\"state\":\"admit\",\"role\":\"staff\",\"duration\":\"1h\",\"reason\":\"clerk\"}" >/dev/null
check "the admitted PC reaches the file server" wait_for 30 can_tcp mjpc1 10.10.0.100 80

info "the SOC adds the file server's address to its feed"
write_feed 198.51.100.23 10.10.0.100
check "feeds.poll is accepted (admin)" output_has '"ok":true' api feeds.poll
check "the merged blocklist has both indicators" wait_for 50 prefixes_are 2
blocked() { ! can_tcp mjpc1 10.10.0.100 80 && ! can_ping mjpc1 10.10.0.100; }
check "the PC no longer reaches the file server" wait_for 20 blocked
check "but still reaches the rest of the network (router)" can_ping mjpc1 10.10.0.1
check "the fast path counted the hits on the feed's prefix" \
	bash -c "$BUILD/menjin-fpctl -s '$FP_SOCK' stats | awk '\$1 ~ /^blocklist\\.[0-9]+\\.hits\$/ && \$2 > 0 { f = 1 } END { exit !f }'"
check "feeds.applied was an event" output_has '"kind":"feeds.applied"' api events '{"limit":1000}'

info "a role change: new generation, role ACLs resent; the blocklist must go with them"
sed -i 's|{ action = "permit"; proto = "icmp"; to = "10.10.0.1"; }|{ action = "permit"; proto = "icmp"; to = "10.10.0.0/30"; }|' "$CONF"
reply=$(api config.reload)
check "the reload changed the rules" test "$(echo "$reply" | jget 'r["result"]["rules_changed"]')" = True
check "the PC is still kept from the file server after the role change" blocked
check "the fast path still holds 2 blocklist prefixes" \
	bash -c "[ \"\$($BUILD/menjin-fpctl -s '$FP_SOCK' stats | awk '\$1 == \"blocklist.prefixes\" { print \$2 }')\" = 2 ]"

info "the fast path restarts (empty tables, generation 0); menjind resyncs"
fp_stop
fp_start "$BUILD" "$CONF" "$CP_DIR/menjin-fp.log"
check "menjind resyncs the restarted fast path" wait_for 100 cp_ready
check "the resync sent the merged blocklist" \
	wait_for 20 grep -q 'resync: blocklist of 2 prefixes sent' "$CP_DIR/menjind.log"
check "the restarted fast path holds 2 blocklist prefixes" \
	wait_for 30 bash -c "[ \"\$($BUILD/menjin-fpctl -s '$FP_SOCK' stats | awk '\$1 == \"blocklist.prefixes\" { print \$2 }')\" = 2 ]"
check "the PC is still kept from the file server" blocked

info "the SOC withdraws the indicator"
write_feed 198.51.100.23
api feeds.poll >/dev/null
check "the merged blocklist is back to one prefix" wait_for 50 prefixes_are 1
check "the PC reaches the file server again" wait_for 30 can_tcp mjpc1 10.10.0.100 80

info "SOC export"
check "menjind's events reached the SOC's rsyslog over TLS" \
	wait_for 100 grep -q 'feeds.applied' "$RECEIVED"
check "with the structured data of the event under the SOC's SD-ID (soc.sd_id)" grep -q '\[soc@32473 ' "$RECEIVED"
refute "and not under menjind's" grep -q '\[menjin@32473 ' "$RECEIVED"
check "the local event log keeps menjind.sd_id" grep -q 'feeds.applied \[menjin@32473 ' "$CP_DIR/events.log"
check "central.status reports the SOC collector" \
	test "$(api central.status | jget 'r["result"]["soc"]["collectors"][0]["state"]')" = up

info "menjind stops: the fast path keeps its last tables, blocklist included"
cp_stop
check "the fast path still holds the feed's prefix after menjind stopped" \
	bash -c "[ \"\$($BUILD/menjin-fpctl -s '$FP_SOCK' stats | awk '\$1 == \"blocklist.prefixes\" { print \$2 }')\" = 1 ]"

lab_finish
