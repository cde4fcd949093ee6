/* parse_fuzz.c — libFuzzer target for pkt_parse(), then decide() on what
 * it accepted.
 *
 * fuzz-sources: dataplane/parse.c dataplane/decide.c
 *
 * ASan catches reads past the input; the checks below catch metadata that
 * points outside it, which the worker would later trust.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_meta(const struct pkt_meta *m, size_t size)
{
	if (size < 14 || m->l3_off < 14 || m->l3_off > size)
		abort();
	if (m->flags & PKT_F_L4) {
		/* Every L4 header the parser accepts is at least 4 bytes. */
		if (m->l4_off <= m->l3_off || (size_t)m->l4_off + 4 > size)
			abort();
		if (m->flags & PKT_F_FRAG)
			abort();
	} else if (m->l4_off != 0 || m->sport != 0 || m->dport != 0) {
		abort();
	}
	if ((m->flags & PKT_F_IPV4) && (m->flags & PKT_F_IPV6))
		abort();
	if ((m->flags & (PKT_F_DHCP | PKT_F_DHCP6 | PKT_F_ND)) && !(m->flags & PKT_F_L4))
		abort();
	if (m->flags & PKT_F_SRC_MCAST)
		abort();
}

static void check_decision(struct decision d)
{
	if (d.drop_reason >= DROP__MAX || d.punt_reason >= PUNT__MAX)
		abort();
	if ((d.actions & ACT_FORWARD) && d.drop_reason != DROP_NONE)
		abort();
	if (!(d.actions & ACT_FORWARD) && d.drop_reason == DROP_NONE)
		abort();
	if (((d.actions & ACT_PUNT) != 0) != (d.punt_reason != PUNT_NONE))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m;

	if (size > UINT32_MAX)
		return 0;
	int rc = pkt_parse(data, (uint32_t)size, &m);
	if (rc > 0 || rc <= -PKT_ERR__MAX)
		abort();
	if (strcmp(pkt_error_name(rc), "invalid") == 0)
		abort();
	if (rc != 0)
		return 0;
	check_meta(&m, size);

	/* The first bytes also serve as a small allowlist, so addresses the
	 * fuzzer puts in the frame can match it. */
	struct qlist q;
	memset(&q, 0, sizeof(q));
	q.nresolvers = 1;
	q.resolvers[0].family = (m.flags & PKT_F_IPV6) ? 6 : 4;
	q.resolvers[0].addr4 = m.dst4;
	memcpy(q.resolvers[0].addr6, m.dst6, 16);
	q.nremediation = 1;
	q.remediation[0] = q.resolvers[0];
	q.remediation[0].nports = (uint8_t)(data[size - 1] % (QLIST_MAX_PORTS + 1));
	for (int i = 0; i < QLIST_MAX_PORTS; i++)
		q.remediation[0].ports[i] = (uint16_t)(m.dport + i);

	for (int dir = DIR_FROM_LAN; dir <= DIR_FROM_UPLINK; dir++) {
		bool allowed = qlist_allows(&q, &m, (enum direction)dir);
		for (int st = 0; st < DEV_STATE__MAX; st++) {
			for (int act = UNKNOWN_QUARANTINE; act <= UNKNOWN_BLOCK; act++) {
				struct decide_input in = {
					.meta = &m,
					.dir = (enum direction)dir,
					.state = (enum device_state)st,
					.unknown_action = (enum unknown_action)act,
					.acl_permit = (data[0] & 1) != 0,
					.blocklisted = (data[1] & 1) != 0,
					.qlist_allowed = allowed,
				};
				struct decision d = decide(&in);
				check_decision(d);
				/* EAPOL and link-local frames never cross. */
				if ((m.flags & (PKT_F_EAPOL | PKT_F_LINK_LOCAL)) &&
				    (d.actions & ACT_FORWARD))
					abort();
				if (st == DEV_BLOCKED && (d.actions & ACT_FORWARD))
					abort();
			}
		}
	}
	return 0;
}
