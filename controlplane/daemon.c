/* daemon.c — menjind's start, reload and stop (see daemon.h). */
#include "daemon.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "atomicfile.h"
#include "daemon_bundle.h"
#include "daemon_central.h"
#include "daemon_config.h"
#include "daemon_posture.h"
#include "daemon_ad.h"
#include "devices.h"
#include "dot1x.h"
#include "events.h"
#include "fpchan.h"
#include "log.h"
#include "snoop.h"
#include "store.h"

/* mkdir -p of the directory holding `path` (the store, the sockets). */
static int make_parent(const char *path, mode_t mode)
{
	char dir[CONF_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Record one event with up to two parameters (a NULL key skips one). The
 * one emitter every daemon_*.c file uses; before the event log exists (at
 * start) the event is only logged. */
void menjind_emit(struct menjind *d, int severity, const char *kind, const char *msg, const char *k1,
		  const char *v1, const char *k2, const char *v2)
{
	if (d->events == NULL)
		return;
	struct event ev = { .severity = severity, .kind = kind, .msg = msg };
	if (k1)
		event_param(&ev, k1, v1);
	if (k2)
		event_param(&ev, k2, v2);
	if (events_emit(d->events, &ev) < 0)
		log_warn("daemon", "event %s not recorded", kind);
}

/* ---- fast path callbacks --------------------------------------------- */

static int fp_foreach(void *ctx, int (*cb)(void *cbctx, const struct fpmsg_device *dev), void *cbctx)
{
	struct menjind *d = ctx;
	return devices_foreach_fp(d->devices, cb, cbctx);
}

static void fp_punt(void *ctx, uint16_t port, uint8_t reason, uint16_t vlan, const uint8_t *frame, size_t len)
{
	struct menjind *d = ctx;
	/* EAPOL is the authenticator's alone; other frames feed both. */
	if (dot1x_punt(d, port, reason, vlan, frame, len))
		return;
	snoop_punt(d->snoop, port, reason, vlan, frame, len);
}

static void fp_event(void *ctx, const char *text)
{
	struct menjind *d = ctx;
	menjind_emit(d, LOG_INFO, "fastpath.event", text, "text", text, NULL, NULL);
}

static void fp_state(void *ctx, enum fpchan_state st, uint64_t fp_generation)
{
	struct menjind *d = ctx;
	char gen[24], msg[128];
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)d->generation);
	if (st == FPCHAN_READY) {
		snprintf(msg, sizeof(msg), "fast path in sync at generation %s (it had %llu)", gen,
			 (unsigned long long)fp_generation);
		menjind_emit(d, LOG_INFO, "fastpath.ready", msg, "generation", gen, "socket", d->conf->fp_socket);
	} else if (st == FPCHAN_DOWN) {
		snprintf(msg, sizeof(msg), "fast path channel down; the fast path keeps its last tables");
		menjind_emit(d, LOG_WARNING, "fastpath.down", msg, "socket", d->conf->fp_socket, NULL, NULL);
	}
	dot1x_fp_state(d, st);
}

static const struct fpchan_ops fp_ops = {
	.foreach_device = fp_foreach,
	.punt = fp_punt,
	.event = fp_event,
	.state = fp_state,
};

/* ---- generation and configuration versions --------------------------- */

/* Inside a transaction: bump the generation if the compiled roles or policy
 * differ from the last applied ones, and record the local configuration
 * text (what the administrator edits, not a composition with a bundle)
 * with who made it. A new version settles a pending one. */
static int apply_versions(struct menjind *d, const struct conf *c, const char *local_text, const char *local_sha,
			  const struct menjind_change *ch, struct reload_result *res)
{
	struct store_config_row pending;
	char last[80];
	int rc;

	res->rules_changed = false;
	if ((rc = store_config_last_digest(d->store, last, sizeof(last))) < 0)
		return rc;
	if (strcmp(last, c->rules_digest) != 0) {
		res->rules_changed = true;
		d->generation++;
		if ((rc = store_meta_set_u64(d->store, "generation", d->generation)) < 0 ||
		    (rc = store_config_set_digest(d->store, c->rules_digest)) < 0)
			return rc;
	}
	int prc = store_config_pending(d->store, &pending);
	if (prc < 0 && prc != -ENOENT)
		return prc;
	struct store_config_author a = { .user = ch->user, .uid = ch->uid, .origin = ch->origin,
					 .comment = ch->comment, .confirm_by = ch->confirm_by };
	if ((rc = store_config_record(d->store, local_sha, d->conf_path, local_text, d->generation,
				      (int64_t)time(NULL), &a, &res->version, &res->recorded)) < 0)
		return rc;
	if (prc == 0 && res->recorded)
		rc = store_config_set_state(d->store, pending.id,
					    pending.id == ch->rolls_back ? STORE_CONFIG_STATE_ROLLED_BACK :
									   STORE_CONFIG_STATE_CONFIRMED);
	return rc;
}

/* The local configuration file as it is now (conf_load's refusals). */
static int read_local(struct menjind *d, char **text, char *err, size_t errlen)
{
	return conf_read_file(d->conf_path, text, NULL, err, errlen);
}

/* Replace the configuration file with text, keeping its mode and owner. */
static int write_local(struct menjind *d, const char *text, char *err, size_t errlen)
{
	struct stat st;
	bool have = stat(d->conf_path, &st) == 0;
	int rc = atomicfile_write(d->conf_path, text, strlen(text), have ? st.st_mode & 07777 : 0640);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot write it: %s", d->conf_path, strerror(-rc));
		return rc;
	}
	if (have && chown(d->conf_path, st.st_uid, st.st_gid) < 0)
		log_warn("daemon", "chown %s: %s", d->conf_path, strerror(errno));
	return 0;
}

/* The configuration to run: the local file (or a candidate text for it,
 * local_text) with a central bundle's roles and policy in place of the
 * local ones when a bundle is applied (daemon_central_compose). */
static int load_conf(struct menjind *d, const char *local_text, struct conf **out, char *err, size_t errlen)
{
	char *composed = NULL;
	int rc;

	if ((rc = daemon_central_compose(d, local_text, &composed, err, errlen)) < 0)
		return rc;
	if (composed)
		rc = conf_load_string(composed, d->conf_path, out, err, errlen);
	else if (local_text)
		rc = conf_load_string(local_text, d->conf_path, out, err, errlen);
	else
		rc = conf_load(d->conf_path, out, err, errlen);
	free(composed);
	return rc;
}

static void apply_logging(const struct conf *c)
{
	log_set_level((enum log_level)c->log_level);
	log_set_facility(c->syslog_facility);
}

static void prune_cb(evutil_socket_t fd, short what, void *arg)
{
	struct menjind *d = arg;
	(void)fd;
	(void)what;
	if (store_prune_events(d->store, d->conf->events_keep) < 0)
		log_warn("daemon", "event log pruning failed");
	struct timeval tv = { .tv_sec = DAEMON_PRUNE_INTERVAL_S };
	evtimer_add(d->prune_ev, &tv);
}

static void events_to_api(void *ctx, int64_t id, const char *json)
{
	struct menjind *d = ctx;
	if (d->api)
		api_event(d->api, id, json);
}

int menjind_start(struct menjind *d, struct event_base *base, const char *conf_path, char *err, size_t errlen)
{
	char e[CONF_ERR_MAX];
	int rc;

	memset(d, 0, sizeof(*d));
	d->base = base;
	d->started = (int64_t)time(NULL);
	snprintf(d->conf_path, sizeof(d->conf_path), "%s", conf_path);
	if ((rc = read_local(d, &d->local_text, err, errlen)) < 0 ||
	    (rc = load_conf(d, d->local_text, &d->conf, err, errlen)) < 0)
		return rc;
	/* The saved central bundle counts from the first decision: verified
	 * now, it composes into the configuration the store records. */
	if ((rc = daemon_bundle_open(d, err, errlen)) < 0)
		return rc;
	if (rc == 1) {
		conf_free(d->conf);
		if ((rc = load_conf(d, d->local_text, &d->conf, err, errlen)) < 0)
			return rc;
	}
	daemon_config_sha256(d->local_text, d->local_sha256);
	apply_logging(d->conf);

	if ((rc = make_parent(d->conf->store, 0750)) < 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s", d->conf->store, strerror(-rc));
		return rc;
	}
	if ((rc = store_open(d->conf->store, &d->store, e, sizeof(e))) < 0) {
		snprintf(err, errlen, "store %.*s", (int)(errlen > 16 ? errlen - 16 : 0), e);
		return rc;
	}
	rc = store_meta_get_u64(d->store, "generation", &d->generation);
	if (rc == -ENOENT)
		d->generation = 0;   /* apply_versions() makes the first one 1 */
	else if (rc < 0) {
		snprintf(err, errlen, "store: cannot read the generation");
		return rc;
	}
	if (d->conf->event_log[0])
		make_parent(d->conf->event_log, 0750);

	d->events = events_new(base, d->store, d->conf);
	d->devices = devices_new(base, d->store, d->events, d->conf);
	d->fp = fpchan_new(base, d->conf->fp_socket, &fp_ops, d);
	d->snoop = d->devices && d->fp ? snoop_new(d->devices, d->fp) : NULL;
	d->prune_ev = evtimer_new(base, prune_cb, d);
	if (!d->events || !d->devices || !d->fp || !d->snoop || !d->prune_ev) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	devices_set_fpchan(d->devices, d->fp);

	struct reload_result first = { 0 };
	const struct menjind_change from_file = { .who = "start", .user = "", .uid = -1, .origin = "file",
						  .comment = "" };
	if ((rc = store_begin(d->store)) < 0 ||
	    (rc = apply_versions(d, d->conf, d->local_text, d->local_sha256, &from_file, &first)) < 0 ||
	    (rc = store_commit(d->store)) < 0) {
		store_rollback(d->store);
		snprintf(err, errlen, "store: cannot record the configuration version");
		return rc;
	}
	fpchan_set_tables(d->fp, d->conf->roles, d->conf->nroles, d->generation);

	if ((rc = make_parent(d->conf->api_socket, 0755)) < 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s", d->conf->api_socket, strerror(-rc));
		return rc;
	}
	if ((rc = api_new(d, &d->api, err, errlen)) < 0)
		return rc;
	events_set_listener(d->events, events_to_api, d);

	char gen[24], msg[256];
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)d->generation);
	snprintf(msg, sizeof(msg), "menjind started: configuration %s, generation %s%s", conf_path, gen,
		 first.rules_changed ? " (roles or policy changed)" : "");
	menjind_emit(d, LOG_NOTICE, "daemon.start", msg, "generation", gen, "config", d->conf->sha256);
	log_info("daemon", "%s", msg);

	/* 802.1X first: its restored sessions carry the RADIUS roles the
	 * decisions below need. */
	if ((rc = dot1x_start(d, err, errlen)) < 0)
		return rc;
	/* Decisions made under another policy are made again. */
	if (first.rules_changed) {
		unsigned changed;
		devices_reevaluate_all(d->devices, "policy changed while menjind was stopped", &changed);
	}
	devices_arm_expiry(d->devices);
	prune_cb(-1, 0, d);
	/* Feeds before the channel connects: a saved list is in the first resync. */
	if ((rc = daemon_central_start(d, err, errlen)) < 0)
		return rc;
	if ((rc = daemon_posture_start(d, err, errlen)) < 0)
		return rc;
	if ((rc = daemon_ad_start(d, err, errlen)) < 0)
		return rc;
	fpchan_start(d->fp);
	/* A commit confirmed that waited while menjind was down. */
	daemon_config_check(d);
	return 0;
}

int menjind_reload(struct menjind *d, const char *who, struct reload_result *res, char *err, size_t errlen)
{
	const struct menjind_change ch = { .who = who, .user = "", .uid = -1, .origin = "file", .comment = "" };
	return menjind_apply(d, &ch, res, err, errlen);
}

/* The event kind of a change: a reload of the file, a commit, a rollback. */
static const char *change_kind(const struct menjind_change *ch)
{
	if (ch->rolls_back)
		return "config.rollback";
	return ch->write_file ? "config.commit" : "config.reload";
}

int menjind_apply(struct menjind *d, const struct menjind_change *ch, struct reload_result *res, char *err,
		  size_t errlen)
{
	const char *who = ch->who, *kind = change_kind(ch);
	struct conf *next;
	char *text = NULL, sha[65];
	int rc;

	memset(res, 0, sizeof(*res));
	if (ch->local_text) {
		if ((text = strdup(ch->local_text)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		rc = 0;
	} else {
		rc = read_local(d, &text, err, errlen);
	}
	if (rc == 0)
		rc = load_conf(d, text, &next, err, errlen);
	if (rc < 0) {
		free(text);
		d->reload_failures++;
		log_err("daemon", "%s (%s) refused, configuration unchanged: %s",
			ch->write_file ? "configuration" : "reload", who, err);
		menjind_emit(d, LOG_ERR, kind,
			     ch->write_file ? "configuration refused; the running configuration stays" :
					      "reload refused; the running configuration stays",
			     "result", "refused", "error", err);
		return rc;
	}
	daemon_config_sha256(text, sha);
	if (strcmp(next->store, d->conf->store) != 0 || strcmp(next->api_socket, d->conf->api_socket) != 0)
		log_warn("daemon", "menjind.store and menjind.api_socket take effect at the next start");

	/* The file is written inside the store transaction: a failure of
	 * either leaves both as they were. */
	uint64_t old_generation = d->generation;
	bool written = false;
	if ((rc = store_begin(d->store)) < 0 || (rc = apply_versions(d, next, text, sha, ch, res)) < 0) {
		snprintf(err, errlen, "store: cannot record the configuration version");
	} else if (ch->write_file && (rc = write_local(d, text, err, errlen)) == 0) {
		written = true;
	}
	if (rc == 0 && (rc = store_commit(d->store)) < 0)
		snprintf(err, errlen, "store: cannot record the configuration version");
	if (rc < 0) {
		store_rollback(d->store);
		char e2[128];
		if (written && write_local(d, d->local_text, e2, sizeof(e2)) < 0)
			log_err("daemon", "the previous configuration file could not be restored: %s", e2);
		d->generation = old_generation;
		conf_free(next);
		free(text);
		d->reload_failures++;
		log_err("daemon", "%s (%s) failed, configuration unchanged: %s", kind, who, err);
		return rc;
	}
	free(d->local_text);
	d->local_text = text;
	snprintf(d->local_sha256, sizeof(d->local_sha256), "%s", sha);

	struct conf *old = d->conf;
	d->conf = next;
	apply_logging(next);
	events_configure(d->events, next);
	devices_set_conf(d->devices, next);
	fpchan_set_path(d->fp, next->fp_socket);
	/* Always: the role array of the old configuration is about to go. */
	fpchan_set_tables(d->fp, next->roles, next->nroles, d->generation);
	/* Feeds, sharing and SOC export follow the new file; their failure is
	 * logged and reported, the rest of the reload stands. */
	char cerr[256];
	if (daemon_central_reload(d, old, cerr, sizeof(cerr)) < 0)
		menjind_emit(d, LOG_ERR, "central.reload", "threat feeds, sharing or SOC export failed to restart",
			     "error", cerr, NULL, NULL);
	if (daemon_posture_reload(d, old, cerr, sizeof(cerr)) < 0)
		menjind_emit(d, LOG_ERR, "posture.reload", "GCB posture failed to restart", "error", cerr, NULL, NULL);
	if (daemon_ad_reload(d, old, cerr, sizeof(cerr)) < 0)
		menjind_emit(d, LOG_ERR, "ad.reload", "AD sync failed to take the new settings", "error", cerr, NULL,
			     NULL);
	conf_free(old);
	d->reloads++;
	dot1x_reloaded(d);

	res->generation = d->generation;
	if (res->rules_changed)
		devices_reevaluate_all(d->devices,
				       ch->rolls_back ? "configuration rolled back" :
				       ch->write_file ? "configuration committed" : "configuration reloaded",
				       &res->verdicts_changed);

	char gen[24], ver[24], msg[384];
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)d->generation);
	snprintf(ver, sizeof(ver), "%lld", (long long)res->version);
	snprintf(msg, sizeof(msg), "configuration %s (%s): version %s%s, generation %s, %s, %u verdicts changed",
		 ch->rolls_back ? "rolled back" : ch->write_file ? "committed" : "reloaded", who, ver,
		 ch->confirm_by > 0 && res->recorded ? " (until confirmed)" : "", gen,
		 res->rules_changed ? "roles or policy changed" : "roles and policy unchanged", res->verdicts_changed);
	log_info("daemon", "%s", msg);
	menjind_emit(d, ch->rolls_back ? LOG_WARNING : LOG_NOTICE, kind, msg, "result", "ok", "generation", gen);
	if (!ch->rolls_back)
		daemon_config_check(d);   /* a rollback settles its own timer */
	return 0;
}

void menjind_stop(struct menjind *d)
{
	if (d->events)
		events_flush(d->events);
	api_free(d->api);
	daemon_central_stop(d);
	daemon_posture_stop(d);
	daemon_ad_stop(d);
	dot1x_free(d);
	snoop_free(d->snoop);
	fpchan_free(d->fp);
	devices_free(d->devices);
	events_free(d->events);
	if (d->prune_ev)
		event_free(d->prune_ev);
	daemon_config_stop(d);
	store_close(d->store);
	conf_free(d->conf);
	free(d->local_text);
	memset(d, 0, sizeof(*d));
}
