/* posture_test.c — from scans to a verdict per host: what counts, the
 * latest scan by end-time, staleness, required items, host matching,
 * overrides, the reason text, the policy it feeds, and the KPI table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "posture.h"

#define DAY 86400
#define NOW 1795608000LL            /* 2026-11-25T12:00:00Z */
#define SCANNED (NOW - 5 * DAY)     /* 2026-11-20 */
#define BENCH "xccdf_tw.gov.nccst_benchmark_TWGCB-01"

static char err[POSTURE_SPOOL_ERR_PLACEHOLDER_SIZE_NOT_USED + 256];
