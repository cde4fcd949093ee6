/* bundle_compose_test.c — the configuration menjind runs with a central
 * bundle: the bundle's roles, policy and baselines replace the local ones,
 * the rest of the local file stays, the local file's mistakes keep their
 * own line numbers, and without a bundle nothing is composed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "bundle_compose.h"
#include "conf.h"
#include "daemon.h"
#include "daemon_central.h"
#include "posture_conf.h"

/* Line numbers matter below: count them. */
static const char *LOCAL =
	"fastpath = { socket = \"/tmp/fp.sock\"; unknown_action = \"quarantine\"; };\n"  /* 1 */
	"menjind = { store = \"/tmp/x.db\"; api_socket = \"/tmp/api.sock\";\n"            /* 2 */
	"  sd_id = \"local@32473\"; posture_max_age_days = 10; };\n"                       /* 3 */
	"roles = ( { name = \"office\"; id = 5; default = \"permit\"; } );\n"             /* 4 */
	"policy = (\n"                                                                   /* 5 */
	"  { name = \"all-office\"; match = { hostname = \"*\"; }; verdict = \"admit\"; role = \"office\"; }\n"
	");\n"
	"posture = { spool = \"/var/lib/menjin/posture\";\n"
	"  baselines = ( { name = \"local-gcb\"; benchmarks = [ \"*TWGCB-01*\" ]; } ); };\n";

static const char *CONTENTS =
	"\"roles\": ["
	"  {\"name\": \"staff\", \"id\": 10, \"default\": \"deny\", \"rules\": ["
	"    {\"action\": \"permit\", \"proto\": \"tcp\", \"to\": \"10.10.0.100\", \"ports\": \"80\"}]},"
	"  {\"name\": \"printer\", \"id\": 20}],"
	"\"policy\": ["
	"  {\"name\": \"pcs\", \"match\": {\"hostname\": \"PC-*\"}, \"verdict\": \"admit\", \"role\": \"staff\"},"
	"  {\"name\": \"printers\", \"match\": {\"oui\": \"00:1b:a9\"}, \"verdict\": \"admit\", \"role\": \"printer\"}],"
	"\"posture\": ["
	"  {\"name\": \"win11\", \"platform\": \"*windows_11*\","
	"   \"required\": [\"TWGCB-01-008-0003\", \"TWGCB-01-012-0001\"], \"exempt\": [\"TWGCB-01-012-0001\"]}]";

static struct bundle *make_bundle(const char *contents)
{
	char *pl = NULL, err[BUNDLE_ERR_MAX];
	struct bundle *b = NULL;
	assert_true(asprintf(&pl,
			     "{\"format\": \"menjin-bundle/1\", \"version\": 7, \"key_id\": \"central-2026a\", "
			     "\"created\": \"2026-11-20T00:00:00Z\", \"expires\": \"2026-12-25T00:00:00Z\"%s%s}",
			     contents[0] ? ", " : "", contents) > 0);
	int rc = bundle_payload_parse((const uint8_t *)pl, strlen(pl), &b, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s", err);
	free(pl);
	return b;
}

static void test_bundle_replaces_roles_and_policy(void **state)
{
	(void)state;
	struct bundle *b = make_bundle(CONTENTS);
	char err[CONF_ERR_MAX] = "", *text = NULL;
	struct conf *c;

	int rc = bundle_compose(LOCAL, "/etc/menjin/menjin.conf", b, &text, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s", err);
	rc = conf_load_string(text, "/etc/menjin/menjin.conf", &c, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s\n%s", err, text);
	/* the bundle's roles and rules, none of the local ones */
	assert_int_equal(c->nroles, 2);
	assert_string_equal(c->roles[0].name, "staff");
	assert_string_equal(c->roles[1].name, "printer");
	assert_null(conf_role_by_name(c, "office"));
	assert_int_equal(c->policy.nrules, 2);
	assert_string_equal(c->policy.rules[0].name, "pcs");
	assert_int_equal(c->policy.rules[0].role_id, 10);
	/* the rest of the local file as it was */
	assert_string_equal(c->store, "/tmp/x.db");
	assert_string_equal(c->sd_id, "local@32473");
	assert_true(c->policy.posture_max_age == 10 * 86400);
	/* baselines: the bundle's, exempt items not required */
	assert_true(c->posture->enabled);
	assert_string_equal(c->posture->spool, "/var/lib/menjin/posture");
	assert_int_equal(c->posture->config.nbaselines, 1);
	assert_string_equal(c->posture->config.baselines[0].name, "win11");
	assert_string_equal(c->posture->config.baselines[0].patterns[0], "*windows_11*");
	assert_int_equal(c->posture->config.baselines[0].nrequired, 1);
	assert_string_equal(c->posture->config.baselines[0].required[0], "TWGCB-01-008-0003");
	assert_null(strstr(text, "all-office"));
	conf_free(c);
	free(text);
	bundle_free(b);
}

static void test_empty_bundle_keeps_local_baselines(void **state)
{
	(void)state;
	struct bundle *b = make_bundle("");
	char err[CONF_ERR_MAX] = "", *text = NULL;
	struct conf *c;

	assert_int_equal(bundle_compose(LOCAL, "menjin.conf", b, &text, err, sizeof(err)), 0);
	assert_int_equal(conf_load_string(text, "menjin.conf", &c, err, sizeof(err)), 0);
	/* a bundle without roles or policy: none (every device quarantined) */
	assert_int_equal(c->nroles, 0);
	assert_int_equal(c->policy.nrules, 0);
	/* without bundle baselines the local ones stay */
	assert_int_equal(c->posture->config.nbaselines, 1);
	assert_string_equal(c->posture->config.baselines[0].name, "local-gcb");
	conf_free(c);
	free(text);
	bundle_free(b);

	/* a local file without roles, policy or posture {} takes the bundle's roles */
	b = make_bundle(CONTENTS);
	assert_int_equal(bundle_compose("fastpath = { socket = \"/tmp/fp.sock\"; };\n", "menjin.conf", b, &text, err,
					sizeof(err)), 0);
	assert_int_equal(conf_load_string(text, "menjin.conf", &c, err, sizeof(err)), 0);
	assert_int_equal(c->nroles, 2);
	assert_false(c->posture->enabled);
	conf_free(c);
	free(text);
	bundle_free(b);
}

/* text with the first `from` replaced by `to` (malloc'ed) */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	char *out = NULL;
	assert_non_null(p);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from)) > 0);
	return out;
}

static void test_local_errors_keep_line_numbers(void **state)
{
	(void)state;
	struct bundle *b = make_bundle(CONTENTS);
	char err[CONF_ERR_MAX] = "", *text = NULL, *bad;

	/* a bad value on line 3 of the local file */
	bad = replace(LOCAL, "posture_max_age_days = 10", "posture_max_age_days = 99999");
	assert_int_equal(bundle_compose(bad, "/etc/menjin/menjin.conf", b, &text, err, sizeof(err)), -EINVAL);
	assert_null(text);
	if (strncmp(err, "/etc/menjin/menjin.conf:3: ", 27) != 0)
		fail_msg("%s", err);
	free(bad);

	/* a syntax error on line 5 */
	bad = replace(LOCAL, "policy = (", "policy == (");
	assert_int_equal(bundle_compose(bad, "/etc/menjin/menjin.conf", b, &text, err, sizeof(err)), -EINVAL);
	if (strncmp(err, "/etc/menjin/menjin.conf:5: ", 27) != 0)
		fail_msg("%s", err);
	free(bad);

	/* a mistake in the local roles is still the local file's, even though
	 * the bundle replaces them: the local file must stand alone */
	bad = replace(LOCAL, "id = 5;", "id = 0;");
	assert_int_equal(bundle_compose(bad, "/etc/menjin/menjin.conf", b, &text, err, sizeof(err)), -EINVAL);
	if (strncmp(err, "/etc/menjin/menjin.conf:4: ", 27) != 0)
		fail_msg("%s", err);
	free(bad);
	bundle_free(b);
}

static void test_bundle_that_does_not_fit(void **state)
{
	(void)state;
	/* A baseline the bundle schema takes but posture {} refuses (a space
	 * in the platform pattern) is the bundle's fault, reported as such. */
	struct bundle *b = make_bundle("\"posture\": [ {\"name\": \"win11\", \"platform\": \"windows 11\"} ]");
	char err[CONF_ERR_MAX] = "", *text = NULL;
	int rc = bundle_compose(LOCAL, "/etc/menjin/menjin.conf", b, &text, err, sizeof(err));
	if (rc == 0)
		fail_msg("composed:\n%s", text);
	assert_null(text);
	if (strncmp(err, "central bundle v7:", 18) != 0)
		fail_msg("%s", err);
	bundle_free(b);
}

static void test_no_bundle_nothing_composed(void **state)
{
	(void)state;
	struct menjind d;
	char err[CONF_ERR_MAX] = "", *text = (char *)"x";
	memset(&d, 0, sizeof(d));
	snprintf(d.conf_path, sizeof(d.conf_path), "/nonexistent/menjin.conf");
	assert_int_equal(daemon_central_compose(&d, LOCAL, &text, err, sizeof(err)), 0);
	assert_null(text);
	/* not even the file is read */
	text = (char *)"x";
	assert_int_equal(daemon_central_compose(&d, NULL, &text, err, sizeof(err)), 0);
	assert_null(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_replaces_roles_and_policy),
		cmocka_unit_test(test_empty_bundle_keeps_local_baselines),
		cmocka_unit_test(test_local_errors_keep_line_numbers),
		cmocka_unit_test(test_bundle_that_does_not_fit),
		cmocka_unit_test(test_no_bundle_nothing_composed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
