/* auth_session.h — an authorized 802.1X or MAB session as it is saved for
 * a menjind restart (store table auth_sessions, one JSON text per MAC).
 *
 * Pure: a codec (auth_session_encode/_decode, jansson) and the decision
 * what a saved session becomes at start (auth_session_plan). No I/O, no
 * clock: times are arguments. Times in the saved form are wall-clock
 * milliseconds (unix epoch), because the monotonic clock starts again at
 * every boot of the appliance.
 *
 * The JSON (version 1):
 *   {"v":1, "mac":"02:00:0a:0a:01:0c", "method":"dot1x"|"mab"|"critical",
 *    "identity":"bob", "port":0, "vlan_tci":0,
 *    "role":"contractor", "filter_id":"contractor", "vlan":"",
 *    "session_timeout":60, "terminate":false, "interim":0,
 *    "class":["6c61622d..."],                 hex, at most 4
 *    "acct_session_id":"5F3A00C1-0000002A", "acct_started":true, "acct_user":"bob",
 *    "authorized_since":ms, "acct_start":ms,  wall clock
 *    "reauth_at":ms,                          0: no reauthentication timer
 *    "kept":false,                            admitted while no server answered
 *    "eapol":true,                            the MAC spoke EAPOL
 *    "saved":ms}
 * Every field is required; anything missing, of the wrong type or out of
 * range makes the whole session malformed (decode says which field).
 */
#ifndef MENJIN_AUTH_SESSION_H
#define MENJIN_AUTH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eapol.h"
#include "pae.h"
#include "policy.h"
#include "radius.h"

#define AUTH_SESSION_VERSION     1
#define AUTH_SESSION_ID_MAX      24       /* = AUTH8021X_SESSION_ID_MAX */
#define AUTH_SESSION_MAX_CLASS   4        /* = AUTH8021X_MAX_CLASS */
#define AUTH_SESSION_MAX_PORTS   16       /* = AUTH8021X_MAX_PORTS */
#define AUTH_SESSION_JSON_MAX    4096     /* longest text accepted */
/* A session saved longer ago than this is not restored (the appliance was
 * off for weeks): the longest Session-Timeout we honour, PAE_REAUTH_MAX_MS. */
#define AUTH_SESSION_MAX_AGE_MS  PAE_REAUTH_MAX_MS
/* Wall-clock slack for "saved in the future" (a clock set back). */
#define AUTH_SESSION_CLOCK_SLACK_MS (24LL * 3600 * 1000)

struct auth_session {
	uint8_t  mac[6];
	enum pae_method method;            /* EAP, MAB or CRITICAL */
	char     identity[EAP_IDENTITY_MAX];   /* EAP identity; the MAB user name for MAB */
	uint16_t port;
	uint16_t vlan_tci;
	char     role[ROLE_NAME_MAX];
	char     filter_id[ROLE_NAME_MAX];
	char     vlan[ROLE_NAME_MAX];
	uint32_t session_timeout_s;
	bool     terminate;                /* Termination-Action Default: the session ends at reauth_at */
	uint32_t interim_s;
	unsigned nclass;
	uint8_t  class_len[AUTH_SESSION_MAX_CLASS];
	uint8_t  class[AUTH_SESSION_MAX_CLASS][RADIUS_ATTR_MAX_VALUE];
	char     acct_session_id[AUTH_SESSION_ID_MAX];
	bool     acct_started;             /* false: the accounting session was stopped (clean stop) */
	char     acct_user[EAP_IDENTITY_MAX];
	int64_t  authorized_since_ms;      /* wall clock */
	int64_t  acct_start_ms;            /* wall clock; 0 when !acct_started */
	int64_t  reauth_at_ms;             /* wall clock; 0 = no timer */
	bool     kept;                     /* kept or critical while no server answered */
	bool     eapol;                    /* the MAC spoke EAPOL (never MAB for it) */
	int64_t  saved_ms;                 /* wall clock */
};

/* What a saved session becomes at start. */
enum auth_session_fate {
	AUTH_SESSION_RESUME = 0,   /* authorized; the timer continues from reauth_at */
	AUTH_SESSION_REAUTH,       /* authorized; reauth_at has passed: reauthenticate now */
	AUTH_SESSION_END,          /* Termination-Action Default and Session-Timeout passed: it ended */
	AUTH_SESSION_STALE,        /* saved too long ago (or in the future): dropped */
};

/* The JSON text (malloc'd, the caller frees). 0, -ENOMEM or -EINVAL. */
int auth_session_encode(const struct auth_session *s, char **json);
/* Parse and check. `mac` (may be NULL) is the store row's key: the text
 * must name the same MAC. 0, or -EBADMSG with the field at fault in err. */
int auth_session_decode(const char *json, const uint8_t *mac, struct auth_session *out, char *err,
			size_t errlen);
/* The fate of s at wall-clock now; *remaining_ms is the time left until
 * reauth_at for RESUME (PAE_NO_DEADLINE when there is no timer), 0 else. */
enum auth_session_fate auth_session_plan(const struct auth_session *s, int64_t now_ms, int64_t *remaining_ms);
const char *auth_session_fate_name(enum auth_session_fate f);
/* "dot1x" for EAP and critical, "mab": the store's kind column. */
const char *auth_session_kind(const struct auth_session *s);

#endif
