/* heartbeat.c — status report to the centre as JSON over HTTPS. */
#include "heartbeat.h"

#include <errno.h>
#include <event2/event.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rfc3339.h"

struct heartbeat {
	struct fetch_engine *engine;
	struct heartbeat_conf conf;
	struct heartbeat_source src;
	struct event *timer;
	struct fetch_transfer *inflight;
	struct heartbeat_status st;
};

static json_t *time_or_null(int64_t t)
{
	char s[RFC3339_LEN];
	if (t <= 0)
		return json_null();
	rfc3339_format(t, s);
	return json_string(s);
}

/* Strings from elsewhere may not be UTF-8: carried as null, not dropped whole. */
static json_t *text(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_null();
}

double heartbeat_compliance_rate(const struct heartbeat_report *r)
{
	unsigned scanned = r->posture[POSTURE_COMPLIANT] + r->posture[POSTURE_NONCOMPLIANT] + r->posture[POSTURE_STALE];
	if (scanned == 0)
		return -1;
	return (double)r->posture[POSTURE_COMPLIANT] / scanned;
}

char *heartbeat_to_json(const struct heartbeat_report *r)
{
	json_t *o = json_object(), *versions = json_object(), *bundle = json_object(), *devices = json_object();
	json_t *posture = json_object(), *sync = json_object(), *feeds = json_array();
	unsigned total = 0;

	json_object_set_new(o, "format", json_string("menjin-heartbeat/1"));
	json_object_set_new(o, "appliance", text(r->appliance));
	json_object_set_new(o, "time", time_or_null(r->now));
	json_object_set_new(o, "uptime", json_integer(r->uptime));

	json_object_set_new(versions, "software", text(r->software_version));
	json_object_set_new(versions, "config_sha256", text(r->config_sha256));
	json_object_set_new(versions, "fastpath_generation", json_integer((json_int_t)r->fastpath_generation));
	if (r->bundle_running) {
		json_object_set_new(bundle, "version", json_integer((json_int_t)r->bundle_version));
		json_object_set_new(bundle, "key_id", text(r->bundle_key_id));
		json_object_set_new(bundle, "sha256", text(r->bundle_sha256));
		json_object_set_new(bundle, "expires", time_or_null(r->bundle_expires));
		json_object_set_new(bundle, "expired", json_boolean(r->bundle_expires <= r->now));
		json_object_set_new(versions, "bundle", bundle);
	} else {
		json_decref(bundle);
		json_object_set_new(versions, "bundle", json_null());
	}
	json_object_set_new(o, "versions", versions);

	for (int i = 0; i < 4; i++) {
		json_object_set_new(devices, verdict_state_name(i), json_integer(r->devices[i]));
		total += r->devices[i];
	}
	json_object_set_new(devices, "total", json_integer(total));
	json_object_set_new(o, "devices", devices);

	static const int order[] = { POSTURE_COMPLIANT, POSTURE_NONCOMPLIANT, POSTURE_STALE, POSTURE_UNKNOWN };
	for (unsigned i = 0; i < 4; i++)
		json_object_set_new(posture, posture_status_name(order[i]), json_integer(r->posture[order[i]]));
	double rate = heartbeat_compliance_rate(r);
	json_object_set_new(posture, "compliance_rate", rate < 0 ? json_null() : json_real(round(rate * 10000) / 10000));
	json_object_set_new(o, "posture", posture);

	json_object_set_new(sync, "central", time_or_null(r->central_last_sync));
	json_object_set_new(sync, "central_error", text(r->central_error));
	json_object_set_new(sync, "ad", time_or_null(r->ad_last_sync));
	json_object_set_new(sync, "gcb", time_or_null(r->gcb_last_import));
	for (unsigned i = 0; i < r->nfeeds && i < HEARTBEAT_MAX_FEEDS; i++) {
		const struct heartbeat_feed *f = &r->feeds[i];
		json_array_append_new(feeds, json_pack("{s:o, s:o, s:I, s:o}", "name", text(f->name), "last_sync",
						       time_or_null(f->last_sync), "prefixes", (json_int_t)f->prefixes,
						       "error", text(f->error)));
	}
	json_object_set_new(sync, "feeds", feeds);
	json_object_set_new(o, "sync", sync);
	json_object_set_new(o, "blocklist", json_pack("{s:I}", "prefixes", (json_int_t)r->blocklist_prefixes));
	json_object_set_new(o, "soc", json_pack("{s:I, s:I}", "queued", (json_int_t)r->soc_queued, "dropped",
						(json_int_t)r->soc_dropped));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

static void schedule(struct heartbeat *h)
{
	struct timeval tv = { .tv_sec = h->conf.interval };
	evtimer_add(h->timer, &tv);
}

static void post_done(void *arg, long code, const char *error)
{
	struct heartbeat *h = arg;
	h->inflight = NULL;
	h->st.http_code = code;
	if (error) {
		h->st.failed++;
		snprintf(h->st.last_error, sizeof(h->st.last_error), "%s", error);
		log_warn("heartbeat", "report to %s failed: %s", h->conf.url, error);
		return;
	}
	h->st.sent++;
	h->st.last_success = (int64_t)time(NULL);
	h->st.last_error[0] = '\0';
	log_debug("heartbeat", "report accepted (HTTP %ld)", code);
}

int heartbeat_send_now(struct heartbeat *h)
{
	struct heartbeat_report *r;
	int rc;

	if (h->inflight) {
		/* The previous one is still on its way (a slow centre): skip a beat
		 * rather than pile requests up. */
		log_debug("heartbeat", "previous report still in flight");
		return -EBUSY;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->now = (int64_t)time(NULL);
	rc = h->src.collect ? h->src.collect(h->src.ctx, r) : -ENOSYS;
	if (rc != 0) {
		free(r);
		return rc < 0 ? rc : -ECANCELED;
	}
	char *body = heartbeat_to_json(r);
	free(r);
	if (body == NULL)
		return -ENOMEM;
	h->st.last_attempt = (int64_t)time(NULL);
	h->inflight = fetch_post(h->engine, h->conf.url, &h->conf.tls, "application/json", body, strlen(body),
				 HEARTBEAT_TIMEOUT_S, post_done, h);
	free(body);
	return h->inflight ? 0 : -EIO;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct heartbeat *h = arg;
	(void)fd;
	(void)what;
	int rc = heartbeat_send_now(h);
	if (rc < 0 && rc != -EBUSY)
		log_warn("heartbeat", "no report this time: %s", strerror(-rc));
	schedule(h);
}

struct heartbeat *heartbeat_new(struct fetch_engine *e, const struct heartbeat_conf *c,
				const struct heartbeat_source *src, char *err, size_t errlen)
{
	if (strncmp(c->url, "https://", 8) != 0) {
		snprintf(err, errlen, "heartbeat: url '%s' is not https://", c->url);
		return NULL;
	}
	int interval = c->interval ? c->interval : HEARTBEAT_DEFAULT_INTERVAL;
	if (interval < HEARTBEAT_INTERVAL_MIN || interval > HEARTBEAT_INTERVAL_MAX) {
		snprintf(err, errlen, "heartbeat: interval %d not in %d..%d s", interval, HEARTBEAT_INTERVAL_MIN,
			 HEARTBEAT_INTERVAL_MAX);
		return NULL;
	}
	struct heartbeat *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->engine = e;
	h->conf = *c;
	h->conf.interval = interval;
	h->src = *src;
	h->timer = evtimer_new(fetch_engine_base(e), on_timer, h);
	if (h->timer == NULL) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return h;
}

int heartbeat_start(struct heartbeat *h)
{
	struct timeval now = { 0, 0 };
	return evtimer_add(h->timer, &now) == 0 ? 0 : -EIO;
}

void heartbeat_status(const struct heartbeat *h, struct heartbeat_status *st)
{
	*st = h->st;
}

void heartbeat_free(struct heartbeat *h)
{
	if (h == NULL)
		return;
	fetch_cancel(h->inflight);
	event_free(h->timer);
	free(h);
}
