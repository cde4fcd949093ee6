/* cli_api.h — what menjin-cli asks menjind: commands to api.sock requests.
 *
 * Every CLI command that needs menjind maps to one API request, built here
 * (pure: JSON in memory, no socket). The transport is menjin-cli's
 * (mgmt/apiclient.c). A request carries the SSH login as "user" (a display
 * name for the audit log; menjind identifies the caller by SO_PEERCRED)
 * and the SSH client's address as "source".
 *
 * A command this menjind does not know yet is answered by menjind with
 * "unknown command 'x'"; cli_api_error() turns that into "show ad: not
 * available: this menjind has no API command 'ad.status'".
 */
#ifndef MENJIN_CLI_API_H
#define MENJIN_CLI_API_H

#include <jansson.h>
#include <stddef.h>
#include "cli_grammar.h"

#define CLI_LIST_LIMIT       5000               /* devices asked for by `show devices` */
#define CLI_HISTORY_LIMIT    50
#define CLI_REPLY_MAX        (64u * 1024 * 1024) /* one reply line (a large device list) */
#define CLI_SOURCE_MAX       64

/* The API command for a CLI action; NULL when the CLI does it alone. */
const char *cli_api_command(enum cli_action a);

/* The request {"cmd", "args", "user", "source"} for cmd. user and source
 * may be NULL. For commit, `text` is the candidate and `base` the sha256
 * of the running text it was made from; NULL otherwise. */
int cli_api_request(const struct cli_cmd *cmd, const char *user, const char *source, const char *text,
		    const char *base, json_t **req, char *err, size_t errlen);
/* A request by API name, for the calls the CLI makes on its own behalf
 * (completion words, `commands`, config.show on `configure`). args may be NULL (stolen). */
json_t *cli_api_simple(const char *api_cmd, json_t *args, const char *user, const char *source);
/* The audit record of one command line: audit.add {line, mode, result}. */
json_t *cli_api_audit(const char *line, enum cli_mode mode, const char *result, const char *user,
		      const char *source);

/* A reply line: 0 and *result (a new reference, JSON null when absent) when
 * ok; -EPROTO for a malformed reply; -EREMOTEIO with menjind's error text. */
int cli_api_reply(const char *line, size_t len, json_t **result, char *err, size_t errlen);
/* menjind's error for what the administrator typed, prefixed with the command. */
void cli_api_error(const char *what, const char *api_cmd, const char *error, char *out, size_t outlen);

/* `show posture` for a menjind without posture.kpi: the same summary
 * counted from device.show answers (the CLI asks for each device, at most
 * CLI_POSTURE_FANOUT). Returns {"total": ROW, "roles": [ROW...],
 * "baselines": [], "counted_from": N}, ROW = {name, devices, compliant,
 * noncompliant, unknown, stale, unscanned}. */
#define CLI_POSTURE_FANOUT   1000
json_t *cli_posture_from_devices(json_t *const *devices, size_t n);

/* "10.0.0.5" from SSH_CLIENT ("10.0.0.5 51234 22"); "local" when unset. */
void cli_api_source(const char *ssh_client, char *out, size_t outlen);

#endif
