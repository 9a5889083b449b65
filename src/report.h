/* --report FILE.html: one more consumer of the events beside the output.
 * Opens a temporary file beside FILE when the run starts (so a path that
 * cannot be written fails before any packet is read), folds every event
 * into the report model, and at the end of the run (files, --threads, a
 * live capture that was stopped) writes the page and renames it onto
 * FILE, so FILE is either the old one or the whole new page. */
#ifndef POP3SCOPE_REPORT_H
#define POP3SCOPE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "event.h"

struct report_config {
    const char *path;
    bool show_passwords;
    const char *const *inputs; /* files, or interfaces when live */
    size_t input_count;
    bool live;
    /* Non-NULL: the run's detectors are off only by default (files), so
     * the report runs its own with these options and its alerts reach the
     * page alone. NULL: the run's alerts arrive with the events, or
     * --no-alerts turned them off (alerts_off). */
    const struct alert_options *own_alerts;
    bool alerts_off;
};

struct report;

/* NULL, with the reason on stderr, when FILE cannot be written safely
 * (output_file.c's rules) or memory is short. */
struct report *report_open(const struct report_config *cfg);

/* An event_sink_fn: ctx is the struct report (NULL: nothing to do). */
void report_event(void *ctx, const struct event *ev);

/* Writes the page and puts it in place: 0, or -1 with the reason on
 * stderr (the temporary file is then removed). */
int report_finish(struct report *r, uint64_t packets, uint64_t bytes);

/* Removes the temporary file if the page was never put in place. */
void report_free(struct report *r);

#endif
