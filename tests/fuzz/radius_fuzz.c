/* radius_fuzz.c — libFuzzer target for radius_decode() and everything that
 * reads a decoded packet: the getters, EAP-Message reassembly, the
 * authenticator and Message-Authenticator checks, User-Password reveal,
 * and the Disconnect/CoA request parser with its reply encoder.
 *
 * fuzz-sources: controlplane/radius.c controlplane/radius_coa.c controlplane/log.c
 * fuzz-runs: 50000
 *
 * ASan catches reads past the input; the checks below catch attributes
 * that point outside the packet's Length or overlap.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "radius.h"
#include "radius_coa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct radius_msg msg;
static struct coa_request coa;

/* RFC 5176 requests: parsed as the listener would, then answered. */
static void fuzz_coa(const uint8_t *data, size_t size, const uint8_t *secret, size_t secret_len)
{
	static const struct radius_coa_conf conf = { .nas_identifier = "menjin", .nas_ip = 0x0a0a0001 };
	uint8_t reply[RADIUS_MAX_LEN];
	uint32_t cause = 0;
	size_t n = 0;
	int rc = coa_parse(data, size, secret, secret_len, &conf, 1732500000, &coa, &cause);

	if (rc != 0 && rc != -EINVAL && rc != -EBADMSG && rc != -ENOMEM)
		abort();
	if (rc == -EINVAL && cause == 0)
		abort();
	if (rc == 0 && !coa.has_mac && !coa.acct_session_id[0])
		abort();
	if ((rc == 0 || rc == -EINVAL) &&
	    coa_encode_reply(reply, sizeof(reply), &coa, rc == 0, cause, secret, secret_len, &n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t secret[] = "fuzz-secret";
	static const uint8_t req_auth[RADIUS_AUTH_LEN] = { 1, 2, 3 };
	uint8_t eap[RADIUS_MAX_LEN], pw[RADIUS_PASSWORD_MAX], mac[6];
	char text[256];
	size_t n, expect = RADIUS_HDR_LEN;
	uint32_t v;

	fuzz_coa(data, size, secret, sizeof(secret) - 1);
	if (radius_decode(data, size, &msg) != 0)
		return 0;
	/* A fuzzer cannot forge an MD5 authenticator: re-sign Disconnect/CoA
	 * requests so their attributes reach the checks behind it. */
	if (msg.code == RADIUS_DISCONNECT_REQUEST || msg.code == RADIUS_COA_REQUEST) {
		static struct radius_attrs attrs;
		static uint8_t signed_pkt[RADIUS_MAX_LEN];
		size_t slen = 0;
		radius_attrs_init(&attrs);
		for (unsigned i = 0; i < msg.nattrs; i++)
			(void)radius_attrs_put(&attrs, msg.attrs[i].type, msg.attrs[i].value, msg.attrs[i].len);
		if (radius_encode(signed_pkt, sizeof(signed_pkt), msg.code, msg.id, NULL, &attrs, NULL, 0,
				  secret, sizeof(secret) - 1, &slen) == 0)
			fuzz_coa(signed_pkt, slen, secret, sizeof(secret) - 1);
	}
	if (msg.len < RADIUS_HDR_LEN || msg.len > size || msg.len > RADIUS_MAX_LEN)
		abort();
	for (unsigned i = 0; i < msg.nattrs; i++) {
		const struct radius_attr *a = &msg.attrs[i];
		/* Attributes tile the packet exactly, in order. */
		if (a->offset != expect || a->len == 0 || a->value != data + a->offset + 2)
			abort();
		expect += (size_t)a->len + 2;
		if (expect > msg.len)
			abort();
	}
	if (expect != msg.len)
		abort();
	if (msg.ma_index >= 0 && (msg.attrs[msg.ma_index].type != RADIUS_ATTR_MESSAGE_AUTHENTICATOR ||
				  msg.attrs[msg.ma_index].len != RADIUS_MA_LEN))
		abort();
	if (radius_count(&msg, RADIUS_ATTR_MESSAGE_AUTHENTICATOR) > 1)
		abort();

	if (radius_get_eap(&msg, eap, sizeof(eap), &n) == 0 && (n < 4 || n > msg.len))
		abort();
	for (int type = 1; type < 256; type += 1) {
		if (radius_get_text(&msg, (uint8_t)type, text, sizeof(text)) == 0 &&
		    strlen(text) > RADIUS_ATTR_MAX_VALUE)
			abort();
	}
	(void)radius_get_u32(&msg, RADIUS_ATTR_SESSION_TIMEOUT, &v);
	(void)radius_get_tagged_u32(&msg, RADIUS_ATTR_TUNNEL_TYPE, &v);
	(void)radius_get_tunnel_group(&msg, text, sizeof(text));
	if (radius_get_text(&msg, RADIUS_ATTR_CALLING_STATION_ID, text, sizeof(text)) == 0)
		(void)radius_station_id_parse(text, mac);

	const struct radius_attr *a = radius_find(&msg, RADIUS_ATTR_USER_PASSWORD);
	if (a && radius_password_reveal(a->value, a->len, msg.authenticator, secret, sizeof(secret) - 1,
					pw, sizeof(pw), &n) == 0 && n > a->len)
		abort();

	/* A random packet must essentially never verify; exercising the paths is the point. */
	(void)radius_verify_reply(&msg, req_auth, secret, sizeof(secret) - 1, NULL);
	(void)radius_verify_request(&msg, secret, sizeof(secret) - 1, true, NULL);
	return 0;
}
