/* fpconf_fuzz.c — libFuzzer target for the fast path's configuration reader:
 * arbitrary bytes as a configuration file must be refused with a message
 * or parse into a struct that passes its own limits.
 *
 * fuzz-sources: dataplane/fpconf.c
 * fuzz-runs: 3000
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct fpconf c;
	char err[512];
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fpconf_fuzz.%d.conf", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	err[0] = 0;
	if (fpconf_load(path, &c, err, sizeof(err)) == 0) {
		if (c.nports < 2 || c.nports > FPCONF_MAX_PORTS || c.qlist.nresolvers > QLIST_MAX_RESOLVERS ||
		    c.qlist.nremediation > QLIST_MAX_REMEDIATION || c.neal_args > FPCONF_MAX_EAL_ARGS ||
		    (c.punt_ring_size & (c.punt_ring_size - 1)))
			abort();
	} else if (!err[0]) {
		abort();  /* a refusal must say why */
	}
	return 0;
}
