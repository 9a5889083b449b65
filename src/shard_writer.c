/* --threads, the writer: merges the workers' output rings back into the
 * single-thread order, gives each flow the id one thread would, and feeds
 * the sink; also hands over the live stats event. */
#include "shard_internal.h"

#include <stdlib.h>
#include <string.h>

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

void *shard_writer_main(void *arg)
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

void shard_writer_fini(struct shard *s)
{
    free(s->ids.keys);
    free(s->ids.values);
}

void shard_post_stats(struct shard *s, const struct event *ev)
{
    pthread_mutex_lock(&s->mail_mutex);
    s->mail = *ev;
    atomic_store_explicit(&s->mail_full, true, memory_order_release);
    pthread_mutex_unlock(&s->mail_mutex);
    shard_wake_writer(s);
}
