/* The table a person reads: one row per login attempt, then a summary of
 * the run. Values from the wire follow one rule (output_text_value, README
 * "Events"): the peer chose these bytes, a terminal obeys escape
 * sequences, and a reader splits lines on spaces and '='. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "keyed_hash.h"
#include "output_internal.h"

#define OUTPUT_TEXT_W_TIME 19
#define OUTPUT_TEXT_W_ADDR 21 /* "255.255.255.255:65535" */
#define OUTPUT_TEXT_W_USER 20
#define OUTPUT_TEXT_W_METHOD 10
#define OUTPUT_TEXT_W_OUTCOME 7
#define OUTPUT_TEXT_W_EXPOSURE 9
#define OUTPUT_TEXT_W_PASSWORD 20
#define OUTPUT_TEXT_W_RESPONSE 40
#define OUTPUT_TEXT_W_SUMMARY_USER 64

/* "%-19s  %-21s ..." built from the widths so header and rows agree.
 * Addresses are padded but never cut: a truncated address misleads. */
#define OUTPUT_TEXT_STR(x) #x
#define OUTPUT_TEXT_XSTR(x) OUTPUT_TEXT_STR(x)
#define OUTPUT_TEXT_COL(w) "%-" OUTPUT_TEXT_XSTR(w) "s  "
#define OUTPUT_TEXT_ROW                                                                    \
    OUTPUT_TEXT_COL(OUTPUT_TEXT_W_TIME) OUTPUT_TEXT_COL(OUTPUT_TEXT_W_ADDR)               \
    OUTPUT_TEXT_COL(OUTPUT_TEXT_W_ADDR) OUTPUT_TEXT_COL(OUTPUT_TEXT_W_USER)               \
    OUTPUT_TEXT_COL(OUTPUT_TEXT_W_METHOD) OUTPUT_TEXT_COL(OUTPUT_TEXT_W_OUTCOME)          \
    OUTPUT_TEXT_COL(OUTPUT_TEXT_W_EXPOSURE) OUTPUT_TEXT_COL(OUTPUT_TEXT_W_PASSWORD) "%s\n"

/* Names that are ours or nDPI's (not the peer's): non-printable bytes as
 * \xNN, at most `width` characters (buf: width + 1 bytes); a longer name
 * is cut on an escape boundary and ends in "...". */
static void output_text_cell(const uint8_t *data, size_t len, char *buf, size_t width)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t pos = 0, keep = 0, i;

    for (i = 0; i < len; i++) {
        uint8_t c = data[i];
        size_t need = (c >= 0x20 && c <= 0x7E) ? 1 : 4;

        if (pos + need > width) {
            pos = keep;
            memcpy(buf + pos, "...", 3);
            pos += 3;
            break;
        }
        if (need == 1) {
            buf[pos++] = (char)c;
        } else {
            buf[pos++] = '\\';
            buf[pos++] = 'x';
            buf[pos++] = hex[c >> 4];
            buf[pos++] = hex[c & 0x0F];
        }
        if (pos + 3 <= width)
            keep = pos;
    }
    buf[pos] = '\0';
}

/* The text format's one rule for a value from the wire: printable ASCII
 * as is, a backslash doubled, every other byte as \xNN; a value that holds a
 * space, '"' or '=', is empty, or is "-" (what an absent value prints)
 * goes in double quotes, with '"' inside as \". So a user name cannot add
 * a "client=" pair to an alert line or a column to a row, and a literal
 * "\x1B" (printed "\\x1B") cannot pass for an escaped ESC. */
static bool output_text_needs_quotes(const uint8_t *data, size_t len)
{
    if (len == 0 || (len == 1 && data[0] == '-'))
        return true;
    for (size_t i = 0; i < len; i++)
        if (data[i] == ' ' || data[i] == '"' || data[i] == '=')
            return true;
    return false;
}

/* One byte under the rule above into dst (room for 4); its length. */
static size_t output_text_escape_byte(uint8_t c, char *dst)
{
    static const char hex[] = "0123456789ABCDEF";

    if (c == '\\' || c == '"') {
        dst[0] = '\\';
        dst[1] = (char)c;
        return 2;
    }
    if (c >= 0x20 && c <= 0x7E) {
        dst[0] = (char)c;
        return 1;
    }
    dst[0] = '\\';
    dst[1] = 'x';
    dst[2] = hex[c >> 4];
    dst[3] = hex[c & 0x0F];
    return 4;
}

/* The value under the rule into buf (width + 1 bytes, width >= 8), at
 * most `width` characters, quotes included; a longer value is cut on an
 * escape boundary and ends in "..." (inside the quotes when quoted). */
static void output_text_value(const uint8_t *data, size_t len, char *buf, size_t width)
{
    bool quoted = output_text_needs_quotes(data, len);
    size_t pos = 0, keep, limit = quoted ? width - 1 : width;

    if (quoted)
        buf[pos++] = '"';
    keep = pos;
    for (size_t i = 0; i < len; i++) {
        char esc[4];
        size_t need = output_text_escape_byte(data[i], esc);

        if (pos + need > limit) {
            pos = keep;
            memcpy(buf + pos, "...", 3);
            pos += 3;
            break;
        }
        memcpy(buf + pos, esc, need);
        pos += need;
        if (pos + 3 <= limit)
            keep = pos;
    }
    if (quoted)
        buf[pos++] = '"';
    buf[pos] = '\0';
}

static void output_text_bytes(struct event_bytes bytes, char *buf, size_t width)
{
    if (bytes.data == NULL)
        snprintf(buf, width + 1, "-");
    else
        output_text_value(bytes.data, bytes.len, buf, width);
}

static void output_text_cstr(const char *s, char *buf, size_t width)
{
    struct event_bytes bytes = { (const uint8_t *)s, s == NULL ? 0 : strlen(s) };

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

static void output_text_password(const struct output *out, struct event_bytes secret, char *buf, size_t width)
{
    if (secret.data == NULL)
        snprintf(buf, width + 1, "-");
    else if (!out->opts.show_passwords)
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

static void output_text_row(struct output *out, const struct event_auth *a)
{
    char when[FMT_TIME_SIZE], client[FMT_ENDPOINT_SIZE], server[FMT_ENDPOINT_SIZE];
    char user[OUTPUT_TEXT_W_USER + 1], method[OUTPUT_TEXT_W_METHOD + 1];
    char password[OUTPUT_TEXT_W_PASSWORD + 1], response[OUTPUT_TEXT_W_RESPONSE + 1];

    if (!out->header_written) {
        out->header_written = true;
        output_printf(out, OUTPUT_TEXT_ROW, "TIME (UTC)", "CLIENT", "SERVER", "USER", "METHOD", "OUTCOME",
                      "EXPOSURE", "PASSWORD", "RESPONSE");
    }
    fmt_time_seconds(a->ts, when, sizeof when);
    output_text_endpoint(a->flow, false, client, sizeof client);
    output_text_endpoint(a->flow, true, server, sizeof server);
    output_text_bytes(a->user, user, OUTPUT_TEXT_W_USER);
    output_text_cstr(a->method, method, OUTPUT_TEXT_W_METHOD);
    output_text_password(out, a->password, password, OUTPUT_TEXT_W_PASSWORD);
    output_text_response(a, response, OUTPUT_TEXT_W_RESPONSE);
    output_printf(out, OUTPUT_TEXT_ROW, when, client, server, user, method, event_outcome_name(a->outcome),
                  event_exposure_name(a->exposure), password, response);
}

/* ------------------------------------------------------------ accounts */

static size_t output_account_addr_len(uint8_t ip_version)
{
    return ip_version == 6 ? 16 : 4;
}

/* The keyed hash (keyed_hash.h, SipHash under a per-process secret): the
 * user names are the peer's, and with a hash they could predict (the
 * FNV-1a this was) names chosen to share a slot made every lookup walk a
 * cluster of up to OUTPUT_ACCOUNTS_MAX entries: 200,000 such logins took
 * 344 times as long as ordinary names (tests/test_output.c). Keys are
 * hashed as flags, address, then user bytes, so no two keys share bytes. */
static uint32_t output_account_hash(const struct output_account *key)
{
    uint8_t buf[2 + 16 + OUTPUT_ACCOUNT_USER_MAX];
    size_t addr_len = output_account_addr_len(key->ip_version), n = 0;

    buf[n++] = (uint8_t)(key->has_user | (uint8_t)key->user_truncated << 1);
    buf[n++] = key->ip_version;
    memcpy(buf + n, key->server_addr, addr_len);
    n += addr_len;
    memcpy(buf + n, key->user, key->user_len);
    n += key->user_len;
    return (uint32_t)keyed_hash(buf, n);
}

static bool output_account_equal(const struct output_account *a, const struct output_account *b)
{
    return a->has_user == b->has_user && a->user_truncated == b->user_truncated && a->user_len == b->user_len &&
           a->ip_version == b->ip_version && memcmp(a->user, b->user, a->user_len) == 0 &&
           memcmp(a->server_addr, b->server_addr, output_account_addr_len(a->ip_version)) == 0;
}

static void output_account_key(const struct event_auth *a, struct output_account *key)
{
    memset(key, 0, sizeof *key);
    key->has_user = a->user.data != NULL;
    if (key->has_user) {
        size_t n = a->user.len < OUTPUT_ACCOUNT_USER_MAX ? a->user.len : OUTPUT_ACCOUNT_USER_MAX;

        memcpy(key->user, a->user.data, n);
        key->user_len = (uint16_t)n;
        key->user_truncated = a->user.len > OUTPUT_ACCOUNT_USER_MAX;
    }
    if (a->flow != NULL) {
        key->ip_version = a->flow->ip_version;
        memcpy(key->server_addr, a->flow->server_addr, output_account_addr_len(key->ip_version));
    }
}

/* Room for one more entry; growth is per distinct account, never per event. */
static bool output_accounts_reserve(struct output_accounts *acc)
{
    struct output_account *grown;
    size_t capacity;

    if (acc->slots == NULL) {
        acc->slots = calloc(OUTPUT_ACCOUNT_SLOTS, sizeof *acc->slots);
        if (acc->slots == NULL)
            return false;
    }
    if (acc->count < acc->capacity)
        return true;
    capacity = acc->capacity == 0 ? 64 : acc->capacity * 2;
    if (capacity > OUTPUT_ACCOUNTS_MAX)
        capacity = OUTPUT_ACCOUNTS_MAX;
    grown = realloc(acc->entries, capacity * sizeof *grown);
    if (grown == NULL)
        return false;
    acc->entries = grown;
    acc->capacity = capacity;
    return true;
}

static void output_accounts_add(struct output_accounts *acc, const struct event_auth *a)
{
    struct output_account key;
    uint32_t slot;

    output_account_key(a, &key);
    slot = output_account_hash(&key) & (OUTPUT_ACCOUNT_SLOTS - 1);
    while (acc->slots != NULL && acc->slots[slot] != 0) {
        struct output_account *e = &acc->entries[acc->slots[slot] - 1];

        if (output_account_equal(e, &key)) {
            e->attempts++;
            return;
        }
        slot = (slot + 1) & (OUTPUT_ACCOUNT_SLOTS - 1);
    }
    /* The slot table has room by construction: it is larger than the
     * entry limit, so the probe above always ends on an empty slot. */
    if (acc->count >= OUTPUT_ACCOUNTS_MAX || !output_accounts_reserve(acc)) {
        acc->overflow_attempts++;
        return;
    }
    key.attempts = 1;
    acc->entries[acc->count] = key;
    acc->slots[slot] = (uint32_t)(acc->count + 1);
    acc->count++;
}

_Static_assert(OUTPUT_ACCOUNT_SLOTS > OUTPUT_ACCOUNTS_MAX, "probing needs an empty slot");
_Static_assert((OUTPUT_ACCOUNT_SLOTS & (OUTPUT_ACCOUNT_SLOTS - 1)) == 0, "slots: power of two");

/* The event borrows its strings: keep copies for output_text_finish. */
static void output_text_keep_picture(struct output_app_picture *p, const struct event_app_summary *s)
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

/* ------------------------------------------------------ alerts, stats */

/* One line per alert, printed the moment it fires (live use): a person
 * watching the table sees it between the rows that caused it. */
static void output_text_alert(struct output *out, const struct event_alert *a)
{
    char when[FMT_TIME_SIZE], since[FMT_TIME_SIZE], client[FMT_ENDPOINT_SIZE], server[FMT_ENDPOINT_SIZE];
    char user[OUTPUT_TEXT_W_SUMMARY_USER + 1];

    fmt_time(a->ts, when, sizeof when);
    output_text_endpoint(a->flow, false, client, sizeof client);
    output_text_endpoint(a->flow, true, server, sizeof server);
    output_text_bytes(a->user, user, OUTPUT_TEXT_W_SUMMARY_USER);
    output_printf(out, "ALERT %s at=%s user=%s client=%s server=%s count=%llu threshold=%llu",
                  event_alert_kind_name(a->kind), when, user, client, server, (unsigned long long)a->count,
                  (unsigned long long)a->threshold);
    if (a->window > 0) {
        fmt_time(a->window_start, since, sizeof since);
        output_printf(out, " window=%us since=%s", (unsigned)a->window, since);
    }
    output_puts(out, "\n");
}

/* Sensor counters (--stats-interval, SIGUSR1) as one line, in the stream
 * the person already watches. */
static void output_text_stats(struct output *out, const struct event_stats *st)
{
    char when[FMT_TIME_SIZE];

    fmt_time(st->ts, when, sizeof when);
    output_printf(out,
                  "STATS at=%s packets=%llu bytes=%llu kernel_received=%llu kernel_drops=%llu "
                  "interface_drops=%llu flows=%llu sessions=%llu flows_evicted=%llu sessions_refused=%llu "
                  "memory_flows=%llu memory_sessions=%llu memory_reassembly=%llu events=%llu\n",
                  when, (unsigned long long)st->packets, (unsigned long long)st->bytes,
                  (unsigned long long)st->kernel_received, (unsigned long long)st->kernel_drops,
                  (unsigned long long)st->interface_drops, (unsigned long long)st->flows_active,
                  (unsigned long long)st->sessions_active, (unsigned long long)st->flows_evicted,
                  (unsigned long long)st->sessions_refused,
                  (unsigned long long)st->memory_flows, (unsigned long long)st->memory_sessions,
                  (unsigned long long)st->memory_reassembly, (unsigned long long)st->events_written);
}

void output_text_event(struct output *out, const struct event *ev)
{
    if (ev->type == EVENT_ALERT) {
        output_text_alert(out, &ev->u.alert);
        return;
    }
    if (ev->type == EVENT_STATS) {
        output_text_stats(out, &ev->u.stats);
        return;
    }
    if (ev->type == EVENT_APP_SUMMARY) {
        output_text_keep_picture(&out->picture, &ev->u.app_summary);
        return;
    }
    if (ev->type != EVENT_AUTH)
        return; /* sessions only feed the summary counters */
    /* A failed attempt exposes the password just the same: it may be the
     * right one for another service, or one typo from it. */
    if (ev->u.auth.exposure == EXPOSURE_CLEARTEXT)
        output_accounts_add(&out->accounts, &ev->u.auth);
    if (!out->opts.summary_only)
        output_text_row(out, &ev->u.auth);
}

/* ------------------------------------------------------------- summary */

static void output_text_accounts(struct output *out)
{
    const struct output_accounts *acc = &out->accounts;
    size_t i;

    if (acc->count == 0 && acc->overflow_attempts == 0) {
        output_puts(out, "passwords exposed in cleartext: none\n");
        return;
    }
    output_puts(out, "passwords exposed in cleartext:\n");
    for (i = 0; i < acc->count; i++) {
        const struct output_account *e = &acc->entries[i];
        char user[OUTPUT_TEXT_W_SUMMARY_USER + 1], addr[FMT_ADDR_SIZE];

        /* A cut user name (user_truncated) is far wider than the column,
         * so the cell's own "..." already shows it. */
        if (!e->has_user)
            snprintf(user, sizeof user, "(no user)");
        else
            output_text_value(e->user, e->user_len, user, OUTPUT_TEXT_W_SUMMARY_USER);
        fmt_addr(e->ip_version, e->server_addr, addr, sizeof addr);
        output_printf(out, "  %s at %s (%llu attempt%s)\n", user, addr, (unsigned long long)e->attempts,
                      e->attempts == 1 ? "" : "s");
    }
    if (acc->overflow_attempts > 0)
        output_printf(out, "  ... and %llu more cleartext attempt%s on accounts beyond the first %u\n",
                      (unsigned long long)acc->overflow_attempts, acc->overflow_attempts == 1 ? "" : "s",
                      OUTPUT_ACCOUNTS_MAX);
}

static const char *output_text_plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The last lines of the run: how much mail was protected, and what else
 * shared the capture. */
static void output_text_picture(struct output *out)
{
    static const char *const labels[TLS_COUNT] = {
        [TLS_NONE] = "cleartext POP3", [TLS_STLS] = "POP3 after STLS", [TLS_IMPLICIT] = "POP3S (implicit TLS)"};
    const struct event_app_summary *s = &out->picture.summary;

    if (!out->picture.seen)
        return;
    output_puts(out, "mail:\n");
    for (unsigned t = 0; t < (unsigned)TLS_COUNT; t++)
        output_printf(out, "  %-22s %8llu %-9s %14llu bytes\n", labels[t], (unsigned long long)s->mail_sessions[t],
                      output_text_plural(s->mail_sessions[t], "session", "sessions"),
                      (unsigned long long)s->mail_bytes[t]);
    if (!s->ndpi) {
        output_printf(out, "other applications: %llu %s, %llu bytes (not named: --no-ndpi)\n",
                      (unsigned long long)s->more_flows, output_text_plural(s->more_flows, "flow", "flows"),
                      (unsigned long long)s->more_bytes);
    } else if (s->app_count == 0 && s->more_flows == 0) {
        output_puts(out, "other applications: none\n");
    } else {
        output_puts(out, "other applications (nDPI, most bytes first):\n");
        for (size_t i = 0; i < s->app_count; i++) {
            char name[OUTPUT_APP_NAME_MAX];

            output_text_cell((const uint8_t *)s->apps[i].name, s->apps[i].name != NULL ? strlen(s->apps[i].name) : 0,
                             name, 22);
            output_printf(out, "  %-22s %8llu %-9s %14llu bytes\n", name, (unsigned long long)s->apps[i].flows,
                          output_text_plural(s->apps[i].flows, "flow", "flows"), (unsigned long long)s->apps[i].bytes);
        }
        if (s->more_flows > 0)
            output_printf(out, "  %-22s %8llu %-9s %14llu bytes\n", "(the rest)", (unsigned long long)s->more_flows,
                          output_text_plural(s->more_flows, "flow", "flows"), (unsigned long long)s->more_bytes);
    }
    if (s->flows_without_payload > 0)
        output_printf(out, "connections without payload: %llu\n", (unsigned long long)s->flows_without_payload);
    if (s->flows_not_named > 0)
        output_printf(out, "connections not named (nDPI flow limit): %llu\n", (unsigned long long)s->flows_not_named);
}

void output_text_finish(struct output *out)
{
    const struct output_counters *c = &out->counters;

    if (out->header_written)
        output_puts(out, "\n");
    output_printf(out, "sessions: %llu (cleartext %llu, stls %llu, implicit tls %llu)\n",
                  (unsigned long long)c->sessions, (unsigned long long)c->sessions_by_tls[TLS_NONE],
                  (unsigned long long)c->sessions_by_tls[TLS_STLS], (unsigned long long)c->sessions_by_tls[TLS_IMPLICIT]);
    if (c->auth_attempts == 0) {
        output_puts(out, "no POP3 login attempts seen\n");
    } else {
        output_printf(out, "login attempts: %llu (success %llu, failure %llu, aborted %llu, unknown %llu)\n",
                      (unsigned long long)c->auth_attempts, (unsigned long long)c->auth_by_outcome[OUTCOME_SUCCESS],
                      (unsigned long long)c->auth_by_outcome[OUTCOME_FAILURE],
                      (unsigned long long)c->auth_by_outcome[OUTCOME_ABORTED],
                      (unsigned long long)c->auth_by_outcome[OUTCOME_UNKNOWN]);
    }
    output_printf(out, "messages retrieved: %llu (%llu octets), deleted: %llu\n", (unsigned long long)c->retr_count,
                  (unsigned long long)c->retr_octets, (unsigned long long)c->messages_deleted);
    if (c->auth_attempts > 0)
        output_text_accounts(out);
    output_text_picture(out);
}

void output_text_free(struct output *out)
{
    free(out->accounts.entries);
    free(out->accounts.slots);
    out->accounts.entries = NULL;
    out->accounts.slots = NULL;
}
