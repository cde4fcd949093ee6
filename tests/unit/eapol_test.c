/* eapol_test.c — EAPOL frames and EAP packets: decoding what supplicants
 * send (group and unicast addresses, 802.1Q tags, padding), refusing what is
 * malformed, and building what the authenticator sends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "eapol.h"

static const uint8_t PAE_GROUP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x03 };
static const uint8_t BRIDGE_GROUP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
static const uint8_t LLDP_GROUP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
static const uint8_t OTHER_GROUP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x02 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t SUPP[6] = { 0x02, 0x00, 0x0a, 0x0a, 0x01, 0x0b };
static const uint8_t AUTH[6] = { 0x02, 0x4d, 0x4a, 0x00, 0x00, 0x01 };

/* A frame as wpa_supplicant sends it: header, EAPOL header, body, padding. */
static size_t frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t tci,
		    uint8_t version, uint8_t type, const uint8_t *body, uint16_t blen, size_t pad_to)
{
	size_t n = 0;
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	n = 12;
	if (tci) {
		f[n++] = 0x81; f[n++] = 0x00; f[n++] = (uint8_t)(tci >> 8); f[n++] = (uint8_t)tci;
	}
	f[n++] = 0x88; f[n++] = 0x8e;
	f[n++] = version; f[n++] = type; f[n++] = (uint8_t)(blen >> 8); f[n++] = (uint8_t)blen;
	if (blen)
		memcpy(f + n, body, blen);
	n += blen;
	while (n < pad_to)
		f[n++] = 0;
	return n;
}

static void test_decode_start_logoff(void **state)
{
	uint8_t f[128];
	struct eapol_frame e;
	int err = -1;
	size_t n;
	(void)state;

	n = frame(f, PAE_GROUP, SUPP, 0, 1, EAPOL_START, NULL, 0, 60);
	assert_int_equal(eapol_decode(f, n, &e, &err), 0);
	assert_int_equal(err, EAPOL_OK);
	assert_int_equal(e.type, EAPOL_START);
	assert_int_equal(e.version, 1);
	assert_int_equal(e.body_len, 0);
	assert_null(e.body);
	assert_false(e.tagged);
	assert_memory_equal(e.src, SUPP, 6);
	assert_memory_equal(e.dst, PAE_GROUP, 6);

	/* Unicast to the authenticator, version 3, Logoff, no padding. */
	n = frame(f, AUTH, SUPP, 0, 3, EAPOL_LOGOFF, NULL, 0, 0);
	assert_int_equal(n, 18);
	assert_int_equal(eapol_decode(f, n, &e, NULL), 0);
	assert_int_equal(e.type, EAPOL_LOGOFF);
	assert_int_equal(e.version, 3);

	/* The other 802.1X-2010 group addresses. */
	n = frame(f, BRIDGE_GROUP, SUPP, 0, 2, EAPOL_START, NULL, 0, 60);
	assert_int_equal(eapol_decode(f, n, &e, NULL), 0);
	n = frame(f, LLDP_GROUP, SUPP, 0, 2, EAPOL_START, NULL, 0, 60);
	assert_int_equal(eapol_decode(f, n, &e, NULL), 0);
}

static void test_decode_tagged_eap(void **state)
{
	static const uint8_t eap[] = { 2, 5, 0, 10, 1, 'a', 'l', 'i', 'c', 'e' };
	uint8_t f[128];
	struct eapol_frame e;
	struct eap_packet p;
	char id[EAP_IDENTITY_MAX];
	size_t n;
	(void)state;

	n = frame(f, PAE_GROUP, SUPP, 0x2064, 2, EAPOL_EAP_PACKET, eap, sizeof(eap), 64);
	assert_int_equal(eapol_decode(f, n, &e, NULL), 0);
	assert_true(e.tagged);
	assert_int_equal(e.vlan_tci, 0x2064);
	assert_int_equal(e.body_len, sizeof(eap));
	assert_memory_equal(e.body, eap, sizeof(eap));
	assert_int_equal(eap_decode(e.body, e.body_len, &p, NULL), 0);
	assert_int_equal(p.code, EAP_CODE_RESPONSE);
	assert_int_equal(p.id, 5);
	assert_int_equal(p.type, EAP_TYPE_IDENTITY);
	assert_int_equal(p.data_len, 5);
	assert_int_equal(eap_identity(&p, id, sizeof(id)), 0);
	assert_string_equal(id, "alice");
}

static void test_decode_refusals(void **state)
{
	uint8_t f[128], bad[6];
	struct eapol_frame e;
	int err = 0;
	size_t n;
	(void)state;

	n = frame(f, PAE_GROUP, SUPP, 0, 2, EAPOL_START, NULL, 0, 0);
	assert_int_equal(eapol_decode(f, 17, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_SHORT);
	assert_int_equal(eapol_decode(f, 13, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_SHORT);
	assert_int_equal(eapol_decode(NULL, 0, &e, &err), -EBADMSG);

	/* Tagged but the tag is cut. */
	n = frame(f, PAE_GROUP, SUPP, 5, 2, EAPOL_START, NULL, 0, 0);
	assert_int_equal(eapol_decode(f, 16, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_SHORT);

	n = frame(f, PAE_GROUP, SUPP, 0, 2, EAPOL_START, NULL, 0, 60);
	f[13] = 0x8f;
	assert_int_equal(eapol_decode(f, n, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_ETHERTYPE);

	n = frame(f, BCAST, SUPP, 0, 2, EAPOL_START, NULL, 0, 60);
	assert_int_equal(eapol_decode(f, n, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_DST);
	n = frame(f, OTHER_GROUP, SUPP, 0, 2, EAPOL_START, NULL, 0, 60);
	assert_int_equal(eapol_decode(f, n, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_DST);

	memcpy(bad, SUPP, 6);
	bad[0] |= 1;
	n = frame(f, PAE_GROUP, bad, 0, 2, EAPOL_START, NULL, 0, 60);
	assert_int_equal(eapol_decode(f, n, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_SRC);
	memset(bad, 0, 6);
	n = frame(f, PAE_GROUP, bad, 0, 2, EAPOL_START, NULL, 0, 60);
	assert_int_equal(eapol_decode(f, n, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_SRC);

	n = frame(f, PAE_GROUP, SUPP, 0, 0, EAPOL_START, NULL, 0, 60);
	assert_int_equal(eapol_decode(f, n, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_VERSION);

	/* Body length one past the frame, and far past it. */
	static const uint8_t body[5] = { 3, 1, 0, 4, 0 };
	n = frame(f, PAE_GROUP, SUPP, 0, 2, EAPOL_EAP_PACKET, body, 5, 0);
	assert_int_equal(eapol_decode(f, n, &e, NULL), 0);
	assert_int_equal(eapol_decode(f, n - 1, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_BODY_LEN);
	f[16] = 0xff; f[17] = 0xff;
	assert_int_equal(eapol_decode(f, n, &e, &err), -EBADMSG);
	assert_int_equal(err, EAPOL_ERR_BODY_LEN);

	/* Unknown EAPOL types decode (the caller ignores them). */
	n = frame(f, PAE_GROUP, SUPP, 0, 3, 200, NULL, 0, 60);
	assert_int_equal(eapol_decode(f, n, &e, NULL), 0);
	assert_int_equal(e.type, 200);
	assert_string_equal(eapol_type_name(200), "unknown");
	assert_string_equal(eapol_error_name(-EAPOL_ERR_DST), "bad destination MAC");
}

static void test_eap_decode(void **state)
{
	struct eap_packet p;
	int err = 0;
	uint8_t b[EAP_MAX_LEN + 8];
	(void)state;

	static const uint8_t success[] = { 3, 9, 0, 4 };
	assert_int_equal(eap_decode(success, 4, &p, &err), 0);
	assert_int_equal(p.code, EAP_CODE_SUCCESS);
	assert_int_equal(p.type, 0);
	assert_int_equal(p.data_len, 0);

	/* Trailing bytes past Length are not part of the packet. */
	static const uint8_t padded[] = { 4, 9, 0, 4, 0xde, 0xad };
	assert_int_equal(eap_decode(padded, sizeof(padded), &p, &err), 0);
	assert_int_equal(p.len, 4);

	static const uint8_t success5[] = { 3, 9, 0, 5, 0 };
	assert_int_equal(eap_decode(success5, 5, &p, &err), -EBADMSG);
	assert_int_equal(err, EAP_ERR_LENGTH);
	static const uint8_t req4[] = { 1, 9, 0, 4 };
	assert_int_equal(eap_decode(req4, 4, &p, &err), -EBADMSG);
	assert_int_equal(err, EAP_ERR_LENGTH);
	static const uint8_t code5[] = { 5, 9, 0, 4 };
	assert_int_equal(eap_decode(code5, 4, &p, &err), -EBADMSG);
	assert_int_equal(err, EAP_ERR_CODE);
	static const uint8_t code0[] = { 0, 9, 0, 4 };
	assert_int_equal(eap_decode(code0, 4, &p, &err), -EBADMSG);
	static const uint8_t longer[] = { 2, 9, 0, 9, 1, 'a' };
	assert_int_equal(eap_decode(longer, sizeof(longer), &p, &err), -EBADMSG);
	assert_int_equal(err, EAP_ERR_LENGTH);
	assert_int_equal(eap_decode(longer, 3, &p, &err), -EBADMSG);
	assert_int_equal(err, EAP_ERR_SHORT);
	/* Length below the header. */
	static const uint8_t tiny[] = { 2, 9, 0, 2, 1, 'a' };
	assert_int_equal(eap_decode(tiny, sizeof(tiny), &p, &err), -EBADMSG);

	memset(b, 0, sizeof(b));
	b[0] = 1; b[2] = (EAP_MAX_LEN + 1) >> 8; b[3] = (EAP_MAX_LEN + 1) & 0xff; b[4] = 13;
	assert_int_equal(eap_decode(b, sizeof(b), &p, &err), -EMSGSIZE);
	assert_int_equal(err, EAP_ERR_TOO_BIG);
	b[2] = EAP_MAX_LEN >> 8; b[3] = EAP_MAX_LEN & 0xff;
	assert_int_equal(eap_decode(b, sizeof(b), &p, &err), 0);
	assert_int_equal(p.data_len, EAP_MAX_LEN - 5);
}

static void test_identity(void **state)
{
	struct eap_packet p;
	char id[EAP_IDENTITY_MAX];
	uint8_t b[300];
	(void)state;

	/* RFC 4284: a NUL and network information after the identity. */
	static const uint8_t nai[] = { 2, 1, 0, 20, 1, 'b', 'o', 'b', 0, 'n', 'e', 't', 'w', 'o',
				       'r', 'k', 'i', 'd', '=', 'x' };
	assert_int_equal(eap_decode(nai, sizeof(nai), &p, NULL), 0);
	assert_int_equal(eap_identity(&p, id, sizeof(id)), 0);
	assert_string_equal(id, "bob");

	static const uint8_t ctl[] = { 2, 1, 0, 8, 1, 'b', '\n', 'b' };
	assert_int_equal(eap_decode(ctl, sizeof(ctl), &p, NULL), 0);
	assert_int_equal(eap_identity(&p, id, sizeof(id)), -EINVAL);

	static const uint8_t empty[] = { 2, 1, 0, 5, 1 };
	assert_int_equal(eap_decode(empty, sizeof(empty), &p, NULL), 0);
	assert_int_equal(eap_identity(&p, id, sizeof(id)), -EINVAL);

	static const uint8_t md5[] = { 2, 1, 0, 6, 4, 0 };
	assert_int_equal(eap_decode(md5, sizeof(md5), &p, NULL), 0);
	assert_int_equal(eap_identity(&p, id, sizeof(id)), -EINVAL);

	/* 253 characters fit User-Name; 254 do not fit the buffer. */
	size_t n;
	uint8_t u[300];
	memset(u, 'u', sizeof(u));
	assert_int_equal(eap_encode(b, sizeof(b), EAP_CODE_RESPONSE, 1, EAP_TYPE_IDENTITY, u, 253,
				    &n), 0);
	assert_int_equal(eap_decode(b, n, &p, NULL), 0);
	assert_int_equal(eap_identity(&p, id, sizeof(id)), 0);
	assert_int_equal(strlen(id), 253);
	assert_int_equal(eap_encode(b, sizeof(b), EAP_CODE_RESPONSE, 1, EAP_TYPE_IDENTITY, u, 254,
				    &n), 0);
	assert_int_equal(eap_decode(b, n, &p, NULL), 0);
	assert_int_equal(eap_identity(&p, id, sizeof(id)), -ENAMETOOLONG);
}

static void test_encode(void **state)
{
	uint8_t eap[64], f[EAPOL_FRAME_MAX];
	struct eapol_frame e;
	struct eap_packet p;
	size_t n, fn;
	(void)state;

	assert_int_equal(eap_encode(eap, sizeof(eap), EAP_CODE_REQUEST, 17, EAP_TYPE_IDENTITY, NULL, 0,
				    &n), 0);
	assert_int_equal(n, 5);
	static const uint8_t want[] = { 1, 17, 0, 5, 1 };
	assert_memory_equal(eap, want, 5);

	assert_int_equal(eapol_encode(f, sizeof(f), SUPP, AUTH, 0, EAPOL_EAP_PACKET, eap, n, &fn), 0);
	assert_int_equal(fn, EAPOL_MIN_FRAME);
	static const uint8_t hdr[] = { 0x88, 0x8e, EAPOL_VERSION_SENT, 0, 0, 5, 1, 17, 0, 5, 1 };
	assert_memory_equal(f, SUPP, 6);
	assert_memory_equal(f + 6, AUTH, 6);
	assert_memory_equal(f + 12, hdr, sizeof(hdr));
	for (size_t i = 12 + sizeof(hdr); i < fn; i++)
		assert_int_equal(f[i], 0);
	/* The authenticator's frames decode with our own decoder (unicast dst). */
	assert_int_equal(eapol_decode(f, fn, &e, NULL), 0);
	assert_int_equal(e.body_len, 5);
	assert_int_equal(eap_decode(e.body, e.body_len, &p, NULL), 0);
	assert_int_equal(p.code, EAP_CODE_REQUEST);

	/* Tagged replies keep the supplicant's tag. */
	assert_int_equal(eapol_encode(f, sizeof(f), SUPP, AUTH, 0x0064, EAPOL_EAP_PACKET, eap, n, &fn), 0);
	assert_int_equal(fn, EAPOL_MIN_FRAME);
	assert_int_equal(f[12], 0x81);
	assert_int_equal(f[15], 0x64);
	assert_int_equal(eapol_decode(f, fn, &e, NULL), 0);
	assert_int_equal(e.vlan_tci, 0x64);

	/* Success and Failure have no type. */
	assert_int_equal(eap_encode(eap, sizeof(eap), EAP_CODE_SUCCESS, 3, 0, NULL, 0, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(eap_encode(eap, sizeof(eap), EAP_CODE_FAILURE, 3, 0, (const uint8_t *)"x", 1,
				    &n), -EINVAL);
	assert_int_equal(eap_encode(eap, sizeof(eap), 7, 3, 0, NULL, 0, &n), -EINVAL);
	assert_int_equal(eap_encode(eap, 4, EAP_CODE_REQUEST, 3, 1, NULL, 0, &n), -ENOSPC);
	assert_int_equal(eap_encode(f, sizeof(f), EAP_CODE_REQUEST, 3, 1, f, EAP_MAX_LEN, &n), -EMSGSIZE);

	/* Out of room; a large body is not padded. */
	assert_int_equal(eapol_encode(f, 59, SUPP, AUTH, 0, EAPOL_EAP_PACKET, eap, 4, &fn), -ENOSPC);
	memset(eap, 0x5a, sizeof(eap));
	assert_int_equal(eapol_encode(f, sizeof(f), SUPP, AUTH, 0, EAPOL_EAP_PACKET, eap, 64, &fn), 0);
	assert_int_equal(fn, 14 + 4 + 64);
	assert_int_equal(eapol_encode(f, 14 + 4 + 63, SUPP, AUTH, 0, EAPOL_EAP_PACKET, eap, 64, &fn),
			 -ENOSPC);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(eapol_type_name(EAPOL_START), "EAPOL-Start");
	assert_string_equal(eapol_type_name(-1), "unknown");
	assert_string_equal(eap_code_name(EAP_CODE_FAILURE), "Failure");
	assert_string_equal(eap_code_name(9), "unknown");
	assert_string_equal(eap_type_name(EAP_TYPE_PEAP), "PEAP");
	assert_string_equal(eap_type_name(99), "unknown");
	assert_true(eapol_is_group_addr(PAE_GROUP));
	assert_false(eapol_is_group_addr(OTHER_GROUP));
	assert_false(eapol_is_group_addr(SUPP));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_start_logoff),
		cmocka_unit_test(test_decode_tagged_eap),
		cmocka_unit_test(test_decode_refusals),
		cmocka_unit_test(test_eap_decode),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
