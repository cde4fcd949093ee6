/* snoop.c — DHCP and ARP snooping, new MACs, and the EAPOL slot (see snoop.h). */
#include "snoop.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arp.h"
#include "devices.h"
#include "fpchan.h"
#include "log.h"
#include "mac.h"

struct snoop {
	struct devices    *devices;
	struct fpchan     *fp;
	struct snoop_stats st;
};

struct punt {
	uint16_t       port;
	uint16_t       vlan;
	bool           uplink;
	const uint8_t *frame;
	size_t         len;
};

typedef void (*punt_handler)(struct snoop *s, const struct punt *p);

static bool source_ok(struct snoop *s, const uint8_t mac[6])
{
	static const uint8_t zero[6];
	if ((mac[0] & 1) || memcmp(mac, zero, 6) == 0) {
		s->st.bad_source++;
		return false;
	}
	return true;
}

static void observe(struct snoop *s, const struct device_obs *obs)
{
	int rc = devices_observe(s->devices, obs);
	if (rc < 0) {
		char mac[MAC_STR_LEN];
		mac_format(obs->mac, mac);
		s->st.store_errors++;
		log_err("snoop", "%s: cannot record %s observation: %d", mac, obs->source, rc);
	}
}

static void on_dhcp(struct snoop *s, const struct punt *p)
{
	struct dhcp_frame f;
	struct dhcp_msg m;
	char fingerprint[DHCP_FINGERPRINT_MAX];
	int rc = dhcp_decode_frame(p->frame, p->len, &f, &m);

	if (rc < 0) {
		s->st.dhcp_errors[-rc < DHCP_ERR__MAX ? -rc : 0]++;
		log_debug("snoop", "DHCP frame refused: %s", dhcp_error_name(rc));
		return;
	}
	struct device_obs obs = { .port = p->port, .vlan = p->vlan, .located = true, .source = "dhcp" };
	if (m.op == 1) {
		/* A client speaking: its facts. Clients live on the LAN. */
		if (p->uplink) {
			s->st.uplink_ignored++;
			return;
		}
		if (!source_ok(s, f.src_mac))
			return;
		memcpy(obs.mac, f.src_mac, 6);
		if (memcmp(f.src_mac, m.chaddr, 6) != 0) {
			char a[MAC_STR_LEN], b[MAC_STR_LEN];
			mac_format(f.src_mac, a);
			mac_format(m.chaddr, b);
			log_debug("snoop", "%s sent DHCP for chaddr %s; recorded for the sender", a, b);
		}
		if (m.type == DHCPDISCOVER || m.type == DHCPREQUEST || m.type == DHCPINFORM) {
			dhcp_fingerprint(&m, fingerprint, sizeof(fingerprint));
			obs.hostname = m.hostname;
			obs.vendor_class = m.vendor_class;
			obs.fingerprint = fingerprint;
		}
		if (m.type == DHCPINFORM && m.ciaddr)
			obs.ipv4 = m.ciaddr;   /* RFC 2131 3.4: INFORM comes from a configured address */
	} else {
		/* A server's ACK binds an address to chaddr (RFC 2131 4.3.1). */
		if (m.type != DHCPACK || !source_ok(s, m.chaddr))
			return;
		memcpy(obs.mac, m.chaddr, 6);
		obs.ipv4 = m.yiaddr ? m.yiaddr : m.ciaddr;
		obs.lease = m.lease_time;
		/* The ACK came in where the server is, not where the client is. */
		obs.located = false;
	}
	observe(s, &obs);
}

static void on_arp(struct snoop *s, const struct punt *p)
{
	struct arp_msg a;
	int rc = arp_decode_frame(p->frame, p->len, &a);
	if (rc < 0) {
		s->st.arp_errors++;
		log_debug("snoop", "ARP frame refused: %s", arp_error_name(rc));
		return;
	}
	if (p->uplink) {
		s->st.uplink_ignored++;
		return;
	}
	if (!source_ok(s, a.eth_src))
		return;
	struct device_obs obs = { .port = p->port, .vlan = p->vlan, .located = true, .source = "arp" };
	memcpy(obs.mac, a.eth_src, 6);
	/* Only a sender speaking for itself binds its address; a probe
	 * (RFC 5227, sender 0.0.0.0) binds nothing but still shows the MAC. */
	if (a.sender_ip && memcmp(a.sender_mac, a.eth_src, 6) == 0)
		obs.ipv4 = a.sender_ip;
	observe(s, &obs);
}

static void on_new_mac(struct snoop *s, const struct punt *p)
{
	if (p->len < 14)
		return;
	if (p->uplink) {
		s->st.uplink_ignored++;
		return;
	}
	if (!source_ok(s, p->frame + 6))
		return;
	struct device_obs obs = { .port = p->port, .vlan = p->vlan, .located = true, .source = "new-mac" };
	memcpy(obs.mac, p->frame + 6, 6);
	observe(s, &obs);
}

static void on_nd(struct snoop *s, const struct punt *p)
{
	/* IPv6 addresses are not bound yet; the MAC is still a device. */
	on_new_mac(s, p);
}

static void on_eapol(struct snoop *s, const struct punt *p)
{
	/* The 802.1X authenticator (a later issue) takes this slot. */
	(void)p;
	s->st.unhandled++;
	log_debug("snoop", "EAPOL frame on port %u ignored: 802.1X is not implemented yet", p->port);
}

static const punt_handler handlers[PUNT__MAX] = {
	[PUNT_EAPOL] = on_eapol,
	[PUNT_DHCP] = on_dhcp,
	[PUNT_ARP] = on_arp,
	[PUNT_NEW_MAC] = on_new_mac,
	[PUNT_ND] = on_nd,
};

void snoop_punt(struct snoop *s, uint16_t port, uint8_t reason, uint16_t vlan, const uint8_t *frame, size_t len)
{
	if (reason >= PUNT__MAX || handlers[reason] == NULL) {
		s->st.unhandled++;
		log_debug("snoop", "punt reason %u unknown", reason);
		return;
	}
	s->st.punts[reason]++;
	struct punt p = { .port = port, .vlan = vlan, .frame = frame, .len = len,
			  .uplink = s->fp && fpchan_port_role(s->fp, port) == 1 };
	handlers[reason](s, &p);
}

struct snoop *snoop_new(struct devices *devices, struct fpchan *fp)
{
	struct snoop *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->devices = devices;
	s->fp = fp;
	return s;
}

void snoop_free(struct snoop *s)
{
	free(s);
}

void snoop_get_stats(const struct snoop *s, struct snoop_stats *out)
{
	*out = s->st;
}
