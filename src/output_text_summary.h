/* The end-of-run summary the text format prints: run totals, the accounts
 * whose password crossed in cleartext, and the capture's mail picture.
 * Fed every event; prints once. */
#ifndef POP3SCOPE_OUTPUT_TEXT_SUMMARY_H
#define POP3SCOPE_OUTPUT_TEXT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "out_writer.h"

/* The summary lists at most this many distinct exposed accounts; the rest
 * are counted so a spraying capture cannot grow memory without bound. */
#define OUTPUT_ACCOUNTS_MAX 10000u
/* Power of two, above OUTPUT_ACCOUNTS_MAX / 0.75, so probes stay short. */
#define OUTPUT_ACCOUNT_SLOTS 16384u
/* Bytes of a user name kept for the summary key and display. Longer names
 * share an entry with others of the same prefix; they print with "...". */
#define OUTPUT_ACCOUNT_USER_MAX 256u
/* Characters of a user name shown in the summary and in alert lines. */
#define OUTPUT_TEXT_W_SUMMARY_USER 64

/* One (user, server address) whose password crossed in cleartext. */
struct output_text_account {
    uint8_t user[OUTPUT_ACCOUNT_USER_MAX];
    uint16_t user_len;
    bool has_user; /* false: the attempt never showed a user name */
    bool user_truncated;
    uint8_t ip_version;
    uint8_t server_addr[16];
    uint64_t attempts;
};

struct output_text_accounts {
    struct output_text_account *entries; /* in order of first exposure */
    size_t count;
    size_t capacity;
    uint32_t *slots; /* OUTPUT_ACCOUNT_SLOTS; 0 empty, else index + 1 */
    uint64_t overflow_attempts; /* cleartext attempts not listed: set full */
};

struct output_text_counters {
    uint64_t sessions;
    uint64_t sessions_by_tls[TLS_COUNT];
    uint64_t auth_attempts;
    uint64_t auth_by_outcome[OUTCOME_COUNT];
    uint64_t retr_count;
    uint64_t retr_octets;
    uint64_t messages_deleted;
};

/* The capture's mail picture (EVENT_APP_SUMMARY), kept for the end. The
 * event's strings are borrowed, so names are copied. */
#define OUTPUT_APP_NAME_MAX 48
struct output_text_picture {
    bool seen;
    struct event_app_summary summary; /* apps points at apps[] below */
    struct event_app_total apps[EVENT_APP_TOP];
    char names[EVENT_APP_TOP][OUTPUT_APP_NAME_MAX];
};

/* Zeroed memory is an empty summary; the account table is allocated on
 * the first exposed account. */
struct output_text_summary {
    struct output_text_counters counters;
    struct output_text_accounts accounts;
    struct output_text_picture picture;
};

void output_text_summary_add(struct output_text_summary *s, const struct event *ev);

/* table_printed: a table of attempts precedes, so a blank line parts it. */
void output_text_summary_print(const struct output_text_summary *s, struct out_writer *w, bool table_printed);

void output_text_summary_fini(struct output_text_summary *s);

#endif
