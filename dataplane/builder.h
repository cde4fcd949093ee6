/* builder.h — policy tables built aside, off the control thread.
 *
 * A COMMIT of a large blocklist takes seconds to build; the control thread
 * must keep forwarding punts (EAPOL handshakes) and serving DEVICE_SET
 * meanwhile. A build copies the staged inputs, runs in a DPDK control thread
 * and is collected by the control thread, which alone publishes tables.
 */
#ifndef MENJIN_BUILDER_H
#define MENJIN_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blocklist.h"
#include "role_acl.h"

struct table_build;

struct table_build_input {
	bool acl;                           /* rebuild the role ACLs */
	const struct role_acl_spec *rules;
	unsigned nrules;
	const int8_t *defaults;             /* [FPMSG_MAX_ROLES] */
	bool blocklist;                     /* rebuild the blocklist */
	const struct fpmsg_prefix *prefixes;
	unsigned nprefixes;
	int socket_id;
};

/* Copy the inputs and start building. NULL with a message on failure. */
struct table_build *table_build_start(const struct table_build_input *in, char *err, size_t errlen);
bool table_build_done(const struct table_build *b);
/* Wait for the build, hand over what it built (NULL for a part that was not
 * rebuilt) and free the job. 0, or -EINVAL with the reason. */
int table_build_finish(struct table_build *b, struct role_acl **acl, struct blocklist **bl,
		       char *err, size_t errlen);

#endif
