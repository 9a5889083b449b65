/* Wire bytes as HTML text (report_escape.h). The wire rule is the one the
 * CSV output uses (out_escape.c: invalid UTF-8, controls, C1 and the bidi
 * controls as \xNN, a wire backslash doubled so "\x41" typed by the peer
 * cannot pass for an escaped byte); this file adds what HTML needs on top:
 * the five markup characters as references, and TAB, CR and LF (which CSV
 * quoting carries) as \xNN too, since a page would fold them away. */
#include "report_escape.h"

#include <stdbool.h>
#include <string.h>

#include "out_escape.h"
#include "out_writer.h"

static const char *report_entity(char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
}

void report_escape_html(struct out_writer *w, const uint8_t *data, size_t len)
{
    /* One per thread: the page is drawn on the thread that ends the run,
     * the unit tests on theirs; 64 KiB is out_escape_utf8's bound. */
    static _Thread_local char scratch[OUTPUT_SCRATCH_MAX + 1];
    size_t n = out_escape_utf8((struct bytes){ data, len }, OUT_UTF8_CSV, scratch);
    size_t run = 0;

    for (size_t i = 0; i < n; i++) {
        const char *entity = report_entity(scratch[i]);
        bool space = scratch[i] == '\t' || scratch[i] == '\r' || scratch[i] == '\n';

        if (entity == NULL && !space)
            continue;
        out_writer_write(w, scratch + run, i - run);
        if (entity != NULL) {
            out_writer_puts(w, entity);
        } else {
            char hex[4];

            out_writer_write(w, hex, out_escape_hex(hex, (uint8_t)scratch[i]));
        }
        run = i + 1;
    }
    out_writer_write(w, scratch + run, n - run);
}

void report_escape_string(struct out_writer *w, const char *text)
{
    if (text != NULL)
        report_escape_html(w, (const uint8_t *)text, strlen(text));
}
