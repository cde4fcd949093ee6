/* gcbcsv_fuzz.c — libFuzzer target for gcbcsv_parse(), then the posture
 * database and the KPI count on what it accepted.
 *
 * fuzz-sources: controlplane/gcbcsv.c controlplane/scan.c controlplane/mac.c controlplane/posture.c controlplane/policy.c
 *
 * Checks the promises of gcbcsv.h besides memory safety: a refusal says
 * why (with the file name) and leaves nothing; an accepted export has one
 * scan per host and item family, each with TWGCB items in order, one per
 * id, and a time no earlier than its start.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcbcsv.h"
#include "posture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_report r;
	char err[SCAN_ERR_MAX];

	int rc = gcbcsv_parse((const char *)data, size, "fuzz.csv", &r, err, sizeof(err));
	if (rc < 0) {
		if (strncmp(err, "fuzz.csv: ", 10) != 0 || r.nscans != 0 || r.scans != NULL)
			abort();
		return 0;
	}
	if (r.nscans == 0 || r.format != SCAN_FORMAT_GCBCSV)
		abort();
	for (unsigned i = 0; i < r.nscans; i++) {
		const struct scan *s = &r.scans[i];
		char family[16];
		if (s->ended <= 0 || s->started > s->ended || s->nitems == 0)
			abort();
		if (s->host.nnames + s->host.nmacs == 0)
			abort();
		for (unsigned k = 0; k < s->nitems; k++) {
			if (!scan_item_is_twgcb(s->items[k].id) || s->items[k].result >= SCAN_RESULT__MAX)
				abort();
			if (k && strcmp(s->items[k - 1].id, s->items[k].id) >= 0)
				abort();
			if (s->items[k].checked < s->started || s->items[k].checked > s->ended)
				abort();
			scan_item_family(s->items[k].id, family, sizeof(family));
			if (strcmp(family, s->benchmark) != 0)
				abort();
		}
	}

	/* Apply, judge every host, count the KPI. */
	int64_t now = r.scans[0].ended + 86400;
	for (unsigned i = 1; i < r.nscans; i++)
		if (r.scans[i].ended + 86400 > now)
			now = r.scans[i].ended + 86400;
	static struct posture_kpi kpi;
	posture_kpi_init(&kpi);
	struct posture_key keys[8];
	static char names[8][SCAN_NAME_MAX];
	unsigned nkeys = 0;
	for (unsigned i = 0; i < r.nscans && nkeys < 8; i++, nkeys++) {
		memset(&keys[nkeys], 0, sizeof(keys[nkeys]));
		if (r.scans[i].host.nmacs)
			memcpy(keys[nkeys].mac, r.scans[i].host.macs[0], 6);
		snprintf(names[nkeys], SCAN_NAME_MAX, "%s", r.scans[i].host.nnames ? r.scans[i].host.names[0] : "");
		keys[nkeys].hostname = names[nkeys];
	}
	/* With one scan nothing is folded away: its own host must match it. */
	int single = r.nscans == 1;
	struct posture_db *db = posture_db_new();
	if (db && posture_db_apply(db, &r, "fuzz.csv", now, err, sizeof(err)) == 0) {
		for (unsigned i = 0; i < nkeys; i++) {
			struct posture_verdict v;
			char reason[POLICY_REASON_MAX];
			posture_evaluate(db, NULL, &keys[i], NULL, now, &v);
			if (single && v.matched_by[0] == '\0')
				abort();
			posture_reason(&v, reason, sizeof(reason));
			posture_kpi_add(&kpi, i % 2 ? "staff" : "", &v);
		}
		char table[2048];
		posture_kpi_format(&kpi, table, sizeof(table));
	}
	posture_db_free(db);
	scan_report_free(&r);
	return 0;
}
