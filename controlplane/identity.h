/* identity.h — which AD computer object a device (a MAC) is.
 *
 * Pure: reads what the device claimed and an AD snapshot, says which
 * computer it is, by which claim and which attribute matched. All name
 * comparisons are case-insensitive (AD compares them so).
 *
 * Claims, strongest first:
 *   1. the 802.1X identity of a successful machine authentication:
 *      "host/NAME.domain" (PEAP, EAP-TLS machine auth) matches dNSHostName,
 *      or NAME$ by sAMAccountName when the domain is the AD domain;
 *      "NAME$", "DOMAIN\NAME$", "NAME$@REALM" match sAMAccountName;
 *   2. the DHCP client FQDN (option 81) matches dNSHostName;
 *   3. the DHCP host name (option 12) matches sAMAccountName (NAME$), else
 *      the first label of exactly one dNSHostName.
 * A DHCP claim is the device's word only: the binding reports its source so
 * that policy and the administrator can tell the two apart. When a stronger
 * and a weaker claim disagree the stronger wins and the note says so.
 */
#ifndef MENJIN_IDENTITY_H
#define MENJIN_IDENTITY_H

#include <stdint.h>

#include "adsync.h"
#include "policy.h"

#define IDENTITY_CLAIM_MAX  256
#define IDENTITY_NOTE_MAX   384

enum identity_source {
	IDENTITY_NONE = 0,
	IDENTITY_DOT1X_HOST,        /* 802.1X "host/NAME.domain" */
	IDENTITY_DOT1X_ACCOUNT,     /* 802.1X "NAME$" */
	IDENTITY_DHCP_FQDN,         /* DHCP option 81 */
	IDENTITY_DHCP_HOSTNAME,     /* DHCP option 12 */
	IDENTITY__MAX
};

enum identity_attr {
	IDENTITY_ATTR_NONE = 0,
	IDENTITY_ATTR_DNS_HOST_NAME,        /* dNSHostName, whole */
	IDENTITY_ATTR_SAM_ACCOUNT_NAME,     /* sAMAccountName */
	IDENTITY_ATTR_DNS_FIRST_LABEL,      /* dNSHostName's first label, unique */
};

/* What the device said. NULL or "" means not claimed. dot1x must be the
 * identity of a successful authentication only. */
struct identity_claims {
	const char *dot1x;
	const char *dhcp_fqdn;
	const char *dhcp_hostname;
};

struct identity_binding {
	enum identity_source source;        /* IDENTITY_NONE: not bound */
	enum identity_attr   attr;
	uint8_t  guid[16];                  /* the computer's objectGUID */
	const struct ad_computer *computer; /* in the snapshot given; NULL if not bound */
	char     claim[IDENTITY_CLAIM_MAX]; /* the claimed value that matched */
	char     note[IDENTITY_NOTE_MAX];   /* why nothing matched, or a disagreement */
};

/* Bind. 0 when a computer matched, -ENOENT when none did (note says why). */
int identity_bind(const struct ad_snapshot *s, const struct identity_claims *c,
		  struct identity_binding *b);

/* "host/pc01.menjin.test" -> name "pc01", domain "menjin.test";
 * "MENJIN\PC01$" -> "PC01", ""; "PC01$@MENJIN.TEST" -> "PC01", "MENJIN.TEST".
 * -EINVAL when id is not a machine identity (a user, or malformed). */
int identity_parse_machine(const char *id, char *name, size_t namelen, char *domain,
			   size_t domainlen, enum identity_source *kind);

/* Fill the AD slots of f from a binding, read in snapshot s (the computer is
 * found again by guid, so a binding made on an older snapshot is fine):
 * account (enabled/disabled; unknown when unbound or gone) and groups
 * (resolved, by name, sorted). Returns how many groups were left out because
 * f has no room for them or their name is too long (plus one when the
 * snapshot itself cut the list). */
unsigned identity_facts(const struct ad_snapshot *s, const struct identity_binding *b,
			struct device_facts *f);

/* "dot1x-host", "dot1x-account", "dhcp-fqdn", "dhcp-hostname", "none". */
const char *identity_source_name(enum identity_source s);
/* "dNSHostName", "sAMAccountName", "dNSHostName first label", "none". */
const char *identity_attr_name(enum identity_attr a);

#endif
