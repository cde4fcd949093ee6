/* bundle_fuzz.c — arbitrary bytes as a policy bundle, three ways: as the
 * envelope an HTTPS server hands us (bundle_open() with a fixed keyring),
 * as a payload that a trusted key signed (signed here with that key, so
 * the schema checks, version and expiry are reached), and as a payload
 * alone. Whatever the schema accepts must also turn into configuration text.
 *
 * fuzz-sources: controlplane/bundle.c controlplane/threatfeed.c controlplane/rfc3339.c controlplane/roles.c controlplane/policy.c controlplane/mac.c dataplane/fpmsg.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "threatfeed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t seed[BUNDLE_SEED_LEN] = { 42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
					       16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bundle_keyring kr;
	struct bundle_check chk = { .max_size = 1u << 20, .min_version = 1, .now = 1795608000 };
	struct bundle *b = NULL;
	char err[BUNDLE_ERR_MAX];

	if (kr.nkeys == 0) {
		uint8_t pub[BUNDLE_PUB_LEN];
		if (bundle_public_from_seed(seed, pub) < 0 || bundle_keyring_add(&kr, "fuzz", pub) < 0)
			abort();
	}
	/* 1. the bytes as served */
	if (bundle_open(data, size, &kr, &chk, &b, err, sizeof(err)) == 0)
		bundle_free(b);

	/* 2. the bytes as a payload that a trusted key signed */
	uint8_t sig[BUNDLE_SIG_LEN], *env;
	size_t env_len;
	if (bundle_sign(seed, data, size, sig) < 0 ||
	    bundle_envelope_build(BUNDLE_TYPE_POLICY, "fuzz", sig, data, size, &env, &env_len) < 0)
		abort();
	b = NULL;
	int rc = bundle_open(env, env_len, &kr, &chk, &b, err, sizeof(err));
	free(env);
	if (rc == 0) {
		if (b->version <= chk.min_version || b->expires <= chk.now || b->payload_len != size)
			abort();
		bundle_free(b);
	}

	/* 3. the payload alone: schema only */
	b = NULL;
	if (bundle_payload_parse(data, size, &b, err, sizeof(err)) == 0) {
		char *text = NULL;
		if (bundle_config_text(b, &text) < 0 || text == NULL)
			abort();
		free(text);
		for (unsigned i = 1; i < b->ndevices; i++)
			if (memcmp(b->devices[i - 1].mac, b->devices[i].mac, 6) >= 0)
				abort();   /* sorted and unique */
		bundle_free(b);
	} else if (b != NULL) {
		abort();
	}
	return 0;
}
