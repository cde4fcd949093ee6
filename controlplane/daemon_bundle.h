/* daemon_bundle.h — the central policy bundle in menjind.
 *
 * Glue between menjind and central.c (poll, verify, remember), configured
 * by central {} (central_conf.h). A verified bundle is applied as a whole
 * or refused:
 *   1. it becomes the bundle daemon_central_compose() puts in place of the
 *      local roles, policy and posture baselines (bundle_compose.h), and
 *      menjind_reload() validates and applies the composed configuration
 *      like a local change (one validation, one swap, the generation bumped
 *      when the rules digest changes, every device decided again);
 *   2. a refused reload restores the previous bundle and refuses this one
 *      (central.c keeps the last good, reports the refusal in its status;
 *      here a central.refused event);
 *   3. its devices become overrides by user "central" (the previous
 *      bundle's are replaced; an administrator's override is left alone);
 *   4. its blocklist becomes the static feed BUNDLE_BLOCKLIST_FEED
 *      (daemon_central.c).
 * At start the saved bundle is verified and composed into the first
 * configuration (daemon_bundle_open, before the store records it), so a
 * restart neither bumps the generation nor decides devices under the
 * local policy in between.
 *
 * central {} settings that change on a reload restart the sync after the
 * reload (the saved bundle is verified again); without central {} the
 * bundle is dropped and the local roles and policy apply again.
 */
#ifndef MENJIN_DAEMON_BUNDLE_H
#define MENJIN_DAEMON_BUNDLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct menjind;
struct bundle;
struct conf;
struct tf_list;
struct central_status;

/* Right after the first configuration loaded: start central sync and apply
 * the saved bundle. Returns 1 when a bundle is applied (load the
 * configuration again: it composes), 0 when not, or a negative errno. */
int daemon_bundle_open(struct menjind *d, char *err, size_t errlen);
/* When the store, devices and feeds run: the applied bundle's devices. */
void daemon_bundle_start(struct menjind *d);
/* After d->conf was replaced (old still valid during the call). */
void daemon_bundle_reload(struct menjind *d, const struct conf *old);
void daemon_bundle_stop(struct menjind *d);

/* The bundle whose roles and policy the configuration composes, or NULL. */
const struct bundle *daemon_bundle_composing(const struct menjind *d);
/* central_status() of the sync; false (st untouched) when central {} is off. */
bool daemon_bundle_central_status(const struct menjind *d, struct central_status *st);
/* central.status's "bundle": null when central {} is off. */
json_t *daemon_bundle_status_json(const struct menjind *d);
/* request central sync */
int daemon_bundle_poll_now(struct menjind *d, char *err, size_t errlen);

#endif
