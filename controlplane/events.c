/* events.c — event formatting (RFC 5424, JSON) and the event sinks. */
#include "events.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "store.h"

/* ---- pure formatting -------------------------------------------------- */

int event_param(struct event *ev, const char *name, const char *value)
{
	if (ev->nparams >= EVENT_MAX_PARAMS)
		return -E2BIG;
	ev->params[ev->nparams].name = name;
	ev->params[ev->nparams].value = value ? value : "";
	ev->nparams++;
	return 0;
}

int64_t event_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void event_timestamp(int64_t ts_ms, char *out, size_t len)
{
	time_t sec = (time_t)(ts_ms / 1000);
	struct tm tm;
	char base[32];
	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03dZ", base, (int)(ts_ms % 1000));
}

/* Bytes in the UTF-8 sequence that starts with b (1 for anything odd). */
static size_t seq_len(unsigned char b)
{
	if (b >= 0xf0)
		return 4;
	if (b >= 0xe0)
		return 3;
	if (b >= 0xc0)
		return 2;
	return 1;
}

size_t event_escape_value(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	if (outlen == 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)in; *p;) {
		if (*p == '"' || *p == '\\' || *p == ']') {
			if (o + 2 >= outlen)
				break;
			out[o++] = '\\';
			out[o++] = (char)*p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			if (o + 1 >= outlen)
				break;
			out[o++] = ' ';
			p++;
			continue;
		}
		size_t n = seq_len(*p);
		size_t have = strnlen((const char *)p, n);
		if (have < n)
			n = have;
		if (o + n >= outlen)
			break;
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return o;
}

/* Header fields (HOSTNAME, APP-NAME, PROCID, MSGID) are PRINTUSASCII with a
 * maximum length; "-" is the NILVALUE (RFC 5424 6.2). */
static void header_field(const char *in, size_t max, char *out)
{
	size_t o = 0;
	for (const char *p = in ? in : ""; *p && o < max; p++)
		if (*p > 32 && *p < 127)
			out[o++] = *p;
	if (o == 0)
		out[o++] = '-';
	out[o] = '\0';
}

static void param_name(const char *in, char out[33])
{
	size_t o = 0;
	for (const char *p = in; *p && o < 32; p++)
		if (*p > 32 && *p < 127 && *p != '=' && *p != ']' && *p != '"')
			out[o++] = *p;
	if (o == 0)
		out[o++] = 'x';
	out[o] = '\0';
}

struct line {
	char  *p;
	size_t len, cap;
	bool   cut;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (l->len + n >= l->cap) {
		l->cut = true;
		return;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = '\0';
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

int event_format_5424(const struct event *ev, int facility, const char *hostname, const char *app,
		      int pid, const char *sd_id, char *out, size_t outlen)
{
	struct line l = { .p = out, .cap = outlen };
	char head[512], host[256], appname[49], msgid[33], ts[40], sd[33], pidstr[16];

	if (outlen == 0)
		return -ENOSPC;
	out[0] = '\0';
	event_timestamp(ev->ts_ms, ts, sizeof(ts));
	header_field(hostname, 255, host);
	header_field(app, 48, appname);
	header_field(ev->kind, 32, msgid);
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	/* PRI = facility * 8 + severity; LOG_* facilities are already shifted. */
	snprintf(head, sizeof(head), "<%d>1 %s %s %s %s %s ", (facility & LOG_FACMASK) | (ev->severity & 7),
		 ts, host, appname, pidstr, msgid);
	puts_(&l, head);

	param_name(sd_id, sd);
	if (ev->mac == NULL && ev->nparams == 0) {
		puts_(&l, "-");
	} else {
		puts_(&l, "[");
		puts_(&l, sd);
		char value[1024], name[33];
		if (ev->mac) {
			event_escape_value(ev->mac, value, sizeof(value));
			puts_(&l, " mac=\"");
			puts_(&l, value);
			puts_(&l, "\"");
		}
		for (unsigned i = 0; i < ev->nparams; i++) {
			param_name(ev->params[i].name, name);
			event_escape_value(ev->params[i].value, value, sizeof(value));
			size_t need = strlen(name) + strlen(value) + 5;
			if (l.len + need + 2 >= l.cap) {   /* keep room to close the element */
				l.cut = true;
				break;
			}
			puts_(&l, " ");
			puts_(&l, name);
			puts_(&l, "=\"");
			puts_(&l, value);
			puts_(&l, "\"");
		}
		l.cut = l.cut || l.len + 1 >= l.cap;
		if (l.len + 1 < l.cap)
			puts_(&l, "]");
	}
	if (ev->msg && ev->msg[0]) {
		char msg[1024];
		/* MSG is free text; only control characters are replaced. */
		size_t o = 0;
		for (const unsigned char *p = (const unsigned char *)ev->msg; *p && o + 1 < sizeof(msg); p++)
			msg[o++] = (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p;
		msg[o] = '\0';
		if (l.len + 2 < l.cap) {
			puts_(&l, " ");
			size_t room = l.cap - l.len - 1;
			if (strlen(msg) > room) {
				/* cut on a UTF-8 boundary */
				while (room > 0 && ((unsigned char)msg[room] & 0xc0) == 0x80)
					room--;
				msg[room] = '\0';
				l.cut = true;
			}
			puts_(&l, msg);
		} else {
			l.cut = true;
		}
	}
	return l.cut ? -ENOSPC : (int)l.len;
}

char *event_to_json(const struct event *ev, int64_t id)
{
	char ts[40];
	json_t *o = json_object(), *params = json_object();
	char *text = NULL;

	if (o == NULL || params == NULL)
		goto out;
	event_timestamp(ev->ts_ms, ts, sizeof(ts));
	if (id > 0)
		json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "ts", json_string(ts));
	json_object_set_new(o, "kind", json_string(ev->kind ? ev->kind : ""));
	json_object_set_new(o, "severity", json_integer(ev->severity));
	if (ev->mac)
		json_object_set_new(o, "mac", json_string(ev->mac));
	/* json_string refuses invalid UTF-8; such a value is carried as null
	 * rather than dropping the whole event. */
	for (unsigned i = 0; i < ev->nparams; i++) {
		json_t *v = json_string(ev->params[i].value);
		json_object_set_new(params, ev->params[i].name, v ? v : json_null());
	}
	json_object_set(o, "params", params);
	if (ev->msg) {
		json_t *m = json_string(ev->msg);
		json_object_set_new(o, "msg", m ? m : json_null());
	}
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(params);
	json_decref(o);
	return text;
}

/* ---- sinks ------------------------------------------------------------ */

struct pending {
	char   *line;       /* RFC 5424 */
	char   *json;       /* with id, for listeners */
	int64_t id;
};

struct events {
	struct event_base *base;
	struct event      *flush_ev;
	struct store      *store;
	int                facility;
	char               sd_id[33];
	char               hostname[256];
	int                log_fd;          /* event_log file, -1 when disabled */
	char               log_path[CONF_PATH_MAX];
	int                syslog_fd;       /* AF_UNIX datagram socket, -1 when disabled */
	char               syslog_path[CONF_SOCK_MAX];
	unsigned           syslog_drops;
	events_listener    listener;
	void              *listener_ctx;
	events_line_sink   line_sink;       /* SOC export: every line, as written */
	void              *line_sink_ctx;
	char               sink_sd_id[33];  /* "" : sd_id */
	unsigned           npending;
	struct pending     pending[EVENTS_PENDING_MAX];
};

static void open_log(struct events *e)
{
	if (e->log_fd >= 0)
		close(e->log_fd);
	e->log_fd = -1;
	if (e->log_path[0] == '\0')
		return;
	e->log_fd = open(e->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (e->log_fd < 0)
		log_warn("events", "event log %s: %s (events still go to the store and syslog)", e->log_path,
			 strerror(errno));
}

static void open_syslog(struct events *e)
{
	if (e->syslog_fd >= 0)
		close(e->syslog_fd);
	e->syslog_fd = -1;
	if (e->syslog_path[0] == '\0')
		return;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", e->syslog_path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		/* No syslog daemon (yet): retried on the next event. */
		close(fd);
		return;
	}
	e->syslog_fd = fd;
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	events_flush(arg);
}

struct events *events_new(struct event_base *base, struct store *store, const struct conf *c)
{
	struct events *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->base = base;
	e->store = store;
	e->log_fd = e->syslog_fd = -1;
	if (base) {
		e->flush_ev = event_new(base, -1, 0, flush_cb, e);
		if (e->flush_ev == NULL) {
			free(e);
			return NULL;
		}
	}
	if (gethostname(e->hostname, sizeof(e->hostname) - 1) < 0)
		snprintf(e->hostname, sizeof(e->hostname), "-");
	events_configure(e, c);
	return e;
}

void events_configure(struct events *e, const struct conf *c)
{
	e->facility = c->syslog_facility;
	snprintf(e->sd_id, sizeof(e->sd_id), "%s", c->sd_id);
	snprintf(e->log_path, sizeof(e->log_path), "%s", c->event_log);
	snprintf(e->syslog_path, sizeof(e->syslog_path), "%s", c->syslog_socket);
	open_log(e);
	open_syslog(e);
}

void events_set_listener(struct events *e, events_listener fn, void *ctx)
{
	e->listener = fn;
	e->listener_ctx = ctx;
}

void events_set_line_sink(struct events *e, events_line_sink fn, void *ctx)
{
	e->line_sink = fn;
	e->line_sink_ctx = ctx;
	if (fn == NULL)
		e->sink_sd_id[0] = '\0';
}

void events_set_line_sink_sd_id(struct events *e, const char *sd_id)
{
	snprintf(e->sink_sd_id, sizeof(e->sink_sd_id), "%s", sd_id ? sd_id : "");
}

/* line with its SD-ID (after PRI+VERSION, TIMESTAMP, HOSTNAME, APP-NAME,
 * PROCID and MSGID: RFC 5424 6) replaced by sd_id; line itself when it
 * has no structured data or does not fit. */
static const char *with_sd_id(const char *line, const char *sd_id, char *buf, size_t len)
{
	const char *p = line;
	for (int field = 0; field < 6 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p == NULL || *p != '[')
		return line;
	size_t id_len = strcspn(p + 1, " ]");
	int n = snprintf(buf, len, "%.*s%s%s", (int)(p + 1 - line), line, sd_id, p + 1 + id_len);
	return n > 0 && (size_t)n < len ? buf : line;
}

static void write_line(struct events *e, const char *line)
{
	size_t n = strlen(line);
	if (e->line_sink) {
		char buf[EVENT_LINE_MAX + 40];
		e->line_sink(e->line_sink_ctx,
			     e->sink_sd_id[0] ? with_sd_id(line, e->sink_sd_id, buf, sizeof(buf)) : line);
	}
	if (e->log_fd >= 0) {
		struct iovec iov[2] = { { (void *)line, n }, { "\n", 1 } };
		if (writev(e->log_fd, iov, 2) < 0)
			log_warn("events", "event log %s: %s", e->log_path, strerror(errno));
	}
	if (e->syslog_path[0] == '\0')
		return;
	if (e->syslog_fd < 0)
		open_syslog(e);
	if (e->syslog_fd < 0 || send(e->syslog_fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* Lost lines are counted, not retried: the store keeps the event. */
		if (e->syslog_drops++ % 1000 == 0)
			log_debug("events", "syslog %s unreachable (%u lines lost)", e->syslog_path,
				  e->syslog_drops);
		if (e->syslog_fd >= 0) {
			close(e->syslog_fd);
			e->syslog_fd = -1;
		}
	}
}

void events_flush(struct events *e)
{
	for (unsigned i = 0; i < e->npending; i++) {
		struct pending *p = &e->pending[i];
		write_line(e, p->line);
		if (e->listener && p->json)
			e->listener(e->listener_ctx, p->id, p->json);
		free(p->line);
		free(p->json);
	}
	e->npending = 0;
}

void events_discard(struct events *e)
{
	for (unsigned i = 0; i < e->npending; i++) {
		free(e->pending[i].line);
		free(e->pending[i].json);
	}
	e->npending = 0;
}

int64_t events_emit(struct events *e, struct event *ev)
{
	char line[EVENT_LINE_MAX];
	int64_t id = 0;

	if (ev->ts_ms == 0)
		ev->ts_ms = event_now_ms();
	if (ev->severity == 0)
		ev->severity = LOG_INFO;
	char *stored = event_to_json(ev, 0);
	if (stored == NULL)
		return -ENOMEM;
	int rc = store_event_add(e->store, ev->ts_ms, ev->kind, ev->mac, stored, &id);
	free(stored);
	if (rc < 0)
		return rc;
	event_format_5424(ev, e->facility, e->hostname, "menjind", (int)getpid(), e->sd_id, line, sizeof(line));
	log_info("events", "%s %s%s%s", ev->kind, ev->mac ? ev->mac : "", ev->mac ? " " : "",
		 ev->msg ? ev->msg : "");
	if (e->npending == EVENTS_PENDING_MAX)
		events_flush(e);   /* a burst: better early than lost */
	struct pending *p = &e->pending[e->npending];
	p->line = strdup(line);
	p->json = event_to_json(ev, id);
	p->id = id;
	if (p->line == NULL) {
		free(p->json);
		return -ENOMEM;
	}
	e->npending++;
	if (e->flush_ev)
		event_active(e->flush_ev, 0, 0);
	else
		events_flush(e);
	return id;
}

void events_free(struct events *e)
{
	if (e == NULL)
		return;
	events_flush(e);
	if (e->flush_ev)
		event_free(e->flush_ev);
	if (e->log_fd >= 0)
		close(e->log_fd);
	if (e->syslog_fd >= 0)
		close(e->syslog_fd);
	free(e);
}
