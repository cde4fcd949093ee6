/* identity.c — tie a device's claims to an AD computer object (see identity.h). */
#include "identity.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *identity_source_name(enum identity_source s)
{
	switch (s) {
	case IDENTITY_DOT1X_HOST: return "dot1x-host";
	case IDENTITY_DOT1X_ACCOUNT: return "dot1x-account";
	case IDENTITY_DHCP_FQDN: return "dhcp-fqdn";
	case IDENTITY_DHCP_HOSTNAME: return "dhcp-hostname";
	default: return "none";
	}
}

const char *identity_attr_name(enum identity_attr a)
{
	switch (a) {
	case IDENTITY_ATTR_DNS_HOST_NAME: return "dNSHostName";
	case IDENTITY_ATTR_SAM_ACCOUNT_NAME: return "sAMAccountName";
	case IDENTITY_ATTR_DNS_FIRST_LABEL: return "dNSHostName first label";
	default: return "none";
	}
}

/* A host name or label as a device may send it: printable, no spaces, no
 * characters that are never in a computer or DNS name. */
static bool plausible_name(const char *s, size_t len)
{
	if (len == 0 || len > AD_DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch == 0x7f || strchr("\\/@\"'()*,;<>[]{}|=+", ch))
			return false;
	}
	return true;
}

static int copy(char *dst, size_t dstlen, const char *src, size_t len)
{
	if (len >= dstlen)
		return -ENAMETOOLONG;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int identity_parse_machine(const char *id, char *name, size_t namelen, char *domain,
			   size_t domainlen, enum identity_source *kind)
{
	size_t len = id ? strlen(id) : 0;
	if (namelen == 0 || domainlen == 0)
		return -EINVAL;
	name[0] = domain[0] = '\0';
	if (len == 0 || len >= IDENTITY_CLAIM_MAX)
		return -EINVAL;

	if (strncasecmp(id, "host/", 5) == 0) {
		/* Windows machine authentication sends host/<dNSHostName>. */
		const char *h = id + 5;
		size_t hl = len - 5;
		if (hl && h[hl - 1] == '.')
			hl--;
		if (!plausible_name(h, hl))
			return -EINVAL;
		const char *dot = memchr(h, '.', hl);
		size_t nl = dot ? (size_t)(dot - h) : hl;
		if (nl == 0 || (dot && (size_t)(dot - h) + 1 == hl))
			return -EINVAL;
		if (copy(name, namelen, h, nl) < 0 || copy(domain, domainlen, dot ? dot + 1 : "",
							   dot ? hl - nl - 1 : 0) < 0)
			return -EINVAL;
		*kind = IDENTITY_DOT1X_HOST;
		return 0;
	}

	/* NAME$, DOMAIN\NAME$, NAME$@REALM: a computer account's logon names. */
	const char *p = id;
	const char *bs = strrchr(id, '\\');
	if (bs)
		p = bs + 1;
	const char *at = strchr(p, '@');
	size_t pl = at ? (size_t)(at - p) : strlen(p);
	if (pl < 2 || p[pl - 1] != '$')
		return -EINVAL;     /* a user, not a machine */
	if (!plausible_name(p, pl - 1) || memchr(p, '$', pl - 1))
		return -EINVAL;
	if (at && !plausible_name(at + 1, strlen(at + 1)))
		return -EINVAL;
	if (copy(name, namelen, p, pl - 1) < 0 ||
	    copy(domain, domainlen, at ? at + 1 : "", at ? strlen(at + 1) : 0) < 0)
		return -EINVAL;
	*kind = IDENTITY_DOT1X_ACCOUNT;
	return 0;
}

/* Is `domain` the snapshot's AD domain? An empty domain is not a mismatch. */
static bool same_domain(const struct ad_snapshot *s, const char *domain)
{
	return !domain[0] || !s->source.domain[0] || strcasecmp(domain, s->source.domain) == 0;
}

static void bound(struct identity_binding *b, const struct ad_computer *c, enum identity_source src,
		  enum identity_attr attr, const char *claim)
{
	b->computer = c;
	memcpy(b->guid, c->guid, 16);
	b->source = src;
	b->attr = attr;
	snprintf(b->claim, sizeof(b->claim), "%s", claim);
}

__attribute__((format(printf, 2, 3)))
static void note(struct identity_binding *b, const char *fmt, ...)
{
	size_t used = strlen(b->note);
	va_list ap;
	if (used + 3 >= sizeof(b->note))
		return;
	if (used) {
		memcpy(b->note + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(b->note + used, sizeof(b->note) - used, fmt, ap);
	va_end(ap);
}

static const struct ad_computer *by_dot1x(const struct ad_snapshot *s, const char *id,
					  struct identity_binding *b, enum identity_source *src,
					  enum identity_attr *attr)
{
	char name[AD_NAME_MAX + 1], domain[AD_DNS_NAME_MAX + 1];
	if (identity_parse_machine(id, name, sizeof(name), domain, sizeof(domain), src) < 0) {
		note(b, "802.1X identity \"%.100s\" is not a machine identity", id);
		return NULL;
	}
	const struct ad_computer *c = NULL;
	if (*src == IDENTITY_DOT1X_HOST && domain[0]) {
		char fqdn[AD_NAME_MAX + AD_DNS_NAME_MAX + 3];
		snprintf(fqdn, sizeof(fqdn), "%s.%s", name, domain);
		if ((c = ad_snapshot_find_dns(s, fqdn))) {
			*attr = IDENTITY_ATTR_DNS_HOST_NAME;
			return c;
		}
	}
	if (!same_domain(s, domain)) {
		note(b, "802.1X identity \"%.100s\" is not in the AD domain %.100s", id, s->source.domain);
		return NULL;
	}
	char sam[AD_NAME_MAX + 2];
	snprintf(sam, sizeof(sam), "%s$", name);
	if ((c = ad_snapshot_find_sam(s, sam))) {
		*attr = IDENTITY_ATTR_SAM_ACCOUNT_NAME;
		return c;
	}
	note(b, "802.1X identity \"%.100s\" names no computer in AD", id);
	return NULL;
}

static const struct ad_computer *by_hostname(const struct ad_snapshot *s, const char *h, bool fqdn,
					     struct identity_binding *b, enum identity_attr *attr)
{
	const char *what = fqdn ? "DHCP FQDN" : "DHCP host name";
	size_t len = strlen(h);
	if (len && h[len - 1] == '.')
		len--;
	if (!plausible_name(h, len)) {
		note(b, "%s \"%.100s\" is not a host name", what, h);
		return NULL;
	}
	const struct ad_computer *c;
	if (memchr(h, '.', len)) {
		if ((c = ad_snapshot_find_dns(s, h))) {
			*attr = IDENTITY_ATTR_DNS_HOST_NAME;
			return c;
		}
		note(b, "%s \"%.100s\" is no computer's dNSHostName", what, h);
		return NULL;
	}
	if (fqdn) {
		note(b, "%s \"%.100s\" has no domain", what, h);
		return NULL;
	}
	char name[AD_NAME_MAX + 2];
	snprintf(name, sizeof(name), "%.*s$", (int)len, h);
	if ((c = ad_snapshot_find_sam(s, name))) {
		*attr = IDENTITY_ATTR_SAM_ACCOUNT_NAME;
		return c;
	}
	unsigned n;
	name[len] = '\0';
	c = ad_snapshot_find_label(s, name, &n);
	if (n == 1) {
		*attr = IDENTITY_ATTR_DNS_FIRST_LABEL;
		return c;
	}
	if (n > 1)
		note(b, "%s \"%.100s\" is the first label of %u computers", what, h, n);
	else
		note(b, "%s \"%.100s\" names no computer in AD", what, h);
	return NULL;
}

int identity_bind(const struct ad_snapshot *s, const struct identity_claims *c,
		  struct identity_binding *b)
{
	memset(b, 0, sizeof(*b));
	if (!s) {
		snprintf(b->note, sizeof(b->note), "no AD data yet");
		return -ENOENT;
	}
	struct {
		const char *value;
		enum identity_source source;
	} claims[] = {
		{ c->dot1x, IDENTITY_DOT1X_HOST },
		{ c->dhcp_fqdn, IDENTITY_DHCP_FQDN },
		{ c->dhcp_hostname, IDENTITY_DHCP_HOSTNAME },
	};
	for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++) {
		const char *v = claims[i].value;
		if (!v || !v[0])
			continue;
		enum identity_source src = claims[i].source;
		enum identity_attr attr = IDENTITY_ATTR_NONE;
		const struct ad_computer *m;
		if (src == IDENTITY_DOT1X_HOST)
			m = by_dot1x(s, v, b, &src, &attr);
		else
			m = by_hostname(s, v, src == IDENTITY_DHCP_FQDN, b, &attr);
		if (!m)
			continue;
		if (!b->computer) {
			bound(b, m, src, attr, v);
		} else if (m != b->computer) {
			/* Keep the stronger claim; a disagreement is worth a look. */
			char other[AD_NAME_MAX + 1];
			snprintf(other, sizeof(other), "%s", m->sam);
			note(b, "a weaker claim names another computer: %.100s names %.100s", v, other);
		}
	}
	if (!b->computer) {
		if (!b->note[0])
			snprintf(b->note, sizeof(b->note), "no 802.1X identity or DHCP name to match");
		return -ENOENT;
	}
	return 0;
}

unsigned identity_facts(const struct ad_snapshot *s, const struct identity_binding *b,
			struct device_facts *f)
{
	unsigned left_out = 0;
	f->account = ACCOUNT_UNKNOWN;
	f->ngroups = 0;
	if (!s || !b || !b->computer)
		return 0;
	/* Look the computer up again: the binding may be older than s. */
	const struct ad_computer *c = ad_snapshot_find_guid(s, b->guid);
	if (!c)
		return 0;
	f->account = ad_computer_disabled(c) ? ACCOUNT_DISABLED : ACCOUNT_ENABLED;
	for (unsigned i = 0; i < c->ngroups; i++) {
		const char *name = ad_group_name(&s->groups[c->groups[i]]);
		/* A cut name could match a pattern meant for another group. */
		if (f->ngroups == FACT_MAX_GROUPS || strlen(name) >= FACT_GROUP_MAX) {
			left_out++;
			continue;
		}
		snprintf(f->groups[f->ngroups++], FACT_GROUP_MAX, "%s", name);
	}
	return left_out + (c->groups_truncated ? 1 : 0);
}
