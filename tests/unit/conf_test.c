/* conf_test.c — configuration loading: good files compile into roles and
 * rules; bad files are refused naming file, line and setting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "auth_conf.h"
#include "conf.h"
#include "roles.h"

static const char *GOOD =
	"fastpath = { socket = \"/tmp/fp.sock\"; unknown_action = \"quarantine\"; };\n"
	"quarantine = { resolvers = [ \"10.10.0.53\" ];\n"
	"  remediation = ( { address = \"10.10.0.80\"; ports = [ 80, 443 ]; } ); };\n"
	"menjind = { store = \"/tmp/x.db\"; api_socket = \"/tmp/api.sock\"; syslog_facility = \"local3\";\n"
	"  sd_id = \"menjin@32473\"; log_level = \"debug\"; };\n"
	"roles = (\n"
	"  { name = \"staff\"; id = 10; default = \"deny\";\n"
	"    rules = (\n"
	"      { action = \"permit\"; proto = \"tcp\"; to = \"10.10.0.0/16\"; ports = \"80,443,8000-8080\"; },\n"
	"      { action = \"permit\"; proto = \"udp\"; ports = 53; },\n"
	"      { action = \"deny\"; to = \"2001:db8::/32\"; }\n"
	"    ); },\n"
	"  { name = \"printers\"; id = 20; default = \"permit\"; }\n"
	");\n"
	"policy = (\n"
	"  { name = \"printers\"; match = { oui = \"00:1b:a9\"; }; verdict = \"admit\"; role = \"printers\"; },\n"
	"  { name = \"staff-pcs\"; match = { hostname = \"PC-*\"; }; verdict = \"admit\"; role = \"staff\"; }\n"
	");\n";

static int load(const char *text, struct conf **c, char *err)
{
	return conf_load_string(text, "menjin.conf", c, err, CONF_ERR_MAX);
}

static void test_good_file(void **state)
{
	(void)state;
	struct conf *c;
	char err[CONF_ERR_MAX] = "";

	assert_int_equal(load(GOOD, &c, err), 0);
	assert_string_equal(c->fp_socket, "/tmp/fp.sock");
	assert_string_equal(c->store, "/tmp/x.db");
	assert_string_equal(c->api_socket, "/tmp/api.sock");
	assert_int_equal(c->syslog_facility, LOG_LOCAL3);
	assert_int_equal(c->log_level, 3);
	assert_int_equal(c->nresolvers, 1);
	assert_string_equal(c->remediation[0], "10.10.0.80 ports 80,443");
	assert_int_equal(c->nroles, 2);

	const struct role *staff = conf_role_by_name(c, "staff");
	assert_non_null(staff);
	assert_int_equal(staff->id, 10);
	assert_int_equal(staff->default_action, FP_ACL_DENY);
	/* three port ranges + one + one */
	assert_int_equal(staff->nentries, 5);
	assert_int_equal(staff->entries[0].proto, IPPROTO_TCP);
	assert_int_equal(staff->entries[0].family, 4);
	assert_int_equal(staff->entries[0].addr4, 0x0a0a0000);
	assert_int_equal(staff->entries[0].plen, 16);
	assert_int_equal(staff->entries[0].port_lo, 80);
	assert_int_equal(staff->entries[2].port_lo, 8000);
	assert_int_equal(staff->entries[2].port_hi, 8080);
	assert_int_equal(staff->entries[0].id, staff->entries[2].id);   /* one configured rule */
	assert_int_equal(staff->entries[0].id, (10u << 16) | 1);
	assert_int_equal(staff->entries[3].proto, IPPROTO_UDP);
	assert_int_equal(staff->entries[3].family, 0);
	assert_int_equal(staff->entries[3].port_lo, 53);
	assert_int_equal(staff->entries[4].family, 6);
	assert_int_equal(staff->entries[4].plen, 32);
	assert_int_equal(staff->entries[4].action, FP_ACL_DENY);
	assert_int_equal(staff->entries[4].port_lo, 0);
	assert_int_equal(staff->entries[4].port_hi, 65535);

	char text[128];
	role_entry_format(&staff->entries[2], text, sizeof(text));
	assert_string_equal(text, "permit tcp to 10.10.0.0/16 ports 8000-8080");
	role_entry_format(&staff->entries[4], text, sizeof(text));
	assert_string_equal(text, "deny any to 2001:db8::/32");

	assert_int_equal(c->policy.nrules, 2);
	assert_string_equal(c->policy.rules[1].name, "staff-pcs");
	assert_int_equal(c->policy.rules[1].role_id, 10);
	assert_int_equal(c->policy.rules[1].line, 17);
	assert_string_equal(conf_role_name(c, 0), "unrestricted");
	assert_string_equal(conf_role_name(c, 20), "printers");
	assert_string_equal(conf_role_name(c, 99), "");
	assert_int_equal(strlen(c->sha256), 64);
	assert_int_equal(strlen(c->rules_digest), 64);
	conf_free(c);
}

static void test_defaults(void **state)
{
	(void)state;
	struct conf *c;
	char err[CONF_ERR_MAX];
	assert_int_equal(load("", &c, err), 0);
	assert_string_equal(c->fp_socket, "/run/menjin/fp.sock");
	assert_string_equal(c->store, CONF_DEFAULT_STORE);
	assert_string_equal(c->api_socket, CONF_DEFAULT_API_SOCKET);
	assert_string_equal(c->admin_group, "menjin-admin");
	assert_string_equal(c->operator_group, "menjin-operator");
	assert_string_equal(c->sd_id, "menjin@32473");
	assert_int_equal(c->syslog_facility, LOG_LOCAL0);
	assert_int_equal(c->nroles, 0);
	assert_int_equal(c->policy.nrules, 0);
	assert_int_equal(c->policy.posture_max_age, 30 * 86400);
	/* the event log follows the store unless set */
	assert_string_equal(c->event_log, "/var/lib/menjin/events.log");
	conf_free(c);
	assert_int_equal(load("menjind = { store = \"/tmp/t/m.db\"; };", &c, err), 0);
	assert_string_equal(c->event_log, "/tmp/t/events.log");
	conf_free(c);
	assert_int_equal(load("menjind = { event_log = \"\"; };", &c, err), 0);
	assert_string_equal(c->event_log, "");
	conf_free(c);
}

/* Every refusal: the text to load, and what the message must contain. */
static const struct { const char *text; const char *msg; } BAD[] = {
	{ "menjind = { store = ; };\n", "menjin.conf:1: syntax error" },
	{ "menjind = { stor = \"x\"; };", "menjin.conf:1: menjind: unknown setting 'stor'" },
	{ "menjind = {\n store = 5; };", "menjin.conf:2: menjind.store: must be a string, not an integer" },
	{ "menjind = { syslog_facility = \"kern2\"; };", "unknown facility 'kern2'" },
	{ "menjind = { sd_id = \"menjin 32473\"; };", "is not an RFC 5424 SD-ID" },
	{ "menjind = { sd_id = \"menjin\"; };", "must be name@enterprise-number" },
	{ "menjind = { seen_interval = 0; };", "menjind.seen_interval: 0 is outside 1..86400" },
	{ "menjind = { log_level = \"loud\"; };", "log_level: 'loud' is not" },
	{ "roles = ( { name = \"a\"; id = 0; } );", "role 'a'.id: 0 is outside 1..1023" },
	{ "roles = ( { name = \"a\"; } );", "role 'a': missing setting 'id'" },
	{ "roles = ( { name = \"a\"; id = 1; },\n { name = \"b\"; id = 1; } );", "menjin.conf:2: role 'b': id 1 already used by role 'a'" },
	{ "roles = ( { name = \"a\"; id = 1; },\n { name = \"a\"; id = 2; } );", "role 'a': defined twice (first at line 1)" },
	{ "roles = ( { name = \"unrestricted\"; id = 1; } );", "reserved" },
	{ "roles = ( { name = \"a\"; id = 1; default = \"allow\"; } );", "default 'allow' is not permit or deny" },
	{ "roles = ( { name = \"a\"; id = 1; rules = ( { action = \"allow\"; } ); } );", "role 'a' rule 1: action 'allow' is not permit or deny" },
	{ "roles = ( { name = \"a\"; id = 1; rules = ( { action = \"permit\"; to = \"10.0.0.1/8\"; } ); } );", "to '10.0.0.1/8' is not" },
	{ "roles = ( { name = \"a\"; id = 1; rules = ( { action = \"permit\"; to = \"10.0.0.0/33\"; } ); } );", "to '10.0.0.0/33'" },
	{ "roles = ( { name = \"a\"; id = 1; rules = ( { action = \"permit\"; ports = \"80\"; } ); } );", "ports need proto tcp or udp" },
	{ "roles = ( { name = \"a\"; id = 1; rules = ( { action = \"permit\"; proto = \"tcp\"; ports = \"90-80\"; } ); } );", "ports '90-80' is not" },
	{ "roles = ( { name = \"a\"; id = 1; rules = ( { action = \"permit\"; proto = \"tcp\"; ports = \"70000\"; } ); } );", "ports '70000'" },
	{ "roles = ( { name = \"a\"; id = 1; rules = ( { action = \"permit\"; proto = \"sctp\"; } ); } );", "proto 'sctp'" },
	{ "roles = ( { name = \"a\"; id = 1; rules = ( { action = \"permit\"; proto = \"icmp\"; to = \"::/0\"; } ); } );", "does not fit" },
	{ "roles = ( { name = \"a\"; id = 1; rules = ( { action = \"permit\"; port = 80; } ); } );", "role 'a' rule 1: unknown setting 'port'" },
	{ "roles = ( { name = \"staff\"; id = 1; } );\n"
	  "policy = (\n"
	  "  { name = \"staff-pcs\"; match = { };\n"
	  "    verdict = \"admit\";\n"
	  "    role = \"staf\"; } );", "menjin.conf:5: policy rule 'staff-pcs': unknown role 'staf'" },
	{ "policy = ( { name = \"x\"; match = { }; verdict = \"admit\"; } );", "verdict admit needs a role" },
	{ "policy = ( { name = \"x\"; match = { }; verdict = \"quarantine\"; role = \"unrestricted\"; } );", "a role only applies to verdict admit" },
	{ "policy = ( { name = \"x\"; match = { }; verdict = \"allow\"; } );", "verdict 'allow' is not admit, quarantine or block" },
	{ "policy = ( { name = \"x\"; verdict = \"block\"; } );", "missing setting 'match'" },
	{ "policy = ( { name = \"x\"; match = { mac = \"00:11:22:33:44\"; }; verdict = \"block\"; } );", "match.mac: '00:11:22:33:44' is not a MAC address" },
	{ "policy = ( { name = \"x\"; match = { oui = [ \"00:11\" ]; }; verdict = \"block\"; } );", "is not an OUI" },
	{ "policy = ( { name = \"x\"; match = { posture = \"green\"; }; verdict = \"block\"; } );", "match.posture: unknown value 'green'" },
	{ "policy = ( { name = \"x\"; match = { auth = \"kerberos\"; }; verdict = \"block\"; } );", "match.auth: unknown value 'kerberos'" },
	{ "policy = ( { name = \"x\"; match = { hostnmae = \"a\"; }; verdict = \"block\"; } );", "match: unknown setting 'hostnmae'" },
	{ "policy = ( { name = \"x\"; match = { mac = [ ]; }; verdict = \"block\"; } );", "empty list" },
	{ "policy = ( { name = \"x\"; match = { override = \"yes\"; }; verdict = \"block\"; } );", "must be true or false" },
	{ "policy = ( { name = \"x\"; match = { }; verdict = \"block\"; reason = \"{hostnam}\"; } );", "reason: unknown placeholder '{hostnam}'" },
	{ "policy = ( { name = \"x\"; match = { }; verdict = \"block\"; },\n { name = \"x\"; match = { }; verdict = \"block\"; } );", "menjin.conf:2: policy rule 'x': defined twice" },
	{ "policy = ( { name = \"default\"; match = { }; verdict = \"block\"; } );", "reserved" },
	{ "policy = { };", "policy: must be a list" },
	/* 802.1X sections (auth_conf.c) */
	{ "dot1x = { };", "dot1x: needs a radius { servers = ( ... ); } section" },
	{ "dot1x = { };\nradius = { servers = ( ); };", "menjin.conf:2: radius.servers: a list" },
	{ "dot1x = { };\nradius = { servers = (\n { address = \"127.0.0.1\"; secret = \"short\"; } ); };",
	  "menjin.conf:3: radius.servers[1].secret: at least 8 characters" },
	{ "dot1x = { };\nradius = { servers = ( { address = \"radius.lan\"; secret = \"long-enough\"; } ); };",
	  "radius.servers[1].address: 'radius.lan' is not an IP address" },
	{ "dot1x = { unreachable = \"open\"; };\nradius = { servers = ( { address = \"::1\"; secret = \"long-enough\"; } ); };",
	  "menjin.conf:1: dot1x.unreachable: 'open' is not deny, keep or critical" },
	{ "dot1x = { quiet_perod = 5; };", "dot1x: unknown setting 'quiet_perod'" },
	{ "dot1x = { };\nradius = { servers = ( { address = \"::1\"; secret = \"long-enough\"; } ); };\n"
	  "mab = { format = \"dashes\"; };", "menjin.conf:3: mab.format: 'dashes' is not plain, ietf or colon" },
	{ "dot1x = { };\nradius = { servers = ( { address = \"::1\"; secret = \"long-enough\"; } ); };\n"
	  "coa = { port = 3799; };", "menjin.conf:3: coa.clients: a list" },
	{ "dot1x = { unreachable = \"critical\"; };\nradius = { servers = ( { address = \"::1\"; secret = \"long-enough\"; } ); };",
	  "critical_role: a role name is needed" },
	{ "roles = ( { name = \"radius\"; id = 1; } );", "reserved" },
};

static void test_dot1x_sections(void **state)
{
	struct conf *c;
	char err[CONF_ERR_MAX];
	(void)state;
	assert_int_equal(load("menjind = { };", &c, err), 0);
	assert_false(c->auth->enabled);
	conf_free(c);
	assert_int_equal(load("dot1x = { enabled = false; };", &c, err), 0);
	assert_false(c->auth->enabled);
	conf_free(c);
	/* switched off, but its sections are still checked */
	assert_int_equal(load("dot1x = { enabled = false; };\nradius = { servers = ( ); };", &c, err), -EINVAL);
	assert_non_null(strstr(err, "menjin.conf:2: radius.servers"));
	assert_int_equal(load("dot1x = { quiet_period = 5; unreachable = \"deny\"; };\n"
			      "radius = { nas_identifier = \"t\"; timeout = 2; servers = (\n"
			      "  { address = \"127.0.0.1\"; auth_port = 18120; acct_port = 0; secret = \"long-enough\"; },\n"
			      "  { address = \"::1\"; secret = \"long-enough\"; } ); };\n"
			      "mab = { delay = 7; format = \"ietf\"; };\n"
			      "coa = { listen = \"127.0.0.1\"; port = 3800; clients = ( { address = \"127.0.0.1\"; secret = \"long-enough\"; } ); };\n"
			      "roles = ( { name = \"staff\"; id = 10; } );\n"
			      "policy = ( { name = \"r\"; match = { auth = \"dot1x\"; }; verdict = \"admit\"; role = \"radius\"; } );",
			      &c, err), 0);
	assert_true(c->auth->enabled);
	assert_int_equal(c->auth->a.pae.quiet_period_ms, 5000);
	assert_int_equal(c->auth->a.pae.unreachable, PAE_UNREACHABLE_DENY);
	assert_int_equal(c->auth->a.pae.mab_delay_ms, 7000);
	assert_int_equal(c->auth->a.mab_format, MAB_FORMAT_IETF);
	assert_int_equal(c->auth->a.radius.timeout_ms, 2000);
	/* acct_port 0: the first server takes no accounting */
	assert_int_equal(c->auth->a.radius.nservers[RADIUS_SVC_AUTH], 2);
	assert_int_equal(c->auth->a.radius.nservers[RADIUS_SVC_ACCT], 1);
	assert_true(c->auth->a.coa_enabled);
	assert_string_equal(c->auth->a.coa.nas_identifier, "t");
	assert_true(c->policy.rules[0].role_from_radius);
	conf_free(c);
}

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		struct conf *c = (struct conf *)1;
		char err[CONF_ERR_MAX] = "";
		int rc = load(BAD[i].text, &c, err);
		if (rc != -EINVAL || c != NULL || strstr(err, BAD[i].msg) == NULL)
			fail_msg("case %zu: rc %d, message \"%s\", wanted \"%s\"", i, rc, err, BAD[i].msg);
		assert_non_null(strstr(err, "menjin.conf"));
	}
}

static void test_digest_tracks_rules_only(void **state)
{
	(void)state;
	struct conf *a, *b;
	char err[CONF_ERR_MAX];
	char text[4096];

	assert_int_equal(load(GOOD, &a, err), 0);
	/* a daemon setting does not change what the fast path or the verdicts see */
	snprintf(text, sizeof(text), "%s", GOOD);
	char *p = strstr(text, "\"debug\"");
	memcpy(p, "\"info\" ", 7);
	assert_int_equal(load(text, &b, err), 0);
	assert_string_equal(a->rules_digest, b->rules_digest);
	assert_string_not_equal(a->sha256, b->sha256);
	conf_free(b);
	/* a port does */
	snprintf(text, sizeof(text), "%s", GOOD);
	p = strstr(text, "8080");
	memcpy(p, "8081", 4);
	assert_int_equal(load(text, &b, err), 0);
	assert_string_not_equal(a->rules_digest, b->rules_digest);
	conf_free(b);
	conf_free(a);
}

static void test_file_errors(void **state)
{
	(void)state;
	struct conf *c;
	char err[CONF_ERR_MAX];
	char path[] = "/tmp/conf_test_XXXXXX";

	assert_int_equal(conf_load("/nonexistent/menjin.conf", &c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/menjin.conf: No such file or directory");

	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "menjind = {\n  store = \"/tmp/a.db\";\n  api_socket = 42;\n};\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), -EINVAL);
	char want[128];
	snprintf(want, sizeof(want), "%s:3: menjind.api_socket: must be a string, not an integer", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void test_role_parsers(void **state)
{
	(void)state;
	uint16_t lo[4], hi[4];
	unsigned n;
	struct fpmsg_rule r;
	uint8_t proto;

	assert_int_equal(role_parse_ports("80", lo, hi, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(role_parse_ports("1-2, 3 ,4 - 5", lo, hi, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(hi[2], 5);
	assert_int_equal(role_parse_ports("1,2,3,4,5", lo, hi, 4, &n), -E2BIG);
	assert_int_equal(role_parse_ports("", lo, hi, 4, &n), -EINVAL);
	assert_int_equal(role_parse_ports("80,", lo, hi, 4, &n), -EINVAL);
	assert_int_equal(role_parse_ports("-80", lo, hi, 4, &n), -EINVAL);
	assert_int_equal(role_parse_ports("65536", lo, hi, 4, &n), -EINVAL);

	memset(&r, 0, sizeof(r));
	assert_int_equal(role_parse_prefix("10.1.2.3", &r), 0);
	assert_int_equal(r.plen, 32);
	assert_int_equal(role_parse_prefix("0.0.0.0/0", &r), 0);
	assert_int_equal(r.family, 4);
	assert_int_equal(role_parse_prefix("any", &r), 0);
	assert_int_equal(r.family, 0);
	assert_int_equal(role_parse_prefix("fe80::1/64", &r), -EINVAL);
	assert_int_equal(role_parse_prefix("10.0.0.0/", &r), -EINVAL);
	assert_int_equal(role_parse_prefix("10.0.0/8", &r), -EINVAL);

	assert_int_equal(role_parse_proto("TCP", &proto), 0);
	assert_int_equal(proto, IPPROTO_TCP);
	assert_int_equal(role_parse_proto("47", &proto), 0);
	assert_int_equal(proto, 47);
	assert_int_equal(role_parse_proto("256", &proto), -EINVAL);
	assert_int_equal(role_parse_proto("-1", &proto), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_dot1x_sections),
		cmocka_unit_test(test_digest_tracks_rules_only),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_role_parsers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
