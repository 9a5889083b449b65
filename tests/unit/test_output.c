/* Output sinks: exact lines for JSON, text and CSV, hostile wire bytes,
 * bounded summaries and write failures. Every test writes into a memory
 * stream and reads back what a user would see. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "event.h"
#include "output.h"
#include "out_escape.h"
#include "output_text_layout.h"
#include "output_text_summary.h"
#include "report_model.h"

/* A byte string with its readable text; sizeof drops the literal's NUL
 * but keeps any NUL written inside it. */
#define BYTES(s) ((struct bytes){ (const uint8_t *)(s), sizeof(s) - 1 })
#define ABSENT ((struct bytes){ NULL, 0 })

/* 2026-11-26T05:15:49Z */
#define T0 1795670149

struct capture {
    FILE *stream;
    char *text;
    size_t len;
    struct output *out;
};

static const struct event_flow flow_v4 = {
    .flow_id = 7,
    .ip_version = 4,
    .client_addr = { 192, 0, 2, 10 },
    .server_addr = { 198, 51, 100, 5 },
    .client_port = 50123,
    .server_port = 110,
    /* Community ID v1 of 192.0.2.10:50123 -> 198.51.100.5:110/TCP, by the
     * spec's reference algorithm (tests/unit/test_community_id.c checks ours). */
    .community_id = "1:e3foIhkikwicOfc6VdBfe2NBku8=",
};

static const struct event_flow flow_v6 = {
    .flow_id = 8,
    .ip_version = 6,
    .client_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 },
    .server_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 },
    .client_port = 40000,
    .server_port = 110,
};

static void capture_open_mode(struct capture *c, enum output_format format, bool show_passwords, int text_mode)
{
    struct output_options opts = {
        .format = format, .show_passwords = show_passwords, .line_buffered = false, .text_mode = text_mode
    };

    memset(c, 0, sizeof *c);
    c->stream = open_memstream(&c->text, &c->len);
    assert_non_null(c->stream);
    c->out = output_new(&opts, c->stream);
    assert_non_null(c->out);
}

static void capture_open(struct capture *c, enum output_format format, bool show_passwords)
{
    capture_open_mode(c, format, show_passwords, OUTPUT_TEXT_FIT);
}

/* Finishes the output and closes the stream; c->text holds everything. */
static void capture_close(struct capture *c)
{
    assert_int_equal(output_finish(c->out), 0);
    output_free(c->out);
    assert_int_equal(fclose(c->stream), 0);
}

static void capture_free(struct capture *c)
{
    free(c->text);
}

static struct event auth_event(void)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_AUTH;
    ev.u.auth.ts = (struct event_time){ T0, 123456 };
    ev.u.auth.flow = &flow_v4;
    ev.u.auth.attempt = 1;
    ev.u.auth.method = "USER";
    ev.u.auth.user = BYTES("alice");
    ev.u.auth.authzid = ABSENT;
    ev.u.auth.outcome = OUTCOME_FAILURE;
    ev.u.auth.exposure = EXPOSURE_CLEARTEXT;
    ev.u.auth.password = BYTES("hunter2");
    ev.u.auth.response = BYTES("Authentication failed.");
    ev.u.auth.resp_code = "AUTH";
    ev.u.auth.command_frame = 5; /* the reply's frame stays unknown: null */
    return ev;
}

static struct event session_event(void)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_SESSION;
    ev.u.session.ts_start = (struct event_time){ T0, 0 };
    ev.u.session.ts_end = (struct event_time){ T0 + 2, 500000 };
    ev.u.session.flow = &flow_v4;
    ev.u.session.banner = BYTES("Dovecot ready. <1896.697170952@dbc.mtview.ca.us>");
    ev.u.session.apop_timestamp = BYTES("<1896.697170952@dbc.mtview.ca.us>");
    ev.u.session.user = ABSENT;
    ev.u.session.auth_method = NULL;
    ev.u.session.auth_attempts = 1;
    ev.u.session.auth_failures = 1;
    ev.u.session.tls = TLS_NONE;
    ev.u.session.maildrop_known = false;
    ev.u.session.maildrop_messages = 99; /* must not show: unknown */
    ev.u.session.commands = 3;
    ev.u.session.client_bytes = 40;
    ev.u.session.server_bytes = 120;
    ev.u.session.end = END_FIN;
    ev.u.session.gap_bytes = 0;
    /* Set out of enum order: the array must come out in enum order. */
    ev.u.session.anomalies = (UINT64_C(1) << ANOMALY_GAP) | (UINT64_C(1) << ANOMALY_LINE_TOO_LONG);
    return ev;
}

/* Writes one event as JSON and returns the single line (caller frees). */
static char *json_line(const struct event *ev, bool show_passwords)
{
    struct capture c;

    capture_open(&c, OUTPUT_JSON, show_passwords);
    output_event(c.out, ev);
    capture_close(&c);
    assert_true(c.len > 0);
    assert_int_equal(c.text[c.len - 1], '\n');
    assert_null(memchr(c.text, '\n', c.len - 1)); /* exactly one line */
    return c.text;
}

/* The line must parse back: jansson validates UTF-8 on load. */
static json_t *json_parse(const char *line)
{
    json_error_t err;
    json_t *root = json_loads(line, JSON_ALLOW_NUL, &err);

    if (root == NULL)
        fail_msg("line does not parse: %s: %s", err.text, line);
    return root;
}

static const char *json_get_string(json_t *root, const char *key, size_t *len)
{
    json_t *v = json_object_get(root, key);

    assert_non_null(v);
    assert_true(json_is_string(v));
    *len = json_string_length(v);
    return json_string_value(v);
}

/* ---------------------------------------------------------------- JSON */

static void json_auth_redacts_by_leaving_out_the_key(void **state)
{
    struct event ev = auth_event();
    char *line = json_line(&ev, false);

    (void)state;
    assert_string_equal(line,
                        "{\"event\":\"auth\",\"ts\":\"2026-11-26T05:15:49.123456Z\",\"flow_id\":7,"
                        "\"src_ip\":\"192.0.2.10\",\"src_port\":50123,\"dest_ip\":\"198.51.100.5\",\"dest_port\":110,"
                        "\"community_id\":\"1:e3foIhkikwicOfc6VdBfe2NBku8=\","
                        "\"attempt\":1,\"method\":\"USER\",\"user\":\"alice\",\"authzid\":null,"
                        "\"outcome\":\"failure\",\"exposure\":\"cleartext\","
                        "\"response\":\"Authentication failed.\",\"resp_code\":\"AUTH\","
                        "\"realm\":null,\"credentials_valid\":null,\"capture_file\":null,\"command_frame\":5,"
                        "\"reply_frame\":null}\n");
    assert_null(strstr(line, "hunter2"));
    free(line);
}

static void json_auth_shows_password_when_asked(void **state)
{
    struct event ev = auth_event();
    char *line = json_line(&ev, true);

    (void)state;
    assert_string_equal(line,
                        "{\"event\":\"auth\",\"ts\":\"2026-11-26T05:15:49.123456Z\",\"flow_id\":7,"
                        "\"src_ip\":\"192.0.2.10\",\"src_port\":50123,\"dest_ip\":\"198.51.100.5\",\"dest_port\":110,"
                        "\"community_id\":\"1:e3foIhkikwicOfc6VdBfe2NBku8=\","
                        "\"attempt\":1,\"method\":\"USER\",\"user\":\"alice\",\"authzid\":null,"
                        "\"outcome\":\"failure\",\"exposure\":\"cleartext\",\"password\":\"hunter2\","
                        "\"response\":\"Authentication failed.\",\"resp_code\":\"AUTH\","
                        "\"realm\":null,\"credentials_valid\":null,\"crack\":null,\"capture_file\":null,"
                        "\"command_frame\":5,\"reply_frame\":null}\n");
    free(line);
}

static void json_auth_password_null_when_no_secret_crossed(void **state)
{
    struct event ev = auth_event();
    char *line;

    (void)state;
    ev.u.auth.password = ABSENT;
    ev.u.auth.resp_code = NULL;
    ev.u.auth.outcome = OUTCOME_ABORTED;
    ev.u.auth.exposure = EXPOSURE_NONE;
    line = json_line(&ev, true);
    assert_non_null(strstr(line, "\"exposure\":\"none\",\"password\":null,\"response\":"));
    assert_non_null(strstr(line, "\"resp_code\":null,"));
    free(line);
}

static void json_session_unknown_maildrop_is_null(void **state)
{
    struct event ev = session_event();
    char *line = json_line(&ev, false);

    (void)state;
    assert_string_equal(line,
                        "{\"event\":\"session\",\"ts_start\":\"2026-11-26T05:15:49.000000Z\","
                        "\"ts_end\":\"2026-11-26T05:15:51.500000Z\",\"flow_id\":7,"
                        "\"src_ip\":\"192.0.2.10\",\"src_port\":50123,\"dest_ip\":\"198.51.100.5\",\"dest_port\":110,"
                        "\"community_id\":\"1:e3foIhkikwicOfc6VdBfe2NBku8=\","
                        "\"banner\":\"Dovecot ready. <1896.697170952@dbc.mtview.ca.us>\","
                        "\"apop_timestamp\":\"<1896.697170952@dbc.mtview.ca.us>\",\"user\":null,"
                        "\"auth_method\":null,\"auth_attempts\":1,\"auth_failures\":1,\"tls\":\"none\","
                        "\"app_proto\":null,\"ndpi_risks\":[],\"stls_offered\":false,\"capabilities\":null,"
                        "\"sasl_mechanisms\":null,\"implementation\":null,"
                        "\"maildrop_messages\":null,\"maildrop_octets\":null,\"retr_count\":0,\"retr_octets\":0,"
                        "\"top_count\":0,\"dele_count\":0,\"deletions_committed\":false,\"messages_deleted\":0,"
                        "\"commands\":3,\"client_bytes\":40,\"server_bytes\":120,\"end\":\"fin\",\"gap_bytes\":0,"
                        "\"anomalies\":[\"line_too_long\",\"gap\"],\"capture_file\":null}\n");
    free(line);
}

static void json_session_known_maildrop_and_ipv6(void **state)
{
    struct event ev = session_event();
    char *line;

    (void)state;
    ev.u.session.flow = &flow_v6;
    ev.u.session.maildrop_known = true;
    ev.u.session.maildrop_octets_known = true;
    ev.u.session.maildrop_messages = 2;
    ev.u.session.maildrop_octets = 320;
    ev.u.session.user = BYTES("alice");
    ev.u.session.auth_method = "PLAIN";
    ev.u.session.tls = TLS_STLS;
    ev.u.session.deletions_committed = true;
    ev.u.session.anomalies = 0;
    ev.u.session.capture_file = "rot.pcap";
    ev.u.session.end_file = "rot.pcap1"; /* a tcpdump -C rotation split it */
    line = json_line(&ev, false);
    assert_non_null(strstr(line, "\"src_ip\":\"2001:db8::10\",\"src_port\":40000,\"dest_ip\":\"2001:db8::1\""));
    assert_non_null(strstr(line, "\"user\":\"alice\",\"auth_method\":\"PLAIN\""));
    assert_non_null(strstr(line, "\"tls\":\"stls\","));
    assert_non_null(strstr(line, "\"maildrop_messages\":2,\"maildrop_octets\":320"));
    assert_non_null(strstr(line, "\"deletions_committed\":true"));
    assert_non_null(strstr(line, "\"anomalies\":[],\"capture_file\":\"rot.pcap\",\"end_file\":\"rot.pcap1\"}\n"));
    free(line);
    ev.u.session.end_file = ev.u.session.capture_file; /* one file: no end_file */
    line = json_line(&ev, false);
    assert_non_null(strstr(line, "\"anomalies\":[],\"capture_file\":\"rot.pcap\"}\n"));
    free(line);
}

/* CAPA findings and nDPI's naming: null means "not seen", [] means
 * "seen, empty"; the two must not blur. */
static void json_session_capabilities_and_app(void **state)
{
    static const char *const risks[] = { "Clear-Text Credentials", "Known Protocol on Non-Standard Port" };
    struct event ev = session_event();
    char *line;

    (void)state;
    ev.u.session.capa_seen = true;
    ev.u.session.capabilities = (1u << CAPA_TOP) | (1u << CAPA_SASL) | (1u << CAPA_STLS);
    ev.u.session.sasl_mechanisms = BYTES("PLAIN LOGIN");
    ev.u.session.stls_offered = true;
    ev.u.session.app_proto = "POP3";
    ev.u.session.risks = risks;
    ev.u.session.risk_count = 2;
    line = json_line(&ev, false);
    assert_non_null(strstr(line, "\"app_proto\":\"POP3\",\"ndpi_risks\":[\"Clear-Text Credentials\","
                                 "\"Known Protocol on Non-Standard Port\"],\"stls_offered\":true,"
                                 "\"capabilities\":[\"TOP\",\"SASL\",\"STLS\"],"
                                 "\"sasl_mechanisms\":\"PLAIN LOGIN\",\"implementation\":null,"));
    free(line);
}

static void json_auth_credentials_and_crack(void **state)
{
    struct event ev = auth_event();
    char *line;

    (void)state;
    ev.u.auth.credentials_valid = TRISTATE_YES;
    ev.u.auth.crack = BYTES("alice:c4c9334bac560ecc979e58001b3e22fb:<1896.697170952@dbc.mtview.ca.us>");
    line = json_line(&ev, false);
    assert_non_null(
        strstr(line, "\"credentials_valid\":true,\"capture_file\":null,\"command_frame\":5,\"reply_frame\":null}"));
    assert_null(strstr(line, "crack"));
    free(line);
    ev.u.auth.credentials_valid = TRISTATE_NO;
    line = json_line(&ev, true);
    assert_non_null(strstr(line, "\"credentials_valid\":false,\"crack\":\"alice:c4c9334bac560ecc979e58001b3e22fb:"));
    free(line);
}

static void json_alert_and_stats(void **state)
{
    struct event ev;
    char *line;

    (void)state;
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_ALERT;
    ev.u.alert.ts.sec = 1764134149;
    ev.u.alert.kind = ALERT_BRUTE_FORCE_ACCOUNT;
    ev.u.alert.flow = &flow_v4;
    ev.u.alert.user = BYTES("alice");
    ev.u.alert.count = 10;
    ev.u.alert.threshold = 10;
    ev.u.alert.window = 60;
    ev.u.alert.window_start.sec = 1764134100;
    ev.u.alert.capture_file = "day1.pcap";
    line = json_line(&ev, false);
    assert_string_equal(line, "{\"event\":\"alert\",\"ts\":\"2025-11-26T05:15:49.000000Z\","
                              "\"kind\":\"brute_force_account\",\"flow_id\":7,\"src_ip\":\"192.0.2.10\","
                              "\"src_port\":50123,\"dest_ip\":\"198.51.100.5\",\"dest_port\":110,"
                              "\"community_id\":\"1:e3foIhkikwicOfc6VdBfe2NBku8=\","
                              "\"user\":\"alice\",\"count\":10,\"threshold\":10,\"window\":60,"
                              "\"window_start\":\"2025-11-26T05:15:00.000000Z\",\"capture_file\":\"day1.pcap\"}\n");
    free(line);
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_STATS;
    ev.u.stats.packets = 5;
    ev.u.stats.kernel_drops = 2;
    ev.u.stats.output_drops = 7;
    line = json_line(&ev, false);
    assert_non_null(strstr(line, "{\"event\":\"stats\",\"ts\":\"1970-01-01T00:00:00.000000Z\",\"packets\":5,"));
    assert_non_null(strstr(line, "\"kernel_drops\":2,"));
    assert_non_null(strstr(line, ",\"output_drops\":7}"));
    free(line);
}

static void json_gbk_banner_becomes_hex_escapes(void **state)
{
    struct event ev = session_event();
    char *line;
    json_t *root;
    const char *banner;
    size_t len;

    (void)state;
    /* "你好" in GBK: not UTF-8, so jansson would refuse the raw bytes. */
    ev.u.session.banner = BYTES("\xC4\xE3\xBA\xC3 POP3 ready");
    line = json_line(&ev, false);
    assert_non_null(strstr(line, "\"banner\":\"\\\\xC4\\\\xE3\\\\xBA\\\\xC3 POP3 ready\""));
    root = json_parse(line);
    banner = json_get_string(root, "banner", &len);
    assert_string_equal(banner, "\\xC4\\xE3\\xBA\\xC3 POP3 ready");
    json_decref(root);
    free(line);
}

static void json_valid_utf8_passes_unchanged(void **state)
{
    /* ü (2 bytes), 日本 (3 each), 😀 (4), and the edges U+D7FF, U+E000,
     * U+10FFFF that sit right beside the rejected ranges. */
    static const char user[] = "j\xC3\xBCrgen \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \xED\x9F\xBF\xEE\x80\x80\xF4\x8F\xBF\xBF";
    struct event ev = auth_event();
    char *line;
    json_t *root;
    const char *value;
    size_t len;

    (void)state;
    ev.u.auth.user = BYTES(user);
    line = json_line(&ev, false);
    assert_non_null(strstr(line, user));
    root = json_parse(line);
    value = json_get_string(root, "user", &len);
    assert_int_equal(len, sizeof user - 1);
    assert_memory_equal(value, user, len);
    json_decref(root);
    free(line);
}

static void json_escapes_invalid_sequences(void **state)
{
    static const struct {
        struct bytes in;
        const char *want; /* the parsed JSON value */
    } cases[] = {
        { BYTES("\xC0\xAF"), "\\xC0\\xAF" }, /* overlong '/' */
        { BYTES("\xE0\x80\xAF"), "\\xE0\\x80\\xAF" }, /* overlong, 3 bytes */
        { BYTES("\xF0\x80\x80\xAF"), "\\xF0\\x80\\x80\\xAF" }, /* overlong, 4 bytes */
        { BYTES("\xED\xA0\x80"), "\\xED\\xA0\\x80" }, /* surrogate U+D800 */
        { BYTES("\xED\xBF\xBF"), "\\xED\\xBF\\xBF" }, /* surrogate U+DFFF */
        { BYTES("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80" }, /* U+110000 */
        { BYTES("\xF5\x80\x80\x80"), "\\xF5\\x80\\x80\\x80" },
        { BYTES("\xFF" "a\x80"), "\\xFFa\\x80" }, /* lone bytes */
        { BYTES("ok\xE6\x97"), "ok\\xE6\\x97" }, /* cut at the end */
        { BYTES("\xE6\x97" "a"), "\\xE6\\x97a" }, /* cut mid-string */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct event ev = auth_event();
        char *line;
        json_t *root;
        const char *value;
        size_t len;

        ev.u.auth.user = cases[i].in;
        line = json_line(&ev, false);
        root = json_parse(line);
        value = json_get_string(root, "user", &len);
        assert_string_equal(value, cases[i].want);
        json_decref(root);
        free(line);
    }
}

static void json_nul_inside_user_round_trips(void **state)
{
    static const char user[] = "ali\0ce\r\n";
    struct event ev = auth_event();
    char *line;
    json_t *root;
    const char *value;
    size_t len;

    (void)state;
    ev.u.auth.user = BYTES(user);
    line = json_line(&ev, false);
    assert_non_null(strstr(line, "\"user\":\"ali\\u0000ce\\r\\n\""));
    root = json_parse(line);
    value = json_get_string(root, "user", &len);
    assert_int_equal(len, sizeof user - 1);
    assert_memory_equal(value, user, len);
    json_decref(root);
    free(line);
}

/* A wire method name (SASL mechanisms are typed by the client) is no
 * more trusted than a user name. */
static void json_escapes_method_and_resp_code(void **state)
{
    struct event ev = auth_event();
    char *line;

    (void)state;
    ev.u.auth.method = "X-\xFF";
    ev.u.auth.resp_code = "SYS/\xC3";
    line = json_line(&ev, false);
    assert_non_null(strstr(line, "\"method\":\"X-\\\\xFF\""));
    assert_non_null(strstr(line, "\"resp_code\":\"SYS/\\\\xC3\""));
    json_decref(json_parse(line));
    free(line);
}

static void json_overlong_value_is_cut_on_a_character(void **state)
{
    /* 30000 euro signs (3 bytes each) overflow the scratch; the cut must
     * not split a character and must say "...". */
    size_t n = 30000, i;
    uint8_t *big = malloc(3 * n);
    struct event ev = auth_event();
    char *line;
    json_t *root;
    const char *value;
    size_t len;

    (void)state;
    assert_non_null(big);
    for (i = 0; i < n; i++)
        memcpy(big + 3 * i, "\xE2\x82\xAC", 3);
    ev.u.auth.response = (struct bytes){ big, 3 * n };
    line = json_line(&ev, false);
    root = json_parse(line);
    value = json_get_string(root, "response", &len);
    assert_true(len <= OUTPUT_SCRATCH_MAX);
    assert_true(len > OUTPUT_SCRATCH_MAX - 6);
    assert_memory_equal(value + len - 3, "...", 3);
    assert_int_equal((len - 3) % 3, 0);
    json_decref(root);
    free(line);
    free(big);
}

/* ---------------------------------------------------------------- text */

static void text_row_and_header_are_exact(void **state)
{
    struct capture c;
    struct event ev = auth_event();
    const char *want =
        "TIME (UTC)           CLIENT                 SERVER                 USER                  "
        "METHOD      OUTCOME  EXPOSURE   PASSWORD              RESPONSE                                  "
        "FRAMES\n"
        "2026-11-26 05:15:49  192.0.2.10:50123       198.51.100.5:110       alice                 "
        "USER        failure  cleartext  (redacted)            \"[AUTH] Authentication failed.\"         "
        "  5,?\n";

    (void)state;
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &ev);
    capture_close(&c);
    assert_true(c.len > strlen(want));
    assert_memory_equal(c.text, want, strlen(want));
    capture_free(&c);
}

static void text_password_column(void **state)
{
    struct capture c;
    struct event ev = auth_event();

    (void)state;
    capture_open(&c, OUTPUT_TEXT, true);
    output_event(c.out, &ev); /* shown */
    ev.u.auth.password = ABSENT;
    ev.u.auth.user = BYTES("bob");
    output_event(c.out, &ev); /* none crossed */
    capture_close(&c);
    assert_non_null(strstr(c.text, "cleartext  hunter2               \"[AUTH]"));
    assert_non_null(strstr(c.text, "cleartext  -                     \"[AUTH]"));
    assert_null(strstr(c.text, "(redacted)"));
    capture_free(&c);
}

static void text_ipv6_endpoints_are_bracketed(void **state)
{
    struct capture c;
    struct event ev = auth_event();

    (void)state;
    ev.u.auth.flow = &flow_v6;
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &ev);
    capture_close(&c);
    assert_non_null(strstr(c.text, "  [2001:db8::10]:40000   [2001:db8::1]:110      alice "));
    capture_free(&c);
}

static void text_escapes_control_bytes(void **state)
{
    struct capture c;
    struct event ev = auth_event();
    size_t i;

    (void)state;
    /* An attacker's user name that would recolour or retitle a terminal. */
    ev.u.auth.user = BYTES("\x1b[31mevil");
    ev.u.auth.response = BYTES("\x1b]0;\x07\xC4\r\n\0x");
    ev.u.auth.method = "\x9b" "2J";
    capture_open(&c, OUTPUT_TEXT, true);
    output_event(c.out, &ev);
    capture_close(&c);
    for (i = 0; i < c.len; i++) {
        unsigned char b = (unsigned char)c.text[i];

        if (b == '\n')
            continue;
        if (b < 0x20 || b > 0x7E)
            fail_msg("raw byte 0x%02X reached the text output at offset %zu", b, i);
    }
    assert_non_null(strstr(c.text, "\\x1B[31mevil"));
    assert_non_null(strstr(c.text, "\\x9B2J"));
    assert_non_null(strstr(c.text, "\"[AUTH] \\x1B]0;\\x07\\xC4\\x0D\\x0A\\x00x\"  "));
    capture_free(&c);
}

static void text_long_values_are_cut_with_dots(void **state)
{
    struct capture c;
    struct event ev = auth_event();

    (void)state;
    ev.u.auth.user = BYTES("a-very-long-user-name-indeed@example.org");
    ev.u.auth.resp_code = NULL;
    ev.u.auth.response = BYTES("0123456789012345678901234567890123456789overflow");
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &ev);
    capture_close(&c);
    /* The response is cut; the user name never: it goes below its row. */
    assert_non_null(strstr(c.text, "  (see below)           USER "));
    assert_non_null(strstr(c.text, "  0123456789012345678901234567890123456...  5,?\n"
                                   "    user: a-very-long-user-name-indeed@example.org\n"));
    capture_free(&c);
}

static void text_escape_is_not_split_by_the_cut(void **state)
{
    struct capture c;
    struct event ev = auth_event();

    (void)state;
    /* 37 letters then ESC: "\x1B" would straddle column 40, so it goes. */
    ev.u.auth.resp_code = NULL;
    ev.u.auth.response = BYTES("abcdefghijklmnopqrstuvwxyzabcdefghijk\x1bzzzz");
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &ev);
    capture_close(&c);
    assert_non_null(strstr(c.text, "  abcdefghijklmnopqrstuvwxyzabcdefghijk...  5,?\n"));
    capture_free(&c);
}

/* The layout for a terminal: the README's order, checked at the widths
 * the CLI test uses, and the secret kept with -p. */
static void text_layout_drops_in_the_stated_order(void **state)
{
    struct output_text_layout l;

    (void)state;
    output_text_layout_fit(&l, 0, false);
    assert_true(l.frames_shown);
    assert_int_equal(l.frames_width, 0);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_RESPONSE], OUTPUT_TEXT_W_RESPONSE);
    output_text_layout_fit(&l, 200, false);
    assert_true(l.frames_shown);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_RESPONSE], OUTPUT_TEXT_W_RESPONSE_NARROW);
    assert_int_equal(output_text_layout_fixed(&l) + 2 + l.frames_width, 200);
    output_text_layout_fit(&l, 100, false);
    assert_false(l.frames_shown);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_RESPONSE], 0);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_PASSWORD], 0);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_CLIENT], 0);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_METHOD], OUTPUT_TEXT_W_METHOD);
    assert_true(output_text_layout_fixed(&l) <= 100);
    output_text_layout_fit(&l, 80, false);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_METHOD], 0);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_USER], OUTPUT_TEXT_W_USER_NARROW);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_SERVER], OUTPUT_TEXT_W_ADDR);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_EXPOSURE], OUTPUT_TEXT_W_EXPOSURE);
    assert_true(output_text_layout_fixed(&l) <= 80);
    output_text_layout_fit(&l, 80, true);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_PASSWORD], OUTPUT_TEXT_W_PASSWORD_NARROW);
    assert_int_equal(l.width[OUTPUT_TEXT_COL_EXPOSURE], 0);
    assert_true(output_text_layout_fixed(&l) <= 80);
}

/* COLUMNS wins; a file or pipe without it has no limit. */
static void text_layout_width_from_columns(void **state)
{
    FILE *f = tmpfile();

    (void)state;
    assert_non_null(f);
    setenv("COLUMNS", "93", 1);
    assert_int_equal(output_text_layout_width(f), 93);
    setenv("COLUMNS", "93x", 1);
    assert_int_equal(output_text_layout_width(f), 0);
    setenv("COLUMNS", "0", 1);
    assert_int_equal(output_text_layout_width(f), 0);
    unsetenv("COLUMNS");
    assert_int_equal(output_text_layout_width(f), 0);
    fclose(f);
}

/* --vertical with -p: every field on its line, the secret whole. */
static void text_vertical_block_is_exact(void **state)
{
    struct capture c;
    struct event ev = auth_event();

    (void)state;
    ev.u.auth.password = BYTES("0123456789012345678901234567890123456789012345678901234567890");
    capture_open_mode(&c, OUTPUT_TEXT, true, OUTPUT_TEXT_VERTICAL);
    output_event(c.out, &ev);
    capture_close(&c);
    assert_non_null(strstr(c.text, "-[ RECORD 1 ]-----------------------\n"
                                   "time     | 2026-11-26 05:15:49\n"
                                   "client   | 192.0.2.10:50123\n"
                                   "server   | 198.51.100.5:110\n"
                                   "user     | alice\n"
                                   "method   | USER\n"
                                   "outcome  | failure\n"
                                   "exposure | cleartext\n"
                                   "password | 0123456789012345678901234567890123456789012345678901234567890\n"
                                   "response | \"[AUTH] Authentication failed.\"\n"
                                   "frames   | 5,?\n"));
    capture_free(&c);
}

/* No user: "-", in the row as in the summary. */
static void text_missing_user_is_a_dash(void **state)
{
    struct capture c;
    struct event ev = auth_event();

    (void)state;
    ev.u.auth.user = ABSENT;
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &ev);
    capture_close(&c);
    assert_non_null(strstr(c.text, "  -                     USER "));
    assert_non_null(strstr(c.text, "\n  - at 198.51.100.5:110: 1 attempt (success 0, failure 1)"));
    capture_free(&c);
}

static struct event alert_event(struct bytes user);

static void text_summary_counts_and_exposed_accounts(void **state)
{
    static const struct event_flow other_server = {
        .flow_id = 9, .ip_version = 4, .client_addr = { 192, 0, 2, 10 }, .server_addr = { 203, 0, 113, 9 },
        .client_port = 50200, .server_port = 110,
    };
    struct capture c;
    struct event ev = auth_event();
    struct event s = session_event();
    const char *summary;

    (void)state;
    capture_open(&c, OUTPUT_TEXT, false);
    ev.u.auth.outcome = OUTCOME_FAILURE; /* alice, cleartext, failed */
    output_event(c.out, &ev);
    ev.u.auth.outcome = OUTCOME_SUCCESS; /* alice again, by token: same account */
    ev.u.auth.method = "XOAUTH2";
    ev.u.auth.exposure = EXPOSURE_TOKEN;
    ev.u.auth.ts.sec += 5;
    output_event(c.out, &ev);
    ev.u.auth.flow = &other_server; /* alice elsewhere: another account */
    ev.u.auth.method = "USER";
    ev.u.auth.exposure = EXPOSURE_CLEARTEXT;
    output_event(c.out, &ev);
    ev.u.auth.flow = &flow_v4;
    ev.u.auth.user = BYTES("carol"); /* APOP digest: a hash */
    ev.u.auth.method = "APOP";
    ev.u.auth.exposure = EXPOSURE_HASH;
    ev.u.auth.outcome = OUTCOME_UNKNOWN;
    output_event(c.out, &ev);
    ev.u.auth.user = BYTES("dave"); /* cancelled before a secret */
    ev.u.auth.exposure = EXPOSURE_NONE;
    ev.u.auth.outcome = OUTCOME_ABORTED;
    output_event(c.out, &ev);
    s.u.session.retr_count = 3;
    s.u.session.retr_octets = 4096;
    s.u.session.messages_deleted = 2;
    s.u.session.stls_offered = true; /* offered, and the login went in the clear */
    s.u.session.anomalies = UINT64_C(1) << ANOMALY_STLS_OFFERED_NOT_USED;
    output_event(c.out, &s);
    s.u.session.stls_offered = false;
    s.u.session.anomalies = 0;
    output_event(c.out, &s);
    s.u.session.stls_offered = true;
    s.u.session.tls = TLS_STLS;
    output_event(c.out, &s);
    s.u.session.stls_offered = false;
    s.u.session.tls = TLS_IMPLICIT;
    s.u.session.retr_count = 0;
    s.u.session.retr_octets = 0;
    s.u.session.messages_deleted = 0;
    output_event(c.out, &s);
    capture_close(&c);
    summary = strstr(c.text, "\n\nsessions:");
    assert_non_null(summary);
    /* Cleartext before hash before none; a success before failures only;
     * the same user on two servers is two accounts; exposures each listed,
     * the worst first. */
    assert_string_equal(
        summary + 2,
        "sessions: 4 (cleartext 2, stls 1, implicit tls 1)\n"
        "login attempts: 5 (success 2, failure 1, aborted 1, unknown 1)\n"
        "messages retrieved: 9 (12288 octets), deleted: 6\n"
        "passwords exposed in cleartext: 2 accounts\n"
        "accounts (user at server, most exposed first):\n"
        "  alice at 198.51.100.5:110: 2 attempts (success 1, failure 1); methods USER,XOAUTH2; exposure "
        "cleartext,token; "
        "seen 2026-11-26 05:15:49 to 2026-11-26 05:15:54\n"
        "  alice at 203.0.113.9:110: 1 attempt (success 1, failure 0); methods USER; exposure cleartext; "
        "seen 2026-11-26 05:15:54 to 2026-11-26 05:15:54\n"
        "  carol at 198.51.100.5:110: 1 attempt (success 0, failure 0); methods APOP; exposure hash; "
        "seen 2026-11-26 05:15:54 to 2026-11-26 05:15:54\n"
        "  dave at 198.51.100.5:110: 1 attempt (success 0, failure 0); methods APOP; exposure none; "
        "seen 2026-11-26 05:15:54 to 2026-11-26 05:15:54\n"
        "servers (most attempts first):\n"
        "  198.51.100.5:110: 4 sessions, 4 attempts; banner \"Dovecot ready. <1896.697170952@dbc.mtview.ca.us>\"; "
        "methods USER,XOAUTH2,APOP; STLS offered 2, used 1, offered not used 1; implicit TLS 1\n"
        "  203.0.113.9:110: 0 sessions, 1 attempt; banner -; methods USER; STLS offered 0, used 0, offered not used 0; "
        "implicit TLS 0\n"
        "stls_offered_not_used: 1 session (STLS offered, login in the clear)\n"
        "alerts: none\n");
    capture_free(&c);
}

static void text_summary_without_attempts(void **state)
{
    struct capture c;
    struct event s = session_event();

    (void)state;
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &s);
    capture_close(&c);
    assert_string_equal(c.text, "sessions: 1 (cleartext 1, stls 0, implicit tls 0)\n"
                                "no POP3 login attempts seen\n"
                                "messages retrieved: 0 (0 octets), deleted: 0\n"
                                "servers (most attempts first):\n"
                                "  198.51.100.5:110: 1 session, 0 attempts; banner "
                                "\"Dovecot ready. <1896.697170952@dbc.mtview.ca.us>\"; methods -; STLS offered 0, "
                                "used 0, offered not used 0; implicit TLS 0\n"
                                "stls_offered_not_used: 0 sessions (STLS offered, login in the clear)\n"
                                "alerts: none\n");
    capture_free(&c);
}

static void text_summary_none_exposed(void **state)
{
    struct capture c;
    struct event ev = auth_event();

    (void)state;
    ev.u.auth.exposure = EXPOSURE_TOKEN;
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &ev);
    capture_close(&c);
    assert_non_null(strstr(c.text, "\npasswords exposed in cleartext: none\n"));
    assert_non_null(strstr(c.text, "\n  alice at 198.51.100.5:110: 1 attempt (success 0, failure 1); methods USER; "
                                   "exposure token; seen "));
    capture_free(&c);
}

/* Lines starting with `prefix` after the first `section` line. */
static unsigned count_lines(const char *text, const char *section, const char *prefix)
{
    const char *p = strstr(text, section);
    unsigned n = 0;

    assert_non_null(p);
    for (p = strstr(p, prefix); p != NULL; p = strstr(p + 1, prefix))
        n++;
    return n;
}

/* More distinct accounts than the model keeps: the summary lists the
 * first OUTPUT_SUMMARY_ACCOUNTS_SHOWN by risk, counts the other listed
 * ones, counts the attempts the table had no room for, and still lists a
 * login that worked after the table filled (the model's reserve). */
static void text_exposed_accounts_are_bounded(void **state)
{
    struct capture c;
    struct event ev = auth_event();
    char user[32];
    unsigned i;

    (void)state;
    capture_open(&c, OUTPUT_TEXT, false);
    for (i = 0; i < REPORT_DEFAULT_MAX_ACCOUNTS + 5; i++) {
        int n = snprintf(user, sizeof user, "user%u", i);

        ev.u.auth.user = (struct bytes){ (const uint8_t *)user, (size_t)n };
        output_event(c.out, &ev);
    }
    ev.u.auth.user = BYTES("user0"); /* still counted on its listed entry */
    output_event(c.out, &ev);
    ev.u.auth.user = BYTES("winner"); /* after the table filled */
    ev.u.auth.outcome = OUTCOME_SUCCESS;
    output_event(c.out, &ev);
    capture_close(&c);
    assert_int_equal(count_lines(c.text, "\naccounts (user at server", "\n  user"), OUTPUT_SUMMARY_ACCOUNTS_SHOWN - 1);
    assert_non_null(strstr(c.text, "\naccounts (user at server, most exposed first):\n"
                                   "  winner at 198.51.100.5:110: 1 attempt (success 1, failure 0);"));
    assert_non_null(strstr(c.text, "\n  user0 at 198.51.100.5:110: 2 attempts (success 0, failure 2);"));
    assert_non_null(strstr(c.text, "\npasswords exposed in cleartext: 4097 accounts\n"));
    assert_non_null(strstr(c.text, "\n  ... and 4077 more accounts\n"
                                   "  ... and 5 attempts on accounts beyond the table's 4096 (+512 for logins that "
                                   "worked)\n"));
    capture_free(&c);
}

/* Failures as dense as the brute_force_account detector's defaults (10 in
 * 300 s) give a hint without --alerts; sparser ones do not; with alerts
 * in the run the hint stops sending the reader to --alerts. */
static void text_summary_brute_force_hint(void **state)
{
    struct capture c;
    struct event ev = auth_event();
    struct event al = alert_event(BYTES("bob"));
    unsigned i;

    (void)state;
    for (int with_alert = 0; with_alert < 2; with_alert++) {
        capture_open(&c, OUTPUT_TEXT, false);
        ev.u.auth.outcome = OUTCOME_FAILURE;
        ev.u.auth.user = BYTES("bob"); /* 57 failures in 40 s */
        for (i = 0; i < 57; i++) {
            ev.u.auth.ts.sec = T0 + (int64_t)(i * 40 / 56);
            output_event(c.out, &ev);
        }
        ev.u.auth.user = BYTES("edge"); /* 10 in 300 s: just dense enough */
        for (i = 0; i < 10; i++) {
            ev.u.auth.ts.sec = T0 + (int64_t)(i * 300 / 9);
            output_event(c.out, &ev);
        }
        ev.u.auth.user = BYTES("slow"); /* 10 in 301 s: not */
        for (i = 0; i < 10; i++) {
            ev.u.auth.ts.sec = T0 + (int64_t)(i * 301 / 9);
            output_event(c.out, &ev);
        }
        ev.u.auth.user = BYTES("nine"); /* 9 in 1 s: below the count */
        for (i = 0; i < 9; i++) {
            ev.u.auth.ts.sec = T0;
            output_event(c.out, &ev);
        }
        if (with_alert)
            output_event(c.out, &al);
        capture_close(&c);
        if (!with_alert) {
            assert_non_null(strstr(c.text, "\nalerts: none\n"
                                           "brute force? bob at 198.51.100.5:110: 57 failures in 40 s, looks like "
                                           "guessing; run with --alerts\n"
                                           "brute force? edge at 198.51.100.5:110: 10 failures in 300 s, looks like "
                                           "guessing; run with --alerts\n"));
        } else {
            assert_non_null(strstr(c.text, "\nalerts: 1 (brute_force_account 1)\n"
                                           "brute force? bob at 198.51.100.5:110: 57 failures in 40 s, looks like "
                                           "guessing\n"));
        }
        assert_null(strstr(c.text, "brute force? slow"));
        assert_null(strstr(c.text, "brute force? nine"));
        capture_free(&c);
    }
}

/* More guessed accounts than the hints show: the rest are counted. */
static void text_summary_hints_are_bounded(void **state)
{
    struct capture c;
    struct event ev = auth_event();
    char user[32];

    (void)state;
    capture_open(&c, OUTPUT_TEXT, false);
    for (unsigned u = 0; u < OUTPUT_SUMMARY_HINTS_SHOWN + 3; u++) {
        int n = snprintf(user, sizeof user, "guess%u", u);

        ev.u.auth.user = (struct bytes){ (const uint8_t *)user, (size_t)n };
        for (unsigned i = 0; i < 10 + u; i++) /* the most failures first */
            output_event(c.out, &ev);
    }
    capture_close(&c);
    assert_int_equal(count_lines(c.text, "\nalerts:", "\nbrute force? guess"), OUTPUT_SUMMARY_HINTS_SHOWN);
    assert_non_null(strstr(c.text, "\nbrute force? guess7 at 198.51.100.5:110: 17 failures in 0 s"));
    assert_null(strstr(c.text, "\nbrute force? guess2 "));
    assert_non_null(strstr(c.text, "\nbrute force? ... and 3 more accounts\n"));
    capture_free(&c);
}

/* ----------------------------------------------------------------- CSV */

static void csv_header_and_row_are_exact(void **state)
{
    struct capture c;
    struct event ev = auth_event();
    struct event s = session_event();

    (void)state;
    capture_open(&c, OUTPUT_CSV, false);
    output_event(c.out, &ev);
    output_event(c.out, &s); /* sessions are not CSV rows */
    capture_close(&c);
    assert_string_equal(c.text, "ts,flow_id,src_ip,src_port,dest_ip,dest_port,attempt,method,user,outcome,exposure,"
                                "password,response,resp_code,capture_file,command_frame,reply_frame,reply_file\r\n"
                                "2026-11-26T05:15:49.123456Z,7,192.0.2.10,50123,198.51.100.5,110,1,USER,alice,failure,"
                                "cleartext,(redacted),Authentication failed.,AUTH,,5,,\r\n");
    capture_free(&c);
}

static void csv_header_even_without_rows(void **state)
{
    struct capture c;

    (void)state;
    capture_open(&c, OUTPUT_CSV, false);
    capture_close(&c);
    assert_string_equal(c.text, "ts,flow_id,src_ip,src_port,dest_ip,dest_port,attempt,method,user,outcome,"
                                "exposure,password,response,resp_code,capture_file,command_frame,reply_frame,"
                                "reply_file\r\n");
    capture_free(&c);
}

static void csv_quotes_and_guards_formulas(void **state)
{
    struct capture c;
    struct event ev = auth_event();
    const char *row;

    (void)state;
    ev.u.auth.user = BYTES("=HYPERLINK(\"http://x\",\"y\")");
    ev.u.auth.password = BYTES("+1,\"2\"");
    ev.u.auth.response = BYTES("line one\r\nline two, \"quoted\"");
    ev.u.auth.resp_code = NULL;
    ev.u.auth.authzid = ABSENT;
    capture_open(&c, OUTPUT_CSV, true);
    output_event(c.out, &ev);
    ev.u.auth.user = BYTES("@SUM(A1)");
    ev.u.auth.password = BYTES("-2");
    ev.u.auth.response = BYTES("\tx");
    output_event(c.out, &ev);
    ev.u.auth.user = BYTES("a=b\x1b\0\xC4\xC2\x9B\xC3\xA9"); /* ESC, NUL, bad, C1 CSI, é */
    ev.u.auth.password = ABSENT;
    ev.u.auth.response = BYTES("\rz");
    output_event(c.out, &ev);
    capture_close(&c);
    row = strchr(c.text, '\n') + 1;
    assert_string_equal(row, "2026-11-26T05:15:49.123456Z,7,192.0.2.10,50123,198.51.100.5,110,1,USER,"
                             "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",failure,cleartext,\"'+1,\"\"2\"\"\","
                             "\"line one\r\nline two, \"\"quoted\"\"\",,,5,,\r\n"
                             "2026-11-26T05:15:49.123456Z,7,192.0.2.10,50123,198.51.100.5,110,1,USER,"
                             "'@SUM(A1),failure,cleartext,'-2,\"'\tx\",,,5,,\r\n"
                             "2026-11-26T05:15:49.123456Z,7,192.0.2.10,50123,198.51.100.5,110,1,USER,"
                             "a=b\\x1B\\x00\\xC4\\xC2\\x9B\xC3\xA9,failure,cleartext,,\"'\rz\",,,5,,\r\n");
    capture_free(&c);
}

/* Issue 13.9: the summary's account table was FNV-1a, unkeyed, with linear
 * probing, so names chosen to share one slot made every lookup walk a
 * cluster of up to OUTPUT_ACCOUNTS_MAX entries. These names are built to
 * collide under that FNV-1a (for the key alice's attempts have: a user,
 * IPv4, server 198.51.100.5): after "u" + 6 digits, two bytes b1 b2 are
 * chosen so the FNV state after the user name has the same low 14 bits
 * (OUTPUT_ACCOUNT_SLOTS) for all of them; the rest of the key is the same
 * for all, and FNV's later steps (xor, multiply by an odd number) map equal
 * low bits to equal low bits. With the keyed hash they are names like any. */
#define FORGE_ACCOUNTS 200000u
#define FORGE_NAME_LEN 9u
#define FNV_PRIME 16777619u

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

/* FORGE_ACCOUNTS distinct names of FORGE_NAME_LEN bytes: colliding under
 * FNV-1a, or (collide false) the same shape without the constraint. */
static uint8_t *forge_names(bool collide)
{
    uint8_t *names = malloc((size_t)FORGE_ACCOUNTS * FORGE_NAME_LEN);
    size_t count = 0;

    assert_non_null(names);
    for (unsigned prefix = 0; count < FORGE_ACCOUNTS; prefix++) {
        char head[8];
        uint32_t x;

        snprintf(head, sizeof head, "u%06u", prefix % 1000000u);
        x = fnv1a(2166136261u, (const uint8_t *)head, 7);
        for (unsigned b1 = 0; b1 < 256 && count < FORGE_ACCOUNTS; b1++) {
            uint32_t y = (x ^ b1) * FNV_PRIME;
            uint8_t *name = names + count * FORGE_NAME_LEN;
            unsigned b2;

            if (collide) {
                /* (y ^ b2) must be 0 in its low 14 bits: b2 = low byte of
                 * y, possible when bits 8..13 of y are 0. */
                if ((y & 0x3F00u) != 0)
                    continue;
                b2 = y & 0xFFu;
            } else {
                if (b1 % 4 != 0) /* about as many names per prefix */
                    continue;
                b2 = b1;
            }
            memcpy(name, head, 7);
            name[7] = (uint8_t)b1;
            name[8] = (uint8_t)b2;
            count++;
        }
    }
    return names;
}

/* CPU seconds to summarise the names: each one a cleartext attempt. */
static double summarise_seconds(const uint8_t *names)
{
    struct output_options opts = { .format = OUTPUT_TEXT, .summary_only = true };
    struct event ev = auth_event();
    struct timespec t0, t1;
    FILE *sink = fopen("/dev/null", "w");
    struct output *out;

    assert_non_null(sink);
    out = output_new(&opts, sink);
    assert_non_null(out);
    assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0), 0);
    for (size_t i = 0; i < FORGE_ACCOUNTS; i++) {
        ev.u.auth.user = (struct bytes){ names + i * FORGE_NAME_LEN, FORGE_NAME_LEN };
        output_event(out, &ev);
    }
    assert_int_equal(output_finish(out), 0);
    assert_int_equal(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1), 0);
    output_free(out);
    fclose(sink);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void text_summary_hash_resists_chosen_names(void **state)
{
    uint8_t *colliding = forge_names(true), *plain = forge_names(false);
    uint32_t slot0 = 0;
    double base = 1e9, forged = 1e9;

    (void)state;
    /* The names do collide under FNV-1a: same low 14 bits after the user. */
    for (size_t i = 0; i < FORGE_ACCOUNTS; i++) {
        uint32_t slot = fnv1a(2166136261u, colliding + i * FORGE_NAME_LEN, FORGE_NAME_LEN) & 0x3FFFu;

        if (i == 0)
            slot0 = slot;
        assert_int_equal(slot, slot0);
    }
    /* The best of three runs each: CPU time, so other processes on the
     * machine cost neither side. A ratio, not a threshold in seconds. */
    for (int run = 0; run < 3; run++) {
        double b = summarise_seconds(plain), f = summarise_seconds(colliding);

        base = b < base ? b : base;
        forged = f < forged ? f : forged;
    }
    print_message("summary of %u accounts: %.3f s for ordinary names, %.3f s for FNV-1a colliding ones (x%.1f)\n",
                  FORGE_ACCOUNTS, base, forged, forged / base);
    assert_true(forged < 3.0 * base + 0.01);
    free(colliding);
    free(plain);
}

/* ------------------------------------------------------ forged fields */

/* The hostile values of issue 13.8, each in every format. */
#define FORGE_PAIRS "bob client=6.6.6.6 server=7.7.7.7" /* poses as key=value pairs */
#define FORGE_ESCAPE "\\x1B"                             /* a literal backslash, x, 1, B */
#define FORGE_FORMULA "x;=1+1"                           /* a formula after ';' */
/* C1 CSI, DEL, RLO, LRI, RLM, ALM, then é and 日 that must stay as they are. */
#define FORGE_CONTROLS "\xC2\x9B" "2J\x7F" "\xE2\x80\xAE" "\xE2\x81\xA6" "\xE2\x80\x8F" "\xD8\x9C" "\xC3\xA9\xE6\x97\xA5"

static struct event alert_event(struct bytes user)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_ALERT;
    ev.u.alert.ts = (struct event_time){ T0, 0 };
    ev.u.alert.kind = ALERT_BRUTE_FORCE_ACCOUNT;
    ev.u.alert.flow = &flow_v4;
    ev.u.alert.user = user;
    ev.u.alert.count = 3;
    ev.u.alert.threshold = 3;
    return ev;
}

/* How many times `key` starts a word (after a space or at the line's
 * start) outside double quotes: what a reader splitting on spaces sees. */
static int text_key_count(const char *line, const char *key)
{
    bool quoted = false;
    int n = 0;

    for (const char *p = line; *p != '\0' && *p != '\n'; p++) {
        if (*p == '\\' && p[1] != '\0') {
            p++;
            continue;
        }
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && (p == line || p[-1] == ' ') && strncmp(p, key, strlen(key)) == 0)
            n++;
    }
    return n;
}

static void text_alert_line_quotes_forged_pairs(void **state)
{
    struct capture c;
    struct event ev = alert_event(BYTES(FORGE_PAIRS));

    (void)state;
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &ev);
    ev = alert_event(BYTES(FORGE_ESCAPE));
    output_event(c.out, &ev);
    ev = alert_event(BYTES(FORGE_CONTROLS));
    output_event(c.out, &ev);
    capture_close(&c);
    assert_non_null(strstr(c.text, "ALERT brute_force_account at=2026-11-26T05:15:49.000000Z "
                                   "user=\"bob client=6.6.6.6 server=7.7.7.7\" client=192.0.2.10:50123 "
                                   "server=198.51.100.5:110 count=3 threshold=3\n"
                                   "ALERT brute_force_account at=2026-11-26T05:15:49.000000Z user=\\\\x1B "
                                   "client=192.0.2.10:50123 server=198.51.100.5:110 count=3 threshold=3\n"
                                   "ALERT brute_force_account at=2026-11-26T05:15:49.000000Z "
                                   "user=\\xC2\\x9B2J\\x7F\\xE2\\x80\\xAE\\xE2\\x81\\xA6\\xE2\\x80\\x8F\\xD8\\x9C... "
                                   "client=")); /* cut at the 64-character column */
    /* Split as a reader would: one client= and one server= per line. */
    assert_int_equal(text_key_count(c.text, "client="), 1);
    assert_int_equal(text_key_count(c.text, "server="), 1);
    capture_free(&c);
}

/* Evidence: the alert names the file of the event that fired it, escaped
 * like every other value; live (no file) the line has no file= at all. */
static void text_alert_names_its_file(void **state)
{
    struct capture c;
    struct event ev = alert_event(BYTES("alice"));

    (void)state;
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &ev);
    ev.u.alert.capture_file = "day 1.pcap";
    output_event(c.out, &ev);
    capture_close(&c);
    assert_non_null(strstr(c.text, "count=3 threshold=3\n"));
    assert_non_null(strstr(c.text, "count=3 threshold=3 file=\"day 1.pcap\"\n"));
    capture_free(&c);
}

static void text_row_and_summary_quote_forged_values(void **state)
{
    struct capture c;
    struct event ev = auth_event();
    const char *summary;

    (void)state;
    capture_open(&c, OUTPUT_TEXT, true);
    ev.u.auth.user = BYTES(FORGE_PAIRS);
    ev.u.auth.password = BYTES("p w");
    output_event(c.out, &ev);
    ev.u.auth.user = BYTES(FORGE_ESCAPE);
    ev.u.auth.password = BYTES("say \"hi\"");
    output_event(c.out, &ev);
    ev.u.auth.user = BYTES("-"); /* not to be read as "no user" */
    ev.u.auth.password = BYTES("");
    output_event(c.out, &ev);
    capture_close(&c);
    /* Rows: a user name too wide for its column goes below, whole, quoted. */
    assert_non_null(
        strstr(c.text, "  (see below)           USER        failure  cleartext  \"p w\"                 \"[AUTH]"));
    assert_non_null(strstr(c.text, "\n    user: \"bob client=6.6.6.6 server=7.7.7.7\"\n"));
    assert_non_null(strstr(c.text, "  \\\\x1B                 USER        failure  cleartext  \"say \\\"hi\\\"\"          \"[AUTH]"));
    assert_non_null(strstr(c.text, "  \"-\"                   USER        failure  cleartext  \"\"                    \"[AUTH]"));
    /* Summary: the name cannot pose as "NAME at ADDR: N attempts". */
    summary = strstr(c.text, "\naccounts (user at server");
    assert_non_null(summary);
    assert_non_null(strstr(summary, "\n  \"bob client=6.6.6.6 server=7.7.7.7\" at 198.51.100.5:110: 1 attempt "));
    assert_non_null(strstr(summary, "\n  \\\\x1B at 198.51.100.5:110: 1 attempt "));
    assert_non_null(strstr(summary, "\n  \"-\" at 198.51.100.5:110: 1 attempt "));
    capture_free(&c);
}

static void csv_forged_values(void **state)
{
    struct capture c;
    struct event ev = auth_event();
    const char *row;

    (void)state;
    ev.u.auth.resp_code = NULL;
    ev.u.auth.password = ABSENT;
    capture_open(&c, OUTPUT_CSV, false);
    ev.u.auth.user = BYTES(FORGE_FORMULA);
    ev.u.auth.response = BYTES(FORGE_PAIRS);
    output_event(c.out, &ev);
    ev.u.auth.user = BYTES(FORGE_ESCAPE);
    ev.u.auth.response = BYTES(FORGE_CONTROLS);
    output_event(c.out, &ev);
    ev.u.auth.user = BYTES("a\t@b"); /* TAB separates in pasted text */
    ev.u.auth.response = BYTES("ok;fine");
    output_event(c.out, &ev);
    ev.u.auth.user = BYTES("a,-1");
    ev.u.auth.response = BYTES("a;b=1");
    output_event(c.out, &ev);
    capture_close(&c);
    row = strchr(c.text, '\n') + 1;
    assert_string_equal(row, "2026-11-26T05:15:49.123456Z,7,192.0.2.10,50123,198.51.100.5,110,1,USER,"
                             "\"'x;=1+1\",failure,cleartext,,bob client=6.6.6.6 server=7.7.7.7,,,5,,\r\n"
                             "2026-11-26T05:15:49.123456Z,7,192.0.2.10,50123,198.51.100.5,110,1,USER,"
                             "\\\\x1B,failure,cleartext,,\\xC2\\x9B2J\\x7F\\xE2\\x80\\xAE\\xE2\\x81\\xA6\\xE2\\x80\\x8F"
                             "\\xD8\\x9C\xC3\xA9\xE6\x97\xA5,,,5,,\r\n"
                             "2026-11-26T05:15:49.123456Z,7,192.0.2.10,50123,198.51.100.5,110,1,USER,"
                             "\"'a\t@b\",failure,cleartext,,\"ok;fine\",,,5,,\r\n"
                             "2026-11-26T05:15:49.123456Z,7,192.0.2.10,50123,198.51.100.5,110,1,USER,"
                             "\"'a,-1\",failure,cleartext,,\"a;b=1\",,,5,,\r\n");
    capture_free(&c);
}

/* JSON: C0, DEL, C1 and bidi controls as \uXXXX; other UTF-8 as is; the
 * parsed value is the wire text again. */
static void json_escapes_c1_del_and_bidi(void **state)
{
    static const char want[] = "\"user\":\"\\u009B2J\\u007F\\u202E\\u2066\\u200F\\u061C\xC3\xA9\xE6\x97\xA5\"";
    struct event ev = auth_event();
    struct event al = alert_event(BYTES(FORGE_CONTROLS));
    const char *value;
    char *line;
    json_t *root;
    size_t len;

    (void)state;
    ev.u.auth.user = BYTES(FORGE_CONTROLS);
    ev.u.auth.response = BYTES("\x1b[2J\x7F");
    for (int k = 0; k < 2; k++) {
        line = json_line(k == 0 ? &ev : &al, false);
        assert_non_null(strstr(line, want));
        assert_null(strstr(line, "\xC2\x9B"));
        assert_null(strstr(line, "\xE2\x80\xAE"));
        assert_null(strchr(line, 0x7F));
        root = json_parse(line);
        value = json_get_string(root, "user", &len);
        assert_int_equal(len, sizeof FORGE_CONTROLS - 1);
        assert_memory_equal(value, FORGE_CONTROLS, len);
        if (k == 0) {
            assert_non_null(strstr(line, "\"response\":\"\\u001B[2J\\u007F\""));
            assert_string_equal(json_get_string(root, "response", &len), "\x1b[2J\x7F");
        }
        json_decref(root);
        free(line);
    }
    /* Spaces, '=' and a literal "\x1B" are ordinary JSON string content. */
    ev.u.auth.user = BYTES(FORGE_PAIRS FORGE_ESCAPE);
    line = json_line(&ev, false);
    assert_non_null(strstr(line, "\"user\":\"bob client=6.6.6.6 server=7.7.7.7\\\\x1B\""));
    free(line);
}

/* Live use: a reader of the pipe sees each event as it happens, not when
 * stdio's buffer happens to fill. */
static void line_buffered_flushes_each_event(void **state)
{
    struct output_options opts = { .format = OUTPUT_JSON, .show_passwords = false, .line_buffered = true };
    struct event ev = auth_event();
    char *text = NULL;
    size_t len = 0;
    FILE *stream = open_memstream(&text, &len);
    struct output *out;

    (void)state;
    assert_non_null(stream);
    out = output_new(&opts, stream);
    assert_non_null(out);
    output_event(out, &ev);
    /* open_memstream publishes its size only on a flush. */
    assert_true(len > 0);
    assert_int_equal(text[len - 1], '\n');
    assert_int_equal(output_finish(out), 0);
    output_free(out);
    fclose(stream);
    free(text);
}

static void block_buffered_waits_for_finish(void **state)
{
    struct output_options opts = { .format = OUTPUT_JSON, .show_passwords = false, .line_buffered = false };
    struct event ev = auth_event();
    char *text = NULL;
    size_t len = 0;
    FILE *stream = open_memstream(&text, &len);
    struct output *out;

    (void)state;
    assert_non_null(stream);
    out = output_new(&opts, stream);
    assert_non_null(out);
    output_event(out, &ev);
    assert_int_equal(len, 0);
    assert_int_equal(output_finish(out), 0);
    assert_true(len > 0);
    output_free(out);
    fclose(stream);
    free(text);
}

/* ------------------------------------------------------ write failures */

static void write_failure_on_full_disk_is_reported(void **state)
{
    struct output_options opts = { .format = OUTPUT_JSON, .show_passwords = false, .line_buffered = false };
    struct event ev = auth_event();
    FILE *full = fopen("/dev/full", "w");
    struct output *out;
    int i;

    (void)state;
    assert_non_null(full);
    out = output_new(&opts, full);
    assert_non_null(out);
    for (i = 0; i < 3; i++)
        output_event(out, &ev);
    assert_int_equal(output_finish(out), -1);
    assert_int_equal(errno, ENOSPC); /* the cause, for the error message */
    assert_int_equal(output_finish(out), -1); /* stays reported */
    output_free(out);
    fclose(full);
}

static void write_failure_line_buffered_text(void **state)
{
    struct output_options opts = { .format = OUTPUT_TEXT, .show_passwords = false, .line_buffered = true };
    struct event ev = auth_event();
    struct event s = session_event();
    FILE *full = fopen("/dev/full", "w");
    struct output *out;

    (void)state;
    assert_non_null(full);
    out = output_new(&opts, full);
    assert_non_null(out);
    output_event(out, &ev);
    output_event(out, &s); /* after the failure: no crash, no output */
    assert_int_equal(output_finish(out), -1);
    output_free(out);
    fclose(full);
}

static void write_failure_on_closed_pipe_is_reported(void **state)
{
    struct output_options opts = { .format = OUTPUT_CSV, .show_passwords = false, .line_buffered = true };
    struct event ev = auth_event();
    struct sigaction ignore, saved;
    struct output *out;
    FILE *writer;
    int fds[2];

    (void)state;
    /* main.c ignores SIGPIPE so a closed pipe is an EPIPE write error,
     * which the output must report rather than die of. */
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    assert_int_equal(sigaction(SIGPIPE, &ignore, &saved), 0);
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    writer = fdopen(fds[1], "w");
    assert_non_null(writer);
    out = output_new(&opts, writer);
    assert_non_null(out);
    output_event(out, &ev);
    assert_int_equal(output_finish(out), -1);
    assert_int_equal(errno, EPIPE);
    output_free(out);
    fclose(writer);
    assert_int_equal(sigaction(SIGPIPE, &saved, NULL), 0);
}

static void output_new_rejects_bad_arguments(void **state)
{
    struct output_options opts = { .format = OUTPUT_JSON, .show_passwords = false, .line_buffered = false };
    struct output_options bad = { .format = (enum output_format)42, .show_passwords = false, .line_buffered = false };

    (void)state;
    assert_null(output_new(&opts, NULL));
    assert_null(output_new(NULL, stdout));
    assert_null(output_new(&bad, stdout));
    output_event(NULL, NULL); /* a sink called with nothing does nothing */
    output_free(NULL);
}

/* --ecs: one line of one event, parsed back (caller frees the root). */
static json_t *ecs_parse(const struct event *ev, bool show_passwords, char **text)
{
    struct capture c;
    json_t *root;

    capture_open(&c, OUTPUT_ECS, show_passwords);
    output_event(c.out, ev);
    capture_close(&c);
    assert_true(c.len > 0);
    assert_null(memchr(c.text, '\n', c.len - 1)); /* exactly one line */
    root = json_parse(c.text);
    *text = c.text;
    return root;
}

/* "a.b.c" in nested objects, as ECS readers resolve a field name. */
static json_t *ecs_get(json_t *root, const char *path)
{
    char part[64];
    const char *p = path;

    while (root != NULL && *p != '\0') {
        size_t n = strcspn(p, ".");

        assert_true(n < sizeof part);
        memcpy(part, p, n);
        part[n] = '\0';
        root = json_object_get(root, part);
        p += n + (p[n] == '.');
    }
    return root;
}

static void ecs_expect_string(json_t *root, const char *path, const char *want)
{
    json_t *v = ecs_get(root, path);

    if (v == NULL || !json_is_string(v) || strcmp(json_string_value(v), want) != 0)
        fail_msg("%s: expected \"%s\"", path, want);
}

static void ecs_expect_int(json_t *root, const char *path, json_int_t want)
{
    json_t *v = ecs_get(root, path);

    if (v == NULL || !json_is_integer(v) || json_integer_value(v) != want)
        fail_msg("%s: expected %lld", path, (long long)want);
}

/* The README "ECS" table for an auth event, field by field. */
static void ecs_auth_maps_onto_ecs_fields(void **state)
{
    struct event ev = auth_event();
    char *text;
    json_t *root = ecs_parse(&ev, false, &text);
    json_t *category = ecs_get(root, "event.category");

    (void)state;
    ecs_expect_string(root, "@timestamp", "2026-11-26T05:15:49.123456Z");
    ecs_expect_string(root, "event.kind", "event");
    assert_true(json_is_array(category) && json_array_size(category) == 1);
    assert_string_equal(json_string_value(json_array_get(category, 0)), "authentication");
    assert_string_equal(json_string_value(json_array_get(ecs_get(root, "event.type"), 0)), "start");
    ecs_expect_string(root, "event.outcome", "failure");
    ecs_expect_string(root, "event.dataset", "pop3scope.auth");
    ecs_expect_string(root, "source.ip", "192.0.2.10");
    ecs_expect_int(root, "source.port", 50123);
    ecs_expect_string(root, "destination.ip", "198.51.100.5");
    ecs_expect_int(root, "destination.port", 110);
    ecs_expect_string(root, "network.protocol", "pop3");
    ecs_expect_string(root, "network.transport", "tcp");
    ecs_expect_string(root, "network.community_id", "1:e3foIhkikwicOfc6VdBfe2NBku8=");
    ecs_expect_string(root, "user.name", "alice");
    ecs_expect_string(root, "pop3scope.method", "USER");
    ecs_expect_string(root, "pop3scope.exposure", "cleartext");
    ecs_expect_string(root, "ecs.version", "8.11.0");
    /* Redaction holds here too: no key, no secret. */
    assert_null(strstr(text, "hunter2"));
    assert_null(ecs_get(root, "pop3scope.password"));
    json_decref(root);
    free(text);
    root = ecs_parse(&ev, true, &text);
    ecs_expect_string(root, "pop3scope.password", "hunter2");
    json_decref(root);
    free(text);
}

/* ECS knows three outcomes: a cancelled attempt is a failure, no verdict
 * is unknown; our own word stays under pop3scope. */
static void ecs_auth_outcomes(void **state)
{
    struct event ev = auth_event();
    char *text;
    json_t *root;

    (void)state;
    ev.u.auth.outcome = OUTCOME_ABORTED;
    root = ecs_parse(&ev, false, &text);
    ecs_expect_string(root, "event.outcome", "failure");
    ecs_expect_string(root, "pop3scope.outcome", "aborted");
    json_decref(root);
    free(text);
    ev.u.auth.outcome = OUTCOME_UNKNOWN;
    ev.u.auth.user = ABSENT;
    root = ecs_parse(&ev, false, &text);
    ecs_expect_string(root, "event.outcome", "unknown");
    assert_null(ecs_get(root, "user")); /* no user seen: no user object */
    json_decref(root);
    free(text);
}

/* Evidence (event.h) from files: two inputs, each a distinct string as
 * argv gives them; the reply in the second file (a rotated capture). */
static const char evidence_day1[] = "day1.pcap";
static const char evidence_day2[] = "day2.pcap";

static struct event evidence_event(const char *reply_file)
{
    struct event ev = auth_event();

    ev.u.auth.capture_file = evidence_day1;
    ev.u.auth.command_frame = 123;
    ev.u.auth.reply_file = reply_file;
    ev.u.auth.reply_frame = 7;
    return ev;
}

static void evidence_json_names_file_and_frames(void **state)
{
    struct event ev = evidence_event(evidence_day1);
    char *line = json_line(&ev, false);

    (void)state;
    assert_non_null(strstr(line, "\"capture_file\":\"day1.pcap\",\"command_frame\":123,\"reply_frame\":7}\n"));
    free(line);
    ev = evidence_event(evidence_day2); /* split by rotation: the reply names its file */
    line = json_line(&ev, false);
    assert_non_null(strstr(line, "\"capture_file\":\"day1.pcap\",\"command_frame\":123,\"reply_frame\":7,"
                                 "\"reply_file\":\"day2.pcap\"}\n"));
    free(line);
}

static void evidence_text_and_csv(void **state)
{
    struct capture c;
    struct event ev = evidence_event(evidence_day1);

    (void)state;
    capture_open(&c, OUTPUT_TEXT, false);
    output_event(c.out, &ev);
    ev = evidence_event(evidence_day2);
    output_event(c.out, &ev);
    ev.u.auth.capture_file = ev.u.auth.reply_file = NULL; /* live */
    output_event(c.out, &ev);
    capture_close(&c);
    assert_non_null(strstr(c.text, "failed.\"           123,7 in day1.pcap\n"));
    assert_non_null(strstr(c.text, "failed.\"           123 in day1.pcap, 7 in day2.pcap\n"));
    assert_non_null(strstr(c.text, "failed.\"           123,7\n"));
    capture_free(&c);
    capture_open(&c, OUTPUT_CSV, false);
    ev = evidence_event(evidence_day1);
    output_event(c.out, &ev);
    ev = evidence_event(evidence_day2);
    output_event(c.out, &ev);
    capture_close(&c);
    assert_non_null(strstr(c.text, ",AUTH,day1.pcap,123,7,\r\n"));
    assert_non_null(strstr(c.text, ",AUTH,day1.pcap,123,7,day2.pcap\r\n"));
    capture_free(&c);
}

static void evidence_ecs_fields(void **state)
{
    struct event ev = evidence_event(evidence_day2);
    char *text;
    json_t *root = ecs_parse(&ev, false, &text);

    (void)state;
    ecs_expect_string(root, "log.file.path", "day1.pcap");
    ecs_expect_int(root, "pop3scope.command_frame", 123);
    ecs_expect_int(root, "pop3scope.reply_frame", 7);
    ecs_expect_string(root, "pop3scope.reply_file", "day2.pcap");
    json_decref(root);
    free(text);
    ev = auth_event(); /* live, no verdict: no log.file, no reply_frame */
    root = ecs_parse(&ev, false, &text);
    assert_null(ecs_get(root, "log"));
    ecs_expect_int(root, "pop3scope.command_frame", 5);
    assert_null(ecs_get(root, "pop3scope.reply_frame"));
    assert_null(ecs_get(root, "pop3scope.reply_file"));
    json_decref(root);
    free(text);
}

static void ecs_session_and_alert(void **state)
{
    struct event ev = session_event();
    char *text;
    json_t *root = ecs_parse(&ev, false, &text);

    (void)state;
    ecs_expect_string(root, "@timestamp", "2026-11-26T05:15:51.500000Z");
    ecs_expect_string(root, "event.start", "2026-11-26T05:15:49.000000Z");
    ecs_expect_int(root, "event.duration", 2500000000LL);
    assert_string_equal(json_string_value(json_array_get(ecs_get(root, "event.category"), 1)), "session");
    assert_null(ecs_get(root, "event.outcome"));
    ecs_expect_int(root, "pop3scope.client_bytes", 40);
    ecs_expect_string(root, "network.community_id", "1:e3foIhkikwicOfc6VdBfe2NBku8=");
    assert_null(ecs_get(root, "log")); /* live: no file */
    json_decref(root);
    free(text);
    /* Evidence: log.file.path as on auth events; end_file only when a
     * rotated capture split the connection. */
    ev.u.session.capture_file = "rot.pcap";
    ev.u.session.end_file = "rot.pcap1";
    root = ecs_parse(&ev, false, &text);
    ecs_expect_string(root, "log.file.path", "rot.pcap");
    ecs_expect_string(root, "pop3scope.end_file", "rot.pcap1");
    json_decref(root);
    free(text);
    ev.u.session.end_file = ev.u.session.capture_file;
    root = ecs_parse(&ev, false, &text);
    assert_null(ecs_get(root, "pop3scope.end_file"));
    json_decref(root);
    free(text);
    ev = alert_event(BYTES("alice"));
    ev.u.alert.capture_file = "day1.pcap";
    root = ecs_parse(&ev, false, &text);
    ecs_expect_string(root, "event.kind", "alert");
    ecs_expect_string(root, "rule.name", "brute_force_account");
    ecs_expect_string(root, "user.name", "alice");
    ecs_expect_int(root, "pop3scope.count", 3);
    ecs_expect_string(root, "log.file.path", "day1.pcap");
    json_decref(root);
    free(text);
}

int main(void)
{
    /* The table's width would follow an exported COLUMNS. */
    unsetenv("COLUMNS");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_auth_redacts_by_leaving_out_the_key),
        cmocka_unit_test(json_auth_shows_password_when_asked),
        cmocka_unit_test(ecs_auth_maps_onto_ecs_fields),
        cmocka_unit_test(ecs_auth_outcomes),
        cmocka_unit_test(ecs_session_and_alert),
        cmocka_unit_test(text_alert_names_its_file),
        cmocka_unit_test(evidence_json_names_file_and_frames),
        cmocka_unit_test(evidence_text_and_csv),
        cmocka_unit_test(evidence_ecs_fields),
        cmocka_unit_test(json_auth_password_null_when_no_secret_crossed),
        cmocka_unit_test(json_session_unknown_maildrop_is_null),
        cmocka_unit_test(json_session_known_maildrop_and_ipv6),
        cmocka_unit_test(json_session_capabilities_and_app),
        cmocka_unit_test(json_auth_credentials_and_crack),
        cmocka_unit_test(json_alert_and_stats),
        cmocka_unit_test(json_gbk_banner_becomes_hex_escapes),
        cmocka_unit_test(json_valid_utf8_passes_unchanged),
        cmocka_unit_test(json_escapes_invalid_sequences),
        cmocka_unit_test(json_nul_inside_user_round_trips),
        cmocka_unit_test(json_escapes_method_and_resp_code),
        cmocka_unit_test(json_overlong_value_is_cut_on_a_character),
        cmocka_unit_test(text_row_and_header_are_exact),
        cmocka_unit_test(text_password_column),
        cmocka_unit_test(text_ipv6_endpoints_are_bracketed),
        cmocka_unit_test(text_escapes_control_bytes),
        cmocka_unit_test(text_long_values_are_cut_with_dots),
        cmocka_unit_test(text_escape_is_not_split_by_the_cut),
        cmocka_unit_test(text_layout_drops_in_the_stated_order),
        cmocka_unit_test(text_layout_width_from_columns),
        cmocka_unit_test(text_vertical_block_is_exact),
        cmocka_unit_test(text_missing_user_is_a_dash),
        cmocka_unit_test(text_summary_counts_and_exposed_accounts),
        cmocka_unit_test(text_summary_without_attempts),
        cmocka_unit_test(text_summary_none_exposed),
        cmocka_unit_test(text_summary_brute_force_hint),
        cmocka_unit_test(text_summary_hints_are_bounded),
        cmocka_unit_test(text_exposed_accounts_are_bounded),
        cmocka_unit_test(text_summary_hash_resists_chosen_names),
        cmocka_unit_test(csv_header_and_row_are_exact),
        cmocka_unit_test(csv_header_even_without_rows),
        cmocka_unit_test(csv_quotes_and_guards_formulas),
        cmocka_unit_test(text_alert_line_quotes_forged_pairs),
        cmocka_unit_test(text_row_and_summary_quote_forged_values),
        cmocka_unit_test(csv_forged_values),
        cmocka_unit_test(json_escapes_c1_del_and_bidi),
        cmocka_unit_test(line_buffered_flushes_each_event),
        cmocka_unit_test(block_buffered_waits_for_finish),
        cmocka_unit_test(write_failure_on_full_disk_is_reported),
        cmocka_unit_test(write_failure_line_buffered_text),
        cmocka_unit_test(write_failure_on_closed_pipe_is_reported),
        cmocka_unit_test(output_new_rejects_bad_arguments),
    };

    return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
