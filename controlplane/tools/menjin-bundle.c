/* menjin-bundle — build, sign and check central policy bundles.
 * The command lives in controlplane/bundle_tool.c (in libcp.a). */
#include "bundle_tool.h"

int main(int argc, char **argv)
{
	return bundle_tool_main(argc, argv);
}
