/* The text format's end-of-run summary: totals, accounts and servers
 * (folded by the --report page's model, report_model.c: one model, two
 * renderers), alert totals, brute-force hints, and the mail picture. */
#include "output_text_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "alert.h"
#include "report_model.h"
#include "output_text_value.h"

/* The event borrows its strings: keep copies for output_text_summary_print. */
static void output_text_keep_picture(struct output_text_picture *p, const struct event_app_summary *s)
{
    size_t n = s->apps == NULL ? 0 : (s->app_count < EVENT_APP_TOP ? s->app_count : EVENT_APP_TOP);

    p->seen = true;
    p->summary = *s;
    for (size_t i = 0; i < n; i++) {
        snprintf(p->names[i], sizeof p->names[i], "%s", s->apps[i].name != NULL ? s->apps[i].name : "Unknown");
        p->apps[i] = s->apps[i];
        p->apps[i].name = p->names[i];
    }
    p->summary.apps = p->apps;
    p->summary.app_count = n;
}

/* Run totals for the summary's first lines. */
static void output_text_count(struct output_text_counters *c, const struct event *ev)
{
    if (ev->type == EVENT_AUTH) {
        c->auth_attempts++;
        if ((unsigned)ev->u.auth.outcome < (unsigned)OUTCOME_COUNT)
            c->auth_by_outcome[ev->u.auth.outcome]++;
    } else if (ev->type == EVENT_SESSION) {
        const struct event_session *s = &ev->u.session;

        c->sessions++;
        if ((unsigned)s->tls < (unsigned)TLS_COUNT)
            c->sessions_by_tls[s->tls]++;
        c->retr_count += s->retr_count;
        c->retr_octets += s->retr_octets;
        c->messages_deleted += s->messages_deleted;
    }
}

/* The model is made on the first event it folds; its tables grow per
 * distinct account or server up to the report's default caps. */
static struct report_model *output_text_model(struct output_text_summary *s)
{
    struct report_model_limits limits;

    if (s->model != NULL || s->model_failed)
        return s->model;
    report_model_limits_default(&limits);
    s->model = report_model_new(&limits, false);
    if (s->model == NULL)
        s->model_failed = true;
    else
        report_model_accounts_per_server(s->model);
    return s->model;
}

void output_text_summary_add(struct output_text_summary *s, const struct event *ev)
{
    output_text_count(&s->counters, ev);
    if (ev->type == EVENT_APP_SUMMARY)
        output_text_keep_picture(&s->picture, &ev->u.app_summary);
    else if (ev->type == EVENT_AUTH || ev->type == EVENT_SESSION || ev->type == EVENT_ALERT)
        report_model_add(output_text_model(s), ev);
}

/* ------------------------------------------------------------- print */

static const char *output_text_plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The last lines of the run: how much mail was protected, and what else
 * shared the capture. */
static void output_text_picture(const struct output_text_picture *p, struct out_writer *w)
{
    static const char *const labels[TLS_COUNT] = {
        [TLS_NONE] = "cleartext POP3", [TLS_STLS] = "POP3 after STLS", [TLS_IMPLICIT] = "POP3S (implicit TLS)"
    };
    const struct event_app_summary *s = &p->summary;

    if (!p->seen)
        return;
    out_writer_puts(w, "mail:\n");
    for (unsigned t = 0; t < (unsigned)TLS_COUNT; t++)
        out_writer_printf(w, "  %-22s %8llu %-9s %14llu bytes\n", labels[t], (unsigned long long)s->mail_sessions[t],
                          output_text_plural(s->mail_sessions[t], "session", "sessions"),
                          (unsigned long long)s->mail_bytes[t]);
    if (!s->ndpi) {
        out_writer_printf(w, "other applications: %llu %s, %llu bytes (not named: --no-ndpi)\n",
                          (unsigned long long)s->more_flows, output_text_plural(s->more_flows, "flow", "flows"),
                          (unsigned long long)s->more_bytes);
    } else if (s->app_count == 0 && s->more_flows == 0) {
        out_writer_puts(w, "other applications: none\n");
    } else {
        out_writer_puts(w, "other applications (nDPI, most bytes first):\n");
        for (size_t i = 0; i < s->app_count; i++) {
            char name[OUTPUT_APP_NAME_MAX];

            output_text_name((const uint8_t *)s->apps[i].name, s->apps[i].name != NULL ? strlen(s->apps[i].name) : 0,
                             name, 22);
            out_writer_printf(w, "  %-22s %8llu %-9s %14llu bytes\n", name, (unsigned long long)s->apps[i].flows,
                              output_text_plural(s->apps[i].flows, "flow", "flows"),
                              (unsigned long long)s->apps[i].bytes);
        }
        if (s->more_flows > 0)
            out_writer_printf(w, "  %-22s %8llu %-9s %14llu bytes\n", "(the rest)", (unsigned long long)s->more_flows,
                              output_text_plural(s->more_flows, "flow", "flows"), (unsigned long long)s->more_bytes);
    }
    if (s->flows_without_payload > 0)
        out_writer_printf(w, "connections without payload: %llu\n", (unsigned long long)s->flows_without_payload);
    if (s->flows_not_named > 0)
        out_writer_printf(w, "connections not named (nDPI flow limit): %llu\n", (unsigned long long)s->flows_not_named);
}

/* ------------------------------------------------- accounts and servers */

static void output_text_user(const struct report_account *a, char *buf)
{
    /* A name cut by the model (user_text.truncated, over REPORT_USER_MAX
     * bytes) is wider than the cell, so the cell's own "..." shows it. */
    if (!a->user_text.present)
        snprintf(buf, OUTPUT_TEXT_W_SUMMARY_USER + 1, "-"); /* as in the table; a name "-" is quoted */
    else
        output_text_value(a->user, a->user_text.len, buf, OUTPUT_TEXT_W_SUMMARY_USER);
}

static void output_text_server_name(const struct report_model *m, uint32_t server, char *buf, size_t size)
{
    const struct report_server *s;

    if (server >= m->servers.count) {
        snprintf(buf, size, "(server not kept)");
        return;
    }
    s = report_model_server(m, server);
    fmt_endpoint(s->ip_version, s->addr, s->port, buf, size);
}

static void output_text_methods(struct out_writer *w, const struct report_method *list, size_t count, uint64_t more)
{
    for (size_t i = 0; i < count; i++) {
        char name[REPORT_METHOD_MAX + 4];

        output_text_name((const uint8_t *)list[i].name, strnlen(list[i].name, REPORT_METHOD_MAX), name,
                         REPORT_METHOD_MAX);
        out_writer_printf(w, "%s%s", i == 0 ? "" : ",", name);
    }
    if (count == 0)
        out_writer_puts(w, "-");
    if (more > 0)
        out_writer_printf(w, " (+%llu attempts by other methods)", (unsigned long long)more);
}

/* Each kind of exposure the account showed, most serious first (the
 * model's rank: cleartext, then a replayable token, then a hash). */
static void output_text_exposures(struct out_writer *w, uint8_t exposures)
{
    static const enum event_exposure order[] = { EXPOSURE_CLEARTEXT, EXPOSURE_TOKEN, EXPOSURE_HASH };
    bool any = false;

    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (exposures & (1u << order[i])) {
            out_writer_printf(w, "%s%s", any ? "," : "", event_exposure_name(order[i]));
            any = true;
        }
    }
    if (!any)
        out_writer_puts(w, "none");
}

static void output_text_account_line(const struct report_model *m, const struct report_account *a, struct out_writer *w)
{
    char user[OUTPUT_TEXT_W_SUMMARY_USER + 1], server[FMT_ENDPOINT_SIZE], first[FMT_TIME_SIZE], last[FMT_TIME_SIZE];

    output_text_user(a, user);
    output_text_server_name(m, a->key_server, server, sizeof server);
    fmt_time_seconds(a->first, first, sizeof first);
    fmt_time_seconds(a->last, last, sizeof last);
    out_writer_printf(w, "  %s at %s: %llu %s (success %llu, failure %llu); methods ", user, server,
                      (unsigned long long)a->attempts, output_text_plural(a->attempts, "attempt", "attempts"),
                      (unsigned long long)a->successes, (unsigned long long)a->failures);
    output_text_methods(w, a->methods, a->method_count, a->methods_more);
    out_writer_puts(w, "; exposure ");
    output_text_exposures(w, a->exposures);
    out_writer_printf(w, "; seen %s to %s\n", first, last);
}

/* Accounts, riskiest first (report_model_rank_accounts), the first
 * OUTPUT_SUMMARY_ACCOUNTS_SHOWN of them; then what was left out. */
static void output_text_accounts(const struct report_model *m, const uint32_t *order, struct out_writer *w)
{
    size_t shown =
        m->accounts.count < OUTPUT_SUMMARY_ACCOUNTS_SHOWN ? m->accounts.count : OUTPUT_SUMMARY_ACCOUNTS_SHOWN;
    uint64_t cleartext = 0, tracked = 0;

    if (m->attempts == 0)
        return; /* "no POP3 login attempts seen" said it */
    for (size_t i = 0; i < m->accounts.count; i++) {
        cleartext += (report_model_account(m, i)->exposures >> EXPOSURE_CLEARTEXT) & 1u;
        tracked += report_model_account(m, i)->attempts;
    }
    if (cleartext == 0)
        out_writer_puts(w, "passwords exposed in cleartext: none\n");
    else
        out_writer_printf(w, "passwords exposed in cleartext: %llu %s\n", (unsigned long long)cleartext,
                          output_text_plural(cleartext, "account", "accounts"));
    out_writer_puts(w, "accounts (user at server, most exposed first):\n");
    for (size_t i = 0; i < shown; i++)
        output_text_account_line(m, report_model_account(m, order[i]), w);
    if (m->accounts.count > shown)
        out_writer_printf(w, "  ... and %llu more %s\n", (unsigned long long)(m->accounts.count - shown),
                          output_text_plural(m->accounts.count - shown, "account", "accounts"));
    if (m->attempts > tracked)
        out_writer_printf(w, "  ... and %llu %s on accounts beyond the table's %zu (+%zu for logins that worked)\n",
                          (unsigned long long)(m->attempts - tracked),
                          output_text_plural(m->attempts - tracked, "attempt", "attempts"), m->accounts.max,
                          m->accounts.reserve);
}

struct output_text_server_rank {
    const struct report_server *server;
    uint32_t index;
};

/* Most attempts first, then most sessions, then table order (first seen). */
static int output_text_compare_servers(const void *pa, const void *pb)
{
    const struct output_text_server_rank *a = pa, *b = pb;

    if (a->server->attempts != b->server->attempts)
        return a->server->attempts > b->server->attempts ? -1 : 1;
    if (a->server->sessions != b->server->sessions)
        return a->server->sessions > b->server->sessions ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

static void output_text_server_line(const struct report_server *s, struct out_writer *w)
{
    char endpoint[FMT_ENDPOINT_SIZE], banner[OUTPUT_TEXT_W_SUMMARY_USER + 1];

    fmt_endpoint(s->ip_version, s->addr, s->port, endpoint, sizeof endpoint);
    if (s->banner_text.present)
        output_text_value(s->banner, s->banner_text.len, banner, OUTPUT_TEXT_W_SUMMARY_USER);
    else
        snprintf(banner, sizeof banner, "-");
    out_writer_printf(w, "  %s: %llu %s, %llu %s; banner %s; methods ", endpoint, (unsigned long long)s->sessions,
                      output_text_plural(s->sessions, "session", "sessions"), (unsigned long long)s->attempts,
                      output_text_plural(s->attempts, "attempt", "attempts"), banner);
    output_text_methods(w, s->methods, s->method_count, s->methods_more);
    out_writer_printf(w, "; STLS offered %llu, used %llu, offered not used %llu; implicit TLS %llu\n",
                      (unsigned long long)s->stls_offered, (unsigned long long)s->stls_used,
                      (unsigned long long)s->stls_not_used, (unsigned long long)s->implicit_tls);
}

static void output_text_servers(const struct report_model *m, struct out_writer *w)
{
    size_t n = m->servers.count, shown = n < OUTPUT_SUMMARY_SERVERS_SHOWN ? n : OUTPUT_SUMMARY_SERVERS_SHOWN;
    struct output_text_server_rank *ranks;

    if (n == 0)
        return;
    ranks = calloc(n, sizeof *ranks);
    out_writer_puts(w, "servers (most attempts first):\n");
    for (size_t i = 0; i < n && ranks != NULL; i++)
        ranks[i] = (struct output_text_server_rank){ report_model_server(m, i), (uint32_t)i };
    if (ranks != NULL)
        qsort(ranks, n, sizeof *ranks, output_text_compare_servers);
    /* Out of memory at the end: table order still shows the first ones. */
    for (size_t i = 0; i < shown; i++)
        output_text_server_line(ranks != NULL ? ranks[i].server : report_model_server(m, i), w);
    free(ranks);
    if (n > shown)
        out_writer_printf(w, "  ... and %llu more %s\n", (unsigned long long)(n - shown),
                          output_text_plural(n - shown, "server", "servers"));
    if (m->servers.overflow > 0)
        out_writer_printf(w, "  ... and %llu %s on servers past the first %zu\n",
                          (unsigned long long)m->servers.overflow,
                          output_text_plural(m->servers.overflow, "event", "events"), m->servers.max);
}

static void output_text_alert_totals(const struct report_model *m, struct out_writer *w)
{
    uint64_t total = 0;

    out_writer_printf(w, "stls_offered_not_used: %llu %s (STLS offered, login in the clear)\n",
                      (unsigned long long)m->stls_not_used,
                      output_text_plural(m->stls_not_used, "session", "sessions"));
    for (unsigned k = 0; k < ALERT_KIND_COUNT; k++)
        total += m->alerts_by_kind[k];
    if (total == 0) {
        out_writer_puts(w, "alerts: none\n");
        return;
    }
    out_writer_printf(w, "alerts: %llu (", (unsigned long long)total);
    for (unsigned k = 0, n = 0; k < ALERT_KIND_COUNT; k++) {
        if (m->alerts_by_kind[k] > 0)
            out_writer_printf(w, "%s%s %llu", n++ == 0 ? "" : ", ", event_alert_kind_name((enum event_alert_kind)k),
                              (unsigned long long)m->alerts_by_kind[k]);
    }
    out_writer_puts(w, ")\n");
}

/* Seconds from first to last failure, at least 1. */
static uint64_t output_text_failure_span(const struct report_account *a)
{
    int64_t span = a->last_failure.sec - a->first_failure.sec;

    return span > 1 ? (uint64_t)span : 1;
}

/* Guessing, by the brute_force_account detector's defaults: at least
 * ALERT_DEFAULT_ACCOUNT_FAILURES failures, as dense on average as that
 * many in ALERT_DEFAULT_WINDOW seconds. Needs no --alerts: it reads the
 * model's counts, so it is a hint, not an alert (no sliding window). */
static bool output_text_looks_guessed(const struct report_account *a)
{
    return a->failures >= ALERT_DEFAULT_ACCOUNT_FAILURES &&
           a->failures * ALERT_DEFAULT_WINDOW >= ALERT_DEFAULT_ACCOUNT_FAILURES * output_text_failure_span(a);
}

static int output_text_compare_failures(const void *pa, const void *pb)
{
    const struct report_account *a = *(const struct report_account *const *)pa;
    const struct report_account *b = *(const struct report_account *const *)pb;

    if (a->failures != b->failures)
        return a->failures > b->failures ? -1 : 1;
    return (a > b) - (a < b); /* table order: first seen first */
}

static void output_text_hints(const struct report_model *m, struct out_writer *w)
{
    const struct report_account **found = calloc(m->accounts.count + 1, sizeof *found);
    bool alerts_ran = false;
    size_t n = 0;

    if (found == NULL)
        return;
    for (size_t i = 0; i < m->accounts.count; i++) {
        if (output_text_looks_guessed(report_model_account(m, i)))
            found[n++] = report_model_account(m, i);
    }
    for (unsigned k = 0; k < ALERT_KIND_COUNT; k++)
        alerts_ran = alerts_ran || m->alerts_by_kind[k] > 0;
    qsort(found, n, sizeof *found, output_text_compare_failures);
    for (size_t i = 0; i < n && i < OUTPUT_SUMMARY_HINTS_SHOWN; i++) {
        char user[OUTPUT_TEXT_W_SUMMARY_USER + 1], server[FMT_ENDPOINT_SIZE];

        output_text_user(found[i], user);
        output_text_server_name(m, found[i]->key_server, server, sizeof server);
        out_writer_printf(w, "brute force? %s at %s: %llu failures in %llu s, looks like guessing%s\n", user, server,
                          (unsigned long long)found[i]->failures,
                          (unsigned long long)(found[i]->last_failure.sec - found[i]->first_failure.sec),
                          alerts_ran ? "" : "; run with --alerts");
    }
    if (n > OUTPUT_SUMMARY_HINTS_SHOWN)
        out_writer_printf(w, "brute force? ... and %zu more %s\n", n - OUTPUT_SUMMARY_HINTS_SHOWN,
                          output_text_plural(n - OUTPUT_SUMMARY_HINTS_SHOWN, "account", "accounts"));
    free(found);
}

static void output_text_summary_model(const struct report_model *m, struct out_writer *w)
{
    uint32_t *order = calloc(m->accounts.count + 1, sizeof *order);

    if (order == NULL) {
        out_writer_puts(w, "accounts and servers: not listed (out of memory)\n");
        return;
    }
    report_model_rank_accounts(m, order);
    output_text_accounts(m, order, w);
    free(order);
    output_text_servers(m, w);
    output_text_alert_totals(m, w);
    output_text_hints(m, w);
}

void output_text_summary_print(const struct output_text_summary *s, struct out_writer *w, bool table_printed)
{
    const struct output_text_counters *c = &s->counters;

    if (table_printed)
        out_writer_puts(w, "\n");
    out_writer_printf(w, "sessions: %llu (cleartext %llu, stls %llu, implicit tls %llu)\n",
                      (unsigned long long)c->sessions, (unsigned long long)c->sessions_by_tls[TLS_NONE],
                      (unsigned long long)c->sessions_by_tls[TLS_STLS],
                      (unsigned long long)c->sessions_by_tls[TLS_IMPLICIT]);
    if (c->auth_attempts == 0) {
        out_writer_puts(w, "no POP3 login attempts seen\n");
    } else {
        out_writer_printf(w, "login attempts: %llu (success %llu, failure %llu, aborted %llu, unknown %llu)\n",
                          (unsigned long long)c->auth_attempts, (unsigned long long)c->auth_by_outcome[OUTCOME_SUCCESS],
                          (unsigned long long)c->auth_by_outcome[OUTCOME_FAILURE],
                          (unsigned long long)c->auth_by_outcome[OUTCOME_ABORTED],
                          (unsigned long long)c->auth_by_outcome[OUTCOME_UNKNOWN]);
    }
    out_writer_printf(w, "messages retrieved: %llu (%llu octets), deleted: %llu\n", (unsigned long long)c->retr_count,
                      (unsigned long long)c->retr_octets, (unsigned long long)c->messages_deleted);
    if (s->model != NULL)
        output_text_summary_model(s->model, w);
    else if (s->model_failed)
        out_writer_puts(w, "accounts and servers: not listed (out of memory)\n");
    output_text_picture(&s->picture, w);
}

void output_text_summary_fini(struct output_text_summary *s)
{
    report_model_free(s->model);
    s->model = NULL;
}
