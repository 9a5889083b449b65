/* The engine (engine.h): the one place that knows whether the halves run
 * on one thread or on several. */
#include "engine.h"

#include <stdlib.h>

#include "shard.h"

struct engine {
    struct analyzer *an; /* one thread, or */
    struct shard *shard; /* --threads */
    bool finished; /* the shard's threads are gone: write directly */
    event_sink_fn stats_sink;
    void *sink_ctx;
};

struct engine *engine_new(const struct analyzer_options *opts, unsigned threads, event_sink_fn sink,
                          event_sink_fn stats_sink, void *sink_ctx)
{
    struct engine *e = calloc(1, sizeof *e);

    if (e == NULL)
        return NULL;
    e->stats_sink = stats_sink;
    e->sink_ctx = sink_ctx;
    if (threads > 1)
        e->shard = shard_new(opts, threads, sink, stats_sink, sink_ctx);
    else
        e->an = analyzer_new(opts, sink, sink_ctx);
    if (e->an == NULL && e->shard == NULL) {
        free(e);
        return NULL;
    }
    return e;
}

void engine_begin_input(struct engine *e, uint32_t input)
{
    if (e->shard != NULL)
        shard_begin_input(e->shard, input);
    else
        analyzer_begin_input(e->an, input);
}

void engine_frame(void *ctx, const struct capture_frame *frame)
{
    struct engine *e = ctx;

    if (e->shard != NULL)
        shard_frame(e->shard, frame);
    else
        analyzer_frame(e->an, frame);
}

/* Threads read the frames of the fast file reader in place (no copy):
 * the reader's blocks go back to it only once the workers are done. */
static void engine_release(void *ctx, uint64_t block)
{
    struct engine *e = ctx;

    shard_release(e->shard, block);
}

capture_release_fn engine_release_fn(const struct engine *e)
{
    return e->shard != NULL ? engine_release : NULL;
}

void engine_flush(struct engine *e)
{
    if (e->shard != NULL)
        shard_flush(e->shard);
}

void engine_finish(struct engine *e, enum event_end how)
{
    if (e->shard != NULL)
        shard_finish(e->shard, how);
    else
        analyzer_finish(e->an, how);
    e->finished = true;
}

void engine_stats(struct engine *e, struct analyzer_stats *st, struct analyzer_usage *use)
{
    if (e->shard != NULL) {
        shard_get_stats(e->shard, st);
        shard_get_usage(e->shard, use);
    } else {
        *st = *analyzer_get_stats(e->an);
        analyzer_get_usage(e->an, use);
    }
}

void engine_post_stats(struct engine *e, const struct event *ev)
{
    /* With --threads the writer thread owns the output until the end. */
    if (e->shard != NULL && !e->finished)
        shard_post_stats(e->shard, ev);
    else
        e->stats_sink(e->sink_ctx, ev);
}

void engine_free(struct engine *e)
{
    if (e == NULL)
        return;
    analyzer_free(e->an);
    shard_free(e->shard);
    free(e);
}
