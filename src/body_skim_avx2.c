/* The body skim's wide step with AVX2: 32 bytes per compare, with
 * unaligned memory operands, is under half the instructions of SSE2. Only
 * these functions are compiled for AVX2 (target attribute), and
 * body_skim.c calls them only once the CPU says it has AVX2, so the binary
 * still runs on any x86-64. */
#include "body_skim_variants.h"

#if BODY_SKIM_HAVE_AVX2
#include <immintrin.h>

/* body_skim_sse2.c's lanes on 32 bytes; reads q[-1..32). */
__attribute__((target("avx2"))) static inline __m256i body_skim_any32(const uint8_t *q)
{
    __m256i prev = _mm256_loadu_si256((const __m256i *)(const void *)(q - 1));
    __m256i here = _mm256_loadu_si256((const __m256i *)(const void *)q);
    __m256i lf = _mm256_set1_epi8('\n');
    __m256i dot = _mm256_and_si256(_mm256_cmpeq_epi8(prev, lf), _mm256_cmpeq_epi8(here, _mm256_set1_epi8('.')));
    __m256i bare = _mm256_andnot_si256(_mm256_cmpeq_epi8(here, lf), _mm256_cmpeq_epi8(prev, _mm256_set1_epi8('\r')));

    return _mm256_or_si256(dot, bare);
}

/* Passes the 64-byte blocks from j that hold nothing to see; the SSE2
 * step goes on from the first one that does (or from the tail). */
__attribute__((target("avx2"))) size_t body_skim_wide_avx2(const uint8_t *p, size_t n, size_t j)
{
    size_t from = j;

    for (; n - j >= 64; j += 64) {
        __m256i any = _mm256_or_si256(body_skim_any32(p + j), body_skim_any32(p + j + 32));

        if (_mm256_movemask_epi8(any) != 0)
            break;
    }
    return body_skim_wide_sse2_from(p, n, from, j);
}
#endif
