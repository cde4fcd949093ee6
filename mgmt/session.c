/* session.c — one administrator's menjin-cli session (see session.h). */
#include "session.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apiclient.h"
#include "cli_api.h"
#include "cli_config.h"
#include "cli_format.h"
#include "pager.h"

#define ERR_MAX 1024

static void msg(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void session_init(struct session *s, const char *api_path, volatile sig_atomic_t *interrupted)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->api_path, sizeof(s->api_path), "%s", api_path);
	s->interrupted = interrupted;
	snprintf(s->user, sizeof(s->user), "unknown");
	snprintf(s->source, sizeof(s->source), "local");
	snprintf(s->host, sizeof(s->host), "menjin");
}

static void drop_config(struct session *s)
{
	cli_config_free(s->running);
	cli_config_free(s->candidate);
	free(s->running_text);
	s->running = s->candidate = NULL;
	s->running_text = NULL;
	s->running_sha[0] = '\0';
}

void session_free(struct session *s)
{
	drop_config(s);
	free(s->devices);
	s->devices = NULL;
}

void session_prompt(const struct session *s, char *out, size_t len)
{
	snprintf(out, len, "%s@%s%s ", s->user, s->host, s->mode == CLI_MODE_CONFIGURE ? "#" : ">");
}

static struct cli_format_opts format_opts(void)
{
	struct cli_format_opts o = { .width = pager_width(), .list_limit = CLI_LIST_LIMIT };
	time_t now = time(NULL);
	struct tm lt;
	if (localtime_r(&now, &lt))
		o.tz_offset = lt.tm_gmtoff;
	return o;
}

/* ---- output --------------------------------------------------------------------------- */

static void report_error(const struct session *s, const char *text)
{
	if (s->json) {
		/* a word typed in another encoding must not lose the error */
		struct cli_buf clean;
		cli_buf_init(&clean, 4096);
		cli_buf_clean(&clean, text, false);
		json_t *o = json_pack("{s:b, s:s}", "ok", 0, "error", clean.p ? clean.p : "");
		cli_buf_free(&clean);
		char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (t) {
			write_all(STDOUT_FILENO, t, strlen(t));
			write_all(STDOUT_FILENO, "\n", 1);
		}
		free(t);
		json_decref(o);
		return;
	}
	/* stdout first: an error should come after what was already printed */
	fflush(stdout);
	write_all(STDERR_FILENO, text, strlen(text));
	write_all(STDERR_FILENO, "\n", 1);
}

static bool has_pipe(const struct cli_cmd *cmd, enum cli_pipe_kind k)
{
	for (unsigned i = 0; i < cmd->npipes; i++)
		if (cmd->pipes[i].kind == k)
			return true;
	return false;
}

/* The text of a command through its `|` filters, paged unless | no-more. */
static int emit(struct session *s, const struct cli_cmd *cmd, const struct cli_buf *text)
{
	struct cli_buf filtered;
	int rc;
	if (text->len == 0)
		return 0;
	cli_buf_init(&filtered, 0);
	if ((rc = cli_pipe_apply(text->p, text->len, cmd->pipes, cmd->npipes, &filtered)) < 0) {
		cli_buf_free(&filtered);
		return rc;
	}
	if (filtered.len)
		rc = pager_write(filtered.p, filtered.len, s->page && !has_pipe(cmd, CLI_PIPE_NO_MORE), s->interrupted);
	if (text->truncated)
		report_error(s, "(output cut: larger than the CLI's limit; narrow the command)");
	cli_buf_free(&filtered);
	return rc;
}

static void add_json(struct cli_buf *out, json_t *v)
{
	char *t = json_dumps(v ? v : json_null(), JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (t) {
		cli_buf_add(out, t, strlen(t));
		cli_buf_add(out, "\n", 1);
	}
	free(t);
}

/* ---- calls --------------------------------------------------------------------------- */

static const char *what(const struct cli_cmd *cmd)
{
	/* "show device X" was typed with the keyword "devices" or "device" */
	if (cmd->action == CLI_SHOW_DEVICE || cmd->canon[0] == '\0')
		return cli_action_name(cmd->action);
	return cmd->canon;
}

/* Ask menjind; on failure err says it in the administrator's words. */
static int ask(struct session *s, const char *label, json_t *req, int timeout_ms, json_t **result, char *err,
	       size_t errlen)
{
	char e[ERR_MAX];
	const char *api_cmd = json_string_value(json_object_get(req, "cmd"));
	int rc = api_call(s->api_path, req, timeout_ms, s->interrupted, result, e, sizeof(e));
	if (rc == -EREMOTEIO)
		cli_api_error(label, api_cmd, e, err, errlen);
	else if (rc < 0)
		msg(err, errlen, "%s: %s", label, e);
	/* a command this menjind does not have (yet) */
	if (rc == -EREMOTEIO && strncmp(e, "unknown command", 15) == 0)
		rc = -ENOSYS;
	return rc;
}

static int ask_cmd(struct session *s, const struct cli_cmd *cmd, const char *text, const char *base, json_t **result,
		   char *err, size_t errlen)
{
	json_t *req;
	char e[CLI_ERR_MAX];
	int rc = cli_api_request(cmd, s->user, s->source, text, base, &req, e, sizeof(e));
	if (rc < 0) {
		msg(err, errlen, "%s", e);
		return rc;
	}
	rc = ask(s, what(cmd), req, APICLIENT_TIMEOUT_MS, result, err, errlen);
	json_decref(req);
	return rc;
}

static int ask_simple(struct session *s, const char *label, const char *api_cmd, json_t *args, int timeout_ms,
		      json_t **result, char *err, size_t errlen)
{
	json_t *req = cli_api_simple(api_cmd, args, s->user, s->source);
	if (req == NULL) {
		msg(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = ask(s, label, req, timeout_ms, result, err, errlen);
	json_decref(req);
	return rc;
}

const char *session_role(struct session *s, char *err, size_t errlen)
{
	static char role[16];
	json_t *r;
	if (ask_simple(s, "menjind", "commands", NULL, APICLIENT_QUICK_MS * 2, &r, err, errlen) < 0)
		return NULL;
	snprintf(role, sizeof(role), "%s", json_string_value(json_object_get(r, "you")) ?
						     json_string_value(json_object_get(r, "you")) : "unknown");
	json_decref(r);
	return role;
}

/* ---- configure mode ------------------------------------------------------------------ */

/* The candidate as text (what `show` prints and `commit` sends). */
static char *candidate_text(const struct session *s, char *err, size_t errlen)
{
	struct cli_buf b;
	cli_buf_init(&b, CLI_CONFIG_TEXT_MAX);
	if (cli_config_text(s->candidate, NULL, 0, &b, err, errlen) < 0 || b.p == NULL) {
		if (b.p == NULL)
			msg(err, errlen, "the configuration is empty");
		cli_buf_free(&b);
		return NULL;
	}
	return b.p;   /* the buffer's memory is the caller's now */
}

/* Fetch menjind's configuration (args: {} for the running one, {"rollback": N}
 * for an older one) and parse it. */
static int fetch_config(struct session *s, const char *label, json_t *args, struct cli_config **cfg, char **text,
			char *sha, struct cli_buf *notes, char *err, size_t errlen)
{
	json_t *r;
	char e[CLI_ERR_MAX];
	int rc = ask_simple(s, label, "config.show", args, APICLIENT_TIMEOUT_MS, &r, err, errlen);
	if (rc < 0)
		return rc;
	const char *t = json_string_value(json_object_get(r, "text"));
	if (t == NULL) {
		msg(err, errlen, "%s: menjind's config.show answer has no \"text\"", label);
		json_decref(r);
		return -EPROTO;
	}
	if (sha)
		snprintf(sha, 65, "%s", json_string_value(json_object_get(r, "sha256")) ?
					    json_string_value(json_object_get(r, "sha256")) : "");
	json_t *pending = json_object_get(r, "pending_confirm");
	if (notes && json_is_object(pending)) {
		struct cli_format_opts o = format_opts();
		char when[64];
		cli_format_time(json_string_value(json_object_get(pending, "rollback_at")), o.tz_offset, when, sizeof(when));
		cli_buf_printf(notes, "a confirmed commit (version %lld) waits: 'confirm' keeps it, else it is rolled back at %s\n",
			       (long long)json_integer_value(json_object_get(pending, "version")), when);
	}
	struct cli_config *raw = NULL;
	if ((rc = cli_config_load(t, &raw, e, sizeof(e))) < 0) {
		msg(err, errlen, "%s: menjind's configuration does not parse: %s", label, e);
		json_decref(r);
		return rc;
	}
	json_decref(r);
	/* read back what we print, so both sides of a compare are alike */
	struct cli_buf b;
	cli_buf_init(&b, CLI_CONFIG_TEXT_MAX);
	rc = cli_config_text(raw, NULL, 0, &b, e, sizeof(e));
	cli_config_free(raw);
	if (rc < 0 || b.p == NULL || (rc = cli_config_load(b.p, cfg, e, sizeof(e))) < 0) {
		msg(err, errlen, "%s: %s", label, rc < 0 ? e : "empty configuration");
		cli_buf_free(&b);
		return rc < 0 ? rc : -EINVAL;
	}
	if (text)
		*text = b.p;
	else
		cli_buf_free(&b);
	return 0;
}

static int load_running(struct session *s, const char *label, struct cli_buf *notes, char *err, size_t errlen)
{
	struct cli_config *running = NULL, *candidate = NULL;
	char *text = NULL, sha[65] = "", e[CLI_ERR_MAX];
	int rc = fetch_config(s, label, NULL, &running, &text, sha, notes, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = cli_config_load(text, &candidate, e, sizeof(e))) < 0) {
		msg(err, errlen, "%s: %s", label, e);
		cli_config_free(running);
		free(text);
		return rc;
	}
	drop_config(s);
	s->running = running;
	s->candidate = candidate;
	s->running_text = text;
	snprintf(s->running_sha, sizeof(s->running_sha), "%s", sha);
	return 0;
}

static bool candidate_changed(const struct session *s)
{
	char e[CLI_ERR_MAX];
	char *t = s->candidate ? candidate_text(s, e, sizeof(e)) : NULL;
	bool changed = t && s->running_text && strcmp(t, s->running_text) != 0;
	free(t);
	return changed;
}

static int do_configure(struct session *s, struct cli_buf *out, char *err, size_t errlen)
{
	json_t *r;
	if (s->mode == CLI_MODE_CONFIGURE) {
		msg(err, errlen, "configure: already in configure mode");
		return -EINVAL;
	}
	/* menjind decides roles; ask it before fetching anything */
	if (ask_simple(s, "configure", "commands", NULL, APICLIENT_TIMEOUT_MS, &r, err, errlen) < 0)
		return -EIO;
	const char *you = json_string_value(json_object_get(r, "you"));
	if (you == NULL || strcmp(you, "admin") != 0) {
		msg(err, errlen,
			 "configure: permission denied: menjind says %s (uid %lld) is %s; changing the configuration "
			 "needs the admin role",
			 s->user, (long long)json_integer_value(json_object_get(r, "uid")), you ? you : "unknown");
		json_decref(r);
		return -EPERM;
	}
	json_decref(r);
	struct cli_buf notes;
	cli_buf_init(&notes, 4096);
	if (load_running(s, "configure", &notes, err, errlen) < 0) {
		cli_buf_free(&notes);
		return -EIO;
	}
	s->mode = CLI_MODE_CONFIGURE;
	cli_buf_printf(out, "Entering configure mode: changes stay in this session until you commit them.\n");
	if (notes.len)
		cli_buf_add(out, notes.p, notes.len);
	cli_buf_free(&notes);
	return 0;
}

static int do_cfg_show(struct session *s, const struct cli_cmd *cmd, struct cli_buf *out, char *err, size_t errlen)
{
	const char *words[CLI_TOKENS_MAX];
	char e[CLI_ERR_MAX];
	for (unsigned i = 0; i < cmd->nwords; i++)
		words[i] = cli_cmd_word(cmd, i);
	if (!has_pipe(cmd, CLI_PIPE_COMPARE)) {
		if (cli_config_text(s->candidate, words, cmd->nwords, out, e, sizeof(e)) < 0) {
			msg(err, errlen, "show: %s", e);
			return -EINVAL;
		}
		return 0;
	}
	struct cli_buf a, b;
	cli_buf_init(&a, CLI_CONFIG_TEXT_MAX);
	cli_buf_init(&b, CLI_CONFIG_TEXT_MAX);
	int ra = cli_config_text(s->running, words, cmd->nwords, &a, e, sizeof(e));
	int rb = cli_config_text(s->candidate, words, cmd->nwords, &b, e, sizeof(e));
	int rc = 0;
	if (ra < 0 && rb < 0) {
		msg(err, errlen, "show: %s", e);
		rc = -ENOENT;
	} else {
		size_t before = out->len;
		cli_diff(a.p ? a.p : "", b.p ? b.p : "", out);
		if (out->len == before)
			cli_buf_printf(out, "no changes\n");
	}
	cli_buf_free(&a);
	cli_buf_free(&b);
	return rc;
}

static int do_cfg_edit(struct session *s, const struct cli_cmd *cmd, char *err, size_t errlen)
{
	const char *words[CLI_TOKENS_MAX];
	char e[CLI_ERR_MAX];
	int rc;
	for (unsigned i = 0; i < cmd->nwords; i++)
		words[i] = cli_cmd_word(cmd, i);
	if (cmd->action == CLI_CFG_SET)
		rc = cli_config_set(s->candidate, words, cmd->word_quoted, cmd->nwords, e, sizeof(e));
	else if (cmd->action == CLI_CFG_DELETE)
		rc = cli_config_delete(s->candidate, words, cmd->nwords, e, sizeof(e));
	else
		rc = cli_config_insert(s->candidate, words, cmd->nwords, e, sizeof(e));
	if (rc < 0)
		msg(err, errlen, "%s: %s", cli_action_name(cmd->action), e);
	return rc;
}

static int do_commit(struct session *s, const struct cli_cmd *cmd, struct cli_buf *out, char *err, size_t errlen)
{
	json_t *r;
	char e[CLI_ERR_MAX];
	char *text = candidate_text(s, e, sizeof(e));
	if (text == NULL) {
		msg(err, errlen, "commit: %s", e);
		return -EINVAL;
	}
	if (s->running_text && strcmp(text, s->running_text) == 0) {
		free(text);
		cli_buf_printf(out, "commit: no changes%s\n",
			       cmd->has[CLI_S_MINUTES] ? " (to keep a confirmed commit, type confirm)" : "");
		return 0;
	}
	int rc = ask_cmd(s, cmd, text, s->running_sha, &r, err, errlen);
	free(text);
	if (rc < 0)
		return rc;
	struct cli_format_opts o = format_opts();
	if (s->json)
		add_json(out, r);
	else
		cli_format_result(cmd, r, &o, out);
	json_decref(r);
	/* the committed text is the running one now: start again from it */
	if (load_running(s, "commit", NULL, e, sizeof(e)) < 0)
		cli_buf_printf(out, "(the new configuration could not be read back: %s)\n", e);
	return 0;
}

static int do_cfg_rollback(struct session *s, const struct cli_cmd *cmd, struct cli_buf *out, char *err, size_t errlen)
{
	struct cli_config *old = NULL;
	json_t *args = json_pack("{s:I}", "rollback", (json_int_t)cmd->num[CLI_S_VERSION]);
	if (fetch_config(s, "rollback", args, &old, NULL, NULL, NULL, err, errlen) < 0)
		return -EIO;
	cli_config_free(s->candidate);
	s->candidate = old;
	cli_buf_printf(out, "loaded the configuration of %lld commit%s ago: show | compare, then commit\n",
		       cmd->num[CLI_S_VERSION], cmd->num[CLI_S_VERSION] == 1 ? "" : "s");
	return 0;
}

static int do_cfg_exit(struct session *s, const struct cli_cmd *cmd, struct cli_buf *out, char *err, size_t errlen)
{
	if (!cmd->has[CLI_S_FLAG] && candidate_changed(s)) {
		msg(err, errlen, "exit: the candidate has uncommitted changes (show | compare): commit them, or "
				      "'exit discard'");
		return -EBUSY;
	}
	drop_config(s);
	s->mode = CLI_MODE_EXEC;
	cli_buf_printf(out, "Exiting configure mode\n");
	return 0;
}

/* ---- monitor events ------------------------------------------------------------------- */

static int do_monitor(struct session *s, const struct cli_cmd *cmd, char *err, size_t errlen)
{
	struct apiclient c;
	json_t *req = NULL, *r = NULL;
	char e[ERR_MAX], *line;
	size_t len;
	long long seen = 0, want = cmd->has[CLI_S_COUNT] ? cmd->num[CLI_S_COUNT] : 0;
	struct cli_format_opts o = format_opts();
	int rc;

	if ((rc = apiclient_connect(&c, s->api_path, s->interrupted, e, sizeof(e))) < 0) {
		msg(err, errlen, "monitor events: %s", e);
		return rc;
	}
	if ((rc = cli_api_request(cmd, s->user, s->source, NULL, NULL, &req, e, sizeof(e))) < 0 ||
	    (rc = apiclient_send(&c, req, APICLIENT_TIMEOUT_MS, e, sizeof(e))) < 0 ||
	    (rc = apiclient_read_line(&c, APICLIENT_TIMEOUT_MS, &line, &len, e, sizeof(e))) < 0) {
		msg(err, errlen, "monitor events: %s", e);
		goto out;
	}
	if ((rc = cli_api_reply(line, len, &r, e, sizeof(e))) < 0) {
		cli_api_error("monitor events", "events.follow", e, err, errlen);
		goto out;
	}
	if (s->page)
		report_error(s, "(following events; Ctrl-C stops)");
	while (want == 0 || seen < want) {
		rc = apiclient_read_line(&c, -1, &line, &len, e, sizeof(e));
		if (rc == -EINTR) {
			rc = 0;   /* Ctrl-C: the way to stop */
			if (s->page)
				write_all(STDOUT_FILENO, "\n", 1);   /* after the terminal's ^C */
			break;
		}
		if (rc < 0) {
			msg(err, errlen, "monitor events: %s", e);
			break;
		}
		json_t *ev = json_loadb(line, len, 0, NULL);
		if (!json_is_object(ev)) {
			json_decref(ev);
			continue;
		}
		struct cli_buf b, f;
		cli_buf_init(&b, 0);
		cli_buf_init(&f, 0);
		if (s->json) {
			char *t = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (t) {
				cli_buf_add(&b, t, strlen(t));
				cli_buf_add(&b, "\n", 1);
			}
			free(t);
		} else {
			cli_format_event(ev, &o, &b);
		}
		json_decref(ev);
		if (b.len && cli_pipe_apply(b.p, b.len, cmd->pipes, cmd->npipes, &f) == 0 && f.len) {
			seen++;
			if (write_all(STDOUT_FILENO, f.p, f.len) < 0)
				rc = -EPIPE;
		}
		cli_buf_free(&b);
		cli_buf_free(&f);
		if (rc < 0)
			break;
	}
out:
	json_decref(req);
	json_decref(r);
	apiclient_close(&c);
	return rc;
}

/* `show posture` from device.show, for a menjind without posture.kpi. */
static int posture_by_device(struct session *s, json_t **result, char *err, size_t errlen)
{
	json_t *list, **details;
	size_t n, got = 0, i;
	char e[ERR_MAX];
	int rc;

	if ((rc = ask_simple(s, "show posture", "device.list", json_pack("{s:i}", "limit", CLI_POSTURE_FANOUT + 1),
			     APICLIENT_TIMEOUT_MS, &list, err, errlen)) < 0)
		return rc;
	json_t *devs = json_object_get(list, "devices"), *d;
	n = json_array_size(devs);
	if (n > CLI_POSTURE_FANOUT) {
		msg(err, errlen, "show posture: not available: more than %d devices to count one by one, and this "
				 "menjind has no posture.status yet", CLI_POSTURE_FANOUT);
		json_decref(list);
		return -ENOSYS;
	}
	details = calloc(n ? n : 1, sizeof(*details));
	if (details == NULL) {
		json_decref(list);
		return -ENOMEM;
	}
	json_array_foreach(devs, i, d) {
		json_t *args = json_pack("{s:O}", "mac", json_object_get(d, "mac"));
		if (*s->interrupted) {
			msg(err, errlen, "show posture: interrupted");
			rc = -EINTR;
			break;
		}
		/* a device gone meanwhile is simply not counted */
		if (ask_simple(s, "show posture", "device.show", args, APICLIENT_TIMEOUT_MS, &details[got], e, sizeof(e)) == 0)
			got++;
	}
	if (rc == 0) {
		*result = cli_posture_from_devices(details, got);
		if (*result == NULL)
			rc = -ENOMEM;
	}
	for (i = 0; i < got; i++)
		json_decref(details[i]);
	free(details);
	json_decref(list);
	return rc;
}

/* ---- one command ------------------------------------------------------------------------ */

static int execute(struct session *s, const struct cli_cmd *cmd, struct cli_buf *out, char *err, size_t errlen)
{
	json_t *r = NULL;
	int rc;

	switch (cmd->action) {
	case CLI_NONE:
		return 0;
	case CLI_HELP:
		return cli_format_syntax(s->mode, pager_width(), out);
	case CLI_EXIT:
		s->exit_requested = true;
		return 0;
	case CLI_CONFIGURE:
		return do_configure(s, out, err, errlen);
	case CLI_CFG_SET:
	case CLI_CFG_DELETE:
	case CLI_CFG_INSERT:
		return do_cfg_edit(s, cmd, err, errlen);
	case CLI_CFG_SHOW:
		return do_cfg_show(s, cmd, out, err, errlen);
	case CLI_CFG_COMMIT:
		return do_commit(s, cmd, out, err, errlen);
	case CLI_CFG_ROLLBACK:
		return do_cfg_rollback(s, cmd, out, err, errlen);
	case CLI_CFG_EXIT:
		return do_cfg_exit(s, cmd, out, err, errlen);
	case CLI_MONITOR_EVENTS:
		return do_monitor(s, cmd, err, errlen);
	default:
		break;
	}
	rc = ask_cmd(s, cmd, NULL, NULL, &r, err, errlen);
	if (rc == -ENOSYS && cmd->action == CLI_SHOW_POSTURE)
		rc = posture_by_device(s, &r, err, errlen);
	if (rc < 0)
		return rc;
	if (s->json) {
		add_json(out, r);
	} else {
		struct cli_format_opts o = format_opts();
		rc = cli_format_result(cmd, r, &o, out);
	}
	json_decref(r);
	return rc < 0 ? rc : 0;
}

/* One command line for the audit log (its result is the error, or "ok"). */
static void audit(struct session *s, const char *line, enum cli_mode mode, const char *result)
{
	json_t *r = NULL, *req;
	char e[ERR_MAX];
	if (s->audit_unavailable || line[0] == '\0')
		return;
	if ((req = cli_api_audit(line, mode, result, s->user, s->source)) == NULL)
		return;
	int rc = api_call(s->api_path, req, APICLIENT_QUICK_MS, NULL, &r, e, sizeof(e));
	/* a menjind without audit.add yet: it still audits every change itself */
	if (rc == -EREMOTEIO && strncmp(e, "unknown command", 15) == 0)
		s->audit_unavailable = true;
	json_decref(req);
	json_decref(r);
}

int session_run(struct session *s, const char *line)
{
	struct cli_tokens t;
	struct cli_cmd cmd;
	char err[ERR_MAX];
	unsigned pos = 0;
	int status = SESSION_OK;

	if (cli_tokenize(line, false, &t, err, sizeof(err)) < 0) {
		report_error(s, err);
		audit(s, line, s->mode, err);
		return SESSION_USAGE;
	}
	while (pos < t.n && !s->exit_requested) {
		unsigned first = pos;
		enum cli_mode mode = s->mode;
		int rc = cli_parse(&t, &pos, s->mode, &cmd, err, sizeof(err));
		/* the command's own text, for the audit log */
		unsigned last = pos > first && pos <= t.n && t.tok[pos - 1].op == ';' ? pos - 1 : pos;
		char text[CLI_LINE_MAX + 1] = "";
		if (last > first) {
			size_t a = t.tok[first].start, b = t.tok[last - 1].end;
			snprintf(text, sizeof(text), "%.*s", (int)(b - a), line + a);
		}
		if (rc < 0) {
			report_error(s, err);
			audit(s, text, mode, err);
			return SESSION_USAGE;
		}
		if (cmd.action == CLI_NONE)
			continue;
		*s->interrupted = 0;
		struct cli_buf out;
		cli_buf_init(&out, 0);
		err[0] = '\0';
		rc = execute(s, &cmd, &out, err, sizeof(err));
		if (rc < 0 && err[0] == '\0')
			msg(err, sizeof(err), "%s: %s", what(&cmd), strerror(-rc));
		/* --json: what the CLI says itself (help, configure mode) is JSON
		 * too; API results are JSON already (add_json) */
		if (s->json && out.len && out.p[0] != '{' && out.p[0] != '[' && out.p[0] != '"') {
			json_t *o = json_pack("{s:b, s:s%}", "ok", 1, "output", out.p, out.len);
			cli_buf_reset(&out);
			add_json(&out, o);
			json_decref(o);
		}
		/* output first (a commit's result), then its error if any */
		if (emit(s, &cmd, &out) == -EPIPE)
			s->exit_requested = true;
		cli_buf_free(&out);
		if (rc < 0)
			report_error(s, err);
		audit(s, text, mode, rc < 0 ? err : "ok");
		if (rc < 0) {
			status = SESSION_FAILED;
			break;
		}
	}
	return status;
}

/* ---- completion ------------------------------------------------------------------------- */

static void refresh_devices(struct session *s)
{
	json_t *r;
	char e[ERR_MAX];
	time_t now = time(NULL);
	if (s->devices && now - s->devices_at < SESSION_WORDS_TTL_S)
		return;
	s->devices_at = now;
	if (ask_simple(s, "complete", "device.list", json_pack("{s:i}", "limit", SESSION_DEVICE_WORDS),
		       APICLIENT_QUICK_MS, &r, e, sizeof(e)) < 0)
		return;
	json_t *devs = json_object_get(r, "devices"), *d;
	size_t i, n = json_array_size(devs);
	if (n > SESSION_DEVICE_WORDS)
		n = SESSION_DEVICE_WORDS;
	struct session_device_word *w = calloc(n ? n : 1, sizeof(*w));
	if (w) {
		free(s->devices);
		s->devices = w;
		s->ndevices = 0;
		json_array_foreach(devs, i, d) {
			if (i >= n)
				break;
			const char *mac = json_string_value(json_object_get(d, "mac"));
			const char *ip = json_string_value(json_object_get(d, "ip"));
			const char *name = json_string_value(json_object_get(d, "hostname"));
			snprintf(w[s->ndevices].mac, sizeof(w->mac), "%s", mac ? mac : "");
			snprintf(w[s->ndevices].ip, sizeof(w->ip), "%s", ip ? ip : "");
			snprintf(w[s->ndevices].name, sizeof(w->name), "%s", name ? name : "");
			s->ndevices++;
		}
	}
	json_decref(r);
}

static void refresh_roles(struct session *s)
{
	json_t *r, *role;
	size_t i;
	char e[ERR_MAX];
	time_t now = time(NULL);
	if (s->roles_at && now - s->roles_at < SESSION_WORDS_TTL_S)
		return;
	s->roles_at = now;
	if (ask_simple(s, "complete", "roles.show", NULL, APICLIENT_QUICK_MS, &r, e, sizeof(e)) < 0)
		return;
	s->nroles = 0;
	json_array_foreach(json_object_get(r, "roles"), i, role) {
		const char *name = json_string_value(json_object_get(role, "name"));
		if (name && s->nroles < SESSION_ROLE_WORDS)
			snprintf(s->roles[s->nroles++], sizeof(s->roles[0]), "%s", name);
	}
	json_decref(r);
}

static void refresh_ports(struct session *s)
{
	json_t *r, *port;
	size_t i;
	char e[ERR_MAX];
	time_t now = time(NULL);
	if (s->ports_at && now - s->ports_at < SESSION_WORDS_TTL_S)
		return;
	s->ports_at = now;
	if (ask_simple(s, "complete", "stats", NULL, APICLIENT_QUICK_MS, &r, e, sizeof(e)) < 0)
		return;
	s->nports = 0;
	json_array_foreach(json_object_get(json_object_get(r, "fastpath"), "ports"), i, port) {
		const char *name = json_string_value(json_object_get(port, "name"));
		if (name && s->nports < SESSION_PORT_WORDS)
			snprintf(s->ports[s->nports++], sizeof(s->ports[0]), "%s", name);
	}
	json_decref(r);
}

struct config_names {
	struct cli_completion *out;
};

static void add_config_name(void *arg, const char *name)
{
	struct config_names *c = arg;
	cli_completion_add(c->out, name, NULL, true);
}

static void dynamic_words(void *arg, enum cli_value kind, const char *const *words, unsigned nwords, const char *prefix,
			  struct cli_completion *out)
{
	struct session *s = arg;
	(void)prefix;
	switch (kind) {
	case CLI_V_MAC:
	case CLI_V_DEVICE:
		refresh_devices(s);
		for (unsigned i = 0; i < s->ndevices; i++) {
			const struct session_device_word *d = &s->devices[i];
			if (d->mac[0])
				cli_completion_add(out, d->mac, d->name[0] ? d->name : NULL, true);
			if (kind == CLI_V_DEVICE && d->name[0])
				cli_completion_add(out, d->name, d->mac, true);
			if (kind == CLI_V_DEVICE && d->ip[0])
				cli_completion_add(out, d->ip, d->mac, true);
		}
		break;
	case CLI_V_ROLE:
		refresh_roles(s);
		for (unsigned i = 0; i < s->nroles; i++)
			cli_completion_add(out, s->roles[i], NULL, true);
		break;
	case CLI_V_PORT:
		refresh_ports(s);
		for (unsigned i = 0; i < s->nports; i++)
			cli_completion_add(out, s->ports[i], NULL, true);
		break;
	case CLI_V_CONFIG:
		if (s->candidate) {
			struct config_names c = { out };
			/* `set` ends in a value: past a setting there are no names */
			cli_config_names(s->candidate, words, nwords, add_config_name, &c);
		}
		break;
	default:
		break;
	}
}

void session_complete(struct session *s, const char *line, size_t cursor, struct cli_completion *out)
{
	struct cli_context ctx = { .mode = s->mode, .dynamic = dynamic_words, .arg = s };
	cli_complete(&ctx, line, cursor, out);
}
