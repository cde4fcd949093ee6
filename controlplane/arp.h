/* arp.h — ARP decoder for IPv4 address binding (RFC 826).
 *
 * Pure: reads at most `len` bytes of the frame, no I/O.
 */
#ifndef MENJIN_ARP_H
#define MENJIN_ARP_H

#include <stddef.h>
#include <stdint.h>

enum arp_error {
	ARP_OK = 0,
	ARP_ERR_FRAME,      /* runt, truncated tag or not ARP */
	ARP_ERR_SHORT,      /* shorter than an Ethernet/IPv4 ARP packet */
	ARP_ERR_FORMAT,     /* not htype 1 / ptype 0x0800 / 6 / 4 */
	ARP_ERR_OP,         /* neither request nor reply */
	ARP_ERR__MAX
};

struct arp_msg {
	uint8_t  eth_src[6];
	uint16_t vlan_tci;
	uint16_t op;            /* 1 request, 2 reply */
	uint8_t  sender_mac[6];
	uint32_t sender_ip;     /* host order; 0 in an RFC 5227 probe */
	uint8_t  target_mac[6];
	uint32_t target_ip;
};

int arp_decode_frame(const uint8_t *frame, size_t len, struct arp_msg *a);
const char *arp_error_name(int err);

#endif
