/* A plugin built before drain() and lost() were appended to ABI 1: its
 * struct_size ends at close. The loader must accept it, and pop3scope must
 * not read past its struct. Built with -DPLUGIN_SHORT=1 (plugin_short) the
 * struct is one byte shorter than ABI 1's minimum and must be refused. */
#include <stddef.h>

#include "pop3scope_plugin.h"

#ifndef PLUGIN_SHORT
#define PLUGIN_SHORT 0
#endif

static void *v1base_open(const struct pop3scope_plugin_option *options, size_t option_count, char *error,
                         size_t error_size)
{
    static int state;

    (void)options, (void)option_count, (void)error, (void)error_size;
    return &state;
}

static int v1base_write(void *state, const struct pop3scope_plugin_event *event)
{
    (void)event;
    return state != NULL ? 0 : -1;
}

static int v1base_flush(void *state)
{
    return state != NULL ? 0 : -1;
}

static void v1base_close(void *state)
{
    (void)state;
}

static const struct pop3scope_plugin v1base_plugin = {
    .abi_version = POP3SCOPE_PLUGIN_ABI,
    .struct_size = POP3SCOPE_PLUGIN_V1_MIN_SIZE - PLUGIN_SHORT,
    .name = "v1base",
    .open = v1base_open,
    .write = v1base_write,
    .flush = v1base_flush,
    .close = v1base_close,
};

const struct pop3scope_plugin *pop3scope_plugin_v1(void)
{
    return &v1base_plugin;
}
