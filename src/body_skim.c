/* The body skim's byte-by-byte edges and the run-time choice of its wide
 * step (body_skim_variants.h). */
#include "body_skim.h"

#include <stdatomic.h>

#include "body_skim_variants.h"

typedef size_t (*body_skim_wide_fn)(const uint8_t *p, size_t n, size_t j);

static size_t body_skim_wide_first(const uint8_t *p, size_t n, size_t j);

/* Chosen at the first call, not per call: with --threads the workers may
 * race to set it, all to the same value, hence atomic (a plain load on
 * x86-64). */
static _Atomic(body_skim_wide_fn) body_skim_wide = body_skim_wide_first;

static body_skim_wide_fn body_skim_wide_of(enum body_skim_variant variant)
{
    switch (variant) {
#if BODY_SKIM_HAVE_AVX2
    case BODY_SKIM_AVX2: return body_skim_wide_avx2;
#endif
#if BODY_SKIM_HAVE_SSE2
    case BODY_SKIM_SSE2: return body_skim_wide_sse2;
#endif
    case BODY_SKIM_PORTABLE: return body_skim_wide_portable;
    default: return NULL;
    }
}

/* POP3_SKIM_PORTABLE and POP3_SKIM_NO_AVX2 lower the default, so that make
 * check runs the whole tracker suite on each variant on an AVX2 machine
 * (tests/unit/test_pop3_portable, tests/unit/test_pop3_sse2). */
static enum body_skim_variant body_skim_best(void)
{
#if BODY_SKIM_HAVE_AVX2 && !defined(POP3_SKIM_PORTABLE) && !defined(POP3_SKIM_NO_AVX2)
    if (__builtin_cpu_supports("avx2"))
        return BODY_SKIM_AVX2;
#endif
#if BODY_SKIM_HAVE_SSE2 && !defined(POP3_SKIM_PORTABLE)
    return BODY_SKIM_SSE2;
#else
    return BODY_SKIM_PORTABLE;
#endif
}

static size_t body_skim_wide_first(const uint8_t *p, size_t n, size_t j)
{
    body_skim_wide_fn wide = body_skim_wide_of(body_skim_best());

    atomic_store_explicit(&body_skim_wide, wide, memory_order_relaxed);
    return wide(p, n, j);
}

enum body_skim_variant body_skim_variant(void)
{
    body_skim_wide_fn wide = atomic_load_explicit(&body_skim_wide, memory_order_relaxed);

    if (wide == body_skim_wide_first) {
        wide = body_skim_wide_of(body_skim_best());
        atomic_store_explicit(&body_skim_wide, wide, memory_order_relaxed);
    }
#if BODY_SKIM_HAVE_AVX2
    if (wide == body_skim_wide_avx2)
        return BODY_SKIM_AVX2;
#endif
#if BODY_SKIM_HAVE_SSE2
    if (wide == body_skim_wide_sse2)
        return BODY_SKIM_SSE2;
#endif
    return BODY_SKIM_PORTABLE;
}

bool body_skim_force(enum body_skim_variant variant)
{
    body_skim_wide_fn wide = body_skim_wide_of(variant);

#if BODY_SKIM_HAVE_AVX2
    if (variant == BODY_SKIM_AVX2 && !__builtin_cpu_supports("avx2"))
        return false;
#endif
    if (wide == NULL)
        return false;
    atomic_store_explicit(&body_skim_wide, wide, memory_order_relaxed);
    return true;
}

/* One step without look-behind: *start says whether p[j] begins a line.
 * Returns the bytes taken (0: p[j] must be seen by the caller) and updates
 * *start. */
static size_t body_skim_byte(const uint8_t *p, size_t n, size_t j, bool *start)
{
    uint8_t c = p[j];

    if (*start && c == '.')
        return 0;
    if (c == '\r') {
        if (j + 1 >= n || p[j + 1] != '\n')
            return 0;
        *start = true;
        return 2;
    }
    *start = c == '\n';
    return 1;
}

/* The first byte is taken alone, so the wide step always has p[j - 1] to
 * compare with; after it, line ends are LF or CRLF, so a line starts
 * exactly where the byte before is LF. */
size_t body_skim(const uint8_t *p, size_t n, bool *line_start)
{
    bool start = *line_start;
    size_t j = 0, step;

    if (n > 0)
        j = body_skim_byte(p, n, 0, &start);
    if (j > 0) {
        j = atomic_load_explicit(&body_skim_wide, memory_order_relaxed)(p, n, j);
        start = p[j - 1] == '\n';
    }
    while (j < n && (step = body_skim_byte(p, n, j, &start)) > 0)
        j += step;
    *line_start = start;
    return j;
}
