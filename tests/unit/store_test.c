/* store_test.c — the SQLite store: schema and migrations, devices, overrides,
 * logs, transactions, and survival of a kill -9 between two decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mac.h"
#include "store.h"

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[256];
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/store_test_XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/menjin.db", fx->dir);
	if (store_open(fx->path, &fx->s, err, sizeof(err)) < 0) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];
	store_close(fx->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static void device(struct store_device *d, const char *mac, uint8_t state, const char *host)
{
	memset(d, 0, sizeof(*d));
	assert_int_equal(mac_parse(mac, d->mac), 0);
	d->state = state;
	d->first_seen = d->last_seen = 1000;
	snprintf(d->hostname, sizeof(d->hostname), "%s", host);
}

static void test_schema(void **state)
{
	struct fixture *fx = *state;
	char err[256];
	struct store *again;

	assert_int_equal(store_schema_version(fx->s), STORE_SCHEMA_VERSION);
	/* reopening applies nothing */
	assert_int_equal(store_open(fx->path, &again, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(again), STORE_SCHEMA_VERSION);
	store_close(again);

	/* a store written by a newer menjind is refused, not damaged */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL), SQLITE_OK);
	/* WAL mode is persistent in the file */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(store_open(fx->path, &again, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "schema version 99 is newer"));
}

struct cbctx {
	unsigned n;
	char macs[4][MAC_STR_LEN];
};

static int collect(void *arg, const struct store_device *dev)
{
	struct cbctx *ctx = arg;
	if (ctx->n < 4)
		mac_format(dev->mac, ctx->macs[ctx->n]);
	ctx->n++;
	return 0;
}

static void test_devices(void **state)
{
	struct fixture *fx = *state;
	struct store_device d, got;

	device(&d, "00:11:22:33:44:01", VERDICT_QUARANTINE, "PC-001");
	d.ipv4 = 0x0a0a0101;
	snprintf(d.vendor_class, sizeof(d.vendor_class), "MSFT 5.0");
	snprintf(d.fingerprint, sizeof(d.fingerprint), "1,3,6,15");
	snprintf(d.rule, sizeof(d.rule), "default");
	snprintf(d.reason, sizeof(d.reason), "no policy rule matched");
	snprintf(d.groups, sizeof(d.groups), "Staff\nOffice-Finance");
	d.port = 1;
	d.vlan = 20;
	d.auth = AUTH_DOT1X;
	d.account = ACCOUNT_ENABLED;
	assert_int_equal(store_device_put(fx->s, &d), 0);
	device(&d, "00:11:22:33:44:02", VERDICT_ADMIT, "printer-2f");
	d.role_id = 20;
	snprintf(d.role, sizeof(d.role), "printers");
	d.expires = 5000;
	assert_int_equal(store_device_put(fx->s, &d), 0);
	device(&d, "00:11:22:33:44:03", VERDICT_ADMIT, "PC-003");
	d.role_id = 10;
	d.expires = 3000;
	assert_int_equal(store_device_put(fx->s, &d), 0);

	uint8_t mac[6];
	assert_int_equal(mac_parse("00-11-22-33-44-01", mac), 0);
	assert_int_equal(store_device_get(fx->s, mac, &got), 0);
	assert_int_equal(got.ipv4, 0x0a0a0101);
	assert_string_equal(got.hostname, "PC-001");
	assert_string_equal(got.vendor_class, "MSFT 5.0");
	assert_string_equal(got.fingerprint, "1,3,6,15");
	assert_string_equal(got.groups, "Staff\nOffice-Finance");
	assert_int_equal(got.state, VERDICT_QUARANTINE);
	assert_int_equal(got.vlan, 20);
	assert_int_equal(got.auth, AUTH_DOT1X);

	assert_int_equal(mac_parse("0011.2233.44ff", mac), 0);
	assert_int_equal(store_device_get(fx->s, mac, &got), -ENOENT);

	unsigned counts[4];
	assert_int_equal(store_device_counts(fx->s, counts), 0);
	assert_int_equal(counts[VERDICT_QUARANTINE], 1);
	assert_int_equal(counts[VERDICT_ADMIT], 2);

	struct cbctx ctx;
	struct store_filter f = { .state = VERDICT_ADMIT, .role_id = -1 };
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(store_device_foreach(fx->s, &f, collect, &ctx), 0);
	assert_int_equal(ctx.n, 2);
	assert_string_equal(ctx.macs[0], "00:11:22:33:44:02");   /* ordered by MAC */

	f = (struct store_filter){ .state = -1, .role_id = -1, .search = "pc-" };
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(store_device_foreach(fx->s, &f, collect, &ctx), 0);
	assert_int_equal(ctx.n, 2);

	f = (struct store_filter){ .state = -1, .role_id = 20 };
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(store_device_foreach(fx->s, &f, collect, &ctx), 0);
	assert_int_equal(ctx.n, 1);

	f = (struct store_filter){ .state = -1, .role_id = -1, .limit = 1 };
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(store_device_foreach(fx->s, &f, collect, &ctx), 0);
	assert_int_equal(ctx.n, 1);

	assert_int_equal(store_device_find_name(fx->s, "printer-2F", mac), 0);
	assert_int_equal(mac[5], 0x02);
	assert_int_equal(store_device_find_ip(fx->s, "10.10.1.1", mac), 0);
	assert_int_equal(mac[5], 0x01);
	assert_int_equal(store_device_find_ip(fx->s, "10.10.1.9", mac), -ENOENT);

	int64_t when;
	assert_int_equal(store_next_expiry(fx->s, &when), 0);
	assert_int_equal(when, 3000);
	uint8_t expired[4][6];
	unsigned n;
	assert_int_equal(store_expired(fx->s, 4000, expired, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(expired[0][5], 0x03);

	assert_int_equal(store_device_delete(fx->s, expired[0]), 0);
	assert_int_equal(store_device_get(fx->s, expired[0], &got), -ENOENT);
}

static int count_ip(void *ctx, const char *addr, const char *source, int64_t first, int64_t last)
{
	(void)addr;
	(void)source;
	(void)first;
	(void)last;
	(*(unsigned *)ctx)++;
	return 0;
}

static void test_ips_and_sessions(void **state)
{
	struct fixture *fx = *state;
	struct store_device d;
	device(&d, "00:11:22:33:44:05", VERDICT_UNKNOWN, "");
	assert_int_equal(store_device_put(fx->s, &d), 0);
	for (int i = 0; i < STORE_MAX_IPS + 4; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
		assert_int_equal(store_ip_seen(fx->s, d.mac, ip, "arp", 100 + i), 0);
	}
	unsigned n = 0;
	assert_int_equal(store_ip_foreach(fx->s, d.mac, count_ip, &n), 0);
	assert_int_equal(n, STORE_MAX_IPS);
	/* rewriting the device keeps its addresses */
	d.state = VERDICT_ADMIT;
	assert_int_equal(store_device_put(fx->s, &d), 0);
	n = 0;
	assert_int_equal(store_ip_foreach(fx->s, d.mac, count_ip, &n), 0);
	assert_int_equal(n, STORE_MAX_IPS);
	uint8_t mac[6];
	assert_int_equal(store_device_find_ip(fx->s, "10.0.0.12", mac), 0);
	assert_int_equal(store_device_find_ip(fx->s, "10.0.0.1", mac), -ENOENT);   /* trimmed */

	assert_int_equal(store_session_dhcp(fx->s, d.mac, "10.0.0.12", 200, 3600), 0);
	assert_int_equal(store_session_dhcp(fx->s, d.mac, "10.0.0.12", 300, 3600), 0);
	assert_int_equal(store_session_dhcp(fx->s, d.mac, "10.0.0.13", 400, 3600), 0);
}

static void test_overrides_and_posture(void **state)
{
	struct fixture *fx = *state;
	struct store_override o = { .state = VERDICT_ADMIT, .role_id = 10, .created = 10, .expires = 20,
				    .uid = 1001 };
	struct store_override got;
	assert_int_equal(mac_parse("00:11:22:33:44:06", o.mac), 0);
	snprintf(o.role, sizeof(o.role), "staff");
	snprintf(o.reason, sizeof(o.reason), "ticket 4711");
	snprintf(o.user, sizeof(o.user), "alice");
	assert_int_equal(store_override_get(fx->s, o.mac, &got), -ENOENT);
	assert_int_equal(store_override_put(fx->s, &o), 0);
	assert_int_equal(store_override_get(fx->s, o.mac, &got), 0);
	assert_int_equal(got.state, VERDICT_ADMIT);
	assert_int_equal(got.role_id, 10);
	assert_string_equal(got.reason, "ticket 4711");
	assert_string_equal(got.user, "alice");
	assert_int_equal(got.uid, 1001);
	assert_int_equal(got.expires, 20);
	assert_int_equal(store_override_delete(fx->s, o.mac), 0);
	assert_int_equal(store_override_get(fx->s, o.mac, &got), -ENOENT);

	/* By who made them: a central bundle's, not the administrator's. */
	static const char *const who[] = { "central", "alice", "central" };
	for (unsigned i = 0; i < 3; i++) {
		o.mac[5] = (uint8_t)(0x30 - i);
		snprintf(o.user, sizeof(o.user), "%s", who[i]);
		assert_int_equal(store_override_put(fx->s, &o), 0);
	}
	uint8_t (*macs)[6];
	size_t n;
	assert_int_equal(store_override_macs_by_user(fx->s, "central", &macs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(macs[0][5], 0x2e);     /* in MAC order */
	assert_int_equal(macs[1][5], 0x30);
	free(macs);
	assert_int_equal(store_override_macs_by_user(fx->s, "nobody", &macs, &n), 0);
	assert_int_equal(n, 0);
	free(macs);
	for (unsigned i = 0; i < 3; i++) {
		o.mac[5] = (uint8_t)(0x30 - i);
		assert_int_equal(store_override_delete(fx->s, o.mac), 0);
	}

	struct store_posture p = { .status = POSTURE_NONCOMPLIANT, .scanned = 1234, .nfailed = 2 };
	struct store_posture pg;
	memcpy(p.mac, o.mac, 6);
	snprintf(p.failed[0], sizeof(p.failed[0]), "TWGCB-01-008-0003");
	snprintf(p.failed[1], sizeof(p.failed[1]), "TWGCB-01-001-0001");
	snprintf(p.source, sizeof(p.source), "oscap");
	assert_int_equal(store_posture_put(fx->s, &p), 0);
	assert_int_equal(store_posture_get(fx->s, p.mac, &pg), 0);
	assert_int_equal(pg.status, POSTURE_NONCOMPLIANT);
	assert_int_equal(pg.nfailed, 2);
	assert_string_equal(pg.failed[1], "TWGCB-01-001-0001");
	assert_string_equal(pg.source, "oscap");
}

struct evctx {
	unsigned n;
	int64_t last;
	char kind[32];
};

static int count_event(void *arg, int64_t id, int64_t ts_ms, const char *kind, const char *mac,
		       const char *json)
{
	struct evctx *ctx = arg;
	(void)ts_ms;
	(void)mac;
	(void)json;
	ctx->n++;
	ctx->last = id;
	snprintf(ctx->kind, sizeof(ctx->kind), "%s", kind);
	return 0;
}

static int collect_override(void *ctx, const struct store_posture_override *o)
{
	char (*seen)[MAC_STR_LEN] = ctx;
	for (int i = 0; i < 4; i++) {
		if (seen[i][0] == '\0') {
			mac_format(o->mac, seen[i]);
			return 0;
		}
	}
	return -1;
}

static void test_posture_overrides(void **state)
{
	struct fixture *fx = *state;
	struct store_posture_override o, got;
	memset(&o, 0, sizeof(o));
	assert_int_equal(mac_parse("02:00:0a:0a:01:0b", o.mac), 0);
	assert_int_equal(store_posture_override_get(fx->s, o.mac, &got), -ENOENT);
	assert_int_equal(store_posture_override_delete(fx->s, o.mac), -ENOENT);
	int64_t when = -1;
	assert_int_equal(store_posture_override_next_expiry(fx->s, &when), 0);
	assert_int_equal(when, 0);

	snprintf(o.waived, sizeof(o.waived), "TWGCB-01-008-0003\nTWGCB-01-008-0004");
	o.created = 1000;
	o.expires = 5000;
	o.uid = 1001;
	snprintf(o.user, sizeof(o.user), "chen");
	snprintf(o.reason, sizeof(o.reason), "exception 2026-031");
	assert_int_equal(store_posture_override_put(fx->s, &o), 0);
	assert_int_equal(store_posture_override_get(fx->s, o.mac, &got), 0);
	assert_false(got.force);
	assert_string_equal(got.waived, o.waived);
	assert_int_equal(got.expires, 5000);
	assert_int_equal(got.uid, 1001);
	assert_string_equal(got.user, "chen");
	assert_string_equal(got.reason, "exception 2026-031");

	/* a second device, forced, never ending; the first replaced */
	struct store_posture_override p = o;
	assert_int_equal(mac_parse("02:00:0a:0a:01:0c", p.mac), 0);
	p.force = true;
	p.status = 1;
	p.waived[0] = '\0';
	p.expires = 0;
	assert_int_equal(store_posture_override_put(fx->s, &p), 0);
	o.expires = 3000;
	assert_int_equal(store_posture_override_put(fx->s, &o), 0);
	assert_int_equal(store_posture_override_get(fx->s, p.mac, &got), 0);
	assert_true(got.force);
	assert_int_equal(got.status, 1);
	assert_int_equal(store_posture_override_next_expiry(fx->s, &when), 0);
	assert_int_equal(when, 3000);

	char seen[4][MAC_STR_LEN];
	memset(seen, 0, sizeof(seen));
	assert_int_equal(store_posture_override_foreach(fx->s, 0, collect_override, seen), 0);
	assert_string_equal(seen[0], "02:00:0a:0a:01:0b");
	assert_string_equal(seen[1], "02:00:0a:0a:01:0c");
	memset(seen, 0, sizeof(seen));
	assert_int_equal(store_posture_override_foreach(fx->s, 2999, collect_override, seen), 0);
	assert_string_equal(seen[0], "");
	assert_int_equal(store_posture_override_foreach(fx->s, 3000, collect_override, seen), 0);
	assert_string_equal(seen[0], "02:00:0a:0a:01:0b");   /* expired; the permanent one never */
	assert_string_equal(seen[1], "");

	assert_int_equal(store_posture_override_delete(fx->s, o.mac), 0);
	assert_int_equal(store_posture_override_get(fx->s, o.mac, &got), -ENOENT);
	assert_int_equal(store_posture_override_next_expiry(fx->s, &when), 0);
	assert_int_equal(when, 0);
}

static void test_events_and_audit(void **state)
{
	struct fixture *fx = *state;
	int64_t id = 0, last;
	for (int i = 0; i < 50; i++)
		assert_int_equal(store_event_add(fx->s, 1000 + i, i % 2 ? "verdict" : "device.new",
						 "00:11:22:33:44:07", "{}", &id), 0);
	assert_int_equal(id, 50);
	assert_int_equal(store_event_last_id(fx->s, &last), 0);
	assert_int_equal(last, 50);

	struct evctx ctx = { 0 };
	assert_int_equal(store_event_foreach(fx->s, 45, 0, count_event, &ctx), 0);
	assert_int_equal(ctx.n, 5);
	assert_int_equal(ctx.last, 50);
	assert_string_equal(ctx.kind, "verdict");
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(store_event_foreach(fx->s, 0, 10, count_event, &ctx), 0);
	assert_int_equal(ctx.n, 10);

	assert_int_equal(store_prune_events(fx->s, 20), 0);
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(store_event_foreach(fx->s, 0, 100, count_event, &ctx), 0);
	assert_int_equal(ctx.n, 20);

	assert_int_equal(store_audit_add(fx->s, 1, 0, "root", "device.override", "{\"mac\":\"x\"}", "ok"), 0);
}

static void test_meta_and_config_versions(void **state)
{
	struct fixture *fx = *state;
	uint64_t gen;
	bool recorded;
	char digest[80];

	assert_int_equal(store_meta_get_u64(fx->s, "generation", &gen), -ENOENT);
	assert_int_equal(store_meta_set_u64(fx->s, "generation", 18446744073709551615ull), 0);
	assert_int_equal(store_meta_get_u64(fx->s, "generation", &gen), 0);
	assert_true(gen == 18446744073709551615ull);

	assert_int_equal(store_config_version(fx->s, "aaa", "/etc/menjin.conf", "x", 1, 10, &recorded), 0);
	assert_true(recorded);
	assert_int_equal(store_config_version(fx->s, "aaa", "/etc/menjin.conf", "x", 1, 11, &recorded), 0);
	assert_false(recorded);
	assert_int_equal(store_config_version(fx->s, "bbb", "/etc/menjin.conf", "y", 2, 12, &recorded), 0);
	assert_true(recorded);

	assert_int_equal(store_config_last_digest(fx->s, digest, sizeof(digest)), 0);
	assert_string_equal(digest, "");
	assert_int_equal(store_config_set_digest(fx->s, "abc"), 0);
	assert_int_equal(store_config_last_digest(fx->s, digest, sizeof(digest)), 0);
	assert_string_equal(digest, "abc");
}

static void test_transactions(void **state)
{
	struct fixture *fx = *state;
	struct store_device d, got;
	int64_t id;

	device(&d, "00:11:22:33:44:08", VERDICT_ADMIT, "rolled-back");
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_device_put(fx->s, &d), 0);
	assert_int_equal(store_event_add(fx->s, 1, "verdict", "00:11:22:33:44:08", "{}", &id), 0);
	store_rollback(fx->s);
	assert_int_equal(store_device_get(fx->s, d.mac, &got), -ENOENT);

	/* nested: an inner failure rolls the whole decision back */
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_device_put(fx->s, &d), 0);
	assert_int_equal(store_begin(fx->s), 0);
	store_rollback(fx->s);
	assert_int_equal(store_commit(fx->s), -EIO);
	assert_int_equal(store_device_get(fx->s, d.mac, &got), -ENOENT);

	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_begin(fx->s), 0);
	assert_int_equal(store_device_put(fx->s, &d), 0);
	assert_int_equal(store_commit(fx->s), 0);
	assert_int_equal(store_commit(fx->s), 0);
	assert_int_equal(store_device_get(fx->s, d.mac, &got), 0);
	assert_int_equal(store_commit(fx->s), -EINVAL);
}

/* A child commits one verdict, starts a second decision and is killed with
 * SIGKILL in the middle of it: the first survives whole, the second leaves
 * no trace. */
static void test_survives_kill9(void **state)
{
	struct fixture *fx = *state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *s;
		struct store_device d;
		char err[256];
		if (store_open(fx->path, &s, err, sizeof(err)) < 0)
			_exit(2);
		device(&d, "00:11:22:33:44:09", VERDICT_ADMIT, "committed");
		d.role_id = 10;
		store_begin(s);
		store_device_put(s, &d);
		store_event_add(s, 1, "verdict", "00:11:22:33:44:09", "{}", NULL);
		if (store_commit(s) < 0)
			_exit(3);
		device(&d, "00:11:22:33:44:0a", VERDICT_ADMIT, "in flight");
		store_begin(s);
		store_device_put(s, &d);
		raise(SIGKILL);
		_exit(4);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	struct store *s;
	struct store_device got;
	char err[256];
	uint8_t mac[6];
	assert_int_equal(store_open(fx->path, &s, err, sizeof(err)), 0);
	assert_int_equal(mac_parse("00:11:22:33:44:09", mac), 0);
	assert_int_equal(store_device_get(s, mac, &got), 0);
	assert_int_equal(got.state, VERDICT_ADMIT);
	assert_int_equal(got.role_id, 10);
	assert_int_equal(mac_parse("00:11:22:33:44:0a", mac), 0);
	assert_int_equal(store_device_get(s, mac, &got), -ENOENT);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ips_and_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrides_and_posture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_posture_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_and_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_and_config_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survives_kill9, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
