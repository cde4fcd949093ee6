/* auth_session.c — the saved form of an authorized 802.1X/MAB session (see
 * auth_session.h). */
#include "auth_session.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"
#include "roles.h"

static const char *method_text(enum pae_method m)
{
	switch (m) {
	case PAE_METHOD_EAP: return "dot1x";
	case PAE_METHOD_MAB: return "mab";
	case PAE_METHOD_CRITICAL: return "critical";
	default: return NULL;
	}
}

const char *auth_session_kind(const struct auth_session *s)
{
	return s->method == PAE_METHOD_MAB ? "mab" : "dot1x";
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int unhex(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t len = strlen(s);
	if (len == 0 || len % 2 || len / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + (size_t)k];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -EINVAL;
		}
		out[i] = (uint8_t)v;
	}
	*n = len / 2;
	return 0;
}

int auth_session_encode(const struct auth_session *s, char **json)
{
	char mac[MAC_STR_LEN], h[2 * RADIUS_ATTR_MAX_VALUE + 1];
	const char *method = method_text(s->method);
	json_t *classes, *o;

	*json = NULL;
	if (method == NULL || s->nclass > AUTH_SESSION_MAX_CLASS)
		return -EINVAL;
	classes = json_array();
	if (classes == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < s->nclass; i++) {
		hex(s->class[i], s->class_len[i], h);
		json_array_append_new(classes, json_string(h));
	}
	mac_format(s->mac, mac);
	o = json_pack("{s:i, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:I, s:b, s:I, s:o, s:s, s:b, s:s,"
		      " s:I, s:I, s:I, s:b, s:b, s:I}",
		      "v", AUTH_SESSION_VERSION, "mac", mac, "method", method, "identity", s->identity,
		      "port", (int)s->port, "vlan_tci", (int)s->vlan_tci, "role", s->role, "filter_id", s->filter_id,
		      "vlan", s->vlan, "session_timeout", (json_int_t)s->session_timeout_s, "terminate",
		      (int)s->terminate, "interim", (json_int_t)s->interim_s, "class", classes, "acct_session_id",
		      s->acct_session_id, "acct_started", (int)s->acct_started, "acct_user", s->acct_user,
		      "authorized_since", (json_int_t)s->authorized_since_ms, "acct_start",
		      (json_int_t)s->acct_start_ms, "reauth_at", (json_int_t)s->reauth_at_ms, "kept", (int)s->kept,
		      "eapol", (int)s->eapol,
		      "saved", (json_int_t)s->saved_ms);
	if (o == NULL)
		return -EINVAL;   /* json_pack took classes; a string was not UTF-8 */
	*json = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return *json ? 0 : -ENOMEM;
}

/* ---- decode ----------------------------------------------------------- */

struct dec {
	json_t *o;
	char   *err;
	size_t  errlen;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct dec *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->err, d->errlen, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int get_str(struct dec *d, const char *name, char *out, size_t outlen)
{
	json_t *v = json_object_get(d->o, name);
	if (v == NULL)
		return bad(d, "%s: missing", name);
	if (!json_is_string(v))
		return bad(d, "%s: not a string", name);
	if (json_string_length(v) >= outlen || strlen(json_string_value(v)) != json_string_length(v))
		return bad(d, "%s: longer than %zu bytes or with a NUL", name, outlen - 1);
	snprintf(out, outlen, "%s", json_string_value(v));
	return 0;
}

static int get_int(struct dec *d, const char *name, int64_t min, int64_t max, int64_t *out)
{
	json_t *v = json_object_get(d->o, name);
	if (v == NULL)
		return bad(d, "%s: missing", name);
	if (!json_is_integer(v))
		return bad(d, "%s: not an integer", name);
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return bad(d, "%s: %" PRId64 " is outside %" PRId64 "..%" PRId64, name, (int64_t)i, min, max);
	*out = (int64_t)i;
	return 0;
}

static int get_bool(struct dec *d, const char *name, bool *out)
{
	json_t *v = json_object_get(d->o, name);
	if (v == NULL)
		return bad(d, "%s: missing", name);
	if (!json_is_boolean(v))
		return bad(d, "%s: not true or false", name);
	*out = json_is_true(v);
	return 0;
}

static int get_role(struct dec *d, const char *name, char out[ROLE_NAME_MAX])
{
	int rc = get_str(d, name, out, ROLE_NAME_MAX);
	/* A stored session may carry no role: "" is kept, unlike in the configuration. */
	if (rc == 0 && out[0] != '\0' && !role_name_valid(out))
		return bad(d, "%s: \"%.40s\" is not a role name", name, out);
	return rc;
}

#define TIME_MAX (INT64_C(1) << 52)   /* wall-clock ms, far past 2100 */

static int decode_fields(struct dec *d, const uint8_t *mac, struct auth_session *s)
{
	char text[64];
	int64_t v;
	int rc;

	if ((rc = get_int(d, "v", AUTH_SESSION_VERSION, AUTH_SESSION_VERSION, &v)) < 0)
		return rc;
	if ((rc = get_str(d, "mac", text, sizeof(text))) < 0)
		return rc;
	if (mac_parse(text, s->mac) < 0 || (s->mac[0] & 1))
		return bad(d, "mac: \"%.20s\" is not a unicast MAC address", text);
	if (mac && memcmp(mac, s->mac, 6) != 0)
		return bad(d, "mac: %.20s is not the row's MAC", text);
	if ((rc = get_str(d, "method", text, sizeof(text))) < 0)
		return rc;
	if (strcmp(text, "dot1x") == 0)
		s->method = PAE_METHOD_EAP;
	else if (strcmp(text, "mab") == 0)
		s->method = PAE_METHOD_MAB;
	else if (strcmp(text, "critical") == 0)
		s->method = PAE_METHOD_CRITICAL;
	else
		return bad(d, "method: \"%.20s\" is not dot1x, mab or critical", text);
	if ((rc = get_str(d, "identity", s->identity, sizeof(s->identity))) < 0)
		return rc;
	if ((rc = get_int(d, "port", 0, AUTH_SESSION_MAX_PORTS - 1, &v)) < 0)
		return rc;
	s->port = (uint16_t)v;
	if ((rc = get_int(d, "vlan_tci", 0, UINT16_MAX, &v)) < 0)
		return rc;
	s->vlan_tci = (uint16_t)v;
	if ((rc = get_role(d, "role", s->role)) < 0 || (rc = get_role(d, "filter_id", s->filter_id)) < 0 ||
	    (rc = get_role(d, "vlan", s->vlan)) < 0)
		return rc;
	if ((rc = get_int(d, "session_timeout", 0, UINT32_MAX, &v)) < 0)
		return rc;
	s->session_timeout_s = (uint32_t)v;
	if ((rc = get_bool(d, "terminate", &s->terminate)) < 0)
		return rc;
	if ((rc = get_int(d, "interim", 0, UINT32_MAX, &v)) < 0)
		return rc;
	s->interim_s = (uint32_t)v;

	json_t *classes = json_object_get(d->o, "class");
	if (classes == NULL)
		return bad(d, "class: missing");
	if (!json_is_array(classes) || json_array_size(classes) > AUTH_SESSION_MAX_CLASS)
		return bad(d, "class: not a list of at most %d hex strings", AUTH_SESSION_MAX_CLASS);
	for (size_t i = 0; i < json_array_size(classes); i++) {
		json_t *c = json_array_get(classes, i);
		size_t n;
		if (!json_is_string(c) || unhex(json_string_value(c), s->class[i], RADIUS_ATTR_MAX_VALUE, &n) < 0)
			return bad(d, "class[%zu]: not 1..%d bytes in hex", i, RADIUS_ATTR_MAX_VALUE);
		s->class_len[i] = (uint8_t)n;
		s->nclass = (unsigned)i + 1;
	}
	if ((rc = get_str(d, "acct_session_id", s->acct_session_id, sizeof(s->acct_session_id))) < 0 ||
	    (rc = get_bool(d, "acct_started", &s->acct_started)) < 0 ||
	    (rc = get_str(d, "acct_user", s->acct_user, sizeof(s->acct_user))) < 0)
		return rc;
	if (s->acct_started && !s->acct_session_id[0])
		return bad(d, "acct_session_id: empty for a started accounting session");
	if ((rc = get_int(d, "authorized_since", 1, TIME_MAX, &s->authorized_since_ms)) < 0 ||
	    (rc = get_int(d, "acct_start", 0, TIME_MAX, &s->acct_start_ms)) < 0 ||
	    (rc = get_int(d, "reauth_at", 0, TIME_MAX, &s->reauth_at_ms)) < 0 ||
	    (rc = get_bool(d, "kept", &s->kept)) < 0 || (rc = get_bool(d, "eapol", &s->eapol)) < 0 || (rc = get_int(d, "saved", 1, TIME_MAX, &s->saved_ms)) < 0)
		return rc;
	if (s->acct_started && s->acct_start_ms == 0)
		return bad(d, "acct_start: 0 for a started accounting session");
	if (s->authorized_since_ms > s->saved_ms)
		return bad(d, "authorized_since: after the session was saved");
	if (s->terminate && s->reauth_at_ms == 0)
		return bad(d, "terminate: without a Session-Timeout deadline (reauth_at)");
	return 0;
}

int auth_session_decode(const char *json, const uint8_t *mac, struct auth_session *out, char *err,
			size_t errlen)
{
	json_error_t je;
	struct dec d = { .err = err, .errlen = errlen };
	int rc;

	memset(out, 0, sizeof(*out));
	if (json == NULL || strlen(json) > AUTH_SESSION_JSON_MAX)
		return bad(&d, "not JSON text of at most %d bytes", AUTH_SESSION_JSON_MAX);
	d.o = json_loads(json, JSON_REJECT_DUPLICATES, &je);
	if (d.o == NULL)
		return bad(&d, "not JSON: %s at %d", je.text, je.position);
	if (!json_is_object(d.o))
		rc = bad(&d, "not a JSON object");
	else
		rc = decode_fields(&d, mac, out);
	json_decref(d.o);
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

enum auth_session_fate auth_session_plan(const struct auth_session *s, int64_t now_ms, int64_t *remaining_ms)
{
	*remaining_ms = 0;
	if (now_ms - s->saved_ms > AUTH_SESSION_MAX_AGE_MS || s->saved_ms - now_ms > AUTH_SESSION_CLOCK_SLACK_MS)
		return AUTH_SESSION_STALE;
	if (s->reauth_at_ms == 0) {
		*remaining_ms = PAE_NO_DEADLINE;
		return AUTH_SESSION_RESUME;
	}
	if (s->reauth_at_ms <= now_ms)
		return s->terminate ? AUTH_SESSION_END : AUTH_SESSION_REAUTH;
	*remaining_ms = s->reauth_at_ms - now_ms;
	/* Never further away than a Session-Timeout could have put it. */
	if (*remaining_ms > PAE_REAUTH_MAX_MS)
		*remaining_ms = PAE_REAUTH_MAX_MS;
	return AUTH_SESSION_RESUME;
}

const char *auth_session_fate_name(enum auth_session_fate f)
{
	switch (f) {
	case AUTH_SESSION_RESUME: return "resume";
	case AUTH_SESSION_REAUTH: return "reauthenticate";
	case AUTH_SESSION_END: return "ended";
	case AUTH_SESSION_STALE: return "stale";
	}
	return "invalid";
}
