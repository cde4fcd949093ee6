/* blocklist.c — threat-feed prefixes, longest prefix match.
 *
 * IPv4: rte_fib (DIR-24-8). rte_lpm has the same lookup structure, but its
 * rte_lpm_add() scans every rule of the same depth before adding one, so a
 * feed of 1M prefixes took ~110 s to build (measured, DPDK 22.11); rte_fib
 * keeps its rules in an rte_rib tree and builds the same feed in ~1.5 s.
 * Next hop = build index + 1; a /0 is the FIB's default next hop.
 *
 * IPv6: rte_lpm6 for prefixes up to /127, plus an exact-match rte_hash for
 * /128 host entries: an lpm6 /128 costs up to 13 tbl8 groups (13 KiB), a
 * hash entry a few dozen bytes, and a /128 hit is always the longest match.
 * lpm6 next hops are 21 bits, so they number the IPv6 prefixes (ordinal + 1)
 * and v6_index maps them back to build indexes. lpm6 refuses /0: it is kept
 * aside as default6.
 *
 * tbl8 groups are sized exactly: one per distinct /24 (IPv4) that holds a
 * longer prefix, one per distinct byte-aligned path node below /24 (IPv6).
 *
 * Immutable once built: lookups only read, so workers need no locking; the
 * caller swaps the pointer and frees the old table after a grace period.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_hash.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "blocklist.h"

#define BL_BATCH          64
#define BL_MIN_TBL8       256
#define BL_MAX_PREFIXES   ((1u << 24) - 1)   /* next hop index + 1 fits 24 bits */
#define BL_MAX_LPM6       ((1u << 21) - 1)   /* lpm6 next hops are 21 bits */
#define BL_HASH_MIN       8                  /* rte_hash minimum entries */

struct blocklist {
	struct rte_fib *fib4;        /* NULL when no IPv4 prefix longer than /0 */
	struct rte_lpm6 *lpm6;       /* NULL when no IPv6 prefix /1../127 */
	struct rte_hash *host6;      /* /128 entries, data = index + 1; may be NULL */
	uint32_t default4;           /* index + 1 of the last IPv4 /0, or 0 */
	uint32_t default6;
	unsigned count;
	uint32_t *v6_index;          /* lpm6 next hop - 1 -> build index */
	uint32_t ids[];              /* [count] indicator ids by build index */
};

/* Only the control thread builds; the sequence keeps DPDK object names
 * unique while the old and the new table coexist. */
static uint32_t build_seq;

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

struct v6key {
	uint8_t addr[16];   /* masked to plen */
	uint8_t plen;
};

static int cmp_v6key(const void *a, const void *b)
{
	return memcmp(((const struct v6key *)a)->addr, ((const struct v6key *)b)->addr, 16);
}

static void mask6(uint8_t out[16], const uint8_t in[16], unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		int bits = (int)plen - 8 * (int)i;

		out[i] = bits >= 8 ? in[i] : bits <= 0 ? 0 : (uint8_t)(in[i] & (0xff00u >> bits));
	}
}

/* IPv4 tbl8 groups: one per distinct /24 holding a prefix longer than /24.
 * Returns the count, or UINT32_MAX when out of memory. */
static uint32_t tbl8_need4(const struct fpmsg_prefix *p, unsigned n)
{
	uint32_t *net = NULL, m = 0, distinct = 0;

	for (unsigned i = 0; i < n; i++)
		if (p[i].family == 4 && p[i].plen > 24)
			m++;
	if (m == 0)
		return 0;
	net = malloc(sizeof(*net) * m);
	if (net == NULL)
		return UINT32_MAX;
	m = 0;
	for (unsigned i = 0; i < n; i++)
		if (p[i].family == 4 && p[i].plen > 24)
			net[m++] = p[i].addr4 >> 8;
	qsort(net, m, sizeof(*net), cmp_u32);
	for (uint32_t i = 0; i < m; i++)
		if (i == 0 || net[i] != net[i - 1])
			distinct++;
	free(net);
	return distinct;
}

/* IPv6 (lpm6, /25../127): a prefix of length d needs the tbl8 group
 * reached through its first j bytes for every j in 3..ceil(d/8)-1; groups
 * are shared between prefixes with the same first j bytes. Counting the
 * distinct (j, first j bytes) pairs over the sorted prefixes gives the exact
 * number lpm6 allocates. Returns UINT32_MAX when out of memory. */
static uint32_t tbl8_need6(const struct fpmsg_prefix *p, unsigned n)
{
	struct v6key *k = NULL, last[16];
	bool have[16] = { false };
	uint32_t m = 0, need = 0;

	for (unsigned i = 0; i < n; i++)
		if (p[i].family == 6 && p[i].plen > 24 && p[i].plen < 128)
			m++;
	if (m == 0)
		return 0;
	k = malloc(sizeof(*k) * m);
	if (k == NULL)
		return UINT32_MAX;
	m = 0;
	for (unsigned i = 0; i < n; i++) {
		if (p[i].family == 6 && p[i].plen > 24 && p[i].plen < 128) {
			mask6(k[m].addr, p[i].addr6, p[i].plen);
			k[m++].plen = p[i].plen;
		}
	}
	qsort(k, m, sizeof(*k), cmp_v6key);
	for (uint32_t i = 0; i < m; i++) {
		unsigned top = (k[i].plen + 7u) / 8u - 1u;

		for (unsigned j = 3; j <= top; j++) {
			if (have[j] && memcmp(last[j].addr, k[i].addr, j) == 0)
				continue;
			memcpy(last[j].addr, k[i].addr, j);
			have[j] = true;
			need++;
		}
	}
	free(k);
	return need;
}

static int check_prefix(const struct fpmsg_prefix *p, unsigned i, char *errbuf, size_t errlen)
{
	if (p->family == 4 && p->plen <= 32)
		return 0;
	if (p->family == 6 && p->plen <= 128)
		return 0;
	if (p->family != 4 && p->family != 6)
		snprintf(errbuf, errlen, "prefix %u (id %u): address family %u (want 4 or 6)",
			 i, p->id, p->family);
	else
		snprintf(errbuf, errlen, "prefix %u (id %u): prefix length %u too long for IPv%u",
			 i, p->id, p->plen, p->family);
	return -EINVAL;
}

static int build4(struct blocklist *b, const char *name, uint32_t seq,
		  const struct fpmsg_prefix *p, unsigned n, unsigned n4, int socket_id,
		  char *errbuf, size_t errlen)
{
	struct rte_fib_conf conf = {0};
	char fname[RTE_HASH_NAMESIZE];
	uint32_t tbl8;

	if (n4 == 0)
		return 0;
	tbl8 = tbl8_need4(p, n);
	if (tbl8 == UINT32_MAX) {
		snprintf(errbuf, errlen, "IPv4 blocklist: out of memory");
		return -ENOMEM;
	}
	if (tbl8 > BLOCKLIST_MAX_TBL8_4) {
		snprintf(errbuf, errlen, "IPv4 blocklist: prefixes longer than /24 fall in %u "
			 "distinct /24 networks, at most %u", tbl8, (unsigned)BLOCKLIST_MAX_TBL8_4);
		return -ENOSPC;
	}
	conf.type = RTE_FIB_DIR24_8;
	conf.default_nh = b->default4;
	conf.max_routes = (int)n4;
	conf.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
	conf.dir24_8.num_tbl8 = RTE_MAX(tbl8, (uint32_t)BL_MIN_TBL8);
	snprintf(fname, sizeof(fname), "%.8s4_%x", name, seq);
	b->fib4 = rte_fib_create(fname, socket_id, &conf);
	if (b->fib4 == NULL) {
		snprintf(errbuf, errlen, "IPv4 blocklist %s: cannot create FIB for %u prefixes "
			 "(%u tbl8): %s", fname, n4, conf.dir24_8.num_tbl8, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t mask;
		int rc;

		if (p[i].family != 4 || p[i].plen == 0)
			continue;
		mask = p[i].plen == 32 ? UINT32_MAX : ~(UINT32_MAX >> p[i].plen);
		rc = rte_fib_add(b->fib4, p[i].addr4 & mask, p[i].plen, (uint64_t)i + 1);
		if (rc < 0) {
			snprintf(errbuf, errlen, "prefix %u (id %u): IPv4 FIB add failed: %s",
				 i, p[i].id, rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int build6(struct blocklist *b, const char *name, uint32_t seq,
		  const struct fpmsg_prefix *p, unsigned n, unsigned nlpm, unsigned nhost,
		  int socket_id, char *errbuf, size_t errlen)
{
	char oname[RTE_HASH_NAMESIZE];
	uint32_t ordinal = 0;

	if (nhost > 0) {
		struct rte_hash_parameters hp = {
			.name = oname,
			.entries = RTE_MAX(nhost, (unsigned)BL_HASH_MIN),
			.key_len = 16,
			.socket_id = socket_id,
			/* Every entry must fit, whatever the cuckoo paths. */
			.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
		};

		snprintf(oname, sizeof(oname), "%.8sh_%x", name, seq);
		b->host6 = rte_hash_create(&hp);
		if (b->host6 == NULL) {
			snprintf(errbuf, errlen, "IPv6 blocklist: cannot create host table for %u "
				 "/128 prefixes: %s", nhost, rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	if (nlpm > 0) {
		struct rte_lpm6_config conf = {0};
		uint32_t tbl8 = tbl8_need6(p, n);

		if (tbl8 == UINT32_MAX) {
			snprintf(errbuf, errlen, "IPv6 blocklist: out of memory");
			return -ENOMEM;
		}
		if (tbl8 > BLOCKLIST_MAX_TBL8_6) {
			snprintf(errbuf, errlen, "IPv6 blocklist: prefixes need %u tbl8 groups, "
				 "at most %u", tbl8, BLOCKLIST_MAX_TBL8_6);
			return -ENOSPC;
		}
		conf.max_rules = nlpm;
		conf.number_tbl8s = RTE_MAX(tbl8, (uint32_t)BL_MIN_TBL8);
		snprintf(oname, sizeof(oname), "%.8s6_%x", name, seq);
		b->lpm6 = rte_lpm6_create(oname, socket_id, &conf);
		b->v6_index = rte_malloc_socket("blocklist_v6", sizeof(uint32_t) * nlpm, 0, socket_id);
		if (b->lpm6 == NULL || b->v6_index == NULL) {
			snprintf(errbuf, errlen, "IPv6 blocklist %s: cannot create LPM for %u "
				 "prefixes (%u tbl8)", oname, nlpm, conf.number_tbl8s);
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		int rc;

		if (p[i].family != 6 || p[i].plen == 0)
			continue;
		if (p[i].plen == 128) {
			rc = rte_hash_add_key_data(b->host6, p[i].addr6,
						   (void *)(uintptr_t)(i + 1));
		} else {
			b->v6_index[ordinal] = i;
			rc = rte_lpm6_add(b->lpm6, p[i].addr6, p[i].plen, ordinal + 1);
			ordinal++;
		}
		if (rc < 0) {
			snprintf(errbuf, errlen, "prefix %u (id %u): IPv6 add failed: %s",
				 i, p[i].id, rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

struct blocklist *blocklist_build(const char *name, const struct fpmsg_prefix *prefixes, unsigned n,
				  int socket_id, char *errbuf, size_t errlen)
{
	unsigned n4 = 0, nlpm6 = 0, nhost6 = 0;
	struct blocklist *b;
	uint32_t seq;

	if (errbuf == NULL)
		errlen = 0;
	else if (errlen > 0)
		errbuf[0] = '\0';
	if (name == NULL || (n > 0 && prefixes == NULL)) {
		snprintf(errbuf, errlen, "blocklist: no name or no prefix array");
		return NULL;
	}
	if (n > BL_MAX_PREFIXES) {
		snprintf(errbuf, errlen, "blocklist: %u prefixes, at most %u", n, BL_MAX_PREFIXES);
		return NULL;
	}
	b = rte_zmalloc_socket("blocklist", sizeof(*b) + sizeof(b->ids[0]) * n,
			       RTE_CACHE_LINE_SIZE, socket_id);
	if (b == NULL) {
		snprintf(errbuf, errlen, "blocklist: out of memory for %u prefixes", n);
		return NULL;
	}
	b->count = n;
	for (unsigned i = 0; i < n; i++) {
		const struct fpmsg_prefix *p = &prefixes[i];

		if (check_prefix(p, i, errbuf, errlen) != 0)
			goto fail;
		b->ids[i] = p->id;
		if (p->family == 4 && p->plen == 0)
			b->default4 = i + 1;
		else if (p->family == 4)
			n4++;
		else if (p->plen == 0)
			b->default6 = i + 1;
		else if (p->plen == 128)
			nhost6++;
		else
			nlpm6++;
	}
	if (nlpm6 > BL_MAX_LPM6) {
		snprintf(errbuf, errlen, "blocklist: %u IPv6 prefixes shorter than /128, at most %u",
			 nlpm6, BL_MAX_LPM6);
		goto fail;
	}
	seq = __atomic_fetch_add(&build_seq, 1, __ATOMIC_RELAXED);
	if (build4(b, name, seq, prefixes, n, n4, socket_id, errbuf, errlen) != 0)
		goto fail;
	if (build6(b, name, seq, prefixes, n, nlpm6, nhost6, socket_id, errbuf, errlen) != 0)
		goto fail;
	return b;

fail:
	blocklist_free(b);
	return NULL;
}

void blocklist_free(struct blocklist *b)
{
	if (b == NULL)
		return;
	rte_fib_free(b->fib4);
	rte_lpm6_free(b->lpm6);
	rte_hash_free(b->host6);
	rte_free(b->v6_index);
	rte_free(b);
}

void blocklist_lookup4(const struct blocklist *b, const uint32_t *addrs, unsigned n, uint32_t *hit)
{
	uint32_t ips[BL_BATCH];
	uint64_t nh[BL_BATCH];

	if (b == NULL || b->fib4 == NULL) {
		uint32_t def = b != NULL ? b->default4 : 0;

		for (unsigned i = 0; i < n; i++)
			hit[i] = def;
		return;
	}
	while (n > 0) {
		unsigned k = RTE_MIN(n, (unsigned)BL_BATCH);

		/* rte_fib_lookup_bulk() takes a non-const array. */
		memcpy(ips, addrs, sizeof(ips[0]) * k);
		if (rte_fib_lookup_bulk(b->fib4, ips, nh, (int)k) != 0)
			for (unsigned i = 0; i < k; i++)
				nh[i] = 0;
		for (unsigned i = 0; i < k; i++)
			hit[i] = (uint32_t)nh[i];
		addrs += k;
		hit += k;
		n -= k;
	}
}

uint32_t blocklist_lookup6(const struct blocklist *b, const uint8_t addr[16])
{
	uint32_t nh;
	void *data;

	if (b == NULL)
		return 0;
	if (b->host6 != NULL && rte_hash_lookup_data(b->host6, addr, &data) >= 0)
		return (uint32_t)(uintptr_t)data;
	if (b->lpm6 != NULL && rte_lpm6_lookup(b->lpm6, addr, &nh) == 0)
		return b->v6_index[nh - 1] + 1;
	return b->default6;
}

unsigned blocklist_count(const struct blocklist *b)
{
	return b != NULL ? b->count : 0;
}

uint32_t blocklist_prefix_id(const struct blocklist *b, uint32_t index)
{
	return b != NULL && index < b->count ? b->ids[index] : 0;
}
