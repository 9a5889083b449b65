/* The end-of-run summary the text format prints: run totals, every
 * account (user at server) with its exposure, the servers, alert totals,
 * brute-force hints, and the capture's mail picture. Fed every event;
 * prints once. */
#ifndef POP3SCOPE_OUTPUT_TEXT_SUMMARY_H
#define POP3SCOPE_OUTPUT_TEXT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "out_writer.h"

/* What the summary lists, most serious first; the rest are counted in an
 * "and N more" line (README "The end-of-run summary"). The accounts and
 * servers are held in a report model (report_model.h, the --report
 * page's), capped there, so a huge capture keeps a bounded summary. */
#define OUTPUT_SUMMARY_ACCOUNTS_SHOWN 20u
#define OUTPUT_SUMMARY_SERVERS_SHOWN 10u
#define OUTPUT_SUMMARY_HINTS_SHOWN 5u
/* Characters of a user name shown in the summary and in alert lines. */
#define OUTPUT_TEXT_W_SUMMARY_USER 64

struct output_text_counters {
    uint64_t sessions;
    uint64_t sessions_by_tls[TLS_COUNT];
    uint64_t auth_attempts;
    uint64_t auth_by_outcome[OUTCOME_COUNT];
    uint64_t retr_count;
    uint64_t retr_octets;
    uint64_t messages_deleted;
};

struct report_model;

/* The capture's mail picture (EVENT_APP_SUMMARY), kept for the end. The
 * event's strings are borrowed, so names are copied. */
#define OUTPUT_APP_NAME_MAX 48
struct output_text_picture {
    bool seen;
    struct event_app_summary summary; /* apps points at apps[] below */
    struct event_app_total apps[EVENT_APP_TOP];
    char names[EVENT_APP_TOP][OUTPUT_APP_NAME_MAX];
};

/* Zeroed memory is an empty summary; the model is allocated on the first
 * event that needs it. */
struct output_text_summary {
    struct output_text_counters counters;
    struct report_model *model; /* accounts (user at server), servers, alerts */
    bool model_failed; /* out of memory: the per-account part is left out */
    struct output_text_picture picture;
};

void output_text_summary_add(struct output_text_summary *s, const struct event *ev);

/* table_printed: a table of attempts precedes, so a blank line parts it. */
void output_text_summary_print(const struct output_text_summary *s, struct out_writer *w, bool table_printed);

void output_text_summary_fini(struct output_text_summary *s);

#endif
