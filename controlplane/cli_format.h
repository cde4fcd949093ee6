/* cli_format.h — menjin-cli's output: API results as tables and text.
 *
 * Pure (no I/O): a JSON result from api.sock in, text out, laid out for a
 * terminal `width` columns wide (80 unless the terminal says otherwise).
 * Widths are display columns, not bytes: a host name or a reason in
 * Chinese takes two columns per character. Every string from menjind is
 * cleaned before it is printed (control characters and broken UTF-8
 * become '?'), so a DHCP host name cannot send escape sequences to an
 * administrator's terminal. Results of a shape the formatter does not know
 * (a newer menjind) are printed generically as indented key: value lines.
 */
#ifndef MENJIN_CLI_FORMAT_H
#define MENJIN_CLI_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cli_grammar.h"

#define CLI_OUTPUT_MAX      (32u * 1024 * 1024)  /* text of one command's output */
#define CLI_TABLE_COLS      8
#define CLI_TABLE_ROWS_MAX  200000
#define CLI_WIDTH_MIN       40
#define CLI_WIDTH_MAX       512
#define CLI_WIDTH_DEFAULT   80
#define CLI_CELL_MAX        1024                 /* bytes kept of one table cell */

/* A growing text buffer with a hard limit; once full, `truncated` is set
 * and later writes are dropped (the text so far stays valid). */
struct cli_buf {
	char  *p;
	size_t len, cap, max;
	bool   truncated;
	bool   failed;        /* out of memory */
};

void cli_buf_init(struct cli_buf *b, size_t max);   /* max 0: CLI_OUTPUT_MAX */
void cli_buf_free(struct cli_buf *b);
void cli_buf_reset(struct cli_buf *b);
int cli_buf_add(struct cli_buf *b, const char *s, size_t len);
int cli_buf_printf(struct cli_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text from menjind, cleaned: control characters (but '\n' and '\t' when
 * multiline) and invalid UTF-8 become '?'. */
int cli_buf_clean(struct cli_buf *b, const char *s, bool multiline);

/* Display columns of UTF-8 text (wide East Asian characters count 2). */
size_t cli_text_width(const char *s);
/* Copy the longest prefix of s fitting `cols` columns (cleaned); returns its width. */
size_t cli_text_cut(const char *s, size_t cols, char *out, size_t outlen);

/* ---- tables ----------------------------------------------------------------------- */

#define CLI_COL_SHRINK  0x01   /* may be narrowed; cut cells end in '~' */
#define CLI_COL_WRAP    0x02   /* the last column: long cells continue on the next lines */
#define CLI_COL_RIGHT   0x04   /* numbers */

struct cli_col {
	const char *head;
	unsigned    min;       /* narrowest it may become */
	unsigned    flags;
};

struct cli_table {
	unsigned       ncols;
	struct cli_col col[CLI_TABLE_COLS];
	unsigned       nrows, caprows;
	char         **cells;   /* nrows * ncols, cleaned copies */
	bool           truncated;
};

int cli_table_init(struct cli_table *t, unsigned ncols, const struct cli_col *cols);
/* One row; NULL cells print as "-". */
int cli_table_add(struct cli_table *t, const char *const *cells);
int cli_table_render(const struct cli_table *t, unsigned width, struct cli_buf *out);
void cli_table_free(struct cli_table *t);

/* ---- API results ------------------------------------------------------------------ */

struct cli_format_opts {
	unsigned width;        /* terminal columns */
	long     tz_offset;    /* seconds east of UTC: times are shown in local time */
	unsigned list_limit;   /* the limit a list was asked with (to say it was cut) */
};

/* The result of the API call made for `cmd`, as text. */
int cli_format_result(const struct cli_cmd *cmd, json_t *result, const struct cli_format_opts *o,
		      struct cli_buf *out);
/* One event (monitor events, show events): one line, wrapped if long. */
int cli_format_event(json_t *ev, const struct cli_format_opts *o, struct cli_buf *out);
/* Any JSON as indented key: value lines. */
int cli_format_generic(json_t *v, const struct cli_format_opts *o, struct cli_buf *out);
/* "2026-11-25T12:00:00.000Z" -> "2026-11-25 20:00:00" (local); cleaned input if it does not parse. */
void cli_format_time(const char *iso, long tz_offset, char *out, size_t outlen);

/* `?`: the candidates with their help, "<cr>" when the command may end. */
int cli_format_help(const struct cli_completion *c, unsigned width, struct cli_buf *out);
/* `help`: every command of the mode with its syntax. */
int cli_format_syntax(enum cli_mode mode, unsigned width, struct cli_buf *out);

/* The `| match`, `| except` and `| count` filters over text (no-more and
 * compare are the caller's). */
int cli_pipe_apply(const char *text, size_t len, const struct cli_pipe *pipes, unsigned n, struct cli_buf *out);

#endif
