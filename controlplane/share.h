/* share.h — local sharing: an administrator's block, published to the
 * neighbouring appliances of the same regional feed.
 *
 * Scheme (docs/central.md has the whole story):
 *   1. On appliance A, `request block share IP reason "..." ttl 3600`
 *      reaches menjind, which calls share_publish().
 *   2. share keeps A's published blocks in state_path (JSON) and rewrites
 *      spool_path: a STIX 2.1 bundle (one identity for A, one indicator per
 *      block: [ipv4-addr:value = '…'], valid_from = now, valid_until = now +
 *      TTL, name = the reason) wrapped in a menjin signed envelope (type
 *      "stix-bundle") signed with A's sharing key. Both files are replaced
 *      atomically.
 *   3. A static web server serves the spool directory over HTTPS (nginx on
 *      the management side, or the regional centre collecting the spools).
 *   4. Neighbour B lists A's spool URL in its feeds with format "stix" and
 *      A's public sharing key: feeds.c verifies the envelope, parses the
 *      STIX, drops what expired, and merges it into B's blocklist. A's own
 *      blocks go into A's blocklist at once through share_list() and
 *      feeds_set_static(..., "share", ...).
 *   5. share_withdraw() marks the indicator revoked (kept in the feed until
 *      its valid_until, so STIX consumers that accumulate also learn of
 *      it); expired entries are pruned.
 * Nothing here talks to the network.
 */
#ifndef MENJIN_SHARE_H
#define MENJIN_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bundle.h"
#include "fetch.h"
#include "threatfeed.h"

#define SHARE_MAX_ENTRIES     4096
#define SHARE_TTL_MIN         60                 /* seconds */
#define SHARE_TTL_MAX         (30 * 86400)       /* a month; longer blocks belong in the central bundle */
#define SHARE_REASON_MAX      200
#define SHARE_NAME_MAX        64
#define SHARE_BY_MAX          64
#define SHARE_ID_MAX          48                 /* "indicator--" + UUID + NUL */
#define SHARE_STATE_MAX       (8u << 20)         /* state file read at most */

struct share_conf {
	char    appliance[SHARE_NAME_MAX];       /* who publishes: "yilan-toucheng" */
	char    state_path[FETCH_PATH_MAX];      /* our published blocks */
	char    spool_path[FETCH_PATH_MAX];      /* the signed STIX bundle others fetch */
	char    key_id[BUNDLE_KEY_ID_MAX];       /* of the sharing key */
	uint8_t seed[BUNDLE_SEED_LEN];           /* the sharing key (Ed25519 private) */
	unsigned max_entries;                    /* 0: SHARE_MAX_ENTRIES */
};

struct share_entry {
	char     id[SHARE_ID_MAX];
	struct tf_prefix prefix;
	char     reason[SHARE_REASON_MAX];
	char     by[SHARE_BY_MAX];               /* the administrator */
	int64_t  created, modified, expires;
	bool     revoked;
};

struct share;

/* Load state_path (missing: start empty), drop what expired, write the spool. */
struct share *share_open(const struct share_conf *c, int64_t now, char *err, size_t errlen);
void share_close(struct share *s);

/* Publish a block of `prefix` (an address or CIDR, as in a feed) for ttl
 * seconds. Publishing an address that is already shared renews it (new
 * reason and expiry, same indicator id). Writes state and spool before it
 * returns; id_out gets the indicator id. */
int share_publish(struct share *s, const char *prefix, const char *reason, int64_t ttl, const char *by, int64_t now,
		  char id_out[SHARE_ID_MAX], char *err, size_t errlen);
/* Withdraw by prefix or indicator id: -ENOENT when not shared. */
int share_withdraw(struct share *s, const char *prefix_or_id, int64_t now, char *err, size_t errlen);
/* Drop expired entries; returns how many (the files are rewritten if any). */
int share_prune(struct share *s, int64_t now);
/* Earliest expiry of an entry, 0 when empty: when to call share_prune(). */
int64_t share_next_expiry(const struct share *s);

unsigned share_count(const struct share *s);
const struct share_entry *share_get(const struct share *s, unsigned i);
/* The active (not revoked, not expired) blocks as a list named "share" for
 * feeds_set_static(); the caller owns the reference. */
struct tf_list *share_list(const struct share *s, int64_t now);

/* Pure: the STIX 2.1 bundle for these entries (malloc'ed JSON). */
int share_stix_build(const struct share_entry *v, unsigned n, const char *appliance, int64_t now, char **json,
		     size_t *len);

#endif
