/* solicit.c — when to send EAP-Request/Identity to a segment's PAE group
 * address, and which Response answers it (see solicit.h for why). */
#include "solicit.h"

#include <errno.h>
#include <string.h>

void solicit_init(struct solicit *s, uint8_t first_id)
{
	memset(s, 0, sizeof(*s));
	s->next_id = first_id;
}

static struct solicit_segment *lookup(struct solicit *s, uint16_t port, uint16_t vlan_tci)
{
	for (unsigned i = 0; i < SOLICIT_MAX_SEGMENTS; i++) {
		struct solicit_segment *g = &s->seg[i];
		if (g->used && g->port == port && g->vlan_tci == vlan_tci)
			return g;
	}
	return NULL;
}

/* A free slot, else the one quiet the longest that has nothing due. */
static struct solicit_segment *claim(struct solicit *s)
{
	struct solicit_segment *oldest = NULL;

	for (unsigned i = 0; i < SOLICIT_MAX_SEGMENTS; i++) {
		struct solicit_segment *g = &s->seg[i];
		if (!g->used)
			return g;
		if (!g->due && (!oldest || g->last_active < oldest->last_active))
			oldest = g;
	}
	return oldest;
}

void solicit_activity(struct solicit *s, uint16_t port, uint16_t vlan_tci, int64_t now)
{
	struct solicit_segment *g = lookup(s, port, vlan_tci);
	int64_t at;

	if (!g) {
		g = claim(s);
		if (!g) {
			s->dropped++;
			return;
		}
		memset(g, 0, sizeof(*g));
		g->used = true;
		g->port = port;
		g->vlan_tci = vlan_tci;
	}
	g->last_active = now;
	if (g->due)
		return;     /* the request already due covers this Response too */
	at = now + SOLICIT_DELAY_MS;
	if (g->sent && at < g->sent_at + SOLICIT_INTERVAL_MS)
		at = g->sent_at + SOLICIT_INTERVAL_MS;
	g->due = true;
	g->due_at = at;
}

int64_t solicit_deadline(const struct solicit *s)
{
	int64_t d = SOLICIT_NONE;

	for (unsigned i = 0; i < SOLICIT_MAX_SEGMENTS; i++)
		if (s->seg[i].used && s->seg[i].due && s->seg[i].due_at < d)
			d = s->seg[i].due_at;
	return d;
}

int solicit_next(struct solicit *s, int64_t now, uint16_t *port, uint16_t *vlan_tci, uint8_t *id)
{
	for (unsigned i = 0; i < SOLICIT_MAX_SEGMENTS; i++) {
		struct solicit_segment *g = &s->seg[i];
		if (!g->used || !g->due || g->due_at > now)
			continue;
		g->due = false;
		g->sent = true;
		g->sent_at = now;
		g->id = s->next_id++;
		s->requests++;
		*port = g->port;
		*vlan_tci = g->vlan_tci;
		*id = g->id;
		return 0;
	}
	return -EAGAIN;
}

bool solicit_answers(const struct solicit *s, uint16_t port, uint16_t vlan_tci, uint8_t id, int64_t now)
{
	for (unsigned i = 0; i < SOLICIT_MAX_SEGMENTS; i++) {
		const struct solicit_segment *g = &s->seg[i];
		if (g->used && g->port == port && g->vlan_tci == vlan_tci)
			return g->sent && g->id == id && now - g->sent_at <= SOLICIT_ANSWER_MS;
	}
	return false;
}

void solicit_forget_port(struct solicit *s, uint16_t port)
{
	for (unsigned i = 0; i < SOLICIT_MAX_SEGMENTS; i++)
		if (s->seg[i].used && s->seg[i].port == port)
			memset(&s->seg[i], 0, sizeof(s->seg[i]));
}
