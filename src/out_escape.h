/* Wire bytes made safe to print: the conversion to valid UTF-8 that JSON
 * and CSV values go through, and the \xNN escape every format shares.
 * Pure functions over caller buffers; knows nothing of formats. */
#ifndef POP3SCOPE_OUT_ESCAPE_H
#define POP3SCOPE_OUT_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Wire bytes converted for JSON/CSV never exceed this many bytes; the
 * tracker's own line limit is far below, so hitting it means a producer
 * bug or a future limit change, and the value is cut with a visible "...". */
#define OUTPUT_SCRATCH_MAX (64u * 1024u)

/* How much wire text the UTF-8 converter lets through unescaped. */
enum out_utf8_mode {
    OUT_UTF8_JSON, /* valid UTF-8 as is; the JSON writer escapes controls */
    OUT_UTF8_CSV, /* also escape controls other than TAB, CR, LF */
};

/* "\xNN" (four characters, upper-case hex) for byte c into dst. */
static inline size_t out_escape_hex(char *dst, uint8_t c)
{
    static const char hex[] = "0123456789ABCDEF";

    dst[0] = '\\';
    dst[1] = 'x';
    dst[2] = hex[c >> 4];
    dst[3] = hex[c & 0x0F];
    return 4;
}

/* Converts wire bytes to valid UTF-8 in scratch (OUTPUT_SCRATCH_MAX + 1
 * bytes; rules in out_escape.c) and returns the length. Absent bytes
 * (data == NULL) give length 0. */
size_t out_escape_utf8(struct bytes bytes, enum out_utf8_mode mode, char *scratch);

#endif
