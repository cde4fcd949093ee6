/* events.h — what happened, for people and for the SOC.
 *
 * One event per decision change (and per new device, override, reload...).
 * Each event goes to the store's event log, to the local event log file and
 * to syslog as an RFC 5424 line with structured data:
 *
 *   <134>1 2026-11-25T12:00:00.000Z gw menjind 1234 verdict [menjin@32473
 *   mac="aa:bb:cc:dd:ee:ff" state="quarantined" role="" rule="default"
 *   reason="no policy rule matched"] aa:bb:cc:dd:ee:ff quarantined: ...
 *
 * and to API clients following the stream. Formatting is pure
 * (event_format_5424, event_to_json) and unit-tested; the sinks are I/O.
 * Output is written after the current libevent callback returns, so a
 * decision's syslog line never precedes its store commit.
 */
#ifndef MENJIN_EVENTS_H
#define MENJIN_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#define EVENT_MAX_PARAMS     16
#define EVENT_LINE_MAX       4096     /* one RFC 5424 line */
#define EVENTS_PENDING_MAX   256      /* lines held until the callback returns */

struct event_param {
	const char *name;       /* RFC 5424 PARAM-NAME: printable ASCII, no '=', ' ', ']', '"' */
	const char *value;      /* UTF-8 */
};

struct event {
	int64_t     ts_ms;      /* 0: now */
	int         severity;   /* LOG_INFO, LOG_NOTICE, ... */
	const char *kind;       /* MSGID: "verdict", "device.new", "override.set", ... */
	const char *mac;        /* NULL when not about one device */
	const char *msg;        /* human-readable line, may be NULL */
	unsigned    nparams;
	struct event_param params[EVENT_MAX_PARAMS];
};

/* Adds a parameter; -E2BIG when full. The strings must outlive the event. */
int event_param(struct event *ev, const char *name, const char *value);

/* RFC 5424 6.3.3: '"', '\\' and ']' are escaped with a backslash. Control
 * characters become a space, so the line stays one line. Returns the length
 * written (output is always NUL-terminated and cut on a character boundary). */
size_t event_escape_value(const char *in, char *out, size_t outlen);

/* Format one line (no trailing newline). facility is a LOG_* value. Returns
 * the length, or -ENOSPC if it had to be cut (the line is still valid). */
int event_format_5424(const struct event *ev, int facility, const char *hostname, const char *app,
		      int pid, const char *sd_id, char *out, size_t outlen);

/* {"id":..,"ts":"2026-..Z","kind":..,"mac":..,"params":{..},"msg":..}; malloc'ed, NULL on ENOMEM. */
char *event_to_json(const struct event *ev, int64_t id);

/* "2026-11-25T12:00:00.000Z" */
void event_timestamp(int64_t ts_ms, char *out, size_t len);
int64_t event_now_ms(void);

/* ---- sinks ---------------------------------------------------------- */

struct events;
struct event_base;
struct store;
struct conf;

typedef void (*events_listener)(void *ctx, int64_t id, const char *json);

struct events *events_new(struct event_base *base, struct store *store, const struct conf *c);
void events_free(struct events *e);
/* After a reload: facility, SD-ID and the log file (reopened, for logrotate). */
void events_configure(struct events *e, const struct conf *c);
void events_set_listener(struct events *e, events_listener fn, void *ctx);
/* Every RFC 5424 line, when it is written (after the store commit); NULL
 * removes the sink. */
typedef void (*events_line_sink)(void *ctx, const char *line);
void events_set_line_sink(struct events *e, events_line_sink fn, void *ctx);
/* The sink's lines carry this SD-ID (the SOC's soc.sd_id); "" or NULL:
 * menjind.sd_id like the other outputs. */
void events_set_line_sink_sd_id(struct events *e, const char *sd_id);

/* Record (store) now, output when the current callback returns. Returns the
 * event id or a negative errno. */
int64_t events_emit(struct events *e, struct event *ev);
/* The caller rolled back: forget output queued since the last flush. */
void events_discard(struct events *e);
/* Write queued output now (tests, shutdown). */
void events_flush(struct events *e);

#endif
