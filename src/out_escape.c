/* Wire bytes to valid UTF-8 for JSON and CSV values. */
#include "out_escape.h"

#include <stdbool.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 §4), or 0. The
 * second-byte ranges reject overlong forms, UTF-16 surrogates (ED A0..BF)
 * and code points above U+10FFFF (F4 90.., F5..FF). */
static size_t out_escape_utf8_sequence(const uint8_t *p, size_t avail)
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
static bool out_escape_csv_control(const uint8_t *p, size_t n)
{
    if (n == 1)
        return (p[0] < 0x20 && p[0] != '\t' && p[0] != '\r' && p[0] != '\n') || p[0] == 0x7F;
    if (n == 2)
        return (p[0] == 0xC2 && p[1] <= 0x9F) || (p[0] == 0xD8 && p[1] == 0x9C);
    return n == 3 && p[0] == 0xE2 &&
           ((p[1] == 0x80 && ((p[2] >= 0x8E && p[2] <= 0x8F) || (p[2] >= 0xAA && p[2] <= 0xAE))) ||
            (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9));
}

static size_t out_escape_hex_run(char *dst, const uint8_t *src, size_t n)
{
    size_t pos = 0;

    for (size_t i = 0; i < n; i++)
        pos += out_escape_hex(dst + pos, src[i]);
    return pos;
}

/* Valid sequences pass through; each byte that is not part of one becomes
 * the four characters \xNN, so the result is always valid UTF-8 (jansson
 * refuses anything else) and no wire byte is silently lost. */
size_t out_escape_utf8(struct bytes bytes, enum out_utf8_mode mode, char *scratch)
{
    char *dst = scratch;
    size_t pos = 0, keep = 0, i = 0;

    if (bytes.data == NULL)
        return 0;
    while (i < bytes.len) {
        size_t n = out_escape_utf8_sequence(bytes.data + i, bytes.len - i);
        size_t take = n == 0 ? 1 : n;
        bool escape = n == 0 || (mode == OUT_UTF8_CSV && out_escape_csv_control(bytes.data + i, n));
        /* CSV: a wire backslash is doubled, so "\x1B" typed by the peer
         * reads "\\x1B" and cannot pass for an escaped ESC. JSON keeps
         * it single (consumers decode JSON strings and expect the wire
         * text): there a literal "\xFF" and an invalid byte 0xFF decode
         * alike, documented in README "Events". */
        bool backslash = mode == OUT_UTF8_CSV && bytes.data[i] == '\\';
        size_t need = escape ? 4 * take : backslash ? 2 : take;

        if (pos + need > OUTPUT_SCRATCH_MAX) {
            /* Cut at a character boundary so the "..." that says so keeps
             * the value valid UTF-8. */
            memcpy(dst + keep, "...", 3);
            return keep + 3;
        }
        if (escape) {
            pos += out_escape_hex_run(dst + pos, bytes.data + i, take);
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
