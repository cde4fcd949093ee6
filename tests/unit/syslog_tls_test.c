/* syslog_tls_test.c — the SOC queue: sequence ids in the structured data,
 * octet-counted frames, cursors per collector that survive a restart, rows
 * deleted only when every collector has them, and a bounded disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syslog_tls.h"

static const char *line_sd =
	"<134>1 2026-11-25T12:00:00.007Z gw menjind 1234 verdict [menjin@32473 mac=\"00:1b:a9:01:02:03\"] quarantined";
static const char *line_nil = "<29>1 2026-11-25T12:00:00.000Z gw menjind 1 admin.login - root logged in";

static void test_add_sequence(void **state)
{
	(void)state;
	char out[SOC_LINE_MAX];
	int n = syslog_tls_add_sequence(line_sd, 7, out, sizeof(out));
	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out, "<134>1 2026-11-25T12:00:00.007Z gw menjind 1234 verdict [meta sequenceId=\"7\"]"
				 "[menjin@32473 mac=\"00:1b:a9:01:02:03\"] quarantined");
	assert_true(syslog_tls_add_sequence(line_nil, 2147483647, out, sizeof(out)) > 0);
	assert_string_equal(out, "<29>1 2026-11-25T12:00:00.000Z gw menjind 1 admin.login [meta sequenceId=\"2147483647\"]"
				 " root logged in");
	/* a line ending right after the NILVALUE */
	assert_true(syslog_tls_add_sequence("<29>1 - - - - - -", 1, out, sizeof(out)) > 0);
	assert_string_equal(out, "<29>1 - - - - - [meta sequenceId=\"1\"]");
	/* not RFC 5424 */
	assert_int_equal(syslog_tls_add_sequence("Nov 25 12:00:00 gw menjind: hi", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(syslog_tls_add_sequence("<29>1 a b c d e", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(syslog_tls_add_sequence("<29>1 a b c d e x", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(syslog_tls_add_sequence("<29>1 a  b c d e -", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(syslog_tls_add_sequence(line_sd, 1, out, 40), -ENOSPC);
	/* sequenceId wraps to 1 after 2^31-1 (RFC 5424 7.3.1) */
	assert_int_equal(syslog_tls_sequence_id(1), 1);
	assert_int_equal(syslog_tls_sequence_id(2147483647), 2147483647);
	assert_int_equal(syslog_tls_sequence_id(2147483648LL), 1);
}

static void test_frame(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(syslog_tls_frame("<13>1 - - - - - - hi", 20, out, sizeof(out)), 23);
	assert_string_equal(out, "20 <13>1 - - - - - - hi");
	assert_int_equal(syslog_tls_frame("abcdef", 6, out, 8), -ENOSPC);
	assert_int_equal(syslog_tls_frame("abcdef", 6, out, 9), 8);
}

struct collect {
	int n;
	int64_t seq[64];
	char line[64][SOC_LINE_MAX];
};

static int collect_cb(void *ctx, int64_t seq, const char *line)
{
	struct collect *c = ctx;
	c->seq[c->n] = seq;
	snprintf(c->line[c->n], SOC_LINE_MAX, "%s", line);
	c->n++;
	return 0;
}

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/soc-queue-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/queue.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void push_n(struct soc_queue *q, int n)
{
	for (int i = 0; i < n; i++) {
		char line[128];
		snprintf(line, sizeof(line), "<134>1 2026-11-25T12:00:00.000Z gw menjind 1 test [x@1 n=\"%d\"] event", i);
		assert_int_equal(soc_queue_push(q, line, NULL), 0);
	}
}

static void test_queue_one_collector(void **state)
{
	(void)state;
	const char *names[] = { "127.0.0.1:6514" };
	struct soc_queue *q;
	char err[256];
	struct collect c = { 0 };
	int64_t seq;

	assert_int_equal(soc_queue_open(path, 0, names, 1, &q, err, sizeof(err)), 0);
	assert_int_equal(soc_queue_last(q), 0);
	assert_int_equal(soc_queue_push(q, line_sd, &seq), 0);
	assert_int_equal(seq, 1);
	push_n(q, 9);
	assert_int_equal(soc_queue_length(q), 10);
	assert_int_equal(soc_queue_read(q, 0, 64, collect_cb, &c), 0);
	assert_int_equal(c.n, 10);
	assert_int_equal(c.seq[9], 10);
	assert_non_null(strstr(c.line[0], "verdict [meta sequenceId=\"1\"][menjin@32473"));
	assert_non_null(strstr(c.line[9], "[meta sequenceId=\"10\"][x@1 n=\"8\"]"));
	/* delivered up to 6: rows 1..6 leave the disk */
	assert_int_equal(soc_queue_ack(q, 0, 6), 0);
	assert_int_equal(soc_queue_length(q), 4);
	assert_int_equal(soc_queue_ack(q, 0, 3), 0);   /* never backwards */
	assert_int_equal(soc_queue_cursor(q, 0), 6);
	assert_int_equal(soc_queue_ack(q, 1, 3), -EINVAL);
	soc_queue_close(q);

	/* a restart (or a crash) keeps cursor, rows and the sequence */
	assert_int_equal(soc_queue_open(path, 0, names, 1, &q, err, sizeof(err)), 0);
	assert_int_equal(soc_queue_cursor(q, 0), 6);
	assert_int_equal(soc_queue_length(q), 4);
	assert_int_equal(soc_queue_last(q), 10);
	c.n = 0;
	assert_int_equal(soc_queue_read(q, soc_queue_cursor(q, 0), 2, collect_cb, &c), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.seq[0], 7);
	/* everything delivered: the queue empties, and numbering goes on */
	assert_int_equal(soc_queue_ack(q, 0, 10), 0);
	assert_int_equal(soc_queue_length(q), 0);
	soc_queue_close(q);
	assert_int_equal(soc_queue_open(path, 0, names, 1, &q, err, sizeof(err)), 0);
	assert_int_equal(soc_queue_push(q, line_nil, &seq), 0);
	assert_int_equal(seq, 11);
	c.n = 0;
	soc_queue_read(q, 10, 64, collect_cb, &c);
	assert_non_null(strstr(c.line[0], "[meta sequenceId=\"11\"] root logged in"));
	/* refusals */
	char big[EVENT_LINE_MAX + 10];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "<1>1 - - - - - - ", 17);
	assert_int_equal(soc_queue_push(q, big, NULL), -E2BIG);
	assert_int_equal(soc_queue_push(q, "plain text", NULL), -EINVAL);
	assert_int_equal(soc_queue_last(q), 11);
	soc_queue_close(q);
}

static void test_queue_two_collectors(void **state)
{
	(void)state;
	const char *both[] = { "soc-a:6514", "soc-b:6514" };
	struct soc_queue *q;
	char err[256];

	assert_int_equal(soc_queue_open(path, 0, both, 2, &q, err, sizeof(err)), 0);
	push_n(q, 10);
	assert_int_equal(soc_queue_ack(q, 0, 10), 0);
	/* b is down: nothing may go */
	assert_int_equal(soc_queue_length(q), 10);
	assert_int_equal(soc_queue_ack(q, 1, 4), 0);
	assert_int_equal(soc_queue_length(q), 6);
	soc_queue_close(q);

	/* soc-b removed from the configuration: it no longer pins the queue */
	assert_int_equal(soc_queue_open(path, 0, both, 1, &q, err, sizeof(err)), 0);
	assert_int_equal(soc_queue_length(q), 0);
	push_n(q, 3);
	soc_queue_close(q);

	/* soc-c added: it gets what is still on disk, not the whole history */
	const char *ac[] = { "soc-a:6514", "soc-c:6514" };
	assert_int_equal(soc_queue_open(path, 0, ac, 2, &q, err, sizeof(err)), 0);
	assert_int_equal(soc_queue_cursor(q, 0), 10);
	assert_int_equal(soc_queue_cursor(q, 1), 10);
	assert_int_equal(soc_queue_last(q), 13);
	soc_queue_close(q);
}

static void test_queue_bounded(void **state)
{
	(void)state;
	const char *names[] = { "soc:6514" };
	struct soc_queue *q;
	char err[256];
	struct collect c = { 0 };

	assert_int_equal(soc_queue_open(path, 5, names, 1, &q, err, sizeof(err)), 0);
	push_n(q, 8);
	assert_int_equal(soc_queue_length(q), 5);
	assert_int_equal(soc_queue_dropped(q), 3);
	/* the collector's cursor moved past what was dropped: the SOC sees a gap
	 * in sequenceId 1..3, which is the truth */
	assert_int_equal(soc_queue_cursor(q, 0), 3);
	assert_int_equal(soc_queue_read(q, soc_queue_cursor(q, 0), 64, collect_cb, &c), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.seq[0], 4);
	soc_queue_close(q);
	/* a directory that does not exist */
	assert_int_not_equal(soc_queue_open("/nonexistent/dir/queue.db", 5, names, 1, &q, err, sizeof(err)), 0);
	assert_null(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_sequence),
		cmocka_unit_test(test_frame),
		cmocka_unit_test_setup_teardown(test_queue_one_collector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_two_collectors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
