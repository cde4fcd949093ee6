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
#include "store.h"

struct daemon_posture {
	struct menjind       *d;
	struct posture_db    *db;
	struct posture_spool *spool;
	struct posture_fetch *fetch[POSTURE_CONF_MAX_FETCH];
	unsigned              nfetch;
	struct event         *reeval_ev;     /* one re-decision per burst of files */
	uint64_t              decided_gen;   /* database generation the devices were decided with */
	int64_t               last_file;     /* unix seconds of the last applied file */
	unsigned              files_applied, files_rejected;
};

/* The daemon's glue is found through the menjind struct; one per process. */
static struct daemon_posture *glue_of(struct menjind *d)
{
	return d->posture;
}

static void emit(struct menjind *d, int severity, const char *kind, const char *msg, const char *k1, const char *v1,
		 const char *k2, const char *v2)
{
	struct event ev = { .severity = severity, .kind = kind, .msg = msg };
	if (k1)
		event_param(&ev, k1, v1);
	if (k2)
		event_param(&ev, k2, v2);
	if (events_emit(d->events, &ev) < 0)
		log_warn("posture", "event %s not recorded", kind);
}

/* ---- the facts of a device ---------------------------------------------- */

static void verdict_of(struct daemon_posture *g, const struct device_facts *f, struct posture_verdict *v)
{
	struct posture_key k;
	struct scan_addr a;
	posture_key_from_facts(&k, f, &a);
	posture_evaluate(g->db, &g->d->conf->posture->config, &k, NULL, f->now, v);
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
		emit(g->d, LOG_INFO, "posture.file", text, "file", file, "result", "applied");
	} else {
		g->files_rejected++;
		snprintf(text, sizeof(text), "posture file %s refused: %s", file, msg ? msg : "");
		emit(g->d, LOG_WARNING, "posture.file", text, "file", file, "result", "refused");
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
		emit(g->d, LOG_WARNING, "posture.fetch", msg, "result", "failed", NULL, NULL);
	} else {
		log_info("posture", "posture download: HTTP %ld %s", http_status, text && *text ? text : "(not modified)");
	}
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
	if (g->db == NULL || g->reeval_ev == NULL) {
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
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:o*, s:i, s:o*, s:o*, s:s, s:s}", "mac", mac, "hostname",
			 dev->hostname, "status", posture_status_name(v.status), "reason", reason, "scanned",
			 (json_int_t)v.scanned, "matched_by", v.matched_by, "failed",
			 strings_json(v.failed, v.nfailed, POSTURE_MAX_LISTED), "nfailed", (int)v.nfailed, "unknown",
			 strings_json(v.unknown, v.nunknown, POSTURE_MAX_LISTED), "baselines", bl, "verdict",
			 verdict_state_name(dev->state), "verdict_reason", dev->reason);
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
