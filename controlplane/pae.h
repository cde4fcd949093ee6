/* pae.h — the authenticator PAE of one supplicant MAC (IEEE 802.1X-2004
 * clause 8.2.4 authenticator PAE and 8.2.9 backend authentication, merged,
 * per MAC because several supplicants share one LAN segment), plus MAC
 * Authentication Bypass for devices that never speak EAPOL.
 *
 * Pure: events in, actions out, no I/O, no clock. Every event takes `now`
 * (milliseconds, monotonic) and fills a struct pae_out with what the caller
 * must do (send an EAP packet to the supplicant, send an Access-Request,
 * authorize or unauthorize the MAC). Timers are one explicit deadline per
 * PAE: the caller arms a timer at pae_deadline() and calls pae_timer() when
 * it fires (calling it early is harmless).
 *
 * States (transitions in pae.c, each logged at debug level):
 *
 *   DISCONNECTED --kick/Start/Response--> CONNECTING (Request/Identity every
 *       tx_period, max_start times; then MAB if the MAC never sent EAPOL and
 *       MAB is on, else DISCONNECTED)
 *   DISCONNECTED --Response/Identity to the segment's group request-->
 *       AUTHENTICATING
 *   CONNECTING --Response/Identity--> AUTHENTICATING (relay: supplicant
 *       <-> server; a request unanswered for supp_timeout is sent again
 *       max_req times)
 *   CONNECTING --mab_delay, no EAPOL ever--> MAB
 *   AUTHENTICATING/MAB --Accept--> AUTHENTICATED (authorized; reauthenticate
 *       after Session-Timeout or reauth_period)
 *   AUTHENTICATING/MAB --Reject--> HELD (quiet_period) --> CONNECTING
 *   any --Logoff--> DISCONNECTED
 *
 * Reauthentication keeps the MAC authorized until it fails (802.1X-2004
 * 8.2.4.1.3). An EAPOL frame always takes over from MAB.
 */
#ifndef MENJIN_PAE_H
#define MENJIN_PAE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eapol.h"

#define PAE_NO_DEADLINE        INT64_MAX
#define PAE_MAX_ACTIONS        6
#define PAE_TIMER_MAX_MS       (24u * 3600u * 1000u)     /* any configured period */
#define PAE_MAX_RETRIES        10                        /* max_req, max_start */
/* Session-Timeout from an Access-Accept is clamped to this range so a
 * server cannot make us reauthenticate every second, nor never. */
#define PAE_REAUTH_MIN_MS      (60 * 1000)
#define PAE_REAUTH_MAX_MS      (30LL * 24 * 3600 * 1000)
/* Session-Timeout in an Access-Challenge is the supplicant timeout
 * (RFC 3580 3.17), clamped. */
#define PAE_SUPP_TIMEOUT_MIN_MS  1000
#define PAE_SUPP_TIMEOUT_MAX_MS  (120 * 1000)

enum pae_state {
	PAE_DISCONNECTED = 0,
	PAE_CONNECTING,
	PAE_AUTHENTICATING,
	PAE_MAB,
	PAE_AUTHENTICATED,
	PAE_HELD,
	PAE_STATE__MAX
};

enum pae_method {
	PAE_METHOD_NONE = 0,
	PAE_METHOD_EAP,        /* 802.1X */
	PAE_METHOD_MAB,        /* MAC Authentication Bypass */
	PAE_METHOD_CRITICAL,   /* no server answered; admitted by configuration */
	PAE_METHOD__MAX
};

/* Why an authentication failed or an authorization ended. */
enum pae_reason {
	PAE_REASON_NONE = 0,
	PAE_REASON_REJECTED,         /* Access-Reject */
	PAE_REASON_LOGOFF,           /* EAPOL-Logoff */
	PAE_REASON_SUPP_TIMEOUT,     /* the supplicant stopped answering */
	PAE_REASON_UNREACHABLE,      /* no RADIUS server answered */
	PAE_REASON_SESSION_TIMEOUT,  /* Session-Timeout, Termination-Action Default */
	PAE_REASON_ADMIN,            /* operator or Disconnect-Request */
	PAE_REASON_PORT_DOWN,
	PAE_REASON_SERVER_ERROR,     /* a reply we cannot use (Challenge without EAP request) */
	PAE_REASON__MAX
};

/* What to do when no RADIUS server answers (issue 4, "RADIUS unreachable"). */
enum pae_unreachable_action {
	PAE_UNREACHABLE_DENY = 0,    /* fail the attempt, unauthorize */
	PAE_UNREACHABLE_KEEP,        /* keep MACs that were authorized; fail new ones */
	PAE_UNREACHABLE_CRITICAL,    /* keep, and authorize new ones with METHOD_CRITICAL */
};

struct pae_config {
	uint32_t tx_period_ms;        /* txPeriod: Request/Identity retransmission (30 s) */
	uint32_t quiet_period_ms;     /* quietPeriod: HELD after a failure (60 s) */
	uint32_t supp_timeout_ms;     /* suppTimeout: wait for the supplicant (30 s) */
	uint32_t server_timeout_ms;   /* last-resort guard on an Access-Request (60 s);
	                                 the RADIUS client normally answers first */
	uint32_t reauth_period_ms;    /* reAuthPeriod (3600 s); 0 = only Session-Timeout */
	unsigned max_req;             /* retransmissions of a relayed request (2) */
	unsigned max_start;           /* Request/Identity transmissions per round (3) */
	uint32_t mab_delay_ms;        /* MAB after this long without EAPOL; 0 = MAB off */
	enum pae_unreachable_action unreachable;
	uint32_t unreachable_retry_ms; /* reauthenticate kept/critical MACs after (60 s) */
};

enum pae_action_type {
	PAE_ACT_TX_EAP = 1,   /* send eap/eap_len to the supplicant in an EAPOL EAP-Packet */
	PAE_ACT_AAA_EAP,      /* relay eap/eap_len to the server (Access-Request) */
	PAE_ACT_AAA_MAB,      /* send a MAB Access-Request for the MAC */
	PAE_ACT_AAA_CANCEL,   /* forget the outstanding Access-Request */
	PAE_ACT_AUTHORIZE,    /* the MAC is authorized by `method` (again, on reauth) */
	PAE_ACT_UNAUTHORIZE,  /* the MAC's authorization by `method` ended for `reason` */
	PAE_ACT_FAILED,       /* an attempt by `method` failed for `reason` */
};

struct pae_action {
	enum pae_action_type type;
	enum pae_method method;
	enum pae_reason reason;
	const uint8_t *eap;   /* valid until the next event on this PAE */
	size_t eap_len;
	uint8_t canned[8];    /* Request/Identity, Success, Failure built here */
};

struct pae_out {
	unsigned n;
	struct pae_action act[PAE_MAX_ACTIONS];
};

struct pae {
	uint8_t  mac[6];
	enum pae_state state;
	const struct pae_config *conf;

	bool     authorized;        /* kept through reauthentication */
	enum pae_method method;     /* of the authorization */
	enum pae_method attempt;    /* of the authentication under way */
	bool     eapol_seen;        /* the MAC spoke EAPOL: never MAB */
	bool     reauth;            /* this attempt is a reauthentication */
	bool     aaa_pending;       /* an Access-Request is outstanding */
	bool     wait_supplicant;   /* AUTHENTICATING: a request is with the supplicant */

	uint8_t  current_id;        /* EAP Identifier of the last request sent */
	unsigned tx_count;          /* Request/Identity sent this round */
	unsigned retrans;           /* retransmissions of last_req */
	uint32_t supp_timeout_ms;   /* this exchange's (Session-Timeout of a Challenge) */
	int64_t  when;              /* the state's timer, PAE_NO_DEADLINE when none */
	int64_t  mab_at;            /* CONNECTING: MAB from then on; 0 when not armed */
	bool     terminate_at_when; /* AUTHENTICATED: Termination-Action Default */
	enum pae_reason last_reason;

	char     identity[EAP_IDENTITY_MAX];
	size_t   last_req_len;
	uint8_t  last_req[EAP_MAX_LEN];   /* for retransmission */
};

/* What an Access-Accept grants, for the timers (the glue reads the rest). */
struct pae_grant {
	uint32_t session_timeout_s;   /* 0: absent */
	bool     terminate;           /* Termination-Action Default (0) with Session-Timeout */
};

void pae_config_default(struct pae_config *c);
/* 0, or -EINVAL with the setting at fault in err. */
int pae_config_check(const struct pae_config *c, char *err, size_t errlen);

/* A PAE for `mac` in DISCONNECTED. conf must outlive it. */
void pae_init(struct pae *p, const uint8_t mac[6], const struct pae_config *conf);

/* Events. Each fills *out (out->n = 0 first) and returns 0, or -EALREADY
 * when the event does not apply in the current state (ignored), or
 * -EBADMSG for an EAP packet that does not decode. Whatever the return,
 * the caller carries out every action in *out, in order. */
int pae_kick(struct pae *p, int64_t now, struct pae_out *out);          /* traffic from the MAC */
int pae_rx_start(struct pae *p, int64_t now, struct pae_out *out);      /* EAPOL-Start */
int pae_rx_logoff(struct pae *p, int64_t now, struct pae_out *out);     /* EAPOL-Logoff */
int pae_rx_eap(struct pae *p, int64_t now, const uint8_t *eap, size_t len, struct pae_out *out);
/* The same, for a Response that may answer the Request/Identity with
 * Identifier group_id sent to the supplicant's segment (solicit.h): a
 * Response/Identity carrying it is the answer to our request in
 * DISCONNECTED, CONNECTING and MAB (to AUTHENTICATING, relayed); an
 * authenticated or held MAC ignores it like any other Response. */
int pae_rx_eap_group(struct pae *p, int64_t now, const uint8_t *eap, size_t len, uint8_t group_id,
		     struct pae_out *out);
int pae_aaa_challenge(struct pae *p, int64_t now, const uint8_t *eap, size_t len,
		      uint32_t session_timeout_s, struct pae_out *out);
/* eap may be NULL (MAB, or a server that sent none: a Success is made up). */
int pae_aaa_accept(struct pae *p, int64_t now, const uint8_t *eap, size_t len,
		   const struct pae_grant *g, struct pae_out *out);
int pae_aaa_reject(struct pae *p, int64_t now, const uint8_t *eap, size_t len, struct pae_out *out);
int pae_aaa_unreachable(struct pae *p, int64_t now, struct pae_out *out);
int pae_timer(struct pae *p, int64_t now, struct pae_out *out);
int pae_reauthenticate(struct pae *p, int64_t now, struct pae_out *out);
/* New Session-Timeout/Termination-Action for an authorized MAC (a CoA,
 * RFC 5176 3.2): the reauthentication timer restarts from now. */
int pae_set_grant(struct pae *p, int64_t now, const struct pae_grant *g, struct pae_out *out);
int pae_disconnect(struct pae *p, int64_t now, enum pae_reason reason, struct pae_out *out);

/* Absolute time of the next pae_timer() call, or PAE_NO_DEADLINE. */
int64_t pae_deadline(const struct pae *p);

const char *pae_state_name(int s);      /* "CONNECTING" */
const char *pae_method_name(int m);     /* "eap", "mab", "critical" */
const char *pae_reason_name(int r);     /* "logoff" */

/* A session saved before a restart of menjind (auth_session.h), resumed. */
struct pae_resume {
	enum pae_method method;       /* EAP, MAB or CRITICAL */
	const char *identity;         /* EAP identity ("" for MAB) */
	bool     eapol_seen;
	int64_t  when;                /* the reauthentication (or end) deadline; PAE_NO_DEADLINE */
	bool     terminate;           /* Termination-Action Default at `when` */
	bool     kept;                /* admitted while no server answered */
};
/* p becomes AUTHENTICATED and authorized as r says, without actions (the
 * authorization was given before the restart). 0 or -EINVAL. */
int pae_restore(struct pae *p, const uint8_t mac[6], const struct pae_config *conf, const struct pae_resume *r,
		int64_t now);
/* The server's half of the exchange under way was lost (the RADIUS client
 * was replaced at a reload): MAB asks again, EAP asks the supplicant for
 * its identity again (the server's State is void). 0 or -EALREADY (no
 * exchange under way). */
int pae_restart(struct pae *p, int64_t now, struct pae_out *out);

#endif
