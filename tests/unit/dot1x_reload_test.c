/* dot1x_reload_test.c — 802.1X settings at a reload: what changed
 * (auth8021x_conf_changes), what the daemon does about it
 * (dot1x_reload_plan), and auth8021x_reconfigure() keeping authorized
 * sessions while it replaces the RADIUS client and the CoA listener, all
 * or nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "auth8021x.h"
#include "dot1x.h"

static const uint8_t MAC[6] = { 0x02, 0x00, 0x0a, 0x0a, 0x01, 0x0c };
static const uint8_t PRINTER[6] = { 0x02, 0x00, 0x0a, 0x0a, 0x01, 0x14 };

static void loopback(struct sockaddr_storage *ss, socklen_t *len, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*len = sizeof(*in);
}

/* Servers on the discard port: nobody answers. */
static void base_conf(struct auth8021x_conf *c)
{
	auth8021x_conf_default(c);
	for (int svc = 0; svc < RADIUS_SVC__MAX; svc++) {
		struct radius_server_conf *sc = &c->radius.servers[svc][0];
		loopback(&sc->addr, &sc->addrlen, 9);
		memcpy(sc->secret, "unit-test-secret", 16);
		sc->secret_len = 16;
		c->radius.nservers[svc] = 1;
	}
	c->radius.timeout_ms = 100;
	c->radius.retries = 1;
}

static void test_changes(void **state)
{
	struct auth8021x_conf a, b;
	(void)state;

	base_conf(&a);
	base_conf(&b);
	assert_int_equal(auth8021x_conf_changes(&a, &b), 0);
	/* A new secret: a new RADIUS client, nothing else. */
	memcpy(b.radius.servers[RADIUS_SVC_AUTH][0].secret, "another-secret!!", 16);
	assert_int_equal(auth8021x_conf_changes(&a, &b), AUTH8021X_CHANGED_RADIUS);
	/* A second server. */
	base_conf(&b);
	b.radius.servers[RADIUS_SVC_AUTH][1] = b.radius.servers[RADIUS_SVC_AUTH][0];
	b.radius.nservers[RADIUS_SVC_AUTH] = 2;
	assert_int_equal(auth8021x_conf_changes(&a, &b), AUTH8021X_CHANGED_RADIUS);
	/* Timers, MAB delay and the unreachable action are the PAE's. */
	base_conf(&b);
	b.pae.tx_period_ms = 5000;
	b.pae.mab_delay_ms = 5000;
	b.pae.unreachable = PAE_UNREACHABLE_DENY;
	assert_int_equal(auth8021x_conf_changes(&a, &b), AUTH8021X_CHANGED_PAE);
	/* CoA switched on, then moved to another port. */
	base_conf(&b);
	b.coa_enabled = true;
	loopback(&b.coa.listen, &b.coa.listen_len, 3799);
	assert_int_equal(auth8021x_conf_changes(&a, &b), AUTH8021X_CHANGED_COA);
	a = b;
	loopback(&b.coa.listen, &b.coa.listen_len, 3800);
	assert_int_equal(auth8021x_conf_changes(&a, &b), AUTH8021X_CHANGED_COA);
	/* CoA settings while CoA is off do not matter. */
	a.coa_enabled = b.coa_enabled = false;
	assert_int_equal(auth8021x_conf_changes(&a, &b), 0);
	/* The rest. */
	base_conf(&a);
	base_conf(&b);
	b.mab_format = MAB_FORMAT_IETF;
	snprintf(b.nas_identifier, sizeof(b.nas_identifier), "gw2");
	assert_int_equal(auth8021x_conf_changes(&a, &b), AUTH8021X_CHANGED_OTHER);
}

static void test_plan(void **state)
{
	struct auth8021x_conf a, b;
	(void)state;

	base_conf(&a);
	base_conf(&b);
	assert_int_equal(dot1x_reload_plan(NULL, NULL), DOT1X_RELOAD_NONE);
	assert_int_equal(dot1x_reload_plan(NULL, &b), DOT1X_RELOAD_START);     /* section added */
	assert_int_equal(dot1x_reload_plan(&a, NULL), DOT1X_RELOAD_STOP);      /* section removed */
	assert_int_equal(dot1x_reload_plan(&a, &b), DOT1X_RELOAD_NONE);
	b.pae.quiet_period_ms = 1000;
	assert_int_equal(dot1x_reload_plan(&a, &b), DOT1X_RELOAD_APPLY);
	assert_string_equal(dot1x_reload_action_name(DOT1X_RELOAD_APPLY), "apply");
}

/* The PAE's part of a client replacement (pae_restart) and of a restart
 * (pae_restore). */
static void test_pae_restart_restore(void **state)
{
	struct pae_config pc;
	struct pae p;
	struct pae_out out;
	uint8_t resp[EAP_HDR_LEN + 8];
	size_t n = 0;
	(void)state;

	pae_config_default(&pc);
	pae_init(&p, MAC, &pc);
	/* Nothing under way: nothing to restart. */
	assert_int_equal(pae_restart(&p, 1000, &out), -EALREADY);
	/* bob's identity went to the server. */
	assert_int_equal(pae_rx_start(&p, 1000, &out), 0);
	assert_int_equal(eap_encode(resp, sizeof(resp), EAP_CODE_RESPONSE, p.current_id, EAP_TYPE_IDENTITY,
				    (const uint8_t *)"bob", 3, &n), 0);
	assert_int_equal(pae_rx_eap(&p, 1100, resp, n, &out), 0);
	assert_int_equal(p.state, PAE_AUTHENTICATING);
	assert_true(p.aaa_pending);
	/* The client is replaced: the request is dropped, the supplicant is
	 * asked for its identity again. */
	assert_int_equal(pae_restart(&p, 1200, &out), 0);
	assert_int_equal(p.state, PAE_CONNECTING);
	assert_false(p.aaa_pending);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.act[0].type, PAE_ACT_AAA_CANCEL);
	assert_int_equal(out.act[1].type, PAE_ACT_TX_EAP);
	assert_false(p.authorized);

	/* Restored: authorized without any action, deadline as saved. */
	struct pae_resume r = { .method = PAE_METHOD_EAP, .identity = "bob", .eapol_seen = true, .when = 90000 };
	assert_int_equal(pae_restore(&p, MAC, &pc, &r, 5000), 0);
	assert_int_equal(p.state, PAE_AUTHENTICATED);
	assert_true(p.authorized);
	assert_int_equal(p.method, PAE_METHOD_EAP);
	assert_string_equal(p.identity, "bob");
	assert_int_equal(pae_deadline(&p), 90000);
	assert_int_equal(pae_timer(&p, 89999, &out), -EALREADY);
	/* At the deadline: a reauthentication, still authorized meanwhile. */
	assert_int_equal(pae_timer(&p, 90000, &out), 0);
	assert_int_equal(p.state, PAE_CONNECTING);
	assert_true(p.authorized);
	/* Kept while no server answered: retried when a server is back. */
	r.kept = true;
	r.method = PAE_METHOD_MAB;
	r.eapol_seen = false;
	assert_int_equal(pae_restore(&p, MAC, &pc, &r, 5000), 0);
	assert_int_equal(p.last_reason, PAE_REASON_UNREACHABLE);
	r.method = PAE_METHOD_NONE;
	assert_int_equal(pae_restore(&p, MAC, &pc, &r, 5000), -EINVAL);
}

/* ---- live ----------------------------------------------------------------- */

static unsigned nverdicts, nforgot;
static struct auth8021x_verdict last;

static void on_verdict(void *arg, const struct auth8021x_verdict *v)
{
	(void)arg;
	last = *v;
	nverdicts++;
}

static void on_save(void *arg, const struct auth_session *s)
{
	(void)arg;
	(void)s;
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
	return 0;
}

static int64_t wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_for(struct event_base *base, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* A UDP port free right now on loopback. */
static uint16_t free_port(int *keep_fd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	loopback(&ss, &len, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	uint16_t port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (keep_fd)
		*keep_fd = fd;
	else
		close(fd);
	return port;
}

static void test_reconfigure_keeps_sessions(void **state)
{
	struct event_base *base = event_base_new();
	struct auth8021x_ops ops = { .send_frame = on_frame, .verdict = on_verdict, .save = on_save,
				     .forget = on_forget };
	struct auth8021x_conf conf, next;
	struct auth8021x_session_info info;
	struct auth8021x_stats st;
	struct auth8021x *a = NULL;
	struct auth_session s;
	char err[256] = "";
	int busy_fd;
	(void)state;

	base_conf(&conf);
	conf.pae.mab_delay_ms = 1000;
	conf.radius.timeout_ms = 5000;     /* the MAB request waits through the reloads */
	conf.coa_enabled = true;
	loopback(&conf.coa.listen, &conf.coa.listen_len, free_port(NULL));
	conf.coa.nclients = 1;
	loopback(&conf.coa.clients[0].addr, &conf.coa.clients[0].addrlen, 0);
	memcpy(conf.coa.clients[0].secret, "unit-test-secret", 16);
	conf.coa.clients[0].secret_len = 16;
	snprintf(conf.coa.nas_identifier, sizeof(conf.coa.nas_identifier), "menjin");
	nverdicts = nforgot = 0;
	assert_int_equal(auth8021x_new(base, &conf, &ops, &a), 0);

	/* bob, authorized before a restart. */
	memset(&s, 0, sizeof(s));
	memcpy(s.mac, MAC, 6);
	s.method = PAE_METHOD_EAP;
	snprintf(s.identity, sizeof(s.identity), "bob");
	snprintf(s.role, sizeof(s.role), "contractor");
	snprintf(s.acct_session_id, sizeof(s.acct_session_id), "5F3A00C1-0000002A");
	s.acct_started = true;
	snprintf(s.acct_user, sizeof(s.acct_user), "bob");
	s.saved_ms = s.authorized_since_ms = s.acct_start_ms = wall_now() - 1000;
	s.reauth_at_ms = wall_now() + 600000;
	s.eapol = true;
	assert_int_equal(auth8021x_restore(a, &s, wall_now()), AUTH_SESSION_RESUME);
	/* The printer's MAB request is with the server when the reload comes. */
	assert_int_equal(auth8021x_on_mac_seen(a, PRINTER, 0, 0), 0);
	run_for(base, 1200);
	assert_int_equal(auth8021x_session_info(a, PRINTER, &info), 0);
	assert_int_equal(info.state, PAE_MAB);
	auth8021x_get_stats(a, &st);
	uint64_t requests = st.access_requests;
	assert_int_equal(requests, 1);

	/* Nothing changed: nothing happens. */
	assert_int_equal(auth8021x_reconfigure(a, &conf, err, sizeof(err)), 0);

	/* A CoA address already taken: refused, and nothing changed (the
	 * new secret is not taken either). */
	next = conf;
	memcpy(next.radius.servers[RADIUS_SVC_AUTH][0].secret, "another-secret!!", 16);
	loopback(&next.coa.listen, &next.coa.listen_len, free_port(&busy_fd));
	assert_int_not_equal(auth8021x_reconfigure(a, &next, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "coa: cannot listen"));
	close(busy_fd);
	auth8021x_get_stats(a, &st);
	assert_int_equal(st.access_requests, requests);     /* the MAB request was left alone */

	/* A new secret and a new CoA port: taken, bob stays authorized with
	 * the same accounting session, the printer's request is sent again
	 * on the new client. */
	unsigned verdicts_before = nverdicts;
	assert_int_equal(auth8021x_reconfigure(a, &next, err, sizeof(err)), 0);
	assert_int_equal(auth8021x_session_info(a, MAC, &info), 0);
	assert_true(info.authorized);
	assert_int_equal(info.state, PAE_AUTHENTICATED);
	assert_string_equal(info.acct_session_id, "5F3A00C1-0000002A");
	assert_string_equal(info.role, "contractor");
	assert_int_equal(nverdicts, verdicts_before);
	assert_int_equal(nforgot, 0);
	auth8021x_get_stats(a, &st);
	assert_int_equal(st.access_requests, requests + 1);
	assert_int_equal(auth8021x_session_info(a, PRINTER, &info), 0);
	assert_int_equal(info.state, PAE_MAB);
	/* The same address again (clients changed only): reopened in place. */
	next.coa.clients[0].secret[0] = 'U';
	assert_int_equal(auth8021x_reconfigure(a, &next, err, sizeof(err)), 0);
	/* CoA off. */
	next.coa_enabled = false;
	assert_int_equal(auth8021x_reconfigure(a, &next, err, sizeof(err)), 0);
	/* A configuration the module refuses changes nothing. */
	struct auth8021x_conf bad = next;
	bad.max_sessions = 0;
	assert_int_equal(auth8021x_reconfigure(a, &bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "max_sessions"));

	/* The replaced clients go once their requests are over (ASan sees
	 * anything left behind); bob is still there. */
	run_for(base, 400);
	assert_int_equal(auth8021x_session_info(a, MAC, &info), 0);
	assert_true(info.authorized);
	/* and the printer's request sent again is still waiting for its answer
	 * on the new client (not failed with the old one). */
	assert_int_equal(auth8021x_session_info(a, PRINTER, &info), 0);
	assert_int_equal(info.state, PAE_MAB);
	auth8021x_free(a);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_pae_restart_restore),
		cmocka_unit_test(test_reconfigure_keeps_sessions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
