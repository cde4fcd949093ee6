/* auth8021x.c — sessions per MAC: PAE events in, frames, RADIUS requests,
 * accounting and verdicts out. */
#include "auth8021x.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "roles.h"
#include "solicit.h"

#define CONCERN "8021x"
#define HASH_BUCKETS 1024

_Static_assert(AUTH_SESSION_ID_MAX == AUTH8021X_SESSION_ID_MAX && AUTH_SESSION_MAX_CLASS == AUTH8021X_MAX_CLASS &&
	       AUTH_SESSION_MAX_PORTS == AUTH8021X_MAX_PORTS, "the saved session holds what a session holds");

struct session {
	struct auth8021x *a;
	struct session *hnext;
	struct pae pae;
	uint16_t port;
	uint16_t vlan_tci;
	struct event *timer;           /* the PAE's deadline */
	struct event *interim;         /* accounting Interim-Update */
	struct radius_request *aaa;    /* outstanding Access-Request */
	const struct radius_client *aaa_rc;   /* the client it went to */
	bool     aaa_failed;           /* it could not be sent: unreachable at the next timer */
	size_t   state_len;            /* RADIUS State of the exchange (RFC 2865 5.24) */
	uint8_t  state[AUTH8021X_STATE_MAX];
	int64_t  last_seen;
	int64_t  no_kick_until;
	int64_t  authorized_since;
	enum auth_result last_auth;    /* outcome of the last attempt, for the verdict */
	bool     verdict_dirty;
	char     mab_user[RADIUS_STATION_ID_LEN];
	/* what the last Access-Accept granted */
	char     role[ROLE_NAME_MAX];
	char     filter_id[ROLE_NAME_MAX];
	char     vlan[ROLE_NAME_MAX];
	uint32_t session_timeout_s;
	uint32_t interim_s;
	unsigned nclass;
	uint8_t  class_len[AUTH8021X_MAX_CLASS];
	uint8_t  class[AUTH8021X_MAX_CLASS][RADIUS_ATTR_MAX_VALUE];
	/* accounting */
	char     acct_session_id[AUTH8021X_SESSION_ID_MAX];
	bool     acct_started;
	enum pae_method acct_method;
	int64_t  acct_start_ms;
	char     acct_user[EAP_IDENTITY_MAX];   /* User-Name of the accounting session */
	/* the last verdict given, so an unchanged one is not repeated */
	bool     told;
	struct auth8021x_verdict last_told;
	/* saved for a restart (ops.save) */
	bool     saved;                /* a saved copy exists */
	bool     persist_dirty;        /* something saved changed */
	int64_t  saved_when;           /* pae.when of the saved copy */
	bool     restoring;            /* the next verdict is the restored one */
	bool     acct_start_due;       /* restored after a clean stop: Start from the loop */
};

/* A RADIUS client and the accounting requests it still carries; a reload
 * replaces the current one and the old one lives until they are answered. */
struct rc_ref {
	struct auth8021x *a;
	struct radius_client *rc;
	unsigned pending;
	struct rc_ref *next;           /* retired ones */
};

struct port_info {
	bool    set;
	uint8_t mac[6];
	char    name[AUTH8021X_PORT_NAME_MAX];
};

struct auth8021x {
	struct event_base *base;
	struct auth8021x_conf conf;
	struct auth8021x_ops ops;
	struct radius_client *rc;      /* = cur->rc */
	struct rc_ref *cur;
	struct rc_ref *retired;
	struct event *reap;            /* frees retired clients with nothing pending */
	struct radius_coa *coa;
	struct event *acct_on;         /* Accounting-On, from the loop */
	bool     acct_continues;       /* a restored session continues its accounting */
	struct port_info ports[AUTH8021X_MAX_PORTS];
	struct session *buckets[HASH_BUCKETS];
	unsigned nsessions;
	uint32_t boot_id;
	uint32_t session_seq;
	struct event *gc;
	struct solicit solicit;        /* Request/Identity to segments' group address */
	struct event *solicit_timer;
	struct auth8021x_stats st;
	/* shutdown */
	bool     shutting_down;
	bool     done_called;
	unsigned acct_pending;
	void   (*done)(void *arg);
	void    *done_arg;
	struct event *shutdown_timer;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Saved sessions outlive the monotonic clock (a reboot): wall clock. */
static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mac_text(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* ---- configuration ----------------------------------------------------- */

void auth8021x_conf_default(struct auth8021x_conf *c)
{
	memset(c, 0, sizeof(*c));
	pae_config_default(&c->pae);
	radius_client_conf_default(&c->radius);
	snprintf(c->nas_identifier, sizeof(c->nas_identifier), "menjin");
	c->mab_format = MAB_FORMAT_PLAIN;
	c->framed_mtu = 1400;
	c->acct_interim_s = 0;
	c->max_sessions = 1024;
	c->idle_timeout_ms = 300000;
	c->rekick_ms = 300000;
}

/* Copy a role name checked by role_name_valid(). */
static void copy_role(char dst[ROLE_NAME_MAX], const char *src)
{
	size_t n = strnlen(src, ROLE_NAME_MAX - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int auth8021x_conf_check(const struct auth8021x_conf *c, char *err, size_t errlen)
{
	char sub[160];
	int rc;

	if ((rc = pae_config_check(&c->pae, sub, sizeof(sub))) < 0) {
		snprintf(err, errlen, "dot1x: %s", sub);
		return rc;
	}
	if ((rc = radius_client_conf_check(&c->radius, sub, sizeof(sub))) < 0) {
		snprintf(err, errlen, "radius: %s", sub);
		return rc;
	}
	if (c->radius.nservers[RADIUS_SVC_AUTH] == 0) {
		snprintf(err, errlen, "radius: at least one authentication server is needed");
		return -EINVAL;
	}
	/* RFC 2865 4.1: an Access-Request names its NAS. */
	if (!c->nas_identifier[0] && !c->nas_ip) {
		snprintf(err, errlen, "nas_identifier or nas_ip is needed");
		return -EINVAL;
	}
	if (c->mab_format > MAB_FORMAT_COLON) {
		snprintf(err, errlen, "mab_format: unknown");
		return -EINVAL;
	}
	if (c->pae.unreachable == PAE_UNREACHABLE_CRITICAL && !role_name_valid(c->critical_role)) {
		snprintf(err, errlen, "critical_role: a role name is needed with unreachable critical");
		return -EINVAL;
	}
	if (c->framed_mtu && (c->framed_mtu < 576 || c->framed_mtu > 9000)) {
		snprintf(err, errlen, "framed_mtu: %u is outside 576..9000", c->framed_mtu);
		return -EINVAL;
	}
	if (c->acct_interim_s && c->acct_interim_s < AUTH8021X_INTERIM_MIN_S) {
		snprintf(err, errlen, "acct_interim: at least %d s", AUTH8021X_INTERIM_MIN_S);
		return -EINVAL;
	}
	if (c->max_sessions == 0 || c->max_sessions > AUTH8021X_MAX_SESSIONS) {
		snprintf(err, errlen, "max_sessions: 1..%d", AUTH8021X_MAX_SESSIONS);
		return -EINVAL;
	}
	if (c->idle_timeout_ms < 1000 || c->idle_timeout_ms > PAE_TIMER_MAX_MS) {
		snprintf(err, errlen, "idle_timeout: 1 s .. 1 day");
		return -EINVAL;
	}
	if (c->coa_enabled && (rc = radius_coa_conf_check(&c->coa, sub, sizeof(sub))) < 0) {
		snprintf(err, errlen, "coa: %s", sub);
		return rc;
	}
	return 0;
}

/* ---- sessions ---------------------------------------------------------- */

static unsigned bucket_of(const uint8_t mac[6])
{
	uint32_t h = 2166136261u;          /* FNV-1a */
	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h & (HASH_BUCKETS - 1);
}

static struct session *find(const struct auth8021x *a, const uint8_t mac[6])
{
	for (struct session *s = a->buckets[bucket_of(mac)]; s; s = s->hnext)
		if (memcmp(s->pae.mac, mac, 6) == 0)
			return s;
	return NULL;
}

static void on_session_timer(evutil_socket_t fd, short what, void *arg);
static void on_interim(evutil_socket_t fd, short what, void *arg);

/* The MAB User-Name and User-Password of a MAC in the configured form. */
static void mab_user_of(const struct auth8021x *a, const uint8_t mac[6], char out[RADIUS_STATION_ID_LEN])
{
	switch (a->conf.mab_format) {
	case MAB_FORMAT_IETF:
		radius_station_id(mac, out);
		break;
	case MAB_FORMAT_COLON:
		mac_text(mac, out);
		break;
	default:
		snprintf(out, RADIUS_STATION_ID_LEN, "%02x%02x%02x%02x%02x%02x", mac[0], mac[1], mac[2], mac[3],
			 mac[4], mac[5]);
		break;
	}
}

static struct session *create(struct auth8021x *a, const uint8_t mac[6], uint16_t port, uint16_t tci)
{
	struct session *s;
	unsigned b = bucket_of(mac);

	if (a->nsessions >= a->conf.max_sessions) {
		a->st.sessions_full++;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->a = a;
	pae_init(&s->pae, mac, &a->conf.pae);
	s->port = port;
	s->vlan_tci = tci;
	s->timer = evtimer_new(a->base, on_session_timer, s);
	s->interim = evtimer_new(a->base, on_interim, s);
	if (!s->timer || !s->interim) {
		if (s->timer)
			event_free(s->timer);
		if (s->interim)
			event_free(s->interim);
		free(s);
		return NULL;
	}
	mab_user_of(a, mac, s->mab_user);
	s->hnext = a->buckets[b];
	a->buckets[b] = s;
	a->nsessions++;
	a->st.sessions++;
	return s;
}

static void destroy(struct session *s)
{
	struct auth8021x *a = s->a;
	struct session **pp = &a->buckets[bucket_of(s->pae.mac)];

	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	a->nsessions--;
	if (s->aaa)
		radius_client_cancel(s->aaa);
	event_free(s->timer);
	event_free(s->interim);
	free(s);
}

static void new_acct_session_id(struct auth8021x *a, struct session *s)
{
	snprintf(s->acct_session_id, sizeof(s->acct_session_id), "%08" PRIX32 "-%08" PRIX32,
		 a->boot_id, ++a->session_seq);
}

/* ---- attributes we send ------------------------------------------------ */

/* The NAS and the station: RFC 2865 4.1, RFC 3580 3.x. */
static int put_station(const struct auth8021x *a, const struct session *s, struct radius_attrs *at)
{
	char id[RADIUS_STATION_ID_LEN];
	const struct port_info *pi = s->port < AUTH8021X_MAX_PORTS ? &a->ports[s->port] : NULL;
	int rc = 0;

	if (a->conf.nas_ip)
		rc |= radius_attrs_put_u32(at, RADIUS_ATTR_NAS_IP_ADDRESS, a->conf.nas_ip);
	if (a->conf.nas_identifier[0])
		rc |= radius_attrs_put_text(at, RADIUS_ATTR_NAS_IDENTIFIER, a->conf.nas_identifier);
	rc |= radius_attrs_put_u32(at, RADIUS_ATTR_NAS_PORT, s->port);
	rc |= radius_attrs_put_u32(at, RADIUS_ATTR_NAS_PORT_TYPE, RADIUS_NAS_PORT_TYPE_ETHERNET);
	if (pi && pi->set && pi->name[0])
		rc |= radius_attrs_put_text(at, RADIUS_ATTR_NAS_PORT_ID, pi->name);
	radius_station_id(s->pae.mac, id);
	rc |= radius_attrs_put_text(at, RADIUS_ATTR_CALLING_STATION_ID, id);
	if (pi && pi->set) {
		radius_station_id(pi->mac, id);
		rc |= radius_attrs_put_text(at, RADIUS_ATTR_CALLED_STATION_ID, id);
	}
	if (s->acct_session_id[0])
		rc |= radius_attrs_put_text(at, RADIUS_ATTR_ACCT_SESSION_ID, s->acct_session_id);
	return rc ? -ENOSPC : 0;
}

static void on_access_reply(void *arg, int status, const struct radius_msg *m);

static void send_access_request(struct session *s, const uint8_t *eap, size_t eap_len, bool mab)
{
	struct auth8021x *a = s->a;
	struct radius_attrs *at = malloc(sizeof(*at));
	const char *user = mab ? s->mab_user : s->pae.identity;
	char mac[18];
	int rc = 0;

	mac_text(s->pae.mac, mac);
	if (!at)
		goto fail;
	if (s->aaa) {
		radius_client_cancel(s->aaa);
		s->aaa = NULL;
	}
	/* One Acct-Session-Id per authentication, kept through reauthentication. */
	if (!s->acct_session_id[0])
		new_acct_session_id(a, s);
	radius_attrs_init(at);
	if (user[0])
		rc |= radius_attrs_put_text(at, RADIUS_ATTR_USER_NAME, user);
	rc |= radius_attrs_put_u32(at, RADIUS_ATTR_SERVICE_TYPE,
				   mab ? RADIUS_SERVICE_CALL_CHECK : RADIUS_SERVICE_FRAMED);
	rc |= put_station(a, s, at);
	if (!mab) {
		if (a->conf.framed_mtu)
			rc |= radius_attrs_put_u32(at, RADIUS_ATTR_FRAMED_MTU, a->conf.framed_mtu);
		if (s->state_len)
			rc |= radius_attrs_put(at, RADIUS_ATTR_STATE, s->state, s->state_len);
		rc |= radius_attrs_put_eap(at, eap, eap_len);
	} else {
		s->state_len = 0;
	}
	if (rc) {
		rc = -ENOSPC;       /* the attributes did not fit one packet */
		goto fail;
	}
	/* MAB: the MAC is both name and password, by convention. */
	rc = radius_client_send(a->rc, RADIUS_SVC_AUTH, RADIUS_ACCESS_REQUEST, at,
				mab ? (const uint8_t *)s->mab_user : NULL, mab ? strlen(s->mab_user) : 0,
				on_access_reply, s, &s->aaa);
	if (rc < 0)
		goto fail;
	s->aaa_rc = a->rc;
	free(at);
	a->st.access_requests++;
	if (mab)
		a->st.mab_requests++;
	log_debug(CONCERN, "%s: Access-Request (%s) for \"%s\"", mac, mab ? "MAB" : "EAP", user);
	return;
fail:
	free(at);
	log_warn(CONCERN, "%s: cannot send Access-Request: %s", mac, rc ? strerror(-rc) : "no memory");
	/* As if no server answered: the PAE applies the unreachable action,
	 * from the timer so the PAE is not re-entered. */
	s->aaa = NULL;
	s->aaa_failed = true;
}

/* ---- accounting (RFC 2866) --------------------------------------------- */

static void shutdown_check(struct auth8021x *a);

static void on_acct_reply(void *arg, int status, const struct radius_msg *m)
{
	struct rc_ref *ref = arg;
	struct auth8021x *a = ref->a;
	(void)m;
	if (status < 0) {
		a->st.acct_failed++;
		log_warn(CONCERN, "Accounting-Request not answered: %s", strerror(-status));
	}
	if (a->acct_pending)
		a->acct_pending--;
	if (ref->pending)
		ref->pending--;
	/* A client replaced at a reload goes once it carries nothing (not
	 * from here: callbacks must not free their client). */
	if (ref != a->cur && ref->pending == 0)
		event_active(a->reap, 0, 0);
	shutdown_check(a);
}

static uint32_t terminate_cause(enum pae_reason r)
{
	switch (r) {
	case PAE_REASON_LOGOFF:          return RADIUS_TERM_USER_REQUEST;
	case PAE_REASON_REJECTED:        return RADIUS_TERM_REAUTH_FAILURE;
	case PAE_REASON_SUPP_TIMEOUT:    return RADIUS_TERM_REAUTH_FAILURE;
	case PAE_REASON_UNREACHABLE:     return RADIUS_TERM_SERVICE_UNAVAILABLE;
	case PAE_REASON_SESSION_TIMEOUT: return RADIUS_TERM_SESSION_TIMEOUT;
	case PAE_REASON_ADMIN:           return RADIUS_TERM_ADMIN_RESET;
	case PAE_REASON_PORT_DOWN:       return RADIUS_TERM_LOST_CARRIER;
	case PAE_REASON_SERVER_ERROR:    return RADIUS_TERM_NAS_ERROR;
	default:                         return RADIUS_TERM_NAS_REQUEST;
	}
}

/* One Accounting-Request; s is NULL for Accounting-On/Off. */
static void acct_send(struct auth8021x *a, struct session *s, uint32_t status_type, uint32_t cause)
{
	struct radius_attrs *at;
	char nas_session[AUTH8021X_SESSION_ID_MAX];
	int rc = 0;

	if (a->conf.radius.nservers[RADIUS_SVC_ACCT] == 0)
		return;
	at = malloc(sizeof(*at));
	if (!at)
		return;
	radius_attrs_init(at);
	rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_STATUS_TYPE, status_type);
	rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_DELAY_TIME, 0);
	rc |= radius_attrs_put_u32(at, RADIUS_ATTR_EVENT_TIMESTAMP, (uint32_t)time(NULL));
	if (!s) {
		snprintf(nas_session, sizeof(nas_session), "%08" PRIX32 "-00000000", a->boot_id);
		rc |= radius_attrs_put_text(at, RADIUS_ATTR_ACCT_SESSION_ID, nas_session);
		if (a->conf.nas_ip)
			rc |= radius_attrs_put_u32(at, RADIUS_ATTR_NAS_IP_ADDRESS, a->conf.nas_ip);
		if (a->conf.nas_identifier[0])
			rc |= radius_attrs_put_text(at, RADIUS_ATTR_NAS_IDENTIFIER, a->conf.nas_identifier);
	} else {
		if (s->acct_user[0])
			rc |= radius_attrs_put_text(at, RADIUS_ATTR_USER_NAME, s->acct_user);
		rc |= put_station(a, s, at);
		rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_AUTHENTIC, RADIUS_ACCT_AUTHENTIC_RADIUS);
		/* RFC 2865 5.25: Class is sent back unmodified. */
		for (unsigned i = 0; i < s->nclass; i++)
			rc |= radius_attrs_put(at, RADIUS_ATTR_CLASS, s->class[i], s->class_len[i]);
		if (status_type != RADIUS_ACCT_START) {
			struct auth8021x_counters c;
			int64_t secs = (now_ms() - s->acct_start_ms) / 1000;
			rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_SESSION_TIME, (uint32_t)secs);
			if (a->ops.counters && a->ops.counters(a->ops.arg, s->pae.mac, &c) == 0) {
				rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_INPUT_OCTETS, (uint32_t)c.in_octets);
				rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_OUTPUT_OCTETS, (uint32_t)c.out_octets);
				rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_INPUT_GIGAWORDS,
							   (uint32_t)(c.in_octets >> 32));
				rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_OUTPUT_GIGAWORDS,
							   (uint32_t)(c.out_octets >> 32));
				rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_INPUT_PACKETS, (uint32_t)c.in_packets);
				rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_OUTPUT_PACKETS, (uint32_t)c.out_packets);
			}
		}
		if (status_type == RADIUS_ACCT_STOP)
			rc |= radius_attrs_put_u32(at, RADIUS_ATTR_ACCT_TERMINATE_CAUSE, cause);
	}
	if (rc == 0)
		rc = radius_client_send(a->rc, RADIUS_SVC_ACCT, RADIUS_ACCOUNTING_REQUEST, at, NULL, 0,
					on_acct_reply, a->cur, NULL);
	else
		rc = -ENOSPC;
	free(at);
	if (rc < 0) {
		a->st.acct_failed++;
		log_warn(CONCERN, "cannot send Accounting-Request: %s", strerror(-rc));
		return;
	}
	a->st.acct_requests++;
	a->acct_pending++;
	a->cur->pending++;
}

static void arm_interim(struct session *s)
{
	uint32_t secs = s->interim_s ? s->interim_s : s->a->conf.acct_interim_s;
	struct timeval tv = { secs, 0 };

	if (secs && s->acct_started)
		evtimer_add(s->interim, &tv);
	else
		evtimer_del(s->interim);
}

static const char *user_of(const struct session *s, enum pae_method m)
{
	return m == PAE_METHOD_MAB ? s->mab_user : s->pae.identity;
}

static void acct_start(struct session *s, enum pae_method m)
{
	s->acct_started = true;
	s->acct_method = m;
	snprintf(s->acct_user, sizeof(s->acct_user), "%s", user_of(s, m));
	s->acct_start_ms = now_ms();
	acct_send(s->a, s, RADIUS_ACCT_START, 0);
	arm_interim(s);
}

static void acct_stop(struct session *s, uint32_t cause)
{
	if (!s->acct_started)
		return;
	acct_send(s->a, s, RADIUS_ACCT_STOP, cause);
	s->acct_started = false;
	evtimer_del(s->interim);
}

static void on_interim(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	(void)fd;
	(void)what;
	if (!s->acct_started)
		return;
	acct_send(s->a, s, RADIUS_ACCT_INTERIM_UPDATE, 0);
	arm_interim(s);
}

/* ---- carrying out the PAE's actions ------------------------------------ */

static void send_eap(struct session *s, const uint8_t *eap, size_t len)
{
	struct auth8021x *a = s->a;
	static const uint8_t fallback[6] = { 0x02, 0, 0, 0, 0, 0 };
	const uint8_t *src = s->port < AUTH8021X_MAX_PORTS && a->ports[s->port].set
			     ? a->ports[s->port].mac : fallback;
	uint8_t frame[EAPOL_FRAME_MAX];
	size_t n = 0;
	int rc;

	if (!len)
		return;
	rc = eapol_encode(frame, sizeof(frame), s->pae.mac, src, s->vlan_tci, EAPOL_EAP_PACKET, eap,
			  len, &n);
	if (rc == 0)
		rc = a->ops.send_frame ? a->ops.send_frame(a->ops.arg, s->port, frame, n) : -ENOTCONN;
	if (rc < 0) {
		a->st.tx_errors++;
		log_debug(CONCERN, "EAPOL frame not sent: %s", strerror(-rc));
		return;
	}
	a->st.eap_tx++;
}

/* One EAP-Request/Identity to the PAE group address of a segment, for the
 * supplicants on it that wait without a word (solicit.h). */
static void send_group_identity(struct auth8021x *a, uint16_t port, uint16_t vlan_tci, uint8_t id)
{
	static const uint8_t pae_group[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x03 };
	uint8_t eap[EAP_HDR_LEN + 1], frame[EAPOL_FRAME_MAX];
	size_t elen = 0, n = 0;
	int rc = -ENOTCONN;

	if (port >= AUTH8021X_MAX_PORTS || !a->ports[port].set)
		return;     /* before the fast path told us the port's MAC */
	if (eap_encode(eap, sizeof(eap), EAP_CODE_REQUEST, id, EAP_TYPE_IDENTITY, NULL, 0, &elen) == 0 &&
	    eapol_encode(frame, sizeof(frame), pae_group, a->ports[port].mac, vlan_tci, EAPOL_EAP_PACKET, eap,
			 elen, &n) == 0 && a->ops.send_frame)
		rc = a->ops.send_frame(a->ops.arg, port, frame, n);
	if (rc < 0) {
		a->st.tx_errors++;
		log_debug(CONCERN, "group Request/Identity not sent on port %u: %s", port, strerror(-rc));
		return;
	}
	a->st.group_requests++;
	log_debug(CONCERN, "port %u vlan %u: Request/Identity %u to the group address", port, vlan_tci & 0xfff, id);
}

static void arm_solicit(struct auth8021x *a)
{
	int64_t d = solicit_deadline(&a->solicit), now = now_ms();
	struct timeval tv;

	if (d == SOLICIT_NONE) {
		evtimer_del(a->solicit_timer);
		return;
	}
	d = d > now ? d - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(a->solicit_timer, &tv);
}

static void on_solicit_timer(evutil_socket_t fd, short what, void *arg)
{
	struct auth8021x *a = arg;
	int64_t now = now_ms();
	uint16_t port, tci;
	uint8_t id;
	(void)fd;
	(void)what;

	if (a->shutting_down)
		return;
	while (solicit_next(&a->solicit, now, &port, &tci, &id) == 0)
		send_group_identity(a, port, tci, id);
	arm_solicit(a);
}

static void clear_grant(struct session *s)
{
	s->role[0] = s->filter_id[0] = s->vlan[0] = '\0';
	s->session_timeout_s = 0;
	s->interim_s = 0;
	s->nclass = 0;
}

static void run(struct session *s, const struct pae_out *out)
{
	struct auth8021x *a = s->a;

	for (unsigned i = 0; i < out->n; i++) {
		const struct pae_action *act = &out->act[i];
		switch (act->type) {
		case PAE_ACT_TX_EAP:
			send_eap(s, act->eap, act->eap_len);
			break;
		case PAE_ACT_AAA_EAP:
			send_access_request(s, act->eap, act->eap_len, false);
			break;
		case PAE_ACT_AAA_MAB:
			send_access_request(s, NULL, 0, true);
			break;
		case PAE_ACT_AAA_CANCEL:
			if (s->aaa)
				radius_client_cancel(s->aaa);
			s->aaa = NULL;
			s->aaa_failed = false;
			s->state_len = 0;
			break;
		case PAE_ACT_AUTHORIZE:
			if (!s->authorized_since)
				s->authorized_since = now_ms();
			if (act->method == PAE_METHOD_CRITICAL) {
				clear_grant(s);
				snprintf(s->role, sizeof(s->role), "%s", a->conf.critical_role);
			} else if (!s->acct_started) {
				acct_start(s, act->method);
			} else if (s->acct_method != act->method ||
				   strcmp(s->acct_user, user_of(s, act->method)) != 0) {
				/* MAB replaced by 802.1X, or another user on the MAC:
				 * a new session for the accounting. */
				acct_stop(s, RADIUS_TERM_SUPPLICANT_RESTART);
				new_acct_session_id(a, s);
				acct_start(s, act->method);
			} else {
				arm_interim(s);
			}
			s->last_auth = act->method == PAE_METHOD_MAB ? AUTH_MAB
				       : act->method == PAE_METHOD_EAP ? AUTH_DOT1X : AUTH_NONE;
			s->verdict_dirty = true;
			s->persist_dirty = true;
			break;
		case PAE_ACT_UNAUTHORIZE:
			acct_stop(s, terminate_cause(act->reason));
			clear_grant(s);
			s->authorized_since = 0;
			s->acct_session_id[0] = '\0';
			if (s->last_auth == AUTH_DOT1X || s->last_auth == AUTH_MAB)
				s->last_auth = AUTH_NONE;
			s->verdict_dirty = true;
			break;
		case PAE_ACT_FAILED:
			s->last_auth = act->method == PAE_METHOD_MAB ? AUTH_MAB_FAILED : AUTH_DOT1X_FAILED;
			if (!s->pae.authorized) {
				clear_grant(s);
				s->acct_session_id[0] = '\0';
			}
			s->verdict_dirty = true;
			break;
		}
	}
}

static void emit_verdict(struct session *s)
{
	struct auth8021x *a = s->a;
	struct auth8021x_verdict v;
	char mac[18];

	if (!s->verdict_dirty)
		return;
	s->verdict_dirty = false;
	memset(&v, 0, sizeof(v));
	memcpy(v.mac, s->pae.mac, 6);
	v.port = s->port;
	v.authorized = s->pae.authorized;
	v.method = s->pae.method;
	v.reason = s->pae.last_reason;
	v.auth = s->last_auth;
	if (v.authorized && v.method == PAE_METHOD_CRITICAL)
		v.auth = AUTH_NONE;
	snprintf(v.identity, sizeof(v.identity), "%s",
		 (v.authorized ? v.method : s->pae.attempt) == PAE_METHOD_MAB ||
		 s->last_auth == AUTH_MAB_FAILED ? s->mab_user : s->pae.identity);
	snprintf(v.role, sizeof(v.role), "%s", s->role);
	snprintf(v.filter_id, sizeof(v.filter_id), "%s", s->filter_id);
	snprintf(v.vlan, sizeof(v.vlan), "%s", s->vlan);
	v.session_timeout_s = s->session_timeout_s;
	snprintf(v.acct_session_id, sizeof(v.acct_session_id), "%s", s->acct_session_id);
	v.restored = s->restoring;
	s->restoring = false;
	/* The same outcome again (a rejected MAC retried, a reauthentication
	 * granting the same) is not news for the policy. */
	if (s->told && memcmp(&v, &s->last_told, sizeof(v)) == 0)
		return;
	s->told = true;
	s->last_told = v;
	mac_text(v.mac, mac);
	if (v.authorized)
		log_info(CONCERN, "%s: authorized by %s, identity \"%s\", role \"%s\"", mac,
			 pae_method_name(v.method), v.identity, v.role);
	else
		log_info(CONCERN, "%s: not authorized (%s, %s), identity \"%s\"", mac,
			 auth_result_name(v.auth), pae_reason_name(v.reason), v.identity);
	if (a->ops.verdict)
		a->ops.verdict(a->ops.arg, &v);
}

/* ---- saved for a restart ------------------------------------------------ */

static int64_t to_wall(int64_t mono_t, int64_t mono_now, int64_t wall_now)
{
	int64_t w = wall_now + (mono_t - mono_now);
	return w > 0 ? w : 1;
}

static void saved_form(const struct session *s, struct auth_session *r)
{
	int64_t mono = now_ms(), wall = wall_ms();

	memset(r, 0, sizeof(*r));
	memcpy(r->mac, s->pae.mac, 6);
	r->method = s->pae.method;
	snprintf(r->identity, sizeof(r->identity), "%s",
		 s->pae.method == PAE_METHOD_MAB ? s->mab_user : s->pae.identity);
	r->port = s->port;
	r->vlan_tci = s->vlan_tci;
	snprintf(r->role, sizeof(r->role), "%s", s->role);
	snprintf(r->filter_id, sizeof(r->filter_id), "%s", s->filter_id);
	snprintf(r->vlan, sizeof(r->vlan), "%s", s->vlan);
	r->session_timeout_s = s->session_timeout_s;
	r->interim_s = s->interim_s;
	r->nclass = s->nclass;
	memcpy(r->class_len, s->class_len, sizeof(r->class_len));
	memcpy(r->class, s->class, sizeof(r->class));
	if (s->pae.state == PAE_AUTHENTICATED) {
		r->reauth_at_ms = s->pae.when == PAE_NO_DEADLINE ? 0 : to_wall(s->pae.when, mono, wall);
		r->terminate = s->pae.terminate_at_when && r->reauth_at_ms;
	} else {
		r->reauth_at_ms = wall;     /* a reauthentication was under way: due */
	}
	snprintf(r->acct_session_id, sizeof(r->acct_session_id), "%s", s->acct_session_id);
	r->acct_started = s->acct_started;
	snprintf(r->acct_user, sizeof(r->acct_user), "%s", s->acct_user);
	r->acct_start_ms = s->acct_started ? to_wall(s->acct_start_ms, mono, wall) : 0;
	r->authorized_since_ms = s->authorized_since ? to_wall(s->authorized_since, mono, wall) : wall;
	r->kept = s->pae.method == PAE_METHOD_CRITICAL || s->pae.last_reason == PAE_REASON_UNREACHABLE;
	r->eapol = s->pae.eapol_seen;
	r->saved_ms = wall;
}

/* Keep the saved copy equal to an authorized session: saved when it is
 * AUTHENTICATED and something saved changed (authorization, role, timer),
 * forgotten when its authorization ends. `force`: save in any state. */
static void persist(struct session *s, bool force)
{
	struct auth8021x *a = s->a;
	struct auth_session r;

	if (!s->pae.authorized) {
		if (s->saved && a->ops.forget)
			a->ops.forget(a->ops.arg, s->pae.mac);
		s->saved = false;
		s->persist_dirty = false;
		return;
	}
	if (!a->ops.save)
		return;
	if (!force && (s->pae.state != PAE_AUTHENTICATED ||
		       (s->saved && !s->persist_dirty && s->saved_when == s->pae.when)))
		return;
	saved_form(s, &r);
	a->ops.save(a->ops.arg, &r);
	s->saved = true;
	s->persist_dirty = false;
	s->saved_when = s->pae.when;
}

static void arm(struct session *s)
{
	int64_t d = pae_deadline(&s->pae), now;
	struct timeval tv;

	now = now_ms();
	if (s->aaa_failed)
		d = now;
	if (d == PAE_NO_DEADLINE) {
		evtimer_del(s->timer);
		return;
	}
	d = d > now ? d - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(s->timer, &tv);
}

static void after_event(struct session *s, const struct pae_out *out)
{
	run(s, out);
	emit_verdict(s);
	arm(s);
	persist(s, false);
}

static void on_session_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct pae_out out;
	int64_t now = now_ms();
	(void)fd;
	(void)what;

	if (s->a->shutting_down)
		return;
	/* An Access-Request that could not be sent (send_access_request). */
	if (s->aaa_failed) {
		s->aaa_failed = false;
		s->a->st.unreachable++;
		pae_aaa_unreachable(&s->pae, now, &out);
	} else {
		pae_timer(&s->pae, now, &out);
	}
	after_event(s, &out);
}

/* ---- RADIUS replies ---------------------------------------------------- */

static void take_grant(struct session *s, const struct radius_msg *m, struct pae_grant *g)
{
	char text[RADIUS_ATTR_MAX_VALUE + 1], mac[18];
	uint32_t v, ttype;
	unsigned pos = 0;
	const struct radius_attr *at;

	mac_text(s->pae.mac, mac);
	clear_grant(s);
	memset(g, 0, sizeof(*g));
	if (radius_get_text(m, RADIUS_ATTR_FILTER_ID, text, sizeof(text)) == 0) {
		if (role_name_valid(text))
			copy_role(s->filter_id, text);
		else
			log_warn(CONCERN, "%s: Filter-Id \"%.64s\" is not a role name, ignored", mac, text);
	}
	/* RFC 3580 3.31: a VLAN assignment names the group; we read it as a role. */
	if (radius_get_tunnel_group(m, text, sizeof(text)) == 0 &&
	    (radius_get_tagged_u32(m, RADIUS_ATTR_TUNNEL_TYPE, &ttype) != 0 ||
	     ttype == RADIUS_TUNNEL_TYPE_VLAN)) {
		if (role_name_valid(text))
			copy_role(s->vlan, text);
		else
			log_warn(CONCERN, "%s: Tunnel-Private-Group-Id \"%.64s\" is not a role name, ignored",
				 mac, text);
	}
	snprintf(s->role, sizeof(s->role), "%s", s->filter_id[0] ? s->filter_id : s->vlan);
	if (radius_get_u32(m, RADIUS_ATTR_SESSION_TIMEOUT, &v) == 0) {
		s->session_timeout_s = v;
		g->session_timeout_s = v;
		/* RFC 2865 5.29: absent Termination-Action is Default (0). */
		g->terminate = !(radius_get_u32(m, RADIUS_ATTR_TERMINATION_ACTION, &v) == 0 &&
				 v == RADIUS_TERMINATION_RADIUS_REQUEST);
	}
	if (radius_get_u32(m, RADIUS_ATTR_ACCT_INTERIM_INTERVAL, &v) == 0)
		s->interim_s = v < AUTH8021X_INTERIM_MIN_S ? AUTH8021X_INTERIM_MIN_S : v;
	while ((at = radius_next(m, RADIUS_ATTR_CLASS, &pos)) != NULL && s->nclass < AUTH8021X_MAX_CLASS) {
		memcpy(s->class[s->nclass], at->value, at->len);
		s->class_len[s->nclass++] = at->len;
	}
}

static void on_access_reply(void *arg, int status, const struct radius_msg *m)
{
	struct session *s = arg;
	struct auth8021x *a = s->a;
	struct pae_out out;
	struct pae_grant g;
	int64_t now = now_ms();
	uint8_t *eap = NULL;
	size_t eap_len = 0;
	uint32_t v = 0;
	int erc = -ENOENT;

	s->aaa = NULL;
	if (status < 0) {
		a->st.unreachable++;
		s->state_len = 0;
		pae_aaa_unreachable(&s->pae, now, &out);
		after_event(s, &out);
		return;
	}
	eap = malloc(RADIUS_MAX_LEN);
	if (eap)
		erc = radius_get_eap(m, eap, RADIUS_MAX_LEN, &eap_len);
	switch (m->code) {
	case RADIUS_ACCESS_CHALLENGE: {
		const struct radius_attr *st = radius_find(m, RADIUS_ATTR_STATE);
		a->st.challenges++;
		s->state_len = 0;
		if (st) {
			memcpy(s->state, st->value, st->len);
			s->state_len = st->len;
		}
		(void)radius_get_u32(m, RADIUS_ATTR_SESSION_TIMEOUT, &v);
		pae_aaa_challenge(&s->pae, now, erc == 0 ? eap : NULL, eap_len, v, &out);
		break;
	}
	case RADIUS_ACCESS_ACCEPT:
		a->st.accepts++;
		s->state_len = 0;
		take_grant(s, m, &g);
		/* Unusable EAP in an Accept: fail closed. */
		if (erc == -EBADMSG || erc == -ENOSPC)
			pae_aaa_reject(&s->pae, now, NULL, 0, &out);
		else
			pae_aaa_accept(&s->pae, now, erc == 0 ? eap : NULL, eap_len, &g, &out);
		break;
	default:
		a->st.rejects++;
		s->state_len = 0;
		pae_aaa_reject(&s->pae, now, erc == 0 ? eap : NULL, eap_len, &out);
		break;
	}
	after_event(s, &out);
	free(eap);
}

static void on_server_up(void *arg, enum radius_service svc, unsigned index)
{
	struct auth8021x *a = arg;
	int64_t now = now_ms();

	if (svc != RADIUS_SVC_AUTH)
		return;
	log_info(CONCERN, "authentication server %u answers again: reauthenticating kept sessions",
		 index + 1);
	for (unsigned b = 0; b < HASH_BUCKETS; b++) {
		for (struct session *s = a->buckets[b]; s; s = s->hnext) {
			struct pae_out out;
			if (!s->pae.authorized || (s->pae.method != PAE_METHOD_CRITICAL &&
						   s->pae.last_reason != PAE_REASON_UNREACHABLE))
				continue;
			if (pae_reauthenticate(&s->pae, now, &out) == 0)
				after_event(s, &out);
		}
	}
}

/* ---- Dynamic Authorization --------------------------------------------- */

static struct session *find_by_acct_id(const struct auth8021x *a, const char *id)
{
	for (unsigned b = 0; b < HASH_BUCKETS; b++)
		for (struct session *s = a->buckets[b]; s; s = s->hnext)
			if (s->acct_session_id[0] && strcmp(s->acct_session_id, id) == 0)
				return s;
	return NULL;
}

static int on_coa(void *arg, const struct coa_request *req, uint32_t *cause)
{
	struct auth8021x *a = arg;
	struct session *s = NULL;
	struct pae_out out;
	int64_t now = now_ms();

	a->st.coa_requests++;
	if (req->has_mac)
		s = find(a, req->mac);
	else
		s = find_by_acct_id(a, req->acct_session_id);
	if (s && req->has_mac && req->acct_session_id[0] && strcmp(s->acct_session_id, req->acct_session_id))
		s = NULL;
	if (!s || !s->pae.authorized || a->shutting_down) {
		*cause = RADIUS_EC_SESSION_NOT_FOUND;
		return -ENOENT;
	}
	if (req->kind == COA_DISCONNECT) {
		pae_disconnect(&s->pae, now, PAE_REASON_ADMIN, &out);
		after_event(s, &out);
		return 0;
	}
	if ((req->has_filter_id && !role_name_valid(req->filter_id)) ||
	    (req->has_vlan && !role_name_valid(req->vlan))) {
		*cause = RADIUS_EC_INVALID_ATTRIBUTE_VALUE;
		return -EINVAL;
	}
	if (req->has_filter_id || req->has_vlan) {
		if (req->has_filter_id)
			copy_role(s->filter_id, req->filter_id);
		if (req->has_vlan)
			copy_role(s->vlan, req->vlan);
		snprintf(s->role, sizeof(s->role), "%s", s->filter_id[0] ? s->filter_id : s->vlan);
		s->verdict_dirty = true;
		s->persist_dirty = true;
	}
	if (req->has_session_timeout) {
		struct pae_grant g = {
			.session_timeout_s = req->session_timeout,
			.terminate = !(req->has_termination_action &&
				       req->termination_action == RADIUS_TERMINATION_RADIUS_REQUEST),
		};
		s->session_timeout_s = req->session_timeout;
		pae_set_grant(&s->pae, now, &g, &out);
		run(s, &out);
	}
	if (req->reauthenticate && pae_reauthenticate(&s->pae, now, &out) == 0)
		run(s, &out);
	emit_verdict(s);
	arm(s);
	persist(s, false);
	return 0;
}

/* ---- garbage collection ------------------------------------------------ */

static void on_gc(evutil_socket_t fd, short what, void *arg)
{
	struct auth8021x *a = arg;
	int64_t now = now_ms();
	(void)fd;
	(void)what;

	for (unsigned b = 0; b < HASH_BUCKETS; b++) {
		struct session *s = a->buckets[b];
		while (s) {
			struct session *next = s->hnext;
			if (!s->pae.authorized && !s->aaa &&
			    now - s->last_seen > (int64_t)a->conf.idle_timeout_ms) {
				a->st.sessions_expired++;
				destroy(s);
			}
			s = next;
		}
	}
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct auth8021x *a = arg;
	(void)fd;
	(void)what;

	for (struct rc_ref **pp = &a->retired; *pp;) {
		struct rc_ref *r = *pp;
		if (r->pending == 0) {
			*pp = r->next;
			radius_client_free(r->rc);
			free(r);
			log_debug(CONCERN, "the RADIUS client replaced at a reload is closed");
		} else {
			pp = &r->next;
		}
	}
}

static void on_acct_on(evutil_socket_t fd, short what, void *arg)
{
	struct auth8021x *a = arg;
	(void)fd;
	(void)what;

	if (a->shutting_down)
		return;
	/* RFC 2866 5.1: Accounting-On when the NAS starts. Servers take it as
	 * "every session of this NAS ended" and close them; sessions restored
	 * from before a restart continue, so it is left out then. */
	if (a->acct_continues)
		log_info(CONCERN, "Accounting-On not sent: restored sessions continue their accounting sessions");
	else
		acct_send(a, NULL, RADIUS_ACCT_ON, 0);
	/* Sessions whose accounting was stopped (a clean stop) open a new one. */
	for (unsigned b = 0; b < HASH_BUCKETS; b++)
		for (struct session *s = a->buckets[b]; s; s = s->hnext) {
			if (!s->acct_start_due)
				continue;
			s->acct_start_due = false;
			if (!s->pae.authorized || s->acct_started || s->pae.method == PAE_METHOD_CRITICAL)
				continue;
			new_acct_session_id(a, s);
			acct_start(s, s->pae.method);
			s->persist_dirty = true;
			persist(s, true);
		}
}

/* ---- public ------------------------------------------------------------ */

int auth8021x_new(struct event_base *base, const struct auth8021x_conf *conf,
		  const struct auth8021x_ops *ops, struct auth8021x **out)
{
	struct auth8021x *a;
	struct timeval gc = { AUTH8021X_GC_INTERVAL_MS / 1000, 0 };
	char err[256];
	int rc;

	*out = NULL;
	rc = auth8021x_conf_check(conf, err, sizeof(err));
	if (rc < 0) {
		log_err(CONCERN, "configuration: %s", err);
		return rc;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->base = base;
	a->conf = *conf;
	if (ops)
		a->ops = *ops;
	a->boot_id = (uint32_t)time(NULL);
	a->cur = calloc(1, sizeof(*a->cur));
	if (!a->cur) {
		rc = -ENOMEM;
		goto fail;
	}
	a->cur->a = a;
	rc = radius_client_new(base, &a->conf.radius, &a->cur->rc);
	if (rc < 0)
		goto fail;
	a->rc = a->cur->rc;
	radius_client_on_server_up(a->rc, on_server_up, a);
	if (a->conf.coa_enabled) {
		rc = radius_coa_listen(base, &a->conf.coa, on_coa, a, &a->coa);
		if (rc < 0)
			goto fail;
	}
	a->gc = event_new(base, -1, EV_PERSIST, on_gc, a);
	a->reap = event_new(base, -1, 0, on_reap, a);
	a->acct_on = evtimer_new(base, on_acct_on, a);
	a->solicit_timer = evtimer_new(base, on_solicit_timer, a);
	solicit_init(&a->solicit, (uint8_t)a->boot_id);
	if (!a->gc || !a->reap || !a->acct_on || !a->solicit_timer || event_add(a->gc, &gc) != 0) {
		rc = -ENOMEM;
		goto fail;
	}
	/* Accounting-On from the loop: auth8021x_restore() comes first. */
	static const struct timeval zero = { 0, 0 };
	evtimer_add(a->acct_on, &zero);
	*out = a;
	return 0;
fail:
	auth8021x_free(a);
	return rc;
}

void auth8021x_free(struct auth8021x *a)
{
	if (!a)
		return;
	for (unsigned b = 0; b < HASH_BUCKETS; b++)
		while (a->buckets[b])
			destroy(a->buckets[b]);
	if (a->gc)
		event_free(a->gc);
	if (a->solicit_timer)
		event_free(a->solicit_timer);
	if (a->reap)
		event_free(a->reap);
	if (a->acct_on)
		event_free(a->acct_on);
	if (a->shutdown_timer)
		event_free(a->shutdown_timer);
	radius_coa_free(a->coa);
	while (a->retired) {
		struct rc_ref *r = a->retired;
		a->retired = r->next;
		radius_client_free(r->rc);
		free(r);
	}
	if (a->cur) {
		radius_client_free(a->cur->rc);
		free(a->cur);
	}
	free(a);
}

static void call_done(struct auth8021x *a)
{
	if (a->done_called)
		return;
	a->done_called = true;
	if (a->done)
		a->done(a->done_arg);
}

static void shutdown_check(struct auth8021x *a)
{
	if (a->shutting_down && a->acct_pending == 0 && a->shutdown_timer) {
		/* Deliver from the loop, never from inside auth8021x_shutdown(). */
		static const struct timeval zero = { 0, 0 };
		evtimer_add(a->shutdown_timer, &zero);
	}
}

static void on_shutdown_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	call_done(arg);
}

int auth8021x_shutdown(struct auth8021x *a, void (*done)(void *arg), void *arg)
{
	struct timeval tv = { AUTH8021X_SHUTDOWN_MAX_MS / 1000, 0 };

	if (a->shutting_down)
		return -EALREADY;
	a->shutting_down = true;
	a->done = done;
	a->done_arg = arg;
	a->shutdown_timer = evtimer_new(a->base, on_shutdown_timer, a);
	if (!a->shutdown_timer)
		return -ENOMEM;
	evtimer_add(a->shutdown_timer, &tv);
	for (unsigned b = 0; b < HASH_BUCKETS; b++) {
		for (struct session *s = a->buckets[b]; s; s = s->hnext) {
			if (s->aaa)
				radius_client_cancel(s->aaa);
			s->aaa = NULL;
			evtimer_del(s->timer);
			acct_stop(s, RADIUS_TERM_ADMIN_REBOOT);
			/* The authorization outlives the stop (the fast path keeps
			 * it); its accounting session ended, the next start opens
			 * a new one. */
			if (s->pae.authorized)
				persist(s, true);
		}
	}
	/* RFC 2866 5.1: Accounting-Off when the NAS is taken out of service. */
	acct_send(a, NULL, RADIUS_ACCT_OFF, 0);
	/* No request is acted upon any more; the port is free for a successor. */
	radius_coa_free(a->coa);
	a->coa = NULL;
	shutdown_check(a);
	return 0;
}

int auth8021x_set_port(struct auth8021x *a, uint16_t port, const uint8_t mac[6], const char *name)
{
	if (port >= AUTH8021X_MAX_PORTS || !mac)
		return -EINVAL;
	a->ports[port].set = true;
	memcpy(a->ports[port].mac, mac, 6);
	snprintf(a->ports[port].name, sizeof(a->ports[port].name), "%s", name ? name : "");
	return 0;
}

static struct session *get_session(struct auth8021x *a, const uint8_t mac[6], uint16_t port,
				   uint16_t tci)
{
	struct session *s = find(a, mac);

	if (!s)
		s = create(a, mac, port, tci);
	if (s) {
		if (s->port != port || s->vlan_tci != tci) {
			s->port = port;
			s->vlan_tci = tci;
			s->persist_dirty = true;
		}
		s->last_seen = now_ms();
	}
	return s;
}

int auth8021x_on_eapol(struct auth8021x *a, const uint8_t *frame, size_t len, uint16_t port)
{
	struct eapol_frame f;
	struct session *s;
	struct pae_out out;
	int64_t now = now_ms();
	int why = 0, rc;
	bool authorized, identity;

	if (a->shutting_down)
		return -ESHUTDOWN;
	a->st.eapol_rx++;
	if (eapol_decode(frame, len, &f, &why) != 0) {
		a->st.eapol_bad++;
		log_debug(CONCERN, "EAPOL frame refused: %s", eapol_error_name(why));
		return -EBADMSG;
	}
	if (f.type != EAPOL_START && f.type != EAPOL_LOGOFF && f.type != EAPOL_EAP_PACKET) {
		/* EAPOL-Key, MKA, announcements: not for a pass-through authenticator. */
		a->st.eapol_ignored++;
		return 0;
	}
	s = get_session(a, f.src, port, f.vlan_tci);
	if (!s)
		return -ENOSPC;
	authorized = s->pae.authorized;
	switch (f.type) {
	case EAPOL_START:
		pae_rx_start(&s->pae, now, &out);
		break;
	case EAPOL_LOGOFF:
		pae_rx_logoff(&s->pae, now, &out);
		break;
	default:
		identity = f.body_len > EAP_HDR_LEN && f.body[0] == EAP_CODE_RESPONSE &&
			   f.body[4] == EAP_TYPE_IDENTITY;
		/* A Response/Identity may answer the segment's group request. */
		if (identity && solicit_answers(&a->solicit, port, f.vlan_tci, f.body[1], now))
			rc = pae_rx_eap_group(&s->pae, now, f.body, f.body_len, f.body[1], &out);
		else
			rc = pae_rx_eap(&s->pae, now, f.body, f.body_len, &out);
		if (rc == -EBADMSG)
			a->st.eapol_bad++;
		/* An exchange starts: the other supplicants of the segment hear
		 * its Responses (group address) and may then wait for a request
		 * in silence. Ask them now, while this supplicant is busy with
		 * its own exchange (an authenticated wpa_supplicant that hears
		 * a request restarts and waits 30 s). Not for Responses we
		 * ignore (the answers of authenticated MACs among them) nor for
		 * reauthentications, which those answers cause 30 s later: a
		 * storm would feed itself (solicit.h). */
		if (rc == 0 && identity && !authorized) {
			solicit_activity(&a->solicit, port, f.vlan_tci, now);
			arm_solicit(a);
		}
		break;
	}
	after_event(s, &out);
	return 0;
}

int auth8021x_on_mac_seen(struct auth8021x *a, const uint8_t mac[6], uint16_t port, uint16_t vlan_tci)
{
	struct session *s;
	struct pae_out out;
	int64_t now = now_ms();

	if (a->shutting_down)
		return -ESHUTDOWN;
	if (mac[0] & 1)
		return -EINVAL;
	s = get_session(a, mac, port, vlan_tci);
	if (!s)
		return -ENOSPC;
	if (s->pae.state != PAE_DISCONNECTED || now < s->no_kick_until)
		return 0;
	s->no_kick_until = now + a->conf.rekick_ms;
	if (pae_kick(&s->pae, now, &out) == 0)
		after_event(s, &out);
	return 0;
}

int auth8021x_port_down(struct auth8021x *a, uint16_t port)
{
	int64_t now = now_ms();

	solicit_forget_port(&a->solicit, port);
	arm_solicit(a);
	for (unsigned b = 0; b < HASH_BUCKETS; b++) {
		for (struct session *s = a->buckets[b]; s; s = s->hnext) {
			struct pae_out out;
			if (s->port == port && pae_disconnect(&s->pae, now, PAE_REASON_PORT_DOWN, &out) == 0)
				after_event(s, &out);
		}
	}
	return 0;
}

int auth8021x_reauthenticate(struct auth8021x *a, const uint8_t mac[6])
{
	struct session *s = find(a, mac);
	struct pae_out out;
	int rc;

	if (!s)
		return -ENOENT;
	rc = pae_reauthenticate(&s->pae, now_ms(), &out);
	after_event(s, &out);
	return rc;
}

int auth8021x_disconnect(struct auth8021x *a, const uint8_t mac[6])
{
	struct session *s = find(a, mac);
	struct pae_out out;
	int rc;

	if (!s)
		return -ENOENT;
	rc = pae_disconnect(&s->pae, now_ms(), PAE_REASON_ADMIN, &out);
	after_event(s, &out);
	return rc;
}

int auth8021x_session_info(const struct auth8021x *a, const uint8_t mac[6],
			   struct auth8021x_session_info *info)
{
	const struct session *s = find(a, mac);

	if (!s)
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	info->state = s->pae.state;
	info->authorized = s->pae.authorized;
	info->method = s->pae.method;
	info->last_reason = s->pae.last_reason;
	info->port = s->port;
	snprintf(info->identity, sizeof(info->identity), "%s",
		 s->pae.method == PAE_METHOD_MAB ? s->mab_user : s->pae.identity);
	snprintf(info->role, sizeof(info->role), "%s", s->role);
	snprintf(info->acct_session_id, sizeof(info->acct_session_id), "%s", s->acct_session_id);
	info->authorized_since_ms = s->authorized_since;
	info->next_deadline_ms = pae_deadline(&s->pae);
	info->session_timeout_s = s->session_timeout_s;
	return 0;
}

int auth8021x_foreach_session(const struct auth8021x *a,
			      int (*cb)(void *arg, const uint8_t mac[6], const struct auth8021x_session_info *info),
			      void *arg)
{
	for (unsigned b = 0; b < HASH_BUCKETS; b++)
		for (const struct session *s = a->buckets[b]; s; s = s->hnext) {
			struct auth8021x_session_info info;
			auth8021x_session_info(a, s->pae.mac, &info);
			int rc = cb(arg, s->pae.mac, &info);
			if (rc)
				return rc;
		}
	return 0;
}

void auth8021x_get_stats(const struct auth8021x *a, struct auth8021x_stats *s)
{
	*s = a->st;
}

const struct radius_client *auth8021x_radius(const struct auth8021x *a)
{
	return a->rc;
}

/* ---- restart and reload ------------------------------------------------ */

int auth8021x_restore(struct auth8021x *a, const struct auth_session *r, int64_t now_wall)
{
	int64_t remaining, now = now_ms();
	enum auth_session_fate fate = auth_session_plan(r, now_wall, &remaining);
	struct pae_resume pr = { 0 };
	struct session *s;
	char mac[18];

	if (fate == AUTH_SESSION_STALE)
		return fate;
	if (a->shutting_down)
		return -ESHUTDOWN;
	if ((r->method != PAE_METHOD_EAP && r->method != PAE_METHOD_MAB && r->method != PAE_METHOD_CRITICAL) ||
	    r->nclass > AUTH8021X_MAX_CLASS || r->port >= AUTH8021X_MAX_PORTS || (r->mac[0] & 1))
		return -EINVAL;
	if (find(a, r->mac))
		return -EEXIST;
	s = create(a, r->mac, r->port, r->vlan_tci);
	if (!s)
		return a->nsessions >= a->conf.max_sessions ? -ENOSPC : -ENOMEM;
	pr.method = r->method;
	pr.identity = r->method == PAE_METHOD_MAB ? "" : r->identity;
	pr.eapol_seen = r->eapol;
	pr.terminate = r->terminate;
	pr.kept = r->kept;
	if (fate == AUTH_SESSION_RESUME)
		pr.when = remaining == PAE_NO_DEADLINE ? PAE_NO_DEADLINE : now + remaining;
	else if (fate == AUTH_SESSION_REAUTH)
		pr.when = now + AUTH8021X_RESTORE_SETTLE_MS;
	else
		pr.when = now;      /* END: the Session-Timeout ran out while we were down */
	pae_restore(&s->pae, r->mac, &a->conf.pae, &pr, now);
	s->last_seen = now;
	snprintf(s->role, sizeof(s->role), "%s", r->role);
	snprintf(s->filter_id, sizeof(s->filter_id), "%s", r->filter_id);
	snprintf(s->vlan, sizeof(s->vlan), "%s", r->vlan);
	s->session_timeout_s = r->session_timeout_s;
	s->interim_s = r->interim_s;
	s->nclass = r->nclass;
	memcpy(s->class_len, r->class_len, sizeof(s->class_len));
	memcpy(s->class, r->class, sizeof(s->class));
	snprintf(s->acct_session_id, sizeof(s->acct_session_id), "%s", r->acct_session_id);
	s->authorized_since = now - (now_wall - r->authorized_since_ms);
	if (s->authorized_since == 0)
		s->authorized_since = -1;
	if (r->method != PAE_METHOD_CRITICAL) {
		if (r->acct_started && r->acct_session_id[0]) {
			/* The accounting session goes on: no Start, and Session-Time
			 * counts from the saved start. */
			s->acct_started = true;
			s->acct_method = r->method;
			snprintf(s->acct_user, sizeof(s->acct_user), "%s", r->acct_user);
			s->acct_start_ms = now - (now_wall - r->acct_start_ms);
			a->acct_continues = true;
			arm_interim(s);
		} else {
			s->acct_start_due = true;
		}
	}
	s->last_auth = r->method == PAE_METHOD_MAB ? AUTH_MAB : r->method == PAE_METHOD_EAP ? AUTH_DOT1X : AUTH_NONE;
	s->verdict_dirty = true;
	s->restoring = true;
	s->saved = true;
	s->saved_when = s->pae.when;
	mac_text(r->mac, mac);
	log_info(CONCERN, "%s: %s session of \"%s\" restored, role \"%s\", %s%s", mac, pae_method_name(r->method),
		 r->identity, r->role, auth_session_fate_name(fate),
		 fate == AUTH_SESSION_RESUME && remaining != PAE_NO_DEADLINE ? " (timer continues)" : "");
	emit_verdict(s);
	arm(s);
	return fate;
}

unsigned auth8021x_conf_changes(const struct auth8021x_conf *old, const struct auth8021x_conf *next)
{
	unsigned ch = 0;

	/* Both come from auth8021x_conf_default() (zeroed) and field copies. */
	if (memcmp(&old->radius, &next->radius, sizeof(old->radius)) != 0)
		ch |= AUTH8021X_CHANGED_RADIUS;
	if (old->coa_enabled != next->coa_enabled ||
	    (next->coa_enabled && memcmp(&old->coa, &next->coa, sizeof(old->coa)) != 0))
		ch |= AUTH8021X_CHANGED_COA;
	if (memcmp(&old->pae, &next->pae, sizeof(old->pae)) != 0)
		ch |= AUTH8021X_CHANGED_PAE;
	if (strcmp(old->nas_identifier, next->nas_identifier) != 0 || old->nas_ip != next->nas_ip ||
	    old->mab_format != next->mab_format || strcmp(old->critical_role, next->critical_role) != 0 ||
	    old->framed_mtu != next->framed_mtu || old->acct_interim_s != next->acct_interim_s ||
	    old->max_sessions != next->max_sessions || old->idle_timeout_ms != next->idle_timeout_ms ||
	    old->rekick_ms != next->rekick_ms)
		ch |= AUTH8021X_CHANGED_OTHER;
	return ch;
}

static bool same_listen(const struct radius_coa_conf *x, const struct radius_coa_conf *y)
{
	return x->listen_len == y->listen_len && memcmp(&x->listen, &y->listen, x->listen_len) == 0;
}

int auth8021x_reconfigure(struct auth8021x *a, const struct auth8021x_conf *next, char *err, size_t errlen)
{
	struct rc_ref *ref = NULL;
	struct radius_coa *coa = NULL;
	unsigned ch;
	int rc;

	if ((rc = auth8021x_conf_check(next, err, errlen)) < 0)
		return rc;
	if (a->shutting_down) {
		snprintf(err, errlen, "the authenticator is stopping");
		return -ESHUTDOWN;
	}
	ch = auth8021x_conf_changes(&a->conf, next);
	if (ch == 0)
		return 0;
	/* Everything that can fail first, then the swap. */
	if (ch & AUTH8021X_CHANGED_RADIUS) {
		ref = calloc(1, sizeof(*ref));
		if (!ref) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		ref->a = a;
		if ((rc = radius_client_new(a->base, &next->radius, &ref->rc)) < 0) {
			free(ref);
			snprintf(err, errlen, "radius: the new client cannot start: %s", strerror(-rc));
			return rc;
		}
	}
	if (ch & AUTH8021X_CHANGED_COA) {
		/* The same address cannot be bound twice: close, then bind. */
		bool same = a->coa && next->coa_enabled && same_listen(&a->conf.coa, &next->coa);
		if (same) {
			radius_coa_free(a->coa);
			a->coa = NULL;
		}
		if (next->coa_enabled && (rc = radius_coa_listen(a->base, &next->coa, on_coa, a, &coa)) < 0) {
			if (same && radius_coa_listen(a->base, &a->conf.coa, on_coa, a, &a->coa) < 0)
				log_err(CONCERN, "the CoA listener could not be opened again with the old settings");
			if (ref) {
				radius_client_free(ref->rc);
				free(ref);
			}
			snprintf(err, errlen, "coa: cannot listen: %s", strerror(-rc));
			return rc;
		}
		radius_coa_free(a->coa);
		a->coa = coa;
	}
	bool mab_format_changed = a->conf.mab_format != next->mab_format;
	a->conf = *next;
	if (mab_format_changed)
		for (unsigned b = 0; b < HASH_BUCKETS; b++)
			for (struct session *s = a->buckets[b]; s; s = s->hnext)
				mab_user_of(a, s->pae.mac, s->mab_user);
	if (ref) {
		struct rc_ref *old = a->cur;
		int64_t now = now_ms();
		radius_client_on_server_up(old->rc, NULL, NULL);
		old->next = a->retired;
		a->retired = old;
		a->cur = ref;
		a->rc = ref->rc;
		radius_client_on_server_up(a->rc, on_server_up, a);
		/* Exchanges under way start again on the new servers (the old
		 * server's State means nothing to them). */
		for (unsigned b = 0; b < HASH_BUCKETS; b++)
			for (struct session *s = a->buckets[b]; s; s = s->hnext) {
				struct pae_out out;
				if (pae_restart(&s->pae, now, &out) == 0)
					after_event(s, &out);
				if (s->aaa && s->aaa_rc != a->rc) {
					/* Never left on the old client, which goes away. */
					radius_client_cancel(s->aaa);
					s->aaa = NULL;
					s->aaa_failed = true;
					arm(s);
				}
			}
		if (old->pending == 0)
			event_active(a->reap, 0, 0);
	}
	log_info(CONCERN, "new settings applied:%s%s%s%s", ch & AUTH8021X_CHANGED_RADIUS ? " RADIUS client replaced" : "",
		 ch & AUTH8021X_CHANGED_COA ? (a->coa ? " CoA listener reopened" : " CoA off") : "",
		 ch & AUTH8021X_CHANGED_PAE ? " timers" : "", ch & AUTH8021X_CHANGED_OTHER ? " NAS/MAB/limits" : "");
	return 0;
}

void auth8021x_disconnect_all(struct auth8021x *a)
{
	int64_t now = now_ms();

	for (unsigned b = 0; b < HASH_BUCKETS; b++)
		for (struct session *s = a->buckets[b]; s; s = s->hnext) {
			struct pae_out out;
			if (pae_disconnect(&s->pae, now, PAE_REASON_ADMIN, &out) == 0)
				after_event(s, &out);
		}
}
