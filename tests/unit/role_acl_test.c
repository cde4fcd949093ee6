/* role_acl_test.c — per-role ACLs: protocol, prefix and port matching,
 * first match, role isolation, defaults, direction, IPv6, frames without
 * ports, a large rule set, and what the build refuses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "decide.h"
#include "role_acl.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static int8_t defaults[FPMSG_MAX_ROLES];
static char err[256];

static void defaults_reset(void)
{
	memset(defaults, -1, sizeof(defaults));
}

static struct role_acl_spec rule4(uint16_t role, uint32_t id, uint8_t proto, uint32_t addr,
				  uint8_t plen, uint16_t lo, uint16_t hi, uint8_t action)
{
	struct role_acl_spec s = { .role = role };

	s.rule.id = id;
	s.rule.proto = proto;
	s.rule.family = 4;
	s.rule.addr4 = addr;
	s.rule.plen = plen;
	s.rule.port_lo = lo;
	s.rule.port_hi = hi;
	s.rule.action = action;
	return s;
}

static struct role_acl_spec rule6(uint16_t role, uint32_t id, uint8_t proto, const char *addr,
				  uint8_t plen, uint16_t lo, uint16_t hi, uint8_t action)
{
	struct role_acl_spec s = rule4(role, id, proto, 0, plen, lo, hi, action);

	s.rule.family = 6;
	assert_int_equal(inet_pton(AF_INET6, addr, s.rule.addr6), 1);
	return s;
}

static struct role_acl_spec rule_any(uint16_t role, uint32_t id, uint8_t proto,
				     uint16_t lo, uint16_t hi, uint8_t action)
{
	struct role_acl_spec s = rule4(role, id, proto, 0, 0, lo, hi, action);

	s.rule.family = 0;
	return s;
}

/* A parsed IPv4 frame from the LAN device (src) to a remote (dst). */
static struct pkt_meta pkt4(uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.ethertype = ETHER_TYPE_IPV4;
	m.flags = PKT_F_IPV4 | PKT_F_L4;
	m.ip_proto = proto;
	m.src4 = src;
	m.dst4 = dst;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		m.sport = sport;
		m.dport = dport;
	} else if (proto != IPPROTO_ICMP) {
		m.flags &= (uint16_t)~PKT_F_L4;
	}
	return m;
}

static struct pkt_meta pkt6(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.ethertype = ETHER_TYPE_IPV6;
	m.flags = PKT_F_IPV6 | PKT_F_L4;
	m.ip_proto = proto;
	assert_int_equal(inet_pton(AF_INET6, src, m.src6), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, m.dst6), 1);
	m.sport = sport;
	m.dport = dport;
	return m;
}

/* Classify one frame; returns the result and stores the rule index. */
static uint8_t classify1(const struct role_acl *a, const struct pkt_meta *m, uint8_t dir,
			 uint16_t role, int32_t *idx)
{
	const struct pkt_meta *metas[1] = { m };
	uint8_t res = 0xff;
	int32_t ri = -7;

	role_acl_classify(a, metas, &dir, &role, 1, &res, &ri);
	if (idx != NULL)
		*idx = ri;
	return res;
}

#define EXPECT(a, m, dir, role, result, index) do {                          \
		int32_t idx_;                                                \
		assert_int_equal(classify1((a), &(m), (dir), (role), &idx_), (result)); \
		assert_int_equal(idx_, (index));                             \
	} while (0)

static struct role_acl *build(const struct role_acl_spec *r, unsigned n)
{
	struct role_acl *a = role_acl_build("racl", r, n, defaults, SOCKET_ID_ANY, err, sizeof(err));

	if (a == NULL)
		print_error("build failed: %s\n", err);
	assert_non_null(a);
	assert_int_equal(role_acl_rule_count(a), n);
	return a;
}

static void test_proto_prefix_port(void **state)
{
	(void)state;
	const uint32_t me = IP4(192, 168, 0, 10);
	struct role_acl_spec r[] = {
		rule4(2, 100, IPPROTO_TCP, IP4(10, 0, 0, 0), 8, 80, 80, FP_ACL_PERMIT),
		rule4(2, 101, IPPROTO_UDP, 0, 0, 53, 53, FP_ACL_DENY),
		rule4(2, 102, 0, IP4(172, 16, 1, 0), 24, 0, 65535, FP_ACL_PERMIT),
		rule4(2, 103, IPPROTO_UDP, IP4(8, 8, 8, 8), 32, 1000, 2000, FP_ACL_PERMIT),
	};
	struct role_acl *a;
	struct pkt_meta m;

	defaults_reset();
	defaults[2] = FP_ACL_DENY;
	a = build(r, RTE_DIM(r));

	m = pkt4(IPPROTO_TCP, me, 40000, IP4(10, 1, 2, 3), 80);
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_PERMIT, 0);
	m = pkt4(IPPROTO_TCP, me, 40000, IP4(10, 1, 2, 3), 81);        /* port */
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_DENY, -1);
	m = pkt4(IPPROTO_TCP, me, 40000, IP4(11, 1, 2, 3), 80);        /* prefix */
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_DENY, -1);
	m = pkt4(IPPROTO_UDP, me, 40000, IP4(10, 1, 2, 3), 80);        /* proto */
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_DENY, -1);
	m = pkt4(IPPROTO_UDP, me, 40000, IP4(9, 9, 9, 9), 53);
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_DENY, 1);
	m = pkt4(IPPROTO_ICMP, me, 0, IP4(172, 16, 1, 200), 0);        /* any proto */
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_PERMIT, 2);
	m = pkt4(IPPROTO_TCP, me, 5, IP4(172, 16, 1, 1), 22);
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_PERMIT, 2);
	m = pkt4(IPPROTO_TCP, me, 5, IP4(172, 16, 2, 1), 22);
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_DENY, -1);
	m = pkt4(IPPROTO_UDP, me, 5, IP4(8, 8, 8, 8), 1000);           /* range ends */
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_PERMIT, 3);
	m = pkt4(IPPROTO_UDP, me, 5, IP4(8, 8, 8, 8), 2000);
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_PERMIT, 3);
	m = pkt4(IPPROTO_UDP, me, 5, IP4(8, 8, 8, 8), 2001);
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_DENY, -1);
	m = pkt4(IPPROTO_UDP, me, 5, IP4(8, 8, 8, 9), 1500);
	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_DENY, -1);
	assert_int_equal(role_acl_rule_id(a, 3), 103);
	assert_int_equal(role_acl_rule_id(a, 4), 0);
	role_acl_free(a);
}

static void test_first_match_wins(void **state)
{
	(void)state;
	const uint32_t me = IP4(192, 168, 0, 10);
	struct role_acl_spec r[] = {
		/* role 3: specific deny before a broad permit */
		rule4(3, 1, IPPROTO_TCP, IP4(10, 0, 0, 0), 8, 22, 22, FP_ACL_DENY),
		rule4(3, 2, IPPROTO_TCP, IP4(10, 0, 0, 0), 8, 0, 65535, FP_ACL_PERMIT),
		/* role 4: broad permit before a more specific deny: the
		 * permit wins, whatever the specificity */
		rule4(4, 3, IPPROTO_TCP, IP4(10, 0, 0, 0), 8, 0, 65535, FP_ACL_PERMIT),
		rule4(4, 4, IPPROTO_TCP, IP4(10, 0, 0, 1), 32, 22, 22, FP_ACL_DENY),
	};
	struct role_acl *a;
	struct pkt_meta m;

	defaults_reset();
	a = build(r, RTE_DIM(r));
	m = pkt4(IPPROTO_TCP, me, 1234, IP4(10, 0, 0, 1), 22);
	EXPECT(a, m, DIR_FROM_LAN, 3, RACL_DENY, 0);
	EXPECT(a, m, DIR_FROM_LAN, 4, RACL_PERMIT, 2);
	m = pkt4(IPPROTO_TCP, me, 1234, IP4(10, 0, 0, 1), 23);
	EXPECT(a, m, DIR_FROM_LAN, 3, RACL_PERMIT, 1);
	role_acl_free(a);
}

static void test_role_isolation_and_defaults(void **state)
{
	(void)state;
	const uint32_t me = IP4(192, 168, 0, 10);
	struct role_acl_spec r[] = {
		rule4(2, 1, IPPROTO_TCP, IP4(10, 0, 0, 0), 8, 0, 65535, FP_ACL_PERMIT),
		rule4(3, 2, IPPROTO_TCP, IP4(20, 0, 0, 0), 8, 0, 65535, FP_ACL_PERMIT),
		rule4(7, 3, IPPROTO_UDP, IP4(20, 0, 0, 0), 8, 0, 65535, FP_ACL_DENY),
	};
	struct role_acl *a;
	struct pkt_meta m = pkt4(IPPROTO_TCP, me, 1234, IP4(10, 0, 0, 1), 80);
	struct pkt_meta arp;

	defaults_reset();
	defaults[2] = FP_ACL_DENY;
	defaults[3] = FP_ACL_DENY;
	defaults[5] = FP_ACL_PERMIT;   /* no rules, permit */
	defaults[6] = FP_ACL_DENY;     /* no rules, deny */
	defaults[7] = FP_ACL_PERMIT;   /* rules and permit */
	/* role 8: rules nowhere, default -1: undefined */
	a = build(r, RTE_DIM(r));

	EXPECT(a, m, DIR_FROM_LAN, 2, RACL_PERMIT, 0);
	EXPECT(a, m, DIR_FROM_LAN, 3, RACL_DENY, -1);    /* role 2's rule is not role 3's */
	EXPECT(a, m, DIR_FROM_LAN, 5, RACL_PERMIT, -1);
	EXPECT(a, m, DIR_FROM_LAN, 6, RACL_DENY, -1);
	EXPECT(a, m, DIR_FROM_LAN, 7, RACL_PERMIT, -1);
	EXPECT(a, m, DIR_FROM_LAN, 8, RACL_NO_ROLE, -1);
	EXPECT(a, m, DIR_FROM_LAN, 0, RACL_PERMIT, -1);  /* unrestricted */
	EXPECT(a, m, DIR_FROM_LAN, FPMSG_MAX_ROLES, RACL_NO_ROLE, -1);
	EXPECT(a, m, DIR_FROM_LAN, UINT16_MAX, RACL_NO_ROLE, -1);
	m = pkt4(IPPROTO_UDP, me, 1234, IP4(20, 1, 1, 1), 53);
	EXPECT(a, m, DIR_FROM_LAN, 7, RACL_DENY, 2);

	/* Frames that are not IP get the role's default. */
	memset(&arp, 0, sizeof(arp));
	arp.ethertype = ETHER_TYPE_ARP;
	arp.flags = PKT_F_ARP;
	arp.src4 = me;
	arp.dst4 = IP4(10, 0, 0, 1);
	EXPECT(a, arp, DIR_FROM_LAN, 2, RACL_DENY, -1);
	EXPECT(a, arp, DIR_FROM_LAN, 5, RACL_PERMIT, -1);
	EXPECT(a, arp, DIR_FROM_LAN, 7, RACL_PERMIT, -1);
	EXPECT(a, arp, DIR_FROM_LAN, 8, RACL_NO_ROLE, -1);
	EXPECT(a, arp, DIR_FROM_LAN, 0, RACL_PERMIT, -1);
	role_acl_free(a);
}

static void test_direction(void **state)
{
	(void)state;
	struct role_acl_spec r[] = {
		rule4(2, 1, IPPROTO_TCP, IP4(10, 0, 0, 0), 8, 443, 443, FP_ACL_PERMIT),
	};
	struct role_acl *a;
	struct pkt_meta out, in;

	defaults_reset();
	a = build(r, RTE_DIM(r));
	/* LAN device 192.168.0.10:50000 -> 10.1.1.1:443 */
	out = pkt4(IPPROTO_TCP, IP4(192, 168, 0, 10), 50000, IP4(10, 1, 1, 1), 443);
	/* the reply, 10.1.1.1:443 -> 192.168.0.10:50000, arrives on the uplink */
	in = pkt4(IPPROTO_TCP, IP4(10, 1, 1, 1), 443, IP4(192, 168, 0, 10), 50000);
	EXPECT(a, out, DIR_FROM_LAN, 2, RACL_PERMIT, 0);
	EXPECT(a, in, DIR_FROM_UPLINK, 2, RACL_PERMIT, 0);
	/* Read with the wrong side as remote, neither matches. */
	EXPECT(a, out, DIR_FROM_UPLINK, 2, RACL_DENY, -1);
	EXPECT(a, in, DIR_FROM_LAN, 2, RACL_DENY, -1);
	role_acl_free(a);
}

static void test_ipv6(void **state)
{
	(void)state;
	const char *me = "2001:db8:ffff::10";
	struct role_acl_spec r[] = {
		rule6(9, 1, IPPROTO_TCP, "2001:db8:dead::", 48, 0, 65535, FP_ACL_DENY),
		rule6(9, 2, IPPROTO_TCP, "2001:db8::", 32, 443, 443, FP_ACL_PERMIT),
		rule6(9, 3, 0, "2001:db8:1:2:3:4:5:6", 128, 0, 65535, FP_ACL_PERMIT),
		rule6(9, 4, IPPROTO_UDP, "2001:db8:77:7700::", 56, 0, 65535, FP_ACL_PERMIT),
		rule6(9, 5, IPPROTO_UDP, "fd00:1:2:3:4:5:6:7000", 116, 0, 65535, FP_ACL_PERMIT),
		rule_any(9, 6, IPPROTO_UDP, 123, 123, FP_ACL_PERMIT),
		rule4(9, 7, IPPROTO_TCP, IP4(10, 0, 0, 0), 8, 443, 443, FP_ACL_PERMIT),
	};
	struct role_acl *a;
	struct pkt_meta m;

	defaults_reset();
	a = build(r, RTE_DIM(r));
	m = pkt6(IPPROTO_TCP, me, 40000, "2001:db8:dead::1", 443);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_DENY, 0);
	m = pkt6(IPPROTO_TCP, me, 40000, "2001:db8:1::1", 443);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_PERMIT, 1);
	m = pkt6(IPPROTO_TCP, me, 40000, "2001:db8:1::1", 80);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_DENY, -1);
	m = pkt6(IPPROTO_TCP, me, 40000, "2001:db9::1", 443);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_DENY, -1);
	m = pkt6(IPPROTO_TCP, me, 40000, "2001:db8:1:2:3:4:5:6", 80);   /* /128 */
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_PERMIT, 2);
	m = pkt6(IPPROTO_TCP, me, 40000, "2001:db8:1:2:3:4:5:7", 80);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_DENY, -1);
	m = pkt6(IPPROTO_UDP, me, 40000, "2001:db8:77:77ff::1", 9);     /* /56 inside a word */
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_PERMIT, 3);
	m = pkt6(IPPROTO_UDP, me, 40000, "2001:db8:77:7800::1", 9);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_DENY, -1);
	m = pkt6(IPPROTO_UDP, me, 40000, "fd00:1:2:3:4:5:6:7fff", 9);   /* /116 */
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_PERMIT, 4);
	m = pkt6(IPPROTO_UDP, me, 40000, "fd00:1:2:3:4:5:6:8000", 9);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_DENY, -1);
	/* family 0 applies to both */
	m = pkt6(IPPROTO_UDP, me, 40000, "2a00::1", 123);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_PERMIT, 5);
	m = pkt4(IPPROTO_UDP, IP4(192, 168, 0, 10), 40000, IP4(1, 2, 3, 4), 123);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_PERMIT, 5);
	/* family 4 rules stay out of IPv6 and the reverse */
	m = pkt4(IPPROTO_TCP, IP4(192, 168, 0, 10), 40000, IP4(10, 0, 0, 1), 443);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_PERMIT, 6);
	m = pkt4(IPPROTO_TCP, IP4(192, 168, 0, 10), 40000, IP4(32, 1, 13, 184), 443);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_DENY, -1);
	m = pkt6(IPPROTO_TCP, me, 40000, "::ffff:10.0.0.1", 443);
	EXPECT(a, m, DIR_FROM_LAN, 9, RACL_DENY, -1);
	/* direction: remote is the source from the uplink */
	m = pkt6(IPPROTO_TCP, "2001:db8:1::1", 443, me, 40000);
	EXPECT(a, m, DIR_FROM_UPLINK, 9, RACL_PERMIT, 1);
	role_acl_free(a);
}

static void test_frames_without_ports(void **state)
{
	(void)state;
	const uint32_t me = IP4(192, 168, 0, 10);
	struct role_acl_spec r[] = {
		/* role 10: only low ports, any protocol */
		rule_any(10, 1, 0, 0, 1023, FP_ACL_PERMIT),
		/* role 11: ICMP, then a port-less "anything" */
		rule4(11, 2, IPPROTO_ICMP, IP4(10, 0, 0, 0), 8, 0, 65535, FP_ACL_DENY),
		rule_any(11, 3, 0, 0, 65535, FP_ACL_PERMIT),
		/* role 12: a port-ranged rule for TCP */
		rule4(12, 4, IPPROTO_TCP, IP4(10, 0, 0, 0), 8, 0, 0, FP_ACL_PERMIT),
	};
	struct role_acl *a;
	struct pkt_meta icmp = pkt4(IPPROTO_ICMP, me, 0, IP4(10, 0, 0, 1), 0);
	struct pkt_meta gre = pkt4(47, me, 0, IP4(10, 0, 0, 1), 0);
	struct pkt_meta frag = pkt4(IPPROTO_TCP, me, 0, IP4(10, 0, 0, 1), 0);
	struct pkt_meta udp0 = pkt4(IPPROTO_UDP, me, 0, IP4(10, 0, 0, 1), 0);
	struct pkt_meta tcp0 = pkt4(IPPROTO_TCP, me, 0, IP4(10, 0, 0, 1), 0);

	icmp.icmp_type = 8;
	frag.flags = PKT_F_IPV4 | PKT_F_FRAG;   /* non-first fragment: no L4 header */

	defaults_reset();
	a = build(r, RTE_DIM(r));
	/* ICMP, other protocols and fragments have no port: a port range
	 * that covers 0 must still not match them. */
	EXPECT(a, icmp, DIR_FROM_LAN, 10, RACL_DENY, -1);
	EXPECT(a, gre, DIR_FROM_LAN, 10, RACL_DENY, -1);
	EXPECT(a, frag, DIR_FROM_LAN, 10, RACL_DENY, -1);
	EXPECT(a, udp0, DIR_FROM_LAN, 10, RACL_PERMIT, 0);   /* real port 0 */
	EXPECT(a, icmp, DIR_FROM_LAN, 11, RACL_DENY, 1);
	EXPECT(a, gre, DIR_FROM_LAN, 11, RACL_PERMIT, 2);
	EXPECT(a, frag, DIR_FROM_LAN, 11, RACL_PERMIT, 2);
	EXPECT(a, frag, DIR_FROM_LAN, 12, RACL_DENY, -1);
	EXPECT(a, tcp0, DIR_FROM_LAN, 12, RACL_PERMIT, 3);
	role_acl_free(a);
}

static void test_large_rule_set(void **state)
{
	(void)state;
	enum { ROLES = 100, PER_ROLE = 10, N = ROLES * PER_ROLE };
	static struct role_acl_spec r[N];
	static struct pkt_meta m[64];
	const struct pkt_meta *metas[64];
	uint8_t dirs[64], res[64];
	uint16_t roles[64];
	int32_t idx[64];
	struct role_acl *a;
	unsigned i = 0, checked = 0;

	defaults_reset();
	for (unsigned role = 1; role <= ROLES; role++) {
		defaults[role] = role % 2 ? FP_ACL_PERMIT : FP_ACL_DENY;
		for (unsigned k = 0; k < PER_ROLE; k++, i++)
			r[i] = rule4((uint16_t)role, 10000 + i, k % 2 ? IPPROTO_UDP : IPPROTO_TCP,
				     IP4(10, role, k, 0), 24, (uint16_t)(1000 + k), (uint16_t)(1000 + k),
				     k % 3 ? FP_ACL_PERMIT : FP_ACL_DENY);
	}
	a = build(r, N);
	for (unsigned j = 0; j < N; j++)
		assert_int_equal(role_acl_rule_id(a, j), 10000 + j);

	/* Every rule hit by its own frame; the same frame under the next
	 * role, and with the next port, falls to that role's default. Bursts
	 * of 64 mix all three. */
	for (unsigned base = 0; base < N; base += 20) {
		unsigned n = 0;

		for (unsigned j = base; j < base + 20 && j < N; j++) {
			unsigned role = j / PER_ROLE + 1, k = j % PER_ROLE;
			uint8_t proto = k % 2 ? IPPROTO_UDP : IPPROTO_TCP;
			struct pkt_meta hit = pkt4(proto, IP4(192, 168, 0, 1), 5555,
						   IP4(10, role, k, 77), (uint16_t)(1000 + k));
			struct pkt_meta other_port = hit;

			other_port.dport = (uint16_t)(1000 + k + 1);
			m[n] = hit;
			roles[n++] = (uint16_t)role;
			m[n] = hit;
			roles[n++] = (uint16_t)(role % ROLES + 1);
			m[n] = other_port;
			roles[n++] = (uint16_t)role;
		}
		for (unsigned j = 0; j < n; j++) {
			metas[j] = &m[j];
			dirs[j] = DIR_FROM_LAN;
		}
		role_acl_classify(a, metas, dirs, roles, n, res, idx);
		for (unsigned j = 0; j < n; j++) {
			unsigned rule = (m[j].dst4 >> 16 & 0xff) * PER_ROLE - PER_ROLE + (m[j].dst4 >> 8 & 0xff);
			bool own = roles[j] == (m[j].dst4 >> 16 & 0xff) &&
				   m[j].dport == 1000 + (m[j].dst4 >> 8 & 0xff);

			if (own) {
				assert_int_equal(idx[j], (int32_t)rule);
				assert_int_equal(res[j], r[rule].rule.action ? RACL_PERMIT : RACL_DENY);
			} else {
				assert_int_equal(idx[j], -1);
				assert_int_equal(res[j], roles[j] % 2 ? RACL_PERMIT : RACL_DENY);
			}
			checked++;
		}
	}
	assert_int_equal(checked, 3 * N);

	/* rule_index may be NULL */
	role_acl_classify(a, metas, dirs, roles, 3, res, NULL);
	role_acl_free(a);
}

static void test_refused(void **state)
{
	(void)state;
	struct role_acl_spec r;
	struct role_acl *a;

	defaults_reset();
	r = rule4(FPMSG_MAX_ROLES, 42, IPPROTO_TCP, 0, 0, 0, 65535, FP_ACL_PERMIT);
	a = role_acl_build("racl", &r, 1, defaults, SOCKET_ID_ANY, err, sizeof(err));
	assert_null(a);
	assert_non_null(strstr(err, "role 1024"));
	print_message("refused: %s\n", err);

	r = rule4(0, 1, IPPROTO_TCP, 0, 0, 0, 65535, FP_ACL_PERMIT);
	assert_null(role_acl_build("racl", &r, 1, defaults, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "role 0"));

	r = rule4(1, 1, IPPROTO_TCP, 0, 33, 0, 65535, FP_ACL_PERMIT);
	assert_null(role_acl_build("racl", &r, 1, defaults, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "prefix length"));

	r = rule6(1, 1, IPPROTO_TCP, "::", 129, 0, 65535, FP_ACL_PERMIT);
	assert_null(role_acl_build("racl", &r, 1, defaults, SOCKET_ID_ANY, err, sizeof(err)));

	r = rule4(1, 1, IPPROTO_TCP, 0, 0, 10, 9, FP_ACL_PERMIT);
	assert_null(role_acl_build("racl", &r, 1, defaults, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "port range"));

	r = rule4(1, 1, IPPROTO_TCP, 0, 0, 0, 65535, 7);
	assert_null(role_acl_build("racl", &r, 1, defaults, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "action"));

	r = rule4(1, 1, IPPROTO_TCP, 0, 0, 0, 65535, FP_ACL_PERMIT);
	r.rule.family = 5;
	assert_null(role_acl_build("racl", &r, 1, defaults, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "family"));

	defaults[3] = 2;
	assert_null(role_acl_build("racl", NULL, 0, defaults, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "role 3"));
	defaults_reset();

	assert_null(role_acl_build("racl", NULL, 1, defaults, SOCKET_ID_ANY, err, sizeof(err)));
	assert_null(role_acl_build("racl", NULL, ROLE_ACL_MAX_RULES + 1, defaults, SOCKET_ID_ANY,
				   NULL, 0));
}

static void test_empty_and_swap(void **state)
{
	(void)state;
	struct pkt_meta m4 = pkt4(IPPROTO_TCP, IP4(192, 168, 0, 10), 1, IP4(10, 0, 0, 1), 80);
	struct pkt_meta m6 = pkt6(IPPROTO_TCP, "2001:db8::1", 1, "2001:db8::2", 80);
	struct role_acl_spec r = rule_any(5, 1, IPPROTO_TCP, 0, 65535, FP_ACL_DENY);
	struct role_acl *a, *b;

	defaults_reset();
	defaults[5] = FP_ACL_PERMIT;
	a = build(NULL, 0);
	EXPECT(a, m4, DIR_FROM_LAN, 5, RACL_PERMIT, -1);
	EXPECT(a, m6, DIR_FROM_LAN, 5, RACL_PERMIT, -1);
	EXPECT(a, m4, DIR_FROM_LAN, 6, RACL_NO_ROLE, -1);
	EXPECT(a, m4, DIR_FROM_LAN, 0, RACL_PERMIT, -1);

	/* A second table under the same name while the first still exists
	 * (a swap): both work independently. */
	b = build(&r, 1);
	EXPECT(b, m4, DIR_FROM_LAN, 5, RACL_DENY, 0);
	EXPECT(a, m4, DIR_FROM_LAN, 5, RACL_PERMIT, -1);
	role_acl_free(a);
	EXPECT(b, m6, DIR_FROM_LAN, 5, RACL_DENY, 0);
	role_acl_free(b);

	/* No table at all: only role 0 passes. */
	EXPECT(NULL, m4, DIR_FROM_LAN, 0, RACL_PERMIT, -1);
	EXPECT(NULL, m4, DIR_FROM_LAN, 5, RACL_NO_ROLE, -1);
	assert_int_equal(role_acl_rule_count(NULL), 0);
}

int main(void)
{
	char *eal_args[] = { "role_acl_test", "--no-huge", "-m", "512", "--no-shconf", "--no-pci",
			     "--log-level", "error", "-l", "0" };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_prefix_port),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_role_isolation_and_defaults),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_frames_without_ports),
		cmocka_unit_test(test_large_rule_set),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_empty_and_swap),
	};
	int rc;

	if (rte_eal_init((int)RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "role_acl_test: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
