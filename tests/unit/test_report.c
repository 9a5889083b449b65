/* The --report page's parts: HTML escaping of hostile wire bytes, the
 * model's aggregation, its caps and timeline bins, and the page drawn
 * from a model holding hostile names (no markup gets through, secrets only
 * with --show-passwords). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "out_writer.h"
#include "report_escape.h"
#include "report_html.h"
#include "report_model.h"

#define BYTES(s) ((struct bytes){ (const uint8_t *)(s), sizeof(s) - 1 })
#define ABSENT ((struct bytes){ NULL, 0 })
#define T0 1795670149 /* 2026-11-26T05:15:49Z */

static const struct event_flow flow_a = {
    .flow_id = 1,
    .ip_version = 4,
    .client_addr = { 192, 0, 2, 10 },
    .server_addr = { 198, 51, 100, 5 },
    .client_port = 50123,
    .server_port = 110,
};

static const struct event_flow flow_b = {
    .flow_id = 2,
    .ip_version = 6,
    .client_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 },
    .server_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 },
    .client_port = 40000,
    .server_port = 110,
};

/* A memory stream and the writer on it; text() closes it and hands back
 * what was written. */
struct sink {
    FILE *stream;
    char *text;
    size_t len;
    struct out_writer writer;
};

static void sink_open(struct sink *s)
{
    memset(s, 0, sizeof *s);
    s->stream = open_memstream(&s->text, &s->len);
    assert_non_null(s->stream);
    out_writer_init(&s->writer, s->stream);
}

static char *sink_text(struct sink *s)
{
    assert_int_equal(out_writer_finish(&s->writer), 0);
    fclose(s->stream);
    return s->text;
}

static char *escaped(const void *data, size_t len)
{
    struct sink s;

    sink_open(&s);
    report_escape_html(&s.writer, data, len);
    return sink_text(&s);
}

#define assert_escapes(in, out) \
    do { \
        char *got_ = escaped((in), sizeof(in) - 1); \
        assert_string_equal(got_, (out)); \
        free(got_); \
    } while (0)

static void escape_markup_becomes_text(void **state)
{
    (void)state;
    assert_escapes("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
    assert_escapes("\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    assert_escapes("a'b&c", "a&#39;b&amp;c");
    assert_escapes("&lt;", "&amp;lt;");
    assert_escapes("alice@example.org", "alice@example.org");
}

static void escape_bytes_that_are_not_text(void **state)
{
    (void)state;
    assert_escapes("a\x01"
                   "b\r\n\t",
                   "a\\x01b\\x0D\\x0A\\x09");
    assert_escapes("n\0ul", "n\\x00ul");
    assert_escapes("\xFF\xFE", "\\xFF\\xFE");
    assert_escapes("caf\xC3\xA9", "caf\xC3\xA9"); /* é */
    assert_escapes("\xF0\x9F\x94\x91", "\xF0\x9F\x94\x91"); /* a key emoji, 4 bytes */
    assert_escapes("\xC0\xAF", "\\xC0\\xAF"); /* overlong '/' */
    assert_escapes("\xED\xA0\x80", "\\xED\\xA0\\x80"); /* a surrogate */
    assert_escapes("\xC3", "\\xC3"); /* cut sequence */
    assert_escapes("\xC2\x85", "\\xC2\\x85"); /* C1 control NEL */
    /* RIGHT-TO-LEFT OVERRIDE would show "evil" as "live". */
    assert_escapes("\xE2\x80\xAE"
                   "evil",
                   "\\xE2\\x80\\xAEevil");
    assert_escapes("\x7F", "\\x7F");
    /* A typed "\x41" is not an escaped byte: the backslash is doubled. */
    assert_escapes("\\x41", "\\\\x41");
    assert_escapes("\xE2\x81\xA6x", "\\xE2\\x81\\xA6x"); /* LEFT-TO-RIGHT ISOLATE */
}

static struct event auth(const struct event_flow *flow, struct bytes user, const char *method,
                         enum event_outcome outcome, enum event_exposure exposure, struct bytes password, int64_t sec)
{
    struct event ev = { .type = EVENT_AUTH };

    ev.u.auth.ts.sec = sec;
    ev.u.auth.flow = flow;
    ev.u.auth.method = method;
    ev.u.auth.user = user;
    ev.u.auth.outcome = outcome;
    ev.u.auth.exposure = exposure;
    ev.u.auth.password = password;
    return ev;
}

static struct report_model *model_new(bool keep_secrets)
{
    struct report_model_limits limits;
    struct report_model *m;

    report_model_limits_default(&limits);
    m = report_model_new(&limits, keep_secrets);
    assert_non_null(m);
    return m;
}

static void add(struct report_model *m, struct event ev)
{
    report_model_add(m, &ev);
}

static void model_aggregates_per_account_and_server(void **state)
{
    struct report_model *m = model_new(false);
    const struct report_account *alice, *bob;
    uint32_t order[2];

    (void)state;
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, BYTES("guess1"), T0 + 5));
    add(m, auth(&flow_b, BYTES("bob"), "CRAM-MD5", OUTCOME_FAILURE, EXPOSURE_HASH, BYTES("digest"), T0 + 1));
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, BYTES("guess2"), T0 + 2));
    add(m, auth(&flow_b, BYTES("alice"), "APOP", OUTCOME_SUCCESS, EXPOSURE_HASH, BYTES("apopdigest"), T0 + 9));
    assert_int_equal(m->attempts, 4);
    assert_int_equal(m->failures, 3);
    assert_int_equal(m->successes, 1);
    assert_int_equal(m->accounts.count, 2);
    assert_int_equal(m->servers.count, 2);
    report_model_rank_accounts(m, order);
    alice = report_model_account(m, order[0]);
    bob = report_model_account(m, order[1]);
    assert_memory_equal(alice->user, "alice", 5);
    assert_int_equal(alice->user_text.len, 5);
    assert_int_equal(alice->attempts, 3);
    assert_int_equal(alice->failures, 2);
    assert_int_equal(alice->successes, 1);
    assert_int_equal(alice->worst, EXPOSURE_CLEARTEXT); /* not the later hash */
    assert_int_equal(alice->first.sec, T0 + 2); /* the earliest, not the first added */
    assert_int_equal(alice->last.sec, T0 + 9);
    assert_int_equal(alice->method_count, 2);
    assert_string_equal(alice->methods[0].name, "USER");
    assert_int_equal(alice->methods[0].attempts, 2);
    assert_string_equal(alice->methods[1].name, "APOP");
    assert_int_equal(alice->server_count, 2);
    assert_false(alice->secret_text.present); /* not kept without --show-passwords */
    assert_memory_equal(bob->user, "bob", 3);
    assert_int_equal(bob->worst, EXPOSURE_HASH);
    assert_int_equal(report_model_server(m, alice->servers[0])->attempts, 2);
    assert_int_equal(report_model_server(m, alice->servers[0])->failures, 2);
    report_model_free(m);
}

static void model_ranks_by_risk(void **state)
{
    struct report_model *m = model_new(false);
    uint32_t order[4];
    const char *expected[] = { "token", "hashok", "hashfail", "none" };

    (void)state;
    add(m, auth(&flow_a, BYTES("none"), "SCRAM-SHA-256", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0));
    add(m, auth(&flow_a, BYTES("none"), "SCRAM-SHA-256", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0));
    add(m, auth(&flow_a, BYTES("hashfail"), "CRAM-MD5", OUTCOME_FAILURE, EXPOSURE_HASH, ABSENT, T0));
    add(m, auth(&flow_a, BYTES("hashok"), "CRAM-MD5", OUTCOME_SUCCESS, EXPOSURE_HASH, ABSENT, T0));
    add(m, auth(&flow_a, BYTES("token"), "XOAUTH2", OUTCOME_FAILURE, EXPOSURE_TOKEN, ABSENT, T0));
    report_model_rank_accounts(m, order);
    for (size_t i = 0; i < 4; i++) {
        const struct report_account *a = report_model_account(m, order[i]);

        assert_int_equal(a->user_text.len, strlen(expected[i]));
        assert_memory_equal(a->user, expected[i], a->user_text.len);
    }
    report_model_busiest_accounts(m, order);
    assert_memory_equal(report_model_account(m, order[0])->user, "none", 4);
    report_model_free(m);
}

static void model_keeps_secrets_only_when_asked(void **state)
{
    struct report_model *m = model_new(true);
    const struct report_account *a;

    (void)state;
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, BYTES("guess"), T0));
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_SUCCESS, EXPOSURE_CLEARTEXT, BYTES("right"), T0 + 1));
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, BYTES("later"), T0 + 2));
    a = report_model_account(m, 0);
    assert_true(a->secret_text.present);
    assert_int_equal(a->secret_text.len, 5);
    assert_memory_equal(a->secret, "right", 5); /* the success's, not a later guess */
    report_model_free(m);
}

static void model_tables_are_capped_and_count_overflow(void **state)
{
    /* 8 accounts and a reserve of 1 for logins; 2 alerts of each kind. */
    struct report_model_limits limits = { 8, 2, 3, 2 * ALERT_KIND_COUNT };
    struct report_model *m = report_model_new(&limits, false);
    char name[16];
    uint64_t binned = 0;

    (void)state;
    assert_non_null(m);
    for (int i = 0; i < 10; i++) {
        struct event_flow flow = flow_a;

        flow.server_port = (uint16_t)(110 + i % 3);
        snprintf(name, sizeof name, "user%d", i);
        add(m, auth(&flow, (struct bytes){ (const uint8_t *)name, strlen(name) }, "USER", OUTCOME_FAILURE,
                    EXPOSURE_CLEARTEXT, ABSENT, T0 + i));
    }
    for (int i = 0; i < 6; i++) {
        struct event ev = { .type = EVENT_ALERT };

        ev.u.alert.kind = i < 5 ? ALERT_CLEARTEXT_CREDENTIALS : ALERT_BRUTE_FORCE_CLIENT;
        ev.u.alert.ts.sec = T0 + i;
        add(m, ev);
    }
    assert_int_equal(m->attempts, 10);
    assert_int_equal(m->accounts.count, 8);
    assert_int_equal(m->accounts.overflow, 2);
    /* A successful login still finds room, once; a failure does not. */
    add(m, auth(&flow_a, BYTES("winner"), "USER", OUTCOME_SUCCESS, EXPOSURE_CLEARTEXT, ABSENT, T0 + 20));
    add(m, auth(&flow_a, BYTES("loser"), "USER", OUTCOME_FAILURE, EXPOSURE_CLEARTEXT, ABSENT, T0 + 21));
    add(m, auth(&flow_a, BYTES("second"), "USER", OUTCOME_SUCCESS, EXPOSURE_CLEARTEXT, ABSENT, T0 + 22));
    assert_int_equal(m->accounts.count, 9);
    assert_memory_equal(report_model_account(m, 8)->user, "winner", 6);
    assert_int_equal(m->accounts.overflow, 4);
    assert_int_equal(m->servers.count, 2);
    assert_int_equal(m->servers.overflow, 3); /* the third port's attempts */
    /* The flood of one kind keeps its share; the other kind is listed. */
    assert_int_equal(m->alerts.count, 3);
    assert_int_equal(m->alerts.overflow, 3);
    assert_int_equal(m->alerts_by_kind[ALERT_CLEARTEXT_CREDENTIALS], 5);
    assert_int_equal(report_model_alert(m, 2)->kind, ALERT_BRUTE_FORCE_CLIENT);
    for (size_t i = 0; i < REPORT_BINS; i++)
        binned += m->all_success[i] + m->all_failure[i];
    assert_int_equal(binned, 13); /* the timeline's total keeps what the tables dropped */
    report_model_free(m);
}

static void model_long_user_is_cut_and_marked(void **state)
{
    struct report_model *m = model_new(false);
    uint8_t name[REPORT_USER_MAX + 50];

    (void)state;
    memset(name, 'x', sizeof name);
    add(m, auth(&flow_a, (struct bytes){ name, sizeof name }, "USER", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0));
    add(m, auth(&flow_a, (struct bytes){ name, REPORT_USER_MAX }, "USER", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0));
    add(m, auth(&flow_a, ABSENT, "USER", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0));
    add(m, auth(&flow_a, BYTES(""), "USER", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0));
    /* Cut and exactly-the-cap names differ; no user and "" differ. */
    assert_int_equal(m->accounts.count, 4);
    assert_true(report_model_account(m, 0)->user_text.truncated);
    assert_int_equal(report_model_account(m, 0)->user_text.len, REPORT_USER_MAX);
    assert_false(report_model_account(m, 1)->user_text.truncated);
    report_model_free(m);
}

static void model_bins_widen_and_keep_counts(void **state)
{
    struct report_model *m = model_new(false);
    const struct report_account *a;
    uint64_t sum = 0;

    (void)state;
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0));
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_SUCCESS, EXPOSURE_NONE, ABSENT, T0 + 30));
    assert_int_equal(m->bin_width, 1);
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0 + 200));
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0 - 7)); /* disordered */
    assert_int_equal(m->bin_origin, T0);
    assert_int_equal(m->bin_width, 4); /* 200 / 4 = 50 < 60 */
    a = report_model_account(m, 0);
    assert_int_equal(a->bins_failure[0], 2);
    assert_int_equal(a->bins_success[30 / 4], 1);
    assert_int_equal(a->bins_failure[200 / 4], 1);
    for (size_t i = 0; i < REPORT_BINS; i++)
        sum += a->bins_success[i] + a->bins_failure[i];
    assert_int_equal(sum, 4);
    add(m, auth(&flow_a, BYTES("alice"), "USER", OUTCOME_FAILURE, EXPOSURE_NONE, ABSENT, T0 + 86400 * 365));
    assert_true(m->bin_width * REPORT_BINS > 86400 * 365);
    assert_int_equal(a->bins_failure[0] + a->bins_success[0], 4); /* everything earlier merged into bin 0 */
    report_model_free(m);
}

static char *page(const struct report_model *m, bool show_passwords)
{
    static const char *const inputs[] = { "<b>capture</b>.pcap" };
    struct report_page p = { "9.9", inputs, 1, false, 10, 1000, show_passwords, "Test alerts", false };
    struct sink s;

    sink_open(&s);
    report_html_write(&s.writer, m, &p);
    return sink_text(&s);
}

static void page_escapes_every_wire_string(void **state)
{
    struct report_model *m = model_new(true);
    struct event session = { .type = EVENT_SESSION };
    struct event alert = { .type = EVENT_ALERT };
    char *text;

    (void)state;
    add(m, auth(&flow_a, BYTES("<script>alert(1)</script>"), "USER", OUTCOME_SUCCESS, EXPOSURE_CLEARTEXT,
                BYTES("pw</td><script>x()</script>"), T0));
    add(m, auth(&flow_a, BYTES("\"><img src=x onerror=alert(2)>"), "<svg onload=alert(3)>", OUTCOME_FAILURE,
                EXPOSURE_CLEARTEXT, BYTES("p2"), T0 + 1));
    session.u.session.flow = &flow_a;
    session.u.session.ts_start.sec = T0;
    session.u.session.ts_end.sec = T0 + 2;
    session.u.session.banner = BYTES("<iframe src=//evil>ready");
    session.u.session.user = BYTES("<script>alert(1)</script>");
    report_model_add(m, &session);
    alert.u.alert.kind = ALERT_CLEARTEXT_CREDENTIALS;
    alert.u.alert.flow = &flow_a;
    alert.u.alert.user = BYTES("<script>alert(1)</script>");
    alert.u.alert.ts.sec = T0;
    report_model_add(m, &alert);

    text = page(m, true);
    assert_null(strstr(text, "<script"));
    assert_null(strstr(text, "<img"));
    assert_null(strstr(text, "<iframe"));
    assert_null(strstr(text, "<svg onload"));
    assert_null(strstr(text, "<b>"));
    assert_non_null(strstr(text, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(text, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert_non_null(strstr(text, "&lt;iframe src=//evil&gt;ready"));
    assert_non_null(strstr(text, "pw&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;")); /* shown, escaped */
    assert_non_null(strstr(text, "<svg class=\"timeline\""));
    assert_non_null(strstr(text, "default-src 'none'"));
    free(text);

    text = page(m, false);
    assert_null(strstr(text, "pw&lt;/td&gt;")); /* a model that kept it still does not print it */
    assert_null(strstr(text, "<th>Secret</th>"));
    free(text);
    report_model_free(m);
}

/* Every table full of the longest names, banners and methods that escape
 * to four characters a byte: the page's worst case stays under 5 MB. */
static void page_worst_case_stays_under_5mb(void **state)
{
    struct report_model *m = model_new(true);
    uint8_t name[REPORT_USER_MAX + 8], banner[REPORT_BANNER_MAX + 8];
    char method[REPORT_METHOD_MAX + 8];
    char *text;

    (void)state;
    memset(banner, 0x01, sizeof banner);
    memset(method, 0, sizeof method);
    memset(method, 0x7F, sizeof method - 1);
    for (uint32_t i = 0; i < 6000; i++) {
        struct event_flow flow = flow_a;
        struct event ev =
            auth(&flow, (struct bytes){ name, sizeof name }, method, i % 7 ? OUTCOME_FAILURE : OUTCOME_SUCCESS,
                 EXPOSURE_CLEARTEXT, (struct bytes){ name, sizeof name }, T0 + i);
        struct event session = { .type = EVENT_SESSION };
        struct event alert = { .type = EVENT_ALERT };

        memset(name, 0x01, sizeof name);
        memcpy(name, &i, sizeof i);
        flow.server_port = (uint16_t)(1 + i % 1500);
        memcpy(flow.server_addr + 4, &i, sizeof i);
        report_model_add(m, &ev);
        session.u.session.flow = &flow;
        session.u.session.user = (struct bytes){ name, sizeof name };
        session.u.session.banner = (struct bytes){ banner, sizeof banner };
        session.u.session.maildrop_known = true;
        report_model_add(m, &session);
        alert.u.alert.kind = (enum event_alert_kind)(i % ALERT_KIND_COUNT);
        alert.u.alert.flow = &flow;
        alert.u.alert.user = (struct bytes){ name, sizeof name };
        report_model_add(m, &alert);
    }
    assert_int_equal(m->servers.count, REPORT_DEFAULT_MAX_SERVERS);
    assert_int_equal(m->alerts.count, REPORT_DEFAULT_MAX_ALERTS / ALERT_KIND_COUNT * ALERT_KIND_COUNT);
    assert_true(m->accounts.count > REPORT_DEFAULT_MAX_ACCOUNTS); /* the reserve took successes */
    text = page(m, true);
    assert_in_range(strlen(text), 1, 5u * 1024 * 1024 - 1);
    assert_non_null(strstr(text, "more accounts"));
    assert_non_null(strstr(text, "more servers"));
    free(text);
    report_model_free(m);
}

static void page_of_an_empty_run(void **state)
{
    struct report_model *m = model_new(false);
    char *text;

    (void)state;
    text = page(m, false);
    assert_non_null(strstr(text, "No login attempts seen."));
    assert_non_null(strstr(text, "</html>"));
    free(text);
    report_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_markup_becomes_text),
        cmocka_unit_test(escape_bytes_that_are_not_text),
        cmocka_unit_test(model_aggregates_per_account_and_server),
        cmocka_unit_test(model_ranks_by_risk),
        cmocka_unit_test(model_keeps_secrets_only_when_asked),
        cmocka_unit_test(model_tables_are_capped_and_count_overflow),
        cmocka_unit_test(model_long_user_is_cut_and_marked),
        cmocka_unit_test(model_bins_widen_and_keep_counts),
        cmocka_unit_test(page_escapes_every_wire_string),
        cmocka_unit_test(page_worst_case_stays_under_5mb),
        cmocka_unit_test(page_of_an_empty_run),
    };

    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
