/* posture_fetch.c — HTTPS download of posture results into the spool
 * (see posture_fetch.h), libcurl's multi-socket interface on libevent. */
#include "posture_fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "log.h"

#define CONCERN "posture-fetch"

struct posture_fetch {
	struct event_base *base;
	struct posture_fetch_config cfg;
	char spool[256];
	posture_fetch_cb cb;
	void *cb_ctx;

	CURLM *multi;
	CURL *easy;                     /* the running transfer, or NULL */
	struct event *timer_ev;         /* libcurl's timeout */
	struct event *period_ev;        /* the next periodic fetch */
	int fd;                         /* the .part file being written */
	char part[256 + 64 + 32];      /* spool, name, "/.fetch-" ".part" */
	size_t received;
	bool csv;                       /* Content-Type or URL says CSV */
	int64_t last_modified;          /* of the last 200, for If-Modified-Since */
	char curl_err[CURL_ERROR_SIZE];
};

/* One event per socket libcurl asks us to watch. */
struct sock {
	struct posture_fetch *f;
	struct event *ev;
};

int posture_fetch_config_check(const struct posture_fetch_config *c, char *err, size_t errlen)
{
	if (strncasecmp(c->url, "https://", 8) != 0 || c->url[8] == '\0') {
		snprintf(err, errlen, "url: only https:// URLs are fetched");
		return -EINVAL;
	}
	for (const char *p = c->url; *p; p++)
		if (*p <= ' ' || *p == 0x7f) {
			snprintf(err, errlen, "url: spaces and control characters are not allowed");
			return -EINVAL;
		}
	if (c->name[0] == '\0' || c->name[0] == '.' || strchr(c->name, '/') != NULL || strlen(c->name) > 40) {
		snprintf(err, errlen, "name: a plain file name stem of at most 40 bytes is needed");
		return -EINVAL;
	}
	if (c->interval != 0 && c->interval < POSTURE_FETCH_MIN_INTERVAL) {
		snprintf(err, errlen, "interval: at least %d seconds (or 0: on demand only)",
			 POSTURE_FETCH_MIN_INTERVAL);
		return -EINVAL;
	}
	if (c->ca_file[0] && access(c->ca_file, R_OK) < 0) {
		snprintf(err, errlen, "ca_file: %s: %s", c->ca_file, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

/* ---- the transfer -------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct posture_fetch *f = arg;
	size_t len = size * n;
	/* MAXFILESIZE only helps when the server sends a length; count too. */
	if (f->received + len > POSTURE_SPOOL_MAX_FILE)
		return 0;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(f->fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		off += (size_t)w;
	}
	f->received += len;
	return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct posture_fetch *f = arg;
	size_t len = size * n;
	static const char ct[] = "content-type:";
	if (len > sizeof(ct) && strncasecmp(data, ct, sizeof(ct) - 1) == 0) {
		char value[128];
		snprintf(value, sizeof(value), "%.*s", (int)(len - (sizeof(ct) - 1)), data + sizeof(ct) - 1);
		f->csv = strcasestr(value, "csv") != NULL;
	}
	return len;
}

static void finish(struct posture_fetch *f, CURLcode res)
{
	long status = 0;
	char text[POSTURE_FETCH_URL_MAX + CURL_ERROR_SIZE + 64] = "";
	int rc = 0;

	curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
	if (f->fd >= 0 && close(f->fd) < 0 && res == CURLE_OK)
		res = CURLE_WRITE_ERROR;
	f->fd = -1;
	if (res != CURLE_OK) {
		if (res == CURLE_WRITE_ERROR && f->received + CURL_MAX_WRITE_SIZE > POSTURE_SPOOL_MAX_FILE)
			snprintf(text, sizeof(text), "%s: larger than %u bytes", f->cfg.url, POSTURE_SPOOL_MAX_FILE);
		else
			snprintf(text, sizeof(text), "%s: %s", f->cfg.url, f->curl_err[0] ? f->curl_err : curl_easy_strerror(res));
		rc = res == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
	} else if (status == 304) {
		text[0] = '\0';
	} else if (status != 200) {
		snprintf(text, sizeof(text), "%s: HTTP %ld", f->cfg.url, status);
		rc = -EIO;
	} else {
		/* Complete: give it a name the spool reads. */
		curl_off_t filetime = -1;
		char final[sizeof(f->part)];
		const char *url_end = f->cfg.url + strlen(f->cfg.url);
		bool csv = f->csv || (strlen(f->cfg.url) > 4 && strcasecmp(url_end - 4, ".csv") == 0);
		snprintf(final, sizeof(final), "%s/%s-%lld.%s", f->spool, f->cfg.name, (long long)time(NULL),
			 csv ? "csv" : "xml");
		if (rename(f->part, final) < 0) {
			snprintf(text, sizeof(text), "%s: %s", final, strerror(errno));
			rc = -errno;
		} else {
			snprintf(text, sizeof(text), "%.*s", (int)(sizeof(text)) - 1, final);
			f->part[0] = '\0';
			if (curl_easy_getinfo(f->easy, CURLINFO_FILETIME_T, &filetime) == CURLE_OK && filetime > 0)
				f->last_modified = (int64_t)filetime;
		}
	}
	if (f->part[0])
		unlink(f->part);
	f->part[0] = '\0';
	curl_multi_remove_handle(f->multi, f->easy);
	curl_easy_cleanup(f->easy);
	f->easy = NULL;

	if (rc < 0)
		log_warn(CONCERN, "%s", text);
	else if (text[0])
		log_info(CONCERN, "%s: %zu bytes to %s", f->cfg.url, f->received, text);
	if (f->cb)
		f->cb(f->cb_ctx, rc, status, text);
}

static void check_done(struct posture_fetch *f)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == f->easy) {
			/* one transfer at a time; the callback in finish() may start
			 * the next one, so nothing here touches f after it */
			finish(f, msg->data.result);
			return;
		}
}

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct posture_fetch *f = arg;
	int running, action = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
	curl_multi_socket_action(f->multi, fd, action, &running);
	check_done(f);
}

static void on_timer_event(evutil_socket_t fd, short what, void *arg)
{
	struct posture_fetch *f = arg;
	int running;
	(void)fd;
	(void)what;
	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
}

static int on_curl_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct posture_fetch *f = arg;
	struct sock *sk = sockp;
	(void)easy;

	if (what == CURL_POLL_REMOVE) {
		if (sk) {
			event_free(sk->ev);
			free(sk);
		}
		curl_multi_assign(f->multi, s, NULL);
		return 0;
	}
	short kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
	if (sk == NULL) {
		if ((sk = calloc(1, sizeof(*sk))) == NULL)
			return -1;
		sk->f = f;
		curl_multi_assign(f->multi, s, sk);
	} else {
		event_free(sk->ev);
	}
	sk->ev = event_new(f->base, s, kind, on_socket_event, f);
	if (sk->ev == NULL || event_add(sk->ev, NULL) < 0)
		return -1;
	return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *arg)
{
	struct posture_fetch *f = arg;
	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(f->timer_ev);
		return 0;
	}
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	return evtimer_add(f->timer_ev, &tv);
}

int posture_fetch_start(struct posture_fetch *f)
{
	if (f->easy)
		return -EBUSY;
	snprintf(f->part, sizeof(f->part), "%s/.fetch-%s.part", f->spool, f->cfg.name);
	f->fd = open(f->part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (f->fd < 0) {
		int e = errno;
		log_err(CONCERN, "%s: %s", f->part, strerror(e));
		f->part[0] = '\0';
		return -e;
	}
	f->received = 0;
	f->csv = false;
	f->curl_err[0] = '\0';
	if ((f->easy = curl_easy_init()) == NULL) {
		close(f->fd);
		unlink(f->part);
		f->fd = -1;
		return -ENOMEM;
	}
	CURL *e = f->easy;
	curl_easy_setopt(e, CURLOPT_URL, f->cfg.url);
	/* HTTPS only, redirects too: a plain-HTTP hop would let anyone on the
	 * path change what decides who is quarantined. */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)POSTURE_FETCH_MAX_REDIRS);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (f->cfg.ca_file[0])
		curl_easy_setopt(e, CURLOPT_CAINFO, f->cfg.ca_file);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)POSTURE_FETCH_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)POSTURE_FETCH_CONNECT_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)POSTURE_SPOOL_MAX_FILE);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "menjind");
	curl_easy_setopt(e, CURLOPT_FILETIME, 1L);
	if (f->last_modified > 0) {
		curl_easy_setopt(e, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
		curl_easy_setopt(e, CURLOPT_TIMEVALUE_LARGE, (curl_off_t)f->last_modified);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->curl_err);
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		f->easy = NULL;
		close(f->fd);
		unlink(f->part);
		f->fd = -1;
		return -EIO;
	}
	return 0;
}

static void on_period(evutil_socket_t fd, short what, void *arg)
{
	struct posture_fetch *f = arg;
	(void)fd;
	(void)what;
	int rc = posture_fetch_start(f);
	if (rc < 0 && rc != -EBUSY)
		log_warn(CONCERN, "%s: not started: %s", f->cfg.url, strerror(-rc));
}

struct posture_fetch *posture_fetch_new(struct event_base *base, const char *spool_dir,
					const struct posture_fetch_config *c, posture_fetch_cb cb, void *ctx,
					char *err, size_t errlen)
{
	static bool curl_ready;
	struct posture_fetch *f;

	if (posture_fetch_config_check(c, err, errlen) < 0)
		return NULL;
	if (strlen(spool_dir) >= sizeof(f->spool)) {
		snprintf(err, errlen, "spool folder name too long");
		return NULL;
	}
	/* Once per process, from the main thread (menjind has no other). */
	if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		return NULL;
	}
	curl_ready = true;
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->base = base;
	f->cfg = *c;
	snprintf(f->spool, sizeof(f->spool), "%.*s", (int)(sizeof(f->spool)) - 1, spool_dir);
	f->cb = cb;
	f->cb_ctx = ctx;
	f->fd = -1;
	f->multi = curl_multi_init();
	f->timer_ev = evtimer_new(base, on_timer_event, f);
	if (c->interval > 0)
		f->period_ev = event_new(base, -1, EV_PERSIST, on_period, f);
	if (!f->multi || !f->timer_ev || (c->interval > 0 && !f->period_ev)) {
		posture_fetch_free(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	if (f->period_ev) {
		struct timeval tv = { c->interval, 0 };
		event_add(f->period_ev, &tv);
	}
	return f;
}

void posture_fetch_free(struct posture_fetch *f)
{
	if (f == NULL)
		return;
	if (f->easy) {
		/* removing the handle makes libcurl release its sockets (CURL_POLL_REMOVE) */
		curl_multi_remove_handle(f->multi, f->easy);
		curl_easy_cleanup(f->easy);
	}
	if (f->fd >= 0)
		close(f->fd);
	if (f->part[0])
		unlink(f->part);
	if (f->multi)
		curl_multi_cleanup(f->multi);
	if (f->timer_ev)
		event_free(f->timer_ev);
	if (f->period_ev)
		event_free(f->period_ev);
	free(f);
}
