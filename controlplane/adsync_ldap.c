/* adsync_ldap.c — LDAP I/O of AD sync: TLS, bind, rootDSE, paged searches.
 *
 * Synchronous libldap calls, each bounded by the configured timeout; the
 * engine runs a job on its own thread so the event loop never waits on a
 * domain controller. Every connection is TLS (LDAPS, or StartTLS on ldap://)
 * with the configured CA and certificate verification demanded.
 */
#include "adsync_ldap.h"
#include "adsync_krb5.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <inttypes.h>
#include <lber.h>
#include <ldap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct conn {
	LDAP *ld;
	const char *uri;
	struct ad_job *job;
	struct ad_krb5 *krb;          /* the job's ticket with keytab_file, else NULL */
};

/* Write the job's error message and return rc. */
__attribute__((format(printf, 3, 4)))
static int job_fail(struct ad_job *job, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(job->err, sizeof(job->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* libldap's words for an error, with the server's diagnostic when it sent
 * one (AD puts the real reason there: "data 52e" is a bad password). */
static void ldap_reason(LDAP *ld, int rc, char *out, size_t outlen)
{
	char *diag = NULL;
	if (ld)
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	/* "(unknown error code)" is libldap having nothing to add. */
	if (diag && diag[0] && diag[0] != '(')
		snprintf(out, outlen, "%s (%s)", ldap_err2string(rc), diag);
	else
		snprintf(out, outlen, "%s", ldap_err2string(rc));
	if (diag)
		ldap_memfree(diag);
}

/* libldap (built with GnuTLS on Debian) says only "Can't contact LDAP
 * server" whether the DC is down or its certificate is refused: tell the
 * two apart with a plain TCP connection, so the status says which. */
static void explain_connect_failure(const char *uri, int timeout, const char *ca_file, char *out,
				    size_t outlen)
{
	LDAPURLDesc *lud = NULL;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char port[8];
	int fd = -1, err = 0;

	if (ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS || !lud->lud_host || !lud->lud_host[0]) {
		snprintf(out, outlen, "cannot parse the URI");
		goto out;
	}
	bool ldaps = strcasecmp(lud->lud_scheme, "ldaps") == 0;
	snprintf(port, sizeof(port), "%d", lud->lud_port ? lud->lud_port : ldaps ? 636 : 389);
	if ((err = getaddrinfo(lud->lud_host, port, &hints, &ai)) != 0) {
		snprintf(out, outlen, "cannot resolve %.100s: %s", lud->lud_host, gai_strerror(err));
		goto out;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		snprintf(out, outlen, "socket: %s", strerror(errno));
		goto out;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno == EINPROGRESS) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		socklen_t len = sizeof(err);
		if (poll(&pfd, 1, timeout * 1000) <= 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
	} else if (errno != 0 && errno != EINPROGRESS) {
		err = errno;
	}
	if (err)
		snprintf(out, outlen, "cannot connect to %.100s port %s: %s", lud->lud_host, port, strerror(err));
	else
		snprintf(out, outlen, "%.100s port %s answers, but TLS failed: is the DC's certificate signed "
			 "by a CA in %.150s, does it name %.100s, is it in its validity period?", lud->lud_host,
			 port, ca_file, lud->lud_host);
out:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	ldap_free_urldesc(lud);
}

static void conn_close(struct conn *c)
{
	if (c->ld)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	c->ld = NULL;
}

static int set_opt(struct conn *c, int opt, const void *val, const char *name, char *err, size_t errlen)
{
	int rc = ldap_set_option(c->ld, opt, val);
	if (rc != LDAP_OPT_SUCCESS) {
		snprintf(err, errlen, "%s: setting %s: %s", c->uri, name, ldap_err2string(rc));
		return -EINVAL;
	}
	return 0;
}

/* SASL GSSAPI with the ticket ad_krb5_acquire() got for this job. The
 * service ticket is for ldap/<the host in the URI>, never a name from
 * reverse DNS: the URI names the DC as its SPN and certificate do. */
static int gssapi_bind(struct conn *c, struct ad_krb5 *krb, char *err, size_t errlen)
{
	const struct adsync_conf *cf = &c->job->conf;
	LDAPURLDesc *lud = NULL;
	char why[AD_ERR_MAX];
	if (ldap_url_parse(c->uri, &lud) != LDAP_URL_SUCCESS || lud->lud_host == NULL || !lud->lud_host[0]) {
		if (lud)
			ldap_free_urldesc(lud);
		snprintf(err, errlen, "%.100s: no host name for the GSSAPI bind", c->uri);
		return -EINVAL;
	}
	int rc = ad_krb5_sasl_bind(krb, c->ld, lud->lud_host, why, sizeof(why));
	ldap_free_urldesc(lud);
	if (rc < 0)
		snprintf(err, errlen, "%.100s: GSSAPI bind as %.100s (keytab %.60s) refused: %.200s", c->uri, cf->bind_dn,
			 cf->keytab_file, why);
	return rc;
}

static int conn_open(struct conn *c, const char *uri, const char *password, char *err, size_t errlen)
{
	const struct adsync_conf *cf = &c->job->conf;
	struct timeval tv = { .tv_sec = cf->timeout };
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
	int client = 0;
	ber_len_t max_pdu = AD_MAX_PDU;
	Sockbuf *sb = NULL;
	char why[AD_ERR_MAX];
	int rc;

	c->uri = uri;
	rc = ldap_initialize(&c->ld, uri);
	if (rc != LDAP_SUCCESS) {
		snprintf(err, errlen, "%s: %s", uri, ldap_err2string(rc));
		return -EINVAL;
	}
	/* Referrals would be followed with our credentials to wherever they
	 * point: never. The TLS options are this handle's own; NEWCTX comes
	 * last so the context is built from them. */
	if (set_opt(c, LDAP_OPT_PROTOCOL_VERSION, &v3, "protocol version", err, errlen) < 0 ||
	    set_opt(c, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals", err, errlen) < 0 ||
	    set_opt(c, LDAP_OPT_NETWORK_TIMEOUT, &tv, "network timeout", err, errlen) < 0 ||
	    set_opt(c, LDAP_OPT_TIMEOUT, &tv, "timeout", err, errlen) < 0 ||
	    set_opt(c, LDAP_OPT_X_TLS_CACERTFILE, cf->ca_file, "CA file", err, errlen) < 0 ||
	    set_opt(c, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand, "certificate check", err, errlen) < 0 ||
	    set_opt(c, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12, "TLS minimum", err, errlen) < 0 ||
	    set_opt(c, LDAP_OPT_X_TLS_NEWCTX, &client, "TLS context", err, errlen) < 0)
		return -EINVAL;
	if (ldap_get_option(c->ld, LDAP_OPT_SOCKBUF, &sb) == LDAP_OPT_SUCCESS && sb)
		ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &max_pdu);

	bool starttls = strncasecmp(uri, "ldap://", 7) == 0;
	rc = starttls ? ldap_start_tls_s(c->ld, NULL, NULL) : ldap_connect(c->ld);
	if (rc != LDAP_SUCCESS) {
		explain_connect_failure(uri, cf->timeout, cf->ca_file, why, sizeof(why));
		snprintf(err, errlen, "%.100s: %s failed: %.380s", uri, starttls ? "StartTLS" : "connecting", why);
		return -ECONNREFUSED;
	}
	if (cf->keytab_file[0])
		return gssapi_bind(c, c->krb, err, errlen);
	struct berval cred = { .bv_val = (char *)password, .bv_len = strlen(password) };
	rc = ldap_sasl_bind_s(c->ld, cf->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		ldap_reason(c->ld, rc, why, sizeof(why));
		snprintf(err, errlen, "%.100s: bind as %.100s refused: %.280s", uri, cf->bind_dn, why);
		return rc == LDAP_INVALID_CREDENTIALS ? -EACCES : -ECONNREFUSED;
	}
	return 0;
}

/* A base search returning one entry; the caller frees *res. */
static int read_base(struct conn *c, const char *dn, char **attrs, LDAPMessage **res,
		     LDAPMessage **entry, const char *what)
{
	struct timeval tv = { .tv_sec = c->job->conf.timeout };
	char why[AD_ERR_MAX];
	*res = NULL;
	int rc = ldap_search_ext_s(c->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
				   &tv, 1, res);
	if (rc != LDAP_SUCCESS) {
		ldap_reason(c->ld, rc, why, sizeof(why));
		if (*res)
			ldap_msgfree(*res);
		*res = NULL;
		return job_fail(c->job, -EIO, "%s: reading %s%.300s: %s", c->uri, what, dn, why);
	}
	*entry = ldap_first_entry(c->ld, *res);
	if (!*entry) {
		ldap_msgfree(*res);
		*res = NULL;
		return job_fail(c->job, -EIO, "%s: %s%.300s: no such entry, or not readable", c->uri, what, dn);
	}
	return 0;
}

/* The single value of attr as a string (NUL-terminated copy), or -ENOENT. */
static int read_str(LDAP *ld, LDAPMessage *e, const char *attr, char *out, size_t outlen)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	int rc = -ENOENT;
	if (v && v[0] && v[0]->bv_len < outlen && !memchr(v[0]->bv_val, '\0', v[0]->bv_len)) {
		memcpy(out, v[0]->bv_val, v[0]->bv_len);
		out[v[0]->bv_len] = '\0';
		rc = 0;
	}
	ldap_value_free_len(v);
	return rc;
}

/* What the DC is now: [MS-ADTS] 3.1.1.3.2 rootDSE, then its NTDS Settings
 * object for invocationID. */
static int read_dc_state(struct conn *c, struct ad_dc_state *dc, char *nc, size_t nclen)
{
	char *root_attrs[] = { "highestCommittedUSN", "dsServiceName", "defaultNamingContext", NULL };
	char *ntds_attrs[] = { "invocationID", NULL };
	LDAPMessage *res, *e;
	char usn[32];
	int rc;

	memset(dc, 0, sizeof(*dc));
	snprintf(dc->uri, sizeof(dc->uri), "%s", c->uri);
	if ((rc = read_base(c, "", root_attrs, &res, &e, "the rootDSE")) < 0)
		return rc;
	if (read_str(c->ld, e, "highestCommittedUSN", usn, sizeof(usn)) < 0 ||
	    read_str(c->ld, e, "dsServiceName", dc->dc, sizeof(dc->dc)) < 0 ||
	    read_str(c->ld, e, "defaultNamingContext", nc, nclen) < 0) {
		ldap_msgfree(res);
		return job_fail(c->job, -EIO, "%s: the rootDSE lacks highestCommittedUSN, dsServiceName or "
				"defaultNamingContext: not an Active Directory DC?", c->uri);
	}
	ldap_msgfree(res);
	char *end;
	errno = 0;
	dc->highest_usn = strtoull(usn, &end, 10);
	if (errno || *end || end == usn)
		return job_fail(c->job, -EIO, "%s: highestCommittedUSN \"%s\" is not a number", c->uri, usn);

	if ((rc = read_base(c, dc->dc, ntds_attrs, &res, &e, "")) < 0)
		return rc;
	struct berval **v = ldap_get_values_len(c->ld, e, "invocationID");
	bool ok = v && v[0] && v[0]->bv_len == 16 && !v[1];
	if (ok)
		memcpy(dc->invocation_id, v[0]->bv_val, 16);
	ldap_value_free_len(v);
	ldap_msgfree(res);
	if (!ok)
		return job_fail(c->job, -EIO, "%s: invocationID of %.300s is missing or not 16 bytes", c->uri, dc->dc);
	return 0;
}

/* The DN of a configured base as the server spells it (so scope checks
 * compare like with like), and proof that it exists. */
static int canonical_base(struct conn *c, const char *base, const char *setting, char *out, size_t outlen)
{
	char *attrs[] = { LDAP_NO_ATTRS, NULL };
	LDAPMessage *res, *e;
	int rc = read_base(c, base, attrs, &res, &e, "");
	if (rc < 0) {
		char why[AD_ERR_MAX];
		snprintf(why, sizeof(why), "%s", c->job->err);
		return job_fail(c->job, -EIO, "ad.%s: %s", setting, why);
	}
	char *dn = ldap_get_dn(c->ld, e);
	if (!dn || strlen(dn) >= outlen) {
		ldap_memfree(dn);
		ldap_msgfree(res);
		return job_fail(c->job, -EIO, "%s: ad.%s has no usable DN", c->uri, setting);
	}
	snprintf(out, outlen, "%s", dn);
	ldap_memfree(dn);
	ldap_msgfree(res);
	return 0;
}

typedef int (*entry_fn)(struct conn *c, const struct ad_entry *e, void *ctx);

#define SYNC_ATTRS ((char **)ad_sync_attrs)

/* Hand one LDAP entry to fn as a struct ad_entry. */
static int deliver(struct conn *c, LDAPMessage *m, entry_fn fn, void *ctx)
{
	struct ad_attr attrs[AD_MAX_ATTRS_PER_ENTRY];
	struct berval **vals[AD_MAX_ATTRS_PER_ENTRY];
	char *names[AD_MAX_ATTRS_PER_ENTRY];
	unsigned n = 0;
	BerElement *ber = NULL;
	int rc = 0;

	char *dn = ldap_get_dn(c->ld, m);
	for (char *a = ldap_first_attribute(c->ld, m, &ber); a; a = ldap_next_attribute(c->ld, m, ber)) {
		if (n == AD_MAX_ATTRS_PER_ENTRY) {
			/* We ask for a dozen; a server sending more is ignored past the bound. */
			ldap_memfree(a);
			continue;
		}
		struct berval **v = ldap_get_values_len(c->ld, m, a);
		int nv = ldap_count_values_len(v);
		struct ad_value *av = nv > 0 ? calloc((size_t)nv, sizeof(*av)) : NULL;
		if (nv > 0 && !av) {
			ldap_value_free_len(v);
			ldap_memfree(a);
			rc = -ENOMEM;
			break;
		}
		for (int i = 0; i < nv; i++) {
			av[i].val = v[i]->bv_val;
			av[i].len = v[i]->bv_len;
		}
		names[n] = a;
		vals[n] = v;
		attrs[n] = (struct ad_attr){ .name = a, .nvals = nv > 0 ? (unsigned)nv : 0, .vals = av };
		n++;
	}
	if (ber)
		ber_free(ber, 0);
	if (rc == 0) {
		struct ad_entry e = { .dn = dn ? dn : "", .nattrs = n, .attrs = attrs };
		rc = fn(c, &e, ctx);
	}
	for (unsigned i = 0; i < n; i++) {
		free((void *)attrs[i].vals);
		ldap_value_free_len(vals[i]);
		ldap_memfree(names[i]);
	}
	ldap_memfree(dn);
	return rc;
}

/* A subtree search with the paged results control (RFC 2696), one page at
 * a time, each entry handed to fn. Bounded by max_entries. */
static int paged_search(struct conn *c, const char *base, const char *filter, char **attrs,
			bool show_deleted, unsigned max_entries, entry_fn fn, void *ctx)
{
	struct ad_job *job = c->job;
	struct timeval tv = { .tv_sec = job->conf.timeout };
	struct berval *cookie = NULL;
	LDAPControl show = { .ldctl_oid = AD_OID_SHOW_DELETED, .ldctl_iscritical = 1 };
	unsigned seen = 0;
	char why[AD_ERR_MAX];
	int rc = 0;

	for (unsigned page = 0;; page++) {
		LDAPControl *pctrl = NULL, *ctrls[3] = { NULL, NULL, NULL };
		LDAPMessage *res = NULL;
		LDAPControl **rctrls = NULL;
		int lrc, result = LDAP_SUCCESS;

		if (atomic_load(job->cancel)) {
			rc = -ECANCELED;
			job_fail(job, rc, "cancelled");
			break;
		}
		/* Critical: without paging a large directory would come back in
		 * one answer or be cut at the server's size limit. */
		lrc = ldap_create_page_control(c->ld, (ber_int_t)job->conf.page_size, cookie, 1, &pctrl);
		if (lrc != LDAP_SUCCESS) {
			rc = job_fail(job, -EIO, "%s: paged results control: %s", c->uri, ldap_err2string(lrc));
			break;
		}
		ctrls[0] = pctrl;
		if (show_deleted)
			ctrls[1] = &show;
		lrc = ldap_search_ext_s(c->ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, ctrls, NULL, &tv,
					LDAP_NO_LIMIT, &res);
		ldap_control_free(pctrl);
		if (lrc == LDAP_SUCCESS || lrc == LDAP_PARTIAL_RESULTS || lrc == LDAP_REFERRAL)
			lrc = ldap_parse_result(c->ld, res, &result, NULL, NULL, NULL, &rctrls, 0);
		if (lrc != LDAP_SUCCESS || (result != LDAP_SUCCESS && result != LDAP_REFERRAL)) {
			ldap_reason(c->ld, lrc != LDAP_SUCCESS ? lrc : result, why, sizeof(why));
			rc = job_fail(job, -EIO, "%s: search under %.200s for %.200s: %s", c->uri, base, filter, why);
			ldap_controls_free(rctrls);
			ldap_msgfree(res);
			break;
		}
		for (LDAPMessage *m = ldap_first_entry(c->ld, res); m && rc == 0;
		     m = ldap_next_entry(c->ld, m)) {
			if (++seen > max_entries) {
				rc = job_fail(job, -E2BIG, "%s: more than %u objects under %.200s; raise "
					      "ad.max_objects", c->uri, max_entries, base);
				break;
			}
			job->entries++;
			rc = deliver(c, m, fn, ctx);
		}
		ldap_msgfree(res);
		if (rc < 0) {
			ldap_controls_free(rctrls);
			break;
		}
		LDAPControl *pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
		ber_int_t estimate;
		if (cookie)
			ber_bvfree(cookie);
		cookie = NULL;
		if (!pr) {
			ldap_controls_free(rctrls);
			rc = job_fail(job, -EIO, "%s: the answer under %.200s has no paged results control", c->uri, base);
			break;
		}
		cookie = ber_memcalloc(1, sizeof(*cookie));
		lrc = cookie ? ldap_parse_pageresponse_control(c->ld, pr, &estimate, cookie) : LDAP_NO_MEMORY;
		ldap_controls_free(rctrls);
		if (lrc != LDAP_SUCCESS) {
			rc = job_fail(job, -EIO, "%s: paged results answer: %s", c->uri, ldap_err2string(lrc));
			break;
		}
		if (!cookie->bv_val || cookie->bv_len == 0)
			break;
		/* Each page holds at least one entry, so max_entries bounds pages too. */
		if (page > max_entries) {
			rc = job_fail(job, -EIO, "%s: the server keeps sending empty pages", c->uri);
			break;
		}
	}
	if (cookie)
		ber_bvfree(cookie);
	return rc;
}

/* ---- what to do with each entry ----------------------------------------- */

struct changed_group {
	uint8_t guid[16];
	char   *old_dn;                 /* NULL when new to the snapshot */
	char   *dn;
};

struct collect {
	struct ad_builder *b;
	const char *group_base;         /* as the server spells it */
	bool incremental;
	unsigned ngroups;
	struct changed_group groups[AD_MAX_GROUP_REFRESH];
	bool too_many_groups;
	/* the member refresh of one group */
	uint8_t (*guids)[16];
	unsigned nguids, capguids;
};

static void note_reject(struct ad_job *job, const char *msg)
{
	job->rejected++;
	if (job->nreject_msgs < AD_JOB_REJECT_MSGS)
		snprintf(job->reject[job->nreject_msgs++], AD_ERR_MAX, "%s", msg);
}

static int put_entry(struct conn *c, const struct ad_entry *e, void *ctx)
{
	struct collect *col = ctx;
	struct ad_record r;
	char err[AD_ERR_MAX];
	int rc = ad_record_parse(e, &r, err, sizeof(err));
	if (rc == -ENOMEM)
		return job_fail(c->job, -ENOMEM, "out of memory");
	if (rc < 0) {
		/* One bad object must not keep the other thousands out. */
		note_reject(c->job, err);
		return 0;
	}
	if (col->incremental && r.kind == AD_KIND_GROUP && ad_dn_under(r.dn, col->group_base)) {
		/* Membership lives in the group's member attribute; the members'
		 * memberOf back-links change without their uSNChanged: follow it. */
		if (col->ngroups == AD_MAX_GROUP_REFRESH) {
			col->too_many_groups = true;
		} else {
			struct changed_group *g = &col->groups[col->ngroups];
			const char *old = ad_builder_group_dn(col->b, r.guid);
			memcpy(g->guid, r.guid, 16);
			g->dn = strdup(r.dn);
			g->old_dn = old && strcasecmp(old, r.dn) != 0 ? strdup(old) : NULL;
			if (!g->dn)
				return -ENOMEM;
			col->ngroups++;
		}
	}
	if (col->guids) {
		if (col->nguids == col->capguids)
			return job_fail(c->job, -E2BIG, "too many members");
		memcpy(col->guids[col->nguids++], r.guid, 16);
	}
	rc = ad_builder_put(col->b, &r);
	if (rc == -E2BIG)
		return job_fail(c->job, -E2BIG, "%s: more than %u computers and groups; raise ad.max_objects",
				c->uri, c->job->conf.max_objects);
	return rc;
}

static void collect_clear(struct collect *col)
{
	for (unsigned i = 0; i < col->ngroups; i++) {
		free(col->groups[i].dn);
		free(col->groups[i].old_dn);
	}
	free(col->guids);
	ad_builder_free(col->b);
	memset(col, 0, sizeof(*col));
}

static int full_sync(struct conn *c, const struct ad_scope *scope, struct collect *col)
{
	int rc = ad_builder_new(NULL, scope, &col->b);
	col->group_base = scope->group_base;
	if (rc < 0)
		return job_fail(c->job, rc, "starting a snapshot: %s", strerror(-rc));
	unsigned max = c->job->conf.max_objects;
	rc = paged_search(c, scope->computer_base, "(objectClass=computer)", SYNC_ATTRS, false, max,
			  put_entry, col);
	if (rc == 0)
		rc = paged_search(c, scope->group_base, "(objectClass=group)", SYNC_ATTRS, false, max,
				  put_entry, col);
	return rc;
}

/* One guid of the deletion sweep. */
static int sweep_entry(struct conn *c, const struct ad_entry *e, void *ctx)
{
	struct collect *col = ctx;
	for (unsigned i = 0; i < e->nattrs; i++) {
		if (strcasecmp(e->attrs[i].name, "objectGUID") != 0)
			continue;
		if (e->attrs[i].nvals != 1 || e->attrs[i].vals[0].len != 16)
			break;
		if (col->nguids == col->capguids)
			return job_fail(c->job, -E2BIG, "%s: more than %u objects under the bases; raise "
					"ad.max_objects", c->uri, col->capguids);
		memcpy(col->guids[col->nguids++], e->attrs[i].vals[0].val, 16);
		return 0;
	}
	/* Keeping an object we cannot see is safer than guessing it is gone. */
	return job_fail(c->job, -EIO, "%.300s: no readable objectGUID in the deletion sweep", e->dn);
}

/* Every guid still under the bases: what is not there any more was deleted
 * (or moved out), even when the bind account may not read tombstones. */
static int deletion_sweep(struct conn *c, const struct ad_scope *scope, struct collect *col)
{
	char *attrs[] = { "objectGUID", NULL };
	unsigned max = c->job->conf.max_objects;
	col->nguids = 0;
	int rc = paged_search(c, scope->computer_base, "(objectClass=computer)", attrs, false, max,
			      sweep_entry, col);
	if (rc == 0)
		rc = paged_search(c, scope->group_base, "(objectClass=group)", attrs, false, max, sweep_entry,
				  col);
	if (rc == 0)
		rc = ad_builder_retain(col->b, (const uint8_t(*)[16])col->guids, col->nguids);
	return rc;
}

/* Changes after the snapshot's USN, searched from the naming context so that
 * objects moved out of a base and tombstones (in CN=Deleted Objects) are
 * seen too ([MS-ADTS] 3.1.1.5.5, "Polling for changes using uSNChanged"). */
static int incremental_sync(struct conn *c, const struct ad_scope *scope, const char *nc,
			    struct collect *col)
{
	struct ad_job *job = c->job;
	char filter[128];
	int rc = ad_builder_new(job->base, scope, &col->b);
	col->group_base = scope->group_base;
	if (rc < 0)
		return job_fail(job, rc, "copying the snapshot: %s", strerror(-rc));
	col->incremental = true;
	snprintf(filter, sizeof(filter), "(&(|(objectClass=computer)(objectClass=group))(uSNChanged>=%" PRIu64 "))",
		 job->base->source.usn + 1);
	rc = paged_search(c, nc, filter, SYNC_ATTRS, job->conf.show_deleted, 2 * job->conf.max_objects,
			  put_entry, col);
	if (rc < 0 || col->too_many_groups)
		return rc;

	col->incremental = false;   /* the member searches below add no group to follow */
	col->capguids = job->conf.max_objects;
	col->guids = malloc((size_t)col->capguids * 16);
	if (!col->guids)
		return -ENOMEM;
	for (unsigned i = 0; i < col->ngroups && rc == 0; i++) {
		struct changed_group *g = &col->groups[i];
		char esc[3 * AD_DN_MAX + 1], mfilter[3 * AD_DN_MAX + 80];
		if (ad_filter_escape(g->dn, esc, sizeof(esc)) < 0)
			return job_fail(job, -EIO, "group DN too long: %.200s", g->dn);
		snprintf(mfilter, sizeof(mfilter), "(&(|(objectClass=computer)(objectClass=group))(memberOf=%s))",
			 esc);
		col->nguids = 0;
		rc = paged_search(c, nc, mfilter, SYNC_ATTRS, false, job->conf.max_objects, put_entry, col);
		if (rc == 0)
			rc = ad_builder_members(col->b, g->old_dn, g->dn, (const uint8_t(*)[16])col->guids,
						col->nguids);
	}
	if (rc == 0 && job->conf.deletion_sweep)
		rc = deletion_sweep(c, scope, col);
	return rc;
}

static int sync_on(struct conn *c, const char *password)
{
	struct ad_job *job = c->job;
	struct ad_dc_state dc;
	struct ad_source src;
	struct collect col;
	int rc;

	memset(&src, 0, sizeof(src));
	memset(&col, 0, sizeof(col));
	if ((rc = conn_open(c, c->uri, password, job->err, sizeof(job->err))) < 0)
		return rc;
	if ((rc = read_dc_state(c, &dc, src.naming_context, sizeof(src.naming_context))) < 0)
		return rc;
	if ((rc = canonical_base(c, job->conf.computer_base, "computer_base", src.computer_base,
				 sizeof(src.computer_base))) < 0 ||
	    (rc = canonical_base(c, job->conf.group_base, "group_base", src.group_base,
				 sizeof(src.group_base))) < 0)
		return rc;
	snprintf(src.uri, sizeof(src.uri), "%s", c->uri);
	snprintf(src.dc, sizeof(src.dc), "%s", dc.dc);
	memcpy(src.invocation_id, dc.invocation_id, 16);
	src.usn = dc.highest_usn;
	if (ad_dn_to_domain(src.naming_context, src.domain, sizeof(src.domain)) < 0)
		src.domain[0] = '\0';

	struct ad_scope scope = { .computer_base = src.computer_base, .group_base = src.group_base,
				  .max_objects = job->conf.max_objects };
	job->kind = job->force_full ? AD_PLAN_FULL
		: ad_plan(job->base, &dc, &scope, job->now, job->conf.full_interval, job->why, sizeof(job->why));
	if (job->force_full)
		snprintf(job->why, sizeof(job->why), "full sync requested");

	if (job->kind == AD_PLAN_INCREMENTAL) {
		rc = incremental_sync(c, &scope, src.naming_context, &col);
		if (rc == 0 && col.too_many_groups) {
			snprintf(job->why, sizeof(job->why), "more than %d groups changed: a full sync is cheaper",
				 AD_MAX_GROUP_REFRESH);
			job->kind = AD_PLAN_FULL;
			collect_clear(&col);
		} else if (rc == -E2BIG) {
			/* The changes span the whole domain (after a long outage, say);
			 * the bases alone may still fit. */
			snprintf(job->why, sizeof(job->why), "too many changes for an incremental sync (%.180s)",
				 job->err);
			job->err[0] = '\0';
			job->kind = AD_PLAN_FULL;
			collect_clear(&col);
			rc = 0;
		}
	}
	if (rc == 0 && job->kind == AD_PLAN_FULL)
		rc = full_sync(c, &scope, &col);
	if (rc == 0) {
		struct ad_builder *b = col.b;
		col.b = NULL;
		rc = ad_builder_finish(b, &src, (int64_t)time(NULL), &job->snap, job->err, sizeof(job->err));
	}
	if (rc == -ENOMEM && !job->err[0])
		snprintf(job->err, sizeof(job->err), "out of memory");
	collect_clear(&col);
	return rc;
}

int ad_ldap_run(struct ad_job *job)
{
	char password[AD_PASSWORD_MAX + 1];
	struct ad_krb5 krb = { 0 };
	struct conn c = { .job = job, .krb = &krb };
	int rc;

	job->err[0] = job->failover[0] = '\0';
	job->snap = NULL;
	password[0] = '\0';
	/* A keytab gives this thread a ticket for the whole job (every DC). */
	if (job->conf.keytab_file[0])
		rc = ad_krb5_acquire(&krb, job->conf.keytab_file, job->conf.bind_dn, job->err, sizeof(job->err));
	else
		rc = adsync_read_password(job->conf.password_file, password, sizeof(password), job->err,
					  sizeof(job->err));
	if (rc < 0)
		return job->rc = rc;

	/* Try each DC once, starting with the one in use (so incremental syncs
	 * stay on the DC whose USNs the snapshot holds). */
	for (unsigned k = 0; k < job->conf.nuris; k++) {
		unsigned i = (job->first_uri + k) % job->conf.nuris;
		c.uri = job->conf.uris[i];
		job->err[0] = '\0';
		job->entries = job->rejected = job->nreject_msgs = 0;
		rc = sync_on(&c, password);
		conn_close(&c);
		if (rc == 0) {
			job->uri_used = i;
			break;
		}
		if (rc == -ECANCELED)
			break;
		size_t used = strlen(job->failover);
		snprintf(job->failover + used, sizeof(job->failover) - used, "%s%s", used ? "; " : "", job->err);
		if (job->snap) {
			ad_snapshot_unref(job->snap);
			job->snap = NULL;
		}
	}
	explicit_bzero(password, sizeof(password));
	ad_krb5_release(&krb);
	if (rc < 0 && job->conf.nuris > 1 && rc != -ECANCELED)
		snprintf(job->err, sizeof(job->err), "no domain controller answered: %.470s", job->failover);
	return job->rc = rc;
}
