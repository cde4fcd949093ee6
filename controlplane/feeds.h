/* feeds.h — threat feed subscriptions: poll, parse, merge, hand over.
 *
 * Each configured feed is polled by its own `struct fetch` (ETag, size
 * limit, last good copy in state_dir/feed-<name>) and parsed by
 * threatfeed.c. A feed may be signed: with keys configured, its body must
 * be a menjin signed envelope (bundle.h; type "stix-bundle" or "ip-list")
 * whose signature verifies with one of them — that is how the regional
 * sharing feed (share.h) is trusted beyond TLS. A feed that fails or is
 * refused keeps its last good list.
 *
 * Static lists come from inside menjind: the central bundle's blocklist
 * ("central") and this appliance's own shared blocks ("share"). They are
 * set with feeds_set_static().
 *
 * Whenever a list changes, and when the earliest valid_until passes, the
 * lists are merged again (configured feeds first, in order, then the
 * static ones; FEEDS_MERGE_DELAY_MS lets feeds that arrive together merge
 * once) and apply() is called with the result. menjind then sends it to
 * the fast path as BLOCKLIST_SET with FPF_REPLACE in batches, and COMMIT:
 * the fast path builds the new table aside and swaps it, so a million
 * prefixes load without stopping traffic.
 */
#ifndef MENJIN_FEEDS_H
#define MENJIN_FEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include "bundle.h"
#include "fetch.h"
#include "threatfeed.h"

#define FEEDS_MAX               8          /* configured URLs */
#define FEEDS_MAX_STATIC        4          /* lists from inside menjind */
#define FEEDS_DEFAULT_INTERVAL  900        /* seconds */
#define FEEDS_DEFAULT_MAX_SIZE  (64u << 20)
#define FEEDS_MERGE_DELAY_MS    500

struct feed_conf {
	char   name[THREATFEED_NAME_MAX];      /* [A-Za-z0-9._-], unique */
	char   url[FETCH_URL_MAX];
	enum threatfeed_format format;
	struct fetch_tls tls;
	struct bundle_keyring keys;            /* nkeys 0: unsigned (TLS only) */
	size_t max_size;                       /* 0: FEEDS_DEFAULT_MAX_SIZE */
	int    poll_interval;                  /* 0: FEEDS_DEFAULT_INTERVAL */
	int    timeout;
};

struct feeds_conf {
	unsigned nfeeds;
	struct feed_conf feeds[FEEDS_MAX];
	char     state_dir[FETCH_DIR_MAX];     /* "" keeps no copies */
	size_t   max_prefixes;                 /* 0: THREATFEED_MAX_PREFIXES */
};

/* m stays valid until the next apply or feeds_free(). A negative return is
 * logged; the merge is offered again with the next change, or by
 * feeds_reapply() (menjind calls it after the fast path reconnects). */
typedef int (*feeds_apply_fn)(void *ctx, const struct tf_merged *m);

struct feed_status {
	char   name[THREATFEED_NAME_MAX];
	size_t prefixes;                       /* of the list in force */
	struct tf_stats stats;
	char   summary[512];
	struct fetch_status fetch;
};

struct feeds;
struct feeds *feeds_new(struct fetch_engine *e, const struct feeds_conf *c, feeds_apply_fn apply, void *ctx,
			char *err, size_t errlen);
/* Load the saved copies, merge once, then poll every feed. */
int feeds_start(struct feeds *f);
/* Replace (or with NULL remove) a static list; takes its own reference. */
int feeds_set_static(struct feeds *f, const char *name, struct tf_list *l);
int feeds_poll_now(struct feeds *f);
int feeds_reapply(struct feeds *f);
const struct tf_merged *feeds_current(const struct feeds *f);
unsigned feeds_count(const struct feeds *f);
int feeds_status(const struct feeds *f, unsigned i, struct feed_status *st);
/* Tests: be told after each poll of any feed. */
void feeds_set_done(struct feeds *f, fetch_done_fn done, void *ctx);
void feeds_free(struct feeds *f);

#endif
