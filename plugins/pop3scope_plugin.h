/* pop3scope output plugin ABI, version 1: the one header a plugin needs.
 *
 * A plugin is a shared object exporting one symbol, pop3scope_plugin_v1(),
 * that returns a const struct pop3scope_plugin. pop3scope loads it by name
 * from its plugin directory or by path (--emit NAME[:key=value,...]),
 * checks abi_version and struct_size, and drives it as it drives its
 * built-in formats (src/out_format.h): open once, write per event in the
 * order events happened, flush when the writer is idle and at the end,
 * close once, always last. Calls come from one thread (the writer), never
 * concurrently. A plugin never calls back into pop3scope.
 *
 * Why events reach a plugin as their JSON line and not as pop3scope's
 * internal struct event: that struct grows with every release (new fields,
 * new event kinds), and a plugin compiled against an older layout would
 * read garbage. The JSON line is the documented, versioned schema (README
 * "Event schema"), the same bytes --json prints; the few fields a sink
 * routes on (type, time) are given separately so a plugin need not parse.
 *
 * Compatibility rules: a change that breaks an existing plugin bumps
 * POP3SCOPE_PLUGIN_ABI (and the symbol's suffix); fields are only ever
 * appended to these structs, and struct_size tells each side how much of
 * the other's struct it may read. */
#ifndef POP3SCOPE_PLUGIN_H
#define POP3SCOPE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POP3SCOPE_PLUGIN_ABI 1u

/* One key=value from --emit NAME:key=value,... Keys are [a-z0-9_-]+;
 * values are the user's text, NUL-terminated, possibly empty. */
struct pop3scope_plugin_option {
    const char *key;
    const char *value;
};

/* One event, borrowed for the duration of write(): copy what you keep. */
struct pop3scope_plugin_event {
    uint32_t struct_size; /* sizeof as pop3scope compiled it */
    const char *type; /* "auth", "session", "stats", "alert", ... */
    int64_t time_usec; /* packet time, microseconds since the Unix epoch */
    const char *json; /* one JSON object, no trailing newline, NUL-terminated */
    size_t json_len; /* strlen(json) */
};

struct pop3scope_plugin {
    uint32_t abi_version; /* POP3SCOPE_PLUGIN_ABI */
    uint32_t struct_size; /* sizeof(struct pop3scope_plugin) */
    const char *name; /* what --emit calls it: [a-z0-9_-]+ */
    /* Checks the options and allocates the plugin's state. On a wrong key
     * or value, returns NULL and writes a message naming it into error
     * (NUL-terminated, at most error_size bytes); pop3scope then exits 2
     * before capture starts. A sink that is down at open (server not
     * listening) is not an error: open succeeds and write retries. */
    void *(*open)(const struct pop3scope_plugin_option *options, size_t option_count, char *error, size_t error_size);
    /* 0 when the event was taken (sent or queued), -1 when it was dropped;
     * pop3scope counts drops in its stats. Must not block for long: the
     * plugin runs behind a bounded queue, and a slow write makes that queue
     * drop events. */
    int (*write)(void *state, const struct pop3scope_plugin_event *event);
    /* Pushes what is buffered. 0, or -1 when the sink failed. */
    int (*flush)(void *state);
    /* Flushes what it can and frees the state. */
    void (*close)(void *state);
    /* Appended to ABI 1 (struct_size tells whether a plugin has them;
     * each may be NULL). A plugin that keeps its own queue (a network sink
     * that resends across reconnects) needs both. */
    /* Called once after the last write, in place of the final flush:
     * deliver what is still queued, waiting at most the plugin's own bound
     * (never forever), and give up on the rest, counting it in lost (a
     * drop, like a full queue's, not an output failure). Without drain,
     * pop3scope calls flush. While flush keeps returning -1, pop3scope
     * calls it again every 50 ms when idle, so a plugin waiting for its
     * sink can reconnect and resend before the next event comes. */
    void (*drain)(void *state);
    /* How many events write took (returned 0) and the plugin later lost:
     * the sink refused them, or they were still queued when drain gave up.
     * pop3scope adds them to its dropped count. Called from another thread
     * than write: read an atomic counter. */
    uint64_t (*lost)(void *state);
};

/* The smallest struct_size ABI 1 accepts: up to and including close. */
#define POP3SCOPE_PLUGIN_V1_MIN_SIZE (offsetof(struct pop3scope_plugin, close) + sizeof(void (*)(void *)))

/* The one exported symbol; exported even when the plugin is built with
 * -fvisibility=hidden (recommended: nothing else should leak). */
#if defined(__GNUC__)
#define POP3SCOPE_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define POP3SCOPE_PLUGIN_EXPORT
#endif
POP3SCOPE_PLUGIN_EXPORT const struct pop3scope_plugin *pop3scope_plugin_v1(void);

#ifdef __cplusplus
}
#endif

#endif
