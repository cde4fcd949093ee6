/* rfc3339.h — internet timestamps (RFC 3339) as signed bundles, STIX
 * objects and shared blocks carry them.
 *
 * Pure: no time zone database, no locale. Parsing accepts
 * "2026-11-25T12:00:00Z", fractions of a second (dropped), lower-case t/z
 * and numeric offsets ("+08:00"); the result is Unix seconds (UTC).
 */
#ifndef MENJIN_RFC3339_H
#define MENJIN_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_LEN   21   /* "2026-11-25T12:00:00Z" and NUL */

/* The whole string must be one timestamp. 0, or -EINVAL (malformed or a
 * field out of range: month 13, 31 February, hour 24). Years 1970..9999. */
int rfc3339_parse(const char *s, int64_t *unix_sec);

/* "2026-11-25T12:00:00Z" */
void rfc3339_format(int64_t unix_sec, char out[RFC3339_LEN]);

#endif
