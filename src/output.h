/* Event sinks a person or a program reads: a human table with a summary,
 * JSON lines, CSV. Secrets are redacted unless show_passwords is set. */
#ifndef POP3SCOPE_OUTPUT_H
#define POP3SCOPE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

enum output_format {
    OUTPUT_TEXT, /* table of login attempts, then a summary */
    OUTPUT_JSON, /* one JSON object per line, every event */
    OUTPUT_CSV, /* auth events only, RFC 4180, with a header row */
    OUTPUT_ECS, /* JSON lines in Elastic Common Schema names */
};

/* --emit is repeatable up to this many plugins in one run. */
#define OUTPUT_MAX_PLUGINS 8

struct output_options {
    enum output_format format;
    bool show_passwords;
    bool line_buffered; /* flush after every event (live use) */
    bool summary_only; /* text: the summary alone, no table of attempts */
    int text_mode; /* text: enum output_text_mode, the table's layout */
    const char *plugins[OUTPUT_MAX_PLUGINS]; /* --emit NAME[:k=v,...] of plugins */
    size_t plugin_count;
    size_t plugin_overflow; /* --emit beyond OUTPUT_MAX_PLUGINS: refused with exit 2 */
    const char *plugin_dir; /* where --emit NAME finds NAME.so */
    uint32_t plugin_queue_kib; /* --emit-queue: each plugin's queue */
};

struct output;

/* Writes to `stream`, which stays the caller's to close. */
struct output *output_new(const struct output_options *opts, FILE *stream);

/* Loads and opens every plugin of opts->plugins, each one more format fed
 * every event. Before capture starts: 0, or -1 with a message naming the
 * --emit option in `error`. */
int output_open_plugins(struct output *out, const struct output_options *opts, char *error, size_t error_size);

/* Events the plugins dropped, all together. */
uint64_t output_plugin_drops(const struct output *out);

/* An event_sink_fn: ctx is the struct output. */
void output_event(void *ctx, const struct event *ev);

/* End of run: the text format prints its summary; all formats flush.
 * Returns 0, or -1 if writing failed (disk full, closed pipe). */
int output_finish(struct output *out);

void output_free(struct output *out);

#endif
