/* conf.h — menjind's configuration: parsed once, validated whole, swapped.
 *
 * One libconfig file serves both processes. menjind reads fastpath.socket
 * and capture_dir, the quarantine section (for display), and its own sections: menjind {},
 * roles () and policy (). A bad file is refused with "file:line: setting:
 * what is wrong"; the caller keeps the configuration it had.
 */
#ifndef MENJIN_CONF_H
#define MENJIN_CONF_H

#include <stddef.h>
#include <stdint.h>
#include "policy.h"
#include "roles.h"

struct auth_conf;
struct central_settings;
struct posture_settings;
struct adsync_conf;

#define CONF_FILE_MAX        (1024 * 1024)   /* largest configuration file read */
#define CONF_PATH_MAX        256
#define CONF_SOCK_MAX        108             /* sun_path */
#define CONF_GROUP_MAX       64
#define CONF_ERR_MAX         512
#define CONF_MAX_RESOLVERS   8
#define CONF_MAX_REMEDIATION 32

#define CONF_DEFAULT_STORE          "/var/lib/menjin/menjin.db"
#define CONF_DEFAULT_CAPTURE_DIR    "/var/lib/menjin/capture"   /* as menjin-fp's */
#define CONF_DEFAULT_API_SOCKET     "/run/menjin/api.sock"
#define CONF_DEFAULT_ADMIN_GROUP    "menjin-admin"
#define CONF_DEFAULT_OPERATOR_GROUP "menjin-operator"
#define CONF_DEFAULT_SD_ID          "menjin@32473"   /* RFC 5612 example enterprise number */
#define CONF_DEFAULT_SYSLOG_SOCKET  "/dev/log"

struct conf {
	char     path[CONF_PATH_MAX];
	char    *text;                       /* the file as read, stored with each version */
	size_t   text_len;
	char     sha256[65];                 /* of text */
	char     rules_digest[65];           /* of the compiled roles and policy */

	char     fp_socket[CONF_SOCK_MAX];   /* fastpath.socket */
	char     capture_dir[CONF_PATH_MAX]; /* fastpath.capture_dir: where the pcap files are */

	/* menjind {} */
	char     store[CONF_PATH_MAX];
	char     api_socket[CONF_SOCK_MAX];
	char     admin_group[CONF_GROUP_MAX];
	char     operator_group[CONF_GROUP_MAX];
	int      syslog_facility;            /* LOG_* value */
	char     syslog_facility_name[16];
	char     sd_id[33];                  /* RFC 5424 SD-ID: at most 32 characters */
	char     event_log[CONF_PATH_MAX];   /* unset: events.log beside the store; "" disables */
	char     syslog_socket[CONF_SOCK_MAX]; /* "" disables */
	int      log_level;                  /* enum log_level */
	int      seen_interval;              /* seconds between last_seen writes of one device */
	unsigned events_keep;                /* rows kept in the event log */
	int64_t  override_max_duration;      /* seconds; 0 = overrides may be permanent */

	unsigned nroles;
	struct role *roles;
	struct policy policy;

	/* quarantine {} (the fast path enforces it; shown by the API) */
	unsigned nresolvers;
	char     resolvers[CONF_MAX_RESOLVERS][48];
	unsigned nremediation;
	char     remediation[CONF_MAX_REMEDIATION][96];
	char     unknown_action[16];         /* fastpath.unknown_action, for display */

	/* dot1x {}, radius {}, mab {}, coa {} (auth_conf.c); never NULL after a load */
	struct auth_conf *auth;

	/* central {}, feeds, share {}, soc {}, heartbeat {} (central_conf.c);
	 * never NULL after a load; absent sections leave the feature off */
	struct central_settings *central;
	/* posture {} (posture_conf.c); never NULL after a load; absent: off */
	struct posture_settings *posture;
	/* ad {} (adsync_conf.c); never NULL after a load; enabled false: off */
	struct adsync_conf *ad;
};

/* The configuration file's text, NUL-terminated, in *text (free() it);
 * len (may be NULL) gets its length. Refuses more than CONF_FILE_MAX bytes
 * and an embedded NUL; err says "path: problem". Shared by conf_load()
 * and daemon_central_compose(), which needs the text as it is. */
int conf_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen);
/* Read and validate `path`. On failure returns a negative errno and writes
 * "file:line: setting: problem" to err. */
int conf_load(const char *path, struct conf **out, char *err, size_t errlen);
/* The same from memory; `name` stands for the file name in messages. */
int conf_load_string(const char *text, const char *name, struct conf **out, char *err,
		     size_t errlen);
void conf_free(struct conf *c);

const struct role *conf_role_by_name(const struct conf *c, const char *name);
const struct role *conf_role_by_id(const struct conf *c, uint16_t id);
/* Name of a role id, "unrestricted" for 0, "" if none. */
const char *conf_role_name(const struct conf *c, uint16_t id);

#endif
