/* The JSON line builder the JSON formats share (output_json.c, and the ECS
 * format to come): one compact object per event in a bounded buffer,
 * strings escaped by one rule (out_json.c says which characters). The
 * three helpers every value goes through are inline here; they were static
 * in output_json.c, and the JSON hot path must stay as fast. */
#ifndef POP3SCOPE_OUT_JSON_H
#define POP3SCOPE_OUT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "out_writer.h"

/* Nearly every event fits; a longer one (long banners and secrets, escaped:
 * up to six bytes per wire byte) is written in pieces of this size, so the
 * bytes are the same and memory stays bounded. */
#define OUT_JSON_LINE 16384

/* One record being built: a line buffer on the caller's stack, written
 * to the writer when full and at the end of the record. */
struct out_json_line {
    struct out_writer *writer;
    char *scratch; /* OUTPUT_SCRATCH_MAX + 1 bytes: converting a value allocates nothing */
    char buf[OUT_JSON_LINE];
    size_t len;
    bool more; /* a value precedes at this level: the next one needs ',' */
};

/* Writes what the buffer holds and empties it (also ends a record). */
void out_json_spill(struct out_json_line *l);
void out_json_raw_pieces(struct out_json_line *l, const char *s, size_t n);

static inline void out_json_raw(struct out_json_line *l, const char *s, size_t n)
{
    if (n <= sizeof l->buf - l->len) {
        memcpy(l->buf + l->len, s, n);
        l->len += n;
        return;
    }
    out_json_raw_pieces(l, s, n);
}

static inline void out_json_char(struct out_json_line *l, char c)
{
    if (l->len == sizeof l->buf)
        out_json_spill(l);
    l->buf[l->len++] = c;
}

/* Every value and every array element starts here. */
static inline void out_json_sep(struct out_json_line *l)
{
    if (l->more)
        out_json_char(l, ',');
    l->more = true;
}

/* Structure: open/close a '{' or '[' level; a key (our own ASCII literal). */
void out_json_open(struct out_json_line *l, char c);
void out_json_close(struct out_json_line *l, char c);
void out_json_key(struct out_json_line *l, const char *key);

/* Values: a string escaped by the rule; a string of characters JSON never
 * escapes; null, bool, an unsigned integer (clamped to INT64_MAX). */
void out_json_string(struct out_json_line *l, const char *s, size_t n);
void out_json_plain(struct out_json_line *l, const char *s, size_t n);
void out_json_null(struct out_json_line *l);
void out_json_bool(struct out_json_line *l, bool v);
void out_json_u64(struct out_json_line *l, uint64_t v);

/* Key and value: wire bytes (converted by out_escape_utf8, null when
 * absent), our own names (NULL prints null), a C string from the wire,
 * a packet time, an address. */
void out_json_put_u64(struct out_json_line *l, const char *key, uint64_t v);
void out_json_put_name(struct out_json_line *l, const char *key, const char *name);
void out_json_put_bytes(struct out_json_line *l, const char *key, struct bytes bytes);
void out_json_put_cstr(struct out_json_line *l, const char *key, const char *s);
void out_json_put_time(struct out_json_line *l, const char *key, struct event_time t);
void out_json_put_ip(struct out_json_line *l, const char *key, uint8_t version, const uint8_t a[16]);
void out_json_put_run_end(struct out_json_line *l, const struct event_run_end *r);

#endif
