/* devtab.c — the device table: MAC -> {state, role, flags}.
 *
 * An rte_hash keyed by the MAC (devtab_key()) gives each device a position;
 * the position is the slot of a parallel array of 64-bit words holding the
 * packed struct device_entry. Workers look up positions in bulk and read the
 * word with one atomic load; the control thread is the only writer.
 *
 * Reclamation: with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF the hash never
 * frees a deleted key's position by itself. When a QSBR variable is given,
 * the hash's own RCU integration (rte_hash_rcu_qsbr_add, defer-queue mode)
 * returns the position to the free list only after every registered worker
 * has reported a quiescent state, so a worker that found a device before it
 * was deleted can never read the entry of another device that took its slot.
 * Deletion also stores 0 (DEV_UNKNOWN) into the slot at once, so that worker
 * sees "unknown" rather than the old verdict.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "decide.h"
#include "devtab.h"

/* rte_hash refuses fewer entries than one bucket holds. */
#define DEVTAB_MIN_SLOTS 8

_Static_assert(sizeof(struct device_entry) == sizeof(uint64_t),
	       "struct device_entry must pack into one 64-bit word");

struct devtab {
	struct rte_hash *hash;
	uint64_t *entries;       /* [capacity], packed struct device_entry */
	uint32_t capacity;
	uint32_t count;          /* written by the control thread only; read anywhere */
	bool rcu;                /* deleted positions are reclaimed by the hash's QSBR */
};

static inline uint64_t entry_pack(const struct device_entry *e)
{
	struct device_entry tmp = *e;
	uint64_t v;

	tmp.pad = 0;
	memcpy(&v, &tmp, sizeof(v));
	return v;
}

static inline struct device_entry entry_unpack(uint64_t v)
{
	struct device_entry e;

	memcpy(&e, &v, sizeof(e));
	return e;
}

static inline void entry_store(struct devtab *t, int32_t slot, uint64_t v)
{
	/* Release: a worker that sees the new word also sees whatever the
	 * writer did before (the key insert, the zeroing on delete). */
	__atomic_store_n(&t->entries[slot], v, __ATOMIC_RELEASE);
}

struct devtab *devtab_create(const char *name, uint32_t max_devices, int socket_id,
			     struct rte_rcu_qsbr *qsv)
{
	struct rte_hash_parameters params = {0};
	struct devtab *t;
	int32_t max_id;
	int err;

	if (name == NULL || max_devices == 0 || max_devices > RTE_HASH_ENTRIES_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("devtab", sizeof(*t), RTE_CACHE_LINE_SIZE, socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}

	params.name = name;
	params.entries = RTE_MAX(max_devices, (uint32_t)DEVTAB_MIN_SLOTS);
	params.key_len = sizeof(uint64_t);
	params.socket_id = socket_id;
	/* Lock-free readers; the extendable bucket table lets every one of
	 * `entries` key slots be used (plain cuckoo can fail earlier). Single
	 * writer, so no MULTI_WRITER_ADD: positions stay within 0..entries-1
	 * (no per-lcore slot caches). */
	params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			    RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->hash = rte_hash_create(&params);
	if (t->hash == NULL)
		goto fail;

	if (qsv != NULL) {
		struct rte_hash_rcu_config rcu = {
			.v = qsv,
			.mode = RTE_HASH_QSBR_MODE_DQ,
		};
		if (rte_hash_rcu_qsbr_add(t->hash, &rcu) != 0)
			goto fail;
		t->rcu = true;
	}

	max_id = rte_hash_max_key_id(t->hash);
	if (max_id <= 0) {
		rte_errno = EINVAL;
		goto fail;
	}
	t->capacity = (uint32_t)max_id;
	t->entries = rte_zmalloc_socket("devtab_entries", sizeof(uint64_t) * t->capacity,
					RTE_CACHE_LINE_SIZE, socket_id);
	if (t->entries == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	return t;

fail:
	err = rte_errno;
	rte_hash_free(t->hash);
	rte_free(t);
	rte_errno = err;
	return NULL;
}

void devtab_free(struct devtab *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->hash);
	rte_free(t->entries);
	rte_free(t);
}

int devtab_set(struct devtab *t, const uint8_t mac[6], const struct device_entry *e)
{
	uint64_t key;
	int32_t pos;

	if (t == NULL || mac == NULL || e == NULL || e->state >= DEV_STATE__MAX)
		return -EINVAL;
	key = devtab_key(mac);

	pos = rte_hash_lookup(t->hash, &key);
	if (pos >= 0) {
		entry_store(t, pos, entry_pack(e));
		return pos;
	}
	pos = rte_hash_add_key(t->hash, &key);
	if (pos < 0)
		return pos == -ENOSPC ? -ENOSPC : -EINVAL;
	if ((uint32_t)pos >= t->capacity)   /* cannot happen with our flags */
		return -EINVAL;
	/* Between the insert and this store a worker may find the key and
	 * read the slot's old word, which is 0 (zeroed at creation or on the
	 * previous delete): the device is briefly still "unknown". */
	entry_store(t, pos, entry_pack(e));
	__atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELAXED);
	return pos;
}

int devtab_del(struct devtab *t, const uint8_t mac[6])
{
	uint64_t key;
	int32_t pos;

	if (t == NULL || mac == NULL)
		return -EINVAL;
	key = devtab_key(mac);
	pos = rte_hash_del_key(t->hash, &key);
	if (pos < 0)
		return pos == -ENOENT ? -ENOENT : -EINVAL;
	entry_store(t, pos, 0);
	/* Without RCU there are no concurrent readers (tests only): the
	 * position can go back to the free list at once. */
	if (!t->rcu)
		rte_hash_free_key_with_position(t->hash, pos);
	__atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELAXED);
	return 0;
}

void devtab_clear(struct devtab *t)
{
	if (t == NULL)
		return;
	/* Deleting while iterating may move a key from an extendable bucket
	 * into a bucket already visited; go round again until empty. */
	while (t->count > 0) {
		uint32_t iter = 0, deleted = 0;
		const void *k;
		void *data;

		while (rte_hash_iterate(t->hash, &k, &data, &iter) >= 0) {
			uint64_t key;
			uint8_t mac[6];

			memcpy(&key, k, sizeof(key));
			for (int i = 0; i < 6; i++)
				mac[i] = (uint8_t)(key >> (8 * i));
			if (devtab_del(t, mac) == 0)
				deleted++;
		}
		if (deleted == 0)
			break;
	}
}

void devtab_lookup_bulk(const struct devtab *t, const uint64_t *keys, unsigned n, int32_t *slots)
{
	const void *ptrs[RTE_HASH_LOOKUP_BULK_MAX];

	while (n > 0) {
		unsigned k = RTE_MIN(n, (unsigned)RTE_HASH_LOOKUP_BULK_MAX);

		for (unsigned i = 0; i < k; i++)
			ptrs[i] = &keys[i];
		if (rte_hash_lookup_bulk(t->hash, ptrs, k, slots) != 0) {
			for (unsigned i = 0; i < k; i++)
				slots[i] = -1;
		} else {
			for (unsigned i = 0; i < k; i++)
				if (slots[i] < 0)
					slots[i] = -1;
		}
		keys += k;
		slots += k;
		n -= k;
	}
}

struct device_entry devtab_entry(const struct devtab *t, int32_t slot)
{
	if (slot < 0 || (uint32_t)slot >= t->capacity)
		return entry_unpack(0);
	return entry_unpack(__atomic_load_n(&t->entries[slot], __ATOMIC_ACQUIRE));
}

uint32_t devtab_count(const struct devtab *t)
{
	return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
}

uint32_t devtab_capacity(const struct devtab *t)
{
	return t->capacity;
}

int devtab_next(const struct devtab *t, uint32_t *iter, uint8_t mac[6],
		struct device_entry *e, int32_t *slot)
{
	const void *k;
	void *data;
	uint64_t key;
	int32_t pos;

	if (t == NULL || iter == NULL)
		return 0;
	pos = rte_hash_iterate(t->hash, &k, &data, iter);
	if (pos < 0)
		return 0;
	memcpy(&key, k, sizeof(key));
	if (mac != NULL)
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)(key >> (8 * i));
	if (e != NULL)
		*e = devtab_entry(t, pos);
	if (slot != NULL)
		*slot = pos;
	return 1;
}
