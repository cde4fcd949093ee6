/* xccdf.h — XCCDF 1.2 TestResult and ARF 1.1 report reader.
 *
 * Reads what SCAP scanners write (`oscap xccdf eval --results R.xml
 * --results-arf A.xml`): an XCCDF 1.2 Benchmark carrying TestResults, a
 * bare TestResult, or an ARF asset-report-collection whose reports hold
 * TestResults (the ARF assets they are "isAbout" add host identifiers).
 * Each TestResult becomes one struct scan (scan.h).
 *
 * Pure: a buffer in, a struct scan_report out, no I/O, so the unit tests
 * and tests/fuzz/xccdf_fuzz.c call it directly. The document is hostile
 * until read:
 *   - nothing is fetched: XML_PARSE_NONET, no DTD loading, no XInclude;
 *   - any DOCTYPE is refused, before an entity it declares can be used
 *     (billion laughs, external entities such as file:///etc/passwd);
 *     XML_PARSE_NOENT is never set, so no entity is ever substituted;
 *   - at most XCCDF_MAX_SIZE bytes and XCCDF_MAX_DEPTH nested elements,
 *     checked here, with libxml2's own limits on (XML_PARSE_HUGE unset);
 *   - counts and text lengths bounded (scan.h, XCCDF_TEXT_MAX).
 * Errors name the file and line: "results.xml: line 12: TestResult without
 * end-time".
 */
#ifndef MENJIN_XCCDF_H
#define MENJIN_XCCDF_H

#include <stddef.h>
#include "scan.h"

#define XCCDF_MAX_SIZE     (64u << 20)   /* an ARF of a full SSG profile is ~30 MB */
#define XCCDF_MAX_DEPTH    64            /* real ARF documents nest ~20 deep */
#define XCCDF_TEXT_MAX     512           /* text of one element that is kept */
#define XCCDF_MAX_ASSETS   SCAN_MAX_SCANS
#define XCCDF_MAX_RELATIONSHIPS (4 * SCAN_MAX_SCANS)

#define XCCDF_NS_12        "http://checklists.nist.gov/xccdf/1.2"
#define XCCDF_NS_11        "http://checklists.nist.gov/xccdf/1.1"
#define ARF_NS             "http://scap.nist.gov/schema/asset-reporting-format/1.1"
#define ARF_CORE_NS        "http://scap.nist.gov/schema/reporting-core/1.1"
#define ARF_AI_NS          "http://scap.nist.gov/schema/asset-identification/1.1"

/* Read one document. `name` stands for the file in messages. On success
 * out holds one scan per TestResult (at least one) and the caller frees it
 * with scan_report_free(); on failure out is empty and err says why.
 * Returns 0, -EINVAL (malformed or refused), -E2BIG (a limit), -ENOTSUP
 * (not XCCDF 1.2 / ARF 1.1) or -ENOMEM. */
int xccdf_parse(const char *buf, size_t len, const char *name, struct scan_report *out,
		char *err, size_t errlen);

#endif
