/* posture_spool.c — spool folder of scan results (see posture_spool.h). */
#include "posture_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "gcbcsv.h"
#include "log.h"

#define CONCERN "posture"

struct posture_spool {
	char dir[256];
	int dirfd, acceptedfd, rejectedfd;
	struct posture_db *db;
	posture_spool_cb cb;
	void *cb_ctx;
	unsigned seq;                   /* tells apart files accepted in the same second */

	int inotify_fd;
	struct event *inotify_ev, *settle_ev, *rescan_ev;
};

/* ---- parsing ---------------------------------------------------------------- */

int posture_parse(const char *buf, size_t len, const char *name, struct scan_report *out,
		  char *err, size_t errlen)
{
	size_t i = 0;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	/* XML, or XML in UTF-16 (libxml2 reads its byte order mark). */
	bool xml = (i < len && buf[i] == '<') ||
		   (len >= 4 && ((memcmp(buf, "\xff\xfe<", 3) == 0) || (memcmp(buf, "\xfe\xff\0<", 4) == 0)));
	if (xml)
		return xccdf_parse(buf, len, name, out, err, errlen);
	return gcbcsv_parse(buf, len, name, out, err, errlen);
}

/* ---- files --------------------------------------------------------------------- */

static bool ignored_name(const char *name)
{
	size_t n = strlen(name);
	if (name[0] == '.' || n == 0)
		return true;                            /* ".", "..", dot files being written */
	if (name[n - 1] == '~')
		return true;
	if ((n > 4 && strcmp(name + n - 4, ".tmp") == 0) || (n > 5 && strcmp(name + n - 5, ".part") == 0))
		return true;
	return false;
}

/* Read a whole regular file: 0, or a negative errno with err set. A file
 * that is not a plain file or too big is refused before it is read. */
static int read_file(int dirfd, const char *name, char **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			snprintf(err, errlen, "%s: a symbolic link: refused", name);
		else
			snprintf(err, errlen, "%s: cannot open: %s", name, strerror(e));
		return e == ELOOP ? -EINVAL : -e;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file: refused", name);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > POSTURE_SPOOL_MAX_FILE) {
		close(fd);
		snprintf(err, errlen, "%s: %lld bytes is over the limit of %u bytes", name,
			 (long long)st.st_size, POSTURE_SPOOL_MAX_FILE);
		return -E2BIG;
	}
	size_t cap = (size_t)st.st_size, n = 0;
	char *p = malloc(cap + 1);
	if (p == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	/* Read one byte more than fstat said, to notice a file still growing. */
	for (;;) {
		ssize_t r = read(fd, p + n, cap + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(p);
			close(fd);
			snprintf(err, errlen, "%s: read: %s", name, strerror(e));
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > cap) {
			free(p);
			close(fd);
			snprintf(err, errlen, "%s: still being written", name);
			return -EAGAIN;
		}
	}
	close(fd);
	*buf = p;
	*len = n;
	return 0;
}

static int write_err_file(int dirfd, const char *name, const char *msg)
{
	char tmp[POSTURE_SPOOL_NAME_MAX + 16], final[POSTURE_SPOOL_NAME_MAX + 16];
	snprintf(tmp, sizeof(tmp), ".%s.err.tmp", name);
	snprintf(final, sizeof(final), "%s.err", name);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	size_t n = strlen(msg);
	bool ok = write(fd, msg, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
	ok = close(fd) == 0 && ok;
	if (!ok || renameat(dirfd, tmp, dirfd, final) < 0) {
		int e = errno ? errno : EIO;
		unlinkat(dirfd, tmp, 0);
		return -e;
	}
	return 0;
}

struct dir_entry {
	char name[POSTURE_SPOOL_NAME_MAX + 1];
	int64_t mtime;
};

static int cmp_dir_entry(const void *a, const void *b)
{
	const struct dir_entry *x = a, *y = b;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct dir_entry *)a)->name, ((const struct dir_entry *)b)->name);
}

/* Up to max entries of a folder that are neither ignored nor folders.
 * Names too long for the spool are listed cut, with mtime -1, so the
 * caller can refuse them. */
static int list_dir(int dirfd, struct dir_entry *v, unsigned max, unsigned *n, unsigned *more)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct dirent *de;
	*n = 0;
	*more = 0;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (ignored_name(de->d_name))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
			continue;
		if (*n >= max) {
			(*more)++;
			continue;
		}
		struct dir_entry *e = &v[(*n)++];
		snprintf(e->name, sizeof(e->name), "%.*s", POSTURE_SPOOL_NAME_MAX, de->d_name);
		e->mtime = strlen(de->d_name) > POSTURE_SPOOL_NAME_MAX ? -1 : (int64_t)st.st_mtime;
	}
	closedir(d);
	return 0;
}

/* Delete the oldest files of a folder (by name order, or mtime) beyond keep. */
static void prune(int dirfd, bool by_name)
{
	struct dir_entry *v = malloc((POSTURE_SPOOL_KEEP * 2 + 64) * sizeof(*v));
	unsigned n, more;
	if (v == NULL)
		return;
	if (list_dir(dirfd, v, POSTURE_SPOOL_KEEP * 2 + 64, &n, &more) == 0) {
		unsigned data = 0;
		qsort(v, n, sizeof(*v), by_name ? cmp_name : cmp_dir_entry);
		for (unsigned i = 0; i < n; i++)
			data += !(strlen(v[i].name) > 4 && strcmp(v[i].name + strlen(v[i].name) - 4, ".err") == 0);
		for (unsigned i = 0; i < n && data > POSTURE_SPOOL_KEEP; i++) {
			size_t len = strlen(v[i].name);
			if (len > 4 && strcmp(v[i].name + len - 4, ".err") == 0)
				continue;
			char errname[POSTURE_SPOOL_NAME_MAX + 8];
			snprintf(errname, sizeof(errname), "%s.err", v[i].name);
			unlinkat(dirfd, v[i].name, 0);
			unlinkat(dirfd, errname, 0);
			data--;
		}
	}
	free(v);
}

/* ---- one file ------------------------------------------------------------------------------ */

static void notify(struct posture_spool *sp, const char *name, int rc, const char *msg)
{
	if (sp->cb)
		sp->cb(sp->cb_ctx, name, rc, msg);
}

static void reject(struct posture_spool *sp, int fromfd, const char *name, const char *msg,
		   struct posture_spool_result *res)
{
	log_warn(CONCERN, "refused %s", msg);
	if (renameat(fromfd, name, sp->rejectedfd, name) < 0) {
		/* It cannot move: delete it rather than read it again each pass. */
		log_err(CONCERN, "%s: cannot move to rejected/: %s; deleted", name, strerror(errno));
		unlinkat(fromfd, name, 0);
	} else if (write_err_file(sp->rejectedfd, name, msg) < 0) {
		log_err(CONCERN, "%s: cannot write rejected/%s.err", name, name);
	}
	prune(sp->rejectedfd, false);
	res->rejected++;
}

/* Is this error the file's fault (refuse it) or the moment's (try again)? */
static bool file_fault(int rc)
{
	return rc == -EINVAL || rc == -E2BIG || rc == -ENOTSUP || rc == -EBADMSG;
}

static void handle(struct posture_spool *sp, int fromfd, const char *name, bool reload, int64_t now,
		   struct posture_spool_result *res)
{
	char err[POSTURE_SPOOL_ERR_MAX] = "";
	struct scan_report r;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	if (strlen(name) >= POSTURE_SPOOL_NAME_MAX) {
		snprintf(err, sizeof(err), "%.60s...: file name longer than %d bytes", name,
			 POSTURE_SPOOL_NAME_MAX - 1);
		rc = -EINVAL;
	} else if ((rc = read_file(fromfd, name, &buf, &len, err, sizeof(err))) == 0) {
		rc = posture_parse(buf, len, name, &r, err, sizeof(err));
		free(buf);
		if (rc == 0) {
			unsigned nscans = r.nscans;
			uint8_t format = r.format;
			rc = posture_db_apply(sp->db, &r, name, now, err, sizeof(err));
			if (rc == 0)
				log_info(CONCERN, "%s%s: %s, %u scan%s applied", reload ? "reloaded " : "", name,
					 scan_format_name(format), nscans, nscans == 1 ? "" : "s");
		}
		scan_report_free(&r);
	}
	if (rc == -EAGAIN) {
		res->deferred++;
		return;
	}
	if (rc < 0 && !file_fault(rc)) {
		log_err(CONCERN, "%s", err);
		res->failed++;
		notify(sp, name, rc, err);
		return;
	}
	if (rc < 0) {
		reject(sp, fromfd, name, err, res);
		notify(sp, name, rc, err);
		return;
	}
	res->applied++;
	if (!reload) {
		/* "<time>.<seq>-<name>": name order is the order of acceptance. */
		char kept[POSTURE_SPOOL_NAME_MAX + 32];
		snprintf(kept, sizeof(kept), "%011lld.%03u-%s", (long long)now, sp->seq++ % 1000, name);
		if (renameat(fromfd, name, sp->acceptedfd, kept) < 0) {
			log_err(CONCERN, "%s: applied, but cannot move to accepted/: %s; deleted", name,
				strerror(errno));
			unlinkat(fromfd, name, 0);
		}
		prune(sp->acceptedfd, true);
		/* A corrected file under the name of a refused one: the refusal is history. */
		char errname[POSTURE_SPOOL_NAME_MAX + 8];
		snprintf(errname, sizeof(errname), "%s.err", name);
		if (unlinkat(sp->rejectedfd, errname, 0) == 0)
			unlinkat(sp->rejectedfd, name, 0);
	}
	notify(sp, name, 0, "");
}

/* ---- passes -------------------------------------------------------------------------------- */

static int pass(struct posture_spool *sp, int fd, bool reload, int64_t now, struct posture_spool_result *res)
{
	struct posture_spool_result dummy;
	struct dir_entry *v;
	unsigned n, more;
	int rc;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	unsigned max = reload ? POSTURE_SPOOL_KEEP + 64 : POSTURE_SPOOL_MAX_FILES;
	if ((v = malloc(max * sizeof(*v))) == NULL)
		return -ENOMEM;
	if ((rc = list_dir(fd, v, max, &n, &more)) < 0) {
		free(v);
		log_err(CONCERN, "%s: cannot list: %s", sp->dir, strerror(-rc));
		return rc;
	}
	res->deferred += more;
	/* Oldest first (accepted/ by name: the order of acceptance). */
	qsort(v, n, sizeof(*v), reload ? cmp_name : cmp_dir_entry);
	for (unsigned i = 0; i < n; i++) {
		if (reload && strlen(v[i].name) > 4 && strcmp(v[i].name + strlen(v[i].name) - 4, ".err") == 0)
			continue;
		if (!reload && v[i].mtime > now - POSTURE_SPOOL_SETTLE) {
			res->deferred++;
			continue;
		}
		handle(sp, fd, v[i].name, reload, now, res);
	}
	free(v);
	return 0;
}

int posture_spool_scan(struct posture_spool *sp, int64_t now, struct posture_spool_result *res)
{
	return pass(sp, sp->dirfd, false, now, res);
}

int posture_spool_reload(struct posture_spool *sp, int64_t now, struct posture_spool_result *res)
{
	return pass(sp, sp->acceptedfd, true, now, res);
}

/* ---- open and close ------------------------------------------------------------------------- */

static int open_sub(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0750) < 0 && errno != EEXIST)
		return -errno;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int posture_spool_open(const char *dir, struct posture_db *db, struct posture_spool **out,
		       char *err, size_t errlen)
{
	struct posture_spool *sp = calloc(1, sizeof(*sp));
	int rc;

	if (sp == NULL) {
		snprintf(err, errlen, "%s: out of memory", dir);
		return -ENOMEM;
	}
	if (strlen(dir) >= sizeof(sp->dir)) {
		free(sp);
		snprintf(err, errlen, "spool folder name longer than %zu bytes", sizeof(sp->dir) - 1);
		return -ENAMETOOLONG;
	}
	snprintf(sp->dir, sizeof(sp->dir), "%.*s", (int)(sizeof(sp->dir)) - 1, dir);
	sp->db = db;
	sp->acceptedfd = sp->rejectedfd = sp->inotify_fd = -1;
	if ((sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		free(sp);
		return rc;
	}
	if ((sp->acceptedfd = open_sub(sp->dirfd, "accepted")) < 0 ||
	    (sp->rejectedfd = open_sub(sp->dirfd, "rejected")) < 0) {
		rc = sp->acceptedfd < 0 ? sp->acceptedfd : sp->rejectedfd;
		snprintf(err, errlen, "%s: cannot create accepted/ and rejected/: %s", dir, strerror(-rc));
		posture_spool_close(sp);
		return rc;
	}
	*out = sp;
	return 0;
}

void posture_spool_close(struct posture_spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->inotify_ev)
		event_free(sp->inotify_ev);
	if (sp->settle_ev)
		event_free(sp->settle_ev);
	if (sp->rescan_ev)
		event_free(sp->rescan_ev);
	if (sp->inotify_fd >= 0)
		close(sp->inotify_fd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	if (sp->acceptedfd >= 0)
		close(sp->acceptedfd);
	if (sp->rejectedfd >= 0)
		close(sp->rejectedfd);
	free(sp);
}

void posture_spool_set_callback(struct posture_spool *sp, posture_spool_cb cb, void *ctx)
{
	sp->cb = cb;
	sp->cb_ctx = ctx;
}

/* ---- event loop ---------------------------------------------------------------------------- */

static void on_pass_timer(evutil_socket_t fd, short what, void *arg)
{
	struct posture_spool *sp = arg;
	(void)fd;
	(void)what;
	posture_spool_scan(sp, (int64_t)time(NULL), NULL);
}

static void on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct posture_spool *sp = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	(void)what;
	/* Only that something changed matters: drain, then pass once the
	 * writer has had the settle time. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	struct timeval tv = { POSTURE_SPOOL_SETTLE + 1, 0 };
	if (!evtimer_pending(sp->settle_ev, NULL))
		evtimer_add(sp->settle_ev, &tv);
}

int posture_spool_attach(struct posture_spool *sp, struct event_base *base)
{
	struct timeval every = { POSTURE_SPOOL_RESCAN, 0 };

	sp->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (sp->inotify_fd < 0 ||
	    inotify_add_watch(sp->inotify_fd, sp->dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
		/* The periodic pass still finds files, only later. */
		log_warn(CONCERN, "%s: inotify: %s; looking every %d s", sp->dir, strerror(errno),
			 POSTURE_SPOOL_RESCAN);
		if (sp->inotify_fd >= 0)
			close(sp->inotify_fd);
		sp->inotify_fd = -1;
	}
	sp->settle_ev = evtimer_new(base, on_pass_timer, sp);
	sp->rescan_ev = event_new(base, -1, EV_PERSIST, on_pass_timer, sp);
	if (sp->inotify_fd >= 0)
		sp->inotify_ev = event_new(base, sp->inotify_fd, EV_READ | EV_PERSIST, on_inotify, sp);
	if (!sp->settle_ev || !sp->rescan_ev || (sp->inotify_fd >= 0 && !sp->inotify_ev))
		return -ENOMEM;
	if (event_add(sp->rescan_ev, &every) < 0 || (sp->inotify_ev && event_add(sp->inotify_ev, NULL) < 0))
		return -EIO;
	return 0;
}
