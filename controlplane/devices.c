/* devices.c — learning, deciding and overriding devices (see devices.h). */
#include "devices.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "conf.h"
#include "events.h"
#include "fpchan.h"
#include "log.h"
#include "mac.h"

struct devices {
	struct event_base *base;
	struct store      *store;
	struct events     *events;
	struct fpchan     *fp;
	const struct conf *conf;
	struct event      *expiry_ev;
	devices_radius_role_fn radius_role_fn;   /* dot1x.c: the session's RADIUS role */
	void              *radius_role_arg;
	devices_facts_fn   posture_fn;           /* daemon_posture.c: the live GCB verdict */
	void              *posture_arg;
	devices_facts_fn   ad_fn;                /* daemon_ad.c: AD account and groups */
	void              *ad_arg;
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static void ip_text(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(ip) };
	if (ip == 0)
		out[0] = '\0';
	else
		inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/* events_emit() returns an id; callers here only care about failure. */
static int emit(struct devices *d, struct event *ev)
{
	int64_t id = events_emit(d->events, ev);
	return id < 0 ? (int)id : 0;
}

static void copy_text(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%.*s", (int)len - 1, src);
}

void devices_fp_record(const struct store_device *dev, struct fpmsg_device *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->mac, dev->mac, 6);
	/* enum verdict_state uses the fast path's numbering (decide.h). */
	out->state = dev->state;
	out->role = dev->state == VERDICT_ADMIT ? dev->role_id : 0;
}

static void push(struct devices *d, const struct store_device *dev)
{
	if (d->fp == NULL)
		return;
	if (dev->state == VERDICT_UNKNOWN) {
		fpchan_device_del(d->fp, dev->mac);
		return;
	}
	struct fpmsg_device rec;
	devices_fp_record(dev, &rec);
	fpchan_device_set(d->fp, &rec);
}

/* ---- facts and decisions --------------------------------------------- */

/* The RADIUS role counts only when it names a role this appliance has. */
static void radius_role_facts(struct devices *d, struct device_facts *f)
{
	if (d->radius_role_fn == NULL || (f->auth != AUTH_DOT1X && f->auth != AUTH_MAB))
		return;
	d->radius_role_fn(d->radius_role_arg, f->mac, f->radius_role);
	if (f->radius_role[0] == '\0')
		return;
	const struct role *r = conf_role_by_name(d->conf, f->radius_role);
	if (r != NULL) {
		f->radius_role_set = true;
		f->radius_role_id = r->id;
	} else if (strcmp(f->radius_role, ROLE_UNRESTRICTED) != 0) {
		log_warn("devices", "RADIUS named role '%s', which is not configured; ignored", f->radius_role);
	}
}

int devices_facts(struct devices *d, const struct store_device *dev, struct device_facts *f)
{
	struct store_override o;
	struct store_posture p;
	int rc;

	memset(f, 0, sizeof(*f));
	f->now = now_s();
	memcpy(f->mac, dev->mac, 6);
	f->ipv4 = dev->ipv4;
	copy_text(f->hostname, sizeof(f->hostname), dev->hostname);
	copy_text(f->vendor_class, sizeof(f->vendor_class), dev->vendor_class);
	copy_text(f->fingerprint, sizeof(f->fingerprint), dev->fingerprint);
	f->auth = dev->auth;
	copy_text(f->identity, sizeof(f->identity), dev->identity);
	f->account = dev->account;
	const char *g = dev->groups;
	while (*g && f->ngroups < FACT_MAX_GROUPS) {
		size_t n = strcspn(g, "\n");
		if (n > 0)
			snprintf(f->groups[f->ngroups++], FACT_GROUP_MAX, "%.*s", (int)(n < FACT_GROUP_MAX ? n : FACT_GROUP_MAX - 1), g);
		g += n;
		if (*g == '\n')
			g++;
	}

	radius_role_facts(d, f);

	rc = store_posture_get(d->store, dev->mac, &p);
	if (rc == 0) {
		f->posture = p.status;
		f->posture_scanned = p.scanned;
		f->nfailed = p.nfailed;
		memcpy(f->failed, p.failed, sizeof(f->failed));
	} else if (rc != -ENOENT) {
		return rc;
	}

	/* AD's snapshot in force is newer than the stored account and groups. */
	if (d->ad_fn)
		d->ad_fn(d->ad_arg, f);
	/* The spool's data is newer than any stored record: it decides. */
	if (d->posture_fn)
		d->posture_fn(d->posture_arg, f);

	rc = store_override_get(d->store, dev->mac, &o);
	if (rc == 0) {
		f->override.active = true;
		f->override.state = o.state;
		f->override.role_id = o.role_id;
		copy_text(f->override.role, sizeof(f->override.role), o.role);
		copy_text(f->override.reason, sizeof(f->override.reason), o.reason);
		f->override.expires = o.expires;
		f->override.uid = o.uid;
		copy_text(f->override.user, sizeof(f->override.user), o.user);
	} else if (rc != -ENOENT) {
		return rc;
	}
	return 0;
}

/* Inside a transaction: evaluate dev, store the verdict, emit an event when
 * the decision changed. *fp_changed tells whether the fast path must hear. */
static int decide(struct devices *d, struct store_device *dev, const char *cause, bool *fp_changed)
{
	struct device_facts f;
	struct verdict v;
	int rc = devices_facts(d, dev, &f);
	if (rc < 0)
		return rc;
	policy_evaluate(&d->conf->policy, &f, &v);
	if (v.expires != 0 && v.expires <= f.now)
		v.expires = 0;   /* never a timer that fires for nothing, forever */

	bool changed = v.state != dev->state || v.role_id != dev->role_id || strcmp(v.rule, dev->rule) != 0 ||
		       strcmp(v.reason, dev->reason) != 0;
	*fp_changed = v.state != dev->state || (v.state == VERDICT_ADMIT && v.role_id != dev->role_id);
	uint8_t previous = dev->state;

	dev->state = v.state;
	dev->role_id = v.role_id;
	copy_text(dev->role, sizeof(dev->role), v.role);
	copy_text(dev->rule, sizeof(dev->rule), v.rule);
	copy_text(dev->reason, sizeof(dev->reason), v.reason);
	copy_text(dev->why, sizeof(dev->why), v.why);
	dev->expires = v.expires;
	if (changed)
		dev->decided = f.now;
	if ((rc = store_device_put(d->store, dev)) < 0)
		return rc;
	if (!changed)
		return 0;

	char mac[MAC_STR_LEN], ip[INET_ADDRSTRLEN], summary[POLICY_SUMMARY_MAX], msg[512];
	mac_format(dev->mac, mac);
	ip_text(dev->ipv4, ip);
	verdict_summary(&v, summary, sizeof(summary));
	snprintf(msg, sizeof(msg), "%s %s (rule %s; %s)", mac, summary, v.rule, cause);
	struct event ev = { .severity = v.state == VERDICT_ADMIT ? LOG_INFO : LOG_NOTICE, .kind = "verdict",
			    .mac = mac, .msg = msg };
	event_param(&ev, "state", verdict_state_name(v.state));
	event_param(&ev, "previous", verdict_state_name(previous));
	event_param(&ev, "role", v.role);
	event_param(&ev, "rule", v.rule);
	event_param(&ev, "reason", v.reason);
	event_param(&ev, "cause", cause);
	event_param(&ev, "ip", ip);
	event_param(&ev, "hostname", dev->hostname);
	return emit(d, &ev);
}

/* One decision, one transaction; the fast path hears after the commit. */
static int decide_one(struct devices *d, struct store_device *dev, const char *cause)
{
	bool fp_changed = false;
	int rc = store_begin(d->store);
	if (rc < 0)
		return rc;
	if ((rc = decide(d, dev, cause, &fp_changed)) < 0) {
		store_rollback(d->store);
		events_discard(d->events);
		return rc;
	}
	if ((rc = store_commit(d->store)) < 0) {
		events_discard(d->events);
		return rc;
	}
	if (fp_changed)
		push(d, dev);
	devices_arm_expiry(d);
	return 0;
}

int devices_reevaluate(struct devices *d, const uint8_t mac[6], const char *cause)
{
	struct store_device dev;
	int rc = store_device_get(d->store, mac, &dev);
	if (rc < 0)
		return rc;
	return decide_one(d, &dev, cause);
}

struct mac_list {
	uint8_t (*macs)[6];
	unsigned n, cap;
};

static int collect_mac(void *ctx, const struct store_device *dev)
{
	struct mac_list *l = ctx;
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 1024;
		if (cap > DEVICES_REEVAL_MAX)
			return -E2BIG;
		void *p = realloc(l->macs, (size_t)cap * 6);
		if (p == NULL)
			return -ENOMEM;
		l->macs = p;
		l->cap = cap;
	}
	memcpy(l->macs[l->n++], dev->mac, 6);
	return 0;
}

int devices_reevaluate_all(struct devices *d, const char *cause, unsigned *changed)
{
	struct mac_list l = { 0 };
	struct store_device *pushed = NULL;
	unsigned npushed = 0;
	int rc;

	*changed = 0;
	/* Collect first: the rows are rewritten while deciding. */
	if ((rc = store_device_foreach(d->store, NULL, collect_mac, &l)) < 0)
		goto out;
	pushed = calloc(l.n ? l.n : 1, sizeof(*pushed));
	if (pushed == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* One transaction for all: one fsync instead of thousands. */
	if ((rc = store_begin(d->store)) < 0)
		goto out;
	for (unsigned i = 0; i < l.n; i++) {
		struct store_device dev;
		bool fp_changed = false;
		uint8_t before_state;
		char before_rule[POLICY_NAME_MAX], before_reason[POLICY_REASON_MAX];
		if ((rc = store_device_get(d->store, l.macs[i], &dev)) < 0)
			break;
		before_state = dev.state;
		copy_text(before_rule, sizeof(before_rule), dev.rule);
		copy_text(before_reason, sizeof(before_reason), dev.reason);
		if ((rc = decide(d, &dev, cause, &fp_changed)) < 0)
			break;
		if (before_state != dev.state || strcmp(before_rule, dev.rule) || strcmp(before_reason, dev.reason))
			(*changed)++;
		if (fp_changed)
			pushed[npushed++] = dev;
	}
	if (rc < 0) {
		store_rollback(d->store);
		events_discard(d->events);
		goto out;
	}
	if ((rc = store_commit(d->store)) < 0) {
		events_discard(d->events);
		goto out;
	}
	for (unsigned i = 0; i < npushed; i++)
		push(d, &pushed[i]);
	devices_arm_expiry(d);
	log_info("devices", "%u devices re-evaluated (%s): %u verdicts changed", l.n, cause, *changed);
out:
	free(pushed);
	free(l.macs);
	return rc;
}

/* ---- observations ----------------------------------------------------- */

static const char *port_name(struct devices *d, uint16_t port)
{
	const struct fpmsg_port_info *ports;
	unsigned n = d->fp ? fpchan_ports(d->fp, &ports) : 0;
	for (unsigned i = 0; i < n; i++)
		if (ports[i].index == port)
			return ports[i].name;
	return "?";
}

int devices_observe(struct devices *d, const struct device_obs *obs)
{
	struct store_device dev;
	int64_t now = now_s();
	char mac[MAC_STR_LEN], ip[INET_ADDRSTRLEN];
	bool is_new = false, facts_changed = false, write = false, fp_changed = false;
	int rc;

	mac_format(obs->mac, mac);
	ip_text(obs->ipv4, ip);
	rc = store_device_get(d->store, obs->mac, &dev);
	if (rc == -ENOENT) {
		memset(&dev, 0, sizeof(dev));
		memcpy(dev.mac, obs->mac, 6);
		dev.first_seen = now;
		dev.state = VERDICT_UNKNOWN;
		is_new = true;
	} else if (rc < 0) {
		return rc;
	}

#define UPDATE_TEXT(field, value)                                              \
	do {                                                                   \
		if ((value) && (value)[0] && strcmp(dev.field, (value)) != 0) { \
			copy_text(dev.field, sizeof(dev.field), (value));      \
			facts_changed = true;                                  \
		}                                                              \
	} while (0)
	UPDATE_TEXT(hostname, obs->hostname);
	UPDATE_TEXT(vendor_class, obs->vendor_class);
	UPDATE_TEXT(fingerprint, obs->fingerprint);
#undef UPDATE_TEXT
	bool ip_changed = obs->ipv4 && obs->ipv4 != dev.ipv4;
	if (ip_changed)
		dev.ipv4 = obs->ipv4;
	if (obs->located && (dev.port != obs->port || dev.vlan != obs->vlan)) {
		dev.port = obs->port;
		dev.vlan = obs->vlan;
		write = true;
	}
	/* last_seen is written at most every seen_interval: ARP is chatty. */
	if (is_new || facts_changed || ip_changed || write || now - dev.last_seen >= d->conf->seen_interval) {
		dev.last_seen = now;
		write = true;
	}
	if (!write)
		return 0;

	if ((rc = store_begin(d->store)) < 0)
		return rc;
	if (is_new) {
		char msg[256];
		char port[32];
		snprintf(port, sizeof(port), "%u", obs->port);
		char vlan[8];
		snprintf(vlan, sizeof(vlan), "%u", (unsigned)(obs->vlan & 0x0fff));
		snprintf(msg, sizeof(msg), "new device %s on %s vlan %s (%s)", mac, port_name(d, obs->port), vlan,
			 obs->source);
		struct event ev = { .severity = LOG_INFO, .kind = "device.new", .mac = mac, .msg = msg };
		event_param(&ev, "state", "unknown");
		event_param(&ev, "port", port_name(d, obs->port));
		event_param(&ev, "vlan", vlan);
		event_param(&ev, "source", obs->source);
		event_param(&ev, "ip", ip);
		event_param(&ev, "hostname", obs->hostname ? obs->hostname : "");
		if ((rc = emit(d, &ev)) < 0)
			goto fail;
	}
	/* The row first: addresses and sessions refer to it. */
	if (is_new && (rc = store_device_put(d->store, &dev)) < 0)
		goto fail;
	if (obs->ipv4 && (rc = store_ip_seen(d->store, obs->mac, ip, obs->source, now)) < 0)
		goto fail;
	if (obs->ipv4 && obs->lease && (rc = store_session_dhcp(d->store, obs->mac, ip, now, obs->lease)) < 0)
		goto fail;
	if (is_new || facts_changed) {
		char cause[64];
		snprintf(cause, sizeof(cause), is_new ? "new device (%s)" : "facts changed (%s)", obs->source);
		rc = decide(d, &dev, cause, &fp_changed);
	} else {
		rc = store_device_put(d->store, &dev);
	}
	if (rc < 0)
		goto fail;
	if ((rc = store_commit(d->store)) < 0) {
		events_discard(d->events);
		return rc;
	}
	if (ip_changed)
		log_debug("devices", "%s is at %s (%s)", mac, ip, obs->source);
	/* A frame from a known, decided device punted as new means the fast
	 * path lost it (restart between resyncs): tell it again. */
	if (fp_changed || (!is_new && strcmp(obs->source, "new-mac") == 0 && dev.state != VERDICT_UNKNOWN))
		push(d, &dev);
	if (is_new || facts_changed)
		devices_arm_expiry(d);
	return 0;
fail:
	store_rollback(d->store);
	events_discard(d->events);
	return rc;
}

/* ---- overrides -------------------------------------------------------- */

int devices_override_set(struct devices *d, const struct override_req *req, char *err, size_t errlen)
{
	const struct conf *c = d->conf;
	struct store_override o;
	struct store_device dev;
	char mac[MAC_STR_LEN];
	int rc;

	memset(&o, 0, sizeof(o));
	if (req->state != VERDICT_ADMIT && req->state != VERDICT_QUARANTINE && req->state != VERDICT_BLOCK) {
		snprintf(err, errlen, "state must be admit, quarantine or block");
		return -EINVAL;
	}
	if (req->state == VERDICT_ADMIT) {
		if (req->role == NULL || req->role[0] == '\0') {
			snprintf(err, errlen, "admit needs a role (\"%s\" admits everything)", ROLE_UNRESTRICTED);
			return -EINVAL;
		}
		if (strcmp(req->role, ROLE_UNRESTRICTED) == 0) {
			o.role_id = 0;
		} else {
			const struct role *r = conf_role_by_name(c, req->role);
			if (r == NULL) {
				snprintf(err, errlen, "unknown role '%.64s'", req->role);
				return -EINVAL;
			}
			o.role_id = r->id;
		}
		copy_text(o.role, sizeof(o.role), req->role);
	} else if (req->role && req->role[0]) {
		snprintf(err, errlen, "a role only applies to admit");
		return -EINVAL;
	}
	if (req->duration < 0) {
		snprintf(err, errlen, "duration must not be negative");
		return -EINVAL;
	}
	if (c->override_max_duration > 0 && (req->duration == 0 || req->duration > c->override_max_duration)) {
		snprintf(err, errlen, "duration must be 1..%lld seconds (menjind.override_max_days)",
			 (long long)c->override_max_duration);
		return -EINVAL;
	}
	if (req->reason == NULL || strlen(req->reason) < OVERRIDE_REASON_MIN) {
		snprintf(err, errlen, "a reason of at least %d characters is required", OVERRIDE_REASON_MIN);
		return -EINVAL;
	}

	int64_t now = now_s();
	memcpy(o.mac, req->mac, 6);
	o.state = (uint8_t)req->state;
	copy_text(o.reason, sizeof(o.reason), req->reason);
	o.created = now;
	o.expires = req->duration ? now + req->duration : 0;
	o.uid = req->uid;
	copy_text(o.user, sizeof(o.user), req->user ? req->user : "");

	rc = store_device_get(d->store, req->mac, &dev);
	if (rc == -ENOENT) {
		/* An administrator may decide about a device before it shows up. */
		memset(&dev, 0, sizeof(dev));
		memcpy(dev.mac, req->mac, 6);
		dev.first_seen = now;
		dev.state = VERDICT_UNKNOWN;
	} else if (rc < 0) {
		snprintf(err, errlen, "store: %s", strerror(-rc));
		return rc;
	}

	mac_format(req->mac, mac);
	char duration[32], uid[16], msg[512];
	snprintf(duration, sizeof(duration), "%lld", (long long)req->duration);
	snprintf(uid, sizeof(uid), "%u", req->uid);
	snprintf(msg, sizeof(msg), "override %s on %s by %s (uid %u) for %s: %s", verdict_state_name(o.state),
		 mac, o.user[0] ? o.user : "?", o.uid, req->duration ? duration : "ever", o.reason);
	struct event ev = { .severity = LOG_NOTICE, .kind = "override.set", .mac = mac, .msg = msg };
	event_param(&ev, "state", verdict_state_name(o.state));
	event_param(&ev, "role", o.role);
	event_param(&ev, "duration", duration);
	event_param(&ev, "reason", o.reason);
	event_param(&ev, "uid", uid);
	event_param(&ev, "user", o.user);

	bool fp_changed = false;
	if ((rc = store_begin(d->store)) < 0)
		goto fail_nobegin;
	if ((rc = store_device_put(d->store, &dev)) < 0 || (rc = store_override_put(d->store, &o)) < 0 ||
	    (rc = emit(d, &ev)) < 0 ||
	    (rc = decide(d, &dev, "admin override set", &fp_changed)) < 0) {
		store_rollback(d->store);
		events_discard(d->events);
		goto fail_nobegin;
	}
	if ((rc = store_commit(d->store)) < 0) {
		events_discard(d->events);
		goto fail_nobegin;
	}
	if (fp_changed)
		push(d, &dev);
	devices_arm_expiry(d);
	return 0;
fail_nobegin:
	snprintf(err, errlen, "store: %s", strerror(-rc));
	return rc;
}

static int override_remove(struct devices *d, const uint8_t macb[6], const char *kind, const char *cause,
			   uint32_t uid, const char *user)
{
	struct store_override o;
	struct store_device dev;
	char mac[MAC_STR_LEN], uidtext[16], msg[512];
	int rc;

	if ((rc = store_override_get(d->store, macb, &o)) < 0)
		return rc;
	if ((rc = store_device_get(d->store, macb, &dev)) < 0)
		return rc;
	mac_format(macb, mac);
	snprintf(uidtext, sizeof(uidtext), "%u", uid);
	snprintf(msg, sizeof(msg), "override %s on %s %s", verdict_state_name(o.state), mac, cause);
	struct event ev = { .severity = LOG_NOTICE, .kind = kind, .mac = mac, .msg = msg };
	event_param(&ev, "state", verdict_state_name(o.state));
	event_param(&ev, "reason", o.reason);
	if (user) {
		event_param(&ev, "uid", uidtext);
		event_param(&ev, "user", user);
	}
	bool fp_changed = false;
	if ((rc = store_begin(d->store)) < 0)
		return rc;
	if ((rc = store_override_delete(d->store, macb)) < 0 || (rc = emit(d, &ev)) < 0 ||
	    (rc = decide(d, &dev, cause, &fp_changed)) < 0) {
		store_rollback(d->store);
		events_discard(d->events);
		return rc;
	}
	if ((rc = store_commit(d->store)) < 0) {
		events_discard(d->events);
		return rc;
	}
	if (fp_changed)
		push(d, &dev);
	return 0;
}

int devices_override_clear(struct devices *d, const uint8_t mac[6], uint32_t uid, const char *user, char *err,
			   size_t errlen)
{
	int rc = override_remove(d, mac, "override.clear", "admin override cleared", uid, user ? user : "");
	if (rc == -ENOENT)
		snprintf(err, errlen, "no override for this device");
	else if (rc < 0)
		snprintf(err, errlen, "store: %s", strerror(-rc));
	devices_arm_expiry(d);
	return rc;
}

/* ---- expiry ----------------------------------------------------------- */

static void expiry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct devices *d = arg;
	uint8_t macs[DEVICES_EXPIRE_BATCH][6];
	unsigned n = 0;
	int64_t now = now_s();
	(void)fd;
	(void)what;

	if (store_expired(d->store, now, macs, DEVICES_EXPIRE_BATCH, &n) < 0) {
		devices_arm_expiry(d);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		struct store_override o;
		if (store_override_get(d->store, macs[i], &o) == 0 && o.expires && o.expires <= now)
			override_remove(d, macs[i], "override.expired", "admin override expired", 0, NULL);
		else
			devices_reevaluate(d, macs[i], "verdict expired");
	}
	devices_arm_expiry(d);
}

void devices_arm_expiry(struct devices *d)
{
	int64_t when = 0;
	if (d->expiry_ev == NULL)
		return;
	evtimer_del(d->expiry_ev);
	if (store_next_expiry(d->store, &when) < 0 || when == 0)
		return;
	int64_t delay = when - now_s();
	struct timeval tv = { .tv_sec = delay > 0 ? delay : 0, .tv_usec = delay > 0 ? 0 : 1000 };
	evtimer_add(d->expiry_ev, &tv);
}

/* ---- 802.1X / MAB ----------------------------------------------------- */

void devices_set_ad_source(struct devices *d, devices_facts_fn fn, void *arg)
{
	d->ad_fn = fn;
	d->ad_arg = arg;
}

void devices_set_posture_source(struct devices *d, devices_facts_fn fn, void *arg)
{
	d->posture_fn = fn;
	d->posture_arg = arg;
}

void devices_set_radius_role_source(struct devices *d, devices_radius_role_fn fn, void *arg)
{
	d->radius_role_fn = fn;
	d->radius_role_arg = arg;
}

int devices_auth_result(struct devices *d, const uint8_t mac[6], uint16_t port, uint16_t vlan, uint8_t auth,
			const char *identity, const char *cause)
{
	struct store_device dev;
	int rc = store_device_get(d->store, mac, &dev);
	if (rc == -ENOENT) {
		/* EAPOL can be the first thing a MAC ever sends. */
		struct device_obs obs = { .port = port, .vlan = vlan, .located = true, .source = "eapol" };
		memcpy(obs.mac, mac, 6);
		if ((rc = devices_observe(d, &obs)) < 0 || (rc = store_device_get(d->store, mac, &dev)) < 0)
			return rc;
	} else if (rc < 0) {
		return rc;
	}
	dev.auth = auth;
	/* A failed or ended attempt keeps the last identity for the record. */
	if (identity && identity[0])
		copy_text(dev.identity, sizeof(dev.identity), identity);
	/* Always decided again: the RADIUS role may have changed (CoA, reauth)
	 * while auth stayed the same. */
	return decide_one(d, &dev, cause);
}

/* ---- setup ------------------------------------------------------------ */

struct fp_walk {
	int (*cb)(void *ctx, const struct fpmsg_device *fd);
	void *ctx;
};

static int fp_walk_one(void *arg, const struct store_device *dev)
{
	struct fp_walk *w = arg;
	if (dev->state == VERDICT_UNKNOWN)
		return 0;
	struct fpmsg_device rec;
	devices_fp_record(dev, &rec);
	return w->cb(w->ctx, &rec);
}

int devices_foreach_fp(struct devices *d, int (*cb)(void *ctx, const struct fpmsg_device *fd), void *ctx)
{
	struct fp_walk w = { .cb = cb, .ctx = ctx };
	return store_device_foreach(d->store, NULL, fp_walk_one, &w);
}

struct devices *devices_new(struct event_base *base, struct store *store, struct events *events,
			    const struct conf *c)
{
	struct devices *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->base = base;
	d->store = store;
	d->events = events;
	d->conf = c;
	if (base) {
		d->expiry_ev = evtimer_new(base, expiry_cb, d);
		if (d->expiry_ev == NULL) {
			free(d);
			return NULL;
		}
	}
	return d;
}

void devices_free(struct devices *d)
{
	if (d == NULL)
		return;
	if (d->expiry_ev)
		event_free(d->expiry_ev);
	free(d);
}

void devices_set_fpchan(struct devices *d, struct fpchan *fp)
{
	d->fp = fp;
}

void devices_set_conf(struct devices *d, const struct conf *c)
{
	d->conf = c;
}
