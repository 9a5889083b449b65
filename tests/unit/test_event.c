/* The shared formatting every output relies on: a wrong timestamp or
 * address here would be wrong in every record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "fmt.h"

static void time_has_microseconds_and_zulu(void **state)
{
    char buf[FMT_TIME_SIZE];
    struct event_time t = { .sec = 1764134149, .usec = 7 };

    (void)state;
    fmt_time(t, buf, sizeof buf);
    assert_string_equal(buf, "2025-11-26T05:15:49.000007Z");
}

static void time_epoch_and_truncated_buffer(void **state)
{
    char buf[FMT_TIME_SIZE];
    char small[8];
    struct event_time t = { .sec = 0, .usec = 999999 };

    (void)state;
    fmt_time(t, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.999999Z");
    fmt_time(t, small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void addresses_v4_and_v6(void **state)
{
    uint8_t v4[16] = { 192, 0, 2, 1 };
    uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    char buf[FMT_ADDR_SIZE];

    (void)state;
    fmt_addr(4, v4, buf, sizeof buf);
    assert_string_equal(buf, "192.0.2.1");
    fmt_addr(6, v6, buf, sizeof buf);
    assert_string_equal(buf, "2001:db8::1");
}

static void names_match_the_schema(void **state)
{
    (void)state;
    assert_string_equal(event_outcome_name(OUTCOME_SUCCESS), "success");
    assert_string_equal(event_outcome_name(OUTCOME_ABORTED), "aborted");
    assert_string_equal(event_exposure_name(EXPOSURE_CLEARTEXT), "cleartext");
    assert_string_equal(event_exposure_name(EXPOSURE_TOKEN), "token");
    assert_string_equal(event_tls_name(TLS_IMPLICIT), "implicit");
    assert_string_equal(event_end_name(END_END_OF_INPUT), "end_of_input");
    assert_string_equal(event_anomaly_name(ANOMALY_LINE_TOO_LONG), "line_too_long");
    assert_string_equal(event_anomaly_name(ANOMALY_STLS_OFFERED_NOT_USED), "stls_offered_not_used");
}

static void out_of_range_names_do_not_read_past_tables(void **state)
{
    (void)state;
    assert_string_equal(event_outcome_name((enum event_outcome)99), "invalid");
    assert_string_equal(event_anomaly_name(ANOMALY_COUNT), "invalid");
    assert_string_equal(event_end_name((enum event_end)-1), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(time_has_microseconds_and_zulu),
        cmocka_unit_test(time_epoch_and_truncated_buffer),
        cmocka_unit_test(addresses_v4_and_v6),
        cmocka_unit_test(names_match_the_schema),
        cmocka_unit_test(out_of_range_names_do_not_read_past_tables),
    };
    return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
