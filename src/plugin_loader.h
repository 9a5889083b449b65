/* Loading output plugins (plugins/pop3scope_plugin.h): the only file that
 * knows about shared objects. A module is found by name in the plugin
 * directory or by path, and refused before dlopen() runs any of its code
 * when someone other than its owner could have changed it. */
#ifndef POP3SCOPE_PLUGIN_LOADER_H
#define POP3SCOPE_PLUGIN_LOADER_H

#include <stddef.h>

#include "pop3scope_plugin.h"

struct plugin_loader_module;

/* `spec` is a name ([a-z0-9_-]+, looked up as DIR/NAME.so in `plugin_dir`)
 * or a path (anything with a '/'). Refuses, with a message in `error`
 * naming the file and the reason: a module or its directory writable by
 * group or others, a symlink, a non-regular file, when running as root a
 * module or directory not owned by root, a module without
 * pop3scope_plugin_v1(), another ABI version, a short struct. Returns 0
 * and sets *out, or -1. */
int plugin_loader_open(const char *spec, const char *plugin_dir, struct plugin_loader_module **out, char *error,
                       size_t error_size);

const struct pop3scope_plugin *plugin_loader_plugin(const struct plugin_loader_module *module);

/* dlclose()s the module: call after the plugin's close(). */
void plugin_loader_close(struct plugin_loader_module *module);

#endif
