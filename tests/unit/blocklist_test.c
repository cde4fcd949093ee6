/* blocklist_test.c — longest prefix match over threat-feed prefixes: IPv4
 * and IPv6, /32 and /128 hosts, /0, id mapping, duplicates, the limits, an
 * empty list, 1M IPv4 and 100k IPv6 prefixes.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "blocklist.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static char err[256];

static struct fpmsg_prefix p4(uint32_t addr, uint8_t plen, uint32_t id)
{
	struct fpmsg_prefix p = { .family = 4, .addr4 = addr, .plen = plen, .id = id };

	return p;
}

static struct fpmsg_prefix p6(const char *addr, uint8_t plen, uint32_t id)
{
	struct fpmsg_prefix p = { .family = 6, .plen = plen, .id = id };

	assert_int_equal(inet_pton(AF_INET6, addr, p.addr6), 1);
	return p;
}

static struct blocklist *build(const struct fpmsg_prefix *p, unsigned n)
{
	struct blocklist *b = blocklist_build("bl", p, n, SOCKET_ID_ANY, err, sizeof(err));

	if (b == NULL)
		print_error("build failed: %s\n", err);
	assert_non_null(b);
	assert_int_equal(blocklist_count(b), n);
	return b;
}

static uint32_t look4(const struct blocklist *b, uint32_t addr)
{
	uint32_t hit = 0xdeadbeef;

	blocklist_lookup4(b, &addr, 1, &hit);
	return hit;
}

static uint32_t look6(const struct blocklist *b, const char *addr)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	return blocklist_lookup6(b, a);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;

	for (unsigned s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

static void test_longest_prefix_v4(void **state)
{
	(void)state;
	struct fpmsg_prefix p[] = {
		p4(IP4(10, 0, 0, 0), 8, 100),
		p4(IP4(10, 1, 0, 0), 16, 101),
		p4(IP4(10, 1, 2, 0), 24, 102),
		p4(IP4(10, 1, 2, 128), 25, 103),
		p4(IP4(10, 1, 2, 200), 32, 104),
		p4(IP4(172, 16, 9, 99), 12, 105),   /* host bits set: masked to 172.16/12 */
		p4(IP4(1, 2, 3, 4), 32, 106),
	};
	struct blocklist *b = build(p, RTE_DIM(p));
	uint32_t addrs[8] = { IP4(10, 9, 9, 9), IP4(10, 1, 9, 9), IP4(10, 1, 2, 5),
			      IP4(10, 1, 2, 130), IP4(10, 1, 2, 200), IP4(11, 0, 0, 1),
			      IP4(172, 31, 255, 255), IP4(1, 2, 3, 5) };
	uint32_t want[8] = { 1, 2, 3, 4, 5, 0, 6, 0 }, hit[8];

	blocklist_lookup4(b, addrs, 8, hit);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(hit[i], want[i]);
	assert_int_equal(look4(b, IP4(1, 2, 3, 4)), 7);
	assert_int_equal(look4(b, IP4(10, 1, 2, 127)), 3);
	assert_int_equal(look4(b, IP4(172, 32, 0, 0)), 0);
	assert_int_equal(look4(b, IP4(9, 255, 255, 255)), 0);

	/* id mapping */
	for (unsigned i = 0; i < RTE_DIM(p); i++)
		assert_int_equal(blocklist_prefix_id(b, i), 100 + i);
	assert_int_equal(blocklist_prefix_id(b, RTE_DIM(p)), 0);
	/* An IPv4 list answers no IPv6 address. */
	assert_int_equal(look6(b, "::ffff:10.1.2.200"), 0);
	blocklist_free(b);
}

static void test_default_route(void **state)
{
	(void)state;
	struct fpmsg_prefix p[] = {
		p4(IP4(10, 0, 0, 0), 8, 1),
		p4(0, 0, 2),
		p6("2001:db8::", 32, 3),
		p6("::", 0, 4),
		p4(IP4(10, 1, 1, 1), 32, 5),
	};
	struct blocklist *b = build(p, RTE_DIM(p));

	assert_int_equal(look4(b, IP4(10, 2, 3, 4)), 1);
	assert_int_equal(look4(b, IP4(10, 1, 1, 1)), 5);
	assert_int_equal(look4(b, IP4(8, 8, 8, 8)), 2);
	assert_int_equal(look4(b, IP4(255, 255, 255, 255)), 2);
	assert_int_equal(look6(b, "2001:db8::1"), 3);
	assert_int_equal(look6(b, "2001:db9::1"), 4);
	blocklist_free(b);

	/* Only a /0: every address hits, no table behind it. */
	b = build(&p[1], 1);
	assert_int_equal(look4(b, IP4(1, 1, 1, 1)), 1);
	assert_int_equal(look6(b, "::1"), 0);
	blocklist_free(b);
}

static void test_ipv6(void **state)
{
	(void)state;
	struct fpmsg_prefix p[] = {
		p6("2001:db8::", 32, 10),
		p6("2001:db8:1::", 48, 11),
		p6("2001:db8:1:2::", 64, 12),
		p6("2001:db8:1:2::99", 128, 13),
		p6("fd00::", 8, 14),
		p6("2001:db8:1:2:3:4:5:0", 125, 15),
		p6("2001:db8:1:2:3:4:5:6", 128, 16),
		p4(IP4(10, 0, 0, 0), 8, 17),
	};
	struct blocklist *b = build(p, RTE_DIM(p));

	assert_int_equal(look6(b, "2001:db8:ffff::1"), 1);
	assert_int_equal(look6(b, "2001:db8:1:ffff::1"), 2);
	assert_int_equal(look6(b, "2001:db8:1:2::1"), 3);
	assert_int_equal(look6(b, "2001:db8:1:2::99"), 4);
	assert_int_equal(look6(b, "2001:db8:1:2::98"), 3);
	assert_int_equal(look6(b, "fdff:1::1"), 5);
	assert_int_equal(look6(b, "fe00::1"), 0);
	assert_int_equal(look6(b, "2001:db8:1:2:3:4:5:7"), 6);
	assert_int_equal(look6(b, "2001:db8:1:2:3:4:5:6"), 7);
	assert_int_equal(look6(b, "2001:db8:1:2:3:4:5:8"), 3);
	assert_int_equal(look6(b, "2001:db9::"), 0);
	assert_int_equal(look4(b, IP4(10, 0, 0, 1)), 8);
	for (unsigned i = 0; i < RTE_DIM(p); i++)
		assert_int_equal(blocklist_prefix_id(b, i), 10 + i);
	blocklist_free(b);
}

static void test_duplicates_last_wins(void **state)
{
	(void)state;
	struct fpmsg_prefix p[] = {
		p4(IP4(10, 0, 0, 0), 8, 1),
		p6("2001:db8::", 32, 2),
		p6("2001:db8::1", 128, 3),
		p4(IP4(10, 0, 0, 0), 8, 4),
		p6("2001:db8::", 32, 5),
		p6("2001:db8::1", 128, 6),
		p4(IP4(10, 9, 9, 9), 32, 7),
		p4(IP4(10, 9, 9, 9), 32, 8),
	};
	struct blocklist *b = build(p, RTE_DIM(p));

	assert_int_equal(look4(b, IP4(10, 1, 1, 1)), 4);
	assert_int_equal(look4(b, IP4(10, 9, 9, 9)), 8);
	assert_int_equal(look6(b, "2001:db8::2"), 5);
	assert_int_equal(look6(b, "2001:db8::1"), 6);
	blocklist_free(b);
}

static void test_empty(void **state)
{
	(void)state;
	struct blocklist *b = build(NULL, 0);
	uint32_t addrs[64], hit[64];

	for (unsigned i = 0; i < 64; i++)
		addrs[i] = i * 0x01010101u;
	blocklist_lookup4(b, addrs, 64, hit);
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(hit[i], 0);
	assert_int_equal(look6(b, "2001:db8::1"), 0);
	assert_int_equal(blocklist_prefix_id(b, 0), 0);
	blocklist_free(b);
	/* No table at all behaves as empty. */
	blocklist_lookup4(NULL, addrs, 64, hit);
	assert_int_equal(hit[63], 0);
	assert_int_equal(blocklist_count(NULL), 0);
}

static void test_refused(void **state)
{
	(void)state;
	struct fpmsg_prefix p = p4(IP4(10, 0, 0, 0), 33, 1);
	struct fpmsg_prefix *many;
	enum { N = BLOCKLIST_MAX_TBL8_4 + 10 };

	assert_null(blocklist_build("bl", &p, 1, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "prefix length"));
	p = p6("::", 129, 1);
	assert_null(blocklist_build("bl", &p, 1, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "prefix length"));
	p.family = 5;
	assert_null(blocklist_build("bl", &p, 1, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "family"));
	assert_null(blocklist_build("bl", NULL, 3, SOCKET_ID_ANY, err, sizeof(err)));

	/* More host routes in distinct /24s than tbl8 groups allowed. */
	many = calloc(N, sizeof(*many));
	assert_non_null(many);
	for (unsigned i = 0; i < N; i++)
		many[i] = p4(IP4(10, 0, 0, 7) + (i << 8), 32, i);
	assert_null(blocklist_build("bl", many, N, SOCKET_ID_ANY, err, sizeof(err)));
	assert_non_null(strstr(err, "at most 65536"));
	print_message("refused: %s\n", err);
	/* The same number of hosts packed into few /24s is fine. */
	for (unsigned i = 0; i < N; i++)
		many[i] = p4(IP4(10, 0, 0, 0) + i, 32, i);
	{
		struct blocklist *b = build(many, N);

		assert_int_equal(look4(b, IP4(10, 0, 1, 2)), 256 + 2 + 1);
		blocklist_free(b);
	}
	free(many);
}

/* Reference for the 1M test: (key, index) sorted by key then index. */
struct kv {
	uint32_t key, index;
};

static int cmp_kv(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* index + 1 of the last entry with `key`, or 0. */
static uint32_t kv_last(const struct kv *v, size_t n, uint32_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {          /* first entry with key > `key` */
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].key <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && v[lo - 1].key == key ? v[lo - 1].index + 1 : 0;
}

static uint32_t rnd32(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 32);
}

static void test_million_v4(void **state)
{
	(void)state;
	enum { N = 1000000, HOSTS = 50000, SAMPLES = 200000 };
	struct fpmsg_prefix *p = calloc(N, sizeof(*p));
	struct kv *nets = calloc(N, sizeof(*nets)), *hosts = calloc(HOSTS, sizeof(*hosts));
	size_t nnets = 0, nhosts = 0, before;
	uint64_t seed = 42;
	struct blocklist *b;
	double t0, t_build;
	unsigned mismatches = 0, hits = 0;

	assert_non_null(p);
	assert_non_null(nets);
	assert_non_null(hosts);
	/* Random /24 networks and /32 hosts, hosts spread over the list. */
	for (unsigned i = 0; i < N; i++) {
		uint32_t a = rnd32(&seed);

		if (i % (N / HOSTS) == 0) {
			p[i] = p4(a, 32, i);
			hosts[nhosts++] = (struct kv){ a, i };
		} else {
			p[i] = p4(a & 0xffffff00u, 24, i);
			nets[nnets++] = (struct kv){ a >> 8, i };
		}
	}
	qsort(nets, nnets, sizeof(*nets), cmp_kv);
	qsort(hosts, nhosts, sizeof(*hosts), cmp_kv);

	before = heap_used();
	t0 = now();
	b = build(p, N);
	t_build = now() - t0;
	print_message("1M IPv4 prefixes (%u /32): built in %.2f s, %zu MiB\n",
		      (unsigned)HOSTS, t_build, (heap_used() - before) >> 20);

	for (unsigned s = 0; s < SAMPLES; s += 64) {
		uint32_t addrs[64], hit[64];

		for (unsigned j = 0; j < 64; j++) {
			uint32_t r = rnd32(&seed);

			/* half inside listed prefixes, half anywhere */
			if (j % 2)
				addrs[j] = r;
			else if (j % 4)
				addrs[j] = hosts[r % nhosts].key;
			else
				addrs[j] = nets[r % nnets].key << 8 | (r & 0xff);
		}
		blocklist_lookup4(b, addrs, 64, hit);
		for (unsigned j = 0; j < 64; j++) {
			uint32_t want = kv_last(hosts, nhosts, addrs[j]);

			if (want == 0)
				want = kv_last(nets, nnets, addrs[j] >> 8);
			if (hit[j] != want)
				mismatches++;
			if (hit[j] != 0) {
				hits++;
				assert_int_equal(blocklist_prefix_id(b, hit[j] - 1), hit[j] - 1);
			}
		}
	}
	assert_int_equal(mismatches, 0);
	assert_true(hits > SAMPLES / 2);
	blocklist_free(b);
	free(p);
	free(nets);
	free(hosts);
}

/* Longest match by brute force, the last of equal prefixes winning. */
static uint32_t ref6(const struct fpmsg_prefix *p, unsigned n, const uint8_t a[16])
{
	int best_len = -1;
	uint32_t best = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned plen = p[i].plen, full = plen / 8, rest = plen % 8;

		if (memcmp(p[i].addr6, a, full) != 0)
			continue;
		if (rest && ((p[i].addr6[full] ^ a[full]) & (0xff00u >> rest) & 0xff))
			continue;
		if ((int)plen >= best_len) {
			best_len = (int)plen;
			best = i + 1;
		}
	}
	return best;
}

static void test_many_v6(void **state)
{
	(void)state;
	enum { N = 100000, SAMPLES = 2000 };
	static const uint8_t lens[] = { 128, 128, 128, 128, 48, 48, 48, 64, 64, 64, 32, 56, 40 };
	struct fpmsg_prefix *p = calloc(N, sizeof(*p));
	uint64_t seed = 7;
	struct blocklist *b;
	size_t before;
	double t0;

	assert_non_null(p);
	for (unsigned i = 0; i < N; i++) {
		p[i].family = 6;
		p[i].id = i;
		p[i].plen = lens[i % RTE_DIM(lens)];
		for (unsigned w = 0; w < 4; w++) {
			uint32_t r = rnd32(&seed);

			memcpy(&p[i].addr6[4 * w], &r, 4);
		}
		p[i].addr6[0] = (uint8_t)(0x20 | (p[i].addr6[0] & 0x1f));   /* 2000::/3 */
		p[i].addr6[1] &= 0x03;   /* crowd them a little so prefixes nest */
	}
	before = heap_used();
	t0 = now();
	b = build(p, N);
	print_message("100k IPv6 prefixes (4/13 /128): built in %.2f s, %zu MiB\n",
		      now() - t0, (heap_used() - before) >> 20);

	for (unsigned s = 0; s < SAMPLES; s++) {
		uint8_t a[16];
		uint32_t r = rnd32(&seed);

		memcpy(a, p[r % N].addr6, 16);
		if (s % 2)              /* somewhere inside the prefix */
			a[15] ^= (uint8_t)r, a[9] ^= (uint8_t)(r >> 8);
		if (s % 5 == 0)         /* anywhere */
			a[2] ^= (uint8_t)(r >> 16);
		assert_int_equal(blocklist_lookup6(b, a), ref6(p, N, a));
	}
	blocklist_free(b);
	free(p);
}

int main(void)
{
	/* The 1M-prefix FIB alone takes ~520 MiB, more than the 512 MiB the
	 * other unit tests give EAL. */
	char *eal_args[] = { "blocklist_test", "--no-huge", "-m", "2048", "--no-shconf", "--no-pci",
			     "--log-level", "error", "-l", "0" };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_prefix_v4),
		cmocka_unit_test(test_default_route),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_duplicates_last_wins),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_million_v4),
		cmocka_unit_test(test_many_v6),
	};
	int rc;

	if (rte_eal_init((int)RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "blocklist_test: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
