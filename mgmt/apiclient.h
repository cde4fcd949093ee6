/* apiclient.h — menjin-cli's side of api.sock: connect, one request, replies.
 *
 * One connection per request (menjind closes clients idle for five
 * minutes, and an interactive session is idle most of the time), except
 * `monitor events`, which keeps its connection and reads the stream.
 * Every wait is bounded (APICLIENT_TIMEOUT_MS) and a Ctrl-C (the flag the
 * SIGINT handler sets) ends it.
 */
#ifndef MENJIN_APICLIENT_H
#define MENJIN_APICLIENT_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define APICLIENT_TIMEOUT_MS      30000   /* a reply (stats waits for the fast path) */
#define APICLIENT_QUICK_MS        2000    /* completion words: the prompt must not hang */
#define APICLIENT_CONNECT_MS      5000
#define APICLIENT_DEFAULT_SOCKET  "/run/menjin/api.sock"

struct apiclient {
	int    fd;
	char  *buf;          /* bytes read, not yet returned as lines */
	size_t len, cap;
	size_t consumed;     /* bytes of the line handed out last (and its newline) */
	const volatile sig_atomic_t *stop;   /* set by SIGINT: give up waiting */
};

/* err says what an administrator can do about it ("menjind is not running"). */
int apiclient_connect(struct apiclient *c, const char *path, const volatile sig_atomic_t *stop, char *err,
		      size_t errlen);
void apiclient_close(struct apiclient *c);
int apiclient_send(struct apiclient *c, json_t *req, int timeout_ms, char *err, size_t errlen);
/* One line (without the newline, NUL-terminated) into *line, valid until the next call.
 * timeout_ms < 0 waits for ever (until *stop). -ETIMEDOUT, -EINTR,
 * -ECONNRESET (menjind closed), -EMSGSIZE (longer than CLI_REPLY_MAX). */
int apiclient_read_line(struct apiclient *c, int timeout_ms, char **line, size_t *len, char *err, size_t errlen);

/* Connect, send req, read the reply, close. 0 with *result (a new
 * reference); -EREMOTEIO with menjind's error in err; other errors are the
 * transport's. req is not consumed. */
int api_call(const char *path, json_t *req, int timeout_ms, const volatile sig_atomic_t *stop, json_t **result,
	     char *err, size_t errlen);

#endif
