/* central_conf.c — central {}, feeds (), share {}, soc {}, heartbeat {}. */
#include "central_conf.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "cfgload.h"

static int check_https(struct cfg_loader *ld, const config_setting_t *g, const char *what, const char *url)
{
	if (strncmp(url, "https://", 8) != 0 || url[8] == '\0')
		return cfg_fail(ld, config_setting_get_member(g, "url"), "%s.url: '%s' is not an https:// URL", what, url);
	return 0;
}

static int get_tls(struct cfg_loader *ld, const config_setting_t *g, const char *what, struct fetch_tls *tls)
{
	int rc;
	if ((rc = cfg_get_string(ld, g, "ca_file", what, tls->ca_file, sizeof(tls->ca_file), "")) < 0 ||
	    (rc = cfg_get_string(ld, g, "pinned_key", what, tls->pinned_key, sizeof(tls->pinned_key), "")) < 0)
		return rc;
	return 0;
}

/* keys = ( { id = "..."; public_key_file = "..."; }, ... ) */
static int get_keys(struct cfg_loader *ld, const config_setting_t *g, const char *what, bool required,
		    struct bundle_keyring *kr)
{
	static const char *const known[] = { "id", "public_key_file", NULL };
	const config_setting_t *list = config_setting_get_member(g, "keys");
	char kwhat[96], id[BUNDLE_KEY_ID_MAX], path[FETCH_PATH_MAX], why[BUNDLE_ERR_MAX];
	int rc;

	memset(kr, 0, sizeof(*kr));
	if (list == NULL) {
		if (required)
			return cfg_fail(ld, g, "%s: missing setting 'keys' (the public keys bundles are signed with)", what);
		return 0;
	}
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return cfg_fail(ld, list, "%s.keys: must be a list ( { id = ...; public_key_file = ...; } )", what);
	if (config_setting_length(list) > BUNDLE_MAX_KEYS)
		return cfg_fail(ld, list, "%s.keys: %d keys, at most %d", what, config_setting_length(list), BUNDLE_MAX_KEYS);
	if (required && config_setting_length(list) == 0)
		return cfg_fail(ld, list, "%s.keys: at least one key", what);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *k = config_setting_get_elem(list, (unsigned)i);
		uint8_t *text, pub[BUNDLE_PUB_LEN];
		size_t len;
		snprintf(kwhat, sizeof(kwhat), "%s.keys entry %d", what, i + 1);
		if (config_setting_type(k) != CONFIG_TYPE_GROUP)
			return cfg_fail(ld, k, "%s: must be a group", kwhat);
		if ((rc = cfg_check_members(ld, k, kwhat, known)) < 0 ||
		    (rc = cfg_get_string(ld, k, "id", kwhat, id, sizeof(id), NULL)) < 0 ||
		    (rc = cfg_get_string(ld, k, "public_key_file", kwhat, path, sizeof(path), NULL)) < 0)
			return rc;
		rc = atomicfile_read(path, CENTRAL_KEY_FILE_MAX, &text, &len);
		if (rc < 0)
			return cfg_fail(ld, config_setting_get_member(k, "public_key_file"), "%s: %s: %s", kwhat, path,
				    strerror(-rc));
		rc = bundle_key_parse_public((const char *)text, len, pub, why, sizeof(why));
		free(text);
		if (rc < 0)
			return cfg_fail(ld, config_setting_get_member(k, "public_key_file"), "%s: %s: %s", kwhat, path, why);
		rc = bundle_keyring_add(kr, id, pub);
		if (rc == -EEXIST)
			return cfg_fail(ld, k, "%s: id '%s' given twice", kwhat, id);
		if (rc < 0)
			return cfg_fail(ld, config_setting_get_member(k, "id"), "%s: id '%s' is not 1..63 of A-Z a-z 0-9 . _ -",
				    kwhat, id);
	}
	return 0;
}

static int load_central(struct cfg_loader *ld, const config_t *cfg, struct central_settings *out)
{
	static const char *const known[] = { "url", "ca_file", "pinned_key", "keys", "poll_interval", "max_size",
					     "state_dir", "timeout", NULL };
	const config_setting_t *g = config_lookup(cfg, "central");
	struct central_conf *c = &out->central;
	long long v = 0;
	int rc;

	snprintf(c->state_dir, sizeof(c->state_dir), "%s", CENTRAL_DEFAULT_STATE_DIR);
	if (g == NULL)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(ld, g, "central: must be a group { url = ...; }");
	if ((rc = cfg_check_members(ld, g, "central", known)) < 0 ||
	    (rc = cfg_get_string(ld, g, "url", "central", c->url, sizeof(c->url), NULL)) < 0 ||
	    (rc = check_https(ld, g, "central", c->url)) < 0 || (rc = get_tls(ld, g, "central", &c->tls)) < 0 ||
	    (rc = get_keys(ld, g, "central", true, &c->keys)) < 0 ||
	    (rc = cfg_get_string(ld, g, "state_dir", "central", c->state_dir, sizeof(c->state_dir),
			     CENTRAL_DEFAULT_STATE_DIR)) < 0)
		return rc;
	if ((rc = cfg_get_int(ld, g, "poll_interval", "central", &v, CENTRAL_DEFAULT_INTERVAL, FETCH_INTERVAL_MIN_S,
			  FETCH_INTERVAL_MAX_S)) < 0)
		return rc;
	c->poll_interval = (int)v;
	if ((rc = cfg_get_int(ld, g, "max_size", "central", &v, BUNDLE_DEFAULT_MAX_SIZE, 1024, BUNDLE_MAX_SIZE_LIMIT)) < 0)
		return rc;
	c->max_size = (size_t)v;
	if ((rc = cfg_get_int(ld, g, "timeout", "central", &v, FETCH_DEFAULT_TIMEOUT_S, 5, FETCH_TIMEOUT_MAX_S)) < 0)
		return rc;
	c->timeout = (int)v;
	out->central_enabled = true;
	return 0;
}

static int load_feeds(struct cfg_loader *ld, const config_t *cfg, struct central_settings *out)
{
	static const char *const known[] = { "name", "url", "format", "ca_file", "pinned_key", "keys",
					     "poll_interval", "max_size", "timeout", NULL };
	const config_setting_t *list = config_lookup(cfg, "feeds");
	struct feeds_conf *fc = &out->feeds;
	char what[96], format[16];
	long long v = 0;
	int rc;

	snprintf(fc->state_dir, sizeof(fc->state_dir), "%s", out->central.state_dir);
	if (list == NULL)
		return 0;
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return cfg_fail(ld, list, "feeds: must be a list ( { name = ...; url = ...; format = ...; }, ... )");
	if (config_setting_length(list) > FEEDS_MAX)
		return cfg_fail(ld, list, "feeds: %d feeds, at most %d", config_setting_length(list), FEEDS_MAX);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct feed_conf *f = &fc->feeds[i];
		snprintf(what, sizeof(what), "feeds entry %d", i + 1);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return cfg_fail(ld, g, "%s: must be a group", what);
		if ((rc = cfg_check_members(ld, g, what, known)) < 0 ||
		    (rc = cfg_get_string(ld, g, "name", what, f->name, sizeof(f->name), NULL)) < 0)
			return rc;
		snprintf(what, sizeof(what), "feed '%s'", f->name);
		for (int k = 0; k < i; k++)
			if (strcmp(fc->feeds[k].name, f->name) == 0)
				return cfg_fail(ld, g, "%s: defined twice", what);
		if ((rc = cfg_get_string(ld, g, "url", what, f->url, sizeof(f->url), NULL)) < 0 ||
		    (rc = check_https(ld, g, what, f->url)) < 0 ||
		    (rc = cfg_get_string(ld, g, "format", what, format, sizeof(format), NULL)) < 0)
			return rc;
		int fmt = threatfeed_format_parse(format);
		if (fmt < 0)
			return cfg_fail(ld, config_setting_get_member(g, "format"), "%s.format: '%s' is not \"plain\" or \"stix\"",
				    what, format);
		f->format = (enum threatfeed_format)fmt;
		if ((rc = get_tls(ld, g, what, &f->tls)) < 0 || (rc = get_keys(ld, g, what, false, &f->keys)) < 0)
			return rc;
		if ((rc = cfg_get_int(ld, g, "poll_interval", what, &v, FEEDS_DEFAULT_INTERVAL, FETCH_INTERVAL_MIN_S,
				  FETCH_INTERVAL_MAX_S)) < 0)
			return rc;
		f->poll_interval = (int)v;
		if ((rc = cfg_get_int(ld, g, "max_size", what, &v, FEEDS_DEFAULT_MAX_SIZE, 1024, FETCH_MAX_SIZE_LIMIT)) < 0)
			return rc;
		f->max_size = (size_t)v;
		if ((rc = cfg_get_int(ld, g, "timeout", what, &v, FETCH_DEFAULT_TIMEOUT_S, 5, FETCH_TIMEOUT_MAX_S)) < 0)
			return rc;
		f->timeout = (int)v;
		fc->nfeeds++;
	}
	return 0;
}

static int load_share(struct cfg_loader *ld, const config_t *cfg, struct central_settings *out)
{
	static const char *const known[] = { "appliance", "key_id", "key_file", "state_file", "spool_file",
					     "max_entries", NULL };
	const config_setting_t *g = config_lookup(cfg, "share");
	struct share_conf *s = &out->share;
	char path[FETCH_PATH_MAX], why[BUNDLE_ERR_MAX], dflt[FETCH_PATH_MAX];
	long long v = 0;
	int rc;

	if (g == NULL)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(ld, g, "share: must be a group { appliance = ...; }");
	snprintf(dflt, sizeof(dflt), "%.160s/share.json", out->central.state_dir);
	if ((rc = cfg_check_members(ld, g, "share", known)) < 0 ||
	    (rc = cfg_get_string(ld, g, "appliance", "share", s->appliance, sizeof(s->appliance), NULL)) < 0 ||
	    (rc = cfg_get_string(ld, g, "key_id", "share", s->key_id, sizeof(s->key_id), NULL)) < 0 ||
	    (rc = cfg_get_string(ld, g, "key_file", "share", path, sizeof(path), NULL)) < 0 ||
	    (rc = cfg_get_string(ld, g, "state_file", "share", s->state_path, sizeof(s->state_path), dflt)) < 0 ||
	    (rc = cfg_get_string(ld, g, "spool_file", "share", s->spool_path, sizeof(s->spool_path), NULL)) < 0 ||
	    (rc = cfg_get_int(ld, g, "max_entries", "share", &v, SHARE_MAX_ENTRIES, 1, SHARE_MAX_ENTRIES)) < 0)
		return rc;
	s->max_entries = (unsigned)v;
	if (!bundle_key_id_valid(s->key_id))
		return cfg_fail(ld, config_setting_get_member(g, "key_id"), "share.key_id: '%s' is not 1..63 of A-Z a-z 0-9 . _ -",
			    s->key_id);
	uint8_t *text;
	size_t len;
	rc = atomicfile_read(path, CENTRAL_KEY_FILE_MAX, &text, &len);
	if (rc < 0)
		return cfg_fail(ld, config_setting_get_member(g, "key_file"), "share.key_file: %s: %s", path, strerror(-rc));
	rc = bundle_key_parse_private((const char *)text, len, s->seed, why, sizeof(why));
	OPENSSL_cleanse(text, len);
	free(text);
	if (rc < 0)
		return cfg_fail(ld, config_setting_get_member(g, "key_file"), "share.key_file: %s: %s", path, why);
	out->share_enabled = true;
	return 0;
}

static int load_soc(struct cfg_loader *ld, const config_t *cfg, struct central_settings *out)
{
	static const char *const known[] = { "collectors", "queue_file", "queue_max", "sd_id", NULL };
	static const char *const cknown[] = { "host", "port", "ca_file", "cert_file", "key_file", NULL };
	const config_setting_t *g = config_lookup(cfg, "soc");
	struct soc_conf *s = &out->soc;
	char what[64];
	long long v = 0;
	int rc;

	if (g == NULL)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(ld, g, "soc: must be a group { collectors = ( ... ); }");
	if ((rc = cfg_check_members(ld, g, "soc", known)) < 0 ||
	    (rc = cfg_get_string(ld, g, "queue_file", "soc", s->queue_file, sizeof(s->queue_file),
			     "/var/lib/menjin/soc-queue.db")) < 0 ||
	    (rc = cfg_get_string(ld, g, "sd_id", "soc", out->sd_id, sizeof(out->sd_id), "")) < 0 ||
	    (rc = cfg_get_int(ld, g, "queue_max", "soc", &v, SOC_QUEUE_DEFAULT_MAX, 100, SOC_QUEUE_MAX_LIMIT)) < 0)
		return rc;
	s->queue_max = (unsigned)v;
	if (out->sd_id[0] && (strchr(out->sd_id, '@') == NULL || strpbrk(out->sd_id, " =]\"")))
		return cfg_fail(ld, config_setting_get_member(g, "sd_id"), "soc.sd_id: '%s' is not like name@enterprise-number",
			    out->sd_id);
	const config_setting_t *list = config_setting_get_member(g, "collectors");
	if (list == NULL || config_setting_type(list) != CONFIG_TYPE_LIST || config_setting_length(list) == 0)
		return cfg_fail(ld, list ? list : g, "soc.collectors: must be a list of 1..%d { host = ...; port = ...; }",
			    SOC_MAX_COLLECTORS);
	if (config_setting_length(list) > SOC_MAX_COLLECTORS)
		return cfg_fail(ld, list, "soc.collectors: %d collectors, at most %d", config_setting_length(list),
			    SOC_MAX_COLLECTORS);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *c = config_setting_get_elem(list, (unsigned)i);
		struct soc_collector_conf *cc = &s->collectors[i];
		snprintf(what, sizeof(what), "soc.collectors entry %d", i + 1);
		if (config_setting_type(c) != CONFIG_TYPE_GROUP)
			return cfg_fail(ld, c, "%s: must be a group", what);
		if ((rc = cfg_check_members(ld, c, what, cknown)) < 0 ||
		    (rc = cfg_get_string(ld, c, "host", what, cc->host, sizeof(cc->host), NULL)) < 0 ||
		    (rc = cfg_get_int(ld, c, "port", what, &v, 6514, 1, 65535)) < 0)
			return rc;
		cc->port = (uint16_t)v;
		if ((rc = cfg_get_string(ld, c, "ca_file", what, cc->ca_file, sizeof(cc->ca_file), "")) < 0 ||
		    (rc = cfg_get_string(ld, c, "cert_file", what, cc->cert_file, sizeof(cc->cert_file), "")) < 0 ||
		    (rc = cfg_get_string(ld, c, "key_file", what, cc->key_file, sizeof(cc->key_file), "")) < 0)
			return rc;
		if (cc->key_file[0] && !cc->cert_file[0])
			return cfg_fail(ld, c, "%s: key_file without cert_file", what);
		for (int k = 0; k < i; k++)
			if (strcmp(s->collectors[k].host, cc->host) == 0 && s->collectors[k].port == cc->port)
				return cfg_fail(ld, c, "%s: %s:%u listed twice", what, cc->host, cc->port);
		s->ncollectors++;
	}
	out->soc_enabled = true;
	return 0;
}

static int load_heartbeat(struct cfg_loader *ld, const config_t *cfg, struct central_settings *out)
{
	static const char *const known[] = { "url", "interval", "ca_file", "pinned_key", NULL };
	const config_setting_t *g = config_lookup(cfg, "heartbeat");
	struct heartbeat_conf *h = &out->heartbeat;
	long long v = 0;
	int rc;

	if (g == NULL)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(ld, g, "heartbeat: must be a group { url = ...; }");
	if ((rc = cfg_check_members(ld, g, "heartbeat", known)) < 0 ||
	    (rc = cfg_get_string(ld, g, "url", "heartbeat", h->url, sizeof(h->url), NULL)) < 0 ||
	    (rc = check_https(ld, g, "heartbeat", h->url)) < 0 ||
	    (rc = cfg_get_int(ld, g, "interval", "heartbeat", &v, HEARTBEAT_DEFAULT_INTERVAL, HEARTBEAT_INTERVAL_MIN,
			  HEARTBEAT_INTERVAL_MAX)) < 0)
		return rc;
	h->interval = (int)v;
	/* The centre's CA and pin by default: usually the same server. */
	h->tls = out->central.tls;
	if (config_setting_get_member(g, "ca_file") || config_setting_get_member(g, "pinned_key"))
		if ((rc = get_tls(ld, g, "heartbeat", &h->tls)) < 0)
			return rc;
	out->heartbeat_enabled = true;
	return 0;
}

int central_settings_load(const config_t *cfg, const char *file, struct central_settings *out, char *err, size_t errlen)
{
	struct cfg_loader ld = { .file = file, .err = err, .errlen = errlen };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_central(&ld, cfg, out)) < 0 || (rc = load_feeds(&ld, cfg, out)) < 0 ||
	    (rc = load_share(&ld, cfg, out)) < 0 || (rc = load_soc(&ld, cfg, out)) < 0 ||
	    (rc = load_heartbeat(&ld, cfg, out)) < 0) {
		central_settings_clear(out);
		return rc;
	}
	return 0;
}

void central_settings_clear(struct central_settings *s)
{
	OPENSSL_cleanse(s->share.seed, sizeof(s->share.seed));
}
