/* cli_api_test.c — what menjin-cli asks menjind: the request of every
 * command, replies read strictly, the errors an administrator reads
 * (a command this menjind lacks says "not available"), the audit record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_api.h"

#define MAC1 "02:00:0a:0a:01:0b"

static char err[512];

/* The request for a line, as compact JSON with sorted keys. */
static char *request(const char *line, enum cli_mode mode)
{
	struct cli_cmd cmd;
	json_t *req;
	if (cli_parse_line(line, mode, &cmd, err, sizeof(err)) < 0)
		fail_msg("'%s': %s", line, err);
	if (cli_api_request(&cmd, "chen", "10.0.0.5", NULL, NULL, &req, err, sizeof(err)) < 0)
		fail_msg("'%s': %s", line, err);
	char *text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(req);
	return text;
}

static void expect_request(const char *line, const char *want)
{
	char *got = request(line, CLI_MODE_EXEC);
	if (strcmp(got, want) != 0)
		fail_msg("'%s':\n got  %s\n want %s", line, got, want);
	free(got);
}

#define WHO ",\"source\":\"10.0.0.5\",\"user\":\"chen\"}"

static void test_requests(void **state)
{
	(void)state;
	expect_request("show devices", "{\"args\":{\"limit\":5000},\"cmd\":\"device.list\"" WHO);
	expect_request("sh dev st q role staff search pc",
		       "{\"args\":{\"limit\":5000,\"role\":\"staff\",\"search\":\"pc\",\"state\":\"quarantined\"},"
		       "\"cmd\":\"device.list\"" WHO);
	expect_request("show device 02-00-0A-0A-01-0B", "{\"args\":{\"mac\":\"" MAC1 "\"},\"cmd\":\"device.show\"" WHO);
	expect_request("show device 10.10.1.11", "{\"args\":{\"ip\":\"10.10.1.11\"},\"cmd\":\"device.show\"" WHO);
	expect_request("show device pc1", "{\"args\":{\"name\":\"pc1\"},\"cmd\":\"device.show\"" WHO);
	expect_request("show sessions device " MAC1, "{\"args\":{},\"cmd\":\"session.list\"" WHO);   /* filtered here */
	expect_request("show posture", "{\"args\":{},\"cmd\":\"posture.kpi\"" WHO);
	expect_request("show posture device " MAC1, "{\"args\":{\"mac\":\"" MAC1 "\"},\"cmd\":\"posture.show\"" WHO);
	expect_request("show radius", "{\"args\":{},\"cmd\":\"radius.status\"" WHO);
	expect_request("show central", "{\"args\":{},\"cmd\":\"central.status\"" WHO);
	expect_request("request sync feeds", "{\"args\":{},\"cmd\":\"feeds.poll\"" WHO);
	expect_request("show ad", "{\"args\":{},\"cmd\":\"ad.status\"" WHO);
	expect_request("show stats", "{\"args\":{},\"cmd\":\"stats\"" WHO);
	expect_request("show events", "{\"args\":{\"limit\":20},\"cmd\":\"events\"" WHO);
	expect_request("show events count 7", "{\"args\":{\"limit\":7},\"cmd\":\"events\"" WHO);
	expect_request("show policy", "{\"args\":{},\"cmd\":\"policy.show\"" WHO);
	expect_request("show roles", "{\"args\":{},\"cmd\":\"roles.show\"" WHO);
	expect_request("show configuration", "{\"args\":{},\"cmd\":\"config.show\"" WHO);
	expect_request("show configuration rollback 2", "{\"args\":{\"rollback\":2},\"cmd\":\"config.show\"" WHO);
	expect_request("show configuration history", "{\"args\":{\"limit\":50},\"cmd\":\"config.history\"" WHO);
	expect_request("monitor events", "{\"args\":{},\"cmd\":\"events.follow\"" WHO);
	expect_request("request device " MAC1 " quarantine for 2w role staff reason failed GCB scan",
		       "{\"args\":{\"duration\":1209600,\"mac\":\"" MAC1 "\",\"reason\":\"failed GCB scan\",\"role\":\"staff\","
		       "\"state\":\"quarantine\"},\"cmd\":\"device.override\"" WHO);
	expect_request("request device " MAC1 " block for permanent reason stolen",
		       "{\"args\":{\"duration\":\"permanent\",\"mac\":\"" MAC1 "\",\"reason\":\"stolen\",\"state\":\"block\"},"
		       "\"cmd\":\"device.override\"" WHO);
	expect_request("request device " MAC1 " clear reason fixed",
		       "{\"args\":{\"mac\":\"" MAC1 "\",\"reason\":\"fixed\"},\"cmd\":\"device.clear_override\"" WHO);
	expect_request("request device " MAC1 " reauth", "{\"args\":{\"mac\":\"" MAC1 "\"},\"cmd\":\"device.reauth\"" WHO);
	expect_request("request sync ad full", "{\"args\":{\"full\":true},\"cmd\":\"ad.sync\"" WHO);
	expect_request("request sync ad", "{\"args\":{\"full\":false},\"cmd\":\"ad.sync\"" WHO);
	expect_request("request sync posture", "{\"args\":{},\"cmd\":\"posture.sync\"" WHO);
	expect_request("request reload", "{\"args\":{},\"cmd\":\"config.reload\"" WHO);
	expect_request("capture lan0", "{\"args\":{\"count\":100,\"port\":\"lan0\"},\"cmd\":\"capture.start\"" WHO);
	expect_request("capture uplink tcp port 443 count 9",
		       "{\"args\":{\"count\":9,\"filter\":\"tcp port 443\",\"port\":\"uplink\"},\"cmd\":\"capture.start\"" WHO);
	expect_request("confirm", "{\"args\":{},\"cmd\":\"config.confirm\"" WHO);
	expect_request("request posture " MAC1 " waive TWGCB-01-008-0003 TWGCB-01-008-0004 for 7d reason exception 31",
		       "{\"args\":{\"duration\":604800,\"mac\":\"" MAC1 "\",\"reason\":\"exception 31\","
		       "\"waive\":[\"TWGCB-01-008-0003\",\"TWGCB-01-008-0004\"]},\"cmd\":\"posture.override\"" WHO);
	expect_request("request posture " MAC1 " status compliant for permanent reason county approved",
		       "{\"args\":{\"duration\":\"permanent\",\"mac\":\"" MAC1 "\",\"reason\":\"county approved\","
		       "\"status\":\"compliant\"},\"cmd\":\"posture.override\"" WHO);
	expect_request("request posture " MAC1 " clear reason withdrawn",
		       "{\"args\":{\"mac\":\"" MAC1 "\",\"reason\":\"withdrawn\"},\"cmd\":\"posture.clear_override\"" WHO);
}

static void test_commit_and_local(void **state)
{
	struct cli_cmd cmd;
	json_t *req;
	(void)state;
	assert_int_equal(cli_parse_line("commit confirmed 5 comment new printers", CLI_MODE_CONFIGURE, &cmd, err,
					sizeof(err)), 0);
	assert_int_equal(cli_api_request(&cmd, "chen", NULL, NULL, NULL, &req, err, sizeof(err)), -EINVAL);
	assert_int_equal(cli_api_request(&cmd, "chen", NULL, "a = 1;\n", "abc123", &req, err, sizeof(err)), 0);
	char *t = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(t, "{\"args\":{\"base_sha256\":\"abc123\",\"comment\":\"new printers\",\"confirmed\":5,"
			       "\"text\":\"a = 1;\\n\"},\"cmd\":\"config.commit\",\"user\":\"chen\"}");
	free(t);
	json_decref(req);
	/* commands the CLI does alone ask nothing */
	assert_int_equal(cli_parse_line("set menjind log_level debug", CLI_MODE_CONFIGURE, &cmd, err, sizeof(err)), 0);
	assert_null(cli_api_command(cmd.action));
	assert_int_equal(cli_api_request(&cmd, NULL, NULL, NULL, NULL, &req, err, sizeof(err)), -EINVAL);
	assert_null(cli_api_command(CLI_HELP));
	assert_null(cli_api_command(CLI_EXIT));
	assert_string_equal(cli_api_command(CLI_CONFIGURE), "config.show");
	assert_string_equal(cli_api_command(CLI_CFG_ROLLBACK), "config.show");
}

static void test_simple_and_audit(void **state)
{
	(void)state;
	json_t *req = cli_api_simple("commands", NULL, "chen", NULL);
	char *t = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(t, "{\"args\":{},\"cmd\":\"commands\",\"user\":\"chen\"}");
	free(t);
	json_decref(req);
	req = cli_api_audit("sh dev st q", CLI_MODE_EXEC, "ok", "chen", "10.0.0.5");
	t = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(t, "{\"args\":{\"line\":\"sh dev st q\",\"mode\":\"operational\",\"result\":\"ok\"},"
			       "\"cmd\":\"audit.add\",\"source\":\"10.0.0.5\",\"user\":\"chen\"}");
	free(t);
	json_decref(req);
	/* not UTF-8: still a record, never a JSON error */
	req = cli_api_audit("show \xff", CLI_MODE_CONFIGURE, "bad \xfe", "chen", NULL);
	assert_non_null(req);
	assert_string_equal(json_string_value(json_object_get(json_object_get(req, "args"), "mode")), "configure");
	json_decref(req);
	/* a user name that is not UTF-8 does not break the request */
	req = cli_api_simple("stats", NULL, "\xff", NULL);
	assert_non_null(req);
	json_decref(req);
}

static void test_replies(void **state)
{
	json_t *r;
	(void)state;
	const char ok[] = "{\"ok\":true,\"result\":{\"count\":0}}";
	assert_int_equal(cli_api_reply(ok, strlen(ok), &r, err, sizeof(err)), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "count")), 0);
	json_decref(r);
	const char bare[] = "{\"ok\":true}";
	assert_int_equal(cli_api_reply(bare, strlen(bare), &r, err, sizeof(err)), 0);
	assert_true(json_is_null(r));
	json_decref(r);
	const char refused[] = "{\"ok\":false,\"error\":\"permission denied: device.override needs the admin role\"}";
	assert_int_equal(cli_api_reply(refused, strlen(refused), &r, err, sizeof(err)), -EREMOTEIO);
	assert_string_equal(err, "permission denied: device.override needs the admin role");
	assert_null(r);
	static const char *bad[] = { "", "[]", "{\"ok\":1}", "{\"ok\":true", "{\"ok\":true,\"ok\":false}", "null" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cli_api_reply(bad[i], strlen(bad[i]), &r, err, sizeof(err)), -EPROTO);
	const char noreason[] = "{\"ok\":false}";
	assert_int_equal(cli_api_reply(noreason, strlen(noreason), &r, err, sizeof(err)), -EREMOTEIO);
	assert_string_equal(err, "refused (no reason given)");
}

static void test_errors_and_source(void **state)
{
	char out[512];
	(void)state;
	cli_api_error("show ad", "ad.status", "unknown command 'ad.status' (\"commands\" lists them)", out, sizeof(out));
	assert_string_equal(out, "show ad: not available: this menjind has no API command 'ad.status' yet");
	cli_api_error("request device admit", "device.override",
		      "permission denied: device.override needs the admin role, lin (uid 1002) is operator", out, sizeof(out));
	assert_string_equal(out, "request device admit: permission denied: device.override needs the admin role, lin "
				 "(uid 1002) is operator");
	cli_api_source("10.20.30.40 51234 22", out, sizeof(out));
	assert_string_equal(out, "10.20.30.40");
	cli_api_source("2001:db8::5 51234 22", out, sizeof(out));
	assert_string_equal(out, "2001:db8::5");
	cli_api_source(NULL, out, sizeof(out));
	assert_string_equal(out, "local");
	cli_api_source("\"; rm -rf /", out, sizeof(out));
	assert_string_equal(out, "unknown");
}

static void test_posture_counted(void **state)
{
	(void)state;
	static const char *const shows[] = {
		"{\"facts\": {\"posture\": {\"effective\": \"compliant\"}}, \"verdict\": {\"role\": \"staff\"}}",
		"{\"facts\": {\"posture\": {\"effective\": \"noncompliant\"}}, \"verdict\": {\"role\": \"staff\"}}",
		"{\"facts\": {\"posture\": {\"effective\": \"unknown\"}}, \"verdict\": {\"role\": \"\"}}",
		"{\"facts\": {\"posture\": {\"effective\": \"stale\"}}, \"verdict\": {\"role\": \"printers\"}}",
		"{\"verdict\": {}}",
	};
	json_t *d[5];
	for (int i = 0; i < 5; i++)
		d[i] = json_loads(shows[i], 0, NULL);
	json_t *r = cli_posture_from_devices(d, 5);
	char *t = json_dumps(r, JSON_COMPACT);
	assert_string_equal(t, "{\"total\":{\"name\":\"(all devices)\",\"devices\":5,\"compliant\":1,\"noncompliant\":1,"
			       "\"unknown\":0,\"stale\":1,\"unscanned\":2},\"roles\":[{\"name\":\"staff\",\"devices\":2,"
			       "\"compliant\":1,\"noncompliant\":1,\"unknown\":0,\"stale\":0,\"unscanned\":0},{\"name\":\"(no role)\","
			       "\"devices\":2,\"compliant\":0,\"noncompliant\":0,\"unknown\":0,\"stale\":0,\"unscanned\":2},"
			       "{\"name\":\"printers\",\"devices\":1,\"compliant\":0,\"noncompliant\":0,\"unknown\":0,\"stale\":1,"
			       "\"unscanned\":0}],\"baselines\":[],\"counted_from\":5}");
	free(t);
	json_decref(r);
	for (int i = 0; i < 5; i++)
		json_decref(d[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_commit_and_local),
		cmocka_unit_test(test_simple_and_audit),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_errors_and_source),
		cmocka_unit_test(test_posture_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
