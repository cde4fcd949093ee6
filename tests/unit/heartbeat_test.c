/* heartbeat_test.c — the status report's JSON: every field the centre
 * reads, times as RFC 3339 or null, and a compliance rate over the devices
 * that were scanned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "heartbeat.h"

#define NOW 1795608000LL

static void test_report_json(void **state)
{
	(void)state;
	struct heartbeat_report r = {
		.appliance = "yilan-toucheng", .now = NOW, .uptime = 3600, .software_version = "1.0.0",
		.fastpath_generation = 12, .bundle_running = true, .bundle_version = 7, .bundle_key_id = "central-a",
		.bundle_expires = NOW + 86400, .devices = { 1, 3, 120, 2 },
		.central_last_sync = NOW - 60, .nfeeds = 1, .blocklist_prefixes = 1300, .soc_queued = 5,
	};
	r.posture[POSTURE_COMPLIANT] = 100;
	r.posture[POSTURE_NONCOMPLIANT] = 10;
	r.posture[POSTURE_STALE] = 5;
	r.posture[POSTURE_UNKNOWN] = 11;
	strcpy(r.feeds[0].name, "soc");
	r.feeds[0].prefixes = 1200;
	strcpy(r.feeds[0].error, "HTTP 503");
	char *text = heartbeat_to_json(&r);
	assert_non_null(text);
	json_error_t e;
	json_t *o = json_loads(text, 0, &e);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "format")), "menjin-heartbeat/1");
	assert_string_equal(json_string_value(json_object_get(o, "time")), "2026-11-25T12:00:00Z");
	json_t *b = json_object_get(json_object_get(o, "versions"), "bundle");
	assert_int_equal(json_integer_value(json_object_get(b, "version")), 7);
	assert_true(json_is_false(json_object_get(b, "expired")));
	json_t *d = json_object_get(o, "devices");
	assert_int_equal(json_integer_value(json_object_get(d, "admitted")), 120);
	assert_int_equal(json_integer_value(json_object_get(d, "total")), 126);
	json_t *p = json_object_get(o, "posture");
	assert_int_equal(json_integer_value(json_object_get(p, "unknown")), 11);
	assert_float_equal(json_real_value(json_object_get(p, "compliance_rate")), 0.8696, 1e-9);
	json_t *s = json_object_get(o, "sync");
	assert_string_equal(json_string_value(json_object_get(s, "central")), "2026-11-25T11:59:00Z");
	assert_true(json_is_null(json_object_get(s, "ad")));
	json_t *f = json_array_get(json_object_get(s, "feeds"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "error")), "HTTP 503");
	assert_true(json_is_null(json_object_get(f, "last_sync")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "soc"), "queued")), 5);
	json_decref(o);
	free(text);
}

static void test_nothing_scanned(void **state)
{
	(void)state;
	struct heartbeat_report r = { .appliance = "x", .now = NOW };
	assert_true(heartbeat_compliance_rate(&r) < 0);
	strcpy(r.central_error, "bad \xff");   /* not UTF-8: carried as null */
	char *text = heartbeat_to_json(&r);
	json_t *o = json_loads(text, 0, NULL);
	assert_true(json_is_null(json_object_get(json_object_get(o, "posture"), "compliance_rate")));
	assert_true(json_is_null(json_object_get(json_object_get(o, "versions"), "bundle")));
	assert_true(json_is_null(json_object_get(json_object_get(o, "sync"), "central_error")));
	json_decref(o);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_nothing_scanned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
