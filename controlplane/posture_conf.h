/* posture_conf.h — the `posture {}` section of menjind's configuration.
 *
 * conf.c calls posture_settings_load() with the parsed config_t of the whole
 * file, so the section is validated with it and swapped with it. Messages
 * are "file:line: posture...: problem". An absent section leaves posture
 * off (every device's posture fact stays "unknown").
 *
 *   posture: {
 *     spool = "/var/lib/menjin/posture";           # must exist; accepted/, rejected/ made in it
 *     fetch = ( { name = "gcb-platform"; url = "https://..."; ca_file = "..."; interval_minutes = 60; } );
 *     baselines = ( { name = "win10"; benchmarks = [ "*_benchmark_TWGCB-01*" ];
 *                     required = [ "TWGCB-01-008-0003" ]; } );
 *   };
 */
#ifndef MENJIN_POSTURE_CONF_H
#define MENJIN_POSTURE_CONF_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include "posture.h"
#include "posture_fetch.h"

#define POSTURE_CONF_MAX_FETCH   4           /* download sources */
#define POSTURE_CONF_PATH_MAX    256

struct posture_settings {
	bool     enabled;                        /* the section is present */
	char     spool[POSTURE_CONF_PATH_MAX];
	unsigned nfetch;
	struct posture_fetch_config fetch[POSTURE_CONF_MAX_FETCH];
	struct posture_config config;            /* max_age: policy.posture_max_age */
};

/* Fill *out (zeroed by the caller). max_age is the policy's staleness limit.
 * 0, or -EINVAL / -ENOMEM with err. Free with posture_settings_free(). */
int posture_settings_load(const config_t *cfg, const char *file, int64_t max_age, struct posture_settings *out,
			  char *err, size_t errlen);
void posture_settings_free(struct posture_settings *s);
/* The same spool and downloads (a reload that keeps them keeps the spool open;
 * baselines are read from the running configuration at each evaluation). */
bool posture_settings_same_sources(const struct posture_settings *a, const struct posture_settings *b);

#endif
