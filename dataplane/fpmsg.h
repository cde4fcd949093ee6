/* fpmsg.h — the fast path's control API (its "uapi"; menjind includes it).
 *
 * Transport: a Unix SOCK_SEQPACKET socket (default /run/menjin/fp.sock),
 * one netlink-format message per datagram: struct nlmsghdr followed by
 * attributes, built with libnl-3 (nlmsg_alloc_simple, nla_put_*) and
 * validated with the nla_policy tables below (fpmsg_parse()).
 *
 * Conversation:
 *   cp -> fp  HELLO{VERSION, CLIENT, SUBSCRIBE}      fp -> cp  HELLO{VERSION, GENERATION, PORT...}
 *   cp -> fp  DEVICE_SET{DEVICE...}                  fp -> cp  NLMSG_ERROR(0)   (ack)
 *   cp -> fp  ROLE_ACL_SET / BLOCKLIST_SET / ...     staged, invisible until COMMIT
 *   cp -> fp  COMMIT{GENERATION}                     tables rebuilt, swapped, generation set
 *   fp -> cp  PKT_PUNT{PORT, PUNT_REASON, FRAME}     unsolicited, nlmsg_seq 0
 * Every request carries NLM_F_REQUEST and a sequence number; the answer
 * repeats the sequence number. Errors are NLMSG_ERROR with a negative errno
 * in struct nlmsgerr followed by an FPA_ERR_MSG string attribute that names
 * what was wrong. Dumps answer with NLM_F_MULTI messages ended by NLMSG_DONE.
 *
 * DEVICE_SET and DEVICE_DEL take effect at once (a device admitted by 802.1X
 * must not wait for a table rebuild); ROLE_ACL_SET and BLOCKLIST_SET are
 * staged and applied together by COMMIT, which also records the generation
 * that menjind compares after a restart of either process.
 */
#ifndef MENJIN_FPMSG_H
#define MENJIN_FPMSG_H

#include <stdint.h>
#include <stddef.h>
#include <linux/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#define FPMSG_VERSION        1
#define FPMSG_MAX_SIZE       (64 * 1024)   /* largest datagram either side sends */
#define FPMSG_DEFAULT_SOCKET "/run/menjin/fp.sock"
#define FPMSG_MAX_CLIENTS    8
#define FPMSG_MAX_ROLES      1024          /* role ids 0..1023; 0 is unrestricted */
#define FPMSG_FRAME_MAX      9216

enum fpmsg_type {
	FPMSG_HELLO = NLMSG_MIN_TYPE,  /* 0x10 */
	FPMSG_DEVICE_SET,
	FPMSG_DEVICE_DEL,
	FPMSG_DEVICE_DUMP,             /* request; answered by DEVICE_SET multipart */
	FPMSG_ROLE_ACL_SET,
	FPMSG_BLOCKLIST_SET,
	FPMSG_COMMIT,
	FPMSG_PKT_PUNT,                /* fp -> cp */
	FPMSG_PKT_TX,                  /* cp -> fp */
	FPMSG_STATS,                   /* request and answer */
	FPMSG_CAPTURE,                 /* start a capture to a pcap file */
	FPMSG_EVENT,                   /* fp -> cp: port up/down, capture done */
	FPMSG_ROLE_ACL_CLEAR,          /* staged: forget every role ACL */
	FPMSG__MAX
};

/* Top-level attributes. One attribute space for all messages keeps the
 * policy table single; each handler states which ones it requires. */
enum fpmsg_attr {
	FPA_UNSPEC,
	FPA_VERSION,        /* u32 */
	FPA_GENERATION,     /* u64 */
	FPA_CLIENT,         /* string: "menjind", "fpctl" */
	FPA_SUBSCRIBE,      /* u32 bit set of enum fpmsg_subscribe */
	FPA_DEVICE,         /* nested enum fpmsg_dev_attr; repeated */
	FPA_ROLE,           /* u16 */
	FPA_DEFAULT_ACTION, /* u8 enum fpmsg_acl_action */
	FPA_RULE,           /* nested enum fpmsg_rule_attr; repeated */
	FPA_PREFIX,         /* nested enum fpmsg_prefix_attr; repeated */
	FPA_FLAGS,          /* u32 enum fpmsg_flags */
	FPA_PORT,           /* u16 port index */
	FPA_PUNT_REASON,    /* u8 enum punt_reason */
	FPA_FRAME,          /* binary, 14..FPMSG_FRAME_MAX bytes */
	FPA_ERR_MSG,        /* string, in NLMSG_ERROR answers */
	FPA_COUNTER,        /* nested enum fpmsg_counter_attr; repeated */
	FPA_PORT_INFO,      /* nested enum fpmsg_port_attr; repeated */
	FPA_FILTER,         /* string: pcap filter expression */
	FPA_COUNT,          /* u32 */
	FPA_PATH,           /* string */
	FPA_TIMESTAMP,      /* u64 ns since the epoch */
	FPA_EVENT_TEXT,     /* string */
	FPA_VLAN,           /* u16 TCI of the punted frame */
	FPA_LIMIT_DEVICES,  /* u32, HELLO answer: device table capacity */
	FPA_LIMIT_RULES,    /* u32, HELLO answer: max_acl_rules */
	FPA_LIMIT_PREFIXES, /* u32, HELLO answer: max_prefixes */
	__FPA_MAX
};
#define FPA_MAX (__FPA_MAX - 1)

enum fpmsg_dev_attr {
	FPA_DEV_UNSPEC,
	FPA_DEV_MAC,        /* binary, exactly 6 bytes */
	FPA_DEV_STATE,      /* u8 enum device_state */
	FPA_DEV_ROLE,       /* u16 */
	FPA_DEV_FLAGS,      /* u32, reserved for menjind, echoed in dumps */
	FPA_DEV_PKTS,       /* u64, dumps only: frames seen from/to the device */
	FPA_DEV_BYTES,      /* u64, dumps only */
	FPA_DEV_DROPS,      /* u64, dumps only */
	FPA_DEV_PORT,       /* u16, dumps only: LAN port last seen on */
	__FPA_DEV_MAX
};
#define FPA_DEV_MAX (__FPA_DEV_MAX - 1)

enum fpmsg_acl_action { FP_ACL_DENY = 0, FP_ACL_PERMIT = 1 };

/* One role ACL rule. The remote side is the destination of frames from the
 * LAN and the source of frames from the uplink, so one rule admits both
 * directions of a conversation. Absent attributes match anything. */
enum fpmsg_rule_attr {
	FPA_RULE_UNSPEC,
	FPA_RULE_ID,        /* u32, menjind's rule number, for counters */
	FPA_RULE_PROTO,     /* u8 IPPROTO_*, absent or 0 = any */
	FPA_RULE_ADDR4,     /* u32 network order remote address */
	FPA_RULE_ADDR6,     /* binary 16 */
	FPA_RULE_PLEN,      /* u8 prefix length of ADDR4/ADDR6 */
	FPA_RULE_PORT_LO,   /* u16 remote port range */
	FPA_RULE_PORT_HI,   /* u16 */
	FPA_RULE_ACTION,    /* u8 enum fpmsg_acl_action */
	__FPA_RULE_MAX
};
#define FPA_RULE_MAX (__FPA_RULE_MAX - 1)

enum fpmsg_prefix_attr {
	FPA_PFX_UNSPEC,
	FPA_PFX_ADDR4,      /* u32 network order */
	FPA_PFX_ADDR6,      /* binary 16 */
	FPA_PFX_PLEN,       /* u8 */
	FPA_PFX_ID,         /* u32 indicator id, reported with hits */
	__FPA_PFX_MAX
};
#define FPA_PFX_MAX (__FPA_PFX_MAX - 1)

enum fpmsg_counter_attr {
	FPA_CTR_UNSPEC,
	FPA_CTR_NAME,       /* string: "port.lan0.rx_pkts", "drop.acl" */
	FPA_CTR_VALUE,      /* u64 */
	__FPA_CTR_MAX
};
#define FPA_CTR_MAX (__FPA_CTR_MAX - 1)

enum fpmsg_port_attr {
	FPA_PORTI_UNSPEC,
	FPA_PORTI_INDEX,    /* u16 */
	FPA_PORTI_NAME,     /* string: "lan0" */
	FPA_PORTI_ROLE,     /* u8: 0 lan, 1 uplink */
	FPA_PORTI_MAC,      /* binary 6 */
	FPA_PORTI_LINK,     /* u8: 1 up */
	__FPA_PORTI_MAX
};
#define FPA_PORTI_MAX (__FPA_PORTI_MAX - 1)

enum fpmsg_flags {
	FPF_REPLACE = 1u << 0,  /* BLOCKLIST_SET: start a new staged list instead of adding */
	FPF_APPEND  = 1u << 1,  /* ROLE_ACL_SET: add to the role's staged rules (a role
				   larger than one datagram) instead of replacing them */
};

enum fpmsg_subscribe {
	FPS_PUNT   = 1u << 0,   /* send me PKT_PUNT */
	FPS_EVENT  = 1u << 1,   /* send me EVENT */
};

/* Validation tables, one per attribute space (defined in fpmsg.c). */
extern const struct nla_policy fpmsg_policy[FPA_MAX + 1];
extern const struct nla_policy fpmsg_dev_policy[FPA_DEV_MAX + 1];
extern const struct nla_policy fpmsg_rule_policy[FPA_RULE_MAX + 1];
extern const struct nla_policy fpmsg_prefix_policy[FPA_PFX_MAX + 1];
extern const struct nla_policy fpmsg_counter_policy[FPA_CTR_MAX + 1];
extern const struct nla_policy fpmsg_port_policy[FPA_PORTI_MAX + 1];

/* Validate one received datagram: header length matches `len`, a known
 * type, and attributes against fpmsg_policy. On success fills tb[] (pointers
 * into buf) and returns 0; otherwise a negative errno and, when errbuf is
 * given, a message naming the fault ("attribute 6 (ROLE): wrong length"). */
int fpmsg_parse(const void *buf, size_t len, struct nlmsghdr **nlh_out,
		struct nlattr *tb[FPA_MAX + 1], char *errbuf, size_t errlen);

/* Parse a nested attribute against its policy, with the same error text. */
int fpmsg_parse_nested(struct nlattr *nest, int maxtype, const struct nla_policy *policy,
		       struct nlattr **tb, char *errbuf, size_t errlen);

/* Device record carried by FPA_DEVICE nests. */
struct fpmsg_device {
	uint8_t  mac[6];
	uint8_t  state;
	uint16_t role;
	uint32_t flags;
	uint16_t port;          /* dumps */
	uint64_t pkts, bytes, drops;  /* dumps */
};
int fpmsg_put_device(struct nl_msg *msg, const struct fpmsg_device *d);
/* Requires MAC; state/role/flags default to 0; state must be < DEV_STATE__MAX. */
int fpmsg_get_device(struct nlattr *nest, struct fpmsg_device *d, char *errbuf, size_t errlen);

struct fpmsg_rule {
	uint32_t id;
	uint8_t  proto;         /* 0 any */
	uint8_t  family;        /* 0 any address, 4 or 6 */
	uint32_t addr4;         /* host order */
	uint8_t  addr6[16];
	uint8_t  plen;
	uint16_t port_lo, port_hi;  /* 0..65535 when absent */
	uint8_t  action;
};
int fpmsg_put_rule(struct nl_msg *msg, const struct fpmsg_rule *r);
/* Refuses plen beyond the family, port_lo > port_hi, unknown action. */
int fpmsg_get_rule(struct nlattr *nest, struct fpmsg_rule *r, char *errbuf, size_t errlen);

struct fpmsg_prefix {
	uint8_t  family;        /* 4 or 6 */
	uint32_t addr4;         /* host order */
	uint8_t  addr6[16];
	uint8_t  plen;
	uint32_t id;
};
int fpmsg_put_prefix(struct nl_msg *msg, const struct fpmsg_prefix *p);
int fpmsg_get_prefix(struct nlattr *nest, struct fpmsg_prefix *p, char *errbuf, size_t errlen);

int fpmsg_put_counter(struct nl_msg *msg, const char *name, uint64_t value);

/* New message of `type` with NLM_F_REQUEST (or `flags`) and `seq`, sized for
 * FPMSG_MAX_SIZE. NULL when out of memory. */
struct nl_msg *fpmsg_new(int type, int flags, uint32_t seq);
/* An NLMSG_ERROR answer to `req` with `error` (0 = ack, or -errno) and an
 * optional message. */
struct nl_msg *fpmsg_new_error(const struct nlmsghdr *req, int error, const char *text);
/* Decode an NLMSG_ERROR: returns its error code, copies FPA_ERR_MSG. */
int fpmsg_error_code(const struct nlmsghdr *nlh, char *text, size_t textlen);

const char *fpmsg_type_name(int type);

/* Text forms used by tools and logs. */
int fpmsg_mac_parse(const char *s, uint8_t mac[6]);      /* "aa:bb:cc:dd:ee:ff" */
void fpmsg_mac_format(const uint8_t mac[6], char out[18]);

/* Limits of the string attributes, in payload bytes including the NUL; the
 * policies refuse longer strings and strings without a NUL at their end. */
#define FPMSG_NAME_MAX       64      /* FPA_CLIENT, FPA_PORTI_NAME */
#define FPMSG_TEXT_MAX       1024    /* FPA_ERR_MSG, FPA_EVENT_TEXT, FPA_FILTER */
#define FPMSG_PATH_MAX       4096    /* FPA_PATH */
#define FPMSG_CTR_NAME_MAX   128     /* FPA_CTR_NAME */

/* Counter carried by FPA_COUNTER nests (STATS answers); NAME is required. */
int fpmsg_get_counter(struct nlattr *nest, char name[FPMSG_CTR_NAME_MAX], uint64_t *value,
		      char *errbuf, size_t errlen);

/* Port description carried by FPA_PORT_INFO nests (HELLO answers). */
struct fpmsg_port_info {
	uint16_t index;
	char     name[FPMSG_NAME_MAX];
	uint8_t  role;          /* 0 lan, 1 uplink */
	uint8_t  mac[6];
	uint8_t  link;          /* 1 up */
};
int fpmsg_put_port_info(struct nl_msg *msg, const struct fpmsg_port_info *p);
/* Requires INDEX; role must be 0 or 1. */
int fpmsg_get_port_info(struct nlattr *nest, struct fpmsg_port_info *p, char *errbuf, size_t errlen);

#endif
