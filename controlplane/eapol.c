/* eapol.c — EAPOL and EAP codec (802.1X-2010 clause 11, RFC 3748 section 4). */
#include "eapol.h"

#include <errno.h>
#include <string.h>

#include "ether.h"

static int fail(int *err, int why, int code)
{
	if (err)
		*err = why;
	return code;
}

bool eapol_is_group_addr(const uint8_t mac[6])
{
	static const uint8_t prefix[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };
	return memcmp(mac, prefix, 5) == 0 && (mac[5] == 0x00 || mac[5] == 0x03 || mac[5] == 0x0e);
}

static bool is_zero_mac(const uint8_t mac[6])
{
	static const uint8_t zero[6];
	return memcmp(mac, zero, 6) == 0;
}

int eapol_decode(const uint8_t *frame, size_t len, struct eapol_frame *f, int *err)
{
	struct ether_info e;
	const uint8_t *p;
	size_t avail;

	memset(f, 0, sizeof(*f));
	if (!frame || ether_decode(frame, len, &e) != 0)
		return fail(err, EAPOL_ERR_SHORT, -EBADMSG);
	if (e.ethertype != ETHERTYPE_EAPOL)
		return fail(err, EAPOL_ERR_ETHERTYPE, -EBADMSG);
	memcpy(f->dst, e.dst, 6);
	memcpy(f->src, e.src, 6);
	f->vlan_tci = e.vlan_tci;
	f->tagged = e.payload_off > ETHER_HDR_LEN;
	/* A group bit in the source is never a station (IEEE 802 48-bit rules). */
	if ((f->src[0] & 1) || is_zero_mac(f->src))
		return fail(err, EAPOL_ERR_SRC, -EBADMSG);
	if ((f->dst[0] & 1) && !eapol_is_group_addr(f->dst))
		return fail(err, EAPOL_ERR_DST, -EBADMSG);
	if (len - e.payload_off < EAPOL_HDR_LEN)
		return fail(err, EAPOL_ERR_SHORT, -EBADMSG);
	p = frame + e.payload_off;
	f->version = p[0];
	f->type = p[1];
	f->body_len = ether_get16(p + 2);
	/* 802.1X-2010 11.5.2: any non-zero version is processed as ours. */
	if (f->version == 0)
		return fail(err, EAPOL_ERR_VERSION, -EBADMSG);
	avail = len - e.payload_off - EAPOL_HDR_LEN;
	if (f->body_len > avail)
		return fail(err, EAPOL_ERR_BODY_LEN, -EBADMSG);
	f->body = f->body_len ? p + EAPOL_HDR_LEN : NULL;
	return fail(err, EAPOL_OK, 0);
}

int eap_decode(const uint8_t *buf, size_t len, struct eap_packet *p, int *err)
{
	memset(p, 0, sizeof(*p));
	if (!buf || len < EAP_HDR_LEN)
		return fail(err, EAP_ERR_SHORT, -EBADMSG);
	p->code = buf[0];
	p->id = buf[1];
	p->len = ether_get16(buf + 2);
	p->raw = buf;
	if (p->code < EAP_CODE_REQUEST || p->code > EAP_CODE_FAILURE)
		return fail(err, EAP_ERR_CODE, -EBADMSG);
	if (p->len > len)
		return fail(err, EAP_ERR_LENGTH, -EBADMSG);
	if (p->len > EAP_MAX_LEN)
		return fail(err, EAP_ERR_TOO_BIG, -EMSGSIZE);
	switch (p->code) {
	case EAP_CODE_REQUEST:
	case EAP_CODE_RESPONSE:
		/* RFC 3748 4.1: Request and Response carry at least a Type. */
		if (p->len < EAP_HDR_LEN + 1)
			return fail(err, EAP_ERR_LENGTH, -EBADMSG);
		p->type = buf[4];
		p->data_len = p->len - EAP_HDR_LEN - 1u;
		p->data = p->data_len ? buf + 5 : NULL;
		break;
	default:
		/* RFC 3748 4.2: Success and Failure are exactly 4 octets. */
		if (p->len != EAP_HDR_LEN)
			return fail(err, EAP_ERR_LENGTH, -EBADMSG);
		break;
	}
	return fail(err, EAPOL_OK, 0);
}

int eapol_encode(uint8_t *out, size_t outlen, const uint8_t dst[6], const uint8_t src[6],
		 uint16_t vlan_tci, uint8_t type, const uint8_t *body, size_t body_len,
		 size_t *written)
{
	size_t off = 0, need;

	if (!out || !dst || !src || (body_len && !body) || body_len > 0xffff)
		return -EINVAL;
	need = ETHER_HDR_LEN + (vlan_tci ? ETHER_VLAN_LEN : 0) + EAPOL_HDR_LEN + body_len;
	if (need < EAPOL_MIN_FRAME)
		need = EAPOL_MIN_FRAME;
	if (need > outlen)
		return -ENOSPC;
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	off = 12;
	if (vlan_tci) {
		out[off++] = ETHERTYPE_VLAN_ >> 8;
		out[off++] = ETHERTYPE_VLAN_ & 0xff;
		out[off++] = (uint8_t)(vlan_tci >> 8);
		out[off++] = (uint8_t)vlan_tci;
	}
	out[off++] = ETHERTYPE_EAPOL >> 8;
	out[off++] = ETHERTYPE_EAPOL & 0xff;
	out[off++] = EAPOL_VERSION_SENT;
	out[off++] = type;
	out[off++] = (uint8_t)(body_len >> 8);
	out[off++] = (uint8_t)body_len;
	if (body_len)
		memcpy(out + off, body, body_len);
	off += body_len;
	if (off < need)
		memset(out + off, 0, need - off);
	*written = need;
	return 0;
}

int eap_encode(uint8_t *out, size_t outlen, uint8_t code, uint8_t id, uint8_t type,
	       const uint8_t *data, size_t data_len, size_t *written)
{
	size_t len;

	if (!out || (data_len && !data))
		return -EINVAL;
	switch (code) {
	case EAP_CODE_REQUEST:
	case EAP_CODE_RESPONSE:
		len = EAP_HDR_LEN + 1 + data_len;
		break;
	case EAP_CODE_SUCCESS:
	case EAP_CODE_FAILURE:
		if (data_len)
			return -EINVAL;
		len = EAP_HDR_LEN;
		break;
	default:
		return -EINVAL;
	}
	if (len > EAP_MAX_LEN)
		return -EMSGSIZE;
	if (len > outlen)
		return -ENOSPC;
	out[0] = code;
	out[1] = id;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	if (len > EAP_HDR_LEN) {
		out[4] = type;
		if (data_len)
			memcpy(out + 5, data, data_len);
	}
	*written = len;
	return 0;
}

int eap_identity(const struct eap_packet *p, char *out, size_t outlen)
{
	size_t n = 0;

	if (!outlen)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (p->code != EAP_CODE_RESPONSE || p->type != EAP_TYPE_IDENTITY)
		return -EINVAL;
	/* RFC 4284: a NUL ends the identity; what follows is network info. */
	while (n < p->data_len && p->data[n] != 0)
		n++;
	if (n == 0)
		return -EINVAL;
	if (n >= outlen)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		if (p->data[i] < 0x20 || p->data[i] == 0x7f)
			return -EINVAL;
	memcpy(out, p->data, n);
	out[n] = '\0';
	return 0;
}

const char *eapol_type_name(int type)
{
	static const char *const names[] = {
		[EAPOL_EAP_PACKET] = "EAP-Packet", [EAPOL_START] = "EAPOL-Start",
		[EAPOL_LOGOFF] = "EAPOL-Logoff", [EAPOL_KEY] = "EAPOL-Key",
		[EAPOL_ASF_ALERT] = "EAPOL-Encapsulated-ASF-Alert", [EAPOL_MKA] = "EAPOL-MKA",
		[EAPOL_ANNOUNCE_GENERIC] = "EAPOL-Announcement-Generic",
		[EAPOL_ANNOUNCE_SPECIFIC] = "EAPOL-Announcement-Specific",
		[EAPOL_ANNOUNCE_REQ] = "EAPOL-Announcement-Req",
	};
	if (type < 0 || type > EAPOL_TYPE_MAX)
		return "unknown";
	return names[type];
}

const char *eap_code_name(int code)
{
	switch (code) {
	case EAP_CODE_REQUEST:  return "Request";
	case EAP_CODE_RESPONSE: return "Response";
	case EAP_CODE_SUCCESS:  return "Success";
	case EAP_CODE_FAILURE:  return "Failure";
	default:                return "unknown";
	}
}

const char *eap_type_name(int type)
{
	switch (type) {
	case EAP_TYPE_IDENTITY:     return "Identity";
	case EAP_TYPE_NOTIFICATION: return "Notification";
	case EAP_TYPE_NAK:          return "Nak";
	case EAP_TYPE_MD5:          return "MD5-Challenge";
	case EAP_TYPE_OTP:          return "OTP";
	case EAP_TYPE_GTC:          return "GTC";
	case EAP_TYPE_TLS:          return "TLS";
	case EAP_TYPE_TTLS:         return "TTLS";
	case EAP_TYPE_PEAP:         return "PEAP";
	case EAP_TYPE_MSCHAPV2:     return "MSCHAPv2";
	case EAP_TYPE_FAST:         return "FAST";
	case EAP_TYPE_EXPANDED:     return "Expanded";
	default:                    return "unknown";
	}
}

const char *eapol_error_name(int err)
{
	static const char *const names[] = {
		[EAPOL_OK] = "ok",
		[EAPOL_ERR_SHORT] = "frame too short",
		[EAPOL_ERR_ETHERTYPE] = "not EAPOL",
		[EAPOL_ERR_SRC] = "bad source MAC",
		[EAPOL_ERR_DST] = "bad destination MAC",
		[EAPOL_ERR_VERSION] = "bad EAPOL version",
		[EAPOL_ERR_BODY_LEN] = "EAPOL body length past the frame",
		[EAP_ERR_SHORT] = "EAP header truncated",
		[EAP_ERR_LENGTH] = "bad EAP length",
		[EAP_ERR_CODE] = "bad EAP code",
		[EAP_ERR_TOO_BIG] = "EAP packet too big",
	};
	if (err < 0)
		err = -err;
	if (err >= EAPOL_ERR__MAX)
		return "unknown error";
	return names[err];
}
