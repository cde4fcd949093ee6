/* telemetry.c — the fast path's counters through DPDK telemetry, so that
 * `dpdk-telemetry.py` (and any telemetry client) can read them:
 *   /menjin/stats     every named counter ('.' in names becomes '_')
 *   /menjin/ports     port names and roles
 */
#include <rte_telemetry.h>

#include "fp.h"
#include "telemetry.h"

/* DPDK 22.11 telemetry callbacks take no argument: the fast path is set
 * once before registration and only read afterwards. */
static const struct fp *telemetry_fp;

/* Telemetry dictionary keys allow letters, digits, '_' and '/' only. */
static void add_counter(void *arg, const char *name, uint64_t value)
{
	char key[RTE_TEL_MAX_STRING_LEN];
	size_t i;

	for (i = 0; i < sizeof(key) - 1 && name[i]; i++)
		key[i] = name[i] == '.' ? '_' : name[i];
	key[i] = 0;
	rte_tel_data_add_dict_u64(arg, key, value);
}

static int on_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	/* the telemetry thread must not touch the published tables */
	fp_counters_foreach(telemetry_fp, false, add_counter, d);
	return 0;
}

static int on_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (int p = 0; p < telemetry_fp->nports; p++)
		rte_tel_data_add_dict_string(d, telemetry_fp->ports[p].name,
					     telemetry_fp->ports[p].role == PORT_LAN ? "lan" : "uplink");
	return 0;
}

int telemetry_register(const struct fp *fp)
{
	int rc;

	telemetry_fp = fp;
	rc = rte_telemetry_register_cmd("/menjin/stats", on_stats,
					"menjin fast path counters. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/menjin/ports", on_ports,
						"menjin fast path ports and their roles. No parameters");
	return rc;
}
