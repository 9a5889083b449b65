/* --threads, the reader (the calling thread): the front half runs here;
 * each TCP segment goes to the worker of its flow, each idle sweep to
 * every worker, in batches; held frames are given back to the capture
 * once every worker is done with them. */
#include "shard_internal.h"

#include <string.h>

/* Makes every committed record visible, then the position they reach,
 * and wakes whoever sleeps on them; `lazy` (the reader's routine batches)
 * leaves a worker asleep until it has SHARD_WAKE_BACKLOG bytes to do: a
 * worker that keeps up with the reader would otherwise be woken for every
 * batch, and on a file each wake-up costs more than the batch. */
static void shard_hand_over(struct shard *s, bool lazy)
{
    uint64_t wanted;

    for (unsigned i = 0; i < s->workers; i++) {
        struct shard_worker *w = &s->w[i];

        w->in_pending = ring_publish(&w->in) || w->in_pending;
    }
    atomic_store_explicit(&s->published, s->pending_pos, memory_order_seq_cst);
    for (unsigned i = 0; i < s->workers; i++) {
        struct shard_worker *w = &s->w[i];

        if (!w->in_pending)
            continue;
        if (lazy && w->in.head_local - atomic_load_explicit(&w->in.tail, memory_order_relaxed) < SHARD_WAKE_BACKLOG)
            continue;
        ring_bell_ring(&w->bell);
        w->in_pending = false;
    }
    wanted = atomic_load_explicit(&s->wanted_published, memory_order_seq_cst);
    if (wanted != 0 && s->pending_pos >= wanted)
        shard_wake_writer(s);
    s->batch_frames = 0;
    s->batch_bytes = 0;
}

void shard_flush(struct shard *s)
{
    shard_hand_over(s, false);
}

/* Room on a worker's input ring; a full ring is handed over as it is and
 * polled until the worker has made room. */
static void *shard_reserve_in(struct shard *s, struct shard_worker *w, size_t len)
{
    void *at;

    while ((at = ring_try_reserve(&w->in, len)) == NULL) {
        shard_flush(s);
        shard_pause();
    }
    s->batch_bytes += len;
    return at;
}

static void shard_commit_in(struct shard_worker *w)
{
    ring_commit(&w->in);
    w->in_pending = true;
}

/* Every worker sweeps, each at the same place in its input. */
static void shard_put_sweep(struct shard *s, uint64_t frame, struct event_time now)
{
    for (unsigned i = 0; i < s->workers; i++) {
        struct shard_item *it = shard_reserve_in(s, &s->w[i], sizeof *it);

        memset(it, 0, sizeof *it);
        it->kind = SHARD_SWEEP;
        it->frame = frame;
        it->ts = now;
        shard_commit_in(&s->w[i]);
    }
}

/* The worker from the hash's high half: the flow tables' buckets take the
 * low bits, and a shard whose flows all share them would use a fraction
 * of its buckets. */
static unsigned shard_of(const struct shard *s, uint64_t hash)
{
    return (unsigned)(((hash >> 32) * s->workers) >> 32);
}

static size_t shard_addr_len(const struct packet_view *v)
{
    return v->ip_version == 4 ? 8u : 32u;
}

/* What the worker gets of the checksum (analyzer.c judges it): in a held
 * frame the worker reads the headers in place, when it needs them; bytes
 * that go onto the ring go without their headers, so those segments are
 * judged here, as one thread would judge them, over the whole payload. */
static uint8_t shard_checksum(const struct shard *s, const struct packet_view *v, bool held)
{
    if (!s->checksums || !v->checksum_whole)
        return DECODE_CHECKSUM_UNVERIFIABLE;
    if (held)
        return DECODE_CHECKSUM_UNCHECKED;
    return (uint8_t)decode_checksum(v);
}

/* Reserves, fills and commits a segment record with `copy` payload bytes
 * after it (0: the payload stays in the held frame). */
static void shard_put_segment(struct shard *s, struct shard_worker *w, const struct analyzer_front_step *step,
                              bool held, size_t copy)
{
    const struct packet_view *v = &step->view;
    size_t alen = shard_addr_len(v);
    struct shard_segment *g = shard_reserve_in(s, w, sizeof *g + alen + copy);
    uint8_t *addr = (uint8_t *)(g + 1);

    g->kind = SHARD_SEGMENT;
    g->overlap_conflict = step->overlap_conflict;
    g->ip_version = v->ip_version;
    g->tcp_flags = v->tcp_flags;
    g->checksum = shard_checksum(s, v, held);
    g->frame = step->frame;
    g->number = step->number;
    g->hash = step->hash;
    g->ts_sec = step->ts.sec;
    g->ts_usec = step->ts.usec;
    g->seq = v->seq;
    g->ack = v->ack;
    g->src_port = v->src_port;
    g->dst_port = v->dst_port;
    g->window = v->window;
    g->tcp_header_len = v->tcp_header_len;
    g->ip_header_len = v->ip_header_len;
    g->payload_len = held ? v->payload_len : (uint32_t)copy;
    g->payload_missing = v->payload_missing + (held ? 0u : v->payload_len - (uint32_t)copy);
    g->input = step->input;
    g->payload = held ? v->payload : NULL;
    if (alen == 8u) {
        memcpy(addr, v->src_addr, 4);
        memcpy(addr + 4, v->dst_addr, 4);
    } else {
        memcpy(addr, v->src_addr, 16);
        memcpy(addr + 16, v->dst_addr, 16);
    }
    if (copy > 0)
        memcpy(addr + alen, v->payload, copy);
    shard_commit_in(w);
}

/* The segment goes to the worker that owns its flow. */
static void shard_route_segment(struct shard *s, const struct capture_frame *f, const struct analyzer_front_step *step)
{
    const struct packet_view *v = &step->view;
    struct shard_worker *w = &s->w[shard_of(s, step->hash)];
    size_t len = v->payload_len;
    size_t room;
    uintptr_t at = (uintptr_t)v->payload;
    bool held = f->block != 0 && at >= (uintptr_t)f->data && at + len <= (uintptr_t)f->data + f->caplen;

    if (held) {
        /* The payload lies in the frame, whose bytes stay until the
         * capture asks for them back (shard_release): the worker reads
         * them there, and they cross memory once less. */
        shard_put_segment(s, w, step, true, 0);
        return;
    }
    /* A datagram put together from fragments, or a frame from libpcap:
     * the bytes go onto the ring. TCP payloads are far smaller (64 KiB);
     * should one not fit, the rest counts as cut by the snapshot length. */
    room = ring_max_record(&w->in) - sizeof(struct shard_segment) - shard_addr_len(v);
    if (len > room)
        len = room;
    shard_put_segment(s, w, step, false, len);
}

void shard_begin_input(struct shard *s, uint32_t input)
{
    analyzer_front_begin_input(s->front, input);
}

void shard_frame(void *ctx, const struct capture_frame *frame)
{
    struct shard *s = ctx;
    struct analyzer_front_step step;

    analyzer_front_frame(s->front, frame, &step);
    if (step.sweep)
        shard_put_sweep(s, step.frame, step.now);
    if (step.segment)
        shard_route_segment(s, frame, &step);
    s->pending_pos = 2u * step.frame + 1u;
    if (frame->block != 0) {
        s->block_id[frame->block % SHARD_BLOCKS] = frame->block;
        s->block_pos[frame->block % SHARD_BLOCKS] = s->pending_pos;
    }
    if (++s->batch_frames >= SHARD_BATCH_FRAMES || s->batch_bytes >= SHARD_BATCH_BYTES)
        shard_hand_over(s, true);
}

/* Whether worker w is done with every record up to pos: it has stepped
 * past it, or it has released all it was given. */
static bool shard_worker_past(struct shard_worker *w, uint64_t pos)
{
    return atomic_load_explicit(&w->done_pos, memory_order_seq_cst) >= pos || ring_drained(&w->in);
}

static bool shard_all_past(struct shard *s, uint64_t pos)
{
    for (unsigned i = 0; i < s->workers; i++) {
        if (!shard_worker_past(&s->w[i], pos))
            return false;
    }
    return true;
}

/* The position of the last frame of the latest block up to `block` the
 * reader has seen frames of, or 0. */
static uint64_t shard_block_pos(const struct shard *s, uint64_t block)
{
    for (unsigned back = 0; back < SHARD_BLOCKS && back < block; back++) {
        if (s->block_id[(block - back) % SHARD_BLOCKS] == block - back)
            return s->block_pos[(block - back) % SHARD_BLOCKS];
    }
    return 0;
}

void shard_release(struct shard *s, uint64_t block)
{
    uint64_t pos = shard_block_pos(s, block);
    uint64_t ahead = pos;

    if (pos == 0)
        return;
    shard_flush(s);
    for (unsigned spin = 0; spin < SHARD_SPINS; spin++) {
        if (shard_all_past(s, pos))
            return;
    }
    /* Sleeping: wake when the workers are further, if the reader has got
     * further itself, so that it reads several blocks per wake-up. */
    for (unsigned more = SHARD_RELEASE_AHEAD; more > 0; more--) {
        uint64_t later = s->block_id[(block + more) % SHARD_BLOCKS] == block + more
                             ? s->block_pos[(block + more) % SHARD_BLOCKS]
                             : 0;

        if (later > pos) {
            ahead = later;
            break;
        }
    }
    while (!shard_all_past(s, pos)) {
        unsigned generation;

        atomic_store_explicit(&s->reader_wants, ahead, memory_order_seq_cst);
        generation = ring_bell_generation(&s->reader_bell);
        atomic_thread_fence(memory_order_seq_cst);
        if (shard_all_past(s, ahead))
            break;
        ring_bell_wait(&s->reader_bell, generation, SHARD_WORKER_SLEEP_MS);
    }
    atomic_store_explicit(&s->reader_wants, 0, memory_order_relaxed);
}

bool shard_reader_init(struct shard *s, const struct analyzer_options *opts)
{
    s->checksums = opts->checksum_mode != ANALYZER_CHECKSUM_NO;
    s->front = analyzer_front_new(opts);
    return s->front != NULL;
}

/* The front gives up its fragments; every started worker gets the finish
 * record, and everything goes over. */
void shard_reader_finish(struct shard *s, enum event_end how)
{
    analyzer_front_finish(s->front);
    for (unsigned i = 0; i < s->workers; i++) {
        struct shard_item *it;

        if (!s->w[i].started)
            continue;
        it = shard_reserve_in(s, &s->w[i], sizeof *it);
        memset(it, 0, sizeof *it);
        it->kind = SHARD_FINISH;
        it->arg = (uint32_t)how;
        shard_commit_in(&s->w[i]);
    }
    s->pending_pos = SHARD_POS_FINISH;
    shard_flush(s);
}
