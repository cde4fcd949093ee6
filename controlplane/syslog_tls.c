/* syslog_tls.c — the SOC export: SQLite queue, RFC 5425 over OpenSSL. */
#include "syslog_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* ---- pure helpers ------------------------------------------------------------- */

uint32_t syslog_tls_sequence_id(int64_t seq)
{
	return (uint32_t)((seq - 1) % SOC_SEQUENCE_MAX) + 1;
}

int syslog_tls_add_sequence(const char *line, uint32_t seq, char *out, size_t outlen)
{
	char meta[48];
	const char *p = line;

	/* HEADER = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP
	 * MSGID (RFC 5424 6): the structured data starts after six spaces. */
	if (line[0] != '<')
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		p = strchr(p, ' ');
		if (p == NULL || p[1] == ' ')
			return -EINVAL;
		p++;
	}
	size_t head = (size_t)(p - line);
	int m = snprintf(meta, sizeof(meta), "[meta sequenceId=\"%" PRIu32 "\"]", seq);
	const char *rest;
	if (p[0] == '-' && (p[1] == ' ' || p[1] == '\0'))
		rest = p + 1;   /* NILVALUE replaced */
	else if (p[0] == '[')
		rest = p;
	else
		return -EINVAL;
	size_t need = head + (size_t)m + strlen(rest);
	if (need + 1 > outlen)
		return -ENOSPC;
	memcpy(out, line, head);
	memcpy(out + head, meta, (size_t)m);
	memcpy(out + head + m, rest, strlen(rest) + 1);
	return (int)need;
}

int syslog_tls_frame(const char *msg, size_t len, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%zu ", len);
	if (n < 0 || (size_t)n + len + 1 > outlen)
		return -ENOSPC;
	memcpy(out + n, msg, len);
	out[(size_t)n + len] = '\0';
	return n + (int)len;
}

/* ---- the queue ---------------------------------------------------------------- */

struct soc_queue {
	sqlite3 *db;
	sqlite3_stmt *push, *read, *ack, *del, *count;
	unsigned max;
	unsigned ncursors;
	char names[SOC_MAX_COLLECTORS][SOC_HOST_MAX + 8];
	int64_t cursors[SOC_MAX_COLLECTORS];
	int64_t last;
	uint64_t length, dropped;
};

static int sql_rc(sqlite3 *db, int rc, char *err, size_t errlen, const char *what)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	if (err)
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	else
		log_warn("syslog_tls", "%s: %s", what, sqlite3_errmsg(db));
	return rc == SQLITE_FULL ? -ENOSPC : -EIO;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	return sql_rc(db, sqlite3_exec(db, sql, NULL, NULL, NULL), err, errlen, "queue");
}

static int64_t query_i64(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Delete what every collector has; returns rows deleted. */
static int trim(struct soc_queue *q)
{
	if (q->ncursors == 0)
		return 0;
	int64_t low = q->cursors[0];
	for (unsigned i = 1; i < q->ncursors; i++)
		if (q->cursors[i] < low)
			low = q->cursors[i];
	sqlite3_reset(q->del);
	sqlite3_bind_int64(q->del, 1, low);
	int rc = sql_rc(q->db, sqlite3_step(q->del), NULL, 0, "queue trim");
	if (rc < 0)
		return rc;
	int n = sqlite3_changes(q->db);
	q->length -= (uint64_t)n <= q->length ? (uint64_t)n : q->length;
	return n;
}

int soc_queue_open(const char *path, unsigned max, const char *const *collectors, unsigned ncollectors,
		   struct soc_queue **out, char *err, size_t errlen)
{
	struct soc_queue *q;
	int rc;

	*out = NULL;
	if (ncollectors > SOC_MAX_COLLECTORS) {
		snprintf(err, errlen, "%u collectors, at most %d", ncollectors, SOC_MAX_COLLECTORS);
		return -E2BIG;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->max = max ? max : SOC_QUEUE_DEFAULT_MAX;
	if (q->max > SOC_QUEUE_MAX_LIMIT)
		q->max = SOC_QUEUE_MAX_LIMIT;
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, q->db ? sqlite3_errmsg(q->db) : "cannot open");
		soc_queue_close(q);
		return -EIO;
	}
	sqlite3_busy_timeout(q->db, 2000);
	/* WAL with synchronous=NORMAL: a row survives a crash of menjind as soon
	 * as its insert returns; a power cut may lose the last few (the store
	 * keeps every event too). */
	if ((rc = exec(q->db,
		       "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		       "CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, line TEXT NOT NULL);"
		       "CREATE TABLE IF NOT EXISTS cursor (collector TEXT PRIMARY KEY, acked INTEGER NOT NULL);",
		       err, errlen)) < 0 ||
	    (rc = sql_rc(q->db, sqlite3_prepare_v2(q->db, "INSERT INTO queue (line) VALUES (?)", -1, &q->push, NULL), err, errlen, "prepare")) < 0 ||
	    (rc = sql_rc(q->db, sqlite3_prepare_v2(q->db, "SELECT seq, line FROM queue WHERE seq > ? ORDER BY seq LIMIT ?", -1, &q->read, NULL), err, errlen, "prepare")) < 0 ||
	    (rc = sql_rc(q->db, sqlite3_prepare_v2(q->db, "INSERT OR REPLACE INTO cursor (collector, acked) VALUES (?, ?)", -1, &q->ack, NULL), err, errlen, "prepare")) < 0 ||
	    (rc = sql_rc(q->db, sqlite3_prepare_v2(q->db, "DELETE FROM queue WHERE seq <= ?", -1, &q->del, NULL), err, errlen, "prepare")) < 0) {
		soc_queue_close(q);
		return rc;
	}
	q->last = query_i64(q->db, "SELECT seq FROM sqlite_sequence WHERE name = 'queue'", 0);
	q->length = (uint64_t)query_i64(q->db, "SELECT COUNT(*) FROM queue", 0);
	int64_t oldest = query_i64(q->db, "SELECT MIN(seq) FROM queue", q->last + 1);

	/* Cursors: keep the configured ones, drop the others (a removed
	 * collector must not pin the queue forever). */
	exec(q->db, "BEGIN", NULL, 0);
	exec(q->db, "CREATE TEMP TABLE keep (collector TEXT PRIMARY KEY)", NULL, 0);
	for (unsigned i = 0; i < ncollectors; i++) {
		sqlite3_stmt *st;
		snprintf(q->names[i], sizeof(q->names[i]), "%s", collectors[i]);
		q->cursors[i] = oldest - 1;   /* a new collector gets what is still on disk */
		if (sqlite3_prepare_v2(q->db, "SELECT acked FROM cursor WHERE collector = ?", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, collectors[i], -1, SQLITE_TRANSIENT);
			if (sqlite3_step(st) == SQLITE_ROW)
				q->cursors[i] = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
		if (sqlite3_prepare_v2(q->db, "INSERT OR IGNORE INTO keep VALUES (?)", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, collectors[i], -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	q->ncursors = ncollectors;
	exec(q->db, "DELETE FROM cursor WHERE collector NOT IN (SELECT collector FROM keep); DROP TABLE keep", NULL, 0);
	for (unsigned i = 0; i < ncollectors; i++) {
		sqlite3_reset(q->ack);
		sqlite3_bind_text(q->ack, 1, q->names[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(q->ack, 2, q->cursors[i]);
		sqlite3_step(q->ack);
	}
	if ((rc = exec(q->db, "COMMIT", err, errlen)) < 0) {
		soc_queue_close(q);
		return rc;
	}
	trim(q);
	*out = q;
	return 0;
}

void soc_queue_close(struct soc_queue *q)
{
	if (q == NULL)
		return;
	sqlite3_finalize(q->push);
	sqlite3_finalize(q->read);
	sqlite3_finalize(q->ack);
	sqlite3_finalize(q->del);
	sqlite3_finalize(q->count);
	sqlite3_close(q->db);
	free(q);
}

static int save_cursor(struct soc_queue *q, unsigned i)
{
	sqlite3_reset(q->ack);
	sqlite3_bind_text(q->ack, 1, q->names[i], -1, SQLITE_STATIC);
	sqlite3_bind_int64(q->ack, 2, q->cursors[i]);
	return sql_rc(q->db, sqlite3_step(q->ack), NULL, 0, "queue cursor");
}

/* Beyond queue_max the oldest rows go: counted and logged, never silent. */
static int make_room(struct soc_queue *q)
{
	if (q->length < q->max)
		return 0;
	uint64_t drop = q->length - q->max + 1;
	sqlite3_stmt *st;
	int64_t upto = 0;
	if (sqlite3_prepare_v2(q->db, "SELECT seq FROM queue ORDER BY seq LIMIT 1 OFFSET ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(drop - 1));
	if (sqlite3_step(st) == SQLITE_ROW)
		upto = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	exec(q->db, "BEGIN", NULL, 0);
	for (unsigned i = 0; i < q->ncursors; i++)
		if (q->cursors[i] < upto) {
			q->cursors[i] = upto;
			save_cursor(q, i);
		}
	sqlite3_reset(q->del);
	sqlite3_bind_int64(q->del, 1, upto);
	sqlite3_step(q->del);
	int n = sqlite3_changes(q->db);
	int rc = exec(q->db, "COMMIT", NULL, 0);
	if (rc < 0)
		return rc;
	q->length -= (uint64_t)n <= q->length ? (uint64_t)n : q->length;
	if (q->dropped == 0 || (q->dropped + (uint64_t)n) / 1000 != q->dropped / 1000)
		log_warn("syslog_tls", "queue full (%u rows): dropped the oldest, %" PRIu64 " so far", q->max,
			 q->dropped + (uint64_t)n);
	q->dropped += (uint64_t)n;
	return 0;
}

int soc_queue_push(struct soc_queue *q, const char *line, int64_t *seq)
{
	char with_meta[SOC_LINE_MAX];
	int rc;

	if (strlen(line) >= EVENT_LINE_MAX)
		return -E2BIG;
	if ((rc = make_room(q)) < 0)
		return rc;
	int64_t next = q->last + 1;
	rc = syslog_tls_add_sequence(line, syslog_tls_sequence_id(next), with_meta, sizeof(with_meta));
	if (rc < 0)
		return rc;
	sqlite3_reset(q->push);
	sqlite3_bind_text(q->push, 1, with_meta, rc, SQLITE_STATIC);
	if ((rc = sql_rc(q->db, sqlite3_step(q->push), NULL, 0, "queue insert")) < 0)
		return rc;
	int64_t got = sqlite3_last_insert_rowid(q->db);
	if (got != next) {
		/* Another writer? The meta sequenceId would lie: refuse. */
		log_err("syslog_tls", "queue sequence %" PRId64 " where %" PRId64 " was expected", got, next);
		return -EIO;
	}
	q->last = got;
	q->length++;
	if (seq)
		*seq = got;
	return 0;
}

int soc_queue_read(struct soc_queue *q, int64_t after, unsigned max, soc_queue_cb cb, void *ctx)
{
	int rc, step;
	sqlite3_reset(q->read);
	sqlite3_bind_int64(q->read, 1, after);
	sqlite3_bind_int(q->read, 2, (int)max);
	while ((step = sqlite3_step(q->read)) == SQLITE_ROW) {
		rc = cb(ctx, sqlite3_column_int64(q->read, 0), (const char *)sqlite3_column_text(q->read, 1));
		if (rc) {
			sqlite3_reset(q->read);
			return rc;
		}
	}
	rc = sql_rc(q->db, step, NULL, 0, "queue read");
	sqlite3_reset(q->read);
	return rc;
}

int soc_queue_ack(struct soc_queue *q, unsigned index, int64_t seq)
{
	if (index >= q->ncursors)
		return -EINVAL;
	if (seq <= q->cursors[index])
		return 0;
	q->cursors[index] = seq;
	exec(q->db, "BEGIN", NULL, 0);
	int rc = save_cursor(q, index);
	if (rc == 0)
		rc = trim(q) < 0 ? -EIO : 0;
	int crc = exec(q->db, "COMMIT", NULL, 0);
	return rc < 0 ? rc : crc;
}

int64_t soc_queue_cursor(const struct soc_queue *q, unsigned index)
{
	return index < q->ncursors ? q->cursors[index] : 0;
}

int64_t soc_queue_last(const struct soc_queue *q)
{
	return q->last;
}

uint64_t soc_queue_length(const struct soc_queue *q)
{
	return q->length;
}

uint64_t soc_queue_dropped(const struct soc_queue *q)
{
	return q->dropped;
}

/* ---- transport ------------------------------------------------------------------ */

struct inflight {
	int64_t  seq;
	uint64_t end;             /* bytes written to the socket when its record was out */
	int64_t  acked_ms;        /* when the collector's TCP acknowledged it; 0 not yet */
};

struct collector {
	struct syslog_tls *owner;
	unsigned index;
	struct soc_collector_conf conf;
	char name[SOC_HOST_MAX + 8];
	SSL_CTX *ctx;
	enum soc_state state;
	int fd;
	SSL *ssl;
	struct event *rev, *wev, *timer, *ack_ev;
	int backoff_ms;
	int64_t sent;             /* last sequence written on this connection */
	char *wbuf;               /* a frame SSL_write() must be given again */
	int wlen;
	int64_t wseq;
	struct inflight ring[SOC_INFLIGHT_MAX];
	unsigned head, count;
	struct soc_collector_status st;
};

struct syslog_tls {
	struct event_base *base;
	struct soc_queue *queue;
	unsigned n;
	struct collector c[SOC_MAX_COLLECTORS];
	struct event *kick;
};

const char *soc_state_name(enum soc_state st)
{
	static const char *const names[] = { "idle", "connecting", "handshake", "up" };
	return (unsigned)st < 4 ? names[st] : "?";
}

static void pump(struct collector *c);
static void start_connect(struct collector *c);

static void set_error(struct collector *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct collector *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->st.last_error, sizeof(c->st.last_error), fmt, ap);
	va_end(ap);
	c->st.last_error_at = (int64_t)time(NULL);
}

/* The OpenSSL reason for a failure, with the certificate check's verdict. */
static void ssl_reason(struct collector *c, int ret, char *out, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	long v = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;
	if (v != X509_V_OK)
		snprintf(out, len, "certificate: %s", X509_verify_cert_error_string(v));
	else if (e)
		ERR_error_string_n(e, out, len);
	else if (SSL_get_error(c->ssl, ret) == SSL_ERROR_SYSCALL && errno)
		snprintf(out, len, "%s", strerror(errno));
	else
		snprintf(out, len, "connection closed by the collector");
	ERR_clear_error();
}

static void disconnect(struct collector *c, const char *why)
{
	if (c->state == SOC_UP) {
		log_warn("syslog_tls", "%s: disconnected: %s (%" PRIu64 " events wait on disk)", c->name, why,
			 (uint64_t)(soc_queue_last(c->owner->queue) - soc_queue_cursor(c->owner->queue, c->index)));
	} else {
		log_debug("syslog_tls", "%s: %s", c->name, why);
	}
	set_error(c, "%s", why);
	event_del(c->rev);
	event_del(c->wev);
	event_del(c->ack_ev);
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->wbuf);
	c->wbuf = NULL;
	/* Not acknowledged by the collector's TCP: sent again next time. */
	c->count = c->head = 0;
	c->sent = soc_queue_cursor(c->owner->queue, c->index);
	c->state = SOC_IDLE;
	c->st.connected_since = 0;
	/* Exponential backoff with up to 25% jitter. */
	int delay = c->backoff_ms + (int)((unsigned)random() % (unsigned)(c->backoff_ms / 4 + 1));
	c->backoff_ms = c->backoff_ms * 2 > SOC_BACKOFF_MAX_MS ? SOC_BACKOFF_MAX_MS : c->backoff_ms * 2;
	struct timeval tv = { .tv_sec = delay / 1000, .tv_usec = (delay % 1000) * 1000 };
	evtimer_add(c->timer, &tv);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A message is delivered once every byte of it was acknowledged by the
 * collector's TCP and the connection then stayed up for SOC_SETTLE_MS:
 * bytes a collector's kernel acknowledged but its process never read are
 * lost when it closes, and a collector reads within moments. */
static void check_acks(struct collector *c)
{
	int outq = 0;
	if (c->count == 0 || c->ssl == NULL)
		return;
	if (ioctl(c->fd, SIOCOUTQ, &outq) < 0)
		return;
	bool was_full = c->count == SOC_INFLIGHT_MAX;
	uint64_t written = BIO_number_written(SSL_get_wbio(c->ssl));
	uint64_t acked = written - (uint64_t)outq;
	int64_t now = mono_ms(), upto = 0;
	for (unsigned i = 0; i < c->count; i++) {
		struct inflight *in = &c->ring[(c->head + i) % SOC_INFLIGHT_MAX];
		if (in->end > acked)
			break;
		if (in->acked_ms == 0)
			in->acked_ms = now;
	}
	while (c->count > 0 && c->ring[c->head].acked_ms && now - c->ring[c->head].acked_ms >= SOC_SETTLE_MS) {
		upto = c->ring[c->head].seq;
		c->head = (c->head + 1) % SOC_INFLIGHT_MAX;
		c->count--;
		c->st.delivered++;
	}
	if (upto) {
		int rc = soc_queue_ack(c->owner->queue, c->index, upto);
		if (rc < 0)
			log_warn("syslog_tls", "%s: recording delivery up to %" PRId64 ": %s", c->name, upto, strerror(-rc));
	}
	if (c->count > 0) {
		struct timeval tv = { .tv_sec = 0, .tv_usec = SOC_ACK_CHECK_MS * 1000 };
		evtimer_add(c->ack_ev, &tv);
	}
	if (was_full && c->count < SOC_INFLIGHT_MAX)
		event_active(c->owner->kick, 0, 0);   /* the window had been full: write on */
}

static void on_ack_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	check_acks(arg);
}

struct next_row {
	int64_t seq;
	char line[SOC_LINE_MAX];
};

static int take_row(void *ctx, int64_t seq, const char *line)
{
	struct next_row *r = ctx;
	r->seq = seq;
	snprintf(r->line, sizeof(r->line), "%s", line);
	return 1;
}

/* Write what is queued after c->sent while the window has room. */
static void pump(struct collector *c)
{
	struct next_row row;
	char why[SOC_ERR_MAX];

	while (c->state == SOC_UP && c->count < SOC_INFLIGHT_MAX) {
		if (c->wbuf == NULL) {
			row.seq = 0;
			if (soc_queue_read(c->owner->queue, c->sent, 1, take_row, &row) < 0 || row.seq == 0)
				break;
			c->wbuf = malloc(SOC_FRAME_MAX);
			if (c->wbuf == NULL)
				break;
			c->wlen = syslog_tls_frame(row.line, strlen(row.line), c->wbuf, SOC_FRAME_MAX);
			c->wseq = row.seq;
		}
		ERR_clear_error();
		int n = SSL_write(c->ssl, c->wbuf, c->wlen);
		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);
			if (e == SSL_ERROR_WANT_WRITE) {
				event_add(c->wev, NULL);
				break;
			}
			if (e == SSL_ERROR_WANT_READ)
				break;   /* rev is always armed while up */
			ssl_reason(c, n, why, sizeof(why));
			disconnect(c, why);
			return;
		}
		struct inflight *in = &c->ring[(c->head + c->count) % SOC_INFLIGHT_MAX];
		in->seq = c->wseq;
		in->end = BIO_number_written(SSL_get_wbio(c->ssl));
		in->acked_ms = 0;
		c->count++;
		c->sent = c->wseq;
		free(c->wbuf);
		c->wbuf = NULL;
	}
	check_acks(c);
}

static void on_writable(evutil_socket_t fd, short what, void *arg);

static void handshake(struct collector *c)
{
	char why[SOC_ERR_MAX];
	ERR_clear_error();
	int n = SSL_connect(c->ssl);
	if (n == 1) {
		c->state = SOC_UP;
		c->backoff_ms = SOC_BACKOFF_MIN_MS;
		c->st.connected_since = (int64_t)time(NULL);
		evtimer_del(c->timer);
		log_info("syslog_tls", "%s: connected (%s), %" PRIu64 " events to send", c->name, SSL_get_version(c->ssl),
			 (uint64_t)(soc_queue_last(c->owner->queue) - c->sent));
		event_add(c->rev, NULL);
		pump(c);
		return;
	}
	int e = SSL_get_error(c->ssl, n);
	if (e == SSL_ERROR_WANT_READ) {
		event_add(c->rev, NULL);
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		event_add(c->wev, NULL);
		return;
	}
	ssl_reason(c, n, why, sizeof(why));
	disconnect(c, why);
}

static bool is_ip_literal(const char *host)
{
	struct in6_addr a;
	return inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1;
}

static void connected(struct collector *c)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		char why[SOC_ERR_MAX];
		snprintf(why, sizeof(why), "connect: %s", strerror(soerr ? soerr : errno));
		disconnect(c, why);
		return;
	}
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		disconnect(c, "out of memory");
		return;
	}
	/* RFC 5425 5.2: the collector is authenticated by its certificate,
	 * matched against the name or address we were configured with. */
	if (is_ip_literal(c->conf.host)) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->conf.host);
	} else {
		SSL_set_tlsext_host_name(c->ssl, c->conf.host);
		SSL_set1_host(c->ssl, c->conf.host);
	}
	c->state = SOC_HANDSHAKE;
	handshake(c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct collector *c = arg;
	char buf[512], why[SOC_ERR_MAX];
	(void)fd;
	(void)what;
	if (c->state == SOC_HANDSHAKE) {
		handshake(c);
		return;
	}
	if (c->state != SOC_UP)
		return;
	/* Collectors send nothing in RFC 5425; reading finds their close. */
	for (;;) {
		ERR_clear_error();
		int n = SSL_read(c->ssl, buf, sizeof(buf));
		if (n > 0)
			continue;
		int e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_WANT_READ)
			break;
		if (e == SSL_ERROR_WANT_WRITE) {
			event_add(c->wev, NULL);
			break;
		}
		if (e == SSL_ERROR_ZERO_RETURN)
			snprintf(why, sizeof(why), "the collector closed the connection");
		else
			ssl_reason(c, n, why, sizeof(why));
		disconnect(c, why);
		return;
	}
	pump(c);   /* a write may have waited for this read (TLS key update) */
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct collector *c = arg;
	(void)fd;
	(void)what;
	switch (c->state) {
	case SOC_CONNECTING:
		connected(c);
		break;
	case SOC_HANDSHAKE:
		handshake(c);
		break;
	case SOC_UP:
		pump(c);
		break;
	default:
		break;
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct collector *c = arg;
	(void)fd;
	(void)what;
	if (c->state == SOC_IDLE)
		start_connect(c);
	else if (c->state != SOC_UP)
		disconnect(c, "connect or handshake timed out");
}

static void start_connect(struct collector *c)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *res = NULL;
	char port[8], why[SOC_ERR_MAX];

	snprintf(port, sizeof(port), "%u", c->conf.port);
	if (is_ip_literal(c->conf.host))
		hints.ai_flags = AI_NUMERICHOST;
	int g = getaddrinfo(c->conf.host, port, &hints, &res);
	if (g != 0) {
		snprintf(why, sizeof(why), "resolve: %s", gai_strerror(g));
		disconnect(c, why);
		return;
	}
	c->fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		freeaddrinfo(res);
		disconnect(c, why);
		return;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* A dead collector is noticed by keepalive even when we have nothing to send. */
	setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	int rc = connect(c->fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc < 0 && errno != EINPROGRESS) {
		snprintf(why, sizeof(why), "connect: %s", strerror(errno));
		disconnect(c, why);
		return;
	}
	c->st.reconnects++;
	event_assign(c->rev, c->owner->base, c->fd, EV_READ | EV_PERSIST, on_readable, c);
	event_assign(c->wev, c->owner->base, c->fd, EV_WRITE, on_writable, c);
	c->state = SOC_CONNECTING;
	struct timeval tv = { .tv_sec = SOC_CONNECT_TIMEOUT_S };
	evtimer_add(c->timer, &tv);
	event_add(c->wev, NULL);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct syslog_tls *s = arg;
	(void)fd;
	(void)what;
	for (unsigned i = 0; i < s->n; i++)
		if (s->c[i].state == SOC_UP && s->c[i].wbuf == NULL)
			pump(&s->c[i]);
}

static SSL_CTX *make_ctx(const struct soc_collector_conf *cc, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* A write retried after WANT_WRITE may come from a buffer we moved. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	int ok = cc->ca_file[0] ? SSL_CTX_load_verify_locations(ctx, cc->ca_file, NULL) : SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		snprintf(err, errlen, "%s:%u: cannot load CA certificates %s", cc->host, cc->port, cc->ca_file);
		goto fail;
	}
	if (cc->cert_file[0] &&
	    (SSL_CTX_use_certificate_chain_file(ctx, cc->cert_file) != 1 ||
	     SSL_CTX_use_PrivateKey_file(ctx, cc->key_file[0] ? cc->key_file : cc->cert_file, SSL_FILETYPE_PEM) != 1 ||
	     SSL_CTX_check_private_key(ctx) != 1)) {
		snprintf(err, errlen, "%s:%u: client certificate %s / key %s do not load or do not match", cc->host,
			 cc->port, cc->cert_file, cc->key_file);
		goto fail;
	}
	ERR_clear_error();
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

struct syslog_tls *syslog_tls_new(struct event_base *base, const struct soc_conf *conf, char *err, size_t errlen)
{
	const char *names[SOC_MAX_COLLECTORS];
	struct sigaction sa;

	if (conf->ncollectors > SOC_MAX_COLLECTORS) {
		snprintf(err, errlen, "soc: %u collectors, at most %d", conf->ncollectors, SOC_MAX_COLLECTORS);
		return NULL;
	}
	struct syslog_tls *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	s->base = base;
	s->n = conf->ncollectors;
	for (unsigned i = 0; i < s->n; i++) {
		struct collector *c = &s->c[i];
		c->owner = s;
		c->index = i;
		c->conf = conf->collectors[i];
		c->fd = -1;
		c->backoff_ms = SOC_BACKOFF_MIN_MS;
		snprintf(c->name, sizeof(c->name), "%s:%u", conf->collectors[i].host, conf->collectors[i].port);
		snprintf(c->st.name, sizeof(c->st.name), "%s:%u", conf->collectors[i].host, conf->collectors[i].port);
		names[i] = c->name;
		if (c->conf.port == 0 || c->conf.host[0] == '\0') {
			snprintf(err, errlen, "soc: collector %u needs a host and a port", i + 1);
			goto fail;
		}
		if ((c->ctx = make_ctx(&c->conf, err, errlen)) == NULL)
			goto fail;
		c->rev = event_new(base, -1, 0, on_readable, c);
		c->wev = event_new(base, -1, 0, on_writable, c);
		c->timer = evtimer_new(base, on_timer, c);
		c->ack_ev = evtimer_new(base, on_ack_timer, c);
		if (!c->rev || !c->wev || !c->timer || !c->ack_ev) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	s->kick = event_new(base, -1, 0, on_kick, s);
	if (s->kick == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (soc_queue_open(conf->queue_file, conf->queue_max, names, s->n, &s->queue, err, errlen) < 0)
		goto fail;
	for (unsigned i = 0; i < s->n; i++) {
		s->c[i].sent = soc_queue_cursor(s->queue, i);
		start_connect(&s->c[i]);
	}
	return s;
fail:
	syslog_tls_free(s);
	return NULL;
}

int syslog_tls_send(struct syslog_tls *s, const char *line)
{
	int rc = soc_queue_push(s->queue, line, NULL);
	if (rc < 0)
		return rc;
	/* Written from the loop, after the caller's callback returns. */
	event_active(s->kick, 0, 0);
	return 0;
}

unsigned syslog_tls_collectors(const struct syslog_tls *s)
{
	return s->n;
}

int syslog_tls_status(const struct syslog_tls *s, unsigned i, struct soc_collector_status *st)
{
	if (i >= s->n)
		return -ENOENT;
	const struct collector *c = &s->c[i];
	*st = c->st;
	st->state = c->state;
	st->cursor = soc_queue_cursor(s->queue, i);
	st->pending = (uint64_t)(soc_queue_last(s->queue) - st->cursor);
	return 0;
}

const struct soc_queue *syslog_tls_queue(const struct syslog_tls *s)
{
	return s->queue;
}

void syslog_tls_free(struct syslog_tls *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->n; i++) {
		struct collector *c = &s->c[i];
		if (c->state == SOC_UP && c->ssl) {
			check_acks(c);   /* record what was delivered before we go */
			SSL_shutdown(c->ssl);
		}
		if (c->ssl)
			SSL_free(c->ssl);
		if (c->fd >= 0)
			close(c->fd);
		free(c->wbuf);
		if (c->rev)
			event_free(c->rev);
		if (c->wev)
			event_free(c->wev);
		if (c->timer)
			event_free(c->timer);
		if (c->ack_ev)
			event_free(c->ack_ev);
		SSL_CTX_free(c->ctx);
	}
	if (s->kick)
		event_free(s->kick);
	soc_queue_close(s->queue);
	free(s);
}
