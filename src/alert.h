/* Detectors over the event stream: brute force (per account, per client),
 * password spraying, a success after a burst of failures, cleartext
 * credentials, STLS offered but not used. An alert is one more event
 * (EVENT_ALERT) in the same stream. Windows run on packet time, so a
 * replayed capture gives the same alerts; every table has a fixed capacity
 * and evicts its least recently used entry, counted. */
#ifndef POP3SCOPE_ALERT_H
#define POP3SCOPE_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Thresholds count events inside a window; 0 turns that detector off. */
struct alert_options {
    uint32_t window; /* seconds, brute force and guessed password */
    uint32_t account_failures; /* failed logins on one account (user at a server) */
    uint32_t client_failures; /* failed logins from one client address */
    uint32_t spray_accounts; /* distinct accounts one client failed on */
    uint32_t spray_window; /* seconds, spraying (slow by nature) */
    uint32_t guess_failures; /* failures on an account before a success */
    bool cleartext; /* a password crossed in cleartext: once per account */
    bool stls_not_used; /* STLS offered, a cleartext login instead: once per account */
    size_t max_tracked; /* capacity of each table: accounts, clients, open sessions */
};

#define ALERT_DEFAULT_WINDOW 300u
#define ALERT_DEFAULT_ACCOUNT_FAILURES 10u
#define ALERT_DEFAULT_CLIENT_FAILURES 20u
#define ALERT_DEFAULT_SPRAY_ACCOUNTS 10u
#define ALERT_DEFAULT_SPRAY_WINDOW 3600u
#define ALERT_DEFAULT_GUESS_FAILURES 5u
#define ALERT_DEFAULT_MAX_TRACKED 32768u
/* A threshold is also the length of the history kept per entry. */
#define ALERT_MAX_THRESHOLD 1000u
#define ALERT_MAX_TRACKED (1u << 22)
#define ALERT_MAX_WINDOW (7u * 86400u)

void alert_options_default(struct alert_options *opts);

/* Counters for the end-of-run report. */
struct alert_stats {
    uint64_t fired[ALERT_KIND_COUNT];
    uint64_t accounts_evicted; /* table full: the least recently used went */
    uint64_t clients_evicted;
    uint64_t sessions_evicted;
    uint64_t memory; /* bytes reserved for the tables */
};

struct alert;

/* Events go on to `sink` (the output), alerts right after the event that
 * fired them. Options out of range are clamped. NULL on ENOMEM. */
struct alert *alert_new(const struct alert_options *opts, event_sink_fn sink, void *sink_ctx);

/* An event_sink_fn (ctx is the struct alert): forwards the event, then
 * emits the alerts it fires, in a fixed order: brute force account, brute
 * force client, spraying, guessed password, cleartext, STLS not used. */
void alert_observe(void *ctx, const struct event *ev);

void alert_get_stats(const struct alert *a, struct alert_stats *out);

void alert_free(struct alert *a);

#endif
