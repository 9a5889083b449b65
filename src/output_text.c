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
#include "output_text_layout.h"
#include "output_text_summary.h"
#include "output_text_value.h"

/* The format's state: where it writes, its options, the columns it
 * shows, and the summary it prints at the end. */
struct output_text {
    struct out_writer *writer;
    bool show_passwords;
    bool summary_only; /* the summary alone, no table of attempts */
    bool vertical; /* --vertical: one field per line */
    bool header_written;
    uint64_t records; /* rows written: the --vertical block number */
    struct output_text_layout layout;
    char *full[2]; /* the user, the secret, whole: grown to the longest seen */
    size_t full_size[2];
    struct output_text_summary summary;
};

#define OUTPUT_TEXT_W_FILE 60 /* a capture file's name in FRAMES */
#define OUTPUT_TEXT_W_RESPONSE_VERTICAL 200 /* --vertical: the response's cut */
/* A cell too narrow for its value sends it to a line below the row. The
 * space makes it unlike any wire value, which would be quoted. */
#define OUTPUT_TEXT_SEE_BELOW "(see below)"

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

/* "[CODE] text": the response code (RFC 2449 §8) is half the verdict. Only
 * enough raw bytes to overflow the column are gathered; the cell still
 * sees that the value is longer and cuts it with "...". */
static void output_text_response(const struct event_auth *a, char *buf, size_t width)
{
    uint8_t raw[4 * OUTPUT_TEXT_W_RESPONSE_VERTICAL];
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

/* A user name (slot 0) or secret (slot 1) whole under the value rule,
 * into t->full[slot], grown as needed (values are bounded by --max-line,
 * so this allocates only for a longer value than any before). NULL when
 * out of memory. */
static const char *output_text_whole(struct output_text *t, int slot, struct bytes value)
{
    size_t need = 4 * value.len + 3; /* every byte escaped, the quotes */

    if (need < 9)
        need = 9;
    if (need > t->full_size[slot]) {
        char *grown = realloc(t->full[slot], need);

        if (grown == NULL)
            return NULL;
        t->full[slot] = grown;
        t->full_size[slot] = need;
    }
    output_text_value(value.data, value.len, t->full[slot], need - 1);
    return t->full[slot];
}

/* The cells of one attempt, each whole but RESPONSE and METHOD (cut at
 * `response_width`, the method's column) and FRAMES (file names at 60). */
struct output_text_cells {
    char when[FMT_TIME_SIZE];
    char client[FMT_ENDPOINT_SIZE], server[FMT_ENDPOINT_SIZE];
    char method[OUTPUT_TEXT_W_METHOD + 1];
    const char *outcome, *exposure;
    char response[OUTPUT_TEXT_W_RESPONSE_VERTICAL + 1];
    char frames[2 * OUTPUT_TEXT_W_FILE + 64];
};

static void output_text_cells(struct output_text_cells *cells, const struct event_auth *a, size_t response_width)
{
    fmt_time_seconds(a->ts, cells->when, sizeof cells->when);
    output_text_endpoint(a->flow, false, cells->client, sizeof cells->client);
    output_text_endpoint(a->flow, true, cells->server, sizeof cells->server);
    output_text_cstr(a->method, cells->method, OUTPUT_TEXT_W_METHOD);
    cells->outcome = event_outcome_name(a->outcome);
    cells->exposure = event_exposure_name(a->exposure);
    output_text_response(a, cells->response, response_width);
    output_text_frames(a, cells->frames, sizeof cells->frames);
}

/* The secret's cell: "-" when none was sent, "(redacted)" without -p. */
static const char *output_text_secret(struct output_text *t, struct bytes secret)
{
    if (secret.data == NULL)
        return "-";
    if (!t->show_passwords)
        return "(redacted)";
    return output_text_whole(t, 1, secret);
}

/* --vertical: one block per attempt, one "name | value" line per field,
 * nothing cut but the response (at 200) and file names (at 60). */
static void output_text_vertical(struct output_text *t, const struct event_auth *a)
{
    struct output_text_cells cells;
    const char *user;

    output_text_cells(&cells, a, OUTPUT_TEXT_W_RESPONSE_VERTICAL);
    out_writer_printf(t->writer, "-[ RECORD %llu ]-----------------------\n", (unsigned long long)++t->records);
    out_writer_printf(t->writer, "time     | %s\nclient   | %s\nserver   | %s\n", cells.when, cells.client,
                      cells.server);
    user = a->user.data == NULL ? "-" : output_text_whole(t, 0, a->user);
    out_writer_printf(t->writer, "user     | %s\n", user == NULL ? "(out of memory)" : user);
    out_writer_printf(t->writer, "method   | %s\noutcome  | %s\nexposure | %s\n", cells.method, cells.outcome,
                      cells.exposure);
    user = output_text_secret(t, a->password);
    out_writer_printf(t->writer, "password | %s\n", user == NULL ? "(out of memory)" : user);
    out_writer_printf(t->writer, "response | %s\nframes   | %s\n", cells.response, cells.frames);
}

/* The last column shown: it is not padded, so a row never ends in spaces. */
static int output_text_last_column(const struct output_text_layout *l)
{
    int last = 0;

    if (l->frames_shown)
        return OUTPUT_TEXT_COL_FRAMES;
    for (int c = 0; c < OUTPUT_TEXT_COL_FRAMES; c++)
        if (l->width[c] > 0)
            last = c;
    return last;
}

/* One cell of a row: padded to its column, or, when a value that must not
 * be cut is wider, OUTPUT_TEXT_SEE_BELOW (the caller prints it below). */
static bool output_text_cell(struct output_text *t, int column, const char *text, bool may_move)
{
    unsigned width = column == OUTPUT_TEXT_COL_FRAMES ? 0 : t->layout.width[column];
    bool moved = may_move && strlen(text) > width;
    const char *shown = moved ? OUTPUT_TEXT_SEE_BELOW : text;

    if (column == output_text_last_column(&t->layout))
        out_writer_puts(t->writer, shown);
    else
        out_writer_printf(t->writer, "%-*s%*s", (int)width, shown, OUTPUT_TEXT_GAP, "");
    return moved;
}

/* FRAMES in the room the line leaves, cut with "..." past it. */
static void output_text_frames_cell(struct output_text *t, char *frames)
{
    size_t room = t->layout.frames_width;

    if (room > 0 && strlen(frames) > room)
        memcpy(frames + room - 3, "...", 4);
    out_writer_puts(t->writer, frames);
}

/* The cells of a row in column order; the values sent below it. */
static void output_text_cells_row(struct output_text *t, const char *const text[OUTPUT_TEXT_COLUMNS],
                                  const bool whole[OUTPUT_TEXT_COLUMNS], char *frames)
{
    static const char *const names[OUTPUT_TEXT_COLUMNS] = {
        [OUTPUT_TEXT_COL_CLIENT] = "client",
        [OUTPUT_TEXT_COL_SERVER] = "server",
        [OUTPUT_TEXT_COL_USER] = "user",
        [OUTPUT_TEXT_COL_PASSWORD] = "password",
    };
    bool moved[OUTPUT_TEXT_COLUMNS] = { false };

    for (int c = 0; c < OUTPUT_TEXT_COL_FRAMES; c++)
        if (t->layout.width[c] > 0)
            moved[c] = output_text_cell(t, c, text[c], whole[c]);
    if (t->layout.frames_shown && frames != NULL)
        output_text_frames_cell(t, frames);
    else if (t->layout.frames_shown)
        out_writer_puts(t->writer, "FRAMES");
    out_writer_puts(t->writer, "\n");
    for (int c = 0; c < OUTPUT_TEXT_COL_FRAMES; c++)
        if (moved[c])
            out_writer_printf(t->writer, "    %s: %s\n", names[c], text[c]);
}

static void output_text_header(struct output_text *t)
{
    static const char *const heads[OUTPUT_TEXT_COLUMNS] = {
        "TIME (UTC)", "CLIENT", "SERVER", "USER", "METHOD", "OUTCOME", "EXPOSURE", "PASSWORD", "RESPONSE", "FRAMES",
    };
    static const bool whole[OUTPUT_TEXT_COLUMNS] = { false };

    output_text_cells_row(t, heads, whole, NULL);
}

static void output_text_row(struct output_text *t, const struct event_auth *a)
{
    struct output_text_cells cells;
    const char *text[OUTPUT_TEXT_COLUMNS];
    /* Never cut: addresses (a cut one misleads), user names, shown secrets. */
    static const bool whole[OUTPUT_TEXT_COLUMNS] = {
        [OUTPUT_TEXT_COL_CLIENT] = true,
        [OUTPUT_TEXT_COL_SERVER] = true,
        [OUTPUT_TEXT_COL_USER] = true,
        [OUTPUT_TEXT_COL_PASSWORD] = true,
    };
    const char *user, *secret;

    if (t->vertical) {
        t->header_written = true; /* the summary's blank line before it */
        output_text_vertical(t, a);
        return;
    }
    if (!t->header_written) {
        t->header_written = true;
        output_text_header(t);
    }
    t->records++;
    output_text_cells(&cells, a,
                      t->layout.width[OUTPUT_TEXT_COL_RESPONSE] > 0 ? t->layout.width[OUTPUT_TEXT_COL_RESPONSE]
                                                                    : OUTPUT_TEXT_W_RESPONSE);
    user = a->user.data == NULL ? "-" : output_text_whole(t, 0, a->user);
    secret = output_text_secret(t, a->password);
    text[OUTPUT_TEXT_COL_TIME] = cells.when;
    text[OUTPUT_TEXT_COL_CLIENT] = cells.client;
    text[OUTPUT_TEXT_COL_SERVER] = cells.server;
    text[OUTPUT_TEXT_COL_USER] = user != NULL ? user : "(out of memory)";
    text[OUTPUT_TEXT_COL_METHOD] = cells.method;
    text[OUTPUT_TEXT_COL_OUTCOME] = cells.outcome;
    text[OUTPUT_TEXT_COL_EXPOSURE] = cells.exposure;
    text[OUTPUT_TEXT_COL_PASSWORD] = secret != NULL ? secret : "(out of memory)";
    text[OUTPUT_TEXT_COL_RESPONSE] = cells.response;
    text[OUTPUT_TEXT_COL_FRAMES] = cells.frames;
    output_text_cells_row(t, text, whole, cells.frames);
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
    if (a->capture_file != NULL) { /* evidence: the file of what fired it */
        char file[OUTPUT_TEXT_W_FILE + 1];

        output_text_cstr(a->capture_file, file, OUTPUT_TEXT_W_FILE);
        out_writer_printf(w, " file=%s", file);
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
    t->vertical = opts->text_mode == OUTPUT_TEXT_VERTICAL;
    output_text_layout_fit(&t->layout,
                           opts->text_mode == OUTPUT_TEXT_FIT ? output_text_layout_width(opts->writer->stream) : 0,
                           t->show_passwords);
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
    free(t->full[0]);
    free(t->full[1]);
    free(t);
}

const struct out_format output_text_format = {
    .name = "text",
    .begin = output_text_begin,
    .event = output_text_event,
    .finish = output_text_finish,
    .free = output_text_free,
};
