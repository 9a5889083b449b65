/* --threads, the set-up and the end: the shared state, the threads
 * started and joined, the app summary over every worker, the counters
 * summed for the reports. The threads' own work is in shard_reader.c,
 * shard_worker.c and shard_writer.c. */
#include "shard_internal.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* -------------------------------------------------------------- setup */

/* The threads take no signal: the reader (main thread) handles them, and
 * a signal interrupts its wait for packets. */
static bool shard_start_threads(struct shard *s)
{
    sigset_t all, old;
    bool ok = true;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 0; i < s->workers && ok; i++) {
        ok = pthread_create(&s->w[i].thread, NULL, shard_worker_main, &s->w[i]) == 0;
        s->w[i].started = ok;
    }
    if (ok) {
        ok = pthread_create(&s->writer, NULL, shard_writer_main, s) == 0;
        s->writer_started = ok;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

struct shard *shard_new(const struct analyzer_options *opts, unsigned threads, event_sink_fn sink,
                        event_sink_fn stats_sink, void *sink_ctx)
{
    struct shard *s;
    unsigned made = 0;

    if (threads < 2 || threads > SHARD_MAX_THREADS || (s = calloc(1, sizeof *s)) == NULL)
        return NULL;
    s->workers = threads;
    s->sink = sink;
    s->stats_sink = stats_sink;
    s->sink_ctx = sink_ctx;
    atomic_init(&s->published, 0);
    atomic_init(&s->wanted_published, 0);
    atomic_init(&s->writer_wants_events, false);
    atomic_init(&s->mail_full, false);
    atomic_init(&s->reader_wants, 0);
    flow_hash_init();
    s->w = calloc(s->workers, sizeof s->w[0]);
    if (s->w == NULL || !shard_reader_init(s, opts) || !ring_bell_init(&s->writer_bell))
        goto fail_early;
    if (!ring_bell_init(&s->reader_bell)) {
        ring_bell_fini(&s->writer_bell);
        goto fail_early;
    }
    s->sweep_min = UINT64_MAX;
    if (pthread_mutex_init(&s->mail_mutex, NULL) != 0) {
        ring_bell_fini(&s->reader_bell);
        ring_bell_fini(&s->writer_bell);
        goto fail_early;
    }
    if (pthread_mutex_init(&s->sweep_mutex, NULL) != 0) {
        pthread_mutex_destroy(&s->mail_mutex);
        ring_bell_fini(&s->reader_bell);
        ring_bell_fini(&s->writer_bell);
        goto fail_early;
    }
    if (pthread_cond_init(&s->sweep_cond, NULL) != 0) {
        pthread_mutex_destroy(&s->sweep_mutex);
        pthread_mutex_destroy(&s->mail_mutex);
        ring_bell_fini(&s->reader_bell);
        ring_bell_fini(&s->writer_bell);
        goto fail_early;
    }
    while (made < s->workers && shard_worker_init(s, &s->w[made], opts))
        made++;
    if (made == s->workers && shard_start_threads(s))
        return s;
    /* Threads that started wait for input that never comes: end them. */
    s->workers = made;
    s->failed = true;
    shard_finish(s, END_END_OF_INPUT);
    shard_free(s);
    return NULL;
fail_early:
    analyzer_front_free(s->front);
    free(s->w);
    free(s);
    return NULL;
}

/* ------------------------------------------------------------ the end */

void shard_finish(struct shard *s, enum event_end how)
{
    struct event ev;

    if (s->finished)
        return;
    s->finished = true;
    shard_reader_finish(s, how);
    for (unsigned i = 0; i < s->workers; i++) {
        if (s->w[i].started)
            pthread_join(s->w[i].thread, NULL);
        s->w[i].started = false;
    }
    if (s->writer_started)
        pthread_join(s->writer, NULL);
    s->writer_started = false;
    if (s->failed || s->workers == 0)
        return;
    for (unsigned i = 1; i < s->workers; i++)
        analyzer_back_merge_summary(s->w[0].back, s->w[i].back);
    analyzer_back_summary_event(s->w[0].back, analyzer_front_now(s->front), &ev);
    s->sink(s->sink_ctx, &ev);
}

void shard_free(struct shard *s)
{
    if (s == NULL)
        return;
    for (unsigned i = 0; i < s->workers; i++)
        shard_worker_fini(&s->w[i]);
    free(s->w);
    analyzer_front_free(s->front);
    shard_writer_fini(s);
    ring_bell_fini(&s->writer_bell);
    ring_bell_fini(&s->reader_bell);
    pthread_mutex_destroy(&s->mail_mutex);
    pthread_mutex_destroy(&s->sweep_mutex);
    pthread_cond_destroy(&s->sweep_cond);
    free(s);
}

/* -------------------------------------------------------------- stats */

void shard_get_stats(struct shard *s, struct analyzer_stats *out)
{
    *out = *analyzer_front_stats(s->front);
    for (unsigned i = 0; i < s->workers; i++) {
        pthread_mutex_lock(&s->w[i].snapshot_mutex);
        analyzer_back_stats_add(out, &s->w[i].snapshot);
        pthread_mutex_unlock(&s->w[i].snapshot_mutex);
    }
}

void shard_get_usage(struct shard *s, struct analyzer_usage *out)
{
    memset(out, 0, sizeof *out);
    out->now = analyzer_front_now(s->front);
    for (unsigned i = 0; i < s->workers; i++) {
        pthread_mutex_lock(&s->w[i].snapshot_mutex);
        out->memory_flows += s->w[i].usage.memory_flows;
        out->memory_sessions += s->w[i].usage.memory_sessions;
        out->memory_reassembly += s->w[i].usage.memory_reassembly;
        pthread_mutex_unlock(&s->w[i].snapshot_mutex);
    }
}
