/* adsync_conf.c — the `ad {}` configuration group and the bind password file. */
#include "adsync.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void adsync_conf_defaults(struct adsync_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->poll_interval = AD_DEFAULT_POLL_INTERVAL;
	c->full_interval = AD_DEFAULT_FULL_INTERVAL;
	c->timeout = AD_DEFAULT_TIMEOUT;
	c->page_size = AD_DEFAULT_PAGE_SIZE;
	c->max_objects = AD_DEFAULT_MAX_OBJECTS;
	c->max_backoff = AD_DEFAULT_MAX_BACKOFF;
	c->show_deleted = true;
	c->deletion_sweep = true;
}

__attribute__((format(printf, 3, 4)))
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int adsync_conf_check(const struct adsync_conf *c, char *err, size_t errlen)
{
	if (!c->enabled)
		return 0;
	if (c->nuris == 0 || c->nuris > AD_MAX_URIS)
		return bad(err, errlen, "ad.uris: give 1 to %d domain controllers", AD_MAX_URIS);
	for (unsigned i = 0; i < c->nuris; i++) {
		/* ldap:// is only ever used with StartTLS; plain LDAP would send the
		 * password in clear, so there is no setting for it. */
		if (strncasecmp(c->uris[i], "ldaps://", 8) != 0 && strncasecmp(c->uris[i], "ldap://", 7) != 0)
			return bad(err, errlen, "ad.uris: \"%s\" is not ldaps://host or ldap://host (StartTLS)",
				   c->uris[i]);
		const char *host = c->uris[i] + (c->uris[i][4] == 's' || c->uris[i][4] == 'S' ? 8 : 7);
		if (!*host || *host == '/' || strpbrk(c->uris[i] + 7, " ,"))
			return bad(err, errlen, "ad.uris: \"%s\" has no host, or more than one", c->uris[i]);
	}
	if (!c->bind_dn[0])
		return bad(err, errlen, "ad.bind_dn: missing");
	if (c->password_file[0] && c->keytab_file[0])
		return bad(err, errlen, "ad.keytab_file: give password_file or keytab_file, not both");
	if (c->keytab_file[0]) {
		if (c->keytab_file[0] != '/')
			return bad(err, errlen, "ad.keytab_file: must be an absolute path");
		const char *at = strrchr(c->bind_dn, '@');
		if (at == NULL || at == c->bind_dn || at[1] == '\0' || strchr(c->bind_dn, '='))
			return bad(err, errlen, "ad.bind_dn: with keytab_file it is the Kerberos principal, "
				   "user@REALM (\"%s\" is not)", c->bind_dn);
	} else if (c->password_file[0] != '/') {
		return bad(err, errlen, "ad.password_file: must be an absolute path (or give keytab_file)");
	}
	if (c->ca_file[0] != '/')
		return bad(err, errlen, "ad.ca_file: must be an absolute path (the CA that signed the "
			   "domain controllers' certificates)");
	if (!c->computer_base[0])
		return bad(err, errlen, "ad.computer_base: missing");
	if (!c->group_base[0])
		return bad(err, errlen, "ad.group_base: missing");
	if (c->poll_interval < 10 || c->poll_interval > 86400)
		return bad(err, errlen, "ad.poll_interval: %d is outside 10..86400 seconds", c->poll_interval);
	if (c->full_interval < c->poll_interval || c->full_interval > AD_MAX_FULL_INTERVAL)
		return bad(err, errlen, "ad.full_interval: %d must be between poll_interval and %d seconds",
			   c->full_interval, AD_MAX_FULL_INTERVAL);
	if (c->timeout < 1 || c->timeout > AD_MAX_TIMEOUT)
		return bad(err, errlen, "ad.timeout: %d is outside 1..%d seconds", c->timeout, AD_MAX_TIMEOUT);
	if (c->page_size < 1 || c->page_size > AD_MAX_PAGE_SIZE)
		return bad(err, errlen, "ad.page_size: %d is outside 1..%d", c->page_size, AD_MAX_PAGE_SIZE);
	if (c->max_objects < 1 || c->max_objects > AD_MAX_OBJECTS_LIMIT)
		return bad(err, errlen, "ad.max_objects: %u is outside 1..%d", c->max_objects,
			   AD_MAX_OBJECTS_LIMIT);
	if (c->max_backoff < AD_BACKOFF_MIN || c->max_backoff > 86400)
		return bad(err, errlen, "ad.max_backoff: %d is outside %d..86400 seconds", c->max_backoff,
			   AD_BACKOFF_MIN);
	return 0;
}

/* "file:line: " for a setting, as conf.c writes its messages. */
static void where(const config_setting_t *s, const char *file, char *out, size_t outlen)
{
	const char *f = config_setting_source_file(s) ? config_setting_source_file(s) : file;
	unsigned line = config_setting_source_line(s);
	if (line)
		snprintf(out, outlen, "%s:%u: ", f ? f : "", line);
	else
		snprintf(out, outlen, "%s: ", f ? f : "");
}

static int get_string(const config_setting_t *ad, const char *name, char *dst, size_t len,
		      const char *file, char *err, size_t errlen)
{
	const config_setting_t *s = config_setting_get_member(ad, name);
	char at[300];
	if (!s)
		return 0;
	where(s, file, at, sizeof(at));
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return bad(err, errlen, "%sad.%s: must be a string", at, name);
	const char *v = config_setting_get_string(s);
	if (strlen(v) >= len)
		return bad(err, errlen, "%sad.%s: longer than %zu characters", at, name, len - 1);
	snprintf(dst, len, "%s", v);
	return 0;
}

static int get_int(const config_setting_t *ad, const char *name, long long min, long long max,
		   long long *dst, const char *file, char *err, size_t errlen)
{
	const config_setting_t *s = config_setting_get_member(ad, name);
	char at[300];
	if (!s)
		return 0;
	where(s, file, at, sizeof(at));
	int t = config_setting_type(s);
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return bad(err, errlen, "%sad.%s: must be an integer", at, name);
	long long v = config_setting_get_int64(s);
	if (v < min || v > max)
		return bad(err, errlen, "%sad.%s: %lld is outside %lld..%lld", at, name, v, min, max);
	*dst = v;
	return 0;
}

int adsync_conf_parse(const struct config_setting_t *ad, const char *file, struct adsync_conf *c,
		      char *err, size_t errlen)
{
	static const char *const known[] = {
		"uris", "bind_dn", "password_file", "keytab_file", "ca_file", "computer_base", "group_base",
		"poll_interval", "full_interval", "timeout", "page_size", "max_objects", "max_backoff",
		"show_deleted", "deletion_sweep", NULL
	};
	char at[300];
	int rc;

	adsync_conf_defaults(c);
	if (!ad)
		return 0;
	where(ad, file, at, sizeof(at));
	if (config_setting_type(ad) != CONFIG_TYPE_GROUP)
		return bad(err, errlen, "%sad: must be a group { ... }", at);
	c->enabled = true;

	/* A misspelt setting would silently not apply: refuse it. */
	for (int i = 0; i < config_setting_length(ad); i++) {
		const config_setting_t *m = config_setting_get_elem(ad, (unsigned)i);
		const char *name = config_setting_name(m);
		bool ok = false;
		for (unsigned k = 0; known[k] && !ok; k++)
			ok = name && strcmp(name, known[k]) == 0;
		if (!ok) {
			where(m, file, at, sizeof(at));
			return bad(err, errlen, "%sad.%s: unknown setting", at, name ? name : "?");
		}
	}

	const config_setting_t *uris = config_setting_get_member(ad, "uris");
	if (!uris)
		return bad(err, errlen, "%sad.uris: missing", at);
	where(uris, file, at, sizeof(at));
	if (config_setting_type(uris) == CONFIG_TYPE_STRING) {
		if ((rc = get_string(ad, "uris", c->uris[0], AD_URI_MAX, file, err, errlen)) < 0)
			return rc;
		c->nuris = 1;
	} else if (config_setting_is_aggregate(uris)) {
		int n = config_setting_length(uris);
		if (n < 1 || n > AD_MAX_URIS)
			return bad(err, errlen, "%sad.uris: give 1 to %d domain controllers", at, AD_MAX_URIS);
		for (int i = 0; i < n; i++) {
			const config_setting_t *u = config_setting_get_elem(uris, (unsigned)i);
			if (config_setting_type(u) != CONFIG_TYPE_STRING)
				return bad(err, errlen, "%sad.uris: element %d is not a string", at, i + 1);
			const char *v = config_setting_get_string(u);
			if (strlen(v) >= AD_URI_MAX)
				return bad(err, errlen, "%sad.uris: element %d is longer than %d characters", at,
					   i + 1, AD_URI_MAX - 1);
			snprintf(c->uris[c->nuris++], AD_URI_MAX, "%s", v);
		}
	} else {
		return bad(err, errlen, "%sad.uris: must be a list of strings", at);
	}

	if ((rc = get_string(ad, "bind_dn", c->bind_dn, sizeof(c->bind_dn), file, err, errlen)) < 0 ||
	    (rc = get_string(ad, "password_file", c->password_file, sizeof(c->password_file), file, err,
			     errlen)) < 0 ||
	    (rc = get_string(ad, "keytab_file", c->keytab_file, sizeof(c->keytab_file), file, err,
			     errlen)) < 0 ||
	    (rc = get_string(ad, "ca_file", c->ca_file, sizeof(c->ca_file), file, err, errlen)) < 0 ||
	    (rc = get_string(ad, "computer_base", c->computer_base, sizeof(c->computer_base), file, err,
			     errlen)) < 0 ||
	    (rc = get_string(ad, "group_base", c->group_base, sizeof(c->group_base), file, err,
			     errlen)) < 0)
		return rc;

	long long v;
	struct { const char *name; long long min, max; void *dst; bool is_unsigned; } ints[] = {
		{ "poll_interval", 10, 86400, &c->poll_interval, false },
		{ "full_interval", 10, AD_MAX_FULL_INTERVAL, &c->full_interval, false },
		{ "timeout", 1, AD_MAX_TIMEOUT, &c->timeout, false },
		{ "page_size", 1, AD_MAX_PAGE_SIZE, &c->page_size, false },
		{ "max_objects", 1, AD_MAX_OBJECTS_LIMIT, &c->max_objects, true },
		{ "max_backoff", AD_BACKOFF_MIN, 86400, &c->max_backoff, false },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		v = -1;
		if ((rc = get_int(ad, ints[i].name, ints[i].min, ints[i].max, &v, file, err, errlen)) < 0)
			return rc;
		if (v < 0)
			continue;
		if (ints[i].is_unsigned)
			*(unsigned *)ints[i].dst = (unsigned)v;
		else
			*(int *)ints[i].dst = (int)v;
	}
	struct { const char *name; bool *dst; } bools[] = {
		{ "show_deleted", &c->show_deleted },
		{ "deletion_sweep", &c->deletion_sweep },
	};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		const config_setting_t *b = config_setting_get_member(ad, bools[i].name);
		if (!b)
			continue;
		if (config_setting_type(b) != CONFIG_TYPE_BOOL) {
			where(b, file, at, sizeof(at));
			return bad(err, errlen, "%sad.%s: must be true or false", at, bools[i].name);
		}
		*bools[i].dst = config_setting_get_bool(b);
	}

	char msg[AD_ERR_MAX];
	if ((rc = adsync_conf_check(c, msg, sizeof(msg))) < 0) {
		where(ad, file, at, sizeof(at));
		return bad(err, errlen, "%s%s", at, msg);
	}
	return 0;
}

int adsync_read_password(const char *path, char *buf, size_t buflen, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		bad(err, errlen, "password file %s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return bad(err, errlen, "password file %s: not a regular file", path);
	}
	/* Read by root only: anyone else who can read it can act as menjin in AD. */
	if (st.st_uid != geteuid()) {
		close(fd);
		bad(err, errlen, "password file %s: owned by uid %u, not by uid %u that runs menjind; "
		    "chown it", path, (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		bad(err, errlen, "password file %s: mode %04o lets group or others read it; refused, "
		    "run chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
		return -EPERM;
	}
	if (buflen < 2) {
		close(fd);
		return -EINVAL;
	}
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, buflen - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			explicit_bzero(buf, buflen);
			bad(err, errlen, "password file %s: %s", path, strerror(e));
		return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == buflen) {
			close(fd);
			explicit_bzero(buf, buflen);
			return bad(err, errlen, "password file %s: longer than %zu bytes", path, buflen - 1);
		}
	}
	close(fd);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == 0 || memchr(buf, '\0', n) || memchr(buf, '\n', n)) {
		explicit_bzero(buf, buflen);
		return bad(err, errlen, "password file %s: empty, or more than one line", path);
	}
	return 0;
}
