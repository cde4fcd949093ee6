/* stats.c — the fast path's named counters, shared by STATS and telemetry. */
#include <inttypes.h>
#include <stdio.h>
#include <rte_ethdev.h>

#include "fp.h"

void fp_counters_foreach(const struct fp *fp, bool with_tables, fp_counter_cb cb, void *arg)
{
	struct fp_stats s;
	char name[96];

	fp_stats_sum(fp, &s);
	cb(arg, "generation", __atomic_load_n(&fp->generation, __ATOMIC_RELAXED));
	cb(arg, "devices", devtab_count(fp->devtab));
	cb(arg, "workers", fp->nworkers);
	for (int p = 0; p < fp->nports; p++) {
		const char *pn = fp->ports[p].name;
		struct rte_eth_stats es;

		snprintf(name, sizeof(name), "port.%s.rx_pkts", pn), cb(arg, name, s.rx_pkts[p]);
		snprintf(name, sizeof(name), "port.%s.rx_bytes", pn), cb(arg, name, s.rx_bytes[p]);
		snprintf(name, sizeof(name), "port.%s.tx_pkts", pn), cb(arg, name, s.tx_pkts[p]);
		snprintf(name, sizeof(name), "port.%s.tx_bytes", pn), cb(arg, name, s.tx_bytes[p]);
		if (rte_eth_stats_get(fp->ports[p].port_id, &es) == 0) {
			snprintf(name, sizeof(name), "port.%s.imissed", pn), cb(arg, name, es.imissed);
			snprintf(name, sizeof(name), "port.%s.ierrors", pn), cb(arg, name, es.ierrors);
			snprintf(name, sizeof(name), "port.%s.oerrors", pn), cb(arg, name, es.oerrors);
			snprintf(name, sizeof(name), "port.%s.rx_nombuf", pn), cb(arg, name, es.rx_nombuf);
		}
	}
	for (int r = 1; r < DROP__MAX; r++) {
		snprintf(name, sizeof(name), "drop.%s", drop_reason_name(r));
		cb(arg, name, s.drop[r]);
	}
	for (int r = 1; r < PKT_ERR__MAX; r++) {
		snprintf(name, sizeof(name), "parse.%s", pkt_error_name(-r));
		cb(arg, name, s.parse_error[r]);
	}
	for (int r = 1; r < PUNT__MAX; r++) {
		snprintf(name, sizeof(name), "punt.%s", punt_reason_name(r));
		cb(arg, name, s.punt[r]);
	}
	cb(arg, "injected", s.injected);
	cb(arg, "pipeline.pkts", s.pipeline_pkts);
	cb(arg, "pipeline.cycles", s.pipeline_cycles);
	cb(arg, "pipeline.cycles_per_pkt", s.pipeline_pkts ? s.pipeline_cycles / s.pipeline_pkts : 0);
	cb(arg, "punt_ring.used", rte_ring_count(fp->punt_ring));
	if (!with_tables || !fp->tables)
		return;
	const struct fp_tables *t = fp->tables;

	cb(arg, "acl.rules", t->nrules);
	cb(arg, "blocklist.prefixes", t->nprefixes);
	for (unsigned i = 0; i < t->nrules; i++) {
		uint64_t hits = 0;

		for (unsigned w = 0; w < fp->nworkers; w++)
			hits += __atomic_load_n(&t->rule_hits[w][i], __ATOMIC_RELAXED);
		if (!hits)
			continue;
		snprintf(name, sizeof(name), "acl.rule.%" PRIu32 ".hits", role_acl_rule_id(t->acl, i));
		cb(arg, name, hits);
	}
	for (unsigned i = 0; i < t->nprefixes; i++) {
		uint64_t hits = 0;

		for (unsigned w = 0; w < fp->nworkers; w++)
			hits += __atomic_load_n(&t->prefix_hits[w][i], __ATOMIC_RELAXED);
		if (!hits)
			continue;
		snprintf(name, sizeof(name), "blocklist.%" PRIu32 ".hits", blocklist_prefix_id(t->blocklist, i));
		cb(arg, name, hits);
	}
}
