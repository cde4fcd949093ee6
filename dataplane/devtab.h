/* devtab.h — the device table: MAC -> {state, role, flags}.
 *
 * An rte_hash with lock-free reader concurrency and RCU (rte_rcu_qsbr)
 * reclamation of deleted key slots. The hash position of a key is its slot:
 * entries and per-lcore counters are arrays indexed by slot. One writer (the
 * control thread); any number of worker lcores read.
 */
#ifndef MENJIN_DEVTAB_H
#define MENJIN_DEVTAB_H

#include <stdint.h>
#include <rte_rcu_qsbr.h>

/* Packed into one 64-bit word so a worker never sees half an update. */
struct device_entry {
	uint8_t  state;     /* enum device_state */
	uint8_t  pad;
	uint16_t role;
	uint32_t flags;
};

struct devtab;

/* The MAC as a hash key: 6 bytes in the low bytes of a zeroed uint64_t. */
static inline uint64_t devtab_key(const uint8_t mac[6])
{
	uint64_t k = 0;
	for (int i = 0; i < 6; i++)
		k |= (uint64_t)mac[i] << (8 * i);
	return k;
}

/* `qsv` may be NULL only in single-threaded tests. Returns NULL and sets
 * rte_errno on failure. */
struct devtab *devtab_create(const char *name, uint32_t max_devices, int socket_id,
			     struct rte_rcu_qsbr *qsv);
void devtab_free(struct devtab *t);

/* Insert or update. Returns the slot (>= 0) or -ENOSPC / -EINVAL. */
int devtab_set(struct devtab *t, const uint8_t mac[6], const struct device_entry *e);
/* Returns 0 or -ENOENT. The slot is reused only after a grace period. */
int devtab_del(struct devtab *t, const uint8_t mac[6]);
/* Remove every device (resync). */
void devtab_clear(struct devtab *t);

/* Worker side: slots[i] = slot of keys[i] or -1. n <= 64. */
void devtab_lookup_bulk(const struct devtab *t, const uint64_t *keys, unsigned n, int32_t *slots);
/* Atomic read of a slot's entry. */
struct device_entry devtab_entry(const struct devtab *t, int32_t slot);

uint32_t devtab_count(const struct devtab *t);
uint32_t devtab_capacity(const struct devtab *t);  /* number of slots */

/* Iterate: *iter starts at 0; returns 1 with mac/entry/slot filled, 0 at end. */
int devtab_next(const struct devtab *t, uint32_t *iter, uint8_t mac[6],
		struct device_entry *e, int32_t *slot);

#endif
