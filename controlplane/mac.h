/* mac.h — MAC address text forms as people type them.
 *
 * Accepts aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF (Windows) and aabb.ccdd.eeff
 * (Cisco); always prints the lower-case colon form the store uses.
 */
#ifndef MENJIN_MAC_H
#define MENJIN_MAC_H

#include <stdint.h>

#define MAC_STR_LEN 18   /* "aa:bb:cc:dd:ee:ff" and NUL */

int mac_parse(const char *s, uint8_t mac[6]);    /* 0 or -EINVAL */
void mac_format(const uint8_t mac[6], char out[MAC_STR_LEN]);

#endif
