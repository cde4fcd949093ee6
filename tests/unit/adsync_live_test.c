/* adsync_live_test.c — the AD sync engine on a real event loop.
 *
 * Without AD_LIVE_CONF: cmocka cases that need no directory: a DC that
 * does not answer leaves the restored data in force with the error visible
 * and a retry scheduled; failover tries every DC; a group-readable password
 * file is refused.
 *
 * With AD_LIVE_CONF (a file with an ad {} group) it is the driver of
 * tests/lab/ad_samba_test.sh and tests/bench/ad_sync_bench.sh:
 *   adsync_live_test sync [full]   restore from AD_LIVE_DB (if set), run one
 *                                  sync, save, print status and snapshot
 *   adsync_live_test dump          print what AD_LIVE_DB holds
 *   adsync_live_test bind DOT1X FQDN HOSTNAME   identity binding ("-": none)
 * Exit 0 when the sync succeeded, 2 when it failed (the output still shows
 * the data in force), 1 on other errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <syslog.h>
#include <event2/event.h>
#include <jansson.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "adfake.h"
#include "adstore.h"
#include "adsync.h"
#include "identity.h"
#include "log.h"

#define LIVE_WAIT_SECONDS 600     /* one sync of a large directory, at most */

struct run {
	unsigned applied;
	const struct ad_snapshot *last;
};

static void on_applied(void *ctx, const struct ad_snapshot *snap)
{
	struct run *r = ctx;
	r->applied++;
	r->last = snap;
}

/* Run the loop until the first sync attempt has finished. */
static int wait_sync(struct event_base *base, struct adsync *a, int seconds)
{
	struct adsync_status st;
	struct timeval slice = { .tv_sec = 0, .tv_usec = 20000 };
	time_t end = time(NULL) + seconds;
	while (time(NULL) < end) {
		event_base_loopexit(base, &slice);
		event_base_dispatch(base);
		adsync_get_status(a, &st);
		if (st.last_attempt && !st.running && (st.last_success >= st.last_attempt || st.failures))
			return 0;
	}
	return -ETIMEDOUT;
}

/* ---- cases without a directory ------------------------------------------ */

struct fx {
	char dir[64], db[96], pass[96], ca[96];
	struct adsync_conf conf;
	struct event_base *base;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/adsync_live_XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/menjin.db", f->dir);
	snprintf(f->pass, sizeof(f->pass), "%s/ad.pass", f->dir);
	snprintf(f->ca, sizeof(f->ca), "%s/ca.pem", f->dir);
	FILE *fp = fopen(f->pass, "w");
	fputs("secret\n", fp);
	fclose(fp);
	chmod(f->pass, 0600);
	fp = fopen(f->ca, "w");
	fclose(fp);
	adsync_conf_defaults(&f->conf);
	f->conf.enabled = true;
	f->conf.nuris = 1;
	/* Port 1 on loopback: refused at once, no DC there. */
	snprintf(f->conf.uris[0], AD_URI_MAX, "ldaps://127.0.0.1:1");
	snprintf(f->conf.bind_dn, sizeof(f->conf.bind_dn), "svc-menjin@menjin.test");
	snprintf(f->conf.password_file, sizeof(f->conf.password_file), "%s", f->pass);
	snprintf(f->conf.ca_file, sizeof(f->conf.ca_file), "%s", f->ca);
	snprintf(f->conf.computer_base, sizeof(f->conf.computer_base), "%s", FAKE_COMPS);
	snprintf(f->conf.group_base, sizeof(f->conf.group_base), "%s", FAKE_GROUPS);
	f->conf.timeout = 5;
	f->base = event_base_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	event_base_free(f->base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* A snapshot as a previous run of menjind left it in the store. */
static void seed_store(const char *db)
{
	struct fake l[3];
	struct ad_builder *b;
	struct ad_scope scope = fake_scope();
	struct ad_source src = fake_source(100);
	struct ad_snapshot *s;
	char err[AD_ERR_MAX];
	fake_computer(&l[0], 1, "PC01", "pc01.menjin.test", 4096, 10, "Teachers");
	fake_computer(&l[1], 2, "PC02", "pc02.menjin.test", 4098, 11, "");
	fake_group(&l[2], 100, "Teachers", 12, "");
	assert_int_equal(ad_builder_new(NULL, &scope, &b), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(fake_put(b, &l[i]), 0);
	assert_int_equal(ad_builder_finish(b, &src, time(NULL) - 300, &s, err, sizeof(err)), 0);
	assert_int_equal(adstore_save(db, s, false, err, sizeof(err)), 0);
	ad_snapshot_unref(s);
}

static void test_unreachable_keeps_last_good(void **state)
{
	struct fx *f = *state;
	struct run r = { 0 };
	struct adsync *a;
	struct adsync_status st;

	seed_store(f->db);
	assert_int_equal(adsync_new(f->base, &f->conf, f->db, on_applied, &r, &a), 0);
	assert_int_equal(adsync_start(a), 0);
	/* the stored snapshot is in force before any DC answered */
	assert_int_equal(r.applied, 1);
	assert_non_null(adsync_snapshot(a));
	assert_int_equal(adsync_snapshot(a)->ncomputers, 2);
	adsync_get_status(a, &st);
	assert_true(st.restored);

	assert_int_equal(wait_sync(f->base, a, 30), 0);
	adsync_get_status(a, &st);
	assert_int_equal(st.failures, 1);
	if (!strstr(st.last_error, "ldaps://127.0.0.1:1"))
		fail_msg("error does not name the DC: %s", st.last_error);
	assert_true(st.next_attempt >= time(NULL) + AD_BACKOFF_MIN - 2);
	assert_int_equal(r.applied, 1);                 /* nothing new applied */
	assert_int_equal(adsync_snapshot(a)->ncomputers, 2);
	assert_int_equal(st.computers, 2);
	assert_int_equal(st.disabled, 1);
	assert_true(st.restored);
	assert_true(st.last_success > 0 && st.last_success <= time(NULL) - 300);

	json_t *j = adsync_status_json(&st, time(NULL));
	assert_non_null(j);
	assert_false(json_is_true(json_object_get(j, "ok")));
	assert_true(json_integer_value(json_object_get(j, "age")) >= 300);
	assert_string_equal(json_string_value(json_object_get(j, "last_error")), st.last_error);
	json_decref(j);

	/* a second failure doubles the wait */
	assert_int_equal(adsync_sync_now(a, false), 0);
	assert_int_equal(wait_sync(f->base, a, 30), 0);
	adsync_get_status(a, &st);
	assert_int_equal(st.failures, 2);
	assert_true(st.next_attempt >= time(NULL) + 2 * AD_BACKOFF_MIN - 2);
	adsync_free(a);
}

static void test_failover_names_every_dc(void **state)
{
	struct fx *f = *state;
	struct adsync *a;
	struct adsync_status st;
	f->conf.nuris = 2;
	snprintf(f->conf.uris[1], AD_URI_MAX, "ldap://127.0.0.1:2");
	assert_int_equal(adsync_new(f->base, &f->conf, NULL, NULL, NULL, &a), 0);
	assert_int_equal(adsync_start(a), 0);
	assert_int_equal(wait_sync(f->base, a, 30), 0);
	adsync_get_status(a, &st);
	assert_int_equal(st.failures, 1);
	assert_null(adsync_snapshot(a));
	if (!strstr(st.last_error, "no domain controller answered") || !strstr(st.last_error, "127.0.0.1:1") ||
	    !strstr(st.last_error, "ldap://127.0.0.1:2: StartTLS failed"))
		fail_msg("%s", st.last_error);
	adsync_free(a);
}

static void test_password_file_refused(void **state)
{
	struct fx *f = *state;
	struct adsync *a;
	struct adsync_status st;
	chmod(f->pass, 0640);
	assert_int_equal(adsync_new(f->base, &f->conf, NULL, NULL, NULL, &a), 0);
	assert_int_equal(adsync_start(a), 0);
	assert_int_equal(wait_sync(f->base, a, 30), 0);
	adsync_get_status(a, &st);
	assert_int_equal(st.failures, 1);
	if (!strstr(st.last_error, "chmod 600"))
		fail_msg("%s", st.last_error);
	adsync_free(a);
}

static void test_bad_conf_refused(void **state)
{
	struct fx *f = *state;
	struct adsync *a;
	f->conf.page_size = 0;
	assert_int_equal(adsync_new(f->base, &f->conf, NULL, NULL, NULL, &a), -EINVAL);
}

static int run_cmocka(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unreachable_keeps_last_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failover_names_every_dc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_conf_refused, setup, teardown),
	};
	log_set_level(LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* ---- the driver --------------------------------------------------------- */

static int load_conf(const char *path, struct adsync_conf *c)
{
	config_t cfg;
	char err[AD_ERR_MAX];
	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		fprintf(stderr, "%s:%d: %s\n", path, config_error_line(&cfg), config_error_text(&cfg));
		config_destroy(&cfg);
		return -EINVAL;
	}
	int rc = adsync_conf_parse((const struct config_setting_t *)config_lookup(&cfg, "ad"), path, c, err,
				   sizeof(err));
	config_destroy(&cfg);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
	} else if (!c->enabled) {
		fprintf(stderr, "%s: no ad {} group\n", path);
		rc = -EINVAL;
	}
	return rc;
}

static void print_snapshot(const struct ad_snapshot *s)
{
	char guid[AD_GUID_STR_LEN];
	if (!s) {
		printf("snapshot none\n");
		return;
	}
	printf("snapshot computers=%u groups=%u usn=%" PRIu64 " synced=%" PRId64 " dc=\"%s\" domain=%s\n",
	       s->ncomputers, s->ngroups, s->source.usn, s->synced, s->source.dc, s->source.domain);
	if (getenv("AD_LIVE_QUIET"))
		return;
	for (unsigned i = 0; i < s->ncomputers; i++) {
		const struct ad_computer *c = &s->computers[s->by_sam[i]];   /* by name: stable output */
		ad_guid_format(c->guid, guid);
		printf("computer %s guid=%s state=%s dns=%s os=\"%s\" groups=", c->sam, guid,
		       ad_computer_disabled(c) ? "disabled" : "enabled", c->dns_name[0] ? c->dns_name : "-", c->os);
		for (unsigned k = 0; k < c->ngroups; k++)
			printf("%s%s", k ? "," : "", s->groups[c->groups[k]].sam);
		printf("%s\n", c->ngroups ? "" : "-");
	}
	for (unsigned i = 0; i < s->ngroups; i++) {
		ad_guid_format(s->groups[i].guid, guid);
		printf("group %s guid=%s\n", s->groups[i].sam, guid);
	}
}

static void print_status(const struct adsync_status *st)
{
	printf("status ok=%d kind=%s changes=%u rejected=%u computers=%u groups=%u disabled=%u "
	       "failures=%u seconds=%.3f uri=%s why=\"%s\"\n",
	       st->failures == 0 && st->last_success > 0, st->last_kind[0] ? st->last_kind : "-", st->last_changes,
	       st->last_rejected, st->computers, st->groups, st->disabled, st->failures, st->last_seconds,
	       st->uri[0] ? st->uri : "-", st->last_why);
	if (st->last_error[0])
		printf("error %s\n", st->last_error);
	if (st->store_error[0])
		printf("store-error %s\n", st->store_error);
}

static int drive(int argc, char **argv)
{
	const char *db = getenv("AD_LIVE_DB");
	struct adsync_conf conf;
	if (db && !db[0])
		db = NULL;
	if (argc < 2 || load_conf(getenv("AD_LIVE_CONF"), &conf) < 0) {
		fprintf(stderr, "usage: AD_LIVE_CONF=file [AD_LIVE_DB=db] %s sync [full] | dump | "
			"bind DOT1X FQDN HOSTNAME\n", argv[0]);
		return 1;
	}
	log_init("adsync_live_test", true, LOG_USER);
	log_set_level(getenv("AD_LIVE_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);

	if (strcmp(argv[1], "dump") == 0 || strcmp(argv[1], "bind") == 0) {
		struct ad_snapshot *s = NULL;
		char err[AD_ERR_MAX];
		if (!db || adstore_load(db, &s, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", db ? err : "AD_LIVE_DB is not set");
			return 1;
		}
		int rc = 0;
		if (argv[1][0] == 'd') {
			print_snapshot(s);
		} else if (argc == 5) {
			struct identity_claims c = {
				.dot1x = strcmp(argv[2], "-") ? argv[2] : NULL,
				.dhcp_fqdn = strcmp(argv[3], "-") ? argv[3] : NULL,
				.dhcp_hostname = strcmp(argv[4], "-") ? argv[4] : NULL,
			};
			struct identity_binding b;
			struct device_facts f;
			char guid[AD_GUID_STR_LEN];
			memset(&f, 0, sizeof(f));
			if (identity_bind(s, &c, &b) == 0) {
				identity_facts(s, &b, &f);
				ad_guid_format(b.guid, guid);
				printf("bound %s guid=%s source=%s attr=\"%s\" claim=%s account=%s groups=",
				       b.computer->sam, guid, identity_source_name(b.source),
				       identity_attr_name(b.attr), b.claim, account_state_name(f.account));
				for (unsigned i = 0; i < f.ngroups; i++)
					printf("%s%s", i ? "," : "", f.groups[i]);
				printf("%s note=\"%s\"\n", f.ngroups ? "" : "-", b.note);
			} else {
				printf("unbound note=\"%s\"\n", b.note);
				rc = 2;
			}
		} else {
			rc = 1;
		}
		ad_snapshot_unref(s);
		return rc;
	}
	if (strcmp(argv[1], "sync") != 0)
		return 1;

	struct event_base *base = event_base_new();
	struct run r = { 0 };
	struct adsync *a;
	struct adsync_status st;
	if (!base || adsync_new(base, &conf, db, on_applied, &r, &a) < 0)
		return 1;
	adsync_start(a);
	if (argc > 2 && strcmp(argv[2], "full") == 0)
		adsync_sync_now(a, true);
	int rc = wait_sync(base, a, LIVE_WAIT_SECONDS);
	adsync_get_status(a, &st);
	print_status(&st);
	print_snapshot(adsync_snapshot(a));
	rc = rc < 0 ? 1 : st.failures ? 2 : 0;
	adsync_free(a);
	event_base_free(base);
	return rc;
}

int main(int argc, char **argv)
{
	if (getenv("AD_LIVE_CONF"))
		return drive(argc, argv);
	return run_cmocka();
}
