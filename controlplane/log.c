/* log.c — stderr and syslog logging with a per-concern prefix. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

/* Owned by the main loop's thread; menjind has no other. */
static struct {
	bool to_stderr;
	int  facility;
	enum log_level level;
	char ident[32];
	bool opened;
} log_state = { .to_stderr = true, .facility = LOG_DAEMON, .level = LOG_LEVEL_INFO, .ident = "menjind" };

void log_init(const char *ident, bool to_stderr, int facility)
{
	snprintf(log_state.ident, sizeof(log_state.ident), "%s", ident);
	log_state.to_stderr = to_stderr;
	log_state.facility = facility;
	openlog(log_state.ident, LOG_PID | LOG_NDELAY, facility);
	log_state.opened = true;
}

void log_set_level(enum log_level level)
{
	log_state.level = level;
}

void log_set_facility(int facility)
{
	if (facility == log_state.facility && log_state.opened)
		return;
	log_state.facility = facility;
	closelog();
	openlog(log_state.ident, LOG_PID | LOG_NDELAY, facility);
	log_state.opened = true;
}

static void vlog(enum log_level level, const char *concern, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	char msg[1024];

	if (level > log_state.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_state.opened)
		syslog(prio[level], "%s: %s", concern, msg);
	if (log_state.to_stderr) {
		struct timespec ts;
		struct tm tm;
		char when[32];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s %s: %s\n", when, ts.tv_nsec / 1000000, tag[level], concern, msg);
	}
}

#define LOG_FN(name, level)                                          \
	void name(const char *concern, const char *fmt, ...)         \
	{                                                            \
		va_list ap;                                          \
		va_start(ap, fmt);                                   \
		vlog(level, concern, fmt, ap);                       \
		va_end(ap);                                          \
	}

LOG_FN(log_err, LOG_LEVEL_ERR)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)

int log_facility_parse(const char *name)
{
	static const struct { const char *name; int facility; } map[] = {
		{ "daemon", LOG_DAEMON }, { "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
		{ "user", LOG_USER }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(map[i].name, name) == 0)
			return map[i].facility;
	return -1;
}
