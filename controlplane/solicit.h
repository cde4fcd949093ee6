/* solicit.h — EAP-Request/Identity to the PAE group address, per LAN segment.
 *
 * Why: menjin sits behind the office's switch, and an unmanaged switch that
 * passes 802.1X frames (or a hub) puts every supplicant of the office on one
 * segment. Supplicants send their EAPOL frames to the PAE group address
 * 01:80:C2:00:00:03, so each hears every other's EAP Responses.
 * wpa_supplicant takes any EAP packet it hears while CONNECTING as the
 * start of its own authentication (SUPP_PAE CONNECTING -> RESTART ->
 * AUTHENTICATING), never sends its EAPOL-Start and waits authPeriod (30 s)
 * for a Request. We send every frame of an exchange to the supplicant's
 * unicast MAC (eapol.c), so a supplicant we never heard from is never asked:
 * when many start together, most wait 30 s, and are disturbed again at their
 * next try (issue 4, tests/bench/auth_storm.sh).
 *
 * So, like a port-based authenticator (802.1X-2010 11.1.1: EAPOL frames go to
 * the group address), menjin asks the whole segment: when an exchange
 * starts on a segment (a port and VLAN; the Response/Identity of a MAC not
 * authorized) — its Responses silence the others — one
 * EAP-Request/Identity to the group address, at once (the supplicant
 * starting is then in its exchange and not disturbed), and at most one per
 * SOLICIT_INTERVAL_MS per segment. Every supplicant waiting in silence
 * answers it; a Response/Identity carrying its Identifier within
 * SOLICIT_ANSWER_MS is the answer to our request (pae_rx_eap_group()).
 * Supplicants in the middle of an exchange discard it (RFC 3748 4.1: an
 * Identity request is not the method under way).
 *
 * It ends by itself: answers we act on (new supplicants) make another
 * request due; answers we ignore (authenticated or held MACs) and
 * reauthentications do not.
 *
 * Pure: times in (ms, monotonic), decisions out; the caller sends the frame
 * and arms one timer at solicit_deadline().
 */
#ifndef MENJIN_SOLICIT_H
#define MENJIN_SOLICIT_H

#include <stdbool.h>
#include <stdint.h>

#define SOLICIT_MAX_SEGMENTS  64        /* (port, VLAN) pairs remembered */
#define SOLICIT_DELAY_MS      0         /* from the loop, after the Response's own work */
#define SOLICIT_INTERVAL_MS   1000      /* at most one request per segment per second */
#define SOLICIT_ANSWER_MS     5000      /* a Response/Identity answers it this long */
#define SOLICIT_NONE          INT64_MAX

struct solicit_segment {
	bool     used;
	bool     due;          /* a request is to be sent at due_at */
	bool     sent;         /* id/sent_at describe the last request */
	uint16_t port;
	uint16_t vlan_tci;     /* 0: untagged */
	uint8_t  id;           /* EAP Identifier of the last request */
	int64_t  due_at;
	int64_t  sent_at;
	int64_t  last_active;  /* for reuse of the table slot */
};

struct solicit {
	struct solicit_segment seg[SOLICIT_MAX_SEGMENTS];
	uint8_t  next_id;
	uint64_t requests;     /* sent (solicit_next) */
	uint64_t dropped;      /* activity not recorded: table full of due segments */
};

/* Empty; the first request carries first_id. */
void solicit_init(struct solicit *s, uint8_t first_id);

/* An exchange started on (port, vlan_tci) at now: the other supplicants
 * of the segment hear its Responses; a request becomes due. */
void solicit_activity(struct solicit *s, uint16_t port, uint16_t vlan_tci, int64_t now);

/* When solicit_next() has something to send, or SOLICIT_NONE. */
int64_t solicit_deadline(const struct solicit *s);

/* One request due at now: its segment and Identifier; it counts as sent.
 * 0, or -EAGAIN when nothing is due. Call until -EAGAIN. */
int solicit_next(struct solicit *s, int64_t now, uint16_t *port, uint16_t *vlan_tci, uint8_t *id);

/* Is an EAP Response/Identity with Identifier id, received on (port,
 * vlan_tci) at now, the answer to the segment's last request? */
bool solicit_answers(const struct solicit *s, uint16_t port, uint16_t vlan_tci, uint8_t id, int64_t now);

/* The segment's requests are void (its port went down). */
void solicit_forget_port(struct solicit *s, uint16_t port);

#endif
