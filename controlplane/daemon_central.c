/* daemon_central.c — threat feeds, sharing and SOC export in menjind
 * (see daemon_central.h). */
#include "daemon_central.h"

#include <errno.h>
#include <stdbool.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "apicmd.h"
#include "central_conf.h"
#include "daemon.h"
#include "events.h"
#include "adsync.h"
#include "bundle.h"
#include "bundle_compose.h"
#include "central.h"
#include "daemon_bundle.h"
#include "daemon_posture.h"
#include "devices.h"
#include "feeds.h"
#include "heartbeat.h"
#include "fetch.h"
#include "fpchan.h"
#include "log.h"
#include "share.h"
#include "syslog_tls.h"
#include "threatfeed.h"

#define DAEMON_SHARE_PRUNE_S   60      /* how often expired shared blocks are dropped */
#define DAEMON_SHARE_LIST_MAX  4096    /* entries in one share.list answer */

struct daemon_central {
	struct menjind      *d;
	struct fetch_engine *fe;
	struct feeds        *feeds;
	struct share        *share;
	struct syslog_tls   *soc;
	struct heartbeat    *heartbeat;
	struct event        *share_ev;
	/* The last merged list as the fast path wants it; fpchan points at it
	 * until the next merge, and resends it on every resync. */
	struct fpmsg_prefix *blocklist;
	size_t               nblocklist;
	int64_t              last_merge;
	size_t               merge_duplicates;
};

/* ---- feeds -> fast path ------------------------------------------------ */

static int apply_blocklist(void *ctx, const struct tf_merged *m)
{
	struct daemon_central *g = ctx;
	struct fpmsg_prefix *v = NULL;

	if (m->n) {
		v = calloc(m->n, sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < m->n; i++)
			threatfeed_merged_fpmsg(m, i, &v[i]);
	}
	fpchan_set_blocklist(g->d->fp, v, m->n);
	free(g->blocklist);
	g->blocklist = v;
	g->nblocklist = m->n;
	g->last_merge = (int64_t)time(NULL);
	g->merge_duplicates = m->duplicates;

	char n[24], msg[160];
	snprintf(n, sizeof(n), "%zu", m->n);
	snprintf(msg, sizeof(msg), "threat feeds merged: %zu prefixes from %u lists (%zu duplicates) to the blocklist",
		 m->n, m->nlists, m->duplicates);
	log_info("central", "%s", msg);
	menjind_emit(g->d, LOG_NOTICE, "feeds.applied", msg, "prefixes", n, NULL, NULL);
	return 0;
}

/* ---- sharing ----------------------------------------------------------- */

/* The active shared blocks are enforced here too, as the static "share" list. */
static void share_refresh(struct daemon_central *g)
{
	if (g->share == NULL || g->feeds == NULL)
		return;
	struct tf_list *l = share_list(g->share, (int64_t)time(NULL));
	if (l == NULL) {
		log_warn("central", "shared blocks: out of memory building the list");
		return;
	}
	if (feeds_set_static(g->feeds, "share", l) < 0)
		log_warn("central", "shared blocks: no static list slot left");
	threatfeed_list_unref(l);
}

/* The applied central bundle's blocklist, as the static list "central". */
static void bundle_list_refresh(struct daemon_central *g)
{
	if (g->feeds == NULL)
		return;
	const struct bundle *b = daemon_bundle_composing(g->d);
	if (feeds_set_static(g->feeds, BUNDLE_BLOCKLIST_FEED, b ? b->blocklist : NULL) < 0)
		log_warn("central", "central bundle blocklist: no static list slot left");
}

static void share_prune_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_central *g = arg;
	(void)fd;
	(void)what;
	if (g->share && share_prune(g->share, (int64_t)time(NULL)) > 0)
		share_refresh(g);
	struct timeval tv = { .tv_sec = DAEMON_SHARE_PRUNE_S };
	evtimer_add(g->share_ev, &tv);
}

/* ---- SOC --------------------------------------------------------------- */

static void soc_sink(void *ctx, const char *line)
{
	struct daemon_central *g = ctx;
	/* Not logged per line: a failing queue would log every event twice. */
	if (g->soc && syslog_tls_send(g->soc, line) < 0)
		log_debug("central", "SOC queue refused an event line");
}

/* ---- heartbeat ---------------------------------------------------------- */

struct posture_count {
	struct menjind *d;
	struct heartbeat_report *r;
};

static int count_one(void *ctx, const struct store_device *dev)
{
	struct posture_count *pc = ctx;
	struct device_facts f;
	if (devices_facts(pc->d->devices, dev, &f) < 0)
		return 0;
	int p = policy_posture(&pc->d->conf->policy, &f);
	if (p >= 0 && p < POSTURE__MAX)
		pc->r->posture[p]++;
	return 0;
}

static int heartbeat_collect(void *ctx, struct heartbeat_report *r)
{
	struct daemon_central *g = ctx;
	struct menjind *d = g->d;

	if (gethostname(r->appliance, sizeof(r->appliance) - 1) < 0)
		snprintf(r->appliance, sizeof(r->appliance), "menjin");
	r->uptime = r->now - d->started;
	snprintf(r->software_version, sizeof(r->software_version), "menjind");
	snprintf(r->config_sha256, sizeof(r->config_sha256), "%s", d->conf->sha256);
	r->fastpath_generation = d->generation;
	struct central_status cst;
	if (daemon_bundle_central_status(d, &cst) && cst.running) {
		r->bundle_running = true;
		r->bundle_version = cst.version;
		snprintf(r->bundle_key_id, sizeof(r->bundle_key_id), "%s", cst.key_id);
		snprintf(r->bundle_sha256, sizeof(r->bundle_sha256), "%s", cst.sha256);
		r->bundle_expires = cst.expires;
	}
	if (store_device_counts(d->store, r->devices) < 0)
		return -EIO;
	struct posture_count pc = { .d = d, .r = r };
	struct store_filter f = { .state = -1, .role_id = -1 };
	if (store_device_foreach(d->store, &f, count_one, &pc) < 0)
		return -EIO;
	if (d->ad) {
		struct adsync_status st;
		adsync_get_status(d->ad, &st);
		r->ad_last_sync = st.last_success;
	}
	r->gcb_last_import = daemon_posture_last_import(d);
	for (unsigned i = 0; g->feeds && i < feeds_count(g->feeds) && r->nfeeds < HEARTBEAT_MAX_FEEDS; i++) {
		struct feed_status st;
		if (feeds_status(g->feeds, i, &st) < 0)
			continue;
		struct heartbeat_feed *hf = &r->feeds[r->nfeeds++];
		snprintf(hf->name, sizeof(hf->name), "%s", st.name);
		hf->last_sync = st.fetch.last_success;
		hf->prefixes = st.prefixes;
		snprintf(hf->error, sizeof(hf->error), "%.*s", HEARTBEAT_TEXT_MAX - 1, st.fetch.last_error);
	}
	r->blocklist_prefixes = g->nblocklist;
	if (g->soc) {
		const struct soc_queue *q = syslog_tls_queue(g->soc);
		r->soc_queued = soc_queue_length(q);
		r->soc_dropped = soc_queue_dropped(q);
	}
	return 0;
}

/* ---- start / stop ------------------------------------------------------ */

/* What happens to the fast path's blocklist when the glue goes. */
enum blocklist_fate {
	BLOCKLIST_KEEP,    /* reload: the new glue adopts the array */
	BLOCKLIST_CLEAR,   /* feeds turned off: the fast path's list is emptied */
	BLOCKLIST_LEAVE,   /* menjind stops: the fast path keeps its last tables */
};

static void glue_free(struct menjind *d, enum blocklist_fate fate)
{
	struct daemon_central *g = d->central;
	if (g == NULL)
		return;
	if (d->events)
		events_set_line_sink(d->events, NULL, NULL);
	if (g->share_ev)
		event_free(g->share_ev);
	heartbeat_free(g->heartbeat);
	feeds_free(g->feeds);
	share_close(g->share);
	syslog_tls_free(g->soc);
	fetch_engine_free(g->fe);
	if (fate == BLOCKLIST_CLEAR && d->fp && g->blocklist)
		fpchan_set_blocklist(d->fp, NULL, 0);
	/* LEAVE: menjind_stop() frees the channel next, before the loop runs again. */
	if (fate != BLOCKLIST_KEEP)
		free(g->blocklist);
	free(g);
	d->central = NULL;
}

/* mkdir -p: feeds keep their last good copies in central's state_dir. */
static int make_dirs(const char *path)
{
	char dir[FETCH_DIR_MAX];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* prev: the array the fast path channel points at, adopted by the new glue. */
static int glue_start(struct menjind *d, struct fpmsg_prefix *prev, size_t nprev, char *err, size_t errlen)
{
	const struct central_settings *cs = d->conf->central;
	char e[256];
	int rc;

	struct daemon_central *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		free(prev);
		return -ENOMEM;
	}
	g->d = d;
	g->blocklist = prev;
	g->nblocklist = nprev;
	d->central = g;

	/* The central bundle's blocklist is a static list of the merge. */
	bool want_feeds = cs && (cs->feeds.nfeeds > 0 || cs->share_enabled || cs->central_enabled);
	if (cs == NULL || (!want_feeds && !cs->soc_enabled && !cs->heartbeat_enabled)) {
		if (g->blocklist) {   /* feeds turned off: the fast path's list goes too */
			fpchan_set_blocklist(d->fp, NULL, 0);
			free(g->blocklist);
			g->blocklist = NULL;
			g->nblocklist = 0;
		}
		return 0;
	}
	if (cs->soc_enabled) {
		g->soc = syslog_tls_new(d->base, &cs->soc, e, sizeof(e));
		if (g->soc == NULL) {
			snprintf(err, errlen, "soc: %s", e);
			return -EINVAL;
		}
		events_set_line_sink(d->events, soc_sink, g);
		events_set_line_sink_sd_id(d->events, cs->sd_id);
	}
	if (!want_feeds && !cs->heartbeat_enabled)
		return 0;
	g->fe = fetch_engine_new(d->base);
	if (g->fe == NULL) {
		snprintf(err, errlen, "feeds: out of memory");
		return -ENOMEM;
	}
	if (cs->heartbeat_enabled) {
		struct heartbeat_source src = { .collect = heartbeat_collect, .ctx = g };
		g->heartbeat = heartbeat_new(g->fe, &cs->heartbeat, &src, e, sizeof(e));
		if (g->heartbeat == NULL) {
			snprintf(err, errlen, "heartbeat: %s", e);
			return -EINVAL;
		}
		if ((rc = heartbeat_start(g->heartbeat)) < 0) {
			snprintf(err, errlen, "heartbeat: cannot start: %s", strerror(-rc));
			return rc;
		}
	}
	if (!want_feeds)
		return 0;
	if (cs->feeds.state_dir[0] && make_dirs(cs->feeds.state_dir) < 0)
		log_warn("central", "%s: cannot create it; feeds keep no last good copies", cs->feeds.state_dir);
	g->feeds = feeds_new(g->fe, &cs->feeds, apply_blocklist, g, e, sizeof(e));
	if (g->feeds == NULL) {
		snprintf(err, errlen, "feeds: %s", e);
		return -EINVAL;
	}
	if (cs->share_enabled) {
		g->share = share_open(&cs->share, (int64_t)time(NULL), e, sizeof(e));
		if (g->share == NULL) {
			snprintf(err, errlen, "share: %s", e);
			return -EINVAL;
		}
		g->share_ev = evtimer_new(d->base, share_prune_cb, g);
		if (g->share_ev == NULL) {
			snprintf(err, errlen, "share: out of memory");
			return -ENOMEM;
		}
		share_refresh(g);
		share_prune_cb(-1, 0, g);
	}
	bundle_list_refresh(g);
	if ((rc = feeds_start(g->feeds)) < 0) {
		snprintf(err, errlen, "feeds: cannot start: %s", strerror(-rc));
		return rc;
	}
	log_info("central", "%u threat feeds%s%s", cs->feeds.nfeeds, cs->share_enabled ? ", sharing" : "",
		 cs->soc_enabled ? ", SOC export" : "");
	return 0;
}

int daemon_central_start(struct menjind *d, char *err, size_t errlen)
{
	int rc = glue_start(d, NULL, 0, err, errlen);
	if (rc < 0) {
		glue_free(d, BLOCKLIST_CLEAR);
		return rc;
	}
	/* The store and the devices run: the saved bundle's devices. */
	daemon_bundle_start(d);
	return 0;
}

int daemon_central_reload(struct menjind *d, const struct conf *old, char *err, size_t errlen)
{
	const struct central_settings *a = old->central, *b = d->conf->central;
	daemon_bundle_reload(d, old);
	if (a && b && memcmp(a, b, sizeof(*a)) == 0)
		return 0;   /* unchanged: keep connections, polls and the queue */
	struct fpmsg_prefix *prev = d->central ? d->central->blocklist : NULL;
	size_t nprev = d->central ? d->central->nblocklist : 0;
	glue_free(d, BLOCKLIST_KEEP);
	int rc = glue_start(d, prev, nprev, err, errlen);
	if (rc < 0) {
		log_err("central", "feeds, sharing or SOC export not running after the reload: %s", err);
		glue_free(d, BLOCKLIST_CLEAR);
	}
	return rc;
}

void daemon_central_stop(struct menjind *d)
{
	glue_free(d, BLOCKLIST_LEAVE);
	daemon_bundle_stop(d);
}

void daemon_central_bundle_changed(struct menjind *d)
{
	if (d->central)
		bundle_list_refresh(d->central);
}

/* ---- API --------------------------------------------------------------- */

static json_t *fetch_json(const struct fetch_status *st)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:s, s:i, s:s, s:i}", "url", st->url, "last_attempt",
			 (json_int_t)st->last_attempt, "last_success", (json_int_t)st->last_success, "last_change",
			 (json_int_t)st->last_change, "outcome", fetch_outcome_name(st->last_outcome), "http_code",
			 (int)st->http_code, "last_error", st->last_error, "failures", (int)st->failures);
}

int daemon_central_cmd_status(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			      char *err, size_t errlen)
{
	struct daemon_central *g = d->central;
	(void)who;
	(void)args;
	(void)err;
	(void)errlen;
	json_t *r = json_object(), *feeds = json_array(), *soc = json_null();
	if (r == NULL || feeds == NULL) {
		json_decref(r);
		json_decref(feeds);
		return -ENOMEM;
	}
	for (unsigned i = 0; g && g->feeds && i < feeds_count(g->feeds); i++) {
		struct feed_status st;
		if (feeds_status(g->feeds, i, &st) < 0)
			continue;
		json_array_append_new(feeds, json_pack("{s:s, s:I, s:s, s:o}", "name", st.name, "prefixes",
						       (json_int_t)st.prefixes, "summary", st.summary, "fetch",
						       fetch_json(&st.fetch)));
	}
	if (g && g->soc) {
		const struct soc_queue *q = syslog_tls_queue(g->soc);
		json_t *cols = json_array();
		for (unsigned i = 0; cols && i < syslog_tls_collectors(g->soc); i++) {
			struct soc_collector_status st;
			if (syslog_tls_status(g->soc, i, &st) == 0)
				json_array_append_new(cols, json_pack("{s:s, s:s, s:I, s:I, s:s}", "name", st.name,
								      "state", soc_state_name(st.state), "pending",
								      (json_int_t)st.pending, "delivered",
								      (json_int_t)st.delivered, "last_error",
								      st.last_error));
		}
		json_decref(soc);
		soc = json_pack("{s:I, s:I, s:o*}", "queue_length", (json_int_t)soc_queue_length(q), "dropped",
				(json_int_t)soc_queue_dropped(q), "collectors", cols);
	}
	json_object_set_new(r, "bundle", daemon_bundle_status_json(d));
	json_object_set_new(r, "feeds", feeds);
	json_object_set_new(r, "blocklist_prefixes", json_integer(g ? (json_int_t)g->nblocklist : 0));
	json_object_set_new(r, "last_merge", json_integer(g ? g->last_merge : 0));
	json_object_set_new(r, "duplicates", json_integer(g ? (json_int_t)g->merge_duplicates : 0));
	json_object_set_new(r, "share", json_integer(g && g->share ? share_count(g->share) : 0));
	json_object_set_new(r, "soc", soc ? soc : json_null());
	*result = r;
	return 0;
}

static struct share *need_share(struct menjind *d, char *err, size_t errlen)
{
	if (d->central == NULL || d->central->share == NULL) {
		snprintf(err, errlen, "sharing is not configured (share {} in the configuration)");
		return NULL;
	}
	return d->central->share;
}

int daemon_central_cmd_share_publish(struct menjind *d, const struct api_caller *who, json_t *args,
				     json_t **result, char *err, size_t errlen)
{
	struct share *s = need_share(d, err, errlen);
	if (s == NULL)
		return -ENOTSUP;
	const char *ip = json_string_value(json_object_get(args, "ip"));
	const char *reason = json_string_value(json_object_get(args, "reason"));
	json_t *jttl = json_object_get(args, "ttl");
	if (ip == NULL || reason == NULL || jttl == NULL) {
		snprintf(err, errlen, "share.publish needs ip, reason and ttl");
		return -EINVAL;
	}
	long long ttl = apicmd_parse_duration(jttl);
	if (ttl <= 0) {
		snprintf(err, errlen, "ttl: a duration (\"3600\", \"2h\", \"7d\")");
		return -EINVAL;
	}
	char id[SHARE_ID_MAX];
	int rc = share_publish(s, ip, reason, ttl, who->user, (int64_t)time(NULL), id, err, errlen);
	if (rc < 0)
		return rc;
	share_refresh(d->central);
	char msg[256];
	snprintf(msg, sizeof(msg), "%s shared a block of %s for %llds: %s", who->user, ip, ttl, reason);
	menjind_emit(d, LOG_NOTICE, "share.publish", msg, "prefix", ip, NULL, NULL);
	*result = json_pack("{s:s, s:s}", "id", id, "prefix", ip);
	return *result ? 0 : -ENOMEM;
}

int daemon_central_cmd_share_withdraw(struct menjind *d, const struct api_caller *who, json_t *args,
				      json_t **result, char *err, size_t errlen)
{
	struct share *s = need_share(d, err, errlen);
	if (s == NULL)
		return -ENOTSUP;
	const char *what = json_string_value(json_object_get(args, "ip"));
	if (what == NULL)
		what = json_string_value(json_object_get(args, "id"));
	if (what == NULL) {
		snprintf(err, errlen, "share.withdraw needs ip or id");
		return -EINVAL;
	}
	int rc = share_withdraw(s, what, (int64_t)time(NULL), err, errlen);
	if (rc < 0)
		return rc;
	share_refresh(d->central);
	char msg[256];
	snprintf(msg, sizeof(msg), "%s withdrew the shared block %s", who->user, what);
	menjind_emit(d, LOG_NOTICE, "share.withdraw", msg, "prefix", what, NULL, NULL);
	*result = json_pack("{s:s}", "withdrawn", what);
	return *result ? 0 : -ENOMEM;
}

int daemon_central_cmd_share_list(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
				  char *err, size_t errlen)
{
	(void)who;
	(void)args;
	struct share *s = need_share(d, err, errlen);
	if (s == NULL)
		return -ENOTSUP;
	json_t *list = json_array();
	if (list == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < share_count(s) && i < DAEMON_SHARE_LIST_MAX; i++) {
		const struct share_entry *e = share_get(s, i);
		char pfx[THREATFEED_PREFIX_STR];
		threatfeed_prefix_format(&e->prefix, pfx);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b}", "id", e->id, "prefix", pfx,
						      "reason", e->reason, "by", e->by, "created",
						      (json_int_t)e->created, "expires", (json_int_t)e->expires,
						      "revoked", e->revoked));
	}
	*result = list;
	return 0;
}

int daemon_central_cmd_sync(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			    char *err, size_t errlen)
{
	(void)who;
	(void)args;
	int rc = daemon_bundle_poll_now(d, err, errlen);
	if (rc < 0)
		return rc;
	*result = json_pack("{s:b}", "polling", 1);
	return *result ? 0 : -ENOMEM;
}

int daemon_central_cmd_feeds_poll(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
				  char *err, size_t errlen)
{
	(void)who;
	(void)args;
	if (d->central == NULL || d->central->feeds == NULL) {
		snprintf(err, errlen, "no threat feeds are configured");
		return -ENOTSUP;
	}
	int rc = feeds_poll_now(d->central->feeds);
	if (rc < 0) {
		snprintf(err, errlen, "poll: %s", strerror(-rc));
		return rc;
	}
	*result = json_pack("{s:b}", "polling", 1);
	return *result ? 0 : -ENOMEM;
}

int daemon_central_compose(struct menjind *d, const char *local_text, char **out, char *err, size_t errlen)
{
	const struct bundle *b = daemon_bundle_composing(d);
	char *file = NULL;
	int rc;

	*out = NULL;
	if (b == NULL)
		return 0;   /* no bundle: the local text as it is */
	if (local_text == NULL) {
		if ((rc = conf_read_file(d->conf_path, &file, NULL, err, errlen)) < 0)
			return rc;
		local_text = file;
	}
	rc = bundle_compose(local_text, d->conf_path, b, out, err, errlen);
	free(file);
	return rc;
}
