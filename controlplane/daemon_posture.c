/* daemon_posture.c — GCB posture in menjind (see daemon_posture.h). */
#include "daemon_posture.h"

#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "apicmd.h"
#include "daemon.h"
#include "devices.h"
#include "events.h"
#include "log.h"
#include "mac.h"
#include "posture.h"
#include "posture_conf.h"
#include "posture_fetch.h"
#include "posture_spool.h"
#include "rfc3339.h"
#include "store.h"

struct daemon_posture {
	struct menjind       *d;
	struct posture_db    *db;
	struct posture_spool *spool;
	struct posture_fetch *fetch[POSTURE_CONF_MAX_FETCH];
	unsigned              nfetch;
	struct event         *reeval_ev;     /* one re-decision per burst of files */
	struct event         *override_ev;   /* at the earliest end of a posture override */
	uint64_t              decided_gen;   /* database generation the devices were decided with */
	int64_t               last_file;     /* unix seconds of the last applied file */
	unsigned              files_applied, files_rejected;
};

/* The daemon's glue is found through the menjind struct; one per process. */
static struct daemon_posture *glue_of(struct menjind *d)
{
	return d->posture;
}

static void emit_mac(struct menjind *d, int severity, const char *kind, const char *mac, const char *msg,
		     const char *k1, const char *v1)
{
	struct event ev = { .severity = severity, .kind = kind, .mac = mac, .msg = msg };
	if (k1)
		event_param(&ev, k1, v1);
	if (events_emit(d->events, &ev) < 0)
		log_warn("posture", "event %s not recorded", kind);
}

static void override_timer_cb(evutil_socket_t fd, short what, void *arg);
static void override_arm(struct daemon_posture *g);

/* ---- the facts of a device ---------------------------------------------- */

/* The stored override of a device as posture.c wants it; false when none
 * (or the store cannot say: the scans alone decide then). */
static bool override_of(struct daemon_posture *g, const uint8_t mac[6], struct posture_override *po)
{
	struct store_posture_override so;
	int rc = store_posture_override_get(g->d->store, mac, &so);
	if (rc < 0) {
		if (rc != -ENOENT)
			log_warn("posture", "posture override not read: %s", strerror(-rc));
		return false;
	}
	memset(po, 0, sizeof(*po));
	po->active = true;
	po->force = so.force;
	po->status = so.status;
	po->expires = so.expires;
	snprintf(po->user, sizeof(po->user), "%s", so.user);
	snprintf(po->reason, sizeof(po->reason), "%s", so.reason);
	char *save = NULL;
	for (char *item = strtok_r(so.waived, "\n", &save); item && po->nwaived < POSTURE_MAX_WAIVED;
	     item = strtok_r(NULL, "\n", &save))
		snprintf(po->waived[po->nwaived++], SCAN_ITEM_MAX, "%s", item);
	return true;
}

static void verdict_of(struct daemon_posture *g, const struct device_facts *f, struct posture_verdict *v)
{
	struct posture_key k;
	struct scan_addr a;
	struct posture_override *po = malloc(sizeof(*po));   /* 4 KiB of waived ids: not on the stack */
	bool have = po && override_of(g, f->mac, po);
	posture_key_from_facts(&k, f, &a);
	posture_evaluate(g->db, &g->d->conf->posture->config, &k, have ? po : NULL, f->now, v);
	free(po);
}

static void posture_facts(void *arg, struct device_facts *f)
{
	struct daemon_posture *g = arg;
	struct posture_verdict v;
	verdict_of(g, f, &v);
	posture_to_facts(&v, f);
}

/* ---- new data ---------------------------------------------------------- */

static void reeval_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_posture *g = arg;
	unsigned changed = 0;
	(void)fd;
	(void)what;
	uint64_t gen = posture_db_generation(g->db);
	if (gen == g->decided_gen)
		return;
	g->decided_gen = gen;
	if (devices_reevaluate_all(g->d->devices, "GCB posture data changed", &changed) < 0)
		log_err("posture", "re-deciding the devices after new posture data failed");
	else
		log_info("posture", "posture data generation %llu: %u verdicts changed", (unsigned long long)gen,
			 changed);
}

static void on_file(void *ctx, const char *file, int rc, const char *msg)
{
	struct daemon_posture *g = ctx;
	char text[POSTURE_SPOOL_ERR_MAX + 160];
	if (rc == 0) {
		g->files_applied++;
		g->last_file = (int64_t)time(NULL);
		snprintf(text, sizeof(text), "posture file %s applied (%u scans held)", file, posture_db_count(g->db));
		menjind_emit(g->d, LOG_INFO, "posture.file", text, "file", file, "result", "applied");
	} else {
		g->files_rejected++;
		snprintf(text, sizeof(text), "posture file %s refused: %s", file, msg ? msg : "");
		menjind_emit(g->d, LOG_WARNING, "posture.file", text, "file", file, "result", "refused");
	}
	/* After the callback returns: a pass of many files decides once. */
	if (posture_db_generation(g->db) != g->decided_gen)
		event_active(g->reeval_ev, 0, 0);
}

static void on_fetched(void *ctx, int rc, long http_status, const char *text)
{
	struct daemon_posture *g = ctx;
	if (rc < 0) {
		char msg[400];
		snprintf(msg, sizeof(msg), "posture download failed (HTTP %ld): %s", http_status, text ? text : "");
		menjind_emit(g->d, LOG_WARNING, "posture.fetch", msg, "result", "failed", NULL, NULL);
	} else {
		log_info("posture", "posture download: HTTP %ld %s", http_status, text && *text ? text : "(not modified)");
	}
}

/* ---- overrides running out ------------------------------------------------ */

static void override_arm(struct daemon_posture *g)
{
	int64_t when = 0;
	if (store_posture_override_next_expiry(g->d->store, &when) < 0 || when == 0) {
		evtimer_del(g->override_ev);
		return;
	}
	int64_t now = (int64_t)time(NULL);
	/* never 0: an expired row that cannot be removed must not spin the loop */
	struct timeval tv = { .tv_sec = when > now ? (time_t)(when - now) : 1 };
	evtimer_add(g->override_ev, &tv);
}

struct expired_walk {
	unsigned n;
	uint8_t  macs[DEVICES_EXPIRE_BATCH][6];
};

static int expired_one(void *ctx, const struct store_posture_override *o)
{
	struct expired_walk *w = ctx;
	if (w->n >= DEVICES_EXPIRE_BATCH)
		return 1;
	memcpy(w->macs[w->n++], o->mac, 6);
	return 0;
}

/* An ended override is removed (posture.override_expired) and its device
 * decided again on the scans alone. */
static void override_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_posture *g = arg;
	struct expired_walk *w = calloc(1, sizeof(*w));
	(void)fd;
	(void)what;
	if (w == NULL || store_posture_override_foreach(g->d->store, (int64_t)time(NULL), expired_one, w) < 0) {
		log_err("posture", "expired posture overrides not read; retrying in %d s", POSTURE_OVERRIDE_RETRY);
		struct timeval tv = { .tv_sec = POSTURE_OVERRIDE_RETRY };
		evtimer_add(g->override_ev, &tv);
		free(w);
		return;
	}
	for (unsigned i = 0; i < w->n; i++) {
		char mac[MAC_STR_LEN], msg[96];
		mac_format(w->macs[i], mac);
		if (store_posture_override_delete(g->d->store, w->macs[i]) < 0)
			continue;
		snprintf(msg, sizeof(msg), "posture override of %s expired", mac);
		emit_mac(g->d, LOG_NOTICE, "posture.override_expired", mac, msg, NULL, NULL);
		if (devices_reevaluate(g->d->devices, w->macs[i], "posture override expired") < 0)
			log_err("posture", "%s not decided again after its posture override expired", mac);
	}
	free(w);
	override_arm(g);
}

/* ---- start / stop ------------------------------------------------------ */

static void glue_free(struct menjind *d)
{
	struct daemon_posture *g = glue_of(d);
	if (g == NULL)
		return;
	if (d->devices)
		devices_set_posture_source(d->devices, NULL, NULL);
	for (unsigned i = 0; i < g->nfetch; i++)
		posture_fetch_free(g->fetch[i]);
	posture_spool_close(g->spool);
	if (g->reeval_ev)
		event_free(g->reeval_ev);
	if (g->override_ev)
		event_free(g->override_ev);
	posture_db_free(g->db);
	free(g);
	d->posture = NULL;
}

static int glue_start(struct menjind *d, char *err, size_t errlen)
{
	const struct posture_settings *ps = d->conf->posture;
	char e[POSTURE_SPOOL_ERR_MAX];
	int rc;

	if (ps == NULL || !ps->enabled)
		return 0;
	struct daemon_posture *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->d = d;
	d->posture = g;
	g->db = posture_db_new();
	g->reeval_ev = event_new(d->base, -1, 0, reeval_cb, g);
	g->override_ev = evtimer_new(d->base, override_timer_cb, g);
	if (g->db == NULL || g->reeval_ev == NULL || g->override_ev == NULL) {
		snprintf(err, errlen, "posture: out of memory");
		return -ENOMEM;
	}
	if (mkdir(ps->spool, 0750) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "posture.spool %s: %s", ps->spool, strerror(-rc));
		return rc;
	}
	if ((rc = posture_spool_open(ps->spool, g->db, &g->spool, e, sizeof(e))) < 0) {
		snprintf(err, errlen, "posture.spool: %s", e);
		return rc;
	}
	posture_spool_set_callback(g->spool, on_file, g);
	int64_t now = (int64_t)time(NULL);
	/* The last good data first, then what arrived while menjind was down. */
	if (posture_spool_reload(g->spool, now, NULL) < 0 || posture_spool_scan(g->spool, now, NULL) < 0)
		log_warn("posture", "spool %s could not be read completely; the periodic pass retries", ps->spool);
	if ((rc = posture_spool_attach(g->spool, d->base)) < 0) {
		snprintf(err, errlen, "posture.spool: cannot watch %s: %s", ps->spool, strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < ps->nfetch; i++) {
		g->fetch[i] = posture_fetch_new(d->base, ps->spool, &ps->fetch[i], on_fetched, g, e, sizeof(e));
		if (g->fetch[i] == NULL) {
			snprintf(err, errlen, "posture.fetch '%s': %s", ps->fetch[i].name, e);
			return -EINVAL;
		}
		g->nfetch++;
		posture_fetch_start(g->fetch[i]);
	}
	/* Devices were decided from the store before; the reload above changed the data. */
	g->decided_gen = 0;
	devices_set_posture_source(d->devices, posture_facts, g);
	event_active(g->reeval_ev, 0, 0);
	override_arm(g);
	log_info("posture", "spool %s: %u scans held, %u downloads", ps->spool, posture_db_count(g->db), ps->nfetch);
	return 0;
}

int daemon_posture_start(struct menjind *d, char *err, size_t errlen)
{
	int rc = glue_start(d, err, errlen);
	if (rc < 0)
		glue_free(d);
	return rc;
}

int daemon_posture_reload(struct menjind *d, const struct conf *old, char *err, size_t errlen)
{
	if (glue_of(d) && old->posture && posture_settings_same_sources(old->posture, d->conf->posture))
		return 0;   /* baselines are read from d->conf at each evaluation */
	glue_free(d);
	int rc = glue_start(d, err, errlen);
	if (rc < 0) {
		log_err("posture", "posture not running after the reload: %s", err);
		glue_free(d);
	}
	return rc;
}

void daemon_posture_stop(struct menjind *d)
{
	glue_free(d);
}

int64_t daemon_posture_last_import(const struct menjind *d)
{
	return d->posture ? d->posture->last_file : 0;
}

/* ---- API --------------------------------------------------------------- */

static struct daemon_posture *need(struct menjind *d, char *err, size_t errlen)
{
	struct daemon_posture *g = glue_of(d);
	if (g == NULL)
		snprintf(err, errlen, "posture is not configured (posture {} in the configuration)");
	return g;
}

static json_t *strings_json(char (*v)[SCAN_ITEM_MAX], unsigned n, unsigned listed)
{
	json_t *a = json_array();
	for (unsigned i = 0; a && i < n && i < listed; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *device_json(struct daemon_posture *g, const struct store_device *dev)
{
	struct device_facts f;
	struct posture_verdict v;
	char mac[MAC_STR_LEN], reason[POLICY_REASON_MAX];

	if (devices_facts(g->d->devices, dev, &f) < 0)
		return NULL;
	verdict_of(g, &f, &v);
	posture_reason(&v, reason, sizeof(reason));
	mac_format(dev->mac, mac);
	json_t *bl = json_array();
	for (unsigned i = 0; bl && i < v.nbaselines && i < POSTURE_HOST_BASELINES; i++) {
		const struct posture_baseline_verdict *b = &v.baselines[i];
		json_array_append_new(bl, json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:s}", "name", b->name, "status",
						    posture_status_name(b->status), "format",
						    scan_format_name(b->format), "scanned", (json_int_t)b->scanned,
						    "pass", (int)b->npass, "fail", (int)b->nfail, "unknown",
						    (int)b->nunknown, "source", b->source));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:o*, s:i, s:o*, s:o*, s:s, s:s, s:b, s:o*}", "mac", mac,
			 "hostname", dev->hostname, "status", posture_status_name(v.status), "reason", reason,
			 "scanned", (json_int_t)v.scanned, "matched_by", v.matched_by, "failed",
			 strings_json(v.failed, v.nfailed, POSTURE_MAX_LISTED), "nfailed", (int)v.nfailed, "unknown",
			 strings_json(v.unknown, v.nunknown, POSTURE_MAX_LISTED), "baselines", bl, "verdict",
			 verdict_state_name(dev->state), "verdict_reason", dev->reason, "overridden", v.overridden,
			 "override", daemon_posture_override_json(g->d, dev->mac));
}

json_t *daemon_posture_override_json(struct menjind *d, const uint8_t mac[6])
{
	struct store_posture_override *o = malloc(sizeof(*o));
	if (o == NULL || d->posture == NULL || store_posture_override_get(d->store, mac, o) < 0) {
		free(o);
		return json_null();
	}
	int64_t now = (int64_t)time(NULL);
	json_t *waived = json_array();
	char *save = NULL;
	for (char *item = strtok_r(o->waived, "\n", &save); waived && item; item = strtok_r(NULL, "\n", &save))
		json_array_append_new(waived, json_string(item));
	char created[RFC3339_LEN], expires[RFC3339_LEN];
	rfc3339_format(o->created, created);
	rfc3339_format(o->expires, expires);
	json_t *j = json_pack("{s:o*, s:o, s:s, s:o, s:b, s:I, s:s, s:s}", "waived", waived, "status",
			      o->force ? json_string(posture_status_name(o->status)) : json_null(), "created", created,
			      "expires", o->expires ? json_string(expires) : json_null(), "active",
			      o->expires == 0 || o->expires > now, "uid", (json_int_t)o->uid, "user", o->user,
			      "reason", o->reason);
	free(o);
	return j;
}

/* ---- posture.override / posture.clear_override ---------------------------- */

/* A GCB item id as scanners write it: printable, no spaces. */
static bool item_id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= SCAN_ITEM_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int parse_waive(json_t *jw, struct store_posture_override *o, char *err, size_t errlen)
{
	size_t i, off = 0;
	json_t *it;
	if (jw == NULL)
		return 0;
	if (!json_is_array(jw) || json_array_size(jw) > POSTURE_MAX_WAIVED) {
		snprintf(err, errlen, "waive: a list of at most %d GCB item ids", POSTURE_MAX_WAIVED);
		return -EINVAL;
	}
	json_array_foreach(jw, i, it) {
		const char *id = json_string_value(it);
		if (id == NULL || !item_id_ok(id)) {
			snprintf(err, errlen, "waive: '%.64s' is not a GCB item id", id ? id : "(not a string)");
			return -EINVAL;
		}
		int n = snprintf(o->waived + off, sizeof(o->waived) - off, "%s%s", off ? "\n" : "", id);
		if (n < 0 || (size_t)n >= sizeof(o->waived) - off)
			return -EOVERFLOW;   /* cannot happen: bounded above */
		off += (size_t)n;
	}
	return 0;
}

int daemon_posture_cmd_override(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
				char *err, size_t errlen)
{
	struct daemon_posture *g = need(d, err, errlen);
	if (g == NULL)
		return -ENOTSUP;
	struct store_posture_override *o = calloc(1, sizeof(*o));
	struct store_device dev;
	char mac[MAC_STR_LEN], msg[POLICY_REASON_MAX + 160];
	int rc = -EINVAL;
	if (o == NULL)
		return -ENOMEM;

	const char *m = json_string_value(json_object_get(args, "mac"));
	const char *status = json_string_value(json_object_get(args, "status"));
	const char *reason = json_string_value(json_object_get(args, "reason"));
	json_t *jw = json_object_get(args, "waive");
	if (m == NULL || mac_parse(m, o->mac) < 0) {
		snprintf(err, errlen, "mac: a MAC address is required");
		goto out;
	}
	if ((rc = store_device_get(d->store, o->mac, &dev)) < 0) {
		snprintf(err, errlen, "%s: %s", m, rc == -ENOENT ? "no such device" : strerror(-rc));
		goto out;
	}
	rc = -EINVAL;
	if (reason == NULL || strlen(reason) < OVERRIDE_REASON_MIN || strlen(reason) >= sizeof(o->reason)) {
		snprintf(err, errlen, "reason: %d to %zu characters are required", OVERRIDE_REASON_MIN,
			 sizeof(o->reason) - 1);
		goto out;
	}
	if (json_object_get(args, "status") && status == NULL) {
		snprintf(err, errlen, "status: compliant, noncompliant, unknown or stale");
		goto out;
	}
	if (status) {
		int st = posture_status_parse(strcmp(status, "non-compliant") == 0 ? "noncompliant" : status);
		if (st < 0) {
			snprintf(err, errlen, "status: '%.32s' is not compliant, noncompliant, unknown or stale", status);
			goto out;
		}
		o->force = true;
		o->status = (uint8_t)st;
	}
	if ((rc = parse_waive(jw, o, err, errlen)) < 0)
		goto out;
	if (!o->force && o->waived[0] == '\0') {
		snprintf(err, errlen, "give waive (GCB item ids) or status, or both");
		rc = -EINVAL;
		goto out;
	}
	long long duration = apicmd_parse_duration(json_object_get(args, "duration"));
	if (duration < 0) {
		snprintf(err, errlen, "duration must be seconds or like \"30m\", \"8h\", \"7d\", \"permanent\"");
		rc = -EINVAL;
		goto out;
	}
	o->created = (int64_t)time(NULL);
	o->expires = duration ? o->created + duration : 0;
	o->uid = who->uid;
	snprintf(o->user, sizeof(o->user), "%s", who->user);
	snprintf(o->reason, sizeof(o->reason), "%s", reason);
	if ((rc = store_posture_override_put(d->store, o)) < 0) {
		snprintf(err, errlen, "store: %s", strerror(-rc));
		goto out;
	}
	mac_format(o->mac, mac);
	snprintf(msg, sizeof(msg), "posture override of %s by %s:%s%s%s%s: %s", mac, o->user,
		 o->force ? " status " : "", o->force ? posture_status_name(o->status) : "",
		 o->waived[0] ? " waived " : "", o->waived[0] ? "(see posture.show)" : "", o->reason);
	emit_mac(d, LOG_NOTICE, "posture.override", mac, msg, "user", o->user);
	if ((rc = devices_reevaluate(d->devices, o->mac, "posture override")) < 0) {
		snprintf(err, errlen, "the override is stored but the device was not decided again: %s",
			 strerror(-rc));
		goto out;
	}
	override_arm(g);
	if ((rc = store_device_get(d->store, o->mac, &dev)) < 0) {
		snprintf(err, errlen, "store: %s", strerror(-rc));
		goto out;
	}
	*result = device_json(g, &dev);
	rc = *result ? 0 : -ENOMEM;
out:
	free(o);
	return rc;
}

int daemon_posture_cmd_clear_override(struct menjind *d, const struct api_caller *who, json_t *args,
				      json_t **result, char *err, size_t errlen)
{
	struct daemon_posture *g = need(d, err, errlen);
	if (g == NULL)
		return -ENOTSUP;
	const char *m = json_string_value(json_object_get(args, "mac"));
	const char *reason = json_string_value(json_object_get(args, "reason"));
	uint8_t mac[6];
	char ms[MAC_STR_LEN], msg[POLICY_REASON_MAX + API_USER_MAX + 96];
	struct store_device dev;
	int rc;
	if (m == NULL || mac_parse(m, mac) < 0) {
		snprintf(err, errlen, "mac: a MAC address is required");
		return -EINVAL;
	}
	if (reason == NULL || strlen(reason) < OVERRIDE_REASON_MIN) {
		snprintf(err, errlen, "reason: at least %d characters are required", OVERRIDE_REASON_MIN);
		return -EINVAL;
	}
	mac_format(mac, ms);
	if ((rc = store_posture_override_delete(d->store, mac)) < 0) {
		snprintf(err, errlen, rc == -ENOENT ? "%s has no posture override" : "store: %s",
			 rc == -ENOENT ? ms : strerror(-rc));
		return rc;
	}
	snprintf(msg, sizeof(msg), "posture override of %s cleared by %s: %.*s", ms, who->user,
		 POLICY_REASON_MAX - 1, reason);
	emit_mac(d, LOG_NOTICE, "posture.override_clear", ms, msg, "user", who->user);
	if ((rc = devices_reevaluate(d->devices, mac, "posture override cleared")) < 0) {
		snprintf(err, errlen, "the device was not decided again: %s", strerror(-rc));
		return rc;
	}
	override_arm(g);
	if ((rc = store_device_get(d->store, mac, &dev)) < 0) {
		snprintf(err, errlen, "%s: %s", ms, rc == -ENOENT ? "no such device" : strerror(-rc));
		return rc;
	}
	*result = device_json(g, &dev);
	return *result ? 0 : -ENOMEM;
}

struct walk {
	struct daemon_posture *g;
	json_t  *list;
	unsigned n;
	struct posture_kpi *kpi;
};

static int show_one(void *ctx, const struct store_device *dev)
{
	struct walk *w = ctx;
	if (w->n++ >= APICMD_LIST_MAX)
		return 1;
	json_t *j = device_json(w->g, dev);
	return j && json_array_append_new(w->list, j) == 0 ? 0 : -ENOMEM;
}

int daemon_posture_cmd_show(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			    char *err, size_t errlen)
{
	(void)who;
	struct daemon_posture *g = need(d, err, errlen);
	if (g == NULL)
		return -ENOTSUP;
	const char *m = json_string_value(json_object_get(args, "mac"));
	if (m) {
		uint8_t mac[6];
		struct store_device dev;
		if (mac_parse(m, mac) < 0) {
			snprintf(err, errlen, "mac: '%s' is not a MAC address", m);
			return -EINVAL;
		}
		int rc = store_device_get(d->store, mac, &dev);
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", m, rc == -ENOENT ? "no such device" : strerror(-rc));
			return rc;
		}
		*result = device_json(g, &dev);
		return *result ? 0 : -ENOMEM;
	}
	struct walk w = { .g = g, .list = json_array() };
	struct store_filter f = { .state = -1, .role_id = -1 };
	if (w.list == NULL)
		return -ENOMEM;
	int rc = store_device_foreach(d->store, &f, show_one, &w);
	if (rc < 0) {
		json_decref(w.list);
		snprintf(err, errlen, "store: %s", strerror(-rc));
		return rc;
	}
	*result = w.list;
	return 0;
}

static int kpi_one(void *ctx, const struct store_device *dev)
{
	struct walk *w = ctx;
	struct device_facts f;
	struct posture_verdict v;
	if (devices_facts(w->g->d->devices, dev, &f) < 0)
		return 0;
	verdict_of(w->g, &f, &v);
	posture_kpi_add(w->kpi, dev->state == VERDICT_ADMIT ? dev->role : "", &v);
	return 0;
}

static json_t *kpi_row(const struct posture_kpi_row *r)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:f}", "name", r->name, "devices", (int)r->devices,
			 "compliant", (int)r->compliant, "noncompliant", (int)r->noncompliant, "unknown",
			 (int)r->unknown, "stale", (int)r->stale, "unscanned", (int)r->unscanned, "compliant_share",
			 posture_kpi_permille(r) / 1000.0);
}

int daemon_posture_cmd_kpi(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			   char *err, size_t errlen)
{
	(void)who;
	(void)args;
	struct daemon_posture *g = need(d, err, errlen);
	if (g == NULL)
		return -ENOTSUP;
	struct posture_kpi *k = malloc(sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	posture_kpi_init(k);
	struct walk w = { .g = g, .kpi = k };
	struct store_filter f = { .state = -1, .role_id = -1 };
	int rc = store_device_foreach(d->store, &f, kpi_one, &w);
	if (rc < 0) {
		free(k);
		snprintf(err, errlen, "store: %s", strerror(-rc));
		return rc;
	}
	json_t *roles = json_array(), *bls = json_array();
	for (unsigned i = 0; roles && i < k->nroles; i++)
		json_array_append_new(roles, kpi_row(&k->roles[i]));
	for (unsigned i = 0; bls && i < k->nbaselines; i++)
		json_array_append_new(bls, kpi_row(&k->baselines[i]));
	*result = json_pack("{s:o*, s:o*, s:o*}", "total", kpi_row(&k->total), "roles", roles, "baselines", bls);
	free(k);
	return *result ? 0 : -ENOMEM;
}

int daemon_posture_cmd_sync(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			    char *err, size_t errlen)
{
	(void)who;
	(void)args;
	struct daemon_posture *g = need(d, err, errlen);
	if (g == NULL)
		return -ENOTSUP;
	struct posture_spool_result r = { 0 };
	int rc = posture_spool_scan(g->spool, (int64_t)time(NULL), &r);
	if (rc < 0) {
		snprintf(err, errlen, "spool: %s", strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < g->nfetch; i++)
		posture_fetch_start(g->fetch[i]);   /* -EBUSY while one runs: fine */
	*result = json_pack("{s:i, s:i, s:i, s:i, s:i, s:I}", "applied", (int)r.applied, "rejected", (int)r.rejected,
			    "deferred", (int)r.deferred, "failed", (int)r.failed, "scans", (int)posture_db_count(g->db),
			    "generation", (json_int_t)posture_db_generation(g->db));
	return *result ? 0 : -ENOMEM;
}
