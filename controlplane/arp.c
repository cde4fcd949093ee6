/* arp.c — ARP decoder (see arp.h). */
#include "arp.h"

#include <string.h>

#include "ether.h"

#define ARP_LEN 28   /* Ethernet/IPv4 ARP body */

int arp_decode_frame(const uint8_t *frame, size_t len, struct arp_msg *a)
{
	struct ether_info e;

	memset(a, 0, sizeof(*a));
	if (frame == NULL || ether_decode(frame, len, &e) < 0 || e.ethertype != ETHERTYPE_ARP_)
		return -ARP_ERR_FRAME;
	memcpy(a->eth_src, e.src, 6);
	a->vlan_tci = e.vlan_tci;
	const uint8_t *p = frame + e.payload_off;
	if (len - e.payload_off < ARP_LEN)
		return -ARP_ERR_SHORT;
	if (ether_get16(p) != 1 || ether_get16(p + 2) != ETHERTYPE_IPV4_ || p[4] != 6 || p[5] != 4)
		return -ARP_ERR_FORMAT;
	a->op = ether_get16(p + 6);
	if (a->op != 1 && a->op != 2)
		return -ARP_ERR_OP;
	memcpy(a->sender_mac, p + 8, 6);
	a->sender_ip = ether_get32(p + 14);
	memcpy(a->target_mac, p + 18, 6);
	a->target_ip = ether_get32(p + 24);
	return 0;
}

const char *arp_error_name(int err)
{
	static const char *const names[ARP_ERR__MAX] = {
		"ok", "not_arp", "short", "format", "op",
	};
	if (err < 0)
		err = -err;
	return err < ARP_ERR__MAX ? names[err] : "unknown";
}
