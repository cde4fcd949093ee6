/* auth_conf.c — dot1x {}, mab {}, radius {}, coa {} (see auth_conf.h). */
#include "auth_conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cfgload.h"

static int group(struct cfg_loader *ld, const config_t *cfg, const char *name, const config_setting_t **out)
{
	*out = config_lookup(cfg, name);
	if (*out && config_setting_type(*out) != CONFIG_TYPE_GROUP)
		return cfg_fail(ld, *out, "%s: must be a group { ... }", name);
	return 0;
}

/* Integer setting within min..max, scaled (seconds -> ms); absent keeps *out. */
static int aint(struct cfg_loader *ld, const config_setting_t *g, const char *what, const char *name,
		long long min, long long max, long long scale, uint32_t *out)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return cfg_fail(ld, s, "%s.%s: must be an integer", what, name);
	long long v = config_setting_get_int64(s);
	if (v < min || v > max)
		return cfg_fail(ld, s, "%s.%s: %lld is outside %lld..%lld", what, name, v, min, max);
	*out = (uint32_t)(v * scale);
	return 0;
}

static int astr(struct cfg_loader *ld, const config_setting_t *g, const char *what, const char *name, char *out,
		size_t outlen, bool required)
{
	/* Absent and optional: *out keeps its default (cfg_get_string would overwrite it). */
	if (g == NULL || config_setting_get_member(g, name) == NULL)
		return required ? cfg_fail(ld, g, "%s: missing setting '%s'", what, name) : 0;
	return cfg_get_string(ld, g, name, what, out, outlen, NULL);
}

static int addr_port(const char *text, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	return -EINVAL;
}

static int secret(struct cfg_loader *ld, const config_setting_t *g, const char *what, uint8_t *out, size_t *outlen)
{
	char s[RADIUS_SECRET_MAX + 1];
	int rc = astr(ld, g, what, "secret", s, sizeof(s), true);
	if (rc < 0)
		return rc;
	/* RFC 2865 3: the secret should be at least 16 octets; short ones are guessable. */
	if (strlen(s) < AUTH_CONF_SECRET_MIN)
		return cfg_fail(ld, config_setting_get_member(g, "secret"), "%s.secret: at least %d characters", what,
			     AUTH_CONF_SECRET_MIN);
	memcpy(out, s, strlen(s));
	*outlen = strlen(s);
	return 0;
}

/* One element of radius.servers: UDP (auth_port, acct_port) or RadSec. */
static int load_server(struct cfg_loader *ld, const config_setting_t *e, unsigned idx, struct radius_client_conf *rc)
{
	static const char *const known[] = { "address", "auth_port", "acct_port", "secret", "name", "transport",
					     "port", "ca_file", "cert_file", "key_file", "server_name", NULL };
	char what[48], address[64], transport[8] = "udp";
	uint32_t auth_port = 1812, acct_port = 1813, port = RADIUS_TLS_PORT;
	struct radius_server_conf sc;
	int r;

	snprintf(what, sizeof(what), "radius.servers[%u]", idx + 1);
	if (config_setting_type(e) != CONFIG_TYPE_GROUP)
		return cfg_fail(ld, e, "%s: must be a group { address = ...; }", what);
	if ((r = cfg_check_members(ld, e, what, known)) < 0 || (r = astr(ld, e, what, "address", address, sizeof(address), true)) < 0 ||
	    (r = astr(ld, e, what, "transport", transport, sizeof(transport), false)) < 0)
		return r;
	memset(&sc, 0, sizeof(sc));
	if ((r = astr(ld, e, what, "name", sc.name, sizeof(sc.name), false)) < 0)
		return r;
	if (strcmp(transport, "tls") == 0) {
		sc.transport = RADIUS_TRANSPORT_TLS;
		if ((r = aint(ld, e, what, "port", 1, 65535, 1, &port)) < 0 ||
		    (r = astr(ld, e, what, "ca_file", sc.ca_file, sizeof(sc.ca_file), true)) < 0 ||
		    (r = astr(ld, e, what, "cert_file", sc.cert_file, sizeof(sc.cert_file), true)) < 0 ||
		    (r = astr(ld, e, what, "key_file", sc.key_file, sizeof(sc.key_file), true)) < 0 ||
		    (r = astr(ld, e, what, "server_name", sc.server_name, sizeof(sc.server_name), false)) < 0)
			return r;
		auth_port = acct_port = port;
	} else if (strcmp(transport, "udp") == 0) {
		if ((r = secret(ld, e, what, sc.secret, &sc.secret_len)) < 0 ||
		    (r = aint(ld, e, what, "auth_port", 1, 65535, 1, &auth_port)) < 0 ||
		    (r = aint(ld, e, what, "acct_port", 0, 65535, 1, &acct_port)) < 0)
			return r;
	} else {
		return cfg_fail(ld, config_setting_get_member(e, "transport"), "%s.transport: '%s' is not udp or tls",
			     what, transport);
	}
	if (addr_port(address, auth_port, &sc.addr, &sc.addrlen) < 0)
		return cfg_fail(ld, config_setting_get_member(e, "address"), "%s.address: '%s' is not an IP address",
			     what, address);
	rc->servers[RADIUS_SVC_AUTH][rc->nservers[RADIUS_SVC_AUTH]++] = sc;
	/* acct_port = 0: this server takes no accounting. */
	if (acct_port) {
		addr_port(address, acct_port, &sc.addr, &sc.addrlen);
		rc->servers[RADIUS_SVC_ACCT][rc->nservers[RADIUS_SVC_ACCT]++] = sc;
	}
	return 0;
}

static int load_radius(struct cfg_loader *ld, const config_t *cfg, struct auth8021x_conf *a)
{
	static const char *const known[] = { "servers", "nas_identifier", "nas_ip", "timeout", "retries",
					     "dead_time", "acct_interim", "max_sessions", NULL };
	const config_setting_t *g, *list;
	char nas_ip[48] = "";
	uint32_t v;
	int r;

	if ((r = group(ld, cfg, "radius", &g)) < 0)
		return r;
	if (g == NULL)
		return cfg_fail(ld, config_lookup(cfg, "dot1x"), "dot1x: needs a radius { servers = ( ... ); } section");
	if ((r = cfg_check_members(ld, g, "radius", known)) < 0 ||
	    (r = astr(ld, g, "radius", "nas_identifier", a->nas_identifier, sizeof(a->nas_identifier), false)) < 0 ||
	    (r = astr(ld, g, "radius", "nas_ip", nas_ip, sizeof(nas_ip), false)) < 0 ||
	    (r = aint(ld, g, "radius", "timeout", 1, RADIUS_CLIENT_TIMEOUT_MAX_MS / 1000, 1000, &a->radius.timeout_ms)) < 0 ||
	    (r = aint(ld, g, "radius", "dead_time", 1, RADIUS_CLIENT_DEAD_MAX_MS / 1000, 1000, &a->radius.dead_time_ms)) < 0 ||
	    (r = aint(ld, g, "radius", "acct_interim", 0, 86400, 1, &a->acct_interim_s)) < 0)
		return r;
	v = a->radius.retries;
	if ((r = aint(ld, g, "radius", "retries", 1, RADIUS_CLIENT_MAX_RETRIES, 1, &v)) < 0)
		return r;
	a->radius.retries = v;
	v = a->max_sessions;
	if ((r = aint(ld, g, "radius", "max_sessions", 1, AUTH8021X_MAX_SESSIONS, 1, &v)) < 0)
		return r;
	a->max_sessions = v;
	if (nas_ip[0]) {
		struct in_addr in;
		if (inet_pton(AF_INET, nas_ip, &in) != 1)
			return cfg_fail(ld, config_setting_get_member(g, "nas_ip"), "radius.nas_ip: '%s' is not an IPv4 address",
				     nas_ip);
		a->nas_ip = ntohl(in.s_addr);
	}
	list = config_setting_get_member(g, "servers");
	if (list == NULL || config_setting_type(list) != CONFIG_TYPE_LIST || config_setting_length(list) == 0)
		return cfg_fail(ld, list ? list : g, "radius.servers: a list ( { address = ...; secret = ...; }, ... ) is needed");
	if (config_setting_length(list) > RADIUS_CLIENT_MAX_SERVERS)
		return cfg_fail(ld, list, "radius.servers: at most %d", RADIUS_CLIENT_MAX_SERVERS);
	for (int i = 0; i < config_setting_length(list); i++)
		if ((r = load_server(ld, config_setting_get_elem(list, (unsigned)i), (unsigned)i, &a->radius)) < 0)
			return r;
	return 0;
}

static int load_dot1x(struct cfg_loader *ld, const config_setting_t *g, struct auth8021x_conf *a)
{
	static const char *const known[] = { "enabled", "tx_period", "quiet_period", "supp_timeout",
					     "server_timeout", "reauth_period", "max_req", "max_start", "unreachable",
					     "critical_role", "unreachable_retry", "idle_timeout", "rekick", NULL };
	struct pae_config *p = &a->pae;
	char unreachable[16] = "";
	uint32_t v;
	int r;

	if ((r = cfg_check_members(ld, g, "dot1x", known)) < 0 ||
	    (r = aint(ld, g, "dot1x", "tx_period", 1, 3600, 1000, &p->tx_period_ms)) < 0 ||
	    (r = aint(ld, g, "dot1x", "quiet_period", 1, 3600, 1000, &p->quiet_period_ms)) < 0 ||
	    (r = aint(ld, g, "dot1x", "supp_timeout", 1, 120, 1000, &p->supp_timeout_ms)) < 0 ||
	    (r = aint(ld, g, "dot1x", "server_timeout", 1, 3600, 1000, &p->server_timeout_ms)) < 0 ||
	    (r = aint(ld, g, "dot1x", "reauth_period", 0, 86400 * 30, 1000, &p->reauth_period_ms)) < 0 ||
	    (r = aint(ld, g, "dot1x", "unreachable_retry", 1, 86400, 1000, &p->unreachable_retry_ms)) < 0 ||
	    (r = aint(ld, g, "dot1x", "idle_timeout", 1, 86400, 1000, &a->idle_timeout_ms)) < 0 ||
	    (r = aint(ld, g, "dot1x", "rekick", 1, 86400, 1000, &a->rekick_ms)) < 0 ||
	    (r = astr(ld, g, "dot1x", "unreachable", unreachable, sizeof(unreachable), false)) < 0 ||
	    (r = astr(ld, g, "dot1x", "critical_role", a->critical_role, sizeof(a->critical_role), false)) < 0)
		return r;
	v = p->max_req;
	if ((r = aint(ld, g, "dot1x", "max_req", 1, 10, 1, &v)) < 0)
		return r;
	p->max_req = v;
	v = p->max_start;
	if ((r = aint(ld, g, "dot1x", "max_start", 1, 10, 1, &v)) < 0)
		return r;
	p->max_start = v;
	if (unreachable[0]) {
		if (strcmp(unreachable, "deny") == 0)
			p->unreachable = PAE_UNREACHABLE_DENY;
		else if (strcmp(unreachable, "keep") == 0)
			p->unreachable = PAE_UNREACHABLE_KEEP;
		else if (strcmp(unreachable, "critical") == 0)
			p->unreachable = PAE_UNREACHABLE_CRITICAL;
		else
			return cfg_fail(ld, config_setting_get_member(g, "unreachable"),
				     "dot1x.unreachable: '%s' is not deny, keep or critical", unreachable);
	}
	return 0;
}

static int load_mab(struct cfg_loader *ld, const config_t *cfg, struct auth8021x_conf *a)
{
	static const char *const known[] = { "delay", "format", NULL };
	const config_setting_t *g;
	char format[16] = "";
	int r;

	if ((r = group(ld, cfg, "mab", &g)) < 0 || g == NULL)
		return r;
	if ((r = cfg_check_members(ld, g, "mab", known)) < 0 ||
	    (r = aint(ld, g, "mab", "delay", 0, 3600, 1000, &a->pae.mab_delay_ms)) < 0 ||
	    (r = astr(ld, g, "mab", "format", format, sizeof(format), false)) < 0)
		return r;
	if (format[0] == '\0' || strcmp(format, "plain") == 0)
		a->mab_format = MAB_FORMAT_PLAIN;
	else if (strcmp(format, "ietf") == 0)
		a->mab_format = MAB_FORMAT_IETF;
	else if (strcmp(format, "colon") == 0)
		a->mab_format = MAB_FORMAT_COLON;
	else
		return cfg_fail(ld, config_setting_get_member(g, "format"), "mab.format: '%s' is not plain, ietf or colon",
			     format);
	return 0;
}

static int load_coa(struct cfg_loader *ld, const config_t *cfg, struct auth8021x_conf *a)
{
	static const char *const known[] = { "listen", "port", "clients", NULL };
	static const char *const cknown[] = { "address", "secret", "name", NULL };
	const config_setting_t *g, *list;
	char listen[64] = "0.0.0.0";
	uint32_t port = COA_DEFAULT_PORT;
	int r;

	if ((r = group(ld, cfg, "coa", &g)) < 0 || g == NULL)
		return r;
	if ((r = cfg_check_members(ld, g, "coa", known)) < 0 || (r = astr(ld, g, "coa", "listen", listen, sizeof(listen), false)) < 0 ||
	    (r = aint(ld, g, "coa", "port", 1, 65535, 1, &port)) < 0)
		return r;
	if (addr_port(listen, port, &a->coa.listen, &a->coa.listen_len) < 0)
		return cfg_fail(ld, config_setting_get_member(g, "listen"), "coa.listen: '%s' is not an IP address", listen);
	list = config_setting_get_member(g, "clients");
	if (list == NULL || config_setting_type(list) != CONFIG_TYPE_LIST || config_setting_length(list) == 0)
		return cfg_fail(ld, list ? list : g, "coa.clients: a list ( { address = ...; secret = ...; } ) is needed");
	if (config_setting_length(list) > COA_MAX_CLIENTS)
		return cfg_fail(ld, list, "coa.clients: at most %d", COA_MAX_CLIENTS);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		struct coa_client_conf *cc = &a->coa.clients[a->coa.nclients];
		char what[32], address[64];
		snprintf(what, sizeof(what), "coa.clients[%d]", i + 1);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			return cfg_fail(ld, e, "%s: must be a group { address = ...; secret = ...; }", what);
		if ((r = cfg_check_members(ld, e, what, cknown)) < 0 ||
		    (r = astr(ld, e, what, "address", address, sizeof(address), true)) < 0 ||
		    (r = astr(ld, e, what, "name", cc->name, sizeof(cc->name), false)) < 0 ||
		    (r = secret(ld, e, what, cc->secret, &cc->secret_len)) < 0)
			return r;
		if (addr_port(address, 0, &cc->addr, &cc->addrlen) < 0)
			return cfg_fail(ld, config_setting_get_member(e, "address"), "%s.address: '%s' is not an IP address",
				     what, address);
		a->coa.nclients++;
	}
	snprintf(a->coa.nas_identifier, sizeof(a->coa.nas_identifier), "%s", a->nas_identifier);
	a->coa.nas_ip = a->nas_ip;
	a->coa_enabled = true;
	return 0;
}

int auth_conf_load(const config_t *cfg, const char *file, struct auth_conf *out, char *err, size_t errlen)
{
	struct cfg_loader ld = { .file = file, .err = err, .errlen = errlen };
	const config_setting_t *g;
	char sub[256];
	int r;

	memset(out, 0, sizeof(*out));
	auth8021x_conf_default(&out->a);
	if ((r = group(&ld, cfg, "dot1x", &g)) < 0)
		return r;
	if (g == NULL)
		return 0;
	const config_setting_t *en = config_setting_get_member(g, "enabled");
	if (en && config_setting_type(en) != CONFIG_TYPE_BOOL)
		return cfg_fail(&ld, en, "dot1x.enabled: must be true or false");
	/* Switched off with its sections still written: they are checked all
	 * the same, so turning it on later cannot meet a refused file. */
	bool enabled = en == NULL || config_setting_get_bool(en);
	if (!enabled && config_lookup(cfg, "radius") == NULL)
		return 0;
	if ((r = load_dot1x(&ld, g, &out->a)) < 0 || (r = load_radius(&ld, cfg, &out->a)) < 0 ||
	    (r = load_mab(&ld, cfg, &out->a)) < 0 || (r = load_coa(&ld, cfg, &out->a)) < 0)
		return r;
	/* What the modules check as a whole (server limits, critical role). */
	if ((r = auth8021x_conf_check(&out->a, sub, sizeof(sub))) < 0)
		return cfg_fail(&ld, g, "%s", sub);
	if (out->a.coa_enabled && (r = radius_coa_conf_check(&out->a.coa, sub, sizeof(sub))) < 0)
		return cfg_fail(&ld, config_lookup(cfg, "coa"), "coa: %s", sub);
	out->enabled = enabled;
	return 0;
}
