/* bundle_test.c — signed policy bundles: every refusal has its own error
 * code and a message that names the problem; a good bundle comes out
 * whole, and its roles and policy load through menjind's own config code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "conf.h"
#include "rfc3339.h"
#include "threatfeed.h"

#define NOW 1795608000LL            /* 2026-11-25T12:00:00Z */

static const uint8_t seed_a[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t seed_b[32] = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba,
				    0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5,
				    0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf };

static const char *good_contents =
	"\"issuer\": \"Yilan County IT centre\","
	"\"roles\": ["
	"  {\"name\": \"staff\", \"id\": 10, \"default\": \"deny\", \"rules\": ["
	"    {\"action\": \"permit\", \"proto\": \"tcp\", \"to\": \"10.10.0.0/16\", \"ports\": \"80,443\"},"
	"    {\"action\": \"permit\", \"proto\": \"udp\", \"ports\": 53}]},"
	"  {\"name\": \"printer\", \"id\": 20}],"
	"\"policy\": ["
	"  {\"name\": \"staff-pcs\", \"match\": {\"ad_group\": [\"Staff\"], \"posture\": \"compliant\"},"
	"   \"verdict\": \"admit\", \"role\": \"staff\", \"reason\": \"AD staff, compliant\"},"
	"  {\"name\": \"printers\", \"match\": {\"oui\": \"00:1b:a9\"}, \"verdict\": \"admit\", \"role\": \"printer\"},"
	"  {\"name\": \"stolen\", \"match\": {\"mac\": [\"02:00:00:00:00:99\"]}, \"verdict\": \"block\"}],"
	"\"devices\": ["
	"  {\"mac\": \"02:00:0a:0a:01:14\", \"state\": \"admit\", \"role\": \"printer\", \"comment\": \"3F 印表機\"},"
	"  {\"mac\": \"02:00:0a:0a:01:0d\", \"state\": \"block\", \"expires\": \"2026-12-01T00:00:00Z\"}],"
	"\"posture\": ["
	"  {\"name\": \"win11\", \"platform\": \"windows-11\", \"max_age_days\": 14,"
	"   \"required\": [\"TWGCB-01-008-0003\", \"TWGCB-01-008-0004\"], \"exempt\": [\"TWGCB-01-012-0001\"]}],"
	"\"blocklist\": [\"203.0.113.0/24\", {\"prefix\": \"2001:db8:bad::/48\", \"reason\": \"C2\"}]";

/* A payload with the header fields and `contents` (a JSON fragment). */
static char *payload(uint64_t version, const char *key_id, const char *created, const char *expires,
		     const char *contents)
{
	char *p = NULL;
	int n = asprintf(&p,
			 "{\"format\": \"menjin-bundle/1\", \"version\": %llu, \"key_id\": \"%s\", "
			 "\"created\": \"%s\", \"expires\": \"%s\"%s%s}",
			 (unsigned long long)version, key_id, created, expires, contents[0] ? ", " : "", contents);
	assert_true(n > 0);
	return p;
}

static uint8_t *sign(const uint8_t seed[32], const char *key_id, const char *pl, size_t *len)
{
	uint8_t sig[64], *out;
	assert_int_equal(bundle_sign(seed, (const uint8_t *)pl, strlen(pl), sig), 0);
	assert_int_equal(bundle_envelope_build(BUNDLE_TYPE_POLICY, key_id, sig, (const uint8_t *)pl, strlen(pl), &out, len), 0);
	return out;
}

static uint8_t *good_bundle(uint64_t version, const uint8_t seed[32], const char *key_id, size_t *len)
{
	char *pl = payload(version, key_id, "2026-11-20T00:00:00Z", "2026-12-25T00:00:00Z", good_contents);
	uint8_t *b = sign(seed, key_id, pl, len);
	free(pl);
	return b;
}

static void keyring(struct bundle_keyring *kr, bool with_b)
{
	uint8_t pub[32];
	memset(kr, 0, sizeof(*kr));
	assert_int_equal(bundle_public_from_seed(seed_a, pub), 0);
	assert_int_equal(bundle_keyring_add(kr, "central-2026a", pub), 0);
	if (with_b) {
		assert_int_equal(bundle_public_from_seed(seed_b, pub), 0);
		assert_int_equal(bundle_keyring_add(kr, "central-2026b", pub), 0);
	}
}

static const struct bundle_check check_now = { .max_size = 0, .min_version = 0, .now = NOW };

static void test_good_bundle(void **state)
{
	(void)state;
	struct bundle_keyring kr;
	struct bundle *b;
	char err[BUNDLE_ERR_MAX], summary[256];
	size_t len;

	keyring(&kr, false);
	uint8_t *buf = good_bundle(7, seed_a, "central-2026a", &len);
	assert_int_equal(bundle_open(buf, len, &kr, &check_now, &b, err, sizeof(err)), 0);
	assert_int_equal(b->version, 7);
	assert_string_equal(b->key_id, "central-2026a");
	assert_string_equal(b->issuer, "Yilan County IT centre");
	assert_int_equal(b->nroles, 2);
	assert_int_equal(b->npolicy, 3);
	assert_int_equal(b->ndevices, 2);
	/* sorted by MAC */
	assert_int_equal(b->devices[0].mac[5], 0x0d);
	assert_int_equal(b->devices[0].state, VERDICT_BLOCK);
	assert_int_equal(b->devices[1].state, VERDICT_ADMIT);
	assert_string_equal(b->devices[1].role, "printer");
	assert_string_equal(b->devices[1].comment, "3F 印表機");
	assert_int_equal(b->nbaselines, 1);
	assert_int_equal(b->baselines[0].max_age_days, 14);
	assert_int_equal(b->baselines[0].nrequired, 2);
	assert_string_equal(b->baselines[0].exempt[0], "TWGCB-01-012-0001");
	assert_int_equal(b->blocklist->nprefixes, 2);
	assert_string_equal(b->blocklist->feed, "central");
	assert_string_equal(threatfeed_string(b->blocklist, b->blocklist->indicators[1].label), "C2");
	assert_int_equal(strlen(b->sha256), 64);
	/* the exact signed bytes are kept */
	assert_int_equal(b->payload_len, strlen(strstr((char *)buf, "\n\n") + 2));
	bundle_summary(b, summary, sizeof(summary));
	assert_non_null(strstr(summary, "version 7 (key central-2026a), expires 2026-12-25T00:00:00Z"));
	bundle_free(b);
	free(buf);
}

static void test_tampered(void **state)
{
	(void)state;
	struct bundle_keyring kr;
	struct bundle *b = NULL;
	char err[BUNDLE_ERR_MAX];
	size_t len;

	keyring(&kr, false);
	uint8_t *buf = good_bundle(7, seed_a, "central-2026a", &len);
	/* an administrator "fixes" a role id on the wire: one byte */
	char *id = strstr((char *)buf, "\"id\": 10");
	id[7] = '1';
	assert_int_equal(bundle_open(buf, len, &kr, &check_now, &b, err, sizeof(err)), -EKEYREJECTED);
	assert_null(b);
	assert_non_null(strstr(err, "signature: does not verify with key 'central-2026a'"));
	free(buf);
}

static void test_wrong_and_unknown_key(void **state)
{
	(void)state;
	struct bundle_keyring kr;
	struct bundle *b = NULL;
	char err[BUNDLE_ERR_MAX];
	size_t len;

	keyring(&kr, false);
	/* signed with B's seed but claiming to be key A */
	uint8_t *buf = good_bundle(7, seed_b, "central-2026a", &len);
	assert_int_equal(bundle_open(buf, len, &kr, &check_now, &b, err, sizeof(err)), -EKEYREJECTED);
	free(buf);
	/* honest about being key B, which this appliance does not trust */
	buf = good_bundle(7, seed_b, "central-2026b", &len);
	assert_int_equal(bundle_open(buf, len, &kr, &check_now, &b, err, sizeof(err)), -ENOKEY);
	assert_string_equal(err, "key: signed with key 'central-2026b', which is not configured (trusted: central-2026a)");
	assert_null(b);
	free(buf);
}

static void test_key_rotation(void **state)
{
	(void)state;
	struct bundle_keyring kr;
	struct bundle *b;
	char err[BUNDLE_ERR_MAX];
	size_t len;

	keyring(&kr, true);
	uint8_t *old = good_bundle(7, seed_a, "central-2026a", &len);
	assert_int_equal(bundle_open(old, len, &kr, &check_now, &b, err, sizeof(err)), 0);
	bundle_free(b);
	free(old);
	uint8_t *buf = good_bundle(8, seed_b, "central-2026b", &len);
	struct bundle_check c = check_now;
	c.min_version = 7;
	assert_int_equal(bundle_open(buf, len, &kr, &c, &b, err, sizeof(err)), 0);
	assert_string_equal(b->key_id, "central-2026b");
	bundle_free(b);
	free(buf);
	/* the envelope may not name another trusted key than the signed payload */
	char *pl = payload(9, "central-2026b", "2026-11-20T00:00:00Z", "2026-12-25T00:00:00Z", "");
	buf = sign(seed_a, "central-2026a", pl, &len);
	assert_int_equal(bundle_open(buf, len, &kr, &c, &b, err, sizeof(err)), -EKEYREJECTED);
	assert_non_null(strstr(err, "the signed payload names 'central-2026b'"));
	free(buf);
	free(pl);
	/* keyring limits */
	uint8_t pub[32] = { 0 };
	assert_int_equal(bundle_keyring_add(&kr, "central-2026a", pub), -EEXIST);
	assert_int_equal(bundle_keyring_add(&kr, "bad id", pub), -EINVAL);
	for (unsigned i = kr.nkeys; i < BUNDLE_MAX_KEYS; i++) {
		char id[16];
		snprintf(id, sizeof(id), "k%u", i);
		assert_int_equal(bundle_keyring_add(&kr, id, pub), 0);
	}
	assert_int_equal(bundle_keyring_add(&kr, "one-too-many", pub), -E2BIG);
}

static void test_rollback_and_expiry(void **state)
{
	(void)state;
	struct bundle_keyring kr;
	struct bundle *b = NULL;
	char err[BUNDLE_ERR_MAX];
	size_t len;

	keyring(&kr, false);
	uint8_t *buf = good_bundle(7, seed_a, "central-2026a", &len);
	struct bundle_check c = check_now;
	c.min_version = 7;   /* the same version again is a replay */
	assert_int_equal(bundle_open(buf, len, &kr, &c, &b, err, sizeof(err)), -ESTALE);
	assert_string_equal(err, "version: 7 is not greater than 7, the last accepted (rollback refused)");
	c.min_version = 9;
	assert_int_equal(bundle_open(buf, len, &kr, &c, &b, err, sizeof(err)), -ESTALE);
	c.min_version = 6;
	c.now = 1798156800;   /* 2026-12-25T00:00:00Z: expires is exclusive */
	assert_int_equal(bundle_open(buf, len, &kr, &c, &b, err, sizeof(err)), -ETIME);
	assert_string_equal(err, "expiry: version 7 expired at 2026-12-25T00:00:00Z (now 2026-12-25T00:00:00Z)");
	c.now--;
	assert_int_equal(bundle_open(buf, len, &kr, &c, &b, err, sizeof(err)), 0);
	bundle_free(b);
	free(buf);
}

static void test_envelope_damage(void **state)
{
	(void)state;
	struct bundle_keyring kr;
	struct bundle *b = NULL;
	char err[BUNDLE_ERR_MAX];
	size_t len;

	keyring(&kr, false);
	uint8_t *buf = good_bundle(7, seed_a, "central-2026a", &len);
	/* truncated in transfer */
	assert_int_equal(bundle_open(buf, len - 100, &kr, &check_now, &b, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "envelope: truncated: the header announces"));
	assert_int_equal(bundle_open(buf, 30, &kr, &check_now, &b, err, sizeof(err)), -EBADMSG);
	assert_int_equal(bundle_open(buf, 0, &kr, &check_now, &b, err, sizeof(err)), -EBADMSG);
	/* oversized */
	struct bundle_check c = check_now;
	c.max_size = len - 1;
	assert_int_equal(bundle_open(buf, len, &kr, &c, &b, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "size: "));
	/* trailing garbage */
	uint8_t *more = malloc(len + 5);
	memcpy(more, buf, len);
	memcpy(more + len, "junk\n", 5);
	assert_int_equal(bundle_open(more, len + 5, &kr, &check_now, &b, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "5 bytes after the announced"));
	free(more);
	/* an HTML error page served with 200 */
	const char *html = "<html><body>502 Bad Gateway</body></html>";
	assert_int_equal(bundle_open((const uint8_t *)html, strlen(html), &kr, &check_now, &b, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "not a menjin signed file"));
	/* header lines */
	static const char *const bad_headers[] = {
		"menjin-signed 1\ntype policy-bundle\nkey-id central-2026a\nsignature AAAA\nlength 2\n\n{}",
		"menjin-signed 1\ntype policy-bundle\nkey-id bad/id\nsignature AAAA\nlength 2\n\n{}",
		"menjin-signed 1\ntype policy-bundle\nkey-id a\nlength 2\n\n{}",
		"menjin-signed 1\ntype policy-bundle\nkey-id a\nsignature "
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\nlength -2\n\n{}",
		"menjin-signed 1\ntype policy-bundle\nkey-id a\nsignature "
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\nlength 02\n\n{}",
		"menjin-signed 1\ntype policy-bundle\nkey-id a\nsignature "
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\nlength 2\n{}",
		"menjin-signed 2\ntype policy-bundle\n",
	};
	for (size_t i = 0; i < sizeof(bad_headers) / sizeof(bad_headers[0]); i++)
		assert_int_equal(bundle_open((const uint8_t *)bad_headers[i], strlen(bad_headers[i]), &kr, &check_now,
					     &b, err, sizeof(err)), -EBADMSG);
	/* a signed STIX share is not a policy bundle */
	char *pl = payload(7, "central-2026a", "2026-11-20T00:00:00Z", "2026-12-25T00:00:00Z", "");
	uint8_t sig[64], *stix;
	size_t slen;
	bundle_sign(seed_a, (const uint8_t *)pl, strlen(pl), sig);
	bundle_envelope_build(BUNDLE_TYPE_STIX, "central-2026a", sig, (const uint8_t *)pl, strlen(pl), &stix, &slen);
	assert_int_equal(bundle_open(stix, slen, &kr, &check_now, &b, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "envelope: type 'stix-bundle', expected 'policy-bundle'");
	free(stix);
	free(pl);
	free(buf);
}

/* Schema errors: the contents fragment and the message expected. */
static const struct {
	const char *contents;
	const char *message;
} schema_cases[] = {
	{ "\"rules\": []", "schema: payload: unknown key 'rules' (known: format, version" },
	{ "\"roles\": {}", "schema: payload: 'roles' must be an array, not an object" },
	{ "\"roles\": [{\"name\": \"staff\"}]", "schema: roles[0]: missing 'id'" },
	{ "\"roles\": [{\"name\": \"staff\", \"id\": 1024}]", "schema: roles[0]: 'id' is 1024, not in 1..1023" },
	{ "\"roles\": [{\"name\": \"unrestricted\", \"id\": 3}]", "schema: roles[0]: the name is empty or reserved" },
	{ "\"roles\": [{\"name\": \"a\", \"id\": 3}, {\"name\": \"b\", \"id\": 3}]", "schema: roles[1]: id 3 already used by roles[0]" },
	{ "\"roles\": [{\"name\": \"a\", \"id\": 3, \"rules\": [{\"action\": \"allow\"}]}]",
	  "schema: roles[0].rules[0]: action 'allow' is not permit or deny" },
	{ "\"roles\": [{\"name\": \"a\", \"id\": 3, \"rules\": [{\"action\": \"permit\", \"to\": \"10.0.0.1/8\"}]}]",
	  "schema: roles[0].rules[0]: to '10.0.0.1/8' is not 'any', an address or a prefix without host bits" },
	{ "\"roles\": [{\"name\": \"a\", \"id\": 3, \"rules\": [{\"action\": \"permit\", \"proto\": \"tcp\", \"ports\": \"80-\"}]}]",
	  "schema: roles[0].rules[0]: ports '80-' is not like" },
	{ "\"roles\": [{\"name\": \"a\", \"id\": 3, \"rules\": [{\"action\": \"permit\", \"ports\": 80}]}]",
	  "schema: roles[0].rules[0]: ports need proto tcp or udp" },
	{ "\"policy\": [{\"name\": \"x\", \"verdict\": \"admit\", \"role\": \"staff\"}]",
	  "schema: policy[0]: missing 'match'" },
	{ "\"policy\": [{\"name\": \"x\", \"match\": {}, \"verdict\": \"admit\", \"role\": \"staff\"}]",
	  "schema: policy[0]: role 'staff' is not defined in the bundle's roles" },
	{ "\"policy\": [{\"name\": \"x\", \"match\": {}, \"verdict\": \"admit\"}]",
	  "schema: policy[0]: verdict admit needs a role" },
	{ "\"policy\": [{\"name\": \"x\", \"match\": {\"mac\": [\"02:00:00:00:00:01\", \"nope\"]}, \"verdict\": \"block\"}]",
	  "schema: policy[0].match.mac[1]: 'nope' is not a MAC address" },
	{ "\"policy\": [{\"name\": \"x\", \"match\": {\"posture\": \"great\"}, \"verdict\": \"block\"}]",
	  "schema: policy[0].match.posture: 'great' is not unknown, compliant" },
	{ "\"policy\": [{\"name\": \"x\", \"match\": {\"colour\": \"red\"}, \"verdict\": \"block\"}]",
	  "schema: policy[0].match: unknown key 'colour'" },
	{ "\"policy\": [{\"name\": \"x\", \"match\": {}, \"verdict\": \"block\", \"reason\": \"{nope}\"}]",
	  "schema: policy[0]: reason: " },
	{ "\"policy\": [{\"name\": \"default\", \"match\": {}, \"verdict\": \"block\"}]",
	  "schema: policy[0]: the name is empty or reserved" },
	{ "\"devices\": [{\"mac\": \"02:00:00:00:00:01\", \"state\": \"block\"}, {\"mac\": \"02-00-00-00-00-01\", \"state\": \"quarantine\"}]",
	  "schema: devices: 02:00:00:00:00:01 is listed twice" },
	{ "\"devices\": [{\"mac\": \"02:00:00:00:00:01\", \"state\": \"admit\"}]", "schema: devices[0]: state admit needs a role" },
	{ "\"devices\": [{\"mac\": \"02:00:00:00:00:01\", \"state\": \"block\", \"expires\": \"tomorrow\"}]",
	  "schema: devices[0]: 'expires' is 'tomorrow', not a time like" },
	{ "\"posture\": [{\"name\": \"w\", \"platform\": \"windows-11\", \"required\": [\"TWGCB 01\"]}]",
	  "schema: posture[0]: required[0] is not an item id" },
	{ "\"posture\": [{\"name\": \"w\", \"platform\": \"p\", \"max_age_days\": -1}]",
	  "schema: posture[0]: 'max_age_days' is -1, not in 0..3650" },
	{ "\"blocklist\": [\"0.0.0.0/0\"]", "schema: blocklist[0]: '0.0.0.0/0': broader than /8, refused" },
	{ "\"blocklist\": [{\"prefix\": \"198.51.100.7/24\"}]", "schema: blocklist[0]: '198.51.100.7/24': host bits set below /24" },
	{ "\"blocklist\": [17]", "schema: blocklist[0]: must be an object, not an integer" },
};

static void test_schema_errors(void **state)
{
	(void)state;
	struct bundle_keyring kr;
	char err[BUNDLE_ERR_MAX];

	keyring(&kr, false);
	for (size_t i = 0; i < sizeof(schema_cases) / sizeof(schema_cases[0]); i++) {
		struct bundle *b = NULL;
		size_t len;
		char *pl = payload(7, "central-2026a", "2026-11-20T00:00:00Z", "2026-12-25T00:00:00Z",
				   schema_cases[i].contents);
		uint8_t *buf = sign(seed_a, "central-2026a", pl, &len);
		int rc = bundle_open(buf, len, &kr, &check_now, &b, err, sizeof(err));
		if (rc != -EINVAL || strstr(err, schema_cases[i].message) == NULL)
			fail_msg("case %zu: rc %d, '%s', expected '%s'", i, rc, err, schema_cases[i].message);
		assert_null(b);
		free(buf);
		free(pl);
	}
}

static void test_header_fields(void **state)
{
	(void)state;
	struct bundle *b = NULL;
	char err[BUNDLE_ERR_MAX];
	static const struct {
		const char *json;
		const char *message;
	} cases[] = {
		{ "[]", "schema: the payload must be a JSON object, not an array" },
		{ "{\"format\": \"menjin-bundle/2\"}", "schema: format: 'menjin-bundle/2' is not \"menjin-bundle/1\"" },
		{ "{\"format\": \"menjin-bundle/1\", \"version\": 0}", "schema: version: must be an integer" },
		{ "{\"format\": \"menjin-bundle/1\", \"version\": 1.5}", "schema: version: must be an integer" },
		{ "{\"format\": \"menjin-bundle/1\", \"version\": 1, \"key_id\": \"k\", \"created\": \"2026-11-20\","
		  " \"expires\": \"2026-12-25T00:00:00Z\"}", "schema: payload: 'created' is '2026-11-20', not a time" },
		{ "{\"format\": \"menjin-bundle/1\", \"version\": 1, \"key_id\": \"k\", \"created\": \"2026-12-25T00:00:00Z\","
		  " \"expires\": \"2026-12-25T00:00:00Z\"}", "schema: expires: is not after 'created'" },
		{ "{\"format\": \"menjin-bundle/1\", \"format\": \"menjin-bundle/1\"}", "schema: the payload is not JSON" },
		{ "{\"format\": \"menjin-bundle/1\"", "schema: the payload is not JSON: line 1" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = bundle_payload_parse((const uint8_t *)cases[i].json, strlen(cases[i].json), &b, err, sizeof(err));
		if (rc != -EINVAL || strstr(err, cases[i].message) == NULL)
			fail_msg("case %zu: rc %d, '%s', expected '%s'", i, rc, err, cases[i].message);
		assert_null(b);
	}
}

static void test_keys_as_text(void **state)
{
	(void)state;
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	char err[BUNDLE_ERR_MAX], b64pub[64];
	uint8_t pub[32], pub2[32], seed[32], sig[64];

	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &pk), 1);
	BIO *priv = BIO_new(BIO_s_mem()), *pubb = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(priv, pk, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(PEM_write_bio_PUBKEY(pubb, pk), 1);
	char *ptext, *utext;
	long plen = BIO_get_mem_data(priv, &ptext), ulen = BIO_get_mem_data(pubb, &utext);
	assert_int_equal(bundle_key_parse_private(ptext, (size_t)plen, seed, err, sizeof(err)), 0);
	assert_int_equal(bundle_key_parse_public(utext, (size_t)ulen, pub, err, sizeof(err)), 0);
	assert_int_equal(bundle_public_from_seed(seed, pub2), 0);
	assert_memory_equal(pub, pub2, 32);
	/* one line of base64 works too */
	bundle_base64_encode(pub, 32, b64pub, sizeof(b64pub));
	strcat(b64pub, "\n");
	assert_int_equal(bundle_key_parse_public(b64pub, strlen(b64pub), pub2, err, sizeof(err)), 0);
	assert_memory_equal(pub, pub2, 32);
	/* a signature made from the PEM's seed verifies with the PEM's public key */
	struct bundle_keyring kr = { 0 };
	struct bundle_envelope env;
	uint8_t *buf;
	size_t len;
	bundle_sign(seed, (const uint8_t *)"hello", 5, sig);
	bundle_envelope_build("test", "k1", sig, (const uint8_t *)"hello", 5, &buf, &len);
	bundle_keyring_add(&kr, "k1", pub);
	assert_int_equal(bundle_envelope_open(buf, len, 0, "test", &kr, &env, err, sizeof(err)), 0);
	assert_int_equal(env.payload_len, 5);
	free(buf);
	/* refusals */
	assert_int_equal(bundle_key_parse_public("not a key", 9, pub, err, sizeof(err)), -EINVAL);
	assert_int_equal(bundle_key_parse_public(ptext, (size_t)plen, pub, err, sizeof(err)), -EINVAL);
	assert_int_equal(bundle_key_parse_private(utext, (size_t)ulen, seed, err, sizeof(err)), -EINVAL);
	BIO_free(priv);
	BIO_free(pubb);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
}

static void test_base64(void **state)
{
	(void)state;
	uint8_t out[16];
	char text[32];
	size_t got;
	assert_int_equal(bundle_base64_encode((const uint8_t *)"menjin", 6, text, sizeof(text)), 8);
	assert_string_equal(text, "bWVuamlu");
	assert_int_equal(bundle_base64_decode("bWVuamk=", 8, out, sizeof(out), &got), 0);
	assert_int_equal(got, 5);
	assert_memory_equal(out, "menji", 5);
	assert_int_equal(bundle_base64_decode("bWVuamk", 7, out, sizeof(out), &got), -EINVAL);
	assert_int_equal(bundle_base64_decode("bW=uamk=", 8, out, sizeof(out), &got), -EINVAL);
	assert_int_equal(bundle_base64_decode("bWVuaml=", 8, out, sizeof(out), &got), -EINVAL);   /* stray bits */
	assert_int_equal(bundle_base64_decode("bWVuamlu", 8, out, 5, &got), -ENOSPC);
}

static void test_rfc3339(void **state)
{
	(void)state;
	int64_t t;
	char s[RFC3339_LEN];
	assert_int_equal(rfc3339_parse("2026-11-25T12:00:00Z", &t), 0);
	assert_int_equal(t, NOW);
	assert_int_equal(rfc3339_parse("2026-11-25T20:00:00.123456+08:00", &t), 0);
	assert_int_equal(t, NOW);
	assert_int_equal(rfc3339_parse("2024-02-29t00:00:00z", &t), 0);
	assert_int_equal(rfc3339_parse("2026-02-29T00:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-11-25 12:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-11-25T24:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-11-25T12:00:00", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-11-25T12:00:00.Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-11-25T12:00:00Zjunk", &t), -EINVAL);
	rfc3339_format(NOW, s);
	assert_string_equal(s, "2026-11-25T12:00:00Z");
	rfc3339_format(0, s);
	assert_string_equal(s, "1970-01-01T00:00:00Z");
}

/* The roles and policy of a bundle load through menjind's configuration
 * loader: the bundle is applied by the code that applies the local file. */
static void test_config_text(void **state)
{
	(void)state;
	struct bundle *b;
	struct conf *c = NULL;
	char err[CONF_ERR_MAX], *text;
	char *pl = payload(7, "central-2026a", "2026-11-20T00:00:00Z", "2026-12-25T00:00:00Z", good_contents);

	assert_int_equal(bundle_payload_parse((const uint8_t *)pl, strlen(pl), &b, err, sizeof(err)), 0);
	assert_int_equal(bundle_config_text(b, &text), 0);
	int rc = conf_load_string(text, "bundle", &c, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s\n%s", err, text);
	assert_int_equal(c->nroles, 2);
	assert_string_equal(c->roles[0].name, "staff");
	assert_int_equal(c->roles[0].id, 10);
	assert_int_equal(c->roles[0].nentries, 3);   /* 80, 443, udp 53 */
	assert_int_equal(c->policy.nrules, 3);
	assert_string_equal(c->policy.rules[0].name, "staff-pcs");
	assert_int_equal(c->policy.rules[0].role_id, 10);
	assert_int_equal(c->policy.rules[2].state, VERDICT_BLOCK);
	assert_int_equal(c->policy.rules[2].match.nmacs, 1);
	conf_free(c);
	free(text);
	bundle_free(b);
	free(pl);

	/* strings that need escaping survive */
	pl = payload(7, "k", "2026-11-20T00:00:00Z", "2026-12-25T00:00:00Z",
		     "\"policy\": [{\"name\": \"q\\\"uote\", \"match\": {\"hostname\": \"a\\\\b*\"}, \"verdict\": \"block\","
		     " \"reason\": \"tab\\there\"}]");
	assert_int_equal(bundle_payload_parse((const uint8_t *)pl, strlen(pl), &b, err, sizeof(err)), 0);
	assert_int_equal(bundle_config_text(b, &text), 0);
	rc = conf_load_string(text, "bundle", &c, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s\n%s", err, text);
	assert_string_equal(c->policy.rules[0].name, "q\"uote");
	assert_string_equal(c->policy.rules[0].match.hostname.v[0], "a\\b*");
	assert_string_equal(c->policy.rules[0].reason, "tab\there");
	conf_free(c);
	free(text);
	bundle_free(b);
	free(pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_bundle),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_wrong_and_unknown_key),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_rollback_and_expiry),
		cmocka_unit_test(test_envelope_damage),
		cmocka_unit_test(test_schema_errors),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_keys_as_text),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_config_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
