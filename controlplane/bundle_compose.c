/* bundle_compose.c — local configuration + central bundle (see bundle_compose.h). */
#include "bundle_compose.h"

#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cfgload.h"
#include "conf.h"

static bool exempt(const struct bundle_baseline *bl, const char *item)
{
	for (unsigned i = 0; i < bl->nexempt; i++)
		if (strcmp(bl->exempt[i], item) == 0)
			return true;
	return false;
}

static int set_string(config_setting_t *g, const char *name, const char *v)
{
	config_setting_t *s = config_setting_add(g, name, CONFIG_TYPE_STRING);
	return s && config_setting_set_string(s, v) == CONFIG_TRUE ? 0 : -ENOMEM;
}

/* posture.baselines from the bundle (only where the file has posture {}). */
static int put_baselines(config_setting_t *root, const struct bundle *b)
{
	config_setting_t *posture = config_setting_get_member(root, "posture");
	if (b->nbaselines == 0 || posture == NULL || config_setting_type(posture) != CONFIG_TYPE_GROUP)
		return 0;
	if (config_setting_get_member(posture, "baselines"))
		config_setting_remove(posture, "baselines");
	config_setting_t *list = config_setting_add(posture, "baselines", CONFIG_TYPE_LIST);
	if (list == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < b->nbaselines; i++) {
		const struct bundle_baseline *bl = &b->baselines[i];
		config_setting_t *g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		config_setting_t *bench = g ? config_setting_add(g, "benchmarks", CONFIG_TYPE_ARRAY) : NULL;
		if (g == NULL || set_string(g, "name", bl->name) < 0 || bench == NULL ||
		    config_setting_set_string_elem(bench, -1, bl->platform) == NULL)
			return -ENOMEM;
		config_setting_t *req = NULL;
		for (unsigned k = 0; k < bl->nrequired; k++) {
			if (exempt(bl, bl->required[k]))
				continue;
			if (req == NULL && (req = config_setting_add(g, "required", CONFIG_TYPE_ARRAY)) == NULL)
				return -ENOMEM;
			if (config_setting_set_string_elem(req, -1, bl->required[k]) == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

int bundle_compose(const char *local_text, const char *name, const struct bundle *b, char **out, char *err,
		   size_t errlen)
{
	struct conf *c;
	char *bundle_text = NULL, *text = NULL;
	size_t len = 0;
	config_t cfg;
	int rc;

	*out = NULL;
	/* The local file's own mistakes, with its own line numbers. */
	if ((rc = conf_load_string(local_text, name, &c, err, errlen)) < 0)
		return rc;
	conf_free(c);
	if ((rc = bundle_config_text(b, &bundle_text)) < 0) {
		snprintf(err, errlen, "central bundle version %" PRIu64 ": %s", b->version, strerror(-rc));
		return rc;
	}

	cfg_init_for_file(&cfg, name);
	rc = -ENOMEM;
	if (config_read_string(&cfg, local_text) != CONFIG_TRUE) {
		/* conf_load_string() just parsed it: only memory can fail here. */
		snprintf(err, errlen, "%s:%d: %s", name, config_error_line(&cfg), config_error_text(&cfg));
		rc = -EINVAL;
		goto out;
	}
	config_setting_t *root = config_root_setting(&cfg);
	if (config_setting_get_member(root, "roles"))
		config_setting_remove(root, "roles");
	if (config_setting_get_member(root, "policy"))
		config_setting_remove(root, "policy");
	if (put_baselines(root, b) < 0)
		goto nomem;
	FILE *m = open_memstream(&text, &len);
	if (m == NULL)
		goto nomem;
	fprintf(m, "# %s with the roles and policy of the central bundle\n", name);
	config_write(&cfg, m);
	fputs(bundle_text, m);
	if (fclose(m) != 0)
		goto nomem;

	/* The bundle's part (and how it fits the rest) as a whole. */
	char what[64];
	snprintf(what, sizeof(what), "central bundle v%" PRIu64, b->version);
	if ((rc = conf_load_string(text, what, &c, err, errlen)) < 0)
		goto out;
	conf_free(c);
	*out = text;
	text = NULL;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "central bundle version %" PRIu64 ": out of memory composing the configuration",
		 b->version);
	rc = -ENOMEM;
out:
	config_destroy(&cfg);
	free(text);
	free(bundle_text);
	return rc;
}
