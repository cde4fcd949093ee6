/* radius.c — RADIUS codec (RFC 2865, 2866, 3579, 3580, 5176, 5997). */
#include "radius.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define MA_ATTR_LEN (RADIUS_ATTR_HDR_LEN + RADIUS_MA_LEN)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int refuse(struct radius_msg *m, int why, int code)
{
	m->error = why;
	return code;
}

static int set_why(int *why, int value)
{
	if (why)
		*why = value;
	return value == RADIUS_OK ? 0 : -EBADMSG;
}

/* ---- decoding ---------------------------------------------------------- */

int radius_decode(const uint8_t *buf, size_t len, struct radius_msg *m)
{
	size_t off;
	bool has_eap = false;

	m->code = m->id = 0;
	m->len = 0;
	m->raw = m->authenticator = NULL;
	m->ma_index = -1;
	m->error = RADIUS_OK;
	m->nattrs = 0;
	if (!buf || len < RADIUS_HDR_LEN)
		return refuse(m, RADIUS_ERR_SHORT, -EBADMSG);
	m->code = buf[0];
	m->id = buf[1];
	m->len = get16(buf + 2);
	if (m->len < RADIUS_HDR_LEN || m->len > RADIUS_MAX_LEN)
		return refuse(m, RADIUS_ERR_LENGTH, -EBADMSG);
	/* RFC 2865 3: shorter than its Length field: silently discarded. */
	if (m->len > len)
		return refuse(m, RADIUS_ERR_TRUNCATED, -EBADMSG);
	m->raw = buf;
	m->authenticator = buf + 4;

	for (off = RADIUS_HDR_LEN; off < m->len;) {
		uint8_t type, alen;

		if (m->len - off < RADIUS_ATTR_HDR_LEN)
			return refuse(m, RADIUS_ERR_ATTR_SHORT, -EBADMSG);
		type = buf[off];
		alen = buf[off + 1];
		if (alen < RADIUS_ATTR_HDR_LEN)
			return refuse(m, RADIUS_ERR_ATTR_SHORT, -EBADMSG);
		if (alen > m->len - off)
			return refuse(m, RADIUS_ERR_ATTR_OVERRUN, -EBADMSG);
		/* RFC 2865 5: every attribute type carries 1..253 octets. */
		if (alen == RADIUS_ATTR_HDR_LEN)
			return refuse(m, RADIUS_ERR_ATTR_EMPTY, -EBADMSG);
		if (m->nattrs == RADIUS_MAX_ATTRS)
			return refuse(m, RADIUS_ERR_TOO_MANY_ATTRS, -E2BIG);
		if (type == RADIUS_ATTR_MESSAGE_AUTHENTICATOR) {
			if (alen != MA_ATTR_LEN)
				return refuse(m, RADIUS_ERR_MA_LENGTH, -EBADMSG);
			if (m->ma_index >= 0)
				return refuse(m, RADIUS_ERR_MA_DUPLICATE, -EBADMSG);
			m->ma_index = (int)m->nattrs;
		}
		if (type == RADIUS_ATTR_EAP_MESSAGE)
			has_eap = true;
		m->attrs[m->nattrs].type = type;
		m->attrs[m->nattrs].len = (uint8_t)(alen - RADIUS_ATTR_HDR_LEN);
		m->attrs[m->nattrs].offset = (uint16_t)off;
		m->attrs[m->nattrs].value = buf + off + RADIUS_ATTR_HDR_LEN;
		m->nattrs++;
		off += alen;
	}
	/* RFC 3579 3.3: EAP-Message without Message-Authenticator is discarded. */
	if (has_eap && m->ma_index < 0)
		return refuse(m, RADIUS_ERR_EAP_WITHOUT_MA, -EBADMSG);
	return 0;
}

const struct radius_attr *radius_next(const struct radius_msg *m, uint8_t type, unsigned *pos)
{
	for (unsigned i = *pos; i < m->nattrs; i++) {
		if (m->attrs[i].type == type) {
			*pos = i + 1;
			return &m->attrs[i];
		}
	}
	*pos = m->nattrs;
	return NULL;
}

const struct radius_attr *radius_find(const struct radius_msg *m, uint8_t type)
{
	unsigned pos = 0;
	return radius_next(m, type, &pos);
}

unsigned radius_count(const struct radius_msg *m, uint8_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < m->nattrs; i++)
		n += m->attrs[i].type == type;
	return n;
}

int radius_get_u32(const struct radius_msg *m, uint8_t type, uint32_t *v)
{
	const struct radius_attr *a = radius_find(m, type);

	if (!a)
		return -ENOENT;
	if (a->len != 4)
		return -EBADMSG;
	*v = (uint32_t)a->value[0] << 24 | (uint32_t)a->value[1] << 16 |
	     (uint32_t)a->value[2] << 8 | a->value[3];
	return 0;
}

static int copy_text(const uint8_t *v, size_t n, char *out, size_t outlen)
{
	if (!outlen)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (n == 0)
		return -EBADMSG;
	if (n >= outlen)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] == 0x7f)
			return -EBADMSG;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int radius_get_text(const struct radius_msg *m, uint8_t type, char *out, size_t outlen)
{
	const struct radius_attr *a = radius_find(m, type);

	if (outlen)
		out[0] = '\0';
	if (!a)
		return -ENOENT;
	return copy_text(a->value, a->len, out, outlen);
}

int radius_get_tunnel_group(const struct radius_msg *m, char *out, size_t outlen)
{
	const struct radius_attr *a = radius_find(m, RADIUS_ATTR_TUNNEL_PRIVATE_GROUP_ID);
	size_t skip;

	if (outlen)
		out[0] = '\0';
	if (!a)
		return -ENOENT;
	/* RFC 2868 3.6: a first octet of 0x00..0x1F is a tag, not text. */
	skip = a->value[0] <= 0x1f ? 1 : 0;
	return copy_text(a->value + skip, a->len - skip, out, outlen);
}

int radius_get_tagged_u32(const struct radius_msg *m, uint8_t type, uint32_t *v)
{
	const struct radius_attr *a = radius_find(m, type);

	if (!a)
		return -ENOENT;
	/* RFC 2868 3.1: one tag octet, then a 3-octet value. */
	if (a->len != 4)
		return -EBADMSG;
	*v = (uint32_t)a->value[1] << 16 | (uint32_t)a->value[2] << 8 | a->value[3];
	return 0;
}

int radius_get_eap(const struct radius_msg *m, uint8_t *out, size_t outlen, size_t *len)
{
	size_t n = 0;
	int first = -1, last = -1;

	*len = 0;
	for (unsigned i = 0; i < m->nattrs; i++) {
		if (m->attrs[i].type != RADIUS_ATTR_EAP_MESSAGE)
			continue;
		/* RFC 3579 3.1: several EAP-Message attributes are consecutive. */
		if (last >= 0 && (int)i != last + 1)
			return -EBADMSG;
		if (first < 0)
			first = (int)i;
		last = (int)i;
		if (m->attrs[i].len > outlen - n)
			return -ENOSPC;
		memcpy(out + n, m->attrs[i].value, m->attrs[i].len);
		n += m->attrs[i].len;
	}
	if (first < 0)
		return -ENOENT;
	/* The reassembled bytes are exactly one EAP packet (RFC 3748 4). */
	if (n < 4 || get16(out + 2) != n)
		return -EBADMSG;
	*len = n;
	return 0;
}

/* ---- building ---------------------------------------------------------- */

void radius_attrs_init(struct radius_attrs *a)
{
	a->len = 0;
}

int radius_attrs_put(struct radius_attrs *a, uint8_t type, const void *value, size_t len)
{
	if (!len || len > RADIUS_ATTR_MAX_VALUE || !value)
		return -EINVAL;
	if (type == RADIUS_ATTR_MESSAGE_AUTHENTICATOR || type == RADIUS_ATTR_USER_PASSWORD)
		return -EINVAL;
	if (len + RADIUS_ATTR_HDR_LEN > sizeof(a->buf) - a->len)
		return -ENOSPC;
	a->buf[a->len] = type;
	a->buf[a->len + 1] = (uint8_t)(len + RADIUS_ATTR_HDR_LEN);
	memcpy(a->buf + a->len + RADIUS_ATTR_HDR_LEN, value, len);
	a->len += len + RADIUS_ATTR_HDR_LEN;
	return 0;
}

int radius_attrs_put_u32(struct radius_attrs *a, uint8_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	return radius_attrs_put(a, type, b, sizeof(b));
}

int radius_attrs_put_text(struct radius_attrs *a, uint8_t type, const char *s)
{
	return radius_attrs_put(a, type, s, s ? strlen(s) : 0);
}

int radius_attrs_put_eap(struct radius_attrs *a, const uint8_t *eap, size_t len)
{
	size_t frags, need, saved = a->len;

	if (!eap || len < 4)
		return -EINVAL;
	frags = (len + RADIUS_ATTR_MAX_VALUE - 1) / RADIUS_ATTR_MAX_VALUE;
	need = len + frags * RADIUS_ATTR_HDR_LEN;
	if (need > sizeof(a->buf) - a->len)
		return -ENOSPC;
	for (size_t off = 0; off < len; off += RADIUS_ATTR_MAX_VALUE) {
		size_t n = len - off < RADIUS_ATTR_MAX_VALUE ? len - off : RADIUS_ATTR_MAX_VALUE;
		int rc = radius_attrs_put(a, RADIUS_ATTR_EAP_MESSAGE, eap + off, n);
		if (rc < 0) {
			a->len = saved;
			return rc;
		}
	}
	return 0;
}

/* ---- digests ----------------------------------------------------------- */

/* MD5(Code, Identifier, Length, auth, Attributes, Secret): the Response
 * Authenticator (RFC 2865 3) and, with a zero auth, the Request
 * Authenticator of accounting and dynamic authorization (RFC 2866 3,
 * RFC 5176 2.3). */
static int md5_authenticator(const uint8_t *pkt, size_t len, const uint8_t auth[RADIUS_AUTH_LEN],
			     const uint8_t *secret, size_t secret_len, uint8_t out[RADIUS_AUTH_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
	     EVP_DigestUpdate(ctx, pkt, 4) &&
	     EVP_DigestUpdate(ctx, auth, RADIUS_AUTH_LEN) &&
	     EVP_DigestUpdate(ctx, pkt + RADIUS_HDR_LEN, len - RADIUS_HDR_LEN) &&
	     EVP_DigestUpdate(ctx, secret, secret_len) &&
	     EVP_DigestFinal_ex(ctx, out, &n) && n == RADIUS_AUTH_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* HMAC-MD5 over the packet with `auth` in the Authenticator field and the
 * Message-Authenticator value (at ma_value_off) as 16 zero octets
 * (RFC 3579 3.2, RFC 5176 3.3). */
static int hmac_message_auth(const uint8_t *pkt, size_t len, size_t ma_value_off,
			     const uint8_t auth[RADIUS_AUTH_LEN], const uint8_t *secret,
			     size_t secret_len, uint8_t out[RADIUS_MA_LEN])
{
	uint8_t tmp[RADIUS_MAX_LEN];
	unsigned int n = 0;

	if (len > sizeof(tmp) || ma_value_off + RADIUS_MA_LEN > len)
		return -EINVAL;
	memcpy(tmp, pkt, len);
	memcpy(tmp + 4, auth, RADIUS_AUTH_LEN);
	memset(tmp + ma_value_off, 0, RADIUS_MA_LEN);
	if (!HMAC(EVP_md5(), secret, (int)secret_len, tmp, len, out, &n) || n != RADIUS_MA_LEN)
		return -EIO;
	return 0;
}

static bool secret_ok(const uint8_t *secret, size_t secret_len)
{
	return secret && secret_len > 0 && secret_len <= RADIUS_SECRET_MAX;
}

/* How the Authenticator field of a code is made. */
enum auth_kind { KIND_NONE, KIND_RANDOM, KIND_COMPUTED, KIND_REPLY };

/* Which authenticator the Message-Authenticator of a reply is computed
 * over. Access-Accept/Reject/Challenge: the request's (RFC 3579 3.2), and
 * nothing else is accepted. Disconnect/CoA ACK/NAK: the request's
 * (RFC 5176 3.3; hostapd, FreeRADIUS 3.2), but FreeRADIUS 3.0 zeroed it.
 * Accounting-Response: no RFC; FreeRADIUS zeroes it. We send the first form
 * named and accept both for these non-Access replies (either needs the
 * secret). */
static bool reply_ma_sent_over_zero(int code)
{
	return code == RADIUS_ACCOUNTING_RESPONSE;
}

static bool reply_ma_either_form(int code)
{
	return code == RADIUS_ACCOUNTING_RESPONSE || code == RADIUS_DISCONNECT_ACK ||
	       code == RADIUS_DISCONNECT_NAK || code == RADIUS_COA_ACK || code == RADIUS_COA_NAK;
}

static enum auth_kind code_kind(int code)
{
	switch (code) {
	case RADIUS_ACCESS_REQUEST:
	case RADIUS_STATUS_SERVER:
		return KIND_RANDOM;
	case RADIUS_ACCOUNTING_REQUEST:
	case RADIUS_DISCONNECT_REQUEST:
	case RADIUS_COA_REQUEST:
		return KIND_COMPUTED;
	default:
		return radius_code_is_reply(code) ? KIND_REPLY : KIND_NONE;
	}
}

bool radius_code_is_reply(int code)
{
	switch (code) {
	case RADIUS_ACCESS_ACCEPT:
	case RADIUS_ACCESS_REJECT:
	case RADIUS_ACCOUNTING_RESPONSE:
	case RADIUS_ACCESS_CHALLENGE:
	case RADIUS_DISCONNECT_ACK:
	case RADIUS_DISCONNECT_NAK:
	case RADIUS_COA_ACK:
	case RADIUS_COA_NAK:
		return true;
	default:
		return false;
	}
}

/* ---- User-Password ----------------------------------------------------- */

/* b = MD5(secret + prev), RFC 2865 5.2 */
static int password_block(const uint8_t *secret, size_t secret_len, const uint8_t prev[16],
			  uint8_t b[16])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
	     EVP_DigestUpdate(ctx, secret, secret_len) &&
	     EVP_DigestUpdate(ctx, prev, 16) &&
	     EVP_DigestFinal_ex(ctx, b, &n) && n == 16;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int radius_password_hide(const uint8_t *pw, size_t pw_len, const uint8_t req_auth[RADIUS_AUTH_LEN],
			 const uint8_t *secret, size_t secret_len, uint8_t *out, size_t outlen,
			 size_t *written)
{
	size_t padded = pw_len == 0 ? 16 : (pw_len + 15) / 16 * 16;
	const uint8_t *prev = req_auth;

	if ((pw_len && !pw) || !req_auth || !secret_ok(secret, secret_len) ||
	    pw_len > RADIUS_PASSWORD_MAX)
		return -EINVAL;
	if (padded > outlen)
		return -ENOSPC;
	for (size_t off = 0; off < padded; off += 16) {
		uint8_t b[16];
		int rc = password_block(secret, secret_len, prev, b);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < 16; i++)
			out[off + i] = (uint8_t)((off + i < pw_len ? pw[off + i] : 0) ^ b[i]);
		prev = out + off;
	}
	*written = padded;
	return 0;
}

int radius_password_reveal(const uint8_t *hidden, size_t len, const uint8_t req_auth[RADIUS_AUTH_LEN],
			   const uint8_t *secret, size_t secret_len, uint8_t *out, size_t outlen,
			   size_t *written)
{
	const uint8_t *prev = req_auth;
	size_t n;

	if (!hidden || !req_auth || !secret_ok(secret, secret_len))
		return -EINVAL;
	if (len == 0 || len % 16 || len > RADIUS_PASSWORD_MAX)
		return -EBADMSG;
	if (len > outlen)
		return -ENOSPC;
	for (size_t off = 0; off < len; off += 16) {
		uint8_t b[16];
		int rc = password_block(secret, secret_len, prev, b);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < 16; i++)
			out[off + i] = hidden[off + i] ^ b[i];
		prev = hidden + off;
	}
	n = len;
	while (n > 0 && out[n - 1] == 0)
		n--;
	*written = n;
	return 0;
}

/* ---- encoding ---------------------------------------------------------- */

int radius_encode(uint8_t *out, size_t outlen, uint8_t code, uint8_t id,
		  const uint8_t auth[RADIUS_AUTH_LEN], const struct radius_attrs *attrs,
		  const uint8_t *password, size_t password_len,
		  const uint8_t *secret, size_t secret_len, size_t *written)
{
	static const uint8_t zero[RADIUS_AUTH_LEN];
	enum auth_kind kind = code_kind(code);
	size_t attrs_len = attrs ? attrs->len : 0;
	size_t pw_attr = 0, total, off;
	uint8_t digest[RADIUS_AUTH_LEN];
	int rc;

	if (!out || !written || kind == KIND_NONE || !secret_ok(secret, secret_len))
		return -EINVAL;
	if (kind != KIND_COMPUTED && !auth)
		return -EINVAL;
	if (attrs_len > sizeof(attrs->buf))
		return -EINVAL;
	if (password) {
		/* RFC 2865 5.2: only an Access-Request carries User-Password. */
		if (code != RADIUS_ACCESS_REQUEST || password_len > RADIUS_PASSWORD_MAX)
			return -EINVAL;
		pw_attr = RADIUS_ATTR_HDR_LEN + (password_len == 0 ? 16 : (password_len + 15) / 16 * 16);
	}
	total = RADIUS_HDR_LEN + MA_ATTR_LEN + pw_attr + attrs_len;
	if (total > RADIUS_MAX_LEN)
		return -EMSGSIZE;
	if (total > outlen)
		return -ENOSPC;

	out[0] = code;
	out[1] = id;
	out[2] = (uint8_t)(total >> 8);
	out[3] = (uint8_t)total;
	memcpy(out + 4, kind == KIND_COMPUTED ? zero : auth, RADIUS_AUTH_LEN);
	off = RADIUS_HDR_LEN;
	/* Message-Authenticator first (Blast-RADIUS: a forged prefix cannot
	 * move it), value zero while the HMAC is computed. */
	out[off] = RADIUS_ATTR_MESSAGE_AUTHENTICATOR;
	out[off + 1] = MA_ATTR_LEN;
	memset(out + off + 2, 0, RADIUS_MA_LEN);
	off += MA_ATTR_LEN;
	if (password) {
		size_t n = 0;
		out[off] = RADIUS_ATTR_USER_PASSWORD;
		out[off + 1] = (uint8_t)pw_attr;
		rc = radius_password_hide(password, password_len, auth, secret, secret_len,
					  out + off + 2, pw_attr - 2, &n);
		if (rc < 0)
			return rc;
		off += pw_attr;
	}
	if (attrs_len)
		memcpy(out + off, attrs->buf, attrs_len);

	/* The Authenticator field holds the random authenticator, zeros
	 * (RFC 5176 3.3, computed authenticators), or the request's
	 * authenticator (replies): what the HMAC covers, except for the
	 * replies of reply_ma_sent_over_zero(). */
	rc = hmac_message_auth(out, total, RADIUS_HDR_LEN + 2,
			       kind == KIND_REPLY && reply_ma_sent_over_zero(code) ? zero : out + 4,
			       secret, secret_len, digest);
	if (rc < 0)
		return rc;
	memcpy(out + RADIUS_HDR_LEN + 2, digest, RADIUS_MA_LEN);
	if (kind == KIND_COMPUTED || kind == KIND_REPLY) {
		rc = md5_authenticator(out, total, kind == KIND_COMPUTED ? zero : auth, secret,
				       secret_len, digest);
		if (rc < 0)
			return rc;
		memcpy(out + 4, digest, RADIUS_AUTH_LEN);
	}
	*written = total;
	return 0;
}

/* ---- verifying --------------------------------------------------------- */

int radius_check_response_auth(const struct radius_msg *m, const uint8_t req_auth[RADIUS_AUTH_LEN],
			       const uint8_t *secret, size_t secret_len)
{
	uint8_t expect[RADIUS_AUTH_LEN];

	if (!m->raw || !req_auth || !secret_ok(secret, secret_len))
		return -EINVAL;
	if (md5_authenticator(m->raw, m->len, req_auth, secret, secret_len, expect) < 0)
		return -EIO;
	return CRYPTO_memcmp(expect, m->authenticator, RADIUS_AUTH_LEN) == 0 ? 0 : -EBADMSG;
}

static int check_ma(const struct radius_msg *m, const uint8_t auth[RADIUS_AUTH_LEN],
		    const uint8_t *secret, size_t secret_len, int *why)
{
	const struct radius_attr *ma;
	uint8_t expect[RADIUS_MA_LEN];

	if (m->ma_index < 0)
		return set_why(why, RADIUS_ERR_MA_MISSING);
	ma = &m->attrs[m->ma_index];
	if (hmac_message_auth(m->raw, m->len, (size_t)ma->offset + RADIUS_ATTR_HDR_LEN, auth,
			      secret, secret_len, expect) < 0)
		return set_why(why, RADIUS_ERR_CRYPTO);
	if (CRYPTO_memcmp(expect, ma->value, RADIUS_MA_LEN) != 0)
		return set_why(why, RADIUS_ERR_MA_BAD);
	return set_why(why, RADIUS_OK);
}

int radius_verify_reply(const struct radius_msg *m, const uint8_t req_auth[RADIUS_AUTH_LEN],
			const uint8_t *secret, size_t secret_len, int *why)
{
	int rc;

	if (!m->raw || !req_auth || !secret_ok(secret, secret_len))
		return set_why(why, RADIUS_ERR_CRYPTO);
	if (!radius_code_is_reply(m->code))
		return set_why(why, RADIUS_ERR_CODE);
	rc = radius_check_response_auth(m, req_auth, secret, secret_len);
	if (rc == -EBADMSG)
		return set_why(why, RADIUS_ERR_AUTHENTICATOR);
	if (rc < 0)
		return set_why(why, RADIUS_ERR_CRYPTO);
	/* RFC 3579 3.2 with the request's authenticator; required on every
	 * reply whatever its code (Blast-RADIUS, CVE-2024-3596). */
	if (reply_ma_either_form(m->code)) {
		static const uint8_t zero[RADIUS_AUTH_LEN];
		if (check_ma(m, req_auth, secret, secret_len, why) == 0)
			return 0;
		if (m->ma_index < 0)
			return -EBADMSG;
		return check_ma(m, zero, secret, secret_len, why);
	}
	return check_ma(m, req_auth, secret, secret_len, why);
}

int radius_verify_request(const struct radius_msg *m, const uint8_t *secret, size_t secret_len,
			  bool require_ma, int *why)
{
	static const uint8_t zero[RADIUS_AUTH_LEN];
	uint8_t expect[RADIUS_AUTH_LEN];
	enum auth_kind kind;

	if (!m->raw || !secret_ok(secret, secret_len))
		return set_why(why, RADIUS_ERR_CRYPTO);
	kind = code_kind(m->code);
	if (kind != KIND_RANDOM && kind != KIND_COMPUTED)
		return set_why(why, RADIUS_ERR_CODE);
	if (kind == KIND_COMPUTED) {
		if (md5_authenticator(m->raw, m->len, zero, secret, secret_len, expect) < 0)
			return set_why(why, RADIUS_ERR_CRYPTO);
		if (CRYPTO_memcmp(expect, m->authenticator, RADIUS_AUTH_LEN) != 0)
			return set_why(why, RADIUS_ERR_AUTHENTICATOR);
	}
	/* Status-Server always carries one (RFC 5997 3). */
	if (m->ma_index < 0 && !require_ma && m->code != RADIUS_STATUS_SERVER)
		return set_why(why, RADIUS_OK);
	return check_ma(m, kind == KIND_COMPUTED ? zero : m->authenticator, secret, secret_len, why);
}

/* ---- text forms -------------------------------------------------------- */

void radius_station_id(const uint8_t mac[6], char out[RADIUS_STATION_ID_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	for (int i = 0; i < 6; i++) {
		out[i * 3] = hex[mac[i] >> 4];
		out[i * 3 + 1] = hex[mac[i] & 15];
		out[i * 3 + 2] = i < 5 ? '-' : '\0';
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int radius_station_id_parse(const char *s, uint8_t mac[6])
{
	unsigned nibbles = 0;
	uint8_t tmp[6] = { 0 };

	if (!s)
		return -EINVAL;
	for (; *s; s++) {
		int v = hexval(*s);
		if (v < 0) {
			/* A separator only between two octets. */
			if ((*s != '-' && *s != ':' && *s != '.') || nibbles == 0 || nibbles % 2)
				return -EINVAL;
			continue;
		}
		if (nibbles == 12)
			return -EINVAL;
		tmp[nibbles / 2] = (uint8_t)(tmp[nibbles / 2] << 4 | v);
		nibbles++;
	}
	if (nibbles != 12)
		return -EINVAL;
	memcpy(mac, tmp, 6);
	return 0;
}

const char *radius_code_name(int code)
{
	switch (code) {
	case RADIUS_ACCESS_REQUEST:      return "Access-Request";
	case RADIUS_ACCESS_ACCEPT:       return "Access-Accept";
	case RADIUS_ACCESS_REJECT:       return "Access-Reject";
	case RADIUS_ACCOUNTING_REQUEST:  return "Accounting-Request";
	case RADIUS_ACCOUNTING_RESPONSE: return "Accounting-Response";
	case RADIUS_ACCESS_CHALLENGE:    return "Access-Challenge";
	case RADIUS_STATUS_SERVER:       return "Status-Server";
	case RADIUS_DISCONNECT_REQUEST:  return "Disconnect-Request";
	case RADIUS_DISCONNECT_ACK:      return "Disconnect-ACK";
	case RADIUS_DISCONNECT_NAK:      return "Disconnect-NAK";
	case RADIUS_COA_REQUEST:         return "CoA-Request";
	case RADIUS_COA_ACK:             return "CoA-ACK";
	case RADIUS_COA_NAK:             return "CoA-NAK";
	default:                         return "unknown";
	}
}

const char *radius_attr_name(int type)
{
	switch (type) {
	case RADIUS_ATTR_USER_NAME:             return "User-Name";
	case RADIUS_ATTR_USER_PASSWORD:         return "User-Password";
	case RADIUS_ATTR_NAS_IP_ADDRESS:        return "NAS-IP-Address";
	case RADIUS_ATTR_NAS_PORT:              return "NAS-Port";
	case RADIUS_ATTR_SERVICE_TYPE:          return "Service-Type";
	case RADIUS_ATTR_FRAMED_IP_ADDRESS:     return "Framed-IP-Address";
	case RADIUS_ATTR_FILTER_ID:             return "Filter-Id";
	case RADIUS_ATTR_FRAMED_MTU:            return "Framed-MTU";
	case RADIUS_ATTR_REPLY_MESSAGE:         return "Reply-Message";
	case RADIUS_ATTR_STATE:                 return "State";
	case RADIUS_ATTR_CLASS:                 return "Class";
	case RADIUS_ATTR_VENDOR_SPECIFIC:       return "Vendor-Specific";
	case RADIUS_ATTR_SESSION_TIMEOUT:       return "Session-Timeout";
	case RADIUS_ATTR_IDLE_TIMEOUT:          return "Idle-Timeout";
	case RADIUS_ATTR_TERMINATION_ACTION:    return "Termination-Action";
	case RADIUS_ATTR_CALLED_STATION_ID:     return "Called-Station-Id";
	case RADIUS_ATTR_CALLING_STATION_ID:    return "Calling-Station-Id";
	case RADIUS_ATTR_NAS_IDENTIFIER:        return "NAS-Identifier";
	case RADIUS_ATTR_PROXY_STATE:           return "Proxy-State";
	case RADIUS_ATTR_ACCT_STATUS_TYPE:      return "Acct-Status-Type";
	case RADIUS_ATTR_ACCT_DELAY_TIME:       return "Acct-Delay-Time";
	case RADIUS_ATTR_ACCT_INPUT_OCTETS:     return "Acct-Input-Octets";
	case RADIUS_ATTR_ACCT_OUTPUT_OCTETS:    return "Acct-Output-Octets";
	case RADIUS_ATTR_ACCT_SESSION_ID:       return "Acct-Session-Id";
	case RADIUS_ATTR_ACCT_AUTHENTIC:        return "Acct-Authentic";
	case RADIUS_ATTR_ACCT_SESSION_TIME:     return "Acct-Session-Time";
	case RADIUS_ATTR_ACCT_INPUT_PACKETS:    return "Acct-Input-Packets";
	case RADIUS_ATTR_ACCT_OUTPUT_PACKETS:   return "Acct-Output-Packets";
	case RADIUS_ATTR_ACCT_TERMINATE_CAUSE:  return "Acct-Terminate-Cause";
	case RADIUS_ATTR_ACCT_INPUT_GIGAWORDS:  return "Acct-Input-Gigawords";
	case RADIUS_ATTR_ACCT_OUTPUT_GIGAWORDS: return "Acct-Output-Gigawords";
	case RADIUS_ATTR_EVENT_TIMESTAMP:       return "Event-Timestamp";
	case RADIUS_ATTR_NAS_PORT_TYPE:         return "NAS-Port-Type";
	case RADIUS_ATTR_TUNNEL_TYPE:           return "Tunnel-Type";
	case RADIUS_ATTR_TUNNEL_MEDIUM_TYPE:    return "Tunnel-Medium-Type";
	case RADIUS_ATTR_EAP_MESSAGE:           return "EAP-Message";
	case RADIUS_ATTR_MESSAGE_AUTHENTICATOR: return "Message-Authenticator";
	case RADIUS_ATTR_TUNNEL_PRIVATE_GROUP_ID: return "Tunnel-Private-Group-Id";
	case RADIUS_ATTR_ACCT_INTERIM_INTERVAL: return "Acct-Interim-Interval";
	case RADIUS_ATTR_NAS_PORT_ID:           return "NAS-Port-Id";
	case RADIUS_ATTR_NAS_IPV6_ADDRESS:      return "NAS-IPv6-Address";
	case RADIUS_ATTR_ERROR_CAUSE:           return "Error-Cause";
	default:                                return "unknown";
	}
}

const char *radius_error_name(int err)
{
	static const char *const names[] = {
		[RADIUS_OK] = "ok",
		[RADIUS_ERR_SHORT] = "packet too short",
		[RADIUS_ERR_LENGTH] = "bad Length field",
		[RADIUS_ERR_TRUNCATED] = "packet shorter than its Length",
		[RADIUS_ERR_ATTR_SHORT] = "attribute header truncated",
		[RADIUS_ERR_ATTR_EMPTY] = "attribute without value",
		[RADIUS_ERR_ATTR_OVERRUN] = "attribute runs past the packet",
		[RADIUS_ERR_TOO_MANY_ATTRS] = "too many attributes",
		[RADIUS_ERR_MA_LENGTH] = "Message-Authenticator of wrong length",
		[RADIUS_ERR_MA_DUPLICATE] = "duplicate Message-Authenticator",
		[RADIUS_ERR_EAP_WITHOUT_MA] = "EAP-Message without Message-Authenticator",
		[RADIUS_ERR_MA_MISSING] = "Message-Authenticator missing",
		[RADIUS_ERR_MA_BAD] = "Message-Authenticator does not verify",
		[RADIUS_ERR_AUTHENTICATOR] = "wrong authenticator",
		[RADIUS_ERR_CODE] = "unexpected code",
		[RADIUS_ERR_CRYPTO] = "digest failed",
	};
	if (err < 0)
		err = -err;
	if (err >= RADIUS_ERR__MAX)
		return "unknown error";
	return names[err];
}
