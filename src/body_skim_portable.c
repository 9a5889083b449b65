/* The body skim's wide step without SIMD: from line end to line end, eight
 * bytes per step, looking only at what follows each CR and LF. */
#include <string.h>

#include "body_skim_variants.h"

/* Index of the first CR or LF in p[0..n), or n: the classic "has a zero
 * byte" test on the word XOR CR and XOR LF. Its lowest set bit is always a
 * real match (false bits only appear above one), so on a little-endian
 * machine it gives the position at once. One pass, so a hostile stream of
 * bare CRs or bare LFs stays linear. */
static size_t body_skim_line_end(const uint8_t *p, size_t n)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w, cr, lf, hit;

        memcpy(&w, p + i, sizeof w);
        cr = w ^ (ones * '\r');
        lf = w ^ (ones * '\n');
        hit = ((cr - ones) & ~cr & highs) | ((lf - ones) & ~lf & highs);
        if (hit != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)__builtin_ctzll(hit) / 8;
#else
            break;
#endif
        }
    }
    while (i < n && p[i] != '\r' && p[i] != '\n')
        i++;
    return i;
}

size_t body_skim_wide_portable(const uint8_t *p, size_t n, size_t j)
{
    if (j < n && p[j - 1] == '\n' && p[j] == '.')
        return j;
    while (j < n) {
        size_t k = j + body_skim_line_end(p + j, n - j);

        if (k == n)
            return n;
        if (p[k] == '\r') {
            if (k + 1 >= n || p[k + 1] != '\n')
                return k;
            k++;
        }
        if (k + 1 < n && p[k + 1] == '.')
            return k + 1;
        j = k + 1;
    }
    return n;
}
