/* snoop.h — punted frames to device observations.
 *
 * The fast path copies DHCP, ARP, ND and the first frames of unknown MACs
 * to menjind (and hands over EAPOL). snoop_punt() dispatches each by its
 * punt reason to one handler; handlers decode with the pure codecs (dhcp.c,
 * arp.c) and report what they learned to devices.c. Frames from an uplink
 * port never create devices: the LAN is what menjin decides about.
 */
#ifndef MENJIN_SNOOP_H
#define MENJIN_SNOOP_H

#include <stddef.h>
#include <stdint.h>
#include "decide.h"
#include "dhcp.h"

struct snoop;
struct devices;
struct fpchan;

struct snoop_stats {
	uint64_t punts[PUNT__MAX];
	uint64_t dhcp_errors[DHCP_ERR__MAX];
	uint64_t arp_errors;
	uint64_t uplink_ignored;      /* learning frames from the uplink side */
	uint64_t bad_source;          /* multicast or zero source MAC */
	uint64_t unhandled;           /* EAPOL (802.1X not yet), unknown reasons */
	uint64_t store_errors;
};

struct snoop *snoop_new(struct devices *devices, struct fpchan *fp);
void snoop_free(struct snoop *s);
void snoop_punt(struct snoop *s, uint16_t port, uint8_t reason, uint16_t vlan, const uint8_t *frame, size_t len);
void snoop_get_stats(const struct snoop *s, struct snoop_stats *out);

#endif
