/* parse.c — one Ethernet frame into struct pkt_meta.
 *
 * Every length field is checked against what was actually received before
 * it is used as a bound: `len` is the only thing this file trusts. Reads are
 * byte-wise, so frames need no alignment.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>

#include "pkt.h"

#define ETH_HDR_LEN      14
#define VLAN_TAG_LEN     4
#define ARP_ETH_IPV4_LEN 28
#define IPV4_MIN_HDR_LEN 20
#define IPV6_HDR_LEN     40
#define IPV6_EXT_MIN_LEN 8
#define IPV6_FRAG_LEN    8
#define IPV6_MAX_EXT     8   /* a longer chain is refused: no legitimate use */
#define TCP_MIN_HDR_LEN  20
#define UDP_HDR_LEN      8
#define ICMP_MIN_HDR_LEN 4

#define PORT_DHCP_SERVER  67
#define PORT_DHCP_CLIENT  68
#define PORT_DHCP6_CLIENT 546
#define PORT_DHCP6_SERVER 547

/* RFC 4861: router solicitation .. redirect. */
#define ICMPV6_ND_FIRST 133
#define ICMPV6_ND_LAST  137

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static bool either_port(const struct pkt_meta *m, uint16_t a, uint16_t b)
{
	return m->sport == a || m->sport == b || m->dport == a || m->dport == b;
}

/* [off, end) is the IP payload as bounded by the IP length field, which
 * the caller has already checked against the frame. */
static int parse_l4(const uint8_t *f, uint32_t off, uint32_t end, struct pkt_meta *m)
{
	const uint8_t *h = f + off;
	uint32_t avail = end - off;
	bool v6 = (m->flags & PKT_F_IPV6) != 0;

	switch (m->ip_proto) {
	case IPPROTO_TCP: {
		if (avail < TCP_MIN_HDR_LEN)
			return -PKT_ERR_L4;
		uint32_t doff = (uint32_t)(h[12] >> 4) * 4u;
		if (doff < TCP_MIN_HDR_LEN || doff > avail)
			return -PKT_ERR_L4;
		m->sport = rd16(h);
		m->dport = rd16(h + 2);
		break;
	}
	case IPPROTO_UDP:
		if (avail < UDP_HDR_LEN)
			return -PKT_ERR_L4;
		m->sport = rd16(h);
		m->dport = rd16(h + 2);
		/* Either port: relays talk 67<->67, clients 68->67 and back. */
		if (!v6 && either_port(m, PORT_DHCP_SERVER, PORT_DHCP_CLIENT))
			m->flags |= PKT_F_DHCP;
		if (v6 && either_port(m, PORT_DHCP6_CLIENT, PORT_DHCP6_SERVER))
			m->flags |= PKT_F_DHCP6;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* ICMP inside IPv6 (or ICMPv6 inside IPv4) is not ICMP the
		 * receiver will act on: no L4 metadata, like any other protocol. */
		if (v6 != (m->ip_proto == IPPROTO_ICMPV6))
			return 0;
		if (avail < ICMP_MIN_HDR_LEN)
			return -PKT_ERR_L4;
		m->icmp_type = h[0];
		if (v6 && m->icmp_type >= ICMPV6_ND_FIRST && m->icmp_type <= ICMPV6_ND_LAST)
			m->flags |= PKT_F_ND;
		break;
	default:
		return 0;
	}
	m->l4_off = (uint16_t)off;
	m->flags |= PKT_F_L4;
	return 0;
}

/* RFC 826, restricted to the only combination an IPv4 Ethernet LAN uses. */
static int parse_arp(const uint8_t *f, uint32_t off, uint32_t len, struct pkt_meta *m)
{
	const uint8_t *h = f + off;

	if (len - off < ARP_ETH_IPV4_LEN)
		return -PKT_ERR_ARP;
	if (rd16(h) != 1 || rd16(h + 2) != ETHER_TYPE_IPV4 || h[4] != 6 || h[5] != 4)
		return -PKT_ERR_ARP;
	m->src4 = rd32(h + 14);
	m->dst4 = rd32(h + 24);
	m->flags |= PKT_F_ARP;
	return 0;
}

static int parse_ipv4(const uint8_t *f, uint32_t off, uint32_t len, struct pkt_meta *m)
{
	const uint8_t *h = f + off;
	uint32_t avail = len - off;

	if (avail < IPV4_MIN_HDR_LEN)
		return -PKT_ERR_IPV4;
	uint32_t ihl = (uint32_t)(h[0] & 0x0f) * 4u;
	if ((h[0] >> 4) != 4 || ihl < IPV4_MIN_HDR_LEN || ihl > avail)
		return -PKT_ERR_IPV4;
	/* The total length, not the frame, bounds L4: short frames are padded
	 * to the Ethernet minimum and the padding is not payload. */
	uint32_t total = rd16(h + 2);
	if (total < ihl || total > avail)
		return -PKT_ERR_IPV4_LEN;

	m->flags |= PKT_F_IPV4;
	m->ip_proto = h[9];
	m->src4 = rd32(h + 12);
	m->dst4 = rd32(h + 16);
	if ((rd16(h + 6) & 0x1fff) != 0) {
		m->flags |= PKT_F_FRAG;
		return 0;
	}
	return parse_l4(f, off + ihl, off + total, m);
}

static bool ipv6_is_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT;
}

static int parse_ipv6(const uint8_t *f, uint32_t off, uint32_t len, struct pkt_meta *m)
{
	const uint8_t *h = f + off;

	if (len - off < IPV6_HDR_LEN || (h[0] >> 4) != 6)
		return -PKT_ERR_IPV6;
	uint32_t payload = rd16(h + 4);
	if (payload > len - off - IPV6_HDR_LEN)
		return -PKT_ERR_IPV6;

	m->flags |= PKT_F_IPV6;
	memcpy(m->src6, h + 8, 16);
	memcpy(m->dst6, h + 24, 16);

	uint32_t end = off + IPV6_HDR_LEN + payload;
	uint8_t nh = h[6];
	off += IPV6_HDR_LEN;
	for (int n = 0; ipv6_is_ext(nh); n++) {
		if (n == IPV6_MAX_EXT || end - off < IPV6_EXT_MIN_LEN)
			return -PKT_ERR_IPV6_EXT;
		const uint8_t *e = f + off;
		uint32_t ext_len;
		if (nh == IPPROTO_FRAGMENT) {
			/* RFC 8200 4.5: only the first fragment carries the
			 * upper-layer header. */
			if ((rd16(e + 2) >> 3) != 0) {
				m->ip_proto = e[0];
				m->flags |= PKT_F_FRAG;
				return 0;
			}
			ext_len = IPV6_FRAG_LEN;
		} else {
			/* RFC 8200 4.3-4.6: length in 8-octet units, not
			 * counting the first 8. */
			ext_len = ((uint32_t)e[1] + 1u) * 8u;
			if (ext_len > end - off)
				return -PKT_ERR_IPV6_EXT;
		}
		nh = e[0];
		off += ext_len;
	}
	m->ip_proto = nh;
	return parse_l4(f, off, end, m);
}

static bool mac_is_zero(const uint8_t *mac)
{
	static const uint8_t zero[6];
	return memcmp(mac, zero, 6) == 0;
}

static bool mac_is_broadcast(const uint8_t *mac)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	return memcmp(mac, bcast, 6) == 0;
}

/* IEEE 802.1D reserved group addresses: bridges must not forward them. */
static bool mac_is_link_local(const uint8_t *mac)
{
	static const uint8_t prefix[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };
	return memcmp(mac, prefix, 5) == 0 && (mac[5] & 0xf0) == 0;
}

int pkt_parse(const uint8_t *frame, uint32_t len, struct pkt_meta *m)
{
	memset(m, 0, sizeof(*m));
	if (frame == NULL || len < ETH_HDR_LEN)
		return -PKT_ERR_RUNT;

	memcpy(m->dst_mac, frame, 6);
	memcpy(m->src_mac, frame + 6, 6);
	if (m->dst_mac[0] & 0x01)
		m->flags |= PKT_F_MCAST;
	if (mac_is_broadcast(m->dst_mac))
		m->flags |= PKT_F_BCAST;
	if (mac_is_link_local(m->dst_mac))
		m->flags |= PKT_F_LINK_LOCAL;
	if (m->src_mac[0] & 0x01) {
		m->flags |= PKT_F_SRC_MCAST;
		return -PKT_ERR_SRC_MAC;
	}
	/* A zero source would key every such frame to one device entry. */
	if (mac_is_zero(m->src_mac))
		return -PKT_ERR_SRC_MAC;

	uint32_t off = ETH_HDR_LEN;
	uint16_t type = rd16(frame + 12);
	if (type == ETHER_TYPE_QINQ)
		return -PKT_ERR_VLAN;
	if (type == ETHER_TYPE_VLAN) {
		if (len - off < VLAN_TAG_LEN)
			return -PKT_ERR_VLAN;
		m->vlan_tci = rd16(frame + off);
		type = rd16(frame + off + 2);
		off += VLAN_TAG_LEN;
		m->flags |= PKT_F_VLAN;
		/* A second tag could hide the real ethertype from policy. */
		if (type == ETHER_TYPE_VLAN || type == ETHER_TYPE_QINQ)
			return -PKT_ERR_VLAN;
	}
	m->ethertype = type;
	m->l3_off = (uint16_t)off;

	switch (type) {
	case ETHER_TYPE_ARP:
		return parse_arp(frame, off, len, m);
	case ETHER_TYPE_IPV4:
		return parse_ipv4(frame, off, len, m);
	case ETHER_TYPE_IPV6:
		return parse_ipv6(frame, off, len, m);
	case ETHER_TYPE_EAPOL:
		m->flags |= PKT_F_EAPOL;
		return 0;
	default:
		return 0;
	}
}

const char *pkt_error_name(int err)
{
	static const char *const names[PKT_ERR__MAX] = {
		[PKT_OK]           = "ok",
		[PKT_ERR_RUNT]     = "runt",
		[PKT_ERR_VLAN]     = "vlan",
		[PKT_ERR_SRC_MAC]  = "src_mac",
		[PKT_ERR_ARP]      = "arp",
		[PKT_ERR_IPV4]     = "ipv4",
		[PKT_ERR_IPV4_LEN] = "ipv4_len",
		[PKT_ERR_IPV6]     = "ipv6",
		[PKT_ERR_IPV6_EXT] = "ipv6_ext",
		[PKT_ERR_L4]       = "l4",
	};

	/* pkt_parse() returns them negated; accept both spellings. */
	if (err < 0 && err > -PKT_ERR__MAX)
		err = -err;
	if (err < 0 || err >= PKT_ERR__MAX)
		return "invalid";
	return names[err];
}
