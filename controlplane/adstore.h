/* adstore.h — the AD snapshot in SQLite, so a restart starts from it.
 *
 * Tables of this concern only (ad_snapshot, ad_objects, ad_member_of), in
 * the same database file as the device store (store.h), created when
 * missing. The file is opened for each call: the engine saves from its
 * worker thread, and a connection is never shared between threads.
 *
 * A save replaces the stored snapshot in one transaction, so what a later
 * load reads is always one whole snapshot.
 */
#ifndef MENJIN_ADSTORE_H
#define MENJIN_ADSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "adsync.h"

#define ADSTORE_SCHEMA_VERSION  1
#define ADSTORE_BUSY_TIMEOUT_MS 5000    /* the device store may be writing */

/* Store s. With meta_only, only the snapshot's source and times are written
 * (an incremental sync that changed nothing); the objects stay. */
int adstore_save(const char *path, const struct ad_snapshot *s, bool meta_only, char *err,
		 size_t errlen);
/* The stored snapshot, or -ENOENT when none was saved. */
int adstore_load(const char *path, struct ad_snapshot **out, char *err, size_t errlen);

#endif
