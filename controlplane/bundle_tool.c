/* bundle_tool.c — menjin-bundle: make keys, sign and check policy bundles. */
#include "bundle_tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bundle.h"
#include "rfc3339.h"
#include "threatfeed.h"

#define TOOL_KEYFILE_MAX  (16u << 10)
#define TOOL_INPUT_MAX    BUNDLE_MAX_SIZE_LIMIT

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2 };

static int usage(void)
{
	fprintf(stderr,
		"usage: menjin-bundle keygen KEYFILE\n"
		"       menjin-bundle sign --key KEYFILE --key-id ID --version N --expires DATE\n"
		"                          [--created DATE] [--issuer TEXT] IN.json OUT.bundle\n"
		"       menjin-bundle verify --pubkey ID=PUBFILE [--pubkey ID=PUBFILE]... [--min-version N]\n"
		"                          [--at DATE] IN.bundle\n"
		"       menjin-bundle show IN.bundle\n"
		"       menjin-bundle sign-feed --key KEYFILE --key-id ID --format stix|plain IN OUT\n"
		"DATE: 2026-12-31T00:00:00Z, 2026-12-31, or +30d / +12h / +90m from now\n");
	return EXIT_USAGE;
}

int bundle_tool_parse_date(const char *s, long long now, long long *out)
{
	int64_t t;
	if (s[0] == '+') {
		char *end;
		errno = 0;
		long long n = strtoll(s + 1, &end, 10);
		long long unit = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'm' ? 60 : 0;
		if (errno || end == s + 1 || n < 0 || n > 100LL * 366 * 86400 || unit == 0 || end[1] != '\0')
			return -EINVAL;
		*out = now + n * unit;
		return 0;
	}
	if (strlen(s) == 10) {
		char full[32];
		snprintf(full, sizeof(full), "%sT00:00:00Z", s);
		if (rfc3339_parse(full, &t) < 0)
			return -EINVAL;
		*out = t;
		return 0;
	}
	if (rfc3339_parse(s, &t) < 0)
		return -EINVAL;
	*out = t;
	return 0;
}

static int read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	int rc = atomicfile_read(path, max, buf, len);
	if (rc < 0)
		fprintf(stderr, "menjin-bundle: %s: %s\n", path, rc == -EFBIG ? "too large" : strerror(-rc));
	return rc;
}

static int load_seed(const char *path, uint8_t seed[BUNDLE_SEED_LEN])
{
	uint8_t *text;
	size_t len;
	char err[BUNDLE_ERR_MAX];
	if (read_file(path, TOOL_KEYFILE_MAX, &text, &len) < 0)
		return -1;
	int rc = bundle_key_parse_private((const char *)text, len, seed, err, sizeof(err));
	OPENSSL_cleanse(text, len);
	free(text);
	if (rc < 0)
		fprintf(stderr, "menjin-bundle: %s: %s\n", path, err);
	return rc;
}

/* ---- keygen ---- */

static int write_new(const char *path, mode_t mode, const char *text, size_t len)
{
	/* O_EXCL: never overwrite a signing key by accident. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "menjin-bundle: %s: %s\n", path, strerror(errno));
		return -1;
	}
	ssize_t n = write(fd, text, len);
	int rc = (n == (ssize_t)len && fsync(fd) == 0) ? 0 : -1;
	if (close(fd) < 0 || rc < 0) {
		fprintf(stderr, "menjin-bundle: %s: write failed\n", path);
		unlink(path);
		return -1;
	}
	return 0;
}

static int cmd_keygen(int argc, char **argv)
{
	if (argc != 2)
		return usage();
	const char *path = argv[1];
	char pubpath[4096], *ptext, *utext, b64[64];
	uint8_t pub[BUNDLE_PUB_LEN];
	size_t publen = sizeof(pub);
	snprintf(pubpath, sizeof(pubpath), "%s.pub", path);

	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO *pb = BIO_new(BIO_s_mem()), *ub = BIO_new(BIO_s_mem());
	int rc = EXIT_REFUSED;
	if (pk == NULL || pb == NULL || ub == NULL || PEM_write_bio_PrivateKey(pb, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_PUBKEY(ub, pk) != 1 || EVP_PKEY_get_raw_public_key(pk, pub, &publen) != 1) {
		fprintf(stderr, "menjin-bundle: key generation failed\n");
		goto out;
	}
	long plen = BIO_get_mem_data(pb, &ptext), ulen = BIO_get_mem_data(ub, &utext);
	if (write_new(path, 0600, ptext, (size_t)plen) < 0)
		goto out;
	if (write_new(pubpath, 0644, utext, (size_t)ulen) < 0) {
		unlink(path);
		goto out;
	}
	bundle_base64_encode(pub, sizeof(pub), b64, sizeof(b64));
	printf("private key: %s (keep it off the appliances)\npublic key:  %s\npublic key (base64): %s\n", path, pubpath, b64);
	rc = EXIT_OK;
out:
	BIO_free(pb);
	BIO_free(ub);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

/* ---- sign ---- */

static int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' }, { "key-id", required_argument, NULL, 'i' },
		{ "version", required_argument, NULL, 'v' }, { "expires", required_argument, NULL, 'e' },
		{ "created", required_argument, NULL, 'c' }, { "issuer", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *key_id = NULL, *version = NULL, *expires = NULL, *created = NULL, *issuer = NULL;
	long long now = (long long)time(NULL), t_exp, t_created = now;
	int o;

	optind = 0;   /* GNU: full re-initialisation, the tool may run twice in a test */
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'k': key = optarg; break;
		case 'i': key_id = optarg; break;
		case 'v': version = optarg; break;
		case 'e': expires = optarg; break;
		case 'c': created = optarg; break;
		case 's': issuer = optarg; break;
		default: return usage();
		}
	}
	if (!key || !key_id || !version || !expires || argc - optind != 2)
		return usage();
	const char *in = argv[optind], *out = argv[optind + 1];
	char *end;
	errno = 0;
	unsigned long long ver = strtoull(version, &end, 10);
	if (errno || *end || version[0] == '-' || ver < 1 || ver > BUNDLE_VERSION_MAX) {
		fprintf(stderr, "menjin-bundle: --version '%s' is not 1..2^53-1\n", version);
		return EXIT_USAGE;
	}
	if (!bundle_key_id_valid(key_id)) {
		fprintf(stderr, "menjin-bundle: --key-id '%s' is not 1..63 of A-Z a-z 0-9 . _ -\n", key_id);
		return EXIT_USAGE;
	}
	if (bundle_tool_parse_date(expires, now, &t_exp) < 0 || (created && bundle_tool_parse_date(created, now, &t_created) < 0)) {
		fprintf(stderr, "menjin-bundle: dates are like 2026-12-31T00:00:00Z, 2026-12-31 or +30d\n");
		return EXIT_USAGE;
	}
	uint8_t seed[BUNDLE_SEED_LEN], *text, sig[BUNDLE_SIG_LEN], *env;
	size_t len, env_len;
	if (load_seed(key, seed) < 0)
		return EXIT_REFUSED;
	if (read_file(in, TOOL_INPUT_MAX, &text, &len) < 0)
		return EXIT_REFUSED;
	json_error_t jerr;
	json_t *src = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!json_is_object(src)) {
		fprintf(stderr, "menjin-bundle: %s: not a JSON object (line %d: %s)\n", in, jerr.line, jerr.text);
		json_decref(src);
		return EXIT_REFUSED;
	}
	/* The header fields first, so a reader of the payload sees them at once. */
	char ts_c[RFC3339_LEN], ts_e[RFC3339_LEN];
	rfc3339_format(t_created, ts_c);
	rfc3339_format(t_exp, ts_e);
	json_t *doc = json_pack("{s:s, s:I, s:s, s:s, s:s}", "format", BUNDLE_FORMAT, "version", (json_int_t)ver, "key_id",
				key_id, "created", ts_c, "expires", ts_e);
	if (issuer)
		json_object_set_new(doc, "issuer", json_string(issuer));
	const char *k;
	json_t *v;
	json_object_foreach(src, k, v) {
		if (strcmp(k, "format") && strcmp(k, "version") && strcmp(k, "key_id") && strcmp(k, "created") &&
		    strcmp(k, "expires") && !(issuer && strcmp(k, "issuer") == 0))
			json_object_set(doc, k, v);
	}
	json_decref(src);
	char *payload = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (payload == NULL) {
		fprintf(stderr, "menjin-bundle: out of memory\n");
		return EXIT_REFUSED;
	}
	size_t plen = strlen(payload);
	struct bundle *b;
	char err[BUNDLE_ERR_MAX], summary[256];
	int rc = EXIT_REFUSED;
	/* Never sign what an appliance would refuse. */
	if (bundle_payload_parse((const uint8_t *)payload, plen, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "menjin-bundle: %s: %s\n", in, err);
		goto out;
	}
	bundle_summary(b, summary, sizeof(summary));
	bundle_free(b);
	if (bundle_sign(seed, (const uint8_t *)payload, plen, sig) < 0 ||
	    bundle_envelope_build(BUNDLE_TYPE_POLICY, key_id, sig, (const uint8_t *)payload, plen, &env, &env_len) < 0) {
		fprintf(stderr, "menjin-bundle: signing failed\n");
		goto out;
	}
	int wrc = atomicfile_write(out, env, env_len, 0644);
	free(env);
	if (wrc < 0) {
		fprintf(stderr, "menjin-bundle: %s: %s\n", out, strerror(-wrc));
		goto out;
	}
	printf("signed %s: %s\n", out, summary);
	rc = EXIT_OK;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	free(payload);
	return rc;
}

/* ---- verify / show ---- */

static int add_pubkey(struct bundle_keyring *kr, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char id[BUNDLE_KEY_ID_MAX], err[BUNDLE_ERR_MAX];
	uint8_t *text, pub[BUNDLE_PUB_LEN];
	size_t len;
	if (eq == NULL || (size_t)(eq - arg) >= sizeof(id)) {
		fprintf(stderr, "menjin-bundle: --pubkey takes ID=PUBFILE\n");
		return -1;
	}
	memcpy(id, arg, (size_t)(eq - arg));
	id[eq - arg] = '\0';
	if (read_file(eq + 1, TOOL_KEYFILE_MAX, &text, &len) < 0)
		return -1;
	int rc = bundle_key_parse_public((const char *)text, len, pub, err, sizeof(err));
	free(text);
	if (rc < 0) {
		fprintf(stderr, "menjin-bundle: %s: %s\n", eq + 1, err);
		return -1;
	}
	rc = bundle_keyring_add(kr, id, pub);
	if (rc < 0) {
		fprintf(stderr, "menjin-bundle: key '%s': %s\n", id,
			rc == -EEXIST ? "given twice" : rc == -E2BIG ? "too many keys" : "bad id");
		return -1;
	}
	return 0;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pubkey", required_argument, NULL, 'p' }, { "min-version", required_argument, NULL, 'm' },
		{ "at", required_argument, NULL, 'a' }, { NULL, 0, NULL, 0 },
	};
	struct bundle_keyring kr = { 0 };
	struct bundle_check chk = { .max_size = BUNDLE_MAX_SIZE_LIMIT, .now = (int64_t)time(NULL) };
	long long at;
	int o;

	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			if (add_pubkey(&kr, optarg) < 0)
				return EXIT_USAGE;
			break;
		case 'm':
			chk.min_version = strtoull(optarg, NULL, 10);
			break;
		case 'a':
			if (bundle_tool_parse_date(optarg, chk.now, &at) < 0)
				return usage();
			chk.now = at;
			break;
		default:
			return usage();
		}
	}
	if (kr.nkeys == 0 || argc - optind != 1)
		return usage();
	uint8_t *buf;
	size_t len;
	if (read_file(argv[optind], BUNDLE_MAX_SIZE_LIMIT, &buf, &len) < 0)
		return EXIT_REFUSED;
	struct bundle *b;
	char err[BUNDLE_ERR_MAX], summary[256];
	int rc = bundle_open(buf, len, &kr, &chk, &b, err, sizeof(err));
	free(buf);
	if (rc < 0) {
		printf("REFUSED %s: %s\n", argv[optind], err);
		return EXIT_REFUSED;
	}
	bundle_summary(b, summary, sizeof(summary));
	printf("OK %s: %s\n", argv[optind], summary);
	bundle_free(b);
	return EXIT_OK;
}

static int cmd_show(int argc, char **argv)
{
	if (argc != 2)
		return usage();
	uint8_t *buf;
	size_t len;
	struct bundle_envelope env;
	char err[BUNDLE_ERR_MAX], summary[256], when[RFC3339_LEN];
	if (read_file(argv[1], BUNDLE_MAX_SIZE_LIMIT, &buf, &len) < 0)
		return EXIT_REFUSED;
	int rc = bundle_envelope_parse(buf, len, BUNDLE_MAX_SIZE_LIMIT, &env, err, sizeof(err));
	if (rc < 0) {
		printf("%s: %s\n", argv[1], err);
		free(buf);
		return EXIT_REFUSED;
	}
	printf("file:      %s\ntype:      %s\nkey-id:    %s\npayload:   %zu bytes\nsignature: not checked (use verify)\n",
	       argv[1], env.type, env.key_id, env.payload_len);
	rc = EXIT_OK;
	if (strcmp(env.type, BUNDLE_TYPE_POLICY) == 0) {
		struct bundle *b;
		if (bundle_payload_parse(env.payload, env.payload_len, &b, err, sizeof(err)) < 0) {
			printf("payload:   INVALID: %s\n", err);
			rc = EXIT_REFUSED;
		} else {
			bundle_summary(b, summary, sizeof(summary));
			rfc3339_format(b->created, when);
			printf("version:   %" PRIu64 "\ncreated:   %s\nissuer:    %s\nsha256:    %s\ncontents:  %s\n", b->version,
			       when, b->issuer, b->sha256, summary);
			bundle_free(b);
		}
	}
	free(buf);
	return rc;
}

/* ---- sign-feed ---- */

static int cmd_sign_feed(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' }, { "key-id", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *key_id = NULL, *format = NULL;
	int o;
	optind = 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'k': key = optarg; break;
		case 'i': key_id = optarg; break;
		case 'f': format = optarg; break;
		default: return usage();
		}
	}
	int fmt = format ? threatfeed_format_parse(format) : -1;
	if (!key || !key_id || fmt < 0 || argc - optind != 2 || !bundle_key_id_valid(key_id))
		return usage();
	uint8_t seed[BUNDLE_SEED_LEN], *text, sig[BUNDLE_SIG_LEN], *env;
	size_t len, env_len;
	char err[THREATFEED_ERR_MAX], summary[512];
	struct tf_list *l;
	if (load_seed(key, seed) < 0 || read_file(argv[optind], TOOL_INPUT_MAX, &text, &len) < 0)
		return EXIT_REFUSED;
	int rc = EXIT_REFUSED;
	/* Check it reads as the feed it claims to be, as a subscriber will. */
	if (threatfeed_parse((enum threatfeed_format)fmt, "input", text, len, (int64_t)time(NULL), &l, err, sizeof(err)) < 0) {
		fprintf(stderr, "menjin-bundle: %s\n", err);
		goto out;
	}
	threatfeed_list_summary(l, summary, sizeof(summary));
	threatfeed_list_unref(l);
	if (bundle_sign(seed, text, len, sig) < 0 ||
	    bundle_envelope_build(fmt == THREATFEED_STIX ? BUNDLE_TYPE_STIX : BUNDLE_TYPE_LIST, key_id, sig, text, len, &env,
				  &env_len) < 0)
		goto out;
	int wrc = atomicfile_write(argv[optind + 1], env, env_len, 0644);
	free(env);
	if (wrc < 0) {
		fprintf(stderr, "menjin-bundle: %s: %s\n", argv[optind + 1], strerror(-wrc));
		goto out;
	}
	printf("signed %s: %s\n", argv[optind + 1], summary);
	rc = EXIT_OK;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	free(text);
	return rc;
}

int bundle_tool_main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	if (strcmp(cmd, "sign") == 0)
		return cmd_sign(argc - 1, argv + 1);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(cmd, "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(cmd, "sign-feed") == 0)
		return cmd_sign_feed(argc - 1, argv + 1);
	return usage();
}
