/* posture_spool_test.c — the spool folder: good files applied and kept in
 * accepted/, bad ones moved to rejected/ with a .err naming the fault, the
 * last good data kept, and everything reloaded after a restart.
 *
 * Files get explicit modification times and every pass an explicit "now",
 * so nothing waits for the settle time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "posture_spool.h"

#define NOW 1795608000LL            /* 2026-11-25T12:00:00Z */

static char dir[64];

static void path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void put(const char *name, const char *text, int64_t mtime)
{
	char p[256];
	path(p, sizeof(p), name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	struct timespec ts[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void copy_fixture(const char *from, const char *name, int64_t mtime)
{
	static char buf[1 << 20];
	FILE *f = fopen(from, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	put(name, buf, mtime);
}

static bool exists(const char *name)
{
	char p[256];
	struct stat st;
	path(p, sizeof(p), name);
	return lstat(p, &st) == 0;
}

static char *slurp(const char *name)
{
	static char buf[1024];
	char p[256];
	path(p, sizeof(p), name);
	FILE *f = fopen(p, "r");
	if (f == NULL)
		fail_msg("%s missing", p);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/menjin-spool.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char GOOD_CSV[] =
	"host name,MAC,item id,result,checked time\n"
	"pc-0001,02:00:0a:0a:01:01,TWGCB-01-008-0003,fail,2026-11-20 14:03:00\n"
	"pc-0001,02:00:0a:0a:01:01,TWGCB-01-010-0003,pass,2026-11-20 14:03:00\n"
	"pc-0002,02:00:0a:0a:01:02,TWGCB-01-008-0003,pass,2026-11-20 14:03:00\n";

static struct {
	unsigned calls, ok;
	char last[POSTURE_SPOOL_ERR_MAX];
} seen;

static void on_file(void *ctx, const char *file, int rc, const char *msg)
{
	(void)ctx;
	(void)file;
	seen.calls++;
	seen.ok += rc == 0;
	if (rc < 0)
		snprintf(seen.last, sizeof(seen.last), "%s", msg);
}

static uint8_t status_of(const struct posture_db *db, const char *mac, char *reason, size_t len)
{
	struct posture_key k;
	struct posture_verdict v;
	memset(&k, 0, sizeof(k));
	assert_int_equal(scan_mac_parse(mac, k.mac), 0);
	posture_evaluate(db, NULL, &k, NULL, NOW, &v);
	if (reason)
		posture_reason(&v, reason, len);
	return v.status;
}

static void test_accepts_and_rejects(void **state)
{
	(void)state;
	struct posture_db *db = posture_db_new();
	struct posture_spool *sp;
	struct posture_spool_result res;
	char err[256], reason[POLICY_REASON_MAX], p[256];

	assert_int_equal(posture_spool_open(dir, db, &sp, err, sizeof(err)), 0);
	posture_spool_set_callback(sp, on_file, NULL);
	memset(&seen, 0, sizeof(seen));

	put("gcb.csv", GOOD_CSV, NOW - 100);
	copy_fixture("tests/data/gcb/oscap-fail-arf.xml", "pc-0042-arf.xml", NOW - 90);
	put("bad.csv", "host,mac,item,result,checked\npc1,02:00:00:00:00:01,TWGCB-01-008-0003,pass,2026-11-20\n"
	    "pc2,02:00:00:00:00:02,TWGCB-01-008-0003,pass\n", NOW - 80);
	put("evil.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE r [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
	    "<TestResult xmlns=\"http://checklists.nist.gov/xccdf/1.2\"><target>&x;</target></TestResult>\n", NOW - 70);
	path(p, sizeof(p), "link.csv");
	assert_int_equal(symlink("/etc/passwd", p), 0);
	struct timespec old[2] = { { (time_t)(NOW - 60), 0 }, { (time_t)(NOW - 60), 0 } };
	assert_int_equal(utimensat(AT_FDCWD, p, old, AT_SYMLINK_NOFOLLOW), 0);
	/* 65 MB, sparse: refused by its size without being read */
	path(p, sizeof(p), "huge.xml");
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 65 << 20), 0);
	assert_int_equal(futimens(fd, old), 0);
	close(fd);
	/* not for the spool yet: being written, hidden, or just changed */
	put(".incoming.csv", GOOD_CSV, NOW - 100);
	put("export.csv.part", "host name,M", NOW - 100);
	put("export.csv.tmp", "host name,M", NOW - 100);
	put("fresh.csv", GOOD_CSV, NOW - 1);

	assert_int_equal(posture_spool_scan(sp, NOW, &res), 0);
	assert_int_equal(res.applied, 2);
	assert_int_equal(res.rejected, 4);
	assert_int_equal(res.deferred, 1);
	assert_int_equal(res.failed, 0);
	assert_int_equal(seen.calls, 6);
	assert_int_equal(seen.ok, 2);

	/* applied: moved to accepted/ under a name that sorts by acceptance */
	assert_false(exists("gcb.csv"));
	assert_true(exists("accepted/01795608000.000-gcb.csv"));
	assert_true(exists("accepted/01795608000.001-pc-0042-arf.xml"));
	assert_int_equal(posture_db_count(db), 3);
	assert_int_equal(status_of(db, "02:00:0a:0a:01:01", reason, sizeof(reason)), POSTURE_NONCOMPLIANT);
	assert_string_equal(reason, "GCB TWGCB-01-008-0003 failed, scan 2026-11-20");
	assert_int_equal(status_of(db, "02:00:0a:0a:01:2a", NULL, 0), POSTURE_NONCOMPLIANT);

	/* refused: moved to rejected/ with the reason beside it */
	assert_true(exists("rejected/bad.csv"));
	assert_string_equal(slurp("rejected/bad.csv.err"), "bad.csv: line 3: 4 fields, the header has 5\n");
	assert_string_equal(slurp("rejected/evil.xml.err"), "evil.xml: line 2: DOCTYPE declares external entity 'x' "
			    "(file:///etc/passwd): DTDs and entities are refused\n");
	assert_string_equal(slurp("rejected/link.csv.err"), "link.csv: a symbolic link: refused\n");
	assert_string_equal(slurp("rejected/huge.xml.err"), "huge.xml: 68157440 bytes is over the limit of 67108864 bytes\n");

	/* left alone */
	assert_true(exists(".incoming.csv"));
	assert_true(exists("export.csv.part"));
	assert_true(exists("export.csv.tmp"));
	assert_true(exists("fresh.csv"));

	/* the next pass takes the settled file; a second export of the same
	 * host and time replaces nothing new but is accepted */
	assert_int_equal(posture_spool_scan(sp, NOW + 10, &res), 0);
	assert_int_equal(res.applied, 1);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(posture_db_count(db), 3);
	posture_spool_close(sp);
	posture_db_free(db);
}

static void test_last_good_data_stays(void **state)
{
	(void)state;
	struct posture_db *db = posture_db_new();
	struct posture_spool *sp;
	struct posture_spool_result res;
	char err[256];

	assert_int_equal(posture_spool_open(dir, db, &sp, err, sizeof(err)), 0);
	put("day1.csv", GOOD_CSV, NOW - 100);
	assert_int_equal(posture_spool_scan(sp, NOW, &res), 0);
	assert_int_equal(res.applied, 1);
	uint64_t gen = posture_db_generation(db);

	/* the fix for pc-0001 arrives in a file with one bad row: nothing of
	 * it is applied, pc-0001 stays noncompliant */
	put("day2.csv", "host name,MAC,item id,result,checked time\n"
	    "pc-0001,02:00:0a:0a:01:01,TWGCB-01-008-0003,pass,2026-11-22 09:00:00\n"
	    "pc-0002,02:00:0a:0a:01:02,TWGCB-01-008-0003,maybe,2026-11-22 09:00:00\n", NOW - 50);
	assert_int_equal(posture_spool_scan(sp, NOW, &res), 0);
	assert_int_equal(res.rejected, 1);
	assert_int_equal(posture_db_generation(db), gen);
	assert_int_equal(status_of(db, "02:00:0a:0a:01:01", NULL, 0), POSTURE_NONCOMPLIANT);
	assert_true(exists("rejected/day2.csv.err"));

	/* a file dated in the future is refused whole too */
	put("future.csv", "host name,MAC,item id,result,checked time\n"
	    "pc-0001,02:00:0a:0a:01:01,TWGCB-01-008-0003,pass,2026-12-25 09:00:00\n", NOW - 50);
	assert_int_equal(posture_spool_scan(sp, NOW, &res), 0);
	assert_int_equal(res.rejected, 1);
	assert_string_equal(slurp("rejected/future.csv.err"),
			    "future.csv: line 2: scan time 2026-12-25 is in the future (a wrong clock?)\n");

	/* corrected, it is applied */
	put("day2.csv", "host name,MAC,item id,result,checked time\n"
	    "pc-0001,02:00:0a:0a:01:01,TWGCB-01-008-0003,pass,2026-11-22 09:00:00\n", NOW - 40);
	assert_int_equal(posture_spool_scan(sp, NOW, &res), 0);
	assert_int_equal(res.applied, 1);
	assert_int_equal(status_of(db, "02:00:0a:0a:01:01", NULL, 0), POSTURE_COMPLIANT);
	assert_false(exists("rejected/day2.csv"));
	assert_false(exists("rejected/day2.csv.err"));
	assert_true(exists("rejected/future.csv.err"));
	posture_spool_close(sp);
	posture_db_free(db);

	/* after a restart, accepted/ brings back the same data */
	db = posture_db_new();
	assert_int_equal(posture_spool_open(dir, db, &sp, err, sizeof(err)), 0);
	assert_int_equal(posture_spool_reload(sp, NOW, &res), 0);
	assert_int_equal(res.applied, 2);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(status_of(db, "02:00:0a:0a:01:01", NULL, 0), POSTURE_COMPLIANT);
	assert_int_equal(status_of(db, "02:00:0a:0a:01:02", NULL, 0), POSTURE_COMPLIANT);
	assert_true(exists("accepted/01795608000.000-day1.csv"));
	posture_spool_close(sp);
	posture_db_free(db);
}

static void test_open_errors_and_attach(void **state)
{
	(void)state;
	struct posture_db *db = posture_db_new();
	struct posture_spool *sp;
	char err[256];

	assert_int_equal(posture_spool_open("/nonexistent/menjin-spool", db, &sp, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/menjin-spool: No such file or directory");

	/* attach to an event loop: inotify and the periodic pass */
	struct event_base *base = event_base_new();
	assert_non_null(base);
	assert_int_equal(posture_spool_open(dir, db, &sp, err, sizeof(err)), 0);
	assert_int_equal(posture_spool_attach(sp, base), 0);
	put("late.csv", GOOD_CSV, NOW - 100);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	posture_spool_close(sp);
	event_base_free(base);
	posture_db_free(db);
}

static void test_format_by_content(void **state)
{
	(void)state;
	struct scan_report r;
	char err[256];
	const char *xml = "\xef\xbb\xbf\r\n  <TestResult xmlns=\"http://checklists.nist.gov/xccdf/1.2\" "
			  "end-time=\"2026-11-20T10:00:00Z\"><target>pc1</target></TestResult>";
	assert_int_equal(posture_parse(xml, strlen(xml), "a", &r, err, sizeof(err)), 0);
	assert_int_equal(r.format, SCAN_FORMAT_XCCDF);
	scan_report_free(&r);
	assert_int_equal(posture_parse(GOOD_CSV, strlen(GOOD_CSV), "b", &r, err, sizeof(err)), 0);
	assert_int_equal(r.format, SCAN_FORMAT_GCBCSV);
	scan_report_free(&r);
	assert_int_equal(posture_parse("<html>", 6, "c", &r, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "c: line 1: root element 'html' (namespace 'none') is not an XCCDF 1.2 Benchmark "
			    "or TestResult, nor an ARF 1.1 asset-report-collection");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accepts_and_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_good_data_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors_and_attach, setup, teardown),
		cmocka_unit_test(test_format_by_content),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
