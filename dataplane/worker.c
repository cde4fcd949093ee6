/* worker.c — the per-packet loop of one worker lcore.
 *
 * For each port, per burst: rx, parse, look the devices up, classify the
 * admitted ones against their role ACL and everyone against the blocklist,
 * decide, punt copies, forward, tx. Nothing here allocates (other than
 * mbuf copies for punts and captures), locks, logs or makes a system call.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "capture.h"
#include "fp.h"
#include "worker.h"

struct tx_queue {
	uint16_t n;
	struct rte_mbuf *m[FP_BURST * 2];
};

struct burst {
	struct pkt_meta meta[FP_BURST];
	const struct pkt_meta *acl_meta[FP_BURST];
	uint64_t keys[FP_BURST];
	int32_t slots[FP_BURST];
	uint8_t valid[FP_BURST];
	uint8_t state[FP_BURST];
	uint16_t role[FP_BURST];
	uint8_t acl_result[FP_BURST];       /* enum role_acl_result, per frame */
	uint32_t blocklist_hit[FP_BURST];   /* prefix index + 1, or 0 */
};

static inline uint64_t mac_key_hash(uint64_t k)
{
	k ^= k >> 29;
	k *= 0xbf58476d1ce4e5b9ULL;
	return k ^ (k >> 32);
}

/* May a copy of this unknown MAC's frame go to menjind now? */
static bool punt_allowed(const struct fp *fp, struct punt_limiter *l, uint64_t key, uint64_t now)
{
	unsigned i = mac_key_hash(key) & (PUNT_MEMORY - 1);
	uint64_t per_worker = l->per_second;

	if (l->mac[i] == key && now - l->last_tsc[i] < l->interval_tsc)
		return false;
	/* token bucket, one second deep */
	l->tokens += (now - l->last_refill_tsc) * per_worker / fp->tsc_hz;
	if (l->tokens > per_worker)
		l->tokens = per_worker;
	if (l->tokens || now - l->last_refill_tsc >= fp->tsc_hz)
		l->last_refill_tsc = now;
	if (l->tokens == 0)
		return false;
	l->tokens--;
	l->mac[i] = key;
	l->last_tsc[i] = now;
	return true;
}

static void punt(struct fp *fp, struct fp_worker *w, struct rte_mbuf *m, const struct pkt_meta *meta,
		 uint16_t port_index, uint8_t reason, bool consume)
{
	struct rte_mbuf *c = consume ? m : rte_pktmbuf_copy(m, fp->pool, 0, UINT32_MAX);

	if (!c) {
		w->stats.drop[DROP_PUNT_FULL]++;
		return;
	}
	c->hash.usr = (uint32_t)reason | (uint32_t)port_index << 8;
	/* the control thread reports the tag without parsing the frame again */
	if (meta->flags & PKT_F_VLAN) {
		c->vlan_tci = meta->vlan_tci;
		c->ol_flags |= RTE_MBUF_F_RX_VLAN;
	} else {
		c->ol_flags &= ~RTE_MBUF_F_RX_VLAN;
	}
	if (rte_ring_mp_enqueue(fp->punt_ring, c) != 0) {
		rte_pktmbuf_free(c);
		w->stats.drop[DROP_PUNT_FULL]++;
		return;
	}
	w->stats.punt[reason]++;
}

static void capture_copy(struct fp *fp, struct fp_worker *w, const struct capture_filter *cap,
			 struct rte_mbuf *m)
{
	struct rte_mbuf *c;

	if (!capture_match(cap, m))
		return;
	c = rte_pktmbuf_copy(m, fp->pool, 0, UINT32_MAX);
	if (!c || rte_ring_mp_enqueue(fp->capture_ring, c) != 0) {
		rte_pktmbuf_free(c);
		w->stats.drop[DROP_CAPTURE_FULL]++;
	}
}

static inline void tx_add(struct tx_queue *q, struct rte_mbuf *m)
{
	q->m[q->n++] = m;
}

static void tx_flush(struct fp *fp, struct fp_worker *w, struct tx_queue *txq)
{
	for (int p = 0; p < fp->nports; p++) {
		struct tx_queue *q = &txq[p];
		uint16_t sent;

		if (!q->n)
			continue;
		sent = rte_eth_tx_burst(fp->ports[p].port_id, w->index, q->m, q->n);
		for (uint16_t i = 0; i < sent; i++)
			w->stats.tx_bytes[p] += rte_pktmbuf_pkt_len(q->m[i]);
		w->stats.tx_pkts[p] += sent;
		for (uint16_t i = sent; i < q->n; i++)
			rte_pktmbuf_free(q->m[i]);
		w->stats.drop[DROP_TX_FULL] += q->n - sent;
		q->n = 0;
	}
}

/* Frames from the uplink to a multicast group concern every LAN device at
 * once: they are judged as from an admitted device with the unrestricted role
 * (the blocklist still applies to their source). */
static void lookup_devices(struct fp *fp, struct burst *b, uint16_t n, enum direction dir)
{
	uint64_t keys[FP_BURST];
	int32_t slots[FP_BURST];
	uint8_t map[FP_BURST];
	unsigned nk = 0;

	for (uint16_t i = 0; i < n; i++) {
		b->slots[i] = -1;
		b->state[i] = DEV_UNKNOWN;
		b->role[i] = 0;
		if (!b->valid[i])
			continue;
		if (dir == DIR_FROM_UPLINK && (b->meta[i].flags & PKT_F_MCAST)) {
			b->state[i] = DEV_ADMITTED;
			continue;
		}
		b->keys[i] = devtab_key(dir == DIR_FROM_LAN ? b->meta[i].src_mac : b->meta[i].dst_mac);
		keys[nk] = b->keys[i];
		map[nk++] = (uint8_t)i;
	}
	if (!nk)
		return;
	devtab_lookup_bulk(fp->devtab, keys, nk, slots);
	for (unsigned k = 0; k < nk; k++) {
		unsigned i = map[k];
		struct device_entry e;

		b->slots[i] = slots[k];
		if (slots[k] < 0)
			continue;
		e = devtab_entry(fp->devtab, slots[k]);
		b->state[i] = e.state < DEV_STATE__MAX ? e.state : DEV_BLOCKED;
		b->role[i] = e.role;
	}
}

static void classify(const struct fp_tables *t, struct burst *b, uint16_t n, enum direction dir,
		     struct fp_worker *w)
{
	const struct pkt_meta *metas[FP_BURST];
	uint8_t dirs[FP_BURST], results[FP_BURST];
	uint16_t roles[FP_BURST];
	int32_t rule_index[FP_BURST];
	uint32_t addrs[FP_BURST];
	uint8_t map[FP_BURST];
	unsigned na = 0, nb = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct pkt_meta *m = &b->meta[i];

		b->acl_result[i] = RACL_PERMIT;
		b->blocklist_hit[i] = 0;
		if (!b->valid[i] || !(m->flags & (PKT_F_IPV4 | PKT_F_IPV6)))
			continue;
		if (b->state[i] == DEV_ADMITTED && b->role[i] != 0) {
			metas[na] = m;
			dirs[na] = (uint8_t)dir;
			roles[na] = b->role[i];
			b->acl_meta[na] = m;
			map[na++] = (uint8_t)i;
		}
	}
	if (na) {
		if (t->acl) {
			role_acl_classify(t->acl, metas, dirs, roles, na, results, rule_index);
			for (unsigned k = 0; k < na; k++) {
				b->acl_result[map[k]] = results[k];
				if (rule_index[k] >= 0 && (unsigned)rule_index[k] < t->nrules)
					t->rule_hits[w->index][rule_index[k]]++;
			}
		} else {
			for (unsigned k = 0; k < na; k++)
				b->acl_result[map[k]] = RACL_NO_ROLE;
		}
	}
	if (!t->blocklist)
		return;
	for (uint16_t i = 0; i < n; i++) {
		const struct pkt_meta *m = &b->meta[i];

		if (!b->valid[i])
			continue;
		if (m->flags & PKT_F_IPV4) {
			addrs[nb] = dir == DIR_FROM_LAN ? m->dst4 : m->src4;
			map[nb++] = (uint8_t)i;
		} else if (m->flags & PKT_F_IPV6) {
			b->blocklist_hit[i] = blocklist_lookup6(t->blocklist,
								dir == DIR_FROM_LAN ? m->dst6 : m->src6);
		}
	}
	if (nb) {
		uint32_t hits[FP_BURST];

		blocklist_lookup4(t->blocklist, addrs, nb, hits);
		for (unsigned k = 0; k < nb; k++)
			b->blocklist_hit[map[k]] = hits[k];
	}
}

static void process_burst(struct fp *fp, struct fp_worker *w, const struct fp_tables *t,
			  uint16_t pi, struct rte_mbuf **pkts, uint16_t n, struct tx_queue *txq)
{
	const struct fp_port *port = &fp->ports[pi];
	enum direction dir = port->role == PORT_LAN ? DIR_FROM_LAN : DIR_FROM_UPLINK;
	const struct capture_filter *cap = __atomic_load_n(&fp->capture, __ATOMIC_ACQUIRE);
	struct burst b;
	uint64_t now = rte_rdtsc();

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		int rc;

		w->stats.rx_pkts[pi]++;
		w->stats.rx_bytes[pi] += rte_pktmbuf_pkt_len(m);
		if (cap && cap->port_index == pi)
			capture_copy(fp, w, cap, m);
		/* multi-segment frames are not expected from our ports; read the first */
		rc = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &b.meta[i]);
		b.valid[i] = rc == 0;
		if (rc < 0)
			w->stats.parse_error[-rc < PKT_ERR__MAX ? -rc : 0]++;
	}
	lookup_devices(fp, &b, n, dir);
	classify(t, &b, n, dir, w);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct pkt_meta *meta = &b.meta[i];
		struct decision d;
		struct decide_input in;
		bool consumed = false;

		if (!b.valid[i]) {
			w->stats.drop[DROP_MALFORMED]++;
			rte_pktmbuf_free(m);
			continue;
		}
		in = (struct decide_input){
			.meta = meta,
			.dir = dir,
			.state = (enum device_state)b.state[i],
			.unknown_action = fp->conf.unknown_action,
			.acl_permit = b.acl_result[i] == RACL_PERMIT,
			.blocklisted = b.blocklist_hit[i] != 0,
		};
		if (b.state[i] != DEV_ADMITTED)
			in.qlist_allowed = qlist_allows(&fp->conf.qlist, meta, dir);
		d = decide(&in);
		if (!(d.actions & ACT_FORWARD)) {
			if (d.drop_reason == DROP_ACL && b.acl_result[i] == RACL_NO_ROLE)
				d.drop_reason = DROP_NO_ROLE;
			if (d.drop_reason == DROP_BLOCKLIST && t->blocklist) {
				uint32_t idx = b.blocklist_hit[i] - 1;

				if (idx < t->nprefixes)
					t->prefix_hits[w->index][idx]++;
			}
		}
		if (b.slots[i] >= 0) {
			struct dev_counters *dc = &w->dev[b.slots[i]];

			dc->pkts++;
			dc->bytes += rte_pktmbuf_pkt_len(m);
			if (!(d.actions & ACT_FORWARD))
				dc->drops++;
			if (dir == DIR_FROM_LAN)
				dc->port = pi;
		}
		if (d.actions & ACT_PUNT) {
			consumed = !(d.actions & ACT_FORWARD) && d.punt_reason == PUNT_EAPOL;
			if (!(d.actions & ACT_PUNT_RATE_LIMITED) || punt_allowed(fp, &w->limiter, b.keys[i], now))
				punt(fp, w, m, meta, pi, d.punt_reason, consumed);
			else {
				w->stats.drop[DROP_PUNT_RATE]++;
				consumed = false;
			}
		}
		if (!(d.actions & ACT_FORWARD)) {
			w->stats.drop[d.drop_reason < DROP__MAX ? d.drop_reason : 0]++;
			if (!consumed)
				rte_pktmbuf_free(m);
			continue;
		}
		if (dir == DIR_FROM_LAN) {
			tx_add(&txq[fp->uplink], m);
		} else if (meta->flags & PKT_F_MCAST || b.slots[i] < 0) {
			/* flood to every LAN port, sharing the mbuf */
			unsigned nlan = fp->nports - 1, k = 0;

			if (nlan > 1)
				rte_mbuf_refcnt_update(m, (int16_t)(nlan - 1));
			for (int p = 0; p < fp->nports; p++)
				if (p != fp->uplink && k++ < nlan)
					tx_add(&txq[p], m);
		} else {
			uint16_t out = w->dev[b.slots[i]].port;

			if (out >= fp->nports || out == fp->uplink)
				out = fp->uplink == 0 ? 1 : 0;
			tx_add(&txq[out], m);
		}
	}
	w->stats.pipeline_cycles += rte_rdtsc() - now;
	w->stats.pipeline_pkts += n;
}

static void send_injected(struct fp *fp, struct fp_worker *w, struct tx_queue *txq)
{
	struct rte_mbuf *m[FP_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(w->inject_ring, (void **)m, FP_BURST, NULL);

	for (unsigned i = 0; i < n; i++) {
		uint16_t p = (uint16_t)m[i]->hash.usr;

		if (p >= fp->nports || txq[p].n >= RTE_DIM(txq[p].m)) {
			rte_pktmbuf_free(m[i]);
			w->stats.drop[DROP_TX_FULL]++;
			continue;
		}
		tx_add(&txq[p], m[i]);
		w->stats.injected++;
	}
}

int worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct fp *fp = wa->fp;
	struct fp_worker *w = wa->worker;
	struct tx_queue txq[FPCONF_MAX_PORTS];
	struct rte_mbuf *pkts[FP_BURST];

	memset(txq, 0, sizeof(txq));
	w->limiter.interval_tsc = fp->tsc_hz / 1000 * fp->conf.punt_per_mac_interval_ms;
	w->limiter.per_second = fp->conf.punt_global_per_second / fp->nworkers + 1;
	rte_rcu_qsbr_thread_register(fp->qsv, w->index);
	rte_rcu_qsbr_thread_online(fp->qsv, w->index);

	while (!fp->quit) {
		const struct fp_tables *t;

		rte_rcu_qsbr_quiescent(fp->qsv, w->index);
		__atomic_store_n(&w->loops, w->loops + 1, __ATOMIC_RELAXED);
		if (fp->held) {
			rte_pause();
			continue;
		}
		t = fp_tables_get(fp);
		for (int p = 0; p < fp->nports; p++) {
			uint16_t n = rte_eth_rx_burst(fp->ports[p].port_id, w->index, pkts, FP_BURST);

			if (n)
				process_burst(fp, w, t, (uint16_t)p, pkts, n, txq);
			tx_flush(fp, w, txq);
		}
		if (!rte_ring_empty(w->inject_ring)) {
			send_injected(fp, w, txq);
			tx_flush(fp, w, txq);
		}
	}
	rte_rcu_qsbr_thread_offline(fp->qsv, w->index);
	rte_rcu_qsbr_thread_unregister(fp->qsv, w->index);
	return 0;
}
