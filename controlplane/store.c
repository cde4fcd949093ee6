/* store.c — SQLite persistence of devices, verdicts and logs (see store.h). */
#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mac.h"

#define STORE_EVENTS_LIMIT 1000   /* events returned by one query when no limit is given */

/* Migration i moves the schema from version i to i + 1. Never edit a
 * released entry: add a new one. */
static const char *const migrations[] = {
	/* 0 -> 1: the initial schema */
	"CREATE TABLE devices ("
	"  mac TEXT PRIMARY KEY NOT NULL,"
	"  ipv4 TEXT NOT NULL DEFAULT '',"
	"  hostname TEXT NOT NULL DEFAULT '',"
	"  vendor_class TEXT NOT NULL DEFAULT '',"
	"  fingerprint TEXT NOT NULL DEFAULT '',"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  port INTEGER NOT NULL DEFAULT 0,"
	"  vlan INTEGER NOT NULL DEFAULT 0,"
	"  auth INTEGER NOT NULL DEFAULT 0,"
	"  identity TEXT NOT NULL DEFAULT '',"
	"  account INTEGER NOT NULL DEFAULT 0,"
	"  groups TEXT NOT NULL DEFAULT '',"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  role_id INTEGER NOT NULL DEFAULT 0,"
	"  role TEXT NOT NULL DEFAULT '',"
	"  rule TEXT NOT NULL DEFAULT '',"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  why TEXT NOT NULL DEFAULT '',"
	"  expires INTEGER NOT NULL DEFAULT 0,"
	"  decided INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX devices_ipv4 ON devices(ipv4);"
	"CREATE INDEX devices_hostname ON devices(hostname COLLATE NOCASE);"
	"CREATE INDEX devices_expires ON devices(expires) WHERE expires > 0;"
	"CREATE TABLE device_ips ("
	"  mac TEXT NOT NULL REFERENCES devices(mac) ON DELETE CASCADE,"
	"  addr TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  PRIMARY KEY (mac, addr));"
	"CREATE INDEX device_ips_addr ON device_ips(addr);"
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  mac TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"            /* dhcp, dot1x, mab */
	"  identity TEXT NOT NULL DEFAULT '',"
	"  ipv4 TEXT NOT NULL DEFAULT '',"
	"  started INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  ends INTEGER NOT NULL DEFAULT 0,"
	"  closed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX sessions_mac ON sessions(mac, kind, closed);"
	"CREATE TABLE overrides ("
	"  mac TEXT PRIMARY KEY NOT NULL,"
	"  state INTEGER NOT NULL,"
	"  role_id INTEGER NOT NULL,"
	"  role TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  user TEXT NOT NULL);"
	"CREATE TABLE posture ("
	"  mac TEXT PRIMARY KEY NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  scanned INTEGER NOT NULL,"
	"  failed TEXT NOT NULL,"          /* '\n' separated item ids */
	"  source TEXT NOT NULL);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts_ms INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  mac TEXT NOT NULL DEFAULT '',"
	"  json TEXT NOT NULL);"
	"CREATE INDEX events_mac ON events(mac);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts_ms INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  user TEXT NOT NULL,"
	"  cmd TEXT NOT NULL,"
	"  args TEXT NOT NULL,"
	"  result TEXT NOT NULL);"
	"CREATE TABLE config_versions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  generation INTEGER NOT NULL,"
	"  text TEXT NOT NULL);"
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL);",
	/* 1 -> 2: configuration versions say who committed them and whether a
	 * `commit confirmed` still waits; audit records carry the caller's
	 * address; 802.1X/MAB sessions and posture overrides survive a restart */
	"ALTER TABLE config_versions ADD COLUMN user TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE config_versions ADD COLUMN uid INTEGER NOT NULL DEFAULT -1;"
	"ALTER TABLE config_versions ADD COLUMN origin TEXT NOT NULL DEFAULT 'file';"  /* file, cli, bundle */
	"ALTER TABLE config_versions ADD COLUMN state TEXT NOT NULL DEFAULT 'confirmed';" /* confirmed, pending, rolled back */
	"ALTER TABLE config_versions ADD COLUMN comment TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE config_versions ADD COLUMN confirm_by INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE audit ADD COLUMN source TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE auth_sessions ("
	"  mac TEXT PRIMARY KEY NOT NULL,"
	"  kind TEXT NOT NULL,"            /* dot1x, mab */
	"  saved INTEGER NOT NULL,"
	"  json TEXT NOT NULL);"           /* the session as auth8021x keeps it */
	"CREATE TABLE posture_overrides ("
	"  mac TEXT PRIMARY KEY NOT NULL,"
	"  force INTEGER NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  waived TEXT NOT NULL,"          /* '\n' separated item ids */
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  user TEXT NOT NULL,"
	"  reason TEXT NOT NULL);",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

#define DEVICE_COLUMNS \
	"mac, ipv4, hostname, vendor_class, fingerprint, first_seen, last_seen, port, vlan, auth, " \
	"identity, account, groups, state, role_id, role, rule, reason, why, expires, decided"

enum stmt {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_DEV_GET, ST_DEV_PUT, ST_DEV_DEL, ST_DEV_ALL, ST_DEV_FIND_IP, ST_DEV_FIND_NAME,
	ST_DEV_COUNTS, ST_NEXT_EXPIRY, ST_EXPIRED,
	ST_IP_SEEN, ST_IP_TRIM, ST_IP_LIST,
	ST_SESS_OPEN, ST_SESS_TOUCH, ST_SESS_CLOSE, ST_SESS_NEW,
	ST_OVR_GET, ST_OVR_PUT, ST_OVR_DEL, ST_OVR_BY_USER,
	ST_POST_GET, ST_POST_PUT,
	ST_EV_ADD, ST_EV_SINCE, ST_EV_LAST, ST_EV_PRUNE, ST_AUDIT_ADD,
	ST_META_GET, ST_META_SET,
	ST_CFG_LAST, ST_CFG_ADD, ST_CFG_TRIM,
	ST__MAX
};

static const char *const stmt_sql[ST__MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_DEV_GET] = "SELECT " DEVICE_COLUMNS " FROM devices WHERE mac = ?1",
	/* An upsert, not INSERT OR REPLACE: a replace deletes the row first,
	 * and the delete would cascade to the device's addresses. */
	[ST_DEV_PUT] = "INSERT INTO devices (" DEVICE_COLUMNS ") VALUES "
		       "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21) "
		       "ON CONFLICT (mac) DO UPDATE SET ipv4 = ?2, hostname = ?3, vendor_class = ?4, fingerprint = ?5, "
		       "first_seen = ?6, last_seen = ?7, port = ?8, vlan = ?9, auth = ?10, identity = ?11, account = ?12, "
		       "groups = ?13, state = ?14, role_id = ?15, role = ?16, rule = ?17, reason = ?18, why = ?19, "
		       "expires = ?20, decided = ?21",
	[ST_DEV_DEL] = "DELETE FROM devices WHERE mac = ?1",
	[ST_DEV_ALL] = "SELECT " DEVICE_COLUMNS " FROM devices WHERE (?1 < 0 OR state = ?1) AND "
		       "(?2 < 0 OR role_id = ?2) AND (?3 IS NULL OR instr(lower(mac), lower(?3)) OR "
		       "instr(ipv4, ?3) OR instr(lower(hostname), lower(?3)) OR instr(lower(identity), lower(?3)) "
		       "OR mac IN (SELECT mac FROM device_ips WHERE instr(lower(addr), lower(?3)))) "
		       "ORDER BY mac LIMIT ?4",
	[ST_DEV_FIND_IP] = "SELECT mac FROM devices WHERE ipv4 = ?1 UNION ALL "
			   "SELECT mac FROM device_ips WHERE addr = ?1 LIMIT 1",
	[ST_DEV_FIND_NAME] = "SELECT mac FROM devices WHERE hostname = ?1 COLLATE NOCASE "
			     "ORDER BY last_seen DESC LIMIT 1",
	[ST_DEV_COUNTS] = "SELECT state, count(*) FROM devices GROUP BY state",
	[ST_NEXT_EXPIRY] = "SELECT min(expires) FROM devices WHERE expires > 0",
	[ST_EXPIRED] = "SELECT mac FROM devices WHERE expires > 0 AND expires <= ?1 ORDER BY expires LIMIT ?2",
	[ST_IP_SEEN] = "INSERT INTO device_ips (mac, addr, source, first_seen, last_seen) "
		       "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (mac, addr) DO UPDATE SET "
		       "last_seen = excluded.last_seen, source = excluded.source",
	[ST_IP_TRIM] = "DELETE FROM device_ips WHERE mac = ?1 AND addr NOT IN "
		       "(SELECT addr FROM device_ips WHERE mac = ?1 ORDER BY last_seen DESC LIMIT ?2)",
	[ST_IP_LIST] = "SELECT addr, source, first_seen, last_seen FROM device_ips WHERE mac = ?1 "
		       "ORDER BY last_seen DESC",
	[ST_SESS_OPEN] = "SELECT id, ipv4 FROM sessions WHERE mac = ?1 AND kind = ?2 AND closed = 0 "
			 "ORDER BY id DESC LIMIT 1",
	[ST_SESS_TOUCH] = "UPDATE sessions SET updated = ?2, ends = ?3 WHERE id = ?1",
	[ST_SESS_CLOSE] = "UPDATE sessions SET closed = ?2, updated = ?2 WHERE mac = ?1 AND kind = ?3 AND closed = 0",
	[ST_SESS_NEW] = "INSERT INTO sessions (mac, kind, ipv4, started, updated, ends) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
	[ST_OVR_GET] = "SELECT state, role_id, role, reason, created, expires, uid, user FROM overrides WHERE mac = ?1",
	[ST_OVR_PUT] = "INSERT OR REPLACE INTO overrides (mac, state, role_id, role, reason, created, expires, uid, user) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_OVR_DEL] = "DELETE FROM overrides WHERE mac = ?1",
	[ST_OVR_BY_USER] = "SELECT mac FROM overrides WHERE user = ?1 ORDER BY mac",
	[ST_POST_GET] = "SELECT status, scanned, failed, source FROM posture WHERE mac = ?1",
	[ST_POST_PUT] = "INSERT OR REPLACE INTO posture (mac, status, scanned, failed, source) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_EV_ADD] = "INSERT INTO events (ts_ms, kind, mac, json) VALUES (?1, ?2, ?3, ?4)",
	[ST_EV_SINCE] = "SELECT id, ts_ms, kind, mac, json FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
	[ST_EV_LAST] = "SELECT coalesce(max(id), 0) FROM events",
	[ST_EV_PRUNE] = "DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?1",
	[ST_AUDIT_ADD] = "INSERT INTO audit (ts_ms, uid, user, cmd, args, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
	[ST_CFG_LAST] = "SELECT sha256 FROM config_versions ORDER BY id DESC LIMIT 1",
	[ST_CFG_ADD] = "INSERT INTO config_versions (ts, sha256, path, generation, text) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_CFG_TRIM] = "DELETE FROM config_versions WHERE id <= (SELECT max(id) FROM config_versions) - ?1",
};

struct store {
	sqlite3      *db;
	sqlite3_stmt *st[ST__MAX];
	int           depth;      /* store_begin() nesting: only the outermost one talks to SQLite */
	bool          failed;     /* a nested part failed: the outermost commit rolls back */
};

/* ---- helpers ---------------------------------------------------------- */

static int db_err(struct store *s, const char *what)
{
	log_err("store", "%s: %s", what, sqlite3_errmsg(s->db));
	int rc = sqlite3_errcode(s->db);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return -EBUSY;
	if (rc == SQLITE_FULL)
		return -ENOSPC;
	if (rc == SQLITE_NOMEM)
		return -ENOMEM;
	if (rc == SQLITE_CONSTRAINT)
		return -EEXIST;
	return -EIO;
}

static sqlite3_stmt *prep(struct store *s, enum stmt id)
{
	sqlite3_stmt *st = s->st[id];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Run a statement that returns no rows. */
static int run(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(s, what);
	return 0;
}

static void bind_mac(sqlite3_stmt *st, int idx, const uint8_t mac[6])
{
	char m[MAC_STR_LEN];
	mac_format(mac, m);
	sqlite3_bind_text(st, idx, m, -1, SQLITE_TRANSIENT);
}

static void col_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(out, len, "%s", t ? (const char *)t : "");
}

static void col_mac(sqlite3_stmt *st, int col, uint8_t mac[6])
{
	const unsigned char *t = sqlite3_column_text(st, col);
	if (t == NULL || mac_parse((const char *)t, mac) < 0)
		memset(mac, 0, 6);
}

static void ipv4_text(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(ip) };
	if (ip == 0)
		out[0] = '\0';
	else
		inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/* ---- open, schema ----------------------------------------------------- */

static int exec(struct store *s, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int schema_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(struct store *s, char *err, size_t errlen)
{
	char e[200];
	if (exec(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", e, sizeof(e)) < 0) {
		snprintf(err, errlen, "schema_version: %s", e);
		return -EIO;
	}
	int v = schema_version(s);
	if (v < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(s->db));
		return -EIO;
	}
	if (v > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "schema version %d is newer than this menjind knows (%d)", v,
			 STORE_SCHEMA_VERSION);
		return -EPROTO;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		char sql[64];
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES (%d)", v + 1);
		if (exec(s, "BEGIN IMMEDIATE", e, sizeof(e)) < 0 || exec(s, migrations[v], e, sizeof(e)) < 0 ||
		    exec(s, "DELETE FROM schema_version", e, sizeof(e)) < 0 || exec(s, sql, e, sizeof(e)) < 0 ||
		    exec(s, "COMMIT", e, sizeof(e)) < 0) {
			char ignore[64];
			exec(s, "ROLLBACK", ignore, sizeof(ignore));
			snprintf(err, errlen, "migration to schema version %d: %s", v + 1, e);
			return -EIO;
		}
		log_info("store", "schema migrated to version %d", v + 1);
	}
	return 0;
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	char e[400];
	int rc;

	*out = NULL;
	if (s == NULL)
		return -ENOMEM;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return -EIO;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	/* WAL: readers (sqlite3 CLI, backups) never block the daemon. synchronous
	 * FULL: a committed verdict or override survives a power cut too; the
	 * write rate (decisions, not packets) makes the fsync affordable. */
	if ((rc = exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
		       e, sizeof(e))) < 0) {
		snprintf(err, errlen, "%s: %s", path, e);
		store_close(s);
		return rc;
	}
	if ((rc = migrate(s, e, sizeof(e))) < 0) {
		snprintf(err, errlen, "%s: %s", path, e);
		store_close(s);
		return rc;
	}
	for (int i = 0; i < ST__MAX; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: statement %d: %s", path, i, sqlite3_errmsg(s->db));
			store_close(s);
			return -EIO;
		}
	}
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < ST__MAX; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

int store_schema_version(struct store *s)
{
	return schema_version(s);
}

/* ---- transactions ----------------------------------------------------- */

int store_begin(struct store *s)
{
	if (s->depth++ > 0)
		return 0;
	s->failed = false;
	int rc = run(s, prep(s, ST_BEGIN), "begin");
	if (rc < 0)
		s->depth = 0;
	return rc;
}

int store_commit(struct store *s)
{
	if (s->depth == 0)
		return -EINVAL;
	if (--s->depth > 0)
		return 0;
	if (s->failed) {
		run(s, prep(s, ST_ROLLBACK), "rollback");
		return -EIO;
	}
	int rc = run(s, prep(s, ST_COMMIT), "commit");
	if (rc < 0)
		run(s, prep(s, ST_ROLLBACK), "rollback");
	return rc;
}

void store_rollback(struct store *s)
{
	if (s->depth == 0)
		return;
	if (--s->depth > 0) {
		s->failed = true;
		return;
	}
	run(s, prep(s, ST_ROLLBACK), "rollback");
}

/* ---- devices ---------------------------------------------------------- */

static void row_device(sqlite3_stmt *st, struct store_device *d)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;

	memset(d, 0, sizeof(*d));
	col_mac(st, 0, d->mac);
	col_text(st, 1, ip, sizeof(ip));
	d->ipv4 = inet_pton(AF_INET, ip, &a) == 1 ? ntohl(a.s_addr) : 0;
	col_text(st, 2, d->hostname, sizeof(d->hostname));
	col_text(st, 3, d->vendor_class, sizeof(d->vendor_class));
	col_text(st, 4, d->fingerprint, sizeof(d->fingerprint));
	d->first_seen = sqlite3_column_int64(st, 5);
	d->last_seen = sqlite3_column_int64(st, 6);
	d->port = (uint16_t)sqlite3_column_int(st, 7);
	d->vlan = (uint16_t)sqlite3_column_int(st, 8);
	d->auth = (uint8_t)sqlite3_column_int(st, 9);
	col_text(st, 10, d->identity, sizeof(d->identity));
	d->account = (uint8_t)sqlite3_column_int(st, 11);
	col_text(st, 12, d->groups, sizeof(d->groups));
	d->state = (uint8_t)sqlite3_column_int(st, 13);
	d->role_id = (uint16_t)sqlite3_column_int(st, 14);
	col_text(st, 15, d->role, sizeof(d->role));
	col_text(st, 16, d->rule, sizeof(d->rule));
	col_text(st, 17, d->reason, sizeof(d->reason));
	col_text(st, 18, d->why, sizeof(d->why));
	d->expires = sqlite3_column_int64(st, 19);
	d->decided = sqlite3_column_int64(st, 20);
}

int store_device_get(struct store *s, const uint8_t mac[6], struct store_device *d)
{
	sqlite3_stmt *st = prep(s, ST_DEV_GET);
	bind_mac(st, 1, mac);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_device(st, d);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return -ENOENT;
	return db_err(s, "device get");
}

int store_device_put(struct store *s, const struct store_device *d)
{
	sqlite3_stmt *st = prep(s, ST_DEV_PUT);
	char ip[INET_ADDRSTRLEN];

	ipv4_text(d->ipv4, ip);
	bind_mac(st, 1, d->mac);
	sqlite3_bind_text(st, 2, ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, d->hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->vendor_class, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, d->first_seen);
	sqlite3_bind_int64(st, 7, d->last_seen);
	sqlite3_bind_int(st, 8, d->port);
	sqlite3_bind_int(st, 9, d->vlan);
	sqlite3_bind_int(st, 10, d->auth);
	sqlite3_bind_text(st, 11, d->identity, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, d->account);
	sqlite3_bind_text(st, 13, d->groups, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, d->state);
	sqlite3_bind_int(st, 15, d->role_id);
	sqlite3_bind_text(st, 16, d->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, d->rule, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 18, d->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 19, d->why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 20, d->expires);
	sqlite3_bind_int64(st, 21, d->decided);
	return run(s, st, "device put");
}

int store_device_delete(struct store *s, const uint8_t mac[6])
{
	sqlite3_stmt *st = prep(s, ST_DEV_DEL);
	bind_mac(st, 1, mac);
	return run(s, st, "device delete");
}

int store_device_foreach(struct store *s, const struct store_filter *f, store_device_cb cb, void *ctx)
{
	struct store_filter all = { .state = -1, .role_id = -1 };
	struct store_device d;
	int rc, ret = 0;

	if (f == NULL)
		f = &all;
	/* The callback may use the store (other statements), so rows are read
	 * through a private statement rather than the shared prepared one. */
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, stmt_sql[ST_DEV_ALL], -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "device list");
	sqlite3_bind_int(st, 1, f->state);
	sqlite3_bind_int(st, 2, f->role_id);
	if (f->search && f->search[0])
		sqlite3_bind_text(st, 3, f->search, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->limit ? (int64_t)f->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_device(st, &d);
		if ((ret = cb(ctx, &d)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_err(s, "device list");
	sqlite3_finalize(st);
	return ret;
}

static int find_mac(struct store *s, enum stmt id, const char *key, uint8_t mac[6])
{
	sqlite3_stmt *st = prep(s, id);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_mac(st, 0, mac);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : db_err(s, "device find");
}

int store_device_find_ip(struct store *s, const char *ip, uint8_t mac[6])
{
	return find_mac(s, ST_DEV_FIND_IP, ip, mac);
}

int store_device_find_name(struct store *s, const char *hostname, uint8_t mac[6])
{
	return find_mac(s, ST_DEV_FIND_NAME, hostname, mac);
}

int store_device_counts(struct store *s, unsigned counts[4])
{
	sqlite3_stmt *st = prep(s, ST_DEV_COUNTS);
	int rc;
	memset(counts, 0, 4 * sizeof(counts[0]));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int state = sqlite3_column_int(st, 0);
		if (state >= 0 && state < 4)
			counts[state] = (unsigned)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(s, "device counts");
}

int store_next_expiry(struct store *s, int64_t *when)
{
	sqlite3_stmt *st = prep(s, ST_NEXT_EXPIRY);
	int rc = sqlite3_step(st);
	*when = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : db_err(s, "next expiry");
}

int store_expired(struct store *s, int64_t now, uint8_t (*macs)[6], unsigned max, unsigned *n)
{
	sqlite3_stmt *st = prep(s, ST_EXPIRED);
	int rc;
	*n = 0;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		col_mac(st, 0, macs[(*n)++]);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : db_err(s, "expired");
}

/* ---- addresses and sessions ------------------------------------------ */

int store_ip_seen(struct store *s, const uint8_t mac[6], const char *addr, const char *source, int64_t now)
{
	sqlite3_stmt *st = prep(s, ST_IP_SEEN);
	int rc;
	bind_mac(st, 1, mac);
	sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if ((rc = run(s, st, "ip seen")) < 0)
		return rc;
	st = prep(s, ST_IP_TRIM);
	bind_mac(st, 1, mac);
	sqlite3_bind_int(st, 2, STORE_MAX_IPS);
	return run(s, st, "ip trim");
}

int store_ip_foreach(struct store *s, const uint8_t mac[6], store_ip_cb cb, void *ctx)
{
	sqlite3_stmt *st = prep(s, ST_IP_LIST);
	int rc, ret = 0;
	bind_mac(st, 1, mac);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = cb(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
			 sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3));
		if (ret)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_err(s, "ip list");
	sqlite3_reset(st);
	return ret;
}

int store_session_dhcp(struct store *s, const uint8_t mac[6], const char *ip, int64_t now, uint32_t lease_secs)
{
	sqlite3_stmt *st = prep(s, ST_SESS_OPEN);
	int64_t id = 0;
	char open_ip[INET_ADDRSTRLEN] = "";
	int rc;

	bind_mac(st, 1, mac);
	sqlite3_bind_text(st, 2, "dhcp", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		col_text(st, 1, open_ip, sizeof(open_ip));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(s, "session open");
	int64_t ends = lease_secs ? now + lease_secs : 0;
	if (id && strcmp(open_ip, ip) == 0) {   /* a renewal of the same lease */
		st = prep(s, ST_SESS_TOUCH);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int64(st, 3, ends);
		return run(s, st, "session touch");
	}
	st = prep(s, ST_SESS_CLOSE);
	bind_mac(st, 1, mac);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, "dhcp", -1, SQLITE_STATIC);
	if ((rc = run(s, st, "session close")) < 0)
		return rc;
	st = prep(s, ST_SESS_NEW);
	bind_mac(st, 1, mac);
	sqlite3_bind_text(st, 2, "dhcp", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, ends);
	return run(s, st, "session new");
}

/* ---- overrides and posture ------------------------------------------- */

int store_override_get(struct store *s, const uint8_t mac[6], struct store_override *o)
{
	sqlite3_stmt *st = prep(s, ST_OVR_GET);
	bind_mac(st, 1, mac);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(o, 0, sizeof(*o));
		memcpy(o->mac, mac, 6);
		o->state = (uint8_t)sqlite3_column_int(st, 0);
		o->role_id = (uint16_t)sqlite3_column_int(st, 1);
		col_text(st, 2, o->role, sizeof(o->role));
		col_text(st, 3, o->reason, sizeof(o->reason));
		o->created = sqlite3_column_int64(st, 4);
		o->expires = sqlite3_column_int64(st, 5);
		o->uid = (uint32_t)sqlite3_column_int64(st, 6);
		col_text(st, 7, o->user, sizeof(o->user));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : db_err(s, "override get");
}

int store_override_macs_by_user(struct store *s, const char *user, uint8_t (**macs)[6], size_t *n)
{
	sqlite3_stmt *st = prep(s, ST_OVR_BY_USER);
	uint8_t (*out)[6] = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*macs = NULL;
	*n = 0;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			uint8_t (*grown)[6] = realloc(out, ncap * sizeof(*out));
			if (grown == NULL) {
				sqlite3_reset(st);
				free(out);
				return -ENOMEM;
			}
			out = grown;
			cap = ncap;
		}
		col_mac(st, 0, out[cnt++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(out);
		return db_err(s, "overrides by user");
	}
	*macs = out;
	*n = cnt;
	return 0;
}

int store_override_put(struct store *s, const struct store_override *o)
{
	sqlite3_stmt *st = prep(s, ST_OVR_PUT);
	bind_mac(st, 1, o->mac);
	sqlite3_bind_int(st, 2, o->state);
	sqlite3_bind_int(st, 3, o->role_id);
	sqlite3_bind_text(st, 4, o->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, o->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, o->created);
	sqlite3_bind_int64(st, 7, o->expires);
	sqlite3_bind_int64(st, 8, o->uid);
	sqlite3_bind_text(st, 9, o->user, -1, SQLITE_STATIC);
	return run(s, st, "override put");
}

int store_override_delete(struct store *s, const uint8_t mac[6])
{
	sqlite3_stmt *st = prep(s, ST_OVR_DEL);
	bind_mac(st, 1, mac);
	return run(s, st, "override delete");
}

int store_posture_get(struct store *s, const uint8_t mac[6], struct store_posture *p)
{
	sqlite3_stmt *st = prep(s, ST_POST_GET);
	bind_mac(st, 1, mac);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		char failed[FACT_MAX_FAILED * FACT_ITEM_MAX];
		memset(p, 0, sizeof(*p));
		memcpy(p->mac, mac, 6);
		p->status = (uint8_t)sqlite3_column_int(st, 0);
		p->scanned = sqlite3_column_int64(st, 1);
		col_text(st, 2, failed, sizeof(failed));
		col_text(st, 3, p->source, sizeof(p->source));
		char *save = NULL;
		for (char *item = strtok_r(failed, "\n", &save); item && p->nfailed < FACT_MAX_FAILED;
		     item = strtok_r(NULL, "\n", &save))
			snprintf(p->failed[p->nfailed++], FACT_ITEM_MAX, "%s", item);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : db_err(s, "posture get");
}

int store_posture_put(struct store *s, const struct store_posture *p)
{
	char failed[FACT_MAX_FAILED * FACT_ITEM_MAX] = "";
	size_t off = 0;
	for (unsigned i = 0; i < p->nfailed && i < FACT_MAX_FAILED; i++) {
		int n = snprintf(failed + off, sizeof(failed) - off, "%s%s", i ? "\n" : "", p->failed[i]);
		if (n < 0 || (size_t)n >= sizeof(failed) - off)
			break;
		off += (size_t)n;
	}
	sqlite3_stmt *st = prep(s, ST_POST_PUT);
	bind_mac(st, 1, p->mac);
	sqlite3_bind_int(st, 2, p->status);
	sqlite3_bind_int64(st, 3, p->scanned);
	sqlite3_bind_text(st, 4, failed, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, p->source, -1, SQLITE_STATIC);
	return run(s, st, "posture put");
}

/* ---- events and audit ------------------------------------------------- */

int store_event_add(struct store *s, int64_t ts_ms, const char *kind, const char *mac, const char *json,
		    int64_t *id)
{
	sqlite3_stmt *st = prep(s, ST_EV_ADD);
	sqlite3_bind_int64(st, 1, ts_ms);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, mac ? mac : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
	int rc = run(s, st, "event add");
	if (rc == 0 && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int store_event_foreach(struct store *s, int64_t since, unsigned limit, store_event_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, ret = 0;
	if (sqlite3_prepare_v2(s->db, stmt_sql[ST_EV_SINCE], -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "event list");
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, limit ? limit : STORE_EVENTS_LIMIT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			 (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
			 (const char *)sqlite3_column_text(st, 4));
		if (ret)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_err(s, "event list");
	sqlite3_finalize(st);
	return ret;
}

int store_event_last_id(struct store *s, int64_t *id)
{
	sqlite3_stmt *st = prep(s, ST_EV_LAST);
	int rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : db_err(s, "event last");
}

int store_audit_add(struct store *s, int64_t ts_ms, uint32_t uid, const char *user, const char *cmd,
		    const char *args_json, const char *result)
{
	sqlite3_stmt *st = prep(s, ST_AUDIT_ADD);
	sqlite3_bind_int64(st, 1, ts_ms);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_text(st, 3, user ? user : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, cmd, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, args_json ? args_json : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, result ? result : "", -1, SQLITE_STATIC);
	return run(s, st, "audit add");
}

int store_prune_events(struct store *s, unsigned keep)
{
	sqlite3_stmt *st = prep(s, ST_EV_PRUNE);
	sqlite3_bind_int64(st, 1, keep);
	return run(s, st, "event prune");
}

/* ---- meta and configuration versions --------------------------------- */

static int meta_get(struct store *s, const char *key, char *out, size_t len)
{
	sqlite3_stmt *st = prep(s, ST_META_GET);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_text(st, 0, out, len);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? -ENOENT : db_err(s, "meta get");
}

static int meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = prep(s, ST_META_SET);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return run(s, st, "meta set");
}

int store_meta_get_u64(struct store *s, const char *key, uint64_t *v)
{
	char text[32];
	int rc = meta_get(s, key, text, sizeof(text));
	if (rc < 0)
		return rc;
	char *end;
	*v = strtoull(text, &end, 10);
	return *end ? -EINVAL : 0;
}

int store_meta_set_u64(struct store *s, const char *key, uint64_t v)
{
	char text[32];
	snprintf(text, sizeof(text), "%" PRIu64, v);
	return meta_set(s, key, text);
}

int store_config_version(struct store *s, const char *sha256, const char *path, const char *text,
			 uint64_t generation, int64_t now, bool *recorded)
{
	sqlite3_stmt *st = prep(s, ST_CFG_LAST);
	char last[80] = "";
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_text(st, 0, last, sizeof(last));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(s, "config last");
	*recorded = false;
	if (strcmp(last, sha256) == 0)
		return 0;
	st = prep(s, ST_CFG_ADD);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)generation);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	if ((rc = run(s, st, "config add")) < 0)
		return rc;
	st = prep(s, ST_CFG_TRIM);
	sqlite3_bind_int(st, 1, STORE_CONFIG_VERSIONS);
	if ((rc = run(s, st, "config trim")) < 0)
		return rc;
	*recorded = true;
	return 0;
}

int store_config_last_digest(struct store *s, char *digest, size_t len)
{
	int rc = meta_get(s, "rules_digest", digest, len);
	if (rc == -ENOENT) {
		digest[0] = '\0';
		return 0;
	}
	return rc;
}

int store_config_set_digest(struct store *s, const char *digest)
{
	return meta_set(s, "rules_digest", digest);
}

/* ---- posture overrides (schema 2) ----------------------------------------
 * Rare writes, read per decision of an overridden device: statements are
 * prepared per call rather than kept in st[]. */

static int posture_override_step(struct store *s, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK)
		return db_err(s, "posture override prepare");
	return 0;
}

static void posture_override_row(sqlite3_stmt *st, struct store_posture_override *o)
{
	memset(o, 0, sizeof(*o));
	col_mac(st, 0, o->mac);
	o->force = sqlite3_column_int(st, 1) != 0;
	o->status = (uint8_t)sqlite3_column_int(st, 2);
	col_text(st, 3, o->waived, sizeof(o->waived));
	o->created = sqlite3_column_int64(st, 4);
	o->expires = sqlite3_column_int64(st, 5);
	o->uid = (uint32_t)sqlite3_column_int64(st, 6);
	col_text(st, 7, o->user, sizeof(o->user));
	col_text(st, 8, o->reason, sizeof(o->reason));
}

#define POSTURE_OVERRIDE_COLS "mac, force, status, waived, created, expires, uid, user, reason"

int store_posture_override_get(struct store *s, const uint8_t mac[6], struct store_posture_override *o)
{
	sqlite3_stmt *st;
	int rc = posture_override_step(s, "SELECT " POSTURE_OVERRIDE_COLS " FROM posture_overrides WHERE mac = ?1",
				       &st);
	if (rc < 0)
		return rc;
	bind_mac(st, 1, mac);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		posture_override_row(st, o);
	int ret = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : db_err(s, "posture override get");
	sqlite3_finalize(st);
	return ret;
}

int store_posture_override_put(struct store *s, const struct store_posture_override *o)
{
	sqlite3_stmt *st;
	int rc = posture_override_step(s, "INSERT OR REPLACE INTO posture_overrides (" POSTURE_OVERRIDE_COLS ")"
					  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st);
	if (rc < 0)
		return rc;
	bind_mac(st, 1, o->mac);
	sqlite3_bind_int(st, 2, o->force ? 1 : 0);
	sqlite3_bind_int(st, 3, o->status);
	sqlite3_bind_text(st, 4, o->waived, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, o->created);
	sqlite3_bind_int64(st, 6, o->expires);
	sqlite3_bind_int64(st, 7, o->uid);
	sqlite3_bind_text(st, 8, o->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, o->reason, -1, SQLITE_STATIC);
	rc = run(s, st, "posture override put");
	sqlite3_finalize(st);
	return rc;
}

int store_posture_override_delete(struct store *s, const uint8_t mac[6])
{
	sqlite3_stmt *st;
	int rc = posture_override_step(s, "DELETE FROM posture_overrides WHERE mac = ?1", &st);
	if (rc < 0)
		return rc;
	bind_mac(st, 1, mac);
	rc = run(s, st, "posture override delete");
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = -ENOENT;
	sqlite3_finalize(st);
	return rc;
}

int store_posture_override_next_expiry(struct store *s, int64_t *when)
{
	sqlite3_stmt *st;
	int rc = posture_override_step(s, "SELECT MIN(expires) FROM posture_overrides WHERE expires > 0", &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	*when = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	rc = rc == SQLITE_ROW ? 0 : db_err(s, "posture override next expiry");
	sqlite3_finalize(st);
	return rc;
}

int store_posture_override_foreach(struct store *s, int64_t expired_at,
				   int (*cb)(void *ctx, const struct store_posture_override *o), void *ctx)
{
	sqlite3_stmt *st;
	int rc = posture_override_step(s, expired_at > 0 ?
					  "SELECT " POSTURE_OVERRIDE_COLS " FROM posture_overrides"
					  " WHERE expires > 0 AND expires <= ?1 ORDER BY mac" :
					  "SELECT " POSTURE_OVERRIDE_COLS " FROM posture_overrides ORDER BY mac", &st);
	if (rc < 0)
		return rc;
	if (expired_at > 0)
		sqlite3_bind_int64(st, 1, expired_at);
	int ret = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_posture_override o;
		posture_override_row(st, &o);
		if ((ret = cb(ctx, &o)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_err(s, "posture override list");
	sqlite3_finalize(st);
	return ret < 0 ? ret : 0;
}

/* ---- configuration version history (commit, confirm, rollback) --------- */

#define CFG_COLUMNS "id, ts, sha256, generation, user, uid, origin, state, comment, confirm_by"

static void cfg_row(sqlite3_stmt *st, struct store_config_row *v)
{
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(st, 0);
	v->ts = sqlite3_column_int64(st, 1);
	col_text(st, 2, v->sha256, sizeof(v->sha256));
	v->generation = (uint64_t)sqlite3_column_int64(st, 3);
	col_text(st, 4, v->user, sizeof(v->user));
	v->uid = sqlite3_column_int64(st, 5);
	col_text(st, 6, v->origin, sizeof(v->origin));
	col_text(st, 7, v->state, sizeof(v->state));
	col_text(st, 8, v->comment, sizeof(v->comment));
	v->confirm_by = sqlite3_column_int64(st, 9);
}

/* One row of `sql` (binding ?1 to a1) into v, with its text (column 10)
 * when with_text. -ENOENT when there is none. */
static int cfg_one(struct store *s, const char *sql, int64_t a1, bool with_text, struct store_config_row *v)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "config version");
	sqlite3_bind_int64(st, 1, a1);
	int rc = sqlite3_step(st), ret = 0;
	if (rc == SQLITE_ROW) {
		cfg_row(st, v);
		if (with_text) {
			const unsigned char *t = sqlite3_column_text(st, 10);
			v->text = strdup(t ? (const char *)t : "");
			if (v->text == NULL)
				ret = -ENOMEM;
		}
	} else {
		ret = rc == SQLITE_DONE ? -ENOENT : db_err(s, "config version");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_config_record(struct store *s, const char *sha256, const char *path, const char *text,
			uint64_t generation, int64_t now, const struct store_config_author *a, int64_t *id,
			bool *recorded)
{
	struct store_config_row last;
	int rc = cfg_one(s, "SELECT " CFG_COLUMNS " FROM config_versions ORDER BY id DESC LIMIT 1", 0, false,
			 &last);
	*recorded = false;
	*id = 0;
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc == 0 && strcmp(last.sha256, sha256) == 0) {
		*id = last.id;
		return 0;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO config_versions (ts, sha256, path, generation, text, user, uid, origin, "
			       "state, comment, confirm_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "config add");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)generation);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a && a->user ? a->user : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, a ? a->uid : -1);
	sqlite3_bind_text(st, 8, a && a->origin ? a->origin : "file", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, a && a->confirm_by > 0 ? "pending" : "confirmed", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, a && a->comment ? a->comment : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, a && a->confirm_by > 0 ? a->confirm_by : 0);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, "config add");
	*id = sqlite3_last_insert_rowid(s->db);
	st = prep(s, ST_CFG_TRIM);
	sqlite3_bind_int(st, 1, STORE_CONFIG_VERSIONS);
	if ((rc = run(s, st, "config trim")) < 0)
		return rc;
	*recorded = true;
	return 0;
}

int store_config_get(struct store *s, unsigned back, bool with_text, struct store_config_row *v)
{
	return cfg_one(s, "SELECT " CFG_COLUMNS ", text FROM config_versions ORDER BY id DESC LIMIT 1 OFFSET ?1",
		       back, with_text, v);
}

int store_config_pending(struct store *s, struct store_config_row *v)
{
	return cfg_one(s, "SELECT " CFG_COLUMNS ", text FROM config_versions WHERE state = 'pending' "
			  "ORDER BY id DESC LIMIT 1", 0, false, v);
}

int store_config_previous(struct store *s, int64_t id, struct store_config_row *v)
{
	return cfg_one(s, "SELECT " CFG_COLUMNS ", text FROM config_versions WHERE id < ?1 AND "
			  "state != 'rolled back' ORDER BY id DESC LIMIT 1", id, true, v);
}

int store_config_set_state(struct store *s, int64_t id, const char *state)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "UPDATE config_versions SET state = ?2 WHERE id = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_err(s, "config state");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, "config state");
	return sqlite3_changes(s->db) ? 0 : -ENOENT;
}

int store_config_foreach(struct store *s, unsigned limit, store_config_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	struct store_config_row v;
	int rc, ret = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT " CFG_COLUMNS " FROM config_versions ORDER BY id DESC LIMIT ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return db_err(s, "config list");
	sqlite3_bind_int64(st, 1, limit ? limit : STORE_CONFIG_VERSIONS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cfg_row(st, &v);
		if ((ret = cb(ctx, &v)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_err(s, "config list");
	sqlite3_finalize(st);
	return ret;
}

int store_audit_add_source(struct store *s, int64_t ts_ms, uint32_t uid, const char *user, const char *source,
			   const char *cmd, const char *args_json, const char *result)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO audit (ts_ms, uid, user, cmd, args, result, source) "
				      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "audit add");
	sqlite3_bind_int64(st, 1, ts_ms);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_text(st, 3, user ? user : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, cmd, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, args_json ? args_json : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, result ? result : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, source ? source : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_err(s, "audit add");
}

/* ---- 802.1X/MAB sessions kept for a restart ---------------------------- */

int store_auth_session_put(struct store *s, const uint8_t mac[6], const char *kind, int64_t saved, const char *json)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO auth_sessions (mac, kind, saved, json) "
				      "VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "auth session put");
	bind_mac(st, 1, mac);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, saved);
	sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_err(s, "auth session put");
}

int store_auth_session_delete(struct store *s, const uint8_t mac[6])
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM auth_sessions WHERE mac = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_err(s, "auth session delete");
	bind_mac(st, 1, mac);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(s, "auth session delete");
	return sqlite3_changes(s->db) > 0 ? 0 : -ENOENT;
}

int store_auth_session_foreach(struct store *s,
			       int (*cb)(void *ctx, const char *mac, const char *kind, int64_t saved, const char *json),
			       void *ctx)
{
	sqlite3_stmt *st;
	int rc, ret = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT mac, kind, saved, json FROM auth_sessions ORDER BY mac", -1, &st,
			       NULL) != SQLITE_OK)
		return db_err(s, "auth session list");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(st, 0), *k = sqlite3_column_text(st, 1);
		const unsigned char *j = sqlite3_column_text(st, 3);
		if ((ret = cb(ctx, m ? (const char *)m : "", k ? (const char *)k : "", sqlite3_column_int64(st, 2),
			      j ? (const char *)j : "")) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_err(s, "auth session list");
	sqlite3_finalize(st);
	return ret;
}
