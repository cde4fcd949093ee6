/* radius_client.c — RADIUS transport: UDP sockets per server, identifiers,
 * retransmission, failover, dead servers, reply validation. */
#include "radius_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"

#define CONCERN "radius"
/* Dropped replies are counted; a flood of them is logged once per interval. */
#define DROP_WARN_INTERVAL_MS 10000

struct rc_server {
	struct radius_client *c;
	enum radius_service svc;
	unsigned index;
	struct radius_server_conf conf;
	int fd;
	struct event *ev;
	struct radius_request *by_id[RADIUS_CLIENT_IDS];
	unsigned outstanding;
	uint8_t next_id;
	bool marked_dead;            /* failed a request and not heard from since */
	int64_t dead_until;          /* skipped until then */
	uint64_t replies, timeouts;
	int64_t last_drop_warning;
	uint64_t drops_unlogged;
	/* RadSec (RFC 6614): the connection, when transport is TLS */
	SSL_CTX *tls_ctx;
	SSL *ssl;
	enum { TLS_DOWN, TLS_CONNECTING, TLS_HANDSHAKE, TLS_UP } tls_state;
	struct event *ev_write;       /* armed while OpenSSL wants to write */
	struct event *ev_fail;        /* the connection failed: handled from the loop */
	const char *fail_why;
	int64_t reopened_at;          /* a lost connection was opened again at once then */
	uint8_t *wbuf;                /* packets waiting for the connection */
	size_t wlen;
	size_t rlen;                  /* bytes of a partly received packet */
	uint8_t rbuf[RADIUS_MAX_LEN];
};

struct radius_request {
	struct radius_client *c;
	enum radius_service svc;
	uint8_t code;
	int server;                  /* index while it holds an identifier, else -1 */
	uint8_t id;
	uint32_t tried;              /* servers this request gave up on, one bit each */
	unsigned tx;                 /* transmissions to the current server */
	int fail_status;             /* non-zero: deliver it when the timer fires */
	bool queued;
	uint8_t auth[RADIUS_AUTH_LEN];
	size_t len;
	uint8_t pkt[RADIUS_MAX_LEN];
	struct radius_attrs attrs;
	bool has_password;
	size_t password_len;
	uint8_t password[RADIUS_PASSWORD_MAX];
	struct event *timer;
	radius_reply_fn fn;
	void *arg;
	TAILQ_ENTRY(radius_request) link;      /* waiting queue */
	LIST_ENTRY(radius_request) all_link;   /* every live request */
};

TAILQ_HEAD(rc_queue, radius_request);

struct radius_client {
	struct event_base *base;
	struct radius_client_conf conf;
	struct rc_server servers[RADIUS_SVC__MAX][RADIUS_CLIENT_MAX_SERVERS];
	struct rc_queue waiting[RADIUS_SVC__MAX];
	unsigned nwaiting[RADIUS_SVC__MAX];
	LIST_HEAD(, radius_request) all;
	struct radius_client_stats st;
	radius_server_up_fn up_fn;
	void *up_arg;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void format_addr(const struct sockaddr_storage *a, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)a;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(out, len, "%s:%u", host, port);
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)a;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(out, len, "[%s]:%u", host, port);
	} else {
		snprintf(out, len, "unknown");
	}
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

/* ---- configuration ----------------------------------------------------- */

void radius_client_conf_default(struct radius_client_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = 3000;
	c->retries = 3;
	c->dead_time_ms = 60000;
	c->max_queue = 1024;
}

int radius_client_conf_check(const struct radius_client_conf *c, char *err, size_t errlen)
{
	if (c->timeout_ms == 0 || c->timeout_ms > RADIUS_CLIENT_TIMEOUT_MAX_MS) {
		snprintf(err, errlen, "timeout: %u ms is outside 1..%u", c->timeout_ms,
			 RADIUS_CLIENT_TIMEOUT_MAX_MS);
		return -EINVAL;
	}
	if (c->retries == 0 || c->retries > RADIUS_CLIENT_MAX_RETRIES) {
		snprintf(err, errlen, "retries: %u is outside 1..%u", c->retries, RADIUS_CLIENT_MAX_RETRIES);
		return -EINVAL;
	}
	if (c->dead_time_ms > RADIUS_CLIENT_DEAD_MAX_MS) {
		snprintf(err, errlen, "dead_time: %u ms is above %u", c->dead_time_ms,
			 RADIUS_CLIENT_DEAD_MAX_MS);
		return -EINVAL;
	}
	if (c->max_queue > RADIUS_CLIENT_MAX_QUEUE) {
		snprintf(err, errlen, "max_queue: %u is above %u", c->max_queue, RADIUS_CLIENT_MAX_QUEUE);
		return -EINVAL;
	}
	for (int svc = 0; svc < RADIUS_SVC__MAX; svc++) {
		if (c->nservers[svc] > RADIUS_CLIENT_MAX_SERVERS) {
			snprintf(err, errlen, "at most %d servers per service", RADIUS_CLIENT_MAX_SERVERS);
			return -EINVAL;
		}
		for (unsigned i = 0; i < c->nservers[svc]; i++) {
			const struct radius_server_conf *s = &c->servers[svc][i];
			if (s->addr.ss_family != AF_INET && s->addr.ss_family != AF_INET6) {
				snprintf(err, errlen, "server %u: no address", i + 1);
				return -EINVAL;
			}
			if (s->transport == RADIUS_TRANSPORT_TLS) {
				if (!s->ca_file[0] || !s->cert_file[0] || !s->key_file[0]) {
					snprintf(err, errlen, "server %u: RadSec needs ca_file, cert_file and key_file",
						 i + 1);
					return -EINVAL;
				}
				continue;
			}
			if (s->transport != RADIUS_TRANSPORT_UDP) {
				snprintf(err, errlen, "server %u: unknown transport", i + 1);
				return -EINVAL;
			}
			if (s->secret_len == 0 || s->secret_len > RADIUS_SECRET_MAX) {
				snprintf(err, errlen, "server %u: secret must be 1..%d bytes", i + 1,
					 RADIUS_SECRET_MAX);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* ---- servers ----------------------------------------------------------- */

static bool server_alive(const struct rc_server *s, int64_t now)
{
	return !s->marked_dead || now >= s->dead_until;
}

static int pick_server(struct radius_client *c, enum radius_service svc, uint32_t tried, int64_t now)
{
	for (unsigned i = 0; i < c->conf.nservers[svc]; i++)
		if (!(tried & (1u << i)) && server_alive(&c->servers[svc][i], now))
			return (int)i;
	return -1;
}

bool radius_client_any_alive(const struct radius_client *c, enum radius_service svc)
{
	int64_t now = now_ms();
	if (svc >= RADIUS_SVC__MAX)
		return false;
	for (unsigned i = 0; i < c->conf.nservers[svc]; i++)
		if (server_alive(&c->servers[svc][i], now))
			return true;
	return false;
}

static int id_alloc(struct rc_server *s, struct radius_request *r)
{
	for (unsigned k = 0; k < RADIUS_CLIENT_IDS; k++) {
		uint8_t id = (uint8_t)(s->next_id + k);
		if (!s->by_id[id]) {
			s->by_id[id] = r;
			s->outstanding++;
			s->next_id = (uint8_t)(id + 1);
			r->id = id;
			r->server = (int)s->index;
			return 0;
		}
	}
	return -EBUSY;
}

static void id_release(struct radius_request *r)
{
	struct rc_server *s;

	if (r->server < 0)
		return;
	s = &r->c->servers[r->svc][r->server];
	if (s->by_id[r->id] == r) {
		s->by_id[r->id] = NULL;
		s->outstanding--;
	}
	r->server = -1;
}

/* ---- requests ---------------------------------------------------------- */

static void drain(struct radius_client *c, enum radius_service svc);

static void unqueue(struct radius_request *r)
{
	if (!r->queued)
		return;
	TAILQ_REMOVE(&r->c->waiting[r->svc], r, link);
	r->c->nwaiting[r->svc]--;
	r->queued = false;
}

static void request_free(struct radius_request *r)
{
	id_release(r);
	unqueue(r);
	LIST_REMOVE(r, all_link);
	if (r->timer)
		event_free(r->timer);
	OPENSSL_cleanse(r->password, sizeof(r->password));
	free(r);
}

/* Deliver and forget. The request is freed before the callback runs, so
 * the callback may send new requests. */
static void finish(struct radius_request *r, int status, const struct radius_msg *reply)
{
	struct radius_client *c = r->c;
	enum radius_service svc = r->svc;
	radius_reply_fn fn = r->fn;
	void *arg = r->arg;

	request_free(r);
	drain(c, svc);
	if (fn)
		fn(arg, status, reply);
}

static void fail_later(struct radius_request *r, int status)
{
	static const struct timeval zero = { 0, 0 };
	r->fail_status = status;
	evtimer_add(r->timer, &zero);
}

static void tls_queue(struct rc_server *s, const uint8_t *pkt, size_t len);

static void transmit(struct radius_request *r)
{
	struct radius_client *c = r->c;
	struct rc_server *s = &c->servers[r->svc][r->server];
	struct timeval tv = { c->conf.timeout_ms / 1000, (c->conf.timeout_ms % 1000) * 1000 };

	r->tx++;
	c->st.transmissions++;
	if (s->conf.transport == RADIUS_TRANSPORT_TLS) {
		tls_queue(s, r->pkt, r->len);
	} else if (sendto(s->fd, r->pkt, r->len, 0, (const struct sockaddr *)&s->conf.addr, s->conf.addrlen) < 0) {
		/* Lost like a datagram: the timer decides what happens next. */
		c->st.send_errors++;
		log_debug(CONCERN, "%s: sendto: %s", s->conf.name, strerror(errno));
	}
	evtimer_add(r->timer, &tv);
}

/* Take an identifier on server `idx`, build the packet for it, send it.
 * 0, -EBUSY (no identifier free) or -EIO. */
static int start_on(struct radius_request *r, int idx)
{
	struct rc_server *s = &r->c->servers[r->svc][idx];
	int rc;

	if (id_alloc(s, r) != 0)
		return -EBUSY;
	if (r->code == RADIUS_ACCESS_REQUEST || r->code == RADIUS_STATUS_SERVER) {
		/* RFC 2865 3: unpredictable and unique over the secret's lifetime. */
		if (RAND_bytes(r->auth, RADIUS_AUTH_LEN) != 1) {
			id_release(r);
			return -EIO;
		}
	}
	rc = radius_encode(r->pkt, sizeof(r->pkt), r->code, r->id, r->auth, &r->attrs,
			   r->has_password ? r->password : NULL, r->password_len, s->conf.secret,
			   s->conf.secret_len, &r->len);
	if (rc < 0) {
		id_release(r);
		log_err(CONCERN, "cannot encode %s: %s", radius_code_name(r->code), strerror(-rc));
		return -EIO;
	}
	if (r->code == RADIUS_ACCOUNTING_REQUEST)
		memcpy(r->auth, r->pkt + 4, RADIUS_AUTH_LEN);
	r->tx = 0;
	transmit(r);
	return 0;
}

/* Send r to the first live server it has not given up on, or queue it for
 * an identifier, or fail it. 0 or -ENOBUFS (fresh request, queue full). */
static int dispatch(struct radius_request *r, bool fresh)
{
	struct radius_client *c = r->c;
	int idx = pick_server(c, r->svc, r->tried, now_ms());
	int rc;

	if (idx < 0) {
		if (r->tried) {
			c->st.timeouts++;
			fail_later(r, -ETIMEDOUT);
		} else {
			c->st.unreachable++;
			fail_later(r, -EHOSTUNREACH);
		}
		return 0;
	}
	rc = start_on(r, idx);
	if (rc == -EBUSY) {
		if (fresh && c->nwaiting[r->svc] >= c->conf.max_queue) {
			c->st.queue_full++;
			return -ENOBUFS;
		}
		TAILQ_INSERT_TAIL(&c->waiting[r->svc], r, link);
		c->nwaiting[r->svc]++;
		r->queued = true;
		c->st.queued++;
		return 0;
	}
	if (rc < 0)
		fail_later(r, rc);
	return 0;
}

/* Identifiers were freed: send what waits, in order, while they last. */
static void drain(struct radius_client *c, enum radius_service svc)
{
	struct radius_request *r;

	while ((r = TAILQ_FIRST(&c->waiting[svc])) != NULL) {
		int idx = pick_server(c, svc, r->tried, now_ms());
		unqueue(r);
		if (idx >= 0 && c->servers[svc][idx].outstanding == RADIUS_CLIENT_IDS) {
			TAILQ_INSERT_HEAD(&c->waiting[svc], r, link);
			c->nwaiting[svc]++;
			r->queued = true;
			return;
		}
		dispatch(r, false);
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct radius_request *r = arg;
	struct radius_client *c = r->c;
	enum radius_service svc = r->svc;
	struct rc_server *s;
	(void)fd;
	(void)what;

	if (r->fail_status) {
		finish(r, r->fail_status, NULL);
		return;
	}
	if (r->server < 0)
		return;
	s = &c->servers[r->svc][r->server];
	/* RFC 6614 2.5: no retransmission over a reliable transport. */
	if (r->tx < c->conf.retries && s->conf.transport == RADIUS_TRANSPORT_UDP) {
		c->st.retransmissions++;
		transmit(r);
		return;
	}
	/* The server let every transmission go unanswered. */
	s->timeouts++;
	if (!s->marked_dead)
		log_warn(CONCERN, "%s: no answer to %s id %u after %u transmissions, marked dead for %u ms",
			 s->conf.name, radius_code_name(r->code), r->id, r->tx, c->conf.dead_time_ms);
	s->marked_dead = true;
	s->dead_until = now_ms() + c->conf.dead_time_ms;
	r->tried |= 1u << s->index;
	id_release(r);
	if (pick_server(c, r->svc, r->tried, now_ms()) >= 0)
		c->st.failovers++;
	dispatch(r, false);
	drain(c, svc);
}

static bool answers(uint8_t request_code, uint8_t reply_code, enum radius_service svc)
{
	switch (request_code) {
	case RADIUS_ACCESS_REQUEST:
		return reply_code == RADIUS_ACCESS_ACCEPT || reply_code == RADIUS_ACCESS_REJECT ||
		       reply_code == RADIUS_ACCESS_CHALLENGE;
	case RADIUS_ACCOUNTING_REQUEST:
		return reply_code == RADIUS_ACCOUNTING_RESPONSE;
	case RADIUS_STATUS_SERVER:     /* RFC 5997 3 */
		return reply_code == (svc == RADIUS_SVC_AUTH ? RADIUS_ACCESS_ACCEPT
							     : RADIUS_ACCOUNTING_RESPONSE);
	default:
		return false;
	}
}

static void handle_datagram(struct rc_server *s, const uint8_t *buf, size_t len,
			    const struct sockaddr_storage *from)
{
	struct radius_client *c = s->c;
	struct radius_msg *m;
	struct radius_request *r;
	bool revived = false;
	int why = 0;

	if (!same_addr(from, &s->conf.addr)) {
		char who[80];
		c->st.bad_source++;
		format_addr(from, who, sizeof(who));
		log_debug(CONCERN, "%s: datagram from %s dropped", s->conf.name, who);
		return;
	}
	m = malloc(sizeof(*m));
	if (!m)
		return;
	if (radius_decode(buf, len, m) != 0) {
		c->st.malformed++;
		log_debug(CONCERN, "%s: malformed reply dropped: %s", s->conf.name,
			  radius_error_name(m->error));
		goto out;
	}
	r = s->by_id[m->id];
	if (!r) {
		c->st.unknown_id++;
		log_debug(CONCERN, "%s: reply id %u answers nothing outstanding", s->conf.name, m->id);
		goto out;
	}
	if (!answers(r->code, m->code, s->svc)) {
		c->st.bad_code++;
		log_debug(CONCERN, "%s: %s does not answer %s, dropped", s->conf.name,
			  radius_code_name(m->code), radius_code_name(r->code));
		goto out;
	}
	if (radius_verify_reply(m, r->auth, s->conf.secret, s->conf.secret_len, &why) != 0) {
		if (why == RADIUS_ERR_MA_MISSING)
			c->st.missing_message_authenticator++;
		else if (why == RADIUS_ERR_MA_BAD)
			c->st.bad_message_authenticator++;
		else
			c->st.bad_authenticator++;
		int64_t now = now_ms();
		if (now - s->last_drop_warning >= DROP_WARN_INTERVAL_MS) {
			log_warn(CONCERN, "%s: %s id %u dropped: %s (%" PRIu64 " more since last warning)",
				 s->conf.name, radius_code_name(m->code), m->id, radius_error_name(why),
				 s->drops_unlogged);
			s->last_drop_warning = now;
			s->drops_unlogged = 0;
		} else {
			s->drops_unlogged++;
		}
		goto out;
	}
	s->replies++;
	c->st.replies++;
	if (s->marked_dead) {
		s->marked_dead = false;
		s->dead_until = 0;
		revived = true;
		log_info(CONCERN, "%s: answering again", s->conf.name);
	}
	finish(r, 0, m);
	/* After the reply is delivered, so the callback finds no request of ours half done. */
	if (revived && c->up_fn)
		c->up_fn(c->up_arg, s->svc, s->index);
out:
	free(m);
}

/* ---- RadSec (RFC 6614) ------------------------------------------------- */

static void tls_log_error(const struct rc_server *s, const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s", strerror(errno));
	log_warn(CONCERN, "%s: %s: %s", s->conf.name, what, buf);
	ERR_clear_error();
}

static int tls_ctx_new(struct rc_server *s)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return -ENOMEM;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, s->conf.ca_file, NULL) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, s->conf.cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, s->conf.key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_log_error(s, "RadSec certificates");
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	/* RFC 6614 2.3: both sides authenticate with certificates. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	s->tls_ctx = ctx;
	return 0;
}

static void tls_close(struct rc_server *s)
{
	if (s->ssl) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->ev) {
		event_free(s->ev);
		s->ev = NULL;
	}
	if (s->ev_write) {
		event_free(s->ev_write);
		s->ev_write = NULL;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	s->tls_state = TLS_DOWN;
	s->wlen = 0;
	s->rlen = 0;
}

/* The connection cannot be used: never handled where it is found (that
 * may be inside radius_client_send), always from the loop. */
static void tls_fail_later(struct rc_server *s, const char *why)
{
	s->fail_why = why;
	event_active(s->ev_fail, 0, 0);
}

/* Close, mark the server dead, fail every request it carried over. */
static void on_tls_fail(evutil_socket_t fd, short what, void *arg)
{
	struct rc_server *s = arg;
	struct radius_client *c = s->c;
	struct radius_request *carried[RADIUS_CLIENT_IDS];
	unsigned n = 0;
	(void)fd;
	(void)what;

	int64_t now = now_ms();
	/* A connection that worked and then dropped (the server restarted,
	 * closed an idle or a second connection) is opened again at once, and
	 * what it carried is sent over the new one (RFC 6614 2.5 allows a
	 * retransmission only on a new connection). Once per dead time: a
	 * server that keeps dropping is marked dead like one that fails. */
	bool reopen = s->tls_state == TLS_UP &&
		      (s->reopened_at == 0 || now - s->reopened_at >= (int64_t)c->conf.dead_time_ms);

	c->st.tls_failures++;
	if (reopen)
		log_warn(CONCERN, "%s: RadSec connection %s; opening a new one", s->conf.name,
			 s->fail_why ? s->fail_why : "failed");
	else
		log_warn(CONCERN, "%s: RadSec connection %s; marked dead for %u ms", s->conf.name,
			 s->fail_why ? s->fail_why : "failed", c->conf.dead_time_ms);
	tls_close(s);
	if (reopen) {
		s->reopened_at = now;
	} else {
		s->marked_dead = true;
		s->dead_until = now + c->conf.dead_time_ms;
	}
	for (unsigned id = 0; id < RADIUS_CLIENT_IDS; id++)
		if (s->by_id[id])
			carried[n++] = s->by_id[id];
	for (unsigned i = 0; i < n; i++) {
		struct radius_request *r = carried[i];
		evtimer_del(r->timer);
		if (!reopen)
			r->tried |= 1u << s->index;
		id_release(r);
		if (!reopen && pick_server(c, r->svc, r->tried, now) >= 0)
			c->st.failovers++;
		dispatch(r, false);
	}
	drain(c, s->svc);
}

/* One packet per SSL_write, so one per TLS record: FreeRADIUS 3.2 takes a
 * record holding several packets for one bad packet ("Received bad
 * packet: Length 435 contents 87") and closes the connection. Packets
 * queue up together while a connection opens (an accounting Start and
 * Stop, say). */
static void tls_flush(struct rc_server *s)
{
	while (s->wlen) {
		size_t plen = s->wlen >= 4 ? (size_t)s->wbuf[2] << 8 | s->wbuf[3] : s->wlen;
		if (plen == 0 || plen > s->wlen)
			plen = s->wlen;   /* never: the queue holds whole encoded packets */
		int n = SSL_write(s->ssl, s->wbuf, (int)plen);
		if (n > 0) {
			memmove(s->wbuf, s->wbuf + n, s->wlen - (size_t)n);
			s->wlen -= (size_t)n;
			continue;
		}
		switch (SSL_get_error(s->ssl, n)) {
		case SSL_ERROR_WANT_WRITE:
			event_add(s->ev_write, NULL);
			return;
		case SSL_ERROR_WANT_READ:
			return;           /* the read event calls us again */
		default:
			tls_log_error(s, "SSL_write");
			tls_fail_later(s, "lost while writing");
			return;
		}
	}
}

/* Whole packets out of the stream: the RADIUS Length frames them
 * (RFC 6614 2.2); a Length outside 20..4096 ends the connection. */
static void tls_frames(struct rc_server *s)
{
	while (s->rlen >= 4) {
		size_t plen = (size_t)s->rbuf[2] << 8 | s->rbuf[3];
		if (plen < RADIUS_HDR_LEN || plen > RADIUS_MAX_LEN) {
			tls_fail_later(s, "sent a malformed packet length");
			s->rlen = 0;
			return;
		}
		if (s->rlen < plen)
			return;
		handle_datagram(s, s->rbuf, plen, &s->conf.addr);
		memmove(s->rbuf, s->rbuf + plen, s->rlen - plen);
		s->rlen -= plen;
	}
}

static void tls_read(struct rc_server *s)
{
	for (int i = 0; i < RADIUS_CLIENT_READ_BURST && s->tls_state == TLS_UP; i++) {
		int n = SSL_read(s->ssl, s->rbuf + s->rlen, (int)(sizeof(s->rbuf) - s->rlen));
		if (n > 0) {
			s->rlen += (size_t)n;
			tls_frames(s);
			continue;
		}
		switch (SSL_get_error(s->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			return;
		case SSL_ERROR_WANT_WRITE:
			event_add(s->ev_write, NULL);
			return;
		case SSL_ERROR_ZERO_RETURN:
			tls_fail_later(s, "closed by the server");
			return;
		default:
			tls_log_error(s, "SSL_read");
			tls_fail_later(s, "lost while reading");
			return;
		}
	}
}

static void on_tls_event(evutil_socket_t fd, short what, void *arg)
{
	struct rc_server *s = arg;
	int rc, err = 0;
	socklen_t elen = sizeof(err);
	(void)what;

	if (s->tls_state == TLS_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err) {
			errno = err;
			tls_log_error(s, "connect");
			tls_fail_later(s, "could not be opened");
			return;
		}
		s->tls_state = TLS_HANDSHAKE;
	}
	if (s->tls_state == TLS_HANDSHAKE) {
		rc = SSL_do_handshake(s->ssl);
		if (rc != 1) {
			switch (SSL_get_error(s->ssl, rc)) {
			case SSL_ERROR_WANT_READ:
				return;
			case SSL_ERROR_WANT_WRITE:
				event_add(s->ev_write, NULL);
				return;
			default:
				tls_log_error(s, "TLS handshake");
				tls_fail_later(s, "refused in the TLS handshake");
				return;
			}
		}
		s->tls_state = TLS_UP;
		s->c->st.tls_connects++;
		log_info(CONCERN, "%s: RadSec connection up (%s)", s->conf.name, SSL_get_version(s->ssl));
	}
	if (s->tls_state == TLS_UP) {
		tls_flush(s);
		tls_read(s);
	}
}

static void tls_connect(struct rc_server *s)
{
	int fd = socket(s->conf.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		tls_log_error(s, "socket");
		tls_fail_later(s, "could not be opened");
		return;
	}
	s->fd = fd;
	if (connect(fd, (const struct sockaddr *)&s->conf.addr, s->conf.addrlen) != 0 &&
	    errno != EINPROGRESS) {
		tls_log_error(s, "connect");
		tls_fail_later(s, "could not be opened");
		return;
	}
	s->ssl = SSL_new(s->tls_ctx);
	s->ev = event_new(s->c->base, fd, EV_READ | EV_PERSIST, on_tls_event, s);
	s->ev_write = event_new(s->c->base, fd, EV_WRITE, on_tls_event, s);
	if (!s->ssl || !s->ev || !s->ev_write || SSL_set_fd(s->ssl, fd) != 1) {
		tls_fail_later(s, "could not be set up");
		return;
	}
	SSL_set_connect_state(s->ssl);
	if (s->conf.server_name[0]) {
		/* The certificate must name the server (RFC 6614 2.3, RFC 6125). */
		struct in6_addr any;
		if (inet_pton(AF_INET, s->conf.server_name, &any) == 1 ||
		    inet_pton(AF_INET6, s->conf.server_name, &any) == 1) {
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), s->conf.server_name);
		} else {
			SSL_set_tlsext_host_name(s->ssl, s->conf.server_name);
			SSL_set1_host(s->ssl, s->conf.server_name);
		}
	}
	s->tls_state = TLS_CONNECTING;
	event_add(s->ev, NULL);
	event_add(s->ev_write, NULL);     /* writable: connect() finished */
}

/* Queue a packet for the connection, opening it when needed. */
static void tls_queue(struct rc_server *s, const uint8_t *pkt, size_t len)
{
	if (!s->wbuf && !(s->wbuf = malloc(RADIUS_TLS_WBUF)))
		return;
	if (len > RADIUS_TLS_WBUF - s->wlen) {
		/* Lost like a datagram: the request's timer fails it over. */
		s->c->st.send_errors++;
		return;
	}
	memcpy(s->wbuf + s->wlen, pkt, len);
	s->wlen += len;
	if (s->tls_state == TLS_DOWN)
		tls_connect(s);
	else if (s->tls_state == TLS_UP)
		tls_flush(s);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct rc_server *s = arg;
	uint8_t buf[RADIUS_MAX_LEN];
	(void)what;

	for (int i = 0; i < RADIUS_CLIENT_READ_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n;

		memset(&from, 0, sizeof(from));
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return;
		handle_datagram(s, buf, (size_t)n, &from);
	}
}

/* ---- public ------------------------------------------------------------ */

int radius_client_new(struct event_base *base, const struct radius_client_conf *conf,
		      struct radius_client **out)
{
	struct radius_client *c;
	char err[128];
	int rc;

	*out = NULL;
	rc = radius_client_conf_check(conf, err, sizeof(err));
	if (rc < 0) {
		log_err(CONCERN, "configuration: %s", err);
		return rc;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->base = base;
	c->conf = *conf;
	LIST_INIT(&c->all);
	for (int svc = 0; svc < RADIUS_SVC__MAX; svc++) {
		TAILQ_INIT(&c->waiting[svc]);
		for (unsigned i = 0; i < RADIUS_CLIENT_MAX_SERVERS; i++)
			c->servers[svc][i].fd = -1;
		for (unsigned i = 0; i < conf->nservers[svc]; i++) {
			struct rc_server *s = &c->servers[svc][i];
			s->c = c;
			s->svc = (enum radius_service)svc;
			s->index = i;
			s->conf = conf->servers[svc][i];
			s->last_drop_warning = INT64_MIN / 2;
			if (!s->conf.name[0])
				format_addr(&s->conf.addr, s->conf.name, sizeof(s->conf.name));
			if (RAND_bytes(&s->next_id, 1) != 1)
				s->next_id = 0;
			if (s->conf.transport == RADIUS_TRANSPORT_TLS) {
				/* RFC 6614 2.3: the secret is "radsec". */
				s->conf.secret_len = strlen(RADIUS_TLS_SECRET);
				memcpy(s->conf.secret, RADIUS_TLS_SECRET, s->conf.secret_len);
				s->ev_fail = event_new(base, -1, 0, on_tls_fail, s);
				rc = s->ev_fail ? tls_ctx_new(s) : -ENOMEM;
				if (rc < 0) {
					radius_client_free(c);
					return rc;
				}
				continue;      /* connected on first use */
			}
			s->fd = socket(s->conf.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (s->fd < 0) {
				rc = -errno;
				log_err(CONCERN, "%s: socket: %s", s->conf.name, strerror(errno));
				radius_client_free(c);
				return rc;
			}
			/* Room for a reply to each of the 256 identifiers. */
			int rcvbuf = RADIUS_CLIENT_IDS * RADIUS_MAX_LEN;
			(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
			s->ev = event_new(base, s->fd, EV_READ | EV_PERSIST, on_read, s);
			if (!s->ev || event_add(s->ev, NULL) != 0) {
				radius_client_free(c);
				return -ENOMEM;
			}
		}
	}
	*out = c;
	return 0;
}

void radius_client_free(struct radius_client *c)
{
	if (!c)
		return;
	while (!LIST_EMPTY(&c->all))
		request_free(LIST_FIRST(&c->all));
	for (int svc = 0; svc < RADIUS_SVC__MAX; svc++) {
		for (unsigned i = 0; i < RADIUS_CLIENT_MAX_SERVERS; i++) {
			struct rc_server *s = &c->servers[svc][i];
			if (s->conf.transport == RADIUS_TRANSPORT_TLS) {
				tls_close(s);
				if (s->ev_fail)
					event_free(s->ev_fail);
				SSL_CTX_free(s->tls_ctx);
				free(s->wbuf);
				continue;
			}
			if (s->ev)
				event_free(s->ev);
			if (s->fd >= 0)
				close(s->fd);
		}
	}
	OPENSSL_cleanse(&c->conf, sizeof(c->conf));
	free(c);
}

void radius_client_on_server_up(struct radius_client *c, radius_server_up_fn fn, void *arg)
{
	c->up_fn = fn;
	c->up_arg = arg;
}

int radius_client_send(struct radius_client *c, enum radius_service svc, uint8_t code,
		       const struct radius_attrs *attrs, const uint8_t *password, size_t password_len,
		       radius_reply_fn fn, void *arg, struct radius_request **req)
{
	struct radius_request *r;
	int rc;

	if (req)
		*req = NULL;
	if (svc >= RADIUS_SVC__MAX || c->conf.nservers[svc] == 0)
		return -EINVAL;
	switch (code) {
	case RADIUS_ACCESS_REQUEST:
		if (svc != RADIUS_SVC_AUTH)
			return -EINVAL;
		break;
	case RADIUS_ACCOUNTING_REQUEST:
		if (svc != RADIUS_SVC_ACCT)
			return -EINVAL;
		break;
	case RADIUS_STATUS_SERVER:
		break;
	default:
		return -EINVAL;
	}
	if (password && (code != RADIUS_ACCESS_REQUEST || password_len > RADIUS_PASSWORD_MAX))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->c = c;
	r->svc = svc;
	r->code = code;
	r->server = -1;
	r->fn = fn;
	r->arg = arg;
	if (attrs)
		memcpy(&r->attrs, attrs, sizeof(*attrs));
	if (password) {
		r->has_password = true;
		r->password_len = password_len;
		memcpy(r->password, password, password_len);
	}
	r->timer = evtimer_new(c->base, on_timer, r);
	LIST_INSERT_HEAD(&c->all, r, all_link);
	if (!r->timer) {
		request_free(r);
		return -ENOMEM;
	}
	rc = dispatch(r, true);
	if (rc < 0) {
		request_free(r);
		return rc;
	}
	c->st.requests++;
	if (req)
		*req = r;
	return 0;
}

void radius_client_cancel(struct radius_request *r)
{
	struct radius_client *c;
	enum radius_service svc;

	if (!r)
		return;
	c = r->c;
	svc = r->svc;
	request_free(r);
	drain(c, svc);
}

void radius_client_get_stats(const struct radius_client *c, struct radius_client_stats *s)
{
	*s = c->st;
}

int radius_client_server_state(const struct radius_client *c, enum radius_service svc,
			       unsigned index, struct radius_server_state *st)
{
	const struct rc_server *s;

	if (svc >= RADIUS_SVC__MAX || index >= c->conf.nservers[svc])
		return -ENOENT;
	s = &c->servers[svc][index];
	snprintf(st->name, sizeof(st->name), "%s", s->conf.name);
	st->dead = !server_alive(s, now_ms());
	st->outstanding = s->outstanding;
	st->replies = s->replies;
	st->timeouts = s->timeouts;
	return 0;
}
