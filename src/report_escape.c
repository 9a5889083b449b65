/* Wire bytes as HTML text (report_escape.h). */
#include "report_escape.h"

#include <string.h>

#include "out_escape.h"
#include "out_writer.h"

/* The length of the well-formed UTF-8 sequence of two or more bytes at
 * data (RFC 3629 §4: no overlong forms, no surrogates, nothing past
 * U+10FFFF), or 0. */
static size_t report_utf8_length(const uint8_t *data, size_t len)
{
    uint8_t c = data[0];
    size_t need;
    uint32_t cp;

    if (c >= 0xC2 && c <= 0xDF)
        need = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4, cp = c & 0x07;
    else
        return 0;
    if (len < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((data[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (data[i] & 0x3F);
    }
    if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    /* Bidirectional embeddings, overrides and isolates (U+202A-U+202E,
     * U+2066-U+2069) reorder the text around them; C1 controls (U+0080 to
     * U+009F) are controls. */
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp < 0xA0)
        return 0;
    return need;
}

static const char *report_entity(uint8_t c)
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
    size_t run = 0; /* start of the bytes that go out as they are */
    size_t i = 0;

    while (i < len) {
        uint8_t c = data[i];
        const char *entity = report_entity(c);
        size_t n;

        if (entity == NULL && c >= 0x20 && c < 0x7F) {
            i++;
            continue;
        }
        if (entity == NULL && c >= 0x80 && (n = report_utf8_length(data + i, len - i)) > 0) {
            i += n;
            continue;
        }
        if (i > run)
            out_writer_write(w, (const char *)data + run, i - run);
        if (entity != NULL) {
            out_writer_puts(w, entity);
        } else {
            char hex[4];

            out_writer_write(w, hex, out_escape_hex(hex, c));
        }
        run = ++i;
    }
    if (len > run)
        out_writer_write(w, (const char *)data + run, len - run);
}

void report_escape_string(struct out_writer *w, const char *text)
{
    if (text != NULL)
        report_escape_html(w, (const uint8_t *)text, strlen(text));
}
