#!/bin/bash
# tests/bench/ad_sync_bench.sh BUILD [COUNT] — initial AD sync of COUNT (10,000)
# computer objects from a Samba AD DC provisioned for the run.
#
# Reference, measured in the same run against the same DC: `ldapsearch`
# with the paged results control fetching the same objects and attributes
# with the same page size (to /dev/null). Reported: the time to load the
# objects (ldapadd), menjin's full sync (fetch, parse, resolve groups, index)
# without and with saving the snapshot to SQLite, objects/s, and the ratio
# to the reference. Not part of the normal test suite. Needs root and the
# packages of `make deps`; takes a few minutes, mostly ldapadd.
set -u
BUILD=${1:-build}
COUNT=${2:-10000}
GROUPS_N=20                   # groups, each with COUNT/GROUPS_N members, nested in pairs
PAGE=500                      # our default page size (AD_DEFAULT_PAGE_SIZE)
cd "$(dirname "$0")/../.." || exit 1
source tests/lab/lib.sh
source tests/lab/adlab.sh
case $BUILD in /*) DRIVER=$BUILD/tests/adsync_live_test ;; *) DRIVER=$PWD/$BUILD/tests/adsync_live_test ;; esac
[ -x "$DRIVER" ] || { echo "ad_sync_bench: build $DRIVER first (make)"; exit 1; }

WORK=$(mktemp -d /tmp/menjin-adbench.XXXXXX)
cleanup() { ad_lab_stop; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }     # calc FORMAT EXPR
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

ad_lab_start "$WORK" || { echo "ad_sync_bench: the DC did not start"; exit 1; }
ad_service_account || exit 1
for ou in "OU=Office,$AD_NC" "$AD_COMPUTERS" "$AD_GROUPS"; do ad_tool ou create "$ou" >/dev/null || exit 1; done

# The LDIF: COUNT joined computers, then groups holding them (group i nested in group i-1).
python3 - "$COUNT" "$GROUPS_N" "$AD_COMPUTERS" "$AD_GROUPS" >"$WORK/bulk.ldif" <<'EOF'
import sys
count, ngroups, comps, groups = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
for i in range(count):
    n = "BPC%05d" % i
    print(f"dn: CN={n},{comps}\nobjectClass: computer\nsAMAccountName: {n}$\n"
          f"userAccountControl: {4098 if i % 50 == 0 else 4096}\ndNSHostName: {n.lower()}.menjin.test\n"
          f"operatingSystem: Windows 11 Pro\noperatingSystemVersion: 10.0 (22631)\n")
per = count // ngroups
for g in range(ngroups):
    print(f"dn: CN=BG{g:02d},{groups}\nobjectClass: group\nsAMAccountName: BG{g:02d}")
    for i in range(g * per, (g + 1) * per):
        print(f"member: CN=BPC{i:05d},{comps}")
    if g + 1 < ngroups:
        print(f"member: CN=BG{g + 1:02d},{groups}")
    print()
EOF
# groups reference later groups: add them in reverse order
python3 - "$WORK/bulk.ldif" <<'EOF'
import sys
p = sys.argv[1]
recs = open(p).read().strip().split("\n\n")
comps = [r for r in recs if "objectClass: computer" in r]
groups = [r for r in recs if "objectClass: group" in r]
open(p, "w").write("\n\n".join(comps + groups[::-1]) + "\n")
EOF

t0=$(now)
ad_ldap ldapadd -f "$WORK/bulk.ldif" >"$WORK/ldapadd.log" 2>&1 || { echo "ad_sync_bench: ldapadd failed:"; tail -5 "$WORK/ldapadd.log"; exit 1; }
t1=$(now)
echo "ad_sync_bench: ldapadd of $COUNT computers and $GROUPS_N groups: $(secs "$t0" "$t1") s"

export AD_LIVE_CONF=$WORK/ad.conf AD_LIVE_QUIET=1
ad_conf "$AD_LIVE_CONF"

# The reference: the same searches as a full sync (computers, then groups), paged alike.
ATTRS="objectGUID objectClass isDeleted sAMAccountName dNSHostName userAccountControl memberOf operatingSystem operatingSystemVersion whenChanged uSNChanged"
reference() {
	ad_ns env LDAPTLS_CACERT="$AD_DIR/tls/ca.pem" ldapsearch -H ldaps://127.0.0.1 -x \
		-D "$AD_SVC@menjin.test" -w "$AD_SVC_PW" -E "!pr=$PAGE/noprompt" -b "$AD_COMPUTERS" \
		'(objectClass=computer)' $ATTRS >"$WORK/ref.out" &&
	ad_ns env LDAPTLS_CACERT="$AD_DIR/tls/ca.pem" ldapsearch -H ldaps://127.0.0.1 -x \
		-D "$AD_SVC@menjin.test" -w "$AD_SVC_PW" -E "!pr=$PAGE/noprompt" -b "$AD_GROUPS" \
		'(objectClass=group)' $ATTRS >>"$WORK/ref.out"
}
ours() { # extra env
	env "$@" ip netns exec "$AD_NS" "$DRIVER" sync full >"$WORK/ours.out" 2>"$WORK/ours.err"
}

reference   # warm the DC's caches once, for both
best_ref=""; best_ours=""; best_store=""
for run in 1 2 3; do
	t0=$(now); reference || { echo "ad_sync_bench: ldapsearch failed"; exit 1; }; t1=$(now)
	r=$(secs "$t0" "$t1")
	t0=$(now); ours AD_LIVE_DB= || { echo "ad_sync_bench: sync failed:"; cat "$WORK/ours.out"; exit 1; }; t1=$(now)
	o=$(secs "$t0" "$t1")
	rm -f "$WORK/menjin.db"*
	t0=$(now); ours AD_LIVE_DB="$WORK/menjin.db" || { echo "ad_sync_bench: sync failed"; exit 1; }; t1=$(now)
	st=$(secs "$t0" "$t1")
	echo "ad_sync_bench: run $run: ldapsearch $r s, menjin $o s, menjin + SQLite $st s"
	{ [ -z "$best_ref" ] || less "$r" "$best_ref"; } && best_ref=$r
	{ [ -z "$best_ours" ] || less "$o" "$best_ours"; } && best_ours=$o
	{ [ -z "$best_store" ] || less "$st" "$best_store"; } && best_store=$st
done
grep -E '^(status|snapshot)' "$WORK/ours.out" | sed 's/^/ad_sync_bench: /'
got=$(sed -n 's/^snapshot computers=\([0-9]*\) .*/\1/p' "$WORK/ours.out")
refn=$(grep -c '^dn: CN=BPC' "$WORK/ref.out")
[ "$got" = "$COUNT" ] || echo "ad_sync_bench: WARNING: the sync has $got computers, expected $COUNT"
[ "$refn" = "$COUNT" ] || echo "ad_sync_bench: WARNING: ldapsearch returned $refn computers, expected $COUNT"
objs=$((COUNT + GROUPS_N))
echo "ad_sync_bench: initial sync of $COUNT computers + $GROUPS_N groups (best of 3, page size $PAGE):"
echo "ad_sync_bench:   menjin full sync    $best_ours s  $(calc %d "$objs / $best_ours") objects/s"
echo "ad_sync_bench:   + snapshot saved    $best_store s  $(calc %d "$objs / $best_store") objects/s"
echo "ad_sync_bench:   ldapsearch (ref.)   $best_ref s  $(calc %d "$objs / $best_ref") objects/s"
echo "ad_sync_bench:   ratio menjin/ldapsearch $(calc %.2f "$best_ours / $best_ref")," \
     "with SQLite $(calc %.2f "$best_store / $best_ref")"
