/* main.c — menjind: the control plane daemon of menjin.
 *
 *   menjind -c /etc/menjin/menjin.conf [-f] [-d] [-t]
 *
 * -f stays in the foreground and logs to stderr too (systemd, tests);
 * -d logs at debug level; -t checks the configuration and exits.
 * SIGHUP reloads the configuration (a bad file is refused, the running
 * one stays); SIGTERM and SIGINT stop the daemon. The fast path keeps
 * enforcing its last tables while menjind is stopped.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "dot1x.h"
#include "log.h"

#define DEFAULT_CONF "/etc/menjin/menjin.conf"

static void usage(FILE *f)
{
	fprintf(f, "usage: menjind [-c config] [-f] [-d] [-t]\n"
		   "  -c FILE  configuration (default " DEFAULT_CONF ")\n"
		   "  -f       foreground: do not detach, log to stderr as well as syslog\n"
		   "  -d       debug logging\n"
		   "  -t       check the configuration and exit\n");
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct menjind *d = arg;
	struct reload_result res;
	char err[CONF_ERR_MAX];
	(void)sig;
	(void)what;
	menjind_reload(d, "SIGHUP", &res, err, sizeof(err));
}

static void stopped(void *arg)
{
	struct menjind *d = arg;
	event_base_loopbreak(d->base);
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	struct menjind *d = arg;
	static bool stopping;
	(void)what;
	log_info("main", "%s: stopping", strsignal((int)sig));
	/* 802.1X first sends its accounting Stops and Accounting-Off (bounded
	 * by AUTH8021X_SHUTDOWN_MAX_MS); a second signal does not wait. */
	if (stopping || dot1x_shutdown(d, stopped, d) < 0)
		event_base_loopbreak(d->base);
	stopping = true;
}

/* The event loop turns: menjind is alive for systemd's watchdog. */
static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_CONF;
	bool foreground = false, debug = false, check = false;
	char err[CONF_ERR_MAX];
	int opt;

	while ((opt = getopt(argc, argv, "c:fdth")) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'd': debug = true; break;
		case 't': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	log_init("menjind", foreground || check, LOG_DAEMON);
	/* Check the file before detaching, so a bad one is reported where
	 * the administrator is looking. */
	struct conf *c;
	if (conf_load(path, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "menjind: configuration refused: %s\n", err);
		syslog(LOG_ERR, "configuration refused: %s", err);
		return 1;
	}
	if (check) {
		printf("%s: ok (%u roles, %u policy rules)\n", path, c->nroles, c->policy.nrules);
		conf_free(c);
		return 0;
	}
	conf_free(c);
	if (!foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "menjind: daemon: %s\n", strerror(errno));
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	struct event_base *base = event_base_new();
	if (base == NULL) {
		fprintf(stderr, "menjind: event_base_new failed\n");
		return 1;
	}
	struct menjind d;
	if (menjind_start(&d, base, path, err, sizeof(err)) < 0) {
		if (foreground)
			fprintf(stderr, "menjind: %s\n", err);
		log_err("main", "start failed: %s", err);
		menjind_stop(&d);
		event_base_free(base);
		return 1;
	}
	if (debug)
		log_set_level(LOG_LEVEL_DEBUG);

	struct event *hup = evsignal_new(base, SIGHUP, on_hup, &d);
	struct event *term = evsignal_new(base, SIGTERM, on_term, &d);
	struct event *intr = evsignal_new(base, SIGINT, on_term, &d);
	if (!hup || !term || !intr || event_add(hup, NULL) < 0 || event_add(term, NULL) < 0 ||
	    event_add(intr, NULL) < 0) {
		log_err("main", "cannot install signal handlers");
		return 1;
	}

	/* under systemd (Type=notify): configuration loaded, api.sock listening */
	struct event *watchdog = NULL;
	uint64_t watchdog_usec = 0;
	if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
		struct timeval half = { .tv_sec = (time_t)(watchdog_usec / 2000000),
					.tv_usec = (suseconds_t)(watchdog_usec / 2 % 1000000) };
		watchdog = event_new(base, -1, EV_PERSIST, on_watchdog, NULL);
		if (!watchdog || event_add(watchdog, &half) < 0)
			log_err("main", "cannot arm the systemd watchdog timer");
	}
	sd_notify(0, "READY=1");

	event_base_dispatch(base);

	sd_notify(0, "STOPPING=1");
	if (watchdog)
		event_free(watchdog);
	event_free(hup);
	event_free(term);
	event_free(intr);
	menjind_stop(&d);
	event_base_free(base);
	log_info("main", "stopped");
	return 0;
}
