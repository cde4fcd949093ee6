/* dot1x.c — the 802.1X authenticator wired into menjind (see dot1x.h). */
#include "dot1x.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "auth8021x.h"
#include "auth_conf.h"
#include "daemon.h"
#include "decide.h"
#include "devices.h"
#include "events.h"
#include "log.h"
#include "mac.h"

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- auth8021x callbacks ---------------------------------------------- */

static int send_frame(void *arg, uint16_t port, const uint8_t *frame, size_t len)
{
	struct menjind *d = arg;
	return fpchan_send_frame(d->fp, port, frame, len);
}

static const char *method_text(enum pae_method m)
{
	switch (m) {
	case PAE_METHOD_EAP: return "802.1X";
	case PAE_METHOD_MAB: return "MAB";
	case PAE_METHOD_CRITICAL: return "critical";
	default: return "none";
	}
}

static void on_verdict(void *arg, const struct auth8021x_verdict *v)
{
	struct menjind *d = arg;
	char mac[MAC_STR_LEN], cause[160], msg[512];

	mac_format(v->mac, mac);
	if (v->authorized)
		snprintf(cause, sizeof(cause), "%s authorized%s%s", method_text(v->method),
			 v->role[0] ? ", RADIUS role " : "", v->role);
	else
		snprintf(cause, sizeof(cause), "%s not authorized (%s)", auth_result_name(v->auth),
			 pae_reason_name(v->reason));
	snprintf(msg, sizeof(msg), "%s %s: %s", mac, v->identity[0] ? v->identity : "(no identity)", cause);
	log_info("dot1x", "%s", msg);

	/* The authenticator's own record, separate from the verdict it leads to. */
	struct event ev = { .severity = v->authorized ? LOG_INFO : LOG_NOTICE, .kind = "auth", .mac = mac,
			    .msg = msg };
	event_param(&ev, "result", auth_result_name(v->auth));
	event_param(&ev, "method", method_text(v->method));
	event_param(&ev, "identity", v->identity);
	event_param(&ev, "role", v->role);
	event_param(&ev, "reason", pae_reason_name(v->reason));
	event_param(&ev, "session", v->acct_session_id);
	if (events_emit(d->events, &ev) < 0)
		log_warn("dot1x", "%s: auth event not recorded", mac);

	/* Critical admissions carry the configured role; the policy sees them
	 * as 802.1X so a "radius" rule can follow that role. */
	uint8_t auth = v->method == PAE_METHOD_CRITICAL && v->authorized ? AUTH_DOT1X : (uint8_t)v->auth;
	int rc = devices_auth_result(d->devices, v->mac, v->port, 0, auth, v->identity, cause);
	if (rc < 0)
		log_err("dot1x", "%s: cannot record the authentication result: %s", mac, strerror(-rc));
}

/* devices_facts() asks: the role RADIUS gave the MAC's live session. */
static void radius_role(void *arg, const uint8_t mac[6], char role[ROLE_NAME_MAX])
{
	struct menjind *d = arg;
	struct auth8021x_session_info info;
	role[0] = '\0';
	if (d->dot1x && auth8021x_session_info(d->dot1x, mac, &info) == 0 && info.authorized)
		snprintf(role, ROLE_NAME_MAX, "%s", info.role);
}

/* ---- daemon hooks ----------------------------------------------------- */

int dot1x_start(struct menjind *d, char *err, size_t errlen)
{
	if (d->conf->auth == NULL || !d->conf->auth->enabled)
		return 0;
	struct auth8021x_ops ops = { .send_frame = send_frame, .verdict = on_verdict, .arg = d };
	int rc = auth8021x_new(d->base, &d->conf->auth->a, &ops, &d->dot1x);
	if (rc < 0) {
		snprintf(err, errlen, "802.1X authenticator: %s", strerror(-rc));
		return rc;
	}
	/* Kept to tell a reload that changes these sections (applied at restart). */
	d->dot1x_conf = malloc(sizeof(*d->dot1x_conf));
	if (d->dot1x_conf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*d->dot1x_conf = d->conf->auth->a;
	devices_set_radius_role_source(d->devices, radius_role, d);
	log_info("dot1x", "802.1X authenticator started: %u RADIUS server(s), MAB %s, CoA %s",
		 d->dot1x_conf->radius.nservers[RADIUS_SVC_AUTH], d->dot1x_conf->pae.mab_delay_ms ? "on" : "off",
		 d->dot1x_conf->coa_enabled ? "on" : "off");
	return 0;
}

bool dot1x_punt(struct menjind *d, uint16_t port, uint8_t reason, uint16_t vlan, const uint8_t *frame,
		size_t len)
{
	if (d->dot1x == NULL)
		return false;
	if (reason == PUNT_EAPOL) {
		int rc = auth8021x_on_eapol(d->dot1x, frame, len, port);
		if (rc < 0 && rc != -EBADMSG)
			log_debug("dot1x", "EAPOL frame on port %u not taken: %s", port, strerror(-rc));
		return true;
	}
	/* Supplicants live on the LAN; the uplink's traffic is the servers'. */
	if (len < 14 || fpchan_port_role(d->fp, port) != 0)
		return false;
	if (reason == PUNT_NEW_MAC || reason == PUNT_DHCP || reason == PUNT_ARP) {
		const uint8_t *src = frame + 6;
		static const uint8_t zero[6];
		if (!(src[0] & 1) && memcmp(src, zero, 6) != 0)
			auth8021x_on_mac_seen(d->dot1x, src, port, vlan);
	}
	return false;
}

void dot1x_fp_state(struct menjind *d, enum fpchan_state st)
{
	if (d->dot1x == NULL || st != FPCHAN_READY)
		return;
	const struct fpmsg_port_info *ports;
	unsigned n = fpchan_ports(d->fp, &ports);
	for (unsigned i = 0; i < n; i++)
		if (ports[i].role == 0 && auth8021x_set_port(d->dot1x, ports[i].index, ports[i].mac, ports[i].name) < 0)
			log_warn("dot1x", "port %u (%s): index past %d, no 802.1X on it", ports[i].index, ports[i].name,
				 AUTH8021X_MAX_PORTS);
}

void dot1x_reloaded(struct menjind *d)
{
	bool on = d->conf->auth && d->conf->auth->enabled;
	if ((d->dot1x != NULL) != on ||
	    (on && d->dot1x_conf && memcmp(&d->conf->auth->a, d->dot1x_conf, sizeof(*d->dot1x_conf)) != 0))
		log_warn("dot1x", "the dot1x, radius, mab and coa sections take effect at the next start");
}

int dot1x_shutdown(struct menjind *d, void (*done)(void *arg), void *arg)
{
	if (d->dot1x == NULL)
		return -ENOENT;
	return auth8021x_shutdown(d->dot1x, done, arg);
}

void dot1x_free(struct menjind *d)
{
	if (d->dot1x == NULL)
		return;
	if (d->devices)
		devices_set_radius_role_source(d->devices, NULL, NULL);
	auth8021x_free(d->dot1x);
	d->dot1x = NULL;
	free(d->dot1x_conf);
	d->dot1x_conf = NULL;
}

/* ---- API -------------------------------------------------------------- */

static int not_running(struct menjind *d, char *err, size_t errlen)
{
	(void)d;
	snprintf(err, errlen, "802.1X is not enabled (no dot1x section in the configuration)");
	return -ENOTSUP;
}

static json_t *jtime_mono(int64_t mono)
{
	char buf[32];
	struct tm tm;
	if (mono <= 0)
		return json_null();
	time_t t = time(NULL) - (time_t)((mono_ms() - mono) / 1000);
	if (gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* The server sessions are being authenticated against: the first live one. */
static void current_server(struct menjind *d, char *out, size_t outlen)
{
	const struct radius_client *rc = auth8021x_radius(d->dot1x);
	struct radius_server_state st;
	snprintf(out, outlen, "%s", "");
	for (unsigned i = 0; radius_client_server_state(rc, RADIUS_SVC_AUTH, i, &st) == 0; i++)
		if (!st.dead) {
			snprintf(out, outlen, "%s", st.name);
			return;
		}
}

struct session_walk {
	json_t *list;
	char    server[RADIUS_SERVER_NAME_MAX];
};

static int session_one(void *arg, const uint8_t mac[6], const struct auth8021x_session_info *info)
{
	struct session_walk *w = arg;
	char m[MAC_STR_LEN];
	mac_format(mac, m);
	json_t *o = json_object();
	if (o == NULL)
		return -ENOMEM;
	json_object_set_new(o, "mac", json_string(m));
	json_object_set_new(o, "identity", json_string(info->identity));
	json_object_set_new(o, "method", json_string(method_text(info->method)));
	json_object_set_new(o, "state", json_string(pae_state_name(info->state)));
	json_object_set_new(o, "authorized", json_boolean(info->authorized));
	json_object_set_new(o, "since", jtime_mono(info->authorized_since_ms));
	json_object_set_new(o, "session_timeout", json_integer(info->session_timeout_s));
	json_object_set_new(o, "role", json_string(info->role));
	json_object_set_new(o, "last_reason", json_string(pae_reason_name(info->last_reason)));
	json_object_set_new(o, "acct_session_id", json_string(info->acct_session_id));
	json_object_set_new(o, "port", json_integer(info->port));
	json_object_set_new(o, "radius_server", info->authorized ? json_string(w->server) : json_null());
	return json_array_append_new(w->list, o) == 0 ? 0 : -ENOMEM;
}

int dot1x_api_sessions(struct menjind *d, json_t **result, char *err, size_t errlen)
{
	if (d->dot1x == NULL)
		return not_running(d, err, errlen);
	struct session_walk w = { .list = json_array() };
	if (w.list == NULL)
		return -ENOMEM;
	current_server(d, w.server, sizeof(w.server));
	int rc = auth8021x_foreach_session(d->dot1x, session_one, &w);
	if (rc < 0) {
		json_decref(w.list);
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	*result = json_pack("{s:o, s:I}", "sessions", w.list, "count", (json_int_t)json_array_size(w.list));
	return *result ? 0 : -ENOMEM;
}

int dot1x_api_reauth(struct menjind *d, const uint8_t mac[6], json_t **result, char *err, size_t errlen)
{
	if (d->dot1x == NULL)
		return not_running(d, err, errlen);
	int rc = auth8021x_reauthenticate(d->dot1x, mac);
	if (rc == -ENOENT) {
		snprintf(err, errlen, "no 802.1X or MAB session for this MAC");
		return rc;
	}
	if (rc < 0 && rc != -EALREADY) {
		snprintf(err, errlen, "reauthentication not started: %s", strerror(-rc));
		return rc;
	}
	*result = json_pack("{s:b}", "started", rc == 0);
	return *result ? 0 : -ENOMEM;
}

static json_t *servers_json(const struct radius_client *rc, enum radius_service svc)
{
	json_t *a = json_array();
	struct radius_server_state st;
	for (unsigned i = 0; a && radius_client_server_state(rc, svc, i, &st) == 0; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I}", "name", st.name, "status",
						   st.dead ? "dead" : "alive", "outstanding", (json_int_t)st.outstanding,
						   "replies", (json_int_t)st.replies, "timeouts", (json_int_t)st.timeouts));
	return a;
}

#define PUT(o, s, f) json_object_set_new(o, #f, json_integer((json_int_t)(s).f))

int dot1x_api_radius_status(struct menjind *d, json_t **result, char *err, size_t errlen)
{
	if (d->dot1x == NULL)
		return not_running(d, err, errlen);
	const struct radius_client *rc = auth8021x_radius(d->dot1x);
	struct radius_client_stats rs;
	struct auth8021x_stats as;
	radius_client_get_stats(rc, &rs);
	auth8021x_get_stats(d->dot1x, &as);

	json_t *c = json_object(), *dropped = json_object(), *a = json_object();
	if (!c || !dropped || !a) {
		json_decref(c);
		json_decref(dropped);
		json_decref(a);
		return -ENOMEM;
	}
	PUT(c, rs, requests); PUT(c, rs, transmissions); PUT(c, rs, retransmissions); PUT(c, rs, replies);
	PUT(c, rs, failovers); PUT(c, rs, timeouts); PUT(c, rs, unreachable); PUT(c, rs, queued);
	PUT(c, rs, queue_full); PUT(c, rs, send_errors); PUT(c, rs, tls_connects); PUT(c, rs, tls_failures);
	/* Replies that failed a check (Blast-RADIUS, spoofing): never acted on. */
	PUT(dropped, rs, bad_source); PUT(dropped, rs, malformed); PUT(dropped, rs, unknown_id);
	PUT(dropped, rs, bad_code); PUT(dropped, rs, bad_authenticator);
	PUT(dropped, rs, missing_message_authenticator); PUT(dropped, rs, bad_message_authenticator);
	json_object_set_new(c, "dropped", dropped);
	PUT(a, as, eapol_rx); PUT(a, as, eapol_bad); PUT(a, as, eap_tx); PUT(a, as, tx_errors);
	PUT(a, as, sessions); PUT(a, as, sessions_full); PUT(a, as, access_requests); PUT(a, as, accepts);
	PUT(a, as, rejects); PUT(a, as, challenges); PUT(a, as, unreachable); PUT(a, as, mab_requests);
	PUT(a, as, acct_requests); PUT(a, as, acct_failed); PUT(a, as, coa_requests);

	*result = json_pack("{s:o, s:o, s:o, s:o}", "auth_servers", servers_json(rc, RADIUS_SVC_AUTH),
			    "acct_servers", servers_json(rc, RADIUS_SVC_ACCT), "counters", c, "authenticator", a);
	if (*result == NULL)
		snprintf(err, errlen, "out of memory");
	return *result ? 0 : -ENOMEM;
}
