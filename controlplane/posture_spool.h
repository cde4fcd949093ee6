/* posture_spool.h — the posture spool folder: files in, posture data out.
 *
 * Scanners and the GCB audit platform drop result files into one folder
 * (posture_fetch.c writes what it downloads there too). Each new file is
 * read whole, told apart by content (XML: XCCDF 1.2 / ARF via xccdf.c;
 * otherwise the GCB CSV export via gcbcsv.c), validated as a whole and
 * applied to the posture database all or nothing:
 *
 *   accepted  moved to accepted/ under "<time>-<name>"; at start
 *             posture_spool_reload() applies them again in that order, so
 *             the last good data survives a restart. The oldest beyond
 *             POSTURE_SPOOL_KEEP are deleted.
 *   refused   moved to rejected/<name>, with rejected/<name>.err naming the
 *             fault ("gcb.csv: line 7: 4 fields, the header has 5"); the
 *             posture data stays as it was.
 *
 * Writers should write under a name starting with '.' or ending in .tmp or
 * .part and rename it when complete; those are never read. A file changed
 * in the last POSTURE_SPOOL_SETTLE seconds waits for the next pass, so a
 * slow copy is not refused half-written.
 *
 * posture_spool_scan() is one pass over the folder with an explicit "now"
 * (tests call it directly); posture_spool_attach() runs passes from the
 * event loop on inotify events and every POSTURE_SPOOL_RESCAN seconds.
 */
#ifndef MENJIN_POSTURE_SPOOL_H
#define MENJIN_POSTURE_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include "posture.h"
#include "xccdf.h"

#define POSTURE_SPOOL_MAX_FILE   XCCDF_MAX_SIZE  /* bytes of one file (CSV: GCBCSV_MAX_SIZE) */
#define POSTURE_SPOOL_MAX_FILES  256             /* files handled in one pass; the rest next pass */
#define POSTURE_SPOOL_SETTLE     2               /* seconds a file must have been left alone */
#define POSTURE_SPOOL_RESCAN     30              /* seconds between passes without inotify events */
#define POSTURE_SPOOL_KEEP       1000            /* files kept in accepted/ and in rejected/ */
#define POSTURE_SPOOL_NAME_MAX   128             /* longer file names are refused */
#define POSTURE_SPOOL_ERR_MAX    512             /* the text of one refusal */

/* Read one document, whatever its format: XML (after an optional UTF-8
 * byte order mark and white space) goes to xccdf_parse(), anything else to
 * gcbcsv_parse(). Pure: no I/O. Returns what those return. */
int posture_parse(const char *buf, size_t len, const char *name, struct scan_report *out,
		  char *err, size_t errlen);

struct posture_spool;
struct event_base;

/* After each file: rc 0 applied, or the negative errno and the refusal
 * text. menjind re-evaluates its devices when posture_db_generation()
 * moved, and emits an event per file. */
typedef void (*posture_spool_cb)(void *ctx, const char *file, int rc, const char *msg);

struct posture_spool_result {
	unsigned applied;       /* accepted and applied */
	unsigned rejected;      /* moved to rejected/ */
	unsigned deferred;      /* still settling, or over POSTURE_SPOOL_MAX_FILES */
	unsigned failed;        /* could not be handled now (I/O, memory): left in place */
};

/* Open the folder (it must exist) and create accepted/ and rejected/ in it.
 * The database is the caller's and must outlive the spool. */
int posture_spool_open(const char *dir, struct posture_db *db, struct posture_spool **out,
		       char *err, size_t errlen);
void posture_spool_close(struct posture_spool *sp);
void posture_spool_set_callback(struct posture_spool *sp, posture_spool_cb cb, void *ctx);

/* Apply accepted/ again, oldest first (at start, on an empty database). */
int posture_spool_reload(struct posture_spool *sp, int64_t now, struct posture_spool_result *res);
/* One pass over the folder. res may be NULL. 0 or a negative errno when
 * the folder itself cannot be read. */
int posture_spool_scan(struct posture_spool *sp, int64_t now, struct posture_spool_result *res);

/* Passes from the event loop: on inotify events (after the settle time)
 * and every POSTURE_SPOOL_RESCAN seconds. */
int posture_spool_attach(struct posture_spool *sp, struct event_base *base);

#endif
