/* central_conf.h — the configuration of central sync, threat feeds, local
 * sharing, SOC export and the heartbeat, read from menjind's libconfig file.
 *
 * menjind's conf.c calls central_settings_load() with the parsed config_t
 * of the same file and keeps the result with the rest of its struct conf,
 * so these sections are validated with the whole file and swapped with it.
 * Key files named by the settings are read here, at load time; a missing or
 * malformed key refuses the file. Messages are "file:line: setting: problem".
 * The settings are described, with their limits, in docs/central.md.
 *
 * Every section is optional: an absent `central` group disables central
 * sync, an empty `feeds` list disables threat feeds, and so on.
 */
#ifndef MENJIN_CENTRAL_CONF_H
#define MENJIN_CENTRAL_CONF_H

#include <libconfig.h>
#include <stdbool.h>
#include "central.h"
#include "feeds.h"
#include "heartbeat.h"
#include "share.h"
#include "syslog_tls.h"

#define CENTRAL_DEFAULT_STATE_DIR  "/var/lib/menjin/central"
#define CENTRAL_KEY_FILE_MAX       (16u << 10)

struct central_settings {
	bool central_enabled;
	struct central_conf central;
	struct feeds_conf feeds;          /* nfeeds 0: no threat feeds */
	bool share_enabled;
	struct share_conf share;
	bool soc_enabled;
	struct soc_conf soc;
	char sd_id[33];                   /* soc.sd_id; "" leaves menjind.sd_id */
	bool heartbeat_enabled;
	struct heartbeat_conf heartbeat;
};

/* Fill *out from cfg (`file` names it in messages). 0, or -EINVAL with err.
 * out holds key material (the sharing key's seed): wipe it with
 * central_settings_clear() when done. */
int central_settings_load(const config_t *cfg, const char *file, struct central_settings *out, char *err,
			  size_t errlen);
void central_settings_clear(struct central_settings *s);

#endif
