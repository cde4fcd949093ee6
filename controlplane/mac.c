/* mac.c — MAC address parsing and printing (see mac.h). */
#include "mac.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	size_t len = strlen(s);
	int nib[12], n = 0;

	if (len == 17) {                /* xx:xx:xx:xx:xx:xx or xx-xx-... */
		char sep = s[2];
		if (sep != ':' && sep != '-')
			return -EINVAL;
		for (size_t i = 0; i < len; i++) {
			if (i % 3 == 2) {
				if (s[i] != sep)
					return -EINVAL;
				continue;
			}
			if ((nib[n++] = hexval(s[i])) < 0)
				return -EINVAL;
		}
	} else if (len == 14) {         /* xxxx.xxxx.xxxx */
		for (size_t i = 0; i < len; i++) {
			if (i % 5 == 4) {
				if (s[i] != '.')
					return -EINVAL;
				continue;
			}
			if ((nib[n++] = hexval(s[i])) < 0)
				return -EINVAL;
		}
	} else {
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(nib[2 * i] << 4 | nib[2 * i + 1]);
	return 0;
}

void mac_format(const uint8_t mac[6], char out[MAC_STR_LEN])
{
	snprintf(out, MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}
