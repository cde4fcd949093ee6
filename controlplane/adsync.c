/* adsync.c — the pure part of AD sync: entries to records, snapshots, plans.
 *
 * No I/O, no clock, no logging: the LDAP layer (adsync_ldap.c) hands entries
 * in, the engine hands the time in. Unit tests and the fuzz target drive
 * everything here with attribute arrays they make up.
 */
#include "adsync.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *const ad_sync_attrs[] = {
	"objectGUID", "objectClass", "isDeleted", "sAMAccountName", "dNSHostName",
	"userAccountControl", "memberOf", "operatingSystem", "operatingSystemVersion",
	"whenChanged", "uSNChanged", NULL
};

/* ---- small formats ------------------------------------------------------ */

void ad_guid_format(const uint8_t g[16], char out[AD_GUID_STR_LEN])
{
	/* Data1, Data2 and Data3 are stored little-endian, Data4 as bytes. */
	snprintf(out, AD_GUID_STR_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6],
		 g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ad_guid_parse(const char *s, uint8_t g[16])
{
	/* Byte order in the string: Data1..Data3 reversed, Data4 as is. */
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	size_t len = strlen(s);
	bool braces = len == 38 && s[0] == '{' && s[37] == '}';
	if (braces) {
		s++;
		len -= 2;
	}
	if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return -EINVAL;
	unsigned k = 0;
	for (size_t i = 0; i < 36 && k < 16; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			continue;
		int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		g[order[k++]] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return k == 16 ? 0 : -EINVAL;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int ad_gentime_parse(const char *s, size_t len, int64_t *out)
{
	/* AD writes "20261125131436.0Z": always UTC, fraction optional. */
	if (len < 15)
		return -EINVAL;
	int y = digits(s, 4), mo = digits(s + 4, 2), d = digits(s + 6, 2);
	int h = digits(s + 8, 2), mi = digits(s + 10, 2), sec = digits(s + 12, 2);
	if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 60)
		return -EINVAL;
	size_t i = 14;
	if (s[i] == '.' || s[i] == ',') {
		size_t start = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return -EINVAL;
	}
	if (i + 1 != len || s[i] != 'Z')
		return -EINVAL;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = sec };
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = (int64_t)t;
	return 0;
}

/* Is the comma at p escaped (an odd run of backslashes before it)? */
static bool escaped(const char *start, const char *p)
{
	unsigned n = 0;
	while (p > start && p[-1] == '\\') {
		n++;
		p--;
	}
	return n % 2 == 1;
}

bool ad_dn_under(const char *dn, const char *base)
{
	size_t dl = strlen(dn), bl = strlen(base);
	if (bl == 0)
		return true;
	if (dl < bl || strcasecmp(dn + dl - bl, base) != 0)
		return false;
	if (dl == bl)
		return true;
	const char *comma = dn + dl - bl - 1;
	return *comma == ',' && !escaped(dn, comma);
}

int ad_dn_to_domain(const char *dn, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = dn;
	if (outlen == 0)
		return -EINVAL;
	out[0] = '\0';
	while (*p) {
		const char *end = p;
		while (*end && !(*end == ',' && !escaped(dn, end)))
			end++;
		while (*p == ' ')
			p++;
		if (end - p > 3 && strncasecmp(p, "DC=", 3) == 0) {
			size_t n = (size_t)(end - p - 3);
			if (o + n + 2 > outlen)
				return -ENAMETOOLONG;
			if (o > 0)
				out[o++] = '.';
			memcpy(out + o, p + 3, n);
			o += n;
			out[o] = '\0';
		}
		p = *end ? end + 1 : end;
	}
	return o > 0 ? 0 : -EINVAL;
}

int ad_filter_escape(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		bool special = *p == '*' || *p == '(' || *p == ')' || *p == '\\';
		size_t need = special ? 3 : 1;
		if (o + need + 1 > outlen)
			return -ENAMETOOLONG;
		if (special) {
			snprintf(out + o, 4, "\\%02x", *p);
		} else {
			out[o] = (char)*p;
		}
		o += need;
	}
	if (outlen == 0)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

/* ---- entries to records ------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static int refuse(const struct ad_entry *e, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[AD_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%.300s: %s", e->dn && e->dn[0] ? e->dn : "(entry without DN)", msg);
	return -EINVAL;
}

/* An attribute by name; `ranged` is set when the server sent it in ranges
 * ("memberOf;range=0-1499"): more values than it returns at once. */
static const struct ad_attr *find_attr(const struct ad_entry *e, const char *name, bool *ranged)
{
	size_t nl = strlen(name);
	for (unsigned i = 0; i < e->nattrs; i++) {
		const char *an = e->attrs[i].name;
		if (!an)
			continue;
		if (strcasecmp(an, name) == 0)
			return &e->attrs[i];
		if (ranged && strncasecmp(an, name, nl) == 0 && strncasecmp(an + nl, ";range=", 7) == 0)
			*ranged = true;
	}
	return NULL;
}

/* The single value of an attribute: 0 absent, 1 present, -EINVAL if it has
 * several values (the schema says single-valued: a server that sends two is
 * not one we understand). */
static int single(const struct ad_entry *e, const char *name, const struct ad_value **v,
		  char *err, size_t errlen)
{
	const struct ad_attr *a = find_attr(e, name, NULL);
	*v = NULL;
	if (!a || a->nvals == 0)
		return 0;
	if (a->nvals > 1)
		return refuse(e, err, errlen, "%s has %u values, expected one", name, a->nvals);
	if (!a->vals || (!a->vals[0].val && a->vals[0].len))
		return refuse(e, err, errlen, "%s has no value", name);
	*v = &a->vals[0];
	return 1;
}

/* A value as a string: no NUL inside, at most max bytes. */
static int value_str(const struct ad_entry *e, const char *name, const struct ad_value *v,
		     size_t max, char **out, char *err, size_t errlen)
{
	if (v->len > max)
		return refuse(e, err, errlen, "%s is %zu bytes, more than %zu", name, v->len, max);
	if (v->len && memchr(v->val, '\0', v->len))
		return refuse(e, err, errlen, "%s contains a NUL byte", name);
	*out = strndup(v->len ? v->val : "", v->len);
	return *out ? 0 : -ENOMEM;
}

static int value_u64(const struct ad_entry *e, const char *name, const struct ad_value *v,
		     bool allow_negative, int64_t *out, char *err, size_t errlen)
{
	char buf[24];
	if (v->len == 0 || v->len >= sizeof(buf))
		return refuse(e, err, errlen, "%s is not a number", name);
	memcpy(buf, v->val, v->len);
	buf[v->len] = '\0';
	const char *p = buf;
	bool neg = false;
	if (*p == '-' && allow_negative) {
		neg = true;
		p++;
	}
	if (*p < '0' || *p > '9')
		return refuse(e, err, errlen, "%s is not a number: \"%s\"", name, buf);
	uint64_t n = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || n > (INT64_MAX - 9) / 10)
			return refuse(e, err, errlen, "%s is not a number: \"%s\"", name, buf);
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*out = neg ? -(int64_t)n : (int64_t)n;
	return 0;
}

static bool has_value(const struct ad_attr *a, const char *s)
{
	size_t sl = strlen(s);
	for (unsigned i = 0; a && i < a->nvals; i++)
		if (a->vals[i].len == sl && a->vals[i].val && strncasecmp(a->vals[i].val, s, sl) == 0)
			return true;
	return false;
}

void ad_record_clear(struct ad_record *r)
{
	if (!r)
		return;
	free(r->dn);
	free(r->sam);
	free(r->dns_name);
	free(r->os);
	free(r->os_version);
	for (unsigned i = 0; i < r->nmember_of; i++)
		free(r->member_of[i]);
	free(r->member_of);
	memset(r, 0, sizeof(*r));
}

static int parse_member_of(const struct ad_entry *e, struct ad_record *r, char *err, size_t errlen)
{
	bool ranged = false;
	const struct ad_attr *a = find_attr(e, "memberOf", &ranged);
	if (ranged)
		return refuse(e, err, errlen, "memberOf came in ranges: more values than the server "
			      "sends at once, over the limit of %d", AD_MAX_MEMBEROF);
	if (!a || a->nvals == 0)
		return 0;
	if (a->nvals > AD_MAX_MEMBEROF)
		return refuse(e, err, errlen, "memberOf has %u values, more than %d", a->nvals,
			      AD_MAX_MEMBEROF);
	r->member_of = calloc(a->nvals, sizeof(char *));
	if (!r->member_of)
		return -ENOMEM;
	for (unsigned i = 0; i < a->nvals; i++) {
		if (!a->vals[i].val && a->vals[i].len)
			return refuse(e, err, errlen, "memberOf value %u is missing", i);
		int rc = value_str(e, "memberOf", &a->vals[i], AD_DN_MAX, &r->member_of[r->nmember_of], err,
				   errlen);
		if (rc < 0)
			return rc;
		if (r->member_of[r->nmember_of][0] == '\0') {
			free(r->member_of[r->nmember_of]);
			r->member_of[r->nmember_of] = NULL;
			return refuse(e, err, errlen, "memberOf value %u is empty", i);
		}
		r->nmember_of++;
	}
	return 0;
}

static int parse_entry(const struct ad_entry *e, struct ad_record *r, char *err, size_t errlen)
{
	const struct ad_value *v;
	int rc;

	if (!e->dn || !e->dn[0])
		return refuse(e, err, errlen, "no DN");
	if (strlen(e->dn) > AD_DN_MAX)
		return refuse(e, err, errlen, "DN longer than %d bytes", AD_DN_MAX);
	if (e->nattrs && !e->attrs)
		return refuse(e, err, errlen, "attributes missing");
	for (unsigned i = 0; i < e->nattrs; i++)
		if (e->attrs[i].nvals && !e->attrs[i].vals)
			return refuse(e, err, errlen, "attribute %u has no values", i);

	rc = single(e, "objectGUID", &v, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return refuse(e, err, errlen, "no objectGUID (may the bind account read it?)");
	if (v->len != 16)
		return refuse(e, err, errlen, "objectGUID is %zu bytes, expected 16", v->len);
	memcpy(r->guid, v->val, 16);

	rc = single(e, "isDeleted", &v, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 1 && v->len == 4 && strncasecmp(v->val, "TRUE", 4) == 0) {
		/* A tombstone keeps little more than its guid: nothing else is needed. */
		r->kind = AD_KIND_DELETED;
		r->dn = strdup(e->dn);
		return r->dn ? 0 : -ENOMEM;
	}

	const struct ad_attr *oc = find_attr(e, "objectClass", NULL);
	if (has_value(oc, "computer"))
		r->kind = AD_KIND_COMPUTER;
	else if (has_value(oc, "group"))
		r->kind = AD_KIND_GROUP;
	else
		return refuse(e, err, errlen, "objectClass is neither computer nor group");

	r->dn = strdup(e->dn);
	if (!r->dn)
		return -ENOMEM;

	rc = single(e, "sAMAccountName", &v, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 0 || v->len == 0)
		return refuse(e, err, errlen, "no sAMAccountName");
	if ((rc = value_str(e, "sAMAccountName", v, AD_NAME_MAX, &r->sam, err, errlen)) < 0)
		return rc;

	rc = single(e, "uSNChanged", &v, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return refuse(e, err, errlen, "no uSNChanged");
	int64_t n;
	if ((rc = value_u64(e, "uSNChanged", v, false, &n, err, errlen)) < 0)
		return rc;
	r->usn_changed = (uint64_t)n;

	rc = single(e, "whenChanged", &v, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 1 && ad_gentime_parse(v->val, v->len, &r->when_changed) < 0)
		return refuse(e, err, errlen, "whenChanged is not a GeneralizedTime: \"%.*s\"",
			      (int)(v->len > 32 ? 32 : v->len), v->val);

	if ((rc = parse_member_of(e, r, err, errlen)) < 0)
		return rc;

	if (r->kind == AD_KIND_GROUP)
		return 0;

	rc = single(e, "userAccountControl", &v, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return refuse(e, err, errlen, "no userAccountControl");
	/* A 32-bit flag word that LDAP shows as a signed integer. */
	if ((rc = value_u64(e, "userAccountControl", v, true, &n, err, errlen)) < 0)
		return rc;
	if (n < INT32_MIN || n > (int64_t)UINT32_MAX)
		return refuse(e, err, errlen, "userAccountControl %" PRId64 " is not 32 bits", n);
	r->uac = (uint32_t)n;

	static const struct { const char *name; size_t max; size_t off; } text[] = {
		{ "dNSHostName", AD_DNS_NAME_MAX, offsetof(struct ad_record, dns_name) },
		{ "operatingSystem", AD_OS_MAX, offsetof(struct ad_record, os) },
		{ "operatingSystemVersion", AD_OS_MAX, offsetof(struct ad_record, os_version) },
	};
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		char **dst = (char **)((char *)r + text[i].off);
		rc = single(e, text[i].name, &v, err, errlen);
		if (rc < 0)
			return rc;
		static const struct ad_value none = { "", 0 };
		if ((rc = value_str(e, text[i].name, rc ? v : &none, text[i].max, dst, err, errlen)) < 0)
			return rc;
	}
	return 0;
}

int ad_record_parse(const struct ad_entry *e, struct ad_record *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	int rc = parse_entry(e, out, err, errlen);
	if (rc < 0) {
		if (rc == -ENOMEM && err && errlen)
			snprintf(err, errlen, "out of memory");
		ad_record_clear(out);
	}
	return rc;
}

/* ---- the builder -------------------------------------------------------- */

#define SLOT_EMPTY UINT32_MAX

struct ad_builder {
	char      computer_base[AD_DN_MAX + 1];
	char      group_base[AD_DN_MAX + 1];
	unsigned  max_objects;
	bool      incremental;
	int64_t   base_full_synced;
	unsigned  changes;

	struct ad_record *objs;         /* kind 0 once removed */
	unsigned  nobjs, cap, live;
	uint32_t *slots;                /* open addressing: guid -> index in objs */
	unsigned  nslots;               /* a power of two, at least twice max_objects */
};

static uint64_t guid_hash(const uint8_t g[16])
{
	uint64_t h;
	/* GUIDs are random (v4) or time-based: mixing both halves is enough. */
	memcpy(&h, g, 8);
	uint64_t l;
	memcpy(&l, g + 8, 8);
	h ^= l * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint32_t *slot_of(const struct ad_builder *b, const uint8_t g[16])
{
	uint64_t i = guid_hash(g) & (b->nslots - 1);
	for (;;) {
		uint32_t *s = &b->slots[i];
		if (*s == SLOT_EMPTY || memcmp(b->objs[*s].guid, g, 16) == 0)
			return s;
		i = (i + 1) & (b->nslots - 1);
	}
}

static int builder_append(struct ad_builder *b, struct ad_record *r, uint32_t *slot)
{
	if (b->nobjs == b->cap) {
		/* Removed records keep their slot, so nobjs can pass live: bound it too. */
		if (b->cap >= 2 * b->max_objects)
			return -E2BIG;
		unsigned ncap = b->cap ? b->cap * 2 : 256;
		if (ncap > 2 * b->max_objects)
			ncap = 2 * b->max_objects;
		struct ad_record *n = realloc(b->objs, (size_t)ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->objs = n;
		b->cap = ncap;
	}
	b->objs[b->nobjs] = *r;
	memset(r, 0, sizeof(*r));
	*slot = b->nobjs++;
	b->live++;
	return 0;
}

static int copy_strs(char ***dst, char *const *src, unsigned n)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	*dst = calloc(n, sizeof(char *));
	if (!*dst)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		if (!((*dst)[i] = strdup(src[i])))
			return -ENOMEM;
	return 0;
}

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

static int record_from_computer(struct ad_record *r, const struct ad_computer *c)
{
	memset(r, 0, sizeof(*r));
	r->kind = AD_KIND_COMPUTER;
	memcpy(r->guid, c->guid, 16);
	r->uac = c->uac;
	r->when_changed = c->when_changed;
	r->usn_changed = c->usn_changed;
	r->dn = dup0(c->dn);
	r->sam = dup0(c->sam);
	r->dns_name = dup0(c->dns_name);
	r->os = dup0(c->os);
	r->os_version = dup0(c->os_version);
	if (!r->dn || !r->sam || !r->dns_name || !r->os || !r->os_version)
		return -ENOMEM;
	r->nmember_of = c->nmember_of;
	return copy_strs(&r->member_of, c->member_of, c->nmember_of);
}

static int record_from_group(struct ad_record *r, const struct ad_group *g)
{
	memset(r, 0, sizeof(*r));
	r->kind = AD_KIND_GROUP;
	memcpy(r->guid, g->guid, 16);
	r->when_changed = g->when_changed;
	r->usn_changed = g->usn_changed;
	r->dn = dup0(g->dn);
	r->sam = dup0(g->sam);
	if (!r->dn || !r->sam)
		return -ENOMEM;
	r->nmember_of = g->nmember_of;
	return copy_strs(&r->member_of, g->member_of, g->nmember_of);
}

void ad_builder_free(struct ad_builder *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < b->nobjs; i++)
		ad_record_clear(&b->objs[i]);
	free(b->objs);
	free(b->slots);
	free(b);
}

int ad_builder_new(const struct ad_snapshot *base, const struct ad_scope *scope,
		   struct ad_builder **out)
{
	*out = NULL;
	if (!scope || scope->max_objects == 0 || scope->max_objects > AD_MAX_OBJECTS_LIMIT)
		return -EINVAL;
	struct ad_builder *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	snprintf(b->computer_base, sizeof(b->computer_base), "%s",
		 scope->computer_base ? scope->computer_base : "");
	snprintf(b->group_base, sizeof(b->group_base), "%s", scope->group_base ? scope->group_base : "");
	b->max_objects = scope->max_objects;
	b->nslots = 16;
	while (b->nslots < 4 * scope->max_objects)
		b->nslots <<= 1;
	b->slots = malloc((size_t)b->nslots * sizeof(uint32_t));
	if (!b->slots) {
		free(b);
		return -ENOMEM;
	}
	memset(b->slots, 0xff, (size_t)b->nslots * sizeof(uint32_t));

	if (base) {
		b->incremental = true;
		b->base_full_synced = base->full_synced;
		for (unsigned i = 0; i < base->ncomputers + base->ngroups; i++) {
			struct ad_record r;
			int rc = i < base->ncomputers
				? record_from_computer(&r, &base->computers[i])
				: record_from_group(&r, &base->groups[i - base->ncomputers]);
			uint32_t *slot = rc == 0 ? slot_of(b, r.guid) : NULL;
			if (rc == 0 && *slot != SLOT_EMPTY)
				rc = -EEXIST;   /* a snapshot never holds a guid twice */
			if (rc == 0)
				rc = builder_append(b, &r, slot);
			if (rc < 0) {
				ad_record_clear(&r);
				ad_builder_free(b);
				return rc;
			}
		}
	}
	*out = b;
	return 0;
}

static void builder_remove(struct ad_builder *b, uint32_t idx)
{
	struct ad_record *o = &b->objs[idx];
	uint8_t guid[16];
	memcpy(guid, o->guid, 16);
	ad_record_clear(o);
	/* Keep the guid so the slot chain stays intact; kind 0 means removed. */
	memcpy(o->guid, guid, 16);
	b->live--;
	b->changes++;
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool records_equal(const struct ad_record *a, const struct ad_record *b)
{
	if (a->kind != b->kind || a->uac != b->uac || a->when_changed != b->when_changed ||
	    a->usn_changed != b->usn_changed || a->nmember_of != b->nmember_of ||
	    !str_eq(a->dn, b->dn) || !str_eq(a->sam, b->sam) || !str_eq(a->dns_name, b->dns_name) ||
	    !str_eq(a->os, b->os) || !str_eq(a->os_version, b->os_version))
		return false;
	for (unsigned i = 0; i < a->nmember_of; i++)
		if (!str_eq(a->member_of[i], b->member_of[i]))
			return false;
	return true;
}

int ad_builder_put(struct ad_builder *b, struct ad_record *r)
{
	uint32_t *slot = slot_of(b, r->guid);
	bool in_scope = (r->kind == AD_KIND_COMPUTER && ad_dn_under(r->dn, b->computer_base)) ||
			(r->kind == AD_KIND_GROUP && ad_dn_under(r->dn, b->group_base));
	int rc = 0;

	if (!in_scope) {
		/* A tombstone, or an object moved out of its base: gone for us. */
		if (*slot != SLOT_EMPTY && b->objs[*slot].kind != 0)
			builder_remove(b, *slot);
		ad_record_clear(r);
		return 0;
	}
	if (*slot != SLOT_EMPTY) {
		struct ad_record *o = &b->objs[*slot];
		if (records_equal(o, r)) {
			/* Seen again unchanged (a member refresh re-reads members). */
			ad_record_clear(r);
			return 0;
		}
		if (o->kind == 0) {
			if (b->live >= b->max_objects) {
				ad_record_clear(r);
				return -E2BIG;
			}
			b->live++;
		}
		ad_record_clear(o);
		*o = *r;
		memset(r, 0, sizeof(*r));
		b->changes++;
		return 0;
	}
	if (b->live >= b->max_objects) {
		ad_record_clear(r);
		return -E2BIG;
	}
	rc = builder_append(b, r, slot);
	if (rc < 0)
		ad_record_clear(r);
	else
		b->changes++;
	return rc;
}

static int guid_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

int ad_builder_members(struct ad_builder *b, const char *old_dn, const char *dn,
		       const uint8_t (*guids)[16], unsigned n)
{
	uint8_t (*sorted)[16] = NULL;
	if (n) {
		sorted = malloc((size_t)n * 16);
		if (!sorted)
			return -ENOMEM;
		memcpy(sorted, guids, (size_t)n * 16);
		qsort(sorted, n, 16, guid_cmp);
	}
	for (unsigned i = 0; i < b->nobjs; i++) {
		struct ad_record *o = &b->objs[i];
		if (o->kind == 0 || o->kind == AD_KIND_DELETED)
			continue;
		if (n && bsearch(o->guid, sorted, n, 16, guid_cmp))
			continue;
		unsigned k = 0;
		bool changed = false;
		for (unsigned j = 0; j < o->nmember_of; j++) {
			if ((dn && strcasecmp(o->member_of[j], dn) == 0) ||
			    (old_dn && strcasecmp(o->member_of[j], old_dn) == 0)) {
				free(o->member_of[j]);
				changed = true;
				continue;
			}
			o->member_of[k++] = o->member_of[j];
		}
		o->nmember_of = k;
		if (changed)
			b->changes++;
	}
	free(sorted);
	return 0;
}

int ad_builder_retain(struct ad_builder *b, const uint8_t (*guids)[16], unsigned n)
{
	uint8_t (*sorted)[16] = NULL;
	if (n) {
		sorted = malloc((size_t)n * 16);
		if (!sorted)
			return -ENOMEM;
		memcpy(sorted, guids, (size_t)n * 16);
		qsort(sorted, n, 16, guid_cmp);
	}
	for (unsigned i = 0; i < b->nobjs; i++) {
		if (b->objs[i].kind == 0)
			continue;
		if (!n || !bsearch(b->objs[i].guid, sorted, n, 16, guid_cmp))
			builder_remove(b, i);
	}
	free(sorted);
	return 0;
}

const char *ad_builder_group_dn(const struct ad_builder *b, const uint8_t guid[16])
{
	uint32_t *slot = slot_of(b, guid);
	if (*slot == SLOT_EMPTY || b->objs[*slot].kind != AD_KIND_GROUP)
		return NULL;
	return b->objs[*slot].dn;
}

unsigned ad_builder_changes(const struct ad_builder *b)
{
	return b->changes;
}

/* ---- snapshots ---------------------------------------------------------- */

static void free_strs(char **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void snapshot_free(struct ad_snapshot *s)
{
	for (unsigned i = 0; i < s->ncomputers; i++) {
		struct ad_computer *c = &s->computers[i];
		free(c->dn);
		free(c->sam);
		free(c->dns_name);
		free(c->os);
		free(c->os_version);
		free_strs(c->member_of, c->nmember_of);
		free(c->groups);
	}
	for (unsigned i = 0; i < s->ngroups; i++) {
		struct ad_group *g = &s->groups[i];
		free(g->dn);
		free(g->sam);
		free_strs(g->member_of, g->nmember_of);
		free(g->parents);
	}
	free(s->computers);
	free(s->groups);
	free(s->by_sam);
	free(s->by_dns);
	free(s->group_by_dn);
	free(s);
}

struct ad_snapshot *ad_snapshot_ref(struct ad_snapshot *s)
{
	if (s)
		s->refs++;
	return s;
}

void ad_snapshot_unref(struct ad_snapshot *s)
{
	if (s && --s->refs == 0)
		snapshot_free(s);
}

/* Index comparators need the snapshot: qsort_r (glibc) passes it, so no
 * static context is shared between the engine's worker and the main thread. */
static int cmp_computer_guid(const void *a, const void *b)
{
	return memcmp(((const struct ad_computer *)a)->guid, ((const struct ad_computer *)b)->guid, 16);
}

static int cmp_group_guid(const void *a, const void *b)
{
	return memcmp(((const struct ad_group *)a)->guid, ((const struct ad_group *)b)->guid, 16);
}

static int cmp_by_sam(const void *a, const void *b, void *ctx)
{
	const struct ad_snapshot *s = ctx;
	return strcasecmp(s->computers[*(const uint32_t *)a].sam, s->computers[*(const uint32_t *)b].sam);
}

static int cmp_by_dns(const void *a, const void *b, void *ctx)
{
	const struct ad_snapshot *s = ctx;
	return strcasecmp(s->computers[*(const uint32_t *)a].dns_name,
			  s->computers[*(const uint32_t *)b].dns_name);
}

static int cmp_group_dn(const void *a, const void *b, void *ctx)
{
	const struct ad_snapshot *s = ctx;
	return strcasecmp(s->groups[*(const uint32_t *)a].dn, s->groups[*(const uint32_t *)b].dn);
}

static int cmp_group_name(const void *a, const void *b, void *ctx)
{
	const struct ad_snapshot *s = ctx;
	int c = strcasecmp(s->groups[*(const uint32_t *)a].sam, s->groups[*(const uint32_t *)b].sam);
	return c ? c : (int)(*(const uint32_t *)a) - (int)(*(const uint32_t *)b);
}

static int group_index_by_dn(const struct ad_snapshot *s, const char *dn)
{
	unsigned lo = 0, hi = s->ngroups;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = strcasecmp(dn, s->groups[s->group_by_dn[mid]].dn);
		if (c == 0)
			return (int)s->group_by_dn[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static int resolve_parents(struct ad_snapshot *s)
{
	for (unsigned i = 0; i < s->ngroups; i++) {
		struct ad_group *g = &s->groups[i];
		if (g->nmember_of == 0)
			continue;
		g->parents = malloc(g->nmember_of * sizeof(uint32_t));
		if (!g->parents)
			return -ENOMEM;
		for (unsigned j = 0; j < g->nmember_of; j++) {
			int p = group_index_by_dn(s, g->member_of[j]);
			/* Outside group_base or a stale value: not followed. */
			if (p < 0 || (unsigned)p == i)
				continue;
			bool dup = false;
			for (unsigned k = 0; k < g->nparents; k++)
				dup |= g->parents[k] == (uint32_t)p;
			if (!dup)
				g->parents[g->nparents++] = (uint32_t)p;
		}
	}
	return 0;
}

/* Every group a computer is in, directly or through nested groups: a
 * breadth-first walk over parents, bounded in depth and in count, each
 * group visited once (AD allows membership cycles). */
static int resolve_computer(struct ad_snapshot *s, struct ad_computer *c, uint32_t *stamp,
			    uint32_t mark, uint32_t *queue, uint8_t *depth)
{
	unsigned head = 0, tail = 0;
	for (unsigned j = 0; j < c->nmember_of; j++) {
		int g = group_index_by_dn(s, c->member_of[j]);
		if (g < 0 || stamp[g] == mark)
			continue;
		stamp[g] = mark;
		if (tail == AD_MAX_GROUPS_PER_COMPUTER) {
			c->groups_truncated = true;
			break;
		}
		depth[tail] = 1;
		queue[tail++] = (uint32_t)g;
	}
	while (head < tail && !c->groups_truncated) {
		uint32_t g = queue[head];
		uint8_t d = depth[head++];
		if (d >= AD_MAX_NESTING)
			continue;
		for (unsigned k = 0; k < s->groups[g].nparents; k++) {
			uint32_t p = s->groups[g].parents[k];
			if (stamp[p] == mark)
				continue;
			stamp[p] = mark;
			if (tail == AD_MAX_GROUPS_PER_COMPUTER) {
				c->groups_truncated = true;
				break;
			}
			depth[tail] = (uint8_t)(d + 1);
			queue[tail++] = p;
		}
	}
	if (tail == 0)
		return 0;
	c->groups = malloc(tail * sizeof(uint32_t));
	if (!c->groups)
		return -ENOMEM;
	memcpy(c->groups, queue, tail * sizeof(uint32_t));
	c->ngroups = tail;
	qsort_r(c->groups, tail, sizeof(uint32_t), cmp_group_name, s);
	return 0;
}

static int index_snapshot(struct ad_snapshot *s)
{
	s->by_sam = malloc((s->ncomputers + 1) * sizeof(uint32_t));
	s->by_dns = malloc((s->ncomputers + 1) * sizeof(uint32_t));
	s->group_by_dn = malloc((s->ngroups + 1) * sizeof(uint32_t));
	if (!s->by_sam || !s->by_dns || !s->group_by_dn)
		return -ENOMEM;
	s->ndns = 0;
	for (uint32_t i = 0; i < s->ncomputers; i++) {
		s->by_sam[i] = i;
		if (s->computers[i].dns_name[0])
			s->by_dns[s->ndns++] = i;
	}
	for (uint32_t i = 0; i < s->ngroups; i++)
		s->group_by_dn[i] = i;
	qsort_r(s->by_sam, s->ncomputers, sizeof(uint32_t), cmp_by_sam, s);
	qsort_r(s->by_dns, s->ndns, sizeof(uint32_t), cmp_by_dns, s);
	qsort_r(s->group_by_dn, s->ngroups, sizeof(uint32_t), cmp_group_dn, s);

	int rc = resolve_parents(s);
	if (rc < 0)
		return rc;
	uint32_t *stamp = calloc(s->ngroups + 1, sizeof(uint32_t));
	uint32_t *queue = malloc(AD_MAX_GROUPS_PER_COMPUTER * sizeof(uint32_t));
	uint8_t *depth = malloc(AD_MAX_GROUPS_PER_COMPUTER);
	if (!stamp || !queue || !depth) {
		free(stamp);
		free(queue);
		free(depth);
		return -ENOMEM;
	}
	s->truncated = 0;
	for (uint32_t i = 0; i < s->ncomputers && rc == 0; i++) {
		rc = resolve_computer(s, &s->computers[i], stamp, i + 1, queue, depth);
		s->truncated += s->computers[i].groups_truncated;
	}
	free(stamp);
	free(queue);
	free(depth);
	return rc;
}

int ad_builder_finish(struct ad_builder *b, const struct ad_source *src, int64_t now,
		      struct ad_snapshot **out, char *err, size_t errlen)
{
	*out = NULL;
	struct ad_snapshot *s = calloc(1, sizeof(*s));
	unsigned nc = 0, ng = 0;
	int rc = 0;

	if (!s) {
		ad_builder_free(b);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->refs = 1;
	for (unsigned i = 0; i < b->nobjs; i++) {
		nc += b->objs[i].kind == AD_KIND_COMPUTER;
		ng += b->objs[i].kind == AD_KIND_GROUP;
	}
	s->computers = calloc(nc + 1, sizeof(*s->computers));
	s->groups = calloc(ng + 1, sizeof(*s->groups));
	if (!s->computers || !s->groups) {
		rc = -ENOMEM;
		goto fail;
	}
	/* Move the strings over; the builder's records are left empty. */
	for (unsigned i = 0; i < b->nobjs; i++) {
		struct ad_record *r = &b->objs[i];
		if (r->kind == AD_KIND_COMPUTER) {
			struct ad_computer *c = &s->computers[s->ncomputers++];
			memcpy(c->guid, r->guid, 16);
			c->dn = r->dn;
			c->sam = r->sam;
			c->dns_name = r->dns_name;
			c->os = r->os;
			c->os_version = r->os_version;
			c->uac = r->uac;
			c->when_changed = r->when_changed;
			c->usn_changed = r->usn_changed;
			c->nmember_of = r->nmember_of;
			c->member_of = r->member_of;
			memset(r, 0, sizeof(*r));
		} else if (r->kind == AD_KIND_GROUP) {
			struct ad_group *g = &s->groups[s->ngroups++];
			memcpy(g->guid, r->guid, 16);
			g->dn = r->dn;
			g->sam = r->sam;
			g->when_changed = r->when_changed;
			g->usn_changed = r->usn_changed;
			g->nmember_of = r->nmember_of;
			g->member_of = r->member_of;
			/* A group has none of these; a record read back from the store may. */
			free(r->dns_name);
			free(r->os);
			free(r->os_version);
			memset(r, 0, sizeof(*r));
		}
	}
	qsort(s->computers, s->ncomputers, sizeof(*s->computers), cmp_computer_guid);
	qsort(s->groups, s->ngroups, sizeof(*s->groups), cmp_group_guid);
	if ((rc = index_snapshot(s)) < 0)
		goto fail;

	if (src)
		s->source = *src;
	s->synced = now;
	s->incremental = b->incremental;
	s->full_synced = b->incremental ? b->base_full_synced : now;
	s->changes = b->changes;
	ad_builder_free(b);
	*out = s;
	return 0;
fail:
	snprintf(err, errlen, "building the snapshot: %s", strerror(-rc));
	snapshot_free(s);
	ad_builder_free(b);
	return rc;
}

/* ---- lookups ------------------------------------------------------------ */

const struct ad_computer *ad_snapshot_find_guid(const struct ad_snapshot *s, const uint8_t guid[16])
{
	if (!s || s->ncomputers == 0)
		return NULL;
	struct ad_computer key = {0};
	memcpy(key.guid, guid, 16);
	return bsearch(&key, s->computers, s->ncomputers, sizeof(key), cmp_computer_guid);
}

const struct ad_group *ad_snapshot_find_group_guid(const struct ad_snapshot *s, const uint8_t guid[16])
{
	if (!s || s->ngroups == 0)
		return NULL;
	struct ad_group key = {0};
	memcpy(key.guid, guid, 16);
	return bsearch(&key, s->groups, s->ngroups, sizeof(key), cmp_group_guid);
}

/* Binary search of an index whose key is a computer's string field. */
static const struct ad_computer *find_in(const struct ad_snapshot *s, const uint32_t *idx,
					 unsigned n, size_t field, const char *key)
{
	unsigned lo = 0, hi = n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct ad_computer *c = &s->computers[idx[mid]];
		int r = strcasecmp(key, *(char *const *)((const char *)c + field));
		if (r == 0)
			return c;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct ad_computer *ad_snapshot_find_sam(const struct ad_snapshot *s, const char *sam)
{
	if (!s || !sam || !sam[0])
		return NULL;
	const struct ad_computer *c = find_in(s, s->by_sam, s->ncomputers,
					      offsetof(struct ad_computer, sam), sam);
	size_t len = strlen(sam);
	if (c || sam[len - 1] == '$' || len >= AD_NAME_MAX)
		return c;
	char with[AD_NAME_MAX + 2];
	snprintf(with, sizeof(with), "%s$", sam);
	return find_in(s, s->by_sam, s->ncomputers, offsetof(struct ad_computer, sam), with);
}

const struct ad_computer *ad_snapshot_find_dns(const struct ad_snapshot *s, const char *fqdn)
{
	char key[AD_DNS_NAME_MAX + 2];
	size_t len = fqdn ? strlen(fqdn) : 0;
	if (!s || len == 0 || len > AD_DNS_NAME_MAX + 1)
		return NULL;
	memcpy(key, fqdn, len + 1);
	if (key[len - 1] == '.')
		key[--len] = '\0';
	if (len == 0)
		return NULL;
	return find_in(s, s->by_dns, s->ndns, offsetof(struct ad_computer, dns_name), key);
}

const struct ad_computer *ad_snapshot_find_label(const struct ad_snapshot *s, const char *label,
						 unsigned *count)
{
	const struct ad_computer *first = NULL;
	size_t ll = label ? strlen(label) : 0;
	*count = 0;
	if (!s || ll == 0)
		return NULL;
	/* Linear: only the last resort of identity binding, for short names. */
	for (unsigned i = 0; i < s->ndns; i++) {
		const struct ad_computer *c = &s->computers[s->by_dns[i]];
		if (strncasecmp(c->dns_name, label, ll) == 0 &&
		    (c->dns_name[ll] == '.' || c->dns_name[ll] == '\0')) {
			if (!first)
				first = c;
			(*count)++;
		}
	}
	return first;
}

const struct ad_group *ad_snapshot_find_group_dn(const struct ad_snapshot *s, const char *dn)
{
	if (!s || !dn)
		return NULL;
	int i = group_index_by_dn(s, dn);
	return i < 0 ? NULL : &s->groups[i];
}

const char *ad_group_name(const struct ad_group *g)
{
	return g->sam;
}

bool ad_computer_disabled(const struct ad_computer *c)
{
	return (c->uac & AD_UAC_ACCOUNTDISABLE) != 0;
}

/* ---- plans -------------------------------------------------------------- */

enum ad_plan_kind ad_plan(const struct ad_snapshot *cur, const struct ad_dc_state *dc,
			  const struct ad_scope *scope, int64_t now, int64_t full_interval,
			  char *why, size_t whylen)
{
	const struct ad_source *src = cur ? &cur->source : NULL;
	if (!cur) {
		snprintf(why, whylen, "no snapshot yet");
		return AD_PLAN_FULL;
	}
	if (strcasecmp(src->dc, dc->dc) != 0) {
		/* USNs are per DC: another DC's numbers say nothing about ours. */
		snprintf(why, whylen, "another domain controller (%.200s, the snapshot is from %.200s)",
			 dc->dc, src->dc[0] ? src->dc : "none");
		return AD_PLAN_FULL;
	}
	if (memcmp(src->invocation_id, dc->invocation_id, 16) != 0) {
		/* [MS-ADTS] 3.1.1.1.9: a restored DC gets a new invocationID and
		 * may reuse USNs we have already seen. */
		char a[AD_GUID_STR_LEN], b[AD_GUID_STR_LEN];
		ad_guid_format(src->invocation_id, a);
		ad_guid_format(dc->invocation_id, b);
		snprintf(why, whylen, "invocationID changed from %s to %s (DC restored?)", a, b);
		return AD_PLAN_FULL;
	}
	if (dc->highest_usn < src->usn) {
		snprintf(why, whylen, "highestCommittedUSN went back from %" PRIu64 " to %" PRIu64,
			 src->usn, dc->highest_usn);
		return AD_PLAN_FULL;
	}
	if (scope && (strcasecmp(scope->computer_base ? scope->computer_base : "", src->computer_base) ||
		      strcasecmp(scope->group_base ? scope->group_base : "", src->group_base))) {
		snprintf(why, whylen, "computer_base or group_base changed");
		return AD_PLAN_FULL;
	}
	if (now < cur->full_synced || now - cur->full_synced >= full_interval) {
		snprintf(why, whylen, "periodic full reconciliation (last full sync %" PRId64 " s ago)",
			 now - cur->full_synced);
		return AD_PLAN_FULL;
	}
	snprintf(why, whylen, "changes after USN %" PRIu64, src->usn);
	return AD_PLAN_INCREMENTAL;
}

int64_t ad_backoff(unsigned failures, int64_t max_backoff)
{
	if (failures == 0)
		return 0;
	int64_t d = AD_BACKOFF_MIN;
	for (unsigned i = 1; i < failures && d < max_backoff; i++)
		d *= 2;
	return d < max_backoff ? d : max_backoff;
}
