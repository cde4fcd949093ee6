/* cfgload.c — shared helpers of the configuration section readers. */
#include "cfgload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"

void cfg_init_for_file(config_t *cfg, const char *file)
{
	char dir[CONF_PATH_MAX];
	config_init(cfg);
	snprintf(dir, sizeof(dir), "%s", file);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		config_set_include_dir(cfg, dir);
	}
}

int cfg_fail(struct cfg_loader *ld, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = cfg_vfail(ld, s, fmt, ap);
	va_end(ap);
	return rc;
}

int cfg_vfail(struct cfg_loader *ld, const config_setting_t *s, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	int line = s ? (int)config_setting_source_line(s) : 0;
	const char *file = s && config_setting_source_file(s) ? config_setting_source_file(s) : ld->file;
	if (line > 0)
		snprintf(ld->err, ld->errlen, "%s:%d: %s", file, line, msg);
	else
		snprintf(ld->err, ld->errlen, "%s: %s", file, msg);
	return -EINVAL;
}

/* A misspelt setting would silently not apply: refuse unknown ones. */
int cfg_check_members(struct cfg_loader *ld, const config_setting_t *g, const char *what, const char *const *known)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = name && strcmp(*k, name) == 0;
		if (!ok)
			return cfg_fail(ld, m, "%s: unknown setting '%s'", what, name ? name : "?");
	}
	return 0;
}

int cfg_get_string(struct cfg_loader *ld, const config_setting_t *g, const char *name, const char *what, char *out,
		      size_t max, const char *dflt)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (s == NULL) {
		if (dflt == NULL)
			return cfg_fail(ld, g, "%s: missing setting '%s'", what, name);
		snprintf(out, max, "%s", dflt);
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return cfg_fail(ld, s, "%s.%s: must be a string", what, name);
	const char *v = config_setting_get_string(s);
	if (strlen(v) >= max)
		return cfg_fail(ld, s, "%s.%s: longer than %zu characters", what, name, max - 1);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

int cfg_get_int(struct cfg_loader *ld, const config_setting_t *g, const char *name, const char *what, long long *out,
		   long long dflt, long long min, long long max)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (s == NULL) {
		*out = dflt;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return cfg_fail(ld, s, "%s.%s: must be an integer", what, name);
	long long v = config_setting_get_int64(s);
	if (v < min || v > max)
		return cfg_fail(ld, s, "%s.%s: %lld is not in %lld..%lld", what, name, v, min, max);
	*out = v;
	return 0;
}

