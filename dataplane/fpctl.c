/* fpctl.c — menjin-fpctl, the scriptable client of the fast path's control
 * socket: one command from the arguments, or one per line from a file.
 * The words become messages in fpctl_cmd.c; this file connects, sends,
 * waits for the answers and chooses the exit code:
 *   0 done, 1 refused or bad arguments, 2 no connection or no answer,
 *   3 listen timed out.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fpctl_cmd.h"
#include "fpmsg.h"

enum {
	EXIT_DONE    = 0,
	EXIT_REFUSED = 1,
	EXIT_CONN    = 2,
	EXIT_TIMEOUT = 3,
};

#define ANSWER_TIMEOUT_MS  5000
/* A COMMIT answers when its tables are built: a million prefixes take
 * seconds, more on a loaded machine. */
#define COMMIT_TIMEOUT_MS  300000
#define SOCKET_BUFFER      (1024 * 1024)

struct conn {
	int fd;
	const char *path;
	uint32_t seq;
	bool listening;         /* subscribed to punts and events */
	int timeout_ms;         /* for the answer being waited for */
	unsigned long punts;    /* printed so far, when listening */
	uint8_t *buf;           /* FPMSG_MAX_SIZE, the last datagram received */
	uint8_t *hello;         /* copy of the HELLO answer */
	size_t hello_len;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: menjin-fpctl [-s SOCKET] COMMAND [ARGS...]\n"
		"       menjin-fpctl [-s SOCKET] -f FILE|-\n"
		"socket: -s, else $MENJIN_FP_SOCKET, else " FPMSG_DEFAULT_SOCKET "\n"
		"commands:\n"
		"  hello\n"
		"  device-set MAC unknown|quarantined|admitted|blocked [role N] [flags N]\n"
		"  device-load FILE            lines: MAC STATE [role N] [flags N]\n"
		"  device-del MAC\n"
		"  device-dump\n"
		"  acl-clear\n"
		"  acl-set ROLE default permit|deny [rule permit|deny [proto tcp|udp|icmp|icmpv6|any|N]\n"
		"          [to ADDR[/PLEN]] [port LO[-HI]] [id N]]...\n"
		"  blocklist-set [replace] PREFIX[=ID]...\n"
		"  blocklist-load [replace] FILE  lines: PREFIX[=ID]\n"
		"  commit GENERATION\n"
		"  stats [PATTERN]\n"
		"  tx PORT HEX\n"
		"  capture PORT COUNT PATH [FILTER...]\n"
		"  listen [count N] [timeout SEC]\n");
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- the connection ----------------------------------------------------- */

static int conn_send(struct conn *c, struct nl_msg *msg, uint32_t *seq)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	/* Sequence 0 is for unsolicited messages; skip it when wrapping. */
	if (++c->seq == 0)
		c->seq = 1;
	nlh->nlmsg_seq = *seq = c->seq;
	if (send(c->fd, nlh, nlh->nlmsg_len, MSG_NOSIGNAL) != (ssize_t)nlh->nlmsg_len) {
		fprintf(stderr, "fpctl: send to %s: %s\n", c->path, strerror(errno));
		return EXIT_CONN;
	}
	return EXIT_DONE;
}

/* Wait until deadline (-1: forever) for one datagram and validate it.
 * Returns 1 with a message, 0 on timeout, or an exit code after saying why. */
static int conn_recv(struct conn *c, int64_t deadline, struct nlmsghdr **nlh,
		     struct nlattr *tb[FPA_MAX + 1])
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct iovec iov = { .iov_base = c->buf, .iov_len = FPMSG_MAX_SIZE };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	char why[512];
	ssize_t n;
	int rc;

	for (;;) {
		int wait = -1;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		rc = poll(&pfd, 1, wait);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			fprintf(stderr, "fpctl: poll: %s\n", strerror(errno));
			return -EXIT_CONN;
		}
		if (rc == 0)
			return 0;
		break;
	}
	n = recvmsg(c->fd, &mh, 0);
	if (n < 0) {
		fprintf(stderr, "fpctl: receive from %s: %s\n", c->path, strerror(errno));
		return -EXIT_CONN;
	}
	if (n == 0) {
		fprintf(stderr, "fpctl: %s closed the connection\n", c->path);
		return -EXIT_CONN;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		fprintf(stderr, "fpctl: message from %s larger than %d bytes\n", c->path,
			FPMSG_MAX_SIZE);
		return -EXIT_CONN;
	}
	if (fpmsg_parse(c->buf, (size_t)n, nlh, tb, why, sizeof(why)) < 0) {
		fprintf(stderr, "fpctl: bad message from %s: %s\n", c->path, why);
		return -EXIT_CONN;
	}
	return 1;
}

/* An unsolicited message: printed when listening, ignored otherwise. */
static void conn_unsolicited(struct conn *c, const struct nlmsghdr *nlh,
			    struct nlattr *tb[FPA_MAX + 1])
{
	if (!c->listening)
		return;
	if (nlh->nlmsg_type == FPMSG_PKT_PUNT) {
		fpctl_print_punt(stdout, tb);
		fflush(stdout);
		c->punts++;
	} else if (nlh->nlmsg_type == FPMSG_EVENT) {
		fpctl_print_event(stdout, tb);
		fflush(stdout);
	}
}

/* Read until the answer carrying `seq` arrives. Returns EXIT_DONE with
 * *nlh and tb[] filled, or an exit code after saying why. */
static int conn_answer(struct conn *c, uint32_t seq, struct nlmsghdr **nlh,
		       struct nlattr *tb[FPA_MAX + 1])
{
	int64_t deadline = now_ms() + (c->timeout_ms ? c->timeout_ms : ANSWER_TIMEOUT_MS);

	for (;;) {
		int rc = conn_recv(c, deadline, nlh, tb);

		if (rc < 0)
			return -rc;
		if (rc == 0) {
			fprintf(stderr, "fpctl: no answer from %s\n", c->path);
			return EXIT_CONN;
		}
		if ((*nlh)->nlmsg_seq == seq)
			return EXIT_DONE;
		/* Seq 0 is a punt or an event; any other is late, from nobody we wait for. */
		if ((*nlh)->nlmsg_seq == 0)
			conn_unsolicited(c, *nlh, tb);
	}
}

/* An NLMSG_ERROR answer to a request of `type`: EXIT_DONE for an ack. */
static int check_ack(const struct nlmsghdr *nlh, int type)
{
	char text[FPMSG_TEXT_MAX];
	int code = fpmsg_error_code(nlh, text, sizeof(text));

	if (code == 0)
		return EXIT_DONE;
	fprintf(stderr, "fpctl: %s refused: %s (%s)\n", fpmsg_type_name(type),
		text[0] ? text : "no reason given", strerror(-code));
	return EXIT_REFUSED;
}

static int unexpected(const struct conn *c, const struct nlmsghdr *nlh, int type)
{
	fprintf(stderr, "fpctl: unexpected %s from %s in answer to %s\n",
		fpmsg_type_name(nlh->nlmsg_type), c->path, fpmsg_type_name(type));
	return EXIT_CONN;
}

static int check_hello(struct conn *c, struct nlmsghdr *nlh, struct nlattr *tb[FPA_MAX + 1])
{
	uint32_t version;

	if (nlh->nlmsg_type == NLMSG_ERROR)
		return check_ack(nlh, FPMSG_HELLO) == EXIT_DONE ?
		       unexpected(c, nlh, FPMSG_HELLO) : EXIT_REFUSED;
	if (nlh->nlmsg_type != FPMSG_HELLO)
		return unexpected(c, nlh, FPMSG_HELLO);
	version = tb[FPA_VERSION] ? nla_get_u32(tb[FPA_VERSION]) : 0;
	if (version != FPMSG_VERSION) {
		fprintf(stderr, "fpctl: %s speaks version %u, fpctl version %d\n", c->path,
			version, FPMSG_VERSION);
		return EXIT_CONN;
	}
	return EXIT_DONE;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c->hello);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int conn_open(struct conn *c, const char *path, uint32_t subscribe)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	struct nl_msg *hello;
	int size = SOCKET_BUFFER, rc;
	uint32_t seq;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = path;
	c->listening = subscribe != 0;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "fpctl: socket path too long: %s\n", path);
		return EXIT_CONN;
	}
	strcpy(sun.sun_path, path);
	c->buf = malloc(FPMSG_MAX_SIZE);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->buf == NULL || c->fd < 0) {
		fprintf(stderr, "fpctl: socket: %s\n", strerror(c->buf ? errno : ENOMEM));
		return EXIT_CONN;
	}
	/* Batches of a thousand devices are acked one by one, but dumps and
	 * punt bursts come faster than a script reads them. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		fprintf(stderr, "fpctl: warning: socket buffers: %s\n", strerror(errno));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "fpctl: connect to %s: %s\n", path, strerror(errno));
		return EXIT_CONN;
	}
	hello = fpctl_hello(subscribe);
	if (hello == NULL) {
		fprintf(stderr, "fpctl: out of memory\n");
		return EXIT_CONN;
	}
	rc = conn_send(c, hello, &seq);
	nlmsg_free(hello);
	if (rc == EXIT_DONE)
		rc = conn_answer(c, seq, &nlh, tb);
	if (rc == EXIT_DONE)
		rc = check_hello(c, nlh, tb);
	if (rc != EXIT_DONE)
		return rc;
	c->hello = malloc(nlh->nlmsg_len);
	if (c->hello == NULL) {
		fprintf(stderr, "fpctl: out of memory\n");
		return EXIT_CONN;
	}
	memcpy(c->hello, nlh, nlh->nlmsg_len);
	c->hello_len = nlh->nlmsg_len;
	return EXIT_DONE;
}

/* --- requests ----------------------------------------------------------- */

static int print_hello(const struct conn *c, const uint8_t *buf, size_t len)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	char why[512];

	if (fpmsg_parse(buf, len, &nlh, tb, why, sizeof(why)) < 0 ||
	    fpctl_print_hello(stdout, nlh, tb, why, sizeof(why)) < 0) {
		fprintf(stderr, "fpctl: bad HELLO from %s: %s\n", c->path, why);
		return EXIT_CONN;
	}
	return EXIT_DONE;
}

/* Send one message and read its answer(s) as `answer` says. */
static int transact(struct conn *c, struct nl_msg *msg, enum fpctl_answer answer,
		    const char *pattern)
{
	int type = nlmsg_hdr(msg)->nlmsg_type;
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	char why[512];
	uint32_t seq;
	int rc;

	rc = conn_send(c, msg, &seq);
	c->timeout_ms = type == FPMSG_COMMIT ? COMMIT_TIMEOUT_MS : ANSWER_TIMEOUT_MS;
	while (rc == EXIT_DONE) {
		rc = conn_answer(c, seq, &nlh, tb);
		if (rc != EXIT_DONE)
			return rc;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			rc = check_ack(nlh, type);
			/* An ack ends a dump too, though NLMSG_DONE is what we expect. */
			if (rc == EXIT_DONE && (answer == FPCTL_ANSWER_HELLO ||
						answer == FPCTL_ANSWER_STATS))
				return unexpected(c, nlh, type);
			return rc;
		}
		switch (answer) {
		case FPCTL_ANSWER_ACK:
			return unexpected(c, nlh, type);
		case FPCTL_ANSWER_HELLO:
			rc = check_hello(c, nlh, tb);
			return rc == EXIT_DONE ? print_hello(c, c->buf, nlh->nlmsg_len) : rc;
		case FPCTL_ANSWER_DUMP:
			if (nlh->nlmsg_type == NLMSG_DONE)
				return EXIT_DONE;
			if (nlh->nlmsg_type != FPMSG_DEVICE_SET)
				return unexpected(c, nlh, type);
			if (fpctl_print_devices(stdout, nlh, why, sizeof(why)) < 0) {
				fprintf(stderr, "fpctl: bad answer from %s: %s\n", c->path, why);
				return EXIT_CONN;
			}
			if (!(nlh->nlmsg_flags & NLM_F_MULTI))
				return EXIT_DONE;
			break;
		case FPCTL_ANSWER_STATS:
			if (nlh->nlmsg_type == NLMSG_DONE)
				return EXIT_DONE;
			if (nlh->nlmsg_type != FPMSG_STATS)
				return unexpected(c, nlh, type);
			if (fpctl_print_counters(stdout, nlh, pattern, why, sizeof(why)) < 0) {
				fprintf(stderr, "fpctl: bad answer from %s: %s\n", c->path, why);
				return EXIT_CONN;
			}
			if (!(nlh->nlmsg_flags & NLM_F_MULTI))
				return EXIT_DONE;
			break;
		}
	}
	return rc;
}

static int run_request(struct conn *c, struct fpctl_request *req)
{
	int rc = EXIT_DONE;

	for (size_t i = 0; i < req->nmsgs && rc == EXIT_DONE; i++)
		rc = transact(c, req->msgs[i], req->answer, req->pattern);
	if (rc == EXIT_DONE && req->capture)
		printf("capture started\n");
	return rc;
}

/* The lines of a load file, parsed whole before anything is sent, so that
 * a bad line at the end does not leave half a file applied. */
struct load {
	bool devices;           /* else prefixes */
	size_t n, cap;
	union {
		struct fpmsg_device *dev;
		struct fpmsg_prefix *pfx;
	} items;
};

static int load_read(const char *path, struct load *l)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL, *words[FPCTL_MAX_WORDS], why[256];
	size_t linecap = 0, lineno = 0;
	int rc = EXIT_DONE;

	if (f == NULL) {
		fprintf(stderr, "fpctl: %s: %s\n", path, strerror(errno));
		return EXIT_REFUSED;
	}
	while (rc == EXIT_DONE && getline(&line, &linecap, f) >= 0) {
		int argc = fpctl_split(line, words, FPCTL_MAX_WORDS);
		size_t size = l->devices ? sizeof(*l->items.dev) : sizeof(*l->items.pfx);

		lineno++;
		if (argc == 0)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 1024;
			void *grown = realloc(l->items.dev, cap * size);

			if (grown == NULL) {
				fprintf(stderr, "fpctl: %s: out of memory\n", path);
				rc = EXIT_REFUSED;
				break;
			}
			l->items.dev = grown;
			l->cap = cap;
		}
		if (argc < 0) {
			snprintf(why, sizeof(why), "%s",
				 argc == -E2BIG ? "too many words" : "unterminated quote");
		} else if (l->devices) {
			argc = fpctl_parse_device(argc, words, &l->items.dev[l->n], why, sizeof(why));
		} else if (argc != 1) {
			snprintf(why, sizeof(why), "expected one PREFIX[=ID] per line");
			argc = -EINVAL;
		} else {
			argc = fpctl_parse_prefix(words[0], &l->items.pfx[l->n], why, sizeof(why));
		}
		if (argc < 0) {
			fprintf(stderr, "fpctl: %s:%zu: %s\n", path, lineno, why);
			rc = EXIT_REFUSED;
		}
		l->n++;
	}
	if (rc == EXIT_DONE && ferror(f)) {
		fprintf(stderr, "fpctl: %s: read error\n", path);
		rc = EXIT_REFUSED;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

static int load_send(struct conn *c, const struct load *l, int type, unsigned int per_msg,
		     uint32_t first_flags)
{
	struct fpctl_batch batch;
	struct nl_msg *msg;
	int rc = EXIT_DONE;

	fpctl_batch_init(&batch, type, per_msg, first_flags);
	for (size_t i = 0; i < l->n && rc == EXIT_DONE; i++) {
		int added;

		while ((added = l->devices ? fpctl_batch_add_device(&batch, &l->items.dev[i]) :
			       fpctl_batch_add_prefix(&batch, &l->items.pfx[i])) == 1 &&
		       rc == EXIT_DONE) {
			msg = fpctl_batch_take(&batch);
			rc = transact(c, msg, FPCTL_ANSWER_ACK, NULL);
			nlmsg_free(msg);
		}
		if (added < 0) {
			fprintf(stderr, "fpctl: cannot encode item %zu: %s\n", i + 1, strerror(-added));
			rc = EXIT_REFUSED;
		}
	}
	if (rc == EXIT_DONE && (msg = fpctl_batch_take(&batch)) != NULL) {
		rc = transact(c, msg, FPCTL_ANSWER_ACK, NULL);
		nlmsg_free(msg);
	}
	fpctl_batch_free(&batch);
	return rc;
}

/* Connect on first use, so that a bad first command needs no fast path. */
static int conn_ready(struct conn *c, const char *path)
{
	if (c->fd >= 0)
		return EXIT_DONE;
	return conn_open(c, path, 0);
}

static int run_load(struct conn *c, const char *path, int argc, char *argv[])
{
	bool devices = strcmp(argv[0], "device-load") == 0;
	bool replace = !devices && argc == 3 && strcmp(argv[1], "replace") == 0;
	struct load l = { .devices = devices };
	int rc;

	if (argc != (replace ? 3 : 2)) {
		fprintf(stderr, "fpctl: usage: %s\n", devices ? "device-load FILE" :
			"blocklist-load [replace] FILE");
		return EXIT_REFUSED;
	}
	rc = load_read(argv[argc - 1], &l);
	if (rc == EXIT_DONE)
		rc = conn_ready(c, path);
	if (rc == EXIT_DONE && devices)
		rc = load_send(c, &l, FPMSG_DEVICE_SET, FPCTL_DEVICES_PER_MSG, 0);
	else if (rc == EXIT_DONE)
		rc = load_send(c, &l, FPMSG_BLOCKLIST_SET, FPCTL_PREFIXES_PER_MSG,
			       replace ? FPF_REPLACE : 0);
	free(l.items.dev);
	return rc;
}

static int run_listen(const char *path, int argc, char *argv[])
{
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	struct conn c;
	unsigned long count;
	int timeout_sec, rc;
	int64_t deadline;
	char why[256];

	if (fpctl_parse_listen(argc - 1, argv + 1, &count, &timeout_sec, why, sizeof(why)) < 0) {
		fprintf(stderr, "fpctl: listen: %s\n", why);
		return EXIT_REFUSED;
	}
	deadline = timeout_sec < 0 ? -1 : now_ms() + (int64_t)timeout_sec * 1000;
	rc = conn_open(&c, path, FPS_PUNT | FPS_EVENT);
	/* Punts may come before the HELLO answer; they count too. */
	while (rc == EXIT_DONE && (count == 0 || c.punts < count)) {
		rc = conn_recv(&c, deadline, &nlh, tb);
		if (rc < 0) {
			rc = -rc;
			break;
		}
		if (rc == 0) {
			rc = EXIT_TIMEOUT;
			break;
		}
		rc = EXIT_DONE;
		if (nlh->nlmsg_seq == 0)
			conn_unsolicited(&c, nlh, tb);
	}
	conn_close(&c);
	return rc;
}

/* One command on connection c (opened on first use). */
static int run_command(struct conn *c, const char *path, int argc, char *argv[],
		       const char *where)
{
	struct fpctl_request req;
	char why[512];
	int rc;

	if (strcmp(argv[0], "device-load") == 0 || strcmp(argv[0], "blocklist-load") == 0) {
		rc = run_load(c, path, argc, argv);
	} else if (fpctl_encode(argc, argv, &req, why, sizeof(why)) < 0) {
		fprintf(stderr, "fpctl: %s%s\n", where, why);
		return EXIT_REFUSED;
	} else {
		bool first = c->fd < 0;

		rc = conn_ready(c, path);
		/* The HELLO that opened the connection already answered `hello`. */
		if (rc == EXIT_DONE && first && req.answer == FPCTL_ANSWER_HELLO)
			rc = print_hello(c, c->hello, c->hello_len);
		else if (rc == EXIT_DONE)
			rc = run_request(c, &req);
		fpctl_request_free(&req);
	}
	fflush(stdout);
	return rc;
}

static int run_script(const char *path, const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char *line = NULL, *words[FPCTL_MAX_WORDS], where[300];
	size_t linecap = 0, lineno = 0;
	struct conn c = { .fd = -1 };
	int rc = EXIT_DONE;

	if (f == NULL) {
		fprintf(stderr, "fpctl: %s: %s\n", file, strerror(errno));
		return EXIT_REFUSED;
	}
	while (rc == EXIT_DONE && getline(&line, &linecap, f) >= 0) {
		int argc = fpctl_split(line, words, FPCTL_MAX_WORDS);

		lineno++;
		snprintf(where, sizeof(where), "%s:%zu: ", file, lineno);
		if (argc == 0)
			continue;
		if (argc < 0) {
			fprintf(stderr, "fpctl: %s%s\n", where,
				argc == -E2BIG ? "too many words" : "unterminated quote");
			rc = EXIT_REFUSED;
		} else if (strcmp(words[0], "listen") == 0) {
			fprintf(stderr, "fpctl: %slisten only works alone, not in a script\n", where);
			rc = EXIT_REFUSED;
		} else {
			rc = run_command(&c, path, argc, words, where);
			if (rc != EXIT_DONE)
				fprintf(stderr, "fpctl: stopped at %s:%zu\n", file, lineno);
		}
	}
	if (rc == EXIT_DONE && ferror(f)) {
		fprintf(stderr, "fpctl: %s: read error\n", file);
		rc = EXIT_REFUSED;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	conn_close(&c);
	return rc;
}

int main(int argc, char *argv[])
{
	const char *path = getenv("MENJIN_FP_SOCKET");
	const char *file = NULL;
	struct conn c = { .fd = -1 };
	int opt, rc;

	if (path == NULL || path[0] == '\0')
		path = FPMSG_DEFAULT_SOCKET;
	/* '+': options end at the command, whose words may look like options. */
	while ((opt = getopt(argc, argv, "+s:f:h")) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_DONE;
		default:
			usage(stderr);
			return EXIT_REFUSED;
		}
	}
	if ((file != NULL) == (optind < argc)) {
		usage(stderr);
		return EXIT_REFUSED;
	}
	if (file != NULL)
		return run_script(path, file);
	if (strcmp(argv[optind], "listen") == 0)
		return run_listen(path, argc - optind, argv + optind);
	rc = run_command(&c, path, argc - optind, argv + optind, "");
	conn_close(&c);
	return rc;
}
