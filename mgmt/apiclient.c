/* apiclient.c — menjin-cli's side of api.sock (see apiclient.h). */
#include "apiclient.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli_api.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready; 0, -ETIMEDOUT or -EINTR (Ctrl-C). */
static int wait_fd(const struct apiclient *c, short events, long long deadline)
{
	for (;;) {
		if (c->stop && *c->stop)
			return -EINTR;
		int left = -1;
		if (deadline >= 0) {
			long long l = deadline - now_ms();
			if (l <= 0)
				return -ETIMEDOUT;
			left = l > 1000 ? 1000 : (int)l;
		} else {
			left = 1000;   /* wake up now and then to see the stop flag */
		}
		struct pollfd p = { .fd = c->fd, .events = events };
		int n = poll(&p, 1, left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

int apiclient_connect(struct apiclient *c, const char *path, const volatile sig_atomic_t *stop, char *err,
		      size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->stop = stop;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %.64s...", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;
		if (e == EINPROGRESS || e == EAGAIN) {
			/* a full backlog: wait a little for menjind to accept */
			int rc = wait_fd(c, POLLOUT, now_ms() + APICLIENT_CONNECT_MS);
			socklen_t l = sizeof(e);
			if (rc == 0 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e == 0)
				return 0;
			if (rc < 0)
				e = -rc;
		}
		if (e == ENOENT || e == ECONNREFUSED)
			snprintf(err, errlen, "menjind is not running (nothing answers on %s)", path);
		else if (e == EACCES || e == EPERM)
			snprintf(err, errlen,
				 "permission denied on %s: your account is in neither menjin-operator nor menjin-admin",
				 path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		close(c->fd);
		c->fd = -1;
		return -e;
	}
	return 0;
}

void apiclient_close(struct apiclient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
	c->len = c->cap = c->consumed = 0;
}

int apiclient_send(struct apiclient *c, json_t *req, int timeout_ms, char *err, size_t errlen)
{
	char *text = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
	long long deadline = now_ms() + timeout_ms;
	size_t len, off = 0;
	int rc = 0;

	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	len = strlen(text);
	while (off <= len) {
		/* the newline ends the request */
		const char *p = off < len ? text + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((rc = wait_fd(c, POLLOUT, deadline)) < 0)
				break;
			continue;
		}
		rc = w < 0 ? -errno : -EIO;
		break;
	}
	free(text);
	if (rc == -ETIMEDOUT)
		snprintf(err, errlen, "menjind does not take the request (%d s)", timeout_ms / 1000);
	else if (rc == -EINTR)
		snprintf(err, errlen, "interrupted");
	else if (rc < 0)
		snprintf(err, errlen, "menjind closed the connection (%s)", strerror(-rc));
	return rc;
}

int apiclient_read_line(struct apiclient *c, int timeout_ms, char **line, size_t *len, char *err, size_t errlen)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	size_t scanned = 0;

	/* the line handed out last time is done with now */
	if (c->consumed) {
		memmove(c->buf, c->buf + c->consumed, c->len - c->consumed);
		c->len -= c->consumed;
		c->consumed = 0;
	}
	for (;;) {
		char *nl = c->len > scanned ? memchr(c->buf + scanned, '\n', c->len - scanned) : NULL;
		if (nl) {
			*nl = '\0';
			*line = c->buf;
			*len = (size_t)(nl - c->buf);
			c->consumed = *len + 1;
			return 0;
		}
		scanned = c->len;
		if (c->len >= CLI_REPLY_MAX) {
			snprintf(err, errlen, "menjind's answer is longer than %u MB", CLI_REPLY_MAX >> 20);
			return -EMSGSIZE;
		}
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 131072;
			if (cap > CLI_REPLY_MAX + 65536)
				cap = CLI_REPLY_MAX + 65536;
			char *b = realloc(c->buf, cap);
			if (b == NULL) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			c->buf = b;
			c->cap = cap;
		}
		ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (r > 0) {
			c->len += (size_t)r;
			continue;
		}
		if (r == 0) {
			snprintf(err, errlen, "menjind closed the connection without answering");
			return -ECONNRESET;
		}
		if (errno != EAGAIN && errno != EINTR) {
			int e = errno;
			snprintf(err, errlen, "api.sock: %s", strerror(e));
			return -e;
		}
		int rc = wait_fd(c, POLLIN, deadline);
		if (rc == -ETIMEDOUT) {
			snprintf(err, errlen, "menjind did not answer within %d s", timeout_ms / 1000);
			return rc;
		}
		if (rc == -EINTR) {
			snprintf(err, errlen, "interrupted");
			return rc;
		}
		if (rc < 0) {
			snprintf(err, errlen, "api.sock: %s", strerror(-rc));
			return rc;
		}
	}
}

int api_call(const char *path, json_t *req, int timeout_ms, const volatile sig_atomic_t *stop, json_t **result,
	     char *err, size_t errlen)
{
	struct apiclient c;
	char *line;
	size_t len;
	int rc;

	*result = NULL;
	if ((rc = apiclient_connect(&c, path, stop, err, errlen)) < 0)
		return rc;
	rc = apiclient_send(&c, req, timeout_ms, err, errlen);
	/* refused callers get their answer at once, before reading anything:
	 * read it even when the send failed */
	if (rc == 0 || rc == -EPIPE || rc == -ECONNRESET) {
		char serr[256];
		snprintf(serr, sizeof(serr), "%s", err);
		int r2 = apiclient_read_line(&c, timeout_ms, &line, &len, err, errlen);
		if (r2 == 0)
			rc = cli_api_reply(line, len, result, err, errlen);
		else if (rc == 0)
			rc = r2;
		else
			snprintf(err, errlen, "%s", serr);
	}
	apiclient_close(&c);
	return rc;
}
