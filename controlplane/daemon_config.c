/* daemon_config.c — commit confirmed, confirm and rollback (see daemon_config.h). */
#include "daemon_config.h"

#include <errno.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "daemon.h"
#include "events.h"
#include "log.h"
#include "rfc3339.h"
#include "store.h"

#define DAEMON_CONFIG_RETRY_S  60   /* a rollback that failed is tried again */

enum daemon_config_pending daemon_config_decide(int64_t now, int64_t confirm_by, int64_t *wait_s)
{
	*wait_s = 0;
	if (confirm_by <= 0)
		return DAEMON_CONFIG_NOTHING;
	if (confirm_by <= now)
		return DAEMON_CONFIG_ROLL_BACK;
	*wait_s = confirm_by - now;
	return DAEMON_CONFIG_WAIT;
}

void daemon_config_line_error(const char *path, const char *err, char *out, size_t outlen)
{
	size_t n = strlen(path);
	const char *p = err;
	/* conf.c says "file:LINE: ..."; libconfig's @include files keep their name */
	if (n > 0 && strncmp(err, path, n) == 0 && err[n] == ':' && err[n + 1] >= '0' && err[n + 1] <= '9') {
		p = err + n + 1;
		size_t digits = strspn(p, "0123456789");
		if (p[digits] == ':') {
			snprintf(out, outlen, "line %.*s:%s", (int)digits, p, p + digits + 1);
			return;
		}
	}
	snprintf(out, outlen, "%s", err);
}

void daemon_config_sha256(const char *text, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	static const char hex[] = "0123456789abcdef";
	out[0] = '\0';
	if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return;
	for (unsigned i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct menjind *d = arg;
	char err[CONF_ERR_MAX];
	(void)fd;
	(void)what;
	if (daemon_config_rollback(d, err, sizeof(err)) < 0 && err[0])
		log_err("config", "automatic rollback failed: %s", err);
}

static void arm(struct menjind *d, int64_t secs)
{
	if (d->confirm_ev == NULL && (d->confirm_ev = evtimer_new(d->base, timer_cb, d)) == NULL) {
		log_err("config", "out of memory: a commit confirmed cannot be rolled back by itself");
		return;
	}
	struct timeval tv = { .tv_sec = (time_t)secs };
	evtimer_add(d->confirm_ev, &tv);
}

void daemon_config_check(struct menjind *d)
{
	struct store_config_row p;
	int64_t wait_s;
	char err[CONF_ERR_MAX];

	int rc = store_config_pending(d->store, &p);
	if (rc < 0) {
		if (rc != -ENOENT)
			log_err("config", "cannot read the pending configuration version");
		if (d->confirm_ev)
			evtimer_del(d->confirm_ev);
		return;
	}
	switch (daemon_config_decide((int64_t)time(NULL), p.confirm_by, &wait_s)) {
	case DAEMON_CONFIG_NOTHING:
		if (d->confirm_ev)
			evtimer_del(d->confirm_ev);
		break;
	case DAEMON_CONFIG_WAIT:
		log_info("config", "version %lld waits for config.confirm; rolled back in %lld s", (long long)p.id,
			 (long long)wait_s);
		arm(d, wait_s);
		break;
	case DAEMON_CONFIG_ROLL_BACK:
		/* The deadline passed while menjind was stopped. */
		if (daemon_config_rollback(d, err, sizeof(err)) < 0 && err[0])
			log_err("config", "automatic rollback failed: %s", err);
		break;
	}
}

int daemon_config_confirm(struct menjind *d, const char *who, int64_t *version, char *err, size_t errlen)
{
	struct store_config_row p;
	char ver[24], msg[256];
	int rc = store_config_pending(d->store, &p);
	if (rc == -ENOENT) {
		snprintf(err, errlen, "nothing to confirm: no commit confirmed is waiting");
		return rc;
	}
	if (rc < 0 || (rc = store_config_set_state(d->store, p.id, STORE_CONFIG_STATE_CONFIRMED)) < 0) {
		snprintf(err, errlen, "store error");
		return rc;
	}
	if (d->confirm_ev)
		evtimer_del(d->confirm_ev);
	*version = p.id;
	snprintf(ver, sizeof(ver), "%lld", (long long)p.id);
	snprintf(msg, sizeof(msg), "configuration version %s confirmed (%s)", ver, who);
	log_info("config", "%s", msg);
	menjind_emit(d, LOG_NOTICE, "config.confirm", msg, "version", ver, NULL, NULL);
	return 0;
}

int daemon_config_rollback(struct menjind *d, char *err, size_t errlen)
{
	struct store_config_row p, prev;
	struct reload_result res;
	char when[RFC3339_LEN], comment[128], ver[24], msg[CONF_ERR_MAX + 128];
	int rc;

	err[0] = '\0';
	if ((rc = store_config_pending(d->store, &p)) < 0) {
		if (rc != -ENOENT)
			snprintf(err, errlen, "cannot read the pending configuration version");
		return rc;
	}
	snprintf(ver, sizeof(ver), "%lld", (long long)p.id);
	if ((rc = store_config_previous(d->store, p.id, &prev)) < 0) {
		/* Nothing to go back to: keep what runs and say so. */
		snprintf(err, errlen, "version %s has no earlier version to go back to: it stays", ver);
		if (store_config_set_state(d->store, p.id, STORE_CONFIG_STATE_CONFIRMED) < 0)
			log_err("config", "version %s: its state could not be stored", ver);
		menjind_emit(d, LOG_ERR, "config.rollback", err, "version", ver, NULL, NULL);
		return rc;
	}
	rfc3339_format(p.confirm_by, when);
	snprintf(comment, sizeof(comment), "version %s was not confirmed by %s", ver, when);
	const struct menjind_change ch = {
		.who = "not confirmed in time", .local_text = prev.text, .write_file = true, .user = "menjind",
		.uid = -1, .origin = "rollback", .comment = comment, .rolls_back = p.id,
	};
	rc = menjind_apply(d, &ch, &res, err, errlen);
	free(prev.text);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "version %s was not confirmed, and going back to version %lld failed: %s; "
			 "trying again in %d s", ver, (long long)prev.id, err, DAEMON_CONFIG_RETRY_S);
		menjind_emit(d, LOG_ERR, "config.rollback", msg, "version", ver, NULL, NULL);
		arm(d, DAEMON_CONFIG_RETRY_S);
		return rc;
	}
	/* The same text as the newest version records nothing: settle it here. */
	if (!res.recorded && store_config_set_state(d->store, p.id, STORE_CONFIG_STATE_ROLLED_BACK) < 0)
		log_err("config", "version %s rolled back, but its state could not be stored", ver);
	if (d->confirm_ev)
		evtimer_del(d->confirm_ev);
	return 0;
}

void daemon_config_stop(struct menjind *d)
{
	if (d->confirm_ev)
		event_free(d->confirm_ev);
	d->confirm_ev = NULL;
}
