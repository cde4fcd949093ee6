/* daemon_bundle.c — the central policy bundle in menjind (see daemon_bundle.h). */
#include "daemon_bundle.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "bundle.h"
#include "central.h"
#include "central_conf.h"
#include "daemon.h"
#include "daemon_central.h"
#include "devices.h"
#include "events.h"
#include "fetch.h"
#include "log.h"
#include "mac.h"
#include "posture_conf.h"
#include "store.h"
#include "threatfeed.h"

#define BUNDLE_OVERRIDE_USER  "central"   /* overrides made from a bundle's devices */

struct daemon_bundle {
	struct menjind      *d;
	struct fetch_engine *fe;
	struct central      *central;        /* NULL: central {} is off */
	struct central_conf  conf;           /* as started, to see a change on reload */
	/* The bundle the configuration composes: the applied one, or the
	 * candidate while menjind_reload() validates it. Owned by central. */
	const struct bundle *composing;
	bool                 opening;        /* daemon_bundle_open(): compose only */
	struct event        *restart_ev;     /* central {} changed: restart after the reload */
	int64_t              refusal_seen;   /* last refusal reported as an event: when, */
	char                 refusal_text[BUNDLE_ERR_MAX];   /* and what */
	/* the last apply's devices */
	unsigned             ov_set, ov_kept, ov_admin, ov_failed, ov_cleared;
};

const struct bundle *daemon_bundle_composing(const struct menjind *d)
{
	return d->bundle ? d->bundle->composing : NULL;
}

/* ---- devices -> overrides ------------------------------------------------ */

static int cmp_mac(const void *a, const void *b)
{
	return memcmp(a, b, 6);
}

/* The MACs of b, sorted (bsearch), or NULL (none, or no memory: *n 0). */
static uint8_t (*sorted_macs(const struct bundle *b, size_t *n))[6]
{
	*n = 0;
	if (b == NULL || b->ndevices == 0)
		return NULL;
	uint8_t (*v)[6] = calloc(b->ndevices, 6);
	if (v == NULL)
		return NULL;
	for (unsigned i = 0; i < b->ndevices; i++)
		memcpy(v[i], b->devices[i].mac, 6);
	qsort(v, b->ndevices, 6, cmp_mac);
	*n = b->ndevices;
	return v;
}

static void clear_central(struct daemon_bundle *bd, const uint8_t mac[6])
{
	struct store_override o;
	char e[256];
	if (store_override_get(bd->d->store, mac, &o) < 0 || strcmp(o.user, BUNDLE_OVERRIDE_USER) != 0)
		return;   /* gone, or an administrator's since */
	if (devices_override_clear(bd->d->devices, mac, 0, BUNDLE_OVERRIDE_USER, e, sizeof(e)) == 0)
		bd->ov_cleared++;
}

static void ensure_override(struct daemon_bundle *bd, const struct bundle *b, const struct bundle_device *dev,
			    int64_t now)
{
	struct menjind *d = bd->d;
	struct store_override o;
	char reason[POLICY_REASON_MAX], mac[MAC_STR_LEN], e[256];

	int rc = store_override_get(d->store, dev->mac, &o);
	if (rc == 0 && strcmp(o.user, BUNDLE_OVERRIDE_USER) != 0) {
		bd->ov_admin++;   /* an administrator decided here: that stands */
		return;
	}
	if (dev->expires && dev->expires <= now) {
		if (rc == 0)
			clear_central(bd, dev->mac);
		return;
	}
	const char *role = dev->state == VERDICT_ADMIT ? dev->role : "";
	snprintf(reason, sizeof(reason), "central bundle v%" PRIu64 "%s%.200s", b->version, dev->comment[0] ? ": " : "",
		 dev->comment);
	if (rc == 0 && o.state == dev->state && strcmp(o.role, role) == 0 && strcmp(o.reason, reason) == 0 &&
	    o.expires == dev->expires) {
		bd->ov_kept++;   /* unchanged: no event, no decision */
		return;
	}
	struct override_req req = {
		.state = dev->state,
		.role = dev->state == VERDICT_ADMIT ? dev->role : NULL,
		.duration = dev->expires ? dev->expires - now : 0,
		.reason = reason,
		.uid = 0,
		.user = BUNDLE_OVERRIDE_USER,
	};
	memcpy(req.mac, dev->mac, 6);
	if (devices_override_set(d->devices, &req, e, sizeof(e)) < 0) {
		mac_format(dev->mac, mac);
		log_warn("central", "bundle v%" PRIu64 ": device %s not applied: %s", b->version, mac, e);
		bd->ov_failed++;
		return;
	}
	bd->ov_set++;
}

/* Overrides made from an earlier bundle that b no longer lists go (found
 * in the store, so also those of a bundle applied just before menjind
 * died); b's are set (b NULL: dropped). */
static void sync_devices(struct daemon_bundle *bd, const struct bundle *b)
{
	size_t n, nold = 0;
	uint8_t (*macs)[6] = sorted_macs(b, &n);
	uint8_t (*old)[6] = NULL;
	int64_t now = (int64_t)time(NULL);

	bd->ov_set = bd->ov_kept = bd->ov_admin = bd->ov_failed = bd->ov_cleared = 0;
	if (bd->d->devices == NULL)
		goto out;
	if (store_override_macs_by_user(bd->d->store, BUNDLE_OVERRIDE_USER, &old, &nold) < 0)
		log_warn("central", "overrides of earlier bundles could not be read; they stay until the next apply");
	for (size_t i = 0; i < nold; i++)
		if (macs == NULL || bsearch(old[i], macs, n, 6, cmp_mac) == NULL)
			clear_central(bd, old[i]);
	for (unsigned i = 0; b && i < b->ndevices; i++)
		ensure_override(bd, b, &b->devices[i], now);
	if (b && b->ndevices)
		log_info("central", "bundle v%" PRIu64 " devices: %u overrides set, %u unchanged, %u left to an "
			 "administrator's override, %u failed, %u cleared", b->version, bd->ov_set, bd->ov_kept,
			 bd->ov_admin, bd->ov_failed, bd->ov_cleared);
out:
	free(old);
	free(macs);
}

/* ---- apply ------------------------------------------------------------------ */

static void after_apply(struct daemon_bundle *bd, const struct bundle *b)
{
	sync_devices(bd, b);
	daemon_central_bundle_changed(bd->d);   /* the blocklist as a static feed */
}

/* Validate and apply the configuration composed with bd->composing;
 * baselines: the GCB baselines of the old or the new bundle may differ. */
static int reload_with(struct daemon_bundle *bd, const char *who, bool baselines, char *err, size_t errlen)
{
	struct reload_result res;
	int rc = menjind_reload(bd->d, who, &res, err, errlen);
	if (rc == 0 && baselines && !res.rules_changed && bd->d->conf->posture && bd->d->conf->posture->enabled) {
		/* Baselines are not in the rules digest: decide again for them. */
		unsigned changed;
		devices_reevaluate_all(bd->d->devices, who, &changed);
	}
	return rc;
}

static int apply_bundle(void *ctx, const struct bundle *b, bool from_disk, char *err, size_t errlen)
{
	struct daemon_bundle *bd = ctx;
	struct menjind *d = bd->d;
	const struct bundle *prev = bd->composing;
	char who[64], summary[256];
	int rc;

	bd->composing = b;
	if (bd->opening) {
		/* Start: only see that it composes; menjind_start() loads it. */
		char *text = NULL;
		rc = daemon_central_compose(d, d->local_text, &text, err, errlen);
		free(text);
		if (rc < 0)
			bd->composing = prev;
		return rc;
	}
	snprintf(who, sizeof(who), "central bundle v%" PRIu64 "%s", b->version, from_disk ? " (saved copy)" : "");
	if ((rc = reload_with(bd, who, b->nbaselines || (prev && prev->nbaselines), err, errlen)) < 0) {
		bd->composing = prev;   /* the last good stays in force */
		return rc;
	}
	after_apply(bd, b);
	bundle_summary(b, summary, sizeof(summary));
	char version[24], msg[384];
	snprintf(version, sizeof(version), "%" PRIu64, b->version);
	snprintf(msg, sizeof(msg), "central bundle applied: %s", summary);
	menjind_emit(d, LOG_NOTICE, "central.applied", msg, "version", version, "sha256", b->sha256);
	return 0;
}

/* After every poll: a refusal (of any check) becomes an event once. */
static void poll_done(void *ctx, enum fetch_outcome o, const char *msg)
{
	struct daemon_bundle *bd = ctx;
	struct central_status st;
	(void)o;
	(void)msg;
	if (bd->central == NULL)
		return;
	central_status(bd->central, &st);
	if (st.last_refusal[0] &&
	    (st.last_refusal_at != bd->refusal_seen || strcmp(st.last_refusal, bd->refusal_text) != 0)) {
		bd->refusal_seen = st.last_refusal_at;
		snprintf(bd->refusal_text, sizeof(bd->refusal_text), "%s", st.last_refusal);
		char running[24], text[BUNDLE_ERR_MAX + 64];
		snprintf(running, sizeof(running), "%" PRIu64, st.running ? st.version : 0);
		snprintf(text, sizeof(text), "central bundle refused: %s", st.last_refusal);
		menjind_emit(bd->d, LOG_WARNING, "central.refused", text, "error", st.last_refusal, "running", running);
	}
}

/* ---- lifecycle ---------------------------------------------------------------- */

static int sync_start(struct daemon_bundle *bd, char *err, size_t errlen)
{
	const struct central_settings *cs = bd->d->conf->central;
	char e[256];

	memset(&bd->conf, 0, sizeof(bd->conf));
	if (cs == NULL || !cs->central_enabled)
		return 0;
	bd->conf = cs->central;
	if (bd->fe == NULL && (bd->fe = fetch_engine_new(bd->d->base)) == NULL) {
		snprintf(err, errlen, "central: out of memory");
		return -ENOMEM;
	}
	bd->central = central_new(bd->fe, &cs->central, apply_bundle, bd, e, sizeof(e));
	if (bd->central == NULL) {
		snprintf(err, errlen, "%s", e);
		return -EINVAL;
	}
	central_set_done(bd->central, poll_done, bd);
	log_info("central", "central sync from %s, every %d s", bd->conf.url, bd->conf.poll_interval);
	/* Applying the saved bundle reloads: d->conf (and cs) may be replaced. */
	int rc = central_start(bd->central);
	if (rc < 0) {
		snprintf(err, errlen, "central: cannot start: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* central {} changed or went: a new sync verifies the saved bundle again
 * (its apply recomposes); without one the local roles and policy return. */
static void restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_bundle *bd = arg;
	struct menjind *d = bd->d;
	struct central *old = bd->central;
	const struct bundle *prev = bd->composing;
	char err[CONF_ERR_MAX];
	(void)fd;
	(void)what;

	bd->central = NULL;
	if (sync_start(bd, err, sizeof(err)) < 0) {
		log_err("central", "central sync not running after the reload: %s", err);
		menjind_emit(d, LOG_ERR, "central.reload", "central sync failed to restart", "error", err, NULL, NULL);
		central_free(bd->central);
		bd->central = NULL;
	}
	if (prev && bd->composing == prev) {
		/* No bundle from the new sync: drop it (prev stays valid until
		 * old is freed below). */
		bd->composing = NULL;
		if (reload_with(bd, "central bundle dropped", prev->nbaselines > 0, err, sizeof(err)) < 0)
			log_err("central", "the local configuration is refused after dropping the bundle: %s", err);
		after_apply(bd, NULL);
		menjind_emit(d, LOG_NOTICE, "central.dropped", "central bundle dropped: the local roles and policy apply",
			     NULL, NULL, NULL, NULL);
	}
	central_free(old);
}

int daemon_bundle_open(struct menjind *d, char *err, size_t errlen)
{
	struct daemon_bundle *bd = calloc(1, sizeof(*bd));
	if (bd == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	bd->d = d;
	d->bundle = bd;
	bd->restart_ev = evtimer_new(d->base, restart_cb, bd);
	if (bd->restart_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	bd->opening = true;
	int rc = sync_start(bd, err, errlen);
	bd->opening = false;
	if (rc < 0)
		return rc;
	return bd->composing ? 1 : 0;
}

void daemon_bundle_start(struct menjind *d)
{
	struct daemon_bundle *bd = d->bundle;
	if (bd && bd->composing)
		sync_devices(bd, bd->composing);
}

void daemon_bundle_reload(struct menjind *d, const struct conf *old)
{
	struct daemon_bundle *bd = d->bundle;
	const struct central_settings *cs = d->conf->central;
	(void)old;
	if (bd == NULL)
		return;
	bool enabled = cs && cs->central_enabled;
	struct central_conf now;
	memset(&now, 0, sizeof(now));
	if (enabled)
		now = cs->central;
	if ((bd->central != NULL) == enabled && memcmp(&now, &bd->conf, sizeof(now)) == 0)
		return;
	/* Not from here: this may run inside central's own apply callback. */
	struct timeval tv = { 0, 0 };
	evtimer_add(bd->restart_ev, &tv);
}

void daemon_bundle_stop(struct menjind *d)
{
	struct daemon_bundle *bd = d->bundle;
	if (bd == NULL)
		return;
	if (bd->restart_ev)
		event_free(bd->restart_ev);
	central_free(bd->central);
	fetch_engine_free(bd->fe);
	free(bd);
	d->bundle = NULL;
}

int daemon_bundle_poll_now(struct menjind *d, char *err, size_t errlen)
{
	if (d->bundle == NULL || d->bundle->central == NULL) {
		snprintf(err, errlen, "central sync is not configured (central {} in the configuration)");
		return -ENOTSUP;
	}
	int rc = central_poll_now(d->bundle->central);
	if (rc < 0)
		snprintf(err, errlen, "poll: %s", strerror(-rc));
	return rc;
}

/* ---- status --------------------------------------------------------------------- */

bool daemon_bundle_central_status(const struct menjind *d, struct central_status *st)
{
	if (d->bundle == NULL || d->bundle->central == NULL)
		return false;
	central_status(d->bundle->central, st);
	return true;
}

json_t *daemon_bundle_status_json(const struct menjind *d)
{
	const struct daemon_bundle *bd = d->bundle;
	if (bd == NULL || bd->central == NULL)
		return json_null();
	struct central_status st;
	central_status(bd->central, &st);
	const struct bundle *b = central_current(bd->central);
	const struct fetch_status *fs = &st.fetch;
	json_t *fetch = json_pack("{s:s, s:I, s:I, s:I, s:s, s:i, s:s, s:s, s:I, s:i}", "url", fs->url,
				  "last_attempt", (json_int_t)fs->last_attempt, "last_success",
				  (json_int_t)fs->last_success, "last_change", (json_int_t)fs->last_change, "outcome",
				  fetch_outcome_name(fs->last_outcome), "http_code", (int)fs->http_code, "etag",
				  fs->etag, "last_error", fs->last_error, "bytes", (json_int_t)fs->bytes, "failures",
				  (int)fs->failures);
	json_t *counts = b ? json_pack("{s:i, s:i, s:i, s:i, s:I}", "roles", (int)b->nroles, "policy",
				       (int)b->npolicy, "devices", (int)b->ndevices, "baselines",
				       (int)b->nbaselines, "blocklist",
				       (json_int_t)(b->blocklist ? b->blocklist->nprefixes : 0))
			   : json_null();
	json_t *ov = json_pack("{s:i, s:i, s:i, s:i, s:i}", "set", (int)bd->ov_set, "unchanged", (int)bd->ov_kept,
			       "admin", (int)bd->ov_admin, "failed", (int)bd->ov_failed, "cleared",
			       (int)bd->ov_cleared);
	return json_pack("{s:b, s:I, s:s, s:s, s:s, s:I, s:I, s:b, s:I, s:b, s:I, s:s, s:I, s:o*, s:o*, s:o*}",
			 "running", st.running, "version", (json_int_t)st.version, "key_id", st.key_id, "sha256",
			 st.sha256, "issuer", b ? b->issuer : "", "created", (json_int_t)st.created, "expires",
			 (json_int_t)st.expires, "expired", st.expired, "applied_at", (json_int_t)st.applied_at,
			 "from_disk", st.from_disk, "high_water", (json_int_t)st.high_water, "last_refusal",
			 st.last_refusal, "last_refusal_at", (json_int_t)st.last_refusal_at, "counts", counts,
			 "overrides", ov, "fetch", fetch);
}
