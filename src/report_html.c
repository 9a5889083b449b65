/* The --report page (report_html.h). Every wire string goes through
 * report_escape; numbers and times are ours. A Content-Security-Policy of
 * default-src 'none' is the second wall: were a string ever let through
 * unescaped, the browser would still load and run nothing. */
#include "report_html.h"

#include <inttypes.h>
#include <stdlib.h>

#include "fmt.h"
#include "out_writer.h"
#include "report_escape.h"
#include "report_svg.h"

static const char report_html_style[] =
    "body{font:14px/1.4 sans-serif;margin:1.5em;color:#222;background:#fff}"
    "h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.6em 0 .4em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.3em 0}th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;"
    "vertical-align:top}th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:bold}dd{margin:0}"
    ".wire{font-family:monospace;white-space:pre-wrap;word-break:break-all}"
    "tr.cleartext td.exp{background:#f8c8c8;font-weight:bold}tr.token td.exp{background:#fbd9b0}"
    "tr.hash td.exp{background:#fdf0b0}.more td{font-style:italic;color:#555}.note{color:#555}"
    "svg.timeline{display:block;border:1px solid #ddd;background:#fcfcfc}"
    ".timeline rect.s{fill:#2e8b57}.timeline rect.f{fill:#c0392b}.timeline .lbl{font:11px monospace;fill:#222}"
    ".timeline .rest{font-style:italic}.timeline .n,.timeline .t{font:10px sans-serif;fill:#555}"
    ".timeline line.ax{stroke:#888}.key-s{color:#2e8b57}.key-f{color:#c0392b}";

/* ------------------------------------------------------------ cells */

static void report_html_num(struct out_writer *w, uint64_t n)
{
    out_writer_printf(w, "<td class=\"num\">%" PRIu64 "</td>", n);
}

static void report_html_time(struct out_writer *w, struct event_time t)
{
    char when[FMT_TIME_SIZE];

    fmt_time_seconds(t, when, sizeof when);
    out_writer_printf(w, "<td>%s</td>", when);
}

/* A wire string in a cell: "-" when absent (as in the text output), "…"
 * when cut; in italics, so a name that is "-" reads otherwise. */
static void report_html_wire(struct out_writer *w, const uint8_t *data, const struct report_text *text)
{
    out_writer_puts(w, "<td class=\"wire\">");
    if (!text->present)
        out_writer_puts(w, "<i>-</i>");
    else
        report_escape_html(w, data, text->len);
    if (text->truncated)
        out_writer_puts(w, "\xE2\x80\xA6");
    out_writer_puts(w, "</td>");
}

static void report_html_endpoint(struct out_writer *w, uint8_t ip_version, const uint8_t *addr, uint16_t port)
{
    char where[FMT_ENDPOINT_SIZE];

    fmt_endpoint(ip_version, addr, port, where, sizeof where);
    out_writer_printf(w, "%s", where);
}

static void report_html_server_name(struct out_writer *w, const struct report_model *m, uint32_t server)
{
    const struct report_server *s = report_model_server(m, server);

    report_html_endpoint(w, s->ip_version, s->addr, s->port);
}

static void report_html_methods(struct out_writer *w, const struct report_method *list, size_t count, uint64_t more,
                                bool exposures)
{
    out_writer_puts(w, "<td class=\"wire\">");
    for (size_t i = 0; i < count; i++) {
        out_writer_puts(w, i > 0 ? ", " : "");
        report_escape_string(w, list[i].name);
        if (exposures && list[i].exposure != EXPOSURE_NONE)
            out_writer_printf(w, " (%s)", event_exposure_name(list[i].exposure));
        else if (!exposures)
            out_writer_printf(w, " \xC3\x97%" PRIu64, list[i].attempts);
    }
    if (more > 0)
        out_writer_printf(w, "%s+%" PRIu64 " attempts by other methods", count > 0 ? ", " : "", more);
    out_writer_puts(w, "</td>");
}

/* ------------------------------------------------------------ order */

struct report_html_rank {
    uint64_t weight;
    uint32_t index;
};

static int report_html_compare_rank(const void *pa, const void *pb)
{
    const struct report_html_rank *a = pa, *b = pb;

    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* Indexes by weight, heaviest first (ties in table order); NULL when out
 * of memory. The caller frees. */
static struct report_html_rank *report_html_rank(size_t count, uint64_t (*weigh)(const struct report_model *, size_t),
                                                 const struct report_model *m)
{
    struct report_html_rank *ranks = calloc(count + 1, sizeof *ranks);

    if (ranks == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++)
        ranks[i] = (struct report_html_rank){ weigh(m, i), (uint32_t)i };
    qsort(ranks, count, sizeof *ranks, report_html_compare_rank);
    return ranks;
}

static uint64_t report_html_server_weight(const struct report_model *m, size_t i)
{
    return report_model_server(m, i)->attempts + report_model_server(m, i)->sessions;
}

static uint64_t report_html_mailbox_weight(const struct report_model *m, size_t i)
{
    const struct report_mailbox *b = report_model_mailbox(m, i);

    return b->retrieved + b->deleted + b->sessions;
}

/* ------------------------------------------------------------ header */

static void report_html_inputs(struct out_writer *w, const struct report_page *page)
{
    out_writer_printf(w, "<dt>%s</dt><dd class=\"wire\">", page->live ? "Interfaces" : "Inputs");
    for (size_t i = 0; i < page->input_count && i < REPORT_HTML_INPUTS; i++) {
        out_writer_puts(w, i > 0 ? "<br>" : "");
        report_escape_string(w, page->inputs[i]);
    }
    if (page->input_count > REPORT_HTML_INPUTS)
        out_writer_printf(w, "<br>and %zu more", page->input_count - REPORT_HTML_INPUTS);
    out_writer_puts(w, "</dd>\n");
}

/* The run_end record, as the text output's "Partial picture": which
 * inputs failed and how, so nobody reads the page as the whole capture. */
static void report_html_partial(struct out_writer *w, const struct report_model *m)
{
    size_t listed = m->inputs_failed < REPORT_FAILED_INPUTS ? m->inputs_failed : REPORT_FAILED_INPUTS;

    if (!m->partial)
        return;
    out_writer_printf(w,
                      "<section id=\"partial\"><h2>Partial picture</h2><p class=\"note\">%zu of %zu inputs "
                      "not read to their end; this report covers only what was read:",
                      m->inputs_failed, m->inputs_total);
    /* One line each, as the header lists the inputs. */
    for (size_t i = 0; i < listed; i++) {
        const struct report_failed_input *f = &m->failed[i];

        out_writer_puts(w, "<br>\n<span class=\"wire\">");
        report_escape_string(w, f->file);
        out_writer_printf(w, "</span>: %s", event_input_status_name(f->status));
        if (f->error[0] != '\0') {
            out_writer_puts(w, " (");
            report_escape_string(w, f->error);
            out_writer_puts(w, ")");
        }
    }
    if (m->inputs_failed > listed)
        out_writer_printf(w, "<br>\nand %zu more", m->inputs_failed - listed);
    out_writer_puts(w, "</p></section>\n");
}

static void report_html_header(struct out_writer *w, const struct report_model *m, const struct report_page *page)
{
    char first[FMT_TIME_SIZE] = "-", last[FMT_TIME_SIZE] = "-";

    if (m->seen_any) {
        fmt_time(m->first, first, sizeof first);
        fmt_time(m->last, last, sizeof last);
    }
    out_writer_puts(w, "<header><h1>pop3scope report</h1><dl id=\"run\">\n");
    report_html_inputs(w, page);
    out_writer_printf(w, "<dt>Time range</dt><dd>%s to %s (packet time, UTC)</dd>\n", first, last);
    out_writer_printf(w, "<dt>Packets</dt><dd>%" PRIu64 " (%" PRIu64 " bytes)</dd>\n", page->packets, page->bytes);
    out_writer_printf(w,
                      "<dt>POP3 sessions</dt><dd>%" PRIu64 " (cleartext %" PRIu64 ", after STLS %" PRIu64
                      ", implicit TLS %" PRIu64 ")</dd>\n",
                      m->sessions, m->sessions_by_tls[TLS_NONE], m->sessions_by_tls[TLS_STLS],
                      m->sessions_by_tls[TLS_IMPLICIT]);
    out_writer_printf(w,
                      "<dt>Login attempts</dt><dd id=\"attempts\">%" PRIu64 " (%" PRIu64 " succeeded, %" PRIu64
                      " failed; %" PRIu64 " exposed a secret)</dd>\n",
                      m->attempts, m->successes, m->failures, m->exposed_attempts);
    out_writer_printf(w, "<dt>Accounts</dt><dd>%zu; servers %zu</dd>\n", m->accounts.count, m->servers.count);
    out_writer_printf(w, "<dt>pop3scope</dt><dd>%s</dd>\n</dl>\n", page->version);
    if (m->accounts.overflow > 0 || m->servers.overflow > 0 || m->mailboxes.overflow > 0)
        out_writer_printf(w,
                          "<p class=\"note\" id=\"overflow\">Tables full: %" PRIu64
                          " attempts on accounts past %zu, %" PRIu64 " events on servers past %zu, %" PRIu64
                          " sessions on mailboxes past %zu were counted in the totals only.</p>\n",
                          m->accounts.overflow, m->limits.max_accounts, m->servers.overflow, m->limits.max_servers,
                          m->mailboxes.overflow, m->limits.max_mailboxes);
    report_html_partial(w, m);
    out_writer_puts(w, "</header>\n");
}

/* ------------------------------------------------------------ accounts */

static void report_html_account_row(struct out_writer *w, const struct report_model *m, const struct report_account *a,
                                    bool show_passwords)
{
    out_writer_printf(w, "<tr class=\"%s\">", event_exposure_name(a->worst));
    report_html_wire(w, a->user, &a->user_text);
    out_writer_printf(w, "<td class=\"exp\">%s</td>", event_exposure_name(a->worst));
    report_html_methods(w, a->methods, a->method_count, a->methods_more, true);
    out_writer_puts(w, "<td>");
    for (size_t i = 0; i < a->server_count; i++) {
        out_writer_puts(w, i > 0 ? "<br>" : "");
        report_html_server_name(w, m, a->servers[i]);
    }
    out_writer_puts(w, a->servers_more ? "<br>and more</td>" : "</td>");
    report_html_time(w, a->first);
    report_html_time(w, a->last);
    report_html_num(w, a->attempts);
    report_html_num(w, a->successes);
    report_html_num(w, a->failures);
    if (show_passwords)
        report_html_wire(w, a->secret, &a->secret_text);
    out_writer_puts(w, "</tr>\n");
}

static void report_html_accounts(struct out_writer *w, const struct report_model *m, const struct report_page *page)
{
    uint32_t *order = calloc(m->accounts.count + 1, sizeof *order);
    size_t exposed = 0, shown = m->accounts.count < REPORT_HTML_ACCOUNTS ? m->accounts.count : REPORT_HTML_ACCOUNTS;
    uint64_t rest = 0;

    for (size_t i = 0; i < m->accounts.count; i++)
        exposed += report_model_account(m, i)->worst != EXPOSURE_NONE;
    out_writer_printf(w,
                      "<section id=\"accounts\"><h2>Exposed accounts</h2>\n<p>%zu of %zu accounts exposed a secret; "
                      "riskiest first (cleartext, token, hash, then proven by a success, then failures).%s</p>\n",
                      exposed, m->accounts.count,
                      page->show_passwords ? " Secrets are shown (--show-passwords)."
                                           : " Secrets are redacted (--show-passwords shows them).");
    if (order == NULL || m->accounts.count == 0) {
        out_writer_puts(w, "<p>No login attempts seen.</p></section>\n");
        free(order);
        return;
    }
    report_model_rank_accounts(m, order);
    out_writer_printf(w,
                      "<table><thead><tr><th>User</th><th>Exposure</th><th>Methods</th><th>Servers</th><th>First "
                      "seen</th><th>Last seen</th><th>Attempts</th><th>Successes</th><th>Failures</th>%s</tr>"
                      "</thead><tbody>\n",
                      page->show_passwords ? "<th>Secret</th>" : "");
    for (size_t i = 0; i < shown; i++)
        report_html_account_row(w, m, report_model_account(m, order[i]), page->show_passwords);
    for (size_t i = shown; i < m->accounts.count; i++)
        rest += report_model_account(m, order[i])->attempts;
    if (shown < m->accounts.count)
        out_writer_printf(
            w, "<tr class=\"more\"><td colspan=\"9\">and %zu more accounts (%" PRIu64 " attempts)</td></tr>\n",
            m->accounts.count - shown, rest);
    out_writer_puts(w, "</tbody></table></section>\n");
    free(order);
}

static void report_html_timeline(struct out_writer *w, const struct report_model *m)
{
    uint32_t *order = calloc(m->accounts.count + 1, sizeof *order);
    size_t rows = m->accounts.count < REPORT_HTML_TIMELINE ? m->accounts.count : REPORT_HTML_TIMELINE;

    out_writer_puts(w, "<section id=\"timeline\"><h2>Timeline of attempts per account</h2>\n");
    if (order == NULL || m->attempts == 0) {
        out_writer_puts(w, "<p>No login attempts seen.</p></section>\n");
        free(order);
        return;
    }
    report_model_busiest_accounts(m, order);
    out_writer_printf(w,
                      "<p>The %zu accounts with the most attempts, then all others together. Each column is %" PRId64
                      " s; <span class=\"key-s\">&#9632; success</span>, <span class=\"key-f\">&#9632; failure or no "
                      "verdict</span>; bars are scaled per row, the number at the right is the row's total.</p>\n",
                      rows, m->bin_width);
    report_svg_timeline(w, m, order, rows);
    out_writer_puts(w, "</section>\n");
    free(order);
}

/* ------------------------------------------------------------ servers */

static void report_html_server_row(struct out_writer *w, const struct report_server *s)
{
    out_writer_puts(w, "<tr><td>");
    report_html_endpoint(w, s->ip_version, s->addr, s->port);
    out_writer_puts(w, "</td>");
    report_html_wire(w, s->banner, &s->banner_text);
    report_html_num(w, s->stls_offered);
    report_html_num(w, s->stls_used);
    report_html_num(w, s->implicit_tls);
    report_html_num(w, s->sessions);
    report_html_num(w, s->attempts);
    report_html_num(w, s->failures);
    report_html_methods(w, s->methods, s->method_count, s->methods_more, false);
    out_writer_puts(w, "</tr>\n");
}

static void report_html_servers(struct out_writer *w, const struct report_model *m)
{
    struct report_html_rank *ranks = report_html_rank(m->servers.count, report_html_server_weight, m);
    size_t shown = m->servers.count < REPORT_HTML_SERVERS ? m->servers.count : REPORT_HTML_SERVERS;

    out_writer_puts(w, "<section id=\"servers\"><h2>Servers</h2>\n");
    if (ranks == NULL || m->servers.count == 0) {
        out_writer_puts(w, "<p>No POP3 server seen.</p></section>\n");
        free(ranks);
        return;
    }
    out_writer_puts(w, "<table><thead><tr><th>Server</th><th>Banner</th><th>Sessions offering STLS</th><th>STLS "
                       "used</th><th>Implicit TLS</th><th>Sessions</th><th>Attempts</th><th>Failures</th><th>Methods"
                       "</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < shown; i++)
        report_html_server_row(w, report_model_server(m, ranks[i].index));
    if (shown < m->servers.count)
        out_writer_printf(w, "<tr class=\"more\"><td colspan=\"9\">and %zu more servers</td></tr>\n",
                          m->servers.count - shown);
    out_writer_puts(w, "</tbody></table></section>\n");
    free(ranks);
}

/* ------------------------------------------------------------ alerts */

static void report_html_alert_row(struct out_writer *w, const struct report_alert *a)
{
    char when[FMT_TIME_SIZE], client[FMT_ADDR_SIZE] = "-";

    fmt_time_seconds(a->ts, when, sizeof when);
    if (a->has_flow)
        fmt_addr(a->ip_version, a->client, client, sizeof client);
    out_writer_printf(w, "<tr><td>%s</td><td>%s</td><td>%s</td><td>", when, event_alert_kind_name(a->kind), client);
    if (a->has_flow)
        report_html_endpoint(w, a->ip_version, a->server, a->server_port);
    out_writer_puts(w, "</td>");
    report_html_wire(w, a->user, &a->user_text);
    report_html_num(w, a->count);
    if (a->window > 0)
        out_writer_printf(w, "<td>%" PRIu64 " in %" PRIu32 " s</td></tr>\n", a->threshold, a->window);
    else
        out_writer_puts(w, "<td>-</td></tr>\n");
}

static void report_html_alerts(struct out_writer *w, const struct report_model *m, const struct report_page *page)
{
    uint64_t total = 0;

    out_writer_printf(w, "<section id=\"alerts\"><h2>Alerts</h2>\n<p>%s.", page->alerts_source);
    for (size_t k = 0; k < ALERT_KIND_COUNT; k++) {
        total += m->alerts_by_kind[k];
        if (m->alerts_by_kind[k] > 0)
            out_writer_printf(w, " %s: %" PRIu64 ".", event_alert_kind_name((enum event_alert_kind)k),
                              m->alerts_by_kind[k]);
    }
    out_writer_puts(w, "</p>\n");
    if (page->alerts_off || total == 0) {
        out_writer_puts(w, page->alerts_off ? "</section>\n" : "<p>No alert fired.</p></section>\n");
        return;
    }
    out_writer_puts(w, "<table><thead><tr><th>Time</th><th>Alert</th><th>Source</th><th>Target</th><th>Account</th>"
                       "<th>Count</th><th>Threshold</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < m->alerts.count; i++)
        report_html_alert_row(w, report_model_alert(m, i));
    if (m->alerts.overflow > 0)
        out_writer_printf(w,
                          "<tr class=\"more\"><td colspan=\"7\">and %" PRIu64
                          " more alerts (counted above, not listed)</td></tr>\n",
                          m->alerts.overflow);
    out_writer_puts(w, "</tbody></table></section>\n");
}

/* ------------------------------------------------------------ mail */

static void report_html_mailbox_row(struct out_writer *w, const struct report_model *m, const struct report_mailbox *b)
{
    out_writer_puts(w, "<tr><td>");
    report_html_server_name(w, m, b->server);
    out_writer_puts(w, "</td>");
    if (b->account == UINT32_MAX) {
        out_writer_puts(w, "<td><i>(no login)</i></td>");
    } else {
        const struct report_account *a = report_model_account(m, b->account);

        report_html_wire(w, a->user, &a->user_text);
    }
    report_html_num(w, b->sessions);
    if (b->maildrop_known) {
        report_html_num(w, b->maildrop_messages);
        report_html_num(w, b->maildrop_octets);
    } else {
        out_writer_puts(w, "<td>-</td><td>-</td>");
    }
    report_html_num(w, b->retrieved);
    report_html_num(w, b->retrieved_octets);
    report_html_num(w, b->deleted);
    report_html_num(w, b->deletions_committed);
    out_writer_puts(w, "</tr>\n");
}

static void report_html_mail(struct out_writer *w, const struct report_model *m)
{
    struct report_html_rank *ranks = report_html_rank(m->mailboxes.count, report_html_mailbox_weight, m);
    size_t shown = m->mailboxes.count < REPORT_HTML_MAILBOXES ? m->mailboxes.count : REPORT_HTML_MAILBOXES;

    out_writer_puts(w, "<section id=\"mail\"><h2>Mail picture</h2>\n");
    if (ranks == NULL || m->mailboxes.count == 0) {
        out_writer_puts(w, "<p>No POP3 session seen.</p></section>\n");
        free(ranks);
        return;
    }
    out_writer_puts(w,
                    "<p>Per server and account. Maildrop: the last STAT or LIST answer seen; deletions committed: "
                    "messages the server removed at QUIT (RFC 1939 &#167;6).</p>\n<table><thead><tr><th>Server</th>"
                    "<th>Account</th><th>Sessions</th><th>Messages listed</th><th>Octets listed</th><th>Retrieved"
                    "</th><th>Octets retrieved</th><th>Deleted</th><th>Deletions committed</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < shown; i++)
        report_html_mailbox_row(w, m, report_model_mailbox(m, ranks[i].index));
    if (shown < m->mailboxes.count)
        out_writer_printf(w, "<tr class=\"more\"><td colspan=\"9\">and %zu more mailboxes</td></tr>\n",
                          m->mailboxes.count - shown);
    out_writer_puts(w, "</tbody></table></section>\n");
    free(ranks);
}

void report_html_write(struct out_writer *w, const struct report_model *m, const struct report_page *page)
{
    out_writer_puts(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                       "style-src 'unsafe-inline'\">\n<title>pop3scope report</title>\n<style>");
    out_writer_puts(w, report_html_style);
    out_writer_puts(w, "</style></head><body>\n");
    report_html_header(w, m, page);
    report_html_accounts(w, m, page);
    report_html_timeline(w, m);
    report_html_servers(w, m);
    report_html_alerts(w, m, page);
    report_html_mail(w, m);
    out_writer_printf(w,
                      "<footer><p class=\"note\">Written by pop3scope %s. Times are packet times in UTC. This page "
                      "has no script and loads nothing.</p></footer>\n</body></html>\n",
                      page->version);
}
