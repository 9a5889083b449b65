/* The connection table: one struct flow per TCP connection, found by its
 * addresses and ports from either direction, with client and server roles,
 * an LRU list on packet time for idle timeouts and eviction, and a fixed
 * capacity. Flows come from a recycled pool: no allocation per packet. */
#ifndef POP3SCOPE_FLOW_H
#define POP3SCOPE_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "decode.h"
#include "event.h"
#include "stream.h"

struct pop3_session;

/* Index of a direction: also the index into struct flow's streams. */
enum flow_direction {
    FLOW_FROM_CLIENT = 0,
    FLOW_FROM_SERVER = 1,
};

#define FLOW_F_HANDSHAKE 0x01u /* roles come from a SYN or SYN-ACK */
#define FLOW_F_FIN_CLIENT 0x02u
#define FLOW_F_FIN_SERVER 0x04u
#define FLOW_F_RST 0x08u
#define FLOW_F_COUNT_ONLY 0x10u /* TLS: bytes are counted, not reassembled */
#define FLOW_F_CLOSED 0x20u     /* ended by FIN or RST; kept a while so late
                                   packets of it are recognised and ignored */
#define FLOW_F_ACK_SEEN 0x40u   /* a segment carried ACK: sequence numbers are
                                   trusted for good (see struct flow_seqcheck) */
#define FLOW_F_SEQ_RAW 0x80u    /* sequence numbers unusable: payloads go to
                                   the tracker in capture order */

/* Evidence that a connection's sequence numbers do not follow its payload
 * (captures that zero or byte-swap them and clear ACK): per direction,
 * where the last segment ended in capture order, and how many payload
 * segments continued exactly there (good) or did not (bad). */
struct flow_seqcheck {
    uint32_t last_seq[2]; /* of the last payload segment (or SYN) */
    uint32_t last_end[2];
    uint8_t seen;         /* bit per direction: last_* is set */
    uint8_t good;
    uint8_t bad;
};

struct flow {
    struct flow *hash_next;
    uint64_t hash;         /* flow_hash_view() of its packets: chains compare this first */
    struct flow *lru_prev; /* towards the least recently seen */
    struct flow *lru_next;
    struct event_flow meta; /* the key too: client and server endpoints */
    struct event_time first_ts;
    struct event_time last_ts;
    /* Evidence: the inputs of the first and last packets (interned
     * names, NULL live). */
    const char *first_file;
    const char *last_file;
    struct stream streams[2];     /* [FLOW_FROM_CLIENT], [FLOW_FROM_SERVER] */
    struct pop3_session *session; /* NULL until the first payload byte */
    struct classify_probe probe;
    struct classify_app app;    /* nDPI's name for it, bytes, STLS check */
    uint64_t pending_anomalies; /* seen before the session existed */
    uint8_t verdict;            /* enum classify_verdict */
    uint8_t flags;              /* FLOW_F_* */
    uint8_t checksum_state;     /* analyzer.c: checksum trust per direction */
    uint32_t probe_bytes;       /* payload seen while undecided */
    struct flow_seqcheck seqcheck;
    uint64_t last_frame;        /* --threads: frame of the last packet, the
                                   order of idle-sweep events (shard.c) */
};

struct flow_table;

/* At most this many closed connections keep their slot (flow_close): when
 * one more closes, the one that closed first is forgotten. See flow.c. */
#define FLOW_CLOSED_MAX 4096u

/* Seeds the process-wide secret key of flow_hash_view from getrandom().
 * Idempotent and safe to call from several threads; main() calls it once
 * before any thread starts, flow_table_new() calls it too. */
void flow_hash_init(void);

/* The hash of the connection a packet belongs to: the same value for both
 * directions, keyed by the secret so no sender can aim connections at one
 * bucket. Pure after flow_hash_init() (it seeds on first use otherwise),
 * thread-safe. Every bit is usable (e.g. hash % threads). */
uint64_t flow_hash_view(const struct packet_view *v);

/* Capacity is fixed at max_flows (at least 1). NULL on ENOMEM. */
struct flow_table *flow_table_new(size_t max_flows);

/* Frees the table and every flow's memory. Flows still in it must have had
 * their streams, probe and session released by the caller. */
void flow_table_free(struct flow_table *t);

/* The flow this packet belongs to, or NULL; *dir says which way it goes. */
struct flow *flow_lookup(struct flow_table *t, const struct packet_view *v, enum flow_direction *dir);

/* The same, with hash = flow_hash_view(v) already computed by the caller,
 * so a packet is hashed once for its lookup and a possible create. */
struct flow *flow_lookup_hashed(struct flow_table *t, const struct packet_view *v, uint64_t hash,
                                enum flow_direction *dir);

/* A new flow for this packet, with roles decided: the sender of a SYN
 * without ACK is the client, of a SYN-ACK the server; else the side on
 * port 110 or 995 is the server; else the sender is the server when
 * `sender_looks_like_server` (its payload starts like a server line).
 * flow_id is the next number in creation order. NULL when the table is
 * full (evict first) or memory ran out. */
struct flow *flow_create(struct flow_table *t, const struct packet_view *v, struct event_time ts,
                         int sender_looks_like_server);

/* flow_create with hash = flow_hash_view(v) already computed. */
struct flow *flow_create_hashed(struct flow_table *t, const struct packet_view *v, uint64_t hash, struct event_time ts,
                                int sender_looks_like_server);

/* Direction of a packet of this flow. */
enum flow_direction flow_direction_of(const struct flow *f, const struct packet_view *v);

/* A packet was seen: an open flow becomes the most recently seen. */
void flow_touch(struct flow_table *t, struct flow *f, struct event_time ts);

/* The connection ended at ts (its session was reported and its state
 * released): the flow keeps its slot, on a list of its own in the order
 * flows closed, so a retransmission or a late segment of it is not taken
 * for a new connection (RFC 9293 §3.6 TIME-WAIT: the network may still
 * deliver old segments). A closed slot is the first one reused; beyond
 * FLOW_CLOSED_MAX closed flows, the earliest closed is removed here. */
void flow_close(struct flow_table *t, struct flow *f, struct event_time ts);

/* The least recently seen open flow (first to time out or be evicted), or
 * NULL; follow ->lru_next towards the most recent. */
struct flow *flow_oldest(const struct flow_table *t);

/* The closed flow that closed first, or NULL; ->lru_next to later ones. */
struct flow *flow_oldest_closed(const struct flow_table *t);

/* Takes the flow out of the table and returns its slot to the pool. The
 * caller has released its streams, probe and session. */
void flow_remove(struct flow_table *t, struct flow *f);

/* Flows in the table, closed ones included; and closed ones alone. */
size_t flow_count(const struct flow_table *t);
size_t flow_closed_count(const struct flow_table *t);
int flow_table_full(const struct flow_table *t);

/* Bytes the table holds: the bucket array and every flow slot created
 * (slots are recycled, never returned before flow_table_free). */
size_t flow_table_memory(const struct flow_table *t);

#endif
