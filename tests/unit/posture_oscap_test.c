/* posture_oscap_test.c — menjin's verdicts on results written by oscap.
 *
 * Two modes, the same checks:
 *   - unit suite: the files recorded from oscap in tests/data/gcb/
 *     (oscap-{pass,fail}-{results,arf}.xml, host pc-0042);
 *   - lab (tests/lab/posture_oscap_test.sh): OSCAP_RESULTS_DIR holds
 *     pass/ and fail/, each with results.xml and arf.xml that oscap has
 *     just written on this machine; OSCAP_HOST is this machine's name.
 * Each file is read, the host is found by a MAC from its facts and by its
 * name, and the verdict, the failing items and the reason are checked;
 * then the four files go through a spool folder like menjind's.
 *
 * With POSTURE_FETCH_URL (an https:// URL serving fail/arf.xml) and
 * POSTURE_FETCH_CA (its CA certificate), the lab also fetches the ARF over
 * HTTPS into a spool, fetches again (304, nothing new), and fails to fetch
 * when the server's certificate is not trusted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/event.h>

#include "posture_fetch.h"
#include "posture_spool.h"

static struct {
	char pass_results[512], pass_arf[512], fail_results[512], fail_arf[512];
	char host[256];                 /* the scanned machine's name */
	bool lab;
} in;

static char err[POSTURE_SPOOL_ERR_MAX];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: cannot open", path);
	char *buf = malloc(XCCDF_MAX_SIZE);
	assert_non_null(buf);
	*len = fread(buf, 1, XCCDF_MAX_SIZE, f);
	fclose(f);
	return buf;
}

static void read_scan(const char *path, struct scan_report *r)
{
	size_t len;
	char *buf = slurp(path, &len);
	if (posture_parse(buf, len, path, r, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	free(buf);
	assert_int_equal(r->nscans, 1);
}

/* The time to judge at: a day after the scan (fixtures), or now (lab). */
static int64_t judge_time(const struct scan *s)
{
	return in.lab ? (int64_t)time(NULL) : s->ended + 86400;
}

static void check_file(const char *path, enum scan_format format, bool passing)
{
	struct scan_report r;
	struct posture_config c;
	struct posture_verdict v;
	struct posture_key k;
	char reason[POLICY_REASON_MAX], want[POLICY_REASON_MAX], date[16];

	read_scan(path, &r);
	assert_int_equal(r.format, format);
	const struct scan s0 = r.scans[0];
	const struct scan *s = &s0;
	assert_string_equal(s->benchmark, "xccdf_tw.gov.menjin_benchmark_TWGCB-LAB");
	assert_string_equal(s->profile, "xccdf_tw.gov.menjin_profile_lab_tailored");
	assert_true(s->host.nnames >= 1);
	int64_t now = judge_time(s);
	uint8_t mac[6];
	bool has_mac = s->host.nmacs > 0;
	if (has_mac)
		memcpy(mac, s->host.macs[0], 6);

	struct posture_db *db = posture_db_new();
	if (posture_db_apply(db, &r, path, now, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	memset(&c, 0, sizeof(c));
	c.max_age = 7 * 86400;

	/* found by its name (what DHCP would tell menjind)... */
	memset(&k, 0, sizeof(k));
	k.hostname = in.host;
	posture_evaluate(db, &c, &k, NULL, now, &v);
	assert_string_equal(v.matched_by, "host name");
	/* ...and by a MAC of its facts, which decides first */
	if (has_mac) {
		memcpy(k.mac, mac, 6);
		posture_evaluate(db, &c, &k, NULL, now, &v);
		assert_string_equal(v.matched_by, "MAC");
	}
	posture_reason(&v, reason, sizeof(reason));
	scan_date_format(s0.ended, date, sizeof(date));
	assert_int_equal(v.nbaselines, 1);
	assert_string_equal(v.baselines[0].name, "TWGCB-LAB");
	/* four rules checked; not applicable and not selected not counted */
	assert_int_equal(v.baselines[0].npass + v.baselines[0].nfail, 4);
	if (passing) {
		assert_int_equal(v.status, POSTURE_COMPLIANT);
		snprintf(want, sizeof(want), "GCB compliant, scan %s", date);
	} else {
		assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
		assert_int_equal(v.nfailed, 1);
		assert_string_equal(v.failed[0], "TWGCB-01-008-0003");
		snprintf(want, sizeof(want), "GCB TWGCB-01-008-0003 failed, scan %s", date);
	}
	assert_string_equal(reason, want);
	print_message("%s: %s: %s\n", path, posture_status_name(v.status), reason);
	posture_db_free(db);
}

static void test_pass_results(void **state)
{
	(void)state;
	check_file(in.pass_results, SCAN_FORMAT_XCCDF, true);
}

static void test_pass_arf(void **state)
{
	(void)state;
	check_file(in.pass_arf, SCAN_FORMAT_ARF, true);
}

static void test_fail_results(void **state)
{
	(void)state;
	check_file(in.fail_results, SCAN_FORMAT_XCCDF, false);
}

static void test_fail_arf(void **state)
{
	(void)state;
	check_file(in.fail_arf, SCAN_FORMAT_ARF, false);
}

/* The four files through a spool folder; the failing scan is the later
 * one (or, recorded in the same second, the one accepted last), so the
 * host ends noncompliant; a tampered copy is refused. */
static void test_spool(void **state)
{
	(void)state;
	char dir[64], p[600], cmd[1400];
	struct posture_db *db = posture_db_new();
	struct posture_spool *sp;
	struct posture_spool_result res;
	struct scan_report r;

	read_scan(in.fail_results, &r);
	int64_t now = judge_time(&r.scans[0]);
	scan_report_free(&r);

	snprintf(dir, sizeof(dir), "/tmp/menjin-oscap-spool.XXXXXX");
	assert_non_null(mkdtemp(dir));
	const char *files[][2] = {
		{ in.pass_results, "1-pass-results.xml" }, { in.pass_arf, "2-pass-arf.xml" },
		{ in.fail_results, "3-fail-results.xml" }, { in.fail_arf, "4-fail-arf.xml" },
	};
	for (int i = 0; i < 4; i++) {
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s/%s' && touch -d @%lld '%s/%s'", files[i][0], dir, files[i][1],
			 (long long)(now - 100 + i), dir, files[i][1]);
		assert_int_equal(system(cmd), 0);
	}
	/* a copy with an external entity slipped in */
	snprintf(cmd, sizeof(cmd), "sed '1a <!DOCTYPE x [ <!ENTITY e SYSTEM \"file:///etc/shadow\"> ]>' '%s' > '%s/5-tampered.xml' "
		 "&& touch -d @%lld '%s/5-tampered.xml'", in.fail_results, dir, (long long)(now - 50), dir);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(posture_spool_open(dir, db, &sp, err, sizeof(err)), 0);
	assert_int_equal(posture_spool_scan(sp, now, &res), 0);
	assert_int_equal(res.applied, 4);
	assert_int_equal(res.rejected, 1);
	snprintf(p, sizeof(p), "%s/rejected/5-tampered.xml.err", dir);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);

	struct posture_key k;
	struct posture_verdict v;
	memset(&k, 0, sizeof(k));
	k.hostname = in.host;
	posture_evaluate(db, NULL, &k, NULL, now, &v);
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);
	assert_string_equal(v.failed[0], "TWGCB-01-008-0003");

	posture_spool_close(sp);
	posture_db_free(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static struct {
	struct event_base *base;
	int calls, rc;
	long status;
	char text[1024];
} fetched;

static void on_fetched(void *ctx, int rc, long status, const char *text)
{
	(void)ctx;
	fetched.calls++;
	fetched.rc = rc;
	fetched.status = status;
	snprintf(fetched.text, sizeof(fetched.text), "%s", text);
	event_base_loopbreak(fetched.base);
}

static void fetch_once(struct posture_fetch *f)
{
	fetched.calls = 0;
	assert_int_equal(posture_fetch_start(f), 0);
	assert_int_equal(event_base_dispatch(fetched.base), 0);
	assert_int_equal(fetched.calls, 1);
}

static void test_fetch(void **state)
{
	(void)state;
	const char *url = getenv("POSTURE_FETCH_URL"), *ca = getenv("POSTURE_FETCH_CA");
	if (url == NULL || url[0] == '\0' || ca == NULL)
		skip();                 /* needs the lab's HTTPS server */
	char dir[64], cmd[128];
	struct posture_fetch_config c;
	struct posture_spool_result res;
	struct posture_spool *sp;
	struct posture_db *db = posture_db_new();

	snprintf(dir, sizeof(dir), "/tmp/menjin-fetch.XXXXXX");
	assert_non_null(mkdtemp(dir));
	fetched.base = event_base_new();
	assert_non_null(fetched.base);
	memset(&c, 0, sizeof(c));
	snprintf(c.url, sizeof(c.url), "%s", url);
	snprintf(c.ca_file, sizeof(c.ca_file), "%s", ca);
	snprintf(c.name, sizeof(c.name), "gcb-platform");
	struct posture_fetch *f = posture_fetch_new(fetched.base, dir, &c, on_fetched, NULL, err, sizeof(err));
	if (f == NULL)
		fail_msg("%s", err);

	fetch_once(f);
	if (fetched.rc < 0)
		fail_msg("%s", fetched.text);
	assert_int_equal(fetched.status, 200);
	assert_non_null(strstr(fetched.text, "/gcb-platform-"));
	print_message("fetched %s\n", fetched.text);

	/* the spool takes it once it has settled */
	assert_int_equal(posture_spool_open(dir, db, &sp, err, sizeof(err)), 0);
	assert_int_equal(posture_spool_scan(sp, (int64_t)time(NULL) + POSTURE_SPOOL_SETTLE + 1, &res), 0);
	assert_int_equal(res.applied, 1);
	struct posture_key k;
	struct posture_verdict v;
	memset(&k, 0, sizeof(k));
	k.hostname = in.host;
	posture_evaluate(db, NULL, &k, NULL, (int64_t)time(NULL), &v);
	assert_int_equal(v.status, POSTURE_NONCOMPLIANT);

	/* unchanged on the server: 304, no new file */
	fetch_once(f);
	assert_int_equal(fetched.rc, 0);
	assert_int_equal(fetched.status, 304);
	assert_string_equal(fetched.text, "");
	posture_fetch_free(f);

	/* the system store does not trust the lab's certificate */
	c.ca_file[0] = '\0';
	f = posture_fetch_new(fetched.base, dir, &c, on_fetched, NULL, err, sizeof(err));
	assert_non_null(f);
	fetch_once(f);
	assert_int_equal(fetched.rc, -EIO);
	print_message("untrusted: %s\n", fetched.text);
	assert_true(strstr(fetched.text, "certificate") != NULL || strstr(fetched.text, "SSL") != NULL);
	posture_fetch_free(f);

	posture_spool_close(sp);
	posture_db_free(db);
	event_base_free(fetched.base);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const char *d = getenv("OSCAP_RESULTS_DIR");
	if (d && d[0]) {
		in.lab = true;
		snprintf(in.pass_results, sizeof(in.pass_results), "%s/pass/results.xml", d);
		snprintf(in.pass_arf, sizeof(in.pass_arf), "%s/pass/arf.xml", d);
		snprintf(in.fail_results, sizeof(in.fail_results), "%s/fail/results.xml", d);
		snprintf(in.fail_arf, sizeof(in.fail_arf), "%s/fail/arf.xml", d);
		const char *h = getenv("OSCAP_HOST");
		snprintf(in.host, sizeof(in.host), "%s", h && h[0] ? h : "localhost");
	} else {
		snprintf(in.pass_results, sizeof(in.pass_results), "tests/data/gcb/oscap-pass-results.xml");
		snprintf(in.pass_arf, sizeof(in.pass_arf), "tests/data/gcb/oscap-pass-arf.xml");
		snprintf(in.fail_results, sizeof(in.fail_results), "tests/data/gcb/oscap-fail-results.xml");
		snprintf(in.fail_arf, sizeof(in.fail_arf), "tests/data/gcb/oscap-fail-arf.xml");
		snprintf(in.host, sizeof(in.host), "pc-0042");
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_results),
		cmocka_unit_test(test_pass_arf),
		cmocka_unit_test(test_fail_results),
		cmocka_unit_test(test_fail_arf),
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_fetch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
