/* shell.c — menjin-cli's interactive prompt (see shell.h). */
#include "shell.h"

#include <errno.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_format.h"
#include "pager.h"

static char prompt_text[160];

static char *prompt_fn(EditLine *el)
{
	(void)el;
	return prompt_text;
}

static struct session *session_of(EditLine *el)
{
	void *p = NULL;
	el_get(el, EL_CLIENTDATA, &p);
	return p;
}

/* The line up to the cursor (libedit's buffer is not terminated there). */
static size_t line_of(EditLine *el, char *buf, size_t len, size_t *cursor)
{
	const LineInfo *li = el_line(el);
	size_t n = (size_t)(li->lastchar - li->buffer), c = (size_t)(li->cursor - li->buffer);
	if (n >= len)
		n = len - 1;
	if (c > n)
		c = n;
	memcpy(buf, li->buffer, n);
	buf[n] = '\0';
	*cursor = c;
	return n;
}

/* libedit counts characters, not bytes */
static int utf8_chars(const char *p, size_t len)
{
	int n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static bool needs_quotes(const char *w)
{
	return w[0] == '\0' || strpbrk(w, " \t;|\"'\\#") != NULL;
}

static void print_out(const char *text, size_t len)
{
	fflush(stdout);
	write_all(STDOUT_FILENO, text, len);
}

static unsigned char complete_fn(EditLine *el, int ch)
{
	struct session *s = session_of(el);
	static struct cli_completion c;   /* 30 KB: not on libedit's stack */
	char line[CLI_LINE_MAX + 1], common[CLI_CAND_LEN];
	size_t cursor;
	unsigned literals = 0;
	(void)ch;

	line_of(el, line, sizeof(line), &cursor);
	session_complete(s, line, cursor, &c);
	for (unsigned i = 0; i < c.n; i++)
		literals += c.cand[i].literal;
	if (literals == 0)
		return CC_REFRESH_BEEP;
	cli_completion_common(&c, common, sizeof(common));
	size_t typed = cursor - c.start;
	if (literals == 1 || strlen(common) > strlen(c.prefix)) {
		char ins[CLI_CAND_LEN + 4];
		bool q = needs_quotes(common) || c.in_quote;
		/* one candidate: the whole word and a space; several: what they share */
		if (literals == 1)
			snprintf(ins, sizeof(ins), q ? "\"%s\" " : "%s ", common);
		else
			snprintf(ins, sizeof(ins), q ? "\"%s" : "%s", common);
		el_deletestr(el, utf8_chars(line + c.start, typed));
		return el_insertstr(el, ins) < 0 ? CC_ERROR : CC_REFRESH;
	}
	/* nothing more to add: show the choices */
	struct cli_buf b;
	unsigned width = pager_width(), colw = 0, col = 0;
	cli_buf_init(&b, 0);
	for (unsigned i = 0; i < c.n; i++)
		if (c.cand[i].literal && cli_text_width(c.cand[i].word) + 2 > colw)
			colw = (unsigned)cli_text_width(c.cand[i].word) + 2;
	cli_buf_add(&b, "\n", 1);
	for (unsigned i = 0; i < c.n; i++) {
		if (!c.cand[i].literal)
			continue;
		if (col && col + colw > width) {
			cli_buf_add(&b, "\n", 1);
			col = 0;
		}
		size_t w = cli_text_width(c.cand[i].word);
		cli_buf_clean(&b, c.cand[i].word, false);
		for (size_t k = w; k < colw; k++)
			cli_buf_add(&b, " ", 1);
		col += colw;
	}
	cli_buf_add(&b, "\n", 1);
	print_out(b.p, b.len);
	cli_buf_free(&b);
	return CC_REDISPLAY;
}

static unsigned char help_fn(EditLine *el, int ch)
{
	struct session *s = session_of(el);
	static struct cli_completion c;
	char line[CLI_LINE_MAX + 1];
	size_t cursor;

	line_of(el, line, sizeof(line), &cursor);
	session_complete(s, line, cursor, &c);
	/* "why?" in a reason is a question mark */
	if (c.in_quote || (c.in_text && c.prefix[0])) {
		char q[2] = { (char)ch, '\0' };
		return el_insertstr(el, q) < 0 ? CC_ERROR : CC_REFRESH;
	}
	struct cli_buf b;
	cli_buf_init(&b, 0);
	cli_buf_add(&b, "?\n", 2);
	if (c.error[0]) {
		cli_buf_add(&b, "  ", 2);
		cli_buf_clean(&b, c.error, false);
		cli_buf_add(&b, "\n", 1);
	} else {
		cli_format_help(&c, pager_width(), &b);
	}
	print_out(b.p, b.len);
	cli_buf_free(&b);
	return CC_REDISPLAY;
}

int shell_run(struct session *s, const char *progname)
{
	EditLine *el = el_init(progname, stdin, stdout, stderr);
	History *hist = history_init();
	HistEvent ev;
	int status = SESSION_OK;

	if (el == NULL || hist == NULL) {
		fprintf(stderr, "%s: cannot start the line editor\n", progname);
		if (el)
			el_end(el);
		if (hist)
			history_end(hist);
		return SESSION_FAILED;
	}
	history(hist, &ev, H_SETSIZE, SHELL_HISTORY);
	history(hist, &ev, H_SETUNIQUE, 1);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_SIGNAL, 1);
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_PROMPT, prompt_fn);
	el_set(el, EL_CLIENTDATA, (void *)s);
	el_set(el, EL_ADDFN, "menjin-complete", "complete the word", complete_fn);
	el_set(el, EL_ADDFN, "menjin-help", "list what may come next", help_fn);
	el_set(el, EL_BIND, "^I", "menjin-complete", NULL);
	el_set(el, EL_BIND, "?", "menjin-help", NULL);

	while (!s->exit_requested) {
		int count = 0;
		session_prompt(s, prompt_text, sizeof(prompt_text));
		*s->interrupted = 0;
		const char *got = el_gets(el, &count);
		if (got == NULL || count <= 0) {
			if (count < 0 && (errno == EINTR || *s->interrupted)) {
				/* Ctrl-C: a fresh prompt, like a shell */
				write_all(STDOUT_FILENO, "\n", 1);
				el_reset(el);
				continue;
			}
			write_all(STDOUT_FILENO, "\n", 1);
			break;   /* Ctrl-D */
		}
		char line[CLI_LINE_MAX + 2];
		snprintf(line, sizeof(line), "%s", got);
		line[strcspn(line, "\r\n")] = '\0';
		if (strspn(line, " \t") == strlen(line))
			continue;
		history(hist, &ev, H_ENTER, line);
		status = session_run(s, line);
	}
	history_end(hist);
	el_end(el);
	return status;
}
