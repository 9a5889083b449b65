#include "flow.h"
#include "keyed_hash.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* Flows are created in slabs and recycled through a free list, so a busy
 * link costs an allocation per FLOW_SLAB_FLOWS new connections at most,
 * and none once the table has reached its working size. */
#define FLOW_SLAB_FLOWS 256u

/* Buckets beyond this are not worth their memory: chains just get longer. */
#define FLOW_MAX_BUCKETS (1u << 24)

struct flow_slab {
    struct flow_slab *next;
    struct flow flows[];
};

/* A list through lru_prev/lru_next, oldest first. */
struct flow_list {
    struct flow *head;
    struct flow *tail;
};

struct flow_table {
    struct flow **buckets;
    size_t bucket_mask;
    size_t max_flows;
    size_t count;  /* open and closed */
    size_t closed_count; /* of which closed */
    size_t allocated;
    struct flow *free_list; /* linked through hash_next */
    struct flow_slab *slabs;
    size_t slab_count;
    struct flow_list open;   /* least recently seen first */
    struct flow_list closed; /* earliest closed first */
    uint64_t last_flow_id;
};

/* ------------------------------------------------------------------ hash */

/* The hash is SipHash-1-3 (Aumasson and Bernstein; one compression round
 * per word, three to finish) over a compact key: 12 bytes for IPv4 (two
 * addresses, two ports), 36 for IPv6. Why SipHash and not something
 * cheaper: the addresses and ports are chosen by whoever sends packets past
 * the sensor, and a hash they could predict lets them put every connection
 * into one chain (hash flooding: each packet then walks the chain). SipHash
 * is a PRF under a 128-bit secret, so without the key no input set is
 * better than random; the 1-3 variant is the one Python (3.11+) and Rust's
 * HashMap use for this very purpose. Seeded multiply-mix hashes (wyhash and
 * kin) are cheaper but have no such analysis to point to. The cost is in
 * the input: so the key is packed into as few words as it fits (IPv4: two,
 * five rounds in all), held in registers, with no call and no memcmp.
 *
 * Both directions hash alike because the two endpoints (address, port) go
 * in a fixed order, the smaller first. Any total order will do, so it
 * compares native-endian words, not bytes. */

#define FLOW_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound on four locals; a macro so the state stays in registers. */
#define FLOW_SIPROUND(v0, v1, v2, v3) \
    do { \
        (v0) += (v1); \
        (v1) = FLOW_ROTL((v1), 13); \
        (v1) ^= (v0); \
        (v0) = FLOW_ROTL((v0), 32); \
        (v2) += (v3); \
        (v3) = FLOW_ROTL((v3), 16); \
        (v3) ^= (v2); \
        (v0) += (v3); \
        (v3) = FLOW_ROTL((v3), 21); \
        (v3) ^= (v0); \
        (v2) += (v1); \
        (v1) = FLOW_ROTL((v1), 17); \
        (v1) ^= (v2); \
        (v2) = FLOW_ROTL((v2), 32); \
    } while (0)

enum { FLOW_HASH_UNSEEDED, FLOW_HASH_SEEDING, FLOW_HASH_READY };

static atomic_int flow_hash_state = FLOW_HASH_UNSEEDED;
static uint64_t flow_hash_key[2]; /* written once, before state is READY */

static void flow_hash_seed(void)
{
    uint8_t key[sizeof flow_hash_key];
    size_t got = 0;

    while (got < sizeof key) {
        ssize_t n = getrandom(key + got, sizeof key - got, GRND_NONBLOCK);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < sizeof key) {
        /* No entropy yet (early boot): a fixed key still works, it only
         * loses the protection against crafted collisions. */
        flow_hash_key[0] = 0x0123456789abcdefull ^ (uint64_t)(uintptr_t)&flow_hash_state;
        flow_hash_key[1] = 0xfedcba9876543210ull;
        return;
    }
    memcpy(flow_hash_key, key, sizeof key);
}

void flow_hash_init(void)
{
    int expected = FLOW_HASH_UNSEEDED;

    if (atomic_load_explicit(&flow_hash_state, memory_order_acquire) == FLOW_HASH_READY)
        return;
    if (atomic_compare_exchange_strong_explicit(&flow_hash_state, &expected, FLOW_HASH_SEEDING, memory_order_acq_rel,
                                                memory_order_acquire)) {
        flow_hash_seed();
        atomic_store_explicit(&flow_hash_state, FLOW_HASH_READY, memory_order_release);
        return;
    }
    /* Another thread is seeding: one getrandom() call, so wait it out. */
    while (atomic_load_explicit(&flow_hash_state, memory_order_acquire) != FLOW_HASH_READY)
        continue;
}

static inline uint64_t flow_load64(const uint8_t *p)
{
    uint64_t x;

    memcpy(&x, p, sizeof x);
    return x;
}

static inline uint32_t flow_load32(const uint8_t *p)
{
    uint32_t x;

    memcpy(&x, p, sizeof x);
    return x;
}

/* SipHash-1-3 in three steps, small enough to be inlined, so each caller's
 * word count is a constant and the state stays in registers: the key
 * loaded, one round per 8-byte word of the message (the last carries the
 * message length in its top byte, the padding rule of the spec), then the
 * finish. */
struct flow_sip {
    uint64_t v0, v1, v2, v3;
};

static inline void flow_sip_begin(struct flow_sip *s)
{
    s->v0 = flow_hash_key[0] ^ 0x736f6d6570736575ull;
    s->v1 = flow_hash_key[1] ^ 0x646f72616e646f6dull;
    s->v2 = flow_hash_key[0] ^ 0x6c7967656e657261ull;
    s->v3 = flow_hash_key[1] ^ 0x7465646279746573ull;
}

static inline void flow_sip_word(struct flow_sip *s, uint64_t m)
{
    s->v3 ^= m;
    FLOW_SIPROUND(s->v0, s->v1, s->v2, s->v3);
    s->v0 ^= m;
}

static inline uint64_t flow_sip_end(struct flow_sip *s)
{
    s->v2 ^= 0xffu;
    FLOW_SIPROUND(s->v0, s->v1, s->v2, s->v3);
    FLOW_SIPROUND(s->v0, s->v1, s->v2, s->v3);
    FLOW_SIPROUND(s->v0, s->v1, s->v2, s->v3);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* IPv4: each endpoint as one 48-bit number (address, port); the smaller
 * first. 12 message bytes: a full word and 4 bytes with the length. */
static uint64_t flow_hash_v4(const struct packet_view *v)
{
    uint64_t s = (uint64_t)flow_load32(v->src_addr) << 16 | v->src_port;
    uint64_t d = (uint64_t)flow_load32(v->dst_addr) << 16 | v->dst_port;
    uint64_t lo = s < d ? s : d;
    uint64_t hi = s < d ? d : s;
    struct flow_sip sip;

    flow_sip_begin(&sip);
    flow_sip_word(&sip, lo | hi << 48);
    flow_sip_word(&sip, hi >> 16 | (uint64_t)12 << 56);
    return flow_sip_end(&sip);
}

/* IPv6: addresses as two words each, ports packed in the last word with
 * the length (36 bytes: four full words and 4 bytes). */
static uint64_t flow_hash_v6(const struct packet_view *v)
{
    uint64_t s0 = flow_load64(v->src_addr), s1 = flow_load64(v->src_addr + 8);
    uint64_t d0 = flow_load64(v->dst_addr), d1 = flow_load64(v->dst_addr + 8);
    int src_first = s0 != d0 ? s0 < d0 : s1 != d1 ? s1 < d1 : v->src_port <= v->dst_port;
    uint64_t ports = src_first ? (uint64_t)v->src_port | (uint64_t)v->dst_port << 16
                               : (uint64_t)v->dst_port | (uint64_t)v->src_port << 16;
    struct flow_sip sip;

    flow_sip_begin(&sip);
    flow_sip_word(&sip, src_first ? s0 : d0);
    flow_sip_word(&sip, src_first ? s1 : d1);
    flow_sip_word(&sip, src_first ? d0 : s0);
    flow_sip_word(&sip, src_first ? d1 : s1);
    flow_sip_word(&sip, ports | (uint64_t)36 << 56);
    return flow_sip_end(&sip);
}

uint64_t flow_hash_view(const struct packet_view *v)
{
    if (atomic_load_explicit(&flow_hash_state, memory_order_acquire) != FLOW_HASH_READY)
        flow_hash_init();
    /* The version is not hashed: the lengths differ, and lookups compare
     * it. Anything not IPv4 takes the 16-byte path, which reads only the
     * view's own arrays. */
    return v->ip_version == 4 ? flow_hash_v4(v) : flow_hash_v6(v);
}

/* keyed_hash.h: the same SipHash-1-3 under the same key, over any bytes
 * (8-byte words, then the tail with the length in the top byte). */
uint64_t keyed_hash(const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t full = len - len % 8;
    uint64_t tail = (uint64_t)len << 56;
    struct flow_sip sip;

    if (atomic_load_explicit(&flow_hash_state, memory_order_acquire) != FLOW_HASH_READY)
        flow_hash_init();
    flow_sip_begin(&sip);
    for (size_t i = 0; i < full; i += 8)
        flow_sip_word(&sip, flow_load64(p + i));
    for (size_t i = 0; i < len % 8; i++)
        tail |= (uint64_t)p[full + i] << (8 * i);
    flow_sip_word(&sip, tail);
    return flow_sip_end(&sip);
}

/* Address and port equal, by two word compares instead of a memcmp call. */
static inline int flow_endpoint_eq(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
    return ((flow_load64(a) ^ flow_load64(b)) | (flow_load64(a + 8) ^ flow_load64(b + 8)) | (uint64_t)(pa ^ pb)) == 0;
}

/* ----------------------------------------------------------------- table */

struct flow_table *flow_table_new(size_t max_flows)
{
    struct flow_table *t = calloc(1, sizeof *t);
    size_t buckets = 16;

    if (t == NULL)
        return NULL;
    if (max_flows == 0)
        max_flows = 1;
    while (buckets < max_flows && buckets < FLOW_MAX_BUCKETS)
        buckets <<= 1;
    t->buckets = calloc(buckets, sizeof t->buckets[0]);
    if (t->buckets == NULL) {
        free(t);
        return NULL;
    }
    t->bucket_mask = buckets - 1;
    t->max_flows = max_flows;
    flow_hash_init();
    return t;
}

void flow_table_free(struct flow_table *t)
{
    struct flow_slab *slab;

    if (t == NULL)
        return;
    while ((slab = t->slabs) != NULL) {
        t->slabs = slab->next;
        free(slab);
    }
    free(t->buckets);
    free(t);
}

size_t flow_count(const struct flow_table *t)
{
    return t->count;
}

int flow_table_full(const struct flow_table *t)
{
    return t->count >= t->max_flows;
}

size_t flow_closed_count(const struct flow_table *t)
{
    return t->closed_count;
}

struct flow *flow_oldest(const struct flow_table *t)
{
    return t->open.head;
}

struct flow *flow_oldest_closed(const struct flow_table *t)
{
    return t->closed.head;
}

size_t flow_table_memory(const struct flow_table *t)
{
    return sizeof *t + (t->bucket_mask + 1) * sizeof t->buckets[0] + t->slab_count * sizeof(struct flow_slab) +
           t->allocated * sizeof(struct flow);
}

static int flow_is_client(const struct flow *f, const uint8_t *addr, uint16_t port)
{
    return flow_endpoint_eq(addr, port, f->meta.client_addr, f->meta.client_port);
}

static int flow_is_server(const struct flow *f, const uint8_t *addr, uint16_t port)
{
    return flow_endpoint_eq(addr, port, f->meta.server_addr, f->meta.server_port);
}

enum flow_direction flow_direction_of(const struct flow *f, const struct packet_view *v)
{
    return flow_is_client(f, v->src_addr, v->src_port) ? FLOW_FROM_CLIENT : FLOW_FROM_SERVER;
}

struct flow *flow_lookup_hashed(struct flow_table *t, const struct packet_view *v, uint64_t hash,
                                enum flow_direction *dir)
{
    for (struct flow *f = t->buckets[hash & t->bucket_mask]; f != NULL; f = f->hash_next) {
        /* The stored hash rules out nearly every other chain member with
         * one compare; the endpoints decide. */
        if (f->hash != hash || f->meta.ip_version != v->ip_version)
            continue;
        if (flow_is_client(f, v->src_addr, v->src_port) && flow_is_server(f, v->dst_addr, v->dst_port)) {
            *dir = FLOW_FROM_CLIENT;
            return f;
        }
        if (flow_is_server(f, v->src_addr, v->src_port) && flow_is_client(f, v->dst_addr, v->dst_port)) {
            *dir = FLOW_FROM_SERVER;
            return f;
        }
    }
    return NULL;
}

struct flow *flow_lookup(struct flow_table *t, const struct packet_view *v, enum flow_direction *dir)
{
    return flow_lookup_hashed(t, v, flow_hash_view(v), dir);
}

/* ------------------------------------------------------------------ LRU */

static void flow_list_unlink(struct flow_list *l, struct flow *f)
{
    if (f->lru_prev != NULL)
        f->lru_prev->lru_next = f->lru_next;
    else
        l->head = f->lru_next;
    if (f->lru_next != NULL)
        f->lru_next->lru_prev = f->lru_prev;
    else
        l->tail = f->lru_prev;
    f->lru_prev = NULL;
    f->lru_next = NULL;
}

static void flow_list_append(struct flow_list *l, struct flow *f)
{
    f->lru_prev = l->tail;
    f->lru_next = NULL;
    if (l->tail != NULL)
        l->tail->lru_next = f;
    else
        l->head = f;
    l->tail = f;
}

static struct flow_list *flow_list_of(struct flow_table *t, const struct flow *f)
{
    return (f->flags & FLOW_F_CLOSED) ? &t->closed : &t->open;
}

void flow_touch(struct flow_table *t, struct flow *f, struct event_time ts)
{
    f->last_ts = ts;
    /* A closed flow stays in the order it closed in: late packets do not
     * keep it alive. */
    if (!(f->flags & FLOW_F_CLOSED) && t->open.tail != f) {
        flow_list_unlink(&t->open, f);
        flow_list_append(&t->open, f);
    }
}

/* Why FLOW_CLOSED_MAX: a closed flow is a tombstone that makes late
 * segments of its connection be ignored. It would otherwise stay for the
 * linger time (60 s of packet time) however many connections close in
 * that time, so memory grew with the closing rate: a fast link or a
 * replay kept tens of thousands of them. What a tombstone guards against
 * is a retransmission or reordered segment that arrives after the close;
 * those come within an RTO or two (RFC 6298: 1 s minimum, usually far
 * less), so 4096 tombstones cover seconds even at a thousand closes a
 * second. A later stray without payload is ignored anyway; one with
 * payload starts a new mid-stream flow, as it would after the linger. */
void flow_close(struct flow_table *t, struct flow *f, struct event_time ts)
{
    if (f->flags & FLOW_F_CLOSED)
        return;
    if (t->closed_count >= FLOW_CLOSED_MAX)
        flow_remove(t, t->closed.head);
    flow_list_unlink(&t->open, f);
    f->flags |= FLOW_F_CLOSED;
    f->last_ts = ts;
    flow_list_append(&t->closed, f);
    t->closed_count++;
}

/* ----------------------------------------------------------- create/free */

static struct flow *flow_alloc(struct flow_table *t)
{
    struct flow *f;

    if (t->free_list == NULL) {
        size_t room = t->max_flows - t->allocated;
        size_t n = room < FLOW_SLAB_FLOWS ? room : FLOW_SLAB_FLOWS;
        struct flow_slab *slab = malloc(sizeof *slab + n * sizeof slab->flows[0]);

        if (slab == NULL)
            return NULL;
        slab->next = t->slabs;
        t->slabs = slab;
        t->slab_count++;
        for (size_t i = n; i-- > 0;) {
            slab->flows[i].hash_next = t->free_list;
            t->free_list = &slab->flows[i];
        }
        t->allocated += n;
    }
    f = t->free_list;
    t->free_list = f->hash_next;
    memset(f, 0, sizeof *f);
    return f;
}

/* RFC 9293 §3.5: the SYN without ACK opens the connection; its sender is
 * the client. Without a handshake, the well-known port names the server. */
static int flow_sender_is_server(const struct packet_view *v, int sender_looks_like_server, uint8_t *flags)
{
    if (v->tcp_flags & TCP_FLAG_SYN) {
        *flags |= FLOW_F_HANDSHAKE;
        return (v->tcp_flags & TCP_FLAG_ACK) != 0;
    }
    if (classify_is_server_port(v->dst_port))
        return 0;
    if (classify_is_server_port(v->src_port))
        return 1;
    return sender_looks_like_server != 0;
}

struct flow *flow_create_hashed(struct flow_table *t, const struct packet_view *v, uint64_t hash, struct event_time ts,
                                int sender_looks_like_server)
{
    struct flow *f;
    struct flow **bucket = &t->buckets[hash & t->bucket_mask];

    if (t->count >= t->max_flows)
        return NULL;
    f = flow_alloc(t);
    if (f == NULL)
        return NULL;
    f->meta.flow_id = ++t->last_flow_id;
    f->meta.ip_version = v->ip_version;
    if (flow_sender_is_server(v, sender_looks_like_server, &f->flags)) {
        memcpy(f->meta.client_addr, v->dst_addr, 16);
        memcpy(f->meta.server_addr, v->src_addr, 16);
        f->meta.client_port = v->dst_port;
        f->meta.server_port = v->src_port;
    } else {
        memcpy(f->meta.client_addr, v->src_addr, 16);
        memcpy(f->meta.server_addr, v->dst_addr, 16);
        f->meta.client_port = v->src_port;
        f->meta.server_port = v->dst_port;
    }
    stream_init(&f->streams[FLOW_FROM_CLIENT]);
    stream_init(&f->streams[FLOW_FROM_SERVER]);
    f->first_ts = ts;
    f->last_ts = ts;
    f->hash = hash;
    f->hash_next = *bucket;
    *bucket = f;
    flow_list_append(&t->open, f);
    t->count++;
    return f;
}

struct flow *flow_create(struct flow_table *t, const struct packet_view *v, struct event_time ts,
                         int sender_looks_like_server)
{
    return flow_create_hashed(t, v, flow_hash_view(v), ts, sender_looks_like_server);
}

void flow_remove(struct flow_table *t, struct flow *f)
{
    struct flow **link = &t->buckets[f->hash & t->bucket_mask];

    while (*link != NULL && *link != f)
        link = &(*link)->hash_next;
    if (*link == f)
        *link = f->hash_next;
    flow_list_unlink(flow_list_of(t, f), f);
    if (f->flags & FLOW_F_CLOSED)
        t->closed_count--;
    f->hash_next = t->free_list;
    t->free_list = f;
    t->count--;
}
