/* pkt.h — the per-packet metadata the fast path parses once per frame.
 *
 * pkt_parse() is a pure codec: it reads at most `len` bytes of `frame`,
 * never more, performs no I/O and allocates nothing, so unit tests and the
 * fuzz target call it directly.
 */
#ifndef MENJIN_PKT_H
#define MENJIN_PKT_H

#include <stdint.h>

#define ETHER_TYPE_IPV4   0x0800
#define ETHER_TYPE_ARP    0x0806
#define ETHER_TYPE_VLAN   0x8100
#define ETHER_TYPE_QINQ   0x88A8
#define ETHER_TYPE_IPV6   0x86DD
#define ETHER_TYPE_EAPOL  0x888E

enum pkt_flag {
	PKT_F_VLAN       = 1u << 0,  /* one 802.1Q tag was present */
	PKT_F_IPV4       = 1u << 1,
	PKT_F_IPV6       = 1u << 2,
	PKT_F_L4         = 1u << 3,  /* sport/dport (or ICMP type) are valid */
	PKT_F_ARP        = 1u << 4,
	PKT_F_EAPOL      = 1u << 5,
	PKT_F_DHCP       = 1u << 6,  /* UDP 67/68 over IPv4 */
	PKT_F_DHCP6      = 1u << 7,  /* UDP 546/547 over IPv6 */
	PKT_F_ND         = 1u << 8,  /* ICMPv6 router/neighbour discovery (133-137) */
	PKT_F_BCAST      = 1u << 9,  /* destination ff:ff:ff:ff:ff:ff */
	PKT_F_MCAST      = 1u << 10, /* destination group bit set (includes broadcast) */
	PKT_F_LINK_LOCAL = 1u << 11, /* destination 01:80:c2:00:00:0X (not forwarded by bridges) */
	PKT_F_FRAG       = 1u << 12, /* IPv4/IPv6 non-first fragment: no L4 header */
	PKT_F_SRC_MCAST  = 1u << 13, /* source MAC has the group bit: invalid */
};

/* Why a frame was refused by the parser. 0 is success; the others are
 * returned negated and counted per reason by the fast path. */
enum pkt_error {
	PKT_OK = 0,
	PKT_ERR_RUNT,          /* shorter than an Ethernet header */
	PKT_ERR_VLAN,          /* truncated 802.1Q tag, or a second tag */
	PKT_ERR_SRC_MAC,       /* multicast or zero source MAC */
	PKT_ERR_ARP,           /* truncated or not Ethernet/IPv4 ARP */
	PKT_ERR_IPV4,          /* bad version, IHL < 5, header truncated */
	PKT_ERR_IPV4_LEN,      /* total length shorter than header or longer than frame */
	PKT_ERR_IPV6,          /* truncated header or payload length beyond frame */
	PKT_ERR_IPV6_EXT,      /* extension header chain truncated or too long */
	PKT_ERR_L4,            /* TCP/UDP/ICMP header truncated or TCP data offset bad */
	PKT_ERR__MAX
};

struct pkt_meta {
	uint8_t  dst_mac[6];
	uint8_t  src_mac[6];
	uint16_t ethertype;    /* after the VLAN tag, host order */
	uint16_t vlan_tci;     /* host order; valid with PKT_F_VLAN */
	uint16_t flags;        /* enum pkt_flag */
	uint16_t l3_off;       /* offset of the IP/ARP header in the frame */
	uint16_t l4_off;       /* offset of the TCP/UDP/ICMP header, 0 if none */
	uint8_t  ip_proto;     /* IPPROTO_*, after IPv6 extension headers */
	uint8_t  icmp_type;    /* valid for ICMP/ICMPv6 with PKT_F_L4 */
	uint16_t sport;        /* host order, valid for TCP/UDP with PKT_F_L4 */
	uint16_t dport;
	uint32_t src4;         /* host order, valid with PKT_F_IPV4 (ARP: sender IP) */
	uint32_t dst4;         /* host order, valid with PKT_F_IPV4 (ARP: target IP) */
	uint8_t  src6[16];     /* valid with PKT_F_IPV6 */
	uint8_t  dst6[16];
};

/* Parse one Ethernet frame. Returns 0, or -PKT_ERR_* naming what is wrong. */
int pkt_parse(const uint8_t *frame, uint32_t len, struct pkt_meta *m);

/* Human-readable name of a parser error ("ipv4_len"), for counters. */
const char *pkt_error_name(int err);

#endif
