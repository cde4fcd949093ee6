/* log.h — the one logging family of menjind.
 *
 * Every concern passes its name as the prefix: log_warn("fpchan", "...").
 * Messages go to syslog, and to stderr when running in the foreground.
 * Single-threaded daemon: the state in log.c belongs to the main loop.
 */
#ifndef MENJIN_LOG_H
#define MENJIN_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* facility is a syslog LOG_* facility value. */
void log_init(const char *ident, bool to_stderr, int facility);
void log_set_level(enum log_level level);
void log_set_facility(int facility);

void log_err(const char *concern, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *concern, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *concern, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_debug(const char *concern, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "local0" -> LOG_LOCAL0; -1 if unknown. */
int log_facility_parse(const char *name);

#endif
