/* main.c — menjin-fp: the DPDK fast path between the office LAN and the uplink.
 *
 *   menjin-fp [-c CONFIG] [--check] [-- EXTRA EAL ARGUMENTS]
 *
 * Reads the `fastpath` and `quarantine` sections of the configuration,
 * starts DPDK on the configured lcores and ports, launches one worker per
 * worker lcore and serves the control socket on the main lcore.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "ctl.h"
#include "fp.h"
#include "fpconf.h"
#include "telemetry.h"
#include "worker.h"

#define RTE_LOGTYPE_FP RTE_LOGTYPE_USER2
#define log_fp(level, fmt, ...) RTE_LOG(level, FP, "fp: " fmt "\n", ##__VA_ARGS__)

#define RX_DESC 1024
#define TX_DESC 1024
#define INJECT_RING_SIZE 1024
#define CAPTURE_RING_SIZE 4096

static struct fp *signal_fp;

static void on_signal(int sig)
{
	(void)sig;
	if (signal_fp)
		signal_fp->quit = true;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-c CONFIG] [--check] [-- EAL ARGS]\n"
		"  -c CONFIG   configuration file (default /etc/menjin/menjin.conf)\n"
		"  --check     validate the configuration and exit\n", prog);
}

/* EAL arguments: lcores, the configured extra arguments, one --vdev or -a
 * per port, then whatever followed "--" on our command line. */
static int build_eal_argv(const struct fpconf *c, char *prog, int extra_argc, char **extra_argv,
			  char **out, int max)
{
	int n = 0;

	out[n++] = prog;
	out[n++] = "-l";
	out[n++] = (char *)c->lcores;
	for (int i = 0; i < c->neal_args && n < max - 2; i++)
		out[n++] = (char *)c->eal_args[i];
	for (int i = 0; i < c->nports && n < max - 2; i++) {
		out[n++] = strncmp(c->ports[i].devargs, "net_", 4) == 0 ? "--vdev" : "-a";
		out[n++] = (char *)c->ports[i].devargs;
	}
	for (int i = 0; i < extra_argc && n < max - 1; i++)
		out[n++] = extra_argv[i];
	out[n] = NULL;
	return n;
}

static int port_setup(struct fp *fp, int index)
{
	const struct fpconf_port *pc = &fp->conf.ports[index];
	struct fp_port *port = &fp->ports[index];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char devname[FPCONF_STR_MAX];
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	int rc;

	snprintf(devname, sizeof(devname), "%s", pc->devargs);
	devname[strcspn(devname, ",")] = 0;
	if (rte_eth_dev_get_port_by_name(devname, &port->port_id) != 0) {
		log_fp(ERR, "port %s: no DPDK device \"%s\" (devargs \"%s\")", pc->name, devname, pc->devargs);
		return -ENODEV;
	}
	memcpy(port->name, pc->name, sizeof(port->name));
	port->role = pc->role;
	rc = rte_eth_dev_info_get(port->port_id, &info);
	if (rc)
		return rc;
	if (info.max_rx_queues < fp->nworkers || info.max_tx_queues < fp->nworkers) {
		log_fp(ERR, "port %s: %u workers need %u queues, the device has %u (af_packet: qpairs=%u)",
		       pc->name, fp->nworkers, fp->nworkers, info.max_rx_queues, fp->nworkers);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port->port_id, fp->nworkers, fp->nworkers, &conf);
	if (!rc)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port->port_id, &nrx, &ntx);
	for (unsigned q = 0; !rc && q < fp->nworkers; q++) {
		rc = rte_eth_rx_queue_setup(port->port_id, q, nrx, rte_eth_dev_socket_id(port->port_id),
					    NULL, fp->pool);
		if (!rc)
			rc = rte_eth_tx_queue_setup(port->port_id, q, ntx,
						    rte_eth_dev_socket_id(port->port_id), NULL);
	}
	if (!rc)
		rc = rte_eth_dev_start(port->port_id);
	if (rc) {
		log_fp(ERR, "port %s: setup failed: %s", pc->name, rte_strerror(-rc));
		return rc;
	}
	/* a bump in the wire forwards every frame, whatever its destination */
	rte_eth_promiscuous_enable(port->port_id);
	rte_eth_macaddr_get(port->port_id, &port->mac);
	log_fp(INFO, "port %s (%s) is DPDK port %u, %u queue(s)", pc->name,
	       pc->role == PORT_LAN ? "lan" : "uplink", port->port_id, fp->nworkers);
	return 0;
}

static int fp_init(struct fp *fp)
{
	int socket = (int)rte_socket_id();
	char name[32];
	unsigned w = 0, lcore;

	fp->tsc_hz = rte_get_tsc_hz();
	fp->nworkers = rte_lcore_count() - 1;
	if (fp->nworkers < 1 || fp->nworkers > FP_MAX_WORKERS) {
		log_fp(ERR, "fastpath.lcores \"%s\": %u lcores; need 2..%d (one control, the rest workers)",
		       fp->conf.lcores, rte_lcore_count(), FP_MAX_WORKERS + 1);
		return -EINVAL;
	}
	fp->pool = rte_pktmbuf_pool_create("mbufs", fp->conf.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!fp->pool) {
		log_fp(ERR, "mbuf pool of %u: %s", fp->conf.mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	fp->nports = fp->conf.nports;
	for (int p = 0; p < fp->nports; p++) {
		int rc = port_setup(fp, p);

		if (rc)
			return rc;
		if (fp->ports[p].role == PORT_UPLINK)
			fp->uplink = p;
	}
	fp->qsv = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(fp->nworkers), RTE_CACHE_LINE_SIZE);
	if (!fp->qsv || rte_rcu_qsbr_init(fp->qsv, fp->nworkers))
		return -ENOMEM;
	fp->devtab = devtab_create("devices", fp->conf.max_devices, socket, fp->qsv);
	if (!fp->devtab) {
		log_fp(ERR, "device table of %u: %s", fp->conf.max_devices, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	fp->workers = rte_zmalloc("workers", fp->nworkers * sizeof(*fp->workers), RTE_CACHE_LINE_SIZE);
	if (!fp->workers)
		return -ENOMEM;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct fp_worker *wk = &fp->workers[w];

		wk->index = w;
		wk->lcore_id = lcore;
		snprintf(name, sizeof(name), "inject%u", w);
		wk->inject_ring = rte_ring_create(name, INJECT_RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		wk->dev = rte_zmalloc("dev_counters", devtab_capacity(fp->devtab) * sizeof(*wk->dev),
				      RTE_CACHE_LINE_SIZE);
		if (!wk->inject_ring || !wk->dev)
			return -ENOMEM;
		w++;
	}
	fp->punt_ring = rte_ring_create("punt", fp->conf.punt_ring_size, socket, RING_F_SC_DEQ);
	fp->capture_ring = rte_ring_create("capture", CAPTURE_RING_SIZE, socket, RING_F_SC_DEQ);
	fp->tables = fp_tables_new(fp->nworkers, 0, 0);
	if (!fp->punt_ring || !fp->capture_ring || !fp->tables)
		return -ENOMEM;
	fp->held = fp->conf.hold_until_commit;
	return 0;
}

static void fp_fini(struct fp *fp)
{
	for (int p = 0; p < fp->nports; p++) {
		rte_eth_dev_stop(fp->ports[p].port_id);
		rte_eth_dev_close(fp->ports[p].port_id);
	}
	fp_tables_free(fp->tables, fp->nworkers);
	devtab_free(fp->devtab);
	if (fp->workers)
		for (unsigned w = 0; w < fp->nworkers; w++) {
			rte_ring_free(fp->workers[w].inject_ring);
			rte_free(fp->workers[w].dev);
		}
	rte_free(fp->workers);
	rte_ring_free(fp->punt_ring);
	rte_ring_free(fp->capture_ring);
	rte_free(fp->qsv);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = "/etc/menjin/menjin.conf";
	static struct fp fp;
	char err[512];
	char *eal_argv[FPCONF_MAX_EAL_ARGS + 2 * FPCONF_MAX_PORTS + 64];
	bool check = false;
	struct worker_arg args[FP_MAX_WORKERS];
	int opt, eal_argc, rc;
	unsigned lcore, w = 0;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'C': check = true; break;
		default: usage(argv[0]); return opt == 'h' ? 0 : 2;
		}
	}
	if (fpconf_load(config, &fp.conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "menjin-fp: configuration refused: %s\n", err);
		return 1;
	}
	if (check) {
		printf("menjin-fp: %s is valid: %d ports, %u devices\n", config, fp.conf.nports, fp.conf.max_devices);
		return 0;
	}
	eal_argc = build_eal_argv(&fp.conf, argv[0], argc - optind, argv + optind, eal_argv,
				  (int)RTE_DIM(eal_argv));
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "menjin-fp: DPDK EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	signal_fp = &fp;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	rc = fp_init(&fp);
	if (rc) {
		fprintf(stderr, "menjin-fp: start-up failed: %s\n", strerror(-rc));
		fp_fini(&fp);
		rte_eal_cleanup();
		return 1;
	}
	if (telemetry_register(&fp) != 0)
		log_fp(WARNING, "telemetry commands not registered");
	RTE_LCORE_FOREACH_WORKER(lcore) {
		args[w] = (struct worker_arg){ .fp = &fp, .worker = &fp.workers[w] };
		rte_eal_remote_launch(worker_main, &args[w], lcore);
		w++;
	}
	log_fp(NOTICE, "forwarding: %d ports, %u workers, %u device slots%s", fp.nports, fp.nworkers,
	       devtab_capacity(fp.devtab), fp.held ? ", holding until the first COMMIT" : "");
	rc = ctl_run(&fp);
	fp.quit = true;
	rte_eal_mp_wait_lcore();
	fp_fini(&fp);
	rte_eal_cleanup();
	log_fp(NOTICE, "stopped");
	return rc ? 1 : 0;
}
