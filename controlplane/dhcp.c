/* dhcp.c — DHCPv4 decoder for snooping (see dhcp.h). */
#include "dhcp.h"

#include <stdio.h>
#include <string.h>

#include "ether.h"

#define BOOTREQUEST        1
#define BOOTREPLY          2
#define DHCP_COOKIE        0x63825363u
#define OFF_SNAME          44
#define LEN_SNAME          64
#define OFF_FILE           108
#define LEN_FILE           128
#define OPT_AREA_RAW_MAX   255     /* concatenated text option bytes kept (RFC 3396) */

enum {
	OPT_PAD = 0,
	OPT_HOSTNAME = 12,
	OPT_REQUESTED_IP = 50,
	OPT_LEASE_TIME = 51,
	OPT_OVERLOAD = 52,
	OPT_MSG_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_PARAM_LIST = 55,
	OPT_VENDOR_CLASS = 60,
	OPT_END = 255,
};

/* Raw text collected across split options before cleaning. */
struct raw_text {
	size_t  len;
	uint8_t buf[OPT_AREA_RAW_MAX];
};

struct decode_state {
	struct dhcp_msg *m;
	uint8_t overload;
	struct raw_text hostname, vendor;
};

static void raw_append(struct raw_text *t, const uint8_t *p, size_t n)
{
	size_t room = sizeof(t->buf) - t->len;
	if (n > room)
		n = room;
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* Walk one option area: the options field, or file/sname when overloaded. */
static int parse_options(const uint8_t *p, size_t len, struct decode_state *st, bool main_area)
{
	struct dhcp_msg *m = st->m;
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i++];
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return 0;
		if (i >= len)
			return -DHCP_ERR_OPT_TRUNC;
		uint8_t olen = p[i++];
		if (olen > len - i)
			return -DHCP_ERR_OPT_TRUNC;
		const uint8_t *v = p + i;
		i += olen;

		switch (code) {
		case OPT_MSG_TYPE:
			if (olen != 1)
				return -DHCP_ERR_OPT_LEN;
			m->type = v[0];
			break;
		case OPT_REQUESTED_IP:
		case OPT_SERVER_ID:
		case OPT_LEASE_TIME:
			if (olen != 4)
				return -DHCP_ERR_OPT_LEN;
			if (code == OPT_REQUESTED_IP) {
				m->has_requested_ip = true;
				m->requested_ip = ether_get32(v);
			} else if (code == OPT_SERVER_ID) {
				m->has_server_id = true;
				m->server_id = ether_get32(v);
			} else {
				m->lease_time = ether_get32(v);
			}
			break;
		case OPT_OVERLOAD:
			/* RFC 2132 9.3: only in the options field, values 1..3. */
			if (olen != 1 || !main_area || v[0] < 1 || v[0] > 3)
				return -DHCP_ERR_OPT_LEN;
			st->overload = v[0];
			break;
		case OPT_HOSTNAME:
		case OPT_VENDOR_CLASS:
			/* RFC 2132 3.14 / 9.13: minimum length 1. Repeated
			 * instances are one value split in parts (RFC 3396). */
			if (olen < 1)
				return -DHCP_ERR_OPT_LEN;
			raw_append(code == OPT_HOSTNAME ? &st->hostname : &st->vendor, v, olen);
			break;
		case OPT_PARAM_LIST:
			if (olen < 1)
				return -DHCP_ERR_OPT_LEN;
			for (unsigned k = 0; k < olen && m->nparams < DHCP_PARAMS_MAX; k++)
				m->params[m->nparams++] = v[k];
			break;
		default:
			break;  /* not needed for snooping; its length was checked */
		}
	}
	/* An area may end without END (some clients pad to the end instead);
	 * every option in it was complete, so nothing is lost. */
	return 0;
}

int dhcp_decode(const uint8_t *buf, size_t len, struct dhcp_msg *m)
{
	struct decode_state st = { .m = m };
	int rc;

	memset(m, 0, sizeof(*m));
	if (buf == NULL || len < DHCP_MIN_LEN)
		return -DHCP_ERR_SHORT;
	m->op = buf[0];
	if (m->op != BOOTREQUEST && m->op != BOOTREPLY)
		return -DHCP_ERR_OP;
	if (buf[1] != 1 || buf[2] != 6)
		return -DHCP_ERR_HTYPE;
	m->xid = ether_get32(buf + 4);
	m->ciaddr = ether_get32(buf + 12);
	m->yiaddr = ether_get32(buf + 16);
	m->siaddr = ether_get32(buf + 20);
	m->giaddr = ether_get32(buf + 24);
	memcpy(m->chaddr, buf + 28, 6);
	if (ether_get32(buf + DHCP_FIXED_LEN) != DHCP_COOKIE)
		return -DHCP_ERR_COOKIE;

	if ((rc = parse_options(buf + DHCP_MIN_LEN, len - DHCP_MIN_LEN, &st, true)) < 0)
		return rc;
	/* RFC 2131 4.1: with overload, 'file' is read next, then 'sname'. */
	if ((st.overload & 1) && (rc = parse_options(buf + OFF_FILE, LEN_FILE, &st, false)) < 0)
		return rc;
	if ((st.overload & 2) && (rc = parse_options(buf + OFF_SNAME, LEN_SNAME, &st, false)) < 0)
		return rc;

	if (m->type < 1 || m->type > DHCP_TYPE_MAX)
		return -DHCP_ERR_TYPE;
	dhcp_text_clean(st.hostname.buf, st.hostname.len, m->hostname, sizeof(m->hostname));
	dhcp_text_clean(st.vendor.buf, st.vendor.len, m->vendor_class, sizeof(m->vendor_class));
	return 0;
}

int dhcp_decode_frame(const uint8_t *frame, size_t len, struct dhcp_frame *f, struct dhcp_msg *m)
{
	struct ether_info e;

	memset(f, 0, sizeof(*f));
	memset(m, 0, sizeof(*m));
	if (frame == NULL || ether_decode(frame, len, &e) < 0)
		return -DHCP_ERR_FRAME;
	memcpy(f->src_mac, e.src, 6);
	f->vlan_tci = e.vlan_tci;
	if (e.ethertype != ETHERTYPE_IPV4_)
		return -DHCP_ERR_FRAME;

	const uint8_t *ip = frame + e.payload_off;
	size_t iplen = len - e.payload_off;
	if (iplen < 20 || (ip[0] >> 4) != 4)
		return -DHCP_ERR_IP;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t total = ether_get16(ip + 2);
	if (ihl < 20 || total < ihl || total > iplen)
		return -DHCP_ERR_IP;
	/* A fragment cannot be decoded alone; DHCP messages are never fragmented in practice. */
	if ((ether_get16(ip + 6) & 0x3fff) != 0)
		return -DHCP_ERR_IP;
	if (ip[9] != 17)
		return -DHCP_ERR_FRAME;
	f->src_ip = ether_get32(ip + 12);
	f->dst_ip = ether_get32(ip + 16);

	const uint8_t *udp = ip + ihl;
	size_t udplen = total - ihl;
	if (udplen < 8)
		return -DHCP_ERR_UDP;
	f->src_port = ether_get16(udp);
	f->dst_port = ether_get16(udp + 2);
	size_t ulen = ether_get16(udp + 4);
	if (ulen < 8 || ulen > udplen)
		return -DHCP_ERR_UDP;
	if (!((f->dst_port == 67 || f->dst_port == 68) && (f->src_port == 67 || f->src_port == 68)))
		return -DHCP_ERR_FRAME;
	return dhcp_decode(udp + 8, ulen - 8, m);
}

void dhcp_fingerprint(const struct dhcp_msg *m, char *out, size_t len)
{
	size_t off = 0;
	if (len == 0)
		return;
	out[0] = '\0';
	for (unsigned i = 0; i < m->nparams; i++) {
		int n = snprintf(out + off, len - off, "%s%u", i ? "," : "", m->params[i]);
		if (n < 0 || (size_t)n >= len - off) {
			out[off] = '\0';   /* never leave half a number */
			return;
		}
		off += (size_t)n;
	}
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 table), 0 if invalid. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t b = p[0];
	size_t need;
	uint8_t lo = 0x80, hi = 0xbf;

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		need = 2;
	else if (b >= 0xe0 && b <= 0xef) {
		need = 3;
		if (b == 0xe0)
			lo = 0xa0;        /* no overlong forms */
		if (b == 0xed)
			hi = 0x9f;        /* no surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		need = 4;
		if (b == 0xf0)
			lo = 0x90;
		if (b == 0xf4)
			hi = 0x8f;        /* nothing above U+10FFFF */
	} else
		return 0;
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	/* C1 controls U+0080..U+009F are as unwelcome in a log as C0 ones. */
	if (need == 2 && b == 0xc2 && p[1] < 0xa0)
		return 0;
	return need;
}

void dhcp_text_clean(const uint8_t *in, size_t inlen, char *out, size_t outlen)
{
	size_t o = 0;
	if (outlen == 0)
		return;
	while (inlen > 0 && in[inlen - 1] == 0)
		inlen--;
	for (size_t i = 0; i < inlen;) {
		size_t n = utf8_seq(in + i, inlen - i);
		if (n == 1 && (in[i] < 0x20 || in[i] == 0x7f))
			n = 0;
		if (n == 0) {
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, in + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
}

const char *dhcp_error_name(int err)
{
	static const char *const names[DHCP_ERR__MAX] = {
		[DHCP_OK] = "ok",
		[DHCP_ERR_SHORT] = "short",
		[DHCP_ERR_OP] = "op",
		[DHCP_ERR_HTYPE] = "htype",
		[DHCP_ERR_COOKIE] = "cookie",
		[DHCP_ERR_OPT_TRUNC] = "option_truncated",
		[DHCP_ERR_OPT_LEN] = "option_length",
		[DHCP_ERR_TYPE] = "message_type",
		[DHCP_ERR_FRAME] = "not_dhcp",
		[DHCP_ERR_IP] = "ipv4",
		[DHCP_ERR_UDP] = "udp",
	};
	if (err < 0)
		err = -err;
	return err < DHCP_ERR__MAX ? names[err] : "unknown";
}

const char *dhcp_type_name(int type)
{
	static const char *const names[] = {
		"?", "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPDECLINE", "DHCPACK", "DHCPNAK",
		"DHCPRELEASE", "DHCPINFORM",
	};
	if (type >= 1 && type <= DHCPINFORM)
		return names[type];
	return type >= 1 && type <= DHCP_TYPE_MAX ? "DHCP(other)" : "?";
}
