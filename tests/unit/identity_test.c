/* identity_test.c — which AD computer a device is: 802.1X machine identities,
 * DHCP names, case, domains, ambiguity, disagreement, and the facts filled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adfake.h"
#include "identity.h"

static struct ad_snapshot *office(void)
{
	struct fake *l = calloc(8, sizeof(*l));
	struct ad_builder *b;
	struct ad_scope scope = fake_scope();
	struct ad_source src = fake_source(100);
	struct ad_snapshot *s;
	char err[AD_ERR_MAX];

	fake_computer(&l[0], 1, "PC01", "pc01.menjin.test", 4096, 1, "Teachers");
	fake_computer(&l[1], 2, "PC02", "PC02.Menjin.Test", 4098, 1, "Students");   /* disabled */
	/* Renamed in DNS but not as an account: only the FQDN or label finds it. */
	fake_computer(&l[2], 3, "OLDNAME", "lab-07.menjin.test", 4096, 1, "");
	fake_computer(&l[3], 4, "PRN-A", "printer.a.menjin.test", 4096, 1, "");
	fake_computer(&l[4], 5, "PRN-B", "printer.b.menjin.test", 4096, 1, "");
	fake_computer(&l[5], 6, "NODNS", "", 4096, 1, "");
	fake_group(&l[6], 100, "Teachers", 1, "Staff");
	fake_group(&l[7], 101, "Staff", 1, "");
	assert_int_equal(ad_builder_new(NULL, &scope, &b), 0);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(fake_put(b, &l[i]), 0);
	assert_int_equal(ad_builder_finish(b, &src, 1000, &s, err, sizeof(err)), 0);
	free(l);
	return s;
}

static int setup(void **state)
{
	*state = office();
	return 0;
}

static int teardown(void **state)
{
	ad_snapshot_unref(*state);
	return 0;
}

static void test_parse_machine(void **state)
{
	(void)state;
	char name[64], domain[64];
	enum identity_source k;

	assert_int_equal(identity_parse_machine("host/pc01.menjin.test", name, sizeof(name), domain,
						sizeof(domain), &k), 0);
	assert_string_equal(name, "pc01");
	assert_string_equal(domain, "menjin.test");
	assert_int_equal(k, IDENTITY_DOT1X_HOST);
	assert_int_equal(identity_parse_machine("HOST/PC01", name, sizeof(name), domain, sizeof(domain), &k), 0);
	assert_string_equal(name, "PC01");
	assert_string_equal(domain, "");
	assert_int_equal(identity_parse_machine("MENJIN\\PC01$", name, sizeof(name), domain, sizeof(domain),
						&k), 0);
	assert_string_equal(name, "PC01");
	assert_int_equal(k, IDENTITY_DOT1X_ACCOUNT);
	assert_int_equal(identity_parse_machine("PC01$@MENJIN.TEST", name, sizeof(name), domain,
						sizeof(domain), &k), 0);
	assert_string_equal(name, "PC01");
	assert_string_equal(domain, "MENJIN.TEST");

	/* users and rubbish are not machine identities */
	const char *bad[] = { "alice", "alice@menjin.test", "MENJIN\\alice", "$", "host/", "host/.menjin.test",
			      "host/pc01..", "host/pc 01.menjin.test", "PC$01$", "host/pc01/x.menjin.test",
			      "PC01$@", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (identity_parse_machine(bad[i], name, sizeof(name), domain, sizeof(domain), &k) != -EINVAL)
			fail_msg("\"%s\" was taken for a machine identity", bad[i]);
}

static void expect(const struct ad_snapshot *s, const char *dot1x, const char *fqdn, const char *host,
		   const char *sam, enum identity_source src, enum identity_attr attr)
{
	struct identity_claims c = { .dot1x = dot1x, .dhcp_fqdn = fqdn, .dhcp_hostname = host };
	struct identity_binding b;
	int rc = identity_bind(s, &c, &b);
	if (!sam) {
		if (rc != -ENOENT || b.computer)
			fail_msg("bound to %s, expected nothing", b.computer ? b.computer->sam : "?");
		assert_int_equal(b.source, IDENTITY_NONE);
		assert_true(b.note[0] != '\0');
		return;
	}
	if (rc != 0)
		fail_msg("not bound: %s", b.note);
	assert_string_equal(b.computer->sam, sam);
	assert_memory_equal(b.guid, b.computer->guid, 16);
	if (b.source != src || b.attr != attr)
		fail_msg("bound by %s/%s, expected %s/%s", identity_source_name(b.source),
			 identity_attr_name(b.attr), identity_source_name(src), identity_attr_name(attr));
}

static void test_dot1x(void **state)
{
	const struct ad_snapshot *s = *state;
	expect(s, "host/pc01.menjin.test", NULL, NULL, "PC01$", IDENTITY_DOT1X_HOST, IDENTITY_ATTR_DNS_HOST_NAME);
	expect(s, "host/PC01.MENJIN.TEST", NULL, NULL, "PC01$", IDENTITY_DOT1X_HOST, IDENTITY_ATTR_DNS_HOST_NAME);
	expect(s, "host/pc02.menjin.test.", NULL, NULL, "PC02$", IDENTITY_DOT1X_HOST,
	       IDENTITY_ATTR_DNS_HOST_NAME);
	/* no dNSHostName yet: the account name in the right domain */
	expect(s, "host/nodns.menjin.test", NULL, NULL, "NODNS$", IDENTITY_DOT1X_HOST,
	       IDENTITY_ATTR_SAM_ACCOUNT_NAME);
	expect(s, "host/NoDns", NULL, NULL, "NODNS$", IDENTITY_DOT1X_HOST, IDENTITY_ATTR_SAM_ACCOUNT_NAME);
	/* ... but not from another domain */
	expect(s, "host/nodns.evil.test", NULL, NULL, NULL, 0, 0);
	expect(s, "PC01$", NULL, NULL, "PC01$", IDENTITY_DOT1X_ACCOUNT, IDENTITY_ATTR_SAM_ACCOUNT_NAME);
	expect(s, "menjin\\pc01$", NULL, NULL, "PC01$", IDENTITY_DOT1X_ACCOUNT, IDENTITY_ATTR_SAM_ACCOUNT_NAME);
	expect(s, "pc01$@Menjin.Test", NULL, NULL, "PC01$", IDENTITY_DOT1X_ACCOUNT,
	       IDENTITY_ATTR_SAM_ACCOUNT_NAME);
	expect(s, "PC01$@OTHER.TEST", NULL, NULL, NULL, 0, 0);
	expect(s, "host/ghost.menjin.test", NULL, NULL, NULL, 0, 0);
	/* a user logon binds no computer */
	expect(s, "alice@menjin.test", NULL, NULL, NULL, 0, 0);
}

static void test_dhcp(void **state)
{
	const struct ad_snapshot *s = *state;
	expect(s, NULL, "pc01.menjin.test", NULL, "PC01$", IDENTITY_DHCP_FQDN, IDENTITY_ATTR_DNS_HOST_NAME);
	expect(s, NULL, "pc01", NULL, NULL, 0, 0);                /* option 81 without a domain */
	expect(s, NULL, NULL, "pc02", "PC02$", IDENTITY_DHCP_HOSTNAME, IDENTITY_ATTR_SAM_ACCOUNT_NAME);
	expect(s, NULL, NULL, "PC02.menjin.test", "PC02$", IDENTITY_DHCP_HOSTNAME,
	       IDENTITY_ATTR_DNS_HOST_NAME);
	/* the DNS label, when exactly one computer has it */
	expect(s, NULL, NULL, "LAB-07", "OLDNAME$", IDENTITY_DHCP_HOSTNAME, IDENTITY_ATTR_DNS_FIRST_LABEL);
	expect(s, NULL, NULL, "printer", NULL, 0, 0);             /* two computers: ambiguous */
	expect(s, NULL, NULL, "bad name", NULL, 0, 0);
	expect(s, NULL, NULL, "", NULL, 0, 0);
	expect(s, NULL, NULL, NULL, NULL, 0, 0);

	struct identity_claims c = { .dhcp_hostname = "printer" };
	struct identity_binding b;
	assert_int_equal(identity_bind(s, &c, &b), -ENOENT);
	assert_non_null(strstr(b.note, "first label of 2 computers"));
}

static void test_strongest_claim_wins(void **state)
{
	const struct ad_snapshot *s = *state;
	struct identity_claims c = { .dot1x = "host/pc01.menjin.test", .dhcp_hostname = "PC02" };
	struct identity_binding b;
	assert_int_equal(identity_bind(s, &c, &b), 0);
	assert_string_equal(b.computer->sam, "PC01$");
	assert_int_equal(b.source, IDENTITY_DOT1X_HOST);
	assert_string_equal(b.claim, "host/pc01.menjin.test");
	assert_non_null(strstr(b.note, "PC02 names PC02$"));

	/* a failed 802.1X identity is the caller's to leave out; a bad one falls through */
	c = (struct identity_claims){ .dot1x = "alice", .dhcp_fqdn = "pc02.menjin.test" };
	assert_int_equal(identity_bind(s, &c, &b), 0);
	assert_int_equal(b.source, IDENTITY_DHCP_FQDN);
	assert_non_null(strstr(b.note, "not a machine identity"));

	assert_int_equal(identity_bind(NULL, &c, &b), -ENOENT);
	assert_string_equal(b.note, "no AD data yet");
}

static void test_facts(void **state)
{
	struct ad_snapshot *s = *state;
	struct identity_claims c = { .dot1x = "PC01$" };
	struct identity_binding b;
	struct device_facts f;
	memset(&f, 0, sizeof(f));

	assert_int_equal(identity_bind(s, &c, &b), 0);
	assert_int_equal(identity_facts(s, &b, &f), 0);
	assert_int_equal(f.account, ACCOUNT_ENABLED);
	assert_int_equal(f.ngroups, 2);
	assert_string_equal(f.groups[0], "Staff");
	assert_string_equal(f.groups[1], "Teachers");

	c.dot1x = "PC02$";
	assert_int_equal(identity_bind(s, &c, &b), 0);
	identity_facts(s, &b, &f);
	assert_int_equal(f.account, ACCOUNT_DISABLED);
	assert_int_equal(f.ngroups, 0);      /* Students is not under group_base here: not a group */

	c.dot1x = "GHOST$";
	assert_int_equal(identity_bind(s, &c, &b), -ENOENT);
	f.ngroups = 3;
	identity_facts(s, &b, &f);
	assert_int_equal(f.account, ACCOUNT_UNKNOWN);
	assert_int_equal(f.ngroups, 0);

	/* a binding made on an older snapshot, computer since deleted */
	c.dot1x = "PC01$";
	assert_int_equal(identity_bind(s, &c, &b), 0);
	struct ad_snapshot *empty;
	struct ad_builder *bb;
	struct ad_scope scope = fake_scope();
	char err[AD_ERR_MAX];
	assert_int_equal(ad_builder_new(NULL, &scope, &bb), 0);
	assert_int_equal(ad_builder_finish(bb, NULL, 2000, &empty, err, sizeof(err)), 0);
	identity_facts(empty, &b, &f);
	assert_int_equal(f.account, ACCOUNT_UNKNOWN);
	ad_snapshot_unref(empty);
}

static void test_facts_limits(void **state)
{
	(void)state;
	unsigned n = FACT_MAX_GROUPS + 5;
	struct fake *l = calloc(n + 2, sizeof(*l));
	char list[4096] = "", name[80];
	struct ad_builder *b;
	struct ad_scope scope = fake_scope();
	struct ad_source src = fake_source(1);
	struct ad_snapshot *s;
	char err[AD_ERR_MAX];
	assert_int_equal(ad_builder_new(NULL, &scope, &b), 0);
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "G%02u", i);
		fake_group(&l[i], 100 + i, name, 1, "");
		assert_int_equal(fake_put(b, &l[i]), 0);
		strcat(list, name);
		strcat(list, ",");
	}
	/* a name too long for the facts: left out, never cut */
	memset(name, 'L', FACT_GROUP_MAX + 4);
	name[FACT_GROUP_MAX + 4] = '\0';
	fake_group(&l[n], 999, name, 1, "");
	assert_int_equal(fake_put(b, &l[n]), 0);
	strcat(list, name);
	fake_computer(&l[n + 1], 1, "BUSY", NULL, 4096, 1, list);
	assert_int_equal(fake_put(b, &l[n + 1]), 0);
	assert_int_equal(ad_builder_finish(b, &src, 1, &s, err, sizeof(err)), 0);

	struct identity_claims c = { .dhcp_hostname = "busy" };
	struct identity_binding bind;
	struct device_facts f;
	assert_int_equal(identity_bind(s, &c, &bind), 0);
	assert_int_equal(identity_facts(s, &bind, &f), 6);
	assert_int_equal(f.ngroups, FACT_MAX_GROUPS);
	assert_string_equal(f.groups[0], "G00");
	for (unsigned i = 0; i < f.ngroups; i++)
		assert_true(strlen(f.groups[i]) < FACT_GROUP_MAX);
	ad_snapshot_unref(s);
	free(l);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(identity_source_name(IDENTITY_DOT1X_HOST), "dot1x-host");
	assert_string_equal(identity_source_name(IDENTITY_DOT1X_ACCOUNT), "dot1x-account");
	assert_string_equal(identity_source_name(IDENTITY_DHCP_FQDN), "dhcp-fqdn");
	assert_string_equal(identity_source_name(IDENTITY_DHCP_HOSTNAME), "dhcp-hostname");
	assert_string_equal(identity_source_name(IDENTITY_NONE), "none");
	assert_string_equal(identity_attr_name(IDENTITY_ATTR_DNS_FIRST_LABEL), "dNSHostName first label");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_machine),
		cmocka_unit_test_setup_teardown(test_dot1x, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strongest_claim_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_facts, setup, teardown),
		cmocka_unit_test(test_facts_limits),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
