/* fetch.h — HTTPS for central sync, threat feeds and the heartbeat:
 * libcurl's multi interface driven by menjind's libevent loop.
 *
 * A `struct fetch` polls one URL every interval:
 *   - HTTPS only, no redirects; TLS 1.2 or later; the server certificate is
 *     checked against ca_file (or the system store) and, when pinned_key is
 *     set, its public key must match (CURLOPT_PINNEDPUBLICKEY: a file or
 *     "sha256//BASE64[;sha256//BASE64]", several pins allow rotation);
 *   - If-None-Match with the ETag of the last good copy: 304 costs nothing;
 *   - the body is refused as soon as it passes max_size bytes (and before
 *     the transfer when Content-Length announces more);
 *   - connect and whole-transfer timeouts, and a low-speed abort;
 *   - the owner's accept() decides whether the body is good (signature,
 *     version, syntax). A good body is written to state_path atomically
 *     with its URL and ETag beside it (state_path.etag: an ETag is only
 *     sent again to the URL that gave it); a refused one is dropped
 *     and the last good copy stays in force, on disk and in memory;
 *   - at start, fetch_load_last_good() hands the saved copy to accept()
 *     again (from_disk = true), so the appliance enforces what it ran
 *     before a restart without waiting for the network;
 *   - after a failure the next try comes sooner (30 s, doubling up to the
 *     interval); each poll is jittered by up to 10% so that the townships'
 *     appliances do not all arrive at the same second.
 * fetch_status() reports what runs: last attempt, last success, last
 * change, HTTP code, bytes, ETag, sha256 and the last error.
 *
 * Single-threaded: every callback runs on the event loop.
 */
#ifndef MENJIN_FETCH_H
#define MENJIN_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FETCH_URL_MAX            1024
#define FETCH_PATH_MAX           256
#define FETCH_DIR_MAX            (FETCH_PATH_MAX - 96)  /* state directories: room for file names */
#define FETCH_PIN_MAX            512
#define FETCH_ETAG_MAX           256
#define FETCH_ERR_MAX            512
#define FETCH_NAME_MAX           80             /* "feed " + a feed name */
#define FETCH_MAX_SIZE_LIMIT     (256u << 20)   /* no configuration may ask for more */
#define FETCH_CONNECT_TIMEOUT_S  10
#define FETCH_DEFAULT_TIMEOUT_S  120            /* one whole transfer */
#define FETCH_TIMEOUT_MAX_S      3600
#define FETCH_LOW_SPEED_BPS      1024           /* slower than this ... */
#define FETCH_LOW_SPEED_S        30             /* ... for this long aborts */
#define FETCH_RETRY_MIN_S        30             /* first retry after a failure */
#define FETCH_INTERVAL_MIN_S     10
#define FETCH_INTERVAL_MAX_S     86400
#define FETCH_POST_REPLY_MAX     (64u << 10)    /* heartbeat answers read, then dropped */

struct event_base;
struct fetch_engine;
struct fetch;
struct fetch_transfer;

struct fetch_tls {
	char ca_file[FETCH_PATH_MAX];       /* "": the system's CA certificates */
	char pinned_key[FETCH_PIN_MAX];     /* "": no pinning */
	char cert_file[FETCH_PATH_MAX];     /* client certificate (PEM), optional */
	char key_file[FETCH_PATH_MAX];
};

struct fetch_conf {
	char   name[FETCH_NAME_MAX];        /* for logs: "central", "feed abuse" */
	char   url[FETCH_URL_MAX];
	struct fetch_tls tls;
	size_t max_size;                    /* bytes; 1..FETCH_MAX_SIZE_LIMIT */
	int    interval;                    /* seconds between polls */
	int    timeout;                     /* seconds for one transfer; 0: default */
	char   state_path[FETCH_PATH_MAX];  /* last good copy; "" keeps none */
};

enum fetch_outcome {
	FETCH_NONE = 0,         /* nothing yet */
	FETCH_NEW,              /* a new body was accepted and saved */
	FETCH_UNCHANGED,        /* 304, or accept() said it is what runs already */
	FETCH_REFUSED,          /* accept() refused the body; the last good one stays */
	FETCH_FAILED,           /* transport, TLS, HTTP status, size or time limit */
};
const char *fetch_outcome_name(enum fetch_outcome o);

/* accept: 0 = good (saved as the last good copy), 1 = the same as what
 * runs (not saved again), negative = refused with err filled. */
typedef int (*fetch_accept_fn)(void *ctx, const uint8_t *body, size_t len, bool from_disk, char *err,
			       size_t errlen);
/* Optional: told after every poll (tests stop their loop on it). */
typedef void (*fetch_done_fn)(void *ctx, enum fetch_outcome outcome, const char *message);

struct fetch_status {
	char     url[FETCH_URL_MAX];
	int64_t  last_attempt;              /* unix seconds, 0 never */
	int64_t  last_success;              /* last 200 accepted or 304 */
	int64_t  last_change;               /* last body accepted (from the network or disk) */
	enum fetch_outcome last_outcome;
	long     http_code;
	size_t   bytes;                     /* of the last good copy */
	char     sha256[65];                /* of the last good copy */
	char     etag[FETCH_ETAG_MAX];
	char     last_error[FETCH_ERR_MAX]; /* of the last failed or refused poll */
	unsigned failures;                  /* in a row */
	bool     from_disk;                 /* the good copy came from disk this run */
	bool     in_progress;
};

struct fetch_engine *fetch_engine_new(struct event_base *base);
/* Cancels whatever is in flight (no callbacks). */
void fetch_engine_free(struct fetch_engine *e);
struct event_base *fetch_engine_base(const struct fetch_engine *e);

/* Checks the configuration (limits, https://) and returns NULL with err
 * filled when it is not usable. Polling starts with fetch_start(). */
struct fetch *fetch_new(struct fetch_engine *e, const struct fetch_conf *c, fetch_accept_fn accept,
			fetch_done_fn done, void *ctx, char *err, size_t errlen);
/* The saved copy through accept(from_disk = true). 0, -ENOENT when there is
 * none, or accept()'s refusal. */
int fetch_load_last_good(struct fetch *f);
/* First poll now, then every interval. */
int fetch_start(struct fetch *f);
/* Poll now (tests, "request central sync"). -EBUSY while one runs. */
int fetch_poll_now(struct fetch *f);
void fetch_status_get(const struct fetch *f, struct fetch_status *st);
void fetch_free(struct fetch *f);

/* One POST (the heartbeat). done(ctx, http_code, error) is called once,
 * unless fetch_cancel() comes first; error is NULL on a 2xx answer. */
typedef void (*fetch_post_done_fn)(void *ctx, long http_code, const char *error);
struct fetch_transfer *fetch_post(struct fetch_engine *e, const char *url, const struct fetch_tls *tls,
				  const char *content_type, const char *body, size_t len, int timeout,
				  fetch_post_done_fn done, void *ctx);
void fetch_cancel(struct fetch_transfer *t);

/* Hex SHA-256 of a buffer (statuses and heartbeats report it). */
void fetch_sha256_hex(const uint8_t *p, size_t len, char out[65]);

#endif
