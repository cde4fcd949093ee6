/* posture_fetch_test.c — what the HTTPS fetcher accepts as configuration,
 * and a failed transfer reported without leaving a file behind. The
 * successful download from a real HTTPS server is in
 * tests/lab/posture_oscap_test.sh (no network is used here: the refused
 * connection is to 127.0.0.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "posture_fetch.h"

static struct posture_fetch_config cfg(const char *url, const char *name, int interval)
{
	struct posture_fetch_config c;
	memset(&c, 0, sizeof(c));
	snprintf(c.url, sizeof(c.url), "%s", url);
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.interval = interval;
	return c;
}

static void test_config(void **state)
{
	(void)state;
	char err[256];
	struct posture_fetch_config c = cfg("https://gcb.county.example/export.csv", "gcb", 3600);
	assert_int_equal(posture_fetch_config_check(&c, err, sizeof(err)), 0);
	c = cfg("http://gcb.county.example/export.csv", "gcb", 3600);
	assert_int_equal(posture_fetch_config_check(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "url: only https:// URLs are fetched");
	c = cfg("https://gcb.county.example/a b", "gcb", 3600);
	assert_int_equal(posture_fetch_config_check(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "url: spaces and control characters are not allowed");
	c = cfg("https://gcb.county.example/x", "../etc", 3600);
	assert_int_equal(posture_fetch_config_check(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "name: a plain file name stem of at most 40 bytes is needed");
	c = cfg("https://gcb.county.example/x", "gcb", 5);
	assert_int_equal(posture_fetch_config_check(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "interval: at least 60 seconds (or 0: on demand only)");
	c = cfg("https://gcb.county.example/x", "gcb", 0);
	snprintf(c.ca_file, sizeof(c.ca_file), "/nonexistent/ca.pem");
	assert_int_equal(posture_fetch_config_check(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ca_file: /nonexistent/ca.pem: No such file or directory");
}

static struct {
	struct event_base *base;
	int calls, rc;
	char text[1024];
} got;

static void on_done(void *ctx, int rc, long status, const char *text)
{
	(void)ctx;
	(void)status;
	got.calls++;
	got.rc = rc;
	snprintf(got.text, sizeof(got.text), "%s", text);
	event_base_loopbreak(got.base);
}

static void test_refused_connection(void **state)
{
	(void)state;
	char dir[] = "/tmp/menjin-fetch.XXXXXX", err[256];
	assert_non_null(mkdtemp(dir));
	got.base = event_base_new();
	assert_non_null(got.base);
	/* port 1 on loopback: nothing listens, the refusal is immediate */
	struct posture_fetch_config c = cfg("https://127.0.0.1:1/export.csv", "gcb", 0);
	struct posture_fetch *f = posture_fetch_new(got.base, dir, &c, on_done, NULL, err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(posture_fetch_start(f), 0);
	assert_int_equal(posture_fetch_start(f), -EBUSY);
	assert_int_equal(event_base_dispatch(got.base), 0);
	assert_int_equal(got.calls, 1);
	assert_int_equal(got.rc, -EIO);
	assert_non_null(strstr(got.text, "https://127.0.0.1:1/export.csv: "));

	/* nothing left in the spool, not even the .part file */
	DIR *d = opendir(dir);
	struct dirent *de;
	int files = 0;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		files += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	assert_int_equal(files, 0);

	posture_fetch_free(f);
	event_base_free(got.base);
	rmdir(dir);

	c = cfg("http://127.0.0.1:1/export.csv", "gcb", 0);
	assert_null(posture_fetch_new(got.base, dir, &c, on_done, NULL, err, sizeof(err)));
	assert_string_equal(err, "url: only https:// URLs are fetched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_refused_connection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
