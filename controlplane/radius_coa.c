/* radius_coa.c — RFC 5176 Disconnect/CoA: request checks, replies, listener. */
#include "radius_coa.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "log.h"

#define CONCERN "coa"

/* ---- parsing (pure) ---------------------------------------------------- */

static int nak(uint32_t *error_cause, uint32_t cause)
{
	*error_cause = cause;
	return -EINVAL;
}

static int text_of(const struct radius_attr *a, char *out, size_t outlen)
{
	if (a->len >= outlen)
		return -ENAMETOOLONG;
	for (unsigned i = 0; i < a->len; i++)
		if (a->value[i] < 0x20 || a->value[i] == 0x7f)
			return -EBADMSG;
	memcpy(out, a->value, a->len);
	out[a->len] = '\0';
	return 0;
}

static uint32_t u32_of(const struct radius_attr *a)
{
	return (uint32_t)a->value[0] << 24 | (uint32_t)a->value[1] << 16 |
	       (uint32_t)a->value[2] << 8 | a->value[3];
}

/* Cisco-AVPair "subscriber:command=reauthenticate" inside a Vendor-Specific
 * (RFC 2865 5.26: vendor id, then vendor type, length, value). */
static int cisco_command(const struct radius_attr *a, bool *reauth)
{
	static const char cmd[] = "subscriber:command=reauthenticate";
	uint32_t vendor;

	if (a->len < 6)
		return -EBADMSG;
	vendor = u32_of(a);
	if (vendor != CISCO_VENDOR_ID || a->value[4] != 1 || a->value[5] != a->len - 4)
		return -ENOTSUP;
	if ((size_t)a->value[5] - 2 == sizeof(cmd) - 1 && memcmp(a->value + 6, cmd, sizeof(cmd) - 1) == 0) {
		*reauth = true;
		return 0;
	}
	return -ENOTSUP;
}

int coa_parse(const uint8_t *pkt, size_t len, const uint8_t *secret, size_t secret_len,
	      const struct radius_coa_conf *conf, int64_t now_s, struct coa_request *req,
	      uint32_t *error_cause)
{
	struct radius_msg *m;
	int rc = 0, why = 0;
	bool has_authz = false;

	memset(req, 0, sizeof(*req));
	*error_cause = 0;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (radius_decode(pkt, len, m) != 0) {
		rc = -EBADMSG;
		goto out;
	}
	if (m->code != RADIUS_DISCONNECT_REQUEST && m->code != RADIUS_COA_REQUEST) {
		rc = -EBADMSG;
		goto out;
	}
	/* RFC 5176 3.3 with Message-Authenticator required (Blast-RADIUS). */
	if (radius_verify_request(m, secret, secret_len, true, &why) != 0) {
		rc = -EBADMSG;
		goto out;
	}
	req->code = m->code;
	req->id = m->id;
	memcpy(req->authenticator, m->authenticator, RADIUS_AUTH_LEN);
	req->kind = m->code == RADIUS_DISCONNECT_REQUEST ? COA_DISCONNECT : COA_CHANGE;

	for (unsigned i = 0; i < m->nattrs && rc == 0; i++) {
		const struct radius_attr *a = &m->attrs[i];
		char text[COA_TEXT_MAX];
		uint32_t v;

		switch (a->type) {
		case RADIUS_ATTR_MESSAGE_AUTHENTICATOR:
			break;
		case RADIUS_ATTR_EVENT_TIMESTAMP:
			/* RFC 5176 3.4: outside the window, discard silently. */
			if (a->len != 4) {
				rc = -EBADMSG;
				break;
			}
			v = u32_of(a);
			if ((int64_t)v < now_s - COA_EVENT_WINDOW_S || (int64_t)v > now_s + COA_EVENT_WINDOW_S)
				rc = -EBADMSG;
			break;
		case RADIUS_ATTR_CALLING_STATION_ID:
			if (text_of(a, text, sizeof(text)) != 0 ||
			    radius_station_id_parse(text, req->mac) != 0)
				rc = nak(error_cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);
			else
				req->has_mac = true;
			break;
		case RADIUS_ATTR_ACCT_SESSION_ID:
			if (text_of(a, req->acct_session_id, sizeof(req->acct_session_id)) != 0)
				rc = nak(error_cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);
			break;
		case RADIUS_ATTR_USER_NAME:
			if (text_of(a, req->user_name, sizeof(req->user_name)) != 0)
				rc = nak(error_cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);
			break;
		case RADIUS_ATTR_NAS_IDENTIFIER:
			if (text_of(a, text, sizeof(text)) != 0)
				rc = nak(error_cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);
			else if (conf->nas_identifier[0] && strcmp(text, conf->nas_identifier) != 0)
				rc = nak(error_cause, RADIUS_EC_NAS_ID_MISMATCH);
			break;
		case RADIUS_ATTR_NAS_IP_ADDRESS:
			if (a->len != 4)
				rc = nak(error_cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);
			else if (conf->nas_ip && u32_of(a) != conf->nas_ip)
				rc = nak(error_cause, RADIUS_EC_NAS_ID_MISMATCH);
			break;
		case RADIUS_ATTR_NAS_PORT:
		case RADIUS_ATTR_NAS_PORT_ID:
		case RADIUS_ATTR_NAS_PORT_TYPE:
		case RADIUS_ATTR_CALLED_STATION_ID:
		case RADIUS_ATTR_ACCT_TERMINATE_CAUSE:
		case RADIUS_ATTR_STATE:
		case RADIUS_ATTR_REPLY_MESSAGE:
			/* Identification or informational: accepted, not used. */
			break;
		case RADIUS_ATTR_PROXY_STATE:
			if (req->nproxy_state == COA_MAX_PROXY_STATE) {
				rc = nak(error_cause, RADIUS_EC_RESOURCES_UNAVAILABLE);
				break;
			}
			memcpy(req->proxy_state[req->nproxy_state], a->value, a->len);
			req->proxy_state_len[req->nproxy_state++] = a->len;
			break;
		case RADIUS_ATTR_SERVICE_TYPE:
			/* RFC 5176 3.2: only Authorize-Only, and only in a CoA. */
			if (a->len != 4 || u32_of(a) != RADIUS_SERVICE_AUTHORIZE_ONLY)
				rc = nak(error_cause, RADIUS_EC_UNSUPPORTED_SERVICE);
			else
				req->reauthenticate = true;
			has_authz = true;
			break;
		case RADIUS_ATTR_FILTER_ID:
			if (text_of(a, req->filter_id, sizeof(req->filter_id)) != 0)
				rc = nak(error_cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);
			req->has_filter_id = true;
			has_authz = true;
			break;
		case RADIUS_ATTR_TUNNEL_PRIVATE_GROUP_ID: {
			size_t skip = a->value[0] <= 0x1f ? 1 : 0;   /* RFC 2868 3.6 tag */
			struct radius_attr untagged = *a;
			untagged.value += skip;
			untagged.len = (uint8_t)(untagged.len - skip);
			if (untagged.len == 0 || text_of(&untagged, req->vlan, sizeof(req->vlan)) != 0)
				rc = nak(error_cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);
			req->has_vlan = true;
			has_authz = true;
			break;
		}
		case RADIUS_ATTR_TUNNEL_TYPE:
		case RADIUS_ATTR_TUNNEL_MEDIUM_TYPE:
			has_authz = true;
			break;
		case RADIUS_ATTR_SESSION_TIMEOUT:
			if (a->len != 4)
				rc = nak(error_cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);
			else {
				req->has_session_timeout = true;
				req->session_timeout = u32_of(a);
			}
			has_authz = true;
			break;
		case RADIUS_ATTR_TERMINATION_ACTION:
			if (a->len != 4 || u32_of(a) > RADIUS_TERMINATION_RADIUS_REQUEST)
				rc = nak(error_cause, RADIUS_EC_INVALID_ATTRIBUTE_VALUE);
			else {
				req->has_termination_action = true;
				req->termination_action = u32_of(a);
			}
			has_authz = true;
			break;
		case RADIUS_ATTR_VENDOR_SPECIFIC:
			if (cisco_command(a, &req->reauthenticate) != 0)
				rc = nak(error_cause, RADIUS_EC_UNSUPPORTED_ATTRIBUTE);
			has_authz = true;
			break;
		default:
			rc = nak(error_cause, RADIUS_EC_UNSUPPORTED_ATTRIBUTE);
			break;
		}
	}
	if (rc != 0)
		goto out;
	/* RFC 5176 3: a Disconnect-Request carries no authorization change. */
	if (req->kind == COA_DISCONNECT && has_authz) {
		rc = nak(error_cause, RADIUS_EC_UNSUPPORTED_ATTRIBUTE);
		goto out;
	}
	if (!req->has_mac && !req->acct_session_id[0]) {
		rc = nak(error_cause, RADIUS_EC_MISSING_ATTRIBUTE);
		goto out;
	}
	if (req->kind == COA_CHANGE && !has_authz) {
		rc = nak(error_cause, RADIUS_EC_MISSING_ATTRIBUTE);
		goto out;
	}
out:
	free(m);
	return rc;
}

int coa_encode_reply(uint8_t *out, size_t outlen, const struct coa_request *req, bool ack,
		     uint32_t error_cause, const uint8_t *secret, size_t secret_len, size_t *written)
{
	struct radius_attrs *a;
	uint8_t code;
	int rc;

	if (req->code == RADIUS_DISCONNECT_REQUEST)
		code = ack ? RADIUS_DISCONNECT_ACK : RADIUS_DISCONNECT_NAK;
	else if (req->code == RADIUS_COA_REQUEST)
		code = ack ? RADIUS_COA_ACK : RADIUS_COA_NAK;
	else
		return -EINVAL;
	a = malloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	radius_attrs_init(a);
	rc = 0;
	if (!ack && error_cause)
		rc = radius_attrs_put_u32(a, RADIUS_ATTR_ERROR_CAUSE, error_cause);
	for (unsigned i = 0; rc == 0 && i < req->nproxy_state; i++)
		rc = radius_attrs_put(a, RADIUS_ATTR_PROXY_STATE, req->proxy_state[i],
				      req->proxy_state_len[i]);
	if (rc == 0)
		rc = radius_encode(out, outlen, code, req->id, req->authenticator, a, NULL, 0, secret,
				   secret_len, written);
	free(a);
	return rc;
}

/* ---- listener ---------------------------------------------------------- */

struct dup_entry {
	bool     used;
	int64_t  at;
	struct sockaddr_storage from;
	uint8_t  id;
	uint8_t  authenticator[RADIUS_AUTH_LEN];
	size_t   len;
	uint8_t  reply[RADIUS_HDR_LEN + 64 + COA_MAX_PROXY_STATE * 255];
};

struct radius_coa {
	struct event_base *base;
	struct radius_coa_conf conf;
	int fd;
	struct event *ev;
	coa_handler_fn handler;
	void *arg;
	unsigned next_dup;
	struct dup_entry dup[COA_DUP_CACHE];
	struct radius_coa_stats st;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return false;
}

static bool same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (!same_host(a, b))
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port == ((const struct sockaddr_in *)b)->sin_port;
	return ((const struct sockaddr_in6 *)a)->sin6_port == ((const struct sockaddr_in6 *)b)->sin6_port;
}

int radius_coa_conf_check(const struct radius_coa_conf *c, char *err, size_t errlen)
{
	if (c->listen.ss_family != AF_INET && c->listen.ss_family != AF_INET6) {
		snprintf(err, errlen, "listen: no address");
		return -EINVAL;
	}
	if (c->nclients == 0 || c->nclients > COA_MAX_CLIENTS) {
		snprintf(err, errlen, "clients: 1..%d needed", COA_MAX_CLIENTS);
		return -EINVAL;
	}
	for (unsigned i = 0; i < c->nclients; i++) {
		if (c->clients[i].secret_len == 0 || c->clients[i].secret_len > RADIUS_SECRET_MAX) {
			snprintf(err, errlen, "client %u: secret must be 1..%d bytes", i + 1, RADIUS_SECRET_MAX);
			return -EINVAL;
		}
		if (c->clients[i].addr.ss_family != AF_INET && c->clients[i].addr.ss_family != AF_INET6) {
			snprintf(err, errlen, "client %u: no address", i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

static const struct coa_client_conf *find_client(const struct radius_coa *l,
						  const struct sockaddr_storage *from)
{
	for (unsigned i = 0; i < l->conf.nclients; i++)
		if (same_host(&l->conf.clients[i].addr, from))
			return &l->conf.clients[i];
	return NULL;
}

static void send_reply(struct radius_coa *l, const uint8_t *p, size_t len,
		       const struct sockaddr_storage *to, socklen_t tolen)
{
	if (sendto(l->fd, p, len, 0, (const struct sockaddr *)to, tolen) < 0)
		log_warn(CONCERN, "sendto: %s", strerror(errno));
}

static void handle(struct radius_coa *l, const uint8_t *pkt, size_t len,
		   const struct sockaddr_storage *from, socklen_t fromlen)
{
	const struct coa_client_conf *client = find_client(l, from);
	struct coa_request *req;
	uint32_t cause = 0;
	uint8_t reply[RADIUS_MAX_LEN];
	size_t rlen = 0;
	int64_t now = mono_ms();
	int rc;

	if (!client) {
		l->st.unknown_client++;
		return;
	}
	/* RFC 5176 2.3: a retransmission gets the same answer, not a second action. */
	if (len >= RADIUS_HDR_LEN) {
		for (unsigned i = 0; i < COA_DUP_CACHE; i++) {
			struct dup_entry *d = &l->dup[i];
			if (d->used && now - d->at < COA_DUP_LIFETIME_MS && d->id == pkt[1] &&
			    same_endpoint(&d->from, from) &&
			    CRYPTO_memcmp(d->authenticator, pkt + 4, RADIUS_AUTH_LEN) == 0) {
				l->st.duplicates++;
				send_reply(l, d->reply, d->len, from, fromlen);
				return;
			}
		}
	}
	req = malloc(sizeof(*req));
	if (!req)
		return;
	rc = coa_parse(pkt, len, client->secret, client->secret_len, &l->conf, (int64_t)time(NULL),
		       req, &cause);
	if (rc == -EBADMSG || (rc < 0 && rc != -EINVAL)) {
		l->st.invalid++;
		log_debug(CONCERN, "request from %s discarded", client->name);
		goto out;
	}
	l->st.requests++;
	if (rc == 0) {
		cause = 0;
		rc = l->handler ? l->handler(l->arg, req, &cause) : -ENOTSUP;
		if (rc < 0 && !cause)
			cause = RADIUS_EC_SESSION_NOT_FOUND;
	}
	if (coa_encode_reply(reply, sizeof(reply), req, rc == 0, cause, client->secret,
			     client->secret_len, &rlen) != 0)
		goto out;
	if (rc == 0)
		l->st.acks++;
	else
		l->st.naks++;
	if (rc == 0)
		log_info(CONCERN, "%s from %s: ACK", radius_code_name(req->code), client->name);
	else
		log_info(CONCERN, "%s from %s: NAK, Error-Cause %u", radius_code_name(req->code),
			 client->name, cause);
	send_reply(l, reply, rlen, from, fromlen);
	if (rlen <= sizeof(l->dup[0].reply)) {
		struct dup_entry *d = &l->dup[l->next_dup];
		l->next_dup = (l->next_dup + 1) % COA_DUP_CACHE;
		d->used = true;
		d->at = now;
		d->from = *from;
		d->id = req->id;
		memcpy(d->authenticator, req->authenticator, RADIUS_AUTH_LEN);
		memcpy(d->reply, reply, rlen);
		d->len = rlen;
	}
out:
	free(req);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct radius_coa *l = arg;
	uint8_t buf[RADIUS_MAX_LEN];
	(void)what;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			return;
		handle(l, buf, (size_t)n, &from, fromlen);
	}
}

int radius_coa_listen(struct event_base *base, const struct radius_coa_conf *conf,
		      coa_handler_fn handler, void *arg, struct radius_coa **out)
{
	struct radius_coa *l;
	char err[128];
	int rc, one = 1;

	*out = NULL;
	rc = radius_coa_conf_check(conf, err, sizeof(err));
	if (rc < 0) {
		log_err(CONCERN, "configuration: %s", err);
		return rc;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->base = base;
	l->conf = *conf;
	l->handler = handler;
	l->arg = arg;
	l->fd = socket(conf->listen.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		rc = -errno;
		free(l);
		return rc;
	}
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l->fd, (const struct sockaddr *)&conf->listen, conf->listen_len) != 0) {
		rc = -errno;
		log_err(CONCERN, "bind: %s", strerror(errno));
		close(l->fd);
		free(l);
		return rc;
	}
	l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST, on_read, l);
	if (!l->ev || event_add(l->ev, NULL) != 0) {
		radius_coa_free(l);
		return -ENOMEM;
	}
	*out = l;
	return 0;
}

void radius_coa_free(struct radius_coa *l)
{
	if (!l)
		return;
	if (l->ev)
		event_free(l->ev);
	if (l->fd >= 0)
		close(l->fd);
	OPENSSL_cleanse(&l->conf, sizeof(l->conf));
	free(l);
}

void radius_coa_get_stats(const struct radius_coa *l, struct radius_coa_stats *s)
{
	*s = l->st;
}

int radius_coa_local_addr(const struct radius_coa *l, struct sockaddr_storage *addr, socklen_t *len)
{
	*len = sizeof(*addr);
	return getsockname(l->fd, (struct sockaddr *)addr, len) == 0 ? 0 : -errno;
}
