#include "flow.h"

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
    uint64_t key[2]; /* hash key: secret, so no peer can aim flows at one bucket */
};

/* ------------------------------------------------------------------ hash */

#define FLOW_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void flow_sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = FLOW_ROTL(v[1], 13);
    v[1] ^= v[0];
    v[0] = FLOW_ROTL(v[0], 32);
    v[2] += v[3];
    v[3] = FLOW_ROTL(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = FLOW_ROTL(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = FLOW_ROTL(v[1], 17);
    v[1] ^= v[2];
    v[2] = FLOW_ROTL(v[2], 32);
}

/* SipHash-1-3 over whole words: a keyed hash, so an attacker who picks
 * addresses and ports cannot build one long chain (hash flooding). */
static uint64_t flow_siphash(const uint64_t key[2], const uint64_t *words, size_t n)
{
    uint64_t v[4] = {
        key[0] ^ 0x736f6d6570736575ull,
        key[1] ^ 0x646f72616e646f6dull,
        key[0] ^ 0x6c7967656e657261ull,
        key[1] ^ 0x7465646279746573ull,
    };
    uint64_t last = (uint64_t)(n * 8u) << 56;

    for (size_t i = 0; i < n; i++) {
        v[3] ^= words[i];
        flow_sip_round(v);
        v[0] ^= words[i];
    }
    v[3] ^= last;
    flow_sip_round(v);
    v[0] ^= last;
    v[2] ^= 0xffu;
    flow_sip_round(v);
    flow_sip_round(v);
    flow_sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static int flow_endpoint_cmp(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
    int c = memcmp(a, b, 16);

    if (c != 0)
        return c;
    return (pa > pb) - (pa < pb);
}

/* The same value from either direction: endpoints are hashed in a fixed
 * order. */
static size_t flow_bucket(const struct flow_table *t, uint8_t ip_version, const uint8_t *a, uint16_t pa,
                          const uint8_t *b, uint16_t pb)
{
    uint64_t words[5];

    if (flow_endpoint_cmp(a, pa, b, pb) > 0) {
        const uint8_t *ta = a;
        uint16_t tp = pa;

        a = b;
        pa = pb;
        b = ta;
        pb = tp;
    }
    memcpy(&words[0], a, 16);
    memcpy(&words[2], b, 16);
    words[4] = (uint64_t)pa << 32 | (uint64_t)pb << 16 | ip_version;
    return (size_t)flow_siphash(t->key, words, 5) & t->bucket_mask;
}

/* ----------------------------------------------------------------- table */

static void flow_table_seed(struct flow_table *t)
{
    if (getrandom(t->key, sizeof t->key, GRND_NONBLOCK) != (ssize_t)sizeof t->key) {
        /* No entropy yet (early boot): a fixed key still works, it only
         * loses the protection against crafted collisions. */
        t->key[0] = 0x0123456789abcdefull ^ (uint64_t)(uintptr_t)t;
        t->key[1] = 0xfedcba9876543210ull;
    }
}

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
    flow_table_seed(t);
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
    return port == f->meta.client_port && memcmp(addr, f->meta.client_addr, 16) == 0;
}

static int flow_is_server(const struct flow *f, const uint8_t *addr, uint16_t port)
{
    return port == f->meta.server_port && memcmp(addr, f->meta.server_addr, 16) == 0;
}

enum flow_direction flow_direction_of(const struct flow *f, const struct packet_view *v)
{
    return flow_is_client(f, v->src_addr, v->src_port) ? FLOW_FROM_CLIENT : FLOW_FROM_SERVER;
}

struct flow *flow_lookup(struct flow_table *t, const struct packet_view *v, enum flow_direction *dir)
{
    size_t b = flow_bucket(t, v->ip_version, v->src_addr, v->src_port, v->dst_addr, v->dst_port);

    for (struct flow *f = t->buckets[b]; f != NULL; f = f->hash_next) {
        if (f->meta.ip_version != v->ip_version)
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

void flow_close(struct flow_table *t, struct flow *f, struct event_time ts)
{
    if (f->flags & FLOW_F_CLOSED)
        return;
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

struct flow *flow_create(struct flow_table *t, const struct packet_view *v, struct event_time ts,
                         int sender_looks_like_server)
{
    struct flow *f;
    size_t b;

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
    b = flow_bucket(t, v->ip_version, v->src_addr, v->src_port, v->dst_addr, v->dst_port);
    f->hash_next = t->buckets[b];
    t->buckets[b] = f;
    flow_list_append(&t->open, f);
    t->count++;
    return f;
}

void flow_remove(struct flow_table *t, struct flow *f)
{
    size_t b = flow_bucket(t, f->meta.ip_version, f->meta.client_addr, f->meta.client_port, f->meta.server_addr,
                           f->meta.server_port);
    struct flow **link = &t->buckets[b];

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

/* ------------------------------------------------- sharding (--threads) */

/* Provisional (perf-threads): the keyed SipHash over the endpoints in a
 * fixed order, as flow_bucket does, with one key for the process. */
static uint64_t flow_shard_key[2];

void flow_hash_init(void)
{
    if (getrandom(flow_shard_key, sizeof flow_shard_key, GRND_NONBLOCK) != (ssize_t)sizeof flow_shard_key) {
        flow_shard_key[0] = 0x0123456789abcdefull ^ (uint64_t)(uintptr_t)&flow_shard_key;
        flow_shard_key[1] = 0xfedcba9876543210ull;
    }
}

uint64_t flow_hash_view(const struct packet_view *v)
{
    const uint8_t *a = v->src_addr, *b = v->dst_addr;
    uint16_t pa = v->src_port, pb = v->dst_port;
    uint64_t words[5];

    if (flow_endpoint_cmp(a, pa, b, pb) > 0) {
        a = v->dst_addr;
        b = v->src_addr;
        pa = v->dst_port;
        pb = v->src_port;
    }
    memcpy(&words[0], a, 16);
    memcpy(&words[2], b, 16);
    words[4] = (uint64_t)pa << 32 | (uint64_t)pb << 16 | v->ip_version;
    return flow_siphash(flow_shard_key, words, 5);
}
