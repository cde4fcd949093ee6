/* ether.h — find the payload of an Ethernet frame (one optional 802.1Q tag).
 *
 * Header-only so each pure codec (dhcp.c, arp.c) and its fuzz target can use
 * it without linking anything else. Reads at most `len` bytes.
 */
#ifndef MENJIN_ETHER_H
#define MENJIN_ETHER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ETHER_HDR_LEN      14
#define ETHER_VLAN_LEN     4
#define ETHERTYPE_IPV4_    0x0800
#define ETHERTYPE_ARP_     0x0806
#define ETHERTYPE_VLAN_    0x8100

struct ether_info {
	uint8_t  dst[6];
	uint8_t  src[6];
	uint16_t ethertype;     /* after the tag */
	uint16_t vlan_tci;      /* 0 when untagged */
	size_t   payload_off;
};

static inline uint16_t ether_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t ether_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* 0, or -EBADMSG for a runt or a truncated tag. */
static inline int ether_decode(const uint8_t *frame, size_t len, struct ether_info *e)
{
	if (len < ETHER_HDR_LEN)
		return -EBADMSG;
	memcpy(e->dst, frame, 6);
	memcpy(e->src, frame + 6, 6);
	e->ethertype = ether_get16(frame + 12);
	e->vlan_tci = 0;
	e->payload_off = ETHER_HDR_LEN;
	if (e->ethertype == ETHERTYPE_VLAN_) {
		if (len < ETHER_HDR_LEN + ETHER_VLAN_LEN)
			return -EBADMSG;
		e->vlan_tci = ether_get16(frame + 14);
		e->ethertype = ether_get16(frame + 16);
		e->payload_off += ETHER_VLAN_LEN;
	}
	return 0;
}

#endif
