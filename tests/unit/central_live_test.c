/* central_live_test.c — central sync, threat feeds, sharing and the
 * heartbeat against a real HTTPS server (tests/lab/central_nginx_test.sh
 * starts nginx and sets MENJIN_LIVE_*). Without MENJIN_LIVE_URL only the
 * offline checks run and the rest is skipped.
 *
 *   MENJIN_LIVE_URL   https://127.0.0.1:PORT (nginx's root is MENJIN_LIVE_WWW)
 *   MENJIN_LIVE_WWW   nginx's document root (the share spool is written there)
 *   MENJIN_LIVE_DIR   keys/ca.pem, keys/other-ca.pem, keys/central-{a,b}.key.pub,
 *                     keys/share.key(.pub), keys/pin; state/ is made here
 *   MENJIN_LIVE_MAX   max_size for bundles (the oversized one is larger)
 *
 * Bundles served (made with menjin-bundle by the script): good (v2, key a),
 * tampered, wrongkey (key c's signature, named a), unknownkey (key c),
 * rollback (v1), expired (v5), truncated, oversized, rotated (v3, key b).
 * The tests run in order and share the state directory, like one
 * appliance living through the story. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "central.h"
#include "feeds.h"
#include "heartbeat.h"
#include "share.h"

static const char *base_url, *www, *dir;
static size_t max_size;
static struct event_base *base;
static struct fetch_engine *engine;
static char ca[FETCH_PATH_MAX], other_ca[FETCH_PATH_MAX], state[FETCH_DIR_MAX], pin[FETCH_PIN_MAX];

/* ---- the loop ---- */

struct wait {
	int want, got;
	enum fetch_outcome last;
	char message[FETCH_ERR_MAX];
};

static void on_done(void *arg, enum fetch_outcome o, const char *msg)
{
	struct wait *w = arg;
	w->got++;
	w->last = o;
	snprintf(w->message, sizeof(w->message), "%s", msg ? msg : "");
	if (w->got >= w->want)
		event_base_loopbreak(base);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
	event_base_loopbreak(base);
}

/* Run the loop until `w` saw `want` polls, or 20 s. */
static void run(struct wait *w)
{
	bool late = false;
	struct event *t = evtimer_new(base, on_deadline, &late);
	struct timeval tv = { .tv_sec = 20 };
	evtimer_add(t, &tv);
	while (w->got < w->want && !late)
		event_base_loop(base, 0);
	event_free(t);
	if (late)
		fail_msg("timed out waiting for %d polls (saw %d)", w->want, w->got);
}

/* ---- central ---- */

static int applied_version;
static bool applied_from_disk;

static int apply(void *ctx, const struct bundle *b, bool from_disk, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	applied_version = (int)b->version;
	applied_from_disk = from_disk;
	return 0;
}

static void keyring(struct bundle_keyring *kr, bool with_b)
{
	static const char *const ids[] = { "central-a", "central-b" };
	memset(kr, 0, sizeof(*kr));
	for (int i = 0; i < (with_b ? 2 : 1); i++) {
		char path[600], err[BUNDLE_ERR_MAX];
		uint8_t *text, pub[BUNDLE_PUB_LEN];
		size_t len;
		snprintf(path, sizeof(path), "%s/keys/%s.key.pub", dir, ids[i]);
		assert_int_equal(atomicfile_read(path, 4096, &text, &len), 0);
		assert_int_equal(bundle_key_parse_public((char *)text, len, pub, err, sizeof(err)), 0);
		assert_int_equal(bundle_keyring_add(kr, ids[i], pub), 0);
		free(text);
	}
}

static struct central *appliance(const char *file, const char *ca_file, const char *pinned, bool with_b)
{
	struct central_conf c = { .poll_interval = 3600, .max_size = max_size, .timeout = 10 };
	char err[512];
	snprintf(c.url, sizeof(c.url), "%s/%s", base_url, file);
	snprintf(c.tls.ca_file, sizeof(c.tls.ca_file), "%s", ca_file);
	snprintf(c.tls.pinned_key, sizeof(c.tls.pinned_key), "%s", pinned ? pinned : "");
	snprintf(c.state_dir, sizeof(c.state_dir), "%s", state);
	keyring(&c.keys, with_b);
	struct central *ce = central_new(engine, &c, apply, NULL, err, sizeof(err));
	if (ce == NULL)
		fail_msg("central_new: %s", err);
	return ce;
}

/* Start an appliance (it reloads the saved bundle) and wait for its first poll. */
static struct central *start(const char *file, struct wait *w, const char *ca_file, const char *pinned, bool with_b)
{
	struct central *c = appliance(file, ca_file, pinned, with_b);
	memset(w, 0, sizeof(*w));
	w->want = 1;
	applied_version = 0;
	central_set_done(c, on_done, w);
	assert_int_equal(central_start(c), 0);
	run(w);
	printf("# %s: %s: %s\n", file, fetch_outcome_name(w->last), w->message);
	return c;
}

static void saved_sha(char out[65])
{
	char path[600];
	uint8_t *buf;
	size_t len;
	snprintf(path, sizeof(path), "%s/bundle", state);
	assert_int_equal(atomicfile_read(path, 64u << 20, &buf, &len), 0);
	fetch_sha256_hex(buf, len, out);
	free(buf);
}

#define NEED_LIVE() do { if (base_url == NULL) { skip(); } } while (0)

static void test_offline_refusals(void **s)
{
	(void)s;
	struct event_base *b = event_base_new();
	struct fetch_engine *e = fetch_engine_new(b);
	struct central_conf c = { .poll_interval = 60 };
	char err[512];
	snprintf(c.url, sizeof(c.url), "https://192.0.2.1/bundle");
	assert_null(central_new(e, &c, apply, NULL, err, sizeof(err)));
	assert_string_equal(err, "central: no trusted keys configured");
	uint8_t pub[32] = { 1 };
	bundle_keyring_add(&c.keys, "k", pub);
	snprintf(c.url, sizeof(c.url), "http://192.0.2.1/bundle");
	assert_null(central_new(e, &c, apply, NULL, err, sizeof(err)));
	assert_string_equal(err, "central: url 'http://192.0.2.1/bundle' is not https://");
	snprintf(c.url, sizeof(c.url), "https://192.0.2.1/bundle");
	c.poll_interval = 1;
	assert_null(central_new(e, &c, apply, NULL, err, sizeof(err)));
	c.poll_interval = 60;
	c.max_size = FETCH_MAX_SIZE_LIMIT + 1;
	assert_null(central_new(e, &c, apply, NULL, err, sizeof(err)));
	c.max_size = 0;
	struct central *ce = central_new(e, &c, apply, NULL, err, sizeof(err));
	assert_non_null(ce);
	central_free(ce);
	fetch_engine_free(e);
	event_base_free(b);
}

static void test_good_bundle_applied_and_saved(void **s)
{
	(void)s;
	NEED_LIVE();
	struct wait w;
	struct central *c = start("good.bundle", &w, ca, NULL, false);
	assert_int_equal(w.last, FETCH_NEW);
	assert_int_equal(applied_version, 2);
	assert_false(applied_from_disk);
	struct central_status st;
	central_status(c, &st);
	assert_true(st.running);
	assert_int_equal(st.version, 2);
	assert_string_equal(st.key_id, "central-a");
	assert_int_equal(st.high_water, 2);
	assert_int_equal(st.fetch.http_code, 200);
	assert_true(st.fetch.etag[0] != '\0');
	central_free(c);
}

static void test_second_poll_not_modified(void **s)
{
	(void)s;
	NEED_LIVE();
	struct wait w;
	struct central *c = start("good.bundle", &w, ca, NULL, false);
	/* the saved copy went in before the poll, the poll itself was a 304 */
	assert_int_equal(applied_version, 2);
	assert_true(applied_from_disk);
	assert_int_equal(w.last, FETCH_UNCHANGED);
	struct central_status st;
	central_status(c, &st);
	assert_int_equal(st.fetch.http_code, 304);
	assert_true(st.from_disk);
	/* and again, without a restart */
	w.want = 2;
	assert_int_equal(central_poll_now(c), 0);
	run(&w);
	central_status(c, &st);
	assert_int_equal(st.fetch.http_code, 304);
	central_free(c);
}

/* Each refusal: the appliance restarts on its saved v2, polls the bad
 * file, says why, and still runs v2 with the saved copy untouched. */
static void refused(const char *file, enum fetch_outcome outcome, const char *why, const char *ca_file,
		    const char *pinned)
{
	char before[65], after[65];
	struct wait w;
	struct central_status st;
	saved_sha(before);
	struct central *c = start(file, &w, ca_file, pinned, false);
	if (w.last != outcome || strstr(w.message, why) == NULL)
		fail_msg("%s: %s '%s', expected %s '%s'", file, fetch_outcome_name(w.last), w.message,
			 fetch_outcome_name(outcome), why);
	central_status(c, &st);
	assert_true(st.running);
	assert_int_equal(st.version, 2);
	saved_sha(after);
	assert_string_equal(before, after);
	central_free(c);
}

static void test_tampered_refused(void **s)
{
	(void)s;
	NEED_LIVE();
	refused("tampered.bundle", FETCH_REFUSED, "signature: does not verify with key 'central-a'", ca, NULL);
}

static void test_wrong_key_refused(void **s)
{
	(void)s;
	NEED_LIVE();
	refused("wrongkey.bundle", FETCH_REFUSED, "signature: does not verify with key 'central-a'", ca, NULL);
	refused("unknownkey.bundle", FETCH_REFUSED, "key: signed with key 'central-c', which is not configured", ca, NULL);
}

static void test_rollback_refused(void **s)
{
	(void)s;
	NEED_LIVE();
	refused("rollback.bundle", FETCH_REFUSED, "version: 1 is not greater than 2", ca, NULL);
}

static void test_expired_refused(void **s)
{
	(void)s;
	NEED_LIVE();
	refused("expired.bundle", FETCH_REFUSED, "expiry: version 5 expired at", ca, NULL);
}

static void test_truncated_refused(void **s)
{
	(void)s;
	NEED_LIVE();
	refused("truncated.bundle", FETCH_REFUSED, "envelope: truncated: the header announces", ca, NULL);
}

static void test_oversized_refused(void **s)
{
	(void)s;
	NEED_LIVE();
	char why[128];
	snprintf(why, sizeof(why), "oversized: more than %zu bytes", max_size);
	refused("oversized.bundle", FETCH_FAILED, why, ca, NULL);
	refused("missing.bundle", FETCH_FAILED, "HTTP 404", ca, NULL);
}

static void test_tls_checks(void **s)
{
	(void)s;
	NEED_LIVE();
	/* a server this CA did not sign */
	refused("good.bundle", FETCH_FAILED, "SSL certificate problem", other_ca, NULL);
	/* pinned to another key */
	refused("good.bundle", FETCH_FAILED, "pinned public key",
		ca, "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	/* pinned to the server's key: fine (and a 304) */
	refused("good.bundle", FETCH_UNCHANGED, "not modified", ca, pin);
}

static void test_key_rotation(void **s)
{
	(void)s;
	NEED_LIVE();
	struct wait w;
	/* before the appliance trusts key b, the rotated bundle is refused */
	struct central *c = start("rotated.bundle", &w, ca, NULL, false);
	assert_int_equal(w.last, FETCH_REFUSED);
	assert_non_null(strstr(w.message, "key: signed with key 'central-b'"));
	central_free(c);
	c = start("rotated.bundle", &w, ca, NULL, true);
	assert_int_equal(w.last, FETCH_NEW);
	struct central_status st;
	central_status(c, &st);
	assert_int_equal(st.version, 3);
	assert_string_equal(st.key_id, "central-b");
	central_free(c);
}

static void test_rollback_refused_after_losing_the_saved_copy(void **s)
{
	(void)s;
	NEED_LIVE();
	char path[600];
	struct wait w;
	snprintf(path, sizeof(path), "%s/bundle", state);
	assert_int_equal(unlink(path), 0);
	/* v3 was accepted once: v2 is a rollback even with nothing on disk */
	struct central *c = start("good.bundle", &w, ca, NULL, true);
	assert_int_equal(w.last, FETCH_REFUSED);
	assert_non_null(strstr(w.message, "version: 2 is not greater than 3"));
	assert_null(central_current(c));
	central_free(c);
}

/* ---- feeds and sharing ---- */

static const struct tf_merged *merged;
static int feeds_apply(void *ctx, const struct tf_merged *m)
{
	(void)ctx;
	merged = m;
	return 0;
}

static bool merged_has(const char *prefix, const char *feed, const char *label)
{
	struct tf_hit_info hi;
	for (uint32_t id = 1; merged && id <= merged->n; id++) {
		threatfeed_merged_describe(merged, id, &hi);
		if (strcmp(hi.prefix, prefix) == 0)
			return strcmp(hi.feed, feed) == 0 && (label == NULL || strcmp(hi.label, label) == 0);
	}
	return false;
}

static void share_key(uint8_t seed[32], struct bundle_keyring *kr)
{
	char path[600], err[BUNDLE_ERR_MAX];
	uint8_t *text, pub[32];
	size_t len;
	snprintf(path, sizeof(path), "%s/keys/share.key", dir);
	assert_int_equal(atomicfile_read(path, 4096, &text, &len), 0);
	assert_int_equal(bundle_key_parse_private((char *)text, len, seed, err, sizeof(err)), 0);
	free(text);
	bundle_public_from_seed(seed, pub);
	memset(kr, 0, sizeof(*kr));
	bundle_keyring_add(kr, "township-a", pub);
}

static void test_feeds_and_share_merged(void **s)
{
	(void)s;
	NEED_LIVE();
	char err[512], id[SHARE_ID_MAX];
	int64_t now = (int64_t)time(NULL);

	/* appliance A: an administrator shares a block */
	struct share_conf sc = { .appliance = "township-a", .key_id = "township-a" };
	struct bundle_keyring share_keys;
	share_key(sc.seed, &share_keys);
	snprintf(sc.state_path, sizeof(sc.state_path), "%s/share.json", state);
	snprintf(sc.spool_path, sizeof(sc.spool_path), "%s/share/township-a.stix", www);
	char spool_dir[600];
	snprintf(spool_dir, sizeof(spool_dir), "%s/share", www);
	assert_int_equal(atomicfile_mkdir(spool_dir, 0755), 0);
	struct share *sh = share_open(&sc, now, err, sizeof(err));
	if (sh == NULL)
		fail_msg("%s", err);
	assert_int_equal(share_publish(sh, "192.0.2.77", "brute force on the VPN", 3600, "admin", now, id, err, sizeof(err)), 0);

	/* appliance B subscribes to the regional feeds and A's share */
	struct feeds_conf fc = { .nfeeds = 3 };
	snprintf(fc.state_dir, sizeof(fc.state_dir), "%s", state);
	const char *names[] = { "regional", "soc", "township-a" }, *files[] = { "feed.txt", "feed.stix.json", "share/township-a.stix" };
	for (int i = 0; i < 3; i++) {
		struct feed_conf *f = &fc.feeds[i];
		snprintf(f->name, sizeof(f->name), "%s", names[i]);
		snprintf(f->url, sizeof(f->url), "%s/%s", base_url, files[i]);
		snprintf(f->tls.ca_file, sizeof(f->tls.ca_file), "%s", ca);
		f->format = i == 0 ? THREATFEED_PLAIN : THREATFEED_STIX;
		f->poll_interval = 3600;
		f->timeout = 10;
	}
	fc.feeds[2].keys = share_keys;
	struct feeds *fe = feeds_new(engine, &fc, feeds_apply, NULL, err, sizeof(err));
	if (fe == NULL)
		fail_msg("%s", err);
	struct wait w = { .want = 3 };
	feeds_set_done(fe, on_done, &w);
	struct tf_list *central_list = threatfeed_list_new("central");
	struct tf_prefix p;
	threatfeed_parse_prefix("203.0.113.0/24", 14, &p, NULL, 0);
	threatfeed_list_add(central_list, &p, "", "from the bundle", 1, 0);
	feeds_set_static(fe, "central", central_list);
	threatfeed_list_unref(central_list);
	merged = NULL;
	assert_int_equal(feeds_start(fe), 0);
	run(&w);
	/* the merge follows the last arrival after FEEDS_MERGE_DELAY_MS */
	const struct tf_merged *first = merged;
	for (int i = 0; i < 40 && merged == first; i++) {
		struct timeval tv = { 0, 100000 };
		event_base_loopexit(base, &tv);
		event_base_loop(base, 0);
	}
	assert_non_null(merged);
	for (unsigned i = 0; i < feeds_count(fe); i++) {
		struct feed_status st;
		feeds_status(fe, i, &st);
		printf("# feed %s: %s (HTTP %ld) %s\n", st.name, st.summary, st.fetch.http_code, st.fetch.last_error);
	}
	printf("# merged: %zu prefixes, %zu duplicates\n", merged->n, merged->duplicates);
	assert_true(merged_has("198.51.100.23/32", "regional", "scanner"));
	assert_true(merged_has("2001:db8:bad::/48", "soc", "C2 network"));
	assert_true(merged_has("192.0.2.77/32", "township-a", "brute force on the VPN"));
	assert_true(merged_has("203.0.113.0/24", "regional", NULL));   /* the first feed keeps a duplicate */
	assert_false(merged_has("198.51.100.99/32", "soc", NULL));    /* expired in the STIX feed */
	assert_false(merged_has("192.0.2.66/32", "soc", NULL));       /* revoked */
	/* every feed again: all 304 */
	w.got = 0;
	w.want = 3;
	feeds_poll_now(fe);
	run(&w);
	for (unsigned i = 0; i < feeds_count(fe); i++) {
		struct feed_status st;
		feeds_status(fe, i, &st);
		assert_int_equal(st.fetch.http_code, 304);
	}
	feeds_free(fe);

	/* a share signed with another key is refused, and A's own list is ready */
	struct tf_list *mine = share_list(sh, now);
	assert_int_equal(mine->nprefixes, 1);
	threatfeed_list_unref(mine);
	share_close(sh);
	fc.nfeeds = 1;
	fc.feeds[0] = fc.feeds[2];
	uint8_t pub[32] = { 9 };
	memset(&fc.feeds[0].keys, 0, sizeof(fc.feeds[0].keys));
	bundle_keyring_add(&fc.feeds[0].keys, "township-a", pub);
	snprintf(fc.feeds[0].name, sizeof(fc.feeds[0].name), "township-a-bad-key");
	fe = feeds_new(engine, &fc, feeds_apply, NULL, err, sizeof(err));
	memset(&w, 0, sizeof(w));
	w.want = 1;
	feeds_set_done(fe, on_done, &w);
	feeds_start(fe);
	run(&w);
	printf("# share with a wrong key: %s\n", w.message);
	assert_int_equal(w.last, FETCH_REFUSED);
	assert_non_null(strstr(w.message, "signature: does not verify with key 'township-a'"));
	feeds_free(fe);
}

/* ---- heartbeat ---- */

struct beat {
	bool done;
	long code;
	char error[256];
};

static void on_post(void *arg, long code, const char *error)
{
	struct beat *b = arg;
	b->done = true;
	b->code = code;
	snprintf(b->error, sizeof(b->error), "%s", error ? error : "");
	event_base_loopbreak(base);
}

static void test_heartbeat_post(void **s)
{
	(void)s;
	NEED_LIVE();
	struct heartbeat_report r = { .appliance = "township-b", .now = (int64_t)time(NULL) };
	char *json = heartbeat_to_json(&r), url[1200];
	struct fetch_tls tls = { 0 };
	snprintf(tls.ca_file, sizeof(tls.ca_file), "%s", ca);
	snprintf(url, sizeof(url), "%s/heartbeat", base_url);
	struct beat b = { 0 };
	assert_non_null(fetch_post(engine, url, &tls, "application/json", json, strlen(json), 10, on_post, &b));
	for (int i = 0; i < 200 && !b.done; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_true(b.done);
	assert_int_equal(b.code, 204);
	assert_string_equal(b.error, "");
	/* a static file does not take POSTs: the failure is reported */
	snprintf(url, sizeof(url), "%s/good.bundle", base_url);
	memset(&b, 0, sizeof(b));
	assert_non_null(fetch_post(engine, url, &tls, "application/json", json, strlen(json), 10, on_post, &b));
	for (int i = 0; i < 200 && !b.done; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(b.code, 405);
	assert_string_equal(b.error, "HTTP 405");
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offline_refusals),
		cmocka_unit_test(test_good_bundle_applied_and_saved),
		cmocka_unit_test(test_second_poll_not_modified),
		cmocka_unit_test(test_tampered_refused),
		cmocka_unit_test(test_wrong_key_refused),
		cmocka_unit_test(test_rollback_refused),
		cmocka_unit_test(test_expired_refused),
		cmocka_unit_test(test_truncated_refused),
		cmocka_unit_test(test_oversized_refused),
		cmocka_unit_test(test_tls_checks),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_rollback_refused_after_losing_the_saved_copy),
		cmocka_unit_test(test_feeds_and_share_merged),
		cmocka_unit_test(test_heartbeat_post),
	};
	base_url = getenv("MENJIN_LIVE_URL");
	www = getenv("MENJIN_LIVE_WWW");
	dir = getenv("MENJIN_LIVE_DIR");
	if (base_url && (www == NULL || dir == NULL)) {
		fprintf(stderr, "MENJIN_LIVE_URL needs MENJIN_LIVE_WWW and MENJIN_LIVE_DIR\n");
		return 2;
	}
	max_size = getenv("MENJIN_LIVE_MAX") ? strtoul(getenv("MENJIN_LIVE_MAX"), NULL, 10) : 65536;
	if (dir) {
		snprintf(ca, sizeof(ca), "%s/keys/ca.pem", dir);
		snprintf(other_ca, sizeof(other_ca), "%s/keys/other-ca.pem", dir);
		snprintf(state, sizeof(state), "%s/state", dir);
		uint8_t *p;
		size_t len;
		char path[600];
		snprintf(path, sizeof(path), "%s/keys/pin", dir);
		if (atomicfile_read(path, 256, &p, &len) == 0) {
			snprintf(pin, sizeof(pin), "%.*s", (int)strcspn((char *)p, "\n"), (char *)p);
			free(p);
		}
	}
	base = event_base_new();
	engine = fetch_engine_new(base);
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	fetch_engine_free(engine);
	event_base_free(base);
	return rc;
}
