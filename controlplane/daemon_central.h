/* daemon_central.h — menjind's threat feeds, regional sharing and SOC export.
 *
 * Glue between menjind and feeds.c, share.c and syslog_tls.c, configured by
 * the central_settings of struct conf (central_conf.h):
 *   feeds   every merged list becomes the fast path's blocklist through
 *           fpchan_set_blocklist(); the converted array is kept here, so a
 *           resync after either process restarts pushes the current list
 *   share   share.publish / share.list / share.withdraw; the active blocks
 *           are also a static list ("share") of the merge, so they are
 *           enforced here as well as published for the neighbours
 *   soc     every event line also goes to syslog_tls_send(), with soc.sd_id
 *           as its SD-ID when set
 *   central the applied bundle (daemon_bundle.h) composes into the
 *           configuration (daemon_central_compose); its blocklist is the
 *           static list BUNDLE_BLOCKLIST_FEED of the merge
 * A reload whose settings for these sections changed stops and starts them
 * again; the fast path keeps the last list until the new merge replaces it.
 */
#ifndef MENJIN_DAEMON_CENTRAL_H
#define MENJIN_DAEMON_CENTRAL_H

#include <jansson.h>
#include <stddef.h>

struct menjind;
struct api_caller;
struct conf;

int daemon_central_start(struct menjind *d, char *err, size_t errlen);
/* After d->conf was replaced (old is still valid during the call). */
int daemon_central_reload(struct menjind *d, const struct conf *old, char *err, size_t errlen);
void daemon_central_stop(struct menjind *d);

/* The text menjind loads when a central bundle is applied: the local
 * configuration (local_text, or the file at d->conf_path when NULL) with
 * the bundle's roles and policy in place of the local ones. *out is NULL
 * (and 0 returned) when no bundle is applied: load the local text as it
 * is. Errors name what is wrong ("line N: ..." of the local text). */
int daemon_central_compose(struct menjind *d, const char *local_text, char **out, char *err, size_t errlen);

/* The applied central bundle changed (daemon_bundle.c): its blocklist
 * becomes the static feed BUNDLE_BLOCKLIST_FEED. */
void daemon_central_bundle_changed(struct menjind *d);

/* API handlers (apicmd.c's table). */
int daemon_central_cmd_status(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			      char *err, size_t errlen);
int daemon_central_cmd_share_publish(struct menjind *d, const struct api_caller *who, json_t *args,
				     json_t **result, char *err, size_t errlen);
int daemon_central_cmd_share_list(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
				  char *err, size_t errlen);
int daemon_central_cmd_share_withdraw(struct menjind *d, const struct api_caller *who, json_t *args,
				      json_t **result, char *err, size_t errlen);
int daemon_central_cmd_sync(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			    char *err, size_t errlen);
int daemon_central_cmd_feeds_poll(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
				  char *err, size_t errlen);

#endif
