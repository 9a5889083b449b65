/* Shared between output.c and the three format files; nothing outside the
 * output module includes this. */
#ifndef POP3SCOPE_OUTPUT_INTERNAL_H
#define POP3SCOPE_OUTPUT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "output.h"

/* Wire bytes converted for JSON/CSV never exceed this many bytes; the
 * tracker's own line limit is far below, so hitting it means a producer
 * bug or a future limit change, and the value is cut with a visible "...". */
#define OUTPUT_SCRATCH_MAX (64u * 1024u)

/* The text summary lists at most this many distinct exposed accounts; the
 * rest are counted so a spraying capture cannot grow memory without bound. */
#define OUTPUT_ACCOUNTS_MAX 10000u
/* Power of two, above OUTPUT_ACCOUNTS_MAX / 0.75, so probes stay short. */
#define OUTPUT_ACCOUNT_SLOTS 16384u
/* Bytes of a user name kept for the summary key and display. Longer names
 * share an entry with others of the same prefix; they print with "...". */
#define OUTPUT_ACCOUNT_USER_MAX 256u

/* One (user, server address) whose password crossed in cleartext. */
struct output_account {
    uint8_t user[OUTPUT_ACCOUNT_USER_MAX];
    uint16_t user_len;
    bool has_user; /* false: the attempt never showed a user name */
    bool user_truncated;
    uint8_t ip_version;
    uint8_t server_addr[16];
    uint64_t attempts;
};

struct output_accounts {
    struct output_account *entries; /* in order of first exposure */
    size_t count;
    size_t capacity;
    uint32_t *slots; /* OUTPUT_ACCOUNT_SLOTS; 0 empty, else index + 1 */
    uint64_t overflow_attempts; /* cleartext attempts not listed: set full */
};

/* Run totals for the text summary; kept for every format (cheap). */
struct output_counters {
    uint64_t sessions;
    uint64_t sessions_by_tls[TLS_COUNT];
    uint64_t auth_attempts;
    uint64_t auth_by_outcome[OUTCOME_COUNT];
    uint64_t retr_count;
    uint64_t retr_octets;
    uint64_t messages_deleted;
};

/* The capture's mail picture (EVENT_APP_SUMMARY), kept for the end of the
 * text summary. The event's strings are borrowed, so names are copied. */
#define OUTPUT_APP_NAME_MAX 48
struct output_app_picture {
    bool seen;
    struct event_app_summary summary; /* apps points at apps[] below */
    struct event_app_total apps[EVENT_APP_TOP];
    char names[EVENT_APP_TOP][OUTPUT_APP_NAME_MAX];
};

/* How much wire text the UTF-8 converter lets through unescaped. */
enum output_utf8_mode {
    OUTPUT_UTF8_JSON, /* valid UTF-8 as is; jansson escapes controls */
    OUTPUT_UTF8_CSV, /* also escape controls other than TAB, CR, LF */
};

struct output {
    struct output_options opts;
    FILE *stream;
    bool failed; /* a write, flush or allocation failed: finish says -1 */
    int error; /* errno of the first failure */
    bool finished;
    bool header_written;
    char *scratch; /* OUTPUT_SCRATCH_MAX + 1 bytes, reused per value */
    struct output_counters counters;
    struct output_accounts accounts;
    struct output_app_picture picture;
};

/* Remembers the first failure; output_finish reports it. */
void output_fail(struct output *out, int err);

/* Writing helpers: each remembers a failure through output_fail. */
void output_write(struct output *out, const char *data, size_t len);
void output_puts(struct output *out, const char *text);
void output_printf(struct output *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Converts wire bytes to valid UTF-8 in out->scratch (rules in output.c);
 * returns the length and points *text at the scratch, which the next call
 * overwrites. Absent bytes (data == NULL) give length 0. */
size_t output_utf8(struct output *out, struct event_bytes bytes, enum output_utf8_mode mode, const char **text);

void output_text_event(struct output *out, const struct event *ev);
void output_text_finish(struct output *out);
void output_text_free(struct output *out);

void output_json_event(struct output *out, const struct event *ev);

void output_csv_begin(struct output *out);
void output_csv_event(struct output *out, const struct event *ev);

#endif
