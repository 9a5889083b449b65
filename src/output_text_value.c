/* How the text format shows bytes: the peer's values under one quoting
 * and escaping rule, and names of our own (or nDPI's) in a fixed cell. */
#include "output_text_value.h"

#include <stdbool.h>
#include <string.h>

#include "out_escape.h"

/* The text format's one rule for a value from the wire: printable ASCII
 * as is, a backslash doubled, every other byte as \xNN; a value that holds a
 * space, '"' or '=', is empty, or is "-" (what an absent value prints)
 * goes in double quotes, with '"' inside as \". So a user name cannot add
 * a "client=" pair to an alert line or a column to a row, and a literal
 * "\x1B" (printed "\\x1B") cannot pass for an escaped ESC. */
static bool output_text_needs_quotes(const uint8_t *data, size_t len)
{
    if (len == 0 || (len == 1 && data[0] == '-'))
        return true;
    for (size_t i = 0; i < len; i++)
        if (data[i] == ' ' || data[i] == '"' || data[i] == '=')
            return true;
    return false;
}

/* One byte under the rule above into dst (room for 4); its length. */
static size_t output_text_escape_byte(uint8_t c, char *dst)
{
    if (c == '\\' || c == '"') {
        dst[0] = '\\';
        dst[1] = (char)c;
        return 2;
    }
    if (c >= 0x20 && c <= 0x7E) {
        dst[0] = (char)c;
        return 1;
    }
    return out_escape_hex(dst, c);
}

/* The value under the rule into buf (width + 1 bytes, width >= 8), at
 * most `width` characters, quotes included; a longer value is cut on an
 * escape boundary and ends in "..." (inside the quotes when quoted). */
void output_text_value(const uint8_t *data, size_t len, char *buf, size_t width)
{
    bool quoted = output_text_needs_quotes(data, len);
    size_t pos = 0, keep, limit = quoted ? width - 1 : width;

    if (quoted)
        buf[pos++] = '"';
    keep = pos;
    for (size_t i = 0; i < len; i++) {
        char esc[4];
        size_t need = output_text_escape_byte(data[i], esc);

        if (pos + need > limit) {
            pos = keep;
            memcpy(buf + pos, "...", 3);
            pos += 3;
            break;
        }
        memcpy(buf + pos, esc, need);
        pos += need;
        if (pos + 3 <= limit)
            keep = pos;
    }
    if (quoted)
        buf[pos++] = '"';
    buf[pos] = '\0';
}

/* Names that are ours or nDPI's (not the peer's): non-printable bytes as
 * \xNN, at most `width` characters (buf: width + 1 bytes); a longer name
 * is cut on an escape boundary and ends in "...". */
void output_text_name(const uint8_t *data, size_t len, char *buf, size_t width)
{
    size_t pos = 0, keep = 0, i;

    for (i = 0; i < len; i++) {
        uint8_t c = data[i];
        size_t need = (c >= 0x20 && c <= 0x7E) ? 1 : 4;

        if (pos + need > width) {
            pos = keep;
            memcpy(buf + pos, "...", 3);
            pos += 3;
            break;
        }
        if (need == 1)
            buf[pos++] = (char)c;
        else
            pos += out_escape_hex(buf + pos, c);
        if (pos + 3 <= width)
            keep = pos;
    }
    buf[pos] = '\0';
}
