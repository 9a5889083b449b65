#include "out_writer.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

void out_writer_init(struct out_writer *w, FILE *stream)
{
    w->stream = stream;
    w->failed = false;
    w->error = 0;
}

/* The first cause is the one worth reporting: later writes to a full
 * disk fail only because the first did. */
void out_writer_fail(struct out_writer *w, int err)
{
    if (w->failed)
        return;
    w->failed = true;
    w->error = err != 0 ? err : EIO;
}

/* Once a write failed the run's output is already incomplete; further
 * writes to a full disk or a closed pipe only cost system calls. */
void out_writer_write(struct out_writer *w, const char *data, size_t len)
{
    if (w->failed || len == 0)
        return;
    if (fwrite(data, 1, len, w->stream) != len)
        out_writer_fail(w, errno);
}

void out_writer_puts(struct out_writer *w, const char *text)
{
    out_writer_write(w, text, strlen(text));
}

void out_writer_printf(struct out_writer *w, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (w->failed)
        return;
    va_start(ap, fmt);
    rc = vfprintf(w->stream, fmt, ap);
    va_end(ap);
    if (rc < 0)
        out_writer_fail(w, errno);
}

void out_writer_flush(struct out_writer *w)
{
    if (!w->failed && fflush(w->stream) != 0)
        out_writer_fail(w, errno);
}

int out_writer_finish(struct out_writer *w)
{
    /* Buffered data meets the disk (or the closed pipe) only here; ferror
     * also catches a failure the stream saw before we were handed it. */
    if (fflush(w->stream) != 0)
        out_writer_fail(w, errno);
    else if (ferror(w->stream))
        out_writer_fail(w, EIO);
    if (!w->failed)
        return 0;
    errno = w->error;
    return -1;
}
