/* --threads N: the reader (the calling thread) captures, decodes,
 * reassembles IP fragments and hashes each TCP segment to one of N
 * workers; each worker owns the connections of its shard outright (its
 * own flow table, streams, nDPI context and trackers: no lock on flow
 * state); one writer thread merges the workers' events back into the
 * exact order a single thread gives, assigns the flow ids a single
 * thread would, and feeds the sink (alerts, outputs). Rings between the
 * threads have fixed sizes: a full one makes its producer wait. */
#ifndef POP3SCOPE_SHARD_H
#define POP3SCOPE_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer.h"
#include "capture.h"
#include "event.h"

/* --threads accepts 1..SHARD_MAX_THREADS; 1 is the single-thread path,
 * which does not come here. */
#define SHARD_MAX_THREADS 64

struct shard;

/* threads >= 2: that many workers, each with the table limits divided
 * between them. N workers rather than N - 1: the reader's share of the
 * work is about a third of a worker's whole (capture, decoding), the rest
 * is the workers', so on two cores N = 2 gives three busy threads whose
 * work adds up to about two cores; with one worker, that worker alone
 * would be the bottleneck (about 65% of the single-thread time). `sink` gets every event in the single-thread order, on
 * the writer thread (and, for the app summary, on the caller's thread in
 * shard_finish); `stats_sink` gets the events posted by shard_post_stats,
 * on the writer thread. NULL on ENOMEM or when a thread cannot start. */
struct shard *shard_new(const struct analyzer_options *opts, unsigned threads, event_sink_fn sink,
                        event_sink_fn stats_sink, void *sink_ctx);

/* The reader's frames that follow come from input_names[input]. */
void shard_begin_input(struct shard *s, uint32_t input);

/* A capture_frame_fn (ctx is the struct shard): the reader's step. */
void shard_frame(void *ctx, const struct capture_frame *frame);

/* For a capture_release_fn: held frames (block !=
 * 0) of blocks up to `block` are to be reused. Segments of held frames go
 * to the workers by reference; this waits until every worker is done
 * with the records of those frames. */
void shard_release(struct shard *s, uint64_t block);

/* The reader is about to wait for packets (live capture): hands over
 * what it has batched, so no segment waits for the next one. */
void shard_flush(struct shard *s);

/* Counters as analyzer_get_stats and analyzer_get_usage give them for
 * one thread: the reader's front counters and the workers' last
 * snapshot (taken at every idle sweep and whenever a worker runs out of
 * work), summed. Exact once shard_finish has returned. */
void shard_get_stats(struct shard *s, struct analyzer_stats *out);
void shard_get_usage(struct shard *s, struct analyzer_usage *out);

/* A stats event for the writer to hand to stats_sink at its next step. */
void shard_post_stats(struct shard *s, const struct event *ev);

/* End of input: every worker ends its flows with `how`, the writer
 * drains, the threads stop; then the app summary, summed over the
 * workers, goes to the sink from this thread. */
void shard_finish(struct shard *s, enum event_end how);

void shard_free(struct shard *s);

#endif
