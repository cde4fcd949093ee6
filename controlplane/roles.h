/* roles.h — named ACLs compiled into the fast path's role ACLs.
 *
 * A role is a name, an id (1..1023; 0 is the fast path's unrestricted role),
 * a default action and ordered rules. One configured rule with several port
 * ranges ("80,443,8000-8080") compiles into one fpmsg_rule per range, all
 * carrying the configured rule's id so the fast path counts them together.
 * Parsing and compiling are pure; role_put_acl() only fills a message.
 */
#ifndef MENJIN_ROLES_H
#define MENJIN_ROLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fpmsg.h"
#include "policy.h"

#define ROLES_MAX             256    /* configured roles */
#define ROLE_ID_MAX           (FPMSG_MAX_ROLES - 1)
#define ROLE_MAX_RULES        256    /* configured rules of one role */
#define ROLE_MAX_PORT_RANGES  16     /* ranges in one "ports" string */
/* Compiled entries of one role must fit one ROLE_ACL_SET datagram
 * (FPMSG_MAX_SIZE): an IPv6 rule nest is 72 bytes, 800 of them 57600. */
#define ROLE_MAX_ENTRIES      800
#define ROLE_UNRESTRICTED     "unrestricted"   /* the built-in name of role id 0 */

struct role {
	char     name[ROLE_NAME_MAX];
	uint16_t id;
	uint8_t  default_action;     /* enum fpmsg_acl_action */
	int      line;
	unsigned nentries;
	struct fpmsg_rule *entries;  /* compiled, in priority order */
};

/* "tcp", "udp", "icmp", "icmpv6", "any" or a number 0..255. */
int role_parse_proto(const char *s, uint8_t *proto);
/* "any", "10.0.0.0/8", "10.0.0.1", "2001:db8::/32": sets family/addr/plen.
 * Host bits set below the prefix length are refused (a typo, usually). */
int role_parse_prefix(const char *s, struct fpmsg_rule *r);
/* "80", "80-90", "80,443,8000-8080": up to max ranges, lo <= hi. */
int role_parse_ports(const char *s, uint16_t *lo, uint16_t *hi, unsigned max, unsigned *n);

/* Put FPA_ROLE, FPA_DEFAULT_ACTION and every FPA_RULE of r into msg. */
int role_put_acl(struct nl_msg *msg, const struct role *r);

/* "permit tcp to 10.10.0.0/16 port 80-80" */
void role_entry_format(const struct fpmsg_rule *e, char *out, size_t len);

/* A role name as the configuration spells it: 1..ROLE_NAME_MAX-1 letters,
 * digits, '-', '_' or '.'. "" is not a name; callers for which "" means
 * "no role" test for it themselves. */
bool role_name_valid(const char *s);

void role_free(struct role *r);

#endif
