/* syslog_tls.h — SOC export: RFC 5424 events over TLS (RFC 5425) to the
 * regional collectors, with a disk-backed queue.
 *
 * Every event line (event_format_5424) is first written to the queue, an
 * SQLite file (WAL) of its own, numbered by a sequence that never goes
 * back, and gets the standard structured data element
 * [meta sequenceId="N"] (RFC 5424 7.3.1) so the SOC can see gaps and drop
 * duplicates. Each configured collector has a cursor in the same file:
 * the last sequence known delivered to it. A row is deleted once every
 * collector's cursor has passed it.
 *
 * Delivery is at-least-once. A message is written with RFC 5425 octet
 * counting ("LEN SP MSG") through one TLS connection per collector. Writing
 * it to the TLS socket is not enough to forget it: it is "delivered" — its
 * cursor advances and it may leave the disk — only when
 *   1. SSL_write() succeeded,
 *   2. the collector's TCP stack acknowledged every byte of it (the
 *      socket's unacknowledged output, SIOCOUTQ, no longer reaches back to
 *      the end of its TLS record), and
 *   3. the connection then stayed up for SOC_SETTLE_MS: RFC 5425 has no
 *      application acknowledgement, and a collector that is stopped with
 *      acknowledged but unread bytes in its socket buffer loses them, while
 *      a running collector reads within moments.
 * When the connection breaks (collector stopped, network down), everything
 * after the cursor is sent again on the next connection, so a message the
 * collector had already read arrives twice; the SOC deduplicates by
 * sequenceId. A message is lost only if the collector acknowledged it, did
 * not read it for SOC_SETTLE_MS and then died (RELP would close that gap),
 * or if queue_max rows were not enough (the drops are counted, and the
 * sequenceId gap shows them).
 *
 * Bounded: queue_max rows on disk (the oldest are dropped beyond it, and
 * counted), SOC_INFLIGHT_MAX messages written but unacknowledged per
 * connection, reconnect backoff SOC_BACKOFF_MIN_MS doubling to
 * SOC_BACKOFF_MAX_MS, connect and handshake within SOC_CONNECT_TIMEOUT_S.
 * Certificates are verified against ca_file, with the collector's host
 * name or IP address; a client certificate is presented when configured.
 *
 * Single-threaded (menjind's event loop). syslog_tls_new() ignores SIGPIPE
 * if nothing handles it: a collector that closes must not kill menjind.
 * Host names are resolved with getaddrinfo(), which blocks; use addresses
 * or names in /etc/hosts for collectors.
 */
#ifndef MENJIN_SYSLOG_TLS_H
#define MENJIN_SYSLOG_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "events.h"

#define SOC_MAX_COLLECTORS      4
#define SOC_QUEUE_DEFAULT_MAX   100000          /* rows kept while collectors are down */
#define SOC_QUEUE_MAX_LIMIT     10000000
#define SOC_LINE_MAX            (EVENT_LINE_MAX + 64)   /* a line with its [meta sequenceId] */
#define SOC_FRAME_MAX           (SOC_LINE_MAX + 16)
#define SOC_INFLIGHT_MAX        4096            /* written, not yet acknowledged, per connection */
#define SOC_BACKOFF_MIN_MS      1000
#define SOC_BACKOFF_MAX_MS      60000
#define SOC_CONNECT_TIMEOUT_S   10              /* TCP connect and TLS handshake together */
#define SOC_ACK_CHECK_MS        200             /* how often unacknowledged output is looked at */
#define SOC_SETTLE_MS           2000            /* acknowledged this long on a live connection: delivered */
#define SOC_HOST_MAX            256
#define SOC_PATH_MAX            256
#define SOC_ERR_MAX             256
#define SOC_SEQUENCE_MAX        2147483647      /* RFC 5424 7.3.1: sequenceId wraps to 1 after it */

/* ---- the queue (unit-tested without a network) ----------------------------- */

struct soc_queue;

/* Open or create. `collectors` names the cursors to keep ("host:port");
 * cursors of collectors no longer configured are dropped, a new collector
 * starts with everything still on disk. */
int soc_queue_open(const char *path, unsigned max, const char *const *collectors, unsigned ncollectors,
		   struct soc_queue **out, char *err, size_t errlen);
void soc_queue_close(struct soc_queue *q);
/* Store one RFC 5424 line with [meta sequenceId] added. -E2BIG for a line
 * longer than EVENT_LINE_MAX, -EINVAL for a line that is not RFC 5424. */
int soc_queue_push(struct soc_queue *q, const char *line, int64_t *seq);
/* The rows after `after`, oldest first, at most max; cb's non-zero return stops. */
typedef int (*soc_queue_cb)(void *ctx, int64_t seq, const char *line);
int soc_queue_read(struct soc_queue *q, int64_t after, unsigned max, soc_queue_cb cb, void *ctx);
/* Collector `index` has everything up to seq; rows no collector needs go. */
int soc_queue_ack(struct soc_queue *q, unsigned index, int64_t seq);
int64_t soc_queue_cursor(const struct soc_queue *q, unsigned index);
int64_t soc_queue_last(const struct soc_queue *q);        /* last sequence pushed */
uint64_t soc_queue_length(const struct soc_queue *q);     /* rows on disk */
uint64_t soc_queue_dropped(const struct soc_queue *q);    /* rows dropped by queue_max, this run */

/* ---- pure helpers ------------------------------------------------------------ */

/* Insert [meta sequenceId="N"] as the first SD-ELEMENT (replacing "-"). */
int syslog_tls_add_sequence(const char *line, uint32_t seq, char *out, size_t outlen);
/* RFC 5425 4.3 / RFC 6587 3.4.1 octet counting: "LEN SP MSG". Returns the
 * frame length or -ENOSPC. */
int syslog_tls_frame(const char *msg, size_t len, char *out, size_t outlen);
/* The sequenceId a queue sequence travels with. */
uint32_t syslog_tls_sequence_id(int64_t seq);

/* ---- transport --------------------------------------------------------------- */

struct soc_collector_conf {
	char     host[SOC_HOST_MAX];        /* address or name; certificates are checked against it */
	uint16_t port;                      /* 6514 is RFC 5425's */
	char     ca_file[SOC_PATH_MAX];     /* "": the system's CA certificates */
	char     cert_file[SOC_PATH_MAX];   /* client certificate (PEM), optional */
	char     key_file[SOC_PATH_MAX];
};

struct soc_conf {
	unsigned ncollectors;
	struct soc_collector_conf collectors[SOC_MAX_COLLECTORS];
	char     queue_file[SOC_PATH_MAX];
	unsigned queue_max;                 /* 0: SOC_QUEUE_DEFAULT_MAX */
};

enum soc_state { SOC_IDLE, SOC_CONNECTING, SOC_HANDSHAKE, SOC_UP };

struct soc_collector_status {
	char     name[SOC_HOST_MAX + 8];    /* "host:port" */
	enum soc_state state;
	int64_t  connected_since;           /* unix seconds, 0 when not up */
	int64_t  cursor;                    /* last sequence delivered */
	uint64_t pending;                   /* sequences not yet delivered */
	uint64_t delivered;                 /* this run */
	unsigned reconnects;
	char     last_error[SOC_ERR_MAX];
	int64_t  last_error_at;
};

struct event_base;
struct syslog_tls;

struct syslog_tls *syslog_tls_new(struct event_base *base, const struct soc_conf *c, char *err, size_t errlen);
/* Queue one line (durable when this returns 0) and send when possible. */
int syslog_tls_send(struct syslog_tls *s, const char *line);
unsigned syslog_tls_collectors(const struct syslog_tls *s);
int syslog_tls_status(const struct syslog_tls *s, unsigned i, struct soc_collector_status *st);
const struct soc_queue *syslog_tls_queue(const struct syslog_tls *s);
const char *soc_state_name(enum soc_state st);
void syslog_tls_free(struct syslog_tls *s);

#endif
