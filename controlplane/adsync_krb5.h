/* adsync_krb5.h — Kerberos credentials of AD sync's service account from a
 * keytab (ad.keytab_file), for a SASL GSSAPI bind.
 *
 * One sync job (a worker thread) gets a ticket-granting ticket for the
 * service principal from the keytab into a MEMORY credential cache of its
 * own and binds with a GSS-API credential taken from that cache alone
 * (gss_acquire_cred_from): no environment variable is set, nothing is
 * written to disk, other threads are not affected. ad_krb5_release()
 * destroys the cache.
 *
 * The keytab is a secret like the password file: a regular file owned by
 * the user running menjind with no group or other permission bits, or it is
 * refused. krb5.conf is the system's (or $KRB5_CONFIG): the realm's KDCs.
 */
#ifndef MENJIN_ADSYNC_KRB5_H
#define MENJIN_ADSYNC_KRB5_H

#include <stddef.h>

#define AD_KRB5_CCNAME_MAX  64

struct ad_krb5 {
	void *ctx;                          /* krb5_context */
	void *cc;                           /* krb5_ccache (MEMORY) */
	char  ccname[AD_KRB5_CCNAME_MAX];   /* "MEMORY:menjin-ad-..." */
};

/* Check the keytab file as a secret (owner, mode): 0, or -EPERM/-errno with
 * the reason in err ("keytab file X: mode 0640 lets group or others read
 * it; refused, run chmod 600 X"). */
int ad_krb5_check_keytab(const char *path, char *err, size_t errlen);

/* principal: "user@REALM" (the realm is upper-cased: "svc@menjin.test"
 * means svc@MENJIN.TEST). 0, or a negative errno with the reason in err. */
int ad_krb5_acquire(struct ad_krb5 *k, const char *keytab, const char *principal, char *err, size_t errlen);
void ad_krb5_release(struct ad_krb5 *k);

/* SASL GSSAPI (RFC 4752) on an LDAP handle whose TLS is up, with the
 * ticket of k: the Kerberos exchange for ldap/<host>, then "no security
 * layer" (TLS protects the connection; Windows DCs refuse a layer inside
 * TLS). Written on ldap_sasl_bind_s() and GSS-API directly, not Cyrus
 * SASL: its GSSAPI plugin leaks the credential it acquires at every bind.
 * 0; -EACCES (refused), -EIO (Kerberos/GSS-API) with the reason in err. */
struct ldap;
int ad_krb5_sasl_bind(struct ad_krb5 *k, struct ldap *ld, const char *host, char *err, size_t errlen);

#endif
