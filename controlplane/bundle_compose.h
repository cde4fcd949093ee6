/* bundle_compose.h — the configuration menjind runs while a central bundle
 * is applied: the local file with the bundle's roles, policy and GCB
 * baselines in place of the local ones.
 *
 * Pure apart from what conf_load_string() reads (key files named by the
 * local text). The local text is validated alone first, so its mistakes
 * are reported with its own file name and line numbers; then the local
 * tree minus `roles` and `policy` (and minus `posture.baselines` when the
 * bundle has baselines and the file has posture {}) is written back with
 * libconfig and the bundle's bundle_config_text() appended, and the result
 * is validated as a whole ("central bundle vN:LINE: ..." on a refusal,
 * lines of the composed text).
 *
 * Bundle baselines become posture.baselines entries: name as is, the
 * platform as the benchmark pattern (fnmatch on the scan's benchmark or
 * profile id, like posture.baselines.benchmarks), required items minus the
 * exempt ones. max_age_days is not applied per baseline: the local
 * menjind.posture_max_age_days stays the one staleness limit.
 */
#ifndef MENJIN_BUNDLE_COMPOSE_H
#define MENJIN_BUNDLE_COMPOSE_H

#include <stddef.h>

struct bundle;

/* *out: the composed text (malloc'ed). `name` is the local file's name (for
 * messages and @include). 0, or a negative errno with err. */
int bundle_compose(const char *local_text, const char *name, const struct bundle *b, char **out, char *err,
		   size_t errlen);

#endif
