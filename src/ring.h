/* A single-producer, single-consumer ring of variable-sized records
 * (--threads): one thread writes, one reads, no lock. Records never wrap:
 * one that does not fit before the end starts over at the beginning, after
 * a skip marker. The capacity is fixed; a full ring is the producer's to
 * wait on (backpressure), an empty one the consumer's.
 *
 * The producer may commit several records and publish them at once
 * (ring_publish), so the consumer's cache line is written once per batch.
 * Waking a sleeping thread is ring_bell's job: a mutex and a condition
 * variable behind an atomic "someone sleeps" flag, so the fast path is one
 * load. */
#ifndef POP3SCOPE_RING_H
#define POP3SCOPE_RING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING_ALIGN 8u
#define RING_HEADER 8u /* uint32_t length, uint32_t skip flag */
#define RING_SKIP 1u

struct ring {
    /* Producer's line: written by the producer only. */
    _Alignas(64) _Atomic size_t head; /* bytes published */
    size_t head_local;                /* bytes committed, not yet published */
    size_t tail_seen;                 /* producer's last look at tail */
    /* Consumer's line. */
    _Alignas(64) _Atomic size_t tail; /* bytes released */
    size_t head_seen;                 /* consumer's last look at head */
    size_t peeked;                    /* size of the record being read */
    _Alignas(64) uint8_t *buf;
    size_t capacity; /* a power of two */
};

/* capacity: a power of two, at least 4 KiB. false on ENOMEM. */
static inline bool ring_init(struct ring *r, size_t capacity)
{
    memset(r, 0, sizeof *r);
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->buf = malloc(capacity);
    r->capacity = capacity;
    return r->buf != NULL;
}

static inline void ring_fini(struct ring *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* The largest record: a quarter of the ring, so a producer waiting for
 * half the ring to drain always has room after. */
static inline size_t ring_max_record(const struct ring *r)
{
    return r->capacity / 4u - RING_HEADER;
}

static inline size_t ring_round(size_t n)
{
    return (n + RING_ALIGN - 1u) & ~(size_t)(RING_ALIGN - 1u);
}

/* Producer: room for a record of len bytes (at most ring_max_record), or
 * NULL when the ring is too full now. Aligned for uint64_t. */
static inline void *ring_try_reserve(struct ring *r, size_t len)
{
    size_t need = RING_HEADER + ring_round(len);
    size_t pos = r->head_local & (r->capacity - 1u);
    size_t to_end = r->capacity - pos;
    size_t total = need <= to_end ? need : to_end + need;
    uint8_t *at;

    if (r->head_local + total - r->tail_seen > r->capacity) {
        r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (r->head_local + total - r->tail_seen > r->capacity)
            return NULL;
    }
    if (need > to_end) {
        uint32_t skip[2] = { (uint32_t)to_end, RING_SKIP };

        memcpy(r->buf + pos, skip, sizeof skip);
        r->head_local += to_end;
        pos = 0;
    }
    at = r->buf + pos;
    {
        uint32_t hdr[2] = { (uint32_t)need, 0 };

        memcpy(at, hdr, sizeof hdr);
    }
    return at + RING_HEADER;
}

/* Producer: the record reserved last is complete. */
static inline void ring_commit(struct ring *r)
{
    uint32_t need;

    memcpy(&need, r->buf + (r->head_local & (r->capacity - 1u)), sizeof need);
    r->head_local += need;
}

/* Producer: makes committed records visible. Returns true when there were
 * new ones. */
static inline bool ring_publish(struct ring *r)
{
    if (atomic_load_explicit(&r->head, memory_order_relaxed) == r->head_local)
        return false;
    atomic_store_explicit(&r->head, r->head_local, memory_order_release);
    return true;
}

/* Consumer: the oldest record and its length, or NULL when none is
 * published. Stays the same until ring_release. */
static inline const void *ring_peek(struct ring *r, size_t *len)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint32_t hdr[2];

    for (;;) {
        if (tail == r->head_seen) {
            r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
            if (tail == r->head_seen)
                return NULL;
        }
        memcpy(hdr, r->buf + (tail & (r->capacity - 1u)), sizeof hdr);
        if (hdr[1] != RING_SKIP)
            break;
        tail += hdr[0];
        atomic_store_explicit(&r->tail, tail, memory_order_release);
    }
    r->peeked = hdr[0];
    *len = hdr[0] - RING_HEADER;
    /* The next record was written by the other core: start fetching it
     * while this one is being worked on. */
    __builtin_prefetch(r->buf + ((tail + hdr[0]) & (r->capacity - 1u)));
    __builtin_prefetch(r->buf + ((tail + hdr[0] + 64u) & (r->capacity - 1u)));
    return r->buf + (tail & (r->capacity - 1u)) + RING_HEADER;
}

/* Consumer: done with the record ring_peek returned. Returns the bytes
 * still published after it, as far as the consumer knows. */
static inline size_t ring_release(struct ring *r)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed) + r->peeked;

    atomic_store_explicit(&r->tail, tail, memory_order_release);
    r->peeked = 0;
    return r->head_seen - tail;
}

/* Anyone: every published record has been released (the consumer is done
 * with all of them). */
static inline bool ring_drained(struct ring *r)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

    return atomic_load_explicit(&r->tail, memory_order_acquire) >= head;
}

/* ------------------------------------------------------------- bells */

/* A thread sleeps on its bell until rung or until the timeout. The flag
 * is set under the mutex before the sleeper's last look at its
 * condition, and the ringer reads it after a full fence that follows its
 * own store: one of the two always sees the other (no lost wake-up). */
struct ring_bell {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    _Atomic unsigned generation;
    _Atomic bool sleeping;
};

static inline bool ring_bell_init(struct ring_bell *b)
{
    pthread_condattr_t attr;
    bool ok;

    atomic_init(&b->generation, 0);
    atomic_init(&b->sleeping, false);
    if (pthread_mutex_init(&b->mutex, NULL) != 0)
        return false;
    ok = pthread_condattr_init(&attr) == 0 && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(&b->cond, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok)
        pthread_mutex_destroy(&b->mutex);
    return ok;
}

static inline void ring_bell_fini(struct ring_bell *b)
{
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->mutex);
}

/* The generation to pass to ring_bell_wait: read it before the last look
 * at the condition. */
static inline unsigned ring_bell_generation(struct ring_bell *b)
{
    return atomic_load_explicit(&b->generation, memory_order_seq_cst);
}

/* Ringer: after storing what the sleeper waits for. */
static inline void ring_bell_ring(struct ring_bell *b)
{
    atomic_fetch_add_explicit(&b->generation, 1u, memory_order_seq_cst);
    if (atomic_load_explicit(&b->sleeping, memory_order_seq_cst)) {
        /* Taking the mutex waits out a sleeper between its last look and
         * its wait; the broadcast after it does not wake it into a
         * mutex still held. */
        pthread_mutex_lock(&b->mutex);
        pthread_mutex_unlock(&b->mutex);
        pthread_cond_broadcast(&b->cond);
    }
}

/* Sleeper: waits until the bell rings after `generation` was read, or
 * timeout_ms pass. */
static inline void ring_bell_wait(struct ring_bell *b, unsigned generation, unsigned timeout_ms)
{
    struct timespec until;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000u;
    until.tv_nsec += (long)(timeout_ms % 1000u) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&b->mutex);
    atomic_store_explicit(&b->sleeping, true, memory_order_seq_cst);
    while (atomic_load_explicit(&b->generation, memory_order_seq_cst) == generation) {
        if (pthread_cond_timedwait(&b->cond, &b->mutex, &until) != 0)
            break;
    }
    atomic_store_explicit(&b->sleeping, false, memory_order_seq_cst);
    pthread_mutex_unlock(&b->mutex);
}

#endif
