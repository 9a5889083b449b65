/* Tracker-level tests for issue 13.7 (no secret in an unredacted field)
 * and issue 12.3 (SSLproxy header line), through the public pop3.h API:
 * whole sessions are fed byte by byte and in one piece, and the auth and
 * session events are checked field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pop3.h"

#define MAX_AUTH 8
#define FIELD 512

struct kept_auth {
    char method[32];
    char user[FIELD]; /* "-" when absent */
    char password[FIELD];
    enum event_exposure exposure;
    enum event_outcome outcome;
    struct event_proxy proxy;
};

struct kept {
    struct kept_auth auth[MAX_AUTH];
    size_t auth_count;
    bool session_seen;
    struct event_proxy session_proxy;
    uint64_t anomalies;
    uint64_t commands;
};

static void keep_bytes(char *dst, struct bytes b)
{
    if (b.data == NULL) {
        snprintf(dst, FIELD, "-");
        return;
    }
    size_t n = b.len < FIELD - 1 ? b.len : FIELD - 1;
    memcpy(dst, b.data, n);
    dst[n] = '\0';
}

static void sink(void *ctx, const struct event *ev)
{
    struct kept *k = ctx;
    if (ev->type == EVENT_AUTH && k->auth_count < MAX_AUTH) {
        struct kept_auth *a = &k->auth[k->auth_count++];
        snprintf(a->method, sizeof a->method, "%s", ev->u.auth.method);
        keep_bytes(a->user, ev->u.auth.user);
        keep_bytes(a->password, ev->u.auth.password);
        a->exposure = ev->u.auth.exposure;
        a->outcome = ev->u.auth.outcome;
        a->proxy = ev->u.auth.flow->proxy;
    } else if (ev->type == EVENT_SESSION) {
        k->session_seen = true;
        k->session_proxy = ev->u.session.flow->proxy;
        k->anomalies = ev->u.session.anomalies;
        k->commands = ev->u.session.commands;
    }
}

/* Steps alternate by direction; each is a NUL-terminated string. */
struct step {
    enum pop3_direction dir;
    const char *bytes; /* NULL: `missing` bytes the capture lost */
    uint64_t missing;
};
#define SV(s) { POP3_FROM_SERVER, (s), 0 }
#define CL(s) { POP3_FROM_CLIENT, (s), 0 }
#define GAP_SV(n) { POP3_FROM_SERVER, NULL, (n) }

static void run(const struct step *steps, size_t n, bool bytewise, bool allow_proxy, struct kept *k)
{
    struct pop3_limits lim = { POP3_DEFAULT_MAX_LINE, POP3_DEFAULT_MAX_PENDING };
    struct event_flow flow;
    struct event_time t = { 1000, 0 };

    memset(&flow, 0, sizeof flow);
    memset(k, 0, sizeof *k);
    flow.flow_id = 1;
    flow.ip_version = 4;
    flow.client_port = 40000;
    flow.server_port = 8080;
    struct pop3_session *s = pop3_session_new(&lim, &flow, t, sink, k);
    assert_non_null(s);
    if (allow_proxy)
        pop3_session_allow_proxy_header(s);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = (const uint8_t *)steps[i].bytes;
        t.sec++;
        if (p == NULL) {
            pop3_session_gap(s, steps[i].dir, steps[i].missing, t);
            continue;
        }
        size_t len = strlen(steps[i].bytes);
        if (!bytewise) {
            pop3_session_feed(s, steps[i].dir, p, len, t);
            continue;
        }
        for (size_t j = 0; j < len; j++)
            pop3_session_feed(s, steps[i].dir, p + j, 1, t);
    }
    t.sec++;
    pop3_session_end(s, END_FIN, t);
    pop3_session_free(s);
    assert_true(k->session_seen);
}

#define RUN(steps, k) run((steps), sizeof(steps) / sizeof((steps)[0]), false, false, (k))

/* Both feeds must give the same record. */
static void run_both(const struct step *steps, size_t n, bool allow_proxy, struct kept *k)
{
    struct kept bytewise;
    run(steps, n, true, allow_proxy, &bytewise);
    run(steps, n, false, allow_proxy, k);
    assert_int_equal(bytewise.auth_count, k->auth_count);
    for (size_t i = 0; i < k->auth_count; i++) {
        assert_string_equal(bytewise.auth[i].user, k->auth[i].user);
        assert_string_equal(bytewise.auth[i].password, k->auth[i].password);
        assert_int_equal(bytewise.auth[i].exposure, k->auth[i].exposure);
        assert_int_equal(bytewise.auth[i].outcome, k->auth[i].outcome);
        assert_int_equal(bytewise.auth[i].proxy.present, k->auth[i].proxy.present);
    }
}
#define RUN_BOTH(steps, proxy, k) run_both((steps), sizeof(steps) / sizeof((steps)[0]), (proxy), (k))

/* ------------------------------------------------------------ 13.7 */

/* AUTH LOGIN whose first prompt is "Password:" (base64 UGFzc3dvcmQ6): the
 * first answer is the password; it must not be printed as the user. */
static void test_login_password_first(void **state)
{
    (void)state;
    static const struct step steps[] = {
        SV("+OK ready\r\n"),
        CL("AUTH LOGIN\r\n"),
        SV("+ UGFzc3dvcmQ6\r\n"),          /* "Password:" */
        CL("aHVudGVyMg==\r\n"),            /* "hunter2" */
        SV("+ VXNlcm5hbWU6\r\n"),          /* "Username:" */
        CL("YWxpY2U=\r\n"),                /* "alice" */
        SV("-ERR [AUTH] failed\r\n"),
    };
    struct kept k;
    RUN_BOTH(steps, false, &k);
    assert_int_equal(k.auth_count, 1);
    assert_string_equal(k.auth[0].user, "alice");
    assert_string_equal(k.auth[0].password, "hunter2");
    assert_int_equal(k.auth[0].exposure, EXPOSURE_CLEARTEXT);
}

/* Variants of the words: "User Name" and "Password" without a colon. */
static void test_login_prompt_variants(void **state)
{
    (void)state;
    static const struct step steps[] = {
        SV("+OK ready\r\n"),
        CL("AUTH LOGIN\r\n"),
        SV("+ VXNlciBOYW1l\r\n"),          /* "User Name" */
        CL("Ym9i\r\n"),                    /* "bob" */
        SV("+ UGFzc3dvcmQ=\r\n"),          /* "Password" */
        CL("c2VjcmV0\r\n"),                /* "secret" */
        SV("+OK in\r\n"),
    };
    struct kept k;
    RUN_BOTH(steps, false, &k);
    assert_int_equal(k.auth_count, 1);
    assert_string_equal(k.auth[0].user, "bob");
    assert_string_equal(k.auth[0].password, "secret");
    assert_int_equal(k.auth[0].outcome, OUTCOME_SUCCESS);
}

/* A stale prompt is not reused: "Username:" was answered; the client's
 * next line answers a prompt the capture lost. Reusing "Username:" would
 * print the password as the user; by the draft's order it is the password.
 * (Without the loss the line would answer no prompt at all: held, then a
 * command once the verdict came, as a PIPELINING client's line is.) */
static void test_login_stale_prompt(void **state)
{
    (void)state;
    static const struct step steps[] = {
        SV("+OK ready\r\n"),
        CL("AUTH LOGIN\r\n"),
        SV("+ VXNlcm5hbWU6\r\n"),          /* "Username:" */
        CL("YWxpY2U=\r\n"),
        GAP_SV(16),                        /* "+ UGFzc3dvcmQ6\r\n" lost */
        CL("cHcx\r\n"),                    /* "pw1", answers the lost prompt */
        SV("-ERR [AUTH] failed\r\n"),
    };
    struct kept k;
    RUN_BOTH(steps, false, &k);
    assert_int_equal(k.auth_count, 1);
    assert_string_equal(k.auth[0].user, "alice");
    assert_string_equal(k.auth[0].password, "pw1");
}

/* A client-only capture: after the password the client's next command
 * ("QUIT" decodes as base64) is read as a third answer; a possible secret
 * never replaces the password already taken. */
static void test_possible_secret_keeps_password(void **state)
{
    (void)state;
    static const struct step steps[] = {
        CL("AUTH LOGIN\r\n"),
        CL("YWxpY2U=\r\n"),
        CL("cHcx\r\n"),
        CL("QUIT\r\n"),
    };
    struct kept k;
    RUN_BOTH(steps, false, &k);
    assert_int_equal(k.auth_count, 1);
    assert_string_equal(k.auth[0].user, "alice");
    assert_string_equal(k.auth[0].password, "pw1");
    assert_int_equal(k.auth[0].outcome, OUTCOME_UNKNOWN);
}

/* XOAUTH2 without ^A separators: Dovecot takes all of it as the user name
 * (and fails it); the record shows no user and the whole text redacted. */
static void test_xoauth2_no_separators(void **state)
{
    (void)state;
    /* base64("user=alice auth=Bearer ya29.tok") */
    static const struct step steps[] = {
        SV("+OK ready\r\n"),
        CL("AUTH XOAUTH2 dXNlcj1hbGljZSBhdXRoPUJlYXJlciB5YTI5LnRvaw==\r\n"),
        SV("-ERR [AUTH] Authentication failed.\r\n"),
    };
    struct kept k;
    RUN_BOTH(steps, false, &k);
    assert_int_equal(k.auth_count, 1);
    assert_string_equal(k.auth[0].user, "-");
    assert_string_equal(k.auth[0].password, "user=alice auth=Bearer ya29.tok");
    assert_int_equal(k.auth[0].exposure, EXPOSURE_TOKEN);
}

/* PLAIN and LOGIN answers that are a password's base64 plus junk: Dovecot
 * answers "Invalid base64 data"; the answer is kept as a possible secret
 * with the mechanism's exposure, never as the user. */
static void test_base64_junk(void **state)
{
    (void)state;
    static const struct step plain[] = {
        SV("+OK ready\r\n"),
        CL("AUTH PLAIN AGFsaWNlAGFsaWNlLXNlY3JldC0!\r\n"),
        SV("-ERR [AUTH] Invalid base64 data in initial response\r\n"),
    };
    static const struct step login[] = {
        SV("+OK ready\r\n"),
        CL("AUTH LOGIN\r\n"),
        SV("+ VXNlcm5hbWU6\r\n"),
        CL("YWxpY2Utc2VjcmV0LTE=xyz\r\n"), /* a user-name answer that does not decode */
        SV("-ERR [AUTH] Invalid base64 data in continued response\r\n"),
    };
    struct kept k;
    RUN_BOTH(plain, false, &k);
    assert_int_equal(k.auth_count, 1);
    assert_string_equal(k.auth[0].user, "-");
    assert_string_equal(k.auth[0].password, "AGFsaWNlAGFsaWNlLXNlY3JldC0!");
    assert_int_equal(k.auth[0].exposure, EXPOSURE_CLEARTEXT);
    assert_true(k.anomalies & ((uint64_t)1 << ANOMALY_BAD_BASE64));
    RUN_BOTH(login, false, &k);
    assert_int_equal(k.auth_count, 1);
    assert_string_equal(k.auth[0].user, "-");
    assert_string_equal(k.auth[0].password, "YWxpY2Utc2VjcmV0LTE=xyz");
    assert_int_equal(k.auth[0].exposure, EXPOSURE_CLEARTEXT);
}

/* ------------------------------------------------------------ 12.3 */

#define HEADER_S "SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:995,s\r\n"
#define HEADER_P "SSLproxy: [127.0.0.1]:34649,[2001:db8::24]:47286,[2001:db8::130]:110,p\r\n"

/* The listener stripped the header: the server answers the commands. */
static void test_proxy_header_honoured(void **state)
{
    (void)state;
    static const struct step steps[] = {
        SV("+OK ready\r\n"),
        CL(HEADER_S "USER alice\r\n"),
        SV("+OK\r\n"),
        CL("PASS alice-pw\r\n"),
        SV("+OK Logged in.\r\n"),
        CL("QUIT\r\n"),
        SV("+OK bye\r\n"),
    };
    struct kept k;
    RUN_BOTH(steps, true, &k);
    assert_int_equal(k.auth_count, 1);
    assert_string_equal(k.auth[0].user, "alice");
    assert_string_equal(k.auth[0].password, "alice-pw");
    assert_int_equal(k.auth[0].outcome, OUTCOME_SUCCESS);
    /* The secret crossed the original wire inside TLS. */
    assert_int_equal(k.auth[0].exposure, EXPOSURE_NONE);
    assert_true(k.auth[0].proxy.present);
    assert_true(k.auth[0].proxy.tls);
    assert_int_equal(k.auth[0].proxy.client_port, 47286);
    assert_int_equal(k.auth[0].proxy.server_port, 995);
    assert_int_equal(k.auth[0].proxy.listener_port, 34649);
    static const uint8_t client[4] = { 192, 168, 3, 24 };
    assert_memory_equal(k.auth[0].proxy.client_addr, client, 4);
    assert_true(k.session_proxy.present);
    assert_int_equal(k.commands, 3); /* the header is not a command */
    assert_false(k.anomalies & ((uint64_t)1 << ANOMALY_UNKNOWN_COMMAND));
}

/* "p": the original connection was plain; IPv6 endpoints. */
static void test_proxy_header_plain(void **state)
{
    (void)state;
    static const struct step steps[] = {
        SV("+OK ready\r\n"),
        CL(HEADER_P "AUTH PLAIN AGJvYgBwdw==\r\n"), /* \0bob\0pw */
        SV("-ERR [AUTH] failed\r\n"),
    };
    struct kept k;
    /* The first status is -ERR: taken as the server's answer to the
     * header, so no proxy, and the AUTH has no verdict of its own. */
    RUN_BOTH(steps, true, &k);
    assert_false(k.session_proxy.present);
    static const struct step ok[] = {
        SV("+OK ready\r\n"),
        CL(HEADER_P "CAPA\r\n"),
        SV("+OK\r\nUSER\r\n.\r\n"),
        CL("AUTH PLAIN AGJvYgBwdw==\r\n"),
        SV("-ERR [AUTH] failed\r\n"),
    };
    RUN_BOTH(ok, true, &k);
    assert_int_equal(k.auth_count, 1);
    assert_true(k.auth[0].proxy.present);
    assert_false(k.auth[0].proxy.tls);
    assert_int_equal(k.auth[0].proxy.ip_version, 6);
    assert_int_equal(k.auth[0].exposure, EXPOSURE_CLEARTEXT);
    assert_string_equal(k.auth[0].user, "bob");
}

/* A forged header from an ordinary client: the server answers it -ERR.
 * The replies must pair as the server sent them: no success is made up
 * from the +OK that answered USER. */
static void test_proxy_header_forged(void **state)
{
    (void)state;
    static const struct step steps[] = {
        SV("+OK ready\r\n"),
        CL(HEADER_S "USER bob\r\nPASS guess\r\n"),
        SV("-ERR Unknown command.\r\n+OK\r\n-ERR [AUTH] Authentication failed.\r\n"),
    };
    struct kept k;
    RUN_BOTH(steps, true, &k);
    assert_int_equal(k.auth_count, 1);
    assert_string_equal(k.auth[0].user, "bob");
    assert_int_equal(k.auth[0].outcome, OUTCOME_FAILURE);
    assert_int_equal(k.auth[0].exposure, EXPOSURE_CLEARTEXT);
    assert_false(k.auth[0].proxy.present);
    assert_false(k.session_proxy.present);
    assert_true(k.anomalies & ((uint64_t)1 << ANOMALY_UNKNOWN_COMMAND));
    assert_false(k.anomalies & ((uint64_t)1 << ANOMALY_UNEXPECTED_RESPONSE));
}

/* Not allowed (port 110: POP3 by port), not the first line, or not exact:
 * just a client line. */
static void test_proxy_header_ignored(void **state)
{
    (void)state;
    static const struct step on_110[] = {
        SV("+OK ready\r\n"),
        CL(HEADER_S),
        SV("-ERR Unknown command.\r\n"),
        CL("USER bob\r\n"),
        SV("+OK\r\n"),
        CL("PASS pw\r\n"),
        SV("+OK in\r\n"),
    };
    struct kept k;
    RUN_BOTH(on_110, false, &k);
    assert_int_equal(k.auth_count, 1);
    assert_false(k.auth[0].proxy.present);
    assert_int_equal(k.auth[0].exposure, EXPOSURE_CLEARTEXT);
    assert_int_equal(k.commands, 3);
    static const struct step second[] = {
        SV("+OK ready\r\n"),
        CL("CAPA\r\n"),
        SV("+OK\r\n.\r\n"),
        CL(HEADER_S),
        SV("-ERR Unknown command.\r\n"),
    };
    RUN_BOTH(second, true, &k);
    assert_false(k.session_proxy.present);
    assert_int_equal(k.commands, 2);
    static const struct step sloppy[] = {
        SV("+OK ready\r\n"),
        CL("SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:995,s junk\r\nCAPA\r\n"),
        SV("-ERR Unknown command.\r\n+OK\r\n.\r\n"),
    };
    RUN_BOTH(sloppy, true, &k);
    assert_false(k.session_proxy.present);
    assert_int_equal(k.commands, 2);
}

/* The server's first status after the header was lost: nobody can tell
 * whether it answered the header, so the header stays a client line. */
static void test_proxy_header_gap(void **state)
{
    (void)state;
    struct pop3_limits lim = { POP3_DEFAULT_MAX_LINE, POP3_DEFAULT_MAX_PENDING };
    struct event_flow flow;
    struct event_time t = { 1000, 0 };
    struct kept k;
    static const char *const lines[] = { "+OK ready\r\n", HEADER_S "USER bob\r\n", "+OK\r\n",
                                         "PASS pw\r\n", "+OK in\r\n" };

    memset(&flow, 0, sizeof flow);
    memset(&k, 0, sizeof k);
    struct pop3_session *s = pop3_session_new(&lim, &flow, t, sink, &k);
    assert_non_null(s);
    pop3_session_allow_proxy_header(s);
    pop3_session_feed(s, POP3_FROM_SERVER, (const uint8_t *)lines[0], strlen(lines[0]), t);
    pop3_session_feed(s, POP3_FROM_CLIENT, (const uint8_t *)lines[1], strlen(lines[1]), t);
    pop3_session_gap(s, POP3_FROM_SERVER, 23, t); /* "-ERR Unknown command.\r\n"? or nothing */
    pop3_session_feed(s, POP3_FROM_SERVER, (const uint8_t *)lines[2], strlen(lines[2]), t);
    pop3_session_feed(s, POP3_FROM_CLIENT, (const uint8_t *)lines[3], strlen(lines[3]), t);
    pop3_session_feed(s, POP3_FROM_SERVER, (const uint8_t *)lines[4], strlen(lines[4]), t);
    pop3_session_end(s, END_FIN, t);
    pop3_session_free(s);
    assert_int_equal(k.auth_count, 1);
    assert_false(k.auth[0].proxy.present);
    assert_false(k.session_proxy.present);
    assert_int_equal(k.auth[0].exposure, EXPOSURE_CLEARTEXT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_password_first),
        cmocka_unit_test(test_login_prompt_variants),
        cmocka_unit_test(test_login_stale_prompt),
        cmocka_unit_test(test_possible_secret_keeps_password),
        cmocka_unit_test(test_xoauth2_no_separators),
        cmocka_unit_test(test_base64_junk),
        cmocka_unit_test(test_proxy_header_honoured),
        cmocka_unit_test(test_proxy_header_plain),
        cmocka_unit_test(test_proxy_header_forged),
        cmocka_unit_test(test_proxy_header_ignored),
        cmocka_unit_test(test_proxy_header_gap),
    };
    return cmocka_run_group_tests_name("pop3_secrets", tests, NULL, NULL);
}
