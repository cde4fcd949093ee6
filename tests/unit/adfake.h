/* adfake.h — made-up LDAP entries and snapshots for the AD sync unit tests.
 *
 * A struct fake holds one entry's attributes as the LDAP layer would hand
 * them to ad_record_parse(); fake_snapshot() builds a snapshot from a list of
 * computers and groups described in one line each.
 */
#ifndef MENJIN_TESTS_ADFAKE_H
#define MENJIN_TESTS_ADFAKE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adsync.h"

#define FAKE_MAX_ATTRS 24
#define FAKE_MAX_VALS  64

struct fake {
	char dn[AD_DN_MAX + 64];
	unsigned na, nv;
	struct ad_attr attrs[FAKE_MAX_ATTRS];
	struct ad_value vals[FAKE_MAX_VALS];
	char store[FAKE_MAX_VALS][AD_DN_MAX + 64];
};

static inline void fake_init(struct fake *f, const char *dn)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dn, sizeof(f->dn), "%s", dn);
}

/* Add an attribute with n binary values of the given lengths. */
static inline void fake_add_bin(struct fake *f, const char *name, const void *v, size_t len)
{
	struct ad_attr *a = &f->attrs[f->na++];
	memcpy(f->store[f->nv], v, len);
	f->vals[f->nv] = (struct ad_value){ .val = f->store[f->nv], .len = len };
	*a = (struct ad_attr){ .name = name, .nvals = 1, .vals = &f->vals[f->nv] };
	f->nv++;
}

/* Add an attribute with string values; the list ends with NULL. */
static inline void fake_add(struct fake *f, const char *name, ...)
{
	va_list ap;
	struct ad_attr *a = &f->attrs[f->na++];
	*a = (struct ad_attr){ .name = name, .nvals = 0, .vals = &f->vals[f->nv] };
	va_start(ap, name);
	for (const char *v = va_arg(ap, const char *); v; v = va_arg(ap, const char *)) {
		snprintf(f->store[f->nv], sizeof(f->store[0]), "%s", v);
		f->vals[f->nv] = (struct ad_value){ .val = f->store[f->nv], .len = strlen(v) };
		f->nv++;
		a->nvals++;
	}
	va_end(ap);
}

/* The attribute called name (the first one), for tests that spoil it. */
static inline struct ad_attr *fake_attr(struct fake *f, const char *name)
{
	for (unsigned i = 0; i < f->na; i++)
		if (strcmp(f->attrs[i].name, name) == 0)
			return &f->attrs[i];
	return NULL;
}

/* Replace the first value of an attribute with len bytes of v. */
static inline void fake_set(struct fake *f, const char *name, const char *v, size_t len)
{
	struct ad_attr *a = fake_attr(f, name);
	char *dst = (char *)a->vals[0].val;
	memcpy(dst, v, len);
	((struct ad_value *)a->vals)[0].len = len;
}

static inline struct ad_entry fake_entry(const struct fake *f)
{
	return (struct ad_entry){ .dn = f->dn, .nattrs = f->na, .attrs = f->attrs };
}

static inline void fake_guid(uint8_t g[16], unsigned id)
{
	/* Distinct and stable; not ordered like ids, as real GUIDs are not. */
	for (unsigned i = 0; i < 16; i++)
		g[i] = (uint8_t)((id * 0x9du + i * 0x3bu + (id >> 8)) & 0xff);
	g[15] = (uint8_t)id;
	g[14] = (uint8_t)(id >> 8);
}

#define FAKE_NC      "DC=menjin,DC=test"
#define FAKE_COMPS   "OU=Computers,OU=Office," FAKE_NC
#define FAKE_GROUPS  "OU=Groups,OU=Office," FAKE_NC

/* memberOf from group names (each a CN under FAKE_GROUPS), comma separated. */
static inline void fake_member_of(struct fake *f, const char *groups)
{
	struct ad_attr *a = &f->attrs[f->na++];
	char list[512];
	*a = (struct ad_attr){ .name = "memberOf", .nvals = 0, .vals = &f->vals[f->nv] };
	snprintf(list, sizeof(list), "%s", groups ? groups : "");
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		snprintf(f->store[f->nv], sizeof(f->store[0]), "CN=%s,%s", t, FAKE_GROUPS);
		f->vals[f->nv] = (struct ad_value){ .val = f->store[f->nv], .len = strlen(f->store[f->nv]) };
		f->nv++;
		a->nvals++;
	}
}

/* A computer entry under FAKE_COMPS with sAMAccountName NAME$. */
static inline void fake_computer(struct fake *f, unsigned id, const char *name, const char *dns,
				 unsigned uac, unsigned usn, const char *groups)
{
	char dn[AD_DN_MAX], sam[64], uacs[16], usns[24];
	uint8_t g[16];
	snprintf(dn, sizeof(dn), "CN=%s,%s", name, FAKE_COMPS);
	fake_init(f, dn);
	fake_guid(g, id);
	fake_add_bin(f, "objectGUID", g, 16);
	fake_add(f, "objectClass", "top", "person", "organizationalPerson", "user", "computer", NULL);
	snprintf(sam, sizeof(sam), "%s$", name);
	fake_add(f, "sAMAccountName", sam, NULL);
	if (dns && dns[0])
		fake_add(f, "dNSHostName", dns, NULL);
	snprintf(uacs, sizeof(uacs), "%u", uac);
	fake_add(f, "userAccountControl", uacs, NULL);
	fake_add(f, "operatingSystem", "Windows 11 Pro", NULL);
	fake_add(f, "operatingSystemVersion", "10.0 (22631)", NULL);
	fake_add(f, "whenChanged", "20261125131436.0Z", NULL);
	snprintf(usns, sizeof(usns), "%u", usn);
	fake_add(f, "uSNChanged", usns, NULL);
	fake_member_of(f, groups);
}

/* A group entry under FAKE_GROUPS; parents comma separated. */
static inline void fake_group(struct fake *f, unsigned id, const char *name, unsigned usn,
			      const char *parents)
{
	char dn[AD_DN_MAX], usns[24];
	uint8_t g[16];
	snprintf(dn, sizeof(dn), "CN=%s,%s", name, FAKE_GROUPS);
	fake_init(f, dn);
	fake_guid(g, id);
	fake_add_bin(f, "objectGUID", g, 16);
	fake_add(f, "objectClass", "top", "group", NULL);
	fake_add(f, "sAMAccountName", name, NULL);
	snprintf(usns, sizeof(usns), "%u", usn);
	fake_add(f, "uSNChanged", usns, NULL);
	fake_add(f, "whenChanged", "20261125131436.0Z", NULL);
	fake_member_of(f, parents);
}

static inline void fake_tombstone(struct fake *f, unsigned id, const char *name)
{
	char dn[AD_DN_MAX];
	uint8_t g[16];
	snprintf(dn, sizeof(dn), "CN=%s\\0ADEL:x,CN=Deleted Objects,%s", name, FAKE_NC);
	fake_init(f, dn);
	fake_guid(g, id);
	fake_add_bin(f, "objectGUID", g, 16);
	fake_add(f, "objectClass", "top", "computer", NULL);
	fake_add(f, "isDeleted", "TRUE", NULL);
	fake_add(f, "uSNChanged", "999", NULL);
}

/* Parse an entry into the builder; returns ad_builder_put's result. */
static inline int fake_put(struct ad_builder *b, const struct fake *f)
{
	struct ad_entry e = fake_entry(f);
	struct ad_record r;
	char err[AD_ERR_MAX];
	int rc = ad_record_parse(&e, &r, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "fake_put: %s\n", err);
		return rc;
	}
	return ad_builder_put(b, &r);
}

static inline struct ad_source fake_source(uint64_t usn)
{
	struct ad_source s;
	memset(&s, 0, sizeof(s));
	snprintf(s.uri, sizeof(s.uri), "ldaps://dc1.menjin.test");
	snprintf(s.dc, sizeof(s.dc), "CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,"
		 "CN=Sites,CN=Configuration,%s", FAKE_NC);
	memset(s.invocation_id, 0x11, 16);
	s.usn = usn;
	snprintf(s.naming_context, sizeof(s.naming_context), "%s", FAKE_NC);
	snprintf(s.domain, sizeof(s.domain), "menjin.test");
	snprintf(s.computer_base, sizeof(s.computer_base), "%s", FAKE_COMPS);
	snprintf(s.group_base, sizeof(s.group_base), "%s", FAKE_GROUPS);
	return s;
}

static inline struct ad_scope fake_scope(void)
{
	return (struct ad_scope){ .computer_base = FAKE_COMPS, .group_base = FAKE_GROUPS,
				  .max_objects = 1000 };
}

#endif
