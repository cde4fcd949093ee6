/* cli_config.c — the candidate configuration of a `configure` session (see cli_config.h). */
#include "cli_config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_grammar.h"

#define DIFF_LINES_MAX  200000
#define TMP_LIST        "menjin_cli_reorder"

struct cli_config {
	config_t cfg;
};

/* Lists whose elements are named groups: created as lists when missing. */
static const char *const list_names[] = { "roles", "policy", "ports", "rules", "remediation", "baselines", "servers" };

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

/* ---- load ------------------------------------------------------------------------------- */

int cli_config_load(const char *text, struct cli_config **out, char *err, size_t errlen)
{
	size_t len = strnlen(text, CLI_CONFIG_TEXT_MAX + 1);
	*out = NULL;
	if (len > CLI_CONFIG_TEXT_MAX) {
		msg(err, errlen, "configuration larger than %d bytes", CLI_CONFIG_TEXT_MAX);
		return -EFBIG;
	}
	/* @include would make the CLI read files of the administrator's
	 * choosing on the appliance: such a file is edited there, not here */
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "@include", 8) == 0) {
			msg(err, errlen, "the configuration uses @include: the CLI cannot edit it");
			return -ENOTSUP;
		}
	}
	struct cli_config *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	config_init(&c->cfg);
	if (!config_read_string(&c->cfg, text)) {
		msg(err, errlen, "line %d: %s", config_error_line(&c->cfg),
		    config_error_text(&c->cfg) ? config_error_text(&c->cfg) : "syntax error");
		config_destroy(&c->cfg);
		free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

void cli_config_free(struct cli_config *c)
{
	if (c == NULL)
		return;
	config_destroy(&c->cfg);
	free(c);
}

/* ---- paths ---------------------------------------------------------------------------------- */

static const char *elem_name(const config_setting_t *e)
{
	const char *name = NULL;
	if (config_setting_type(e) == CONFIG_TYPE_GROUP && config_setting_lookup_string(e, "name", &name))
		return name;
	return NULL;
}

static bool is_index(const char *w, int len, int *idx)
{
	long long v;
	if (cli_parse_number(w, 1, (long long)len + 1, &v) < 0)
		return false;
	*idx = (int)v - 1;
	return true;
}

/* The child of s that word w names, NULL if none. */
static config_setting_t *child(const config_setting_t *s, const char *w)
{
	int idx;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return config_setting_get_member(s, w);
	case CONFIG_TYPE_LIST: {
		int n = config_setting_length(s);
		for (int i = 0; i < n; i++) {
			config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			const char *name = elem_name(e);
			if (name && strcmp(name, w) == 0)
				return e;
		}
		if (is_index(w, n, &idx) && idx < n)
			return config_setting_get_elem(s, (unsigned)idx);
		return NULL;
	}
	default:
		return NULL;
	}
}

/* Walk words[0..n); *bad is the index of the first word naming nothing. */
static config_setting_t *resolve(const struct cli_config *c, const char *const *words, unsigned n, unsigned *bad)
{
	config_setting_t *s = config_root_setting(&c->cfg);
	for (unsigned i = 0; i < n; i++) {
		config_setting_t *next = child(s, words[i]);
		if (next == NULL) {
			*bad = i;
			return NULL;
		}
		s = next;
	}
	return s;
}

unsigned cli_config_names(const struct cli_config *c, const char *const *words, unsigned n, cli_config_name_fn add,
			  void *arg)
{
	unsigned bad, count = 0;
	config_setting_t *s = resolve(c, words, n, &bad);
	if (s == NULL)
		return 0;
	int len = config_setting_length(s);
	for (int i = 0; i < len; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char num[16];
		const char *name = config_setting_type(s) == CONFIG_TYPE_GROUP ? config_setting_name(e) : elem_name(e);
		if (name == NULL && config_setting_type(s) == CONFIG_TYPE_LIST) {
			snprintf(num, sizeof(num), "%d", i + 1);
			name = num;
		}
		if (name) {
			add(arg, name);
			count++;
		}
	}
	return count;
}

static void path_text(const char *const *words, unsigned n, char *out, size_t outlen)
{
	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		size_t used = strlen(out);
		snprintf(out + used, outlen - used, "%s%.48s", i ? " " : "", words[i]);
	}
}

/* "no 'polcy' in the configuration: did you mean 'policy'?" */
static void not_found(const struct cli_config *c, const char *const *words, unsigned bad, char *err, size_t errlen)
{
	char where[256], hint[96] = "";
	unsigned bd = CLI_SUGGEST_DIST + 1, i2;
	config_setting_t *parent = resolve(c, words, bad, &i2);
	path_text(words, bad, where, sizeof(where));
	if (parent) {
		int len = config_setting_length(parent);
		for (int i = 0; i < len; i++) {
			config_setting_t *e = config_setting_get_elem(parent, (unsigned)i);
			const char *name = config_setting_type(parent) == CONFIG_TYPE_GROUP ? config_setting_name(e) : elem_name(e);
			if (name == NULL)
				continue;
			unsigned d = cli_edit_distance(words[bad], name, CLI_SUGGEST_DIST + 1);
			if (d < bd && d < strlen(words[bad])) {
				bd = d;
				snprintf(hint, sizeof(hint), ": did you mean '%.64s'?", name);
			}
		}
	}
	if (bad == 0)
		msg(err, errlen, "no '%.64s' in the configuration%s", words[bad], hint);
	else
		msg(err, errlen, "no '%.64s' under '%s'%s", words[bad], where, hint);
}

/* ---- values ------------------------------------------------------------------------------------ */

static bool looks_int(const char *v)
{
	const char *p = v + (*v == '-');
	if (*p == '\0' || strlen(p) > 18)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static bool looks_float(const char *v)
{
	const char *p = v + (*v == '-');
	bool dot = false, digit = false;
	for (; *p; p++) {
		if (*p == '.' && !dot)
			dot = true;
		else if (isdigit((unsigned char)*p))
			digit = true;
		else
			return false;
	}
	return dot && digit;
}

static int parse_bool(const char *v)
{
	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0)
		return 1;
	if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0)
		return 0;
	return -1;
}

/* The type a new value gets: quoted is always a string. */
static int infer_type(const char *v, bool quoted)
{
	if (quoted)
		return CONFIG_TYPE_STRING;
	if (strcasecmp(v, "true") == 0 || strcasecmp(v, "false") == 0)
		return CONFIG_TYPE_BOOL;
	if (looks_int(v)) {
		long long n = strtoll(v, NULL, 10);
		return n >= INT_MIN && n <= INT_MAX ? CONFIG_TYPE_INT : CONFIG_TYPE_INT64;
	}
	if (looks_float(v))
		return CONFIG_TYPE_FLOAT;
	return CONFIG_TYPE_STRING;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "a number";
	case CONFIG_TYPE_FLOAT: return "a decimal number";
	case CONFIG_TYPE_BOOL: return "true or false";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_LIST: return "a list";
	case CONFIG_TYPE_ARRAY: return "an array";
	default: return "a setting";
	}
}

/* Set scalar s (of its own type) from text. */
static int put_scalar(config_setting_t *s, const char *v, const char *what, char *err, size_t errlen)
{
	int type = config_setting_type(s), b;
	switch (type) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: {
		long long n = looks_int(v) ? strtoll(v, NULL, 10) : 0;
		if (!looks_int(v) || (type == CONFIG_TYPE_INT && (n < INT_MIN || n > INT_MAX))) {
			msg(err, errlen, "'%.64s' is not a number (%s is %s)", v, what, type_name(type));
			return -EINVAL;
		}
		return (type == CONFIG_TYPE_INT ? config_setting_set_int(s, (int)n) : config_setting_set_int64(s, n)) ? 0 :
														     -EINVAL;
	}
	case CONFIG_TYPE_FLOAT:
		if (!looks_float(v) && !looks_int(v)) {
			msg(err, errlen, "'%.64s' is not a decimal number (%s is %s)", v, what, type_name(type));
			return -EINVAL;
		}
		return config_setting_set_float(s, strtod(v, NULL)) ? 0 : -EINVAL;
	case CONFIG_TYPE_BOOL:
		if ((b = parse_bool(v)) < 0) {
			msg(err, errlen, "'%.64s' is not true or false (%s is %s)", v, what, type_name(type));
			return -EINVAL;
		}
		return config_setting_set_bool(s, b) ? 0 : -EINVAL;
	case CONFIG_TYPE_STRING:
		return config_setting_set_string(s, v) ? 0 : -ENOMEM;
	default:
		msg(err, errlen, "%s is %s: name one of its settings", what, type_name(type));
		return -EINVAL;
	}
}

/* Append a value to array a, in the array's element type. */
static int array_add(config_setting_t *a, int type, const char *v, const char *what, char *err, size_t errlen)
{
	config_setting_t *e = config_setting_add(a, NULL, type);
	if (e == NULL) {
		msg(err, errlen, "cannot add '%.64s' to %s", v, what);
		return -EINVAL;
	}
	int rc = put_scalar(e, v, what, err, errlen);
	if (rc < 0)
		config_setting_remove_elem(a, (unsigned)config_setting_index(e));
	return rc;
}

static void scalar_text(const config_setting_t *s, char *out, size_t outlen)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT: snprintf(out, outlen, "%d", config_setting_get_int(s)); break;
	case CONFIG_TYPE_INT64: snprintf(out, outlen, "%lld", config_setting_get_int64(s)); break;
	case CONFIG_TYPE_FLOAT: snprintf(out, outlen, "%g", config_setting_get_float(s)); break;
	case CONFIG_TYPE_BOOL: snprintf(out, outlen, "%s", config_setting_get_bool(s) ? "true" : "false"); break;
	case CONFIG_TYPE_STRING: snprintf(out, outlen, "%s", config_setting_get_string(s)); break;
	default: out[0] = '\0';
	}
}

/* libconfig accepts "true" as a setting name but reads it back as a
 * boolean: such a name would make a text menjind cannot read */
static bool reserved_name(const char *w)
{
	return strcasecmp(w, "true") == 0 || strcasecmp(w, "false") == 0;
}

static config_setting_t *add_named(config_setting_t *parent, const char *name, int type)
{
	return reserved_name(name) ? NULL : config_setting_add(parent, name, type);
}

static bool list_name(const char *w)
{
	for (size_t i = 0; i < sizeof(list_names) / sizeof(list_names[0]); i++)
		if (strcmp(list_names[i], w) == 0)
			return true;
	return false;
}

static int remove_setting(config_setting_t *s)
{
	config_setting_t *parent = config_setting_parent(s);
	if (parent == NULL)
		return -EINVAL;
	if (config_setting_type(parent) == CONFIG_TYPE_GROUP)
		return config_setting_remove(parent, config_setting_name(s)) ? 0 : -EINVAL;
	return config_setting_remove_elem(parent, (unsigned)config_setting_index(s)) ? 0 : -EINVAL;
}

/* ---- set, delete, insert --------------------------------------------------------------------------- */

/* Find or make the group/list words[0..n) names. */
static config_setting_t *make_path(struct cli_config *c, const char *const *words, unsigned n, char *err, size_t errlen)
{
	config_setting_t *s = config_root_setting(&c->cfg);
	char where[256];
	if (n + 1 > CLI_CONFIG_DEPTH_MAX) {
		msg(err, errlen, "a path of more than %d names", CLI_CONFIG_DEPTH_MAX - 1);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		config_setting_t *next = child(s, words[i]);
		int idx;
		if (next == NULL) {
			path_text(words, i, where, sizeof(where));
			switch (config_setting_type(s)) {
			case CONFIG_TYPE_GROUP:
				next = add_named(s, words[i], list_name(words[i]) ? CONFIG_TYPE_LIST : CONFIG_TYPE_GROUP);
				if (next == NULL) {
					msg(err, errlen, "'%.64s' is not a setting name (a letter, then letters, digits, - or _; not true or false)",
					    words[i]);
					return NULL;
				}
				break;
			case CONFIG_TYPE_LIST:
				if (is_index(words[i], config_setting_length(s), &idx)) {
					next = config_setting_add(s, NULL, CONFIG_TYPE_GROUP);
				} else if (isdigit((unsigned char)words[i][0])) {
					msg(err, errlen, "'%s' has %d elements: %.16s is not one of them or the next", where,
					    config_setting_length(s), words[i]);
					return NULL;
				} else {
					/* a new named element: `set policy NEW verdict block` */
					next = config_setting_add(s, NULL, CONFIG_TYPE_GROUP);
					config_setting_t *nm = next ? config_setting_add(next, "name", CONFIG_TYPE_STRING) : NULL;
					if (nm == NULL || !config_setting_set_string(nm, words[i]))
						return NULL;
				}
				break;
			default:
				msg(err, errlen, "'%s' holds a value, not settings", where);
				return NULL;
			}
			if (next == NULL) {
				msg(err, errlen, "out of memory");
				return NULL;
			}
		} else if (config_setting_is_scalar(next) || config_setting_type(next) == CONFIG_TYPE_ARRAY) {
			/* every word here names a parent of what is set */
			path_text(words, i + 1, where, sizeof(where));
			msg(err, errlen, "'%s' is %s, it has no settings under it", where, type_name(config_setting_type(next)));
			return NULL;
		}
		s = next;
	}
	return s;
}

int cli_config_set(struct cli_config *c, const char *const *words, const bool *quoted, unsigned n, char *err,
		   size_t errlen)
{
	char where[256];
	unsigned plen, open = n;
	if (n < 2) {
		msg(err, errlen, "set: give a setting and its value");
		return -EINVAL;
	}
	for (unsigned i = 1; i < n; i++)
		if (!quoted[i] && strcmp(words[i], "[") == 0) {
			open = i;
			break;
		}
	if (open < n && (quoted[n - 1] || strcmp(words[n - 1], "]") != 0 || open == n - 1)) {
		msg(err, errlen, "set: a list of values is written [ a b c ], with spaces around [ and ]");
		return -EINVAL;
	}
	plen = open < n ? open : n - 1;
	path_text(words, plen, where, sizeof(where));
	config_setting_t *parent = make_path(c, words, plen - 1, err, errlen);
	if (parent == NULL)
		return -EINVAL;
	const char *last = words[plen - 1];
	config_setting_t *s = child(parent, last);

	if (open < n) {
		/* set PATH [ a b c ]: the array is replaced; one type for all values */
		int type = -1;
		for (unsigned i = open + 1; i < n - 1; i++) {
			int t = infer_type(words[i], quoted[i]);
			if (type == -1 || type == t)
				type = t;
			else if ((type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) &&
				 (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64))
				type = CONFIG_TYPE_INT64;
			else
				type = CONFIG_TYPE_STRING;
		}
		if (config_setting_type(parent) != CONFIG_TYPE_GROUP) {
			msg(err, errlen, "'%s': a list of values goes into a named setting", where);
			return -EINVAL;
		}
		if (s && (config_setting_type(s) == CONFIG_TYPE_GROUP || config_setting_type(s) == CONFIG_TYPE_LIST)) {
			/* never drop a whole section for a list of values */
			msg(err, errlen, "'%s' is %s: set one of its settings", where, type_name(config_setting_type(s)));
			return -EINVAL;
		}
		if (s && remove_setting(s) < 0)
			return -EINVAL;
		config_setting_t *a = add_named(parent, last, CONFIG_TYPE_ARRAY);
		if (a == NULL) {
			msg(err, errlen, "'%.64s' is not a setting name (a letter, then letters, digits, - or _; not true or false)", last);
			return -EINVAL;
		}
		for (unsigned i = open + 1; i < n - 1; i++) {
			int rc = array_add(a, type == -1 ? CONFIG_TYPE_STRING : type, words[i], where, err, errlen);
			if (rc < 0)
				return rc;
		}
		return 0;
	}

	const char *v = words[n - 1];
	if (s == NULL) {
		int type = infer_type(v, quoted[n - 1]);
		if (config_setting_type(parent) != CONFIG_TYPE_GROUP) {
			msg(err, errlen, "'%s': name an element (set %s NAME ...)", where, words[0]);
			return -EINVAL;
		}
		s = add_named(parent, last, type);
		if (s == NULL) {
			msg(err, errlen, "'%.64s' is not a setting name (a letter, then letters, digits, - or _; not true or false)", last);
			return -EINVAL;
		}
		int rc = put_scalar(s, v, where, err, errlen);
		if (rc < 0)
			remove_setting(s);
		return rc;
	}
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_ARRAY: {
		/* set on a list of values adds one, as on a router */
		int len = config_setting_length(s);
		int type = len ? config_setting_type(config_setting_get_elem(s, 0)) : infer_type(v, quoted[n - 1]);
		for (int i = 0; i < len; i++) {
			char text[CLI_WORD_MAX];
			scalar_text(config_setting_get_elem(s, (unsigned)i), text, sizeof(text));
			if (strcmp(text, v) == 0)
				return 0;
		}
		return array_add(s, type, v, where, err, errlen);
	}
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_LIST:
		msg(err, errlen, "'%s' is %s: set one of its settings (set %s NAME VALUE)", where,
		    type_name(config_setting_type(s)), where);
		return -EINVAL;
	default:
		/* a string setting given a number is still a string: `ports = "80"` */
		return put_scalar(s, v, where, err, errlen);
	}
}

int cli_config_delete(struct cli_config *c, const char *const *words, unsigned n, char *err, size_t errlen)
{
	unsigned bad = 0, bad2;
	char where[256];
	if (n == 0) {
		msg(err, errlen, "delete: name the setting");
		return -EINVAL;
	}
	config_setting_t *s = resolve(c, words, n, &bad);
	if (s) {
		if (remove_setting(s) < 0) {
			msg(err, errlen, "cannot delete that");
			return -EINVAL;
		}
		return 0;
	}
	config_setting_t *a = n >= 2 ? resolve(c, words, n - 1, &bad2) : NULL;
	if (a && config_setting_type(a) == CONFIG_TYPE_ARRAY) {
		int len = config_setting_length(a);
		for (int i = 0; i < len; i++) {
			char text[CLI_WORD_MAX];
			scalar_text(config_setting_get_elem(a, (unsigned)i), text, sizeof(text));
			if (strcmp(text, words[n - 1]) == 0)
				return config_setting_remove_elem(a, (unsigned)i) ? 0 : -EINVAL;
		}
		path_text(words, n - 1, where, sizeof(where));
		msg(err, errlen, "'%.64s' is not in '%s'", words[n - 1], where);
		return -ENOENT;
	}
	not_found(c, words, bad, err, errlen);
	return -ENOENT;
}

/* Copy src (and everything under it) into dst_parent. */
static int copy_setting(config_setting_t *dst_parent, const config_setting_t *src, int depth)
{
	if (depth > CLI_CONFIG_DEPTH_MAX)
		return -ELOOP;
	int type = config_setting_type(src);
	const char *name = config_setting_type(dst_parent) == CONFIG_TYPE_GROUP ? config_setting_name(src) : NULL;
	config_setting_t *d = config_setting_add(dst_parent, name, type);
	if (d == NULL)
		return -ENOMEM;
	config_setting_set_format(d, config_setting_get_format(src));
	switch (type) {
	case CONFIG_TYPE_INT: return config_setting_set_int(d, config_setting_get_int(src)) ? 0 : -ENOMEM;
	case CONFIG_TYPE_INT64: return config_setting_set_int64(d, config_setting_get_int64(src)) ? 0 : -ENOMEM;
	case CONFIG_TYPE_FLOAT: return config_setting_set_float(d, config_setting_get_float(src)) ? 0 : -ENOMEM;
	case CONFIG_TYPE_BOOL: return config_setting_set_bool(d, config_setting_get_bool(src)) ? 0 : -ENOMEM;
	case CONFIG_TYPE_STRING: return config_setting_set_string(d, config_setting_get_string(src)) ? 0 : -ENOMEM;
	default:
		for (int i = 0; i < config_setting_length(src); i++) {
			int rc = copy_setting(d, config_setting_get_elem(src, (unsigned)i), depth + 1);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
}

int cli_config_insert(struct cli_config *c, const char *const *words, unsigned n, char *err, size_t errlen)
{
	unsigned bad = 0;
	char where[256];
	if (n < 4) {
		msg(err, errlen, "insert: LIST NAME before|after OTHER (insert policy NEW before OLD)");
		return -EINVAL;
	}
	const char *pos = words[n - 2];
	bool before = strncasecmp(pos, "before", strlen(pos) > 0 ? strlen(pos) : 1) == 0;
	bool after = strncasecmp(pos, "after", strlen(pos) > 0 ? strlen(pos) : 1) == 0;
	if (!before && !after) {
		msg(err, errlen, "insert: '%.32s' is neither 'before' nor 'after'", pos);
		return -EINVAL;
	}
	config_setting_t *list = resolve(c, words, n - 3, &bad);
	path_text(words, n - 3, where, sizeof(where));
	if (list == NULL) {
		not_found(c, words, bad, err, errlen);
		return -ENOENT;
	}
	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		msg(err, errlen, "'%s' is %s, not an ordered list", where, type_name(config_setting_type(list)));
		return -EINVAL;
	}
	config_setting_t *a = child(list, words[n - 3]), *b = child(list, words[n - 1]);
	if (a == NULL || b == NULL) {
		msg(err, errlen, "'%s' has no element '%.64s'", where, a ? words[n - 1] : words[n - 3]);
		return -ENOENT;
	}
	int ia = config_setting_index(a), ib = config_setting_index(b), len = config_setting_length(list);
	if (ia == ib) {
		msg(err, errlen, "insert: an element cannot move next to itself");
		return -EINVAL;
	}
	int *order = calloc(len > 0 ? (size_t)len : 1, sizeof(int)), k = 0;
	if (order == NULL)
		return -ENOMEM;
	for (int i = 0; i < len; i++) {
		if (i == ia)
			continue;
		if (i == ib && before)
			order[k++] = ia;
		order[k++] = i;
		if (i == ib && after)
			order[k++] = ia;
	}
	/* libconfig cannot move an element: copy the list aside in the new
	 * order, empty it, copy back */
	config_setting_t *root = config_root_setting(&c->cfg);
	config_setting_remove(root, TMP_LIST);
	config_setting_t *tmp = config_setting_add(root, TMP_LIST, CONFIG_TYPE_LIST);
	int rc = tmp ? 0 : -ENOMEM;
	for (int i = 0; rc == 0 && i < len; i++)
		rc = copy_setting(tmp, config_setting_get_elem(list, (unsigned)order[i]), 0);
	if (rc == 0) {
		while (config_setting_length(list) > 0)
			config_setting_remove_elem(list, 0);
		for (int i = 0; rc == 0 && i < len; i++)
			rc = copy_setting(list, config_setting_get_elem(tmp, (unsigned)i), 0);
	}
	config_setting_remove(root, TMP_LIST);
	free(order);
	if (rc < 0)
		msg(err, errlen, "insert: out of memory");
	return rc;
}

/* ---- text ---------------------------------------------------------------------------------------------- */

static void put_indent(struct cli_buf *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		cli_buf_add(b, " ", 1);
}

static void put_string(struct cli_buf *b, const char *s)
{
	cli_buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[8];
		switch (ch) {
		case '"': cli_buf_add(b, "\\\"", 2); break;
		case '\\': cli_buf_add(b, "\\\\", 2); break;
		case '\n': cli_buf_add(b, "\\n", 2); break;
		case '\r': cli_buf_add(b, "\\r", 2); break;
		case '\t': cli_buf_add(b, "\\t", 2); break;
		case '\f': cli_buf_add(b, "\\f", 2); break;
		default:
			if (ch < 0x20 || ch == 0x7f) {
				snprintf(esc, sizeof(esc), "\\x%02x", ch);
				cli_buf_add(b, esc, 4);
			} else {
				cli_buf_add(b, (const char *)s, 1);
			}
		}
	}
	cli_buf_add(b, "\"", 1);
}

static void put_float(struct cli_buf *b, double v)
{
	char text[64];
	if (isnan(v) || isinf(v)) {
		/* libconfig reads 1e999 as infinity but cannot read "inf" */
		cli_buf_add(b, v < 0 ? "-1e999" : "1e999", v < 0 ? 6 : 5);
		return;
	}
	/* the shortest text that reads back as the same number */
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, v);
		if (strtod(text, NULL) == v)
			break;
	}
	cli_buf_add(b, text, strlen(text));
	if (strpbrk(text, ".eEn") == NULL)
		cli_buf_add(b, ".0", 2);
}

static void put_setting(struct cli_buf *b, const config_setting_t *s, unsigned indent, int depth);

static void put_value(struct cli_buf *b, const config_setting_t *s, unsigned indent, int depth)
{
	int len = config_setting_length(s);
	bool hex = config_setting_get_format(s) == CONFIG_FORMAT_HEX;
	if (depth > CLI_CONFIG_DEPTH_MAX) {
		b->failed = true;   /* never a text that does not read back */
		return;
	}
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		cli_buf_printf(b, hex ? "0x%X" : "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		cli_buf_printf(b, hex ? "0x%llXL" : "%lldL", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		put_float(b, config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		cli_buf_printf(b, "%s", config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING:
		put_string(b, config_setting_get_string(s));
		break;
	case CONFIG_TYPE_ARRAY:
		cli_buf_add(b, "[", 1);
		for (int i = 0; i < len; i++) {
			cli_buf_add(b, i ? ", " : " ", i ? 2 : 1);
			put_value(b, config_setting_get_elem(s, (unsigned)i), indent, depth + 1);
		}
		cli_buf_add(b, len ? " ]" : "]", len ? 2 : 1);
		break;
	case CONFIG_TYPE_GROUP:
		cli_buf_add(b, "{\n", 2);
		for (int i = 0; i < len; i++)
			put_setting(b, config_setting_get_elem(s, (unsigned)i), indent + 2, depth + 1);
		put_indent(b, indent);
		cli_buf_add(b, "}", 1);
		break;
	case CONFIG_TYPE_LIST:
		cli_buf_add(b, "(", 1);
		for (int i = 0; i < len; i++) {
			cli_buf_add(b, "\n", 1);
			put_indent(b, indent + 2);
			put_value(b, config_setting_get_elem(s, (unsigned)i), indent + 2, depth + 1);
			if (i + 1 < len)
				cli_buf_add(b, ",", 1);
		}
		if (len) {
			cli_buf_add(b, "\n", 1);
			put_indent(b, indent);
		}
		cli_buf_add(b, ")", 1);
		break;
	default:
		break;
	}
}

static void put_setting(struct cli_buf *b, const config_setting_t *s, unsigned indent, int depth)
{
	const char *name = config_setting_name(s);
	put_indent(b, indent);
	if (name)
		cli_buf_printf(b, "%s = ", name);
	put_value(b, s, indent, depth);
	cli_buf_add(b, name ? ";\n" : "\n", name ? 2 : 1);
}

int cli_config_text(const struct cli_config *c, const char *const *words, unsigned n, struct cli_buf *out, char *err,
		    size_t errlen)
{
	unsigned bad = 0;
	config_setting_t *s = resolve(c, words, n, &bad);
	if (s == NULL) {
		not_found(c, words, bad, err, errlen);
		return -ENOENT;
	}
	if (n == 0) {
		int len = config_setting_length(s);
		for (int i = 0; i < len; i++) {
			config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			/* a blank line between sections reads better, and keeps diffs apart */
			if (i && config_setting_is_aggregate(e))
				cli_buf_add(out, "\n", 1);
			put_setting(out, e, 0, 0);
		}
	} else {
		put_setting(out, s, 0, 0);
	}
	if (out->failed && !out->truncated)
		msg(err, errlen, "the configuration nests deeper than %d levels", CLI_CONFIG_DEPTH_MAX);
	else if (out->truncated)
		msg(err, errlen, "the configuration is larger than %zu bytes", out->max);
	return out->failed || out->truncated ? -ENOSPC : 0;
}

/* ---- diff ------------------------------------------------------------------------------------------------- */

struct line {
	const char *p;
	size_t      len;
};

static int split_lines(const char *text, struct line **out, size_t *n)
{
	size_t cap = 64, k = 0;
	struct line *v = malloc(cap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t l = nl ? (size_t)(nl - text) : strlen(text);
		if (k == DIFF_LINES_MAX) {
			free(v);
			return -EFBIG;
		}
		if (k == cap) {
			struct line *w = realloc(v, cap * 2 * sizeof(*v));
			if (w == NULL) {
				free(v);
				return -ENOMEM;
			}
			v = w;
			cap *= 2;
		}
		v[k++] = (struct line){ text, l };
		text += l + (nl ? 1 : 0);
	}
	*out = v;
	*n = k;
	return 0;
}

static bool same(const struct line *a, const struct line *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

enum { OP_SAME, OP_DEL, OP_ADD };

struct op {
	uint8_t  kind;
	uint32_t a, b;   /* line indexes */
};

/* "[edit policy]": the top-level section a line is in. */
static void section_of(const struct line *l, size_t i, char *out, size_t outlen)
{
	for (size_t k = i + 1; k-- > 0;) {
		if (l[k].len && l[k].p[0] != ' ' && l[k].p[0] != '}' && l[k].p[0] != ')') {
			size_t n = 0;
			while (n < l[k].len && n < 64 && l[k].p[n] != ' ' && l[k].p[n] != '=' && l[k].p[n] != ':')
				n++;
			snprintf(out, outlen, "[edit %.*s]", (int)n, l[k].p);
			return;
		}
	}
	snprintf(out, outlen, "[edit]");
}

int cli_diff(const char *a, const char *b, struct cli_buf *out)
{
	struct line *la = NULL, *lb = NULL;
	size_t na, nb, pre = 0, suf = 0, nops = 0;
	struct op *ops = NULL;
	uint32_t *dp = NULL;
	int rc;

	if ((rc = split_lines(a, &la, &na)) < 0)
		return rc;
	if ((rc = split_lines(b, &lb, &nb)) < 0) {
		free(la);
		return rc;
	}
	while (pre < na && pre < nb && same(&la[pre], &lb[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre && same(&la[na - 1 - suf], &lb[nb - 1 - suf]))
		suf++;
	size_t ma = na - pre - suf, mb = nb - pre - suf;
	ops = malloc((na + nb + 1) * sizeof(*ops));
	if (ops == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < pre; i++)
		ops[nops++] = (struct op){ OP_SAME, (uint32_t)i, (uint32_t)i };
	if (ma && mb && (ma + 1) * (mb + 1) <= CLI_DIFF_CELLS_MAX)
		dp = calloc((ma + 1) * (mb + 1), sizeof(*dp));
	if (dp) {
		/* dp[i][j]: longest common subsequence of the middles from i and j on */
		for (size_t i = ma; i-- > 0;)
			for (size_t j = mb; j-- > 0;)
				dp[i * (mb + 1) + j] = same(&la[pre + i], &lb[pre + j]) ? dp[(i + 1) * (mb + 1) + j + 1] + 1 :
					dp[(i + 1) * (mb + 1) + j] >= dp[i * (mb + 1) + j + 1] ? dp[(i + 1) * (mb + 1) + j] :
					dp[i * (mb + 1) + j + 1];
		size_t i = 0, j = 0;
		while (i < ma || j < mb) {
			if (i < ma && j < mb && same(&la[pre + i], &lb[pre + j])) {
				ops[nops++] = (struct op){ OP_SAME, (uint32_t)(pre + i), (uint32_t)(pre + j) };
				i++, j++;
			} else if (i < ma && (j == mb || dp[(i + 1) * (mb + 1) + j] >= dp[i * (mb + 1) + j + 1])) {
				/* removed lines before added ones, as diff -u shows them */
				ops[nops++] = (struct op){ OP_DEL, (uint32_t)(pre + i), (uint32_t)(pre + j) };
				i++;
			} else {
				ops[nops++] = (struct op){ OP_ADD, (uint32_t)(pre + i), (uint32_t)(pre + j) };
				j++;
			}
		}
	} else {
		/* too big to align (or one side empty): the middle is replaced */
		for (size_t i = 0; i < ma; i++)
			ops[nops++] = (struct op){ OP_DEL, (uint32_t)(pre + i), (uint32_t)(pre + mb) };
		for (size_t j = 0; j < mb; j++)
			ops[nops++] = (struct op){ OP_ADD, (uint32_t)(pre + ma), (uint32_t)(pre + j) };
	}
	for (size_t k = 0; k < suf; k++)
		ops[nops++] = (struct op){ OP_SAME, (uint32_t)(na - suf + k), (uint32_t)(nb - suf + k) };

	/* hunks: changes with CLI_DIFF_CONTEXT lines around them */
	for (size_t k = 0; k < nops;) {
		if (ops[k].kind == OP_SAME) {
			k++;
			continue;
		}
		size_t start = k > CLI_DIFF_CONTEXT ? k - CLI_DIFF_CONTEXT : 0, end = k, same_run = 0;
		while (end < nops && same_run <= 2 * CLI_DIFF_CONTEXT) {
			same_run = ops[end].kind == OP_SAME ? same_run + 1 : 0;
			end++;
		}
		if (same_run > CLI_DIFF_CONTEXT)
			end -= same_run - CLI_DIFF_CONTEXT;
		char sect[96];
		if (ops[k].kind == OP_ADD)
			section_of(lb, ops[k].b, sect, sizeof(sect));
		else
			section_of(la, ops[k].a, sect, sizeof(sect));
		cli_buf_printf(out, "%s\n", sect);
		for (size_t x = start; x < end; x++) {
			const struct line *l = ops[x].kind == OP_ADD ? &lb[ops[x].b] : &la[ops[x].a];
			cli_buf_add(out, ops[x].kind == OP_ADD ? "+ " : ops[x].kind == OP_DEL ? "- " : "  ", 2);
			cli_buf_add(out, l->p, l->len);
			cli_buf_add(out, "\n", 1);
		}
		k = end;
	}
	rc = out->failed ? -ENOMEM : 0;
out:
	free(dp);
	free(ops);
	free(la);
	free(lb);
	return rc;
}
