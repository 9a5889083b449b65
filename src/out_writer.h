/* The leaf every built-in format writes through: a FILE the caller owns,
 * and the first failure remembered, so one check at the end of the run
 * reports a full disk or a closed pipe. Knows nothing of events. */
#ifndef POP3SCOPE_OUT_WRITER_H
#define POP3SCOPE_OUT_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct out_writer {
    FILE *stream; /* the caller's: never closed here */
    bool failed; /* a write or flush failed: later writes are dropped */
    int error; /* errno of the first failure */
};

void out_writer_init(struct out_writer *w, FILE *stream);

/* Remembers the first failure (err 0 counts as EIO). */
void out_writer_fail(struct out_writer *w, int err);

void out_writer_write(struct out_writer *w, const char *data, size_t len);
void out_writer_puts(struct out_writer *w, const char *text);
void out_writer_printf(struct out_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands buffered bytes to the system now (live use: after every event). */
void out_writer_flush(struct out_writer *w);

/* End of run: flushes and returns 0, or -1 with errno set to the first
 * failure's cause (ENOSPC, EPIPE...) so the caller can name it. */
int out_writer_finish(struct out_writer *w);

#endif
