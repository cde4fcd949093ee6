/* role_acl.c — per-role 5-tuple ACLs compiled into rte_acl contexts.
 *
 * The classifier key (network byte order, as rte_acl reads its input):
 *
 *   IPv4, 16 bytes                         IPv6, 28 bytes
 *   0  proto   u8   BITMASK  input 0       0  proto        u8   BITMASK input 0
 *   1  pad[3]                              1  pad[3]
 *   4  role    u32  MASK /32 input 1       4  role         u32  MASK    input 1
 *   8  remote  u32  MASK     input 2       8  remote[0..3] 4x u32 MASK  inputs 2..5
 *   12 port    u16  RANGE    input 3       24 port         u16  RANGE   input 6
 *   14 ports   u16  BITMASK  input 3       26 ports        u16  BITMASK input 6
 *
 * rte_acl wants the first field to be one byte and every later input group
 * to be 4 consecutive bytes: port and the "ports valid" flag share one.
 *
 * The role is an exact-match field, so rules of different roles never
 * compete; within a role, earlier rules get a higher rte_acl priority
 * (n - index), which makes the first listed rule win.
 *
 * A frame without a TCP/UDP header (ICMP, a non-first fragment, other
 * protocols) has port 0 and `ports` 0. A rule whose port range is not the
 * full 0-65535 requires `ports` == 1, so it never matches such a frame;
 * port-unrestricted rules leave `ports` as don't-care.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "decide.h"
#include "role_acl.h"

#define RACL_BATCH 64

enum { F_PROTO, F_ROLE, F_ADDR };   /* field indexes shared by both layouts */
#define NF4 5                       /* proto role addr port ports */
#define NF6 8                       /* proto role addr0..3 port ports */

struct acl_key4 {
	uint8_t  proto;
	uint8_t  pad[3];
	uint32_t role;
	uint32_t addr;
	uint16_t port;
	uint16_t ports;
};

struct acl_key6 {
	uint8_t  proto;
	uint8_t  pad[3];
	uint32_t role;
	uint32_t addr[4];
	uint16_t port;
	uint16_t ports;
};

_Static_assert(sizeof(struct acl_key4) == 16, "acl_key4 layout");
_Static_assert(sizeof(struct acl_key6) == 28, "acl_key6 layout");

RTE_ACL_RULE_DEF(acl_rule4, NF4);
RTE_ACL_RULE_DEF(acl_rule6, NF6);

static const struct rte_acl_field_def fields4[NF4] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = 0, .input_index = 0,
	  .offset = offsetof(struct acl_key4, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = 1, .input_index = 1,
	  .offset = offsetof(struct acl_key4, role) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = 2, .input_index = 2,
	  .offset = offsetof(struct acl_key4, addr) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = 3, .input_index = 3,
	  .offset = offsetof(struct acl_key4, port) },
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 2, .field_index = 4, .input_index = 3,
	  .offset = offsetof(struct acl_key4, ports) },
};

static const struct rte_acl_field_def fields6[NF6] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = 0, .input_index = 0,
	  .offset = offsetof(struct acl_key6, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = 1, .input_index = 1,
	  .offset = offsetof(struct acl_key6, role) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = 2, .input_index = 2,
	  .offset = offsetof(struct acl_key6, addr[0]) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = 3, .input_index = 3,
	  .offset = offsetof(struct acl_key6, addr[1]) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = 4, .input_index = 4,
	  .offset = offsetof(struct acl_key6, addr[2]) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = 5, .input_index = 5,
	  .offset = offsetof(struct acl_key6, addr[3]) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = 6, .input_index = 6,
	  .offset = offsetof(struct acl_key6, port) },
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 2, .field_index = 7, .input_index = 6,
	  .offset = offsetof(struct acl_key6, ports) },
};

struct role_acl {
	struct rte_acl_ctx *ctx4;        /* NULL when no rule applies to IPv4 */
	struct rte_acl_ctx *ctx6;
	unsigned nrules;
	/* What a frame of the role gets when no rule matches (also non-IP
	 * frames): RACL_PERMIT, RACL_DENY, or RACL_NO_ROLE for an undefined
	 * role. Entry 0 is RACL_PERMIT and never consulted. */
	uint8_t nomatch[FPMSG_MAX_ROLES];
	struct rule_info {
		uint32_t id;             /* FPA_RULE_ID, for counters */
		uint8_t  result;         /* RACL_PERMIT or RACL_DENY */
	} rules[];                       /* [nrules], by build index */
};

/* rte_acl context names must be unique while the old and the new context
 * both exist during a swap. Only the control thread builds. */
static uint32_t build_seq;

static int check_rule(const struct role_acl_spec *s, unsigned i, char *errbuf, size_t errlen)
{
	const struct fpmsg_rule *r = &s->rule;

	if (s->role >= FPMSG_MAX_ROLES) {
		snprintf(errbuf, errlen, "rule %u (id %u): role %u out of range (0..%u)",
			 i, r->id, s->role, (unsigned)FPMSG_MAX_ROLES - 1);
		return -EINVAL;
	}
	if (s->role == 0) {
		snprintf(errbuf, errlen, "rule %u (id %u): role 0 is unrestricted and takes no rules",
			 i, r->id);
		return -EINVAL;
	}
	if (r->family != 0 && r->family != 4 && r->family != 6) {
		snprintf(errbuf, errlen, "rule %u (id %u): address family %u (want 0, 4 or 6)",
			 i, r->id, r->family);
		return -EINVAL;
	}
	if ((r->family == 4 && r->plen > 32) || (r->family == 6 && r->plen > 128)) {
		snprintf(errbuf, errlen, "rule %u (id %u): prefix length %u too long for IPv%u",
			 i, r->id, r->plen, r->family);
		return -EINVAL;
	}
	if (r->port_lo > r->port_hi) {
		snprintf(errbuf, errlen, "rule %u (id %u): port range %u-%u is empty",
			 i, r->id, r->port_lo, r->port_hi);
		return -EINVAL;
	}
	if (r->action != FP_ACL_DENY && r->action != FP_ACL_PERMIT) {
		snprintf(errbuf, errlen, "rule %u (id %u): unknown action %u", i, r->id, r->action);
		return -EINVAL;
	}
	return 0;
}

/* Fields common to both layouts: proto, role, and the port range + flag
 * which sit at field indexes port_field and port_field + 1. */
static void rule_common(struct rte_acl_field *f, const struct role_acl_spec *s,
			unsigned port_field, unsigned i, unsigned n, struct rte_acl_rule_data *d)
{
	const struct fpmsg_rule *r = &s->rule;
	bool any_port = r->port_lo == 0 && r->port_hi == UINT16_MAX;

	d->category_mask = 1;
	d->priority = (int32_t)(n - i);
	d->userdata = i + 1;
	f[F_PROTO].value.u8 = r->proto;
	f[F_PROTO].mask_range.u8 = r->proto ? UINT8_MAX : 0;
	f[F_ROLE].value.u32 = s->role;
	f[F_ROLE].mask_range.u32 = 32;
	f[port_field].value.u16 = r->port_lo;
	f[port_field].mask_range.u16 = r->port_hi;
	f[port_field + 1].value.u16 = any_port ? 0 : 1;
	f[port_field + 1].mask_range.u16 = any_port ? 0 : 1;
}

static struct rte_acl_ctx *ctx_build(const char *name, unsigned seq, char family, int socket_id,
				     const void *rules, unsigned count, unsigned nfields,
				     const struct rte_acl_field_def *defs, char *errbuf, size_t errlen)
{
	struct rte_acl_config cfg = { .num_categories = 1, .num_fields = nfields };
	struct rte_acl_param param;
	struct rte_acl_ctx *ctx;
	char ctxname[RTE_ACL_NAMESIZE];
	int rc;

	if (count == 0)
		return NULL;
	snprintf(ctxname, sizeof(ctxname), "%.16s_%c_%x", name, family, seq);
	param.name = ctxname;
	param.socket_id = socket_id;
	param.rule_size = RTE_ACL_RULE_SZ(nfields);
	param.max_rule_num = count;
	ctx = rte_acl_create(&param);
	if (ctx == NULL) {
		snprintf(errbuf, errlen, "IPv%c ACL context %s: cannot create (%s)",
			 family, ctxname, rte_strerror(rte_errno));
		return NULL;
	}
	memcpy(cfg.defs, defs, sizeof(defs[0]) * nfields);
	rc = rte_acl_add_rules(ctx, rules, count);
	if (rc == 0)
		rc = rte_acl_build(ctx, &cfg);
	if (rc != 0) {
		snprintf(errbuf, errlen, "IPv%c ACL context: build of %u rules failed (%s)",
			 family, count, rte_strerror(-rc));
		rte_acl_free(ctx);
		return NULL;
	}
	return ctx;
}

struct role_acl *role_acl_build(const char *name, const struct role_acl_spec *rules, unsigned n,
				const int8_t *defaults, int socket_id, char *errbuf, size_t errlen)
{
	struct acl_rule4 *r4 = NULL;
	struct acl_rule6 *r6 = NULL;
	unsigned n4 = 0, n6 = 0;
	struct role_acl *a = NULL;
	bool has_rules[FPMSG_MAX_ROLES] = { false };
	unsigned seq;

	if (errbuf == NULL)
		errlen = 0;
	else if (errlen > 0)
		errbuf[0] = '\0';
	if (name == NULL || (n > 0 && rules == NULL)) {
		snprintf(errbuf, errlen, "role ACL: no name or no rules array");
		return NULL;
	}
	if (n > ROLE_ACL_MAX_RULES) {
		snprintf(errbuf, errlen, "role ACL: %u rules, at most %u", n, (unsigned)ROLE_ACL_MAX_RULES);
		return NULL;
	}
	for (unsigned role = 0; defaults != NULL && role < FPMSG_MAX_ROLES; role++) {
		if (defaults[role] < -1 || defaults[role] > 1) {
			snprintf(errbuf, errlen, "role %u: default action %d (want -1, 0 or 1)",
				 role, defaults[role]);
			return NULL;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (check_rule(&rules[i], i, errbuf, errlen) != 0)
			return NULL;
		has_rules[rules[i].role] = true;
		if (rules[i].rule.family != 6)
			n4++;
		if (rules[i].rule.family != 4)
			n6++;
	}

	a = rte_zmalloc_socket("role_acl", sizeof(*a) + sizeof(a->rules[0]) * n,
			       RTE_CACHE_LINE_SIZE, socket_id);
	r4 = calloc(n4 ? n4 : 1, sizeof(*r4));
	r6 = calloc(n6 ? n6 : 1, sizeof(*r6));
	if (a == NULL || r4 == NULL || r6 == NULL) {
		snprintf(errbuf, errlen, "role ACL: out of memory for %u rules", n);
		goto fail;
	}
	a->nrules = n;
	a->nomatch[0] = RACL_PERMIT;
	for (unsigned role = 1; role < FPMSG_MAX_ROLES; role++) {
		int def = defaults != NULL ? defaults[role] : -1;

		if (def == 1)
			a->nomatch[role] = RACL_PERMIT;
		else if (def == 0 || has_rules[role])
			a->nomatch[role] = RACL_DENY;
		else
			a->nomatch[role] = RACL_NO_ROLE;
	}

	n4 = n6 = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct role_acl_spec *s = &rules[i];
		const struct fpmsg_rule *r = &s->rule;

		a->rules[i].id = r->id;
		a->rules[i].result = r->action == FP_ACL_PERMIT ? RACL_PERMIT : RACL_DENY;
		if (r->family != 6) {
			struct acl_rule4 *x = &r4[n4++];

			rule_common(x->field, s, 3, i, n, &x->data);
			x->field[F_ADDR].value.u32 = r->family == 4 ? r->addr4 : 0;
			x->field[F_ADDR].mask_range.u32 = r->family == 4 ? r->plen : 0;
		}
		if (r->family != 4) {
			struct acl_rule6 *x = &r6[n6++];

			rule_common(x->field, s, 6, i, n, &x->data);
			for (unsigned w = 0; w < 4; w++) {
				int bits = r->family == 6 ? (int)r->plen - 32 * (int)w : 0;
				uint32_t word;

				if (bits < 0)
					bits = 0;
				else if (bits > 32)
					bits = 32;

				memcpy(&word, &r->addr6[4 * w], sizeof(word));
				x->field[F_ADDR + w].value.u32 = rte_be_to_cpu_32(word);
				x->field[F_ADDR + w].mask_range.u32 = (uint32_t)bits;
			}
		}
	}

	seq = __atomic_fetch_add(&build_seq, 1, __ATOMIC_RELAXED);
	a->ctx4 = ctx_build(name, seq, '4', socket_id, r4, n4, NF4, fields4, errbuf, errlen);
	if (n4 > 0 && a->ctx4 == NULL)
		goto fail;
	a->ctx6 = ctx_build(name, seq, '6', socket_id, r6, n6, NF6, fields6, errbuf, errlen);
	if (n6 > 0 && a->ctx6 == NULL)
		goto fail;
	free(r4);
	free(r6);
	return a;

fail:
	free(r4);
	free(r6);
	role_acl_free(a);
	return NULL;
}

void role_acl_free(struct role_acl *a)
{
	if (a == NULL)
		return;
	rte_acl_free(a->ctx4);
	rte_acl_free(a->ctx6);
	rte_free(a);
}

static inline bool ports_valid(const struct pkt_meta *m)
{
	return (m->flags & (PKT_F_L4 | PKT_F_FRAG)) == PKT_F_L4 &&
	       (m->ip_proto == IPPROTO_TCP || m->ip_proto == IPPROTO_UDP);
}

static inline uint16_t remote_port(const struct pkt_meta *m, uint8_t dir)
{
	if (!ports_valid(m))
		return 0;
	return dir == DIR_FROM_UPLINK ? m->sport : m->dport;
}

static void classify_batch(const struct role_acl *a, const struct pkt_meta *const *metas,
			   const uint8_t *dirs, const uint16_t *roles, unsigned n,
			   uint8_t *results, int32_t *rule_index)
{
	struct acl_key4 k4[RACL_BATCH];
	struct acl_key6 k6[RACL_BATCH];
	const uint8_t *p4[RACL_BATCH], *p6[RACL_BATCH];
	uint32_t u4[RACL_BATCH], u6[RACL_BATCH];
	uint8_t i4[RACL_BATCH], i6[RACL_BATCH];
	unsigned n4 = 0, n6 = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct pkt_meta *m = metas[i];
		uint16_t role = roles[i];
		uint8_t dir = dirs[i];

		rule_index[i] = -1;
		if (role == 0) {
			results[i] = RACL_PERMIT;
			continue;
		}
		if (a == NULL || role >= FPMSG_MAX_ROLES) {
			results[i] = RACL_NO_ROLE;
			continue;
		}
		results[i] = a->nomatch[role];
		if (results[i] == RACL_NO_ROLE)
			continue;
		if ((m->flags & PKT_F_IPV4) && a->ctx4 != NULL) {
			struct acl_key4 *k = &k4[n4];

			k->proto = m->ip_proto;
			memset(k->pad, 0, sizeof(k->pad));
			k->role = rte_cpu_to_be_32(role);
			k->addr = rte_cpu_to_be_32(dir == DIR_FROM_UPLINK ? m->src4 : m->dst4);
			k->port = rte_cpu_to_be_16(remote_port(m, dir));
			k->ports = rte_cpu_to_be_16(ports_valid(m) ? 1 : 0);
			p4[n4] = (const uint8_t *)k;
			i4[n4++] = (uint8_t)i;
		} else if ((m->flags & PKT_F_IPV6) && a->ctx6 != NULL) {
			struct acl_key6 *k = &k6[n6];

			k->proto = m->ip_proto;
			memset(k->pad, 0, sizeof(k->pad));
			k->role = rte_cpu_to_be_32(role);
			memcpy(k->addr, dir == DIR_FROM_UPLINK ? m->src6 : m->dst6, sizeof(k->addr));
			k->port = rte_cpu_to_be_16(remote_port(m, dir));
			k->ports = rte_cpu_to_be_16(ports_valid(m) ? 1 : 0);
			p6[n6] = (const uint8_t *)k;
			i6[n6++] = (uint8_t)i;
		}
	}

	if (n4 > 0 && rte_acl_classify(a->ctx4, p4, u4, n4, 1) == 0) {
		for (unsigned j = 0; j < n4; j++) {
			if (u4[j] == 0)
				continue;
			rule_index[i4[j]] = (int32_t)(u4[j] - 1);
			results[i4[j]] = a->rules[u4[j] - 1].result;
		}
	}
	if (n6 > 0 && rte_acl_classify(a->ctx6, p6, u6, n6, 1) == 0) {
		for (unsigned j = 0; j < n6; j++) {
			if (u6[j] == 0)
				continue;
			rule_index[i6[j]] = (int32_t)(u6[j] - 1);
			results[i6[j]] = a->rules[u6[j] - 1].result;
		}
	}
}

void role_acl_classify(const struct role_acl *a, const struct pkt_meta *const *metas,
		       const uint8_t *dirs, const uint16_t *roles, unsigned n,
		       uint8_t *results, int32_t *rule_index)
{
	int32_t scratch[RACL_BATCH];

	while (n > 0) {
		unsigned k = RTE_MIN(n, (unsigned)RACL_BATCH);

		/* scratch is written, never read, by classify_batch */
		// cppcheck-suppress legacyUninitvar
		classify_batch(a, metas, dirs, roles, k, results,
			       rule_index != NULL ? rule_index : scratch);
		metas += k;
		dirs += k;
		roles += k;
		results += k;
		if (rule_index != NULL)
			rule_index += k;
		n -= k;
	}
}

unsigned role_acl_rule_count(const struct role_acl *a)
{
	return a != NULL ? a->nrules : 0;
}

uint32_t role_acl_rule_id(const struct role_acl *a, unsigned i)
{
	return a != NULL && i < a->nrules ? a->rules[i].id : 0;
}
