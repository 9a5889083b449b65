/* The analyzer's back half: decoded TCP segments -> flows -> classify ->
 * streams -> POP3 trackers -> events. Owns the flow table, the
 * out-of-order store, the nDPI context and the trackers. One thread feeds
 * it from the front half directly (analyzer.c); with --threads each worker
 * owns one, fed the segments of its shard of the connections and every
 * sweep (shard_worker.c). */
#ifndef POP3SCOPE_ANALYZER_BACK_H
#define POP3SCOPE_ANALYZER_BACK_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer.h"
#include "decode.h"
#include "event.h"

/* Where a flow's life meets its owner: with one thread the table's
 * numbers stand and the rest is nothing to do; with --threads they tell
 * the writer where each event belongs in the single-thread order. */
struct analyzer_back_hooks {
    /* The events that follow end a flow: `sub` is its last frame in a
     * sweep, its flow_id at the end of input. */
    void (*order)(void *ctx, uint64_t sub);
    /* The flow `table_id` (creation order in this table) was created by
     * frame `frame`; returns the flow_id its events carry. */
    uint64_t (*flow_created)(void *ctx, uint64_t frame, uint64_t table_id);
    /* No event will name this flow any more. */
    void (*flow_retired)(void *ctx, uint64_t flow_id);
    void *ctx;
};

/* Events go to `sink` (alerts and outputs, or a worker's ring). */
struct analyzer_back *analyzer_back_new(const struct analyzer_options *opts, const struct analyzer_back_hooks *hooks,
                                        event_sink_fn sink, void *sink_ctx);

/* One TCP segment of frame `frame` (analyzer_front_step: the order), which
 * is record `number` of input `input` (the evidence auth events carry); its
 * payload is read during the call only. */
void analyzer_back_segment(struct analyzer_back *back, uint64_t frame, uint32_t input, uint64_t number,
                           const struct packet_view *v, uint64_t hash, struct event_time ts, bool overlap_conflict);

/* An idle sweep at packet time `now`: flows idle for the idle timeout end
 * (END_TIMEOUT), least recently seen first, those last seen at frame
 * `stop` or later excepted (ANALYZER_BACK_SWEEP_ALL: none). */
#define ANALYZER_BACK_SWEEP_ALL UINT64_MAX
void analyzer_back_sweep(struct analyzer_back *back, struct event_time now, uint64_t stop);

/* Where this back half's own sweep at `now` would stop: the last frame of
 * its least recently seen flow that is not idle (UINT64_MAX: none). */
uint64_t analyzer_back_sweep_bound(struct analyzer_back *back, struct event_time now);

/* End of input: ends every flow with `how`, in flow_id order. */
void analyzer_back_finish(struct analyzer_back *back, enum event_end how);

/* The back counters (flows_created .. gap_bytes, checksum_*); the front
 * half's stay zero. */
const struct analyzer_stats *analyzer_back_stats(const struct analyzer_back *back);

/* Adds the back counters of `from` (a back half's) to `into`. */
void analyzer_back_stats_add(struct analyzer_stats *into, const struct analyzer_stats *from);

/* The memory_* parts of the usage; `now` is the front half's. */
void analyzer_back_usage(const struct analyzer_back *back, struct analyzer_usage *out);

/* The EVENT_APP_SUMMARY record (the mail picture and the other
 * applications) timed `now`; valid until the next call on this back. */
void analyzer_back_summary_event(struct analyzer_back *back, struct event_time now, struct event *ev);

/* Adds `from`'s per-application totals and mail picture to `into`'s, for
 * one summary over every shard. */
void analyzer_back_merge_summary(struct analyzer_back *into, const struct analyzer_back *from);

/* Frees without reporting: call analyzer_back_finish first for events. */
void analyzer_back_free(struct analyzer_back *back);

#endif
