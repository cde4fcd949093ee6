/* soc_live_test.c — SOC export to a real collector. tests/lab/
 * soc_rsyslog_test.sh starts rsyslog (imtcp + gtls) and runs this program
 * in phases with MENJIN_SOC_* set; without MENJIN_SOC_PORT it only checks
 * what needs no network and skips the rest.
 *
 *   MENJIN_SOC_PORT      collector port on 127.0.0.1
 *   MENJIN_SOC_CA        CA certificate that signed the collector's
 *   MENJIN_SOC_QUEUE     queue file (kept between phases: the appliance's disk)
 *   MENJIN_SOC_FIRST     first test number n to send (default 1)
 *   MENJIN_SOC_COUNT     events to send (default 10)
 *   MENJIN_SOC_INTERVAL  milliseconds between events (default 20)
 *   MENJIN_SOC_DRAIN     seconds to wait for every event to be delivered;
 *                        0: stop after sending, with whatever is queued
 *   MENJIN_SOC_PROGRESS  file rewritten after each event: "sent N queued Q"
 *
 * Each event is an RFC 5424 line from event_format_5424() with n="N" in
 * its structured data; the queue adds [meta sequenceId]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "events.h"
#include "syslog_tls.h"

static const char *port_s;

struct run {
	struct event_base *base;
	struct syslog_tls *s;
	struct event *tick;
	long first, count, sent;
	const char *progress;
	bool late;
};

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	return v ? strtol(v, NULL, 10) : dflt;
}

static uint64_t pending(struct syslog_tls *s)
{
	struct soc_collector_status st;
	syslog_tls_status(s, 0, &st);
	return st.pending;
}

static void write_progress(struct run *r)
{
	char text[128];
	if (r->progress == NULL)
		return;
	int n = snprintf(text, sizeof(text), "sent %ld queued %llu\n", r->sent, (unsigned long long)pending(r->s));
	atomicfile_write(r->progress, text, (size_t)n, 0644);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	char line[EVENT_LINE_MAX], n[24];
	(void)fd;
	(void)what;
	if (r->sent == r->count) {
		event_base_loopbreak(r->base);
		return;
	}
	snprintf(n, sizeof(n), "%ld", r->first + r->sent);
	struct event ev = { .severity = LOG_NOTICE, .kind = "blocklist.hit", .mac = "02:00:0a:0a:01:0b",
			    .msg = "lab event across a collector restart" };
	event_param(&ev, "n", n);
	event_param(&ev, "prefix", "203.0.113.0/24");
	ev.ts_ms = event_now_ms();
	event_format_5424(&ev, LOG_LOCAL0, "township-a", "menjind", 4242, "menjin@32473", line, sizeof(line));
	assert_int_equal(syslog_tls_send(r->s, line), 0);
	r->sent++;
	write_progress(r);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	(void)fd;
	(void)what;
	r->late = true;
	event_base_loopbreak(r->base);
}

static void on_check(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	(void)fd;
	(void)what;
	write_progress(r);
	if (pending(r->s) == 0)
		event_base_loopbreak(r->base);
}

static void test_offline(void **state)
{
	(void)state;
	struct event_base *b = event_base_new();
	struct soc_conf c = { .ncollectors = 1 };
	char err[256];
	snprintf(c.queue_file, sizeof(c.queue_file), "/tmp/soc-offline-%d.db", (int)getpid());
	/* no port */
	snprintf(c.collectors[0].host, sizeof(c.collectors[0].host), "127.0.0.1");
	assert_null(syslog_tls_new(b, &c, err, sizeof(err)));
	assert_string_equal(err, "soc: collector 1 needs a host and a port");
	/* a CA file that does not exist */
	c.collectors[0].port = 6514;
	snprintf(c.collectors[0].ca_file, sizeof(c.collectors[0].ca_file), "/nonexistent/ca.pem");
	assert_null(syslog_tls_new(b, &c, err, sizeof(err)));
	assert_string_equal(err, "127.0.0.1:6514: cannot load CA certificates /nonexistent/ca.pem");
	c.ncollectors = SOC_MAX_COLLECTORS + 1;
	assert_null(syslog_tls_new(b, &c, err, sizeof(err)));
	event_base_free(b);
	remove(c.queue_file);
}

static void test_send_through_collector(void **state)
{
	(void)state;
	if (port_s == NULL)
		skip();
	struct run r = { .first = env_long("MENJIN_SOC_FIRST", 1), .count = env_long("MENJIN_SOC_COUNT", 10),
			 .progress = getenv("MENJIN_SOC_PROGRESS") };
	long interval = env_long("MENJIN_SOC_INTERVAL", 20), drain = env_long("MENJIN_SOC_DRAIN", 30);
	struct soc_conf c = { .ncollectors = 1 };
	char err[256];

	snprintf(c.collectors[0].host, sizeof(c.collectors[0].host), "127.0.0.1");
	c.collectors[0].port = (uint16_t)atoi(port_s);
	snprintf(c.collectors[0].ca_file, sizeof(c.collectors[0].ca_file), "%s", getenv("MENJIN_SOC_CA"));
	snprintf(c.queue_file, sizeof(c.queue_file), "%s", getenv("MENJIN_SOC_QUEUE"));
	r.base = event_base_new();
	r.s = syslog_tls_new(r.base, &c, err, sizeof(err));
	if (r.s == NULL)
		fail_msg("%s", err);
	printf("# start: %llu events waiting in the queue from before\n", (unsigned long long)pending(r.s));

	struct event *tick = event_new(r.base, -1, EV_PERSIST, on_tick, &r);
	struct timeval tv = { .tv_sec = interval / 1000, .tv_usec = (interval % 1000) * 1000 };
	event_add(tick, &tv);
	event_base_dispatch(r.base);
	event_free(tick);
	printf("# sent n=%ld..%ld\n", r.first, r.first + r.count - 1);

	struct event *deadline = evtimer_new(r.base, on_deadline, &r);
	struct event *check = event_new(r.base, -1, EV_PERSIST, on_check, &r);
	struct timeval d = { .tv_sec = drain > 0 ? drain : 1 }, every = { 0, 100000 };
	evtimer_add(deadline, &d);
	if (drain > 0)
		event_add(check, &every);
	event_base_dispatch(r.base);
	struct soc_collector_status st;
	syslog_tls_status(r.s, 0, &st);
	printf("# %s: %s, delivered %llu this run, %llu still queued, %u connects, last error: %s\n", st.name,
	       soc_state_name(st.state), (unsigned long long)st.delivered, (unsigned long long)st.pending, st.reconnects,
	       st.last_error);
	write_progress(&r);
	if (drain > 0 && st.pending != 0)
		fail_msg("%llu events not delivered within %ld s", (unsigned long long)st.pending, drain);
	event_free(deadline);
	event_free(check);
	syslog_tls_free(r.s);
	event_base_free(r.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_send_through_collector),
	};
	port_s = getenv("MENJIN_SOC_PORT");
	if (port_s && (getenv("MENJIN_SOC_CA") == NULL || getenv("MENJIN_SOC_QUEUE") == NULL)) {
		fprintf(stderr, "MENJIN_SOC_PORT needs MENJIN_SOC_CA and MENJIN_SOC_QUEUE\n");
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
