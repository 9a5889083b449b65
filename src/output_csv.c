/* CSV for spreadsheets: auth events only, a header row, RFC 4180 quoting,
 * and a guard against cells a spreadsheet would run as formulas. The one
 * rule for a value (README "Events"): bytes converted by out_escape_utf8
 * (controls, C1, bidi controls and invalid bytes as \xNN, a backslash
 * doubled), quoted when it holds '"', ',', ';', TAB, CR or LF, and led by
 * an apostrophe when it could start a formula. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "out_escape.h"
#include "out_writer.h"
#include "output_builtin.h"

struct output_csv {
    struct out_writer *writer;
    bool show_passwords;
    char *scratch; /* OUTPUT_SCRATCH_MAX + 1: converting a value allocates nothing */
    bool header_written;
};

/* RFC 4180 §2: records end in CRLF. */
#define OUTPUT_CSV_EOL "\r\n"

/* Characters a spreadsheet may split cells on: ',' (RFC 4180), ';'
 * (the separator where ',' is the decimal mark: German, French... Excel
 * locales), TAB (pasted text), and line ends. */
static bool output_csv_separator(char c)
{
    return c == ',' || c == ';' || c == '\t' || c == '\r' || c == '\n';
}

static bool output_csv_formula_char(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* A cell a spreadsheet would evaluate (OWASP "CSV injection"): the peer
 * picks user names and response text, so "=HYPERLINK(...)" must stay text.
 * Not only the first character: "x;=1+1" read with ';' as separator is
 * the two cells "x" and "=1+1", so a formula character right after any
 * separator-like one counts too. Such a cell gets a leading apostrophe
 * (the spreadsheet shows the rest as typed) and, holding a separator, is
 * quoted as well (output_csv_needs_quotes): "'x;=1+1". */
static bool output_csv_formula_start(const char *text, size_t len)
{
    if (len == 0)
        return false;
    if (output_csv_formula_char(text[0]))
        return true;
    for (size_t i = 0; i + 1 < len; i++)
        if (output_csv_separator(text[i]) && output_csv_formula_char(text[i + 1]))
            return true;
    return false;
}

/* RFC 4180 §2: a field holding a comma, quote, CR or LF is quoted, and a
 * quote inside is doubled. ';' and TAB are quoted too, so a reader that
 * splits on them (a ';' locale) keeps the cell whole. */
static bool output_csv_needs_quotes(const char *text, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (text[i] == '"' || output_csv_separator(text[i]))
            return true;
    return false;
}

static void output_csv_cell(struct output_csv *csv, const char *text, size_t len, bool last)
{
    bool quoted = output_csv_needs_quotes(text, len);
    size_t start = 0, i;

    if (quoted)
        out_writer_write(csv->writer, "\"", 1);
    if (output_csv_formula_start(text, len))
        out_writer_write(csv->writer, "'", 1);
    for (i = 0; quoted && i < len; i++) {
        if (text[i] != '"')
            continue;
        out_writer_write(csv->writer, text + start, i + 1 - start); /* through the quote */
        out_writer_write(csv->writer, "\"", 1); /* and its double */
        start = i + 1;
    }
    out_writer_write(csv->writer, text + start, len - start);
    if (quoted)
        out_writer_write(csv->writer, "\"", 1);
    out_writer_write(csv->writer, last ? OUTPUT_CSV_EOL : ",", last ? 2 : 1);
}

/* Absent values are empty cells: CSV has no null. */
static void output_csv_bytes(struct output_csv *csv, struct bytes bytes, bool last)
{
    size_t len = out_escape_utf8(bytes, OUT_UTF8_CSV, csv->scratch);

    output_csv_cell(csv, csv->scratch, len, last);
}

static void output_csv_cstr(struct output_csv *csv, const char *s, bool last)
{
    struct bytes bytes = { (const uint8_t *)s, s == NULL ? 0 : strlen(s) };

    output_csv_bytes(csv, bytes, last);
}

static void output_csv_number(struct output_csv *csv, uint64_t v)
{
    out_writer_printf(csv->writer, "%llu,", (unsigned long long)v);
}

static void output_csv_flow(struct output_csv *csv, const struct event_flow *flow)
{
    char addr[FMT_ADDR_SIZE];

    if (flow == NULL) {
        out_writer_write(csv->writer, ",,,,,", 5);
        return;
    }
    output_csv_number(csv, flow->flow_id);
    fmt_addr(flow->ip_version, flow->client_addr, addr, sizeof addr);
    output_csv_cstr(csv, addr, false);
    output_csv_number(csv, flow->client_port);
    fmt_addr(flow->ip_version, flow->server_addr, addr, sizeof addr);
    output_csv_cstr(csv, addr, false);
    output_csv_number(csv, flow->server_port);
}

/* A frame number, empty when unseen. */
static void output_csv_frame(struct output_csv *csv, uint64_t frame)
{
    if (frame == 0)
        out_writer_write(csv->writer, ",", 1);
    else
        output_csv_number(csv, frame);
}

/* Evidence (event.h), the last columns so older readers keep theirs:
 * reply_file is empty unless a rotated capture split command and reply. */
static void output_csv_evidence(struct output_csv *csv, const struct event_auth *a)
{
    output_csv_cstr(csv, a->capture_file, false);
    output_csv_frame(csv, a->command_frame);
    output_csv_frame(csv, a->reply_frame);
    output_csv_cstr(csv, a->reply_frame != 0 && a->reply_file != a->capture_file ? a->reply_file : NULL, true);
}

/* Written before the first row, or at the end when no row came (a CSV
 * reader expects the header even then); never when the run read nothing
 * and main skips the finish: no report from nothing. */
static void output_csv_header(struct output_csv *csv)
{
    if (csv->header_written)
        return;
    csv->header_written = true;
    out_writer_puts(csv->writer,
                    "ts,flow_id,src_ip,src_port,dest_ip,dest_port,attempt,method,user,outcome,exposure,"
                    "password,response,resp_code,capture_file,command_frame,reply_frame,reply_file" OUTPUT_CSV_EOL);
}

static void *output_csv_begin(const struct out_format_options *opts)
{
    struct output_csv *csv = calloc(1, sizeof *csv);

    if (csv == NULL)
        return NULL;
    csv->scratch = malloc(OUTPUT_SCRATCH_MAX + 1);
    if (csv->scratch == NULL) {
        free(csv);
        return NULL;
    }
    csv->writer = opts->writer;
    csv->show_passwords = opts->show_passwords;
    return csv;
}

static void output_csv_event(void *state, const struct event *ev)
{
    struct output_csv *csv = state;
    const struct event_auth *a = &ev->u.auth;
    char when[FMT_TIME_SIZE];

    if (ev->type != EVENT_AUTH || csv->writer->failed)
        return;
    output_csv_header(csv);
    fmt_time(a->ts, when, sizeof when);
    output_csv_cstr(csv, when, false);
    output_csv_flow(csv, a->flow);
    output_csv_number(csv, a->attempt);
    output_csv_cstr(csv, a->method, false);
    output_csv_bytes(csv, a->user, false);
    output_csv_cstr(csv, event_outcome_name(a->outcome), false);
    output_csv_cstr(csv, event_exposure_name(a->exposure), false);
    /* The column is always there so the shape of the file does not depend
     * on a flag; its content does. */
    if (a->password.data == NULL)
        output_csv_cstr(csv, NULL, false);
    else if (!csv->show_passwords)
        output_csv_cstr(csv, "(redacted)", false);
    else
        output_csv_bytes(csv, a->password, false);
    output_csv_bytes(csv, a->response, false);
    output_csv_cstr(csv, a->resp_code, false);
    output_csv_evidence(csv, a);
}

static int output_csv_finish(void *state)
{
    output_csv_header(state);
    return 0;
}

static void output_csv_free(void *state)
{
    struct output_csv *csv = state;

    if (csv != NULL)
        free(csv->scratch);
    free(csv);
}

const struct out_format output_csv_format = {
    .name = "csv",
    .begin = output_csv_begin,
    .event = output_csv_event,
    .finish = output_csv_finish,
    .free = output_csv_free,
};
