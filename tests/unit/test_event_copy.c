/* event_copy (--threads): an event packed by a worker must come back in
 * the writer with every byte string, name and flow intact, absent fields
 * still absent and empty ones still empty, and nothing pointing back into
 * the worker's memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_copy.h"

/* Packs ev into a fresh buffer, then wipes the sources the caller passes
 * (the worker's buffers are reused at once) and unpacks. */
static void *copy_round_trip(const struct event *ev, struct event_copy_view *view, char *wipe, size_t wipe_len)
{
    size_t size = event_copy_size(ev);
    uint64_t *buf = malloc(size + sizeof(uint64_t));

    assert_non_null(buf);
    event_copy_pack(ev, buf);
    if (wipe != NULL)
        memset(wipe, 'X', wipe_len);
    event_copy_unpack(buf, view);
    return buf;
}

static void assert_bytes(struct bytes b, const char *text)
{
    assert_non_null(b.data);
    assert_int_equal(b.len, strlen(text));
    assert_memory_equal(b.data, text, b.len);
}

static void auth_keeps_strings_and_absence(void **state)
{
    char scratch[256] = "USER\0alice\0pass\0 Logged in.\0IN-USE";
    struct event_flow flow = { .flow_id = 42, .ip_version = 4, .client_port = 50000, .server_port = 110 };
    struct event ev;
    struct event_copy_view view;
    void *buf;

    (void)state;
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_AUTH;
    ev.u.auth.flow = &flow;
    ev.u.auth.attempt = 3;
    ev.u.auth.method = scratch;
    ev.u.auth.user = (struct bytes){ (const uint8_t *)scratch + 5, 5 };
    ev.u.auth.password = (struct bytes){ (const uint8_t *)scratch + 11, 4 };
    ev.u.auth.response = (struct bytes){ (const uint8_t *)scratch + 16, 11 };
    ev.u.auth.resp_code = scratch + 28;
    ev.u.auth.realm = (struct bytes){ (const uint8_t *)scratch, 0 }; /* empty, not absent */
    ev.u.auth.outcome = OUTCOME_SUCCESS;
    buf = copy_round_trip(&ev, &view, scratch, sizeof scratch);
    flow.flow_id = 0;
    assert_int_equal(view.ev.type, EVENT_AUTH);
    assert_int_equal(view.ev.u.auth.attempt, 3);
    assert_int_equal(view.ev.u.auth.outcome, OUTCOME_SUCCESS);
    assert_ptr_equal(view.ev.u.auth.flow, &view.flow);
    assert_int_equal(view.flow.flow_id, 42);
    assert_int_equal(view.flow.server_port, 110);
    assert_string_equal(view.ev.u.auth.method, "USER");
    assert_bytes(view.ev.u.auth.user, "alice");
    assert_bytes(view.ev.u.auth.password, "pass");
    assert_bytes(view.ev.u.auth.response, " Logged in.");
    assert_string_equal(view.ev.u.auth.resp_code, "IN-USE");
    assert_non_null(view.ev.u.auth.realm.data);
    assert_int_equal(view.ev.u.auth.realm.len, 0);
    assert_null(view.ev.u.auth.authzid.data);
    assert_null(view.ev.u.auth.crack.data);
    free(buf);
}

static void session_keeps_risks_and_wire_bytes(void **state)
{
    char banner[] = "POP3 ready\0\r\n\xff";
    char app[] = "POP3";
    char risk1[] = "Unsafe Protocol";
    char risk2[] = "Clear-Text Credentials";
    const char *risks[] = { risk1, risk2 };
    struct event_flow flow = { .flow_id = 7, .ip_version = 6 };
    struct event ev;
    struct event_copy_view view;
    void *buf;

    (void)state;
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_SESSION;
    ev.u.session.flow = &flow;
    ev.u.session.banner = (struct bytes){ (const uint8_t *)banner, sizeof banner - 1 };
    ev.u.session.app_proto = app;
    ev.u.session.risks = risks;
    ev.u.session.risk_count = 2;
    ev.u.session.retr_octets = 123456789;
    ev.u.session.end = END_TIMEOUT;
    buf = copy_round_trip(&ev, &view, NULL, 0);
    memset(banner, 'X', sizeof banner);
    memset(app, 'X', sizeof app - 1);
    memset(risk1, 'X', sizeof risk1 - 1);
    assert_int_equal(view.ev.u.session.banner.len, 14);
    assert_memory_equal(view.ev.u.session.banner.data, "POP3 ready\0\r\n\xff", 14);
    assert_string_equal(view.ev.u.session.app_proto, "POP3");
    assert_int_equal(view.ev.u.session.risk_count, 2);
    assert_string_equal(view.ev.u.session.risks[0], "Unsafe Protocol");
    assert_string_equal(view.ev.u.session.risks[1], "Clear-Text Credentials");
    assert_int_equal(view.ev.u.session.retr_octets, 123456789);
    assert_int_equal(view.ev.u.session.end, END_TIMEOUT);
    assert_int_equal(view.flow.ip_version, 6);
    assert_null(view.ev.u.session.user.data);
    assert_null(view.ev.u.session.auth_method);
    free(buf);
}

static void alert_stats_and_summary(void **state)
{
    struct event_flow flow = { .flow_id = 9 };
    struct event_app_total apps[2] = { { "TLS", 3, 3000 }, { "HTTP", 2, 100 } };
    struct event ev;
    struct event_copy_view view;
    void *buf;

    (void)state;
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_ALERT;
    ev.u.alert.flow = &flow;
    ev.u.alert.kind = ALERT_PASSWORD_SPRAYING;
    ev.u.alert.user = (struct bytes){ (const uint8_t *)"bob", 3 };
    buf = copy_round_trip(&ev, &view, NULL, 0);
    assert_int_equal(view.ev.u.alert.kind, ALERT_PASSWORD_SPRAYING);
    assert_bytes(view.ev.u.alert.user, "bob");
    assert_int_equal(view.ev.u.alert.flow->flow_id, 9);
    free(buf);

    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_STATS;
    ev.u.stats.packets = 77;
    buf = copy_round_trip(&ev, &view, NULL, 0);
    assert_int_equal(view.ev.u.stats.packets, 77);
    free(buf);

    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_APP_SUMMARY;
    ev.u.app_summary.apps = apps;
    ev.u.app_summary.app_count = 2;
    ev.u.app_summary.more_bytes = 5;
    buf = copy_round_trip(&ev, &view, NULL, 0);
    memset(apps, 0, sizeof apps);
    assert_int_equal(view.ev.u.app_summary.app_count, 2);
    assert_string_equal(view.ev.u.app_summary.apps[0].name, "TLS");
    assert_int_equal(view.ev.u.app_summary.apps[0].bytes, 3000);
    assert_string_equal(view.ev.u.app_summary.apps[1].name, "HTTP");
    assert_int_equal(view.ev.u.app_summary.apps[1].flows, 2);
    assert_int_equal(view.ev.u.app_summary.more_bytes, 5);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auth_keeps_strings_and_absence),
        cmocka_unit_test(session_keeps_risks_and_wire_bytes),
        cmocka_unit_test(alert_stats_and_summary),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
