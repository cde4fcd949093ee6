/* capture.h — capture of received frames on one port to a pcap file.
 *
 * The control thread compiles the filter with libpcap's BPF compiler and
 * publishes an immutable struct capture_filter; workers that receive on that
 * port run the filter and copy matching frames to the capture ring; the
 * control thread writes them with pcap_dump (files open in Wireshark/tshark)
 * and ends the capture after `count` frames or on shutdown.
 */
#ifndef MENJIN_CAPTURE_H
#define MENJIN_CAPTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>

struct fp;

struct capture_filter {
	uint16_t port_index;            /* index into fp->ports */
	bool has_program;
	struct bpf_program program;
};

/* Worker side: does this frame go to the capture? No allocation, no locks. */
static inline bool capture_match(const struct capture_filter *c, const struct rte_mbuf *m)
{
	struct pcap_pkthdr h = { .caplen = rte_pktmbuf_data_len(m), .len = rte_pktmbuf_pkt_len(m) };

	if (!c->has_program)
		return true;
	return pcap_offline_filter(&c->program, &h, rte_pktmbuf_mtod(m, const u_char *)) != 0;
}

/* Control side. Start a capture; -EBUSY when one runs, -EINVAL with a
 * message for a bad port, name or filter. `name` is a file name (no '/')
 * created in the configured capture directory; the full path is returned. */
int capture_start(struct fp *fp, uint16_t port_index, const char *filter, uint32_t count,
		  const char *name, char *path_out, size_t pathlen, char *errbuf, size_t errlen);

/* Drain the capture ring into the file. Returns 1 when the capture just
 * finished (count reached), filling `done` with a line for the EVENT. */
int capture_poll(struct fp *fp, char *done, size_t donelen);

/* Stop and close (shutdown). */
void capture_stop(struct fp *fp);

#endif
