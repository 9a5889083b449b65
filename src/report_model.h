/* The --report page's numbers: events folded into capped tables of
 * accounts, servers, mailboxes and alerts, and timeline bins, so the page
 * and the memory stay the same size whatever the capture holds. What does
 * not fit a table is counted, never dropped silently. */
#ifndef POP3SCOPE_REPORT_MODEL_H
#define POP3SCOPE_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define REPORT_USER_MAX 128 /* bytes of a user name kept; longer is marked cut */
#define REPORT_METHOD_MAX 24 /* bytes of a method name ("SCRAM-SHA-256") */
#define REPORT_BANNER_MAX 160
#define REPORT_SECRET_MAX 128 /* only with --show-passwords */
#define REPORT_ACCOUNT_METHODS 4 /* methods listed per account; more counted */
#define REPORT_ACCOUNT_SERVERS 4
#define REPORT_SERVER_METHODS 8
#define REPORT_BINS 60 /* timeline columns; their width doubles as time runs */

/* Table capacities. Entries grow by doubling up to these, per distinct
 * key, never per event. Accounts and mailboxes have an eighth more for
 * accounts that logged in, so a success is listed however many guessed
 * names came first. */
struct report_model_limits {
    size_t max_accounts;
    size_t max_servers;
    size_t max_mailboxes;
    size_t max_alerts;
};

#define REPORT_DEFAULT_MAX_ACCOUNTS 4096u
#define REPORT_DEFAULT_MAX_SERVERS 1024u
#define REPORT_DEFAULT_MAX_MAILBOXES 4096u
#define REPORT_DEFAULT_MAX_ALERTS 1000u

void report_model_limits_default(struct report_model_limits *limits);

/* A wire string cut to its table's size. */
struct report_text {
    uint16_t len;
    bool present; /* false: the event had none */
    bool truncated; /* the wire had more than was kept */
};

struct report_method {
    char name[REPORT_METHOD_MAX];
    uint64_t attempts;
    enum event_exposure exposure; /* the worst it showed */
};

/* One user name, on every server it was tried on; or, in a model made
 * per server (report_model_accounts_per_server), one user at one server. */
struct report_account {
    uint8_t user[REPORT_USER_MAX];
    struct report_text user_text;
    uint32_t key_server; /* per server: index into servers, UINT32_MAX none */
    uint64_t attempts, successes, failures; /* failures: outcome failure */
    uint64_t exposed; /* attempts whose exposure was not none */
    enum event_exposure worst; /* the worst exposure seen */
    uint8_t exposures; /* bit (1 << enum event_exposure) per kind seen */
    struct event_time first, last;
    struct event_time first_failure, last_failure; /* valid when failures > 0 */
    struct report_method methods[REPORT_ACCOUNT_METHODS];
    size_t method_count;
    uint64_t methods_more; /* attempts with methods past the list */
    uint32_t servers[REPORT_ACCOUNT_SERVERS]; /* indexes into model->servers */
    size_t server_count;
    bool servers_more; /* tried on more servers than listed */
    uint8_t secret[REPORT_SECRET_MAX]; /* the last exposed secret, if kept */
    struct report_text secret_text;
    uint32_t bins_success[REPORT_BINS];
    uint32_t bins_failure[REPORT_BINS]; /* every outcome but success */
};

struct report_server {
    uint8_t ip_version;
    uint8_t addr[16];
    uint16_t port;
    uint8_t banner[REPORT_BANNER_MAX]; /* the first greeting seen */
    struct report_text banner_text;
    uint64_t sessions, stls_offered, stls_used, implicit_tls;
    uint64_t stls_not_used; /* sessions with the stls_offered_not_used anomaly */
    uint64_t attempts, successes, failures;
    struct report_method methods[REPORT_SERVER_METHODS];
    size_t method_count;
    uint64_t methods_more;
};

/* The mail picture of one account on one server (or of sessions that
 * never logged in: account UINT32_MAX). */
struct report_mailbox {
    uint32_t server;
    uint32_t account; /* UINT32_MAX: no login */
    uint64_t sessions;
    bool maildrop_known;
    uint64_t maildrop_messages, maildrop_octets; /* the last STAT/LIST seen */
    uint64_t retrieved, retrieved_octets, deleted, deletions_committed;
};

struct report_alert {
    struct event_time ts, window_start;
    enum event_alert_kind kind;
    bool has_flow;
    uint8_t ip_version;
    uint8_t client[16];
    uint8_t server[16];
    uint16_t server_port;
    uint8_t user[REPORT_USER_MAX];
    struct report_text user_text;
    uint64_t count, threshold;
    uint32_t window;
};

/* An input the run_end record says was not read to its end, copied (the
 * record's arrays are borrowed); at most REPORT_FAILED_INPUTS are listed,
 * the rest only counted. Names longer than the room are cut. */
#define REPORT_FAILED_INPUTS 20
struct report_failed_input {
    char file[256];
    char error[192];
    enum event_input_status status;
};

/* A capped table: entries and, for keyed ones, open-addressing slots. */
struct report_table {
    void *entries;
    size_t count, capacity, max;
    size_t reserve; /* room past max only for entries that matter most */
    uint32_t *slots; /* index + 1; 0 empty; 2 * max of them */
    size_t slot_count;
    uint64_t overflow; /* events that found the table full */
};

struct report_model {
    struct report_model_limits limits;
    bool keep_secrets; /* --show-passwords: the page shows them */
    bool accounts_per_server; /* key accounts by (user, server), not user */
    struct report_table accounts, servers, mailboxes, alerts;
    /* Totals over every event, tables full or not. */
    bool seen_any;
    struct event_time first, last;
    uint64_t attempts, successes, failures, exposed_attempts, sessions;
    uint64_t alerts_by_kind[ALERT_KIND_COUNT];
    uint64_t alerts_listed_by_kind[ALERT_KIND_COUNT]; /* each kind lists at most max_alerts / kinds */
    uint64_t sessions_by_tls[TLS_COUNT];
    uint64_t stls_not_used; /* sessions with the stls_offered_not_used anomaly */
    /* Timeline: bin i covers [origin + i * width, origin + (i + 1) * width)
     * seconds; all_* hold every attempt, tracked account or not. */
    bool bins_started;
    int64_t bin_origin;
    int64_t bin_width;
    uint32_t all_success[REPORT_BINS];
    uint32_t all_failure[REPORT_BINS];
    /* The run_end record: some input was not read to its end, so the page
     * covers only what was read (the text output's "Partial picture"). */
    bool partial;
    size_t inputs_total, inputs_failed;
    struct report_failed_input failed[REPORT_FAILED_INPUTS];
};

/* NULL when out of memory. */
struct report_model *report_model_new(const struct report_model_limits *limits, bool keep_secrets);

/* Keys accounts by (user, server) instead of by user alone: the text
 * summary's "user at server". Call before the first event. */
void report_model_accounts_per_server(struct report_model *m);

/* An event_sink_fn: ctx is the model. Folds one event in. */
void report_model_add(void *ctx, const struct event *ev);

static inline const struct report_account *report_model_account(const struct report_model *m, size_t i)
{
    return &((const struct report_account *)m->accounts.entries)[i];
}

static inline const struct report_server *report_model_server(const struct report_model *m, size_t i)
{
    return &((const struct report_server *)m->servers.entries)[i];
}

static inline const struct report_mailbox *report_model_mailbox(const struct report_model *m, size_t i)
{
    return &((const struct report_mailbox *)m->mailboxes.entries)[i];
}

static inline const struct report_alert *report_model_alert(const struct report_model *m, size_t i)
{
    return &((const struct report_alert *)m->alerts.entries)[i];
}

/* Indexes of the accounts, riskiest first: the worst exposure (cleartext,
 * token, hash, none), then proven credentials (a success), then failures,
 * then attempts, then the name. `order` holds accounts.count entries. */
void report_model_rank_accounts(const struct report_model *m, uint32_t *order);

/* Indexes of the accounts with the most attempts first (the timeline's
 * rows). */
void report_model_busiest_accounts(const struct report_model *m, uint32_t *order);

void report_model_free(struct report_model *m);

#endif
