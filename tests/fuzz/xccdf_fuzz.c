/* xccdf_fuzz.c — libFuzzer target for xccdf_parse(), then the posture
 * database and a verdict on what it accepted.
 *
 * fuzz-sources: controlplane/xccdf.c controlplane/scan.c controlplane/mac.c controlplane/posture.c controlplane/policy.c
 *
 * Besides memory errors (ASan) and undefined behaviour (UBSan), checks the
 * promises xccdf.h makes: a refusal says why and leaves nothing behind; an
 * accepted document has at least one scan, each with a time, a host
 * identifier, and sorted, unique, bounded items; and what was accepted can
 * be applied and judged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "posture.h"
#include "xccdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_scan(const struct scan *s)
{
	if (s->ended <= 0 || s->nitems > SCAN_MAX_ITEMS)
		abort();
	if (s->host.nnames + s->host.nmacs + s->host.naddrs == 0)
		abort();
	if (s->host.nnames > SCAN_MAX_NAMES || s->host.nmacs > SCAN_MAX_MACS || s->host.naddrs > SCAN_MAX_ADDRS)
		abort();
	for (unsigned i = 0; i < s->host.nmacs; i++)
		if (scan_mac_is_zero(s->host.macs[i]))
			abort();
	for (unsigned i = 0; i < s->host.nnames; i++)
		for (const char *p = s->host.names[i]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				abort();
	for (unsigned i = 0; i < s->nitems; i++) {
		if (s->items[i].result >= SCAN_RESULT__MAX || s->items[i].id[0] == '\0')
			abort();
		if (i && strcmp(s->items[i - 1].id, s->items[i].id) >= 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_report r;
	char err[SCAN_ERR_MAX];

	int rc = xccdf_parse((const char *)data, size, "fuzz.xml", &r, err, sizeof(err));
	if (rc < 0) {
		if (err[0] == '\0' || r.nscans != 0 || r.scans != NULL)
			abort();
		return 0;
	}
	if (r.nscans == 0 || (r.format != SCAN_FORMAT_XCCDF && r.format != SCAN_FORMAT_ARF))
		abort();
	size_t total = 0;
	for (unsigned i = 0; i < r.nscans; i++) {
		check_scan(&r.scans[i]);
		total += r.scans[i].nitems;
	}
	if (total != r.total_items)
		abort();

	/* Judge the first host as menjind would, a day after its scan. */
	struct posture_key k;
	struct posture_verdict v;
	char reason[POLICY_REASON_MAX];
	const struct scan *s = &r.scans[0];
	int64_t now = s->ended + 86400;
	memset(&k, 0, sizeof(k));
	if (s->host.nmacs)
		memcpy(k.mac, s->host.macs[0], 6);
	static char name[SCAN_NAME_MAX];
	snprintf(name, sizeof(name), "%s", s->host.nnames ? s->host.names[0] : "");
	k.hostname = name;
	struct scan_addr addr;
	if (s->host.naddrs) {
		addr = s->host.addrs[0];
		k.addrs = &addr;
		k.naddrs = 1;
	}
	/* With one scan nothing is folded away: its own host must match it. */
	bool single = r.nscans == 1;
	struct posture_db *db = posture_db_new();
	if (db && posture_db_apply(db, &r, "fuzz.xml", now, err, sizeof(err)) == 0) {
		posture_evaluate(db, NULL, &k, NULL, now, &v);
		if ((single && v.matched_by[0] == '\0') || v.status >= POSTURE__MAX)
			abort();
		posture_reason(&v, reason, sizeof(reason));
	}
	posture_db_free(db);
	scan_report_free(&r);
	return 0;
}
