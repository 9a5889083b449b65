/* The table a person reads: one row per login attempt, then a summary of
 * the run. Values from the wire follow one rule (output_text_value.c, README
 * "Events"): the peer chose these bytes, a terminal obeys escape
 * sequences, and a reader splits lines on spaces and '='. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "out_writer.h"
#include "output_builtin.h"
#include "output_text_summary.h"
#include "output_text_value.h"

/* The format's state: where it writes, its options, and the summary it
 * prints at the end. */
struct output_text {
    struct out_writer *writer;
    bool show_passwords;
    bool summary_only; /* the summary alone, no table of attempts */
    bool header_written;
    struct output_text_summary summary;
};

#define OUTPUT_TEXT_W_TIME 19
#define OUTPUT_TEXT_W_ADDR 21 /* "255.255.255.255:65535" */
#define OUTPUT_TEXT_W_USER 20
#define OUTPUT_TEXT_W_METHOD 10
#define OUTPUT_TEXT_W_OUTCOME 7
#define OUTPUT_TEXT_W_EXPOSURE 9
#define OUTPUT_TEXT_W_PASSWORD 20
#define OUTPUT_TEXT_W_RESPONSE 40
#define OUTPUT_TEXT_W_FILE 60 /* a capture file's name in FRAMES */

/* "%-19s  %-21s ..." built from the widths so header and rows agree.
 * Addresses are padded but never cut: a truncated address misleads. */
#define OUTPUT_TEXT_STR(x) #x
#define OUTPUT_TEXT_XSTR(x) OUTPUT_TEXT_STR(x)
#define OUTPUT_TEXT_COL(w) "%-" OUTPUT_TEXT_XSTR(w) "s  "
/* One column per cell, laid out by hand: clang-format cannot keep it. */
/* clang-format off */
#define OUTPUT_TEXT_ROW                                                                    \
    OUTPUT_TEXT_COL(OUTPUT_TEXT_W_TIME) OUTPUT_TEXT_COL(OUTPUT_TEXT_W_ADDR)               \
    OUTPUT_TEXT_COL(OUTPUT_TEXT_W_ADDR) OUTPUT_TEXT_COL(OUTPUT_TEXT_W_USER)               \
    OUTPUT_TEXT_COL(OUTPUT_TEXT_W_METHOD) OUTPUT_TEXT_COL(OUTPUT_TEXT_W_OUTCOME)          \
    OUTPUT_TEXT_COL(OUTPUT_TEXT_W_EXPOSURE) OUTPUT_TEXT_COL(OUTPUT_TEXT_W_PASSWORD)       \
    OUTPUT_TEXT_COL(OUTPUT_TEXT_W_RESPONSE) "%s\n"
/* clang-format on */

static void output_text_bytes(struct bytes bytes, char *buf, size_t width)
{
    if (bytes.data == NULL)
        snprintf(buf, width + 1, "-");
    else
        output_text_value(bytes.data, bytes.len, buf, width);
}

static void output_text_cstr(const char *s, char *buf, size_t width)
{
    struct bytes bytes = { (const uint8_t *)s, s == NULL ? 0 : strlen(s) };

    output_text_bytes(bytes, buf, width);
}

/* "192.0.2.1:110" or "[2001:db8::1]:110"; "-" when the event has no flow. */
static void output_text_endpoint(const struct event_flow *flow, bool server, char *buf, size_t size)
{
    if (flow == NULL)
        snprintf(buf, size, "-");
    else if (server)
        fmt_endpoint(flow->ip_version, flow->server_addr, flow->server_port, buf, size);
    else
        fmt_endpoint(flow->ip_version, flow->client_addr, flow->client_port, buf, size);
}

static void output_text_password(const struct output_text *t, struct bytes secret, char *buf, size_t width)
{
    if (secret.data == NULL)
        snprintf(buf, width + 1, "-");
    else if (!t->show_passwords)
        snprintf(buf, width + 1, "(redacted)");
    else
        output_text_value(secret.data, secret.len, buf, width);
}

/* "[CODE] text": the response code (RFC 2449 §8) is half the verdict. Only
 * enough raw bytes to overflow the column are gathered; the cell still
 * sees that the value is longer and cuts it with "...". */
static void output_text_response(const struct event_auth *a, char *buf, size_t width)
{
    uint8_t raw[4 * OUTPUT_TEXT_W_RESPONSE];
    size_t len = 0, n;

    if (a->resp_code != NULL) {
        n = strlen(a->resp_code);
        n = n < sizeof raw - 3 ? n : sizeof raw - 3;
        raw[len++] = '[';
        memcpy(raw + len, a->resp_code, n);
        len += n;
        raw[len++] = ']';
        raw[len++] = ' ';
    }
    if (a->response.data == NULL && a->resp_code == NULL) {
        snprintf(buf, width + 1, "-");
        return;
    }
    if (a->response.data != NULL) {
        n = a->response.len < sizeof raw - len ? a->response.len : sizeof raw - len;
        memcpy(raw + len, a->response.data, n);
        len += n;
    }
    output_text_value(raw, len, buf, width);
}

/* A frame number in FRAMES, "?" when unseen. */
static void output_text_frame_number(uint64_t frame, char *buf, size_t size)
{
    if (frame == 0)
        snprintf(buf, size, "?");
    else
        snprintf(buf, size, "%llu", (unsigned long long)frame);
}

/* Evidence (event.h) for someone who will open the packets: "6,11 in
 * day1.pcap" (command, reply: frame.number in that file), "6 in a.pcap,
 * 3 in b.pcap" when a rotated capture split them, "6,11" live, "-" when
 * neither was seen. File names are the user's, but escaped all the same. */
static void output_text_frames(const struct event_auth *a, char *buf, size_t size)
{
    char cmd[24], reply[24], file[OUTPUT_TEXT_W_FILE + 1], reply_file[OUTPUT_TEXT_W_FILE + 1];

    if (a->command_frame == 0 && a->reply_frame == 0) {
        snprintf(buf, size, "-");
        return;
    }
    output_text_frame_number(a->command_frame, cmd, sizeof cmd);
    output_text_frame_number(a->reply_frame, reply, sizeof reply);
    output_text_cstr(a->capture_file, file, OUTPUT_TEXT_W_FILE);
    if (a->reply_frame != 0 && a->reply_file != a->capture_file) {
        output_text_cstr(a->reply_file, reply_file, OUTPUT_TEXT_W_FILE);
        snprintf(buf, size, "%s in %s, %s in %s", cmd, file, reply, reply_file);
    } else if (a->capture_file != NULL) {
        snprintf(buf, size, "%s,%s in %s", cmd, reply, file);
    } else {
        snprintf(buf, size, "%s,%s", cmd, reply);
    }
}

static void output_text_row(struct output_text *t, const struct event_auth *a)
{
    char when[FMT_TIME_SIZE], client[FMT_ENDPOINT_SIZE], server[FMT_ENDPOINT_SIZE];
    char user[OUTPUT_TEXT_W_USER + 1], method[OUTPUT_TEXT_W_METHOD + 1];
    char password[OUTPUT_TEXT_W_PASSWORD + 1], response[OUTPUT_TEXT_W_RESPONSE + 1];
    char frames[2 * OUTPUT_TEXT_W_FILE + 64];

    if (!t->header_written) {
        t->header_written = true;
        out_writer_printf(t->writer, OUTPUT_TEXT_ROW, "TIME (UTC)", "CLIENT", "SERVER", "USER", "METHOD", "OUTCOME",
                          "EXPOSURE", "PASSWORD", "RESPONSE", "FRAMES");
    }
    fmt_time_seconds(a->ts, when, sizeof when);
    output_text_endpoint(a->flow, false, client, sizeof client);
    output_text_endpoint(a->flow, true, server, sizeof server);
    output_text_bytes(a->user, user, OUTPUT_TEXT_W_USER);
    output_text_cstr(a->method, method, OUTPUT_TEXT_W_METHOD);
    output_text_password(t, a->password, password, OUTPUT_TEXT_W_PASSWORD);
    output_text_response(a, response, OUTPUT_TEXT_W_RESPONSE);
    output_text_frames(a, frames, sizeof frames);
    out_writer_printf(t->writer, OUTPUT_TEXT_ROW, when, client, server, user, method, event_outcome_name(a->outcome),
                      event_exposure_name(a->exposure), password, response, frames);
}

/* ------------------------------------------------------ alerts, stats */

/* One line per alert, printed the moment it fires (live use): a person
 * watching the table sees it between the rows that caused it. */
static void output_text_alert(struct out_writer *w, const struct event_alert *a)
{
    char when[FMT_TIME_SIZE], since[FMT_TIME_SIZE], client[FMT_ENDPOINT_SIZE], server[FMT_ENDPOINT_SIZE];
    char user[OUTPUT_TEXT_W_SUMMARY_USER + 1];

    fmt_time(a->ts, when, sizeof when);
    output_text_endpoint(a->flow, false, client, sizeof client);
    output_text_endpoint(a->flow, true, server, sizeof server);
    output_text_bytes(a->user, user, OUTPUT_TEXT_W_SUMMARY_USER);
    out_writer_printf(w, "ALERT %s at=%s user=%s client=%s server=%s count=%llu threshold=%llu",
                      event_alert_kind_name(a->kind), when, user, client, server, (unsigned long long)a->count,
                      (unsigned long long)a->threshold);
    if (a->window > 0) {
        fmt_time(a->window_start, since, sizeof since);
        out_writer_printf(w, " window=%us since=%s", (unsigned)a->window, since);
    }
    out_writer_puts(w, "\n");
}

/* Sensor counters (--stats-interval, SIGUSR1) as one line, in the stream
 * the person already watches. */
static void output_text_stats(struct out_writer *w, const struct event_stats *st)
{
    char when[FMT_TIME_SIZE];

    fmt_time(st->ts, when, sizeof when);
    out_writer_printf(w,
                      "STATS at=%s packets=%llu bytes=%llu kernel_received=%llu kernel_drops=%llu "
                      "interface_drops=%llu flows=%llu sessions=%llu flows_evicted=%llu sessions_refused=%llu "
                      "memory_flows=%llu memory_sessions=%llu memory_reassembly=%llu events=%llu "
                      "output_drops=%llu\n",
                      when, (unsigned long long)st->packets, (unsigned long long)st->bytes,
                      (unsigned long long)st->kernel_received, (unsigned long long)st->kernel_drops,
                      (unsigned long long)st->interface_drops, (unsigned long long)st->flows_active,
                      (unsigned long long)st->sessions_active, (unsigned long long)st->flows_evicted,
                      (unsigned long long)st->sessions_refused, (unsigned long long)st->memory_flows,
                      (unsigned long long)st->memory_sessions, (unsigned long long)st->memory_reassembly,
                      (unsigned long long)st->events_written, (unsigned long long)st->output_drops);
}

/* Just before the summary: the inputs not read to their end, so nobody
 * takes the counts below for the whole picture. */
static void output_text_run_end(const struct output_text *t, const struct event_run_end *r)
{
    struct out_writer *w = t->writer;
    size_t failed = 0;

    for (size_t i = 0; i < r->input_count; i++)
        failed += r->status[i] != INPUT_READ;
    /* Set apart from the table above, and from the summary below (which
     * starts with a blank line only after a table). */
    out_writer_printf(w,
                      "%sPartial picture: %zu of %zu inputs not read to their end; the report covers only "
                      "what was read:\n",
                      t->header_written ? "\n" : "", failed, r->input_count);
    for (size_t i = 0; i < r->input_count; i++) {
        if (r->status[i] == INPUT_READ)
            continue;
        out_writer_printf(w, "  %s: %s%s%s%s\n", r->inputs[i],
                          event_input_status_name((enum event_input_status)r->status[i]),
                          r->errors[i] != NULL ? " (" : "", r->errors[i] != NULL ? r->errors[i] : "",
                          r->errors[i] != NULL ? ")" : "");
    }
    if (!t->header_written)
        out_writer_puts(w, "\n");
}

static void output_text_event(void *state, const struct event *ev)
{
    struct output_text *t = state;

    output_text_summary_add(&t->summary, ev);
    if (ev->type == EVENT_ALERT)
        output_text_alert(t->writer, &ev->u.alert);
    else if (ev->type == EVENT_RUN_END)
        output_text_run_end(t, &ev->u.run_end);
    else if (ev->type == EVENT_STATS)
        output_text_stats(t->writer, &ev->u.stats);
    else if (ev->type == EVENT_AUTH && !t->summary_only)
        output_text_row(t, &ev->u.auth);
}

static void *output_text_begin(const struct out_format_options *opts)
{
    struct output_text *t = calloc(1, sizeof *t);

    if (t == NULL)
        return NULL;
    t->writer = opts->writer;
    t->show_passwords = opts->show_passwords;
    t->summary_only = opts->summary_only;
    return t;
}

static int output_text_finish(void *state)
{
    struct output_text *t = state;

    output_text_summary_print(&t->summary, t->writer, t->header_written);
    return 0;
}

static void output_text_free(void *state)
{
    struct output_text *t = state;

    output_text_summary_fini(&t->summary);
    free(t);
}

const struct out_format output_text_format = {
    .name = "text",
    .begin = output_text_begin,
    .event = output_text_event,
    .finish = output_text_finish,
    .free = output_text_free,
};
