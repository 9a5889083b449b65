/* ECS: one JSON object per line in Elastic Common Schema field names
 * (https://www.elastic.co/guide/en/ecs/current/), nested as ECS nests them,
 * so Elasticsearch, Filebeat's ndjson input or Logstash take the lines
 * without a pipeline. What ECS has a field for goes there (the mapping
 * table is README "ECS"); what it has not goes under "pop3scope", ECS's
 * place for a producer's own fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out_escape.h"
#include "out_json.h"
#include "out_writer.h"
#include "output_builtin.h"

/* The ECS release whose field set this follows. */
#define OUTPUT_ECS_VERSION "8.11.0"

struct output_ecs {
    struct out_writer *writer;
    bool show_passwords;
    char *scratch; /* OUTPUT_SCRATCH_MAX + 1: converting a value allocates nothing */
};

static void output_ecs_names(struct out_json_line *l, const char *key, const char *const *names)
{
    out_json_key(l, key);
    out_json_open(l, '[');
    for (; *names != NULL; names++)
        out_json_string(l, *names, strlen(*names));
    out_json_close(l, ']');
}

/* event.*: kind, category and type are ECS's allowed values; dataset
 * names our record ("pop3scope.auth"), so a search can still tell them
 * apart. outcome is NULL when ECS's three values do not apply. */
static void output_ecs_event(struct out_json_line *l, const char *kind, const char *const *category,
                             const char *const *type, const char *dataset, const char *outcome)
{
    out_json_key(l, "event");
    out_json_open(l, '{');
    out_json_put_name(l, "kind", kind);
    output_ecs_names(l, "category", category);
    output_ecs_names(l, "type", type);
    out_json_put_name(l, "module", "pop3scope");
    out_json_put_name(l, "dataset", dataset);
    if (outcome != NULL)
        out_json_put_name(l, "outcome", outcome);
}

static void output_ecs_endpoint(struct out_json_line *l, const char *key, uint8_t version, const uint8_t addr[16],
                                uint16_t port)
{
    out_json_key(l, key);
    out_json_open(l, '{');
    out_json_put_ip(l, "ip", version, addr);
    out_json_put_u64(l, "port", port);
    out_json_close(l, '}');
}

/* source is the client and destination the server, whoever sent the
 * packet (ECS: "source ... of a network connection"). */
static void output_ecs_flow(struct out_json_line *l, const struct event_flow *flow)
{
    if (flow == NULL)
        return;
    output_ecs_endpoint(l, "source", flow->ip_version, flow->client_addr, flow->client_port);
    output_ecs_endpoint(l, "destination", flow->ip_version, flow->server_addr, flow->server_port);
    out_json_key(l, "network");
    out_json_open(l, '{');
    out_json_put_name(l, "protocol", "pop3");
    out_json_put_name(l, "transport", "tcp");
    out_json_put_name(l, "iana_number", "6");
    out_json_put_name(l, "type", flow->ip_version == 6 ? "ipv6" : "ipv4");
    if (flow->community_id[0] != '\0')
        out_json_put_name(l, "community_id", flow->community_id);
    out_json_close(l, '}');
}

static void output_ecs_user(struct out_json_line *l, struct bytes user)
{
    if (user.data == NULL)
        return;
    out_json_key(l, "user");
    out_json_open(l, '{');
    out_json_put_bytes(l, "name", user);
    out_json_close(l, '}');
}

/* Opens the "pop3scope" object; the caller closes it. */
static void output_ecs_own(struct out_json_line *l, const char *record, const struct event_flow *flow)
{
    out_json_key(l, "pop3scope");
    out_json_open(l, '{');
    out_json_put_name(l, "event", record);
    if (flow != NULL)
        out_json_put_u64(l, "flow_id", flow->flow_id);
}

/* ECS has three outcomes: a cancelled attempt did not authenticate
 * (failure); our "unknown" (no verdict seen) is ECS's unknown. */
static const char *output_ecs_outcome(enum event_outcome o)
{
    switch (o) {
    case OUTCOME_SUCCESS: return "success";
    case OUTCOME_FAILURE:
    case OUTCOME_ABORTED: return "failure";
    case OUTCOME_UNKNOWN:
    default: return "unknown";
    }
}

/* ECS log.file.path: "the log file this event came from", left out when
 * the event was not read from a file (live). The path is as given. */
static void output_ecs_log_file(struct out_json_line *l, const char *path)
{
    if (path == NULL)
        return;
    out_json_key(l, "log");
    out_json_open(l, '{');
    out_json_key(l, "file");
    out_json_open(l, '{');
    out_json_put_cstr(l, "path", path);
    out_json_close(l, '}');
    out_json_close(l, '}');
}

/* Evidence (event.h): frame numbers in their file, left out when unseen. */
static void output_ecs_frames(struct out_json_line *l, const struct event_auth *a)
{
    if (a->command_frame != 0)
        out_json_put_u64(l, "command_frame", a->command_frame);
    if (a->reply_frame != 0)
        out_json_put_u64(l, "reply_frame", a->reply_frame);
    if (a->reply_frame != 0 && a->reply_file != a->capture_file)
        out_json_put_cstr(l, "reply_file", a->reply_file);
}

static void output_ecs_auth(struct out_json_line *l, const struct event_auth *a, bool show_passwords)
{
    static const char *const category[] = { "authentication", NULL };
    static const char *const type[] = { "start", NULL };

    out_json_put_time(l, "@timestamp", a->ts);
    output_ecs_event(l, "event", category, type, "pop3scope.auth", output_ecs_outcome(a->outcome));
    out_json_put_name(l, "action", "pop3-login");
    out_json_put_bytes(l, "reason", a->response);
    out_json_close(l, '}');
    output_ecs_flow(l, a->flow);
    output_ecs_user(l, a->user);
    output_ecs_log_file(l, a->capture_file);
    output_ecs_own(l, "auth", a->flow);
    out_json_put_u64(l, "attempt", a->attempt);
    out_json_put_cstr(l, "method", a->method);
    out_json_put_name(l, "outcome", event_outcome_name(a->outcome));
    out_json_put_name(l, "exposure", event_exposure_name(a->exposure));
    out_json_put_bytes(l, "authzid", a->authzid);
    out_json_put_cstr(l, "resp_code", a->resp_code);
    out_json_put_bytes(l, "realm", a->realm);
    if (a->credentials_valid != TRISTATE_UNKNOWN) {
        out_json_key(l, "credentials_valid");
        out_json_bool(l, a->credentials_valid == TRISTATE_YES);
    }
    output_ecs_frames(l, a);
    /* As in --json: the secret only when asked, and then under our name
     * (ECS has no field for a password, and should not). */
    if (show_passwords) {
        out_json_put_bytes(l, "password", a->password);
        out_json_put_bytes(l, "crack", a->crack);
    }
    out_json_close(l, '}');
}

/* Microseconds of packet time between two times, as ECS's nanoseconds. */
static uint64_t output_ecs_duration_ns(struct event_time start, struct event_time end)
{
    int64_t us = (end.sec - start.sec) * 1000000 + ((int64_t)end.usec - (int64_t)start.usec);

    return us > 0 ? (uint64_t)us * 1000u : 0;
}

static void output_ecs_session(struct out_json_line *l, const struct event_session *s)
{
    static const char *const category[] = { "network", "session", NULL };
    static const char *const type[] = { "connection", "end", NULL };

    out_json_put_time(l, "@timestamp", s->ts_end);
    output_ecs_event(l, "event", category, type, "pop3scope.session", NULL);
    out_json_put_time(l, "start", s->ts_start);
    out_json_put_time(l, "end", s->ts_end);
    out_json_put_u64(l, "duration", output_ecs_duration_ns(s->ts_start, s->ts_end));
    out_json_close(l, '}');
    output_ecs_flow(l, s->flow);
    output_ecs_user(l, s->user);
    output_ecs_log_file(l, s->capture_file);
    output_ecs_own(l, "session", s->flow);
    out_json_put_bytes(l, "banner", s->banner);
    out_json_put_cstr(l, "auth_method", s->auth_method);
    out_json_put_u64(l, "auth_attempts", s->auth_attempts);
    out_json_put_u64(l, "auth_failures", s->auth_failures);
    out_json_put_name(l, "tls", event_tls_name(s->tls));
    out_json_put_name(l, "end", event_end_name(s->end));
    out_json_put_u64(l, "client_bytes", s->client_bytes);
    out_json_put_u64(l, "server_bytes", s->server_bytes);
    /* As --json: only when a rotated capture split the connection. */
    if (s->end_file != s->capture_file)
        out_json_put_cstr(l, "end_file", s->end_file);
    out_json_close(l, '}');
}

static void output_ecs_alert(struct out_json_line *l, const struct event_alert *a)
{
    static const char *const category[] = { "intrusion_detection", "authentication", NULL };
    static const char *const type[] = { "info", NULL };
    const char *kind = event_alert_kind_name(a->kind);

    out_json_put_time(l, "@timestamp", a->ts);
    output_ecs_event(l, "alert", category, type, "pop3scope.alert", NULL);
    out_json_close(l, '}');
    out_json_key(l, "rule");
    out_json_open(l, '{');
    out_json_put_name(l, "name", kind);
    out_json_close(l, '}');
    output_ecs_flow(l, a->flow);
    output_ecs_user(l, a->user);
    output_ecs_log_file(l, a->capture_file);
    output_ecs_own(l, "alert", a->flow);
    out_json_put_u64(l, "count", a->count);
    out_json_put_u64(l, "threshold", a->threshold);
    out_json_put_u64(l, "window", a->window);
    out_json_close(l, '}');
}

static void output_ecs_stats(struct out_json_line *l, const struct event_stats *st)
{
    static const char *const category[] = { "network", NULL };
    static const char *const type[] = { "info", NULL };

    out_json_put_time(l, "@timestamp", st->ts);
    output_ecs_event(l, "metric", category, type, "pop3scope.stats", NULL);
    out_json_close(l, '}');
    output_ecs_own(l, "stats", NULL);
    out_json_put_u64(l, "packets", st->packets);
    out_json_put_u64(l, "bytes", st->bytes);
    out_json_put_u64(l, "kernel_drops", st->kernel_drops);
    out_json_put_u64(l, "sessions_active", st->sessions_active);
    out_json_put_u64(l, "events_written", st->events_written);
    out_json_put_u64(l, "output_drops", st->output_drops);
    out_json_close(l, '}');
}

/* The end-of-run record (README "Event schema"): the same inputs list as
 * the JSON format's run_end, under pop3scope. */
static void output_ecs_run_end(struct out_json_line *l, const struct event_run_end *r)
{
    static const char *const category[] = { "process", NULL };
    static const char *const type[] = { "end", NULL };

    output_ecs_event(l, "event", category, type, "pop3scope.run_end", NULL);
    out_json_close(l, '}');
    output_ecs_own(l, "run_end", NULL);
    out_json_put_run_end(l, r);
    out_json_close(l, '}');
}

static void output_ecs_write(void *state, const struct event *ev)
{
    const struct output_ecs *ecs = state;
    struct out_json_line l;

    /* The end-of-run application picture has no ECS shape: --json has it. */
    if (ecs->writer->failed || ev->type == EVENT_APP_SUMMARY || (unsigned)ev->type > (unsigned)EVENT_RUN_END)
        return;
    l.writer = ecs->writer;
    l.scratch = ecs->scratch;
    l.len = 0;
    l.more = false;
    out_json_open(&l, '{');
    switch (ev->type) {
    case EVENT_AUTH: output_ecs_auth(&l, &ev->u.auth, ecs->show_passwords); break;
    case EVENT_SESSION: output_ecs_session(&l, &ev->u.session); break;
    case EVENT_ALERT: output_ecs_alert(&l, &ev->u.alert); break;
    case EVENT_RUN_END: output_ecs_run_end(&l, &ev->u.run_end); break;
    case EVENT_STATS:
    default: output_ecs_stats(&l, &ev->u.stats); break;
    }
    out_json_key(&l, "ecs");
    out_json_open(&l, '{');
    out_json_put_name(&l, "version", OUTPUT_ECS_VERSION);
    out_json_close(&l, '}');
    out_json_close(&l, '}');
    out_json_char(&l, '\n');
    out_json_spill(&l);
}

static void *output_ecs_begin(const struct out_format_options *opts)
{
    struct output_ecs *ecs = calloc(1, sizeof *ecs);

    if (ecs == NULL)
        return NULL;
    ecs->scratch = malloc(OUTPUT_SCRATCH_MAX + 1);
    if (ecs->scratch == NULL) {
        free(ecs);
        return NULL;
    }
    ecs->writer = opts->writer;
    ecs->show_passwords = opts->show_passwords;
    return ecs;
}

static int output_ecs_finish(void *state)
{
    (void)state;
    return 0;
}

static void output_ecs_free(void *state)
{
    struct output_ecs *ecs = state;

    if (ecs != NULL)
        free(ecs->scratch);
    free(ecs);
}

const struct out_format output_ecs_format = {
    .name = "ecs",
    .begin = output_ecs_begin,
    .event = output_ecs_write,
    .finish = output_ecs_finish,
    .free = output_ecs_free,
};
