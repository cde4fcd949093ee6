/* posture.c — posture database, per-host verdicts, reasons, KPIs (see posture.h). */
#include "posture.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- bounded text ------------------------------------------------------- */

struct sbuf {
	char  *p;
	size_t len, cap;
};

static void sb_init(struct sbuf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	if (cap)
		p[0] = '\0';
}

/* Cuts silently: a reason or a table for people stays useful when cut. */
__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	if (b->cap == 0 || b->len >= b->cap - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n;
	if (b->len >= b->cap)
		b->len = b->cap - 1;
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%.*s", (int)len - 1, src);
}

/* ---- configuration ---------------------------------------------------------- */

/* Item ids and names: printable ASCII without spaces or separators people
 * would not expect inside an id. */
static bool id_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == ',' || *s == '"')
			return false;
	return true;
}

int posture_config_add_baseline(struct posture_config *c, const char *name, struct posture_baseline **out)
{
	if (c->nbaselines >= POSTURE_MAX_BASELINES)
		return -E2BIG;
	if (!id_ok(name, POSTURE_NAME_MAX))
		return -EINVAL;
	struct posture_baseline *b = &c->baselines[c->nbaselines++];
	memset(b, 0, sizeof(*b));
	copy(b->name, sizeof(b->name), name);
	*out = b;
	return 0;
}

int posture_baseline_add_pattern(struct posture_baseline *b, const char *pattern)
{
	if (b->npatterns >= POSTURE_MAX_PATTERNS)
		return -E2BIG;
	if (!id_ok(pattern, SCAN_ID_MAX))
		return -EINVAL;
	copy(b->patterns[b->npatterns++], SCAN_ID_MAX, pattern);
	return 0;
}

int posture_baseline_require(struct posture_baseline *b, const char *item)
{
	if (b->nrequired >= POSTURE_MAX_REQUIRED)
		return -E2BIG;
	if (!id_ok(item, SCAN_ITEM_MAX))
		return -EINVAL;
	if (b->nrequired % 64 == 0) {
		void *v = realloc(b->required, (b->nrequired + 64) * sizeof(*b->required));
		if (v == NULL)
			return -ENOMEM;
		b->required = v;
	}
	copy(b->required[b->nrequired++], SCAN_ITEM_MAX, item);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

int posture_config_check(struct posture_config *c, char *err, size_t errlen)
{
	if (c->max_age < 0) {
		snprintf(err, errlen, "posture maximum age is negative");
		return -EINVAL;
	}
	for (unsigned i = 0; i < c->nbaselines; i++) {
		struct posture_baseline *b = &c->baselines[i];
		if (!id_ok(b->name, POSTURE_NAME_MAX)) {
			snprintf(err, errlen, "baseline %u: name missing or not a plain word", i + 1);
			return -EINVAL;
		}
		for (unsigned k = 0; k < i; k++)
			if (strcmp(c->baselines[k].name, b->name) == 0) {
				snprintf(err, errlen, "baseline '%s' defined twice", b->name);
				return -EINVAL;
			}
		if (b->npatterns == 0) {
			snprintf(err, errlen, "baseline '%s': no benchmark pattern", b->name);
			return -EINVAL;
		}
		if (b->nrequired) {
			qsort(b->required, b->nrequired, sizeof(*b->required), cmp_str);
			for (unsigned k = 1; k < b->nrequired; k++)
				if (strcmp(b->required[k - 1], b->required[k]) == 0) {
					snprintf(err, errlen, "baseline '%s': item %s required twice", b->name,
						 b->required[k]);
					return -EINVAL;
				}
		}
	}
	return 0;
}

void posture_config_free(struct posture_config *c)
{
	for (unsigned i = 0; i < c->nbaselines; i++) {
		free(c->baselines[i].required);
		c->baselines[i].required = NULL;
		c->baselines[i].nrequired = 0;
	}
	c->nbaselines = 0;
}

void posture_baseline_of(const struct posture_config *c, const struct scan *s,
			 const struct posture_baseline **b, char *name, size_t len)
{
	*b = NULL;
	for (unsigned i = 0; c && i < c->nbaselines && *b == NULL; i++) {
		const struct posture_baseline *cand = &c->baselines[i];
		for (unsigned p = 0; p < cand->npatterns; p++)
			if (fnmatch(cand->patterns[p], s->benchmark, FNM_CASEFOLD) == 0 ||
			    (s->profile[0] && fnmatch(cand->patterns[p], s->profile, FNM_CASEFOLD) == 0)) {
				*b = cand;
				break;
			}
	}
	if (*b) {
		copy(name, len, (*b)->name);
		return;
	}
	const char *id = s->benchmark, *mark = strstr(id, "_benchmark_");
	if (strncmp(id, "xccdf_", 6) == 0 && mark && mark[11])
		id = mark + 11;
	copy(name, len, id[0] ? id : "unnamed");
}

/* ---- database ---------------------------------------------------------------- */

struct entry {
	struct scan scan;
	char source[POSTURE_SOURCE_MAX];
	char *key;                      /* host|benchmark|profile: what a newer scan replaces */
};

struct mac_ix {
	uint8_t  mac[6];
	uint32_t entry;
};

struct name_ix {
	const char *s;                  /* into the entry's scan */
	uint16_t len;
	bool     label;                 /* the first label of a longer name */
	uint32_t entry;
};

struct addr_ix {
	struct scan_addr a;
	uint32_t entry;
};

struct index {
	struct mac_ix *macs;
	unsigned nmacs;
	struct name_ix *names;
	unsigned nnames;
	struct addr_ix *addrs;
	unsigned naddrs;
};

struct posture_db {
	unsigned n;
	struct entry **v;
	size_t total_items;
	uint64_t generation;
	struct index ix;
};

struct posture_db *posture_db_new(void)
{
	return calloc(1, sizeof(struct posture_db));
}

static void entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	free(e->scan.items);
	free(e->key);
	free(e);
}

static void index_free(struct index *ix)
{
	free(ix->macs);
	free(ix->names);
	free(ix->addrs);
	memset(ix, 0, sizeof(*ix));
}

void posture_db_free(struct posture_db *db)
{
	if (db == NULL)
		return;
	for (unsigned i = 0; i < db->n; i++)
		entry_free(db->v[i]);
	free(db->v);
	index_free(&db->ix);
	free(db);
}

unsigned posture_db_count(const struct posture_db *db)
{
	return db->n;
}

uint64_t posture_db_generation(const struct posture_db *db)
{
	return db->generation;
}

/* The host part of the key: the lowest MAC, else the first name, else the
 * lowest address, so the order a scanner lists interfaces in is irrelevant. */
static char *scan_key(const struct scan *s)
{
	char host[SCAN_NAME_MAX + 8];
	const struct scan_host *h = &s->host;
	if (h->nmacs) {
		const uint8_t *m = h->macs[0];
		for (unsigned i = 1; i < h->nmacs; i++)
			if (memcmp(h->macs[i], m, 6) < 0)
				m = h->macs[i];
		snprintf(host, sizeof(host), "m:%02x%02x%02x%02x%02x%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	} else if (h->nnames) {
		snprintf(host, sizeof(host), "n:%s", h->names[0]);
	} else if (h->naddrs) {
		const struct scan_addr *a = &h->addrs[0];
		for (unsigned i = 1; i < h->naddrs; i++)
			if (memcmp(&h->addrs[i], a, sizeof(*a)) < 0)
				a = &h->addrs[i];
		char text[64];
		scan_addr_format(a, text, sizeof(text));
		snprintf(host, sizeof(host), "a:%s", text);
	} else {
		snprintf(host, sizeof(host), "-");
	}
	size_t n = strlen(host) + strlen(s->benchmark) + strlen(s->profile) + 3;
	char *k = malloc(n);
	if (k)
		snprintf(k, n, "%s|%s|%s", host, s->benchmark, s->profile);
	return k;
}

static int cmp_mac_ix(const void *a, const void *b)
{
	const struct mac_ix *x = a, *y = b;
	int c = memcmp(x->mac, y->mac, 6);
	return c ? c : (x->entry > y->entry) - (x->entry < y->entry);
}

static int name_cmp(const char *s, size_t len, const char *t, size_t tlen)
{
	int c = memcmp(s, t, len < tlen ? len : tlen);
	if (c)
		return c;
	return (len > tlen) - (len < tlen);
}

static int cmp_name_ix(const void *a, const void *b)
{
	const struct name_ix *x = a, *y = b;
	int c = name_cmp(x->s, x->len, y->s, y->len);
	return c ? c : (x->entry > y->entry) - (x->entry < y->entry);
}

static int cmp_addr_ix(const void *a, const void *b)
{
	const struct addr_ix *x = a, *y = b;
	int c = memcmp(&x->a, &y->a, sizeof(x->a));
	return c ? c : (x->entry > y->entry) - (x->entry < y->entry);
}

static int index_build(struct entry **v, unsigned n, struct index *ix)
{
	size_t nm = 0, nn = 0, na = 0;
	memset(ix, 0, sizeof(*ix));
	for (unsigned i = 0; i < n; i++) {
		nm += v[i]->scan.host.nmacs;
		nn += 2 * (size_t)v[i]->scan.host.nnames;
		na += v[i]->scan.host.naddrs;
	}
	ix->macs = malloc((nm ? nm : 1) * sizeof(*ix->macs));
	ix->names = malloc((nn ? nn : 1) * sizeof(*ix->names));
	ix->addrs = malloc((na ? na : 1) * sizeof(*ix->addrs));
	if (!ix->macs || !ix->names || !ix->addrs) {
		index_free(ix);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct scan_host *h = &v[i]->scan.host;
		for (unsigned k = 0; k < h->nmacs; k++) {
			struct mac_ix *m = &ix->macs[ix->nmacs++];
			memcpy(m->mac, h->macs[k], 6);
			m->entry = i;
		}
		for (unsigned k = 0; k < h->nnames; k++) {
			const char *s = h->names[k], *dot = strchr(s, '.');
			ix->names[ix->nnames++] = (struct name_ix){ s, (uint16_t)strlen(s), false, i };
			if (dot)
				ix->names[ix->nnames++] = (struct name_ix){ s, (uint16_t)(dot - s), true, i };
		}
		for (unsigned k = 0; k < h->naddrs; k++)
			ix->addrs[ix->naddrs++] = (struct addr_ix){ h->addrs[k], i };
	}
	qsort(ix->macs, ix->nmacs, sizeof(*ix->macs), cmp_mac_ix);
	qsort(ix->names, ix->nnames, sizeof(*ix->names), cmp_name_ix);
	qsort(ix->addrs, ix->naddrs, sizeof(*ix->addrs), cmp_addr_ix);
	return 0;
}

struct keyed {
	const char *key;
	unsigned idx;
	int64_t ended;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* What applying a report would do, worked out before anything changes. */
struct plan {
	unsigned nr;
	char **keys;                    /* of each new scan */
	int *replace;                   /* per new scan: held index it replaces, ADDED or DROPPED */
	unsigned nadd;
	size_t items;                   /* item results held afterwards */
};

#define ADDED   (-1)
#define DROPPED (-2)

static void plan_free(struct plan *p)
{
	if (p->keys)
		for (unsigned i = 0; i < p->nr; i++)
			free(p->keys[i]);
	free(p->keys);
	free(p->replace);
	memset(p, 0, sizeof(*p));
}

static int plan_make(const struct posture_db *db, const struct scan_report *r, const char *name,
		     int64_t now, struct plan *p, char *err, size_t errlen)
{
	char when[16];
	unsigned nr = r->nscans;
	struct keyed *old = NULL, *neu = NULL;
	int rc = -ENOMEM;

	memset(p, 0, sizeof(*p));
	if (nr == 0) {
		snprintf(err, errlen, "%s: no scan", name);
		return -EINVAL;
	}
	for (unsigned i = 0; i < nr; i++) {
		const struct scan *s = &r->scans[i];
		/* A scan dated in the future would stay "latest" and never go stale. */
		if (s->ended > now + POSTURE_MAX_SKEW) {
			scan_date_format(s->ended, when, sizeof(when));
			snprintf(err, errlen, "%s: line %d: scan time %s is in the future (a wrong clock?)",
				 name, s->line, when);
			return -EINVAL;
		}
		if (s->ended <= 0) {
			snprintf(err, errlen, "%s: line %d: scan without a time", name, s->line);
			return -EINVAL;
		}
	}
	p->nr = nr;
	p->keys = calloc(nr, sizeof(*p->keys));
	p->replace = malloc(nr * sizeof(*p->replace));
	old = malloc((db->n ? db->n : 1) * sizeof(*old));
	neu = malloc(nr * sizeof(*neu));
	if (!p->keys || !p->replace || !old || !neu)
		goto out;
	for (unsigned i = 0; i < nr; i++) {
		if ((p->keys[i] = scan_key(&r->scans[i])) == NULL)
			goto out;
		neu[i] = (struct keyed){ p->keys[i], i, r->scans[i].ended };
		p->replace[i] = ADDED;
	}
	for (unsigned i = 0; i < db->n; i++)
		old[i] = (struct keyed){ db->v[i]->key, i, db->v[i]->scan.ended };
	if (db->n)
		qsort(old, db->n, sizeof(*old), cmp_keyed);
	qsort(neu, nr, sizeof(*neu), cmp_keyed);

	/* Within the file the latest scan of a key by end-time wins (the later
	 * one in the file on a tie); a held scan that ended later stays. */
	p->items = db->total_items;
	for (unsigned i = 0; i < nr; i++) {
		unsigned j = i, best = neu[i].idx;
		while (j + 1 < nr && strcmp(neu[j + 1].key, neu[i].key) == 0)
			j++;
		for (unsigned k = i + 1; k <= j; k++)
			if (neu[k].ended >= r->scans[best].ended)
				best = neu[k].idx;
		for (unsigned k = i; k <= j; k++)
			if (neu[k].idx != best)
				p->replace[neu[k].idx] = DROPPED;
		unsigned lo = 0, hi = db->n;
		while (lo < hi) {
			unsigned mid = (lo + hi) / 2;
			if (strcmp(old[mid].key, neu[i].key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < db->n && strcmp(old[lo].key, neu[i].key) == 0) {
			const struct entry *held = db->v[old[lo].idx];
			if (held->scan.ended > r->scans[best].ended) {
				p->replace[best] = DROPPED;
			} else {
				p->replace[best] = (int)old[lo].idx;
				p->items = p->items - held->scan.nitems + r->scans[best].nitems;
			}
		} else {
			p->items += r->scans[best].nitems;
			p->nadd++;
		}
		i = j;
	}
	if (db->n + p->nadd > POSTURE_MAX_SCANS || p->items > POSTURE_MAX_ITEMS) {
		snprintf(err, errlen, "%s: posture data would hold %u scans and %zu item results, over the "
			 "limits of %d and %u", name, db->n + p->nadd, p->items, POSTURE_MAX_SCANS,
			 POSTURE_MAX_ITEMS);
		rc = -E2BIG;
		goto out;
	}
	rc = 0;
out:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", name);
	if (rc < 0)
		plan_free(p);
	free(old);
	free(neu);
	return rc;
}

int posture_db_check(const struct posture_db *db, const struct scan_report *r, const char *name,
		     int64_t now, char *err, size_t errlen)
{
	struct plan p;
	int rc = plan_make(db, r, name, now, &p, err, errlen);
	plan_free(&p);
	return rc;
}

int posture_db_apply(struct posture_db *db, struct scan_report *r, const char *name, int64_t now,
		     char *err, size_t errlen)
{
	struct plan p;
	struct entry **added = NULL, **v = NULL;
	struct index ix = { 0 };
	unsigned n;
	int rc = plan_make(db, r, name, now, &p, err, errlen);
	if (rc < 0)
		return rc;

	/* Everything that can fail is allocated before the database changes. */
	rc = -ENOMEM;
	added = calloc(p.nr, sizeof(*added));
	v = malloc(((size_t)db->n + p.nadd + 1) * sizeof(*v));
	if (!added || !v)
		goto fail;
	for (unsigned i = 0; i < p.nr; i++) {
		if (p.replace[i] == DROPPED)
			continue;
		if ((added[i] = calloc(1, sizeof(**added))) == NULL)
			goto fail;
		added[i]->scan = r->scans[i];
		copy(added[i]->source, sizeof(added[i]->source), name);
		added[i]->key = p.keys[i];
	}
	if (db->n)
		memcpy(v, db->v, db->n * sizeof(*v));
	n = db->n;
	for (unsigned i = 0; i < p.nr; i++) {
		if (p.replace[i] >= 0)
			v[p.replace[i]] = added[i];
		else if (p.replace[i] == ADDED)
			v[n++] = added[i];
	}
	if ((rc = index_build(v, n, &ix)) < 0)
		goto fail;

	/* Commit: nothing below fails. Moved scans' items and keys now belong
	 * to their entries; dropped scans are freed with the report. */
	for (unsigned i = 0; i < p.nr; i++) {
		if (p.replace[i] >= 0)
			entry_free(db->v[p.replace[i]]);
		if (p.replace[i] != DROPPED) {
			p.keys[i] = NULL;
			r->scans[i].items = NULL;
			r->scans[i].nitems = 0;
		}
	}
	free(db->v);
	db->v = v;
	db->n = n;
	db->total_items = p.items;
	db->generation++;
	index_free(&db->ix);
	db->ix = ix;
	free(added);
	plan_free(&p);
	scan_report_free(r);
	return 0;

fail:
	snprintf(err, errlen, "%s: out of memory", name);
	if (added)
		for (unsigned i = 0; i < p.nr; i++)
			free(added[i]);         /* shallow: the report and the plan still own the rest */
	free(added);
	free(v);
	plan_free(&p);
	return rc;
}

/* ---- matching ---------------------------------------------------------------------- */

void posture_key_from_facts(struct posture_key *k, const struct device_facts *f, struct scan_addr *addr)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->mac, f->mac, 6);
	k->hostname = f->hostname;
	if (f->ipv4) {
		memset(addr, 0, sizeof(*addr));
		addr->family = AF_INET;
		addr->addr[0] = (uint8_t)(f->ipv4 >> 24);
		addr->addr[1] = (uint8_t)(f->ipv4 >> 16);
		addr->addr[2] = (uint8_t)(f->ipv4 >> 8);
		addr->addr[3] = (uint8_t)f->ipv4;
		k->addrs = addr;
		k->naddrs = 1;
	}
}

struct matches {
	unsigned n;
	uint32_t v[POSTURE_MAX_MATCH];
};

static void match_add(struct matches *m, uint32_t e)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->v[i] == e)
			return;
	if (m->n < POSTURE_MAX_MATCH)
		m->v[m->n++] = e;
}

static void match_mac(const struct index *ix, const uint8_t mac[6], struct matches *m)
{
	unsigned lo = 0, hi = ix->nmacs;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (memcmp(ix->macs[mid].mac, mac, 6) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->nmacs && memcmp(ix->macs[lo].mac, mac, 6) == 0; lo++)
		match_add(m, ix->macs[lo].entry);
}

/* Index entries equal to s[0..len): full names, and first labels when
 * labels_too (the device's name is unqualified). */
static void match_name_run(const struct index *ix, const char *s, size_t len, bool labels_too,
			   struct matches *m)
{
	unsigned lo = 0, hi = ix->nnames;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (name_cmp(ix->names[mid].s, ix->names[mid].len, s, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->nnames && name_cmp(ix->names[lo].s, ix->names[lo].len, s, len) == 0; lo++)
		if (!ix->names[lo].label || labels_too)
			match_add(m, ix->names[lo].entry);
}

static void match_name(const struct index *ix, const char *name, struct matches *m)
{
	char norm[SCAN_NAME_MAX];
	if (name == NULL || scan_name_normalize(name, norm) < 0)
		return;
	const char *dot = strchr(norm, '.');
	/* "pc01" matches "pc01" and "pc01.town.gov.tw"; "pc01.town.gov.tw"
	 * matches itself and an unqualified "pc01", not "pc01.other.gov.tw". */
	match_name_run(ix, norm, strlen(norm), dot == NULL, m);
	if (dot)
		match_name_run(ix, norm, (size_t)(dot - norm), false, m);
}

static void match_addr(const struct posture_db *db, const struct scan_addr *a, bool device_named,
		       struct matches *m)
{
	const struct index *ix = &db->ix;
	struct scan_addr key;
	memset(&key, 0, sizeof(key));
	key.family = a->family;
	memcpy(key.addr, a->addr, a->family == AF_INET ? 4 : 16);
	unsigned lo = 0, hi = ix->naddrs;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (memcmp(&ix->addrs[mid].a, &key, sizeof(key)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->naddrs && memcmp(&ix->addrs[lo].a, &key, sizeof(key)) == 0; lo++) {
		const struct scan_host *h = &db->v[ix->addrs[lo].entry]->scan.host;
		/* An address is only the last resort: a scan whose MAC or name
		 * could have matched and did not is about another device. */
		if (h->nmacs == 0 && (!device_named || h->nnames == 0))
			match_add(m, ix->addrs[lo].entry);
	}
}

/* ---- verdicts ----------------------------------------------------------------------- */

static bool override_active(const struct posture_override *o, int64_t now)
{
	return o && o->active && (o->expires == 0 || o->expires > now);
}

static bool waived(const struct posture_override *o, const char *item)
{
	for (unsigned i = 0; o && i < o->nwaived && i < POSTURE_MAX_WAIVED; i++)
		if (strcmp(o->waived[i], item) == 0)
			return true;
	return false;
}

static void list_item(char (*list)[SCAN_ITEM_MAX], unsigned *n, const char *item)
{
	if (*n < POSTURE_MAX_LISTED)
		copy(list[*n], SCAN_ITEM_MAX, item);
	(*n)++;
}

static const struct scan_item *find_item(const struct scan *s, const char *id)
{
	unsigned lo = 0, hi = s->nitems;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		int c = strcmp(s->items[mid].id, id);
		if (c == 0)
			return &s->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Count one item; a required item the scan did not check is unknown. */
static void count_item(const char *id, const struct scan_item *it, bool required,
		       struct posture_baseline_verdict *bv, struct posture_verdict *v, bool list)
{
	int res = it ? it->result : SCAN_NOTSELECTED;
	switch (res) {
	case SCAN_PASS:
	case SCAN_FIXED:
		bv->npass++;
		return;
	case SCAN_FAIL:
		bv->nfail++;
		if (list)
			list_item(v->failed, &v->nfailed, id);
		return;
	case SCAN_ERROR:
	case SCAN_UNKNOWN:
		break;
	case SCAN_NOTSELECTED:
	case SCAN_NOTCHECKED:
		if (required)
			break;
		return;
	default:                /* notapplicable, informational */
		return;
	}
	bv->nunknown++;
	if (list)
		list_item(v->unknown, &v->nunknown, id);
}

static void count_scan(const struct scan *s, const struct posture_baseline *b, const struct posture_override *o,
		       struct posture_baseline_verdict *bv, struct posture_verdict *v, bool list)
{
	if (b && b->nrequired) {
		for (unsigned i = 0; i < b->nrequired; i++)
			if (!waived(o, b->required[i]))
				count_item(b->required[i], find_item(s, b->required[i]), true, bv, v, list);
	} else {
		for (unsigned i = 0; i < s->nitems; i++)
			if (!waived(o, s->items[i].id))
				count_item(s->items[i].id, &s->items[i], false, bv, v, list);
	}
	if (bv->nfail)
		bv->status = POSTURE_NONCOMPLIANT;
	else if (bv->nunknown || bv->npass == 0)
		bv->status = POSTURE_UNKNOWN;       /* errors, or nothing that counts was checked */
	else
		bv->status = POSTURE_COMPLIANT;
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

void posture_evaluate(const struct posture_db *db, const struct posture_config *c,
		      const struct posture_key *k, const struct posture_override *o, int64_t now,
		      struct posture_verdict *v)
{
	struct matches m = { 0 };
	int64_t max_age = c ? c->max_age : 0;

	memset(v, 0, sizeof(*v));
	v->status = POSTURE_UNKNOWN;
	v->max_age = max_age;
	if (!override_active(o, now))
		o = NULL;

	if (db && k) {
		bool named = k->hostname && k->hostname[0];
		match_mac(&db->ix, k->mac, &m);
		if (m.n)
			copy(v->matched_by, sizeof(v->matched_by), "MAC");
		if (m.n == 0 && named) {
			match_name(&db->ix, k->hostname, &m);
			if (m.n)
				copy(v->matched_by, sizeof(v->matched_by), "host name");
		}
		for (unsigned i = 0; m.n == 0 && i < k->naddrs; i++)
			match_addr(db, &k->addrs[i], named, &m);
		if (m.n && v->matched_by[0] == '\0')
			copy(v->matched_by, sizeof(v->matched_by), "address");
	}

	/* The latest scan of each baseline by end-time (two profiles of one
	 * benchmark may share a baseline); database order breaks ties. */
	const struct entry *latest[POSTURE_MAX_MATCH];
	uint32_t latest_ix[POSTURE_MAX_MATCH];
	const struct posture_baseline *cfg[POSTURE_MAX_MATCH];
	char names[POSTURE_MAX_MATCH][POSTURE_NAME_MAX];
	unsigned nb = 0;
	for (unsigned i = 0; i < m.n; i++) {
		const struct entry *e = db->v[m.v[i]];
		const struct posture_baseline *b;
		char name[POSTURE_NAME_MAX];
		posture_baseline_of(c, &e->scan, &b, name, sizeof(name));
		unsigned j;
		for (j = 0; j < nb && strcmp(names[j], name) != 0; j++)
			;
		if (j == nb) {
			copy(names[nb], sizeof(names[nb]), name);
			cfg[nb] = b;
			latest_ix[nb] = m.v[i];
			latest[nb++] = e;
		} else if (e->scan.ended > latest[j]->scan.ended ||
			   (e->scan.ended == latest[j]->scan.ended && m.v[i] > latest_ix[j])) {
			latest_ix[j] = m.v[i];
			latest[j] = e;
		}
	}

	int64_t t_fail = 0, t_unknown = 0, t_stale = 0, t_all = 0;
	bool any_fail = false, any_unknown = false, any_stale = false;
	for (unsigned i = 0; i < nb; i++) {
		const struct scan *s = &latest[i]->scan;
		struct posture_baseline_verdict bv;
		memset(&bv, 0, sizeof(bv));
		copy(bv.name, sizeof(bv.name), names[i]);
		bv.format = s->format;
		bv.scanned = s->ended;
		copy(bv.source, sizeof(bv.source), latest[i]->source);
		bool stale = max_age > 0 && s->ended + max_age <= now;
		count_scan(s, cfg[i], o, &bv, v, !stale);
		if (stale) {
			bv.status = POSTURE_STALE;
			any_stale = true;
			t_stale = earliest(t_stale, s->ended);
		} else {
			if (max_age > 0)
				v->expires = earliest(v->expires, s->ended + max_age);
			if (bv.status == POSTURE_NONCOMPLIANT) {
				any_fail = true;
				t_fail = earliest(t_fail, s->ended);
			} else if (bv.status == POSTURE_UNKNOWN) {
				any_unknown = true;
				t_unknown = earliest(t_unknown, s->ended);
			}
		}
		t_all = earliest(t_all, s->ended);
		if (v->nbaselines < POSTURE_HOST_BASELINES)
			v->baselines[v->nbaselines] = bv;
		v->nbaselines++;
	}

	/* A fresh failure says the most; then a fresh doubt; then age. */
	if (nb == 0) {
		v->status = POSTURE_UNKNOWN;
	} else if (any_fail) {
		v->status = POSTURE_NONCOMPLIANT;
		v->scanned = t_fail;
	} else if (any_unknown) {
		v->status = POSTURE_UNKNOWN;
		v->scanned = t_unknown;
	} else if (any_stale) {
		v->status = POSTURE_STALE;
		v->scanned = t_stale;
	} else {
		v->status = POSTURE_COMPLIANT;
		v->scanned = t_all;
	}

	if (o && o->force && o->status < POSTURE__MAX) {
		v->status = o->status;
		v->overridden = true;
		copy(v->override_user, sizeof(v->override_user), o->user);
		copy(v->override_reason, sizeof(v->override_reason), o->reason);
		v->override_expires = o->expires;
		/* The policy ages posture by posture_scanned: a forced status is
		 * as fresh as the decision, or it would turn stale at once. */
		v->scanned = now;
	}
	if (o)
		v->expires = earliest(v->expires, o->expires);
}

void posture_to_facts(const struct posture_verdict *v, struct device_facts *f)
{
	f->posture = v->status < POSTURE__MAX ? v->status : POSTURE_UNKNOWN;
	f->posture_scanned = v->scanned;
	f->nfailed = 0;
	for (unsigned i = 0; i < v->nfailed && i < POSTURE_MAX_LISTED && i < FACT_MAX_FAILED; i++)
		copy(f->failed[f->nfailed++], FACT_ITEM_MAX, v->failed[i]);
}

static void list_items(struct sbuf *b, const char (*list)[SCAN_ITEM_MAX], unsigned n)
{
	unsigned shown = n < POSTURE_REASON_ITEMS ? n : POSTURE_REASON_ITEMS;
	for (unsigned i = 0; i < shown && i < POSTURE_MAX_LISTED; i++)
		sb_printf(b, "%s%s", i ? ", " : "", list[i]);
	if (n > shown)
		sb_printf(b, " and %u more", n - shown);
}

void posture_reason(const struct posture_verdict *v, char *out, size_t len)
{
	struct sbuf b;
	char date[16];

	sb_init(&b, out, len);
	scan_date_format(v->scanned, date, sizeof(date));
	if (v->overridden) {
		sb_printf(&b, "GCB posture set %s by admin %s", posture_status_name(v->status),
			  v->override_user[0] ? v->override_user : "?");
		if (v->override_reason[0])
			sb_printf(&b, ": %s", v->override_reason);
		if (v->override_expires) {
			scan_date_format(v->override_expires, date, sizeof(date));
			sb_printf(&b, ", until %s", date);
		}
		return;
	}
	switch (v->status) {
	case POSTURE_NONCOMPLIANT:
		sb_printf(&b, "GCB ");
		list_items(&b, v->failed, v->nfailed);
		sb_printf(&b, " failed, scan %s", date);
		break;
	case POSTURE_COMPLIANT:
		sb_printf(&b, "GCB compliant, scan %s", date);
		break;
	case POSTURE_STALE:
		sb_printf(&b, "GCB scan %s older than %lld days", date, (long long)(v->max_age / 86400));
		break;
	default:
		if (v->matched_by[0] == '\0') {
			sb_printf(&b, "no GCB scan");
		} else if (v->nunknown) {
			sb_printf(&b, "GCB result unknown (");
			list_items(&b, v->unknown, v->nunknown);
			sb_printf(&b, "), scan %s", date);
		} else {
			sb_printf(&b, "GCB scan %s checked no item", date);
		}
	}
}

/* ---- KPI ------------------------------------------------------------------------------------ */

void posture_kpi_init(struct posture_kpi *k)
{
	memset(k, 0, sizeof(*k));
	copy(k->total.name, sizeof(k->total.name), "all devices");
}

static struct posture_kpi_row *kpi_row(struct posture_kpi_row *rows, unsigned *n, const char *name)
{
	for (unsigned i = 0; i < *n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	if (*n == POSTURE_KPI_MAX_ROWS - 1)
		name = "(other)";               /* the last row collects the rest */
	else if (*n == POSTURE_KPI_MAX_ROWS)
		return &rows[POSTURE_KPI_MAX_ROWS - 1];
	struct posture_kpi_row *r = &rows[(*n)++];
	memset(r, 0, sizeof(*r));
	copy(r->name, sizeof(r->name), name);
	return r;
}

static void kpi_count(struct posture_kpi_row *r, uint8_t status, bool scanned)
{
	r->devices++;
	if (!scanned) {
		r->unscanned++;
		return;
	}
	switch (status) {
	case POSTURE_COMPLIANT: r->compliant++; break;
	case POSTURE_NONCOMPLIANT: r->noncompliant++; break;
	case POSTURE_STALE: r->stale++; break;
	default: r->unknown++; break;
	}
}

void posture_kpi_add(struct posture_kpi *k, const char *role, const struct posture_verdict *v)
{
	bool scanned = v->matched_by[0] != '\0' || v->overridden;
	kpi_count(&k->total, v->status, scanned);
	kpi_count(kpi_row(k->roles, &k->nroles, role && role[0] ? role : "(no role)"), v->status, scanned);
	for (unsigned i = 0; i < v->nbaselines && i < POSTURE_HOST_BASELINES; i++)
		kpi_count(kpi_row(k->baselines, &k->nbaselines, v->baselines[i].name), v->baselines[i].status, true);
}

unsigned posture_kpi_permille(const struct posture_kpi_row *r)
{
	if (r->devices == 0)
		return 0;
	return (unsigned)(((uint64_t)r->compliant * 1000 + r->devices / 2) / r->devices);
}

static void kpi_line(struct sbuf *b, const struct posture_kpi_row *r, bool unscanned)
{
	unsigned pm = posture_kpi_permille(r);
	char col[16] = "";
	if (unscanned)
		snprintf(col, sizeof(col), "%u", r->unscanned);
	sb_printf(b, "%-24.24s %7u %9u %12u %7u %5u %9s %5u.%u%%\n", r->name, r->devices, r->compliant,
		  r->noncompliant, r->unknown, r->stale, col, pm / 10, pm % 10);
}

size_t posture_kpi_format(const struct posture_kpi *k, char *out, size_t len)
{
	static const char head[] = "%-24s %7s %9s %12s %7s %5s %9s %8s\n";
	struct sbuf b;
	sb_init(&b, out, len);
	sb_printf(&b, "GCB compliance (adoption rate = compliant / devices)\n");
	sb_printf(&b, head, "role", "devices", "compliant", "noncompliant", "unknown", "stale", "unscanned", "rate");
	for (unsigned i = 0; i < k->nroles; i++)
		kpi_line(&b, &k->roles[i], true);
	kpi_line(&b, &k->total, true);
	sb_printf(&b, "\n");
	/* per baseline: the devices that have a scan of it */
	sb_printf(&b, head, "baseline", "devices", "compliant", "noncompliant", "unknown", "stale", "", "rate");
	for (unsigned i = 0; i < k->nbaselines; i++)
		kpi_line(&b, &k->baselines[i], false);
	return b.len;
}
