/* The body skim's wide step with SSE2 (part of every x86-64): 64 bytes
 * per test, then 16. */
#include "body_skim_variants.h"

#if BODY_SKIM_HAVE_SSE2
#include <emmintrin.h>

/* Sixteen bytes at q, each compared with the byte before it: `dot` marks
 * a '.' right after an LF (a line start to look at), `bare` a byte after a
 * CR that is not LF (the CR before it is bare: it ends a line, and is an
 * anomaly). Two loads and seven operations per sixteen bytes; reads
 * q[-1..16). */
static inline void body_skim_lanes(const uint8_t *q, __m128i *dot, __m128i *bare)
{
    __m128i prev = _mm_loadu_si128((const __m128i *)(const void *)(q - 1));
    __m128i here = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i lf = _mm_set1_epi8('\n');

    *dot = _mm_and_si128(_mm_cmpeq_epi8(prev, lf), _mm_cmpeq_epi8(here, _mm_set1_epi8('.')));
    *bare = _mm_andnot_si128(_mm_cmpeq_epi8(here, lf), _mm_cmpeq_epi8(prev, _mm_set1_epi8('\r')));
}

static inline __m128i body_skim_any(const uint8_t *q)
{
    __m128i dot, bare;

    body_skim_lanes(q, &dot, &bare);
    return _mm_or_si128(dot, bare);
}

/* The first byte of the sixteen at p + j that body_skim_any flagged: a
 * '.' itself, or the CR before a flagged byte (which may be p[j - 1]). */
static size_t body_skim_first(const uint8_t *p, size_t j)
{
    __m128i dot, bare;
    unsigned d, b;
    size_t at = SIZE_MAX;

    body_skim_lanes(p + j, &dot, &bare);
    d = (unsigned)_mm_movemask_epi8(dot);
    b = (unsigned)_mm_movemask_epi8(bare);
    if (d != 0)
        at = j + (size_t)__builtin_ctz(d);
    if (b != 0 && j + (size_t)__builtin_ctz(b) - 1 < at)
        at = j + (size_t)__builtin_ctz(b) - 1;
    return at;
}

/* 64 bytes per test, then 16, then one last block that ends at n and
 * overlaps what was already found clean. A CR is judged with the byte
 * after it, so a block vouches for the CR before it, never for its own
 * last byte: a CR there is left to the next block or to the byte-by-byte
 * step. */
size_t body_skim_wide_sse2_from(const uint8_t *p, size_t n, size_t from, size_t j)
{
    for (; n - j >= 64; j += 64) {
        __m128i any = _mm_or_si128(_mm_or_si128(body_skim_any(p + j), body_skim_any(p + j + 16)),
                                   _mm_or_si128(body_skim_any(p + j + 32), body_skim_any(p + j + 48)));

        if (_mm_movemask_epi8(any) != 0)
            break;
    }
    for (; n - j >= 16; j += 16) {
        if (_mm_movemask_epi8(body_skim_any(p + j)) != 0)
            return body_skim_first(p, j);
    }
    if (j < n && n >= 17) {
        /* Bytes before j are clean, so a hit here is at j - 1 or later. */
        if (_mm_movemask_epi8(body_skim_any(p + n - 16)) != 0)
            return body_skim_first(p, n - 16);
        j = n;
    }
    if (j > from && p[j - 1] == '\r')
        j--; /* its LF (or not) is the byte-by-byte step's to see */
    return j;
}

size_t body_skim_wide_sse2(const uint8_t *p, size_t n, size_t j)
{
    return body_skim_wide_sse2_from(p, n, j, j);
}
#endif
