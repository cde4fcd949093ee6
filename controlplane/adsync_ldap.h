/* adsync_ldap.h — one AD sync job over LDAP (libldap), run to completion.
 *
 * The engine (adsync_engine.c) fills the inputs of a struct ad_job and runs
 * ad_ldap_run() on a worker thread; the job touches nothing but itself and
 * reads the base snapshot, which stays alive and unchanged until the job is
 * collected. It never logs (log.c belongs to the main thread): what went
 * wrong is in err and reject[], and the engine logs it.
 */
#ifndef MENJIN_ADSYNC_LDAP_H
#define MENJIN_ADSYNC_LDAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "adsync.h"

#define AD_MAX_PDU              (16u << 20)  /* largest LDAP message accepted from a DC */
#define AD_MAX_GROUP_REFRESH    64           /* changed groups an incremental sync follows; more: full */
#define AD_MAX_ATTRS_PER_ENTRY  32           /* attributes of one entry looked at */
#define AD_JOB_REJECT_MSGS      5            /* refused entries described per job */

struct ad_job {
	/* inputs, owned by the job */
	struct adsync_conf conf;
	const struct ad_snapshot *base;     /* in force when the job started; may be NULL */
	unsigned first_uri;                 /* index of the DC to try first */
	bool     force_full;
	int64_t  now;
	atomic_bool *cancel;                /* set by the engine to stop between pages */

	/* outputs */
	int      rc;                        /* 0 or negative errno */
	char     err[AD_ERR_MAX];
	struct ad_snapshot *snap;           /* the new snapshot (rc == 0) */
	unsigned uri_used;                  /* index into conf.uris of the DC that answered */
	enum ad_plan_kind kind;
	char     why[256];                  /* why full or incremental */
	unsigned entries;                   /* entries read */
	unsigned rejected;                  /* entries refused by the parser */
	unsigned nreject_msgs;
	char     reject[AD_JOB_REJECT_MSGS][AD_ERR_MAX];
	char     failover[AD_ERR_MAX];      /* errors of DCs tried before the one that answered */
};

/* Run the job: connect, plan, search, build. Fills the outputs. */
int ad_ldap_run(struct ad_job *job);

#endif
