/* JSON lines: one compact object per event, keys in a fixed order so that
 * line-oriented tools and golden files can rely on it. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "output_internal.h"

/* Collects the first failure so one check decides whether the line is
 * written: a half-built object must never reach the stream. */
struct output_json_builder {
    struct output *out;
    json_t *obj;
    bool failed;
};

static void output_json_put(struct output_json_builder *b, const char *key, json_t *value)
{
    /* json_object_set_new releases value itself when it fails. */
    if (value == NULL || json_object_set_new(b->obj, key, value) != 0)
        b->failed = true;
}

/* JSON integers are signed 64-bit in jansson; a counter cannot honestly
 * reach 2^63, but a corrupt one must not print as a negative number. */
static json_t *output_json_u64(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)v);
}

static void output_json_put_u64(struct output_json_builder *b, const char *key, uint64_t v)
{
    output_json_put(b, key, output_json_u64(v));
}

static void output_json_put_bytes(struct output_json_builder *b, const char *key, struct event_bytes bytes)
{
    const char *text;
    size_t len;

    if (bytes.data == NULL) {
        output_json_put(b, key, json_null());
        return;
    }
    len = output_utf8(b->out, bytes, OUTPUT_UTF8_JSON, &text);
    /* json_stringn, not json_string: the value may hold NUL (dumped as
     * \u0000) and must not end at it. */
    output_json_put(b, key, json_stringn(text, len));
}

/* Method names and response codes come from the wire too (a SASL
 * mechanism is whatever the client typed), so they go through the same
 * conversion as any byte string. */
static void output_json_put_cstr(struct output_json_builder *b, const char *key, const char *s)
{
    struct event_bytes bytes = { (const uint8_t *)s, s == NULL ? 0 : strlen(s) };

    output_json_put_bytes(b, key, bytes);
}

static void output_json_put_time(struct output_json_builder *b, const char *key, struct event_time t)
{
    char buf[EVENT_TIME_TEXT_SIZE];

    event_time_format(t, buf, sizeof buf);
    output_json_put(b, key, json_string(buf));
}

/* src is the client and dest the server, as in Suricata's EVE records. */
static void output_json_put_flow(struct output_json_builder *b, const struct event_flow *flow)
{
    char addr[EVENT_ADDR_TEXT_SIZE];

    if (flow == NULL) {
        output_json_put(b, "flow_id", json_null());
        output_json_put(b, "src_ip", json_null());
        output_json_put(b, "src_port", json_null());
        output_json_put(b, "dest_ip", json_null());
        output_json_put(b, "dest_port", json_null());
        return;
    }
    output_json_put_u64(b, "flow_id", flow->flow_id);
    output_flow_addr(flow, false, addr, sizeof addr);
    output_json_put(b, "src_ip", json_string(addr));
    output_json_put_u64(b, "src_port", flow->client_port);
    output_flow_addr(flow, true, addr, sizeof addr);
    output_json_put(b, "dest_ip", json_string(addr));
    output_json_put_u64(b, "dest_port", flow->server_port);
}

static json_t *output_json_tristate(enum event_tristate v)
{
    if (v == TRISTATE_UNKNOWN)
        return json_null();
    return json_boolean(v == TRISTATE_YES);
}

static void output_json_auth(struct output_json_builder *b, const struct event_auth *a)
{
    output_json_put(b, "event", json_string("auth"));
    output_json_put_time(b, "ts", a->ts);
    output_json_put_flow(b, a->flow);
    output_json_put_u64(b, "attempt", a->attempt);
    output_json_put_cstr(b, "method", a->method);
    output_json_put_bytes(b, "user", a->user);
    output_json_put_bytes(b, "authzid", a->authzid);
    output_json_put(b, "outcome", json_string(event_outcome_name(a->outcome)));
    output_json_put(b, "exposure", json_string(event_exposure_name(a->exposure)));
    /* Without --show-passwords the key is left out rather than nulled, so
     * "null" keeps meaning "no secret crossed" wherever it appears. */
    if (b->out->opts.show_passwords)
        output_json_put_bytes(b, "password", a->password);
    output_json_put_bytes(b, "response", a->response);
    output_json_put_cstr(b, "resp_code", a->resp_code);
    output_json_put_bytes(b, "realm", a->realm);
    output_json_put(b, "credentials_valid", output_json_tristate(a->credentials_valid));
    if (b->out->opts.show_passwords)
        output_json_put_bytes(b, "crack", a->crack);
}

static json_t *output_json_anomalies(uint64_t bits)
{
    json_t *list = json_array();
    unsigned i;

    if (list == NULL)
        return NULL;
    for (i = 0; i < (unsigned)ANOMALY_COUNT; i++) {
        if ((bits & (UINT64_C(1) << i)) == 0)
            continue;
        if (json_array_append_new(list, json_string(event_anomaly_name((enum event_anomaly)i))) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/* null when no CAPA reply was seen: "no capabilities" and "never asked"
 * are different findings. */
static json_t *output_json_capabilities(const struct event_session *s)
{
    json_t *list;

    if (!s->capa_seen)
        return json_null();
    list = json_array();
    for (unsigned i = 0; list != NULL && i < (unsigned)CAPA_COUNT; i++) {
        if ((s->capabilities & (UINT32_C(1) << i)) != 0 &&
            json_array_append_new(list, json_string(event_capa_name((enum event_capa)i))) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *output_json_names(const char *const *names, size_t count)
{
    json_t *list = json_array();

    for (size_t i = 0; list != NULL && names != NULL && i < count; i++) {
        if (json_array_append_new(list, json_string(names[i])) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static void output_json_session_server(struct output_json_builder *b, const struct event_session *s)
{
    output_json_put_cstr(b, "app_proto", s->app_proto);
    output_json_put(b, "ndpi_risks", output_json_names(s->risks, s->risk_count));
    output_json_put(b, "stls_offered", json_boolean(s->stls_offered));
    output_json_put(b, "capabilities", output_json_capabilities(s));
    output_json_put_bytes(b, "sasl_mechanisms", s->sasl_mechanisms);
    output_json_put_bytes(b, "implementation", s->implementation);
}

static void output_json_session_counts(struct output_json_builder *b, const struct event_session *s)
{
    output_json_put(b, "maildrop_messages", s->maildrop_known ? output_json_u64(s->maildrop_messages) : json_null());
    output_json_put(b, "maildrop_octets", s->maildrop_known && s->maildrop_octets_known ? output_json_u64(s->maildrop_octets) : json_null());
    output_json_put_u64(b, "retr_count", s->retr_count);
    output_json_put_u64(b, "retr_octets", s->retr_octets);
    output_json_put_u64(b, "top_count", s->top_count);
    output_json_put_u64(b, "dele_count", s->dele_count);
    output_json_put(b, "deletions_committed", json_boolean(s->deletions_committed));
    output_json_put_u64(b, "messages_deleted", s->messages_deleted);
    output_json_put_u64(b, "commands", s->commands);
    output_json_put_u64(b, "client_bytes", s->client_bytes);
    output_json_put_u64(b, "server_bytes", s->server_bytes);
}

static void output_json_session(struct output_json_builder *b, const struct event_session *s)
{
    output_json_put(b, "event", json_string("session"));
    output_json_put_time(b, "ts_start", s->ts_start);
    output_json_put_time(b, "ts_end", s->ts_end);
    output_json_put_flow(b, s->flow);
    output_json_put_bytes(b, "banner", s->banner);
    output_json_put_bytes(b, "apop_timestamp", s->apop_timestamp);
    output_json_put_bytes(b, "user", s->user);
    output_json_put_cstr(b, "auth_method", s->auth_method);
    output_json_put_u64(b, "auth_attempts", s->auth_attempts);
    output_json_put_u64(b, "auth_failures", s->auth_failures);
    output_json_put(b, "tls", json_string(event_tls_name(s->tls)));
    output_json_session_server(b, s);
    output_json_session_counts(b, s);
    output_json_put(b, "end", json_string(event_end_name(s->end)));
    output_json_put_u64(b, "gap_bytes", s->gap_bytes);
    output_json_put(b, "anomalies", output_json_anomalies(s->anomalies));
}

static void output_json_alert(struct output_json_builder *b, const struct event_alert *a)
{
    output_json_put(b, "event", json_string("alert"));
    output_json_put_time(b, "ts", a->ts);
    output_json_put(b, "kind", json_string(event_alert_kind_name(a->kind)));
    output_json_put_flow(b, a->flow);
    output_json_put_bytes(b, "user", a->user);
    output_json_put_u64(b, "count", a->count);
    output_json_put_u64(b, "threshold", a->threshold);
    output_json_put_u64(b, "window", a->window);
    if (a->window > 0)
        output_json_put_time(b, "window_start", a->window_start);
    else
        output_json_put(b, "window_start", json_null());
}

static void output_json_stats(struct output_json_builder *b, const struct event_stats *st)
{
    output_json_put(b, "event", json_string("stats"));
    output_json_put_time(b, "ts", st->ts);
    output_json_put_u64(b, "packets", st->packets);
    output_json_put_u64(b, "bytes", st->bytes);
    output_json_put_u64(b, "kernel_received", st->kernel_received);
    output_json_put_u64(b, "kernel_drops", st->kernel_drops);
    output_json_put_u64(b, "interface_drops", st->interface_drops);
    output_json_put_u64(b, "flows_active", st->flows_active);
    output_json_put_u64(b, "sessions_active", st->sessions_active);
    output_json_put_u64(b, "flows_evicted", st->flows_evicted);
    output_json_put_u64(b, "memory_flows", st->memory_flows);
    output_json_put_u64(b, "memory_sessions", st->memory_sessions);
    output_json_put_u64(b, "memory_reassembly", st->memory_reassembly);
    output_json_put_u64(b, "events_written", st->events_written);
}

void output_json_event(struct output *out, const struct event *ev)
{
    struct output_json_builder b = { out, NULL, false };

    /* A type this build does not know is not a write failure: skip it. */
    if (out->failed || (unsigned)ev->type > (unsigned)EVENT_STATS)
        return;
    b.obj = json_object();
    if (b.obj == NULL) {
        output_fail(out, ENOMEM);
        return;
    }
    switch (ev->type) {
    case EVENT_AUTH: output_json_auth(&b, &ev->u.auth); break;
    case EVENT_SESSION: output_json_session(&b, &ev->u.session); break;
    case EVENT_ALERT: output_json_alert(&b, &ev->u.alert); break;
    case EVENT_STATS:
    default: output_json_stats(&b, &ev->u.stats); break;
    }
    /* JSON_PRESERVE_ORDER is the default since jansson 2.8; saying it keeps
     * the key order contract visible here. */
    if (b.failed)
        output_fail(out, ENOMEM); /* only allocation can fail a build */
    else if (json_dumpf(b.obj, out->stream, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
        output_fail(out, errno);
    else
        output_write(out, "\n", 1);
    json_decref(b.obj);
}
