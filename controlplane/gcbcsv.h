/* gcbcsv.h — the GCB audit platform's per-host CSV export.
 *
 * One row per host and TWGCB item. The header row names the columns, in
 * any order; columns it does not name are ignored:
 *
 *   host name      "host", "hostname", "computer name", 主機名稱, 電腦名稱
 *   MAC            "mac", "mac address", MAC位址, 實體位址
 *   item id        "item", "item id", "twgcb id", 項目編號  (TWGCB-01-010-0003)
 *   result         "result", "status", 檢測結果, 結果
 *   checked time   "checked", "checked time", "check time", 檢測時間
 *   IP (optional)  "ip", "ip address", IP位址
 *
 * Results are XCCDF words (pass, fail, error, unknown, notapplicable,
 * notchecked, notselected, informational, fixed), "passed"/"failed"/"n/a",
 * or the platform's Chinese words (通過/符合, 未通過/不符合, 不適用, 錯誤,
 * 未知, 未檢測, 已修正). Times are "2026-11-20 14:03:00" (Taiwan time) or
 * ISO 8601 with a zone. A row needs a host name or a MAC (or both).
 *
 * RFC 4180: comma separated, fields with commas, quotes or line breaks in
 * double quotes, "" for a quote, CRLF or LF. A UTF-8 byte order mark is
 * skipped (Excel writes one). Text must be UTF-8: a Big5 export is refused
 * with a message saying so. Any malformed row refuses the whole file, with
 * its line number.
 *
 * The rows of one host and one item family ("TWGCB-01") make one struct
 * scan: its time is the latest checked time of those rows.
 *
 * Pure: buffer in, struct scan_report out, no I/O (unit tests and
 * tests/fuzz/gcbcsv_fuzz.c call it directly).
 */
#ifndef MENJIN_GCBCSV_H
#define MENJIN_GCBCSV_H

#include <stddef.h>
#include "scan.h"

#define GCBCSV_MAX_SIZE    (32u << 20)   /* 500 hosts x 400 items is ~25 MB */
#define GCBCSV_MAX_FIELDS  64            /* columns of one row */
#define GCBCSV_FIELD_MAX   512           /* bytes of one field */

/* Read one export. `name` stands for the file in messages. On success out
 * holds at least one scan (the caller frees it with scan_report_free());
 * on failure out is empty and err says why: "gcb.csv: line 7: 4 fields,
 * the header has 5". Returns 0, -EINVAL, -E2BIG (a limit) or -ENOMEM. */
int gcbcsv_parse(const char *buf, size_t len, const char *name, struct scan_report *out,
		 char *err, size_t errlen);

#endif
