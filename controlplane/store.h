/* store.h — menjind's persistent state in SQLite (WAL).
 *
 * Tables: devices (facts and the current verdict), device_ips, sessions,
 * overrides, posture, events, audit, config_versions, meta (the fast path
 * generation). The schema is versioned; store_open() applies the missing
 * migrations in order and refuses a store newer than this program.
 *
 * Every write of one decision happens inside store_begin()/store_commit(),
 * so after a kill -9 each device has either its old or its new verdict,
 * never half of one. Functions return 0 or a negative errno; -ENOENT when a
 * looked-up row does not exist.
 */
#ifndef MENJIN_STORE_H
#define MENJIN_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "policy.h"

#define STORE_SCHEMA_VERSION   2
#define STORE_MAX_IPS          8       /* addresses remembered per device */
#define STORE_CONFIG_VERSIONS  50      /* configuration versions kept */
#define STORE_BUSY_TIMEOUT_MS  2000
#define STORE_GROUPS_MAX       (FACT_MAX_GROUPS * FACT_GROUP_MAX)

struct store;

struct store_device {
	uint8_t  mac[6];
	uint32_t ipv4;                          /* host order; 0 unknown */
	char     hostname[FACT_HOSTNAME_MAX];
	char     vendor_class[FACT_VENDOR_CLASS_MAX];
	char     fingerprint[FACT_FINGERPRINT_MAX];
	int64_t  first_seen, last_seen;         /* unix seconds */
	uint16_t port, vlan;                    /* where it was last seen */

	uint8_t  auth;                          /* enum auth_result */
	char     identity[FACT_IDENTITY_MAX];
	uint8_t  account;                       /* enum account_state */
	char     groups[STORE_GROUPS_MAX];      /* AD groups, '\n' separated */

	/* the current verdict */
	uint8_t  state;                         /* enum verdict_state */
	uint16_t role_id;
	char     role[ROLE_NAME_MAX];
	char     rule[POLICY_NAME_MAX];
	char     reason[POLICY_REASON_MAX];
	char     why[POLICY_WHY_MAX];
	int64_t  expires;                       /* 0: never */
	int64_t  decided;                       /* when the verdict last changed */
};

struct store_override {
	uint8_t  mac[6];
	uint8_t  state;
	uint16_t role_id;
	char     role[ROLE_NAME_MAX];
	char     reason[POLICY_REASON_MAX];
	int64_t  created, expires;              /* expires 0: permanent */
	uint32_t uid;
	char     user[64];
};

struct store_posture {
	uint8_t  mac[6];
	uint8_t  status;                        /* enum posture_status as reported */
	int64_t  scanned;
	uint8_t  nfailed;
	char     failed[FACT_MAX_FAILED][FACT_ITEM_MAX];
	char     source[64];
};

struct store_filter {
	int         state;                      /* -1: any */
	int         role_id;                    /* -1: any */
	const char *search;                     /* substring of MAC, IP, hostname, identity; NULL any */
	unsigned    limit;                      /* 0: no limit */
};

typedef int (*store_device_cb)(void *ctx, const struct store_device *d);
typedef int (*store_event_cb)(void *ctx, int64_t id, int64_t ts_ms, const char *kind,
			      const char *mac, const char *json);

/* Open or create. `err` gets a readable reason on failure. */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
void store_close(struct store *s);
int store_schema_version(struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* devices */
int store_device_get(struct store *s, const uint8_t mac[6], struct store_device *d);
int store_device_put(struct store *s, const struct store_device *d);   /* insert or replace */
int store_device_delete(struct store *s, const uint8_t mac[6]);
/* Devices matching f, ordered by MAC; stops early when cb returns non-zero
 * (that value is returned). */
int store_device_foreach(struct store *s, const struct store_filter *f, store_device_cb cb, void *ctx);
int store_device_find_ip(struct store *s, const char *ip, uint8_t mac[6]);
int store_device_find_name(struct store *s, const char *hostname, uint8_t mac[6]);
int store_device_counts(struct store *s, unsigned counts[4]);   /* per enum verdict_state */
/* Earliest verdict expiry after 0, or 0 when none. */
int store_next_expiry(struct store *s, int64_t *when);
/* MACs whose verdict expired at or before now (at most max). */
int store_expired(struct store *s, int64_t now, uint8_t (*macs)[6], unsigned max, unsigned *n);

/* addresses */
int store_ip_seen(struct store *s, const uint8_t mac[6], const char *addr, const char *source,
		  int64_t now);
typedef int (*store_ip_cb)(void *ctx, const char *addr, const char *source, int64_t first,
			   int64_t last);
int store_ip_foreach(struct store *s, const uint8_t mac[6], store_ip_cb cb, void *ctx);

/* sessions: a DHCP lease for now; 802.1X sessions use the same table later */
int store_session_dhcp(struct store *s, const uint8_t mac[6], const char *ip, int64_t now,
		       uint32_t lease_secs);

/* overrides */
int store_override_get(struct store *s, const uint8_t mac[6], struct store_override *o);
int store_override_put(struct store *s, const struct store_override *o);
int store_override_delete(struct store *s, const uint8_t mac[6]);
/* The MACs of the overrides `user` made (e.g. "central"), malloc'ed. */
int store_override_macs_by_user(struct store *s, const char *user, uint8_t (**macs)[6], size_t *n);

/* posture */
int store_posture_get(struct store *s, const uint8_t mac[6], struct store_posture *p);
int store_posture_put(struct store *s, const struct store_posture *p);

/* event log and audit log */
int store_event_add(struct store *s, int64_t ts_ms, const char *kind, const char *mac,
		    const char *json, int64_t *id);
/* Events with id > since, oldest first, at most limit (0: 1000). */
int store_event_foreach(struct store *s, int64_t since, unsigned limit, store_event_cb cb, void *ctx);
/* The id of the newest event (0 when the log is empty). */
int store_event_last_id(struct store *s, int64_t *id);
int store_audit_add(struct store *s, int64_t ts_ms, uint32_t uid, const char *user, const char *cmd,
		    const char *args_json, const char *result);
/* Keep the newest `keep` events. */
int store_prune_events(struct store *s, unsigned keep);

/* meta and configuration versions */
int store_meta_get_u64(struct store *s, const char *key, uint64_t *v);
int store_meta_set_u64(struct store *s, const char *key, uint64_t v);
/* Record a configuration text unless the last recorded one has the same sha. */
int store_config_version(struct store *s, const char *sha256, const char *path, const char *text,
			 uint64_t generation, int64_t now, bool *recorded);
/* rules_digest of the last configuration that was applied ("" if none). */
int store_config_last_digest(struct store *s, char *digest, size_t len);
int store_config_set_digest(struct store *s, const char *digest);

/* posture overrides (posture_overrides, schema 2): an administrator's
 * waived GCB items and/or forced posture status for one device. */
#define STORE_WAIVED_MAX       (64 * 64)   /* POSTURE_MAX_WAIVED ids of SCAN_ITEM_MAX, separators */
struct store_posture_override {
	uint8_t  mac[6];
	bool     force;                         /* status replaces the computed one */
	uint8_t  status;                        /* enum posture_status */
	char     waived[STORE_WAIVED_MAX];      /* item ids, '\n' separated */
	int64_t  created, expires;              /* expires 0: until cleared */
	uint32_t uid;
	char     user[64];
	char     reason[POLICY_REASON_MAX];
};
int store_posture_override_get(struct store *s, const uint8_t mac[6], struct store_posture_override *o);
int store_posture_override_put(struct store *s, const struct store_posture_override *o);
/* -ENOENT when the device had none. */
int store_posture_override_delete(struct store *s, const uint8_t mac[6]);
/* Earliest expiry after 0, or 0 when none. */
int store_posture_override_next_expiry(struct store *s, int64_t *when);
/* Every override by MAC (expired_at 0), or those expired at or before
 * expired_at; cb returns non-zero to stop (a negative value is returned). */
int store_posture_override_foreach(struct store *s, int64_t expired_at,
				   int (*cb)(void *ctx, const struct store_posture_override *o), void *ctx);

/* Configuration version history: each applied local configuration text,
 * who made it and whether a `commit confirmed` still waits for it. */
#define STORE_CONFIG_STATE_CONFIRMED   "confirmed"
#define STORE_CONFIG_STATE_PENDING     "pending"
#define STORE_CONFIG_STATE_ROLLED_BACK "rolled back"

struct store_config_author {
	const char *user;                       /* "" for the file */
	int64_t     uid;                        /* -1: not a person (the file, menjind itself) */
	const char *origin;                     /* file, cli, bundle, rollback */
	const char *comment;
	int64_t     confirm_by;                 /* > 0: pending until then (unix seconds) */
};

struct store_config_row {
	int64_t  id;                            /* the version number */
	int64_t  ts;
	char     sha256[65];
	uint64_t generation;
	char     user[64];
	int64_t  uid;
	char     origin[16];
	char     state[16];                     /* STORE_CONFIG_STATE_* */
	char     comment[256];
	int64_t  confirm_by;
	char    *text;                          /* malloc'ed when asked for, else NULL: free() it */
};

typedef int (*store_config_cb)(void *ctx, const struct store_config_row *v);

/* store_config_version() with its authorship; *id is the new version, or
 * the newest one when the text is the same as its (nothing recorded). */
int store_config_record(struct store *s, const char *sha256, const char *path, const char *text,
			uint64_t generation, int64_t now, const struct store_config_author *a, int64_t *id,
			bool *recorded);
/* The version `back` versions before the newest (0: the newest), with its
 * text when with_text. -ENOENT when fewer are kept. */
int store_config_get(struct store *s, unsigned back, bool with_text, struct store_config_row *v);
/* The newest version in state pending (no text); -ENOENT when none. */
int store_config_pending(struct store *s, struct store_config_row *v);
/* The newest version before id that was not rolled back, with its text:
 * what a rollback of id goes back to. -ENOENT when none. */
int store_config_previous(struct store *s, int64_t id, struct store_config_row *v);
int store_config_set_state(struct store *s, int64_t id, const char *state);
/* Newest first, at most limit (0: STORE_CONFIG_VERSIONS), without text. */
int store_config_foreach(struct store *s, unsigned limit, store_config_cb cb, void *ctx);

/* store_audit_add() with the caller's address (the SSH client's). */
int store_audit_add_source(struct store *s, int64_t ts_ms, uint32_t uid, const char *user, const char *source,
			   const char *cmd, const char *args_json, const char *result);

/* 802.1X/MAB sessions kept for a restart (auth_sessions, schema 2): one
 * JSON text per MAC (auth_session.h); kind is "dot1x" or "mab". */
int store_auth_session_put(struct store *s, const uint8_t mac[6], const char *kind, int64_t saved,
			   const char *json);
/* -ENOENT when the MAC had none. */
int store_auth_session_delete(struct store *s, const uint8_t mac[6]);
/* Every saved session, by MAC; mac is the row's key as text (it may not
 * parse: the caller checks). cb returns non-zero to stop (returned). */
int store_auth_session_foreach(struct store *s,
			       int (*cb)(void *ctx, const char *mac, const char *kind, int64_t saved, const char *json),
			       void *ctx);

#endif
