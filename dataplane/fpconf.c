/* fpconf.c — parse and validate the fast path's configuration sections. */
#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fpconf.h"

void fpconf_defaults(struct fpconf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket_path, sizeof(c->socket_path), "/run/menjin/fp.sock");
	snprintf(c->capture_dir, sizeof(c->capture_dir), "/var/lib/menjin/capture");
	snprintf(c->lcores, sizeof(c->lcores), "0-1");
	c->max_devices = 65536;
	c->max_acl_rules = 65536;
	c->max_prefixes = 2 * 1024 * 1024;
	c->mbufs = 16383;
	c->punt_ring_size = 4096;
	c->punt_per_mac_interval_ms = 1000;
	c->punt_global_per_second = 2000;
	c->unknown_action = UNKNOWN_QUARANTINE;
}

struct parse_ctx {
	const char *file;
	char *errbuf;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct parse_ctx *p, const config_setting_t *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->errbuf, p->errlen, "%s:%d: %s", p->file,
		 s ? config_setting_source_line(s) : 0, msg);
	return -EINVAL;
}

static int get_string(struct parse_ctx *p, const config_setting_t *sec, const char *name,
		      char *out, size_t outlen, bool required)
{
	const config_setting_t *s = config_setting_get_member(sec, name);
	const char *v;

	if (!s)
		return required ? fail(p, sec, "%s: missing", name) : 0;
	v = config_setting_get_string(s);
	if (!v)
		return fail(p, s, "%s: must be a string", name);
	if (strlen(v) >= outlen)
		return fail(p, s, "%s: longer than %zu characters", name, outlen - 1);
	snprintf(out, outlen, "%s", v);
	return 0;
}

static int get_u32(struct parse_ctx *p, const config_setting_t *sec, const char *name,
		   uint32_t *out, uint32_t min, uint32_t max)
{
	const config_setting_t *s = config_setting_get_member(sec, name);
	long long v;

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(p, s, "%s: must be an integer", name);
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return fail(p, s, "%s: %lld is outside %u..%u", name, v, min, max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_addr(struct qlist_server *srv, const char *text)
{
	if (inet_pton(AF_INET, text, &srv->addr4) == 1) {
		srv->family = 4;
		srv->addr4 = ntohl(srv->addr4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, srv->addr6) == 1) {
		srv->family = 6;
		return 0;
	}
	return -EINVAL;
}

static int parse_ports(struct parse_ctx *p, const config_setting_t *sec, struct fpconf *c)
{
	const config_setting_t *ports = config_setting_get_member(sec, "ports");
	int nlan = 0, nup = 0;

	if (!ports)
		return fail(p, sec, "fastpath.ports: missing (at least one lan and one uplink port)");
	if (!config_setting_is_list(ports))
		return fail(p, ports, "fastpath.ports: must be a list ( {...}, {...} )");
	c->nports = config_setting_length(ports);
	if (c->nports > FPCONF_MAX_PORTS)
		return fail(p, ports, "fastpath.ports: %d ports, at most %d", c->nports, FPCONF_MAX_PORTS);
	for (int i = 0; i < c->nports; i++) {
		const config_setting_t *e = config_setting_get_elem(ports, i);
		struct fpconf_port *port = &c->ports[i];
		char role[16] = "";
		int rc;

		if (!config_setting_is_group(e))
			return fail(p, e, "fastpath.ports[%d]: must be a group { name = ...; }", i);
		if ((rc = get_string(p, e, "name", port->name, sizeof(port->name), true)) ||
		    (rc = get_string(p, e, "devargs", port->devargs, sizeof(port->devargs), true)) ||
		    (rc = get_string(p, e, "role", role, sizeof(role), true)))
			return rc;
		if (!strcmp(role, "lan"))
			port->role = PORT_LAN, nlan++;
		else if (!strcmp(role, "uplink"))
			port->role = PORT_UPLINK, nup++;
		else
			return fail(p, config_setting_get_member(e, "role"),
				    "fastpath.ports[%d].role: \"%s\" is neither \"lan\" nor \"uplink\"", i, role);
		for (int j = 0; j < i; j++)
			if (!strcmp(c->ports[j].name, port->name))
				return fail(p, e, "fastpath.ports[%d].name: \"%s\" used twice", i, port->name);
	}
	if (nup != 1)
		return fail(p, ports, "fastpath.ports: exactly one uplink port needed, found %d", nup);
	if (nlan < 1)
		return fail(p, ports, "fastpath.ports: at least one lan port needed");
	return 0;
}

static int parse_quarantine(struct parse_ctx *p, const config_setting_t *q, struct fpconf *c)
{
	const config_setting_t *res = config_setting_get_member(q, "resolvers");
	const config_setting_t *rem = config_setting_get_member(q, "remediation");

	if (res) {
		int n = config_setting_length(res);

		if (!config_setting_is_array(res) && !config_setting_is_list(res))
			return fail(p, res, "quarantine.resolvers: must be a list of addresses");
		if (n > QLIST_MAX_RESOLVERS)
			return fail(p, res, "quarantine.resolvers: %d, at most %d", n, QLIST_MAX_RESOLVERS);
		for (int i = 0; i < n; i++) {
			const char *a = config_setting_get_string_elem(res, i);

			if (!a || parse_addr(&c->qlist.resolvers[i], a))
				return fail(p, res, "quarantine.resolvers[%d]: \"%s\" is not an IPv4 or IPv6 address",
					    i, a ? a : "?");
		}
		c->qlist.nresolvers = (uint8_t)n;
	}
	if (rem) {
		int n = config_setting_length(rem);

		if (!config_setting_is_list(rem))
			return fail(p, rem, "quarantine.remediation: must be a list ( { address = ...; } )");
		if (n > QLIST_MAX_REMEDIATION)
			return fail(p, rem, "quarantine.remediation: %d, at most %d", n, QLIST_MAX_REMEDIATION);
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(rem, i);
			const config_setting_t *ports = config_setting_get_member(e, "ports");
			struct qlist_server *srv = &c->qlist.remediation[i];
			char addr[64];
			int rc;

			if ((rc = get_string(p, e, "address", addr, sizeof(addr), true)))
				return rc;
			if (parse_addr(srv, addr))
				return fail(p, e, "quarantine.remediation[%d].address: \"%s\" is not an IP address",
					    i, addr);
			if (ports) {
				int np = config_setting_length(ports);

				if (np > QLIST_MAX_PORTS)
					return fail(p, ports, "quarantine.remediation[%d].ports: at most %d",
						    i, QLIST_MAX_PORTS);
				for (int k = 0; k < np; k++) {
					int v = config_setting_get_int_elem(ports, k);

					if (v < 1 || v > 65535)
						return fail(p, ports,
							    "quarantine.remediation[%d].ports[%d]: %d is not a port",
							    i, k, v);
					srv->ports[k] = (uint16_t)v;
				}
				srv->nports = (uint8_t)np;
			}
		}
		c->qlist.nremediation = (uint8_t)n;
	}
	return 0;
}

static int parse_fastpath(struct parse_ctx *p, const config_setting_t *fp, struct fpconf *c)
{
	const config_setting_t *eal = config_setting_get_member(fp, "eal_args");
	const config_setting_t *punt = config_setting_get_member(fp, "punt");
	const config_setting_t *hold = config_setting_get_member(fp, "hold_until_commit");
	char action[32] = "";
	int rc;

	if ((rc = get_string(p, fp, "socket", c->socket_path, sizeof(c->socket_path), false)) ||
	    (rc = get_string(p, fp, "capture_dir", c->capture_dir, sizeof(c->capture_dir), false)) ||
	    (rc = get_string(p, fp, "lcores", c->lcores, sizeof(c->lcores), false)) ||
	    (rc = get_string(p, fp, "unknown_action", action, sizeof(action), false)) ||
	    (rc = get_u32(p, fp, "max_devices", &c->max_devices, 64, 16u << 20)) ||
	    (rc = get_u32(p, fp, "max_acl_rules", &c->max_acl_rules, 16, 1u << 20)) ||
	    (rc = get_u32(p, fp, "max_prefixes", &c->max_prefixes, 16, 8u << 20)) ||
	    (rc = get_u32(p, fp, "mbufs", &c->mbufs, 1023, 1u << 22)))
		return rc;
	if (action[0]) {
		if (!strcmp(action, "quarantine"))
			c->unknown_action = UNKNOWN_QUARANTINE;
		else if (!strcmp(action, "monitor"))
			c->unknown_action = UNKNOWN_MONITOR;
		else if (!strcmp(action, "block"))
			c->unknown_action = UNKNOWN_BLOCK;
		else
			return fail(p, config_setting_get_member(fp, "unknown_action"),
				    "fastpath.unknown_action: \"%s\" is not quarantine, monitor or block", action);
	}
	if (hold) {
		if (config_setting_type(hold) != CONFIG_TYPE_BOOL)
			return fail(p, hold, "fastpath.hold_until_commit: must be true or false");
		c->hold_until_commit = config_setting_get_bool(hold);
	}
	if (eal) {
		int n = config_setting_length(eal);

		if (!config_setting_is_array(eal) && !config_setting_is_list(eal))
			return fail(p, eal, "fastpath.eal_args: must be a list of strings");
		if (n > FPCONF_MAX_EAL_ARGS)
			return fail(p, eal, "fastpath.eal_args: %d arguments, at most %d", n, FPCONF_MAX_EAL_ARGS);
		for (int i = 0; i < n; i++) {
			const char *a = config_setting_get_string_elem(eal, i);

			if (!a || strlen(a) >= FPCONF_STR_MAX)
				return fail(p, eal, "fastpath.eal_args[%d]: must be a string shorter than %d",
					    i, FPCONF_STR_MAX);
			snprintf(c->eal_args[i], FPCONF_STR_MAX, "%s", a);
		}
		c->neal_args = n;
	}
	if (punt) {
		if ((rc = get_u32(p, punt, "ring_size", &c->punt_ring_size, 64, 1u << 20)) ||
		    (rc = get_u32(p, punt, "per_mac_interval_ms", &c->punt_per_mac_interval_ms, 0, 3600000)) ||
		    (rc = get_u32(p, punt, "global_per_second", &c->punt_global_per_second, 1, 1000000)))
			return rc;
		if (c->punt_ring_size & (c->punt_ring_size - 1))
			return fail(p, config_setting_get_member(punt, "ring_size"),
				    "fastpath.punt.ring_size: %u is not a power of two", c->punt_ring_size);
	}
	return parse_ports(p, fp, c);
}

int fpconf_load(const char *path, struct fpconf *out, char *errbuf, size_t errlen)
{
	struct parse_ctx p = { .file = path, .errbuf = errbuf, .errlen = errlen };
	struct fpconf c;
	config_t cfg;
	const config_setting_t *fp, *q;
	int rc = 0;

	fpconf_defaults(&c);
	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		snprintf(errbuf, errlen, "%s:%d: %s", config_error_file(&cfg) ? config_error_file(&cfg) : path,
			 config_error_line(&cfg), config_error_text(&cfg));
		config_destroy(&cfg);
		return -EINVAL;
	}
	fp = config_lookup(&cfg, "fastpath");
	if (!fp || !config_setting_is_group(fp))
		rc = fail(&p, fp, "fastpath: missing section fastpath = { ... }");
	if (!rc)
		rc = parse_fastpath(&p, fp, &c);
	q = config_lookup(&cfg, "quarantine");
	if (!rc && q)
		rc = parse_quarantine(&p, q, &c);
	config_destroy(&cfg);
	if (!rc)
		*out = c;
	return rc;
}
