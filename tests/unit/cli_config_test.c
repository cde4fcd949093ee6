/* cli_config_test.c — the candidate configuration of a `configure` session:
 * set, delete and insert on the lab's configuration, the errors that name
 * the word at fault, the text that reads back the same, and `show | compare`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_config.h"

static const char lab[] =
	"# the lab office\n"
	"menjind: { store = \"/var/lib/menjin/menjin.db\"; log_level = \"info\"; seen_interval = 10;\n"
	"  debug = false; ratio = 0.5; big = 5000000000L; mask = 0x1F; };\n"
	"quarantine: { resolvers = [ \"10.10.0.53\" ]; remediation = ( { address = \"10.10.0.80\"; ports = [ 80, 443 ]; } ); };\n"
	"roles = (\n"
	"  { name = \"staff\"; id = 10; default = \"deny\";\n"
	"    rules = ( { action = \"permit\"; proto = \"udp\"; to = \"10.10.0.53\"; ports = 53; },\n"
	"              { action = \"permit\"; proto = \"tcp\"; to = \"10.10.0.100\"; ports = \"80,443\"; } ); }\n"
	");\n"
	"policy = (\n"
	"  { name = \"lab-blocked\"; match = { mac = [ \"02:00:0a:0a:01:0d\" ]; }; verdict = \"block\"; reason = \"stolen\"; },\n"
	"  { name = \"lab-printer\"; match = { mac = [ \"02:00:0a:0a:01:14\" ]; }; verdict = \"admit\"; role = \"printers\"; }\n"
	");\n";

static struct cli_config *cfg;
static char err[512];

static int setup(void **state)
{
	(void)state;
	return cli_config_load(lab, &cfg, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	cli_config_free(cfg);
	cfg = NULL;
	return 0;
}

/* Split "a b 'c d'" into words; quoted[] marks words written in quotes. */
static unsigned words_of(const char *line, const char **w, bool *q, char *store)
{
	unsigned n = 0;
	const char *p = line;
	while (*p) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		q[n] = *p == '\'';
		if (q[n])
			p++;
		w[n++] = store;
		while (*p && (q[n - 1] ? *p != '\'' : *p != ' '))
			*store++ = *p++;
		if (q[n - 1] && *p == '\'')
			p++;
		*store++ = '\0';
	}
	return n;
}

static int set(const char *line)
{
	const char *w[32];
	bool q[32];
	char store[512];
	unsigned n = words_of(line, w, q, store);
	err[0] = '\0';
	return cli_config_set(cfg, w, q, n, err, sizeof(err));
}

static int del(const char *line)
{
	const char *w[32];
	bool q[32];
	char store[512];
	unsigned n = words_of(line, w, q, store);
	err[0] = '\0';
	return cli_config_delete(cfg, w, n, err, sizeof(err));
}

static int ins(const char *line)
{
	const char *w[32];
	bool q[32];
	char store[512];
	unsigned n = words_of(line, w, q, store);
	err[0] = '\0';
	return cli_config_insert(cfg, w, n, err, sizeof(err));
}

/* The text of the whole candidate, or of one path ("" for all). */
static char *text(const char *path)
{
	const char *w[32];
	bool q[32];
	char store[512];
	unsigned n = words_of(path, w, q, store);
	struct cli_buf b;
	cli_buf_init(&b, 0);
	if (cli_config_text(cfg, w, n, &b, err, sizeof(err)) < 0) {
		cli_buf_free(&b);
		return NULL;
	}
	return b.p;
}

static void expect_text(const char *path, const char *want)
{
	char *t = text(path);
	if (t == NULL || strcmp(t, want) != 0)
		fail_msg("text of '%s':\n%s\nwanted:\n%s", path, t ? t : err, want);
	free(t);
}

static void test_reads_back_the_same(void **state)
{
	(void)state;
	char *t1 = text("");
	assert_non_null(t1);
	assert_null(strstr(t1, "# the lab office"));   /* comments do not survive */
	struct cli_config *again;
	assert_int_equal(cli_config_load(t1, &again, err, sizeof(err)), 0);
	struct cli_buf b;
	cli_buf_init(&b, 0);
	assert_int_equal(cli_config_text(again, NULL, 0, &b, err, sizeof(err)), 0);
	assert_string_equal(b.p, t1);                   /* printing is a fixed point */
	cli_buf_free(&b);
	cli_config_free(again);
	free(t1);
	expect_text("menjind",
		    "menjind = {\n"
		    "  store = \"/var/lib/menjin/menjin.db\";\n"
		    "  log_level = \"info\";\n"
		    "  seen_interval = 10;\n"
		    "  debug = false;\n"
		    "  ratio = 0.5;\n"
		    "  big = 5000000000L;\n"
		    "  mask = 0x1F;\n"
		    "};\n");
	expect_text("roles staff rules 1", "{\n  action = \"permit\";\n  proto = \"udp\";\n  to = \"10.10.0.53\";\n  ports = 53;\n}\n");
	expect_text("policy lab-printer match", "match = {\n  mac = [ \"02:00:0a:0a:01:14\" ];\n};\n");
}

static void test_load_errors(void **state)
{
	struct cli_config *c = NULL;
	(void)state;
	assert_int_equal(cli_config_load("a = ;\n", &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 1: "));
	assert_null(c);
	assert_int_equal(cli_config_load("a = 1;\n  @include \"/etc/shadow\"\n", &c, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "@include"));
}

static void test_set_scalars(void **state)
{
	(void)state;
	assert_int_equal(set("menjind log_level debug"), 0);
	assert_int_equal(set("menjind seen_interval 30"), 0);
	assert_int_equal(set("menjind debug yes"), 0);
	assert_int_equal(set("menjind ratio 0.25"), 0);
	assert_int_equal(set("menjind big 6000000000"), 0);
	/* a string stays a string, even when it looks like a number */
	assert_int_equal(set("roles staff rules 2 ports 8080"), 0);
	expect_text("roles staff rules 2 ports", "ports = \"8080\";\n");
	/* a new setting takes its type from the value; quotes make a string */
	assert_int_equal(set("menjind events_keep 100000"), 0);
	assert_int_equal(set("menjind sd_id 'menjin@32473'"), 0);
	assert_int_equal(set("menjind new_flag true"), 0);
	assert_int_equal(set("menjind zip '12345'"), 0);
	char *t = text("menjind");
	assert_non_null(strstr(t, "log_level = \"debug\";\n"));
	assert_non_null(strstr(t, "seen_interval = 30;\n"));
	assert_non_null(strstr(t, "debug = true;\n"));
	assert_non_null(strstr(t, "ratio = 0.25;\n"));
	assert_non_null(strstr(t, "big = 6000000000L;\n"));
	assert_non_null(strstr(t, "events_keep = 100000;\n"));
	assert_non_null(strstr(t, "sd_id = \"menjin@32473\";\n"));
	assert_non_null(strstr(t, "new_flag = true;\n"));
	assert_non_null(strstr(t, "zip = \"12345\";\n"));
	free(t);
}

static void test_set_errors(void **state)
{
	(void)state;
	assert_int_equal(set("menjind seen_interval ten"), -EINVAL);
	assert_string_equal(err, "'ten' is not a number (menjind seen_interval is a number)");
	assert_int_equal(set("menjind debug maybe"), -EINVAL);
	assert_non_null(strstr(err, "not true or false"));
	assert_int_equal(set("menjind ratio x"), -EINVAL);
	assert_int_equal(set("menjind log_level info extra"), -EINVAL);
	assert_non_null(strstr(err, "'menjind log_level' is a string, it has no settings under it"));
	assert_int_equal(set("policy deny-all"), -EINVAL);   /* a list element needs a setting */
	assert_int_equal(set("roles staff rules 5 action deny"), -EINVAL);
	assert_non_null(strstr(err, "'roles staff rules' has 2 elements: 5 is not one of them or the next"));
	assert_int_equal(set("9lives x 1"), -EINVAL);
	assert_non_null(strstr(err, "'9lives' is not a setting name"));
	assert_int_equal(set("menjind TRUE 1"), -EINVAL);   /* libconfig would read it as a boolean */
	assert_int_equal(set("false x 1"), -EINVAL);
	assert_int_equal(set("menjind"), -EINVAL);
	assert_int_equal(set("policy lab-blocked match mac [ a b"), -EINVAL);
	assert_non_null(strstr(err, "[ a b c ]"));
	assert_int_equal(set("roles staff"), -EINVAL);       /* a group has no value */
	assert_int_equal(set("menjind x [ 1 ]"), 0);
	assert_int_equal(set("menjind [ 1 ]"), -EINVAL);
	assert_string_equal(err, "'menjind' is a group: set one of its settings");
	assert_int_equal(set("roles 1 [ 1 ]"), -EINVAL);
	assert_non_null(strstr(err, "'roles 1': a list of values goes into a named setting"));
	/* nothing changed by the refused ones */
	expect_text("menjind seen_interval", "seen_interval = 10;\n");
}

static void test_named_elements(void **state)
{
	(void)state;
	/* a new policy rule: appended, named */
	assert_int_equal(set("policy lab-new verdict quarantine"), 0);
	assert_int_equal(set("policy lab-new reason 'GCB scan failed'"), 0);
	assert_int_equal(set("policy lab-new match mac [ 02:00:0a:0a:01:0c 02:00:0a:0a:01:0e ]"), 0);
	assert_int_equal(set("policy lab-new match mac 02:00:0a:0a:01:0f"), 0);   /* set on a list adds */
	assert_int_equal(set("policy lab-new match mac 02:00:0a:0a:01:0f"), 0);   /* once */
	expect_text("policy lab-new",
		    "{\n"
		    "  name = \"lab-new\";\n"
		    "  verdict = \"quarantine\";\n"
		    "  reason = \"GCB scan failed\";\n"
		    "  match = {\n"
		    "    mac = [ \"02:00:0a:0a:01:0c\", \"02:00:0a:0a:01:0e\", \"02:00:0a:0a:01:0f\" ];\n"
		    "  };\n"
		    "}\n");
	assert_int_equal(set("quarantine remediation 1 ports 8443"), 0);
	expect_text("quarantine remediation 1 ports", "ports = [ 80, 443, 8443 ];\n");
	assert_int_equal(set("quarantine remediation 2 address 10.10.0.81"), 0);   /* the next one */
	expect_text("quarantine remediation 2", "{\n  address = \"10.10.0.81\";\n}\n");
	/* a list that does not exist yet is made a list when its name says so */
	assert_int_equal(set("fastpath ports lan0 role lan"), 0);
	expect_text("fastpath", "fastpath = {\n  ports = (\n    {\n      name = \"lan0\";\n      role = \"lan\";\n    }\n  );\n};\n");
	assert_int_equal(set("central url 'https://policy.example.gov.tw'"), 0);
	expect_text("central", "central = {\n  url = \"https://policy.example.gov.tw\";\n};\n");
}

static void test_delete(void **state)
{
	(void)state;
	assert_int_equal(del("policy lab-printer"), 0);
	assert_null(text("policy lab-printer"));
	assert_int_equal(del("quarantine resolvers 10.10.0.53"), 0);   /* one value of a list */
	expect_text("quarantine resolvers", "resolvers = [];\n");
	assert_int_equal(del("quarantine resolvers 10.10.0.99"), -ENOENT);
	assert_string_equal(err, "'10.10.0.99' is not in 'quarantine resolvers'");
	assert_int_equal(del("menjind log_level"), 0);
	assert_int_equal(del("roles staff rules 1"), 0);
	expect_text("roles staff rules 1 to", "to = \"10.10.0.100\";\n");
	assert_int_equal(del("polcy lab-blocked"), -ENOENT);
	assert_string_equal(err, "no 'polcy' in the configuration: did you mean 'policy'?");
	assert_int_equal(del("policy lab-blokced"), -ENOENT);
	assert_string_equal(err, "no 'lab-blokced' under 'policy': did you mean 'lab-blocked'?");
	assert_int_equal(del("menjind nothing"), -ENOENT);
	assert_string_equal(err, "no 'nothing' under 'menjind'");
	assert_int_equal(del(""), -EINVAL);
}

static void test_insert(void **state)
{
	(void)state;
	assert_int_equal(set("policy lab-first verdict block"), 0);
	assert_int_equal(ins("policy lab-first before lab-blocked"), 0);
	char *t = text("policy");
	char *a = strstr(t, "lab-first"), *b = strstr(t, "lab-blocked"), *c = strstr(t, "lab-printer");
	assert_true(a && b && c && a < b && b < c);
	free(t);
	assert_int_equal(ins("policy lab-first after lab-printer"), 0);
	t = text("policy");
	a = strstr(t, "lab-first"), b = strstr(t, "lab-blocked"), c = strstr(t, "lab-printer");
	assert_true(a && b && c && b < c && c < a);
	/* the moved element kept everything under it */
	assert_non_null(strstr(t, "mac = [ \"02:00:0a:0a:01:14\" ];"));
	free(t);
	assert_int_equal(ins("policy lab-first aside lab-printer"), -EINVAL);
	assert_int_equal(ins("policy nope before lab-printer"), -ENOENT);
	assert_int_equal(ins("menjind a before b"), -EINVAL);
	assert_non_null(strstr(err, "not an ordered list"));
	assert_int_equal(ins("policy lab-first before lab-first"), -EINVAL);
	assert_int_equal(ins("policy x"), -EINVAL);
	/* the scratch list used for moving is gone */
	assert_null(text("menjin_cli_reorder"));
}

static void names_add(void *arg, const char *name)
{
	char *out = arg;
	strcat(out, name);
	strcat(out, " ");
}

static void test_names(void **state)
{
	char out[256] = "";
	const char *w[3] = { "policy", "roles", "staff" };
	(void)state;
	assert_int_equal(cli_config_names(cfg, NULL, 0, names_add, out), 4);
	assert_string_equal(out, "menjind quarantine roles policy ");
	out[0] = '\0';
	cli_config_names(cfg, w, 1, names_add, out);
	assert_string_equal(out, "lab-blocked lab-printer ");
	out[0] = '\0';
	w[0] = "roles";
	w[1] = "staff";
	w[2] = "rules";
	cli_config_names(cfg, w, 3, names_add, out);
	assert_string_equal(out, "1 2 ");
	assert_int_equal(cli_config_names(cfg, w, 2, names_add, out), 4);
	w[0] = "nothing";
	assert_int_equal(cli_config_names(cfg, w, 1, names_add, out), 0);
}

static void test_strings_escaped(void **state)
{
	(void)state;
	assert_int_equal(set("policy lab-blocked reason 'said \"no\" \\ here'"), 0);
	expect_text("policy lab-blocked reason", "reason = \"said \\\"no\\\" \\\\ here\";\n");
	/* and it reads back */
	char *t = text("");
	struct cli_config *again;
	assert_int_equal(cli_config_load(t, &again, err, sizeof(err)), 0);
	cli_config_free(again);
	free(t);
}

static void test_diff(void **state)
{
	struct cli_buf b;
	(void)state;
	cli_buf_init(&b, 0);
	assert_int_equal(cli_diff("a\nb\nc\n", "a\nb\nc\n", &b), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(cli_diff("menjind = {\n  a = 1;\n  b = 2;\n};\n", "menjind = {\n  a = 1;\n  b = 3;\n};\n", &b), 0);
	assert_string_equal(b.p, "[edit menjind]\n"
				 "  menjind = {\n"
				 "    a = 1;\n"
				 "-   b = 2;\n"
				 "+   b = 3;\n"
				 "  };\n");
	/* far apart changes are separate hunks, each with three lines of context */
	cli_buf_reset(&b);
	const char *x = "s1 = 1;\n l1\n l2\n l3\n l4\n l5\n l6\n l7\n l8\n l9\n l10\n";
	const char *y = "s1 = 2;\n l1\n l2\n l3\n l4\n l5\n l6\n l7\n l8\n l9\n l10x\n";
	cli_diff(x, y, &b);
	assert_string_equal(b.p, "[edit s1]\n- s1 = 1;\n+ s1 = 2;\n   l1\n   l2\n   l3\n"
				 "[edit s1]\n   l7\n   l8\n   l9\n-  l10\n+  l10x\n");
	/* from nothing, to nothing */
	cli_buf_reset(&b);
	cli_diff("", "a = 1;\n", &b);
	assert_string_equal(b.p, "[edit a]\n+ a = 1;\n");
	cli_buf_reset(&b);
	cli_diff("a = 1;\n", "", &b);
	assert_string_equal(b.p, "[edit a]\n- a = 1;\n");
	cli_buf_free(&b);
}

static void test_diff_of_edits(void **state)
{
	(void)state;
	char *before = text("");
	assert_int_equal(set("menjind log_level debug"), 0);
	assert_int_equal(del("policy lab-printer"), 0);
	char *after = text("");
	struct cli_buf b;
	cli_buf_init(&b, 0);
	cli_diff(before, after, &b);
	assert_non_null(strstr(b.p, "[edit menjind]\n"));
	assert_non_null(strstr(b.p, "-   log_level = \"info\";\n+   log_level = \"debug\";\n"));
	assert_non_null(strstr(b.p, "[edit policy]\n"));
	assert_non_null(strstr(b.p, "-     name = \"lab-printer\";\n"));
	assert_null(strstr(b.p, "lab-blocked\";\n-"));
	cli_buf_free(&b);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads_back_the_same, setup, teardown),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test_setup_teardown(test_set_scalars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_elements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings_escaped, setup, teardown),
		cmocka_unit_test(test_diff),
		cmocka_unit_test_setup_teardown(test_diff_of_edits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
