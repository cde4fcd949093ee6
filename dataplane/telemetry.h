/* telemetry.h — register the fast path's DPDK telemetry commands. */
#ifndef MENJIN_TELEMETRY_H
#define MENJIN_TELEMETRY_H

struct fp;

int telemetry_register(const struct fp *fp);

#endif
