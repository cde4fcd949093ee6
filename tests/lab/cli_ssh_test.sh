#!/bin/bash
# tests/lab/cli_ssh_test.sh BUILD — the administrators' shell over real SSH,
# told by the township's IT officer:
#   She logs in to the gateway with her key and lands in menjin-cli, never
#   a shell. `show devices` lists the office's PCs, the printer and the
#   stolen laptop; router-style abbreviations work; a typo is named with
#   the word she meant. Her colleague on the help desk (an operator) may
#   look but is refused a change, and told why. She admits a PC for an
#   hour; scripts get the same over `ssh gw -- --json ...` and `-c`. She
#   follows events live, tries a configuration change that rolls itself
#   back unless confirmed (also when menjind restarts meanwhile, or is
#   stopped past the deadline), keeps one with confirm, is refused a
#   commit based on an old text or a text with an error (with its line),
#   captures a port's ICMP to a pcap that tshark reads, finds every line
#   she typed in the audit log with her address, and at the prompt Tab
#   and ? help her along.
#
# A private sshd on 127.0.0.1 (its own host key, port and config made from
# configs/sshd_menjin.conf) and two accounts are made here and removed at
# the end; the office, menjin-fp and menjind come from lib.sh/cp_lib.sh.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
BUILD=$(cd "$BUILD" && pwd)
. tests/lab/lib.sh
. tests/lab/cp_lib.sh

[ "$(id -u)" -eq 0 ] || { echo "not ok - lab tests need root"; exit 1; }
for p in "$BUILD/menjin-fp" "$BUILD/menjind" "$BUILD/menjin-cli" /usr/sbin/sshd /usr/bin/ssh /usr/bin/tmux; do
	[ -x "$p" ] || { echo "not ok - $p is missing (make deps && make)"; exit 1; }
done

ADMIN=mjcli-admin
OPER=mjcli-oper
PC1=${LAB_MAC[mjpc1]} PC3=${LAB_MAC[mjpc3]} PRN=${LAB_MAC[mjprn]}
SSHD_PID=
CREATED_GROUPS=
OFFICE=   # set once cp_setup holds the lab lock: only then is the office ours to tear down
# sshd's StrictModes refuses keys under /tmp (world-writable): keys, host
# key and the accounts' home live in a directory of root's under /run
SSH_DIR=$(mktemp -d /run/mjcli-ssh.XXXXXX)
chmod 0755 "$SSH_DIR"
TMUX_SESSION=mjcli$$

cleanup() {
	tmux kill-session -t "$TMUX_SESSION" 2>/dev/null
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	if [ "$TESTS_FAILED" -gt 0 ] && [ -n "${CP_DIR:-}" ]; then
		echo "# sshd log:"; tail -n 30 "$CP_DIR/sshd.log" 2>/dev/null | sed 's/^/#   /'
	fi
	userdel "$ADMIN" 2>/dev/null
	userdel "$OPER" 2>/dev/null
	for g in $CREATED_GROUPS; do groupdel "$g" 2>/dev/null; done
	rm -rf "$SSH_DIR"
	[ -n "$OFFICE" ] && cp_cleanup
}
trap cleanup EXIT

# --- the gateway: office, fast path, menjind, accounts, sshd --------------
# one office at a time: wait for the lab lock (lib.sh) before anything is ours
if declare -F lab_lock >/dev/null; then lab_lock; fi
OFFICE=1
cp_setup "$BUILD" || { not_ok "office and fast path start"; exit 1; }
chmod 0755 "$CP_DIR"
# the groups must exist before menjind gives api.sock to menjin-operator
for g in menjin-admin menjin-operator; do
	getent group "$g" >/dev/null || { groupadd "$g" && CREATED_GROUPS="$CREATED_GROUPS $g"; }
done
# The administrator is in both groups (api.sock belongs to menjin-operator);
# the operator's login shell is menjin-cli itself, the administrator's /bin/sh.
useradd -M -N -d "$SSH_DIR" -s /bin/sh -G menjin-admin,menjin-operator "$ADMIN"
useradd -M -N -d "$SSH_DIR" -s "$BUILD/menjin-cli" -G menjin-operator "$OPER"
# '*': no password that works, yet not "locked" (sshd refuses locked accounts)
usermod -p '*' "$ADMIN" && usermod -p '*' "$OPER"
check "menjind starts and syncs the fast path" cp_start

mkdir -p "$SSH_DIR/keys" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/hostkey"
for u in $ADMIN $OPER; do
	ssh-keygen -q -t ed25519 -N '' -C "$u" -f "$CP_DIR/$u.key"
	cp "$CP_DIR/$u.key.pub" "$SSH_DIR/keys/$u"
done
chmod 0644 "$SSH_DIR"/keys/*
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{
	echo "# made by tests/lab/cli_ssh_test.sh: these come first, so they win"
	echo "Port $PORT"
	echo "ListenAddress 127.0.0.1"
	echo "HostKey $SSH_DIR/hostkey"
	echo "PidFile $SSH_DIR/sshd.pid"
	echo "AuthorizedKeysFile $SSH_DIR/keys/%u"
	echo "UsePAM no"
	sed -e "s|ForceCommand /usr/bin/menjin-cli|ForceCommand $BUILD/menjin-cli|" \
	    -e "s|SetEnv MENJIN_API=/run/menjin/api.sock|SetEnv MENJIN_API=$API_SOCK|" configs/sshd_menjin.conf
} >"$CP_DIR/sshd_config"
check "sshd accepts configs/sshd_menjin.conf" /usr/sbin/sshd -t -f "$CP_DIR/sshd_config"
# 9>&-: what runs in the background must not hold lib.sh's lab lock
/usr/sbin/sshd -D -e -f "$CP_DIR/sshd_config" 2>"$CP_DIR/sshd.log" 9>&- &
SSHD_PID=$!
listening() { ss -ltn "sport = :$PORT" | grep -q LISTEN; }
check "sshd listens on 127.0.0.1:$PORT" wait_for 100 listening

SSH_OPTS=(-p "$PORT" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10)
# as USER COMMAND...: one command over SSH; output in $OUT, status in $RC
as() {
	local u=$1; shift
	RC=0
	OUT=$(timeout 60 ssh "${SSH_OPTS[@]}" -i "$CP_DIR/$u.key" "$u@127.0.0.1" "$@" 2>&1) || RC=$?
}
out_has() { grep -qF -- "$1" <<<"$OUT"; }
out_re() { grep -qE -- "$1" <<<"$OUT"; }
report() { echo "# $ $*"; sed 's/^/#   /' <<<"$OUT" | head -n 40; }

# the office wakes up: each machine's first packets make it known
can_ping mjpc1 10.10.0.1 >/dev/null
can_ping mjprn 10.10.0.1 >/dev/null
can_ping mjpc3 10.10.0.53 >/dev/null
all_known() { state_is "$PC1" quarantined && state_is "$PRN" admitted && state_is "$PC3" blocked; }
check "menjind knows the PC (quarantined), the printer (admitted), the laptop (blocked)" wait_for 50 all_known

# --- logging in lands in the CLI -------------------------------------------
as $ADMIN show devices
report show devices
check "admin: \`ssh gw show devices\` answers (status 0)" test "$RC" = 0
check "the list shows the quarantined PC" out_re "^$PC1 +10\.10\.1\.11 +quarantined "
check "the list shows the printer admitted with its role" out_re "^$PRN +10\.10\.1\.20 +admitted +printers "
check "the list shows the stolen laptop blocked" out_re "^$PC3 +[-0-9.]+ +blocked "
check "the table fits 80 columns" test "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' <<<"$OUT")" -le 80
as $ADMIN sh dev st bl
only_laptop() { out_has "$PC3" && ! out_has "$PC1"; }
check "abbreviations work: \`sh dev st bl\` lists only the blocked laptop" only_laptop
as $ADMIN show device 10.10.1.11
report show device 10.10.1.11
explained() { out_has "Decided by    the default" && out_has "  Why  "; }
check "show device IP: facts, verdict and why" explained
as $ADMIN shwo devices
typo_named() { [ "$RC" = 2 ] && out_has "unknown command 'shwo': did you mean 'show'?"; }
check "a typo is named with the right word (status 2)" typo_named
as $ADMIN id
check "no shell: \`ssh gw id\` is an unknown command" out_has "unknown command 'id'"
as $ADMIN "show ad"
report show ad
answered() { [ "$RC" -le 1 ] && [ -n "$OUT" ]; }
check "a command this menjind may lack answers in words, not a crash" answered

# --- the operator may look, not change ------------------------------------
as $OPER show devices state quarantined
listed_pc1() { [ "$RC" = 0 ] && out_has "$PC1"; }
check "operator (login shell menjin-cli): show devices works" listed_pc1
as $OPER request device "$PC1" admit role staff reason "help desk says so"
report operator: request device admit
check "operator is refused a change (status 1)" test "$RC" = 1
check "the refusal says why" out_has "permission denied: device.override needs the admin role"
refute "the device did not change" state_is "$PC1" admitted

# --- the administrator admits a PC; scripts use --json and -c ---------------
as $ADMIN request device "$PC1" admit role staff for 1h reason "clerk PC, scan fixed (ticket 88)"
report admin: request device admit
admitted_for_an_hour() { [ "$RC" = 0 ] && out_has "$PC1 is now admitted until"; }
check "admin admits the PC for an hour" admitted_for_an_hour
check "menjind decided it" state_is "$PC1" admitted
check "the PC reaches the file server" wait_for 30 can_ping mjpc1 10.10.0.100
as $ADMIN -- --json show device "$PC1"
json_admitted() { python3 -c 'import json, sys; assert json.loads(sys.argv[1])["verdict"]["state"] == "admitted"' "$OUT"; }
check "--json over SSH: the device as JSON" json_admitted
RC=0
OUT=$(runuser -u $ADMIN -- env MENJIN_API="$API_SOCK" "$BUILD/menjin-cli" --json -c "show devices state admitted") || RC=$?
json_lists_pc1() {
	python3 -c 'import json, sys; assert sys.argv[2] in [d["mac"] for d in json.loads(sys.argv[1])["devices"]]' "$OUT" "$PC1"
}
check "-c with --json: a list scripts can read" json_lists_pc1
RC=0
OUT=$(runuser -u $ADMIN -- env MENJIN_API="$API_SOCK" "$BUILD/menjin-cli" -c "show devices | match $PC1 | count; show stats | match total") || RC=$?
filtered() { out_has "Count: 1 lines" && out_has "total"; }
check "-c runs several commands; | match and | count filter" filtered
reply=$(api events '{"limit":1000}')
check "the change is in the audit log with the SSH user" has "device.override by $ADMIN" "$reply"
check "the refusal is in the audit log too" has "device.override by $OPER" "$reply"
if api commands | grep -q '"audit.add"'; then
	check "every command line is audited with its source address" has '127.0.0.1' "$(api events '{"limit":1000}')"
	# audit_rows CMD: records of CMD in the store that name the SSH client's address
	audit_rows() { sqlite3 "$CP_DIR/menjin.db" "SELECT count(*) FROM audit WHERE source = '127.0.0.1' AND cmd = '$1'"; }
	check "the store's audit record of the change names the SSH client's address" test "$(audit_rows device.override)" -ge 1
	check "the store has one record per command line, with the address" test "$(audit_rows cli)" -ge 5
	lines_audited() { sqlite3 "$CP_DIR/menjin.db" "SELECT args FROM audit WHERE cmd = 'cli'" | grep -qF '"line":"shwo devices"'; }
	check "a line that did not parse is audited too" lines_audited
else
	info "not tested: per-line audit (menjind has no audit.add yet; changes are audited by menjind)"
fi

# --- monitor events: live ----------------------------------------------------
timeout 30 ssh "${SSH_OPTS[@]}" -i "$CP_DIR/$ADMIN.key" "$ADMIN@127.0.0.1" monitor events count 2 \
	>"$CP_DIR/monitor.out" 2>&1 9>&- &
MON=$!
# the follower is connected: api.sock has it and this request
monitor_ready() { [ "$(api stats | jget 'r["result"]["daemon"]["api_clients"]')" -ge 2 ] 2>/dev/null; }
wait_for 50 monitor_ready
as $ADMIN request device "$PC1" clear reason "back to the policy"
wait "$MON"
check "monitor events shows the change as it happens" grep -q "override" "$CP_DIR/monitor.out"
check "the PC is back to what the policy says" wait_for 30 state_is "$PC1" quarantined

# --- commit confirmed ----------------------------------------------------------
# seen_interval N: the running configuration (menjind's config.show) says N
seen_interval() { local t; t=$(api config.show | jget 'r["result"]["text"]'); has "seen_interval = $1;" "$t"; }
running_sha() { api config.show | jget 'r["result"]["sha256"]'; }
file_sha() { sha256sum "$CONF" | cut -d' ' -f1; }
pending() { [ "$(api config.show | jget 'r["result"]["pending_confirm"]')" != None ]; }
# commit_args TEXTFILE BASE [MINUTES]: config.commit's arguments as JSON
commit_args() {
	python3 -c 'import json, sys
a = {"text": open(sys.argv[1]).read(), "base_sha256": sys.argv[2], "comment": "lab"}
if len(sys.argv) > 3: a["confirmed"] = int(sys.argv[3])
print(json.dumps(a))' "$@"
}
if api commands | grep -q '"config.commit"'; then
	ORIG_SHA=$(running_sha)
	check "config.show: the running text is the file's (same sha256)" test "$ORIG_SHA" = "$(file_sha)"
	as $ADMIN "configure; set menjind seen_interval 11; commit confirmed 1 comment lab test"
	report configure, commit confirmed 1
	committed() { [ "$RC" = 0 ] && out_has "commit complete" && out_has "or it is rolled back by itself"; }
	check "commit confirmed 1 is applied" committed
	check "the new value is running" seen_interval 11
	check "the file holds the committed text" test "$(running_sha)" = "$(file_sha)"
	check "config.show says a confirm is awaited" pending
	as $OPER show configuration history
	report operator: show configuration history
	history_pending() { [ "$RC" = 0 ] && out_re "^ *0 +[0-9]+ .*$ADMIN +pending +lab test"; }
	check "history (an operator may look): the commit is pending, by $ADMIN, with its comment" history_pending
	check "unconfirmed, it rolls back by itself within 90 s" wait_for 900 seen_interval 10
	check "the file is the original again, byte for byte" test "$(file_sha)" = "$ORIG_SHA"
	check "and that is what runs" test "$(running_sha)" = "$ORIG_SHA"
	rolled_back_event() { api events '{"limit":200}' | grep -q '"kind":"config.rollback"'; }
	check "the rollback is an event" rolled_back_event
	hist=$(api config.history '{"limit":3}')
	hist_states() { [ "$(jget '[v["state"] for v in r["result"]["versions"]][:2]' <<<"$hist")" = '["confirmed", "rolled back"]' ]; }
	check "history: the commit is 'rolled back', the version after it is the rollback" hist_states
	check "config.confirm with nothing waiting is an error" has "nothing to confirm" "$(api config.confirm)"

	# confirm keeps it
	as $ADMIN "configure; set menjind seen_interval 13; commit confirmed 5; exit"
	as $ADMIN confirm
	report confirm
	check "confirm keeps a commit confirmed" out_has "confirmed: version"
	refute "nothing waits after confirm" pending
	check "the confirmed value runs" seen_interval 13

	# a candidate based on an older text is refused; the running one stays
	api config.show | jget 'r["result"]["text"]' >"$CP_DIR/running.conf"
	CUR_SHA=$(running_sha)
	sed 's/seen_interval = 13;/seen_interval = 14;/' "$CP_DIR/running.conf" >"$CP_DIR/cand.conf"
	reply=$(api config.commit "$(commit_args "$CP_DIR/cand.conf" "$ORIG_SHA")")
	check "a commit based on a stale sha256 is refused" has "changed since it was read" "$reply"
	check "the running configuration did not change" test "$(running_sha)" = "$CUR_SHA"

	# a text that does not load is refused with its line; nothing changes
	sed 's/seen_interval = 13;/seen_interval = "often";/' "$CP_DIR/running.conf" >"$CP_DIR/bad.conf"
	BAD_LINE=$(grep -n 'seen_interval = "often"' "$CP_DIR/bad.conf" | cut -d: -f1)
	reply=$(api config.commit "$(commit_args "$CP_DIR/bad.conf" "$CUR_SHA")")
	info "bad text refused: $reply"
	check "a text that does not load is refused with its line number (line $BAD_LINE)" has "\"error\":\"line $BAD_LINE: " "$reply"
	check "the running configuration is unchanged" test "$(running_sha)" = "$CUR_SHA"
	check "the file is unchanged" test "$(file_sha)" = "$CUR_SHA"
	check "the old value still runs" seen_interval 13

	# a commit confirmed survives a restart of menjind (kill -9) and still rolls back
	sed 's/seen_interval = 13;/seen_interval = 12;/' "$CP_DIR/running.conf" >"$CP_DIR/cand.conf"
	reply=$(api config.commit "$(commit_args "$CP_DIR/cand.conf" "$CUR_SHA" 1)")
	confirm_by_set() { [ "$(jget 'r["result"]["confirm_by"]' <<<"$reply")" != None ]; }
	check "commit confirmed through the API answers its deadline" confirm_by_set
	check "the new value is running" seen_interval 12
	cp_kill9
	check "menjind starts again while the commit waits" cp_start
	check "after the restart the commit still waits" pending
	check "the restarted menjind rolls it back after the deadline" wait_for 900 seen_interval 13
	check "the file is the confirmed version again" test "$(file_sha)" = "$CUR_SHA"
	refute "nothing waits any more" pending

	# stopped past the deadline: the next start rolls back before it answers anything
	reply=$(api config.commit "$(commit_args "$CP_DIR/cand.conf" "$CUR_SHA" 1)")
	check "another commit confirmed 1 runs" seen_interval 12
	BY=$(jget 'r["result"]["confirm_by"]' <<<"$reply")
	cp_stop
	past_deadline() { [ "$(date +%s)" -gt "$(date -d "$BY" +%s)" ]; }
	check "its deadline ($BY) passes while menjind is stopped" wait_for 900 past_deadline
	check "menjind starts again" cp_start
	check "started after the deadline, it has rolled back at once" seen_interval 13
	check "the file is the confirmed version again" test "$(file_sha)" = "$CUR_SHA"
else
	as $ADMIN configure
	check "configure says plainly that this menjind cannot do it yet" out_has "not available"
	info "not tested: commit confirmed (menjind has no config.commit yet)"
fi

# --- capture --------------------------------------------------------------------
if api commands | grep -q '"capture.start"'; then
	as $ADMIN capture lan0 icmp count 3
	report capture lan0 icmp count 3
	PCAP=$(sed -n 's/^capturing up to 3 frames of lan0 to \(.*\.pcap\)$/\1/p' <<<"$OUT")
	check "capture starts and names its pcap file under capture_dir" test -n "$PCAP" -a "${PCAP#"$CP_DIR"/capture/}" != "$PCAP"
	in_ns mjprn ping -n -c 3 -i 0.2 -W 1 10.10.0.1 >/dev/null 2>&1
	capture_done() { api events '{"limit":200}' | grep -qF "capture done $PCAP 3 frames"; }
	check "the fast path says the capture is done" wait_for 100 capture_done
	icmp_frames() { tshark -r "$PCAP" -Y icmp 2>/dev/null | wc -l; }
	check "tshark reads the 3 ICMP frames of the pcap" test "$(icmp_frames)" = 3
	check "tcpdump reads it too" output_has "ICMP echo request" tcpdump -n -r "$PCAP"
	as $OPER capture lan0 count 2
	refused() { [ "$RC" = 1 ] && out_has "permission denied: capture.start needs the admin role"; }
	check "an operator may not capture" refused
	as $ADMIN 'capture lan0 "tcp port banana" count 2'
	report capture with a bad filter
	bad_filter() { [ "$RC" = 1 ] && out_has "banana"; }
	check "a bad filter is refused with the fast path's reason" bad_filter
	as $ADMIN capture eth9
	check "an unknown port is refused, naming the ports there are" out_has "no port 'eth9' (the fast path has lan0 (0), uplink (1))"
else
	info "not tested: capture (menjind has no capture.start yet)"
fi

# --- at the prompt: Tab and ? ------------------------------------------------------
tmux new-session -d -s "$TMUX_SESSION" -x 100 -y 20 \
	"ssh -t ${SSH_OPTS[*]} -i $CP_DIR/$ADMIN.key $ADMIN@127.0.0.1" 9>&-
screen() { tmux capture-pane -p -t "$TMUX_SESSION" 2>/dev/null; }
screen_has() { screen | grep -qF -- "$1"; }   # (tmux drops trailing spaces)
# screen_check DESC TEXT: the terminal shows TEXT within 3 s; else what it shows
screen_check() {
	if wait_for 30 screen_has "$2"; then ok "$1"; else not_ok "$1"; screen | sed 's/^/#   | /'; fi
}
check "an interactive login greets and prompts" wait_for 100 screen_has "$ADMIN@"
tmux send-keys -t "$TMUX_SESSION" "sh" Tab
screen_check "Tab completes 'sh' to 'show'" "> show"
tmux send-keys -t "$TMUX_SESSION" "dev" Tab "?"
screen_check "? lists what may follow 'show devices'" "only devices in this state"
screen_check "? offers the devices menjind knows" "$PRN"
screen_check "? says the command may end here" "<cr>"
tmux send-keys -t "$TMUX_SESSION" C-u "req dev 02:00:0a:0a:01:1" Tab
screen_check "Tab completes a MAC menjind knows" "req dev $PRN"
tmux send-keys -t "$TMUX_SESSION" C-u "help" Enter
screen_check "long output pages on a terminal" "-- more --"
tmux send-keys -t "$TMUX_SESSION" q
tmux send-keys -t "$TMUX_SESSION" "exit" Enter
gone() { ! tmux has-session -t "$TMUX_SESSION" 2>/dev/null; }
check "exit ends the session" wait_for 50 gone

lab_finish
