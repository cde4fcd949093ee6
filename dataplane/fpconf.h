/* fpconf.h — the fast path's configuration: the `fastpath` and `quarantine`
 * sections of the menjin configuration file, parsed once into a plain struct
 * and validated as a whole. Every limit is documented in configs/menjin.conf.
 */
#ifndef MENJIN_FPCONF_H
#define MENJIN_FPCONF_H

#include <stdbool.h>
#include <stdint.h>
#include "decide.h"

#define FPCONF_MAX_PORTS     8
#define FPCONF_MAX_EAL_ARGS  32
#define FPCONF_NAME_MAX      16
#define FPCONF_STR_MAX       256

enum port_role { PORT_LAN = 0, PORT_UPLINK = 1 };

struct fpconf_port {
	char name[FPCONF_NAME_MAX];
	char devargs[FPCONF_STR_MAX];
	enum port_role role;
};

struct fpconf {
	char socket_path[FPCONF_STR_MAX];
	char capture_dir[FPCONF_STR_MAX];
	char lcores[64];
	int  neal_args;
	char eal_args[FPCONF_MAX_EAL_ARGS][FPCONF_STR_MAX];
	int  nports;
	struct fpconf_port ports[FPCONF_MAX_PORTS];
	uint32_t max_devices;        /* device table size */
	uint32_t max_acl_rules;      /* staged role ACL rules */
	uint32_t max_prefixes;       /* staged blocklist prefixes (v4 + v6) */
	uint32_t mbufs;              /* mbuf pool size */
	uint32_t punt_ring_size;     /* power of two */
	uint32_t punt_per_mac_interval_ms;
	uint32_t punt_global_per_second;
	bool hold_until_commit;      /* workers wait for the first COMMIT (golden tests) */
	enum unknown_action unknown_action;
	struct qlist qlist;
};

/* Defaults for every setting (the safe ones: unknown devices quarantined). */
void fpconf_defaults(struct fpconf *c);

/* Parse `path` into *c. On error returns -EINVAL with "file:line: setting:
 * what is wrong" in errbuf and leaves *c untouched. */
int fpconf_load(const char *path, struct fpconf *c, char *errbuf, size_t errlen);

#endif
