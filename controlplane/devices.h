/* devices.h — the life of a device: learned, decided, overridden, expired.
 *
 * Glue between the facts (snooping, overrides, later 802.1X/AD/posture), the
 * policy, the store, the fast path and the event log. Every decision is one
 * store transaction (device row, override row, events); the fast path update
 * and the event output follow when the transaction committed. A single
 * timer re-evaluates devices whose verdict expires (an override running
 * out, a posture result going stale).
 */
#ifndef MENJIN_DEVICES_H
#define MENJIN_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fpmsg.h"
#include "policy.h"
#include "store.h"

#define DEVICES_EXPIRE_BATCH     256     /* expired verdicts handled per timer run */
#define DEVICES_REEVAL_MAX       (1 << 20)
#define OVERRIDE_REASON_MIN      3       /* an override must say why */

struct devices;
struct event_base;
struct events;
struct fpchan;
struct conf;

/* What snooping saw about one device. NULL / 0 fields were not observed. */
struct device_obs {
	uint8_t     mac[6];
	uint16_t    port, vlan;
	bool        located;        /* port/vlan are where the device is */
	const char *source;         /* "dhcp", "arp", "new-mac" */
	uint32_t    ipv4;           /* a bound address (ACK, ARP, INFORM), host order */
	uint32_t    lease;          /* DHCP lease seconds with an ACK */
	const char *hostname;
	const char *vendor_class;
	const char *fingerprint;
};

struct devices *devices_new(struct event_base *base, struct store *store, struct events *events,
			    const struct conf *c);
void devices_free(struct devices *d);
void devices_set_fpchan(struct devices *d, struct fpchan *fp);
/* Use a new configuration (reload). The caller re-evaluates afterwards. */
void devices_set_conf(struct devices *d, const struct conf *c);

/* Record an observation; a new MAC becomes an UNKNOWN device with an event
 * and is decided at once. */
int devices_observe(struct devices *d, const struct device_obs *obs);

/* Decide one device again; `cause` goes into the event. */
int devices_reevaluate(struct devices *d, const uint8_t mac[6], const char *cause);
/* Decide every device again (reload). *changed counts verdict changes. */
int devices_reevaluate_all(struct devices *d, const char *cause, unsigned *changed);

struct override_req {
	uint8_t     mac[6];
	int         state;          /* enum verdict_state */
	const char *role;           /* admit: a role name or "unrestricted" */
	int64_t     duration;       /* seconds; 0 permanent */
	const char *reason;
	uint32_t    uid;
	const char *user;
};
/* Refusals (-EINVAL, -EPERM) come with a message in err. */
int devices_override_set(struct devices *d, const struct override_req *req, char *err, size_t errlen);
int devices_override_clear(struct devices *d, const uint8_t mac[6], uint32_t uid, const char *user,
			   char *err, size_t errlen);

/* The facts the policy sees for a stored device (override and posture
 * included), as of now. */
int devices_facts(struct devices *d, const struct store_device *dev, struct device_facts *f);

/* For the fast path resync: devices with a decided state, by MAC. */
int devices_foreach_fp(struct devices *d, int (*cb)(void *ctx, const struct fpmsg_device *fd), void *ctx);

/* Map a stored device to the fast path's record. */
void devices_fp_record(const struct store_device *dev, struct fpmsg_device *out);

/* ---- 802.1X / MAB facts (dot1x.c) ----------------------------------- */

/* Where devices_facts() finds the RADIUS role of a MAC's live session:
 * fn writes the role name ("" for none) into role. */
typedef void (*devices_radius_role_fn)(void *arg, const uint8_t mac[6], char role[ROLE_NAME_MAX]);
void devices_set_radius_role_source(struct devices *d, devices_radius_role_fn fn, void *arg);

/* The authenticator's outcome for a MAC: records auth (enum auth_result)
 * and identity, creates the device if it was never seen, decides it again.
 * `cause` goes into the verdict event. 0 or a negative errno. */
int devices_auth_result(struct devices *d, const uint8_t mac[6], uint16_t port, uint16_t vlan, uint8_t auth,
			const char *identity, const char *cause);

/* ---- GCB posture facts (daemon_posture.c) ----------------------------- */

/* Fills the posture slot of f (posture, posture_scanned, failed) from the
 * posture data; called by devices_facts() after the stored record. */
typedef void (*devices_facts_fn)(void *arg, struct device_facts *f);
void devices_set_posture_source(struct devices *d, devices_facts_fn fn, void *arg);
/* The same for the AD slots (account, groups; daemon_ad.c), called first. */
void devices_set_ad_source(struct devices *d, devices_facts_fn fn, void *arg);

/* Re-arm the expiry timer (after changes made elsewhere). */
void devices_arm_expiry(struct devices *d);

#endif
