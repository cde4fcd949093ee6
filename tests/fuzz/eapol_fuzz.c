/* eapol_fuzz.c — libFuzzer target for eapol_decode() and eap_decode(), the
 * parsers of every frame a supplicant (or anyone on the LAN) sends.
 *
 * fuzz-sources: controlplane/eapol.c
 * fuzz-runs: 200000
 *
 * ASan catches reads past the input; the checks below catch decoded fields
 * that point outside it, and a re-encoded frame that decodes differently.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eapol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_eap(const uint8_t *buf, size_t len)
{
	struct eap_packet p;
	char id[EAP_IDENTITY_MAX];
	uint8_t out[EAP_MAX_LEN];
	size_t n;

	if (eap_decode(buf, len, &p, NULL) != 0)
		return;
	if (p.len > len || p.len < EAP_HDR_LEN || p.raw != buf)
		abort();
	if (p.data_len && (p.data < buf || p.data + p.data_len > buf + p.len))
		abort();
	if (eap_identity(&p, id, sizeof(id)) == 0 && strlen(id) >= sizeof(id))
		abort();
	/* Re-encoding what was decoded gives the same bytes. */
	if (eap_encode(out, sizeof(out), p.code, p.id, p.type, p.data, p.data_len, &n) != 0)
		abort();
	if (n != p.len || memcmp(out, buf, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eapol_frame f, g;
	uint8_t out[EAPOL_FRAME_MAX + 0x10000];
	size_t n;

	/* The same bytes as a bare EAP packet (a RADIUS EAP-Message). */
	check_eap(data, size);

	if (eapol_decode(data, size, &f, NULL) != 0)
		return 0;
	if (f.body_len && (f.body < data || f.body + f.body_len > data + size))
		abort();
	if (f.body_len == 0 && f.body)
		abort();
	if (f.type == EAPOL_EAP_PACKET)
		check_eap(f.body, f.body_len);
	if (f.version == 0 || (f.src[0] & 1))
		abort();

	if (eapol_encode(out, sizeof(out), f.dst, f.src, f.vlan_tci, f.type, f.body, f.body_len, &n) != 0)
		abort();
	if (eapol_decode(out, n, &g, NULL) != 0)
		abort();
	if (g.type != f.type || g.body_len != f.body_len || g.vlan_tci != f.vlan_tci ||
	    (f.body_len && memcmp(g.body, f.body, f.body_len) != 0))
		abort();
	return 0;
}
