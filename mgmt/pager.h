/* pager.h — menjin-cli's output: straight to stdout, or a screenful at a time.
 *
 * Long output pages only when both stdout and stdin are a terminal (there
 * is someone to press a key); scripts and pipes get everything at once.
 * The pager is built in rather than less(1): a pager that can open files
 * and run commands has no place in a restricted administrator's shell.
 */
#ifndef MENJIN_PAGER_H
#define MENJIN_PAGER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* Columns of the terminal on stdout; CLI_WIDTH_DEFAULT when not a terminal. */
unsigned pager_width(void);
/* Can output page at all (stdin and stdout are terminals)? */
bool pager_possible(void);
/* Write text; page it when `page` and it is longer than the screen. 0, or
 * -EPIPE when stdout is gone; the user quitting the pager is not an error. */
int pager_write(const char *text, size_t len, bool page, const volatile sig_atomic_t *stop);
/* Write all of it to fd (retrying short writes). */
int write_all(int fd, const char *p, size_t len);

#endif
