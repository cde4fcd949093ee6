/* blocklist.h — threat-feed prefixes (rte_fib for IPv4, rte_lpm6 + a /128 hash for IPv6).
 *
 * Built aside from the staged prefixes, swapped in by pointer, immutable once
 * built. The next hop of each route is the prefix's index + 1 in the build
 * array, so hits can be counted per indicator.
 */
#ifndef MENJIN_BLOCKLIST_H
#define MENJIN_BLOCKLIST_H

#include <stdint.h>
#include "fpmsg.h"

struct blocklist;

/* Memory bounds (a tbl8 group is 1 KiB). IPv4: one group per distinct /24
 * holding a prefix longer than /24. IPv6: one group per distinct byte-aligned
 * path node below /24 of prefixes /25../127 (/128 entries go to a hash). A
 * build that needs more is refused with a message. */
#define BLOCKLIST_MAX_TBL8_4  65536
#define BLOCKLIST_MAX_TBL8_6  (1u << 19)

/* Returns NULL with a message in errbuf. Duplicate prefixes are fine (the
 * last one's index wins). An empty list is valid. */
struct blocklist *blocklist_build(const char *name, const struct fpmsg_prefix *prefixes, unsigned n,
				  int socket_id, char *errbuf, size_t errlen);
void blocklist_free(struct blocklist *b);

/* IPv4, host-order addresses; hit[i] = index of the prefix + 1, or 0. n <= 64. */
void blocklist_lookup4(const struct blocklist *b, const uint32_t *addrs, unsigned n, uint32_t *hit);
/* IPv6, one address; returns index + 1 or 0. */
uint32_t blocklist_lookup6(const struct blocklist *b, const uint8_t addr[16]);

unsigned blocklist_count(const struct blocklist *b);
uint32_t blocklist_prefix_id(const struct blocklist *b, uint32_t index);

#endif
