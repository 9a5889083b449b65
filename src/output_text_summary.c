/* The text format's end-of-run summary: totals, the accounts exposed in
 * cleartext (a bounded table under a keyed hash), and the mail picture. */
#include "output_text_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "keyed_hash.h"
#include "output_text_value.h"

/* ------------------------------------------------------------ accounts */

static size_t output_text_account_addr_len(uint8_t ip_version)
{
    return ip_version == 6 ? 16 : 4;
}

/* The keyed hash (keyed_hash.h, SipHash under a per-process secret): the
 * user names are the peer's, and with a hash they could predict (the
 * FNV-1a this was) names chosen to share a slot made every lookup walk a
 * cluster of up to OUTPUT_ACCOUNTS_MAX entries (tests/unit/test_output.c
 * builds such names). Keys are hashed as flags, address, then user bytes,
 * so no two keys share bytes. */
static uint32_t output_text_account_hash(const struct output_text_account *key)
{
    uint8_t buf[2 + 16 + OUTPUT_ACCOUNT_USER_MAX];
    size_t addr_len = output_text_account_addr_len(key->ip_version), n = 0;

    buf[n++] = (uint8_t)(key->has_user | (uint8_t)key->user_truncated << 1);
    buf[n++] = key->ip_version;
    memcpy(buf + n, key->server_addr, addr_len);
    n += addr_len;
    memcpy(buf + n, key->user, key->user_len);
    n += key->user_len;
    return (uint32_t)keyed_hash(buf, n);
}

static bool output_text_account_equal(const struct output_text_account *a, const struct output_text_account *b)
{
    return a->has_user == b->has_user && a->user_truncated == b->user_truncated && a->user_len == b->user_len &&
           a->ip_version == b->ip_version && memcmp(a->user, b->user, a->user_len) == 0 &&
           memcmp(a->server_addr, b->server_addr, output_text_account_addr_len(a->ip_version)) == 0;
}

static void output_text_account_key(const struct event_auth *a, struct output_text_account *key)
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
        memcpy(key->server_addr, a->flow->server_addr, output_text_account_addr_len(key->ip_version));
    }
}

/* Room for one more entry; growth is per distinct account, never per event. */
static bool output_text_accounts_reserve(struct output_text_accounts *acc)
{
    struct output_text_account *grown;
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

static void output_text_accounts_add(struct output_text_accounts *acc, const struct event_auth *a)
{
    struct output_text_account key;
    uint32_t slot;

    output_text_account_key(a, &key);
    slot = output_text_account_hash(&key) & (OUTPUT_ACCOUNT_SLOTS - 1);
    while (acc->slots != NULL && acc->slots[slot] != 0) {
        struct output_text_account *e = &acc->entries[acc->slots[slot] - 1];

        if (output_text_account_equal(e, &key)) {
            e->attempts++;
            return;
        }
        slot = (slot + 1) & (OUTPUT_ACCOUNT_SLOTS - 1);
    }
    /* The slot table has room by construction: it is larger than the
     * entry limit, so the probe above always ends on an empty slot. */
    if (acc->count >= OUTPUT_ACCOUNTS_MAX || !output_text_accounts_reserve(acc)) {
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

void output_text_summary_add(struct output_text_summary *s, const struct event *ev)
{
    output_text_count(&s->counters, ev);
    if (ev->type == EVENT_APP_SUMMARY)
        output_text_keep_picture(&s->picture, &ev->u.app_summary);
    /* A failed attempt exposes the password just the same: it may be the
     * right one for another service, or one typo from it. */
    else if (ev->type == EVENT_AUTH && ev->u.auth.exposure == EXPOSURE_CLEARTEXT)
        output_text_accounts_add(&s->accounts, &ev->u.auth);
}

/* ------------------------------------------------------------- print */

static void output_text_accounts(const struct output_text_accounts *acc, struct out_writer *w)
{
    size_t i;

    if (acc->count == 0 && acc->overflow_attempts == 0) {
        out_writer_puts(w, "passwords exposed in cleartext: none\n");
        return;
    }
    out_writer_puts(w, "passwords exposed in cleartext:\n");
    for (i = 0; i < acc->count; i++) {
        const struct output_text_account *e = &acc->entries[i];
        char user[OUTPUT_TEXT_W_SUMMARY_USER + 1], addr[FMT_ADDR_SIZE];

        /* A cut user name (user_truncated) is far wider than the column,
         * so the cell's own "..." already shows it. */
        if (!e->has_user)
            snprintf(user, sizeof user, "-"); /* as in the table; a name "-" is quoted */
        else
            output_text_value(e->user, e->user_len, user, OUTPUT_TEXT_W_SUMMARY_USER);
        fmt_addr(e->ip_version, e->server_addr, addr, sizeof addr);
        out_writer_printf(w, "  %s at %s (%llu attempt%s)\n", user, addr, (unsigned long long)e->attempts,
                          e->attempts == 1 ? "" : "s");
    }
    if (acc->overflow_attempts > 0)
        out_writer_printf(w, "  ... and %llu more cleartext attempt%s on accounts beyond the first %u\n",
                          (unsigned long long)acc->overflow_attempts, acc->overflow_attempts == 1 ? "" : "s",
                          OUTPUT_ACCOUNTS_MAX);
}

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
    if (c->auth_attempts > 0)
        output_text_accounts(&s->accounts, w);
    output_text_picture(&s->picture, w);
}

void output_text_summary_fini(struct output_text_summary *s)
{
    free(s->accounts.entries);
    free(s->accounts.slots);
    s->accounts.entries = NULL;
    s->accounts.slots = NULL;
}
