/* devtab_test.c — the device table: set/get, bulk lookup, delete, full
 * table, iteration, clear, RCU grace periods, and a reader racing a writer.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "decide.h"
#include "devtab.h"

static void mac_of(uint32_t id, uint8_t mac[6])
{
	mac[0] = 0x02;            /* locally administered, unicast */
	mac[1] = 0x42;
	mac[2] = (uint8_t)(id >> 24);
	mac[3] = (uint8_t)(id >> 16);
	mac[4] = (uint8_t)(id >> 8);
	mac[5] = (uint8_t)id;
}

static uint64_t key_of(uint32_t id)
{
	uint8_t mac[6];

	mac_of(id, mac);
	return devtab_key(mac);
}

/* The entry a device `id` carries in these tests: flags encode the MAC. */
static struct device_entry entry_of(uint32_t id, uint8_t state)
{
	struct device_entry e = {
		.state = state,
		.role = (uint16_t)(id % 1000 + 1),
		.flags = 0xA5000000u ^ id,
	};
	return e;
}

static struct devtab *new_table(uint32_t max, struct rte_rcu_qsbr *qsv)
{
	static unsigned seq;
	char name[32];
	struct devtab *t;

	snprintf(name, sizeof(name), "dt%u", seq++);
	t = devtab_create(name, max, SOCKET_ID_ANY, qsv);
	assert_non_null(t);
	return t;
}

static void test_set_get_update(void **state)
{
	(void)state;
	struct devtab *t = new_table(1024, NULL);
	uint8_t mac[6];
	struct device_entry e = entry_of(7, DEV_ADMITTED), got;
	int slot, slot2;

	assert_int_equal(devtab_capacity(t), 1024);
	assert_int_equal(devtab_count(t), 0);
	mac_of(7, mac);
	slot = devtab_set(t, mac, &e);
	assert_true(slot >= 0 && (uint32_t)slot < devtab_capacity(t));
	got = devtab_entry(t, slot);
	assert_int_equal(got.state, DEV_ADMITTED);
	assert_int_equal(got.role, e.role);
	assert_int_equal(got.flags, e.flags);
	assert_int_equal(devtab_count(t), 1);

	/* Update keeps the slot. */
	e.state = DEV_BLOCKED;
	e.role = 999;
	slot2 = devtab_set(t, mac, &e);
	assert_int_equal(slot2, slot);
	got = devtab_entry(t, slot);
	assert_int_equal(got.state, DEV_BLOCKED);
	assert_int_equal(got.role, 999);
	assert_int_equal(devtab_count(t), 1);

	/* Out-of-range slots read as unknown. */
	assert_int_equal(devtab_entry(t, -1).state, DEV_UNKNOWN);
	assert_int_equal(devtab_entry(t, (int32_t)devtab_capacity(t)).state, DEV_UNKNOWN);
	devtab_free(t);
}

static void test_bad_args(void **state)
{
	(void)state;
	struct devtab *t = new_table(64, NULL);
	uint8_t mac[6];
	struct device_entry e = entry_of(1, DEV_STATE__MAX);

	mac_of(1, mac);
	assert_int_equal(devtab_set(t, mac, &e), -EINVAL);
	assert_int_equal(devtab_set(t, NULL, &e), -EINVAL);
	assert_int_equal(devtab_del(t, mac), -ENOENT);
	assert_int_equal(devtab_count(t), 0);
	devtab_free(t);

	rte_errno = 0;
	assert_null(devtab_create("dt_zero", 0, SOCKET_ID_ANY, NULL));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(devtab_create(NULL, 64, SOCKET_ID_ANY, NULL));
}

static void test_lookup_bulk_mixed(void **state)
{
	(void)state;
	struct devtab *t = new_table(4096, NULL);
	int32_t expect[200];
	uint64_t keys[100];
	int32_t slots[100];

	/* Even ids are present, odd ones are not. */
	for (uint32_t id = 0; id < 200; id++) {
		expect[id] = -1;
		if (id % 2 == 0) {
			uint8_t mac[6];
			struct device_entry e = entry_of(id, DEV_ADMITTED);

			mac_of(id, mac);
			expect[id] = devtab_set(t, mac, &e);
			assert_true(expect[id] >= 0);
		}
	}
	for (unsigned i = 0; i < 100; i++)
		keys[i] = key_of(i * 2 + (i % 3 == 0));   /* mixes hits and misses */

	/* A full burst of 64, a short one, and more than 64 at once. */
	unsigned sizes[] = { 64, 3, 100 };
	for (unsigned s = 0; s < 3; s++) {
		memset(slots, 0x55, sizeof(slots));
		devtab_lookup_bulk(t, keys, sizes[s], slots);
		for (unsigned i = 0; i < sizes[s]; i++) {
			uint32_t id = i * 2 + (i % 3 == 0);

			assert_int_equal(slots[i], expect[id]);
			if (slots[i] >= 0)
				assert_int_equal(devtab_entry(t, slots[i]).flags, entry_of(id, 0).flags);
		}
	}
	devtab_free(t);
}

static void test_delete(void **state)
{
	(void)state;
	struct devtab *t = new_table(256, NULL);
	uint8_t mac[6];
	struct device_entry e = entry_of(5, DEV_QUARANTINED);
	uint64_t key = key_of(5);
	int32_t slot;
	int s;

	mac_of(5, mac);
	s = devtab_set(t, mac, &e);
	assert_true(s >= 0);
	assert_int_equal(devtab_del(t, mac), 0);
	assert_int_equal(devtab_count(t), 0);
	devtab_lookup_bulk(t, &key, 1, &slot);
	assert_int_equal(slot, -1);
	/* A worker still holding the old slot reads "unknown" at once. */
	assert_int_equal(devtab_entry(t, s).state, DEV_UNKNOWN);
	assert_int_equal(devtab_entry(t, s).flags, 0);
	assert_int_equal(devtab_del(t, mac), -ENOENT);
	devtab_free(t);
}

static void test_full_table(void **state)
{
	(void)state;
	struct devtab *t = new_table(64, NULL);
	uint32_t cap = devtab_capacity(t);
	uint8_t seen[64] = {0};
	uint8_t mac[6];
	struct device_entry e;
	int s;

	assert_int_equal(cap, 64);
	/* Every slot is usable (extendable buckets), and slots are distinct. */
	for (uint32_t id = 0; id < cap; id++) {
		mac_of(id, mac);
		e = entry_of(id, DEV_ADMITTED);
		s = devtab_set(t, mac, &e);
		assert_true(s >= 0 && (uint32_t)s < cap);
		assert_int_equal(seen[s], 0);
		seen[s] = 1;
	}
	assert_int_equal(devtab_count(t), cap);
	mac_of(1000, mac);
	e = entry_of(1000, DEV_ADMITTED);
	assert_int_equal(devtab_set(t, mac, &e), -ENOSPC);
	/* Updates still work when full. */
	mac_of(3, mac);
	e = entry_of(3, DEV_BLOCKED);
	assert_true(devtab_set(t, mac, &e) >= 0);
	/* Without RCU a deleted slot is free again at once. */
	assert_int_equal(devtab_del(t, mac), 0);
	mac_of(1000, mac);
	e = entry_of(1000, DEV_ADMITTED);
	assert_true(devtab_set(t, mac, &e) >= 0);
	assert_int_equal(devtab_count(t), cap);
	devtab_free(t);
}

static void test_iterate_and_clear(void **state)
{
	(void)state;
	enum { N = 500 };
	struct devtab *t = new_table(1024, NULL);
	static uint8_t visits[N];
	int32_t slot_of[N];
	uint32_t iter = 0, seen = 0;
	uint8_t mac[6];
	struct device_entry e;
	int32_t slot;

	memset(visits, 0, sizeof(visits));
	for (uint32_t id = 0; id < N; id++) {
		mac_of(id, mac);
		e = entry_of(id, DEV_ADMITTED);
		slot_of[id] = devtab_set(t, mac, &e);
		assert_true(slot_of[id] >= 0);
	}
	while (devtab_next(t, &iter, mac, &e, &slot)) {
		uint32_t id = (uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 |
			      (uint32_t)mac[4] << 8 | mac[5];

		assert_int_equal(mac[0], 0x02);
		assert_int_equal(mac[1], 0x42);
		assert_true(id < N);
		assert_int_equal(visits[id], 0);
		visits[id] = 1;
		assert_int_equal(slot, slot_of[id]);
		assert_int_equal(e.flags, entry_of(id, 0).flags);
		assert_int_equal(e.state, DEV_ADMITTED);
		seen++;
	}
	assert_int_equal(seen, N);

	devtab_clear(t);
	assert_int_equal(devtab_count(t), 0);
	iter = 0;
	assert_int_equal(devtab_next(t, &iter, mac, &e, &slot), 0);
	for (uint32_t id = 0; id < N; id++) {
		uint64_t key = key_of(id);

		devtab_lookup_bulk(t, &key, 1, &slot);
		assert_int_equal(slot, -1);
		assert_int_equal(devtab_entry(t, slot_of[id]).state, DEV_UNKNOWN);
	}
	/* Usable again after a clear. */
	mac_of(1, mac);
	e = entry_of(1, DEV_ADMITTED);
	assert_true(devtab_set(t, mac, &e) >= 0);
	assert_int_equal(devtab_count(t), 1);
	devtab_free(t);
}

static struct rte_rcu_qsbr *qsv_new(uint32_t readers)
{
	size_t sz = rte_rcu_qsbr_get_memsize(readers);
	struct rte_rcu_qsbr *v = rte_zmalloc("test_qsv", sz, RTE_CACHE_LINE_SIZE);

	assert_non_null(v);
	assert_int_equal(rte_rcu_qsbr_init(v, readers), 0);
	return v;
}

/* A deleted slot is not reused while a reader that may hold it has not
 * reported a quiescent state; once it has, the slot comes back. */
static void test_rcu_grace_period(void **state)
{
	(void)state;
	struct rte_rcu_qsbr *v = qsv_new(1);
	struct devtab *t = new_table(8, v);
	uint32_t cap = devtab_capacity(t);
	uint8_t mac[6];
	struct device_entry e;
	int old_slot, s;

	assert_int_equal(rte_rcu_qsbr_thread_register(v, 0), 0);
	rte_rcu_qsbr_thread_online(v, 0);

	for (uint32_t id = 0; id < cap; id++) {
		mac_of(id, mac);
		e = entry_of(id, DEV_ADMITTED);
		assert_true(devtab_set(t, mac, &e) >= 0);
	}
	mac_of(2, mac);
	e = entry_of(2, DEV_ADMITTED);
	old_slot = devtab_set(t, mac, &e);
	assert_int_equal(devtab_del(t, mac), 0);
	assert_int_equal(devtab_count(t), cap - 1);

	mac_of(500, mac);
	e = entry_of(500, DEV_ADMITTED);
	assert_int_equal(devtab_set(t, mac, &e), -ENOSPC);   /* grace period running */

	rte_rcu_qsbr_quiescent(v, 0);
	s = devtab_set(t, mac, &e);
	assert_int_equal(s, old_slot);                        /* reclaimed */
	assert_int_equal(devtab_entry(t, s).flags, e.flags);

	rte_rcu_qsbr_thread_offline(v, 0);
	rte_rcu_qsbr_thread_unregister(v, 0);
	devtab_free(t);
	rte_free(v);
}

/* A worker racing the control thread. The reader looks a MAC up, then reads
 * the slot; any entry it sees must be "unknown" (deleted) or belong to that
 * MAC (flags and role encode it). Without RCU the writer could delete the
 * MAC, free the slot and give it to another MAC between the reader's lookup
 * and its read; with this table nearly full (80 MACs cycling through 64
 * slots) a freed slot is handed out again within a few operations, and the
 * reader widens the window by pausing between lookup and read, so the
 * check trips within the run (verified once by creating the table without
 * the QSBR variable: thousands of foreign entries were seen). */
enum { RACE_SLOTS = 64, RACE_MACS = 80, RACE_OPS = 100000, RACE_MIN_BATCHES = 20000 };

/* EAL pinned the main thread (the writer) to lcore 0 and a new thread
 * inherits that; move the reader to the other CPUs so both really run at
 * once. With a single CPU they still interleave (the writer yields when
 * the table is full). */
static void unpin_from_cpu0(pthread_t th)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (ncpu < 2)
		return;
	CPU_ZERO(&set);
	for (long c = 1; c < ncpu && c < CPU_SETSIZE; c++)
		CPU_SET((int)c, &set);
	pthread_setaffinity_np(th, sizeof(set), &set);
}

struct race {
	struct devtab *t;
	struct rte_rcu_qsbr *v;
	int ready, stop;
	uint32_t batches;                /* reader progress, read by the writer */
	uint64_t lookups, hits, foreign;
};

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	uint32_t rnd = 12345;
	uint64_t keys[8];
	uint32_t ids[8];
	int32_t slots[8];

	rte_rcu_qsbr_thread_register(r->v, 0);
	rte_rcu_qsbr_thread_online(r->v, 0);
	__atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned i = 0; i < 8; i++) {
			ids[i] = xorshift(&rnd) % RACE_MACS;
			keys[i] = key_of(ids[i]);
		}
		devtab_lookup_bulk(r->t, keys, 8, slots);
		for (unsigned spin = 0; spin < 64; spin++)
			rte_pause();
		for (unsigned i = 0; i < 8; i++) {
			struct device_entry e;

			r->lookups++;
			if (slots[i] < 0)
				continue;
			e = devtab_entry(r->t, slots[i]);
			if (e.state == DEV_UNKNOWN && e.flags == 0 && e.role == 0)
				continue;
			r->hits++;
			if (e.flags != entry_of(ids[i], 0).flags || e.role != entry_of(ids[i], 0).role)
				r->foreign++;
		}
		rte_rcu_qsbr_quiescent(r->v, 0);
		__atomic_store_n(&r->batches, r->batches + 1, __ATOMIC_RELAXED);
	}
	rte_rcu_qsbr_thread_offline(r->v, 0);
	rte_rcu_qsbr_thread_unregister(r->v, 0);
	return NULL;
}

static void test_concurrent_reader(void **state)
{
	(void)state;
	struct race r = {0};
	pthread_t th;
	uint8_t present[RACE_MACS] = {0};
	uint32_t rnd = 777, adds = 0, dels = 0, updates = 0, full = 0;

	r.v = qsv_new(1);
	r.t = new_table(RACE_SLOTS, r.v);
	assert_int_equal(pthread_create(&th, NULL, race_reader, &r), 0);
	unpin_from_cpu0(th);
	while (!__atomic_load_n(&r.ready, __ATOMIC_ACQUIRE))
		rte_pause();

	/* At least RACE_OPS changes, and long enough for the reader to make
	 * RACE_MIN_BATCHES passes at them. */
	while (adds + dels + updates < RACE_OPS ||
	       __atomic_load_n(&r.batches, __ATOMIC_RELAXED) < RACE_MIN_BATCHES) {
		uint32_t id = xorshift(&rnd) % RACE_MACS;
		uint8_t mac[6];
		struct device_entry e = entry_of(id, (uint8_t)(DEV_QUARANTINED + adds % 2));

		mac_of(id, mac);
		if (present[id] && xorshift(&rnd) % 2 == 0) {
			assert_int_equal(devtab_del(r.t, mac), 0);
			present[id] = 0;
			dels++;
		} else {
			int s = devtab_set(r.t, mac, &e);

			if (s == -ENOSPC) {
				/* Every free slot waits for the reader's next
				 * quiescent report. */
				full++;
				sched_yield();
				continue;
			}
			assert_true(s >= 0);
			if (present[id])
				updates++;
			else
				adds++;
			present[id] = 1;
		}
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);

	print_message("race: %u adds %u dels %u updates %u full; reader %" PRIu64
		      " lookups %" PRIu64 " hits %" PRIu64 " foreign\n",
		      adds, dels, updates, full, r.lookups, r.hits, r.foreign);
	assert_int_equal(r.foreign, 0);
	assert_true(r.hits > 0);
	assert_true(dels > 1000);
	devtab_free(r.t);
	rte_free(r.v);
}

int main(void)
{
	char *eal_args[] = { "devtab_test", "--no-huge", "-m", "512", "--no-shconf", "--no-pci",
			     "--log-level", "error", "-l", "0" };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_update),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_lookup_bulk_mixed),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_iterate_and_clear),
		cmocka_unit_test(test_rcu_grace_period),
		cmocka_unit_test(test_concurrent_reader),
	};
	int rc;

	if (rte_eal_init((int)RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "devtab_test: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
