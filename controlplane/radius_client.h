/* radius_client.h — RADIUS over UDP on libevent: several servers per
 * service (authentication, accounting), retransmission, failover, dead
 * server marking and revival, and reply validation.
 *
 * One unconnected UDP socket per server, so each server has its own 256
 * identifiers; when all 256 are outstanding, further requests wait in a
 * bounded queue. Servers are tried in configured order: a server that lets
 * a request go unanswered through all its transmissions is marked dead for
 * dead_time and the request fails over to the next live server. When every
 * server is dead, requests fail at once (asynchronously) with -EHOSTUNREACH
 * until a dead_time has passed; a reply from a server that was marked dead
 * is announced through the server-up callback, so the caller can
 * reauthenticate what it admitted while no server answered.
 *
 * Replies are dropped and counted, never delivered, when: they come from
 * another address or port than the server's; they do not decode; their
 * identifier is not outstanding; their code does not answer the request;
 * the Response Authenticator is wrong; Message-Authenticator is missing or
 * wrong (Blast-RADIUS, CVE-2024-3596; checked with CRYPTO_memcmp in
 * radius.c). A dropped reply leaves the request waiting for a good one.
 *
 * RadSec (RFC 6614): a server with transport RADIUS_TRANSPORT_TLS is
 * reached over TCP and TLS (1.2 or later) with mutual certificates: its
 * certificate must chain to ca_file (and match server_name when given),
 * ours is cert_file/key_file. The shared secret is "radsec" (RFC 6614 2.3)
 * whatever is configured. The connection is opened on first use and again
 * after it drops; there is no retransmission on it (RFC 6614 2.5): a request
 * unanswered for timeout fails over, and a dropped connection fails over
 * every request it carried. Replies get the same checks as over UDP except
 * the source address, which the TLS session vouches for.
 *
 * Single-threaded: everything runs on the caller's event_base. Callbacks
 * must not free the client.
 */
#ifndef MENJIN_RADIUS_CLIENT_H
#define MENJIN_RADIUS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "radius.h"

struct event_base;

#define RADIUS_CLIENT_MAX_SERVERS   4        /* per service */
#define RADIUS_CLIENT_IDS           256      /* identifiers per server socket */
#define RADIUS_CLIENT_MAX_QUEUE     4096     /* requests waiting for an identifier */
#define RADIUS_CLIENT_MAX_RETRIES   10       /* transmissions to one server */
#define RADIUS_CLIENT_TIMEOUT_MAX_MS 60000
#define RADIUS_CLIENT_DEAD_MAX_MS   3600000
#define RADIUS_SERVER_NAME_MAX      64
#define RADIUS_CLIENT_READ_BURST    64       /* datagrams read per wake-up */

enum radius_service {
	RADIUS_SVC_AUTH = 0,     /* Access-Request, Status-Server: port 1812 */
	RADIUS_SVC_ACCT = 1,     /* Accounting-Request: port 1813 */
	RADIUS_SVC__MAX
};

#define RADIUS_TLS_PATH_MAX         256
#define RADIUS_TLS_NAME_MAX         256
#define RADIUS_TLS_PORT             2083     /* RFC 6614 */
#define RADIUS_TLS_SECRET           "radsec" /* RFC 6614 2.3 */
#define RADIUS_TLS_WBUF             (256 * 1024)   /* queued output per connection */

enum radius_transport {
	RADIUS_TRANSPORT_UDP = 0,
	RADIUS_TRANSPORT_TLS,        /* RadSec, RFC 6614 */
};

struct radius_server_conf {
	struct sockaddr_storage addr;     /* address and port */
	socklen_t addrlen;
	uint8_t  secret[RADIUS_SECRET_MAX];   /* UDP only */
	size_t   secret_len;
	char     name[RADIUS_SERVER_NAME_MAX];   /* for logs; "" = the address */
	enum radius_transport transport;
	char     ca_file[RADIUS_TLS_PATH_MAX];   /* TLS: trust anchors for the server */
	char     cert_file[RADIUS_TLS_PATH_MAX]; /* TLS: our certificate (chain) */
	char     key_file[RADIUS_TLS_PATH_MAX];  /* TLS: its private key */
	char     server_name[RADIUS_TLS_NAME_MAX]; /* TLS: expected name in its certificate; "" = any */
};

struct radius_client_conf {
	unsigned nservers[RADIUS_SVC__MAX];
	struct radius_server_conf servers[RADIUS_SVC__MAX][RADIUS_CLIENT_MAX_SERVERS];
	uint32_t timeout_ms;       /* wait for a reply to one transmission (3000) */
	unsigned retries;          /* transmissions to one server before failover (3) */
	uint32_t dead_time_ms;     /* a failed server is skipped this long (60000) */
	unsigned max_queue;        /* requests waiting for an identifier (1024) */
};

struct radius_client_stats {
	uint64_t requests;            /* accepted by radius_client_send */
	uint64_t transmissions;       /* datagrams sent, retransmissions included */
	uint64_t retransmissions;
	uint64_t replies;             /* valid replies delivered */
	uint64_t failovers;           /* a request moved to another server */
	uint64_t timeouts;            /* requests that no server answered */
	uint64_t unreachable;         /* requests failed because every server was dead */
	uint64_t queued;              /* requests that had to wait for an identifier */
	uint64_t queue_full;          /* requests refused, queue full */
	uint64_t send_errors;         /* sendto() failures (counted as lost datagrams) */
	uint64_t tls_connects;        /* RadSec connections established */
	uint64_t tls_failures;        /* RadSec connections refused, failed or dropped */
	/* replies dropped */
	uint64_t bad_source;
	uint64_t malformed;
	uint64_t unknown_id;
	uint64_t bad_code;
	uint64_t bad_authenticator;
	uint64_t missing_message_authenticator;
	uint64_t bad_message_authenticator;
};

struct radius_server_state {
	char     name[RADIUS_SERVER_NAME_MAX];
	bool     dead;
	unsigned outstanding;       /* identifiers in use */
	uint64_t replies, timeouts;
};

struct radius_client;
struct radius_request;

/* Called exactly once per request unless it was cancelled: status 0 and
 * the validated reply (valid during the call only), or -ETIMEDOUT (no
 * server answered), -EHOSTUNREACH (every server dead), -EIO (could not
 * build the packet). Never called from within radius_client_send(). */
typedef void (*radius_reply_fn)(void *arg, int status, const struct radius_msg *reply);
/* A server marked dead answered again. */
typedef void (*radius_server_up_fn)(void *arg, enum radius_service svc, unsigned index);

void radius_client_conf_default(struct radius_client_conf *c);
/* 0, or -EINVAL with the fault in err. */
int radius_client_conf_check(const struct radius_client_conf *c, char *err, size_t errlen);

/* Opens one socket per server. 0 or a negative errno (*out NULL). */
int radius_client_new(struct event_base *base, const struct radius_client_conf *conf,
		      struct radius_client **out);
/* Closes everything; outstanding requests are dropped without callbacks. */
void radius_client_free(struct radius_client *c);

void radius_client_on_server_up(struct radius_client *c, radius_server_up_fn fn, void *arg);

/* Send `code` with `attrs` (copied) to the service's servers. For an
 * Access-Request, password (copied, at most RADIUS_PASSWORD_MAX bytes) is
 * sent as User-Password, hidden per server. Message-Authenticator is added
 * first. 0 and *req (a handle for radius_client_cancel; may be NULL when
 * not wanted), -EINVAL, -ENOMEM, or -ENOBUFS (queue full). */
int radius_client_send(struct radius_client *c, enum radius_service svc, uint8_t code,
		       const struct radius_attrs *attrs, const uint8_t *password, size_t password_len,
		       radius_reply_fn fn, void *arg, struct radius_request **req);
/* Forget a request; its callback will not be called. A late reply to it
 * is counted as an unknown identifier. */
void radius_client_cancel(struct radius_request *req);

void radius_client_get_stats(const struct radius_client *c, struct radius_client_stats *s);
/* 0, or -ENOENT for an index past the configured servers. */
int radius_client_server_state(const struct radius_client *c, enum radius_service svc,
			       unsigned index, struct radius_server_state *s);
/* Any live server for the service (for "RADIUS unreachable" decisions). */
bool radius_client_any_alive(const struct radius_client *c, enum radius_service svc);

#endif
