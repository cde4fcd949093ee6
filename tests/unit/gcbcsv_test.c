/* gcbcsv_test.c — the GCB audit platform's CSV export: headers as the
 * platform and Excel write them, RFC 4180 quoting, and every malformed row
 * refused with its line number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gcbcsv.h"

static char err[SCAN_ERR_MAX];

static int parse(const char *csv, struct scan_report *r)
{
	return gcbcsv_parse(csv, strlen(csv), "gcb.csv", r, err, sizeof(err));
}

static void refused(const char *csv, int rc, const char *want)
{
	struct scan_report r;
	int got = parse(csv, &r);
	if (got != rc || strcmp(err, want) != 0)
		fail_msg("rc %d (want %d), message \"%s\" (want \"%s\")", got, rc, err, want);
	assert_int_equal(r.nscans, 0);
}

static const struct scan *scan_of(const struct scan_report *r, const char *name, const char *family)
{
	for (unsigned i = 0; i < r->nscans; i++)
		for (unsigned k = 0; k < r->scans[i].host.nnames; k++)
			if (strcmp(r->scans[i].host.names[k], name) == 0 && strcmp(r->scans[i].benchmark, family) == 0)
				return &r->scans[i];
	fail_msg("no scan of %s / %s", name, family);
	return NULL;
}

static int result_of(const struct scan *s, const char *id)
{
	for (unsigned i = 0; i < s->nitems; i++)
		if (strcmp(s->items[i].id, id) == 0)
			return s->items[i].result;
	return -1;
}

static const char HEADER[] = "host name,MAC,item id,result,checked time\n";

static void test_english_export(void **state)
{
	(void)state;
	struct scan_report r;
	const char *csv =
		"host name,MAC,item id,result,checked time\n"
		"PC-0001,00:1B:A9:01:02:03,TWGCB-01-008-0003,fail,2026-11-20 14:03:00\n"
		"PC-0001,00:1B:A9:01:02:03,TWGCB-01-010-0003,pass,2026-11-20 14:05:00\n"
		"PC-0001,00:1B:A9:01:02:03,TWGCB-04-001-0001,notapplicable,2026-11-20 14:05:00\n"
		"\n"
		"pc-0002.township.example,001ba9010204,TWGCB-01-008-0003,passed,2026-11-19T09:00:00+08:00\n";
	assert_int_equal(parse(csv, &r), 0);
	assert_int_equal(r.format, SCAN_FORMAT_GCBCSV);
	/* one scan per host and item family */
	assert_int_equal(r.nscans, 3);
	const struct scan *s = scan_of(&r, "pc-0001", "TWGCB-01");
	assert_int_equal(s->format, SCAN_FORMAT_GCBCSV);
	assert_int_equal(s->line, 2);
	assert_int_equal(s->nitems, 2);
	assert_int_equal(result_of(s, "TWGCB-01-008-0003"), SCAN_FAIL);
	assert_int_equal(result_of(s, "TWGCB-01-010-0003"), SCAN_PASS);
	assert_int_equal(s->started, 1795154580LL);          /* 2026-11-20 14:03 Taiwan time */
	assert_int_equal(s->ended, 1795154580LL + 120);      /* the latest row */
	assert_int_equal(s->host.nmacs, 1);
	assert_int_equal(s->host.macs[0][5], 0x03);
	s = scan_of(&r, "pc-0001", "TWGCB-04");
	assert_int_equal(result_of(s, "TWGCB-04-001-0001"), SCAN_NOTAPPLICABLE);
	s = scan_of(&r, "pc-0002.township.example", "TWGCB-01");
	assert_int_equal(s->line, 6);
	assert_int_equal(result_of(s, "TWGCB-01-008-0003"), SCAN_PASS);
	scan_report_free(&r);
}

static void test_chinese_excel_export(void **state)
{
	(void)state;
	struct scan_report r;
	/* Excel: byte order mark, CRLF, columns in its own order, extra
	 * columns, a remark with a comma, a quote and a line break. */
	const char *csv =
		"\xef\xbb\xbf" "序號,檢測時間,主機名稱,IP位址,MAC位址,項目編號,檢測結果,備註\r\n"
		"1,2026/11/20 14:03,PC-0003,10.10.1.3,00-1B-A9-01-02-05,TWGCB-01-008-0003,未通過,\"密碼原則, \"\"最長\"\" 90 天\r\n第二行\"\r\n"
		"2,2026/11/20 14:03,PC-0003,10.10.1.3,00-1B-A9-01-02-05,TWGCB-01-008-0004,通過,\r\n"
		"3,2026/11/20 14:03,PC-0003,10.10.1.3,00-1B-A9-01-02-05,TWGCB-01-008-0005,不適用,\r\n"
		"4,2026/11/20 14:03,PC-0003,10.10.1.3,00-1B-A9-01-02-05,TWGCB-01-008-0006,錯誤,\r\n"
		"5,2026/11/20 14:03,PC-0003,10.10.1.3,00-1B-A9-01-02-05,TWGCB-01-008-0007,已修正,\r\n"
		"6,2026/11/20 14:03,PC-0003,10.10.1.3,00-1B-A9-01-02-05,TWGCB-01-008-0008,\"bogus\",\r\n";
	assert_int_equal(parse(csv, &r), -EINVAL);
	/* the quoted remark spans two lines: the bad row is on line 8 */
	assert_string_equal(err, "gcb.csv: line 8: result 'bogus' is not pass, fail, error, unknown, "
			    "notapplicable, notchecked, notselected, informational or fixed");

	char fixed[2048];
	snprintf(fixed, sizeof(fixed), "%.*s", (int)(strstr(csv, "6,2026") - csv), csv);
	assert_int_equal(parse(fixed, &r), 0);
	assert_int_equal(r.nscans, 1);
	const struct scan *s = &r.scans[0];
	assert_string_equal(s->host.names[0], "pc-0003");
	assert_int_equal(s->host.naddrs, 1);
	assert_int_equal(result_of(s, "TWGCB-01-008-0003"), SCAN_FAIL);
	assert_int_equal(result_of(s, "TWGCB-01-008-0004"), SCAN_PASS);
	assert_int_equal(result_of(s, "TWGCB-01-008-0005"), SCAN_NOTAPPLICABLE);
	assert_int_equal(result_of(s, "TWGCB-01-008-0006"), SCAN_ERROR);
	assert_int_equal(result_of(s, "TWGCB-01-008-0007"), SCAN_FIXED);
	scan_report_free(&r);
}

static void test_repeated_rows(void **state)
{
	(void)state;
	struct scan_report r;
	/* The same item twice: the later check wins whatever the row order;
	 * the MAC alone names a host when the name is empty. */
	const char *csv =
		"Host,Mac,Item,Result,Checked\n"
		"pc-9,00:1b:a9:00:00:09,TWGCB-01-008-0003,pass,2026-11-21 08:00:00\n"
		"pc-9,00:1b:a9:00:00:09,twgcb-01-008-0003,FAIL,2026-11-20 08:00:00\n"
		",00:1b:a9:00:00:0a,TWGCB-01-008-0003,fail,2026-11-20 08:00:00\n"
		",00:1b:a9:00:00:0a,TWGCB-01-008-0004,Failed,2026-11-20 08:00:00\n";
	assert_int_equal(parse(csv, &r), 0);
	assert_int_equal(r.nscans, 2);
	assert_int_equal(r.scans[0].nitems, 1);
	assert_int_equal(r.scans[0].items[0].result, SCAN_PASS);
	assert_int_equal(r.total_items, 3);
	assert_int_equal(r.scans[1].host.nnames, 0);
	assert_int_equal(r.scans[1].host.nmacs, 1);
	assert_int_equal(r.scans[1].nitems, 2);
	scan_report_free(&r);
}

static void test_malformed_rows(void **state)
{
	(void)state;
	char csv[1024];
#define ROW(text) (snprintf(csv, sizeof(csv), "%spc1,00:11:22:33:44:55,TWGCB-01-008-0003,pass,2026-11-20\n%s", HEADER, text), csv)
	refused(ROW("pc2,00:11:22:33:44:56,TWGCB-01-008-0003,pass\n"), -EINVAL, "gcb.csv: line 3: 4 fields, the header has 5");
	refused(ROW("pc2,00:11:22:33:44:56,TWGCB-01-008-0003,pass,2026-11-20,x\n"), -EINVAL,
		"gcb.csv: line 3: 6 fields, the header has 5");
	refused(ROW("pc2,00:11:22:33:44:5G,TWGCB-01-008-0003,pass,2026-11-20\n"), -EINVAL,
		"gcb.csv: line 3: MAC '00:11:22:33:44:5G' is not a MAC address");
	refused(ROW("pc2,00:11:22:33:44:56,GCB-8-3,pass,2026-11-20\n"), -EINVAL,
		"gcb.csv: line 3: item 'GCB-8-3' is not a TWGCB id such as TWGCB-01-010-0003");
	refused(ROW("pc2,00:11:22:33:44:56,TWGCB-01-008-0003,pass,20/11/2026\n"), -EINVAL,
		"gcb.csv: line 3: checked time '20/11/2026' is not a time such as 2026-11-20 14:03:00");
	refused(ROW("pc 2,00:11:22:33:44:56,TWGCB-01-008-0003,pass,2026-11-20\n"), -EINVAL,
		"gcb.csv: line 3: host name 'pc 2' is not a host name");
	refused(ROW(",00:00:00:00:00:00,TWGCB-01-008-0003,pass,2026-11-20\n"), -EINVAL,
		"gcb.csv: line 3: row names no host: no host name and no (non-zero) MAC");
	refused(ROW("pc2,00:11:22:33:44:56,TWGCB-01-008-0003,pass,2026-11-20,\"x\n"), -EINVAL,
		"gcb.csv: line 3: quoted field not closed");
	refused(ROW("pc2,\"00:11:22:33:44:56\"x,TWGCB-01-008-0003,pass,2026-11-20\n"), -EINVAL,
		"gcb.csv: line 3: text after the closing quote of field 2");
	refused(ROW("pc2,00:11:22:33:44:56,TWGCB-01-008-0003,pa\"ss,2026-11-20\n"), -EINVAL,
		"gcb.csv: line 3: quote inside unquoted field 4 (RFC 4180: quote the field and double the quote)");
	refused(ROW("pc2,00:11:22:33:44:56,TWGCB-01-008-0003,pass,2026-11-20\rpc3\n"), -EINVAL,
		"gcb.csv: line 3: carriage return without line feed");
	refused(ROW("pc2,00:11:22:33:44:56,TWGCB-01-008-0003,pass,2026-11-20,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"),
		-E2BIG, "gcb.csv: line 3: more than 64 fields");
	refused(ROW("pc2,00:11:22:33:44:56,TWGCB-01-008-0003,pass,2026-11-20\n\xa5\xbf\xb1\x60,00:11:22:33:44:57,TWGCB-01-008-0003,pass,2026-11-20\n"),
		-EINVAL, "gcb.csv: line 4: not UTF-8 text (a Big5 export? save it as UTF-8)");
#undef ROW
}

static void test_malformed_files(void **state)
{
	(void)state;
	refused("", -EINVAL, "gcb.csv: no header row: the file is empty");
	refused("\n\n", -EINVAL, "gcb.csv: no header row: the file is empty");
	refused(HEADER, -EINVAL, "gcb.csv: no rows after the header");
	refused("host,mac,item,checked\npc1,00:11:22:33:44:55,TWGCB-01-008-0003,2026-11-20\n", -EINVAL,
		"gcb.csv: line 1: header has no result column (expected host name, MAC, item id, result, checked time)");
	refused("host,mac,item,result,status,checked\n", -EINVAL,
		"gcb.csv: line 1: header names the result column twice (fields 4 and 5)");
	refused("\xff\xfeh\0o\0s\0t\0", -EINVAL, "gcb.csv: UTF-16 text: save the export as UTF-8");

	struct scan_report r;
	char nul[] = "host,mac,item,result,checked\npc1\0,00:11:22:33:44:55,TWGCB-01-008-0003,pass,2026-11-20\n";
	assert_int_equal(gcbcsv_parse(nul, sizeof(nul) - 1, "gcb.csv", &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "gcb.csv: line 2: NUL byte: not a text file");

	char big[1200];
	memset(big, 'a', sizeof(big));
	memcpy(big, HEADER, strlen(HEADER));
	big[sizeof(big) - 1] = '\0';
	refused(big, -E2BIG, "gcb.csv: line 2: field 1 longer than 511 bytes");

	/* refused by its size: the pages are never touched */
	size_t len = (size_t)GCBCSV_MAX_SIZE + 1;
	char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(gcbcsv_parse(p, len, "gcb.csv", &r, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "gcb.csv: 33554433 bytes is over the limit of 33554432 bytes (GCBCSV_MAX_SIZE)");
	munmap(p, len);
}

static void test_count_limits(void **state)
{
	(void)state;
	struct scan_report r;
	size_t cap = (size_t)(SCAN_MAX_SCANS + 1) * 80 + 100, n = 0;
	char *csv = malloc(cap);
	assert_non_null(csv);
	n += (size_t)sprintf(csv, "%s", HEADER);
	for (int i = 0; i <= SCAN_MAX_SCANS; i++)
		n += (size_t)sprintf(csv + n, "pc%d,,TWGCB-01-008-0003,pass,2026-11-20\n", i);
	assert_int_equal(parse(csv, &r), -E2BIG);
	assert_string_equal(err, "gcb.csv: line 4098: more than 4096 hosts (x item families)");
	free(csv);
}

static void test_mac_and_names(void **state)
{
	(void)state;
	uint8_t mac[6];
	char name[SCAN_NAME_MAX];
	assert_int_equal(scan_mac_parse("00:1B:A9:01:02:03", mac), 0);
	assert_int_equal(scan_mac_parse("00-1b-a9-01-02-03", mac), 0);
	assert_int_equal(scan_mac_parse("001b.a901.0203", mac), 0);
	assert_int_equal(scan_mac_parse("001BA9010203", mac), 0);
	assert_int_equal(mac[5], 3);
	assert_int_equal(scan_mac_parse("001BA901020", mac), -EINVAL);
	assert_int_equal(scan_mac_parse("001BA901020Z", mac), -EINVAL);
	assert_int_equal(scan_name_normalize("PC-01.Township.Example.", name), 0);
	assert_string_equal(name, "pc-01.township.example");
	assert_int_equal(scan_name_normalize(".", name), -EINVAL);
	assert_int_equal(scan_name_normalize("pc/01", name), -EINVAL);
	assert_true(scan_item_is_twgcb("TWGCB-01-010-0003"));
	assert_true(scan_item_is_twgcb("twgcb-01-010-0003"));
	assert_false(scan_item_is_twgcb("TWGCB-01-010-003"));
	assert_false(scan_item_is_twgcb("TWGCB-01-010-00031"));
	assert_false(scan_item_is_twgcb("TWGCB-1-010-0003"));
	scan_item_family("TWGCB-04-001-0001", name, sizeof(name));
	assert_string_equal(name, "TWGCB-04");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english_export),
		cmocka_unit_test(test_chinese_excel_export),
		cmocka_unit_test(test_repeated_rows),
		cmocka_unit_test(test_malformed_rows),
		cmocka_unit_test(test_malformed_files),
		cmocka_unit_test(test_count_limits),
		cmocka_unit_test(test_mac_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
