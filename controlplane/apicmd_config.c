/* apicmd_config.c — config.show/history/commit/confirm, audit.add (see apicmd_config.h). */
#include "apicmd_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "daemon.h"
#include "daemon_config.h"
#include "policy.h"
#include "rfc3339.h"
#include "store.h"

static json_t *jtime(int64_t t)
{
	char buf[RFC3339_LEN];
	if (t <= 0)
		return json_null();
	rfc3339_format(t, buf);
	return json_string(buf);
}

static json_t *jstr(const char *s)
{
	json_t *v = json_string(s ? s : "");
	return v ? v : json_null();
}

/* An optional integer in min..max: *out stays when absent or null. */
static int arg_int(json_t *args, const char *key, long long min, long long max, long long *out, char *err,
		   size_t errlen)
{
	json_t *v = json_object_get(args, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(err, errlen, "argument '%s' must be a number %lld..%lld", key, min, max);
		return -EINVAL;
	}
	*out = json_integer_value(v);
	return 0;
}

/* A string argument of at most max bytes without NUL; NULL when absent
 * and not required. */
static int arg_text(json_t *args, const char *key, bool required, size_t max, const char **out, char *err,
		    size_t errlen)
{
	json_t *v = json_object_get(args, key);
	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		snprintf(err, errlen, "argument '%s' is required", key);
		return -EINVAL;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "argument '%s' must be a string", key);
		return -EINVAL;
	}
	size_t len = json_string_length(v);
	if (len > max || strlen(json_string_value(v)) != len) {
		snprintf(err, errlen, "argument '%s' must be at most %zu bytes, without NUL", key, max);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

static json_t *pending_json(struct menjind *d)
{
	struct store_config_row p;
	if (store_config_pending(d->store, &p) < 0)
		return json_null();
	return json_pack("{s:I, s:o}", "version", (json_int_t)p.id, "rollback_at", jtime(p.confirm_by));
}

int apicmd_config_show(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result, char *err,
		       size_t errlen)
{
	struct store_config_row v;
	long long back = 0;
	(void)who;
	int rc = arg_int(args, "rollback", 0, STORE_CONFIG_VERSIONS - 1, &back, err, errlen);
	if (rc < 0)
		return rc;
	rc = store_config_get(d->store, (unsigned)back, back > 0, &v);
	if (rc == -ENOENT && back > 0) {
		snprintf(err, errlen, "no version %lld commits back: menjind keeps the last %d, see config.history", back,
			 STORE_CONFIG_VERSIONS);
		return rc;
	}
	if (rc < 0 && rc != -ENOENT) {
		snprintf(err, errlen, "store error");
		return rc;
	}
	/* 0: what runs, exactly (the newest version records the same text) */
	const char *text = back > 0 ? v.text : d->local_text;
	const char *sha = back > 0 ? v.sha256 : d->local_sha256;
	*result = json_pack("{s:o, s:s, s:I, s:o}", "text", jstr(text), "sha256", sha, "version",
			    (json_int_t)(rc == 0 ? v.id : 0), "pending_confirm", pending_json(d));
	if (rc == 0)
		free(v.text);
	return *result ? 0 : -ENOMEM;
}

static int history_one(void *ctx, const struct store_config_row *v)
{
	json_t *arr = ctx;
	json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:s, s:I, s:o}", "version", (json_int_t)v->id, "time",
			      jtime(v->ts), "user", jstr(v->user), "uid",
			      v->uid < 0 ? json_null() : json_integer((json_int_t)v->uid), "state", jstr(v->state),
			      "comment", jstr(v->comment), "sha256", v->sha256, "generation", (json_int_t)v->generation,
			      "origin", jstr(v->origin));
	if (o && v->confirm_by > 0 && strcmp(v->state, STORE_CONFIG_STATE_PENDING) == 0)
		json_object_set_new(o, "rollback_at", jtime(v->confirm_by));
	return o ? json_array_append_new(arr, o) : -ENOMEM;
}

int apicmd_config_history(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			  char *err, size_t errlen)
{
	long long limit = STORE_CONFIG_VERSIONS;
	(void)who;
	int rc = arg_int(args, "limit", 1, STORE_CONFIG_VERSIONS, &limit, err, errlen);
	if (rc < 0)
		return rc;
	json_t *arr = json_array();
	if (arr == NULL)
		return -ENOMEM;
	if ((rc = store_config_foreach(d->store, (unsigned)limit, history_one, arr)) < 0) {
		json_decref(arr);
		snprintf(err, errlen, "store error");
		return rc;
	}
	*result = json_pack("{s:o}", "versions", arr);
	return *result ? 0 : -ENOMEM;
}

static int commit(struct menjind *d, const struct api_caller *who, const char *text, const char *base,
		  const char *comment, long long minutes, json_t **result, char *err, size_t errlen);

int apicmd_config_commit(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			 char *err, size_t errlen)
{
	const char *text, *base, *comment;
	long long minutes = 0;
	int rc;

	if ((rc = arg_text(args, "text", true, CONF_FILE_MAX, &text, err, errlen)) < 0 ||
	    (rc = arg_text(args, "base_sha256", true, 64, &base, err, errlen)) < 0 ||
	    (rc = arg_text(args, "comment", false, POLICY_REASON_MAX - 1, &comment, err, errlen)) < 0 ||
	    (rc = arg_int(args, "confirmed", DAEMON_CONFIG_CONFIRM_MIN, DAEMON_CONFIG_CONFIRM_MAX, &minutes, err,
			  errlen)) < 0)
		return rc;
	/* The audit record names the text by its sha256 and size: the text
	 * itself is the version history's (and may be 1 MiB). */
	char *candidate = strdup(text), sha[65];
	if (candidate == NULL)
		return -ENOMEM;
	daemon_config_sha256(candidate, sha);
	json_object_del(args, "text");   /* text points into it: use candidate from here */
	json_object_set_new(args, "text_sha256", json_string(sha));
	json_object_set_new(args, "text_bytes", json_integer((json_int_t)strlen(candidate)));
	rc = commit(d, who, candidate, base, comment, minutes, result, err, errlen);
	free(candidate);
	return rc;
}

static int commit(struct menjind *d, const struct api_caller *who, const char *text, const char *base,
		  const char *comment, long long minutes, json_t **result, char *err, size_t errlen)
{
	int rc;
	/* Someone committed (or reloaded a changed file) since this text was read. */
	if (strcmp(base, d->local_sha256) != 0) {
		snprintf(err, errlen, "the running configuration changed since it was read (it is %.12s..., the "
			 "candidate is based on %.12s...): configure again", d->local_sha256, base);
		return -ESTALE;
	}
	char trigger[160], e[CONF_ERR_MAX];
	snprintf(trigger, sizeof(trigger), "api, uid %u %s", who->uid, who->user);
	int64_t now = (int64_t)time(NULL);
	const struct menjind_change ch = {
		.who = trigger, .local_text = text, .write_file = true, .user = who->user, .uid = who->uid,
		.origin = "cli", .comment = comment ? comment : "", .confirm_by = minutes > 0 ? now + minutes * 60 : 0,
	};
	struct reload_result res;
	if ((rc = menjind_apply(d, &ch, &res, e, sizeof(e))) < 0) {
		daemon_config_line_error(d->conf_path, e, err, errlen);
		return rc;
	}
	/* The same text again, plain: it keeps what a commit confirmed applied. */
	int64_t kept;
	char ce[128];
	if (!res.recorded && minutes == 0 && daemon_config_confirm(d, trigger, &kept, ce, sizeof(ce)) == 0)
		res.version = kept;
	*result = json_pack("{s:I, s:I, s:b, s:i, s:o}", "version", (json_int_t)res.version, "generation",
			    (json_int_t)res.generation, "rules_changed", res.rules_changed, "verdicts_changed",
			    (int)res.verdicts_changed, "confirm_by",
			    minutes > 0 && res.recorded ? jtime(ch.confirm_by) : json_null());
	return *result ? 0 : -ENOMEM;
}

int apicmd_config_confirm(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			  char *err, size_t errlen)
{
	char trigger[160];
	int64_t version;
	(void)args;
	snprintf(trigger, sizeof(trigger), "api, uid %u %s", who->uid, who->user);
	int rc = daemon_config_confirm(d, trigger, &version, err, errlen);
	if (rc < 0)
		return rc;
	*result = json_pack("{s:I}", "version", (json_int_t)version);
	return *result ? 0 : -ENOMEM;
}

int apicmd_audit_add(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result, char *err,
		     size_t errlen)
{
	const char *line, *mode, *res;
	int rc;
	if ((rc = arg_text(args, "line", true, APICMD_AUDIT_LINE_MAX, &line, err, errlen)) < 0 ||
	    (rc = arg_text(args, "mode", true, 32, &mode, err, errlen)) < 0 ||
	    (rc = arg_text(args, "result", false, APICMD_AUDIT_RESULT_MAX, &res, err, errlen)) < 0)
		return rc;
	if (strcmp(mode, "operational") != 0 && strcmp(mode, "configure") != 0) {
		snprintf(err, errlen, "argument 'mode' must be operational or configure");
		return -EINVAL;
	}
	json_t *rec = json_pack("{s:s, s:s}", "line", line, "mode", mode);
	if (rec == NULL)
		return -ENOMEM;
	api_audit(d, who, "cli", rec, res ? res : "ok");
	json_decref(rec);
	*result = json_object();
	return *result ? 0 : -ENOMEM;
}
