/* cli.c — menjin-cli: the administrators' shell of the menjin appliance.
 *
 *   menjin-cli [-s SOCKET] [--json] -c "COMMAND[; COMMAND...]"
 *   menjin-cli [-s SOCKET] [--json] COMMAND WORDS...
 *   menjin-cli [-s SOCKET] [--json]      a prompt on a terminal, else commands on stdin
 *
 * The socket is -s, else $MENJIN_API, else /run/menjin/api.sock. As sshd's
 * ForceCommand (docs/cli.md) the command the SSH client asked for arrives
 * in SSH_ORIGINAL_COMMAND, and a leading --json there is honoured; as a
 * login shell sshd runs it as `menjin-cli -c "COMMAND"`. Every state lives
 * in menjind: this program asks api.sock and prints the answers.
 *
 * Exit status: 0 success, 1 menjind refused or failed, 2 a command that
 * does not parse or a bad option.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apiclient.h"
#include "cli_api.h"
#include "cli_grammar.h"
#include "session.h"
#include "shell.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: menjin-cli [-s SOCKET] [--json] [-c \"COMMAND[; COMMAND...]\" | COMMAND...]\n"
		   "  -s, --socket PATH  menjind's api.sock (default $MENJIN_API, else %s)\n"
		   "  -j, --json         results as JSON, for scripts\n"
		   "  -c COMMANDS        run the commands and exit (also how sshd runs a login shell)\n"
		   "Without a command: a prompt on a terminal, else one command per line from stdin.\n"
		   "Type `help` or `?` at the prompt for the commands.\n",
		APICLIENT_DEFAULT_SOCKET);
}

/* "/usr/bin/menjin-cli ..." as the command: sshd ran ForceCommand through a
 * login shell that is menjin-cli itself. The rest of the words is the command. */
static const char *skip_self(const char *cmd)
{
	const char *p = cmd + strspn(cmd, " \t");
	size_t n = strcspn(p, " \t");
	static const char self[] = "menjin-cli";
	if (n >= sizeof(self) - 1 && strncmp(p + n - (sizeof(self) - 1), self, sizeof(self) - 1) == 0 &&
	    (n == sizeof(self) - 1 || p[n - sizeof(self)] == '/'))
		return p + n + strspn(p + n, " \t");
	return cmd;
}

/* A leading --json in SSH_ORIGINAL_COMMAND (ssh gw -- --json show devices). */
static const char *take_json_flag(const char *cmd, bool *json)
{
	for (;;) {
		const char *p = cmd + strspn(cmd, " \t");
		size_t n = strcspn(p, " \t");
		if ((n == 6 && strncmp(p, "--json", 6) == 0) || (n == 2 && strncmp(p, "-j", 2) == 0)) {
			*json = true;
			cmd = p + n;
			continue;
		}
		return p;
	}
}

static int run_stdin(struct session *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = SESSION_OK;
	while (!s->exit_requested && (n = getline(&line, &cap, stdin)) >= 0) {
		if (n > CLI_LINE_MAX) {
			fprintf(stderr, "a line longer than %d characters\n", CLI_LINE_MAX);
			status = SESSION_USAGE;
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if ((status = session_run(s, line)) != SESSION_OK)
			break;   /* a script stops at its first failure */
	}
	free(line);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = getenv("MENJIN_API"), *command = NULL;
	bool json = false;
	int opt;

	setlocale(LC_CTYPE, "");
	/* "+": the first word that is not an option starts the command */
	while ((opt = getopt_long(argc, argv, "+s:jc:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': socket_path = optarg; break;
		case 'j': json = true; break;
		case 'c': command = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return SESSION_USAGE;
		}
	}
	if (socket_path == NULL || socket_path[0] == '\0')
		socket_path = APICLIENT_DEFAULT_SOCKET;
	if (strlen(socket_path) >= sizeof(((struct session *)0)->api_path)) {
		fprintf(stderr, "menjin-cli: socket path longer than %zu bytes\n", sizeof(((struct session *)0)->api_path) - 1);
		return SESSION_USAGE;
	}

	char joined[CLI_LINE_MAX + 1] = "";
	if (command == NULL && optind < argc) {
		size_t used = 0;
		for (int i = optind; i < argc; i++) {
			int k = snprintf(joined + used, sizeof(joined) - used, "%s%s", i > optind ? " " : "", argv[i]);
			if (k < 0 || (size_t)k >= sizeof(joined) - used) {
				fprintf(stderr, "menjin-cli: command longer than %d characters\n", CLI_LINE_MAX);
				return SESSION_USAGE;
			}
			used += (size_t)k;
		}
		command = joined;
	} else if (command && optind < argc) {
		usage(stderr);
		return SESSION_USAGE;
	}
	if (command)
		command = skip_self(command);
	if (command == NULL || *command == '\0') {
		const char *orig = getenv("SSH_ORIGINAL_COMMAND");
		command = orig && orig[strspn(orig, " \t")] ? take_json_flag(skip_self(orig), &json) : NULL;
		if (command && *command == '\0')
			command = NULL;
	}

	struct sigaction sa = { .sa_handler = on_sigint };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);   /* no SA_RESTART: a wait ends at Ctrl-C */
	signal(SIGPIPE, SIG_IGN);

	struct session s;
	session_init(&s, socket_path, &interrupted);
	s.json = json;
	const struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		snprintf(s.user, sizeof(s.user), "%s", pw->pw_name);
	else
		snprintf(s.user, sizeof(s.user), "uid%u", (unsigned)getuid());
	cli_api_source(getenv("SSH_CLIENT"), s.source, sizeof(s.source));
	char host[256];
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		host[strcspn(host, ".")] = '\0';
		snprintf(s.host, sizeof(s.host), "%.63s", host);
	}
	s.page = !json && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

	int status;
	if (command) {
		status = session_run(&s, command);
	} else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		char err[512];
		const char *role = session_role(&s, err, sizeof(err));
		if (role)
			printf("menjin-cli on %s: %s is %s. Type ? or help for the commands.\n", s.host, s.user, role);
		else
			printf("menjin-cli on %s: %s\n", s.host, err);
		fflush(stdout);
		status = shell_run(&s, argv[0]);
	} else {
		status = run_stdin(&s);
	}
	session_free(&s);
	return status;
}
