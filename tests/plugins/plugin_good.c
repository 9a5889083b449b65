/* A minimal ABI v1 plugin for the loader and --emit tests: counts what it
 * is given, with file=PATH appends each event's JSON line to PATH (so a
 * test compares it with --json), and refuses any other option but "tag",
 * so a test sees open() reject a key; stall_first_ms=N makes the first
 * write take N ms, a sink that stops reading, to fill pop3scope's queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pop3scope_plugin.h"

struct good_state {
    unsigned long events;
    FILE *file;
    long stall_first_ms; /* a stuck sink: the first write takes this long */
};

static void *good_open(const struct pop3scope_plugin_option *options, size_t option_count, char *error,
                       size_t error_size)
{
    struct good_state *s;
    const char *path = NULL;
    long stall = 0;
    size_t i;

    for (i = 0; i < option_count; i++) {
        if (strcmp(options[i].key, "file") == 0) {
            path = options[i].value;
        } else if (strcmp(options[i].key, "stall_first_ms") == 0) {
            stall = strtol(options[i].value, NULL, 10);
        } else if (strcmp(options[i].key, "tag") != 0) {
            snprintf(error, error_size, "unknown option '%s' (known: file, stall_first_ms, tag)", options[i].key);
            return NULL;
        }
    }
    s = calloc(1, sizeof *s);
    if (s != NULL && path != NULL && (s->file = fopen(path, "w")) == NULL) {
        snprintf(error, error_size, "file=%s: cannot create it", path);
        free(s);
        return NULL;
    }
    if (s != NULL)
        s->stall_first_ms = stall;
    return s;
}

static int good_write(void *state, const struct pop3scope_plugin_event *event)
{
    struct good_state *s = state;

    if (event->json == NULL || event->json_len != strlen(event->json))
        return -1;
    if (s->events++ == 0 && s->stall_first_ms > 0) {
        struct timespec t = { s->stall_first_ms / 1000, (s->stall_first_ms % 1000) * 1000000 };

        nanosleep(&t, NULL);
    }
    if (s->file != NULL)
        fprintf(s->file, "%s %s\n", event->type, event->json);
    return 0;
}

static int good_flush(void *state)
{
    struct good_state *s = state;

    return s->file == NULL || fflush(s->file) == 0 ? 0 : -1;
}

static void good_close(void *state)
{
    struct good_state *s = state;

    if (s->file != NULL)
        fclose(s->file);
    free(s);
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
