/* pae_test.c — the per-MAC authenticator PAE: a supplicant's story told as
 * events in and actions out, with time moved by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "eapol.h"
#include "pae.h"

static const uint8_t MAC[6] = { 0x02, 0x00, 0x0a, 0x0a, 0x01, 0x0b };

static struct pae_config conf;
static struct pae pae;
static struct pae_out out;

static int setup(void **state)
{
	(void)state;
	pae_config_default(&conf);
	conf.mab_delay_ms = 0;
	pae_init(&pae, MAC, &conf);
	return 0;
}

/* The action types of the last event, in order, ended by 0. */
static void expect_actions(const int *types)
{
	unsigned i = 0;
	for (; types[i]; i++) {
		assert_true(i < out.n);
		assert_int_equal(out.act[i].type, types[i]);
	}
	assert_int_equal(out.n, i);
}
#define EXPECT(...) expect_actions((const int[]){ __VA_ARGS__, 0 })
#define EXPECT_NONE() assert_int_equal(out.n, 0)

static const struct pae_action *act(unsigned i)
{
	assert_true(i < out.n);
	return &out.act[i];
}

/* The EAP packet of action i, decoded. */
static struct eap_packet eap_of(unsigned i)
{
	struct eap_packet e;
	assert_int_equal(eap_decode(act(i)->eap, act(i)->eap_len, &e, NULL), 0);
	return e;
}

static size_t response(uint8_t *b, uint8_t id, uint8_t type, const char *data)
{
	size_t n = 0;
	assert_int_equal(eap_encode(b, 300, EAP_CODE_RESPONSE, id, type, (const uint8_t *)data,
				    data ? strlen(data) : 0, &n), 0);
	return n;
}

static size_t request(uint8_t *b, uint8_t id, uint8_t type)
{
	size_t n = 0;
	static const uint8_t challenge[17] = { 16, 1, 2, 3 };
	assert_int_equal(eap_encode(b, 300, EAP_CODE_REQUEST, id, type, challenge, sizeof(challenge),
				    &n), 0);
	return n;
}

static size_t simple(uint8_t *b, uint8_t code, uint8_t id)
{
	size_t n = 0;
	assert_int_equal(eap_encode(b, 8, code, id, 0, NULL, 0, &n), 0);
	return n;
}

/* Start -> identity -> one MD5 round -> Accept. Ends AUTHENTICATED at t. */
static void authenticate(int64_t t, const struct pae_grant *g)
{
	uint8_t b[300];
	size_t n;
	struct eap_packet e;

	assert_int_equal(pae_rx_start(&pae, t, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	e = eap_of(0);
	assert_int_equal(e.code, EAP_CODE_REQUEST);
	assert_int_equal(e.type, EAP_TYPE_IDENTITY);
	assert_int_equal(pae.state, PAE_CONNECTING);

	n = response(b, e.id, EAP_TYPE_IDENTITY, "alice");
	assert_int_equal(pae_rx_eap(&pae, t, b, n, &out), 0);
	EXPECT(PAE_ACT_AAA_EAP);
	assert_int_equal(act(0)->eap_len, n);
	assert_memory_equal(act(0)->eap, b, n);
	assert_string_equal(pae.identity, "alice");
	assert_int_equal(pae.state, PAE_AUTHENTICATING);

	n = request(b, 77, EAP_TYPE_MD5);
	assert_int_equal(pae_aaa_challenge(&pae, t, b, n, 0, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_memory_equal(act(0)->eap, b, n);
	assert_int_equal(pae_deadline(&pae), t + conf.supp_timeout_ms);

	n = response(b, 77, EAP_TYPE_MD5, "0123456789abcdef");
	assert_int_equal(pae_rx_eap(&pae, t, b, n, &out), 0);
	EXPECT(PAE_ACT_AAA_EAP);
	assert_int_equal(pae_deadline(&pae), t + conf.server_timeout_ms);

	n = simple(b, EAP_CODE_SUCCESS, 77);
	assert_int_equal(pae_aaa_accept(&pae, t, b, n, g, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_AUTHORIZE);
	assert_int_equal(eap_of(0).code, EAP_CODE_SUCCESS);
	assert_int_equal(act(1)->method, PAE_METHOD_EAP);
	assert_int_equal(pae.state, PAE_AUTHENTICATED);
	assert_true(pae.authorized);
}

static void test_eap_success(void **state)
{
	(void)state;
	authenticate(1000, NULL);
	assert_int_equal(pae_deadline(&pae), 1000 + conf.reauth_period_ms);
	/* A timer call before the deadline does nothing. */
	assert_int_equal(pae_timer(&pae, 2000, &out), -EALREADY);
	EXPECT_NONE();
}

static void test_eap_failure_and_held(void **state)
{
	uint8_t b[300];
	size_t n;
	(void)state;

	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "mallory");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	n = simple(b, EAP_CODE_FAILURE, 5);
	assert_int_equal(pae_aaa_reject(&pae, 100, b, n, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_FAILED);
	assert_memory_equal(act(0)->eap, b, n);
	assert_int_equal(act(1)->method, PAE_METHOD_EAP);
	assert_int_equal(act(1)->reason, PAE_REASON_REJECTED);
	assert_int_equal(pae.state, PAE_HELD);
	assert_false(pae.authorized);
	assert_int_equal(pae_deadline(&pae), 100 + conf.quiet_period_ms);

	/* Held: Start and responses are ignored until quietWhile runs out. */
	assert_int_equal(pae_rx_start(&pae, 200, &out), -EALREADY);
	EXPECT_NONE();
	n = response(b, 5, EAP_TYPE_IDENTITY, "mallory");
	assert_int_equal(pae_rx_eap(&pae, 200, b, n, &out), -EALREADY);
	assert_int_equal(pae_timer(&pae, 100 + conf.quiet_period_ms - 1, &out), -EALREADY);
	assert_int_equal(pae_timer(&pae, 100 + conf.quiet_period_ms, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_int_equal(eap_of(0).type, EAP_TYPE_IDENTITY);
	assert_int_equal(pae.state, PAE_CONNECTING);
}

static void test_reject_without_eap_and_accept_with_failure(void **state)
{
	uint8_t b[300];
	size_t n;
	(void)state;

	/* A Reject without EAP-Message: a Failure is made up with the last id. */
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	uint8_t id = eap_of(0).id;
	n = response(b, id, EAP_TYPE_IDENTITY, "bob");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	assert_int_equal(pae_aaa_reject(&pae, 0, NULL, 0, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_FAILED);
	assert_int_equal(eap_of(0).code, EAP_CODE_FAILURE);
	assert_int_equal(eap_of(0).id, id);

	/* An Accept carrying EAP-Failure is a reject (fail closed). */
	setup(NULL);
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "bob");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	n = simple(b, EAP_CODE_FAILURE, 9);
	assert_int_equal(pae_aaa_accept(&pae, 0, b, n, NULL, &out), -EBADMSG);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_FAILED);
	assert_int_equal(act(1)->reason, PAE_REASON_REJECTED);
	assert_false(pae.authorized);
	assert_int_equal(pae.state, PAE_HELD);

	/* An Accept without EAP: a Success is made up. */
	setup(NULL);
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	id = eap_of(0).id;
	n = response(b, id, EAP_TYPE_IDENTITY, "bob");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	assert_int_equal(pae_aaa_accept(&pae, 0, NULL, 0, NULL, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_AUTHORIZE);
	assert_int_equal(eap_of(0).code, EAP_CODE_SUCCESS);
	assert_int_equal(eap_of(0).id, id);

	/* A Challenge whose EAP is not a Request: server error. */
	setup(NULL);
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "bob");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	n = simple(b, EAP_CODE_SUCCESS, 3);
	assert_int_equal(pae_aaa_challenge(&pae, 0, b, n, 0, &out), -EBADMSG);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_FAILED);
	assert_int_equal(act(1)->reason, PAE_REASON_SERVER_ERROR);
	assert_int_equal(pae.state, PAE_HELD);
}

static void test_identity_retransmission_limit(void **state)
{
	int64_t t = 0;
	uint8_t ids[8];
	(void)state;

	/* Started by traffic (no EAPOL from the MAC): max_start requests, then give up quietly. */
	assert_int_equal(pae_kick(&pae, t, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	ids[0] = eap_of(0).id;
	for (unsigned i = 1; i < conf.max_start; i++) {
		t += conf.tx_period_ms;
		assert_int_equal(pae_deadline(&pae), t);
		assert_int_equal(pae_timer(&pae, t, &out), 0);
		EXPECT(PAE_ACT_TX_EAP);
		ids[i] = eap_of(0).id;
		assert_int_not_equal(ids[i], ids[i - 1]);     /* a new identifier each time */
	}
	t += conf.tx_period_ms;
	assert_int_equal(pae_timer(&pae, t, &out), 0);
	EXPECT_NONE();
	assert_int_equal(pae.state, PAE_DISCONNECTED);
	assert_int_equal(pae_deadline(&pae), PAE_NO_DEADLINE);
	assert_int_equal(pae_kick(&pae, t, &out), 0);     /* traffic again: a new round */
	assert_int_equal(pae_kick(&pae, t, &out), -EALREADY);

	/* Started by EAPOL-Start and then silent: a supplicant timeout failure. */
	setup(NULL);
	t = 0;
	assert_int_equal(pae_rx_start(&pae, t, &out), 0);
	for (unsigned i = 1; i < conf.max_start; i++) {
		t += conf.tx_period_ms;
		assert_int_equal(pae_timer(&pae, t, &out), 0);
	}
	t += conf.tx_period_ms;
	assert_int_equal(pae_timer(&pae, t, &out), 0);
	EXPECT(PAE_ACT_FAILED);
	assert_int_equal(act(0)->reason, PAE_REASON_SUPP_TIMEOUT);
	assert_int_equal(pae.state, PAE_DISCONNECTED);
}

static void test_relay_retransmission_and_supplicant_timeout(void **state)
{
	uint8_t b[300], chal[300];
	size_t n, cn;
	int64_t t = 0;
	(void)state;

	assert_int_equal(pae_rx_start(&pae, t, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "carol");
	assert_int_equal(pae_rx_eap(&pae, t, b, n, &out), 0);
	cn = request(chal, 31, EAP_TYPE_MD5);
	assert_int_equal(pae_aaa_challenge(&pae, t, chal, cn, 0, &out), 0);

	/* A response with another identifier, a Request, a duplicate identity: ignored. */
	n = response(b, 30, EAP_TYPE_MD5, "x");
	assert_int_equal(pae_rx_eap(&pae, t, b, n, &out), -EALREADY);
	EXPECT_NONE();
	n = request(b, 31, EAP_TYPE_MD5);
	assert_int_equal(pae_rx_eap(&pae, t, b, n, &out), -EALREADY);
	assert_int_equal(pae_rx_eap(&pae, t, b, 3, &out), -EBADMSG);

	for (unsigned i = 0; i < conf.max_req; i++) {
		t += conf.supp_timeout_ms;
		assert_int_equal(pae_timer(&pae, t, &out), 0);
		EXPECT(PAE_ACT_TX_EAP);
		assert_int_equal(act(0)->eap_len, cn);
		assert_memory_equal(act(0)->eap, chal, cn);
	}
	t += conf.supp_timeout_ms;
	assert_int_equal(pae_timer(&pae, t, &out), 0);
	EXPECT(PAE_ACT_FAILED);      /* the supplicant went away: nothing sent to it */
	assert_int_equal(act(0)->reason, PAE_REASON_SUPP_TIMEOUT);
	assert_int_equal(pae.state, PAE_DISCONNECTED);
}

static void test_challenge_session_timeout(void **state)
{
	uint8_t b[300];
	size_t n;
	(void)state;

	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "dave");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	n = request(b, 4, EAP_TYPE_PEAP);
	/* RFC 3580 3.17: Session-Timeout in a Challenge is the supplicant timeout. */
	assert_int_equal(pae_aaa_challenge(&pae, 0, b, n, 5, &out), 0);
	assert_int_equal(pae_deadline(&pae), 5000);
	n = response(b, 4, EAP_TYPE_PEAP, "r");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	/* A duplicate while the server has it: ignored. */
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), -EALREADY);
	n = request(b, 5, EAP_TYPE_PEAP);
	assert_int_equal(pae_aaa_challenge(&pae, 0, b, n, 100000, &out), 0);
	assert_int_equal(pae_deadline(&pae), PAE_SUPP_TIMEOUT_MAX_MS);
	/* A second challenge while the supplicant has the first: ignored. */
	assert_int_equal(pae_aaa_challenge(&pae, 0, b, n, 0, &out), -EALREADY);
}

static void test_reauthentication(void **state)
{
	uint8_t b[300];
	size_t n;
	int64_t t;
	(void)state;

	authenticate(0, NULL);
	t = conf.reauth_period_ms;
	assert_int_equal(pae_timer(&pae, t, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);                 /* Request/Identity, still authorized */
	assert_int_equal(pae.state, PAE_CONNECTING);
	assert_true(pae.authorized);
	assert_true(pae.reauth);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "alice");
	assert_int_equal(pae_rx_eap(&pae, t, b, n, &out), 0);
	n = simple(b, EAP_CODE_SUCCESS, 1);
	assert_int_equal(pae_aaa_accept(&pae, t, b, n, NULL, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_AUTHORIZE);
	assert_int_equal(pae_deadline(&pae), t + conf.reauth_period_ms);

	/* Reauthentication rejected: unauthorized. */
	t += conf.reauth_period_ms;
	assert_int_equal(pae_timer(&pae, t, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "alice");
	assert_int_equal(pae_rx_eap(&pae, t, b, n, &out), 0);
	assert_int_equal(pae_aaa_reject(&pae, t, NULL, 0, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_FAILED, PAE_ACT_UNAUTHORIZE);
	assert_int_equal(act(2)->method, PAE_METHOD_EAP);
	assert_int_equal(act(2)->reason, PAE_REASON_REJECTED);
	assert_false(pae.authorized);

	/* Asked for (CoA, operator). */
	setup(NULL);
	authenticate(0, NULL);
	assert_int_equal(pae_reauthenticate(&pae, 10, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_true(pae.authorized);
	assert_int_equal(pae_reauthenticate(&pae, 10, &out), -EALREADY);

	/* A supplicant restart (EAPOL-Start) while authenticated. */
	setup(NULL);
	authenticate(0, NULL);
	assert_int_equal(pae_rx_start(&pae, 10, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_int_equal(pae.state, PAE_CONNECTING);
	assert_true(pae.authorized);
}

static void test_session_timeout_and_termination_action(void **state)
{
	struct pae_grant g = { .session_timeout_s = 600, .terminate = false };
	(void)state;

	/* RADIUS-Request: reauthenticate at Session-Timeout, stay authorized. */
	authenticate(0, &g);
	assert_int_equal(pae_deadline(&pae), 600000);
	assert_int_equal(pae_timer(&pae, 600000, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_true(pae.authorized);

	/* Default: the session ends at Session-Timeout. */
	setup(NULL);
	g.terminate = true;
	authenticate(0, &g);
	assert_int_equal(pae_timer(&pae, 600000, &out), 0);
	EXPECT(PAE_ACT_UNAUTHORIZE, PAE_ACT_TX_EAP);
	assert_int_equal(act(0)->reason, PAE_REASON_SESSION_TIMEOUT);
	assert_false(pae.authorized);
	assert_int_equal(pae.state, PAE_CONNECTING);

	/* Clamped: 1 s becomes the minimum, 10 years the maximum. */
	setup(NULL);
	g.session_timeout_s = 1;
	authenticate(0, &g);
	assert_int_equal(pae_deadline(&pae), PAE_REAUTH_MIN_MS);
	setup(NULL);
	g.session_timeout_s = 315360000;
	authenticate(0, &g);
	assert_int_equal(pae_deadline(&pae), PAE_REAUTH_MAX_MS);

	/* A CoA changes it: the timer restarts from then. */
	setup(NULL);
	authenticate(0, NULL);
	g.session_timeout_s = 120;
	g.terminate = true;
	assert_int_equal(pae_set_grant(&pae, 1000, &g, &out), 0);
	EXPECT_NONE();
	assert_int_equal(pae_deadline(&pae), 1000 + 120000);
	assert_true(pae.terminate_at_when);
	assert_int_equal(pae_timer(&pae, 121000, &out), 0);
	EXPECT(PAE_ACT_UNAUTHORIZE, PAE_ACT_TX_EAP);
	assert_int_equal(pae_set_grant(&pae, 1000, &g, &out), -EALREADY);

	/* No Session-Timeout and no reauth_period: no timer. */
	setup(NULL);
	conf.reauth_period_ms = 0;
	authenticate(0, NULL);
	assert_int_equal(pae_deadline(&pae), PAE_NO_DEADLINE);
}

static void test_logoff(void **state)
{
	uint8_t b[300];
	size_t n;
	(void)state;

	authenticate(0, NULL);
	assert_int_equal(pae_rx_logoff(&pae, 5, &out), 0);
	EXPECT(PAE_ACT_UNAUTHORIZE, PAE_ACT_TX_EAP);
	assert_int_equal(act(0)->reason, PAE_REASON_LOGOFF);
	assert_int_equal(eap_of(1).code, EAP_CODE_FAILURE);
	assert_int_equal(pae.state, PAE_DISCONNECTED);
	assert_int_equal(pae_rx_logoff(&pae, 6, &out), -EALREADY);

	/* Logoff while the server has the request: it is forgotten. */
	setup(NULL);
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "erin");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	assert_int_equal(pae_rx_logoff(&pae, 1, &out), 0);
	EXPECT(PAE_ACT_AAA_CANCEL, PAE_ACT_TX_EAP);
	/* The late answer is ignored. */
	assert_int_equal(pae_aaa_accept(&pae, 2, NULL, 0, NULL, &out), -EALREADY);
	EXPECT_NONE();

	/* A Start while authenticating restarts and forgets the request. */
	setup(NULL);
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "erin");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	assert_int_equal(pae_rx_start(&pae, 1, &out), 0);
	EXPECT(PAE_ACT_AAA_CANCEL, PAE_ACT_TX_EAP);
	assert_int_equal(pae.state, PAE_CONNECTING);
}

static void test_admin_disconnect(void **state)
{
	(void)state;
	authenticate(0, NULL);
	assert_int_equal(pae_disconnect(&pae, 1, PAE_REASON_ADMIN, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_UNAUTHORIZE);
	assert_int_equal(eap_of(0).code, EAP_CODE_FAILURE);
	assert_int_equal(act(1)->reason, PAE_REASON_ADMIN);
	assert_int_equal(pae_disconnect(&pae, 1, PAE_REASON_ADMIN, &out), -EALREADY);

	setup(NULL);
	authenticate(0, NULL);
	assert_int_equal(pae_disconnect(&pae, 1, PAE_REASON_PORT_DOWN, &out), 0);
	EXPECT(PAE_ACT_UNAUTHORIZE);   /* nothing sent on a dead port */
}

static void test_mab(void **state)
{
	uint8_t b[300];
	size_t n;
	int64_t t = 0;
	(void)state;

	conf.mab_delay_ms = 45000;      /* between the 2nd and 3rd Request/Identity */
	assert_int_equal(pae_kick(&pae, t, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_int_equal(pae_deadline(&pae), 30000);
	assert_int_equal(pae_timer(&pae, 30000, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_int_equal(pae_deadline(&pae), 45000);
	assert_int_equal(pae_timer(&pae, 45000, &out), 0);
	EXPECT(PAE_ACT_AAA_MAB);
	assert_int_equal(pae.state, PAE_MAB);
	assert_int_equal(pae_aaa_accept(&pae, 45100, NULL, 0, NULL, &out), 0);
	EXPECT(PAE_ACT_AUTHORIZE);       /* no EAP to a device that has no supplicant */
	assert_int_equal(act(0)->method, PAE_METHOD_MAB);

	/* Reauthentication of a MAB device: MAB again, directly. */
	t = 45100 + conf.reauth_period_ms;
	assert_int_equal(pae_timer(&pae, t, &out), 0);
	EXPECT(PAE_ACT_AAA_MAB);
	assert_true(pae.authorized);
	assert_int_equal(pae_aaa_accept(&pae, t, NULL, 0, NULL, &out), 0);

	/* The device starts speaking EAPOL: 802.1X takes over, MAB authorization kept meanwhile. */
	assert_int_equal(pae_rx_start(&pae, t + 1, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_true(pae.authorized);
	assert_int_equal(pae.method, PAE_METHOD_MAB);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "printer-7");
	assert_int_equal(pae_rx_eap(&pae, t + 1, b, n, &out), 0);
	assert_int_equal(pae_aaa_accept(&pae, t + 2, NULL, 0, NULL, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_AUTHORIZE);
	assert_int_equal(act(1)->method, PAE_METHOD_EAP);
	/* From now on reauthentication uses EAP, never MAB. */
	assert_int_equal(pae_reauthenticate(&pae, t + 3, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_int_equal(pae.state, PAE_CONNECTING);
	assert_int_equal(pae.mab_at, 0);
}

static void test_mab_rejected_and_eapol_takes_over(void **state)
{
	uint8_t b[300];
	size_t n;
	(void)state;

	conf.mab_delay_ms = 10000;
	assert_int_equal(pae_kick(&pae, 0, &out), 0);
	assert_int_equal(pae_timer(&pae, 10000, &out), 0);
	EXPECT(PAE_ACT_AAA_MAB);
	assert_int_equal(pae_aaa_reject(&pae, 10001, NULL, 0, &out), 0);
	EXPECT(PAE_ACT_FAILED);           /* nothing sent to the MAC */
	assert_int_equal(act(0)->method, PAE_METHOD_MAB);
	assert_int_equal(pae.state, PAE_HELD);

	/* After the quiet period: another round, and MAB again later. */
	assert_int_equal(pae_timer(&pae, 10001 + conf.quiet_period_ms, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	uint8_t id = eap_of(0).id;
	assert_int_equal(pae_deadline(&pae), 10001 + conf.quiet_period_ms + 10000);
	assert_int_equal(pae_timer(&pae, 10001 + conf.quiet_period_ms + 10000, &out), 0);
	EXPECT(PAE_ACT_AAA_MAB);

	/* A late Response/Identity to our request while MAB is under way. */
	n = response(b, id, EAP_TYPE_IDENTITY, "phone-3");
	assert_int_equal(pae_rx_eap(&pae, 80000, b, n, &out), 0);
	EXPECT(PAE_ACT_AAA_CANCEL, PAE_ACT_AAA_EAP);
	assert_int_equal(pae.state, PAE_AUTHENTICATING);
	assert_true(pae.eapol_seen);

	/* An EAPOL frame before the MAB delay disarms MAB. */
	setup(NULL);
	conf.mab_delay_ms = 10000;
	assert_int_equal(pae_kick(&pae, 0, &out), 0);
	assert_int_equal(pae_rx_start(&pae, 5, &out), 0);
	assert_int_equal(pae.mab_at, 0);
	for (int64_t t = 30005; t <= 90005; t += 30000)
		assert_int_equal(pae_timer(&pae, t, &out), 0);
	assert_int_equal(pae.state, PAE_DISCONNECTED);
}

static void test_server_unreachable(void **state)
{
	uint8_t b[300];
	size_t n;
	(void)state;

	/* Deny: the attempt fails. */
	conf.unreachable = PAE_UNREACHABLE_DENY;
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "frank");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	assert_int_equal(pae_aaa_unreachable(&pae, 1, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_FAILED);
	assert_int_equal(eap_of(0).code, EAP_CODE_FAILURE);
	assert_int_equal(act(1)->reason, PAE_REASON_UNREACHABLE);
	assert_int_equal(pae.state, PAE_HELD);

	/* Keep: an authorized MAC whose reauthentication finds no server stays. */
	setup(NULL);
	conf.unreachable = PAE_UNREACHABLE_KEEP;
	authenticate(0, NULL);
	assert_int_equal(pae_reauthenticate(&pae, 10, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "alice");
	assert_int_equal(pae_rx_eap(&pae, 10, b, n, &out), 0);
	assert_int_equal(pae_aaa_unreachable(&pae, 20, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_int_equal(eap_of(0).code, EAP_CODE_SUCCESS);
	assert_true(pae.authorized);
	assert_int_equal(pae.state, PAE_AUTHENTICATED);
	assert_int_equal(pae_deadline(&pae), 20 + conf.unreachable_retry_ms);
	/* ... but a new MAC is not admitted under keep. */
	setup(NULL);
	conf.unreachable = PAE_UNREACHABLE_KEEP;
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "new");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	assert_int_equal(pae_aaa_unreachable(&pae, 1, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_FAILED);

	/* Critical: a new MAC is authorized with the critical method. */
	setup(NULL);
	conf.unreachable = PAE_UNREACHABLE_CRITICAL;
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "new");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	/* No answer at all: the server_timeout guard fires. */
	assert_int_equal(pae_timer(&pae, conf.server_timeout_ms, &out), 0);
	EXPECT(PAE_ACT_AAA_CANCEL, PAE_ACT_TX_EAP, PAE_ACT_AUTHORIZE);
	assert_int_equal(act(2)->method, PAE_METHOD_CRITICAL);
	assert_int_equal(pae_deadline(&pae), conf.server_timeout_ms + conf.unreachable_retry_ms);
	/* Retry later: a normal attempt; success replaces the critical authorization. */
	assert_int_equal(pae_timer(&pae, conf.server_timeout_ms + conf.unreachable_retry_ms, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "new");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	assert_int_equal(pae_aaa_accept(&pae, 0, NULL, 0, NULL, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_AUTHORIZE);
	assert_int_equal(act(1)->method, PAE_METHOD_EAP);

	/* Not waiting for the server: the event does not apply. */
	assert_int_equal(pae_aaa_unreachable(&pae, 0, &out), -EALREADY);
}

static void test_eap_in_disconnected_and_identity_edge_cases(void **state)
{
	uint8_t b[300];
	size_t n;
	(void)state;

	/* A Response out of the blue: ask for the identity. */
	n = response(b, 9, EAP_TYPE_MD5, "x");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);
	assert_int_equal(pae.state, PAE_CONNECTING);
	/* Anonymous (empty) identity is relayed. */
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, NULL);
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	EXPECT(PAE_ACT_AAA_EAP);
	assert_string_equal(pae.identity, "");

	/* An identity with a control character is refused. */
	setup(NULL);
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "ev\x01l");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), -EBADMSG);
	EXPECT_NONE();
	assert_int_equal(pae.state, PAE_CONNECTING);
}

/* A Response/Identity answering the Request/Identity sent to the segment's
 * group address (solicit.h) is the answer to our request. */
static void test_answer_to_group_request(void **state)
{
	uint8_t b[300];
	size_t n;
	(void)state;

	/* A MAC never heard from: straight to AUTHENTICATING, relayed. */
	n = response(b, 42, EAP_TYPE_IDENTITY, "bob");
	assert_int_equal(pae_rx_eap_group(&pae, 0, b, n, 42, &out), 0);
	EXPECT(PAE_ACT_AAA_EAP);
	assert_int_equal(pae.state, PAE_AUTHENTICATING);
	assert_string_equal(pae.identity, "bob");
	assert_int_equal(pae.current_id, 42);
	/* The Success made up for an Accept without EAP carries its Identifier. */
	assert_int_equal(pae_aaa_accept(&pae, 10, NULL, 0, NULL, &out), 0);
	EXPECT(PAE_ACT_TX_EAP, PAE_ACT_AUTHORIZE);
	assert_int_equal(eap_of(0).code, EAP_CODE_SUCCESS);
	assert_int_equal(eap_of(0).id, 42);

	/* Authenticated: another answer to a group request is ignored. */
	n = response(b, 43, EAP_TYPE_IDENTITY, "bob");
	assert_int_equal(pae_rx_eap_group(&pae, 20, b, n, 43, &out), -EALREADY);
	EXPECT_NONE();
	assert_int_equal(pae.state, PAE_AUTHENTICATED);

	/* CONNECTING after our own unicast request: either Identifier answers. */
	setup(NULL);
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, (uint8_t)(eap_of(0).id + 7), EAP_TYPE_IDENTITY, "carol");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), -EALREADY);      /* not ours */
	assert_int_equal(pae_rx_eap_group(&pae, 0, b, n, (uint8_t)(pae.current_id + 7), &out), 0);
	EXPECT(PAE_ACT_AAA_EAP);
	assert_int_equal(pae.state, PAE_AUTHENTICATING);

	/* Only an Identity Response carries the group request's Identifier. */
	setup(NULL);
	n = response(b, 42, EAP_TYPE_MD5, "x");
	assert_int_equal(pae_rx_eap_group(&pae, 0, b, n, 42, &out), 0);
	EXPECT(PAE_ACT_TX_EAP);                     /* as any stray Response: ask */
	assert_int_equal(pae.state, PAE_CONNECTING);

	/* HELD keeps its quiet period. */
	setup(NULL);
	assert_int_equal(pae_rx_start(&pae, 0, &out), 0);
	n = response(b, eap_of(0).id, EAP_TYPE_IDENTITY, "dave");
	assert_int_equal(pae_rx_eap(&pae, 0, b, n, &out), 0);
	assert_int_equal(pae_aaa_reject(&pae, 0, NULL, 0, &out), 0);
	assert_int_equal(pae.state, PAE_HELD);
	n = response(b, 50, EAP_TYPE_IDENTITY, "dave");
	assert_int_equal(pae_rx_eap_group(&pae, 10, b, n, 50, &out), -EALREADY);
	assert_int_equal(pae.state, PAE_HELD);
}

static void test_config(void **state)
{
	char err[128];
	(void)state;

	pae_config_default(&conf);
	assert_int_equal(pae_config_check(&conf, err, sizeof(err)), 0);
	conf.tx_period_ms = 0;
	assert_int_equal(pae_config_check(&conf, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tx_period"));
	pae_config_default(&conf);
	conf.reauth_period_ms = 1000;
	assert_int_equal(pae_config_check(&conf, err, sizeof(err)), -EINVAL);
	pae_config_default(&conf);
	conf.max_start = 0;
	assert_int_equal(pae_config_check(&conf, err, sizeof(err)), -EINVAL);
	pae_config_default(&conf);
	conf.mab_delay_ms = PAE_TIMER_MAX_MS + 1;
	assert_int_equal(pae_config_check(&conf, err, sizeof(err)), -EINVAL);

	assert_string_equal(pae_state_name(PAE_HELD), "HELD");
	assert_string_equal(pae_state_name(PAE_STATE__MAX), "invalid");
	assert_string_equal(pae_method_name(PAE_METHOD_MAB), "mab");
	assert_string_equal(pae_reason_name(PAE_REASON_LOGOFF), "logoff");
	assert_string_equal(pae_reason_name(-1), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_eap_success, setup),
		cmocka_unit_test_setup(test_eap_failure_and_held, setup),
		cmocka_unit_test_setup(test_reject_without_eap_and_accept_with_failure, setup),
		cmocka_unit_test_setup(test_identity_retransmission_limit, setup),
		cmocka_unit_test_setup(test_relay_retransmission_and_supplicant_timeout, setup),
		cmocka_unit_test_setup(test_challenge_session_timeout, setup),
		cmocka_unit_test_setup(test_reauthentication, setup),
		cmocka_unit_test_setup(test_session_timeout_and_termination_action, setup),
		cmocka_unit_test_setup(test_logoff, setup),
		cmocka_unit_test_setup(test_admin_disconnect, setup),
		cmocka_unit_test_setup(test_mab, setup),
		cmocka_unit_test_setup(test_mab_rejected_and_eapol_takes_over, setup),
		cmocka_unit_test_setup(test_server_unreachable, setup),
		cmocka_unit_test_setup(test_eap_in_disconnected_and_identity_edge_cases, setup),
		cmocka_unit_test_setup(test_answer_to_group_request, setup),
		cmocka_unit_test_setup(test_config, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
