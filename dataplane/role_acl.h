/* role_acl.h — per-role 5-tuple ACLs compiled into rte_acl contexts.
 *
 * One IPv4 and one IPv6 context hold the rules of every role; the role id is
 * a field of the key, so a whole burst is classified in one call. A context
 * is built aside from the staged rules and swapped in by the caller; it is
 * immutable once built.
 *
 * Semantics: rules of a role are tried in order (first match wins); no match
 * gives the role's default action. Role 0 is unrestricted (always permit).
 * A role with neither rules nor a default set is "undefined" (DROP_NO_ROLE).
 */
#ifndef MENJIN_ROLE_ACL_H
#define MENJIN_ROLE_ACL_H

#include <stdbool.h>
#include <stdint.h>
#include "fpmsg.h"
#include "pkt.h"

enum role_acl_result {
	RACL_DENY = 0,
	RACL_PERMIT = 1,
	RACL_NO_ROLE = 2,
};

/* Most rules one build takes (all roles together): bounds build time and
 * memory, and keeps rte_acl priorities (n - index) in range. */
#define ROLE_ACL_MAX_RULES 65536

struct role_acl_spec {
	uint16_t role;
	struct fpmsg_rule rule;
};

struct role_acl;

/* Build from `n` rules (in priority order within each role) and the default
 * action of each role (`defaults[role]`: -1 undefined, 0 deny, 1 permit;
 * FPMSG_MAX_ROLES entries). Returns NULL with a message in errbuf. */
struct role_acl *role_acl_build(const char *name, const struct role_acl_spec *rules, unsigned n,
				const int8_t *defaults, int socket_id, char *errbuf, size_t errlen);
void role_acl_free(struct role_acl *a);

/* Classify n (<= 64) frames. dirs[i] tells which side is remote. results[i]
 * is enum role_acl_result; rule_index[i] is the matching rule's index in the
 * build array or -1 (may be NULL). */
void role_acl_classify(const struct role_acl *a, const struct pkt_meta *const *metas,
		       const uint8_t *dirs, const uint16_t *roles, unsigned n,
		       uint8_t *results, int32_t *rule_index);

unsigned role_acl_rule_count(const struct role_acl *a);
/* The rule id (FPA_RULE_ID) of build index i, for counters. */
uint32_t role_acl_rule_id(const struct role_acl *a, unsigned i);

#endif
