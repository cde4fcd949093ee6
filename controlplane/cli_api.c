/* cli_api.c — menjin-cli's requests to api.sock (see cli_api.h). */
#include "cli_api.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const api_names[CLI_ACTION__MAX] = {
	[CLI_SHOW_DEVICES] = "device.list",
	[CLI_SHOW_DEVICE] = "device.show",
	[CLI_SHOW_SESSIONS] = "session.list",
	[CLI_SHOW_POSTURE] = "posture.kpi",
	[CLI_SHOW_POSTURE_DEVICE] = "posture.show",
	[CLI_SHOW_RADIUS] = "radius.status",
	[CLI_SHOW_CENTRAL] = "central.status",
	[CLI_SHOW_AD] = "ad.status",
	[CLI_SHOW_STATS] = "stats",
	[CLI_SHOW_EVENTS] = "events",
	[CLI_SHOW_POLICY] = "policy.show",
	[CLI_SHOW_ROLES] = "roles.show",
	[CLI_SHOW_CONFIGURATION] = "config.show",
	[CLI_SHOW_CONFIG_HISTORY] = "config.history",
	[CLI_SHOW_CONFIG_ROLLBACK] = "config.show",
	[CLI_MONITOR_EVENTS] = "events.follow",
	[CLI_REQUEST_OVERRIDE] = "device.override",
	[CLI_REQUEST_CLEAR] = "device.clear_override",
	[CLI_REQUEST_REAUTH] = "device.reauth",
	[CLI_REQUEST_SYNC_AD] = "ad.sync",
	[CLI_REQUEST_SYNC_POSTURE] = "posture.sync",
	[CLI_REQUEST_SYNC_FEEDS] = "feeds.poll",
	[CLI_REQUEST_SYNC_CENTRAL] = "central.sync",
	[CLI_REQUEST_RELOAD] = "config.reload",
	[CLI_REQUEST_POSTURE_OVERRIDE] = "posture.override",
	[CLI_REQUEST_POSTURE_CLEAR] = "posture.clear_override",
	[CLI_CAPTURE] = "capture.start",
	[CLI_CONFIGURE] = "config.show",
	[CLI_CONFIRM] = "config.confirm",
	[CLI_CFG_COMMIT] = "config.commit",
	[CLI_CFG_ROLLBACK] = "config.show",
};

const char *cli_api_command(enum cli_action a)
{
	return a < CLI_ACTION__MAX ? api_names[a] : NULL;
}

static int set_str(json_t *o, const char *key, const char *v)
{
	json_t *s;
	if (v == NULL)
		return 0;
	/* the CLI's own words are checked; still, never build invalid JSON */
	if ((s = json_string(v)) == NULL)
		return -EINVAL;
	return json_object_set_new(o, key, s) < 0 ? -ENOMEM : 0;
}

/* "A B C" (the grammar's item list) -> ["A", "B", "C"] */
static int set_items(json_t *o, const char *key, const char *v)
{
	if (v == NULL)
		return 0;
	json_t *a = json_array();
	if (a == NULL)
		return -ENOMEM;
	while (*v) {
		size_t n = strcspn(v, " ");
		json_t *s = n ? json_stringn(v, n) : NULL;
		if (n && (s == NULL || json_array_append_new(a, s) < 0)) {
			json_decref(a);
			return -EINVAL;
		}
		v += n;
		while (*v == ' ')
			v++;
	}
	return json_object_set_new(o, key, a) < 0 ? -ENOMEM : 0;
}

json_t *cli_api_simple(const char *api_cmd, json_t *args, const char *user, const char *source)
{
	json_t *req = json_object();
	if (req == NULL) {
		json_decref(args);
		return NULL;
	}
	json_object_set_new(req, "cmd", json_string(api_cmd));
	json_object_set_new(req, "args", args ? args : json_object());
	if (user && set_str(req, "user", user) < 0)
		json_object_set_new(req, "user", json_string("?"));
	if (source)
		set_str(req, "source", source);
	return req;
}

int cli_api_request(const struct cli_cmd *cmd, const char *user, const char *source, const char *text,
		    const char *base, json_t **req, char *err, size_t errlen)
{
	const char *name = cli_api_command(cmd->action);
	json_t *args;
	int rc = 0;

	*req = NULL;
	if (name == NULL) {
		snprintf(err, errlen, "%s: nothing to ask menjind", cli_action_name(cmd->action));
		return -EINVAL;
	}
	if ((args = json_object()) == NULL)
		return -ENOMEM;
	switch (cmd->action) {
	case CLI_SHOW_DEVICES:
		rc = set_str(args, "state", cli_cmd_get(cmd, CLI_S_STATE));
		rc = rc ? rc : set_str(args, "role", cli_cmd_get(cmd, CLI_S_ROLE));
		rc = rc ? rc : set_str(args, "search", cli_cmd_get(cmd, CLI_S_SEARCH));
		json_object_set_new(args, "limit", json_integer(CLI_LIST_LIMIT));
		break;
	case CLI_SHOW_DEVICE:
		rc = set_str(args, cmd->device_kind == CLI_DEV_MAC ? "mac" : cmd->device_kind == CLI_DEV_IP ? "ip" : "name",
			     cli_cmd_get(cmd, CLI_S_DEVICE));
		break;
	case CLI_SHOW_SESSIONS:
		/* session.list takes no filter: the CLI picks the device's rows */
		break;
	case CLI_SHOW_POSTURE_DEVICE:
		rc = set_str(args, "mac", cli_cmd_get(cmd, CLI_S_MAC));
		break;
	case CLI_SHOW_EVENTS:
		json_object_set_new(args, "limit",
				    json_integer(cmd->has[CLI_S_COUNT] ? cmd->num[CLI_S_COUNT] : CLI_EVENTS_DEFAULT));
		break;
	case CLI_SHOW_CONFIG_HISTORY:
		json_object_set_new(args, "limit", json_integer(CLI_HISTORY_LIMIT));
		break;
	case CLI_SHOW_CONFIG_ROLLBACK:
	case CLI_CFG_ROLLBACK:
		json_object_set_new(args, "rollback", json_integer(cmd->num[CLI_S_VERSION]));
		break;
	case CLI_REQUEST_OVERRIDE:
		rc = set_str(args, "mac", cli_cmd_get(cmd, CLI_S_MAC));
		rc = rc ? rc : set_str(args, "state", cli_cmd_get(cmd, CLI_S_VERDICT));
		rc = rc ? rc : set_str(args, "role", cli_cmd_get(cmd, CLI_S_ROLE));
		rc = rc ? rc : set_str(args, "reason", cli_cmd_get(cmd, CLI_S_REASON));
		/* seconds: the API's own parser knows no weeks */
		if (cmd->has[CLI_S_DURATION] && cmd->num[CLI_S_DURATION] > 0)
			json_object_set_new(args, "duration", json_integer(cmd->num[CLI_S_DURATION]));
		else if (cmd->has[CLI_S_DURATION])
			json_object_set_new(args, "duration", json_string("permanent"));
		break;
	case CLI_REQUEST_CLEAR:
		rc = set_str(args, "mac", cli_cmd_get(cmd, CLI_S_MAC));
		rc = rc ? rc : set_str(args, "reason", cli_cmd_get(cmd, CLI_S_REASON));
		break;
	case CLI_REQUEST_REAUTH:
		rc = set_str(args, "mac", cli_cmd_get(cmd, CLI_S_MAC));
		break;
	case CLI_REQUEST_POSTURE_OVERRIDE:
		rc = set_str(args, "mac", cli_cmd_get(cmd, CLI_S_MAC));
		rc = rc ? rc : set_str(args, "status", cli_cmd_get(cmd, CLI_S_POSTURE));
		rc = rc ? rc : set_str(args, "reason", cli_cmd_get(cmd, CLI_S_REASON));
		rc = rc ? rc : set_items(args, "waive", cli_cmd_get(cmd, CLI_S_ITEMS));
		if (cmd->has[CLI_S_DURATION] && cmd->num[CLI_S_DURATION] > 0)
			json_object_set_new(args, "duration", json_integer(cmd->num[CLI_S_DURATION]));
		else if (cmd->has[CLI_S_DURATION])
			json_object_set_new(args, "duration", json_string("permanent"));
		break;
	case CLI_REQUEST_POSTURE_CLEAR:
		rc = set_str(args, "mac", cli_cmd_get(cmd, CLI_S_MAC));
		rc = rc ? rc : set_str(args, "reason", cli_cmd_get(cmd, CLI_S_REASON));
		break;
	case CLI_REQUEST_SYNC_AD:
		json_object_set_new(args, "full", json_boolean(cmd->has[CLI_S_FLAG]));
		break;
	case CLI_CAPTURE:
		rc = set_str(args, "port", cli_cmd_get(cmd, CLI_S_PORT));
		rc = rc ? rc : set_str(args, "filter", cli_cmd_get(cmd, CLI_S_FILTER));
		json_object_set_new(args, "count",
				    json_integer(cmd->has[CLI_S_COUNT] ? cmd->num[CLI_S_COUNT] : CLI_CAPTURE_DEFAULT));
		break;
	case CLI_CFG_COMMIT:
		if (text == NULL || base == NULL) {
			json_decref(args);
			snprintf(err, errlen, "commit: no candidate configuration");
			return -EINVAL;
		}
		rc = set_str(args, "text", text);
		rc = rc ? rc : set_str(args, "base_sha256", base);
		rc = rc ? rc : set_str(args, "comment", cli_cmd_get(cmd, CLI_S_COMMENT));
		if (cmd->has[CLI_S_MINUTES])
			json_object_set_new(args, "confirmed", json_integer(cmd->num[CLI_S_MINUTES]));
		break;
	default:
		break;
	}
	if (rc < 0) {
		json_decref(args);
		snprintf(err, errlen, "%s: a value is not valid UTF-8", cli_action_name(cmd->action));
		return rc;
	}
	*req = cli_api_simple(name, args, user, source);
	return *req ? 0 : -ENOMEM;
}

json_t *cli_api_audit(const char *line, enum cli_mode mode, const char *result, const char *user,
		      const char *source)
{
	json_t *args = json_object();
	if (args == NULL)
		return NULL;
	/* a line that is not UTF-8 is still audited, as its escape */
	json_t *l = json_string(line);
	json_object_set_new(args, "line", l ? l : json_string("(not UTF-8)"));
	json_object_set_new(args, "mode", json_string(mode == CLI_MODE_CONFIGURE ? "configure" : "operational"));
	json_t *r = json_string(result ? result : "ok");
	json_object_set_new(args, "result", r ? r : json_string("(not UTF-8)"));
	return cli_api_simple("audit.add", args, user, source);
}

int cli_api_reply(const char *line, size_t len, json_t **result, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *reply = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	*result = NULL;
	if (reply == NULL || !json_is_object(reply)) {
		snprintf(err, errlen, "menjind's answer is not a JSON object%s%s", reply ? "" : ": ", reply ? "" : jerr.text);
		json_decref(reply);
		return -EPROTO;
	}
	json_t *ok = json_object_get(reply, "ok");
	if (!json_is_boolean(ok)) {
		snprintf(err, errlen, "menjind's answer has no \"ok\"");
		json_decref(reply);
		return -EPROTO;
	}
	if (json_is_false(ok)) {
		json_t *e = json_object_get(reply, "error");
		snprintf(err, errlen, "%s", json_is_string(e) ? json_string_value(e) : "refused (no reason given)");
		json_decref(reply);
		return -EREMOTEIO;
	}
	json_t *r = json_object_get(reply, "result");
	*result = r ? json_incref(r) : json_null();
	json_decref(reply);
	return 0;
}

void cli_api_error(const char *what, const char *api_cmd, const char *error, char *out, size_t outlen)
{
	static const char unknown[] = "unknown command '";
	if (strncmp(error, unknown, sizeof(unknown) - 1) == 0)
		snprintf(out, outlen, "%s: not available: this menjind has no API command '%s' yet", what,
			 api_cmd ? api_cmd : "?");
	else
		snprintf(out, outlen, "%s: %s", what, error);
}

void cli_api_source(const char *ssh_client, char *out, size_t outlen)
{
	size_t n = 0;
	if (ssh_client == NULL || ssh_client[0] == '\0') {
		snprintf(out, outlen, "local");
		return;
	}
	/* an address is hex digits, dots and colons; anything else ends it */
	while (ssh_client[n] && n + 1 < outlen && n < CLI_SOURCE_MAX - 1 &&
	       (isxdigit((unsigned char)ssh_client[n]) || ssh_client[n] == '.' || ssh_client[n] == ':'))
		n++;
	if (n == 0) {
		snprintf(out, outlen, "unknown");
		return;
	}
	memcpy(out, ssh_client, n);
	out[n] = '\0';
}

static json_t *posture_row(const char *name)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "name", name, "devices", 0, "compliant", 0,
			 "noncompliant", 0, "unknown", 0, "stale", 0, "unscanned", 0);
}

static void count_in(json_t *row, const char *status)
{
	json_t *d = json_object_get(row, "devices");
	json_integer_set(d, json_integer_value(d) + 1);
	/* "unknown" is menjind's word for never scanned */
	const char *key = status == NULL || strcmp(status, "unknown") == 0 ? "unscanned" :
			  strcmp(status, "compliant") == 0 || strcmp(status, "noncompliant") == 0 ||
				  strcmp(status, "stale") == 0 ? status : "unknown";
	json_t *c = json_object_get(row, key);
	json_integer_set(c, json_integer_value(c) + 1);
}

json_t *cli_posture_from_devices(json_t *const *devices, size_t n)
{
	json_t *total = posture_row("(all devices)"), *roles = json_array();
	json_t *out = json_pack("{s:o, s:o, s:[], s:I}", "total", total, "roles", roles, "baselines", "counted_from",
				(json_int_t)n);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *d = devices[i];
		json_t *p = json_object_get(json_object_get(d, "facts"), "posture");
		const char *status = json_string_value(json_object_get(p, "effective"));
		const char *role = json_string_value(json_object_get(json_object_get(d, "verdict"), "role"));
		if (role == NULL || role[0] == '\0')
			role = "(no role)";
		count_in(total, status);
		json_t *row = NULL, *r;
		size_t k;
		json_array_foreach(roles, k, r)
			if (strcmp(json_string_value(json_object_get(r, "name")), role) == 0)
				row = r;
		if (row == NULL && (row = posture_row(role)) != NULL)
			json_array_append_new(roles, row);
		if (row)
			count_in(row, status);
	}
	return out;
}
