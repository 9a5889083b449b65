/* The body skim variants (portable, SSE2, AVX2) against a byte-by-byte
 * reading of the same rule: on every input each must stop at the same
 * byte and say the same about the line start. Lengths 0..200 cross the
 * 16-, 32- and 64-byte blocks; the special bytes are put at every
 * position, so each falls on every block edge. Each input lies in a buffer
 * of exactly its size, so a sanitizer build catches a read past its end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "body_skim.h"

#define TEST_MAX_LEN 200

/* The rule written out one byte at a time: a "." starting a line and a CR
 * not followed by LF (in the data) stop the skim. */
static size_t test_reference(const uint8_t *p, size_t n, bool *start)
{
    size_t j = 0;

    while (j < n) {
        if (*start && p[j] == '.')
            break;
        if (p[j] == '\r') {
            if (j + 1 >= n || p[j + 1] != '\n')
                break;
            *start = true;
            j += 2;
            continue;
        }
        *start = p[j] == '\n';
        j++;
    }
    return j;
}

static void test_one(const uint8_t *text, size_t n, const char *what)
{
    uint8_t *p = malloc(n > 0 ? n : 1);

    assert_non_null(p);
    if (n > 0)
        memcpy(p, text, n);
    for (int s = 0; s < 2; s++) {
        bool want_start = s != 0, got_start = s != 0;
        size_t want = test_reference(p, n, &want_start);
        size_t got = body_skim(p, n, &got_start);

        if (got != want || got_start != want_start)
            fail_msg("%s, %zu bytes, line start %d: skim takes %zu (start %d), the rule %zu (start %d)", what, n, s,
                     got, got_start, want, want_start);
    }
    free(p);
}

/* Ordinary bytes with one special sequence at every position. */
static void test_edges(const char *variant)
{
    static const char *const specials[] = { ".", "\r", "\n", "\r\n", "\n.", "\r.", "\r\n.", "\r\r\n", ".\r\n" };
    uint8_t buf[TEST_MAX_LEN + 4];
    char what[64];

    for (size_t len = 0; len <= TEST_MAX_LEN; len++) {
        memset(buf, 'a', sizeof buf);
        snprintf(what, sizeof what, "%s, plain", variant);
        test_one(buf, len, what);
        for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
            size_t sl = strlen(specials[k]);

            for (size_t at = 0; at + sl <= len; at++) {
                memset(buf, 'a', len);
                memcpy(buf + at, specials[k], sl);
                snprintf(what, sizeof what, "%s, special %zu at %zu", variant, k, at);
                test_one(buf, len, what);
            }
        }
    }
}

/* Random bodies: mostly CRLF-ended lines, some dots, bare CRs and LFs. */
static void test_random(const char *variant)
{
    static const uint8_t alphabet[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.\r\n\n";
    uint8_t buf[TEST_MAX_LEN];
    uint32_t seed = 20261207;
    char what[64];

    for (int round = 0; round < 40; round++) {
        for (size_t len = 0; len <= TEST_MAX_LEN; len++) {
            for (size_t i = 0; i < len; i++) {
                seed = seed * 1103515245u + 12345u;
                if ((seed >> 16) % 5 == 0 && i + 1 < len)
                    memcpy(buf + i++, "\r\n", 2);
                else
                    buf[i] = alphabet[(seed >> 20) % (sizeof alphabet - 1)];
            }
            snprintf(what, sizeof what, "%s, random round %d", variant, round);
            test_one(buf, len, what);
        }
    }
}

static void test_variant(enum body_skim_variant variant, const char *name)
{
    enum body_skim_variant before = body_skim_variant();

    if (!body_skim_force(variant)) {
        assert_int_equal(body_skim_variant(), before);
        skip();
    }
    assert_int_equal(body_skim_variant(), variant);
    test_edges(name);
    test_random(name);
    assert_true(body_skim_force(before));
}

static void test_portable(void **state)
{
    (void)state;
    test_variant(BODY_SKIM_PORTABLE, "portable");
}

/* On x86-64 SSE2 is always there, so this never skips on the machines
 * make check runs on. */
static void test_sse2(void **state)
{
    (void)state;
    test_variant(BODY_SKIM_SSE2, "sse2");
}

static void test_avx2(void **state)
{
    (void)state;
    test_variant(BODY_SKIM_AVX2, "avx2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_portable),
        cmocka_unit_test(test_sse2),
        cmocka_unit_test(test_avx2),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
