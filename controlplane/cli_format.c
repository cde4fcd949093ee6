/* cli_format.c — menjin-cli's output (see cli_format.h). */
#include "cli_format.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define GENERIC_DEPTH_MAX 16
#define LABEL_W           14     /* the label column of detail views */

/* ---- buffer ---------------------------------------------------------------------- */

void cli_buf_init(struct cli_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : CLI_OUTPUT_MAX;
}

void cli_buf_free(struct cli_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void cli_buf_reset(struct cli_buf *b)
{
	b->len = 0;
	b->truncated = b->failed = false;
	if (b->p)
		b->p[0] = '\0';
}

int cli_buf_add(struct cli_buf *b, const char *s, size_t len)
{
	if (b->truncated || b->failed)
		return -ENOSPC;
	if (b->len + len + 1 > b->max) {
		b->truncated = true;
		return -ENOSPC;
	}
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 1)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = true;
			return -ENOMEM;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int cli_buf_printf(struct cli_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return cli_buf_add(b, small, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (big == NULL) {
		b->failed = true;
		return -ENOMEM;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int rc = cli_buf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

/* ---- UTF-8 and display width --------------------------------------------------------- */

/* One character at s (n bytes left): its length, and its code point or -1
 * for a byte that starts no valid sequence (overlong, surrogate, cut). */
static size_t utf8_next(const unsigned char *s, size_t n, int32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	int32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		*cp = -1;
		return 1;
	}
	if (len > n) {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		*cp = -1;
		return 1;
	}
	*cp = v;
	return len;
}

/* Characters never sent to a terminal as they are: controls, C1 controls
 * (some terminals act on 0x9b as CSI), and bidi overrides that would make a
 * host name read as something else. */
static bool unsafe(int32_t cp, bool multiline)
{
	if (cp < 0)
		return true;
	if (cp < 0x20)
		return !(multiline && (cp == '\n' || cp == '\t'));
	if (cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return true;
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f)
		return true;
	return false;
}

static unsigned cp_width(int32_t cp)
{
	static const struct { int32_t lo, hi; } zero[] = {
		{ 0x0300, 0x036f }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200d },
		{ 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f },
	};
	static const struct { int32_t lo, hi; } wide[] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf },
		{ 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
		{ 0xfe30, 0xfe4f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
	};
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (cp >= zero[i].lo && cp <= zero[i].hi)
			return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (cp >= wide[i].lo && cp <= wide[i].hi)
			return 2;
	return 1;
}

size_t cli_text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0;
	while (n) {
		int32_t cp;
		size_t l = utf8_next(p, n, &cp);
		w += unsafe(cp, false) ? 1 : cp_width(cp);
		p += l;
		n -= l;
	}
	return w;
}

size_t cli_text_cut(const char *s, size_t cols, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0, used = 0;
	while (n) {
		int32_t cp;
		size_t l = utf8_next(p, n, &cp);
		bool bad = unsafe(cp, false);
		unsigned cw = bad ? 1 : cp_width(cp);
		size_t bytes = bad ? 1 : l;
		if (w + cw > cols || used + bytes + 1 > outlen)
			break;
		if (bad)
			out[used] = '?';
		else
			memcpy(out + used, p, l);
		used += bytes;
		w += cw;
		p += l;
		n -= l;
	}
	if (outlen)
		out[used] = '\0';
	return w;
}

int cli_buf_clean(struct cli_buf *b, const char *s, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n) {
		/* copy runs of safe characters at once */
		size_t run = 0;
		while (run < n) {
			int32_t cp;
			size_t l = utf8_next(p + run, n - run, &cp);
			if (unsafe(cp, multiline))
				break;
			run += l;
		}
		if (run && cli_buf_add(b, (const char *)p, run) < 0)
			return -ENOSPC;
		p += run;
		n -= run;
		if (n) {
			int32_t cp;
			size_t l = utf8_next(p, n, &cp);
			if (cli_buf_add(b, "?", 1) < 0)
				return -ENOSPC;
			p += l;
			n -= l;
		}
	}
	return 0;
}

static void spaces(struct cli_buf *b, size_t n)
{
	static const char sp[] = "                                                                ";
	while (n) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;
		cli_buf_add(b, sp, k);
		n -= k;
	}
}

/* The bytes of s that fit `cols` columns, breaking after a space when there
 * is one (a word longer than a line is cut). *next skips the spaces. */
static size_t wrap_piece(const char *s, size_t cols, size_t *next)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0, i = 0, last_space = 0;
	bool seen_space = false;
	while (i < n) {
		int32_t cp;
		size_t l = utf8_next(p + i, n - i, &cp);
		unsigned cw = unsafe(cp, false) ? 1 : cp_width(cp);
		if (p[i] == '\n')
			break;
		if (w + cw > cols)
			break;
		if (p[i] == ' ') {
			last_space = i;
			seen_space = true;
		}
		w += cw;
		i += l;
	}
	size_t take = i;
	if (i < n && p[i] != '\n' && seen_space && last_space > 0)
		take = last_space;
	if (take == 0 && i < n && p[i] != '\n') {
		/* not even one character fits: take one anyway, never loop */
		int32_t cp;
		take = utf8_next(p, n, &cp);
	}
	size_t k = take;
	while (k < n && (p[k] == ' ' || p[k] == '\n'))
		k++;
	*next = k;
	return take;
}

/* Text wrapped: the first line (starting where the cursor is) `first`
 * columns wide, the next ones indented by `indent` and `rest` wide. Ends
 * with a newline. */
static void wrapped2(struct cli_buf *b, const char *s, size_t first, size_t indent, size_t rest)
{
	size_t cols = first;
	if (*s == '\0') {
		cli_buf_add(b, "\n", 1);
		return;
	}
	while (*s) {
		size_t next, take;
		char piece[CLI_CELL_MAX * 4];
		if (cols < 8)
			cols = 8;
		take = wrap_piece(s, cols, &next);
		if (take >= sizeof(piece))
			take = sizeof(piece) - 1;
		memcpy(piece, s, take);
		piece[take] = '\0';
		cli_buf_clean(b, piece, false);
		cli_buf_add(b, "\n", 1);
		if (next == 0)
			break;
		s += next;
		if (*s) {
			spaces(b, indent);
			cols = rest;
		}
	}
}

/* Text wrapped at `cols`, continuation lines indented by `indent`. */
static void wrapped(struct cli_buf *b, const char *s, size_t cols, size_t indent)
{
	wrapped2(b, s, cols, indent, cols);
}

/* ---- tables ----------------------------------------------------------------------------- */

int cli_table_init(struct cli_table *t, unsigned ncols, const struct cli_col *cols)
{
	memset(t, 0, sizeof(*t));
	if (ncols == 0 || ncols > CLI_TABLE_COLS)
		return -EINVAL;
	t->ncols = ncols;
	memcpy(t->col, cols, ncols * sizeof(cols[0]));
	return 0;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	if (t->nrows >= CLI_TABLE_ROWS_MAX) {
		t->truncated = true;
		return -ENOSPC;
	}
	if (t->nrows == t->caprows) {
		unsigned cap = t->caprows ? t->caprows * 2 : 64;
		char **c = realloc(t->cells, (size_t)cap * t->ncols * sizeof(char *));
		if (c == NULL)
			return -ENOMEM;
		t->cells = c;
		t->caprows = cap;
	}
	char **row = t->cells + (size_t)t->nrows * t->ncols;
	for (unsigned i = 0; i < t->ncols; i++) {
		struct cli_buf b;
		const char *v = cells[i] && cells[i][0] ? cells[i] : "-";
		cli_buf_init(&b, CLI_CELL_MAX);
		if (cli_buf_clean(&b, v, false) < 0 && b.p == NULL)
			cli_buf_add(&b, "", 0);
		row[i] = b.p ? b.p : strdup("");
		if (row[i] == NULL) {
			for (unsigned k = 0; k < i; k++)
				free(row[k]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

void cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < (size_t)t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static void cell_out(struct cli_buf *b, const char *s, size_t w, unsigned flags, bool last)
{
	size_t sw = cli_text_width(s);
	char cut[CLI_CELL_MAX];
	if (w == 0)
		return;
	if (sw > w) {
		size_t got = cli_text_cut(s, w ? w - 1 : 0, cut, sizeof(cut));
		cli_buf_add(b, cut, strlen(cut));
		if (w)
			cli_buf_add(b, "~", 1);
		if (!last)
			spaces(b, w - 1 - got);
		return;
	}
	if (flags & CLI_COL_RIGHT)
		spaces(b, w - sw);
	/* heads may come from JSON keys (generic tables): cleaned too */
	cli_buf_clean(b, s, false);
	if (!last && !(flags & CLI_COL_RIGHT))
		spaces(b, w - sw);
}

int cli_table_render(const struct cli_table *t, unsigned width, struct cli_buf *out)
{
	size_t w[CLI_TABLE_COLS], total = 0, gap = 2;
	unsigned n = t->ncols;

	for (unsigned c = 0; c < n; c++) {
		w[c] = cli_text_width(t->col[c].head);
		for (unsigned r = 0; r < t->nrows; r++) {
			size_t cw = cli_text_width(t->cells[(size_t)r * n + c]);
			if (cw > w[c])
				w[c] = cw;
		}
		total += w[c];
	}
	if (total + gap * (n - 1) > width)
		gap = 1;
	total += gap * (n - 1);
	/* too wide: the wrapping last column gives first, then the widest shrinkable one */
	if (total > width && (t->col[n - 1].flags & CLI_COL_WRAP)) {
		size_t over = total - width, min = t->col[n - 1].min;
		size_t give = w[n - 1] > min ? w[n - 1] - min : 0;
		if (give > over)
			give = over;
		w[n - 1] -= give;
		total -= give;
	}
	while (total > width) {
		int best = -1;
		for (unsigned c = 0; c < n; c++)
			if ((t->col[c].flags & CLI_COL_SHRINK) && w[c] > t->col[c].min && (best < 0 || w[c] > w[best]))
				best = (int)c;
		if (best < 0)
			break;   /* nothing more gives: the line is wider than the terminal */
		w[best]--;
		total--;
	}
	for (unsigned c = 0; c < n; c++) {
		cell_out(out, t->col[c].head, w[c], t->col[c].flags, c == n - 1);
		if (c < n - 1)
			spaces(out, gap);
	}
	cli_buf_add(out, "\n", 1);
	for (unsigned r = 0; r < t->nrows; r++) {
		char *const *row = t->cells + (size_t)r * n;
		size_t indent = 0;
		for (unsigned c = 0; c < n; c++) {
			bool last = c == n - 1;
			if (last && (t->col[c].flags & CLI_COL_WRAP) && cli_text_width(row[c]) > w[c]) {
				wrapped(out, row[c], w[c], indent);
				goto next_row;
			}
			cell_out(out, row[c], w[c], t->col[c].flags, last);
			if (!last) {
				spaces(out, gap);
				indent += w[c] + gap;
			}
		}
		cli_buf_add(out, "\n", 1);
next_row:;
	}
	if (t->truncated)
		cli_buf_printf(out, "(only the first %u rows)\n", t->nrows);
	return out->failed ? -ENOMEM : 0;
}

/* ---- JSON helpers ------------------------------------------------------------------------ */

/* A member as text: strings as they are, numbers and booleans printed;
 * NULL for null, absent, objects and arrays. */
static const char *jtext(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = key ? json_object_get(o, key) : o;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, len, "%.3g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	return NULL;
}

static long long jint(json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

void cli_format_time(const char *iso, long tz_offset, char *out, size_t outlen)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, s;
	char rest[8] = "";
	if (iso == NULL) {
		snprintf(out, outlen, "-");
		return;
	}
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &s, rest) < 6 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || (rest[0] && rest[0] != 'Z' && rest[0] != '.')) {
		cli_text_cut(iso, 32, out, outlen);
		return;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	time_t t = timegm(&tm) + tz_offset;
	struct tm lt;
	if (gmtime_r(&t, &lt) == NULL) {
		cli_text_cut(iso, 32, out, outlen);
		return;
	}
	strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &lt);
}

static const char *jtime(json_t *o, const char *key, const struct cli_format_opts *opt, char *buf, size_t len)
{
	const char *s = jtext(o, key, buf, len);
	if (s == NULL)
		return NULL;
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%s", s);
	cli_format_time(tmp, opt->tz_offset, buf, len);
	return buf;
}

/* "label         value", the value wrapped under itself. */
static void kv(struct cli_buf *b, const struct cli_format_opts *o, size_t indent, const char *label, const char *value)
{
	size_t lw = cli_text_width(label);
	spaces(b, indent);
	cli_buf_clean(b, label, false);
	size_t col = indent + (lw < LABEL_W ? LABEL_W : lw + 1);
	spaces(b, col - indent - lw);
	size_t avail = o->width > col + 8 ? o->width - col : 8;
	wrapped(b, value && value[0] ? value : "-", avail, col);
}

static void kvf(struct cli_buf *b, const struct cli_format_opts *o, size_t indent, const char *label, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));
static void kvf(struct cli_buf *b, const struct cli_format_opts *o, size_t indent, const char *label, const char *fmt,
		...)
{
	char v[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	kv(b, o, indent, label, v);
}

static const char *or_dash(const char *s)
{
	return s && s[0] ? s : "-";
}

/* Array of strings joined by ", " into buf. */
static const char *jjoin(json_t *a, char *buf, size_t len)
{
	size_t i;
	json_t *v;
	buf[0] = '\0';
	json_array_foreach(a, i, v) {
		char nb[32];
		const char *s = jtext(v, NULL, nb, sizeof(nb));
		size_t used = strlen(buf);
		if (s)
			snprintf(buf + used, len - used, "%s%s", used ? ", " : "", s);
	}
	return buf;
}

/* ---- generic --------------------------------------------------------------------------------- */

static bool scalar(json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static bool flat_objects(json_t *a)
{
	size_t i;
	json_t *v;
	if (json_array_size(a) == 0)
		return false;
	json_array_foreach(a, i, v) {
		const char *k;
		json_t *m;
		if (!json_is_object(v) || json_object_size(v) == 0 || json_object_size(v) > CLI_TABLE_COLS)
			return false;
		json_object_foreach(v, k, m)
			if (!scalar(m))
				return false;
	}
	return true;
}

static void indent_lines(struct cli_buf *out, const char *text, size_t indent)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t l = nl ? (size_t)(nl - text + 1) : strlen(text);
		spaces(out, indent);
		cli_buf_add(out, text, l);
		text += l;
	}
}

static void flat_table(json_t *a, const struct cli_format_opts *o, size_t indent, struct cli_buf *out)
{
	struct cli_table t;
	struct cli_col cols[CLI_TABLE_COLS];
	const char *keys[CLI_TABLE_COLS];
	unsigned n = 0;
	const char *k;
	json_t *m, *first = json_array_get(a, 0);
	size_t i;
	json_t *row;

	json_object_foreach(first, k, m) {
		keys[n] = k;
		cols[n] = (struct cli_col){ .head = k, .min = 4, .flags = CLI_COL_SHRINK };
		n++;
	}
	if (cli_table_init(&t, n, cols) < 0)
		return;
	json_array_foreach(a, i, row) {
		char nb[CLI_TABLE_COLS][48];
		const char *cells[CLI_TABLE_COLS];
		for (unsigned c = 0; c < n; c++)
			cells[c] = jtext(row, keys[c], nb[c], sizeof(nb[c]));
		cli_table_add(&t, cells);
	}
	struct cli_buf tb;
	cli_buf_init(&tb, 0);
	cli_table_render(&t, o->width > indent + 20 ? (unsigned)(o->width - indent) : 20, &tb);
	if (tb.p)
		indent_lines(out, tb.p, indent);
	cli_buf_free(&tb);
	cli_table_free(&t);
}

static void generic(json_t *v, const struct cli_format_opts *o, size_t indent, struct cli_buf *out, int depth)
{
	const char *k;
	json_t *m;
	char nb[64], joined[4096];
	size_t lw = 0;

	if (depth > GENERIC_DEPTH_MAX) {
		spaces(out, indent);
		cli_buf_add(out, "...\n", 4);
		return;
	}
	if (!json_is_object(v)) {
		const char *s = jtext(v, NULL, nb, sizeof(nb));
		if (json_is_array(v) && flat_objects(v)) {
			flat_table(v, o, indent, out);
			return;
		}
		spaces(out, indent);
		if (s)
			wrapped(out, s, o->width > indent + 8 ? o->width - indent : 8, indent);
		else if (json_is_array(v))
			wrapped(out, json_array_size(v) ? jjoin(v, joined, sizeof(joined)) : "(none)",
				o->width > indent + 8 ? o->width - indent : 8, indent);
		else
			cli_buf_add(out, "ok\n", 3);
		return;
	}
	json_object_foreach(v, k, m) {
		size_t w = cli_text_width(k);
		if (scalar(m) && w > lw && w < 28)
			lw = w;
	}
	json_object_foreach(v, k, m) {
		char label[96];
		snprintf(label, sizeof(label), "%s", k);
		if (scalar(m)) {
			const char *s = jtext(m, NULL, nb, sizeof(nb));
			spaces(out, indent);
			cli_buf_clean(out, label, false);
			size_t w = cli_text_width(label);
			spaces(out, (lw > w ? lw - w : 0) + 2);
			size_t col = indent + (lw > w ? lw : w) + 2;
			wrapped(out, s ? s : "-", o->width > col + 8 ? o->width - col : 8, col);
		} else if (json_is_array(m) && !flat_objects(m) && !json_is_object(json_array_get(m, 0))) {
			spaces(out, indent);
			cli_buf_clean(out, label, false);
			size_t w = cli_text_width(label);
			spaces(out, (lw > w ? lw - w : 0) + 2);
			size_t col = indent + (lw > w ? lw : w) + 2;
			wrapped(out, json_array_size(m) ? jjoin(m, joined, sizeof(joined)) : "(none)",
				o->width > col + 8 ? o->width - col : 8, col);
		} else if (json_is_object(m) && json_object_size(m) == 0) {
			spaces(out, indent);
			cli_buf_clean(out, label, false);
			size_t w = cli_text_width(label);
			spaces(out, (lw > w ? lw - w : 0) + 2);
			cli_buf_add(out, "(none)\n", 7);
		} else {
			spaces(out, indent);
			cli_buf_clean(out, label, false);
			cli_buf_add(out, ":\n", 2);
			if (json_is_array(m) && !flat_objects(m)) {
				size_t i;
				json_t *e;
				json_array_foreach(m, i, e) {
					spaces(out, indent + 2);
					cli_buf_add(out, "-\n", 2);
					generic(e, o, indent + 4, out, depth + 1);
				}
			} else {
				generic(m, o, indent + 2, out, depth + 1);
			}
		}
	}
}

int cli_format_generic(json_t *v, const struct cli_format_opts *o, struct cli_buf *out)
{
	generic(v, o, 0, out, 0);
	return out->failed ? -ENOMEM : 0;
}

/* ---- devices ------------------------------------------------------------------------------------ */

static int format_devices(json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	static const struct cli_col cols[] = {
		{ "MAC", 17, 0 }, { "IP", 15, 0 }, { "STATE", 8, CLI_COL_SHRINK },
		{ "ROLE", 4, CLI_COL_SHRINK }, { "HOSTNAME", 8, CLI_COL_SHRINK }, { "REASON", 10, CLI_COL_SHRINK },
	};
	struct cli_table t;
	json_t *devs = json_object_get(r, "devices"), *d;
	size_t i;

	if (json_array_size(devs) == 0)
		return cli_buf_printf(out, "no devices\n");
	cli_table_init(&t, 6, cols);
	json_array_foreach(devs, i, d) {
		char nb[6][32];
		const char *cells[6] = {
			jtext(d, "mac", nb[0], 32), jtext(d, "ip", nb[1], 32), jtext(d, "state", nb[2], 32),
			jtext(d, "role", nb[3], 32), jtext(d, "hostname", nb[4], 32), jtext(d, "reason", nb[5], 32),
		};
		cli_table_add(&t, cells);
	}
	cli_table_render(&t, o->width, out);
	cli_table_free(&t);
	size_t n = json_array_size(devs);
	if (o->list_limit && n >= o->list_limit)
		cli_buf_printf(out, "%zu devices shown, there may be more: narrow with state, role or search\n", n);
	else
		cli_buf_printf(out, "%zu device%s\n", n, n == 1 ? "" : "s");
	return out->failed ? -ENOMEM : 0;
}

static void match_text(json_t *match, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	buf[0] = '\0';
	json_object_foreach(match, k, v) {
		char joined[1024], nb[32];
		const char *s = json_is_array(v) ? jjoin(v, joined, sizeof(joined)) : jtext(v, NULL, nb, sizeof(nb));
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s %s", used ? "; " : "", k, s ? s : "");
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "any device");
}

static int format_device(json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	char b1[128], b2[128], b3[128], joined[2048];
	json_t *v = json_object_get(r, "verdict"), *f = json_object_get(r, "facts"), *ov = json_object_get(r, "override");
	json_t *now = json_object_get(r, "policy_now"), *ips = json_object_get(r, "ips");
	const char *host = jtext(r, "hostname", b1, sizeof(b1));

	cli_buf_add(out, "Device ", 7);
	cli_buf_clean(out, or_dash(jtext(r, "mac", b2, sizeof(b2))), false);
	if (host && host[0]) {
		cli_buf_add(out, " (", 2);
		cli_buf_clean(out, host, false);
		cli_buf_add(out, ")", 1);
	}
	cli_buf_add(out, "\n", 1);
	if (v == NULL)
		v = r;
	kv(out, o, 2, "State", jtext(v, "state", b1, sizeof(b1)));
	kv(out, o, 2, "Role", jtext(v, "role", b1, sizeof(b1)));
	const char *rule = jtext(v, "rule", b1, sizeof(b1));
	long long line = jint(v, "rule_line", 0);
	if (line)
		kvf(out, o, 2, "Decided by", "rule %s (configuration line %lld)", or_dash(rule), line);
	else
		kvf(out, o, 2, "Decided by", "%s", rule && strcmp(rule, "override") == 0 ? "an administrator's override" :
						      rule && strcmp(rule, "default") == 0 ? "the default (no rule matched)" :
						      or_dash(rule));
	kv(out, o, 2, "Reason", jtext(v, "reason", b1, sizeof(b1)));
	kv(out, o, 2, "Why", jtext(v, "why", b1, sizeof(b1)));
	kv(out, o, 2, "Decided", jtime(v, "decided", o, b1, sizeof(b1)));
	const char *exp = jtime(v, "expires", o, b1, sizeof(b1));
	kv(out, o, 2, "Expires", exp ? exp : "never");
	if (json_is_object(ov)) {
		const char *until = jtime(ov, "expires", o, b3, sizeof(b3));
		kvf(out, o, 2, "Override", "%s by %s (uid %lld)%s%s%s: %s", or_dash(jtext(ov, "state", b1, sizeof(b1))),
		    or_dash(jtext(ov, "user", b2, sizeof(b2))), jint(ov, "uid", -1), until ? ", until " : ", permanent",
		    until ? until : "", json_is_false(json_object_get(ov, "active")) ? " (expired)" : "",
		    or_dash(jtext(ov, "reason", joined, sizeof(joined))));
	} else {
		kv(out, o, 2, "Override", "none");
	}
	if (json_is_object(now)) {
		const char *ns = jtext(now, "state", b1, sizeof(b1)), *vs = jtext(v, "state", b2, sizeof(b2));
		if (ns && vs && strcmp(ns, vs) != 0)
			kvf(out, o, 2, "Policy now", "%s by %s: %s (applied at the next decision)", ns,
			    or_dash(jtext(now, "rule", b3, sizeof(b3))), or_dash(jtext(now, "reason", joined, sizeof(joined))));
	}
	cli_buf_add(out, "Facts\n", 6);
	if (json_array_size(ips)) {
		size_t i;
		json_t *ip;
		bool first = true;
		json_array_foreach(ips, i, ip) {
			char t[64];
			kvf(out, o, 2, first ? "Addresses" : "", "%s (%s, last seen %s)", or_dash(jtext(ip, "addr", b1, sizeof(b1))),
			    or_dash(jtext(ip, "source", b2, sizeof(b2))), or_dash(jtime(ip, "last_seen", o, t, sizeof(t))));
			first = false;
		}
	} else {
		kv(out, o, 2, "Address", jtext(r, "ip", b1, sizeof(b1)));
	}
	kv(out, o, 2, "Host name", jtext(r, "hostname", b1, sizeof(b1)));
	kv(out, o, 2, "OUI", jtext(r, "oui", b1, sizeof(b1)));
	kv(out, o, 2, "Vendor class", jtext(r, "vendor_class", b1, sizeof(b1)));
	kv(out, o, 2, "Fingerprint", jtext(r, "fingerprint", b1, sizeof(b1)));
	kvf(out, o, 2, "Port, VLAN", "%lld, %lld", jint(r, "port", 0), jint(r, "vlan", 0));
	kv(out, o, 2, "First seen", jtime(r, "first_seen", o, b1, sizeof(b1)));
	kv(out, o, 2, "Last seen", jtime(r, "last_seen", o, b1, sizeof(b1)));
	if (json_is_object(f)) {
		const char *id = jtext(f, "identity", b2, sizeof(b2));
		kvf(out, o, 2, "Auth", "%s%s%s", or_dash(jtext(f, "auth", b1, sizeof(b1))), id && id[0] ? ", identity " : "",
		    id ? id : "");
		kv(out, o, 2, "AD account", jtext(f, "account", b1, sizeof(b1)));
		json_t *g = json_object_get(f, "ad_groups");
		kv(out, o, 2, "AD groups", json_array_size(g) ? jjoin(g, joined, sizeof(joined)) : "none");
		json_t *ab = json_object_get(f, "ad_binding");
		if (json_is_object(ab) && json_is_true(json_object_get(ab, "bound")))
			kvf(out, o, 2, "AD computer", "%s (by %s %s)", or_dash(jtext(ab, "computer", b1, sizeof(b1))),
			    or_dash(jtext(ab, "source", b2, sizeof(b2))), or_dash(jtext(ab, "claim", b3, sizeof(b3))));
		else if (json_is_object(ab))
			kv(out, o, 2, "AD computer", "none");
		json_t *p = json_object_get(f, "posture");
		if (json_is_object(p)) {
			const char *eff = jtext(p, "effective", b1, sizeof(b1)), *rec = jtext(p, "recorded", b2, sizeof(b2));
			const char *sc = jtime(p, "scanned", o, b3, sizeof(b3));
			kvf(out, o, 2, "Posture", "%s%s%s%s%s", or_dash(eff), rec && eff && strcmp(rec, eff) ? " (recorded " : "",
			    rec && eff && strcmp(rec, eff) ? rec : "", rec && eff && strcmp(rec, eff) ? ")" : "",
			    sc ? "" : ", never scanned");
			if (sc)
				kv(out, o, 2, "Scanned", sc);
			json_t *failed = json_object_get(p, "failed");
			if (json_array_size(failed))
				kv(out, o, 2, "Failed items", jjoin(failed, joined, sizeof(joined)));
			json_t *po = json_object_get(p, "override");
			if (json_is_object(po)) {
				json_t *w = json_object_get(po, "waived");
				const char *forced = jtext(po, "status", b1, sizeof(b1));
				const char *until = jtime(po, "expires", o, b3, sizeof(b3));
				kvf(out, o, 2, "GCB exception", "%s%s%s%s%s, by %s until %s",
				    json_array_size(w) ? "waived " : "", json_array_size(w) ? jjoin(w, joined, sizeof(joined)) : "",
				    forced && json_array_size(w) ? "; " : "", forced ? "forced " : "", forced ? forced : "",
				    or_dash(jtext(po, "user", b2, sizeof(b2))), until ? until : "cleared");
			}
		}
	}
	return out->failed ? -ENOMEM : 0;
}

/* ---- events --------------------------------------------------------------------------------------- */

#define EV_TIME_W  19
#define EV_KIND_W  13

int cli_format_event(json_t *ev, const struct cli_format_opts *o, struct cli_buf *out)
{
	char t[64], kb[64], mb[32], text[2048], line[4096];
	const char *kind = jtext(ev, "kind", kb, sizeof(kb)), *mac = jtext(ev, "mac", mb, sizeof(mb));
	const char *m = jtext(ev, "msg", text, sizeof(text));

	cli_format_time(jtext(ev, "ts", t, sizeof(t)), o->tz_offset, t, sizeof(t));
	if (m == NULL || m[0] == '\0') {
		/* no message: the parameters say what happened */
		json_t *params = json_object_get(ev, "params"), *v;
		const char *k;
		text[0] = '\0';
		json_object_foreach(params, k, v) {
			char nb[32];
			const char *s = jtext(v, NULL, nb, sizeof(nb));
			size_t used = strlen(text);
			snprintf(text + used, sizeof(text) - used, "%s%s=%s", used ? " " : "", k, s ? s : "");
		}
		m = text;
	}
	/* the MAC is in most messages already; say it only when it is not */
	if (mac && mac[0] && strstr(m, mac) == NULL)
		snprintf(line, sizeof(line), "%s: %s", mac, m);
	else
		snprintf(line, sizeof(line), "%s", m);
	cli_buf_clean(out, t, false);
	spaces(out, t[0] && cli_text_width(t) < EV_TIME_W ? EV_TIME_W - cli_text_width(t) + 1 : 1);
	size_t kw = cli_text_width(or_dash(kind));
	cli_buf_clean(out, or_dash(kind), false);
	spaces(out, kw < EV_KIND_W ? EV_KIND_W - kw + 1 : 1);
	size_t col = EV_TIME_W + 1 + (kw < EV_KIND_W ? EV_KIND_W + 1 : kw + 1);
	wrapped2(out, line, o->width > col + 16 ? o->width - col : 16, EV_TIME_W + 1,
		 o->width > EV_TIME_W + 17 ? o->width - EV_TIME_W - 1 : 16);
	return out->failed ? -ENOMEM : 0;
}

static int format_events(json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	json_t *evs = json_object_get(r, "events"), *e;
	size_t i;
	if (json_array_size(evs) == 0)
		return cli_buf_printf(out, "no events\n");
	json_array_foreach(evs, i, e)
		cli_format_event(e, o, out);
	return out->failed ? -ENOMEM : 0;
}

/* ---- policy and roles ---------------------------------------------------------------------------- */

static int format_policy(json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	json_t *rules = json_object_get(r, "rules"), *rule;
	size_t i;
	char b1[128], b2[128], text[2048];

	json_array_foreach(rules, i, rule) {
		const char *role = jtext(rule, "role", b2, sizeof(b2));
		cli_buf_printf(out, "%zu. ", i + 1);
		cli_buf_clean(out, or_dash(jtext(rule, "name", b1, sizeof(b1))), false);
		cli_buf_printf(out, " (line %lld): ", jint(rule, "line", 0));
		cli_buf_clean(out, or_dash(jtext(rule, "verdict", b1, sizeof(b1))), false);
		if (role && role[0]) {
			cli_buf_add(out, ", role ", 7);
			cli_buf_clean(out, role, false);
		}
		cli_buf_add(out, "\n", 1);
		match_text(json_object_get(rule, "match"), text, sizeof(text));
		kv(out, o, 5, "match", text);
		kv(out, o, 5, "reason", jtext(rule, "reason", text, sizeof(text)));
	}
	if (json_array_size(rules) == 0)
		cli_buf_add(out, "no policy rules\n", 16);
	json_t *d = json_object_get(r, "default");
	cli_buf_printf(out, "default: %s", or_dash(jtext(d, "verdict", b1, sizeof(b1))));
	cli_buf_add(out, " (no rule matched)\n", 19);
	const char *ovr = jtext(r, "override", text, sizeof(text));
	if (ovr)
		kv(out, o, 0, "overrides:", ovr);
	kvf(out, o, 0, "posture age:", "scans older than %lld days count as stale", jint(r, "posture_max_age_days", 0));
	kvf(out, o, 0, "generation:", "%lld", jint(r, "generation", 0));
	return out->failed ? -ENOMEM : 0;
}

static int format_roles(json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	json_t *roles = json_object_get(r, "roles"), *role, *q = json_object_get(r, "quarantine");
	size_t i, k;
	char b1[128], b2[32], text[2048];

	json_array_foreach(roles, i, role) {
		json_t *rules = json_object_get(role, "rules"), *rule;
		cli_buf_add(out, "Role ", 5);
		cli_buf_clean(out, or_dash(jtext(role, "name", b1, sizeof(b1))), false);
		cli_buf_printf(out, " (id %lld", jint(role, "id", 0));
		if (jint(role, "line", 0))
			cli_buf_printf(out, ", line %lld", jint(role, "line", 0));
		cli_buf_printf(out, "): default %s\n", or_dash(jtext(role, "default", b2, sizeof(b2))));
		json_array_foreach(rules, k, rule) {
			cli_buf_printf(out, "  %3zu  ", k + 1);
			wrapped(out, or_dash(jtext(rule, NULL, text, sizeof(text))), o->width > 15 ? o->width - 7 : 8, 7);
		}
	}
	if (json_is_object(q)) {
		cli_buf_add(out, "Quarantine\n", 11);
		kv(out, o, 2, "unknown MACs", jtext(q, "unknown_action", b1, sizeof(b1)));
		kv(out, o, 2, "resolvers", jjoin(json_object_get(q, "resolvers"), text, sizeof(text)));
		kv(out, o, 2, "remediation", jjoin(json_object_get(q, "remediation"), text, sizeof(text)));
	}
	return out->failed ? -ENOMEM : 0;
}

/* ---- sessions, posture, configuration -------------------------------------------------------- */

/* session.list: 802.1X and MAB sessions; `device MAC` keeps that one's rows. */
static int format_sessions(const struct cli_cmd *cmd, json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	static const struct cli_col cols[] = {
		{ "MAC", 17, 0 }, { "IDENTITY", 8, CLI_COL_SHRINK }, { "METHOD", 4, CLI_COL_SHRINK },
		{ "STATE", 5, CLI_COL_SHRINK }, { "SINCE", 19, 0 }, { "ROLE", 4, CLI_COL_SHRINK },
	};
	struct cli_table t;
	json_t *ss = json_object_get(r, "sessions"), *s;
	const char *only = cli_cmd_get(cmd, CLI_S_MAC);
	size_t i;
	if (!json_is_array(ss))
		return cli_format_generic(r, o, out);
	cli_table_init(&t, 6, cols);
	json_array_foreach(ss, i, s) {
		char nb[6][64];
		const char *mac = jtext(s, "mac", nb[0], 64);
		if (only && (mac == NULL || strcmp(mac, only) != 0))
			continue;
		const char *cells[6] = {
			mac, jtext(s, "identity", nb[1], 64), jtext(s, "method", nb[2], 64), jtext(s, "state", nb[3], 64),
			jtime(s, "since", o, nb[4], 64), jtext(s, "role", nb[5], 64),
		};
		cli_table_add(&t, cells);
	}
	if (t.nrows == 0) {
		cli_table_free(&t);
		return cli_buf_printf(out, "no sessions\n");
	}
	cli_table_render(&t, o->width, out);
	cli_buf_printf(out, "%u session%s\n", t.nrows, t.nrows == 1 ? "" : "s");
	cli_table_free(&t);
	return out->failed ? -ENOMEM : 0;
}

static void posture_row(struct cli_table *t, json_t *row, const char *name)
{
	char nb[8][32], pct[48];
	long long dev = jint(row, "devices", 0), ok = jint(row, "compliant", 0);
	if (dev > 0)
		snprintf(pct, sizeof(pct), "%lld.%lld%%", ok * 1000 / dev / 10, ok * 1000 / dev % 10);
	else
		snprintf(pct, sizeof(pct), "-");
	const char *cells[8] = {
		name ? name : jtext(row, "name", nb[0], 32), jtext(row, "devices", nb[1], 32),
		jtext(row, "compliant", nb[2], 32), jtext(row, "noncompliant", nb[3], 32),
		jtext(row, "unknown", nb[4], 32), jtext(row, "stale", nb[5], 32), jtext(row, "unscanned", nb[6], 32), pct,
	};
	cli_table_add(t, cells);
}

static int format_posture(json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	static const struct cli_col cols[] = {
		{ "NAME", 6, CLI_COL_SHRINK }, { "DEVICES", 3, CLI_COL_RIGHT }, { "COMPLIANT", 3, CLI_COL_RIGHT },
		{ "FAILED", 3, CLI_COL_RIGHT }, { "UNKNOWN", 3, CLI_COL_RIGHT }, { "STALE", 3, CLI_COL_RIGHT },
		{ "UNSCANNED", 3, CLI_COL_RIGHT }, { "RATE", 4, CLI_COL_RIGHT },
	};
	const char *sections[2] = { "roles", "baselines" };
	char b1[64];
	struct cli_table t;
	size_t i;
	json_t *row;

	if (!json_is_object(json_object_get(r, "total")))
		return cli_format_generic(r, o, out);
	for (int s = 0; s < 2; s++) {
		cli_table_init(&t, 8, cols);
		if (s == 0)
			posture_row(&t, json_object_get(r, "total"), "(all devices)");
		json_array_foreach(json_object_get(r, sections[s]), i, row)
			posture_row(&t, row, NULL);
		if (t.nrows) {
			cli_buf_printf(out, "%sBy %s\n", s ? "\n" : "", s ? "baseline" : "role");
			cli_table_render(&t, o->width, out);
		}
		cli_table_free(&t);
	}
	const char *last = jtime(r, "last_import", o, b1, sizeof(b1));
	if (last)
		cli_buf_printf(out, "\nlast import: %s\n", last);
	if (json_is_integer(json_object_get(r, "counted_from")))
		cli_buf_printf(out, "\n(counted by menjin-cli from %lld devices: this menjind has no posture.kpi yet)\n",
			       jint(r, "counted_from", 0));
	return out->failed ? -ENOMEM : 0;
}

static int format_history(json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	static const struct cli_col cols[] = {
		{ "N", 2, CLI_COL_RIGHT }, { "VERSION", 3, CLI_COL_RIGHT }, { "TIME", 10, CLI_COL_SHRINK },
		{ "USER", 4, CLI_COL_SHRINK }, { "STATE", 5, CLI_COL_SHRINK }, { "COMMENT", 12, CLI_COL_WRAP },
	};
	struct cli_table t;
	json_t *vs = json_object_get(r, "versions"), *v;
	size_t i;
	if (json_array_size(vs) == 0)
		return cli_buf_printf(out, "no configuration versions recorded\n");
	cli_table_init(&t, 6, cols);
	json_array_foreach(vs, i, v) {
		char nb[6][256];
		snprintf(nb[0], sizeof(nb[0]), "%zu", i);
		const char *cells[6] = {
			nb[0], jtext(v, "version", nb[1], 256), jtime(v, "time", o, nb[2], 256), jtext(v, "user", nb[3], 256),
			jtext(v, "state", nb[4], 256), jtext(v, "comment", nb[5], 256),
		};
		cli_table_add(&t, cells);
	}
	cli_table_render(&t, o->width, out);
	cli_table_free(&t);
	return out->failed ? -ENOMEM : 0;
}

/* ---- show central ---------------------------------------------------------------------------------- */

/* Unix seconds as local time; NULL for 0 (never). */
static const char *junix(json_t *o, const char *key, const struct cli_format_opts *opt, char *buf, size_t len)
{
	long long v = jint(o, key, 0);
	struct tm tm;
	time_t t = (time_t)v + opt->tz_offset;
	if (v <= 0 || gmtime_r(&t, &tm) == NULL)
		return NULL;
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

/* The central bundle in force, then the rest (feeds, blocklist, sharing, SOC). */
static int format_central(json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	char b1[96], b2[96], b3[512];
	json_t *b = json_object_get(r, "bundle");
	if (!json_is_object(r))
		return cli_format_generic(r, o, out);
	if (!json_is_object(b)) {
		cli_buf_printf(out, "central bundle: not configured (central {})\n");
	} else {
		json_t *c = json_object_get(b, "counts"), *ov = json_object_get(b, "overrides"),
		       *f = json_object_get(b, "fetch");
		if (json_is_true(json_object_get(b, "running"))) {
			cli_buf_printf(out, "central bundle: version %lld (key ", jint(b, "version", 0));
			cli_buf_clean(out, or_dash(jtext(b, "key_id", b1, sizeof(b1))), false);
			cli_buf_printf(out, ")%s%s\n", json_is_true(json_object_get(b, "from_disk")) ? ", from the saved copy" : "",
				       json_is_true(json_object_get(b, "expired")) ? ", EXPIRED (stays in force)" : "");
			kv(out, o, 2, "issuer", jtext(b, "issuer", b3, sizeof(b3)));
			kv(out, o, 2, "sha256", jtext(b, "sha256", b3, sizeof(b3)));
			kv(out, o, 2, "applied", junix(b, "applied_at", o, b1, sizeof(b1)));
			kv(out, o, 2, "created", junix(b, "created", o, b1, sizeof(b1)));
			kv(out, o, 2, "expires", junix(b, "expires", o, b1, sizeof(b1)));
			if (json_is_object(c))
				kvf(out, o, 2, "contents", "roles %lld, policy rules %lld, devices %lld, baselines %lld, "
				    "blocklist %lld", jint(c, "roles", 0), jint(c, "policy", 0), jint(c, "devices", 0),
				    jint(c, "baselines", 0), jint(c, "blocklist", 0));
			if (json_is_object(ov))
				kvf(out, o, 2, "overrides", "%lld set, %lld unchanged, %lld admin's kept, %lld failed, "
				    "%lld cleared", jint(ov, "set", 0), jint(ov, "unchanged", 0),
				    jint(ov, "admin", 0), jint(ov, "failed", 0), jint(ov, "cleared", 0));
		} else {
			cli_buf_printf(out, "central bundle: none in force (local roles and policy)\n");
		}
		kvf(out, o, 2, "high-water", "%lld", jint(b, "high_water", 0));
		const char *refusal = jtext(b, "last_refusal", b3, sizeof(b3));
		if (refusal && refusal[0])
			kvf(out, o, 2, "refused", "%s: %s", or_dash(junix(b, "last_refusal_at", o, b1, sizeof(b1))), refusal);
		if (json_is_object(f)) {
			kv(out, o, 2, "url", jtext(f, "url", b3, sizeof(b3)));
			kvf(out, o, 2, "last poll", "%s (%s, HTTP %lld)", or_dash(junix(f, "last_attempt", o, b1, sizeof(b1))),
			    or_dash(jtext(f, "outcome", b2, sizeof(b2))), jint(f, "http_code", 0));
			kv(out, o, 2, "last success", junix(f, "last_success", o, b1, sizeof(b1)));
			const char *e = jtext(f, "last_error", b3, sizeof(b3));
			if (e && e[0])
				kv(out, o, 2, "last error", e);
		}
	}
	json_t *rest = json_copy(r);
	if (rest == NULL)
		return -ENOMEM;
	json_object_del(rest, "bundle");
	int rc = cli_format_generic(rest, o, out);
	json_decref(rest);
	return rc;
}

/* ---- results of changes ------------------------------------------------------------------------------ */

static int format_override(const struct cli_cmd *cmd, json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	char b1[64], b2[512], b3[64];
	json_t *v = json_object_get(r, "verdict");
	if (!json_is_object(v))
		return cli_format_generic(r, o, out);
	const char *exp = jtime(v, "expires", o, b3, sizeof(b3));
	cli_buf_clean(out, or_dash(jtext(r, "mac", b1, sizeof(b1))), false);
	cli_buf_add(out, " is now ", 8);
	cli_buf_clean(out, or_dash(jtext(v, "state", b1, sizeof(b1))), false);
	if (exp)
		cli_buf_printf(out, " until %s", exp);
	cli_buf_add(out, "\n", 1);
	kv(out, o, 2, "reason", jtext(v, "reason", b2, sizeof(b2)));
	kv(out, o, 2, "decided by", jtext(v, "rule", b2, sizeof(b2)));
	(void)cmd;
	return out->failed ? -ENOMEM : 0;
}

/* posture.override / posture.clear_override answer with the device's posture (posture.show). */
static int format_posture_override(json_t *r, const struct cli_format_opts *o, struct cli_buf *out)
{
	char b1[64], b2[512], b3[64], joined[1024];
	const char *status = jtext(r, "status", b1, sizeof(b1));
	if (status == NULL)
		return cli_format_generic(r, o, out);
	cli_buf_clean(out, or_dash(jtext(r, "mac", b3, sizeof(b3))), false);
	cli_buf_add(out, " posture is ", 12);
	cli_buf_clean(out, status, false);
	cli_buf_add(out, "\n", 1);
	kv(out, o, 2, "reason", jtext(r, "reason", b2, sizeof(b2)));
	json_t *ov = json_object_get(r, "override");
	if (json_is_object(ov)) {
		json_t *w = json_object_get(ov, "waived");
		if (json_array_size(w))
			kv(out, o, 2, "waived", jjoin(w, joined, sizeof(joined)));
		const char *forced = jtext(ov, "status", b1, sizeof(b1));
		if (forced)
			kv(out, o, 2, "forced", forced);
		const char *exp = jtime(ov, "expires", o, b3, sizeof(b3));
		kv(out, o, 2, "until", exp ? exp : "cleared");
		kv(out, o, 2, "by", jtext(ov, "user", b2, sizeof(b2)));
	} else {
		kv(out, o, 2, "override", "none: the scans alone decide");
	}
	const char *vs = jtext(r, "verdict", b1, sizeof(b1));
	const char *vr = jtext(r, "verdict_reason", b2, sizeof(b2));
	kvf(out, o, 2, "verdict", "%s%s%s", or_dash(vs), vr ? ": " : "", vr ? vr : "");
	return out->failed ? -ENOMEM : 0;
}

int cli_format_result(const struct cli_cmd *cmd, json_t *result, const struct cli_format_opts *o, struct cli_buf *out)
{
	char b1[256], b2[256];
	switch (cmd->action) {
	case CLI_SHOW_DEVICES:
		return format_devices(result, o, out);
	case CLI_SHOW_DEVICE:
		return format_device(result, o, out);
	case CLI_SHOW_SESSIONS:
		return format_sessions(cmd, result, o, out);
	case CLI_SHOW_POSTURE:
		return format_posture(result, o, out);
	case CLI_SHOW_EVENTS:
		return format_events(result, o, out);
	case CLI_SHOW_POLICY:
		return format_policy(result, o, out);
	case CLI_SHOW_ROLES:
		return format_roles(result, o, out);
	case CLI_SHOW_CENTRAL:
		return format_central(result, o, out);
	case CLI_SHOW_CONFIG_HISTORY:
		return format_history(result, o, out);
	case CLI_SHOW_CONFIGURATION:
	case CLI_SHOW_CONFIG_ROLLBACK: {
		const char *text = jtext(result, "text", b1, sizeof(b1));
		if (text == NULL)
			return cli_format_generic(result, o, out);
		cli_buf_clean(out, text, true);
		if (text[0] && text[strlen(text) - 1] != '\n')
			cli_buf_add(out, "\n", 1);
		return out->failed ? -ENOMEM : 0;
	}
	case CLI_REQUEST_OVERRIDE:
	case CLI_REQUEST_CLEAR:
		return format_override(cmd, result, o, out);
	case CLI_REQUEST_POSTURE_OVERRIDE:
	case CLI_REQUEST_POSTURE_CLEAR:
		return format_posture_override(result, o, out);
	case CLI_REQUEST_REAUTH:
		if (!json_is_boolean(json_object_get(result, "started")))
			break;
		return cli_buf_printf(out, "%s\n", json_is_true(json_object_get(result, "started")) ?
						     "reauthentication started" : "a reauthentication is already under way");
	case CLI_REQUEST_SYNC_AD:
		if (jtext(result, "sync", b1, sizeof(b1)) == NULL)
			break;
		return cli_buf_printf(out, "%s AD sync started\n", jtext(result, "sync", b1, sizeof(b1)));
	case CLI_REQUEST_SYNC_CENTRAL:
		if (!json_is_true(json_object_get(result, "polling")))
			break;
		return cli_buf_printf(out, "polling the centre for a new policy bundle ('show central' tells the outcome)\n");
	case CLI_REQUEST_RELOAD:
		if (!json_is_object(result) || !json_object_get(result, "generation"))
			break;
		cli_buf_printf(out, "configuration reloaded: generation %lld, %s, %lld verdicts changed\n",
			       jint(result, "generation", 0),
			       json_is_true(json_object_get(result, "rules_changed")) ? "roles or policy changed" :
											 "roles and policy unchanged",
			       jint(result, "verdicts_changed", 0));
		return out->failed ? -ENOMEM : 0;
	case CLI_CAPTURE: {
		const char *path = jtext(result, "path", b1, sizeof(b1));
		if (path == NULL)
			break;
		cli_buf_printf(out, "capturing up to %lld frames of %s", jint(result, "count", cmd->num[CLI_S_COUNT]),
			       or_dash(cli_cmd_get(cmd, CLI_S_PORT)));
		cli_buf_add(out, " to ", 4);
		cli_buf_clean(out, path, false);
		cli_buf_add(out, "\n", 1);
		return out->failed ? -ENOMEM : 0;
	}
	case CLI_CFG_COMMIT: {
		const char *by = jtime(result, "confirm_by", o, b2, sizeof(b2));
		cli_buf_printf(out, "commit complete: version %lld, generation %lld\n", jint(result, "version", 0),
			       jint(result, "generation", 0));
		if (by)
			cli_buf_printf(out, "confirm it ('confirm') before %s, or it is rolled back by itself\n", by);
		return out->failed ? -ENOMEM : 0;
	}
	case CLI_CONFIRM:
		cli_buf_printf(out, "confirmed: version %lld stays\n", jint(result, "version", 0));
		return out->failed ? -ENOMEM : 0;
	default:
		break;
	}
	if (result == NULL || json_is_null(result) || (json_is_object(result) && json_object_size(result) == 0))
		return cli_buf_printf(out, "ok\n");
	return cli_format_generic(result, o, out);
}

/* ---- help ------------------------------------------------------------------------------------------- */

int cli_format_help(const struct cli_completion *c, unsigned width, struct cli_buf *out)
{
	size_t w = 4;
	struct cli_format_opts o = { .width = width };
	for (unsigned i = 0; i < c->n; i++) {
		size_t l = cli_text_width(c->cand[i].word);
		if (l > w && l < 24)
			w = l;
	}
	for (unsigned i = 0; i < c->n; i++) {
		const struct cli_candidate *k = &c->cand[i];
		size_t l = cli_text_width(k->word);
		spaces(out, 2);
		cli_buf_clean(out, k->word, false);
		if (k->help == NULL) {
			cli_buf_add(out, "\n", 1);
			continue;
		}
		spaces(out, (l < w ? w - l : 0) + 2);
		size_t col = 2 + (l < w ? w : l) + 2;
		wrapped(out, k->help, o.width > col + 8 ? o.width - col : 8, col);
	}
	if (c->truncated)
		cli_buf_printf(out, "  ... (more than %d)\n", CLI_CAND_MAX);
	if (c->may_end)
		cli_buf_add(out, "  <cr>\n", 7);
	return out->failed ? -ENOMEM : 0;
}

struct syntax_ctx {
	struct cli_buf *out;
	unsigned        width;
};

#define SYNTAX_COL 40   /* where the help starts beside a command's syntax */

static void syntax_line(void *arg, const char *syntax, const char *help)
{
	struct syntax_ctx *s = arg;
	size_t l = cli_text_width(syntax);
	spaces(s->out, 2);
	if (l + 2 > s->width) {
		/* a syntax longer than the terminal: wrapped, then its help below */
		wrapped(s->out, syntax, s->width - 2, 6);
		l = SIZE_MAX;
	} else {
		cli_buf_clean(s->out, syntax, false);
	}
	/* the help beside the syntax when it fits, else under it */
	if (l != SIZE_MAX && l + 2 + 2 <= SYNTAX_COL && s->width >= SYNTAX_COL + 20) {
		spaces(s->out, SYNTAX_COL - 2 - l);
		wrapped(s->out, help ? help : "", s->width - SYNTAX_COL, SYNTAX_COL);
	} else {
		if (l != SIZE_MAX)
			cli_buf_add(s->out, "\n", 1);
		spaces(s->out, 6);
		wrapped(s->out, help ? help : "", s->width > 14 ? s->width - 6 : 8, 6);
	}
}

int cli_format_syntax(enum cli_mode mode, unsigned width, struct cli_buf *out)
{
	struct syntax_ctx s = { .out = out, .width = width };
	cli_syntax_foreach(mode, syntax_line, &s);
	cli_buf_printf(out, "\nKeywords may be shortened (sh dev). Tab completes, ? lists what may come next.\n"
			    "Output filters: | match TEXT, | except TEXT, | count, | no-more%s\n",
		       mode == CLI_MODE_CONFIGURE ? ", | compare (after show)" : "");
	return out->failed ? -ENOMEM : 0;
}

/* ---- pipes ------------------------------------------------------------------------------------------ */

static bool contains_nocase(const char *line, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return true;
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(line + i, needle, n) == 0)
			return true;
	return false;
}

int cli_pipe_apply(const char *text, size_t len, const struct cli_pipe *pipes, unsigned n, struct cli_buf *out)
{
	struct cli_buf a, b;
	cli_buf_init(&a, 0);
	cli_buf_init(&b, 0);
	if (cli_buf_add(&a, text, len) < 0)
		goto fail;
	for (unsigned k = 0; k < n; k++) {
		const struct cli_pipe *p = &pipes[k];
		const char *s = a.p ? a.p : "";
		size_t left = a.len, lines = 0;
		if (p->kind != CLI_PIPE_MATCH && p->kind != CLI_PIPE_EXCEPT && p->kind != CLI_PIPE_COUNT)
			continue;
		cli_buf_reset(&b);
		while (left) {
			const char *nl = memchr(s, '\n', left);
			size_t l = nl ? (size_t)(nl - s) + 1 : left;
			bool has = contains_nocase(s, nl ? l - 1 : l, p->arg);
			if (p->kind == CLI_PIPE_COUNT)
				lines++;
			else if ((p->kind == CLI_PIPE_MATCH) == has)
				cli_buf_add(&b, s, l);
			s += l;
			left -= l;
		}
		if (p->kind == CLI_PIPE_COUNT)
			cli_buf_printf(&b, "Count: %zu lines\n", lines);
		if (b.failed)
			goto fail;
		struct cli_buf t = a;
		a = b;
		b = t;
	}
	if (a.len)
		cli_buf_add(out, a.p, a.len);
	cli_buf_free(&a);
	cli_buf_free(&b);
	return out->failed ? -ENOMEM : 0;
fail:
	cli_buf_free(&a);
	cli_buf_free(&b);
	return -ENOMEM;
}
