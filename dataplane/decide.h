/* decide.h — the enforcement decision for one parsed frame.
 *
 * Pure functions: the worker looks up the device, the role ACL and the
 * blocklist in bulk first, then asks decide() what to do with each frame.
 * Unit tests drive every state and direction through here.
 */
#ifndef MENJIN_DECIDE_H
#define MENJIN_DECIDE_H

#include <stdbool.h>
#include <stdint.h>
#include "pkt.h"

enum device_state {
	DEV_UNKNOWN     = 0,   /* not in the device table */
	DEV_QUARANTINED = 1,
	DEV_ADMITTED    = 2,
	DEV_BLOCKED     = 3,
	DEV_STATE__MAX
};

enum unknown_action {
	UNKNOWN_QUARANTINE = 0,  /* the default: unknown devices reach only the allowlist */
	UNKNOWN_MONITOR    = 1,  /* forward, but still punt so menjind learns them */
	UNKNOWN_BLOCK      = 2,
};

enum direction {
	DIR_FROM_LAN    = 0,   /* the device is the frame's source */
	DIR_FROM_UPLINK = 1,   /* the device is the frame's destination */
};

/* Counted per lcore; names in drop_reason_name(). */
enum drop_reason {
	DROP_NONE = 0,
	DROP_MALFORMED,        /* parser refused the frame */
	DROP_LINK_LOCAL,       /* 01:80:c2:00:00:0X other than EAPOL */
	DROP_EAPOL_CONSUMED,   /* EAPOL handed to menjind, never forwarded */
	DROP_BLOCKED,          /* device state BLOCKED */
	DROP_QUARANTINE,       /* quarantined device, not on the allowlist */
	DROP_UNKNOWN,          /* unknown device, unknown_action quarantine/block */
	DROP_ACL,              /* role ACL denied */
	DROP_NO_ROLE,          /* admitted with a role that has no ACL */
	DROP_BLOCKLIST,        /* remote address on the threat blocklist */
	DROP_TX_FULL,          /* the output queue did not take the frame */
	DROP_CAPTURE_FULL,     /* capture ring full: copy lost, frame unaffected */
	DROP_PUNT_FULL,        /* punt ring full: copy lost, frame unaffected */
	DROP_PUNT_RATE,        /* unknown-MAC punt over its rate: copy not made */
	DROP__MAX
};

enum decide_action {
	ACT_FORWARD = 1u << 0,
	ACT_PUNT    = 1u << 1,  /* copy (or hand over, for EAPOL) to menjind */
	ACT_PUNT_RATE_LIMITED = 1u << 2, /* punt only if the unknown-MAC limiter allows */
};

enum punt_reason {
	PUNT_NONE = 0,
	PUNT_EAPOL,
	PUNT_DHCP,
	PUNT_ARP,
	PUNT_NEW_MAC,
	PUNT_ND,
	PUNT__MAX
};

struct decision {
	uint8_t actions;        /* enum decide_action bits */
	uint8_t drop_reason;    /* enum drop_reason, when ACT_FORWARD is clear */
	uint8_t punt_reason;    /* enum punt_reason, when ACT_PUNT is set */
};

/* The quarantine allowlist: what a quarantined (or unknown, under the
 * quarantine action) device may still reach: DHCP, DNS to the configured
 * resolvers, IPv6 ND, and the remediation servers. */
#define QLIST_MAX_RESOLVERS    8
#define QLIST_MAX_REMEDIATION  32
#define QLIST_MAX_PORTS        8

struct qlist_server {
	uint8_t  family;        /* 4 or 6 */
	uint8_t  addr6[16];     /* family 6 */
	uint32_t addr4;         /* family 4, host order */
	uint8_t  nports;        /* 0: every TCP/UDP port and ICMP */
	uint16_t ports[QLIST_MAX_PORTS];
};

struct qlist {
	uint8_t nresolvers;
	struct qlist_server resolvers[QLIST_MAX_RESOLVERS];   /* ports ignored: 53 */
	uint8_t nremediation;
	struct qlist_server remediation[QLIST_MAX_REMEDIATION];
};

/* Facts about one frame, gathered by the worker before deciding. */
struct decide_input {
	const struct pkt_meta *meta;
	enum direction dir;
	enum device_state state;     /* of the LAN-side device */
	enum unknown_action unknown_action;
	bool acl_permit;             /* role ACL verdict; only read for ADMITTED */
	bool blocklisted;            /* remote IP on the blocklist */
	bool qlist_allowed;          /* qlist_allows() for this frame */
};

/* Does the quarantine allowlist let this frame through? The remote side is
 * the destination for DIR_FROM_LAN and the source for DIR_FROM_UPLINK. */
bool qlist_allows(const struct qlist *q, const struct pkt_meta *m, enum direction dir);

struct decision decide(const struct decide_input *in);

const char *drop_reason_name(int reason);
const char *device_state_name(int state);
const char *punt_reason_name(int reason);
/* Parse "unknown"/"quarantined"/... back; -1 when unknown. */
int device_state_parse(const char *name);

#endif
