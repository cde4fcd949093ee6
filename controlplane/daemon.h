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
struct daemon_posture;
struct adsync;
struct auth8021x;
struct auth8021x_conf;

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
	struct auth8021x_conf *dot1x_conf;  /* as started */
	/* threat feeds, sharing, SOC export (daemon_central.c); NULL when off */
	struct daemon_central *central;
	/* GCB posture: database, spool, downloads (daemon_posture.c); NULL when off */
	struct daemon_posture *posture;
	/* AD sync engine (daemon_ad.c); NULL when ad {} is absent */
	struct adsync     *ad;
};

struct reload_result {
	bool     rules_changed;
	unsigned verdicts_changed;
	uint64_t generation;
};

/* Everything up to a listening API and a connecting fast path channel.
 * On failure err says why (bad configuration: "file:line: ..."). */
int menjind_start(struct menjind *d, struct event_base *base, const char *conf_path, char *err, size_t errlen);
/* `who` names the trigger in the log ("SIGHUP", "api uid 0"). */
int menjind_reload(struct menjind *d, const char *who, struct reload_result *res, char *err, size_t errlen);
void menjind_stop(struct menjind *d);

#endif
