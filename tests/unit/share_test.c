/* share_test.c — publishing blocks for the neighbours: the state survives a
 * restart, the spool is a signed STIX bundle that a subscriber's parser
 * reads back with reason and expiry, renewals keep their indicator,
 * withdrawals are revocations, and everything is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "share.h"

#define NOW 1795608000LL

static char dir[64];
static struct share_conf conf;
static struct bundle_keyring keys;

static int setup(void **state)
{
	(void)state;
	uint8_t pub[BUNDLE_PUB_LEN];
	snprintf(dir, sizeof(dir), "/tmp/share-test-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	memset(&conf, 0, sizeof(conf));
	snprintf(conf.appliance, sizeof(conf.appliance), "yilan-toucheng");
	snprintf(conf.key_id, sizeof(conf.key_id), "toucheng-share");
	snprintf(conf.state_path, sizeof(conf.state_path), "%s/share.json", dir);
	snprintf(conf.spool_path, sizeof(conf.spool_path), "%s/toucheng.stix", dir);
	for (int i = 0; i < BUNDLE_SEED_LEN; i++)
		conf.seed[i] = (uint8_t)(i * 7 + 1);
	bundle_public_from_seed(conf.seed, pub);
	memset(&keys, 0, sizeof(keys));
	bundle_keyring_add(&keys, "toucheng-share", pub);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* What a neighbour reads from the spool at time `now`. */
static struct tf_list *neighbour_reads(int64_t now)
{
	uint8_t *buf;
	size_t len;
	struct bundle_envelope env;
	struct tf_list *l = NULL;
	char err[BUNDLE_ERR_MAX];
	assert_int_equal(atomicfile_read(conf.spool_path, 1u << 20, &buf, &len), 0);
	assert_int_equal(bundle_envelope_open(buf, len, 0, BUNDLE_TYPE_STIX, &keys, &env, err, sizeof(err)), 0);
	int rc = threatfeed_parse_stix("toucheng", env.payload, env.payload_len, now, &l, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s", err);
	free(buf);
	return l;
}

static void test_publish_and_read_back(void **state)
{
	(void)state;
	char err[256], id[SHARE_ID_MAX], id2[SHARE_ID_MAX];
	struct share *s = share_open(&conf, NOW, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(share_publish(s, "192.0.2.77", "brute force on the VPN", 3600, "admin", NOW, id, err, sizeof(err)), 0);
	assert_int_equal(strncmp(id, "indicator--", 11), 0);
	assert_int_equal(share_publish(s, "2001:db8:66::/48", "phishing kit", 600, "admin", NOW, id2, err, sizeof(err)), 0);
	assert_int_equal(share_count(s), 2);
	assert_int_equal(share_next_expiry(s), NOW + 600);

	struct tf_list *l = neighbour_reads(NOW + 1);
	assert_int_equal(l->nprefixes, 2);
	assert_string_equal(threatfeed_string(l, l->indicators[0].name), id);
	assert_string_equal(threatfeed_string(l, l->indicators[0].label), "brute force on the VPN");
	assert_int_equal(l->indicators[0].valid_until, NOW + 3600);
	threatfeed_list_unref(l);
	/* eleven minutes later the neighbour's parser drops the short one itself */
	l = neighbour_reads(NOW + 660);
	assert_int_equal(l->nprefixes, 1);
	assert_int_equal(l->stats.expired, 1);
	threatfeed_list_unref(l);

	/* renewing keeps the indicator id */
	char again[SHARE_ID_MAX];
	assert_int_equal(share_publish(s, "192.0.2.77", "still brute-forcing", 7200, "admin2", NOW + 60, again, err, sizeof(err)), 0);
	assert_string_equal(again, id);
	assert_int_equal(share_count(s), 2);

	/* this appliance's own list */
	struct tf_list *mine = share_list(s, NOW + 60);
	assert_int_equal(mine->nprefixes, 2);
	assert_string_equal(mine->feed, "share");
	threatfeed_list_unref(mine);
	share_close(s);

	/* a restart keeps what was published */
	s = share_open(&conf, NOW + 120, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(share_count(s), 2);
	assert_string_equal(share_get(s, 0)->reason, "still brute-forcing");
	assert_string_equal(share_get(s, 0)->by, "admin2");
	/* withdraw: revoked, still listed until it expires, no longer blocked */
	assert_int_equal(share_withdraw(s, "192.0.2.77", NOW + 180, err, sizeof(err)), 0);
	assert_int_equal(share_withdraw(s, "192.0.2.77", NOW + 180, err, sizeof(err)), -ENOENT);
	assert_int_equal(share_withdraw(s, id2, NOW + 180, err, sizeof(err)), 0);
	l = neighbour_reads(NOW + 181);
	assert_int_equal(l->nprefixes, 0);
	assert_int_equal(l->stats.revoked, 2);
	threatfeed_list_unref(l);
	mine = share_list(s, NOW + 181);
	assert_int_equal(mine->nprefixes, 0);
	threatfeed_list_unref(mine);
	/* expiry prunes */
	assert_int_equal(share_prune(s, NOW + 8000), 2);
	assert_int_equal(share_count(s), 0);
	share_close(s);
}

static void test_refusals(void **state)
{
	(void)state;
	char err[256], id[SHARE_ID_MAX];
	struct share *s = share_open(&conf, NOW, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(share_publish(s, "16.0.0.0/4", "too broad", 600, "a", NOW, id, err, sizeof(err)), -ERANGE);
	assert_int_equal(share_publish(s, "192.0.2.1", "x", 10, "a", NOW, id, err, sizeof(err)), -ERANGE);
	assert_string_equal(err, "ttl 10 s is not in 60..2592000 s");
	assert_int_equal(share_publish(s, "192.0.2.1", "", 600, "a", NOW, id, err, sizeof(err)), -EINVAL);
	assert_int_equal(share_publish(s, "192.0.2.1", "bad \xff utf-8", 600, "a", NOW, id, err, sizeof(err)), -EINVAL);
	assert_int_equal(share_withdraw(s, "192.0.2.1", NOW, err, sizeof(err)), -ENOENT);
	share_close(s);
	/* bounded */
	conf.max_entries = 3;
	s = share_open(&conf, NOW, err, sizeof(err));
	for (int i = 0; i < 3; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		assert_int_equal(share_publish(s, ip, "r", 600, "a", NOW, id, err, sizeof(err)), 0);
	}
	assert_int_equal(share_publish(s, "192.0.2.9", "r", 600, "a", NOW, id, err, sizeof(err)), -E2BIG);
	share_close(s);
	/* a damaged state file is refused, not silently emptied */
	FILE *f = fopen(conf.state_path, "w");
	fputs("{\"format\": \"menjin-share/1\", \"entries\": [{\"id\": 3}]}", f);
	fclose(f);
	assert_null(share_open(&conf, NOW, err, sizeof(err)));
	assert_non_null(strstr(err, "entry 1 is damaged"));
	conf.max_entries = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_publish_and_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
