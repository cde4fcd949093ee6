/* ctl.h — the fast path's control thread (see ctl.c and fpmsg.h). */
#ifndef MENJIN_CTL_H
#define MENJIN_CTL_H

struct fp;

/* Serve the control socket until fp->quit. Returns 0 or a negative errno. */
int ctl_run(struct fp *fp);

#endif
