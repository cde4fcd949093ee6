/* fpchan.c — the fast path channel client (see fpchan.h). */
#include "fpchan.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mac.h"
#include "roles.h"

struct queued {
	struct nl_msg  *msg;
	fpchan_stats_cb cb;
	fpchan_reply_cb reply;          /* instead of cb: requests answered by an ack */
	void           *cb_ctx;
	uint64_t        cookie;
};

struct inflight {
	bool            used;
	uint32_t        seq;
	int             type;
	int64_t         sent_ms;
	fpchan_stats_cb cb;
	fpchan_reply_cb reply;
	void           *cb_ctx;
	uint64_t        cookie;
};

struct fpchan {
	struct event_base *base;
	char               path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const struct fpchan_ops *ops;
	void              *ctx;

	int                fd;
	enum fpchan_state  state;
	struct event      *rd_ev, *wr_ev, *retry_ev, *tick_ev, *flush_ev;
	unsigned           backoff_ms;
	bool               unreachable_logged;
	uint32_t           seq;

	struct queued     *queue;              /* ring of FPCHAN_MAX_QUEUE */
	unsigned           qhead, qlen;
	struct inflight    inflight[FPCHAN_MAX_INFLIGHT];
	unsigned           ninflight;

	struct nl_msg     *batch;              /* DEVICE_SET or DEVICE_DEL being filled */
	int                batch_type;
	unsigned           batch_n;

	const struct role *roles;
	unsigned           nroles;
	/* The merged threat feed list (the daemon's array, like roles); once
	 * set, every resync replaces the fast path's blocklist with it. */
	const struct fpmsg_prefix *blocklist;
	size_t             nblocklist;
	bool               blocklist_owned;
	uint64_t           generation;         /* ours */
	uint64_t           fp_generation;      /* the fast path's, from HELLO or our last COMMIT */
	uint64_t           hello_generation;   /* what its HELLO said */

	struct fpmsg_device *dump;
	size_t             ndump, dump_cap;
	uint32_t           dump_seq;
	bool               dump_overflow;

	struct fpchan_counter *counters;
	unsigned           ncounters;

	struct fpmsg_port_info ports[FPCHAN_MAX_PORTS];
	unsigned           nports;

	uint8_t           *rxbuf;
	struct fpchan_stats_local st;
};

static void disconnect(struct fpchan *ch, const char *why);
static void pump(struct fpchan *ch);

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *fpchan_state_name(enum fpchan_state st)
{
	switch (st) {
	case FPCHAN_DOWN: return "down";
	case FPCHAN_HELLO: return "hello";
	case FPCHAN_SYNC: return "sync";
	case FPCHAN_READY: return "ready";
	}
	return "?";
}

static void set_state(struct fpchan *ch, enum fpchan_state st)
{
	if (ch->state == st)
		return;
	log_debug("fpchan", "%s -> %s", fpchan_state_name(ch->state), fpchan_state_name(st));
	ch->state = st;
	if (ch->ops->state)
		ch->ops->state(ch->ctx, st, ch->hello_generation);
}

/* ---- sending ---------------------------------------------------------- */

static int enqueue(struct fpchan *ch, struct nl_msg *msg, fpchan_stats_cb cb, void *cb_ctx, uint64_t cookie)
{
	if (msg == NULL) {
		disconnect(ch, "out of memory building a message");
		return -ENOMEM;
	}
	if (ch->qlen == FPCHAN_MAX_QUEUE) {
		nlmsg_free(msg);
		/* The fast path does not keep up; a resync later is cheaper than memory. */
		disconnect(ch, "send queue full");
		return -ENOBUFS;
	}
	struct queued *q = &ch->queue[(ch->qhead + ch->qlen) % FPCHAN_MAX_QUEUE];
	q->msg = msg;
	q->cb = cb;
	q->reply = NULL;
	q->cb_ctx = cb_ctx;
	q->cookie = cookie;
	ch->qlen++;
	return 0;
}

static struct nl_msg *new_msg(struct fpchan *ch, int type, int flags)
{
	return fpmsg_new(type, flags ? flags : NLM_F_REQUEST | NLM_F_ACK, ++ch->seq ? ch->seq : ++ch->seq);
}

static void pump(struct fpchan *ch)
{
	while (ch->fd >= 0 && ch->qlen > 0 && ch->ninflight < FPCHAN_MAX_INFLIGHT) {
		struct queued *q = &ch->queue[ch->qhead];
		struct nlmsghdr *nlh = nlmsg_hdr(q->msg);
		ssize_t n = send(ch->fd, nlh, nlh->nlmsg_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
				event_add(ch->wr_ev, NULL);
				return;
			}
			char why[96];
			snprintf(why, sizeof(why), "send: %s", strerror(errno));
			disconnect(ch, why);
			return;
		}
		for (unsigned i = 0; i < FPCHAN_MAX_INFLIGHT; i++) {
			struct inflight *f = &ch->inflight[i];
			if (f->used)
				continue;
			*f = (struct inflight){ .used = true, .seq = nlh->nlmsg_seq, .type = nlh->nlmsg_type,
						.sent_ms = now_ms(), .cb = q->cb, .reply = q->reply,
						.cb_ctx = q->cb_ctx, .cookie = q->cookie };
			ch->ninflight++;
			break;
		}
		log_debug("fpchan", "sent %s seq %u (%u bytes)", fpmsg_type_name(nlh->nlmsg_type),
			  nlh->nlmsg_seq, nlh->nlmsg_len);
		nlmsg_free(q->msg);
		q->msg = NULL;
		ch->qhead = (ch->qhead + 1) % FPCHAN_MAX_QUEUE;
		ch->qlen--;
	}
}

static void batch_close(struct fpchan *ch)
{
	if (ch->batch == NULL)
		return;
	struct nl_msg *m = ch->batch;
	ch->batch = NULL;
	ch->batch_n = 0;
	enqueue(ch, m, NULL, NULL, 0);
}

static void batch_add(struct fpchan *ch, int type, const struct fpmsg_device *d)
{
	if (ch->batch && ch->batch_type != type)
		batch_close(ch);   /* keep the order of sets and deletes */
	if (ch->batch == NULL) {
		ch->batch = new_msg(ch, type, 0);
		ch->batch_type = type;
		ch->batch_n = 0;
		if (ch->batch == NULL) {
			disconnect(ch, "out of memory building a batch");
			return;
		}
	}
	if (fpmsg_put_device(ch->batch, d) < 0) {
		if (ch->batch_n == 0) {
			disconnect(ch, "a device does not fit an empty message");
			return;
		}
		batch_close(ch);
		batch_add(ch, type, d);
		return;
	}
	if (type == FPMSG_DEVICE_SET)
		ch->st.devices_sent++;
	else
		ch->st.devices_deleted++;
	if (++ch->batch_n >= FPCHAN_BATCH_DEVICES)
		batch_close(ch);
	event_active(ch->flush_ev, 0, 0);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fpchan *ch = arg;
	(void)fd;
	(void)what;
	batch_close(ch);
	pump(ch);
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pump(arg);
}

/* The current blocklist as BLOCKLIST_SET messages: the first replaces the
 * staged list (even when empty), the rest append. Applied by a COMMIT. */
static void push_blocklist(struct fpchan *ch)
{
	size_t i = 0;
	do {
		struct nl_msg *m = new_msg(ch, FPMSG_BLOCKLIST_SET, 0);
		if (m && i == 0 && nla_put_u32(m, FPA_FLAGS, FPF_REPLACE) < 0) {
			nlmsg_free(m);
			m = NULL;
		}
		size_t end = i + FPCHAN_BATCH_PREFIXES < ch->nblocklist ? i + FPCHAN_BATCH_PREFIXES : ch->nblocklist;
		for (; m && i < end; i++)
			if (fpmsg_put_prefix(m, &ch->blocklist[i]) < 0) {
				nlmsg_free(m);
				m = NULL;
			}
		if (enqueue(ch, m, NULL, NULL, 0) < 0)
			return;   /* disconnected; the next resync sends it again */
	} while (i < ch->nblocklist);
}

static void push_commit(struct fpchan *ch)
{
	if (ch->state == FPCHAN_DOWN)
		return;
	struct nl_msg *commit = new_msg(ch, FPMSG_COMMIT, 0);
	if (commit && nla_put_u64(commit, FPA_GENERATION, ch->generation) < 0) {
		nlmsg_free(commit);
		commit = NULL;
	}
	enqueue(ch, commit, NULL, NULL, 0);
}

/* Role ACLs are staged and applied by COMMIT (fpmsg.h). */
static void push_tables(struct fpchan *ch)
{
	batch_close(ch);
	enqueue(ch, new_msg(ch, FPMSG_ROLE_ACL_CLEAR, 0), NULL, NULL, 0);
	for (unsigned i = 0; i < ch->nroles && ch->state != FPCHAN_DOWN; i++) {
		struct nl_msg *m = new_msg(ch, FPMSG_ROLE_ACL_SET, 0);
		if (m && role_put_acl(m, &ch->roles[i]) < 0) {
			log_err("fpchan", "role '%s' does not fit one message; not sent", ch->roles[i].name);
			nlmsg_free(m);
			continue;
		}
		enqueue(ch, m, NULL, NULL, 0);
	}
	/* The staged blocklist goes with the ACLs: COMMIT swaps both, and a
	 * replace keeps a restarted menjind authoritative over the list. */
	push_blocklist(ch);
	push_commit(ch);
	log_info("fpchan", "role ACLs of %u roles sent, generation %llu", ch->nroles,
		 (unsigned long long)ch->generation);
	ch->fp_generation = ch->generation;
}

/* ---- connection ------------------------------------------------------- */

static void schedule_retry(struct fpchan *ch)
{
	struct timeval tv = { .tv_sec = ch->backoff_ms / 1000, .tv_usec = (ch->backoff_ms % 1000) * 1000 };
	evtimer_add(ch->retry_ev, &tv);
	ch->backoff_ms *= 2;
	if (ch->backoff_ms > FPCHAN_BACKOFF_MAX_MS)
		ch->backoff_ms = FPCHAN_BACKOFF_MAX_MS;
}

static void fail_inflight(struct fpchan *ch, struct inflight *f, int err)
{
	fpchan_stats_cb cb = f->cb;
	fpchan_reply_cb reply = f->reply;
	void *cb_ctx = f->cb_ctx;
	uint64_t cookie = f->cookie;
	f->used = false;
	ch->ninflight--;
	if (reply)
		reply(cb_ctx, cookie, err, "");
	else if (cb)
		cb(cb_ctx, cookie, err, NULL, 0);
}

static void disconnect(struct fpchan *ch, const char *why)
{
	if (ch->fd < 0)
		return;
	bool was_up = ch->state != FPCHAN_DOWN;
	log_warn("fpchan", "connection to the fast path lost: %s", why);
	/* DOWN before any callback runs, so nothing queues on a dead socket. */
	ch->state = FPCHAN_DOWN;
	event_del(ch->rd_ev);
	event_del(ch->wr_ev);
	event_del(ch->tick_ev);
	close(ch->fd);
	ch->fd = -1;
	if (ch->batch) {
		nlmsg_free(ch->batch);
		ch->batch = NULL;
	}
	while (ch->qlen) {
		struct queued *q = &ch->queue[ch->qhead];
		nlmsg_free(q->msg);
		if (q->reply)
			q->reply(q->cb_ctx, q->cookie, -ENOTCONN, "");
		else if (q->cb)
			q->cb(q->cb_ctx, q->cookie, -ENOTCONN, NULL, 0);
		ch->qhead = (ch->qhead + 1) % FPCHAN_MAX_QUEUE;
		ch->qlen--;
	}
	ch->qhead = 0;
	for (unsigned i = 0; i < FPCHAN_MAX_INFLIGHT; i++)
		if (ch->inflight[i].used)
			fail_inflight(ch, &ch->inflight[i], -ENOTCONN);
	ch->ndump = 0;
	ch->ncounters = 0;
	ch->nports = 0;
	ch->unreachable_logged = false;
	schedule_retry(ch);
	if (was_up && ch->ops->state)
		ch->ops->state(ch->ctx, FPCHAN_DOWN, ch->fp_generation);
}

static void send_hello(struct fpchan *ch)
{
	struct nl_msg *m = new_msg(ch, FPMSG_HELLO, NLM_F_REQUEST);
	if (m && (nla_put_u32(m, FPA_VERSION, FPMSG_VERSION) < 0 || nla_put_string(m, FPA_CLIENT, "menjind") < 0 ||
		  nla_put_u32(m, FPA_SUBSCRIBE, FPS_PUNT | FPS_EVENT) < 0)) {
		nlmsg_free(m);
		m = NULL;
	}
	if (enqueue(ch, m, NULL, NULL, 0) == 0)
		pump(ch);
}

static void read_cb(evutil_socket_t fd, short what, void *arg);
static void tick_cb(evutil_socket_t fd, short what, void *arg);

static void try_connect(struct fpchan *ch)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int size = FPCHAN_SOCKBUF;

	if (fd < 0) {
		log_err("fpchan", "socket: %s", strerror(errno));
		schedule_retry(ch);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", ch->path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;
		close(fd);
		if (!ch->unreachable_logged) {
			log_warn("fpchan", "fast path not reachable at %s: %s (retrying every %u ms at most)",
				 ch->path, strerror(e), FPCHAN_BACKOFF_MAX_MS);
			ch->unreachable_logged = true;
		} else {
			log_debug("fpchan", "connect %s: %s", ch->path, strerror(e));
		}
		schedule_retry(ch);
		return;
	}
	ch->fd = fd;
	ch->st.connects++;
	event_assign(ch->rd_ev, ch->base, fd, EV_READ | EV_PERSIST, read_cb, ch);
	event_assign(ch->wr_ev, ch->base, fd, EV_WRITE, write_cb, ch);
	event_add(ch->rd_ev, NULL);
	struct timeval tick = { .tv_sec = 1 };
	event_add(ch->tick_ev, &tick);
	log_info("fpchan", "connected to %s", ch->path);
	set_state(ch, FPCHAN_HELLO);
	send_hello(ch);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	try_connect(arg);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fpchan *ch = arg;
	(void)fd;
	(void)what;
	int64_t now = now_ms();
	/* A COMMIT rebuilds the ACL tables, which takes time with many rules,
	 * and the fast path answers everything after it only then. */
	int timeout = FPCHAN_REPLY_TIMEOUT_MS;
	for (unsigned i = 0; i < FPCHAN_MAX_INFLIGHT; i++)
		if (ch->inflight[i].used && ch->inflight[i].type == FPMSG_COMMIT)
			timeout = FPCHAN_COMMIT_TIMEOUT_MS;
	for (unsigned i = 0; i < FPCHAN_MAX_INFLIGHT; i++) {
		struct inflight *f = &ch->inflight[i];
		if (f->used && now - f->sent_ms > timeout) {
			char why[96];
			snprintf(why, sizeof(why), "no answer to %s seq %u in %d ms", fpmsg_type_name(f->type), f->seq,
				 timeout);
			disconnect(ch, why);
			return;
		}
	}
	struct timeval tv = { .tv_sec = 1 };
	event_add(ch->tick_ev, &tv);
}

/* ---- receiving -------------------------------------------------------- */

static struct inflight *find_inflight(struct fpchan *ch, uint32_t seq)
{
	for (unsigned i = 0; i < FPCHAN_MAX_INFLIGHT; i++)
		if (ch->inflight[i].used && ch->inflight[i].seq == seq)
			return &ch->inflight[i];
	return NULL;
}

static void done_inflight(struct fpchan *ch, struct inflight *f)
{
	f->used = false;
	ch->ninflight--;
	pump(ch);
}

static int cmp_dev(const void *a, const void *b)
{
	return memcmp(((const struct fpmsg_device *)a)->mac, ((const struct fpmsg_device *)b)->mac, 6);
}

struct resync {
	struct fpchan *ch;
	size_t         pos;        /* in the sorted dump */
	unsigned       set, del, same;
};

static void resync_del(struct resync *r, const struct fpmsg_device *d)
{
	struct fpmsg_device del = { .state = 0 };
	memcpy(del.mac, d->mac, 6);
	batch_add(r->ch, FPMSG_DEVICE_DEL, &del);
	r->del++;
}

static int resync_one(void *arg, const struct fpmsg_device *d)
{
	struct resync *r = arg;
	struct fpchan *ch = r->ch;
	while (r->pos < ch->ndump && memcmp(ch->dump[r->pos].mac, d->mac, 6) < 0)
		resync_del(r, &ch->dump[r->pos++]);
	if (r->pos < ch->ndump && memcmp(ch->dump[r->pos].mac, d->mac, 6) == 0) {
		const struct fpmsg_device *have = &ch->dump[r->pos++];
		if (have->state == d->state && have->role == d->role && have->flags == d->flags) {
			r->same++;
			return 0;
		}
	}
	batch_add(ch, FPMSG_DEVICE_SET, d);
	r->set++;
	return ch->state == FPCHAN_DOWN ? -ENOTCONN : 0;
}

static void resync(struct fpchan *ch)
{
	struct resync r = { .ch = ch };
	bool tables = ch->fp_generation != ch->generation;
	uint64_t was = ch->fp_generation;

	if (ch->dump_overflow) {
		disconnect(ch, "device dump larger than FPCHAN_MAX_DUMP");
		return;
	}
	if (ch->ndump)   /* qsort(NULL, 0) is undefined */
		qsort(ch->dump, ch->ndump, sizeof(*ch->dump), cmp_dev);
	/* Tables first, so no device points at a role the fast path lacks. */
	if (tables)
		push_tables(ch);
	else if (ch->blocklist_owned) {
		/* The fast path may hold a list from before our restart or from
		 * menjin-fpctl: ours replaces it, whatever the generation. */
		batch_close(ch);
		push_blocklist(ch);
		push_commit(ch);
	}
	if (ch->blocklist_owned)
		log_info("fpchan", "resync: blocklist of %zu prefixes sent", ch->nblocklist);
	if (ch->ops->foreach_device(ch->ctx, resync_one, &r) < 0 && ch->state == FPCHAN_DOWN)
		return;
	while (r.pos < ch->ndump)
		resync_del(&r, &ch->dump[r.pos++]);
	batch_close(ch);
	ch->ndump = 0;
	ch->st.resyncs++;
	log_info("fpchan", "resync: fast path generation %llu, ours %llu%s; %u devices set, %u deleted, %u unchanged",
		 (unsigned long long)was, (unsigned long long)ch->generation,
		 tables ? " (role ACLs sent)" : " (role ACLs current)", r.set, r.del, r.same);
	ch->backoff_ms = FPCHAN_BACKOFF_MIN_MS;
	set_state(ch, FPCHAN_READY);
	pump(ch);
}

static void on_hello(struct fpchan *ch, struct nlmsghdr *nlh, struct nlattr **tb)
{
	char err[128];
	(void)nlh;
	if (!tb[FPA_VERSION] || nla_get_u32(tb[FPA_VERSION]) != FPMSG_VERSION) {
		log_err("fpchan", "fast path speaks version %u, menjind %u", tb[FPA_VERSION] ? nla_get_u32(tb[FPA_VERSION]) : 0,
			FPMSG_VERSION);
		disconnect(ch, "version mismatch");
		return;
	}
	ch->fp_generation = tb[FPA_GENERATION] ? nla_get_u64(tb[FPA_GENERATION]) : 0;
	ch->hello_generation = ch->fp_generation;
	ch->nports = 0;
	struct nlattr *pos;
	int rem;
	nlmsg_for_each_attr(pos, nlh, 0, rem) {
		if (nla_type(pos) != FPA_PORT_INFO || ch->nports >= FPCHAN_MAX_PORTS)
			continue;
		if (fpmsg_get_port_info(pos, &ch->ports[ch->nports], err, sizeof(err)) == 0)
			ch->nports++;
		else
			log_warn("fpchan", "HELLO: port info: %s", err);
	}
	log_info("fpchan", "fast path HELLO: generation %llu, %u ports", (unsigned long long)ch->fp_generation,
		 ch->nports);
	set_state(ch, FPCHAN_SYNC);
	ch->ndump = 0;
	ch->dump_overflow = false;
	struct nl_msg *m = new_msg(ch, FPMSG_DEVICE_DUMP, NLM_F_REQUEST | NLM_F_DUMP);
	if (m)
		ch->dump_seq = nlmsg_hdr(m)->nlmsg_seq;
	if (enqueue(ch, m, NULL, NULL, 0) == 0)
		pump(ch);
}

static void on_dump_part(struct fpchan *ch, struct nlmsghdr *nlh)
{
	struct nlattr *pos;
	int rem;
	char err[128];
	nlmsg_for_each_attr(pos, nlh, 0, rem) {
		if (nla_type(pos) != FPA_DEVICE)
			continue;
		if (ch->ndump == ch->dump_cap) {
			size_t cap = ch->dump_cap ? ch->dump_cap * 2 : 1024;
			if (cap > FPCHAN_MAX_DUMP) {
				ch->dump_overflow = true;
				return;
			}
			struct fpmsg_device *d = realloc(ch->dump, cap * sizeof(*d));
			if (d == NULL) {
				ch->dump_overflow = true;
				return;
			}
			ch->dump = d;
			ch->dump_cap = cap;
		}
		if (fpmsg_get_device(pos, &ch->dump[ch->ndump], err, sizeof(err)) == 0)
			ch->ndump++;
		else
			log_warn("fpchan", "dump: %s", err);
	}
}

static void on_stats_part(struct fpchan *ch, struct nlmsghdr *nlh)
{
	struct nlattr *pos;
	int rem;
	char err[128];
	nlmsg_for_each_attr(pos, nlh, 0, rem) {
		if (nla_type(pos) != FPA_COUNTER || ch->ncounters >= FPCHAN_MAX_COUNTERS)
			continue;
		struct fpchan_counter *c = &ch->counters[ch->ncounters];
		if (fpmsg_get_counter(pos, c->name, &c->value, err, sizeof(err)) == 0)
			ch->ncounters++;
	}
}

static void finish_stats(struct fpchan *ch, struct inflight *f, int err)
{
	fpchan_stats_cb cb = f->cb;
	void *cb_ctx = f->cb_ctx;
	uint64_t cookie = f->cookie;
	unsigned n = ch->ncounters;
	done_inflight(ch, f);
	if (cb)
		cb(cb_ctx, cookie, err, err ? NULL : ch->counters, err ? 0 : n);
	ch->ncounters = 0;
}

static void handle(struct fpchan *ch, size_t len)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	char err[256];

	if (fpmsg_parse(ch->rxbuf, len, &nlh, tb, err, sizeof(err)) < 0) {
		ch->st.bad_messages++;
		log_warn("fpchan", "bad message from the fast path: %s", err);
		return;
	}
	if (nlh->nlmsg_type == FPMSG_PKT_PUNT) {
		if (!tb[FPA_PORT] || !tb[FPA_PUNT_REASON] || !tb[FPA_FRAME]) {
			ch->st.bad_messages++;
			log_warn("fpchan", "PKT_PUNT without PORT, PUNT_REASON or FRAME");
			return;
		}
		ch->st.punts++;
		ch->ops->punt(ch->ctx, nla_get_u16(tb[FPA_PORT]), nla_get_u8(tb[FPA_PUNT_REASON]),
			      tb[FPA_VLAN] ? nla_get_u16(tb[FPA_VLAN]) : 0, nla_data(tb[FPA_FRAME]),
			      (size_t)nla_len(tb[FPA_FRAME]));
		return;
	}
	if (nlh->nlmsg_type == FPMSG_EVENT) {
		if (tb[FPA_EVENT_TEXT] && ch->ops->event)
			ch->ops->event(ch->ctx, nla_get_string(tb[FPA_EVENT_TEXT]));
		return;
	}

	struct inflight *f = find_inflight(ch, nlh->nlmsg_seq);
	if (f == NULL) {
		log_debug("fpchan", "%s seq %u answers nothing we asked", fpmsg_type_name(nlh->nlmsg_type),
			  nlh->nlmsg_seq);
		return;
	}
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		int code = fpmsg_error_code(nlh, err, sizeof(err));
		int type = f->type;
		if (f->reply) {
			fpchan_reply_cb reply = f->reply;
			void *cb_ctx = f->cb_ctx;
			uint64_t cookie = f->cookie;
			if (code < 0)
				ch->st.errors++;
			done_inflight(ch, f);
			reply(cb_ctx, cookie, code, code < 0 ? err : "");
			return;
		}
		if (code == 0) {
			done_inflight(ch, f);
			return;
		}
		ch->st.errors++;
		log_err("fpchan", "fast path refused %s: %s (%s)", fpmsg_type_name(type), err[0] ? err : "no text",
			strerror(-code));
		if (type == FPMSG_STATS) {
			finish_stats(ch, f, code);
			return;
		}
		done_inflight(ch, f);
		if (type == FPMSG_HELLO || type == FPMSG_DEVICE_DUMP)
			disconnect(ch, "handshake refused");
		else if (type == FPMSG_COMMIT)
			ch->fp_generation = 0;   /* not applied: the next connection sends the tables again */
		return;
	}
	switch (f->type) {
	case FPMSG_HELLO:
		if (nlh->nlmsg_type != FPMSG_HELLO)
			break;
		done_inflight(ch, f);
		on_hello(ch, nlh, tb);
		return;
	case FPMSG_DEVICE_DUMP:
		if (nlh->nlmsg_type == FPMSG_DEVICE_SET) {
			on_dump_part(ch, nlh);
			return;
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			done_inflight(ch, f);
			resync(ch);
			return;
		}
		break;
	case FPMSG_STATS:
		if (nlh->nlmsg_type == FPMSG_STATS) {
			on_stats_part(ch, nlh);
			if (!(nlh->nlmsg_flags & NLM_F_MULTI))
				finish_stats(ch, f, 0);
			return;
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			finish_stats(ch, f, 0);
			return;
		}
		break;
	default:
		break;
	}
	log_warn("fpchan", "unexpected %s answering %s", fpmsg_type_name(nlh->nlmsg_type), fpmsg_type_name(f->type));
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fpchan *ch = arg;
	(void)what;
	for (int i = 0; i < FPCHAN_RECV_PER_WAKEUP && ch->fd == fd; i++) {
		ssize_t n = recv(fd, ch->rxbuf, FPMSG_MAX_SIZE + 1, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			char why[96];
			snprintf(why, sizeof(why), "recv: %s", strerror(errno));
			disconnect(ch, why);
			return;
		}
		if (n == 0) {
			disconnect(ch, "closed by the fast path");
			return;
		}
		if ((size_t)n > FPMSG_MAX_SIZE) {
			ch->st.bad_messages++;
			log_warn("fpchan", "datagram of %zd bytes, over FPMSG_MAX_SIZE: dropped", n);
			continue;
		}
		handle(ch, (size_t)n);
	}
}

/* ---- public ----------------------------------------------------------- */

struct fpchan *fpchan_new(struct event_base *base, const char *path, const struct fpchan_ops *ops, void *ctx)
{
	struct fpchan *ch = calloc(1, sizeof(*ch));
	if (ch == NULL)
		return NULL;
	ch->base = base;
	ch->ops = ops;
	ch->ctx = ctx;
	ch->fd = -1;
	ch->backoff_ms = FPCHAN_BACKOFF_MIN_MS;
	snprintf(ch->path, sizeof(ch->path), "%s", path);
	ch->queue = calloc(FPCHAN_MAX_QUEUE, sizeof(*ch->queue));
	ch->counters = calloc(FPCHAN_MAX_COUNTERS, sizeof(*ch->counters));
	ch->rxbuf = malloc(FPMSG_MAX_SIZE + 1);
	ch->rd_ev = event_new(base, -1, 0, read_cb, ch);
	ch->wr_ev = event_new(base, -1, 0, write_cb, ch);
	ch->retry_ev = evtimer_new(base, retry_cb, ch);
	ch->tick_ev = evtimer_new(base, tick_cb, ch);
	ch->flush_ev = event_new(base, -1, 0, flush_cb, ch);
	if (!ch->queue || !ch->counters || !ch->rxbuf || !ch->rd_ev || !ch->wr_ev || !ch->retry_ev ||
	    !ch->tick_ev || !ch->flush_ev) {
		fpchan_free(ch);
		return NULL;
	}
	return ch;
}

void fpchan_free(struct fpchan *ch)
{
	if (ch == NULL)
		return;
	if (ch->fd >= 0) {
		close(ch->fd);
		ch->fd = -1;
	}
	if (ch->batch)
		nlmsg_free(ch->batch);
	for (unsigned i = 0; ch->queue && i < ch->qlen; i++)
		nlmsg_free(ch->queue[(ch->qhead + i) % FPCHAN_MAX_QUEUE].msg);
	if (ch->rd_ev)
		event_free(ch->rd_ev);
	if (ch->wr_ev)
		event_free(ch->wr_ev);
	if (ch->retry_ev)
		event_free(ch->retry_ev);
	if (ch->tick_ev)
		event_free(ch->tick_ev);
	if (ch->flush_ev)
		event_free(ch->flush_ev);
	free(ch->queue);
	free(ch->counters);
	free(ch->rxbuf);
	free(ch->dump);
	free(ch);
}

void fpchan_start(struct fpchan *ch)
{
	if (ch->fd < 0 && !evtimer_pending(ch->retry_ev, NULL))
		try_connect(ch);
}

void fpchan_set_path(struct fpchan *ch, const char *path)
{
	if (strcmp(ch->path, path) == 0)
		return;
	snprintf(ch->path, sizeof(ch->path), "%s", path);
	log_info("fpchan", "fast path socket is now %s", path);
	if (ch->fd >= 0)
		disconnect(ch, "socket path changed");
}

void fpchan_set_tables(struct fpchan *ch, const struct role *roles, unsigned nroles, uint64_t generation)
{
	ch->roles = roles;
	ch->nroles = nroles;
	bool changed = ch->generation != generation;
	ch->generation = generation;
	if (ch->state == FPCHAN_READY && changed && ch->fp_generation != generation) {
		push_tables(ch);
		pump(ch);
	}
}

void fpchan_set_blocklist(struct fpchan *ch, const struct fpmsg_prefix *v, size_t n)
{
	ch->blocklist = n ? v : NULL;
	ch->nblocklist = n;
	ch->blocklist_owned = true;
	if (ch->state != FPCHAN_READY)
		return;   /* the resync on (re)connection sends it */
	batch_close(ch);
	push_blocklist(ch);
	if (ch->state == FPCHAN_DOWN)
		return;
	push_commit(ch);
	log_info("fpchan", "blocklist of %zu prefixes sent, generation %llu", n, (unsigned long long)ch->generation);
	pump(ch);
}

void fpchan_device_set(struct fpchan *ch, const struct fpmsg_device *d)
{
	if (ch->state != FPCHAN_READY)
		return;   /* the resync on (re)connection reads the store */
	batch_add(ch, FPMSG_DEVICE_SET, d);
}

void fpchan_device_del(struct fpchan *ch, const uint8_t mac[6])
{
	struct fpmsg_device d = { .state = 0 };
	if (ch->state != FPCHAN_READY)
		return;
	memcpy(d.mac, mac, 6);
	batch_add(ch, FPMSG_DEVICE_DEL, &d);
}

int fpchan_send_frame(struct fpchan *ch, uint16_t port, const uint8_t *frame, size_t len)
{
	if (ch->state != FPCHAN_READY)
		return -ENOTCONN;
	if (len < 14 || len > FPMSG_FRAME_MAX)
		return -EINVAL;
	struct nl_msg *m = new_msg(ch, FPMSG_PKT_TX, 0);
	if (m && (nla_put_u16(m, FPA_PORT, port) < 0 || nla_put(m, FPA_FRAME, (int)len, frame) < 0)) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	/* Acknowledged like every request: a refusal shows in the error count. */
	int rc = enqueue(ch, m, NULL, NULL, 0);
	if (rc == 0)
		pump(ch);
	return rc;
}

int fpchan_stats(struct fpchan *ch, fpchan_stats_cb cb, void *ctx, uint64_t cookie)
{
	if (ch->state != FPCHAN_READY)
		return -ENOTCONN;
	int rc = enqueue(ch, new_msg(ch, FPMSG_STATS, NLM_F_REQUEST), cb, ctx, cookie);
	if (rc == 0)
		pump(ch);
	return rc;
}

int fpchan_capture(struct fpchan *ch, uint16_t port, const char *filter, uint32_t count, const char *name,
		   fpchan_reply_cb cb, void *ctx, uint64_t cookie)
{
	if (ch->state != FPCHAN_READY)
		return -ENOTCONN;
	struct nl_msg *m = new_msg(ch, FPMSG_CAPTURE, 0);
	if (m && (nla_put_u16(m, FPA_PORT, port) < 0 || nla_put_u32(m, FPA_COUNT, count) < 0 ||
		  nla_put_string(m, FPA_PATH, name) < 0 ||
		  (filter && filter[0] && nla_put_string(m, FPA_FILTER, filter) < 0))) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	int rc = enqueue(ch, m, NULL, ctx, cookie);
	if (rc < 0)
		return rc;
	/* the message just queued is the last one */
	ch->queue[(ch->qhead + ch->qlen - 1) % FPCHAN_MAX_QUEUE].reply = cb;
	pump(ch);
	return 0;
}

enum fpchan_state fpchan_get_state(const struct fpchan *ch)
{
	return ch->state;
}

uint64_t fpchan_fp_generation(const struct fpchan *ch)
{
	return ch->fp_generation;
}

unsigned fpchan_ports(const struct fpchan *ch, const struct fpmsg_port_info **ports)
{
	*ports = ch->ports;
	return ch->nports;
}

int fpchan_port_role(const struct fpchan *ch, uint16_t index)
{
	for (unsigned i = 0; i < ch->nports; i++)
		if (ch->ports[i].index == index)
			return ch->ports[i].role;
	return -1;
}

void fpchan_local_stats(const struct fpchan *ch, struct fpchan_stats_local *s)
{
	*s = ch->st;
}
