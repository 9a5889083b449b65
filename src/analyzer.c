/* One thread's pipeline (analyzer.h): the front half's output goes
 * straight into the back half, no copy and no ring. */
#include "analyzer.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer_back.h"
#include "analyzer_front.h"
#include "ipfrag.h"

struct analyzer {
    struct analyzer_front *front;
    struct analyzer_back *back;
    event_sink_fn sink; /* the app summary's; the back has its own copy */
    void *sink_ctx;
    struct analyzer_stats stats; /* analyzer_get_stats's sum */
};

void analyzer_options_default(struct analyzer_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_flows = ANALYZER_DEFAULT_MAX_FLOWS;
    opts->idle_timeout = ANALYZER_DEFAULT_IDLE_TIMEOUT;
    opts->max_sessions = ANALYZER_DEFAULT_MAX_SESSIONS;
    opts->max_held_bytes_per_stream = ANALYZER_DEFAULT_HELD_PER_STREAM;
    opts->max_held_bytes_total = ANALYZER_DEFAULT_HELD_TOTAL;
    opts->max_fragments = IPFRAG_DEFAULT_MAX_DATAGRAMS;
    opts->max_fragment_bytes = IPFRAG_DEFAULT_MAX_BYTES;
    opts->fragment_timeout = IPFRAG_DEFAULT_TIMEOUT;
    opts->pop3.max_line = POP3_DEFAULT_MAX_LINE;
    opts->pop3.max_pending = POP3_DEFAULT_MAX_PENDING;
}

/* One thread: the events are already in order, and the table's flow ids
 * are the ones reported. */
static void analyzer_in_order(void *ctx, uint64_t sub)
{
    (void)ctx;
    (void)sub;
}

static uint64_t analyzer_table_id(void *ctx, uint64_t frame, uint64_t table_id)
{
    (void)ctx;
    (void)frame;
    return table_id;
}

static void analyzer_retired(void *ctx, uint64_t flow_id)
{
    (void)ctx;
    (void)flow_id;
}

struct analyzer *analyzer_new(const struct analyzer_options *opts, event_sink_fn sink, void *sink_ctx)
{
    static const struct analyzer_back_hooks one_thread = { analyzer_in_order, analyzer_table_id, analyzer_retired,
                                                           NULL };
    struct analyzer *an = calloc(1, sizeof *an);

    if (an == NULL)
        return NULL;
    an->sink = sink;
    an->sink_ctx = sink_ctx;
    an->front = analyzer_front_new(opts);
    an->back = analyzer_back_new(opts, &one_thread, sink, sink_ctx);
    if (an->front == NULL || an->back == NULL) {
        analyzer_free(an);
        return NULL;
    }
    return an;
}

void analyzer_begin_input(struct analyzer *an, uint32_t input)
{
    analyzer_front_begin_input(an->front, input);
}

void analyzer_frame(struct analyzer *an, const struct capture_frame *frame)
{
    struct analyzer_front_step step;

    analyzer_front_frame(an->front, frame, &step);
    if (step.sweep)
        analyzer_back_sweep(an->back, step.now, ANALYZER_BACK_SWEEP_ALL);
    if (step.segment)
        analyzer_back_segment(an->back, step.frame, step.input, step.number, &step.view, step.hash, step.ts,
                              step.overlap_conflict);
}

/* After the last session: the mail picture and the other applications. */
void analyzer_finish(struct analyzer *an, enum event_end how)
{
    struct event ev;

    analyzer_front_finish(an->front);
    analyzer_back_finish(an->back, how);
    analyzer_back_summary_event(an->back, analyzer_front_now(an->front), &ev);
    an->sink(an->sink_ctx, &ev);
}

const struct analyzer_stats *analyzer_get_stats(struct analyzer *an)
{
    an->stats = *analyzer_front_stats(an->front);
    analyzer_back_stats_add(&an->stats, analyzer_back_stats(an->back));
    return &an->stats;
}

void analyzer_get_usage(const struct analyzer *an, struct analyzer_usage *out)
{
    analyzer_back_usage(an->back, out);
    out->now = analyzer_front_now(an->front);
}

/* Frees without reporting: call analyzer_finish first to get the events. */
void analyzer_free(struct analyzer *an)
{
    if (an == NULL)
        return;
    analyzer_back_free(an->back);
    analyzer_front_free(an->front);
    free(an);
}
