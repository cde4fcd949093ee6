/* ctl.c — the fast path's control thread: serves fp.sock, applies table
 * updates, forwards punted frames and capture copies.
 *
 * Runs on the main lcore, never on a worker. Every request is validated as
 * a whole before anything changes: a refused message leaves the tables as
 * they were and is answered with an error that names the fault.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "capture.h"
#include "builder.h"
#include "ctl.h"
#include "fp.h"
#include "fpmsg.h"

#define RTE_LOGTYPE_CTL RTE_LOGTYPE_USER1
#define log_ctl(level, fmt, ...) RTE_LOG(level, CTL, "ctl: " fmt "\n", ##__VA_ARGS__)

#define CTL_SOCKBUF        (1 << 20)
#define CTL_PUNTS_PER_LOOP 256

#define CTL_HELD_MAX 512   /* a COMMIT waiting for the running build */

struct ctl_client {
	int fd;
	bool hello;
	uint32_t subscribe;
	uint32_t epoch;          /* tells a reconnected slot from the old client */
	bool held;               /* its COMMIT waits for the build in progress */
	size_t held_len;
	uint8_t held_req[CTL_HELD_MAX];
	char name[32];
};

/* The COMMIT whose tables are being built. */
struct ctl_pending {
	int client;
	uint32_t epoch;
	struct nlmsghdr req;
	uint64_t generation;
	bool acl, blocklist;
	unsigned nrules, nprefixes;
};

struct ctl {
	struct fp *fp;
	int listen_fd;
	struct ctl_client clients[FPMSG_MAX_CLIENTS];
	uint8_t *buf;
	/* staged tables, applied by COMMIT */
	struct role_acl_spec *rules;
	unsigned nrules;
	int8_t defaults[FPMSG_MAX_ROLES];
	bool acl_dirty;
	struct fpmsg_prefix *prefixes;
	unsigned nprefixes, prefix_cap;
	bool blocklist_dirty;
	uint64_t punt_send_fail;
	uint32_t next_epoch;
	uint64_t watchdog_usec;         /* 0: systemd asked for no watchdog */
	uint64_t watchdog_next_tsc;
	uint64_t worker_loops[FP_MAX_WORKERS];
	struct table_build *build;      /* NULL when no build runs */
	struct ctl_pending pending;
};

static void send_msg(struct ctl_client *cl, struct nl_msg *msg, int flags)
{
	struct nlmsghdr *h;

	if (!msg)
		return;
	h = nlmsg_hdr(msg);
	if (send(cl->fd, h, h->nlmsg_len, flags) < 0 && !(flags & MSG_DONTWAIT))
		log_ctl(WARNING, "client %s: send: %s", cl->name, strerror(errno));
	nlmsg_free(msg);
}

static int reply_error(struct ctl_client *cl, const struct nlmsghdr *req, int error, const char *text)
{
	if (error)
		log_ctl(INFO, "client %s: %s refused: %s", cl->name, fpmsg_type_name(req->nlmsg_type), text);
	send_msg(cl, fpmsg_new_error(req, error, text), 0);
	return error;
}

/* Collect the nests of `type` at the top level of a message. */
static unsigned collect(struct nlmsghdr *nlh, int type, struct nlattr **out, unsigned max)
{
	struct nlattr *pos;
	unsigned n = 0;
	int rem;

	nlmsg_for_each_attr(pos, nlh, 0, rem) {
		if (nla_type(pos) != type)
			continue;
		if (n == max)
			return max + 1;
		out[n++] = pos;
	}
	return n;
}

#define MAX_NESTS (FPMSG_MAX_SIZE / 8)

static int on_hello(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req, struct nlattr **tb)
{
	struct fp *fp = c->fp;
	struct nl_msg *msg;
	char err[128];

	if (!tb[FPA_VERSION])
		return reply_error(cl, req, -EINVAL, "HELLO: FPA_VERSION missing");
	if (nla_get_u32(tb[FPA_VERSION]) != FPMSG_VERSION) {
		snprintf(err, sizeof(err), "HELLO: version %u not supported (this fast path speaks %u)",
			 nla_get_u32(tb[FPA_VERSION]), (unsigned)FPMSG_VERSION);
		return reply_error(cl, req, -EPROTO, err);
	}
	cl->hello = true;
	cl->subscribe = tb[FPA_SUBSCRIBE] ? nla_get_u32(tb[FPA_SUBSCRIBE]) : 0;
	snprintf(cl->name, sizeof(cl->name), "%s", tb[FPA_CLIENT] ? nla_get_string(tb[FPA_CLIENT]) : "?");
	log_ctl(INFO, "client %s connected (subscribe 0x%x)", cl->name, cl->subscribe);

	msg = fpmsg_new(FPMSG_HELLO, 0, req->nlmsg_seq);
	if (!msg)
		return -ENOMEM;
	nla_put_u32(msg, FPA_VERSION, FPMSG_VERSION);
	nla_put_u64(msg, FPA_GENERATION, fp->generation);
	nla_put_u32(msg, FPA_LIMIT_DEVICES, devtab_capacity(fp->devtab));
	nla_put_u32(msg, FPA_LIMIT_RULES, fp->conf.max_acl_rules);
	nla_put_u32(msg, FPA_LIMIT_PREFIXES, fp->conf.max_prefixes);
	for (int p = 0; p < fp->nports; p++) {
		struct nlattr *nest = nla_nest_start(msg, FPA_PORT_INFO);
		struct rte_eth_link link;

		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(fp->ports[p].port_id, &link);
		nla_put_u16(msg, FPA_PORTI_INDEX, (uint16_t)p);
		nla_put_string(msg, FPA_PORTI_NAME, fp->ports[p].name);
		nla_put_u8(msg, FPA_PORTI_ROLE, fp->ports[p].role == PORT_UPLINK);
		nla_put(msg, FPA_PORTI_MAC, 6, fp->ports[p].mac.addr_bytes);
		nla_put_u8(msg, FPA_PORTI_LINK, link.link_status == RTE_ETH_LINK_UP);
		nla_nest_end(msg, nest);
	}
	send_msg(cl, msg, 0);
	return 0;
}

static void zero_counters(struct fp *fp, int slot)
{
	for (unsigned w = 0; w < fp->nworkers; w++)
		memset(&fp->workers[w].dev[slot], 0, sizeof(struct dev_counters));
}

static int on_device_set(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req)
{
	static struct nlattr *nests[MAX_NESTS + 1];
	struct fpmsg_device *devs;
	unsigned n = collect(req, FPA_DEVICE, nests, MAX_NESTS);
	char err[160];
	int rc = 0;

	if (n == 0)
		return reply_error(cl, req, -EINVAL, "DEVICE_SET: no FPA_DEVICE");
	devs = calloc(n, sizeof(*devs));
	if (!devs)
		return reply_error(cl, req, -ENOMEM, "DEVICE_SET: out of memory");
	for (unsigned i = 0; i < n; i++) {
		char e[128];

		if (fpmsg_get_device(nests[i], &devs[i], e, sizeof(e)) < 0) {
			snprintf(err, sizeof(err), "DEVICE_SET: device %u: %s", i + 1, e);
			free(devs);
			return reply_error(cl, req, -EINVAL, err);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		struct device_entry e = { .state = devs[i].state, .role = devs[i].role, .flags = devs[i].flags };
		uint64_t key = devtab_key(devs[i].mac);
		int32_t before;
		int slot;

		devtab_lookup_bulk(c->fp->devtab, &key, 1, &before);
		slot = devtab_set(c->fp->devtab, devs[i].mac, &e);
		if (slot == -ENOSPC) {
			/* slots of deleted devices come back after a grace period */
			rte_rcu_qsbr_synchronize(c->fp->qsv, RTE_QSBR_THRID_INVALID);
			slot = devtab_set(c->fp->devtab, devs[i].mac, &e);
		}
		if (slot < 0) {
			char mac[18];

			fpmsg_mac_format(devs[i].mac, mac);
			snprintf(err, sizeof(err), "DEVICE_SET: device %s: %s (table holds %u; %u of %u applied)",
				 mac, slot == -ENOSPC ? "device table full" : strerror(-slot),
				 devtab_capacity(c->fp->devtab), i, n);
			rc = reply_error(cl, req, slot, err);
			break;
		}
		if (before < 0)
			zero_counters(c->fp, slot);
	}
	free(devs);
	return rc ? rc : reply_error(cl, req, 0, NULL);
}

static int on_device_del(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req)
{
	static struct nlattr *nests[MAX_NESTS + 1];
	struct fpmsg_device d;
	unsigned n = collect(req, FPA_DEVICE, nests, MAX_NESTS);
	char err[160], e[128];

	if (n == 0)
		return reply_error(cl, req, -EINVAL, "DEVICE_DEL: no FPA_DEVICE");
	for (unsigned i = 0; i < n; i++)
		if (fpmsg_get_device(nests[i], &d, e, sizeof(e)) < 0) {
			snprintf(err, sizeof(err), "DEVICE_DEL: device %u: %s", i + 1, e);
			return reply_error(cl, req, -EINVAL, err);
		}
	for (unsigned i = 0; i < n; i++) {
		fpmsg_get_device(nests[i], &d, e, sizeof(e));
		devtab_del(c->fp->devtab, d.mac);  /* deleting an absent device is not an error */
	}
	return reply_error(cl, req, 0, NULL);
}

static int on_device_dump(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req)
{
	struct fp *fp = c->fp;
	struct nl_msg *msg = NULL;
	struct fpmsg_device d;
	struct device_entry e;
	uint32_t iter = 0;
	int32_t slot;

	while (devtab_next(fp->devtab, &iter, d.mac, &e, &slot)) {
		if (!msg && !(msg = fpmsg_new(FPMSG_DEVICE_SET, NLM_F_MULTI, req->nlmsg_seq)))
			return -ENOMEM;
		d.state = e.state;
		d.role = e.role;
		d.flags = e.flags;
		d.pkts = d.bytes = d.drops = 0;
		d.port = 0;
		for (unsigned w = 0; w < fp->nworkers; w++) {
			const struct dev_counters *dc = &fp->workers[w].dev[slot];

			d.pkts += dc->pkts;
			d.bytes += dc->bytes;
			d.drops += dc->drops;
			if (dc->pkts)
				d.port = dc->port;
		}
		fpmsg_put_device(msg, &d);
		if (nlmsg_hdr(msg)->nlmsg_len > FPMSG_MAX_SIZE - 512) {
			send_msg(cl, msg, 0);
			msg = NULL;
		}
	}
	if (msg)
		send_msg(cl, msg, 0);
	send_msg(cl, fpmsg_new(NLMSG_DONE, NLM_F_MULTI, req->nlmsg_seq), 0);
	return 0;
}

static int on_acl_set(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req, struct nlattr **tb)
{
	static struct nlattr *nests[MAX_NESTS + 1];
	struct fpmsg_rule *rules;
	unsigned n = collect(req, FPA_RULE, nests, MAX_NESTS), kept = 0;
	uint16_t role;
	uint8_t action;
	bool append;
	char err[200], e[128];

	if (!tb[FPA_ROLE] || !tb[FPA_DEFAULT_ACTION])
		return reply_error(cl, req, -EINVAL, "ROLE_ACL_SET: FPA_ROLE and FPA_DEFAULT_ACTION are required");
	role = nla_get_u16(tb[FPA_ROLE]);
	action = nla_get_u8(tb[FPA_DEFAULT_ACTION]);
	if (role == 0 || role >= FPMSG_MAX_ROLES) {
		snprintf(err, sizeof(err), "ROLE_ACL_SET: role %u: must be 1..%u (role 0 is unrestricted)",
			 role, (unsigned)FPMSG_MAX_ROLES - 1);
		return reply_error(cl, req, -EINVAL, err);
	}
	if (action > FP_ACL_PERMIT)
		return reply_error(cl, req, -EINVAL, "ROLE_ACL_SET: FPA_DEFAULT_ACTION must be 0 (deny) or 1 (permit)");
	rules = calloc(n + 1, sizeof(*rules));
	if (!rules)
		return reply_error(cl, req, -ENOMEM, "ROLE_ACL_SET: out of memory");
	for (unsigned i = 0; i < n; i++)
		if (fpmsg_get_rule(nests[i], &rules[i], e, sizeof(e)) < 0) {
			snprintf(err, sizeof(err), "ROLE_ACL_SET: role %u rule %u: %s", role, i + 1, e);
			free(rules);
			return reply_error(cl, req, -EINVAL, err);
		}
	append = tb[FPA_FLAGS] && (nla_get_u32(tb[FPA_FLAGS]) & FPF_APPEND);
	for (unsigned i = 0; i < c->nrules; i++)
		if (append || c->rules[i].role != role)
			kept++;
	if (kept + n > c->fp->conf.max_acl_rules) {
		snprintf(err, sizeof(err), "ROLE_ACL_SET: role %u: %u rules would exceed max_acl_rules %u",
			 role, kept + n, c->fp->conf.max_acl_rules);
		free(rules);
		return reply_error(cl, req, -ENOSPC, err);
	}
	/* drop the role's old rules (unless appending), add the new ones */
	kept = 0;
	for (unsigned i = 0; i < c->nrules; i++)
		if (append || c->rules[i].role != role)
			c->rules[kept++] = c->rules[i];
	for (unsigned i = 0; i < n; i++)
		c->rules[kept++] = (struct role_acl_spec){ .role = role, .rule = rules[i] };
	c->nrules = kept;
	c->defaults[role] = (int8_t)action;
	c->acl_dirty = true;
	free(rules);
	return reply_error(cl, req, 0, NULL);
}

static int on_acl_clear(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req)
{
	c->nrules = 0;
	memset(c->defaults, -1, sizeof(c->defaults));
	c->acl_dirty = true;
	return reply_error(cl, req, 0, NULL);
}

static int on_blocklist_set(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req, struct nlattr **tb)
{
	static struct nlattr *nests[MAX_NESTS + 1];
	unsigned n = collect(req, FPA_PREFIX, nests, MAX_NESTS), base;
	uint32_t flags = tb[FPA_FLAGS] ? nla_get_u32(tb[FPA_FLAGS]) : 0;
	char err[200], e[128];

	base = flags & FPF_REPLACE ? 0 : c->nprefixes;
	if (base + n > c->fp->conf.max_prefixes) {
		snprintf(err, sizeof(err), "BLOCKLIST_SET: %u prefixes would exceed max_prefixes %u",
			 base + n, c->fp->conf.max_prefixes);
		return reply_error(cl, req, -ENOSPC, err);
	}
	if (base + n > c->prefix_cap) {
		unsigned cap = c->prefix_cap ? c->prefix_cap : 4096;
		struct fpmsg_prefix *p;

		while (cap < base + n)
			cap *= 2;
		p = realloc(c->prefixes, cap * sizeof(*p));
		if (!p)
			return reply_error(cl, req, -ENOMEM, "BLOCKLIST_SET: out of memory");
		c->prefixes = p;
		c->prefix_cap = cap;
	}
	/* validate into the space after the staged list, then commit the count */
	for (unsigned i = 0; i < n; i++)
		if (fpmsg_get_prefix(nests[i], &c->prefixes[base + i], e, sizeof(e)) < 0) {
			snprintf(err, sizeof(err), "BLOCKLIST_SET: prefix %u: %s", i + 1, e);
			return reply_error(cl, req, -EINVAL, err);
		}
	c->nprefixes = base + n;
	c->blocklist_dirty = true;
	return reply_error(cl, req, 0, NULL);
}

/* Publish tables made of what was rebuilt and what the current ones pass on
 * (with their hit counters). */
static int publish(struct ctl *c, struct role_acl *acl, unsigned nrules, struct blocklist *bl,
		   unsigned nprefixes, uint64_t generation)
{
	struct fp *fp = c->fp;
	const struct fp_tables *cur = fp->tables;
	struct fp_tables *next = fp_tables_new(fp->nworkers, acl ? nrules : 0, bl ? nprefixes : 0);

	if (!next) {
		role_acl_free(acl);
		blocklist_free(bl);
		return -ENOMEM;
	}
	next->acl = acl;
	next->blocklist = bl;
	if (!acl) {
		for (unsigned w = 0; w < fp->nworkers; w++)
			rte_free(next->rule_hits[w]);
		next->acl = cur->acl;
		next->nrules = cur->nrules;
		memcpy(next->rule_hits, cur->rule_hits, sizeof(next->rule_hits));
	}
	if (!bl) {
		for (unsigned w = 0; w < fp->nworkers; w++)
			rte_free(next->prefix_hits[w]);
		next->blocklist = cur->blocklist;
		next->nprefixes = cur->nprefixes;
		memcpy(next->prefix_hits, cur->prefix_hits, sizeof(next->prefix_hits));
	}
	next->generation = generation;
	fp_tables_swap(fp, next);
	fp->held = false;
	log_ctl(INFO, "generation %" PRIu64 " committed: %u role ACL rules, %u blocklist prefixes",
		next->generation, next->nrules, next->nprefixes);
	return 0;
}

static int on_commit(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req, struct nlattr **tb)
{
	struct table_build_input in;
	char err[256], e[200];
	uint64_t generation;

	if (!tb[FPA_GENERATION])
		return reply_error(cl, req, -EINVAL, "COMMIT: FPA_GENERATION missing");
	if (c->build) {
		/* one build at a time: this client waits, the others are served */
		if (req->nlmsg_len > CTL_HELD_MAX)
			return reply_error(cl, req, -EBUSY, "COMMIT: a commit is being built");
		memcpy(cl->held_req, req, req->nlmsg_len);
		cl->held_len = req->nlmsg_len;
		cl->held = true;
		return 0;
	}
	generation = nla_get_u64(tb[FPA_GENERATION]);
	if (!c->acl_dirty && !c->blocklist_dirty) {
		int rc = publish(c, NULL, 0, NULL, 0, generation);

		return reply_error(cl, req, rc, rc ? "COMMIT: out of memory" : NULL);
	}
	in = (struct table_build_input){
		.acl = c->acl_dirty, .rules = c->rules, .nrules = c->nrules, .defaults = c->defaults,
		.blocklist = c->blocklist_dirty, .prefixes = c->prefixes, .nprefixes = c->nprefixes,
		.socket_id = (int)rte_socket_id(),
	};
	c->build = table_build_start(&in, e, sizeof(e));
	if (!c->build) {
		snprintf(err, sizeof(err), "COMMIT: %s", e);
		return reply_error(cl, req, -ENOMEM, err);
	}
	c->pending = (struct ctl_pending){
		.client = (int)(cl - c->clients), .epoch = cl->epoch, .req = *req, .generation = generation,
		.acl = c->acl_dirty, .blocklist = c->blocklist_dirty,
		.nrules = c->nrules, .nprefixes = c->nprefixes,
	};
	/* staged changes from now on belong to the next commit */
	c->acl_dirty = c->blocklist_dirty = false;
	return 0;
}

static void handle(struct ctl *c, struct ctl_client *cl, uint8_t *buf, size_t len);

static void watchdog_init(struct ctl *c)
{
	if (sd_watchdog_enabled(0, &c->watchdog_usec) <= 0)
		c->watchdog_usec = 0;
}

/* Tell systemd we live only while every worker loop advances: a stuck
 * worker must get the fast path restarted (and the fail mode applied). */
static void watchdog_poll(struct ctl *c)
{
	struct fp *fp = c->fp;
	uint64_t now = rte_rdtsc();
	bool alive = true;

	if (!c->watchdog_usec || now < c->watchdog_next_tsc)
		return;
	c->watchdog_next_tsc = now + fp->tsc_hz / 1000000 * (c->watchdog_usec / 2);
	for (unsigned w = 0; w < fp->nworkers; w++) {
		uint64_t loops = __atomic_load_n(&fp->workers[w].loops, __ATOMIC_RELAXED);

		if (loops == c->worker_loops[w])
			alive = false;
		c->worker_loops[w] = loops;
	}
	if (alive)
		sd_notify(0, "WATCHDOG=1");
	else
		log_ctl(WARNING, "a worker lcore made no progress: watchdog not fed");
}

/* Collect a finished build: publish, answer its COMMIT, release the
 * commits that waited for it. */
static void poll_build(struct ctl *c)
{
	struct ctl_pending *p = &c->pending;
	struct ctl_client *cl = &c->clients[p->client];
	struct role_acl *acl;
	struct blocklist *bl;
	char e[256], err[300];
	int rc;

	if (!c->build || !table_build_done(c->build))
		return;
	rc = table_build_finish(c->build, &acl, &bl, e, sizeof(e));
	c->build = NULL;
	if (rc == 0) {
		rc = publish(c, acl, p->nrules, bl, p->nprefixes, p->generation);
		snprintf(e, sizeof(e), "out of memory");
	}
	if (rc) {
		/* the staged tables were not applied: the next COMMIT tries again */
		c->acl_dirty |= p->acl;
		c->blocklist_dirty |= p->blocklist;
	}
	snprintf(err, sizeof(err), "COMMIT: %s", e);
	if (cl->fd >= 0 && cl->epoch == p->epoch)
		reply_error(cl, &p->req, rc, rc ? err : NULL);
	for (int i = 0; i < FPMSG_MAX_CLIENTS && !c->build; i++) {
		struct ctl_client *h = &c->clients[i];

		if (h->fd >= 0 && h->held) {
			h->held = false;
			handle(c, h, h->held_req, h->held_len);
		}
	}
}

static int on_pkt_tx(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req, struct nlattr **tb)
{
	struct fp *fp = c->fp;
	struct rte_mbuf *m;
	uint16_t port;
	int len;
	char err[128];

	if (!tb[FPA_PORT] || !tb[FPA_FRAME])
		return reply_error(cl, req, -EINVAL, "PKT_TX: FPA_PORT and FPA_FRAME are required");
	port = nla_get_u16(tb[FPA_PORT]);
	len = nla_len(tb[FPA_FRAME]);
	if (port >= fp->nports) {
		snprintf(err, sizeof(err), "PKT_TX: no port %u", port);
		return reply_error(cl, req, -EINVAL, err);
	}
	if (len < 14 || len > (int)(RTE_MBUF_DEFAULT_DATAROOM)) {
		snprintf(err, sizeof(err), "PKT_TX: frame of %d bytes (14..%d)", len, RTE_MBUF_DEFAULT_DATAROOM);
		return reply_error(cl, req, -EINVAL, err);
	}
	m = rte_pktmbuf_alloc(fp->pool);
	if (!m)
		return reply_error(cl, req, -ENOBUFS, "PKT_TX: no mbuf");
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), nla_data(tb[FPA_FRAME]), len);
	m->hash.usr = port;
	if (rte_ring_sp_enqueue(fp->workers[0].inject_ring, m) != 0) {
		rte_pktmbuf_free(m);
		return reply_error(cl, req, -ENOBUFS, "PKT_TX: transmit queue full");
	}
	return reply_error(cl, req, 0, NULL);
}

/* STATS answers: one message when the counters fit, else NLM_F_MULTI parts
 * ended by NLMSG_DONE (per-rule and per-prefix hits can be many). */
struct stats_ctx {
	struct ctl_client *cl;
	uint32_t seq;
	struct nl_msg *msg;
	struct nl_msg *parts[64];
	unsigned nparts;
};

static void put_counter(void *arg, const char *name, uint64_t v)
{
	struct stats_ctx *s = arg;

	if (!s->msg)
		return;
	if (nlmsg_hdr(s->msg)->nlmsg_len > FPMSG_MAX_SIZE - 256) {
		if (s->nparts == RTE_DIM(s->parts))
			return;  /* bounded: 64 parts of 64 KiB */
		s->parts[s->nparts++] = s->msg;
		s->msg = fpmsg_new(FPMSG_STATS, NLM_F_MULTI, s->seq);
		if (!s->msg)
			return;
	}
	fpmsg_put_counter(s->msg, name, v);
}

static int on_stats(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req)
{
	struct stats_ctx s = { .cl = cl, .seq = req->nlmsg_seq };

	s.msg = fpmsg_new(FPMSG_STATS, NLM_F_MULTI, req->nlmsg_seq);
	if (!s.msg)
		return -ENOMEM;
	fp_counters_foreach(c->fp, true, put_counter, &s);
	put_counter(&s, "punt.send_failed", c->punt_send_fail);
	if (s.nparts == 0) {
		nlmsg_hdr(s.msg)->nlmsg_flags &= ~NLM_F_MULTI;
		send_msg(cl, s.msg, 0);
		return 0;
	}
	for (unsigned i = 0; i < s.nparts; i++)
		send_msg(cl, s.parts[i], 0);
	send_msg(cl, s.msg, 0);
	send_msg(cl, fpmsg_new(NLMSG_DONE, NLM_F_MULTI, req->nlmsg_seq), 0);
	return 0;
}

static int on_capture(struct ctl *c, struct ctl_client *cl, struct nlmsghdr *req, struct nlattr **tb)
{
	char path[FPCONF_STR_MAX + 64], err[256];
	int rc;

	if (!tb[FPA_PORT] || !tb[FPA_COUNT] || !tb[FPA_PATH])
		return reply_error(cl, req, -EINVAL, "CAPTURE: FPA_PORT, FPA_COUNT and FPA_PATH are required");
	rc = capture_start(c->fp, nla_get_u16(tb[FPA_PORT]),
			   tb[FPA_FILTER] ? nla_get_string(tb[FPA_FILTER]) : NULL,
			   nla_get_u32(tb[FPA_COUNT]), nla_get_string(tb[FPA_PATH]), path, sizeof(path),
			   err, sizeof(err));
	if (rc < 0) {
		char msg[300];

		snprintf(msg, sizeof(msg), "CAPTURE: %s", err);
		return reply_error(cl, req, rc, msg);
	}
	log_ctl(INFO, "capture to %s started", path);
	return reply_error(cl, req, 0, NULL);
}

static void handle(struct ctl *c, struct ctl_client *cl, uint8_t *buf, size_t len)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh = NULL, fake = { .nlmsg_len = sizeof(fake) };
	char err[200];

	if (fpmsg_parse(buf, len, &nlh, tb, err, sizeof(err)) < 0) {
		if (!nlh || len < sizeof(*nlh))
			nlh = &fake;
		reply_error(cl, nlh, -EINVAL, err);
		return;
	}
	if (!cl->hello && nlh->nlmsg_type != FPMSG_HELLO) {
		reply_error(cl, nlh, -EPROTO, "send HELLO first");
		return;
	}
	switch (nlh->nlmsg_type) {
	case FPMSG_HELLO:          on_hello(c, cl, nlh, tb); break;
	case FPMSG_DEVICE_SET:     on_device_set(c, cl, nlh); break;
	case FPMSG_DEVICE_DEL:     on_device_del(c, cl, nlh); break;
	case FPMSG_DEVICE_DUMP:    on_device_dump(c, cl, nlh); break;
	case FPMSG_ROLE_ACL_SET:   on_acl_set(c, cl, nlh, tb); break;
	case FPMSG_ROLE_ACL_CLEAR: on_acl_clear(c, cl, nlh); break;
	case FPMSG_BLOCKLIST_SET:  on_blocklist_set(c, cl, nlh, tb); break;
	case FPMSG_COMMIT:         on_commit(c, cl, nlh, tb); break;
	case FPMSG_PKT_TX:         on_pkt_tx(c, cl, nlh, tb); break;
	case FPMSG_STATS:          on_stats(c, cl, nlh); break;
	case FPMSG_CAPTURE:        on_capture(c, cl, nlh, tb); break;
	default:
		snprintf(err, sizeof(err), "%s is not a request", fpmsg_type_name(nlh->nlmsg_type));
		reply_error(cl, nlh, -EOPNOTSUPP, err);
	}
}

static void client_close(struct ctl_client *cl)
{
	if (cl->fd >= 0) {
		log_ctl(INFO, "client %s disconnected", cl->name);
		close(cl->fd);
	}
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

static void on_readable(struct ctl *c, struct ctl_client *cl)
{
	struct iovec iov = { .iov_base = c->buf, .iov_len = FPMSG_MAX_SIZE };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(cl->fd, &mh, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(cl);
		return;
	}
	if (n < 0)
		return;
	if (mh.msg_flags & MSG_TRUNC) {
		struct nlmsghdr fake = { .nlmsg_len = sizeof(fake) };

		if ((size_t)n >= sizeof(fake))
			memcpy(&fake, c->buf, sizeof(fake));
		reply_error(cl, &fake, -EMSGSIZE, "message larger than 64 KiB");
		return;
	}
	handle(c, cl, c->buf, (size_t)n);
}

static void on_accept(struct ctl *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	int sz = CTL_SOCKBUF;
	struct timeval tv = { .tv_sec = 1 };

	if (fd < 0)
		return;
	for (int i = 0; i < FPMSG_MAX_CLIENTS; i++) {
		if (c->clients[i].fd >= 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		/* a client that stops reading must not stall the control thread */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		c->clients[i].fd = fd;
		c->clients[i].epoch = ++c->next_epoch;
		snprintf(c->clients[i].name, sizeof(c->clients[i].name), "fd%d", fd);
		return;
	}
	log_ctl(WARNING, "refusing a client: %d already connected", FPMSG_MAX_CLIENTS);
	close(fd);
}

static void broadcast(struct ctl *c, uint32_t subscription, struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	for (int i = 0; i < FPMSG_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->fd < 0 || !cl->hello || !(cl->subscribe & subscription))
			continue;
		/* never wait for a slow reader: a full socket loses the copy */
		if (send(cl->fd, h, h->nlmsg_len, MSG_DONTWAIT) < 0)
			c->punt_send_fail++;
	}
}

static bool anyone_subscribed(const struct ctl *c, uint32_t subscription)
{
	for (int i = 0; i < FPMSG_MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0 && c->clients[i].hello && (c->clients[i].subscribe & subscription))
			return true;
	return false;
}

static void forward_punts(struct ctl *c)
{
	struct fp *fp = c->fp;
	struct rte_mbuf *m[32];
	unsigned total = 0, n;
	bool listening = anyone_subscribed(c, FPS_PUNT);

	do {
		n = rte_ring_sc_dequeue_burst(fp->punt_ring, (void **)m, RTE_DIM(m), NULL);
		for (unsigned i = 0; i < n && listening; i++) {
			const uint8_t *frame = rte_pktmbuf_mtod(m[i], const uint8_t *);
			uint16_t len = rte_pktmbuf_data_len(m[i]);
			/* sized for this frame: punts are frequent, 64 KiB each is not */
			struct nl_msg *msg = nlmsg_alloc_size(NLMSG_HDRLEN + len + 128);
			struct timespec ts;

			if (!msg || !nlmsg_put(msg, 0, 0, FPMSG_PKT_PUNT, 0, 0)) {
				nlmsg_free(msg);
				c->punt_send_fail++;
				continue;
			}
			clock_gettime(CLOCK_REALTIME, &ts);
			nla_put_u16(msg, FPA_PORT, (uint16_t)(m[i]->hash.usr >> 8));
			nla_put_u8(msg, FPA_PUNT_REASON, (uint8_t)(m[i]->hash.usr & 0xff));
			if (m[i]->ol_flags & RTE_MBUF_F_RX_VLAN)
				nla_put_u16(msg, FPA_VLAN, m[i]->vlan_tci);
			nla_put_u64(msg, FPA_TIMESTAMP, (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec);
			nla_put(msg, FPA_FRAME, len, frame);
			broadcast(c, FPS_PUNT, msg);
			nlmsg_free(msg);
		}
		for (unsigned i = 0; i < n; i++)
			rte_pktmbuf_free(m[i]);
		total += n;
	} while (n && total < CTL_PUNTS_PER_LOOP);
}

static void send_event(struct ctl *c, const char *text)
{
	struct nl_msg *msg = fpmsg_new(FPMSG_EVENT, 0, 0);

	if (!msg)
		return;
	nla_put_string(msg, FPA_EVENT_TEXT, text);
	broadcast(c, FPS_EVENT, msg);
	nlmsg_free(msg);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0750);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	chmod(path, 0660);
	return fd;
}

int ctl_run(struct fp *fp)
{
	struct ctl c = { .fp = fp };
	struct pollfd pfd[FPMSG_MAX_CLIENTS + 1];
	char done[300];
	int rc = 0;

	memset(c.defaults, -1, sizeof(c.defaults));
	for (int i = 0; i < FPMSG_MAX_CLIENTS; i++)
		c.clients[i].fd = -1;
	c.rules = calloc(fp->conf.max_acl_rules + 1, sizeof(*c.rules));
	c.buf = malloc(FPMSG_MAX_SIZE);
	if (!c.rules || !c.buf) {
		rc = -ENOMEM;
		goto out;
	}
	c.listen_fd = listen_on(fp->conf.socket_path);
	if (c.listen_fd < 0) {
		rc = c.listen_fd;
		log_ctl(ERR, "cannot listen on %s: %s", fp->conf.socket_path, strerror(-rc));
		goto out;
	}
	log_ctl(NOTICE, "listening on %s", fp->conf.socket_path);
	/* under systemd (Type=notify): ports started, socket listening */
	sd_notify(0, "READY=1");
	watchdog_init(&c);

	while (!fp->quit) {
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = c.listen_fd, .events = POLLIN };
		for (int i = 0; i < FPMSG_MAX_CLIENTS; i++)
			pfd[n++] = (struct pollfd){ .fd = c.clients[i].held ? -1 : c.clients[i].fd,
						   .events = POLLIN };
		if (poll(pfd, n, 1) > 0) {
			if (pfd[0].revents & POLLIN)
				on_accept(&c);
			for (int i = 0; i < FPMSG_MAX_CLIENTS; i++) {
				if (c.clients[i].fd < 0)
					continue;
				if (pfd[i + 1].revents & (POLLIN | POLLERR | POLLHUP))
					on_readable(&c, &c.clients[i]);
			}
		}
		forward_punts(&c);
		poll_build(&c);
		watchdog_poll(&c);
		if (capture_poll(fp, done, sizeof(done)) == 1) {
			log_ctl(INFO, "%s", done);
			send_event(&c, done);
		}
	}
	sd_notify(0, "STOPPING=1");
	capture_stop(fp);
	if (c.build) {
		struct role_acl *acl;
		struct blocklist *bl;
		char e[256];

		if (table_build_finish(c.build, &acl, &bl, e, sizeof(e)) == 0) {
			role_acl_free(acl);
			blocklist_free(bl);
		}
	}
	for (int i = 0; i < FPMSG_MAX_CLIENTS; i++)
		client_close(&c.clients[i]);
	close(c.listen_fd);
	unlink(fp->conf.socket_path);
out:
	free(c.rules);
	free(c.prefixes);
	free(c.buf);
	return rc;
}
