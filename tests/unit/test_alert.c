/* Alert detectors: each fires exactly at its threshold and not one event
 * before, windows are measured on packet time with the boundary included,
 * tables stay bounded, and the same events always give the same alerts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alert.h"

#define CAPTURED_MAX 4096

/* A copy of what reached the sink: events are only valid during the call. */
struct captured {
    enum event_type type;
    enum event_alert_kind kind;
    uint64_t count;
    uint64_t threshold;
    uint32_t window;
    int64_t ts;
    int64_t window_start;
    uint64_t flow_id;
    char user[64]; /* "-" when absent */
};

struct recorder {
    struct captured ev[CAPTURED_MAX];
    size_t n;
};

static struct recorder rec_a, rec_b;

static void record(void *ctx, const struct event *ev)
{
    struct recorder *r = ctx;
    struct captured *c;
    struct bytes user = { NULL, 0 };

    assert_true(r->n < CAPTURED_MAX);
    c = &r->ev[r->n++];
    memset(c, 0, sizeof *c);
    c->type = ev->type;
    if (ev->type == EVENT_ALERT) {
        c->kind = ev->u.alert.kind;
        c->count = ev->u.alert.count;
        c->threshold = ev->u.alert.threshold;
        c->window = ev->u.alert.window;
        c->ts = ev->u.alert.ts.sec;
        c->window_start = ev->u.alert.window_start.sec;
        c->flow_id = ev->u.alert.flow != NULL ? ev->u.alert.flow->flow_id : 0;
        user = ev->u.alert.user;
    } else if (ev->type == EVENT_AUTH) {
        c->ts = ev->u.auth.ts.sec;
        c->flow_id = ev->u.auth.flow->flow_id;
        user = ev->u.auth.user;
    } else if (ev->type == EVENT_SESSION) {
        c->ts = ev->u.session.ts_end.sec;
        c->flow_id = ev->u.session.flow->flow_id;
    }
    if (user.data == NULL)
        snprintf(c->user, sizeof c->user, "-");
    else
        snprintf(c->user, sizeof c->user, "%.*s", (int)user.len, (const char *)user.data);
}

/* Every detector off: each test turns on the one it is about, so an alert
 * from another detector cannot make it pass. */
static void quiet_options(struct alert_options *o)
{
    alert_options_default(o);
    o->account_failures = 0;
    o->client_failures = 0;
    o->spray_accounts = 0;
    o->guess_failures = 0;
    o->cleartext = false;
    o->stls_not_used = false;
}

static struct alert *make(const struct alert_options *o, struct recorder *r)
{
    struct alert *a;

    memset(r, 0, sizeof *r);
    a = alert_new(o, record, r);
    assert_non_null(a);
    return a;
}

/* A login attempt from client 10.0.0.C to server 192.0.2.S:110. */
struct login {
    int64_t t; /* packet second */
    uint8_t client;
    uint8_t server;
    const char *user; /* NULL: absent */
    enum event_outcome outcome;
    enum event_exposure exposure;
    const char *resp_code;
};

static uint64_t next_flow_id = 1;

static void make_flow(struct event_flow *f, uint8_t client, uint8_t server, uint64_t id)
{
    memset(f, 0, sizeof *f);
    f->flow_id = id;
    f->ip_version = 4;
    f->client_addr[0] = 10;
    f->client_addr[3] = client;
    f->server_addr[0] = 192;
    f->server_addr[2] = 2;
    f->server_addr[3] = server;
    f->client_port = (uint16_t)(40000 + id % 20000);
    f->server_port = 110;
}

static void send_login_on(struct alert *a, const struct login *l, uint64_t flow_id)
{
    struct event_flow flow;
    struct event ev;

    make_flow(&flow, l->client, l->server, flow_id);
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_AUTH;
    ev.u.auth.ts.sec = l->t;
    ev.u.auth.flow = &flow;
    ev.u.auth.attempt = 1;
    ev.u.auth.method = "USER";
    if (l->user != NULL) {
        ev.u.auth.user.data = (const uint8_t *)l->user;
        ev.u.auth.user.len = strlen(l->user);
    }
    ev.u.auth.outcome = l->outcome;
    ev.u.auth.exposure = l->exposure;
    ev.u.auth.resp_code = l->resp_code;
    alert_observe(a, &ev);
}

static void send_login(struct alert *a, const struct login *l)
{
    send_login_on(a, l, next_flow_id++);
}

/* Shorthands: a failed / successful USER-PASS login (cleartext). */
static void login_fails(struct alert *a, int64_t t, uint8_t client, uint8_t server, const char *user)
{
    struct login l = { t, client, server, user, OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, "AUTH" };

    send_login(a, &l);
}

static void login_works(struct alert *a, int64_t t, uint8_t client, uint8_t server, const char *user)
{
    struct login l = { t, client, server, user, OUTCOME_SUCCESS, EXPOSURE_CLEARTEXT, NULL };

    send_login(a, &l);
}

static size_t count_alerts(const struct recorder *r, enum event_alert_kind kind)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n; i++) {
        if (r->ev[i].type == EVENT_ALERT && r->ev[i].kind == kind)
            n++;
    }
    return n;
}

static const struct captured *last_alert(const struct recorder *r)
{
    for (size_t i = r->n; i > 0; i--) {
        if (r->ev[i - 1].type == EVENT_ALERT)
            return &r->ev[i - 1];
    }
    fail_msg("no alert at all");
    return NULL;
}

/* ------------------------------------------------------- brute force */

static void test_account_fires_at_threshold_not_below(void **state)
{
    struct alert_options o;
    struct alert *a;
    const struct captured *c;

    (void)state;
    quiet_options(&o);
    o.account_failures = 3;
    o.window = 60;
    a = make(&o, &rec_a);
    login_fails(a, 1000, 1, 1, "bob");
    login_fails(a, 1010, 2, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 0);
    login_fails(a, 1020, 3, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 1);
    /* The auth event that fired it comes first, the alert right after. */
    assert_int_equal(rec_a.n, 4);
    assert_int_equal(rec_a.ev[2].type, EVENT_AUTH);
    c = &rec_a.ev[3];
    assert_int_equal(c->type, EVENT_ALERT);
    assert_int_equal(c->kind, ALERT_BRUTE_FORCE_ACCOUNT);
    assert_int_equal(c->count, 3);
    assert_int_equal(c->threshold, 3);
    assert_int_equal(c->window, 60);
    assert_int_equal(c->window_start, 1000);
    assert_int_equal(c->ts, 1020);
    assert_string_equal(c->user, "bob");
    assert_int_equal(c->flow_id, rec_a.ev[2].flow_id);
    alert_free(a);
}

static void test_account_window_edge_is_inclusive(void **state)
{
    struct alert_options o;
    struct alert *a;

    (void)state;
    quiet_options(&o);
    o.account_failures = 3;
    o.window = 60;
    a = make(&o, &rec_a);
    /* 61 seconds from first to last: too slow. */
    login_fails(a, 0, 1, 1, "bob");
    login_fails(a, 30, 1, 1, "bob");
    login_fails(a, 61, 1, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 0);
    /* 30, 61, 90: exactly 60 seconds: fires. */
    login_fails(a, 90, 1, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 1);
    assert_int_equal(last_alert(&rec_a)->window_start, 30);
    alert_free(a);
}

static void test_account_quiet_for_a_window_then_again(void **state)
{
    struct alert_options o;
    struct alert *a;

    (void)state;
    quiet_options(&o);
    o.account_failures = 3;
    o.window = 60;
    a = make(&o, &rec_a);
    for (int64_t t = 0; t <= 2; t++)
        login_fails(a, t, 1, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 1);
    /* A sustained attack: one alert per window, not one per guess. */
    for (int64_t t = 3; t < 62; t++)
        login_fails(a, t, 1, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 1);
    login_fails(a, 62, 1, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 2);
    assert_int_equal(last_alert(&rec_a)->window_start, 60);
    alert_free(a);
}

static void test_accounts_are_user_at_server(void **state)
{
    struct alert_options o;
    struct alert *a;

    (void)state;
    quiet_options(&o);
    o.account_failures = 3;
    a = make(&o, &rec_a);
    login_fails(a, 0, 1, 1, "bob");
    login_fails(a, 1, 1, 1, "alice");
    login_fails(a, 2, 1, 2, "bob"); /* another server: another account */
    login_fails(a, 3, 1, 1, "Bob"); /* names are compared as bytes */
    login_fails(a, 4, 1, 1, NULL); /* no user: no account */
    login_fails(a, 5, 1, 1, NULL);
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 0);
    login_fails(a, 6, 1, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 0);
    login_fails(a, 7, 9, 1, "bob"); /* from anywhere: the account is the key */
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 1);
    alert_free(a);
}

/* Only a refused password is a failure: [SYS/TEMP] is the server's
 * trouble (RFC 3206), [IN-USE] means the password was right (RFC 2449),
 * an aborted or unanswered attempt proves nothing. */
static void test_what_counts_as_a_failure(void **state)
{
    struct alert_options o;
    struct alert *a;
    struct login sys = { 0, 1, 1, "bob", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, "SYS/TEMP" };
    struct login in_use = { 1, 1, 1, "bob", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, "IN-USE" };
    struct login aborted = { 2, 1, 1, "bob", OUTCOME_ABORTED, EXPOSURE_NONE, NULL };
    struct login unknown = { 3, 1, 1, "bob", OUTCOME_UNKNOWN, EXPOSURE_CLEARTEXT, NULL };
    struct login plain = { 4, 1, 1, "bob", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, NULL };

    (void)state;
    quiet_options(&o);
    o.account_failures = 2;
    a = make(&o, &rec_a);
    send_login(a, &sys);
    send_login(a, &in_use);
    send_login(a, &aborted);
    send_login(a, &unknown);
    send_login(a, &plain);
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 0);
    plain.t = 5;
    send_login(a, &plain); /* a failure without a code counts */
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 1);
    alert_free(a);
}

static void test_client_fires_at_threshold(void **state)
{
    struct alert_options o;
    struct alert *a;
    const struct captured *c;

    (void)state;
    quiet_options(&o);
    o.client_failures = 4;
    o.window = 100;
    a = make(&o, &rec_a);
    login_fails(a, 0, 7, 1, "a1");
    login_fails(a, 10, 7, 2, "a2");
    login_fails(a, 20, 8, 1, "a3"); /* another client */
    login_fails(a, 30, 7, 1, NULL); /* a failure without a user still counts */
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_CLIENT), 0);
    login_fails(a, 40, 7, 3, "a4");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_CLIENT), 1);
    c = last_alert(&rec_a);
    assert_int_equal(c->count, 4);
    assert_int_equal(c->threshold, 4);
    assert_int_equal(c->window_start, 0);
    assert_string_equal(c->user, "-"); /* about a client, not an account */
    alert_free(a);
}

/* ---------------------------------------------------------- spraying */

static void test_spraying_counts_distinct_accounts(void **state)
{
    struct alert_options o;
    struct alert *a;
    const struct captured *c;

    (void)state;
    quiet_options(&o);
    o.spray_accounts = 3;
    o.spray_window = 3600;
    a = make(&o, &rec_a);
    login_fails(a, 0, 5, 1, "alice");
    login_fails(a, 100, 5, 1, "bob");
    login_fails(a, 200, 5, 1, "alice");
    login_fails(a, 300, 5, 2, "bob"); /* same name at another server: same guess list */
    login_fails(a, 400, 6, 1, "carol"); /* another client */
    assert_int_equal(count_alerts(&rec_a, ALERT_PASSWORD_SPRAYING), 0);
    login_fails(a, 500, 5, 1, "carol");
    assert_int_equal(count_alerts(&rec_a, ALERT_PASSWORD_SPRAYING), 1);
    c = last_alert(&rec_a);
    assert_int_equal(c->count, 3);
    assert_int_equal(c->threshold, 3);
    assert_int_equal(c->window, 3600);
    assert_int_equal(c->window_start, 200); /* alice's latest failure */
    alert_free(a);
}

static void test_spraying_window(void **state)
{
    struct alert_options o;
    struct alert *a;

    (void)state;
    quiet_options(&o);
    o.spray_accounts = 3;
    o.spray_window = 600;
    a = make(&o, &rec_a);
    login_fails(a, 0, 5, 1, "u1");
    login_fails(a, 300, 5, 1, "u2");
    login_fails(a, 601, 5, 1, "u3"); /* u1 is 601 s old: out */
    assert_int_equal(count_alerts(&rec_a, ALERT_PASSWORD_SPRAYING), 0);
    login_fails(a, 900, 5, 1, "u4"); /* u2 at 300: exactly 600 s: in */
    assert_int_equal(count_alerts(&rec_a, ALERT_PASSWORD_SPRAYING), 1);
    alert_free(a);
}

/* ----------------------------------------------------------- guessed */

static void test_guessed_after_burst(void **state)
{
    struct alert_options o;
    struct alert *a;
    const struct captured *c;

    (void)state;
    quiet_options(&o);
    o.guess_failures = 3;
    o.window = 60;
    a = make(&o, &rec_a);
    login_fails(a, 0, 1, 1, "bob");
    login_fails(a, 1, 1, 1, "bob");
    login_works(a, 2, 1, 1, "bob"); /* two typos: normal */
    assert_int_equal(count_alerts(&rec_a, ALERT_GUESSED_PASSWORD), 0);
    login_fails(a, 10, 1, 1, "bob");
    login_fails(a, 11, 1, 1, "bob");
    login_works(a, 12, 1, 1, "bob"); /* the failures before 2 were spent */
    assert_int_equal(count_alerts(&rec_a, ALERT_GUESSED_PASSWORD), 0);
    login_fails(a, 20, 1, 1, "bob");
    login_fails(a, 21, 1, 1, "bob");
    login_fails(a, 22, 2, 1, "bob");
    login_works(a, 23, 2, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_GUESSED_PASSWORD), 1);
    c = last_alert(&rec_a);
    assert_int_equal(c->count, 3);
    assert_int_equal(c->threshold, 3);
    assert_int_equal(c->window_start, 20);
    assert_string_equal(c->user, "bob");
    login_works(a, 24, 2, 1, "bob"); /* once per burst */
    assert_int_equal(count_alerts(&rec_a, ALERT_GUESSED_PASSWORD), 1);
    alert_free(a);
}

static void test_guessed_window_and_in_use(void **state)
{
    struct alert_options o;
    struct alert *a;
    struct login in_use = { 200, 1, 1, "bob", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, "IN-USE" };

    (void)state;
    quiet_options(&o);
    o.guess_failures = 2;
    o.window = 60;
    a = make(&o, &rec_a);
    login_fails(a, 0, 1, 1, "bob");
    login_fails(a, 100, 1, 1, "bob");
    login_works(a, 101, 1, 1, "bob"); /* the first failure is 101 s old */
    assert_int_equal(count_alerts(&rec_a, ALERT_GUESSED_PASSWORD), 0);
    login_fails(a, 150, 1, 1, "bob");
    login_fails(a, 151, 1, 1, "bob");
    send_login(a, &in_use); /* right password, mailbox locked */
    assert_int_equal(count_alerts(&rec_a, ALERT_GUESSED_PASSWORD), 1);
    alert_free(a);
}

/* --------------------------------------------- cleartext, STLS unused */

static void test_cleartext_once_per_account(void **state)
{
    struct alert_options o;
    struct alert *a;
    struct login apop = { 5, 1, 1, "carol", OUTCOME_SUCCESS, EXPOSURE_HASH, NULL };

    (void)state;
    quiet_options(&o);
    o.cleartext = true;
    a = make(&o, &rec_a);
    login_works(a, 1, 1, 1, "alice");
    login_fails(a, 2, 2, 1, "alice");
    login_works(a, 3, 3, 1, "alice");
    assert_int_equal(count_alerts(&rec_a, ALERT_CLEARTEXT_CREDENTIALS), 1);
    assert_int_equal(rec_a.ev[1].type, EVENT_ALERT);
    assert_string_equal(rec_a.ev[1].user, "alice");
    assert_int_equal(rec_a.ev[1].window, 0);
    login_works(a, 4, 1, 2, "alice"); /* another server */
    send_login(a, &apop); /* a digest is not a cleartext password */
    assert_int_equal(count_alerts(&rec_a, ALERT_CLEARTEXT_CREDENTIALS), 2);
    alert_free(a);
}

static void send_session(struct alert *a, uint64_t flow_id, const char *user, bool stls_offered, enum event_tls tls,
                         uint64_t anomalies)
{
    struct event_flow flow;
    struct event ev;

    make_flow(&flow, 1, 1, flow_id);
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_SESSION;
    ev.u.session.ts_start.sec = 100;
    ev.u.session.ts_end.sec = 110;
    ev.u.session.flow = &flow;
    if (user != NULL) {
        ev.u.session.user.data = (const uint8_t *)user;
        ev.u.session.user.len = strlen(user);
    }
    ev.u.session.stls_offered = stls_offered;
    ev.u.session.tls = tls;
    ev.u.session.end = END_QUIT;
    ev.u.session.anomalies = anomalies;
    alert_observe(a, &ev);
}

static void test_stls_offered_not_used(void **state)
{
    struct alert_options o;
    struct alert *a;
    struct login l = { 105, 1, 1, "dave", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, NULL };
    const uint64_t anomaly = UINT64_C(1) << ANOMALY_STLS_OFFERED_NOT_USED;

    (void)state;
    quiet_options(&o);
    o.stls_not_used = true;
    a = make(&o, &rec_a);
    send_login_on(a, &l, 500);
    send_session(a, 500, NULL, true, TLS_NONE, 0);
    assert_int_equal(count_alerts(&rec_a, ALERT_STLS_NOT_USED), 1);
    /* The user of the cleartext login, though the session never logged in. */
    assert_string_equal(last_alert(&rec_a)->user, "dave");
    assert_int_equal(last_alert(&rec_a)->flow_id, 500);
    send_login_on(a, &l, 501); /* the same account again: already said */
    send_session(a, 501, NULL, true, TLS_NONE, 0);
    l.user = "erin";
    send_login_on(a, &l, 502); /* STLS not offered: nothing to say */
    send_session(a, 502, NULL, false, TLS_NONE, 0);
    send_session(a, 503, "frank", true, TLS_NONE, 0); /* no login seen */
    send_session(a, 504, "frank", true, TLS_STLS, anomaly); /* it was used */
    assert_int_equal(count_alerts(&rec_a, ALERT_STLS_NOT_USED), 1);
    /* The tracker's anomaly alone is enough. */
    send_session(a, 505, "gina", true, TLS_NONE, anomaly);
    assert_int_equal(count_alerts(&rec_a, ALERT_STLS_NOT_USED), 2);
    assert_string_equal(last_alert(&rec_a)->user, "gina");
    alert_free(a);
}

/* ----------------------------------------------- plumbing and bounds */

static void test_every_event_forwarded_in_order(void **state)
{
    struct alert_options o;
    struct alert *a;
    size_t auths = 0, sessions = 0;

    (void)state;
    alert_options_default(&o);
    a = make(&o, &rec_a);
    for (int64_t t = 0; t < 30; t++)
        login_fails(a, t, 1, 1, "bob");
    send_session(a, 77, "bob", false, TLS_NONE, 0);
    for (size_t i = 0; i < rec_a.n; i++) {
        if (rec_a.ev[i].type == EVENT_AUTH) {
            assert_int_equal(rec_a.ev[i].ts, (int64_t)auths);
            auths++;
        }
        sessions += rec_a.ev[i].type == EVENT_SESSION;
    }
    assert_int_equal(auths, 30);
    assert_int_equal(sessions, 1);
    assert_int_equal(rec_a.ev[rec_a.n - 1].type, EVENT_SESSION);
    /* Defaults: account at 10 and client at 20 within 300 s, cleartext. */
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 1);
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_CLIENT), 1);
    assert_int_equal(count_alerts(&rec_a, ALERT_CLEARTEXT_CREDENTIALS), 1);
    assert_int_equal(count_alerts(&rec_a, ALERT_PASSWORD_SPRAYING), 0);
    alert_free(a);
}

static void test_tables_are_bounded(void **state)
{
    struct alert_options o;
    struct alert *a;
    struct alert_stats st;
    char user[24]; /* "spray" and any int: gcc -O1 proves no truncation */

    (void)state;
    quiet_options(&o);
    o.account_failures = 2;
    o.max_tracked = 2;
    a = make(&o, &rec_a);
    /* bob, then two others push him out before his second failure. */
    login_fails(a, 0, 1, 1, "bob");
    login_fails(a, 1, 1, 1, "u1");
    login_fails(a, 2, 1, 1, "u2");
    login_fails(a, 3, 1, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 0);
    login_fails(a, 4, 1, 1, "bob");
    assert_int_equal(count_alerts(&rec_a, ALERT_BRUTE_FORCE_ACCOUNT), 1);
    for (int i = 0; i < 10000; i++) {
        snprintf(user, sizeof user, "spray%d", i);
        login_fails(a, 5, 1, 1, user);
        rec_a.n = 0; /* only the counters matter from here */
    }
    alert_get_stats(a, &st);
    assert_int_equal(st.accounts_evicted, 2 + 10000);
    assert_true(st.memory > 0 && st.memory < 4096);
    alert_free(a);
}

static void test_disabled_detectors_stay_silent(void **state)
{
    struct alert_options o;
    struct alert *a;

    (void)state;
    quiet_options(&o);
    a = make(&o, &rec_a);
    for (int64_t t = 0; t < 200; t++) {
        char user[16];

        snprintf(user, sizeof user, "u%d", (int)(t % 17));
        login_fails(a, t, 1, 1, user);
        login_works(a, t, 1, 1, user);
    }
    assert_int_equal(rec_a.n, 400);
    for (size_t i = 0; i < rec_a.n; i++)
        assert_int_equal(rec_a.ev[i].type, EVENT_AUTH);
    alert_free(a);
}

/* A fixed pseudo-random attack mix (splitmix64 from a fixed seed, never
 * the clock), fed to two instances: each seeds its hash key at random, and
 * the alerts must not depend on it. */
static uint64_t mix_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void feed_mix(struct alert *a)
{
    static const char *const users[] = { "alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank" };
    uint64_t seed = 42;
    int64_t t = 1700000000;

    for (int i = 0; i < 1500; i++) {
        uint64_t r = mix_next(&seed);
        struct login l = { t, (uint8_t)(1 + r % 5), (uint8_t)(1 + (r >> 8) % 2), users[(r >> 16) % 8],
                           (r >> 24) % 4 == 0 ? OUTCOME_SUCCESS : OUTCOME_FAILURE,
                           (r >> 28) % 3 == 0 ? EXPOSURE_HASH : EXPOSURE_CLEARTEXT, NULL };

        send_login_on(a, &l, (uint64_t)i + 1);
        if ((r >> 32) % 3 == 0)
            send_session(a, (uint64_t)i + 1, NULL, ((r >> 36) & 1) != 0, TLS_NONE, 0);
        t += (int64_t)((r >> 40) % 20);
    }
}

static void test_replay_gives_the_same_alerts(void **state)
{
    struct alert_options o;
    struct alert *a, *b;

    (void)state;
    alert_options_default(&o);
    o.account_failures = 3;
    o.client_failures = 6;
    o.spray_accounts = 4;
    o.guess_failures = 2;
    o.window = 120;
    o.max_tracked = 12; /* evictions too must not depend on the hash key */
    a = make(&o, &rec_a);
    b = make(&o, &rec_b);
    feed_mix(a);
    feed_mix(b);
    assert_int_equal(rec_a.n, rec_b.n);
    assert_memory_equal(rec_a.ev, rec_b.ev, rec_a.n * sizeof rec_a.ev[0]);
    /* The mix exercises every detector. */
    for (int k = 0; k < ALERT_KIND_COUNT; k++)
        assert_true(count_alerts(&rec_a, (enum event_alert_kind)k) > 0);
    alert_free(a);
    alert_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_account_fires_at_threshold_not_below),
        cmocka_unit_test(test_account_window_edge_is_inclusive),
        cmocka_unit_test(test_account_quiet_for_a_window_then_again),
        cmocka_unit_test(test_accounts_are_user_at_server),
        cmocka_unit_test(test_what_counts_as_a_failure),
        cmocka_unit_test(test_client_fires_at_threshold),
        cmocka_unit_test(test_spraying_counts_distinct_accounts),
        cmocka_unit_test(test_spraying_window),
        cmocka_unit_test(test_guessed_after_burst),
        cmocka_unit_test(test_guessed_window_and_in_use),
        cmocka_unit_test(test_cleartext_once_per_account),
        cmocka_unit_test(test_stls_offered_not_used),
        cmocka_unit_test(test_every_event_forwarded_in_order),
        cmocka_unit_test(test_tables_are_bounded),
        cmocka_unit_test(test_disabled_detectors_stay_silent),
        cmocka_unit_test(test_replay_gives_the_same_alerts),
    };

    return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
