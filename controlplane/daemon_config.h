/* daemon_config.h — configuration versions on the running daemon: commit,
 * commit confirmed, confirm and the rollback that follows a missed confirm.
 *
 * A `commit confirmed` records its version as pending with a deadline
 * (config_versions.confirm_by in the store). Until config.confirm, a timer
 * waits for the deadline; when it passes, menjind writes the previous
 * version's text back to the file and applies it (menjind_apply), the
 * pending version becomes "rolled back" and a config.rollback event says
 * so. The deadline is in the store, so a restart keeps it: at start a
 * deadline already passed rolls back at once, otherwise the timer waits
 * for the remainder.
 */
#ifndef MENJIN_DAEMON_CONFIG_H
#define MENJIN_DAEMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define DAEMON_CONFIG_CONFIRM_MIN   1     /* minutes a commit confirmed may wait */
#define DAEMON_CONFIG_CONFIRM_MAX   60

struct menjind;

/* What to do about a pending version (pure). */
enum daemon_config_pending {
	DAEMON_CONFIG_NOTHING = 0,      /* nothing waits */
	DAEMON_CONFIG_WAIT,             /* arm the timer for *wait_s seconds */
	DAEMON_CONFIG_ROLL_BACK,        /* the deadline passed: roll back now */
};
enum daemon_config_pending daemon_config_decide(int64_t now, int64_t confirm_by, int64_t *wait_s);

/* "path:12: roles: ..." as the administrator edits it: "line 12: roles: ..."
 * (pure; other messages are copied). */
void daemon_config_line_error(const char *path, const char *err, char *out, size_t outlen);

/* SHA-256 of text as 64 hex digits (the configuration's sha256). */
void daemon_config_sha256(const char *text, char out[65]);

/* After start and after every applied configuration: arm or disarm the
 * timer for the pending version; at start, roll back at once when its
 * deadline passed while menjind was down. */
void daemon_config_check(struct menjind *d);

/* Keep the pending version: 0 and its number, or -ENOENT when nothing waits. */
int daemon_config_confirm(struct menjind *d, const char *who, int64_t *version, char *err, size_t errlen);

/* Go back from the pending version to the one before it now. */
int daemon_config_rollback(struct menjind *d, char *err, size_t errlen);

void daemon_config_stop(struct menjind *d);

#endif
