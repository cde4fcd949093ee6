/* fpmsg_test.c — the fast path's control messages (dataplane/fpmsg.c) and
 * menjin-fpctl's encoders and formatters (dataplane/fpctl_cmd.c): round
 * trips, every refusal of the boundary, and the text forms.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "decide.h"
#include "fpctl_cmd.h"
#include "fpmsg.h"

static char errbuf[1024];

/* A copy of the message's bytes in a buffer of exactly `len` bytes, so that
 * AddressSanitizer sees any read past what the parser was given. */
static uint8_t *exact_copy(const void *p, size_t copy, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	memset(buf, 0, len);
	memcpy(buf, p, copy < len ? copy : len);
	return buf;
}

/* Parse a built message as the receiver would. */
static int parse_msg(struct nl_msg *msg, uint8_t **copy, struct nlmsghdr **nlh,
		     struct nlattr *tb[FPA_MAX + 1])
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	*copy = exact_copy(h, h->nlmsg_len, h->nlmsg_len);
	errbuf[0] = '\0';
	return fpmsg_parse(*copy, h->nlmsg_len, nlh, tb, errbuf, sizeof(errbuf));
}

/* The n-th (0-based) top-level attribute of `type`. */
static struct nlattr *nth_attr(const struct nlmsghdr *nlh, int hdrlen, int type, int n)
{
	struct nlattr *nla;
	int rem;

	nlmsg_for_each_attr(nla, nlh, hdrlen, rem) {
		if (nla_type(nla) == type && n-- == 0)
			return nla;
	}
	return NULL;
}

static int count_attrs(const struct nlmsghdr *nlh, int type)
{
	struct nlattr *nla;
	int rem, n = 0;

	nlmsg_for_each_attr(nla, nlh, 0, rem) {
		if (nla_type(nla) == type)
			n++;
	}
	return n;
}

/* --- round trips -------------------------------------------------------- */

static void test_device_roundtrip(void **state)
{
	struct fpmsg_device in = {
		.mac = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 }, .state = DEV_ADMITTED,
		.role = 1023, .flags = 0xdeadbeef, .port = 3,
		.pkts = 1ull << 40, .bytes = 123456789012ull, .drops = 7,
	}, out;
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	struct nl_msg *msg = fpmsg_new(FPMSG_DEVICE_SET, NLM_F_MULTI, 9);
	uint8_t *copy;

	(void)state;
	assert_non_null(msg);
	assert_int_equal(fpmsg_put_device(msg, &in), 0);
	in.mac[5] = 0x31;
	in.pkts = in.bytes = in.drops = 0;
	in.port = 0;
	assert_int_equal(fpmsg_put_device(msg, &in), 0);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	assert_int_equal(nlh->nlmsg_type, FPMSG_DEVICE_SET);
	assert_int_equal(nlh->nlmsg_seq, 9);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_MULTI);
	assert_int_equal(count_attrs(nlh, FPA_DEVICE), 2);

	assert_int_equal(fpmsg_get_device(nth_attr(nlh, 0, FPA_DEVICE, 0), &out, errbuf,
					  sizeof(errbuf)), 0);
	assert_memory_equal(out.mac, "\x02\x00\x5e\x10\x20\x30", 6);
	assert_int_equal(out.state, DEV_ADMITTED);
	assert_int_equal(out.role, 1023);
	assert_int_equal(out.flags, 0xdeadbeef);
	assert_int_equal(out.port, 3);
	assert_true(out.pkts == 1ull << 40);
	assert_true(out.bytes == 123456789012ull);
	assert_true(out.drops == 7);

	/* A request-sized device leaves the dump counters out: 1000 fit a message. */
	assert_int_equal(nth_attr(nlh, 0, FPA_DEVICE, 1)->nla_len, 4 + 12 + 8 + 8 + 8);
	assert_int_equal(fpmsg_get_device(nth_attr(nlh, 0, FPA_DEVICE, 1), &out, errbuf,
					  sizeof(errbuf)), 0);
	assert_int_equal(out.mac[5], 0x31);
	assert_true(out.pkts == 0 && out.bytes == 0 && out.drops == 0 && out.port == 0);
	free(copy);
	nlmsg_free(msg);
}

static void test_device_defaults(void **state)
{
	struct nl_msg *msg = fpmsg_new(FPMSG_DEVICE_DEL, 0, 1);
	struct nlattr *tb[FPA_MAX + 1], *nest;
	struct fpmsg_device out;
	struct nlmsghdr *nlh;
	uint8_t *copy;

	(void)state;
	nest = nla_nest_start(msg, FPA_DEVICE);
	assert_int_equal(nla_put(msg, FPA_DEV_MAC, 6, "\x01\x02\x03\x04\x05\x06"), 0);
	nla_nest_end(msg, nest);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	memset(&out, 0xff, sizeof(out));
	assert_int_equal(fpmsg_get_device(tb[FPA_DEVICE], &out, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(out.state, 0);
	assert_int_equal(out.role, 0);
	assert_int_equal(out.flags, 0);
	assert_int_equal(out.mac[0], 1);
	free(copy);
	nlmsg_free(msg);
}

static void test_rule_roundtrip(void **state)
{
	struct fpmsg_rule v4 = {
		.id = 17, .proto = 6, .family = 4, .addr4 = 0x0a010000, .plen = 16,
		.port_lo = 80, .port_hi = 443, .action = FP_ACL_PERMIT,
	}, v6 = {
		.id = 18, .proto = 17, .family = 6, .plen = 32,
		.addr6 = { 0x20, 0x01, 0x0d, 0xb8 }, .port_lo = 53, .port_hi = 53,
		.action = FP_ACL_DENY,
	}, any = { .id = 19, .port_hi = 65535, .action = FP_ACL_DENY }, out;
	struct nlattr *tb[FPA_MAX + 1], *inner[FPA_RULE_MAX + 1];
	struct nl_msg *msg = fpmsg_new(FPMSG_ROLE_ACL_SET, 0, 2);
	struct nlmsghdr *nlh;
	uint8_t *copy;

	(void)state;
	assert_int_equal(fpmsg_put_rule(msg, &v4), 0);
	assert_int_equal(fpmsg_put_rule(msg, &v6), 0);
	assert_int_equal(fpmsg_put_rule(msg, &any), 0);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);

	assert_int_equal(fpmsg_get_rule(nth_attr(nlh, 0, FPA_RULE, 0), &out, errbuf,
					sizeof(errbuf)), 0);
	assert_int_equal(out.id, 17);
	assert_int_equal(out.proto, 6);
	assert_int_equal(out.family, 4);
	assert_int_equal(out.addr4, 0x0a010000);
	assert_int_equal(out.plen, 16);
	assert_int_equal(out.port_lo, 80);
	assert_int_equal(out.port_hi, 443);
	assert_int_equal(out.action, FP_ACL_PERMIT);
	/* On the wire the IPv4 address is in network order. */
	assert_int_equal(nla_parse_nested(inner, FPA_RULE_MAX, nth_attr(nlh, 0, FPA_RULE, 0),
					  fpmsg_rule_policy), 0);
	assert_memory_equal(nla_data(inner[FPA_RULE_ADDR4]), "\x0a\x01\x00\x00", 4);

	assert_int_equal(fpmsg_get_rule(nth_attr(nlh, 0, FPA_RULE, 1), &out, errbuf,
					sizeof(errbuf)), 0);
	assert_int_equal(out.family, 6);
	assert_memory_equal(out.addr6, v6.addr6, 16);
	assert_int_equal(out.plen, 32);
	assert_int_equal(out.port_lo, 53);
	assert_int_equal(out.port_hi, 53);
	assert_int_equal(out.action, FP_ACL_DENY);

	assert_int_equal(fpmsg_get_rule(nth_attr(nlh, 0, FPA_RULE, 2), &out, errbuf,
					sizeof(errbuf)), 0);
	assert_int_equal(out.id, 19);
	assert_int_equal(out.family, 0);
	assert_int_equal(out.proto, 0);
	assert_int_equal(out.plen, 0);
	assert_int_equal(out.port_lo, 0);
	assert_int_equal(out.port_hi, 65535);
	free(copy);

	v4.family = 5;
	assert_int_equal(fpmsg_put_rule(msg, &v4), -EINVAL);
	nlmsg_free(msg);
}

static void test_prefix_roundtrip(void **state)
{
	struct fpmsg_prefix v4 = { .family = 4, .addr4 = 0xc0a80100, .plen = 24, .id = 99 };
	struct fpmsg_prefix v6 = { .family = 6, .addr6 = { 0xfe, 0x80 }, .plen = 10 }, out;
	struct nlattr *tb[FPA_MAX + 1], *inner[FPA_PFX_MAX + 1];
	struct nl_msg *msg = fpmsg_new(FPMSG_BLOCKLIST_SET, 0, 3);
	struct nlmsghdr *nlh;
	uint8_t *copy;

	(void)state;
	assert_int_equal(fpmsg_put_prefix(msg, &v4), 0);
	assert_int_equal(fpmsg_put_prefix(msg, &v6), 0);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	assert_int_equal(fpmsg_get_prefix(nth_attr(nlh, 0, FPA_PREFIX, 0), &out, errbuf,
					  sizeof(errbuf)), 0);
	assert_int_equal(out.family, 4);
	assert_int_equal(out.addr4, 0xc0a80100);
	assert_int_equal(out.plen, 24);
	assert_int_equal(out.id, 99);
	assert_int_equal(nla_parse_nested(inner, FPA_PFX_MAX, nth_attr(nlh, 0, FPA_PREFIX, 0),
					  fpmsg_prefix_policy), 0);
	assert_memory_equal(nla_data(inner[FPA_PFX_ADDR4]), "\xc0\xa8\x01\x00", 4);
	assert_int_equal(fpmsg_get_prefix(nth_attr(nlh, 0, FPA_PREFIX, 1), &out, errbuf,
					  sizeof(errbuf)), 0);
	assert_int_equal(out.family, 6);
	assert_memory_equal(out.addr6, v6.addr6, 16);
	assert_int_equal(out.plen, 10);
	assert_int_equal(out.id, 0);
	free(copy);
	v4.family = 0;
	assert_int_equal(fpmsg_put_prefix(msg, &v4), -EINVAL);
	nlmsg_free(msg);
}

static void test_counter_and_port_roundtrip(void **state)
{
	struct fpmsg_port_info port = { .index = 1, .name = "uplink0", .role = 1,
					.mac = { 0xaa, 0, 0, 0, 0, 0x01 }, .link = 1 }, pout;
	char name[FPMSG_CTR_NAME_MAX], longname[FPMSG_CTR_NAME_MAX + 1];
	struct nl_msg *msg = fpmsg_new(FPMSG_STATS, 0, 4);
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	uint64_t value;
	uint8_t *copy;

	(void)state;
	assert_int_equal(fpmsg_put_counter(msg, "port.lan0.rx_pkts", 42), 0);
	assert_int_equal(fpmsg_put_counter(msg, "drop.acl", UINT64_MAX), 0);
	memset(longname, 'x', FPMSG_CTR_NAME_MAX);
	longname[FPMSG_CTR_NAME_MAX] = '\0';
	assert_int_equal(fpmsg_put_counter(msg, longname, 1), -EINVAL);
	assert_int_equal(fpmsg_put_port_info(msg, &port), 0);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	assert_int_equal(fpmsg_get_counter(nth_attr(nlh, 0, FPA_COUNTER, 0), name, &value,
					   errbuf, sizeof(errbuf)), 0);
	assert_string_equal(name, "port.lan0.rx_pkts");
	assert_true(value == 42);
	assert_int_equal(fpmsg_get_counter(nth_attr(nlh, 0, FPA_COUNTER, 1), name, &value,
					   errbuf, sizeof(errbuf)), 0);
	assert_string_equal(name, "drop.acl");
	assert_true(value == UINT64_MAX);
	assert_int_equal(count_attrs(nlh, FPA_COUNTER), 2);
	assert_int_equal(fpmsg_get_port_info(tb[FPA_PORT_INFO], &pout, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(pout.index, 1);
	assert_string_equal(pout.name, "uplink0");
	assert_int_equal(pout.role, 1);
	assert_memory_equal(pout.mac, port.mac, 6);
	assert_int_equal(pout.link, 1);
	free(copy);
	nlmsg_free(msg);
}

static void test_new_flags(void **state)
{
	struct nl_msg *req = fpmsg_new(FPMSG_COMMIT, 0, 77);
	struct nl_msg *dump = fpmsg_new(FPMSG_DEVICE_DUMP, NLM_F_REQUEST | NLM_F_DUMP, 78);

	(void)state;
	assert_int_equal(nlmsg_hdr(req)->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(nlmsg_hdr(req)->nlmsg_seq, 77);
	assert_int_equal(nlmsg_hdr(req)->nlmsg_type, FPMSG_COMMIT);
	assert_int_equal(nlmsg_hdr(req)->nlmsg_len, NLMSG_HDRLEN);
	assert_int_equal(nlmsg_hdr(dump)->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	/* Room for a whole FPMSG_MAX_SIZE message and not a byte more. */
	assert_non_null(nla_reserve(dump, FPA_FRAME, FPMSG_MAX_SIZE - NLMSG_HDRLEN - NLA_HDRLEN));
	assert_null(nla_reserve(req, FPA_FRAME, FPMSG_MAX_SIZE - NLMSG_HDRLEN - NLA_HDRLEN + 1));
	nlmsg_free(req);
	nlmsg_free(dump);
}

/* --- the boundary: fpmsg_parse ------------------------------------------ */

static void test_parse_truncated_header(void **state)
{
	struct nl_msg *msg = fpmsg_new(FPMSG_COMMIT, 0, 1);
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh = (void *)1;
	uint8_t *buf = exact_copy(nlmsg_hdr(msg), 10, 10);

	(void)state;
	assert_int_equal(fpmsg_parse(buf, 10, &nlh, tb, errbuf, sizeof(errbuf)), -EBADMSG);
	assert_null(nlh);
	assert_non_null(strstr(errbuf, "shorter than a netlink header"));
	assert_int_equal(fpmsg_parse(buf, 0, &nlh, tb, errbuf, sizeof(errbuf)), -EBADMSG);
	free(buf);
	nlmsg_free(msg);
}

static void test_parse_len_beyond_datagram(void **state)
{
	struct nl_msg *msg = fpmsg_new(FPMSG_COMMIT, 0, 1);
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	uint8_t *buf;

	(void)state;
	nla_put_u64(msg, FPA_GENERATION, 5);
	buf = exact_copy(nlmsg_hdr(msg), 24, 24);    /* the datagram lost its last 4 bytes */
	assert_int_equal(fpmsg_parse(buf, 24, &nlh, tb, errbuf, sizeof(errbuf)), -EBADMSG);
	assert_string_equal(errbuf, "nlmsg_len 28 > datagram length 24");
	free(buf);

	/* ... and bytes after the message are refused too: one per datagram. */
	buf = exact_copy(nlmsg_hdr(msg), 28, 32);
	assert_int_equal(fpmsg_parse(buf, 32, &nlh, tb, errbuf, sizeof(errbuf)), -EBADMSG);
	assert_non_null(strstr(errbuf, "4 bytes after the message"));
	free(buf);

	/* A missing pad after the last attribute is fine. */
	nla_put_u8(msg, FPA_DEFAULT_ACTION, 1);
	buf = exact_copy(nlmsg_hdr(msg), 33, 33);
	((struct nlmsghdr *)buf)->nlmsg_len = 33;
	assert_int_equal(fpmsg_parse(buf, 33, &nlh, tb, errbuf, sizeof(errbuf)), 0);
	assert_non_null(tb[FPA_DEFAULT_ACTION]);
	assert_int_equal(nla_get_u8(tb[FPA_DEFAULT_ACTION]), 1);
	free(buf);
	nlmsg_free(msg);
}

static void test_parse_len_below_header(void **state)
{
	struct nl_msg *msg = fpmsg_new(FPMSG_COMMIT, 0, 1);
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	uint8_t *buf = exact_copy(nlmsg_hdr(msg), 16, 16);

	(void)state;
	((struct nlmsghdr *)buf)->nlmsg_len = 15;
	assert_int_equal(fpmsg_parse(buf, 16, &nlh, tb, errbuf, sizeof(errbuf)), -EBADMSG);
	assert_string_equal(errbuf, "nlmsg_len 15 < 16");
	((struct nlmsghdr *)buf)->nlmsg_len = 0;
	assert_int_equal(fpmsg_parse(buf, 16, &nlh, tb, errbuf, sizeof(errbuf)), -EBADMSG);
	((struct nlmsghdr *)buf)->nlmsg_len = 16;
	assert_int_equal(fpmsg_parse(buf, 16, &nlh, tb, errbuf, sizeof(errbuf)), 0);
	assert_ptr_equal(nlh, buf);
	free(buf);
	nlmsg_free(msg);
}

static void test_parse_unknown_type(void **state)
{
	static const uint16_t bad[] = { 0, NLMSG_NOOP, NLMSG_OVERRUN, 5, 15, FPMSG__MAX, 0xffff };
	static const uint16_t good[] = { NLMSG_DONE, FPMSG_HELLO, FPMSG_ROLE_ACL_CLEAR };
	struct nlmsghdr hdr = { .nlmsg_len = 16 };
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hdr.nlmsg_type = bad[i];
		assert_int_equal(fpmsg_parse(&hdr, 16, &nlh, tb, errbuf, sizeof(errbuf)),
				 -EOPNOTSUPP);
		assert_non_null(strstr(errbuf, "unknown message type"));
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		hdr.nlmsg_type = good[i];
		assert_int_equal(fpmsg_parse(&hdr, 16, &nlh, tb, errbuf, sizeof(errbuf)), 0);
	}
}

static void test_parse_wrong_length(void **state)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	struct nl_msg *msg;
	uint8_t *copy, byte = 1;

	(void)state;
	msg = fpmsg_new(FPMSG_ROLE_ACL_SET, 0, 1);
	nla_put(msg, FPA_ROLE, 1, &byte);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), -EINVAL);
	assert_string_equal(errbuf, "ROLE_ACL_SET: attribute FPA_ROLE: length 1, expected 2");
	assert_null(tb[FPA_ROLE]);
	free(copy);
	nlmsg_free(msg);

	/* libnl alone would take a u16 of 4 bytes; the policy's maxlen does not. */
	msg = fpmsg_new(FPMSG_ROLE_ACL_SET, 0, 1);
	nla_put_u32(msg, FPA_ROLE, 7);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), -EINVAL);
	assert_string_equal(errbuf, "ROLE_ACL_SET: attribute FPA_ROLE: length 4, expected 2");
	free(copy);
	nlmsg_free(msg);

	msg = fpmsg_new(FPMSG_PKT_TX, 0, 1);
	nla_put_u16(msg, FPA_PORT, 0);
	nla_put(msg, FPA_FRAME, 13, "0123456789abc");
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), -EINVAL);
	assert_string_equal(errbuf, "PKT_TX: attribute FPA_FRAME: length 13, expected 14..9216");
	free(copy);
	nlmsg_free(msg);
}

static void test_parse_mac_wrong_length(void **state)
{
	struct nlattr *tb[FPA_MAX + 1], *nest;
	struct fpmsg_device d;
	struct nlmsghdr *nlh;
	struct nl_msg *msg;
	uint8_t *copy;

	(void)state;
	for (int len = 5; len <= 7; len += 2) {
		char want[64];

		msg = fpmsg_new(FPMSG_DEVICE_SET, 0, 1);
		nest = nla_nest_start(msg, FPA_DEVICE);
		nla_put(msg, FPA_DEV_MAC, len, "\x01\x02\x03\x04\x05\x06\x07");
		nla_nest_end(msg, nest);
		assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
		assert_int_equal(fpmsg_get_device(tb[FPA_DEVICE], &d, errbuf, sizeof(errbuf)),
				 -EINVAL);
		snprintf(want, sizeof(want), "nested FPA_DEV_MAC: length %d, expected 6", len);
		assert_string_equal(errbuf, want);
		free(copy);
		nlmsg_free(msg);
	}
}

static void test_parse_strings(void **state)
{
	char longname[FPMSG_NAME_MAX + 1];
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	struct nl_msg *msg;
	uint8_t *copy;

	(void)state;
	msg = fpmsg_new(FPMSG_HELLO, 0, 1);
	nla_put(msg, FPA_CLIENT, 5, "fpctl");          /* no NUL */
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), -EINVAL);
	assert_string_equal(errbuf, "HELLO: attribute FPA_CLIENT: string not NUL-terminated");
	free(copy);
	nlmsg_free(msg);

	msg = fpmsg_new(FPMSG_HELLO, 0, 1);
	nla_put(msg, FPA_CLIENT, 0, NULL);             /* not even a NUL */
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), -EINVAL);
	assert_string_equal(errbuf, "HELLO: attribute FPA_CLIENT: length 0, expected 1..64");
	free(copy);
	nlmsg_free(msg);

	msg = fpmsg_new(FPMSG_HELLO, 0, 1);
	memset(longname, 'a', FPMSG_NAME_MAX);
	longname[FPMSG_NAME_MAX] = '\0';
	nla_put_string(msg, FPA_CLIENT, longname);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), -EINVAL);
	assert_string_equal(errbuf, "HELLO: attribute FPA_CLIENT: length 65, expected 1..64");
	free(copy);
	nlmsg_free(msg);

	msg = fpmsg_new(FPMSG_HELLO, 0, 1);
	longname[FPMSG_NAME_MAX - 1] = '\0';
	nla_put_string(msg, FPA_CLIENT, longname);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	assert_int_equal(strlen(nla_get_string(tb[FPA_CLIENT])), FPMSG_NAME_MAX - 1);
	free(copy);
	nlmsg_free(msg);
}

static void test_parse_overrun(void **state)
{
	struct nlattr *tb[FPA_MAX + 1], *nest, *mac;
	struct fpmsg_device dev = { .mac = { 1, 2, 3, 4, 5, 6 } }, out;
	struct nl_msg *msg = fpmsg_new(FPMSG_DEVICE_SET, 0, 1);
	struct nlmsghdr *nlh;
	uint8_t *copy;

	(void)state;
	fpmsg_put_device(msg, &dev);
	fpmsg_put_device(msg, &dev);

	/* Inside a nest: the MAC claims more bytes than its nest holds. */
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	nest = nth_attr(nlh, 0, FPA_DEVICE, 0);
	mac = nla_data(nest);
	mac->nla_len = 48;
	assert_int_equal(fpmsg_get_device(nest, &out, errbuf, sizeof(errbuf)), -EINVAL);
	assert_string_equal(errbuf, "nested FPA_DEV_MAC of length 48 overruns the nest (36 bytes left)");
	/* A header shorter than itself. */
	mac->nla_len = 2;
	assert_int_equal(fpmsg_get_device(nest, &out, errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "attribute header with length 2 < 4"));
	free(copy);

	/* At the top: the second nest runs past the end of the message. */
	copy = exact_copy(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len, nlmsg_hdr(msg)->nlmsg_len);
	nlh = (struct nlmsghdr *)copy;
	nth_attr(nlh, 0, FPA_DEVICE, 1)->nla_len += 4;
	assert_int_equal(fpmsg_parse(copy, nlh->nlmsg_len, &nlh, tb, errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_string_equal(errbuf, "DEVICE_SET: attribute FPA_DEVICE of length 44 overruns the message (40 bytes left)");
	assert_null(tb[FPA_DEVICE]);
	free(copy);

	/* Stray bytes after the last attribute. */
	copy = exact_copy(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len, nlmsg_hdr(msg)->nlmsg_len + 2);
	((struct nlmsghdr *)copy)->nlmsg_len += 2;
	assert_int_equal(fpmsg_parse(copy, nlmsg_hdr(msg)->nlmsg_len + 2, &nlh, tb, errbuf,
				     sizeof(errbuf)), -EINVAL);
	assert_string_equal(errbuf, "DEVICE_SET: 2 stray bytes after the last attribute in the message");
	free(copy);
	nlmsg_free(msg);
}

static void test_parse_error_too_short(void **state)
{
	struct nlmsghdr hdr[3] = { { .nlmsg_len = 32, .nlmsg_type = NLMSG_ERROR } };
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;

	(void)state;
	assert_int_equal(fpmsg_parse(hdr, 32, &nlh, tb, errbuf, sizeof(errbuf)), -EBADMSG);
	assert_string_equal(errbuf, "NLMSG_ERROR: payload of 16 bytes, shorter than struct nlmsgerr (20)");
	assert_int_equal(fpmsg_error_code(hdr, NULL, 0), -EBADMSG);
	hdr[0].nlmsg_len = 36;
	assert_int_equal(fpmsg_parse(hdr, 36, &nlh, tb, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(fpmsg_error_code(hdr, NULL, 0), 0);
}

/* --- the getters' own checks -------------------------------------------- */

struct attr_spec {
	int type;
	int len;            /* 0: end of list */
	const void *data;
};

/* A one-nest message of `type` holding the listed attributes; returns the nest. */
static struct nlattr *one_nest(int msgtype, int nesttype, const struct attr_spec *attrs,
			       uint8_t **copy)
{
	struct nl_msg *msg = fpmsg_new(msgtype, 0, 1);
	struct nlattr *tb[FPA_MAX + 1], *nest = nla_nest_start(msg, nesttype);
	struct nlmsghdr *nlh;

	for (; attrs->len; attrs++)
		assert_int_equal(nla_put(msg, attrs->type, attrs->len, attrs->data), 0);
	nla_nest_end_keep_empty(msg, nest);
	assert_int_equal(parse_msg(msg, copy, &nlh, tb), 0);
	nlmsg_free(msg);
	assert_non_null(tb[nesttype]);
	return tb[nesttype];
}

static void expect_rule_error(const struct attr_spec *attrs, const char *want)
{
	struct fpmsg_rule r;
	uint8_t *copy;
	struct nlattr *nest = one_nest(FPMSG_ROLE_ACL_SET, FPA_RULE, attrs, &copy);

	errbuf[0] = '\0';
	assert_int_equal(fpmsg_get_rule(nest, &r, errbuf, sizeof(errbuf)), -EINVAL);
	assert_string_equal(errbuf, want);
	free(copy);
}

static void test_rule_refusals(void **state)
{
	uint32_t a4 = htonl(0x0a000000);
	uint8_t a6[16] = { 0x20, 0x01 }, permit = 1, two = 2, p33 = 33, p129 = 129;
	uint16_t lo = 90, hi = 80;

	(void)state;
	expect_rule_error((struct attr_spec[]){ { FPA_RULE_ADDR4, 4, &a4 },
		{ FPA_RULE_PLEN, 1, &p33 }, { FPA_RULE_ACTION, 1, &permit }, { 0, 0, NULL } },
		"prefix length 33 > 32");
	expect_rule_error((struct attr_spec[]){ { FPA_RULE_ADDR6, 16, a6 },
		{ FPA_RULE_PLEN, 1, &p129 }, { FPA_RULE_ACTION, 1, &permit }, { 0, 0, NULL } },
		"prefix length 129 > 128");
	expect_rule_error((struct attr_spec[]){ { FPA_RULE_PORT_LO, 2, &lo },
		{ FPA_RULE_PORT_HI, 2, &hi }, { FPA_RULE_ACTION, 1, &permit }, { 0, 0, NULL } },
		"port range 90-80: low > high");
	expect_rule_error((struct attr_spec[]){ { FPA_RULE_ADDR4, 4, &a4 },
		{ FPA_RULE_ADDR6, 16, a6 }, { FPA_RULE_ACTION, 1, &permit }, { 0, 0, NULL } },
		"both FPA_RULE_ADDR4 and FPA_RULE_ADDR6");
	expect_rule_error((struct attr_spec[]){ { FPA_RULE_ADDR4, 4, &a4 }, { 0, 0, NULL } },
		"nested FPA_RULE_ACTION missing");
	expect_rule_error((struct attr_spec[]){ { FPA_RULE_ACTION, 1, &two }, { 0, 0, NULL } },
		"FPA_RULE_ACTION 2 unknown (0 deny, 1 permit)");
	expect_rule_error((struct attr_spec[]){ { FPA_RULE_PLEN, 1, &p33 },
		{ FPA_RULE_ACTION, 1, &permit }, { 0, 0, NULL } },
		"FPA_RULE_PLEN without an address");
	expect_rule_error((struct attr_spec[]){ { FPA_RULE_ADDR6, 4, a6 },
		{ FPA_RULE_ACTION, 1, &permit }, { 0, 0, NULL } },
		"nested FPA_RULE_ADDR6: length 4, expected 16");
}

static void test_rule_port_lo_only(void **state)
{
	uint16_t lo = 1024;
	uint8_t permit = 1;
	struct fpmsg_rule r;
	uint8_t *copy;
	struct nlattr *nest = one_nest(FPMSG_ROLE_ACL_SET, FPA_RULE, (struct attr_spec[]){
		{ FPA_RULE_PORT_LO, 2, &lo }, { FPA_RULE_ACTION, 1, &permit }, { 0, 0, NULL } },
		&copy);

	(void)state;
	assert_int_equal(fpmsg_get_rule(nest, &r, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(r.port_lo, 1024);
	assert_int_equal(r.port_hi, 65535);
	assert_int_equal(r.id, 0);
	free(copy);
}

static void expect_device_error(const struct attr_spec *attrs, const char *want)
{
	struct fpmsg_device d;
	uint8_t *copy;
	struct nlattr *nest = one_nest(FPMSG_DEVICE_SET, FPA_DEVICE, attrs, &copy);

	errbuf[0] = '\0';
	assert_int_equal(fpmsg_get_device(nest, &d, errbuf, sizeof(errbuf)), -EINVAL);
	assert_string_equal(errbuf, want);
	free(copy);
}

static void test_device_refusals(void **state)
{
	uint8_t mac[6] = { 1, 2, 3, 4, 5, 6 }, st4 = DEV_STATE__MAX, st3 = DEV_BLOCKED;
	uint16_t role = FPMSG_MAX_ROLES;

	(void)state;
	expect_device_error((struct attr_spec[]){ { FPA_DEV_STATE, 1, &st3 }, { 0, 0, NULL } },
		"nested FPA_DEV_MAC missing");
	expect_device_error((struct attr_spec[]){ { FPA_DEV_MAC, 6, mac },
		{ FPA_DEV_STATE, 1, &st4 }, { 0, 0, NULL } },
		"FPA_DEV_STATE 4 out of range (0..3)");
	expect_device_error((struct attr_spec[]){ { FPA_DEV_MAC, 6, mac },
		{ FPA_DEV_ROLE, 2, &role }, { 0, 0, NULL } },
		"FPA_DEV_ROLE 1024 out of range (0..1023)");
	expect_device_error((struct attr_spec[]){ { 0, 0, NULL } }, "nested FPA_DEV_MAC missing");
	assert_int_equal(fpmsg_get_device(NULL, &(struct fpmsg_device){ 0 }, errbuf,
					  sizeof(errbuf)), -EINVAL);
}

static void expect_prefix_error(const struct attr_spec *attrs, const char *want)
{
	struct fpmsg_prefix p;
	uint8_t *copy;
	struct nlattr *nest = one_nest(FPMSG_BLOCKLIST_SET, FPA_PREFIX, attrs, &copy);

	errbuf[0] = '\0';
	assert_int_equal(fpmsg_get_prefix(nest, &p, errbuf, sizeof(errbuf)), -EINVAL);
	assert_string_equal(errbuf, want);
	free(copy);
}

static void test_prefix_refusals(void **state)
{
	uint32_t a4 = htonl(0x0a000000);
	uint8_t a6[16] = { 0x20, 0x01 }, p8 = 8, p33 = 33;

	(void)state;
	expect_prefix_error((struct attr_spec[]){ { FPA_PFX_PLEN, 1, &p8 }, { 0, 0, NULL } },
		"nested FPA_PFX_ADDR4 or FPA_PFX_ADDR6 missing");
	expect_prefix_error((struct attr_spec[]){ { FPA_PFX_ADDR4, 4, &a4 },
		{ FPA_PFX_ADDR6, 16, a6 }, { FPA_PFX_PLEN, 1, &p8 }, { 0, 0, NULL } },
		"both FPA_PFX_ADDR4 and FPA_PFX_ADDR6");
	expect_prefix_error((struct attr_spec[]){ { FPA_PFX_ADDR4, 4, &a4 }, { 0, 0, NULL } },
		"nested FPA_PFX_PLEN missing");
	expect_prefix_error((struct attr_spec[]){ { FPA_PFX_ADDR4, 4, &a4 },
		{ FPA_PFX_PLEN, 1, &p33 }, { 0, 0, NULL } }, "prefix length 33 > 32");
}

static void test_counter_port_refusals(void **state)
{
	uint64_t v = 1;
	uint8_t two = 2;
	uint16_t idx = 0;
	char name[FPMSG_CTR_NAME_MAX];
	struct fpmsg_port_info port;
	uint8_t *copy;
	struct nlattr *nest;

	(void)state;
	nest = one_nest(FPMSG_STATS, FPA_COUNTER, (struct attr_spec[]){
		{ FPA_CTR_VALUE, 8, &v }, { 0, 0, NULL } }, &copy);
	assert_int_equal(fpmsg_get_counter(nest, name, &v, errbuf, sizeof(errbuf)), -EINVAL);
	assert_string_equal(errbuf, "nested FPA_CTR_NAME missing");
	free(copy);
	nest = one_nest(FPMSG_HELLO, FPA_PORT_INFO, (struct attr_spec[]){
		{ FPA_PORTI_INDEX, 2, &idx }, { FPA_PORTI_ROLE, 1, &two }, { 0, 0, NULL } }, &copy);
	assert_int_equal(fpmsg_get_port_info(nest, &port, errbuf, sizeof(errbuf)), -EINVAL);
	assert_string_equal(errbuf, "FPA_PORTI_ROLE 2 unknown (0 lan, 1 uplink)");
	free(copy);
	nest = one_nest(FPMSG_HELLO, FPA_PORT_INFO, (struct attr_spec[]){
		{ FPA_PORTI_ROLE, 1, &two }, { 0, 0, NULL } }, &copy);
	assert_int_equal(fpmsg_get_port_info(nest, &port, errbuf, sizeof(errbuf)), -EINVAL);
	assert_string_equal(errbuf, "nested FPA_PORTI_INDEX missing");
	free(copy);
}

/* --- errors ------------------------------------------------------------- */

static void test_error_roundtrip(void **state)
{
	struct nl_msg *req = fpmsg_new(FPMSG_DEVICE_SET, 0, 4242), *ans;
	struct nlattr *tb[FPA_MAX + 1];
	const struct nlmsgerr *e;
	char text[FPMSG_TEXT_MAX + 10], *longtext;
	struct nlmsghdr *nlh;
	uint8_t *copy;

	(void)state;
	nlmsg_hdr(req)->nlmsg_pid = 77;
	ans = fpmsg_new_error(nlmsg_hdr(req), -EINVAL,
			      "DEVICE_SET: attribute FPA_DEVICE: nested FPA_DEV_MAC missing");
	assert_non_null(ans);
	assert_int_equal(parse_msg(ans, &copy, &nlh, tb), 0);
	assert_int_equal(nlh->nlmsg_type, NLMSG_ERROR);
	assert_int_equal(nlh->nlmsg_seq, 4242);
	assert_int_equal(nlh->nlmsg_pid, 77);
	e = nlmsg_data(nlh);
	assert_int_equal(e->msg.nlmsg_type, FPMSG_DEVICE_SET);
	assert_int_equal(e->msg.nlmsg_seq, 4242);
	assert_non_null(tb[FPA_ERR_MSG]);
	assert_int_equal(fpmsg_error_code(nlh, text, sizeof(text)), -EINVAL);
	assert_string_equal(text, "DEVICE_SET: attribute FPA_DEVICE: nested FPA_DEV_MAC missing");
	/* A short buffer gets a terminated prefix. */
	assert_int_equal(fpmsg_error_code(nlh, text, 11), -EINVAL);
	assert_string_equal(text, "DEVICE_SET");
	free(copy);
	nlmsg_free(ans);

	/* An ack: error 0, no text. */
	ans = fpmsg_new_error(nlmsg_hdr(req), 0, NULL);
	assert_int_equal(parse_msg(ans, &copy, &nlh, tb), 0);
	assert_null(tb[FPA_ERR_MSG]);
	strcpy(text, "stale");
	assert_int_equal(fpmsg_error_code(nlh, text, sizeof(text)), 0);
	assert_string_equal(text, "");
	free(copy);
	nlmsg_free(ans);

	/* Text longer than the policy takes is cut, and still parses. */
	longtext = malloc(3000);
	memset(longtext, 'e', 2999);
	longtext[2999] = '\0';
	ans = fpmsg_new_error(nlmsg_hdr(req), ENOSPC, longtext);
	assert_int_equal(parse_msg(ans, &copy, &nlh, tb), 0);
	assert_int_equal(fpmsg_error_code(nlh, text, sizeof(text)), -ENOSPC);
	assert_int_equal(strlen(text), FPMSG_TEXT_MAX - 1);
	free(copy);
	nlmsg_free(ans);
	free(longtext);

	/* A peer's positive code does not pass as errno. */
	ans = fpmsg_new_error(nlmsg_hdr(req), 0, NULL);
	((struct nlmsgerr *)nlmsg_data(nlmsg_hdr(ans)))->error = 5;
	assert_int_equal(fpmsg_error_code(nlmsg_hdr(ans), NULL, 0), -EPROTO);
	((struct nlmsgerr *)nlmsg_data(nlmsg_hdr(ans)))->error = INT32_MIN;
	assert_int_equal(fpmsg_error_code(nlmsg_hdr(ans), NULL, 0), -EPROTO);
	nlmsg_free(ans);
	/* Not an error message at all. */
	assert_int_equal(fpmsg_error_code(nlmsg_hdr(req), text, sizeof(text)), -EBADMSG);
	nlmsg_free(req);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(fpmsg_type_name(FPMSG_HELLO), "HELLO");
	assert_string_equal(fpmsg_type_name(FPMSG_DEVICE_SET), "DEVICE_SET");
	assert_string_equal(fpmsg_type_name(FPMSG_ROLE_ACL_CLEAR), "ROLE_ACL_CLEAR");
	assert_string_equal(fpmsg_type_name(NLMSG_ERROR), "NLMSG_ERROR");
	assert_string_equal(fpmsg_type_name(FPMSG__MAX), "UNKNOWN");
	assert_string_equal(fpmsg_type_name(-1), "UNKNOWN");
	assert_string_equal(fpmsg_type_name(7), "UNKNOWN");
	for (int t = FPMSG_HELLO; t < FPMSG__MAX; t++)
		assert_string_not_equal(fpmsg_type_name(t), "UNKNOWN");
}

/* --- MAC text ----------------------------------------------------------- */

static void test_mac_text(void **state)
{
	static const char *const bad[] = {
		"", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa:bb:cc:dd:ee:f",
		"aa-bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee-ff", "aabb.ccdd.eeff", "aa:bb:cc:dd:ee:fg",
		" aa:bb:cc:dd:ee:f", "aa:bb:cc:dd:ee:ff ", "aa.bb.cc.dd.ee.ff", "a:bb:cc:dd:ee:fff",
		"+a:bb:cc:dd:ee:ff", "aabbccddeeff",
	};
	uint8_t mac[6], keep[6] = { 9, 9, 9, 9, 9, 9 };
	char text[18];

	(void)state;
	assert_int_equal(fpmsg_mac_parse("aa:bb:cc:dd:ee:ff", mac), 0);
	assert_memory_equal(mac, "\xaa\xbb\xcc\xdd\xee\xff", 6);
	assert_int_equal(fpmsg_mac_parse("00-1B-2c-3D-4e-5F", mac), 0);
	assert_memory_equal(mac, "\x00\x1b\x2c\x3d\x4e\x5f", 6);
	fpmsg_mac_format(mac, text);
	assert_string_equal(text, "00:1b:2c:3d:4e:5f");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(mac, keep, 6);
		assert_int_equal(fpmsg_mac_parse(bad[i], mac), -EINVAL);
		assert_memory_equal(mac, keep, 6);
	}
	assert_int_equal(fpmsg_mac_parse(NULL, mac), -EINVAL);
}

/* --- fpctl: command encoding -------------------------------------------- */

/* Encode a command given as one string; returns fpctl_encode's result. */
static int encode(const char *line, struct fpctl_request *req)
{
	static char buf[4096];
	char *argv[FPCTL_MAX_WORDS];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = fpctl_split(buf, argv, FPCTL_MAX_WORDS);
	assert_true(argc >= 0);
	errbuf[0] = '\0';
	return fpctl_encode(argc, argv, req, errbuf, sizeof(errbuf));
}

/* Validate request message i the way the fast path would. */
static struct nlmsghdr *request_msg(struct fpctl_request *req, size_t i, uint8_t **copy,
				    struct nlattr *tb[FPA_MAX + 1])
{
	struct nlmsghdr *nlh;

	assert_true(i < req->nmsgs);
	assert_int_equal(parse_msg(req->msgs[i], copy, &nlh, tb), 0);
	return nlh;
}

static void test_fpctl_device_set(void **state)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct fpctl_request req;
	struct fpmsg_device d;
	struct nlmsghdr *nlh;
	uint8_t *copy;

	(void)state;
	assert_int_equal(encode("device-set AA-BB-CC-00-11-22 quarantined role 12 flags 0x10", &req), 0);
	assert_int_equal(req.nmsgs, 1);
	assert_int_equal(req.answer, FPCTL_ANSWER_ACK);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_DEVICE_SET);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(count_attrs(nlh, FPA_DEVICE), 1);
	assert_int_equal(fpmsg_get_device(tb[FPA_DEVICE], &d, errbuf, sizeof(errbuf)), 0);
	assert_memory_equal(d.mac, "\xaa\xbb\xcc\x00\x11\x22", 6);
	assert_int_equal(d.state, DEV_QUARANTINED);
	assert_int_equal(d.role, 12);
	assert_int_equal(d.flags, 16);
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("device-del aa:bb:cc:00:11:22", &req), 0);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_DEVICE_DEL);
	assert_int_equal(fpmsg_get_device(tb[FPA_DEVICE], &d, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(d.mac[5], 0x22);
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("device-dump", &req), 0);
	assert_int_equal(req.answer, FPCTL_ANSWER_DUMP);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_DEVICE_DUMP);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	free(copy);
	fpctl_request_free(&req);
}

static void test_fpctl_acl_set(void **state)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct fpctl_request req;
	struct fpmsg_rule r;
	struct nlmsghdr *nlh;
	uint8_t *copy;

	(void)state;
	assert_int_equal(encode("acl-set 7 default deny"
				" rule permit proto udp to 192.0.2.53 port 53"
				" rule permit proto tcp to 2001:db8::/32 port 80-443 id 900"
				" rule deny proto 47"
				" rule permit to 10.0.0.0/8", &req), 0);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_ROLE_ACL_SET);
	assert_int_equal(nla_get_u16(tb[FPA_ROLE]), 7);
	assert_int_equal(nla_get_u8(tb[FPA_DEFAULT_ACTION]), FP_ACL_DENY);
	assert_int_equal(count_attrs(nlh, FPA_RULE), 4);

	assert_int_equal(fpmsg_get_rule(nth_attr(nlh, 0, FPA_RULE, 0), &r, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(r.id, 1);
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.family, 4);
	assert_int_equal(r.addr4, 0xc0000235);
	assert_int_equal(r.plen, 32);
	assert_int_equal(r.port_lo, 53);
	assert_int_equal(r.port_hi, 53);
	assert_int_equal(r.action, FP_ACL_PERMIT);

	assert_int_equal(fpmsg_get_rule(nth_attr(nlh, 0, FPA_RULE, 1), &r, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(r.id, 900);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.family, 6);
	assert_memory_equal(r.addr6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(r.plen, 32);
	assert_int_equal(r.port_lo, 80);
	assert_int_equal(r.port_hi, 443);

	assert_int_equal(fpmsg_get_rule(nth_attr(nlh, 0, FPA_RULE, 2), &r, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(r.id, 3);
	assert_int_equal(r.proto, 47);
	assert_int_equal(r.family, 0);
	assert_int_equal(r.port_lo, 0);
	assert_int_equal(r.port_hi, 65535);
	assert_int_equal(r.action, FP_ACL_DENY);

	assert_int_equal(fpmsg_get_rule(nth_attr(nlh, 0, FPA_RULE, 3), &r, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(r.id, 4);
	assert_int_equal(r.proto, 0);
	assert_int_equal(r.addr4, 0x0a000000);
	assert_int_equal(r.plen, 8);
	free(copy);
	fpctl_request_free(&req);

	/* No rules: only the default. */
	assert_int_equal(encode("acl-set 0 default permit", &req), 0);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nla_get_u8(tb[FPA_DEFAULT_ACTION]), FP_ACL_PERMIT);
	assert_null(tb[FPA_RULE]);
	free(copy);
	fpctl_request_free(&req);
}

static void test_fpctl_blocklist(void **state)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct fpctl_request req;
	struct fpmsg_prefix p;
	struct nlmsghdr *nlh;
	uint8_t *copy;

	(void)state;
	assert_int_equal(encode("blocklist-set replace 198.51.100.0/24=7 2001:db8::1", &req), 0);
	assert_int_equal(req.nmsgs, 1);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_BLOCKLIST_SET);
	assert_non_null(tb[FPA_FLAGS]);
	assert_int_equal(nla_get_u32(tb[FPA_FLAGS]), FPF_REPLACE);
	assert_int_equal(count_attrs(nlh, FPA_PREFIX), 2);
	assert_int_equal(fpmsg_get_prefix(nth_attr(nlh, 0, FPA_PREFIX, 0), &p, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.addr4, 0xc6336400);
	assert_int_equal(p.plen, 24);
	assert_int_equal(p.id, 7);
	assert_int_equal(fpmsg_get_prefix(nth_attr(nlh, 0, FPA_PREFIX, 1), &p, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.plen, 128);
	assert_int_equal(p.addr6[15], 1);
	assert_int_equal(p.id, 0);
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("blocklist-set 203.0.113.9", &req), 0);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_null(tb[FPA_FLAGS]);
	assert_int_equal(count_attrs(nlh, FPA_PREFIX), 1);
	free(copy);
	fpctl_request_free(&req);

	/* Replace with nothing clears: one message, the flag, no prefixes. */
	assert_int_equal(encode("blocklist-set replace", &req), 0);
	assert_int_equal(req.nmsgs, 1);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nla_get_u32(tb[FPA_FLAGS]), FPF_REPLACE);
	assert_null(tb[FPA_PREFIX]);
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("blocklist-set", &req), -EINVAL);
	assert_int_equal(encode("blocklist-set 10.0.0.0/33", &req), -EINVAL);
	assert_string_equal(errbuf, "bad prefix '10.0.0.0/33'");
	assert_int_equal(encode("blocklist-set 10.0.0.0/8=x", &req), -EINVAL);
	assert_int_equal(encode("blocklist-set 10.0.0/8", &req), -EINVAL);
}

static void test_fpctl_batches(void **state)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct fpctl_batch b;
	struct nl_msg *msgs[8];
	struct nlmsghdr *nlh;
	size_t n = 0;
	uint8_t *copy;
	int rc;

	(void)state;
	fpctl_batch_init(&b, FPMSG_BLOCKLIST_SET, FPCTL_PREFIXES_PER_MSG, FPF_REPLACE);
	for (uint32_t i = 0; i < 3001; i++) {
		struct fpmsg_prefix p = { .family = 6, .plen = 128, .id = i + 1 };

		p.addr6[0] = 0x20;
		memcpy(&p.addr6[12], &i, 4);
		while ((rc = fpctl_batch_add_prefix(&b, &p)) == 1) {
			assert_true(n < 8);
			msgs[n++] = fpctl_batch_take(&b);
		}
		assert_int_equal(rc, 0);
	}
	msgs[n++] = fpctl_batch_take(&b);
	assert_null(fpctl_batch_take(&b));
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		struct fpmsg_prefix p;

		nlh = NULL;
		assert_int_equal(parse_msg(msgs[i], &copy, &nlh, tb), 0);
		assert_true(nlh->nlmsg_len <= FPMSG_MAX_SIZE);
		assert_int_equal(count_attrs(nlh, FPA_PREFIX), i < 2 ? 1500 : 1);
		/* The replace flag goes with the first chunk only. */
		if (i == 0)
			assert_int_equal(nla_get_u32(tb[FPA_FLAGS]), FPF_REPLACE);
		else
			assert_null(tb[FPA_FLAGS]);
		assert_int_equal(fpmsg_get_prefix(nth_attr(nlh, 0, FPA_PREFIX, 0), &p, errbuf,
						  sizeof(errbuf)), 0);
		assert_int_equal(p.id, i * 1500 + 1);
		free(copy);
		nlmsg_free(msgs[i]);
	}
	fpctl_batch_free(&b);

	n = 0;
	fpctl_batch_init(&b, FPMSG_DEVICE_SET, FPCTL_DEVICES_PER_MSG, 0);
	for (uint32_t i = 0; i < 2500; i++) {
		struct fpmsg_device d = { .mac = { 2 }, .state = DEV_ADMITTED, .role = 5,
					  .flags = 0xffffffff };

		memcpy(&d.mac[2], &i, 4);
		while ((rc = fpctl_batch_add_device(&b, &d)) == 1)
			msgs[n++] = fpctl_batch_take(&b);
		assert_int_equal(rc, 0);
	}
	msgs[n++] = fpctl_batch_take(&b);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(parse_msg(msgs[i], &copy, &nlh, tb), 0);
		assert_int_equal(count_attrs(nlh, FPA_DEVICE), i < 2 ? 1000 : 500);
		assert_null(tb[FPA_FLAGS]);
		free(copy);
		nlmsg_free(msgs[i]);
	}
	fpctl_batch_free(&b);

	/* No items and no flags: nothing to send. */
	fpctl_batch_init(&b, FPMSG_DEVICE_SET, FPCTL_DEVICES_PER_MSG, 0);
	assert_null(fpctl_batch_take(&b));
	fpctl_batch_free(&b);
}

static void test_fpctl_other_commands(void **state)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct fpctl_request req;
	struct nlmsghdr *nlh;
	uint8_t *copy;

	(void)state;
	assert_int_equal(encode("commit 18446744073709551615", &req), 0);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_COMMIT);
	assert_true(nla_get_u64(tb[FPA_GENERATION]) == UINT64_MAX);
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("acl-clear", &req), 0);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_ROLE_ACL_CLEAR);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN);
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("stats drop.", &req), 0);
	assert_int_equal(req.answer, FPCTL_ANSWER_STATS);
	assert_string_equal(req.pattern, "drop.");
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_STATS);
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("tx 1 ff:ff:ff:ff:ff:ff:02:00:00:00:00:01:88:8e00", &req), 0);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_PKT_TX);
	assert_int_equal(nla_get_u16(tb[FPA_PORT]), 1);
	assert_int_equal(nla_len(tb[FPA_FRAME]), 15);
	assert_memory_equal(nla_data(tb[FPA_FRAME]),
			    "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x88\x8e\x00", 15);
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("capture 0 100 /tmp/lan.pcap tcp port 80 and host 10.0.0.1", &req), 0);
	assert_true(req.capture);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_CAPTURE);
	assert_int_equal(nla_get_u16(tb[FPA_PORT]), 0);
	assert_int_equal(nla_get_u32(tb[FPA_COUNT]), 100);
	assert_string_equal(nla_get_string(tb[FPA_PATH]), "/tmp/lan.pcap");
	assert_string_equal(nla_get_string(tb[FPA_FILTER]), "tcp port 80 and host 10.0.0.1");
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("capture 1 5 /tmp/up.pcap", &req), 0);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_null(tb[FPA_FILTER]);
	free(copy);
	fpctl_request_free(&req);

	assert_int_equal(encode("hello", &req), 0);
	assert_int_equal(req.answer, FPCTL_ANSWER_HELLO);
	nlh = request_msg(&req, 0, &copy, tb);
	assert_int_equal(nlh->nlmsg_type, FPMSG_HELLO);
	assert_int_equal(nla_get_u32(tb[FPA_VERSION]), FPMSG_VERSION);
	assert_string_equal(nla_get_string(tb[FPA_CLIENT]), "fpctl");
	assert_int_equal(nla_get_u32(tb[FPA_SUBSCRIBE]), 0);
	free(copy);
	fpctl_request_free(&req);
}

static void test_fpctl_refusals(void **state)
{
	static const struct { const char *line, *why; } bad[] = {
		{ "frobnicate", "unknown command 'frobnicate'" },
		{ "device-set aa:bb:cc:dd:ee:ff online", "bad state 'online' (unknown, quarantined, admitted, blocked)" },
		{ "device-set aa:bb:cc:dd:ee:ff admitted role 1024", "bad role '1024' (0..1023)" },
		{ "device-set aa:bb:cc:dd:ee:ff admitted role", "'role' needs a value" },
		{ "device-set aa:bb:cc:dd:ee:ff admitted role 1 role 2", "unexpected 'role'" },
		{ "device-set aa:bb:cc:dd:ee admitted", "bad MAC 'aa:bb:cc:dd:ee'" },
		{ "device-del", "usage: device-del MAC" },
		{ "acl-set 1 default maybe", "bad default 'maybe' (permit or deny)" },
		{ "acl-set 1 default deny rule", "rule 1: expected permit or deny after 'rule'" },
		{ "acl-set 1 default deny rule permit proto gre", "rule 1: bad proto 'gre'" },
		{ "acl-set 1 default deny rule permit rule deny proto 256", "rule 2: bad proto '256'" },
		{ "acl-set 1 default deny rule permit to 10.0.0.1/33", "rule 1: bad address '10.0.0.1/33'" },
		{ "acl-set 1 default deny rule permit port 443-80", "rule 1: port range '443-80': low > high" },
		{ "acl-set 1 default deny rule permit port 65536", "rule 1: bad port '65536'" },
		{ "acl-set 1 default deny permit", "unexpected 'permit' (expected 'rule')" },
		{ "acl-set 1024 default deny", "bad role '1024' (0..1023)" },
		{ "commit -1", "usage: commit GENERATION" },
		{ "commit 18446744073709551616", "usage: commit GENERATION" },
		{ "tx 0 0011223344556677889900aabb", "frame of 13 bytes is shorter than an Ethernet header" },
		{ "tx 0 0011223344556677889900aabbc", "bad frame: expected hex bytes, at most 9216" },
		{ "tx 0 :0011223344556677889900aabbcc", "bad frame: expected hex bytes, at most 9216" },
		{ "tx 0 00::11223344556677889900aabbcc", "bad frame: expected hex bytes, at most 9216" },
		{ "capture 0 x /tmp/a", "bad count 'x'" },
		{ "stats a b", "usage: stats [PATTERN]" },
	};
	struct fpctl_request req;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(encode(bad[i].line, &req), -EINVAL);
		assert_string_equal(errbuf, bad[i].why);
		assert_int_equal(req.nmsgs, 0);
		assert_null(req.msgs);
	}
}

static void test_fpctl_split_and_listen(void **state)
{
	char line[] = "  capture 0 10 \"/tmp/a b.pcap\"\ttcp # a comment\n";
	char line2[] = "  capture 0 \"/tmp/a b.pcap\"\ttcp # a comment\n";
	char quote[] = "tx \"open";
	char many[] = "a b c d";
	char blank[] = "   # only a comment\n";
	char *argv[4];
	unsigned long count;
	int timeout;

	(void)state;
	assert_int_equal(fpctl_split(line, argv, 4), -E2BIG);
	assert_int_equal(fpctl_split(many, argv, 4), 4);
	assert_string_equal(argv[3], "d");
	assert_int_equal(fpctl_split(quote, argv, 4), -EINVAL);
	assert_int_equal(fpctl_split(blank, argv, 4), 0);
	assert_int_equal(fpctl_split(line2, argv, 4), 4);
	assert_string_equal(argv[0], "capture");
	assert_string_equal(argv[2], "/tmp/a b.pcap");
	assert_string_equal(argv[3], "tcp");

	assert_int_equal(fpctl_parse_listen(0, NULL, &count, &timeout, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(count, 0);
	assert_int_equal(timeout, -1);
	assert_int_equal(fpctl_parse_listen(4, (char *[]){ "count", "3", "timeout", "10" },
					    &count, &timeout, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(count, 3);
	assert_int_equal(timeout, 10);
	assert_int_equal(fpctl_parse_listen(2, (char *[]){ "count", "0" }, &count, &timeout,
					    errbuf, sizeof(errbuf)), -EINVAL);
	assert_int_equal(fpctl_parse_listen(1, (char *[]){ "timeout" }, &count, &timeout,
					    errbuf, sizeof(errbuf)), -EINVAL);
	assert_int_equal(fpctl_parse_listen(2, (char *[]){ "forever", "1" }, &count, &timeout,
					    errbuf, sizeof(errbuf)), -EINVAL);
}

/* --- fpctl: answers as text --------------------------------------------- */

static void test_fpctl_print(void **state)
{
	struct fpmsg_device d = { .mac = { 0x02, 0, 0, 0, 0, 0x0a }, .state = DEV_BLOCKED,
				  .role = 3, .flags = 9, .port = 1, .pkts = 10, .bytes = 1500,
				  .drops = 2 };
	struct fpmsg_port_info lan = { .index = 0, .name = "lan0", .mac = { 0x02, 0, 0, 0, 0, 1 },
				       .link = 1 };
	struct fpmsg_port_info up = { .index = 1, .name = "uplink0", .role = 1,
				      .mac = { 0x02, 0, 0, 0, 0, 2 } };
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	struct nl_msg *msg;
	char *out = NULL;
	size_t outlen;
	uint8_t *copy;
	FILE *f;

	(void)state;
	msg = fpmsg_new(FPMSG_DEVICE_SET, NLM_F_MULTI, 5);
	fpmsg_put_device(msg, &d);
	d.state = DEV_ADMITTED;
	d.pkts = d.bytes = d.drops = 0;
	d.port = 0;
	fpmsg_put_device(msg, &d);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	f = open_memstream(&out, &outlen);
	assert_int_equal(fpctl_print_devices(f, nlh, errbuf, sizeof(errbuf)), 0);
	fclose(f);
	assert_string_equal(out,
		"02:00:00:00:00:0a blocked role 3 flags 9 port 1 pkts 10 bytes 1500 drops 2\n"
		"02:00:00:00:00:0a admitted role 3 flags 9 port 0 pkts 0 bytes 0 drops 0\n");
	free(out);
	free(copy);
	nlmsg_free(msg);

	msg = fpmsg_new(FPMSG_HELLO, 0, 1);
	nla_put_u32(msg, FPA_VERSION, FPMSG_VERSION);
	nla_put_u64(msg, FPA_GENERATION, 42);
	fpmsg_put_port_info(msg, &lan);
	fpmsg_put_port_info(msg, &up);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	f = open_memstream(&out, &outlen);
	assert_int_equal(fpctl_print_hello(f, nlh, tb, errbuf, sizeof(errbuf)), 0);
	fclose(f);
	assert_string_equal(out, "version 1 generation 42\n"
				 "port 0 lan0 lan 02:00:00:00:00:01 up\n"
				 "port 1 uplink0 uplink 02:00:00:00:00:02 down\n");
	free(out);
	free(copy);
	nlmsg_free(msg);

	msg = fpmsg_new(FPMSG_STATS, 0, 1);
	fpmsg_put_counter(msg, "port.lan0.rx_pkts", 5);
	fpmsg_put_counter(msg, "drop.acl", 6);
	fpmsg_put_counter(msg, "drop.blocklist", 7);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	f = open_memstream(&out, &outlen);
	assert_int_equal(fpctl_print_counters(f, nlh, "drop.", errbuf, sizeof(errbuf)), 0);
	fclose(f);
	assert_string_equal(out, "drop.acl 6\ndrop.blocklist 7\n");
	free(out);
	f = open_memstream(&out, &outlen);
	assert_int_equal(fpctl_print_counters(f, nlh, NULL, errbuf, sizeof(errbuf)), 0);
	fclose(f);
	assert_string_equal(out, "port.lan0.rx_pkts 5\ndrop.acl 6\ndrop.blocklist 7\n");
	free(out);
	free(copy);
	nlmsg_free(msg);

	msg = fpmsg_new(FPMSG_PKT_PUNT, NLM_F_REQUEST, 0);
	nla_put_u16(msg, FPA_PORT, 0);
	nla_put_u8(msg, FPA_PUNT_REASON, PUNT_EAPOL);
	nla_put_u16(msg, FPA_VLAN, 0x2064);          /* PCP 1, VLAN 100 */
	nla_put(msg, FPA_FRAME, 14, "\x01\x80\xc2\x00\x00\x03\x02\x00\x00\x00\x00\x0a\x88\x8e");
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	f = open_memstream(&out, &outlen);
	fpctl_print_punt(f, tb);
	fclose(f);
	assert_string_equal(out, "punt port 0 reason eapol vlan 100 len 14 0180c200000302000000000a888e\n");
	free(out);
	free(copy);
	nlmsg_free(msg);

	msg = fpmsg_new(FPMSG_EVENT, 0, 0);
	nla_put_string(msg, FPA_EVENT_TEXT, "port lan0 down");
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	f = open_memstream(&out, &outlen);
	fpctl_print_event(f, tb);
	fclose(f);
	assert_string_equal(out, "event port lan0 down\n");
	free(out);
	free(copy);
	nlmsg_free(msg);

	/* A malformed device in a dump is reported, not printed. */
	msg = fpmsg_new(FPMSG_DEVICE_SET, NLM_F_MULTI, 5);
	d.state = 9;
	fpmsg_put_device(msg, &d);
	assert_int_equal(parse_msg(msg, &copy, &nlh, tb), 0);
	f = open_memstream(&out, &outlen);
	assert_int_equal(fpctl_print_devices(f, nlh, errbuf, sizeof(errbuf)), -EINVAL);
	fclose(f);
	assert_string_equal(out, "");
	assert_string_equal(errbuf, "DEVICE_SET: device 1: FPA_DEV_STATE 9 out of range (0..3)");
	free(out);
	free(copy);
	nlmsg_free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_roundtrip),
		cmocka_unit_test(test_device_defaults),
		cmocka_unit_test(test_rule_roundtrip),
		cmocka_unit_test(test_prefix_roundtrip),
		cmocka_unit_test(test_counter_and_port_roundtrip),
		cmocka_unit_test(test_new_flags),
		cmocka_unit_test(test_parse_truncated_header),
		cmocka_unit_test(test_parse_len_beyond_datagram),
		cmocka_unit_test(test_parse_len_below_header),
		cmocka_unit_test(test_parse_unknown_type),
		cmocka_unit_test(test_parse_wrong_length),
		cmocka_unit_test(test_parse_mac_wrong_length),
		cmocka_unit_test(test_parse_strings),
		cmocka_unit_test(test_parse_overrun),
		cmocka_unit_test(test_parse_error_too_short),
		cmocka_unit_test(test_rule_refusals),
		cmocka_unit_test(test_rule_port_lo_only),
		cmocka_unit_test(test_device_refusals),
		cmocka_unit_test(test_prefix_refusals),
		cmocka_unit_test(test_counter_port_refusals),
		cmocka_unit_test(test_error_roundtrip),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_mac_text),
		cmocka_unit_test(test_fpctl_device_set),
		cmocka_unit_test(test_fpctl_acl_set),
		cmocka_unit_test(test_fpctl_blocklist),
		cmocka_unit_test(test_fpctl_batches),
		cmocka_unit_test(test_fpctl_other_commands),
		cmocka_unit_test(test_fpctl_refusals),
		cmocka_unit_test(test_fpctl_split_and_listen),
		cmocka_unit_test(test_fpctl_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
