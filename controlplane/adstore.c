/* adstore.c — the AD snapshot in SQLite (see adstore.h). */
#include "adstore.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS ad_snapshot ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  schema INTEGER NOT NULL,"
	"  uri TEXT NOT NULL, dc TEXT NOT NULL, invocation_id BLOB NOT NULL,"
	"  usn INTEGER NOT NULL, naming_context TEXT NOT NULL, domain TEXT NOT NULL,"
	"  computer_base TEXT NOT NULL, group_base TEXT NOT NULL,"
	"  synced INTEGER NOT NULL, full_synced INTEGER NOT NULL,"
	"  ncomputers INTEGER NOT NULL, ngroups INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS ad_objects ("
	"  guid BLOB PRIMARY KEY NOT NULL,"
	"  kind INTEGER NOT NULL,"            /* enum ad_kind: computer or group */
	"  dn TEXT NOT NULL, sam TEXT NOT NULL,"
	"  dns_name TEXT NOT NULL DEFAULT '', uac INTEGER NOT NULL DEFAULT 0,"
	"  os TEXT NOT NULL DEFAULT '', os_version TEXT NOT NULL DEFAULT '',"
	"  when_changed INTEGER NOT NULL DEFAULT 0, usn_changed INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS ad_member_of ("
	"  guid BLOB NOT NULL,"
	"  dn TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS ad_member_of_guid ON ad_member_of(guid);";

static int db_fail(sqlite3 *db, const char *path, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "AD store %s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "cannot open");
	return -EIO;
}

static int db_open(const char *path, bool create, sqlite3 **db, char *err, size_t errlen)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc = sqlite3_open_v2(path, db, flags, NULL);
	if (rc != SQLITE_OK) {
		bool missing = rc == SQLITE_CANTOPEN && !create;
		snprintf(err, errlen, "AD store %s: %s", path, missing ? "no such file" : sqlite3_errstr(rc));
		sqlite3_close(*db);
		*db = NULL;
		return missing ? -ENOENT : -EIO;
	}
	sqlite3_busy_timeout(*db, ADSTORE_BUSY_TIMEOUT_MS);
	/* The device store uses WAL too: readers never wait for our writes. */
	sqlite3_exec(*db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	return 0;
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

static int insert_object(sqlite3_stmt *obj, sqlite3_stmt *mem, const uint8_t guid[16], int kind,
			 const char *dn, const char *sam, const char *dns_name, uint32_t uac,
			 const char *os, const char *os_version, int64_t when_changed,
			 uint64_t usn_changed, char *const *member_of, unsigned nmember_of)
{
	sqlite3_reset(obj);
	sqlite3_bind_blob(obj, 1, guid, 16, SQLITE_STATIC);
	sqlite3_bind_int(obj, 2, kind);
	bind_text(obj, 3, dn);
	bind_text(obj, 4, sam);
	bind_text(obj, 5, dns_name);
	sqlite3_bind_int64(obj, 6, uac);
	bind_text(obj, 7, os);
	bind_text(obj, 8, os_version);
	sqlite3_bind_int64(obj, 9, when_changed);
	sqlite3_bind_int64(obj, 10, (int64_t)usn_changed);
	if (sqlite3_step(obj) != SQLITE_DONE)
		return -EIO;
	for (unsigned i = 0; i < nmember_of; i++) {
		sqlite3_reset(mem);
		sqlite3_bind_blob(mem, 1, guid, 16, SQLITE_STATIC);
		bind_text(mem, 2, member_of[i]);
		if (sqlite3_step(mem) != SQLITE_DONE)
			return -EIO;
	}
	return 0;
}

int adstore_save(const char *path, const struct ad_snapshot *s, bool meta_only, char *err,
		 size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *obj = NULL, *mem = NULL, *meta = NULL;
	int rc = db_open(path, true, &db, err, errlen);
	if (rc < 0)
		return rc;
	if (sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(db, path, "creating the AD tables", err, errlen);
		goto out;
	}
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(db, path, "begin", err, errlen);
		goto out;
	}
	if (!meta_only) {
		if (sqlite3_exec(db, "DELETE FROM ad_member_of; DELETE FROM ad_objects;", NULL, NULL, NULL) !=
			    SQLITE_OK ||
		    sqlite3_prepare_v2(db, "INSERT INTO ad_objects (guid, kind, dn, sam, dns_name, uac, os, "
				       "os_version, when_changed, usn_changed) VALUES (?,?,?,?,?,?,?,?,?,?)",
				       -1, &obj, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(db, "INSERT INTO ad_member_of (guid, dn) VALUES (?,?)", -1, &mem,
				       NULL) != SQLITE_OK) {
			rc = db_fail(db, path, "preparing", err, errlen);
			goto rollback;
		}
		for (unsigned i = 0; i < s->ncomputers; i++) {
			const struct ad_computer *c = &s->computers[i];
			if (insert_object(obj, mem, c->guid, AD_KIND_COMPUTER, c->dn, c->sam, c->dns_name, c->uac,
					  c->os, c->os_version, c->when_changed, c->usn_changed, c->member_of,
					  c->nmember_of) < 0) {
				rc = db_fail(db, path, "writing a computer", err, errlen);
				goto rollback;
			}
		}
		for (unsigned i = 0; i < s->ngroups; i++) {
			const struct ad_group *g = &s->groups[i];
			if (insert_object(obj, mem, g->guid, AD_KIND_GROUP, g->dn, g->sam, "", 0, "", "",
					  g->when_changed, g->usn_changed, g->member_of, g->nmember_of) < 0) {
				rc = db_fail(db, path, "writing a group", err, errlen);
				goto rollback;
			}
		}
	}
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO ad_snapshot (id, schema, uri, dc, invocation_id, "
			       "usn, naming_context, domain, computer_base, group_base, synced, full_synced, "
			       "ncomputers, ngroups) VALUES (1,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &meta,
			       NULL) != SQLITE_OK) {
		rc = db_fail(db, path, "preparing", err, errlen);
		goto rollback;
	}
	const struct ad_source *src = &s->source;
	sqlite3_bind_int(meta, 1, ADSTORE_SCHEMA_VERSION);
	bind_text(meta, 2, src->uri);
	bind_text(meta, 3, src->dc);
	sqlite3_bind_blob(meta, 4, src->invocation_id, 16, SQLITE_STATIC);
	sqlite3_bind_int64(meta, 5, (int64_t)src->usn);
	bind_text(meta, 6, src->naming_context);
	bind_text(meta, 7, src->domain);
	bind_text(meta, 8, src->computer_base);
	bind_text(meta, 9, src->group_base);
	sqlite3_bind_int64(meta, 10, s->synced);
	sqlite3_bind_int64(meta, 11, s->full_synced);
	sqlite3_bind_int64(meta, 12, s->ncomputers);
	sqlite3_bind_int64(meta, 13, s->ngroups);
	if (sqlite3_step(meta) != SQLITE_DONE) {
		rc = db_fail(db, path, "writing the snapshot", err, errlen);
		goto rollback;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(db, path, "commit", err, errlen);
		goto rollback;
	}
	goto out;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(obj);
	sqlite3_finalize(mem);
	sqlite3_finalize(meta);
	sqlite3_close(db);
	return rc;
}

static int col_text(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);
	if (!t || (size_t)n >= outlen)
		return -EINVAL;
	memcpy(out, t, (size_t)n + 1);
	return 0;
}

static char *col_dup(sqlite3_stmt *st, int i, size_t max)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (!t || (size_t)sqlite3_column_bytes(st, i) > max)
		return NULL;
	return strdup((const char *)t);
}

int adstore_load(const char *path, struct ad_snapshot **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *meta = NULL, *obj = NULL, *mem = NULL;
	struct ad_builder *b = NULL;
	struct ad_source src;
	int64_t synced = 0, full_synced = 0, ncomputers = 0, ngroups = 0;
	int rc, step;

	*out = NULL;
	memset(&src, 0, sizeof(src));
	if ((rc = db_open(path, false, &db, err, errlen)) < 0)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT schema, uri, dc, invocation_id, usn, naming_context, domain, "
			       "computer_base, group_base, synced, full_synced, ncomputers, ngroups "
			       "FROM ad_snapshot WHERE id = 1", -1, &meta, NULL) != SQLITE_OK) {
		/* No table: nothing was ever saved here. */
		snprintf(err, errlen, "AD store %s: no AD snapshot saved", path);
		rc = -ENOENT;
		goto out;
	}
	if ((step = sqlite3_step(meta)) != SQLITE_ROW) {
		snprintf(err, errlen, "AD store %s: no AD snapshot saved", path);
		rc = step == SQLITE_DONE ? -ENOENT : db_fail(db, path, "reading", err, errlen);
		goto out;
	}
	if (sqlite3_column_int(meta, 0) > ADSTORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "AD store %s: schema %d is newer than this program's %d", path,
			 sqlite3_column_int(meta, 0), ADSTORE_SCHEMA_VERSION);
		rc = -EPROTO;
		goto out;
	}
	if (col_text(meta, 1, src.uri, sizeof(src.uri)) < 0 || col_text(meta, 2, src.dc, sizeof(src.dc)) < 0 ||
	    sqlite3_column_bytes(meta, 3) != 16 ||
	    col_text(meta, 5, src.naming_context, sizeof(src.naming_context)) < 0 ||
	    col_text(meta, 6, src.domain, sizeof(src.domain)) < 0 ||
	    col_text(meta, 7, src.computer_base, sizeof(src.computer_base)) < 0 ||
	    col_text(meta, 8, src.group_base, sizeof(src.group_base)) < 0) {
		snprintf(err, errlen, "AD store %s: the snapshot row is damaged", path);
		rc = -EINVAL;
		goto out;
	}
	memcpy(src.invocation_id, sqlite3_column_blob(meta, 3), 16);
	src.usn = (uint64_t)sqlite3_column_int64(meta, 4);
	synced = sqlite3_column_int64(meta, 9);
	full_synced = sqlite3_column_int64(meta, 10);
	ncomputers = sqlite3_column_int64(meta, 11);
	ngroups = sqlite3_column_int64(meta, 12);

	struct ad_scope scope = { .computer_base = src.computer_base, .group_base = src.group_base,
				  .max_objects = AD_MAX_OBJECTS_LIMIT };
	if (ncomputers < 0 || ngroups < 0 || ncomputers + ngroups > AD_MAX_OBJECTS_LIMIT) {
		snprintf(err, errlen, "AD store %s: %lld objects, more than %d", path,
			 (long long)(ncomputers + ngroups), AD_MAX_OBJECTS_LIMIT);
		rc = -E2BIG;
		goto out;
	}
	if ((rc = ad_builder_new(NULL, &scope, &b)) < 0) {
		snprintf(err, errlen, "AD store %s: %s", path, strerror(-rc));
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT guid, kind, dn, sam, dns_name, uac, os, os_version, when_changed, "
			       "usn_changed FROM ad_objects ORDER BY guid", -1, &obj, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT guid, dn FROM ad_member_of ORDER BY guid, rowid", -1, &mem,
			       NULL) != SQLITE_OK) {
		rc = db_fail(db, path, "reading the AD tables", err, errlen);
		goto out;
	}
	int mstep = sqlite3_step(mem);
	int64_t nread = 0;
	while ((step = sqlite3_step(obj)) == SQLITE_ROW) {
		struct ad_record r;
		memset(&r, 0, sizeof(r));
		if (sqlite3_column_bytes(obj, 0) != 16)
			goto damaged;
		memcpy(r.guid, sqlite3_column_blob(obj, 0), 16);
		r.kind = (enum ad_kind)sqlite3_column_int(obj, 1);
		r.dn = col_dup(obj, 2, AD_DN_MAX);
		r.sam = col_dup(obj, 3, AD_NAME_MAX);
		r.dns_name = col_dup(obj, 4, AD_DNS_NAME_MAX);
		r.uac = (uint32_t)sqlite3_column_int64(obj, 5);
		r.os = col_dup(obj, 6, AD_OS_MAX);
		r.os_version = col_dup(obj, 7, AD_OS_MAX);
		r.when_changed = sqlite3_column_int64(obj, 8);
		r.usn_changed = (uint64_t)sqlite3_column_int64(obj, 9);
		/* Both queries are ordered by guid: walk the members alongside. */
		while (mstep == SQLITE_ROW && sqlite3_column_bytes(mem, 0) == 16 &&
		       memcmp(sqlite3_column_blob(mem, 0), r.guid, 16) < 0)
			mstep = sqlite3_step(mem);
		while (mstep == SQLITE_ROW && sqlite3_column_bytes(mem, 0) == 16 &&
		       memcmp(sqlite3_column_blob(mem, 0), r.guid, 16) == 0) {
			if (r.nmember_of == AD_MAX_MEMBEROF)
				break;
			if ((r.nmember_of & (r.nmember_of - 1)) == 0) {
				/* Grow at each power of two: most objects are in few groups. */
				unsigned cap = r.nmember_of ? 2 * r.nmember_of : 1;
				char **n = realloc(r.member_of, cap * sizeof(char *));
				if (!n)
					break;
				r.member_of = n;
			}
			if (!(r.member_of[r.nmember_of] = col_dup(mem, 1, AD_DN_MAX)))
				break;
			r.nmember_of++;
			mstep = sqlite3_step(mem);
		}
		if ((r.kind != AD_KIND_COMPUTER && r.kind != AD_KIND_GROUP) || !r.dn || !r.sam ||
		    !r.dns_name || !r.os || !r.os_version ||
		    (mstep == SQLITE_ROW && memcmp(sqlite3_column_blob(mem, 0), r.guid, 16) == 0)) {
			ad_record_clear(&r);
			goto damaged;
		}
		if ((rc = ad_builder_put(b, &r)) < 0) {
			ad_record_clear(&r);
			snprintf(err, errlen, "AD store %s: %s", path, strerror(-rc));
			goto out;
		}
		nread++;
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(db, path, "reading the AD objects", err, errlen);
		goto out;
	}
	if (nread != ncomputers + ngroups)
		goto damaged;
	struct ad_builder *done = b;
	b = NULL;
	if ((rc = ad_builder_finish(done, &src, synced, out, err, errlen)) < 0)
		goto out;
	(*out)->full_synced = full_synced;
	(*out)->incremental = false;
	(*out)->changes = 0;
	if ((int64_t)(*out)->ncomputers != ncomputers || (int64_t)(*out)->ngroups != ngroups) {
		ad_snapshot_unref(*out);
		*out = NULL;
		goto damaged;
	}
	rc = 0;
	goto out;
damaged:
	snprintf(err, errlen, "AD store %s: the AD objects are damaged or incomplete", path);
	rc = -EINVAL;
out:
	ad_builder_free(b);
	sqlite3_finalize(meta);
	sqlite3_finalize(obj);
	sqlite3_finalize(mem);
	sqlite3_close(db);
	return rc;
}
