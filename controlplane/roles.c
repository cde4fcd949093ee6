/* roles.c — role ACL rule parsing and compiling (see roles.h). */
#include "roles.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int role_parse_proto(const char *s, uint8_t *proto)
{
	static const struct { const char *name; uint8_t proto; } names[] = {
		{ "any", 0 }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*proto = names[i].proto;
			return 0;
		}
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 255 || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

int role_parse_prefix(const char *s, struct fpmsg_rule *r)
{
	char addr[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	long plen = -1;

	if (strcasecmp(s, "any") == 0) {
		r->family = 0;
		r->plen = 0;
		return 0;
	}
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (slash) {
		char *end;
		if (!isdigit((unsigned char)slash[1]))
			return -EINVAL;
		plen = strtol(slash + 1, &end, 10);
		if (*end)
			return -EINVAL;
	}
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		if (plen < 0)
			plen = 32;
		if (plen > 32)
			return -EINVAL;
		uint32_t host = ntohl(a4.s_addr);
		uint32_t mask = plen == 0 ? 0 : ~0u << (32 - plen);
		if (host & ~mask)
			return -EINVAL;
		r->family = 4;
		r->addr4 = host;
		r->plen = (uint8_t)plen;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (plen < 0)
			plen = 128;
		if (plen > 128)
			return -EINVAL;
		for (int bit = (int)plen; bit < 128; bit++)
			if (a6.s6_addr[bit / 8] & (0x80 >> (bit % 8)))
				return -EINVAL;
		r->family = 6;
		memcpy(r->addr6, a6.s6_addr, 16);
		r->plen = (uint8_t)plen;
		return 0;
	}
	return -EINVAL;
}

static int parse_port(const char **p, uint16_t *out)
{
	const char *s = *p;
	unsigned long v = 0;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -EINVAL;
		s++;
	}
	*out = (uint16_t)v;
	*p = s;
	return 0;
}

int role_parse_ports(const char *s, uint16_t *lo, uint16_t *hi, unsigned max, unsigned *n)
{
	*n = 0;
	for (;;) {
		while (*s == ' ')
			s++;
		if (*n >= max)
			return -E2BIG;
		if (parse_port(&s, &lo[*n]) < 0)
			return -EINVAL;
		hi[*n] = lo[*n];
		while (*s == ' ')
			s++;
		if (*s == '-') {
			s++;
			while (*s == ' ')
				s++;
			if (parse_port(&s, &hi[*n]) < 0 || hi[*n] < lo[*n])
				return -EINVAL;
			while (*s == ' ')
				s++;
		}
		(*n)++;
		if (*s == '\0')
			return 0;
		if (*s != ',')
			return -EINVAL;
		s++;
	}
}

int role_put_acl(struct nl_msg *msg, const struct role *r)
{
	int rc;
	if ((rc = nla_put_u16(msg, FPA_ROLE, r->id)) < 0 ||
	    (rc = nla_put_u8(msg, FPA_DEFAULT_ACTION, r->default_action)) < 0)
		return -EMSGSIZE;
	for (unsigned i = 0; i < r->nentries; i++)
		if (fpmsg_put_rule(msg, &r->entries[i]) < 0)
			return -EMSGSIZE;
	return 0;
}

void role_entry_format(const struct fpmsg_rule *e, char *out, size_t len)
{
	char to[INET6_ADDRSTRLEN + 8] = "any";
	char proto[16] = "any";
	char ports[24] = "";

	if (e->family == 4) {
		struct in_addr a = { .s_addr = htonl(e->addr4) };
		char s[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a, s, sizeof(s));
		snprintf(to, sizeof(to), "%s/%u", s, e->plen);
	} else if (e->family == 6) {
		char s[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, e->addr6, s, sizeof(s));
		snprintf(to, sizeof(to), "%s/%u", s, e->plen);
	}
	switch (e->proto) {
	case 0: break;
	case IPPROTO_TCP: snprintf(proto, sizeof(proto), "tcp"); break;
	case IPPROTO_UDP: snprintf(proto, sizeof(proto), "udp"); break;
	case IPPROTO_ICMP: snprintf(proto, sizeof(proto), "icmp"); break;
	case IPPROTO_ICMPV6: snprintf(proto, sizeof(proto), "icmpv6"); break;
	default: snprintf(proto, sizeof(proto), "%u", e->proto); break;
	}
	if (!(e->port_lo == 0 && e->port_hi == 65535)) {
		if (e->port_lo == e->port_hi)
			snprintf(ports, sizeof(ports), " port %u", e->port_lo);
		else
			snprintf(ports, sizeof(ports), " ports %u-%u", e->port_lo, e->port_hi);
	}
	snprintf(out, len, "%s %s to %s%s", e->action == FP_ACL_PERMIT ? "permit" : "deny", proto, to,
		 ports);
}

bool role_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= ROLE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_' || ch == '.'))
			return false;
	}
	return true;
}

void role_free(struct role *r)
{
	free(r->entries);
	r->entries = NULL;
	r->nentries = 0;
}
