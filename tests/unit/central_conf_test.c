/* central_conf_test.c — the central, feeds, share, soc and heartbeat
 * sections: a full example loads, and mistakes are refused with the file,
 * the line and the setting at fault. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libconfig.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "central_conf.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/central-conf-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	char path[128];
	uint8_t pub[32], seed[32] = { 7 };
	char b64[64];
	bundle_public_from_seed(seed, pub);
	bundle_base64_encode(pub, 32, b64, sizeof(b64));
	snprintf(path, sizeof(path), "%s/central-a.pub", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "%s\n", b64);
	fclose(f);
	/* the sharing key as menjin-bundle keygen writes it */
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	snprintf(path, sizeof(path), "%s/share.key", dir);
	f = fopen(path, "w");
	PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	EVP_PKEY_free(pk);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int load(const char *text, struct central_settings *s, char *err)
{
	config_t cfg;
	char *full = NULL;
	/* @DIR@ stands for the temporary directory with the keys */
	size_t n = strlen(text) + 1024;
	full = malloc(n);
	size_t o = 0;
	for (const char *p = text; *p;) {
		if (strncmp(p, "@DIR@", 5) == 0) {
			o += (size_t)snprintf(full + o, n - o, "%s", dir);
			p += 5;
		} else {
			full[o++] = *p++;
		}
	}
	full[o] = '\0';
	config_init(&cfg);
	if (config_read_string(&cfg, full) != CONFIG_TRUE)
		fail_msg("libconfig: line %d: %s", config_error_line(&cfg), config_error_text(&cfg));
	int rc = central_settings_load(&cfg, "menjin.conf", s, err, 512);
	config_destroy(&cfg);
	free(full);
	return rc;
}

static const char *full_example =
	"central: {\n"
	"  url = \"https://central.yilan.gov.tw/menjin/bundle\";\n"
	"  ca_file = \"/etc/menjin/central-ca.pem\";\n"
	"  pinned_key = \"sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\";\n"
	"  keys = ( { id = \"central-2026a\"; public_key_file = \"@DIR@/central-a.pub\"; } );\n"
	"  poll_interval = 600;\n"
	"  max_size = 4194304;\n"
	"  state_dir = \"/var/lib/menjin/central\";\n"
	"};\n"
	"feeds = (\n"
	"  { name = \"regional\"; url = \"https://soc.yilan.gov.tw/feeds/block.txt\"; format = \"plain\"; },\n"
	"  { name = \"township-a\"; url = \"https://10.20.0.5/share/township-a.stix\"; format = \"stix\";\n"
	"    keys = ( { id = \"township-a\"; public_key_file = \"@DIR@/central-a.pub\"; } ); poll_interval = 120; }\n"
	");\n"
	"share: { appliance = \"yilan-toucheng\"; key_id = \"toucheng\"; key_file = \"@DIR@/share.key\";\n"
	"         spool_file = \"/var/lib/menjin/spool/toucheng.stix\"; };\n"
	"soc: {\n"
	"  collectors = ( { host = \"10.20.0.9\"; port = 6514; ca_file = \"/etc/menjin/soc-ca.pem\"; },\n"
	"                 { host = \"soc2.yilan.gov.tw\"; cert_file = \"/etc/menjin/me.pem\"; key_file = \"/etc/menjin/me.key\"; } );\n"
	"  queue_file = \"/var/lib/menjin/soc-queue.db\";\n"
	"  queue_max = 200000;\n"
	"  sd_id = \"menjin@32473\";\n"
	"};\n"
	"heartbeat: { url = \"https://central.yilan.gov.tw/menjin/heartbeat\"; interval = 300; };\n";

static void test_full_example(void **state)
{
	(void)state;
	struct central_settings s;
	char err[512];
	if (load(full_example, &s, err) < 0)
		fail_msg("%s", err);
	assert_true(s.central_enabled);
	assert_int_equal(s.central.poll_interval, 600);
	assert_int_equal(s.central.max_size, 4194304);
	assert_int_equal(s.central.keys.nkeys, 1);
	assert_string_equal(s.central.keys.keys[0].id, "central-2026a");
	assert_int_equal(s.feeds.nfeeds, 2);
	assert_int_equal(s.feeds.feeds[1].format, THREATFEED_STIX);
	assert_int_equal(s.feeds.feeds[1].keys.nkeys, 1);
	assert_int_equal(s.feeds.feeds[1].poll_interval, 120);
	assert_int_equal(s.feeds.feeds[0].poll_interval, FEEDS_DEFAULT_INTERVAL);
	assert_string_equal(s.feeds.state_dir, "/var/lib/menjin/central");
	assert_true(s.share_enabled);
	assert_string_equal(s.share.state_path, "/var/lib/menjin/central/share.json");
	assert_int_equal(s.share.seed[0], 7);
	assert_true(s.soc_enabled);
	assert_int_equal(s.soc.ncollectors, 2);
	assert_int_equal(s.soc.collectors[1].port, 6514);
	assert_int_equal(s.soc.queue_max, 200000);
	assert_string_equal(s.sd_id, "menjin@32473");
	assert_true(s.heartbeat_enabled);
	/* the heartbeat goes to the centre with the centre's CA */
	assert_string_equal(s.heartbeat.tls.ca_file, "/etc/menjin/central-ca.pem");
	central_settings_clear(&s);
	assert_int_equal(s.share.seed[0], 0);

	/* nothing configured: nothing enabled */
	assert_int_equal(load("", &s, err), 0);
	assert_false(s.central_enabled || s.share_enabled || s.soc_enabled || s.heartbeat_enabled);
	assert_int_equal(s.feeds.nfeeds, 0);
}

static void test_mistakes(void **state)
{
	(void)state;
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "central: { url = \"http://x/b\"; keys = (); };", "menjin.conf:1: central.url: 'http://x/b' is not an https:// URL" },
		{ "central: { url = \"https://x/b\"; };", "menjin.conf:1: central: missing setting 'keys'" },
		{ "central: { url = \"https://x/b\";\n keys = ( { id = \"a\"; public_key_file = \"/nonexistent\"; } ); };",
		  "menjin.conf:2: central.keys entry 1: /nonexistent: No such file or directory" },
		{ "central: { url = \"https://x/b\"; keys = ( { id = \"a b\"; public_key_file = \"@DIR@/central-a.pub\"; } ); };",
		  "central.keys entry 1: id 'a b' is not 1..63" },
		{ "central: { url = \"https://x/b\";\n keys = ( { id = \"a\"; public_key_file = \"@DIR@/share.key\"; } ); };",
		  "central.keys entry 1: @DIR@" },
		{ "central: { url = \"https://x/b\"; keys = ( { id = \"a\"; public_key_file = \"@DIR@/central-a.pub\"; } );\n poll_interval = 1; };",
		  "menjin.conf:2: central.poll_interval: 1 is not in 10..86400" },
		{ "central: { url = \"https://x/b\"; pol_interval = 60; };", "central: unknown setting 'pol_interval'" },
		{ "feeds = ( { name = \"a\"; url = \"https://x/a\"; format = \"csv\"; } );", "feed 'a'.format: 'csv' is not" },
		{ "feeds = ( { name = \"a\"; url = \"https://x/a\"; format = \"plain\"; },\n { name = \"a\"; url = \"https://x/b\"; format = \"plain\"; } );",
		  "menjin.conf:2: feed 'a': defined twice" },
		{ "soc: { collectors = ( ); };", "soc.collectors: must be a list of 1..4" },
		{ "soc: { collectors = ( { host = \"h\"; port = 70000; } ); };", "soc.collectors entry 1.port: 70000 is not in 1..65535" },
		{ "soc: { collectors = ( { host = \"h\"; key_file = \"k\"; } ); };", "soc.collectors entry 1: key_file without cert_file" },
		{ "soc: { collectors = ( { host = \"h\"; } ); sd_id = \"menjin\"; };", "soc.sd_id: 'menjin' is not like name@enterprise-number" },
		{ "soc: { collectors = ( { host = \"h\"; }, { host = \"h\"; port = 6514; } ); };", "h:6514 listed twice" },
		{ "share: { appliance = \"a\"; key_id = \"k\"; key_file = \"@DIR@/central-a.pub\"; spool_file = \"/x\"; };",
		  "share.key_file: @DIR@/central-a.pub: not an unencrypted PEM \"PRIVATE KEY\"" },
		{ "heartbeat: { url = \"https://c/h\"; interval = 5; };", "heartbeat.interval: 5 is not in 30..86400" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct central_settings s;
		char err[512], want[512];
		/* expected messages may name the key directory too */
		const char *at = strstr(cases[i].err, "@DIR@");
		if (at)
			snprintf(want, sizeof(want), "%.*s%s%s", (int)(at - cases[i].err), cases[i].err, dir, at + 5);
		else
			snprintf(want, sizeof(want), "%s", cases[i].err);
		int rc = load(cases[i].text, &s, err);
		if (rc != -EINVAL || strstr(err, want) == NULL)
			fail_msg("case %zu: rc %d '%s', expected '%s'", i, rc, err, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_mistakes),
	};
	return cmocka_run_group_tests_name("central_conf", tests, setup, teardown);
}
