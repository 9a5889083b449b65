/* The analysis main.c drives, chosen once: one thread (analyzer.h: the
 * front half hands each frame's sweep and segment to the back half
 * directly) or --threads N (shard.h: this thread reads and runs the front
 * half, N workers run back halves, a writer merges their events into the
 * single-thread order). Everything else about the choice stays in here. */
#ifndef POP3SCOPE_ENGINE_H
#define POP3SCOPE_ENGINE_H

#include "analyzer.h"
#include "capture.h"
#include "event.h"

struct engine;

/* threads <= 1: one thread. `sink` gets every event in order (with
 * threads, on the writer thread; the app summary at the end on the
 * caller's); `stats_sink` the stats events of engine_post_stats. NULL on
 * ENOMEM, or when a thread cannot start. */
struct engine *engine_new(const struct analyzer_options *opts, unsigned threads, event_sink_fn sink,
                          event_sink_fn stats_sink, void *sink_ctx);

/* The frames that follow come from input `input` (an index into
 * analyzer_options.input_names): auth events name it as evidence. */
void engine_begin_input(struct engine *e, uint32_t input);

/* A capture_frame_fn (ctx is the struct engine). */
void engine_frame(void *ctx, const struct capture_frame *frame);

/* The capture_release_fn for capture_read_file_held (ctx is the struct
 * engine), or NULL when the engine keeps nothing of a frame after
 * engine_frame returns (one thread): the capture then holds none. */
capture_release_fn engine_release_fn(const struct engine *e);

/* Live capture, about to wait for packets: nothing waits in a batch. */
void engine_flush(struct engine *e);

/* End of input: every session ends with `how`, then the app summary. */
void engine_finish(struct engine *e, enum event_end how);

/* Counters and memory now (with threads: the workers' latest snapshot,
 * exact after engine_finish). */
void engine_stats(struct engine *e, struct analyzer_stats *st, struct analyzer_usage *use);

/* A stats event, written in order with the other events: by the writer
 * thread while it runs, else here. */
void engine_post_stats(struct engine *e, const struct event *ev);

void engine_free(struct engine *e);

#endif
