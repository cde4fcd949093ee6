/* policy_test.c — the policy engine: every fact it can match on, the order
 * of decision, and the explanations it gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "policy.h"

#define DAY 86400
/* 2026-11-25T12:00:00Z */
#define NOW 1795608000LL

static struct conf *load(const char *text)
{
	struct conf *c = NULL;
	char err[CONF_ERR_MAX] = "";
	int rc = conf_load_string(text, "test.conf", &c, err, sizeof(err));
	if (rc < 0)
		fail_msg("config refused: %s", err);
	return c;
}

static void facts_init(struct device_facts *f, const char *mac)
{
	memset(f, 0, sizeof(*f));
	f->now = NOW;
	unsigned b[6];
	assert_int_equal(sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]), 6);
	for (int i = 0; i < 6; i++)
		f->mac[i] = (uint8_t)b[i];
}

static const char *ROLES =
	"roles = ( { name = \"staff\"; id = 10; default = \"deny\";"
	"            rules = ( { action = \"permit\"; proto = \"tcp\"; to = \"10.10.0.0/16\"; ports = \"80,443\"; } ); },"
	"          { name = \"printers\"; id = 20; },"
	"          { name = \"guests\"; id = 30; default = \"permit\"; } );\n";

static void test_fresh_install_quarantines(void **state)
{
	(void)state;
	struct conf *c = load("");
	struct device_facts f;
	struct verdict v;
	char summary[POLICY_SUMMARY_MAX];

	facts_init(&f, "00:11:22:33:44:55");
	policy_evaluate(&c->policy, &f, &v);
	assert_int_equal(v.state, VERDICT_QUARANTINE);
	assert_int_equal(v.rule_index, VERDICT_RULE_DEFAULT);
	assert_string_equal(v.rule, "default");
	assert_int_equal(v.role_id, 0);
	assert_int_equal(v.expires, 0);
	verdict_summary(&v, summary, sizeof(summary));
	assert_string_equal(summary, "quarantined: no policy rule matched");
	assert_non_null(strstr(v.why, "default is quarantine"));
	conf_free(c);
}

static void test_first_match_wins(void **state)
{
	(void)state;
	char text[2048];
	snprintf(text, sizeof(text), "%s"
		 "policy = ( { name = \"lab-printer\"; match = { mac = [ \"00:1b:a9:00:00:01\" ]; };"
		 "             verdict = \"block\"; reason = \"stolen\"; },"
		 "           { name = \"printers\"; match = { oui = [ \"00:1b:a9\", \"3c:2a:f4\" ]; };"
		 "             verdict = \"admit\"; role = \"printers\"; } );", ROLES);
	struct conf *c = load(text);
	struct device_facts f;
	struct verdict v;

	facts_init(&f, "00:1b:a9:00:00:01");
	policy_evaluate(&c->policy, &f, &v);
	assert_int_equal(v.state, VERDICT_BLOCK);
	assert_string_equal(v.rule, "lab-printer");
	assert_string_equal(v.reason, "stolen");
	assert_non_null(strstr(v.why, "MAC 00:1b:a9:00:00:01 is on the rule's list"));

	facts_init(&f, "00:1b:a9:00:00:02");
	policy_evaluate(&c->policy, &f, &v);
	assert_int_equal(v.state, VERDICT_ADMIT);
	assert_string_equal(v.rule, "printers");
	assert_int_equal(v.rule_index, 1);
	assert_int_equal(v.role_id, 20);
	assert_string_equal(v.role, "printers");
	/* without a reason template the conditions are the reason */
	assert_string_equal(v.reason, "OUI 00:1b:a9 is on the rule's list");

	facts_init(&f, "3c:2a:f4:01:02:03");
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "printers");

	facts_init(&f, "3c:2a:f5:01:02:03");
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "default");
	conf_free(c);
}

static void test_dhcp_facts(void **state)
{
	(void)state;
	char text[2048];
	snprintf(text, sizeof(text), "%s"
		 "policy = ( { name = \"phones\"; match = { vendor_class = \"Cisco Systems*\"; hostname = \"SEP*\"; };"
		 "             verdict = \"admit\"; role = \"guests\"; reason = \"IP phone {hostname}\"; },"
		 "           { name = \"fp\"; match = { fingerprint = \"1,3,6,15,31,33,43,44,46,47,119,121,249,252\"; };"
		 "             verdict = \"quarantine\"; reason = \"Windows by fingerprint ({fingerprint})\"; } );",
		 ROLES);
	struct conf *c = load(text);
	struct device_facts f;
	struct verdict v;

	facts_init(&f, "00:aa:bb:cc:dd:01");
	snprintf(f.vendor_class, sizeof(f.vendor_class), "Cisco Systems, Inc. IP Phone CP-7945G");
	snprintf(f.hostname, sizeof(f.hostname), "sep00aabbccdd01");   /* patterns ignore case */
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "phones");
	assert_string_equal(v.reason, "IP phone sep00aabbccdd01");
	assert_non_null(strstr(v.why, "hostname 'sep00aabbccdd01' matches 'SEP*'"));
	assert_non_null(strstr(v.why, "vendor class"));

	/* both conditions must hold */
	f.hostname[0] = '\0';
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "default");

	facts_init(&f, "00:aa:bb:cc:dd:02");
	snprintf(f.fingerprint, sizeof(f.fingerprint), "1,3,6,15,31,33,43,44,46,47,119,121,249,252");
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "fp");
	assert_string_equal(v.reason, "Windows by fingerprint (1,3,6,15,31,33,43,44,46,47,119,121,249,252)");
	conf_free(c);
}

static void test_auth_identity_ad(void **state)
{
	(void)state;
	char text[3072];
	snprintf(text, sizeof(text), "%s"
		 "policy = ( { name = \"auth-failed\"; match = { auth = [ \"dot1x-failed\", \"mab-failed\" ]; };"
		 "             verdict = \"block\"; reason = \"{auth}\"; },"
		 "           { name = \"disabled\"; match = { account = \"disabled\"; };"
		 "             verdict = \"block\"; reason = \"AD account of {identity} is disabled\"; },"
		 "           { name = \"staff\"; match = { auth = \"dot1x\"; identity = \"host/*.township.gov.tw\";"
		 "             ad_group = [ \"Staff\", \"Office-*\" ]; account = \"enabled\"; };"
		 "             verdict = \"admit\"; role = \"staff\"; reason = \"staff PC {identity} ({groups})\"; },"
		 "           { name = \"mab-devices\"; match = { auth = \"mab\"; }; verdict = \"admit\"; role = \"printers\"; } );",
		 ROLES);
	struct conf *c = load(text);
	struct device_facts f;
	struct verdict v;

	facts_init(&f, "00:00:00:00:00:01");
	f.auth = AUTH_DOT1X;
	snprintf(f.identity, sizeof(f.identity), "host/pc-017.township.gov.tw");
	f.account = ACCOUNT_ENABLED;
	f.ngroups = 2;
	snprintf(f.groups[0], sizeof(f.groups[0]), "Domain Computers");
	snprintf(f.groups[1], sizeof(f.groups[1]), "Office-Finance");
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "staff");
	assert_int_equal(v.role_id, 10);
	assert_string_equal(v.reason, "staff PC host/pc-017.township.gov.tw (Domain Computers, Office-Finance)");
	assert_non_null(strstr(v.why, "AD group 'Office-Finance' matches 'Office-*'"));
	assert_non_null(strstr(v.why, "authentication dot1x"));
	assert_non_null(strstr(v.why, "AD account enabled"));

	/* the same PC with its AD account disabled is blocked by the earlier rule */
	f.account = ACCOUNT_DISABLED;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "disabled");
	assert_int_equal(v.state, VERDICT_BLOCK);
	assert_string_equal(v.reason, "AD account of host/pc-017.township.gov.tw is disabled");

	/* not in a matching group */
	f.account = ACCOUNT_ENABLED;
	f.ngroups = 1;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "default");

	facts_init(&f, "00:00:00:00:00:02");
	f.auth = AUTH_MAB_FAILED;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "auth-failed");
	assert_string_equal(v.reason, "mab-failed");

	f.auth = AUTH_MAB;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "mab-devices");

	f.auth = AUTH_NONE;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "default");
	conf_free(c);
}

static void test_posture(void **state)
{
	(void)state;
	char text[3072];
	snprintf(text, sizeof(text), "menjind = { posture_max_age_days = 7; };\n%s"
		 "policy = ( { name = \"gcb-failed\"; match = { posture = \"noncompliant\"; };"
		 "             verdict = \"quarantine\"; reason = \"GCB {failed} failed, scan {scan}\"; },"
		 "           { name = \"gcb-stale\"; match = { posture = [ \"stale\", \"unknown\" ]; };"
		 "             verdict = \"quarantine\"; reason = \"GCB result {posture}\"; },"
		 "           { name = \"gcb-ok\"; match = { posture = \"compliant\"; }; verdict = \"admit\"; role = \"staff\"; } );",
		 ROLES);
	struct conf *c = load(text);
	struct device_facts f;
	struct verdict v;
	char summary[POLICY_SUMMARY_MAX];

	facts_init(&f, "00:00:00:00:00:03");
	f.posture = POSTURE_NONCOMPLIANT;
	f.posture_scanned = NOW - 5 * DAY;   /* 2026-11-20 */
	f.nfailed = 1;
	snprintf(f.failed[0], sizeof(f.failed[0]), "TWGCB-01-008-0003");
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "gcb-failed");
	verdict_summary(&v, summary, sizeof(summary));
	assert_string_equal(summary, "quarantined: GCB TWGCB-01-008-0003 failed, scan 2026-11-20");
	assert_string_equal(v.why, "posture noncompliant (failing: TWGCB-01-008-0003; scan 2026-11-20)");
	/* the result goes stale two days from now: the verdict must be recomputed then */
	assert_int_equal(v.expires, NOW + 2 * DAY);

	f.posture = POSTURE_COMPLIANT;
	f.nfailed = 0;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "gcb-ok");
	assert_int_equal(v.expires, NOW + 2 * DAY);

	/* eight days later the same result is stale */
	f.now = NOW + 3 * DAY;
	assert_int_equal(policy_posture(&c->policy, &f), POSTURE_STALE);
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "gcb-stale");
	assert_string_equal(v.reason, "GCB result stale");
	assert_int_equal(v.expires, 0);

	facts_init(&f, "00:00:00:00:00:04");
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "gcb-stale");
	assert_string_equal(v.reason, "GCB result unknown");
	conf_free(c);
}

static void test_failed_item_pattern(void **state)
{
	(void)state;
	struct conf *c = load(
		"policy = ( { name = \"smb1\"; match = { failed_item = \"TWGCB-01-008-*\"; };"
		"             verdict = \"block\"; reason = \"critical GCB item failed\"; } );");
	struct device_facts f;
	struct verdict v;

	facts_init(&f, "00:00:00:00:00:05");
	f.posture = POSTURE_NONCOMPLIANT;
	f.posture_scanned = NOW;
	f.nfailed = 2;
	snprintf(f.failed[0], sizeof(f.failed[0]), "TWGCB-01-001-0001");
	snprintf(f.failed[1], sizeof(f.failed[1]), "TWGCB-01-008-0042");
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "smb1");
	assert_string_equal(v.why, "failing GCB item 'TWGCB-01-008-0042' matches 'TWGCB-01-008-*'");

	f.nfailed = 1;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "default");
	conf_free(c);
}

static void test_override(void **state)
{
	(void)state;
	char text[2048];
	snprintf(text, sizeof(text), "%s"
		 "policy = ( { name = \"no-override\"; match = { override = false; oui = \"00:1b:a9\"; };"
		 "             verdict = \"block\"; } );", ROLES);
	struct conf *c = load(text);
	struct device_facts f;
	struct verdict v;

	facts_init(&f, "00:1b:a9:00:00:09");
	f.override.active = true;
	f.override.state = VERDICT_ADMIT;
	f.override.role_id = 30;
	snprintf(f.override.role, sizeof(f.override.role), "guests");
	snprintf(f.override.reason, sizeof(f.override.reason), "visiting auditor, ticket 4711");
	snprintf(f.override.user, sizeof(f.override.user), "alice");
	f.override.uid = 1001;
	f.override.expires = NOW + 3600;
	policy_evaluate(&c->policy, &f, &v);
	assert_int_equal(v.state, VERDICT_ADMIT);
	assert_int_equal(v.rule_index, VERDICT_RULE_OVERRIDE);
	assert_string_equal(v.rule, "override");
	assert_int_equal(v.role_id, 30);
	assert_string_equal(v.reason, "visiting auditor, ticket 4711");
	assert_string_equal(v.why, "admin override by alice (uid 1001), expires 2026-11-25T13:00:00Z");
	assert_int_equal(v.expires, NOW + 3600);

	/* expired: the rules decide again, and "override = false" holds */
	f.now = NOW + 3600;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "no-override");
	assert_int_equal(v.state, VERDICT_BLOCK);

	/* a permanent override */
	f.override.expires = 0;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "override");
	assert_int_equal(v.expires, 0);
	assert_non_null(strstr(v.why, "expires never"));
	conf_free(c);
}

static void test_empty_facts_never_match_patterns(void **state)
{
	(void)state;
	struct conf *c = load(
		"policy = ( { name = \"named\"; match = { hostname = \"*\"; }; verdict = \"admit\"; role = \"unrestricted\"; },"
		"           { name = \"all\"; match = { }; verdict = \"block\"; reason = \"{mac} {ip}\"; } );");
	struct device_facts f;
	struct verdict v;

	facts_init(&f, "00:00:00:00:00:06");
	f.ipv4 = 0x0a0a0105;
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "all");
	assert_string_equal(v.reason, "00:00:00:00:00:06 10.10.1.5");
	assert_string_equal(v.why, "the rule matches every device");

	snprintf(f.hostname, sizeof(f.hostname), "pc");
	policy_evaluate(&c->policy, &f, &v);
	assert_string_equal(v.rule, "named");
	assert_int_equal(v.role_id, 0);
	assert_string_equal(v.role, "unrestricted");
	conf_free(c);
}

static void test_templates_and_names(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(policy_template_check("GCB {failed} failed, scan {scan}", err, sizeof(err)), 0);
	assert_int_equal(policy_template_check("{nope}", err, sizeof(err)), -22);
	assert_non_null(strstr(err, "unknown placeholder '{nope}'"));
	assert_int_equal(policy_template_check("open {mac", err, sizeof(err)), -22);
	assert_int_equal(policy_template_check("close }", err, sizeof(err)), -22);

	assert_int_equal(verdict_parse("admit"), VERDICT_ADMIT);
	assert_int_equal(verdict_parse("Quarantined"), VERDICT_QUARANTINE);
	assert_int_equal(verdict_parse("block"), VERDICT_BLOCK);
	assert_int_equal(verdict_parse("allow"), -1);
	assert_string_equal(verdict_state_name(VERDICT_UNKNOWN), "unknown");
	assert_int_equal(auth_result_parse("mab-failed"), AUTH_MAB_FAILED);
	assert_int_equal(posture_status_parse("stale"), POSTURE_STALE);
	assert_int_equal(account_state_parse("disabled"), ACCOUNT_DISABLED);
	assert_string_equal(auth_result_name(99), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_install_quarantines),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_dhcp_facts),
		cmocka_unit_test(test_auth_identity_ad),
		cmocka_unit_test(test_posture),
		cmocka_unit_test(test_failed_item_pattern),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_empty_facts_never_match_patterns),
		cmocka_unit_test(test_templates_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
