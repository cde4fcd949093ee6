/* cli_format_test.c — menjin-cli's output: tables that fit an 80-column
 * terminal (Chinese host names count two columns a character), cut cells
 * marked, long text wrapped, strings from the network cleaned of terminal
 * escapes, local times, the `?` help, and the | match / except / count filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_format.h"

#define TAIPEI (8 * 3600)

static const struct cli_format_opts o80 = { .width = 80, .tz_offset = TAIPEI, .list_limit = 5000 };

/* The widest line of a text, in display columns. */
static size_t widest(const char *text)
{
	size_t w = 0;
	char line[4096];
	while (text && *text) {
		size_t l = strcspn(text, "\n");
		if (l >= sizeof(line))
			l = sizeof(line) - 1;
		memcpy(line, text, l);
		line[l] = '\0';
		size_t lw = cli_text_width(line);
		if (lw > w)
			w = lw;
		text += l + (text[l] == '\n');
	}
	return w;
}

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (v == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return v;
}

static void format_cmd(enum cli_action a, const char *json, const struct cli_format_opts *o, struct cli_buf *out)
{
	struct cli_cmd cmd;
	memset(&cmd, 0, sizeof(cmd));
	cmd.action = a;
	json_t *v = load(json);
	cli_buf_init(out, 0);
	assert_int_equal(cli_format_result(&cmd, v, o, out), 0);
	json_decref(v);
	assert_non_null(out->p);
}

static void test_widths(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(cli_text_width("abc"), 3);
	assert_int_equal(cli_text_width("會計室"), 6);
	assert_int_equal(cli_text_width("PC-會計"), 7);
	assert_int_equal(cli_text_width("e\xcc\x81"), 1);         /* a combining accent takes no column */
	assert_int_equal(cli_text_width("\xff\xfe"), 2);          /* broken UTF-8: one '?' per byte */
	assert_int_equal(cli_text_cut("會計室主任", 5, out, sizeof(out)), 4);   /* never half a character */
	assert_string_equal(out, "會計");
	assert_int_equal(cli_text_cut("abc\x1b[2Jdef", 20, out, sizeof(out)), 10);
	assert_string_equal(out, "abc?[2Jdef");
	cli_text_cut("abcdef", 3, out, 3);   /* the buffer, not the columns, limits */
	assert_string_equal(out, "ab");
}

static void test_clean(void **state)
{
	struct cli_buf b;
	(void)state;
	cli_buf_init(&b, 0);
	cli_buf_clean(&b, "ok\x1b]0;owned\x07 \xc2\x9b" "31m \xe2\x80\xae" "gnp.exe\tx\ny", false);
	assert_null(strchr(b.p, 0x1b));
	assert_null(strchr(b.p, '\n'));
	assert_null(strstr(b.p, "\xc2\x9b"));           /* C1 CSI */
	assert_null(strstr(b.p, "\xe2\x80\xae"));       /* right-to-left override */
	cli_buf_reset(&b);
	cli_buf_clean(&b, "line1\nline2\tx", true);
	assert_string_equal(b.p, "line1\nline2\tx");
	cli_buf_free(&b);
}

static void test_buf_limit(void **state)
{
	struct cli_buf b;
	(void)state;
	cli_buf_init(&b, 16);
	assert_int_equal(cli_buf_add(&b, "0123456789", 10), 0);
	assert_int_not_equal(cli_buf_add(&b, "0123456789", 10), 0);
	assert_true(b.truncated);
	assert_string_equal(b.p, "0123456789");
	cli_buf_free(&b);
	cli_buf_init(&b, 0);
	char big[2000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cli_buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, sizeof(big) + 1);
	cli_buf_free(&b);
}

static void test_table_fits_80(void **state)
{
	static const struct cli_col cols[] = {
		{ "MAC", 17, 0 }, { "NAME", 6, CLI_COL_SHRINK }, { "NOTE", 10, CLI_COL_SHRINK },
	};
	struct cli_table t;
	struct cli_buf b;
	(void)state;
	cli_table_init(&t, 3, cols);
	const char *r1[] = { "02:00:0a:0a:01:0b", "pc1", "short" };
	const char *r2[] = { "02:00:0a:0a:01:0c", "a-very-long-host-name-from-dhcp-option-12.township.example.gov.tw",
			     "this note is far too long to fit beside the other columns of an eighty column terminal" };
	const char *r3[] = { "02:00:0a:0a:01:0d", "會計室主任的電腦會計室主任的電腦", NULL };
	cli_table_add(&t, r1);
	cli_table_add(&t, r2);
	cli_table_add(&t, r3);
	cli_buf_init(&b, 0);
	assert_int_equal(cli_table_render(&t, 80, &b), 0);
	assert_true(widest(b.p) <= 80);
	assert_non_null(strstr(b.p, "MAC"));
	assert_non_null(strstr(b.p, "~"));              /* cut cells say so */
	assert_non_null(strstr(b.p, "02:00:0a:0a:01:0d"));   /* MACs are never cut */
	assert_non_null(strstr(b.p, " -"));             /* an empty cell is "-" */
	/* short tables keep their natural widths */
	cli_table_free(&t);
	cli_table_init(&t, 3, cols);
	cli_table_add(&t, r1);
	cli_buf_reset(&b);
	cli_table_render(&t, 80, &b);
	assert_string_equal(b.p, "MAC                NAME  NOTE\n02:00:0a:0a:01:0b  pc1   short\n");
	cli_table_free(&t);
	cli_buf_free(&b);
}

static void test_table_wraps_last_column(void **state)
{
	static const struct cli_col cols[] = { { "KEY", 3, 0 }, { "TEXT", 10, CLI_COL_WRAP } };
	struct cli_table t;
	struct cli_buf b;
	(void)state;
	cli_table_init(&t, 2, cols);
	const char *r[] = { "k1", "one two three four five six seven eight nine ten eleven twelve thirteen" };
	cli_table_add(&t, r);
	cli_buf_init(&b, 0);
	cli_table_render(&t, 40, &b);
	assert_true(widest(b.p) <= 40);
	assert_null(strchr(b.p, '~'));                  /* wrapped, not cut */
	assert_non_null(strstr(b.p, "thirteen"));
	assert_non_null(strstr(b.p, "\n    "));          /* continuation under its column */
	cli_table_free(&t);
	cli_buf_free(&b);
}

static const char devices_json[] =
	"{\"devices\": ["
	"{\"mac\": \"02:00:0a:0a:01:0b\", \"ip\": \"10.10.1.11\", \"hostname\": \"pc1\", \"state\": \"admitted\","
	" \"role\": \"staff\", \"reason\": \"clerk PC (ticket 88)\"},"
	"{\"mac\": \"02:00:0a:0a:01:0c\", \"ip\": \"10.10.1.12\", \"hostname\": \"會計室主任的電腦-第二台-備用\","
	" \"state\": \"quarantined\", \"role\": \"\", \"reason\": \"GCB TWGCB-01-008-0003 failed, scan 2026-11-20, and more\"},"
	"{\"mac\": \"02:00:0a:0a:01:0d\", \"ip\": null, \"hostname\": \"evil\\u001b[2J\", \"state\": \"blocked\","
	" \"role\": \"\", \"reason\": \"reported stolen (lab case 2026-017)\"}"
	"], \"count\": 3}";

static void test_devices_list(void **state)
{
	struct cli_buf b;
	(void)state;
	format_cmd(CLI_SHOW_DEVICES, devices_json, &o80, &b);
	assert_true(widest(b.p) <= 80);
	assert_non_null(strstr(b.p, "MAC "));
	assert_non_null(strstr(b.p, "quarantined"));
	assert_non_null(strstr(b.p, "3 devices\n"));
	assert_null(strchr(b.p, 0x1b));
	cli_buf_free(&b);
	/* a list as long as the limit may have been cut: say so */
	struct cli_format_opts small = o80;
	small.list_limit = 3;
	format_cmd(CLI_SHOW_DEVICES, devices_json, &small, &b);
	assert_non_null(strstr(b.p, "there may be more: narrow with state, role or search"));
	cli_buf_free(&b);
	format_cmd(CLI_SHOW_DEVICES, "{\"devices\": [], \"count\": 0}", &o80, &b);
	assert_string_equal(b.p, "no devices\n");
	cli_buf_free(&b);
	/* a wide terminal shows everything */
	struct cli_format_opts wide = o80;
	wide.width = 200;
	format_cmd(CLI_SHOW_DEVICES, devices_json, &wide, &b);
	assert_non_null(strstr(b.p, "GCB TWGCB-01-008-0003 failed, scan 2026-11-20, and more"));
	cli_buf_free(&b);
}

static void test_device_detail(void **state)
{
	struct cli_buf b;
	(void)state;
	format_cmd(CLI_SHOW_DEVICE,
		   "{\"mac\": \"02:00:0a:0a:01:0c\", \"ip\": \"10.10.1.12\", \"hostname\": \"pc2\", \"oui\": \"02:00:0a\","
		   " \"first_seen\": \"2026-11-25T01:00:00Z\", \"last_seen\": \"2026-11-25T12:00:00Z\", \"port\": 0, \"vlan\": 0,"
		   " \"ips\": [{\"addr\": \"10.10.1.12\", \"source\": \"dhcp\", \"last_seen\": \"2026-11-25T12:00:00Z\"}],"
		   " \"facts\": {\"auth\": \"mab\", \"identity\": \"\", \"account\": \"enabled\", \"ad_groups\": [\"PCs\", \"會計室\"],"
		   "   \"posture\": {\"recorded\": \"noncompliant\", \"effective\": \"noncompliant\", \"scanned\": \"2026-11-20T00:00:00Z\","
		   "   \"failed\": [\"TWGCB-01-008-0003\"]}},"
		   " \"override\": null,"
		   " \"verdict\": {\"state\": \"quarantined\", \"role\": \"\", \"rule\": \"gcb-failed\", \"rule_line\": 120,"
		   "   \"reason\": \"GCB TWGCB-01-008-0003 failed\", \"why\": \"posture noncompliant (TWGCB-01-008-0003); auth mab;"
		   " account enabled; AD groups PCs, 會計室; the rule gcb-failed matched before the default and every later rule"
		   " was not looked at\", \"decided\": \"2026-11-25T12:00:00Z\", \"expires\": null},"
		   " \"policy_now\": {\"state\": \"admitted\", \"rule\": \"staff\", \"reason\": \"fixed\"}}",
		   &o80, &b);
	assert_true(widest(b.p) <= 80);
	assert_non_null(strstr(b.p, "Device 02:00:0a:0a:01:0c (pc2)\n"));
	assert_non_null(strstr(b.p, "  State         quarantined\n"));
	assert_non_null(strstr(b.p, "rule gcb-failed (configuration line 120)"));
	assert_non_null(strstr(b.p, "  Decided       2026-11-25 20:00:00\n"));   /* local time */
	assert_non_null(strstr(b.p, "  Expires       never\n"));
	assert_non_null(strstr(b.p, "  Override      none\n"));
	assert_non_null(strstr(b.p, "Policy now    admitted by staff"));
	assert_non_null(strstr(b.p, "Failed items  TWGCB-01-008-0003"));
	assert_non_null(strstr(strstr(b.p, "  Why  "), "\n                "));   /* wrapped under its column */
	assert_non_null(strstr(b.p, "was not looked at\n"));
	cli_buf_free(&b);
}

/* The AD computer a device is bound to, its GCB exception, and the answer to
 * request posture MAC waive/clear. */
static void test_ad_binding_and_posture_override(void **state)
{
	struct cli_buf b;
	(void)state;
	format_cmd(CLI_SHOW_DEVICE,
		   "{\"mac\": \"02:00:0a:0a:01:0b\", \"hostname\": \"PC01\","
		   " \"facts\": {\"auth\": \"none\", \"account\": \"enabled\", \"ad_groups\": [\"Teachers\"],"
		   "   \"ad_binding\": {\"bound\": true, \"computer\": \"PC01$\", \"source\": \"dhcp-hostname\","
		   "   \"attr\": \"sAMAccountName\", \"claim\": \"PC01\"},"
		   "   \"posture\": {\"recorded\": \"compliant\", \"effective\": \"compliant\", \"scanned\": null, \"failed\": [],"
		   "   \"override\": {\"waived\": [\"TWGCB-01-008-0003\"], \"status\": null, \"user\": \"chen\","
		   "   \"expires\": \"2026-12-31T00:00:00Z\", \"active\": true}}},"
		   " \"override\": null, \"verdict\": {\"state\": \"admitted\", \"rule\": \"ad-teachers\"}}",
		   &o80, &b);
	assert_non_null(strstr(b.p, "AD computer   PC01$ (by dhcp-hostname PC01)\n"));
	assert_non_null(strstr(b.p, "GCB exception waived TWGCB-01-008-0003, by chen until 2026-12-31 08:00:00\n"));
	cli_buf_free(&b);

	format_cmd(CLI_SHOW_DEVICE,
		   "{\"mac\": \"02:00:0a:0a:01:0b\", \"facts\": {\"ad_binding\": {\"bound\": false, \"note\": \"x\"},"
		   " \"posture\": {\"override\": {\"waived\": [], \"status\": \"compliant\", \"user\": \"chen\","
		   " \"expires\": null}}}, \"verdict\": {\"state\": \"admitted\"}}",
		   &o80, &b);
	assert_non_null(strstr(b.p, "AD computer   none\n"));
	assert_non_null(strstr(b.p, "GCB exception forced compliant, by chen until cleared\n"));
	cli_buf_free(&b);

	format_cmd(CLI_REQUEST_POSTURE_OVERRIDE,
		   "{\"mac\": \"02:00:0a:0a:01:0b\", \"status\": \"compliant\", \"reason\": \"GCB compliant, scan 2026-11-20\","
		   " \"override\": {\"waived\": [\"TWGCB-01-008-0003\"], \"status\": null, \"user\": \"chen\", \"expires\": null},"
		   " \"verdict\": \"admitted\", \"verdict_reason\": \"GCB compliant, scan 2026-11-20\"}",
		   &o80, &b);
	assert_non_null(strstr(b.p, "02:00:0a:0a:01:0b posture is compliant\n"));
	assert_non_null(strstr(b.p, "waived"));
	assert_non_null(strstr(b.p, "TWGCB-01-008-0003"));
	assert_non_null(strstr(b.p, "cleared"));
	assert_non_null(strstr(b.p, "admitted: GCB compliant, scan 2026-11-20"));
	cli_buf_free(&b);

	format_cmd(CLI_REQUEST_POSTURE_CLEAR,
		   "{\"mac\": \"02:00:0a:0a:01:0b\", \"status\": \"noncompliant\", \"override\": null,"
		   " \"verdict\": \"quarantined\", \"verdict_reason\": \"GCB TWGCB-01-008-0003 failed\"}",
		   &o80, &b);
	assert_non_null(strstr(b.p, "posture is noncompliant\n"));
	assert_non_null(strstr(b.p, "none: the scans alone decide"));
	cli_buf_free(&b);
}

static void test_events(void **state)
{
	struct cli_buf b;
	(void)state;
	format_cmd(CLI_SHOW_EVENTS,
		   "{\"events\": [{\"id\": 1, \"ts\": \"2026-11-25T12:00:00.000Z\", \"kind\": \"verdict\","
		   " \"mac\": \"02:00:0a:0a:01:0b\", \"msg\": \"02:00:0a:0a:01:0b admitted: staff\"},"
		   "{\"id\": 2, \"ts\": \"2026-11-25T12:00:01.500Z\", \"kind\": \"audit\", \"params\": {\"cmd\": \"config.reload\","
		   " \"user\": \"chen\"}},"
		   "{\"id\": 3, \"ts\": \"2026-11-25T12:00:02.000Z\", \"kind\": \"override.set\", \"mac\": \"02:00:0a:0a:01:0c\","
		   " \"msg\": \"a very long message that goes on and on past the end of an eighty column line and must wrap\"}],"
		   " \"last_id\": 3}",
		   &o80, &b);
	assert_true(widest(b.p) <= 80);
	assert_non_null(strstr(b.p, "2026-11-25 20:00:00 verdict       02:00:0a:0a:01:0b admitted: staff\n"));
	assert_non_null(strstr(b.p, "audit         cmd=config.reload user=chen\n"));
	assert_non_null(strstr(b.p, "02:00:0a:0a:01:0c: a very long"));   /* the MAC, when the message lacks it */
	assert_non_null(strstr(b.p, "\n                    "));
	cli_buf_free(&b);
	format_cmd(CLI_SHOW_EVENTS, "{\"events\": [], \"last_id\": 0}", &o80, &b);
	assert_string_equal(b.p, "no events\n");
	cli_buf_free(&b);
}

static void test_time(void **state)
{
	char out[64];
	(void)state;
	cli_format_time("2026-11-25T12:00:00.000Z", TAIPEI, out, sizeof(out));
	assert_string_equal(out, "2026-11-25 20:00:00");
	cli_format_time("2026-12-31T20:00:00Z", TAIPEI, out, sizeof(out));
	assert_string_equal(out, "2027-01-01 04:00:00");
	cli_format_time("yesterday", 0, out, sizeof(out));
	assert_string_equal(out, "yesterday");
	cli_format_time(NULL, 0, out, sizeof(out));
	assert_string_equal(out, "-");
}

static void test_generic_and_stats(void **state)
{
	struct cli_buf b;
	(void)state;
	format_cmd(CLI_SHOW_STATS,
		   "{\"devices\": {\"unknown\": 1, \"quarantined\": 2, \"admitted\": 3, \"blocked\": 0, \"total\": 6},"
		   " \"daemon\": {\"pid\": 42, \"dhcp_errors\": {}},"
		   " \"fastpath\": {\"state\": \"up\", \"ports\": [{\"index\": 0, \"name\": \"lan0\", \"role\": \"lan\","
		   " \"link\": true}, {\"index\": 1, \"name\": \"uplink\", \"role\": \"uplink\", \"link\": false}],"
		   " \"counters\": {\"rx.lan0\": 10}}}",
		   &o80, &b);
	assert_true(widest(b.p) <= 80);
	assert_non_null(strstr(b.p, "devices:\n  unknown      1\n"));
	assert_non_null(strstr(b.p, "dhcp_errors  (none)\n"));
	assert_non_null(strstr(b.p, "index  name    role    link"));   /* a list of records is a table */
	assert_non_null(strstr(b.p, "uplink  uplink  no"));
	cli_buf_free(&b);
	/* an answer of a shape the CLI does not know yet still prints */
	format_cmd(CLI_SHOW_AD, "{\"enabled\": true, \"last_error\": \"\", \"computers\": 12, \"uri\": [\"ldaps://dc1\"]}",
		   &o80, &b);
	assert_non_null(strstr(b.p, "enabled     yes\n"));
	assert_non_null(strstr(b.p, "uri         ldaps://dc1\n"));
	cli_buf_free(&b);
	format_cmd(CLI_REQUEST_REAUTH, "{}", &o80, &b);
	assert_string_equal(b.p, "ok\n");
	cli_buf_free(&b);
}

static void test_policy_roles_history(void **state)
{
	struct cli_buf b;
	(void)state;
	format_cmd(CLI_SHOW_POLICY,
		   "{\"override\": \"first\", \"rules\": [{\"index\": 0, \"name\": \"lab-blocked\", \"line\": 61,"
		   " \"match\": {\"mac\": [\"02:00:0a:0a:01:0d\"]}, \"verdict\": \"blocked\", \"role\": \"\","
		   " \"reason\": \"stolen\"}], \"default\": {\"verdict\": \"quarantined\", \"rule\": \"default\"},"
		   " \"posture_max_age_days\": 30, \"generation\": 4}",
		   &o80, &b);
	assert_non_null(strstr(b.p, "1. lab-blocked (line 61): blocked\n"));
	assert_non_null(strstr(b.p, "match         mac 02:00:0a:0a:01:0d\n"));
	assert_non_null(strstr(b.p, "default: quarantined"));
	cli_buf_free(&b);
	format_cmd(CLI_SHOW_ROLES,
		   "{\"roles\": [{\"name\": \"staff\", \"id\": 10, \"default\": \"deny\", \"line\": 44, \"rules\":"
		   " [\"permit tcp to 10.10.0.100/32 port 80\"]}], \"quarantine\": {\"unknown_action\": \"quarantine\","
		   " \"resolvers\": [\"10.10.0.53\"], \"remediation\": [\"10.10.0.80 ports 80,443\"]}}",
		   &o80, &b);
	assert_non_null(strstr(b.p, "Role staff (id 10, line 44): default deny\n    1  permit tcp"));
	assert_non_null(strstr(b.p, "resolvers     10.10.0.53\n"));
	cli_buf_free(&b);
	format_cmd(CLI_SHOW_CONFIG_HISTORY,
		   "{\"versions\": [{\"version\": 7, \"time\": \"2026-11-25T12:00:00Z\", \"user\": \"chen\","
		   " \"state\": \"pending\", \"comment\": \"new printers\"}, {\"version\": 6, \"time\": \"2026-11-24T12:00:00Z\","
		   " \"user\": \"lin\", \"state\": \"confirmed\", \"comment\": \"\"}]}",
		   &o80, &b);
	assert_true(widest(b.p) <= 80);
	assert_non_null(strstr(b.p, "\n0        7  2026-11-25 20:00:00  chen  pending    new printers\n"));
	assert_non_null(strstr(b.p, "\n1        6  2026-11-24 20:00:00  lin   confirmed  -\n"));
	cli_buf_free(&b);
	format_cmd(CLI_SHOW_CONFIGURATION, "{\"text\": \"a = 1;\\n\\u001b b = 2;\", \"sha256\": \"x\"}", &o80, &b);
	assert_string_equal(b.p, "a = 1;\n? b = 2;\n");
	cli_buf_free(&b);
}

static void test_central(void **state)
{
	struct cli_buf b;
	(void)state;
	/* 1764072000 = 2025-11-25T12:00:00Z */
	format_cmd(CLI_SHOW_CENTRAL,
		   "{\"bundle\": {\"running\": true, \"version\": 3, \"key_id\": \"centre-lab\", \"sha256\": \"ab12\","
		   " \"issuer\": \"Yilan\", \"created\": 1764072000, \"expires\": 1766664000, \"expired\": false,"
		   " \"applied_at\": 1764072000, \"from_disk\": true, \"high_water\": 3,"
		   " \"last_refusal\": \"version: 1 is not greater than 3\", \"last_refusal_at\": 1764072060,"
		   " \"counts\": {\"roles\": 1, \"policy\": 2, \"devices\": 3, \"baselines\": 0, \"blocklist\": 1},"
		   " \"overrides\": {\"set\": 2, \"unchanged\": 0, \"admin\": 1, \"failed\": 0, \"cleared\": 0},"
		   " \"fetch\": {\"url\": \"https://c/bundle\", \"last_attempt\": 1764072060, \"last_success\": 1764072060,"
		   " \"outcome\": \"refused\", \"http_code\": 200, \"last_error\": \"\"}},"
		   " \"feeds\": [], \"blocklist_prefixes\": 1}",
		   &o80, &b);
	assert_non_null(strstr(b.p, "central bundle: version 3 (key centre-lab), from the saved copy\n"));
	assert_non_null(strstr(b.p, "  applied       2025-11-25 20:00:00\n"));
	assert_non_null(strstr(b.p, "  contents      roles 1, policy rules 2, devices 3, baselines 0, blocklist 1\n"));
	assert_non_null(strstr(b.p, "  refused       2025-11-25 20:01:00: version: 1 is not greater than 3\n"));
	assert_non_null(strstr(b.p, "blocklist_prefixes"));
	assert_true(widest(b.p) <= 80);
	cli_buf_free(&b);
	format_cmd(CLI_SHOW_CENTRAL, "{\"bundle\": null, \"feeds\": []}", &o80, &b);
	assert_non_null(strstr(b.p, "central bundle: not configured"));
	cli_buf_free(&b);
}

static void test_changes(void **state)
{
	struct cli_buf b;
	(void)state;
	format_cmd(CLI_REQUEST_OVERRIDE,
		   "{\"mac\": \"02:00:0a:0a:01:0c\", \"verdict\": {\"state\": \"blocked\", \"reason\": \"stolen\","
		   " \"rule\": \"override\", \"expires\": \"2026-11-25T20:00:00Z\"}}",
		   &o80, &b);
	assert_non_null(strstr(b.p, "02:00:0a:0a:01:0c is now blocked until 2026-11-26 04:00:00\n"));
	cli_buf_free(&b);
	format_cmd(CLI_REQUEST_RELOAD, "{\"generation\": 5, \"rules_changed\": true, \"verdicts_changed\": 2, \"sha256\": \"x\"}",
		   &o80, &b);
	assert_string_equal(b.p, "configuration reloaded: generation 5, roles or policy changed, 2 verdicts changed\n");
	cli_buf_free(&b);
	format_cmd(CLI_CFG_COMMIT, "{\"version\": 8, \"generation\": 6, \"confirm_by\": \"2026-11-25T12:05:00Z\"}", &o80, &b);
	assert_non_null(strstr(b.p, "commit complete: version 8, generation 6\n"));
	assert_non_null(strstr(b.p, "before 2026-11-25 20:05:00, or it is rolled back by itself"));
	cli_buf_free(&b);
	format_cmd(CLI_SHOW_POSTURE,
		   "{\"total\": {\"devices\": 8, \"compliant\": 7, \"noncompliant\": 1, \"unknown\": 0, \"stale\": 0,"
		   " \"unscanned\": 0}, \"roles\": [{\"name\": \"staff\", \"devices\": 3, \"compliant\": 2}],"
		   " \"baselines\": [{\"name\": \"win10\", \"devices\": 8, \"compliant\": 7}]}",
		   &o80, &b);
	assert_true(widest(b.p) <= 80);
	assert_non_null(strstr(b.p, "87.5%"));
	assert_non_null(strstr(b.p, "66.6%"));
	assert_non_null(strstr(b.p, "By baseline"));
	cli_buf_free(&b);
}

static void test_sessions(void **state)
{
	struct cli_buf b;
	struct cli_cmd cmd;
	(void)state;
	static const char sessions[] =
		"{\"sessions\": [{\"mac\": \"02:00:0a:0a:01:0b\", \"identity\": \"host/pc1.office.example\","
		" \"method\": \"eap\", \"state\": \"authenticated\", \"authorized\": true, \"since\": \"2026-11-25T12:00:00Z\","
		" \"session_timeout\": 3600, \"role\": \"staff\"},"
		"{\"mac\": \"02:00:0a:0a:01:14\", \"identity\": \"02000a0a0114\", \"method\": \"mab\","
		" \"state\": \"authenticated\", \"since\": null, \"role\": \"printers\"}], \"count\": 2}";
	format_cmd(CLI_SHOW_SESSIONS, sessions, &o80, &b);
	assert_true(widest(b.p) <= 80);
	assert_non_null(strstr(b.p, "MAC "));
	assert_non_null(strstr(b.p, "host/pc1."));   /* the widest column gives first */
	assert_non_null(strstr(b.p, "2026-11-25 20:00:00"));   /* times are never cut */
	assert_non_null(strstr(b.p, "2026-11-25 20:00:00"));
	assert_non_null(strstr(b.p, "2 sessions\n"));
	cli_buf_free(&b);
	/* show sessions device MAC: that device's rows only */
	assert_int_equal(cli_parse_line("show sessions device 02:00:0a:0a:01:14", CLI_MODE_EXEC, &cmd, NULL, 0), 0);
	json_t *v = load(sessions);
	cli_buf_init(&b, 0);
	cli_format_result(&cmd, v, &o80, &b);
	assert_null(strstr(b.p, "02:00:0a:0a:01:0b"));
	assert_non_null(strstr(b.p, "1 session\n"));
	cli_buf_free(&b);
	json_decref(v);
	format_cmd(CLI_REQUEST_REAUTH, "{\"started\": true}", &o80, &b);
	assert_string_equal(b.p, "reauthentication started\n");
	cli_buf_free(&b);
}

static void test_help(void **state)
{
	struct cli_completion c;
	struct cli_buf b;
	(void)state;
	memset(&c, 0, sizeof(c));
	cli_completion_add(&c, "state", "only devices in this state", true);
	cli_completion_add(&c, "MAC|IP|NAME", "one device", false);
	c.may_end = true;
	cli_buf_init(&b, 0);
	cli_format_help(&c, 80, &b);
	assert_string_equal(b.p, "  state        only devices in this state\n"
				 "  MAC|IP|NAME  one device\n"
				 "  <cr>\n");
	cli_buf_reset(&b);
	cli_format_syntax(CLI_MODE_EXEC, 80, &b);
	assert_true(widest(b.p) <= 80);
	assert_non_null(strstr(b.p, "  show devices [state STATE] [role ROLE] [search TEXT]\n"));
	cli_buf_reset(&b);
	cli_format_syntax(CLI_MODE_CONFIGURE, 80, &b);
	assert_non_null(strstr(b.p, "| compare"));
	cli_buf_free(&b);
}

static void test_pipes(void **state)
{
	static const char text[] = "MAC STATE\naa admitted\nbb blocked\ncc Admitted\n";
	struct cli_pipe p[2] = { { .kind = CLI_PIPE_MATCH, .arg = "admitted" }, { .kind = CLI_PIPE_COUNT } };
	struct cli_buf b;
	(void)state;
	cli_buf_init(&b, 0);
	cli_pipe_apply(text, strlen(text), p, 1, &b);
	assert_string_equal(b.p, "aa admitted\ncc Admitted\n");
	cli_buf_reset(&b);
	cli_pipe_apply(text, strlen(text), p, 2, &b);
	assert_string_equal(b.p, "Count: 2 lines\n");
	cli_buf_reset(&b);
	p[0].kind = CLI_PIPE_EXCEPT;
	cli_pipe_apply(text, strlen(text), p, 1, &b);
	assert_string_equal(b.p, "MAC STATE\nbb blocked\n");
	cli_buf_reset(&b);
	struct cli_pipe nm = { .kind = CLI_PIPE_NO_MORE };
	cli_pipe_apply(text, strlen(text), &nm, 1, &b);
	assert_string_equal(b.p, text);
	cli_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_table_fits_80),
		cmocka_unit_test(test_table_wraps_last_column),
		cmocka_unit_test(test_devices_list),
		cmocka_unit_test(test_device_detail),
		cmocka_unit_test(test_ad_binding_and_posture_override),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_generic_and_stats),
		cmocka_unit_test(test_policy_roles_history),
		cmocka_unit_test(test_central),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_pipes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
