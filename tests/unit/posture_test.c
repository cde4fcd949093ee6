/* posture_test.c — from scans to a verdict per host: what counts, the
 * latest scan by end-time, staleness, required items, host matching,
 * overrides, the reason text, the policy it feeds, and the KPI table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "posture.h"

#define DAY 86400
#define NOW 1795608000LL            /* 2026-11-25T12:00:00Z */
#define SCANNED (NOW - 5 * DAY)     /* 2026-11-20 */
#define BENCH "xccdf_tw.gov.nccst_benchmark_TWGCB-01"

static char err[SCAN_ERR_MAX];

/* ---- building scans ------------------------------------------------------- */

/* One scan: identifiers may be NULL; items "ID=result,ID=result". */
static void add_scan(struct scan_report *r, const char *bench, const char *profile, int64_t ended,
		     const char *mac, const char *name, const char *addr, const char *items)
{
	struct scan *s;
	assert_int_equal(scan_report_add(r, &s), 0);
	s->format = SCAN_FORMAT_XCCDF;
	s->line = (int)r->nscans;
	snprintf(s->benchmark, sizeof(s->benchmark), "%s", bench);
	snprintf(s->profile, sizeof(s->profile), "%s", profile);
	s->ended = ended;
	if (mac) {
		uint8_t m[6];
		assert_int_equal(scan_mac_parse(mac, m), 0);
		scan_host_add_mac(&s->host, m);
	}
	if (name)
		scan_host_add_name(&s->host, name);
	if (addr) {
		struct scan_addr a;
		assert_int_equal(scan_addr_parse(addr, &a), 0);
		scan_host_add_addr(&s->host, &a);
	}
	char list[1024];
	snprintf(list, sizeof(list), "%s", items);
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		assert_non_null(eq);
		*eq = '\0';
		int res = scan_result_parse(eq + 1);
		assert_true(res >= 0);
		assert_int_equal(scan_item_add(r, s, tok, (enum scan_result)res, ended), 0);
	}
	scan_items_finish(r, s);
}

static void apply(struct posture_db *db, struct scan_report *r, const char *name)
{
	int rc = posture_db_apply(db, r, name, NOW, err, sizeof(err));
	if (rc < 0)
		fail_msg("apply %s: %s", name, err);
	assert_int_equal(r->nscans, 0);
}

static struct posture_key key_mac(const char *mac)
{
	struct posture_key k;
	memset(&k, 0, sizeof(k));
	assert_int_equal(scan_mac_parse(mac, k.mac), 0);
	return k;
}

static void evaluate(const struct posture_db *db, const struct posture_config *c, const struct posture_key *k,
		     const struct posture_override *o, struct posture_verdict *v, char *reason, size_t len)
{
	posture_evaluate(db, c, k, o, NOW, v);
	posture_reason(v, reason, len);
}

/* ---- what counts --------------------------------------------------------------- */

static void test_verdict_rules(void **state)
{
	(void)state;
	struct posture_db *db = posture_db_new();
	struct scan_report r = { 0 };
	struct posture_verdict v;
	struct posture_key k;
	char reason[POLICY_REASON_MAX];

	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:01", NULL, NULL,
		 "TWGCB-01-008-0001=pass,TWGCB-01-008-0002=fixed,TWGCB-01-008-0003=notapplicable,"
		 "TWGCB-01-008-0004=notselected,TWGCB-01-008-0005=informational,TWGCB-01-008-0006=notchecked");
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:02", NULL, NULL,
		 "TWGCB-01-008-0001=pass,TWGCB-01-008-0003=fail");
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:03", NULL, NULL,
		 "TWGCB-01-008-0001=pass,TWGCB-01-008-0005=error");
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:04", NULL, NULL,
		 "TWGCB-01-008-0001=notapplicable,TWGCB-01-008-0002=notselected");
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:05", NULL, NULL,
		 "TWGCB-01-008-0001=unknown,TWGCB-01-008-0003=fail");
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:06", NULL, NULL,
		 "TWGCB-01-008-0001=fail,TWGCB-01-008-0002=fail,TWGCB-01-008-0003=fail,TWGCB-01-010-0003=fail,"
		 "TWGCB-01-010-0007=fail,TWGCB-01-010-0008=pass");
	apply(db, &r, "scans.xml");
	assert_int_equal(posture_db_count(db), 6);
	assert_int_equal(posture_db_generation(db), 1);

	/* fixed counts as pass; notapplicable, notselected, informational,
	 * notchecked are not counted */
	k = key_mac("02:00:00:00:00:01");
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_COMPLIANT);
	assert_string_equal(v.matched_by, "MAC");
	assert_int_equal(v.scanned, SCANNED);
	assert_int_equal(v.nbaselines, 1);
	assert_string_equal(v.baselines[0].name, "TWGCB-01");
	assert_int_equal(v.baselines[0].npass, 2);
	assert_string_equal(v.baselines[0].source, "scans.xml");
	assert_string_equal(reason, "GCB compliant, scan 2026-11-20");

	k = key_mac("02:00:00:00:00:02");
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	assert_int_equal(v.nfailed, 1);
	assert_string_equal(v.failed[0], "TWGCB-01-008-0003");
	assert_string_equal(reason, "GCB TWGCB-01-008-0003 failed, scan 2026-11-20");

	k = key_mac("02:00:00:00:00:03");
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_UNKNOWN);
	assert_string_equal(reason, "GCB result unknown (TWGCB-01-008-0005), scan 2026-11-20");

	k = key_mac("02:00:00:00:00:04");
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_UNKNOWN);
	assert_string_equal(reason, "GCB scan 2026-11-20 checked no item");

	/* a failure says more than a doubt */
	k = key_mac("02:00:00:00:00:05");
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	assert_int_equal(v.nunknown, 1);

	k = key_mac("02:00:00:00:00:06");
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.nfailed, 5);
	assert_string_equal(reason, "GCB TWGCB-01-008-0001, TWGCB-01-008-0002, TWGCB-01-008-0003 and 2 more failed, "
			    "scan 2026-11-20");

	k = key_mac("02:00:00:00:00:99");
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_UNKNOWN);
	assert_string_equal(v.matched_by, "");
	assert_int_equal(v.scanned, 0);
	assert_string_equal(reason, "no GCB scan");
	posture_db_free(db);
}

/* ---- the latest scan ------------------------------------------------------------- */

static void test_latest_by_end_time(void **state)
{
	(void)state;
	struct posture_db *db = posture_db_new();
	struct scan_report r = { 0 };
	struct posture_verdict v;
	struct posture_key k = key_mac("02:00:00:00:00:10");
	char reason[POLICY_REASON_MAX];

	add_scan(&r, BENCH, "p", NOW - 5 * DAY, "02:00:00:00:00:10", "pc10", NULL, "TWGCB-01-008-0003=fail");
	apply(db, &r, "day20.xml");
	/* an older scan arriving later does not replace it */
	add_scan(&r, BENCH, "p", NOW - 7 * DAY, "02:00:00:00:00:10", "pc10", NULL, "TWGCB-01-008-0003=pass");
	apply(db, &r, "day18.xml");
	assert_int_equal(posture_db_count(db), 1);
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	assert_string_equal(v.baselines[0].source, "day20.xml");

	/* in one file, the later TestResult of a host wins whatever the order */
	add_scan(&r, BENCH, "p", NOW - 1 * DAY, "02:00:00:00:00:10", "pc10", NULL, "TWGCB-01-008-0003=pass");
	add_scan(&r, BENCH, "p", NOW - 2 * DAY, "02:00:00:00:00:10", "pc10", NULL, "TWGCB-01-008-0003=fail");
	apply(db, &r, "two.xml");
	assert_int_equal(posture_db_count(db), 1);
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_COMPLIANT);
	assert_int_equal(v.scanned, NOW - DAY);
	assert_string_equal(reason, "GCB compliant, scan 2026-11-24");

	/* another profile of the same benchmark is held too; one baseline, so
	 * the later of the two decides */
	add_scan(&r, BENCH, "q", NOW - 3600, "02:00:00:00:00:10", "pc10", NULL, "TWGCB-01-008-0009=fail");
	apply(db, &r, "profile-q.xml");
	assert_int_equal(posture_db_count(db), 2);
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	assert_int_equal(v.nbaselines, 1);
	assert_string_equal(v.failed[0], "TWGCB-01-008-0009");
	posture_db_free(db);
}

static void test_stale(void **state)
{
	(void)state;
	struct posture_db *db = posture_db_new();
	struct posture_config c;
	struct scan_report r = { 0 };
	struct posture_verdict v;
	struct posture_key k;
	char reason[POLICY_REASON_MAX];

	memset(&c, 0, sizeof(c));
	c.max_age = 7 * DAY;
	add_scan(&r, BENCH, "", NOW - 8 * DAY, "02:00:00:00:00:20", NULL, NULL, "TWGCB-01-008-0003=pass");
	add_scan(&r, BENCH, "", NOW - 2 * DAY, "02:00:00:00:00:21", NULL, NULL, "TWGCB-01-008-0003=pass");
	/* two baselines on one host: a fresh one and a stale one */
	add_scan(&r, BENCH, "", NOW - 1 * DAY, "02:00:00:00:00:22", NULL, NULL, "TWGCB-01-008-0003=pass");
	add_scan(&r, "xccdf_tw.gov.nccst_benchmark_TWGCB-04", "", NOW - 9 * DAY, "02:00:00:00:00:22", NULL, NULL,
		 "TWGCB-04-001-0001=pass");
	/* a fresh failure is not hidden by a stale baseline */
	add_scan(&r, BENCH, "", NOW - 1 * DAY, "02:00:00:00:00:23", NULL, NULL, "TWGCB-01-008-0003=fail");
	add_scan(&r, "xccdf_tw.gov.nccst_benchmark_TWGCB-04", "", NOW - 9 * DAY, "02:00:00:00:00:23", NULL, NULL,
		 "TWGCB-04-001-0001=pass");
	apply(db, &r, "f.xml");

	k = key_mac("02:00:00:00:00:20");
	evaluate(db, &c, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_STALE);
	assert_int_equal(v.expires, 0);
	assert_string_equal(reason, "GCB scan 2026-11-17 older than 7 days");

	k = key_mac("02:00:00:00:00:21");
	evaluate(db, &c, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_COMPLIANT);
	assert_int_equal(v.expires, NOW + 5 * DAY);          /* when it goes stale */

	k = key_mac("02:00:00:00:00:22");
	evaluate(db, &c, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_STALE);
	assert_int_equal(v.nbaselines, 2);
	assert_int_equal(v.scanned, NOW - 9 * DAY);

	k = key_mac("02:00:00:00:00:23");
	evaluate(db, &c, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	assert_int_equal(v.scanned, NOW - DAY);

	/* a scan dated in the future is refused, with the whole file */
	add_scan(&r, BENCH, "", NOW - DAY, "02:00:00:00:00:24", NULL, NULL, "TWGCB-01-008-0003=pass");
	add_scan(&r, BENCH, "", NOW + 3 * DAY, "02:00:00:00:00:25", NULL, NULL, "TWGCB-01-008-0003=pass");
	assert_int_equal(posture_db_check(db, &r, "future.xml", NOW, err, sizeof(err)), -EINVAL);
	assert_int_equal(posture_db_apply(db, &r, "future.xml", NOW, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "future.xml: line 2: scan time 2026-11-28 is in the future (a wrong clock?)");
	assert_int_equal(r.nscans, 2);                       /* untouched: the caller still owns it */
	assert_int_equal(posture_db_count(db), 6);
	assert_int_equal(posture_db_generation(db), 1);
	scan_report_free(&r);
	posture_db_free(db);
}

/* ---- baselines and required items ------------------------------------------------------ */

static void test_required_items(void **state)
{
	(void)state;
	struct posture_config *c = calloc(1, sizeof(*c));
	struct posture_baseline *b;
	struct posture_db *db = posture_db_new();
	struct scan_report r = { 0 };
	struct posture_verdict v;
	struct posture_key k;
	char reason[POLICY_REASON_MAX];

	assert_non_null(c);
	assert_int_equal(posture_config_add_baseline(c, "win10", &b), 0);
	assert_int_equal(posture_baseline_add_pattern(b, "*_benchmark_TWGCB-01"), 0);
	assert_int_equal(posture_baseline_add_pattern(b, "TWGCB-01"), 0);      /* the CSV family */
	assert_int_equal(posture_baseline_require(b, "TWGCB-01-008-0004"), 0);
	assert_int_equal(posture_baseline_require(b, "TWGCB-01-008-0003"), 0);
	assert_int_equal(posture_config_add_baseline(c, "office", &b), 0);
	assert_int_equal(posture_baseline_add_pattern(b, "TWGCB-04*"), 0);
	assert_int_equal(posture_config_check(c, err, sizeof(err)), 0);

	/* a non-required item failing does not decide */
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:30", NULL, NULL,
		 "TWGCB-01-008-0001=fail,TWGCB-01-008-0003=pass,TWGCB-01-008-0004=fixed");
	/* a required item not applicable is fine */
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:31", NULL, NULL,
		 "TWGCB-01-008-0003=notapplicable,TWGCB-01-008-0004=pass");
	/* a required item the scan did not check is unknown */
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:32", NULL, NULL,
		 "TWGCB-01-008-0003=pass,TWGCB-01-008-0001=pass");
	/* CSV rows (family TWGCB-01) meet the same list; TWGCB-04 has none */
	add_scan(&r, "TWGCB-01", "", SCANNED, "02:00:00:00:00:33", NULL, NULL,
		 "TWGCB-01-008-0003=fail,TWGCB-01-008-0004=pass");
	add_scan(&r, "TWGCB-04", "", SCANNED, "02:00:00:00:00:33", NULL, NULL, "TWGCB-04-001-0001=fail");
	apply(db, &r, "req.csv");

	k = key_mac("02:00:00:00:00:30");
	evaluate(db, c, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_COMPLIANT);
	assert_string_equal(v.baselines[0].name, "win10");
	assert_int_equal(v.baselines[0].npass, 2);

	k = key_mac("02:00:00:00:00:31");
	evaluate(db, c, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_COMPLIANT);

	k = key_mac("02:00:00:00:00:32");
	evaluate(db, c, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_UNKNOWN);
	assert_string_equal(reason, "GCB result unknown (TWGCB-01-008-0004), scan 2026-11-20");

	k = key_mac("02:00:00:00:00:33");
	evaluate(db, c, &k, NULL, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	assert_int_equal(v.nbaselines, 2);
	assert_int_equal(v.nfailed, 2);
	assert_string_equal(reason, "GCB TWGCB-01-008-0003, TWGCB-04-001-0001 failed, scan 2026-11-20");

	/* configuration mistakes are refused whole */
	assert_int_equal(posture_config_add_baseline(c, "win10", &b), 0);
	assert_int_equal(posture_baseline_add_pattern(b, "x"), 0);
	assert_int_equal(posture_config_check(c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "baseline 'win10' defined twice");
	snprintf(b->name, sizeof(b->name), "win11");
	assert_int_equal(posture_baseline_require(b, "TWGCB-01-001-0001"), 0);
	assert_int_equal(posture_baseline_require(b, "TWGCB-01-001-0001"), 0);
	assert_int_equal(posture_config_check(c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "baseline 'win11': item TWGCB-01-001-0001 required twice");
	assert_int_equal(posture_config_add_baseline(c, "no patterns", &b), -EINVAL);
	assert_int_equal(posture_config_add_baseline(c, "empty", &b), 0);
	b->npatterns = 0;
	c->baselines[2].nrequired = 1;
	assert_int_equal(posture_config_check(c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "baseline 'empty': no benchmark pattern");
	assert_int_equal(posture_baseline_require(b, "has space"), -EINVAL);
	posture_config_free(c);
	free(c);
	posture_db_free(db);
}

/* ---- matching a device to its scans ------------------------------------------------------ */

static void test_matching(void **state)
{
	(void)state;
	struct posture_db *db = posture_db_new();
	struct scan_report r = { 0 };
	struct posture_verdict v;
	struct posture_key k;
	struct scan_addr a;
	char reason[POLICY_REASON_MAX];

	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:40", "pc-0040.township.example", "10.10.1.40",
		 "TWGCB-01-008-0003=fail");
	add_scan(&r, BENCH, "", SCANNED, NULL, "pc-0041", NULL, "TWGCB-01-008-0003=pass");
	add_scan(&r, BENCH, "", SCANNED, "00:00:00:00:00:00", NULL, "10.10.1.50", "TWGCB-01-008-0003=pass");
	add_scan(&r, BENCH, "", SCANNED, NULL, "pc-0052", "10.10.1.52", "TWGCB-01-008-0003=pass");
	apply(db, &r, "m.xml");

	/* by MAC */
	k = key_mac("02:00:00:00:00:40");
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "MAC");
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);

	/* the MAC decides before a name: this device's own scan, not pc-0041's */
	k.hostname = "pc-0041";
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "MAC");

	/* by name: unqualified against FQDN and back, any case */
	k = key_mac("02:00:00:00:01:01");
	k.hostname = "PC-0040";
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "host name");
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	k.hostname = "pc-0041.township.example";
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "host name");
	assert_int_equal(v.status, POSTURE_COMPLIANT);
	k.hostname = "pc-0040.elsewhere.example";    /* another domain's pc-0040 */
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "");

	/* an all-zero MAC matches nothing (the scan's was dropped) */
	k = key_mac("00:00:00:00:00:00");
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "");

	/* by address only for scans with no MAC; and not a differently
	 * named host's scan when this device's name is known */
	k = key_mac("02:00:00:00:01:02");
	assert_int_equal(scan_addr_parse("10.10.1.50", &a), 0);
	k.addrs = &a;
	k.naddrs = 1;
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "address");
	assert_int_equal(v.status, POSTURE_COMPLIANT);
	assert_int_equal(scan_addr_parse("10.10.1.40", &a), 0);   /* pc-0040's, which has a MAC */
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "");
	assert_int_equal(scan_addr_parse("10.10.1.52", &a), 0);   /* pc-0052's */
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "address");
	k.hostname = "pc-0099";
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "");

	/* the key menjind builds from its facts */
	struct device_facts f;
	memset(&f, 0, sizeof(f));
	f.ipv4 = 0x0a0a0132;                                       /* 10.10.1.50 */
	snprintf(f.hostname, sizeof(f.hostname), "%s", "");
	posture_key_from_facts(&k, &f, &a);
	evaluate(db, NULL, &k, NULL, &v, reason, sizeof(reason));
	assert_string_equal(v.matched_by, "address");
	posture_db_free(db);
}

/* ---- overrides ----------------------------------------------------------------------------- */

static void test_overrides(void **state)
{
	(void)state;
	struct posture_db *db = posture_db_new();
	struct scan_report r = { 0 };
	struct posture_verdict v;
	struct posture_override o;
	struct posture_key k = key_mac("02:00:00:00:00:50");
	char reason[POLICY_REASON_MAX];

	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:50", NULL, NULL,
		 "TWGCB-01-008-0003=fail,TWGCB-01-008-0004=pass");
	apply(db, &r, "o.xml");

	/* an approved exception: the item is not counted */
	memset(&o, 0, sizeof(o));
	o.active = true;
	o.expires = NOW + 10 * DAY;
	o.nwaived = 1;
	snprintf(o.waived[0], sizeof(o.waived[0]), "TWGCB-01-008-0003");
	evaluate(db, NULL, &k, &o, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_COMPLIANT);
	assert_false(v.overridden);
	assert_int_equal(v.expires, NOW + 10 * DAY);          /* evaluate again when it ends */
	assert_string_equal(reason, "GCB compliant, scan 2026-11-20");

	/* a forced status */
	memset(&o, 0, sizeof(o));
	o.active = true;
	o.force = true;
	o.status = POSTURE_COMPLIANT;
	o.expires = 1798675200LL;                             /* 2026-12-31 */
	snprintf(o.user, sizeof(o.user), "chen");
	snprintf(o.reason, sizeof(o.reason), "exception approved by the county");
	evaluate(db, NULL, &k, &o, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_COMPLIANT);
	assert_true(v.overridden);
	assert_int_equal(v.scanned, NOW);
	assert_string_equal(reason, "GCB posture set compliant by admin chen: exception approved by the county, "
			    "until 2026-12-31");

	/* expired: as if there were none */
	o.expires = NOW;
	evaluate(db, NULL, &k, &o, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	assert_false(v.overridden);
	o.active = false;
	o.expires = 0;
	evaluate(db, NULL, &k, &o, &v, reason, sizeof(reason));
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	posture_db_free(db);
}

/* ---- the policy it feeds -------------------------------------------------------------------- */

static void test_feeds_policy(void **state)
{
	(void)state;
	/* the rules of configs/menjin.conf: a failing device is quarantined
	 * (the remediation servers stay reachable) and the reason names the items */
	struct conf *c = NULL;
	const char *text =
		"menjind = { posture_max_age_days = 7; };\n"
		"roles = ( { name = \"staff\"; id = 10; default = \"deny\"; } );\n"
		"policy = ( { name = \"gcb-failed\"; match = { posture = \"noncompliant\"; };\n"
		"             verdict = \"quarantine\"; reason = \"GCB {failed} failed, scan {scan}\"; },\n"
		"           { name = \"gcb-ok\"; match = { posture = \"compliant\"; }; verdict = \"admit\"; role = \"staff\"; } );\n";
	char cerr[CONF_ERR_MAX];
	if (conf_load_string(text, "test.conf", &c, cerr, sizeof(cerr)) < 0)
		fail_msg("%s", cerr);

	struct posture_config pc;
	memset(&pc, 0, sizeof(pc));
	pc.max_age = c->policy.posture_max_age;
	struct posture_db *db = posture_db_new();
	struct scan_report r = { 0 };
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:60", NULL, NULL,
		 "TWGCB-01-008-0003=fail,TWGCB-01-010-0003=pass");
	add_scan(&r, BENCH, "", SCANNED, "02:00:00:00:00:61", NULL, NULL, "TWGCB-01-010-0003=pass");
	apply(db, &r, "p.xml");

	struct device_facts f;
	struct posture_verdict pv;
	struct posture_key k;
	struct scan_addr a;
	struct verdict v;
	char summary[POLICY_SUMMARY_MAX], reason[POLICY_REASON_MAX];

	memset(&f, 0, sizeof(f));
	f.now = NOW;
	assert_int_equal(scan_mac_parse("02:00:00:00:00:60", f.mac), 0);
	posture_key_from_facts(&k, &f, &a);
	posture_evaluate(db, &pc, &k, NULL, f.now, &pv);
	posture_to_facts(&pv, &f);
	policy_evaluate(&c->policy, &f, &v);
	verdict_summary(&v, summary, sizeof(summary));
	assert_int_equal(v.state, VERDICT_QUARANTINE);
	assert_string_equal(summary, "quarantined: GCB TWGCB-01-008-0003 failed, scan 2026-11-20");
	posture_reason(&pv, reason, sizeof(reason));
	assert_string_equal(reason, "GCB TWGCB-01-008-0003 failed, scan 2026-11-20");
	/* both sides agree when the result goes stale */
	assert_int_equal(v.expires, pv.expires);

	memset(&f, 0, sizeof(f));
	f.now = NOW;
	assert_int_equal(scan_mac_parse("02:00:00:00:00:61", f.mac), 0);
	posture_key_from_facts(&k, &f, &a);
	posture_evaluate(db, &pc, &k, NULL, f.now, &pv);
	posture_to_facts(&pv, &f);
	policy_evaluate(&c->policy, &f, &v);
	assert_int_equal(v.state, VERDICT_ADMIT);
	assert_int_equal(policy_posture(&c->policy, &f), pv.status);
	/* three days on, both call it stale */
	f.now = NOW + 3 * DAY;
	posture_evaluate(db, &pc, &k, NULL, f.now, &pv);
	assert_int_equal(pv.status, POSTURE_STALE);
	posture_to_facts(&pv, &f);
	assert_int_equal(policy_posture(&c->policy, &f), POSTURE_STALE);
	policy_evaluate(&c->policy, &f, &v);
	assert_int_equal(v.state, VERDICT_QUARANTINE);
	posture_db_free(db);
	conf_free(c);
}

/* ---- KPI ---------------------------------------------------------------------------------------- */

static void test_kpi(void **state)
{
	(void)state;
	struct posture_kpi *k = malloc(sizeof(*k));
	struct posture_verdict v;
	char table[4096];
	assert_non_null(k);
	posture_kpi_init(k);

	memset(&v, 0, sizeof(v));
	snprintf(v.matched_by, sizeof(v.matched_by), "MAC");
	v.nbaselines = 1;
	snprintf(v.baselines[0].name, sizeof(v.baselines[0].name), "win10");
	for (int i = 0; i < 7; i++) {
		v.status = v.baselines[0].status = i < 5 ? POSTURE_COMPLIANT : POSTURE_NONCOMPLIANT;
		posture_kpi_add(k, "staff", &v);
	}
	v.status = v.baselines[0].status = POSTURE_STALE;
	posture_kpi_add(k, "staff", &v);
	memset(&v, 0, sizeof(v));                            /* never scanned */
	posture_kpi_add(k, "printers", &v);
	posture_kpi_add(k, "", &v);

	assert_int_equal(k->nroles, 3);
	assert_int_equal(k->roles[0].devices, 8);
	assert_int_equal(k->roles[0].compliant, 5);
	assert_int_equal(k->roles[0].noncompliant, 2);
	assert_int_equal(k->roles[0].stale, 1);
	assert_int_equal(posture_kpi_permille(&k->roles[0]), 625);
	assert_int_equal(k->roles[1].unscanned, 1);
	assert_string_equal(k->roles[2].name, "(no role)");
	assert_int_equal(k->total.devices, 10);
	assert_int_equal(posture_kpi_permille(&k->total), 500);
	assert_int_equal(k->nbaselines, 1);
	assert_int_equal(k->baselines[0].devices, 8);

	posture_kpi_format(k, table, sizeof(table));
	assert_non_null(strstr(table, "GCB compliance (adoption rate = compliant / devices)\n"));
	assert_non_null(strstr(table,
		"role                     devices compliant noncompliant unknown stale unscanned     rate\n"
		"staff                          8         5            2       0     1         0    62.5%\n"
		"printers                       1         0            0       0     0         1     0.0%\n"
		"(no role)                      1         0            0       0     0         1     0.0%\n"
		"all devices                   10         5            2       0     1         2    50.0%\n"));
	assert_non_null(strstr(table,
		"baseline                 devices compliant noncompliant unknown stale               rate\n"
		"win10                          8         5            2       0     1              62.5%\n"));

	/* more roles than rows: the rest is counted under "(other)" */
	posture_kpi_init(k);
	for (int i = 0; i < POSTURE_KPI_MAX_ROWS + 10; i++) {
		char role[16];
		snprintf(role, sizeof(role), "r%d", i);
		posture_kpi_add(k, role, &v);
	}
	assert_int_equal(k->nroles, POSTURE_KPI_MAX_ROWS);
	assert_string_equal(k->roles[POSTURE_KPI_MAX_ROWS - 1].name, "(other)");
	assert_int_equal(k->roles[POSTURE_KPI_MAX_ROWS - 1].devices, 11);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_rules),
		cmocka_unit_test(test_latest_by_end_time),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_required_items),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_feeds_policy),
		cmocka_unit_test(test_kpi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
