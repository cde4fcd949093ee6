/* fpconf_test.c — the fast path's configuration: good files parse, bad ones
 * are refused with file, line and setting, and the old struct is untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpconf.h"

static const char *GOOD =
	"fastpath: {\n"
	"  socket = \"/tmp/x.sock\";\n"
	"  lcores = \"0-2\";\n"
	"  eal_args = [ \"--no-huge\", \"-m\", \"256\" ];\n"
	"  ports = (\n"
	"    { name = \"lan0\"; role = \"lan\"; devargs = \"net_af_packet0,iface=a\"; },\n"
	"    { name = \"lan1\"; role = \"lan\"; devargs = \"net_af_packet1,iface=b\"; },\n"
	"    { name = \"up\"; role = \"uplink\"; devargs = \"0000:03:00.1\"; }\n"
	"  );\n"
	"  max_devices = 1000;\n"
	"  unknown_action = \"monitor\";\n"
	"  punt: { ring_size = 512; per_mac_interval_ms = 250; global_per_second = 100; };\n"
	"  hold_until_commit = true;\n"
	"};\n"
	"quarantine: {\n"
	"  resolvers = [ \"10.0.0.53\", \"2001:db8::53\" ];\n"
	"  remediation = ( { address = \"10.0.0.80\"; ports = [ 80, 443 ]; },\n"
	"                  { address = \"10.0.0.81\"; } );\n"
	"};\n";

static char path[64];

static void write_file(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fpconf_test.%d.conf", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_good_file(void **state)
{
	struct fpconf c;
	char err[256] = "";

	(void)state;
	write_file(GOOD);
	assert_int_equal(fpconf_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.socket_path, "/tmp/x.sock");
	assert_string_equal(c.lcores, "0-2");
	assert_int_equal(c.neal_args, 3);
	assert_string_equal(c.eal_args[2], "256");
	assert_int_equal(c.nports, 3);
	assert_int_equal(c.ports[2].role, PORT_UPLINK);
	assert_int_equal(c.ports[1].role, PORT_LAN);
	assert_string_equal(c.ports[2].devargs, "0000:03:00.1");
	assert_int_equal(c.max_devices, 1000);
	assert_int_equal(c.unknown_action, UNKNOWN_MONITOR);
	assert_int_equal(c.punt_ring_size, 512);
	assert_int_equal(c.punt_per_mac_interval_ms, 250);
	assert_true(c.hold_until_commit);
	assert_int_equal(c.qlist.nresolvers, 2);
	assert_int_equal(c.qlist.resolvers[0].family, 4);
	assert_int_equal(c.qlist.resolvers[0].addr4, 0x0a000035);
	assert_int_equal(c.qlist.resolvers[1].family, 6);
	assert_int_equal(c.qlist.nremediation, 2);
	assert_int_equal(c.qlist.remediation[0].nports, 2);
	assert_int_equal(c.qlist.remediation[0].ports[1], 443);
	assert_int_equal(c.qlist.remediation[1].nports, 0);
	unlink(path);
}

static void test_defaults_are_safe(void **state)
{
	struct fpconf c;

	(void)state;
	fpconf_defaults(&c);
	assert_int_equal(c.unknown_action, UNKNOWN_QUARANTINE);
	assert_false(c.hold_until_commit);
	assert_true(c.max_devices >= 1024);
}

/* Replace the first occurrence of `from` in GOOD by `to`, load, and expect
 * an error containing every `want` fragment. */
static void expect_refused(const char *from, const char *to, const char *want1, const char *want2)
{
	char text[4096], err[256] = "";
	const char *at = strstr(GOOD, from);
	struct fpconf c;

	assert_non_null(at);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
	write_file(text);
	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(fpconf_load(path, &c, err, sizeof(err)), -22);
	if (!strstr(err, want1) || (want2 && !strstr(err, want2)))
		fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err, want1, want2 ? want2 : "");
	assert_non_null(strstr(err, path));
	/* the caller's struct is untouched on error */
	assert_int_equal(((unsigned char *)&c)[0], 0x5a);
	unlink(path);
}

static void test_refusals(void **state)
{
	(void)state;
	expect_refused("unknown_action = \"monitor\"", "unknown_action = \"allow\"", ":11:", "unknown_action");
	expect_refused("role = \"uplink\"", "role = \"wan\"", ":8:", "\"wan\"");
	expect_refused("role = \"uplink\"", "role = \"lan\"", "exactly one uplink", NULL);
	expect_refused("max_devices = 1000", "max_devices = 10", ":10:", "max_devices");
	expect_refused("max_devices = 1000", "max_devices = \"many\"", "max_devices", "integer");
	expect_refused("ring_size = 512", "ring_size = 500", "power of two", NULL);
	expect_refused("\"10.0.0.53\"", "\"10.0.0.353\"", "resolvers[0]", "10.0.0.353");
	expect_refused("ports = [ 80, 443 ]", "ports = [ 80, 70000 ]", "70000", NULL);
	expect_refused("name = \"lan1\"", "name = \"lan0\"", "used twice", NULL);
	expect_refused("hold_until_commit = true", "hold_until_commit = 1", "true or false", NULL);
	expect_refused("socket = \"/tmp/x.sock\";", "socket = ;", ":2:", "syntax"); /* syntax */
	expect_refused("fastpath: {", "fastpeth: {", "fastpath", "missing");
}

static void test_missing_file(void **state)
{
	struct fpconf c;
	char err[256] = "";

	(void)state;
	assert_int_equal(fpconf_load("/nonexistent/menjin.conf", &c, err, sizeof(err)), -22);
	assert_non_null(strstr(err, "/nonexistent/menjin.conf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults_are_safe),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
