/* Dispatch to the format, the shared writer that remembers failures, and the
 * wire-bytes-to-UTF-8 conversion used by JSON and CSV. */
#include "output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "output_internal.h"

struct output *output_new(const struct output_options *opts, FILE *stream)
{
    struct output *out;

    if (opts == NULL || stream == NULL || (unsigned)opts->format > (unsigned)OUTPUT_CSV)
        return NULL;
    out = calloc(1, sizeof *out);
    if (out == NULL)
        return NULL;
    /* One scratch for the whole run: converting a value allocates nothing. */
    out->scratch = malloc(OUTPUT_SCRATCH_MAX + 1);
    if (out->scratch == NULL) {
        free(out);
        return NULL;
    }
    out->opts = *opts;
    out->stream = stream;
    /* A CSV reader expects the header even when no row follows. */
    if (opts->format == OUTPUT_CSV)
        output_csv_begin(out);
    return out;
}

static void output_count(struct output *out, const struct event *ev)
{
    struct output_counters *c = &out->counters;

    if (ev->type == EVENT_AUTH) {
        c->auth_attempts++;
        if ((unsigned)ev->u.auth.outcome < (unsigned)OUTCOME_COUNT)
            c->auth_by_outcome[ev->u.auth.outcome]++;
    } else if (ev->type == EVENT_SESSION) {
        const struct event_session *s = &ev->u.session;

        c->sessions++;
        if ((unsigned)s->tls < (unsigned)TLS_COUNT)
            c->sessions_by_tls[s->tls]++;
        c->retr_count += s->retr_count;
        c->retr_octets += s->retr_octets;
        c->messages_deleted += s->messages_deleted;
    }
}

void output_event(void *ctx, const struct event *ev)
{
    struct output *out = ctx;

    if (out == NULL || ev == NULL || out->finished)
        return;
    output_count(out, ev);
    switch (out->opts.format) {
    case OUTPUT_TEXT:
        output_text_event(out, ev);
        break;
    case OUTPUT_JSON:
        output_json_event(out, ev);
        break;
    case OUTPUT_CSV:
        output_csv_event(out, ev);
        break;
    }
    if (out->opts.line_buffered && !out->failed && fflush(out->stream) != 0)
        output_fail(out, errno);
}

/* The first cause is the one worth reporting: later writes to a full
 * disk fail only because the first did. */
void output_fail(struct output *out, int err)
{
    if (out->failed)
        return;
    out->failed = true;
    out->error = err != 0 ? err : EIO;
}

/* On -1, errno holds the first failure's cause (ENOSPC, EPIPE...) so the
 * caller can name it. */
int output_finish(struct output *out)
{
    if (out == NULL)
        return -1;
    if (!out->finished) {
        out->finished = true;
        if (out->opts.format == OUTPUT_TEXT)
            output_text_finish(out);
    }
    /* Buffered data meets the disk (or the closed pipe) only here; ferror
     * also catches a failure the stream saw before we were handed it. */
    if (fflush(out->stream) != 0)
        output_fail(out, errno);
    else if (ferror(out->stream))
        output_fail(out, EIO);
    if (!out->failed)
        return 0;
    errno = out->error;
    return -1;
}

void output_free(struct output *out)
{
    if (out == NULL)
        return;
    output_text_free(out);
    free(out->scratch);
    free(out);
}

/* Once a write failed the run's output is already incomplete; further
 * writes to a full disk or a closed pipe only cost system calls. */
void output_write(struct output *out, const char *data, size_t len)
{
    if (out->failed || len == 0)
        return;
    if (fwrite(data, 1, len, out->stream) != len)
        output_fail(out, errno);
}

void output_puts(struct output *out, const char *text)
{
    output_write(out, text, strlen(text));
}

void output_printf(struct output *out, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (out->failed)
        return;
    va_start(ap, fmt);
    rc = vfprintf(out->stream, fmt, ap);
    va_end(ap);
    if (rc < 0)
        output_fail(out, errno);
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 §4), or 0. The
 * second-byte ranges reject overlong forms, UTF-16 surrogates (ED A0..BF)
 * and code points above U+10FFFF (F4 90.., F5..FF). */
static size_t output_utf8_sequence(const uint8_t *p, size_t avail)
{
    uint8_t b0 = p[0];
    uint8_t lo = 0x80, hi = 0xBF;
    size_t n, i;

    if (b0 < 0x80)
        return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        n = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF)
        n = 3;
    else if (b0 >= 0xF0 && b0 <= 0xF4)
        n = 4;
    else
        return 0;
    if (b0 == 0xE0)
        lo = 0xA0;
    else if (b0 == 0xED)
        hi = 0x9F;
    else if (b0 == 0xF0)
        lo = 0x90;
    else if (b0 == 0xF4)
        hi = 0x8F;
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

/* CSV has no escape of its own for control bytes: a raw ESC or NUL would
 * reach whoever cats the file. TAB, CR and LF stay (RFC 4180 quoting
 * carries them); C1 controls (U+0080..U+009F, encoded C2 80..C2 9F) are
 * escaped because some terminals act on them, and the bidi controls
 * (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069) because they reorder
 * what a spreadsheet or terminal shows around them. */
static bool output_csv_control(const uint8_t *p, size_t n)
{
    if (n == 1)
        return (p[0] < 0x20 && p[0] != '\t' && p[0] != '\r' && p[0] != '\n') || p[0] == 0x7F;
    if (n == 2)
        return (p[0] == 0xC2 && p[1] <= 0x9F) || (p[0] == 0xD8 && p[1] == 0x9C);
    return n == 3 && p[0] == 0xE2 &&
           ((p[1] == 0x80 && ((p[2] >= 0x8E && p[2] <= 0x8F) || (p[2] >= 0xAA && p[2] <= 0xAE))) ||
            (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9));
}

static size_t output_hex_escape(char *dst, const uint8_t *src, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        dst[4 * i] = '\\';
        dst[4 * i + 1] = 'x';
        dst[4 * i + 2] = hex[src[i] >> 4];
        dst[4 * i + 3] = hex[src[i] & 0x0F];
    }
    return 4 * n;
}

/* Valid sequences pass through; each byte that is not part of one becomes
 * the four characters \xNN, so the result is always valid UTF-8 (jansson
 * refuses anything else) and no wire byte is silently lost. */
size_t output_utf8(struct output *out, struct event_bytes bytes, enum output_utf8_mode mode, const char **text)
{
    char *dst = out->scratch;
    size_t pos = 0, keep = 0, i = 0;

    *text = dst;
    if (bytes.data == NULL)
        return 0;
    while (i < bytes.len) {
        size_t n = output_utf8_sequence(bytes.data + i, bytes.len - i);
        size_t take = n == 0 ? 1 : n;
        bool escape = n == 0 || (mode == OUTPUT_UTF8_CSV && output_csv_control(bytes.data + i, n));
        /* CSV: a wire backslash is doubled, so "\x1B" typed by the peer
         * reads "\\x1B" and cannot pass for an escaped ESC. JSON keeps
         * it single (consumers decode JSON strings and expect the wire
         * text): there a literal "\xFF" and an invalid byte 0xFF decode
         * alike, documented in README "Events". */
        bool backslash = mode == OUTPUT_UTF8_CSV && bytes.data[i] == '\\';
        size_t need = escape ? 4 * take : backslash ? 2 : take;

        if (pos + need > OUTPUT_SCRATCH_MAX) {
            /* Cut at a character boundary so the "..." that says so keeps
             * the value valid UTF-8. */
            memcpy(dst + keep, "...", 3);
            return keep + 3;
        }
        if (escape) {
            pos += output_hex_escape(dst + pos, bytes.data + i, take);
        } else if (backslash) {
            memcpy(dst + pos, "\\\\", 2);
            pos += 2;
        } else {
            memcpy(dst + pos, bytes.data + i, take);
            pos += take;
        }
        if (pos <= OUTPUT_SCRATCH_MAX - 3)
            keep = pos;
        i += take;
    }
    return pos;
}
