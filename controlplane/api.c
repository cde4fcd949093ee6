/* api.c — api.sock: connections, caller identity, dispatch, audit (see api.h). */
#include "api.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "apicmd.h"
#include "daemon.h"
#include "events.h"
#include "fpchan.h"
#include "log.h"
#include "store.h"

struct api_conn {
	struct api         *api;
	struct bufferevent *bev;
	uint64_t            id;
	struct api_caller   who;
	bool                following;
	bool                closing;      /* free once the output is written */
	bool                pending;      /* an asynchronous answer is on its way */
	json_t             *pending_result;
	const struct apicmd *pending_cmd; /* APICMD_PENDING: audited when answered */
	json_t             *pending_args;
	char                refusal[256];  /* answered to the first request, then closed */
	struct api_conn    *next;
};

struct api {
	struct menjind        *d;
	struct evconnlistener *listener;
	char                   path[CONF_SOCK_MAX];
	struct api_conn       *conns;
	unsigned               nconns;
	uint64_t               next_id;
};

const char *api_role_name(enum api_role r)
{
	switch (r) {
	case API_ROLE_ADMIN: return "admin";
	case API_ROLE_OPERATOR: return "operator";
	default: return "none";
	}
}

/* ---- identity --------------------------------------------------------- */

static bool group_gid(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];
	if (name[0] == '\0' || getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
		return false;
	*gid = gr.gr_gid;
	return true;
}

/* Role from the kernel's word for who is calling (SO_PEERCRED). */
static enum api_role caller_role(const struct conf *c, uid_t uid, gid_t gid, char *login, size_t loginlen)
{
	struct passwd pw, *pwres = NULL;
	char buf[4096];
	gid_t groups[API_MAX_GROUPS];
	int ngroups = API_MAX_GROUPS;
	gid_t admin = 0, oper = 0;
	bool have_admin = group_gid(c->admin_group, &admin);
	bool have_oper = group_gid(c->operator_group, &oper);

	snprintf(login, loginlen, "uid%u", (unsigned)uid);
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwres) == 0 && pwres) {
		snprintf(login, loginlen, "%s", pw.pw_name);
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
			ngroups = API_MAX_GROUPS;   /* truncated list: the first ones still count */
	} else {
		ngroups = 0;
	}
	if (uid == 0 || uid == geteuid())
		return API_ROLE_ADMIN;
	bool is_admin = have_admin && gid == admin, is_oper = have_oper && gid == oper;
	for (int i = 0; i < ngroups; i++) {
		is_admin = is_admin || (have_admin && groups[i] == admin);
		is_oper = is_oper || (have_oper && groups[i] == oper);
	}
	return is_admin ? API_ROLE_ADMIN : is_oper ? API_ROLE_OPERATOR : API_ROLE_NONE;
}

/* ---- replies ---------------------------------------------------------- */

static void audit(struct api *a, const struct api_conn *c, const char *cmd, json_t *args, const char *result);

static void conn_free(struct api_conn *c)
{
	struct api *a = c->api;
	if (c->pending_cmd && c->pending_cmd->changes)
		audit(a, c, c->pending_cmd->name, c->pending_args, "started; the client left before the answer");
	json_decref(c->pending_args);
	for (struct api_conn **p = &a->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	a->nconns--;
	json_decref(c->pending_result);
	bufferevent_free(c->bev);
	free(c);
}

static void send_json(struct api_conn *c, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		text = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
		if (text == NULL)
			return;
	}
	struct evbuffer *out = bufferevent_get_output(c->bev);
	evbuffer_add(out, text, strlen(text));
	evbuffer_add(out, "\n", 1);
	free(text);
}

static void reply_ok(struct api_conn *c, json_t *result)
{
	json_t *o = json_object();
	json_object_set_new(o, "ok", json_true());
	json_object_set_new(o, "result", result ? result : json_null());
	send_json(c, o);
	json_decref(o);
}

static void reply_err(struct api_conn *c, const char *msg)
{
	json_t *o = json_object();
	json_t *m = json_string(msg);
	json_object_set_new(o, "ok", json_false());
	json_object_set_new(o, "error", m ? m : json_string("(unprintable error)"));
	send_json(c, o);
	json_decref(o);
}

void api_audit(struct menjind *d, const struct api_caller *who, const char *cmd, json_t *args, const char *result)
{
	char *argtext = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char uid[16], msg[512];
	snprintf(uid, sizeof(uid), "%u", who->uid);
	snprintf(msg, sizeof(msg), "%s by %s (uid %u, %s%s%s): %s", cmd, who->user, who->uid, api_role_name(who->role),
		 who->source[0] ? ", from " : "", who->source, result);
	if (store_audit_add_source(d->store, event_now_ms(), who->uid, who->user, who->source, cmd,
				   argtext ? argtext : "{}", result) < 0)
		log_err("api", "audit record not stored: %s", msg);
	struct event ev = { .severity = LOG_NOTICE, .kind = "audit", .msg = msg };
	event_param(&ev, "uid", uid);
	event_param(&ev, "user", who->user);
	event_param(&ev, "login", who->login);
	event_param(&ev, "role", api_role_name(who->role));
	if (who->source[0])
		event_param(&ev, "source", who->source);
	event_param(&ev, "cmd", cmd);
	event_param(&ev, "args", argtext ? argtext : "{}");
	event_param(&ev, "result", result);
	events_emit(d->events, &ev);
	free(argtext);
}

/* Every changing call, allowed or not: store and syslog. */
static void audit(struct api *a, const struct api_conn *c, const char *cmd, json_t *args, const char *result)
{
	api_audit(a->d, &c->who, cmd, args, result);
}

/* ---- asynchronous stats ----------------------------------------------- */

static struct api_conn *conn_by_id(struct api *a, uint64_t id)
{
	for (struct api_conn *c = a->conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static void read_cb(struct bufferevent *bev, void *arg);

static void stats_answer(void *ctx, uint64_t cookie, int err, const struct fpchan_counter *ctr, unsigned n)
{
	struct api *a = ctx;
	struct api_conn *c = conn_by_id(a, cookie);
	if (c == NULL)
		return;   /* the client left before the fast path answered */
	json_t *result = c->pending_result;
	c->pending_result = NULL;
	c->pending = false;
	json_t *fp = json_object_get(result, "fastpath");
	if (err == 0) {
		json_t *counters = json_object();
		for (unsigned i = 0; i < n; i++)
			json_object_set_new(counters, ctr[i].name, json_integer((json_int_t)ctr[i].value));
		json_object_set_new(fp, "counters", counters);
	} else {
		json_object_set_new(fp, "counters", json_null());
		json_object_set_new(fp, "counters_error", json_string(strerror(-err)));
	}
	reply_ok(c, result);
	/* Requests that arrived meanwhile are waiting in the input buffer. */
	if (!c->closing)
		read_cb(c->bev, c);
}

void api_answer(struct api *a, uint64_t request, int err, const char *msg)
{
	struct api_conn *c = a ? conn_by_id(a, request) : NULL;
	if (c == NULL || !c->pending_cmd)
		return;   /* the client left before the answer */
	const struct apicmd *ac = c->pending_cmd;
	json_t *result = c->pending_result, *args = c->pending_args;
	char text[APICMD_ERR_MAX];
	c->pending_cmd = NULL;
	c->pending_result = NULL;
	c->pending_args = NULL;
	c->pending = false;
	if (err < 0)
		snprintf(text, sizeof(text), "%s", msg && msg[0] ? msg : strerror(-err));
	if (ac->changes)
		audit(a, c, ac->name, args, err < 0 ? text : "ok");
	if (err < 0) {
		reply_err(c, text);
		json_decref(result);
	} else {
		reply_ok(c, result);
	}
	json_decref(args);
	if (!c->closing)
		read_cb(c->bev, c);
}

/* ---- requests --------------------------------------------------------- */

static int send_backlog(void *ctx, int64_t id, int64_t ts_ms, const char *kind, const char *mac, const char *json)
{
	struct api_conn *c = ctx;
	(void)ts_ms;
	(void)kind;
	(void)mac;
	json_t *o = json_loads(json, 0, NULL);
	if (o == NULL)
		return 0;
	json_object_set_new(o, "id", json_integer(id));
	send_json(c, o);
	json_decref(o);
	return 0;
}

static void handle_line(struct api_conn *c, const char *line, size_t len)
{
	struct api *a = c->api;
	json_error_t jerr;
	char err[APICMD_ERR_MAX] = "";

	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL || !json_is_object(req)) {
		snprintf(err, sizeof(err), "bad request: %s", req ? "not a JSON object" : jerr.text);
		reply_err(c, err);
		json_decref(req);
		return;
	}
	json_t *cmdv = json_object_get(req, "cmd"), *args = json_object_get(req, "args"),
	       *user = json_object_get(req, "user"), *source = json_object_get(req, "source");
	if (!json_is_string(cmdv)) {
		reply_err(c, "bad request: \"cmd\" must be a string");
		goto out;
	}
	if (args && !json_is_object(args)) {
		reply_err(c, "bad request: \"args\" must be an object");
		goto out;
	}
	if (user && json_is_string(user) && json_string_length(user) > 0)
		snprintf(c->who.user, sizeof(c->who.user), "%.*s", API_USER_MAX - 1, json_string_value(user));
	else
		snprintf(c->who.user, sizeof(c->who.user), "%s", c->who.login);
	/* a display value like "user": the address the CLI's SSH_CLIENT names */
	if (source && json_is_string(source))
		snprintf(c->who.source, sizeof(c->who.source), "%.*s", API_SOURCE_MAX - 1, json_string_value(source));
	else
		c->who.source[0] = '\0';

	const char *cmd = json_string_value(cmdv);
	json_t *noargs = NULL;
	if (args == NULL)
		args = noargs = json_object();
	const struct apicmd *ac = apicmd_find(cmd);
	if (ac == NULL) {
		snprintf(err, sizeof(err), "unknown command '%.64s' (\"commands\" lists them)", cmd);
		reply_err(c, err);
		json_decref(noargs);
		goto out;
	}
	if (c->who.role < ac->role) {
		snprintf(err, sizeof(err), "permission denied: %s needs the %s role, %s (uid %u) is %s", ac->name,
			 api_role_name(ac->role), c->who.login, c->who.uid, api_role_name(c->who.role));
		if (ac->changes)
			audit(a, c, ac->name, args, err);
		reply_err(c, err);
		json_decref(noargs);
		goto out;
	}

	if (strcmp(ac->name, "stats") == 0) {
		json_t *result = apicmd_stats_local(a->d, a->nconns);
		if (fpchan_stats(a->d->fp, stats_answer, a, c->id) == 0) {
			c->pending = true;
			c->pending_result = result;
		} else {
			json_object_set_new(json_object_get(result, "fastpath"), "counters", json_null());
			reply_ok(c, result);
		}
	} else if (strcmp(ac->name, "events.follow") == 0) {
		json_t *s = json_object_get(args, "since");
		int64_t last = 0;
		store_event_last_id(a->d->store, &last);
		reply_ok(c, json_pack("{s:b, s:I}", "following", 1, "last_id", (json_int_t)last));
		if (json_is_integer(s) && json_integer_value(s) < last) {
			int64_t since = json_integer_value(s);
			if (last - since > API_BACKLOG_EVENTS)
				since = last - API_BACKLOG_EVENTS;
			store_event_foreach(a->d->store, since, API_BACKLOG_EVENTS, send_backlog, c);
		}
		c->following = true;
		/* A follower may stay silent for as long as it likes. */
		bufferevent_set_timeouts(c->bev, NULL, NULL);
	} else {
		json_t *result = NULL;
		int rc = ac->fn(a->d, &c->who, args, &result, err, sizeof(err));
		if (rc == APICMD_PENDING) {
			/* read_cb stops until api_answer() */
			c->pending = true;
			c->pending_cmd = ac;
			c->pending_result = result;
			c->pending_args = json_incref(args);
			json_decref(noargs);
			goto out;
		}
		if (ac->changes)
			audit(a, c, ac->name, args, rc < 0 ? err : "ok");
		if (rc < 0) {
			if (err[0] == '\0')
				snprintf(err, sizeof(err), "%s", strerror(-rc));
			reply_err(c, err);
			json_decref(result);
		} else {
			reply_ok(c, result);
		}
	}
	json_decref(noargs);
out:
	json_decref(req);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct api_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	if (c->refusal[0] && (line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		/* Answered after the request is read, so a client that writes
		 * before it reads sees the reason rather than a broken pipe. */
		free(line);
		reply_err(c, c->refusal);
		c->closing = true;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	while (!c->refusal[0] && !c->pending && !c->closing && !c->following &&
	       (line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len > 0)
			handle_line(c, line, len);
		free(line);
	}
	if (c->following) {
		/* Followers only listen; what they send is discarded. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (evbuffer_get_length(in) > API_MAX_LINE) {
		char err[96];
		snprintf(err, sizeof(err), "request longer than %d bytes", API_MAX_LINE);
		reply_err(c, err);
		evbuffer_drain(in, evbuffer_get_length(in));
		c->closing = true;
		bufferevent_disable(bev, EV_READ);
	}
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct api_conn *c = arg;
	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct api_conn *c = arg;
	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("api", "uid %u idle for %d s: closed", c->who.uid, API_IDLE_TIMEOUT_S);
	/* A client that sends its request and shuts down its side (socat,
	 * nc -N) still gets the answer: close once it is written. */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && !c->following &&
	    (c->pending || evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)) {
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_free(c);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct api *a = arg;
	struct ucred cred;
	socklen_t credlen = sizeof(cred);
	(void)l;
	(void)sa;
	(void)salen;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) < 0) {
		log_warn("api", "SO_PEERCRED: %s; connection refused", strerror(errno));
		close(fd);
		return;
	}
	struct api_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->api = a;
	c->id = ++a->next_id;
	c->who.request = c->id;
	c->who.uid = cred.uid;
	c->who.pid = cred.pid;
	c->who.role = caller_role(a->d->conf, cred.uid, cred.gid, c->who.login, sizeof(c->who.login));
	snprintf(c->who.user, sizeof(c->who.user), "%s", c->who.login);
	c->bev = bufferevent_socket_new(a->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->next = a->conns;
	a->conns = c;
	a->nconns++;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	struct timeval idle = { .tv_sec = API_IDLE_TIMEOUT_S };
	bufferevent_set_timeouts(c->bev, &idle, NULL);

	if (c->who.role == API_ROLE_NONE || a->nconns > API_MAX_CLIENTS) {
		if (c->who.role == API_ROLE_NONE)
			snprintf(c->refusal, sizeof(c->refusal), "permission denied: %s (uid %u) is in neither %s nor %s",
				 c->who.login, c->who.uid, a->d->conf->admin_group, a->d->conf->operator_group);
		else
			snprintf(c->refusal, sizeof(c->refusal), "too many clients (%d)", API_MAX_CLIENTS);
		log_warn("api", "pid %d: %s", (int)cred.pid, c->refusal);
		/* A short leash: the reply goes out with the first line or in 5 s. */
		struct timeval t = { .tv_sec = 5 };
		bufferevent_set_timeouts(c->bev, &t, NULL);
	} else {
		log_debug("api", "client uid %u (%s) pid %d connected as %s", c->who.uid, c->who.login, (int)cred.pid,
			  api_role_name(c->who.role));
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- setup ------------------------------------------------------------ */

int api_new(struct menjind *d, struct api **out, char *err, size_t errlen)
{
	struct api *a = calloc(1, sizeof(*a));
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	*out = NULL;
	if (a == NULL)
		return -ENOMEM;
	a->d = d;
	snprintf(a->path, sizeof(a->path), "%s", d->conf->api_socket);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", a->path);
	/* A socket left by a previous run (kill -9) is removed; anything else
	 * at that path is not ours to delete. */
	if (lstat(a->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", a->path);
			free(a);
			return -EEXIST;
		}
		unlink(a->path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "api socket: %s", strerror(errno));
		free(a);
		return -errno;
	}
	mode_t old = umask(0117);   /* born 0660: never a moment of wider access */
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || listen(fd, 16) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", a->path, strerror(e));
		close(fd);
		free(a);
		return -e;
	}
	gid_t gid;
	if (group_gid(d->conf->operator_group, &gid) || group_gid(d->conf->admin_group, &gid)) {
		if (chown(a->path, (uid_t)-1, gid) < 0)
			log_warn("api", "chown %s: %s", a->path, strerror(errno));
	} else {
		log_warn("api", "groups %s and %s do not exist: only root can use %s", d->conf->operator_group,
			 d->conf->admin_group, a->path);
	}
	chmod(a->path, 0660);
	a->listener = evconnlistener_new(d->base, accept_cb, a, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (a->listener == NULL) {
		snprintf(err, errlen, "api listener: out of memory");
		close(fd);
		free(a);
		return -ENOMEM;
	}
	log_info("api", "listening on %s", a->path);
	*out = a;
	return 0;
}

void api_free(struct api *a)
{
	if (a == NULL)
		return;
	while (a->conns)
		conn_free(a->conns);
	evconnlistener_free(a->listener);
	unlink(a->path);
	free(a);
}

void api_event(struct api *a, int64_t id, const char *json)
{
	(void)id;
	struct api_conn *next;
	for (struct api_conn *c = a->conns; c; c = next) {
		next = c->next;
		if (!c->following || c->closing)
			continue;
		struct evbuffer *out = bufferevent_get_output(c->bev);
		if (evbuffer_get_length(out) > API_MAX_OUTPUT) {
			log_warn("api", "uid %u does not read its event stream: dropped", c->who.uid);
			conn_free(c);
			continue;
		}
		evbuffer_add(out, json, strlen(json));
		evbuffer_add(out, "\n", 1);
	}
}

unsigned api_client_count(const struct api *a)
{
	return a->nconns;
}
