/* fpmsg_fuzz.c — arbitrary datagrams through the fast path's control socket
 * boundary, the way its control thread reads them: fpmsg_parse(), then by
 * message type the nested getters, and fpmsg_error_code() for NLMSG_ERROR.
 * Whatever a getter accepts must encode again and decode to the same value.
 *
 * fuzz-sources: dataplane/fpmsg.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fpmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encode one item into a fresh message, parse it back and return the nest. */
static struct nlattr *reencode(struct nl_msg **msg, int type, int (*put)(struct nl_msg *, const void *),
			       const void *item, int nesttype, struct nlattr *tb[FPA_MAX + 1])
{
	struct nlmsghdr *nlh;
	char err[256];

	*msg = fpmsg_new(type, 0, 1);
	if (*msg == NULL)
		abort();
	if (put(*msg, item) < 0)
		abort();
	nlh = nlmsg_hdr(*msg);
	if (fpmsg_parse(nlh, nlh->nlmsg_len, NULL, tb, err, sizeof(err)) < 0 || tb[nesttype] == NULL)
		abort();
	return tb[nesttype];
}

static int put_device(struct nl_msg *msg, const void *item)
{
	return fpmsg_put_device(msg, item);
}

static int put_rule(struct nl_msg *msg, const void *item)
{
	return fpmsg_put_rule(msg, item);
}

static int put_prefix(struct nl_msg *msg, const void *item)
{
	return fpmsg_put_prefix(msg, item);
}

static int put_port(struct nl_msg *msg, const void *item)
{
	return fpmsg_put_port_info(msg, item);
}

static void check_device(struct nlattr *nest)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct fpmsg_device a, b;
	struct nl_msg *msg;
	char err[256];

	if (fpmsg_get_device(nest, &a, err, sizeof(err)) < 0)
		return;
	if (fpmsg_get_device(reencode(&msg, FPMSG_DEVICE_SET, put_device, &a, FPA_DEVICE, tb),
			     &b, err, sizeof(err)) < 0 ||
	    memcmp(a.mac, b.mac, 6) != 0 || a.state != b.state || a.role != b.role ||
	    a.flags != b.flags || a.port != b.port || a.pkts != b.pkts || a.bytes != b.bytes ||
	    a.drops != b.drops)
		abort();
	nlmsg_free(msg);
}

static void check_rule(struct nlattr *nest)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct fpmsg_rule a, b;
	struct nl_msg *msg;
	char err[256];

	if (fpmsg_get_rule(nest, &a, err, sizeof(err)) < 0)
		return;
	if (a.plen > (a.family == 4 ? 32 : a.family == 6 ? 128 : 0) || a.port_lo > a.port_hi ||
	    a.action > FP_ACL_PERMIT)
		abort();
	if (fpmsg_get_rule(reencode(&msg, FPMSG_ROLE_ACL_SET, put_rule, &a, FPA_RULE, tb),
			   &b, err, sizeof(err)) < 0 ||
	    a.id != b.id || a.proto != b.proto || a.family != b.family || a.addr4 != b.addr4 ||
	    memcmp(a.addr6, b.addr6, 16) != 0 || a.plen != b.plen || a.port_lo != b.port_lo ||
	    a.port_hi != b.port_hi || a.action != b.action)
		abort();
	nlmsg_free(msg);
}

static void check_prefix(struct nlattr *nest)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct fpmsg_prefix a, b;
	struct nl_msg *msg;
	char err[256];

	if (fpmsg_get_prefix(nest, &a, err, sizeof(err)) < 0)
		return;
	if ((a.family != 4 && a.family != 6) || a.plen > (a.family == 4 ? 32 : 128))
		abort();
	if (fpmsg_get_prefix(reencode(&msg, FPMSG_BLOCKLIST_SET, put_prefix, &a, FPA_PREFIX, tb),
			     &b, err, sizeof(err)) < 0 ||
	    a.family != b.family || a.addr4 != b.addr4 || memcmp(a.addr6, b.addr6, 16) != 0 ||
	    a.plen != b.plen || a.id != b.id)
		abort();
	nlmsg_free(msg);
}

static void check_counter(struct nlattr *nest)
{
	char name[FPMSG_CTR_NAME_MAX], again[FPMSG_CTR_NAME_MAX], err[256];
	struct nlattr *tb[FPA_MAX + 1];
	struct nlmsghdr *nlh;
	struct nl_msg *msg;
	uint64_t a, b;

	if (fpmsg_get_counter(nest, name, &a, err, sizeof(err)) < 0)
		return;
	if (strlen(name) >= FPMSG_CTR_NAME_MAX)
		abort();
	msg = fpmsg_new(FPMSG_STATS, 0, 1);
	if (msg == NULL || fpmsg_put_counter(msg, name, a) < 0)
		abort();
	nlh = nlmsg_hdr(msg);
	if (fpmsg_parse(nlh, nlh->nlmsg_len, NULL, tb, err, sizeof(err)) < 0 ||
	    fpmsg_get_counter(tb[FPA_COUNTER], again, &b, err, sizeof(err)) < 0 ||
	    strcmp(name, again) != 0 || a != b)
		abort();
	nlmsg_free(msg);
}

static void check_port(struct nlattr *nest)
{
	struct nlattr *tb[FPA_MAX + 1];
	struct fpmsg_port_info a, b;
	struct nl_msg *msg;
	char err[256];

	if (fpmsg_get_port_info(nest, &a, err, sizeof(err)) < 0)
		return;
	if (fpmsg_get_port_info(reencode(&msg, FPMSG_HELLO, put_port, &a, FPA_PORT_INFO, tb),
				&b, err, sizeof(err)) < 0 ||
	    a.index != b.index || strcmp(a.name, b.name) != 0 || a.role != b.role ||
	    memcmp(a.mac, b.mac, 6) != 0 || a.link != b.link)
		abort();
	nlmsg_free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlattr *tb[FPA_MAX + 1], *nla;
	void (*check)(struct nlattr *) = NULL;
	struct nlmsghdr *nlh;
	char err[512], text[FPMSG_TEXT_MAX];
	int nesttype = 0, rem;
	uint8_t *buf;

	/* An exact-size, aligned copy: any read past `size` is caught. */
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	if (size)
		memcpy(buf, data, size);
	err[0] = '\0';
	if (fpmsg_parse(buf, size, &nlh, tb, err, sizeof(err)) < 0) {
		if (err[0] == '\0' || strlen(err) >= sizeof(err))
			abort();
		free(buf);
		return 0;
	}
	if (nlh != (struct nlmsghdr *)buf || nlh->nlmsg_len > size)
		abort();
	(void)fpmsg_type_name(nlh->nlmsg_type);

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		(void)fpmsg_error_code(nlh, text, sizeof(text));
		break;
	case FPMSG_DEVICE_SET:
	case FPMSG_DEVICE_DEL:
		check = check_device;
		nesttype = FPA_DEVICE;
		break;
	case FPMSG_ROLE_ACL_SET:
		check = check_rule;
		nesttype = FPA_RULE;
		break;
	case FPMSG_BLOCKLIST_SET:
		check = check_prefix;
		nesttype = FPA_PREFIX;
		break;
	case FPMSG_STATS:
		check = check_counter;
		nesttype = FPA_COUNTER;
		break;
	case FPMSG_HELLO:
		check = check_port;
		nesttype = FPA_PORT_INFO;
		if (tb[FPA_CLIENT] != NULL && strlen(nla_get_string(tb[FPA_CLIENT])) >= FPMSG_NAME_MAX)
			abort();
		break;
	default:
		break;
	}
	if (check != NULL) {
		nlmsg_for_each_attr(nla, nlh, 0, rem) {
			if (nla_type(nla) == nesttype)
				check(nla);
		}
	}
	free(buf);
	return 0;
}
