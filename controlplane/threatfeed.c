/* threatfeed.c — plain and STIX 2.1 threat feeds, merged into one prefix list. */
#include "threatfeed.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc3339.h"

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Printable copy of untrusted text for messages: at most 48 bytes. */
static void quote(const char *s, size_t len, char out[64])
{
	size_t o = 0;
	for (size_t i = 0; i < len && o < 48; i++)
		out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (len > 48) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* ---- prefixes ---------------------------------------------------------- */

int threatfeed_parse_prefix(const char *s, size_t len, struct tf_prefix *p, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 8], q[64];
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	unsigned plen = 0, maxlen;

	quote(s, len, q);
	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return fail(err, errlen, -EINVAL, "'%s': not an address", q);
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (memchr(addr, ':', alen)) {
		if (inet_pton(AF_INET6, addr, p->addr) != 1)
			return fail(err, errlen, -EINVAL, "'%s': not an IPv6 address", q);
		p->family = 6;
		maxlen = 128;
	} else {
		/* inet_pton takes only dotted quads: no "10.1", no octal. */
		if (inet_pton(AF_INET, addr, p->addr) != 1)
			return fail(err, errlen, -EINVAL, "'%s': not an IPv4 address", q);
		p->family = 4;
		maxlen = 32;
	}
	if (slash) {
		const char *d = slash + 1, *end = s + len;
		if (d == end || end - d > 3)
			return fail(err, errlen, -EINVAL, "'%s': bad prefix length", q);
		for (; d < end; d++) {
			if (*d < '0' || *d > '9')
				return fail(err, errlen, -EINVAL, "'%s': bad prefix length", q);
			plen = plen * 10 + (unsigned)(*d - '0');
		}
		if (plen > maxlen)
			return fail(err, errlen, -EINVAL, "'%s': prefix length beyond %u", q, maxlen);
	} else {
		plen = maxlen;
	}
	p->plen = (uint8_t)plen;
	for (unsigned bit = plen; bit < maxlen; bit++)
		if (p->addr[bit / 8] & (0x80 >> (bit % 8)))
			return fail(err, errlen, -EINVAL, "'%s': host bits set below /%u", q, plen);
	if (plen < (p->family == 4 ? THREATFEED_MIN_PLEN4 : THREATFEED_MIN_PLEN6))
		return fail(err, errlen, -ERANGE, "'%s': broader than /%d, refused", q,
			    p->family == 4 ? THREATFEED_MIN_PLEN4 : THREATFEED_MIN_PLEN6);
	return 0;
}

void threatfeed_prefix_format(const struct tf_prefix *p, char out[THREATFEED_PREFIX_STR])
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(out, THREATFEED_PREFIX_STR, "%s/%u", a, p->plen);
}

/* ---- lists ------------------------------------------------------------- */

struct tf_list *threatfeed_list_new(const char *feed)
{
	struct tf_list *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	snprintf(l->feed, sizeof(l->feed), "%s", feed ? feed : "");
	l->refs = 1;
	l->strings_cap = 4096;
	l->strings = malloc(l->strings_cap);
	if (l->strings == NULL) {
		free(l);
		return NULL;
	}
	l->strings[0] = '\0';
	l->strings_len = 1;
	return l;
}

struct tf_list *threatfeed_list_ref(struct tf_list *l)
{
	if (l)
		l->refs++;
	return l;
}

void threatfeed_list_unref(struct tf_list *l)
{
	if (l == NULL || --l->refs > 0)
		return;
	free(l->prefixes);
	free(l->indicators);
	free(l->strings);
	free(l);
}

const char *threatfeed_string(const struct tf_list *l, uint32_t offset)
{
	return offset < l->strings_len ? l->strings + offset : "";
}

/* Copy s (cut at THREATFEED_LABEL_MAX on a UTF-8 boundary) into the pool. */
static int add_string(struct tf_list *l, const char *s, size_t len, uint32_t *off)
{
	*off = 0;
	if (s == NULL || len == 0)
		return 0;
	if (len > THREATFEED_LABEL_MAX) {
		len = THREATFEED_LABEL_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	if (l->strings_len + len + 1 > l->strings_cap) {
		size_t cap = l->strings_cap * 2;
		while (cap < l->strings_len + len + 1)
			cap *= 2;
		if (cap > THREATFEED_STRINGS_MAX)
			return -EFBIG;
		char *n = realloc(l->strings, cap);
		if (n == NULL)
			return -ENOMEM;
		l->strings = n;
		l->strings_cap = cap;
	}
	*off = (uint32_t)l->strings_len;
	for (size_t i = 0; i < len; i++)   /* labels end up in logs: one line */
		l->strings[l->strings_len++] = (s[i] >= 0 && s[i] < 0x20) ? ' ' : s[i];
	l->strings[l->strings_len++] = '\0';
	return 0;
}

static int add_indicator(struct tf_list *l, const char *name, const char *label, size_t label_len,
			 uint32_t line, int64_t valid_until, uint32_t *index)
{
	if (l->nindicators == l->indicator_cap) {
		size_t cap = l->indicator_cap ? l->indicator_cap * 2 : 1024;
		struct tf_indicator *n = realloc(l->indicators, cap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		l->indicators = n;
		l->indicator_cap = cap;
	}
	struct tf_indicator *ind = &l->indicators[l->nindicators];
	int rc;
	if ((rc = add_string(l, name, name ? strlen(name) : 0, &ind->name)) < 0 ||
	    (rc = add_string(l, label, label_len, &ind->label)) < 0)
		return rc;
	ind->line = line;
	ind->valid_until = valid_until;
	*index = (uint32_t)l->nindicators++;
	if (valid_until && (l->next_expiry == 0 || valid_until < l->next_expiry))
		l->next_expiry = valid_until;
	l->stats.indicators++;
	return 0;
}

static int add_prefix(struct tf_list *l, const struct tf_prefix *p, uint32_t indicator)
{
	if (l->nprefixes >= THREATFEED_FEED_MAX_PREFIXES)
		return -EFBIG;
	if (l->nprefixes == l->prefix_cap) {
		size_t cap = l->prefix_cap ? l->prefix_cap * 2 : 1024;
		struct tf_prefix *n = realloc(l->prefixes, cap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		l->prefixes = n;
		l->prefix_cap = cap;
	}
	l->prefixes[l->nprefixes] = *p;
	l->prefixes[l->nprefixes].indicator = indicator;
	l->nprefixes++;
	l->stats.prefixes++;
	return 0;
}

int threatfeed_list_add(struct tf_list *l, const struct tf_prefix *p, const char *name, const char *label,
			uint32_t line, int64_t valid_until)
{
	uint32_t index;
	int rc;
	if (l->nprefixes >= THREATFEED_FEED_MAX_PREFIXES)
		return -EFBIG;
	if ((rc = add_indicator(l, name, label, label ? strlen(label) : 0, line, valid_until, &index)) < 0)
		return rc;
	return add_prefix(l, p, index);
}

/* Remember a bad entry; the first one is described. */
static void note_bad(struct tf_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_bad(struct tf_list *l, const char *fmt, ...)
{
	va_list ap;
	if (l->stats.bad++ == 0) {
		va_start(ap, fmt);
		vsnprintf(l->first_error, sizeof(l->first_error), fmt, ap);
		va_end(ap);
	}
}

void threatfeed_list_summary(const struct tf_list *l, char *out, size_t outlen)
{
	const struct tf_stats *s = &l->stats;
	int n = snprintf(out, outlen, "%zu prefixes from %zu indicators", s->prefixes, s->indicators);
	size_t o = n < 0 ? 0 : (size_t)n;
#define MORE(cond, ...)                                                              \
	do {                                                                         \
		if ((cond) && o < outlen) {                                          \
			int k = snprintf(out + o, outlen - o, __VA_ARGS__);          \
			o += k < 0 ? 0 : (size_t)k;                                  \
		}                                                                    \
	} while (0)
	MORE(s->expired, "; %zu expired", s->expired);
	MORE(s->not_yet_valid, "; %zu not yet valid", s->not_yet_valid);
	MORE(s->revoked, "; %zu revoked", s->revoked);
	MORE(s->unsupported, "; %zu unsupported patterns", s->unsupported);
	MORE(s->bad, "; %zu bad (first: %s)", s->bad, l->first_error);
#undef MORE
}

/* ---- plain lists -------------------------------------------------------- */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Common ways a web server hands us something else than a list. */
static bool looks_like_markup(const uint8_t *buf, size_t len)
{
	size_t i = 0;
	if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf)
		i = 3;   /* UTF-8 byte order mark */
	while (i < len && (blank((char)buf[i]) || buf[i] == '\n'))
		i++;
	return i < len && (buf[i] == '<' || buf[i] == '{' || buf[i] == '[');
}

static int parse_plain_line(struct tf_list *l, const char *s, size_t len, uint32_t lineno)
{
	char why[THREATFEED_ERR_MAX];
	struct tf_prefix p;
	size_t i = 0, tok_end;
	uint32_t index;
	int rc;

	while (i < len && blank(s[i]))
		i++;
	if (i == len || s[i] == '#' || s[i] == ';')
		return 0;
	if (len > THREATFEED_LINE_MAX) {
		note_bad(l, "line %" PRIu32 ": longer than %d bytes", lineno, THREATFEED_LINE_MAX);
		return 0;
	}
	tok_end = i;
	while (tok_end < len && !blank(s[tok_end]) && s[tok_end] != '#' && s[tok_end] != ';')
		tok_end++;
	size_t j = tok_end;
	while (j < len && blank(s[j]))
		j++;
	const char *label = NULL;
	size_t label_len = 0;
	if (j < len) {
		if (s[j] != '#' && s[j] != ';') {
			char q[64];
			quote(s + j, len - j, q);
			note_bad(l, "line %" PRIu32 ": unexpected '%s' after the prefix (comments start with # or ;)",
				 lineno, q);
			return 0;
		}
		j++;
		while (j < len && blank(s[j]))
			j++;
		label = s + j;
		label_len = len - j;
		while (label_len > 0 && blank(label[label_len - 1]))
			label_len--;
	}
	rc = threatfeed_parse_prefix(s + i, tok_end - i, &p, why, sizeof(why));
	if (rc < 0) {
		if (rc == -ERANGE)
			l->stats.too_broad++;
		note_bad(l, "line %" PRIu32 ": %s", lineno, why);
		return 0;
	}
	if (l->nprefixes >= THREATFEED_FEED_MAX_PREFIXES)
		return -EFBIG;
	if ((rc = add_indicator(l, NULL, label, label_len, lineno, 0, &index)) < 0)
		return rc;
	return add_prefix(l, &p, index);
}

int threatfeed_parse_plain(const char *feed, const uint8_t *buf, size_t len, int64_t now,
			   struct tf_list **out, char *err, size_t errlen)
{
	(void)now;   /* plain lists carry no validity; the signature of both parsers is one */
	*out = NULL;
	if (memchr(buf, '\0', len))
		return fail(err, errlen, -EBADMSG, "%s: binary data, not a list of addresses", feed);
	if (looks_like_markup(buf, len))
		return fail(err, errlen, -EBADMSG,
			    "%s: looks like HTML, JSON or XML, not a list of addresses (wrong URL or format?)", feed);
	struct tf_list *l = threatfeed_list_new(feed);
	if (l == NULL)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", feed);
	const char *s = (const char *)buf, *end = s + len;
	uint32_t lineno = 0;
	int rc = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		lineno++;
		l->stats.lines++;
		if ((rc = parse_plain_line(l, s, n, lineno)) < 0)
			break;
		if (l->stats.bad > THREATFEED_BAD_LINES_MAX) {
			rc = fail(err, errlen, -EBADMSG, "%s: more than %d bad lines (first: %s)", feed,
				  THREATFEED_BAD_LINES_MAX, l->first_error);
			goto refuse;
		}
		s += n + (nl != NULL);
	}
	if (rc == -EFBIG) {
		rc = fail(err, errlen, -EFBIG, "%s: more than %u prefixes", feed, THREATFEED_FEED_MAX_PREFIXES);
		goto refuse;
	}
	if (rc < 0) {
		rc = fail(err, errlen, rc, "%s: %s", feed, strerror(-rc));
		goto refuse;
	}
	if (l->nprefixes == 0 && l->stats.bad > 0) {
		rc = fail(err, errlen, -EBADMSG, "%s: no valid line (first error: %s)", feed, l->first_error);
		goto refuse;
	}
	*out = l;
	return 0;
refuse:
	threatfeed_list_unref(l);
	return rc;
}

/* ---- STIX patterns -------------------------------------------------------- */

enum tok_type { TOK_END, TOK_LBRACK, TOK_RBRACK, TOK_LPAREN, TOK_RPAREN, TOK_COMMA, TOK_STRING, TOK_WORD, TOK_OP };

struct tok {
	enum tok_type type;
	const char *p;          /* WORD, OP: the text; STRING: the raw body between quotes */
	size_t len;
};

struct lexer {
	const char *s, *end;
	char err[128];
};

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == ':' || c == '.' || c == '*' || c == '+';
}

/* STIX 2.1 part 5 (patterning): strings are single-quoted, with \' and \\
 * the only escapes. Returns -1 on a lexical error (message in lx->err). */
static int next_token(struct lexer *lx, struct tok *t)
{
	while (lx->s < lx->end && (blank(*lx->s) || *lx->s == '\n'))
		lx->s++;
	t->p = lx->s;
	t->len = 1;
	if (lx->s == lx->end) {
		t->type = TOK_END;
		return 0;
	}
	char c = *lx->s;
	switch (c) {
	case '[': t->type = TOK_LBRACK; lx->s++; return 0;
	case ']': t->type = TOK_RBRACK; lx->s++; return 0;
	case '(': t->type = TOK_LPAREN; lx->s++; return 0;
	case ')': t->type = TOK_RPAREN; lx->s++; return 0;
	case ',': t->type = TOK_COMMA; lx->s++; return 0;
	case '\'': {
		const char *q = ++lx->s;
		while (q < lx->end && *q != '\'') {
			if (*q == '\\') {
				if (q + 1 >= lx->end || (q[1] != '\'' && q[1] != '\\')) {
					snprintf(lx->err, sizeof(lx->err), "bad escape in a string");
					return -1;
				}
				q++;
			}
			q++;
		}
		if (q >= lx->end) {
			snprintf(lx->err, sizeof(lx->err), "unterminated string");
			return -1;
		}
		t->type = TOK_STRING;
		t->p = lx->s;
		t->len = (size_t)(q - lx->s);
		lx->s = q + 1;
		return 0;
	}
	case '=': t->type = TOK_OP; lx->s++; return 0;
	case '!': case '<': case '>':
		t->type = TOK_OP;
		lx->s++;
		if (lx->s < lx->end && *lx->s == '=') {
			lx->s++;
			t->len = 2;
		} else if (c == '!') {
			snprintf(lx->err, sizeof(lx->err), "'!' without '='");
			return -1;
		}
		return 0;
	default:
		break;
	}
	if (!word_char(c)) {
		snprintf(lx->err, sizeof(lx->err), "unexpected character '%c'", (c > 0x20 && c < 0x7f) ? c : '?');
		return -1;
	}
	/* Object paths may quote a component: file:hashes.'SHA-256'. */
	while (lx->s < lx->end && (word_char(*lx->s) || (*lx->s == '\'' && lx->s[-1] == '.'))) {
		if (*lx->s == '\'') {
			const char *q = memchr(lx->s + 1, '\'', (size_t)(lx->end - lx->s - 1));
			if (q == NULL) {
				snprintf(lx->err, sizeof(lx->err), "unterminated path component");
				return -1;
			}
			lx->s = q;
		}
		lx->s++;
	}
	/* t'…', b'…', h'…' literals: a word glued to a string. */
	if (lx->s < lx->end && *lx->s == '\'' && lx->s - t->p == 1) {
		struct tok str;
		if (next_token(lx, &str) < 0)
			return -1;
		t->type = TOK_WORD;   /* a typed literal: never an IP value */
		t->len = (size_t)(lx->s - t->p);
		return 0;
	}
	t->type = TOK_WORD;
	t->len = (size_t)(lx->s - t->p);
	return 0;
}

static bool tok_is(const struct tok *t, const char *w)
{
	return (t->type == TOK_WORD || t->type == TOK_OP) && t->len == strlen(w) && memcmp(t->p, w, t->len) == 0;
}

struct pattern_result {
	unsigned n;
	struct tf_prefix v[THREATFEED_PATTERN_MAX_VALUES];
	char err[THREATFEED_ERR_MAX];
};

/* 0: r->n prefixes (the pattern is a union of IP comparisons, possibly with
 * other comparisons that can only widen it and are ignored); -ENOTSUP: the
 * pattern cannot be a blocklist entry; -EINVAL: malformed (r->err). */
static int parse_pattern(const char *pat, size_t len, struct pattern_result *r)
{
	struct lexer lx = { .s = pat, .end = pat + len };
	struct tok t;
	/* Parentheses group inside an observation expression [ … ] or around
	 * them; brackets do not nest. */
	int depth_brack = 0, paren_in = 0, paren_out = 0;
	enum { EXPECT_OPERAND, EXPECT_CONNECTOR } state = EXPECT_OPERAND;
	bool saw_comparison = false;

	r->n = 0;
	r->err[0] = '\0';
	for (;;) {
		if (next_token(&lx, &t) < 0) {
			snprintf(r->err, sizeof(r->err), "pattern: %s", lx.err);
			return -EINVAL;
		}
		if (t.type == TOK_END)
			break;
		if (tok_is(&t, "AND") || tok_is(&t, "FOLLOWEDBY") || tok_is(&t, "NOT") || tok_is(&t, "WITHIN") ||
		    tok_is(&t, "REPEATS") || tok_is(&t, "START") || tok_is(&t, "STOP"))
			return -ENOTSUP;   /* narrower than "this address": cannot block on it */
		if (state == EXPECT_CONNECTOR) {
			if (tok_is(&t, "OR")) {
				state = EXPECT_OPERAND;
			} else if (t.type == TOK_RBRACK) {
				if (--depth_brack < 0 || paren_in != 0)
					goto syntax;
			} else if (t.type == TOK_RPAREN) {
				if (depth_brack ? --paren_in < 0 : --paren_out < 0)
					goto syntax;
			} else {
				goto syntax;
			}
			continue;
		}
		/* EXPECT_OPERAND */
		if (t.type == TOK_LBRACK) {
			if (depth_brack++ > 0)
				goto syntax;
			continue;
		}
		if (t.type == TOK_LPAREN) {
			if (depth_brack)
				paren_in++;
			else
				paren_out++;
			continue;
		}
		if (t.type != TOK_WORD || depth_brack == 0)
			goto syntax;
		/* a comparison: PATH OP VALUE */
		struct tok path = t, op, val;
		if (next_token(&lx, &op) < 0 || next_token(&lx, &val) < 0) {
			snprintf(r->err, sizeof(r->err), "pattern: %s", lx.err);
			return -EINVAL;
		}
		if (op.type != TOK_OP && op.type != TOK_WORD)
			goto syntax;
		if (tok_is(&op, "NOT"))
			return -ENOTSUP;
		if (val.type == TOK_LPAREN) {
			/* IN ( … ): a list of literals; skipped as a whole */
			do {
				if (next_token(&lx, &val) < 0) {
					snprintf(r->err, sizeof(r->err), "pattern: %s", lx.err);
					return -EINVAL;
				}
			} while (val.type != TOK_RPAREN && val.type != TOK_END);
			if (val.type == TOK_END)
				goto syntax;
			saw_comparison = true;
			state = EXPECT_CONNECTOR;
			continue;
		}
		if (val.type != TOK_STRING && val.type != TOK_WORD)
			goto syntax;
		saw_comparison = true;
		state = EXPECT_CONNECTOR;
		bool v4 = tok_is(&path, "ipv4-addr:value"), v6 = tok_is(&path, "ipv6-addr:value");
		if (!(v4 || v6) || !(tok_is(&op, "=") || tok_is(&op, "ISSUBSET")) || val.type != TOK_STRING)
			continue;   /* in a union, a comparison we cannot block on only widens it */
		char why[THREATFEED_ERR_MAX - 16];
		struct tf_prefix p;
		int rc = threatfeed_parse_prefix(val.p, val.len, &p, why, sizeof(why));
		if (rc < 0) {
			snprintf(r->err, sizeof(r->err), "pattern: %s", why);
			return rc == -ERANGE ? -ERANGE : -EINVAL;
		}
		if ((v4 && p.family != 4) || (v6 && p.family != 6)) {
			char q[64];
			quote(val.p, val.len, q);
			snprintf(r->err, sizeof(r->err), "pattern: '%s' is not an %s address", q, v4 ? "IPv4" : "IPv6");
			return -EINVAL;
		}
		if (r->n == THREATFEED_PATTERN_MAX_VALUES) {
			snprintf(r->err, sizeof(r->err), "pattern: more than %d addresses", THREATFEED_PATTERN_MAX_VALUES);
			return -EINVAL;
		}
		r->v[r->n++] = p;
	}
	if (state != EXPECT_CONNECTOR || depth_brack != 0 || paren_in != 0 || paren_out != 0 || !saw_comparison)
		goto syntax;
	return r->n > 0 ? 0 : -ENOTSUP;
syntax:
	snprintf(r->err, sizeof(r->err), "pattern: syntax error at offset %zu", (size_t)(t.p - pat));
	return -EINVAL;
}

/* ---- STIX bundles --------------------------------------------------------- */

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int stix_indicator(struct tf_list *l, json_t *o, size_t index, int64_t now, struct pattern_result *pr)
{
	const char *id = jstr(o, "id"), *pattern = jstr(o, "pattern"), *ptype = jstr(o, "pattern_type");
	json_t *pv = json_object_get(o, "pattern");
	uint32_t line = (uint32_t)(index + 1);
	int64_t from = 0, until = 0;
	char where[THREATFEED_INDICATOR_ID_MAX + 32];

	if (id == NULL || strncmp(id, "indicator--", 11) != 0 || strlen(id) >= THREATFEED_INDICATOR_ID_MAX) {
		note_bad(l, "object %zu: indicator without a valid id", index + 1);
		return 0;
	}
	snprintf(where, sizeof(where), "object %zu (%s)", index + 1, id);
	if (pattern == NULL) {
		note_bad(l, "%s: no pattern", where);
		return 0;
	}
	if (ptype && strcmp(ptype, "stix") != 0) {
		l->stats.unsupported++;   /* snort, yara, sigma...: not ours to read */
		return 0;
	}
	json_t *rev = json_object_get(o, "revoked");
	if (rev && !json_is_boolean(rev)) {
		note_bad(l, "%s: revoked is not true or false", where);
		return 0;
	}
	if (json_is_true(rev)) {
		l->stats.revoked++;
		return 0;
	}
	const char *vf = jstr(o, "valid_from"), *vu = jstr(o, "valid_until");
	if ((json_object_get(o, "valid_from") && (vf == NULL || rfc3339_parse(vf, &from) < 0)) ||
	    (json_object_get(o, "valid_until") && (vu == NULL || rfc3339_parse(vu, &until) < 0))) {
		note_bad(l, "%s: valid_from/valid_until is not a timestamp like 2026-11-25T12:00:00Z", where);
		return 0;
	}
	if (vf && vu && until <= from) {
		/* STIX 2.1 4.4: valid_until MUST be greater than valid_from */
		note_bad(l, "%s: valid_until is not after valid_from", where);
		return 0;
	}
	if (vu && until <= now) {
		l->stats.expired++;
		return 0;
	}
	if (vf && from > now) {
		l->stats.not_yet_valid++;
		return 0;
	}
	size_t plen = json_string_length(pv);
	if (plen > THREATFEED_PATTERN_MAX) {
		note_bad(l, "%s: pattern longer than %d bytes", where, THREATFEED_PATTERN_MAX);
		return 0;
	}
	int rc = parse_pattern(pattern, plen, pr);
	if (rc == -ENOTSUP) {
		l->stats.unsupported++;
		return 0;
	}
	if (rc < 0) {
		if (rc == -ERANGE)
			l->stats.too_broad++;
		note_bad(l, "%s: %s", where, pr->err);
		return 0;
	}
	if (l->nprefixes + pr->n > THREATFEED_FEED_MAX_PREFIXES)
		return -EFBIG;
	const char *name = jstr(o, "name");
	uint32_t ind;
	if ((rc = add_indicator(l, id, name, name ? strlen(name) : 0, line, vu ? until : 0, &ind)) < 0)
		return rc;
	for (unsigned i = 0; i < pr->n; i++)
		if ((rc = add_prefix(l, &pr->v[i], ind)) < 0)
			return rc;
	return 0;
}

int threatfeed_parse_stix(const char *feed, const uint8_t *buf, size_t len, int64_t now,
			  struct tf_list **out, char *err, size_t errlen)
{
	json_error_t jerr;
	struct pattern_result *pr = NULL;
	struct tf_list *l = NULL;
	json_t *doc;
	int rc = 0;

	*out = NULL;
	if (len > THREATFEED_STIX_MAX_SIZE)
		return fail(err, errlen, -EFBIG, "%s: STIX document of %zu bytes, at most %u", feed, len,
			    THREATFEED_STIX_MAX_SIZE);
	doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		return fail(err, errlen, -EBADMSG, "%s: not JSON: line %d column %d: %s", feed, jerr.line,
			    jerr.column, jerr.text);
	const char *type = jstr(doc, "type");
	if (!json_is_object(doc) || type == NULL || strcmp(type, "bundle") != 0) {
		rc = fail(err, errlen, -EBADMSG, "%s: not a STIX bundle (no \"type\": \"bundle\")", feed);
		goto out;
	}
	json_t *objects = json_object_get(doc, "objects");
	if (objects && !json_is_array(objects)) {
		rc = fail(err, errlen, -EBADMSG, "%s: \"objects\" is not an array", feed);
		goto out;
	}
	size_t n = json_array_size(objects);
	if (n > THREATFEED_STIX_MAX_OBJECTS) {
		rc = fail(err, errlen, -EFBIG, "%s: %zu objects, at most %d", feed, n, THREATFEED_STIX_MAX_OBJECTS);
		goto out;
	}
	l = threatfeed_list_new(feed);
	pr = malloc(sizeof(*pr));
	if (l == NULL || pr == NULL) {
		rc = fail(err, errlen, -ENOMEM, "%s: out of memory", feed);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(objects, i);
		const char *otype = jstr(o, "type");
		l->stats.lines++;
		if (!json_is_object(o) || otype == NULL) {
			note_bad(l, "object %zu: not a STIX object (no type)", i + 1);
		} else if (strcmp(otype, "indicator") == 0) {
			rc = stix_indicator(l, o, i, now, pr);
			if (rc == -EFBIG) {
				rc = fail(err, errlen, -EFBIG, "%s: more than %u prefixes", feed,
					  THREATFEED_FEED_MAX_PREFIXES);
				goto out;
			}
			if (rc < 0) {
				rc = fail(err, errlen, rc, "%s: %s", feed, strerror(-rc));
				goto out;
			}
		}
		if (l->stats.bad > THREATFEED_BAD_LINES_MAX) {
			rc = fail(err, errlen, -EBADMSG, "%s: more than %d bad indicators (first: %s)", feed,
				  THREATFEED_BAD_LINES_MAX, l->first_error);
			goto out;
		}
	}
	*out = l;
	l = NULL;
out:
	free(pr);
	threatfeed_list_unref(l);
	json_decref(doc);
	return rc;
}

int threatfeed_parse(enum threatfeed_format format, const char *feed, const uint8_t *buf, size_t len,
		     int64_t now, struct tf_list **out, char *err, size_t errlen)
{
	if (format == THREATFEED_STIX)
		return threatfeed_parse_stix(feed, buf, len, now, out, err, errlen);
	return threatfeed_parse_plain(feed, buf, len, now, out, err, errlen);
}

int threatfeed_format_parse(const char *s)
{
	if (strcmp(s, "plain") == 0)
		return THREATFEED_PLAIN;
	if (strcmp(s, "stix") == 0)
		return THREATFEED_STIX;
	return -1;
}

/* ---- merging --------------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
	const struct tf_merged_entry *x = a, *y = b;
	if (x->prefix.family != y->prefix.family)
		return x->prefix.family - y->prefix.family;
	int c = memcmp(x->prefix.addr, y->prefix.addr, 16);
	if (c)
		return c;
	if (x->prefix.plen != y->prefix.plen)
		return x->prefix.plen - y->prefix.plen;
	/* Equal prefixes: the first feed in configuration order, then the first
	 * indicator of that feed, keeps it. */
	if (x->list != y->list)
		return x->list - y->list;
	return x->prefix.indicator < y->prefix.indicator ? -1 : x->prefix.indicator > y->prefix.indicator;
}

int threatfeed_merge(struct tf_list *const *lists, unsigned nlists, int64_t now, size_t max,
		     struct tf_merged **out, char *err, size_t errlen)
{
	size_t total = 0;

	*out = NULL;
	if (max == 0)
		max = THREATFEED_MAX_PREFIXES;
	if (nlists > THREATFEED_MAX_FEEDS)
		return fail(err, errlen, -E2BIG, "%u feeds, at most %d", nlists, THREATFEED_MAX_FEEDS);
	for (unsigned i = 0; i < nlists; i++)
		if (lists[i])
			total += lists[i]->nprefixes;
	struct tf_merged *m = calloc(1, sizeof(*m));
	if (m == NULL || (total && (m->v = malloc(total * sizeof(*m->v))) == NULL)) {
		free(m);
		return fail(err, errlen, -ENOMEM, "out of memory merging %zu prefixes", total);
	}
	for (unsigned i = 0; i < nlists; i++) {
		struct tf_list *l = lists[i];
		if (l == NULL)
			continue;
		m->lists[m->nlists] = threatfeed_list_ref(l);
		for (size_t k = 0; k < l->nprefixes; k++) {
			const struct tf_prefix *p = &l->prefixes[k];
			int64_t until = l->indicators[p->indicator].valid_until;
			if (until && until <= now) {
				m->expired++;
				continue;
			}
			if (until && (m->next_expiry == 0 || until < m->next_expiry))
				m->next_expiry = until;
			m->v[m->n].prefix = *p;
			m->v[m->n].list = (uint16_t)m->nlists;
			m->n++;
		}
		m->nlists++;
	}
	if (m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), cmp_entry);
	size_t o = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (o > 0 && m->v[o - 1].prefix.family == m->v[i].prefix.family &&
		    m->v[o - 1].prefix.plen == m->v[i].prefix.plen &&
		    memcmp(m->v[o - 1].prefix.addr, m->v[i].prefix.addr, 16) == 0) {
			m->duplicates++;
			continue;
		}
		m->v[o++] = m->v[i];
	}
	m->n = o;
	if (m->n > max) {
		int rc = fail(err, errlen, -EFBIG, "%zu prefixes after merging, at most %zu", m->n, max);
		threatfeed_merged_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void threatfeed_merged_free(struct tf_merged *m)
{
	if (m == NULL)
		return;
	for (unsigned i = 0; i < m->nlists; i++)
		threatfeed_list_unref(m->lists[i]);
	free(m->v);
	free(m);
}

void threatfeed_merged_fpmsg(const struct tf_merged *m, size_t i, struct fpmsg_prefix *out)
{
	const struct tf_prefix *p = &m->v[i].prefix;
	memset(out, 0, sizeof(*out));
	out->family = p->family;
	out->plen = p->plen;
	out->id = (uint32_t)(i + 1);
	if (p->family == 4)
		out->addr4 = (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 | (uint32_t)p->addr[2] << 8 |
			     p->addr[3];
	else
		memcpy(out->addr6, p->addr, 16);
}

int threatfeed_merged_write(const struct tf_merged *m, FILE *out)
{
	char text[THREATFEED_PREFIX_STR];
	for (size_t i = 0; i < m->n; i++) {
		threatfeed_prefix_format(&m->v[i].prefix, text);
		if (fprintf(out, "%s=%zu\n", text, i + 1) < 0)
			return -EIO;
	}
	return fflush(out) == 0 ? 0 : -EIO;
}

int threatfeed_merged_describe(const struct tf_merged *m, uint32_t id, struct tf_hit_info *info)
{
	if (id == 0 || id > m->n)
		return -ENOENT;
	const struct tf_merged_entry *e = &m->v[id - 1];
	const struct tf_list *l = m->lists[e->list];
	const struct tf_indicator *ind = &l->indicators[e->prefix.indicator];
	info->feed = l->feed;
	info->indicator = threatfeed_string(l, ind->name);
	info->label = threatfeed_string(l, ind->label);
	info->line = ind->line;
	info->valid_until = ind->valid_until;
	threatfeed_prefix_format(&e->prefix, info->prefix);
	return 0;
}
