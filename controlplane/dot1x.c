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
#include "auth_session.h"
#include "daemon.h"
#include "decide.h"
#include "devices.h"
#include "events.h"
#include "log.h"
#include "mac.h"
#include "store.h"

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
		snprintf(cause, sizeof(cause), "%s %s%s%s", method_text(v->method),
			 v->restored ? "session restored after a restart" : "authorized",
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

/* ---- sessions kept for a restart (store table auth_sessions) ---------- */

static void save_session(void *arg, const struct auth_session *s)
{
	struct menjind *d = arg;
	char mac[MAC_STR_LEN], *json = NULL;
	int rc = auth_session_encode(s, &json);

	if (rc == 0)
		rc = store_auth_session_put(d->store, s->mac, auth_session_kind(s), s->saved_ms / 1000, json);
	free(json);
	if (rc < 0) {
		mac_format(s->mac, mac);
		log_warn("dot1x", "%s: session not saved for a restart: %s", mac, strerror(-rc));
	}
}

static void forget_session(void *arg, const uint8_t mac[6])
{
	struct menjind *d = arg;
	char m[MAC_STR_LEN];
	int rc = store_auth_session_delete(d->store, mac);

	if (rc < 0 && rc != -ENOENT) {
		mac_format(mac, m);
		log_warn("dot1x", "%s: saved session not deleted: %s", m, strerror(-rc));
	}
}

/* The saved rows, read completely before anything is written back. */
struct saved_row {
	char  mac[MAC_STR_LEN + 8];
	char  kind[8];
	char *json;
};

struct saved_rows {
	struct saved_row *v;
	size_t n, cap;
};

static int collect_row(void *ctx, const char *mac, const char *kind, int64_t saved, const char *json)
{
	struct saved_rows *rows = ctx;
	(void)saved;
	if (rows->n == AUTH8021X_MAX_SESSIONS)
		return 0;                 /* more than any table holds: the rest waits */
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 16;
		struct saved_row *v = realloc(rows->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		rows->v = v;
		rows->cap = cap;
	}
	struct saved_row *r = &rows->v[rows->n];
	snprintf(r->mac, sizeof(r->mac), "%.*s", (int)sizeof(r->mac) - 1, mac);
	snprintf(r->kind, sizeof(r->kind), "%.*s", (int)sizeof(r->kind) - 1, kind);
	r->json = strdup(json);
	if (r->json == NULL)
		return -ENOMEM;
	rows->n++;
	return 0;
}

static void free_rows(struct saved_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++)
		free(rows->v[i].json);
	free(rows->v);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start: the sessions saved by the last run are authorized again (their
 * devices stay admitted, no new EAP exchange); malformed or stale ones are
 * dropped with a line naming the MAC and the fault. Without 802.1X
 * (d->dot1x NULL) every saved session is dropped. */
static void restore_sessions(struct menjind *d)
{
	struct saved_rows rows = { 0 };
	unsigned restored = 0, dropped = 0;
	int64_t now = wall_ms();
	int rc = store_auth_session_foreach(d->store, collect_row, &rows);

	if (rc < 0)
		log_err("dot1x", "saved sessions cannot be read: %s", strerror(-rc));
	for (size_t i = 0; i < rows.n; i++) {
		struct saved_row *r = &rows.v[i];
		struct auth_session s;
		uint8_t mac[6];
		char err[160];

		if (mac_parse(r->mac, mac) < 0) {
			log_warn("dot1x", "saved session \"%s\": the key is not a MAC address, ignored", r->mac);
			continue;
		}
		if (d->dot1x == NULL) {
			log_info("dot1x", "%s: saved session dropped: 802.1X is off", r->mac);
			rc = -ENOTSUP;
		} else if ((rc = auth_session_decode(r->json, mac, &s, err, sizeof(err))) < 0) {
			log_warn("dot1x", "%s: saved session dropped, malformed: %s", r->mac, err);
		} else if (strcmp(r->kind, auth_session_kind(&s)) != 0) {
			log_warn("dot1x", "%s: saved session dropped, malformed: kind \"%s\" but method %s", r->mac,
				 r->kind, auth_session_kind(&s));
			rc = -EBADMSG;
		} else if ((rc = auth8021x_restore(d->dot1x, &s, now)) == AUTH_SESSION_STALE) {
			log_warn("dot1x", "%s: saved session dropped: saved %lld s ago (or in the future)", r->mac,
				 (long long)((now - s.saved_ms) / 1000));
			rc = -ESTALE;
		} else if (rc < 0) {
			log_warn("dot1x", "%s: saved session not restored: %s", r->mac, strerror(-rc));
		}
		if (rc < 0 && rc != -EEXIST) {
			dropped++;
			forget_session(d, mac);
		} else if (rc >= 0) {
			restored++;
		}
	}
	if (rows.n)
		log_info("dot1x", "%u saved 802.1X/MAB session(s) restored, %u dropped", restored, dropped);
	free_rows(&rows);
}

/* ---- daemon hooks ----------------------------------------------------- */

struct dot1x_state {
	struct auth8021x_conf running;     /* the settings d->dot1x runs with */
	struct auth8021x *stopping;        /* switched off at a reload, sending its Stops */
};

static void set_ports(struct menjind *d)
{
	const struct fpmsg_port_info *ports;
	unsigned n = fpchan_ports(d->fp, &ports);
	for (unsigned i = 0; i < n; i++)
		if (ports[i].role == 0 && auth8021x_set_port(d->dot1x, ports[i].index, ports[i].mac, ports[i].name) < 0)
			log_warn("dot1x", "port %u (%s): index past %d, no 802.1X on it", ports[i].index, ports[i].name,
				 AUTH8021X_MAX_PORTS);
}

static int authenticator_start(struct menjind *d, const struct auth8021x_conf *conf, char *err, size_t errlen)
{
	struct auth8021x_ops ops = { .send_frame = send_frame, .verdict = on_verdict, .save = save_session,
				     .forget = forget_session, .arg = d };
	int rc;

	if (d->dot1x_state == NULL && (d->dot1x_state = calloc(1, sizeof(*d->dot1x_state))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = auth8021x_new(d->base, conf, &ops, &d->dot1x);
	if (rc < 0) {
		snprintf(err, errlen, "802.1X authenticator: %s", strerror(-rc));
		return rc;
	}
	d->dot1x_state->running = *conf;
	devices_set_radius_role_source(d->devices, radius_role, d);
	if (fpchan_get_state(d->fp) == FPCHAN_READY)
		set_ports(d);
	log_info("dot1x", "802.1X authenticator started: %u RADIUS server(s), MAB %s, CoA %s",
		 conf->radius.nservers[RADIUS_SVC_AUTH], conf->pae.mab_delay_ms ? "on" : "off",
		 conf->coa_enabled ? "on" : "off");
	restore_sessions(d);
	return 0;
}

int dot1x_start(struct menjind *d, char *err, size_t errlen)
{
	if (d->conf->auth == NULL || !d->conf->auth->enabled) {
		restore_sessions(d);      /* drops what an earlier run saved */
		return 0;
	}
	return authenticator_start(d, &d->conf->auth->a, err, errlen);
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
	set_ports(d);
}

enum dot1x_reload_action dot1x_reload_plan(const struct auth8021x_conf *running, const struct auth8021x_conf *next)
{
	if (running == NULL)
		return next ? DOT1X_RELOAD_START : DOT1X_RELOAD_NONE;
	if (next == NULL)
		return DOT1X_RELOAD_STOP;
	return auth8021x_conf_changes(running, next) ? DOT1X_RELOAD_APPLY : DOT1X_RELOAD_NONE;
}

const char *dot1x_reload_action_name(enum dot1x_reload_action a)
{
	switch (a) {
	case DOT1X_RELOAD_NONE: return "unchanged";
	case DOT1X_RELOAD_START: return "start";
	case DOT1X_RELOAD_STOP: return "stop";
	case DOT1X_RELOAD_APPLY: return "apply";
	}
	return "invalid";
}

static void stopped(void *arg)
{
	struct menjind *d = arg;
	if (d->dot1x_state && d->dot1x_state->stopping) {
		auth8021x_free(d->dot1x_state->stopping);
		d->dot1x_state->stopping = NULL;
		log_info("dot1x", "802.1X authenticator stopped (Accounting-Off sent)");
	}
}

static void reload_failed(struct menjind *d, const char *what, const char *err)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "802.1X: %s failed, the running 802.1X settings stay: %s", what, err);
	log_err("dot1x", "%s", msg);
	menjind_emit(d, LOG_ERR, "dot1x.reload", msg, "result", "failed", "error", err);
}

void dot1x_reloaded(struct menjind *d)
{
	const struct auth_conf *ac = d->conf->auth;
	const struct auth8021x_conf *next = ac && ac->enabled ? &ac->a : NULL;
	enum dot1x_reload_action act =
		dot1x_reload_plan(d->dot1x ? &d->dot1x_state->running : NULL, next);
	char err[256];
	int rc;

	switch (act) {
	case DOT1X_RELOAD_NONE:
		return;
	case DOT1X_RELOAD_START:
		if (d->dot1x_state && d->dot1x_state->stopping)
			stopped(d);       /* its CoA port and Stops give way to the new one */
		if ((rc = authenticator_start(d, next, err, sizeof(err))) < 0) {
			auth8021x_free(d->dot1x);
			d->dot1x = NULL;
			reload_failed(d, "start", err);
		}
		return;
	case DOT1X_RELOAD_STOP:
		/* Switched off: every authorization ends (Stop, Admin-Reset) and
		 * the devices are decided again without it; Accounting-Off. */
		log_info("dot1x", "802.1X switched off by the reload: ending its sessions");
		devices_set_radius_role_source(d->devices, NULL, NULL);
		auth8021x_disconnect_all(d->dot1x);
		if (d->dot1x_state->stopping)
			stopped(d);
		d->dot1x_state->stopping = d->dot1x;
		d->dot1x = NULL;
		if (auth8021x_shutdown(d->dot1x_state->stopping, stopped, d) < 0)
			stopped(d);
		return;
	case DOT1X_RELOAD_APPLY:
		if ((rc = auth8021x_reconfigure(d->dot1x, next, err, sizeof(err))) < 0) {
			reload_failed(d, "new settings", err);
			return;
		}
		d->dot1x_state->running = *next;
		log_info("dot1x", "802.1X settings applied by the reload; authorized sessions kept");
		return;
	}
}

int dot1x_shutdown(struct menjind *d, void (*done)(void *arg), void *arg)
{
	if (d->dot1x == NULL)
		return -ENOENT;
	return auth8021x_shutdown(d->dot1x, done, arg);
}

void dot1x_free(struct menjind *d)
{
	if (d->dot1x_state) {
		auth8021x_free(d->dot1x_state->stopping);
		free(d->dot1x_state);
		d->dot1x_state = NULL;
	}
	if (d->dot1x == NULL)
		return;
	if (d->devices)
		devices_set_radius_role_source(d->devices, NULL, NULL);
	auth8021x_free(d->dot1x);
	d->dot1x = NULL;
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
	if (mono == 0)
		return json_null();
	/* In milliseconds: a restored session shows the same second as before. */
	time_t t = (time_t)((wall_ms() - (mono_ms() - mono)) / 1000);
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
	/* When the reauthentication (or the end, Termination-Action Default) is due. */
	json_object_set_new(o, "reauth_at", info->state == PAE_AUTHENTICATED && info->next_deadline_ms != PAE_NO_DEADLINE
				     ? jtime_mono(info->next_deadline_ms) : json_null());
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
	PUT(a, as, group_requests);

	*result = json_pack("{s:o, s:o, s:o, s:o}", "auth_servers", servers_json(rc, RADIUS_SVC_AUTH),
			    "acct_servers", servers_json(rc, RADIUS_SVC_ACCT), "counters", c, "authenticator", a);
	if (*result == NULL)
		snprintf(err, errlen, "out of memory");
	return *result ? 0 : -ENOMEM;
}
