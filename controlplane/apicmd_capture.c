/* apicmd_capture.c — capture.start (see apicmd_capture.h). */
#include "apicmd_capture.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "apicmd.h"
#include "daemon.h"
#include "events.h"
#include "fpchan.h"

void apicmd_capture_name(const char *port, int64_t now_ms, char out[APICMD_CAPTURE_NAME_MAX])
{
	char p[25], stamp[20];
	size_t i;
	for (i = 0; i < sizeof(p) - 1 && port[i]; i++) {
		unsigned char c = (unsigned char)port[i];
		p[i] = isalnum(c) || c == '-' || c == '_' ? (char)c : '_';
	}
	p[i] = '\0';
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, APICMD_CAPTURE_NAME_MAX, "%s-%s-%03d.pcap", p[0] ? p : "port", stamp, (int)(now_ms % 1000));
}

/* The port by name ("lan0") or index ("0", 0). */
static int find_port(struct menjind *d, json_t *v, const struct fpmsg_port_info **out, char *err, size_t errlen)
{
	const struct fpmsg_port_info *ports;
	unsigned n = fpchan_ports(d->fp, &ports);
	char want[FPMSG_NAME_MAX] = "";
	long long index = -1;

	if (json_is_integer(v)) {
		index = json_integer_value(v);
	} else if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < sizeof(want)) {
		snprintf(want, sizeof(want), "%s", json_string_value(v));
		char *end;
		long long i = strtoll(want, &end, 10);
		if (*end == '\0' && isdigit((unsigned char)want[0]))
			index = i;
	} else {
		snprintf(err, errlen, "argument 'port' must be a port name or index");
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		if ((want[0] && strcmp(ports[i].name, want) == 0) || (index >= 0 && ports[i].index == index)) {
			*out = &ports[i];
			return 0;
		}
	}
	int len = snprintf(err, errlen, "no port '%s' (the fast path has", want[0] ? want : "?");
	if (!want[0])
		len = snprintf(err, errlen, "no port %lld (the fast path has", index);
	for (unsigned i = 0; i < n && len > 0 && (size_t)len < errlen; i++)
		len += snprintf(err + len, errlen - (size_t)len, "%s %s (%u)", i ? "," : "", ports[i].name,
				ports[i].index);
	if (len > 0 && (size_t)len < errlen)
		snprintf(err + len, errlen - (size_t)len, ")");
	return -ENOENT;
}

static void capture_answer(void *ctx, uint64_t request, int err, const char *msg)
{
	struct menjind *d = ctx;
	char text[APICMD_ERR_MAX];
	if (err == -ENOTCONN)
		snprintf(text, sizeof(text), "the fast path went away before it answered");
	else if (err < 0)
		snprintf(text, sizeof(text), "the fast path refused the capture: %s", msg && msg[0] ? msg : strerror(-err));
	api_answer(d->api, request, err, err < 0 ? text : NULL);
}

int apicmd_capture_start(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			 char *err, size_t errlen)
{
	const struct fpmsg_port_info *port;
	json_t *f = json_object_get(args, "filter"), *c = json_object_get(args, "count");
	long long count = APICMD_CAPTURE_DEFAULT;
	int rc;

	if (fpchan_get_state(d->fp) != FPCHAN_READY) {
		snprintf(err, errlen, "the fast path is not connected (%s)", fpchan_state_name(fpchan_get_state(d->fp)));
		return -ENOTCONN;
	}
	if ((rc = find_port(d, json_object_get(args, "port"), &port, err, errlen)) < 0)
		return rc;
	if (c && !json_is_null(c)) {
		if (!json_is_integer(c) || json_integer_value(c) < 1 || json_integer_value(c) > APICMD_CAPTURE_MAX) {
			snprintf(err, errlen, "argument 'count' must be a number 1..%d", APICMD_CAPTURE_MAX);
			return -EINVAL;
		}
		count = json_integer_value(c);
	}
	const char *filter = NULL;
	if (f && !json_is_null(f)) {
		if (!json_is_string(f) || json_string_length(f) >= FPMSG_TEXT_MAX ||
		    strlen(json_string_value(f)) != json_string_length(f)) {
			snprintf(err, errlen, "argument 'filter' must be a pcap filter of at most %d bytes",
				 FPMSG_TEXT_MAX - 1);
			return -EINVAL;
		}
		filter = json_string_value(f);
	}
	char name[APICMD_CAPTURE_NAME_MAX], path[CONF_PATH_MAX + APICMD_CAPTURE_NAME_MAX];
	apicmd_capture_name(port->name, event_now_ms(), name);
	snprintf(path, sizeof(path), "%s/%s", d->conf->capture_dir, name);
	json_t *r = json_pack("{s:s, s:s, s:I}", "path", path, "port", port->name, "count", (json_int_t)count);
	if (r == NULL)
		return -ENOMEM;
	rc = fpchan_capture(d->fp, port->index, filter, (uint32_t)count, name, capture_answer, d, who->request);
	/* A send that failed drops the channel at once (its answer came already). */
	if (rc == 0 && fpchan_get_state(d->fp) != FPCHAN_READY)
		rc = -ENOTCONN;
	if (rc < 0) {
		json_decref(r);
		snprintf(err, errlen, "capture: cannot ask the fast path: %s", strerror(-rc));
		return rc;
	}
	*result = r;
	return APICMD_PENDING;
}
