/* heartbeat.h — the appliance's status report to the centre.
 *
 * Every interval, menjind's collect() fills a struct heartbeat_report
 * (plain data: versions, device counts by state, posture counts, last
 * sync times, queue depths) and heartbeat.c POSTs it as JSON
 * (application/json) to the configured HTTPS URL with fetch_post(). A
 * report that fails is not queued: the next one carries fresher numbers.
 * heartbeat_to_json() is pure and unit-tested.
 *
 * The JSON, with every time in RFC 3339 (null when never):
 * {
 *   "format": "menjin-heartbeat/1", "appliance": "yilan-toucheng", "time": "…",
 *   "uptime": 86400,
 *   "versions": { "software": "1.0.0", "config_sha256": "…", "fastpath_generation": 12,
 *                 "bundle": { "version": 7, "key_id": "central-2026a", "sha256": "…",
 *                             "expires": "…", "expired": false } },
 *   "devices": { "unknown": 1, "quarantined": 3, "admitted": 120, "blocked": 2, "total": 126 },
 *   "posture": { "compliant": 100, "noncompliant": 10, "stale": 5, "unknown": 11,
 *                "compliance_rate": 0.8696 },
 *   "sync": { "central": "…", "central_error": "", "ad": "…", "gcb": "…",
 *             "feeds": [ { "name": "soc", "last_sync": "…", "prefixes": 1200, "error": "" } ] },
 *   "blocklist": { "prefixes": 1300 },
 *   "soc": { "queued": 0, "dropped": 0 }
 * }
 * compliance_rate = compliant / (compliant + noncompliant + stale): devices
 * never scanned are reported, not counted (null when nothing was scanned).
 */
#ifndef MENJIN_HEARTBEAT_H
#define MENJIN_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>
#include "fetch.h"
#include "policy.h"

#define HEARTBEAT_MAX_FEEDS        16
#define HEARTBEAT_DEFAULT_INTERVAL 300
#define HEARTBEAT_INTERVAL_MIN     30
#define HEARTBEAT_INTERVAL_MAX     86400
#define HEARTBEAT_TIMEOUT_S        30
#define HEARTBEAT_TEXT_MAX         256

struct heartbeat_feed {
	char     name[64];
	int64_t  last_sync;                    /* 0 never */
	uint64_t prefixes;
	char     error[HEARTBEAT_TEXT_MAX];    /* "" when the last poll was fine */
};

struct heartbeat_report {
	char     appliance[64];
	int64_t  now, uptime;                  /* unix seconds, seconds */
	char     software_version[32];
	char     config_sha256[65];
	uint64_t fastpath_generation;
	bool     bundle_running;
	uint64_t bundle_version;
	char     bundle_key_id[64];
	char     bundle_sha256[65];
	int64_t  bundle_expires;
	unsigned devices[4];                   /* by enum verdict_state */
	unsigned posture[POSTURE__MAX];        /* by enum posture_status, after staleness */
	int64_t  central_last_sync, ad_last_sync, gcb_last_import;
	char     central_error[HEARTBEAT_TEXT_MAX];
	unsigned nfeeds;
	struct heartbeat_feed feeds[HEARTBEAT_MAX_FEEDS];
	uint64_t blocklist_prefixes;
	uint64_t soc_queued, soc_dropped;
};

/* menjind fills the report (it starts zeroed, with now set). Non-zero:
 * skip this beat. */
struct heartbeat_source {
	int (*collect)(void *ctx, struct heartbeat_report *r);
	void *ctx;
};

struct heartbeat_conf {
	char   url[FETCH_URL_MAX];
	struct fetch_tls tls;
	int    interval;                       /* seconds; 0: HEARTBEAT_DEFAULT_INTERVAL */
};

struct heartbeat_status {
	int64_t last_attempt, last_success;
	long    http_code;
	char    last_error[FETCH_ERR_MAX];
	unsigned sent, failed;
};

/* Pure: malloc'ed JSON text, NULL when out of memory. */
char *heartbeat_to_json(const struct heartbeat_report *r);
/* compliant / (compliant + noncompliant + stale); -1 when none was scanned. */
double heartbeat_compliance_rate(const struct heartbeat_report *r);

struct heartbeat;
struct heartbeat *heartbeat_new(struct fetch_engine *e, const struct heartbeat_conf *c,
				const struct heartbeat_source *src, char *err, size_t errlen);
/* First report now, then every interval. */
int heartbeat_start(struct heartbeat *h);
int heartbeat_send_now(struct heartbeat *h);
void heartbeat_status(const struct heartbeat *h, struct heartbeat_status *st);
void heartbeat_free(struct heartbeat *h);

#endif
