/* cli_config.h — the candidate configuration of a menjin-cli `configure` session.
 *
 * `configure` fetches the running configuration's text from menjind; the
 * candidate is that text parsed with libconfig (the format menjind reads)
 * and changed by `set`, `delete` and `insert`; `show | compare` is a line
 * diff of the two, both printed by cli_config_text() so only real changes
 * show; `commit` sends the candidate's text to menjind, which validates it
 * as a whole exactly as it validates the file, and refuses it with
 * "line N: ..." of that same text. The candidate lives only in the
 * session (Juniper's "configure private"): nothing is kept by the CLI.
 *
 * Paths are the setting names, with list elements named by their `name`
 * member (`policy lab-printer verdict`) or by their position from 1
 * (`roles staff rules 2 action`). Lists of named elements (roles, policy,
 * fastpath ports) are created as lists, everything else as groups.
 *
 * Pure: text in, text out (libconfig works in memory).
 */
#ifndef MENJIN_CLI_CONFIG_H
#define MENJIN_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "cli_format.h"

#define CLI_CONFIG_TEXT_MAX    (1024 * 1024)   /* the same as menjind's CONF_FILE_MAX */
#define CLI_CONFIG_DEPTH_MAX   16
#define CLI_DIFF_CELLS_MAX     (4u * 1024 * 1024)  /* LCS table cells; larger changes print as replaced */
#define CLI_DIFF_CONTEXT       3

struct cli_config;

/* Parse a configuration text. err: "line N: what libconfig says". */
int cli_config_load(const char *text, struct cli_config **out, char *err, size_t errlen);
void cli_config_free(struct cli_config *c);

/* The whole configuration (words NULL / n 0) or the part at a path, in
 * menjin's layout: one setting per line, two-space indents. */
int cli_config_text(const struct cli_config *c, const char *const *words, unsigned n, struct cli_buf *out,
		    char *err, size_t errlen);

/* set PATH VALUE, set PATH [ V1 V2 ... ]. quoted[i]: word i was quoted (a
 * string, never a number or a boolean). */
int cli_config_set(struct cli_config *c, const char *const *words, const bool *quoted, unsigned n, char *err,
		   size_t errlen);
/* delete PATH, or delete ARRAY-PATH VALUE */
int cli_config_delete(struct cli_config *c, const char *const *words, unsigned n, char *err, size_t errlen);
/* insert LIST-PATH NAME before|after OTHER */
int cli_config_insert(struct cli_config *c, const char *const *words, unsigned n, char *err, size_t errlen);

/* Names that may follow `words` (for Tab): members of a group, element names
 * of a list. Calls add for each; returns how many. */
typedef void (*cli_config_name_fn)(void *arg, const char *name);
unsigned cli_config_names(const struct cli_config *c, const char *const *words, unsigned n, cli_config_name_fn add,
			  void *arg);

/* `| compare`: the lines of b that are not in a (+) and of a not in b (-),
 * with context and a "[edit SECTION]" line per change. Nothing when equal. */
int cli_diff(const char *a, const char *b, struct cli_buf *out);

#endif
