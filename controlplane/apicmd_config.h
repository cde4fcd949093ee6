/* apicmd_config.h — the configuration commands of the management API
 * (config.show, config.history, config.commit, config.confirm) and the
 * CLI's per-line audit record (audit.add). Registered in apicmd.c's table.
 *
 * The texts are the local configuration file's, as the administrator
 * edits it; config.commit's base_sha256 is the running local text's
 * sha256 (config.show), so a commit based on an older text is refused.
 */
#ifndef MENJIN_APICMD_CONFIG_H
#define MENJIN_APICMD_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#define APICMD_AUDIT_LINE_MAX    4096   /* audit.add line (the CLI's is 1024) */
#define APICMD_AUDIT_RESULT_MAX  512

struct menjind;
struct api_caller;

int apicmd_config_show(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result, char *err,
		       size_t errlen);
int apicmd_config_history(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			  char *err, size_t errlen);
int apicmd_config_commit(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			 char *err, size_t errlen);
int apicmd_config_confirm(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result,
			  char *err, size_t errlen);
int apicmd_audit_add(struct menjind *d, const struct api_caller *who, json_t *args, json_t **result, char *err,
		     size_t errlen);

#endif
