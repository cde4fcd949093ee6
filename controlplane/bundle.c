/* bundle.c — signed policy bundles: envelope, Ed25519, payload schema. */
#include "bundle.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"
#include "rfc3339.h"
#include "roles.h"
#include "threatfeed.h"

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- base64 --------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int bundle_base64_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t need = (len + 2) / 3 * 4 + 1, o = 0;
	if (outlen < need)
		return -ENOSPC;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return (int)o;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

/* Strict: length a multiple of 4, padding only at the end, unused bits zero. */
int bundle_base64_decode(const char *in, size_t len, uint8_t *out, size_t outlen, size_t *got)
{
	size_t o = 0;
	if (len % 4 != 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64_value(in[i + k])) < 0)
				return -EINVAL;
		}
		uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if ((pad == 2 && (x & 0xffff)) || (pad == 1 && (x & 0xff)))
			return -EINVAL;
		for (int k = 0; k < 3 - pad; k++) {
			if (o == outlen)
				return -ENOSPC;
			out[o++] = (uint8_t)(x >> (16 - 8 * k));
		}
	}
	*got = o;
	return 0;
}

/* ---- keys ----------------------------------------------------------------- */

bool bundle_key_id_valid(const char *id)
{
	size_t n = 0;
	if (id == NULL)
		return false;
	for (const char *p = id; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			return false;
	return n > 0 && n < BUNDLE_KEY_ID_MAX;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;   /* never prompt on a terminal: an encrypted key is refused */
}

int bundle_key_parse_public(const char *text, size_t len, uint8_t pub[BUNDLE_PUB_LEN], char *err, size_t errlen)
{
	size_t got = 0;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	if (len > 0 && memmem(text, len, "-----BEGIN", 10) == NULL) {
		uint8_t raw[BUNDLE_PUB_LEN + 3];
		if (bundle_base64_decode(text, len, raw, sizeof(raw), &got) < 0 || got != BUNDLE_PUB_LEN)
			return fail(err, errlen, -EINVAL,
				    "not a PEM public key nor the base64 of 32 raw Ed25519 bytes");
		memcpy(pub, raw, BUNDLE_PUB_LEN);
		return 0;
	}
	if (len > INT32_MAX)
		return fail(err, errlen, -EINVAL, "key text too long");
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	EVP_PKEY *pk = bio ? PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL) : NULL;
	int rc = 0;
	got = BUNDLE_PUB_LEN;
	if (pk == NULL)
		rc = fail(err, errlen, -EINVAL, "not a PEM \"PUBLIC KEY\"");
	else if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_ED25519)
		rc = fail(err, errlen, -EINVAL, "a public key, but not Ed25519");
	else if (EVP_PKEY_get_raw_public_key(pk, pub, &got) != 1 || got != BUNDLE_PUB_LEN)
		rc = fail(err, errlen, -EINVAL, "cannot read the Ed25519 public key");
	EVP_PKEY_free(pk);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int bundle_key_parse_private(const char *text, size_t len, uint8_t seed[BUNDLE_SEED_LEN], char *err, size_t errlen)
{
	if (len > INT32_MAX)
		return fail(err, errlen, -EINVAL, "key text too long");
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	size_t got = BUNDLE_SEED_LEN;
	int rc = 0;
	if (pk == NULL)
		rc = fail(err, errlen, -EINVAL, "not an unencrypted PEM \"PRIVATE KEY\"");
	else if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_ED25519)
		rc = fail(err, errlen, -EINVAL, "a private key, but not Ed25519");
	else if (EVP_PKEY_get_raw_private_key(pk, seed, &got) != 1 || got != BUNDLE_SEED_LEN)
		rc = fail(err, errlen, -EINVAL, "cannot read the Ed25519 private key");
	EVP_PKEY_free(pk);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int bundle_keyring_add(struct bundle_keyring *kr, const char *id, const uint8_t pub[BUNDLE_PUB_LEN])
{
	if (!bundle_key_id_valid(id))
		return -EINVAL;
	if (bundle_keyring_find(kr, id))
		return -EEXIST;
	if (kr->nkeys == BUNDLE_MAX_KEYS)
		return -E2BIG;
	struct bundle_key *k = &kr->keys[kr->nkeys++];
	snprintf(k->id, sizeof(k->id), "%s", id);
	memcpy(k->pub, pub, BUNDLE_PUB_LEN);
	return 0;
}

const struct bundle_key *bundle_keyring_find(const struct bundle_keyring *kr, const char *id)
{
	for (unsigned i = 0; kr && i < kr->nkeys; i++)
		if (strcmp(kr->keys[i].id, id) == 0)
			return &kr->keys[i];
	return NULL;
}

int bundle_sign(const uint8_t seed[BUNDLE_SEED_LEN], const uint8_t *payload, size_t len, uint8_t sig[BUNDLE_SIG_LEN])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, BUNDLE_SEED_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = BUNDLE_SIG_LEN;
	int rc = -EINVAL;
	/* Ed25519 is "pure": no digest is named, the message is signed whole. */
	if (pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, payload, len) == 1 && siglen == BUNDLE_SIG_LEN)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

int bundle_public_from_seed(const uint8_t seed[BUNDLE_SEED_LEN], uint8_t pub[BUNDLE_PUB_LEN])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, BUNDLE_SEED_LEN);
	size_t len = BUNDLE_PUB_LEN;
	int rc = pk && EVP_PKEY_get_raw_public_key(pk, pub, &len) == 1 && len == BUNDLE_PUB_LEN ? 0 : -EINVAL;
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

static bool ed25519_verify(const uint8_t pub[BUNDLE_PUB_LEN], const uint8_t sig[BUNDLE_SIG_LEN],
			   const uint8_t *msg, size_t len)
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, BUNDLE_PUB_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = pk && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
		  EVP_DigestVerify(ctx, sig, BUNDLE_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return ok;
}

/* ---- the envelope ----------------------------------------------------------- */

/* One "name value\n" header line at *p; value copied (NUL-terminated). */
static int header_line(const char **p, const char *end, const char *name, char *value, size_t vmax)
{
	size_t n = strlen(name);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	if (nl == NULL || (size_t)(nl - *p) <= n + 1 || memcmp(*p, name, n) != 0 || (*p)[n] != ' ')
		return -EBADMSG;
	size_t vlen = (size_t)(nl - (*p + n + 1));
	if (vlen == 0 || vlen >= vmax)
		return -EBADMSG;
	memcpy(value, *p + n + 1, vlen);
	value[vlen] = '\0';
	for (size_t i = 0; i < vlen; i++)
		if (value[i] <= 0x20 || value[i] >= 0x7f)
			return -EBADMSG;
	*p = nl + 1;
	return 0;
}

int bundle_envelope_parse(const uint8_t *buf, size_t len, size_t max_size, struct bundle_envelope *env,
			  char *err, size_t errlen)
{
	const char *s = (const char *)buf, *end, *p = s;
	char sig64[BUNDLE_SIG_LEN * 2], lenstr[24];
	size_t hdr_max = len < BUNDLE_HEADER_MAX ? len : BUNDLE_HEADER_MAX, got;

	memset(env, 0, sizeof(*env));
	if (max_size == 0)
		max_size = BUNDLE_DEFAULT_MAX_SIZE;
	if (len > max_size)
		return fail(err, errlen, -EFBIG, "size: %zu bytes, more than the limit of %zu", len, max_size);
	end = s + hdr_max;
	size_t mlen = strlen(BUNDLE_ENVELOPE_MAGIC);
	if (len < mlen + 1 || memcmp(s, BUNDLE_ENVELOPE_MAGIC "\n", mlen + 1) != 0)
		return fail(err, errlen, -EBADMSG, "envelope: not a menjin signed file (first line is not \"%s\")",
			    BUNDLE_ENVELOPE_MAGIC);
	p += mlen + 1;
	if (header_line(&p, end, "type", env->type, sizeof(env->type)) < 0)
		return fail(err, errlen, -EBADMSG, "envelope: line 2 is not \"type NAME\"");
	if (header_line(&p, end, "key-id", env->key_id, sizeof(env->key_id)) < 0 || !bundle_key_id_valid(env->key_id))
		return fail(err, errlen, -EBADMSG, "envelope: line 3 is not \"key-id ID\" (1..63 of A-Z a-z 0-9 . _ -)");
	if (header_line(&p, end, "signature", sig64, sizeof(sig64)) < 0 ||
	    bundle_base64_decode(sig64, strlen(sig64), env->signature, sizeof(env->signature), &got) < 0 ||
	    got != BUNDLE_SIG_LEN)
		return fail(err, errlen, -EBADMSG, "envelope: line 4 is not \"signature BASE64\" of 64 bytes");
	if (header_line(&p, end, "length", lenstr, sizeof(lenstr)) < 0)
		return fail(err, errlen, -EBADMSG, "envelope: line 5 is not \"length BYTES\"");
	char *num_end;
	errno = 0;
	unsigned long long plen = strtoull(lenstr, &num_end, 10);
	if (errno || *num_end != '\0' || lenstr[0] < '0' || lenstr[0] > '9' || (lenstr[0] == '0' && lenstr[1]))
		return fail(err, errlen, -EBADMSG, "envelope: length '%s' is not a number", lenstr);
	if (p >= end || *p != '\n')
		return fail(err, errlen, -EBADMSG, "envelope: no empty line after the header");
	p++;
	size_t hdr = (size_t)(p - s), have = len - hdr;
	if (plen > max_size)
		return fail(err, errlen, -EFBIG, "size: payload of %llu bytes, more than the limit of %zu", plen,
			    max_size);
	if (have < plen)
		return fail(err, errlen, -EBADMSG, "envelope: truncated: the header announces %llu payload bytes, %zu present",
			    plen, have);
	if (have > plen)
		return fail(err, errlen, -EBADMSG, "envelope: %zu bytes after the announced %llu payload bytes",
			    have - (size_t)plen, plen);
	env->payload = (const uint8_t *)p;
	env->payload_len = (size_t)plen;
	return 0;
}

int bundle_envelope_verify(const struct bundle_envelope *env, const struct bundle_keyring *kr, char *err, size_t errlen)
{
	const struct bundle_key *k = bundle_keyring_find(kr, env->key_id);
	if (k == NULL) {
		char known[BUNDLE_MAX_KEYS * (BUNDLE_KEY_ID_MAX + 2) + 1] = "";
		for (unsigned i = 0; kr && i < kr->nkeys; i++) {
			strcat(known, i ? ", " : "");
			strcat(known, kr->keys[i].id);
		}
		return fail(err, errlen, -ENOKEY, "key: signed with key '%s', which is not configured (trusted: %s)",
			    env->key_id, known[0] ? known : "none");
	}
	if (!ed25519_verify(k->pub, env->signature, env->payload, env->payload_len))
		return fail(err, errlen, -EKEYREJECTED,
			    "signature: does not verify with key '%s' (tampered, or signed by another key)", k->id);
	return 0;
}

int bundle_envelope_open(const uint8_t *buf, size_t len, size_t max_size, const char *type,
			 const struct bundle_keyring *kr, struct bundle_envelope *env, char *err, size_t errlen)
{
	int rc = bundle_envelope_parse(buf, len, max_size, env, err, errlen);
	if (rc < 0)
		return rc;
	if (strcmp(env->type, type) != 0)
		return fail(err, errlen, -EBADMSG, "envelope: type '%s', expected '%s'", env->type, type);
	return bundle_envelope_verify(env, kr, err, errlen);
}

int bundle_envelope_build(const char *type, const char *key_id, const uint8_t sig[BUNDLE_SIG_LEN],
			  const uint8_t *payload, size_t len, uint8_t **out, size_t *outlen)
{
	char sig64[BUNDLE_SIG_LEN * 2], hdr[BUNDLE_HEADER_MAX];
	if (!bundle_key_id_valid(key_id) || strlen(type) >= BUNDLE_TYPE_MAX)
		return -EINVAL;
	bundle_base64_encode(sig, BUNDLE_SIG_LEN, sig64, sizeof(sig64));
	int n = snprintf(hdr, sizeof(hdr), "%s\ntype %s\nkey-id %s\nsignature %s\nlength %zu\n\n",
			 BUNDLE_ENVELOPE_MAGIC, type, key_id, sig64, len);
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -EINVAL;
	uint8_t *p = malloc((size_t)n + len + 1);
	if (p == NULL)
		return -ENOMEM;
	memcpy(p, hdr, (size_t)n);
	if (len)
		memcpy(p + n, payload, len);
	p[(size_t)n + len] = '\0';
	*out = p;
	*outlen = (size_t)n + len;
	return 0;
}

/* ---- schema ------------------------------------------------------------------ */

/* Validation state: the path of the value being checked, for messages like
 * "roles[2].rules[0].ports: '80-' is not like \"80,443,8000-8080\"". */
struct vctx {
	char  *err;
	size_t errlen;
	struct bundle *b;
};

static int bad(struct vctx *v, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct vctx *v, const char *path, const char *fmt, ...)
{
	char msg[BUNDLE_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail(v->err, v->errlen, -EINVAL, "schema: %s: %s", path, msg);
}

static const char *type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int check_keys(struct vctx *v, json_t *obj, const char *path, const char *const *known)
{
	const char *key;
	json_t *val;
	if (!json_is_object(obj))
		return bad(v, path, "must be an object, not %s", type_name(obj));
	json_object_foreach(obj, key, val) {
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok) {
			char list[256] = "";
			for (const char *const *k = known; *k; k++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k == known ? "" : ", ", *k);
			return bad(v, path, "unknown key '%.64s' (known: %s)", key, list);
		}
	}
	return 0;
}

/* A string member: required or defaulting to dflt; 0..max-1 bytes. */
static int get_str(struct vctx *v, json_t *obj, const char *key, const char *path, const char *dflt, char *out,
		   size_t max)
{
	json_t *j = json_object_get(obj, key);
	if (j == NULL) {
		if (dflt == NULL)
			return bad(v, path, "missing '%s'", key);
		snprintf(out, max, "%s", dflt);
		return 0;
	}
	if (!json_is_string(j))
		return bad(v, path, "'%s' must be a string, not %s", key, type_name(j));
	if (json_string_length(j) >= max || strlen(json_string_value(j)) != json_string_length(j))
		return bad(v, path, "'%s' is longer than %zu bytes or holds a NUL", key, max - 1);
	memcpy(out, json_string_value(j), json_string_length(j) + 1);
	return 0;
}

static int get_int(struct vctx *v, json_t *obj, const char *key, const char *path, bool required, long long dflt,
		   long long min, long long max, long long *out)
{
	json_t *j = json_object_get(obj, key);
	if (j == NULL) {
		if (required)
			return bad(v, path, "missing '%s'", key);
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(j))
		return bad(v, path, "'%s' must be an integer, not %s", key, type_name(j));
	long long x = json_integer_value(j);
	if (x < min || x > max)
		return bad(v, path, "'%s' is %lld, not in %lld..%lld", key, x, min, max);
	*out = x;
	return 0;
}

static int get_time(struct vctx *v, json_t *obj, const char *key, const char *path, bool required, int64_t *out)
{
	char s[40];
	int rc = get_str(v, obj, key, path, required ? NULL : "", s, sizeof(s));
	if (rc < 0)
		return rc;
	*out = 0;
	if (s[0] == '\0' && !required)
		return 0;
	if (rfc3339_parse(s, out) < 0)
		return bad(v, path, "'%s' is '%s', not a time like 2026-12-31T00:00:00Z", key, s);
	return 0;
}

/* An array member (absent: empty), at most max elements. */
static int get_array(struct vctx *v, json_t *obj, const char *key, const char *path, size_t max, json_t **out)
{
	json_t *j = json_object_get(obj, key);
	*out = j;
	if (j == NULL)
		return 0;
	if (!json_is_array(j))
		return bad(v, path, "'%s' must be an array, not %s", key, type_name(j));
	if (json_array_size(j) > max)
		return bad(v, path, "'%s' has %zu entries, at most %zu", key, json_array_size(j), max);
	return 0;
}

static bool item_id_valid(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
		      s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return false;
	return n > 0 && n < FACT_ITEM_MAX;
}

/* ---- roles ---- */

static int check_role_rule(struct vctx *v, json_t *r, const char *path)
{
	static const char *const known[] = { "action", "proto", "to", "ports", NULL };
	char action[16], proto[16], to[64], ports[128];
	struct fpmsg_rule base;
	int rc;

	memset(&base, 0, sizeof(base));
	if ((rc = check_keys(v, r, path, known)) < 0 ||
	    (rc = get_str(v, r, "action", path, NULL, action, sizeof(action))) < 0 ||
	    (rc = get_str(v, r, "proto", path, "any", proto, sizeof(proto))) < 0 ||
	    (rc = get_str(v, r, "to", path, "any", to, sizeof(to))) < 0)
		return rc;
	if (strcmp(action, "permit") != 0 && strcmp(action, "deny") != 0)
		return bad(v, path, "action '%s' is not permit or deny", action);
	if (role_parse_proto(proto, &base.proto) < 0)
		return bad(v, path, "proto '%s' is not tcp, udp, icmp, icmpv6, any or 0..255", proto);
	if (role_parse_prefix(to, &base) < 0)
		return bad(v, path, "to '%s' is not 'any', an address or a prefix without host bits", to);
	if ((base.proto == IPPROTO_ICMP && base.family == 6) || (base.proto == IPPROTO_ICMPV6 && base.family == 4))
		return bad(v, path, "proto %s does not fit address %s", proto, to);
	json_t *pj = json_object_get(r, "ports");
	if (pj == NULL)
		return 0;
	if (base.proto != IPPROTO_TCP && base.proto != IPPROTO_UDP)
		return bad(v, path, "ports need proto tcp or udp");
	if (json_is_integer(pj)) {
		if (json_integer_value(pj) < 0 || json_integer_value(pj) > 65535)
			return bad(v, path, "port %" JSON_INTEGER_FORMAT " is not in 0..65535", json_integer_value(pj));
		return 0;
	}
	if (!json_is_string(pj) || json_string_length(pj) >= sizeof(ports))
		return bad(v, path, "ports must be a number or a string like \"80,443,8000-8080\"");
	uint16_t lo[ROLE_MAX_PORT_RANGES], hi[ROLE_MAX_PORT_RANGES];
	unsigned n;
	snprintf(ports, sizeof(ports), "%s", json_string_value(pj));
	rc = role_parse_ports(ports, lo, hi, ROLE_MAX_PORT_RANGES, &n);
	if (rc == -E2BIG)
		return bad(v, path, "more than %d port ranges", ROLE_MAX_PORT_RANGES);
	if (rc < 0)
		return bad(v, path, "ports '%s' is not like \"80,443,8000-8080\" (0..65535, low-high)", ports);
	return 0;
}

static int check_roles(struct vctx *v, json_t *roles)
{
	static const char *const known[] = { "name", "id", "default", "rules", NULL };
	char path[96], name[ROLE_NAME_MAX], dflt[16];
	size_t n = json_array_size(roles);
	int rc;

	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(roles, i), *rules;
		long long id;
		snprintf(path, sizeof(path), "roles[%zu]", i);
		if ((rc = check_keys(v, r, path, known)) < 0 ||
		    (rc = get_str(v, r, "name", path, NULL, name, sizeof(name))) < 0 ||
		    (rc = get_int(v, r, "id", path, true, 0, 1, ROLE_ID_MAX, &id)) < 0 ||
		    (rc = get_str(v, r, "default", path, "deny", dflt, sizeof(dflt))) < 0 ||
		    (rc = get_array(v, r, "rules", path, ROLE_MAX_RULES, &rules)) < 0)
			return rc;
		if (name[0] == '\0' || strcmp(name, ROLE_UNRESTRICTED) == 0)
			return bad(v, path, "the name is empty or reserved (%s)", ROLE_UNRESTRICTED);
		if (strcmp(dflt, "permit") != 0 && strcmp(dflt, "deny") != 0)
			return bad(v, path, "default '%s' is not permit or deny", dflt);
		for (size_t k = 0; k < i; k++) {
			json_t *o = json_array_get(roles, k);
			if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
				return bad(v, path, "role '%s' defined twice (first at roles[%zu])", name, k);
			if (json_integer_value(json_object_get(o, "id")) == id)
				return bad(v, path, "id %lld already used by roles[%zu]", id, k);
		}
		for (size_t k = 0; k < json_array_size(rules); k++) {
			char rpath[128];
			snprintf(rpath, sizeof(rpath), "%s.rules[%zu]", path, k);
			if ((rc = check_role_rule(v, json_array_get(rules, k), rpath)) < 0)
				return rc;
		}
	}
	v->b->nroles = (unsigned)n;
	return 0;
}

/* Does the bundle define this role (or is it the built-in one)? */
static bool role_known(json_t *roles, const char *name)
{
	if (strcmp(name, ROLE_UNRESTRICTED) == 0)
		return true;
	for (size_t i = 0; i < json_array_size(roles); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(roles, i), "name")), name) == 0)
			return true;
	return false;
}

/* ---- policy ---- */

static int check_match_value(struct vctx *v, const char *key, const char *s, const char *path)
{
	uint8_t mac[6];
	unsigned b[3];
	char tail;

	if (strcmp(key, "mac") == 0) {
		if (mac_parse(s, mac) < 0)
			return bad(v, path, "'%.64s' is not a MAC address like aa:bb:cc:dd:ee:ff", s);
	} else if (strcmp(key, "oui") == 0) {
		if (strlen(s) != 8 || sscanf(s, "%2x%*[:-]%2x%*[:-]%2x%c", &b[0], &b[1], &b[2], &tail) != 3)
			return bad(v, path, "'%.64s' is not an OUI like 00:1b:a9", s);
	} else if (strcmp(key, "auth") == 0) {
		if (auth_result_parse(s) < 0)
			return bad(v, path, "'%.64s' is not none, dot1x, dot1x-failed, mab or mab-failed", s);
	} else if (strcmp(key, "account") == 0) {
		if (account_state_parse(s) < 0)
			return bad(v, path, "'%.64s' is not unknown, enabled or disabled", s);
	} else if (strcmp(key, "posture") == 0) {
		if (posture_status_parse(s) < 0)
			return bad(v, path, "'%.64s' is not unknown, compliant, noncompliant or stale", s);
	} else if (s[0] == '\0' || strlen(s) > 255) {
		return bad(v, path, "a pattern must be 1..255 characters");
	}
	return 0;
}

static int check_match(struct vctx *v, json_t *m, const char *path)
{
	static const char *const known[] = {
		"mac", "oui", "hostname", "vendor_class", "fingerprint", "auth", "identity", "ad_group",
		"account", "posture", "failed_item", "override", NULL,
	};
	const char *key;
	json_t *val;
	char kpath[192];
	int rc;

	if ((rc = check_keys(v, m, path, known)) < 0)
		return rc;
	json_object_foreach(m, key, val) {
		snprintf(kpath, sizeof(kpath), "%s.%s", path, key);
		if (strcmp(key, "override") == 0) {
			if (!json_is_boolean(val))
				return bad(v, kpath, "must be true or false");
			continue;
		}
		size_t max = (strcmp(key, "auth") == 0 || strcmp(key, "account") == 0 || strcmp(key, "posture") == 0)
				     ? 8 : POLICY_MAX_LIST;
		if (json_is_string(val)) {
			if ((rc = check_match_value(v, key, json_string_value(val), kpath)) < 0)
				return rc;
			continue;
		}
		if (!json_is_array(val))
			return bad(v, kpath, "must be a string or an array of strings, not %s", type_name(val));
		if (json_array_size(val) > max)
			return bad(v, kpath, "%zu values, at most %zu", json_array_size(val), max);
		for (size_t i = 0; i < json_array_size(val); i++) {
			json_t *e = json_array_get(val, i);
			char epath[224];
			snprintf(epath, sizeof(epath), "%s[%zu]", kpath, i);
			if (!json_is_string(e))
				return bad(v, epath, "must be a string, not %s", type_name(e));
			if ((rc = check_match_value(v, key, json_string_value(e), epath)) < 0)
				return rc;
		}
	}
	return 0;
}

static int check_policy(struct vctx *v, json_t *policy, json_t *roles)
{
	static const char *const known[] = { "name", "match", "verdict", "role", "reason", NULL };
	char path[96], name[POLICY_NAME_MAX], verdict[16], role[ROLE_NAME_MAX], reason[POLICY_REASON_MAX];
	char tmplerr[256];
	int rc;

	for (size_t i = 0; i < json_array_size(policy); i++) {
		json_t *r = json_array_get(policy, i);
		snprintf(path, sizeof(path), "policy[%zu]", i);
		if ((rc = check_keys(v, r, path, known)) < 0 ||
		    (rc = get_str(v, r, "name", path, NULL, name, sizeof(name))) < 0 ||
		    (rc = get_str(v, r, "verdict", path, NULL, verdict, sizeof(verdict))) < 0 ||
		    (rc = get_str(v, r, "role", path, "", role, sizeof(role))) < 0 ||
		    (rc = get_str(v, r, "reason", path, "", reason, sizeof(reason))) < 0)
			return rc;
		if (name[0] == '\0' || strcmp(name, "override") == 0 || strcmp(name, "default") == 0)
			return bad(v, path, "the name is empty or reserved (override, default)");
		for (size_t k = 0; k < i; k++)
			if (strcmp(json_string_value(json_object_get(json_array_get(policy, k), "name")), name) == 0)
				return bad(v, path, "rule '%s' defined twice (first at policy[%zu])", name, k);
		json_t *m = json_object_get(r, "match");
		if (m == NULL)
			return bad(v, path, "missing 'match' (use {} to match every device)");
		char mpath[128];
		snprintf(mpath, sizeof(mpath), "%s.match", path);
		if ((rc = check_match(v, m, mpath)) < 0)
			return rc;
		int st = verdict_parse(verdict);
		if (st < 0 || st == VERDICT_UNKNOWN)
			return bad(v, path, "verdict '%s' is not admit, quarantine or block", verdict);
		if (st == VERDICT_ADMIT) {
			if (role[0] == '\0')
				return bad(v, path, "verdict admit needs a role (\"%s\" admits everything)", ROLE_UNRESTRICTED);
			if (!role_known(roles, role))
				return bad(v, path, "role '%s' is not defined in the bundle's roles", role);
		} else if (role[0]) {
			return bad(v, path, "a role only applies to verdict admit");
		}
		if (policy_template_check(reason, tmplerr, sizeof(tmplerr)) < 0)
			return bad(v, path, "reason: %s", tmplerr);
	}
	v->b->npolicy = (unsigned)json_array_size(policy);
	return 0;
}

/* ---- devices ---- */

static int cmp_device(const void *a, const void *b)
{
	return memcmp(((const struct bundle_device *)a)->mac, ((const struct bundle_device *)b)->mac, 6);
}

static int check_devices(struct vctx *v, json_t *devices, json_t *roles)
{
	static const char *const known[] = { "mac", "state", "role", "comment", "expires", NULL };
	size_t n = json_array_size(devices);
	char path[64], mac[32], state[16];
	int rc;

	if (n == 0)
		return 0;
	v->b->devices = calloc(n, sizeof(*v->b->devices));
	if (v->b->devices == NULL)
		return fail(v->err, v->errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(devices, i);
		struct bundle_device *bd = &v->b->devices[i];
		snprintf(path, sizeof(path), "devices[%zu]", i);
		if ((rc = check_keys(v, d, path, known)) < 0 ||
		    (rc = get_str(v, d, "mac", path, NULL, mac, sizeof(mac))) < 0 ||
		    (rc = get_str(v, d, "state", path, NULL, state, sizeof(state))) < 0 ||
		    (rc = get_str(v, d, "role", path, "", bd->role, sizeof(bd->role))) < 0 ||
		    (rc = get_str(v, d, "comment", path, "", bd->comment, sizeof(bd->comment))) < 0 ||
		    (rc = get_time(v, d, "expires", path, false, &bd->expires)) < 0)
			return rc;
		if (mac_parse(mac, bd->mac) < 0)
			return bad(v, path, "mac '%s' is not like aa:bb:cc:dd:ee:ff", mac);
		int st = verdict_parse(state);
		if (st < 0 || st == VERDICT_UNKNOWN)
			return bad(v, path, "state '%s' is not admit, quarantine or block", state);
		bd->state = (uint8_t)st;
		if (st == VERDICT_ADMIT && bd->role[0] == '\0')
			return bad(v, path, "state admit needs a role");
		if (st == VERDICT_ADMIT && !role_known(roles, bd->role))
			return bad(v, path, "role '%s' is not defined in the bundle's roles", bd->role);
		if (st != VERDICT_ADMIT && bd->role[0])
			return bad(v, path, "a role only applies to state admit");
	}
	v->b->ndevices = (unsigned)n;
	qsort(v->b->devices, n, sizeof(*v->b->devices), cmp_device);
	for (size_t i = 1; i < n; i++)
		if (memcmp(v->b->devices[i - 1].mac, v->b->devices[i].mac, 6) == 0) {
			char m[MAC_STR_LEN];
			mac_format(v->b->devices[i].mac, m);
			return bad(v, "devices", "%s is listed twice", m);
		}
	return 0;
}

/* ---- posture baselines ---- */

static int get_items(struct vctx *v, json_t *obj, const char *key, const char *path, char (**out)[FACT_ITEM_MAX],
		     unsigned *n)
{
	json_t *arr;
	int rc = get_array(v, obj, key, path, BUNDLE_MAX_BASELINE_ITEMS, &arr);
	if (rc < 0 || json_array_size(arr) == 0)
		return rc;
	*out = calloc(json_array_size(arr), FACT_ITEM_MAX);
	if (*out == NULL)
		return fail(v->err, v->errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		if (!json_is_string(e) || !item_id_valid(json_string_value(e)))
			return bad(v, path, "%s[%zu] is not an item id like TWGCB-01-008-0003", key, i);
		snprintf((*out)[i], FACT_ITEM_MAX, "%s", json_string_value(e));
		(*n)++;
	}
	return 0;
}

static int check_posture(struct vctx *v, json_t *posture)
{
	static const char *const known[] = { "name", "platform", "max_age_days", "required", "exempt", NULL };
	size_t n = json_array_size(posture);
	char path[64];
	int rc;

	if (n == 0)
		return 0;
	v->b->baselines = calloc(n, sizeof(*v->b->baselines));
	if (v->b->baselines == NULL)
		return fail(v->err, v->errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *p = json_array_get(posture, i);
		struct bundle_baseline *bl = &v->b->baselines[i];
		long long age;
		snprintf(path, sizeof(path), "posture[%zu]", i);
		v->b->nbaselines = (unsigned)i + 1;   /* counted now so bundle_free() releases it */
		if ((rc = check_keys(v, p, path, known)) < 0 ||
		    (rc = get_str(v, p, "name", path, NULL, bl->name, sizeof(bl->name))) < 0 ||
		    (rc = get_str(v, p, "platform", path, NULL, bl->platform, sizeof(bl->platform))) < 0 ||
		    (rc = get_int(v, p, "max_age_days", path, false, 30, 0, 3650, &age)) < 0 ||
		    (rc = get_items(v, p, "required", path, &bl->required, &bl->nrequired)) < 0 ||
		    (rc = get_items(v, p, "exempt", path, &bl->exempt, &bl->nexempt)) < 0)
			return rc;
		bl->max_age_days = (int)age;
		if (bl->name[0] == '\0' || bl->platform[0] == '\0')
			return bad(v, path, "name and platform must not be empty");
		for (size_t k = 0; k < i; k++)
			if (strcmp(v->b->baselines[k].name, bl->name) == 0)
				return bad(v, path, "baseline '%s' defined twice", bl->name);
	}
	return 0;
}

/* ---- blocklist ---- */

static int check_blocklist(struct vctx *v, json_t *list)
{
	static const char *const known[] = { "prefix", "reason", "expires", NULL };
	char path[64], prefix[64], reason[BUNDLE_TEXT_MAX], why[THREATFEED_ERR_MAX];
	struct tf_prefix p;
	int rc;

	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i);
		int64_t expires = 0;
		snprintf(path, sizeof(path), "blocklist[%zu]", i);
		reason[0] = '\0';
		if (json_is_string(e)) {
			if (json_string_length(e) >= sizeof(prefix))
				return bad(v, path, "not a prefix");
			snprintf(prefix, sizeof(prefix), "%s", json_string_value(e));
		} else if ((rc = check_keys(v, e, path, known)) < 0 ||
			   (rc = get_str(v, e, "prefix", path, NULL, prefix, sizeof(prefix))) < 0 ||
			   (rc = get_str(v, e, "reason", path, "", reason, sizeof(reason))) < 0 ||
			   (rc = get_time(v, e, "expires", path, false, &expires)) < 0) {
			return rc;
		}
		if (threatfeed_parse_prefix(prefix, strlen(prefix), &p, why, sizeof(why)) < 0)
			return bad(v, path, "%s", why);
		rc = threatfeed_list_add(v->b->blocklist, &p, "", reason, (uint32_t)i + 1, expires);
		if (rc < 0)
			return fail(v->err, v->errlen, rc, "blocklist: %s", strerror(-rc));
	}
	return 0;
}

static int check_payload(struct vctx *v, json_t *doc)
{
	static const char *const known[] = {
		"format", "version", "key_id", "created", "expires", "issuer",
		"roles", "policy", "devices", "posture", "blocklist", NULL,
	};
	struct bundle *b = v->b;
	json_t *roles, *policy, *devices, *posture, *blocklist;
	char format[32];
	int rc;

	if (!json_is_object(doc))
		return fail(v->err, v->errlen, -EINVAL, "schema: the payload must be a JSON object, not %s",
			    type_name(doc));
	if ((rc = check_keys(v, doc, "payload", known)) < 0 ||
	    (rc = get_str(v, doc, "format", "payload", NULL, format, sizeof(format))) < 0)
		return rc;
	if (strcmp(format, BUNDLE_FORMAT) != 0)
		return bad(v, "format", "'%s' is not \"%s\" (a bundle for another release?)", format, BUNDLE_FORMAT);
	json_t *vj = json_object_get(doc, "version");
	if (!json_is_integer(vj) || json_integer_value(vj) < 1 || (uint64_t)json_integer_value(vj) > BUNDLE_VERSION_MAX)
		return bad(v, "version", "must be an integer 1..2^53-1");
	b->version = (uint64_t)json_integer_value(vj);
	if ((rc = get_str(v, doc, "key_id", "payload", NULL, b->key_id, sizeof(b->key_id))) < 0 ||
	    (rc = get_str(v, doc, "issuer", "payload", "", b->issuer, sizeof(b->issuer))) < 0 ||
	    (rc = get_time(v, doc, "created", "payload", true, &b->created)) < 0 ||
	    (rc = get_time(v, doc, "expires", "payload", true, &b->expires)) < 0)
		return rc;
	if (!bundle_key_id_valid(b->key_id))
		return bad(v, "key_id", "'%s' is not 1..63 of A-Z a-z 0-9 . _ -", b->key_id);
	if (b->expires <= b->created)
		return bad(v, "expires", "is not after 'created'");
	if ((rc = get_array(v, doc, "roles", "payload", ROLES_MAX, &roles)) < 0 ||
	    (rc = get_array(v, doc, "policy", "payload", POLICY_MAX_RULES, &policy)) < 0 ||
	    (rc = get_array(v, doc, "devices", "payload", BUNDLE_MAX_DEVICES, &devices)) < 0 ||
	    (rc = get_array(v, doc, "posture", "payload", BUNDLE_MAX_BASELINES, &posture)) < 0 ||
	    (rc = get_array(v, doc, "blocklist", "payload", BUNDLE_MAX_BLOCKLIST, &blocklist)) < 0)
		return rc;
	if ((rc = check_roles(v, roles)) < 0 || (rc = check_policy(v, policy, roles)) < 0 ||
	    (rc = check_devices(v, devices, roles)) < 0 || (rc = check_posture(v, posture)) < 0 ||
	    (rc = check_blocklist(v, blocklist)) < 0)
		return rc;
	return 0;
}

static void sha256_hex(const uint8_t *p, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned mdlen = 0;
	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		out[0] = '\0';
		return;
	}
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int bundle_payload_parse(const uint8_t *payload, size_t len, struct bundle **out, char *err, size_t errlen)
{
	json_error_t jerr;
	struct bundle *b;
	int rc;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL || (b->payload = malloc(len + 1)) == NULL ||
	    (b->blocklist = threatfeed_list_new(BUNDLE_BLOCKLIST_FEED)) == NULL) {
		bundle_free(b);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	memcpy(b->payload, payload, len);
	b->payload[len] = '\0';
	b->payload_len = len;
	sha256_hex(payload, len, b->sha256);
	b->doc = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &jerr);
	if (b->doc == NULL) {
		rc = fail(err, errlen, -EINVAL, "schema: the payload is not JSON: line %d column %d: %s", jerr.line,
			  jerr.column, jerr.text);
		bundle_free(b);
		return rc;
	}
	struct vctx v = { .err = err, .errlen = errlen, .b = b };
	if ((rc = check_payload(&v, b->doc)) < 0) {
		bundle_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int bundle_open(const uint8_t *buf, size_t len, const struct bundle_keyring *kr, const struct bundle_check *check,
		struct bundle **out, char *err, size_t errlen)
{
	struct bundle_envelope env;
	struct bundle *b;
	int rc;

	*out = NULL;
	rc = bundle_envelope_open(buf, len, check->max_size, BUNDLE_TYPE_POLICY, kr, &env, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = bundle_payload_parse(env.payload, env.payload_len, &b, err, errlen)) < 0)
		return rc;
	/* The envelope's key id is not signed; the payload's is. */
	if (strcmp(b->key_id, env.key_id) != 0) {
		rc = fail(err, errlen, -EKEYREJECTED, "key: the envelope names key '%s' but the signed payload names '%s'",
			  env.key_id, b->key_id);
		goto refuse;
	}
	if (b->version <= check->min_version) {
		rc = fail(err, errlen, -ESTALE,
			  "version: %" PRIu64 " is not greater than %" PRIu64 ", the last accepted (rollback refused)",
			  b->version, check->min_version);
		goto refuse;
	}
	if (b->expires <= check->now) {
		char when[RFC3339_LEN], now[RFC3339_LEN];
		rfc3339_format(b->expires, when);
		rfc3339_format(check->now, now);
		rc = fail(err, errlen, -ETIME, "expiry: version %" PRIu64 " expired at %s (now %s)", b->version, when, now);
		goto refuse;
	}
	*out = b;
	return 0;
refuse:
	bundle_free(b);
	return rc;
}

void bundle_free(struct bundle *b)
{
	if (b == NULL)
		return;
	for (unsigned i = 0; i < b->nbaselines; i++) {
		free(b->baselines[i].required);
		free(b->baselines[i].exempt);
	}
	free(b->baselines);
	free(b->devices);
	threatfeed_list_unref(b->blocklist);
	json_decref(b->doc);
	free(b->payload);
	free(b);
}

void bundle_summary(const struct bundle *b, char *out, size_t outlen)
{
	char when[RFC3339_LEN];
	rfc3339_format(b->expires, when);
	snprintf(out, outlen,
		 "version %" PRIu64 " (key %s), expires %s: %u roles, %u policy rules, %u devices, %u baselines, "
		 "%zu blocklist prefixes",
		 b->version, b->key_id, when, b->nroles, b->npolicy, b->ndevices, b->nbaselines,
		 b->blocklist ? b->blocklist->nprefixes : (size_t)0);
}

/* ---- libconfig text ------------------------------------------------------------ */

struct text {
	char  *p;
	size_t len, cap;
	int    rc;
};

static void emit(struct text *t, const char *s, size_t n)
{
	if (t->rc)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *q = realloc(t->p, cap);
		if (q == NULL) {
			t->rc = -ENOMEM;
			return;
		}
		t->p = q;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void emits(struct text *t, const char *s)
{
	emit(t, s, strlen(s));
}

/* libconfig string literal: \" \\ and \xNN for control characters. */
static void emit_string(struct text *t, const char *s)
{
	emits(t, "\"");
	for (; *s; s++) {
		char esc[8];
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			emit(t, esc, 2);
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", (unsigned char)*s);
			emits(t, esc);
		} else {
			emit(t, s, 1);
		}
	}
	emits(t, "\"");
}

static void emit_value(struct text *t, json_t *j, int depth);

static void emit_group(struct text *t, json_t *obj, int depth)
{
	const char *key;
	json_t *val;
	emits(t, "{ ");
	json_object_foreach(obj, key, val) {
		emits(t, key);   /* validated against the known keys: a valid setting name */
		emits(t, " = ");
		emit_value(t, val, depth + 1);
		emits(t, "; ");
	}
	emits(t, "}");
}

static void emit_value(struct text *t, json_t *j, int depth)
{
	char num[32];
	switch (json_typeof(j)) {
	case JSON_STRING:
		emit_string(t, json_string_value(j));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		emits(t, num);
		break;
	case JSON_TRUE:
		emits(t, "true");
		break;
	case JSON_FALSE:
		emits(t, "false");
		break;
	case JSON_OBJECT:
		emit_group(t, j, depth);
		break;
	case JSON_ARRAY: {
		/* Groups go in a list ( ), scalars in an array [ ]. */
		bool groups = json_array_size(j) == 0 || json_is_object(json_array_get(j, 0));
		emits(t, groups ? "(" : "[ ");
		for (size_t i = 0; i < json_array_size(j); i++) {
			if (i)
				emits(t, groups ? "," : ", ");
			if (groups)
				emits(t, depth == 0 ? "\n  " : " ");
			emit_value(t, json_array_get(j, i), depth + 1);
		}
		emits(t, groups ? (depth == 0 && json_array_size(j) ? "\n)" : " )") : " ]");
		break;
	}
	default:
		t->rc = -EINVAL;   /* the schema admits no other type */
		break;
	}
}

int bundle_config_text(const struct bundle *b, char **out)
{
	struct text t = { 0 };
	json_t *roles = json_object_get(b->doc, "roles"), *policy = json_object_get(b->doc, "policy");
	char head[128];

	snprintf(head, sizeof(head), "# central policy bundle version %" PRIu64 ", key %s\n", b->version, b->key_id);
	emits(&t, head);
	emits(&t, "roles = ");
	if (roles)
		emit_value(&t, roles, 0);
	else
		emits(&t, "( )");
	emits(&t, ";\npolicy = ");
	if (policy)
		emit_value(&t, policy, 0);
	else
		emits(&t, "( )");
	emits(&t, ";\n");
	if (t.rc) {
		free(t.p);
		return t.rc;
	}
	*out = t.p;
	return 0;
}
