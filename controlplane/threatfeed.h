/* threatfeed.h — threat feeds: IP/CIDR lists and STIX 2.1 bundles become
 * one prefix list for the fast path's blocklist, with per-indicator ids.
 *
 * Pure parsers (buffer in, list out; the caller passes "now"):
 *   plain  one address or CIDR prefix per line; '#' or ';' starts a comment
 *          (whole line or after the prefix: the comment is kept as the
 *          indicator's label, as in "203.0.113.0/24 ; SBL12345").
 *   stix   a STIX 2.1 bundle; every indicator whose pattern is a union of
 *          [ipv4-addr:value = '…'] / [ipv6-addr:value = '…'] comparisons
 *          (also ISSUBSET, CIDR values, OR inside and between brackets)
 *          becomes one indicator with its prefixes. Indicators that are
 *          revoked, expired (valid_until <= now) or not yet valid
 *          (valid_from > now) are dropped and counted; patterns with AND,
 *          NOT, FOLLOWEDBY or qualifiers cannot be a blocklist entry and are
 *          counted as unsupported, never guessed at.
 * A bad line or indicator is skipped, counted and the first one described
 * in list->first_error ("line 12: '10.0.0.1/33': prefix length beyond 32");
 * the whole feed is refused when it is not a list at all (HTML, binary,
 * not a STIX bundle), or has more than THREATFEED_BAD_LINES_MAX bad entries.
 * Prefixes broader than /8 (IPv4) or /16 (IPv6) are refused: one bad line
 * must not cut the office off the Internet.
 *
 * Merging: threatfeed_merge() takes the lists of every feed (in configured
 * order), drops what expired since, removes duplicates (the first feed's
 * indicator keeps the prefix) and numbers the result 1..n. That number is
 * the FPA_PFX_ID of the prefix in BLOCKLIST_SET, so the fast path's counter
 * "blocklist.<ID>.hits" names one prefix; threatfeed_merged_describe() turns
 * it back into feed, indicator and label. Ids are per merge: read the hit
 * counters before replacing the fast path's list with a new merge.
 *
 * Lists are reference counted (single-threaded): a merge holds a reference
 * to each list it came from, so a feed may be replaced while an older merge
 * is still installed.
 */
#ifndef MENJIN_THREATFEED_H
#define MENJIN_THREATFEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "fpmsg.h"

#define THREATFEED_NAME_MAX            64
#define THREATFEED_ERR_MAX             256
#define THREATFEED_FEED_MAX_PREFIXES   (1u << 20)      /* 1,048,576 prefixes per feed */
#define THREATFEED_MAX_PREFIXES        (1u << 21)      /* merged; fastpath.max_prefixes default */
#define THREATFEED_MAX_FEEDS           16              /* lists in one merge */
#define THREATFEED_BAD_LINES_MAX       1000            /* more bad entries: the feed is refused */
#define THREATFEED_LINE_MAX            1024            /* longest plain line */
#define THREATFEED_LABEL_MAX           128             /* comment or name kept per indicator */
#define THREATFEED_INDICATOR_ID_MAX    128             /* "indicator--<uuid>" */
#define THREATFEED_STIX_MAX_SIZE       (64u << 20)     /* larger STIX documents are refused */
#define THREATFEED_STIX_MAX_OBJECTS    262144          /* objects in one STIX bundle */
#define THREATFEED_PATTERN_MAX         8192            /* longest pattern parsed */
#define THREATFEED_PATTERN_MAX_VALUES  256             /* prefixes of one indicator */
#define THREATFEED_STRINGS_MAX         (256u << 20)    /* labels and ids of one list */
#define THREATFEED_MIN_PLEN4           8
#define THREATFEED_MIN_PLEN6           16
#define THREATFEED_PREFIX_STR          52              /* INET6_ADDRSTRLEN + "/128" */

enum threatfeed_format { THREATFEED_PLAIN, THREATFEED_STIX };

struct tf_prefix {
	uint8_t  addr[16];      /* network order; IPv4 in addr[0..3], the rest zero */
	uint8_t  family;        /* 4 or 6 */
	uint8_t  plen;
	uint32_t indicator;     /* index into the list's indicators */
};

struct tf_indicator {
	uint32_t name;          /* string offset: STIX id, "" for a plain line */
	uint32_t label;         /* string offset: STIX name or the line's comment */
	uint32_t line;          /* plain: line number; STIX: object index + 1 */
	int64_t  valid_until;   /* unix seconds; 0: no end */
};

struct tf_stats {
	size_t lines;           /* plain: lines read; STIX: objects read */
	size_t indicators;      /* kept */
	size_t prefixes;        /* kept */
	size_t bad;             /* malformed lines or indicators, skipped */
	size_t too_broad;       /* counted in bad too */
	size_t expired;         /* valid_until passed */
	size_t not_yet_valid;   /* valid_from in the future */
	size_t revoked;
	size_t unsupported;     /* patterns that are not a union of IP comparisons */
};

struct tf_list {
	char     feed[THREATFEED_NAME_MAX];
	unsigned refs;
	size_t   nprefixes, prefix_cap;
	struct tf_prefix *prefixes;
	size_t   nindicators, indicator_cap;
	struct tf_indicator *indicators;
	char    *strings;       /* offset 0 is "" */
	size_t   strings_len, strings_cap;
	int64_t  next_expiry;   /* earliest valid_until after now, 0 none */
	struct tf_stats stats;
	char     first_error[THREATFEED_ERR_MAX];
};

/* "192.0.2.1", "198.51.100.0/24", "2001:db8::/32" (len bytes, no NUL
 * needed). Host bits below the length and lengths beyond the family are
 * refused; so are prefixes broader than THREATFEED_MIN_PLEN4/6 (-ERANGE).
 * err gets the reason. */
int threatfeed_parse_prefix(const char *s, size_t len, struct tf_prefix *p, char *err, size_t errlen);
void threatfeed_prefix_format(const struct tf_prefix *p, char out[THREATFEED_PREFIX_STR]);

/* Parse a feed. 0 with *out (refs 1), or a negative errno with err saying
 * why the whole feed was refused: -EBADMSG (not a list / not a STIX
 * bundle, too many bad entries), -EFBIG (more than the limits), -ENOMEM. */
int threatfeed_parse_plain(const char *feed, const uint8_t *buf, size_t len, int64_t now,
			   struct tf_list **out, char *err, size_t errlen);
int threatfeed_parse_stix(const char *feed, const uint8_t *buf, size_t len, int64_t now,
			  struct tf_list **out, char *err, size_t errlen);
int threatfeed_parse(enum threatfeed_format format, const char *feed, const uint8_t *buf, size_t len,
		     int64_t now, struct tf_list **out, char *err, size_t errlen);
/* "plain" / "stix"; -1 if unknown. */
int threatfeed_format_parse(const char *s);

/* Build a list by hand (bundle blocklists, shared blocks). Each add makes
 * one indicator with one prefix; strings are copied (and cut at
 * THREATFEED_LABEL_MAX). */
struct tf_list *threatfeed_list_new(const char *feed);
int threatfeed_list_add(struct tf_list *l, const struct tf_prefix *p, const char *name, const char *label,
			uint32_t line, int64_t valid_until);
const char *threatfeed_string(const struct tf_list *l, uint32_t offset);
struct tf_list *threatfeed_list_ref(struct tf_list *l);
void threatfeed_list_unref(struct tf_list *l);
/* A one-line summary: "412 prefixes from 400 indicators; 3 expired, 1 bad (line 7: ...)" */
void threatfeed_list_summary(const struct tf_list *l, char *out, size_t outlen);

/* ---- merging ---------------------------------------------------------- */

struct tf_merged_entry {
	struct tf_prefix prefix;    /* .indicator indexes lists[list]->indicators */
	uint16_t list;
};

struct tf_merged {
	size_t   n;
	struct tf_merged_entry *v;  /* sorted by family, address, length */
	unsigned nlists;
	struct tf_list *lists[THREATFEED_MAX_FEEDS];
	size_t   duplicates;        /* prefixes given by more than one indicator */
	size_t   expired;           /* dropped at merge time */
	int64_t  next_expiry;       /* earliest valid_until still ahead; 0 none */
};

/* NULL entries in lists are skipped (a feed that never loaded). Returns
 * -EFBIG when more than max prefixes remain (max 0: THREATFEED_MAX_PREFIXES). */
int threatfeed_merge(struct tf_list *const *lists, unsigned nlists, int64_t now, size_t max,
		     struct tf_merged **out, char *err, size_t errlen);
void threatfeed_merged_free(struct tf_merged *m);

/* Entry i (0-based) as the fast path wants it: id i + 1. */
void threatfeed_merged_fpmsg(const struct tf_merged *m, size_t i, struct fpmsg_prefix *out);
/* menjin-fpctl blocklist-load lines: "PREFIX=ID\n" for every entry. */
int threatfeed_merged_write(const struct tf_merged *m, FILE *out);

struct tf_hit_info {
	const char *feed;
	const char *indicator;      /* STIX id, or "" */
	const char *label;
	uint32_t    line;
	int64_t     valid_until;
	char        prefix[THREATFEED_PREFIX_STR];
};
/* What the counter "blocklist.<id>.hits" counts. -ENOENT for an unknown id. */
int threatfeed_merged_describe(const struct tf_merged *m, uint32_t id, struct tf_hit_info *info);

#endif
