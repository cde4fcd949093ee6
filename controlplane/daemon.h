/* daemon.h — menjind as a whole: start, reload, stop.
 *
 * Owns one of everything (configuration, store, event sinks, fast path
 * channel, device logic, snooping, management API) on one libevent loop.
 * A reload (SIGHUP or the API) loads and validates the new file completely
 * before anything changes; a refused file leaves the running configuration
 * as it was. When the roles or the policy changed, the generation is
 * incremented (persisted in the store), the fast path gets the new role
 * ACLs, and every device is decided again.
 */
#ifndef MENJIN_DAEMON_H
#define MENJIN_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conf.h"

#define DAEMON_PRUNE_INTERVAL_S  3600    /* event log pruning */

struct event_base;
struct event;
struct store;
struct events;
struct fpchan;
struct devices;
struct snoop;
struct api;
struct daemon_central;
struct daemon_bundle;
struct daemon_posture;
struct adsync;
struct auth8021x;
struct dot1x_state;

struct menjind {
	struct event_base *base;
	char               conf_path[CONF_PATH_MAX];
	struct conf       *conf;
	struct store      *store;
	struct events     *events;
	struct fpchan     *fp;
	struct devices    *devices;
	struct snoop      *snoop;
	struct api        *api;
	uint64_t           generation;
	int64_t            started;         /* unix seconds */
	unsigned           reloads, reload_failures;
	struct event      *prune_ev;
	/* 802.1X (dot1x.c); NULL when the configuration has no dot1x {} */
	struct auth8021x  *dot1x;
	struct dot1x_state *dot1x_state;    /* dot1x.c: settings running, one being stopped */
	/* threat feeds, sharing, SOC export (daemon_central.c); NULL when off */
	struct daemon_central *central;
	/* the central policy bundle (daemon_bundle.c); never NULL once started */
	struct daemon_bundle *bundle;
	/* GCB posture: database, spool, downloads (daemon_posture.c); NULL when off */
	struct daemon_posture *posture;
	/* AD sync engine (daemon_ad.c); NULL when ad {} is absent */
	struct adsync     *ad;
	/* The local configuration file's text as last applied: what the
	 * version history records and config.commit's base_sha256 means
	 * (conf->text is the composition when a central bundle is applied). */
	char              *local_text;
	char               local_sha256[65];
	/* a `commit confirmed` waiting for config.confirm (daemon_config.c) */
	struct event      *confirm_ev;
};

struct reload_result {
	bool     rules_changed;
	unsigned verdicts_changed;
	uint64_t generation;
	int64_t  version;           /* the configuration version now running */
	bool     recorded;          /* the local text changed: a new version */
};

/* A configuration to apply and who asked for it. */
struct menjind_change {
	const char *who;            /* the trigger in the log ("SIGHUP", "api, uid 0 chen") */
	const char *local_text;     /* a candidate for the local file; NULL: read the file */
	bool        write_file;     /* write local_text to the file (atomically) once it loads */
	const char *user;           /* version history: "" for the file */
	int64_t     uid;            /* -1: not a person */
	const char *origin;         /* "file", "cli", "bundle", "rollback" */
	const char *comment;
	int64_t     confirm_by;     /* > 0: pending until then (commit confirmed) */
	int64_t     rolls_back;     /* the pending version this change rolls back, or 0 */
};

/* Everything up to a listening API and a connecting fast path channel.
 * On failure err says why (bad configuration: "file:line: ..."). */
int menjind_start(struct menjind *d, struct event_base *base, const char *conf_path, char *err, size_t errlen);
/* `who` names the trigger in the log ("SIGHUP", "api uid 0"). */
int menjind_reload(struct menjind *d, const char *who, struct reload_result *res, char *err, size_t errlen);
/* Load, validate and apply a configuration, all or nothing: on failure the
 * file, the running configuration and the history stay as they were. A
 * recorded version settles a pending one: "rolled back" when it is
 * ch->rolls_back, else "confirmed". */
int menjind_apply(struct menjind *d, const struct menjind_change *ch, struct reload_result *res, char *err,
		  size_t errlen);
void menjind_stop(struct menjind *d);
/* Record an event with up to two key/value parameters (NULL key: none);
 * a failure to record is logged, not returned. */
void menjind_emit(struct menjind *d, int severity, const char *kind, const char *msg, const char *k1,
		  const char *v1, const char *k2, const char *v2);

#endif
