/* pae.c — per-MAC authenticator PAE and MAB (IEEE 802.1X-2004 8.2.4, 8.2.9).
 *
 * Event functions decide the next state; enter() is the one place that
 * changes p->state, runs the entry actions of the new state and logs the
 * transition.
 */
#include "pae.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#define CONCERN "pae"

void pae_config_default(struct pae_config *c)
{
	c->tx_period_ms = 30000;
	c->quiet_period_ms = 60000;
	c->supp_timeout_ms = 30000;
	c->server_timeout_ms = 60000;
	c->reauth_period_ms = 3600000;
	c->max_req = 2;
	c->max_start = 3;
	c->mab_delay_ms = 0;
	c->unreachable = PAE_UNREACHABLE_KEEP;
	c->unreachable_retry_ms = 60000;
}

int pae_config_check(const struct pae_config *c, char *err, size_t errlen)
{
	const struct { const char *name; uint32_t v; bool zero_ok; } t[] = {
		{ "tx_period", c->tx_period_ms, false },
		{ "quiet_period", c->quiet_period_ms, true },
		{ "supp_timeout", c->supp_timeout_ms, false },
		{ "server_timeout", c->server_timeout_ms, false },
		{ "reauth_period", c->reauth_period_ms, true },
		{ "mab_delay", c->mab_delay_ms, true },
		{ "unreachable_retry", c->unreachable_retry_ms, false },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((!t[i].zero_ok && t[i].v == 0) || t[i].v > PAE_TIMER_MAX_MS) {
			snprintf(err, errlen, "%s: %u ms is outside %s..%u ms", t[i].name, t[i].v,
				 t[i].zero_ok ? "0" : "1", PAE_TIMER_MAX_MS);
			return -EINVAL;
		}
	}
	if (c->reauth_period_ms && c->reauth_period_ms < PAE_REAUTH_MIN_MS) {
		snprintf(err, errlen, "reauth_period: %u ms is below %u ms", c->reauth_period_ms,
			 (unsigned)PAE_REAUTH_MIN_MS);
		return -EINVAL;
	}
	if (c->max_req > PAE_MAX_RETRIES || c->max_start == 0 || c->max_start > PAE_MAX_RETRIES) {
		snprintf(err, errlen, "max_req must be 0..%d and max_start 1..%d", PAE_MAX_RETRIES,
			 PAE_MAX_RETRIES);
		return -EINVAL;
	}
	if (c->unreachable > PAE_UNREACHABLE_CRITICAL) {
		snprintf(err, errlen, "unreachable: unknown action %d", (int)c->unreachable);
		return -EINVAL;
	}
	return 0;
}

void pae_init(struct pae *p, const uint8_t mac[6], const struct pae_config *conf)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->mac, mac, 6);
	p->conf = conf;
	p->state = PAE_DISCONNECTED;
	p->when = PAE_NO_DEADLINE;
	p->supp_timeout_ms = conf->supp_timeout_ms;
}

/* ---- actions ----------------------------------------------------------- */

static struct pae_action *push(struct pae_out *out, enum pae_action_type type)
{
	struct pae_action *a;

	if (out->n == PAE_MAX_ACTIONS) {
		/* Never reached: no event produces more than PAE_MAX_ACTIONS. */
		log_err(CONCERN, "action list full, action %d lost", (int)type);
		return &out->act[PAE_MAX_ACTIONS - 1];
	}
	a = &out->act[out->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	return a;
}

static void tx_eap(struct pae_out *out, const uint8_t *eap, size_t len)
{
	struct pae_action *a = push(out, PAE_ACT_TX_EAP);
	a->eap = eap;
	a->eap_len = len;
}

/* Request/Identity, Success or Failure made by the authenticator itself. */
static void tx_canned(struct pae_out *out, uint8_t code, uint8_t id)
{
	struct pae_action *a = push(out, PAE_ACT_TX_EAP);
	size_t n = 0;

	if (eap_encode(a->canned, sizeof(a->canned), code, id, EAP_TYPE_IDENTITY, NULL, 0, &n) != 0)
		n = 0;
	a->eap = a->canned;
	a->eap_len = n;
}

static void aaa_cancel(struct pae *p, struct pae_out *out)
{
	if (!p->aaa_pending)
		return;
	push(out, PAE_ACT_AAA_CANCEL);
	p->aaa_pending = false;
}

static void act_method(struct pae_out *out, enum pae_action_type type, enum pae_method m,
		       enum pae_reason r)
{
	struct pae_action *a = push(out, type);
	a->method = m;
	a->reason = r;
}

static void unauthorize(struct pae *p, enum pae_reason reason, struct pae_out *out)
{
	if (!p->authorized)
		return;
	act_method(out, PAE_ACT_UNAUTHORIZE, p->method, reason);
	p->authorized = false;
	p->method = PAE_METHOD_NONE;
	p->last_reason = reason;
}

/* ---- transitions ------------------------------------------------------- */

static void log_transition(const struct pae *p, enum pae_state from, const char *why)
{
	char mac[18];
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1],
		 p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
	log_debug(CONCERN, "%s: %s -> %s (%s)%s", mac, pae_state_name(from), pae_state_name(p->state),
		  why, p->authorized ? " authorized" : "");
}

static int64_t after(int64_t now, uint64_t ms)
{
	return now + (int64_t)ms;
}

/* Enter `to` and run its entry actions. `fresh` restarts the Request/Identity
 * round when already CONNECTING. */
static void enter(struct pae *p, enum pae_state to, int64_t now, bool fresh, const char *why,
		  struct pae_out *out)
{
	enum pae_state from = p->state;

	p->state = to;
	switch (to) {
	case PAE_DISCONNECTED:
		aaa_cancel(p, out);
		p->when = PAE_NO_DEADLINE;
		p->mab_at = 0;
		p->reauth = false;
		p->wait_supplicant = false;
		p->attempt = PAE_METHOD_NONE;
		break;
	case PAE_CONNECTING:
		if (from != PAE_CONNECTING || fresh) {
			p->tx_count = 0;
			p->wait_supplicant = false;
			p->attempt = PAE_METHOD_EAP;
			/* MAB waits for a MAC that never spoke EAPOL; an EAPOL frame
			 * disarms it (pae_rx_*). */
			if (from != PAE_CONNECTING)
				p->mab_at = p->conf->mab_delay_ms && !p->eapol_seen
					    ? after(now, p->conf->mab_delay_ms) : 0;
		}
		p->tx_count++;
		tx_canned(out, EAP_CODE_REQUEST, ++p->current_id);
		p->when = after(now, p->conf->tx_period_ms);
		break;
	case PAE_AUTHENTICATING:
		p->attempt = PAE_METHOD_EAP;
		p->mab_at = 0;
		p->retrans = 0;
		p->supp_timeout_ms = p->conf->supp_timeout_ms;
		p->wait_supplicant = false;
		p->aaa_pending = true;
		p->when = after(now, p->conf->server_timeout_ms);
		break;
	case PAE_MAB:
		p->attempt = PAE_METHOD_MAB;
		p->mab_at = 0;
		p->aaa_pending = true;
		push(out, PAE_ACT_AAA_MAB);
		p->when = after(now, p->conf->server_timeout_ms);
		break;
	case PAE_AUTHENTICATED:
		/* p->when and terminate_at_when were set by the event. */
		p->aaa_pending = false;
		p->wait_supplicant = false;
		p->reauth = false;
		p->attempt = PAE_METHOD_NONE;
		break;
	case PAE_HELD:
		aaa_cancel(p, out);
		p->wait_supplicant = false;
		p->reauth = false;
		p->attempt = PAE_METHOD_NONE;
		p->mab_at = 0;
		p->when = after(now, p->conf->quiet_period_ms);
		break;
	case PAE_STATE__MAX:
		break;
	}
	log_transition(p, from, why);
}

/* A new attempt for a MAC: MAB directly when it was authorized by MAB (or
 * by configuration) and never spoke EAPOL, else ask for its identity. */
static void start_attempt(struct pae *p, int64_t now, const char *why, struct pae_out *out)
{
	p->reauth = p->authorized;
	if (p->authorized && !p->eapol_seen && p->conf->mab_delay_ms &&
	    (p->method == PAE_METHOD_MAB || p->method == PAE_METHOD_CRITICAL))
		enter(p, PAE_MAB, now, true, why, out);
	else
		enter(p, PAE_CONNECTING, now, true, why, out);
}

/* The attempt under way failed: tell the supplicant (EAP attempts, unless
 * it is the one that went away), report, unauthorize, go to `next`. */
static void attempt_failed(struct pae *p, int64_t now, enum pae_reason reason,
			   const uint8_t *eap, size_t eap_len, bool tell_supplicant,
			   enum pae_state next, struct pae_out *out)
{
	enum pae_method m = p->attempt;

	aaa_cancel(p, out);
	if (m == PAE_METHOD_EAP && tell_supplicant) {
		if (eap)
			tx_eap(out, eap, eap_len);
		else
			tx_canned(out, EAP_CODE_FAILURE, p->current_id);
	}
	act_method(out, PAE_ACT_FAILED, m, reason);
	p->last_reason = reason;
	unauthorize(p, reason, out);
	enter(p, next, now, true, pae_reason_name(reason), out);
}

static void authorize(struct pae *p, enum pae_method m, struct pae_out *out)
{
	p->authorized = true;
	p->method = m;
	p->last_reason = PAE_REASON_NONE;
	act_method(out, PAE_ACT_AUTHORIZE, m, PAE_REASON_NONE);
}

/* ---- events ------------------------------------------------------------ */

static void reset(struct pae_out *out)
{
	out->n = 0;
}

int pae_kick(struct pae *p, int64_t now, struct pae_out *out)
{
	reset(out);
	if (p->state != PAE_DISCONNECTED)
		return -EALREADY;
	enter(p, PAE_CONNECTING, now, true, "traffic", out);
	return 0;
}

int pae_rx_start(struct pae *p, int64_t now, struct pae_out *out)
{
	reset(out);
	p->eapol_seen = true;
	p->mab_at = 0;
	switch (p->state) {
	case PAE_HELD:
		return -EALREADY;   /* 802.1X-2004 8.2.4.1.3: quietWhile runs out first */
	case PAE_AUTHENTICATING:
	case PAE_MAB:
		aaa_cancel(p, out);
		/* fall through */
	case PAE_DISCONNECTED:
	case PAE_CONNECTING:
	case PAE_AUTHENTICATED:
		p->reauth = p->authorized;
		enter(p, PAE_CONNECTING, now, true, "EAPOL-Start", out);
		return 0;
	default:
		return -EALREADY;
	}
}

int pae_rx_logoff(struct pae *p, int64_t now, struct pae_out *out)
{
	reset(out);
	p->eapol_seen = true;
	p->mab_at = 0;
	if (p->state == PAE_DISCONNECTED || p->state == PAE_HELD)
		return -EALREADY;
	aaa_cancel(p, out);
	unauthorize(p, PAE_REASON_LOGOFF, out);
	/* 802.1X-2004 8.2.4.1.3 DISCONNECTED: txCannedFail. */
	tx_canned(out, EAP_CODE_FAILURE, ++p->current_id);
	p->last_reason = PAE_REASON_LOGOFF;
	enter(p, PAE_DISCONNECTED, now, true, "EAPOL-Logoff", out);
	return 0;
}

/* group_id: the Identifier of the Request/Identity the glue sent to the
 * segment's group address (solicit.h), or -1. */
static int rx_eap(struct pae *p, int64_t now, const uint8_t *eap, size_t len, int group_id,
		  struct pae_out *out)
{
	struct eap_packet e;
	struct pae_action *a;
	char identity[EAP_IDENTITY_MAX];
	const char *why;
	bool answers_group;

	reset(out);
	if (eap_decode(eap, len, &e, NULL) != 0)
		return -EBADMSG;
	p->eapol_seen = true;
	p->mab_at = 0;
	/* The authenticator only takes Responses (RFC 3748 4.1). */
	if (e.code != EAP_CODE_RESPONSE)
		return -EALREADY;
	answers_group = e.type == EAP_TYPE_IDENTITY && group_id == e.id;

	switch (p->state) {
	case PAE_DISCONNECTED:
		if (answers_group)
			goto identity;
		enter(p, PAE_CONNECTING, now, true, "EAP without a session", out);
		return 0;

	case PAE_MAB:
	case PAE_CONNECTING:
		if ((e.id != p->current_id && !answers_group) || e.type != EAP_TYPE_IDENTITY) {
			if (p->state == PAE_MAB) {
				/* EAPOL takes over from MAB: start over with it. */
				aaa_cancel(p, out);
				enter(p, PAE_CONNECTING, now, true, "EAPOL during MAB", out);
				return 0;
			}
			return -EALREADY;
		}
	identity:
		/* RFC 3748 5.1: an empty identity is allowed (anonymous). */
		if (e.data_len == 0 || e.data[0] == 0)
			identity[0] = '\0';
		else if (eap_identity(&e, identity, sizeof(identity)) != 0)
			return -EBADMSG;
		aaa_cancel(p, out);
		snprintf(p->identity, sizeof(p->identity), "%s", identity);
		p->reauth = p->authorized;
		why = answers_group && (p->state == PAE_DISCONNECTED || e.id != p->current_id)
		      ? "EAP-Response/Identity to the group request" : "EAP-Response/Identity";
		/* A Success or Failure made up later carries the answered Identifier. */
		p->current_id = e.id;
		enter(p, PAE_AUTHENTICATING, now, true, why, out);
		a = push(out, PAE_ACT_AAA_EAP);
		a->eap = e.raw;
		a->eap_len = e.len;
		return 0;

	case PAE_AUTHENTICATING:
		/* RFC 3748 4.1: only the response to the outstanding request. */
		if (!p->wait_supplicant || e.id != p->current_id)
			return -EALREADY;
		p->wait_supplicant = false;
		p->aaa_pending = true;
		p->when = after(now, p->conf->server_timeout_ms);
		a = push(out, PAE_ACT_AAA_EAP);
		a->eap = e.raw;
		a->eap_len = e.len;
		return 0;

	default:
		return -EALREADY;
	}
}

int pae_rx_eap(struct pae *p, int64_t now, const uint8_t *eap, size_t len, struct pae_out *out)
{
	return rx_eap(p, now, eap, len, -1, out);
}

int pae_rx_eap_group(struct pae *p, int64_t now, const uint8_t *eap, size_t len, uint8_t group_id,
		     struct pae_out *out)
{
	return rx_eap(p, now, eap, len, group_id, out);
}

int pae_aaa_challenge(struct pae *p, int64_t now, const uint8_t *eap, size_t len,
		      uint32_t session_timeout_s, struct pae_out *out)
{
	struct eap_packet e;

	reset(out);
	if (p->state != PAE_AUTHENTICATING || !p->aaa_pending || p->wait_supplicant)
		return -EALREADY;
	/* RFC 3579 2.6.2: an Access-Challenge carries an EAP-Request. */
	if (!eap || eap_decode(eap, len, &e, NULL) != 0 || e.code != EAP_CODE_REQUEST) {
		p->aaa_pending = false;     /* answered, if uselessly */
		attempt_failed(p, now, PAE_REASON_SERVER_ERROR, NULL, 0, true, PAE_HELD, out);
		return -EBADMSG;
	}
	memcpy(p->last_req, e.raw, e.len);
	p->last_req_len = e.len;
	p->current_id = e.id;
	p->retrans = 0;
	p->aaa_pending = false;
	p->wait_supplicant = true;
	p->supp_timeout_ms = p->conf->supp_timeout_ms;
	if (session_timeout_s) {
		uint64_t ms = (uint64_t)session_timeout_s * 1000;
		if (ms < PAE_SUPP_TIMEOUT_MIN_MS)
			ms = PAE_SUPP_TIMEOUT_MIN_MS;
		if (ms > PAE_SUPP_TIMEOUT_MAX_MS)
			ms = PAE_SUPP_TIMEOUT_MAX_MS;
		p->supp_timeout_ms = (uint32_t)ms;
	}
	p->when = after(now, p->supp_timeout_ms);
	tx_eap(out, p->last_req, p->last_req_len);
	return 0;
}

static bool awaiting_server(const struct pae *p)
{
	return (p->state == PAE_AUTHENTICATING || p->state == PAE_MAB) && p->aaa_pending &&
	       !p->wait_supplicant;
}

/* The reauthentication timer of an authorization (RFC 3580 3.17, RFC 2865 5.27, 5.29). */
static void arm_reauth(struct pae *p, int64_t now, const struct pae_grant *g)
{
	p->terminate_at_when = false;
	if (g && g->session_timeout_s) {
		int64_t ms = (int64_t)g->session_timeout_s * 1000;
		if (ms < PAE_REAUTH_MIN_MS)
			ms = PAE_REAUTH_MIN_MS;
		if (ms > PAE_REAUTH_MAX_MS)
			ms = PAE_REAUTH_MAX_MS;
		p->when = now + ms;
		p->terminate_at_when = g->terminate;
	} else if (p->conf->reauth_period_ms) {
		p->when = after(now, p->conf->reauth_period_ms);
	} else {
		p->when = PAE_NO_DEADLINE;
	}
}

int pae_aaa_accept(struct pae *p, int64_t now, const uint8_t *eap, size_t len,
		   const struct pae_grant *g, struct pae_out *out)
{
	struct eap_packet e;
	enum pae_method m = p->attempt;

	reset(out);
	if (!awaiting_server(p))
		return -EALREADY;
	p->aaa_pending = false;
	if (m == PAE_METHOD_EAP) {
		if (eap) {
			if (eap_decode(eap, len, &e, NULL) != 0) {
				attempt_failed(p, now, PAE_REASON_SERVER_ERROR, NULL, 0, true, PAE_HELD, out);
				return -EBADMSG;
			}
			/* An Accept whose EAP says Failure is a reject: fail closed. */
			if (e.code != EAP_CODE_SUCCESS) {
				attempt_failed(p, now, e.code == EAP_CODE_FAILURE ? PAE_REASON_REJECTED
						       : PAE_REASON_SERVER_ERROR,
					       e.code == EAP_CODE_FAILURE ? e.raw : NULL, e.len, true,
					       PAE_HELD, out);
				return -EBADMSG;
			}
			tx_eap(out, e.raw, e.len);
		} else {
			tx_canned(out, EAP_CODE_SUCCESS, p->current_id);
		}
	}
	authorize(p, m, out);
	arm_reauth(p, now, g);
	enter(p, PAE_AUTHENTICATED, now, true, "Access-Accept", out);
	return 0;
}

int pae_aaa_reject(struct pae *p, int64_t now, const uint8_t *eap, size_t len, struct pae_out *out)
{
	struct eap_packet e;
	bool usable;

	reset(out);
	if (!awaiting_server(p))
		return -EALREADY;
	p->aaa_pending = false;
	usable = eap && eap_decode(eap, len, &e, NULL) == 0 && e.code == EAP_CODE_FAILURE;
	attempt_failed(p, now, PAE_REASON_REJECTED, usable ? e.raw : NULL, usable ? e.len : 0, true,
		       PAE_HELD, out);
	return 0;
}

static void unreachable(struct pae *p, int64_t now, struct pae_out *out)
{
	enum pae_unreachable_action act = p->conf->unreachable;

	p->aaa_pending = false;
	if (p->authorized && act != PAE_UNREACHABLE_DENY) {
		/* Keep the MAC as it was; try again later. The supplicant, if
		 * any, gets a Success so its exchange ends cleanly. */
		if (p->attempt == PAE_METHOD_EAP)
			tx_canned(out, EAP_CODE_SUCCESS, p->current_id);
		p->terminate_at_when = false;
		p->when = after(now, p->conf->unreachable_retry_ms);
		p->last_reason = PAE_REASON_UNREACHABLE;
		enter(p, PAE_AUTHENTICATED, now, true, "unreachable, kept", out);
		return;
	}
	if (!p->authorized && act == PAE_UNREACHABLE_CRITICAL) {
		if (p->attempt == PAE_METHOD_EAP)
			tx_canned(out, EAP_CODE_SUCCESS, p->current_id);
		authorize(p, PAE_METHOD_CRITICAL, out);
		p->terminate_at_when = false;
		p->when = after(now, p->conf->unreachable_retry_ms);
		p->last_reason = PAE_REASON_UNREACHABLE;
		enter(p, PAE_AUTHENTICATED, now, true, "unreachable, critical", out);
		return;
	}
	attempt_failed(p, now, PAE_REASON_UNREACHABLE, NULL, 0, true, PAE_HELD, out);
}

int pae_aaa_unreachable(struct pae *p, int64_t now, struct pae_out *out)
{
	reset(out);
	if (!awaiting_server(p))
		return -EALREADY;
	unreachable(p, now, out);
	return 0;
}

int pae_timer(struct pae *p, int64_t now, struct pae_out *out)
{
	reset(out);
	if (now < pae_deadline(p))
		return -EALREADY;

	switch (p->state) {
	case PAE_CONNECTING:
		if (p->mab_at && now >= p->mab_at && !p->eapol_seen) {
			enter(p, PAE_MAB, now, true, "no EAPOL, MAB", out);
			return 0;
		}
		if (now < p->when)
			return -EALREADY;
		if (p->tx_count < p->conf->max_start) {
			enter(p, PAE_CONNECTING, now, false, "txPeriod", out);
			return 0;
		}
		if (p->mab_at) {
			p->when = PAE_NO_DEADLINE;      /* quiet until MAB */
			return 0;
		}
		/* Nobody answered the round. A MAC that spoke EAPOL and went
		 * silent failed; one that never did simply has no supplicant. */
		if (p->eapol_seen || p->authorized)
			act_method(out, PAE_ACT_FAILED, PAE_METHOD_EAP, PAE_REASON_SUPP_TIMEOUT);
		unauthorize(p, PAE_REASON_SUPP_TIMEOUT, out);
		p->last_reason = PAE_REASON_SUPP_TIMEOUT;
		enter(p, PAE_DISCONNECTED, now, true, "no Response/Identity", out);
		return 0;

	case PAE_AUTHENTICATING:
		if (p->wait_supplicant) {
			if (p->retrans < p->conf->max_req) {
				p->retrans++;
				p->when = after(now, p->supp_timeout_ms);
				tx_eap(out, p->last_req, p->last_req_len);
				return 0;
			}
			attempt_failed(p, now, PAE_REASON_SUPP_TIMEOUT, NULL, 0, false,
				       PAE_DISCONNECTED, out);
			return 0;
		}
		/* fall through - the server did not answer within server_timeout */
	case PAE_MAB:
		aaa_cancel(p, out);
		unreachable(p, now, out);
		return 0;

	case PAE_AUTHENTICATED:
		if (p->terminate_at_when) {
			/* RFC 2865 5.29 Default: the session ends; a new one may start. */
			unauthorize(p, PAE_REASON_SESSION_TIMEOUT, out);
			p->terminate_at_when = false;
			if (!p->eapol_seen && p->conf->mab_delay_ms)
				enter(p, PAE_MAB, now, true, "Session-Timeout", out);
			else
				enter(p, PAE_CONNECTING, now, true, "Session-Timeout", out);
			return 0;
		}
		start_attempt(p, now, "reauthentication", out);
		return 0;

	case PAE_HELD:
		enter(p, PAE_CONNECTING, now, true, "quietWhile", out);
		return 0;

	default:
		return -EALREADY;
	}
}

int pae_reauthenticate(struct pae *p, int64_t now, struct pae_out *out)
{
	reset(out);
	if (p->state != PAE_AUTHENTICATED)
		return -EALREADY;
	p->terminate_at_when = false;
	start_attempt(p, now, "reauthenticate", out);
	return 0;
}

int pae_set_grant(struct pae *p, int64_t now, const struct pae_grant *g, struct pae_out *out)
{
	reset(out);
	if (p->state != PAE_AUTHENTICATED)
		return -EALREADY;
	arm_reauth(p, now, g);
	enter(p, PAE_AUTHENTICATED, now, true, "new Session-Timeout", out);
	return 0;
}

int pae_disconnect(struct pae *p, int64_t now, enum pae_reason reason, struct pae_out *out)
{
	reset(out);
	if (p->state == PAE_DISCONNECTED && !p->authorized)
		return -EALREADY;
	aaa_cancel(p, out);
	if (p->eapol_seen && p->state != PAE_HELD && reason != PAE_REASON_PORT_DOWN)
		tx_canned(out, EAP_CODE_FAILURE, ++p->current_id);
	unauthorize(p, reason, out);
	p->last_reason = reason;
	enter(p, PAE_DISCONNECTED, now, true, pae_reason_name(reason), out);
	return 0;
}

int64_t pae_deadline(const struct pae *p)
{
	int64_t d = p->when;

	if (p->state == PAE_DISCONNECTED)
		return PAE_NO_DEADLINE;
	if (p->state == PAE_CONNECTING && p->mab_at && p->mab_at < d)
		d = p->mab_at;
	return d;
}

const char *pae_state_name(int s)
{
	static const char *const names[] = {
		[PAE_DISCONNECTED] = "DISCONNECTED", [PAE_CONNECTING] = "CONNECTING",
		[PAE_AUTHENTICATING] = "AUTHENTICATING", [PAE_MAB] = "MAB",
		[PAE_AUTHENTICATED] = "AUTHENTICATED", [PAE_HELD] = "HELD",
	};
	if (s < 0 || s >= PAE_STATE__MAX)
		return "invalid";
	return names[s];
}

const char *pae_method_name(int m)
{
	static const char *const names[] = {
		[PAE_METHOD_NONE] = "none", [PAE_METHOD_EAP] = "eap", [PAE_METHOD_MAB] = "mab",
		[PAE_METHOD_CRITICAL] = "critical",
	};
	if (m < 0 || m >= PAE_METHOD__MAX)
		return "invalid";
	return names[m];
}

const char *pae_reason_name(int r)
{
	static const char *const names[] = {
		[PAE_REASON_NONE] = "none", [PAE_REASON_REJECTED] = "rejected",
		[PAE_REASON_LOGOFF] = "logoff", [PAE_REASON_SUPP_TIMEOUT] = "supplicant-timeout",
		[PAE_REASON_UNREACHABLE] = "server-unreachable",
		[PAE_REASON_SESSION_TIMEOUT] = "session-timeout", [PAE_REASON_ADMIN] = "admin",
		[PAE_REASON_PORT_DOWN] = "port-down", [PAE_REASON_SERVER_ERROR] = "server-error",
	};
	if (r < 0 || r >= PAE_REASON__MAX)
		return "invalid";
	return names[r];
}

int pae_restore(struct pae *p, const uint8_t mac[6], const struct pae_config *conf, const struct pae_resume *r,
		int64_t now)
{
	struct pae_out out = { 0 };

	if (r->method != PAE_METHOD_EAP && r->method != PAE_METHOD_MAB && r->method != PAE_METHOD_CRITICAL)
		return -EINVAL;
	pae_init(p, mac, conf);
	p->authorized = true;
	p->method = r->method;
	p->eapol_seen = r->eapol_seen;
	snprintf(p->identity, sizeof(p->identity), "%s", r->identity ? r->identity : "");
	p->when = r->when;
	p->terminate_at_when = r->terminate && r->when != PAE_NO_DEADLINE;
	p->last_reason = r->kept ? PAE_REASON_UNREACHABLE : PAE_REASON_NONE;
	enter(p, PAE_AUTHENTICATED, now, true, "restored", &out);
	return 0;
}

int pae_restart(struct pae *p, int64_t now, struct pae_out *out)
{
	reset(out);
	if (p->state == PAE_MAB && p->aaa_pending) {
		aaa_cancel(p, out);
		enter(p, PAE_MAB, now, true, "RADIUS client replaced", out);
		return 0;
	}
	if (p->state != PAE_AUTHENTICATING)
		return -EALREADY;
	aaa_cancel(p, out);
	p->reauth = p->authorized;
	enter(p, PAE_CONNECTING, now, true, "RADIUS client replaced", out);
	return 0;
}
