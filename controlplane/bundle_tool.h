/* bundle_tool.h — the menjin-bundle command (keygen, sign, verify, show,
 * sign-feed) as a function, so tests and the tiny program in
 * controlplane/tools/menjin-bundle.c share it. Exit codes: 0 done,
 * 1 refused or failed (the reason on stderr), 2 usage. */
#ifndef MENJIN_BUNDLE_TOOL_H
#define MENJIN_BUNDLE_TOOL_H

int bundle_tool_main(int argc, char **argv);

/* "2026-12-31T00:00:00Z", "2026-12-31" (midnight UTC), "+30d", "+12h",
 * "+90m" (from now). 0 or -EINVAL. */
int bundle_tool_parse_date(const char *s, long long now, long long *out);

#endif
