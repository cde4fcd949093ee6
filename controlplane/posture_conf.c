/* posture_conf.c — the posture {} section (see posture_conf.h). */
#include "posture_conf.h"
#include "cfgload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* An array (or list) of strings, each handed to add(); its error is the item's. */
static int get_strings(struct cfg_loader *ld, const config_setting_t *g, const char *name, const char *what,
		       bool required, int (*add)(void *ctx, const char *v), void *ctx)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (s == NULL)
		return required ? cfg_fail(ld, g, "%s: missing setting '%s'", what, name) : 0;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST)
		return cfg_fail(ld, s, "%s.%s: must be an array of strings [ \"...\" ]", what, name);
	for (int i = 0; i < config_setting_length(s); i++) {
		const char *v = config_setting_get_string_elem(s, i);
		if (v == NULL)
			return cfg_fail(ld, s, "%s.%s: entry %d is not a string", what, name, i + 1);
		int rc = add(ctx, v);
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0)
			return cfg_fail(ld, s, "%s.%s: '%s': %s", what, name, v,
				    rc == -E2BIG ? "too many entries" : "not a valid entry");
	}
	return 0;
}

static int add_pattern(void *ctx, const char *v) { return posture_baseline_add_pattern(ctx, v); }
static int add_required(void *ctx, const char *v) { return posture_baseline_require(ctx, v); }

static int load_baselines(struct cfg_loader *ld, const config_setting_t *g, struct posture_settings *out)
{
	static const char *const known[] = { "name", "benchmarks", "required", NULL };
	const config_setting_t *list = config_setting_get_member(g, "baselines");
	char what[96], name[POSTURE_NAME_MAX];
	int rc;

	if (list == NULL)
		return 0;
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return cfg_fail(ld, list, "posture.baselines: must be a list ( { name = ...; benchmarks = [...]; }, ... )");
	if (config_setting_length(list) > POSTURE_MAX_BASELINES)
		return cfg_fail(ld, list, "posture.baselines: %d baselines, at most %d", config_setting_length(list),
			    POSTURE_MAX_BASELINES);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *b = config_setting_get_elem(list, (unsigned)i);
		struct posture_baseline *pb;
		snprintf(what, sizeof(what), "posture.baselines entry %d", i + 1);
		if (config_setting_type(b) != CONFIG_TYPE_GROUP)
			return cfg_fail(ld, b, "%s: must be a group", what);
		if ((rc = cfg_check_members(ld, b, what, known)) < 0 ||
		    (rc = cfg_get_string(ld, b, "name", what, name, sizeof(name), NULL)) < 0)
			return rc;
		rc = posture_config_add_baseline(&out->config, name, &pb);
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0)
			return cfg_fail(ld, b, "%s: '%s' is not a valid baseline name", what, name);
		snprintf(what, sizeof(what), "baseline '%s'", name);
		if ((rc = get_strings(ld, b, "benchmarks", what, true, add_pattern, pb)) < 0 ||
		    (rc = get_strings(ld, b, "required", what, false, add_required, pb)) < 0)
			return rc;
	}
	char e[256];
	if (posture_config_check(&out->config, e, sizeof(e)) < 0)
		return cfg_fail(ld, list, "posture.baselines: %s", e);
	return 0;
}

static int load_fetch(struct cfg_loader *ld, const config_setting_t *g, struct posture_settings *out)
{
	static const char *const known[] = { "name", "url", "ca_file", "interval_minutes", NULL };
	const config_setting_t *list = config_setting_get_member(g, "fetch");
	char what[96], e[256];
	int rc;

	if (list == NULL)
		return 0;
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return cfg_fail(ld, list, "posture.fetch: must be a list ( { name = ...; url = ...; }, ... )");
	if (config_setting_length(list) > POSTURE_CONF_MAX_FETCH)
		return cfg_fail(ld, list, "posture.fetch: %d sources, at most %d", config_setting_length(list),
			    POSTURE_CONF_MAX_FETCH);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *f = config_setting_get_elem(list, (unsigned)i);
		struct posture_fetch_config *fc = &out->fetch[i];
		snprintf(what, sizeof(what), "posture.fetch entry %d", i + 1);
		if (config_setting_type(f) != CONFIG_TYPE_GROUP)
			return cfg_fail(ld, f, "%s: must be a group", what);
		if ((rc = cfg_check_members(ld, f, what, known)) < 0 ||
		    (rc = cfg_get_string(ld, f, "name", what, fc->name, sizeof(fc->name), NULL)) < 0 ||
		    (rc = cfg_get_string(ld, f, "url", what, fc->url, sizeof(fc->url), NULL)) < 0 ||
		    (rc = cfg_get_string(ld, f, "ca_file", what, fc->ca_file, sizeof(fc->ca_file), "")) < 0)
			return rc;
		int minutes = 60;
		const config_setting_t *iv = config_setting_get_member(f, "interval_minutes");
		if (iv) {
			if (config_setting_type(iv) != CONFIG_TYPE_INT)
				return cfg_fail(ld, iv, "%s.interval_minutes: must be an integer", what);
			minutes = config_setting_get_int(iv);
			if (minutes < 1 || minutes > 10080)
				return cfg_fail(ld, iv, "%s.interval_minutes: %d is outside 1..10080", what, minutes);
		}
		fc->interval = minutes * 60;
		for (unsigned k = 0; k < out->nfetch; k++)
			if (strcmp(out->fetch[k].name, fc->name) == 0)
				return cfg_fail(ld, f, "%s: the name '%s' is used twice", what, fc->name);
		if (posture_fetch_config_check(fc, e, sizeof(e)) < 0)
			return cfg_fail(ld, f, "%s: %s", what, e);
		out->nfetch++;
	}
	return 0;
}

int posture_settings_load(const config_t *cfg, const char *file, int64_t max_age, struct posture_settings *out,
			  char *err, size_t errlen)
{
	static const char *const known[] = { "spool", "fetch", "baselines", NULL };
	struct cfg_loader ld = { .file = file, .err = err, .errlen = errlen };
	const config_setting_t *g = config_lookup(cfg, "posture");
	int rc;

	out->config.max_age = max_age;
	if (g == NULL)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return cfg_fail(&ld, g, "posture: must be a group { spool = ...; }");
	if ((rc = cfg_check_members(&ld, g, "posture", known)) < 0 ||
	    (rc = cfg_get_string(&ld, g, "spool", "posture", out->spool, sizeof(out->spool), NULL)) < 0)
		return rc;
	if (out->spool[0] != '/')
		return cfg_fail(&ld, config_setting_get_member(g, "spool"), "posture.spool: '%s' is not an absolute path",
			    out->spool);
	if ((rc = load_fetch(&ld, g, out)) < 0 || (rc = load_baselines(&ld, g, out)) < 0)
		return rc;
	out->enabled = true;
	return 0;
}

void posture_settings_free(struct posture_settings *s)
{
	if (s)
		posture_config_free(&s->config);
}

bool posture_settings_same_sources(const struct posture_settings *a, const struct posture_settings *b)
{
	return a->enabled == b->enabled && strcmp(a->spool, b->spool) == 0 && a->nfetch == b->nfetch &&
	       memcmp(a->fetch, b->fetch, a->nfetch * sizeof(a->fetch[0])) == 0;
}
