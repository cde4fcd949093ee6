/* session.h — one administrator's menjin-cli session: runs command lines.
 *
 * A line is parsed (controlplane/cli_grammar.c), each command is asked of
 * menjind (controlplane/cli_api.c, mgmt/apiclient.c) or done here
 * (configure mode edits a private candidate, cli_config.c), its result
 * printed (cli_format.c, mgmt/pager.c), and the line, its user, source
 * address and result are sent to menjind's audit log. The session holds no
 * state that outlives it: the candidate configuration and the completion
 * words are conveniences of this login only.
 */
#ifndef MENJIN_SESSION_H
#define MENJIN_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cli_grammar.h"

#define SESSION_WORDS_TTL_S   15      /* completion words fetched from menjind are reused this long */
#define SESSION_DEVICE_WORDS  4096    /* devices fetched for completion */
#define SESSION_ROLE_WORDS    256
#define SESSION_PORT_WORDS    16

enum session_status {
	SESSION_OK = 0,
	SESSION_FAILED = 1,       /* menjind refused or failed */
	SESSION_USAGE = 2,        /* the line did not parse */
};

struct cli_config;

struct session_device_word {
	char mac[18];
	char ip[46];
	char name[64];
};

struct session {
	char  api_path[108];
	char  user[64];
	char  source[64];
	char  host[64];
	bool  json;               /* results as JSON (scripts) */
	bool  page;               /* page long output */
	enum cli_mode mode;
	bool  exit_requested;
	bool  audit_unavailable;  /* this menjind has no audit.add: stop asking */
	volatile sig_atomic_t *interrupted;   /* set by SIGINT */

	/* configure mode */
	struct cli_config *running;     /* as menjind has it */
	struct cli_config *candidate;   /* with this session's changes */
	char  *running_text;            /* running, as cli_config_text() prints it */
	char   running_sha[65];         /* of menjind's text: commit says what it was based on */

	/* completion words */
	time_t devices_at, roles_at, ports_at;
	unsigned ndevices, nroles, nports;
	struct session_device_word *devices;
	char   roles[SESSION_ROLE_WORDS][32];
	char   ports[SESSION_PORT_WORDS][32];
};

void session_init(struct session *s, const char *api_path, volatile sig_atomic_t *interrupted);
void session_free(struct session *s);
/* Run a line: one command, or several separated by ';' (the first failure
 * stops the rest). Output goes to stdout, errors to stderr (JSON on stdout
 * with --json). Returns an enum session_status. */
int session_run(struct session *s, const char *line);
/* "admin@gw> ", "admin@gw# " in configure mode */
void session_prompt(const struct session *s, char *out, size_t len);
/* Tab and `?` candidates, with menjind's words (devices, roles, ports). */
void session_complete(struct session *s, const char *line, size_t cursor, struct cli_completion *out);
/* Ask menjind who we are, for the greeting: "admin", "operator", or NULL
 * with err saying why menjind cannot be reached. */
const char *session_role(struct session *s, char *err, size_t errlen);

#endif
