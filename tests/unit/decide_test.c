/* decide_test.c — decide() and qlist_allows() over real parsed frames.
 *
 * Frames are built byte by byte and run through pkt_parse(), so the
 * metadata decide() sees is the metadata the worker would see.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "pkt.h"

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			 ((uint32_t)(c) << 8) | (uint32_t)(d))

static const uint8_t MAC_CLIENT[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t MAC_ROUTER[6] = { 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t MAC_BCAST[6]  = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_PAE[6]    = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x03 };
static const uint8_t MAC_LLDP[6]   = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };

static const uint32_t IP_CLIENT   = IP4(10, 0, 0, 2);
static const uint32_t IP_GATEWAY  = IP4(10, 0, 0, 1);
static const uint32_t IP_RESOLVER = IP4(192, 0, 2, 53);
static const uint32_t IP_PATCHES  = IP4(192, 0, 2, 80);    /* ports 80, 443 */
static const uint32_t IP_PORTAL   = IP4(198, 51, 100, 7);  /* any port */
static const uint32_t IP_ELSEWHERE = IP4(203, 0, 113, 9);
static const uint32_t IP_OPEN_DNS = IP4(8, 8, 8, 8);

static const uint8_t IP6_CLIENT[16]   = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
static const uint8_t IP6_RESOLVER[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };
static const uint8_t IP6_PATCHES[16]  = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
static const uint8_t IP6_ALLNODES[16] = { 0xff, 0x02, [15] = 0x01 };

/* ---- frame builder ----------------------------------------------------- */

struct frame {
	uint8_t b[512];
	uint32_t len;
};

static void put8(struct frame *f, uint8_t v)
{
	assert_true(f->len < sizeof(f->b));
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

static void put_ipv4(struct frame *f, uint8_t proto, uint32_t src, uint32_t dst,
		     uint16_t l4_len, uint16_t frag)
{
	put8(f, 0x45);
	put8(f, 0);
	put16(f, (uint16_t)(20 + l4_len));
	put16(f, 1);
	put16(f, frag);
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
	put8(f, 255);
	putn(f, src, 16);
	putn(f, dst, 16);
}

static void put_ports(struct frame *f, uint8_t proto, uint16_t sport, uint16_t dport)
{
	put16(f, sport);
	put16(f, dport);
	if (proto == 17) {
		put16(f, 8);
		put16(f, 0);
		return;
	}
	put32(f, 1);
	put32(f, 0);
	put8(f, 5 << 4);
	put8(f, 0x02);
	put16(f, 65535);
	put32(f, 0);
}

/* ---- the frame kinds, each seen from both sides ------------------------ */

enum kind {
	K_ARP,
	K_DHCP,
	K_DNS_RESOLVER,
	K_DNS_TCP_RESOLVER,
	K_DNS_OTHER,
	K_REMEDIATION_PORT_OK,
	K_REMEDIATION_PORT_NO,
	K_REMEDIATION_ANY_ICMP,
	K_TCP_OTHER,
	K_EAPOL,
	K_LINK_LOCAL,
	K_ND,
	K_DHCP6,
	K_DNS6_RESOLVER,
	K_TCP6_REMEDIATION,
	K_FRAG_TO_RESOLVER,
	K_OTHER_ETHERTYPE,
	K__MAX
};

static const char *const kind_names[K__MAX] = {
	"arp", "dhcp", "dns_resolver", "dns_tcp_resolver", "dns_other",
	"remediation_port_ok", "remediation_port_no", "remediation_any_icmp",
	"tcp_other", "eapol", "link_local", "nd", "dhcp6", "dns6_resolver",
	"tcp6_remediation", "frag_to_resolver", "other_ethertype",
};

/* An IPv4 exchange between the client and `remote`: from the LAN the
 * client sends to remote:rport, from the uplink remote:rport answers. */
static void ipv4_flow(struct frame *f, enum direction dir, uint8_t proto, uint32_t remote,
		      uint16_t rport, uint16_t lport)
{
	uint16_t l4_len = proto == 17 ? 8 : 20;

	if (dir == DIR_FROM_LAN) {
		put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
		put_ipv4(f, proto, IP_CLIENT, remote, l4_len, 0x4000);
		put_ports(f, proto, lport, rport);
	} else {
		put_eth(f, MAC_CLIENT, MAC_ROUTER, ETHER_TYPE_IPV4);
		put_ipv4(f, proto, remote, IP_CLIENT, l4_len, 0x4000);
		put_ports(f, proto, rport, lport);
	}
}

static void ipv6_flow(struct frame *f, enum direction dir, uint8_t proto,
		      const uint8_t *remote, uint16_t rport, uint16_t lport)
{
	uint16_t l4_len = proto == 17 ? 8 : 20;

	if (dir == DIR_FROM_LAN) {
		put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV6);
		put_ipv6(f, proto, IP6_CLIENT, remote, l4_len);
		put_ports(f, proto, lport, rport);
	} else {
		put_eth(f, MAC_CLIENT, MAC_ROUTER, ETHER_TYPE_IPV6);
		put_ipv6(f, proto, remote, IP6_CLIENT, l4_len);
		put_ports(f, proto, rport, lport);
	}
}

static void build(struct frame *f, enum kind k, enum direction dir)
{
	bool lan = dir == DIR_FROM_LAN;

	switch (k) {
	case K_ARP:
		/* From the LAN the client asks for the gateway; from the
		 * uplink the gateway answers. */
		put_eth(f, lan ? MAC_BCAST : MAC_CLIENT, lan ? MAC_CLIENT : MAC_ROUTER,
			ETHER_TYPE_ARP);
		put16(f, 1);
		put16(f, ETHER_TYPE_IPV4);
		put8(f, 6);
		put8(f, 4);
		put16(f, lan ? 1 : 2);
		putn(f, lan ? MAC_CLIENT : MAC_ROUTER, 6);
		put32(f, lan ? IP_CLIENT : IP_GATEWAY);
		if (lan)
			putzero(f, 6);
		else
			putn(f, MAC_CLIENT, 6);
		put32(f, lan ? IP_GATEWAY : IP_CLIENT);
		break;
	case K_DHCP:
		if (lan) {
			put_eth(f, MAC_BCAST, MAC_CLIENT, ETHER_TYPE_IPV4);
			put_ipv4(f, 17, 0, 0xffffffffu, 8, 0);
			put_ports(f, 17, 68, 67);
		} else {
			put_eth(f, MAC_CLIENT, MAC_ROUTER, ETHER_TYPE_IPV4);
			put_ipv4(f, 17, IP_GATEWAY, IP_CLIENT, 8, 0);
			put_ports(f, 17, 67, 68);
		}
		break;
	case K_DNS_RESOLVER:
		ipv4_flow(f, dir, 17, IP_RESOLVER, 53, 33000);
		break;
	case K_DNS_TCP_RESOLVER:
		ipv4_flow(f, dir, 6, IP_RESOLVER, 53, 33001);
		break;
	case K_DNS_OTHER:
		ipv4_flow(f, dir, 17, IP_OPEN_DNS, 53, 33002);
		break;
	case K_REMEDIATION_PORT_OK:
		ipv4_flow(f, dir, 6, IP_PATCHES, 443, 33003);
		break;
	case K_REMEDIATION_PORT_NO:
		ipv4_flow(f, dir, 6, IP_PATCHES, 22, 33004);
		break;
	case K_REMEDIATION_ANY_ICMP:
		if (lan) {
			put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
			put_ipv4(f, 1, IP_CLIENT, IP_PORTAL, 8, 0);
		} else {
			put_eth(f, MAC_CLIENT, MAC_ROUTER, ETHER_TYPE_IPV4);
			put_ipv4(f, 1, IP_PORTAL, IP_CLIENT, 8, 0);
		}
		put8(f, lan ? 8 : 0);
		putzero(f, 7);
		break;
	case K_TCP_OTHER:
		ipv4_flow(f, dir, 6, IP_ELSEWHERE, 443, 33005);
		break;
	case K_EAPOL:
		put_eth(f, lan ? MAC_PAE : MAC_CLIENT, lan ? MAC_CLIENT : MAC_ROUTER,
			ETHER_TYPE_EAPOL);
		put8(f, 2);
		put8(f, lan ? 1 : 0);
		put16(f, 0);
		break;
	case K_LINK_LOCAL:
		put_eth(f, MAC_LLDP, lan ? MAC_CLIENT : MAC_ROUTER, 0x88cc);
		putzero(f, 46);
		break;
	case K_ND:
		/* Neighbour solicitation from the client, router advertisement
		 * from the uplink. */
		if (lan) {
			static const uint8_t solicited_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 0x01 };
			static const uint8_t gw6_solicited[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 1 };
			put_eth(f, solicited_mac, MAC_CLIENT, ETHER_TYPE_IPV6);
			put_ipv6(f, 58, IP6_CLIENT, gw6_solicited, 24);
			put8(f, 135);
			putzero(f, 23);
		} else {
			static const uint8_t allnodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
			static const uint8_t gw6_ll[16] = { 0xfe, 0x80, [15] = 1 };
			put_eth(f, allnodes_mac, MAC_ROUTER, ETHER_TYPE_IPV6);
			put_ipv6(f, 58, gw6_ll, IP6_ALLNODES, 16);
			put8(f, 134);
			putzero(f, 15);
		}
		break;
	case K_DHCP6:
		if (lan) {
			static const uint8_t agents[16] = { 0xff, 0x02, [13] = 1, [15] = 2 };
			static const uint8_t agents_mac[6] = { 0x33, 0x33, 0, 1, 0, 2 };
			put_eth(f, agents_mac, MAC_CLIENT, ETHER_TYPE_IPV6);
			put_ipv6(f, 17, IP6_CLIENT, agents, 8);
			put_ports(f, 17, 546, 547);
		} else {
			ipv6_flow(f, dir, 17, IP6_RESOLVER, 547, 546);
		}
		break;
	case K_DNS6_RESOLVER:
		ipv6_flow(f, dir, 17, IP6_RESOLVER, 53, 33006);
		break;
	case K_TCP6_REMEDIATION:
		ipv6_flow(f, dir, 6, IP6_PATCHES, 443, 33007);
		break;
	case K_FRAG_TO_RESOLVER:
		if (lan) {
			put_eth(f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
			put_ipv4(f, 17, IP_CLIENT, IP_RESOLVER, 8, 185);
		} else {
			put_eth(f, MAC_CLIENT, MAC_ROUTER, ETHER_TYPE_IPV4);
			put_ipv4(f, 17, IP_RESOLVER, IP_CLIENT, 8, 185);
		}
		put_ports(f, 17, 53, 53);
		break;
	case K_OTHER_ETHERTYPE:
		put_eth(f, lan ? MAC_ROUTER : MAC_CLIENT, lan ? MAC_CLIENT : MAC_ROUTER, 0x88b5);
		putzero(f, 46);
		break;
	case K__MAX:
		fail();
	}
}

static void parse_kind(enum kind k, enum direction dir, struct pkt_meta *m)
{
	struct frame f = { .len = 0 };

	build(&f, k, dir);
	int rc = pkt_parse(f.b, f.len, m);
	if (rc != 0)
		fail_msg("%s dir %d: parse %s", kind_names[k], dir, pkt_error_name(rc));
}

static void make_qlist(struct qlist *q)
{
	memset(q, 0, sizeof(*q));
	q->nresolvers = 2;
	q->resolvers[0] = (struct qlist_server){ .family = 4, .addr4 = IP_RESOLVER };
	q->resolvers[1].family = 6;
	memcpy(q->resolvers[1].addr6, IP6_RESOLVER, 16);
	q->nremediation = 3;
	q->remediation[0] = (struct qlist_server){
		.family = 4, .addr4 = IP_PATCHES, .nports = 2, .ports = { 80, 443 },
	};
	q->remediation[1] = (struct qlist_server){ .family = 4, .addr4 = IP_PORTAL };
	q->remediation[2] = (struct qlist_server){ .family = 6, .nports = 1, .ports = { 443 } };
	memcpy(q->remediation[2].addr6, IP6_PATCHES, 16);
}

/* ---- the table ---------------------------------------------------------- */

/* Columns: the LAN-side device's state, and for UNKNOWN the configured
 * action. Admitted rows assume the ACL permits and nothing is blocklisted;
 * those two are tested on their own below. */
enum column { C_ADMITTED, C_QUARANTINED, C_BLOCKED, C_UNK_QUARANTINE, C_UNK_MONITOR,
	      C_UNK_BLOCK, C__MAX };

static const struct {
	enum device_state state;
	enum unknown_action action;
} columns[C__MAX] = {
	[C_ADMITTED]      = { DEV_ADMITTED, UNKNOWN_QUARANTINE },
	[C_QUARANTINED]   = { DEV_QUARANTINED, UNKNOWN_QUARANTINE },
	[C_BLOCKED]       = { DEV_BLOCKED, UNKNOWN_QUARANTINE },
	[C_UNK_QUARANTINE] = { DEV_UNKNOWN, UNKNOWN_QUARANTINE },
	[C_UNK_MONITOR]   = { DEV_UNKNOWN, UNKNOWN_MONITOR },
	[C_UNK_BLOCK]     = { DEV_UNKNOWN, UNKNOWN_BLOCK },
};

#define FWD DROP_NONE

struct row {
	enum kind kind;
	enum direction dir;
	uint8_t verdict[C__MAX];  /* DROP_NONE: forwarded */
	uint8_t punt_known;       /* punt for a device in the table */
	uint8_t punt_unknown;     /* punt for a DEV_UNKNOWN device */
};

#define ALLOWED(k, d, pk, pu) \
	{ k, d, { FWD, FWD, DROP_BLOCKED, FWD, FWD, DROP_UNKNOWN }, pk, pu }
#define NOT_ALLOWED(k, d, pk, pu) \
	{ k, d, { FWD, DROP_QUARANTINE, DROP_BLOCKED, DROP_UNKNOWN, FWD, DROP_UNKNOWN }, pk, pu }
#define ALL(k, d, why, pk, pu) \
	{ k, d, { why, why, why, why, why, why }, pk, pu }

static const struct row table[] = {
	ALLOWED(K_ARP, DIR_FROM_LAN, PUNT_ARP, PUNT_ARP),
	ALLOWED(K_ARP, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	ALLOWED(K_DHCP, DIR_FROM_LAN, PUNT_DHCP, PUNT_DHCP),
	ALLOWED(K_DHCP, DIR_FROM_UPLINK, PUNT_DHCP, PUNT_DHCP),
	ALLOWED(K_DNS_RESOLVER, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	ALLOWED(K_DNS_RESOLVER, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	ALLOWED(K_DNS_TCP_RESOLVER, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	ALLOWED(K_DNS_TCP_RESOLVER, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	NOT_ALLOWED(K_DNS_OTHER, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	NOT_ALLOWED(K_DNS_OTHER, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	ALLOWED(K_REMEDIATION_PORT_OK, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	ALLOWED(K_REMEDIATION_PORT_OK, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	NOT_ALLOWED(K_REMEDIATION_PORT_NO, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	NOT_ALLOWED(K_REMEDIATION_PORT_NO, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	ALLOWED(K_REMEDIATION_ANY_ICMP, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	ALLOWED(K_REMEDIATION_ANY_ICMP, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	NOT_ALLOWED(K_TCP_OTHER, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	NOT_ALLOWED(K_TCP_OTHER, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	ALL(K_EAPOL, DIR_FROM_LAN, DROP_EAPOL_CONSUMED, PUNT_EAPOL, PUNT_EAPOL),
	ALL(K_EAPOL, DIR_FROM_UPLINK, DROP_LINK_LOCAL, PUNT_NONE, PUNT_NONE),
	ALL(K_LINK_LOCAL, DIR_FROM_LAN, DROP_LINK_LOCAL, PUNT_NONE, PUNT_NONE),
	ALL(K_LINK_LOCAL, DIR_FROM_UPLINK, DROP_LINK_LOCAL, PUNT_NONE, PUNT_NONE),
	ALLOWED(K_ND, DIR_FROM_LAN, PUNT_ND, PUNT_ND),
	ALLOWED(K_ND, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	ALLOWED(K_DHCP6, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	ALLOWED(K_DHCP6, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	ALLOWED(K_DNS6_RESOLVER, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	ALLOWED(K_DNS6_RESOLVER, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	ALLOWED(K_TCP6_REMEDIATION, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	ALLOWED(K_TCP6_REMEDIATION, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	NOT_ALLOWED(K_FRAG_TO_RESOLVER, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	NOT_ALLOWED(K_FRAG_TO_RESOLVER, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
	NOT_ALLOWED(K_OTHER_ETHERTYPE, DIR_FROM_LAN, PUNT_NONE, PUNT_NEW_MAC),
	NOT_ALLOWED(K_OTHER_ETHERTYPE, DIR_FROM_UPLINK, PUNT_NONE, PUNT_NONE),
};

static struct decision run(const struct pkt_meta *m, enum direction dir,
			   enum device_state st, enum unknown_action action, bool acl_permit,
			   bool blocklisted, const struct qlist *q)
{
	struct decide_input in = {
		.meta = m,
		.dir = dir,
		.state = st,
		.unknown_action = action,
		.acl_permit = acl_permit,
		.blocklisted = blocklisted,
		.qlist_allowed = qlist_allows(q, m, dir),
	};
	return decide(&in);
}

static void check(struct decision d, uint8_t verdict, uint8_t punt, const char *what)
{
	uint8_t want_actions = 0;

	if (verdict == DROP_NONE)
		want_actions |= ACT_FORWARD;
	if (punt != PUNT_NONE)
		want_actions |= ACT_PUNT;
	if (punt == PUNT_NEW_MAC)
		want_actions |= ACT_PUNT_RATE_LIMITED;
	if (d.actions != want_actions || d.drop_reason != verdict || d.punt_reason != punt)
		fail_msg("%s: got actions %#x drop %s punt %s, want actions %#x drop %s punt %s",
			 what, d.actions, drop_reason_name(d.drop_reason),
			 punt_reason_name(d.punt_reason), want_actions,
			 drop_reason_name(verdict), punt_reason_name(punt));
}

static void test_table(void **state)
{
	(void)state;
	struct qlist q;
	bool seen[K__MAX][2] = { { false } };

	make_qlist(&q);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];
		struct pkt_meta m;
		parse_kind(r->kind, r->dir, &m);
		seen[r->kind][r->dir] = true;
		for (int c = 0; c < C__MAX; c++) {
			char what[96];
			uint8_t punt = columns[c].state == DEV_UNKNOWN ? r->punt_unknown
								       : r->punt_known;
			snprintf(what, sizeof(what), "%s from %s, %s/%d", kind_names[r->kind],
				 r->dir == DIR_FROM_LAN ? "lan" : "uplink",
				 device_state_name(columns[c].state), columns[c].action);
			check(run(&m, r->dir, columns[c].state, columns[c].action, true, false, &q),
			      r->verdict[c], punt, what);
		}
	}
	/* The table covers every kind in both directions. */
	for (int k = 0; k < K__MAX; k++)
		for (int d = 0; d < 2; d++)
			if (!seen[k][d])
				fail_msg("no row for %s dir %d", kind_names[k], d);
}

static void test_admitted_acl_and_blocklist(void **state)
{
	(void)state;
	static const struct {
		enum kind kind;
		bool acl, blocklisted;
		uint8_t verdict;
	} cases[] = {
		{ K_TCP_OTHER, true, false, FWD },
		{ K_TCP_OTHER, false, false, DROP_ACL },
		{ K_TCP_OTHER, true, true, DROP_BLOCKLIST },
		{ K_TCP_OTHER, false, true, DROP_BLOCKLIST },
		{ K_DNS_RESOLVER, false, false, DROP_ACL },
		{ K_DNS6_RESOLVER, true, true, DROP_BLOCKLIST },
		{ K_FRAG_TO_RESOLVER, false, false, DROP_ACL },
		/* ARP, ND, DHCP and non-IP frames do not go through the ACL:
		 * an admitted PC renews its lease whatever its role. */
		{ K_DHCP, false, true, FWD },
		{ K_ARP, false, true, FWD },
		{ K_ND, false, true, FWD },
		{ K_OTHER_ETHERTYPE, false, true, FWD },
	};
	struct qlist q;

	make_qlist(&q);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int dir = 0; dir < 2; dir++) {
			struct pkt_meta m;
			char what[64];
			parse_kind(cases[i].kind, dir, &m);
			snprintf(what, sizeof(what), "admitted %s dir %d", kind_names[cases[i].kind], dir);
			struct decision d = run(&m, dir, DEV_ADMITTED, UNKNOWN_QUARANTINE,
						cases[i].acl, cases[i].blocklisted, &q);
			uint8_t punt = PUNT_NONE;
			if (cases[i].kind == K_DHCP)
				punt = PUNT_DHCP;
			else if (dir == DIR_FROM_LAN && cases[i].kind == K_ARP)
				punt = PUNT_ARP;
			else if (dir == DIR_FROM_LAN && cases[i].kind == K_ND)
				punt = PUNT_ND;
			check(d, cases[i].verdict, punt, what);
		}
	}
}

/* The administrator's allowlist wins over the blocklist, and the role ACL
 * is not consulted for devices that are not admitted. */
static void test_acl_and_blocklist_ignored_outside_admitted(void **state)
{
	(void)state;
	struct qlist q;
	struct pkt_meta allowed, other;

	make_qlist(&q);
	parse_kind(K_DNS_RESOLVER, DIR_FROM_LAN, &allowed);
	parse_kind(K_TCP_OTHER, DIR_FROM_LAN, &other);

	check(run(&allowed, DIR_FROM_LAN, DEV_QUARANTINED, UNKNOWN_QUARANTINE, false, true, &q),
	      FWD, PUNT_NONE, "quarantined allowlisted+blocklisted");
	check(run(&allowed, DIR_FROM_LAN, DEV_UNKNOWN, UNKNOWN_QUARANTINE, false, true, &q),
	      FWD, PUNT_NEW_MAC, "unknown allowlisted+blocklisted");
	check(run(&other, DIR_FROM_LAN, DEV_QUARANTINED, UNKNOWN_QUARANTINE, true, false, &q),
	      DROP_QUARANTINE, PUNT_NONE, "quarantined acl permit");
	check(run(&other, DIR_FROM_LAN, DEV_BLOCKED, UNKNOWN_QUARANTINE, true, false, &q),
	      DROP_BLOCKED, PUNT_NONE, "blocked acl permit");
	check(run(&other, DIR_FROM_LAN, DEV_UNKNOWN, UNKNOWN_MONITOR, false, true, &q),
	      FWD, PUNT_NEW_MAC, "monitor ignores acl and blocklist");
}

/* decide() trusts qlist_allowed only for IP traffic, and only reads it for
 * quarantine; a caller that sets it wrongly cannot open non-IP frames. */
static void test_qlist_allowed_input(void **state)
{
	(void)state;
	struct pkt_meta ip, raw;
	struct decide_input in = { .dir = DIR_FROM_LAN, .qlist_allowed = true };

	parse_kind(K_TCP_OTHER, DIR_FROM_LAN, &ip);
	parse_kind(K_OTHER_ETHERTYPE, DIR_FROM_LAN, &raw);

	in.meta = &ip;
	in.state = DEV_QUARANTINED;
	check(decide(&in), FWD, PUNT_NONE, "quarantined, told allowed");
	in.qlist_allowed = false;
	check(decide(&in), DROP_QUARANTINE, PUNT_NONE, "quarantined, told not allowed");

	in.meta = &raw;
	in.qlist_allowed = true;
	check(decide(&in), DROP_QUARANTINE, PUNT_NONE, "quarantined non-IP, told allowed");
	in.state = DEV_UNKNOWN;
	check(decide(&in), DROP_UNKNOWN, PUNT_NEW_MAC, "unknown non-IP, told allowed");
}

static void test_out_of_range_inputs_fail_secure(void **state)
{
	(void)state;
	struct pkt_meta m;
	struct qlist q;

	make_qlist(&q);
	parse_kind(K_DNS_RESOLVER, DIR_FROM_LAN, &m);
	check(run(&m, DIR_FROM_LAN, DEV_UNKNOWN, (enum unknown_action)7, true, false, &q),
	      DROP_UNKNOWN, PUNT_NEW_MAC, "bad unknown_action");
	check(run(&m, DIR_FROM_LAN, DEV_STATE__MAX, UNKNOWN_MONITOR, true, false, &q),
	      DROP_BLOCKED, PUNT_NONE, "bad state");
}

/* ---- qlist_allows() on its own ----------------------------------------- */

static bool allows(const struct qlist *q, enum kind k, enum direction dir)
{
	struct pkt_meta m;
	parse_kind(k, dir, &m);
	return qlist_allows(q, &m, dir);
}

static void test_qlist_builtin(void **state)
{
	(void)state;
	struct qlist empty;

	memset(&empty, 0, sizeof(empty));
	for (int dir = 0; dir < 2; dir++) {
		assert_true(allows(&empty, K_ARP, dir));
		assert_true(allows(&empty, K_DHCP, dir));
		assert_true(allows(&empty, K_ND, dir));
		assert_true(allows(&empty, K_DHCP6, dir));
		assert_false(allows(&empty, K_DNS_RESOLVER, dir));
		assert_false(allows(&empty, K_REMEDIATION_PORT_OK, dir));
		assert_false(allows(&empty, K_OTHER_ETHERTYPE, dir));
		assert_false(allows(&empty, K_EAPOL, dir));
		assert_true(allows(NULL, K_ARP, dir));
		assert_true(allows(NULL, K_DHCP, dir));
		assert_false(allows(NULL, K_DNS_RESOLVER, dir));
	}
}

static void test_qlist_direction(void **state)
{
	(void)state;
	struct qlist q;
	struct pkt_meta m;

	make_qlist(&q);
	/* A frame to the resolver judged as if it came from the uplink: the
	 * remote side would be the client, port 33000. */
	parse_kind(K_DNS_RESOLVER, DIR_FROM_LAN, &m);
	assert_true(qlist_allows(&q, &m, DIR_FROM_LAN));
	assert_false(qlist_allows(&q, &m, DIR_FROM_UPLINK));
	parse_kind(K_DNS_RESOLVER, DIR_FROM_UPLINK, &m);
	assert_true(qlist_allows(&q, &m, DIR_FROM_UPLINK));
	assert_false(qlist_allows(&q, &m, DIR_FROM_LAN));

	/* The resolver on a port other than 53 is not DNS. */
	struct frame f = { .len = 0 };
	ipv4_flow(&f, DIR_FROM_LAN, 17, IP_RESOLVER, 5353, 53);
	assert_int_equal(pkt_parse(f.b, f.len, &m), 0);
	assert_false(qlist_allows(&q, &m, DIR_FROM_LAN));
	/* ... nor is a local port 53. */
	ipv4_flow(&f, DIR_FROM_UPLINK, 17, IP_RESOLVER, 5353, 53);
	assert_int_equal(pkt_parse(f.b, f.len, &m), 0);
	assert_false(qlist_allows(&q, &m, DIR_FROM_UPLINK));
}

static void test_qlist_remediation_ports(void **state)
{
	(void)state;
	struct qlist q;
	struct pkt_meta m;
	struct frame f = { .len = 0 };

	make_qlist(&q);
	static const struct { uint8_t proto; uint32_t addr; uint16_t port; bool ok; } cases[] = {
		{ 6, IP_PATCHES, 80, true },
		{ 6, IP_PATCHES, 443, true },
		{ 17, IP_PATCHES, 443, true },
		{ 6, IP_PATCHES, 8080, false },
		{ 6, IP_PATCHES, 53, false },   /* not a resolver */
		{ 6, IP_PORTAL, 1, true },
		{ 17, IP_PORTAL, 65535, true },
		{ 6, IP_RESOLVER, 443, false }, /* a resolver is not a remediation server */
		{ 6, IP_ELSEWHERE, 80, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int dir = 0; dir < 2; dir++) {
			ipv4_flow(&f, dir, cases[i].proto, cases[i].addr, cases[i].port, 40000);
			assert_int_equal(pkt_parse(f.b, f.len, &m), 0);
			if (qlist_allows(&q, &m, dir) != cases[i].ok)
				fail_msg("case %zu dir %d: want %d", i, dir, cases[i].ok);
		}
	}

	/* ICMP only to a server with no port list. */
	put_eth(&f, MAC_ROUTER, MAC_CLIENT, ETHER_TYPE_IPV4);
	put_ipv4(&f, 1, IP_CLIENT, IP_PATCHES, 8, 0);
	put8(&f, 8);
	putzero(&f, 7);
	assert_int_equal(pkt_parse(f.b, f.len, &m), 0);
	assert_false(qlist_allows(&q, &m, DIR_FROM_LAN));
	f.b[14 + 19] = (uint8_t)IP_PORTAL;
	f.b[14 + 18] = (uint8_t)(IP_PORTAL >> 8);
	f.b[14 + 17] = (uint8_t)(IP_PORTAL >> 16);
	f.b[14 + 16] = (uint8_t)(IP_PORTAL >> 24);
	assert_int_equal(pkt_parse(f.b, f.len, &m), 0);
	assert_true(qlist_allows(&q, &m, DIR_FROM_LAN));

	/* GRE to a server with no port list is neither TCP, UDP nor ICMP. */
	f.b[14 + 9] = 47;
	assert_int_equal(pkt_parse(f.b, f.len, &m), 0);
	assert_false(qlist_allows(&q, &m, DIR_FROM_LAN));
}

static void test_qlist_family(void **state)
{
	(void)state;
	struct qlist q;
	struct pkt_meta m;

	/* A family-6 entry whose unused addr4 happens to equal the
	 * destination must not match an IPv4 frame, nor the reverse. */
	memset(&q, 0, sizeof(q));
	q.nresolvers = 1;
	q.resolvers[0].family = 6;
	q.resolvers[0].addr4 = IP_RESOLVER;
	parse_kind(K_DNS_RESOLVER, DIR_FROM_LAN, &m);
	assert_false(qlist_allows(&q, &m, DIR_FROM_LAN));
	q.resolvers[0].family = 4;
	assert_true(qlist_allows(&q, &m, DIR_FROM_LAN));
	memcpy(q.resolvers[0].addr6, IP6_RESOLVER, 16);
	parse_kind(K_DNS6_RESOLVER, DIR_FROM_LAN, &m);
	assert_false(qlist_allows(&q, &m, DIR_FROM_LAN));
	q.resolvers[0].family = 6;
	assert_true(qlist_allows(&q, &m, DIR_FROM_LAN));
}

static void test_qlist_counts_clamped(void **state)
{
	(void)state;
	struct pkt_meta m;
	struct frame f = { .len = 0 };

	/* Counts beyond the arrays are clamped, never read past. Every byte
	 * not set below reads as port 0x1616, so a port list read past its
	 * end matches that port; the list itself sits in an exact-size heap
	 * block so ASan sees a read past the remediation array. */
	struct qlist *q = malloc(sizeof(*q));
	assert_non_null(q);
	memset(q, 0x16, sizeof(*q));
	q->nresolvers = 255;
	q->resolvers[0].family = 4;
	q->resolvers[0].addr4 = IP_RESOLVER;
	q->nremediation = 255;
	q->remediation[0].family = 4;
	q->remediation[0].addr4 = IP_PATCHES;
	q->remediation[0].nports = 255;
	for (int i = 0; i < QLIST_MAX_PORTS; i++)
		q->remediation[0].ports[i] = 80;

	ipv4_flow(&f, DIR_FROM_LAN, 6, IP_PATCHES, 0x1616, 40000);
	assert_int_equal(pkt_parse(f.b, f.len, &m), 0);
	assert_false(qlist_allows(q, &m, DIR_FROM_LAN));
	ipv4_flow(&f, DIR_FROM_LAN, 6, IP_PATCHES, 80, 40000);
	assert_int_equal(pkt_parse(f.b, f.len, &m), 0);
	assert_true(qlist_allows(q, &m, DIR_FROM_LAN));
	parse_kind(K_TCP_OTHER, DIR_FROM_LAN, &m);
	assert_false(qlist_allows(q, &m, DIR_FROM_LAN));
	parse_kind(K_DNS_OTHER, DIR_FROM_LAN, &m);
	assert_false(qlist_allows(q, &m, DIR_FROM_LAN));
	parse_kind(K_DNS_RESOLVER, DIR_FROM_LAN, &m);
	assert_true(qlist_allows(q, &m, DIR_FROM_LAN));
	free(q);
}

/* Metadata no parser run produces, for callers that build it by hand:
 * L4 fields on a fragment, or a "port" on ICMP, open nothing. */
static void test_qlist_inconsistent_meta(void **state)
{
	(void)state;
	struct qlist q;
	struct pkt_meta m;

	make_qlist(&q);
	parse_kind(K_DNS_RESOLVER, DIR_FROM_LAN, &m);
	m.flags |= PKT_F_FRAG;
	assert_false(qlist_allows(&q, &m, DIR_FROM_LAN));

	parse_kind(K_DNS_RESOLVER, DIR_FROM_LAN, &m);
	m.ip_proto = 1;
	assert_false(qlist_allows(&q, &m, DIR_FROM_LAN));
}

/* ---- names ------------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	static const char *const drops[DROP__MAX] = {
		"none", "malformed", "link_local", "eapol_consumed", "blocked", "quarantine",
		"unknown", "acl", "no_role", "blocklist", "tx_full", "capture_full",
		"punt_full", "punt_rate",
	};
	static const char *const punts[PUNT__MAX] = {
		"none", "eapol", "dhcp", "arp", "new_mac", "nd",
	};
	static const char *const states[DEV_STATE__MAX] = {
		"unknown", "quarantined", "admitted", "blocked",
	};

	for (int i = 0; i < DROP__MAX; i++)
		assert_string_equal(drop_reason_name(i), drops[i]);
	for (int i = 0; i < PUNT__MAX; i++)
		assert_string_equal(punt_reason_name(i), punts[i]);
	for (int i = 0; i < DEV_STATE__MAX; i++) {
		assert_string_equal(device_state_name(i), states[i]);
		assert_int_equal(device_state_parse(states[i]), i);
	}
	assert_string_equal(drop_reason_name(DROP__MAX), "invalid");
	assert_string_equal(drop_reason_name(-1), "invalid");
	assert_string_equal(punt_reason_name(PUNT__MAX), "invalid");
	assert_string_equal(device_state_name(DEV_STATE__MAX), "invalid");
	assert_string_equal(device_state_name(-1), "invalid");
	assert_int_equal(device_state_parse("Admitted"), -1);
	assert_int_equal(device_state_parse("admitted "), -1);
	assert_int_equal(device_state_parse(""), -1);
	assert_int_equal(device_state_parse("invalid"), -1);
	assert_int_equal(device_state_parse(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_admitted_acl_and_blocklist),
		cmocka_unit_test(test_acl_and_blocklist_ignored_outside_admitted),
		cmocka_unit_test(test_qlist_allowed_input),
		cmocka_unit_test(test_out_of_range_inputs_fail_secure),
		cmocka_unit_test(test_qlist_builtin),
		cmocka_unit_test(test_qlist_direction),
		cmocka_unit_test(test_qlist_remediation_ports),
		cmocka_unit_test(test_qlist_family),
		cmocka_unit_test(test_qlist_counts_clamped),
		cmocka_unit_test(test_qlist_inconsistent_meta),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
