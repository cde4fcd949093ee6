/* scan.h — what a compliance scanner said about hosts, whatever the format.
 *
 * The XCCDF/ARF reader (xccdf.c) and the GCB platform's CSV reader
 * (gcbcsv.c) both turn a file into a struct scan_report: one struct scan
 * per host and baseline (an XCCDF TestResult, or the CSV rows of one host
 * and one TWGCB item family), each a sorted list of item results. posture.c
 * turns scans into per-host verdicts.
 *
 * The helpers below (times, MACs, addresses, item ids) are pure and shared
 * by both readers, so both read the same text the same way.
 */
#ifndef MENJIN_SCAN_H
#define MENJIN_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCAN_MAX_SCANS        4096        /* hosts x baselines in one file */
#define SCAN_MAX_ITEMS        4096        /* item results kept in one scan */
#define SCAN_MAX_TOTAL_ITEMS  (1u << 19)  /* item results in one file (~35 MB in memory) */
#define SCAN_MAX_NAMES        4           /* target, FQDN, host name per scan */
#define SCAN_MAX_MACS         32          /* a host with docker bridges lists many; extras ignored */
#define SCAN_MAX_ADDRS        32
#define SCAN_NAME_MAX         256         /* a DNS name is at most 253 characters */
#define SCAN_ID_MAX           256         /* benchmark and profile ids */
#define SCAN_ITEM_MAX         64          /* "TWGCB-01-008-0003", or a shortened rule id */
#define SCAN_ERR_MAX          256         /* room callers give for messages */

/* Zone-less times (the GCB platform writes "2026-11-20 14:03:00") are
 * Taiwan time: UTC+8, without daylight saving since 1979. */
#define SCAN_LOCAL_UTC_OFFSET (8 * 3600)

/* XCCDF 1.2 result values (NISTIR 7275r4 table 26), in that order. */
enum scan_result {
	SCAN_PASS = 0,
	SCAN_FAIL,
	SCAN_ERROR,
	SCAN_UNKNOWN,
	SCAN_NOTAPPLICABLE,
	SCAN_NOTCHECKED,
	SCAN_NOTSELECTED,
	SCAN_INFORMATIONAL,
	SCAN_FIXED,
	SCAN_RESULT__MAX
};

enum scan_format {
	SCAN_FORMAT_XCCDF = 1,      /* an XCCDF 1.2 Benchmark or TestResult document */
	SCAN_FORMAT_ARF,            /* an ARF 1.1 asset-report-collection */
	SCAN_FORMAT_GCBCSV,         /* the GCB audit platform's per-host export */
};

struct scan_addr {
	uint8_t family;             /* AF_INET or AF_INET6 */
	uint8_t addr[16];           /* AF_INET: the first 4 bytes, network order */
};

/* How to recognise the host a scan is about. Names are lower case; MACs
 * never all-zero (a loopback's); addresses never loopback or unspecified. */
struct scan_host {
	unsigned nnames;
	char     names[SCAN_MAX_NAMES][SCAN_NAME_MAX];
	unsigned nmacs;
	uint8_t  macs[SCAN_MAX_MACS][6];
	unsigned naddrs;
	struct scan_addr addrs[SCAN_MAX_ADDRS];
};

struct scan_item {
	char     id[SCAN_ITEM_MAX];  /* the TWGCB id when the rule has one, else the rule id */
	uint8_t  result;             /* enum scan_result */
	int64_t  checked;            /* unix seconds; 0 when the file does not say */
};

struct scan {
	uint8_t  format;             /* enum scan_format */
	int      line;               /* where the TestResult or the host's first row starts */
	char     benchmark[SCAN_ID_MAX];  /* XCCDF Benchmark id; CSV: the item family "TWGCB-01" */
	char     profile[SCAN_ID_MAX];    /* XCCDF Profile id; "" for CSV */
	int64_t  started;            /* unix seconds; 0 unknown */
	int64_t  ended;              /* unix seconds; always set: the scan's time */
	struct scan_host host;
	unsigned nitems;
	struct scan_item *items;     /* sorted by id, one per id (scan_items_finish) */
	unsigned cap;
};

struct scan_report {
	uint8_t  format;             /* of the file */
	unsigned nscans;
	struct scan *scans;
	unsigned cap;
	size_t   total_items;
};

/* ---- building (used by the readers) ---------------------------------- */

/* A new zeroed scan at the end of r: -E2BIG past SCAN_MAX_SCANS, -ENOMEM. */
int scan_report_add(struct scan_report *r, struct scan **out);
/* Add one item result; -E2BIG past SCAN_MAX_ITEMS or SCAN_MAX_TOTAL_ITEMS. */
int scan_item_add(struct scan_report *r, struct scan *s, const char *id, enum scan_result res,
		  int64_t checked);
/* Sort items by id and fold repeated ids into one: the later check wins,
 * and between equal times the worse result (fail > error > unknown > pass). */
void scan_items_finish(struct scan_report *r, struct scan *s);
/* Add identifiers; duplicates, all-zero MACs and unusable addresses are
 * skipped, and so is anything past the bounds (a host's first interfaces
 * are enough to recognise it). */
void scan_host_add_name(struct scan_host *h, const char *name);
void scan_host_add_mac(struct scan_host *h, const uint8_t mac[6]);
void scan_host_add_addr(struct scan_host *h, const struct scan_addr *a);
void scan_host_merge(struct scan_host *into, const struct scan_host *from);

void scan_report_free(struct scan_report *r);
/* Move every scan of from to the end of into (from is left empty). */
int scan_report_move(struct scan_report *into, struct scan_report *from);

/* ---- text ------------------------------------------------------------ */

/* xsd:dateTime "2026-11-20T14:03:00+08:00" (fractions and Z allowed), or
 * "2026-11-20 14:03:00", "2026/11/20 14:03", "2026-11-20". Without a zone
 * the time is Taiwan time (SCAN_LOCAL_UTC_OFFSET). 0 or -EINVAL. */
int scan_time_parse(const char *s, int64_t *out);
/* "2026-11-20" (UTC, like policy.c's {scan}). */
void scan_date_format(int64_t t, char *out, size_t len);

/* MAC in any of mac.h's forms or 12 bare hex digits. 0 or -EINVAL. */
int scan_mac_parse(const char *s, uint8_t mac[6]);
bool scan_mac_is_zero(const uint8_t mac[6]);
/* IPv4 or IPv6 text (oscap writes "0:0:0:0:0:0:0:1"). 0 or -EINVAL. */
int scan_addr_parse(const char *s, struct scan_addr *a);
/* Loopback, unspecified and link-local addresses say nothing about which
 * LAN device a scan is about. */
bool scan_addr_is_useful(const struct scan_addr *a);
void scan_addr_format(const struct scan_addr *a, char *out, size_t len);
bool scan_addr_equal(const struct scan_addr *a, const struct scan_addr *b);

/* A host name or FQDN: letters, digits, '-', '_', '.', at most 253
 * characters. Written lower case to out (SCAN_NAME_MAX). 0 or -EINVAL. */
int scan_name_normalize(const char *s, char *out);

/* "TWGCB-01-008-0003": TWGCB, two digits, three digits, four digits. */
bool scan_item_is_twgcb(const char *s);
/* The item family of a TWGCB id: "TWGCB-01-008-0003" -> "TWGCB-01". */
void scan_item_family(const char *id, char *out, size_t len);

const char *scan_result_name(int r);          /* "pass", "fail", ... */
int scan_result_parse(const char *s);         /* XCCDF words; -1 if unknown */
const char *scan_format_name(int f);          /* "XCCDF", "ARF", "GCB CSV" */

#endif
