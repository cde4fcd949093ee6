/* dot1x.h — menjind's wiring of the 802.1X authenticator (auth8021x.h):
 * frames to and from the fast path, verdicts into the device facts and
 * the policy, the API's session and RADIUS views, Accounting-Off at stop.
 *
 * Runs only when the configuration has a dot1x {} section (auth_conf.h);
 * otherwise every function here is a no-op and the API commands say so.
 * Authorized sessions are saved in the store (auth_sessions) and restored
 * at the next start. A reload applies changed 802.1X sections without
 * dropping authorized sessions (auth8021x_reconfigure), starts 802.1X when
 * the section appears and ends its sessions when it goes.
 */
#ifndef MENJIN_DOT1X_H
#define MENJIN_DOT1X_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fpchan.h"

struct menjind;

/* At start, after the fast path channel and the device logic exist.
 * 0, or a negative errno with the reason in err. */
int dot1x_start(struct menjind *d, char *err, size_t errlen);
/* A punted frame: EAPOL to the PAE, other LAN traffic kicks the MAC
 * (Request/Identity, then MAB). Returns true when the frame was EAPOL
 * (consumed here), false when snooping should see it too. */
bool dot1x_punt(struct menjind *d, uint16_t port, uint8_t reason, uint16_t vlan, const uint8_t *frame,
		size_t len);
/* The fast path channel changed state (READY: the LAN ports are known). */
void dot1x_fp_state(struct menjind *d, enum fpchan_state st);
/* A reload (after d->conf was replaced; the new file was validated as a
 * whole, 802.1X sections included): start, stop or reconfigure the
 * authenticator. A failure to take the new settings (a CoA address that
 * cannot be bound) keeps the running ones and is logged and reported as
 * a dot1x.reload event. */
void dot1x_reloaded(struct menjind *d);

/* What a reload does to the authenticator; running/next NULL: 802.1X off. */
enum dot1x_reload_action {
	DOT1X_RELOAD_NONE = 0,   /* nothing changed */
	DOT1X_RELOAD_START,      /* the dot1x section appeared (or was enabled) */
	DOT1X_RELOAD_STOP,       /* it went: sessions end, Accounting-Off */
	DOT1X_RELOAD_APPLY,      /* changed settings, sessions kept */
};
struct auth8021x_conf;
enum dot1x_reload_action dot1x_reload_plan(const struct auth8021x_conf *running, const struct auth8021x_conf *next);
const char *dot1x_reload_action_name(enum dot1x_reload_action a);
/* Stop: Accounting Stop for every session, then Accounting-Off; done(arg)
 * runs when answered or after AUTH8021X_SHUTDOWN_MAX_MS. -ENOENT (done
 * not called) when 802.1X is not running. */
int dot1x_shutdown(struct menjind *d, void (*done)(void *arg), void *arg);
void dot1x_free(struct menjind *d);

/* API (apicmd.c). 0 with *result, or a negative errno with err. */
int dot1x_api_sessions(struct menjind *d, json_t **result, char *err, size_t errlen);
int dot1x_api_reauth(struct menjind *d, const uint8_t mac[6], json_t **result, char *err, size_t errlen);
int dot1x_api_radius_status(struct menjind *d, json_t **result, char *err, size_t errlen);

#endif
