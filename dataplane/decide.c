/* decide.c — what the fast path does with one parsed frame.
 *
 * The worker has already looked up everything that needs a table (device
 * state, role ACL, blocklist, quarantine allowlist); what is left here is
 * policy order, kept in one place so it can be read and tested as a whole.
 */
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>

#include "decide.h"

#define PORT_DNS 53

static bool server_addr_matches(const struct qlist_server *s, const struct pkt_meta *m,
				enum direction dir)
{
	if (s->family == 4 && (m->flags & PKT_F_IPV4))
		return s->addr4 == (dir == DIR_FROM_LAN ? m->dst4 : m->src4);
	if (s->family == 6 && (m->flags & PKT_F_IPV6))
		return memcmp(s->addr6, dir == DIR_FROM_LAN ? m->dst6 : m->src6, 16) == 0;
	return false;
}

static bool is_tcp_or_udp(const struct pkt_meta *m)
{
	return (m->flags & PKT_F_L4) &&
	       (m->ip_proto == IPPROTO_TCP || m->ip_proto == IPPROTO_UDP);
}

static bool is_icmp(const struct pkt_meta *m)
{
	if (!(m->flags & PKT_F_L4))
		return false;
	if (m->flags & PKT_F_IPV4)
		return m->ip_proto == IPPROTO_ICMP;
	return m->ip_proto == IPPROTO_ICMPV6;
}

static bool remediation_allows(const struct qlist_server *s, const struct pkt_meta *m,
			       uint16_t remote_port)
{
	if (s->nports == 0)
		return is_tcp_or_udp(m) || is_icmp(m);
	if (!is_tcp_or_udp(m))
		return false;
	unsigned int n = s->nports < QLIST_MAX_PORTS ? s->nports : QLIST_MAX_PORTS;
	for (unsigned int i = 0; i < n; i++)
		if (s->ports[i] == remote_port)
			return true;
	return false;
}

bool qlist_allows(const struct qlist *q, const struct pkt_meta *m, enum direction dir)
{
	if (m->flags & PKT_F_ARP)
		return true;
	/* Without the L4 header there is no port to judge a fragment by. */
	if (m->flags & PKT_F_FRAG)
		return false;
	/* A device must be able to get an address to be remediated at all. */
	if ((m->flags & PKT_F_IPV4) && (m->flags & PKT_F_DHCP))
		return true;
	if ((m->flags & PKT_F_IPV6) && (m->flags & (PKT_F_ND | PKT_F_DHCP6)))
		return true;
	if (q == NULL || !(m->flags & (PKT_F_IPV4 | PKT_F_IPV6)))
		return false;

	uint16_t remote_port = dir == DIR_FROM_LAN ? m->dport : m->sport;

	if (is_tcp_or_udp(m) && remote_port == PORT_DNS) {
		unsigned int n = q->nresolvers < QLIST_MAX_RESOLVERS ?
				 q->nresolvers : QLIST_MAX_RESOLVERS;
		for (unsigned int i = 0; i < n; i++)
			if (server_addr_matches(&q->resolvers[i], m, dir))
				return true;
	}

	unsigned int n = q->nremediation < QLIST_MAX_REMEDIATION ?
			 q->nremediation : QLIST_MAX_REMEDIATION;
	for (unsigned int i = 0; i < n; i++) {
		const struct qlist_server *s = &q->remediation[i];
		if (server_addr_matches(s, m, dir) && remediation_allows(s, m, remote_port))
			return true;
	}
	return false;
}

static struct decision drop(struct decision d, enum drop_reason why)
{
	d.actions &= (uint8_t)~ACT_FORWARD;
	d.drop_reason = (uint8_t)why;
	return d;
}

static struct decision forward(struct decision d)
{
	d.actions |= ACT_FORWARD;
	d.drop_reason = DROP_NONE;
	return d;
}

static struct decision punt_copy(const struct decide_input *in)
{
	uint16_t f = in->meta->flags;
	bool lan = in->dir == DIR_FROM_LAN;
	struct decision d = { 0 };

	/* One reason per frame, the most useful to menjind first: DHCP carries
	 * the IP binding and hostname, ARP/ND only the binding, a bare new MAC
	 * only that the device exists. */
	if (f & PKT_F_DHCP)
		d.punt_reason = PUNT_DHCP;
	else if (lan && (f & PKT_F_ARP))
		d.punt_reason = PUNT_ARP;
	else if (lan && (f & PKT_F_ND))
		d.punt_reason = PUNT_ND;
	else if (lan && in->state == DEV_UNKNOWN)
		d.punt_reason = PUNT_NEW_MAC;

	if (d.punt_reason != PUNT_NONE)
		d.actions |= ACT_PUNT;
	/* Only new-MAC punts can be provoked at line rate by spoofed sources. */
	if (d.punt_reason == PUNT_NEW_MAC)
		d.actions |= ACT_PUNT_RATE_LIMITED;
	return d;
}

static bool is_ip(const struct pkt_meta *m)
{
	return (m->flags & (PKT_F_IPV4 | PKT_F_IPV6)) != 0;
}

/* The allowlist only ever covers IP traffic and ARP. */
static bool quarantine_passes(const struct decide_input *in)
{
	return (in->meta->flags & PKT_F_ARP) || (is_ip(in->meta) && in->qlist_allowed);
}

struct decision decide(const struct decide_input *in)
{
	const struct pkt_meta *m = in->meta;
	struct decision d = { 0 };

	/* 802.1X frames belong to the authenticator, never to the other side:
	 * forwarding them would let a supplicant talk to an upstream switch. */
	if (m->flags & PKT_F_EAPOL) {
		if (in->dir != DIR_FROM_LAN)
			return drop(d, DROP_LINK_LOCAL);
		d.actions = ACT_PUNT;
		d.punt_reason = PUNT_EAPOL;
		return drop(d, DROP_EAPOL_CONSUMED);
	}
	if (m->flags & PKT_F_LINK_LOCAL)
		return drop(d, DROP_LINK_LOCAL);

	/* Copies are made whatever the verdict, blocked devices included, so
	 * menjind keeps every device's IP binding current. */
	d = punt_copy(in);

	switch (in->state) {
	case DEV_ADMITTED:
		/* Address resolution and lease renewal keep an admitted PC on the
		 * network whatever its role allows. */
		if (m->flags & (PKT_F_ARP | PKT_F_ND | PKT_F_DHCP | PKT_F_DHCP6))
			return forward(d);
		if (!is_ip(m))
			return forward(d);
		if (in->blocklisted)
			return drop(d, DROP_BLOCKLIST);
		return in->acl_permit ? forward(d) : drop(d, DROP_ACL);
	case DEV_QUARANTINED:
		/* The administrator's allowlist wins over the threat blocklist. */
		return quarantine_passes(in) ? forward(d) : drop(d, DROP_QUARANTINE);
	case DEV_UNKNOWN:
		switch (in->unknown_action) {
		case UNKNOWN_MONITOR:
			return forward(d);
		case UNKNOWN_QUARANTINE:
			return quarantine_passes(in) ? forward(d) : drop(d, DROP_UNKNOWN);
		case UNKNOWN_BLOCK:
		default:
			return drop(d, DROP_UNKNOWN);
		}
	case DEV_BLOCKED:
		return drop(d, DROP_BLOCKED);
	default:
		/* A state this build does not know: fail secure. */
		return drop(d, DROP_BLOCKED);
	}
}

const char *drop_reason_name(int reason)
{
	static const char *const names[DROP__MAX] = {
		[DROP_NONE]           = "none",
		[DROP_MALFORMED]      = "malformed",
		[DROP_LINK_LOCAL]     = "link_local",
		[DROP_EAPOL_CONSUMED] = "eapol_consumed",
		[DROP_BLOCKED]        = "blocked",
		[DROP_QUARANTINE]     = "quarantine",
		[DROP_UNKNOWN]        = "unknown",
		[DROP_ACL]            = "acl",
		[DROP_NO_ROLE]        = "no_role",
		[DROP_BLOCKLIST]      = "blocklist",
		[DROP_TX_FULL]        = "tx_full",
		[DROP_CAPTURE_FULL]   = "capture_full",
		[DROP_PUNT_FULL]      = "punt_full",
		[DROP_PUNT_RATE]      = "punt_rate",
	};

	if (reason < 0 || reason >= DROP__MAX)
		return "invalid";
	return names[reason];
}

static const char *const device_state_names[DEV_STATE__MAX] = {
	[DEV_UNKNOWN]     = "unknown",
	[DEV_QUARANTINED] = "quarantined",
	[DEV_ADMITTED]    = "admitted",
	[DEV_BLOCKED]     = "blocked",
};

const char *device_state_name(int state)
{
	if (state < 0 || state >= DEV_STATE__MAX)
		return "invalid";
	return device_state_names[state];
}

int device_state_parse(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < DEV_STATE__MAX; i++)
		if (strcmp(name, device_state_names[i]) == 0)
			return i;
	return -1;
}

const char *punt_reason_name(int reason)
{
	static const char *const names[PUNT__MAX] = {
		[PUNT_NONE]    = "none",
		[PUNT_EAPOL]   = "eapol",
		[PUNT_DHCP]    = "dhcp",
		[PUNT_ARP]     = "arp",
		[PUNT_NEW_MAC] = "new_mac",
		[PUNT_ND]      = "nd",
	};

	if (reason < 0 || reason >= PUNT__MAX)
		return "invalid";
	return names[reason];
}
