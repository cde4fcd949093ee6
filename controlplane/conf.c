/* conf.c — read, validate and compile menjind's configuration (see conf.h). */
#include "conf.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "auth_conf.h"
#include "central_conf.h"
#include "cfgload.h"
#include "posture_conf.h"
#include "adsync.h"
#include "fpmsg.h"
#include "log.h"
#include "mac.h"

struct loader {
	const char *file;      /* for messages */
	char       *err;
	size_t      errlen;
	struct conf *c;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	struct cfg_loader cl = { .file = ld->file, .err = ld->err, .errlen = ld->errlen };
	va_list ap;
	va_start(ap, fmt);
	int rc = cfg_vfail(&cl, s, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT: case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "nothing";
	}
}

/* Refuse settings we do not know: a misspelt one would silently not apply. */
static int check_members(struct loader *ld, const config_setting_t *g, const char *what,
			 const char *const *known)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		bool ok = false;
		for (size_t k = 0; known[k] && !ok; k++)
			ok = strcmp(known[k], name) == 0;
		if (!ok)
			return fail(ld, m, "%s: unknown setting '%s'", what, name);
	}
	return 0;
}

static int get_string(struct loader *ld, const config_setting_t *g, const char *name,
		      const char *what, char *out, size_t outlen, const char *dflt)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	if (s == NULL) {
		if (dflt == NULL)
			return fail(ld, g, "%s: missing setting '%s'", what, name);
		snprintf(out, outlen, "%s", dflt);
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(ld, s, "%s.%s: must be a string, not %s", what, name,
			    type_name(config_setting_type(s)));
	const char *v = config_setting_get_string(s);
	if (strlen(v) >= outlen)
		return fail(ld, s, "%s.%s: longer than %zu characters", what, name, outlen - 1);
	snprintf(out, outlen, "%s", v);
	return 0;
}

static int get_int(struct loader *ld, const config_setting_t *g, const char *name, const char *what,
		   long long *out, long long dflt, long long min, long long max)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	if (s == NULL) {
		*out = dflt;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(ld, s, "%s.%s: must be an integer, not %s", what, name,
			    type_name(config_setting_type(s)));
	long long v = config_setting_get_int64(s);
	if (v < min || v > max)
		return fail(ld, s, "%s.%s: %lld is outside %lld..%lld", what, name, v, min, max);
	*out = v;
	return 0;
}

/* A setting that may be one string or an array/list of strings. Calls fn
 * for each; fn returns 0 or a negative errno after calling fail(). */
typedef int (*string_fn)(struct loader *ld, const config_setting_t *s, const char *v, void *ctx);

static int for_strings(struct loader *ld, const config_setting_t *s, const char *what, unsigned max,
		       string_fn fn, void *ctx)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return fn(ld, s, config_setting_get_string(s), ctx);
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST)
		return fail(ld, s, "%s: must be a string or a list of strings, not %s", what,
			    type_name(config_setting_type(s)));
	int n = config_setting_length(s);
	if ((unsigned)n > max)
		return fail(ld, s, "%s: %d values, at most %u", what, n, max);
	if (n == 0)
		return fail(ld, s, "%s: empty list (leave the setting out instead)", what);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(ld, e, "%s: element %d must be a string", what, i + 1);
		int rc = fn(ld, e, config_setting_get_string(e), ctx);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- menjind {} ------------------------------------------------------- */

static int load_daemon(struct loader *ld, config_t *cfg)
{
	static const char *const known[] = {
		"store", "api_socket", "admin_group", "operator_group", "syslog_facility", "sd_id",
		"event_log", "syslog_socket", "log_level", "seen_interval", "events_keep",
		"posture_max_age_days", "override_max_days", NULL,
	};
	struct conf *c = ld->c;
	const config_setting_t *g = config_lookup(cfg, "menjind");
	long long v;
	int rc;

	if (g && config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(ld, g, "menjind: must be a group { ... }");
	if (g && (rc = check_members(ld, g, "menjind", known)) < 0)
		return rc;
	if ((rc = get_string(ld, g, "store", "menjind", c->store, sizeof(c->store), CONF_DEFAULT_STORE)) < 0 ||
	    (rc = get_string(ld, g, "api_socket", "menjind", c->api_socket, sizeof(c->api_socket),
			     CONF_DEFAULT_API_SOCKET)) < 0 ||
	    (rc = get_string(ld, g, "admin_group", "menjind", c->admin_group, sizeof(c->admin_group),
			     CONF_DEFAULT_ADMIN_GROUP)) < 0 ||
	    (rc = get_string(ld, g, "operator_group", "menjind", c->operator_group,
			     sizeof(c->operator_group), CONF_DEFAULT_OPERATOR_GROUP)) < 0 ||
	    (rc = get_string(ld, g, "syslog_facility", "menjind", c->syslog_facility_name,
			     sizeof(c->syslog_facility_name), "local0")) < 0 ||
	    (rc = get_string(ld, g, "sd_id", "menjind", c->sd_id, sizeof(c->sd_id), CONF_DEFAULT_SD_ID)) < 0 ||
	    (rc = get_string(ld, g, "event_log", "menjind", c->event_log, sizeof(c->event_log), "-")) < 0 ||
	    (rc = get_string(ld, g, "syslog_socket", "menjind", c->syslog_socket,
			     sizeof(c->syslog_socket), CONF_DEFAULT_SYSLOG_SOCKET)) < 0)
		return rc;
	/* Unset, the event log lives beside the store (so a lab or test that
	 * moves the store moves the log too); "" disables it. */
	if (strcmp(c->event_log, "-") == 0) {
		const char *slash = strrchr(c->store, '/');
		int dirlen = slash ? (int)(slash - c->store) : 1;
		snprintf(c->event_log, sizeof(c->event_log), "%.*s/events.log",
			 dirlen < (int)sizeof(c->event_log) - 12 ? dirlen : (int)sizeof(c->event_log) - 12,
			 slash ? c->store : ".");
	}
	if (c->store[0] == '\0')
		return fail(ld, config_setting_get_member(g, "store"), "menjind.store: must not be empty");
	if (c->api_socket[0] == '\0')
		return fail(ld, config_setting_get_member(g, "api_socket"), "menjind.api_socket: must not be empty");
	c->syslog_facility = log_facility_parse(c->syslog_facility_name);
	if (c->syslog_facility < 0)
		return fail(ld, config_setting_get_member(g, "syslog_facility"),
			    "menjind.syslog_facility: unknown facility '%s' (daemon, auth, user, local0..local7)",
			    c->syslog_facility_name);
	/* RFC 5424 6.3.2: SD-NAME is 1..32 printable ASCII without '=', ' ', ']', '"';
	 * an enterprise SD-ID has the form name@number. */
	for (const char *p = c->sd_id; *p; p++)
		if (*p <= 32 || *p >= 127 || *p == '=' || *p == ']' || *p == '"')
			return fail(ld, config_setting_get_member(g, "sd_id"),
				    "menjind.sd_id: '%s' is not an RFC 5424 SD-ID", c->sd_id);
	if (c->sd_id[0] == '\0' || strchr(c->sd_id, '@') == NULL)
		return fail(ld, config_setting_get_member(g, "sd_id"),
			    "menjind.sd_id: '%s' must be name@enterprise-number", c->sd_id);

	char level[16];
	if ((rc = get_string(ld, g, "log_level", "menjind", level, sizeof(level), "info")) < 0)
		return rc;
	static const char *const levels[] = { "error", "warning", "info", "debug" };
	c->log_level = -1;
	for (int i = 0; i < 4; i++)
		if (strcasecmp(level, levels[i]) == 0)
			c->log_level = i;
	if (c->log_level < 0)
		return fail(ld, config_setting_get_member(g, "log_level"),
			    "menjind.log_level: '%s' is not error, warning, info or debug", level);

	if ((rc = get_int(ld, g, "seen_interval", "menjind", &v, 60, 1, 86400)) < 0)
		return rc;
	c->seen_interval = (int)v;
	if ((rc = get_int(ld, g, "events_keep", "menjind", &v, 100000, 1000, 10000000)) < 0)
		return rc;
	c->events_keep = (unsigned)v;
	if ((rc = get_int(ld, g, "posture_max_age_days", "menjind", &v, 30, 0, 3650)) < 0)
		return rc;
	c->policy.posture_max_age = v * 86400;
	if ((rc = get_int(ld, g, "override_max_days", "menjind", &v, 0, 0, 3650)) < 0)
		return rc;
	c->override_max_duration = v * 86400;
	return 0;
}

/* ---- fastpath {} and quarantine {} (read only what menjind needs) ----- */

static int load_fastpath(struct loader *ld, config_t *cfg)
{
	struct conf *c = ld->c;
	const config_setting_t *g = config_lookup(cfg, "fastpath");
	int rc;
	if ((rc = get_string(ld, g, "socket", "fastpath", c->fp_socket, sizeof(c->fp_socket),
			     FPMSG_DEFAULT_SOCKET)) < 0)
		return rc;
	if (c->fp_socket[0] == '\0')
		return fail(ld, g, "fastpath.socket: must not be empty");
	if ((rc = get_string(ld, g, "unknown_action", "fastpath", c->unknown_action,
			     sizeof(c->unknown_action), "quarantine")) < 0)
		return rc;
	if ((rc = get_string(ld, g, "capture_dir", "fastpath", c->capture_dir, sizeof(c->capture_dir),
			     CONF_DEFAULT_CAPTURE_DIR)) < 0)
		return rc;

	const config_setting_t *q = config_lookup(cfg, "quarantine");
	if (q == NULL)
		return 0;
	const config_setting_t *r = config_setting_get_member(q, "resolvers");
	for (int i = 0; r && i < config_setting_length(r) && c->nresolvers < CONF_MAX_RESOLVERS; i++) {
		const char *s = config_setting_get_string_elem(r, (unsigned)i);
		if (s)
			snprintf(c->resolvers[c->nresolvers++], sizeof(c->resolvers[0]), "%s", s);
	}
	const config_setting_t *rem = config_setting_get_member(q, "remediation");
	for (int i = 0; rem && i < config_setting_length(rem) && c->nremediation < CONF_MAX_REMEDIATION; i++) {
		const config_setting_t *e = config_setting_get_elem(rem, (unsigned)i);
		const char *addr = NULL;
		if (config_setting_type(e) == CONFIG_TYPE_STRING)
			addr = config_setting_get_string(e);
		else if (config_setting_lookup_string(e, "address", &addr) != CONFIG_TRUE)
			continue;
		char ports[64] = "";
		const config_setting_t *p = config_setting_get_member(e, "ports");
		size_t off = 0;
		for (int k = 0; p && k < config_setting_length(p) && off < sizeof(ports) - 8; k++)
			off += (size_t)snprintf(ports + off, sizeof(ports) - off, "%s%d", k ? "," : "",
						config_setting_get_int_elem(p, (unsigned)k));
		snprintf(c->remediation[c->nremediation++], sizeof(c->remediation[0]), "%s%s%s", addr,
			 ports[0] ? " ports " : "", ports);
	}
	return 0;
}

/* ---- roles () --------------------------------------------------------- */

static int load_role_rule(struct loader *ld, struct role *r, const config_setting_t *rs, unsigned idx)
{
	static const char *const known[] = { "action", "proto", "to", "ports", NULL };
	char what[96], action[16], proto[16], to[64], portstr[128];
	struct fpmsg_rule base;
	int rc;

	snprintf(what, sizeof(what), "role '%s' rule %u", r->name, idx + 1);
	if (config_setting_type(rs) != CONFIG_TYPE_GROUP)
		return fail(ld, rs, "%s: must be a group { action = ...; }", what);
	if ((rc = check_members(ld, rs, what, known)) < 0)
		return rc;
	memset(&base, 0, sizeof(base));
	/* Rule ids name the configured rule for the fast path's counters. */
	base.id = ((uint32_t)r->id << 16) | (idx + 1);
	if ((rc = get_string(ld, rs, "action", what, action, sizeof(action), NULL)) < 0)
		return rc;
	if (strcmp(action, "permit") == 0)
		base.action = FP_ACL_PERMIT;
	else if (strcmp(action, "deny") == 0)
		base.action = FP_ACL_DENY;
	else
		return fail(ld, config_setting_get_member(rs, "action"), "%s: action '%s' is not permit or deny",
			    what, action);
	if ((rc = get_string(ld, rs, "proto", what, proto, sizeof(proto), "any")) < 0)
		return rc;
	if (role_parse_proto(proto, &base.proto) < 0)
		return fail(ld, config_setting_get_member(rs, "proto"),
			    "%s: proto '%s' is not tcp, udp, icmp, icmpv6, any or 0..255", what, proto);
	if ((rc = get_string(ld, rs, "to", what, to, sizeof(to), "any")) < 0)
		return rc;
	if (role_parse_prefix(to, &base) < 0)
		return fail(ld, config_setting_get_member(rs, "to"),
			    "%s: to '%s' is not 'any', an address or a prefix without host bits", what, to);
	if ((base.proto == IPPROTO_ICMP && base.family == 6) ||
	    (base.proto == IPPROTO_ICMPV6 && base.family == 4))
		return fail(ld, rs, "%s: proto %s does not fit address %s", what, proto, to);

	uint16_t lo[ROLE_MAX_PORT_RANGES] = { 0 }, hi[ROLE_MAX_PORT_RANGES] = { 65535 };
	unsigned nranges = 1;
	const config_setting_t *ps = config_setting_get_member(rs, "ports");
	if (ps) {
		if (base.proto != IPPROTO_TCP && base.proto != IPPROTO_UDP)
			return fail(ld, ps, "%s: ports need proto tcp or udp", what);
		if (config_setting_type(ps) == CONFIG_TYPE_INT) {
			snprintf(portstr, sizeof(portstr), "%d", config_setting_get_int(ps));
		} else if (config_setting_type(ps) == CONFIG_TYPE_STRING) {
			if (strlen(config_setting_get_string(ps)) >= sizeof(portstr))
				return fail(ld, ps, "%s: ports too long", what);
			snprintf(portstr, sizeof(portstr), "%s", config_setting_get_string(ps));
		} else {
			return fail(ld, ps, "%s: ports must be a number or a string like \"80,443,8000-8080\"", what);
		}
		rc = role_parse_ports(portstr, lo, hi, ROLE_MAX_PORT_RANGES, &nranges);
		if (rc == -E2BIG)
			return fail(ld, ps, "%s: more than %d port ranges", what, ROLE_MAX_PORT_RANGES);
		if (rc < 0)
			return fail(ld, ps, "%s: ports '%s' is not like \"80,443,8000-8080\" (0..65535, low-high)",
				    what, portstr);
	}
	if (r->nentries + nranges > ROLE_MAX_ENTRIES)
		return fail(ld, rs, "role '%s': more than %d compiled entries (one per port range)", r->name,
			    ROLE_MAX_ENTRIES);
	for (unsigned i = 0; i < nranges; i++) {
		struct fpmsg_rule *e = &r->entries[r->nentries++];
		*e = base;
		e->port_lo = lo[i];
		e->port_hi = hi[i];
	}
	return 0;
}

static int load_roles(struct loader *ld, config_t *cfg)
{
	static const char *const known[] = { "name", "id", "default", "rules", NULL };
	struct conf *c = ld->c;
	const config_setting_t *list = config_lookup(cfg, "roles");
	int rc;

	if (list == NULL)
		return 0;
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return fail(ld, list, "roles: must be a list ( { name = ...; }, ... )");
	int n = config_setting_length(list);
	if (n > ROLES_MAX)
		return fail(ld, list, "roles: %d roles, at most %d", n, ROLES_MAX);
	c->roles = calloc((size_t)n + 1, sizeof(*c->roles));
	if (c->roles == NULL)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *rs = config_setting_get_elem(list, (unsigned)i);
		struct role *r = &c->roles[c->nroles];
		char what[64], dflt[16];
		long long id;

		snprintf(what, sizeof(what), "roles entry %d", i + 1);
		if (config_setting_type(rs) != CONFIG_TYPE_GROUP)
			return fail(ld, rs, "%s: must be a group { name = ...; }", what);
		if ((rc = get_string(ld, rs, "name", what, r->name, sizeof(r->name), NULL)) < 0)
			return rc;
		snprintf(what, sizeof(what), "role '%s'", r->name);
		if ((rc = check_members(ld, rs, what, known)) < 0)
			return rc;
		r->line = (int)config_setting_source_line(rs);
		if (r->name[0] == '\0' || strcmp(r->name, ROLE_UNRESTRICTED) == 0 ||
		    strcmp(r->name, POLICY_ROLE_RADIUS) == 0)
			return fail(ld, rs, "%s: the name is empty or reserved", what);
		if (!config_setting_get_member(rs, "id"))
			return fail(ld, rs, "%s: missing setting 'id' (1..%d)", what, ROLE_ID_MAX);
		if ((rc = get_int(ld, rs, "id", what, &id, 0, 1, ROLE_ID_MAX)) < 0)
			return rc;
		r->id = (uint16_t)id;
		for (unsigned k = 0; k < c->nroles; k++) {
			if (strcmp(c->roles[k].name, r->name) == 0)
				return fail(ld, rs, "%s: defined twice (first at line %d)", what, c->roles[k].line);
			if (c->roles[k].id == r->id)
				return fail(ld, config_setting_get_member(rs, "id"),
					    "%s: id %u already used by role '%s'", what, r->id, c->roles[k].name);
		}
		if ((rc = get_string(ld, rs, "default", what, dflt, sizeof(dflt), "deny")) < 0)
			return rc;
		if (strcmp(dflt, "permit") == 0)
			r->default_action = FP_ACL_PERMIT;
		else if (strcmp(dflt, "deny") == 0)
			r->default_action = FP_ACL_DENY;
		else
			return fail(ld, config_setting_get_member(rs, "default"),
				    "%s: default '%s' is not permit or deny", what, dflt);
		c->nroles++;

		const config_setting_t *rules = config_setting_get_member(rs, "rules");
		if (rules == NULL)
			continue;
		if (config_setting_type(rules) != CONFIG_TYPE_LIST)
			return fail(ld, rules, "%s: rules must be a list ( { action = ...; }, ... )", what);
		int nr = config_setting_length(rules);
		if (nr > ROLE_MAX_RULES)
			return fail(ld, rules, "%s: %d rules, at most %d", what, nr, ROLE_MAX_RULES);
		r->entries = calloc(ROLE_MAX_ENTRIES, sizeof(*r->entries));
		if (r->entries == NULL)
			return -ENOMEM;
		for (int k = 0; k < nr; k++)
			if ((rc = load_role_rule(ld, r, config_setting_get_elem(rules, (unsigned)k), (unsigned)k)) < 0)
				return rc;
	}
	return 0;
}

/* ---- policy () -------------------------------------------------------- */

struct list_ctx {
	const char *what;
	struct policy_match *m;
	struct pattern_list *pl;
	uint32_t *mask;
	int (*parse)(const char *);
};

static int add_mac(struct loader *ld, const config_setting_t *s, const char *v, void *ctx)
{
	struct list_ctx *lc = ctx;
	if (mac_parse(v, lc->m->macs[lc->m->nmacs]) < 0)
		return fail(ld, s, "%s: '%s' is not a MAC address like aa:bb:cc:dd:ee:ff", lc->what, v);
	lc->m->nmacs++;
	return 0;
}

static int add_oui(struct loader *ld, const config_setting_t *s, const char *v, void *ctx)
{
	struct list_ctx *lc = ctx;
	unsigned b[3];
	char tail;
	if (sscanf(v, "%2x%*[:-]%2x%*[:-]%2x%c", &b[0], &b[1], &b[2], &tail) != 3 || strlen(v) != 8)
		return fail(ld, s, "%s: '%s' is not an OUI like 00:1b:a9", lc->what, v);
	for (int i = 0; i < 3; i++)
		lc->m->ouis[lc->m->nouis][i] = (uint8_t)b[i];
	lc->m->nouis++;
	return 0;
}

static int add_pattern(struct loader *ld, const config_setting_t *s, const char *v, void *ctx)
{
	struct list_ctx *lc = ctx;
	if (v[0] == '\0' || strlen(v) > 255)
		return fail(ld, s, "%s: pattern must be 1..255 characters", lc->what);
	char *dup = strdup(v);
	if (dup == NULL)
		return -ENOMEM;
	lc->pl->v[lc->pl->n++] = dup;
	return 0;
}

static int add_mask(struct loader *ld, const config_setting_t *s, const char *v, void *ctx)
{
	struct list_ctx *lc = ctx;
	int x = lc->parse(v);
	if (x < 0)
		return fail(ld, s, "%s: unknown value '%s'", lc->what, v);
	*lc->mask |= 1u << x;
	return 0;
}

static int cmp6(const void *a, const void *b) { return memcmp(a, b, 6); }
static int cmp3(const void *a, const void *b) { return memcmp(a, b, 3); }

static int load_match(struct loader *ld, struct policy_rule *r, const config_setting_t *ms)
{
	static const char *const known[] = {
		"mac", "oui", "hostname", "vendor_class", "fingerprint", "auth", "identity", "ad_group",
		"account", "posture", "failed_item", "override", NULL,
	};
	struct policy_match *m = &r->match;
	char what[128];
	int rc;

	snprintf(what, sizeof(what), "policy rule '%s' match", r->name);
	if (config_setting_type(ms) != CONFIG_TYPE_GROUP)
		return fail(ld, ms, "%s: must be a group { ... } (an empty group matches every device)", what);
	if ((rc = check_members(ld, ms, what, known)) < 0)
		return rc;

	for (int i = 0; i < config_setting_length(ms); i++) {
		const config_setting_t *s = config_setting_get_elem(ms, (unsigned)i);
		const char *key = config_setting_name(s);
		char kwhat[160];
		struct list_ctx lc = { .what = kwhat, .m = m };
		snprintf(kwhat, sizeof(kwhat), "policy rule '%s' match.%s", r->name, key);

		if (strcmp(key, "override") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				return fail(ld, s, "%s: must be true or false", kwhat);
			m->override = (int8_t)config_setting_get_bool(s);
			continue;
		}
		if (strcmp(key, "mac") == 0) {
			m->macs = calloc(POLICY_MAX_LIST, 6);
			if (m->macs == NULL)
				return -ENOMEM;
			if ((rc = for_strings(ld, s, kwhat, POLICY_MAX_LIST, add_mac, &lc)) < 0)
				return rc;
			qsort(m->macs, m->nmacs, 6, cmp6);
			continue;
		}
		if (strcmp(key, "oui") == 0) {
			m->ouis = calloc(POLICY_MAX_LIST, 3);
			if (m->ouis == NULL)
				return -ENOMEM;
			if ((rc = for_strings(ld, s, kwhat, POLICY_MAX_LIST, add_oui, &lc)) < 0)
				return rc;
			qsort(m->ouis, m->nouis, 3, cmp3);
			continue;
		}
		if (strcmp(key, "auth") == 0 || strcmp(key, "account") == 0 || strcmp(key, "posture") == 0) {
			if (key[0] == 'a' && key[1] == 'u') {
				lc.mask = &m->auth_mask;
				lc.parse = auth_result_parse;
			} else if (key[0] == 'a') {
				lc.mask = &m->account_mask;
				lc.parse = account_state_parse;
			} else {
				lc.mask = &m->posture_mask;
				lc.parse = posture_status_parse;
			}
			if ((rc = for_strings(ld, s, kwhat, 8, add_mask, &lc)) < 0)
				return rc;
			continue;
		}
		if (strcmp(key, "hostname") == 0)
			lc.pl = &m->hostname;
		else if (strcmp(key, "vendor_class") == 0)
			lc.pl = &m->vendor_class;
		else if (strcmp(key, "fingerprint") == 0)
			lc.pl = &m->fingerprint;
		else if (strcmp(key, "identity") == 0)
			lc.pl = &m->identity;
		else if (strcmp(key, "ad_group") == 0)
			lc.pl = &m->groups;
		else
			lc.pl = &m->failed;
		lc.pl->v = calloc(POLICY_MAX_LIST, sizeof(char *));
		if (lc.pl->v == NULL)
			return -ENOMEM;
		if ((rc = for_strings(ld, s, kwhat, POLICY_MAX_LIST, add_pattern, &lc)) < 0)
			return rc;
	}
	return 0;
}

static int load_policy(struct loader *ld, config_t *cfg)
{
	static const char *const known[] = { "name", "match", "verdict", "role", "reason", NULL };
	struct conf *c = ld->c;
	const config_setting_t *list = config_lookup(cfg, "policy");
	int rc;

	if (list == NULL)
		return 0;   /* no rules: every device falls to the default, quarantine */
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return fail(ld, list, "policy: must be a list ( { name = ...; match = { ... }; ... }, ... )");
	int n = config_setting_length(list);
	if (n > POLICY_MAX_RULES)
		return fail(ld, list, "policy: %d rules, at most %d", n, POLICY_MAX_RULES);
	c->policy.rules = calloc((size_t)n + 1, sizeof(*c->policy.rules));
	if (c->policy.rules == NULL)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *rs = config_setting_get_elem(list, (unsigned)i);
		struct policy_rule *r = &c->policy.rules[c->policy.nrules];
		char what[96], verdict[16], tmplerr[256];

		r->match.override = -1;
		c->policy.nrules++;   /* counted now so policy_free() releases a half-loaded rule */
		snprintf(what, sizeof(what), "policy rule %d", i + 1);
		if (config_setting_type(rs) != CONFIG_TYPE_GROUP)
			return fail(ld, rs, "%s: must be a group { name = ...; }", what);
		if ((rc = get_string(ld, rs, "name", what, r->name, sizeof(r->name), NULL)) < 0)
			return rc;
		snprintf(what, sizeof(what), "policy rule '%s'", r->name);
		if ((rc = check_members(ld, rs, what, known)) < 0)
			return rc;
		r->line = (int)config_setting_source_line(rs);
		if (r->name[0] == '\0' || strcmp(r->name, "override") == 0 || strcmp(r->name, "default") == 0)
			return fail(ld, rs, "%s: the name is empty or reserved (override, default)", what);
		for (unsigned k = 0; k + 1 < c->policy.nrules; k++)
			if (strcmp(c->policy.rules[k].name, r->name) == 0)
				return fail(ld, rs, "%s: defined twice (first at line %d)", what,
					    c->policy.rules[k].line);

		const config_setting_t *ms = config_setting_get_member(rs, "match");
		if (ms == NULL)
			return fail(ld, rs, "%s: missing setting 'match' (use match = { } to match every device)",
				    what);
		if ((rc = load_match(ld, r, ms)) < 0)
			return rc;

		if ((rc = get_string(ld, rs, "verdict", what, verdict, sizeof(verdict), NULL)) < 0)
			return rc;
		int st = verdict_parse(verdict);
		if (st < 0)
			return fail(ld, config_setting_get_member(rs, "verdict"),
				    "%s: verdict '%s' is not admit, quarantine or block", what, verdict);
		r->state = (uint8_t)st;

		const config_setting_t *role_s = config_setting_get_member(rs, "role");
		if ((rc = get_string(ld, rs, "role", what, r->role, sizeof(r->role), "")) < 0)
			return rc;
		if (r->state == VERDICT_ADMIT) {
			if (r->role[0] == '\0')
				return fail(ld, rs, "%s: verdict admit needs a role (role = \"%s\" admits everything)",
					    what, ROLE_UNRESTRICTED);
			if (strcmp(r->role, ROLE_UNRESTRICTED) == 0) {
				r->role_id = 0;
			} else if (strcmp(r->role, POLICY_ROLE_RADIUS) == 0) {
				r->role_from_radius = true;   /* resolved per device (devices.c) */
				r->role_id = 0;
			} else {
				const struct role *role = conf_role_by_name(c, r->role);
				if (role == NULL)
					return fail(ld, role_s ? role_s : rs, "%s: unknown role '%s'", what, r->role);
				r->role_id = role->id;
			}
		} else if (r->role[0]) {
			return fail(ld, role_s ? role_s : rs, "%s: a role only applies to verdict admit", what);
		}

		if ((rc = get_string(ld, rs, "reason", what, r->reason, sizeof(r->reason), "")) < 0)
			return rc;
		if (policy_template_check(r->reason, tmplerr, sizeof(tmplerr)) < 0)
			return fail(ld, config_setting_get_member(rs, "reason"), "%s: reason: %s", what, tmplerr);
	}
	return 0;
}

/* ---- digests ---------------------------------------------------------- */

static void hex(const unsigned char *d, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void dg(EVP_MD_CTX *ctx, const void *p, size_t n)
{
	EVP_DigestUpdate(ctx, p, n);
}

static void dg_str(EVP_MD_CTX *ctx, const char *s)
{
	dg(ctx, s, strlen(s) + 1);
}

static void dg_patterns(EVP_MD_CTX *ctx, const struct pattern_list *l)
{
	dg(ctx, &l->n, sizeof(l->n));
	for (unsigned i = 0; i < l->n; i++)
		dg_str(ctx, l->v[i]);
}

/* What the fast path and the verdicts depend on; a change bumps the generation. */
static int rules_digest(struct conf *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < c->nroles; i++) {
		const struct role *r = &c->roles[i];
		dg_str(ctx, r->name);
		dg(ctx, &r->id, sizeof(r->id));
		dg(ctx, &r->default_action, sizeof(r->default_action));
		dg(ctx, &r->nentries, sizeof(r->nentries));
		for (unsigned k = 0; k < r->nentries; k++) {
			const struct fpmsg_rule *e = &r->entries[k];
			dg(ctx, &e->id, sizeof(e->id));
			dg(ctx, &e->proto, 1);
			dg(ctx, &e->family, 1);
			dg(ctx, &e->addr4, sizeof(e->addr4));
			dg(ctx, e->addr6, 16);
			dg(ctx, &e->plen, 1);
			dg(ctx, &e->port_lo, 2);
			dg(ctx, &e->port_hi, 2);
			dg(ctx, &e->action, 1);
		}
	}
	dg_str(ctx, "policy");
	dg(ctx, &c->policy.posture_max_age, sizeof(c->policy.posture_max_age));
	for (unsigned i = 0; i < c->policy.nrules; i++) {
		const struct policy_rule *r = &c->policy.rules[i];
		const struct policy_match *m = &r->match;
		dg_str(ctx, r->name);
		dg(ctx, &r->state, 1);
		dg(ctx, &r->role_id, 2);
		dg_str(ctx, r->role);
		dg_str(ctx, r->reason);
		dg(ctx, &m->nmacs, sizeof(m->nmacs));
		if (m->nmacs)
			dg(ctx, m->macs, 6 * (size_t)m->nmacs);
		dg(ctx, &m->nouis, sizeof(m->nouis));
		if (m->nouis)
			dg(ctx, m->ouis, 3 * (size_t)m->nouis);
		dg_patterns(ctx, &m->hostname);
		dg_patterns(ctx, &m->vendor_class);
		dg_patterns(ctx, &m->fingerprint);
		dg_patterns(ctx, &m->identity);
		dg_patterns(ctx, &m->groups);
		dg_patterns(ctx, &m->failed);
		dg(ctx, &m->auth_mask, 4);
		dg(ctx, &m->account_mask, 4);
		dg(ctx, &m->posture_mask, 4);
		dg(ctx, &m->override, 1);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	hex(md, mdlen, c->rules_digest);
	return 0;
}

/* ---- dot1x {}, radius {}, mab {}, coa {} ------------------------------ */

static int load_auth(struct loader *ld, config_t *cfg)
{
	ld->c->auth = calloc(1, sizeof(*ld->c->auth));
	if (ld->c->auth == NULL)
		return -ENOMEM;
	return auth_conf_load(cfg, ld->file, ld->c->auth, ld->err, ld->errlen);
}

/* ---- central {}, feeds, share {}, soc {}, heartbeat {} ---------------- */

static int load_central_settings(struct loader *ld, config_t *cfg)
{
	ld->c->central = calloc(1, sizeof(*ld->c->central));
	if (ld->c->central == NULL)
		return -ENOMEM;
	return central_settings_load(cfg, ld->file, ld->c->central, ld->err, ld->errlen);
}

/* ---- posture {} --------------------------------------------------------- */

static int load_posture(struct loader *ld, config_t *cfg)
{
	ld->c->posture = calloc(1, sizeof(*ld->c->posture));
	if (ld->c->posture == NULL)
		return -ENOMEM;
	/* One staleness limit for the policy and the posture verdicts. */
	return posture_settings_load(cfg, ld->file, ld->c->policy.posture_max_age, ld->c->posture, ld->err,
				     ld->errlen);
}

/* ---- ad {} ------------------------------------------------------------- */

static int load_ad(struct loader *ld, config_t *cfg)
{
	ld->c->ad = calloc(1, sizeof(*ld->c->ad));
	if (ld->c->ad == NULL)
		return -ENOMEM;
	return adsync_conf_parse(config_lookup(cfg, "ad"), ld->file, ld->c->ad, ld->err, ld->errlen);
}

/* ---- entry points ----------------------------------------------------- */

int conf_load_string(const char *text, const char *name, struct conf **out, char *err, size_t errlen)
{
	struct conf *c = calloc(1, sizeof(*c));
	config_t cfg;
	struct loader ld = { .file = name, .err = err, .errlen = errlen, .c = c };
	int rc;

	*out = NULL;
	if (c == NULL)
		return -ENOMEM;
	snprintf(c->path, sizeof(c->path), "%s", name);
	c->text_len = strlen(text);
	c->text = strdup(text);
	if (c->text == NULL) {
		free(c);
		return -ENOMEM;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_Digest(text, c->text_len, md, &mdlen, EVP_sha256(), NULL);
	hex(md, mdlen, c->sha256);

	cfg_init_for_file(&cfg, name);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", config_error_file(&cfg) ? config_error_file(&cfg) : name,
			 config_error_line(&cfg), config_error_text(&cfg));
		config_destroy(&cfg);
		conf_free(c);
		return -EINVAL;
	}
	if ((rc = load_fastpath(&ld, &cfg)) < 0 || (rc = load_daemon(&ld, &cfg)) < 0 ||
	    (rc = load_roles(&ld, &cfg)) < 0 || (rc = load_policy(&ld, &cfg)) < 0 ||
	    (rc = load_auth(&ld, &cfg)) < 0 || (rc = load_central_settings(&ld, &cfg)) < 0 ||
	    (rc = load_posture(&ld, &cfg)) < 0 || (rc = load_ad(&ld, &cfg)) < 0 ||
	    (rc = rules_digest(c)) < 0) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", name);
		config_destroy(&cfg);
		conf_free(c);
		return rc;
	}
	config_destroy(&cfg);
	*out = c;
	return 0;
}

int conf_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	*text = NULL;
	if (len)
		*len = 0;
	if (f == NULL) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	char *buf = malloc(CONF_FILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, CONF_FILE_MAX + 1, f);
	int rerr = ferror(f);
	fclose(f);
	if (rerr || n > CONF_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path, rerr ? "read error" : "larger than 1 MiB");
		free(buf);
		return rerr ? -EIO : -EFBIG;
	}
	buf[n] = '\0';
	/* libconfig reads a C string: a NUL inside would hide the rest. */
	if (strlen(buf) != n) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		free(buf);
		return -EINVAL;
	}
	*text = buf;
	if (len)
		*len = n;
	return 0;
}

int conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	char *text;
	*out = NULL;
	int rc = conf_read_file(path, &text, NULL, err, errlen);
	if (rc < 0)
		return rc;
	rc = conf_load_string(text, path, out, err, errlen);
	free(text);
	return rc;
}

void conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->nroles; i++)
		role_free(&c->roles[i]);
	free(c->roles);
	policy_free(&c->policy);
	free(c->auth);
	free(c->ad);
	if (c->posture) {
		posture_settings_free(c->posture);
		free(c->posture);
	}
	if (c->central) {
		central_settings_clear(c->central);   /* wipes the sharing key's seed */
		free(c->central);
	}
	free(c->text);
	free(c);
}

const struct role *conf_role_by_name(const struct conf *c, const char *name)
{
	for (unsigned i = 0; i < c->nroles; i++)
		if (strcmp(c->roles[i].name, name) == 0)
			return &c->roles[i];
	return NULL;
}

const struct role *conf_role_by_id(const struct conf *c, uint16_t id)
{
	for (unsigned i = 0; i < c->nroles; i++)
		if (c->roles[i].id == id)
			return &c->roles[i];
	return NULL;
}

const char *conf_role_name(const struct conf *c, uint16_t id)
{
	if (id == 0)
		return ROLE_UNRESTRICTED;
	const struct role *r = conf_role_by_id(c, id);
	return r ? r->name : "";
}
