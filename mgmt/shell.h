/* shell.h — menjin-cli's interactive prompt (libedit).
 *
 * Emacs key bindings and history (this login only), Tab completes a
 * keyword or a word menjind knows (device MACs and names, roles, ports,
 * configuration names), `?` lists what may come next with a line of help
 * each; inside quotes or free text (a reason) `?` is just a character,
 * and Ctrl-V ? always is. Ctrl-C drops the line (or stops a monitor),
 * Ctrl-D or `exit` leaves.
 */
#ifndef MENJIN_SHELL_H
#define MENJIN_SHELL_H

#include "session.h"

#define SHELL_HISTORY 500   /* lines remembered */

/* Run until exit or end of input; returns the last command's status. */
int shell_run(struct session *s, const char *progname);

#endif
