/* daemon_posture.h — GCB posture in menjind.
 *
 * Glue between menjind and posture.c / posture_spool.c / posture_fetch.c,
 * configured by posture {} (posture_conf.h). The posture database lives
 * here; the spool (inotify + periodic pass) and the optional HTTPS
 * downloads fill it. devices_facts() asks it for every decision
 * (devices_set_posture_source), so a device is judged by the newest data;
 * when a spool file changed the data, every device is decided again (once
 * per pass, from the event loop) and a posture.file event says what came.
 */
#ifndef MENJIN_DAEMON_POSTURE_H
#define MENJIN_DAEMON_POSTURE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct menjind;
struct api_caller;
struct conf;

#define POSTURE_OVERRIDE_RETRY  30   /* s until expired overrides are read again after a store error */

int daemon_posture_start(struct menjind *d, char *err, size_t errlen);
/* After d->conf was replaced (old still valid during the call). */
int daemon_posture_reload(struct menjind *d, const struct conf *old, char *err, size_t errlen);
void daemon_posture_stop(struct menjind *d);

/* Unix seconds of the last applied posture file; 0 never or posture off. */
int64_t daemon_posture_last_import(const struct menjind *d);

/* API handlers (apicmd.c's table). */
int daemon_posture_cmd_show(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			    char *err, size_t errlen);
int daemon_posture_cmd_kpi(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			   char *err, size_t errlen);
/* posture.override {mac, waive?: [ids], status?, duration?, reason} and
 * posture.clear_override {mac, reason}: an administrator's GCB exception
 * (waived items are not counted) or forced status, stored
 * (posture_overrides), ended by its duration; the device is decided again. */
int daemon_posture_cmd_override(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
				char *err, size_t errlen);
int daemon_posture_cmd_clear_override(struct menjind *d, const struct api_caller *who, json_t *args,
				      json_t **result, char *err, size_t errlen);
/* The device's posture override for posture.show / device.show; null when none. */
json_t *daemon_posture_override_json(struct menjind *d, const uint8_t mac[6]);

int daemon_posture_cmd_sync(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			    char *err, size_t errlen);

#endif
