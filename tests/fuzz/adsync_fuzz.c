/* adsync_fuzz.c — libFuzzer target for ad_record_parse(), then the snapshot
 * builder and identity binding on what it accepted.
 *
 * fuzz-sources: controlplane/adsync.c controlplane/identity.c
 *
 * The input is cut into an entry the way a DC's answer is: a DN, then
 * attributes, each a name and values, every piece length-prefixed by one
 * byte (names picked from the attributes a sync asks for, or raw). Whatever
 * the parser accepts must be safe to merge, resolve and look up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adsync.h"
#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_ATTRS 16
#define FUZZ_MAX_VALS  64

struct cursor {
	const uint8_t *p;
	size_t left;
};

static int take(struct cursor *c, size_t n, const uint8_t **out)
{
	if (c->left < n)
		return -1;
	*out = c->p;
	c->p += n;
	c->left -= n;
	return 0;
}

static int take_byte(struct cursor *c, uint8_t *b)
{
	const uint8_t *p;
	if (take(c, 1, &p) < 0)
		return -1;
	*b = *p;
	return 0;
}

/* Strings the parser sees as C strings must be terminated: copy them. */
static char *take_str(struct cursor *c)
{
	uint8_t n;
	const uint8_t *p;
	if (take_byte(c, &n) < 0 || take(c, n, &p) < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void exercise_strings(const uint8_t *data, size_t size)
{
	char s[300], out[1024];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	uint8_t g[16];
	int64_t t;
	memcpy(s, data, n);
	s[n] = '\0';
	ad_gentime_parse(s, strlen(s), &t);
	if (ad_guid_parse(s, g) == 0) {
		char back[AD_GUID_STR_LEN];
		ad_guid_format(g, back);
	}
	ad_dn_under(s, "OU=Computers,DC=menjin,DC=test");
	ad_dn_to_domain(s, out, sizeof(out));
	ad_filter_escape(s, out, sizeof(out));
	char name[64], domain[300];
	enum identity_source k;
	identity_parse_machine(s, name, sizeof(name), domain, sizeof(domain), &k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"objectGUID", "objectClass", "isDeleted", "sAMAccountName", "dNSHostName",
		"userAccountControl", "memberOf", "operatingSystem", "operatingSystemVersion",
		"whenChanged", "uSNChanged", "memberOf;range=0-1499",
	};
	struct cursor c = { data, size };
	struct ad_attr attrs[FUZZ_MAX_ATTRS];
	struct ad_value vals[FUZZ_MAX_VALS];
	char *owned[FUZZ_MAX_ATTRS + 1];
	unsigned nattrs = 0, nvals = 0, nowned = 0;
	uint8_t n;

	exercise_strings(data, size);

	char *dn = take_str(&c);
	if (!dn)
		return 0;
	owned[nowned++] = dn;
	while (nattrs < FUZZ_MAX_ATTRS && take_byte(&c, &n) == 0) {
		const char *name;
		if (n < 2 * (sizeof(names) / sizeof(names[0]))) {
			name = names[n % (sizeof(names) / sizeof(names[0]))];
		} else {
			char *raw = take_str(&c);
			if (!raw)
				break;
			owned[nowned++] = raw;
			name = raw;
		}
		uint8_t count;
		if (take_byte(&c, &count) < 0)
			break;
		count %= 8;
		attrs[nattrs] = (struct ad_attr){ .name = name, .nvals = 0, .vals = &vals[nvals] };
		for (unsigned i = 0; i < count && nvals < FUZZ_MAX_VALS; i++) {
			uint8_t len;
			const uint8_t *p;
			if (take_byte(&c, &len) < 0 || take(&c, len, &p) < 0)
				break;
			vals[nvals++] = (struct ad_value){ .val = (const char *)p, .len = len };
			attrs[nattrs].nvals++;
		}
		nattrs++;
	}

	struct ad_entry e = { .dn = dn, .nattrs = nattrs, .attrs = attrs };
	struct ad_record r;
	char err[AD_ERR_MAX];
	if (ad_record_parse(&e, &r, err, sizeof(err)) == 0) {
		if (r.kind != AD_KIND_COMPUTER && r.kind != AD_KIND_GROUP && r.kind != AD_KIND_DELETED)
			abort();
		if (!r.dn || (r.kind != AD_KIND_DELETED && !r.sam))
			abort();
		struct ad_record copy;
		memset(&copy, 0, sizeof(copy));
		/* Put it twice (once as a member) into a full build, then merge it
		 * into that snapshot as an incremental change. */
		struct ad_scope scope = { .computer_base = "", .group_base = "", .max_objects = 4 };
		struct ad_source src;
		memset(&src, 0, sizeof(src));
		struct ad_builder *b;
		struct ad_snapshot *s = NULL, *s2 = NULL;
		uint8_t guid[16];
		memcpy(guid, r.guid, 16);
		if (ad_builder_new(NULL, &scope, &b) == 0) {
			ad_builder_put(b, &r);
			if (ad_record_parse(&e, &copy, err, sizeof(err)) == 0)
				ad_builder_put(b, &copy);
			ad_builder_members(b, "CN=x", dn, (const uint8_t(*)[16])guid, 1);
			ad_builder_finish(b, &src, 1, &s, err, sizeof(err));
		}
		if (s && ad_builder_new(s, &scope, &b) == 0) {
			if (ad_record_parse(&e, &copy, err, sizeof(err)) == 0)
				ad_builder_put(b, &copy);
			ad_builder_members(b, dn, "CN=y", NULL, 0);
			ad_builder_finish(b, &src, 2, &s2, err, sizeof(err));
		}
		for (struct ad_snapshot *x = s; x; x = x == s ? s2 : NULL) {
			for (unsigned i = 0; i < x->ncomputers; i++) {
				const struct ad_computer *pc = &x->computers[i];
				for (unsigned k = 0; k < pc->ngroups; k++)
					if (pc->groups[k] >= x->ngroups)
						abort();
				if (ad_snapshot_find_guid(x, pc->guid) != pc)
					abort();
				struct identity_claims cl = { .dot1x = pc->sam, .dhcp_hostname = pc->dns_name };
				struct identity_binding bind;
				struct device_facts f;
				identity_bind(x, &cl, &bind);
				identity_facts(x, &bind, &f);
			}
		}
		ad_record_clear(&r);
		ad_snapshot_unref(s);
		ad_snapshot_unref(s2);
	}
	for (unsigned i = 0; i < nowned; i++)
		free(owned[i]);
	return 0;
}
