/* cli_grammar_test.c — menjin-cli's command language: every command, the
 * abbreviations an administrator types, ambiguity, bad words named with the
 * nearest good one, value checks (MAC, duration, ranges), Tab and `?`
 * candidates, and the syntax summary `help` prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_grammar.h"

#define MAC1 "02:00:0a:0a:01:0b"

static struct cli_cmd cmd;
static char err[CLI_ERR_MAX];

static int parse(const char *line)
{
	err[0] = '\0';
	return cli_parse_line(line, CLI_MODE_EXEC, &cmd, err, sizeof(err));
}

static int parse_cfg(const char *line)
{
	err[0] = '\0';
	return cli_parse_line(line, CLI_MODE_CONFIGURE, &cmd, err, sizeof(err));
}

static void expect_action(const char *line, enum cli_action a)
{
	int rc = parse(line);
	if (rc != 0 || cmd.action != a)
		fail_msg("'%s': rc %d action %s (%s)", line, rc, cli_action_name(cmd.action), err);
}

static void expect_error(const char *line, const char *text)
{
	int rc = parse(line);
	if (rc != -EINVAL)
		fail_msg("'%s' parsed (action %s), expected an error with \"%s\"", line, cli_action_name(cmd.action), text);
	if (strstr(err, text) == NULL)
		fail_msg("'%s': error \"%s\" lacks \"%s\"", line, err, text);
}

/* ---- every command ---------------------------------------------------------- */

static void test_every_exec_command(void **state)
{
	(void)state;
	static const struct { const char *line; enum cli_action a; } cases[] = {
		{ "show devices", CLI_SHOW_DEVICES },
		{ "show devices state quarantined role staff search pc", CLI_SHOW_DEVICES },
		{ "show device " MAC1, CLI_SHOW_DEVICE },
		{ "show device 10.10.1.11", CLI_SHOW_DEVICE },
		{ "show device pc-accounting-3", CLI_SHOW_DEVICE },
		{ "show sessions", CLI_SHOW_SESSIONS },
		{ "show sessions device " MAC1, CLI_SHOW_SESSIONS },
		{ "show posture", CLI_SHOW_POSTURE },
		{ "show posture device " MAC1, CLI_SHOW_POSTURE_DEVICE },
		{ "show radius", CLI_SHOW_RADIUS },
		{ "show central", CLI_SHOW_CENTRAL },
		{ "request sync feeds", CLI_REQUEST_SYNC_FEEDS },
		{ "request sync central", CLI_REQUEST_SYNC_CENTRAL },
		{ "show ad", CLI_SHOW_AD },
		{ "show stats", CLI_SHOW_STATS },
		{ "show statistics", CLI_SHOW_STATS },
		{ "show events", CLI_SHOW_EVENTS },
		{ "show events count 50", CLI_SHOW_EVENTS },
		{ "show policy", CLI_SHOW_POLICY },
		{ "show roles", CLI_SHOW_ROLES },
		{ "show configuration", CLI_SHOW_CONFIGURATION },
		{ "show configuration history", CLI_SHOW_CONFIG_HISTORY },
		{ "show configuration rollback 2", CLI_SHOW_CONFIG_ROLLBACK },
		{ "monitor events", CLI_MONITOR_EVENTS },
		{ "monitor events count 3", CLI_MONITOR_EVENTS },
		{ "request device " MAC1 " admit role staff reason ok", CLI_REQUEST_OVERRIDE },
		{ "request device " MAC1 " quarantine for 8h reason failed GCB scan", CLI_REQUEST_OVERRIDE },
		{ "request device " MAC1 " block for permanent reason stolen", CLI_REQUEST_OVERRIDE },
		{ "request device " MAC1 " clear", CLI_REQUEST_CLEAR },
		{ "request device " MAC1 " clear reason fixed", CLI_REQUEST_CLEAR },
		{ "request device " MAC1 " reauth", CLI_REQUEST_REAUTH },
		{ "request sync ad", CLI_REQUEST_SYNC_AD },
		{ "request sync ad full", CLI_REQUEST_SYNC_AD },
		{ "request sync posture", CLI_REQUEST_SYNC_POSTURE },
		{ "request reload", CLI_REQUEST_RELOAD },
		{ "capture lan0", CLI_CAPTURE },
		{ "capture lan0 count 10", CLI_CAPTURE },
		{ "capture uplink tcp port 443 count 10", CLI_CAPTURE },
		{ "capture 0 \"udp and port 67\"", CLI_CAPTURE },
		{ "configure", CLI_CONFIGURE },
		{ "confirm", CLI_CONFIRM },
		{ "help", CLI_HELP },
		{ "exit", CLI_EXIT },
		{ "quit", CLI_EXIT },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_action(cases[i].line, cases[i].a);
}

static void test_values_land_in_slots(void **state)
{
	(void)state;
	assert_int_equal(parse("request device 02-00-0A-0A-01-0B quarantine for 8h role staff reason failed GCB scan"),
			 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_MAC), MAC1);   /* canonical form */
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_VERDICT), "quarantine");
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_DURATION), "8h");
	assert_int_equal(cmd.num[CLI_S_DURATION], 8 * 3600);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_ROLE), "staff");
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_REASON), "failed GCB scan");
	assert_string_equal(cmd.canon, "request device quarantine");

	assert_int_equal(parse("request device 0200.0a0a.010b block reason \"stolen; case 17\""), 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_MAC), MAC1);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_REASON), "stolen; case 17");
	assert_null(cli_cmd_get(&cmd, CLI_S_DURATION));

	assert_int_equal(parse("show device 10.10.1.11"), 0);
	assert_int_equal(cmd.device_kind, CLI_DEV_IP);
	assert_int_equal(parse("show device pc3"), 0);
	assert_int_equal(cmd.device_kind, CLI_DEV_NAME);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_DEVICE), "pc3");
	assert_int_equal(parse("show devices " MAC1), 0);
	assert_int_equal(cmd.device_kind, CLI_DEV_MAC);

	assert_int_equal(parse("capture lan0 tcp port 80 and host 10.10.0.100 count 25"), 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_PORT), "lan0");
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_FILTER), "tcp port 80 and host 10.10.0.100");
	assert_int_equal(cmd.num[CLI_S_COUNT], 25);

	assert_int_equal(parse("request sync ad full"), 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_FLAG), "full");
	assert_int_equal(parse("show devices search \"pc 3\" state blocked"), 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_SEARCH), "pc 3");
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_STATE), "blocked");
}

/* ---- abbreviations and ambiguity ---------------------------------------------------- */

static void test_abbreviations(void **state)
{
	(void)state;
	expect_action("sh dev", CLI_SHOW_DEVICES);
	expect_action("SH DEV", CLI_SHOW_DEVICES);       /* keywords ignore case */
	expect_action("sh dev st q", CLI_SHOW_DEVICES);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_STATE), "quarantined");
	expect_action("sh dev " MAC1, CLI_SHOW_DEVICE);
	expect_action("sh se", CLI_SHOW_SESSIONS);
	expect_action("sh sta", CLI_SHOW_STATS);
	expect_action("sh stat", CLI_SHOW_STATS);         /* "stats" and its alias are one keyword */
	expect_action("sh pos", CLI_SHOW_POSTURE);
	expect_action("sh conf hist", CLI_SHOW_CONFIG_HISTORY);
	expect_action("mon ev", CLI_MONITOR_EVENTS);
	expect_action("req dev " MAC1 " q f 30m re laptop left in the car", CLI_REQUEST_OVERRIDE);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_REASON), "laptop left in the car");
	expect_action("req sy ad", CLI_REQUEST_SYNC_AD);
	expect_action("cap lan0", CLI_CAPTURE);
	/* "conf" is configure on every router; confirm needs six letters */
	expect_action("conf", CLI_CONFIGURE);
	expect_action("confi", CLI_CONFIGURE);
	expect_action("confir", CLI_CONFIRM);
	expect_action("q", CLI_EXIT);
}

static void test_ambiguity(void **state)
{
	(void)state;
	expect_error("show s", "show: 's' is ambiguous: sessions or stats?");
	expect_error("show p", "'p' is ambiguous: policy or posture?");
	expect_error("c", "'c' is ambiguous: capture or configure?");
	expect_error("show c", "'c' is ambiguous: central or configuration?");
	expect_error("request device " MAC1 " admit r x", "'r' is ambiguous: role or reason?");
}

/* ---- bad words and their suggestions ---------------------------------------------- */

static void test_suggestions(void **state)
{
	(void)state;
	expect_error("shwo devices", "unknown command 'shwo': did you mean 'show'?");
	expect_error("sow", "unknown command 'sow': did you mean 'show'?");
	expect_error("show devcies", "show: unknown word 'devcies': did you mean 'devices'?");
	expect_error("request devise " MAC1 " reauth", "request: unknown word 'devise': did you mean 'device'?");
	expect_error("request device " MAC1 " admitt reason x", "did you mean 'admit'?");
	expect_error("show devices sate admitted", "show devices: unknown word 'sate': did you mean 'state'?");
	expect_error("show devices state admited", "unknown state 'admited': did you mean 'admitted'?");
	expect_error("show devices state frozen", "expected unknown, quarantined, admitted or blocked");
	expect_error("xyzzy", "unknown command 'xyzzy' (type ? or help");
	expect_error("show xyzzy", "show: unknown word 'xyzzy'; expected ad, central, configuration, devices");
	expect_error("show devices | mach pc", "unknown filter '| mach': did you mean 'match'?");
	/* a one-letter slip is not guessed at */
	expect_error("show z", "show: unknown word 'z'; expected");
}

/* ---- values ---------------------------------------------------------------------------- */

static void test_mac_forms(void **state)
{
	(void)state;
	static const char *good[] = { "02:00:0a:0a:01:0b", "02-00-0A-0A-01-0B", "0200.0a0a.010b" };
	static const char *bad[] = { "02:00:0a:0a:01", "02:00:0a:0a:01:0g", "0200:0a0a:010b", "zz", "02:00:0a:0a:01:0b:" };
	char line[128];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "request device %s reauth", good[i]);
		expect_action(line, CLI_REQUEST_REAUTH);
		assert_string_equal(cli_cmd_get(&cmd, CLI_S_MAC), MAC1);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "request device %s reauth", bad[i]);
		expect_error(line, "is not a MAC address (like 00:1a:2b:3c:4d:5e)");
	}
	expect_error("show sessions device 10.1.1.1", "'10.1.1.1' is not a MAC address");
}

static void test_durations(void **state)
{
	(void)state;
	static const struct { const char *s; long long v; } good[] = {
		{ "3600", 3600 }, { "90s", 90 }, { "30m", 1800 }, { "8h", 28800 }, { "7d", 604800 },
		{ "2w", 1209600 }, { "permanent", 0 }, { "PERMANENT", 0 }, { "36500d", 36500LL * 86400 },
	};
	static const char *bad[] = { "0", "0h", "3x", "h", "-5m", "8hh", "1.5h", "", "36501d", "99999999999999999999" };
	long long v;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(cli_parse_duration(good[i].s, &v), 0);
		assert_int_equal(v, good[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cli_parse_duration(bad[i], &v) == 0)
			fail_msg("duration '%s' accepted as %lld", bad[i], v);
	expect_error("request device " MAC1 " admit for 3x reason y",
		     "request device admit: '3x' is not a duration (like 90s, 30m, 8h, 7d, 2w or permanent)");
	expect_error("request device " MAC1 " admit for 0 reason y", "at least 1s");
}

static void test_ranges_and_required(void **state)
{
	(void)state;
	expect_error("show events count 0", "count '0' is not a number from 1 to 1000");
	expect_error("show events count 1001", "from 1 to 1000");
	expect_error("show events count ten", "'ten' is not a number");
	expect_error("capture lan0 count 100001", "from 1 to 100000");
	expect_error("show configuration rollback 50", "from 0 to 49");
	expect_error("request device " MAC1 " admit for 8h",
		     "request device admit: 'reason TEXT' is required");
	expect_error("request device " MAC1 " admit reason", "TEXT after 'reason' is missing");
	expect_error("request device " MAC1, "request device: incomplete command; expected admit, quarantine, block, clear, reauth");
	expect_error("request", "request: incomplete command; expected device, posture, reload, sync");
	expect_error("show devices state admitted state blocked", "show devices: 'state' given twice");
	expect_error("show stats now", "show stats: unexpected word 'now'");
	expect_error("capture lan0 count 5 tcp", "capture: unexpected word 'tcp'");
	expect_error("request device " MAC1 " admit role \"st aff\" reason x", "is not a role name");
	/* 260 characters: longer than the API keeps */
	char line[600] = "request device " MAC1 " block reason";
	for (int i = 0; i < 26; i++)
		strcat(line, " 123456789");
	expect_error(line, "is too long (at most 255 characters)");
}

static void test_quotes_and_tokens(void **state)
{
	struct cli_tokens t;
	(void)state;
	assert_int_equal(cli_tokenize("set a \"b c\" 'd \"e' f\\ g;x|y", false, &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 9);
	assert_string_equal(cli_token(&t, 2), "b c");
	assert_true(t.tok[2].quoted);
	assert_string_equal(cli_token(&t, 3), "d \"e");
	assert_string_equal(cli_token(&t, 4), "f g");
	assert_false(t.tok[4].quoted);
	assert_int_equal(t.tok[5].op, ';');
	assert_string_equal(cli_token(&t, 6), "x");
	assert_int_equal(t.tok[7].op, '|');
	assert_string_equal(cli_token(&t, 8), "y");
	assert_int_equal(t.tok[2].start, 6);
	assert_int_equal(t.tok[2].end, 11);
	assert_int_equal(cli_tokenize("say \"a\\\"b\"", false, &t, err, sizeof(err)), 0);
	assert_string_equal(cli_token(&t, 1), "a\"b");
	assert_int_equal(cli_tokenize("show \"devices", false, &t, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unterminated quote (\")");
	assert_int_equal(cli_tokenize("show \x1b[2Jdevices", false, &t, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "control character (0x1b)"));
	assert_int_equal(cli_tokenize("   # a comment", false, &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 0);
	char longline[CLI_LINE_MAX + 10];
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(cli_tokenize(longline, false, &t, err, sizeof(err)), -EINVAL);
	char many[CLI_LINE_MAX];
	many[0] = '\0';
	for (int i = 0; i < CLI_TOKENS_MAX + 1; i++)
		strcat(many, "a ");
	assert_int_equal(cli_tokenize(many, false, &t, err, sizeof(err)), -EINVAL);
	/* a quoted word is a value, never a keyword: a device named "state" */
	expect_action("show devices \"state\"", CLI_SHOW_DEVICE);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_DEVICE), "state");
}

static void test_pipes_and_statements(void **state)
{
	struct cli_tokens t;
	unsigned pos = 0;
	(void)state;
	expect_action("show devices | match pc | except blocked | count", CLI_SHOW_DEVICES);
	assert_int_equal(cmd.npipes, 3);
	assert_int_equal(cmd.pipes[0].kind, CLI_PIPE_MATCH);
	assert_string_equal(cmd.pipes[0].arg, "pc");
	assert_int_equal(cmd.pipes[1].kind, CLI_PIPE_EXCEPT);
	assert_int_equal(cmd.pipes[2].kind, CLI_PIPE_COUNT);
	expect_action("show events | no-more", CLI_SHOW_EVENTS);
	assert_int_equal(cmd.pipes[0].kind, CLI_PIPE_NO_MORE);
	expect_error("show devices | compare", "'| compare' only follows 'show' in configure mode");
	expect_error("show devices |", "'|' must be followed by match");
	expect_error("| match x", "'|' must follow a command");
	expect_error("show devices | match a b", "| match: unexpected word 'b'");
	expect_error("show devices | count | count | count | count | count", "more than 4");
	expect_error("show devices; show stats", "one command only here");

	assert_int_equal(cli_tokenize("configure; set menjind log_level debug ; ; commit confirmed 5", false, &t, err,
				      sizeof(err)), 0);
	assert_int_equal(cli_parse(&t, &pos, CLI_MODE_EXEC, &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.action, CLI_CONFIGURE);
	assert_int_equal(cli_parse(&t, &pos, CLI_MODE_CONFIGURE, &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.action, CLI_CFG_SET);
	assert_int_equal(cli_parse(&t, &pos, CLI_MODE_CONFIGURE, &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.action, CLI_NONE);   /* ";;" is an empty command */
	assert_int_equal(cli_parse(&t, &pos, CLI_MODE_CONFIGURE, &cmd, err, sizeof(err)), 0);
	assert_int_equal(cmd.action, CLI_CFG_COMMIT);
	assert_int_equal(cmd.num[CLI_S_MINUTES], 5);
	assert_int_equal(pos, t.n);
}

static void test_configure_mode(void **state)
{
	(void)state;
	assert_int_equal(parse_cfg("set policy new-rule match mac [ 02:00:0a:0a:01:0c \"a b\" ]"), 0);
	assert_int_equal(cmd.action, CLI_CFG_SET);
	assert_int_equal(cmd.nwords, 8);
	assert_string_equal(cli_cmd_word(&cmd, 0), "policy");
	assert_string_equal(cli_cmd_word(&cmd, 6), "a b");
	assert_true(cmd.word_quoted[6]);
	assert_false(cmd.word_quoted[5]);
	assert_null(cli_cmd_word(&cmd, 8));
	assert_int_equal(parse_cfg("set menjind"), -EINVAL);
	assert_non_null(strstr(err, "give a setting and its value"));
	assert_int_equal(parse_cfg("del policy lab-printer"), 0);
	assert_int_equal(cmd.action, CLI_CFG_DELETE);
	assert_int_equal(parse_cfg("ins policy a before b"), 0);
	assert_int_equal(cmd.action, CLI_CFG_INSERT);
	assert_int_equal(parse_cfg("sh"), 0);
	assert_int_equal(cmd.action, CLI_CFG_SHOW);
	assert_int_equal(cmd.nwords, 0);
	assert_int_equal(parse_cfg("show policy | compare"), 0);
	assert_int_equal(cmd.pipes[0].kind, CLI_PIPE_COMPARE);
	assert_int_equal(parse_cfg("commit confirmed 5 comment admit the new printers"), 0);
	assert_int_equal(cmd.num[CLI_S_MINUTES], 5);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_COMMENT), "admit the new printers");
	assert_int_equal(parse_cfg("commit confirmed 61"), -EINVAL);
	assert_int_equal(parse_cfg("rollback 3"), 0);
	assert_int_equal(cmd.action, CLI_CFG_ROLLBACK);
	assert_int_equal(cmd.num[CLI_S_VERSION], 3);
	assert_int_equal(parse_cfg("confirm"), 0);
	assert_int_equal(cmd.action, CLI_CONFIRM);
	assert_int_equal(parse_cfg("exit discard"), 0);
	assert_int_equal(cmd.action, CLI_CFG_EXIT);
	assert_non_null(cli_cmd_get(&cmd, CLI_S_FLAG));
	assert_int_equal(parse_cfg("run show devices state blocked"), 0);
	assert_true(cmd.run);
	assert_int_equal(cmd.action, CLI_SHOW_DEVICES);
	assert_int_equal(parse_cfg("run configure"), -EINVAL);
	assert_int_equal(parse_cfg("s x y"), -EINVAL);
	assert_non_null(strstr(err, "'s' is ambiguous: set or show?"));
	/* exec commands are not configure commands */
	assert_int_equal(parse_cfg("monitor events"), -EINVAL);
	assert_int_equal(parse("set menjind log_level debug"), -EINVAL);
}

/* ---- completion ------------------------------------------------------------------------ */

static struct cli_completion comp;

static bool has(const char *word)
{
	for (unsigned i = 0; i < comp.n; i++)
		if (strcmp(comp.cand[i].word, word) == 0)
			return true;
	return false;
}

static unsigned literals(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < comp.n; i++)
		n += comp.cand[i].literal;
	return n;
}

static const char *seen_words[8];
static unsigned seen_n;

static void fake_menjind(void *arg, enum cli_value kind, const char *const *words, unsigned nwords, const char *prefix,
			 struct cli_completion *out)
{
	(void)arg;
	(void)prefix;
	seen_n = nwords;
	for (unsigned i = 0; i < nwords && i < 8; i++)
		seen_words[i] = words[i];
	if (kind == CLI_V_MAC || kind == CLI_V_DEVICE) {
		cli_completion_add(out, MAC1, "pc1", true);
		cli_completion_add(out, "02:00:0a:0a:01:0c", "pc2", true);
	}
	if (kind == CLI_V_DEVICE)
		cli_completion_add(out, "pc1", MAC1, true);
	if (kind == CLI_V_ROLE)
		cli_completion_add(out, "staff", NULL, true);
	if (kind == CLI_V_CONFIG && nwords == 1 && strcmp(words[0], "policy") == 0) {
		cli_completion_add(out, "lab-blocked", NULL, true);
		cli_completion_add(out, "lab-printer", NULL, true);
	}
}

static void complete(enum cli_mode mode, const char *line)
{
	struct cli_context ctx = { .mode = mode, .dynamic = fake_menjind };
	assert_int_equal(cli_complete(&ctx, line, strlen(line), &comp), 0);
}

static void test_completion_keywords(void **state)
{
	char common[CLI_CAND_LEN];
	(void)state;
	complete(CLI_MODE_EXEC, "");
	assert_true(has("show") && has("request") && has("configure") && has("confirm") && has("monitor"));
	assert_false(comp.may_end);
	complete(CLI_MODE_EXEC, "sh");
	assert_int_equal(literals(), 1);
	assert_string_equal(comp.cand[0].word, "show");
	assert_int_equal(comp.start, 0);
	assert_string_equal(comp.prefix, "sh");
	complete(CLI_MODE_EXEC, "show dev");
	assert_int_equal(literals(), 1);
	assert_true(has("devices"));
	assert_int_equal(comp.start, 5);
	complete(CLI_MODE_EXEC, "conf");   /* Tab must not offer confirm for "conf" */
	assert_int_equal(literals(), 1);
	assert_true(has("configure"));
	complete(CLI_MODE_EXEC, "show s");
	assert_true(has("sessions") && has("stats"));
	cli_completion_common(&comp, common, sizeof(common));
	assert_string_equal(common, "s");
	complete(CLI_MODE_EXEC, "show devices ");
	assert_true(has("state") && has("role") && has("search"));
	assert_true(has("MAC|IP|NAME"));   /* a placeholder, for ? */
	assert_true(has(MAC1) && has("pc1"));
	assert_true(comp.may_end);
	complete(CLI_MODE_EXEC, "show devices state ");
	assert_true(has("quarantined") && has("admitted") && has("blocked") && has("unknown"));
	assert_false(comp.may_end);
	complete(CLI_MODE_EXEC, "show devices state q");
	assert_int_equal(literals(), 1);
	complete(CLI_MODE_EXEC, "show devices state admitted ");
	assert_false(has("state"));   /* given already */
	assert_true(has("role"));
	complete(CLI_MODE_EXEC, "show stats | ");
	assert_true(has("match") && has("count") && !has("compare"));
}

static void test_completion_values(void **state)
{
	(void)state;
	complete(CLI_MODE_EXEC, "request device ");
	assert_true(has("MAC") && has(MAC1) && has("02:00:0a:0a:01:0c"));
	assert_false(has("pc1"));   /* names are for show, a request takes a MAC */
	complete(CLI_MODE_EXEC, "request device 02:00:0a:0a:01:0c ");
	assert_true(has("admit") && has("quarantine") && has("block") && has("clear") && has("reauth"));
	complete(CLI_MODE_EXEC, "request device 02:00:0a:0a:01:0c admit ");
	assert_true(has("for") && has("role") && has("reason"));
	assert_false(comp.may_end);   /* reason is required */
	complete(CLI_MODE_EXEC, "request device 02:00:0a:0a:01:0c admit role ");
	assert_true(has("staff"));
	complete(CLI_MODE_EXEC, "request device 02:00:0a:0a:01:0c admit reason printer is ");
	assert_true(comp.in_text);
	assert_true(comp.may_end);
	complete(CLI_MODE_EXEC, "request device 02:00:0a:0a:01:0c admit reason \"why");
	assert_true(comp.in_quote);
	complete(CLI_MODE_EXEC, "capture lan0 tcp ");
	assert_true(has("count") && has("FILTER"));
	complete(CLI_MODE_EXEC, "request device zz ");
	assert_int_equal(comp.n, 0);
	assert_non_null(strstr(comp.error, "'zz' is not a MAC address"));
	complete(CLI_MODE_EXEC, "show devices; sh");
	assert_true(has("show"));
	complete(CLI_MODE_CONFIGURE, "set policy lab-");
	assert_int_equal(seen_n, 1);
	assert_string_equal(seen_words[0], "policy");
	assert_true(has("lab-blocked") && has("lab-printer"));
	complete(CLI_MODE_CONFIGURE, "show | ");
	assert_true(has("compare"));
	complete(CLI_MODE_CONFIGURE, "run sh");
	assert_true(has("show"));
}

static void test_completion_list_bounds(void **state)
{
	struct cli_completion c;
	char word[16];
	(void)state;
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < CLI_CAND_MAX + 10; i++) {
		snprintf(word, sizeof(word), "w%d", i);
		cli_completion_add(&c, word, NULL, true);
	}
	assert_int_equal(c.n, CLI_CAND_MAX);
	assert_true(c.truncated);
	cli_completion_add(&c, "w1", NULL, true);   /* duplicates are ignored anyway */
	memset(&c, 0, sizeof(c));
	snprintf(c.prefix, sizeof(c.prefix), "ab");
	cli_completion_add(&c, "xyz", NULL, true);
	assert_int_equal(c.n, 0);
	cli_completion_add(&c, "ABC", NULL, true);
	assert_int_equal(c.n, 1);
}

/* ---- help and distance ------------------------------------------------------------------ */

struct syntax_seen {
	unsigned n;
	bool     override_line, capture_line, devices_line;
};

static void on_syntax(void *arg, const char *syntax, const char *help)
{
	struct syntax_seen *s = arg;
	s->n++;
	assert_non_null(help);
	if (strcmp(syntax, "request device MAC admit|quarantine|block [for DURATION] [role ROLE] reason TEXT") == 0)
		s->override_line = true;
	if (strcmp(syntax, "capture PORT [FILTER] [count N]") == 0)
		s->capture_line = true;
	if (strcmp(syntax, "show devices [state STATE] [role ROLE] [search TEXT]") == 0)
		s->devices_line = true;
}

static void test_syntax_summary(void **state)
{
	struct syntax_seen s = { 0 };
	(void)state;
	cli_syntax_foreach(CLI_MODE_EXEC, on_syntax, &s);
	assert_true(s.n >= 20);
	assert_true(s.override_line);
	assert_true(s.capture_line);
	assert_true(s.devices_line);
	memset(&s, 0, sizeof(s));
	cli_syntax_foreach(CLI_MODE_CONFIGURE, on_syntax, &s);
	assert_true(s.n >= 10);
}

static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(cli_edit_distance("show", "show", 5), 0);
	assert_int_equal(cli_edit_distance("shwo", "show", 5), 1);   /* transposition */
	assert_int_equal(cli_edit_distance("SHOW", "show", 5), 0);
	assert_int_equal(cli_edit_distance("sow", "show", 5), 1);
	assert_int_equal(cli_edit_distance("devcies", "devices", 5), 1);
	assert_int_equal(cli_edit_distance("abc", "xyz", 2), 2);     /* capped */
	assert_int_equal(cli_edit_distance("", "abc", 5), 3);
}

/* ---- request posture: GCB exceptions --------------------------------------------- */

static void test_posture_override(void **state)
{
	(void)state;
	assert_int_equal(parse("request posture 02-00-0a-0a-01-0b waive TWGCB-01-008-0003 TWGCB-01-008-0004 "
			       "for 30d reason exception 2026-031 approved"), 0);
	assert_int_equal(cmd.action, CLI_REQUEST_POSTURE_OVERRIDE);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_MAC), MAC1);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_ITEMS), "TWGCB-01-008-0003 TWGCB-01-008-0004");
	assert_int_equal(cmd.num[CLI_S_DURATION], 30 * 86400);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_REASON), "exception 2026-031 approved");
	assert_null(cli_cmd_get(&cmd, CLI_S_POSTURE));
	assert_string_equal(cmd.canon, "request posture waive");

	/* options in any order; the item list ends at the next option, even abbreviated */
	assert_int_equal(parse("req post " MAC1 " waive TWGCB-01-008-0003 rea ok now"), 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_ITEMS), "TWGCB-01-008-0003");
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_REASON), "ok now");
	assert_int_equal(parse("request posture " MAC1 " status non-compliant for 8h waive A-1 B-2 reason audit"), 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_POSTURE), "noncompliant");
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_ITEMS), "A-1 B-2");
	assert_int_equal(parse("request posture " MAC1 " status comp reason approved by county"), 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_POSTURE), "compliant");
	assert_int_equal(parse("request posture " MAC1 " waive X-1 status stale reason why not"), 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_POSTURE), "stale");
	/* a quoted id that reads like an option is an id */
	assert_int_equal(parse("request posture " MAC1 " waive \"for\" X-2 reason odd ids"), 0);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_ITEMS), "for X-2");

	expect_action("request posture " MAC1 " clear reason exception withdrawn", CLI_REQUEST_POSTURE_CLEAR);
	assert_string_equal(cli_cmd_get(&cmd, CLI_S_REASON), "exception withdrawn");

	expect_error("request posture " MAC1 " waive TWGCB-01-008-0003", "'reason TEXT' is required");
	expect_error("request posture " MAC1 " clear", "'reason TEXT' is required");
	expect_error("request posture " MAC1 " waive reason x", "waive needs at least one GCB item id");
	expect_error("request posture " MAC1 " status great reason x",
		     "unknown posture 'great'; expected compliant, noncompliant, unknown or stale");
	expect_error("request posture " MAC1 " status reason x", "unknown posture 'reason'");
	expect_error("request posture zz clear reason x", "'zz' is not a MAC address");
	expect_error("request posture " MAC1 " waive A-1 for 3x reason y", "'3x' is not a duration");
	expect_error("request posture " MAC1 " waive A-1 status compliant status stale reason y", "'status' given twice");
	char line[2048] = "request posture " MAC1 " waive";
	for (int i = 0; i <= CLI_ITEMS_MAX; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " I-%d", i);
	strcat(line, " reason too many");
	expect_error(line, "at most 64 GCB item ids");
}

static void test_action_names(void **state)
{
	(void)state;
	for (int a = CLI_NONE + 1; a < CLI_ACTION__MAX; a++)
		assert_string_not_equal(cli_action_name((enum cli_action)a), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_exec_command),
		cmocka_unit_test(test_values_land_in_slots),
		cmocka_unit_test(test_abbreviations),
		cmocka_unit_test(test_ambiguity),
		cmocka_unit_test(test_suggestions),
		cmocka_unit_test(test_mac_forms),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ranges_and_required),
		cmocka_unit_test(test_quotes_and_tokens),
		cmocka_unit_test(test_pipes_and_statements),
		cmocka_unit_test(test_configure_mode),
		cmocka_unit_test(test_completion_keywords),
		cmocka_unit_test(test_completion_values),
		cmocka_unit_test(test_completion_list_bounds),
		cmocka_unit_test(test_syntax_summary),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_posture_override),
		cmocka_unit_test(test_action_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
