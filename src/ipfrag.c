/* IP fragment reassembly. A datagram in progress owns up to
 * IPFRAG_CHUNKS_PER_DATAGRAM fixed-size chunks, one per 2 KiB of its
 * payload, taken from a pool shared by every datagram and recycled; the
 * byte budget counts chunks, so a peer sending tiny fragments at far apart
 * offsets pays for whole chunks and cannot exceed the budget. Which bytes are
 * present is a short sorted list of ranges; a datagram needing more ranges
 * than that is not a real one (RFC 8200 §4.5 fragments are contiguous runs
 * of MTU-sized pieces) and is given up. */
#include "ipfrag.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define IPFRAG_CHUNK_SIZE 2048u
#define IPFRAG_CHUNKS_PER_DATAGRAM ((IPFRAG_MAX_PAYLOAD + IPFRAG_CHUNK_SIZE - 1u) / IPFRAG_CHUNK_SIZE)
#define IPFRAG_MAX_RANGES 16u
#define IPFRAG_SLAB_CHUNKS 16u
#define IPFRAG_NO_TOTAL UINT32_MAX

struct ipfrag_chunk {
    union {
        struct ipfrag_chunk *next; /* while free */
        uint8_t bytes[IPFRAG_CHUNK_SIZE];
    };
};

struct ipfrag_chunk_slab {
    struct ipfrag_chunk_slab *next;
    struct ipfrag_chunk chunks[IPFRAG_SLAB_CHUNKS];
};

/* Bytes [start, end) of the payload are present. */
struct ipfrag_range {
    uint32_t start;
    uint32_t end;
};

struct ipfrag_key {
    uint8_t src[16];
    uint8_t dst[16];
    uint32_t id;
    uint8_t ip_version;
    uint8_t protocol; /* IPv4 only: part of the key (RFC 791 §3.2) */
};

struct ipfrag_datagram_state {
    struct ipfrag_datagram_state *hash_next;
    struct ipfrag_datagram_state *age_prev; /* towards the oldest */
    struct ipfrag_datagram_state *age_next;
    struct ipfrag_key key;
    struct event_time first_ts;
    uint32_t total;   /* payload length once the last fragment is seen */
    uint32_t cut_at;  /* first byte snaplen cut, or IPFRAG_NO_TOTAL */
    uint8_t protocol; /* from the fragment at offset 0 (IPv6 next header) */
    uint8_t conflict;
    uint8_t range_count;
    struct ipfrag_range ranges[IPFRAG_MAX_RANGES];
    struct ipfrag_chunk *chunks[IPFRAG_CHUNKS_PER_DATAGRAM];
};

struct ipfrag_table {
    size_t max_datagrams;
    size_t max_chunks;
    uint32_t timeout;
    uint64_t seed[2];
    struct ipfrag_datagram_state *slots; /* max_datagrams, allocated at first use */
    struct ipfrag_datagram_state *free_slots;
    struct ipfrag_datagram_state **buckets;
    size_t bucket_mask;
    struct ipfrag_datagram_state *oldest;
    struct ipfrag_datagram_state *newest;
    size_t pending;
    struct ipfrag_chunk *free_chunks;
    struct ipfrag_chunk_slab *slabs;
    size_t chunks_allocated;
    size_t chunks_in_use;
    uint8_t *out; /* IPFRAG_MAX_PAYLOAD bytes: the completed datagram */
    struct ipfrag_stats stats;
};

/* ----------------------------------------------------------------- table */

struct ipfrag_table *ipfrag_new(size_t max_datagrams, size_t max_bytes, uint32_t timeout)
{
    struct ipfrag_table *t = calloc(1, sizeof *t);

    if (t == NULL)
        return NULL;
    t->max_datagrams = max_datagrams > 0 ? max_datagrams : 1;
    t->max_chunks = max_bytes / IPFRAG_CHUNK_SIZE;
    t->timeout = timeout;
    if (getrandom(t->seed, sizeof t->seed, GRND_NONBLOCK) != (ssize_t)sizeof t->seed) {
        t->seed[0] = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)t;
        t->seed[1] = 0xbf58476d1ce4e5b9ull;
    }
    t->stats.memory = sizeof *t;
    return t;
}

void ipfrag_free(struct ipfrag_table *t)
{
    struct ipfrag_chunk_slab *slab;

    if (t == NULL)
        return;
    while ((slab = t->slabs) != NULL) {
        t->slabs = slab->next;
        free(slab);
    }
    free(t->slots);
    free(t->buckets);
    free(t->out);
    free(t);
}

size_t ipfrag_pending(const struct ipfrag_table *t)
{
    return t->pending;
}

void ipfrag_get_stats(const struct ipfrag_table *t, struct ipfrag_stats *out)
{
    *out = t->stats;
    out->bytes_in_use = (uint64_t)t->chunks_in_use * IPFRAG_CHUNK_SIZE;
}

/* Fragmented traffic is rare: the slots, buckets and output buffer cost
 * nothing until the first fragment. */
static int ipfrag_start(struct ipfrag_table *t)
{
    size_t buckets = 16;

    if (t->slots != NULL)
        return 0;
    while (buckets < t->max_datagrams && buckets < (1u << 20))
        buckets <<= 1;
    t->slots = calloc(t->max_datagrams, sizeof t->slots[0]);
    t->buckets = calloc(buckets, sizeof t->buckets[0]);
    t->out = malloc(IPFRAG_MAX_PAYLOAD);
    if (t->slots == NULL || t->buckets == NULL || t->out == NULL) {
        free(t->slots);
        free(t->buckets);
        free(t->out);
        t->slots = NULL;
        t->buckets = NULL;
        t->out = NULL;
        return -1;
    }
    t->bucket_mask = buckets - 1;
    for (size_t i = t->max_datagrams; i-- > 0;) {
        t->slots[i].hash_next = t->free_slots;
        t->free_slots = &t->slots[i];
    }
    t->stats.memory += t->max_datagrams * sizeof t->slots[0] + buckets * sizeof t->buckets[0] + IPFRAG_MAX_PAYLOAD;
    return 0;
}

/* ------------------------------------------------------------------ hash */

/* A keyed mix (the finaliser of MurmurHash3 over seeded words): fragments
 * are chosen by the sender, so the bucket must not be predictable. Chains
 * are bounded by max_datagrams anyway. */
static uint64_t ipfrag_mix(uint64_t h, uint64_t w)
{
    h ^= w;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static size_t ipfrag_bucket(const struct ipfrag_table *t, const struct ipfrag_key *k)
{
    uint64_t w[4];
    uint64_t h = t->seed[0];

    memcpy(&w[0], k->src, 16);
    memcpy(&w[2], k->dst, 16);
    for (int i = 0; i < 4; i++)
        h = ipfrag_mix(h, w[i] ^ t->seed[1]);
    h = ipfrag_mix(h, (uint64_t)k->id << 16 | (uint64_t)k->protocol << 8 | k->ip_version);
    return (size_t)h & t->bucket_mask;
}

static int ipfrag_key_equal(const struct ipfrag_key *a, const struct ipfrag_key *b)
{
    return a->id == b->id && a->ip_version == b->ip_version && a->protocol == b->protocol &&
           memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0;
}

static void ipfrag_key_of(const struct packet_view *v, struct ipfrag_key *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->src, v->src_addr, 16);
    memcpy(k->dst, v->dst_addr, 16);
    k->id = v->fragment.id;
    k->ip_version = v->ip_version;
    /* RFC 8200 §4.5 keys IPv6 on addresses and id only: the next header
     * may differ between fragments (only the first one's counts). */
    k->protocol = v->ip_version == 4 ? v->fragment.protocol : 0;
}

/* ---------------------------------------------------------------- chunks */

static struct ipfrag_chunk *ipfrag_chunk_get(struct ipfrag_table *t)
{
    struct ipfrag_chunk *c;

    if (t->chunks_in_use >= t->max_chunks)
        return NULL;
    if (t->free_chunks == NULL) {
        struct ipfrag_chunk_slab *slab = malloc(sizeof *slab);

        if (slab == NULL)
            return NULL;
        slab->next = t->slabs;
        t->slabs = slab;
        for (size_t i = 0; i < IPFRAG_SLAB_CHUNKS; i++) {
            slab->chunks[i].next = t->free_chunks;
            t->free_chunks = &slab->chunks[i];
        }
        t->chunks_allocated += IPFRAG_SLAB_CHUNKS;
        t->stats.memory += sizeof *slab;
    }
    c = t->free_chunks;
    t->free_chunks = c->next;
    t->chunks_in_use++;
    if ((uint64_t)t->chunks_in_use * IPFRAG_CHUNK_SIZE > t->stats.bytes_peak)
        t->stats.bytes_peak = (uint64_t)t->chunks_in_use * IPFRAG_CHUNK_SIZE;
    return c;
}

static void ipfrag_chunk_put(struct ipfrag_table *t, struct ipfrag_chunk *c)
{
    c->next = t->free_chunks;
    t->free_chunks = c;
    t->chunks_in_use--;
}

/* ------------------------------------------------------------- datagrams */

static void ipfrag_age_unlink(struct ipfrag_table *t, struct ipfrag_datagram_state *d)
{
    if (d->age_prev != NULL)
        d->age_prev->age_next = d->age_next;
    else
        t->oldest = d->age_next;
    if (d->age_next != NULL)
        d->age_next->age_prev = d->age_prev;
    else
        t->newest = d->age_prev;
}

/* Unlinks the datagram everywhere and returns its chunks and slot. */
static void ipfrag_release(struct ipfrag_table *t, struct ipfrag_datagram_state *d)
{
    struct ipfrag_datagram_state **link = &t->buckets[ipfrag_bucket(t, &d->key)];

    while (*link != NULL && *link != d)
        link = &(*link)->hash_next;
    if (*link == d)
        *link = d->hash_next;
    ipfrag_age_unlink(t, d);
    for (size_t i = 0; i < IPFRAG_CHUNKS_PER_DATAGRAM; i++) {
        if (d->chunks[i] != NULL)
            ipfrag_chunk_put(t, d->chunks[i]);
    }
    memset(d, 0, sizeof *d);
    d->hash_next = t->free_slots;
    t->free_slots = d;
    t->pending--;
}

static struct ipfrag_datagram_state *ipfrag_find(struct ipfrag_table *t, const struct ipfrag_key *k)
{
    for (struct ipfrag_datagram_state *d = t->buckets[ipfrag_bucket(t, k)]; d != NULL; d = d->hash_next) {
        if (ipfrag_key_equal(&d->key, k))
            return d;
    }
    return NULL;
}

static struct ipfrag_datagram_state *ipfrag_create(struct ipfrag_table *t, const struct ipfrag_key *k,
                                                   struct event_time ts)
{
    struct ipfrag_datagram_state *d;
    size_t b;

    if (t->free_slots == NULL) {
        /* Every slot is busy: the oldest datagram is the least likely to
         * complete, and it makes room for this one. */
        ipfrag_release(t, t->oldest);
        t->stats.evicted++;
    }
    d = t->free_slots;
    t->free_slots = d->hash_next;
    memset(d, 0, sizeof *d);
    d->key = *k;
    d->first_ts = ts;
    d->total = IPFRAG_NO_TOTAL;
    d->cut_at = IPFRAG_NO_TOTAL;
    b = ipfrag_bucket(t, k);
    d->hash_next = t->buckets[b];
    t->buckets[b] = d;
    d->age_prev = t->newest;
    if (t->newest != NULL)
        t->newest->age_next = d;
    else
        t->oldest = d;
    t->newest = d;
    t->pending++;
    return d;
}

/* -------------------------------------------------------------- ranges */

/* Is [start, end) entirely present? */
static int ipfrag_covered(const struct ipfrag_datagram_state *d, uint32_t start, uint32_t end)
{
    for (unsigned i = 0; i < d->range_count; i++) {
        if (d->ranges[i].start <= start && end <= d->ranges[i].end)
            return 1;
    }
    return 0;
}

/* Adds [start, end) to the sorted, disjoint, non-adjacent range list.
 * Returns -1 when the list would need more than IPFRAG_MAX_RANGES. */
static int ipfrag_range_add(struct ipfrag_datagram_state *d, uint32_t start, uint32_t end)
{
    struct ipfrag_range merged[IPFRAG_MAX_RANGES + 1];
    unsigned n = 0;
    unsigned i = 0;

    while (i < d->range_count && d->ranges[i].end < start)
        merged[n++] = d->ranges[i++];
    while (i < d->range_count && d->ranges[i].start <= end) {
        if (d->ranges[i].start < start)
            start = d->ranges[i].start;
        if (d->ranges[i].end > end)
            end = d->ranges[i].end;
        i++;
    }
    merged[n].start = start;
    merged[n++].end = end;
    while (i < d->range_count && n <= IPFRAG_MAX_RANGES)
        merged[n++] = d->ranges[i++];
    if (n > IPFRAG_MAX_RANGES)
        return -1;
    memcpy(d->ranges, merged, n * sizeof merged[0]);
    d->range_count = (uint8_t)n;
    return 0;
}

/* ---------------------------------------------------------------- bytes */

/* Copies bytes at payload offset `at`, chunk by chunk. Bytes already
 * present stay (first copy wins); a differing later copy sets *conflict.
 * Returns -1 when the chunk budget ran out. */
static int ipfrag_store(struct ipfrag_table *t, struct ipfrag_datagram_state *d, uint32_t at, const uint8_t *bytes,
                        uint32_t len, int *conflict)
{
    while (len > 0) {
        uint32_t index = at / IPFRAG_CHUNK_SIZE;
        uint32_t off = at % IPFRAG_CHUNK_SIZE;
        uint32_t n = IPFRAG_CHUNK_SIZE - off < len ? IPFRAG_CHUNK_SIZE - off : len;

        if (d->chunks[index] == NULL && (d->chunks[index] = ipfrag_chunk_get(t)) == NULL)
            return -1;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t *slot = &d->chunks[index]->bytes[off + i];
            uint32_t pos = at + i;

            if (!ipfrag_covered(d, pos, pos + 1u))
                *slot = bytes[i];
            else if (pos < d->cut_at && *slot != bytes[i])
                *conflict = 1;
        }
        at += n;
        bytes += n;
        len -= n;
    }
    return 0;
}

/* RFC 791 §3.2 and RFC 8200 §4.5: every fragment but the last carries a
 * multiple of 8 octets, and nothing may run past the datagram's end. */
static int ipfrag_valid(const struct ipfrag_datagram_state *d, const struct decode_fragment *f, uint32_t end)
{
    if (end > IPFRAG_MAX_PAYLOAD || end == f->offset)
        return 0;
    if (f->more && (end - f->offset) % 8u != 0)
        return 0;
    if (!f->more && d->total != IPFRAG_NO_TOTAL && d->total != end)
        return 0;
    if (d->total != IPFRAG_NO_TOTAL && end > d->total)
        return 0;
    if (!f->more && d->range_count > 0 && d->ranges[d->range_count - 1].end > end)
        return 0;
    return 1;
}

/* The whole payload, contiguous in t->out. */
static void ipfrag_complete(struct ipfrag_table *t, struct ipfrag_datagram_state *d, struct ipfrag_datagram *out)
{
    uint32_t kept = d->cut_at < d->total ? d->cut_at : d->total;

    for (uint32_t at = 0; at < kept; at += IPFRAG_CHUNK_SIZE) {
        uint32_t n = kept - at < IPFRAG_CHUNK_SIZE ? kept - at : IPFRAG_CHUNK_SIZE;

        memcpy(t->out + at, d->chunks[at / IPFRAG_CHUNK_SIZE]->bytes, n);
    }
    memset(out, 0, sizeof *out);
    out->ip_version = d->key.ip_version;
    out->protocol = d->key.ip_version == 4 ? d->key.protocol : d->protocol;
    memcpy(out->src_addr, d->key.src, 16);
    memcpy(out->dst_addr, d->key.dst, 16);
    out->payload = t->out;
    out->len = kept;
    out->missing = d->total - kept;
    out->overlap_conflict = d->conflict;
    t->stats.reassembled++;
    ipfrag_release(t, d);
}

/* Frees chunks by giving up the oldest other datagrams. */
static int ipfrag_make_room(struct ipfrag_table *t, const struct ipfrag_datagram_state *keep)
{
    struct ipfrag_datagram_state *victim = t->oldest;

    if (victim == keep)
        victim = victim->age_next;
    if (victim == NULL)
        return -1;
    ipfrag_release(t, victim);
    t->stats.evicted++;
    return 0;
}

static enum ipfrag_result ipfrag_give_up(struct ipfrag_table *t, struct ipfrag_datagram_state *d, uint64_t *counter)
{
    (*counter)++;
    ipfrag_release(t, d);
    return IPFRAG_DROPPED;
}

/* Stores the fragment's bytes, making room at the expense of older
 * datagrams if the budget is spent. */
static int ipfrag_store_fragment(struct ipfrag_table *t, struct ipfrag_datagram_state *d,
                                 const struct decode_fragment *f)
{
    int conflict = 0;

    while (ipfrag_store(t, d, f->offset, f->data, f->len, &conflict) != 0) {
        if (ipfrag_make_room(t, d) != 0)
            return -1;
    }
    if (conflict) {
        t->stats.overlap_conflicts++;
        d->conflict = 1;
    }
    return 0;
}

enum ipfrag_result ipfrag_add(struct ipfrag_table *t, const struct packet_view *v, struct event_time ts,
                              struct ipfrag_datagram *out)
{
    const struct decode_fragment *f = &v->fragment;
    uint64_t end64 = (uint64_t)f->offset + f->len + f->missing;
    struct ipfrag_datagram_state *d;
    struct ipfrag_key key;
    uint32_t end;

    t->stats.fragments++;
    if (ipfrag_start(t) != 0 || end64 > IPFRAG_MAX_PAYLOAD || (f->len > 0 && f->data == NULL)) {
        t->stats.malformed++;
        return IPFRAG_DROPPED;
    }
    end = (uint32_t)end64;
    ipfrag_key_of(v, &key);
    d = ipfrag_find(t, &key);
    if (d == NULL)
        d = ipfrag_create(t, &key, ts);
    if (!ipfrag_valid(d, f, end))
        return ipfrag_give_up(t, d, &t->stats.malformed);
    if (ipfrag_covered(d, f->offset, end))
        t->stats.duplicates++;
    if (f->offset == 0)
        d->protocol = f->protocol;
    if (f->missing > 0 && f->offset + f->len < d->cut_at)
        d->cut_at = f->offset + f->len;
    if (ipfrag_store_fragment(t, d, f) != 0)
        return ipfrag_give_up(t, d, &t->stats.evicted);
    if (ipfrag_range_add(d, f->offset, end) != 0)
        return ipfrag_give_up(t, d, &t->stats.too_fragmented);
    if (!f->more)
        d->total = end;
    if (d->total != IPFRAG_NO_TOTAL && d->range_count == 1 && d->ranges[0].start == 0 && d->ranges[0].end == d->total) {
        ipfrag_complete(t, d, out);
        return IPFRAG_COMPLETE;
    }
    return IPFRAG_HELD;
}

static int ipfrag_expired(struct event_time first, struct event_time now, uint32_t timeout)
{
    uint64_t waited;

    if (now.sec < first.sec)
        return 0;
    waited = (uint64_t)now.sec - (uint64_t)first.sec;
    return waited > timeout || (waited == timeout && now.usec >= first.usec);
}

void ipfrag_expire(struct ipfrag_table *t, struct event_time now)
{
    while (t->oldest != NULL && ipfrag_expired(t->oldest->first_ts, now, t->timeout)) {
        ipfrag_release(t, t->oldest);
        t->stats.timed_out++;
    }
}
