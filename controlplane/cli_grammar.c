/* cli_grammar.c — menjin-cli's command language (see cli_grammar.h).
 *
 * The commands are a tree of nodes. A node is a keyword ("show"), or a
 * value ("MAC") when it has no word; a node with an action ends a command.
 * A node flagged OPTIONS takes its keyword children in any order, each at
 * most once (`state S`, `role R`); a value child of such a node may come
 * instead of them (`show devices 10.10.1.11`). One walker serves parsing,
 * Tab and `?`, so what completes is exactly what parses.
 */
#include "cli_grammar.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mac.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define F_OPTIONS   0x01   /* keyword children are options: any order, each once */
#define F_REQUIRED  0x02   /* an option that must be given */
#define F_RUN       0x04   /* configure mode `run`: the rest is an exec command */

struct cli_node {
	const char            *word;       /* keyword; NULL for a value */
	const char            *alias;      /* another spelling of the keyword */
	enum cli_value         value;      /* the value this node is, or the keyword takes */
	const char            *meta;       /* the value's name in help */
	const char            *help;
	enum cli_action        action;     /* a command may end after this node */
	enum cli_slot          slot;
	uint8_t                min_abbrev; /* shortest abbreviation accepted; 0: any unique prefix */
	uint8_t                flags;
	long long              min, max;   /* CLI_V_NUMBER range; max bytes of a WORD/TEXT */
	const struct cli_node *children;   /* ends with an all-zero node */
};

static bool node_end(const struct cli_node *n)
{
	return n->word == NULL && n->value == CLI_V_NONE;
}

/* ---- the exec mode commands ------------------------------------------------------ */

static const struct cli_node devices_opts[] = {
	{ .word = "state", .value = CLI_V_STATE, .meta = "STATE", .slot = CLI_S_STATE,
	  .help = "only devices in this state: unknown, quarantined, admitted, blocked" },
	{ .word = "role", .value = CLI_V_ROLE, .meta = "ROLE", .slot = CLI_S_ROLE, .max = 31,
	  .help = "only devices with this role" },
	{ .word = "search", .value = CLI_V_WORD, .meta = "TEXT", .slot = CLI_S_SEARCH, .max = 128,
	  .help = "only devices whose MAC, IP, host name or identity contains TEXT" },
	{ .value = CLI_V_DEVICE, .meta = "MAC|IP|NAME", .slot = CLI_S_DEVICE, .action = CLI_SHOW_DEVICE,
	  .help = "one device: facts, verdict and why" },
	{ 0 }
};

static const struct cli_node sessions_opts[] = {
	{ .word = "device", .value = CLI_V_MAC, .meta = "MAC", .slot = CLI_S_MAC, .help = "sessions of one device" },
	{ 0 }
};

static const struct cli_node posture_kids[] = {
	{ .word = "device", .value = CLI_V_MAC, .meta = "MAC", .slot = CLI_S_MAC, .action = CLI_SHOW_POSTURE_DEVICE,
	  .help = "one device: GCB verdict, failing items, baselines" },
	{ 0 }
};

static const struct cli_node events_opts[] = {
	{ .word = "count", .value = CLI_V_NUMBER, .meta = "N", .slot = CLI_S_COUNT, .min = 1, .max = CLI_EVENTS_MAX,
	  .help = "the newest N events (default 20, at most 1000)" },
	{ 0 }
};

static const struct cli_node configuration_kids[] = {
	{ .word = "history", .action = CLI_SHOW_CONFIG_HISTORY,
	  .help = "versions: who, when, why (N: rollback N)" },
	{ .word = "rollback", .value = CLI_V_NUMBER, .meta = "N", .slot = CLI_S_VERSION, .min = 0,
	  .max = CLI_ROLLBACK_MAX, .action = CLI_SHOW_CONFIG_ROLLBACK,
	  .help = "the version N commits ago (0: running)" },
	{ 0 }
};

static const struct cli_node show_kids[] = {
	{ .word = "ad", .action = CLI_SHOW_AD, .help = "AD sync: state, last sync, counts" },
	{ .word = "central", .action = CLI_SHOW_CENTRAL, .help = "threat feeds, blocklist, shared blocks, SOC queue" },
	{ .word = "configuration", .action = CLI_SHOW_CONFIGURATION, .children = configuration_kids,
	  .help = "the running configuration" },
	{ .word = "devices", .alias = "device", .action = CLI_SHOW_DEVICES, .flags = F_OPTIONS,
	  .children = devices_opts, .help = "devices and their verdicts" },
	{ .word = "events", .action = CLI_SHOW_EVENTS, .flags = F_OPTIONS, .children = events_opts,
	  .help = "recent decisions, overrides and audit" },
	{ .word = "policy", .action = CLI_SHOW_POLICY, .help = "the ordered policy rules and the default" },
	{ .word = "posture", .action = CLI_SHOW_POSTURE, .children = posture_kids,
	  .help = "GCB compliance by role and baseline" },
	{ .word = "radius", .action = CLI_SHOW_RADIUS, .help = "RADIUS servers (alive or dead) and counters" },
	{ .word = "roles", .action = CLI_SHOW_ROLES, .help = "roles, ACLs, the quarantine allowlist" },
	{ .word = "sessions", .action = CLI_SHOW_SESSIONS, .flags = F_OPTIONS, .children = sessions_opts,
	  .help = "802.1X and MAB sessions" },
	{ .word = "stats", .alias = "statistics", .action = CLI_SHOW_STATS,
	  .help = "device counts, daemon and fast path" },
	{ 0 }
};

static const struct cli_node monitor_events_opts[] = {
	{ .word = "count", .value = CLI_V_NUMBER, .meta = "N", .slot = CLI_S_COUNT, .min = 1, .max = CLI_MONITOR_MAX,
	  .help = "stop after N events" },
	{ 0 }
};

static const struct cli_node monitor_kids[] = {
	{ .word = "events", .action = CLI_MONITOR_EVENTS, .flags = F_OPTIONS, .children = monitor_events_opts,
	  .help = "events as they happen (Ctrl-C stops)" },
	{ 0 }
};

static const struct cli_node override_opts[] = {
	{ .word = "for", .value = CLI_V_DURATION, .meta = "DURATION", .slot = CLI_S_DURATION,
	  .help = "until it expires: 90s, 30m, 8h, 7d, 2w or permanent (the default)" },
	{ .word = "role", .value = CLI_V_ROLE, .meta = "ROLE", .slot = CLI_S_ROLE, .max = 31,
	  .help = "the role while admitted (default: the policy's)" },
	{ .word = "reason", .value = CLI_V_TEXT, .meta = "TEXT", .slot = CLI_S_REASON, .flags = F_REQUIRED, .max = 255,
	  .help = "why, for the audit log and the device's verdict (the rest of the line)" },
	{ 0 }
};

static const struct cli_node clear_opts[] = {
	{ .word = "reason", .value = CLI_V_TEXT, .meta = "TEXT", .slot = CLI_S_REASON, .max = 255,
	  .help = "why, for the audit log (the rest of the line)" },
	{ 0 }
};

static const struct cli_node request_mac_kids[] = {
	{ .word = "admit", .slot = CLI_S_VERDICT, .action = CLI_REQUEST_OVERRIDE, .flags = F_OPTIONS,
	  .children = override_opts, .help = "admit it, whatever the policy says" },
	{ .word = "quarantine", .slot = CLI_S_VERDICT, .action = CLI_REQUEST_OVERRIDE, .flags = F_OPTIONS,
	  .children = override_opts, .help = "quarantine it: DHCP, DNS and remediation only" },
	{ .word = "block", .slot = CLI_S_VERDICT, .action = CLI_REQUEST_OVERRIDE, .flags = F_OPTIONS,
	  .children = override_opts, .help = "block it: every frame dropped" },
	{ .word = "clear", .action = CLI_REQUEST_CLEAR, .flags = F_OPTIONS, .children = clear_opts,
	  .help = "remove the override: the policy decides again" },
	{ .word = "reauth", .action = CLI_REQUEST_REAUTH, .help = "authenticate it again (802.1X or MAB)" },
	{ 0 }
};

static const struct cli_node request_device_kids[] = {
	{ .value = CLI_V_MAC, .meta = "MAC", .slot = CLI_S_MAC, .children = request_mac_kids,
	  .help = "the device's MAC address" },
	{ 0 }
};

static const struct cli_node sync_ad_opts[] = {
	{ .word = "full", .slot = CLI_S_FLAG, .help = "a full sync instead of an incremental one" },
	{ 0 }
};

static const struct cli_node request_sync_kids[] = {
	{ .word = "ad", .action = CLI_REQUEST_SYNC_AD, .flags = F_OPTIONS, .children = sync_ad_opts,
	  .help = "read Active Directory now" },
	{ .word = "central", .action = CLI_REQUEST_SYNC_CENTRAL, .help = "poll the centre for a new policy bundle now" },
	{ .word = "feeds", .action = CLI_REQUEST_SYNC_FEEDS, .help = "poll every threat feed now" },
	{ .word = "posture", .action = CLI_REQUEST_SYNC_POSTURE, .help = "import GCB scan results now" },
	{ 0 }
};

/* request posture MAC waive ITEM... [status S] [for D] reason TEXT, or
 * status S [waive ITEM...] [for D] reason TEXT, or clear reason TEXT */
#define POSTURE_FOR_NODE                                                                                     \
	{ .word = "for", .value = CLI_V_DURATION, .meta = "DURATION", .slot = CLI_S_DURATION,                \
	  .help = "until it ends and the scans alone decide: 90s, 30m, 8h, 7d, 2w or permanent (the default)" }
#define POSTURE_REASON_NODE                                                                                  \
	{ .word = "reason", .value = CLI_V_TEXT, .meta = "TEXT", .slot = CLI_S_REASON, .flags = F_REQUIRED,  \
	  .max = 255, .help = "why (the approved exception), for the audit log (the rest of the line)" }

static const struct cli_node posture_waive_opts[] = {
	{ .word = "status", .value = CLI_V_POSTURE, .meta = "STATUS", .slot = CLI_S_POSTURE,
	  .help = "also force the posture: compliant, noncompliant, unknown or stale" },
	POSTURE_FOR_NODE,
	POSTURE_REASON_NODE,
	{ 0 }
};

static const struct cli_node posture_status_opts[] = {
	{ .word = "waive", .value = CLI_V_ITEMS, .meta = "ITEM...", .slot = CLI_S_ITEMS,
	  .help = "also waive these GCB items (approved exceptions: not counted)" },
	POSTURE_FOR_NODE,
	POSTURE_REASON_NODE,
	{ 0 }
};

static const struct cli_node posture_clear_opts[] = {
	POSTURE_REASON_NODE,
	{ 0 }
};

static const struct cli_node request_posture_mac_kids[] = {
	{ .word = "waive", .value = CLI_V_ITEMS, .meta = "ITEM...", .slot = CLI_S_ITEMS,
	  .action = CLI_REQUEST_POSTURE_OVERRIDE, .flags = F_OPTIONS, .children = posture_waive_opts,
	  .help = "GCB items approved as exceptions: not counted in its verdict" },
	{ .word = "status", .value = CLI_V_POSTURE, .meta = "STATUS", .slot = CLI_S_POSTURE,
	  .action = CLI_REQUEST_POSTURE_OVERRIDE, .flags = F_OPTIONS, .children = posture_status_opts,
	  .help = "force its posture: compliant, noncompliant, unknown or stale" },
	{ .word = "clear", .action = CLI_REQUEST_POSTURE_CLEAR, .flags = F_OPTIONS, .children = posture_clear_opts,
	  .help = "remove its posture override: the scans alone decide" },
	{ 0 }
};

static const struct cli_node request_posture_kids[] = {
	{ .value = CLI_V_MAC, .meta = "MAC", .slot = CLI_S_MAC, .children = request_posture_mac_kids,
	  .help = "the device's MAC address" },
	{ 0 }
};

static const struct cli_node request_kids[] = {
	{ .word = "device", .children = request_device_kids, .help = "decide a device by hand, or re-authenticate it" },
	{ .word = "posture", .children = request_posture_kids,
	  .help = "GCB exceptions of a device: waive items, force its posture, clear" },
	{ .word = "reload", .action = CLI_REQUEST_RELOAD, .help = "read the configuration file again" },
	{ .word = "sync", .children = request_sync_kids, .help = "AD, GCB results, the central bundle or threat feeds, now" },
	{ 0 }
};

static const struct cli_node capture_count_opts[] = {
	{ .word = "count", .value = CLI_V_NUMBER, .meta = "N", .slot = CLI_S_COUNT, .min = 1, .max = CLI_CAPTURE_MAX,
	  .help = "frames to capture (default 100)" },
	{ 0 }
};

static const struct cli_node capture_port_kids[] = {
	{ .value = CLI_V_FILTER, .meta = "FILTER", .slot = CLI_S_FILTER, .action = CLI_CAPTURE, .flags = F_OPTIONS,
	  .children = capture_count_opts, .max = 255,
	  .help = "a pcap filter, e.g. tcp port 80 (quote it if it holds | or ;)" },
	{ .word = "count", .value = CLI_V_NUMBER, .meta = "N", .slot = CLI_S_COUNT, .min = 1, .max = CLI_CAPTURE_MAX,
	  .help = "frames to capture (default 100)" },
	{ 0 }
};

static const struct cli_node capture_kids[] = {
	{ .value = CLI_V_PORT, .meta = "PORT", .slot = CLI_S_PORT, .action = CLI_CAPTURE, .flags = F_OPTIONS,
	  .children = capture_port_kids, .max = 31, .help = "the fast path port: lan0, uplink, or its index" },
	{ 0 }
};

static const struct cli_node exec_top[] = {
	{ .word = "capture", .children = capture_kids, .help = "capture frames of a port to a pcap file" },
	{ .word = "configure", .action = CLI_CONFIGURE, .help = "change the configuration (admin)" },
	/* "conf" must stay `configure`, as on every router */
	{ .word = "confirm", .action = CLI_CONFIRM, .min_abbrev = 6,
	  .help = "keep what `commit confirmed` applied" },
	{ .word = "exit", .alias = "quit", .action = CLI_EXIT, .help = "leave the CLI" },
	{ .word = "help", .action = CLI_HELP, .help = "the commands and what they do" },
	{ .word = "monitor", .children = monitor_kids, .help = "follow what happens" },
	{ .word = "request", .children = request_kids, .help = "act: override a device, sync, reload" },
	{ .word = "show", .children = show_kids, .help = "show state: devices, sessions, posture, events..." },
	{ 0 }
};

/* ---- the configure mode commands --------------------------------------------------- */

static const struct cli_node cfg_words[] = {
	{ .value = CLI_V_CONFIG, .meta = "PATH VALUE", .action = CLI_CFG_SET,
	  .help = "a setting and its value: menjind log_level debug; [ a b ] for a list" },
	{ 0 }
};

static const struct cli_node cfg_delete_words[] = {
	{ .value = CLI_V_CONFIG, .meta = "PATH [VALUE]", .action = CLI_CFG_DELETE,
	  .help = "a setting, a named element (policy NAME), or one value of a list" },
	{ 0 }
};

static const struct cli_node cfg_insert_words[] = {
	{ .value = CLI_V_CONFIG, .meta = "LIST NAME before|after NAME", .action = CLI_CFG_INSERT,
	  .help = "move an element of a list: policy NAME before OTHER" },
	{ 0 }
};

static const struct cli_node cfg_show_words[] = {
	{ .value = CLI_V_CONFIG, .meta = "PATH", .action = CLI_CFG_SHOW, .help = "only this part" },
	{ 0 }
};

static const struct cli_node commit_opts[] = {
	{ .word = "confirmed", .value = CLI_V_NUMBER, .meta = "MINUTES", .slot = CLI_S_MINUTES, .min = 1,
	  .max = CLI_CONFIRM_MAX_MIN, .help = "rolled back by itself unless confirmed within MINUTES" },
	{ .word = "comment", .value = CLI_V_TEXT, .meta = "TEXT", .slot = CLI_S_COMMENT, .max = 255,
	  .help = "a note kept with this version (the rest of the line)" },
	{ 0 }
};

static const struct cli_node cfg_rollback_kids[] = {
	{ .value = CLI_V_NUMBER, .meta = "N", .slot = CLI_S_VERSION, .min = 0, .max = CLI_ROLLBACK_MAX,
	  .action = CLI_CFG_ROLLBACK, .help = "load the version N commits ago as the candidate" },
	{ 0 }
};

static const struct cli_node cfg_exit_opts[] = {
	{ .word = "discard", .slot = CLI_S_FLAG, .help = "leave, dropping uncommitted changes" },
	{ 0 }
};

static const struct cli_node config_top[] = {
	{ .word = "commit", .action = CLI_CFG_COMMIT, .flags = F_OPTIONS, .children = commit_opts,
	  .help = "apply the candidate configuration" },
	{ .word = "confirm", .action = CLI_CONFIRM, .help = "keep what `commit confirmed` applied" },
	{ .word = "delete", .children = cfg_delete_words, .help = "remove a setting from the candidate" },
	{ .word = "exit", .alias = "quit", .action = CLI_CFG_EXIT, .flags = F_OPTIONS, .children = cfg_exit_opts,
	  .help = "back to operational mode" },
	{ .word = "help", .action = CLI_HELP, .help = "the commands and what they do" },
	{ .word = "insert", .children = cfg_insert_words, .help = "reorder a list (policy rules are ordered)" },
	{ .word = "rollback", .children = cfg_rollback_kids, .help = "load an earlier version as the candidate" },
	{ .word = "run", .flags = F_RUN, .help = "an operational command: run show devices" },
	{ .word = "set", .children = cfg_words, .help = "change a setting in the candidate" },
	{ .word = "show", .action = CLI_CFG_SHOW, .children = cfg_show_words,
	  .help = "the candidate (| compare: its changes)" },
	{ 0 }
};

static const struct cli_node pipe_kids[] = {
	{ .word = "compare", .help = "the changes against the running configuration" },
	{ .word = "count", .help = "count the lines" },
	{ .word = "except", .value = CLI_V_WORD, .meta = "TEXT", .max = CLI_WORD_MAX - 1,
	  .help = "lines not containing TEXT" },
	{ .word = "match", .value = CLI_V_WORD, .meta = "TEXT", .max = CLI_WORD_MAX - 1,
	  .help = "lines containing TEXT" },
	{ .word = "no-more", .help = "do not page" },
	{ 0 }
};

static const char *const state_words[] = { "unknown", "quarantined", "admitted", "blocked" };
static const char *const posture_words[] = { "compliant", "noncompliant", "unknown", "stale" };
/* The options that end a list of GCB items (CLI_V_ITEMS). */
static const char *const items_end_words[] = { "for", "reason", "status", "waive" };

static bool ends_items(const char *x)
{
	size_t l = strlen(x);
	for (size_t k = 0; l && k < NELEM(items_end_words); k++)
		if (strncasecmp(items_end_words[k], x, l) == 0)
			return true;
	return false;
}

/* ---- small helpers ------------------------------------------------------------------- */

static void msg(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Bounded append; a full buffer keeps what fits. */
static void append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;
	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* A word shown in a message: cut, and never a control character. */
static const char *shown(const char *w, char *out, size_t outlen)
{
	size_t i = 0;
	for (; w[i] && i + 4 < outlen && i < 40; i++)
		out[i] = (unsigned char)w[i] < 0x20 || w[i] == 0x7f ? '?' : w[i];
	if (w[i] && i + 4 < outlen) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

unsigned cli_edit_distance(const char *a, const char *b, unsigned cap)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[CLI_CAND_LEN + 1][CLI_CAND_LEN + 1];

	if (la > CLI_CAND_LEN || lb > CLI_CAND_LEN)
		return cap;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			unsigned v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			/* a transposition ("shwo") is one typing slip, not two */
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb] < cap ? d[la][lb] : cap;
}

int cli_parse_number(const char *s, long long min, long long max, long long *out)
{
	long long v = 0;
	if (s[0] == '\0' || strlen(s) > 18)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_parse_duration(const char *s, long long *seconds)
{
	long long n = 0, unit = 1;
	const char *p = s;

	if (strcasecmp(s, "permanent") == 0) {
		*seconds = 0;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > CLI_DURATION_MAX)
			return -ERANGE;
		n = n * 10 + (*p - '0');
	}
	switch (*p) {
	case '\0': break;
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return -EINVAL;
	}
	if (*p && p[1] != '\0')
		return -EINVAL;
	/* 0 would mean "permanent" to the API: say so in words instead */
	if (n == 0)
		return -ERANGE;
	if (n > CLI_DURATION_MAX / unit)
		return -ERANGE;
	*seconds = n * unit;
	return 0;
}

/* ---- tokenizer -------------------------------------------------------------------------- */

const char *cli_token(const struct cli_tokens *t, unsigned i)
{
	return i < t->n ? t->buf + t->tok[i].off : "";
}

int cli_tokenize(const char *line, bool lenient, struct cli_tokens *t, char *err, size_t errlen)
{
	size_t len = strnlen(line, CLI_LINE_MAX + 1), used = 0, i = 0;

	t->n = 0;
	t->open_quote = false;
	if (len > CLI_LINE_MAX) {
		msg(err, errlen, "command longer than %d characters", CLI_LINE_MAX);
		return -EINVAL;
	}
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (line[i] == '#')   /* a comment line (scripts fed on stdin) */
		return 0;
	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n' || line[i] == '\r'))
			i++;
		if (i >= len)
			return 0;
		if (t->n >= CLI_TOKENS_MAX) {
			msg(err, errlen, "more than %d words", CLI_TOKENS_MAX);
			return -EINVAL;
		}
		struct cli_token *tk = &t->tok[t->n];
		size_t wlen = 0;
		tk->start = (uint16_t)i;
		tk->off = (uint16_t)used;
		tk->quoted = false;
		tk->op = 0;
		if (line[i] == ';' || line[i] == '|') {
			tk->op = line[i];
			t->buf[used++] = line[i++];
		} else {
			char quote = 0;
			while (i < len) {
				char c = line[i];
				if ((unsigned char)c < 0x20 && c != '\t') {
					if (!lenient) {
						msg(err, errlen, "control character (0x%02x) in the command", (unsigned char)c);
						return -EINVAL;
					}
					c = '?';
				}
				if (quote) {
					if (c == quote) {
						quote = 0;
						i++;
						continue;
					}
					if (quote == '"' && c == '\\' && i + 1 < len && (line[i + 1] == '"' || line[i + 1] == '\\'))
						c = line[++i];
				} else if (c == ' ' || c == '\t' || c == ';' || c == '|') {
					break;
				} else if (c == '"' || c == '\'') {
					quote = c;
					tk->quoted = true;
					i++;
					continue;
				} else if (c == '\\' && i + 1 < len) {
					c = line[++i];
				}
				if (wlen + 1 >= CLI_WORD_MAX) {
					msg(err, errlen, "a word longer than %d characters", CLI_WORD_MAX - 1);
					return -EINVAL;
				}
				t->buf[used + wlen++] = c;
				i++;
			}
			if (quote) {
				if (!lenient) {
					msg(err, errlen, "unterminated quote (%c)", quote);
					return -EINVAL;
				}
				t->open_quote = true;
			}
			used += wlen;
		}
		t->buf[used++] = '\0';
		tk->end = (uint16_t)i;
		t->n++;
	}
}

/* ---- keyword lookup ---------------------------------------------------------------------- */

static bool word_is(const struct cli_node *n, const char *w)
{
	return strcasecmp(n->word, w) == 0 || (n->alias && strcasecmp(n->alias, w) == 0);
}

static bool word_starts(const struct cli_node *n, const char *w)
{
	size_t l = strlen(w);
	if (l == 0 || (n->min_abbrev && l < n->min_abbrev))
		return false;
	return strncasecmp(n->word, w, l) == 0 || (n->alias && strncasecmp(n->alias, w, l) == 0);
}

/* The keyword child `w` names: exact (or alias) first, then a unique prefix.
 * Returns its index, -1 when none, -2 when ambiguous (*a and *b are two of them). */
static int find_keyword(const struct cli_node *kids, uint32_t skip, const char *w, int *a, int *b)
{
	int found = -1;
	*a = *b = -1;
	for (int i = 0; !node_end(&kids[i]); i++)
		if (kids[i].word && !(skip & (1u << i)) && word_is(&kids[i], w))
			return i;
	for (int i = 0; !node_end(&kids[i]); i++) {
		if (kids[i].word == NULL || (skip & (1u << i)) || !word_starts(&kids[i], w))
			continue;
		if (found >= 0) {
			*a = found;
			*b = i;
			return -2;
		}
		found = i;
	}
	return found;
}

static int find_value_child(const struct cli_node *kids)
{
	for (int i = 0; !node_end(&kids[i]); i++)
		if (kids[i].word == NULL)
			return i;
	return -1;
}

/* "did you mean 'x'?" for a word among the keyword children; "" if nothing is close. */
static void suggest(const struct cli_node *kids, uint32_t skip, const char *w, char *out, size_t outlen)
{
	unsigned best = CLI_SUGGEST_DIST + 1, wl = (unsigned)strlen(w);
	const char *first = NULL, *second = NULL;

	out[0] = '\0';
	for (int i = 0; !node_end(&kids[i]); i++) {
		if (kids[i].word == NULL || (skip & (1u << i)))
			continue;
		const char *cands[2] = { kids[i].word, kids[i].alias };
		for (int k = 0; k < 2; k++) {
			if (cands[k] == NULL)
				continue;
			unsigned d = cli_edit_distance(w, cands[k], CLI_SUGGEST_DIST + 1);
			/* a one-letter word is close to every two-letter one: no guess */
			if (d >= wl)
				continue;
			if (d < best) {
				best = d;
				first = kids[i].word;
				second = NULL;
			} else if (d == best && first != kids[i].word && second == NULL) {
				second = kids[i].word;
			}
		}
	}
	if (first && second)
		snprintf(out, outlen, ": did you mean '%s' or '%s'?", first, second);
	else if (first)
		snprintf(out, outlen, ": did you mean '%s'?", first);
}

/* "admit, quarantine, block, clear, reauth" */
static void expected(const struct cli_node *kids, uint32_t skip, bool values, char *out, size_t outlen)
{
	out[0] = '\0';
	for (int i = 0; !node_end(&kids[i]); i++) {
		if (skip & (1u << i))
			continue;
		if (kids[i].word)
			append(out, outlen, "%s%s", out[0] ? ", " : "", kids[i].word);
		else if (values)
			append(out, outlen, "%s%s", out[0] ? ", " : "", kids[i].meta);
	}
}

/* ---- walking the tree -------------------------------------------------------------------- */

struct walk {
	const struct cli_node *kids;      /* where the next word is looked up; NULL: nothing may follow */
	const struct cli_node *opts;      /* the OPTIONS node we are in, or NULL */
	uint32_t               used;      /* its options given so far */
	bool                   any_used;
	const struct cli_node *pending;   /* a keyword waiting for its value (completion) */
	const struct cli_node *inval;     /* the multi-word value the line ends in (completion) */
	unsigned               inval_from; /* its first word */
	enum cli_action        action;
	bool                   pipe_needs_value;   /* `| match` without its text yet (completion) */
};

static int set_slot(struct cli_cmd *cmd, const struct cli_node *n, const char *v, char *err, size_t errlen)
{
	size_t max = n->max > 0 ? (size_t)n->max : CLI_TEXT_MAX - 1;
	char w[64];
	if (n->slot == CLI_S_NONE)
		return 0;
	if (strlen(v) > max) {
		msg(err, errlen, "%s: '%s' is too long (at most %zu characters)", n->word ? n->word : n->meta,
		    shown(v, w, sizeof(w)), max);
		return -EINVAL;
	}
	snprintf(cmd->val[n->slot], sizeof(cmd->val[n->slot]), "%s", v);
	cmd->has[n->slot] = true;
	return 0;
}

static const char *where(const struct cli_cmd *cmd)
{
	return cmd->canon[0] ? cmd->canon : "command";
}

/* Is word i the end of the command (end of line, `;` or `|`)? */
static bool at_end(const struct cli_tokens *t, unsigned i, unsigned end)
{
	return i >= end || t->tok[i].op;
}

/* Read the value of node n from word *i on; *i moves past it. */
static int take_value(const struct cli_node *n, const struct cli_tokens *t, unsigned *i, unsigned end,
		      struct cli_cmd *cmd, char *err, size_t errlen)
{
	const char *v = cli_token(t, *i);
	const char *name = n->word ? n->word : n->meta;
	char w[64];
	uint8_t mac[6];
	long long num;
	int rc;

	switch (n->value) {
	case CLI_V_MAC:
		if (mac_parse(v, mac) < 0) {
			msg(err, errlen, "%s: '%s' is not a MAC address (like 00:1a:2b:3c:4d:5e)", where(cmd),
			    shown(v, w, sizeof(w)));
			return -EINVAL;
		}
		mac_format(mac, cmd->val[n->slot]);
		cmd->has[n->slot] = true;
		(*i)++;
		return 0;
	case CLI_V_DEVICE: {
		struct in_addr a;
		if (mac_parse(v, mac) == 0) {
			mac_format(mac, cmd->val[n->slot]);
			cmd->has[n->slot] = true;
			cmd->device_kind = CLI_DEV_MAC;
			(*i)++;
			return 0;
		}
		if (inet_pton(AF_INET, v, &a) == 1)
			cmd->device_kind = CLI_DEV_IP;
		else if (strlen(v) > 253 || v[0] == '\0')
			return msg(err, errlen, "%s: '%s' is not a MAC, an IPv4 address or a host name", where(cmd),
				   shown(v, w, sizeof(w))), -EINVAL;
		else
			cmd->device_kind = CLI_DEV_NAME;
		(*i)++;
		return set_slot(cmd, n, v, err, errlen);
	}
	case CLI_V_STATE: {
		int found = -1;
		for (size_t k = 0; k < NELEM(state_words); k++) {
			if (strcasecmp(state_words[k], v) == 0) {
				found = (int)k;
				break;
			}
			if (v[0] && strncasecmp(state_words[k], v, strlen(v)) == 0)
				found = found == -1 ? (int)k : -2;
		}
		if (found < 0) {
			const char *best = NULL;
			unsigned bd = CLI_SUGGEST_DIST + 1;
			for (size_t k = 0; k < NELEM(state_words); k++) {
				unsigned d = cli_edit_distance(v, state_words[k], CLI_SUGGEST_DIST + 1);
				if (d < bd && d < strlen(v)) {
					bd = d;
					best = state_words[k];
				}
			}
			if (best)
				msg(err, errlen, "%s: unknown state '%s': did you mean '%s'?", where(cmd), shown(v, w, sizeof(w)),
				    best);
			else
				msg(err, errlen, "%s: unknown state '%s'; expected unknown, quarantined, admitted or blocked",
				    where(cmd), shown(v, w, sizeof(w)));
			return -EINVAL;
		}
		(*i)++;
		return set_slot(cmd, n, state_words[found], err, errlen);
	}
	case CLI_V_POSTURE: {
		int found = -1;
		const char *pv = strcasecmp(v, "non-compliant") == 0 ? "noncompliant" : v;
		for (size_t k = 0; k < NELEM(posture_words); k++) {
			if (strcasecmp(posture_words[k], pv) == 0) {
				found = (int)k;
				break;
			}
			if (pv[0] && strncasecmp(posture_words[k], pv, strlen(pv)) == 0)
				found = found == -1 ? (int)k : -2;
		}
		if (found < 0) {
			msg(err, errlen, "%s: unknown posture '%s'; expected compliant, noncompliant, unknown or stale",
			    where(cmd), shown(v, w, sizeof(w)));
			return -EINVAL;
		}
		(*i)++;
		return set_slot(cmd, n, posture_words[found], err, errlen);
	}
	case CLI_V_ITEMS: {
		/* item ids up to the next option; quote an id that reads like one */
		char text[CLI_TEXT_MAX] = "";
		size_t used = 0;
		unsigned count = 0;
		for (; !at_end(t, *i, end); (*i)++) {
			const char *x = cli_token(t, *i);
			if (!t->tok[*i].quoted && ends_items(x))
				break;
			for (const char *p = x; *p; p++) {
				if ((unsigned char)*p <= ' ' || *p == 0x7f) {
					msg(err, errlen, "%s: '%s' is not a GCB item id (no spaces)", where(cmd),
					    shown(x, w, sizeof(w)));
					return -EINVAL;
				}
			}
			if (x[0] == '\0' || strlen(x) >= CLI_ITEM_MAX || ++count > CLI_ITEMS_MAX) {
				msg(err, errlen, "%s: at most %d GCB item ids of at most %d characters", where(cmd),
				    CLI_ITEMS_MAX, CLI_ITEM_MAX - 1);
				return -EINVAL;
			}
			int k = snprintf(text + used, sizeof(text) - used, "%s%s", used ? " " : "", x);
			if (k < 0 || (size_t)k >= sizeof(text) - used) {
				msg(err, errlen, "%s: %s longer than %d characters", where(cmd), name, CLI_TEXT_MAX - 1);
				return -EINVAL;
			}
			used += (size_t)k;
		}
		if (used == 0) {
			msg(err, errlen, "%s: %s needs at least one GCB item id", where(cmd), name);
			return -EINVAL;
		}
		return set_slot(cmd, n, text, err, errlen);
	}
	case CLI_V_ROLE:
		for (const char *p = v; *p; p++) {
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.') {
				msg(err, errlen, "%s: '%s' is not a role name (letters, digits, - _ .)", where(cmd),
				    shown(v, w, sizeof(w)));
				return -EINVAL;
			}
		}
		(*i)++;
		return set_slot(cmd, n, v, err, errlen);
	case CLI_V_WORD:
	case CLI_V_PORT:
		if (v[0] == '\0') {
			msg(err, errlen, "%s: %s must not be empty", where(cmd), name);
			return -EINVAL;
		}
		(*i)++;
		return set_slot(cmd, n, v, err, errlen);
	case CLI_V_DURATION:
		if ((rc = cli_parse_duration(v, &num)) < 0) {
			msg(err, errlen, "%s: '%s' is not a duration (like 90s, 30m, 8h, 7d, 2w or permanent%s)", where(cmd),
			    shown(v, w, sizeof(w)), rc == -ERANGE ? "; at least 1s, at most 100 years" : "");
			return -EINVAL;
		}
		cmd->num[n->slot] = num;
		(*i)++;
		return set_slot(cmd, n, v, err, errlen);
	case CLI_V_NUMBER:
		if (cli_parse_number(v, n->min, n->max, &num) < 0) {
			msg(err, errlen, "%s: %s '%s' is not a number from %lld to %lld", where(cmd), name,
			    shown(v, w, sizeof(w)), n->min, n->max);
			return -EINVAL;
		}
		cmd->num[n->slot] = num;
		(*i)++;
		if (n->slot == CLI_S_NONE)
			return 0;
		snprintf(cmd->val[n->slot], sizeof(cmd->val[n->slot]), "%lld", num);
		cmd->has[n->slot] = true;
		return 0;
	case CLI_V_TEXT:
	case CLI_V_FILTER: {
		char text[CLI_TEXT_MAX] = "";
		size_t used = 0;
		unsigned first = *i;
		for (; !at_end(t, *i, end); (*i)++) {
			const char *x = cli_token(t, *i);
			/* `count` ends a filter: pcap has no such keyword */
			if (n->value == CLI_V_FILTER && !t->tok[*i].quoted && *i > first && strcasecmp(x, "count") == 0)
				break;
			int k = snprintf(text + used, sizeof(text) - used, "%s%s", used ? " " : "", x);
			if (k < 0 || (size_t)k >= sizeof(text) - used) {
				msg(err, errlen, "%s: %s longer than %d characters", where(cmd), name, CLI_TEXT_MAX - 1);
				return -EINVAL;
			}
			used += (size_t)k;
		}
		if (used == 0) {
			msg(err, errlen, "%s: %s must not be empty", where(cmd), name);
			return -EINVAL;
		}
		return set_slot(cmd, n, text, err, errlen);
	}
	case CLI_V_CONFIG: {
		size_t used = 0;
		for (; !at_end(t, *i, end); (*i)++) {
			const char *x = cli_token(t, *i);
			size_t l = strlen(x) + 1;
			if (used + l > sizeof(cmd->words) || cmd->nwords >= CLI_TOKENS_MAX) {
				msg(err, errlen, "%s: too many words", where(cmd));
				return -EINVAL;
			}
			cmd->word_off[cmd->nwords] = (uint16_t)used;
			cmd->word_quoted[cmd->nwords] = t->tok[*i].quoted;
			memcpy(cmd->words + used, x, l);
			used += l;
			cmd->nwords++;
		}
		return 0;
	}
	case CLI_V_NONE:
		break;
	}
	return 0;
}

static void canon_add(struct cli_cmd *cmd, const char *w)
{
	append(cmd->canon, sizeof(cmd->canon), "%s%s", cmd->canon[0] ? " " : "", w);
}

/* Check what the OPTIONS node we leave requires. */
static int check_required(const struct walk *w, const struct cli_cmd *cmd, char *err, size_t errlen)
{
	if (w->opts == NULL)
		return 0;
	for (int i = 0; !node_end(&w->opts->children[i]); i++) {
		const struct cli_node *o = &w->opts->children[i];
		if ((o->flags & F_REQUIRED) && !(w->used & (1u << i))) {
			msg(err, errlen, "%s: '%s %s' is required: %s", where(cmd), o->word, o->meta ? o->meta : "",
			    o->help);
			return -EINVAL;
		}
	}
	return 0;
}

static bool may_end(const struct walk *w)
{
	if (w->action == CLI_NONE || w->pending)
		return false;
	if (w->opts)
		for (int i = 0; !node_end(&w->opts->children[i]); i++)
			if ((w->opts->children[i].flags & F_REQUIRED) && !(w->used & (1u << i)))
				return false;
	return true;
}

/* Enter node n (just matched): record it and move on. */
static void enter(struct walk *w, const struct cli_node *n, bool option)
{
	if (n->action)
		w->action = n->action;
	if (option) {
		/* an option returns to its OPTIONS node's list */
		return;
	}
	if (n->children) {
		w->kids = n->children;
		w->opts = (n->flags & F_OPTIONS) ? n : NULL;
		w->used = 0;
		w->any_used = false;
	} else {
		w->kids = NULL;
		w->opts = NULL;
	}
}

/* Walk the words [from, end) of one command. completing: the line may stop
 * anywhere (a keyword without its value, a text in progress). */
static int walk_words(const struct cli_tokens *t, unsigned from, unsigned end, enum cli_mode mode, bool completing,
		      struct cli_cmd *cmd, struct walk *w, char *err, size_t errlen)
{
	unsigned i = from;
	char sug[160], exp[200], wb[64];
	int rc;

	memset(w, 0, sizeof(*w));
	w->kids = mode == CLI_MODE_CONFIGURE ? config_top : exec_top;
	while (i < end && !t->tok[i].op) {
		const char *word = cli_token(t, i);
		if (w->kids == NULL) {
			msg(err, errlen, "%s: unexpected word '%s'", where(cmd), shown(word, wb, sizeof(wb)));
			return -EINVAL;
		}
		int a, b, k = -1;
		if (!t->tok[i].quoted)
			k = find_keyword(w->kids, w->opts ? w->used : 0, word, &a, &b);
		if (k == -2) {
			msg(err, errlen, "%s%s'%s' is ambiguous: %s or %s?", cmd->canon, cmd->canon[0] ? ": " : "",
			    shown(word, wb, sizeof(wb)), w->kids[a].word, w->kids[b].word);
			return -EINVAL;
		}
		if (k == -1 && !t->tok[i].quoted && w->opts && find_keyword(w->kids, 0, word, &a, &b) >= 0) {
			msg(err, errlen, "%s: '%s' given twice", where(cmd), w->kids[find_keyword(w->kids, 0, word, &a, &b)].word);
			return -EINVAL;
		}
		if (k >= 0) {
			const struct cli_node *n = &w->kids[k];
			bool option = w->opts != NULL;
			if (n->flags & F_RUN) {
				/* `run show devices`: the rest is an exec command */
				canon_add(cmd, n->word);
				cmd->run = true;
				w->kids = exec_top;
				w->opts = NULL;
				i++;
				continue;
			}
			if (!option)
				canon_add(cmd, n->word);
			if (option) {
				w->used |= 1u << k;
				w->any_used = true;
			}
			i++;
			if (n->value != CLI_V_NONE) {
				if (at_end(t, i, end)) {
					if (completing) {
						w->pending = n;
						if (n->action)
							w->action = n->action;
						return 0;
					}
					msg(err, errlen, "%s: %s after '%s' is missing (%s)", where(cmd), n->meta, n->word, n->help);
					return -EINVAL;
				}
				unsigned vstart = i;
				if ((rc = take_value(n, t, &i, end, cmd, err, errlen)) < 0)
					return rc;
				if (completing && at_end(t, i, end) &&
				    (n->value == CLI_V_TEXT || n->value == CLI_V_CONFIG || n->value == CLI_V_FILTER)) {
					w->inval = n;
					w->inval_from = vstart;
				}
			} else if (n->slot != CLI_S_NONE) {
				snprintf(cmd->val[n->slot], sizeof(cmd->val[n->slot]), "%s", n->word);
				cmd->has[n->slot] = true;
			}
			enter(w, n, option);
			continue;
		}
		/* not a keyword: a value child takes it */
		int v = find_value_child(w->kids);
		suggest(w->kids, w->opts ? w->used : 0, word, sug, sizeof(sug));
		bool more = !at_end(t, i + 1, end);
		if (v < 0 || (w->opts && w->any_used) ||
		    /* a misspelt option with words after it is not a device name */
		    (w->opts && sug[0] && more && w->kids[v].children == NULL && w->kids[v].value == CLI_V_DEVICE)) {
			if (sug[0] == '\0')
				expected(w->kids, w->opts ? w->used : 0, v >= 0 && !(w->opts && w->any_used), exp, sizeof(exp));
			if (cmd->canon[0] == '\0')
				msg(err, errlen, "unknown command '%s'%s", shown(word, wb, sizeof(wb)),
				    sug[0] ? sug : " (type ? or help for the commands)");
			else if (sug[0] == '\0' && exp[0] == '\0')
				msg(err, errlen, "%s: unexpected word '%s'", cmd->canon, shown(word, wb, sizeof(wb)));
			else
				msg(err, errlen, "%s: unknown word '%s'%s%s%s", cmd->canon, shown(word, wb, sizeof(wb)),
				    sug[0] ? sug : "", sug[0] ? "" : "; expected ", sug[0] ? "" : exp);
			return -EINVAL;
		}
		const struct cli_node *n = &w->kids[v];
		unsigned vstart = i;
		if ((rc = take_value(n, t, &i, end, cmd, err, errlen)) < 0)
			return rc;
		if (completing && at_end(t, i, end) &&
		    (n->value == CLI_V_TEXT || n->value == CLI_V_CONFIG || n->value == CLI_V_FILTER)) {
			w->inval = n;
			w->inval_from = vstart;
		}
		enter(w, n, false);
	}
	return 0;
}

/* The `| ...` filters after a command. */
static int walk_pipes(const struct cli_tokens *t, unsigned i, unsigned end, bool completing, struct cli_cmd *cmd,
		      struct walk *w, char *err, size_t errlen)
{
	char wb[64], sug[160];
	while (i < end && t->tok[i].op == '|') {
		i++;
		w->pipe_needs_value = false;
		if (at_end(t, i, end)) {
			if (completing)
				return 0;
			msg(err, errlen, "'|' must be followed by match, except, count, no-more or compare");
			return -EINVAL;
		}
		const char *word = cli_token(t, i);
		int a, b, k = find_keyword(pipe_kids, 0, word, &a, &b);
		if (k < 0) {
			suggest(pipe_kids, 0, word, sug, sizeof(sug));
			if (k == -2)
				msg(err, errlen, "| '%s' is ambiguous: %s or %s?", shown(word, wb, sizeof(wb)), pipe_kids[a].word,
				    pipe_kids[b].word);
			else
				msg(err, errlen, "unknown filter '| %s'%s", shown(word, wb, sizeof(wb)),
				    sug[0] ? sug : "; expected match, except, count, no-more or compare");
			return -EINVAL;
		}
		if (cmd->npipes >= CLI_PIPES_MAX) {
			msg(err, errlen, "more than %d '|' filters", CLI_PIPES_MAX);
			return -EINVAL;
		}
		struct cli_pipe *p = &cmd->pipes[cmd->npipes];
		const char *kw = pipe_kids[k].word;
		p->kind = strcmp(kw, "match") == 0 ? CLI_PIPE_MATCH : strcmp(kw, "except") == 0 ? CLI_PIPE_EXCEPT :
			  strcmp(kw, "count") == 0 ? CLI_PIPE_COUNT : strcmp(kw, "no-more") == 0 ? CLI_PIPE_NO_MORE :
			  CLI_PIPE_COMPARE;
		p->arg[0] = '\0';
		i++;
		if (p->kind == CLI_PIPE_COMPARE && cmd->action != CLI_CFG_SHOW) {
			msg(err, errlen, "'| compare' only follows 'show' in configure mode");
			return -EINVAL;
		}
		if (pipe_kids[k].value != CLI_V_NONE) {
			if (at_end(t, i, end)) {
				if (completing) {
					w->pipe_needs_value = true;
					return 0;
				}
				msg(err, errlen, "'| %s' needs the text to look for", kw);
				return -EINVAL;
			}
			snprintf(p->arg, sizeof(p->arg), "%s", cli_token(t, i));
			i++;
		}
		cmd->npipes++;
		if (i < end && t->tok[i].op != '|') {
			msg(err, errlen, "| %s: unexpected word '%s' (quote a text with spaces)", kw,
			    shown(cli_token(t, i), wb, sizeof(wb)));
			return -EINVAL;
		}
	}
	return 0;
}

int cli_parse(const struct cli_tokens *t, unsigned *pos, enum cli_mode mode, struct cli_cmd *cmd, char *err,
	      size_t errlen)
{
	struct walk w;
	unsigned end = *pos, cmd_end;
	int rc;

	memset(cmd, 0, sizeof(*cmd));
	cmd->mode = mode;
	while (end < t->n && t->tok[end].op != ';')
		end++;
	cmd_end = *pos;
	while (cmd_end < end && t->tok[cmd_end].op != '|')
		cmd_end++;
	unsigned start = *pos;
	*pos = end < t->n ? end + 1 : end;
	if (start == end)
		return 0;   /* an empty command */
	if (start == cmd_end) {
		msg(err, errlen, "'|' must follow a command");
		return -EINVAL;
	}
	if ((rc = walk_words(t, start, cmd_end, mode, false, cmd, &w, err, errlen)) < 0)
		return rc;
	if (w.action == CLI_NONE) {
		char exp[200];
		if (w.kids)
			expected(w.kids, 0, true, exp, sizeof(exp));
		else
			exp[0] = '\0';
		msg(err, errlen, "%s: incomplete command; expected %s", where(cmd), exp[0] ? exp : "more");
		return -EINVAL;
	}
	if ((rc = check_required(&w, cmd, err, errlen)) < 0)
		return rc;
	cmd->action = w.action;
	if (cmd->run && (cmd->action == CLI_CONFIGURE || cmd->action == CLI_EXIT)) {
		msg(err, errlen, "run %s: not from configure mode", cli_action_name(cmd->action));
		return -EINVAL;
	}
	if (cmd->action == CLI_CFG_SET && cmd->nwords < 2) {
		msg(err, errlen, "set: give a setting and its value (set menjind log_level debug)");
		return -EINVAL;
	}
	return walk_pipes(t, cmd_end, end, false, cmd, &w, err, errlen);
}

int cli_parse_line(const char *line, enum cli_mode mode, struct cli_cmd *cmd, char *err, size_t errlen)
{
	struct cli_tokens t;
	unsigned pos = 0;
	int rc = cli_tokenize(line, false, &t, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = cli_parse(&t, &pos, mode, cmd, err, errlen)) < 0)
		return rc;
	if (pos < t.n) {
		msg(err, errlen, "one command only here (';' is not allowed)");
		return -EINVAL;
	}
	return 0;
}

/* ---- completion ---------------------------------------------------------------------------- */

void cli_completion_add(struct cli_completion *out, const char *word, const char *help, bool literal)
{
	size_t pl = strlen(out->prefix);
	if (literal && strncasecmp(word, out->prefix, pl) != 0)
		return;
	if (strlen(word) >= CLI_CAND_LEN)
		return;
	for (unsigned i = 0; i < out->n; i++)
		if (strcmp(out->cand[i].word, word) == 0)
			return;
	if (out->n >= CLI_CAND_MAX) {
		out->truncated = true;
		return;
	}
	struct cli_candidate *c = &out->cand[out->n++];
	snprintf(c->word, sizeof(c->word), "%s", word);
	c->help = help;
	c->literal = literal;
}

void cli_completion_common(const struct cli_completion *c, char *out, size_t outlen)
{
	size_t len = 0;
	bool first = true;
	out[0] = '\0';
	for (unsigned i = 0; i < c->n; i++) {
		if (!c->cand[i].literal)
			continue;
		const char *w = c->cand[i].word;
		if (first) {
			len = strlen(w);
			if (len >= outlen)
				len = outlen - 1;
			memcpy(out, w, len);
			out[len] = '\0';
			first = false;
			continue;
		}
		size_t k = 0;
		while (k < len && w[k] && w[k] == out[k])
			k++;
		len = k;
		out[len] = '\0';
	}
}

static void value_candidates(const struct cli_context *ctx, const struct cli_node *n, const char *const *words,
			     unsigned nwords, struct cli_completion *out)
{
	cli_completion_add(out, n->meta, n->help, false);
	switch (n->value) {
	case CLI_V_STATE:
		for (size_t k = 0; k < NELEM(state_words); k++)
			cli_completion_add(out, state_words[k], NULL, true);
		break;
	case CLI_V_MAC:
	case CLI_V_DEVICE:
	case CLI_V_ROLE:
	case CLI_V_PORT:
	case CLI_V_CONFIG:
		if (ctx->dynamic)
			ctx->dynamic(ctx->arg, n->value, words, nwords, out->prefix, out);
		break;
	case CLI_V_TEXT:
	case CLI_V_FILTER:
		out->in_text = n->value == CLI_V_TEXT;
		break;
	case CLI_V_POSTURE:
		for (size_t k = 0; k < NELEM(posture_words); k++)
			cli_completion_add(out, posture_words[k], NULL, true);
		break;
	default:
		break;
	}
}

static void keyword_candidates(const struct walk *w, struct cli_completion *out)
{
	size_t pl = strlen(out->prefix);
	for (int i = 0; !node_end(&w->kids[i]); i++) {
		const struct cli_node *n = &w->kids[i];
		if (n->word == NULL || (w->opts && (w->used & (1u << i))))
			continue;
		if (pl && n->min_abbrev && pl < n->min_abbrev)
			continue;
		cli_completion_add(out, n->word, n->help, true);
		if (n->alias && pl && strncasecmp(n->alias, out->prefix, pl) == 0 && strncasecmp(n->word, out->prefix, pl))
			cli_completion_add(out, n->alias, n->help, true);
	}
}

int cli_complete(const struct cli_context *ctx, const char *line, size_t cursor, struct cli_completion *out)
{
	struct cli_tokens t;
	struct cli_cmd cmd;
	char head[CLI_LINE_MAX + 1];
	struct walk w;
	unsigned ncomplete, from = 0, pipe_at;
	const char *words[CLI_TOKENS_MAX];

	memset(out, 0, sizeof(*out));
	if (cursor > CLI_LINE_MAX || cursor > strlen(line)) {
		snprintf(out->error, sizeof(out->error), "command longer than %d characters", CLI_LINE_MAX);
		return 0;
	}
	memcpy(head, line, cursor);
	head[cursor] = '\0';
	if (cli_tokenize(head, true, &t, out->error, sizeof(out->error)) < 0)
		return 0;
	out->in_quote = t.open_quote;
	/* the last word is the one being completed, unless the cursor follows a space or an operator */
	bool partial = t.n > 0 && !t.tok[t.n - 1].op &&
		       (t.open_quote || (cursor > 0 && head[cursor - 1] != ' ' && head[cursor - 1] != '\t'));
	ncomplete = partial ? t.n - 1 : t.n;
	if (partial) {
		snprintf(out->prefix, sizeof(out->prefix), "%s", cli_token(&t, t.n - 1));
		out->start = t.tok[t.n - 1].start;
	} else {
		out->start = cursor;
	}
	for (unsigned i = 0; i < ncomplete; i++)
		if (t.tok[i].op == ';')
			from = i + 1;
	pipe_at = from;
	while (pipe_at < ncomplete && t.tok[pipe_at].op != '|')
		pipe_at++;

	memset(&cmd, 0, sizeof(cmd));
	if (walk_words(&t, from, pipe_at, ctx->mode, true, &cmd, &w, out->error, sizeof(out->error)) < 0)
		return 0;
	if (pipe_at < ncomplete) {
		if (!may_end(&w)) {
			msg(out->error, sizeof(out->error), "%s: incomplete command before '|'", where(&cmd));
			return 0;
		}
		cmd.action = w.action;
		if (walk_pipes(&t, pipe_at, ncomplete, true, &cmd, &w, out->error, sizeof(out->error)) < 0)
			return 0;
		if (w.pipe_needs_value) {
			cli_completion_add(out, "TEXT", "the text to look for", false);
			out->in_text = true;
		} else if (ncomplete > 0 && t.tok[ncomplete - 1].op == '|') {
			for (int i = 0; !node_end(&pipe_kids[i]); i++)
				if (strcmp(pipe_kids[i].word, "compare") != 0 || cmd.action == CLI_CFG_SHOW)
					cli_completion_add(out, pipe_kids[i].word, pipe_kids[i].help, true);
		} else {
			out->may_end = true;
			if (out->prefix[0] == '\0')
				cli_completion_add(out, "|", "filter the output further", false);
		}
		return 0;
	}
	if (w.pending) {
		value_candidates(ctx, w.pending, NULL, 0, out);
		return 0;
	}
	if (w.inval) {
		unsigned nw = 0;
		for (unsigned i = w.inval_from; i < pipe_at && nw < CLI_TOKENS_MAX; i++)
			words[nw++] = cli_token(&t, i);
		if (w.inval->value == CLI_V_FILTER && w.inval->children) {
			struct walk fw = { .kids = w.inval->children, .opts = w.inval };
			keyword_candidates(&fw, out);
		}
		value_candidates(ctx, w.inval, words, nw, out);
		out->may_end = may_end(&w);
		if (out->may_end && out->prefix[0] == '\0' && w.inval->value != CLI_V_TEXT)
			cli_completion_add(out, "|", "filter the output", false);
		return 0;
	}
	if (w.kids) {
		keyword_candidates(&w, out);
		int v = find_value_child(w.kids);
		if (v >= 0 && !(w.opts && w.any_used))
			value_candidates(ctx, &w.kids[v], NULL, 0, out);
	}
	out->may_end = may_end(&w);
	if (out->may_end && out->prefix[0] == '\0')
		cli_completion_add(out, "|", "filter the output: match, except, count, no-more", false);
	return 0;
}

/* ---- names and syntax ------------------------------------------------------------------------- */

const char *cli_cmd_get(const struct cli_cmd *c, enum cli_slot s)
{
	return s > CLI_S_NONE && s < CLI_S__MAX && c->has[s] ? c->val[s] : NULL;
}

const char *cli_cmd_word(const struct cli_cmd *c, unsigned i)
{
	return i < c->nwords ? c->words + c->word_off[i] : NULL;
}

static const char *const action_names[CLI_ACTION__MAX] = {
	[CLI_NONE] = "",
	[CLI_SHOW_DEVICES] = "show devices",
	[CLI_SHOW_DEVICE] = "show device",
	[CLI_SHOW_SESSIONS] = "show sessions",
	[CLI_SHOW_POSTURE] = "show posture",
	[CLI_SHOW_AD] = "show ad",
	[CLI_SHOW_STATS] = "show stats",
	[CLI_SHOW_EVENTS] = "show events",
	[CLI_SHOW_POLICY] = "show policy",
	[CLI_SHOW_ROLES] = "show roles",
	[CLI_SHOW_CONFIGURATION] = "show configuration",
	[CLI_SHOW_CONFIG_HISTORY] = "show configuration history",
	[CLI_SHOW_CONFIG_ROLLBACK] = "show configuration rollback",
	[CLI_SHOW_POSTURE_DEVICE] = "show posture device",
	[CLI_SHOW_RADIUS] = "show radius",
	[CLI_SHOW_CENTRAL] = "show central",
	[CLI_MONITOR_EVENTS] = "monitor events",
	[CLI_REQUEST_OVERRIDE] = "request device",
	[CLI_REQUEST_CLEAR] = "request device clear",
	[CLI_REQUEST_REAUTH] = "request device reauth",
	[CLI_REQUEST_SYNC_AD] = "request sync ad",
	[CLI_REQUEST_SYNC_POSTURE] = "request sync posture",
	[CLI_REQUEST_SYNC_FEEDS] = "request sync feeds",
	[CLI_REQUEST_SYNC_CENTRAL] = "request sync central",
	[CLI_REQUEST_RELOAD] = "request reload",
	[CLI_REQUEST_POSTURE_OVERRIDE] = "request posture",
	[CLI_REQUEST_POSTURE_CLEAR] = "request posture clear",
	[CLI_CAPTURE] = "capture",
	[CLI_CONFIGURE] = "configure",
	[CLI_CONFIRM] = "confirm",
	[CLI_HELP] = "help",
	[CLI_EXIT] = "exit",
	[CLI_CFG_SET] = "set",
	[CLI_CFG_DELETE] = "delete",
	[CLI_CFG_INSERT] = "insert",
	[CLI_CFG_SHOW] = "show",
	[CLI_CFG_COMMIT] = "commit",
	[CLI_CFG_ROLLBACK] = "rollback",
	[CLI_CFG_EXIT] = "exit",
};

const char *cli_action_name(enum cli_action a)
{
	return a < CLI_ACTION__MAX && action_names[a] ? action_names[a] : "?";
}

static void options_syntax(const struct cli_node *n, char *buf, size_t len)
{
	for (int i = 0; n->children && !node_end(&n->children[i]); i++) {
		const struct cli_node *o = &n->children[i];
		if (o->word == NULL) {
			/* a value of the same command: optional, in place */
			if (o->action == n->action)
				append(buf, len, " [%s]", o->meta);
			continue;
		}
		bool req = o->flags & F_REQUIRED;
		append(buf, len, " %s%s%s%s%s", req ? "" : "[", o->word, o->value ? " " : "", o->value ? o->meta : "",
		       req ? "" : "]");
	}
}

/* help: what the line says the command does (NULL: the node's own). A
 * value that only completes its command (capture PORT) says the
 * command's help, not the value's. */
static void syntax_walk(const struct cli_node *n, const char *prefix, const char *help, cli_syntax_fn fn, void *arg,
			int depth)
{
	char line[CLI_TEXT_MAX];
	if (depth > 12)
		return;
	if (help == NULL)
		help = n->help;
	snprintf(line, sizeof(line), "%s", prefix);
	if (n->flags & F_OPTIONS) {
		if (n->action) {
			options_syntax(n, line, sizeof(line));
			fn(arg, line, help);
		}
		for (int i = 0; n->children && !node_end(&n->children[i]); i++) {
			const struct cli_node *c = &n->children[i];
			char sub[CLI_TEXT_MAX];
			if (c->word || c->action == n->action)
				continue;
			snprintf(sub, sizeof(sub), "%s %s", prefix, c->meta);
			/* another form of the command (show devices MAC): its own help */
			syntax_walk(c, sub, n->action ? NULL : help, fn, arg, depth + 1);
		}
		return;
	}
	if (n->action)
		fn(arg, line, help);
	for (int i = 0; n->children && !node_end(&n->children[i]); i++) {
		const struct cli_node *c = &n->children[i];
		char sub[CLI_TEXT_MAX];
		/* siblings alike (admit|quarantine|block) share one line */
		int j = i;
		snprintf(sub, sizeof(sub), "%s %s", prefix, c->word ? c->word : c->meta);
		while (c->word && !node_end(&n->children[j + 1]) && n->children[j + 1].word &&
		       n->children[j + 1].children == c->children && n->children[j + 1].action == c->action &&
		       c->children) {
			j++;
			append(sub, sizeof(sub), "|%s", n->children[j].word);
		}
		if (c->value != CLI_V_NONE && c->word)
			append(sub, sizeof(sub), " %s", c->meta);
		if (j > i)
			syntax_walk(c, sub, "override the policy for this device", fn, arg, depth + 1);
		else
			syntax_walk(c, sub, c->word || n->action ? NULL : help, fn, arg, depth + 1);
		i = j;
	}
}

void cli_syntax_foreach(enum cli_mode mode, cli_syntax_fn fn, void *arg)
{
	const struct cli_node *top = mode == CLI_MODE_CONFIGURE ? config_top : exec_top;
	for (int i = 0; !node_end(&top[i]); i++) {
		const struct cli_node *n = &top[i];
		if (n->flags & F_RUN) {
			fn(arg, "run COMMAND", n->help);
			continue;
		}
		syntax_walk(n, n->word, NULL, fn, arg, 0);
	}
}
