/* feeds.c — threat feeds polled, parsed and merged for the fast path. */
#include "feeds.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct feed {
	struct feeds *owner;
	struct feed_conf conf;
	struct fetch *fetch;
	struct tf_list *list;     /* in force, or NULL */
	char body_sha[65];
};

struct static_list {
	char name[THREATFEED_NAME_MAX];
	struct tf_list *list;
};

struct feeds {
	struct feeds_conf conf;
	feeds_apply_fn apply;
	void *ctx;
	fetch_done_fn done;
	void *done_ctx;
	unsigned nfeeds;
	struct feed feeds[FEEDS_MAX];
	struct static_list statics[FEEDS_MAX_STATIC];
	struct tf_merged *merged;
	struct event *merge_ev;   /* delayed merge, and the next expiry */
};

static void schedule_merge(struct feeds *f, int delay_ms)
{
	struct timeval tv = { .tv_sec = delay_ms / 1000, .tv_usec = (delay_ms % 1000) * 1000 };
	evtimer_add(f->merge_ev, &tv);
}

static int merge_now(struct feeds *f)
{
	struct tf_list *lists[FEEDS_MAX + FEEDS_MAX_STATIC];
	struct tf_merged *m;
	char err[THREATFEED_ERR_MAX];
	unsigned n = 0;
	int64_t now = (int64_t)time(NULL);

	for (unsigned i = 0; i < f->nfeeds; i++)
		lists[n++] = f->feeds[i].list;
	for (unsigned i = 0; i < FEEDS_MAX_STATIC; i++)
		lists[n++] = f->statics[i].list;
	int rc = threatfeed_merge(lists, n, now, f->conf.max_prefixes, &m, err, sizeof(err));
	if (rc < 0) {
		log_err("feeds", "merge refused: %s; the blocklist in force stays", err);
		return rc;
	}
	if (m->next_expiry > now) {
		int64_t in = m->next_expiry - now;
		struct timeval tv = { .tv_sec = in > 86400 ? 86400 : (time_t)in };   /* re-checked daily at least */
		evtimer_add(f->merge_ev, &tv);
	}
	log_info("feeds", "merged %zu prefixes (%zu duplicates, %zu expired)", m->n, m->duplicates, m->expired);
	rc = f->apply(f->ctx, m);
	if (rc < 0)
		log_warn("feeds", "menjind did not take the merged blocklist: %s", strerror(-rc));
	/* Kept even when apply failed: feeds_reapply() offers it again. */
	threatfeed_merged_free(f->merged);
	f->merged = m;
	return rc;
}

static void on_merge_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	merge_now(arg);
}

static int accept_feed(void *arg, const uint8_t *body, size_t len, bool from_disk, char *err, size_t errlen)
{
	struct feed *fd = arg;
	struct feeds *f = fd->owner;
	struct tf_list *l;
	char sha[65], summary[512];
	const uint8_t *payload = body;
	size_t plen = len;
	int rc;

	fetch_sha256_hex(body, len, sha);
	if (fd->list && strcmp(sha, fd->body_sha) == 0)
		return 1;
	if (fd->conf.keys.nkeys > 0) {
		struct bundle_envelope env;
		const char *type = fd->conf.format == THREATFEED_STIX ? BUNDLE_TYPE_STIX : BUNDLE_TYPE_LIST;
		rc = bundle_envelope_open(body, len, fd->conf.max_size, type, &fd->conf.keys, &env, err, errlen);
		if (rc < 0)
			return rc;
		payload = env.payload;
		plen = env.payload_len;
	}
	rc = threatfeed_parse(fd->conf.format, fd->conf.name, payload, plen, (int64_t)time(NULL), &l, err, errlen);
	if (rc < 0)
		return rc;
	threatfeed_list_summary(l, summary, sizeof(summary));
	log_info("feeds", "%s: %s%s", fd->conf.name, summary, from_disk ? " (saved copy)" : "");
	threatfeed_list_unref(fd->list);
	fd->list = l;
	memcpy(fd->body_sha, sha, sizeof(sha));
	schedule_merge(f, FEEDS_MERGE_DELAY_MS);
	return 0;
}

static void on_poll_done(void *arg, enum fetch_outcome o, const char *msg)
{
	struct feed *fd = arg;
	if (fd->owner->done)
		fd->owner->done(fd->owner->done_ctx, o, msg);
}

static bool name_valid(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
		      s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return false;
	return n > 0 && n < THREATFEED_NAME_MAX;
}

struct feeds *feeds_new(struct fetch_engine *e, const struct feeds_conf *c, feeds_apply_fn apply, void *ctx,
			char *err, size_t errlen)
{
	if (c->nfeeds > FEEDS_MAX) {
		snprintf(err, errlen, "feeds: %u feeds, at most %d", c->nfeeds, FEEDS_MAX);
		return NULL;
	}
	struct feeds *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->conf = *c;
	f->apply = apply;
	f->ctx = ctx;
	f->merge_ev = evtimer_new(fetch_engine_base(e), on_merge_timer, f);
	if (f->merge_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		free(f);
		return NULL;
	}
	for (unsigned i = 0; i < c->nfeeds; i++) {
		const struct feed_conf *fc = &c->feeds[i];
		struct feed *fd = &f->feeds[i];
		if (!name_valid(fc->name)) {
			snprintf(err, errlen, "feeds: name '%s' is not 1..63 of A-Z a-z 0-9 . _ -", fc->name);
			goto fail;
		}
		for (unsigned k = 0; k < i; k++)
			if (strcmp(c->feeds[k].name, fc->name) == 0) {
				snprintf(err, errlen, "feeds: name '%s' used twice", fc->name);
				goto fail;
			}
		fd->owner = f;
		fd->conf = *fc;
		if (fd->conf.max_size == 0)
			fd->conf.max_size = FEEDS_DEFAULT_MAX_SIZE;
		struct fetch_conf fcc = {
			.tls = fc->tls,
			.max_size = fd->conf.max_size,
			.interval = fc->poll_interval ? fc->poll_interval : FEEDS_DEFAULT_INTERVAL,
			.timeout = fc->timeout,
		};
		snprintf(fcc.name, sizeof(fcc.name), "feed %s", fc->name);
		snprintf(fcc.url, sizeof(fcc.url), "%s", fc->url);
		if (c->state_dir[0])
			snprintf(fcc.state_path, sizeof(fcc.state_path), "%s/feed-%s", c->state_dir, fc->name);
		fd->fetch = fetch_new(e, &fcc, accept_feed, on_poll_done, fd, err, errlen);
		if (fd->fetch == NULL)
			goto fail;
		f->nfeeds++;
	}
	return f;
fail:
	feeds_free(f);
	return NULL;
}

int feeds_start(struct feeds *f)
{
	for (unsigned i = 0; i < f->nfeeds; i++)
		fetch_load_last_good(f->feeds[i].fetch);
	/* The saved lists go to the fast path before the first poll. */
	evtimer_del(f->merge_ev);
	merge_now(f);
	for (unsigned i = 0; i < f->nfeeds; i++)
		fetch_start(f->feeds[i].fetch);
	return 0;
}

int feeds_set_static(struct feeds *f, const char *name, struct tf_list *l)
{
	struct static_list *slot = NULL;
	for (unsigned i = 0; i < FEEDS_MAX_STATIC && slot == NULL; i++)
		if (strcmp(f->statics[i].name, name) == 0)
			slot = &f->statics[i];
	for (unsigned i = 0; i < FEEDS_MAX_STATIC && slot == NULL; i++)
		if (f->statics[i].name[0] == '\0')
			slot = &f->statics[i];
	if (slot == NULL)
		return -E2BIG;
	snprintf(slot->name, sizeof(slot->name), "%s", name);
	threatfeed_list_unref(slot->list);
	slot->list = threatfeed_list_ref(l);
	if (l == NULL)
		slot->name[0] = '\0';
	schedule_merge(f, FEEDS_MERGE_DELAY_MS);
	return 0;
}

int feeds_poll_now(struct feeds *f)
{
	int rc = 0;
	for (unsigned i = 0; i < f->nfeeds; i++) {
		int r = fetch_poll_now(f->feeds[i].fetch);
		if (r < 0 && rc == 0)
			rc = r;
	}
	return rc;
}

int feeds_reapply(struct feeds *f)
{
	return f->merged ? f->apply(f->ctx, f->merged) : -ENOENT;
}

const struct tf_merged *feeds_current(const struct feeds *f)
{
	return f->merged;
}

unsigned feeds_count(const struct feeds *f)
{
	return f->nfeeds;
}

int feeds_status(const struct feeds *f, unsigned i, struct feed_status *st)
{
	if (i >= f->nfeeds)
		return -ENOENT;
	const struct feed *fd = &f->feeds[i];
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", fd->conf.name);
	if (fd->list) {
		st->prefixes = fd->list->nprefixes;
		st->stats = fd->list->stats;
		threatfeed_list_summary(fd->list, st->summary, sizeof(st->summary));
	}
	fetch_status_get(fd->fetch, &st->fetch);
	return 0;
}

void feeds_set_done(struct feeds *f, fetch_done_fn done, void *ctx)
{
	f->done = done;
	f->done_ctx = ctx;
}

void feeds_free(struct feeds *f)
{
	if (f == NULL)
		return;
	for (unsigned i = 0; i < FEEDS_MAX; i++) {
		fetch_free(f->feeds[i].fetch);
		threatfeed_list_unref(f->feeds[i].list);
	}
	for (unsigned i = 0; i < FEEDS_MAX_STATIC; i++)
		threatfeed_list_unref(f->statics[i].list);
	threatfeed_merged_free(f->merged);
	if (f->merge_ev)
		event_free(f->merge_ev);
	free(f);
}
