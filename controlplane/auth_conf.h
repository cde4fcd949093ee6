/* auth_conf.h — the 802.1X sections of the configuration: dot1x {},
 * mab {}, radius {} and coa {}, parsed into a struct auth8021x_conf.
 *
 * 802.1X is on when a dot1x {} group is present (and not enabled = false);
 * then radius {} with at least one server is required. With enabled = false
 * and a radius {} section, everything is still checked but nothing starts. Every error names
 * "file:line: setting: problem", like the rest of conf.c.
 */
#ifndef MENJIN_AUTH_CONF_H
#define MENJIN_AUTH_CONF_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "auth8021x.h"

#define AUTH_CONF_SECRET_MIN 8      /* shorter shared secrets are refused */

struct auth_conf {
	bool enabled;
	struct auth8021x_conf a;
};

/* 0 (out filled; out->enabled false when dot1x {} is absent) or -EINVAL
 * with the message in err. `file` names the file in messages. */
int auth_conf_load(const config_t *cfg, const char *file, struct auth_conf *out, char *err, size_t errlen);

#endif
