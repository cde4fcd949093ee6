/* events_test.c — RFC 5424 lines and JSON events: exact format, escaping of
 * structured data values (RFC 5424 6.3.3), and lines that stay one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "events.h"
#include "store.h"

#define TS 1795608000000LL   /* 2026-11-25T12:00:00.000Z */

static void test_verdict_line(void **state)
{
	(void)state;
	struct event ev = { .ts_ms = TS + 7, .severity = LOG_INFO, .kind = "verdict",
			    .mac = "00:1b:a9:01:02:03", .msg = "00:1b:a9:01:02:03 quarantined: no policy rule matched" };
	char line[EVENT_LINE_MAX];

	event_param(&ev, "state", "quarantined");
	event_param(&ev, "role", "");
	event_param(&ev, "rule", "default");
	event_param(&ev, "reason", "no policy rule matched");
	int n = event_format_5424(&ev, LOG_LOCAL0, "gw", "menjind", 1234, "menjin@32473", line, sizeof(line));
	assert_int_equal(n, (int)strlen(line));
	assert_string_equal(line,
		"<134>1 2026-11-25T12:00:00.007Z gw menjind 1234 verdict [menjin@32473 mac=\"00:1b:a9:01:02:03\" "
		"state=\"quarantined\" role=\"\" rule=\"default\" reason=\"no policy rule matched\"] "
		"00:1b:a9:01:02:03 quarantined: no policy rule matched");
}

static void test_escaping(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(event_escape_value("a\"b\\c]d", out, sizeof(out)), 10);
	assert_string_equal(out, "a\\\"b\\\\c\\]d");
	event_escape_value("line1\nline2\ttab\x7f", out, sizeof(out));
	assert_string_equal(out, "line1 line2 tab ");
	event_escape_value("會計室", out, sizeof(out));
	assert_string_equal(out, "會計室");
	/* cut: never half an escape, never half a character */
	event_escape_value("ab\"", out, 4);
	assert_string_equal(out, "ab");
	event_escape_value("a會", out, 4);
	assert_string_equal(out, "a");

	struct event ev = { .ts_ms = TS, .severity = LOG_NOTICE, .kind = "override.set", .mac = NULL };
	char line[512];
	event_param(&ev, "reason", "PM's \"urgent\" [fix] \\o/");
	event_param(&ev, "bad name=\"]", "x");
	event_format_5424(&ev, LOG_DAEMON, "gw host", NULL, 1, "menjin@32473", line, sizeof(line));
	assert_string_equal(line,
		"<29>1 2026-11-25T12:00:00.000Z gwhost - 1 override.set [menjin@32473 "
		"reason=\"PM's \\\"urgent\\\" [fix\\] \\\\o/\" badname=\"x\"]");
}

static void test_nil_and_cut(void **state)
{
	(void)state;
	struct event ev = { .ts_ms = TS, .severity = LOG_WARNING, .kind = "fastpath.down" };
	char line[256];
	event_format_5424(&ev, LOG_LOCAL0, "gw", "menjind", 9, "menjin@32473", line, sizeof(line));
	assert_string_equal(line, "<132>1 2026-11-25T12:00:00.000Z gw menjind 9 fastpath.down -");

	/* a line that does not fit is cut but its structured data stays closed */
	char small[120];
	char big[200];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ev.mac = "00:00:00:00:00:01";
	event_param(&ev, "reason", big);
	assert_int_equal(event_format_5424(&ev, LOG_LOCAL0, "gw", "menjind", 9, "menjin@32473", small,
					   sizeof(small)), -ENOSPC);
	assert_true(strlen(small) < sizeof(small));
	assert_int_equal(small[strlen(small) - 1], ']');
	assert_null(strstr(small, "reason="));

	/* MSGID longer than 32 is cut; PARAM-NAME too */
	struct event ev2 = { .ts_ms = TS, .severity = LOG_INFO,
			     .kind = "a-very-long-message-id-that-goes-on-and-on" };
	event_format_5424(&ev2, LOG_LOCAL0, "gw", "menjind", 9, "menjin@32473", line, sizeof(line));
	assert_non_null(strstr(line, " a-very-long-message-id-that-goes -"));

	for (int i = 0; i < EVENT_MAX_PARAMS; i++)
		assert_int_equal(event_param(&ev2, "k", "v"), 0);
	assert_int_equal(event_param(&ev2, "k", "v"), -E2BIG);
}

static void test_json(void **state)
{
	(void)state;
	struct event ev = { .ts_ms = TS, .severity = LOG_INFO, .kind = "verdict", .mac = "00:1b:a9:01:02:03",
			    .msg = "admitted: staff" };
	event_param(&ev, "state", "admitted");
	event_param(&ev, "bad", "\xff\xfe");
	char *text = event_to_json(&ev, 42);
	assert_non_null(text);
	json_error_t jerr;
	json_t *o = json_loads(text, 0, &jerr);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 42);
	assert_string_equal(json_string_value(json_object_get(o, "ts")), "2026-11-25T12:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "verdict");
	assert_string_equal(json_string_value(json_object_get(o, "mac")), "00:1b:a9:01:02:03");
	json_t *params = json_object_get(o, "params");
	assert_string_equal(json_string_value(json_object_get(params, "state")), "admitted");
	assert_true(json_is_null(json_object_get(params, "bad")));
	assert_string_equal(json_string_value(json_object_get(o, "msg")), "admitted: staff");
	assert_null(strchr(text, '\n'));
	json_decref(o);
	free(text);
}

static char sunk[EVENT_LINE_MAX];

static void sink(void *ctx, const char *line)
{
	(void)ctx;
	snprintf(sunk, sizeof(sunk), "%s", line);
}

/* The SOC's lines carry soc.sd_id; the event log keeps menjind.sd_id. */
static void test_sink_sd_id(void **state)
{
	(void)state;
	char dir[] = "/tmp/events-test.XXXXXX", db[64], logf[64], err[256], text[4096];
	struct store *st;
	struct conf c;

	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/m.db", dir);
	snprintf(logf, sizeof(logf), "%s/events.log", dir);
	assert_int_equal(store_open(db, &st, err, sizeof(err)), 0);
	memset(&c, 0, sizeof(c));
	c.syslog_facility = LOG_LOCAL0;
	snprintf(c.sd_id, sizeof(c.sd_id), "menjin@32473");
	snprintf(c.event_log, sizeof(c.event_log), "%s", logf);
	struct events *e = events_new(NULL, st, &c);   /* no loop: written at once */
	assert_non_null(e);
	events_set_line_sink(e, sink, NULL);

	struct event ev = { .severity = LOG_NOTICE, .kind = "central.applied", .msg = "applied" };
	event_param(&ev, "version", "3");
	assert_true(events_emit(e, &ev) > 0);
	assert_non_null(strstr(sunk, " [menjin@32473 version=\"3\"] "));   /* none set: menjind's */

	events_set_line_sink_sd_id(e, "soc@99999");
	struct event ev2 = { .severity = LOG_NOTICE, .kind = "central.applied", .msg = "applied" };
	event_param(&ev2, "version", "4");
	assert_true(events_emit(e, &ev2) > 0);
	assert_non_null(strstr(sunk, " [soc@99999 version=\"4\"] "));
	events_free(e);

	FILE *f = fopen(logf, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_non_null(strstr(text, " [menjin@32473 version=\"4\"] "));
	assert_null(strstr(text, "soc@99999"));
	store_close(st);
	unlink(logf);
	unlink(db);
	char side[80];
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_line),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_nil_and_cut),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_sink_sd_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
