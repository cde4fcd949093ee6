/* capture.c — the control side of a capture: compile, publish, write, stop. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <rte_malloc.h>

#include "capture.h"
#include "fp.h"

#define CAPTURE_SNAPLEN  65535

struct capture_session {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	uint32_t wanted, written;
	char path[FPCONF_STR_MAX + 64];
};

static bool name_ok(const char *name)
{
	if (!name[0] || name[0] == '.' || strlen(name) > 63)
		return false;
	for (const char *c = name; *c; c++)
		if (!(*c == '-' || *c == '_' || *c == '.' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			return false;
	return true;
}

int capture_start(struct fp *fp, uint16_t port_index, const char *filter, uint32_t count,
		  const char *name, char *path_out, size_t pathlen, char *errbuf, size_t errlen)
{
	struct capture_session *s;
	struct capture_filter *f;

	if (fp->capture_session) {
		snprintf(errbuf, errlen, "a capture to %s is running", fp->capture_session->path);
		return -EBUSY;
	}
	if (port_index >= fp->nports) {
		snprintf(errbuf, errlen, "no port %u (the fast path has %d)", port_index, fp->nports);
		return -EINVAL;
	}
	if (!name_ok(name)) {
		snprintf(errbuf, errlen, "capture file name \"%s\": use letters, digits, '-', '_' and '.'", name);
		return -EINVAL;
	}
	if (count == 0 || count > 1000000) {
		snprintf(errbuf, errlen, "capture count %u: must be 1..1000000", count);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	f = rte_zmalloc("capture_filter", sizeof(*f), 0);
	if (!s || !f) {
		free(s);
		rte_free(f);
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	s->dead = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN);
	f->port_index = port_index;
	if (filter && filter[0]) {
		if (pcap_compile(s->dead, &f->program, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(errbuf, errlen, "capture filter \"%s\": %s", filter, pcap_geterr(s->dead));
			goto fail;
		}
		f->has_program = true;
	}
	mkdir(fp->conf.capture_dir, 0750);
	snprintf(s->path, sizeof(s->path), "%s/%s", fp->conf.capture_dir, name);
	s->dumper = pcap_dump_open(s->dead, s->path);
	if (!s->dumper) {
		snprintf(errbuf, errlen, "capture file %s: %s", s->path, pcap_geterr(s->dead));
		goto fail;
	}
	s->wanted = count;
	fp->capture_session = s;
	snprintf(path_out, pathlen, "%s", s->path);
	__atomic_store_n(&fp->capture, f, __ATOMIC_RELEASE);
	return 0;
fail:
	if (f->has_program)
		pcap_freecode(&f->program);
	rte_free(f);
	pcap_close(s->dead);
	free(s);
	return -EINVAL;
}

static void capture_end(struct fp *fp)
{
	struct capture_session *s = fp->capture_session;
	struct capture_filter *f = fp->capture;
	struct rte_mbuf *m;

	__atomic_store_n(&fp->capture, NULL, __ATOMIC_RELEASE);
	rte_rcu_qsbr_synchronize(fp->qsv, RTE_QSBR_THRID_INVALID);
	while (rte_ring_sc_dequeue(fp->capture_ring, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	if (f) {
		if (f->has_program)
			pcap_freecode(&f->program);
		rte_free(f);
	}
	if (s) {
		pcap_dump_close(s->dumper);
		pcap_close(s->dead);
		free(s);
	}
	fp->capture_session = NULL;
}

int capture_poll(struct fp *fp, char *done, size_t donelen)
{
	struct capture_session *s = fp->capture_session;
	struct rte_mbuf *m[64];
	unsigned n;

	if (!s)
		return 0;
	n = rte_ring_sc_dequeue_burst(fp->capture_ring, (void **)m, RTE_DIM(m), NULL);
	for (unsigned i = 0; i < n; i++) {
		if (s->written < s->wanted) {
			struct pcap_pkthdr h;
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			h.ts.tv_sec = ts.tv_sec;
			h.ts.tv_usec = ts.tv_nsec / 1000;
			h.len = rte_pktmbuf_pkt_len(m[i]);
			h.caplen = rte_pktmbuf_data_len(m[i]);
			pcap_dump((u_char *)s->dumper, &h, rte_pktmbuf_mtod(m[i], const u_char *));
			s->written++;
		}
		rte_pktmbuf_free(m[i]);
	}
	if (s->written < s->wanted)
		return 0;
	snprintf(done, donelen, "capture done %s %u frames", s->path, s->written);
	capture_end(fp);
	return 1;
}

void capture_stop(struct fp *fp)
{
	if (fp->capture_session || fp->capture)
		capture_end(fp);
}
