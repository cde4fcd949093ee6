/* adsync.h — Active Directory computers and groups, kept in a snapshot.
 *
 * The concern is split by what a file may do:
 *   adsync.c        pure: LDAP entry -> record, GUID and time formats, the
 *                   snapshot builder (full sync and incremental merge), nested
 *                   group resolution, lookups, the full/incremental plan.
 *   adsync_conf.c   the `ad {}` configuration group and the password file.
 *   adsync_ldap.c   LDAP I/O with libldap: TLS, bind, rootDSE, paged searches;
 *                   one synchronous sync job that fills a builder.
 *   adsync_engine.c the engine menjind runs: a libevent timer, one worker
 *                   thread per sync job, backoff, status, persistence.
 *   adstore.c       the snapshot in SQLite (see adstore.h).
 *
 * A snapshot is immutable once built. A sync never changes the snapshot in
 * force: it builds a new one (a copy of the old plus the changes, or a fresh
 * full one) and the engine swaps it in only when the sync completed. On any
 * error the old snapshot stays in force.
 *
 * Functions return 0 or a negative errno; messages for people go to an `err`
 * buffer or to log_*("adsync", ...).
 */
#ifndef MENJIN_ADSYNC_H
#define MENJIN_ADSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sizes of what one entry may carry. Longer values are refused, never cut:
 * a cut group name could match a policy pattern it should not. */
#define AD_DN_MAX               1024    /* bytes of a DN, NUL excluded */
#define AD_NAME_MAX             256     /* sAMAccountName (the schema's upper bound) */
#define AD_DNS_NAME_MAX         255     /* dNSHostName, RFC 1035 */
#define AD_OS_MAX               256     /* operatingSystem, operatingSystemVersion */
#define AD_MAX_MEMBEROF         1024    /* memberOf values of one entry */
#define AD_GUID_STR_LEN         37      /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and NUL */
#define AD_ERR_MAX              512

/* Sizes of a snapshot and of the walk through nested groups. */
#define AD_DEFAULT_MAX_OBJECTS  100000  /* computers + groups */
#define AD_MAX_OBJECTS_LIMIT    1000000
#define AD_MAX_GROUPS_PER_COMPUTER 256  /* resolved (transitive) groups kept per computer */
#define AD_MAX_NESTING          32      /* group-in-group depth followed */
#define AD_MAX_URIS             8
#define AD_URI_MAX              256
#define AD_PASSWORD_MAX         256

/* userAccountControl ACCOUNTDISABLE, [MS-ADTS] 2.2.16. */
#define AD_UAC_ACCOUNTDISABLE   0x0002u

/* Extended controls and matching rules of AD ([MS-ADTS] 3.1.1.3.4). */
#define AD_OID_SHOW_DELETED     "1.2.840.113556.1.4.417"
#define AD_OID_IN_CHAIN         "1.2.840.113556.1.4.1941"

/* ---- LDAP entries as the pure parser sees them ------------------------- */

/* One attribute value: bytes and a length (like a berval); not terminated. */
struct ad_value {
	const char *val;
	size_t      len;
};

struct ad_attr {
	const char            *name;    /* attribute description, e.g. "memberOf" */
	unsigned               nvals;
	const struct ad_value *vals;
};

struct ad_entry {
	const char           *dn;
	unsigned              nattrs;
	const struct ad_attr *attrs;
};

/* The attributes a sync asks for (NULL terminated, for the LDAP layer). */
extern const char *const ad_sync_attrs[];

enum ad_kind {
	AD_KIND_COMPUTER = 1,
	AD_KIND_GROUP,
	AD_KIND_DELETED,        /* a tombstone (isDeleted TRUE): only guid is set */
};

/* One parsed entry. Strings are owned by the record (ad_record_clear). */
struct ad_record {
	enum ad_kind kind;
	uint8_t   guid[16];
	char     *dn;
	char     *sam;                  /* sAMAccountName ("PC01$", "Teachers") */
	char     *dns_name;             /* dNSHostName, computers only; "" when absent */
	uint32_t  uac;                  /* userAccountControl, computers only */
	char     *os;
	char     *os_version;
	int64_t   when_changed;         /* unix seconds */
	uint64_t  usn_changed;
	unsigned  nmember_of;
	char    **member_of;            /* direct memberOf DNs as the server gave them */
};

/* Parse one entry. -EINVAL with the DN and the fault in err for an entry that
 * is not a well-formed computer, group or tombstone. */
int ad_record_parse(const struct ad_entry *e, struct ad_record *out, char *err, size_t errlen);
void ad_record_clear(struct ad_record *r);

/* ---- small formats ------------------------------------------------------ */

/* objectGUID bytes (first three fields little-endian, [MS-DTYP] 2.3.4) to
 * the usual lower-case string form, and back (braces and case accepted). */
void ad_guid_format(const uint8_t guid[16], char out[AD_GUID_STR_LEN]);
int ad_guid_parse(const char *s, uint8_t guid[16]);

/* LDAP GeneralizedTime "YYYYMMDDHHMMSS[.f]Z" to unix seconds. */
int ad_gentime_parse(const char *s, size_t len, int64_t *out);

/* Is dn equal to or below base (case-insensitive, on an RDN boundary)? */
bool ad_dn_under(const char *dn, const char *base);

/* "DC=menjin,DC=test" -> "menjin.test"; -EINVAL if dn has no DC= part. */
int ad_dn_to_domain(const char *dn, char *out, size_t outlen);

/* Escape a value for use in a search filter (RFC 4515 section 3). */
int ad_filter_escape(const char *in, char *out, size_t outlen);

/* ---- snapshots ---------------------------------------------------------- */

struct ad_group {
	uint8_t   guid[16];
	char     *dn;
	char     *sam;
	int64_t   when_changed;
	uint64_t  usn_changed;
	unsigned  nmember_of;
	char    **member_of;            /* direct memberOf DNs (raw) */
	unsigned  nparents;
	uint32_t *parents;              /* resolved: indices of direct parent groups */
};

struct ad_computer {
	uint8_t   guid[16];
	char     *dn;
	char     *sam;
	char     *dns_name;
	uint32_t  uac;
	char     *os;
	char     *os_version;
	int64_t   when_changed;
	uint64_t  usn_changed;
	unsigned  nmember_of;
	char    **member_of;            /* direct memberOf DNs (raw) */
	unsigned  ngroups;
	uint32_t *groups;               /* resolved: direct and nested, indices into groups, sorted by name */
	bool      groups_truncated;     /* more than AD_MAX_GROUPS_PER_COMPUTER */
};

/* Where a snapshot came from. */
struct ad_source {
	char     uri[AD_URI_MAX];       /* the DC's URI used */
	char     dc[AD_DN_MAX + 1];     /* rootDSE dsServiceName */
	uint8_t  invocation_id[16];     /* of that DC's NTDS Settings object */
	uint64_t usn;                   /* highestCommittedUSN read before the searches */
	char     naming_context[AD_DN_MAX + 1];   /* defaultNamingContext */
	char     domain[AD_DNS_NAME_MAX + 1];     /* its DNS form, "menjin.test" */
	char     computer_base[AD_DN_MAX + 1];    /* bases as the server spells them */
	char     group_base[AD_DN_MAX + 1];
};

struct ad_snapshot {
	unsigned refs;                  /* main thread only */
	struct ad_source source;
	int64_t  synced;                /* unix seconds when this snapshot was completed */
	int64_t  full_synced;           /* when the last full sync it descends from completed */
	bool     incremental;           /* produced by an incremental merge */
	unsigned changes;               /* records added, changed or removed by that sync */
	unsigned truncated;             /* computers whose groups were cut at the limit */

	unsigned ncomputers;
	struct ad_computer *computers;  /* sorted by guid */
	unsigned ngroups;
	struct ad_group *groups;        /* sorted by guid */

	/* indexes (sorted arrays of positions) */
	uint32_t *by_sam;               /* computers by sAMAccountName, case-insensitive */
	uint32_t *by_dns;               /* computers with a dNSHostName, by it */
	unsigned  ndns;
	uint32_t *group_by_dn;          /* groups by DN, case-insensitive */
};

struct ad_snapshot *ad_snapshot_ref(struct ad_snapshot *s);
void ad_snapshot_unref(struct ad_snapshot *s);

const struct ad_computer *ad_snapshot_find_guid(const struct ad_snapshot *s, const uint8_t guid[16]);
const struct ad_group *ad_snapshot_find_group_guid(const struct ad_snapshot *s, const uint8_t guid[16]);
/* sAMAccountName, case-insensitive; "PC01" also finds "PC01$". */
const struct ad_computer *ad_snapshot_find_sam(const struct ad_snapshot *s, const char *sam);
/* dNSHostName, case-insensitive, a trailing dot ignored. */
const struct ad_computer *ad_snapshot_find_dns(const struct ad_snapshot *s, const char *fqdn);
/* Computers whose dNSHostName's first label is `label`: count and the first. */
const struct ad_computer *ad_snapshot_find_label(const struct ad_snapshot *s, const char *label,
						 unsigned *count);
const struct ad_group *ad_snapshot_find_group_dn(const struct ad_snapshot *s, const char *dn);
/* The name a group is known by: its sAMAccountName. */
const char *ad_group_name(const struct ad_group *g);
bool ad_computer_disabled(const struct ad_computer *c);

/* ---- building a snapshot ------------------------------------------------ */

struct ad_builder;

struct ad_scope {
	const char *computer_base;      /* computers outside it are not kept */
	const char *group_base;         /* groups outside it are not kept nor resolved */
	unsigned    max_objects;
};

/* Start a snapshot. With base == NULL it is a full sync (starts empty); with
 * a base snapshot it is an incremental merge over a copy of base (base is
 * only read). */
int ad_builder_new(const struct ad_snapshot *base, const struct ad_scope *scope,
		   struct ad_builder **out);
/* Apply one parsed record, taking its strings (r is cleared). A tombstone or
 * an object outside its base removes the object with that guid. -E2BIG when
 * max_objects would be exceeded. */
int ad_builder_put(struct ad_builder *b, struct ad_record *r);
/* The server says the objects with these guids are all the objects whose
 * memberOf holds the group `dn` (old_dn: its DN before a rename, or NULL).
 * Every other object loses that value from its memberOf. */
int ad_builder_members(struct ad_builder *b, const char *old_dn, const char *dn,
		       const uint8_t (*guids)[16], unsigned n);
/* The server says these guids are every object under the bases: all others
 * are removed (deletions seen without the right to read tombstones). */
int ad_builder_retain(struct ad_builder *b, const uint8_t (*guids)[16], unsigned n);
/* The DN the snapshot under construction has for a group guid, or NULL. */
const char *ad_builder_group_dn(const struct ad_builder *b, const uint8_t guid[16]);
unsigned ad_builder_changes(const struct ad_builder *b);
/* Sort, drop what was removed, resolve nested groups, index. The builder is
 * consumed whatever the outcome. */
int ad_builder_finish(struct ad_builder *b, const struct ad_source *src, int64_t now,
		      struct ad_snapshot **out, char *err, size_t errlen);
void ad_builder_free(struct ad_builder *b);

/* ---- what the next sync must be ----------------------------------------- */

enum ad_plan_kind {
	AD_PLAN_FULL = 1,
	AD_PLAN_INCREMENTAL,
};

/* What the DC says now, read from its rootDSE and NTDS Settings object. */
struct ad_dc_state {
	char     uri[AD_URI_MAX];
	char     dc[AD_DN_MAX + 1];
	uint8_t  invocation_id[16];
	uint64_t highest_usn;
};

/* Full unless cur came from the same DC (same dsServiceName and URI), the
 * same database (same invocationID), the USN did not go backwards and the
 * last full sync is younger than full_interval. `why` says which. */
enum ad_plan_kind ad_plan(const struct ad_snapshot *cur, const struct ad_dc_state *dc,
			  const struct ad_scope *scope, int64_t now, int64_t full_interval,
			  char *why, size_t whylen);

/* Seconds to wait after `failures` consecutive failures: doubles from
 * AD_BACKOFF_MIN up to max_backoff. */
#define AD_BACKOFF_MIN 5
int64_t ad_backoff(unsigned failures, int64_t max_backoff);

/* ---- configuration (adsync_conf.c) -------------------------------------- */

#define AD_DEFAULT_PAGE_SIZE      500
#define AD_MAX_PAGE_SIZE          1000      /* AD's default MaxPageSize */
#define AD_DEFAULT_POLL_INTERVAL  60
#define AD_DEFAULT_FULL_INTERVAL  3600
#define AD_MAX_FULL_INTERVAL      (30 * 86400)  /* well inside the 180-day tombstone lifetime */
#define AD_DEFAULT_TIMEOUT        30
#define AD_MAX_TIMEOUT            600
#define AD_DEFAULT_MAX_BACKOFF    600

struct adsync_conf {
	bool     enabled;                       /* an ad {} group is present */
	unsigned nuris;
	char     uris[AD_MAX_URIS][AD_URI_MAX]; /* ldaps://host[:port] or ldap:// (StartTLS) */
	char     bind_dn[AD_DN_MAX + 1];        /* DN or user@domain */
	char     password_file[256];            /* simple bind inside TLS, or */
	char     keytab_file[256];              /* SASL GSSAPI bind with bind_dn as principal */
	char     ca_file[256];
	char     computer_base[AD_DN_MAX + 1];
	char     group_base[AD_DN_MAX + 1];
	int      poll_interval;                 /* seconds between incremental syncs */
	int      full_interval;                 /* seconds between full reconciliations */
	int      timeout;                       /* seconds, network and each operation */
	int      page_size;
	unsigned max_objects;
	int      max_backoff;                   /* seconds */
	bool     show_deleted;                  /* ask for tombstones in incremental syncs */
	bool     deletion_sweep;                /* list every guid in each incremental sync */
};

struct config_setting_t;
/* Fill c from the libconfig group `ad` (NULL: AD sync disabled). -EINVAL with
 * "file:line: ad.setting: problem" in err. */
int adsync_conf_parse(const struct config_setting_t *ad, const char *file, struct adsync_conf *c,
		      char *err, size_t errlen);
void adsync_conf_defaults(struct adsync_conf *c);
/* Check a whole adsync_conf (also used when it is built by hand). */
int adsync_conf_check(const struct adsync_conf *c, char *err, size_t errlen);

/* Read the bind password: the file must be a regular file owned by the
 * effective user, with no group or other permission bits. One trailing
 * newline is dropped. */
int adsync_read_password(const char *path, char *buf, size_t buflen, char *err, size_t errlen);

/* ---- the engine menjind runs (adsync_engine.c) -------------------------- */

struct adsync;
struct event_base;

struct adsync_status {
	bool     enabled;
	bool     running;                       /* a sync is in progress */
	bool     restored;                      /* the data in force came from the store, unconfirmed */
	int64_t  last_attempt;                  /* unix seconds; 0 never */
	int64_t  last_success;                  /* when the data in force was read from AD */
	int64_t  last_full;                     /* when its last full sync completed */
	int64_t  last_error_time;
	char     last_error[AD_ERR_MAX];        /* "" after a success */
	char     store_error[AD_ERR_MAX];       /* last persistence problem, "" if none */
	int64_t  next_attempt;
	unsigned failures;                      /* consecutive */
	char     uri[AD_URI_MAX];               /* the DC the data in force came from */
	char     dc[AD_DN_MAX + 1];             /* its dsServiceName */
	uint64_t usn;
	char     last_kind[16];                 /* "full" or "incremental" */
	char     last_why[256];
	double   last_seconds;                  /* duration of the last successful sync */
	unsigned last_changes;
	unsigned last_rejected;                 /* entries refused by the parser */
	unsigned computers, groups, disabled, truncated;
};

/* Called on the main thread after a new snapshot is in force (also after a
 * snapshot was restored from the store at start). Re-evaluate devices here. */
typedef void (*adsync_applied_cb)(void *ctx, const struct ad_snapshot *snap);

/* Create the engine on the daemon's event base. conf is copied; store_path
 * is the SQLite file for adstore (NULL: nothing persisted). */
int adsync_new(struct event_base *base, const struct adsync_conf *conf, const char *store_path,
	       adsync_applied_cb cb, void *ctx, struct adsync **out);
/* Restore the stored snapshot (if any) and schedule the first sync now. */
int adsync_start(struct adsync *a);
/* Ask for a sync now (full: a full one); queued if one is running. */
int adsync_sync_now(struct adsync *a, bool full);
/* A new configuration, for the next sync on (changed bases force a full one). */
int adsync_reconfigure(struct adsync *a, const struct adsync_conf *conf);
/* Cancel a running sync (waits at most the configured timeout) and free. */
void adsync_free(struct adsync *a);

/* The snapshot in force (NULL before any data); valid until the next applied
 * callback, or longer with ad_snapshot_ref(). */
struct ad_snapshot *adsync_snapshot(const struct adsync *a);
void adsync_get_status(const struct adsync *a, struct adsync_status *st);
/* The status as a JSON object for the management API (new reference), with
 * "age": seconds since the data in force was read, null before any. */
struct json_t;
struct json_t *adsync_status_json(const struct adsync_status *st, int64_t now);

#endif
