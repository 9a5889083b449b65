/* JSON lines: one compact object per event, keys in a fixed order so that
 * line-oriented tools and golden files can rely on it.
 *
 * Written by hand, not with jansson (CONVENTIONS: prefer a library unless a
 * measured hot path needs otherwise): jansson built an object, a string per
 * value and a growing hash table for every event, and that cost more than
 * the analysis behind it. This writer appends straight into one buffer on
 * the stack, allocates nothing, and writes once per event.
 *
 * The escaping rule and the line builder are in out_json.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "out_escape.h"
#include "out_json.h"
#include "out_writer.h"
#include "output_builtin.h"

struct output_json {
    struct out_writer *writer;
    bool show_passwords;
    char *scratch; /* OUTPUT_SCRATCH_MAX + 1: converting a value allocates nothing */
};

static void output_json_put_addr(struct out_json_line *l, const char *key, const struct event_flow *flow, bool server)
{
    out_json_put_ip(l, key, flow->ip_version, server ? flow->server_addr : flow->client_addr);
}

/* src is the client and dest the server, as in Suricata's EVE records. */
static void output_json_put_flow(struct out_json_line *l, const struct event_flow *flow)
{
    if (flow == NULL) {
        static const char *const keys[] = { "flow_id", "src_ip", "src_port", "dest_ip", "dest_port", "community_id" };

        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            out_json_key(l, keys[i]);
            out_json_null(l);
        }
        return;
    }
    out_json_put_u64(l, "flow_id", flow->flow_id);
    output_json_put_addr(l, "src_ip", flow, false);
    out_json_put_u64(l, "src_port", flow->client_port);
    output_json_put_addr(l, "dest_ip", flow, true);
    out_json_put_u64(l, "dest_port", flow->server_port);
    /* Base64 and "1:": characters JSON never escapes. */
    out_json_key(l, "community_id");
    if (flow->community_id[0] == '\0')
        out_json_null(l);
    else
        out_json_string(l, flow->community_id, strlen(flow->community_id));
}

static void output_json_put_bool(struct out_json_line *l, const char *key, bool v);

/* The original connection behind an SSLproxy header; left out entirely
 * when there is none, so records of ordinary flows are unchanged. */
static void output_json_put_proxy(struct out_json_line *l, const struct event_flow *flow)
{
    char listener[FMT_ENDPOINT_SIZE];
    const struct event_proxy *p = flow != NULL ? &flow->proxy : NULL;
    size_t n;

    if (p == NULL || !p->present)
        return;
    n = fmt_endpoint(p->listener_version, p->listener_addr, p->listener_port, listener, sizeof listener);
    out_json_key(l, "proxy");
    out_json_open(l, '{');
    out_json_key(l, "listener");
    out_json_plain(l, listener, n);
    out_json_put_ip(l, "client_ip", p->ip_version, p->client_addr);
    out_json_put_u64(l, "client_port", p->client_port);
    out_json_put_ip(l, "server_ip", p->ip_version, p->server_addr);
    out_json_put_u64(l, "server_port", p->server_port);
    output_json_put_bool(l, "tls", p->tls);
    out_json_close(l, '}');
}

static void output_json_put_tristate(struct out_json_line *l, const char *key, enum event_tristate v)
{
    out_json_key(l, key);
    if (v == TRISTATE_UNKNOWN)
        out_json_null(l);
    else
        out_json_bool(l, v == TRISTATE_YES);
}

static void output_json_put_bool(struct out_json_line *l, const char *key, bool v)
{
    out_json_key(l, key);
    out_json_bool(l, v);
}

/* A frame number, or null for 0 (not seen). */
static void output_json_put_frame(struct out_json_line *l, const char *key, uint64_t frame)
{
    out_json_key(l, key);
    if (frame == 0)
        out_json_null(l);
    else
        out_json_u64(l, frame);
}

static void output_json_auth(struct out_json_line *l, const struct event_auth *a, bool show_passwords)
{
    out_json_put_name(l, "event", "auth");
    out_json_put_time(l, "ts", a->ts);
    output_json_put_flow(l, a->flow);
    output_json_put_proxy(l, a->flow);
    out_json_put_u64(l, "attempt", a->attempt);
    out_json_put_cstr(l, "method", a->method);
    out_json_put_bytes(l, "user", a->user);
    out_json_put_bytes(l, "authzid", a->authzid);
    out_json_put_name(l, "outcome", event_outcome_name(a->outcome));
    out_json_put_name(l, "exposure", event_exposure_name(a->exposure));
    /* Without --show-passwords the key is left out rather than nulled, so
     * "null" keeps meaning "no secret crossed" wherever it appears. */
    if (show_passwords)
        out_json_put_bytes(l, "password", a->password);
    out_json_put_bytes(l, "response", a->response);
    out_json_put_cstr(l, "resp_code", a->resp_code);
    out_json_put_bytes(l, "realm", a->realm);
    output_json_put_tristate(l, "credentials_valid", a->credentials_valid);
    if (show_passwords)
        out_json_put_bytes(l, "crack", a->crack);
    /* Evidence (event.h): the file is the path as given (null live). */
    out_json_put_cstr(l, "capture_file", a->capture_file);
    output_json_put_frame(l, "command_frame", a->command_frame);
    output_json_put_frame(l, "reply_frame", a->reply_frame);
    /* Only when a rotated capture split the command from its reply. */
    if (a->reply_frame != 0 && a->reply_file != a->capture_file)
        out_json_put_cstr(l, "reply_file", a->reply_file);
    /* Only when set, so the usual record keeps its shape. */
    if (a->overlap_conflict)
        output_json_put_bool(l, "overlap_conflict", true);
}

static void output_json_put_anomalies(struct out_json_line *l, uint64_t bits)
{
    out_json_key(l, "anomalies");
    out_json_open(l, '[');
    for (unsigned i = 0; i < (unsigned)ANOMALY_COUNT; i++) {
        if ((bits & (UINT64_C(1) << i)) != 0) {
            const char *name = event_anomaly_name((enum event_anomaly)i);

            out_json_string(l, name, strlen(name));
        }
    }
    out_json_close(l, ']');
}

/* null when no CAPA reply was seen: "no capabilities" and "never asked"
 * are different findings. */
static void output_json_put_capabilities(struct out_json_line *l, const struct event_session *s)
{
    out_json_key(l, "capabilities");
    if (!s->capa_seen) {
        out_json_null(l);
        return;
    }
    out_json_open(l, '[');
    for (unsigned i = 0; i < (unsigned)CAPA_COUNT; i++) {
        if ((s->capabilities & (UINT32_C(1) << i)) != 0) {
            const char *name = event_capa_name((enum event_capa)i);

            out_json_string(l, name, strlen(name));
        }
    }
    out_json_close(l, ']');
}

static void output_json_put_names(struct out_json_line *l, const char *key, const char *const *names, size_t count)
{
    out_json_key(l, key);
    out_json_open(l, '[');
    for (size_t i = 0; names != NULL && i < count; i++) {
        if (names[i] == NULL)
            out_json_null(l);
        else
            out_json_string(l, names[i], strlen(names[i]));
    }
    out_json_close(l, ']');
}

static void output_json_session_server(struct out_json_line *l, const struct event_session *s)
{
    out_json_put_cstr(l, "app_proto", s->app_proto);
    output_json_put_names(l, "ndpi_risks", s->risks, s->risk_count);
    output_json_put_bool(l, "stls_offered", s->stls_offered);
    output_json_put_capabilities(l, s);
    out_json_put_bytes(l, "sasl_mechanisms", s->sasl_mechanisms);
    out_json_put_bytes(l, "implementation", s->implementation);
}

static void output_json_put_known(struct out_json_line *l, const char *key, bool known, uint64_t v)
{
    out_json_key(l, key);
    if (known)
        out_json_u64(l, v);
    else
        out_json_null(l);
}

static void output_json_session_counts(struct out_json_line *l, const struct event_session *s)
{
    output_json_put_known(l, "maildrop_messages", s->maildrop_known, s->maildrop_messages);
    output_json_put_known(l, "maildrop_octets", s->maildrop_known && s->maildrop_octets_known, s->maildrop_octets);
    out_json_put_u64(l, "retr_count", s->retr_count);
    out_json_put_u64(l, "retr_octets", s->retr_octets);
    out_json_put_u64(l, "top_count", s->top_count);
    out_json_put_u64(l, "dele_count", s->dele_count);
    output_json_put_bool(l, "deletions_committed", s->deletions_committed);
    out_json_put_u64(l, "messages_deleted", s->messages_deleted);
    out_json_put_u64(l, "commands", s->commands);
    out_json_put_u64(l, "client_bytes", s->client_bytes);
    out_json_put_u64(l, "server_bytes", s->server_bytes);
}

static void output_json_session(struct out_json_line *l, const struct event_session *s)
{
    out_json_put_name(l, "event", "session");
    out_json_put_time(l, "ts_start", s->ts_start);
    out_json_put_time(l, "ts_end", s->ts_end);
    output_json_put_flow(l, s->flow);
    output_json_put_proxy(l, s->flow);
    out_json_put_bytes(l, "banner", s->banner);
    out_json_put_bytes(l, "apop_timestamp", s->apop_timestamp);
    out_json_put_bytes(l, "user", s->user);
    out_json_put_cstr(l, "auth_method", s->auth_method);
    out_json_put_u64(l, "auth_attempts", s->auth_attempts);
    out_json_put_u64(l, "auth_failures", s->auth_failures);
    out_json_put_name(l, "tls", event_tls_name(s->tls));
    output_json_session_server(l, s);
    output_json_session_counts(l, s);
    out_json_put_name(l, "end", event_end_name(s->end));
    out_json_put_u64(l, "gap_bytes", s->gap_bytes);
    output_json_put_anomalies(l, s->anomalies);
    /* Evidence, as on auth events: end_file only when a rotated capture
     * split the connection across files. */
    out_json_put_cstr(l, "capture_file", s->capture_file);
    if (s->end_file != s->capture_file)
        out_json_put_cstr(l, "end_file", s->end_file);
}

static void output_json_alert(struct out_json_line *l, const struct event_alert *a)
{
    out_json_put_name(l, "event", "alert");
    out_json_put_time(l, "ts", a->ts);
    out_json_put_name(l, "kind", event_alert_kind_name(a->kind));
    output_json_put_flow(l, a->flow);
    out_json_put_bytes(l, "user", a->user);
    out_json_put_u64(l, "count", a->count);
    out_json_put_u64(l, "threshold", a->threshold);
    out_json_put_u64(l, "window", a->window);
    if (a->window > 0) {
        out_json_put_time(l, "window_start", a->window_start);
    } else {
        out_json_key(l, "window_start");
        out_json_null(l);
    }
    out_json_put_cstr(l, "capture_file", a->capture_file); /* of the event that fired it */
}

static void output_json_stats(struct out_json_line *l, const struct event_stats *st)
{
    out_json_put_name(l, "event", "stats");
    out_json_put_time(l, "ts", st->ts);
    out_json_put_u64(l, "packets", st->packets);
    out_json_put_u64(l, "bytes", st->bytes);
    out_json_put_u64(l, "kernel_received", st->kernel_received);
    out_json_put_u64(l, "kernel_drops", st->kernel_drops);
    out_json_put_u64(l, "interface_drops", st->interface_drops);
    out_json_put_u64(l, "flows_active", st->flows_active);
    out_json_put_u64(l, "sessions_active", st->sessions_active);
    out_json_put_u64(l, "flows_evicted", st->flows_evicted);
    out_json_put_u64(l, "sessions_refused", st->sessions_refused);
    out_json_put_u64(l, "memory_flows", st->memory_flows);
    out_json_put_u64(l, "memory_sessions", st->memory_sessions);
    out_json_put_u64(l, "memory_reassembly", st->memory_reassembly);
    out_json_put_u64(l, "events_written", st->events_written);
    out_json_put_u64(l, "output_drops", st->output_drops);
}

/* README "Event schema": which inputs were not read to their end. */
static void output_json_run_end(struct out_json_line *l, const struct event_run_end *r)
{
    out_json_put_name(l, "event", "run_end");
    out_json_put_run_end(l, r);
}

/* {"<label>":"<name>","<count_key>":N,"bytes":N}, an element of a list. */
static void output_json_total(struct out_json_line *l, const char *label, const char *name, const char *count_key,
                              uint64_t count, uint64_t bytes)
{
    out_json_open(l, '{');
    out_json_put_name(l, label, name);
    out_json_put_u64(l, count_key, count);
    out_json_put_u64(l, "bytes", bytes);
    out_json_close(l, '}');
}

/* The mail picture as a list keyed by the session "tls" values, then the
 * other applications nDPI named, most bytes first. */
static void output_json_app_summary(struct out_json_line *l, const struct event_app_summary *s)
{
    out_json_put_name(l, "event", "app_summary");
    out_json_put_time(l, "ts", s->ts);
    out_json_key(l, "mail");
    out_json_open(l, '[');
    for (unsigned t = 0; t < (unsigned)TLS_COUNT; t++)
        output_json_total(l, "tls", event_tls_name((enum event_tls)t), "sessions", s->mail_sessions[t],
                          s->mail_bytes[t]);
    out_json_close(l, ']');
    output_json_put_bool(l, "ndpi", s->ndpi);
    out_json_key(l, "applications");
    out_json_open(l, '[');
    for (size_t i = 0; s->apps != NULL && i < s->app_count; i++)
        output_json_total(l, "name", s->apps[i].name != NULL ? s->apps[i].name : "Unknown", "flows",
                          s->apps[i].flows, s->apps[i].bytes);
    out_json_close(l, ']');
    out_json_put_u64(l, "other_flows", s->more_flows);
    out_json_put_u64(l, "other_bytes", s->more_bytes);
    out_json_put_u64(l, "flows_without_payload", s->flows_without_payload);
    out_json_put_u64(l, "flows_not_named", s->flows_not_named);
}

static void output_json_event(void *state, const struct event *ev)
{
    const struct output_json *json = state;
    struct out_json_line l;

    /* A type this build does not know is not a write failure: skip it. */
    if (json->writer->failed || (unsigned)ev->type > (unsigned)EVENT_RUN_END)
        return;
    l.writer = json->writer;
    l.scratch = json->scratch;
    l.len = 0;
    l.more = false;
    out_json_open(&l, '{');
    switch (ev->type) {
    case EVENT_AUTH: output_json_auth(&l, &ev->u.auth, json->show_passwords); break;
    case EVENT_SESSION: output_json_session(&l, &ev->u.session); break;
    case EVENT_ALERT: output_json_alert(&l, &ev->u.alert); break;
    case EVENT_APP_SUMMARY: output_json_app_summary(&l, &ev->u.app_summary); break;
    case EVENT_RUN_END: output_json_run_end(&l, &ev->u.run_end); break;
    case EVENT_STATS:
    default: output_json_stats(&l, &ev->u.stats); break;
    }
    out_json_close(&l, '}');
    out_json_char(&l, '\n');
    out_json_spill(&l);
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
