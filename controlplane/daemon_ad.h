/* daemon_ad.h — Active Directory in menjind.
 *
 * Glue between menjind and adsync (the engine on menjind's libevent loop)
 * and identity (which AD computer a device is), configured by ad {}
 * (adsync_conf.c). devices_facts() asks it for every decision
 * (devices_set_ad_source): the device's claims (the identity of a
 * successful 802.1X authentication, else its DHCP host name) are bound in
 * the snapshot in force and give the account state and groups the policy
 * matches on. Each new snapshot decides every device again.
 */
#ifndef MENJIN_DAEMON_AD_H
#define MENJIN_DAEMON_AD_H

#include <jansson.h>
#include <stddef.h>

struct menjind;
struct api_caller;
struct conf;
struct device_facts;

int daemon_ad_start(struct menjind *d, char *err, size_t errlen);
/* After d->conf was replaced (old still valid during the call). */
int daemon_ad_reload(struct menjind *d, const struct conf *old, char *err, size_t errlen);
void daemon_ad_stop(struct menjind *d);

/* How the device of facts f binds to an AD computer in the snapshot in
 * force, for device.show: {bound, computer, dn, guid, source, attr, claim,
 * note, account}, {bound: false, note} when nothing matched, null without
 * AD data. */
json_t *daemon_ad_binding_json(struct menjind *d, const struct device_facts *f);

/* API handlers (apicmd.c's table). */
int daemon_ad_cmd_status(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			 char *err, size_t errlen);
int daemon_ad_cmd_sync(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
		       char *err, size_t errlen);

#endif
