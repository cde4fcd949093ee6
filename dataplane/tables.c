/* tables.c — publication of the policy tables and the sum of counters. */
#include <string.h>
#include <rte_malloc.h>

#include "fp.h"

struct fp_tables *fp_tables_new(unsigned nworkers, unsigned nrules, unsigned nprefixes)
{
	struct fp_tables *t = rte_zmalloc("fp_tables", sizeof(*t), 0);

	if (!t)
		return NULL;
	t->nrules = nrules;
	t->nprefixes = nprefixes;
	for (unsigned w = 0; w < nworkers; w++) {
		/* one extra slot so zero-sized tables still get a valid array */
		t->rule_hits[w] = rte_zmalloc("rule_hits", (nrules + 1) * sizeof(uint64_t), RTE_CACHE_LINE_SIZE);
		t->prefix_hits[w] = rte_zmalloc("prefix_hits", (nprefixes + 1) * sizeof(uint64_t),
						RTE_CACHE_LINE_SIZE);
		if (!t->rule_hits[w] || !t->prefix_hits[w]) {
			fp_tables_free(t, nworkers);
			return NULL;
		}
	}
	return t;
}

void fp_tables_free(struct fp_tables *t, unsigned nworkers)
{
	if (!t)
		return;
	role_acl_free(t->acl);
	blocklist_free(t->blocklist);
	for (unsigned w = 0; w < nworkers; w++) {
		rte_free(t->rule_hits[w]);
		rte_free(t->prefix_hits[w]);
	}
	rte_free(t);
}

void fp_tables_swap(struct fp *fp, struct fp_tables *next)
{
	struct fp_tables *old = fp->tables;

	__atomic_store_n(&fp->tables, next, __ATOMIC_RELEASE);
	__atomic_store_n(&fp->generation, next->generation, __ATOMIC_RELAXED);
	/* every worker passes a quiescent state between bursts: after this no
	 * worker can still hold a pointer into `old` */
	rte_rcu_qsbr_synchronize(fp->qsv, RTE_QSBR_THRID_INVALID);
	if (!old)
		return;
	/* a commit that changed only one table passes the other one on */
	if (old->acl == next->acl) {
		old->acl = NULL;
		for (unsigned w = 0; w < fp->nworkers; w++)
			old->rule_hits[w] = NULL;
	}
	if (old->blocklist == next->blocklist) {
		old->blocklist = NULL;
		for (unsigned w = 0; w < fp->nworkers; w++)
			old->prefix_hits[w] = NULL;
	}
	fp_tables_free(old, fp->nworkers);
}

void fp_stats_sum(const struct fp *fp, struct fp_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned w = 0; w < fp->nworkers; w++) {
		const struct fp_stats *s = &fp->workers[w].stats;

		for (int p = 0; p < FPCONF_MAX_PORTS; p++) {
			out->rx_pkts[p] += __atomic_load_n(&s->rx_pkts[p], __ATOMIC_RELAXED);
			out->rx_bytes[p] += __atomic_load_n(&s->rx_bytes[p], __ATOMIC_RELAXED);
			out->tx_pkts[p] += __atomic_load_n(&s->tx_pkts[p], __ATOMIC_RELAXED);
			out->tx_bytes[p] += __atomic_load_n(&s->tx_bytes[p], __ATOMIC_RELAXED);
		}
		for (int r = 0; r < DROP__MAX; r++)
			out->drop[r] += __atomic_load_n(&s->drop[r], __ATOMIC_RELAXED);
		for (int r = 0; r < PKT_ERR__MAX; r++)
			out->parse_error[r] += __atomic_load_n(&s->parse_error[r], __ATOMIC_RELAXED);
		for (int r = 0; r < PUNT__MAX; r++)
			out->punt[r] += __atomic_load_n(&s->punt[r], __ATOMIC_RELAXED);
		out->injected += __atomic_load_n(&s->injected, __ATOMIC_RELAXED);
		out->pipeline_cycles += __atomic_load_n(&s->pipeline_cycles, __ATOMIC_RELAXED);
		out->pipeline_pkts += __atomic_load_n(&s->pipeline_pkts, __ATOMIC_RELAXED);
	}
}
