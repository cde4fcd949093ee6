/* central.c — the signed policy bundle: poll, verify, apply, remember. */
#include "central.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomicfile.h"
#include "log.h"
#include "rfc3339.h"

struct central {
	struct central_conf conf;
	struct fetch *fetch;
	central_apply_fn apply;
	void *ctx;
	fetch_done_fn done;
	void *done_ctx;
	struct bundle *current;
	char body_sha[65];                    /* of the envelope as served */
	uint64_t high_water;
	char version_path[FETCH_PATH_MAX + 32];
	struct central_status st;
};

static int load_high_water(struct central *c)
{
	uint8_t *buf;
	size_t len;
	int rc = atomicfile_read(c->version_path, 32, &buf, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	char *end;
	errno = 0;
	unsigned long long v = strtoull((char *)buf, &end, 10);
	if (errno || end == (char *)buf || (*end != '\0' && *end != '\n')) {
		free(buf);
		/* A damaged mark must not silently reopen the door to rollbacks. */
		log_err("central", "%s is damaged; remove it by hand to accept bundles again", c->version_path);
		return -EBADMSG;
	}
	free(buf);
	c->high_water = v;
	return 0;
}

static int save_high_water(struct central *c, uint64_t v)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%" PRIu64 "\n", v);
	int rc = atomicfile_write(c->version_path, text, (size_t)n, 0640);
	if (rc == 0)
		c->high_water = v;
	return rc;
}

static int accept_bundle(void *arg, const uint8_t *body, size_t len, bool from_disk, char *err, size_t errlen)
{
	struct central *c = arg;
	struct bundle *b;
	char sha[65], summary[256];
	int rc;

	fetch_sha256_hex(body, len, sha);
	if (c->current && strcmp(sha, c->body_sha) == 0)
		return 1;   /* the same file again (a server without ETags) */
	struct bundle_check chk = {
		.max_size = c->conf.max_size,
		/* From disk the saved copy may equal the high-water mark; from the
		 * network only a newer one is accepted. */
		.min_version = from_disk ? (c->high_water ? c->high_water - 1 : 0) : c->high_water,
		.now = (int64_t)time(NULL),
	};
	if (c->current && c->current->version > chk.min_version)
		chk.min_version = c->current->version;
	rc = bundle_open(body, len, &c->conf.keys, &chk, &b, err, errlen);
	if (rc == 0) {
		rc = c->apply(c->ctx, b, from_disk, err, errlen);
		if (rc < 0) {
			char why[BUNDLE_ERR_MAX];
			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "apply: version %" PRIu64 ": %s", b->version, why);
			bundle_free(b);
		}
	}
	if (rc < 0) {
		snprintf(c->st.last_refusal, sizeof(c->st.last_refusal), "%s", err);
		c->st.last_refusal_at = chk.now;
		if (c->current)
			log_warn("central", "bundle refused: %s; still running version %" PRIu64, err, c->current->version);
		else
			log_warn("central", "bundle refused: %s; no central bundle in force", err);
		return rc;
	}
	if (b->version > c->high_water && (rc = save_high_water(c, b->version)) < 0)
		log_err("central", "cannot record version %" PRIu64 " in %s: %s", b->version, c->version_path,
			strerror(-rc));
	bundle_summary(b, summary, sizeof(summary));
	log_info("central", "applied bundle %s%s", summary, from_disk ? " (saved copy)" : "");
	bundle_free(c->current);
	c->current = b;
	memcpy(c->body_sha, sha, sizeof(sha));
	c->st.last_refusal[0] = '\0';
	c->st.applied_at = chk.now;
	c->st.from_disk = from_disk;
	return 0;
}

static void on_poll_done(void *arg, enum fetch_outcome o, const char *msg)
{
	struct central *c = arg;
	if (c->current && c->current->expires <= (int64_t)time(NULL)) {
		char when[RFC3339_LEN];
		rfc3339_format(c->current->expires, when);
		log_warn("central", "bundle version %" PRIu64 " expired at %s and stays in force until the centre "
			 "publishes a newer one", c->current->version, when);
	}
	if (c->done)
		c->done(c->done_ctx, o, msg);
}

struct central *central_new(struct fetch_engine *e, const struct central_conf *conf, central_apply_fn apply,
			    void *ctx, char *err, size_t errlen)
{
	struct central *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->conf = *conf;
	c->apply = apply;
	c->ctx = ctx;
	if (c->conf.max_size == 0)
		c->conf.max_size = BUNDLE_DEFAULT_MAX_SIZE;
	if (c->conf.keys.nkeys == 0) {
		snprintf(err, errlen, "central: no trusted keys configured");
		free(c);
		return NULL;
	}
	struct fetch_conf fc = {
		.name = "central",
		.tls = conf->tls,
		.max_size = c->conf.max_size,
		.interval = conf->poll_interval ? conf->poll_interval : CENTRAL_DEFAULT_INTERVAL,
		.timeout = conf->timeout,
	};
	snprintf(fc.url, sizeof(fc.url), "%s", conf->url);
	if (conf->state_dir[0]) {
		int rc = atomicfile_mkdir(conf->state_dir, 0750);
		if (rc < 0) {
			snprintf(err, errlen, "central: state_dir %s: %s", conf->state_dir, strerror(-rc));
			free(c);
			return NULL;
		}
		snprintf(fc.state_path, sizeof(fc.state_path), "%s/%s", conf->state_dir, CENTRAL_STATE_FILE);
		snprintf(c->version_path, sizeof(c->version_path), "%s/%s", conf->state_dir, CENTRAL_VERSION_FILE);
		if ((rc = load_high_water(c)) < 0) {
			snprintf(err, errlen, "central: %s: %s", c->version_path, strerror(-rc));
			free(c);
			return NULL;
		}
	}
	c->fetch = fetch_new(e, &fc, accept_bundle, on_poll_done, c, err, errlen);
	if (c->fetch == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

int central_start(struct central *c)
{
	int rc = fetch_load_last_good(c->fetch);
	if (rc == -ENOENT)
		log_info("central", "no saved bundle; waiting for the first one from the centre");
	return fetch_start(c->fetch);
}

int central_poll_now(struct central *c)
{
	return fetch_poll_now(c->fetch);
}

const struct bundle *central_current(const struct central *c)
{
	return c->current;
}

void central_status(const struct central *c, struct central_status *st)
{
	*st = c->st;
	st->high_water = c->high_water;
	fetch_status_get(c->fetch, &st->fetch);
	st->running = c->current != NULL;
	if (c->current) {
		st->version = c->current->version;
		snprintf(st->key_id, sizeof(st->key_id), "%s", c->current->key_id);
		memcpy(st->sha256, c->current->sha256, sizeof(st->sha256));
		st->created = c->current->created;
		st->expires = c->current->expires;
		st->expired = c->current->expires <= (int64_t)time(NULL);
	}
}

void central_set_done(struct central *c, fetch_done_fn done, void *ctx)
{
	c->done = done;
	c->done_ctx = ctx;
}

void central_free(struct central *c)
{
	if (c == NULL)
		return;
	fetch_free(c->fetch);
	bundle_free(c->current);
	free(c);
}
