/* parse_test.c — pkt_parse() against frames built byte by byte.
 *
 * Every frame is copied into a heap buffer of exactly its length before it
 * is parsed, so under ASan a read one byte past the end fails the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

#define FRAME_MAX 1600

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
};

static const uint8_t MAC_CLIENT[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t MAC_ROUTER[6] = { 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t MAC_BCAST[6]  = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_PAE[6]    = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x03 };

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			 ((uint32_t)(c) << 8) | (uint32_t)(d))

static const uint32_t IP_CLIENT = IP4(10, 0, 0, 2);
static const uint32_t IP_SERVER = IP4(192, 0, 2, 10);

/* 2001:db8::2 and 2001:db8::10 */
static const uint8_t IP6_CLIENT[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
static const uint8_t IP6_SERVER[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
/* fe80::211:22ff:fe33:4455 and ff02::1:ff00:10 */
static const uint8_t IP6_LL_CLIENT[16] = { 0xfe, 0x80, [8] = 0x02, 0x11, 0x22, 0xff,
					   0xfe, 0x33, 0x44, 0x55 };
static const uint8_t IP6_SOLICITED[16] = { 0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x10 };
static const uint8_t IP6_DHCP_AGENTS[16] = { 0xff, 0x02, [13] = 0x01, [15] = 0x02 };

/* ---- builders ---------------------------------------------------------- */

static void put8(struct frame *f, uint8_t v)
{
	assert_true(f->len < FRAME_MAX);
	f->b[f->len++] = v;
}

static void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void putn(struct frame *f, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		put8(f, p[i]);
}

static void putzero(struct frame *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		put8(f, 0);
}

static void put_eth(struct frame *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	f->len = 0;
	putn(f, dst, 6);
	putn(f, src, 6);
	put16(f, type);
}

/* IHL 5, DF, TTL 64; the checksum is left zero: the parser does not check it. */
static void put_ipv4(struct frame *f, uint8_t proto, uint32_t src, uint32_t dst,
		     uint16_t l4_len)
{
	put8(f, 0x45);
	put8(f, 0);
	put16(f, (uint16_t)(20 + l4_len));
	put16(f, 0x1234);
	put16(f, 0x4000);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, src);
	put32(f, dst);
}

static void put_ipv6(struct frame *f, uint8_t next, const uint8_t *src, const uint8_t *dst,
		     uint16_t payload_len)
{
	put32(f, 0x60000000);
	put16(f, payload_len);
	put8(f, next);
	put8(f, 64);
	putn(f, src, 16);
	putn(f, dst, 16);
}

static void put_tcp(struct frame *f, uint16_t sport, uint16_t dport)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, 0x01020304);
	put32(f, 0);
	put8(f, 5 << 4);
	put8(f, 0x02); /* SYN */
	put16(f, 64240);
	put16(f, 0);
	put16(f, 0);
}

static void put_udp(struct frame *f, uint16_t sport, uint16_t dport, uint16_t data_len)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + data_len));
	put16(f, 0);
	putzero(f, data_len);
}

static void put_icmp_echo(struct frame *f, uint8_t type)
{
	put8(f, type);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x0001);
	put16(f, 0x0001);
}

/* ---- the frames -------------------------------------------------------- */

static void frame_ipv4_tcp(struct frame *f)
{
	put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(f, 6, IP_CLIENT, IP_SERVER, 20);
	put_tcp(f, 40000, 443);
}

static void frame_ipv4_udp(struct frame *f)
{
	put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(f, 17, IP_CLIENT, IP_SERVER, 8 + 32);
	put_udp(f, 5353, 53, 32);
}

static void frame_ipv4_icmp(struct frame *f)
{
	put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(f, 1, IP_CLIENT, IP_SERVER, 8 + 56);
	put_icmp_echo(f, 8);
	putzero(f, 56);
}

/* RFC 2131 DHCPDISCOVER: BOOTP fixed part, magic cookie, option 53 = 1. */
static void frame_dhcp_discover(struct frame *f)
{
	const uint16_t bootp_len = 236 + 4 + 3 + 1;

	put_eth(f, MAC_BCAST, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(f, 17, 0, IP4(255, 255, 255, 255), 8 + bootp_len);
	put16(f, 68);
	put16(f, 67);
	put16(f, (uint16_t)(8 + bootp_len));
	put16(f, 0);
	put8(f, 1);     /* op BOOTREQUEST */
	put8(f, 1);     /* htype Ethernet */
	put8(f, 6);
	put8(f, 0);
	put32(f, 0xdeadbeef);
	putzero(f, 2 + 2 + 4 * 4);
	putn(f, MAC_CLIENT, 6);
	putzero(f, 10 + 64 + 128);
	put32(f, 0x63825363);
	put8(f, 53);
	put8(f, 1);
	put8(f, 1);
	put8(f, 255);
}

static void put_arp(struct frame *f, uint16_t htype, uint16_t ptype, uint8_t hlen,
		    uint8_t plen)
{
	put16(f, htype);
	put16(f, ptype);
	put8(f, hlen);
	put8(f, plen);
	put16(f, 1); /* request */
	putn(f, MAC_CLIENT, 6);
	put32(f, IP_CLIENT);
	putzero(f, 6);
	put32(f, IP4(10, 0, 0, 1));
}

static void frame_arp_request(struct frame *f)
{
	put_eth(f, MAC_BCAST, MAC_CLIENT, ETHER_TYPE_ARP);
	put_arp(f, 1, ETHER_TYPE_IPV4, 6, 4);
}

static void frame_eapol_start(struct frame *f)
{
	put_eth(f, MAC_PAE, MAC_CLIENT, ETHER_TYPE_EAPOL);
	put8(f, 2);     /* 802.1X-2004 */
	put8(f, 1);     /* EAPOL-Start */
	put16(f, 0);
}

static void frame_vlan_ipv4_tcp(struct frame *f)
{
	put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_VLAN);
	put16(f, 0x2064);       /* PCP 1, VID 100 */
	put16(f, ETHER_TYPE_IPV4);
	put_ipv4(f, 6, IP_CLIENT, IP_SERVER, 20);
	put_tcp(f, 40000, 80);
}

static void frame_ipv6_tcp(struct frame *f)
{
	put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV6);
	put_ipv6(f, 6, IP6_CLIENT, IP6_SERVER, 20);
	put_tcp(f, 40001, 443);
}

/* Hop-by-hop (PadN) then a first fragment (offset 0, M set) then TCP. */
static void frame_ipv6_hbh_frag_tcp(struct frame *f, uint16_t frag_offset_units)
{
	put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV6);
	put_ipv6(f, 0, IP6_CLIENT, IP6_SERVER, 8 + 8 + 20);
	put8(f, 44);
	put8(f, 0);
	put8(f, 1);     /* PadN */
	put8(f, 4);
	putzero(f, 4);
	put8(f, 6);
	put8(f, 0);
	put16(f, (uint16_t)((frag_offset_units << 3) | 1));
	put32(f, 0xcafe0001);
	put_tcp(f, 40002, 443);
}

static void frame_nd_ns(struct frame *f)
{
	static const uint8_t dst_mac[6] = { 0x33, 0x33, 0xff, 0x00, 0x00, 0x10 };

	put_eth(f, dst_mac, MAC_CLIENT, ETHER_TYPE_IPV6);
	put_ipv6(f, 58, IP6_LL_CLIENT, IP6_SOLICITED, 32);
	put8(f, 135);
	put8(f, 0);
	put16(f, 0);
	put32(f, 0);
	putn(f, IP6_SERVER, 16);
	put8(f, 1);     /* source link-layer address option */
	put8(f, 1);
	putn(f, MAC_CLIENT, 6);
}

static void frame_dhcpv6_solicit(struct frame *f)
{
	static const uint8_t dst_mac[6] = { 0x33, 0x33, 0x00, 0x01, 0x00, 0x02 };

	put_eth(f, dst_mac, MAC_CLIENT, ETHER_TYPE_IPV6);
	put_ipv6(f, 17, IP6_LL_CLIENT, IP6_DHCP_AGENTS, 8 + 4);
	put16(f, 546);
	put16(f, 547);
	put16(f, 12);
	put16(f, 0);
	put8(f, 1);     /* SOLICIT */
	put8(f, 0x12);
	put8(f, 0x34);
	put8(f, 0x56);
}

/* ---- helpers ----------------------------------------------------------- */

static int parse_exact(const uint8_t *bytes, uint32_t len, struct pkt_meta *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, bytes, len);
	int rc = pkt_parse(copy, len, m);
	free(copy);
	return rc;
}

static int parse_frame(const struct frame *f, struct pkt_meta *m)
{
	return parse_exact(f->b, f->len, m);
}

static void assert_parses(const struct frame *f, struct pkt_meta *m)
{
	int rc = parse_frame(f, m);
	if (rc != 0)
		fail_msg("parse failed: %s", pkt_error_name(rc));
}

static void assert_refused(const struct frame *f, enum pkt_error want)
{
	struct pkt_meta m;
	int rc = parse_frame(f, &m);
	if (rc != -(int)want)
		fail_msg("want %s, got %d (%s)", pkt_error_name(want), rc, pkt_error_name(rc));
}

/* ---- tests ------------------------------------------------------------- */

static void test_ipv4_tcp(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_ipv4_tcp(&f);
	assert_parses(&f, &m);
	assert_memory_equal(m.dst_mac, MAC_ROUTER, 6);
	assert_memory_equal(m.src_mac, MAC_CLIENT, 6);
	assert_int_equal(m.ethertype, ETHER_TYPE_IPV4);
	assert_int_equal(m.flags, PKT_F_IPV4 | PKT_F_L4);
	assert_int_equal(m.l3_off, 14);
	assert_int_equal(m.l4_off, 34);
	assert_int_equal(m.ip_proto, 6);
	assert_int_equal(m.src4, IP_CLIENT);
	assert_int_equal(m.dst4, IP_SERVER);
	assert_int_equal(m.sport, 40000);
	assert_int_equal(m.dport, 443);
}

static void test_ipv4_udp(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_ipv4_udp(&f);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV4 | PKT_F_L4);
	assert_int_equal(m.ip_proto, 17);
	assert_int_equal(m.l4_off, 34);
	assert_int_equal(m.sport, 5353);
	assert_int_equal(m.dport, 53);
}

static void test_ipv4_icmp(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_ipv4_icmp(&f);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV4 | PKT_F_L4);
	assert_int_equal(m.ip_proto, 1);
	assert_int_equal(m.icmp_type, 8);
	assert_int_equal(m.l4_off, 34);
}

static void test_dhcp_discover(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_dhcp_discover(&f);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV4 | PKT_F_L4 | PKT_F_DHCP | PKT_F_BCAST | PKT_F_MCAST);
	assert_int_equal(m.src4, 0);
	assert_int_equal(m.dst4, 0xffffffffu);
	assert_int_equal(m.sport, 68);
	assert_int_equal(m.dport, 67);
}

static void test_dhcp_ports(void **state)
{
	(void)state;
	static const struct { uint16_t sport, dport; bool dhcp; } cases[] = {
		{ 68, 67, true }, { 67, 68, true }, { 67, 67, true },
		{ 40000, 67, true }, { 68, 40000, true },
		{ 53, 40000, false }, { 546, 547, false }, { 66, 69, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frame f;
		struct pkt_meta m;
		put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
		put_ipv4(&f, 17, IP_CLIENT, IP_SERVER, 8);
		put_udp(&f, cases[i].sport, cases[i].dport, 0);
		assert_parses(&f, &m);
		assert_int_equal(!!(m.flags & PKT_F_DHCP), cases[i].dhcp);
		assert_false(m.flags & PKT_F_DHCP6);
	}
	/* 67/68 over TCP is not DHCP. */
	struct frame f;
	struct pkt_meta m;
	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(&f, 6, IP_CLIENT, IP_SERVER, 20);
	put_tcp(&f, 68, 67);
	assert_parses(&f, &m);
	assert_false(m.flags & PKT_F_DHCP);
}

static void test_arp_request(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_arp_request(&f);
	assert_int_equal(f.len, 42);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_ARP | PKT_F_BCAST | PKT_F_MCAST);
	assert_int_equal(m.ethertype, ETHER_TYPE_ARP);
	assert_int_equal(m.l3_off, 14);
	assert_int_equal(m.l4_off, 0);
	assert_int_equal(m.src4, IP_CLIENT);
	assert_int_equal(m.dst4, IP4(10, 0, 0, 1));
}

static void test_arp_refused(void **state)
{
	(void)state;
	struct frame f;

	put_eth(&f, MAC_BCAST, MAC_CLIENT, ETHER_TYPE_ARP);
	put_arp(&f, 6, ETHER_TYPE_IPV4, 6, 4);          /* IEEE 802 htype */
	assert_refused(&f, PKT_ERR_ARP);
	put_eth(&f, MAC_BCAST, MAC_CLIENT, ETHER_TYPE_ARP);
	put_arp(&f, 1, ETHER_TYPE_IPV6, 6, 4);
	assert_refused(&f, PKT_ERR_ARP);
	put_eth(&f, MAC_BCAST, MAC_CLIENT, ETHER_TYPE_ARP);
	put_arp(&f, 1, ETHER_TYPE_IPV4, 8, 4);
	assert_refused(&f, PKT_ERR_ARP);
	put_eth(&f, MAC_BCAST, MAC_CLIENT, ETHER_TYPE_ARP);
	put_arp(&f, 1, ETHER_TYPE_IPV4, 6, 16);
	assert_refused(&f, PKT_ERR_ARP);
	frame_arp_request(&f);
	f.len = 14 + 27;
	assert_refused(&f, PKT_ERR_ARP);

	/* Padded to the Ethernet minimum: fine. */
	frame_arp_request(&f);
	putzero(&f, 18);
	struct pkt_meta m;
	assert_parses(&f, &m);
	assert_true(m.flags & PKT_F_ARP);
}

static void test_eapol_start(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_eapol_start(&f);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_EAPOL | PKT_F_LINK_LOCAL | PKT_F_MCAST);
	assert_int_equal(m.ethertype, ETHER_TYPE_EAPOL);
	assert_int_equal(m.l3_off, 14);
	assert_int_equal(m.l4_off, 0);

	/* EAPOL to the supplicant's unicast MAC is still EAPOL. */
	put_eth(&f, MAC_CLIENT, MAC_ROUTER, ETHER_TYPE_EAPOL);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_EAPOL);
}

static void test_vlan_ipv4(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_vlan_ipv4_tcp(&f);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_VLAN | PKT_F_IPV4 | PKT_F_L4);
	assert_int_equal(m.vlan_tci, 0x2064);
	assert_int_equal(m.ethertype, ETHER_TYPE_IPV4);
	assert_int_equal(m.l3_off, 18);
	assert_int_equal(m.l4_off, 38);
	assert_int_equal(m.dport, 80);
	assert_int_equal(m.src4, IP_CLIENT);
}

static void test_vlan_refused(void **state)
{
	(void)state;
	static const uint16_t inner[] = { ETHER_TYPE_VLAN, ETHER_TYPE_QINQ };
	struct frame f;

	for (size_t i = 0; i < 2; i++) {
		put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_VLAN);
		put16(&f, 100);
		put16(&f, inner[i]);
		put16(&f, 200);
		put16(&f, ETHER_TYPE_IPV4);
		put_ipv4(&f, 6, IP_CLIENT, IP_SERVER, 20);
		put_tcp(&f, 1, 2);
		assert_refused(&f, PKT_ERR_VLAN);
	}
	/* An outer 802.1ad tag is refused as well. */
	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_QINQ);
	put16(&f, 100);
	put16(&f, ETHER_TYPE_IPV4);
	put_ipv4(&f, 6, IP_CLIENT, IP_SERVER, 20);
	put_tcp(&f, 1, 2);
	assert_refused(&f, PKT_ERR_VLAN);

	/* A tag cut anywhere. */
	frame_vlan_ipv4_tcp(&f);
	for (uint32_t len = 14; len < 18; len++) {
		struct frame g = f;
		g.len = len;
		assert_refused(&g, PKT_ERR_VLAN);
	}
}

static void test_runt(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_ipv4_tcp(&f);
	for (uint32_t len = 0; len < 14; len++)
		assert_int_equal(parse_exact(f.b, len, &m), -PKT_ERR_RUNT);
	assert_int_equal(pkt_parse(NULL, 0, &m), -PKT_ERR_RUNT);
}

static void test_ipv4_options(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put8(&f, 0x46);
	put8(&f, 0);
	put16(&f, 24 + 20);
	put32(&f, 0);
	put8(&f, 1);
	put8(&f, 6);
	put16(&f, 0);
	put32(&f, IP_CLIENT);
	put32(&f, IP_SERVER);
	put32(&f, 0x94040000);  /* router alert */
	put_tcp(&f, 1234, 22);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV4 | PKT_F_L4);
	assert_int_equal(m.l4_off, 14 + 24);
	assert_int_equal(m.sport, 1234);
	assert_int_equal(m.dport, 22);
}

static void test_ipv4_header_refused(void **state)
{
	(void)state;
	struct frame f;

	frame_ipv4_tcp(&f);
	f.b[14] = 0x44;                 /* IHL 4 */
	assert_refused(&f, PKT_ERR_IPV4);
	frame_ipv4_tcp(&f);
	f.b[14] = 0x65;                 /* version 6 under the IPv4 ethertype */
	assert_refused(&f, PKT_ERR_IPV4);
	frame_ipv4_tcp(&f);
	f.b[14] = 0x4f;                 /* 60-byte header in a 40-byte packet */
	assert_refused(&f, PKT_ERR_IPV4);
	frame_ipv4_tcp(&f);
	f.len = 14 + 19;
	assert_refused(&f, PKT_ERR_IPV4);
}

static void test_ipv4_total_length(void **state)
{
	(void)state;
	struct frame f;

	frame_ipv4_tcp(&f);
	f.b[17] = 41;                   /* one byte more than the frame */
	assert_refused(&f, PKT_ERR_IPV4_LEN);
	frame_ipv4_tcp(&f);
	f.b[16] = 0xff;
	f.b[17] = 0xff;
	assert_refused(&f, PKT_ERR_IPV4_LEN);
	frame_ipv4_tcp(&f);
	f.b[17] = 19;                   /* shorter than the header */
	assert_refused(&f, PKT_ERR_IPV4_LEN);
	frame_ipv4_tcp(&f);
	f.b[17] = 20;                   /* header only: no room for TCP */
	assert_refused(&f, PKT_ERR_L4);
}

static void test_ethernet_padding(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	/* A 54-byte SYN padded to the 60-byte minimum. */
	frame_ipv4_tcp(&f);
	putzero(&f, 6);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV4 | PKT_F_L4);
	assert_int_equal(m.dport, 443);

	/* The padding is not payload: a TCP header cut by the IP total length
	 * stays truncated however much padding follows. */
	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(&f, 6, IP_CLIENT, IP_SERVER, 10);
	put_tcp(&f, 40000, 443);
	putzero(&f, 16);
	assert_refused(&f, PKT_ERR_L4);

	/* IPv6 likewise bounds by its payload length. */
	frame_ipv6_tcp(&f);
	putzero(&f, 8);
	assert_parses(&f, &m);
	assert_true(m.flags & PKT_F_L4);
	frame_ipv6_tcp(&f);
	f.b[14 + 5] = 19;
	assert_refused(&f, PKT_ERR_L4);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	/* First fragment: MF set, offset 0, L4 parsed. */
	frame_ipv4_udp(&f);
	f.b[14 + 6] = 0x20;
	f.b[14 + 7] = 0x00;
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV4 | PKT_F_L4);
	assert_int_equal(m.dport, 53);

	/* Last fragment at offset 185*8: no L4, even though bytes follow. */
	frame_ipv4_udp(&f);
	f.b[14 + 6] = 0x00;
	f.b[14 + 7] = 185;
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV4 | PKT_F_FRAG);
	assert_int_equal(m.l4_off, 0);
	assert_int_equal(m.sport, 0);
	assert_int_equal(m.dport, 0);
	assert_int_equal(m.ip_proto, 17);
	assert_int_equal(m.dst4, IP_SERVER);

	/* A middle fragment too short to hold a UDP header is still fine. */
	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(&f, 17, IP_CLIENT, IP_SERVER, 3);
	putzero(&f, 3);
	f.b[14 + 6] = 0x3f;
	f.b[14 + 7] = 0xff;
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV4 | PKT_F_FRAG);
}

static void test_ipv6_tcp(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_ipv6_tcp(&f);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV6 | PKT_F_L4);
	assert_int_equal(m.ethertype, ETHER_TYPE_IPV6);
	assert_int_equal(m.l3_off, 14);
	assert_int_equal(m.l4_off, 54);
	assert_int_equal(m.ip_proto, 6);
	assert_memory_equal(m.src6, IP6_CLIENT, 16);
	assert_memory_equal(m.dst6, IP6_SERVER, 16);
	assert_int_equal(m.sport, 40001);
	assert_int_equal(m.dport, 443);
}

static void test_ipv6_header_refused(void **state)
{
	(void)state;
	struct frame f;

	frame_ipv6_tcp(&f);
	f.b[14] = 0x40;
	assert_refused(&f, PKT_ERR_IPV6);
	frame_ipv6_tcp(&f);
	f.b[14 + 5] = 21;               /* payload one byte beyond the frame */
	assert_refused(&f, PKT_ERR_IPV6);
	frame_ipv6_tcp(&f);
	f.len = 14 + 39;
	assert_refused(&f, PKT_ERR_IPV6);
}

static void test_ipv6_ext_headers(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_ipv6_hbh_frag_tcp(&f, 0);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV6 | PKT_F_L4);
	assert_int_equal(m.ip_proto, 6);
	assert_int_equal(m.l4_off, 14 + 40 + 8 + 8);
	assert_int_equal(m.sport, 40002);

	frame_ipv6_hbh_frag_tcp(&f, 100);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV6 | PKT_F_FRAG);
	assert_int_equal(m.ip_proto, 6);
	assert_int_equal(m.l4_off, 0);
	assert_int_equal(m.sport, 0);

	/* Routing header with a length field of 2 (24 bytes), then UDP. */
	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV6);
	put_ipv6(&f, 43, IP6_CLIENT, IP6_SERVER, 24 + 8);
	put8(&f, 17);
	put8(&f, 2);
	putzero(&f, 22);
	put_udp(&f, 1000, 2000, 0);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV6 | PKT_F_L4);
	assert_int_equal(m.l4_off, 14 + 40 + 24);
	assert_int_equal(m.dport, 2000);

	/* No next header: no L4, not an error. */
	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV6);
	put_ipv6(&f, 60, IP6_CLIENT, IP6_SERVER, 8);
	put8(&f, 59);
	putzero(&f, 7);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV6);
	assert_int_equal(m.ip_proto, 59);
}

static void put_dstopts_chain(struct frame *f, int n)
{
	put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV6);
	put_ipv6(f, 60, IP6_CLIENT, IP6_SERVER, (uint16_t)(8 * n + 8));
	for (int i = 0; i < n; i++) {
		put8(f, i == n - 1 ? 17 : 60);
		put8(f, 0);
		putzero(f, 6);
	}
	put_udp(f, 1, 2, 0);
}

static void test_ipv6_ext_refused(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	/* Payload length covers only half of the hop-by-hop header. */
	frame_ipv6_hbh_frag_tcp(&f, 0);
	f.b[14 + 4] = 0;
	f.b[14 + 5] = 4;
	f.len = 14 + 40 + 4;
	assert_refused(&f, PKT_ERR_IPV6_EXT);

	/* The hop-by-hop length field claims 16 bytes, only 8 are there. */
	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV6);
	put_ipv6(&f, 0, IP6_CLIENT, IP6_SERVER, 8);
	put8(&f, 17);
	put8(&f, 1);
	putzero(&f, 6);
	assert_refused(&f, PKT_ERR_IPV6_EXT);

	/* The same, with padding behind: the bytes exist in the frame but
	 * not in the IPv6 payload. */
	putzero(&f, 16);
	assert_refused(&f, PKT_ERR_IPV6_EXT);

	/* Fragment header cut after 6 bytes. */
	frame_ipv6_hbh_frag_tcp(&f, 0);
	f.b[14 + 5] = 8 + 6;
	f.len = 14 + 40 + 8 + 6;
	assert_refused(&f, PKT_ERR_IPV6_EXT);

	/* Eight extension headers pass, nine do not. */
	put_dstopts_chain(&f, 8);
	assert_parses(&f, &m);
	assert_int_equal(m.l4_off, 14 + 40 + 64);
	put_dstopts_chain(&f, 9);
	assert_refused(&f, PKT_ERR_IPV6_EXT);
}

static void test_nd_neighbour_solicitation(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_nd_ns(&f);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV6 | PKT_F_L4 | PKT_F_ND | PKT_F_MCAST);
	assert_int_equal(m.ip_proto, 58);
	assert_int_equal(m.icmp_type, 135);
	assert_int_equal(m.l4_off, 54);

	static const struct { uint8_t type; bool nd; } cases[] = {
		{ 128, false }, { 132, false }, { 133, true }, { 134, true },
		{ 136, true }, { 137, true }, { 138, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		frame_nd_ns(&f);
		f.b[54] = cases[i].type;
		assert_parses(&f, &m);
		assert_int_equal(m.icmp_type, cases[i].type);
		assert_int_equal(!!(m.flags & PKT_F_ND), cases[i].nd);
	}

	/* ICMPv4 inside IPv6 is not ICMP to anyone: no L4, no ND. */
	frame_nd_ns(&f);
	f.b[14 + 6] = 1;
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV6 | PKT_F_MCAST);

	/* ICMPv6 with 3 bytes. */
	frame_nd_ns(&f);
	f.b[14 + 5] = 3;
	f.len = 14 + 40 + 3;
	assert_refused(&f, PKT_ERR_L4);
}

static void test_dhcpv6(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_dhcpv6_solicit(&f);
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV6 | PKT_F_L4 | PKT_F_DHCP6 | PKT_F_MCAST);
	assert_int_equal(m.sport, 546);
	assert_int_equal(m.dport, 547);

	/* 67/68 over IPv6 is not DHCPv4. */
	frame_dhcpv6_solicit(&f);
	f.b[54 + 1] = 68;
	f.b[54 + 0] = 0;
	f.b[54 + 3] = 67;
	f.b[54 + 2] = 0;
	assert_parses(&f, &m);
	assert_int_equal(m.flags & (PKT_F_DHCP | PKT_F_DHCP6), 0);
}

static void test_truncated_l4(void **state)
{
	(void)state;
	struct frame f;

	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(&f, 6, IP_CLIENT, IP_SERVER, 19);
	put_tcp(&f, 1, 2);
	f.len--;
	assert_refused(&f, PKT_ERR_L4);

	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(&f, 17, IP_CLIENT, IP_SERVER, 7);
	put_udp(&f, 1, 2, 0);
	f.len--;
	assert_refused(&f, PKT_ERR_L4);

	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(&f, 1, IP_CLIENT, IP_SERVER, 3);
	put_icmp_echo(&f, 8);
	f.len -= 5;
	assert_refused(&f, PKT_ERR_L4);

	/* A protocol the parser does not know is not truncated. */
	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(&f, 47, IP_CLIENT, IP_SERVER, 0);
	struct pkt_meta m;
	assert_parses(&f, &m);
	assert_int_equal(m.flags, PKT_F_IPV4);
	assert_int_equal(m.ip_proto, 47);
}

static void test_tcp_data_offset(void **state)
{
	(void)state;
	struct frame f;
	struct pkt_meta m;

	frame_ipv4_tcp(&f);
	f.b[34 + 12] = 4 << 4;
	assert_refused(&f, PKT_ERR_L4);
	frame_ipv4_tcp(&f);
	f.b[34 + 12] = 0;
	assert_refused(&f, PKT_ERR_L4);
	frame_ipv4_tcp(&f);
	f.b[34 + 12] = 6 << 4;          /* options promised, none there */
	assert_refused(&f, PKT_ERR_L4);

	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(&f, 6, IP_CLIENT, IP_SERVER, 24);
	put_tcp(&f, 1, 2);
	put32(&f, 0x020405b4);          /* MSS 1460 */
	f.b[34 + 12] = 6 << 4;
	assert_parses(&f, &m);
	assert_true(m.flags & PKT_F_L4);
}

static void test_source_mac_refused(void **state)
{
	(void)state;
	static const uint8_t sources[][6] = {
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct frame f;
	struct pkt_meta m;

	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		put_eth(&f, MAC_ROUTER, sources[i], ETHER_TYPE_IPV4);
		put_ipv4(&f, 6, IP_CLIENT, IP_SERVER, 20);
		put_tcp(&f, 1, 2);
		assert_int_equal(parse_frame(&f, &m), -PKT_ERR_SRC_MAC);
		assert_true(m.flags & PKT_F_SRC_MCAST);
	}
	static const uint8_t zero[6];
	put_eth(&f, MAC_ROUTER, zero, ETHER_TYPE_IPV4);
	put_ipv4(&f, 6, IP_CLIENT, IP_SERVER, 20);
	put_tcp(&f, 1, 2);
	assert_refused(&f, PKT_ERR_SRC_MAC);

	/* Locally administered unicast is a valid source. */
	static const uint8_t local[6] = { 0x02, 0, 0, 0, 0, 1 };
	put_eth(&f, MAC_ROUTER, local, ETHER_TYPE_IPV4);
	put_ipv4(&f, 6, IP_CLIENT, IP_SERVER, 20);
	put_tcp(&f, 1, 2);
	assert_parses(&f, &m);
}

static void test_destination_flags(void **state)
{
	(void)state;
	static const struct { uint8_t mac[6]; uint16_t flags; } cases[] = {
		{ { 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee }, 0 },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, PKT_F_BCAST | PKT_F_MCAST },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe }, PKT_F_MCAST },
		{ { 0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa }, PKT_F_MCAST },
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 }, PKT_F_MCAST | PKT_F_LINK_LOCAL },
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e }, PKT_F_MCAST | PKT_F_LINK_LOCAL },
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0f }, PKT_F_MCAST | PKT_F_LINK_LOCAL },
		{ { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x10 }, PKT_F_MCAST },
		{ { 0x01, 0x80, 0xc2, 0x00, 0x01, 0x00 }, PKT_F_MCAST },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frame f;
		struct pkt_meta m;
		put_eth(&f, cases[i].mac, MAC_CLIENT, 0x88cc);   /* LLDP */
		putzero(&f, 46);
		assert_parses(&f, &m);
		assert_int_equal(m.flags, cases[i].flags);
		assert_int_equal(m.ethertype, 0x88cc);
		assert_int_equal(m.l4_off, 0);
	}
}

static void test_other_ethertypes(void **state)
{
	(void)state;
	static const uint16_t types[] = { 0x88cc, 0x88b5, 0x8035, 0x0026, 0x0000 };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct frame f;
		struct pkt_meta m;
		put_eth(&f, MAC_ROUTER, MAC_CLIENT, types[i]);
		assert_parses(&f, &m);
		assert_int_equal(m.flags, 0);
		assert_int_equal(m.ethertype, types[i]);
	}
}

/* Frames whose last byte belongs to a parsed header: any shorter prefix
 * must be refused, not just survive. */
typedef void (*frame_fn)(struct frame *f);
static const frame_fn exact_frames[] = {
	frame_ipv4_tcp, frame_ipv4_udp, frame_ipv4_icmp, frame_dhcp_discover,
	frame_arp_request, frame_vlan_ipv4_tcp, frame_ipv6_tcp, frame_nd_ns,
	frame_dhcpv6_solicit,
};

static void check_prefix_offsets(const struct pkt_meta *m, uint32_t len)
{
	assert_true(m->l3_off <= len);
	if (m->flags & PKT_F_L4)
		assert_true(m->l4_off > m->l3_off && m->l4_off + 4u <= len);
	else
		assert_int_equal(m->l4_off, 0);
}

static void test_every_truncation(void **state)
{
	(void)state;
	struct pkt_meta m;

	for (size_t i = 0; i < sizeof(exact_frames) / sizeof(exact_frames[0]); i++) {
		struct frame f;
		exact_frames[i](&f);
		assert_int_equal(parse_frame(&f, &m), 0);
		for (uint32_t len = 0; len < f.len; len++) {
			int rc = parse_exact(f.b, len, &m);
			if (rc >= 0 || rc <= -PKT_ERR__MAX)
				fail_msg("frame %zu prefix %u: rc %d", i, len, rc);
			if (len < 14)
				assert_int_equal(rc, -PKT_ERR_RUNT);
		}
	}

	/* Frames a prefix of which may legitimately parse. */
	struct frame f;
	frame_eapol_start(&f);
	for (uint32_t len = 0; len <= f.len; len++) {
		int rc = parse_exact(f.b, len, &m);
		assert_int_equal(rc, len < 14 ? -PKT_ERR_RUNT : 0);
		if (rc == 0)
			check_prefix_offsets(&m, len);
	}
	frame_ipv6_hbh_frag_tcp(&f, 0);
	for (uint32_t len = 0; len <= f.len; len++) {
		int rc = parse_exact(f.b, len, &m);
		assert_true(rc <= 0 && rc > -PKT_ERR__MAX);
		assert_int_equal(rc == 0, len == f.len);
		if (rc == 0)
			check_prefix_offsets(&m, len);
	}
}

static void test_error_names(void **state)
{
	(void)state;
	assert_string_equal(pkt_error_name(0), "ok");
	assert_string_equal(pkt_error_name(-PKT_ERR_RUNT), "runt");
	assert_string_equal(pkt_error_name(-PKT_ERR_VLAN), "vlan");
	assert_string_equal(pkt_error_name(-PKT_ERR_SRC_MAC), "src_mac");
	assert_string_equal(pkt_error_name(-PKT_ERR_ARP), "arp");
	assert_string_equal(pkt_error_name(-PKT_ERR_IPV4), "ipv4");
	assert_string_equal(pkt_error_name(-PKT_ERR_IPV4_LEN), "ipv4_len");
	assert_string_equal(pkt_error_name(PKT_ERR_IPV4_LEN), "ipv4_len");
	assert_string_equal(pkt_error_name(-PKT_ERR_IPV6), "ipv6");
	assert_string_equal(pkt_error_name(-PKT_ERR_IPV6_EXT), "ipv6_ext");
	assert_string_equal(pkt_error_name(-PKT_ERR_L4), "l4");
	assert_string_equal(pkt_error_name(PKT_ERR__MAX), "invalid");
	assert_string_equal(pkt_error_name(-PKT_ERR__MAX), "invalid");
	assert_string_equal(pkt_error_name(-2147483647 - 1), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_ipv4_icmp),
		cmocka_unit_test(test_dhcp_discover),
		cmocka_unit_test(test_dhcp_ports),
		cmocka_unit_test(test_arp_request),
		cmocka_unit_test(test_arp_refused),
		cmocka_unit_test(test_eapol_start),
		cmocka_unit_test(test_vlan_ipv4),
		cmocka_unit_test(test_vlan_refused),
		cmocka_unit_test(test_runt),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_header_refused),
		cmocka_unit_test(test_ipv4_total_length),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_ipv6_header_refused),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_ipv6_ext_refused),
		cmocka_unit_test(test_nd_neighbour_solicitation),
		cmocka_unit_test(test_dhcpv6),
		cmocka_unit_test(test_truncated_l4),
		cmocka_unit_test(test_tcp_data_offset),
		cmocka_unit_test(test_source_mac_refused),
		cmocka_unit_test(test_destination_flags),
		cmocka_unit_test(test_other_ethertypes),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_error_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
