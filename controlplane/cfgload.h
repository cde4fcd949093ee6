/* cfgload.h — helpers shared by the section readers of the configuration
 * (central_conf.c, posture_conf.c): every refusal names file, line and
 * setting, and unknown settings are refused rather than ignored. Also the
 * libconfig set-up for a file's text (conf.c, bundle_compose.c). */
#ifndef MENJIN_CFGLOAD_H
#define MENJIN_CFGLOAD_H

#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>

struct cfg_loader {
	const char *file;
	char *err;
	size_t errlen;
};

/* config_init() for the text of configuration file `file`: its @include
 * paths are relative to the file's directory (libconfig copies the path). */
void cfg_init_for_file(config_t *cfg, const char *file);
/* Write "file:line: message" (line of `s` when known) and return -EINVAL. */
int cfg_fail(struct cfg_loader *ld, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfg_vfail(struct cfg_loader *ld, const config_setting_t *s, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* A misspelt setting would silently not apply: refuse names not in `known`. */
int cfg_check_members(struct cfg_loader *ld, const config_setting_t *g, const char *what,
		      const char *const *known);
/* String member `name` of `g` into out[max]; missing -> dflt, or an error
 * when dflt is NULL. */
int cfg_get_string(struct cfg_loader *ld, const config_setting_t *g, const char *name, const char *what,
		   char *out, size_t max, const char *dflt);
/* Integer member in min..max; missing -> dflt. */
int cfg_get_int(struct cfg_loader *ld, const config_setting_t *g, const char *name, const char *what,
		long long *out, long long dflt, long long min, long long max);

#endif
