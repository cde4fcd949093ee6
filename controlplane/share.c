/* share.c — published blocks, kept on disk and served as signed STIX. */
#include "share.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "log.h"
#include "rfc3339.h"

#define SHARE_STATE_FORMAT "menjin-share/1"

struct share {
	struct share_conf conf;
	unsigned n;
	struct share_entry *v;
};

static void uuid_format(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
		 u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* RFC 9562 version 4: random. */
static void uuid4(char out[37])
{
	uint8_t u[16];
	RAND_bytes(u, sizeof(u));
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	uuid_format(u, out);
}

/* A stable identity id per appliance name (name-based, like version 5,
 * but with SHA-256): neighbours see the same publisher across restarts. */
static void uuid_named(const char *name, char out[37])
{
	uint8_t md[32];
	unsigned len = 0;
	EVP_Digest(name, strlen(name), md, &len, EVP_sha256(), NULL);
	md[6] = (uint8_t)((md[6] & 0x0f) | 0x80);   /* version 8: custom (RFC 9562 5.8) */
	md[8] = (uint8_t)((md[8] & 0x3f) | 0x80);
	uuid_format(md, out);
}

/* STIX 2.1 3.2: created and modified are precise to the millisecond. */
static void stix_time(int64_t t, char out[32])
{
	char s[RFC3339_LEN];
	rfc3339_format(t, s);
	snprintf(out, 32, "%.19s.000Z", s);
}

static json_t *indicator_json(const struct share_entry *e, const char *identity_id, const char *appliance)
{
	char created[32], modified[32], from[32], until[32], pattern[96], prefix[THREATFEED_PREFIX_STR], desc[256];
	stix_time(e->created, created);
	stix_time(e->modified, modified);
	stix_time(e->created, from);
	stix_time(e->expires, until);
	threatfeed_prefix_format(&e->prefix, prefix);
	snprintf(pattern, sizeof(pattern), "[%s:value = '%s']", e->prefix.family == 4 ? "ipv4-addr" : "ipv6-addr", prefix);
	snprintf(desc, sizeof(desc), "blocked by %s on %s", e->by[0] ? e->by : "an administrator", appliance);
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("indicator"));
	json_object_set_new(o, "spec_version", json_string("2.1"));
	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "created", json_string(created));
	json_object_set_new(o, "modified", json_string(modified));
	json_object_set_new(o, "created_by_ref", json_string(identity_id));
	json_object_set_new(o, "name", json_string(e->reason));
	json_object_set_new(o, "description", json_string(desc));
	json_object_set_new(o, "indicator_types", json_pack("[s]", "malicious-activity"));
	json_object_set_new(o, "pattern", json_string(pattern));
	json_object_set_new(o, "pattern_type", json_string("stix"));
	json_object_set_new(o, "valid_from", json_string(from));
	json_object_set_new(o, "valid_until", json_string(until));
	json_object_set_new(o, "revoked", json_boolean(e->revoked));
	return o;
}

int share_stix_build(const struct share_entry *v, unsigned n, const char *appliance, int64_t now, char **json,
		     size_t *len)
{
	char uuid[37], id[64], ident[64], ts[32];
	json_t *doc = json_object(), *objects = json_array(), *who = json_object();

	uuid4(uuid);
	snprintf(id, sizeof(id), "bundle--%s", uuid);
	uuid_named(appliance, uuid);
	snprintf(ident, sizeof(ident), "identity--%s", uuid);
	stix_time(now, ts);
	json_object_set_new(doc, "type", json_string("bundle"));
	json_object_set_new(doc, "id", json_string(id));
	json_object_set_new(who, "type", json_string("identity"));
	json_object_set_new(who, "spec_version", json_string("2.1"));
	json_object_set_new(who, "id", json_string(ident));
	json_object_set_new(who, "created", json_string("2020-01-01T00:00:00.000Z"));
	json_object_set_new(who, "modified", json_string("2020-01-01T00:00:00.000Z"));
	json_object_set_new(who, "name", json_string(appliance));
	json_object_set_new(who, "identity_class", json_string("organization"));
	json_array_append_new(objects, who);
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(objects, indicator_json(&v[i], ident, appliance));
	json_object_set_new(doc, "objects", objects);
	*json = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (*json == NULL)
		return -ENOMEM;
	*len = strlen(*json);
	return 0;
}

/* ---- state ---- */

static int write_files(struct share *s, int64_t now)
{
	json_t *doc = json_object(), *arr = json_array();
	char prefix[THREATFEED_PREFIX_STR], *text, *stix;
	size_t stix_len;
	uint8_t sig[BUNDLE_SIG_LEN], *env;
	size_t env_len;
	int rc;

	json_object_set_new(doc, "format", json_string(SHARE_STATE_FORMAT));
	for (unsigned i = 0; i < s->n; i++) {
		const struct share_entry *e = &s->v[i];
		threatfeed_prefix_format(&e->prefix, prefix);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:b}", "id", e->id, "prefix",
						     prefix, "reason", e->reason, "by", e->by, "created",
						     (json_int_t)e->created, "modified", (json_int_t)e->modified,
						     "expires", (json_int_t)e->expires, "revoked", e->revoked));
	}
	json_object_set_new(doc, "entries", arr);
	text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (text == NULL)
		return -ENOMEM;
	rc = atomicfile_write(s->conf.state_path, text, strlen(text), 0640);
	free(text);
	if (rc < 0)
		return rc;
	if ((rc = share_stix_build(s->v, s->n, s->conf.appliance, now, &stix, &stix_len)) < 0)
		return rc;
	rc = bundle_sign(s->conf.seed, (const uint8_t *)stix, stix_len, sig);
	if (rc == 0)
		rc = bundle_envelope_build(BUNDLE_TYPE_STIX, s->conf.key_id, sig, (const uint8_t *)stix, stix_len, &env,
					   &env_len);
	free(stix);
	if (rc < 0)
		return rc;
	/* Readable by the web server that serves the spool. */
	rc = atomicfile_write(s->conf.spool_path, env, env_len, 0644);
	free(env);
	return rc;
}

static int load_state(struct share *s, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	json_error_t jerr;
	int rc = atomicfile_read(s->conf.state_path, SHARE_STATE_MAX, &buf, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		snprintf(err, errlen, "share: %s: %s", s->conf.state_path, strerror(-rc));
		return rc;
	}
	json_t *doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	json_t *arr = json_object_get(doc, "entries");
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	if (doc == NULL || fmt == NULL || strcmp(fmt, SHARE_STATE_FORMAT) != 0 || !json_is_array(arr) ||
	    json_array_size(arr) > s->conf.max_entries) {
		json_decref(doc);
		snprintf(err, errlen, "share: %s is not a %s file of at most %u entries", s->conf.state_path,
			 SHARE_STATE_FORMAT, s->conf.max_entries);
		return -EBADMSG;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		struct share_entry *e = &s->v[s->n];
		const char *id = NULL, *prefix = NULL, *reason = NULL, *by = NULL;
		json_int_t created = 0, modified = 0, expires = 0;
		int revoked = 0;
		if (json_unpack(o, "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:b}", "id", &id, "prefix", &prefix, "reason",
				&reason, "by", &by, "created", &created, "modified", &modified, "expires", &expires,
				"revoked", &revoked) < 0 ||
		    strlen(id) >= sizeof(e->id) || strncmp(id, "indicator--", 11) != 0 ||
		    threatfeed_parse_prefix(prefix, strlen(prefix), &e->prefix, NULL, 0) < 0) {
			json_decref(doc);
			snprintf(err, errlen, "share: %s: entry %zu is damaged", s->conf.state_path, i + 1);
			return -EBADMSG;
		}
		snprintf(e->id, sizeof(e->id), "%s", id);
		snprintf(e->reason, sizeof(e->reason), "%s", reason);
		snprintf(e->by, sizeof(e->by), "%s", by);
		e->created = created;
		e->modified = modified;
		e->expires = expires;
		e->revoked = revoked;
		s->n++;
	}
	json_decref(doc);
	return 0;
}

struct share *share_open(const struct share_conf *c, int64_t now, char *err, size_t errlen)
{
	struct share *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->conf = *c;
	if (s->conf.max_entries == 0 || s->conf.max_entries > SHARE_MAX_ENTRIES)
		s->conf.max_entries = SHARE_MAX_ENTRIES;
	if (!bundle_key_id_valid(c->key_id) || c->appliance[0] == '\0') {
		snprintf(err, errlen, "share: needs an appliance name and a valid key id");
		free(s);
		return NULL;
	}
	s->v = calloc(s->conf.max_entries, sizeof(*s->v));
	if (s->v == NULL || load_state(s, err, errlen) < 0) {
		share_close(s);
		return NULL;
	}
	share_prune(s, now);
	int rc = write_files(s, now);
	if (rc < 0) {
		snprintf(err, errlen, "share: writing %s / %s: %s", c->state_path, c->spool_path, strerror(-rc));
		share_close(s);
		return NULL;
	}
	return s;
}

void share_close(struct share *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s->conf.seed, sizeof(s->conf.seed));
	free(s->v);
	free(s);
}

/* JSON (and so STIX) carries only valid UTF-8. */
static bool utf8_ok(const char *text)
{
	json_t *j = json_string(text);
	json_decref(j);
	return j != NULL;
}

static int find(const struct share *s, const char *what, const struct tf_prefix *p)
{
	for (unsigned i = 0; i < s->n; i++) {
		const struct share_entry *e = &s->v[i];
		if (what && strcmp(e->id, what) == 0)
			return (int)i;
		if (p && e->prefix.family == p->family && e->prefix.plen == p->plen &&
		    memcmp(e->prefix.addr, p->addr, 16) == 0)
			return (int)i;
	}
	return -1;
}

int share_publish(struct share *s, const char *prefix, const char *reason, int64_t ttl, const char *by, int64_t now,
		  char id_out[SHARE_ID_MAX], char *err, size_t errlen)
{
	struct tf_prefix p;
	char why[THREATFEED_ERR_MAX];
	int rc;

	if ((rc = threatfeed_parse_prefix(prefix, strlen(prefix), &p, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s", why);
		return rc;
	}
	if (ttl < SHARE_TTL_MIN || ttl > SHARE_TTL_MAX) {
		snprintf(err, errlen, "ttl %lld s is not in %d..%d s", (long long)ttl, SHARE_TTL_MIN, SHARE_TTL_MAX);
		return -ERANGE;
	}
	if (reason == NULL || reason[0] == '\0' || strlen(reason) >= SHARE_REASON_MAX) {
		snprintf(err, errlen, "a reason of 1..%d bytes is required (neighbours see it)", SHARE_REASON_MAX - 1);
		return -EINVAL;
	}
	if (!utf8_ok(reason) || (by && (!utf8_ok(by) || strlen(by) >= SHARE_BY_MAX))) {
		snprintf(err, errlen, "reason and administrator must be UTF-8 text");
		return -EINVAL;
	}
	share_prune(s, now);
	int i = find(s, NULL, &p);
	struct share_entry *e;
	if (i >= 0) {
		e = &s->v[i];   /* renew: neighbours keep one indicator per address */
	} else {
		if (s->n == s->conf.max_entries) {
			snprintf(err, errlen, "%u blocks are shared already, at most %u", s->n, s->conf.max_entries);
			return -E2BIG;
		}
		e = &s->v[s->n++];
		memset(e, 0, sizeof(*e));
		char uuid[37];
		uuid4(uuid);
		snprintf(e->id, sizeof(e->id), "indicator--%s", uuid);
		e->prefix = p;
		e->created = now;
	}
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	snprintf(e->by, sizeof(e->by), "%s", by ? by : "");
	e->modified = now;
	e->expires = now + ttl;
	e->revoked = false;
	if ((rc = write_files(s, now)) < 0) {
		snprintf(err, errlen, "writing the spool: %s", strerror(-rc));
		return rc;
	}
	snprintf(id_out, SHARE_ID_MAX, "%s", e->id);
	log_info("share", "published %s for %lld s: %s (%s)", prefix, (long long)ttl, reason, e->id);
	return 0;
}

int share_withdraw(struct share *s, const char *what, int64_t now, char *err, size_t errlen)
{
	struct tf_prefix p;
	bool is_prefix = threatfeed_parse_prefix(what, strlen(what), &p, NULL, 0) == 0;
	int i = find(s, what, is_prefix ? &p : NULL);
	if (i < 0 || s->v[i].revoked) {
		snprintf(err, errlen, "'%s' is not shared", what);
		return -ENOENT;
	}
	s->v[i].revoked = true;
	s->v[i].modified = now;
	int rc = write_files(s, now);
	if (rc < 0) {
		snprintf(err, errlen, "writing the spool: %s", strerror(-rc));
		return rc;
	}
	log_info("share", "withdrew %s", s->v[i].id);
	return 0;
}

int share_prune(struct share *s, int64_t now)
{
	unsigned o = 0, dropped = 0;
	for (unsigned i = 0; i < s->n; i++) {
		if (s->v[i].expires <= now) {
			dropped++;
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->n = o;
	if (dropped) {
		int rc = write_files(s, now);
		if (rc < 0)
			log_warn("share", "rewriting the spool after pruning: %s", strerror(-rc));
	}
	return (int)dropped;
}

int64_t share_next_expiry(const struct share *s)
{
	int64_t t = 0;
	for (unsigned i = 0; i < s->n; i++)
		if (t == 0 || s->v[i].expires < t)
			t = s->v[i].expires;
	return t;
}

unsigned share_count(const struct share *s)
{
	return s->n;
}

const struct share_entry *share_get(const struct share *s, unsigned i)
{
	return i < s->n ? &s->v[i] : NULL;
}

struct tf_list *share_list(const struct share *s, int64_t now)
{
	struct tf_list *l = threatfeed_list_new("share");
	for (unsigned i = 0; l && i < s->n; i++) {
		const struct share_entry *e = &s->v[i];
		if (e->revoked || e->expires <= now)
			continue;
		if (threatfeed_list_add(l, &e->prefix, e->id, e->reason, i + 1, e->expires) < 0) {
			threatfeed_list_unref(l);
			return NULL;
		}
	}
	return l;
}
