/* The shape of an output format: a const table of four functions over a
 * state the format allocates itself. The built-in formats (text, JSON,
 * CSV) are such tables, and a plugin exports the same shape, so this
 * header needs nothing but the event records.
 *
 * Calls, in order: begin once; event for each event, in the order they
 * happened; finish once at the end of the run (not after a failed begin);
 * free once, always last. Events are const and borrowed for the call: a
 * format copies what it keeps. */
#ifndef POP3SCOPE_OUT_FORMAT_H
#define POP3SCOPE_OUT_FORMAT_H

#include <stdbool.h>

#include "event.h"

/* Opaque here: the built-in formats write through it (out_writer.h); a
 * plugin with a sink of its own may ignore it. */
struct out_writer;

struct out_format_options {
    struct out_writer *writer; /* the run's output stream */
    bool show_passwords; /* secrets as seen; redacted (or left out) otherwise */
    bool summary_only; /* a format with a summary shows only that */
    const void *context; /* the format's own configuration (a plugin's
                          * struct output_plugin_config); NULL for most */
    int text_mode; /* text: enum output_text_mode (fit, --wide, --vertical) */
};

struct out_format {
    const char *name;
    /* Allocates the state and writes what precedes the first event (a CSV
     * header). NULL when out of memory. */
    void *(*begin)(const struct out_format_options *opts);
    void (*event)(void *state, const struct event *ev);
    /* Writes what follows the last event (the text summary). 0, or -1
     * with errno set when the format's own sink failed. */
    int (*finish)(void *state);
    void (*free)(void *state);
};

#endif
