/* ASCII case rules for protocol words: POP3 keywords (RFC 1939 §3), SASL
 * mechanism names (RFC 4422 §3.1), response codes (RFC 2449 §8) and the
 * like are case-insensitive in ASCII only. Not tolower() or strcasecmp():
 * those follow the C locale, and a wire byte above 0x7f must never change
 * or match a letter. */
#ifndef POP3SCOPE_ASCII_H
#define POP3SCOPE_ASCII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A string literal and its length, for the _prefix and _equal calls:
 * known at compile time, so no strlen on a per-line path. */
#define ASCII_LIT(text) (text), (sizeof(text) - 1)

static inline uint8_t ascii_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

static inline uint8_t ascii_upper(uint8_t c)
{
    return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
}

/* Does p[0..len) start with the prefix_len bytes of `prefix`, ignoring
 * case? */
static inline bool ascii_case_prefix(const uint8_t *p, size_t len, const char *prefix, size_t prefix_len)
{
    if (len < prefix_len)
        return false;
    for (size_t i = 0; i < prefix_len; i++) {
        if (ascii_lower(p[i]) != ascii_lower((uint8_t)prefix[i]))
            return false;
    }
    return true;
}

/* Is p[0..len) the word_len bytes of `word`, ignoring case? */
static inline bool ascii_case_equal(const uint8_t *p, size_t len, const char *word, size_t word_len)
{
    return len == word_len && ascii_case_prefix(p, len, word, word_len);
}

#endif
