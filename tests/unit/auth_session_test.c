/* auth_session_test.c — an authorized 802.1X/MAB session saved for a
 * restart: the JSON codec (good, malformed, missing and wrong fields), what
 * a saved session becomes at start (resume, reauthenticate, ended, stale),
 * and auth8021x_restore() bringing one back without a new exchange.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "auth8021x.h"
#include "auth_session.h"

static const uint8_t MAC[6] = { 0x02, 0x00, 0x0a, 0x0a, 0x01, 0x0c };
#define NOW  INT64_C(1795000000000)     /* 2026-11-19, wall-clock ms */

static void good_session(struct auth_session *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->mac, MAC, 6);
	s->method = PAE_METHOD_EAP;
	snprintf(s->identity, sizeof(s->identity), "bob");
	s->port = 1;
	s->vlan_tci = 0x000a;
	snprintf(s->role, sizeof(s->role), "contractor");
	snprintf(s->filter_id, sizeof(s->filter_id), "contractor");
	s->session_timeout_s = 60;
	s->terminate = false;
	s->nclass = 2;
	s->class_len[0] = 5;
	memcpy(s->class[0], "lab-1", 5);
	s->class_len[1] = 3;
	memcpy(s->class[1], "\x00\xff\x10", 3);
	snprintf(s->acct_session_id, sizeof(s->acct_session_id), "5F3A00C1-0000002A");
	s->acct_started = true;
	snprintf(s->acct_user, sizeof(s->acct_user), "bob");
	s->authorized_since_ms = NOW - 600000;
	s->acct_start_ms = NOW - 600000;
	s->reauth_at_ms = NOW + 30000;
	s->eapol = true;
	s->saved_ms = NOW - 1000;
}

static char *encode(const struct auth_session *s)
{
	char *json = NULL;
	assert_int_equal(auth_session_encode(s, &json), 0);
	assert_non_null(json);
	return json;
}

static void test_roundtrip(void **state)
{
	struct auth_session s, back;
	char err[160] = "";
	(void)state;

	good_session(&s);
	char *json = encode(&s);
	assert_int_equal(auth_session_decode(json, MAC, &back, err, sizeof(err)), 0);
	assert_memory_equal(back.mac, MAC, 6);
	assert_int_equal(back.method, PAE_METHOD_EAP);
	assert_string_equal(back.identity, "bob");
	assert_int_equal(back.port, 1);
	assert_int_equal(back.vlan_tci, 10);
	assert_string_equal(back.role, "contractor");
	assert_string_equal(back.filter_id, "contractor");
	assert_string_equal(back.vlan, "");
	assert_int_equal(back.session_timeout_s, 60);
	assert_int_equal(back.nclass, 2);
	assert_int_equal(back.class_len[1], 3);
	assert_memory_equal(back.class[1], "\x00\xff\x10", 3);
	assert_string_equal(back.acct_session_id, "5F3A00C1-0000002A");
	assert_true(back.acct_started);
	assert_true(back.eapol);
	assert_int_equal(back.reauth_at_ms, NOW + 30000);
	assert_int_equal(back.saved_ms, NOW - 1000);
	assert_string_equal(auth_session_kind(&back), "dot1x");
	/* Nothing lost: encoding it again gives the same text. */
	char *again = encode(&back);
	assert_string_equal(json, again);
	free(again);
	free(json);

	/* MAB: the kind the store files it under. */
	s.method = PAE_METHOD_MAB;
	assert_string_equal(auth_session_kind(&s), "mab");
	json = encode(&s);
	assert_int_equal(auth_session_decode(json, NULL, &back, err, sizeof(err)), 0);
	assert_int_equal(back.method, PAE_METHOD_MAB);
	free(json);
}

/* decode(json) must fail with `want` in its message. */
static void refused(const char *json, const char *want)
{
	struct auth_session back;
	char err[160] = "";
	int rc = auth_session_decode(json, MAC, &back, err, sizeof(err));
	if (rc != -EBADMSG || strstr(err, want) == NULL)
		fail_msg("decode(%s) = %d \"%s\", expected \"%s\"", json, rc, err, want);
	/* A refusal leaves nothing half-filled. */
	assert_int_equal(back.method, PAE_METHOD_NONE);
	assert_string_equal(back.identity, "");
}

static void test_malformed_json(void **state)
{
	(void)state;
	refused("", "not JSON");
	refused("{\"v\":1,", "not JSON");
	refused("[1,2]", "not a JSON object");
	refused("\"text\"", "not");
	refused("{\"v\":1,\"v\":1}", "not JSON");     /* duplicate keys */
	refused("{}", "v: missing");
	char *big = malloc(AUTH_SESSION_JSON_MAX + 10);
	assert_non_null(big);
	memset(big, ' ', AUTH_SESSION_JSON_MAX + 9);
	big[AUTH_SESSION_JSON_MAX + 9] = '\0';
	refused(big, "at most");
	free(big);
}

/* The good session with `field` removed, or set to `value` (JSON). */
static char *variant(const char *field, const char *value)
{
	struct auth_session s;
	good_session(&s);
	char *json = encode(&s);
	json_t *o = json_loads(json, 0, NULL);
	free(json);
	assert_non_null(o);
	if (value)
		json_object_set_new(o, field, json_loads(value, JSON_DECODE_ANY, NULL));
	else
		json_object_del(o, field);
	json = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return json;
}

static void test_missing_fields(void **state)
{
	static const char *const fields[] = {
		"v", "mac", "method", "identity", "port", "vlan_tci", "role", "filter_id", "vlan", "session_timeout",
		"terminate", "interim", "class", "acct_session_id", "acct_started", "acct_user", "authorized_since",
		"acct_start", "reauth_at", "kept", "eapol", "saved",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char want[64];
		char *json = variant(fields[i], NULL);
		snprintf(want, sizeof(want), "%s: missing", fields[i]);
		refused(json, want);
		free(json);
	}
}

static void test_wrong_fields(void **state)
{
	static const struct { const char *field, *value, *want; } t[] = {
		{ "v", "2", "v: 2 is outside 1..1" },
		{ "mac", "\"01:00:5e:00:00:01\"", "not a unicast MAC" },
		{ "mac", "\"nonsense\"", "not a unicast MAC" },
		{ "mac", "\"02:00:0a:0a:01:0b\"", "not the row's MAC" },
		{ "method", "\"eap-tls\"", "method: \"eap-tls\" is not dot1x, mab or critical" },
		{ "method", "3", "method: not a string" },
		{ "identity", "\"" "0123456789012345678901234567890123456789012345678901234567890123456789"
			      "0123456789012345678901234567890123456789012345678901234567890123456789"
			      "0123456789012345678901234567890123456789012345678901234567890123456789"
			      "0123456789012345678901234567890123456789012345678901234567890123456789\"",
		  "identity: longer than" },
		{ "port", "16", "port: 16 is outside 0..15" },
		{ "port", "-1", "port: -1 is outside" },
		{ "port", "\"1\"", "port: not an integer" },
		{ "vlan_tci", "65536", "vlan_tci: 65536 is outside" },
		{ "role", "\"staff; drop\"", "role: \"staff; drop\" is not a role name" },
		{ "filter_id", "\"0123456789012345678901234567890123\"", "filter_id: longer than" },
		{ "terminate", "1", "terminate: not true or false" },
		{ "class", "\"lab\"", "class: not a list" },
		{ "class", "[\"zz\"]", "class[0]: not 1..253 bytes in hex" },
		{ "class", "[\"abc\"]", "class[0]" },
		{ "class", "[\"\"]", "class[0]" },
		{ "class", "[\"01\",\"02\",\"03\",\"04\",\"05\"]", "class: not a list of at most 4" },
		{ "acct_session_id", "\"\"", "acct_session_id: empty for a started accounting session" },
		{ "acct_start", "0", "acct_start: 0 for a started" },
		{ "authorized_since", "0", "authorized_since: 0 is outside" },
		{ "authorized_since", "1795000000000", "authorized_since: after the session was saved" },
		{ "reauth_at", "-5", "reauth_at: -5 is outside" },
		{ "saved", "1.5", "saved: not an integer" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *json = variant(t[i].field, t[i].value);
		refused(json, t[i].want);
		free(json);
	}
	/* Termination-Action Default needs the deadline it acts at. */
	struct auth_session s;
	good_session(&s);
	s.terminate = true;
	s.reauth_at_ms = 0;
	char *json = encode(&s);
	refused(json, "terminate: without a Session-Timeout deadline");
	free(json);
}

static void test_plan(void **state)
{
	struct auth_session s;
	int64_t left;
	(void)state;

	good_session(&s);
	/* Deadline ahead: the timer continues from it. */
	assert_int_equal(auth_session_plan(&s, NOW, &left), AUTH_SESSION_RESUME);
	assert_int_equal(left, 30000);
	/* Passed while menjind was down: reauthenticate now. */
	assert_int_equal(auth_session_plan(&s, NOW + 30000, &left), AUTH_SESSION_REAUTH);
	assert_int_equal(left, 0);
	/* With Termination-Action Default the session ended at its deadline. */
	s.terminate = true;
	assert_int_equal(auth_session_plan(&s, NOW + 31000, &left), AUTH_SESSION_END);
	assert_int_equal(auth_session_plan(&s, NOW + 29000, &left), AUTH_SESSION_RESUME);
	/* No reauthentication timer at all. */
	s.terminate = false;
	s.reauth_at_ms = 0;
	assert_int_equal(auth_session_plan(&s, NOW + 3600000, &left), AUTH_SESSION_RESUME);
	assert_int_equal(left, PAE_NO_DEADLINE);
	/* Expired: saved longer ago than any Session-Timeout, or in the future. */
	assert_int_equal(auth_session_plan(&s, s.saved_ms + AUTH_SESSION_MAX_AGE_MS + 1, &left), AUTH_SESSION_STALE);
	assert_int_equal(auth_session_plan(&s, s.saved_ms - AUTH_SESSION_CLOCK_SLACK_MS - 1, &left),
			 AUTH_SESSION_STALE);
	/* A deadline further than a Session-Timeout can reach is clamped. */
	s.reauth_at_ms = NOW + 10 * PAE_REAUTH_MAX_MS;
	assert_int_equal(auth_session_plan(&s, NOW, &left), AUTH_SESSION_RESUME);
	assert_int_equal(left, PAE_REAUTH_MAX_MS);
	assert_string_equal(auth_session_fate_name(AUTH_SESSION_END), "ended");
}

/* ---- restore through the authenticator --------------------------------- */

static struct auth8021x_verdict verdicts[8];
static unsigned nverdicts, nsaved, nforgot, nframes;
static struct auth_session last_saved;

static void on_verdict(void *arg, const struct auth8021x_verdict *v)
{
	(void)arg;
	if (nverdicts < 8)
		verdicts[nverdicts] = *v;
	nverdicts++;
}

static void on_save(void *arg, const struct auth_session *s)
{
	(void)arg;
	last_saved = *s;
	nsaved++;
}

static void on_forget(void *arg, const uint8_t mac[6])
{
	(void)arg;
	(void)mac;
	nforgot++;
}

static int on_frame(void *arg, uint16_t port, const uint8_t *frame, size_t len)
{
	(void)arg;
	(void)port;
	(void)frame;
	(void)len;
	nframes++;
	return 0;
}

/* An authenticator whose servers never answer (the discard port). */
static struct auth8021x *new_auth(struct event_base *base)
{
	struct auth8021x_conf conf;
	struct auth8021x_ops ops = { .send_frame = on_frame, .verdict = on_verdict, .save = on_save,
				     .forget = on_forget };
	struct auth8021x *a = NULL;
	auth8021x_conf_default(&conf);
	for (int svc = 0; svc < RADIUS_SVC__MAX; svc++) {
		struct radius_server_conf *sc = &conf.radius.servers[svc][0];
		struct sockaddr_in *in = (struct sockaddr_in *)&sc->addr;
		in->sin_family = AF_INET;
		in->sin_port = htons(9);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sc->addrlen = sizeof(*in);
		memcpy(sc->secret, "unit-test-secret", 16);
		sc->secret_len = 16;
		conf.radius.nservers[svc] = 1;
	}
	nverdicts = nsaved = nforgot = nframes = 0;
	assert_int_equal(auth8021x_new(base, &conf, &ops, &a), 0);
	return a;
}

static void test_restore(void **state)
{
	struct event_base *base = event_base_new();
	struct auth8021x_session_info info;
	struct auth8021x_stats st;
	struct auth_session s;
	(void)state;

	struct auth8021x *a = new_auth(base);
	good_session(&s);
	s.reauth_at_ms = NOW + 600000;
	assert_int_equal(auth8021x_restore(a, &s, NOW), AUTH_SESSION_RESUME);
	/* Authorized at once, with its role, told as restored. */
	assert_int_equal(nverdicts, 1);
	assert_true(verdicts[0].authorized);
	assert_true(verdicts[0].restored);
	assert_int_equal(verdicts[0].auth, AUTH_DOT1X);
	assert_string_equal(verdicts[0].role, "contractor");
	assert_string_equal(verdicts[0].identity, "bob");
	assert_string_equal(verdicts[0].acct_session_id, "5F3A00C1-0000002A");
	assert_int_equal(auth8021x_session_info(a, MAC, &info), 0);
	assert_int_equal(info.state, PAE_AUTHENTICATED);
	assert_int_equal(info.method, PAE_METHOD_EAP);
	assert_int_equal(info.port, 1);
	/* The timer continues: about 600 s left, not a fresh reauth_period. */
	assert_int_not_equal(info.next_deadline_ms, PAE_NO_DEADLINE);
	/* A second copy of the same MAC is refused. */
	assert_int_equal(auth8021x_restore(a, &s, NOW), -EEXIST);
	/* Stale ones are not restored. */
	struct auth_session old = s;
	old.mac[5] = 0x0d;
	assert_int_equal(auth8021x_restore(a, &old, NOW + AUTH_SESSION_MAX_AGE_MS + 2000), AUTH_SESSION_STALE);
	assert_int_equal(auth8021x_session_info(a, old.mac, &info), -ENOENT);

	/* The loop runs: no Request/Identity, no Access-Request, and no
	 * Accounting-On (it would end the continuing session at the server),
	 * no Start either. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	auth8021x_get_stats(a, &st);
	assert_int_equal(st.access_requests, 0);
	assert_int_equal(st.acct_requests, 0);
	assert_int_equal(nframes, 0);
	assert_int_equal(nforgot, 0);

	/* The operator ends it: the saved copy is forgotten. */
	assert_int_equal(auth8021x_disconnect(a, MAC), 0);
	assert_int_equal(nforgot, 1);
	auth8021x_free(a);

	/* After a clean stop (accounting stopped): Accounting-On, then a new
	 * accounting session (Start) for the restored authorization. */
	a = new_auth(base);
	s.acct_started = false;
	assert_int_equal(auth8021x_restore(a, &s, NOW), AUTH_SESSION_RESUME);
	event_base_loop(base, EVLOOP_NONBLOCK);
	auth8021x_get_stats(a, &st);
	assert_int_equal(st.acct_requests, 2);
	assert_int_equal(auth8021x_session_info(a, MAC, &info), 0);
	assert_true(info.authorized);
	assert_string_not_equal(info.acct_session_id, "5F3A00C1-0000002A");
	assert_true(nsaved >= 1);     /* the new accounting session is saved */
	assert_true(last_saved.acct_started);
	assert_string_equal(last_saved.acct_session_id, info.acct_session_id);
	auth8021x_free(a);

	/* Termination-Action Default, deadline passed while down: the session
	 * ends at the first turn of the loop. */
	a = new_auth(base);
	s.acct_started = true;
	s.terminate = true;
	s.reauth_at_ms = NOW - 5000;
	assert_int_equal(auth8021x_restore(a, &s, NOW), AUTH_SESSION_END);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(auth8021x_session_info(a, MAC, &info), 0);
	assert_false(info.authorized);
	assert_int_equal(info.last_reason, PAE_REASON_SESSION_TIMEOUT);
	assert_int_equal(nforgot, 1);
	auth8021x_get_stats(a, &st);
	assert_int_equal(st.acct_requests, 1);     /* its Stop; no Accounting-On */
	auth8021x_free(a);

	/* Reauthentication overdue: authorized now, asked again shortly. */
	a = new_auth(base);
	s.terminate = false;
	s.reauth_at_ms = NOW - 5000;
	assert_int_equal(auth8021x_restore(a, &s, NOW), AUTH_SESSION_REAUTH);
	assert_int_equal(auth8021x_session_info(a, MAC, &info), 0);
	assert_true(info.authorized);
	assert_int_equal(info.state, PAE_AUTHENTICATED);
	auth8021x_free(a);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_wrong_fields),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
