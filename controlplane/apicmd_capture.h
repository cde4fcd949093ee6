/* apicmd_capture.h — capture.start: a pcap of one fast path port.
 *
 * menjind names the file ("PORT-YYYYMMDDTHHMMSS-mmm.pcap"), asks the fast
 * path (FPMSG_CAPTURE, fpchan_capture) and answers once the fast path has
 * accepted or refused it; the frames then go to fastpath.capture_dir, and
 * a `fastpath.event` "capture done PATH N frames" says when it is closed.
 */
#ifndef MENJIN_APICMD_CAPTURE_H
#define MENJIN_APICMD_CAPTURE_H

#include <jansson.h>
#include <stddef.h>

#define APICMD_CAPTURE_DEFAULT  100
#define APICMD_CAPTURE_MAX      100000    /* frames in one capture */
#define APICMD_CAPTURE_NAME_MAX 64        /* the fast path's limit on a file name, with the NUL */

struct menjind;
struct api_caller;

int apicmd_capture_start(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			 char *err, size_t errlen);

/* "lan0-20261125T120000-042.pcap" for port name and a time in ms (pure);
 * characters a file name must not have become '_'. */
void apicmd_capture_name(const char *port, int64_t now_ms, char out[APICMD_CAPTURE_NAME_MAX]);

#endif
