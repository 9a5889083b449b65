/* The wide step of each body skim variant, for body_skim.c alone.
 *
 * Each takes p[j..n) with p[j - 1] readable and not a bare CR, and returns
 * the index of the first byte the byte-by-byte step must see, or where it
 * is to go on: a "." right after an LF, or the CR before a byte that is not
 * LF. A CR in p[n - 1] is never passed: whether it is bare depends on the
 * byte after it. */
#ifndef POP3SCOPE_BODY_SKIM_VARIANTS_H
#define POP3SCOPE_BODY_SKIM_VARIANTS_H

#include <stddef.h>
#include <stdint.h>

/* SSE2 is part of x86-64; AVX2 is on most x86-64 machines and is checked
 * at run time, so one binary runs on any x86-64. Elsewhere only the
 * portable variant is built. */
#if defined(__SSE2__) && defined(__GNUC__)
#define BODY_SKIM_HAVE_SSE2 1
#else
#define BODY_SKIM_HAVE_SSE2 0
#endif
#if BODY_SKIM_HAVE_SSE2 && defined(__x86_64__)
#define BODY_SKIM_HAVE_AVX2 1
#else
#define BODY_SKIM_HAVE_AVX2 0
#endif

size_t body_skim_wide_portable(const uint8_t *p, size_t n, size_t j);

#if BODY_SKIM_HAVE_SSE2
size_t body_skim_wide_sse2(const uint8_t *p, size_t n, size_t j);
/* The SSE2 loop going on from j when the bytes from `from` on are known
 * clean (the AVX2 variant passes the clean blocks first). */
size_t body_skim_wide_sse2_from(const uint8_t *p, size_t n, size_t from, size_t j);
/* Only where BODY_SKIM_HAVE_AVX2 and the CPU has AVX2. */
size_t body_skim_wide_avx2(const uint8_t *p, size_t n, size_t j);
#endif

#endif
