/* adsync_krb5.c — a keytab's ticket for AD sync's GSSAPI bind (see adsync_krb5.h). */
#include "adsync_krb5.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <lber.h>
#include <ldap.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ad_krb5_check_keytab(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "keytab file %s: %s", path, strerror(e));
		return -e;
	}
	int rc = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "keytab file %s: not a regular file", path);
		rc = -EINVAL;
	} else if (st.st_uid != geteuid()) {
		/* Whoever can read it can act as menjin in AD. */
		snprintf(err, errlen, "keytab file %s: owned by uid %u, not by uid %u that runs menjind; chown it",
			 path, (unsigned)st.st_uid, (unsigned)geteuid());
		rc = -EPERM;
	} else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "keytab file %s: mode %04o lets group or others read it; refused, run chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		rc = -EPERM;
	}
	close(fd);
	return rc;
}

static void krb_error(krb5_context ctx, krb5_error_code code, const char *what, const char *arg, char *err,
		      size_t errlen)
{
	const char *m = ctx ? krb5_get_error_message(ctx, code) : NULL;
	snprintf(err, errlen, "%s %s: %s", what, arg, m ? m : "Kerberos error");
	if (m)
		krb5_free_error_message(ctx, m);
}

void ad_krb5_release(struct ad_krb5 *k)
{
	if (k->cc)
		krb5_cc_destroy(k->ctx, k->cc);
	if (k->ctx)
		krb5_free_context(k->ctx);
	memset(k, 0, sizeof(*k));
}

int ad_krb5_acquire(struct ad_krb5 *k, const char *keytab, const char *principal, char *err, size_t errlen)
{
	static atomic_uint serial;
	char name[512], ktname[300];
	krb5_principal me = NULL;
	krb5_keytab kt = NULL;
	krb5_get_init_creds_opt *opt = NULL;
	krb5_creds creds;
	krb5_error_code code;
	int rc;

	memset(k, 0, sizeof(*k));
	memset(&creds, 0, sizeof(creds));
	if ((rc = ad_krb5_check_keytab(keytab, err, errlen)) < 0)
		return rc;
	/* "svc@menjin.test": AD realms are the DNS domain in capitals. */
	snprintf(name, sizeof(name), "%s", principal);
	char *at = strrchr(name, '@');
	if (at == NULL || at == name || at[1] == '\0') {
		snprintf(err, errlen, "bind_dn %s: with a keytab it must be a principal, user@REALM", principal);
		return -EINVAL;
	}
	for (char *p = at + 1; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	snprintf(ktname, sizeof(ktname), "FILE:%s", keytab);

	if ((code = krb5_init_context((krb5_context *)&k->ctx)) != 0) {
		snprintf(err, errlen, "Kerberos: cannot initialise (krb5.conf?): error %d", (int)code);
		k->ctx = NULL;
		return -EIO;
	}
	krb5_context ctx = k->ctx;
	rc = -EACCES;
	if ((code = krb5_parse_name(ctx, name, &me)) != 0) {
		krb_error(ctx, code, "principal", name, err, errlen);
		rc = -EINVAL;
		goto out;
	}
	if ((code = krb5_kt_resolve(ctx, ktname, &kt)) != 0) {
		krb_error(ctx, code, "keytab file", keytab, err, errlen);
		goto out;
	}
	if ((code = krb5_get_init_creds_opt_alloc(ctx, &opt)) != 0) {
		krb_error(ctx, code, "principal", name, err, errlen);
		rc = -ENOMEM;
		goto out;
	}
	krb5_get_init_creds_opt_set_forwardable(opt, 0);
	krb5_get_init_creds_opt_set_proxiable(opt, 0);
	if ((code = krb5_get_init_creds_keytab(ctx, &creds, me, kt, 0, NULL, opt)) != 0) {
		char what[600];
		snprintf(what, sizeof(what), "%s from keytab", name);
		krb_error(ctx, code, "no ticket for", what, err, errlen);
		rc = code == KRB5_KDC_UNREACH || code == KRB5_REALM_UNKNOWN ? -ECONNREFUSED : -EACCES;
		goto out;
	}
	/* A cache of this job's own: a name no other job uses. */
	snprintf(k->ccname, sizeof(k->ccname), "MEMORY:menjin-ad-%d-%u", (int)getpid(),
		 atomic_fetch_add(&serial, 1u));
	if ((code = krb5_cc_resolve(ctx, k->ccname, (krb5_ccache *)&k->cc)) != 0 ||
	    (code = krb5_cc_initialize(ctx, k->cc, me)) != 0 || (code = krb5_cc_store_cred(ctx, k->cc, &creds)) != 0) {
		krb_error(ctx, code, "credential cache", k->ccname, err, errlen);
		rc = -EIO;
		goto out;
	}
	rc = 0;
out:
	krb5_free_cred_contents(ctx, &creds);
	if (opt)
		krb5_get_init_creds_opt_free(ctx, opt);
	if (kt)
		krb5_kt_close(ctx, kt);
	if (me)
		krb5_free_principal(ctx, me);
	if (rc < 0)
		ad_krb5_release(k);
	return rc;
}

/* ---- SASL GSSAPI, RFC 4752 ---------------------------------------------------- */

#define SASL_GSSAPI_MAX_ROUNDS  8       /* Kerberos needs 2, then the layer exchange */
#define SASL_LAYER_NONE         0x01    /* RFC 4752 3.3: the security layer bit mask */

static void gss_error(OM_uint32 major, OM_uint32 minor, const char *what, char *err, size_t errlen)
{
	char text[384] = "";
	size_t used = 0;
	OM_uint32 ctx = 0, min2;
	gss_buffer_desc msg;
	/* the mechanism's word (minor) says more than the generic one */
	int type = minor ? GSS_C_MECH_CODE : GSS_C_GSS_CODE;
	OM_uint32 code = minor ? minor : major;
	do {
		if (GSS_ERROR(gss_display_status(&min2, code, type, GSS_C_NO_OID, &ctx, &msg)))
			break;
		int n = snprintf(text + used, sizeof(text) - used, "%s%.*s", used ? "; " : "", (int)msg.length,
				 (const char *)msg.value);
		gss_release_buffer(&min2, &msg);
		if (n < 0 || (size_t)n >= sizeof(text) - used)
			break;
		used += (size_t)n;
	} while (ctx != 0);
	snprintf(err, errlen, "%s: %s", what, text[0] ? text : "GSS-API error");
}

int ad_krb5_sasl_bind(struct ad_krb5 *k, struct ldap *ld, const char *host, char *err, size_t errlen)
{
	gss_key_value_element_desc from = { .key = "ccache", .value = k->ccname };
	gss_key_value_set_desc store = { .count = 1, .elements = &from };
	gss_OID_set_desc mechs = { .count = 1, .elements = (gss_OID)gss_mech_krb5 };
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	gss_name_t target = GSS_C_NO_NAME;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	OM_uint32 major, minor;
	struct berval *in = NULL;
	char service[300];
	int rc = -EIO;

	if (k->cc == NULL) {
		snprintf(err, errlen, "GSSAPI bind without a ticket");
		return -EINVAL;
	}
	major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &store, &cred,
				      NULL, NULL);
	if (GSS_ERROR(major)) {
		gss_error(major, minor, "GSS-API credential from the keytab's ticket", err, errlen);
		return -EIO;
	}
	snprintf(service, sizeof(service), "ldap@%s", host);
	gss_buffer_desc sname = { .length = strlen(service), .value = service };
	major = gss_import_name(&minor, &sname, GSS_C_NT_HOSTBASED_SERVICE, &target);
	if (GSS_ERROR(major)) {
		gss_error(major, minor, "service name", err, errlen);
		goto out;
	}

	bool established = false, layer_sent = false;
	for (int round = 0; round < SASL_GSSAPI_MAX_ROUNDS; round++) {
		gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
		if (!established) {
			gss_buffer_desc intok = { .length = in ? in->bv_len : 0, .value = in ? in->bv_val : NULL };
			/* No integrity or confidentiality flags: TLS carries them,
			 * and a DC refuses a SASL layer inside TLS. */
			major = gss_init_sec_context(&minor, cred, &ctx, target, (gss_OID)gss_mech_krb5,
						     GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
						     in ? &intok : GSS_C_NO_BUFFER, NULL, &token, NULL, NULL);
			if (GSS_ERROR(major)) {
				char what[360];
				snprintf(what, sizeof(what), "Kerberos for ldap/%.200s", host);
				gss_error(major, minor, what, err, errlen);
				rc = -EACCES;
				goto out;
			}
			established = major == GSS_S_COMPLETE;
		} else if (!layer_sent) {
			/* The server offers layers and its buffer size (RFC 4752 3.1);
			 * the answer: no layer, no buffer, no authorization identity. */
			gss_buffer_desc wrapped = { .length = in ? in->bv_len : 0, .value = in ? in->bv_val : NULL };
			gss_buffer_desc plain = GSS_C_EMPTY_BUFFER;
			major = gss_unwrap(&minor, ctx, &wrapped, &plain, NULL, NULL);
			if (GSS_ERROR(major) || plain.length != 4) {
				if (GSS_ERROR(major))
					gss_error(major, minor, "the DC's security layer offer", err, errlen);
				else
					snprintf(err, errlen, "the DC's security layer offer has %zu bytes, not 4",
						 (size_t)plain.length);
				gss_release_buffer(&minor, &plain);
				goto out;
			}
			unsigned char offered = ((unsigned char *)plain.value)[0];
			gss_release_buffer(&minor, &plain);
			if (!(offered & SASL_LAYER_NONE)) {
				snprintf(err, errlen, "the DC insists on a SASL security layer inside TLS (offer 0x%02x)",
					 offered);
				rc = -EPROTO;
				goto out;
			}
			unsigned char answer[4] = { SASL_LAYER_NONE, 0, 0, 0 };
			gss_buffer_desc ans = { .length = sizeof(answer), .value = answer };
			major = gss_wrap(&minor, ctx, 0, GSS_C_QOP_DEFAULT, &ans, NULL, &token);
			if (GSS_ERROR(major)) {
				gss_error(major, minor, "the security layer answer", err, errlen);
				goto out;
			}
			layer_sent = true;
		} else {
			snprintf(err, errlen, "the DC asks for more after the security layer exchange");
			rc = -EPROTO;
			goto out;
		}
		struct berval out_bv = { .bv_len = token.length, .bv_val = token.value };
		if (in) {
			ber_bvfree(in);
			in = NULL;
		}
		int lrc = ldap_sasl_bind_s(ld, NULL, "GSSAPI", &out_bv, NULL, NULL, &in);
		gss_release_buffer(&minor, &token);
		if (lrc == LDAP_SUCCESS && established) {
			rc = 0;
			goto out;
		}
		if (lrc != LDAP_SASL_BIND_IN_PROGRESS) {
			char *diag = NULL;
			ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
			snprintf(err, errlen, "%s%s%.300s", ldap_err2string(lrc), diag && *diag ? ": " : "",
				 diag ? diag : "");
			ldap_memfree(diag);
			rc = lrc == LDAP_INVALID_CREDENTIALS || lrc == LDAP_STRONG_AUTH_REQUIRED ||
			     lrc == LDAP_UNWILLING_TO_PERFORM ? -EACCES : -EIO;
			goto out;
		}
	}
	snprintf(err, errlen, "no end to the SASL GSSAPI exchange after %d rounds", SASL_GSSAPI_MAX_ROUNDS);
	rc = -EPROTO;
out:
	if (in)
		ber_bvfree(in);
	if (ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	if (target != GSS_C_NO_NAME)
		gss_release_name(&minor, &target);
	if (cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&minor, &cred);
	return rc;
}
