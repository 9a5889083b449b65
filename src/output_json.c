/* JSON lines: one compact object per event, keys in a fixed order so that
 * line-oriented tools and golden files can rely on it.
 *
 * Written by hand, not with jansson (CONVENTIONS: prefer a library unless a
 * measured hot path needs otherwise): jansson built an object, a string per
 * value and a growing hash table for every event, and that cost more than
 * the analysis behind it. This writer appends straight into one buffer on
 * the stack, allocates nothing, and writes once per event.
 *
 * The bytes are jansson's (JSON_COMPACT | JSON_PRESERVE_ORDER) but for the
 * characters jansson leaves raw and a terminal or viewer acts on, so earlier
 * output, golden files and tests/unit/test_output.c (which parses the lines
 * back with jansson) still hold: '"' and '\\' escaped, the controls with a
 * short form as \b \f \n \r \t; as \uXXXX in upper-case hex the other C0
 * controls, DEL, the C1 controls (U+0080..U+009F: some terminals take U+009B
 * as CSI) and the bidi controls (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069: they reorder what is shown around them, so
 * "alice<RLO>nimda" would read as another name); everything else ('/', other
 * non-ASCII) as is. Values are valid UTF-8 because wire bytes go through
 * out_escape_utf8 first. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "out_escape.h"
#include "out_writer.h"
#include "output_builtin.h"

/* Nearly every event fits; a longer one (long banners and secrets, escaped:
 * up to six bytes per wire byte) is written in pieces of this size, so the
 * bytes are the same and memory stays bounded. */
#define OUTPUT_JSON_LINE 16384

struct output_json {
    struct out_writer *writer;
    bool show_passwords;
    char *scratch; /* OUTPUT_SCRATCH_MAX + 1: converting a value allocates nothing */
};

/* One record being built. */
struct output_json_line {
    const struct output_json *json;
    char buf[OUTPUT_JSON_LINE];
    size_t len;
    bool more; /* a value precedes at this level: the next one needs ',' */
};

/* A line longer than the buffer leaves in pieces; out_writer_write remembers a
 * failure, and later pieces are then dropped by it. */
static void output_json_spill(struct output_json_line *l)
{
    out_writer_write(l->json->writer, l->buf, l->len);
    l->len = 0;
}

static void output_json_raw_pieces(struct output_json_line *l, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = sizeof l->buf - l->len;
        size_t take;

        if (room == 0) {
            output_json_spill(l);
            room = sizeof l->buf;
        }
        take = n < room ? n : room;
        memcpy(l->buf + l->len, s, take);
        l->len += take;
        s += take;
        n -= take;
    }
}

static inline void output_json_raw(struct output_json_line *l, const char *s, size_t n)
{
    if (n <= sizeof l->buf - l->len) {
        memcpy(l->buf + l->len, s, n);
        l->len += n;
        return;
    }
    output_json_raw_pieces(l, s, n);
}

static void output_json_char(struct output_json_line *l, char c)
{
    if (l->len == sizeof l->buf)
        output_json_spill(l);
    l->buf[l->len++] = c;
}

/* Every value and every array element starts here. */
static void output_json_sep(struct output_json_line *l)
{
    if (l->more)
        output_json_char(l, ',');
    l->more = true;
}

static void output_json_open(struct output_json_line *l, char c)
{
    output_json_sep(l);
    output_json_char(l, c);
    l->more = false;
}

static void output_json_close(struct output_json_line *l, char c)
{
    output_json_char(l, c);
    l->more = true;
}

/* Keys are our own ASCII literals: nothing to escape. */
static void output_json_key(struct output_json_line *l, const char *key)
{
    size_t n = strlen(key);
    char *p = l->buf + l->len;

    if (n + 4 > sizeof l->buf - l->len) {
        output_json_sep(l);
        output_json_char(l, '"');
        output_json_raw(l, key, n);
        output_json_raw(l, "\":", 2);
        l->more = false;
        return;
    }
    if (l->more)
        *p++ = ',';
    *p++ = '"';
    memcpy(p, key, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    l->len = (size_t)(p - l->buf);
    l->more = false;
}

/* 0 for a byte that passes as is, else the letter of its short escape, or
 * 'u' for \u00XX. */
static char output_json_escape_class(uint8_t c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return c < 0x20 || c == 0x7F ? 'u' : 0;
    }
}

/* A byte that is copied as is without a second look: printable ASCII but
 * '"' and '\\', and every non-ASCII byte but the lead bytes of the
 * sequences output_json_unsafe_utf8 looks for (C2, D8, E2; never a
 * continuation byte, so a run cannot stop inside a character). */
static inline bool output_json_plain_byte(uint8_t c)
{
    if (c < 0x80)
        return c >= 0x20 && c != '"' && c != '\\' && c != 0x7F;
    return c != 0xC2 && c != 0xD8 && c != 0xE2;
}

/* The length of a C1 or bidi control at s (see the top of the file), with
 * its code point in *cp; 0 for any other character. */
static size_t output_json_unsafe_utf8(const uint8_t *s, size_t avail, unsigned *cp)
{
    if (avail >= 2 && ((s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) || (s[0] == 0xD8 && s[1] == 0x9C))) {
        *cp = (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if (avail >= 3 && s[0] == 0xE2 &&
        ((s[1] == 0x80 && ((s[2] >= 0x8E && s[2] <= 0x8F) || (s[2] >= 0xAA && s[2] <= 0xAE))) ||
         (s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9))) {
        *cp = 0x2000u | (unsigned)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return 3;
    }
    return 0;
}

static void output_json_unicode_escape(struct output_json_line *l, unsigned cp)
{
    static const char hex[] = "0123456789ABCDEF";
    char seq[6] = { '\\', 'u', hex[cp >> 12 & 0x0F], hex[cp >> 8 & 0x0F], hex[cp >> 4 & 0x0F], hex[cp & 0x0F] };

    output_json_raw(l, seq, sizeof seq);
}

static void output_json_escape(struct output_json_line *l, const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t run = i, len;
        unsigned cp;
        char cls;

        while (run < n && output_json_plain_byte(s[run]))
            run++;
        output_json_raw(l, (const char *)s + i, run - i);
        if (run == n)
            return;
        if (s[run] >= 0x80) {
            len = output_json_unsafe_utf8(s + run, n - run, &cp);
            if (len == 0) {
                output_json_char(l, (char)s[run]); /* a lead byte of something else */
                i = run + 1;
            } else {
                output_json_unicode_escape(l, cp);
                i = run + len;
            }
            continue;
        }
        cls = output_json_escape_class(s[run]);
        if (cls == 'u') {
            output_json_unicode_escape(l, s[run]);
        } else {
            char seq[2] = { '\\', cls };

            output_json_raw(l, seq, sizeof seq);
        }
        i = run + 1;
    }
}

static void output_json_string(struct output_json_line *l, const char *s, size_t n)
{
    output_json_sep(l);
    output_json_char(l, '"');
    output_json_escape(l, (const uint8_t *)s, n);
    output_json_char(l, '"');
}

/* A string made of characters JSON never escapes (digits, hex, ".:-TZ"). */
static void output_json_plain(struct output_json_line *l, const char *s, size_t n)
{
    output_json_sep(l);
    output_json_char(l, '"');
    output_json_raw(l, s, n);
    output_json_char(l, '"');
}

static void output_json_null(struct output_json_line *l)
{
    output_json_sep(l);
    output_json_raw(l, "null", 4);
}

static void output_json_bool(struct output_json_line *l, bool v)
{
    output_json_sep(l);
    if (v)
        output_json_raw(l, "true", 4);
    else
        output_json_raw(l, "false", 5);
}

/* JSON integers were signed 64-bit in jansson; a counter cannot honestly
 * reach 2^63, but a corrupt one must not print as a negative number, so
 * the clamp stays. */
static void output_json_u64(struct output_json_line *l, uint64_t v)
{
    char digits[20];
    size_t pos = sizeof digits;

    if (v > (uint64_t)INT64_MAX)
        v = (uint64_t)INT64_MAX;
    do {
        digits[--pos] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    output_json_sep(l);
    output_json_raw(l, digits + pos, sizeof digits - pos);
}

static void output_json_put_u64(struct output_json_line *l, const char *key, uint64_t v)
{
    output_json_key(l, key);
    output_json_u64(l, v);
}

/* One of our own names (enum names, nDPI's names): a NULL prints as null. */
static void output_json_put_name(struct output_json_line *l, const char *key, const char *name)
{
    output_json_key(l, key);
    if (name == NULL)
        output_json_null(l);
    else
        output_json_string(l, name, strlen(name));
}

static bool output_json_ascii(const uint8_t *p, size_t n)
{
    uint8_t any = 0;

    for (size_t i = 0; i < n; i++)
        any |= p[i];
    return (any & 0x80) == 0;
}

static void output_json_put_bytes(struct output_json_line *l, const char *key, struct bytes bytes)
{
    size_t len;

    output_json_key(l, key);
    if (bytes.data == NULL) {
        output_json_null(l);
        return;
    }
    /* ASCII within the scratch size comes out of out_escape_utf8 unchanged: skip
     * the copy (nearly every value on the wire). */
    if (bytes.len <= OUTPUT_SCRATCH_MAX && output_json_ascii(bytes.data, bytes.len)) {
        output_json_string(l, (const char *)bytes.data, bytes.len);
        return;
    }
    len = out_escape_utf8(bytes, OUT_UTF8_JSON, l->json->scratch);
    output_json_string(l, l->json->scratch, len);
}

/* Method names and response codes come from the wire too (a SASL
 * mechanism is whatever the client typed), so they go through the same
 * conversion as any byte string. */
static void output_json_put_cstr(struct output_json_line *l, const char *key, const char *s)
{
    struct bytes bytes = { (const uint8_t *)s, s == NULL ? 0 : strlen(s) };

    output_json_put_bytes(l, key, bytes);
}

/* Every time in a record: characters JSON never escapes, so no escaping
 * pass ("invalid-time" included). */
static void output_json_put_time(struct output_json_line *l, const char *key, struct event_time t)
{
    char buf[FMT_TIME_SIZE];
    size_t n = fmt_time(t, buf, sizeof buf);

    output_json_key(l, key);
    output_json_plain(l, buf, n);
}

static void output_json_put_ip(struct output_json_line *l, const char *key, uint8_t version, const uint8_t a[16])
{
    char buf[FMT_ADDR_SIZE];
    size_t n = fmt_addr(version, a, buf, sizeof buf);

    output_json_key(l, key);
    output_json_plain(l, buf, n);
}

static void output_json_put_addr(struct output_json_line *l, const char *key, const struct event_flow *flow, bool server)
{
    output_json_put_ip(l, key, flow->ip_version, server ? flow->server_addr : flow->client_addr);
}

/* src is the client and dest the server, as in Suricata's EVE records. */
static void output_json_put_flow(struct output_json_line *l, const struct event_flow *flow)
{
    if (flow == NULL) {
        static const char *const keys[] = { "flow_id", "src_ip", "src_port", "dest_ip", "dest_port" };

        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            output_json_key(l, keys[i]);
            output_json_null(l);
        }
        return;
    }
    output_json_put_u64(l, "flow_id", flow->flow_id);
    output_json_put_addr(l, "src_ip", flow, false);
    output_json_put_u64(l, "src_port", flow->client_port);
    output_json_put_addr(l, "dest_ip", flow, true);
    output_json_put_u64(l, "dest_port", flow->server_port);
}

static void output_json_put_bool(struct output_json_line *l, const char *key, bool v);

/* The original connection behind an SSLproxy header; left out entirely
 * when there is none, so records of ordinary flows are unchanged. */
static void output_json_put_proxy(struct output_json_line *l, const struct event_flow *flow)
{
    char listener[FMT_ENDPOINT_SIZE];
    const struct event_proxy *p = flow != NULL ? &flow->proxy : NULL;
    size_t n;

    if (p == NULL || !p->present)
        return;
    n = fmt_endpoint(p->listener_version, p->listener_addr, p->listener_port, listener, sizeof listener);
    output_json_key(l, "proxy");
    output_json_open(l, '{');
    output_json_key(l, "listener");
    output_json_plain(l, listener, n);
    output_json_put_ip(l, "client_ip", p->ip_version, p->client_addr);
    output_json_put_u64(l, "client_port", p->client_port);
    output_json_put_ip(l, "server_ip", p->ip_version, p->server_addr);
    output_json_put_u64(l, "server_port", p->server_port);
    output_json_put_bool(l, "tls", p->tls);
    output_json_close(l, '}');
}

static void output_json_put_tristate(struct output_json_line *l, const char *key, enum event_tristate v)
{
    output_json_key(l, key);
    if (v == TRISTATE_UNKNOWN)
        output_json_null(l);
    else
        output_json_bool(l, v == TRISTATE_YES);
}

static void output_json_put_bool(struct output_json_line *l, const char *key, bool v)
{
    output_json_key(l, key);
    output_json_bool(l, v);
}

static void output_json_auth(struct output_json_line *l, const struct event_auth *a)
{
    output_json_put_name(l, "event", "auth");
    output_json_put_time(l, "ts", a->ts);
    output_json_put_flow(l, a->flow);
    output_json_put_proxy(l, a->flow);
    output_json_put_u64(l, "attempt", a->attempt);
    output_json_put_cstr(l, "method", a->method);
    output_json_put_bytes(l, "user", a->user);
    output_json_put_bytes(l, "authzid", a->authzid);
    output_json_put_name(l, "outcome", event_outcome_name(a->outcome));
    output_json_put_name(l, "exposure", event_exposure_name(a->exposure));
    /* Without --show-passwords the key is left out rather than nulled, so
     * "null" keeps meaning "no secret crossed" wherever it appears. */
    if (l->json->show_passwords)
        output_json_put_bytes(l, "password", a->password);
    output_json_put_bytes(l, "response", a->response);
    output_json_put_cstr(l, "resp_code", a->resp_code);
    output_json_put_bytes(l, "realm", a->realm);
    output_json_put_tristate(l, "credentials_valid", a->credentials_valid);
    if (l->json->show_passwords)
        output_json_put_bytes(l, "crack", a->crack);
    /* Only when set, so the usual record keeps its shape. */
    if (a->overlap_conflict)
        output_json_put_bool(l, "overlap_conflict", true);
}

static void output_json_put_anomalies(struct output_json_line *l, uint64_t bits)
{
    output_json_key(l, "anomalies");
    output_json_open(l, '[');
    for (unsigned i = 0; i < (unsigned)ANOMALY_COUNT; i++) {
        if ((bits & (UINT64_C(1) << i)) != 0) {
            const char *name = event_anomaly_name((enum event_anomaly)i);

            output_json_string(l, name, strlen(name));
        }
    }
    output_json_close(l, ']');
}

/* null when no CAPA reply was seen: "no capabilities" and "never asked"
 * are different findings. */
static void output_json_put_capabilities(struct output_json_line *l, const struct event_session *s)
{
    output_json_key(l, "capabilities");
    if (!s->capa_seen) {
        output_json_null(l);
        return;
    }
    output_json_open(l, '[');
    for (unsigned i = 0; i < (unsigned)CAPA_COUNT; i++) {
        if ((s->capabilities & (UINT32_C(1) << i)) != 0) {
            const char *name = event_capa_name((enum event_capa)i);

            output_json_string(l, name, strlen(name));
        }
    }
    output_json_close(l, ']');
}

static void output_json_put_names(struct output_json_line *l, const char *key, const char *const *names, size_t count)
{
    output_json_key(l, key);
    output_json_open(l, '[');
    for (size_t i = 0; names != NULL && i < count; i++) {
        if (names[i] == NULL)
            output_json_null(l);
        else
            output_json_string(l, names[i], strlen(names[i]));
    }
    output_json_close(l, ']');
}

static void output_json_session_server(struct output_json_line *l, const struct event_session *s)
{
    output_json_put_cstr(l, "app_proto", s->app_proto);
    output_json_put_names(l, "ndpi_risks", s->risks, s->risk_count);
    output_json_put_bool(l, "stls_offered", s->stls_offered);
    output_json_put_capabilities(l, s);
    output_json_put_bytes(l, "sasl_mechanisms", s->sasl_mechanisms);
    output_json_put_bytes(l, "implementation", s->implementation);
}

static void output_json_put_known(struct output_json_line *l, const char *key, bool known, uint64_t v)
{
    output_json_key(l, key);
    if (known)
        output_json_u64(l, v);
    else
        output_json_null(l);
}

static void output_json_session_counts(struct output_json_line *l, const struct event_session *s)
{
    output_json_put_known(l, "maildrop_messages", s->maildrop_known, s->maildrop_messages);
    output_json_put_known(l, "maildrop_octets", s->maildrop_known && s->maildrop_octets_known, s->maildrop_octets);
    output_json_put_u64(l, "retr_count", s->retr_count);
    output_json_put_u64(l, "retr_octets", s->retr_octets);
    output_json_put_u64(l, "top_count", s->top_count);
    output_json_put_u64(l, "dele_count", s->dele_count);
    output_json_put_bool(l, "deletions_committed", s->deletions_committed);
    output_json_put_u64(l, "messages_deleted", s->messages_deleted);
    output_json_put_u64(l, "commands", s->commands);
    output_json_put_u64(l, "client_bytes", s->client_bytes);
    output_json_put_u64(l, "server_bytes", s->server_bytes);
}

static void output_json_session(struct output_json_line *l, const struct event_session *s)
{
    output_json_put_name(l, "event", "session");
    output_json_put_time(l, "ts_start", s->ts_start);
    output_json_put_time(l, "ts_end", s->ts_end);
    output_json_put_flow(l, s->flow);
    output_json_put_proxy(l, s->flow);
    output_json_put_bytes(l, "banner", s->banner);
    output_json_put_bytes(l, "apop_timestamp", s->apop_timestamp);
    output_json_put_bytes(l, "user", s->user);
    output_json_put_cstr(l, "auth_method", s->auth_method);
    output_json_put_u64(l, "auth_attempts", s->auth_attempts);
    output_json_put_u64(l, "auth_failures", s->auth_failures);
    output_json_put_name(l, "tls", event_tls_name(s->tls));
    output_json_session_server(l, s);
    output_json_session_counts(l, s);
    output_json_put_name(l, "end", event_end_name(s->end));
    output_json_put_u64(l, "gap_bytes", s->gap_bytes);
    output_json_put_anomalies(l, s->anomalies);
}

static void output_json_alert(struct output_json_line *l, const struct event_alert *a)
{
    output_json_put_name(l, "event", "alert");
    output_json_put_time(l, "ts", a->ts);
    output_json_put_name(l, "kind", event_alert_kind_name(a->kind));
    output_json_put_flow(l, a->flow);
    output_json_put_bytes(l, "user", a->user);
    output_json_put_u64(l, "count", a->count);
    output_json_put_u64(l, "threshold", a->threshold);
    output_json_put_u64(l, "window", a->window);
    if (a->window > 0) {
        output_json_put_time(l, "window_start", a->window_start);
    } else {
        output_json_key(l, "window_start");
        output_json_null(l);
    }
}

static void output_json_stats(struct output_json_line *l, const struct event_stats *st)
{
    output_json_put_name(l, "event", "stats");
    output_json_put_time(l, "ts", st->ts);
    output_json_put_u64(l, "packets", st->packets);
    output_json_put_u64(l, "bytes", st->bytes);
    output_json_put_u64(l, "kernel_received", st->kernel_received);
    output_json_put_u64(l, "kernel_drops", st->kernel_drops);
    output_json_put_u64(l, "interface_drops", st->interface_drops);
    output_json_put_u64(l, "flows_active", st->flows_active);
    output_json_put_u64(l, "sessions_active", st->sessions_active);
    output_json_put_u64(l, "flows_evicted", st->flows_evicted);
    output_json_put_u64(l, "sessions_refused", st->sessions_refused);
    output_json_put_u64(l, "memory_flows", st->memory_flows);
    output_json_put_u64(l, "memory_sessions", st->memory_sessions);
    output_json_put_u64(l, "memory_reassembly", st->memory_reassembly);
    output_json_put_u64(l, "events_written", st->events_written);
    output_json_put_u64(l, "output_drops", st->output_drops);
}

/* {"<label>":"<name>","<count_key>":N,"bytes":N}, an element of a list. */
static void output_json_total(struct output_json_line *l, const char *label, const char *name, const char *count_key,
                              uint64_t count, uint64_t bytes)
{
    output_json_open(l, '{');
    output_json_put_name(l, label, name);
    output_json_put_u64(l, count_key, count);
    output_json_put_u64(l, "bytes", bytes);
    output_json_close(l, '}');
}

/* The mail picture as a list keyed by the session "tls" values, then the
 * other applications nDPI named, most bytes first. */
static void output_json_app_summary(struct output_json_line *l, const struct event_app_summary *s)
{
    output_json_put_name(l, "event", "app_summary");
    output_json_put_time(l, "ts", s->ts);
    output_json_key(l, "mail");
    output_json_open(l, '[');
    for (unsigned t = 0; t < (unsigned)TLS_COUNT; t++)
        output_json_total(l, "tls", event_tls_name((enum event_tls)t), "sessions", s->mail_sessions[t],
                          s->mail_bytes[t]);
    output_json_close(l, ']');
    output_json_put_bool(l, "ndpi", s->ndpi);
    output_json_key(l, "applications");
    output_json_open(l, '[');
    for (size_t i = 0; s->apps != NULL && i < s->app_count; i++)
        output_json_total(l, "name", s->apps[i].name != NULL ? s->apps[i].name : "Unknown", "flows",
                          s->apps[i].flows, s->apps[i].bytes);
    output_json_close(l, ']');
    output_json_put_u64(l, "other_flows", s->more_flows);
    output_json_put_u64(l, "other_bytes", s->more_bytes);
    output_json_put_u64(l, "flows_without_payload", s->flows_without_payload);
    output_json_put_u64(l, "flows_not_named", s->flows_not_named);
}

static void output_json_event(void *state, const struct event *ev)
{
    const struct output_json *json = state;
    struct output_json_line l;

    /* A type this build does not know is not a write failure: skip it. */
    if (json->writer->failed || (unsigned)ev->type > (unsigned)EVENT_APP_SUMMARY)
        return;
    l.json = json;
    l.len = 0;
    l.more = false;
    output_json_open(&l, '{');
    switch (ev->type) {
    case EVENT_AUTH: output_json_auth(&l, &ev->u.auth); break;
    case EVENT_SESSION: output_json_session(&l, &ev->u.session); break;
    case EVENT_ALERT: output_json_alert(&l, &ev->u.alert); break;
    case EVENT_APP_SUMMARY: output_json_app_summary(&l, &ev->u.app_summary); break;
    case EVENT_STATS:
    default: output_json_stats(&l, &ev->u.stats); break;
    }
    output_json_close(&l, '}');
    output_json_char(&l, '\n');
    output_json_spill(&l);
}

static void *output_json_begin(const struct out_format_options *opts)
{
    struct output_json *json = calloc(1, sizeof *json);

    if (json == NULL)
        return NULL;
    json->scratch = malloc(OUTPUT_SCRATCH_MAX + 1);
    if (json->scratch == NULL) {
        free(json);
        return NULL;
    }
    json->writer = opts->writer;
    json->show_passwords = opts->show_passwords;
    return json;
}

static int output_json_finish(void *state)
{
    (void)state;
    return 0;
}

static void output_json_free(void *state)
{
    struct output_json *json = state;

    if (json != NULL)
        free(json->scratch);
    free(json);
}

const struct out_format output_json_format = {
    .name = "json",
    .begin = output_json_begin,
    .event = output_json_event,
    .finish = output_json_finish,
    .free = output_json_free,
};
