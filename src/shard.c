#include "shard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event_copy.h"
#include "flow.h"
#include "ring.h"

/* Where an event belongs in the single-thread order: frame F's idle sweep
 * (position 2F) comes before its packet (2F + 1); within a sweep, flows
 * end least recently seen first (sub: the frame of the flow's last
 * packet); at the end of input (SHARD_POS_FINISH) in flow_id order (sub:
 * the frame that created the flow); seq keeps one worker's events of one
 * step in the order they came. Every worker's events come out in
 * increasing keys, so the writer merges by taking the smallest head once
 * no worker can still produce a smaller one. */
#define SHARD_POS_FINISH (UINT64_MAX - 1u)
#define SHARD_POS_DONE UINT64_MAX

/* Reader -> worker: 512 KiB (hundreds of segments), small enough that
 * what the reader copies in is still in a shared cache when the worker
 * reads it: on the 1.16 GB bench capture 4 MiB rings took about 20% more
 * CPU (the payload crossed memory three times). Its largest record (128
 * KiB) holds any TCP segment (IP lengths are 16 bits). Worker -> writer:
 * events are few and small. */
#define SHARD_IN_RING (512u << 10)
#define SHARD_OUT_RING (1u << 20)
/* The reader hands over a batch at least this often (frames, bytes): the
 * fewer hand-overs, the fewer sleeping workers to wake. */
#define SHARD_BATCH_FRAMES 256u
#define SHARD_BATCH_BYTES (64u << 10)
/* A worker asleep for want of input is woken by the reader's routine
 * hand-overs only once this much waits on its ring (shard_hand_over): on
 * the 1.16 GB bench capture, half as many futex calls (12,300 -> 5,500).
 * Hand-overs that must not wait (end of input, a full ring, the reader
 * waiting for the workers, live capture between packets) wake it anyway. */
#define SHARD_WAKE_BACKLOG (128u << 10)
/* A thread with nothing to do checks again this many times before it
 * sleeps: a wake-up costs more than a short spin. */
#define SHARD_SPINS 2000u
/* Sleeps are timed anyway; the writer's bounds how late an event can be
 * when a worker keeps busy without producing any. */
#define SHARD_WORKER_SLEEP_MS 1000u
#define SHARD_WRITER_SLEEP_MS 100u
/* Blocks of held frames (shard_release) whose last frame is remembered:
 * at least as many as the capture rotates through (PCAPFILE_HOLD_BLOCKS). */
#define SHARD_BLOCKS 64u
/* A reader that must wait for a block sleeps until the workers are done
 * with this many more blocks after it, if it has delivered them: it then
 * reads several blocks at one go instead of waking once per block. With
 * PCAPFILE_HOLD_BLOCKS = 4 that is every block delivered; 1 (two of the
 * four) keeps the workers fed while the reader reads, but measured no
 * faster on b1g (0.39 against 0.40 s, noise) for 30% more futex calls. */
#define SHARD_RELEASE_AHEAD 3u
/* A producer facing a full ring polls it this often. */
#define SHARD_FULL_POLL_NS 100000L

enum shard_item_kind { SHARD_SEGMENT, SHARD_SWEEP, SHARD_FINISH };

/* One record on a worker's input ring: a sweep or the finish. */
struct shard_item {
    uint32_t kind;
    uint32_t arg; /* finish: enum event_end */
    uint64_t frame;
    struct event_time ts; /* sweep: the clock */
};

/* A TCP segment on a worker's input ring: only the fields of its
 * packet_view the worker reads (not the fragment part, which segments
 * never use), and the addresses at their length (8 bytes for IPv4, 32 for
 * IPv6) after it, then the payload if it follows. The whole view was 152
 * bytes a segment, a quarter of a GB of ring writes per GB of capture. */
struct shard_segment {
    uint32_t kind; /* SHARD_SEGMENT: first, as in shard_item */
    uint8_t overlap_conflict;
    uint8_t ip_version;
    uint8_t tcp_flags;
    uint8_t checksum; /* enum decode_checksum: UNCHECKED when the worker
                         can judge it in the held frame itself */
    uint64_t frame;
    uint64_t hash; /* flow_hash_view, so the worker hashes no more */
    int64_t ts_sec;
    uint32_t ts_usec;
    uint32_t seq;
    uint32_t ack;
    uint16_t src_port;
    uint16_t dst_port;
    uint16_t window;
    uint8_t tcp_header_len; /* held: the TCP and IPv4 headers lie just */
    uint8_t ip_header_len;  /* before the payload, in the frame */
    uint32_t payload_len;
    uint32_t payload_missing;
    uint32_t pad3;
    const uint8_t *payload; /* in a held frame (shard_release), or NULL
                               when the bytes follow the addresses */
};

enum shard_record_kind { SHARD_EVENT, SHARD_EVENT_HEAP, SHARD_FLOW_CREATED, SHARD_FLOW_RETIRED };

/* One record on a worker's output ring; a packed event follows, or for
 * SHARD_EVENT_HEAP a pointer to one (an event too big for the ring). */
struct shard_record {
    uint64_t pos;
    uint64_t sub;
    uint64_t seq;
    uint64_t flow_id; /* markers: the worker's id of the flow */
    uint32_t kind;
    uint32_t pad;
};

struct shard_worker {
    struct shard *shard;
    pthread_t thread;
    bool started;
    struct ring in;
    struct ring out;
    struct ring_bell bell; /* the worker sleeps here for input */
    struct analyzer *an;
    bool in_pending; /* reader: records committed, not published */
    /* Worker's side: the order key of what it emits now. */
    uint64_t pos;
    uint64_t sub;
    uint64_t seq;
    bool snapshot_stale;
    bool out_unannounced; /* events published, the writer not told */
    size_t announced_at;  /* output ring bytes at the last announcement */
    /* Last position whose events are all on the output ring. */
    _Alignas(64) _Atomic uint64_t done_pos;
    /* The writer waits for done_pos to reach this (0: it does not). */
    _Atomic uint64_t wanted;
    /* Counters for the live stats event, copied by the worker. */
    pthread_mutex_t snapshot_mutex;
    struct analyzer_stats snapshot;
    struct analyzer_usage usage;
};

/* The writer's map from a worker's flow id (the creating frame: unique
 * over all workers) to the flow_id a single thread gives; entries go when
 * the worker retires the flow. Open addressing, linear probing. */
struct shard_id_map {
    uint64_t *keys; /* 0: empty */
    uint64_t *values;
    size_t mask;
    size_t count;
};

struct shard {
    unsigned workers;
    struct shard_worker *w;
    struct analyzer *front;
    struct analyzer_front_hooks front_hooks;
    event_sink_fn sink;
    event_sink_fn stats_sink;
    void *sink_ctx;
    /* Reader's batch. */
    uint64_t pending_pos; /* every record up to here is committed */
    const struct capture_frame *frame; /* the one being analyzed */
    /* Held frames: the position of the last frame of each recent block. */
    uint64_t block_id[SHARD_BLOCKS];
    uint64_t block_pos[SHARD_BLOCKS];
    /* The reader sleeps on its bell until every worker is past this
     * position (0: it does not wait). */
    _Alignas(64) _Atomic uint64_t reader_wants;
    struct ring_bell reader_bell;
    unsigned batch_frames;
    size_t batch_bytes;
    /* Every record up to this position is on the workers' rings. */
    _Alignas(64) _Atomic uint64_t published;
    _Atomic uint64_t wanted_published; /* the writer waits for it (0: no) */
    _Atomic bool writer_wants_events;
    struct ring_bell writer_bell;
    pthread_t writer;
    bool writer_started;
    bool finished;
    bool failed; /* setting up failed: no summary to emit */
    bool checksums; /* --checksum-validation is not "no" */
    /* Writer's state. */
    struct shard_id_map ids;
    uint64_t last_flow_id;
    struct event_copy_view view;
    /* Where every worker's sweep stops (shard_hook_sweep_stop). */
    pthread_mutex_t sweep_mutex;
    pthread_cond_t sweep_cond;
    unsigned sweep_arrived;
    uint64_t sweep_round;
    uint64_t sweep_min;
    uint64_t sweep_result;
    /* The stats event waiting for the writer. */
    pthread_mutex_t mail_mutex;
    _Atomic bool mail_full;
    struct event mail;
};

/* ------------------------------------------------------------ id map */

static size_t shard_id_slot(const struct shard_id_map *m, uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & m->mask;
}

static bool shard_id_grow(struct shard_id_map *m)
{
    struct shard_id_map bigger;
    size_t size = m->keys == NULL ? 1024 : (m->mask + 1) * 2;

    bigger.keys = calloc(size, sizeof bigger.keys[0]);
    bigger.values = malloc(size * sizeof bigger.values[0]);
    if (bigger.keys == NULL || bigger.values == NULL) {
        free(bigger.keys);
        free(bigger.values);
        return false;
    }
    bigger.mask = size - 1;
    bigger.count = m->count;
    for (size_t i = 0; m->keys != NULL && i <= m->mask; i++) {
        size_t at;

        if (m->keys[i] == 0)
            continue;
        for (at = shard_id_slot(&bigger, m->keys[i]); bigger.keys[at] != 0; at = (at + 1) & bigger.mask)
            ;
        bigger.keys[at] = m->keys[i];
        bigger.values[at] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    *m = bigger;
    return true;
}

/* Grows at half full; the number of live flows bounds it (every worker
 * retires its flows), so it stays within the flow tables' size. */
static void shard_id_put(struct shard_id_map *m, uint64_t key, uint64_t value)
{
    size_t at;

    if ((m->count + 1) * 2 > (m->keys == NULL ? 0 : m->mask + 1) && !shard_id_grow(m))
        return; /* out of memory: its events show flow_id 0 */
    for (at = shard_id_slot(m, key); m->keys[at] != 0 && m->keys[at] != key; at = (at + 1) & m->mask)
        ;
    if (m->keys[at] == 0)
        m->count++;
    m->keys[at] = key;
    m->values[at] = value;
}

static size_t shard_id_find(const struct shard_id_map *m, uint64_t key)
{
    if (m->keys == NULL)
        return SIZE_MAX;
    for (size_t at = shard_id_slot(m, key); m->keys[at] != 0; at = (at + 1) & m->mask) {
        if (m->keys[at] == key)
            return at;
    }
    return SIZE_MAX;
}

/* Deletion by shifting back the entries after it, so no tombstones. */
static void shard_id_remove(struct shard_id_map *m, uint64_t key)
{
    size_t hole = shard_id_find(m, key);

    if (hole == SIZE_MAX)
        return;
    m->count--;
    for (size_t at = (hole + 1) & m->mask; m->keys[at] != 0; at = (at + 1) & m->mask) {
        size_t home = shard_id_slot(m, m->keys[at]);

        /* Moves it when its home is not within (hole, at]. */
        if (((at - home) & m->mask) >= ((at - hole) & m->mask)) {
            m->keys[hole] = m->keys[at];
            m->values[hole] = m->values[at];
            hole = at;
        }
    }
    m->keys[hole] = 0;
}

/* ------------------------------------------------------------ waiting */

static void shard_pause(void)
{
    struct timespec ts = { 0, SHARD_FULL_POLL_NS };

    nanosleep(&ts, NULL);
}

static void shard_wake_writer(struct shard *s)
{
    ring_bell_ring(&s->writer_bell);
}

/* ------------------------------------------------------------- reader */

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

static void shard_on_sweep(void *ctx, uint64_t frame, struct event_time now)
{
    struct shard *s = ctx;

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
static void shard_put_segment(struct shard *s, struct shard_worker *w, uint64_t frame, const struct packet_view *v,
                              uint64_t hash, struct event_time ts, bool overlap_conflict, bool held, size_t copy)
{
    size_t alen = shard_addr_len(v);
    struct shard_segment *g = shard_reserve_in(s, w, sizeof *g + alen + copy);
    uint8_t *addr = (uint8_t *)(g + 1);

    g->kind = SHARD_SEGMENT;
    g->overlap_conflict = overlap_conflict;
    g->ip_version = v->ip_version;
    g->tcp_flags = v->tcp_flags;
    g->checksum = shard_checksum(s, v, held);
    g->frame = frame;
    g->hash = hash;
    g->ts_sec = ts.sec;
    g->ts_usec = ts.usec;
    g->seq = v->seq;
    g->ack = v->ack;
    g->src_port = v->src_port;
    g->dst_port = v->dst_port;
    g->window = v->window;
    g->tcp_header_len = v->tcp_header_len;
    g->ip_header_len = v->ip_header_len;
    g->payload_len = held ? v->payload_len : (uint32_t)copy;
    g->payload_missing = v->payload_missing + (held ? 0u : v->payload_len - (uint32_t)copy);
    g->pad3 = 0;
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

static void shard_on_segment(void *ctx, uint64_t frame, const struct packet_view *v, uint64_t hash,
                             struct event_time ts, bool overlap_conflict)
{
    struct shard *s = ctx;
    struct shard_worker *w = &s->w[shard_of(s, hash)];
    const struct capture_frame *f = s->frame;
    size_t len = v->payload_len;
    size_t room;
    uintptr_t at = (uintptr_t)v->payload;
    bool held = f != NULL && f->block != 0 && at >= (uintptr_t)f->data && at + len <= (uintptr_t)f->data + f->caplen;

    if (held) {
        /* The payload lies in the frame, whose bytes stay until the
         * capture asks for them back (shard_release): the worker reads
         * them there, and they cross memory once less. */
        shard_put_segment(s, w, frame, v, hash, ts, overlap_conflict, true, 0);
        return;
    }
    /* A datagram put together from fragments, or a frame from libpcap:
     * the bytes go onto the ring. TCP payloads are far smaller (64 KiB);
     * should one not fit, the rest counts as cut by the snapshot length. */
    room = ring_max_record(&w->in) - sizeof(struct shard_segment) - shard_addr_len(v);
    if (len > room)
        len = room;
    shard_put_segment(s, w, frame, v, hash, ts, overlap_conflict, false, len);
}

void shard_frame(void *ctx, const struct capture_frame *frame)
{
    struct shard *s = ctx;

    s->frame = frame;
    analyzer_frame(s->front, frame);
    s->frame = NULL;
    s->pending_pos = 2u * analyzer_get_stats(s->front)->frames + 1u;
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

/* ------------------------------------------------------------- worker */

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

static void shard_hook_created(void *ctx, uint64_t flow_id)
{
    shard_marker(ctx, SHARD_FLOW_CREATED, flow_id);
}

static void shard_hook_retired(void *ctx, uint64_t flow_id)
{
    shard_marker(ctx, SHARD_FLOW_RETIRED, flow_id);
}

static void shard_worker_done(struct shard_worker *w, uint64_t pos);

/* Every worker gets every sweep, in the same place in its input, so they
 * meet here once per second of packet time: the sweep stops at the
 * earliest stop over all of them (analyzer_sweep_stop). Before waiting, a
 * worker declares everything before the sweep done: a worker still short
 * of the sweep and stuck on a full output ring then gets its events
 * written, reaches the sweep, and the meeting cannot deadlock. */
static uint64_t shard_hook_sweep_stop(void *ctx, uint64_t frame)
{
    struct shard_worker *w = ctx;
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
    w->snapshot = *analyzer_get_stats(w->an);
    analyzer_get_usage(w->an, &w->usage);
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
    analyzer_back_segment(w->an, g->frame, &v, g->hash, ts, g->overlap_conflict != 0);
    w->snapshot_stale = true;
}

/* Runs one input record; returns false after the last. */
static bool shard_worker_step(struct shard_worker *w, const struct shard_item *it)
{

    switch ((enum shard_item_kind)it->kind) {
    case SHARD_SWEEP:
        w->pos = 2u * it->frame;
        analyzer_back_sweep(w->an, it->frame, it->ts);
        shard_take_snapshot(w);
        return true;
    case SHARD_SEGMENT:
        shard_worker_segment(w, (const struct shard_segment *)(const void *)it);
        return true;
    case SHARD_FINISH:
        w->pos = SHARD_POS_FINISH;
        analyzer_back_finish(w->an, (enum event_end)it->arg);
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

static void *shard_worker_main(void *arg)
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

/* ------------------------------------------------------------- writer */

static void shard_deliver_mail(struct shard *s)
{
    struct event ev;

    if (!atomic_load_explicit(&s->mail_full, memory_order_acquire))
        return;
    pthread_mutex_lock(&s->mail_mutex);
    ev = s->mail;
    atomic_store_explicit(&s->mail_full, false, memory_order_relaxed);
    pthread_mutex_unlock(&s->mail_mutex);
    s->stats_sink(s->sink_ctx, &ev);
}

static void shard_emit(struct shard *s, const struct shard_record *r)
{
    const void *packed = r + 1;
    void *blob = NULL;
    size_t at;
    const struct event_flow **flow = NULL;

    switch ((enum shard_record_kind)r->kind) {
    case SHARD_FLOW_CREATED: shard_id_put(&s->ids, r->flow_id, ++s->last_flow_id); return;
    case SHARD_FLOW_RETIRED: shard_id_remove(&s->ids, r->flow_id); return;
    case SHARD_EVENT_HEAP:
        memcpy(&blob, packed, sizeof blob);
        packed = blob;
        break;
    case SHARD_EVENT: break;
    }
    event_copy_unpack(packed, &s->view);
    switch (s->view.ev.type) {
    case EVENT_AUTH: flow = &s->view.ev.u.auth.flow; break;
    case EVENT_SESSION: flow = &s->view.ev.u.session.flow; break;
    case EVENT_ALERT: flow = &s->view.ev.u.alert.flow; break;
    default: break;
    }
    if (flow != NULL) {
        at = shard_id_find(&s->ids, s->view.flow.flow_id);
        s->view.flow.flow_id = at == SIZE_MAX ? 0 : s->ids.values[at];
    }
    s->sink(s->sink_ctx, &s->view.ev);
    free(blob);
}

/* How far worker w is known to be: its last finished record, or, when it
 * has finished every record handed over, how far the reader has handed
 * over. Loads in this order, so the events before are visible. */
static uint64_t shard_progress(struct shard *s, struct shard_worker *w)
{
    uint64_t done = atomic_load_explicit(&w->done_pos, memory_order_seq_cst);
    uint64_t published = atomic_load_explicit(&s->published, memory_order_seq_cst);

    if (published > done && ring_drained(&w->in))
        return published;
    return done;
}

struct shard_candidate {
    const struct shard_record *r;
    unsigned worker;
};

static bool shard_before(const struct shard_record *a, const struct shard_record *b)
{
    if (a->pos != b->pos)
        return a->pos < b->pos;
    if (a->sub != b->sub)
        return a->sub < b->sub;
    return a->seq < b->seq;
}

/* The smallest head of the output rings, or r NULL when all are empty. */
static struct shard_candidate shard_smallest(struct shard *s)
{
    struct shard_candidate c = { NULL, 0 };

    for (unsigned i = 0; i < s->workers; i++) {
        size_t len;
        const struct shard_record *r = ring_peek(&s->w[i].out, &len);

        if (r != NULL && (c.r == NULL || shard_before(r, c.r))) {
            c.r = r;
            c.worker = i;
        }
    }
    return c;
}

/* Whether candidate c can go out now: every other worker either has a
 * later head, or has an empty ring and is past c's position (progress is
 * read before the ring, so what it finished is visible). Returns -1 when
 * it can, -2 when a head smaller than c appeared since c was picked (pick
 * again), else the worker to wait for. */
static int shard_blocking(struct shard *s, const struct shard_candidate *c)
{
    for (unsigned i = 0; i < s->workers; i++) {
        uint64_t progress;
        const struct shard_record *r;
        size_t len;

        if (i == c->worker)
            continue;
        progress = shard_progress(s, &s->w[i]);
        r = ring_peek(&s->w[i].out, &len);
        if (r != NULL && shard_before(r, c->r))
            return -2;
        if (r == NULL && progress < c->r->pos)
            return (int)i;
    }
    return -1;
}

static bool shard_all_done(struct shard *s)
{
    for (unsigned i = 0; i < s->workers; i++) {
        size_t len;

        if (atomic_load_explicit(&s->w[i].done_pos, memory_order_seq_cst) != SHARD_POS_DONE ||
            ring_peek(&s->w[i].out, &len) != NULL)
            return false;
    }
    return true;
}

/* Nothing on any ring: sleep until a worker emits or finishes. */
static void shard_writer_idle(struct shard *s)
{
    unsigned generation;
    struct shard_candidate c;

    atomic_store_explicit(&s->writer_wants_events, true, memory_order_seq_cst);
    generation = ring_bell_generation(&s->writer_bell);
    c = shard_smallest(s);
    if (c.r == NULL && !shard_all_done(s) && !atomic_load_explicit(&s->mail_full, memory_order_acquire))
        ring_bell_wait(&s->writer_bell, generation, SHARD_WRITER_SLEEP_MS);
    atomic_store_explicit(&s->writer_wants_events, false, memory_order_relaxed);
}

/* The head is held back by worker b: sleep until b (or the reader, for an
 * idle b) gets to pos. */
static void shard_writer_wait_for(struct shard *s, unsigned b, uint64_t pos)
{
    struct shard_worker *w = &s->w[b];
    uint64_t published = atomic_load_explicit(&s->published, memory_order_relaxed);
    unsigned generation;
    size_t len;

    /* Waking for exactly pos would wake once per event; where the reader
     * is now lets everything up to there through at once. */
    atomic_store_explicit(&w->wanted, published > pos ? published : pos, memory_order_seq_cst);
    atomic_store_explicit(&s->wanted_published, pos, memory_order_seq_cst);
    generation = ring_bell_generation(&s->writer_bell);
    if (shard_progress(s, w) < pos && ring_peek(&w->out, &len) == NULL &&
        !atomic_load_explicit(&s->mail_full, memory_order_acquire))
        ring_bell_wait(&s->writer_bell, generation, SHARD_WRITER_SLEEP_MS);
    atomic_store_explicit(&w->wanted, 0, memory_order_relaxed);
    atomic_store_explicit(&s->wanted_published, 0, memory_order_relaxed);
}

static void *shard_writer_main(void *arg)
{
    struct shard *s = arg;

    for (;;) {
        struct shard_candidate c;
        int b;

        shard_deliver_mail(s);
        c = shard_smallest(s);
        if (c.r == NULL) {
            if (shard_all_done(s))
                break;
            shard_writer_idle(s);
            continue;
        }
        b = shard_blocking(s, &c);
        if (b == -2)
            continue;
        if (b >= 0) {
            shard_writer_wait_for(s, (unsigned)b, c.r->pos);
            continue;
        }
        shard_emit(s, c.r);
        ring_release(&s->w[c.worker].out);
    }
    return NULL;
}

/* -------------------------------------------------------------- setup */

static size_t shard_divide(size_t total, unsigned parts)
{
    size_t share = total / parts + (total % parts != 0);

    return share > 0 ? share : 1;
}

static bool shard_worker_init(struct shard *s, struct shard_worker *w, const struct analyzer_options *opts)
{
    struct analyzer_options mine = *opts;
    struct analyzer_back_hooks hooks = { shard_hook_order, shard_hook_created, shard_hook_retired,
                                         shard_hook_sweep_stop, w };

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
    w->an = analyzer_new(&mine, shard_worker_event, w);
    if (w->an == NULL) {
        ring_fini(&w->in);
        ring_fini(&w->out);
        ring_bell_fini(&w->bell);
        pthread_mutex_destroy(&w->snapshot_mutex);
        return false;
    }
    analyzer_set_back(w->an, &hooks);
    return true;
}

static void shard_worker_fini(struct shard_worker *w)
{
    analyzer_free(w->an);
    ring_fini(&w->in);
    ring_fini(&w->out);
    ring_bell_fini(&w->bell);
    pthread_mutex_destroy(&w->snapshot_mutex);
}

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
    s->checksums = opts->checksum_mode != ANALYZER_CHECKSUM_NO;
    s->sink = sink;
    s->stats_sink = stats_sink;
    s->sink_ctx = sink_ctx;
    s->front_hooks = (struct analyzer_front_hooks){ shard_on_sweep, shard_on_segment, s };
    atomic_init(&s->published, 0);
    atomic_init(&s->wanted_published, 0);
    atomic_init(&s->writer_wants_events, false);
    atomic_init(&s->mail_full, false);
    atomic_init(&s->reader_wants, 0);
    flow_hash_init();
    s->w = calloc(s->workers, sizeof s->w[0]);
    s->front = analyzer_new_front(opts, &s->front_hooks);
    if (s->w == NULL || s->front == NULL || !ring_bell_init(&s->writer_bell))
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
    analyzer_free(s->front);
    free(s->w);
    free(s);
    return NULL;
}

/* ------------------------------------------------------------ the end */

void shard_finish(struct shard *s, enum event_end how)
{
    struct analyzer_usage use;
    struct event ev;

    if (s->finished)
        return;
    s->finished = true;
    analyzer_finish(s->front, how);
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
        analyzer_merge_summary(s->w[0].an, s->w[i].an);
    analyzer_get_usage(s->front, &use);
    analyzer_summary_event(s->w[0].an, use.now, &ev);
    s->sink(s->sink_ctx, &ev);
}

void shard_free(struct shard *s)
{
    if (s == NULL)
        return;
    for (unsigned i = 0; i < s->workers; i++)
        shard_worker_fini(&s->w[i]);
    free(s->w);
    analyzer_free(s->front);
    free(s->ids.keys);
    free(s->ids.values);
    ring_bell_fini(&s->writer_bell);
    ring_bell_fini(&s->reader_bell);
    pthread_mutex_destroy(&s->mail_mutex);
    pthread_mutex_destroy(&s->sweep_mutex);
    pthread_cond_destroy(&s->sweep_cond);
    free(s);
}

/* -------------------------------------------------------------- stats */

static void shard_add_back(struct analyzer_stats *into, const struct analyzer_stats *b)
{
    into->flows_created += b->flows_created;
    into->flows_active += b->flows_active;
    into->flows_evicted += b->flows_evicted;
    into->flows_timed_out += b->flows_timed_out;
    into->pop3_sessions += b->pop3_sessions;
    into->sessions_active += b->sessions_active;
    into->sessions_refused += b->sessions_refused;
    into->held_bytes_dropped += b->held_bytes_dropped;
    into->gap_bytes += b->gap_bytes;
    into->checksum_dropped += b->checksum_dropped;
    into->checksum_offloaded += b->checksum_offloaded;
    into->checksum_merged += b->checksum_merged;
}

void shard_get_stats(struct shard *s, struct analyzer_stats *out)
{
    *out = *analyzer_get_stats(s->front);
    for (unsigned i = 0; i < s->workers; i++) {
        pthread_mutex_lock(&s->w[i].snapshot_mutex);
        shard_add_back(out, &s->w[i].snapshot);
        pthread_mutex_unlock(&s->w[i].snapshot_mutex);
    }
}

void shard_get_usage(struct shard *s, struct analyzer_usage *out)
{
    analyzer_get_usage(s->front, out);
    for (unsigned i = 0; i < s->workers; i++) {
        pthread_mutex_lock(&s->w[i].snapshot_mutex);
        out->memory_flows += s->w[i].usage.memory_flows;
        out->memory_sessions += s->w[i].usage.memory_sessions;
        out->memory_reassembly += s->w[i].usage.memory_reassembly;
        pthread_mutex_unlock(&s->w[i].snapshot_mutex);
    }
}

void shard_post_stats(struct shard *s, const struct event *ev)
{
    pthread_mutex_lock(&s->mail_mutex);
    s->mail = *ev;
    atomic_store_explicit(&s->mail_full, true, memory_order_release);
    pthread_mutex_unlock(&s->mail_mutex);
    shard_wake_writer(s);
}
