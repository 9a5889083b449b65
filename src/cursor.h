/* Bounded reads over a byte range (the habit of tcpdump's GET_BE_U_2 and
 * ND_TTEST_LEN, with explicit returns instead of longjmp because callers own
 * heap state that must be unwound normally).
 *
 * A read that would pass the end sets a sticky error flag and returns 0 (or
 * NULL); every later read on the same cursor does the same. A caller can
 * therefore read a whole fixed header and test `error` once. No module does
 * pointer arithmetic on wire bytes outside this file. */
#ifndef POP3SCOPE_CURSOR_H
#define POP3SCOPE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
    const uint8_t *data;
    size_t len; /* readable bytes from data */
    size_t pos; /* next byte to read; always <= len */
    bool error; /* sticky: a read ran past len */
};

/* data == NULL is only valid with len == 0 (an empty range); a NULL range
 * claiming bytes is refused with the error flag set. */
static inline void cursor_init(struct cursor *c, const uint8_t *data, size_t len)
{
    c->data = data;
    c->len = data != NULL ? len : 0;
    c->pos = 0;
    c->error = data == NULL && len > 0;
}

static inline bool cursor_failed(const struct cursor *c)
{
    return c->error;
}

static inline size_t cursor_remaining(const struct cursor *c)
{
    return c->error ? 0 : c->len - c->pos;
}

/* Bytes consumed so far: an offset into the range, never a pointer. */
static inline size_t cursor_offset(const struct cursor *c)
{
    return c->pos;
}

/* True when n more bytes can be read. A question, not a read: it never sets
 * the error flag. */
static inline bool cursor_has(const struct cursor *c, size_t n)
{
    return !c->error && n <= c->len - c->pos;
}

/* The current position, for handing a bounded span to someone else together
 * with cursor_remaining(). NULL once the cursor has failed or has no data. */
static inline const uint8_t *cursor_ptr(const struct cursor *c)
{
    if (c->error || c->data == NULL)
        return NULL;
    return c->data + c->pos;
}

/* Takes n bytes: their address, or NULL with the error flag set. n == 0
 * succeeds and yields the current position. */
static inline const uint8_t *cursor_get_bytes(struct cursor *c, size_t n)
{
    const uint8_t *p;

    if (!cursor_has(c, n)) {
        c->error = true;
        return NULL;
    }
    p = cursor_ptr(c);
    c->pos += n;
    return p;
}

static inline bool cursor_skip(struct cursor *c, size_t n)
{
    if (!cursor_has(c, n)) {
        c->error = true;
        return false;
    }
    c->pos += n;
    return true;
}

static inline uint8_t cursor_get_u8(struct cursor *c)
{
    const uint8_t *p = cursor_get_bytes(c, 1);

    return p != NULL ? p[0] : 0;
}

/* Reads the next byte without taking it (error flag set if there is none). */
static inline uint8_t cursor_peek_u8(struct cursor *c)
{
    if (!cursor_has(c, 1)) {
        c->error = true;
        return 0;
    }
    return c->data[c->pos];
}

static inline uint16_t cursor_get_be16(struct cursor *c)
{
    const uint8_t *p = cursor_get_bytes(c, 2);

    return p != NULL ? (uint16_t)((unsigned)p[0] << 8 | p[1]) : 0;
}

static inline uint32_t cursor_get_be32(struct cursor *c)
{
    const uint8_t *p = cursor_get_bytes(c, 4);

    if (p == NULL)
        return 0;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Little-endian: for formats that are little-endian on the wire (NTLMSSP,
 * MS-NLMP 2.2; UTF-16LE) and for fields written in the capturing host's
 * byte order (DLT_NULL), which a reader recognises by trying both orders. */
static inline uint16_t cursor_get_le16(struct cursor *c)
{
    const uint8_t *p = cursor_get_bytes(c, 2);

    return p != NULL ? (uint16_t)((unsigned)p[1] << 8 | p[0]) : 0;
}

static inline uint32_t cursor_get_le32(struct cursor *c)
{
    const uint8_t *p = cursor_get_bytes(c, 4);

    if (p == NULL)
        return 0;
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Offset of the first `byte` at or after the current position, or -1 when
 * the remaining range holds none (or the cursor has failed). */
static inline ptrdiff_t cursor_find_byte(const struct cursor *c, uint8_t byte)
{
    const uint8_t *start = cursor_ptr(c);
    const uint8_t *hit;

    if (start == NULL)
        return -1;
    hit = memchr(start, byte, c->len - c->pos);
    return hit != NULL ? hit - start : -1;
}

/* Narrows the range so that at most n bytes remain; never widens it. Used
 * when an inner length (an IP total length, a line) ends the data before the
 * outer range does, e.g. to drop Ethernet padding. */
static inline void cursor_limit(struct cursor *c, size_t n)
{
    if (!c->error && n < c->len - c->pos)
        c->len = c->pos + n;
}

#endif
