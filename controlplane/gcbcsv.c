/* gcbcsv.c — GCB audit platform CSV export reader (see gcbcsv.h). */
#include "gcbcsv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define KEY_MAX        (SCAN_NAME_MAX + 16)    /* "name|TWGCB-01" */
#define HASH_SLOTS     (2 * SCAN_MAX_SCANS)    /* open addressing, at most half full */

enum column { COL_HOST = 0, COL_MAC, COL_ITEM, COL_RESULT, COL_CHECKED, COL_IP, COL__MAX };

static const char *const column_names[COL__MAX] = {
	"host name", "MAC", "item id", "result", "checked time", "IP",
};

/* Header spellings, compared after header_normalize() (ASCII lower case,
 * no spaces, '_', '-' or '.'). */
static const struct {
	const char *name;
	enum column col;
} headers[] = {
	{ "host", COL_HOST }, { "hostname", COL_HOST }, { "computer", COL_HOST },
	{ "computername", COL_HOST }, { "主機名稱", COL_HOST }, { "電腦名稱", COL_HOST },
	{ "主機", COL_HOST },
	{ "mac", COL_MAC }, { "macaddress", COL_MAC }, { "mac位址", COL_MAC },
	{ "實體位址", COL_MAC },
	{ "item", COL_ITEM }, { "itemid", COL_ITEM }, { "twgcbid", COL_ITEM },
	{ "twgcbitemid", COL_ITEM }, { "gcbid", COL_ITEM }, { "項目編號", COL_ITEM },
	{ "檢測項目編號", COL_ITEM },
	{ "result", COL_RESULT }, { "status", COL_RESULT }, { "檢測結果", COL_RESULT },
	{ "結果", COL_RESULT },
	{ "checked", COL_CHECKED }, { "checkedtime", COL_CHECKED }, { "checktime", COL_CHECKED },
	{ "checkedat", COL_CHECKED }, { "檢測時間", COL_CHECKED }, { "檢查時間", COL_CHECKED },
	{ "ip", COL_IP }, { "ipaddress", COL_IP }, { "ip位址", COL_IP },
};

/* Result words besides the XCCDF ones (compared case-insensitively). */
static const struct {
	const char *word;
	enum scan_result result;
} result_words[] = {
	{ "passed", SCAN_PASS }, { "failed", SCAN_FAIL }, { "n/a", SCAN_NOTAPPLICABLE },
	{ "na", SCAN_NOTAPPLICABLE }, { "not applicable", SCAN_NOTAPPLICABLE },
	{ "通過", SCAN_PASS }, { "符合", SCAN_PASS }, { "未通過", SCAN_FAIL }, { "不符合", SCAN_FAIL },
	{ "不適用", SCAN_NOTAPPLICABLE }, { "錯誤", SCAN_ERROR }, { "未知", SCAN_UNKNOWN },
	{ "未檢測", SCAN_NOTCHECKED }, { "已修正", SCAN_FIXED },
};

struct reader {
	const char *p, *end;
	int line;
	const char *name;
	char *err;
	size_t errlen;

	unsigned nfields;
	char fields[GCBCSV_MAX_FIELDS][GCBCSV_FIELD_MAX];
	int col[COL__MAX];                  /* field index of each column, -1 absent */
	unsigned ncolumns;                  /* fields of the header row */

	struct scan_report *out;
	char (*keys)[KEY_MAX];              /* key of each scan, parallel to out->scans */
	unsigned keys_cap;
	int32_t slots[HASH_SLOTS];          /* scan index + 1, 0 empty */
};

__attribute__((format(printf, 4, 5)))
static int fail_at(struct reader *r, int line, int rc, const char *fmt, ...)
{
	char msg[SCAN_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(r->err, r->errlen, "%s: line %d: %s", r->name, line, msg);
	else
		snprintf(r->err, r->errlen, "%s: %s", r->name, msg);
	return rc;
}

/* ---- UTF-8 ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int check_text(struct reader *r)
{
	const unsigned char *p = (const unsigned char *)r->p, *end = (const unsigned char *)r->end;
	int line = 1;
	while (p < end) {
		if (*p == '\0')
			return fail_at(r, line, -EINVAL, "NUL byte: not a text file");
		size_t n = utf8_len(p, end);
		if (n == 0)
			return fail_at(r, line, -EINVAL, "not UTF-8 text (a Big5 export? save it as UTF-8)");
		if (*p == '\n')
			line++;
		p += n;
	}
	return 0;
}

/* ---- RFC 4180 records ----------------------------------------------------- */

static int put_char(struct reader *r, char *field, size_t *len, char c, int line)
{
	if (*len + 1 >= GCBCSV_FIELD_MAX)
		return fail_at(r, line, -E2BIG, "field %u longer than %d bytes", r->nfields + 1,
			       GCBCSV_FIELD_MAX - 1);
	field[(*len)++] = c;
	field[*len] = '\0';
	return 0;
}

/* One record into r->fields. Returns 1, 0 at the end of the input, or a
 * negative errno. *start gets the line the record starts on. */
static int read_record(struct reader *r, int *start)
{
	int rc;

	if (r->p >= r->end)
		return 0;
	*start = r->line;
	r->nfields = 0;
	for (;;) {
		if (r->nfields >= GCBCSV_MAX_FIELDS)
			return fail_at(r, *start, -E2BIG, "more than %d fields", GCBCSV_MAX_FIELDS);
		char *field = r->fields[r->nfields];
		size_t len = 0;
		field[0] = '\0';

		if (r->p < r->end && *r->p == '"') {
			int opened = r->line;
			r->p++;
			for (;;) {
				if (r->p >= r->end)
					return fail_at(r, opened, -EINVAL, "quoted field not closed");
				char c = *r->p;
				if (c == '"') {
					if (r->p + 1 < r->end && r->p[1] == '"') {
						r->p += 2;
						if ((rc = put_char(r, field, &len, '"', r->line)) < 0)
							return rc;
						continue;
					}
					r->p++;
					break;
				}
				if (c == '\n')
					r->line++;
				r->p++;
				if ((rc = put_char(r, field, &len, c, r->line)) < 0)
					return rc;
			}
			if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n')
				return fail_at(r, r->line, -EINVAL, "text after the closing quote of field %u",
					       r->nfields + 1);
		} else {
			while (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
				if (*r->p == '"')
					return fail_at(r, r->line, -EINVAL,
						       "quote inside unquoted field %u (RFC 4180: quote the field "
						       "and double the quote)", r->nfields + 1);
				if ((rc = put_char(r, field, &len, *r->p, r->line)) < 0)
					return rc;
				r->p++;
			}
		}
		r->nfields++;

		if (r->p >= r->end)
			return 1;
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		if (*r->p == '\r') {
			if (r->p + 1 >= r->end || r->p[1] != '\n')
				return fail_at(r, r->line, -EINVAL, "carriage return without line feed");
			r->p++;
		}
		r->p++;                 /* '\n' */
		r->line++;
		return 1;
	}
}

static char *trim(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static bool blank_record(const struct reader *r)
{
	return r->nfields == 1 && r->fields[0][0] == '\0';
}

/* ---- header ------------------------------------------------------------------ */

static void header_normalize(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	for (; *in && n + 1 < outlen; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t')
			continue;
		out[n++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	out[n] = '\0';
}

static int read_header(struct reader *r)
{
	int line, rc;

	do {
		if ((rc = read_record(r, &line)) <= 0)
			return rc < 0 ? rc : fail_at(r, 0, -EINVAL, "no header row: the file is empty");
	} while (blank_record(r));

	for (int c = 0; c < COL__MAX; c++)
		r->col[c] = -1;
	r->ncolumns = r->nfields;
	for (unsigned f = 0; f < r->nfields; f++) {
		char norm[GCBCSV_FIELD_MAX];
		header_normalize(r->fields[f], norm, sizeof(norm));
		for (size_t h = 0; h < NELEM(headers); h++) {
			if (strcmp(norm, headers[h].name) != 0)
				continue;
			enum column c = headers[h].col;
			if (r->col[c] >= 0)
				return fail_at(r, line, -EINVAL, "header names the %s column twice (fields %d and %u)",
					       column_names[c], r->col[c] + 1, f + 1);
			r->col[c] = (int)f;
		}
	}
	for (int c = 0; c < COL__MAX; c++)
		if (r->col[c] < 0 && c != COL_IP)
			return fail_at(r, line, -EINVAL, "header has no %s column (expected host name, MAC, "
				       "item id, result, checked time)", column_names[c]);
	return 0;
}

/* ---- rows --------------------------------------------------------------------- */

static int parse_result(const char *s)
{
	char lower[32];
	size_t n = strlen(s);
	if (n >= sizeof(lower))
		return -1;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)((unsigned char)s[i] < 0x80 ? tolower((unsigned char)s[i]) : s[i]);
	int res = scan_result_parse(lower);
	if (res >= 0)
		return res;
	for (size_t i = 0; i < NELEM(result_words); i++)
		if (strcmp(result_words[i].word, lower) == 0)
			return result_words[i].result;
	return -1;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The scan of one host and item family: found, or added. */
static int scan_for(struct reader *r, const char *key, int line, struct scan **out)
{
	uint32_t i = fnv1a(key) & (HASH_SLOTS - 1);
	for (; r->slots[i]; i = (i + 1) & (HASH_SLOTS - 1)) {
		unsigned idx = (unsigned)r->slots[i] - 1;
		if (strcmp(r->keys[idx], key) == 0) {
			*out = &r->out->scans[idx];
			return 0;
		}
	}
	struct scan *s;
	int rc = scan_report_add(r->out, &s);
	if (rc < 0)
		return rc == -E2BIG ? fail_at(r, line, rc, "more than %d hosts (x item families)", SCAN_MAX_SCANS)
				    : fail_at(r, line, rc, "out of memory");
	if (r->out->nscans > r->keys_cap) {
		unsigned cap = r->keys_cap ? r->keys_cap * 2 : 16;
		void *v = realloc(r->keys, cap * sizeof(*r->keys));
		if (v == NULL)
			return fail_at(r, line, -ENOMEM, "out of memory");
		r->keys = v;
		r->keys_cap = cap;
	}
	snprintf(r->keys[r->out->nscans - 1], KEY_MAX, "%.*s", (int)(KEY_MAX) - 1, key);
	r->slots[i] = (int32_t)r->out->nscans;
	s->format = SCAN_FORMAT_GCBCSV;
	s->line = line;
	*out = s;
	return 0;
}

static int read_row(struct reader *r, int line)
{
	char name[SCAN_NAME_MAX], family[16], key[KEY_MAX];
	uint8_t mac[6];
	struct scan_addr addr;
	int64_t checked;
	struct scan *s = NULL;
	int rc;

	if (r->nfields != r->ncolumns)
		return fail_at(r, line, -EINVAL, "%u fields, the header has %u", r->nfields, r->ncolumns);
	const char *host = trim(r->fields[r->col[COL_HOST]]);
	const char *mac_text = trim(r->fields[r->col[COL_MAC]]);
	char *item = trim(r->fields[r->col[COL_ITEM]]);
	const char *result = trim(r->fields[r->col[COL_RESULT]]);
	const char *when = trim(r->fields[r->col[COL_CHECKED]]);
	const char *ip = r->col[COL_IP] >= 0 ? trim(r->fields[r->col[COL_IP]]) : "";

	name[0] = '\0';
	if (host[0] && scan_name_normalize(host, name) < 0)
		return fail_at(r, line, -EINVAL, "host name '%.64s' is not a host name", host);
	bool has_mac = false;
	if (mac_text[0]) {
		if (scan_mac_parse(mac_text, mac) < 0)
			return fail_at(r, line, -EINVAL, "MAC '%.40s' is not a MAC address", mac_text);
		has_mac = !scan_mac_is_zero(mac);
	}
	if (name[0] == '\0' && !has_mac)
		return fail_at(r, line, -EINVAL, "row names no host: no host name and no (non-zero) MAC");
	if (!scan_item_is_twgcb(item))
		return fail_at(r, line, -EINVAL, "item '%.40s' is not a TWGCB id such as TWGCB-01-010-0003", item);
	for (char *p = item; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	int res = parse_result(result);
	if (res < 0)
		return fail_at(r, line, -EINVAL, "result '%.40s' is not pass, fail, error, unknown, "
			       "notapplicable, notchecked, notselected, informational or fixed", result);
	if (scan_time_parse(when, &checked) < 0)
		return fail_at(r, line, -EINVAL, "checked time '%.40s' is not a time such as "
			       "2026-11-20 14:03:00", when);
	if (ip[0] && scan_addr_parse(ip, &addr) < 0)
		return fail_at(r, line, -EINVAL, "IP '%.40s' is not an IPv4 or IPv6 address", ip);

	scan_item_family(item, family, sizeof(family));
	if (name[0])
		snprintf(key, sizeof(key), "%s|%s", name, family);
	else
		snprintf(key, sizeof(key), "%02x:%02x:%02x:%02x:%02x:%02x|%s", mac[0], mac[1], mac[2], mac[3],
			 mac[4], mac[5], family);
	if ((rc = scan_for(r, key, line, &s)) < 0)
		return rc;
	snprintf(s->benchmark, sizeof(s->benchmark), "%.*s", (int)(sizeof(s->benchmark)) - 1, family);
	scan_host_add_name(&s->host, name);
	if (has_mac)
		scan_host_add_mac(&s->host, mac);
	if (ip[0])
		scan_host_add_addr(&s->host, &addr);
	if (s->started == 0 || checked < s->started)
		s->started = checked;
	if (checked > s->ended)
		s->ended = checked;
	if ((rc = scan_item_add(r->out, s, item, (enum scan_result)res, checked)) < 0)
		return rc == -E2BIG ? fail_at(r, line, rc, "more than %d items for one host or %u in the file",
					      SCAN_MAX_ITEMS, SCAN_MAX_TOTAL_ITEMS)
				    : fail_at(r, line, rc, "out of memory");
	return 0;
}

int gcbcsv_parse(const char *buf, size_t len, const char *name, struct scan_report *out,
		 char *err, size_t errlen)
{
	struct reader *r;
	int rc, line;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (len > GCBCSV_MAX_SIZE) {
		snprintf(err, errlen, "%s: %zu bytes is over the limit of %u bytes (GCBCSV_MAX_SIZE)", name, len,
			 GCBCSV_MAX_SIZE);
		return -E2BIG;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	r->p = buf;
	r->end = buf + len;
	r->line = 1;
	r->name = name;
	r->err = err;
	r->errlen = errlen;
	r->out = out;
	out->format = SCAN_FORMAT_GCBCSV;

	if (len >= 2 && ((buf[0] == '\xff' && buf[1] == '\xfe') || (buf[0] == '\xfe' && buf[1] == '\xff'))) {
		rc = fail_at(r, 0, -EINVAL, "UTF-16 text: save the export as UTF-8");
		goto out;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
	if ((rc = check_text(r)) < 0 || (rc = read_header(r)) < 0)
		goto out;
	while ((rc = read_record(r, &line)) > 0) {
		if (blank_record(r))
			continue;
		if ((rc = read_row(r, line)) < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (out->nscans == 0) {
		rc = fail_at(r, 0, -EINVAL, "no rows after the header");
		goto out;
	}
	for (unsigned i = 0; i < out->nscans; i++)
		scan_items_finish(out, &out->scans[i]);
out:
	free(r->keys);
	free(r);
	if (rc < 0)
		scan_report_free(out);
	out->format = rc < 0 ? 0 : SCAN_FORMAT_GCBCSV;
	return rc < 0 ? rc : 0;
}
