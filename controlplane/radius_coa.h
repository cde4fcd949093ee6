/* radius_coa.h — Dynamic Authorization server side (RFC 5176): the
 * Disconnect-Request and CoA-Request a RADIUS server sends to the NAS.
 *
 * Two parts:
 *   coa_parse() / coa_encode_reply(): pure, no I/O (the unit tests and the
 *     RADIUS fuzz target call them directly);
 *   radius_coa_listen(): a UDP listener on libevent that accepts requests
 *     only from configured clients, answers duplicates from a cache
 *     (RFC 5176 2.3), asks the caller's handler what to do and sends the
 *     ACK or the NAK with its Error-Cause (RFC 5176 3.5).
 *
 * Every request must carry a valid Message-Authenticator and Request
 * Authenticator; one that does not, that comes from an unknown address, or
 * whose Event-Timestamp is outside COA_EVENT_WINDOW_S is silently
 * discarded (RFC 5176 3.3, 3.4) and counted. Sessions are identified by
 * Calling-Station-Id and/or Acct-Session-Id (one of them is required).
 */
#ifndef MENJIN_RADIUS_COA_H
#define MENJIN_RADIUS_COA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "radius.h"

struct event_base;

#define COA_MAX_CLIENTS        8
#define COA_DUP_CACHE          64        /* recent replies kept for duplicates */
#define COA_DUP_LIFETIME_MS    30000
#define COA_EVENT_WINDOW_S     300       /* RFC 5176 3.4: allowed Event-Timestamp skew */
#define COA_MAX_PROXY_STATE    4         /* Proxy-State attributes echoed */
#define COA_TEXT_MAX           254
#define COA_NAS_ID_MAX         64
#define COA_DEFAULT_PORT       3799
#define CISCO_VENDOR_ID        9         /* Cisco-AVPair "subscriber:command=reauthenticate" */

struct coa_client_conf {
	struct sockaddr_storage addr;      /* the port is not checked */
	socklen_t addrlen;
	uint8_t  secret[RADIUS_SECRET_MAX];
	size_t   secret_len;
	char     name[64];
};

struct radius_coa_conf {
	struct sockaddr_storage listen;    /* address and port (3799) */
	socklen_t listen_len;
	unsigned nclients;
	struct coa_client_conf clients[COA_MAX_CLIENTS];
	char     nas_identifier[COA_NAS_ID_MAX];   /* a request naming another NAS is refused */
	uint32_t nas_ip;                   /* host order; 0 = not checked */
};

enum coa_kind {
	COA_DISCONNECT = 0,    /* end the session */
	COA_CHANGE,            /* change its authorization */
};

struct coa_request {
	uint8_t  code;                 /* RADIUS_DISCONNECT_REQUEST or RADIUS_COA_REQUEST */
	uint8_t  id;
	uint8_t  authenticator[RADIUS_AUTH_LEN];
	enum coa_kind kind;
	/* identification */
	bool     has_mac;
	uint8_t  mac[6];               /* Calling-Station-Id */
	char     acct_session_id[COA_TEXT_MAX];
	char     user_name[COA_TEXT_MAX];
	/* what a CoA changes */
	bool     reauthenticate;       /* Service-Type Authorize-Only, or Cisco reauthenticate */
	bool     has_filter_id;
	char     filter_id[COA_TEXT_MAX];
	bool     has_vlan;
	char     vlan[COA_TEXT_MAX];   /* Tunnel-Private-Group-Id */
	bool     has_session_timeout;
	uint32_t session_timeout;
	bool     has_termination_action;
	uint32_t termination_action;
	/* echoed in the reply (RFC 2865 5.33) */
	unsigned nproxy_state;
	uint8_t  proxy_state_len[COA_MAX_PROXY_STATE];
	uint8_t  proxy_state[COA_MAX_PROXY_STATE][RADIUS_ATTR_MAX_VALUE];
};

/* Parse and check a request from a client whose secret is given; now_s is
 * the wall clock (for Event-Timestamp). Returns:
 *   0        a request to act upon;
 *   -EBADMSG discard silently (malformed, not authentic, stale);
 *   -EINVAL  answer with a NAK carrying *error_cause (req->code and id set). */
int coa_parse(const uint8_t *pkt, size_t len, const uint8_t *secret, size_t secret_len,
	      const struct radius_coa_conf *conf, int64_t now_s, struct coa_request *req,
	      uint32_t *error_cause);

/* ACK (error_cause ignored) or NAK (with Error-Cause when non-zero) to req,
 * with Message-Authenticator and the Proxy-States. 0 or a negative errno. */
int coa_encode_reply(uint8_t *out, size_t outlen, const struct coa_request *req, bool ack,
		     uint32_t error_cause, const uint8_t *secret, size_t secret_len, size_t *written);

/* ---- listener ---------------------------------------------------------- */

/* Act on a request: 0 to ACK, or a negative errno to NAK with *error_cause
 * (RADIUS_EC_*; 503 Session Context Not Found when it matches nothing). */
typedef int (*coa_handler_fn)(void *arg, const struct coa_request *req, uint32_t *error_cause);

struct radius_coa_stats {
	uint64_t requests;            /* authentic requests handled */
	uint64_t acks, naks;
	uint64_t duplicates;          /* answered from the cache */
	uint64_t unknown_client;      /* dropped: not a configured client */
	uint64_t invalid;             /* dropped: malformed, not authentic or stale */
};

struct radius_coa;

int radius_coa_conf_check(const struct radius_coa_conf *c, char *err, size_t errlen);
int radius_coa_listen(struct event_base *base, const struct radius_coa_conf *conf,
		      coa_handler_fn handler, void *arg, struct radius_coa **out);
void radius_coa_free(struct radius_coa *l);
void radius_coa_get_stats(const struct radius_coa *l, struct radius_coa_stats *s);
/* The bound address (port 0 in the configuration picks one; for tests). */
int radius_coa_local_addr(const struct radius_coa *l, struct sockaddr_storage *addr, socklen_t *len);

#endif
