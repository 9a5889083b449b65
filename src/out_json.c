/* The JSON line builder (out_json.h).
 *
 * The bytes are jansson's (JSON_COMPACT | JSON_PRESERVE_ORDER) but for the
 * characters jansson leaves raw and a terminal or viewer acts on, so earlier
 * output, golden files and tests/unit/test_output.c (which parses the lines
 * back with jansson) still hold: '"' and '\\' escaped, the controls with a
 * short form as \b \f \n \r \t; as \uXXXX in upper-case hex the other C0
 * controls, DEL, the C1 controls (U+0080..U+009F: some terminals take U+009B
 * as CSI) and the bidi controls (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069: they reorder what is shown around them, so
 * "alice<RLO>nimda" would read as another name); everything else ('/', other
 * non-ASCII) as is. Values are valid UTF-8 because wire bytes go through
 * out_escape_utf8 first. */
#include "out_json.h"

#include <stdint.h>
#include <string.h>

#include "fmt.h"
#include "out_escape.h"

/* A line longer than the buffer leaves in pieces; out_writer_write remembers a
 * failure, and later pieces are then dropped by it. */
void out_json_spill(struct out_json_line *l)
{
    out_writer_write(l->writer, l->buf, l->len);
    l->len = 0;
}

void out_json_raw_pieces(struct out_json_line *l, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = sizeof l->buf - l->len;
        size_t take;

        if (room == 0) {
            out_json_spill(l);
            room = sizeof l->buf;
        }
        take = n < room ? n : room;
        memcpy(l->buf + l->len, s, take);
        l->len += take;
        s += take;
        n -= take;
    }
}

void out_json_open(struct out_json_line *l, char c)
{
    out_json_sep(l);
    out_json_char(l, c);
    l->more = false;
}

void out_json_close(struct out_json_line *l, char c)
{
    out_json_char(l, c);
    l->more = true;
}

/* Keys are our own ASCII literals: nothing to escape. */
void out_json_key(struct out_json_line *l, const char *key)
{
    size_t n = strlen(key);
    char *p = l->buf + l->len;

    if (n + 4 > sizeof l->buf - l->len) {
        out_json_sep(l);
        out_json_char(l, '"');
        out_json_raw(l, key, n);
        out_json_raw(l, "\":", 2);
        l->more = false;
        return;
    }
    if (l->more)
        *p++ = ',';
    *p++ = '"';
    memcpy(p, key, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    l->len = (size_t)(p - l->buf);
    l->more = false;
}

/* 0 for a byte that passes as is, else the letter of its short escape, or
 * 'u' for \u00XX. */
static char out_json_escape_class(uint8_t c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return c < 0x20 || c == 0x7F ? 'u' : 0;
    }
}

/* A byte that is copied as is without a second look: printable ASCII but
 * '"' and '\\', and every non-ASCII byte but the lead bytes of the
 * sequences out_json_unsafe_utf8 looks for (C2, D8, E2; never a
 * continuation byte, so a run cannot stop inside a character). */
static inline bool out_json_plain_byte(uint8_t c)
{
    if (c < 0x80)
        return c >= 0x20 && c != '"' && c != '\\' && c != 0x7F;
    return c != 0xC2 && c != 0xD8 && c != 0xE2;
}

/* The length of a C1 or bidi control at s (see the top of the file), with
 * its code point in *cp; 0 for any other character. */
static size_t out_json_unsafe_utf8(const uint8_t *s, size_t avail, unsigned *cp)
{
    if (avail >= 2 && ((s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) || (s[0] == 0xD8 && s[1] == 0x9C))) {
        *cp = (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if (avail >= 3 && s[0] == 0xE2 &&
        ((s[1] == 0x80 && ((s[2] >= 0x8E && s[2] <= 0x8F) || (s[2] >= 0xAA && s[2] <= 0xAE))) ||
         (s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9))) {
        *cp = 0x2000u | (unsigned)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return 3;
    }
    return 0;
}

static void out_json_unicode_escape(struct out_json_line *l, unsigned cp)
{
    static const char hex[] = "0123456789ABCDEF";
    char seq[6] = { '\\', 'u', hex[cp >> 12 & 0x0F], hex[cp >> 8 & 0x0F], hex[cp >> 4 & 0x0F], hex[cp & 0x0F] };

    out_json_raw(l, seq, sizeof seq);
}

static void out_json_escape(struct out_json_line *l, const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t run = i, len;
        unsigned cp;
        char cls;

        while (run < n && out_json_plain_byte(s[run]))
            run++;
        out_json_raw(l, (const char *)s + i, run - i);
        if (run == n)
            return;
        if (s[run] >= 0x80) {
            len = out_json_unsafe_utf8(s + run, n - run, &cp);
            if (len == 0) {
                out_json_char(l, (char)s[run]); /* a lead byte of something else */
                i = run + 1;
            } else {
                out_json_unicode_escape(l, cp);
                i = run + len;
            }
            continue;
        }
        cls = out_json_escape_class(s[run]);
        if (cls == 'u') {
            out_json_unicode_escape(l, s[run]);
        } else {
            char seq[2] = { '\\', cls };

            out_json_raw(l, seq, sizeof seq);
        }
        i = run + 1;
    }
}

void out_json_string(struct out_json_line *l, const char *s, size_t n)
{
    out_json_sep(l);
    out_json_char(l, '"');
    out_json_escape(l, (const uint8_t *)s, n);
    out_json_char(l, '"');
}

/* A string made of characters JSON never escapes (digits, hex, ".:-TZ"). */
void out_json_plain(struct out_json_line *l, const char *s, size_t n)
{
    out_json_sep(l);
    out_json_char(l, '"');
    out_json_raw(l, s, n);
    out_json_char(l, '"');
}

void out_json_null(struct out_json_line *l)
{
    out_json_sep(l);
    out_json_raw(l, "null", 4);
}

void out_json_bool(struct out_json_line *l, bool v)
{
    out_json_sep(l);
    if (v)
        out_json_raw(l, "true", 4);
    else
        out_json_raw(l, "false", 5);
}

/* JSON integers were signed 64-bit in jansson; a counter cannot honestly
 * reach 2^63, but a corrupt one must not print as a negative number, so
 * the clamp stays. */
void out_json_u64(struct out_json_line *l, uint64_t v)
{
    char digits[20];
    size_t pos = sizeof digits;

    if (v > (uint64_t)INT64_MAX)
        v = (uint64_t)INT64_MAX;
    do {
        digits[--pos] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    out_json_sep(l);
    out_json_raw(l, digits + pos, sizeof digits - pos);
}

void out_json_put_u64(struct out_json_line *l, const char *key, uint64_t v)
{
    out_json_key(l, key);
    out_json_u64(l, v);
}

/* One of our own names (enum names, nDPI's names): a NULL prints as null. */
void out_json_put_name(struct out_json_line *l, const char *key, const char *name)
{
    out_json_key(l, key);
    if (name == NULL)
        out_json_null(l);
    else
        out_json_string(l, name, strlen(name));
}

static bool out_json_ascii(const uint8_t *p, size_t n)
{
    uint8_t any = 0;

    for (size_t i = 0; i < n; i++)
        any |= p[i];
    return (any & 0x80) == 0;
}

void out_json_put_bytes(struct out_json_line *l, const char *key, struct bytes bytes)
{
    size_t len;

    out_json_key(l, key);
    if (bytes.data == NULL) {
        out_json_null(l);
        return;
    }
    /* ASCII within the scratch size comes out of out_escape_utf8 unchanged: skip
     * the copy (nearly every value on the wire). */
    if (bytes.len <= OUTPUT_SCRATCH_MAX && out_json_ascii(bytes.data, bytes.len)) {
        out_json_string(l, (const char *)bytes.data, bytes.len);
        return;
    }
    len = out_escape_utf8(bytes, OUT_UTF8_JSON, l->scratch);
    out_json_string(l, l->scratch, len);
}

/* Method names and response codes come from the wire too (a SASL
 * mechanism is whatever the client typed), so they go through the same
 * conversion as any byte string. */
void out_json_put_cstr(struct out_json_line *l, const char *key, const char *s)
{
    struct bytes bytes = { (const uint8_t *)s, s == NULL ? 0 : strlen(s) };

    out_json_put_bytes(l, key, bytes);
}

/* Every time in a record: characters JSON never escapes, so no escaping
 * pass ("invalid-time" included). */
void out_json_put_time(struct out_json_line *l, const char *key, struct event_time t)
{
    char buf[FMT_TIME_SIZE];
    size_t n = fmt_time(t, buf, sizeof buf);

    out_json_key(l, key);
    out_json_plain(l, buf, n);
}

void out_json_put_ip(struct out_json_line *l, const char *key, uint8_t version, const uint8_t a[16])
{
    char buf[FMT_ADDR_SIZE];
    size_t n = fmt_addr(version, a, buf, sizeof buf);

    out_json_key(l, key);
    out_json_plain(l, buf, n);
}

/* The run_end fields JSON and ECS share (README "Event schema"): every
 * input with its status, how many were not read to their end. */
void out_json_put_run_end(struct out_json_line *l, const struct event_run_end *r)
{
    uint64_t failed = 0;

    out_json_key(l, "inputs");
    out_json_open(l, '[');
    for (size_t i = 0; i < r->input_count; i++) {
        failed += r->status[i] != INPUT_READ;
        out_json_open(l, '{');
        out_json_put_cstr(l, "file", r->inputs[i]);
        out_json_put_name(l, "status", event_input_status_name((enum event_input_status)r->status[i]));
        if (r->errors[i] != NULL)
            out_json_put_cstr(l, "error", r->errors[i]);
        out_json_close(l, '}');
    }
    out_json_close(l, ']');
    out_json_put_u64(l, "inputs_failed", failed);
    out_json_key(l, "partial");
    out_json_bool(l, failed > 0);
}
