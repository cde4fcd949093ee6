/* posture_conf_test.c — the posture {} section: an example loads, an absent
 * section is off, and mistakes are refused with file, line and setting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libconfig.h>
#include <string.h>

#include "posture_conf.h"

static int load(const char *text, struct posture_settings *s, char *err, size_t errlen)
{
	config_t cfg;
	config_init(&cfg);
	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	int rc = -EINVAL;
	if (config_read_string(&cfg, text) == CONFIG_TRUE)
		rc = posture_settings_load(&cfg, "menjin.conf", 30 * 86400, s, err, errlen);
	config_destroy(&cfg);
	return rc;
}

static void test_example(void **state)
{
	(void)state;
	struct posture_settings s, t;
	char err[512];
	const char *text =
		"posture: {\n"
		"  spool = \"/var/lib/menjin/posture\";\n"
		"  fetch = ( { name = \"gcb-platform\"; url = \"https://gcb.county.example/export/township.csv\";\n"
		"              interval_minutes = 60; } );\n"
		"  baselines = ( { name = \"win10\"; benchmarks = [ \"*_benchmark_TWGCB-01*\", \"TWGCB-01\" ];\n"
		"                  required = [ \"TWGCB-01-008-0003\" ]; },\n"
		"                { name = \"office\"; benchmarks = [ \"TWGCB-04*\" ]; } );\n"
		"};\n";
	assert_int_equal(load(text, &s, err, sizeof(err)), 0);
	assert_true(s.enabled);
	assert_string_equal(s.spool, "/var/lib/menjin/posture");
	assert_int_equal(s.nfetch, 1);
	assert_int_equal(s.fetch[0].interval, 3600);
	assert_int_equal(s.config.nbaselines, 2);
	assert_int_equal(s.config.baselines[0].nrequired, 1);
	assert_int_equal(s.config.max_age, 30 * 86400);
	/* the same sources: a reload keeps the spool open */
	assert_int_equal(load(text, &t, err, sizeof(err)), 0);
	assert_true(posture_settings_same_sources(&s, &t));
	posture_settings_free(&t);
	assert_int_equal(load("posture: { spool = \"/srv/other\"; };", &t, err, sizeof(err)), 0);
	assert_false(posture_settings_same_sources(&s, &t));
	posture_settings_free(&t);
	posture_settings_free(&s);
}

static void test_absent_is_off(void **state)
{
	(void)state;
	struct posture_settings s;
	char err[512];
	assert_int_equal(load("menjind: { };", &s, err, sizeof(err)), 0);
	assert_false(s.enabled);
	posture_settings_free(&s);
}

static void test_refusals(void **state)
{
	(void)state;
	static const struct { const char *text, *msg; } bad[] = {
		{ "posture: { spol = \"/x\"; };", "menjin.conf:1: posture: unknown setting 'spol'" },
		{ "posture: { };", "posture: missing setting 'spool'" },
		{ "posture: { spool = \"relative\"; };", "menjin.conf:1: posture.spool: 'relative' is not an absolute path" },
		{ "posture: { spool = \"/x\";\n baselines = ( { name = \"a\"; benchmarks = 3; } ); };",
		  "menjin.conf:2: baseline 'a'.benchmarks: must be an array of strings" },
		{ "posture: { spool = \"/x\";\n baselines = ( { name = \"a\"; benchmark = [ \"x\" ]; } ); };",
		  "menjin.conf:2: posture.baselines entry 1: unknown setting 'benchmark'" },
		{ "posture: { spool = \"/x\";\n fetch = ( { name = \"f\"; url = \"http://plain.example/x\"; } ); };",
		  "menjin.conf:2: posture.fetch entry 1:" },
		{ "posture: { spool = \"/x\";\n fetch = ( { name = \"f\"; url = \"https://a.example/x\"; interval_minutes = 0; } ); };",
		  "interval_minutes: 0 is outside 1..10080" },
		{ "posture = 3;", "posture: must be a group" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct posture_settings s;
		char err[512];
		assert_int_equal(load(bad[i].text, &s, err, sizeof(err)), -EINVAL);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].msg);
		posture_settings_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_absent_is_off),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
