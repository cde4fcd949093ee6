/* xccdf.c — XCCDF 1.2 / ARF 1.1 reader on libxml2's SAX2 interface (see xccdf.h).
 *
 * SAX rather than a tree: memory is bounded by what is kept, not by the
 * document (an ARF repeats the whole benchmark and its OVAL content), and
 * every element passes through one function where depth is checked and a
 * DOCTYPE is refused before anything it declares could be used.
 */
#include "xccdf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ARF_ID_MAX 128          /* ARF report and asset ids we keep (NCNames, short) */

/* Elements the reader acts on; everything else is T_OTHER and only counted
 * for depth. */
enum tag {
	T_OTHER = 0,
	T_BENCHMARK, T_TESTRESULT, T_TR_BENCHMARK, T_TR_PROFILE, T_TARGET, T_TARGET_ADDRESS,
	T_TARGET_FACTS, T_FACT, T_RULE_RESULT, T_RESULT, T_IDENT,
	T_XCCDF11,
	T_ARF_COLLECTION, T_ARF_REPORTS, T_ARF_REPORT, T_ARF_CONTENT, T_ARF_ASSETS, T_ARF_ASSET,
	T_AI_FQDN, T_AI_HOSTNAME, T_AI_MAC, T_AI_IPV4, T_AI_IPV6,
	T_CORE_RELATIONSHIPS, T_CORE_RELATIONSHIP, T_CORE_REF,
	T_DS_COLLECTION,
};

static const struct {
	const char *ns, *name;
	enum tag tag;
} tags[] = {
	{ XCCDF_NS_12, "Benchmark", T_BENCHMARK },
	{ XCCDF_NS_12, "TestResult", T_TESTRESULT },
	{ XCCDF_NS_12, "benchmark", T_TR_BENCHMARK },
	{ XCCDF_NS_12, "profile", T_TR_PROFILE },
	{ XCCDF_NS_12, "target", T_TARGET },
	{ XCCDF_NS_12, "target-address", T_TARGET_ADDRESS },
	{ XCCDF_NS_12, "target-facts", T_TARGET_FACTS },
	{ XCCDF_NS_12, "fact", T_FACT },
	{ XCCDF_NS_12, "rule-result", T_RULE_RESULT },
	{ XCCDF_NS_12, "result", T_RESULT },
	{ XCCDF_NS_12, "ident", T_IDENT },
	{ XCCDF_NS_11, "Benchmark", T_XCCDF11 },
	{ XCCDF_NS_11, "TestResult", T_XCCDF11 },
	{ ARF_NS, "asset-report-collection", T_ARF_COLLECTION },
	{ ARF_NS, "reports", T_ARF_REPORTS },
	{ ARF_NS, "report", T_ARF_REPORT },
	{ ARF_NS, "content", T_ARF_CONTENT },
	{ ARF_NS, "assets", T_ARF_ASSETS },
	{ ARF_NS, "asset", T_ARF_ASSET },
	{ ARF_AI_NS, "fqdn", T_AI_FQDN },
	{ ARF_AI_NS, "hostname", T_AI_HOSTNAME },
	{ ARF_AI_NS, "mac-address", T_AI_MAC },
	{ ARF_AI_NS, "ip-v4", T_AI_IPV4 },
	{ ARF_AI_NS, "ip-v6", T_AI_IPV6 },
	{ ARF_CORE_NS, "relationships", T_CORE_RELATIONSHIPS },
	{ ARF_CORE_NS, "relationship", T_CORE_RELATIONSHIP },
	{ ARF_CORE_NS, "ref", T_CORE_REF },
	{ "http://scap.nist.gov/schema/scap/source/1.2", "data-stream-collection", T_DS_COLLECTION },
};

/* What a target fact says (NISTIR 7275r4 table 16, and oscap's asset facts). */
enum fact_kind { F_NONE = 0, F_MAC, F_NAME, F_ADDR };

static const struct {
	const char *name;
	enum fact_kind kind;
} facts[] = {
	{ "urn:xccdf:fact:ethernet:MAC", F_MAC },
	{ "urn:xccdf:fact:asset:identifier:mac", F_MAC },
	{ "urn:xccdf:fact:asset:identifier:fqdn", F_NAME },
	{ "urn:xccdf:fact:asset:identifier:host_name", F_NAME },
	{ "urn:xccdf:fact:asset:identifier:ipv4", F_ADDR },
	{ "urn:xccdf:fact:asset:identifier:ipv6", F_ADDR },
};

struct asset {
	char id[ARF_ID_MAX];
	struct scan_host host;
};

struct relation {                       /* arfvocab:isAbout: report subject is about asset ref */
	char subject[ARF_ID_MAX];
	char ref[ARF_ID_MAX];
};

struct reader {
	xmlParserCtxtPtr ctxt;
	const char *name;
	struct scan_report *out;
	char *err;
	size_t errlen;
	int rc;                             /* the first error; 0 while all is well */
	int xml_line;                       /* libxml2's first error, used if ours is unset */
	char xml_msg[160];

	unsigned depth;                     /* open elements */
	uint8_t stack[XCCDF_MAX_DEPTH];     /* enum tag of each open element */
	bool doctype;
	char doctype_name[64];

	char benchmark_id[SCAN_ID_MAX];     /* the Benchmark around the TestResult */
	char report_id[ARF_ID_MAX];         /* the ARF report around it */
	unsigned ntestresults;

	int tr;                             /* the TestResult being read: index in out, or -1 */
	unsigned tr_level;
	char tr_name[SCAN_ID_MAX];          /* its id, for messages */
	bool tr_target;
	char (*tr_report)[ARF_ID_MAX];      /* ARF report id of each scan, parallel to out->scans */
	unsigned tr_report_cap;

	bool in_rr;                         /* a rule-result is being read */
	unsigned rr_level;
	int rr_line;
	char rr_idref[SCAN_ID_MAX];
	char rr_item[SCAN_ITEM_MAX];        /* a TWGCB ident, when it has one */
	int rr_result;                      /* enum scan_result, -1 none yet */
	int64_t rr_time;

	enum fact_kind fact;

	bool keep_text;                     /* the text of the element at text_level is kept */
	unsigned text_level;
	size_t text_len;
	char text[XCCDF_TEXT_MAX];

	struct asset *assets;
	unsigned nassets, assets_cap;
	int asset;                          /* the asset being read, or -1 */
	unsigned asset_level;
	struct relation *rels;
	unsigned nrels, rels_cap;
	bool in_isabout;
	char rel_subject[ARF_ID_MAX];
};

/* ---- errors -------------------------------------------------------------- */

static int current_line(struct reader *r)
{
	return xmlSAX2GetLineNumber(r->ctxt);
}

/* Record the first error and stop the parser: nothing after it is read. */
__attribute__((format(printf, 4, 5)))
static void fail_at(struct reader *r, int line, int rc, const char *fmt, ...)
{
	char msg[SCAN_ERR_MAX];
	va_list ap;

	if (r->rc)
		return;
	r->rc = rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(r->err, r->errlen, "%s: line %d: %s", r->name, line, msg);
	else
		snprintf(r->err, r->errlen, "%s: %s", r->name, msg);
	xmlStopParser(r->ctxt);
}

#define fail(r, rc, ...) fail_at((r), current_line(r), (rc), __VA_ARGS__)

/* libxml2's own complaints (not well-formed, its internal limits): keep the
 * first one; the document is refused after parsing if it is not well-formed. */
static void on_xml_error(void *ctx, xmlErrorPtr e)
{
	struct reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	if (e == NULL || e->level < XML_ERR_ERROR || r->xml_msg[0])
		return;
	r->xml_line = e->line;
	snprintf(r->xml_msg, sizeof(r->xml_msg), "%.*s", (int)(sizeof(r->xml_msg)) - 1, e->message ? e->message : "malformed XML");
	size_t n = strlen(r->xml_msg);
	while (n && isspace((unsigned char)r->xml_msg[n - 1]))
		r->xml_msg[--n] = '\0';
}

/* ---- DOCTYPE: refused ------------------------------------------------------ */

/* XCCDF and ARF are defined by XML Schema; a DTD in one has no use but to
 * declare entities (billion laughs, external entities reading local files).
 * The parser calls internalSubset when it has read "<!DOCTYPE name ...",
 * entityDecl for each declaration as it reads it (before any reference to
 * it can be expanded), and externalSubset at the end of the DOCTYPE. */
static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
			       const xmlChar *system_id)
{
	struct reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	(void)external_id;
	(void)system_id;
	r->doctype = true;
	snprintf(r->doctype_name, sizeof(r->doctype_name), "%.*s", (int)(sizeof(r->doctype_name)) - 1, name ? (const char *)name : "");
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			   const xmlChar *system_id, xmlChar *content)
{
	struct reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	(void)public_id;
	(void)content;
	if (system_id != NULL)
		fail(r, -EINVAL, "DOCTYPE declares external %sentity '%.40s' (%.80s): DTDs and entities are refused",
		     type == XML_EXTERNAL_PARAMETER_ENTITY ? "parameter " : "", (const char *)name,
		     (const char *)system_id);
	else
		fail(r, -EINVAL, "DOCTYPE declares %sentity '%.40s': DTDs and entities are refused",
		     type == XML_INTERNAL_PARAMETER_ENTITY ? "parameter " : "", (const char *)name);
}

static void on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
				    const xmlChar *system_id, const xmlChar *notation)
{
	on_entity_decl(ctx, name, XML_EXTERNAL_GENERAL_UNPARSED_ENTITY, public_id, system_id, NULL);
	(void)notation;
}

static void on_external_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
			       const xmlChar *system_id)
{
	struct reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	(void)name;
	(void)external_id;
	if (system_id != NULL)
		fail(r, -EINVAL, "DOCTYPE '%.40s' refers to an external DTD (%.80s), not loaded: "
		     "XCCDF and ARF documents have no DOCTYPE", r->doctype_name, (const char *)system_id);
	else
		fail(r, -EINVAL, "DOCTYPE '%.40s' refused: XCCDF and ARF documents have no DOCTYPE",
		     r->doctype_name);
}

/* No entity is ever known beyond the five predefined ones the parser
 * handles itself, so a reference is an error, never a substitution. */
static xmlEntityPtr on_get_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

/* ---- helpers ---------------------------------------------------------------- */

static enum tag classify(const xmlChar *uri, const xmlChar *local)
{
	if (uri == NULL)
		return T_OTHER;
	for (size_t i = 0; i < NELEM(tags); i++)
		if (strcmp(tags[i].name, (const char *)local) == 0 && strcmp(tags[i].ns, (const char *)uri) == 0)
			return tags[i].tag;
	return T_OTHER;
}

/* An unqualified attribute's value copied to out: 1 found, 0 absent,
 * -E2BIG (and an error) when it does not fit. */
static int attr(struct reader *r, const xmlChar **attrs, int nattrs, const char *name, char *out,
		size_t outlen)
{
	out[0] = '\0';
	for (int i = 0; i < nattrs; i++) {
		const xmlChar **a = &attrs[i * 5];
		if (a[2] != NULL || strcmp((const char *)a[0], name) != 0)
			continue;
		size_t n = (size_t)(a[4] - a[3]);
		if (n >= outlen) {
			fail(r, -E2BIG, "attribute %s longer than %zu bytes", name, outlen - 1);
			return -E2BIG;
		}
		memcpy(out, a[3], n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/* An unqualified attribute's value in place (not NUL-terminated): for
 * values only compared, where a long one is simply not a known one. */
static bool attr_find(const xmlChar **attrs, int nattrs, const char *name, const char **val, size_t *len)
{
	for (int i = 0; i < nattrs; i++) {
		const xmlChar **a = &attrs[i * 5];
		if (a[2] == NULL && strcmp((const char *)a[0], name) == 0) {
			*val = (const char *)a[3];
			*len = (size_t)(a[4] - a[3]);
			return true;
		}
	}
	return false;
}

static bool value_is(const char *val, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(val, want, len) == 0;
}

static void keep_text(struct reader *r, unsigned level)
{
	r->keep_text = true;
	r->text_level = level;
	r->text_len = 0;
	r->text[0] = '\0';
}

/* The kept text without surrounding white space. */
static char *trimmed_text(struct reader *r)
{
	char *s = r->text;
	size_t n = r->text_len;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	s[n] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static struct scan *cur_scan(struct reader *r)
{
	return r->tr >= 0 ? &r->out->scans[r->tr] : NULL;
}

static void add_name_or_addr(struct scan_host *h, const char *text, bool names, bool addrs)
{
	char name[SCAN_NAME_MAX];
	struct scan_addr a;
	if (addrs && scan_addr_parse(text, &a) == 0)
		scan_host_add_addr(h, &a);
	else if (names && scan_name_normalize(text, name) == 0)
		scan_host_add_name(h, name);
	/* anything else (a MAC of an InfiniBand port, a made-up name) does
	 * not identify a LAN device: not an error, not kept */
}

static void add_mac(struct scan_host *h, const char *text)
{
	uint8_t mac[6];
	if (scan_mac_parse(text, mac) == 0)
		scan_host_add_mac(h, mac);
}

/* The item a rule-result is about: the TWGCB ident when the rule has one,
 * else the rule id without its "xccdf_<publisher>_rule_" prefix. */
static void rule_item(const char *idref, char *out, size_t len)
{
	const char *p = idref;
	const char *rule = strstr(idref, "_rule_");
	if (strncmp(idref, "xccdf_", 6) == 0 && rule != NULL && rule[6] != '\0')
		p = rule + 6;
	/* An id too long for an item is cut: it still names the rule for a person. */
	snprintf(out, len, "%.*s", (int)len - 1, p);
}

/* ---- elements ----------------------------------------------------------------- */

static bool arf_report_content(const struct reader *r, unsigned level)
{
	/* collection / reports / report / content at levels 0..3 */
	return level == 3 && r->stack[0] == T_ARF_COLLECTION && r->stack[1] == T_ARF_REPORTS &&
	       r->stack[2] == T_ARF_REPORT && r->stack[3] == T_ARF_CONTENT;
}

/* TestResults are read where the formats put them: the root, a child of
 * the root Benchmark, or an ARF report's content (bare or in a Benchmark).
 * One inside an ARF report request (the benchmark as it was asked for) is
 * not a result about this scan and is ignored. */
static bool testresult_expected(const struct reader *r, unsigned level)
{
	if (level == 0)
		return true;
	if (level == 1 && r->stack[0] == T_BENCHMARK)
		return true;
	if (level == 4 && arf_report_content(r, 3))
		return true;
	return level == 5 && r->stack[4] == T_BENCHMARK && arf_report_content(r, 3);
}

static void begin_root(struct reader *r, enum tag tag, const xmlChar *local, const xmlChar *uri)
{
	switch (tag) {
	case T_BENCHMARK:
	case T_TESTRESULT:
		r->out->format = SCAN_FORMAT_XCCDF;
		return;
	case T_ARF_COLLECTION:
		r->out->format = SCAN_FORMAT_ARF;
		return;
	case T_XCCDF11:
		fail(r, -ENOTSUP, "XCCDF 1.1 is not read: export the results as XCCDF 1.2");
		return;
	case T_DS_COLLECTION:
		fail(r, -ENOTSUP, "a SCAP source data stream holds no results: give the file oscap "
		     "writes with --results or --results-arf");
		return;
	default:
		fail(r, -ENOTSUP, "root element '%.40s' (namespace '%.80s') is not an XCCDF 1.2 Benchmark "
		     "or TestResult, nor an ARF 1.1 asset-report-collection", (const char *)local,
		     uri ? (const char *)uri : "none");
	}
}

static void begin_testresult(struct reader *r, unsigned level, const xmlChar **attrs, int nattrs)
{
	char when[64];
	struct scan *s;
	int line = current_line(r), rc;

	if (r->tr >= 0)
		return;                     /* not where the schema puts one: ignored */
	if ((rc = scan_report_add(r->out, &s)) < 0) {
		if (rc == -E2BIG)
			fail(r, rc, "more than %d TestResults", SCAN_MAX_SCANS);
		else
			fail(r, rc, "out of memory");
		return;
	}
	if (r->out->nscans > r->tr_report_cap) {
		unsigned cap = r->tr_report_cap ? r->tr_report_cap * 2 : 8;
		void *v = realloc(r->tr_report, cap * sizeof(*r->tr_report));
		if (v == NULL) {
			r->out->nscans--;
			fail(r, -ENOMEM, "out of memory");
			return;
		}
		r->tr_report = v;
		r->tr_report_cap = cap;
	}
	snprintf(r->tr_report[r->out->nscans - 1], ARF_ID_MAX, "%.*s", (int)(ARF_ID_MAX) - 1, r->report_id);
	r->tr = (int)r->out->nscans - 1;
	r->tr_level = level;
	r->tr_target = false;
	r->ntestresults++;
	s->format = r->out->format;
	s->line = line;
	snprintf(s->benchmark, sizeof(s->benchmark), "%.*s", (int)(sizeof(s->benchmark)) - 1, r->benchmark_id);

	if (attr(r, attrs, nattrs, "id", r->tr_name, sizeof(r->tr_name)) < 0)
		return;
	if ((rc = attr(r, attrs, nattrs, "end-time", when, sizeof(when))) <= 0) {
		if (rc == 0)
			fail(r, -EINVAL, "TestResult without end-time");
		return;
	}
	if (scan_time_parse(when, &s->ended) < 0) {
		fail(r, -EINVAL, "TestResult end-time '%s' is not an xsd:dateTime", when);
		return;
	}
	if ((rc = attr(r, attrs, nattrs, "start-time", when, sizeof(when))) < 0)
		return;
	if (rc == 1 && scan_time_parse(when, &s->started) < 0)
		fail(r, -EINVAL, "TestResult start-time '%s' is not an xsd:dateTime", when);
}

static void begin_rule_result(struct reader *r, unsigned level, const xmlChar **attrs, int nattrs)
{
	char when[64];
	int rc;

	r->in_rr = true;
	r->rr_level = level;
	r->rr_line = current_line(r);
	r->rr_item[0] = '\0';
	r->rr_result = -1;
	r->rr_time = 0;
	if ((rc = attr(r, attrs, nattrs, "idref", r->rr_idref, sizeof(r->rr_idref))) <= 0) {
		if (rc == 0)
			fail(r, -EINVAL, "rule-result without idref");
		return;
	}
	if ((rc = attr(r, attrs, nattrs, "time", when, sizeof(when))) < 0)
		return;
	if (rc == 1 && scan_time_parse(when, &r->rr_time) < 0)
		fail(r, -EINVAL, "rule-result '%.80s': time '%s' is not an xsd:dateTime", r->rr_idref, when);
}

static void end_rule_result(struct reader *r)
{
	char item[SCAN_ITEM_MAX];
	struct scan *s = cur_scan(r);
	int rc;

	r->in_rr = false;
	if (r->rr_result < 0) {
		fail_at(r, r->rr_line, -EINVAL, "rule-result '%.80s' without result", r->rr_idref);
		return;
	}
	if (r->rr_item[0])
		snprintf(item, sizeof(item), "%.*s", (int)(sizeof(item)) - 1, r->rr_item);
	else
		rule_item(r->rr_idref, item, sizeof(item));
	if ((rc = scan_item_add(r->out, s, item, r->rr_result, r->rr_time ? r->rr_time : s->ended)) < 0) {
		if (rc == -E2BIG)
			fail(r, rc, "more than %d rule-results in a TestResult, or %u in the file",
			     SCAN_MAX_ITEMS, SCAN_MAX_TOTAL_ITEMS);
		else
			fail(r, rc, "out of memory");
	}
}

static void begin_asset(struct reader *r, unsigned level, const xmlChar **attrs, int nattrs)
{
	if (r->nassets >= XCCDF_MAX_ASSETS) {
		fail(r, -E2BIG, "more than %d ARF assets", XCCDF_MAX_ASSETS);
		return;
	}
	if (r->nassets == r->assets_cap) {
		unsigned cap = r->assets_cap ? r->assets_cap * 2 : 4;
		void *v = realloc(r->assets, cap * sizeof(*r->assets));
		if (v == NULL) {
			fail(r, -ENOMEM, "out of memory");
			return;
		}
		r->assets = v;
		r->assets_cap = cap;
	}
	struct asset *a = &r->assets[r->nassets];
	memset(a, 0, sizeof(*a));
	if (attr(r, attrs, nattrs, "id", a->id, sizeof(a->id)) < 0)
		return;
	r->asset = (int)r->nassets++;
	r->asset_level = level;
}

static void add_relation(struct reader *r, const char *ref)
{
	if (r->nrels >= XCCDF_MAX_RELATIONSHIPS) {
		fail(r, -E2BIG, "more than %d ARF isAbout relationships", XCCDF_MAX_RELATIONSHIPS);
		return;
	}
	if (r->nrels == r->rels_cap) {
		unsigned cap = r->rels_cap ? r->rels_cap * 2 : 4;
		void *v = realloc(r->rels, cap * sizeof(*r->rels));
		if (v == NULL) {
			fail(r, -ENOMEM, "out of memory");
			return;
		}
		r->rels = v;
		r->rels_cap = cap;
	}
	struct relation *rel = &r->rels[r->nrels++];
	snprintf(rel->subject, sizeof(rel->subject), "%.*s", (int)(sizeof(rel->subject)) - 1, r->rel_subject);
	if (strlen(ref) >= sizeof(rel->ref))
		fail(r, -E2BIG, "ARF relationship ref longer than %d bytes", ARF_ID_MAX - 1);
	else
		snprintf(rel->ref, sizeof(rel->ref), "%.*s", (int)(sizeof(rel->ref)) - 1, ref);
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
		     int nns, const xmlChar **ns, int nattrs, int ndefaulted, const xmlChar **attrs)
{
	struct reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	(void)prefix;
	(void)nns;
	(void)ns;
	(void)ndefaulted;

	if (r->rc)
		return;
	if (r->doctype) {               /* belt and braces: externalSubset already refused it */
		fail(r, -EINVAL, "DOCTYPE refused: XCCDF and ARF documents have no DOCTYPE");
		return;
	}
	if (r->depth >= XCCDF_MAX_DEPTH) {
		fail(r, -E2BIG, "elements nested deeper than %d levels", XCCDF_MAX_DEPTH);
		return;
	}
	enum tag tag = classify(uri, local);
	unsigned level = r->depth;
	enum tag parent = level ? r->stack[level - 1] : T_OTHER;
	r->stack[r->depth++] = (uint8_t)tag;
	struct scan *s = cur_scan(r);

	if (level == 0) {
		begin_root(r, tag, local, uri);
		if (r->rc)
			return;
	}

	switch (tag) {
	case T_BENCHMARK:
		if (level == 0 || (level == 4 && arf_report_content(r, 3)))
			attr(r, attrs, nattrs, "id", r->benchmark_id, sizeof(r->benchmark_id));
		break;
	case T_TESTRESULT:
		if (testresult_expected(r, level))
			begin_testresult(r, level, attrs, nattrs);
		break;
	case T_XCCDF11:
		if (level == 4 && arf_report_content(r, 3))
			fail(r, -ENOTSUP, "XCCDF 1.1 is not read: export the results as XCCDF 1.2");
		break;
	case T_TR_BENCHMARK:
		if (s && level == r->tr_level + 1) {
			char id[SCAN_ID_MAX];
			if (attr(r, attrs, nattrs, "id", id, sizeof(id)) == 1 && id[0])
				snprintf(s->benchmark, sizeof(s->benchmark), "%.*s", (int)(sizeof(s->benchmark)) - 1, id);
		}
		break;
	case T_TR_PROFILE:
		if (s && level == r->tr_level + 1)
			attr(r, attrs, nattrs, "idref", s->profile, sizeof(s->profile));
		break;
	case T_TARGET:
	case T_TARGET_ADDRESS:
		if (s && level == r->tr_level + 1)
			keep_text(r, level);
		break;
	case T_FACT:
		if (s && level == r->tr_level + 2 && parent == T_TARGET_FACTS) {
			const char *name;
			size_t len;
			r->fact = F_NONE;
			if (!attr_find(attrs, nattrs, "name", &name, &len))
				break;
			for (size_t i = 0; i < NELEM(facts); i++)
				if (value_is(name, len, facts[i].name))
					r->fact = facts[i].kind;
			if (r->fact != F_NONE)
				keep_text(r, level);
		}
		break;
	case T_RULE_RESULT:
		if (s && level == r->tr_level + 1)
			begin_rule_result(r, level, attrs, nattrs);
		break;
	case T_RESULT:
	case T_IDENT:
		if (r->in_rr && level == r->rr_level + 1)
			keep_text(r, level);
		break;
	case T_ARF_REPORT:
		if (level == 2 && parent == T_ARF_REPORTS) {
			attr(r, attrs, nattrs, "id", r->report_id, sizeof(r->report_id));
			r->benchmark_id[0] = '\0';
		}
		break;
	case T_ARF_ASSET:
		if (level == 2 && parent == T_ARF_ASSETS)
			begin_asset(r, level, attrs, nattrs);
		break;
	case T_AI_FQDN:
	case T_AI_HOSTNAME:
	case T_AI_MAC:
	case T_AI_IPV4:
	case T_AI_IPV6:
		if (r->asset >= 0)
			keep_text(r, level);
		break;
	case T_CORE_RELATIONSHIP:
		if (level == 2 && parent == T_CORE_RELATIONSHIPS) {
			const char *type;
			size_t len;
			/* type is a QName: "arfvocab:isAbout" whatever the prefix */
			r->in_isabout = attr_find(attrs, nattrs, "type", &type, &len) && len >= 7 &&
					value_is(type + len - 7, 7, "isAbout") && (len == 7 || type[len - 8] == ':');
			if (r->in_isabout &&
			    attr(r, attrs, nattrs, "subject", r->rel_subject, sizeof(r->rel_subject)) < 0)
				break;
		}
		break;
	case T_CORE_REF:
		if (r->in_isabout && level == 3)
			keep_text(r, level);
		break;
	default:
		break;
	}
}

static void end_text(struct reader *r, enum tag tag)
{
	struct scan *s = cur_scan(r);
	char *text = trimmed_text(r);
	int res;

	r->keep_text = false;
	switch (tag) {
	case T_TARGET:
		/* XCCDF's target is "the name of the target system": a host name
		 * from oscap, sometimes an address from other scanners. */
		if (text[0])
			r->tr_target = true;
		add_name_or_addr(&s->host, text, true, true);
		break;
	case T_TARGET_ADDRESS:
		add_name_or_addr(&s->host, text, false, true);
		break;
	case T_FACT:
		if (r->fact == F_MAC)
			add_mac(&s->host, text);
		else
			add_name_or_addr(&s->host, text, r->fact == F_NAME, r->fact == F_ADDR);
		break;
	case T_RESULT:
		if (r->rr_result >= 0) {
			fail(r, -EINVAL, "rule-result '%.80s' has two results", r->rr_idref);
			break;
		}
		if ((res = scan_result_parse(text)) < 0) {
			fail(r, -EINVAL, "rule-result '%.80s': result '%.40s' is not an XCCDF 1.2 result",
			     r->rr_idref, text);
			break;
		}
		r->rr_result = res;
		break;
	case T_IDENT:
		if (r->rr_item[0] == '\0' && scan_item_is_twgcb(text)) {
			snprintf(r->rr_item, sizeof(r->rr_item), "%.*s", (int)(sizeof(r->rr_item)) - 1, text);
			for (char *p = r->rr_item; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		}
		break;
	case T_AI_FQDN:
	case T_AI_HOSTNAME:
		add_name_or_addr(&r->assets[r->asset].host, text, true, false);
		break;
	case T_AI_MAC:
		add_mac(&r->assets[r->asset].host, text);
		break;
	case T_AI_IPV4:
	case T_AI_IPV6:
		add_name_or_addr(&r->assets[r->asset].host, text, false, true);
		break;
	case T_CORE_REF:
		add_relation(r, text);
		break;
	default:
		break;
	}
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct reader *r = ((xmlParserCtxtPtr)ctx)->_private;
	(void)local;
	(void)prefix;
	(void)uri;

	if (r->rc || r->depth == 0)
		return;
	unsigned level = --r->depth;
	enum tag tag = r->stack[level];

	if (r->keep_text && level == r->text_level)
		end_text(r, tag);
	if (r->rc)
		return;
	if (r->in_rr && level == r->rr_level) {
		end_rule_result(r);
	} else if (r->tr >= 0 && level == r->tr_level) {
		struct scan *s = cur_scan(r);
		if (!r->tr_target)
			fail_at(r, s->line, -EINVAL, "TestResult '%.80s' without target", r->tr_name);
		scan_items_finish(r->out, s);
		r->tr = -1;
	} else if (r->asset >= 0 && level == r->asset_level) {
		r->asset = -1;
	} else if (tag == T_CORE_RELATIONSHIP && level == 2) {
		r->in_isabout = false;
	} else if (tag == T_ARF_REPORT && level == 2) {
		r->report_id[0] = '\0';
	}
}

static void on_characters(void *ctx, const xmlChar *ch, int len)
{
	struct reader *r = ((xmlParserCtxtPtr)ctx)->_private;

	/* Only the element's own text: children's text (mixed content) is not
	 * part of an identifier or a result. */
	if (r->rc || !r->keep_text || r->depth != r->text_level + 1 || len <= 0)
		return;
	if (r->text_len + (size_t)len >= sizeof(r->text)) {
		fail(r, -E2BIG, "text of element longer than %d bytes", XCCDF_TEXT_MAX - 1);
		return;
	}
	memcpy(r->text + r->text_len, ch, (size_t)len);
	r->text_len += (size_t)len;
	r->text[r->text_len] = '\0';
}

/* ---- after the document ---------------------------------------------------------- */

/* ARF: a report "isAbout" an asset whose computing-device identifiers
 * (connections, FQDN, host name) then identify the scan's host too. */
static void merge_assets(struct reader *r)
{
	for (unsigned i = 0; i < r->out->nscans; i++) {
		const char *report = r->tr_report[i];
		if (report[0] == '\0')
			continue;
		for (unsigned k = 0; k < r->nrels; k++) {
			if (strcmp(r->rels[k].subject, report) != 0)
				continue;
			for (unsigned a = 0; a < r->nassets; a++)
				if (strcmp(r->assets[a].id, r->rels[k].ref) == 0)
					scan_host_merge(&r->out->scans[i].host, &r->assets[a].host);
		}
	}
}

static int finish(struct reader *r)
{
	if (r->ntestresults == 0) {
		fail_at(r, 0, -EINVAL, "no TestResult in the document (a benchmark without results?)");
		return r->rc;
	}
	merge_assets(r);
	for (unsigned i = 0; i < r->out->nscans; i++) {
		const struct scan *s = &r->out->scans[i];
		if (s->host.nnames == 0 && s->host.nmacs == 0 && s->host.naddrs == 0) {
			fail_at(r, s->line, -EINVAL, "TestResult names no host: no usable MAC, host name or address");
			return r->rc;
		}
	}
	return 0;
}

int xccdf_parse(const char *buf, size_t len, const char *name, struct scan_report *out,
		char *err, size_t errlen)
{
	struct reader *r;
	xmlSAXHandler sax;
	int rc;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (len == 0) {
		snprintf(err, errlen, "%s: empty file", name);
		return -EINVAL;
	}
	if (len > XCCDF_MAX_SIZE) {
		snprintf(err, errlen, "%s: %zu bytes is over the limit of %u bytes (XCCDF_MAX_SIZE)", name,
			 len, XCCDF_MAX_SIZE);
		return -E2BIG;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	r->name = name;
	r->out = out;
	r->err = err;
	r->errlen = errlen;
	r->tr = -1;
	r->asset = -1;

	xmlInitParser();
	r->ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
	if (r->ctxt == NULL) {
		free(r);
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_characters;
	sax.cdataBlock = on_characters;
	sax.internalSubset = on_internal_subset;
	sax.externalSubset = on_external_subset;
	sax.entityDecl = on_entity_decl;
	sax.unparsedEntityDecl = on_unparsed_entity_decl;
	sax.getEntity = on_get_entity;
	sax.getParameterEntity = on_get_entity;
	sax.serror = on_xml_error;
	*r->ctxt->sax = sax;
	r->ctxt->_private = r;
	/* NONET: never fetch. Not NOENT (no substitution), not DTDLOAD/DTDATTR/
	 * DTDVALID (no DTD is read), not HUGE (keep libxml2's own limits). */
	xmlCtxtUseOptions(r->ctxt, XML_PARSE_NONET);

	/* Some complaints (character encoding, I/O) reach libxml2's global
	 * handler, which prints to stderr: route them here for the parse. The
	 * handler is per thread and put back as it was. */
	xmlStructuredErrorFunc saved_fn = xmlStructuredError;
	void *saved_ctx = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(r->ctxt, on_xml_error);
	xmlParseDocument(r->ctxt);
	xmlSetStructuredErrorFunc(saved_ctx, saved_fn);
	rc = r->rc;
	if (rc == 0 && !r->ctxt->wellFormed) {
		if (r->xml_msg[0])
			fail_at(r, r->xml_line, -EINVAL, "not well-formed XML: %s", r->xml_msg);
		else
			fail_at(r, 0, -EINVAL, "not well-formed XML");
		rc = r->rc;
	}
	if (rc == 0)
		rc = finish(r);
	if (r->ctxt->myDoc)             /* never built by these handlers; freed if it were */
		xmlFreeDoc(r->ctxt->myDoc);
	xmlFreeParserCtxt(r->ctxt);
	free(r->tr_report);
	free(r->assets);
	free(r->rels);
	free(r);
	if (rc < 0)
		scan_report_free(out);
	return rc;
}
