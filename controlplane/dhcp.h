/* dhcp.h — DHCPv4 message decoder for snooping (RFC 2131, RFC 2132).
 *
 * Pure: reads at most `len` bytes, no I/O, no allocation, so the unit tests
 * and the fuzz target (tests/fuzz/dhcp_fuzz.c) call it directly. Malformed
 * input is refused with a named error; text options are cleaned to
 * printable UTF-8 so they can go to the store, JSON and syslog as they are.
 */
#ifndef MENJIN_DHCP_H
#define MENJIN_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_FIXED_LEN      236     /* BOOTP header before the magic cookie */
#define DHCP_MIN_LEN        240     /* with the cookie */
#define DHCP_HOSTNAME_MAX   64      /* option 12, cleaned, with NUL */
#define DHCP_VENDOR_MAX     128     /* option 60 */
#define DHCP_PARAMS_MAX     255     /* option 55 entries kept */
#define DHCP_FINGERPRINT_MAX 256    /* "1,3,6,15,..." as stored */

enum dhcp_msg_type {
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK, DHCPRELEASE,
	DHCPINFORM,
	DHCP_TYPE_MAX = 18,              /* RFC 4388, RFC 6926, RFC 7724 types go up to 18 */
};

enum dhcp_error {
	DHCP_OK = 0,
	DHCP_ERR_SHORT,         /* shorter than the fixed header and cookie */
	DHCP_ERR_OP,            /* op is not BOOTREQUEST or BOOTREPLY */
	DHCP_ERR_HTYPE,         /* not Ethernet (htype 1, hlen 6) */
	DHCP_ERR_COOKIE,        /* magic cookie is not 99.130.83.99 */
	DHCP_ERR_OPT_TRUNC,     /* an option's length runs past its area */
	DHCP_ERR_OPT_LEN,       /* an option has a length its definition forbids */
	DHCP_ERR_TYPE,          /* option 53 missing or outside 1..18 */
	DHCP_ERR_FRAME,         /* the frame is not Ethernet/IPv4/UDP to port 67 or 68 */
	DHCP_ERR_IP,            /* IPv4 header malformed, truncated or a fragment */
	DHCP_ERR_UDP,           /* UDP header truncated or its length wrong */
	DHCP_ERR__MAX
};

struct dhcp_msg {
	uint8_t  op;                    /* 1 request, 2 reply */
	uint32_t xid;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;   /* host order */
	uint8_t  chaddr[6];
	uint8_t  type;                  /* option 53 */
	bool     has_requested_ip;      /* option 50 */
	uint32_t requested_ip;
	bool     has_server_id;         /* option 54 */
	uint32_t server_id;
	uint32_t lease_time;            /* option 51, seconds; 0 absent */
	char     hostname[DHCP_HOSTNAME_MAX];      /* option 12 */
	char     vendor_class[DHCP_VENDOR_MAX];    /* option 60 */
	uint16_t nparams;               /* option 55 */
	uint8_t  params[DHCP_PARAMS_MAX];
};

/* Where the message came from, when decoded from a frame. */
struct dhcp_frame {
	uint8_t  src_mac[6];
	uint16_t vlan_tci;
	uint32_t src_ip, dst_ip;        /* host order */
	uint16_t src_port, dst_port;
};

/* Decode a BOOTP/DHCP payload (the UDP data). 0 or -DHCP_ERR_*. */
int dhcp_decode(const uint8_t *buf, size_t len, struct dhcp_msg *m);
/* Decode a whole Ethernet frame as punted by the fast path. */
int dhcp_decode_frame(const uint8_t *frame, size_t len, struct dhcp_frame *f, struct dhcp_msg *m);

/* Option 55 as "1,3,6,15" (the fingerprint stored and matched). */
void dhcp_fingerprint(const struct dhcp_msg *m, char *out, size_t len);
/* Copy raw option bytes to printable UTF-8: control characters and invalid
 * sequences become '?', trailing NULs are dropped, cut on a character
 * boundary to fit. */
void dhcp_text_clean(const uint8_t *in, size_t inlen, char *out, size_t outlen);

const char *dhcp_error_name(int err);          /* takes the positive or negated code */
const char *dhcp_type_name(int type);          /* "DHCPREQUEST" */

#endif
