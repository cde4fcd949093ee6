/* fpchan.h — menjind's channel to the fast path (fpmsg.h over SOCK_SEQPACKET).
 *
 * States:
 *   DOWN   not connected; a timer retries with exponential backoff
 *   HELLO  connected, HELLO sent, waiting for the fast path's HELLO
 *   SYNC   DEVICE_DUMP sent; the answer is compared with the store when it
 *          ends, then: role ACLs + blocklist + COMMIT if the generations
 *          differ (either process restarted or the roles changed), else the
 *          blocklist + COMMIT once the daemon has set one (it is menjind's,
 *          whatever the fast path kept), DEVICE_DEL for what the
 *          fast path has and the store does not, DEVICE_SET for what differs
 *   READY  incremental updates: device changes are batched (up to
 *          FPCHAN_BATCH_DEVICES per datagram) and sent when the current
 *          libevent callback returns
 * Every request is answered (ack, HELLO, dump, STATS); an answer missing for
 * FPCHAN_REPLY_TIMEOUT_MS drops the connection, and the next one resyncs.
 * Punted frames and fast path events go to the callbacks in fpchan_ops.
 */
#ifndef MENJIN_FPCHAN_H
#define MENJIN_FPCHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fpmsg.h"

#define FPCHAN_SOCKBUF          (1 << 20)
#define FPCHAN_BATCH_DEVICES    1000      /* devices in one DEVICE_SET/DEL (< FPMSG_MAX_SIZE) */
#define FPCHAN_BATCH_PREFIXES   1000      /* FPA_PREFIX nests in one BLOCKLIST_SET (< FPMSG_MAX_SIZE) */
#define FPCHAN_BACKOFF_MIN_MS   100
#define FPCHAN_BACKOFF_MAX_MS   5000
#define FPCHAN_REPLY_TIMEOUT_MS 5000
#define FPCHAN_COMMIT_TIMEOUT_MS 60000    /* while a COMMIT (table rebuild) is outstanding */
#define FPCHAN_MAX_INFLIGHT     64        /* requests sent and not yet answered */
#define FPCHAN_MAX_QUEUE        8192      /* messages waiting for the socket */
#define FPCHAN_MAX_DUMP         (1 << 20) /* devices accepted from one DEVICE_DUMP */
#define FPCHAN_MAX_PORTS        16
#define FPCHAN_MAX_COUNTERS     4096
#define FPCHAN_RECV_PER_WAKEUP  256       /* datagrams handled before yielding to the loop */

enum fpchan_state {
	FPCHAN_DOWN = 0,
	FPCHAN_HELLO,
	FPCHAN_SYNC,
	FPCHAN_READY,
};

struct fpchan_counter {
	char     name[FPMSG_CTR_NAME_MAX];
	uint64_t value;
};

struct role;
struct event_base;

/* Callbacks into the daemon. */
struct fpchan_ops {
	/* Call cb for every device the fast path should hold (state != unknown),
	 * in ascending MAC order. Used by the resync. */
	int (*foreach_device)(void *ctx, int (*cb)(void *cbctx, const struct fpmsg_device *d), void *cbctx);
	void (*punt)(void *ctx, uint16_t port, uint8_t reason, uint16_t vlan, const uint8_t *frame, size_t len);
	void (*event)(void *ctx, const char *text);
	/* Entered a state; fp_generation is what the fast path reported in HELLO. */
	void (*state)(void *ctx, enum fpchan_state st, uint64_t fp_generation);
};

typedef void (*fpchan_stats_cb)(void *ctx, uint64_t cookie, int err, const struct fpchan_counter *c,
				unsigned n);
/* The fast path's answer to a request: err 0 (ack) or a negative errno with
 * the fast path's message ("" when it gave none, or for -ENOTCONN). */
typedef void (*fpchan_reply_cb)(void *ctx, uint64_t cookie, int err, const char *msg);

struct fpchan;

struct fpchan *fpchan_new(struct event_base *base, const char *path, const struct fpchan_ops *ops,
			  void *ctx);
void fpchan_free(struct fpchan *ch);
/* Connect now (and keep reconnecting). */
void fpchan_start(struct fpchan *ch);
/* A new socket path (reload): reconnect if it changed. */
void fpchan_set_path(struct fpchan *ch, const char *path);

/* The role ACLs and generation the fast path must have. The array stays
 * the caller's and must live until the next call. When READY and the
 * generation changed, the ACLs are sent and committed at once. */
void fpchan_set_tables(struct fpchan *ch, const struct role *roles, unsigned nroles, uint64_t generation);

/* The blocklist the fast path must have (the merged threat feeds). The
 * array stays the caller's and must live until the next call. When READY
 * it is sent at once (BLOCKLIST_SET replace in FPCHAN_BATCH_PREFIXES
 * chunks, then COMMIT); once called, every resync sends it again. */
void fpchan_set_blocklist(struct fpchan *ch, const struct fpmsg_prefix *v, size_t n);

/* Queue a device change (sent when READY; a resync covers the rest). */
void fpchan_device_set(struct fpchan *ch, const struct fpmsg_device *d);
void fpchan_device_del(struct fpchan *ch, const uint8_t mac[6]);

/* Send an Ethernet frame out of a port (PKT_TX; EAP to a supplicant).
 * 0, -ENOTCONN when not READY, -EINVAL for a bad length, -ENOMEM/-ENOBUFS. */
int fpchan_send_frame(struct fpchan *ch, uint16_t port, const uint8_t *frame, size_t len);

/* Ask for the fast path's counters; cb runs later with the answer, an error,
 * or -ETIMEDOUT / -ENOTCONN. Returns -ENOTCONN at once when not READY. */
int fpchan_stats(struct fpchan *ch, fpchan_stats_cb cb, void *ctx, uint64_t cookie);

/* Start a capture of `count` frames received on port index to the file
 * `name` in the fast path's capture_dir (CAPTURE); cb runs later with the
 * fast path's ack or refusal (exactly once, unless the channel is freed).
 * Returns -ENOTCONN at once when not READY. */
int fpchan_capture(struct fpchan *ch, uint16_t port, const char *filter, uint32_t count, const char *name,
		   fpchan_reply_cb cb, void *ctx, uint64_t cookie);

enum fpchan_state fpchan_get_state(const struct fpchan *ch);
const char *fpchan_state_name(enum fpchan_state st);
uint64_t fpchan_fp_generation(const struct fpchan *ch);
/* Ports from the last HELLO. */
unsigned fpchan_ports(const struct fpchan *ch, const struct fpmsg_port_info **ports);
/* Port role (0 lan, 1 uplink) of index, or -1 if unknown. */
int fpchan_port_role(const struct fpchan *ch, uint16_t index);

struct fpchan_stats_local {
	uint64_t connects, resyncs, devices_sent, devices_deleted, errors, punts, bad_messages;
};
void fpchan_local_stats(const struct fpchan *ch, struct fpchan_stats_local *s);

#endif
