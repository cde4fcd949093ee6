/* apicmd.h — the management API's commands (transport in api.c).
 *
 * Each handler reads its arguments (a JSON object, validated here), acts,
 * and returns 0 with a result or a negative errno with a message. Pure
 * reads of daemon state except the changing commands, which api.c audits.
 */
#ifndef MENJIN_APICMD_H
#define MENJIN_APICMD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "api.h"

#define APICMD_LIST_DEFAULT   1000
#define APICMD_LIST_MAX       100000
#define APICMD_EVENTS_DEFAULT 100
#define APICMD_ERR_MAX        512

struct menjind;

/* A handler's return value when the answer comes later: *result is kept
 * until then, and api_answer(who->request) sends it (or an error). */
#define APICMD_PENDING        1

typedef int (*apicmd_fn)(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			 char *err, size_t errlen);

struct apicmd {
	const char   *name;
	enum api_role role;       /* least role allowed */
	bool          changes;    /* audited */
	apicmd_fn     fn;         /* NULL: handled by api.c (stats, events.follow) */
	const char   *help;
};

const struct apicmd *apicmd_find(const char *name);
const struct apicmd *apicmd_table(unsigned *n);

/* stats without the fast path counters (api.c adds those asynchronously). */
json_t *apicmd_stats_local(struct menjind *d, unsigned api_clients);
/* Parse "3600", "30m", "2h", "7d", "permanent" (0). -1 on error. */
long long apicmd_parse_duration(json_t *v);

#endif
