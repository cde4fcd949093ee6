/* fp.h — the fast path's runtime: the tables shared between the control
 * thread (one writer) and the worker lcores (readers).
 *
 * Sharing rules, the only ones in the process:
 *  - devtab: rte_hash with lock-free readers; entries are 64-bit atomics.
 *  - tables: an immutable struct fp_tables published by pointer
 *    (release store); the old one is freed after an RCU grace period
 *    (rte_rcu_qsbr, every worker reports a quiescent state once per loop).
 *  - counters: per worker, written only by that worker, summed on read.
 *  - rings: punt_ring (workers -> control, MP/SC), capture_ring (workers ->
 *    control, MP/SC), each worker's inject_ring (control -> worker, SP/SC).
 *  - capture: a published pointer to an immutable capture filter.
 */
#ifndef MENJIN_FP_H
#define MENJIN_FP_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "blocklist.h"
#include "decide.h"
#include "devtab.h"
#include "fpconf.h"
#include "pkt.h"
#include "role_acl.h"

#define FP_MAX_WORKERS  16
#define FP_BURST        32

/* One published generation of the policy tables. Immutable once published;
 * hit counters are per worker and live with the tables they index. */
struct fp_tables {
	struct role_acl *acl;           /* NULL: no role ACLs (only role 0 works) */
	struct blocklist *blocklist;    /* NULL: empty */
	uint64_t generation;
	unsigned nrules, nprefixes;
	uint64_t *rule_hits[FP_MAX_WORKERS];     /* [worker][rule index] */
	uint64_t *prefix_hits[FP_MAX_WORKERS];   /* [worker][prefix index] */
};

struct fp_port {
	uint16_t port_id;               /* DPDK port */
	enum port_role role;
	char name[FPCONF_NAME_MAX];
	struct rte_ether_addr mac;
};

/* Per-device counters of one worker, indexed by device slot. */
struct dev_counters {
	uint64_t pkts, bytes, drops;
	uint16_t port;                  /* LAN port the device was last seen on */
};

struct fp_stats {
	uint64_t rx_pkts[FPCONF_MAX_PORTS], rx_bytes[FPCONF_MAX_PORTS];
	uint64_t tx_pkts[FPCONF_MAX_PORTS], tx_bytes[FPCONF_MAX_PORTS];
	uint64_t drop[DROP__MAX];
	uint64_t parse_error[PKT_ERR__MAX];
	uint64_t punt[PUNT__MAX];
	uint64_t injected;              /* PKT_TX frames sent */
	uint64_t pipeline_cycles;       /* parse..decide, excluding rx/tx */
	uint64_t pipeline_pkts;
} __rte_cache_aligned;

/* The unknown-MAC punt limiter of one worker: a direct-mapped memory of
 * recently punted MACs and a token bucket for all of them together. */
#define PUNT_MEMORY 1024
struct punt_limiter {
	uint64_t mac[PUNT_MEMORY];
	uint64_t last_tsc[PUNT_MEMORY];
	uint64_t tokens, last_refill_tsc;
	uint64_t interval_tsc;          /* per-MAC interval, from the configuration */
	uint64_t per_second;            /* this worker's share of the global rate */
};

struct capture_filter;
struct capture_session;

struct fp_worker {
	unsigned index;                 /* queue id and QSBR thread id */
	unsigned lcore_id;
	struct rte_ring *inject_ring;
	struct fp_stats stats;
	struct dev_counters *dev;       /* [devtab capacity] */
	struct punt_limiter limiter;
	uint64_t loops;                 /* advanced every loop: the watchdog's proof of life */
} __rte_cache_aligned;

struct fp {
	struct fpconf conf;
	int nports, uplink;             /* uplink: index into ports[] */
	struct fp_port ports[FPCONF_MAX_PORTS];
	struct rte_mempool *pool;
	struct devtab *devtab;
	struct rte_rcu_qsbr *qsv;
	struct fp_tables *tables;       /* published; see above */
	struct rte_ring *punt_ring;
	struct rte_ring *capture_ring;
	struct capture_filter *capture; /* published; NULL when not capturing */
	struct capture_session *capture_session;  /* control thread only */
	unsigned nworkers;
	struct fp_worker *workers;      /* [nworkers] */
	uint64_t tsc_hz;
	uint64_t generation;            /* of the published tables, for readers
					   that must not touch them (telemetry) */
	volatile bool quit;
	volatile bool held;             /* hold_until_commit, until the first COMMIT */
};

/* Sum of every worker's counters. */
void fp_stats_sum(const struct fp *fp, struct fp_stats *out);

/* Every named counter ("port.lan0.rx_pkts", "drop.acl", ...), for STATS and
 * telemetry. With `with_tables`, also per-rule and per-prefix hits (control
 * thread only: it reads the published tables). */
typedef void (*fp_counter_cb)(void *arg, const char *name, uint64_t value);
void fp_counters_foreach(const struct fp *fp, bool with_tables, fp_counter_cb cb, void *arg);

/* Publish new tables; waits for a grace period and frees the old ones. */
void fp_tables_swap(struct fp *fp, struct fp_tables *next);
struct fp_tables *fp_tables_new(unsigned nworkers, unsigned nrules, unsigned nprefixes);
void fp_tables_free(struct fp_tables *t, unsigned nworkers);

static inline const struct fp_tables *fp_tables_get(const struct fp *fp)
{
	return __atomic_load_n(&fp->tables, __ATOMIC_ACQUIRE);
}

#endif
