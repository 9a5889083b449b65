/* pop3scope: a live capture's loop. Between batches of packets it acts on
 * what the signals asked (stop, reopen the -o file, a stats event) and on
 * the --stats-interval timer; at the end it ends every open session (end:
 * shutdown), writes a last stats event and says what the kernel dropped. */
#ifndef POP3SCOPE_LIVE_RUN_H
#define POP3SCOPE_LIVE_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "engine.h"

struct live_run_options {
    uint32_t stats_interval; /* seconds between stats events, 0: none */
    const char *output_path; /* the -o file reopened on SIGHUP, or NULL */
    FILE *output_stream; /* the stream that file is open on */
};

/* Captures until SIGINT/SIGTERM, or until every interface failed
 * (CAPTURE_OK only for the first). */
enum capture_status live_run(struct capture_live *live, struct engine *engine, const struct live_run_options *opts);

#endif
