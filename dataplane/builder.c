/* builder.c — build role ACLs and the blocklist in a control thread. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "builder.h"

struct table_build {
	struct table_build_input in;        /* pointers below are our copies */
	struct role_acl_spec *rules;
	struct fpmsg_prefix *prefixes;
	int8_t defaults[FPMSG_MAX_ROLES];
	unsigned serial;
	pthread_t thread;
	int done;                           /* atomic: set by the builder last */
	int rc;
	struct role_acl *acl;
	struct blocklist *blocklist;
	char err[256];
};

/* Context names must be unique while old and new tables coexist. */
static unsigned build_serial;

static void *build_main(void *arg)
{
	struct table_build *b = arg;
	char name[32], e[200];

	if (b->in.acl) {
		snprintf(name, sizeof(name), "racl%u", b->serial);
		b->acl = role_acl_build(name, b->rules, b->in.nrules, b->defaults, b->in.socket_id, e, sizeof(e));
		if (!b->acl) {
			snprintf(b->err, sizeof(b->err), "role ACLs: %s", e);
			b->rc = -EINVAL;
		}
	}
	if (!b->rc && b->in.blocklist) {
		snprintf(name, sizeof(name), "bl%u", b->serial);
		b->blocklist = blocklist_build(name, b->prefixes, b->in.nprefixes, b->in.socket_id, e, sizeof(e));
		if (!b->blocklist) {
			snprintf(b->err, sizeof(b->err), "blocklist: %s", e);
			b->rc = -EINVAL;
		}
	}
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void job_free(struct table_build *b)
{
	free(b->rules);
	free(b->prefixes);
	free(b);
}

struct table_build *table_build_start(const struct table_build_input *in, char *err, size_t errlen)
{
	struct table_build *b = calloc(1, sizeof(*b));
	int rc;

	if (!b)
		goto nomem;
	b->in = *in;
	b->serial = ++build_serial;
	if (in->acl) {
		b->rules = malloc((in->nrules + 1) * sizeof(*b->rules));
		if (!b->rules)
			goto nomem;
		if (in->nrules)   /* an empty staged list may have no array (memcpy's NULL is UB) */
			memcpy(b->rules, in->rules, in->nrules * sizeof(*b->rules));
		memcpy(b->defaults, in->defaults, sizeof(b->defaults));
	}
	if (in->blocklist) {
		b->prefixes = malloc((in->nprefixes + 1) * sizeof(*b->prefixes));
		if (!b->prefixes)
			goto nomem;
		if (in->nprefixes)   /* an empty BLOCKLIST_SET replace leaves no array */
			memcpy(b->prefixes, in->prefixes, in->nprefixes * sizeof(*b->prefixes));
	}
	rc = rte_ctrl_thread_create(&b->thread, "mj-build", NULL, build_main, b);
	if (rc) {
		snprintf(err, errlen, "cannot start the table builder: %s", strerror(rc));
		job_free(b);
		return NULL;
	}
	return b;
nomem:
	snprintf(err, errlen, "out of memory copying the staged tables");
	if (b)
		job_free(b);
	return NULL;
}

bool table_build_done(const struct table_build *b)
{
	return __atomic_load_n(&b->done, __ATOMIC_ACQUIRE) != 0;
}

int table_build_finish(struct table_build *b, struct role_acl **acl, struct blocklist **bl,
		       char *err, size_t errlen)
{
	int rc;

	pthread_join(b->thread, NULL);
	rc = b->rc;
	if (rc) {
		snprintf(err, errlen, "%s", b->err);
		role_acl_free(b->acl);
		blocklist_free(b->blocklist);
		*acl = NULL;
		*bl = NULL;
	} else {
		*acl = b->acl;
		*bl = b->blocklist;
	}
	job_free(b);
	return rc;
}
