/* dhcp_fuzz.c — libFuzzer target for the DHCP snooping decoder.
 * fuzz-sources: controlplane/dhcp.c
 *
 * The first byte picks the entry point: even = a BOOTP payload
 * (dhcp_decode), odd = a whole Ethernet frame as the fast path punts it
 * (dhcp_decode_frame). Decoded text must be NUL-terminated UTF-8 without
 * control characters, whatever the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"

static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort();   /* not terminated */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_msg m;
	struct dhcp_frame f;
	char fp[DHCP_FINGERPRINT_MAX];
	char clean[64];
	int rc;

	if (size < 1)
		return 0;
	/* Copy to an exact-size buffer so ASan sees any read past the end. */
	uint8_t *buf = malloc(size - 1 ? size - 1 : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1)
		rc = dhcp_decode_frame(buf, size - 1, &f, &m);
	else
		rc = dhcp_decode(buf, size - 1, &m);
	if (rc == 0) {
		check_text(m.hostname, sizeof(m.hostname));
		check_text(m.vendor_class, sizeof(m.vendor_class));
		if (m.type < 1 || m.type > DHCP_TYPE_MAX || m.nparams > DHCP_PARAMS_MAX)
			abort();
		dhcp_fingerprint(&m, fp, sizeof(fp));
		check_text(fp, sizeof(fp));
	} else if (dhcp_error_name(rc)[0] == '\0') {
		abort();
	}
	dhcp_text_clean(buf, size - 1, clean, sizeof(clean));
	check_text(clean, sizeof(clean));
	free(buf);
	return 0;
}
