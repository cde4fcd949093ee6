/* threatfeed_test.c — plain and STIX 2.1 feeds: what is kept, what is
 * dropped and counted, what refuses the whole feed; merging with ids that
 * name one indicator each; a million prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "threatfeed.h"

#define NOW 1795608000LL            /* 2026-11-25T12:00:00Z */

static struct tf_list *plain(const char *text, int expect_rc, char *err)
{
	struct tf_list *l = NULL;
	int rc = threatfeed_parse_plain("test", (const uint8_t *)text, strlen(text), NOW, &l, err, THREATFEED_ERR_MAX);
	if (rc != expect_rc)
		fail_msg("rc %d, expected %d: %s", rc, expect_rc, err);
	return l;
}

static void prefix_text(const struct tf_list *l, size_t i, char *out)
{
	threatfeed_prefix_format(&l->prefixes[i], out);
}

static void test_plain_list(void **state)
{
	(void)state;
	char err[THREATFEED_ERR_MAX], p[THREATFEED_PREFIX_STR];
	const char *text =
		"# Spamhaus-style list\r\n"
		"; another comment\n"
		"\n"
		"203.0.113.5\n"
		"198.51.100.0/24 ; SBL12345\r\n"
		"   2001:db8:bad::/48   # C2 network  \n"
		"192.0.2.7/33\n"                 /* bad: length */
		"192.0.2.1/24\n"                 /* bad: host bits */
		"10.0.0.0/7\n"                   /* bad: too broad */
		"not-an-ip\n"
		"192.0.2.9 trailing words\n"
		"192.0.2.10";                    /* no final newline */
	struct tf_list *l = plain(text, 0, err);
	assert_int_equal(l->nprefixes, 4);
	assert_int_equal(l->stats.lines, 12);
	assert_int_equal(l->stats.bad, 5);
	assert_int_equal(l->stats.too_broad, 1);
	assert_string_equal(l->first_error, "line 7: '192.0.2.7/33': prefix length beyond 32");
	prefix_text(l, 0, p);
	assert_string_equal(p, "203.0.113.5/32");
	prefix_text(l, 1, p);
	assert_string_equal(p, "198.51.100.0/24");
	assert_string_equal(threatfeed_string(l, l->indicators[1].label), "SBL12345");
	assert_int_equal(l->indicators[1].line, 5);
	prefix_text(l, 2, p);
	assert_string_equal(p, "2001:db8:bad::/48");
	assert_string_equal(threatfeed_string(l, l->indicators[2].label), "C2 network");
	prefix_text(l, 3, p);
	assert_string_equal(p, "192.0.2.10/32");
	char summary[512];
	threatfeed_list_summary(l, summary, sizeof(summary));
	assert_string_equal(summary, "4 prefixes from 4 indicators; 5 bad (first: line 7: '192.0.2.7/33': prefix length beyond 32)");
	threatfeed_list_unref(l);

	/* an empty list (or only comments) is a valid "nothing to block" */
	l = plain("# nothing today\n", 0, err);
	assert_int_equal(l->nprefixes, 0);
	threatfeed_list_unref(l);
}

static void test_plain_refused(void **state)
{
	(void)state;
	char err[THREATFEED_ERR_MAX];
	assert_null(plain("<!DOCTYPE html><html>Login required</html>", -EBADMSG, err));
	assert_non_null(strstr(err, "looks like HTML, JSON or XML"));
	assert_null(plain("{\"type\": \"bundle\"}", -EBADMSG, err));
	assert_null(plain("garbage\nmore garbage\n", -EBADMSG, err));
	assert_string_equal(err, "test: no valid line (first error: line 1: 'garbage': not an IPv4 address)");
	struct tf_list *l = NULL;
	assert_int_equal(threatfeed_parse_plain("test", (const uint8_t *)"1.2.3.4\n\0\n", 10, NOW, &l, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "test: binary data, not a list of addresses");
	/* more bad lines than the limit */
	size_t n = (THREATFEED_BAD_LINES_MAX + 2) * 8 + 32;
	char *big = malloc(n), *q = big;
	q += sprintf(q, "192.0.2.1\n");
	for (int i = 0; i <= THREATFEED_BAD_LINES_MAX; i++)
		q += sprintf(q, "bogus!\n");
	assert_null(plain(big, -EBADMSG, err));
	assert_non_null(strstr(err, "more than 1000 bad lines"));
	free(big);
}

static void test_prefix_parse(void **state)
{
	(void)state;
	struct tf_prefix p;
	char err[THREATFEED_ERR_MAX];
	static const struct {
		const char *s;
		int rc;
		const char *err;
	} cases[] = {
		{ "8.0.0.0/8", 0, NULL },
		{ "2001::/16", 0, NULL },
		{ "::1", 0, NULL },
		{ "2000::/15", -ERANGE, "'2000::/15': broader than /16, refused" },
		{ "1.2.3", -EINVAL, "'1.2.3': not an IPv4 address" },
		{ "010.1.2.3", -EINVAL, NULL },
		{ "1.2.3.4/", -EINVAL, "'1.2.3.4/': bad prefix length" },
		{ "1.2.3.4/0032", -EINVAL, NULL },
		{ "1.2.3.4/3x", -EINVAL, NULL },
		{ "2001:db8::1/64", -EINVAL, "'2001:db8::1/64': host bits set below /64" },
		{ "2001:db8::/129", -EINVAL, "'2001:db8::/129': prefix length beyond 128" },
		{ "gggg::", -EINVAL, "'gggg::': not an IPv6 address" },
		{ "/24", -EINVAL, "'/24': not an address" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		int rc = threatfeed_parse_prefix(cases[i].s, strlen(cases[i].s), &p, err, sizeof(err));
		if (rc != cases[i].rc || (cases[i].err && strcmp(err, cases[i].err) != 0))
			fail_msg("case '%s': rc %d '%s'", cases[i].s, rc, err);
	}
}

static const char *stix_doc =
	"{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": ["
	/* 1: a plain IPv4 indicator */
	"{\"type\": \"indicator\", \"spec_version\": \"2.1\", \"id\": \"indicator--a1\", \"name\": \"C2 server\","
	" \"pattern\": \"[ipv4-addr:value = '198.51.100.1']\", \"pattern_type\": \"stix\","
	" \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 2: IPv6 CIDR, valid until next month */
	"{\"type\": \"indicator\", \"id\": \"indicator--a2\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv6-addr:value ISSUBSET '2001:db8:bad::/48']\","
	" \"valid_from\": \"2026-11-01T00:00:00Z\", \"valid_until\": \"2026-12-01T00:00:00Z\"},"
	/* 3: a union in and between observation expressions */
	"{\"type\": \"indicator\", \"id\": \"indicator--a3\", \"pattern_type\": \"stix\","
	" \"pattern\": \"([ipv4-addr:value = '203.0.113.0/25' OR ipv4-addr:value = '203.0.113.200'] OR "
	"[domain-name:value = 'evil.example'] OR [ipv6-addr:value = '2001:db8::66'])\","
	" \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 4: AND narrows: cannot be a blocklist entry */
	"{\"type\": \"indicator\", \"id\": \"indicator--a4\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv4-addr:value = '192.0.2.4' AND network-traffic:dst_port = 443]\","
	" \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 5: not about addresses */
	"{\"type\": \"indicator\", \"id\": \"indicator--a5\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']\","
	" \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 6: revoked */
	"{\"type\": \"indicator\", \"id\": \"indicator--a6\", \"pattern_type\": \"stix\", \"revoked\": true,"
	" \"pattern\": \"[ipv4-addr:value = '192.0.2.6']\", \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 7: expired */
	"{\"type\": \"indicator\", \"id\": \"indicator--a7\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv4-addr:value = '192.0.2.7']\", \"valid_from\": \"2026-10-01T00:00:00Z\","
	" \"valid_until\": \"2026-11-25T12:00:00Z\"},"
	/* 8: not yet valid */
	"{\"type\": \"indicator\", \"id\": \"indicator--a8\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv4-addr:value = '192.0.2.8']\", \"valid_from\": \"2027-01-01T00:00:00Z\"},"
	/* 9: another pattern language */
	"{\"type\": \"indicator\", \"id\": \"indicator--a9\", \"pattern_type\": \"snort\","
	" \"pattern\": \"alert tcp any any -> 192.0.2.9 any\", \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 10: malformed: an IPv6 address in an ipv4-addr comparison */
	"{\"type\": \"indicator\", \"id\": \"indicator--a10\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv4-addr:value = '2001:db8::1']\", \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 11: malformed: unterminated string */
	"{\"type\": \"indicator\", \"id\": \"indicator--a11\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv4-addr:value = '192.0.2.11]\", \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 12: malformed: valid_until before valid_from */
	"{\"type\": \"indicator\", \"id\": \"indicator--a12\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv4-addr:value = '192.0.2.12']\", \"valid_from\": \"2026-11-01T00:00:00Z\","
	" \"valid_until\": \"2026-10-01T00:00:00Z\"},"
	/* 13: other objects are fine and ignored */
	"{\"type\": \"identity\", \"id\": \"identity--x\", \"name\": \"Yilan SOC\"},"
	/* 14: too broad */
	"{\"type\": \"indicator\", \"id\": \"indicator--a14\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv4-addr:value = '0.0.0.0/0']\", \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 15: != only widens a union: ignored, leaving nothing to block */
	"{\"type\": \"indicator\", \"id\": \"indicator--a15\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv4-addr:value != '192.0.2.15']\", \"valid_from\": \"2026-11-01T00:00:00Z\"},"
	/* 16: qualifiers */
	"{\"type\": \"indicator\", \"id\": \"indicator--a16\", \"pattern_type\": \"stix\","
	" \"pattern\": \"[ipv4-addr:value = '192.0.2.16'] REPEATS 5 TIMES\", \"valid_from\": \"2026-11-01T00:00:00Z\"}"
	"]}";

static void test_stix(void **state)
{
	(void)state;
	struct tf_list *l = NULL;
	char err[THREATFEED_ERR_MAX], p[THREATFEED_PREFIX_STR];
	int rc = threatfeed_parse_stix("soc", (const uint8_t *)stix_doc, strlen(stix_doc), NOW, &l, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
	assert_int_equal(l->stats.lines, 16);
	assert_int_equal(l->nindicators, 3);
	assert_int_equal(l->nprefixes, 1 + 1 + 3);
	assert_int_equal(l->stats.unsupported, 5);   /* AND, file hash, snort, REPEATS, != only */
	assert_int_equal(l->stats.revoked, 1);
	assert_int_equal(l->stats.expired, 1);
	assert_int_equal(l->stats.not_yet_valid, 1);
	assert_int_equal(l->stats.bad, 4);           /* family, string, validity, too broad */
	assert_int_equal(l->stats.too_broad, 1);
	assert_string_equal(l->first_error, "object 10 (indicator--a10): pattern: '2001:db8::1' is not an IPv4 address");
	assert_string_equal(threatfeed_string(l, l->indicators[0].name), "indicator--a1");
	assert_string_equal(threatfeed_string(l, l->indicators[0].label), "C2 server");
	prefix_text(l, 1, p);
	assert_string_equal(p, "2001:db8:bad::/48");
	assert_int_equal(l->indicators[1].valid_until, 1796083200);   /* 2026-12-01 */
	assert_int_equal(l->next_expiry, 1796083200);
	prefix_text(l, 2, p);
	assert_string_equal(p, "203.0.113.0/25");
	prefix_text(l, 4, p);
	assert_string_equal(p, "2001:db8::66/128");
	assert_int_equal(l->prefixes[4].indicator, 2);
	threatfeed_list_unref(l);
}

static void test_stix_refused(void **state)
{
	(void)state;
	struct tf_list *l = NULL;
	char err[THREATFEED_ERR_MAX];
	static const struct {
		const char *doc;
		const char *err;
	} cases[] = {
		{ "203.0.113.5\n", "soc: not JSON: line 1 column" },
		{ "{\"type\": \"indicator\"}", "soc: not a STIX bundle (no \"type\": \"bundle\")" },
		{ "[1, 2]", "soc: not a STIX bundle" },
		{ "{\"type\": \"bundle\", \"objects\": {}}", "soc: \"objects\" is not an array" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = threatfeed_parse_stix("soc", (const uint8_t *)cases[i].doc, strlen(cases[i].doc), NOW, &l, err,
					       sizeof(err));
		if (rc != -EBADMSG || strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("case %zu: rc %d '%s'", i, rc, err);
		assert_null(l);
	}
	/* an empty bundle is valid */
	assert_int_equal(threatfeed_parse_stix("soc", (const uint8_t *)"{\"type\": \"bundle\"}", 18, NOW, &l, err, sizeof(err)), 0);
	assert_int_equal(l->nprefixes, 0);
	threatfeed_list_unref(l);
}

static void test_patterns(void **state)
{
	(void)state;
	static const struct {
		const char *pattern;
		int prefixes;      /* -1: bad, -2: unsupported */
	} cases[] = {
		{ "[ipv4-addr:value = '192.0.2.1']", 1 },
		{ "[ ipv4-addr:value='192.0.2.1' ]", 1 },
		{ "[ipv4-addr:value = '192.0.2.1'] OR [ipv4-addr:value = '192.0.2.2']", 2 },
		{ "(([ipv4-addr:value = '192.0.2.1']))", 1 },
		{ "[(ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.3')]", 2 },
		{ "[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]", -2 },
		{ "[ipv4-addr:value = '192.0.2.1'] AND [ipv4-addr:value = '192.0.2.2']", -2 },
		{ "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.2']", -2 },
		{ "[ipv4-addr:value NOT = '192.0.2.1']", -2 },
		{ "[ipv4-addr:value = '192.0.2.1'] WITHIN 300 SECONDS", -2 },
		{ "[network-traffic:dst_ref.value = '192.0.2.1']", -2 },
		{ "[ipv4-addr:value = t'2026-11-25T00:00:00Z']", -2 },
		{ "[ipv4-addr:value = '192.0.2.1'", -1 },
		{ "ipv4-addr:value = '192.0.2.1'", -1 },
		{ "[ipv4-addr:value = '192.0.2.1']]", -1 },
		{ "[[ipv4-addr:value = '192.0.2.1']]", -1 },
		{ "[ipv4-addr:value = '192.0.2.1' OR]", -1 },
		{ "[ipv4-addr:value = '192.0.2.1' ipv4-addr:value = '192.0.2.2']", -1 },
		{ "[ipv4-addr:value = 'it\\'s']", -1 },
		{ "[ipv4-addr:value = 'bad\\escape']", -1 },
		{ "[ipv4-addr:value = '192.0.2.1'] OR", -1 },
		{ "[]", -1 },
		{ "", -1 },
		{ "[ipv4-addr:value ! '192.0.2.1']", -1 },
		{ "[ipv4-addr:value = '192.0.2.1' | ]", -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char doc[1024], err[THREATFEED_ERR_MAX], pat[512];
		size_t o = 0;
		for (const char *s = cases[i].pattern; *s; s++) {   /* JSON-escape backslashes */
			if (*s == '\\')
				pat[o++] = '\\';
			pat[o++] = *s;
		}
		pat[o] = '\0';
		snprintf(doc, sizeof(doc),
			 "{\"type\": \"bundle\", \"objects\": [{\"type\": \"indicator\", \"id\": \"indicator--p\","
			 " \"pattern_type\": \"stix\", \"pattern\": \"%s\", \"valid_from\": \"2026-01-01T00:00:00Z\"}]}", pat);
		struct tf_list *l = NULL;
		assert_int_equal(threatfeed_parse_stix("p", (const uint8_t *)doc, strlen(doc), NOW, &l, err, sizeof(err)), 0);
		int got = l->stats.bad ? -1 : l->stats.unsupported ? -2 : (int)l->nprefixes;
		if (got != cases[i].prefixes)
			fail_msg("case %zu '%s': got %d (%s), expected %d", i, cases[i].pattern, got, l->first_error,
				 cases[i].prefixes);
		threatfeed_list_unref(l);
	}
}

static void test_merge(void **state)
{
	(void)state;
	char err[THREATFEED_ERR_MAX];
	struct tf_list *a = plain("198.51.100.1\n203.0.113.0/24 # shared\n2001:db8::1\n", 0, err);
	struct tf_list *b = NULL;
	assert_int_equal(threatfeed_parse_stix("soc", (const uint8_t *)stix_doc, strlen(stix_doc), NOW, &b, err, sizeof(err)), 0);
	struct tf_list *c = threatfeed_list_new("central");
	struct tf_prefix p;
	threatfeed_parse_prefix("203.0.113.0/24", 14, &p, NULL, 0);
	assert_int_equal(threatfeed_list_add(c, &p, "", "duplicate of test", 1, 0), 0);
	threatfeed_parse_prefix("192.0.2.99", 10, &p, NULL, 0);
	assert_int_equal(threatfeed_list_add(c, &p, "", "short-lived", 2, NOW + 60), 0);

	struct tf_list *lists[] = { a, NULL, b, c };
	struct tf_merged *m;
	assert_int_equal(threatfeed_merge(lists, 4, NOW, 0, &m, err, sizeof(err)), 0);
	/* a: 3, b: 5 (198.51.100.1 duplicates a's), c: 2 (203.0.113.0/24 duplicates a's) */
	assert_int_equal(m->n, 3 + 5 + 2 - 2);
	assert_int_equal(m->duplicates, 2);
	assert_int_equal(m->next_expiry, NOW + 60);
	/* the lists are held by the merge */
	threatfeed_list_unref(a);
	threatfeed_list_unref(b);
	threatfeed_list_unref(c);

	/* every id describes one prefix; the first feed keeps a duplicate */
	struct tf_hit_info hi;
	bool seen_shared = false, seen_c2 = false;
	for (uint32_t id = 1; id <= m->n; id++) {
		assert_int_equal(threatfeed_merged_describe(m, id, &hi), 0);
		if (strcmp(hi.prefix, "203.0.113.0/24") == 0) {
			assert_string_equal(hi.feed, "test");
			assert_string_equal(hi.label, "shared");
			seen_shared = true;
		}
		if (strcmp(hi.prefix, "198.51.100.1/32") == 0) {
			assert_string_equal(hi.feed, "test");
			seen_c2 = true;
		}
		if (strcmp(hi.prefix, "2001:db8:bad::/48") == 0) {
			assert_string_equal(hi.feed, "soc");
			assert_string_equal(hi.indicator, "indicator--a2");
		}
	}
	assert_true(seen_shared && seen_c2);
	assert_int_equal(threatfeed_merged_describe(m, 0, &hi), -ENOENT);
	assert_int_equal(threatfeed_merged_describe(m, (uint32_t)m->n + 1, &hi), -ENOENT);

	/* as the fast path takes it */
	struct fpmsg_prefix fp;
	threatfeed_merged_fpmsg(m, 0, &fp);
	assert_int_equal(fp.id, 1);
	assert_int_equal(fp.family, 4);
	assert_int_equal(fp.addr4, 0xc0000263);   /* 192.0.2.99: sorted first */
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	assert_int_equal(threatfeed_merged_write(m, f), 0);
	fclose(f);
	assert_int_equal(strncmp(text, "192.0.2.99/32=1\n198.51.100.1/32=2\n", 34), 0);
	free(text);

	/* a minute later the short-lived block is gone at the next merge */
	struct tf_merged *later;
	struct tf_list *again[] = { m->lists[0], m->lists[1], m->lists[2] };
	assert_int_equal(threatfeed_merge(again, 3, NOW + 60, 0, &later, err, sizeof(err)), 0);
	assert_int_equal(later->n, m->n - 1);
	assert_int_equal(later->expired, 1);
	/* and a month later the STIX one with valid_until too */
	threatfeed_merged_free(later);
	assert_int_equal(threatfeed_merge(again, 3, NOW + 7 * 86400, 0, &later, err, sizeof(err)), 0);
	assert_int_equal(later->n, m->n - 2);
	threatfeed_merged_free(later);
	/* the fast path's limit */
	assert_int_equal(threatfeed_merge(again, 3, NOW, 4, &later, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "8 prefixes after merging, at most 4");
	threatfeed_merged_free(m);
}

/* The scale: a million prefixes parsed, merged and numbered. */
static void test_million(void **state)
{
	(void)state;
	const size_t n = 1000000;
	char *text = malloc(n * 20), *q = text, err[THREATFEED_ERR_MAX];
	for (size_t i = 0; i < n; i++) {
		uint32_t a = 0x0b000000u + (uint32_t)i * 3;   /* 11.0.0.0 upwards */
		q += sprintf(q, "%u.%u.%u.%u\n", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct tf_list *l = NULL;
	assert_int_equal(threatfeed_parse_plain("big", (const uint8_t *)text, (size_t)(q - text), NOW, &l, err, sizeof(err)), 0);
	assert_int_equal(l->nprefixes, n);
	struct tf_merged *m;
	assert_int_equal(threatfeed_merge(&l, 1, NOW, 0, &m, err, sizeof(err)), 0);
	assert_int_equal(m->n, n);
	struct tf_hit_info hi;
	assert_int_equal(threatfeed_merged_describe(m, (uint32_t)n, &hi), 0);
	assert_int_equal(hi.line, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# 1,000,000 prefixes parsed and merged in %.2f s\n", secs);
	/* generous: sanitizer builds are several times slower */
	assert_true(secs < 30.0);
	/* one more prefix than a feed may hold */
	q += sprintf(q, "%s\n", "10.0.0.1");
	threatfeed_merged_free(m);
	threatfeed_list_unref(l);
	size_t extra = THREATFEED_FEED_MAX_PREFIXES - n;
	char *text2 = realloc(text, (size_t)(q - text) + extra * 20 + 1);
	assert_non_null(text2);
	q = text2 + strlen(text2);
	for (size_t i = 0; i < extra; i++) {
		uint32_t a = 0x0c000000u + (uint32_t)i;
		q += sprintf(q, "%u.%u.%u.%u\n", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
	}
	l = NULL;
	assert_int_equal(threatfeed_parse_plain("big", (const uint8_t *)text2, (size_t)(q - text2), NOW, &l, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "big: more than 1048576 prefixes");
	assert_null(l);
	free(text2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_list),
		cmocka_unit_test(test_plain_refused),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_stix),
		cmocka_unit_test(test_stix_refused),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_million),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
