/* bundle.h — signed central policy bundles: format, signature, schema.
 *
 * Pure: bytes in, a verified struct out. No I/O, no clock (the caller
 * passes "now" and the last applied version). The format is described in
 * docs/bundle.md; in short, a bundle file is a small text envelope
 *
 *   menjin-signed 1
 *   type policy-bundle
 *   key-id central-2026a
 *   signature <base64 of the 64-byte Ed25519 signature>
 *   length <payload bytes>
 *   <empty line>
 *   <payload: exactly `length` bytes of JSON>
 *
 * The signature is Ed25519 (RFC 8032, pure, no pre-hash) over the exact
 * payload bytes, so nothing is canonicalised and what was signed is what
 * is parsed. The payload names the key id again (signed), its version,
 * creation and expiry times and the contents: roles, policy rules, static
 * devices, posture baselines and a blocklist.
 *
 * bundle_open() checks, in this order, and stops at the first failure:
 *   size      at most check->max_size bytes                     -EFBIG
 *   envelope  header well formed, payload complete              -EBADMSG
 *   key       the key id is one of the configured keys          -ENOKEY
 *   signature Ed25519 verifies with that key                    -EKEYREJECTED
 *   schema    JSON, every section valid (message names the path) -EINVAL
 *   version   greater than check->min_version (no rollback)    -ESTALE
 *   expiry    expires > check->now                              -ETIME
 * Untrusted JSON is only parsed once the signature verified.
 *
 * The same envelope carries other signed documents (shared STIX blocks use
 * type "stix-bundle"): bundle_envelope_parse()/_verify() are the generic
 * half, bundle_sign()/bundle_envelope_build() the signing side (the
 * menjin-bundle tool, share.c, tests).
 */
#ifndef MENJIN_BUNDLE_H
#define MENJIN_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "policy.h"

struct tf_list;
struct json_t;

#define BUNDLE_ENVELOPE_MAGIC    "menjin-signed 1"
#define BUNDLE_TYPE_POLICY       "policy-bundle"
#define BUNDLE_TYPE_STIX         "stix-bundle"
#define BUNDLE_TYPE_LIST         "ip-list"           /* a signed plain feed */
#define BUNDLE_FORMAT            "menjin-bundle/1"    /* payload "format" */
#define BUNDLE_HEADER_MAX        1024                  /* envelope header bytes */
#define BUNDLE_TYPE_MAX          32
#define BUNDLE_KEY_ID_MAX        64                    /* including the NUL */
#define BUNDLE_MAX_KEYS          8                     /* trusted keys at once (rotation) */
#define BUNDLE_SIG_LEN           64
#define BUNDLE_PUB_LEN           32
#define BUNDLE_SEED_LEN          32
#define BUNDLE_DEFAULT_MAX_SIZE  (16u << 20)           /* 16 MiB */
#define BUNDLE_MAX_SIZE_LIMIT    (256u << 20)          /* no configuration may exceed it */
#define BUNDLE_VERSION_MAX       ((1ull << 53) - 1)    /* exact in every JSON reader */
#define BUNDLE_MAX_DEVICES       65536
#define BUNDLE_MAX_BASELINES     64
#define BUNDLE_MAX_BASELINE_ITEMS 4096
#define BUNDLE_MAX_BLOCKLIST     65536                 /* big lists belong in threat feeds */
#define BUNDLE_TEXT_MAX          256                   /* issuer, comments, reasons */
#define BUNDLE_NAME_MAX          64
#define BUNDLE_ERR_MAX           512
#define BUNDLE_BLOCKLIST_FEED    "central"             /* feed name of the bundle's blocklist */

struct bundle_key {
	char    id[BUNDLE_KEY_ID_MAX];
	uint8_t pub[BUNDLE_PUB_LEN];
};

/* Several keys may be trusted at once: during a rotation the centre signs
 * with the new key while appliances still trust the old one. */
struct bundle_keyring {
	unsigned nkeys;
	struct bundle_key keys[BUNDLE_MAX_KEYS];
};

/* Key ids: 1..63 of [A-Za-z0-9._-]. */
bool bundle_key_id_valid(const char *id);
/* A public key as text: PEM "PUBLIC KEY" (what `menjin-bundle keygen`
 * writes to KEYFILE.pub) or the raw 32 bytes in base64 on one line. */
int bundle_key_parse_public(const char *text, size_t len, uint8_t pub[BUNDLE_PUB_LEN], char *err,
			    size_t errlen);
/* PEM "PRIVATE KEY" (PKCS#8) of an Ed25519 key -> its 32-byte seed. */
int bundle_key_parse_private(const char *text, size_t len, uint8_t seed[BUNDLE_SEED_LEN], char *err,
			     size_t errlen);
/* -EINVAL bad id, -EEXIST id already there, -E2BIG keyring full. */
int bundle_keyring_add(struct bundle_keyring *kr, const char *id, const uint8_t pub[BUNDLE_PUB_LEN]);
const struct bundle_key *bundle_keyring_find(const struct bundle_keyring *kr, const char *id);

/* ---- the envelope ------------------------------------------------------- */

struct bundle_envelope {
	char           type[BUNDLE_TYPE_MAX];
	char           key_id[BUNDLE_KEY_ID_MAX];
	uint8_t        signature[BUNDLE_SIG_LEN];
	const uint8_t *payload;         /* points into the parsed buffer */
	size_t         payload_len;
};

/* Header and length only; the signature is not checked. */
int bundle_envelope_parse(const uint8_t *buf, size_t len, size_t max_size, struct bundle_envelope *env,
			  char *err, size_t errlen);
/* -ENOKEY or -EKEYREJECTED. */
int bundle_envelope_verify(const struct bundle_envelope *env, const struct bundle_keyring *kr, char *err,
			   size_t errlen);
/* Parse, require `type`, verify: the payload of a signed document. */
int bundle_envelope_open(const uint8_t *buf, size_t len, size_t max_size, const char *type,
			 const struct bundle_keyring *kr, struct bundle_envelope *env, char *err, size_t errlen);

int bundle_sign(const uint8_t seed[BUNDLE_SEED_LEN], const uint8_t *payload, size_t len,
		uint8_t sig[BUNDLE_SIG_LEN]);
/* The public key of a seed (keygen prints it, tests use it). */
int bundle_public_from_seed(const uint8_t seed[BUNDLE_SEED_LEN], uint8_t pub[BUNDLE_PUB_LEN]);
/* Envelope + payload in one malloc'ed buffer. */
int bundle_envelope_build(const char *type, const char *key_id, const uint8_t sig[BUNDLE_SIG_LEN],
			  const uint8_t *payload, size_t len, uint8_t **out, size_t *outlen);

/* ---- the policy bundle ---------------------------------------------------- */

/* A device the centre lists by MAC: an override that comes with the bundle
 * (printers, IP phones, the mayor's laptop). */
struct bundle_device {
	uint8_t  mac[6];
	uint8_t  state;                         /* enum verdict_state */
	char     role[ROLE_NAME_MAX];           /* for admit: a bundle role or "unrestricted" */
	char     comment[BUNDLE_TEXT_MAX];
	int64_t  expires;                       /* 0: while the bundle is in force */
};

/* A GCB posture baseline: which items must pass for a platform. */
struct bundle_baseline {
	char     name[BUNDLE_NAME_MAX];
	char     platform[BUNDLE_NAME_MAX];     /* "windows-11", "windows-server-2022", ... */
	int      max_age_days;                  /* results older than this are stale */
	unsigned nrequired, nexempt;
	char   (*required)[FACT_ITEM_MAX];      /* item ids that must pass */
	char   (*exempt)[FACT_ITEM_MAX];        /* item ids ignored for this platform */
};

struct bundle {
	uint64_t version;
	int64_t  created, expires;
	char     key_id[BUNDLE_KEY_ID_MAX];
	char     issuer[BUNDLE_TEXT_MAX];
	char     sha256[65];                    /* of the payload: what the heartbeat reports */
	unsigned nroles, npolicy;               /* validated; see bundle_config_text() */
	unsigned ndevices;
	struct bundle_device *devices;
	unsigned nbaselines;
	struct bundle_baseline *baselines;
	struct tf_list *blocklist;              /* feed BUNDLE_BLOCKLIST_FEED; never NULL */
	uint8_t *payload;                       /* the exact signed bytes (NUL-terminated copy) */
	size_t   payload_len;
	struct json_t *doc;                     /* private: the parsed payload */
};

struct bundle_check {
	size_t   max_size;                      /* 0: BUNDLE_DEFAULT_MAX_SIZE */
	uint64_t min_version;                   /* the version running; the bundle must be greater */
	int64_t  now;                           /* unix seconds */
};

/* Every check above; on success *out (free with bundle_free). */
int bundle_open(const uint8_t *buf, size_t len, const struct bundle_keyring *kr, const struct bundle_check *check,
		struct bundle **out, char *err, size_t errlen);
/* Schema only (no signature, version or expiry): `menjin-bundle sign`
 * validates before signing, `show` and the fuzz target use it. */
int bundle_payload_parse(const uint8_t *payload, size_t len, struct bundle **out, char *err, size_t errlen);
void bundle_free(struct bundle *b);

/* The bundle's roles and policy as libconfig text ("roles = ( … );\n
 * policy = ( … );\n") in the syntax of configs/menjin.conf, malloc'ed.
 * menjind puts it in place of the local file's roles and policy and loads
 * the result with conf_load_string(), so a bundle is validated and applied
 * by the same code as the local configuration, as a whole. */
int bundle_config_text(const struct bundle *b, char **out);

/* "version 7 (key central-2026a), expires 2026-12-25T00:00:00Z: 3 roles,
 * 5 policy rules, 12 devices, 2 baselines, 40 blocklist prefixes" */
void bundle_summary(const struct bundle *b, char *out, size_t outlen);

/* Raw bytes <-> base64 (standard alphabet, padded, no line breaks). */
int bundle_base64_encode(const uint8_t *in, size_t len, char *out, size_t outlen);
int bundle_base64_decode(const char *in, size_t len, uint8_t *out, size_t outlen, size_t *got);

#endif
