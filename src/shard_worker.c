/* --threads, a worker: a back half fed from its input ring (the segments
 * of its shard of the connections, every idle sweep, the finish); its
 * events go, deep-copied and with their place in the single-thread
 * order, onto its output ring for the writer. */
#include "shard_internal.h"

#include <stdlib.h>
#include <string.h>

/* Output ring room; waits while the writer is behind. */
static void *shard_reserve_out(struct shard *s, struct shard_worker *w, size_t len)
{
    void *at;

    while ((at = ring_try_reserve(&w->out, len)) == NULL) {
        shard_wake_writer(s);
        shard_pause();
    }
    return at;
}

/* Tells a writer that sleeps for want of events that there are some. */
static void shard_announce(struct shard *s, struct shard_worker *w)
{
    w->out_unannounced = false;
    w->announced_at = w->out.head_local;
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&s->writer_wants_events, memory_order_relaxed))
        shard_wake_writer(s);
}

/* Events are handed over at once but announced in batches: an eighth of
 * the ring, or when the worker runs out of work (shard_worker_wait), so
 * the writer wakes once per batch, not once per event. */
static void shard_publish_out(struct shard *s, struct shard_worker *w)
{
    ring_publish(&w->out);
    w->out_unannounced = true;
    if (w->out.head_local - w->announced_at >= SHARD_OUT_RING / 8u)
        shard_announce(s, w);
}

static struct shard_record *shard_record_start(struct shard_worker *w, void *at, enum shard_record_kind kind)
{
    struct shard_record *r = at;

    memset(r, 0, sizeof *r);
    r->pos = w->pos;
    r->sub = w->sub;
    r->seq = w->seq++;
    r->kind = kind;
    return r;
}

static void shard_marker(struct shard_worker *w, enum shard_record_kind kind, uint64_t flow_id)
{
    struct shard_record *r = shard_record_start(w, shard_reserve_out(w->shard, w, sizeof *r), kind);

    r->flow_id = flow_id;
    ring_commit(&w->out);
    shard_publish_out(w->shard, w);
}

/* The analyzer's event sink in a worker: the event, deep-copied, goes to
 * the writer with its order key. */
static void shard_worker_event(void *ctx, const struct event *ev)
{
    struct shard_worker *w = ctx;
    size_t size = event_copy_size(ev);
    size_t room = ring_max_record(&w->out) - sizeof(struct shard_record);
    struct shard_record *r;
    void *blob = NULL;

    if (size > room) {
        blob = malloc(size);
        if (blob == NULL)
            return; /* out of memory for one oversized event: it is lost */
        event_copy_pack(ev, blob);
        r = shard_record_start(w, shard_reserve_out(w->shard, w, sizeof *r + sizeof blob), SHARD_EVENT_HEAP);
        memcpy(r + 1, &blob, sizeof blob);
    } else {
        r = shard_record_start(w, shard_reserve_out(w->shard, w, sizeof *r + size), SHARD_EVENT);
        event_copy_pack(ev, r + 1);
    }
    ring_commit(&w->out);
    shard_publish_out(w->shard, w);
}

static void shard_hook_order(void *ctx, uint64_t sub)
{
    struct shard_worker *w = ctx;

    w->sub = sub;
}

/* A worker's flow id is the frame that created it: unique over every
 * worker, and the writer maps it to the number one thread gives. */
static uint64_t shard_hook_created(void *ctx, uint64_t frame, uint64_t table_id)
{
    (void)table_id;
    shard_marker(ctx, SHARD_FLOW_CREATED, frame);
    return frame;
}

static void shard_hook_retired(void *ctx, uint64_t flow_id)
{
    shard_marker(ctx, SHARD_FLOW_RETIRED, flow_id);
}

static void shard_worker_done(struct shard_worker *w, uint64_t pos);

/* Every worker gets every sweep, in the same place in its input, so they
 * meet here once per second of packet time: the sweep stops at the
 * earliest bound over all of them (analyzer_back_sweep_bound). Before
 * waiting, a worker declares everything before the sweep done: a worker
 * still short of the sweep and stuck on a full output ring then gets its
 * events written, reaches the sweep, and the meeting cannot deadlock. */
static uint64_t shard_sweep_meet(struct shard_worker *w, uint64_t frame)
{
    struct shard *s = w->shard;
    uint64_t result;

    if (s->workers == 1)
        return frame;
    if (w->out_unannounced)
        shard_announce(s, w);
    shard_worker_done(w, w->pos - 1u);
    pthread_mutex_lock(&s->sweep_mutex);
    if (frame < s->sweep_min)
        s->sweep_min = frame;
    if (++s->sweep_arrived == s->workers) {
        s->sweep_result = s->sweep_min;
        s->sweep_min = UINT64_MAX;
        s->sweep_arrived = 0;
        s->sweep_round++;
        pthread_cond_broadcast(&s->sweep_cond);
    } else {
        uint64_t round = s->sweep_round;

        while (s->sweep_round == round)
            pthread_cond_wait(&s->sweep_cond, &s->sweep_mutex);
    }
    result = s->sweep_result;
    pthread_mutex_unlock(&s->sweep_mutex);
    return result;
}

static void shard_take_snapshot(struct shard_worker *w)
{
    pthread_mutex_lock(&w->snapshot_mutex);
    w->snapshot = *analyzer_back_stats(w->back);
    analyzer_back_usage(w->back, &w->usage);
    pthread_mutex_unlock(&w->snapshot_mutex);
    w->snapshot_stale = false;
}

/* Puts the segment's packet_view back together (the addresses zero
 * past their length, as decode gives them) and analyzes it. */
static void shard_worker_segment(struct shard_worker *w, const struct shard_segment *g)
{
    const uint8_t *addr = (const uint8_t *)(g + 1);
    size_t alen = g->ip_version == 4 ? 8u : 32u;
    struct packet_view v;
    struct event_time ts;

    memset(&v, 0, sizeof v);
    v.ip_version = g->ip_version;
    if (alen == 8u) {
        memcpy(v.src_addr, addr, 4);
        memcpy(v.dst_addr, addr + 4, 4);
    } else {
        memcpy(v.src_addr, addr, 16);
        memcpy(v.dst_addr, addr + 16, 16);
    }
    v.src_port = g->src_port;
    v.dst_port = g->dst_port;
    v.seq = g->seq;
    v.ack = g->ack;
    v.tcp_flags = g->tcp_flags;
    v.window = g->window;
    v.payload = g->payload != NULL ? g->payload : addr + alen;
    v.payload_len = g->payload_len;
    v.payload_missing = g->payload_missing;
    v.checksum = g->checksum;
    v.tcp_header_len = g->tcp_header_len;
    v.ip_header_len = g->ip_header_len;
    if (g->checksum == DECODE_CHECKSUM_UNCHECKED) {
        /* Held: decode found them there, in the frame, just before. */
        v.tcp_header = g->payload - g->tcp_header_len;
        v.ip_header = g->ip_header_len > 0 ? v.tcp_header - g->ip_header_len : NULL;
        v.checksum_whole = true;
    }
    ts.sec = g->ts_sec;
    ts.usec = g->ts_usec;
    w->pos = 2u * g->frame + 1u;
    w->sub = 0;
    analyzer_back_segment(w->back, g->frame, g->input, g->number, &v, g->hash, ts, g->overlap_conflict != 0);
    w->snapshot_stale = true;
}

/* Runs one input record; returns false after the last. */
static bool shard_worker_step(struct shard_worker *w, const struct shard_item *it)
{

    switch ((enum shard_item_kind)it->kind) {
    case SHARD_SWEEP:
        w->pos = 2u * it->frame;
        analyzer_back_sweep(w->back, it->ts, shard_sweep_meet(w, analyzer_back_sweep_bound(w->back, it->ts)));
        shard_take_snapshot(w);
        return true;
    case SHARD_SEGMENT: shard_worker_segment(w, (const struct shard_segment *)(const void *)it); return true;
    case SHARD_FINISH:
        w->pos = SHARD_POS_FINISH;
        analyzer_back_finish(w->back, (enum event_end)it->arg);
        shard_take_snapshot(w);
        return false;
    }
    return true;
}

/* After a record: its events are all out; the writer may be waiting for
 * exactly that. */
static void shard_worker_done(struct shard_worker *w, uint64_t pos)
{
    uint64_t wanted;

    atomic_store_explicit(&w->done_pos, pos, memory_order_seq_cst);
    wanted = atomic_load_explicit(&w->wanted, memory_order_seq_cst);
    if (wanted != 0 && pos >= wanted)
        shard_wake_writer(w->shard);
    wanted = atomic_load_explicit(&w->shard->reader_wants, memory_order_seq_cst);
    if (wanted != 0 && pos >= wanted)
        ring_bell_ring(&w->shard->reader_bell);
}

/* Nothing to do: a short spin, then sleep until the reader hands over
 * more. A quiet sensor's workers sleep. */
static const struct shard_item *shard_worker_wait(struct shard_worker *w)
{
    const struct shard_item *it;
    size_t len;
    unsigned generation;

    for (unsigned spin = 0; spin < SHARD_SPINS; spin++) {
        if ((it = ring_peek(&w->in, &len)) != NULL)
            return it;
    }
    if (w->snapshot_stale)
        shard_take_snapshot(w);
    if (w->out_unannounced)
        shard_announce(w->shard, w);
    /* The writer may wait for this worker to get further than its last
     * record: now that it has run dry, its progress is the reader's. */
    if (atomic_load_explicit(&w->wanted, memory_order_seq_cst) != 0)
        shard_wake_writer(w->shard);
    /* So may the reader (shard_release): a drained ring is past it. The
     * fence orders the release of the last record before the look. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&w->shard->reader_wants, memory_order_seq_cst) != 0)
        ring_bell_ring(&w->shard->reader_bell);
    generation = ring_bell_generation(&w->bell);
    if ((it = ring_peek(&w->in, &len)) != NULL)
        return it;
    ring_bell_wait(&w->bell, generation, SHARD_WORKER_SLEEP_MS);
    return NULL;
}

void *shard_worker_main(void *arg)
{
    struct shard_worker *w = arg;
    bool more = true;

    while (more) {
        size_t len;
        const struct shard_item *it = ring_peek(&w->in, &len);

        if (it == NULL && (it = shard_worker_wait(w)) == NULL)
            continue;
        more = shard_worker_step(w, it);
        ring_release(&w->in);
        shard_worker_done(w, more ? w->pos : SHARD_POS_DONE);
    }
    shard_wake_writer(w->shard);
    return NULL;
}

/* -------------------------------------------------------------- setup */

static size_t shard_divide(size_t total, unsigned parts)
{
    size_t share = total / parts + (total % parts != 0);

    return share > 0 ? share : 1;
}

bool shard_worker_init(struct shard *s, struct shard_worker *w, const struct analyzer_options *opts)
{
    struct analyzer_options mine = *opts;
    struct analyzer_back_hooks hooks = { shard_hook_order, shard_hook_created, shard_hook_retired, w };

    w->shard = s;
    atomic_init(&w->done_pos, 0);
    atomic_init(&w->wanted, 0);
    /* The limits are for the whole run: each worker gets its share. */
    mine.max_flows = shard_divide(opts->max_flows, s->workers);
    mine.max_sessions = shard_divide(opts->max_sessions, s->workers);
    mine.max_held_bytes_total = shard_divide(opts->max_held_bytes_total, s->workers);
    mine.ndpi_share = s->workers;
    if (pthread_mutex_init(&w->snapshot_mutex, NULL) != 0)
        return false;
    if (!ring_init(&w->in, SHARD_IN_RING) || !ring_init(&w->out, SHARD_OUT_RING) || !ring_bell_init(&w->bell)) {
        ring_fini(&w->in);
        ring_fini(&w->out);
        pthread_mutex_destroy(&w->snapshot_mutex);
        return false;
    }
    w->back = analyzer_back_new(&mine, &hooks, shard_worker_event, w);
    if (w->back == NULL) {
        ring_fini(&w->in);
        ring_fini(&w->out);
        ring_bell_fini(&w->bell);
        pthread_mutex_destroy(&w->snapshot_mutex);
        return false;
    }
    return true;
}

void shard_worker_fini(struct shard_worker *w)
{
    analyzer_back_free(w->back);
    ring_fini(&w->in);
    ring_fini(&w->out);
    ring_bell_fini(&w->bell);
    pthread_mutex_destroy(&w->snapshot_mutex);
}
