/* central.h — central sync: the signed policy bundle from the centre.
 *
 * Glue between fetch (HTTPS polling, last good copy on disk) and bundle
 * (envelope, Ed25519, schema): every body the centre serves goes through
 * bundle_open() with the version this appliance runs and the highest one
 * it ever accepted (state_dir/bundle.version, so a rollback is refused
 * across restarts too, even if the saved bundle is lost). A good bundle is
 * handed to menjind's apply() — which applies it as a whole or refuses it —
 * and only then becomes the running one and the saved last good copy.
 *
 * Files in state_dir: bundle (the last good bundle as served),
 * bundle.etag, bundle.version (high-water mark).
 *
 * At start the saved bundle is verified again (signature, key still
 * trusted, version, expiry) and applied before the first poll. An expired
 * saved bundle is refused like a fetched one; a bundle that expires while
 * it runs stays in force (the fast path must not lose its policy because
 * the centre was unreachable) and is reported as expired in the status,
 * with a warning in the log.
 */
#ifndef MENJIN_CENTRAL_H
#define MENJIN_CENTRAL_H

#include <stdbool.h>
#include <stdint.h>
#include "bundle.h"
#include "fetch.h"

#define CENTRAL_DEFAULT_INTERVAL   300        /* seconds between polls */
#define CENTRAL_STATE_FILE         "bundle"
#define CENTRAL_VERSION_FILE       "bundle.version"

struct central_conf {
	char   url[FETCH_URL_MAX];
	struct fetch_tls tls;
	struct bundle_keyring keys;
	int    poll_interval;                  /* seconds */
	size_t max_size;                       /* bytes; 0: BUNDLE_DEFAULT_MAX_SIZE */
	int    timeout;                        /* seconds for one transfer; 0: default */
	char   state_dir[FETCH_DIR_MAX];
};

/* Apply a verified bundle as a whole, or refuse it (negative errno and a
 * message). The bundle stays valid until the next successful apply or
 * central_free(); menjind may keep pointers into it until then. */
typedef int (*central_apply_fn)(void *ctx, const struct bundle *b, bool from_disk, char *err, size_t errlen);

struct central_status {
	bool     running;                      /* a bundle is in force */
	uint64_t version;
	char     key_id[BUNDLE_KEY_ID_MAX];
	char     sha256[65];                   /* of the payload */
	int64_t  created, expires;
	bool     expired;                      /* in force but past its expiry */
	int64_t  applied_at;
	bool     from_disk;                    /* applied from the saved copy at start */
	uint64_t high_water;                   /* highest version ever accepted */
	char     last_refusal[BUNDLE_ERR_MAX]; /* "" when the last poll was fine */
	int64_t  last_refusal_at;
	struct fetch_status fetch;
};

struct central;
struct central *central_new(struct fetch_engine *e, const struct central_conf *c, central_apply_fn apply,
			    void *ctx, char *err, size_t errlen);
/* Load the saved bundle (if any), then poll now and every interval. */
int central_start(struct central *c);
int central_poll_now(struct central *c);
/* The bundle in force, or NULL. */
const struct bundle *central_current(const struct central *c);
void central_status(const struct central *c, struct central_status *st);
/* Tests: be told after each poll. */
void central_set_done(struct central *c, fetch_done_fn done, void *ctx);
void central_free(struct central *c);

#endif
