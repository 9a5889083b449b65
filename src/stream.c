#include "stream.h"

#include <stdlib.h>
#include <string.h>

#include "decode.h"

/* A held piece of the stream: either copied bytes, or a "missing" marker
 * for bytes the capture cut (snaplen) that sit inside held data. Pieces
 * form held segments, as the receiver keeps them (see stream_insert_linux):
 * a segment is a run of contiguous pieces opened by one with seg_start;
 * segments are kept in the order of their first byte and may overlap. */
struct stream_chunk {
    struct stream_chunk *next;
    uint32_t seq;
    uint32_t len;      /* sequence space covered */
    uint8_t missing;   /* no bytes: the range is a known hole */
    uint8_t seg_start; /* the first piece of a held segment */
    uint8_t data[STREAM_CHUNK_SIZE - 24u];
};

#define STREAM_CHUNK_DATA ((uint32_t)sizeof(((struct stream_chunk *)0)->data))

_Static_assert(sizeof(struct stream_chunk) <= STREAM_CHUNK_SIZE, "a chunk fits its advertised size");

/* Chunks are created in slabs so the pool grows in a few large steps and
 * then recycles; steady state allocates nothing. */
#define STREAM_SLAB_CHUNKS 32u

struct stream_slab {
    struct stream_slab *next;
    struct stream_chunk chunks[];
};

struct stream_pool {
    struct stream_chunk *free_list;
    struct stream_slab *slabs;
    uint64_t max_chunks;
    uint64_t max_chunks_per_stream;
    enum stream_overlap_policy policy;
    struct stream_pool_stats stats;
};

/* Delivered bytes kept per direction to compare retransmissions with: a
 * ring indexed by sequence number, so 2^32 wraps cleanly (a power of two). */
#define STREAM_HISTORY_SIZE 1024u
_Static_assert(STREAM_HISTORY_SIZE <= sizeof(((struct stream_chunk *)0)->data), "the history ring fits a chunk");

/* A segment being processed: captured bytes then `missing` cut bytes. */
struct stream_seg {
    uint32_t seq;
    const uint8_t *data;
    uint32_t len;
    uint32_t missing;
};

/* No real segment comes near this; a bigger claim is a lie in the headers,
 * and keeping every length below 2^30 keeps sequence comparisons exact. */
#define STREAM_MAX_SEGMENT (1u << 30)

/* The largest window TCP can advertise (RFC 7323 §2.3: 65535 << 14). */
#define STREAM_MAX_WINDOW (1u << 30)

/* The most an ACK alone may declare missing at once: one unscaled window. */
#define STREAM_ACK_GAP_MAX 65536u

/* Sequence numbers compare modulo 2^32 (RFC 9293 §3.4): a is before b when
 * b - a, as an unsigned distance, is less than half the space. */
static int stream_seq_before(uint32_t a, uint32_t b)
{
    return (uint32_t)(a - b) >= 0x80000000u;
}

static int stream_seq_after(uint32_t a, uint32_t b)
{
    return stream_seq_before(b, a);
}

static uint32_t stream_seq_min(uint32_t a, uint32_t b)
{
    return stream_seq_before(a, b) ? a : b;
}

static uint32_t stream_seq_max(uint32_t a, uint32_t b)
{
    return stream_seq_before(a, b) ? b : a;
}

/* ------------------------------------------------------------------ pool */

struct stream_pool *stream_pool_new(size_t max_bytes_total, size_t max_bytes_per_stream)
{
    struct stream_pool *pool = calloc(1, sizeof *pool);

    if (pool == NULL)
        return NULL;
    pool->max_chunks = max_bytes_total / STREAM_CHUNK_SIZE;
    pool->max_chunks_per_stream = max_bytes_per_stream / STREAM_CHUNK_SIZE;
    return pool;
}

void stream_pool_free(struct stream_pool *pool)
{
    struct stream_slab *slab;

    if (pool == NULL)
        return;
    while ((slab = pool->slabs) != NULL) {
        pool->slabs = slab->next;
        free(slab);
    }
    free(pool);
}

void stream_pool_get_stats(const struct stream_pool *pool, struct stream_pool_stats *out)
{
    *out = pool->stats;
}

static int stream_pool_grow(struct stream_pool *pool)
{
    uint64_t room = pool->max_chunks - pool->stats.chunks_allocated;
    size_t count = room < STREAM_SLAB_CHUNKS ? (size_t)room : STREAM_SLAB_CHUNKS;
    struct stream_slab *slab;

    if (count == 0)
        return -1;
    slab = malloc(sizeof *slab + count * sizeof slab->chunks[0]);
    if (slab == NULL)
        return -1;
    slab->next = pool->slabs;
    pool->slabs = slab;
    for (size_t i = 0; i < count; i++) {
        slab->chunks[i].next = pool->free_list;
        pool->free_list = &slab->chunks[i];
    }
    pool->stats.chunks_allocated += count;
    return 0;
}

/* A free chunk, counted in use; NULL when the pool is at its limit. */
static struct stream_chunk *stream_pool_take(struct stream_pool *pool)
{
    struct stream_chunk *c;

    if (pool->free_list == NULL && stream_pool_grow(pool) != 0)
        return NULL;
    c = pool->free_list;
    pool->free_list = c->next;
    c->next = NULL;
    pool->stats.chunks_in_use++;
    if (pool->stats.chunks_in_use > pool->stats.chunks_peak)
        pool->stats.chunks_peak = pool->stats.chunks_in_use;
    return c;
}

/* NULL when this stream or the whole pool is at its limit. */
static struct stream_chunk *stream_chunk_get(struct stream_pool *pool, struct stream *s)
{
    struct stream_chunk *c;

    if (s->held_chunks >= pool->max_chunks_per_stream)
        return NULL;
    c = stream_pool_take(pool);
    if (c != NULL)
        s->held_chunks++;
    return c;
}

static void stream_chunk_put(struct stream_pool *pool, struct stream *s, struct stream_chunk *c)
{
    c->next = pool->free_list;
    pool->free_list = c;
    s->held_chunks--;
    pool->stats.chunks_in_use--;
}

void stream_pool_set_policy(struct stream_pool *pool, enum stream_overlap_policy policy)
{
    pool->policy = policy;
}

/* The history ring of a direction that delivers bytes: one chunk, taken
 * within the pool's total limit but not the per-direction one (it holds
 * no out-of-order byte). Without room, retransmissions go uncompared. */
static struct stream_chunk *stream_history(struct stream_pool *pool, struct stream *s)
{
    struct stream_chunk *c = s->history;

    if (c != NULL)
        return c;
    /* Histories may take a quarter of the pool at most, so they never
     * crowd out the out-of-order bytes the limits are for. */
    if (pool->stats.history_chunks >= pool->max_chunks / 4u)
        return NULL;
    c = stream_pool_take(pool);
    if (c == NULL)
        return NULL;
    c->seq = s->next_seq;
    c->len = 0;
    pool->stats.history_chunks++;
    s->history = c;
    return c;
}

static void stream_history_release(struct stream *s, struct stream_pool *pool)
{
    struct stream_chunk *c = s->history;

    if (c == NULL)
        return;
    c->next = pool->free_list;
    pool->free_list = c;
    pool->stats.chunks_in_use--;
    pool->stats.history_chunks--;
    s->history = NULL;
}

/* Remembers the n bytes about to be delivered at next_seq (their last
 * STREAM_HISTORY_SIZE). Bytes after a gap start the ring again. */
static void stream_history_add(struct stream *s, struct stream_pool *pool, const uint8_t *bytes, uint32_t n)
{
    struct stream_chunk *h = stream_history(pool, s);
    uint32_t seq = s->next_seq;
    uint32_t pos;
    uint32_t first;

    if (h == NULL)
        return;
    if (h->seq != seq)
        h->len = 0;
    if (n > STREAM_HISTORY_SIZE) {
        bytes += n - STREAM_HISTORY_SIZE;
        seq += n - STREAM_HISTORY_SIZE;
        n = STREAM_HISTORY_SIZE;
    }
    pos = seq & (STREAM_HISTORY_SIZE - 1u);
    first = STREAM_HISTORY_SIZE - pos < n ? STREAM_HISTORY_SIZE - pos : n;
    memcpy(h->data + pos, bytes, first);
    memcpy(h->data, bytes + first, n - first);
    h->seq = seq + n;
    h->len = h->len + n > STREAM_HISTORY_SIZE ? STREAM_HISTORY_SIZE : h->len + n;
}

/* True when bytes [seq, seq + n) differ from what was delivered there, as
 * far as the history still holds it. */
static int stream_history_differs(const struct stream *s, uint32_t seq, const uint8_t *bytes, uint32_t n)
{
    const struct stream_chunk *h = s->history;
    uint32_t lo;
    uint32_t hi;

    if (h == NULL || h->len == 0 || n == 0)
        return 0;
    lo = stream_seq_max(seq, h->seq - h->len);
    hi = stream_seq_min(seq + n, h->seq);
    for (uint32_t q = lo; stream_seq_before(q, hi); q++)
        if (h->data[q & (STREAM_HISTORY_SIZE - 1u)] != bytes[q - seq])
            return 1;
    return 0;
}

/* Every delivery of bytes passes here, at next_seq, before it advances. */
static void stream_deliver(struct stream *s, struct stream_pool *pool, const uint8_t *bytes, uint32_t n,
                           struct event_time ts, const struct stream_sink *sink)
{
    stream_history_add(s, pool, bytes, n);
    sink->data(sink->ctx, bytes, n, ts);
}

/* ---------------------------------------------------------------- stream */

void stream_init(struct stream *s)
{
    memset(s, 0, sizeof *s);
}

int stream_holding(const struct stream *s)
{
    return !(s->flags & STREAM_F_COUNTING) && s->held != NULL;
}

static int stream_count_has_holes(const struct stream *s)
{
    for (unsigned i = 0; i < STREAM_COUNT_HOLES; i++)
        if (s->holes[i].start != s->holes[i].end)
            return 1;
    return 0;
}

int stream_complete(const struct stream *s)
{
    if (!(s->flags & STREAM_F_FIN) || s->next_seq != s->fin_seq)
        return 0;
    if (s->flags & STREAM_F_COUNTING)
        return !stream_count_has_holes(s);
    return s->held == NULL;
}

void stream_release(struct stream *s, struct stream_pool *pool)
{
    struct stream_chunk *c;

    stream_history_release(s, pool);
    if (s->flags & STREAM_F_COUNTING)
        return; /* holds no chunk: the union carries holes */
    while ((c = s->held) != NULL) {
        s->held = c->next;
        stream_chunk_put(pool, s, c);
    }
}

int stream_rst_in_window(const struct stream *s, uint32_t seq)
{
    if (!(s->flags & STREAM_F_STARTED))
        return 1;
    return (uint32_t)(seq - s->next_seq) <= STREAM_RST_WINDOW;
}

int stream_foreign_syn(const struct stream *s, uint32_t seq)
{
    if (!(s->flags & STREAM_F_STARTED))
        return 0;
    if (s->flags & STREAM_F_SYN)
        return seq != s->isn && s->next_seq != s->isn + 1u;
    return 1; /* picked up mid-stream: a SYN now can only open another one */
}

/* A SYN with another ISN before any byte went through is a new attempt:
 * the first SYN went unanswered and the peer chose again (RFC 9293 §3.4),
 * or the answer to it was lost. Data will follow the newer ISN. */
static int stream_syn_restarts(const struct stream *s, uint32_t seq)
{
    int holding = (s->flags & STREAM_F_COUNTING) == 0 && s->held != NULL;

    return (s->flags & STREAM_F_SYN) && seq != s->isn && s->next_seq == s->isn + 1u &&
           !(s->flags & STREAM_F_FIN) && !holding;
}

/* SYN, FIN and RST bookkeeping shared by stream_segment and stream_count.
 * Returns the sequence number of the first payload byte. */
static uint32_t stream_note_flags(struct stream *s, uint8_t tcp_flags, uint32_t seq, uint32_t total)
{
    if (tcp_flags & TCP_FLAG_SYN) {
        if (!(s->flags & STREAM_F_STARTED) || stream_syn_restarts(s, seq)) {
            s->isn = seq;
            s->next_seq = seq + 1u;
            s->flags |= STREAM_F_STARTED | STREAM_F_SYN;
        }
        seq += 1u; /* the SYN occupies one sequence number (RFC 9293 §3.4) */
    } else if (!(s->flags & STREAM_F_STARTED)) {
        /* Mid-stream pickup: the first segment seen defines the start. */
        s->next_seq = seq;
        s->flags |= STREAM_F_STARTED;
    }
    if ((tcp_flags & TCP_FLAG_FIN) && !(s->flags & STREAM_F_FIN)) {
        s->fin_seq = seq + total;
        s->flags |= STREAM_F_FIN;
    }
    if ((tcp_flags & TCP_FLAG_RST) && stream_rst_in_window(s, seq))
        s->flags |= STREAM_F_RST;
    return seq;
}

/* RFC 7323 §2.3: a window never exceeds 2^30 bytes, so a segment that
 * starts further ahead than that cannot be accepted by the receiver: it is
 * forged or belongs to another connection. Holding it would only turn into
 * a huge invented gap. */
static int stream_out_of_window(const struct stream *s, uint8_t tcp_flags, uint32_t seq)
{
    uint32_t ahead = seq - s->next_seq;

    if (!(s->flags & STREAM_F_STARTED) || (tcp_flags & TCP_FLAG_SYN))
        return 0;
    return ahead >= STREAM_MAX_WINDOW && ahead < 0x80000000u;
}

static uint32_t stream_seq_overlap(uint32_t a, uint32_t a_len, uint32_t b, uint32_t b_len)
{
    uint32_t start = stream_seq_max(a, b);
    uint32_t end = stream_seq_min(a + a_len, b + b_len);

    return stream_seq_before(start, end) ? end - start : 0;
}

/* Drops what was already delivered. Captured bytes that fall in a hole we
 * gave up at a limit are counted: they arrived, too late to be used.
 * Returns 0 when nothing new is left. */
static int stream_trim(struct stream *s, struct stream_pool *pool, struct stream_seg *g, unsigned *events)
{
    uint32_t total = g->len + g->missing;
    uint32_t old;

    if (total == 0)
        return 0;
    if (!stream_seq_before(g->seq, s->next_seq))
        return 1;
    old = s->next_seq - g->seq;
    if (s->forced_end != s->forced_start) {
        uint32_t late =
            stream_seq_overlap(g->seq, old < g->len ? old : g->len, s->forced_start, s->forced_end - s->forced_start);
        if (late > 0) {
            pool->stats.late_bytes_dropped += late;
            *events |= STREAM_EVENT_LATE_DROPPED;
        }
    }
    /* Bytes the receiver already has are never rewritten, but a copy that
     * differs is worth saying (RFC 9293 §3.10.7.4 trims it silently).
     * Except the keep-alive of RFC 9293 §3.8.4: one byte at next - 1, which
     * many stacks fill with garbage. */
    if (!(g->len == 1 && old == 1) && stream_history_differs(s, g->seq, g->data, old < g->len ? old : g->len))
        *events |= STREAM_EVENT_OVERLAP_CONFLICT;
    if (old >= total)
        return 0;
    if (old <= g->len) {
        g->data += old;
        g->len -= old;
    } else {
        g->missing -= old - g->len;
        g->data += g->len;
        g->len = 0;
    }
    g->seq = s->next_seq;
    return 1;
}

/* Delivers the first `take` bytes of an in-order segment: captured bytes
 * straight from the capture buffer, then cut bytes as a gap. */
static void stream_emit(struct stream *s, struct stream_pool *pool, struct stream_seg *g, uint32_t take,
                        struct event_time ts, const struct stream_sink *sink)
{
    uint32_t n = take < g->len ? take : g->len;
    uint32_t rest = take - n;

    if (n > 0) {
        stream_deliver(s, pool, g->data, n, ts, sink);
        g->data += n;
        g->len -= n;
    }
    if (rest > 0) {
        sink->gap(sink->ctx, rest, ts);
        g->missing -= rest;
    }
    g->seq += take;
    s->next_seq += take;
}

/* Delivers held pieces that the stream has now reached. */
static void stream_drain(struct stream *s, struct stream_pool *pool, struct event_time ts,
                         const struct stream_sink *sink)
{
    struct stream_chunk *h;

    if (s->flags & STREAM_F_SYN_DATA)
        return; /* bytes on a SYN wait for the peer's word (stream_syn_data_hold) */
    while ((h = s->held) != NULL && !stream_seq_after(h->seq, s->next_seq)) {
        uint32_t end = h->seq + h->len;

        if (stream_seq_after(end, s->next_seq)) {
            uint32_t off = s->next_seq - h->seq;

            if (h->missing)
                sink->gap(sink->ctx, end - s->next_seq, ts);
            else
                stream_deliver(s, pool, h->data + off, h->len - off, ts, sink);
            s->next_seq = end;
        }
        s->held = h->next;
        stream_chunk_put(pool, s, h);
    }
}

/* Why a hole is given up: the stream ended, a store limit was hit, or the
 * peer acknowledged the bytes. */
enum stream_give_up_reason {
    STREAM_GIVE_UP_END,
    STREAM_GIVE_UP_LIMIT,
    STREAM_GIVE_UP_ACKED,
};

/* Gives up the hole before `until` and delivers what follows it. Bytes
 * that still arrive for a hole given up before the end are counted. */
static void stream_give_up(struct stream *s, struct stream_pool *pool, uint32_t until,
                           enum stream_give_up_reason why, struct event_time ts, const struct stream_sink *sink)
{
    uint32_t hole = until - s->next_seq;

    if (why != STREAM_GIVE_UP_END) {
        s->forced_start = s->next_seq;
        s->forced_end = until;
    }
    if (why == STREAM_GIVE_UP_LIMIT) {
        pool->stats.limit_gaps++;
        pool->stats.limit_gap_bytes += hole;
    } else if (why == STREAM_GIVE_UP_ACKED) {
        pool->stats.acked_gaps++;
        pool->stats.acked_gap_bytes += hole;
    }
    if (hole > 0)
        sink->gap(sink->ctx, hole, ts);
    s->next_seq = until;
    stream_drain(s, pool, ts, sink);
}

/* Gives up every acknowledged hole: up to the first held piece, or up to
 * the ACK, whichever comes first, again while the ACK is ahead. With
 * nothing held beyond, the ACK is the only evidence, and a forged one
 * must not wipe out a large stretch of the stream: at most
 * STREAM_ACK_GAP_MAX bytes go on its word alone; bytes of the sender seen
 * beyond the hole (`proven`) give up the rest, exactly. */
static void stream_give_up_acked(struct stream *s, struct stream_pool *pool, int proven, struct event_time ts,
                                 const struct stream_sink *sink)
{
    while ((s->flags & STREAM_F_ACKED) && stream_seq_before(s->next_seq, s->acked)) {
        uint32_t until = s->held != NULL ? stream_seq_min(s->held->seq, s->acked) : s->acked;

        if (until == s->next_seq)
            break; /* a held piece starts right here: drain handles it */
        if (!proven && s->held == NULL && until - s->next_seq > STREAM_ACK_GAP_MAX) {
            stream_give_up(s, pool, s->next_seq + STREAM_ACK_GAP_MAX, STREAM_GIVE_UP_ACKED, ts, sink);
            break;
        }
        stream_give_up(s, pool, until, STREAM_GIVE_UP_ACKED, ts, sink);
    }
}

static void stream_syn_data_drop(struct stream *s, struct stream_pool *pool);
static void stream_syn_data_take(struct stream *s, struct stream_pool *pool, struct event_time ts,
                                 const struct stream_sink *sink);

void stream_ack(struct stream *s, struct stream_pool *pool, uint32_t ack, int settle, struct event_time ts,
                const struct stream_sink *sink)
{
    uint32_t ahead;

    if (!(s->flags & STREAM_F_STARTED) || (s->flags & STREAM_F_COUNTING))
        return;
    /* The peer's word on the bytes of a SYN: an ACK of the SYN alone drops
     * them (RFC 7413 §4.2.2: a server without a valid cookie; Linux then
     * acknowledges isn + 1), an ACK beyond it took them. */
    if (s->flags & STREAM_F_SYN_DATA) {
        if (ack == s->isn + 1u)
            stream_syn_data_drop(s, pool);
        else if ((uint32_t)(ack - s->isn - 1u) < STREAM_MAX_WINDOW)
            stream_syn_data_take(s, pool, ts, sink);
    }
    ahead = ack - s->next_seq;
    /* An ACK at or behind what was delivered says nothing new; one further
     * ahead than any window is forged or belongs elsewhere. */
    if (ahead == 0 || ahead >= STREAM_MAX_WINDOW)
        return;
    /* A FIN takes a sequence number but carries no byte: never invent one
     * for a FIN the capture did show. */
    if ((s->flags & STREAM_F_FIN) && stream_seq_after(ack, s->fin_seq))
        ack = s->fin_seq;
    if (!(s->flags & STREAM_F_ACKED) || stream_seq_after(ack, s->acked))
        s->acked = ack;
    s->flags |= STREAM_F_ACKED;
    /* Acknowledged up to a FIN already seen: the sender is done and the
     * receiver has it all; no retransmission is due. */
    if (settle || ((s->flags & STREAM_F_FIN) && s->acked == s->fin_seq))
        stream_give_up_acked(s, pool, (s->flags & STREAM_F_FIN) && s->acked == s->fin_seq, ts, sink);
}

/* Whether captured bytes of the segment differ from held captured bytes at
 * the same sequence numbers, in any held piece. */
static unsigned stream_compare_held(const struct stream *s, const struct stream_seg *g)
{
    uint32_t cap_end = g->seq + g->len;

    for (const struct stream_chunk *h = s->held; h != NULL; h = h->next) {
        uint32_t lo = stream_seq_max(h->seq, g->seq);
        uint32_t hi = stream_seq_min(h->seq + h->len, cap_end);

        if (h->missing || !stream_seq_before(lo, hi))
            continue;
        if (memcmp(h->data + (lo - h->seq), g->data + (lo - g->seq), hi - lo) != 0)
            return STREAM_EVENT_OVERLAP_CONFLICT;
    }
    return 0;
}

/* An in-order segment. LINUX and LAST: all of it is delivered in place, and
 * held bytes it ran over are skipped when the stream reaches them (Linux's
 * tcp_ofo_queue: bytes below rcv_nxt are not delivered again). FIRST: it is
 * delivered up to the next held piece, whose bytes win. */
static unsigned stream_in_order(struct stream *s, struct stream_pool *pool, struct stream_seg *g, struct event_time ts,
                                const struct stream_sink *sink)
{
    unsigned events = stream_compare_held(s, g);

    if (pool->policy != STREAM_OVERLAP_FIRST) {
        stream_emit(s, pool, g, g->len + g->missing, ts, sink);
        stream_drain(s, pool, ts, sink);
        return events;
    }
    for (;;) {
        struct stream_chunk *h = s->held;
        uint32_t total = g->len + g->missing;
        uint32_t take = total;

        if (h != NULL && stream_seq_before(h->seq, g->seq + total))
            take = h->seq - g->seq;
        stream_emit(s, pool, g, take, ts, sink);
        if (take == total)
            break;
        stream_drain(s, pool, ts, sink);
        if (!stream_trim(s, pool, g, &events))
            break;
    }
    stream_drain(s, pool, ts, sink);
    return events;
}

/* Links a new piece in after *prev (at *link). */
static struct stream_chunk *stream_piece_new(struct stream *s, struct stream_pool *pool, struct stream_chunk ***link,
                                             uint32_t seq, int missing)
{
    struct stream_chunk *c = stream_chunk_get(pool, s);

    if (c == NULL)
        return NULL;
    c->seq = seq;
    c->len = 0;
    c->missing = (uint8_t)(missing != 0);
    c->seg_start = 0;
    c->next = **link;
    **link = c;
    *link = &c->next;
    return c;
}

/* Copies [pos, stop) of the segment into pieces at *link, extending *prev
 * when contiguous and not full. With `open`, the first piece made starts
 * a held segment. */
static int stream_fill(struct stream *s, struct stream_pool *pool, struct stream_chunk ***link,
                       struct stream_chunk **prev, const struct stream_seg *g, uint32_t pos, uint32_t stop, int open)
{
    uint32_t cap_end = stream_seq_min(stop, g->seq + g->len);

    while (stream_seq_before(pos, stop)) {
        struct stream_chunk *p = *prev;
        int missing = !stream_seq_before(pos, cap_end);
        uint32_t want = (missing ? stop : cap_end) - pos;
        uint32_t room = missing ? STREAM_MAX_SEGMENT : STREAM_CHUNK_DATA;
        uint32_t n;

        if (open || p == NULL || p->seq + p->len != pos || p->missing != missing || p->len >= room) {
            p = stream_piece_new(s, pool, link, pos, missing);
            if (p == NULL)
                return -1;
            p->seg_start = (uint8_t)open;
            open = 0;
            *prev = p;
        }
        n = room - p->len < want ? room - p->len : want;
        if (!missing)
            memcpy(p->data + p->len, g->data + (pos - g->seq), n);
        p->len += n;
        pos += n;
    }
    return 0;
}

/* LAST: the new copy's captured bytes replace held ones in [pos, stop). */
static void stream_overwrite(struct stream_chunk *h, uint32_t pos, const struct stream_seg *g, uint32_t stop)
{
    uint32_t end = stream_seq_min(stop, g->seq + g->len);

    if (!h->missing && stream_seq_before(pos, end))
        memcpy(h->data + (pos - h->seq), g->data + (pos - g->seq), end - pos);
}

/* FIRST and LAST: stores an out-of-order segment in the gaps of the held
 * store (disjoint pieces); where it overlaps held bytes, FIRST keeps them,
 * LAST takes the new ones. Returns -1 when a limit stopped it part-way
 * (what was stored stays, and a retry after freeing room stores the rest). */
static int stream_insert_fill(struct stream *s, struct stream_pool *pool, const struct stream_seg *g)
{
    struct stream_chunk **link = &s->held;
    struct stream_chunk *prev = NULL;
    uint32_t pos = g->seq;
    uint32_t end = g->seq + g->len + g->missing;

    while (stream_seq_before(pos, end)) {
        struct stream_chunk *cur = *link;
        uint32_t stop = end;

        if (cur != NULL && !stream_seq_after(cur->seq + cur->len, pos)) {
            prev = cur;
            link = &cur->next;
            continue;
        }
        if (cur != NULL && !stream_seq_after(cur->seq, pos)) {
            stop = stream_seq_min(end, cur->seq + cur->len);
            if (pool->policy == STREAM_OVERLAP_LAST)
                stream_overwrite(cur, pos, g, stop);
            prev = cur;
            link = &cur->next;
        } else {
            if (cur != NULL)
                stop = stream_seq_min(end, cur->seq);
            if (stream_fill(s, pool, &link, &prev, g, pos, stop, 1) != 0)
                return -1;
        }
        pos = stop;
    }
    return 0;
}

/* The end of the held segment whose first piece is c. */
static uint32_t stream_seg_end(const struct stream_chunk *c)
{
    uint32_t end = c->seq + c->len;

    for (c = c->next; c != NULL && !c->seg_start; c = c->next)
        end = c->seq + c->len;
    return end;
}

/* The link to the held segment after the one at *link. */
static struct stream_chunk **stream_seg_next(struct stream_chunk **link)
{
    link = &(*link)->next;
    while (*link != NULL && !(*link)->seg_start)
        link = &(*link)->next;
    return link;
}

static uint64_t stream_seg_chunks(const struct stream_chunk *c)
{
    uint64_t n = 1;

    for (c = c->next; c != NULL && !c->seg_start; c = c->next)
        n++;
    return n;
}

/* Frees the held segment at *link. */
static void stream_seg_remove(struct stream *s, struct stream_pool *pool, struct stream_chunk **link)
{
    struct stream_chunk *c = *link;

    do {
        struct stream_chunk *next = c->next;

        stream_chunk_put(pool, s, c);
        c = next;
    } while (c != NULL && !c->seg_start);
    *link = c;
}

/* Whether the store has room for the segment's pieces (at most), counting
 * `freed` chunks that the insertion releases first. */
static int stream_room_for(const struct stream *s, const struct stream_pool *pool, const struct stream_seg *g,
                           uint64_t freed)
{
    uint64_t need = (g->len + STREAM_CHUNK_DATA - 1u) / STREAM_CHUNK_DATA + (g->missing > 0 ? 1u : 0u);
    uint64_t own = pool->max_chunks_per_stream + freed;
    uint64_t all = pool->max_chunks + freed;

    return s->held_chunks + need <= own && pool->stats.chunks_in_use + need <= all;
}

/* LINUX: the out-of-order queue of tcp_data_queue_ofo. Held segments stay
 * whole (as skbs do), ordered by their first byte, and may overlap; the
 * drain delivers the lower start first and skips bytes already delivered,
 * so in a partial overlap the lower start wins. The kernel looks at the
 * segments on its rbtree search path; this looks at every held segment
 * that starts at or before the new one, which differs only when held
 * segments already overlap each other. Returns -1, with nothing changed,
 * when a limit leaves no room for it. */
static int stream_insert_linux(struct stream *s, struct stream_pool *pool, const struct stream_seg *g)
{
    uint32_t end = g->seq + g->len + g->missing;
    struct stream_chunk **link = &s->held;
    struct stream_chunk **pred = NULL;
    struct stream_chunk **after;
    struct stream_chunk *prev = NULL;
    uint64_t freed = 0;

    while (*link != NULL && !stream_seq_after((*link)->seq, g->seq)) {
        uint32_t held_end = stream_seg_end(*link);

        /* "All the bits are present": a held segment holds it all. */
        if (stream_seq_before(g->seq, held_end) && !stream_seq_after(end, held_end))
            return 0;
        pred = link;
        link = stream_seg_next(link);
    }
    if (pred != NULL && stream_seg_end(*pred) == g->seq) {
        /* Right after a held segment: joined to it (tcp_ooo_try_coalesce),
         * and then nothing else is removed. */
        prev = *pred;
        while (prev->next != NULL && !prev->next->seg_start)
            prev = prev->next;
        link = &prev->next;
        if (!stream_room_for(s, pool, g, 0))
            return -1;
        return stream_fill(s, pool, &link, &prev, g, g->seq, end, 0);
    }
    if (pred != NULL && (*pred)->seq == g->seq) {
        /* Same start, longer: it replaces the held one. */
        freed += stream_seg_chunks(*pred);
        link = pred;
    }
    /* Held segments it covers wholly go ("merge_right"); the first one it
     * covers only in part stops that. */
    after = link == pred ? stream_seg_next(pred) : link;
    for (; *after != NULL && stream_seq_before((*after)->seq, end); after = stream_seg_next(after)) {
        if (stream_seq_after(stream_seg_end(*after), end))
            break;
        freed += stream_seg_chunks(*after);
    }
    if (!stream_room_for(s, pool, g, freed))
        return -1;
    if (link == pred)
        stream_seg_remove(s, pool, link);
    while (*link != NULL && stream_seq_before((*link)->seq, end) && !stream_seq_after(stream_seg_end(*link), end))
        stream_seg_remove(s, pool, link);
    return stream_fill(s, pool, &link, &prev, g, g->seq, end, 1);
}

static int stream_insert(struct stream *s, struct stream_pool *pool, const struct stream_seg *g)
{
    if (pool->policy == STREAM_OVERLAP_LINUX)
        return stream_insert_linux(s, pool, g);
    return stream_insert_fill(s, pool, g);
}

/* The peer did not take the bytes on the SYN: they are dropped, as the
 * receiver dropped them. They are the first held pieces. */
static void stream_syn_data_drop(struct stream *s, struct stream_pool *pool)
{
    struct stream_chunk *c;

    s->flags &= (uint8_t)~STREAM_F_SYN_DATA;
    while ((c = s->held) != NULL && stream_seq_before(c->seq, s->syn_data_end)) {
        if (!c->missing)
            pool->stats.syn_data_dropped += c->len;
        s->held = c->next;
        stream_chunk_put(pool, s, c);
    }
    if (s->held != NULL)
        s->held->seg_start = 1;
}

/* The bytes on the SYN are the peer's after all: deliver them. */
static void stream_syn_data_take(struct stream *s, struct stream_pool *pool, struct event_time ts,
                                 const struct stream_sink *sink)
{
    s->flags &= (uint8_t)~STREAM_F_SYN_DATA;
    stream_drain(s, pool, ts, sink);
}

/* Bytes on the SYN (TCP Fast Open, RFC 7413) wait in the store until the
 * peer says whether it took them. */
static unsigned stream_syn_data_hold(struct stream *s, struct stream_pool *pool, const struct stream_seg *g)
{
    unsigned events = stream_compare_held(s, g);
    uint32_t end = g->seq + g->len + g->missing;

    if (stream_insert(s, pool, g) != 0) {
        pool->stats.syn_data_dropped += g->len; /* no room: never delivered */
        return events | STREAM_EVENT_LIMIT_GAP;
    }
    if (!(s->flags & STREAM_F_SYN_DATA) || stream_seq_after(end, s->syn_data_end))
        s->syn_data_end = end;
    s->flags |= STREAM_F_SYN_DATA;
    return events;
}

/* The sender's next bytes settle its SYN's: sent again from isn + 1 (or
 * from inside them), the peer dropped them (Linux resends SYN data the
 * SYN-ACK did not acknowledge); sent after them, the peer took them. */
static void stream_syn_data_settle(struct stream *s, struct stream_pool *pool, uint32_t seq, struct event_time ts,
                                   const struct stream_sink *sink)
{
    if (stream_seq_before(seq, s->syn_data_end))
        stream_syn_data_drop(s, pool);
    else
        stream_syn_data_take(s, pool, ts, sink);
}

unsigned stream_segment(struct stream *s, struct stream_pool *pool, uint8_t tcp_flags, uint32_t seq,
                        const uint8_t *payload, uint32_t len, uint32_t missing, struct event_time ts,
                        const struct stream_sink *sink)
{
    struct stream_seg g;
    unsigned events = 0;

    if (s->flags & STREAM_F_COUNTING)
        return 0; /* a counted stream is never reassembled again */
    if (len > STREAM_MAX_SEGMENT)
        len = STREAM_MAX_SEGMENT;
    if (missing > STREAM_MAX_SEGMENT - len)
        missing = STREAM_MAX_SEGMENT - len;
    if (stream_out_of_window(s, tcp_flags, seq)) {
        pool->stats.out_of_window++;
        return STREAM_EVENT_OUT_OF_WINDOW;
    }
    g.seq = stream_note_flags(s, tcp_flags, seq, len + missing);
    g.data = payload;
    g.len = len;
    g.missing = missing;
    /* RFC 9293 §3.5.3: an RST's payload is not data of the stream. */
    if (tcp_flags & TCP_FLAG_RST)
        return 0;
    if ((tcp_flags & TCP_FLAG_SYN) && len + missing > 0 && (s->flags & STREAM_F_SYN) && g.seq == s->isn + 1u &&
        s->next_seq == g.seq) {
        events = stream_syn_data_hold(s, pool, &g);
        goto out;
    }
    if ((s->flags & STREAM_F_SYN_DATA) && len + missing > 0)
        stream_syn_data_settle(s, pool, g.seq, ts, sink);
    /* The sender has moved past an acknowledged hole (new bytes or its
     * FIN): nothing will fill it now. */
    if ((s->flags & STREAM_F_ACKED) && stream_seq_after(s->acked, s->next_seq) && !stream_seq_before(g.seq, s->acked))
        stream_give_up_acked(s, pool, 1, ts, sink);
    while (stream_trim(s, pool, &g, &events)) {
        if (g.seq == s->next_seq) {
            events |= stream_in_order(s, pool, &g, ts, sink);
            break;
        }
        events |= stream_compare_held(s, &g);
        if (stream_insert(s, pool, &g) == 0) {
            /* Bytes beyond an acknowledged hole: the sender has moved on,
             * the hole will not be filled. */
            if ((s->flags & STREAM_F_ACKED) && s->held != NULL && !stream_seq_after(s->held->seq, s->acked))
                stream_give_up_acked(s, pool, 1, ts, sink);
            break;
        }
        /* A limit is hit: give up the oldest hole and move on, so memory
         * stays bounded and the tracker keeps getting bytes. */
        events |= STREAM_EVENT_LIMIT_GAP;
        stream_give_up(s, pool, s->held != NULL ? stream_seq_min(s->held->seq, g.seq) : g.seq, STREAM_GIVE_UP_LIMIT,
                       ts, sink);
    }
out:
    if (events & STREAM_EVENT_OVERLAP_CONFLICT)
        pool->stats.overlap_conflicts++;
    return events;
}

/* Counting needs the holes; they share room with the reassembly state,
 * which is empty whenever the analyzer switches a stream to counting.
 * Returns 0 (count the highest byte only) if something is still held. */
static int stream_count_begin(struct stream *s)
{
    if (s->flags & STREAM_F_COUNTING)
        return 1;
    if (s->held != NULL)
        return 0;
    memset(s->holes, 0, sizeof s->holes);
    s->flags |= STREAM_F_COUNTING;
    return 1;
}

/* Remembers [start, end) as not seen yet. With every slot taken, the hole
 * furthest back is forgotten: it is the one most likely lost for good, and
 * forgetting it can only under-count. */
static void stream_count_add_hole(struct stream *s, uint32_t start, uint32_t end)
{
    struct stream_hole *slot = NULL;

    for (unsigned i = 0; i < STREAM_COUNT_HOLES; i++) {
        struct stream_hole *h = &s->holes[i];

        if (h->start == h->end) {
            slot = h;
            break;
        }
        if (slot == NULL || stream_seq_before(h->start, slot->start))
            slot = h;
    }
    slot->start = start;
    slot->end = end;
}

/* Counts the bytes of [seq, end) that fall in remembered holes and takes
 * them out of the holes. A segment inside a hole splits it; without a free
 * slot the upper part is forgotten. */
static uint64_t stream_count_fill(struct stream *s, uint32_t seq, uint32_t end)
{
    uint64_t n = 0;

    for (unsigned i = 0; i < STREAM_COUNT_HOLES; i++) {
        struct stream_hole *h = &s->holes[i];
        uint32_t lo = stream_seq_max(h->start, seq);
        uint32_t hi = stream_seq_min(h->end, end);
        uint32_t old_end = h->end;

        if (h->start == h->end || !stream_seq_before(lo, hi))
            continue;
        n += hi - lo;
        if (lo == h->start) {
            h->start = hi;
        } else {
            h->end = lo;
            if (hi != old_end)
                for (unsigned k = 0; k < STREAM_COUNT_HOLES; k++) {
                    if (s->holes[k].start == s->holes[k].end) {
                        s->holes[k].start = hi;
                        s->holes[k].end = old_end;
                        break;
                    }
                }
        }
    }
    return n;
}

uint64_t stream_count(struct stream *s, uint8_t tcp_flags, uint32_t seq, uint32_t len)
{
    uint64_t n = 0;
    int holes;
    uint32_t end;

    if (len > STREAM_MAX_SEGMENT)
        len = STREAM_MAX_SEGMENT;
    if (stream_out_of_window(s, tcp_flags, seq))
        return 0;
    seq = stream_note_flags(s, tcp_flags, seq, len);
    if ((tcp_flags & TCP_FLAG_RST) || len == 0)
        return 0;
    holes = stream_count_begin(s);
    end = seq + len;
    if (holes)
        n += stream_count_fill(s, seq, end);
    if (stream_seq_after(end, s->next_seq)) {
        if (holes && stream_seq_after(seq, s->next_seq))
            stream_count_add_hole(s, s->next_seq, seq);
        n += end - stream_seq_max(seq, s->next_seq);
        s->next_seq = end;
    }
    return n;
}

void stream_flush(struct stream *s, struct stream_pool *pool, struct event_time ts, const struct stream_sink *sink)
{
    if (s->flags & STREAM_F_COUNTING)
        return;
    /* No word from the peer on the bytes of a SYN: not known to be taken. */
    if (s->flags & STREAM_F_SYN_DATA)
        stream_syn_data_drop(s, pool);
    while (s->held != NULL)
        stream_give_up(s, pool, s->held->seq, STREAM_GIVE_UP_END, ts, sink);
    if ((s->flags & STREAM_F_FIN) && stream_seq_before(s->next_seq, s->fin_seq))
        stream_give_up(s, pool, s->fin_seq, STREAM_GIVE_UP_END, ts, sink);
    else if (!(s->flags & STREAM_F_FIN) && (s->flags & STREAM_F_ACKED) && stream_seq_before(s->next_seq, s->acked))
        stream_give_up(s, pool, s->acked, STREAM_GIVE_UP_END, ts, sink);

}
