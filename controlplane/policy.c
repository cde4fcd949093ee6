/* policy.c — the decision: ordered rules over device facts (see policy.h). */
#include "policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- names ---------------------------------------------------------- */

static const char *const state_names[] = { "unknown", "quarantined", "admitted", "blocked" };
static const char *const auth_names[] = { "none", "dot1x", "dot1x-failed", "mab", "mab-failed" };
static const char *const account_names[] = { "unknown", "enabled", "disabled" };
static const char *const posture_names[] = { "unknown", "compliant", "noncompliant", "stale" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int name_index(const char *const *names, size_t n, const char *s)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *verdict_state_name(int state)
{
	return state >= 0 && (size_t)state < NELEM(state_names) ? state_names[state] : "invalid";
}

int verdict_parse(const char *s)
{
	static const struct { const char *name; int state; } words[] = {
		{ "admit", VERDICT_ADMIT }, { "admitted", VERDICT_ADMIT },
		{ "quarantine", VERDICT_QUARANTINE }, { "quarantined", VERDICT_QUARANTINE },
		{ "block", VERDICT_BLOCK }, { "blocked", VERDICT_BLOCK },
	};
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < NELEM(words); i++)
		if (strcasecmp(words[i].name, s) == 0)
			return words[i].state;
	return -1;
}

const char *auth_result_name(int a)
{
	return a >= 0 && (size_t)a < NELEM(auth_names) ? auth_names[a] : "invalid";
}

int auth_result_parse(const char *s)
{
	return name_index(auth_names, NELEM(auth_names), s);
}

const char *account_state_name(int a)
{
	return a >= 0 && (size_t)a < NELEM(account_names) ? account_names[a] : "invalid";
}

int account_state_parse(const char *s)
{
	return name_index(account_names, NELEM(account_names), s);
}

const char *posture_status_name(int p)
{
	return p >= 0 && (size_t)p < NELEM(posture_names) ? posture_names[p] : "invalid";
}

int posture_status_parse(const char *s)
{
	return name_index(posture_names, NELEM(posture_names), s);
}

/* ---- bounded string building ------------------------------------------ */

struct sbuf {
	char  *p;
	size_t len, cap;
};

static void sb_init(struct sbuf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	if (cap)
		p[0] = '\0';
}

/* Truncates silently: explanations are for people, a cut one is still useful. */
__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	if (b->cap == 0 || b->len >= b->cap - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n;
	if (b->len >= b->cap)
		b->len = b->cap - 1;
}

static void sb_sep(struct sbuf *b)
{
	if (b->len)
		sb_printf(b, "; ");
}

static void fmt_date(int64_t t, char *out, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, len, "never");
		return;
	}
	strftime(out, len, "%Y-%m-%d", &tm);
}

static void fmt_time(int64_t t, char *out, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, len, "never");
		return;
	}
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- facts ---------------------------------------------------------- */

enum posture_status policy_posture(const struct policy *p, const struct device_facts *f)
{
	enum posture_status s = f->posture < POSTURE__MAX ? f->posture : POSTURE_UNKNOWN;
	if ((s == POSTURE_COMPLIANT || s == POSTURE_NONCOMPLIANT) && p->posture_max_age > 0 &&
	    f->posture_scanned + p->posture_max_age <= f->now)
		return POSTURE_STALE;
	return s;
}

static bool override_active(const struct device_facts *f)
{
	return f->override.active && (f->override.expires == 0 || f->override.expires > f->now);
}

static void failed_list(const struct device_facts *f, char *out, size_t len)
{
	struct sbuf b;
	sb_init(&b, out, len);
	for (unsigned i = 0; i < f->nfailed && i < FACT_MAX_FAILED; i++)
		sb_printf(&b, "%s%s", i ? ", " : "", f->failed[i]);
	if (b.len == 0)
		sb_printf(&b, "none");
}

static void groups_list(const struct device_facts *f, char *out, size_t len)
{
	struct sbuf b;
	sb_init(&b, out, len);
	for (unsigned i = 0; i < f->ngroups && i < FACT_MAX_GROUPS; i++)
		sb_printf(&b, "%s%s", i ? ", " : "", f->groups[i]);
	if (b.len == 0)
		sb_printf(&b, "none");
}

/* ---- conditions ------------------------------------------------------- */

static int cmp_mac(const void *a, const void *b)
{
	return memcmp(a, b, 6);
}

static int cmp_oui(const void *a, const void *b)
{
	return memcmp(a, b, 3);
}

static const char *pattern_match(const struct pattern_list *l, const char *value)
{
	for (unsigned i = 0; i < l->n; i++)
		if (fnmatch(l->v[i], value, FNM_CASEFOLD) == 0)
			return l->v[i];
	return NULL;
}

/* One text condition: absent conditions hold; an empty fact never matches. */
static bool match_text(const struct pattern_list *l, const char *what, const char *value,
		       struct sbuf *why)
{
	if (l->n == 0)
		return true;
	if (value[0] == '\0')
		return false;
	const char *pat = pattern_match(l, value);
	if (pat == NULL)
		return false;
	sb_sep(why);
	sb_printf(why, "%s '%s' matches '%s'", what, value, pat);
	return true;
}

bool policy_rule_matches(const struct policy *p, const struct policy_rule *r,
			 const struct device_facts *f, char *whybuf, size_t whylen)
{
	const struct policy_match *m = &r->match;
	char scratch[8];
	struct sbuf why;
	if (whybuf == NULL) {
		/* Still build the text somewhere bounded; it is cheap. */
		whybuf = scratch;
		whylen = sizeof(scratch);
	}
	sb_init(&why, whybuf, whylen);

	if (m->override >= 0) {
		bool on = override_active(f);
		if (on != (m->override == 1))
			return false;
		sb_sep(&why);
		sb_printf(&why, on ? "an admin override is active" : "no admin override");
	}
	if (m->nmacs) {
		if (bsearch(f->mac, m->macs, m->nmacs, 6, cmp_mac) == NULL)
			return false;
		sb_sep(&why);
		sb_printf(&why, "MAC %02x:%02x:%02x:%02x:%02x:%02x is on the rule's list",
			  f->mac[0], f->mac[1], f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
	}
	if (m->nouis) {
		if (bsearch(f->mac, m->ouis, m->nouis, 3, cmp_oui) == NULL)
			return false;
		sb_sep(&why);
		sb_printf(&why, "OUI %02x:%02x:%02x is on the rule's list", f->mac[0], f->mac[1], f->mac[2]);
	}
	if (!match_text(&m->hostname, "hostname", f->hostname, &why) ||
	    !match_text(&m->vendor_class, "vendor class", f->vendor_class, &why) ||
	    !match_text(&m->fingerprint, "DHCP fingerprint", f->fingerprint, &why))
		return false;
	if (m->auth_mask) {
		unsigned a = f->auth < AUTH__MAX ? f->auth : AUTH_NONE;
		if (!(m->auth_mask & (1u << a)))
			return false;
		sb_sep(&why);
		sb_printf(&why, "authentication %s", auth_result_name((int)a));
	}
	if (!match_text(&m->identity, "identity", f->identity, &why))
		return false;
	if (m->groups.n) {
		const char *pat = NULL;
		unsigned i;
		for (i = 0; i < f->ngroups && i < FACT_MAX_GROUPS && pat == NULL; i++)
			pat = pattern_match(&m->groups, f->groups[i]);
		if (pat == NULL)
			return false;
		sb_sep(&why);
		sb_printf(&why, "AD group '%s' matches '%s'", f->groups[i - 1], pat);
	}
	if (m->account_mask) {
		unsigned a = f->account < ACCOUNT__MAX ? f->account : ACCOUNT_UNKNOWN;
		if (!(m->account_mask & (1u << a)))
			return false;
		sb_sep(&why);
		sb_printf(&why, "AD account %s", account_state_name((int)a));
	}
	if (m->posture_mask) {
		enum posture_status ps = policy_posture(p, f);
		if (!(m->posture_mask & (1u << ps)))
			return false;
		char date[16], items[256];
		fmt_date(f->posture_scanned, date, sizeof(date));
		sb_sep(&why);
		if (ps == POSTURE_NONCOMPLIANT) {
			failed_list(f, items, sizeof(items));
			sb_printf(&why, "posture noncompliant (failing: %s; scan %s)", items, date);
		} else if (ps == POSTURE_UNKNOWN) {
			sb_printf(&why, "posture unknown (never scanned)");
		} else {
			sb_printf(&why, "posture %s (scan %s)", posture_status_name(ps), date);
		}
	}
	if (m->failed.n) {
		const char *pat = NULL;
		unsigned i;
		for (i = 0; i < f->nfailed && i < FACT_MAX_FAILED && pat == NULL; i++)
			pat = pattern_match(&m->failed, f->failed[i]);
		if (pat == NULL)
			return false;
		sb_sep(&why);
		sb_printf(&why, "failing GCB item '%s' matches '%s'", f->failed[i - 1], pat);
	}
	if (why.len == 0)
		sb_printf(&why, "the rule matches every device");
	return true;
}

/* ---- reason templates ------------------------------------------------- */

static const char *const placeholders[] = {
	"mac", "oui", "ip", "hostname", "vendor_class", "fingerprint", "identity", "auth",
	"groups", "account", "posture", "failed", "scan", "rule", "role",
};

int policy_template_check(const char *tmpl, char *err, size_t errlen)
{
	for (const char *s = tmpl; *s; s++) {
		if (*s == '}') {
			snprintf(err, errlen, "'}' without '{'");
			return -EINVAL;
		}
		if (*s != '{')
			continue;
		const char *end = strchr(s, '}');
		if (end == NULL) {
			snprintf(err, errlen, "'{' without '}'");
			return -EINVAL;
		}
		size_t n = (size_t)(end - s - 1);
		bool known = false;
		for (size_t i = 0; i < NELEM(placeholders) && !known; i++)
			known = strlen(placeholders[i]) == n && strncmp(placeholders[i], s + 1, n) == 0;
		if (!known) {
			snprintf(err, errlen, "unknown placeholder '{%.*s}' (known: mac, oui, ip, hostname, "
				 "vendor_class, fingerprint, identity, auth, groups, account, posture, failed, "
				 "scan, rule, role)", (int)(n > 32 ? 32 : n), s + 1);
			return -EINVAL;
		}
		s = end;
	}
	return 0;
}

static void expand(const struct policy *p, const char *tmpl, const struct device_facts *f,
		   const struct verdict *v, char *out, size_t outlen)
{
	struct sbuf b;
	char tmp[256];
	sb_init(&b, out, outlen);
	for (const char *s = tmpl; *s; s++) {
		const char *end;
		if (*s != '{' || (end = strchr(s, '}')) == NULL) {
			sb_printf(&b, "%c", *s);
			continue;
		}
		size_t n = (size_t)(end - s - 1);
		const char *name = s + 1;
#define IS(k) (n == strlen(k) && strncmp(name, k, n) == 0)
		if (IS("mac"))
			sb_printf(&b, "%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0], f->mac[1], f->mac[2],
				  f->mac[3], f->mac[4], f->mac[5]);
		else if (IS("oui"))
			sb_printf(&b, "%02x:%02x:%02x", f->mac[0], f->mac[1], f->mac[2]);
		else if (IS("ip"))
			sb_printf(&b, "%u.%u.%u.%u", f->ipv4 >> 24, (f->ipv4 >> 16) & 255,
				  (f->ipv4 >> 8) & 255, f->ipv4 & 255);
		else if (IS("hostname"))
			sb_printf(&b, "%s", f->hostname);
		else if (IS("vendor_class"))
			sb_printf(&b, "%s", f->vendor_class);
		else if (IS("fingerprint"))
			sb_printf(&b, "%s", f->fingerprint);
		else if (IS("identity"))
			sb_printf(&b, "%s", f->identity);
		else if (IS("auth"))
			sb_printf(&b, "%s", auth_result_name(f->auth));
		else if (IS("groups")) {
			groups_list(f, tmp, sizeof(tmp));
			sb_printf(&b, "%s", tmp);
		} else if (IS("account"))
			sb_printf(&b, "%s", account_state_name(f->account));
		else if (IS("posture"))
			sb_printf(&b, "%s", posture_status_name(policy_posture(p, f)));
		else if (IS("failed")) {
			failed_list(f, tmp, sizeof(tmp));
			sb_printf(&b, "%s", tmp);
		} else if (IS("scan")) {
			fmt_date(f->posture_scanned, tmp, sizeof(tmp));
			sb_printf(&b, "%s", tmp);
		} else if (IS("rule"))
			sb_printf(&b, "%s", v->rule);
		else if (IS("role"))
			sb_printf(&b, "%s", v->role);
		else
			sb_printf(&b, "%.*s", (int)(n + 2), s);  /* checked at load; keep as is */
#undef IS
		s = end;
	}
}

/* ---- evaluation ------------------------------------------------------- */

static int64_t earliest(int64_t a, int64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

void policy_evaluate(const struct policy *p, const struct device_facts *f, struct verdict *v)
{
	memset(v, 0, sizeof(*v));

	/* A recorded posture result becomes stale at a known time, and any rule
	 * may depend on it: recompute then. */
	int64_t posture_expiry = 0;
	if (p->posture_max_age > 0 && policy_posture(p, f) != POSTURE_STALE &&
	    (f->posture == POSTURE_COMPLIANT || f->posture == POSTURE_NONCOMPLIANT))
		posture_expiry = f->posture_scanned + p->posture_max_age;

	if (override_active(f)) {
		char until[32];
		const struct override_fact *o = &f->override;
		v->state = o->state;
		v->role_id = o->role_id;
		snprintf(v->role, sizeof(v->role), "%s", o->role);
		v->rule_index = VERDICT_RULE_OVERRIDE;
		snprintf(v->rule, sizeof(v->rule), "override");
		snprintf(v->reason, sizeof(v->reason), "%s", o->reason[0] ? o->reason : "admin override");
		fmt_time(o->expires, until, sizeof(until));
		snprintf(v->why, sizeof(v->why), "admin override by %s (uid %u), expires %s",
			 o->user[0] ? o->user : "?", o->uid, o->expires ? until : "never");
		v->expires = o->expires;
		return;
	}

	for (unsigned i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (!policy_rule_matches(p, r, f, v->why, sizeof(v->why)))
			continue;
		/* Follow the server only to a role this appliance defines; without
		 * one the next rule decides (a fallback role, or quarantine). */
		if (r->role_from_radius && !f->radius_role_set)
			continue;
		v->state = r->state;
		v->role_id = r->role_from_radius ? f->radius_role_id : r->role_id;
		snprintf(v->role, sizeof(v->role), "%s", r->role_from_radius ? f->radius_role : r->role);
		v->rule_index = (int)i;
		snprintf(v->rule, sizeof(v->rule), "%s", r->name);
		if (r->reason[0])
			expand(p, r->reason, f, v, v->reason, sizeof(v->reason));
		else
			snprintf(v->reason, sizeof(v->reason), "%.*s", (int)sizeof(v->reason) - 1, v->why);
		v->expires = earliest(0, posture_expiry);
		return;
	}

	v->state = VERDICT_QUARANTINE;
	v->role_id = 0;
	v->role[0] = '\0';
	v->rule_index = VERDICT_RULE_DEFAULT;
	snprintf(v->rule, sizeof(v->rule), "default");
	snprintf(v->reason, sizeof(v->reason), "no policy rule matched");
	snprintf(v->why, sizeof(v->why), "none of the %u policy rules matched; the default is quarantine",
		 p->nrules);
	v->expires = posture_expiry;
}

void verdict_summary(const struct verdict *v, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s: %s", verdict_state_name(v->state), v->reason);
}

/* ---- memory ----------------------------------------------------------- */

static void pattern_list_free(struct pattern_list *l)
{
	for (unsigned i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void policy_match_free(struct policy_match *m)
{
	free(m->macs);
	free(m->ouis);
	pattern_list_free(&m->hostname);
	pattern_list_free(&m->vendor_class);
	pattern_list_free(&m->fingerprint);
	pattern_list_free(&m->identity);
	pattern_list_free(&m->groups);
	pattern_list_free(&m->failed);
	memset(m, 0, sizeof(*m));
	m->override = -1;
}

void policy_free(struct policy *p)
{
	for (unsigned i = 0; i < p->nrules; i++)
		policy_match_free(&p->rules[i].match);
	free(p->rules);
	p->rules = NULL;
	p->nrules = 0;
}
