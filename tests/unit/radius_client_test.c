/* radius_client_test.c — the RADIUS transport against fake servers on
 * loopback UDP sockets in the same event loop: replies, forged and broken
 * replies dropped and counted, retransmission, failover, dead servers and
 * their revival, all 256 identifiers in use, cancellation, accounting.
 *
 * Time passes for real but in milliseconds: timeouts are tens of ms and
 * the loop runs until the story is told or a guard timer ends it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "auth8021x.h"
#include "eapol.h"
#include "radius.h"
#include "radius_client.h"
#include "radius_coa.h"
#include "solicit.h"

static const char SECRET[] = "loopback-secret";
#define SECRET_LEN (sizeof(SECRET) - 1)

/* ---- fake server --------------------------------------------------------- */

enum fake_mode {
	FAKE_ANSWER,       /* answer every request at once */
	FAKE_SILENT,       /* never answer */
	FAKE_HOLD,         /* keep requests until hold_until have arrived, then answer them */
};

/* Broken replies sent, in this order, before the good one. */
enum fake_forgery {
	FORGE_WRONG_SECRET = 1 << 0,
	FORGE_NO_MA        = 1 << 1,
	FORGE_BAD_MA       = 1 << 2,
	FORGE_UNKNOWN_ID   = 1 << 3,
	FORGE_WRONG_CODE   = 1 << 4,
	FORGE_OTHER_PORT   = 1 << 5,
	FORGE_MALFORMED    = 1 << 6,
};

#define FAKE_HOLD_MAX 300

struct held {
	uint8_t pkt[RADIUS_MAX_LEN];
	size_t len;
	struct sockaddr_in from;
};

struct fake {
	int fd, other_fd;
	struct sockaddr_in addr;
	struct event *ev;
	enum fake_mode mode;
	unsigned forge;
	unsigned received;           /* valid requests seen */
	unsigned invalid;            /* requests that did not verify */
	unsigned ma_not_first;
	uint8_t last_code;
	char last_password[RADIUS_PASSWORD_MAX + 1];
	unsigned hold_until;
	unsigned nheld;
	struct held held[FAKE_HOLD_MAX];
	unsigned distinct_ids_max;   /* most identifiers held at once */
	/* EAP-MD5 / MAB / accounting server (the auth8021x tests) */
	bool     eap_server;
	const char *eap_password;    /* the password of every EAP identity */
	const char *mab_ok;          /* the one MAC user name MAB accepts */
	unsigned nchallenges;        /* one per exchange, found again by its State */
	uint8_t  challenge[16][16];
	char     last_user[64];
	char     last_calling[32];
	uint32_t last_service_type, last_nas_port_type;
	bool     last_had_state;
	unsigned nacct;
	uint32_t acct_status[32], acct_cause[32];
	bool     acct_class[32];
	char     acct_session[32][32];
};

static struct event_base *base;
static struct fake fakes[3];
static struct radius_msg msg;

static void md5_reply_auth(uint8_t *pkt, size_t len, const uint8_t req_auth[16], const char *secret)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	uint8_t out[16];
	assert_non_null(ctx);
	EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
	EVP_DigestUpdate(ctx, pkt, 4);
	EVP_DigestUpdate(ctx, req_auth, 16);
	EVP_DigestUpdate(ctx, pkt + 20, len - 20);
	EVP_DigestUpdate(ctx, secret, strlen(secret));
	EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
	memcpy(pkt + 4, out, 16);
}

static void send_to(int fd, const uint8_t *p, size_t len, const struct sockaddr_in *to)
{
	assert_int_equal(sendto(fd, p, len, 0, (const struct sockaddr *)to, sizeof(*to)), (ssize_t)len);
}

static uint8_t reply_code_for(uint8_t code)
{
	return code == RADIUS_ACCOUNTING_REQUEST ? RADIUS_ACCOUNTING_RESPONSE : RADIUS_ACCESS_ACCEPT;
}

static void answer(struct fake *f, const uint8_t *req, size_t qlen, const struct sockaddr_in *from)
{
	struct radius_attrs attrs;
	uint8_t rep[RADIUS_MAX_LEN];
	size_t len = 0;
	uint8_t code = reply_code_for(req[0]), id = req[1];
	const uint8_t *ra = req + 4;
	(void)qlen;

	radius_attrs_init(&attrs);
	if (code == RADIUS_ACCESS_ACCEPT)
		assert_int_equal(radius_attrs_put_text(&attrs, RADIUS_ATTR_FILTER_ID, "staff"), 0);

	if (f->forge & FORGE_WRONG_SECRET) {
		assert_int_equal(radius_encode(rep, sizeof(rep), code, id, ra, &attrs, NULL, 0,
					       (const uint8_t *)"guessed", 7, &len), 0);
		send_to(f->fd, rep, len, from);
	}
	if (f->forge & FORGE_NO_MA) {
		/* A well-signed reply, but without Message-Authenticator. */
		memset(rep, 0, 20);
		rep[0] = RADIUS_ACCESS_REJECT == code ? code : code;
		rep[1] = id;
		memcpy(rep + 20, attrs.buf, attrs.len);
		len = 20 + attrs.len;
		rep[3] = (uint8_t)len;
		md5_reply_auth(rep, len, ra, SECRET);
		send_to(f->fd, rep, len, from);
	}
	if (f->forge & FORGE_BAD_MA) {
		/* Right Response Authenticator over a wrong Message-Authenticator. */
		assert_int_equal(radius_encode(rep, sizeof(rep), code, id, ra, &attrs, NULL, 0,
					       (const uint8_t *)SECRET, SECRET_LEN, &len), 0);
		rep[22] ^= 0xff;
		md5_reply_auth(rep, len, ra, SECRET);
		send_to(f->fd, rep, len, from);
	}
	if (f->forge & FORGE_UNKNOWN_ID) {
		assert_int_equal(radius_encode(rep, sizeof(rep), code, (uint8_t)(id + 128), ra, &attrs,
					       NULL, 0, (const uint8_t *)SECRET, SECRET_LEN, &len), 0);
		send_to(f->fd, rep, len, from);
	}
	if (f->forge & FORGE_WRONG_CODE) {
		assert_int_equal(radius_encode(rep, sizeof(rep), RADIUS_COA_ACK, id, ra, NULL, NULL, 0,
					       (const uint8_t *)SECRET, SECRET_LEN, &len), 0);
		send_to(f->fd, rep, len, from);
	}
	if (f->forge & FORGE_OTHER_PORT) {
		assert_int_equal(radius_encode(rep, sizeof(rep), code, id, ra, &attrs, NULL, 0,
					       (const uint8_t *)SECRET, SECRET_LEN, &len), 0);
		send_to(f->other_fd, rep, len, from);
	}
	if (f->forge & FORGE_MALFORMED) {
		assert_int_equal(radius_encode(rep, sizeof(rep), code, id, ra, &attrs, NULL, 0,
					       (const uint8_t *)SECRET, SECRET_LEN, &len), 0);
		rep[3] = (uint8_t)(len + 10);     /* Length past the datagram */
		send_to(f->fd, rep, len, from);
	}
	assert_int_equal(radius_encode(rep, sizeof(rep), code, id, ra, &attrs, NULL, 0,
				       (const uint8_t *)SECRET, SECRET_LEN, &len), 0);
	send_to(f->fd, rep, len, from);
}

static void md5_3(uint8_t out[16], const void *a, size_t al, const void *b, size_t bl, const void *c, size_t cl)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
	EVP_DigestUpdate(ctx, a, al);
	EVP_DigestUpdate(ctx, b, bl);
	EVP_DigestUpdate(ctx, c, cl);
	EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

static void server_reply(struct fake *f, uint8_t code, const uint8_t *req, const struct radius_attrs *a,
			 const struct sockaddr_in *to)
{
	uint8_t rep[RADIUS_MAX_LEN];
	size_t len = 0;
	assert_int_equal(radius_encode(rep, sizeof(rep), code, req[1], req + 4, a, NULL, 0,
				       (const uint8_t *)SECRET, SECRET_LEN, &len), 0);
	send_to(f->fd, rep, len, to);
}

/* A small EAP-MD5 (RFC 3748 5.4) and MAB server, and an accounting server. */
static void eap_server_answer(struct fake *f, const struct radius_msg *m, const uint8_t *req,
			      const struct sockaddr_in *from)
{
	static struct radius_attrs a;
	uint8_t eap[RADIUS_MAX_LEN], out[64];
	size_t elen = 0, n = 0;
	uint32_t v = 0;

	radius_attrs_init(&a);
	if (m->code == RADIUS_ACCOUNTING_REQUEST) {
		assert_true(f->nacct < 32);
		radius_get_u32(m, RADIUS_ATTR_ACCT_STATUS_TYPE, &f->acct_status[f->nacct]);
		radius_get_u32(m, RADIUS_ATTR_ACCT_TERMINATE_CAUSE, &f->acct_cause[f->nacct]);
		f->acct_class[f->nacct] = radius_find(m, RADIUS_ATTR_CLASS) != NULL;
		radius_get_text(m, RADIUS_ATTR_ACCT_SESSION_ID, f->acct_session[f->nacct], 32);
		f->nacct++;
		server_reply(f, RADIUS_ACCOUNTING_RESPONSE, req, &a, from);
		return;
	}
	radius_get_text(m, RADIUS_ATTR_USER_NAME, f->last_user, sizeof(f->last_user));
	radius_get_text(m, RADIUS_ATTR_CALLING_STATION_ID, f->last_calling, sizeof(f->last_calling));
	radius_get_u32(m, RADIUS_ATTR_SERVICE_TYPE, &f->last_service_type);
	radius_get_u32(m, RADIUS_ATTR_NAS_PORT_TYPE, &f->last_nas_port_type);
	f->last_had_state = radius_find(m, RADIUS_ATTR_STATE) != NULL;

	if (f->last_service_type == RADIUS_SERVICE_CALL_CHECK) {
		bool ok = f->mab_ok && strcmp(f->last_user, f->mab_ok) == 0 &&
			  strcmp(f->last_password, f->mab_ok) == 0;
		if (ok)
			radius_attrs_put_text(&a, RADIUS_ATTR_FILTER_ID, "printers");
		server_reply(f, ok ? RADIUS_ACCESS_ACCEPT : RADIUS_ACCESS_REJECT, req, &a, from);
		return;
	}
	assert_int_equal(radius_get_eap(m, eap, sizeof(eap), &elen), 0);
	assert_int_equal(eap[0], EAP_CODE_RESPONSE);
	if (eap[4] == EAP_TYPE_IDENTITY) {
		uint8_t md5req[5 + 17];
		char st[16];
		uint8_t *challenge = f->challenge[f->nchallenges % 16];
		snprintf(st, sizeof(st), "state-%u", f->nchallenges % 16);
		f->nchallenges++;
		for (int i = 0; i < 16; i++)
			challenge[i] = (uint8_t)(rand() & 0xff);
		md5req[0] = EAP_CODE_REQUEST; md5req[1] = (uint8_t)(eap[1] + 1);
		md5req[2] = 0; md5req[3] = sizeof(md5req); md5req[4] = EAP_TYPE_MD5; md5req[5] = 16;
		memcpy(md5req + 6, challenge, 16);
		radius_attrs_put_eap(&a, md5req, sizeof(md5req));
		radius_attrs_put_text(&a, RADIUS_ATTR_STATE, st);
		server_reply(f, RADIUS_ACCESS_CHALLENGE, req, &a, from);
		return;
	}
	/* MD5-Challenge response: value = MD5(id, password, challenge). */
	uint8_t expect[16];
	char st[16] = "";
	unsigned k = 0;
	radius_get_text(m, RADIUS_ATTR_STATE, st, sizeof(st));
	bool ok = eap[4] == EAP_TYPE_MD5 && elen >= 6 + 16 && eap[5] == 16 &&
		  sscanf(st, "state-%u", &k) == 1 && k < 16;
	md5_3(expect, eap + 1, 1, f->eap_password, strlen(f->eap_password), f->challenge[k % 16], 16);
	ok = ok && memcmp(expect, eap + 6, 16) == 0;
	assert_int_equal(eap_encode(out, sizeof(out), ok ? EAP_CODE_SUCCESS : EAP_CODE_FAILURE, eap[1], 0,
				    NULL, 0, &n), 0);
	radius_attrs_put_eap(&a, out, n);
	if (ok) {
		radius_attrs_put_text(&a, RADIUS_ATTR_FILTER_ID, "staff");
		radius_attrs_put_u32(&a, RADIUS_ATTR_SESSION_TIMEOUT, 3600);
		radius_attrs_put_u32(&a, RADIUS_ATTR_TERMINATION_ACTION, RADIUS_TERMINATION_RADIUS_REQUEST);
		radius_attrs_put(&a, RADIUS_ATTR_CLASS, "class-xyz", 9);
	} else {
		radius_attrs_put_text(&a, RADIUS_ATTR_REPLY_MESSAGE, "wrong password");
	}
	(void)v;
	server_reply(f, ok ? RADIUS_ACCESS_ACCEPT : RADIUS_ACCESS_REJECT, req, &a, from);
}

static void fake_read(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;
	uint8_t buf[RADIUS_MAX_LEN];
	(void)what;

	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		int why = 0;
		if (n < 0)
			return;
		if (radius_decode(buf, (size_t)n, &msg) != 0 ||
		    radius_verify_request(&msg, (const uint8_t *)SECRET, SECRET_LEN, true, &why) != 0) {
			f->invalid++;
			continue;
		}
		if (msg.ma_index != 0)
			f->ma_not_first++;
		f->received++;
		f->last_code = msg.code;
		const struct radius_attr *pw = radius_find(&msg, RADIUS_ATTR_USER_PASSWORD);
		if (pw) {
			uint8_t clear[RADIUS_PASSWORD_MAX];
			size_t cl = 0;
			assert_int_equal(radius_password_reveal(pw->value, pw->len, msg.authenticator,
								(const uint8_t *)SECRET, SECRET_LEN,
								clear, sizeof(clear), &cl), 0);
			memcpy(f->last_password, clear, cl);
			f->last_password[cl] = '\0';
		}
		if (f->eap_server && f->mode == FAKE_ANSWER) {
			eap_server_answer(f, &msg, buf, &from);
			continue;
		}
		switch (f->mode) {
		case FAKE_ANSWER:
			answer(f, buf, (size_t)n, &from);
			break;
		case FAKE_SILENT:
			break;
		case FAKE_HOLD:
			assert_true(f->nheld < FAKE_HOLD_MAX);
			memcpy(f->held[f->nheld].pkt, buf, (size_t)n);
			f->held[f->nheld].len = (size_t)n;
			f->held[f->nheld].from = from;
			f->nheld++;
			if (f->nheld > f->distinct_ids_max)
				f->distinct_ids_max = f->nheld;
			if (f->nheld >= f->hold_until) {
				f->mode = FAKE_ANSWER;
				for (unsigned i = 0; i < f->nheld; i++)
					answer(f, f->held[i].pkt, f->held[i].len, &f->held[i].from);
				f->nheld = 0;
			}
			break;
		}
	}
}

static int open_udp(struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int big = 4 * 1024 * 1024;
	socklen_t al = sizeof(*addr);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &al), 0);
	return fd;
}

static void fake_start(struct fake *f, enum fake_mode mode)
{
	struct sockaddr_in other;
	memset(f, 0, sizeof(*f));
	f->fd = open_udp(&f->addr);
	f->other_fd = open_udp(&other);
	f->mode = mode;
	f->ev = event_new(base, f->fd, EV_READ | EV_PERSIST, fake_read, f);
	assert_non_null(f->ev);
	assert_int_equal(event_add(f->ev, NULL), 0);
}

static void fake_stop(struct fake *f)
{
	if (f->ev)
		event_free(f->ev);
	close(f->fd);
	close(f->other_fd);
	f->ev = NULL;
}

static void add_server(struct radius_client_conf *conf, enum radius_service svc, const struct fake *f)
{
	struct radius_server_conf *s = &conf->servers[svc][conf->nservers[svc]++];
	memset(s, 0, sizeof(*s));
	memcpy(&s->addr, &f->addr, sizeof(f->addr));
	s->addrlen = sizeof(f->addr);
	memcpy(s->secret, SECRET, SECRET_LEN);
	s->secret_len = SECRET_LEN;
}

/* ---- results and the loop ------------------------------------------------ */

#define MAX_RESULTS 400
static struct {
	unsigned n;
	int status[MAX_RESULTS];
	uint8_t code[MAX_RESULTS];
	char filter[MAX_RESULTS][16];
} res;
static unsigned ups;
static int up_index = -1;

static void on_reply(void *arg, int status, const struct radius_msg *reply)
{
	(void)arg;
	assert_true(res.n < MAX_RESULTS);
	res.status[res.n] = status;
	res.code[res.n] = reply ? reply->code : 0;
	res.filter[res.n][0] = '\0';
	if (reply)
		radius_get_text(reply, RADIUS_ATTR_FILTER_ID, res.filter[res.n], sizeof(res.filter[0]));
	res.n++;
}

static void on_up(void *arg, enum radius_service svc, unsigned index)
{
	(void)arg;
	assert_int_equal(svc, RADIUS_SVC_AUTH);
	ups++;
	up_index = (int)index;
}

static bool guard_fired;
static void on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	guard_fired = true;
}

/* Run the loop until `want` results arrived or `ms` passed. */
static void run_until(unsigned want, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *guard = evtimer_new(base, on_guard, NULL);
	guard_fired = false;
	evtimer_add(guard, &tv);
	while (res.n < want && !guard_fired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(guard);
}

/* Let time pass with the loop running (for dead_time). */
static void run_for(unsigned ms)
{
	run_until(UINT32_MAX, ms);
}

static int setup(void **state)
{
	(void)state;
	base = event_base_new();
	memset(&res, 0, sizeof(res));
	ups = 0;
	up_index = -1;
	return base ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		if (fakes[i].ev)
			fake_stop(&fakes[i]);
	event_base_free(base);
	return 0;
}

static struct radius_client *client(struct radius_client_conf *conf)
{
	struct radius_client *c = NULL;
	assert_int_equal(radius_client_new(base, conf, &c), 0);
	assert_non_null(c);
	radius_client_on_server_up(c, on_up, NULL);
	return c;
}

static void send_access(struct radius_client *c, const char *user)
{
	struct radius_attrs a;
	radius_attrs_init(&a);
	assert_int_equal(radius_attrs_put_text(&a, RADIUS_ATTR_USER_NAME, user), 0);
	assert_int_equal(radius_client_send(c, RADIUS_SVC_AUTH, RADIUS_ACCESS_REQUEST, &a,
					    (const uint8_t *)"pw-of-" "alice", 11, on_reply, NULL, NULL), 0);
}

/* ---- tests --------------------------------------------------------------- */

static void test_access_accept(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	(void)state;

	fake_start(&fakes[0], FAKE_ANSWER);
	radius_client_conf_default(&conf);
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	struct radius_client *c = client(&conf);

	send_access(c, "alice");
	assert_int_equal(res.n, 0);     /* never from within send */
	run_until(1, 2000);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.status[0], 0);
	assert_int_equal(res.code[0], RADIUS_ACCESS_ACCEPT);
	assert_string_equal(res.filter[0], "staff");
	assert_int_equal(fakes[0].received, 1);
	assert_int_equal(fakes[0].invalid, 0);
	assert_int_equal(fakes[0].ma_not_first, 0);
	assert_string_equal(fakes[0].last_password, "pw-of-alice");
	radius_client_get_stats(c, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.replies, 1);
	assert_int_equal(st.transmissions, 1);
	radius_client_free(c);
}

static void test_forged_and_broken_replies_dropped(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	(void)state;

	fake_start(&fakes[0], FAKE_ANSWER);
	fakes[0].forge = FORGE_WRONG_SECRET | FORGE_NO_MA | FORGE_BAD_MA | FORGE_UNKNOWN_ID |
			 FORGE_WRONG_CODE | FORGE_OTHER_PORT | FORGE_MALFORMED;
	radius_client_conf_default(&conf);
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	struct radius_client *c = client(&conf);

	send_access(c, "bob");
	run_until(1, 2000);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.status[0], 0);
	assert_string_equal(res.filter[0], "staff");
	/* Let any straggler be read: nothing more is delivered. */
	run_for(50);
	assert_int_equal(res.n, 1);
	radius_client_get_stats(c, &st);
	assert_int_equal(st.replies, 1);
	assert_int_equal(st.bad_authenticator, 1);
	assert_int_equal(st.missing_message_authenticator, 1);
	assert_int_equal(st.bad_message_authenticator, 1);
	assert_int_equal(st.unknown_id, 1);
	assert_int_equal(st.bad_code, 1);
	assert_int_equal(st.bad_source, 1);
	assert_int_equal(st.malformed, 1);
	radius_client_free(c);
}

static void test_retransmit_and_failover(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	struct radius_server_state ss;
	(void)state;

	fake_start(&fakes[0], FAKE_SILENT);
	fake_start(&fakes[1], FAKE_ANSWER);
	radius_client_conf_default(&conf);
	conf.timeout_ms = 30;
	conf.retries = 3;
	conf.dead_time_ms = 60000;
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[1]);
	struct radius_client *c = client(&conf);

	send_access(c, "carol");
	run_until(1, 2000);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.status[0], 0);
	assert_int_equal(fakes[0].received, 3);     /* three transmissions, then failover */
	assert_int_equal(fakes[1].received, 1);
	radius_client_get_stats(c, &st);
	assert_int_equal(st.retransmissions, 2);
	assert_int_equal(st.failovers, 1);
	assert_int_equal(st.transmissions, 4);
	assert_int_equal(radius_client_server_state(c, RADIUS_SVC_AUTH, 0, &ss), 0);
	assert_true(ss.dead);
	assert_int_equal(ss.timeouts, 1);
	assert_int_equal(radius_client_server_state(c, RADIUS_SVC_AUTH, 1, &ss), 0);
	assert_false(ss.dead);
	assert_int_equal(radius_client_server_state(c, RADIUS_SVC_AUTH, 2, &ss), -ENOENT);
	assert_true(radius_client_any_alive(c, RADIUS_SVC_AUTH));

	/* The dead server is skipped. */
	send_access(c, "carol");
	run_until(2, 2000);
	assert_int_equal(res.status[1], 0);
	assert_int_equal(fakes[0].received, 3);
	assert_int_equal(fakes[1].received, 2);
	assert_int_equal(ups, 0);
	radius_client_free(c);
}

static void test_dead_server_revival(void **state)
{
	struct radius_client_conf conf;
	(void)state;

	fake_start(&fakes[0], FAKE_SILENT);
	fake_start(&fakes[1], FAKE_ANSWER);
	radius_client_conf_default(&conf);
	conf.timeout_ms = 20;
	conf.retries = 2;
	conf.dead_time_ms = 150;
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[1]);
	struct radius_client *c = client(&conf);

	send_access(c, "dave");
	run_until(1, 2000);
	assert_int_equal(res.status[0], 0);
	assert_int_equal(fakes[1].received, 1);

	/* The primary comes back; after dead_time it is tried first again. */
	fakes[0].mode = FAKE_ANSWER;
	run_for(200);
	send_access(c, "dave");
	run_until(2, 2000);
	assert_int_equal(res.status[1], 0);
	assert_int_equal(fakes[0].received, 3);
	assert_int_equal(fakes[1].received, 1);
	assert_int_equal(ups, 1);                 /* announced: reauthenticate what was kept */
	assert_int_equal(up_index, 0);
	radius_client_free(c);
}

static void test_all_servers_dead(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	(void)state;

	fake_start(&fakes[0], FAKE_SILENT);
	fake_start(&fakes[1], FAKE_SILENT);
	radius_client_conf_default(&conf);
	conf.timeout_ms = 20;
	conf.retries = 2;
	conf.dead_time_ms = 60000;
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[1]);
	struct radius_client *c = client(&conf);

	send_access(c, "erin");
	run_until(1, 2000);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.status[0], -ETIMEDOUT);
	assert_int_equal(fakes[0].received, 2);
	assert_int_equal(fakes[1].received, 2);
	assert_false(radius_client_any_alive(c, RADIUS_SVC_AUTH));

	/* Every server dead: the next request fails at once, nothing sent. */
	send_access(c, "erin");
	assert_int_equal(res.n, 1);
	run_until(2, 2000);
	assert_int_equal(res.status[1], -EHOSTUNREACH);
	assert_int_equal(fakes[0].received, 2);
	assert_int_equal(fakes[1].received, 2);
	radius_client_get_stats(c, &st);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.unreachable, 1);
	radius_client_free(c);
}

static void test_all_ids_in_use(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	struct radius_server_state ss;
	(void)state;

	fake_start(&fakes[0], FAKE_HOLD);
	fakes[0].hold_until = RADIUS_CLIENT_IDS;
	radius_client_conf_default(&conf);
	conf.timeout_ms = 1000;
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	struct radius_client *c = client(&conf);

	for (int i = 0; i < 300; i++)
		send_access(c, "many");
	assert_int_equal(radius_client_server_state(c, RADIUS_SVC_AUTH, 0, &ss), 0);
	assert_int_equal(ss.outstanding, RADIUS_CLIENT_IDS);
	radius_client_get_stats(c, &st);
	assert_int_equal(st.queued, 300 - RADIUS_CLIENT_IDS);

	run_until(300, 10000);
	assert_int_equal(res.n, 300);
	for (unsigned i = 0; i < res.n; i++)
		assert_int_equal(res.status[i], 0);
	assert_int_equal(fakes[0].distinct_ids_max, RADIUS_CLIENT_IDS);
	assert_int_equal(fakes[0].invalid, 0);
	radius_client_get_stats(c, &st);
	assert_int_equal(st.replies, 300);
	radius_client_free(c);
}

static void test_queue_full(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	struct radius_attrs a;
	(void)state;

	fake_start(&fakes[0], FAKE_SILENT);
	radius_client_conf_default(&conf);
	conf.max_queue = 10;
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	struct radius_client *c = client(&conf);

	radius_attrs_init(&a);
	for (int i = 0; i < RADIUS_CLIENT_IDS + 10; i++)
		assert_int_equal(radius_client_send(c, RADIUS_SVC_AUTH, RADIUS_ACCESS_REQUEST, &a, NULL,
						    0, on_reply, NULL, NULL), 0);
	assert_int_equal(radius_client_send(c, RADIUS_SVC_AUTH, RADIUS_ACCESS_REQUEST, &a, NULL, 0,
					    on_reply, NULL, NULL), -ENOBUFS);
	radius_client_get_stats(c, &st);
	assert_int_equal(st.queue_full, 1);
	assert_int_equal(st.requests, RADIUS_CLIENT_IDS + 10);
	/* Freed with everything outstanding: no callback, no leak (ASan). */
	radius_client_free(c);
	assert_int_equal(res.n, 0);
}

static void test_cancel(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	struct radius_request *r = NULL;
	struct radius_attrs a;
	(void)state;

	fake_start(&fakes[0], FAKE_HOLD);
	fakes[0].hold_until = 2;
	radius_client_conf_default(&conf);
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	struct radius_client *c = client(&conf);

	radius_attrs_init(&a);
	assert_int_equal(radius_client_send(c, RADIUS_SVC_AUTH, RADIUS_ACCESS_REQUEST, &a, NULL, 0,
					    on_reply, NULL, &r), 0);
	assert_non_null(r);
	radius_client_cancel(r);
	send_access(c, "kept");
	run_until(1, 2000);
	run_for(30);
	assert_int_equal(res.n, 1);             /* only the one not cancelled */
	radius_client_get_stats(c, &st);
	assert_int_equal(st.unknown_id, 1);     /* the late answer to the cancelled one */
	radius_client_free(c);
}

static void test_accounting(void **state)
{
	struct radius_client_conf conf;
	struct radius_attrs a;
	(void)state;

	fake_start(&fakes[0], FAKE_ANSWER);
	radius_client_conf_default(&conf);
	add_server(&conf, RADIUS_SVC_ACCT, &fakes[0]);
	struct radius_client *c = client(&conf);

	radius_attrs_init(&a);
	assert_int_equal(radius_attrs_put_u32(&a, RADIUS_ATTR_ACCT_STATUS_TYPE, RADIUS_ACCT_ON), 0);
	assert_int_equal(radius_client_send(c, RADIUS_SVC_ACCT, RADIUS_ACCOUNTING_REQUEST, &a, NULL, 0,
					    on_reply, NULL, NULL), 0);
	run_until(1, 2000);
	assert_int_equal(res.status[0], 0);
	assert_int_equal(res.code[0], RADIUS_ACCOUNTING_RESPONSE);
	assert_int_equal(fakes[0].last_code, RADIUS_ACCOUNTING_REQUEST);
	assert_int_equal(fakes[0].invalid, 0);

	/* Wrong combinations are refused synchronously. */
	assert_int_equal(radius_client_send(c, RADIUS_SVC_AUTH, RADIUS_ACCESS_REQUEST, &a, NULL, 0,
					    on_reply, NULL, NULL), -EINVAL);   /* no auth server */
	assert_int_equal(radius_client_send(c, RADIUS_SVC_ACCT, RADIUS_ACCESS_REQUEST, &a, NULL, 0,
					    on_reply, NULL, NULL), -EINVAL);
	assert_int_equal(radius_client_send(c, RADIUS_SVC_ACCT, RADIUS_ACCOUNTING_REQUEST, &a,
					    (const uint8_t *)"x", 1, on_reply, NULL, NULL), -EINVAL);
	assert_int_equal(radius_client_send(c, RADIUS_SVC_ACCT, RADIUS_COA_REQUEST, &a, NULL, 0,
					    on_reply, NULL, NULL), -EINVAL);
	radius_client_free(c);
}

static void test_conf_check(void **state)
{
	struct radius_client_conf conf;
	char err[128];
	(void)state;

	radius_client_conf_default(&conf);
	assert_int_equal(radius_client_conf_check(&conf, err, sizeof(err)), 0);
	conf.timeout_ms = 0;
	assert_int_equal(radius_client_conf_check(&conf, err, sizeof(err)), -EINVAL);
	radius_client_conf_default(&conf);
	conf.retries = RADIUS_CLIENT_MAX_RETRIES + 1;
	assert_int_equal(radius_client_conf_check(&conf, err, sizeof(err)), -EINVAL);
	radius_client_conf_default(&conf);
	conf.nservers[RADIUS_SVC_AUTH] = 1;       /* no address, no secret */
	assert_int_equal(radius_client_conf_check(&conf, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "server 1"));
	struct radius_client *c = NULL;
	assert_int_equal(radius_client_new(base, &conf, &c), -EINVAL);
	assert_null(c);
}

/* ---- auth8021x over the client: supplicants, the fake server, CoA -------- */

static const uint8_t PORT_MAC[6] = { 0x02, 0x4d, 0x4a, 0x00, 0x00, 0x01 };
static const uint8_t PAE_GROUP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x03 };

#define SUPP_QUEUE 64
struct supp {
	uint8_t mac[6];
	const char *identity, *password;
	bool silent;                  /* no supplicant: never answers (a printer) */
	bool logged_off;              /* sent EAPOL-Logoff: answers nothing (wpa_supplicant LOGOFF) */
	unsigned nq;
	struct { uint8_t b[EAPOL_FRAME_MAX]; size_t len; } q[SUPP_QUEUE];
	unsigned reqids;              /* Request/Identity seen */
	int result;                   /* last EAP Success/Failure code seen */
	unsigned bad_frames;          /* frames not unicast to us from the port MAC */
};

static struct supp supps[2];
static unsigned stray_frames;
static unsigned group_frames;   /* to the PAE group address: every supplicant hears them */
#define MAX_VERDICTS 32
static struct auth8021x_verdict verdicts[MAX_VERDICTS];
static unsigned nverdicts;

static int glue_send_frame(void *arg, uint16_t port, const uint8_t *frame, size_t len)
{
	bool group = memcmp(frame, PAE_GROUP, 6) == 0;

	(void)arg;
	assert_int_equal(port, 1);
	group_frames += group;
	for (unsigned i = 0; i < 2; i++) {
		struct supp *sp = &supps[i];
		/* One segment: a group-addressed frame reaches every supplicant
		 * the test switched on (glue_setup gave it an identity). */
		if ((group && sp->identity) || memcmp(frame, sp->mac, 6) == 0) {
			assert_true(sp->nq < SUPP_QUEUE);
			memcpy(sp->q[sp->nq].b, frame, len);
			sp->q[sp->nq++].len = len;
			if (!group)
				return 0;
		}
	}
	if (!group)
		stray_frames++;
	return 0;
}

static void glue_verdict(void *arg, const struct auth8021x_verdict *v)
{
	(void)arg;
	assert_true(nverdicts < MAX_VERDICTS);
	verdicts[nverdicts++] = *v;
}

static const struct auth8021x_verdict *last_verdict(void)
{
	assert_true(nverdicts > 0);
	return &verdicts[nverdicts - 1];
}

static void supp_send(struct auth8021x *a, struct supp *sp, uint8_t type, const uint8_t *body, size_t blen)
{
	uint8_t f[EAPOL_FRAME_MAX];
	size_t n = 0;
	assert_int_equal(eapol_encode(f, sizeof(f), PAE_GROUP, sp->mac, 0, type, body, blen, &n), 0);
	if (type == EAPOL_LOGOFF || type == EAPOL_START)
		sp->logged_off = type == EAPOL_LOGOFF;
	assert_int_equal(auth8021x_on_eapol(a, f, n, 1), 0);
}

/* What a supplicant does with the frames it got. */
static void supp_process(struct auth8021x *a)
{
	for (unsigned i = 0; i < 2; i++) {
		struct supp *sp = &supps[i];
		for (unsigned k = 0; k < sp->nq; k++) {
			struct eapol_frame f;
			struct eap_packet e;
			uint8_t resp[64], value[16];
			size_t n = 0;

			assert_int_equal(eapol_decode(sp->q[k].b, sp->q[k].len, &f, NULL), 0);
			if (memcmp(f.src, PORT_MAC, 6) != 0 ||
			    (memcmp(f.dst, sp->mac, 6) != 0 && memcmp(f.dst, PAE_GROUP, 6) != 0) ||
			    f.type != EAPOL_EAP_PACKET || eap_decode(f.body, f.body_len, &e, NULL) != 0) {
				sp->bad_frames++;
				continue;
			}
			if (e.code == EAP_CODE_SUCCESS || e.code == EAP_CODE_FAILURE) {
				sp->result = e.code;
				continue;
			}
			if (e.type == EAP_TYPE_IDENTITY)
				sp->reqids++;
			if (sp->silent || sp->logged_off)
				continue;
			if (e.type == EAP_TYPE_IDENTITY) {
				assert_int_equal(eap_encode(resp, sizeof(resp), EAP_CODE_RESPONSE, e.id,
							    EAP_TYPE_IDENTITY, (const uint8_t *)sp->identity,
							    strlen(sp->identity), &n), 0);
			} else if (e.type == EAP_TYPE_MD5 && e.data_len >= 17 && e.data[0] == 16) {
				uint8_t md[17];
				md5_3(value, &e.id, 1, sp->password, strlen(sp->password), e.data + 1, 16);
				md[0] = 16;
				memcpy(md + 1, value, 16);
				assert_int_equal(eap_encode(resp, sizeof(resp), EAP_CODE_RESPONSE, e.id,
							    EAP_TYPE_MD5, md, 17, &n), 0);
			} else {
				uint8_t nak_md5 = EAP_TYPE_MD5;    /* RFC 3748 5.3.1: we only do MD5 */
				assert_int_equal(eap_encode(resp, sizeof(resp), EAP_CODE_RESPONSE, e.id,
							    EAP_TYPE_NAK, &nak_md5, 1, &n), 0);
			}
			supp_send(a, sp, EAPOL_EAP_PACKET, resp, n);
		}
		sp->nq = 0;
	}
}

/* Run the loop, playing the supplicants, until cond() or ms passed. */
static void glue_run(struct auth8021x *a, bool (*cond)(void), unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *guard = evtimer_new(base, on_guard, NULL);
	guard_fired = false;
	evtimer_add(guard, &tv);
	for (;;) {
		supp_process(a);
		if ((cond && cond()) || guard_fired)
			break;
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(guard);
}

static unsigned want_verdicts;
static bool enough_verdicts(void)
{
	return nverdicts >= want_verdicts;
}

static void glue_setup(struct supp *sp, const uint8_t mac_last, const char *identity, const char *password)
{
	memset(sp, 0, sizeof(*sp));
	sp->mac[0] = 0x02; sp->mac[1] = 0x00; sp->mac[2] = 0x0a; sp->mac[3] = 0x0a; sp->mac[4] = 0x01;
	sp->mac[5] = mac_last;
	sp->identity = identity;
	sp->password = password;
}

static void glue_conf(struct auth8021x_conf *c, const struct fake *auth, const struct fake *acct)
{
	auth8021x_conf_default(c);
	c->pae.tx_period_ms = 100;
	c->pae.supp_timeout_ms = 300;
	c->pae.server_timeout_ms = 3000;
	c->pae.quiet_period_ms = 200;
	c->pae.reauth_period_ms = 0;
	c->radius.timeout_ms = 100;
	c->radius.retries = 2;
	snprintf(c->nas_identifier, sizeof(c->nas_identifier), "menjin-test");
	add_server(&c->radius, RADIUS_SVC_AUTH, auth);
	if (acct)
		add_server(&c->radius, RADIUS_SVC_ACCT, acct);
}

static struct auth8021x *glue_new(const struct auth8021x_conf *c)
{
	struct auth8021x_ops ops = { .send_frame = glue_send_frame, .verdict = glue_verdict };
	struct auth8021x *a = NULL;
	nverdicts = 0;
	stray_frames = 0;
	group_frames = 0;
	assert_int_equal(auth8021x_new(base, c, &ops, &a), 0);
	assert_int_equal(auth8021x_set_port(a, 1, PORT_MAC, "lan0"), 0);
	return a;
}

static void test_glue_eap_md5_two_supplicants(void **state)
{
	struct auth8021x_conf conf;
	struct auth8021x_session_info info;
	struct auth8021x_stats st;
	(void)state;

	fake_start(&fakes[0], FAKE_ANSWER);
	fakes[0].eap_server = true;
	fakes[0].eap_password = "alice-pw";
	fake_start(&fakes[1], FAKE_ANSWER);
	fakes[1].eap_server = true;
	glue_conf(&conf, &fakes[0], &fakes[1]);
	glue_setup(&supps[0], 0x0b, "alice", "alice-pw");
	glue_setup(&supps[1], 0x0c, "bob", "not-bobs-pw");
	struct auth8021x *a = glue_new(&conf);

	/* Two supplicants on the same segment start at once. */
	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	supp_send(a, &supps[1], EAPOL_START, NULL, 0);
	want_verdicts = 2;
	glue_run(a, enough_verdicts, 3000);
	assert_int_equal(nverdicts, 2);
	const struct auth8021x_verdict *va = memcmp(verdicts[0].mac, supps[0].mac, 6) == 0 ? &verdicts[0] : &verdicts[1];
	const struct auth8021x_verdict *vb = va == &verdicts[0] ? &verdicts[1] : &verdicts[0];
	assert_true(va->authorized);
	assert_int_equal(va->auth, AUTH_DOT1X);
	assert_int_equal(va->method, PAE_METHOD_EAP);
	assert_string_equal(va->identity, "alice");
	assert_string_equal(va->role, "staff");
	assert_int_equal(va->session_timeout_s, 3600);
	assert_int_equal(va->port, 1);
	assert_false(vb->authorized);
	assert_int_equal(vb->auth, AUTH_DOT1X_FAILED);
	assert_int_equal(vb->reason, PAE_REASON_REJECTED);
	assert_int_equal(supps[0].result, EAP_CODE_SUCCESS);
	assert_int_equal(supps[1].result, EAP_CODE_FAILURE);
	assert_int_equal(supps[0].bad_frames + supps[1].bad_frames + stray_frames, 0);
	/* RFC 3580 attributes as the server saw them. */
	assert_int_equal(fakes[0].last_nas_port_type, RADIUS_NAS_PORT_TYPE_ETHERNET);
	assert_int_equal(fakes[0].last_service_type, RADIUS_SERVICE_FRAMED);
	assert_int_equal(fakes[0].invalid, 0);
	assert_int_equal(fakes[0].ma_not_first, 0);

	assert_int_equal(auth8021x_session_info(a, supps[0].mac, &info), 0);
	assert_int_equal(info.state, PAE_AUTHENTICATED);
	assert_true(info.authorized);
	assert_string_equal(info.role, "staff");
	assert_int_not_equal(info.next_deadline_ms, PAE_NO_DEADLINE);   /* Session-Timeout */

	/* Accounting: On at start, Start for alice with the Class echoed. */
	glue_run(a, NULL, 50);
	assert_true(fakes[1].nacct >= 2);
	assert_int_equal(fakes[1].acct_status[0], RADIUS_ACCT_ON);
	assert_int_equal(fakes[1].acct_status[1], RADIUS_ACCT_START);
	assert_true(fakes[1].acct_class[1]);
	assert_string_equal(fakes[1].acct_session[1], va->acct_session_id);

	/* Alice logs off: unauthorized, Stop with User-Request. */
	supp_send(a, &supps[0], EAPOL_LOGOFF, NULL, 0);
	assert_false(last_verdict()->authorized);
	assert_int_equal(last_verdict()->reason, PAE_REASON_LOGOFF);
	glue_run(a, NULL, 50);
	assert_int_equal(fakes[1].acct_status[fakes[1].nacct - 1], RADIUS_ACCT_STOP);
	assert_int_equal(fakes[1].acct_cause[fakes[1].nacct - 1], RADIUS_TERM_USER_REQUEST);

	auth8021x_get_stats(a, &st);
	assert_int_equal(st.accepts, 1);
	assert_int_equal(st.rejects, 1);
	assert_int_equal(st.challenges, 2);
	assert_int_equal(st.eapol_bad, 0);
	auth8021x_free(a);
}

/* Issue 4's authentication storm: supplicants on one segment hear each
 * other's EAP Responses (group-addressed), and wpa_supplicant then waits in
 * silence for a request instead of sending EAPOL-Start. bob never speaks
 * first: the Request/Identity to the group address after alice's Response
 * must find him, and the requests must stop once nobody new answers. */
static void test_glue_silent_supplicant_on_shared_segment(void **state)
{
	struct auth8021x_conf conf;
	struct auth8021x_session_info info;
	struct auth8021x_stats st;
	(void)state;

	fake_start(&fakes[0], FAKE_ANSWER);
	fakes[0].eap_server = true;
	fakes[0].eap_password = "office-pw";
	glue_conf(&conf, &fakes[0], NULL);
	conf.pae.tx_period_ms = 3000;           /* no retransmission helps here */
	glue_setup(&supps[0], 0x0b, "alice", "office-pw");
	glue_setup(&supps[1], 0x0c, "bob", "office-pw");
	struct auth8021x *a = glue_new(&conf);

	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	want_verdicts = 2;
	glue_run(a, enough_verdicts, 3000);
	assert_int_equal(nverdicts, 2);
	assert_true(verdicts[0].authorized);
	assert_true(verdicts[1].authorized);
	assert_int_equal(verdicts[1].mac[5], 0x0c);
	assert_string_equal(verdicts[1].identity, "bob");
	assert_int_equal(supps[1].result, EAP_CODE_SUCCESS);
	assert_int_equal(group_frames, 1);
	assert_int_equal(auth8021x_session_info(a, supps[1].mac, &info), 0);
	assert_int_equal(info.state, PAE_AUTHENTICATED);

	/* bob's exchange makes one more request due (a newcomer may have heard
	 * its Responses); the authenticated supplicants answer it, are
	 * ignored, and no further request follows. */
	glue_run(a, NULL, SOLICIT_DELAY_MS + SOLICIT_INTERVAL_MS + 300);
	assert_int_equal(group_frames, 2);
	glue_run(a, NULL, SOLICIT_INTERVAL_MS + 300);
	assert_int_equal(group_frames, 2);
	auth8021x_get_stats(a, &st);
	assert_int_equal(st.group_requests, 2);
	assert_int_equal(st.accepts, 2);
	assert_int_equal(st.access_requests, 4);    /* identity and MD5, each */
	assert_int_equal(supps[0].bad_frames + supps[1].bad_frames + stray_frames, 0);
	auth8021x_free(a);
}

static void test_glue_mab(void **state)
{
	struct auth8021x_conf conf;
	(void)state;

	fake_start(&fakes[0], FAKE_ANSWER);
	fakes[0].eap_server = true;
	fakes[0].mab_ok = "02000a0a0114";
	glue_conf(&conf, &fakes[0], NULL);
	conf.pae.mab_delay_ms = 250;
	glue_setup(&supps[0], 0x14, "", "");
	supps[0].silent = true;                   /* a printer */
	struct auth8021x *a = glue_new(&conf);

	/* Punted traffic from the printer (DHCP, ARP): asked for an identity, then MAB. */
	assert_int_equal(auth8021x_on_mac_seen(a, supps[0].mac, 1, 0), 0);
	assert_int_equal(auth8021x_on_mac_seen(a, supps[0].mac, 1, 0), 0);
	want_verdicts = 1;
	glue_run(a, enough_verdicts, 3000);
	assert_int_equal(nverdicts, 1);
	assert_true(last_verdict()->authorized);
	assert_int_equal(last_verdict()->auth, AUTH_MAB);
	assert_string_equal(last_verdict()->identity, "02000a0a0114");
	assert_string_equal(last_verdict()->role, "printers");
	assert_true(supps[0].reqids >= 2);
	assert_int_equal(supps[0].result, 0);       /* no EAP to a device without supplicant */
	assert_int_equal(fakes[0].last_service_type, RADIUS_SERVICE_CALL_CHECK);
	assert_string_equal(fakes[0].last_calling, "02-00-0A-0A-01-14");

	/* Another MAC that MAB does not know: failed. */
	glue_setup(&supps[1], 0x15, "", "");
	supps[1].silent = true;
	assert_int_equal(auth8021x_on_mac_seen(a, supps[1].mac, 1, 0), 0);
	want_verdicts = 2;
	glue_run(a, enough_verdicts, 3000);
	assert_false(last_verdict()->authorized);
	assert_int_equal(last_verdict()->auth, AUTH_MAB_FAILED);
	assert_int_equal(auth8021x_on_mac_seen(a, (const uint8_t[6]){ 1, 0, 0, 0, 0, 1 }, 1, 0), -EINVAL);
	auth8021x_free(a);
}

static void test_glue_unreachable_critical(void **state)
{
	struct auth8021x_conf conf;
	(void)state;

	fake_start(&fakes[0], FAKE_SILENT);
	glue_conf(&conf, &fakes[0], NULL);
	conf.pae.unreachable = PAE_UNREACHABLE_CRITICAL;
	snprintf(conf.critical_role, sizeof(conf.critical_role), "critical");
	conf.radius.timeout_ms = 30;
	glue_setup(&supps[0], 0x0d, "carol", "pw");
	struct auth8021x *a = glue_new(&conf);

	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	want_verdicts = 1;
	glue_run(a, enough_verdicts, 3000);
	assert_int_equal(nverdicts, 1);
	assert_true(last_verdict()->authorized);
	assert_int_equal(last_verdict()->method, PAE_METHOD_CRITICAL);
	assert_int_equal(last_verdict()->auth, AUTH_NONE);
	assert_string_equal(last_verdict()->role, "critical");
	assert_int_equal(supps[0].result, EAP_CODE_SUCCESS);
	auth8021x_free(a);

	/* Without a critical role the configuration is refused. */
	conf.critical_role[0] = '\0';
	struct auth8021x *b = NULL;
	assert_int_equal(auth8021x_new(base, &conf, NULL, &b), -EINVAL);
}

/* A Dynamic Authorization client: one socket, replies read in the loop. */
static struct {
	int fd;
	struct event *ev;
	uint8_t code;
	uint32_t cause;
	bool got;
	uint8_t req_auth[16];
} dac;

static void dac_read(evutil_socket_t fd, short what, void *arg)
{
	uint8_t buf[RADIUS_MAX_LEN];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	int why = 0;
	(void)what;
	(void)arg;
	if (n <= 0)
		return;
	assert_int_equal(radius_decode(buf, (size_t)n, &msg), 0);
	assert_int_equal(radius_verify_reply(&msg, dac.req_auth, (const uint8_t *)SECRET, SECRET_LEN, &why), 0);
	dac.code = msg.code;
	dac.cause = 0;
	radius_get_u32(&msg, RADIUS_ATTR_ERROR_CAUSE, &dac.cause);
	dac.got = true;
}

static bool dac_answered(void)
{
	return dac.got;
}

static void dac_send(struct auth8021x *a, const struct sockaddr_storage *to, uint8_t code,
		     const struct radius_attrs *at)
{
	uint8_t pkt[RADIUS_MAX_LEN];
	size_t len = 0;
	static uint8_t id;
	assert_int_equal(radius_encode(pkt, sizeof(pkt), code, ++id, NULL, at, NULL, 0,
				       (const uint8_t *)SECRET, SECRET_LEN, &len), 0);
	memcpy(dac.req_auth, pkt + 4, 16);
	dac.got = false;
	assert_int_equal(sendto(dac.fd, pkt, len, 0, (const struct sockaddr *)to, sizeof(struct sockaddr_in)),
			 (ssize_t)len);
	glue_run(a, dac_answered, 2000);
	assert_true(dac.got);
}

static void test_glue_coa(void **state)
{
	struct auth8021x_conf conf;
	struct sockaddr_storage coa_addr;
	struct sockaddr_in dac_addr, *l4;
	struct radius_attrs at;
	(void)state;

	fake_start(&fakes[0], FAKE_ANSWER);
	fakes[0].eap_server = true;
	fakes[0].eap_password = "alice-pw";
	fake_start(&fakes[1], FAKE_ANSWER);
	fakes[1].eap_server = true;
	glue_conf(&conf, &fakes[0], &fakes[1]);
	dac.fd = open_udp(&dac_addr);
	conf.coa_enabled = true;
	l4 = (struct sockaddr_in *)&conf.coa.listen;
	l4->sin_family = AF_INET;
	l4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	{
		/* A free port for the listener: what the kernel gives a throwaway socket. */
		struct sockaddr_in probe;
		int pfd = open_udp(&probe);
		close(pfd);
		l4->sin_port = probe.sin_port;
	}
	conf.coa.listen_len = sizeof(*l4);
	memcpy(&coa_addr, l4, sizeof(*l4));
	conf.coa.nclients = 1;
	memcpy(&conf.coa.clients[0].addr, &dac_addr, sizeof(dac_addr));
	conf.coa.clients[0].addrlen = sizeof(dac_addr);
	memcpy(conf.coa.clients[0].secret, SECRET, SECRET_LEN);
	conf.coa.clients[0].secret_len = SECRET_LEN;
	snprintf(conf.coa.clients[0].name, sizeof(conf.coa.clients[0].name), "radius-1");
	glue_setup(&supps[0], 0x0b, "alice", "alice-pw");
	struct auth8021x *a = glue_new(&conf);
	dac.ev = event_new(base, dac.fd, EV_READ | EV_PERSIST, dac_read, NULL);
	event_add(dac.ev, NULL);

	assert_non_null(auth8021x_radius(a));

	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	want_verdicts = 1;
	glue_run(a, enough_verdicts, 3000);
	assert_true(last_verdict()->authorized);

	/* CoA: a new role. */
	radius_attrs_init(&at);
	radius_attrs_put_text(&at, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B");
	radius_attrs_put_text(&at, RADIUS_ATTR_FILTER_ID, "guest");
	dac_send(a, &coa_addr, RADIUS_COA_REQUEST, &at);
	assert_int_equal(dac.code, RADIUS_COA_ACK);
	assert_string_equal(last_verdict()->role, "guest");
	assert_true(last_verdict()->authorized);

	/* Disconnect for a MAC we do not know: NAK 503. */
	radius_attrs_init(&at);
	radius_attrs_put_text(&at, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-99");
	dac_send(a, &coa_addr, RADIUS_DISCONNECT_REQUEST, &at);
	assert_int_equal(dac.code, RADIUS_DISCONNECT_NAK);
	assert_int_equal(dac.cause, RADIUS_EC_SESSION_NOT_FOUND);

	/* Disconnect by Acct-Session-Id: ACK, unauthorized, Stop with Admin-Reset. */
	radius_attrs_init(&at);
	radius_attrs_put_text(&at, RADIUS_ATTR_ACCT_SESSION_ID, last_verdict()->acct_session_id);
	dac_send(a, &coa_addr, RADIUS_DISCONNECT_REQUEST, &at);
	assert_int_equal(dac.code, RADIUS_DISCONNECT_ACK);
	assert_false(last_verdict()->authorized);
	assert_int_equal(last_verdict()->reason, PAE_REASON_ADMIN);
	assert_int_equal(supps[0].result, EAP_CODE_FAILURE);
	glue_run(a, NULL, 50);
	assert_int_equal(fakes[1].acct_status[fakes[1].nacct - 1], RADIUS_ACCT_STOP);
	assert_int_equal(fakes[1].acct_cause[fakes[1].nacct - 1], RADIUS_TERM_ADMIN_RESET);

	event_free(dac.ev);
	close(dac.fd);
	auth8021x_free(a);
}

static bool is_alice2(void)
{
	return nverdicts > 0 && strcmp(last_verdict()->identity, "alice2") == 0;
}

/* Reauthentication: asked by the operator; same user, nothing new to say;
 * another user on the MAC, a new accounting session. */
static void test_glue_reauthentication(void **state)
{
	struct auth8021x_conf conf;
	struct auth8021x_stats st;
	(void)state;

	fake_start(&fakes[0], FAKE_ANSWER);
	fakes[0].eap_server = true;
	fakes[0].eap_password = "alice-pw";
	fake_start(&fakes[1], FAKE_ANSWER);
	fakes[1].eap_server = true;
	glue_conf(&conf, &fakes[0], &fakes[1]);
	glue_setup(&supps[0], 0x0b, "alice", "alice-pw");
	struct auth8021x *a = glue_new(&conf);
	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	want_verdicts = 1;
	glue_run(a, enough_verdicts, 3000);
	assert_true(last_verdict()->authorized);
	char first_session[AUTH8021X_SESSION_ID_MAX];
	snprintf(first_session, sizeof(first_session), "%s", last_verdict()->acct_session_id);

	assert_int_equal(auth8021x_reauthenticate(a, supps[0].mac), 0);
	glue_run(a, NULL, 300);
	auth8021x_get_stats(a, &st);
	assert_int_equal(st.accepts, 2);
	assert_int_equal(nverdicts, 1);           /* unchanged: not repeated */

	supps[0].identity = "alice2";
	assert_int_equal(auth8021x_reauthenticate(a, supps[0].mac), 0);
	glue_run(a, is_alice2, 3000);
	assert_true(last_verdict()->authorized);
	assert_string_not_equal(last_verdict()->acct_session_id, first_session);
	glue_run(a, NULL, 50);
	unsigned n = fakes[1].nacct;
	assert_int_equal(fakes[1].acct_status[n - 2], RADIUS_ACCT_STOP);
	assert_int_equal(fakes[1].acct_cause[n - 2], RADIUS_TERM_SUPPLICANT_RESTART);
	assert_string_equal(fakes[1].acct_session[n - 2], first_session);
	assert_int_equal(fakes[1].acct_status[n - 1], RADIUS_ACCT_START);
	assert_string_equal(fakes[1].acct_session[n - 1], last_verdict()->acct_session_id);
	assert_int_equal(auth8021x_reauthenticate(a, (const uint8_t[6]){ 2, 9, 9, 9, 9, 9 }), -ENOENT);
	auth8021x_free(a);
}

static bool shutdown_done;
static void on_shutdown(void *arg)
{
	(void)arg;
	shutdown_done = true;
}
static bool is_shut(void)
{
	return shutdown_done;
}

static void test_glue_shutdown_accounting(void **state)
{
	struct auth8021x_conf conf;
	(void)state;

	fake_start(&fakes[0], FAKE_ANSWER);
	fakes[0].eap_server = true;
	fakes[0].eap_password = "alice-pw";
	fake_start(&fakes[1], FAKE_ANSWER);
	fakes[1].eap_server = true;
	glue_conf(&conf, &fakes[0], &fakes[1]);
	glue_setup(&supps[0], 0x0b, "alice", "alice-pw");
	struct auth8021x *a = glue_new(&conf);
	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	want_verdicts = 1;
	glue_run(a, enough_verdicts, 3000);
	assert_true(last_verdict()->authorized);

	shutdown_done = false;
	assert_int_equal(auth8021x_shutdown(a, on_shutdown, NULL), 0);
	assert_false(shutdown_done);
	glue_run(a, is_shut, 3000);
	assert_true(shutdown_done);
	unsigned n = fakes[1].nacct;
	assert_int_equal(fakes[1].acct_status[0], RADIUS_ACCT_ON);
	assert_int_equal(fakes[1].acct_status[n - 2], RADIUS_ACCT_STOP);
	assert_int_equal(fakes[1].acct_cause[n - 2], RADIUS_TERM_ADMIN_REBOOT);
	assert_int_equal(fakes[1].acct_status[n - 1], RADIUS_ACCT_OFF);
	/* No new frame is taken. */
	uint8_t f[EAPOL_FRAME_MAX];
	size_t fl = 0;
	eapol_encode(f, sizeof(f), PAE_GROUP, supps[0].mac, 0, EAPOL_START, NULL, 0, &fl);
	assert_int_equal(auth8021x_on_eapol(a, f, fl, 1), -ESHUTDOWN);
	auth8021x_free(a);
}

/* ---- real peer: FreeRADIUS (tests/lab/radius_freeradius_test.sh) ---------
 *
 * With MENJIN_RADIUS_PEER="host:authport:acctport" and MENJIN_RADIUS_SECRET
 * set, only these run, against the server the lab script started; its
 * users file knows alice/alice-pw (Filter-Id staff) and the MAB user
 * 02000a0a0114 (Filter-Id printers). With MENJIN_COA_PORT and
 * MENJIN_COA_READY, a Disconnect-Request sent by radclient is awaited.
 */

static void peer_server(struct radius_client_conf *c, enum radius_service svc, unsigned port)
{
	const char *peer = getenv("MENJIN_RADIUS_PEER"), *secret = getenv("MENJIN_RADIUS_SECRET");
	struct radius_server_conf *s = &c->servers[svc][c->nservers[svc]++];
	struct sockaddr_in *in = (struct sockaddr_in *)&s->addr;
	char host[64];

	assert_non_null(peer);
	assert_non_null(secret);
	assert_int_equal(sscanf(peer, "%63[^:]", host), 1);
	memset(s, 0, sizeof(*s));
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET, host, &in->sin_addr), 1);
	s->addrlen = sizeof(*in);
	s->secret_len = strlen(secret);
	memcpy(s->secret, secret, s->secret_len);
	snprintf(s->name, sizeof(s->name), "freeradius-%s", svc == RADIUS_SVC_AUTH ? "auth" : "acct");
}

static void peer_conf(struct auth8021x_conf *c)
{
	unsigned auth = 0, acct = 0;
	assert_int_equal(sscanf(getenv("MENJIN_RADIUS_PEER"), "%*[^:]:%u:%u", &auth, &acct), 2);
	auth8021x_conf_default(c);
	c->pae.tx_period_ms = 200;
	c->pae.supp_timeout_ms = 1000;
	c->pae.quiet_period_ms = 500;
	c->pae.reauth_period_ms = 0;
	c->radius.timeout_ms = 1000;
	c->radius.retries = 3;
	snprintf(c->nas_identifier, sizeof(c->nas_identifier), "menjin-lab");
	peer_server(&c->radius, RADIUS_SVC_AUTH, auth);
	peer_server(&c->radius, RADIUS_SVC_ACCT, acct);
}

/* Nothing the peer sent was dropped, and accounting got answered. */
static void peer_clean(struct auth8021x *a)
{
	struct radius_client_stats st;
	struct auth8021x_stats as;
	radius_client_get_stats(auth8021x_radius(a), &st);
	auth8021x_get_stats(a, &as);
	assert_int_equal(st.bad_source + st.malformed + st.unknown_id + st.bad_code +
			 st.bad_authenticator + st.missing_message_authenticator +
			 st.bad_message_authenticator, 0);
	assert_int_equal(st.timeouts + st.unreachable, 0);
	assert_int_equal(as.acct_failed, 0);
}

static bool acct_settled_a;
static struct auth8021x *peer_a;
static bool acct_settled(void)
{
	struct radius_client_stats st;
	radius_client_get_stats(auth8021x_radius(peer_a), &st);
	acct_settled_a = st.requests == st.replies;
	return acct_settled_a;
}

static void test_peer_eap_md5_admitted_and_logoff(void **state)
{
	struct auth8021x_conf conf;
	(void)state;

	peer_conf(&conf);
	glue_setup(&supps[0], 0x0b, "alice", "alice-pw");
	struct auth8021x *a = peer_a = glue_new(&conf);
	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	want_verdicts = 1;
	glue_run(a, enough_verdicts, 10000);
	assert_int_equal(nverdicts, 1);
	assert_true(last_verdict()->authorized);
	assert_int_equal(last_verdict()->auth, AUTH_DOT1X);
	assert_string_equal(last_verdict()->role, "staff");
	assert_int_equal(last_verdict()->session_timeout_s, 3600);
	assert_int_equal(supps[0].result, EAP_CODE_SUCCESS);
	glue_run(a, acct_settled, 5000);

	supp_send(a, &supps[0], EAPOL_LOGOFF, NULL, 0);
	assert_false(last_verdict()->authorized);
	assert_int_equal(last_verdict()->reason, PAE_REASON_LOGOFF);
	glue_run(a, acct_settled, 5000);
	assert_true(acct_settled_a);
	peer_clean(a);
	auth8021x_free(a);
}

static void test_peer_eap_md5_wrong_password(void **state)
{
	struct auth8021x_conf conf;
	(void)state;

	peer_conf(&conf);
	glue_setup(&supps[0], 0x0c, "alice", "guessed");
	struct auth8021x *a = peer_a = glue_new(&conf);
	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	want_verdicts = 1;
	glue_run(a, enough_verdicts, 10000);
	assert_int_equal(nverdicts, 1);
	assert_false(last_verdict()->authorized);
	assert_int_equal(last_verdict()->auth, AUTH_DOT1X_FAILED);
	assert_int_equal(supps[0].result, EAP_CODE_FAILURE);
	glue_run(a, acct_settled, 5000);
	peer_clean(a);
	auth8021x_free(a);
}

static void test_peer_mab(void **state)
{
	struct auth8021x_conf conf;
	(void)state;

	peer_conf(&conf);
	conf.pae.mab_delay_ms = 500;
	glue_setup(&supps[0], 0x14, "", "");
	supps[0].silent = true;
	glue_setup(&supps[1], 0x15, "", "");
	supps[1].silent = true;
	struct auth8021x *a = peer_a = glue_new(&conf);
	assert_int_equal(auth8021x_on_mac_seen(a, supps[0].mac, 1, 0), 0);
	assert_int_equal(auth8021x_on_mac_seen(a, supps[1].mac, 1, 0), 0);
	want_verdicts = 2;
	glue_run(a, enough_verdicts, 10000);
	assert_int_equal(nverdicts, 2);
	for (unsigned i = 0; i < 2; i++) {
		if (verdicts[i].mac[5] == 0x14) {
			assert_true(verdicts[i].authorized);
			assert_int_equal(verdicts[i].auth, AUTH_MAB);
			assert_string_equal(verdicts[i].role, "printers");
		} else {
			assert_false(verdicts[i].authorized);
			assert_int_equal(verdicts[i].auth, AUTH_MAB_FAILED);
		}
	}
	glue_run(a, acct_settled, 5000);
	peer_clean(a);
	auth8021x_free(a);
}

/* RadSec to the real peer: MENJIN_RADSEC_PEER="host:port" and the PEM
 * files in MENJIN_RADSEC_CA, MENJIN_RADSEC_CERT, MENJIN_RADSEC_KEY. */
static void test_peer_radsec_eap_md5(void **state)
{
	const char *peer = getenv("MENJIN_RADSEC_PEER");
	struct auth8021x_conf conf;
	struct radius_client_stats st;
	char host[64];
	unsigned port = 0;
	(void)state;

	/* Peer mode (tests/lab/radius_freeradius_test.sh) always sets it. */
	if (!peer)
		fail_msg("MENJIN_RADSEC_PEER is not set: no RadSec peer to test against");
	assert_int_equal(sscanf(peer, "%63[^:]:%u", host, &port), 2);
	peer_conf(&conf);
	for (int svc = 0; svc < RADIUS_SVC__MAX; svc++) {
		struct radius_server_conf *sc = &conf.radius.servers[svc][0];
		struct sockaddr_in *in = (struct sockaddr_in *)&sc->addr;
		conf.radius.nservers[svc] = 1;
		in->sin_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET, host, &in->sin_addr), 1);
		sc->transport = RADIUS_TRANSPORT_TLS;
		snprintf(sc->ca_file, sizeof(sc->ca_file), "%s", getenv("MENJIN_RADSEC_CA"));
		snprintf(sc->cert_file, sizeof(sc->cert_file), "%s", getenv("MENJIN_RADSEC_CERT"));
		snprintf(sc->key_file, sizeof(sc->key_file), "%s", getenv("MENJIN_RADSEC_KEY"));
		snprintf(sc->server_name, sizeof(sc->server_name), "%s", host);
		snprintf(sc->name, sizeof(sc->name), "freeradius-radsec");
	}
	glue_setup(&supps[0], 0x0b, "alice", "alice-pw");
	struct auth8021x *a = peer_a = glue_new(&conf);
	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	want_verdicts = 1;
	glue_run(a, enough_verdicts, 10000);
	assert_int_equal(nverdicts, 1);
	assert_true(last_verdict()->authorized);
	assert_string_equal(last_verdict()->role, "staff");
	supp_send(a, &supps[0], EAPOL_LOGOFF, NULL, 0);
	glue_run(a, acct_settled, 5000);
	assert_true(acct_settled_a);
	radius_client_get_stats(auth8021x_radius(a), &st);
	/* One connection per service, none dropped: FreeRADIUS closes one
	 * that carries two packets in a TLS record (radius_client.c tls_flush). */
	assert_int_equal(st.tls_connects, 2);
	assert_int_equal(st.tls_failures, 0);
	peer_clean(a);
	auth8021x_free(a);
}

static bool disconnected(void)
{
	return nverdicts > 0 && !last_verdict()->authorized;
}

static void test_peer_coa_disconnect(void **state)
{
	const char *port = getenv("MENJIN_COA_PORT"), *ready = getenv("MENJIN_COA_READY");
	const char *secret = getenv("MENJIN_RADIUS_SECRET");
	struct auth8021x_conf conf;
	struct sockaddr_in *l4;
	FILE *f;
	(void)state;

	if (!port || !ready)
		fail_msg("MENJIN_COA_PORT and MENJIN_COA_READY are not set: no radclient to answer");
	peer_conf(&conf);
	conf.coa_enabled = true;
	l4 = (struct sockaddr_in *)&conf.coa.listen;
	l4->sin_family = AF_INET;
	l4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l4->sin_port = htons((uint16_t)atoi(port));
	conf.coa.listen_len = sizeof(*l4);
	conf.coa.nclients = 1;
	((struct sockaddr_in *)&conf.coa.clients[0].addr)->sin_family = AF_INET;
	((struct sockaddr_in *)&conf.coa.clients[0].addr)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	conf.coa.clients[0].addrlen = sizeof(struct sockaddr_in);
	conf.coa.clients[0].secret_len = strlen(secret);
	memcpy(conf.coa.clients[0].secret, secret, strlen(secret));
	snprintf(conf.coa.clients[0].name, sizeof(conf.coa.clients[0].name), "radclient");
	snprintf(conf.coa.nas_identifier, sizeof(conf.coa.nas_identifier), "menjin-lab");

	glue_setup(&supps[0], 0x0b, "alice", "alice-pw");
	struct auth8021x *a = peer_a = glue_new(&conf);
	supp_send(a, &supps[0], EAPOL_START, NULL, 0);
	want_verdicts = 1;
	glue_run(a, enough_verdicts, 10000);
	assert_true(last_verdict()->authorized);
	glue_run(a, acct_settled, 5000);

	/* Tell the script which session to disconnect, then wait for radclient. */
	f = fopen(ready, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", last_verdict()->acct_session_id);
	fclose(f);
	glue_run(a, disconnected, 20000);
	assert_false(last_verdict()->authorized);
	assert_int_equal(last_verdict()->reason, PAE_REASON_ADMIN);
	glue_run(a, acct_settled, 5000);
	peer_clean(a);
	auth8021x_free(a);
}

/* ---- RadSec (RFC 6614) ---------------------------------------------------
 *
 * Certificates are made here: a CA that issues the server's (IP
 * 127.0.0.1) and the client's, and a rogue CA that issues impostors.
 */

static char certdir[64];

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer, const char *cn,
		       const char *san)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	if (!issuer) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_basic_constraints, "CA:FALSE");
		if (san)
			add_ext(x, issuer, NID_subject_alt_name, san);
	}
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

static void write_pem(const char *name, X509 *x, EVP_PKEY *key)
{
	char path[128];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", certdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	if (x)
		assert_int_equal(PEM_write_X509(f, x), 1);
	if (key)
		assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

static int make_certs(void **state)
{
	(void)state;
	snprintf(certdir, sizeof(certdir), "/tmp/menjin-radsec-XXXXXX");
	if (!mkdtemp(certdir))
		return -1;
	EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *rogue_key = EVP_EC_gen("P-256");
	EVP_PKEY *srv_key = EVP_EC_gen("P-256"), *cli_key = EVP_EC_gen("P-256");
	X509 *ca = make_cert(ca_key, NULL, NULL, "menjin test CA", NULL);
	X509 *rogue = make_cert(rogue_key, NULL, NULL, "rogue CA", NULL);
	X509 *srv = make_cert(srv_key, ca_key, ca, "radius.test", "IP:127.0.0.1,DNS:radius.test");
	X509 *cli = make_cert(cli_key, ca_key, ca, "menjin-tp01", NULL);
	X509 *fake_srv = make_cert(srv_key, rogue_key, rogue, "radius.test", "IP:127.0.0.1,DNS:radius.test");
	X509 *fake_cli = make_cert(cli_key, rogue_key, rogue, "menjin-tp01", NULL);
	write_pem("ca.pem", ca, NULL);
	write_pem("server.pem", srv, NULL);
	write_pem("server.key", NULL, srv_key);
	write_pem("client.pem", cli, NULL);
	write_pem("client.key", NULL, cli_key);
	write_pem("rogue-server.pem", fake_srv, NULL);
	write_pem("rogue-client.pem", fake_cli, NULL);
	X509 *all[] = { ca, rogue, srv, cli, fake_srv, fake_cli };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		X509_free(all[i]);
	EVP_PKEY *keys[] = { ca_key, rogue_key, srv_key, cli_key };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		EVP_PKEY_free(keys[i]);
	return 0;
}

static int remove_certs(void **state)
{
	const char *names[] = { "ca.pem", "server.pem", "server.key", "client.pem", "client.key",
				"rogue-server.pem", "rogue-client.pem" };
	char path[128];
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", certdir, names[i]);
		unlink(path);
	}
	rmdir(certdir);
	return 0;
}

static void cert_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", certdir, name);
}

/* A RadSec server: TLS with client certificates required, one connection. */
static struct tls_fake {
	int lfd, fd;
	struct sockaddr_in addr;
	struct event *lev, *ev;
	SSL_CTX *ctx;
	SSL *ssl;
	bool up;
	bool drop_after_first;     /* close the connection instead of answering */
	unsigned drops_left;       /* with drop_after_first: 0 every time, else this many */
	size_t rlen;
	uint8_t rbuf[2 * RADIUS_MAX_LEN];
	unsigned connections, handshakes, handshake_failures, received;
} tf;

static void tls_fake_close(void)
{
	if (tf.ev)
		event_free(tf.ev);
	if (tf.ssl)
		SSL_free(tf.ssl);
	if (tf.fd >= 0)
		close(tf.fd);
	tf.ev = NULL;
	tf.ssl = NULL;
	tf.fd = -1;
	tf.up = false;
	tf.rlen = 0;
}

static void tls_fake_io(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (!tf.up) {
		int rc = SSL_do_handshake(tf.ssl);
		if (rc != 1) {
			int e = SSL_get_error(tf.ssl, rc);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				tf.handshake_failures++;
				tls_fake_close();
			}
			return;
		}
		tf.up = true;
		tf.handshakes++;
	}
	for (;;) {
		int n = SSL_read(tf.ssl, tf.rbuf + tf.rlen, (int)(sizeof(tf.rbuf) - tf.rlen));
		if (n <= 0) {
			int e = SSL_get_error(tf.ssl, n);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				tls_fake_close();
			return;
		}
		tf.rlen += (size_t)n;
		while (tf.rlen >= 4 && tf.rlen >= (size_t)(tf.rbuf[2] << 8 | tf.rbuf[3])) {
			size_t plen = (size_t)(tf.rbuf[2] << 8 | tf.rbuf[3]);
			struct radius_attrs a;
			uint8_t rep[RADIUS_MAX_LEN];
			size_t len = 0;
			int why = 0;

			assert_int_equal(radius_decode(tf.rbuf, plen, &msg), 0);
			/* RFC 6614 2.3: signed with the secret "radsec". */
			assert_int_equal(radius_verify_request(&msg, (const uint8_t *)"radsec", 6, true, &why), 0);
			tf.received++;
			if (tf.drop_after_first) {
				/* the last planned drop: answer from now on */
				if (tf.drops_left && --tf.drops_left == 0)
					tf.drop_after_first = false;
				tls_fake_close();
				return;
			}
			radius_attrs_init(&a);
			radius_attrs_put_text(&a, RADIUS_ATTR_FILTER_ID, "over-tls");
			assert_int_equal(radius_encode(rep, sizeof(rep), RADIUS_ACCESS_ACCEPT, msg.id, tf.rbuf + 4,
						       &a, NULL, 0, (const uint8_t *)"radsec", 6, &len), 0);
			assert_int_equal(SSL_write(tf.ssl, rep, (int)len), (int)len);
			memmove(tf.rbuf, tf.rbuf + plen, tf.rlen - plen);
			tf.rlen -= plen;
		}
	}
}

static void tls_fake_accept(evutil_socket_t fd, short what, void *arg)
{
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
	(void)what;
	(void)arg;
	if (cfd < 0)
		return;
	tls_fake_close();
	tf.fd = cfd;
	tf.connections++;
	tf.ssl = SSL_new(tf.ctx);
	SSL_set_fd(tf.ssl, cfd);
	SSL_set_accept_state(tf.ssl);
	tf.ev = event_new(base, cfd, EV_READ | EV_PERSIST, tls_fake_io, NULL);
	event_add(tf.ev, NULL);
}

static void tls_fake_start(const char *server_cert)
{
	char ca[128], cert[128], key[128];
	socklen_t al = sizeof(tf.addr);
	int one = 1;

	memset(&tf, 0, sizeof(tf));
	tf.fd = -1;
	cert_path(ca, sizeof(ca), "ca.pem");
	cert_path(cert, sizeof(cert), server_cert);
	cert_path(key, sizeof(key), "server.key");
	tf.ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(tf.ctx);
	assert_int_equal(SSL_CTX_use_certificate_file(tf.ctx, cert, SSL_FILETYPE_PEM), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey_file(tf.ctx, key, SSL_FILETYPE_PEM), 1);
	assert_int_equal(SSL_CTX_load_verify_locations(tf.ctx, ca, NULL), 1);
	SSL_CTX_set_verify(tf.ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	tf.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(tf.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	tf.addr.sin_family = AF_INET;
	tf.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(tf.lfd, (struct sockaddr *)&tf.addr, sizeof(tf.addr)), 0);
	assert_int_equal(getsockname(tf.lfd, (struct sockaddr *)&tf.addr, &al), 0);
	assert_int_equal(listen(tf.lfd, 4), 0);
	tf.lev = event_new(base, tf.lfd, EV_READ | EV_PERSIST, tls_fake_accept, NULL);
	event_add(tf.lev, NULL);
}

static void tls_fake_stop(void)
{
	tls_fake_close();
	event_free(tf.lev);
	close(tf.lfd);
	SSL_CTX_free(tf.ctx);
}

static void add_radsec_server(struct radius_client_conf *conf, const char *client_cert,
			      const char *server_name)
{
	struct radius_server_conf *s = &conf->servers[RADIUS_SVC_AUTH][conf->nservers[RADIUS_SVC_AUTH]++];
	memset(s, 0, sizeof(*s));
	memcpy(&s->addr, &tf.addr, sizeof(tf.addr));
	s->addrlen = sizeof(tf.addr);
	s->transport = RADIUS_TRANSPORT_TLS;
	cert_path(s->ca_file, sizeof(s->ca_file), "ca.pem");
	cert_path(s->cert_file, sizeof(s->cert_file), client_cert);
	cert_path(s->key_file, sizeof(s->key_file), "client.key");
	snprintf(s->server_name, sizeof(s->server_name), "%s", server_name);
}

static void test_radsec_accept(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	(void)state;

	tls_fake_start("server.pem");
	radius_client_conf_default(&conf);
	conf.timeout_ms = 2000;
	add_radsec_server(&conf, "client.pem", "127.0.0.1");
	struct radius_client *c = client(&conf);

	/* Three at once, queued while the connection opens. */
	send_access(c, "alice");
	send_access(c, "bob");
	send_access(c, "carol");
	run_until(3, 5000);
	assert_int_equal(res.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(res.status[i], 0);
		assert_string_equal(res.filter[i], "over-tls");
	}
	/* And one more over the same connection. */
	send_access(c, "dave");
	run_until(4, 5000);
	assert_int_equal(res.status[3], 0);
	assert_int_equal(tf.connections, 1);
	assert_int_equal(tf.received, 4);
	radius_client_get_stats(c, &st);
	assert_int_equal(st.tls_connects, 1);
	assert_int_equal(st.tls_failures, 0);
	assert_int_equal(st.retransmissions, 0);
	radius_client_free(c);
	tls_fake_stop();
}

/* An impostor server (a certificate from another CA), or a certificate
 * for another name: the handshake fails and the request fails over to
 * the UDP server behind it. */
static void test_radsec_server_not_trusted(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	const char *cases[][2] = { { "rogue-server.pem", "127.0.0.1" }, { "server.pem", "radius.elsewhere" } };
	(void)state;

	for (int k = 0; k < 2; k++) {
		memset(&res, 0, sizeof(res));
		tls_fake_start(cases[k][0]);
		fake_start(&fakes[0], FAKE_ANSWER);
		radius_client_conf_default(&conf);
		conf.timeout_ms = 2000;
		add_radsec_server(&conf, "client.pem", cases[k][1]);
		add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
		struct radius_client *c = client(&conf);
		send_access(c, "alice");
		run_until(1, 5000);
		assert_int_equal(res.n, 1);
		assert_int_equal(res.status[0], 0);
		assert_string_equal(res.filter[0], "staff");     /* the UDP server's answer */
		assert_int_equal(tf.received, 0);
		radius_client_get_stats(c, &st);
		assert_int_equal(st.tls_connects, 0);
		assert_int_equal(st.tls_failures, 1);
		assert_int_equal(st.failovers, 1);
		radius_client_free(c);
		fake_stop(&fakes[0]);
		tls_fake_stop();
	}
}

/* Our certificate is not one the server trusts: refused, nothing else to try. */
static void test_radsec_client_not_trusted(void **state)
{
	struct radius_client_conf conf;
	(void)state;

	tls_fake_start("server.pem");
	radius_client_conf_default(&conf);
	conf.timeout_ms = 2000;
	add_radsec_server(&conf, "rogue-client.pem", "127.0.0.1");
	struct radius_client *c = client(&conf);
	send_access(c, "alice");
	run_until(1, 5000);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.status[0], -ETIMEDOUT);
	assert_int_equal(tf.received, 0);
	assert_true(tf.handshake_failures >= 1);
	radius_client_free(c);
	tls_fake_stop();
}

/* The server drops a connection that worked (a restart, an idle timeout):
 * the request on it is answered over a new connection, with no failover
 * and the server not marked dead. */
static void test_radsec_connection_reopened(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	(void)state;

	tls_fake_start("server.pem");
	tf.drop_after_first = true;
	tf.drops_left = 1;
	fake_start(&fakes[0], FAKE_ANSWER);
	radius_client_conf_default(&conf);
	conf.timeout_ms = 5000;
	add_radsec_server(&conf, "client.pem", "");
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	struct radius_client *c = client(&conf);
	send_access(c, "alice");
	run_until(1, 2000);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.status[0], 0);
	assert_int_equal(tf.received, 2);
	assert_int_equal(fakes[0].received, 0);
	radius_client_get_stats(c, &st);
	assert_int_equal(st.tls_connects, 2);
	assert_int_equal(st.tls_failures, 1);
	assert_int_equal(st.failovers, 0);
	assert_true(radius_client_any_alive(c, RADIUS_SVC_AUTH));
	radius_client_free(c);
	tls_fake_stop();
}

/* The connection drops with a request on it: the request goes over a new
 * connection at once; when that one drops too, the server is dead and the
 * request fails over at once. */
static void test_radsec_connection_lost(void **state)
{
	struct radius_client_conf conf;
	struct radius_client_stats st;
	(void)state;

	tls_fake_start("server.pem");
	tf.drop_after_first = true;
	fake_start(&fakes[0], FAKE_ANSWER);
	radius_client_conf_default(&conf);
	conf.timeout_ms = 5000;         /* failover must not wait for this */
	add_radsec_server(&conf, "client.pem", "");
	add_server(&conf, RADIUS_SVC_AUTH, &fakes[0]);
	struct radius_client *c = client(&conf);
	send_access(c, "alice");
	run_until(1, 2000);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.status[0], 0);
	assert_int_equal(tf.received, 2);
	assert_int_equal(fakes[0].received, 1);
	radius_client_get_stats(c, &st);
	assert_int_equal(st.tls_connects, 2);
	assert_int_equal(st.tls_failures, 2);
	radius_client_free(c);
	tls_fake_stop();

	/* Configuration: RadSec without certificates is refused. */
	char err[128];
	radius_client_conf_default(&conf);
	conf.nservers[RADIUS_SVC_AUTH] = 1;
	conf.servers[RADIUS_SVC_AUTH][0].addr.ss_family = AF_INET;
	conf.servers[RADIUS_SVC_AUTH][0].transport = RADIUS_TRANSPORT_TLS;
	assert_int_equal(radius_client_conf_check(&conf, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "RadSec"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_access_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_and_broken_replies_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retransmit_and_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_server_revival, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_servers_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_ids_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_eap_md5_two_supplicants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_silent_supplicant_on_shared_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_mab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_unreachable_critical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_coa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_shutdown_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_reauthentication, setup, teardown),
		cmocka_unit_test_setup_teardown(test_radsec_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_radsec_server_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_radsec_client_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_radsec_connection_reopened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_radsec_connection_lost, setup, teardown),
	};
	const struct CMUnitTest peer_tests[] = {
		cmocka_unit_test_setup_teardown(test_peer_eap_md5_admitted_and_logoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_eap_md5_wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_mab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_coa_disconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_radsec_eap_md5, setup, teardown),
	};
	if (getenv("MENJIN_RADIUS_PEER"))
		return cmocka_run_group_tests_name("freeradius", peer_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, make_certs, remove_certs);
}
