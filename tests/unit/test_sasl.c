/* Unit tests for src/sasl.c: every mechanism from its RFC's own example,
 * malformed input of each kind, the offline-guessing lines against the
 * tools' published examples, and exhaustive prefix / mutation runs in
 * exactly sized buffers so the sanitizers see any over-read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sasl.h"
#include "sasl_crack.h"

/* A C string literal as (bytes, length), NULs inside included. */
#define MSG(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

static uint8_t scratch[8192];

static void assert_field(const struct bytes *f, const char *expect)
{
    if (expect == NULL) {
        assert_null(f->data);
        assert_int_equal(f->len, 0);
        return;
    }
    assert_non_null(f->data);
    assert_int_equal(f->len, strlen(expect));
    assert_memory_equal(f->data, expect, f->len);
}

static void assert_field_bytes(const struct bytes *f, const void *expect, size_t len)
{
    assert_non_null(f->data);
    assert_int_equal(f->len, len);
    assert_memory_equal(f->data, expect, len);
}

/* Fields must point inside the message or the scratch buffer. */
static void assert_within(const struct bytes *f, const uint8_t *msg, size_t len, const uint8_t *scr, size_t scr_len)
{
    if (f->data == NULL) {
        assert_int_equal(f->len, 0);
        return;
    }
    if (f->len == 0)
        return;
    uintptr_t p = (uintptr_t)f->data;
    int in_msg = msg != NULL && p >= (uintptr_t)msg && p + f->len <= (uintptr_t)msg + len;
    int in_scratch = scr != NULL && p >= (uintptr_t)scr && p + f->len <= (uintptr_t)scr + scr_len;
    assert_true(in_msg || in_scratch);
}

static void assert_result_within(const struct sasl_result *r, const uint8_t *msg, size_t len, const uint8_t *scr,
                                 size_t scr_len)
{
    assert_within(&r->user, msg, len, scr, scr_len);
    assert_within(&r->authzid, msg, len, scr, scr_len);
    assert_within(&r->secret, msg, len, scr, scr_len);
    assert_within(&r->realm, msg, len, scr, scr_len);
    assert_within(&r->lm_response, msg, len, scr, scr_len);
}

static void decode(const char *mech, unsigned step, const uint8_t *msg, size_t len, struct sasl_result *r)
{
    sasl_decode_client_buf(mech, step, msg, len, scratch, sizeof(scratch), r);
    assert_result_within(r, msg, len, scratch, sizeof(scratch));
}

static size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        char pair[3] = { hex[2 * i], hex[2 * i + 1], 0 };
        out[i] = (uint8_t)strtoul(pair, NULL, 16);
    }
    return n;
}

/* ------------------------------------------------------------------ base64 */

static void test_base64_valid(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n = 99;
    assert_true(sasl_base64_decode(MSG("AHRpbQB0YW5zdGFhZnRhbnN0YWFm"), out, sizeof(out), &n));
    assert_int_equal(n, 21);
    assert_memory_equal(out, "\0tim\0tanstaaftanstaaf", 21);

    assert_true(sasl_base64_decode(MSG("QUJD"), out, sizeof(out), &n));
    assert_int_equal(n, 3);
    assert_memory_equal(out, "ABC", 3);
    assert_true(sasl_base64_decode(MSG("QUI="), out, sizeof(out), &n));
    assert_int_equal(n, 2);
    assert_memory_equal(out, "AB", 2);
    assert_true(sasl_base64_decode(MSG("QUI"), out, sizeof(out), &n)); /* padding optional */
    assert_int_equal(n, 2);
    assert_true(sasl_base64_decode(MSG("QQ=="), out, sizeof(out), &n));
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'A');
    assert_true(sasl_base64_decode(MSG("QQ="), out, sizeof(out), &n)); /* short padding */
    assert_int_equal(n, 1);
    assert_true(sasl_base64_decode(MSG("QQ"), out, sizeof(out), &n));
    assert_int_equal(n, 1);
    assert_true(sasl_base64_decode(MSG("++//"), out, sizeof(out), &n)); /* both extra symbols */
    assert_int_equal(n, 3);
    assert_memory_equal(out, "\xfb\xef\xff", 3);

    n = 99;
    assert_true(sasl_base64_decode(NULL, 0, NULL, 0, &n)); /* empty */
    assert_int_equal(n, 0);
    assert_true(sasl_base64_decode(MSG(""), out, sizeof(out), &n));
    assert_int_equal(n, 0);
}

static void test_base64_invalid(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n = 99;
    assert_false(sasl_base64_decode(MSG("QUJD!"), out, sizeof(out), &n));
    assert_int_equal(n, 0);
    assert_false(sasl_base64_decode(MSG("QU JD"), out, sizeof(out), &n)); /* whitespace */
    assert_false(sasl_base64_decode(MSG("QUJD\r\n"), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("QUJD\tQQ=="), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("QUJDR"), out, sizeof(out), &n)); /* 1 char in last quantum */
    assert_false(sasl_base64_decode(MSG("Q"), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("Q==="), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("QUJD="), out, sizeof(out), &n)); /* pad after full quantum */
    assert_false(sasl_base64_decode(MSG("QQ==="), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("QUI=="), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("QQ==QQ=="), out, sizeof(out), &n)); /* pad inside */
    assert_false(sasl_base64_decode(MSG("Q=Q="), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("="), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("=="), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("-_-_"), out, sizeof(out), &n)); /* base64url alphabet */
    assert_false(sasl_base64_decode(MSG("QQ\0="), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(MSG("\xc3\xa9QQ"), out, sizeof(out), &n));
    assert_false(sasl_base64_decode(NULL, 4, out, sizeof(out), &n));
}

static void test_base64_output_bounds(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t n;
    memset(out, 0xaa, sizeof(out));
    assert_false(sasl_base64_decode(MSG("QUJD"), out, 2, &n));
    assert_int_equal(out[2], 0xaa); /* nothing written past out_size */
    assert_true(sasl_base64_decode(MSG("QUJD"), out, 3, &n));
    assert_int_equal(n, 3);
    assert_int_equal(out[3], 0xaa);
    assert_false(sasl_base64_decode(MSG("QUJDQQ"), out, 3, &n));
    assert_true(sasl_base64_decode(MSG("QUJDQQ"), out, 4, &n));
    assert_int_equal(n, 4);
    assert_false(sasl_base64_decode(MSG("QQ"), NULL, 0, &n));
}

/* ------------------------------------------------------ names and exposure */

static void test_mechanism_name(void **state)
{
    (void)state;
    char out[32];
    sasl_mechanism_name(MSG("plain"), out, sizeof(out));
    assert_string_equal(out, "PLAIN");
    sasl_mechanism_name(MSG("Scram-Sha-256-plus"), out, sizeof(out));
    assert_string_equal(out, "SCRAM-SHA-256-PLUS");
    sasl_mechanism_name(MSG("x\x01y \xc3\xa9\0z"), out, sizeof(out));
    assert_string_equal(out, "X?Y????Z");
    sasl_mechanism_name(MSG("cram-md5"), out, 5);
    assert_string_equal(out, "CRAM");
    sasl_mechanism_name(MSG("cram-md5"), out, 1);
    assert_string_equal(out, "");
    sasl_mechanism_name(NULL, 5, out, sizeof(out));
    assert_string_equal(out, "");
    sasl_mechanism_name(MSG("plain"), NULL, 0); /* must not crash */
}

static void test_mechanism_exposure(void **state)
{
    (void)state;
    assert_int_equal(sasl_mechanism_exposure("PLAIN"), EXPOSURE_CLEARTEXT);
    assert_int_equal(sasl_mechanism_exposure("LOGIN"), EXPOSURE_CLEARTEXT);
    assert_int_equal(sasl_mechanism_exposure("CRAM-MD5"), EXPOSURE_HASH);
    assert_int_equal(sasl_mechanism_exposure("DIGEST-MD5"), EXPOSURE_HASH);
    assert_int_equal(sasl_mechanism_exposure("SCRAM-SHA-1"), EXPOSURE_HASH);
    assert_int_equal(sasl_mechanism_exposure("SCRAM-SHA-1-PLUS"), EXPOSURE_HASH);
    assert_int_equal(sasl_mechanism_exposure("SCRAM-SHA-256"), EXPOSURE_HASH);
    assert_int_equal(sasl_mechanism_exposure("SCRAM-SHA-256-PLUS"), EXPOSURE_HASH);
    assert_int_equal(sasl_mechanism_exposure("NTLM"), EXPOSURE_HASH);
    assert_int_equal(sasl_mechanism_exposure("APOP"), EXPOSURE_HASH);
    assert_int_equal(sasl_mechanism_exposure("XOAUTH2"), EXPOSURE_TOKEN);
    assert_int_equal(sasl_mechanism_exposure("OAUTHBEARER"), EXPOSURE_TOKEN);
    assert_int_equal(sasl_mechanism_exposure("GSSAPI"), EXPOSURE_NONE);
    assert_int_equal(sasl_mechanism_exposure("EXTERNAL"), EXPOSURE_NONE);
    assert_int_equal(sasl_mechanism_exposure("ANONYMOUS"), EXPOSURE_NONE);
    assert_int_equal(sasl_mechanism_exposure("X-UNKNOWN"), EXPOSURE_NONE);
    assert_int_equal(sasl_mechanism_exposure("SCRAM-"), EXPOSURE_NONE); /* family name alone */
    assert_int_equal(sasl_mechanism_exposure("PLAINX"), EXPOSURE_NONE);
    assert_int_equal(sasl_mechanism_exposure(""), EXPOSURE_NONE);
    assert_int_equal(sasl_mechanism_exposure(NULL), EXPOSURE_NONE);
    assert_int_equal(sasl_mechanism_exposure("plain"), EXPOSURE_CLEARTEXT);
}

/* ------------------------------------------------------------------- PLAIN */

static void test_plain_rfc4616(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("PLAIN", 0, MSG("\0tim\0tanstaaftanstaaf"), &r); /* RFC 4616 §4 */
    assert_field(&r.user, "tim");
    assert_field(&r.secret, "tanstaaftanstaaf");
    assert_field(&r.authzid, NULL);
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);
    assert_false(r.malformed);

    decode("PLAIN", 0, MSG("Ursel\0Kurt\0xipj3plmq"), &r);
    assert_field(&r.authzid, "Ursel");
    assert_field(&r.user, "Kurt");
    assert_field(&r.secret, "xipj3plmq");
    assert_false(r.malformed);

    /* After an empty initial response the credentials come at step 1. */
    decode("PLAIN", 1, MSG("\0tim\0tanstaaftanstaaf"), &r);
    assert_field(&r.user, "tim");
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);

    /* Passwords may hold any byte but NUL. */
    decode("PLAIN", 0, MSG("\0bob\0p\r\n\x01\xff w"), &r);
    assert_field(&r.secret, "p\r\n\x01\xff w");
}

static void test_plain_malformed(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("PLAIN", 0, MSG("tim\0tanstaaf"), &r); /* one NUL */
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);

    decode("PLAIN", 0, MSG("timtanstaaf"), &r); /* no NUL */
    assert_true(r.malformed);
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);

    decode("PLAIN", 0, MSG("a\0b\0c\0d"), &r); /* three NULs */
    assert_true(r.malformed);
    assert_field(&r.user, NULL);

    decode("PLAIN", 0, MSG("\0\0secret"), &r); /* empty authcid */
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "secret");

    decode("PLAIN", 0, MSG("\0tim\0"), &r); /* empty passwd */
    assert_true(r.malformed);
    assert_field(&r.user, "tim");
    assert_field(&r.secret, NULL);

    decode("PLAIN", 0, MSG(""), &r); /* nothing crossed */
    assert_false(r.malformed);
    assert_int_equal(r.exposure, EXPOSURE_NONE);

    sasl_decode_client("PLAIN", 0, NULL, 10, &r);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    sasl_decode_client("PLAIN", 0, MSG("\0a\0b"), NULL); /* must not crash */
}

/* ------------------------------------------------------------------- LOGIN */

static void test_login(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("LOGIN", 0, MSG("tim"), &r);
    assert_field(&r.user, "tim");
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_NONE);

    decode("LOGIN", 1, MSG("tanstaaf"), &r);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "tanstaaf");
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);
    assert_false(r.malformed);

    decode("LOGIN", 1, MSG(""), &r); /* an empty password crossed in clear */
    assert_non_null(r.secret.data);
    assert_int_equal(r.secret.len, 0);
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);

    /* A third answer is not in the draft: a possible secret, never a name. */
    decode("LOGIN", 2, MSG("more"), &r);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "more");
    assert_true(r.secret_possible); /* a caller keeps the step-1 password over it */
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);
    decode("LOGIN", 1, MSG("pw"), &r);
    assert_false(r.secret_possible);
}

static void response(const char *mech, unsigned step, const char *prompt, const uint8_t *msg, size_t len,
                     struct sasl_result *r)
{
    struct bytes p = { (const uint8_t *)prompt, prompt != NULL ? strlen(prompt) : 0 };
    sasl_decode_response(mech, step, prompt != NULL ? &p : NULL, msg, len, scratch, sizeof(scratch), r);
    assert_result_within(r, msg, len, scratch, sizeof(scratch));
}

/* Issue 13.7: the prompts decide, not the order. */
static void test_login_prompts(void **state)
{
    (void)state;
    struct sasl_result r;
    /* A server whose first prompt is "Password:": the first answer is the
     * password, and must not land in user. */
    response("LOGIN", 0, "Password:", MSG("hunter2"), &r);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "hunter2");
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);
    response("LOGIN", 1, "Username:", MSG("alice"), &r);
    assert_field(&r.user, "alice");
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_NONE);

    /* Dovecot's own prompts, in the usual order. */
    response("LOGIN", 0, "Username:", MSG("alice"), &r);
    assert_field(&r.user, "alice");
    response("LOGIN", 1, "Password:", MSG("pw"), &r);
    assert_field(&r.secret, "pw");

    /* Variants of the words. */
    static const char *const pass_prompts[] = { "password", "PASSWORD:", "Enter password", "Passwort:",
                                                "Passwd", "Login password:", "User Password", "secret" };
    for (size_t i = 0; i < sizeof pass_prompts / sizeof pass_prompts[0]; i++) {
        assert_int_equal(sasl_login_prompt_kind((const uint8_t *)pass_prompts[i], strlen(pass_prompts[i])),
                         SASL_PROMPT_PASSWORD);
        response("LOGIN", 0, pass_prompts[i], MSG("s3cret"), &r);
        assert_field(&r.user, NULL);
        assert_field(&r.secret, "s3cret");
    }
    static const char *const user_prompts[] = { "Username:", "User Name", "username", "USER:", "Login:",
                                                "Account name" };
    for (size_t i = 0; i < sizeof user_prompts / sizeof user_prompts[0]; i++) {
        assert_int_equal(sasl_login_prompt_kind((const uint8_t *)user_prompts[i], strlen(user_prompts[i])),
                         SASL_PROMPT_USER);
        response("LOGIN", 1, user_prompts[i], MSG("bob"), &r);
        assert_field(&r.user, "bob");
        assert_field(&r.secret, NULL);
    }
    /* Other text, or none: the draft's order, and later answers are secrets. */
    assert_int_equal(sasl_login_prompt_kind(MSG("")), SASL_PROMPT_UNKNOWN);
    assert_int_equal(sasl_login_prompt_kind(MSG("Go ahead")), SASL_PROMPT_UNKNOWN);
    assert_int_equal(sasl_login_prompt_kind(NULL, 0), SASL_PROMPT_UNKNOWN);
    response("LOGIN", 0, "Go ahead", MSG("carol"), &r);
    assert_field(&r.user, "carol");
    response("LOGIN", 1, "", MSG("pw"), &r);
    assert_field(&r.secret, "pw");
    response("LOGIN", 0, NULL, MSG("carol"), &r); /* initial response */
    assert_field(&r.user, "carol");
    response("LOGIN", 3, NULL, MSG("x"), &r);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "x");
    /* Only LOGIN reads prompts. */
    response("PLAIN", 0, "Password:", MSG("\0u\0p"), &r);
    response("PLAIN", 0, "Password:", MSG("z\0u\0p"), &r);
    assert_field(&r.user, "u");
    assert_field(&r.secret, "p");
}

/* Issue 13.7: an answer that is not clean base64 is a possible secret. */
static void test_undecodable_response(void **state)
{
    (void)state;
    struct sasl_result r;
    /* Dovecot 2.3 answers "-ERR [AUTH] Invalid base64 data" to these: the
     * password's base64 still crossed the wire. */
    sasl_undecodable_response("PLAIN", MSG("AGFsaWNlAGFsaWNlLXNlY3JldC0!"), &r);
    assert_field(&r.secret, "AGFsaWNlAGFsaWNlLXNlY3JldC0!");
    assert_field(&r.user, NULL);
    assert_true(r.malformed);
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);
    sasl_undecodable_response("LOGIN", MSG("YWxpY2Utc2VjcmV0LTE=xyz"), &r);
    assert_field(&r.secret, "YWxpY2Utc2VjcmV0LTE=xyz");
    assert_field(&r.user, NULL);
    assert_int_equal(r.exposure, EXPOSURE_CLEARTEXT);
    sasl_undecodable_response("XOAUTH2", MSG("dXNlcj1h!"), &r);
    assert_int_equal(r.exposure, EXPOSURE_TOKEN);
    sasl_undecodable_response("CRAM-MD5", MSG("@@"), &r);
    assert_int_equal(r.exposure, EXPOSURE_HASH);
    sasl_undecodable_response("PLAIN", MSG(""), &r);
    assert_field(&r.secret, NULL);
    assert_false(r.malformed);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    sasl_undecodable_response("PLAIN", NULL, 3, &r);
    assert_field(&r.secret, NULL);
}

/* ---------------------------------------------------------------- CRAM-MD5 */

static void test_cram_md5_rfc2195(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("CRAM-MD5", 0, MSG("tim b913a602c7eda7a495b4e6e7334d3890"), &r); /* RFC 2195 §2 */
    assert_field(&r.user, "tim");
    assert_field(&r.secret, "b913a602c7eda7a495b4e6e7334d3890");
    assert_int_equal(r.exposure, EXPOSURE_HASH);
    assert_false(r.malformed);

    decode("CRAM-MD5", 0, MSG("tim smith b913a602c7eda7a495b4e6e7334d3890"), &r); /* last space */
    assert_field(&r.user, "tim smith");
    assert_false(r.malformed);
}

static void test_cram_md5_malformed(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("CRAM-MD5", 0, MSG("timb913a602c7eda7a495b4e6e7334d3890"), &r);
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    assert_int_equal(r.exposure, EXPOSURE_HASH);

    decode("CRAM-MD5", 0, MSG("tim b913a602c7eda7a495b4e6e7334d389"), &r); /* 31 digits */
    assert_true(r.malformed);
    assert_field(&r.user, "tim");

    decode("CRAM-MD5", 0, MSG("tim b913a602c7eda7a495b4e6e7334d389z"), &r);
    assert_true(r.malformed);

    decode("CRAM-MD5", 0, MSG(" b913a602c7eda7a495b4e6e7334d3890"), &r); /* no name */
    assert_true(r.malformed);
    assert_field(&r.user, NULL);

    decode("CRAM-MD5", 0, MSG("tim b913a602c7eda7a495b4e6e7334d3890 "), &r);
    assert_true(r.malformed);
    assert_field(&r.secret, NULL);

    decode("CRAM-MD5", 0, MSG(""), &r);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_false(r.malformed);
}

static void test_cram_md5_crack(void **state)
{
    (void)state;
    struct sasl_result r;
    char out[256];
    const struct bytes chal = { MSG("<1896.697170952@postoffice.reston.mci.net>") };
    decode("CRAM-MD5", 0, MSG("tim b913a602c7eda7a495b4e6e7334d3890"), &r);
    size_t n = sasl_format_crack_cram_md5(&chal, &r.user, &r.secret, out, sizeof(out));
    const char *want = "$cram_md5$PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
                       "$dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw";
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));

    /* hashcat's own mode 10200 example, taken apart and rebuilt. */
    const char *example = "$cram_md5$PG5vLXJlcGx5QGhhc2hjYXQubmV0Pg==$"
                          "dXNlciA0NGVhZmQyMmZlNzY2NzBmNmIyODc5MDgxYTdmNWY3MQ==";
    const struct bytes chal2 = { MSG("<no-reply@hashcat.net>") };
    decode("CRAM-MD5", 0, MSG("user 44eafd22fe76670f6b2879081a7f5f71"), &r);
    n = sasl_format_crack_cram_md5(&chal2, &r.user, &r.secret, out, sizeof(out));
    assert_string_equal(out, example);

    /* Exactly sized output fits; one byte less is refused, not cut. */
    assert_int_equal(sasl_format_crack_cram_md5(&chal2, &r.user, &r.secret, out, n + 1), n);
    assert_int_equal(sasl_format_crack_cram_md5(&chal2, &r.user, &r.secret, out, n), 0);
    assert_string_equal(out, "");
    assert_int_equal(sasl_format_crack_cram_md5(&chal2, &r.user, &r.secret, NULL, 0), 0);

    const struct bytes none = { NULL, 0 };
    const struct bytes bad = { MSG("nothex") };
    assert_int_equal(sasl_format_crack_cram_md5(&none, &r.user, &r.secret, out, sizeof(out)), 0);
    assert_int_equal(sasl_format_crack_cram_md5(&chal2, &none, &r.secret, out, sizeof(out)), 0);
    assert_int_equal(sasl_format_crack_cram_md5(&chal2, &r.user, &bad, out, sizeof(out)), 0);
    assert_int_equal(sasl_format_crack_cram_md5(NULL, NULL, NULL, out, sizeof(out)), 0);
}

/* -------------------------------------------------------------------- APOP */

static void test_apop_rfc1939(void **state)
{
    (void)state;
    struct sasl_result r;
    /* RFC 1939 §7; the digest is MD5("<1896.697170952@dbc.mtview.ca.us>tanstaaf"). */
    assert_true(sasl_apop_parse(MSG("mrose c4c9334bac560ecc979e58001b3e22fb"), &r));
    assert_field(&r.user, "mrose");
    assert_field(&r.secret, "c4c9334bac560ecc979e58001b3e22fb");
    assert_int_equal(r.exposure, EXPOSURE_HASH);
    assert_false(r.malformed);

    struct bytes ts;
    assert_true(sasl_greeting_timestamp(MSG("POP3 server ready <1896.697170952@dbc.mtview.ca.us>"), &ts));
    assert_field(&ts, "<1896.697170952@dbc.mtview.ca.us>");

    char out[256];
    size_t n = sasl_format_crack_apop(&ts, &r.user, &r.secret, out, sizeof(out));
    assert_string_equal(out, "mrose:c4c9334bac560ecc979e58001b3e22fb:<1896.697170952@dbc.mtview.ca.us>");
    assert_int_equal(n, strlen(out));

    /* Through the generic entry point too. */
    decode("APOP", 0, MSG("mrose c4c9334bac560ecc979e58001b3e22fb"), &r);
    assert_field(&r.user, "mrose");
    assert_int_equal(r.exposure, EXPOSURE_HASH);
}

static void test_apop_malformed(void **state)
{
    (void)state;
    struct sasl_result r;
    assert_false(sasl_apop_parse(MSG("mrose"), &r));
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    assert_false(sasl_apop_parse(MSG("mrose c4c9334bac560ecc979e58001b3e22f"), &r));
    assert_field(&r.user, "mrose");
    assert_false(sasl_apop_parse(MSG(" c4c9334bac560ecc979e58001b3e22fb"), &r));
    assert_false(sasl_apop_parse(MSG(""), &r));
    assert_false(sasl_apop_parse(NULL, 3, &r));
    assert_false(sasl_apop_parse(MSG("a b"), NULL));
    assert_true(sasl_apop_parse(MSG("two words c4c9334bac560ecc979e58001b3e22fb"), &r));
    assert_field(&r.user, "two words");
    assert_true(sasl_apop_parse(MSG("nul\0user C4C9334BAC560ECC979E58001B3E22FB"), &r));
    assert_field_bytes(&r.user, "nul\0user", 8);
}

static void test_greeting_timestamp(void **state)
{
    (void)state;
    struct bytes ts;
    assert_false(sasl_greeting_timestamp(MSG("POP3 ready"), &ts));
    assert_null(ts.data);
    assert_false(sasl_greeting_timestamp(MSG("ready <unterminated"), &ts));
    assert_false(sasl_greeting_timestamp(MSG("ready <>"), &ts));
    assert_false(sasl_greeting_timestamp(MSG("ready <with space@x>"), &ts));
    assert_false(sasl_greeting_timestamp(MSG("ready <a\r\n@b>"), &ts));
    assert_true(sasl_greeting_timestamp(MSG("<a <b<1.2@host> x"), &ts)); /* innermost opener */
    assert_field(&ts, "<1.2@host>");
    assert_true(sasl_greeting_timestamp(MSG("x> <first@a> <second@b>"), &ts));
    assert_field(&ts, "<first@a>");
    assert_true(sasl_greeting_timestamp(MSG("<no-at-sign>"), &ts));
    assert_field(&ts, "<no-at-sign>");
    assert_false(sasl_greeting_timestamp(NULL, 4, &ts));
    assert_false(sasl_greeting_timestamp(MSG("<a@b>"), NULL));

    /* Bounded length: SASL_TIMESTAMP_MAX fits, one more does not. */
    char big[SASL_TIMESTAMP_MAX + 8];
    memset(big, 'x', sizeof(big));
    big[0] = '<';
    big[SASL_TIMESTAMP_MAX - 1] = '>';
    assert_true(sasl_greeting_timestamp((const uint8_t *)big, SASL_TIMESTAMP_MAX, &ts));
    assert_int_equal(ts.len, SASL_TIMESTAMP_MAX);
    big[SASL_TIMESTAMP_MAX - 1] = 'x';
    big[SASL_TIMESTAMP_MAX] = '>';
    assert_false(sasl_greeting_timestamp((const uint8_t *)big, SASL_TIMESTAMP_MAX + 1, &ts));
}

static void test_apop_crack_edges(void **state)
{
    (void)state;
    char out[512];
    const struct bytes ts = { MSG("<1896.697170952@dbc.mtview.ca.us>") };
    const struct bytes digest = { MSG("C4C9334BAC560ECC979E58001B3E22FB") };
    const struct bytes user = { MSG("mrose") };
    const struct bytes none = { NULL, 0 };
    assert_true(sasl_format_crack_apop(&ts, &none, &digest, out, sizeof(out)) > 0);
    assert_string_equal(out, "c4c9334bac560ecc979e58001b3e22fb:<1896.697170952@dbc.mtview.ca.us>");
    assert_true(sasl_format_crack_apop(&ts, NULL, &digest, out, sizeof(out)) > 0);

    const struct bytes colon_user = { MSG("a:b") };
    assert_int_equal(sasl_format_crack_apop(&ts, &colon_user, &digest, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    const struct bytes ctl_user = { MSG("a\nb") };
    assert_int_equal(sasl_format_crack_apop(&ts, &ctl_user, &digest, out, sizeof(out)), 0);
    const struct bytes colon_ts = { MSG("<1:2@host>") }; /* last field: fine */
    assert_true(sasl_format_crack_apop(&colon_ts, &user, &digest, out, sizeof(out)) > 0);
    assert_string_equal(out, "mrose:c4c9334bac560ecc979e58001b3e22fb:<1:2@host>");
    const struct bytes ctl_ts = { MSG("<1\r2@host>") };
    assert_int_equal(sasl_format_crack_apop(&ctl_ts, &user, &digest, out, sizeof(out)), 0);
    assert_int_equal(sasl_format_crack_apop(&none, &user, &digest, out, sizeof(out)), 0);
    assert_int_equal(sasl_format_crack_apop(&ts, &user, &none, out, sizeof(out)), 0);

    char longts[300];
    memset(longts, 'x', sizeof(longts));
    const struct bytes salt256 = { (const uint8_t *)longts, 256 };
    const struct bytes salt257 = { (const uint8_t *)longts, 257 };
    assert_true(sasl_format_crack_apop(&salt256, &user, &digest, out, sizeof(out)) > 0);
    assert_int_equal(sasl_format_crack_apop(&salt257, &user, &digest, out, sizeof(out)), 0);

    size_t n = strlen("mrose:c4c9334bac560ecc979e58001b3e22fb:<1896.697170952@dbc.mtview.ca.us>");
    assert_int_equal(sasl_format_crack_apop(&ts, &user, &digest, out, n + 1), n);
    assert_int_equal(sasl_format_crack_apop(&ts, &user, &digest, out, n), 0);
    assert_int_equal(sasl_format_crack_apop(&ts, &user, &digest, NULL, 100), 0);
}

/* -------------------------------------------------------------- DIGEST-MD5 */

#define RFC2831_RESPONSE                                                                                      \
    "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",nc=00000001," \
    "cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\","                                    \
    "response=d388dad90d4bbd760a152321f2143af7,qop=auth"

static void test_digest_md5_rfc2831(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("DIGEST-MD5", 0, MSG(RFC2831_RESPONSE), &r); /* RFC 2831 §4 */
    assert_field(&r.user, "chris");
    assert_field(&r.realm, "elwood.innosoft.com");
    assert_field(&r.secret, "d388dad90d4bbd760a152321f2143af7");
    assert_field(&r.authzid, NULL);
    assert_int_equal(r.exposure, EXPOSURE_HASH);
    assert_false(r.malformed);
    assert_false(r.truncated);

    decode("DIGEST-MD5", 1, MSG(""), &r); /* empty reply to rspauth */
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_false(r.malformed);
}

/* RFC 2831 §2.1.2.1: qop=auth-int and auth-conf put a security layer on
 * everything after the exchange; qop=auth (the §4 example) does not. */
static void test_digest_md5_qop(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("DIGEST-MD5", 0, MSG(RFC2831_RESPONSE), &r);
    assert_false(r.security_layer);
    decode("DIGEST-MD5", 0, MSG("username=\"chris\",qop=auth-int,response=d388dad90d4bbd760a152321f2143af7"), &r);
    assert_true(r.security_layer);
    decode("DIGEST-MD5", 0, MSG("username=\"chris\",qop=\"AUTH-CONF\",response=d388dad90d4bbd760a152321f2143af7"), &r);
    assert_true(r.security_layer);
    assert_false(r.malformed);
    decode("DIGEST-MD5", 0, MSG("username=\"chris\",qop=auth-intx,response=d388dad90d4bbd760a152321f2143af7"), &r);
    assert_false(r.security_layer);
    /* Only DIGEST-MD5 names its layer in clear. */
    decode("PLAIN", 0, MSG("\0qop=auth-int\0x"), &r);
    assert_false(r.security_layer);
}

static void test_digest_md5_syntax(void **state)
{
    (void)state;
    struct sasl_result r;
    /* Keys are case-insensitive; LWS and empty list elements are allowed
     * (RFC 2831 §7.1); a quoted response is tolerated. */
    decode("DIGEST-MD5", 0,
           MSG(" UserName = \"bob\" ,, realm=\"r\",\r\n authzid=\"admin\" , "
               "RESPONSE=\"d388dad90d4bbd760a152321f2143af7\" "),
           &r);
    assert_field(&r.user, "bob");
    assert_field(&r.realm, "r");
    assert_field(&r.authzid, "admin");
    assert_field(&r.secret, "d388dad90d4bbd760a152321f2143af7");
    assert_false(r.malformed);

    /* Backslash escapes are undone into scratch. */
    decode("DIGEST-MD5", 0, MSG("username=\"chr\\\"is\\\\\",realm=\"a\\,b\",response=d388dad90d4bbd760a152321f2143af7"),
           &r);
    assert_field(&r.user, "chr\"is\\");
    assert_field(&r.realm, "a,b");
    assert_false(r.malformed);
    assert_false(r.truncated);

    /* Without scratch an escaped name cannot be given: absent, truncated. */
    sasl_decode_client("DIGEST-MD5", 0, MSG("username=\"chr\\\"is\",response=d388dad90d4bbd760a152321f2143af7"), &r);
    assert_field(&r.user, NULL);
    assert_true(r.truncated);
    assert_false(r.malformed);
    assert_field(&r.secret, "d388dad90d4bbd760a152321f2143af7");

    /* Scratch one byte too small behaves the same. */
    uint8_t small[5];
    sasl_decode_client_buf("DIGEST-MD5", 0, MSG("username=\"chr\\\"is\",response=d388dad90d4bbd760a152321f2143af7"),
                           small, sizeof(small), &r);
    assert_true(r.truncated);
    uint8_t exact[6];
    sasl_decode_client_buf("DIGEST-MD5", 0, MSG("username=\"chr\\\"is\",response=d388dad90d4bbd760a152321f2143af7"),
                           exact, sizeof(exact), &r);
    assert_false(r.truncated);
    assert_field(&r.user, "chr\"is");
}

static void test_digest_md5_malformed(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("DIGEST-MD5", 0, MSG("username=\"chris,response=d388dad90d4bbd760a152321f2143af7"), &r);
    assert_true(r.malformed); /* unterminated quoted-string */
    assert_int_equal(r.exposure, EXPOSURE_HASH);

    decode("DIGEST-MD5", 0, MSG("username=\"chris\",realm=\"x\""), &r);
    assert_true(r.malformed); /* no response */
    assert_field(&r.user, "chris");

    decode("DIGEST-MD5", 0, MSG("username=\"a\",username=\"b\",response=d388dad90d4bbd760a152321f2143af7"), &r);
    assert_true(r.malformed); /* duplicate */
    assert_field(&r.user, "a");

    decode("DIGEST-MD5", 0, MSG("username=\"a\\"), &r);
    assert_true(r.malformed); /* backslash at the end */

    decode("DIGEST-MD5", 0, MSG("username"), &r);
    assert_true(r.malformed);
    decode("DIGEST-MD5", 0, MSG("=\"x\""), &r);
    assert_true(r.malformed);
    decode("DIGEST-MD5", 0, MSG("username=\"a\"x,response=d388dad90d4bbd760a152321f2143af7"), &r);
    assert_true(r.malformed);
    decode("DIGEST-MD5", 0, MSG("username=\"a\",response=xyz"), &r);
    assert_true(r.malformed);
    assert_field(&r.secret, "xyz");
    decode("DIGEST-MD5", 0, MSG(",,,"), &r);
    assert_true(r.malformed);
    assert_int_equal(r.exposure, EXPOSURE_HASH);
}

/* ------------------------------------------------------------------ SCRAM */

static void test_scram_rfc5802(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("SCRAM-SHA-1", 0, MSG("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"), &r); /* RFC 5802 §5 */
    assert_field(&r.user, "user");
    assert_field(&r.authzid, NULL);
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_false(r.malformed);

    decode("SCRAM-SHA-1", 1,
           MSG("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="), &r);
    assert_field(&r.secret, "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
    assert_field(&r.user, NULL);
    assert_int_equal(r.exposure, EXPOSURE_HASH);
    assert_false(r.malformed);

    decode("SCRAM-SHA-1", 2, MSG(""), &r); /* empty answer to server-final */
    assert_int_equal(r.exposure, EXPOSURE_NONE);

    /* The message, not the step, tells which one it is. */
    decode("SCRAM-SHA-256", 0, MSG("c=biws,r=abc,p=cHJvb2Y="), &r);
    assert_field(&r.secret, "cHJvb2Y=");
    assert_int_equal(r.exposure, EXPOSURE_HASH);

    decode("SCRAM-SHA-256-PLUS", 0, MSG("p=tls-unique,,n=user,r=abc"), &r);
    assert_field(&r.user, "user");
    assert_false(r.malformed);
    decode("SCRAM-SHA-1", 0, MSG("y,,m=ext,n=user,r=abc,x=ext"), &r);
    assert_field(&r.user, "user");
    assert_false(r.malformed);
}

/* RFC 7677 §3: the SCRAM-SHA-256 example exchange. */
static void test_scram_sha_256_rfc7677(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("SCRAM-SHA-256", 0, MSG("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), &r);
    assert_field(&r.user, "user");
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_false(r.malformed);
    decode("SCRAM-SHA-256", 1,
           MSG("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
               "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
           &r);
    assert_field(&r.secret, "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    assert_int_equal(r.exposure, EXPOSURE_HASH);
    assert_false(r.malformed);
    assert_int_equal(sasl_mechanism_exposure("SCRAM-SHA-256"), EXPOSURE_HASH);
    assert_int_equal(sasl_mechanism_exposure("SCRAM-SHA-256-PLUS"), EXPOSURE_HASH);
}

static void test_scram_names(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("SCRAM-SHA-1", 0, MSG("n,a=ad=2Cmin,n=us=3Der=2C,r=abc"), &r);
    assert_field(&r.authzid, "ad,min");
    assert_field(&r.user, "us=er,");
    assert_false(r.malformed);
    assert_false(r.truncated);

    sasl_decode_client("SCRAM-SHA-1", 0, MSG("n,,n=us=3Der,r=abc"), &r);
    assert_field(&r.user, NULL);
    assert_true(r.truncated);
    sasl_decode_client("SCRAM-SHA-1", 0, MSG("n,a=admin,n=user,r=abc"), &r); /* no escapes: no scratch needed */
    assert_field(&r.user, "user");
    assert_field(&r.authzid, "admin");
    assert_false(r.truncated);

    decode("SCRAM-SHA-1", 0, MSG("n,,n=us=2Xer,r=abc"), &r);
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    decode("SCRAM-SHA-1", 0, MSG("n,,n=user="), &r);
    assert_true(r.malformed);
}

static void test_scram_malformed(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("SCRAM-SHA-1", 0, MSG("x,,n=user,r=abc"), &r); /* bad cbind flag */
    assert_true(r.malformed);
    decode("SCRAM-SHA-1", 0, MSG("n,b=x,n=user,r=abc"), &r); /* not a= */
    assert_true(r.malformed);
    decode("SCRAM-SHA-1", 0, MSG("n,,r=abc"), &r); /* no n= */
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    decode("SCRAM-SHA-1", 0, MSG("n,,n=user"), &r); /* no nonce */
    assert_true(r.malformed);
    assert_field(&r.user, "user");
    decode("SCRAM-SHA-1", 0, MSG("n,,n=,r=abc"), &r);
    assert_true(r.malformed);
    decode("SCRAM-SHA-1", 0, MSG("n"), &r);
    assert_true(r.malformed);
    assert_int_equal(r.exposure, EXPOSURE_NONE);

    decode("SCRAM-SHA-1", 1, MSG("c=biws,r=abc"), &r); /* no proof */
    assert_true(r.malformed);
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_HASH);
    decode("SCRAM-SHA-1", 1, MSG("c=biws,r=abc,p="), &r);
    assert_true(r.malformed);
    decode("SCRAM-SHA-1", 1, MSG("c=biws,p=cHJvb2Y="), &r); /* proof without nonce */
    assert_true(r.malformed);
    assert_field(&r.secret, "cHJvb2Y=");
}

/* ------------------------------------------------------ XOAUTH2, OAUTHBEARER */

static void test_xoauth2(void **state)
{
    (void)state;
    struct sasl_result r;
    /* Google's XOAUTH2 protocol document, initial client response. */
    decode("XOAUTH2", 0,
           MSG("user=someuser@example.com\x01"
               "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"),
           &r);
    assert_field(&r.user, "someuser@example.com");
    assert_field(&r.secret, "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
    assert_int_equal(r.exposure, EXPOSURE_TOKEN);
    assert_false(r.malformed);

    decode("XOAUTH2", 1, MSG(""), &r); /* empty answer to the error challenge */
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_false(r.malformed);

    decode("XOAUTH2", 0, MSG("auth=bearer  tok\x01user=u\x01\x01"), &r); /* order, case, spaces */
    assert_field(&r.user, "u");
    assert_field(&r.secret, "tok");
    assert_false(r.malformed);
}

static void test_xoauth2_malformed(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("XOAUTH2", 0, MSG("user=u\x01"
                             "auth=Bearer tok"),
           &r); /* no terminator */
    assert_true(r.malformed);
    assert_field(&r.user, "u");
    assert_field(&r.secret, "tok");
    assert_int_equal(r.exposure, EXPOSURE_TOKEN);

    decode("XOAUTH2", 0, MSG("user=u\x01"
                             "auth=Basic dXNlcjpwdw==\x01\x01"),
           &r); /* not a bearer token: kept, flagged */
    assert_true(r.malformed);
    assert_field(&r.secret, "Basic dXNlcjpwdw==");

    decode("XOAUTH2", 0, MSG("user=u\x01\x01"), &r); /* no auth */
    assert_true(r.malformed);
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_TOKEN);

    decode("XOAUTH2", 0, MSG("user=u\x01"
                             "auth=Bearer t\x01\x01junk"),
           &r); /* bytes after the end */
    assert_true(r.malformed);

    decode("XOAUTH2", 0, MSG("user=u\x01"
                             "auth=Bearer \x01\x01"),
           &r); /* empty token */
    assert_true(r.malformed);
    assert_field(&r.secret, NULL);

    decode("XOAUTH2", 0, MSG("\x01"), &r);
    assert_true(r.malformed);

    /* Issue 13.7: no ^A at all. Dovecot 2.3 takes the whole text as the
     * user name; the token must not reach the user field. */
    decode("XOAUTH2", 0, MSG("user=alice auth=Bearer ya29.tok"), &r);
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "user=alice auth=Bearer ya29.tok");
    assert_true(r.secret_possible);
    assert_int_equal(r.exposure, EXPOSURE_TOKEN);
    decode("XOAUTH2", 0, MSG("user=alice auth=Bearer ya29.tok\x01\x01"), &r); /* one glued pair */
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "user=alice auth=Bearer ya29.tok\x01\x01");
    decode("XOAUTH2", 0, MSG("user=alice AUTH=Bearer t\x01"
                             "auth=Bearer t\x01\x01"),
           &r); /* a glued name, and a real pair */
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "t");
    /* Dovecot reads a later user= over an earlier one. */
    decode("XOAUTH2", 0, MSG("user=a\x01user=b\x01"
                             "auth=Bearer t\x01\x01"),
           &r);
    assert_true(r.malformed);
    assert_field(&r.user, "b");
}

static void test_oauthbearer_rfc7628(void **state)
{
    (void)state;
    struct sasl_result r;
    /* RFC 7628 §4.1 */
    decode("OAUTHBEARER", 0,
           MSG("n,a=user@example.com,\x01"
               "host=server.example.com\x01"
               "port=143\x01"
               "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"),
           &r);
    assert_field(&r.user, "user@example.com");
    assert_field(&r.secret, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
    assert_int_equal(r.exposure, EXPOSURE_TOKEN);
    assert_false(r.malformed);

    decode("OAUTHBEARER", 0, MSG("n,,\x01"
                                 "auth=Bearer tok\x01\x01"),
           &r); /* authzid is optional */
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "tok");
    assert_false(r.malformed);

    decode("OAUTHBEARER", 1, MSG("\x01"), &r); /* §3.2.3: the client gives up */
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_false(r.malformed);

    decode("OAUTHBEARER", 0, MSG("n,a=a=2Cb,\x01"
                                 "auth=Bearer tok\x01\x01"),
           &r);
    assert_field(&r.user, "a,b");
}

static void test_oauthbearer_malformed(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("OAUTHBEARER", 0, MSG("n,a=u,auth=Bearer tok\x01\x01"), &r); /* no kvsep after header */
    assert_true(r.malformed);
    assert_int_equal(r.exposure, EXPOSURE_TOKEN);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, "n,a=u,auth=Bearer tok\x01\x01"); /* where the token is: unknowable */
    decode("OAUTHBEARER", 0, MSG("n,a=auth=Bearer tok,\x01\x01"), &r); /* an invalid saslname */
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    decode("OAUTHBEARER", 0, MSG("n,a=u,\x01host=h\x01\x01"), &r); /* no auth */
    assert_true(r.malformed);
    assert_field(&r.user, "u");
    decode("OAUTHBEARER", 0, MSG("n,a=u,\x01"
                                 "auth=Bearer tok\x01"),
           &r); /* missing final kvsep */
    assert_true(r.malformed);
    assert_field(&r.secret, "tok");
    decode("OAUTHBEARER", 0, MSG("user=u\x01"
                                 "auth=Bearer t\x01\x01"),
           &r); /* XOAUTH2 sent under the wrong name */
    assert_true(r.malformed);
    decode("OAUTHBEARER", 0, MSG("n,a=u,"), &r);
    assert_true(r.malformed);
}

/* ------------------------------------------------------------------- NTLM */

struct ntlm3 {
    const uint8_t *lm;
    size_t lm_len;
    const uint8_t *nt;
    size_t nt_len;
    const uint8_t *domain;
    size_t domain_len;
    const uint8_t *user;
    size_t user_len;
    const uint8_t *ws;
    size_t ws_len;
    uint32_t flags;
    size_t header; /* 52 (no flags), 64, or 88 (with Version and MIC) */
};

static void put_le16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v & 0xff);
    p[1] = (uint8_t)((v >> 8) & 0xff);
}

static void put_le32(uint8_t *p, size_t v)
{
    put_le16(p, v & 0xffff);
    put_le16(p + 2, (v >> 16) & 0xffff);
}

static void put_buffer(uint8_t *msg, size_t at, size_t *end, const uint8_t *data, size_t len)
{
    put_le16(msg + at, len);
    put_le16(msg + at + 2, len);
    put_le32(msg + at + 4, *end);
    if (len > 0)
        memcpy(msg + *end, data, len);
    *end += len;
}

/* An AUTHENTICATE_MESSAGE laid out as Windows does: header, then domain,
 * user, workstation, LM and NT responses. */
static size_t build_type3(const struct ntlm3 *m, uint8_t *out, size_t cap)
{
    size_t total = m->header + m->domain_len + m->user_len + m->ws_len + m->lm_len + m->nt_len;
    assert_true(total <= cap);
    memset(out, 0, m->header);
    memcpy(out, "NTLMSSP\0", 8);
    put_le32(out + 8, 3);
    size_t end = m->header;
    put_buffer(out, 28, &end, m->domain, m->domain_len);
    put_buffer(out, 36, &end, m->user, m->user_len);
    put_buffer(out, 44, &end, m->ws, m->ws_len);
    put_buffer(out, 12, &end, m->lm, m->lm_len);
    put_buffer(out, 20, &end, m->nt, m->nt_len);
    if (m->header >= 64) {
        put_buffer(out, 52, &end, NULL, 0);
        put_le32(out + 60, m->flags);
    }
    return end;
}

static size_t utf16(const char *ascii, uint8_t *out)
{
    size_t n = strlen(ascii);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)ascii[i];
        out[2 * i + 1] = 0;
    }
    return 2 * n;
}

#define NTLM_UNICODE 0x00000001u
#define NTLM_OEM 0x00000002u
#define HASHCAT_5600_USER "0UL5G37JOI0SX"
#define HASHCAT_5600_DOMAIN "6VB1IS0KA74"
#define HASHCAT_5600_CHALLENGE "ebe1afa18b7fbfa6"
#define HASHCAT_5600_NT                                                                                      \
    "aab8bf8675658dd2a939458a1077ba08010100000000000031c8aa092510945398b9f7b7dde1a9fb00000000f7876f2b04b7" \
    "00"

static uint8_t ntlm_v2_msg[512];
static size_t ntlm_v2_len;

/* hashcat's mode 5600 example hash as the type 3 message it came from. */
static size_t build_hashcat_v2(uint8_t *out, size_t cap)
{
    uint8_t user[64], domain[64], nt[128], lm[24] = { 0 };
    struct ntlm3 m = { 0 };
    m.user = user;
    m.user_len = utf16(HASHCAT_5600_USER, user);
    m.domain = domain;
    m.domain_len = utf16(HASHCAT_5600_DOMAIN, domain);
    m.nt = nt;
    m.nt_len = hex_to_bytes(HASHCAT_5600_NT, nt, sizeof(nt));
    m.lm = lm;
    m.lm_len = sizeof(lm);
    m.ws = (const uint8_t *)"W\0S\0";
    m.ws_len = 4;
    m.flags = NTLM_UNICODE | 0x00088200u;
    m.header = 88;
    return build_type3(&m, out, cap);
}

static void test_ntlm_unicode(void **state)
{
    (void)state;
    struct sasl_result r;
    ntlm_v2_len = build_hashcat_v2(ntlm_v2_msg, sizeof(ntlm_v2_msg));
    decode("NTLM", 1, ntlm_v2_msg, ntlm_v2_len, &r);
    assert_field(&r.user, HASHCAT_5600_USER);
    assert_field(&r.realm, HASHCAT_5600_DOMAIN);
    assert_field(&r.secret, HASHCAT_5600_NT);
    assert_field(&r.lm_response, "000000000000000000000000000000000000000000000000");
    assert_int_equal(r.exposure, EXPOSURE_HASH);
    assert_false(r.malformed);
    assert_false(r.truncated);

    /* Non-ASCII: U+00EB, a surrogate pair (U+1F600) and a lone surrogate. */
    const uint8_t name[] = { 'Z', 0, 'o', 0, 0xeb, 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xdc, 'x', 0 };
    uint8_t msg[256];
    struct ntlm3 m = { 0 };
    m.user = name;
    m.user_len = sizeof(name);
    m.nt = (const uint8_t *)"0123456789abcdefghijklmn";
    m.nt_len = 24;
    m.flags = NTLM_UNICODE;
    m.header = 64;
    size_t len = build_type3(&m, msg, sizeof(msg));
    decode("NTLM", 1, msg, len, &r);
    assert_field(&r.user, "Zo\xc3\xab\xf0\x9f\x98\x80\xef\xbf\xbdx");
    assert_field(&r.realm, NULL);
    assert_false(r.malformed);
}

static void test_ntlm_oem_and_old_header(void **state)
{
    (void)state;
    struct sasl_result r;
    uint8_t msg[256];
    struct ntlm3 m = { 0 };
    m.user = (const uint8_t *)"alice";
    m.user_len = 5;
    m.domain = (const uint8_t *)"CORP";
    m.domain_len = 4;
    m.lm = (const uint8_t *)"LMLMLMLMLMLMLMLMLMLMLMLM";
    m.lm_len = 24;
    m.nt = (const uint8_t *)"NTNTNTNTNTNTNTNTNTNTNTNT";
    m.nt_len = 24;
    m.flags = NTLM_OEM;
    m.header = 64;
    size_t len = build_type3(&m, msg, sizeof(msg));
    decode("NTLM", 1, msg, len, &r);
    assert_field(&r.user, "alice");
    assert_field(&r.realm, "CORP");
    assert_field(&r.secret, "4e544e544e544e544e544e544e544e544e544e544e544e54");
    assert_field(&r.lm_response, "4c4d4c4d4c4d4c4d4c4d4c4d4c4d4c4d4c4d4c4d4c4d4c4d");
    assert_false(r.malformed);

    /* No NegotiateFlags (payload right after the Workstation buffer): a
     * name with zero high bytes is read as UTF-16, one without as OEM. */
    m.header = 52;
    len = build_type3(&m, msg, sizeof(msg));
    decode("NTLM", 0, msg, len, &r);
    assert_field(&r.user, "alice");
    uint8_t user16[16], dom16[16];
    m.user = user16;
    m.user_len = utf16("alice", user16);
    m.domain = dom16;
    m.domain_len = utf16("CORP", dom16);
    len = build_type3(&m, msg, sizeof(msg));
    decode("NTLM", 0, msg, len, &r);
    assert_field(&r.user, "alice");
    assert_field(&r.realm, "CORP");
}

static void test_ntlm_steps(void **state)
{
    (void)state;
    struct sasl_result r;
    /* NEGOTIATE (type 1) first: nothing to report. */
    decode("NTLM", 0, MSG("NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2"), &r);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_false(r.malformed);
    /* The AUTHENTICATE is found whatever its step. */
    ntlm_v2_len = build_hashcat_v2(ntlm_v2_msg, sizeof(ntlm_v2_msg));
    decode("NTLM", 0, ntlm_v2_msg, ntlm_v2_len, &r);
    assert_field(&r.user, HASHCAT_5600_USER);
    decode("NTLM", 5, ntlm_v2_msg, ntlm_v2_len, &r);
    assert_field(&r.user, HASHCAT_5600_USER);

    decode("NTLM", 1, MSG("not ntlm at all"), &r);
    assert_true(r.malformed);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    decode("NTLM", 1, MSG("NTLMSSP\0\x02\0\0\0"), &r); /* a CHALLENGE from the client */
    assert_true(r.malformed);
    decode("NTLM", 1, MSG("NTLMSSP\0\x03\0\0"), &r); /* type field cut */
    assert_true(r.malformed);
    decode("NTLM", 1, MSG(""), &r);
    assert_false(r.malformed);
}

static void test_ntlm_bounds(void **state)
{
    (void)state;
    struct sasl_result r;
    uint8_t msg[512];
    size_t len = build_hashcat_v2(msg, sizeof(msg));

    /* A type 3 cut inside its fixed header. */
    decode("NTLM", 1, msg, 51, &r);
    assert_true(r.malformed);
    assert_int_equal(r.exposure, EXPOSURE_HASH);
    assert_field(&r.user, NULL);

    /* Cut inside the payload: the NT response (last) no longer fits. */
    decode("NTLM", 1, msg, len - 1, &r);
    assert_true(r.malformed);
    assert_field(&r.secret, NULL);
    assert_field(&r.lm_response, "000000000000000000000000000000000000000000000000");
    assert_field(&r.user, HASHCAT_5600_USER);

    /* User offset beyond the end, and one that would wrap a 32-bit sum. */
    uint8_t bad[512];
    memcpy(bad, msg, len);
    put_le32(bad + 36 + 4, len + 1);
    decode("NTLM", 1, bad, len, &r);
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    assert_non_null(r.secret.data);
    put_le32(bad + 36 + 4, 0xffffffffu);
    decode("NTLM", 1, bad, len, &r);
    assert_true(r.malformed);
    assert_field(&r.user, NULL);
    memcpy(bad, msg, len);
    put_le16(bad + 20, 0xffff); /* NT length far past the end */
    decode("NTLM", 1, bad, len, &r);
    assert_true(r.malformed);
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_HASH);

    /* An LM-only client: the LM response is the secret. */
    memcpy(bad, msg, len);
    put_le16(bad + 20, 0);
    decode("NTLM", 1, bad, len, &r);
    assert_false(r.malformed);
    assert_field(&r.secret, "000000000000000000000000000000000000000000000000");

    /* Odd UTF-16 length: the whole units are kept, the message flagged. */
    memcpy(bad, msg, len);
    put_le16(bad + 36, strlen(HASHCAT_5600_USER) * 2 - 1);
    decode("NTLM", 1, bad, len, &r);
    assert_true(r.malformed);
    assert_field(&r.user, "0UL5G37JOI0S");

    /* No scratch: names and responses cannot be written; exposure stays. */
    sasl_decode_client("NTLM", 1, msg, len, &r);
    assert_true(r.truncated);
    assert_field(&r.user, NULL);
    assert_field(&r.secret, NULL);
    assert_int_equal(r.exposure, EXPOSURE_HASH);
}

static void test_ntlm_anonymous(void **state)
{
    (void)state;
    struct sasl_result r;
    uint8_t msg[128];
    struct ntlm3 m = { 0 };
    m.lm = (const uint8_t *)"\0";
    m.lm_len = 1;
    m.flags = NTLM_UNICODE | 0x00000800u;
    m.header = 88;
    size_t len = build_type3(&m, msg, sizeof(msg));
    decode("NTLM", 1, msg, len, &r);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_field(&r.user, NULL);
    assert_false(r.malformed);
}

static void test_ntlm_crack(void **state)
{
    (void)state;
    struct sasl_result r;
    char out[512];
    uint8_t challenge[8];

    /* The server's CHALLENGE carries the 8 bytes the hash line needs. */
    uint8_t type2[48] = { 0 };
    memcpy(type2, "NTLMSSP\0", 8);
    put_le32(type2 + 8, 2);
    hex_to_bytes(HASHCAT_5600_CHALLENGE, type2 + 24, 8);
    assert_true(sasl_ntlm_server_challenge(type2, sizeof(type2), challenge));
    assert_false(sasl_ntlm_server_challenge(type2, 31, challenge));
    put_le32(type2 + 8, 3);
    assert_false(sasl_ntlm_server_challenge(type2, sizeof(type2), challenge));
    assert_false(sasl_ntlm_server_challenge(NULL, 48, challenge));

    /* hashcat mode 5600 example hash, rebuilt from its message. */
    ntlm_v2_len = build_hashcat_v2(ntlm_v2_msg, sizeof(ntlm_v2_msg));
    decode("NTLM", 1, ntlm_v2_msg, ntlm_v2_len, &r);
    size_t n = sasl_format_crack_netntlm(challenge, &r, out, sizeof(out));
    assert_string_equal(out, HASHCAT_5600_USER "::" HASHCAT_5600_DOMAIN ":" HASHCAT_5600_CHALLENGE
                                               ":aab8bf8675658dd2a939458a1077ba08:"
                                               "010100000000000031c8aa092510945398b9f7b7dde1a9fb00000000f7876f2b04b700");
    assert_int_equal(n, strlen(out));
    assert_int_equal(sasl_format_crack_netntlm(challenge, &r, out, n), 0);
    assert_int_equal(sasl_format_crack_netntlm(challenge, &r, out, n + 1), n);

    /* hashcat mode 5500 (NetNTLMv1) documented example. */
    uint8_t lm[24], nt[24], msg[256], user[32], dom[16];
    struct ntlm3 m = { 0 };
    m.lm = lm;
    m.lm_len = hex_to_bytes("338d08f8e26de93300000000000000000000000000000000", lm, sizeof(lm));
    m.nt = nt;
    m.nt_len = hex_to_bytes("9526fb8c23a90751cdd619b6cea564742e1e4bf33006ba41", nt, sizeof(nt));
    m.user = user;
    m.user_len = utf16("u4-netntlm", user);
    m.domain = dom;
    m.domain_len = utf16("kNS", dom);
    m.flags = NTLM_UNICODE;
    m.header = 64;
    size_t len = build_type3(&m, msg, sizeof(msg));
    decode("NTLM", 1, msg, len, &r);
    hex_to_bytes("cb8086049ec4736c", challenge, 8);
    sasl_format_crack_netntlm(challenge, &r, out, sizeof(out));
    assert_string_equal(out, "u4-netntlm::kNS:338d08f8e26de93300000000000000000000000000000000:"
                             "9526fb8c23a90751cdd619b6cea564742e1e4bf33006ba41:cb8086049ec4736c");

    /* Unusable inputs. */
    struct sasl_result copy = r;
    copy.user.data = (const uint8_t *)"a:b";
    copy.user.len = 3;
    assert_int_equal(sasl_format_crack_netntlm(challenge, &copy, out, sizeof(out)), 0);
    copy = r;
    copy.lm_response.data = NULL;
    copy.lm_response.len = 0;
    assert_int_equal(sasl_format_crack_netntlm(challenge, &copy, out, sizeof(out)), 0);
    copy = r;
    copy.secret.len = 46;
    assert_int_equal(sasl_format_crack_netntlm(challenge, &copy, out, sizeof(out)), 0);
    assert_int_equal(sasl_format_crack_netntlm(NULL, &r, out, sizeof(out)), 0);
    assert_int_equal(sasl_format_crack_netntlm(challenge, NULL, out, sizeof(out)), 0);
}

/* ------------------------------------------------ GSSAPI, EXTERNAL, ANONYMOUS */

static void test_other_mechanisms(void **state)
{
    (void)state;
    struct sasl_result r;
    decode("GSSAPI", 0, MSG("\x60\x82\x02\x0a\x06\x09*\x86H\x86\xf7\x12\x01\x02\x02"), &r);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_field(&r.user, NULL);
    assert_false(r.malformed);

    decode("EXTERNAL", 0, MSG("admin@example.org"), &r); /* RFC 4422 A.1 */
    assert_field(&r.authzid, "admin@example.org");
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    decode("EXTERNAL", 0, MSG(""), &r);
    assert_field(&r.authzid, NULL);

    decode("ANONYMOUS", 0, MSG("sirhc"), &r); /* RFC 4505 §3 */
    assert_field(&r.user, "sirhc");
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    decode("ANONYMOUS", 0, MSG(""), &r);
    assert_field(&r.user, NULL);

    decode("X-MADE-UP", 0, MSG("\0tim\0pw"), &r);
    assert_int_equal(r.exposure, EXPOSURE_NONE);
    assert_field(&r.user, NULL);
    assert_false(r.malformed);
    sasl_decode_client(NULL, 0, MSG("x"), &r);
    assert_int_equal(r.exposure, EXPOSURE_NONE);

    decode("plain", 0, MSG("\0tim\0pw"), &r); /* names compare without case */
    assert_field(&r.user, "tim");
}

/* ------------------------------------------------ prefixes and mutations */

struct sample {
    const char *mech;
    unsigned step;
    const uint8_t *msg;
    size_t len;
};

#define SAMPLE(mech, step, text) { mech, step, MSG(text) }

static const struct sample samples[] = {
    SAMPLE("PLAIN", 0, "authz\0tim\0tanstaaftanstaaf"),
    SAMPLE("LOGIN", 0, "tim"),
    SAMPLE("LOGIN", 1, "tanstaaf"),
    SAMPLE("CRAM-MD5", 0, "tim b913a602c7eda7a495b4e6e7334d3890"),
    SAMPLE("APOP", 0, "mrose c4c9334bac560ecc979e58001b3e22fb"),
    SAMPLE("DIGEST-MD5", 0, RFC2831_RESPONSE),
    SAMPLE("DIGEST-MD5", 0, "username=\"chr\\\"is\",realm=\"a\\\\b\",authzid=\"x\\y\",response=\"00\""),
    SAMPLE("SCRAM-SHA-1", 0, "n,a=ad=2Cmin,m=x,n=us=3Der,r=fyko+d2lbbFgONRv9qkxdawL"),
    SAMPLE("SCRAM-SHA-1", 1, "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="),
    SAMPLE("XOAUTH2", 0, "user=someuser@example.com\x01"
                         "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"),
    SAMPLE("OAUTHBEARER", 0, "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
                             "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"),
    SAMPLE("EXTERNAL", 0, "admin"),
    SAMPLE("ANONYMOUS", 0, "sirhc"),
    SAMPLE("GSSAPI", 0, "\x60\x82\x02\x0a"),
    SAMPLE("NTLM", 0, "NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2"),
};

/* One decode in an exactly sized heap copy and an exactly sized scratch of
 * SASL_SCRATCH_NEEDED bytes: any read past either end is a sanitizer error,
 * and a scratch that proves too small breaks the documented bound. */
static void decode_exact(const char *mech, unsigned step, const uint8_t *src, size_t len)
{
    uint8_t *msg = malloc(len > 0 ? len : 1);
    size_t scr_len = SASL_SCRATCH_NEEDED(len);
    uint8_t *scr = scr_len > 0 ? malloc(scr_len) : NULL;
    assert_non_null(msg);
    if (len > 0)
        memcpy(msg, src, len);
    struct sasl_result r;
    sasl_decode_client_buf(mech, step, msg, len, scr, scr_len, &r);
    assert_result_within(&r, msg, len, scr, scr_len);
    assert_false(r.truncated);
    assert_true((unsigned)r.exposure < EXPOSURE_COUNT);
    sasl_decode_client(mech, step, msg, len, &r);
    assert_result_within(&r, msg, len, NULL, 0);

    struct bytes ts;
    if (sasl_greeting_timestamp(msg, len, &ts))
        assert_within(&ts, msg, len, NULL, 0);
    sasl_apop_parse(msg, len, &r);
    assert_result_within(&r, msg, len, NULL, 0);
    uint8_t challenge[8];
    (void)sasl_ntlm_server_challenge(msg, len, challenge);
    free(scr);
    free(msg);
}

static void test_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        for (size_t n = 0; n <= samples[i].len; n++)
            decode_exact(samples[i].mech, samples[i].step, samples[i].msg, n);
    }
    ntlm_v2_len = build_hashcat_v2(ntlm_v2_msg, sizeof(ntlm_v2_msg));
    for (size_t n = 0; n <= ntlm_v2_len; n++)
        decode_exact("NTLM", 1, ntlm_v2_msg, n);

    /* base64 prefixes into an exactly sized output */
    const char *b64 = "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
                      "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==";
    for (size_t n = 0; n <= strlen(b64); n++) {
        uint8_t *in = malloc(n > 0 ? n : 1);
        assert_non_null(in);
        memcpy(in, b64, n);
        size_t need = n / 4 * 3 + (n % 4 > 1 ? n % 4 - 1 : 0);
        uint8_t *out = malloc(need > 0 ? need : 1);
        assert_non_null(out);
        size_t got;
        bool ok = sasl_base64_decode(in, n, out, need, &got);
        if (ok)
            assert_true(got <= need);
        else
            assert_true(n % 4 == 1 || (n > 0 && in[n - 1] == '=')); /* the only failures here */
        free(out);
        free(in);
    }
}

static void assert_same_field(const struct bytes *a, const struct bytes *b)
{
    assert_int_equal(a->len, b->len);
    if (a->data == NULL || b->data == NULL)
        assert_true(a->data == b->data);
    else
        assert_memory_equal(a->data, b->data, a->len);
}

/* Every scratch size from none to enough, each exactly allocated: a field
 * either comes out whole or is absent with `truncated`; never cut, never
 * written past the end. */
static void test_scratch_sizes(void **state)
{
    (void)state;
    ntlm_v2_len = build_hashcat_v2(ntlm_v2_msg, sizeof(ntlm_v2_msg));
    const struct sample cases[] = {
        samples[6], /* DIGEST-MD5 with escapes */
        samples[7], /* SCRAM with =2C / =3D */
        { "NTLM", 1, ntlm_v2_msg, ntlm_v2_len },
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct sasl_result full;
        decode(cases[c].mech, cases[c].step, cases[c].msg, cases[c].len, &full);
        assert_false(full.truncated);
        size_t used = 0;
        for (size_t size = 0; size <= SASL_SCRATCH_NEEDED(cases[c].len); size++) {
            uint8_t *scr = size > 0 ? malloc(size) : NULL;
            struct sasl_result r;
            sasl_decode_client_buf(cases[c].mech, cases[c].step, cases[c].msg, cases[c].len, scr, size, &r);
            assert_result_within(&r, cases[c].msg, cases[c].len, scr, size);
            const struct bytes *got[] = { &r.user, &r.authzid, &r.secret, &r.realm, &r.lm_response };
            const struct bytes *want[] = { &full.user, &full.authzid, &full.secret, &full.realm, &full.lm_response };
            for (size_t f = 0; f < 5; f++) {
                if (got[f]->data != NULL)
                    assert_same_field(got[f], want[f]);
                else if (want[f]->data != NULL)
                    assert_true(r.truncated);
            }
            if (!r.truncated && used == 0)
                used = size; /* the smallest scratch that is enough */
            free(scr);
        }
        assert_true(used > 0);
    }
}

static uint32_t rng_state = 0x2545f491u;

static uint32_t rng(void)
{
    /* Fixed-seed LCG: the same mutations on every run. */
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
    static const uint8_t interesting[] = { 0, 1, ' ', ',', '=', '"', '\\', '<', '>', 0xff, 0x80, 'a', '2', 'C' };
    unsigned edits = 1 + rng() % 4;
    for (unsigned e = 0; e < edits; e++) {
        unsigned what = rng() % 5;
        uint8_t b = (rng() & 1) ? interesting[rng() % sizeof(interesting)] : (uint8_t)rng();
        if (what == 0 && len > 0) {
            buf[rng() % len] = b;
        } else if (what == 1 && len > 0) {
            size_t at = rng() % len;
            memmove(buf + at, buf + at + 1, len - at - 1);
            len--;
        } else if (what == 2 && len < cap) {
            size_t at = len > 0 ? rng() % (len + 1) : 0;
            memmove(buf + at + 1, buf + at, len - at);
            buf[at] = b;
            len++;
        } else if (what == 3 && len > 0) {
            len = rng() % len;
        } else if (what == 4 && len >= 64) {
            /* NTLM security buffers: random length or offset */
            size_t at = 12 + 2 * (rng() % 24);
            put_le16(buf + at, rng() & 0xffff);
        }
    }
    return len;
}

static void test_mutations(void **state)
{
    (void)state;
    uint8_t buf[1024];
    ntlm_v2_len = build_hashcat_v2(ntlm_v2_msg, sizeof(ntlm_v2_msg));
    size_t count = sizeof(samples) / sizeof(samples[0]);
    for (size_t i = 0; i <= count; i++) {
        const char *mech = i < count ? samples[i].mech : "NTLM";
        const uint8_t *src = i < count ? samples[i].msg : ntlm_v2_msg;
        size_t src_len = i < count ? samples[i].len : ntlm_v2_len;
        for (int round = 0; round < 5000; round++) {
            memcpy(buf, src, src_len);
            size_t len = mutate(buf, src_len, sizeof(buf));
            decode_exact(mech, rng() % 3, buf, len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_valid),
        cmocka_unit_test(test_base64_invalid),
        cmocka_unit_test(test_base64_output_bounds),
        cmocka_unit_test(test_mechanism_name),
        cmocka_unit_test(test_mechanism_exposure),
        cmocka_unit_test(test_plain_rfc4616),
        cmocka_unit_test(test_plain_malformed),
        cmocka_unit_test(test_login),
        cmocka_unit_test(test_login_prompts),
        cmocka_unit_test(test_undecodable_response),
        cmocka_unit_test(test_cram_md5_rfc2195),
        cmocka_unit_test(test_cram_md5_malformed),
        cmocka_unit_test(test_cram_md5_crack),
        cmocka_unit_test(test_apop_rfc1939),
        cmocka_unit_test(test_apop_malformed),
        cmocka_unit_test(test_greeting_timestamp),
        cmocka_unit_test(test_apop_crack_edges),
        cmocka_unit_test(test_digest_md5_rfc2831),
        cmocka_unit_test(test_digest_md5_qop),
        cmocka_unit_test(test_digest_md5_syntax),
        cmocka_unit_test(test_digest_md5_malformed),
        cmocka_unit_test(test_scram_rfc5802),
        cmocka_unit_test(test_scram_sha_256_rfc7677),
        cmocka_unit_test(test_scram_names),
        cmocka_unit_test(test_scram_malformed),
        cmocka_unit_test(test_xoauth2),
        cmocka_unit_test(test_xoauth2_malformed),
        cmocka_unit_test(test_oauthbearer_rfc7628),
        cmocka_unit_test(test_oauthbearer_malformed),
        cmocka_unit_test(test_ntlm_unicode),
        cmocka_unit_test(test_ntlm_oem_and_old_header),
        cmocka_unit_test(test_ntlm_steps),
        cmocka_unit_test(test_ntlm_bounds),
        cmocka_unit_test(test_ntlm_anonymous),
        cmocka_unit_test(test_ntlm_crack),
        cmocka_unit_test(test_other_mechanisms),
        cmocka_unit_test(test_scratch_sizes),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests_name("sasl", tests, NULL, NULL);
}
