/* apicmd.c — management API commands (see apicmd.h). */
#include "apicmd.h"
#include "apicmd_capture.h"
#include "apicmd_config.h"
#include "daemon_central.h"
#include "daemon_posture.h"
#include "daemon_ad.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "devices.h"
#include "dot1x.h"
#include "events.h"
#include "fpchan.h"
#include "mac.h"
#include "snoop.h"
#include "store.h"

/* ---- helpers ---------------------------------------------------------- */

static json_t *jtime(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* Strings from the network are cleaned UTF-8, but be safe: null, not failure. */
static json_t *jstr(const char *s)
{
	json_t *v = json_string(s ? s : "");
	return v ? v : json_null();
}

static json_t *jip(uint32_t ip)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = htonl(ip) };
	if (ip == 0)
		return json_null();
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *jmac(const uint8_t mac[6])
{
	char buf[MAC_STR_LEN];
	mac_format(mac, buf);
	return json_string(buf);
}

/* Optional string argument: NULL when absent; -EINVAL when not a string. */
static int arg_string(json_t *args, const char *key, const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "argument '%s' must be a string", key);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

static int arg_mac(json_t *args, uint8_t mac[6], char *err, size_t errlen)
{
	const char *s;
	int rc = arg_string(args, "mac", &s, err, errlen);
	if (rc < 0)
		return rc;
	if (s == NULL) {
		snprintf(err, errlen, "argument 'mac' is required");
		return -EINVAL;
	}
	if (mac_parse(s, mac) < 0) {
		snprintf(err, errlen, "'%.40s' is not a MAC address (aa:bb:cc:dd:ee:ff)", s);
		return -EINVAL;
	}
	return 0;
}

static void add_time(json_t *o, const char *key, int64_t t)
{
	json_object_set_new(o, key, jtime(t));
}

static json_t *device_summary(const struct store_device *dev)
{
	json_t *o = json_object();
	json_object_set_new(o, "mac", jmac(dev->mac));
	json_object_set_new(o, "ip", jip(dev->ipv4));
	json_object_set_new(o, "hostname", jstr(dev->hostname));
	json_object_set_new(o, "state", json_string(verdict_state_name(dev->state)));
	json_object_set_new(o, "role", jstr(dev->role));
	json_object_set_new(o, "rule", jstr(dev->rule));
	json_object_set_new(o, "reason", jstr(dev->reason));
	add_time(o, "first_seen", dev->first_seen);
	add_time(o, "last_seen", dev->last_seen);
	json_object_set_new(o, "vlan", json_integer(dev->vlan & 0x0fff));
	return o;
}

/* ---- device.list ------------------------------------------------------ */

static int list_one(void *ctx, const struct store_device *dev)
{
	json_array_append_new(ctx, device_summary(dev));
	return 0;
}

static int cmd_device_list(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			   char *err, size_t errlen)
{
	struct store_filter f = { .state = -1, .role_id = -1, .limit = APICMD_LIST_DEFAULT };
	const char *state, *role, *search;
	int rc;
	(void)who;

	if ((rc = arg_string(args, "state", &state, err, errlen)) < 0 ||
	    (rc = arg_string(args, "role", &role, err, errlen)) < 0 ||
	    (rc = arg_string(args, "search", &search, err, errlen)) < 0)
		return rc;
	if (state) {
		f.state = strcmp(state, "unknown") == 0 ? VERDICT_UNKNOWN : verdict_parse(state);
		if (f.state < 0) {
			snprintf(err, errlen, "state '%.32s' is not unknown, quarantined, admitted or blocked", state);
			return -EINVAL;
		}
	}
	if (role) {
		if (strcmp(role, ROLE_UNRESTRICTED) == 0) {
			f.role_id = 0;
		} else {
			const struct role *r = conf_role_by_name(d->conf, role);
			if (r == NULL) {
				snprintf(err, errlen, "unknown role '%.32s'", role);
				return -EINVAL;
			}
			f.role_id = r->id;
		}
	}
	f.search = search;
	json_t *lim = json_object_get(args, "limit");
	if (lim) {
		if (!json_is_integer(lim) || json_integer_value(lim) < 1 || json_integer_value(lim) > APICMD_LIST_MAX) {
			snprintf(err, errlen, "limit must be 1..%d", APICMD_LIST_MAX);
			return -EINVAL;
		}
		f.limit = (unsigned)json_integer_value(lim);
	}
	json_t *arr = json_array();
	if ((rc = store_device_foreach(d->store, &f, list_one, arr)) < 0) {
		json_decref(arr);
		snprintf(err, errlen, "store error");
		return rc;
	}
	*result = json_pack("{s:o, s:I}", "devices", arr, "count", (json_int_t)json_array_size(arr));
	return 0;
}

/* ---- device.show ------------------------------------------------------ */

static int ip_one(void *ctx, const char *addr, const char *source, int64_t first, int64_t last)
{
	json_t *o = json_object();
	json_object_set_new(o, "addr", jstr(addr));
	json_object_set_new(o, "source", jstr(source));
	add_time(o, "first_seen", first);
	add_time(o, "last_seen", last);
	json_array_append_new(ctx, o);
	return 0;
}

static int resolve_device(struct menjind *d, json_t *args, uint8_t mac[6], char *err, size_t errlen)
{
	const char *m, *ip, *name;
	int rc;
	if ((rc = arg_string(args, "mac", &m, err, errlen)) < 0 || (rc = arg_string(args, "ip", &ip, err, errlen)) < 0 ||
	    (rc = arg_string(args, "name", &name, err, errlen)) < 0)
		return rc;
	if (m)
		return arg_mac(args, mac, err, errlen);
	if (ip) {
		struct in_addr a;
		if (inet_pton(AF_INET, ip, &a) != 1) {
			snprintf(err, errlen, "'%.40s' is not an IPv4 address", ip);
			return -EINVAL;
		}
		if ((rc = store_device_find_ip(d->store, ip, mac)) == -ENOENT)
			snprintf(err, errlen, "no device has %s", ip);
		return rc;
	}
	if (name) {
		if ((rc = store_device_find_name(d->store, name, mac)) == -ENOENT)
			snprintf(err, errlen, "no device is named '%.64s'", name);
		return rc;
	}
	snprintf(err, errlen, "give one of mac, ip or name");
	return -EINVAL;
}

static json_t *device_detail(struct menjind *d, const struct store_device *dev)
{
	struct device_facts f;
	json_t *o = device_summary(dev);
	char oui[9];

	snprintf(oui, sizeof(oui), "%02x:%02x:%02x", dev->mac[0], dev->mac[1], dev->mac[2]);
	json_object_set_new(o, "oui", json_string(oui));
	json_t *ips = json_array();
	store_ip_foreach(d->store, dev->mac, ip_one, ips);
	json_object_set_new(o, "ips", ips);
	json_object_set_new(o, "vendor_class", jstr(dev->vendor_class));
	json_object_set_new(o, "fingerprint", jstr(dev->fingerprint));
	json_object_set_new(o, "port", json_integer(dev->port));

	if (devices_facts(d->devices, dev, &f) < 0)
		return o;
	json_t *facts = json_object();
	json_object_set_new(facts, "auth", json_string(auth_result_name(f.auth)));
	json_object_set_new(facts, "identity", jstr(f.identity));
	json_object_set_new(facts, "radius_role", jstr(f.radius_role));   /* live 802.1X/MAB session (dot1x.c) */
	json_object_set_new(facts, "account", json_string(account_state_name(f.account)));
	json_t *groups = json_array();
	for (unsigned i = 0; i < f.ngroups; i++)
		json_array_append_new(groups, jstr(f.groups[i]));
	json_object_set_new(facts, "ad_groups", groups);
	json_object_set_new(facts, "ad_binding", daemon_ad_binding_json(d, &f));   /* which computer, by what */
	json_t *posture = json_object();
	json_object_set_new(posture, "recorded", json_string(posture_status_name(f.posture)));
	json_object_set_new(posture, "effective", json_string(posture_status_name(policy_posture(&d->conf->policy, &f))));
	add_time(posture, "scanned", f.posture_scanned);
	json_t *failed = json_array();
	for (unsigned i = 0; i < f.nfailed; i++)
		json_array_append_new(failed, jstr(f.failed[i]));
	json_object_set_new(posture, "failed", failed);
	json_object_set_new(posture, "override", daemon_posture_override_json(d, dev->mac));   /* waived / forced */
	json_object_set_new(facts, "posture", posture);
	json_object_set_new(o, "facts", facts);

	if (f.override.active) {
		json_t *ov = json_object();
		json_object_set_new(ov, "state", json_string(verdict_state_name(f.override.state)));
		json_object_set_new(ov, "role", jstr(f.override.role));
		json_object_set_new(ov, "reason", jstr(f.override.reason));
		json_object_set_new(ov, "uid", json_integer(f.override.uid));
		json_object_set_new(ov, "user", jstr(f.override.user));
		add_time(ov, "expires", f.override.expires);
		json_object_set_new(ov, "active", json_boolean(f.override.expires == 0 || f.override.expires > f.now));
		json_object_set_new(o, "override", ov);
	} else {
		json_object_set_new(o, "override", json_null());
	}

	/* The stored verdict is what the fast path enforces; "now" is what the
	 * policy says at this moment (they differ only between an expiry and
	 * its timer, or while a reload is being applied). */
	struct verdict now;
	char summary[POLICY_SUMMARY_MAX];
	policy_evaluate(&d->conf->policy, &f, &now);
	json_t *v = json_object();
	json_object_set_new(v, "state", json_string(verdict_state_name(dev->state)));
	json_object_set_new(v, "role", jstr(dev->role));
	json_object_set_new(v, "role_id", json_integer(dev->role_id));
	json_object_set_new(v, "rule", jstr(dev->rule));
	json_object_set_new(v, "reason", jstr(dev->reason));
	json_object_set_new(v, "why", jstr(dev->why));
	snprintf(summary, sizeof(summary), "%s: %s", verdict_state_name(dev->state), dev->reason);
	json_object_set_new(v, "summary", jstr(summary));
	add_time(v, "decided", dev->decided);
	add_time(v, "expires", dev->expires);
	int line = 0;
	for (unsigned i = 0; i < d->conf->policy.nrules; i++)
		if (strcmp(d->conf->policy.rules[i].name, dev->rule) == 0)
			line = d->conf->policy.rules[i].line;
	if (line)
		json_object_set_new(v, "rule_line", json_integer(line));
	json_object_set_new(o, "verdict", v);

	json_t *n = json_object();
	json_object_set_new(n, "state", json_string(verdict_state_name(now.state)));
	json_object_set_new(n, "role", jstr(now.role));
	json_object_set_new(n, "rule", jstr(now.rule));
	json_object_set_new(n, "reason", jstr(now.reason));
	json_object_set_new(n, "why", jstr(now.why));
	json_object_set_new(o, "policy_now", n);
	return o;
}

static int show_mac(struct menjind *d, const uint8_t mac[6], json_t **result, char *err, size_t errlen)
{
	struct store_device dev;
	int rc = store_device_get(d->store, mac, &dev);
	if (rc == -ENOENT) {
		char m[MAC_STR_LEN];
		mac_format(mac, m);
		snprintf(err, errlen, "no device %s", m);
		return rc;
	}
	if (rc < 0) {
		snprintf(err, errlen, "store error");
		return rc;
	}
	*result = device_detail(d, &dev);
	return 0;
}

static int cmd_device_show(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			   char *err, size_t errlen)
{
	uint8_t mac[6];
	int rc;
	(void)who;
	if ((rc = resolve_device(d, args, mac, err, errlen)) < 0)
		return rc;
	return show_mac(d, mac, result, err, errlen);
}

/* ---- overrides -------------------------------------------------------- */

long long apicmd_parse_duration(json_t *v)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v))
		return json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
	if (!json_is_string(v))
		return -1;
	const char *s = json_string_value(v);
	if (strcmp(s, "permanent") == 0)
		return 0;
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || end == s || n < 0 || !isdigit((unsigned char)s[0]))
		return -1;
	long long unit = 1;
	if (*end == 'm')
		unit = 60;
	else if (*end == 'h')
		unit = 3600;
	else if (*end == 'd')
		unit = 86400;
	else if (*end == 's')
		unit = 1;
	else if (*end != '\0')
		return -1;
	if (*end && end[1] != '\0')
		return -1;
	if (n > 100LL * 365 * 86400 / unit)
		return -1;
	return n * unit;
}

static int cmd_device_override(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			       char *err, size_t errlen)
{
	struct override_req req = { .uid = who->uid, .user = who->user };
	const char *state;
	int rc;

	if ((rc = arg_mac(args, req.mac, err, errlen)) < 0 || (rc = arg_string(args, "state", &state, err, errlen)) < 0 ||
	    (rc = arg_string(args, "role", &req.role, err, errlen)) < 0 ||
	    (rc = arg_string(args, "reason", &req.reason, err, errlen)) < 0)
		return rc;
	if (state == NULL || (req.state = verdict_parse(state)) < 0) {
		snprintf(err, errlen, "argument 'state' must be admit, quarantine or block");
		return -EINVAL;
	}
	req.duration = apicmd_parse_duration(json_object_get(args, "duration"));
	if (req.duration < 0) {
		snprintf(err, errlen, "duration must be seconds or like \"30m\", \"8h\", \"7d\", \"permanent\"");
		return -EINVAL;
	}
	if ((rc = devices_override_set(d->devices, &req, err, errlen)) < 0)
		return rc;
	return show_mac(d, req.mac, result, err, errlen);
}

static int cmd_device_clear_override(struct menjind *d, const struct api_caller *who, json_t *args,
				     json_t **result, char *err, size_t errlen)
{
	uint8_t mac[6];
	int rc;
	if ((rc = arg_mac(args, mac, err, errlen)) < 0)
		return rc;
	if ((rc = devices_override_clear(d->devices, mac, who->uid, who->user, err, errlen)) < 0)
		return rc;
	return show_mac(d, mac, result, err, errlen);
}

/* ---- policy and roles ------------------------------------------------- */

static json_t *patterns(const struct pattern_list *l)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < l->n; i++)
		json_array_append_new(a, jstr(l->v[i]));
	return a;
}

static json_t *mask_names(uint32_t mask, const char *(*name)(int), int max)
{
	json_t *a = json_array();
	for (int i = 0; i < max; i++)
		if (mask & (1u << i))
			json_array_append_new(a, json_string(name(i)));
	return a;
}

static int cmd_policy_show(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			   char *err, size_t errlen)
{
	const struct policy *p = &d->conf->policy;
	(void)who;
	(void)args;
	(void)err;
	(void)errlen;
	json_t *rules = json_array();
	for (unsigned i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		const struct policy_match *m = &r->match;
		json_t *match = json_object();
		if (m->nmacs) {
			json_t *a = json_array();
			for (unsigned k = 0; k < m->nmacs; k++)
				json_array_append_new(a, jmac(m->macs[k]));
			json_object_set_new(match, "mac", a);
		}
		if (m->nouis) {
			json_t *a = json_array();
			for (unsigned k = 0; k < m->nouis; k++) {
				char oui[9];
				snprintf(oui, sizeof(oui), "%02x:%02x:%02x", m->ouis[k][0], m->ouis[k][1], m->ouis[k][2]);
				json_array_append_new(a, json_string(oui));
			}
			json_object_set_new(match, "oui", a);
		}
		if (m->hostname.n)
			json_object_set_new(match, "hostname", patterns(&m->hostname));
		if (m->vendor_class.n)
			json_object_set_new(match, "vendor_class", patterns(&m->vendor_class));
		if (m->fingerprint.n)
			json_object_set_new(match, "fingerprint", patterns(&m->fingerprint));
		if (m->identity.n)
			json_object_set_new(match, "identity", patterns(&m->identity));
		if (m->groups.n)
			json_object_set_new(match, "ad_group", patterns(&m->groups));
		if (m->failed.n)
			json_object_set_new(match, "failed_item", patterns(&m->failed));
		if (m->auth_mask)
			json_object_set_new(match, "auth", mask_names(m->auth_mask, auth_result_name, AUTH__MAX));
		if (m->account_mask)
			json_object_set_new(match, "account", mask_names(m->account_mask, account_state_name, ACCOUNT__MAX));
		if (m->posture_mask)
			json_object_set_new(match, "posture", mask_names(m->posture_mask, posture_status_name, POSTURE__MAX));
		if (m->override >= 0)
			json_object_set_new(match, "override", json_boolean(m->override));
		json_t *o = json_object();
		json_object_set_new(o, "index", json_integer(i));
		json_object_set_new(o, "name", jstr(r->name));
		json_object_set_new(o, "line", json_integer(r->line));
		json_object_set_new(o, "match", match);
		json_object_set_new(o, "verdict", json_string(verdict_state_name(r->state)));
		json_object_set_new(o, "role", jstr(r->role));
		json_object_set_new(o, "reason", jstr(r->reason));
		json_array_append_new(rules, o);
	}
	*result = json_pack("{s:s, s:o, s:{s:s, s:s}, s:I, s:I}",
			    "override", "built in, first: an active admin override decides before any rule",
			    "rules", rules,
			    "default", "verdict", "quarantined", "rule", "default",
			    "posture_max_age_days", (json_int_t)(p->posture_max_age / 86400),
			    "generation", (json_int_t)d->generation);
	return 0;
}

static int cmd_roles_show(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			  char *err, size_t errlen)
{
	const struct conf *c = d->conf;
	(void)who;
	(void)args;
	(void)err;
	(void)errlen;
	json_t *roles = json_array();
	json_array_append_new(roles, json_pack("{s:s, s:i, s:s, s:[]}", "name", ROLE_UNRESTRICTED, "id", 0,
					       "default", "permit", "rules"));
	for (unsigned i = 0; i < c->nroles; i++) {
		const struct role *r = &c->roles[i];
		json_t *rules = json_array();
		for (unsigned k = 0; k < r->nentries; k++) {
			char text[128];
			role_entry_format(&r->entries[k], text, sizeof(text));
			json_array_append_new(rules, json_string(text));
		}
		json_array_append_new(roles, json_pack("{s:s, s:i, s:s, s:i, s:o}", "name", r->name, "id", r->id,
						       "default", r->default_action == FP_ACL_PERMIT ? "permit" : "deny",
						       "line", r->line, "rules", rules));
	}
	json_t *res = json_array(), *rem = json_array();
	for (unsigned i = 0; i < c->nresolvers; i++)
		json_array_append_new(res, jstr(c->resolvers[i]));
	for (unsigned i = 0; i < c->nremediation; i++)
		json_array_append_new(rem, jstr(c->remediation[i]));
	*result = json_pack("{s:o, s:{s:s, s:o, s:o}}", "roles", roles, "quarantine", "unknown_action",
			    c->unknown_action, "resolvers", res, "remediation", rem);
	return 0;
}

/* ---- stats, events, reload ------------------------------------------- */

json_t *apicmd_stats_local(struct menjind *d, unsigned api_clients)
{
	unsigned counts[4] = { 0 };
	struct snoop_stats ss;
	struct fpchan_stats_local fs;
	const struct fpmsg_port_info *ports;
	unsigned nports = fpchan_ports(d->fp, &ports);

	store_device_counts(d->store, counts);
	snoop_get_stats(d->snoop, &ss);
	fpchan_local_stats(d->fp, &fs);

	json_t *devices = json_pack("{s:i, s:i, s:i, s:i, s:i}", "unknown", counts[0], "quarantined", counts[1],
				    "admitted", counts[2], "blocked", counts[3],
				    "total", counts[0] + counts[1] + counts[2] + counts[3]);
	json_t *derr = json_object();
	for (int i = 1; i < DHCP_ERR__MAX; i++)
		if (ss.dhcp_errors[i])
			json_object_set_new(derr, dhcp_error_name(i), json_integer((json_int_t)ss.dhcp_errors[i]));
	json_t *daemon = json_pack("{s:i, s:I, s:I, s:s, s:i, s:i, s:i}", "pid", (int)getpid(),
				   "uptime_s", (json_int_t)((int64_t)time(NULL) - d->started),
				   "generation", (json_int_t)d->generation, "config_sha256", d->conf->sha256,
				   "api_clients", (int)api_clients, "reloads", (int)d->reloads,
				   "reload_failures", (int)d->reload_failures);
	json_object_set_new(daemon, "punts", json_pack("{s:I, s:I, s:I, s:I, s:I}",
			    "eapol", (json_int_t)ss.punts[PUNT_EAPOL], "dhcp", (json_int_t)ss.punts[PUNT_DHCP],
			    "arp", (json_int_t)ss.punts[PUNT_ARP], "new_mac", (json_int_t)ss.punts[PUNT_NEW_MAC],
			    "nd", (json_int_t)ss.punts[PUNT_ND]));
	json_object_set_new(daemon, "dhcp_errors", derr);
	json_object_set_new(daemon, "arp_errors", json_integer((json_int_t)ss.arp_errors));
	json_object_set_new(daemon, "uplink_ignored", json_integer((json_int_t)ss.uplink_ignored));
	json_object_set_new(daemon, "store_errors", json_integer((json_int_t)ss.store_errors));

	json_t *portlist = json_array();
	for (unsigned i = 0; i < nports; i++)
		json_array_append_new(portlist, json_pack("{s:i, s:s, s:s, s:o, s:b}", "index", ports[i].index,
							  "name", ports[i].name, "role", ports[i].role ? "uplink" : "lan",
							  "mac", jmac(ports[i].mac), "link", ports[i].link));
	json_t *fp = json_pack("{s:s, s:s, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I}",
			       "state", fpchan_state_name(fpchan_get_state(d->fp)), "socket", d->conf->fp_socket,
			       "generation", (json_int_t)fpchan_fp_generation(d->fp), "ports", portlist,
			       "connects", (json_int_t)fs.connects, "resyncs", (json_int_t)fs.resyncs,
			       "devices_sent", (json_int_t)fs.devices_sent, "devices_deleted", (json_int_t)fs.devices_deleted,
			       "errors", (json_int_t)fs.errors, "bad_messages", (json_int_t)fs.bad_messages);
	return json_pack("{s:o, s:o, s:o}", "devices", devices, "daemon", daemon, "fastpath", fp);
}

struct ev_collect {
	json_t *arr;
	int64_t last;
};

static int event_one(void *ctx, int64_t id, int64_t ts_ms, const char *kind, const char *mac, const char *json)
{
	struct ev_collect *c = ctx;
	(void)ts_ms;
	(void)kind;
	(void)mac;
	json_t *o = json_loads(json, 0, NULL);
	if (o == NULL)
		o = json_object();
	json_object_set_new(o, "id", json_integer(id));
	json_array_append_new(c->arr, o);
	c->last = id;
	return 0;
}

static int cmd_events(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result, char *err,
		      size_t errlen)
{
	int64_t last = 0, since;
	json_int_t limit = APICMD_EVENTS_DEFAULT;
	(void)who;
	json_t *l = json_object_get(args, "limit"), *s = json_object_get(args, "since");
	if (l && (!json_is_integer(l) || json_integer_value(l) < 1 || json_integer_value(l) > API_BACKLOG_EVENTS)) {
		snprintf(err, errlen, "limit must be 1..%d", API_BACKLOG_EVENTS);
		return -EINVAL;
	}
	if (l)
		limit = json_integer_value(l);
	if (s && (!json_is_integer(s) || json_integer_value(s) < 0)) {
		snprintf(err, errlen, "since must be an event id (0 or more)");
		return -EINVAL;
	}
	store_event_last_id(d->store, &last);
	/* Without "since": the newest `limit` events. */
	since = s ? json_integer_value(s) : (last > limit ? last - limit : 0);
	struct ev_collect c = { .arr = json_array(), .last = since };
	int rc = store_event_foreach(d->store, since, (unsigned)limit, event_one, &c);
	if (rc < 0) {
		json_decref(c.arr);
		snprintf(err, errlen, "store error");
		return rc;
	}
	*result = json_pack("{s:o, s:I}", "events", c.arr, "last_id", (json_int_t)c.last);
	return 0;
}

static int cmd_config_reload(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			     char *err, size_t errlen)
{
	struct reload_result res;
	char trigger[128];
	(void)args;
	snprintf(trigger, sizeof(trigger), "api, uid %u %s", who->uid, who->user);
	int rc = menjind_reload(d, trigger, &res, err, errlen);
	if (rc < 0)
		return rc;
	*result = json_pack("{s:I, s:b, s:i, s:s}", "generation", (json_int_t)res.generation, "rules_changed",
			    res.rules_changed, "verdicts_changed", (int)res.verdicts_changed, "sha256", d->conf->sha256);
	return 0;
}

static int cmd_commands(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result, char *err,
			size_t errlen)
{
	unsigned n;
	const struct apicmd *t = apicmd_table(&n);
	(void)d;
	(void)args;
	(void)err;
	(void)errlen;
	json_t *a = json_array();
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "cmd", t[i].name, "role", api_role_name(t[i].role),
						   "help", t[i].help));
	*result = json_pack("{s:o, s:s, s:i}", "commands", a, "you", api_role_name(who->role), "uid", (int)who->uid);
	return 0;
}

/* ---- 802.1X (dot1x.c) -------------------------------------------------- */

static int cmd_session_list(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			    char *err, size_t errlen)
{
	(void)who;
	(void)args;
	return dot1x_api_sessions(d, result, err, errlen);
}

static int cmd_device_reauth(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			     char *err, size_t errlen)
{
	uint8_t mac[6];
	(void)who;
	int rc = arg_mac(args, mac, err, errlen);
	if (rc < 0)
		return rc;
	return dot1x_api_reauth(d, mac, result, err, errlen);
}

static int cmd_radius_status(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			     char *err, size_t errlen)
{
	(void)who;
	(void)args;
	return dot1x_api_radius_status(d, result, err, errlen);
}

static const struct apicmd table[] = {
	{ "commands", API_ROLE_OPERATOR, false, cmd_commands, "this list, and your role" },
	{ "device.list", API_ROLE_OPERATOR, false, cmd_device_list, "{state?, role?, search?, limit?}: devices" },
	{ "device.show", API_ROLE_OPERATOR, false, cmd_device_show,
	  "{mac | ip | name}: facts, override, verdict, which rule decided and why" },
	{ "device.override", API_ROLE_ADMIN, true, cmd_device_override,
	  "{mac, state, role?, duration?, reason}: decide a device by hand" },
	{ "device.clear_override", API_ROLE_ADMIN, true, cmd_device_clear_override, "{mac}: back to the policy" },
	{ "policy.show", API_ROLE_OPERATOR, false, cmd_policy_show, "the ordered rules and the default" },
	{ "roles.show", API_ROLE_OPERATOR, false, cmd_roles_show, "roles, their ACLs, the quarantine allowlist" },
	{ "stats", API_ROLE_OPERATOR, false, NULL, "device counts, daemon and fast path counters" },
	{ "events", API_ROLE_OPERATOR, false, cmd_events, "{since?, limit?}: the event log" },
	{ "events.follow", API_ROLE_OPERATOR, false, NULL, "{since?}: stream events as JSON lines" },
	{ "config.reload", API_ROLE_ADMIN, true, cmd_config_reload, "reload the configuration file" },
	/* configuration versions and the CLI's audit lines (apicmd_config.c) */
	{ "config.show", API_ROLE_OPERATOR, false, apicmd_config_show,
	  "{rollback?: N}: the configuration file's text N versions back (0: running), sha256, a pending confirm" },
	{ "config.history", API_ROLE_OPERATOR, false, apicmd_config_history,
	  "{limit?}: the versions applied, newest first: who, when, state, comment" },
	{ "config.commit", API_ROLE_ADMIN, true, apicmd_config_commit,
	  "{text, base_sha256, confirmed?: minutes, comment?}: check, write and apply a new configuration" },
	{ "config.confirm", API_ROLE_ADMIN, true, apicmd_config_confirm, "keep what a commit confirmed applied" },
	{ "audit.add", API_ROLE_OPERATOR, false, apicmd_audit_add,
	  "{line, mode, result}: one audit record of a CLI command line" },
	{ "capture.start", API_ROLE_ADMIN, true, apicmd_capture_start,
	  "{port (name or index), filter?, count?}: capture frames of a fast path port to a pcap file" },
	/* Active Directory (daemon_ad.c) */
	{ "ad.status", API_ROLE_OPERATOR, false, daemon_ad_cmd_status, "AD sync: last sync, DC, USN, counts, errors" },
	{ "ad.sync", API_ROLE_ADMIN, true, daemon_ad_cmd_sync, "{full?}: synchronise with AD now" },
	/* GCB posture (daemon_posture.c) */
	{ "posture.show", API_ROLE_OPERATOR, false, daemon_posture_cmd_show,
	  "{mac?}: GCB verdict, failing items and baselines of one device (or all)" },
	{ "posture.kpi", API_ROLE_OPERATOR, false, daemon_posture_cmd_kpi,
	  "share of devices GCB compliant, per role and per baseline" },
	{ "posture.sync", API_ROLE_ADMIN, true, daemon_posture_cmd_sync, "read the posture spool now, start downloads" },
	{ "posture.override", API_ROLE_ADMIN, true, daemon_posture_cmd_override,
	  "{mac, waive?: [item ids], status?, duration?, reason}: a GCB exception or forced posture status" },
	{ "posture.clear_override", API_ROLE_ADMIN, true, daemon_posture_cmd_clear_override,
	  "{mac, reason}: remove a device's posture override" },
	/* threat feeds, sharing, SOC export (daemon_central.c) */
	{ "central.status", API_ROLE_OPERATOR, false, daemon_central_cmd_status,
	  "the central bundle in force, threat feeds with prefix counts, the merged blocklist, shared blocks, SOC queue" },
	{ "central.sync", API_ROLE_ADMIN, true, daemon_central_cmd_sync, "poll the centre for a new policy bundle now" },
	{ "feeds.poll", API_ROLE_ADMIN, true, daemon_central_cmd_feeds_poll, "poll every threat feed now" },
	{ "share.publish", API_ROLE_ADMIN, true, daemon_central_cmd_share_publish,
	  "{ip, reason, ttl}: block an address here and share it with the neighbours" },
	{ "share.list", API_ROLE_OPERATOR, false, daemon_central_cmd_share_list, "the blocks this appliance shares" },
	{ "share.withdraw", API_ROLE_ADMIN, true, daemon_central_cmd_share_withdraw, "{ip or id}: stop sharing a block" },
	{ "session.list", API_ROLE_OPERATOR, false, cmd_session_list,
	  "802.1X/MAB sessions: MAC, identity, method, state, since, session timeout, RADIUS server" },
	{ "device.reauth", API_ROLE_ADMIN, true, cmd_device_reauth, "{mac}: reauthenticate its 802.1X/MAB session" },
	{ "radius.status", API_ROLE_OPERATOR, false, cmd_radius_status,
	  "RADIUS servers (alive/dead) and counters, dropped replies included" },
};

const struct apicmd *apicmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const struct apicmd *apicmd_table(unsigned *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}
