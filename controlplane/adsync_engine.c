/* adsync_engine.c — schedules AD syncs on menjind's event loop.
 *
 * One sync at a time runs on a worker thread (libldap calls block; the loop
 * must keep serving 802.1X and DHCP). The thread owns its struct ad_job and
 * nothing else: it reads the snapshot in force (immutable, kept alive by the
 * engine's reference until the job is collected), builds a new one, saves it
 * with its own SQLite connection, and writes one byte to a pipe. The loop
 * reads the byte, joins the thread, swaps the snapshot in and logs. Nothing
 * else is shared, so there are no locks; the cancel flag is atomic.
 */
#include "adsync.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adstore.h"
#include "adsync_ldap.h"
#include "log.h"

#define AD_STORE_PATH_MAX 256

struct worker {
	struct ad_job job;
	char     store_path[AD_STORE_PATH_MAX];
	bool     base_stored;               /* the base snapshot is what the store holds */
	int      store_rc;
	char     store_err[AD_ERR_MAX];
	int      done_fd;
	struct timespec started;
	double   seconds;
};

struct adsync {
	struct event_base *base;
	struct adsync_conf conf;
	char     store_path[AD_STORE_PATH_MAX];
	adsync_applied_cb cb;
	void    *cb_ctx;

	struct ad_snapshot *snap;           /* in force; NULL before any data */
	bool     stored;                    /* the store holds snap */
	unsigned uri_index;                 /* the DC in use, tried first */
	bool     full_requested;
	bool     again;                     /* a sync was asked for while one ran */

	struct event *timer;
	struct event *done_ev;
	int      pipe_fd[2];
	pthread_t thread;
	bool     running;
	struct worker *worker;
	atomic_bool cancel;

	struct adsync_status st;
};

static int64_t wall_now(void)
{
	return (int64_t)time(NULL);
}

static void schedule(struct adsync *a, int64_t delay)
{
	struct timeval tv = { .tv_sec = delay < 0 ? 0 : delay };
	a->st.next_attempt = wall_now() + tv.tv_sec;
	evtimer_add(a->timer, &tv);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct timespec end;
	ad_ldap_run(&w->job);
	if (w->job.rc == 0 && w->store_path[0]) {
		const struct ad_snapshot *s = w->job.snap;
		/* Rewriting unchanged objects is wasted work, but only when the
		 * store holds exactly the base: else the objects are rewritten. */
		bool meta_only = s->incremental && s->changes == 0 && w->base_stored;
		w->store_rc = adstore_save(w->store_path, s, meta_only, w->store_err, sizeof(w->store_err));
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	w->seconds = (double)(end.tv_sec - w->started.tv_sec) +
		     (double)(end.tv_nsec - w->started.tv_nsec) / 1e9;
	char byte = 1;
	while (write(w->done_fd, &byte, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void start_job(struct adsync *a)
{
	struct worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int rc;

	if (!w) {
		log_err("adsync", "out of memory starting a sync");
		schedule(a, AD_BACKOFF_MIN);
		return;
	}
	w->job.conf = a->conf;
	w->job.base = a->snap;
	w->job.first_uri = a->uri_index % (a->conf.nuris ? a->conf.nuris : 1);
	w->job.force_full = a->full_requested;
	w->job.now = wall_now();
	w->job.cancel = &a->cancel;
	w->done_fd = a->pipe_fd[1];
	snprintf(w->store_path, sizeof(w->store_path), "%s", a->store_path);
	w->base_stored = a->stored;
	clock_gettime(CLOCK_MONOTONIC, &w->started);
	a->full_requested = false;
	atomic_store(&a->cancel, false);

	/* Signals stay with the loop's thread: the worker starts with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&a->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_err("adsync", "cannot start the sync thread: %s", strerror(rc));
		free(w);
		schedule(a, AD_BACKOFF_MIN);
		return;
	}
	a->worker = w;
	a->running = true;
	a->st.running = true;
	a->st.last_attempt = w->job.now;
	log_debug("adsync", "sync started (DC %s first)", a->conf.uris[w->job.first_uri]);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct adsync *a = arg;
	(void)fd;
	(void)what;
	if (a->running) {
		a->again = true;
		return;
	}
	if (!a->conf.enabled)
		return;
	start_job(a);
}

static void count_status(struct adsync *a)
{
	const struct ad_snapshot *s = a->snap;
	a->st.computers = s ? s->ncomputers : 0;
	a->st.groups = s ? s->ngroups : 0;
	a->st.truncated = s ? s->truncated : 0;
	a->st.disabled = 0;
	for (unsigned i = 0; s && i < s->ncomputers; i++)
		a->st.disabled += ad_computer_disabled(&s->computers[i]);
	if (s) {
		snprintf(a->st.uri, sizeof(a->st.uri), "%s", s->source.uri);
		snprintf(a->st.dc, sizeof(a->st.dc), "%s", s->source.dc);
		a->st.usn = s->source.usn;
		a->st.last_success = s->synced;
		a->st.last_full = s->full_synced;
	}
}

static void apply(struct adsync *a, struct worker *w)
{
	struct ad_job *job = &w->job;
	struct ad_snapshot *s = job->snap;
	job->snap = NULL;

	ad_snapshot_unref(a->snap);
	a->snap = s;
	a->uri_index = job->uri_used;
	a->st.restored = false;
	a->st.failures = 0;
	a->st.last_error[0] = '\0';
	snprintf(a->st.last_kind, sizeof(a->st.last_kind), "%s",
		 s->incremental ? "incremental" : "full");
	snprintf(a->st.last_why, sizeof(a->st.last_why), "%s", job->why);
	a->st.last_seconds = w->seconds;
	a->st.last_changes = s->changes;
	a->st.last_rejected = job->rejected;
	count_status(a);

	if (job->failover[0])
		log_warn("adsync", "domain controllers passed over: %s", job->failover);
	for (unsigned i = 0; i < job->nreject_msgs; i++)
		log_warn("adsync", "entry refused: %s", job->reject[i]);
	if (job->rejected > job->nreject_msgs)
		log_warn("adsync", "%u more entries refused", job->rejected - job->nreject_msgs);
	a->stored = a->store_path[0] && w->store_rc == 0;
	if (w->store_rc < 0) {
		snprintf(a->st.store_error, sizeof(a->st.store_error), "%s", w->store_err);
		log_warn("adsync", "snapshot not saved: %s", w->store_err);
	} else {
		a->st.store_error[0] = '\0';
	}
	/* A quiet poll is worth a debug line only. */
	if (s->incremental && s->changes == 0)
		log_debug("adsync", "incremental sync from %s: no changes after USN %" PRIu64, s->source.uri,
			  s->source.usn);
	else
		log_info("adsync", "%s sync from %s: %u computers, %u groups, %u changes, %u entries read "
			 "in %.2f s (%s)", a->st.last_kind, s->source.uri, s->ncomputers, s->ngroups,
			 s->changes, job->entries, w->seconds, job->why);
	if (s->truncated)
		log_warn("adsync", "%u computers are in more than %d groups; the rest is not used", s->truncated,
			 AD_MAX_GROUPS_PER_COMPUTER);
	if (a->cb)
		a->cb(a->cb_ctx, a->snap);
}

static void fail(struct adsync *a, struct worker *w)
{
	struct ad_job *job = &w->job;
	a->st.failures++;
	a->st.last_error_time = wall_now();
	snprintf(a->st.last_error, sizeof(a->st.last_error), "%s", job->err[0] ? job->err : strerror(-job->rc));
	int64_t delay = ad_backoff(a->st.failures, a->conf.max_backoff);
	if (a->snap) {
		char when[32];
		struct tm tm;
		time_t t = (time_t)a->snap->synced;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
		log_warn("adsync", "sync failed (%u in a row, retry in %" PRId64 " s): %s; the data read %s "
			 "stays in force", a->st.failures, delay, a->st.last_error, when);
	} else {
		log_warn("adsync", "sync failed (%u in a row, retry in %" PRId64 " s): %s; no AD data yet",
			 a->st.failures, delay, a->st.last_error);
	}
	schedule(a, delay);
}

/* Collect a finished job. */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct adsync *a = arg;
	char buf[16];
	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (!a->running)
		return;
	pthread_join(a->thread, NULL);
	a->running = false;
	a->st.running = false;
	struct worker *w = a->worker;
	a->worker = NULL;

	if (w->job.rc == 0) {
		apply(a, w);
		schedule(a, a->again || a->full_requested ? 0 : a->conf.poll_interval);
	} else if (w->job.rc == -ECANCELED) {
		log_debug("adsync", "sync cancelled");
	} else {
		fail(a, w);
		if (a->again || a->full_requested)
			schedule(a, 0);
	}
	a->again = false;
	if (w->job.snap)
		ad_snapshot_unref(w->job.snap);
	free(w);
}

int adsync_new(struct event_base *base, const struct adsync_conf *conf, const char *store_path,
	       adsync_applied_cb cb, void *ctx, struct adsync **out)
{
	char err[AD_ERR_MAX];
	*out = NULL;
	if (adsync_conf_check(conf, err, sizeof(err)) < 0) {
		log_err("adsync", "%s", err);
		return -EINVAL;
	}
	if (store_path && strlen(store_path) >= AD_STORE_PATH_MAX)
		return -ENAMETOOLONG;
	struct adsync *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->base = base;
	a->conf = *conf;
	a->cb = cb;
	a->cb_ctx = ctx;
	a->pipe_fd[0] = a->pipe_fd[1] = -1;
	snprintf(a->store_path, sizeof(a->store_path), "%s", store_path ? store_path : "");
	atomic_init(&a->cancel, false);
	a->st.enabled = conf->enabled;
	if (pipe2(a->pipe_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		int e = errno;
		free(a);
		return -e;
	}
	a->timer = evtimer_new(base, on_timer, a);
	a->done_ev = event_new(base, a->pipe_fd[0], EV_READ | EV_PERSIST, on_done, a);
	if (!a->timer || !a->done_ev || event_add(a->done_ev, NULL) < 0) {
		adsync_free(a);
		return -ENOMEM;
	}
	*out = a;
	return 0;
}

int adsync_start(struct adsync *a)
{
	if (a->store_path[0]) {
		char err[AD_ERR_MAX];
		struct ad_snapshot *s = NULL;
		int rc = adstore_load(a->store_path, &s, err, sizeof(err));
		if (rc == 0) {
			a->snap = s;
			a->stored = true;
			a->st.restored = true;
			count_status(a);
			log_info("adsync", "restored %u computers and %u groups read from %s", s->ncomputers,
				 s->ngroups, s->source.uri);
			if (a->cb)
				a->cb(a->cb_ctx, a->snap);
		} else if (rc != -ENOENT) {
			snprintf(a->st.store_error, sizeof(a->st.store_error), "%s", err);
			log_warn("adsync", "no snapshot restored: %s", err);
		}
	}
	if (a->conf.enabled)
		schedule(a, 0);
	return 0;
}

int adsync_sync_now(struct adsync *a, bool full)
{
	if (!a->conf.enabled)
		return -ENOTCONN;
	a->full_requested |= full;
	if (a->running) {
		a->again = true;
		return 0;
	}
	schedule(a, 0);
	return 0;
}

int adsync_reconfigure(struct adsync *a, const struct adsync_conf *conf)
{
	char err[AD_ERR_MAX];
	if (adsync_conf_check(conf, err, sizeof(err)) < 0) {
		log_err("adsync", "%s", err);
		return -EINVAL;
	}
	bool dcs_changed = conf->nuris != a->conf.nuris ||
			   memcmp(conf->uris, a->conf.uris, sizeof(conf->uris)) != 0;
	bool was_enabled = a->conf.enabled;
	/* A running job keeps its own copy; this one applies from the next. */
	a->conf = *conf;
	a->st.enabled = conf->enabled;
	if (dcs_changed)
		a->uri_index = 0;
	if (!conf->enabled) {
		evtimer_del(a->timer);
		a->st.next_attempt = 0;
	} else if (!was_enabled || dcs_changed) {
		adsync_sync_now(a, false);
	}
	return 0;
}

void adsync_free(struct adsync *a)
{
	if (!a)
		return;
	if (a->running) {
		atomic_store(&a->cancel, true);
		pthread_join(a->thread, NULL);
		if (a->worker && a->worker->job.snap)
			ad_snapshot_unref(a->worker->job.snap);
		free(a->worker);
	}
	if (a->timer)
		event_free(a->timer);
	if (a->done_ev)
		event_free(a->done_ev);
	if (a->pipe_fd[0] >= 0)
		close(a->pipe_fd[0]);
	if (a->pipe_fd[1] >= 0)
		close(a->pipe_fd[1]);
	ad_snapshot_unref(a->snap);
	free(a);
}

struct ad_snapshot *adsync_snapshot(const struct adsync *a)
{
	return a ? a->snap : NULL;
}

void adsync_get_status(const struct adsync *a, struct adsync_status *st)
{
	*st = a->st;
}

struct json_t *adsync_status_json(const struct adsync_status *st, int64_t now)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "enabled", json_boolean(st->enabled));
	json_object_set_new(o, "running", json_boolean(st->running));
	json_object_set_new(o, "restored", json_boolean(st->restored));
	json_object_set_new(o, "ok", json_boolean(st->last_success > 0 && st->failures == 0));
	json_object_set_new(o, "last_success", json_integer(st->last_success));
	json_object_set_new(o, "age", st->last_success ? json_integer(now - st->last_success) : json_null());
	json_object_set_new(o, "last_full", json_integer(st->last_full));
	json_object_set_new(o, "last_attempt", json_integer(st->last_attempt));
	json_object_set_new(o, "next_attempt", json_integer(st->next_attempt));
	json_object_set_new(o, "failures", json_integer(st->failures));
	json_object_set_new(o, "last_error", json_string(st->last_error));
	json_object_set_new(o, "last_error_time", json_integer(st->last_error_time));
	json_object_set_new(o, "store_error", json_string(st->store_error));
	json_object_set_new(o, "uri", json_string(st->uri));
	json_object_set_new(o, "dc", json_string(st->dc));
	json_object_set_new(o, "usn", json_integer((json_int_t)st->usn));
	json_object_set_new(o, "last_kind", json_string(st->last_kind));
	json_object_set_new(o, "last_why", json_string(st->last_why));
	json_object_set_new(o, "last_seconds", json_real(st->last_seconds));
	json_object_set_new(o, "last_changes", json_integer(st->last_changes));
	json_object_set_new(o, "last_rejected", json_integer(st->last_rejected));
	json_object_set_new(o, "computers", json_integer(st->computers));
	json_object_set_new(o, "groups", json_integer(st->groups));
	json_object_set_new(o, "disabled", json_integer(st->disabled));
	json_object_set_new(o, "truncated", json_integer(st->truncated));
	return o;
}
