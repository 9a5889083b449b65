/* A minimal ABI v1 plugin for the loader tests: counts what it is given
 * and refuses any option but "tag", so a test sees open() reject a key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3scope_plugin.h"

struct good_state {
    unsigned long events;
};

static void *good_open(const struct pop3scope_plugin_option *options, size_t option_count, char *error,
                       size_t error_size)
{
    size_t i;

    for (i = 0; i < option_count; i++) {
        if (strcmp(options[i].key, "tag") != 0) {
            snprintf(error, error_size, "unknown option '%s' (known: tag)", options[i].key);
            return NULL;
        }
    }
    return calloc(1, sizeof(struct good_state));
}

static int good_write(void *state, const struct pop3scope_plugin_event *event)
{
    struct good_state *s = state;

    if (event->json == NULL || event->json_len != strlen(event->json))
        return -1;
    s->events++;
    return 0;
}

static int good_flush(void *state)
{
    return state != NULL ? 0 : -1;
}

static void good_close(void *state)
{
    free(state);
}

static const struct pop3scope_plugin good_plugin = {
    .abi_version = POP3SCOPE_PLUGIN_ABI,
    .struct_size = sizeof(struct pop3scope_plugin),
    .name = "good",
    .open = good_open,
    .write = good_write,
    .flush = good_flush,
    .close = good_close,
};

const struct pop3scope_plugin *pop3scope_plugin_v1(void)
{
    return &good_plugin;
}
