/* eapol.h — EAPOL (IEEE 802.1X-2010 clause 11) and EAP (RFC 3748) codec.
 *
 * Pure: reads at most `len` bytes, writes at most `outlen` bytes, no I/O,
 * no allocation, so the unit tests and tests/fuzz/eapol_fuzz.c call it
 * directly. Decoded structures point into the caller's buffer.
 *
 * Frames come from the fast path as PKT_PUNT (the whole Ethernet frame, with
 * its 802.1Q tag if it had one) and go back as PKT_TX. Supplicants address
 * the PAE group address 01:80:C2:00:00:03 or, once they learnt it, the
 * authenticator's MAC; both are accepted. Several supplicants can share one
 * LAN segment, so the authenticator answers each one at its unicast MAC.
 */
#ifndef MENJIN_EAPOL_H
#define MENJIN_EAPOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETHERTYPE_EAPOL        0x888E
#define EAPOL_HDR_LEN          4        /* version, type, body length */
#define EAPOL_VERSION_SENT     2        /* 802.1X-2004; every supplicant accepts it */
#define EAPOL_MIN_FRAME        60       /* Ethernet minimum without FCS; we pad to it */
#define EAP_HDR_LEN            4        /* code, identifier, length */
/* Largest EAP packet relayed. RADIUS packets are at most 4096 bytes, so an
 * EAP packet from the server is smaller; the EAPOL frame that carries it
 * must still fit the LAN's MTU (the server is told Framed-MTU). */
#define EAP_MAX_LEN            4000
/* Largest frame eapol_encode() produces: tagged header, EAPOL header, EAP. */
#define EAPOL_FRAME_MAX        (18 + EAPOL_HDR_LEN + EAP_MAX_LEN)
#define EAP_IDENTITY_MAX       254      /* User-Name is at most 253 octets, plus NUL */

/* 802.1X-2010 table 11-3 */
enum eapol_type {
	EAPOL_EAP_PACKET   = 0,
	EAPOL_START        = 1,
	EAPOL_LOGOFF       = 2,
	EAPOL_KEY          = 3,
	EAPOL_ASF_ALERT    = 4,
	EAPOL_MKA          = 5,
	EAPOL_ANNOUNCE_GENERIC  = 6,
	EAPOL_ANNOUNCE_SPECIFIC = 7,
	EAPOL_ANNOUNCE_REQ      = 8,
	EAPOL_TYPE_MAX     = 8,
};

/* RFC 3748 section 4 */
enum eap_code {
	EAP_CODE_REQUEST  = 1,
	EAP_CODE_RESPONSE = 2,
	EAP_CODE_SUCCESS  = 3,
	EAP_CODE_FAILURE  = 4,
};

/* RFC 3748 section 5 and the IANA registry (the ones we name in logs). */
enum eap_type {
	EAP_TYPE_IDENTITY     = 1,
	EAP_TYPE_NOTIFICATION = 2,
	EAP_TYPE_NAK          = 3,
	EAP_TYPE_MD5          = 4,
	EAP_TYPE_OTP          = 5,
	EAP_TYPE_GTC          = 6,
	EAP_TYPE_TLS          = 13,
	EAP_TYPE_TTLS         = 21,
	EAP_TYPE_PEAP         = 25,
	EAP_TYPE_MSCHAPV2     = 26,
	EAP_TYPE_FAST         = 43,
	EAP_TYPE_EXPANDED     = 254,
};

enum eapol_error {
	EAPOL_OK = 0,
	EAPOL_ERR_SHORT,        /* runt frame or truncated EAPOL header */
	EAPOL_ERR_ETHERTYPE,    /* not 0x888E (after one optional 802.1Q tag) */
	EAPOL_ERR_SRC,          /* source MAC is multicast, broadcast or zero */
	EAPOL_ERR_DST,          /* destination neither unicast nor an 802.1X group address */
	EAPOL_ERR_VERSION,      /* protocol version 0 */
	EAPOL_ERR_BODY_LEN,     /* body length runs past the frame */
	EAP_ERR_SHORT,          /* EAP header truncated */
	EAP_ERR_LENGTH,         /* EAP length below its minimum or past the buffer */
	EAP_ERR_CODE,           /* code outside 1..4 */
	EAP_ERR_TOO_BIG,        /* longer than EAP_MAX_LEN */
	EAPOL_ERR__MAX
};

struct eapol_frame {
	uint8_t  dst[6];
	uint8_t  src[6];
	uint16_t vlan_tci;      /* 0 when untagged */
	bool     tagged;
	uint8_t  version;
	uint8_t  type;          /* enum eapol_type; unknown types decode too */
	uint16_t body_len;
	const uint8_t *body;    /* into the frame; Ethernet padding excluded */
};

struct eap_packet {
	uint8_t  code;          /* enum eap_code */
	uint8_t  id;
	uint16_t len;           /* the EAP Length field, <= the buffer */
	uint8_t  type;          /* Request/Response only; 0 otherwise */
	const uint8_t *data;    /* type data (after the type octet) */
	size_t   data_len;
	const uint8_t *raw;     /* the whole packet, `len` bytes */
};

/* Decode an Ethernet frame carrying EAPOL. 0 or -EBADMSG (why in *err when
 * err is given; enum eapol_error). Trailing bytes past the body are padding
 * and ignored (802.1X-2010 11.3). */
int eapol_decode(const uint8_t *frame, size_t len, struct eapol_frame *f, int *err);

/* Decode an EAP packet from `len` bytes (an EAPOL body or a reassembled
 * RADIUS EAP-Message). Only the first `Length` bytes belong to the packet
 * (RFC 3748 4.1). 0 or -EBADMSG, -EMSGSIZE (why in *err when given). */
int eap_decode(const uint8_t *buf, size_t len, struct eap_packet *p, int *err);

/* Build an EAPOL frame: Ethernet header (tagged when vlan_tci != 0), EAPOL
 * header, body, zero padding up to EAPOL_MIN_FRAME. 0 or -ENOSPC/-EINVAL;
 * *written gets the frame length. */
int eapol_encode(uint8_t *out, size_t outlen, const uint8_t dst[6], const uint8_t src[6],
		 uint16_t vlan_tci, uint8_t type, const uint8_t *body, size_t body_len,
		 size_t *written);

/* Build an EAP packet. Request/Response carry `type` then `data`;
 * Success/Failure carry neither (RFC 3748 4.2). 0 or -ENOSPC/-EINVAL. */
int eap_encode(uint8_t *out, size_t outlen, uint8_t code, uint8_t id, uint8_t type,
	       const uint8_t *data, size_t data_len, size_t *written);

/* The identity of an EAP-Response/Identity (RFC 3748 5.1) as printable
 * text for User-Name and logs: bytes after a NUL (RFC 4284 network info)
 * dropped, control characters refused. 0, -EINVAL (not a Response/Identity,
 * empty, or a control character) or -ENAMETOOLONG. */
int eap_identity(const struct eap_packet *p, char *out, size_t outlen);

/* 01:80:C2:00:00:00, :03 and :0E (802.1X-2010 table 11-1). */
bool eapol_is_group_addr(const uint8_t mac[6]);

const char *eapol_type_name(int type);     /* "EAPOL-Start" */
const char *eap_code_name(int code);       /* "Request" */
const char *eap_type_name(int type);       /* "MD5-Challenge", "PEAP", "type-99" is "unknown" */
const char *eapol_error_name(int err);     /* positive or negated */

#endif
