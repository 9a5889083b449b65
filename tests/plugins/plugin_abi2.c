/* A plugin built for a future ABI 2: the loader must refuse it before
 * calling any of its functions (which are left NULL so a call crashes). */
#include "pop3scope_plugin.h"

static const struct pop3scope_plugin abi2_plugin = {
    .abi_version = 2,
    .struct_size = sizeof(struct pop3scope_plugin),
    .name = "abi2",
};

const struct pop3scope_plugin *pop3scope_plugin_v1(void)
{
    return &abi2_plugin;
}
