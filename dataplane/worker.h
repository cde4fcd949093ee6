/* worker.h — the worker lcore's loop (see worker.c). */
#ifndef MENJIN_WORKER_H
#define MENJIN_WORKER_H

struct fp;
struct fp_worker;

struct worker_arg {
	struct fp *fp;
	struct fp_worker *worker;
};

/* rte_eal_remote_launch() entry: runs until fp->quit. */
int worker_main(void *arg);

#endif
