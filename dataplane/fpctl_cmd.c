/* fpctl_cmd.c — menjin-fpctl's command encoders and answer formatters
 * (see fpctl_cmd.h). No sockets and no files: fpctl.c does those.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "decide.h"
#include "fpctl_cmd.h"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Decimal (or, with allow_hex, 0x-prefixed) number within [0, max]. */
static int parse_number(const char *word, uint64_t max, bool allow_hex, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (word == NULL || word[0] < '0' || word[0] > '9')
		return -EINVAL;
	if (allow_hex && word[0] == '0' && (word[1] == 'x' || word[1] == 'X'))
		base = 16;
	errno = 0;
	v = strtoull(word, &end, base);
	if (errno != 0 || *end != '\0' || end == word || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "ADDR[/PLEN]" into family, address (v4 host order) and plen. */
static int parse_addr(const char *word, uint8_t *family, uint32_t *addr4, uint8_t addr6[16],
		      uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(word, '/');
	size_t alen = slash ? (size_t)(slash - word) : strlen(word);
	struct in_addr a4;
	uint64_t v;
	unsigned int max;

	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, word, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		*family = 4;
		*addr4 = ntohl(a4.s_addr);
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr6) == 1) {
		*family = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	*plen = (uint8_t)max;
	if (slash != NULL) {
		if (parse_number(slash + 1, max, false, &v) < 0)
			return -EINVAL;
		*plen = (uint8_t)v;
	}
	return 0;
}

/* --- requests ----------------------------------------------------------- */

static int request_add(struct fpctl_request *req, struct nl_msg *msg)
{
	struct nl_msg **grown;

	if (msg == NULL)
		return -ENOMEM;
	grown = realloc(req->msgs, (req->nmsgs + 1) * sizeof(*grown));
	if (grown == NULL) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	req->msgs = grown;
	req->msgs[req->nmsgs++] = msg;
	return 0;
}

void fpctl_request_free(struct fpctl_request *req)
{
	for (size_t i = 0; i < req->nmsgs; i++)
		nlmsg_free(req->msgs[i]);
	free(req->msgs);
	memset(req, 0, sizeof(*req));
}

struct nl_msg *fpctl_hello(uint32_t subscribe)
{
	struct nl_msg *msg = fpmsg_new(FPMSG_HELLO, 0, 0);

	if (msg == NULL)
		return NULL;
	if (nla_put_u32(msg, FPA_VERSION, FPMSG_VERSION) < 0 ||
	    nla_put_string(msg, FPA_CLIENT, "fpctl") < 0 ||
	    nla_put_u32(msg, FPA_SUBSCRIBE, subscribe) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int fpctl_parse_device(int argc, char *const argv[], struct fpmsg_device *d,
		       char *err, size_t errlen)
{
	bool have_role = false, have_flags = false;
	uint64_t v;
	int state;

	memset(d, 0, sizeof(*d));
	if (argc < 2)
		return fail(err, errlen, "expected MAC STATE [role N] [flags N]");
	if (fpmsg_mac_parse(argv[0], d->mac) < 0)
		return fail(err, errlen, "bad MAC '%s'", argv[0]);
	state = device_state_parse(argv[1]);
	if (state < 0)
		return fail(err, errlen, "bad state '%s' (unknown, quarantined, admitted, blocked)",
			    argv[1]);
	d->state = (uint8_t)state;
	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			return fail(err, errlen, "'%s' needs a value", argv[i]);
		if (strcmp(argv[i], "role") == 0 && !have_role) {
			if (parse_number(argv[i + 1], FPMSG_MAX_ROLES - 1, false, &v) < 0)
				return fail(err, errlen, "bad role '%s' (0..%d)", argv[i + 1],
					    FPMSG_MAX_ROLES - 1);
			d->role = (uint16_t)v;
			have_role = true;
		} else if (strcmp(argv[i], "flags") == 0 && !have_flags) {
			if (parse_number(argv[i + 1], UINT32_MAX, true, &v) < 0)
				return fail(err, errlen, "bad flags '%s'", argv[i + 1]);
			d->flags = (uint32_t)v;
			have_flags = true;
		} else {
			return fail(err, errlen, "unexpected '%s'", argv[i]);
		}
	}
	return 0;
}

int fpctl_parse_prefix(const char *word, struct fpmsg_prefix *p, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *eq = strchr(word, '=');
	size_t len = eq ? (size_t)(eq - word) : strlen(word);
	uint64_t v;

	memset(p, 0, sizeof(*p));
	if (len >= sizeof(buf))
		return fail(err, errlen, "bad prefix '%s'", word);
	memcpy(buf, word, len);
	buf[len] = '\0';
	if (parse_addr(buf, &p->family, &p->addr4, p->addr6, &p->plen) < 0)
		return fail(err, errlen, "bad prefix '%s'", word);
	if (eq != NULL) {
		if (parse_number(eq + 1, UINT32_MAX, false, &v) < 0)
			return fail(err, errlen, "bad indicator id in '%s'", word);
		p->id = (uint32_t)v;
	}
	return 0;
}

int fpctl_parse_listen(int argc, char *const argv[], unsigned long *count, int *timeout_sec,
		       char *err, size_t errlen)
{
	uint64_t v;

	*count = 0;
	*timeout_sec = -1;
	for (int i = 0; i < argc; i += 2) {
		if (i + 1 >= argc)
			return fail(err, errlen, "'%s' needs a value", argv[i]);
		if (strcmp(argv[i], "count") == 0) {
			if (parse_number(argv[i + 1], UINT32_MAX, false, &v) < 0 || v == 0)
				return fail(err, errlen, "bad count '%s'", argv[i + 1]);
			*count = (unsigned long)v;
		} else if (strcmp(argv[i], "timeout") == 0) {
			/* Bounded so that milliseconds still fit poll()'s int. */
			if (parse_number(argv[i + 1], 86400, false, &v) < 0)
				return fail(err, errlen, "bad timeout '%s' (0..86400 s)", argv[i + 1]);
			*timeout_sec = (int)v;
		} else {
			return fail(err, errlen, "unexpected '%s'", argv[i]);
		}
	}
	return 0;
}

static int parse_action(const char *word, uint8_t *action)
{
	if (strcmp(word, "permit") == 0)
		*action = FP_ACL_PERMIT;
	else if (strcmp(word, "deny") == 0)
		*action = FP_ACL_DENY;
	else
		return -EINVAL;
	return 0;
}

static int parse_proto(const char *word, uint8_t *proto)
{
	static const struct { const char *name; uint8_t proto; } names[] = {
		{ "any", 0 }, { "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP },
		{ "udp", IPPROTO_UDP }, { "icmpv6", IPPROTO_ICMPV6 },
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(word, names[i].name) == 0) {
			*proto = names[i].proto;
			return 0;
		}
	}
	if (parse_number(word, 255, false, &v) < 0)
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

static int parse_ports(const char *word, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	char *dash;
	uint64_t a, b;

	if (strlen(word) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, word);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (parse_number(buf, UINT16_MAX, false, &a) < 0)
		return -EINVAL;
	b = a;
	if (dash != NULL && parse_number(dash + 1, UINT16_MAX, false, &b) < 0)
		return -EINVAL;
	if (a > b)
		return -ERANGE;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* rule ACTION [proto P] [to ADDR[/PLEN]] [port LO[-HI]] [id N], starting
 * at argv[*i] == "rule"; leaves *i at the next "rule" or the end. */
static int parse_rule(int argc, char *const argv[], int *i, unsigned int position,
		      struct fpmsg_rule *r, char *err, size_t errlen)
{
	bool have_proto = false, have_to = false, have_port = false, have_id = false;
	uint64_t v;
	int rc;

	memset(r, 0, sizeof(*r));
	r->port_hi = UINT16_MAX;
	r->id = position;
	if (*i + 1 >= argc || parse_action(argv[*i + 1], &r->action) < 0)
		return fail(err, errlen, "rule %u: expected permit or deny after 'rule'", position);
	for (*i += 2; *i < argc && strcmp(argv[*i], "rule") != 0; *i += 2) {
		const char *key = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;

		if (val == NULL)
			return fail(err, errlen, "rule %u: '%s' needs a value", position, key);
		if (strcmp(key, "proto") == 0 && !have_proto) {
			if (parse_proto(val, &r->proto) < 0)
				return fail(err, errlen, "rule %u: bad proto '%s'", position, val);
			have_proto = true;
		} else if (strcmp(key, "to") == 0 && !have_to) {
			if (parse_addr(val, &r->family, &r->addr4, r->addr6, &r->plen) < 0)
				return fail(err, errlen, "rule %u: bad address '%s'", position, val);
			have_to = true;
		} else if (strcmp(key, "port") == 0 && !have_port) {
			rc = parse_ports(val, &r->port_lo, &r->port_hi);
			if (rc == -ERANGE)
				return fail(err, errlen, "rule %u: port range '%s': low > high",
					    position, val);
			if (rc < 0)
				return fail(err, errlen, "rule %u: bad port '%s'", position, val);
			have_port = true;
		} else if (strcmp(key, "id") == 0 && !have_id) {
			if (parse_number(val, UINT32_MAX, false, &v) < 0)
				return fail(err, errlen, "rule %u: bad id '%s'", position, val);
			r->id = (uint32_t)v;
			have_id = true;
		} else {
			return fail(err, errlen, "rule %u: unexpected '%s'", position, key);
		}
	}
	return 0;
}

static int encode_acl_set(int argc, char *const argv[], struct fpctl_request *req,
			  char *err, size_t errlen)
{
	struct nl_msg *msg;
	struct fpmsg_rule rule;
	unsigned int position = 0;
	uint8_t def;
	uint64_t role;
	int i = 4, rc;

	if (argc < 4 || strcmp(argv[2], "default") != 0)
		return fail(err, errlen, "usage: acl-set ROLE default permit|deny [rule ...]...");
	if (parse_number(argv[1], FPMSG_MAX_ROLES - 1, false, &role) < 0)
		return fail(err, errlen, "bad role '%s' (0..%d)", argv[1], FPMSG_MAX_ROLES - 1);
	if (parse_action(argv[3], &def) < 0)
		return fail(err, errlen, "bad default '%s' (permit or deny)", argv[3]);
	if (i < argc && strcmp(argv[i], "rule") != 0)
		return fail(err, errlen, "unexpected '%s' (expected 'rule')", argv[i]);
	msg = fpmsg_new(FPMSG_ROLE_ACL_SET, 0, 0);
	if (request_add(req, msg) < 0)
		return fail(err, errlen, "out of memory");
	if (nla_put_u16(msg, FPA_ROLE, (uint16_t)role) < 0 ||
	    nla_put_u8(msg, FPA_DEFAULT_ACTION, def) < 0)
		return fail(err, errlen, "out of memory");
	while (i < argc) {
		rc = parse_rule(argc, argv, &i, ++position, &rule, err, errlen);
		if (rc < 0)
			return rc;
		if (fpmsg_put_rule(msg, &rule) < 0)
			return fail(err, errlen, "rule %u: too many rules for one message", position);
	}
	return 0;
}

static int encode_blocklist_set(int argc, char *const argv[], struct fpctl_request *req,
				char *err, size_t errlen)
{
	struct fpctl_batch batch;
	struct fpmsg_prefix p;
	bool replace = argc > 1 && strcmp(argv[1], "replace") == 0;
	int first = replace ? 2 : 1, rc = 0;

	if (!replace && argc < 2)
		return fail(err, errlen, "usage: blocklist-set [replace] PREFIX[=ID]...");
	fpctl_batch_init(&batch, FPMSG_BLOCKLIST_SET, FPCTL_PREFIXES_PER_MSG,
			 replace ? FPF_REPLACE : 0);
	for (int i = first; i < argc && rc == 0; i++) {
		rc = fpctl_parse_prefix(argv[i], &p, err, errlen);
		while (rc == 0 && (rc = fpctl_batch_add_prefix(&batch, &p)) == 1)
			rc = request_add(req, fpctl_batch_take(&batch));
		if (rc == -ENOMEM)
			fail(err, errlen, "out of memory");
	}
	if (rc == 0 && batch.msg == NULL && batch.taken == 0 && !replace)
		rc = fail(err, errlen, "no prefixes");
	if (rc == 0 && (batch.msg != NULL || batch.taken == 0)) {
		rc = request_add(req, fpctl_batch_take(&batch));
		if (rc < 0)
			fail(err, errlen, "out of memory");
	}
	fpctl_batch_free(&batch);
	return rc;
}

/* Hex bytes, optionally separated by single ':' ("00:11:22" or "001122"). */
static int parse_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = 0;

	while (*s != '\0') {
		int hi = -1, lo = -1;

		if (n > 0 && *s == ':')
			s++;
		if (s[0] != '\0')
			hi = s[0] >= '0' && s[0] <= '9' ? s[0] - '0' :
			     s[0] >= 'a' && s[0] <= 'f' ? s[0] - 'a' + 10 :
			     s[0] >= 'A' && s[0] <= 'F' ? s[0] - 'A' + 10 : -1;
		if (hi >= 0 && s[1] != '\0')
			lo = s[1] >= '0' && s[1] <= '9' ? s[1] - '0' :
			     s[1] >= 'a' && s[1] <= 'f' ? s[1] - 'a' + 10 :
			     s[1] >= 'A' && s[1] <= 'F' ? s[1] - 'A' + 10 : -1;
		if (hi < 0 || lo < 0 || n == max)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return 0;
}

static int encode_tx(int argc, char *const argv[], struct fpctl_request *req,
		     char *err, size_t errlen)
{
	struct nl_msg *msg;
	uint8_t *frame;
	uint64_t port;
	size_t len;
	int rc = 0;

	if (argc != 3)
		return fail(err, errlen, "usage: tx PORT HEX");
	if (parse_number(argv[1], UINT16_MAX, false, &port) < 0)
		return fail(err, errlen, "bad port '%s'", argv[1]);
	frame = malloc(FPMSG_FRAME_MAX);
	if (frame == NULL)
		return fail(err, errlen, "out of memory");
	if (parse_hex(argv[2], frame, FPMSG_FRAME_MAX, &len) < 0) {
		rc = fail(err, errlen, "bad frame: expected hex bytes, at most %d", FPMSG_FRAME_MAX);
	} else if (len < 14) {
		rc = fail(err, errlen, "frame of %zu bytes is shorter than an Ethernet header", len);
	} else {
		msg = fpmsg_new(FPMSG_PKT_TX, 0, 0);
		if (request_add(req, msg) < 0 ||
		    nla_put_u16(msg, FPA_PORT, (uint16_t)port) < 0 ||
		    nla_put(msg, FPA_FRAME, (int)len, frame) < 0)
			rc = fail(err, errlen, "out of memory");
	}
	free(frame);
	return rc;
}

static int encode_capture(int argc, char *const argv[], struct fpctl_request *req,
			  char *err, size_t errlen)
{
	char filter[FPMSG_TEXT_MAX];
	struct nl_msg *msg;
	uint64_t port, count;
	size_t used = 0;

	if (argc < 4)
		return fail(err, errlen, "usage: capture PORT COUNT PATH [FILTER...]");
	if (parse_number(argv[1], UINT16_MAX, false, &port) < 0)
		return fail(err, errlen, "bad port '%s'", argv[1]);
	if (parse_number(argv[2], UINT32_MAX, false, &count) < 0)
		return fail(err, errlen, "bad count '%s'", argv[2]);
	if (argv[3][0] == '\0' || strlen(argv[3]) >= FPMSG_PATH_MAX)
		return fail(err, errlen, "bad path (1..%d bytes)", FPMSG_PATH_MAX - 1);
	filter[0] = '\0';
	for (int i = 4; i < argc; i++) {
		int n = snprintf(filter + used, sizeof(filter) - used, "%s%s",
				 i > 4 ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(filter) - used)
			return fail(err, errlen, "filter longer than %d bytes", FPMSG_TEXT_MAX - 1);
		used += (size_t)n;
	}
	msg = fpmsg_new(FPMSG_CAPTURE, 0, 0);
	if (request_add(req, msg) < 0 ||
	    nla_put_u16(msg, FPA_PORT, (uint16_t)port) < 0 ||
	    nla_put_u32(msg, FPA_COUNT, (uint32_t)count) < 0 ||
	    nla_put_string(msg, FPA_PATH, argv[3]) < 0 ||
	    (argc > 4 && nla_put_string(msg, FPA_FILTER, filter) < 0))
		return fail(err, errlen, "out of memory");
	req->capture = true;
	return 0;
}

static int encode_device_del(int argc, char *const argv[], struct fpctl_request *req,
			     char *err, size_t errlen)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	uint8_t mac[6];

	if (argc != 2)
		return fail(err, errlen, "usage: device-del MAC");
	if (fpmsg_mac_parse(argv[1], mac) < 0)
		return fail(err, errlen, "bad MAC '%s'", argv[1]);
	msg = fpmsg_new(FPMSG_DEVICE_DEL, 0, 0);
	if (request_add(req, msg) < 0 || (nest = nla_nest_start(msg, FPA_DEVICE)) == NULL ||
	    nla_put(msg, FPA_DEV_MAC, sizeof(mac), mac) < 0 || nla_nest_end(msg, nest) < 0)
		return fail(err, errlen, "out of memory");
	return 0;
}

static int encode_simple(int type, int flags, struct fpctl_request *req, char *err, size_t errlen)
{
	if (request_add(req, fpmsg_new(type, flags, 0)) < 0)
		return fail(err, errlen, "out of memory");
	return 0;
}

int fpctl_encode(int argc, char *const argv[], struct fpctl_request *req, char *err, size_t errlen)
{
	const char *cmd = argc > 0 ? argv[0] : "";
	struct fpmsg_device d;
	uint64_t gen;
	int rc;

	memset(req, 0, sizeof(*req));
	req->answer = FPCTL_ANSWER_ACK;
	if (strcmp(cmd, "hello") == 0) {
		if (argc != 1)
			return fail(err, errlen, "usage: hello");
		req->answer = FPCTL_ANSWER_HELLO;
		rc = request_add(req, fpctl_hello(0)) < 0 ? fail(err, errlen, "out of memory") : 0;
	} else if (strcmp(cmd, "device-set") == 0) {
		rc = fpctl_parse_device(argc - 1, argv + 1, &d, err, errlen);
		if (rc == 0) {
			struct nl_msg *msg = fpmsg_new(FPMSG_DEVICE_SET, 0, 0);

			if (request_add(req, msg) < 0 || fpmsg_put_device(msg, &d) < 0)
				rc = fail(err, errlen, "out of memory");
		}
	} else if (strcmp(cmd, "device-del") == 0) {
		rc = encode_device_del(argc, argv, req, err, errlen);
	} else if (strcmp(cmd, "device-dump") == 0) {
		if (argc != 1)
			return fail(err, errlen, "usage: device-dump");
		req->answer = FPCTL_ANSWER_DUMP;
		rc = encode_simple(FPMSG_DEVICE_DUMP, NLM_F_REQUEST | NLM_F_DUMP, req, err, errlen);
	} else if (strcmp(cmd, "acl-clear") == 0) {
		if (argc != 1)
			return fail(err, errlen, "usage: acl-clear");
		rc = encode_simple(FPMSG_ROLE_ACL_CLEAR, 0, req, err, errlen);
	} else if (strcmp(cmd, "acl-set") == 0) {
		rc = encode_acl_set(argc, argv, req, err, errlen);
	} else if (strcmp(cmd, "blocklist-set") == 0) {
		rc = encode_blocklist_set(argc, argv, req, err, errlen);
	} else if (strcmp(cmd, "commit") == 0) {
		if (argc != 2 || parse_number(argv[1], UINT64_MAX, false, &gen) < 0)
			return fail(err, errlen, "usage: commit GENERATION");
		rc = encode_simple(FPMSG_COMMIT, 0, req, err, errlen);
		if (rc == 0 && nla_put_u64(req->msgs[0], FPA_GENERATION, gen) < 0)
			rc = fail(err, errlen, "out of memory");
	} else if (strcmp(cmd, "stats") == 0) {
		if (argc > 2)
			return fail(err, errlen, "usage: stats [PATTERN]");
		req->answer = FPCTL_ANSWER_STATS;
		req->pattern = argc == 2 ? argv[1] : NULL;
		rc = encode_simple(FPMSG_STATS, 0, req, err, errlen);
	} else if (strcmp(cmd, "tx") == 0) {
		rc = encode_tx(argc, argv, req, err, errlen);
	} else if (strcmp(cmd, "capture") == 0) {
		rc = encode_capture(argc, argv, req, err, errlen);
	} else {
		return fail(err, errlen, "unknown command '%s'", cmd);
	}
	if (rc < 0)
		fpctl_request_free(req);
	return rc;
}

/* --- batches ------------------------------------------------------------ */

void fpctl_batch_init(struct fpctl_batch *b, int type, unsigned int max_items, uint32_t first_flags)
{
	memset(b, 0, sizeof(*b));
	b->type = type;
	b->max_items = max_items ? max_items : 1;
	b->first_flags = first_flags;
}

static int batch_open(struct fpctl_batch *b)
{
	b->msg = fpmsg_new(b->type, 0, 0);
	b->items = 0;
	if (b->msg == NULL)
		return -ENOMEM;
	if (b->taken == 0 && b->first_flags != 0 &&
	    nla_put_u32(b->msg, FPA_FLAGS, b->first_flags) < 0) {
		nlmsg_free(b->msg);
		b->msg = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int batch_put(struct fpctl_batch *b, int rc_put)
{
	if (rc_put == -EMSGSIZE && b->items > 0)
		return 1;
	if (rc_put < 0)
		return rc_put;
	b->items++;
	return 0;
}

int fpctl_batch_add_device(struct fpctl_batch *b, const struct fpmsg_device *d)
{
	if (b->msg != NULL && b->items >= b->max_items)
		return 1;
	if (b->msg == NULL && batch_open(b) < 0)
		return -ENOMEM;
	return batch_put(b, fpmsg_put_device(b->msg, d));
}

int fpctl_batch_add_prefix(struct fpctl_batch *b, const struct fpmsg_prefix *p)
{
	if (b->msg != NULL && b->items >= b->max_items)
		return 1;
	if (b->msg == NULL && batch_open(b) < 0)
		return -ENOMEM;
	return batch_put(b, fpmsg_put_prefix(b->msg, p));
}

struct nl_msg *fpctl_batch_take(struct fpctl_batch *b)
{
	struct nl_msg *msg;

	if (b->msg == NULL && b->taken == 0 && b->first_flags != 0 && batch_open(b) < 0)
		return NULL;
	msg = b->msg;
	b->msg = NULL;
	b->items = 0;
	if (msg != NULL)
		b->taken++;
	return msg;
}

void fpctl_batch_free(struct fpctl_batch *b)
{
	if (b->msg != NULL)
		nlmsg_free(b->msg);
	b->msg = NULL;
	b->items = 0;
}

/* --- answers ------------------------------------------------------------ */

int fpctl_print_hello(FILE *out, const struct nlmsghdr *nlh, struct nlattr *tb[FPA_MAX + 1],
		      char *err, size_t errlen)
{
	struct fpmsg_port_info port;
	struct nlattr *nla;
	char mac[18], why[256];
	int rem;

	if (tb[FPA_VERSION] == NULL)
		return fail(err, errlen, "HELLO answer without FPA_VERSION");
	fprintf(out, "version %" PRIu32 " generation %" PRIu64 "\n",
		nla_get_u32(tb[FPA_VERSION]),
		tb[FPA_GENERATION] ? (uint64_t)nla_get_u64(tb[FPA_GENERATION]) : 0);
	nlmsg_for_each_attr(nla, nlh, 0, rem) {
		if (nla_type(nla) != FPA_PORT_INFO)
			continue;
		if (fpmsg_get_port_info(nla, &port, why, sizeof(why)) < 0)
			return fail(err, errlen, "HELLO: attribute FPA_PORT_INFO: %s", why);
		fpmsg_mac_format(port.mac, mac);
		fprintf(out, "port %u %s %s %s %s\n", port.index, port.name[0] ? port.name : "-",
			port.role ? "uplink" : "lan", mac, port.link ? "up" : "down");
	}
	return 0;
}

int fpctl_print_devices(FILE *out, const struct nlmsghdr *nlh, char *err, size_t errlen)
{
	struct fpmsg_device d;
	struct nlattr *nla;
	char mac[18], why[256];
	int rem, n = 0;

	nlmsg_for_each_attr(nla, nlh, 0, rem) {
		if (nla_type(nla) != FPA_DEVICE)
			continue;
		n++;
		if (fpmsg_get_device(nla, &d, why, sizeof(why)) < 0)
			return fail(err, errlen, "DEVICE_SET: device %d: %s", n, why);
		fpmsg_mac_format(d.mac, mac);
		fprintf(out, "%s %s role %u flags %" PRIu32 " port %u pkts %" PRIu64
			" bytes %" PRIu64 " drops %" PRIu64 "\n",
			mac, device_state_name(d.state), d.role, d.flags, d.port,
			d.pkts, d.bytes, d.drops);
	}
	return 0;
}

int fpctl_print_counters(FILE *out, const struct nlmsghdr *nlh, const char *pattern,
			 char *err, size_t errlen)
{
	char name[FPMSG_CTR_NAME_MAX], why[256];
	struct nlattr *nla;
	uint64_t value;
	int rem, n = 0;

	nlmsg_for_each_attr(nla, nlh, 0, rem) {
		if (nla_type(nla) != FPA_COUNTER)
			continue;
		n++;
		if (fpmsg_get_counter(nla, name, &value, why, sizeof(why)) < 0)
			return fail(err, errlen, "STATS: counter %d: %s", n, why);
		if (pattern == NULL || strstr(name, pattern) != NULL)
			fprintf(out, "%s %" PRIu64 "\n", name, value);
	}
	return 0;
}

int fpctl_print_punt(FILE *out, struct nlattr *tb[FPA_MAX + 1])
{
	const uint8_t *frame = tb[FPA_FRAME] ? nla_data(tb[FPA_FRAME]) : NULL;
	int len = tb[FPA_FRAME] ? nla_len(tb[FPA_FRAME]) : 0;

	/* The VLAN id of the tag's TCI; 0 for an untagged frame. */
	fprintf(out, "punt port %u reason %s vlan %u len %d ",
		tb[FPA_PORT] ? nla_get_u16(tb[FPA_PORT]) : 0,
		punt_reason_name(tb[FPA_PUNT_REASON] ? nla_get_u8(tb[FPA_PUNT_REASON]) : PUNT_NONE),
		tb[FPA_VLAN] ? nla_get_u16(tb[FPA_VLAN]) & 0x0fffu : 0, len);
	for (int i = 0; i < len; i++)
		fprintf(out, "%02x", frame[i]);
	fputc('\n', out);
	return 0;
}

int fpctl_print_event(FILE *out, struct nlattr *tb[FPA_MAX + 1])
{
	fprintf(out, "event %s\n", tb[FPA_EVENT_TEXT] ? nla_get_string(tb[FPA_EVENT_TEXT]) : "");
	return 0;
}

/* --- words -------------------------------------------------------------- */

int fpctl_split(char *line, char *argv[], int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		char *word;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (argc == max)
			return -E2BIG;
		if (*p == '"') {
			word = ++p;
			p = strchr(p, '"');
			if (p == NULL)
				return -EINVAL;
		} else {
			word = p;
			while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
				p++;
		}
		argv[argc++] = word;
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	return argc;
}
