/* scan.c — the scan model shared by the posture readers (see scan.h). */
#include "scan.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "mac.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- names ------------------------------------------------------------ */

static const char *const result_names[SCAN_RESULT__MAX] = {
	"pass", "fail", "error", "unknown", "notapplicable", "notchecked", "notselected",
	"informational", "fixed",
};

const char *scan_result_name(int r)
{
	return r >= 0 && r < SCAN_RESULT__MAX ? result_names[r] : "invalid";
}

int scan_result_parse(const char *s)
{
	for (int i = 0; i < SCAN_RESULT__MAX; i++)
		if (strcmp(result_names[i], s) == 0)
			return i;
	return -1;
}

const char *scan_format_name(int f)
{
	switch (f) {
	case SCAN_FORMAT_XCCDF: return "XCCDF";
	case SCAN_FORMAT_ARF: return "ARF";
	case SCAN_FORMAT_GCBCSV: return "GCB CSV";
	default: return "unknown";
	}
}

/* ---- building ------------------------------------------------------------ */

int scan_report_add(struct scan_report *r, struct scan **out)
{
	if (r->nscans >= SCAN_MAX_SCANS)
		return -E2BIG;
	if (r->nscans == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 8;
		if (cap > SCAN_MAX_SCANS)
			cap = SCAN_MAX_SCANS;
		struct scan *v = realloc(r->scans, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		r->scans = v;
		r->cap = cap;
	}
	struct scan *s = &r->scans[r->nscans++];
	memset(s, 0, sizeof(*s));
	*out = s;
	return 0;
}

int scan_item_add(struct scan_report *r, struct scan *s, const char *id, enum scan_result res,
		  int64_t checked)
{
	if (s->nitems >= SCAN_MAX_ITEMS || r->total_items >= SCAN_MAX_TOTAL_ITEMS)
		return -E2BIG;
	if (s->nitems == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 16;
		if (cap > SCAN_MAX_ITEMS)
			cap = SCAN_MAX_ITEMS;
		struct scan_item *v = realloc(s->items, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		s->items = v;
		s->cap = cap;
	}
	struct scan_item *it = &s->items[s->nitems++];
	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%.*s", (int)(sizeof(it->id)) - 1, id);
	it->result = (uint8_t)res;
	it->checked = checked;
	r->total_items++;
	return 0;
}

/* How bad a result is, for folding repeated ids: worse wins a tie. */
static int result_rank(uint8_t r)
{
	static const int rank[SCAN_RESULT__MAX] = {
		[SCAN_FAIL] = 8, [SCAN_ERROR] = 7, [SCAN_UNKNOWN] = 6, [SCAN_PASS] = 5,
		[SCAN_FIXED] = 4, [SCAN_NOTCHECKED] = 3, [SCAN_INFORMATIONAL] = 2,
		[SCAN_NOTAPPLICABLE] = 1, [SCAN_NOTSELECTED] = 0,
	};
	return r < SCAN_RESULT__MAX ? rank[r] : 9;
}

static int cmp_item(const void *a, const void *b)
{
	const struct scan_item *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	if (x->checked != y->checked)
		return x->checked < y->checked ? -1 : 1;
	return result_rank(x->result) - result_rank(y->result);
}

void scan_items_finish(struct scan_report *r, struct scan *s)
{
	if (s->nitems < 2)
		return;
	/* Sorted by id, then time, then badness: the last of a run is the keeper. */
	qsort(s->items, s->nitems, sizeof(*s->items), cmp_item);
	unsigned out = 0;
	for (unsigned i = 0; i < s->nitems; i++) {
		if (i + 1 < s->nitems && strcmp(s->items[i].id, s->items[i + 1].id) == 0)
			continue;
		s->items[out++] = s->items[i];
	}
	r->total_items -= s->nitems - out;
	s->nitems = out;
}

void scan_host_add_name(struct scan_host *h, const char *name)
{
	if (name[0] == '\0')
		return;
	for (unsigned i = 0; i < h->nnames; i++)
		if (strcmp(h->names[i], name) == 0)
			return;
	if (h->nnames < SCAN_MAX_NAMES)
		snprintf(h->names[h->nnames++], SCAN_NAME_MAX, "%.*s", (int)(SCAN_NAME_MAX) - 1, name);
}

void scan_host_add_mac(struct scan_host *h, const uint8_t mac[6])
{
	if (scan_mac_is_zero(mac))
		return;
	for (unsigned i = 0; i < h->nmacs; i++)
		if (memcmp(h->macs[i], mac, 6) == 0)
			return;
	if (h->nmacs < SCAN_MAX_MACS)
		memcpy(h->macs[h->nmacs++], mac, 6);
}

void scan_host_add_addr(struct scan_host *h, const struct scan_addr *a)
{
	if (!scan_addr_is_useful(a))
		return;
	for (unsigned i = 0; i < h->naddrs; i++)
		if (scan_addr_equal(&h->addrs[i], a))
			return;
	if (h->naddrs < SCAN_MAX_ADDRS)
		h->addrs[h->naddrs++] = *a;
}

void scan_host_merge(struct scan_host *into, const struct scan_host *from)
{
	for (unsigned i = 0; i < from->nnames; i++)
		scan_host_add_name(into, from->names[i]);
	for (unsigned i = 0; i < from->nmacs; i++)
		scan_host_add_mac(into, from->macs[i]);
	for (unsigned i = 0; i < from->naddrs; i++)
		scan_host_add_addr(into, &from->addrs[i]);
}

void scan_report_free(struct scan_report *r)
{
	for (unsigned i = 0; i < r->nscans; i++)
		free(r->scans[i].items);
	free(r->scans);
	memset(r, 0, sizeof(*r));
}

int scan_report_move(struct scan_report *into, struct scan_report *from)
{
	if ((size_t)into->nscans + from->nscans > SCAN_MAX_SCANS ||
	    into->total_items + from->total_items > SCAN_MAX_TOTAL_ITEMS)
		return -E2BIG;
	for (unsigned i = 0; i < from->nscans; i++) {
		struct scan *s;
		int rc = scan_report_add(into, &s);
		if (rc < 0)
			return rc;      /* only -ENOMEM: from keeps what was not moved */
		*s = from->scans[i];
		into->total_items += s->nitems;
		from->total_items -= s->nitems;
		from->scans[i].items = NULL;
		from->scans[i].nitems = 0;
	}
	scan_report_free(from);
	return 0;
}

/* ---- times ------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so no TZ or locale can change the answer. */
static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(int y, unsigned m)
{
	static const unsigned dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* Exactly n digits at *p. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -EINVAL;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int scan_time_parse(const char *s, int64_t *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t offset = SCAN_LOCAL_UTC_OFFSET;

	if (digits(&p, 4, &y) < 0 || (*p != '-' && *p != '/'))
		return -EINVAL;
	char sep = *p++;
	if (digits(&p, 2, &mo) < 0 || *p++ != sep || digits(&p, 2, &d) < 0)
		return -EINVAL;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
		return -EINVAL;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) < 0)
				return -EINVAL;
			if (*p == '.' || *p == ',') {       /* fractions are dropped */
				p++;
				if (*p < '0' || *p > '9')
					return -EINVAL;
				while (*p >= '0' && *p <= '9')
					p++;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)      /* 60: a leap second */
			return -EINVAL;
		if (*p == 'Z') {
			offset = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om;
			if (digits(&p, 2, &oh) < 0)
				return -EINVAL;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &om) < 0 || oh > 14 || om > 59)
				return -EINVAL;
			offset = sign * (oh * 3600 + om * 60);
		}
	}
	if (*p != '\0')
		return -EINVAL;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - offset;
	return 0;
}

void scan_date_format(int64_t t, char *out, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, len, "never");
		return;
	}
	strftime(out, len, "%Y-%m-%d", &tm);
}

/* ---- MACs and addresses ------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int scan_mac_parse(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 12)
		return mac_parse(s, mac);
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

bool scan_mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];
	return memcmp(mac, zero, 6) == 0;
}

int scan_addr_parse(const char *s, struct scan_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

bool scan_addr_is_useful(const struct scan_addr *a)
{
	static const uint8_t zero[16];
	if (a->family == AF_INET)
		return a->addr[0] != 127 && a->addr[0] != 0 && !(a->addr[0] == 169 && a->addr[1] == 254);
	if (a->family == AF_INET6) {
		if (memcmp(a->addr, zero, 15) == 0 && (a->addr[15] == 0 || a->addr[15] == 1))
			return false;                               /* :: and ::1 */
		return !(a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80);   /* fe80::/10 */
	}
	return false;
}

void scan_addr_format(const struct scan_addr *a, char *out, size_t len)
{
	if (inet_ntop(a->family == AF_INET ? AF_INET : AF_INET6, a->addr, out, (socklen_t)len) == NULL)
		snprintf(out, len, "?");
}

bool scan_addr_equal(const struct scan_addr *a, const struct scan_addr *b)
{
	if (a->family != b->family)
		return false;
	return memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

/* ---- names and items ----------------------------------------------------- */

int scan_name_normalize(const char *s, char *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return -EINVAL;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	/* "pc01." is "pc01": a trailing dot only says the name is absolute. */
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
	return out[0] == '.' ? -EINVAL : 0;
}

bool scan_item_is_twgcb(const char *s)
{
	static const int groups[] = { 2, 3, 4 };
	if (strncasecmp(s, "TWGCB-", 6) != 0)
		return false;
	s += 6;
	for (size_t g = 0; g < NELEM(groups); g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (*s < '0' || *s > '9')
				return false;
		if (g + 1 < NELEM(groups) && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

void scan_item_family(const char *id, char *out, size_t len)
{
	if (scan_item_is_twgcb(id))
		snprintf(out, len, "TWGCB-%.2s", id + 6);
	else
		snprintf(out, len, "%s", "");
}
