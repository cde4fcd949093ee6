/* cli_grammar.h — menjin-cli's command language: words, commands, help.
 *
 * Router style: `show devices state quarantined`, `request device MAC
 * quarantine for 8h reason "failed GCB scan"`, `configure` then `set ...`
 * and `commit confirmed 5`. Keywords may be shortened to any unique prefix
 * (`sh dev`), are case-insensitive, and a word that matches nothing is
 * named with the nearest valid one ("unknown command 'shwo': did you mean
 * 'show'?"). `;` separates commands, `|` starts an output filter
 * (`| match TEXT`, `| except TEXT`, `| count`, `| no-more`, `| compare`).
 *
 * Everything here is pure (no I/O, no allocation): menjin-cli, the unit
 * tests and the fuzzer call it with a line and get a struct cli_cmd, the
 * candidates for Tab, or the `?` help. Values are validated here (MAC,
 * duration, number ranges) so a typo is caught before menjind sees it;
 * menjind checks everything again and decides who may do what.
 */
#ifndef MENJIN_CLI_GRAMMAR_H
#define MENJIN_CLI_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_LINE_MAX          1024    /* one command line, bytes */
#define CLI_TOKENS_MAX        96      /* words of one line */
#define CLI_WORD_MAX          256     /* one word */
#define CLI_TEXT_MAX          512     /* a reason, a comment, a filter (the rest of a line) */
#define CLI_ERR_MAX           256
#define CLI_PIPES_MAX         4       /* `| ...` filters of one command */
#define CLI_CAND_MAX          256     /* candidates offered for one Tab or `?` */
#define CLI_CAND_LEN          96      /* one candidate word */
#define CLI_SUGGEST_DIST      2       /* edits allowed between a typo and its suggestion */

#define CLI_CAPTURE_DEFAULT   100     /* frames captured when no count is given */
#define CLI_CAPTURE_MAX       100000
#define CLI_EVENTS_DEFAULT    20      /* `show events` */
#define CLI_EVENTS_MAX        1000    /* the API's backlog limit */
#define CLI_MONITOR_MAX       100000  /* `monitor events count N` */
#define CLI_CONFIRM_MAX_MIN   60      /* `commit confirmed N`: minutes */
#define CLI_ROLLBACK_MAX      49      /* menjind keeps 50 configuration versions */
#define CLI_ITEMS_MAX         64      /* GCB items one `request posture MAC waive` names (POSTURE_MAX_WAIVED) */
#define CLI_ITEM_MAX          64      /* bytes of one item id with its NUL (SCAN_ITEM_MAX) */
#define CLI_DURATION_MAX      (100LL * 365 * 86400)   /* the API's upper bound */

enum cli_mode {
	CLI_MODE_EXEC = 0,            /* `user@host> ` */
	CLI_MODE_CONFIGURE,           /* `user@host# ` */
};

enum cli_action {
	CLI_NONE = 0,
	/* exec mode */
	CLI_SHOW_DEVICES,
	CLI_SHOW_DEVICE,
	CLI_SHOW_SESSIONS,
	CLI_SHOW_POSTURE,
	CLI_SHOW_AD,
	CLI_SHOW_STATS,
	CLI_SHOW_EVENTS,
	CLI_SHOW_POLICY,
	CLI_SHOW_ROLES,
	CLI_SHOW_CONFIGURATION,
	CLI_SHOW_CONFIG_HISTORY,
	CLI_SHOW_CONFIG_ROLLBACK,
	CLI_SHOW_POSTURE_DEVICE,
	CLI_SHOW_RADIUS,
	CLI_SHOW_CENTRAL,
	CLI_MONITOR_EVENTS,
	CLI_REQUEST_OVERRIDE,
	CLI_REQUEST_CLEAR,
	CLI_REQUEST_REAUTH,
	CLI_REQUEST_SYNC_AD,
	CLI_REQUEST_SYNC_POSTURE,
	CLI_REQUEST_SYNC_FEEDS,
	CLI_REQUEST_SYNC_CENTRAL,
	CLI_REQUEST_RELOAD,
	CLI_REQUEST_POSTURE_OVERRIDE,   /* request posture MAC waive ITEM... | status S ... reason TEXT */
	CLI_REQUEST_POSTURE_CLEAR,      /* request posture MAC clear reason TEXT */
	CLI_CAPTURE,
	CLI_CONFIGURE,
	CLI_CONFIRM,
	CLI_HELP,
	CLI_EXIT,
	/* configure mode */
	CLI_CFG_SET,
	CLI_CFG_DELETE,
	CLI_CFG_INSERT,
	CLI_CFG_SHOW,
	CLI_CFG_COMMIT,
	CLI_CFG_ROLLBACK,
	CLI_CFG_EXIT,
	CLI_ACTION__MAX
};

/* What a value is; decides validation, help and completion. */
enum cli_value {
	CLI_V_NONE = 0,
	CLI_V_MAC,          /* aa:bb:cc:dd:ee:ff, AA-BB-..., aabb.ccdd.eeff; stored lower-case colon form */
	CLI_V_DEVICE,       /* a MAC, an IPv4 address or a host name */
	CLI_V_STATE,        /* unknown, quarantined, admitted, blocked (abbreviations allowed) */
	CLI_V_ROLE,         /* a role name */
	CLI_V_WORD,         /* one word (quote it to include spaces) */
	CLI_V_TEXT,         /* the rest of the command */
	CLI_V_DURATION,     /* 3600, 90s, 30m, 8h, 7d, permanent */
	CLI_V_NUMBER,       /* a decimal number in the node's range */
	CLI_V_PORT,         /* a fast path port: name or index */
	CLI_V_FILTER,       /* a pcap filter: the words up to `count` */
	CLI_V_CONFIG,       /* configuration words: the rest of the command */
	CLI_V_ITEMS,        /* GCB item ids: the words up to the next option (for, reason, status, waive) */
	CLI_V_POSTURE,      /* compliant, noncompliant (non-compliant), unknown, stale */
};

/* Where a value (or a keyword standing for a value) is stored in cli_cmd. */
enum cli_slot {
	CLI_S_NONE = 0,
	CLI_S_DEVICE,       /* show device X: canonical MAC, the IP or the name (device_kind says) */
	CLI_S_MAC,
	CLI_S_STATE,        /* unknown | quarantined | admitted | blocked */
	CLI_S_ROLE,
	CLI_S_SEARCH,
	CLI_S_VERDICT,      /* admit | quarantine | block */
	CLI_S_DURATION,     /* as typed; num[] has seconds (0: permanent) */
	CLI_S_REASON,
	CLI_S_PORT,
	CLI_S_FILTER,
	CLI_S_COUNT,
	CLI_S_MINUTES,
	CLI_S_VERSION,      /* rollback N */
	CLI_S_COMMENT,
	CLI_S_FLAG,         /* `full`, `discard` */
	CLI_S_ITEMS,        /* waived GCB item ids, space separated */
	CLI_S_POSTURE,      /* a forced posture status */
	CLI_S__MAX
};

enum cli_device_kind { CLI_DEV_MAC = 1, CLI_DEV_IP, CLI_DEV_NAME };

enum cli_pipe_kind {
	CLI_PIPE_MATCH = 1, /* lines containing the text */
	CLI_PIPE_EXCEPT,    /* lines not containing it */
	CLI_PIPE_COUNT,     /* the number of lines */
	CLI_PIPE_NO_MORE,   /* no paging */
	CLI_PIPE_COMPARE,   /* configure mode `show`: the candidate against the running configuration */
};

struct cli_pipe {
	enum cli_pipe_kind kind;
	char               arg[CLI_WORD_MAX];
};

/* A tokenized line. Words are copies (quotes removed, escapes applied);
 * start/end locate them in the line for completion. `;` and `|` outside
 * quotes are words of their own (`op` set). */
struct cli_token {
	uint16_t off;       /* into cli_tokens.buf */
	uint16_t start, end;
	bool     quoted;    /* written in quotes: a string, never a keyword */
	char     op;        /* ';' or '|' for separators, else 0 */
};

struct cli_tokens {
	unsigned         n;
	bool             open_quote;   /* the line ends inside quotes (only when tokenizing leniently) */
	struct cli_token tok[CLI_TOKENS_MAX];
	char             buf[CLI_LINE_MAX + CLI_TOKENS_MAX];
};

/* One parsed command. Plain data: copy it freely. */
struct cli_cmd {
	enum cli_action action;
	enum cli_mode   mode;          /* the mode it was parsed in */
	bool            run;           /* configure mode `run CMD`: an exec command */
	bool            has[CLI_S__MAX];
	char            val[CLI_S__MAX][CLI_TEXT_MAX];
	long long       num[CLI_S__MAX];   /* numbers and durations (seconds) */
	enum cli_device_kind device_kind;
	/* configure mode words (set/delete/insert/show): quotes remembered */
	unsigned        nwords;
	uint16_t        word_off[CLI_TOKENS_MAX];
	bool            word_quoted[CLI_TOKENS_MAX];
	char            words[CLI_LINE_MAX + CLI_TOKENS_MAX];
	unsigned        npipes;
	struct cli_pipe pipes[CLI_PIPES_MAX];
	char            canon[CLI_TEXT_MAX]; /* the command's keywords in full: "show devices" */
};

/* ---- candidates for Tab and `?` ------------------------------------------------ */

struct cli_candidate {
	char        word[CLI_CAND_LEN];  /* a word Tab may insert, or a placeholder ("MAC") */
	const char *help;                /* static text, may be NULL */
	bool        literal;             /* false: a placeholder for `?` only */
};

struct cli_completion {
	unsigned             n;
	bool                 truncated;  /* more candidates than CLI_CAND_MAX */
	bool                 may_end;    /* the command is complete here: `?` shows <cr> */
	bool                 in_quote;   /* the cursor is inside quotes: `?` is a character */
	bool                 in_text;    /* the cursor is in free text (a reason): `?` is a character */
	size_t               start;      /* offset of the word being completed */
	char                 prefix[CLI_CAND_LEN];
	char                 error[CLI_ERR_MAX];   /* the line is wrong before the cursor */
	struct cli_candidate cand[CLI_CAND_MAX];
};

/* Words only menjind knows (device MACs and names, roles, ports, the
 * configuration's names): menjin-cli fetches them and adds those starting
 * with `prefix`. `words` are the configuration words typed so far (CLI_V_CONFIG). */
typedef void (*cli_dynamic_fn)(void *arg, enum cli_value kind, const char *const *words, unsigned nwords,
			       const char *prefix, struct cli_completion *out);

struct cli_context {
	enum cli_mode  mode;
	cli_dynamic_fn dynamic;   /* NULL: keywords only */
	void          *arg;
};

/* ---- functions ------------------------------------------------------------------ */

/* Split a line into words. Strict (lenient false): an unterminated quote or
 * too many/long words is -EINVAL with a message. Lenient: an open quote ends
 * the line (for completion). */
int cli_tokenize(const char *line, bool lenient, struct cli_tokens *t, char *err, size_t errlen);
const char *cli_token(const struct cli_tokens *t, unsigned i);

/* Parse one command starting at word *pos, up to `;` or the end; *pos moves
 * past the `;`. An empty command (";;" or a blank line) gives CLI_NONE.
 * Returns 0, or -EINVAL with a message naming the bad word (and the nearest
 * good one). */
int cli_parse(const struct cli_tokens *t, unsigned *pos, enum cli_mode mode, struct cli_cmd *cmd, char *err,
	      size_t errlen);
/* Tokenize and parse a line holding one command (tests, ForceCommand). */
int cli_parse_line(const char *line, enum cli_mode mode, struct cli_cmd *cmd, char *err, size_t errlen);

/* Candidates for the word at `cursor` (bytes into line). Always returns 0;
 * out->error says why there are none when the line is already wrong. */
int cli_complete(const struct cli_context *ctx, const char *line, size_t cursor, struct cli_completion *out);
/* Add a candidate (dynamic sources use this); ignored when it does not start
 * with out->prefix, is a duplicate, or the list is full. */
void cli_completion_add(struct cli_completion *out, const char *word, const char *help, bool literal);
/* The longest prefix every literal candidate shares (for Tab). */
void cli_completion_common(const struct cli_completion *c, char *out, size_t outlen);

/* The value of a slot, NULL when not given. */
const char *cli_cmd_get(const struct cli_cmd *c, enum cli_slot s);
const char *cli_cmd_word(const struct cli_cmd *c, unsigned i);
const char *cli_action_name(enum cli_action a);   /* "show devices" */

/* Every command of a mode with its syntax and help, one per line:
 * "show devices [state STATE] [role ROLE] [search TEXT]" and its help.
 * Calls fn for each; used by `help` and docs/cli.md. */
typedef void (*cli_syntax_fn)(void *arg, const char *syntax, const char *help);
void cli_syntax_foreach(enum cli_mode mode, cli_syntax_fn fn, void *arg);

/* Value checks, shared with the configuration editor and the tests. */
int cli_parse_duration(const char *s, long long *seconds);   /* 0 = permanent */
int cli_parse_number(const char *s, long long min, long long max, long long *out);
/* Damerau-Levenshtein distance (optimal string alignment), case-insensitive,
 * at most `cap` (words longer than CLI_CAND_LEN count as `cap`). */
unsigned cli_edit_distance(const char *a, const char *b, unsigned cap);

#endif
