/* adsync_test.c — AD sync without a server: entries to records, refusals,
 * GUIDs and times, nested groups, incremental merges (disable, delete, move
 * between groups, rename), the full/incremental plan, backoff, the password
 * file, the ad {} configuration and the snapshot in SQLite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adfake.h"
#include "adstore.h"
#include "adsync.h"
#include "adsync_krb5.h"
#include "store.h"

/* ---- formats ------------------------------------------------------------ */

static void test_guid_format(void **state)
{
	(void)state;
	uint8_t g[16], back[16];
	char s[AD_GUID_STR_LEN];
	for (unsigned i = 0; i < 16; i++)
		g[i] = (uint8_t)i;
	ad_guid_format(g, s);
	/* The first three fields are little-endian on the wire. */
	assert_string_equal(s, "03020100-0504-0706-0809-0a0b0c0d0e0f");
	assert_int_equal(ad_guid_parse(s, back), 0);
	assert_memory_equal(g, back, 16);
	assert_int_equal(ad_guid_parse("{03020100-0504-0706-0809-0A0B0C0D0E0F}", back), 0);
	assert_memory_equal(g, back, 16);
	assert_int_equal(ad_guid_parse("03020100-0504-0706-0809-0a0b0c0d0e0", back), -EINVAL);
	assert_int_equal(ad_guid_parse("03020100x0504-0706-0809-0a0b0c0d0e0f", back), -EINVAL);
	assert_int_equal(ad_guid_parse("0302010g-0504-0706-0809-0a0b0c0d0e0f", back), -EINVAL);
	assert_int_equal(ad_guid_parse("", back), -EINVAL);
}

static void test_gentime(void **state)
{
	(void)state;
	int64_t t;
	assert_int_equal(ad_gentime_parse("20261125131436.0Z", 17, &t), 0);
	assert_int_equal(t, 1795612476);
	assert_int_equal(ad_gentime_parse("19700101000000Z", 15, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(ad_gentime_parse("20261125131436.0+0800", 21, &t), -EINVAL);
	assert_int_equal(ad_gentime_parse("20261325131436.0Z", 17, &t), -EINVAL);
	assert_int_equal(ad_gentime_parse("2026112513143", 13, &t), -EINVAL);
	assert_int_equal(ad_gentime_parse("20261125131436.Z", 16, &t), -EINVAL);
}

static void test_dn_helpers(void **state)
{
	(void)state;
	char out[256];
	assert_true(ad_dn_under("CN=PC01,OU=Computers,DC=menjin,DC=test", "ou=computers,dc=MENJIN,dc=test"));
	assert_true(ad_dn_under("OU=Computers,DC=menjin,DC=test", "OU=Computers,DC=menjin,DC=test"));
	assert_false(ad_dn_under("CN=PC01,OU=OldComputers,DC=menjin,DC=test", "OU=Computers,DC=menjin,DC=test"));
	/* An escaped comma is not an RDN boundary. */
	assert_false(ad_dn_under("CN=a\\,OU=Computers,DC=menjin,DC=test", "OU=Computers,DC=menjin,DC=test"));
	assert_true(ad_dn_under("CN=a\\\\,OU=Computers,DC=menjin,DC=test", "OU=Computers,DC=menjin,DC=test"));
	assert_false(ad_dn_under("DC=test", "DC=menjin,DC=test"));

	assert_int_equal(ad_dn_to_domain("DC=menjin,DC=test", out, sizeof(out)), 0);
	assert_string_equal(out, "menjin.test");
	assert_int_equal(ad_dn_to_domain("OU=x,DC=hsinchu, DC=gov,DC=tw", out, sizeof(out)), 0);
	assert_string_equal(out, "hsinchu.gov.tw");
	assert_int_equal(ad_dn_to_domain("CN=Users", out, sizeof(out)), -EINVAL);

	assert_int_equal(ad_filter_escape("CN=a (b)*\\c,DC=x", out, sizeof(out)), 0);
	assert_string_equal(out, "CN=a \\28b\\29\\2a\\5cc,DC=x");
	assert_int_equal(ad_filter_escape("((((", out, 8), -ENAMETOOLONG);
}

/* ---- entries to records ------------------------------------------------- */

static void test_parse_computer(void **state)
{
	(void)state;
	struct fake f;
	struct ad_record r;
	char err[AD_ERR_MAX];
	uint8_t g[16];

	fake_computer(&f, 7, "PC07", "pc07.menjin.test", 0x1002, 4711, "Teachers,Wifi");
	struct ad_entry e = fake_entry(&f);
	assert_int_equal(ad_record_parse(&e, &r, err, sizeof(err)), 0);
	fake_guid(g, 7);
	assert_int_equal(r.kind, AD_KIND_COMPUTER);
	assert_memory_equal(r.guid, g, 16);
	assert_string_equal(r.sam, "PC07$");
	assert_string_equal(r.dns_name, "pc07.menjin.test");
	assert_int_equal(r.uac, 0x1002);
	assert_true(r.uac & AD_UAC_ACCOUNTDISABLE);
	assert_string_equal(r.os, "Windows 11 Pro");
	assert_string_equal(r.os_version, "10.0 (22631)");
	assert_int_equal(r.when_changed, 1795612476);
	assert_int_equal(r.usn_changed, 4711);
	assert_int_equal(r.nmember_of, 2);
	assert_string_equal(r.member_of[0], "CN=Teachers," FAKE_GROUPS);
	ad_record_clear(&r);

	/* No dNSHostName (not joined yet): an empty string, not a refusal. */
	fake_computer(&f, 8, "PC08", NULL, 0x1000, 1, "");
	e = fake_entry(&f);
	assert_int_equal(ad_record_parse(&e, &r, err, sizeof(err)), 0);
	assert_string_equal(r.dns_name, "");
	assert_int_equal(r.nmember_of, 0);
	ad_record_clear(&r);

	/* userAccountControl shown as a negative 32-bit integer. */
	fake_init(&f, "CN=PC09," FAKE_COMPS);
	fake_guid(g, 9);
	fake_add_bin(&f, "objectGUID", g, 16);
	fake_add(&f, "objectClass", "computer", NULL);
	fake_add(&f, "sAMAccountName", "PC09$", NULL);
	fake_add(&f, "uSNChanged", "5", NULL);
	fake_add(&f, "userAccountControl", "-2147479550", NULL);
	e = fake_entry(&f);
	assert_int_equal(ad_record_parse(&e, &r, err, sizeof(err)), 0);
	assert_int_equal(r.uac, 0x80001002u);
	ad_record_clear(&r);
}

static void test_parse_group_and_tombstone(void **state)
{
	(void)state;
	struct fake f;
	struct ad_record r;
	char err[AD_ERR_MAX];

	fake_group(&f, 100, "Teachers", 33, "Staff");
	struct ad_entry e = fake_entry(&f);
	assert_int_equal(ad_record_parse(&e, &r, err, sizeof(err)), 0);
	assert_int_equal(r.kind, AD_KIND_GROUP);
	assert_string_equal(r.sam, "Teachers");
	assert_int_equal(r.nmember_of, 1);
	ad_record_clear(&r);

	fake_tombstone(&f, 5, "PC05");
	e = fake_entry(&f);
	assert_int_equal(ad_record_parse(&e, &r, err, sizeof(err)), 0);
	assert_int_equal(r.kind, AD_KIND_DELETED);
	ad_record_clear(&r);
}

/* Parse must fail with -EINVAL and a message holding `want` and the DN. */
static void refused(struct fake *f, const char *want)
{
	struct ad_record r;
	char err[AD_ERR_MAX];
	struct ad_entry e = fake_entry(f);
	int rc = ad_record_parse(&e, &r, err, sizeof(err));
	if (rc != -EINVAL || !strstr(err, want))
		fail_msg("want -EINVAL with \"%s\", got %d \"%s\"", want, rc, err);
	if (f->dn[0] && !strstr(err, f->dn))
		fail_msg("message lacks the DN: %s", err);
	assert_null(r.dn);
}

static void test_parse_refusals(void **state)
{
	(void)state;
	struct fake f;
	uint8_t g[16];
	fake_guid(g, 1);

	fake_init(&f, "CN=NOGUID," FAKE_COMPS);
	fake_add(&f, "objectClass", "computer", NULL);
	fake_add(&f, "sAMAccountName", "NOGUID$", NULL);
	fake_add(&f, "userAccountControl", "4096", NULL);
	fake_add(&f, "uSNChanged", "1", NULL);
	refused(&f, "no objectGUID");

	fake_init(&f, "CN=SHORT," FAKE_COMPS);
	fake_add_bin(&f, "objectGUID", g, 15);
	refused(&f, "objectGUID is 15 bytes");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	fake_attr(&f, "sAMAccountName")->nvals = 2;     /* runs into the next value */
	refused(&f, "sAMAccountName has 2 values");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	fake_set(&f, "userAccountControl", "4096x", 5);
	refused(&f, "userAccountControl is not a number");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	fake_attr(&f, "userAccountControl")->nvals = 0;
	refused(&f, "no userAccountControl");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	fake_attr(&f, "sAMAccountName")->name = "cn";
	refused(&f, "no sAMAccountName");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	fake_attr(&f, "uSNChanged")->name = "uSNCreated";
	refused(&f, "no uSNChanged");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "A");
	fake_attr(&f, "memberOf")->name = "memberOf;range=0-1499";
	refused(&f, "memberOf came in ranges");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	fake_set(&f, "whenChanged", "2026-11-25", 10);
	refused(&f, "whenChanged is not a GeneralizedTime");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	((struct ad_value *)fake_attr(&f, "sAMAccountName")->vals)[0].len = 300;
	refused(&f, "sAMAccountName is 300 bytes");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	fake_set(&f, "sAMAccountName", "P\0C01$", 6);
	refused(&f, "sAMAccountName contains a NUL byte");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	fake_attr(&f, "objectClass")->nvals = 4;        /* without "computer" */
	refused(&f, "neither computer nor group");

	fake_computer(&f, 1, "PC01", NULL, 4096, 1, "");
	f.dn[0] = '\0';
	refused(&f, "no DN");
}

/* ---- snapshots ---------------------------------------------------------- */

static struct ad_snapshot *build(const struct ad_snapshot *base, struct fake *list, unsigned n,
				 uint64_t usn, int64_t now)
{
	struct ad_builder *b;
	struct ad_scope scope = fake_scope();
	struct ad_source src = fake_source(usn);
	struct ad_snapshot *s;
	char err[AD_ERR_MAX];
	assert_int_equal(ad_builder_new(base, &scope, &b), 0);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(fake_put(b, &list[i]), 0);
	assert_int_equal(ad_builder_finish(b, &src, now, &s, err, sizeof(err)), 0);
	return s;
}

/* The resolved group names of a computer, comma joined. */
static const char *groups_of(const struct ad_snapshot *s, const char *sam)
{
	static char out[1024];
	const struct ad_computer *c = ad_snapshot_find_sam(s, sam);
	out[0] = '\0';
	if (!c)
		return "(no such computer)";
	for (unsigned i = 0; i < c->ngroups; i++) {
		size_t used = strlen(out);
		snprintf(out + used, sizeof(out) - used, "%s%s", i ? "," : "", s->groups[c->groups[i]].sam);
	}
	return out;
}

static void test_nested_groups(void **state)
{
	(void)state;
	struct fake *l = calloc(8, sizeof(*l));
	fake_computer(&l[0], 1, "PC01", "pc01.menjin.test", 4096, 10, "Teachers,Outside");
	fake_computer(&l[1], 2, "PC02", "pc02.menjin.test", 4096, 11, "");
	fake_group(&l[2], 100, "Teachers", 12, "Staff");
	fake_group(&l[3], 101, "Staff", 13, "Everyone");
	/* A cycle back to Teachers: AD allows it, resolution must end. */
	fake_group(&l[4], 102, "Everyone", 14, "Teachers");
	fake_group(&l[5], 103, "Unrelated", 15, "");
	/* A group outside group_base is neither kept nor followed. */
	fake_group(&l[6], 104, "Outside", 16, "");
	snprintf(l[6].dn, sizeof(l[6].dn), "CN=Outside,CN=Users," FAKE_NC);

	struct ad_snapshot *s = build(NULL, l, 7, 100, 1000);
	assert_int_equal(s->ncomputers, 2);
	assert_int_equal(s->ngroups, 4);
	assert_string_equal(groups_of(s, "PC01$"), "Everyone,Staff,Teachers");
	assert_string_equal(groups_of(s, "pc02"), "");
	assert_false(s->incremental);
	assert_int_equal(s->full_synced, 1000);
	ad_snapshot_unref(s);
	free(l);
}

static void test_nesting_bounded(void **state)
{
	(void)state;
	unsigned n = AD_MAX_NESTING + 10;
	struct fake *l = calloc(n + 1, sizeof(*l));
	char name[32], parent[32];
	fake_computer(&l[0], 1, "PC01", NULL, 4096, 1, "G0");
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "G%u", i);
		snprintf(parent, sizeof(parent), "G%u", i + 1);
		fake_group(&l[i + 1], 200 + i, name, 2, i + 1 < n ? parent : "");
	}
	struct ad_snapshot *s = build(NULL, l, n + 1, 10, 1);
	const struct ad_computer *c = ad_snapshot_find_sam(s, "PC01$");
	assert_non_null(c);
	assert_int_equal(c->ngroups, AD_MAX_NESTING);
	ad_snapshot_unref(s);
	free(l);
}

static void test_lookups(void **state)
{
	(void)state;
	struct fake l[4];
	fake_computer(&l[0], 1, "PC01", "PC01.Menjin.Test", 4096, 1, "");
	fake_computer(&l[1], 2, "LAB-A", "printer.lab.menjin.test", 4098, 1, "");
	fake_computer(&l[2], 3, "LAB-B", "printer.office.menjin.test", 4096, 1, "");
	fake_computer(&l[3], 4, "KIOSK", "", 4096, 1, "");
	struct ad_snapshot *s = build(NULL, l, 4, 10, 1);
	uint8_t g[16];
	unsigned n;

	assert_non_null(ad_snapshot_find_sam(s, "pc01$"));
	assert_non_null(ad_snapshot_find_sam(s, "pc01"));
	assert_null(ad_snapshot_find_sam(s, "pc0"));
	assert_ptr_equal(ad_snapshot_find_dns(s, "pc01.menjin.test."), ad_snapshot_find_sam(s, "PC01"));
	assert_null(ad_snapshot_find_dns(s, "pc01"));
	assert_non_null(ad_snapshot_find_label(s, "printer", &n));
	assert_int_equal(n, 2);
	assert_non_null(ad_snapshot_find_label(s, "PC01", &n));
	assert_int_equal(n, 1);
	fake_guid(g, 2);
	assert_ptr_equal(ad_snapshot_find_guid(s, g), ad_snapshot_find_sam(s, "lab-a"));
	assert_true(ad_computer_disabled(ad_snapshot_find_guid(s, g)));
	fake_guid(g, 3);
	assert_false(ad_computer_disabled(ad_snapshot_find_guid(s, g)));
	fake_guid(g, 99);
	assert_null(ad_snapshot_find_guid(s, g));
	ad_snapshot_unref(s);
}

static void test_max_objects(void **state)
{
	(void)state;
	struct ad_scope scope = fake_scope();
	struct ad_builder *b;
	struct fake f;
	scope.max_objects = 3;
	assert_int_equal(ad_builder_new(NULL, &scope, &b), 0);
	for (unsigned i = 0; i < 3; i++) {
		fake_computer(&f, i + 1, "PC", NULL, 4096, 1, "");
		assert_int_equal(fake_put(b, &f), 0);
	}
	fake_computer(&f, 1, "PC", NULL, 4097, 2, "");   /* an update is not a new object */
	assert_int_equal(fake_put(b, &f), 0);
	fake_computer(&f, 4, "PC", NULL, 4096, 1, "");
	assert_int_equal(fake_put(b, &f), -E2BIG);
	ad_builder_free(b);
	scope.max_objects = 0;
	assert_int_equal(ad_builder_new(NULL, &scope, &b), -EINVAL);
}

/* The story of one poll: PC01 is disabled and moved from Teachers to
 * Students, PC02 is deleted, PC03 moves to an OU outside computer_base,
 * PC04 is new. Members of changed groups are re-read, as adsync_ldap does. */
static void test_incremental_merge(void **state)
{
	(void)state;
	struct fake *l = calloc(8, sizeof(*l));
	fake_computer(&l[0], 1, "PC01", "pc01.menjin.test", 4096, 10, "Teachers");
	fake_computer(&l[1], 2, "PC02", "pc02.menjin.test", 4096, 11, "Teachers");
	fake_computer(&l[2], 3, "PC03", "pc03.menjin.test", 4096, 12, "");
	fake_group(&l[3], 100, "Teachers", 13, "Staff");
	fake_group(&l[4], 101, "Students", 14, "");
	fake_group(&l[5], 102, "Staff", 15, "");
	struct ad_snapshot *base = build(NULL, l, 6, 100, 1000);
	assert_string_equal(groups_of(base, "PC01"), "Staff,Teachers");

	struct ad_builder *b;
	struct ad_scope scope = fake_scope();
	struct ad_source src = fake_source(200);
	assert_int_equal(ad_builder_new(base, &scope, &b), 0);
	/* the changes after USN 100 */
	fake_computer(&l[0], 1, "PC01", "pc01.menjin.test", 4098, 150, "Students");
	fake_tombstone(&l[1], 2, "PC02");
	fake_computer(&l[2], 3, "PC03", "pc03.menjin.test", 4096, 151, "");
	snprintf(l[2].dn, sizeof(l[2].dn), "CN=PC03,OU=Retired," FAKE_NC);
	fake_computer(&l[3], 4, "PC04", "pc04.menjin.test", 4096, 152, "Students");
	fake_group(&l[4], 100, "Teachers", 153, "Staff");
	fake_group(&l[5], 101, "Students", 154, "");
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(fake_put(b, &l[i]), 0);
	/* member refresh: Teachers has no members left, Students has PC01 and PC04 */
	uint8_t members[2][16];
	fake_guid(members[0], 1);
	fake_guid(members[1], 4);
	assert_int_equal(ad_builder_members(b, NULL, "CN=Teachers," FAKE_GROUPS, NULL, 0), 0);
	assert_int_equal(ad_builder_members(b, NULL, "CN=Students," FAKE_GROUPS,
					    (const uint8_t(*)[16])members, 2), 0);
	assert_true(ad_builder_changes(b) >= 4);
	struct ad_snapshot *s;
	char err[AD_ERR_MAX];
	assert_int_equal(ad_builder_finish(b, &src, 2000, &s, err, sizeof(err)), 0);

	assert_true(s->incremental);
	assert_int_equal(s->full_synced, 1000);     /* still the full sync it descends from */
	assert_int_equal(s->synced, 2000);
	assert_int_equal(s->source.usn, 200);
	assert_int_equal(s->ncomputers, 2);
	assert_true(ad_computer_disabled(ad_snapshot_find_sam(s, "PC01")));
	assert_string_equal(groups_of(s, "PC01"), "Students");
	assert_string_equal(groups_of(s, "PC04"), "Students");
	assert_null(ad_snapshot_find_sam(s, "PC02"));
	assert_null(ad_snapshot_find_sam(s, "PC03"));

	/* The base snapshot is untouched: it may still be in use. */
	assert_int_equal(base->ncomputers, 3);
	assert_false(ad_computer_disabled(ad_snapshot_find_sam(base, "PC01")));
	assert_string_equal(groups_of(base, "PC01"), "Staff,Teachers");
	ad_snapshot_unref(base);
	ad_snapshot_unref(s);
	free(l);
}

/* Only the group changes (member added to its `member`): the computer's
 * memberOf back-link changed without its uSNChanged. */
static void test_membership_only_change(void **state)
{
	(void)state;
	struct fake l[3];
	fake_computer(&l[0], 1, "PC01", "pc01.menjin.test", 4096, 10, "");
	fake_group(&l[1], 100, "Quarantine", 11, "");
	struct ad_snapshot *base = build(NULL, l, 2, 100, 1000);
	assert_string_equal(groups_of(base, "PC01"), "");

	struct ad_builder *b;
	struct ad_scope scope = fake_scope();
	struct ad_source src = fake_source(120);
	struct ad_snapshot *s;
	char err[AD_ERR_MAX];
	uint8_t member[16];
	assert_int_equal(ad_builder_new(base, &scope, &b), 0);
	fake_group(&l[1], 100, "Quarantine", 110, "");
	assert_int_equal(fake_put(b, &l[1]), 0);
	/* the member search returns PC01 with its memberOf, uSNChanged as before */
	fake_computer(&l[0], 1, "PC01", "pc01.menjin.test", 4096, 10, "Quarantine");
	assert_int_equal(fake_put(b, &l[0]), 0);
	fake_guid(member, 1);
	assert_int_equal(ad_builder_members(b, NULL, "CN=Quarantine," FAKE_GROUPS,
					    (const uint8_t(*)[16])&member, 1), 0);
	assert_int_equal(ad_builder_finish(b, &src, 1100, &s, err, sizeof(err)), 0);
	assert_string_equal(groups_of(s, "PC01"), "Quarantine");
	ad_snapshot_unref(base);
	ad_snapshot_unref(s);
}

/* A group renamed: its members' memberOf now holds the new DN. */
static void test_group_rename(void **state)
{
	(void)state;
	struct fake l[2];
	fake_computer(&l[0], 1, "PC01", NULL, 4096, 10, "Old");
	fake_group(&l[1], 100, "Old", 11, "");
	struct ad_snapshot *base = build(NULL, l, 2, 100, 1000);
	assert_string_equal(groups_of(base, "PC01"), "Old");

	struct ad_builder *b;
	struct ad_scope scope = fake_scope();
	struct ad_source src = fake_source(120);
	struct ad_snapshot *s;
	char err[AD_ERR_MAX];
	uint8_t g[16], member[16];
	assert_int_equal(ad_builder_new(base, &scope, &b), 0);
	fake_guid(g, 100);
	assert_string_equal(ad_builder_group_dn(b, g), "CN=Old," FAKE_GROUPS);
	fake_group(&l[1], 100, "New", 110, "");
	assert_int_equal(fake_put(b, &l[1]), 0);
	fake_computer(&l[0], 1, "PC01", NULL, 4096, 10, "New");
	assert_int_equal(fake_put(b, &l[0]), 0);
	fake_guid(member, 1);
	assert_int_equal(ad_builder_members(b, "CN=Old," FAKE_GROUPS, "CN=New," FAKE_GROUPS,
					    (const uint8_t(*)[16])&member, 1), 0);
	assert_int_equal(ad_builder_finish(b, &src, 1100, &s, err, sizeof(err)), 0);
	assert_string_equal(groups_of(s, "PC01"), "New");
	ad_snapshot_unref(base);
	ad_snapshot_unref(s);
}

/* The deletion sweep: what the server no longer lists under the bases goes. */
static void test_retain(void **state)
{
	(void)state;
	struct fake l[4];
	fake_computer(&l[0], 1, "PC01", NULL, 4096, 10, "Staff");
	fake_computer(&l[1], 2, "PC02", NULL, 4096, 11, "");
	fake_computer(&l[2], 3, "PC03", NULL, 4096, 12, "Staff");
	fake_group(&l[3], 100, "Staff", 13, "");
	struct ad_snapshot *base = build(NULL, l, 4, 100, 1000), *s;
	struct ad_builder *b;
	struct ad_scope scope = fake_scope();
	struct ad_source src = fake_source(100);
	char err[AD_ERR_MAX];
	uint8_t keep[3][16];
	fake_guid(keep[0], 1);
	fake_guid(keep[1], 3);
	fake_guid(keep[2], 100);
	assert_int_equal(ad_builder_new(base, &scope, &b), 0);
	assert_int_equal(ad_builder_retain(b, (const uint8_t(*)[16])keep, 3), 0);
	assert_int_equal(ad_builder_changes(b), 1);
	assert_int_equal(ad_builder_finish(b, &src, 1100, &s, err, sizeof(err)), 0);
	assert_int_equal(s->ncomputers, 2);
	assert_null(ad_snapshot_find_sam(s, "PC02"));
	assert_string_equal(groups_of(s, "PC03"), "Staff");
	ad_snapshot_unref(s);

	/* the group gone too: its members keep the stale DN, which resolves to nothing */
	assert_int_equal(ad_builder_new(base, &scope, &b), 0);
	assert_int_equal(ad_builder_retain(b, (const uint8_t(*)[16])keep, 2), 0);
	assert_int_equal(ad_builder_finish(b, &src, 1100, &s, err, sizeof(err)), 0);
	assert_int_equal(s->ngroups, 0);
	assert_string_equal(groups_of(s, "PC01"), "");
	ad_snapshot_unref(s);

	/* an empty answer empties the snapshot: the server said so, completely */
	assert_int_equal(ad_builder_new(base, &scope, &b), 0);
	assert_int_equal(ad_builder_retain(b, NULL, 0), 0);
	assert_int_equal(ad_builder_finish(b, &src, 1100, &s, err, sizeof(err)), 0);
	assert_int_equal(s->ncomputers + s->ngroups, 0);
	ad_snapshot_unref(s);
	ad_snapshot_unref(base);
}

/* ---- plans -------------------------------------------------------------- */

static void test_plan(void **state)
{
	(void)state;
	struct fake f;
	fake_computer(&f, 1, "PC01", NULL, 4096, 10, "");
	struct ad_snapshot *s = build(NULL, &f, 1, 100, 1000);
	struct ad_scope scope = fake_scope();
	struct ad_dc_state dc;
	char why[256];

	memset(&dc, 0, sizeof(dc));
	snprintf(dc.dc, sizeof(dc.dc), "%s", s->source.dc);
	memcpy(dc.invocation_id, s->source.invocation_id, 16);
	dc.highest_usn = 150;

	assert_int_equal(ad_plan(NULL, &dc, &scope, 1000, 3600, why, sizeof(why)), AD_PLAN_FULL);
	assert_string_equal(why, "no snapshot yet");
	assert_int_equal(ad_plan(s, &dc, &scope, 1060, 3600, why, sizeof(why)), AD_PLAN_INCREMENTAL);
	assert_non_null(strstr(why, "after USN 100"));
	/* the same DN in another case is the same DC */
	for (char *p = dc.dc; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	assert_int_equal(ad_plan(s, &dc, &scope, 1060, 3600, why, sizeof(why)), AD_PLAN_INCREMENTAL);

	dc.invocation_id[3] ^= 1;
	assert_int_equal(ad_plan(s, &dc, &scope, 1060, 3600, why, sizeof(why)), AD_PLAN_FULL);
	assert_non_null(strstr(why, "invocationID changed"));
	dc.invocation_id[3] ^= 1;

	snprintf(dc.dc, sizeof(dc.dc), "CN=NTDS Settings,CN=DC2,CN=Servers,CN=Default-First-Site-Name,"
		 "CN=Sites,CN=Configuration,%s", FAKE_NC);
	assert_int_equal(ad_plan(s, &dc, &scope, 1060, 3600, why, sizeof(why)), AD_PLAN_FULL);
	assert_non_null(strstr(why, "another domain controller"));
	snprintf(dc.dc, sizeof(dc.dc), "%s", s->source.dc);

	dc.highest_usn = 99;
	assert_int_equal(ad_plan(s, &dc, &scope, 1060, 3600, why, sizeof(why)), AD_PLAN_FULL);
	assert_non_null(strstr(why, "went back"));
	dc.highest_usn = 150;

	assert_int_equal(ad_plan(s, &dc, &scope, 1000 + 3600, 3600, why, sizeof(why)), AD_PLAN_FULL);
	assert_non_null(strstr(why, "periodic full reconciliation"));
	assert_int_equal(ad_plan(s, &dc, &scope, 999, 3600, why, sizeof(why)), AD_PLAN_FULL);

	scope.computer_base = "OU=Other," FAKE_NC;
	assert_int_equal(ad_plan(s, &dc, &scope, 1060, 3600, why, sizeof(why)), AD_PLAN_FULL);
	assert_non_null(strstr(why, "base changed"));
	ad_snapshot_unref(s);
}

static void test_backoff(void **state)
{
	(void)state;
	assert_int_equal(ad_backoff(0, 600), 0);
	assert_int_equal(ad_backoff(1, 600), 5);
	assert_int_equal(ad_backoff(2, 600), 10);
	assert_int_equal(ad_backoff(3, 600), 20);
	assert_int_equal(ad_backoff(7, 600), 320);
	assert_int_equal(ad_backoff(8, 600), 600);
	assert_int_equal(ad_backoff(1000, 600), 600);
}

/* ---- password file and configuration ------------------------------------ */

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_password_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/adsync_test_XXXXXX", path[64], link[64], pw[AD_PASSWORD_MAX + 1], err[AD_ERR_MAX];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ad.pass", dir);

	write_file(path, "S3cret pass\n", 0600);
	assert_int_equal(adsync_read_password(path, pw, sizeof(pw), err, sizeof(err)), 0);
	assert_string_equal(pw, "S3cret pass");

	write_file(path, "S3cret\n", 0640);
	assert_int_equal(adsync_read_password(path, pw, sizeof(pw), err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "mode 0640"));
	assert_non_null(strstr(err, "chmod 600"));
	write_file(path, "S3cret\n", 0604);
	assert_int_equal(adsync_read_password(path, pw, sizeof(pw), err, sizeof(err)), -EPERM);

	write_file(path, "\n", 0600);
	assert_int_equal(adsync_read_password(path, pw, sizeof(pw), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty"));
	write_file(path, "one\ntwo\n", 0600);
	assert_int_equal(adsync_read_password(path, pw, sizeof(pw), err, sizeof(err)), -EINVAL);

	char big[AD_PASSWORD_MAX + 10];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(path, big, 0600);
	assert_int_equal(adsync_read_password(path, pw, sizeof(pw), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than"));

	/* A symlink could point the daemon at another file: refused. */
	write_file(path, "S3cret\n", 0600);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_true(adsync_read_password(link, pw, sizeof(pw), err, sizeof(err)) < 0);
	unlink(link);

	snprintf(link, sizeof(link), "%s/missing", dir);
	assert_int_equal(adsync_read_password(link, pw, sizeof(pw), err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing"));
	unlink(path);
	rmdir(dir);
}

static int parse_conf(const char *text, struct adsync_conf *c, char *err, size_t errlen)
{
	config_t cfg;
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		snprintf(err, errlen, "libconfig: %s", config_error_text(&cfg));
		config_destroy(&cfg);
		return -999;
	}
	int rc = adsync_conf_parse((const struct config_setting_t *)config_lookup(&cfg, "ad"), "menjin.conf",
				   c, err, errlen);
	config_destroy(&cfg);
	return rc;
}

/* dst = src with the first `from` replaced by `to`. */
static void replace_in(char *dst, size_t len, const char *src, const char *from, const char *to)
{
	const char *at = strstr(src, from);
	assert_non_null(at);
	snprintf(dst, len, "%.*s%s%s", (int)(at - src), src, to, at + strlen(from));
}

static void test_conf(void **state)
{
	(void)state;
	struct adsync_conf c;
	char err[AD_ERR_MAX];
	const char *good =
		"ad = {\n"
		"  uris = [ \"ldaps://dc1.menjin.test\", \"ldap://dc2.menjin.test:389\" ];\n"
		"  bind_dn = \"CN=svc-menjin,CN=Users,DC=menjin,DC=test\";\n"
		"  password_file = \"/etc/menjin/ad.pass\";\n"
		"  ca_file = \"/etc/menjin/ad-ca.pem\";\n"
		"  computer_base = \"OU=Computers,DC=menjin,DC=test\";\n"
		"  group_base = \"OU=Groups,DC=menjin,DC=test\";\n"
		"  poll_interval = 30;\n"
		"  full_interval = 7200;\n"
		"  page_size = 1000;\n"
		"};\n";
	assert_int_equal(parse_conf(good, &c, err, sizeof(err)), 0);
	assert_true(c.enabled);
	assert_int_equal(c.nuris, 2);
	assert_string_equal(c.uris[1], "ldap://dc2.menjin.test:389");
	assert_int_equal(c.poll_interval, 30);
	assert_int_equal(c.full_interval, 7200);
	assert_int_equal(c.page_size, 1000);
	assert_int_equal(c.timeout, AD_DEFAULT_TIMEOUT);
	assert_int_equal(c.max_objects, AD_DEFAULT_MAX_OBJECTS);
	assert_true(c.show_deleted);

	assert_true(c.deletion_sweep);

	char alt[2048];
	replace_in(alt, sizeof(alt), good, "page_size = 1000;",
		   "page_size = 1000; deletion_sweep = false; show_deleted = false;");
	assert_int_equal(parse_conf(alt, &c, err, sizeof(err)), 0);
	assert_false(c.deletion_sweep);
	assert_false(c.show_deleted);
	replace_in(alt, sizeof(alt), good, "page_size = 1000;", "deletion_sweep = 1;");
	assert_int_equal(parse_conf(alt, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ad.deletion_sweep: must be true or false"));

	assert_int_equal(parse_conf("menjind = {};", &c, err, sizeof(err)), 0);
	assert_false(c.enabled);

	char bad[2048];
	snprintf(bad, sizeof(bad), "%s", good);
	char *p = strstr(bad, "page_size");
	memcpy(p, "page_sise", 9);
	assert_int_equal(parse_conf(bad, &c, err, sizeof(err)), -EINVAL);
	if (!strstr(err, ":10: ad.page_sise: unknown setting"))
		fail_msg("%s", err);

	snprintf(bad, sizeof(bad), "%s", good);
	p = strstr(bad, "ldaps://dc1");
	memcpy(p, "http://", 7);
	assert_int_equal(parse_conf(bad, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not ldaps://host"));

	snprintf(bad, sizeof(bad), "%s", good);
	p = strstr(bad, "page_size = 1000");
	memcpy(p, "page_size = 5000", 16);
	assert_int_equal(parse_conf(bad, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ad.page_size: 5000 is outside 1..1000"));

	snprintf(bad, sizeof(bad), "%s", good);
	p = strstr(bad, "full_interval = 7200");
	memcpy(p, "full_interval =   20", 20);
	assert_int_equal(parse_conf(bad, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "full_interval"));

	assert_int_equal(parse_conf("ad = { uris = [\"ldaps://x\"]; bind_dn = \"a\"; password_file = "
				    "\"/p\"; ca_file = \"/c\"; group_base = \"OU=G\"; };", &c, err,
				    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ad.computer_base: missing"));
	assert_int_equal(parse_conf("ad = { uris = [\"ldaps://x\"]; bind_dn = \"a\"; password_file = "
				    "\"p\"; ca_file = \"/c\"; computer_base = \"OU=C\"; group_base = \"OU=G\"; };",
				    &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "password_file: must be an absolute path"));

	/* a keytab instead: the bind name is the principal */
#define KT_CONF(bind, secret) "ad = { uris = [\"ldaps://dc1.x\"]; bind_dn = \"" bind "\"; " secret \
	" ca_file = \"/c\"; computer_base = \"OU=C\"; group_base = \"OU=G\"; };"
	assert_int_equal(parse_conf(KT_CONF("svc@X.TEST", "keytab_file = \"/etc/menjin/ad.keytab\";"), &c, err,
				    sizeof(err)), 0);
	assert_string_equal(c.keytab_file, "/etc/menjin/ad.keytab");
	assert_string_equal(c.password_file, "");
	assert_int_equal(parse_conf(KT_CONF("svc@X.TEST", "keytab_file = \"/k\"; password_file = \"/p\";"), &c, err,
				    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "give password_file or keytab_file, not both"));
	assert_int_equal(parse_conf(KT_CONF("CN=svc,CN=Users,DC=x", "keytab_file = \"/k\";"), &c, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "ad.bind_dn: with keytab_file it is the Kerberos principal, user@REALM"));
	assert_int_equal(parse_conf(KT_CONF("svc@X.TEST", "keytab_file = \"k\";"), &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "keytab_file: must be an absolute path"));
	assert_int_equal(parse_conf(KT_CONF("svc@X.TEST", ""), &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "password_file: must be an absolute path (or give keytab_file)"));
#undef KT_CONF
}

/* The keytab is a secret: refused when anyone but its owner may read it. */
static void test_keytab_file_check(void **state)
{
	(void)state;
	char dir[] = "/tmp/adkt_test_XXXXXX", path[64], err[AD_ERR_MAX];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ad.keytab", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("\x05\x02", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(ad_krb5_check_keytab(path, err, sizeof(err)), 0);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(ad_krb5_check_keytab(path, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "mode 0640 lets group or others read it; refused, run chmod 600"));
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(ad_krb5_check_keytab(path, err, sizeof(err)), -EPERM);
	struct ad_krb5 k;
	assert_int_equal(ad_krb5_acquire(&k, path, "svc@x.test", err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(ad_krb5_acquire(&k, path, "no-realm", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "must be a principal, user@REALM"));
	unlink(path);
	assert_true(ad_krb5_check_keytab(path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "No such file"));
	rmdir(dir);
}

/* ---- the snapshot in SQLite --------------------------------------------- */

static void test_store_roundtrip(void **state)
{
	(void)state;
	char dir[] = "/tmp/adstore_test_XXXXXX", path[64], err[AD_ERR_MAX];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/menjin.db", dir);
	struct ad_snapshot *got;

	assert_int_equal(adstore_load(path, &got, err, sizeof(err)), -ENOENT);

	/* The device store and the AD tables share the file. */
	struct store *st;
	assert_int_equal(store_open(path, &st, err, sizeof(err)), 0);
	assert_int_equal(adstore_load(path, &got, err, sizeof(err)), -ENOENT);

	struct fake l[5];
	fake_computer(&l[0], 1, "PC01", "pc01.menjin.test", 4098, 10, "Teachers");
	fake_computer(&l[1], 2, "PC02", "", 4096, 11, "");
	fake_group(&l[2], 100, "Teachers", 12, "Staff");
	fake_group(&l[3], 101, "Staff", 13, "");
	fake_computer(&l[4], 3, "PC03", "pc03.menjin.test", 4096, 14, "Staff,Teachers");
	struct ad_snapshot *s = build(NULL, l, 5, 500, 1234);
	assert_int_equal(adstore_save(path, s, false, err, sizeof(err)), 0);
	assert_int_equal(adstore_load(path, &got, err, sizeof(err)), 0);
	assert_int_equal(got->ncomputers, 3);
	assert_int_equal(got->ngroups, 2);
	assert_int_equal(got->source.usn, 500);
	assert_int_equal(got->synced, 1234);
	assert_int_equal(got->full_synced, 1234);
	assert_memory_equal(got->source.invocation_id, s->source.invocation_id, 16);
	assert_string_equal(got->source.dc, s->source.dc);
	assert_string_equal(got->source.domain, "menjin.test");
	assert_string_equal(groups_of(got, "PC01"), "Staff,Teachers");
	assert_string_equal(groups_of(got, "PC03"), "Staff,Teachers");
	assert_true(ad_computer_disabled(ad_snapshot_find_dns(got, "pc01.menjin.test")));
	assert_string_equal(ad_snapshot_find_sam(got, "PC03")->os, "Windows 11 Pro");
	ad_snapshot_unref(got);

	/* Saving a smaller snapshot replaces the objects. */
	struct ad_snapshot *s2 = build(NULL, l, 1, 600, 2000);
	assert_int_equal(adstore_save(path, s2, false, err, sizeof(err)), 0);
	assert_int_equal(adstore_load(path, &got, err, sizeof(err)), 0);
	assert_int_equal(got->ncomputers, 1);
	assert_int_equal(got->ngroups, 0);
	ad_snapshot_unref(got);
	/* meta_only (a poll without changes) moves the USN, keeps the objects. */
	s2->source.usn = 700;
	s2->synced = 2100;
	assert_int_equal(adstore_save(path, s2, true, err, sizeof(err)), 0);
	assert_int_equal(adstore_load(path, &got, err, sizeof(err)), 0);
	assert_int_equal(got->ncomputers, 1);
	assert_int_equal(got->source.usn, 700);
	assert_int_equal(got->synced, 2100);
	assert_int_equal(got->full_synced, 2000);
	ad_snapshot_unref(got);
	/* A meta row that does not match the objects is refused, not half used. */
	assert_int_equal(adstore_save(path, s, true, err, sizeof(err)), 0);
	assert_int_equal(adstore_load(path, &got, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "damaged or incomplete"));

	/* The device store still works beside us. */
	struct store_device d;
	memset(&d, 0, sizeof(d));
	d.mac[5] = 1;
	d.first_seen = d.last_seen = 1;
	assert_int_equal(store_device_put(st, &d), 0);
	store_close(st);

	ad_snapshot_unref(s);
	ad_snapshot_unref(s2);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guid_format),
		cmocka_unit_test(test_gentime),
		cmocka_unit_test(test_dn_helpers),
		cmocka_unit_test(test_parse_computer),
		cmocka_unit_test(test_parse_group_and_tombstone),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_nested_groups),
		cmocka_unit_test(test_nesting_bounded),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_max_objects),
		cmocka_unit_test(test_incremental_merge),
		cmocka_unit_test(test_membership_only_change),
		cmocka_unit_test(test_group_rename),
		cmocka_unit_test(test_retain),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_keytab_file_check),
		cmocka_unit_test(test_store_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
