/* config_versions_test.c — configuration versions: the commit confirmed
 * deadline decision (also after a restart), "line N" refusals, the history
 * rows a commit, a missed confirm and its rollback leave in the store, the
 * audit record's source, and the names of capture files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apicmd_capture.h"
#include "daemon_config.h"
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
	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/config_versions_test_XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/menjin.db", fx->dir);
	if (store_open(fx->path, &fx->s, err, sizeof(err)) < 0) {
		fprintf(stderr, "store_open: %s\n", err);
		rmdir(fx->dir);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char p[128];
	store_close(fx->s);
	const char *files[] = { "menjin.db", "menjin.db-wal", "menjin.db-shm" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", fx->dir, files[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A commit confirmed at 1000 for 5 minutes: wait, then roll back; a
 * menjind started again after the deadline rolls back at once, one
 * started before it waits for the remainder only. */
static void test_deadline(void **state)
{
	int64_t wait_s = -1;
	(void)state;
	assert_int_equal(daemon_config_decide(1000, 0, &wait_s), DAEMON_CONFIG_NOTHING);
	assert_int_equal(wait_s, 0);
	assert_int_equal(daemon_config_decide(1000, 1300, &wait_s), DAEMON_CONFIG_WAIT);
	assert_int_equal(wait_s, 300);
	/* restarted 200 s later: 100 s are left, not another 300 */
	assert_int_equal(daemon_config_decide(1200, 1300, &wait_s), DAEMON_CONFIG_WAIT);
	assert_int_equal(wait_s, 100);
	assert_int_equal(daemon_config_decide(1300, 1300, &wait_s), DAEMON_CONFIG_ROLL_BACK);
	assert_int_equal(daemon_config_decide(99999, 1300, &wait_s), DAEMON_CONFIG_ROLL_BACK);
	assert_int_equal(wait_s, 0);
}

static void test_line_error(void **state)
{
	char out[256];
	(void)state;
	daemon_config_line_error("/etc/menjin/menjin.conf", "/etc/menjin/menjin.conf:12: roles: 'x' is not a role",
				 out, sizeof(out));
	assert_string_equal(out, "line 12: roles: 'x' is not a role");
	/* another file (@include) keeps its name; other messages stay */
	daemon_config_line_error("/etc/menjin/menjin.conf", "/etc/menjin/roles.conf:3: syntax error", out, sizeof(out));
	assert_string_equal(out, "/etc/menjin/roles.conf:3: syntax error");
	daemon_config_line_error("/etc/m.conf", "/etc/m.conf: larger than 1 MiB", out, sizeof(out));
	assert_string_equal(out, "/etc/m.conf: larger than 1 MiB");
	daemon_config_line_error("/etc/m.conf", "line 4: policy: no such role", out, sizeof(out));
	assert_string_equal(out, "line 4: policy: no such role");
}

static void test_sha256(void **state)
{
	char sha[65];
	(void)state;
	daemon_config_sha256("abc", sha);
	assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

struct rows {
	int64_t id[8];
	char    state[8][16];
	char    origin[8][16];
	unsigned n;
};

static int collect(void *ctx, const struct store_config_row *v)
{
	struct rows *r = ctx;
	if (r->n < 8) {
		r->id[r->n] = v->id;
		snprintf(r->state[r->n], sizeof(r->state[0]), "%s", v->state);
		snprintf(r->origin[r->n], sizeof(r->origin[0]), "%s", v->origin);
		r->n++;
	}
	return 0;
}

/* The file, a commit confirmed that is not confirmed, the rollback to the
 * file's text, another commit confirmed: what history and rollback see. */
static void test_history(void **state)
{
	struct fixture *fx = *state;
	struct store_config_row v, p;
	int64_t v1, v2, v3, v4, id;
	bool rec;
	const struct store_config_author file = { "", -1, "file", "", 0 };
	const struct store_config_author chen = { "chen", 1001, "cli", "more staff ports", 5000 };
	const struct store_config_author back = { "menjind", -1, "rollback", "version 2 was not confirmed", 0 };

	assert_int_equal(store_config_pending(fx->s, &p), -ENOENT);
	assert_int_equal(store_config_record(fx->s, "aaa", "/etc/m.conf", "text 1", 1, 100, &file, &v1, &rec), 0);
	assert_true(rec);
	/* the same text again (a reload of an unchanged file) records nothing */
	assert_int_equal(store_config_record(fx->s, "aaa", "/etc/m.conf", "text 1", 1, 101, &file, &id, &rec), 0);
	assert_false(rec);
	assert_int_equal(id, v1);

	assert_int_equal(store_config_record(fx->s, "bbb", "/etc/m.conf", "text 2", 2, 200, &chen, &v2, &rec), 0);
	assert_true(rec);
	assert_true(v2 > v1);
	assert_int_equal(store_config_pending(fx->s, &p), 0);
	assert_int_equal(p.id, v2);
	assert_int_equal(p.confirm_by, 5000);
	assert_string_equal(p.user, "chen");
	assert_int_equal(p.uid, 1001);
	assert_string_equal(p.comment, "more staff ports");
	assert_null(p.text);

	/* the rollback goes to version 1's text */
	assert_int_equal(store_config_previous(fx->s, v2, &v), 0);
	assert_int_equal(v.id, v1);
	assert_string_equal(v.text, "text 1");
	free(v.text);
	assert_int_equal(store_config_record(fx->s, "aaa", "/etc/m.conf", "text 1", 3, 300, &back, &v3, &rec), 0);
	assert_true(rec);
	assert_int_equal(store_config_set_state(fx->s, v2, STORE_CONFIG_STATE_ROLLED_BACK), 0);
	assert_int_equal(store_config_pending(fx->s, &p), -ENOENT);
	assert_int_equal(store_config_set_state(fx->s, 999, STORE_CONFIG_STATE_CONFIRMED), -ENOENT);

	/* rollback N: N versions before the newest, with the text */
	assert_int_equal(store_config_get(fx->s, 0, true, &v), 0);
	assert_int_equal(v.id, v3);
	assert_string_equal(v.text, "text 1");
	free(v.text);
	assert_int_equal(store_config_get(fx->s, 1, true, &v), 0);
	assert_int_equal(v.id, v2);
	assert_string_equal(v.text, "text 2");
	assert_string_equal(v.state, STORE_CONFIG_STATE_ROLLED_BACK);
	free(v.text);
	assert_int_equal(store_config_get(fx->s, 3, false, &v), -ENOENT);

	/* a new commit confirmed goes back to version 3, never to the rolled back 2 */
	assert_int_equal(store_config_record(fx->s, "ccc", "/etc/m.conf", "text 4", 4, 400, &chen, &v4, &rec), 0);
	assert_int_equal(store_config_previous(fx->s, v4, &v), 0);
	assert_int_equal(v.id, v3);
	free(v.text);
	assert_int_equal(store_config_previous(fx->s, v1, &v), -ENOENT);

	struct rows r = { .n = 0 };
	assert_int_equal(store_config_foreach(fx->s, 0, collect, &r), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.id[0], v4);
	assert_string_equal(r.state[0], "pending");
	assert_string_equal(r.origin[0], "cli");
	assert_int_equal(r.id[1], v3);
	assert_string_equal(r.state[1], "confirmed");
	assert_string_equal(r.origin[1], "rollback");
	assert_string_equal(r.state[2], "rolled back");
	assert_int_equal(r.id[3], v1);
	assert_string_equal(r.origin[3], "file");
	r.n = 0;
	assert_int_equal(store_config_foreach(fx->s, 2, collect, &r), 0);
	assert_int_equal(r.n, 2);
}

static void test_audit_source(void **state)
{
	struct fixture *fx = *state;
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(store_audit_add_source(fx->s, 5, 1001, "chen", "192.0.2.7", "cli",
						"{\"line\":\"show devices\"}", "ok"), 0);
	assert_int_equal(store_audit_add(fx->s, 6, 0, "root", "config.reload", "{}", "ok"), 0);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT user, source, cmd FROM audit ORDER BY id", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "chen");
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "192.0.2.7");
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "cli");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_capture_name(void **state)
{
	char name[APICMD_CAPTURE_NAME_MAX];
	(void)state;
	apicmd_capture_name("lan0", 1795608000123LL, name);
	assert_string_equal(name, "lan0-20261125T120000-123.pcap");
	apicmd_capture_name("../a b", 1795608000007LL, name);
	assert_string_equal(name, "___a_b-20261125T120000-007.pcap");
	apicmd_capture_name("", 1795608000000LL, name);
	assert_string_equal(name, "port-20261125T120000-000.pcap");
	apicmd_capture_name("a-port-name-that-is-much-longer-than-anyone-would-give-it", 1795608000000LL, name);
	assert_true(strlen(name) < APICMD_CAPTURE_NAME_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_line_error),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_source, setup, teardown),
		cmocka_unit_test(test_capture_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
