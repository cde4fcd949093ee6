/* policy.h — facts about one device become a verdict.
 *
 * Pure: policy_evaluate() reads a struct device_facts and the ordered rules
 * of the configuration and returns a struct verdict that explains itself
 * (which rule decided, which of its conditions matched and why). No I/O, no
 * clock: the caller puts "now" into the facts, so tests can move time.
 *
 * Order of decision:
 *   1. an admin override that has not expired (built-in rule "override");
 *   2. the configured rules, first match wins; every condition given in a
 *      rule's match must hold (AND), any value of a list may match (OR);
 *   3. nothing matched: quarantine (built-in rule "default"). A fresh
 *      install with no rules therefore quarantines every device.
 */
#ifndef MENJIN_POLICY_H
#define MENJIN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_MAX_RULES        512
#define POLICY_MAX_LIST         4096   /* values in one match list (MACs, OUIs, patterns) */
#define POLICY_NAME_MAX         64
#define POLICY_REASON_MAX       256
#define POLICY_WHY_MAX          768
#define POLICY_SUMMARY_MAX      (POLICY_REASON_MAX + 32)
#define ROLE_NAME_MAX           32

#define FACT_HOSTNAME_MAX       64
#define FACT_VENDOR_CLASS_MAX   128
#define FACT_FINGERPRINT_MAX    256    /* option 55 as "1,3,6,15,..." */
#define FACT_IDENTITY_MAX       128
#define FACT_GROUP_MAX          64
#define FACT_MAX_GROUPS         32
#define FACT_ITEM_MAX           48     /* a GCB item id: "TWGCB-01-008-0003" */
#define FACT_MAX_FAILED         16

/* Verdict states use the fast path's numbering (decide.h enum device_state). */
enum verdict_state {
	VERDICT_UNKNOWN     = 0,
	VERDICT_QUARANTINE  = 1,
	VERDICT_ADMIT       = 2,
	VERDICT_BLOCK       = 3,
};

/* Result of 802.1X or MAB (filled by the authenticator, a later issue). */
enum auth_result {
	AUTH_NONE = 0,          /* no attempt seen */
	AUTH_DOT1X,             /* 802.1X succeeded */
	AUTH_DOT1X_FAILED,
	AUTH_MAB,               /* MAC Authentication Bypass accepted */
	AUTH_MAB_FAILED,
	AUTH__MAX
};

/* Account state of the device's AD computer/user object (AD sync, later). */
enum account_state {
	ACCOUNT_UNKNOWN = 0,    /* not found in AD or AD not synchronised */
	ACCOUNT_ENABLED,
	ACCOUNT_DISABLED,
	ACCOUNT__MAX
};

/* GCB posture. STALE is derived: a result older than posture_max_age. */
enum posture_status {
	POSTURE_UNKNOWN = 0,    /* never scanned */
	POSTURE_COMPLIANT,
	POSTURE_NONCOMPLIANT,
	POSTURE_STALE,
	POSTURE__MAX
};

struct override_fact {
	bool     active;
	uint8_t  state;                     /* enum verdict_state */
	uint16_t role_id;
	char     role[ROLE_NAME_MAX];
	char     reason[POLICY_REASON_MAX];
	int64_t  expires;                   /* unix seconds; 0 = never */
	uint32_t uid;                       /* who set it */
	char     user[64];
};

struct device_facts {
	int64_t  now;                       /* unix seconds */
	uint8_t  mac[6];
	uint32_t ipv4;                      /* host order, 0 unknown */
	char     hostname[FACT_HOSTNAME_MAX];
	char     vendor_class[FACT_VENDOR_CLASS_MAX];
	char     fingerprint[FACT_FINGERPRINT_MAX];

	/* 802.1X / MAB (slot for the authenticator issue) */
	uint8_t  auth;                      /* enum auth_result */
	char     identity[FACT_IDENTITY_MAX];
	/* The role the RADIUS server named (Filter-Id, Tunnel-Private-Group-Id)
	 * for the live session, resolved against the configured roles by
	 * menjind; a rule with role = "radius" admits with it. */
	bool     radius_role_set;            /* a configured role was named */
	uint16_t radius_role_id;
	char     radius_role[ROLE_NAME_MAX];

	/* Active Directory (slot for the AD sync issue) */
	uint8_t  account;                   /* enum account_state */
	uint8_t  ngroups;
	char     groups[FACT_MAX_GROUPS][FACT_GROUP_MAX];

	/* GCB posture (slot for the posture issue) */
	uint8_t  posture;                   /* enum posture_status as recorded */
	int64_t  posture_scanned;           /* unix seconds of the scan, 0 unknown */
	uint8_t  nfailed;
	char     failed[FACT_MAX_FAILED][FACT_ITEM_MAX];

	struct override_fact override;
};

/* A list of shell-style patterns (fnmatch, case-insensitive). */
struct pattern_list {
	unsigned n;
	char   **v;
};

/* Conditions of one rule. A condition with n == 0 / mask == 0 is absent. */
struct policy_match {
	unsigned  nmacs;
	uint8_t (*macs)[6];                 /* sorted, for bsearch */
	unsigned  nouis;
	uint8_t (*ouis)[3];                 /* sorted */
	struct pattern_list hostname;
	struct pattern_list vendor_class;
	struct pattern_list fingerprint;
	struct pattern_list identity;
	struct pattern_list groups;         /* any AD group matches any pattern */
	struct pattern_list failed;         /* any failing GCB item matches any pattern */
	uint32_t  auth_mask;                /* bit (1 << enum auth_result) */
	uint32_t  account_mask;             /* bit (1 << enum account_state) */
	uint32_t  posture_mask;             /* bit (1 << enum posture_status), after staleness */
	int8_t    override;                 /* -1 absent, 0 no active override, 1 active */
};

struct policy_rule {
	char     name[POLICY_NAME_MAX];
	int      line;                      /* in the configuration file, for messages */
	struct policy_match match;
	uint8_t  state;                     /* enum verdict_state */
	uint16_t role_id;
	char     role[ROLE_NAME_MAX];
	bool     role_from_radius;          /* role = "radius": the session's RADIUS role;
	                                       the rule does not match without one */
	char     reason[POLICY_REASON_MAX]; /* template, may be empty */
};

#define POLICY_ROLE_RADIUS "radius"  /* role name standing for the RADIUS-assigned role */

struct policy {
	unsigned nrules;
	struct policy_rule *rules;
	int64_t  posture_max_age;           /* seconds; 0 = results never go stale */
};

#define VERDICT_RULE_OVERRIDE  (-2)
#define VERDICT_RULE_DEFAULT   (-1)

struct verdict {
	uint8_t  state;                     /* enum verdict_state */
	uint16_t role_id;
	char     role[ROLE_NAME_MAX];
	int      rule_index;                /* index in policy.rules, or VERDICT_RULE_* */
	char     rule[POLICY_NAME_MAX];     /* "override", "default" or the rule's name */
	char     reason[POLICY_REASON_MAX]; /* expanded template, or the conditions */
	char     why[POLICY_WHY_MAX];       /* every condition that matched, "; " joined */
	int64_t  expires;                   /* when the verdict must be recomputed; 0 never */
};

/* Decide. Never fails: the worst case is the default quarantine. */
void policy_evaluate(const struct policy *p, const struct device_facts *f, struct verdict *v);

/* Does rule r match? If so and why is given, write its conditions there. */
bool policy_rule_matches(const struct policy *p, const struct policy_rule *r,
			 const struct device_facts *f, char *why, size_t whylen);

/* The posture after staleness is applied. */
enum posture_status policy_posture(const struct policy *p, const struct device_facts *f);

/* Check a reason template: 0, or -EINVAL with the bad placeholder in err. */
int policy_template_check(const char *tmpl, char *err, size_t errlen);

/* "quarantined: GCB TWGCB-01-008-0003 failed, scan 2026-11-20" */
void verdict_summary(const struct verdict *v, char *out, size_t outlen);

/* Names as used in the configuration and the API; parse returns -1 if unknown. */
const char *verdict_state_name(int state);      /* "unknown", "quarantined", "admitted", "blocked" */
int verdict_parse(const char *s);               /* "admit"/"admitted", "quarantine"/..., "block"/... */
const char *auth_result_name(int a);            /* "none", "dot1x", "dot1x-failed", "mab", "mab-failed" */
int auth_result_parse(const char *s);
const char *account_state_name(int a);          /* "unknown", "enabled", "disabled" */
int account_state_parse(const char *s);
const char *posture_status_name(int p);         /* "unknown", "compliant", "noncompliant", "stale" */
int posture_status_parse(const char *s);

void policy_match_free(struct policy_match *m);
void policy_free(struct policy *p);

#endif
