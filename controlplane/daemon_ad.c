/* daemon_ad.c — Active Directory in menjind (see daemon_ad.h). */
#include "daemon_ad.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "adsync.h"
#include "daemon.h"
#include "devices.h"
#include "events.h"
#include "identity.h"
#include "log.h"

static void on_applied(void *ctx, const struct ad_snapshot *snap)
{
	struct menjind *d = ctx;
	unsigned changed = 0;
	(void)snap;
	if (devices_reevaluate_all(d->devices, "AD data changed", &changed) < 0) {
		log_err("ad", "re-deciding the devices after new AD data failed");
		return;
	}
	char msg[128], n[16];
	snprintf(msg, sizeof(msg), "new AD data in force: %u verdicts changed", changed);
	snprintf(n, sizeof(n), "%u", changed);
	menjind_emit(d, LOG_INFO, "ad.applied", msg, "changed", n, NULL, NULL);
}

/* Bind the device's claims in snapshot s. Only a successful 802.1X
 * authentication is a claim of its own; a DHCP host name is the device's
 * word (identity.h). */
static int bind_device(const struct ad_snapshot *s, const struct device_facts *f, struct identity_binding *b)
{
	struct identity_claims c = {
		.dot1x = f->auth == AUTH_DOT1X && f->identity[0] ? f->identity : NULL,
		.dhcp_hostname = f->hostname[0] ? f->hostname : NULL,
	};
	return identity_bind(s, &c, b);
}

/* The AD slots of the facts from the snapshot in force. */
static void ad_facts(void *arg, struct device_facts *f)
{
	struct menjind *d = arg;
	const struct ad_snapshot *s = d->ad ? adsync_snapshot(d->ad) : NULL;
	if (s == NULL)
		return;   /* no data yet: the stored facts stand */
	struct identity_binding b;
	f->account = ACCOUNT_UNKNOWN;
	f->ngroups = 0;
	if (bind_device(s, f, &b) < 0)
		return;
	identity_facts(s, &b, f);
}

json_t *daemon_ad_binding_json(struct menjind *d, const struct device_facts *f)
{
	const struct ad_snapshot *s = d->ad ? adsync_snapshot(d->ad) : NULL;
	if (s == NULL)
		return json_null();
	struct identity_binding b;
	char guid[AD_GUID_STR_LEN];
	if (bind_device(s, f, &b) < 0 || b.computer == NULL)
		return json_pack("{s:b, s:s, s:s}", "bound", 0, "source", identity_source_name(IDENTITY_NONE), "note",
				 b.note);
	ad_guid_format(b.guid, guid);
	return json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "bound", 1, "computer",
			 b.computer->sam ? b.computer->sam : "", "dn", b.computer->dn ? b.computer->dn : "", "guid",
			 guid, "source", identity_source_name(b.source), "attr", identity_attr_name(b.attr), "claim",
			 b.claim, "note", b.note, "account", (b.computer->uac & 0x2) ? "disabled" : "enabled");
}

int daemon_ad_start(struct menjind *d, char *err, size_t errlen)
{
	const struct adsync_conf *c = d->conf->ad;
	int rc;

	if (c == NULL || !c->enabled)
		return 0;
	/* The snapshot is kept in menjind's own database (docs/adsync.md). */
	if ((rc = adsync_new(d->base, c, d->conf->store, on_applied, d, &d->ad)) < 0) {
		snprintf(err, errlen, "ad: cannot start the sync engine: %s", strerror(-rc));
		return rc;
	}
	devices_set_ad_source(d->devices, ad_facts, d);
	if ((rc = adsync_start(d->ad)) < 0) {
		snprintf(err, errlen, "ad: cannot start: %s", strerror(-rc));
		daemon_ad_stop(d);
		return rc;
	}
	log_info("ad", "AD sync from %s, every %d s (full every %d s)", c->uris[0], c->poll_interval,
		 c->full_interval);
	return 0;
}

int daemon_ad_reload(struct menjind *d, const struct conf *old, char *err, size_t errlen)
{
	(void)old;
	const struct adsync_conf *c = d->conf->ad;
	if (d->ad && c && c->enabled) {
		int rc = adsync_reconfigure(d->ad, c);
		if (rc < 0)
			snprintf(err, errlen, "ad: the new settings were not taken: %s", strerror(-rc));
		return rc;
	}
	daemon_ad_stop(d);
	return daemon_ad_start(d, err, errlen);
}

void daemon_ad_stop(struct menjind *d)
{
	if (d->ad == NULL)
		return;
	if (d->devices)
		devices_set_ad_source(d->devices, NULL, NULL);
	adsync_free(d->ad);
	d->ad = NULL;
}

int daemon_ad_cmd_status(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			 char *err, size_t errlen)
{
	(void)who;
	(void)args;
	if (d->ad == NULL) {
		snprintf(err, errlen, "AD sync is not configured (ad {} in the configuration)");
		return -ENOTSUP;
	}
	struct adsync_status st;
	adsync_get_status(d->ad, &st);
	*result = (json_t *)adsync_status_json(&st, (int64_t)time(NULL));
	return *result ? 0 : -ENOMEM;
}

int daemon_ad_cmd_sync(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
		       char *err, size_t errlen)
{
	(void)who;
	if (d->ad == NULL) {
		snprintf(err, errlen, "AD sync is not configured (ad {} in the configuration)");
		return -ENOTSUP;
	}
	json_t *jf = json_object_get(args, "full");
	if (jf && !json_is_boolean(jf)) {
		snprintf(err, errlen, "full: true or false");
		return -EINVAL;
	}
	bool full = jf && json_is_true(jf);
	int rc = adsync_sync_now(d->ad, full);
	if (rc < 0) {
		snprintf(err, errlen, "ad sync: %s", strerror(-rc));
		return rc;
	}
	*result = json_pack("{s:s}", "sync", full ? "full" : "incremental");
	return *result ? 0 : -ENOMEM;
}
