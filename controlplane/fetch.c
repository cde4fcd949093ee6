/* fetch.c — libcurl multi on libevent: conditional, bounded HTTPS polling. */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "log.h"

#define FETCH_USER_AGENT "menjind/1"

struct fetch_engine {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct fetch_transfer *transfers;   /* in flight, for cleanup */
};

/* One socket libcurl asked us to watch. */
struct fetch_sock {
	curl_socket_t fd;
	struct event *ev;
	struct fetch_engine *engine;
};

typedef void (*transfer_done_fn)(struct fetch_transfer *t, CURLcode rc, long http_code);

struct fetch_transfer {
	struct fetch_engine *engine;
	struct fetch_transfer *next, *prev;
	CURL *easy;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	uint8_t *body;
	size_t len, cap, max;
	bool too_big;
	char etag[FETCH_ETAG_MAX];
	char *post_body;
	transfer_done_fn on_done;
	void *owner;
	/* POST */
	fetch_post_done_fn post_done;
	void *post_ctx;
};

struct fetch {
	struct fetch_engine *engine;
	struct fetch_conf conf;
	fetch_accept_fn accept;
	fetch_done_fn done;
	void *ctx;
	struct event *poll_ev;
	struct fetch_transfer *transfer;   /* in flight, or NULL */
	bool have_good;                    /* a good copy is in force */
	struct fetch_status st;
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

const char *fetch_outcome_name(enum fetch_outcome o)
{
	static const char *const names[] = { "none", "new", "unchanged", "refused", "failed" };
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

void fetch_sha256_hex(const uint8_t *p, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned mdlen = 0;
	out[0] = '\0';
	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return;
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- the engine: libcurl's sockets and timer on libevent ------------------- */

static void transfer_finish(struct fetch_transfer *t, CURLcode rc);

static void check_done(struct fetch_engine *e)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(e->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct fetch_transfer *t = NULL;
		CURLcode rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		transfer_finish(t, rc);
	}
}

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct fetch_engine *e = arg;
	int running, action = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
	curl_multi_socket_action(e->multi, fd, action, &running);
	check_done(e);
	if (running <= 0)
		evtimer_del(e->timer);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fetch_engine *e = arg;
	int running;
	(void)fd;
	(void)what;
	curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(e);
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetch_engine *e = userp;
	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(e->timer);
		return 0;
	}
	/* Never call back into libcurl from here: schedule instead. */
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	evtimer_add(e->timer, &tv);
	return 0;
}

static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct fetch_engine *e = userp;
	struct fetch_sock *fs = socketp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (fs) {
			event_free(fs->ev);
			free(fs);
		}
		curl_multi_assign(e->multi, s, NULL);
		return 0;
	}
	short kind = (short)((what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0) | EV_PERSIST);
	if (fs == NULL) {
		fs = calloc(1, sizeof(*fs));
		if (fs == NULL)
			return -1;
		fs->fd = s;
		fs->engine = e;
		curl_multi_assign(e->multi, s, fs);
	} else {
		event_free(fs->ev);
	}
	fs->ev = event_new(e->base, s, kind, on_socket_event, e);
	if (fs->ev == NULL)
		return -1;
	event_add(fs->ev, NULL);
	return 0;
}

struct fetch_engine *fetch_engine_new(struct event_base *base)
{
	static bool curl_ready;   /* curl_global_init once per process (main loop thread) */
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curl_ready = true;
	}
	struct fetch_engine *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->base = base;
	e->multi = curl_multi_init();
	e->timer = evtimer_new(base, on_timer, e);
	if (e->multi == NULL || e->timer == NULL) {
		fetch_engine_free(e);
		return NULL;
	}
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	return e;
}

struct event_base *fetch_engine_base(const struct fetch_engine *e)
{
	return e->base;
}

static void transfer_free(struct fetch_transfer *t)
{
	struct fetch_engine *e = t->engine;
	if (t->easy) {
		curl_multi_remove_handle(e->multi, t->easy);
		curl_easy_cleanup(t->easy);
	}
	if (t->prev)
		t->prev->next = t->next;
	else if (e->transfers == t)
		e->transfers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	curl_slist_free_all(t->headers);
	free(t->body);
	free(t->post_body);
	free(t);
}

void fetch_engine_free(struct fetch_engine *e)
{
	if (e == NULL)
		return;
	while (e->transfers)
		transfer_free(e->transfers);
	if (e->multi)
		curl_multi_cleanup(e->multi);
	if (e->timer)
		event_free(e->timer);
	free(e);
}

/* ---- one transfer ----------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_transfer *t = arg;
	size_t add = size * n;
	if (add > t->max - t->len) {
		t->too_big = true;
		return 0;   /* CURLE_WRITE_ERROR: the transfer stops here */
	}
	if (t->len + add > t->cap) {
		size_t cap = t->cap ? t->cap : 64 * 1024;
		while (cap < t->len + add)
			cap *= 2;
		if (cap > t->max)
			cap = t->max;
		uint8_t *q = realloc(t->body, cap + 1);
		if (q == NULL)
			return 0;
		t->body = q;
		t->cap = cap;
	}
	memcpy(t->body + t->len, p, add);
	t->len += add;
	return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct fetch_transfer *t = arg;
	size_t len = size * n;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		t->etag[0] = '\0';   /* a new response (after 100 Continue) */
		return len;
	}
	if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
		const char *v = p + 5, *end = p + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
			end--;
		size_t vlen = (size_t)(end - v);
		bool printable = true;
		for (size_t i = 0; i < vlen; i++)
			printable = printable && v[i] >= 0x20 && v[i] < 0x7f;
		if (vlen > 0 && vlen < sizeof(t->etag) && printable) {
			memcpy(t->etag, v, vlen);
			t->etag[vlen] = '\0';
		}
	}
	return len;
}

static void set_tls(CURL *c, const struct fetch_tls *tls)
{
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (tls->ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, tls->ca_file);
	if (tls->pinned_key[0])
		curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, tls->pinned_key);
	if (tls->cert_file[0]) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, tls->cert_file);
		curl_easy_setopt(c, CURLOPT_SSLKEY, tls->key_file[0] ? tls->key_file : tls->cert_file);
	}
}

static struct fetch_transfer *transfer_new(struct fetch_engine *e, const char *url, const struct fetch_tls *tls,
					   size_t max, int timeout)
{
	struct fetch_transfer *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->engine = e;
	t->max = max;
	t->easy = curl_easy_init();
	if (t->easy == NULL) {
		free(t);
		return NULL;
	}
	t->next = e->transfers;
	if (t->next)
		t->next->prev = t;
	e->transfers = t;
	CURL *c = t->easy;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, t);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* Only HTTPS, and no redirects: a bundle server that moved is a
	 * configuration change, not something to follow silently. */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)FETCH_CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(timeout > 0 ? timeout : FETCH_DEFAULT_TIMEOUT_S));
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)FETCH_LOW_SPEED_BPS);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)FETCH_LOW_SPEED_S);
	/* Content-Length above the limit fails before any byte is read; the
	 * write callback catches servers that do not announce it. */
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
	set_tls(c, tls);
	return t;
}

static int transfer_start(struct fetch_transfer *t)
{
	if (curl_multi_add_handle(t->engine->multi, t->easy) != CURLM_OK)
		return -EIO;
	return 0;
}

static void transfer_finish(struct fetch_transfer *t, CURLcode rc)
{
	long code = 0;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_multi_remove_handle(t->engine->multi, t->easy);
	t->on_done(t, rc, code);
	transfer_free(t);
}

/* A readable reason for a failed transfer. */
static void describe_failure(const struct fetch_transfer *t, CURLcode rc, long code, size_t max, char *out,
			     size_t outlen)
{
	if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(out, outlen, "oversized: more than %zu bytes, transfer aborted", max);
	else if (rc != CURLE_OK)
		snprintf(out, outlen, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
	else
		snprintf(out, outlen, "HTTP %ld", code);
}

/* ---- polling ------------------------------------------------------------------ */

static void etag_path(const struct fetch *f, char *out, size_t len)
{
	snprintf(out, len, "%s.etag", f->conf.state_path);
}

/* Seconds until the next poll: the interval, or a backoff after failures,
 * plus up to 10% jitter. */
static int next_delay(const struct fetch *f)
{
	int base = f->conf.interval;
	if (f->st.failures > 0) {
		int back = FETCH_RETRY_MIN_S;
		for (unsigned i = 1; i < f->st.failures && back < base; i++)
			back *= 2;
		if (back < base)
			base = back;
	}
	uint32_t r = 0;
	RAND_bytes((unsigned char *)&r, sizeof(r));
	return base + (int)(r % (uint32_t)(base / 10 + 1));
}

static void schedule(struct fetch *f)
{
	struct timeval tv = { .tv_sec = next_delay(f) };
	evtimer_add(f->poll_ev, &tv);
}

static void finish_poll(struct fetch *f, enum fetch_outcome o, const char *msg)
{
	f->st.last_outcome = o;
	f->st.in_progress = false;
	if (o == FETCH_FAILED || o == FETCH_REFUSED) {
		f->st.failures++;
		snprintf(f->st.last_error, sizeof(f->st.last_error), "%s", msg);
	} else {
		f->st.failures = 0;
		f->st.last_success = now_s();
	}
	schedule(f);
	if (f->done)
		f->done(f->ctx, o, msg);
}

static void save_good(struct fetch *f, const uint8_t *body, size_t len, const char *etag)
{
	char ep[FETCH_PATH_MAX + 8];
	int rc;
	if (f->conf.state_path[0] == '\0')
		return;
	etag_path(f, ep, sizeof(ep));
	/* Body first: an ETag without its body would make the next poll a 304
	 * for content we do not have. */
	unlink(ep);
	if ((rc = atomicfile_write(f->conf.state_path, body, len, 0640)) < 0) {
		log_warn("fetch", "%s: cannot save the last good copy to %s: %s", f->conf.name, f->conf.state_path,
			 strerror(-rc));
		return;
	}
	if (etag[0] == '\0')
		return;
	/* An ETag names a version of one resource (RFC 9110 8.8.3): it is kept
	 * with its URL and not sent to another one after a configuration change. */
	char text[FETCH_URL_MAX + FETCH_ETAG_MAX + 2];
	int n = snprintf(text, sizeof(text), "%s\n%s\n", f->conf.url, etag);
	if ((rc = atomicfile_write(ep, text, (size_t)n, 0640)) < 0)
		log_warn("fetch", "%s: cannot save the ETag to %s: %s", f->conf.name, ep, strerror(-rc));
}

static void poll_done(struct fetch_transfer *t, CURLcode rc, long code)
{
	struct fetch *f = t->owner;
	char msg[FETCH_ERR_MAX], why[FETCH_ERR_MAX - 16];

	f->transfer = NULL;
	f->st.http_code = code;
	if (rc != CURLE_OK || (code != 200 && code != 304)) {
		describe_failure(t, rc, code, f->conf.max_size, why, sizeof(why));
		log_warn("fetch", "%s: poll of %s failed: %s%s", f->conf.name, f->conf.url, why,
			 f->have_good ? " (the last good copy stays in force)" : "");
		finish_poll(f, FETCH_FAILED, why);
		return;
	}
	if (code == 304) {
		log_debug("fetch", "%s: not modified", f->conf.name);
		finish_poll(f, FETCH_UNCHANGED, "not modified (HTTP 304)");
		return;
	}
	uint8_t empty = 0, *body = t->body ? t->body : &empty;
	body[t->len] = '\0';   /* room kept by on_body: parsers may treat it as text */
	why[0] = '\0';
	int arc = f->accept(f->ctx, body, t->len, false, why, sizeof(why));
	if (arc < 0) {
		snprintf(msg, sizeof(msg), "%s", why[0] ? why : strerror(-arc));
		log_warn("fetch", "%s: refused %s: %s%s", f->conf.name, f->conf.url, msg,
			 f->have_good ? "; the last good copy stays in force" : "");
		finish_poll(f, FETCH_REFUSED, msg);
		return;
	}
	if (arc == 1) {
		finish_poll(f, FETCH_UNCHANGED, "unchanged");
		return;
	}
	save_good(f, body, t->len, t->etag);
	f->have_good = true;
	f->st.from_disk = false;
	f->st.last_change = now_s();
	f->st.bytes = t->len;
	fetch_sha256_hex(body, t->len, f->st.sha256);
	snprintf(f->st.etag, sizeof(f->st.etag), "%s", t->etag);
	snprintf(msg, sizeof(msg), "new copy of %zu bytes", t->len);
	finish_poll(f, FETCH_NEW, msg);
}

int fetch_poll_now(struct fetch *f)
{
	if (f->transfer)
		return -EBUSY;
	struct fetch_transfer *t = transfer_new(f->engine, f->conf.url, &f->conf.tls, f->conf.max_size, f->conf.timeout);
	if (t == NULL)
		return -ENOMEM;
	t->on_done = poll_done;
	t->owner = f;
	/* RFC 9110 13.1.2: only ask "has it changed" about what we hold. */
	if (f->have_good && f->st.etag[0]) {
		char h[FETCH_ETAG_MAX + 32];
		snprintf(h, sizeof(h), "If-None-Match: %s", f->st.etag);
		t->headers = curl_slist_append(NULL, h);
		curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	}
	evtimer_del(f->poll_ev);
	int rc = transfer_start(t);
	if (rc < 0) {
		transfer_free(t);
		return rc;
	}
	f->transfer = t;
	f->st.in_progress = true;
	f->st.last_attempt = now_s();
	return 0;
}

static void on_poll_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;
	(void)fd;
	(void)what;
	int rc = fetch_poll_now(f);
	if (rc < 0 && rc != -EBUSY) {
		log_warn("fetch", "%s: cannot start a poll: %s", f->conf.name, strerror(-rc));
		schedule(f);
	}
}

struct fetch *fetch_new(struct fetch_engine *e, const struct fetch_conf *c, fetch_accept_fn accept,
			fetch_done_fn done, void *ctx, char *err, size_t errlen)
{
	if (strncmp(c->url, "https://", 8) != 0) {
		snprintf(err, errlen, "%s: url '%s' is not https://", c->name, c->url);
		return NULL;
	}
	if (c->max_size == 0 || c->max_size > FETCH_MAX_SIZE_LIMIT) {
		snprintf(err, errlen, "%s: max_size %zu not in 1..%u", c->name, c->max_size, FETCH_MAX_SIZE_LIMIT);
		return NULL;
	}
	if (c->interval < FETCH_INTERVAL_MIN_S || c->interval > FETCH_INTERVAL_MAX_S ||
	    c->timeout < 0 || c->timeout > FETCH_TIMEOUT_MAX_S) {
		snprintf(err, errlen, "%s: interval %d not in %d..%d s or timeout %d not in 0..%d s", c->name,
			 c->interval, FETCH_INTERVAL_MIN_S, FETCH_INTERVAL_MAX_S, c->timeout, FETCH_TIMEOUT_MAX_S);
		return NULL;
	}
	struct fetch *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->engine = e;
	f->conf = *c;
	f->accept = accept;
	f->done = done;
	f->ctx = ctx;
	snprintf(f->st.url, sizeof(f->st.url), "%s", c->url);
	f->poll_ev = evtimer_new(e->base, on_poll_timer, f);
	if (f->poll_ev == NULL) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return f;
}

int fetch_load_last_good(struct fetch *f)
{
	uint8_t *body, *etag;
	size_t len, elen;
	char why[FETCH_ERR_MAX - 32] = "", ep[FETCH_PATH_MAX + 8];
	int rc;

	if (f->conf.state_path[0] == '\0')
		return -ENOENT;
	rc = atomicfile_read(f->conf.state_path, f->conf.max_size, &body, &len);
	if (rc == -ENOENT)
		return rc;
	if (rc < 0) {
		log_warn("fetch", "%s: last good copy %s: %s", f->conf.name, f->conf.state_path, strerror(-rc));
		return rc;
	}
	rc = f->accept(f->ctx, body, len, true, why, sizeof(why));
	if (rc < 0) {
		log_warn("fetch", "%s: the saved copy %s is refused: %s", f->conf.name, f->conf.state_path,
			 why[0] ? why : strerror(-rc));
		snprintf(f->st.last_error, sizeof(f->st.last_error), "saved copy refused: %s", why);
		free(body);
		return rc;
	}
	struct stat sb;
	f->have_good = true;
	f->st.from_disk = true;
	f->st.last_change = stat(f->conf.state_path, &sb) == 0 ? (int64_t)sb.st_mtime : now_s();
	f->st.bytes = len;
	fetch_sha256_hex(body, len, f->st.sha256);
	free(body);
	etag_path(f, ep, sizeof(ep));
	if (atomicfile_read(ep, FETCH_URL_MAX + FETCH_ETAG_MAX + 2, &etag, &elen) == 0) {
		char *nl = strchr((char *)etag, '\n'), *tag = nl ? nl + 1 : NULL;
		size_t ulen = strlen(f->conf.url);
		if (tag && (size_t)(nl - (char *)etag) == ulen && memcmp(etag, f->conf.url, ulen) == 0) {
			tag[strcspn(tag, "\n")] = '\0';
			if (strlen(tag) < sizeof(f->st.etag))
				memcpy(f->st.etag, tag, strlen(tag) + 1);
		}
		free(etag);
	}
	log_info("fetch", "%s: loaded the last good copy from %s (%zu bytes)", f->conf.name, f->conf.state_path, len);
	return 0;
}

int fetch_start(struct fetch *f)
{
	struct timeval now = { 0, 0 };
	return evtimer_add(f->poll_ev, &now) == 0 ? 0 : -EIO;
}

void fetch_status_get(const struct fetch *f, struct fetch_status *st)
{
	*st = f->st;
}

void fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	if (f->transfer)
		transfer_free(f->transfer);
	event_free(f->poll_ev);
	free(f);
}

/* ---- POST ------------------------------------------------------------------------ */

static void post_done(struct fetch_transfer *t, CURLcode rc, long code)
{
	char why[FETCH_ERR_MAX];
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		t->post_done(t->post_ctx, code, NULL);
		return;
	}
	describe_failure(t, rc, code, FETCH_POST_REPLY_MAX, why, sizeof(why));
	t->post_done(t->post_ctx, code, why);
}

struct fetch_transfer *fetch_post(struct fetch_engine *e, const char *url, const struct fetch_tls *tls,
				  const char *content_type, const char *body, size_t len, int timeout,
				  fetch_post_done_fn done, void *ctx)
{
	if (strncmp(url, "https://", 8) != 0)
		return NULL;
	struct fetch_transfer *t = transfer_new(e, url, tls, FETCH_POST_REPLY_MAX, timeout);
	if (t == NULL)
		return NULL;
	char h[128];
	snprintf(h, sizeof(h), "Content-Type: %s", content_type);
	t->headers = curl_slist_append(NULL, h);
	t->post_body = malloc(len + 1);
	if (t->headers == NULL || t->post_body == NULL) {
		transfer_free(t);
		return NULL;
	}
	memcpy(t->post_body, body, len);
	t->post_body[len] = '\0';
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->post_body);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	t->on_done = post_done;
	t->post_done = done;
	t->post_ctx = ctx;
	if (transfer_start(t) < 0) {
		transfer_free(t);
		return NULL;
	}
	return t;
}

void fetch_cancel(struct fetch_transfer *t)
{
	if (t)
		transfer_free(t);
}
