/* The passive POP3 tracker: every event of a conversation, serialized with
 * all its fields, must match what a person worked out from the RFCs; and
 * the same conversation cut into any pieces must give the same events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "body_skim.h"
#include "event.h"
#include "pop3.h"
#include "pop3_command.h"
#include "pop3_reply.h"
#include "test_pop3_sessions.h"

/* ------------------------------------------------------------ the sink */

struct test_sink {
    char *text;
    size_t len;
    size_t cap;
    unsigned sessions;
};

static void test_append(struct test_sink *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void test_append(struct test_sink *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *grown = realloc(t->text, cap);

        assert_non_null(grown);
        t->text = grown;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->text + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* Absent prints "-"; bytes print quoted, non-printables as \xHH. */
static void test_append_bytes(struct test_sink *t, const char *key, struct bytes b)
{
    if (b.data == NULL) {
        test_append(t, " %s=-", key);
        return;
    }
    test_append(t, " %s=\"", key);
    for (size_t i = 0; i < b.len; i++) {
        uint8_t c = b.data[i];

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            test_append(t, "%c", c);
        else
            test_append(t, "\\x%02x", c);
    }
    test_append(t, "\"");
}

static void test_append_time(struct test_sink *t, const char *key, struct event_time ts)
{
    test_append(t, " %s=%lld.%06u", key, (long long)ts.sec, (unsigned)ts.usec);
}

static void test_append_auth(struct test_sink *t, const struct event_auth *a)
{
    test_append(t, "auth");
    test_append_time(t, "t", a->ts);
    test_append(t, " flow=%llu #%u method=%s", (unsigned long long)a->flow->flow_id, a->attempt,
                a->method != NULL ? a->method : "(null)");
    test_append_bytes(t, "user", a->user);
    test_append_bytes(t, "authzid", a->authzid);
    test_append(t, " outcome=%s exposure=%s", event_outcome_name(a->outcome), event_exposure_name(a->exposure));
    test_append_bytes(t, "password", a->password);
    test_append_bytes(t, "response", a->response);
    test_append(t, " code=%s", a->resp_code != NULL ? a->resp_code : "-");
    test_append(t, " valid=%s", a->credentials_valid == TRISTATE_YES  ? "yes"
                                : a->credentials_valid == TRISTATE_NO ? "no"
                                                                      : "?");
    /* Shown only when present, so most expectations stay short. */
    if (a->realm.data != NULL)
        test_append_bytes(t, "realm", a->realm);
    if (a->crack.data != NULL)
        test_append_bytes(t, "crack", a->crack);
    test_append(t, "\n");
}

/* Shown only once the session learnt something about the server. */
static void test_append_capa(struct test_sink *t, const struct event_session *e)
{
    const char *sep = "";

    if (!e->capa_seen && !e->stls_offered && e->capabilities == 0)
        return;
    test_append(t, " stls_offered=%s capa=", e->stls_offered ? "yes" : "no");
    if (!e->capa_seen) {
        test_append(t, "-");
    } else {
        test_append(t, "[");
        for (unsigned i = 0; i < CAPA_COUNT; i++) {
            if (e->capabilities & ((uint32_t)1 << i)) {
                test_append(t, "%s%s", sep, event_capa_name((enum event_capa)i));
                sep = ",";
            }
        }
        test_append(t, "]");
    }
    test_append_bytes(t, "sasl", e->sasl_mechanisms);
    test_append_bytes(t, "impl", e->implementation);
}

static void test_append_anomalies(struct test_sink *t, uint64_t bits)
{
    const char *sep = "";

    test_append(t, " anomalies=[");
    for (unsigned i = 0; i < ANOMALY_COUNT; i++) {
        if (bits & ((uint64_t)1 << i)) {
            test_append(t, "%s%s", sep, event_anomaly_name((enum event_anomaly)i));
            sep = ",";
        }
    }
    test_append(t, "]\n");
}

static void test_append_session(struct test_sink *t, const struct event_session *e)
{
    test_append(t, "session");
    test_append_time(t, "start", e->ts_start);
    test_append_time(t, "end", e->ts_end);
    test_append(t, " flow=%llu", (unsigned long long)e->flow->flow_id);
    test_append_bytes(t, "banner", e->banner);
    test_append_bytes(t, "apop", e->apop_timestamp);
    test_append_bytes(t, "user", e->user);
    test_append(t, " method=%s attempts=%u failures=%u tls=%s", e->auth_method != NULL ? e->auth_method : "-",
                e->auth_attempts, e->auth_failures, event_tls_name(e->tls));
    if (e->maildrop_known && e->maildrop_octets_known)
        test_append(t, " maildrop=%llu/%llu", (unsigned long long)e->maildrop_messages,
                    (unsigned long long)e->maildrop_octets);
    else if (e->maildrop_known)
        test_append(t, " maildrop=%llu/-", (unsigned long long)e->maildrop_messages);
    else
        test_append(t, " maildrop=-");
    test_append(t, " retr=%llu/%llu top=%llu dele=%llu committed=%s deleted=%llu commands=%llu",
                (unsigned long long)e->retr_count, (unsigned long long)e->retr_octets,
                (unsigned long long)e->top_count, (unsigned long long)e->dele_count,
                e->deletions_committed ? "yes" : "no", (unsigned long long)e->messages_deleted,
                (unsigned long long)e->commands);
    test_append(t, " bytes=%llu/%llu end=%s gap=%llu", (unsigned long long)e->client_bytes,
                (unsigned long long)e->server_bytes, event_end_name(e->end), (unsigned long long)e->gap_bytes);
    test_append_capa(t, e);
    test_append_anomalies(t, e->anomalies);
}

static void test_sink_fn(void *ctx, const struct event *ev)
{
    struct test_sink *t = ctx;

    /* Nothing may follow the session event. */
    assert_int_equal(t->sessions, 0);
    if (ev->type == EVENT_AUTH) {
        test_append_auth(t, &ev->u.auth);
    } else {
        t->sessions++;
        test_append_session(t, &ev->u.session);
    }
}

/* ------------------------------------------------------------ running scripts */

static struct event_time test_time(size_t step)
{
    struct event_time t = { 1000 + (int64_t)step, 0 };

    return t;
}

static struct pop3_session *test_session_in(struct pop3_pool *pool, const struct test_script *sc,
                                            struct test_sink *sink)
{
    struct pop3_limits lim = { POP3_DEFAULT_MAX_LINE, POP3_DEFAULT_MAX_PENDING };
    struct event_flow flow;
    struct pop3_session *s;

    memset(&flow, 0, sizeof flow);
    flow.flow_id = 7;
    flow.ip_version = 4;
    flow.server_port = 110;
    if (sc->max_line != 0)
        lim.max_line = sc->max_line;
    if (sc->max_pending != 0)
        lim.max_pending = sc->max_pending;
    s = pop3_session_new_in(pool, &lim, &flow, test_time(0), test_sink_fn, sink);
    assert_non_null(s);
    if (sc->implicit_tls)
        pop3_session_set_implicit_tls(s);
    return s;
}

static struct pop3_session *test_session(const struct test_script *sc, struct test_sink *sink)
{
    return test_session_in(NULL, sc, sink);
}

/* cut: 0 feeds the step whole, SIZE_MAX byte by byte, otherwise in two
 * pieces split at that offset. */
static void test_feed_step(struct pop3_session *s, const struct test_step *st, struct event_time ts, size_t cut)
{
    enum pop3_direction dir = st->kind == STEP_CLIENT || st->kind == STEP_GAP_CLIENT ? POP3_FROM_CLIENT
                                                                                     : POP3_FROM_SERVER;
    const uint8_t *p = (const uint8_t *)st->text;

    if (st->kind == STEP_GAP_CLIENT || st->kind == STEP_GAP_SERVER) {
        pop3_session_gap(s, dir, st->missing, ts);
    } else if (cut == SIZE_MAX) {
        for (size_t i = 0; i < st->len; i++)
            pop3_session_feed(s, dir, p + i, 1, ts);
    } else if (cut > 0 && cut < st->len) {
        pop3_session_feed(s, dir, p, cut, ts);
        pop3_session_feed(s, dir, p + cut, st->len - cut, ts);
    } else {
        pop3_session_feed(s, dir, p, st->len, ts);
    }
}

/* Runs a script; step `cut_step` is cut at `cut` (see test_feed_step), or
 * every step when cut_step is SIZE_MAX. Returns the serialized events. */
static char *test_run_in(struct pop3_pool *pool, const struct test_script *sc, size_t cut_step, size_t cut)
{
    struct test_sink sink = { NULL, 0, 0, 0 };
    struct pop3_session *s = test_session_in(pool, sc, &sink);

    for (size_t i = 0; i < sc->count; i++)
        test_feed_step(s, &sc->steps[i], test_time(i + 1), (cut_step == SIZE_MAX || cut_step == i) ? cut : 0);
    pop3_session_end(s, sc->end, test_time(sc->count + 1));
    pop3_session_end(s, sc->end, test_time(sc->count + 2)); /* a second end is ignored */
    pop3_session_free(s);
    assert_int_equal(sink.sessions, 1);
    return sink.text;
}

static char *test_run(const struct test_script *sc, size_t cut_step, size_t cut)
{
    return test_run_in(NULL, sc, cut_step, cut);
}

static void test_script_expected(void **state)
{
    const struct test_script *sc = *state;
    char *got = test_run(sc, 0, 0);

    assert_string_equal(got, sc->expected);
    free(got);
}

/* Any split of the byte stream into feed calls gives identical events. */
static void test_script_splits(void **state)
{
    const struct test_script *sc = *state;
    char *whole = test_run(sc, 0, 0);
    char *got;

    for (size_t i = 0; i < sc->count; i++) {
        for (size_t cut = 1; cut < sc->steps[i].len; cut++) {
            got = test_run(sc, i, cut);
            if (strcmp(got, whole) != 0)
                fail_msg("%s: step %zu cut at %zu gives\n%s\ninstead of\n%s", sc->name, i, cut, got, whole);
            free(got);
        }
    }
    got = test_run(sc, SIZE_MAX, SIZE_MAX);
    if (strcmp(got, whole) != 0)
        fail_msg("%s: byte by byte gives\n%s\ninstead of\n%s", sc->name, got, whole);
    free(got);
    free(whole);
}

/* Pieces of pseudo-random sizes (a fixed LCG: no clock, reproducible). */
static void test_random_chunks(void **state)
{
    uint32_t seed = 12345;

    (void)state;
    for (size_t k = 0; k < TEST_SCRIPT_COUNT; k++) {
        const struct test_script *sc = &test_scripts[k];
        char *whole = test_run(sc, 0, 0);

        for (int round = 0; round < 20; round++) {
            struct test_sink sink = { NULL, 0, 0, 0 };
            struct pop3_session *s = test_session(sc, &sink);

            for (size_t i = 0; i < sc->count; i++) {
                const struct test_step *st = &sc->steps[i];
                size_t pos = 0;

                if (st->text == NULL) {
                    test_feed_step(s, st, test_time(i + 1), 0);
                    continue;
                }
                while (pos < st->len) {
                    size_t n;

                    seed = seed * 1103515245u + 12345u;
                    n = 1 + (seed >> 16) % 7;
                    if (n > st->len - pos)
                        n = st->len - pos;
                    pop3_session_feed(s, st->kind == STEP_CLIENT ? POP3_FROM_CLIENT : POP3_FROM_SERVER,
                                      (const uint8_t *)st->text + pos, n, test_time(i + 1));
                    pos += n;
                }
            }
            pop3_session_end(s, sc->end, test_time(sc->count + 1));
            pop3_session_free(s);
            if (strcmp(sink.text, whole) != 0)
                fail_msg("%s: random pieces give\n%s\ninstead of\n%s", sc->name, sink.text, whole);
            free(sink.text);
        }
        free(whole);
    }
}

/* ------------------------------------------------------------ hostile input */

/* Pseudo-random bytes drawn mostly from POP3's own alphabet, with tiny
 * limits, in both directions: no crash (ASan/UBSan), exactly one session. */
static void test_hostile_bytes(void **state)
{
    static const char alphabet[] = "+OK-ERR .\r\n\r\n\0*=USERPASSAUTH PLAIN LOGIN RETR LIST CAPA STLS QUIT DELE";
    struct test_step none[] = { SV("") };
    struct test_script sc = { "hostile", none, 0, 64, 3, END_RST, false, "" };
    uint32_t seed = 99;
    uint8_t buf[97];

    (void)state;
    for (int round = 0; round < 300; round++) {
        struct test_sink sink = { NULL, 0, 0, 0 };
        struct pop3_session *s = test_session(&sc, &sink);

        for (int chunk = 0; chunk < 40; chunk++) {
            size_t n;

            seed = seed * 1103515245u + 12345u;
            n = (seed >> 8) % sizeof buf;
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                /* Mostly POP3's own alphabet, one byte in eight anything. */
                if ((seed >> 24) % 8 == 0)
                    buf[i] = (uint8_t)(seed >> 16);
                else
                    buf[i] = (uint8_t)alphabet[(seed >> 16) % (sizeof alphabet - 1)];
            }
            if ((seed >> 4) % 23 == 0)
                pop3_session_gap(s, (enum pop3_direction)(chunk & 1), n, test_time(1));
            else
                pop3_session_feed(s, (enum pop3_direction)(chunk & 1), buf, n, test_time((size_t)chunk));
        }
        pop3_session_end(s, END_RST, test_time(50));
        pop3_session_free(s);
        assert_int_equal(sink.sessions, 1);
        free(sink.text);
    }
}

/* Absurd limits are clamped (max_pending 0 becomes 1, so PASS does not fit
 * the ring and is reported unknown at once), NULL arguments are refused,
 * and calls after the end change nothing. */
/* A secret longer than its field is cut to fit and reported, never
 * passed off as whole: an auditor must know the password shown is partial. */
static void test_long_secret_is_flagged(void **state)
{
    static char line[2500 + sizeof "PASS \r\n"];
    struct test_step steps[] = {
        SV("+OK ready\r\n"),
        CL("USER u\r\n"),
        SV("+OK\r\n"),
        { STEP_CLIENT, line, 0, 0 },
        SV("-ERR no\r\n"),
    };
    struct test_script sc = { "long_secret", steps, 5, 0, 0, END_FIN, false, NULL };
    char *got;

    (void)state;
    memcpy(line, "PASS ", 5);
    memset(line + 5, 'p', 2500);
    memcpy(line + 5 + 2500, "\r\n", 2);
    steps[3].len = 5 + 2500 + 2;
    got = test_run(&sc, 0, 0);
    assert_non_null(strstr(got, "field_truncated"));
    assert_non_null(strstr(got, "outcome=failure"));
    free(got);
}

static void test_api_edges(void **state)
{
    struct pop3_limits zero = { 0, 0 };
    struct test_sink sink = { NULL, 0, 0, 0 };
    struct event_flow flow;
    struct pop3_session *s;
    const uint8_t cmd[] = "USER a\r\nPASS b\r\n";

    (void)state;
    memset(&flow, 0, sizeof flow);
    pop3_session_feed(NULL, POP3_FROM_CLIENT, cmd, sizeof cmd - 1, test_time(1));
    pop3_session_gap(NULL, POP3_FROM_CLIENT, 1, test_time(1));
    pop3_session_end(NULL, END_FIN, test_time(1));
    pop3_session_free(NULL);
    assert_int_equal(pop3_session_is_encrypted(NULL), 0);

    s = pop3_session_new(&zero, &flow, test_time(0), test_sink_fn, &sink);
    assert_non_null(s);
    pop3_session_feed(s, POP3_FROM_CLIENT, NULL, 5, test_time(1));
    pop3_session_feed(s, (enum pop3_direction)7, cmd, sizeof cmd - 1, test_time(1));
    pop3_session_feed(s, POP3_FROM_CLIENT, cmd, sizeof cmd - 1, test_time(1));
    pop3_session_note_anomaly(s, ANOMALY_OVERLAP_CONFLICT);
    pop3_session_count(s, POP3_FROM_SERVER, 10, test_time(2));
    pop3_session_end(s, END_SHUTDOWN, test_time(3));
    pop3_session_feed(s, POP3_FROM_CLIENT, cmd, sizeof cmd - 1, test_time(4));
    pop3_session_end(s, END_FIN, test_time(5));
    pop3_session_free(s);
    assert_string_equal(sink.text,
                        "auth t=1001.000000 flow=0 #1 method=USER user=\"a\" authzid=- outcome=unknown "
                        "exposure=cleartext password=\"b\" response=- code=- valid=?\n"
                        "session start=1000.000000 end=1003.000000 flow=0 banner=- apop=- user=- method=- "
                        "attempts=1 failures=0 tls=none maildrop=- retr=0/0 top=0 dele=0 committed=no deleted=0 "
                        "commands=2 bytes=16/10 end=shutdown gap=0 "
                        "anomalies=[pipeline_overflow,no_greeting,overlap_conflict]\n");
    free(sink.text);
}

/* mpop keeps up to 100 commands unanswered (its POP3_PIPELINE_MAX): the
 * default queue must pair all of them, with no overflow. */
static void test_mpop_window(void **state)
{
    enum { WINDOW = 100 };
    struct test_step none[] = { SV("") };
    struct test_script sc = { "mpop", none, 0, 0, 0, END_FIN, false, "" };
    struct test_sink sink = { NULL, 0, 0, 0 };
    struct pop3_session *s = test_session(&sc, &sink);
    static char burst[WINDOW * 16], replies[WINDOW * 64];
    size_t n = 0, m = 0;

    (void)state;
    for (int i = 1; i <= WINDOW; i++) {
        n += (size_t)snprintf(burst + n, sizeof burst - n, "RETR %d\r\n", i);
        m += (size_t)snprintf(replies + m, sizeof replies - m, "+OK 4 octets\r\n..x\r\n.\r\n");
    }
    pop3_session_feed(s, POP3_FROM_SERVER, (const uint8_t *)"+OK hi\r\n", 8, test_time(1));
    pop3_session_feed(s, POP3_FROM_CLIENT, (const uint8_t *)"USER a\r\nPASS b\r\n", 16, test_time(2));
    pop3_session_feed(s, POP3_FROM_SERVER, (const uint8_t *)"+OK\r\n+OK\r\n", 10, test_time(3));
    pop3_session_feed(s, POP3_FROM_CLIENT, (const uint8_t *)burst, n, test_time(4));
    pop3_session_feed(s, POP3_FROM_SERVER, (const uint8_t *)replies, m, test_time(5));
    pop3_session_end(s, END_FIN, test_time(6));
    pop3_session_free(s);
    /* Each body is ".x" CRLF once un-stuffed: 4 octets. */
    assert_non_null(strstr(sink.text, " retr=100/400 "));
    assert_non_null(strstr(sink.text, " anomalies=[]\n"));
    free(sink.text);
}

/* Feeds one RETR exchange whose body is `body` (then CRLF "." CRLF), the
 * server side in pieces of `piece` bytes (0: whole); returns the events. */
static char *test_run_body(const uint8_t *body, size_t len, size_t piece)
{
    struct test_step none[] = { SV("") };
    struct test_script sc = { "body", none, 0, 0, 0, END_FIN, false, "" };
    struct test_sink sink = { NULL, 0, 0, 0 };
    struct pop3_session *s = test_session(&sc, &sink);
    static uint8_t reply[1024];
    size_t n = 0;

    assert_true(len + 16 <= sizeof reply);
    memcpy(reply, "+OK\r\n", 5);
    n = 5;
    memcpy(reply + n, body, len);
    n += len;
    memcpy(reply + n, "\r\n.\r\n", 5);
    n += 5;
    pop3_session_feed(s, POP3_FROM_SERVER, (const uint8_t *)"+OK hi\r\n", 8, test_time(1));
    pop3_session_feed(s, POP3_FROM_CLIENT, (const uint8_t *)"RETR 1\r\n", 8, test_time(2));
    for (size_t i = 0; i < n; i += piece == 0 ? n : piece)
        pop3_session_feed(s, POP3_FROM_SERVER, reply + i, piece == 0 || n - i < piece ? n - i : piece, test_time(3));
    pop3_session_end(s, END_FIN, test_time(4));
    pop3_session_free(s);
    return sink.text;
}

/* The body skim takes 16 and 64 bytes at a time (SSE2) or a line at a
 * time: wherever a '.', a bare CR, a CRLF or a bare LF falls against those
 * blocks, it must count and flag what the byte-by-byte path does (a piece
 * of one byte never reaches the wide skim). Bodies are drawn mostly from
 * ordinary bytes and line ends, so most lines are long enough to cross a
 * block edge. */
static void test_body_skim_matches_bytewise(void **state)
{
    static const char rare[] = ".\r\n.\r.\n..";
    uint32_t seed = 777;
    uint8_t body[900];

    (void)state;
    for (int round = 0; round < 3000; round++) {
        size_t len, density;
        char *bytewise;

        seed = seed * 1103515245u + 12345u;
        len = 1 + (seed >> 8) % (sizeof body - 1);
        density = 2 + (seed >> 20) % 60; /* one special byte in `density` */
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % density != 0)
                body[i] = (uint8_t)('a' + (seed >> 24) % 26);
            else if ((seed >> 12) % 4 == 0)
                body[i] = (uint8_t)rare[(seed >> 24) % (sizeof rare - 1)];
            else if (i + 1 < len)
                memcpy(body + i++, "\r\n", 2);
            else
                body[i] = '\n';
        }
        bytewise = test_run_body(body, len, 1);
        for (size_t piece = 0; piece <= 80; piece += piece < 20 ? 7 : 29) {
            char *got = test_run_body(body, len, piece);

            if (strcmp(got, bytewise) != 0)
                fail_msg("round %d (%zu bytes, pieces of %zu) gives\n%s\ninstead of\n%s", round, len, piece, got,
                         bytewise);
            free(got);
        }
        free(bytewise);
    }
}

/* This file is built three times (Makefile.am): each build must run the
 * tracker on the skim variant it is meant to test, or two of the three
 * runs would test the same code. */
static void test_body_skim_variant_as_built(void **state)
{
    enum body_skim_variant want = BODY_SKIM_PORTABLE;

    (void)state;
#if defined(__SSE2__) && defined(__GNUC__) && !defined(POP3_SKIM_PORTABLE)
    want = BODY_SKIM_SSE2;
#if defined(__x86_64__) && !defined(POP3_SKIM_NO_AVX2)
    if (__builtin_cpu_supports("avx2"))
        want = BODY_SKIM_AVX2;
#endif
#endif
    assert_int_equal(body_skim_variant(), want);
}

/* The stats event multiplies this by the live sessions: it must follow
 * the limits as the tracker applies them (clamped), and grow with the two
 * line buffers. */
static void test_session_size(void **state)
{
    struct pop3_limits tiny = { 1, 0 }, least = { 64, 1 }, wide = { 8192, 512 };
    struct pop3_limits defaults = { POP3_DEFAULT_MAX_LINE, POP3_DEFAULT_MAX_PENDING };

    (void)state;
    assert_true(pop3_session_size(NULL) > 0);
    assert_int_equal(pop3_session_size(NULL), pop3_session_size(&defaults));
    assert_int_equal(pop3_session_size(&tiny), pop3_session_size(&least));
    assert_true(pop3_session_size(&wide) >= pop3_session_size(&defaults) + 2 * (8192 - POP3_DEFAULT_MAX_LINE));
}

/* A tracker taken from the pool must start as clean as a new one: every
 * script, each run on the tracker the one before it left (in every state
 * a script can leave: mid-body, mid-AUTH, TLS, gaps...), must still give
 * exactly its events. */
static void test_pool_reuse(void **state)
{
    struct pop3_pool *pool = pop3_pool_new(2);
    struct test_sink sink = { NULL, 0, 0, 0 };
    struct pop3_limits small = { 128, 4 };
    struct pop3_session *a, *b, *c;
    struct event_flow flow;

    (void)state;
    assert_non_null(pool);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < TEST_SCRIPT_COUNT; k++) {
            char *got = test_run_in(pool, &test_scripts[k], 0, 0);

            if (strcmp(got, test_scripts[k].expected) != 0)
                fail_msg("%s on a reused tracker gives\n%s\ninstead of\n%s", test_scripts[k].name, got,
                         test_scripts[k].expected);
            free(got);
        }
    }
    /* Reuse happens (same limits), and only with the same limits. */
    memset(&flow, 0, sizeof flow);
    a = pop3_session_new_in(pool, NULL, &flow, test_time(0), test_sink_fn, &sink);
    assert_non_null(a);
    pop3_session_free(a);
    b = pop3_session_new_in(pool, NULL, &flow, test_time(0), test_sink_fn, &sink);
    assert_ptr_equal(a, b);
    c = pop3_session_new_in(pool, &small, &flow, test_time(0), test_sink_fn, &sink);
    assert_non_null(c);
    assert_ptr_not_equal(c, b);
    pop3_session_free(c); /* the pool takes it: it was empty */
    pop3_session_free(b); /* another size: freed */
    pop3_pool_free(pool);
    pop3_pool_free(NULL);
    free(sink.text);
}

static void test_implicit_tls_is_encrypted(void **state)
{
    struct test_sink sink = { NULL, 0, 0, 0 };
    struct test_step none[] = { SV("") };
    struct test_script sc = { "tls", none, 0, 0, 0, END_FIN, true, "" };
    struct pop3_session *s = test_session(&sc, &sink);

    (void)state;
    assert_int_equal(pop3_session_is_encrypted(s), 1);
    pop3_session_end(s, END_FIN, test_time(1));
    pop3_session_free(s);
    free(sink.text);
}

/* ------------------------------------------------------------ the tables */

static void test_command_lookup(void **state)
{
    const uint8_t xsender[] = "xSeNdEr";
    const uint8_t long_word[] = "XSENDERS";

    (void)state;
    assert_int_equal(pop3_command_lookup((const uint8_t *)"user", 4)->id, POP3_CMD_USER);
    assert_int_equal(pop3_command_lookup((const uint8_t *)"Top", 3)->id, POP3_CMD_TOP);
    assert_int_equal(pop3_command_lookup(xsender, sizeof xsender - 1)->id, POP3_CMD_XSENDER);
    assert_int_equal(pop3_command_lookup(long_word, sizeof long_word - 1)->id, POP3_CMD_UNKNOWN);
    assert_int_equal(pop3_command_lookup((const uint8_t *)"US", 2)->id, POP3_CMD_UNKNOWN);
    /* Words are compared packed with NULs: a NUL in the word is not padding. */
    assert_int_equal(pop3_command_lookup((const uint8_t *)"USER\0", 5)->id, POP3_CMD_UNKNOWN);
    assert_int_equal(pop3_command_lookup((const uint8_t *)"TOP\0", 4)->id, POP3_CMD_UNKNOWN);
    assert_int_equal(pop3_command_lookup((const uint8_t *)"TO\0", 3)->id, POP3_CMD_UNKNOWN);
    assert_int_equal(pop3_command_lookup((const uint8_t *)"user", 3)->id, POP3_CMD_UNKNOWN);
    assert_int_equal(pop3_command_lookup((const uint8_t *)"", 0)->id, POP3_CMD_UNKNOWN);
    assert_int_equal(pop3_command_lookup(NULL, 4)->id, POP3_CMD_UNKNOWN);
    assert_int_equal(pop3_command_info((enum pop3_command_id)999)->id, POP3_CMD_UNKNOWN);
    for (int id = 0; id < POP3_CMD_UNKNOWN; id++) {
        const struct pop3_command_info *info = pop3_command_info((enum pop3_command_id)id);

        assert_int_equal(info->id, id);
        assert_ptr_equal(pop3_command_lookup((const uint8_t *)info->keyword, strlen(info->keyword)), info);
    }
    assert_string_equal(pop3_state_name(POP3_STATE_TRANSACTION), "transaction");
    assert_string_equal(pop3_state_name((enum pop3_state)99), "invalid");
}

/* Suricata's rule: LIST/UIDL list only when bare, RETR/TOP/CAPA always. */
static void test_command_bodies(void **state)
{
    (void)state;
    assert_true(pop3_command_has_body(pop3_command_info(POP3_CMD_LIST), false));
    assert_false(pop3_command_has_body(pop3_command_info(POP3_CMD_LIST), true));
    assert_true(pop3_command_has_body(pop3_command_info(POP3_CMD_UIDL), false));
    assert_false(pop3_command_has_body(pop3_command_info(POP3_CMD_UIDL), true));
    assert_true(pop3_command_has_body(pop3_command_info(POP3_CMD_RETR), true));
    assert_true(pop3_command_has_body(pop3_command_info(POP3_CMD_TOP), true));
    assert_true(pop3_command_has_body(pop3_command_info(POP3_CMD_CAPA), false));
    assert_true(pop3_command_has_body(pop3_command_info(POP3_CMD_AUTH), false));
    assert_false(pop3_command_has_body(pop3_command_info(POP3_CMD_AUTH), true));
    assert_false(pop3_command_has_body(pop3_command_info(POP3_CMD_STAT), false));
    assert_false(pop3_command_has_body(pop3_command_info(POP3_CMD_UNKNOWN), false));
}

static void test_command_parse(void **state)
{
    struct pop3_command_line c;
    const uint8_t pass[] = "PASS  two  spaces ";
    const uint8_t list[] = "LIST   ";
    const uint8_t auth[] = "AUTH  PLAIN   =";
    struct bytes w;

    (void)state;
    pop3_command_parse(pass, sizeof pass - 1, &c);
    assert_int_equal(c.info->id, POP3_CMD_PASS);
    assert_int_equal(c.arg.len, 13);
    assert_memory_equal(c.arg.data, " two  spaces ", 13);
    pop3_command_parse(list, sizeof list - 1, &c);
    assert_int_equal(c.info->id, POP3_CMD_LIST);
    assert_false(c.has_arg);
    pop3_command_parse(auth, sizeof auth - 1, &c);
    assert_true(c.has_arg);
    w = pop3_command_word(c.arg, 0);
    assert_int_equal(w.len, 5);
    assert_memory_equal(w.data, "PLAIN", 5);
    w = pop3_command_word(c.arg, 1);
    assert_int_equal(w.len, 1);
    assert_memory_equal(w.data, "=", 1);
    assert_null(pop3_command_word(c.arg, 2).data);
    pop3_command_parse((const uint8_t *)"STAT", 4, &c);
    assert_null(c.arg.data);
    assert_false(c.has_arg);
}

static void test_reply_parse(void **state)
{
    struct pop3_reply r;
    const uint8_t in_use[] = "-ERR [IN-USE] Do you have another POP session running?";
    const uint8_t unclosed[] = "-ERR [SYS/TEMP no close";
    const uint8_t ctl[] = "-ERR [A\tB] x";

    (void)state;
    pop3_reply_parse(in_use, sizeof in_use - 1, &r);
    assert_int_equal(r.kind, POP3_REPLY_ERR);
    assert_int_equal(r.code.len, 6);
    assert_memory_equal(r.code.data, "IN-USE", 6);
    assert_int_equal(r.text.len, strlen("Do you have another POP session running?"));
    pop3_reply_parse(unclosed, sizeof unclosed - 1, &r);
    assert_null(r.code.data);
    assert_int_equal(r.text.len, strlen("[SYS/TEMP no close"));
    pop3_reply_parse(ctl, sizeof ctl - 1, &r);
    assert_null(r.code.data);
    pop3_reply_parse((const uint8_t *)"+OKAY", 5, &r);
    assert_int_equal(r.kind, POP3_REPLY_OTHER);
    pop3_reply_parse((const uint8_t *)"+oK", 3, &r);
    assert_int_equal(r.kind, POP3_REPLY_OK);
    assert_int_equal(r.rest.len, 0);
    pop3_reply_parse((const uint8_t *)"+", 1, &r);
    assert_int_equal(r.kind, POP3_REPLY_CONTINUE);
    pop3_reply_parse((const uint8_t *)"+ abc", 5, &r);
    assert_int_equal(r.kind, POP3_REPLY_CONTINUE);
    assert_int_equal(r.text.len, 3);
    pop3_reply_parse((const uint8_t *)"-ERRor", 6, &r);
    assert_int_equal(r.kind, POP3_REPLY_OTHER);
    pop3_reply_parse(NULL, 0, &r);
    assert_int_equal(r.kind, POP3_REPLY_OTHER);
}

static struct bytes test_text(const char *s)
{
    struct bytes b = { (const uint8_t *)s, strlen(s) };

    return b;
}

static void test_reply_numbers(void **state)
{
    uint64_t m = 0, o = 0;
    bool known = false;

    (void)state;
    assert_true(pop3_reply_stat(test_text("2 320"), &m, &o));
    assert_true(m == 2 && o == 320);
    assert_true(pop3_reply_stat(test_text("18446744073709551615 0 extra"), &m, &o));
    assert_true(m == UINT64_MAX && o == 0);
    assert_false(pop3_reply_stat(test_text("18446744073709551616 0"), &m, &o));
    assert_false(pop3_reply_stat(test_text("2"), &m, &o));
    assert_false(pop3_reply_stat(test_text("2 x"), &m, &o));
    assert_false(pop3_reply_stat(test_text("2x 3"), &m, &o));

    assert_true(pop3_reply_maildrop(test_text("3 messages (19191 octets)"), &m, &o, &known));
    assert_true(m == 3 && o == 19191 && known);
    assert_true(pop3_reply_maildrop(test_text("maildrop has 2 messages (320 octets)"), &m, &o, &known));
    assert_true(m == 2 && o == 320);
    assert_true(pop3_reply_maildrop(test_text("alice has 3 visible messages (0 hidden) in 4179 octets."), &m, &o, &known));
    assert_true(m == 3 && o == 4179);
    assert_true(pop3_reply_maildrop(test_text("Mailbox open, 1 message"), &m, &o, &known));
    assert_true(m == 1 && o == 0 && !known);
    assert_false(pop3_reply_maildrop(test_text("Logged in."), &m, &o, &known));
    assert_false(pop3_reply_maildrop(test_text("7 is a lucky number, no messages"), &m, &o, &known));
}

static enum event_capa test_capa(const char *line, const char *args)
{
    enum event_capa capa = CAPA_COUNT;
    struct bytes rest = { NULL, 0 };

    assert_true(pop3_reply_capability((const uint8_t *)line, strlen(line), &capa, &rest));
    assert_non_null(rest.data);
    assert_int_equal(rest.len, strlen(args));
    assert_memory_equal(rest.data, args, rest.len);
    return capa;
}

/* RFC 2449 §6 capability names (any case), RFC 2595 §4 STLS, RFC 6856. */
static void test_reply_capability(void **state)
{
    enum event_capa capa;
    struct bytes rest;

    (void)state;
    assert_int_equal(test_capa("STLS", ""), CAPA_STLS);
    assert_int_equal(test_capa("stls", ""), CAPA_STLS);
    assert_int_equal(test_capa("SASL PLAIN LOGIN", "PLAIN LOGIN"), CAPA_SASL);
    assert_int_equal(test_capa("SASL   CRAM-MD5 ", "CRAM-MD5 "), CAPA_SASL);
    assert_int_equal(test_capa("PIPELINING", ""), CAPA_PIPELINING);
    assert_int_equal(test_capa("IMPLEMENTATION Shlemazle-Plotz-v302", "Shlemazle-Plotz-v302"),
                     CAPA_IMPLEMENTATION);
    assert_int_equal(test_capa("LOGIN-DELAY 900", "900"), CAPA_LOGIN_DELAY);
    assert_int_equal(test_capa("EXPIRE 60 USER", "60 USER"), CAPA_EXPIRE);
    assert_int_equal(test_capa("RESP-CODES", ""), CAPA_RESP_CODES);
    assert_int_equal(test_capa("AUTH-RESP-CODE", ""), CAPA_AUTH_RESP_CODE);
    assert_int_equal(test_capa("TOP", ""), CAPA_TOP);
    assert_int_equal(test_capa("USER", ""), CAPA_USER);
    assert_int_equal(test_capa("UIDL", ""), CAPA_UIDL);
    assert_int_equal(test_capa("UTF8 USER", "USER"), CAPA_UTF8);
    assert_int_equal(test_capa("LANG", ""), CAPA_LANG);
    assert_false(pop3_reply_capability((const uint8_t *)"STLSX", 5, &capa, &rest));
    assert_false(pop3_reply_capability((const uint8_t *)"X-FOO STLS", 10, &capa, &rest));
    assert_false(pop3_reply_capability((const uint8_t *)"", 0, &capa, &rest));
    assert_false(pop3_reply_capability(NULL, 0, &capa, &rest));
}

static void test_reply_stls_banner(void **state)
{
    (void)state;
    assert_true(pop3_reply_mentions_stls(test_text("POP3 ready, STLS available")));
    assert_true(pop3_reply_mentions_stls(test_text("ready (starttls)")));
    assert_true(pop3_reply_mentions_stls(test_text("STLS")));
    assert_false(pop3_reply_mentions_stls(test_text("XSTLS ready")));
    assert_false(pop3_reply_mentions_stls(test_text("STLS-like ready")));
    assert_false(pop3_reply_mentions_stls(test_text("POP3 ready <1.2@host>")));
    assert_true(pop3_reply_code_is(test_text("in-use"), "IN-USE"));
    assert_true(pop3_reply_code_is(test_text("SYS/TEMP"), "SYS/TEMP"));
    assert_false(pop3_reply_code_is(test_text("IN-USED"), "IN-USE"));
}

static void test_reply_uidl(void **state)
{
    uint64_t m = 0;

    (void)state;
    /* RFC 1939 §7 example lines. */
    assert_true(pop3_reply_uidl(test_text("1 whqtswO00WBw418f9t5JxYwZ"), &m));
    assert_true(m == 1);
    assert_true(pop3_reply_uidl(test_text("2 QhdPYR:00WBw1Ph7x7"), &m));
    assert_true(m == 2);
    assert_false(pop3_reply_uidl(test_text("3"), &m));
    assert_false(pop3_reply_uidl(test_text("3 "), &m));
    assert_false(pop3_reply_uidl(test_text("x abc"), &m));
}

/* ------------------------------------------------------------ main */

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_random_chunks),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_api_edges),
        cmocka_unit_test(test_long_secret_is_flagged),
        cmocka_unit_test(test_implicit_tls_is_encrypted),
        cmocka_unit_test(test_mpop_window),
        cmocka_unit_test(test_body_skim_matches_bytewise),
        cmocka_unit_test(test_body_skim_variant_as_built),
        cmocka_unit_test(test_pool_reuse),
        cmocka_unit_test(test_session_size),
        cmocka_unit_test(test_command_lookup),
        cmocka_unit_test(test_command_bodies),
        cmocka_unit_test(test_command_parse),
        cmocka_unit_test(test_reply_parse),
        cmocka_unit_test(test_reply_numbers),
        cmocka_unit_test(test_reply_capability),
        cmocka_unit_test(test_reply_stls_banner),
        cmocka_unit_test(test_reply_uidl),
    };
    struct CMUnitTest tests[sizeof fixed / sizeof fixed[0] + 2 * TEST_SCRIPT_COUNT] = { { 0 } };
    static char names[2 * TEST_SCRIPT_COUNT][64];
    size_t n = sizeof fixed / sizeof fixed[0];

    memcpy(tests, fixed, sizeof fixed);

    for (size_t i = 0; i < TEST_SCRIPT_COUNT; i++) {
        snprintf(names[2 * i], sizeof names[0], "%s", test_scripts[i].name);
        snprintf(names[2 * i + 1], sizeof names[0], "%s_splits", test_scripts[i].name);
        tests[n].name = names[2 * i];
        tests[n].test_func = test_script_expected;
        tests[n].initial_state = (void *)(uintptr_t)&test_scripts[i];
        n++;
        tests[n].name = names[2 * i + 1];
        tests[n].test_func = test_script_splits;
        tests[n].initial_state = (void *)(uintptr_t)&test_scripts[i];
        n++;
    }
    if (n != sizeof tests / sizeof tests[0])
        return 1;
    return cmocka_run_group_tests_name("pop3", tests, NULL, NULL);
}
