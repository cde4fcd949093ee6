/* dhcp_test.c — the DHCP snooping decoder: the options menjind records,
 * whole frames as the fast path punts them, and every named refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dhcp.h"

/* A BOOTP message under construction. */
struct pkt {
	uint8_t b[1500];
	size_t  len;
};

static void bootp(struct pkt *p, uint8_t op)
{
	memset(p, 0, sizeof(*p));
	p->b[0] = op;
	p->b[1] = 1;
	p->b[2] = 6;
	p->b[4] = 0xde; p->b[5] = 0xad; p->b[6] = 0xbe; p->b[7] = 0xef;   /* xid */
	const uint8_t ch[6] = { 0x00, 0x1b, 0xa9, 0x01, 0x02, 0x03 };
	memcpy(p->b + 28, ch, 6);
	p->b[236] = 99; p->b[237] = 130; p->b[238] = 83; p->b[239] = 99;
	p->len = 240;
}

static void opt(struct pkt *p, uint8_t code, const void *v, uint8_t len)
{
	p->b[p->len++] = code;
	p->b[p->len++] = len;
	memcpy(p->b + p->len, v, len);
	p->len += len;
}

static void end(struct pkt *p)
{
	p->b[p->len++] = 255;
}

static void discover(struct pkt *p)
{
	static const uint8_t params[] = { 1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252 };
	static const uint8_t req[4] = { 10, 10, 1, 23 };
	bootp(p, 1);
	opt(p, 53, "\x01", 1);
	opt(p, 50, req, 4);
	opt(p, 12, "PC-017", 6);
	opt(p, 60, "MSFT 5.0", 8);
	opt(p, 55, params, sizeof(params));
	end(p);
}

static void test_discover(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;
	char fp[DHCP_FINGERPRINT_MAX];

	discover(&p);
	assert_int_equal(dhcp_decode(p.b, p.len, &m), 0);
	assert_int_equal(m.op, 1);
	assert_int_equal(m.type, DHCPDISCOVER);
	assert_int_equal(m.xid, 0xdeadbeef);
	assert_int_equal(m.chaddr[0], 0x00);
	assert_int_equal(m.chaddr[5], 0x03);
	assert_true(m.has_requested_ip);
	assert_int_equal(m.requested_ip, 0x0a0a0117);
	assert_string_equal(m.hostname, "PC-017");
	assert_string_equal(m.vendor_class, "MSFT 5.0");
	assert_int_equal(m.nparams, 14);
	dhcp_fingerprint(&m, fp, sizeof(fp));
	assert_string_equal(fp, "1,3,6,15,31,33,43,44,46,47,119,121,249,252");
	/* a short buffer never ends in half a number */
	dhcp_fingerprint(&m, fp, 8);
	assert_string_equal(fp, "1,3,6");
	assert_string_equal(dhcp_type_name(m.type), "DHCPDISCOVER");
}

static void test_ack(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;
	static const uint8_t lease[4] = { 0, 0, 0x0e, 0x10 };
	static const uint8_t server[4] = { 10, 10, 0, 1 };

	bootp(&p, 2);
	p.b[16] = 10; p.b[17] = 10; p.b[18] = 1; p.b[19] = 23;   /* yiaddr */
	p.b[12] = 10; p.b[13] = 10; p.b[14] = 1; p.b[15] = 23;   /* ciaddr (renewal) */
	opt(&p, 53, "\x05", 1);
	opt(&p, 51, lease, 4);
	opt(&p, 54, server, 4);
	end(&p);
	assert_int_equal(dhcp_decode(p.b, p.len, &m), 0);
	assert_int_equal(m.type, DHCPACK);
	assert_int_equal(m.yiaddr, 0x0a0a0117);
	assert_int_equal(m.ciaddr, 0x0a0a0117);
	assert_int_equal(m.lease_time, 3600);
	assert_true(m.has_server_id);
	assert_int_equal(m.server_id, 0x0a0a0001);
	assert_string_equal(m.hostname, "");
}

static size_t frame(uint8_t *out, const struct pkt *p, bool vlan)
{
	size_t o = 0;
	static const uint8_t dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t src[6] = { 0x00, 0x1b, 0xa9, 0x01, 0x02, 0x03 };
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	o = 12;
	if (vlan) {
		out[o++] = 0x81; out[o++] = 0x00; out[o++] = 0x00; out[o++] = 20;
	}
	out[o++] = 0x08; out[o++] = 0x00;
	uint8_t *ip = out + o;
	size_t total = 20 + 8 + p->len;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(total >> 8); ip[3] = (uint8_t)total;
	ip[8] = 64;
	ip[9] = 17;
	memset(ip + 16, 0xff, 4);   /* 0.0.0.0 -> 255.255.255.255 */
	uint8_t *udp = ip + 20;
	udp[0] = 0; udp[1] = 68; udp[2] = 0; udp[3] = 67;
	udp[4] = (uint8_t)((8 + p->len) >> 8); udp[5] = (uint8_t)(8 + p->len);
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, p->b, p->len);
	return o + total;
}

static void test_frames(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;
	struct dhcp_frame f;
	uint8_t buf[2000];

	discover(&p);
	size_t n = frame(buf, &p, true);
	assert_int_equal(dhcp_decode_frame(buf, n, &f, &m), 0);
	assert_int_equal(f.vlan_tci, 20);
	assert_int_equal(f.src_port, 68);
	assert_int_equal(f.dst_port, 67);
	assert_int_equal(f.dst_ip, 0xffffffff);
	assert_int_equal(f.src_mac[5], 0x03);
	assert_string_equal(m.hostname, "PC-017");

	n = frame(buf, &p, false);
	assert_int_equal(dhcp_decode_frame(buf, n, &f, &m), 0);
	assert_int_equal(f.vlan_tci, 0);

	/* every truncation of a valid frame is refused, never read past */
	for (size_t cut = 0; cut < n; cut++) {
		int rc = dhcp_decode_frame(buf, cut, &f, &m);
		if (cut < n - 1)   /* the last byte is END: without it the message still parses */
			assert_true(rc < 0);
	}

	/* a fragment */
	uint8_t frag[2000];
	memcpy(frag, buf, n);
	frag[14 + 6] = 0x20;   /* MF */
	assert_int_equal(dhcp_decode_frame(frag, n, &f, &m), -DHCP_ERR_IP);
	/* UDP length longer than the IP payload */
	memcpy(frag, buf, n);
	frag[14 + 20 + 4] = 0xff;
	assert_int_equal(dhcp_decode_frame(frag, n, &f, &m), -DHCP_ERR_UDP);
	/* not DHCP ports */
	memcpy(frag, buf, n);
	frag[14 + 20 + 3] = 53;
	assert_int_equal(dhcp_decode_frame(frag, n, &f, &m), -DHCP_ERR_FRAME);
	/* IHL < 5 */
	memcpy(frag, buf, n);
	frag[14] = 0x44;
	assert_int_equal(dhcp_decode_frame(frag, n, &f, &m), -DHCP_ERR_IP);
	/* ARP, not IPv4 */
	memcpy(frag, buf, n);
	frag[12] = 0x08; frag[13] = 0x06;
	assert_int_equal(dhcp_decode_frame(frag, n, &f, &m), -DHCP_ERR_FRAME);
	assert_int_equal(dhcp_decode_frame(NULL, 0, &f, &m), -DHCP_ERR_FRAME);
}

static void test_refusals(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;

	discover(&p);
	assert_int_equal(dhcp_decode(p.b, 239, &m), -DHCP_ERR_SHORT);
	p.b[0] = 3;
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_OP);
	discover(&p);
	p.b[1] = 6;   /* token ring */
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_HTYPE);
	discover(&p);
	p.b[239] = 98;
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_COOKIE);

	/* an option whose length runs past the end */
	bootp(&p, 1);
	opt(&p, 53, "\x01", 1);
	p.b[p.len++] = 12;
	p.b[p.len++] = 40;
	memcpy(p.b + p.len, "short", 5);
	p.len += 5;
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_OPT_TRUNC);
	/* a code with no length byte */
	bootp(&p, 1);
	opt(&p, 53, "\x01", 1);
	p.b[p.len++] = 12;
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_OPT_TRUNC);

	/* fixed-length options with the wrong length */
	bootp(&p, 1);
	opt(&p, 53, "\x01\x02", 2);
	end(&p);
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_OPT_LEN);
	bootp(&p, 1);
	opt(&p, 53, "\x01", 1);
	opt(&p, 50, "\x0a\x00\x00", 3);
	end(&p);
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_OPT_LEN);
	bootp(&p, 1);
	opt(&p, 53, "\x01", 1);
	opt(&p, 12, "", 0);
	end(&p);
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_OPT_LEN);
	bootp(&p, 1);
	opt(&p, 53, "\x01", 1);
	opt(&p, 52, "\x04", 1);
	end(&p);
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_OPT_LEN);

	/* message type missing or out of range */
	bootp(&p, 1);
	end(&p);
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_TYPE);
	bootp(&p, 1);
	opt(&p, 53, "\x13", 1);
	end(&p);
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_TYPE);

	assert_string_equal(dhcp_error_name(-DHCP_ERR_OPT_TRUNC), "option_truncated");
	assert_string_equal(dhcp_error_name(DHCP_ERR_COOKIE), "cookie");
	assert_string_equal(dhcp_error_name(99), "unknown");
}

static void test_overload_and_split_options(void **state)
{
	(void)state;
	struct pkt p;
	struct dhcp_msg m;

	/* RFC 3396: one long value split over several instances */
	bootp(&p, 1);
	opt(&p, 53, "\x03", 1);
	opt(&p, 12, "accounting-", 11);
	opt(&p, 12, "pc-07", 5);
	opt(&p, 55, "\x01\x03", 2);
	opt(&p, 55, "\x06", 1);
	end(&p);
	assert_int_equal(dhcp_decode(p.b, p.len, &m), 0);
	assert_string_equal(m.hostname, "accounting-pc-07");
	assert_int_equal(m.nparams, 3);

	/* RFC 2132 9.3: options continued in the file and sname fields */
	bootp(&p, 1);
	opt(&p, 53, "\x03", 1);
	opt(&p, 52, "\x03", 1);
	end(&p);
	uint8_t *file = p.b + 108;
	file[0] = 12; file[1] = 4; memcpy(file + 2, "fpc1", 4); file[6] = 255;
	uint8_t *sname = p.b + 44;
	sname[0] = 60; sname[1] = 3; memcpy(sname + 2, "abc", 3); sname[5] = 255;
	assert_int_equal(dhcp_decode(p.b, p.len, &m), 0);
	assert_string_equal(m.hostname, "fpc1");
	assert_string_equal(m.vendor_class, "abc");

	/* overload inside an overloaded field is refused */
	file[0] = 52; file[1] = 1; file[2] = 1; file[3] = 255;
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_OPT_LEN);
	/* a truncated option inside the file field */
	file[0] = 12; file[1] = 200;
	assert_int_equal(dhcp_decode(p.b, p.len, &m), -DHCP_ERR_OPT_TRUNC);
}

static void test_text_clean(void **state)
{
	(void)state;
	char out[64];

	dhcp_text_clean((const uint8_t *)"PC-01\0\0", 7, out, sizeof(out));
	assert_string_equal(out, "PC-01");
	dhcp_text_clean((const uint8_t *)"a\nb\x7f" "c\0d", 7, out, sizeof(out));
	assert_string_equal(out, "a?b?c?d");
	/* UTF-8 (會計室) stays; broken sequences and overlong forms do not */
	dhcp_text_clean((const uint8_t *)"\xe6\x9c\x83\xe8\xa8\x88\xe5\xae\xa4-PC", 12, out, sizeof(out));
	assert_string_equal(out, "會計室-PC");
	dhcp_text_clean((const uint8_t *)"\xe6\x9c" "x\xc0\xaf\xed\xa0\x80\xf5\x80\x80\x80", 12, out, sizeof(out));
	assert_string_equal(out, "??x?????????");
	/* C1 controls */
	dhcp_text_clean((const uint8_t *)"\xc2\x85", 2, out, sizeof(out));
	assert_string_equal(out, "??");
	/* cut on a character boundary */
	dhcp_text_clean((const uint8_t *)"ab\xe6\x9c\x83", 5, out, 5);
	assert_string_equal(out, "ab");
	dhcp_text_clean((const uint8_t *)"abc", 3, out, 1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discover),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_overload_and_split_options),
		cmocka_unit_test(test_text_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
