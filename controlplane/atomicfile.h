/* atomicfile.h — files that are either the old or the new version, never
 * half of one: the last good bundle and feeds, shared blocks, the spool.
 *
 * atomicfile_write() writes a temporary file beside the target, fsyncs it,
 * renames it over the target and fsyncs the directory, so a power cut
 * leaves the previous copy or the new one. atomicfile_read() refuses
 * files larger than the caller's limit before reading them.
 */
#ifndef MENJIN_ATOMICFILE_H
#define MENJIN_ATOMICFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* 0 or a negative errno. The directory must exist. */
int atomicfile_write(const char *path, const void *buf, size_t len, mode_t mode);

/* Read the whole file into a malloc'ed buffer (NUL-terminated, the NUL not
 * counted in len). -ENOENT when missing, -EFBIG when larger than max. */
int atomicfile_read(const char *path, size_t max, uint8_t **buf, size_t *len);

/* mkdir -p for one or two levels we own (state and spool directories). */
int atomicfile_mkdir(const char *dir, mode_t mode);

#endif
