/* radius_test.c — the RADIUS codec: RFC 2865 section 7 example, User-Password
 * hiding, Message-Authenticator, authenticators, malformed packets, EAP-Message
 * fragmentation.
 *
 * Expected digests are computed here with OpenSSL directly (EVP MD5, HMAC),
 * independently of radius.c, or taken from the RFC's own example.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "radius.h"
#include "radius_coa.h"

/* ---- RFC 2865 section 7.1: "User Telnet to Specified Host" -------------- */

static const uint8_t RFC_SECRET[] = "xyzzy5461";
#define RFC_SECRET_LEN 9

static const uint8_t RFC_REQ[] = {
	0x01, 0x00, 0x00, 0x38, 0x0f, 0x40, 0x3f, 0x94, 0x73, 0x97, 0x80, 0x57, 0xbd, 0x83,
	0xd5, 0xcb, 0x98, 0xf4, 0x22, 0x7a, 0x01, 0x06, 0x6e, 0x65, 0x6d, 0x6f, 0x02, 0x12,
	0x0d, 0xbe, 0x70, 0x8d, 0x93, 0xd4, 0x13, 0xce, 0x31, 0x96, 0xe4, 0x3f, 0x78, 0x2a,
	0x0a, 0xee, 0x04, 0x06, 0xc0, 0xa8, 0x01, 0x10, 0x05, 0x06, 0x00, 0x00, 0x00, 0x03,
};

static const uint8_t RFC_ACCEPT[] = {
	0x02, 0x00, 0x00, 0x26, 0x86, 0xfe, 0x22, 0x0e, 0x76, 0x24, 0xba, 0x2a, 0x10, 0x05,
	0xf6, 0xbf, 0x9b, 0x55, 0xe0, 0xb2, 0x06, 0x06, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x06,
	0x00, 0x00, 0x00, 0x00, 0x0e, 0x06, 0xc0, 0xa8, 0x01, 0x03,
};

static const uint8_t SECRET[] = "menjin-test-secret";
#define SECRET_LEN (sizeof(SECRET) - 1)

static struct radius_msg msg;   /* 4 KiB: not on the stack of every test */
static struct radius_msg msg2;

/* ---- independent digests ------------------------------------------------ */

static void md5_parts(uint8_t out[16], const void *a, size_t alen, const void *b, size_t blen,
		      const void *c, size_t clen, const void *d, size_t dlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_md5(), NULL), 1);
	if (alen) assert_int_equal(EVP_DigestUpdate(ctx, a, alen), 1);
	if (blen) assert_int_equal(EVP_DigestUpdate(ctx, b, blen), 1);
	if (clen) assert_int_equal(EVP_DigestUpdate(ctx, c, clen), 1);
	if (dlen) assert_int_equal(EVP_DigestUpdate(ctx, d, dlen), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, &n), 1);
	assert_int_equal(n, 16);
	EVP_MD_CTX_free(ctx);
}

/* HMAC-MD5 of pkt with the authenticator field set to auth and the
 * Message-Authenticator value at ma_off zeroed. */
static void expect_ma(const uint8_t *pkt, size_t len, size_t ma_off, const uint8_t auth[16],
		      const uint8_t *secret, size_t slen, uint8_t out[16])
{
	uint8_t tmp[4096];
	unsigned int n = 0;
	memcpy(tmp, pkt, len);
	memcpy(tmp + 4, auth, 16);
	memset(tmp + ma_off, 0, 16);
	assert_non_null(HMAC(EVP_md5(), secret, (int)slen, tmp, len, out, &n));
	assert_int_equal(n, 16);
}

/* ---- the RFC example ---------------------------------------------------- */

static void test_rfc2865_example_request(void **state)
{
	uint8_t pw[128];
	size_t n = 0;
	uint32_t v;
	char name[32];
	int why = -1;
	(void)state;

	assert_int_equal(radius_decode(RFC_REQ, sizeof(RFC_REQ), &msg), 0);
	assert_int_equal(msg.code, RADIUS_ACCESS_REQUEST);
	assert_int_equal(msg.id, 0);
	assert_int_equal(msg.len, 56);
	assert_int_equal(msg.nattrs, 4);
	assert_int_equal(msg.ma_index, -1);
	assert_int_equal(radius_get_text(&msg, RADIUS_ATTR_USER_NAME, name, sizeof(name)), 0);
	assert_string_equal(name, "nemo");
	assert_int_equal(radius_get_u32(&msg, RADIUS_ATTR_NAS_IP_ADDRESS, &v), 0);
	assert_int_equal(v, 0xc0a80110);
	assert_int_equal(radius_get_u32(&msg, RADIUS_ATTR_NAS_PORT, &v), 0);
	assert_int_equal(v, 3);

	const struct radius_attr *a = radius_find(&msg, RADIUS_ATTR_USER_PASSWORD);
	assert_non_null(a);
	assert_int_equal(radius_password_reveal(a->value, a->len, msg.authenticator, RFC_SECRET,
						RFC_SECRET_LEN, pw, sizeof(pw), &n), 0);
	assert_int_equal(n, 10);
	assert_memory_equal(pw, "arctangent", 10);

	/* No Message-Authenticator: fine for an old Access-Request unless required. */
	assert_int_equal(radius_verify_request(&msg, RFC_SECRET, RFC_SECRET_LEN, false, &why), 0);
	assert_int_equal(radius_verify_request(&msg, RFC_SECRET, RFC_SECRET_LEN, true, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_MA_MISSING);
}

static void test_rfc2865_example_accept_needs_message_authenticator(void **state)
{
	uint32_t v;
	int why = 0;
	(void)state;

	assert_int_equal(radius_decode(RFC_ACCEPT, sizeof(RFC_ACCEPT), &msg), 0);
	assert_int_equal(msg.code, RADIUS_ACCESS_ACCEPT);
	assert_int_equal(radius_get_u32(&msg, RADIUS_ATTR_SERVICE_TYPE, &v), 0);
	assert_int_equal(v, 1);
	/* The RFC's Response Authenticator is right ... */
	assert_int_equal(radius_check_response_auth(&msg, RFC_REQ + 4, RFC_SECRET, RFC_SECRET_LEN), 0);
	assert_int_equal(radius_check_response_auth(&msg, RFC_REQ + 4, SECRET, SECRET_LEN), -EBADMSG);
	/* ... but a reply without Message-Authenticator is refused (Blast-RADIUS). */
	assert_int_equal(radius_verify_reply(&msg, RFC_REQ + 4, RFC_SECRET, RFC_SECRET_LEN, &why),
			 -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_MA_MISSING);
}

/* Our encoder, fed the RFC example's attributes and authenticator, hides the
 * password to the same bytes and puts a verifiable Message-Authenticator first. */
static void test_rfc2865_example_round_trip(void **state)
{
	struct radius_attrs attrs;
	uint8_t pkt[RADIUS_MAX_LEN], ma[16], pw[128];
	size_t len = 0, n = 0;
	int why = -1;
	(void)state;

	radius_attrs_init(&attrs);
	assert_int_equal(radius_attrs_put_text(&attrs, RADIUS_ATTR_USER_NAME, "nemo"), 0);
	assert_int_equal(radius_attrs_put_u32(&attrs, RADIUS_ATTR_NAS_IP_ADDRESS, 0xc0a80110), 0);
	assert_int_equal(radius_attrs_put_u32(&attrs, RADIUS_ATTR_NAS_PORT, 3), 0);
	assert_int_equal(radius_encode(pkt, sizeof(pkt), RADIUS_ACCESS_REQUEST, 0, RFC_REQ + 4, &attrs,
				       (const uint8_t *)"arctangent", 10, RFC_SECRET, RFC_SECRET_LEN,
				       &len), 0);
	assert_int_equal(len, 56 + 18);
	assert_memory_equal(pkt + 4, RFC_REQ + 4, 16);

	assert_int_equal(radius_decode(pkt, len, &msg), 0);
	assert_int_equal(msg.nattrs, 5);
	assert_int_equal(msg.ma_index, 0);
	assert_int_equal(msg.attrs[0].type, RADIUS_ATTR_MESSAGE_AUTHENTICATOR);
	assert_int_equal(msg.attrs[0].offset, 20);
	assert_int_equal(msg.attrs[1].type, RADIUS_ATTR_USER_PASSWORD);
	/* Same secret, same authenticator: the RFC's hidden password. */
	assert_int_equal(msg.attrs[1].len, 16);
	assert_memory_equal(msg.attrs[1].value, RFC_REQ + 28, 16);
	assert_int_equal(radius_password_reveal(msg.attrs[1].value, 16, pkt + 4, RFC_SECRET,
						RFC_SECRET_LEN, pw, sizeof(pw), &n), 0);
	assert_memory_equal(pw, "arctangent", 10);
	/* The attributes after it are the RFC's, byte for byte. */
	assert_memory_equal(pkt + 20 + 18 + 18, RFC_REQ + 20, 6);
	assert_memory_equal(pkt + 20 + 18 + 18 + 6, RFC_REQ + 44, 12);

	expect_ma(pkt, len, 22, pkt + 4, RFC_SECRET, RFC_SECRET_LEN, ma);
	assert_memory_equal(pkt + 22, ma, 16);
	assert_int_equal(radius_verify_request(&msg, RFC_SECRET, RFC_SECRET_LEN, true, &why), 0);
	assert_int_equal(why, RADIUS_OK);

	/* One flipped bit anywhere and it no longer verifies. */
	pkt[len - 1] ^= 1;
	assert_int_equal(radius_decode(pkt, len, &msg), 0);
	assert_int_equal(radius_verify_request(&msg, RFC_SECRET, RFC_SECRET_LEN, true, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_MA_BAD);
}

/* ---- User-Password ------------------------------------------------------ */

static void test_password_hiding_vector(void **state)
{
	static const uint8_t ra[16] = { 0x21, 0x43, 0x65, 0x87, 0xa9, 0xcb, 0xed, 0x0f,
					0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe };
	const char *pw = "correct horse battery";   /* 21 bytes: two blocks */
	uint8_t hidden[128], expect[32], b[16], padded[32] = { 0 }, back[128];
	size_t n = 0, m = 0;
	(void)state;

	memcpy(padded, pw, strlen(pw));
	/* RFC 2865 5.2: c1 = p1 ^ MD5(S + RA), c2 = p2 ^ MD5(S + c1). */
	md5_parts(b, SECRET, SECRET_LEN, ra, 16, NULL, 0, NULL, 0);
	for (int i = 0; i < 16; i++)
		expect[i] = padded[i] ^ b[i];
	md5_parts(b, SECRET, SECRET_LEN, expect, 16, NULL, 0, NULL, 0);
	for (int i = 0; i < 16; i++)
		expect[16 + i] = padded[16 + i] ^ b[i];

	assert_int_equal(radius_password_hide((const uint8_t *)pw, strlen(pw), ra, SECRET, SECRET_LEN,
					      hidden, sizeof(hidden), &n), 0);
	assert_int_equal(n, 32);
	assert_memory_equal(hidden, expect, 32);
	assert_int_equal(radius_password_reveal(hidden, n, ra, SECRET, SECRET_LEN, back, sizeof(back),
						&m), 0);
	assert_int_equal(m, strlen(pw));
	assert_memory_equal(back, pw, m);

	/* Exactly 16 bytes: one block, no padding block. */
	assert_int_equal(radius_password_hide((const uint8_t *)"0123456789abcdef", 16, ra, SECRET,
					      SECRET_LEN, hidden, sizeof(hidden), &n), 0);
	assert_int_equal(n, 16);
	/* Empty: one block of NULs. */
	assert_int_equal(radius_password_hide(NULL, 0, ra, SECRET, SECRET_LEN, hidden, sizeof(hidden),
					      &n), 0);
	assert_int_equal(n, 16);
	md5_parts(b, SECRET, SECRET_LEN, ra, 16, NULL, 0, NULL, 0);
	assert_memory_equal(hidden, b, 16);

	/* Limits: 128 bytes at most; the output must fit; reveal wants 16k. */
	uint8_t big[129];
	memset(big, 'x', sizeof(big));
	assert_int_equal(radius_password_hide(big, 128, ra, SECRET, SECRET_LEN, hidden, 128, &n), 0);
	assert_int_equal(n, 128);
	assert_int_equal(radius_password_hide(big, 129, ra, SECRET, SECRET_LEN, hidden, 128, &n), -EINVAL);
	assert_int_equal(radius_password_hide(big, 17, ra, SECRET, SECRET_LEN, hidden, 16, &n), -ENOSPC);
	assert_int_equal(radius_password_hide(big, 1, ra, SECRET, 0, hidden, 16, &n), -EINVAL);
	assert_int_equal(radius_password_reveal(hidden, 15, ra, SECRET, SECRET_LEN, back, 128, &n),
			 -EBADMSG);
	assert_int_equal(radius_password_reveal(hidden, 0, ra, SECRET, SECRET_LEN, back, 128, &n),
			 -EBADMSG);
	assert_int_equal(radius_password_reveal(hidden, 144, ra, SECRET, SECRET_LEN, back, 256, &n),
			 -EBADMSG);

	/* Only an Access-Request carries a password. */
	assert_int_equal(radius_encode(back, sizeof(back), RADIUS_ACCOUNTING_REQUEST, 1, NULL, NULL,
				       (const uint8_t *)"x", 1, SECRET, SECRET_LEN, &n), -EINVAL);
}

/* ---- replies: Response Authenticator and Message-Authenticator ---------- */

static size_t make_request(uint8_t *pkt, uint8_t id, const uint8_t ra[16])
{
	struct radius_attrs attrs;
	size_t len = 0;
	radius_attrs_init(&attrs);
	assert_int_equal(radius_attrs_put_text(&attrs, RADIUS_ATTR_USER_NAME, "alice"), 0);
	assert_int_equal(radius_encode(pkt, RADIUS_MAX_LEN, RADIUS_ACCESS_REQUEST, id, ra, &attrs,
				       NULL, 0, SECRET, SECRET_LEN, &len), 0);
	return len;
}

static void test_reply_verification(void **state)
{
	static const uint8_t ra[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	uint8_t req[RADIUS_MAX_LEN], rep[RADIUS_MAX_LEN], ma[16], auth[16];
	struct radius_attrs attrs;
	size_t qlen, len = 0;
	int why = -1;
	(void)state;

	qlen = make_request(req, 7, ra);
	assert_true(qlen > 20);
	radius_attrs_init(&attrs);
	assert_int_equal(radius_attrs_put_text(&attrs, RADIUS_ATTR_FILTER_ID, "staff"), 0);
	assert_int_equal(radius_encode(rep, sizeof(rep), RADIUS_ACCESS_ACCEPT, 7, ra, &attrs, NULL, 0,
				       SECRET, SECRET_LEN, &len), 0);
	assert_int_equal(len, 20 + 18 + 7);

	/* Independently: MA over the packet with the request authenticator, then
	 * the Response Authenticator over the packet with MA filled in. */
	expect_ma(rep, len, 22, ra, SECRET, SECRET_LEN, ma);
	assert_memory_equal(rep + 22, ma, 16);
	md5_parts(auth, rep, 4, ra, 16, rep + 20, len - 20, SECRET, SECRET_LEN);
	assert_memory_equal(rep + 4, auth, 16);

	assert_int_equal(radius_decode(rep, len, &msg), 0);
	assert_int_equal(radius_verify_reply(&msg, ra, SECRET, SECRET_LEN, &why), 0);

	/* The wrong secret, or the wrong request: wrong authenticator. */
	assert_int_equal(radius_verify_reply(&msg, ra, (const uint8_t *)"other", 5, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_AUTHENTICATOR);
	uint8_t ra2[16];
	memcpy(ra2, ra, 16);
	ra2[15] ^= 0x80;
	assert_int_equal(radius_verify_reply(&msg, ra2, SECRET, SECRET_LEN, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_AUTHENTICATOR);

	/* A forger who can fix the Response Authenticator (the Blast-RADIUS MD5
	 * collision) but not the HMAC: the Message-Authenticator gives it away. */
	rep[len - 1] = 'S';    /* Filter-Id "staff" becomes "stafS" */
	md5_parts(auth, rep, 4, ra, 16, rep + 20, len - 20, SECRET, SECRET_LEN);
	memcpy(rep + 4, auth, 16);
	assert_int_equal(radius_decode(rep, len, &msg), 0);
	assert_int_equal(radius_check_response_auth(&msg, ra, SECRET, SECRET_LEN), 0);
	assert_int_equal(radius_verify_reply(&msg, ra, SECRET, SECRET_LEN, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_MA_BAD);

	/* A correct reply without Message-Authenticator: refused. */
	uint8_t bare[20] = { RADIUS_ACCESS_REJECT, 7, 0, 20 };
	md5_parts(auth, bare, 4, ra, 16, NULL, 0, SECRET, SECRET_LEN);
	memcpy(bare + 4, auth, 16);
	assert_int_equal(radius_decode(bare, sizeof(bare), &msg), 0);
	assert_int_equal(radius_check_response_auth(&msg, ra, SECRET, SECRET_LEN), 0);
	assert_int_equal(radius_verify_reply(&msg, ra, SECRET, SECRET_LEN, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_MA_MISSING);

	/* A request is not a reply. */
	assert_int_equal(radius_decode(req, qlen, &msg), 0);
	assert_int_equal(radius_verify_reply(&msg, ra, SECRET, SECRET_LEN, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_CODE);
}

/* Message-Authenticator anywhere in a reply (servers do not always put it
 * first) verifies; a second one is refused at decode. */
static void test_reply_ma_not_first_and_duplicate(void **state)
{
	static const uint8_t ra[16] = { 0xaa };
	uint8_t rep[64] = { RADIUS_ACCESS_CHALLENGE, 3, 0, 0 };
	uint8_t ma[16], auth[16];
	size_t len;
	int why = -1;
	(void)state;

	len = 20;
	rep[len++] = RADIUS_ATTR_STATE; rep[len++] = 5; rep[len++] = 's'; rep[len++] = 't'; rep[len++] = '1';
	rep[len++] = RADIUS_ATTR_MESSAGE_AUTHENTICATOR; rep[len++] = 18;
	size_t ma_off = len;
	memset(rep + len, 0, 16);
	len += 16;
	rep[3] = (uint8_t)len;
	expect_ma(rep, len, ma_off, ra, SECRET, SECRET_LEN, ma);
	memcpy(rep + ma_off, ma, 16);
	md5_parts(auth, rep, 4, ra, 16, rep + 20, len - 20, SECRET, SECRET_LEN);
	memcpy(rep + 4, auth, 16);
	assert_int_equal(radius_decode(rep, len, &msg), 0);
	assert_int_equal(msg.ma_index, 1);
	assert_int_equal(radius_verify_reply(&msg, ra, SECRET, SECRET_LEN, &why), 0);

	/* Duplicate Message-Authenticator. */
	uint8_t dup[128];
	memcpy(dup, rep, len);
	memcpy(dup + len, rep + ma_off - 2, 18);
	size_t dlen = len + 18;
	dup[3] = (uint8_t)dlen;
	assert_int_equal(radius_decode(dup, dlen, &msg), -EBADMSG);
	assert_int_equal(msg.error, RADIUS_ERR_MA_DUPLICATE);
}

/* ---- accounting and dynamic authorization requests ---------------------- */

static void test_accounting_request_authenticator(void **state)
{
	static const uint8_t zero[16];
	struct radius_attrs attrs;
	uint8_t pkt[RADIUS_MAX_LEN], auth[16], ma[16], rep[RADIUS_MAX_LEN];
	size_t len = 0, rlen = 0;
	int why = -1;
	(void)state;

	radius_attrs_init(&attrs);
	assert_int_equal(radius_attrs_put_u32(&attrs, RADIUS_ATTR_ACCT_STATUS_TYPE, RADIUS_ACCT_START), 0);
	assert_int_equal(radius_attrs_put_text(&attrs, RADIUS_ATTR_ACCT_SESSION_ID, "5F3A0001-00000001"), 0);
	assert_int_equal(radius_encode(pkt, sizeof(pkt), RADIUS_ACCOUNTING_REQUEST, 9, NULL, &attrs, NULL,
				       0, SECRET, SECRET_LEN, &len), 0);
	/* RFC 5176 3.3 order: HMAC over a zero authenticator, then RFC 2866 3
	 * MD5(Code+Id+Length+16 zero octets+attributes+secret). */
	expect_ma(pkt, len, 22, zero, SECRET, SECRET_LEN, ma);
	assert_memory_equal(pkt + 22, ma, 16);
	md5_parts(auth, pkt, 4, zero, 16, pkt + 20, len - 20, SECRET, SECRET_LEN);
	assert_memory_equal(pkt + 4, auth, 16);

	assert_int_equal(radius_decode(pkt, len, &msg), 0);
	assert_int_equal(radius_verify_request(&msg, SECRET, SECRET_LEN, true, &why), 0);
	pkt[len - 1] ^= 0x01;
	assert_int_equal(radius_decode(pkt, len, &msg2), 0);
	assert_int_equal(radius_verify_request(&msg2, SECRET, SECRET_LEN, true, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_AUTHENTICATOR);
	pkt[len - 1] ^= 0x01;

	/* Accounting-Response to it, as FreeRADIUS signs one: Message-Authenticator
	 * over a zero authenticator, Response Authenticator over the request's. */
	assert_int_equal(radius_encode(rep, sizeof(rep), RADIUS_ACCOUNTING_RESPONSE, 9, pkt + 4, NULL,
				       NULL, 0, SECRET, SECRET_LEN, &rlen), 0);
	expect_ma(rep, rlen, 22, zero, SECRET, SECRET_LEN, ma);
	assert_memory_equal(rep + 22, ma, 16);
	md5_parts(auth, rep, 4, pkt + 4, 16, rep + 20, rlen - 20, SECRET, SECRET_LEN);
	assert_memory_equal(rep + 4, auth, 16);
	assert_int_equal(radius_decode(rep, rlen, &msg2), 0);
	assert_int_equal(radius_verify_reply(&msg2, pkt + 4, SECRET, SECRET_LEN, &why), 0);

	/* ... and over the request's authenticator: accepted too. */
	expect_ma(rep, rlen, 22, pkt + 4, SECRET, SECRET_LEN, ma);
	memcpy(rep + 22, ma, 16);
	md5_parts(auth, rep, 4, pkt + 4, 16, rep + 20, rlen - 20, SECRET, SECRET_LEN);
	memcpy(rep + 4, auth, 16);
	assert_int_equal(radius_decode(rep, rlen, &msg2), 0);
	assert_int_equal(radius_verify_reply(&msg2, pkt + 4, SECRET, SECRET_LEN, &why), 0);
	/* ... but not a third variant. */
	rep[22] ^= 1;
	md5_parts(auth, rep, 4, pkt + 4, 16, rep + 20, rlen - 20, SECRET, SECRET_LEN);
	memcpy(rep + 4, auth, 16);
	assert_int_equal(radius_decode(rep, rlen, &msg2), 0);
	assert_int_equal(radius_verify_reply(&msg2, pkt + 4, SECRET, SECRET_LEN, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_MA_BAD);
}

/* Access-* replies take only the RFC 3579 form: over the request's authenticator. */
static void test_access_reply_ma_form_is_strict(void **state)
{
	static const uint8_t ra[16] = { 7, 7, 7 }, zero[16];
	uint8_t rep[64] = { RADIUS_ACCESS_ACCEPT, 1, 0, 38 }, ma[16], auth[16];
	int why = 0;
	(void)state;

	rep[20] = RADIUS_ATTR_MESSAGE_AUTHENTICATOR;
	rep[21] = 18;
	expect_ma(rep, 38, 22, zero, SECRET, SECRET_LEN, ma);
	memcpy(rep + 22, ma, 16);
	md5_parts(auth, rep, 4, ra, 16, rep + 20, 18, SECRET, SECRET_LEN);
	memcpy(rep + 4, auth, 16);
	assert_int_equal(radius_decode(rep, 38, &msg2), 0);
	assert_int_equal(radius_verify_reply(&msg2, ra, SECRET, SECRET_LEN, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_MA_BAD);
}

static void test_coa_request_and_ack(void **state)
{
	static const uint8_t zero[16];
	struct radius_attrs attrs;
	uint8_t pkt[RADIUS_MAX_LEN], auth[16], ma[16], rep[RADIUS_MAX_LEN];
	size_t len = 0, rlen = 0;
	int why = -1;
	(void)state;

	radius_attrs_init(&attrs);
	assert_int_equal(radius_attrs_put_text(&attrs, RADIUS_ATTR_CALLING_STATION_ID,
					       "02-00-0A-0A-01-0B"), 0);
	assert_int_equal(radius_encode(pkt, sizeof(pkt), RADIUS_DISCONNECT_REQUEST, 200, NULL, &attrs,
				       NULL, 0, SECRET, SECRET_LEN, &len), 0);
	expect_ma(pkt, len, 22, zero, SECRET, SECRET_LEN, ma);
	assert_memory_equal(pkt + 22, ma, 16);
	md5_parts(auth, pkt, 4, zero, 16, pkt + 20, len - 20, SECRET, SECRET_LEN);
	assert_memory_equal(pkt + 4, auth, 16);
	assert_int_equal(radius_decode(pkt, len, &msg), 0);
	assert_int_equal(radius_verify_request(&msg, SECRET, SECRET_LEN, true, &why), 0);

	radius_attrs_init(&attrs);
	assert_int_equal(radius_attrs_put_u32(&attrs, RADIUS_ATTR_ERROR_CAUSE,
					      RADIUS_EC_SESSION_NOT_FOUND), 0);
	assert_int_equal(radius_encode(rep, sizeof(rep), RADIUS_DISCONNECT_NAK, 200, pkt + 4, &attrs,
				       NULL, 0, SECRET, SECRET_LEN, &rlen), 0);
	assert_int_equal(radius_decode(rep, rlen, &msg2), 0);
	assert_int_equal(radius_verify_reply(&msg2, pkt + 4, SECRET, SECRET_LEN, &why), 0);
	/* RFC 5176 3.3: over the request's authenticator (what radclient 3.2 checks). */
	expect_ma(rep, rlen, 22, pkt + 4, SECRET, SECRET_LEN, ma);
	assert_memory_equal(rep + 22, ma, 16);
	uint32_t ec = 0;
	assert_int_equal(radius_get_u32(&msg2, RADIUS_ATTR_ERROR_CAUSE, &ec), 0);
	assert_int_equal(ec, 503);

	/* A CoA-Request whose Message-Authenticator was computed over the real
	 * authenticator instead of zeros does not verify. */
	expect_ma(pkt, len, 22, pkt + 4, SECRET, SECRET_LEN, ma);
	memcpy(pkt + 22, ma, 16);
	md5_parts(auth, pkt, 4, zero, 16, pkt + 20, len - 20, SECRET, SECRET_LEN);
	memcpy(pkt + 4, auth, 16);
	assert_int_equal(radius_decode(pkt, len, &msg), 0);
	assert_int_equal(radius_verify_request(&msg, SECRET, SECRET_LEN, true, &why), -EBADMSG);
	assert_int_equal(why, RADIUS_ERR_MA_BAD);
}

/* ---- malformed packets -------------------------------------------------- */

static int decode_err(const uint8_t *p, size_t len)
{
	int rc = radius_decode(p, len, &msg);
	return rc == 0 ? 0 : msg.error;
}

static void test_malformed(void **state)
{
	uint8_t p[4200];
	(void)state;

	memset(p, 0, sizeof(p));
	p[0] = RADIUS_ACCESS_ACCEPT;
	p[3] = 20;
	assert_int_equal(decode_err(p, 20), 0);
	assert_int_equal(msg.nattrs, 0);
	assert_int_equal(decode_err(p, 19), RADIUS_ERR_SHORT);
	assert_int_equal(decode_err(NULL, 0), RADIUS_ERR_SHORT);
	/* Padding past Length is ignored (RFC 2865 3). */
	assert_int_equal(decode_err(p, 60), 0);
	assert_int_equal(msg.len, 20);

	p[3] = 19;
	assert_int_equal(decode_err(p, 60), RADIUS_ERR_LENGTH);
	p[2] = 0x10; p[3] = 0x01;       /* 4097 */
	assert_int_equal(decode_err(p, sizeof(p)), RADIUS_ERR_LENGTH);
	p[2] = 0x10; p[3] = 0x00;       /* 4096, all zero attributes: type 0 length 0 */
	assert_int_equal(decode_err(p, sizeof(p)), RADIUS_ERR_ATTR_SHORT);
	p[2] = 0; p[3] = 40;
	assert_int_equal(decode_err(p, 39), RADIUS_ERR_TRUNCATED);

	/* Attribute walks. */
	p[3] = 23;
	p[20] = RADIUS_ATTR_USER_NAME; p[21] = 3; p[22] = 'a';
	assert_int_equal(decode_err(p, 23), 0);
	assert_int_equal(msg.nattrs, 1);
	p[21] = 2;                      /* zero-length value */
	assert_int_equal(decode_err(p, 23), RADIUS_ERR_ATTR_EMPTY);
	p[21] = 1;
	assert_int_equal(decode_err(p, 23), RADIUS_ERR_ATTR_SHORT);
	p[21] = 0;
	assert_int_equal(decode_err(p, 23), RADIUS_ERR_ATTR_SHORT);
	p[21] = 4;                      /* one past the Length */
	assert_int_equal(decode_err(p, 60), RADIUS_ERR_ATTR_OVERRUN);
	p[21] = 255;
	assert_int_equal(decode_err(p, 60), RADIUS_ERR_ATTR_OVERRUN);
	p[3] = 21;                      /* a lone type octet */
	assert_int_equal(decode_err(p, 60), RADIUS_ERR_ATTR_SHORT);

	/* Message-Authenticator of the wrong size. */
	p[3] = 20 + 17;
	p[20] = RADIUS_ATTR_MESSAGE_AUTHENTICATOR; p[21] = 17;
	assert_int_equal(decode_err(p, 60), RADIUS_ERR_MA_LENGTH);

	/* EAP-Message without Message-Authenticator. */
	p[3] = 20 + 6;
	p[20] = RADIUS_ATTR_EAP_MESSAGE; p[21] = 6; p[22] = 3; p[23] = 1; p[24] = 0; p[25] = 4;
	assert_int_equal(decode_err(p, 60), RADIUS_ERR_EAP_WITHOUT_MA);

	/* Too many attributes: 257 of 3 bytes. */
	size_t len = 20;
	for (int i = 0; i < RADIUS_MAX_ATTRS + 1; i++) {
		p[len] = RADIUS_ATTR_CLASS; p[len + 1] = 3; p[len + 2] = (uint8_t)i;
		len += 3;
	}
	p[2] = (uint8_t)(len >> 8); p[3] = (uint8_t)len;
	assert_int_equal(radius_decode(p, len, &msg), -E2BIG);
	assert_int_equal(msg.error, RADIUS_ERR_TOO_MANY_ATTRS);
	len -= 3;
	p[2] = (uint8_t)(len >> 8); p[3] = (uint8_t)len;
	assert_int_equal(radius_decode(p, len, &msg), 0);
	assert_int_equal(msg.nattrs, RADIUS_MAX_ATTRS);
	assert_int_equal(radius_count(&msg, RADIUS_ATTR_CLASS), RADIUS_MAX_ATTRS);

	assert_string_equal(radius_error_name(-RADIUS_ERR_MA_DUPLICATE), "duplicate Message-Authenticator");
	assert_string_equal(radius_error_name(RADIUS_ERR__MAX), "unknown error");
}

/* ---- attribute getters -------------------------------------------------- */

static size_t put_raw(uint8_t *p, size_t off, uint8_t type, const void *v, uint8_t n)
{
	p[off] = type;
	p[off + 1] = (uint8_t)(n + 2);
	memcpy(p + off + 2, v, n);
	return off + 2 + n;
}

static void test_getters(void **state)
{
	uint8_t p[256] = { RADIUS_ACCESS_ACCEPT, 1 };
	char s[16];
	uint32_t v;
	size_t off = 20;
	(void)state;

	off = put_raw(p, off, RADIUS_ATTR_FILTER_ID, "staff", 5);
	off = put_raw(p, off, RADIUS_ATTR_TUNNEL_PRIVATE_GROUP_ID, "\x01" "100", 4);
	off = put_raw(p, off, RADIUS_ATTR_TUNNEL_TYPE, "\x01\x00\x00\x0d", 4);
	off = put_raw(p, off, RADIUS_ATTR_SESSION_TIMEOUT, "\x00\x00\x0e", 3);   /* 3 bytes: bad */
	off = put_raw(p, off, RADIUS_ATTR_REPLY_MESSAGE, "a\nb", 3);
	off = put_raw(p, off, RADIUS_ATTR_CLASS, "c1", 2);
	off = put_raw(p, off, RADIUS_ATTR_CLASS, "c2", 2);
	p[3] = (uint8_t)off;
	assert_int_equal(radius_decode(p, off, &msg), 0);

	assert_int_equal(radius_get_text(&msg, RADIUS_ATTR_FILTER_ID, s, sizeof(s)), 0);
	assert_string_equal(s, "staff");
	assert_int_equal(radius_get_text(&msg, RADIUS_ATTR_FILTER_ID, s, 5), -ENAMETOOLONG);
	assert_int_equal(radius_get_text(&msg, RADIUS_ATTR_USER_NAME, s, sizeof(s)), -ENOENT);
	assert_int_equal(radius_get_text(&msg, RADIUS_ATTR_REPLY_MESSAGE, s, sizeof(s)), -EBADMSG);
	assert_int_equal(radius_get_tunnel_group(&msg, s, sizeof(s)), 0);
	assert_string_equal(s, "100");
	assert_int_equal(radius_get_tagged_u32(&msg, RADIUS_ATTR_TUNNEL_TYPE, &v), 0);
	assert_int_equal(v, RADIUS_TUNNEL_TYPE_VLAN);
	assert_int_equal(radius_get_u32(&msg, RADIUS_ATTR_SESSION_TIMEOUT, &v), -EBADMSG);
	assert_int_equal(radius_get_u32(&msg, RADIUS_ATTR_IDLE_TIMEOUT, &v), -ENOENT);

	unsigned pos = 0, n = 0;
	const struct radius_attr *a;
	while ((a = radius_next(&msg, RADIUS_ATTR_CLASS, &pos)) != NULL) {
		assert_int_equal(a->len, 2);
		assert_int_equal(a->value[1], '1' + n);
		n++;
	}
	assert_int_equal(n, 2);

	/* Untagged group: the first byte is text. */
	off = put_raw(p, 20, RADIUS_ATTR_TUNNEL_PRIVATE_GROUP_ID, "guest", 5);
	p[3] = (uint8_t)off;
	assert_int_equal(radius_decode(p, off, &msg), 0);
	assert_int_equal(radius_get_tunnel_group(&msg, s, sizeof(s)), 0);
	assert_string_equal(s, "guest");
	/* A tag and nothing else. */
	off = put_raw(p, 20, RADIUS_ATTR_TUNNEL_PRIVATE_GROUP_ID, "\x01", 1);
	p[3] = (uint8_t)off;
	assert_int_equal(radius_decode(p, off, &msg), 0);
	assert_int_equal(radius_get_tunnel_group(&msg, s, sizeof(s)), -EBADMSG);
}

static void test_attrs_builder_limits(void **state)
{
	struct radius_attrs a;
	uint8_t v[300] = { 0 }, pkt[RADIUS_MAX_LEN];
	size_t len;
	(void)state;

	radius_attrs_init(&a);
	assert_int_equal(radius_attrs_put(&a, RADIUS_ATTR_CLASS, v, 0), -EINVAL);
	assert_int_equal(radius_attrs_put(&a, RADIUS_ATTR_CLASS, v, 254), -EINVAL);
	assert_int_equal(radius_attrs_put(&a, RADIUS_ATTR_CLASS, v, 253), 0);
	assert_int_equal(radius_attrs_put(&a, RADIUS_ATTR_MESSAGE_AUTHENTICATOR, v, 16), -EINVAL);
	assert_int_equal(radius_attrs_put(&a, RADIUS_ATTR_USER_PASSWORD, v, 16), -EINVAL);
	assert_int_equal(radius_attrs_put_text(&a, RADIUS_ATTR_USER_NAME, ""), -EINVAL);
	/* Fill the attribute space exactly. */
	int rc;
	while ((rc = radius_attrs_put(&a, RADIUS_ATTR_CLASS, v, 253)) == 0)
		;
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(radius_attrs_put(&a, RADIUS_ATTR_CLASS, v, RADIUS_ATTRS_SPACE - a.len - 2), 0);
	assert_int_equal(a.len, RADIUS_ATTRS_SPACE);
	assert_int_equal(radius_attrs_put(&a, RADIUS_ATTR_CLASS, v, 1), -ENOSPC);
	/* The header and Message-Authenticator no longer fit in 4096. */
	assert_int_equal(radius_encode(pkt, sizeof(pkt), RADIUS_ACCESS_REQUEST, 1, v, &a, NULL, 0,
				       SECRET, SECRET_LEN, &len), -EMSGSIZE);
	radius_attrs_init(&a);
	assert_int_equal(radius_encode(pkt, 37, RADIUS_ACCESS_REQUEST, 1, v, &a, NULL, 0, SECRET,
				       SECRET_LEN, &len), -ENOSPC);
	assert_int_equal(radius_encode(pkt, 38, RADIUS_ACCESS_REQUEST, 1, v, &a, NULL, 0, SECRET,
				       SECRET_LEN, &len), 0);
	assert_int_equal(len, 38);
	/* A code we do not know how to sign, a missing authenticator. */
	assert_int_equal(radius_encode(pkt, sizeof(pkt), 99, 1, v, &a, NULL, 0, SECRET, SECRET_LEN,
				       &len), -EINVAL);
	assert_int_equal(radius_encode(pkt, sizeof(pkt), RADIUS_ACCESS_REQUEST, 1, NULL, &a, NULL, 0,
				       SECRET, SECRET_LEN, &len), -EINVAL);
	assert_int_equal(radius_encode(pkt, sizeof(pkt), RADIUS_ACCESS_ACCEPT, 1, NULL, &a, NULL, 0,
				       SECRET, SECRET_LEN, &len), -EINVAL);
}

/* ---- EAP-Message fragmentation (RFC 3579 3.1) --------------------------- */

static size_t make_eap(uint8_t *e, size_t len)
{
	e[0] = 2; e[1] = 42; e[2] = (uint8_t)(len >> 8); e[3] = (uint8_t)len; e[4] = 25;
	for (size_t i = 5; i < len; i++)
		e[i] = (uint8_t)(i * 7);
	return len;
}

static void test_eap_fragmentation(void **state)
{
	static const uint8_t ra[16] = { 9 };
	struct radius_attrs a;
	uint8_t eap[4000], pkt[RADIUS_MAX_LEN], back[4096];
	size_t len, blen;
	(void)state;

	const size_t sizes[] = { 4, 5, 252, 253, 254, 506, 507, 600, 1400, 3900 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = make_eap(eap, sizes[k]);
		radius_attrs_init(&a);
		assert_int_equal(radius_attrs_put_text(&a, RADIUS_ATTR_USER_NAME, "bob"), 0);
		assert_int_equal(radius_attrs_put_eap(&a, eap, n), 0);
		assert_int_equal(radius_attrs_put(&a, RADIUS_ATTR_STATE, "st", 2), 0);
		assert_int_equal(radius_encode(pkt, sizeof(pkt), RADIUS_ACCESS_REQUEST, 1, ra, &a, NULL, 0,
					       SECRET, SECRET_LEN, &len), 0);
		assert_int_equal(radius_decode(pkt, len, &msg), 0);
		unsigned frags = radius_count(&msg, RADIUS_ATTR_EAP_MESSAGE);
		assert_int_equal(frags, (n + 252) / 253);
		/* Every fragment but the last is full. */
		unsigned pos = 0, i = 0;
		const struct radius_attr *at;
		while ((at = radius_next(&msg, RADIUS_ATTR_EAP_MESSAGE, &pos)) != NULL) {
			if (++i < frags)
				assert_int_equal(at->len, 253);
		}
		assert_int_equal(radius_get_eap(&msg, back, sizeof(back), &blen), 0);
		assert_int_equal(blen, n);
		assert_memory_equal(back, eap, n);
		/* Too small a buffer. */
		if (n > 253)
			assert_int_equal(radius_get_eap(&msg, back, 253, &blen), -ENOSPC);
	}

	/* Does not fit in what is left: the builder is unchanged. */
	radius_attrs_init(&a);
	make_eap(eap, 3000);
	assert_int_equal(radius_attrs_put_eap(&a, eap, 3000), 0);
	size_t before = a.len;
	assert_int_equal(radius_attrs_put_eap(&a, eap, 3000), -ENOSPC);
	assert_int_equal(a.len, before);
	assert_int_equal(radius_attrs_put_eap(&a, eap, 3), -EINVAL);
}

static void test_eap_reassembly_refusals(void **state)
{
	uint8_t p[1024] = { RADIUS_ACCESS_CHALLENGE, 1 }, eap[600], back[1024];
	size_t off, blen;
	(void)state;

	make_eap(eap, 300);
	/* Split 253 + 47, with a State between them: not consecutive. */
	off = put_raw(p, 20, RADIUS_ATTR_MESSAGE_AUTHENTICATOR, (uint8_t[16]){ 0 }, 16);
	off = put_raw(p, off, RADIUS_ATTR_EAP_MESSAGE, eap, 253);
	off = put_raw(p, off, RADIUS_ATTR_STATE, "x", 1);
	off = put_raw(p, off, RADIUS_ATTR_EAP_MESSAGE, eap + 253, 47);
	p[2] = (uint8_t)(off >> 8); p[3] = (uint8_t)off;
	assert_int_equal(radius_decode(p, off, &msg), 0);
	assert_int_equal(radius_get_eap(&msg, back, sizeof(back), &blen), -EBADMSG);

	/* Consecutive but the EAP Length says 301. */
	off = put_raw(p, 20, RADIUS_ATTR_MESSAGE_AUTHENTICATOR, (uint8_t[16]){ 0 }, 16);
	off = put_raw(p, off, RADIUS_ATTR_EAP_MESSAGE, eap, 253);
	off = put_raw(p, off, RADIUS_ATTR_EAP_MESSAGE, eap + 253, 47);
	p[2] = (uint8_t)(off >> 8); p[3] = (uint8_t)off;
	assert_int_equal(radius_decode(p, off, &msg), 0);
	assert_int_equal(radius_get_eap(&msg, back, sizeof(back), &blen), 0);
	assert_int_equal(blen, 300);
	p[20 + 18 + 2 + 3] = 45;       /* EAP length low byte: 300 -> 301 */
	assert_int_equal(radius_decode(p, off, &msg), 0);
	assert_int_equal(radius_get_eap(&msg, back, sizeof(back), &blen), -EBADMSG);

	/* Under 4 bytes. */
	off = put_raw(p, 20, RADIUS_ATTR_MESSAGE_AUTHENTICATOR, (uint8_t[16]){ 0 }, 16);
	off = put_raw(p, off, RADIUS_ATTR_EAP_MESSAGE, "\x03\x01\x00", 3);
	p[2] = 0; p[3] = (uint8_t)off;
	assert_int_equal(radius_decode(p, off, &msg), 0);
	assert_int_equal(radius_get_eap(&msg, back, sizeof(back), &blen), -EBADMSG);

	/* None. */
	off = put_raw(p, 20, RADIUS_ATTR_STATE, "x", 1);
	p[3] = (uint8_t)off;
	assert_int_equal(radius_decode(p, off, &msg), 0);
	assert_int_equal(radius_get_eap(&msg, back, sizeof(back), &blen), -ENOENT);
}

/* ---- station ids -------------------------------------------------------- */

static void test_station_id(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x0a, 0xbc, 0xde, 0xff };
	char s[RADIUS_STATION_ID_LEN];
	uint8_t m[6];
	(void)state;

	radius_station_id(mac, s);
	assert_string_equal(s, "02-00-0A-BC-DE-FF");
	assert_int_equal(radius_station_id_parse(s, m), 0);
	assert_memory_equal(m, mac, 6);
	assert_int_equal(radius_station_id_parse("02:00:0a:bc:de:ff", m), 0);
	assert_memory_equal(m, mac, 6);
	assert_int_equal(radius_station_id_parse("02000abcdeff", m), 0);
	assert_memory_equal(m, mac, 6);
	assert_int_equal(radius_station_id_parse("0200.0abc.deff", m), 0);
	assert_memory_equal(m, mac, 6);
	assert_int_equal(radius_station_id_parse("02-00-0A-BC-DE", m), -EINVAL);
	assert_int_equal(radius_station_id_parse("02-00-0A-BC-DE-FF-00", m), -EINVAL);
	assert_int_equal(radius_station_id_parse("0-200-0A-BC-DE-FF", m), -EINVAL);
	assert_int_equal(radius_station_id_parse("02-00-0A-BC-DE-FG", m), -EINVAL);
	assert_int_equal(radius_station_id_parse("-02-00-0A-BC-DE-FF", m), -EINVAL);
	assert_int_equal(radius_station_id_parse("", m), -EINVAL);
	assert_int_equal(radius_station_id_parse(NULL, m), -EINVAL);

	assert_string_equal(radius_code_name(RADIUS_COA_NAK), "CoA-NAK");
	assert_string_equal(radius_attr_name(RADIUS_ATTR_EAP_MESSAGE), "EAP-Message");
	assert_string_equal(radius_attr_name(250), "unknown");
}

/* ---- Dynamic Authorization requests (RFC 5176) -------------------------- */

static const struct radius_coa_conf COA_CONF = { .nas_identifier = "menjin-tp01", .nas_ip = 0x0a0a0001 };
#define NOW 1732500000

static size_t coa_packet(uint8_t *pkt, uint8_t code, const struct radius_attrs *a)
{
	size_t len = 0;
	assert_int_equal(radius_encode(pkt, RADIUS_MAX_LEN, code, 17, NULL, a, NULL, 0, SECRET, SECRET_LEN,
				       &len), 0);
	return len;
}

static int coa(uint8_t code, const struct radius_attrs *a, struct coa_request *req, uint32_t *cause)
{
	uint8_t pkt[RADIUS_MAX_LEN];
	size_t len = coa_packet(pkt, code, a);
	return coa_parse(pkt, len, SECRET, SECRET_LEN, &COA_CONF, NOW, req, cause);
}

static void test_coa_parse(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x0a, 0x0a, 0x01, 0x0b };
	static struct coa_request req;
	struct radius_attrs a;
	uint32_t cause = 0;
	(void)state;

	/* Disconnect by Calling-Station-Id and Acct-Session-Id. */
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B");
	radius_attrs_put_text(&a, RADIUS_ATTR_ACCT_SESSION_ID, "5F3A0001-00000001");
	radius_attrs_put_text(&a, RADIUS_ATTR_NAS_IDENTIFIER, "menjin-tp01");
	radius_attrs_put_u32(&a, RADIUS_ATTR_EVENT_TIMESTAMP, NOW - 10);
	assert_int_equal(coa(RADIUS_DISCONNECT_REQUEST, &a, &req, &cause), 0);
	assert_int_equal(req.kind, COA_DISCONNECT);
	assert_true(req.has_mac);
	assert_memory_equal(req.mac, mac, 6);
	assert_string_equal(req.acct_session_id, "5F3A0001-00000001");
	assert_int_equal(req.id, 17);

	/* Stale Event-Timestamp (RFC 5176 3.4): dropped silently. */
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B");
	radius_attrs_put_u32(&a, RADIUS_ATTR_EVENT_TIMESTAMP, NOW - COA_EVENT_WINDOW_S - 1);
	assert_int_equal(coa(RADIUS_DISCONNECT_REQUEST, &a, &req, &cause), -EBADMSG);

	/* Another NAS. */
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B");
	radius_attrs_put_text(&a, RADIUS_ATTR_NAS_IDENTIFIER, "menjin-tp02");
	assert_int_equal(coa(RADIUS_DISCONNECT_REQUEST, &a, &req, &cause), -EINVAL);
	assert_int_equal(cause, RADIUS_EC_NAS_ID_MISMATCH);
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B");
	radius_attrs_put_u32(&a, RADIUS_ATTR_NAS_IP_ADDRESS, 0x0a0a0002);
	assert_int_equal(coa(RADIUS_DISCONNECT_REQUEST, &a, &req, &cause), -EINVAL);
	assert_int_equal(cause, RADIUS_EC_NAS_ID_MISMATCH);

	/* Nothing to identify the session. */
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_USER_NAME, "alice");
	assert_int_equal(coa(RADIUS_DISCONNECT_REQUEST, &a, &req, &cause), -EINVAL);
	assert_int_equal(cause, RADIUS_EC_MISSING_ATTRIBUTE);

	/* A Disconnect that also changes authorization; an attribute we do not know. */
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B");
	radius_attrs_put_text(&a, RADIUS_ATTR_FILTER_ID, "guest");
	assert_int_equal(coa(RADIUS_DISCONNECT_REQUEST, &a, &req, &cause), -EINVAL);
	assert_int_equal(cause, RADIUS_EC_UNSUPPORTED_ATTRIBUTE);
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B");
	radius_attrs_put_u32(&a, RADIUS_ATTR_FRAMED_IP_ADDRESS, 0x0a0a010b);
	assert_int_equal(coa(RADIUS_DISCONNECT_REQUEST, &a, &req, &cause), -EINVAL);
	assert_int_equal(cause, RADIUS_EC_UNSUPPORTED_ATTRIBUTE);
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "not-a-mac");
	assert_int_equal(coa(RADIUS_DISCONNECT_REQUEST, &a, &req, &cause), -EINVAL);
	assert_int_equal(cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);

	/* CoA: new role, Session-Timeout, reauthentication three ways. */
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_ACCT_SESSION_ID, "5F3A0001-00000001");
	radius_attrs_put_text(&a, RADIUS_ATTR_FILTER_ID, "guest");
	radius_attrs_put(&a, RADIUS_ATTR_TUNNEL_PRIVATE_GROUP_ID, "\x01" "200", 4);
	radius_attrs_put_u32(&a, RADIUS_ATTR_SESSION_TIMEOUT, 600);
	assert_int_equal(coa(RADIUS_COA_REQUEST, &a, &req, &cause), 0);
	assert_int_equal(req.kind, COA_CHANGE);
	assert_false(req.has_mac);
	assert_true(req.has_filter_id);
	assert_string_equal(req.filter_id, "guest");
	assert_true(req.has_vlan);
	assert_string_equal(req.vlan, "200");
	assert_true(req.has_session_timeout);
	assert_int_equal(req.session_timeout, 600);
	assert_false(req.reauthenticate);

	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02:00:0a:0a:01:0b");
	radius_attrs_put_u32(&a, RADIUS_ATTR_SERVICE_TYPE, RADIUS_SERVICE_AUTHORIZE_ONLY);
	assert_int_equal(coa(RADIUS_COA_REQUEST, &a, &req, &cause), 0);
	assert_true(req.reauthenticate);

	static const char avpair[] = "subscriber:command=reauthenticate";
	uint8_t vsa[64] = { 0, 0, 0, 9, 1, (uint8_t)(sizeof(avpair) - 1 + 2) };
	memcpy(vsa + 6, avpair, sizeof(avpair) - 1);
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02000a0a010b");
	radius_attrs_put(&a, RADIUS_ATTR_VENDOR_SPECIFIC, vsa, 6 + sizeof(avpair) - 1);
	assert_int_equal(coa(RADIUS_COA_REQUEST, &a, &req, &cause), 0);
	assert_true(req.reauthenticate);
	vsa[3] = 10;     /* another vendor */
	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02000a0a010b");
	radius_attrs_put(&a, RADIUS_ATTR_VENDOR_SPECIFIC, vsa, 6 + sizeof(avpair) - 1);
	assert_int_equal(coa(RADIUS_COA_REQUEST, &a, &req, &cause), -EINVAL);
	assert_int_equal(cause, RADIUS_EC_UNSUPPORTED_ATTRIBUTE);

	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02000a0a010b");
	radius_attrs_put_u32(&a, RADIUS_ATTR_SERVICE_TYPE, RADIUS_SERVICE_FRAMED);
	assert_int_equal(coa(RADIUS_COA_REQUEST, &a, &req, &cause), -EINVAL);
	assert_int_equal(cause, RADIUS_EC_UNSUPPORTED_SERVICE);

	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02000a0a010b");
	assert_int_equal(coa(RADIUS_COA_REQUEST, &a, &req, &cause), -EINVAL);
	assert_int_equal(cause, RADIUS_EC_MISSING_ATTRIBUTE);
}

static void test_coa_authenticity(void **state)
{
	static struct coa_request req;
	struct radius_attrs a;
	uint8_t pkt[RADIUS_MAX_LEN], auth[16];
	static const uint8_t zero[16];
	uint32_t cause = 0;
	size_t len;
	(void)state;

	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B");
	len = coa_packet(pkt, RADIUS_DISCONNECT_REQUEST, &a);
	/* The wrong secret. */
	assert_int_equal(coa_parse(pkt, len, (const uint8_t *)"other", 5, &COA_CONF, NOW, &req, &cause),
			 -EBADMSG);
	/* A flipped bit. */
	pkt[len - 1] ^= 1;
	assert_int_equal(coa_parse(pkt, len, SECRET, SECRET_LEN, &COA_CONF, NOW, &req, &cause), -EBADMSG);

	/* Right Request Authenticator but no Message-Authenticator: dropped. */
	uint8_t bare[64] = { RADIUS_DISCONNECT_REQUEST, 5 };
	len = 20;
	len = put_raw(bare, len, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B", 17);
	bare[3] = (uint8_t)len;
	md5_parts(auth, bare, 4, zero, 16, bare + 20, len - 20, SECRET, SECRET_LEN);
	memcpy(bare + 4, auth, 16);
	assert_int_equal(radius_decode(bare, len, &msg), 0);
	assert_int_equal(radius_verify_request(&msg, SECRET, SECRET_LEN, false, NULL), 0);
	assert_int_equal(coa_parse(bare, len, SECRET, SECRET_LEN, &COA_CONF, NOW, &req, &cause), -EBADMSG);

	/* Not a dynamic authorization code. */
	uint8_t ra[16] = { 1 };
	assert_int_equal(radius_encode(pkt, sizeof(pkt), RADIUS_ACCESS_REQUEST, 1, ra, &a, NULL, 0,
				       SECRET, SECRET_LEN, &len), 0);
	assert_int_equal(coa_parse(pkt, len, SECRET, SECRET_LEN, &COA_CONF, NOW, &req, &cause), -EBADMSG);
	assert_int_equal(coa_parse(pkt, 10, SECRET, SECRET_LEN, &COA_CONF, NOW, &req, &cause), -EBADMSG);
}

static void test_coa_replies(void **state)
{
	static struct coa_request req;
	struct radius_attrs a;
	uint8_t pkt[RADIUS_MAX_LEN], rep[RADIUS_MAX_LEN];
	uint32_t cause = 0, v = 0;
	size_t len, rlen = 0;
	int why = -1;
	(void)state;

	radius_attrs_init(&a);
	radius_attrs_put_text(&a, RADIUS_ATTR_CALLING_STATION_ID, "02-00-0A-0A-01-0B");
	radius_attrs_put(&a, RADIUS_ATTR_PROXY_STATE, "proxy-1", 7);
	radius_attrs_put(&a, RADIUS_ATTR_PROXY_STATE, "proxy-2", 7);
	len = coa_packet(pkt, RADIUS_DISCONNECT_REQUEST, &a);
	assert_int_equal(coa_parse(pkt, len, SECRET, SECRET_LEN, &COA_CONF, NOW, &req, &cause), 0);
	assert_int_equal(req.nproxy_state, 2);

	/* ACK: Message-Authenticator over the request's authenticator, Proxy-State echoed in order. */
	assert_int_equal(coa_encode_reply(rep, sizeof(rep), &req, true, 0, SECRET, SECRET_LEN, &rlen), 0);
	assert_int_equal(radius_decode(rep, rlen, &msg2), 0);
	assert_int_equal(msg2.code, RADIUS_DISCONNECT_ACK);
	assert_int_equal(msg2.id, 17);
	assert_int_equal(radius_verify_reply(&msg2, pkt + 4, SECRET, SECRET_LEN, &why), 0);
	assert_int_equal(radius_count(&msg2, RADIUS_ATTR_PROXY_STATE), 2);
	assert_memory_equal(radius_find(&msg2, RADIUS_ATTR_PROXY_STATE)->value, "proxy-1", 7);
	assert_int_equal(radius_get_u32(&msg2, RADIUS_ATTR_ERROR_CAUSE, &v), -ENOENT);

	/* NAK with its Error-Cause. */
	assert_int_equal(coa_encode_reply(rep, sizeof(rep), &req, false, RADIUS_EC_SESSION_NOT_FOUND,
					  SECRET, SECRET_LEN, &rlen), 0);
	assert_int_equal(radius_decode(rep, rlen, &msg2), 0);
	assert_int_equal(msg2.code, RADIUS_DISCONNECT_NAK);
	assert_int_equal(radius_verify_reply(&msg2, pkt + 4, SECRET, SECRET_LEN, &why), 0);
	assert_int_equal(radius_get_u32(&msg2, RADIUS_ATTR_ERROR_CAUSE, &v), 0);
	assert_int_equal(v, 503);

	/* CoA codes. */
	req.code = RADIUS_COA_REQUEST;
	assert_int_equal(coa_encode_reply(rep, sizeof(rep), &req, false, RADIUS_EC_INVALID_ATTRIBUTE_VALUE,
					  SECRET, SECRET_LEN, &rlen), 0);
	assert_int_equal(rep[0], RADIUS_COA_NAK);
	assert_int_equal(coa_encode_reply(rep, sizeof(rep), &req, true, 0, SECRET, SECRET_LEN, &rlen), 0);
	assert_int_equal(rep[0], RADIUS_COA_ACK);
	req.code = RADIUS_ACCESS_REQUEST;
	assert_int_equal(coa_encode_reply(rep, sizeof(rep), &req, true, 0, SECRET, SECRET_LEN, &rlen), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc2865_example_request),
		cmocka_unit_test(test_rfc2865_example_accept_needs_message_authenticator),
		cmocka_unit_test(test_rfc2865_example_round_trip),
		cmocka_unit_test(test_password_hiding_vector),
		cmocka_unit_test(test_reply_verification),
		cmocka_unit_test(test_reply_ma_not_first_and_duplicate),
		cmocka_unit_test(test_accounting_request_authenticator),
		cmocka_unit_test(test_access_reply_ma_form_is_strict),
		cmocka_unit_test(test_coa_request_and_ack),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_attrs_builder_limits),
		cmocka_unit_test(test_eap_fragmentation),
		cmocka_unit_test(test_eap_reassembly_refusals),
		cmocka_unit_test(test_station_id),
		cmocka_unit_test(test_coa_parse),
		cmocka_unit_test(test_coa_authenticity),
		cmocka_unit_test(test_coa_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
