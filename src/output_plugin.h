/* An output plugin (plugins/pop3scope_plugin.h) seen as one more
 * struct out_format: the dispatcher drives plugins and built-in formats
 * through the one interface. The plugin gets each event as the line the
 * JSON format writes for it, rendered into a buffer this adapter owns. */
#ifndef POP3SCOPE_OUTPUT_PLUGIN_H
#define POP3SCOPE_OUTPUT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "out_format.h"

/* What begin() needs, passed as out_format_options.context. */
struct output_plugin_config {
    const char *spec; /* --emit NAME[:key=value,...] or PATH[:...] */
    const char *plugin_dir; /* where NAME.so is looked up */
    size_t queue_bytes; /* the bound on events waiting for the plugin */
    char *error; /* begin() failing writes why here */
    size_t error_size;
};

/* begin returns NULL, with config->error set, when the module is refused,
 * the spec is malformed, or the plugin's open() rejects an option. */
extern const struct out_format output_plugin_format;

/* spec as messages may show it: the value of a key that names a secret
 * (password, secret, token, ...) becomes "***". */
void output_plugin_mask_spec(const char *spec, char *out, size_t out_size);

/* Events the plugin dropped (its write returned -1) or that did not fit
 * the render buffer. */
uint64_t output_plugin_dropped(const void *state);

#endif
