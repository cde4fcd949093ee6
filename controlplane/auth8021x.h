/* auth8021x.h — the 802.1X authenticator of menjind: one PAE per
 * supplicant MAC (pae.c), EAP relayed to RADIUS (radius_client.c), MAB,
 * accounting (RFC 2866) and Dynamic Authorization (radius_coa.c).
 *
 * What menjind does with it:
 *
 *   at start      auth8021x_new(base, &conf, &ops, &a)   Accounting-On is sent
 *                 from the loop; before it, auth8021x_restore(a, &saved, now)
 *                 for each session ops.save kept before a restart
 *   reload        auth8021x_reconfigure(a, &next, err, errlen)
 *   HELLO answer  auth8021x_set_port(a, index, mac, "lan0") for each LAN port
 *   PKT_PUNT      reason PUNT_EAPOL:  auth8021x_on_eapol(a, frame, len, port)
 *                 reason PUNT_NEW_MAC, PUNT_DHCP, PUNT_ARP:
 *                               auth8021x_on_mac_seen(a, src_mac, port, vlan_tci)
 *   port down     auth8021x_port_down(a, port)
 *   operator      auth8021x_reauthenticate(a, mac), auth8021x_disconnect(a, mac)
 *   show          auth8021x_session_info(a, mac, &info), auth8021x_get_stats(a, &st)
 *   at stop       auth8021x_shutdown(a, done, arg)  Stop for every session, then
 *                 Accounting-Off; done() runs when answered or given up;
 *                 then auth8021x_free(a)
 *
 * and the two callbacks in struct auth8021x_ops it provides:
 *   send_frame(arg, port, frame, len)   -> an FPMSG_PKT_TX{FPA_PORT, FPA_FRAME}
 *   verdict(arg, &v)                    -> the outcome for one MAC: feed
 *        v.auth (enum auth_result) and v.identity into the device's facts,
 *        v.role (Filter-Id, else Tunnel-Private-Group-Id, else the critical
 *        role when no server answered) into the policy, then DEVICE_SET.
 *
 * Frames go to the supplicant's unicast MAC (several supplicants can share
 * the segment), from the port's MAC, with the 802.1Q tag the supplicant
 * used. Everything runs on the caller's event_base; no call blocks.
 */
#ifndef MENJIN_AUTH8021X_H
#define MENJIN_AUTH8021X_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth_session.h"
#include "eapol.h"
#include "pae.h"
#include "policy.h"
#include "radius_client.h"
#include "radius_coa.h"

struct event_base;

#define AUTH8021X_MAX_SESSIONS    4096     /* MACs followed at once */
#define AUTH8021X_MAX_PORTS       16
#define AUTH8021X_PORT_NAME_MAX   32
#define AUTH8021X_NAS_ID_MAX      64
#define AUTH8021X_MAX_CLASS       4        /* Class attributes echoed in accounting */
#define AUTH8021X_STATE_MAX       RADIUS_ATTR_MAX_VALUE
#define AUTH8021X_SESSION_ID_MAX  24       /* "5F3A00C1-0000002A" */
#define AUTH8021X_INTERIM_MIN_S   60       /* RFC 2869 5.16 */
#define AUTH8021X_SHUTDOWN_MAX_MS 10000    /* auth8021x_shutdown gives up after this */
#define AUTH8021X_GC_INTERVAL_MS  30000
/* A restored session whose reauthentication is overdue waits this long,
 * so the fast path channel is up for its Request/Identity. */
#define AUTH8021X_RESTORE_SETTLE_MS 2000

enum auth8021x_mab_format {
	MAB_FORMAT_PLAIN = 0,    /* "020a0a01010b": User-Name and User-Password (common default) */
	MAB_FORMAT_IETF,         /* "02-0A-0A-01-01-0B" (RFC 3580 form) */
	MAB_FORMAT_COLON,        /* "02:0a:0a:01:01:0b" */
};

struct auth8021x_conf {
	struct pae_config pae;          /* timers; pae.mab_delay_ms != 0 turns MAB on */
	struct radius_client_conf radius;   /* servers: auth required, acct optional */
	char     nas_identifier[AUTH8021X_NAS_ID_MAX];  /* NAS-Identifier; "" omitted */
	uint32_t nas_ip;                /* NAS-IP-Address, host order; 0 omitted */
	enum auth8021x_mab_format mab_format;
	char     critical_role[ROLE_NAME_MAX];  /* role of MACs admitted while no server answers */
	uint16_t framed_mtu;            /* Framed-MTU sent to the server (RFC 3580 3.10): 1400 */
	uint32_t acct_interim_s;        /* Interim-Update period; 0 off; Acct-Interim-Interval wins */
	unsigned max_sessions;          /* <= AUTH8021X_MAX_SESSIONS */
	uint32_t idle_timeout_ms;       /* forget unauthorized MACs not heard from (300 s) */
	uint32_t rekick_ms;             /* traffic restarts a given-up MAC at most this often (300 s) */
	bool     coa_enabled;
	struct radius_coa_conf coa;
};

/* The outcome for one MAC, given to ops.verdict after every change. */
struct auth8021x_verdict {
	uint8_t  mac[6];
	uint16_t port;
	bool     authorized;
	enum auth_result auth;          /* AUTH_DOT1X, AUTH_MAB, AUTH_*_FAILED, AUTH_NONE */
	enum pae_method method;         /* of the authorization (CRITICAL: no server answered) */
	enum pae_reason reason;         /* why not authorized (logoff, rejected, ...) */
	char     identity[EAP_IDENTITY_MAX];   /* EAP identity, or the MAB user name */
	char     role[ROLE_NAME_MAX];   /* "" when the server named none */
	char     filter_id[ROLE_NAME_MAX];
	char     vlan[ROLE_NAME_MAX];   /* Tunnel-Private-Group-Id */
	uint32_t session_timeout_s;
	char     acct_session_id[AUTH8021X_SESSION_ID_MAX];
	bool     restored;              /* a session saved before a restart, resumed */
};

/* Per-device traffic for accounting (optional). */
struct auth8021x_counters {
	uint64_t in_octets, out_octets, in_packets, out_packets;
};

struct auth8021x_ops {
	/* Send an Ethernet frame from a LAN port. 0 or a negative errno. */
	int  (*send_frame)(void *arg, uint16_t port, const uint8_t *frame, size_t len);
	/* The authentication state of a MAC changed. */
	void (*verdict)(void *arg, const struct auth8021x_verdict *v);
	/* Optional: traffic of a MAC, for Interim-Update and Stop. 0 or -ENOENT. */
	int  (*counters)(void *arg, const uint8_t mac[6], struct auth8021x_counters *c);
	/* Optional: keep an authorized session for a restart (authorized,
	 * reauthenticated, new role or timer), and forget it (its
	 * authorization ended). */
	void (*save)(void *arg, const struct auth_session *s);
	void (*forget)(void *arg, const uint8_t mac[6]);
	void *arg;
};

struct auth8021x_session_info {
	enum pae_state state;
	bool     authorized;
	enum pae_method method;
	enum pae_reason last_reason;
	uint16_t port;
	char     identity[EAP_IDENTITY_MAX];
	char     role[ROLE_NAME_MAX];
	char     acct_session_id[AUTH8021X_SESSION_ID_MAX];
	int64_t  authorized_since_ms;   /* monotonic; 0 when not authorized */
	int64_t  next_deadline_ms;      /* monotonic; PAE_NO_DEADLINE when none */
	uint32_t session_timeout_s;     /* from the last Access-Accept; 0 none */
};

struct auth8021x_stats {
	uint64_t eapol_rx, eapol_bad, eapol_ignored, eap_tx, tx_errors;
	uint64_t group_requests;       /* Request/Identity to a segment's group address (solicit.h) */
	uint64_t sessions, sessions_full, sessions_expired;
	uint64_t access_requests, accepts, rejects, challenges, unreachable;
	uint64_t mab_requests;
	uint64_t acct_requests, acct_failed;
	uint64_t coa_requests;
};

struct auth8021x;

void auth8021x_conf_default(struct auth8021x_conf *c);
/* 0, or -EINVAL with "setting: problem" in err. */
int auth8021x_conf_check(const struct auth8021x_conf *c, char *err, size_t errlen);

/* What differs between two configurations, for a reload. */
#define AUTH8021X_CHANGED_RADIUS  0x1u   /* servers, secrets, timeouts: a new RADIUS client */
#define AUTH8021X_CHANGED_COA     0x2u   /* CoA listener address, clients, NAS identity */
#define AUTH8021X_CHANGED_PAE     0x4u   /* timers, MAB delay, unreachable action */
#define AUTH8021X_CHANGED_OTHER   0x8u   /* NAS attributes, MAB format, critical role, limits */
unsigned auth8021x_conf_changes(const struct auth8021x_conf *old, const struct auth8021x_conf *next);

int auth8021x_new(struct event_base *base, const struct auth8021x_conf *conf,
		  const struct auth8021x_ops *ops, struct auth8021x **out);
void auth8021x_free(struct auth8021x *a);
/* A session saved before a restart (ops.save), at wall-clock now_ms. Call
 * right after auth8021x_new(), before the loop runs: Accounting-On (sent
 * from the loop) is left out when a restored session continues its
 * accounting session, since it tells the server that every session of
 * this NAS ended (RFC 2866 5.1 and common server practice). The session
 * is authorized at once (a verdict with `restored`); its timer continues
 * from the saved deadline. Returns the fate (enum auth_session_fate) or
 * -EEXIST (the MAC has a session), -ENOSPC, -ENOMEM, -EINVAL. STALE ones
 * are not restored. */
int auth8021x_restore(struct auth8021x *a, const struct auth_session *s, int64_t now_ms);
/* Take a new configuration without dropping authorized sessions: a new
 * RADIUS client when its settings changed (exchanges under way start
 * again on it; accounting requests in flight finish on the old one), the
 * CoA listener rebound when its settings changed, timers and the rest in
 * place. All or nothing: 0, or a negative errno with err and nothing
 * changed. */
int auth8021x_reconfigure(struct auth8021x *a, const struct auth8021x_conf *next, char *err, size_t errlen);
/* End every authorization (Disconnect, Admin-Reset), e.g. when 802.1X is
 * switched off at a reload. */
void auth8021x_disconnect_all(struct auth8021x *a);
/* Accounting Stop (Admin-Reboot) for every session and Accounting-Off;
 * done(arg) runs once everything is answered or AUTH8021X_SHUTDOWN_MAX_MS
 * passed. No new frame is handled afterwards. */
int auth8021x_shutdown(struct auth8021x *a, void (*done)(void *arg), void *arg);

/* The MAC of LAN port `port` (source of our EAPOL frames, Called-Station-Id)
 * and its name (NAS-Port-Id). 0, -EINVAL (port >= AUTH8021X_MAX_PORTS). */
int auth8021x_set_port(struct auth8021x *a, uint16_t port, const uint8_t mac[6], const char *name);

/* A punted EAPOL frame (the whole Ethernet frame). 0, -EBADMSG (not a
 * valid EAPOL frame), -ENOSPC (session table full). */
int auth8021x_on_eapol(struct auth8021x *a, const uint8_t *frame, size_t len, uint16_t port);
/* Traffic from a MAC that is not (or no longer) authorized: starts asking
 * it for its identity, then MAB. Cheap to call for every punt. */
int auth8021x_on_mac_seen(struct auth8021x *a, const uint8_t mac[6], uint16_t port, uint16_t vlan_tci);
/* Every session of the port ends (Lost-Carrier). */
int auth8021x_port_down(struct auth8021x *a, uint16_t port);

/* Operator actions. 0 or -ENOENT (no such session) / -EALREADY. */
int auth8021x_reauthenticate(struct auth8021x *a, const uint8_t mac[6]);
int auth8021x_disconnect(struct auth8021x *a, const uint8_t mac[6]);

int auth8021x_session_info(const struct auth8021x *a, const uint8_t mac[6],
			   struct auth8021x_session_info *info);
/* Every session, in no particular order; stops at the first non-zero
 * return of cb and returns it. For listings (session.list). */
int auth8021x_foreach_session(const struct auth8021x *a,
			      int (*cb)(void *arg, const uint8_t mac[6], const struct auth8021x_session_info *info),
			      void *arg);
void auth8021x_get_stats(const struct auth8021x *a, struct auth8021x_stats *s);
/* The RADIUS client, for its statistics and server states. */
const struct radius_client *auth8021x_radius(const struct auth8021x *a);

#endif
