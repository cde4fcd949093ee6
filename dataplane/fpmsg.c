/* fpmsg.c — encode and validate the fast path's control messages (fpmsg.h).
 *
 * A pure codec: no I/O, no logging. Attributes are validated by libnl's
 * nla_policy check; when it refuses, the stream is walked again one
 * attribute at a time so the error text can name the one at fault. libnl
 * lets through a few things a process boundary must not, so they are
 * checked here as well:
 *   - nlmsg_len against the datagram's length (nlmsg_parse trusts it);
 *   - bytes left after the last attribute, e.g. an attribute whose length
 *     overruns its container (nla_parse only logs them and stops);
 *   - integers longer than their type (libnl checks only a minimum, so the
 *     policies give maxlen = minlen).
 * A string policy makes libnl require a NUL in the attribute's last byte,
 * so nla_get_string() on a validated attribute is always terminated.
 *
 * Error texts: fpmsg_parse() starts with the message type ("DEVICE_SET:
 * attribute FPA_ROLE: length 1, expected 2"). The nested parser and the
 * getters describe the fault inside the nest ("nested FPA_DEV_MAC missing",
 * "prefix length 40 > 32") and the caller names the nest ("DEVICE_SET:
 * attribute FPA_DEVICE: ...", "ROLE_ACL_SET: rule 3: ...").
 *
 * Received buffers must be 4-byte aligned, as netlink headers are read in
 * place.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "decide.h"
#include "fpmsg.h"

#define FIXED(t, n)       { .type = (t), .minlen = (n), .maxlen = (n) }
#define U8                FIXED(NLA_U8, 1)
#define U16               FIXED(NLA_U16, 2)
#define U32               FIXED(NLA_U32, 4)
#define U64               FIXED(NLA_U64, 8)
#define STRING(max)       { .type = NLA_STRING, .minlen = 1, .maxlen = (max) }
#define BINARY(min, max)  { .type = NLA_UNSPEC, .minlen = (min), .maxlen = (max) }
#define NESTED            { .type = NLA_NESTED }

#define FRAME_MIN 14    /* an Ethernet header */

const struct nla_policy fpmsg_policy[FPA_MAX + 1] = {
	[FPA_VERSION]        = U32,
	[FPA_GENERATION]     = U64,
	[FPA_CLIENT]         = STRING(FPMSG_NAME_MAX),
	[FPA_SUBSCRIBE]      = U32,
	[FPA_DEVICE]         = NESTED,
	[FPA_ROLE]           = U16,
	[FPA_DEFAULT_ACTION] = U8,
	[FPA_RULE]           = NESTED,
	[FPA_PREFIX]         = NESTED,
	[FPA_FLAGS]          = U32,
	[FPA_PORT]           = U16,
	[FPA_PUNT_REASON]    = U8,
	[FPA_FRAME]          = BINARY(FRAME_MIN, FPMSG_FRAME_MAX),
	[FPA_ERR_MSG]        = STRING(FPMSG_TEXT_MAX),
	[FPA_COUNTER]        = NESTED,
	[FPA_PORT_INFO]      = NESTED,
	[FPA_FILTER]         = STRING(FPMSG_TEXT_MAX),
	[FPA_COUNT]          = U32,
	[FPA_PATH]           = STRING(FPMSG_PATH_MAX),
	[FPA_TIMESTAMP]      = U64,
	[FPA_EVENT_TEXT]     = STRING(FPMSG_TEXT_MAX),
	[FPA_VLAN]           = U16,
	[FPA_LIMIT_DEVICES]  = U32,
	[FPA_LIMIT_RULES]    = U32,
	[FPA_LIMIT_PREFIXES] = U32,
};

const struct nla_policy fpmsg_dev_policy[FPA_DEV_MAX + 1] = {
	[FPA_DEV_MAC]   = BINARY(6, 6),
	[FPA_DEV_STATE] = U8,
	[FPA_DEV_ROLE]  = U16,
	[FPA_DEV_FLAGS] = U32,
	[FPA_DEV_PKTS]  = U64,
	[FPA_DEV_BYTES] = U64,
	[FPA_DEV_DROPS] = U64,
	[FPA_DEV_PORT]  = U16,
};

const struct nla_policy fpmsg_rule_policy[FPA_RULE_MAX + 1] = {
	[FPA_RULE_ID]      = U32,
	[FPA_RULE_PROTO]   = U8,
	[FPA_RULE_ADDR4]   = U32,
	[FPA_RULE_ADDR6]   = BINARY(16, 16),
	[FPA_RULE_PLEN]    = U8,
	[FPA_RULE_PORT_LO] = U16,
	[FPA_RULE_PORT_HI] = U16,
	[FPA_RULE_ACTION]  = U8,
};

const struct nla_policy fpmsg_prefix_policy[FPA_PFX_MAX + 1] = {
	[FPA_PFX_ADDR4] = U32,
	[FPA_PFX_ADDR6] = BINARY(16, 16),
	[FPA_PFX_PLEN]  = U8,
	[FPA_PFX_ID]    = U32,
};

const struct nla_policy fpmsg_counter_policy[FPA_CTR_MAX + 1] = {
	[FPA_CTR_NAME]  = STRING(FPMSG_CTR_NAME_MAX),
	[FPA_CTR_VALUE] = U64,
};

const struct nla_policy fpmsg_port_policy[FPA_PORTI_MAX + 1] = {
	[FPA_PORTI_INDEX] = U16,
	[FPA_PORTI_NAME]  = STRING(FPMSG_NAME_MAX),
	[FPA_PORTI_ROLE]  = U8,
	[FPA_PORTI_MAC]   = BINARY(6, 6),
	[FPA_PORTI_LINK]  = U8,
};

static const char *const fpa_names[FPA_MAX + 1] = {
	[FPA_UNSPEC] = "FPA_UNSPEC", [FPA_VERSION] = "FPA_VERSION",
	[FPA_GENERATION] = "FPA_GENERATION", [FPA_CLIENT] = "FPA_CLIENT",
	[FPA_SUBSCRIBE] = "FPA_SUBSCRIBE", [FPA_DEVICE] = "FPA_DEVICE",
	[FPA_ROLE] = "FPA_ROLE", [FPA_DEFAULT_ACTION] = "FPA_DEFAULT_ACTION",
	[FPA_RULE] = "FPA_RULE", [FPA_PREFIX] = "FPA_PREFIX", [FPA_FLAGS] = "FPA_FLAGS",
	[FPA_PORT] = "FPA_PORT", [FPA_PUNT_REASON] = "FPA_PUNT_REASON",
	[FPA_FRAME] = "FPA_FRAME", [FPA_ERR_MSG] = "FPA_ERR_MSG",
	[FPA_COUNTER] = "FPA_COUNTER", [FPA_PORT_INFO] = "FPA_PORT_INFO",
	[FPA_FILTER] = "FPA_FILTER", [FPA_COUNT] = "FPA_COUNT", [FPA_PATH] = "FPA_PATH",
	[FPA_TIMESTAMP] = "FPA_TIMESTAMP", [FPA_EVENT_TEXT] = "FPA_EVENT_TEXT",
	[FPA_VLAN] = "FPA_VLAN",
};

static const char *const dev_names[FPA_DEV_MAX + 1] = {
	[FPA_DEV_UNSPEC] = "FPA_DEV_UNSPEC", [FPA_DEV_MAC] = "FPA_DEV_MAC",
	[FPA_DEV_STATE] = "FPA_DEV_STATE", [FPA_DEV_ROLE] = "FPA_DEV_ROLE",
	[FPA_DEV_FLAGS] = "FPA_DEV_FLAGS", [FPA_DEV_PKTS] = "FPA_DEV_PKTS",
	[FPA_DEV_BYTES] = "FPA_DEV_BYTES", [FPA_DEV_DROPS] = "FPA_DEV_DROPS",
	[FPA_DEV_PORT] = "FPA_DEV_PORT",
};

static const char *const rule_names[FPA_RULE_MAX + 1] = {
	[FPA_RULE_UNSPEC] = "FPA_RULE_UNSPEC", [FPA_RULE_ID] = "FPA_RULE_ID",
	[FPA_RULE_PROTO] = "FPA_RULE_PROTO", [FPA_RULE_ADDR4] = "FPA_RULE_ADDR4",
	[FPA_RULE_ADDR6] = "FPA_RULE_ADDR6", [FPA_RULE_PLEN] = "FPA_RULE_PLEN",
	[FPA_RULE_PORT_LO] = "FPA_RULE_PORT_LO", [FPA_RULE_PORT_HI] = "FPA_RULE_PORT_HI",
	[FPA_RULE_ACTION] = "FPA_RULE_ACTION",
};

static const char *const pfx_names[FPA_PFX_MAX + 1] = {
	[FPA_PFX_UNSPEC] = "FPA_PFX_UNSPEC", [FPA_PFX_ADDR4] = "FPA_PFX_ADDR4",
	[FPA_PFX_ADDR6] = "FPA_PFX_ADDR6", [FPA_PFX_PLEN] = "FPA_PFX_PLEN",
	[FPA_PFX_ID] = "FPA_PFX_ID",
};

static const char *const ctr_names[FPA_CTR_MAX + 1] = {
	[FPA_CTR_UNSPEC] = "FPA_CTR_UNSPEC", [FPA_CTR_NAME] = "FPA_CTR_NAME",
	[FPA_CTR_VALUE] = "FPA_CTR_VALUE",
};

static const char *const porti_names[FPA_PORTI_MAX + 1] = {
	[FPA_PORTI_UNSPEC] = "FPA_PORTI_UNSPEC", [FPA_PORTI_INDEX] = "FPA_PORTI_INDEX",
	[FPA_PORTI_NAME] = "FPA_PORTI_NAME", [FPA_PORTI_ROLE] = "FPA_PORTI_ROLE",
	[FPA_PORTI_MAC] = "FPA_PORTI_MAC", [FPA_PORTI_LINK] = "FPA_PORTI_LINK",
};

/* An attribute space: its policy, its highest type and its names. */
struct attr_space {
	const struct nla_policy *policy;
	int maxtype;
	const char *const *names;
};

static const struct attr_space attr_spaces[] = {
	{ fpmsg_policy,         FPA_MAX,       fpa_names },
	{ fpmsg_dev_policy,     FPA_DEV_MAX,   dev_names },
	{ fpmsg_rule_policy,    FPA_RULE_MAX,  rule_names },
	{ fpmsg_prefix_policy,  FPA_PFX_MAX,   pfx_names },
	{ fpmsg_counter_policy, FPA_CTR_MAX,   ctr_names },
	{ fpmsg_port_policy,    FPA_PORTI_MAX, porti_names },
};

/* Room for "attribute 65535" when a name is not known. */
struct attr_label {
	char text[24];
};

static const char *attr_name(const struct nla_policy *policy, int maxtype, int type,
			     struct attr_label *label)
{
	for (size_t i = 0; i < sizeof(attr_spaces) / sizeof(attr_spaces[0]); i++) {
		const struct attr_space *s = &attr_spaces[i];

		if (s->policy == policy && s->maxtype == maxtype && type >= 0 &&
		    type <= maxtype && s->names[type] != NULL)
			return s->names[type];
	}
	snprintf(label->text, sizeof(label->text), "attribute %d", type);
	return label->text;
}

__attribute__((format(printf, 3, 4)))
static void set_error(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* What libnl's NLA_* types require at least, when the policy gives no minlen. */
static unsigned int policy_minlen(const struct nla_policy *pt)
{
	if (pt->minlen)
		return pt->minlen;
	switch (pt->type) {
	case NLA_U8:     return 1;
	case NLA_U16:    return 2;
	case NLA_U32:    return 4;
	case NLA_U64:    return 8;
	case NLA_STRING: return 1;
	default:         return 0;
	}
}

/* Walk a stream of attributes without validating them. Returns the bytes
 * left over after the last well-formed attribute (0 when none) and points
 * *rest at them. A missing pad after the last attribute is not an error. */
static int stream_leftover(const struct nlattr *head, int len, const struct nlattr **rest)
{
	const struct nlattr *nla;
	int rem;

	nla_for_each_attr(nla, head, len, rem) {
	}
	*rest = nla;
	return rem > 0 ? rem : 0;
}

/* The stream [head, head + len) was refused by libnl or has bytes left
 * over: find the first attribute at fault and describe it. `where` starts
 * the text ("DEVICE_SET: attribute " or "nested "); `container` names what
 * holds the stream. */
static void explain_stream(const struct nlattr *head, int len, int maxtype,
			   const struct nla_policy *policy, const char *ctx, const char *where,
			   const char *container, char *errbuf, size_t errlen)
{
	const struct nlattr *nla;
	struct attr_label label;
	int rem;

	nla_for_each_attr(nla, head, len, rem) {
		int type = nla_type(nla);
		const struct nla_policy *pt;
		unsigned int minlen;
		int plen = nla_len(nla);
		const char *name;

		if (type > maxtype)
			continue;
		if (nla_validate(nla, nla->nla_len, maxtype, policy) == 0)
			continue;
		pt = &policy[type];
		minlen = policy_minlen(pt);
		name = attr_name(policy, maxtype, type, &label);
		if ((unsigned int)plen < minlen || (pt->maxlen && (unsigned int)plen > pt->maxlen)) {
			if (pt->maxlen == minlen)
				set_error(errbuf, errlen, "%s%s%s: length %d, expected %u",
					  ctx, where, name, plen, minlen);
			else if (pt->maxlen)
				set_error(errbuf, errlen, "%s%s%s: length %d, expected %u..%u",
					  ctx, where, name, plen, minlen, pt->maxlen);
			else
				set_error(errbuf, errlen, "%s%s%s: length %d, expected at least %u",
					  ctx, where, name, plen, minlen);
		} else if (pt->type == NLA_STRING) {
			set_error(errbuf, errlen, "%s%s%s: string not NUL-terminated",
				  ctx, where, name);
		} else {
			set_error(errbuf, errlen, "%s%s%s: invalid", ctx, where, name);
		}
		return;
	}
	if (rem >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN) {
		set_error(errbuf, errlen, "%s%s%s of length %u overruns %s (%d bytes left)",
			  ctx, where, attr_name(policy, maxtype, nla_type(nla), &label),
			  nla->nla_len, container, rem);
	} else if (rem >= NLA_HDRLEN) {
		set_error(errbuf, errlen, "%sattribute header with length %u < %d in %s",
			  ctx, nla->nla_len, NLA_HDRLEN, container);
	} else if (rem > 0) {
		set_error(errbuf, errlen, "%s%d stray bytes after the last attribute in %s",
			  ctx, rem, container);
	} else {
		set_error(errbuf, errlen, "%sinvalid attributes in %s", ctx, container);
	}
}

static int known_type(int type)
{
	return type == NLMSG_ERROR || type == NLMSG_DONE ||
	       (type >= FPMSG_HELLO && type < FPMSG__MAX);
}

int fpmsg_parse(const void *buf, size_t len, struct nlmsghdr **nlh_out,
		struct nlattr *tb[FPA_MAX + 1], char *errbuf, size_t errlen)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(uintptr_t)buf;
	const struct nlattr *head, *rest;
	char ctx[32];
	int hdrlen = 0, alen, err;

	if (nlh_out != NULL)
		*nlh_out = NULL;
	memset(tb, 0, sizeof(*tb) * (FPA_MAX + 1));
	if (buf == NULL || len < NLMSG_HDRLEN) {
		set_error(errbuf, errlen, "datagram of %zu bytes, shorter than a netlink header (%d)",
			  buf == NULL ? 0 : len, (int)NLMSG_HDRLEN);
		return -EBADMSG;
	}
	if (len > FPMSG_MAX_SIZE) {
		set_error(errbuf, errlen, "datagram of %zu bytes, larger than FPMSG_MAX_SIZE (%d)",
			  len, FPMSG_MAX_SIZE);
		return -EMSGSIZE;
	}
	if (nlh->nlmsg_len < NLMSG_HDRLEN) {
		set_error(errbuf, errlen, "nlmsg_len %u < %d", nlh->nlmsg_len, (int)NLMSG_HDRLEN);
		return -EBADMSG;
	}
	if (nlh->nlmsg_len > len) {
		set_error(errbuf, errlen, "nlmsg_len %u > datagram length %zu", nlh->nlmsg_len, len);
		return -EBADMSG;
	}
	/* One message per datagram; only the last attribute's pad may follow. */
	if (len - nlh->nlmsg_len >= NLMSG_ALIGNTO) {
		set_error(errbuf, errlen, "%zu bytes after the message (nlmsg_len %u)",
			  len - nlh->nlmsg_len, nlh->nlmsg_len);
		return -EBADMSG;
	}
	if (!known_type(nlh->nlmsg_type)) {
		set_error(errbuf, errlen, "unknown message type %u", nlh->nlmsg_type);
		return -EOPNOTSUPP;
	}
	/* NLMSG_DONE carries no attributes; a kernel-style int after it is ignored. */
	if (nlh->nlmsg_type == NLMSG_DONE)
		goto done;

	snprintf(ctx, sizeof(ctx), "%s: ", fpmsg_type_name(nlh->nlmsg_type));
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		hdrlen = sizeof(struct nlmsgerr);
		if (nlh->nlmsg_len < (uint32_t)nlmsg_size(hdrlen)) {
			set_error(errbuf, errlen, "%spayload of %u bytes, shorter than struct nlmsgerr (%d)",
				  ctx, nlh->nlmsg_len - (uint32_t)NLMSG_HDRLEN, hdrlen);
			return -EBADMSG;
		}
	}
	err = nlmsg_parse(nlh, hdrlen, tb, FPA_MAX, fpmsg_policy);
	head = nlmsg_attrdata(nlh, hdrlen);
	alen = nlmsg_attrlen(nlh, hdrlen);
	if (err < 0 || stream_leftover(head, alen, &rest) > 0) {
		explain_stream(head, alen, FPA_MAX, fpmsg_policy, ctx, "attribute ", "the message",
			       errbuf, errlen);
		memset(tb, 0, sizeof(*tb) * (FPA_MAX + 1));
		return -EINVAL;
	}
done:
	if (nlh_out != NULL)
		*nlh_out = nlh;
	return 0;
}

int fpmsg_parse_nested(struct nlattr *nest, int maxtype, const struct nla_policy *policy,
		       struct nlattr **tb, char *errbuf, size_t errlen)
{
	const struct nlattr *rest;
	int err;

	if (nest == NULL) {
		memset(tb, 0, sizeof(*tb) * (maxtype + 1));
		set_error(errbuf, errlen, "nest missing");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, maxtype, nest, policy);
	if (err < 0 || stream_leftover(nla_data(nest), nla_len(nest), &rest) > 0) {
		explain_stream(nla_data(nest), nla_len(nest), maxtype, policy, "", "nested ",
			       "the nest", errbuf, errlen);
		memset(tb, 0, sizeof(*tb) * (maxtype + 1));
		return -EINVAL;
	}
	return 0;
}

/* --- devices ------------------------------------------------------------ */

int fpmsg_put_device(struct nl_msg *msg, const struct fpmsg_device *d)
{
	struct nlattr *nest = nla_nest_start(msg, FPA_DEVICE);

	if (nest == NULL)
		return -EMSGSIZE;
	if (nla_put(msg, FPA_DEV_MAC, sizeof(d->mac), d->mac) < 0 ||
	    nla_put_u8(msg, FPA_DEV_STATE, d->state) < 0 ||
	    nla_put_u16(msg, FPA_DEV_ROLE, d->role) < 0 ||
	    nla_put_u32(msg, FPA_DEV_FLAGS, d->flags) < 0)
		goto full;
	/* Counters only when set: requests stay small enough for 1000 a message. */
	if ((d->port && nla_put_u16(msg, FPA_DEV_PORT, d->port) < 0) ||
	    (d->pkts && nla_put_u64(msg, FPA_DEV_PKTS, d->pkts) < 0) ||
	    (d->bytes && nla_put_u64(msg, FPA_DEV_BYTES, d->bytes) < 0) ||
	    (d->drops && nla_put_u64(msg, FPA_DEV_DROPS, d->drops) < 0))
		goto full;
	if (nla_nest_end(msg, nest) < 0)
		goto full;
	return 0;
full:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

int fpmsg_get_device(struct nlattr *nest, struct fpmsg_device *d, char *errbuf, size_t errlen)
{
	struct nlattr *tb[FPA_DEV_MAX + 1];
	int err;

	memset(d, 0, sizeof(*d));
	err = fpmsg_parse_nested(nest, FPA_DEV_MAX, fpmsg_dev_policy, tb, errbuf, errlen);
	if (err < 0)
		return err;
	if (tb[FPA_DEV_MAC] == NULL) {
		set_error(errbuf, errlen, "nested FPA_DEV_MAC missing");
		return -EINVAL;
	}
	memcpy(d->mac, nla_data(tb[FPA_DEV_MAC]), sizeof(d->mac));
	if (tb[FPA_DEV_STATE])
		d->state = nla_get_u8(tb[FPA_DEV_STATE]);
	if (d->state >= DEV_STATE__MAX) {
		set_error(errbuf, errlen, "FPA_DEV_STATE %u out of range (0..%d)", d->state,
			  DEV_STATE__MAX - 1);
		return -EINVAL;
	}
	if (tb[FPA_DEV_ROLE])
		d->role = nla_get_u16(tb[FPA_DEV_ROLE]);
	if (d->role >= FPMSG_MAX_ROLES) {
		set_error(errbuf, errlen, "FPA_DEV_ROLE %u out of range (0..%d)", d->role,
			  FPMSG_MAX_ROLES - 1);
		return -EINVAL;
	}
	if (tb[FPA_DEV_FLAGS])
		d->flags = nla_get_u32(tb[FPA_DEV_FLAGS]);
	if (tb[FPA_DEV_PORT])
		d->port = nla_get_u16(tb[FPA_DEV_PORT]);
	if (tb[FPA_DEV_PKTS])
		d->pkts = nla_get_u64(tb[FPA_DEV_PKTS]);
	if (tb[FPA_DEV_BYTES])
		d->bytes = nla_get_u64(tb[FPA_DEV_BYTES]);
	if (tb[FPA_DEV_DROPS])
		d->drops = nla_get_u64(tb[FPA_DEV_DROPS]);
	return 0;
}

/* --- role ACL rules ----------------------------------------------------- */

int fpmsg_put_rule(struct nl_msg *msg, const struct fpmsg_rule *r)
{
	struct nlattr *nest;

	if (r->family != 0 && r->family != 4 && r->family != 6)
		return -EINVAL;
	nest = nla_nest_start(msg, FPA_RULE);
	if (nest == NULL)
		return -EMSGSIZE;
	if (nla_put_u32(msg, FPA_RULE_ID, r->id) < 0 ||
	    (r->proto && nla_put_u8(msg, FPA_RULE_PROTO, r->proto) < 0))
		goto full;
	if (r->family == 4 && (nla_put_u32(msg, FPA_RULE_ADDR4, htonl(r->addr4)) < 0 ||
			       nla_put_u8(msg, FPA_RULE_PLEN, r->plen) < 0))
		goto full;
	if (r->family == 6 && (nla_put(msg, FPA_RULE_ADDR6, sizeof(r->addr6), r->addr6) < 0 ||
			       nla_put_u8(msg, FPA_RULE_PLEN, r->plen) < 0))
		goto full;
	if ((r->port_lo != 0 || r->port_hi != UINT16_MAX) &&
	    (nla_put_u16(msg, FPA_RULE_PORT_LO, r->port_lo) < 0 ||
	     nla_put_u16(msg, FPA_RULE_PORT_HI, r->port_hi) < 0))
		goto full;
	if (nla_put_u8(msg, FPA_RULE_ACTION, r->action) < 0 || nla_nest_end(msg, nest) < 0)
		goto full;
	return 0;
full:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

int fpmsg_get_rule(struct nlattr *nest, struct fpmsg_rule *r, char *errbuf, size_t errlen)
{
	struct nlattr *tb[FPA_RULE_MAX + 1];
	unsigned int maxplen = 0;
	int err;

	memset(r, 0, sizeof(*r));
	r->port_hi = UINT16_MAX;
	err = fpmsg_parse_nested(nest, FPA_RULE_MAX, fpmsg_rule_policy, tb, errbuf, errlen);
	if (err < 0)
		return err;
	if (tb[FPA_RULE_ADDR4] && tb[FPA_RULE_ADDR6]) {
		set_error(errbuf, errlen, "both FPA_RULE_ADDR4 and FPA_RULE_ADDR6");
		return -EINVAL;
	}
	if (tb[FPA_RULE_ADDR4]) {
		r->family = 4;
		r->addr4 = ntohl(nla_get_u32(tb[FPA_RULE_ADDR4]));
		maxplen = 32;
	} else if (tb[FPA_RULE_ADDR6]) {
		r->family = 6;
		memcpy(r->addr6, nla_data(tb[FPA_RULE_ADDR6]), sizeof(r->addr6));
		maxplen = 128;
	}
	r->plen = maxplen;
	if (tb[FPA_RULE_PLEN]) {
		if (r->family == 0) {
			set_error(errbuf, errlen, "FPA_RULE_PLEN without an address");
			return -EINVAL;
		}
		r->plen = nla_get_u8(tb[FPA_RULE_PLEN]);
		if (r->plen > maxplen) {
			set_error(errbuf, errlen, "prefix length %u > %u", r->plen, maxplen);
			return -EINVAL;
		}
	}
	if (tb[FPA_RULE_ID])
		r->id = nla_get_u32(tb[FPA_RULE_ID]);
	if (tb[FPA_RULE_PROTO])
		r->proto = nla_get_u8(tb[FPA_RULE_PROTO]);
	if (tb[FPA_RULE_PORT_LO])
		r->port_lo = nla_get_u16(tb[FPA_RULE_PORT_LO]);
	if (tb[FPA_RULE_PORT_HI])
		r->port_hi = nla_get_u16(tb[FPA_RULE_PORT_HI]);
	if (r->port_lo > r->port_hi) {
		set_error(errbuf, errlen, "port range %u-%u: low > high", r->port_lo, r->port_hi);
		return -EINVAL;
	}
	if (tb[FPA_RULE_ACTION] == NULL) {
		set_error(errbuf, errlen, "nested FPA_RULE_ACTION missing");
		return -EINVAL;
	}
	r->action = nla_get_u8(tb[FPA_RULE_ACTION]);
	if (r->action != FP_ACL_DENY && r->action != FP_ACL_PERMIT) {
		set_error(errbuf, errlen, "FPA_RULE_ACTION %u unknown (0 deny, 1 permit)", r->action);
		return -EINVAL;
	}
	return 0;
}

/* --- blocklist prefixes ------------------------------------------------- */

int fpmsg_put_prefix(struct nl_msg *msg, const struct fpmsg_prefix *p)
{
	struct nlattr *nest;

	if (p->family != 4 && p->family != 6)
		return -EINVAL;
	nest = nla_nest_start(msg, FPA_PREFIX);
	if (nest == NULL)
		return -EMSGSIZE;
	if (p->family == 4 && nla_put_u32(msg, FPA_PFX_ADDR4, htonl(p->addr4)) < 0)
		goto full;
	if (p->family == 6 && nla_put(msg, FPA_PFX_ADDR6, sizeof(p->addr6), p->addr6) < 0)
		goto full;
	if (nla_put_u8(msg, FPA_PFX_PLEN, p->plen) < 0 ||
	    (p->id && nla_put_u32(msg, FPA_PFX_ID, p->id) < 0) ||
	    nla_nest_end(msg, nest) < 0)
		goto full;
	return 0;
full:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

int fpmsg_get_prefix(struct nlattr *nest, struct fpmsg_prefix *p, char *errbuf, size_t errlen)
{
	struct nlattr *tb[FPA_PFX_MAX + 1];
	unsigned int maxplen;
	int err;

	memset(p, 0, sizeof(*p));
	err = fpmsg_parse_nested(nest, FPA_PFX_MAX, fpmsg_prefix_policy, tb, errbuf, errlen);
	if (err < 0)
		return err;
	if (tb[FPA_PFX_ADDR4] && tb[FPA_PFX_ADDR6]) {
		set_error(errbuf, errlen, "both FPA_PFX_ADDR4 and FPA_PFX_ADDR6");
		return -EINVAL;
	}
	if (tb[FPA_PFX_ADDR4]) {
		p->family = 4;
		p->addr4 = ntohl(nla_get_u32(tb[FPA_PFX_ADDR4]));
		maxplen = 32;
	} else if (tb[FPA_PFX_ADDR6]) {
		p->family = 6;
		memcpy(p->addr6, nla_data(tb[FPA_PFX_ADDR6]), sizeof(p->addr6));
		maxplen = 128;
	} else {
		set_error(errbuf, errlen, "nested FPA_PFX_ADDR4 or FPA_PFX_ADDR6 missing");
		return -EINVAL;
	}
	if (tb[FPA_PFX_PLEN] == NULL) {
		set_error(errbuf, errlen, "nested FPA_PFX_PLEN missing");
		return -EINVAL;
	}
	p->plen = nla_get_u8(tb[FPA_PFX_PLEN]);
	if (p->plen > maxplen) {
		set_error(errbuf, errlen, "prefix length %u > %u", p->plen, maxplen);
		return -EINVAL;
	}
	if (tb[FPA_PFX_ID])
		p->id = nla_get_u32(tb[FPA_PFX_ID]);
	return 0;
}

/* --- counters and ports ------------------------------------------------- */

int fpmsg_put_counter(struct nl_msg *msg, const char *name, uint64_t value)
{
	struct nlattr *nest;

	if (name == NULL || strnlen(name, FPMSG_CTR_NAME_MAX) >= FPMSG_CTR_NAME_MAX)
		return -EINVAL;
	nest = nla_nest_start(msg, FPA_COUNTER);
	if (nest == NULL)
		return -EMSGSIZE;
	if (nla_put_string(msg, FPA_CTR_NAME, name) < 0 ||
	    nla_put_u64(msg, FPA_CTR_VALUE, value) < 0 ||
	    nla_nest_end(msg, nest) < 0) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	return 0;
}

int fpmsg_get_counter(struct nlattr *nest, char name[FPMSG_CTR_NAME_MAX], uint64_t *value,
		      char *errbuf, size_t errlen)
{
	struct nlattr *tb[FPA_CTR_MAX + 1];
	int err;

	name[0] = '\0';
	*value = 0;
	err = fpmsg_parse_nested(nest, FPA_CTR_MAX, fpmsg_counter_policy, tb, errbuf, errlen);
	if (err < 0)
		return err;
	if (tb[FPA_CTR_NAME] == NULL) {
		set_error(errbuf, errlen, "nested FPA_CTR_NAME missing");
		return -EINVAL;
	}
	nla_strlcpy(name, tb[FPA_CTR_NAME], FPMSG_CTR_NAME_MAX);
	if (tb[FPA_CTR_VALUE])
		*value = nla_get_u64(tb[FPA_CTR_VALUE]);
	return 0;
}

int fpmsg_put_port_info(struct nl_msg *msg, const struct fpmsg_port_info *p)
{
	struct nlattr *nest;

	if (strnlen(p->name, sizeof(p->name)) >= sizeof(p->name))
		return -EINVAL;
	nest = nla_nest_start(msg, FPA_PORT_INFO);
	if (nest == NULL)
		return -EMSGSIZE;
	if (nla_put_u16(msg, FPA_PORTI_INDEX, p->index) < 0 ||
	    nla_put_string(msg, FPA_PORTI_NAME, p->name) < 0 ||
	    nla_put_u8(msg, FPA_PORTI_ROLE, p->role) < 0 ||
	    nla_put(msg, FPA_PORTI_MAC, sizeof(p->mac), p->mac) < 0 ||
	    nla_put_u8(msg, FPA_PORTI_LINK, p->link) < 0 ||
	    nla_nest_end(msg, nest) < 0) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	return 0;
}

int fpmsg_get_port_info(struct nlattr *nest, struct fpmsg_port_info *p, char *errbuf, size_t errlen)
{
	struct nlattr *tb[FPA_PORTI_MAX + 1];
	int err;

	memset(p, 0, sizeof(*p));
	err = fpmsg_parse_nested(nest, FPA_PORTI_MAX, fpmsg_port_policy, tb, errbuf, errlen);
	if (err < 0)
		return err;
	if (tb[FPA_PORTI_INDEX] == NULL) {
		set_error(errbuf, errlen, "nested FPA_PORTI_INDEX missing");
		return -EINVAL;
	}
	p->index = nla_get_u16(tb[FPA_PORTI_INDEX]);
	if (tb[FPA_PORTI_NAME])
		nla_strlcpy(p->name, tb[FPA_PORTI_NAME], sizeof(p->name));
	if (tb[FPA_PORTI_ROLE])
		p->role = nla_get_u8(tb[FPA_PORTI_ROLE]);
	if (p->role > 1) {
		set_error(errbuf, errlen, "FPA_PORTI_ROLE %u unknown (0 lan, 1 uplink)", p->role);
		return -EINVAL;
	}
	if (tb[FPA_PORTI_MAC])
		memcpy(p->mac, nla_data(tb[FPA_PORTI_MAC]), sizeof(p->mac));
	if (tb[FPA_PORTI_LINK])
		p->link = nla_get_u8(tb[FPA_PORTI_LINK]);
	if (p->link > 1) {
		set_error(errbuf, errlen, "FPA_PORTI_LINK %u unknown (0 down, 1 up)", p->link);
		return -EINVAL;
	}
	return 0;
}

/* --- messages ----------------------------------------------------------- */

struct nl_msg *fpmsg_new(int type, int flags, uint32_t seq)
{
	struct nl_msg *msg = nlmsg_alloc_size(FPMSG_MAX_SIZE);

	if (msg == NULL)
		return NULL;
	if (nlmsg_put(msg, 0, seq, type, 0, flags ? flags : NLM_F_REQUEST) == NULL) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *fpmsg_new_error(const struct nlmsghdr *req, int error, const char *text)
{
	struct nlmsghdr empty = { .nlmsg_len = 0 };
	size_t textlen = text ? strnlen(text, FPMSG_TEXT_MAX - 1) : 0;
	struct nlmsgerr *e;
	struct nlmsghdr *nlh;
	struct nlattr *nla;
	struct nl_msg *msg;

	if (req == NULL)
		req = &empty;
	msg = nlmsg_alloc_size(nlmsg_total_size(sizeof(*e)) + nla_total_size(textlen + 1));
	if (msg == NULL)
		return NULL;
	nlh = nlmsg_put(msg, req->nlmsg_pid, req->nlmsg_seq, NLMSG_ERROR, sizeof(*e), 0);
	if (nlh == NULL)
		goto fail;
	e = nlmsg_data(nlh);
	e->error = error > 0 ? -error : error;
	e->msg = *req;
	if (text != NULL) {
		/* Long texts are cut to what the receiver's policy accepts. */
		nla = nla_reserve(msg, FPA_ERR_MSG, textlen + 1);
		if (nla == NULL)
			goto fail;
		memcpy(nla_data(nla), text, textlen);
		((char *)nla_data(nla))[textlen] = '\0';
	}
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

int fpmsg_error_code(const struct nlmsghdr *nlh, char *text, size_t textlen)
{
	struct nlattr *tb[FPA_MAX + 1];
	const struct nlmsgerr *e;
	int error;

	if (text != NULL && textlen > 0)
		text[0] = '\0';
	if (nlh == NULL || nlh->nlmsg_type != NLMSG_ERROR ||
	    nlh->nlmsg_len < (uint32_t)nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	e = nlmsg_data(nlh);
	error = e->error;
	/* A peer's positive or absurd code must not reach strerror(-code). */
	if (error > 0 || error < -4095)
		error = -EPROTO;
	if (text != NULL && textlen > 0 &&
	    nlmsg_parse((struct nlmsghdr *)(uintptr_t)nlh, sizeof(*e), tb, FPA_MAX, fpmsg_policy) == 0 &&
	    tb[FPA_ERR_MSG] != NULL)
		nla_strlcpy(text, tb[FPA_ERR_MSG], textlen);
	return error;
}

const char *fpmsg_type_name(int type)
{
	static const char *const names[FPMSG__MAX] = {
		[NLMSG_NOOP]           = "NLMSG_NOOP",
		[NLMSG_ERROR]          = "NLMSG_ERROR",
		[NLMSG_DONE]           = "NLMSG_DONE",
		[NLMSG_OVERRUN]        = "NLMSG_OVERRUN",
		[FPMSG_HELLO]          = "HELLO",
		[FPMSG_DEVICE_SET]     = "DEVICE_SET",
		[FPMSG_DEVICE_DEL]     = "DEVICE_DEL",
		[FPMSG_DEVICE_DUMP]    = "DEVICE_DUMP",
		[FPMSG_ROLE_ACL_SET]   = "ROLE_ACL_SET",
		[FPMSG_BLOCKLIST_SET]  = "BLOCKLIST_SET",
		[FPMSG_COMMIT]         = "COMMIT",
		[FPMSG_PKT_PUNT]       = "PKT_PUNT",
		[FPMSG_PKT_TX]         = "PKT_TX",
		[FPMSG_STATS]          = "STATS",
		[FPMSG_CAPTURE]        = "CAPTURE",
		[FPMSG_EVENT]          = "EVENT",
		[FPMSG_ROLE_ACL_CLEAR] = "ROLE_ACL_CLEAR",
	};

	if (type < 0 || type >= FPMSG__MAX || names[type] == NULL)
		return "UNKNOWN";
	return names[type];
}

/* --- MAC addresses ------------------------------------------------------ */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fpmsg_mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t out[6];
	char sep;

	if (s == NULL || strnlen(s, 18) != 17)
		return -EINVAL;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != sep))
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, out, sizeof(out));
	return 0;
}

void fpmsg_mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
