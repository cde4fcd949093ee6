/* api.h — the management API on api.sock.
 *
 * Newline-delimited JSON over a SOCK_STREAM Unix socket (mode 0660):
 *   request  {"cmd": "device.list", "args": {...}, "user": "alice"}
 *   reply    {"ok": true, "result": ...}  or  {"ok": false, "error": "..."}
 * The caller is identified by SO_PEERCRED, never by what it claims: uid 0
 * (or menjind's own uid) and members of menjind.admin_group are admins,
 * members of menjind.operator_group are operators (read only), everyone
 * else is refused. "user" is only a display name for the audit log (the
 * CLI passes the SSH login). Every changing call, allowed or refused, is
 * written to the audit log (store and syslog) with uid, user, cmd, args and
 * result. events.follow keeps the connection open and streams events as
 * JSON lines. The commands themselves are in apicmd.c.
 */
#ifndef MENJIN_API_H
#define MENJIN_API_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#define API_MAX_CLIENTS     64
/* one request: config.commit carries a whole configuration file (at most
 * CONF_FILE_MAX), which JSON escaping may make up to twice as long */
#define API_MAX_LINE        (2 * 1024 * 1024 + 64 * 1024)
#define API_MAX_OUTPUT      (4 * 1024 * 1024)  /* unread output before a client is dropped */
#define API_IDLE_TIMEOUT_S  300                /* a silent client (not following) is closed */
#define API_USER_MAX        64
#define API_SOURCE_MAX      64                 /* "source": the SSH client's address */
#define API_MAX_GROUPS      256                /* supplementary groups looked at */
#define API_BACKLOG_EVENTS  1000               /* events sent before following */

enum api_role {
	API_ROLE_NONE = 0,
	API_ROLE_OPERATOR,      /* read */
	API_ROLE_ADMIN,         /* read and change */
};

struct api_caller {
	uint32_t      uid;
	pid_t         pid;
	enum api_role role;
	char          login[API_USER_MAX];   /* from the password database */
	char          user[API_USER_MAX];    /* as the request says, else login */
	char          source[API_SOURCE_MAX]; /* as the request says ("" when absent) */
	uint64_t      request;               /* the connection, for api_answer() */
};

struct api;
struct menjind;

int api_new(struct menjind *d, struct api **out, char *err, size_t errlen);
void api_free(struct api *a);
/* A new event (JSON with id) for the clients following the stream. */
void api_event(struct api *a, int64_t id, const char *json);
unsigned api_client_count(const struct api *a);
/* The answer to a command whose handler returned APICMD_PENDING: err 0
 * sends the result the handler gave, else the error (msg, or strerror).
 * Audited then when the command changes something. A connection that
 * has gone is ignored. */
void api_answer(struct api *a, uint64_t request, int err, const char *msg);
/* One audit record (store and an `audit` event) as the API writes them. */
void api_audit(struct menjind *d, const struct api_caller *who, const char *cmd, json_t *args, const char *result);
const char *api_role_name(enum api_role r);

#endif
