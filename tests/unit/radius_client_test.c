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

#include "radius.h"
#include "radius_client.h"

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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
