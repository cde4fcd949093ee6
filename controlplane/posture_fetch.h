/* posture_fetch.h — download posture results over HTTPS into the spool.
 *
 * The GCB audit platform (or a county file server) publishes its export at
 * a URL. menjind fetches it every `interval` seconds with libcurl, driven
 * by the libevent loop through the multi-socket interface, so a slow
 * server never stalls 802.1X or DHCP handling. The body is written to
 * "<spool>/.fetch-<name>.part" (a name the spool ignores) and, complete and
 * answered 200, renamed to "<spool>/<name>-<unix time>.<xml|csv>"; the spool
 * then validates and applies it like any dropped file. A 304 (the server
 * saw If-Modified-Since) writes nothing.
 *
 * HTTPS only, redirects included; the peer certificate and host name are
 * verified (ca_file, or the system store); size bounded by
 * POSTURE_SPOOL_MAX_FILE, time by POSTURE_FETCH_TIMEOUT.
 */
#ifndef MENJIN_POSTURE_FETCH_H
#define MENJIN_POSTURE_FETCH_H

#include <stddef.h>
#include "posture_spool.h"

#define POSTURE_FETCH_URL_MAX          512
#define POSTURE_FETCH_TIMEOUT          120     /* seconds for one whole transfer */
#define POSTURE_FETCH_CONNECT_TIMEOUT  15
#define POSTURE_FETCH_MIN_INTERVAL     60      /* seconds between periodic fetches, at least */
#define POSTURE_FETCH_MAX_REDIRS       3

struct posture_fetch_config {
	char url[POSTURE_FETCH_URL_MAX];    /* https://gcb.county.example/export/township.csv */
	char ca_file[256];                  /* PEM bundle; "" for the system store */
	char name[64];                      /* stem of the spool file: "gcb-platform" */
	int  interval;                      /* seconds; 0: only posture_fetch_start() */
};

/* 0, or -EINVAL with the setting at fault in err ("url: only https:// ..."). */
int posture_fetch_config_check(const struct posture_fetch_config *c, char *err, size_t errlen);

struct posture_fetch;
struct event_base;

/* After each transfer: rc 0 and the spool file written (or "" for 304
 * Not Modified), or a negative errno and what went wrong. */
typedef void (*posture_fetch_cb)(void *ctx, int rc, long http_status, const char *text);

struct posture_fetch *posture_fetch_new(struct event_base *base, const char *spool_dir,
					const struct posture_fetch_config *c, posture_fetch_cb cb, void *ctx,
					char *err, size_t errlen);
/* Fetch now; -EBUSY while a transfer runs. */
int posture_fetch_start(struct posture_fetch *f);
void posture_fetch_free(struct posture_fetch *f);

#endif
