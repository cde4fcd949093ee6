/* fpctl_cmd.h — menjin-fpctl's commands without the socket: words in,
 * fpmsg requests out; answers in, text lines out. fpctl.c owns the
 * connection, the files and the exit codes; everything here is testable
 * without a fast path.
 */
#ifndef MENJIN_FPCTL_CMD_H
#define MENJIN_FPCTL_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "fpmsg.h"

#define FPCTL_DEVICES_PER_MSG   1000   /* FPA_DEVICE nests per DEVICE_SET */
#define FPCTL_PREFIXES_PER_MSG  1500   /* FPA_PREFIX nests per BLOCKLIST_SET */
#define FPCTL_MAX_WORDS         512    /* words in one command line */

/* What the fast path answers a request with. */
enum fpctl_answer {
	FPCTL_ANSWER_ACK,    /* NLMSG_ERROR, error 0 on success */
	FPCTL_ANSWER_HELLO,  /* HELLO */
	FPCTL_ANSWER_DUMP,   /* DEVICE_SET NLM_F_MULTI ..., NLMSG_DONE */
	FPCTL_ANSWER_STATS,  /* STATS (or several NLM_F_MULTI ones ended by NLMSG_DONE) */
};

/* One command as messages to send in order, each answered before the next.
 * Sequence numbers are 0: the sender numbers them. */
struct fpctl_request {
	enum fpctl_answer answer;
	struct nl_msg **msgs;
	size_t nmsgs;
	const char *pattern;    /* stats: only counters whose name contains it */
	bool capture;           /* capture: say "capture started" on the ack */
};

/* Encode one command line: hello, device-set, device-del, device-dump,
 * acl-clear, acl-set, blocklist-set, commit, stats, tx, capture. (listen,
 * device-load and blocklist-load read files or the socket and live in
 * fpctl.c.) Returns 0, or a negative errno with err naming the word at fault. */
int fpctl_encode(int argc, char *const argv[], struct fpctl_request *req, char *err, size_t errlen);
void fpctl_request_free(struct fpctl_request *req);

/* HELLO {VERSION, CLIENT "fpctl", SUBSCRIBE}. NULL when out of memory. */
struct nl_msg *fpctl_hello(uint32_t subscribe);

/* Split a line into words in place: blanks separate, "double quotes" group,
 * a word starting with '#' ends the line. Returns the number of words or
 * a negative errno (unterminated quote, more than max words). */
int fpctl_split(char *line, char *argv[], int max);

/* "MAC STATE [role N] [flags N]", a device-set argument list or a
 * device-load line. */
int fpctl_parse_device(int argc, char *const argv[], struct fpmsg_device *d,
		       char *err, size_t errlen);
/* "ADDR[/PLEN][=ID]", IPv4 or IPv6; PLEN defaults to the full length. */
int fpctl_parse_prefix(const char *word, struct fpmsg_prefix *p, char *err, size_t errlen);
/* "[count N] [timeout SEC]" after "listen"; count 0 and timeout -1 mean none. */
int fpctl_parse_listen(int argc, char *const argv[], unsigned long *count, int *timeout_sec,
		       char *err, size_t errlen);

/* Fills DEVICE_SET or BLOCKLIST_SET messages up to max_items nests each;
 * first_flags (FPF_REPLACE) goes as FPA_FLAGS into the first message only. */
struct fpctl_batch {
	int type;
	unsigned int max_items;
	uint32_t first_flags;
	struct nl_msg *msg;     /* being filled, NULL when none */
	unsigned int items;     /* in msg */
	unsigned int taken;     /* messages handed out so far */
};
void fpctl_batch_init(struct fpctl_batch *b, int type, unsigned int max_items, uint32_t first_flags);
/* 0 when added; 1 when the current message is full: take it, send it and
 * add the same item again; a negative errno on failure. */
int fpctl_batch_add_device(struct fpctl_batch *b, const struct fpmsg_device *d);
int fpctl_batch_add_prefix(struct fpctl_batch *b, const struct fpmsg_prefix *p);
/* The message being filled, or NULL when there is none. A batch with
 * first_flags that never got an item still yields one (empty) message, so
 * "replace with nothing" clears. The caller frees what it takes. */
struct nl_msg *fpctl_batch_take(struct fpctl_batch *b);
void fpctl_batch_free(struct fpctl_batch *b);

/* Answers as text, one line per item, in the formats the lab tests read.
 * Each returns 0 or a negative errno with err saying what was malformed. */
int fpctl_print_hello(FILE *out, const struct nlmsghdr *nlh, struct nlattr *tb[FPA_MAX + 1],
		      char *err, size_t errlen);
int fpctl_print_devices(FILE *out, const struct nlmsghdr *nlh, char *err, size_t errlen);
int fpctl_print_counters(FILE *out, const struct nlmsghdr *nlh, const char *pattern,
			 char *err, size_t errlen);
int fpctl_print_punt(FILE *out, struct nlattr *tb[FPA_MAX + 1]);
int fpctl_print_event(FILE *out, struct nlattr *tb[FPA_MAX + 1]);

#endif
