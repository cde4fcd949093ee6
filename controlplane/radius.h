/* radius.h — RADIUS codec: RFC 2865 (access), RFC 2866 (accounting),
 * RFC 3579 (EAP-Message, Message-Authenticator), RFC 3580 (802.1X usage),
 * RFC 5176 (Disconnect/CoA), RFC 5997 (Status-Server).
 *
 * Pure: no I/O, no clock, no randomness; the caller passes the Request
 * Authenticator it drew (RAND_bytes) so tests are deterministic. Decoding
 * checks structure only (lengths, attribute walk, Message-Authenticator
 * shape); authenticity is a separate step (radius_verify_reply,
 * radius_verify_request) because it needs the shared secret and, for
 * replies, the request. A decoded struct radius_msg points into the
 * caller's buffer.
 *
 * Every packet radius_encode() builds carries Message-Authenticator as its
 * first attribute, and radius_verify_reply() refuses a reply without one:
 * the Blast-RADIUS mitigation (CVE-2024-3596). Comparisons of digests use
 * CRYPTO_memcmp (constant time).
 */
#ifndef MENJIN_RADIUS_H
#define MENJIN_RADIUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RADIUS_HDR_LEN         20
#define RADIUS_MAX_LEN         4096     /* RFC 2865 section 3 */
#define RADIUS_AUTH_LEN        16
#define RADIUS_ATTR_HDR_LEN    2
#define RADIUS_ATTR_MAX_VALUE  253      /* RFC 2865 section 5 */
#define RADIUS_MAX_ATTRS       256      /* attributes decoded from one packet */
#define RADIUS_MA_LEN          16       /* Message-Authenticator value */
#define RADIUS_SECRET_MAX      128
#define RADIUS_PASSWORD_MAX    128      /* RFC 2865 5.2 */
#define RADIUS_STATION_ID_LEN  18       /* "AA-BB-CC-DD-EE-FF" and NUL */
#define RADIUS_ATTRS_SPACE     (RADIUS_MAX_LEN - RADIUS_HDR_LEN)

enum radius_code {
	RADIUS_ACCESS_REQUEST      = 1,
	RADIUS_ACCESS_ACCEPT       = 2,
	RADIUS_ACCESS_REJECT       = 3,
	RADIUS_ACCOUNTING_REQUEST  = 4,
	RADIUS_ACCOUNTING_RESPONSE = 5,
	RADIUS_ACCESS_CHALLENGE    = 11,
	RADIUS_STATUS_SERVER       = 12,
	RADIUS_DISCONNECT_REQUEST  = 40,
	RADIUS_DISCONNECT_ACK      = 41,
	RADIUS_DISCONNECT_NAK      = 42,
	RADIUS_COA_REQUEST         = 43,
	RADIUS_COA_ACK             = 44,
	RADIUS_COA_NAK             = 45,
};

enum radius_attr_type {
	RADIUS_ATTR_USER_NAME              = 1,
	RADIUS_ATTR_USER_PASSWORD          = 2,
	RADIUS_ATTR_NAS_IP_ADDRESS         = 4,
	RADIUS_ATTR_NAS_PORT               = 5,
	RADIUS_ATTR_SERVICE_TYPE           = 6,
	RADIUS_ATTR_FRAMED_IP_ADDRESS      = 8,
	RADIUS_ATTR_FILTER_ID              = 11,
	RADIUS_ATTR_FRAMED_MTU             = 12,
	RADIUS_ATTR_REPLY_MESSAGE          = 18,
	RADIUS_ATTR_STATE                  = 24,
	RADIUS_ATTR_CLASS                  = 25,
	RADIUS_ATTR_VENDOR_SPECIFIC        = 26,
	RADIUS_ATTR_SESSION_TIMEOUT        = 27,
	RADIUS_ATTR_IDLE_TIMEOUT           = 28,
	RADIUS_ATTR_TERMINATION_ACTION     = 29,
	RADIUS_ATTR_CALLED_STATION_ID      = 30,
	RADIUS_ATTR_CALLING_STATION_ID     = 31,
	RADIUS_ATTR_NAS_IDENTIFIER         = 32,
	RADIUS_ATTR_PROXY_STATE            = 33,
	RADIUS_ATTR_ACCT_STATUS_TYPE       = 40,
	RADIUS_ATTR_ACCT_DELAY_TIME        = 41,
	RADIUS_ATTR_ACCT_INPUT_OCTETS      = 42,
	RADIUS_ATTR_ACCT_OUTPUT_OCTETS     = 43,
	RADIUS_ATTR_ACCT_SESSION_ID        = 44,
	RADIUS_ATTR_ACCT_AUTHENTIC         = 45,
	RADIUS_ATTR_ACCT_SESSION_TIME      = 46,
	RADIUS_ATTR_ACCT_INPUT_PACKETS     = 47,
	RADIUS_ATTR_ACCT_OUTPUT_PACKETS    = 48,
	RADIUS_ATTR_ACCT_TERMINATE_CAUSE   = 49,
	RADIUS_ATTR_ACCT_INPUT_GIGAWORDS   = 52,
	RADIUS_ATTR_ACCT_OUTPUT_GIGAWORDS  = 53,
	RADIUS_ATTR_EVENT_TIMESTAMP        = 55,
	RADIUS_ATTR_NAS_PORT_TYPE          = 61,
	RADIUS_ATTR_TUNNEL_TYPE            = 64,
	RADIUS_ATTR_TUNNEL_MEDIUM_TYPE     = 65,
	RADIUS_ATTR_EAP_MESSAGE            = 79,
	RADIUS_ATTR_MESSAGE_AUTHENTICATOR  = 80,
	RADIUS_ATTR_TUNNEL_PRIVATE_GROUP_ID = 81,
	RADIUS_ATTR_ACCT_INTERIM_INTERVAL  = 85,
	RADIUS_ATTR_NAS_PORT_ID            = 87,
	RADIUS_ATTR_NAS_IPV6_ADDRESS       = 95,
	RADIUS_ATTR_ERROR_CAUSE            = 101,
};

/* Values of the integer attributes we send or read. */
#define RADIUS_SERVICE_FRAMED          2    /* RFC 3580 3.30: 802.1X */
#define RADIUS_SERVICE_CALL_CHECK      10   /* MAB by convention */
#define RADIUS_SERVICE_AUTHORIZE_ONLY  17   /* RFC 5176 3.2 */
#define RADIUS_NAS_PORT_TYPE_ETHERNET  15   /* RFC 3580 3.32 */
#define RADIUS_TERMINATION_DEFAULT     0    /* RFC 2865 5.29 */
#define RADIUS_TERMINATION_RADIUS_REQUEST 1
#define RADIUS_TUNNEL_TYPE_VLAN        13   /* RFC 3580 3.31 */
#define RADIUS_TUNNEL_MEDIUM_802       6
#define RADIUS_ACCT_AUTHENTIC_RADIUS   1
#define RADIUS_ACCT_AUTHENTIC_LOCAL    2

/* Acct-Status-Type, RFC 2866 5.1 */
enum radius_acct_status {
	RADIUS_ACCT_START          = 1,
	RADIUS_ACCT_STOP           = 2,
	RADIUS_ACCT_INTERIM_UPDATE = 3,
	RADIUS_ACCT_ON             = 7,
	RADIUS_ACCT_OFF            = 8,
};

/* Acct-Terminate-Cause, RFC 2866 5.10 and RFC 3580 3.21 */
enum radius_terminate_cause {
	RADIUS_TERM_USER_REQUEST         = 1,   /* EAPOL-Logoff */
	RADIUS_TERM_LOST_CARRIER         = 2,   /* port down */
	RADIUS_TERM_LOST_SERVICE         = 3,
	RADIUS_TERM_IDLE_TIMEOUT         = 4,
	RADIUS_TERM_SESSION_TIMEOUT      = 5,
	RADIUS_TERM_ADMIN_RESET          = 6,   /* Disconnect-Request, operator */
	RADIUS_TERM_ADMIN_REBOOT         = 7,
	RADIUS_TERM_PORT_ERROR           = 8,
	RADIUS_TERM_NAS_ERROR            = 9,
	RADIUS_TERM_NAS_REQUEST          = 10,
	RADIUS_TERM_NAS_REBOOT           = 11,  /* daemon stop */
	RADIUS_TERM_PORT_UNNEEDED        = 12,
	RADIUS_TERM_PORT_PREEMPTED       = 13,
	RADIUS_TERM_PORT_SUSPENDED       = 14,
	RADIUS_TERM_SERVICE_UNAVAILABLE  = 15,
	RADIUS_TERM_CALLBACK             = 16,
	RADIUS_TERM_USER_ERROR           = 17,
	RADIUS_TERM_HOST_REQUEST         = 18,
	RADIUS_TERM_SUPPLICANT_RESTART   = 19,  /* RFC 3580: EAPOL-Start while authenticated */
	RADIUS_TERM_REAUTH_FAILURE       = 20,
	RADIUS_TERM_PORT_REINIT          = 21,
	RADIUS_TERM_PORT_ADMIN_DISABLED  = 22,
};

/* Error-Cause, RFC 5176 3.5 */
enum radius_error_cause {
	RADIUS_EC_RESIDUAL_CONTEXT_REMOVED = 201,
	RADIUS_EC_INVALID_EAP_PACKET       = 202,
	RADIUS_EC_UNSUPPORTED_ATTRIBUTE    = 401,
	RADIUS_EC_MISSING_ATTRIBUTE        = 402,
	RADIUS_EC_NAS_ID_MISMATCH          = 403,
	RADIUS_EC_INVALID_REQUEST          = 404,
	RADIUS_EC_UNSUPPORTED_SERVICE      = 405,
	RADIUS_EC_UNSUPPORTED_EXTENSION    = 406,
	RADIUS_EC_INVALID_ATTRIBUTE_VALUE  = 407,
	RADIUS_EC_ADMIN_PROHIBITED         = 501,
	RADIUS_EC_NOT_ROUTABLE             = 502,
	RADIUS_EC_SESSION_NOT_FOUND        = 503,
	RADIUS_EC_SESSION_NOT_REMOVABLE    = 504,
	RADIUS_EC_OTHER_PROXY_ERROR        = 505,
	RADIUS_EC_RESOURCES_UNAVAILABLE    = 506,
	RADIUS_EC_REQUEST_INITIATED        = 507,
	RADIUS_EC_MULTIPLE_SESSIONS        = 508,
};

/* Why a packet was refused (struct radius_msg.error, *why of the verifiers). */
enum radius_error {
	RADIUS_OK = 0,
	RADIUS_ERR_SHORT,          /* fewer than 20 bytes */
	RADIUS_ERR_LENGTH,         /* Length field below 20 or above 4096 */
	RADIUS_ERR_TRUNCATED,      /* Length field past the received bytes */
	RADIUS_ERR_ATTR_SHORT,     /* attribute header cut or its length below 2 */
	RADIUS_ERR_ATTR_EMPTY,     /* attribute with no value (length 2) */
	RADIUS_ERR_ATTR_OVERRUN,   /* attribute runs past the packet's Length */
	RADIUS_ERR_TOO_MANY_ATTRS, /* more than RADIUS_MAX_ATTRS */
	RADIUS_ERR_MA_LENGTH,      /* Message-Authenticator not 16 octets */
	RADIUS_ERR_MA_DUPLICATE,   /* more than one Message-Authenticator */
	RADIUS_ERR_EAP_WITHOUT_MA, /* EAP-Message without Message-Authenticator (RFC 3579 3.3) */
	RADIUS_ERR_MA_MISSING,     /* verifier: no Message-Authenticator */
	RADIUS_ERR_MA_BAD,         /* verifier: Message-Authenticator does not verify */
	RADIUS_ERR_AUTHENTICATOR,  /* verifier: Response/Request Authenticator wrong */
	RADIUS_ERR_CODE,           /* verifier: code not expected here */
	RADIUS_ERR_CRYPTO,         /* OpenSSL failed */
	RADIUS_ERR__MAX
};

struct radius_attr {
	uint8_t  type;
	uint8_t  len;              /* value length, 1..253 */
	uint16_t offset;           /* of the attribute header in the packet */
	const uint8_t *value;
};

struct radius_msg {
	uint8_t  code;
	uint8_t  id;
	uint16_t len;              /* the Length field; bytes past it were padding */
	const uint8_t *raw;        /* the packet, len bytes */
	const uint8_t *authenticator;   /* raw + 4 */
	int      ma_index;         /* index of Message-Authenticator in attrs, or -1 */
	int      error;            /* enum radius_error of the last failure */
	unsigned nattrs;
	struct radius_attr attrs[RADIUS_MAX_ATTRS];
};

/* Decode `len` received bytes. Bytes past the Length field are padding
 * (RFC 2865 3). 0, or -EBADMSG/-E2BIG with m->error set. */
int radius_decode(const uint8_t *buf, size_t len, struct radius_msg *m);

/* The first attribute of `type` at or after index *pos (start with 0);
 * *pos moves past it. NULL when none is left. */
const struct radius_attr *radius_next(const struct radius_msg *m, uint8_t type, unsigned *pos);
const struct radius_attr *radius_find(const struct radius_msg *m, uint8_t type);
unsigned radius_count(const struct radius_msg *m, uint8_t type);
/* Integer attribute (4 octets). 0, -ENOENT or -EBADMSG (wrong length). */
int radius_get_u32(const struct radius_msg *m, uint8_t type, uint32_t *v);
/* Text attribute as a C string: -ENOENT, -EBADMSG (NUL or control
 * character inside), -ENAMETOOLONG. */
int radius_get_text(const struct radius_msg *m, uint8_t type, char *out, size_t outlen);
/* Tunnel-Private-Group-ID with its optional tag removed (RFC 2868 3.6). */
int radius_get_tunnel_group(const struct radius_msg *m, char *out, size_t outlen);
/* Tagged integer (Tunnel-Type, Tunnel-Medium-Type; RFC 2868 3.1): value of
 * the first instance with the given tag (0 = untagged or any). */
int radius_get_tagged_u32(const struct radius_msg *m, uint8_t type, uint32_t *v);

/* Reassemble the EAP-Message attributes (RFC 3579 3.1): they must be
 * consecutive; the result must be one EAP packet whose Length equals the
 * reassembled length. 0, -ENOENT (none), -EBADMSG, -ENOSPC. */
int radius_get_eap(const struct radius_msg *m, uint8_t *out, size_t outlen, size_t *len);

/* ---- building ---------------------------------------------------------- */

/* The attributes of a packet being built, in order. Message-Authenticator
 * and User-Password are added by radius_encode(), never here. */
struct radius_attrs {
	size_t  len;
	uint8_t buf[RADIUS_ATTRS_SPACE];
};

void radius_attrs_init(struct radius_attrs *a);
/* Value of 1..253 octets. 0, -EINVAL (empty, too long, or a type that
 * radius_encode() owns) or -ENOSPC. */
int radius_attrs_put(struct radius_attrs *a, uint8_t type, const void *value, size_t len);
int radius_attrs_put_u32(struct radius_attrs *a, uint8_t type, uint32_t v);
int radius_attrs_put_text(struct radius_attrs *a, uint8_t type, const char *s);
/* Split an EAP packet into 253-octet EAP-Message attributes (RFC 3579 3.1). */
int radius_attrs_put_eap(struct radius_attrs *a, const uint8_t *eap, size_t len);

/* Build and sign a packet into out (at least RADIUS_MAX_LEN bytes is
 * always enough):
 *   header, Message-Authenticator (first), User-Password (hidden, RFC 2865
 *   5.2) when password is given, then attrs.
 * `auth`:
 *   Access-Request, Status-Server: the random Request Authenticator;
 *   Accounting-, Disconnect-, CoA-Request: ignored (computed, RFC 2866 3,
 *     RFC 5176 2.3; Message-Authenticator over a zero authenticator first);
 *   any reply: the Request Authenticator of the request it answers.
 * 0, -EINVAL, -EMSGSIZE (over 4096 bytes), -ENOSPC, -EIO (OpenSSL). */
int radius_encode(uint8_t *out, size_t outlen, uint8_t code, uint8_t id,
		  const uint8_t auth[RADIUS_AUTH_LEN], const struct radius_attrs *attrs,
		  const uint8_t *password, size_t password_len,
		  const uint8_t *secret, size_t secret_len, size_t *written);

/* ---- verifying --------------------------------------------------------- */

/* A reply to a request whose authenticator was req_auth: the Response
 * Authenticator (RFC 2865 3) and a Message-Authenticator that must be
 * present and correct (RFC 3579 3.2, Blast-RADIUS). For Accounting-Response
 * and Disconnect/CoA ACK/NAK the Message-Authenticator may be computed over
 * the request's authenticator (RFC 5176 3.3, what radius_encode() sends
 * for Disconnect/CoA) or over a zero one (FreeRADIUS's Accounting-Response,
 * FreeRADIUS 3.0's Disconnect/CoA replies); both are accepted. Access-*
 * replies accept only the RFC 3579 form. 0 or -EBADMSG with *why
 * (enum radius_error) when why is given. */
int radius_verify_reply(const struct radius_msg *m, const uint8_t req_auth[RADIUS_AUTH_LEN],
			const uint8_t *secret, size_t secret_len, int *why);
/* A request received (by a server, or by the CoA listener): Accounting-,
 * Disconnect- and CoA-Request have their Request Authenticator checked;
 * Message-Authenticator is verified when present and, when require_ma,
 * must be present. */
int radius_verify_request(const struct radius_msg *m, const uint8_t *secret, size_t secret_len,
			  bool require_ma, int *why);
/* The Response Authenticator alone (RFC 2865 3). For tests and the
 * verifiers; radius_verify_reply() is what a client must call. */
int radius_check_response_auth(const struct radius_msg *m, const uint8_t req_auth[RADIUS_AUTH_LEN],
			       const uint8_t *secret, size_t secret_len);

/* ---- User-Password (RFC 2865 5.2) -------------------------------------- */

/* Hide: out gets ceil(len/16)*16 octets (16 for an empty password). */
int radius_password_hide(const uint8_t *pw, size_t pw_len, const uint8_t req_auth[RADIUS_AUTH_LEN],
			 const uint8_t *secret, size_t secret_len, uint8_t *out, size_t outlen,
			 size_t *written);
/* Reveal: trailing NUL padding removed. For the test servers. */
int radius_password_reveal(const uint8_t *hidden, size_t len, const uint8_t req_auth[RADIUS_AUTH_LEN],
			   const uint8_t *secret, size_t secret_len, uint8_t *out, size_t outlen,
			   size_t *written);

/* ---- text forms -------------------------------------------------------- */

/* Calling-/Called-Station-Id, RFC 3580 3.20/3.21: "AA-BB-CC-DD-EE-FF". */
void radius_station_id(const uint8_t mac[6], char out[RADIUS_STATION_ID_LEN]);
/* Parse a Calling-Station-Id as servers send it back: the RFC 3580 form,
 * colons, dots or bare hex, any case. 0 or -EINVAL. */
int radius_station_id_parse(const char *s, uint8_t mac[6]);

bool radius_code_is_reply(int code);
const char *radius_code_name(int code);        /* "Access-Accept" */
const char *radius_attr_name(int type);        /* "EAP-Message", "unknown" */
const char *radius_error_name(int err);        /* positive or negated */

#endif
