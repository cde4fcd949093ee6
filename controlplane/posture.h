/* posture.h — GCB posture: scans become a per-host verdict for the policy.
 *
 * The posture database holds the latest scan of every host, benchmark and
 * profile from every accepted file (posture_spool.c feeds it, one whole
 * file at a time). For one device, posture_evaluate() finds its scans,
 * keeps the latest per baseline (by end-time), counts the items and says:
 *
 *   compliant      every counted item passed (fixed counts as pass)
 *   noncompliant   an item failed: the failing items are listed
 *   unknown        no scan, or an error/unknown result (or a required item
 *                  the scan did not check), or nothing was counted
 *   stale          the scan is older than posture_config.max_age
 *
 * notapplicable, notselected, notchecked and informational are not counted.
 * When a baseline lists required items, only those decide.
 *
 * Host matching, strongest first; the first kind that finds a scan decides:
 *   1. MAC: the device's MAC among the scan's MAC facts (ethernet:MAC,
 *      asset:identifier:mac, ARF connections, the CSV's MAC column);
 *   2. name: the device's host name equals the scan's target / FQDN /
 *      host name, or their first labels when one side is unqualified;
 *   3. address: the device's IP among the scan's addresses, only for scans
 *      that list no MAC, and name no host when the device's name is known
 *      (DHCP gives an address to another device; a MAC or name says more).
 *
 * Pure and clock-free: callers pass "now", as with policy_evaluate().
 * posture_to_facts() fills the posture slot of struct device_facts;
 * posture_reason() writes "GCB TWGCB-01-008-0003 failed, scan 2026-11-20".
 */
#ifndef MENJIN_POSTURE_H
#define MENJIN_POSTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "policy.h"
#include "scan.h"

#define POSTURE_MAX_SCANS       16384       /* scans held: hosts x benchmarks x profiles */
#define POSTURE_MAX_ITEMS       (1u << 20)  /* item results held (~80 MB at most) */
#define POSTURE_MAX_BASELINES   32          /* configured baselines */
#define POSTURE_MAX_PATTERNS    8           /* benchmark/profile patterns of one baseline */
#define POSTURE_MAX_REQUIRED    2048        /* required items of one baseline */
#define POSTURE_NAME_MAX        64          /* a baseline's name */
#define POSTURE_MAX_MATCH       64          /* scans considered for one device */
#define POSTURE_HOST_BASELINES  16          /* baselines listed in one verdict */
#define POSTURE_MAX_LISTED      64          /* failing / unknown items listed in one verdict */
#define POSTURE_MAX_WAIVED      64          /* items one override waives */
#define POSTURE_MAX_SKEW        86400       /* a scan dated later than now + this is refused */
#define POSTURE_REASON_ITEMS    3           /* items a reason names before "and N more" */
#define POSTURE_SOURCE_MAX      64          /* file name kept with each scan */

/* ---- configuration (filled by conf.c, checked here) ------------------------- */

struct posture_baseline {
	char     name[POSTURE_NAME_MAX];      /* "win10": KPIs and reasons */
	unsigned npatterns;                   /* fnmatch(3), case-insensitive, on the scan's */
	char     patterns[POSTURE_MAX_PATTERNS][SCAN_ID_MAX];  /* benchmark id or profile id */
	unsigned nrequired;                   /* 0: every item counts */
	char   (*required)[SCAN_ITEM_MAX];    /* sorted by posture_config_check() */
};

struct posture_config {
	int64_t  max_age;                     /* seconds, 0: never stale; use policy.posture_max_age */
	unsigned nbaselines;
	struct posture_baseline baselines[POSTURE_MAX_BASELINES];
};

/* Add a baseline / one required item: -E2BIG, -EINVAL (bad text), -ENOMEM. */
int posture_config_add_baseline(struct posture_config *c, const char *name, struct posture_baseline **out);
int posture_baseline_add_pattern(struct posture_baseline *b, const char *pattern);
int posture_baseline_require(struct posture_baseline *b, const char *item);
/* Validate as a whole (names unique and set, patterns present) and sort
 * the required lists: 0, or -EINVAL with "baseline 'x': ..." in err. */
int posture_config_check(struct posture_config *c, char *err, size_t errlen);
void posture_config_free(struct posture_config *c);

/* The name a scan is counted under: the first baseline with a matching
 * pattern, else the benchmark id without its "xccdf_<publisher>_benchmark_"
 * prefix ("TWGCB-01" for CSV rows). NULL b when no configured one matched. */
void posture_baseline_of(const struct posture_config *c, const struct scan *s,
			 const struct posture_baseline **b, char *name, size_t len);

/* ---- database -------------------------------------------------------------------- */

struct posture_db;

struct posture_db *posture_db_new(void);
void posture_db_free(struct posture_db *db);

/* Would r be accepted? Scans dated in the future (past POSTURE_MAX_SKEW)
 * and the database bounds refuse the whole file. `name` is for messages. */
int posture_db_check(const struct posture_db *db, const struct scan_report *r, const char *name,
		     int64_t now, char *err, size_t errlen);
/* All or nothing: check, then every scan replaces the held scan of the
 * same host, benchmark and profile unless that one ended later. On
 * success the scans are taken (r is left empty); on failure nothing
 * changed. 0, -EINVAL, -E2BIG or -ENOMEM. */
int posture_db_apply(struct posture_db *db, struct scan_report *r, const char *name, int64_t now,
		     char *err, size_t errlen);
unsigned posture_db_count(const struct posture_db *db);
uint64_t posture_db_generation(const struct posture_db *db);   /* +1 per applied file */

/* ---- one device ---------------------------------------------------------------------- */

struct posture_key {
	uint8_t  mac[6];
	const char *hostname;                 /* DHCP / AD name; NULL or "" unknown */
	unsigned naddrs;
	const struct scan_addr *addrs;
};

/* The key of a device from its facts (MAC, host name, IPv4); addr is
 * storage for the address the key points to. */
void posture_key_from_facts(struct posture_key *k, const struct device_facts *f, struct scan_addr *addr);

/* An administrator's decision about one device's posture (menjind keeps it
 * in its store): waived items are approved exceptions and not counted; a
 * forced status replaces the computed one. Either ends at `expires`. */
struct posture_override {
	bool     active;
	bool     force;                       /* status below replaces the verdict */
	uint8_t  status;                      /* enum posture_status */
	int64_t  expires;                     /* unix seconds; 0 never */
	unsigned nwaived;
	char     waived[POSTURE_MAX_WAIVED][SCAN_ITEM_MAX];
	char     user[64];
	char     reason[POLICY_REASON_MAX];
};

struct posture_baseline_verdict {
	char     name[POSTURE_NAME_MAX];
	uint8_t  status;                      /* enum posture_status, staleness applied */
	uint8_t  format;                      /* enum scan_format of the scan */
	int64_t  scanned;                     /* its end-time */
	unsigned npass, nfail, nunknown;      /* counted items */
	char     source[POSTURE_SOURCE_MAX];  /* the file it came from */
};

struct posture_verdict {
	uint8_t  status;                      /* enum posture_status, staleness applied */
	int64_t  scanned;                     /* end-time of the scan(s) that decided; 0 none */
	int64_t  expires;                     /* evaluate again then (staleness, override end); 0 never */
	int64_t  max_age;                     /* of the configuration, for the reason */
	char     matched_by[16];              /* "MAC", "host name", "address", "" no scan */
	unsigned nbaselines;                  /* baselines seen (the first POSTURE_HOST_BASELINES listed) */
	struct posture_baseline_verdict baselines[POSTURE_HOST_BASELINES];
	unsigned nfailed;                     /* failing items (the first POSTURE_MAX_LISTED listed) */
	char     failed[POSTURE_MAX_LISTED][SCAN_ITEM_MAX];
	unsigned nunknown;                    /* error/unknown results, required items not checked */
	char     unknown[POSTURE_MAX_LISTED][SCAN_ITEM_MAX];
	bool     overridden;                  /* an override forced the status */
	char     override_user[64];
	char     override_reason[POLICY_REASON_MAX];
	int64_t  override_expires;
};

/* Never fails: no matching scan is POSTURE_UNKNOWN with matched_by "". */
void posture_evaluate(const struct posture_db *db, const struct posture_config *c,
		      const struct posture_key *k, const struct posture_override *o, int64_t now,
		      struct posture_verdict *v);

/* Fill the posture slot of the facts (posture, posture_scanned, failed);
 * policy_posture() then agrees with v->status at the same "now". */
void posture_to_facts(const struct posture_verdict *v, struct device_facts *f);

/* The reason text for the policy and the event log:
 *   "GCB TWGCB-01-008-0003 failed, scan 2026-11-20"
 *   "GCB TWGCB-01-008-0003, TWGCB-01-010-0003, TWGCB-01-010-0007 and 2 more failed, scan 2026-11-20"
 *   "GCB compliant, scan 2026-11-20"      "no GCB scan"
 *   "GCB scan 2026-08-01 older than 30 days"
 *   "GCB result unknown (TWGCB-01-008-0005), scan 2026-11-20"
 *   "GCB posture set compliant by admin chen: exception approved, until 2026-12-31" */
void posture_reason(const struct posture_verdict *v, char *out, size_t len);

/* ---- KPI: share of devices compliant (GCB adoption rate) ------------------------------ */

#define POSTURE_KPI_MAX_ROWS  64              /* roles or baselines; more go to "(other)" */

struct posture_kpi_row {
	char     name[POSTURE_NAME_MAX];
	unsigned devices, compliant, noncompliant, unknown, stale, unscanned;
};

struct posture_kpi {
	struct posture_kpi_row total;
	unsigned nroles;
	struct posture_kpi_row roles[POSTURE_KPI_MAX_ROWS];
	unsigned nbaselines;                  /* per baseline: devices that have a scan of it */
	struct posture_kpi_row baselines[POSTURE_KPI_MAX_ROWS];
};

void posture_kpi_init(struct posture_kpi *k);
/* Count one device under its role ("" for none) and each of its baselines. */
void posture_kpi_add(struct posture_kpi *k, const char *role, const struct posture_verdict *v);
/* compliant / devices in permille (855 = 85.5 %); 0 for no devices. */
unsigned posture_kpi_permille(const struct posture_kpi_row *r);
/* The KPI table as text, one row per line. Returns the length (cut to fit). */
size_t posture_kpi_format(const struct posture_kpi *k, char *out, size_t len);

#endif
