/* stix_fuzz.c — arbitrary bytes as a threat feed: a STIX 2.1 bundle (the
 * pattern lexer included) and a plain list. Whatever either parser keeps
 * must merge, be described by its id, and print as a prefix that parses
 * back to itself.
 *
 * fuzz-sources: controlplane/threatfeed.c controlplane/rfc3339.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "threatfeed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(struct tf_list *l)
{
	struct tf_merged *m;
	struct tf_hit_info hi;
	char err[THREATFEED_ERR_MAX];

	if (threatfeed_merge(&l, 1, 1795608000, 0, &m, err, sizeof(err)) < 0)
		abort();
	for (size_t i = 0; i < m->n; i++) {
		struct tf_prefix back;
		if (threatfeed_merged_describe(m, (uint32_t)i + 1, &hi) < 0)
			abort();
		if (threatfeed_parse_prefix(hi.prefix, strlen(hi.prefix), &back, err, sizeof(err)) < 0 ||
		    back.family != m->v[i].prefix.family || back.plen != m->v[i].prefix.plen ||
		    memcmp(back.addr, m->v[i].prefix.addr, 16) != 0)
			abort();
		if (i > 0 && memcmp(&m->v[i - 1].prefix, &m->v[i].prefix, offsetof(struct tf_prefix, indicator)) == 0)
			abort();   /* duplicates were removed */
	}
	threatfeed_merged_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tf_list *l = NULL;
	char err[THREATFEED_ERR_MAX];

	if (threatfeed_parse_stix("fuzz", data, size, 1795608000, &l, err, sizeof(err)) == 0) {
		check_list(l);
		threatfeed_list_unref(l);
	} else if (l != NULL) {
		abort();
	}
	l = NULL;
	if (threatfeed_parse_plain("fuzz", data, size, 1795608000, &l, err, sizeof(err)) == 0) {
		check_list(l);
		threatfeed_list_unref(l);
	} else if (l != NULL) {
		abort();
	}
	return 0;
}
