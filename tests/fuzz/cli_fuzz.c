/* cli_fuzz.c — libFuzzer target for menjin-cli's pure parts: the command
 * parser (a line from an SSH client arrives as SSH_ORIGINAL_COMMAND, so
 * anyone with a key reaches it), completion, the formatting of menjind's
 * answers, and the configuration editor.
 *
 * fuzz-sources: controlplane/cli_grammar.c controlplane/cli_format.c controlplane/cli_config.c controlplane/cli_api.c controlplane/mac.c
 * fuzz-runs: 20000
 *
 * The first byte picks what the rest is: a line (exec or configure mode),
 * a line and a cursor for Tab, a JSON answer formatted for every command,
 * or a configuration text and editing lines. Besides the sanitizers, the
 * checks below catch: candidates beyond their bound or not starting with
 * the word typed, terminal control characters in formatted output, and a
 * printed configuration that does not read back as itself.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_api.h"
#include "cli_config.h"
#include "cli_format.h"
#include "cli_grammar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cmd(const struct cli_cmd *cmd)
{
	char err[CLI_ERR_MAX];
	json_t *req = NULL;
	if (cmd->action <= CLI_NONE || cmd->action >= CLI_ACTION__MAX)
		abort();
	for (int s = 0; s < CLI_S__MAX; s++)
		if (cmd->has[s] && strlen(cmd->val[s]) >= CLI_TEXT_MAX)
			abort();
	if (cmd->has[CLI_S_MAC] && strlen(cmd->val[CLI_S_MAC]) != 17)
		abort();
	if (cmd->nwords > CLI_TOKENS_MAX)
		abort();
	/* every command that asks menjind builds a request */
	if (cli_api_command(cmd->action)) {
		int rc = cli_api_request(cmd, "fuzz", "127.0.0.1", "a = 1;\n", "0", &req, err, sizeof(err));
		if (rc < 0 && rc != -EINVAL)
			abort();
		if (rc == 0) {
			char *t = json_dumps(req, JSON_COMPACT);
			if (t == NULL)
				abort();
			free(t);
		}
		json_decref(req);
	}
}

static void parse_lines(const char *line, enum cli_mode mode)
{
	struct cli_tokens t;
	struct cli_cmd cmd;
	char err[CLI_ERR_MAX];
	unsigned pos = 0;
	if (cli_tokenize(line, false, &t, err, sizeof(err)) < 0)
		return;
	while (pos < t.n) {
		unsigned before = pos;
		if (cli_parse(&t, &pos, mode, &cmd, err, sizeof(err)) < 0)
			break;
		if (pos <= before || pos > t.n)
			abort();   /* every command moves on */
		if (cmd.action != CLI_NONE)
			check_cmd(&cmd);
		if (cmd.action == CLI_CONFIGURE)
			mode = CLI_MODE_CONFIGURE;
		if (cmd.action == CLI_CFG_EXIT)
			mode = CLI_MODE_EXEC;
	}
}

static void words(void *arg, enum cli_value kind, const char *const *w, unsigned n, const char *prefix,
		  struct cli_completion *out)
{
	(void)arg;
	(void)kind;
	(void)prefix;
	for (unsigned i = 0; i < n; i++)
		if (w[i] == NULL)
			abort();
	cli_completion_add(out, "02:00:0a:0a:01:0b", "pc1", true);
	cli_completion_add(out, "pc1", NULL, true);
}

static void complete(const char *line, size_t cursor, enum cli_mode mode)
{
	struct cli_context ctx = { .mode = mode, .dynamic = words };
	static struct cli_completion c;
	char common[CLI_CAND_LEN];
	cli_complete(&ctx, line, cursor, &c);
	if (c.n > CLI_CAND_MAX || c.start > cursor)
		abort();
	for (unsigned i = 0; i < c.n; i++)
		if (c.cand[i].literal && strncasecmp(c.cand[i].word, c.prefix, strlen(c.prefix)) != 0)
			abort();
	cli_completion_common(&c, common, sizeof(common));
	struct cli_buf b;
	cli_buf_init(&b, 0);
	cli_format_help(&c, 80, &b);
	cli_buf_free(&b);
}

/* Formatted output never carries a control character but newline. */
static void check_clean(const struct cli_buf *b)
{
	for (size_t i = 0; i < b->len; i++) {
		unsigned char ch = (unsigned char)b->p[i];
		if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
			abort();
		if (ch == 0xc2 && i + 1 < b->len && (unsigned char)b->p[i + 1] >= 0x80 && (unsigned char)b->p[i + 1] <= 0x9f)
			abort();   /* a C1 control (0x9b is CSI to some terminals) */
	}
}

static void format_all(const char *text, size_t len)
{
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	struct cli_cmd cmd;
	if (v == NULL)
		return;
	memset(&cmd, 0, sizeof(cmd));
	for (int a = CLI_NONE + 1; a < CLI_ACTION__MAX; a++) {
		if (a == CLI_SHOW_CONFIGURATION || a == CLI_SHOW_CONFIG_ROLLBACK)
			continue;   /* configuration text keeps its tabs */
		struct cli_format_opts o = { .width = a % 2 ? 80 : 40, .tz_offset = 8 * 3600, .list_limit = 3 };
		struct cli_buf b;
		cmd.action = (enum cli_action)a;
		cli_buf_init(&b, 1 << 20);
		cli_format_result(&cmd, v, &o, &b);
		check_clean(&b);
		cli_buf_free(&b);
	}
	struct cli_format_opts o = { .width = 80 };
	struct cli_buf b;
	cli_buf_init(&b, 1 << 20);
	cli_format_event(v, &o, &b);
	cli_format_generic(v, &o, &b);
	check_clean(&b);
	cli_buf_free(&b);
	json_decref(v);
}

/* A configuration, then editing lines: what is printed reads back. */
static void edit_config(const char *text)
{
	const char *sep = strstr(text, "\n\n");
	size_t tlen = sep ? (size_t)(sep - text) : strlen(text);
	char *ctext = strndup(text, tlen), err[512];
	struct cli_config *c = NULL;
	if (ctext == NULL || cli_config_load(ctext, &c, err, sizeof(err)) < 0) {
		free(ctext);
		return;
	}
	const char *p = sep ? sep + 2 : "";
	while (*p) {
		size_t l = strcspn(p, "\n");
		char line[CLI_LINE_MAX + 1];
		struct cli_cmd cmd;
		snprintf(line, sizeof(line), "%.*s", (int)(l < CLI_LINE_MAX ? l : CLI_LINE_MAX), p);
		p += l + (p[l] == '\n');
		if (cli_parse_line(line, CLI_MODE_CONFIGURE, &cmd, err, sizeof(err)) < 0)
			continue;
		const char *w[CLI_TOKENS_MAX];
		for (unsigned i = 0; i < cmd.nwords; i++)
			w[i] = cli_cmd_word(&cmd, i);
		if (cmd.action == CLI_CFG_SET)
			cli_config_set(c, w, cmd.word_quoted, cmd.nwords, err, sizeof(err));
		else if (cmd.action == CLI_CFG_DELETE)
			cli_config_delete(c, w, cmd.nwords, err, sizeof(err));
		else if (cmd.action == CLI_CFG_INSERT)
			cli_config_insert(c, w, cmd.nwords, err, sizeof(err));
	}
	struct cli_buf b1, b2, d;
	cli_buf_init(&b1, 0);
	cli_buf_init(&b2, 0);
	cli_buf_init(&d, 0);
	if (cli_config_text(c, NULL, 0, &b1, err, sizeof(err)) == 0 && b1.p) {
		struct cli_config *again = NULL;
		if (cli_config_load(b1.p, &again, err, sizeof(err)) < 0)
			abort();   /* the CLI would send menjind a text it cannot read */
		if (cli_config_text(again, NULL, 0, &b2, err, sizeof(err)) < 0)
			abort();
		cli_config_free(again);
		cli_diff(ctext, b1.p, &d);
		cli_diff(b1.p, b2.p ? b2.p : "", &d);
	}
	cli_buf_free(&b1);
	cli_buf_free(&b2);
	cli_buf_free(&d);
	cli_config_free(c);
	free(ctext);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 16384)
		return 0;
	char *text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	switch (data[0] % 5) {
	case 0:
		parse_lines(text, CLI_MODE_EXEC);
		break;
	case 1:
		parse_lines(text, CLI_MODE_CONFIGURE);
		break;
	case 2: {
		size_t len = strlen(text);
		complete(text, len ? data[1] % (len + 1) : 0, data[1] & 0x80 ? CLI_MODE_CONFIGURE : CLI_MODE_EXEC);
		complete(text, len, CLI_MODE_EXEC);
		break;
	}
	case 3:
		format_all(text, size - 2);
		break;
	default:
		edit_config(text);
		break;
	}
	free(text);
	return 0;
}
