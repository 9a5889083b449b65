/* Per-direction TCP reassembly: turns the segments of one direction into
 * in-order bytes and gaps. In-order data is handed straight from the capture
 * buffer (no copy); only segments that arrive ahead of a hole are copied,
 * into fixed-size chunks drawn from a pool shared by every stream. The
 * stream knows nothing about POP3 or flows. */
#ifndef POP3SCOPE_STREAM_H
#define POP3SCOPE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Held bytes are stored and counted in whole chunks: a 1-byte segment
 * costs a chunk, so a peer sending many tiny out-of-order segments cannot
 * hold more memory than the limits say. */
#define STREAM_CHUNK_SIZE 2048u

/* Where a stream's bytes go. data() gets bytes that are only valid during
 * the call; gap() says `missing` bytes will never arrive. */
struct stream_sink {
    void (*data)(void *ctx, const uint8_t *bytes, size_t len, struct event_time ts);
    void (*gap)(void *ctx, uint64_t missing, struct event_time ts);
    void *ctx;
};

/* Bits returned by stream_segment: what this call saw that
 * the layer above may want to record as an anomaly. */
#define STREAM_EVENT_OVERLAP_CONFLICT 0x1u /* held bytes and a later copy differ */
#define STREAM_EVENT_LIMIT_GAP 0x2u        /* a store limit forced a hole to be given up */
#define STREAM_EVENT_LATE_DROPPED 0x4u     /* bytes came for a hole already given up */
#define STREAM_EVENT_OUT_OF_WINDOW 0x8u    /* a segment no receive window allows was ignored */

/* Chunk pool plus the limits and counters every stream shares. */
struct stream_pool;

/* Counters over every stream of a pool. */
struct stream_pool_stats {
    uint64_t chunks_in_use;
    uint64_t chunks_peak;        /* most chunks in use at once */
    uint64_t chunks_allocated;   /* chunks created (they are then recycled) */
    uint64_t overlap_conflicts;  /* segments whose bytes differed from held ones */
    uint64_t limit_gaps;         /* holes given up because a limit was hit */
    uint64_t limit_gap_bytes;    /* their size */
    uint64_t late_bytes_dropped; /* captured bytes that arrived for a hole
                                    already given up at a limit */
    uint64_t out_of_window;      /* segments starting beyond any window */
    uint64_t acked_gaps;         /* holes the peer acknowledged: lost by the capture */
    uint64_t acked_gap_bytes;
    uint64_t history_chunks;     /* of chunks_in_use: delivered bytes kept to
                                    compare retransmissions with */
    uint64_t syn_data_dropped;   /* bytes on a SYN the peer did not take */
};

/* Which copy of overlapping bytes the stream delivers. Bytes already
 * delivered are never rewritten by any policy (a receiver has handed them
 * to the application); the policies differ for bytes held out of order and
 * for an in-order segment that runs over held bytes.
 *  LINUX: what the Linux receiver keeps (net/ipv4/tcp_input.c
 *         tcp_data_queue, tcp_data_queue_ofo, tcp_ofo_queue), verified
 *         against the kernel by tests/hostile/overlap_netns.py:
 *         - a held segment that wholly contains a new one keeps its bytes;
 *         - a new segment with the same start that is longer replaces it;
 *         - a new segment that covers held ones removes them;
 *         - a new segment that starts right where a held one ends joins it
 *           (so a later longer copy of the joined part does not replace);
 *         - partial overlaps keep both: the lower start wins the overlap;
 *         - an in-order segment's bytes win over held ones.
 *  FIRST: the first copy seen wins everywhere (BSD-like, most IDS).
 *  LAST:  the latest copy wins for held bytes and over them. */
enum stream_overlap_policy {
    STREAM_OVERLAP_LINUX = 0,
    STREAM_OVERLAP_FIRST,
    STREAM_OVERLAP_LAST,
};

/* LINUX unless set; set it before the first segment. */
void stream_pool_set_policy(struct stream_pool *pool, enum stream_overlap_policy policy);

/* max_bytes_total: all held bytes of all streams; max_bytes_per_stream:
 * held bytes of one direction. Both are rounded down to whole chunks; 0
 * means "hold nothing": every hole is given up at once. NULL on ENOMEM. */
struct stream_pool *stream_pool_new(size_t max_bytes_total, size_t max_bytes_per_stream);

/* Every stream using the pool must have been released first. */
void stream_pool_free(struct stream_pool *pool);

void stream_pool_get_stats(const struct stream_pool *pool, struct stream_pool_stats *out);

#define STREAM_F_STARTED 0x01u /* next_seq is known */
#define STREAM_F_SYN 0x02u     /* the handshake gave the ISN */
#define STREAM_F_FIN 0x04u     /* fin_seq is known */
#define STREAM_F_RST 0x08u
#define STREAM_F_COUNTING 0x10u /* stream_count owns the union below */
#define STREAM_F_ACKED 0x20u    /* acked is set */
#define STREAM_F_SYN_DATA 0x40u /* the held bytes at isn + 1 came on the SYN:
                                   delivered only once the peer takes them */
#define STREAM_F_CAPTURE_ORDER 0x80u /* sequence numbers unusable: bytes go
                                        in capture order (stream_raw) */

/* Count-only streams remember this many holes below the highest byte seen,
 * so a reordered segment that fills one is still counted once. */
#define STREAM_COUNT_HOLES 3

struct stream_chunk;

/* A range of sequence space [start, end) not seen yet (count-only). */
struct stream_hole {
    uint32_t start;
    uint32_t end;
};

/* One direction of one connection. Zero-initialised (stream_init) until the
 * first segment. Owned by its flow; release it before freeing the flow.
 * A stream is either reassembled (stream_segment) or only counted
 * (stream_count); the two never hold state at once, so they share room. */
struct stream {
    union {
        struct {
            struct stream_chunk *held; /* out-of-order pieces, sorted, disjoint */
            uint32_t held_chunks;
            uint32_t forced_start; /* last hole given up (limit or ACK): bytes */
            uint32_t forced_end;   /* that arrive for it later are counted */
            uint32_t acked;        /* highest ACK from the peer; STREAM_F_ACKED */
        };
        struct stream_hole holes[STREAM_COUNT_HOLES]; /* empty when start == end */
    };
    struct stream_chunk *history; /* delivered bytes (last 1 KiB), or NULL */
    uint32_t next_seq; /* next byte to deliver (mod 2^32); count-only: the
                          byte after the highest seen */
    uint32_t isn;      /* valid with STREAM_F_SYN */
    uint32_t fin_seq;  /* where the stream ends; valid with STREAM_F_FIN */
    uint32_t syn_data_end; /* end of the bytes on the SYN; STREAM_F_SYN_DATA */
    uint8_t flags;     /* STREAM_F_* */
};

void stream_init(struct stream *s);

/* One TCP segment of this direction. `payload` holds the `len` captured
 * bytes; `missing` more bytes were on the wire after them (snaplen cut) and
 * become a gap. Retransmitted and already-delivered bytes are dropped
 * (compared first with the last 1 KiB delivered); overlapping copies are
 * resolved by the pool's policy (RFC 9293 leaves the choice to the
 * receiver; the default is the Linux receiver's). Every overlap whose
 * bytes differ returns STREAM_EVENT_OVERLAP_CONFLICT. Bytes on a SYN are
 * held until the peer acknowledges them (TCP Fast Open, RFC 7413 §4.2:
 * a server without a valid cookie acknowledges only the SYN and drops
 * them) or the sender moves past them; a sender that sends them again
 * from isn + 1 shows they were dropped. Returns STREAM_EVENT_* bits. */
unsigned stream_segment(struct stream *s, struct stream_pool *pool, uint8_t tcp_flags, uint32_t seq,
                        const uint8_t *payload, uint32_t len, uint32_t missing, struct event_time ts,
                        const struct stream_sink *sink);

/* For streams that are only counted (TLS): returns how many payload bytes
 * of this segment were not seen before, so retransmissions are counted
 * once and reordered segments still count. Holds no bytes: only the highest
 * sequence number seen and up to STREAM_COUNT_HOLES holes below it. A
 * stream switches to counting only while it holds nothing. */
uint64_t stream_count(struct stream *s, uint8_t tcp_flags, uint32_t seq, uint32_t len);

/* The peer acknowledged every byte of this direction before `ack` (RFC 9293
 * §3.4): the receiver had them, so any of them the capture has not shown
 * were lost by the capture, not the network. Call it with the ACK of each
 * segment of the other direction, before that segment's own bytes.
 * The acknowledged holes are given up (a gap of exactly their size) when
 * `settle` is set -- the acknowledging segment carries bytes of its own,
 * which the tracker must get after the gap, in the order the peers saw
 * them -- or when bytes (or the FIN) beyond them arrive, or when the ACK
 * reaches a FIN already seen, or at the end (an ACK alone, with nothing
 * seen beyond the hole, gives up at most 64 KiB). Until then a
 * retransmission can still fill them (a sender may resend what was already
 * received). A lost segment that carried a FIN shows as one byte more (the
 * FIN's sequence number), since an ACK cannot tell the two apart. */
void stream_ack(struct stream *s, struct stream_pool *pool, uint32_t ack, int settle, struct event_time ts,
                const struct stream_sink *sink);

/* End of connection: gives up every remaining hole (reported as a gap),
 * delivers all held bytes, and reports the bytes missing before the FIN
 * (or, without a FIN, before the peer's highest ACK). */
void stream_flush(struct stream *s, struct stream_pool *pool, struct event_time ts, const struct stream_sink *sink);

/* Returns the held chunks to the pool without delivering them. */
void stream_release(struct stream *s, struct stream_pool *pool);

/* RFC 9293 §3.10.7.4 and RFC 5961 §3: a receiver honours an RST only when
 * its sequence number falls in the receive window. The window's scale is
 * not known here, so the test is the unscaled maximum: from the next byte
 * this direction has shown up to 64 KiB beyond (a sender's RST carries its
 * SND.NXT, which is past bytes the capture may have missed, and past its
 * FIN). A blind RST with a random sequence number passes once in 65536.
 * Always true for a direction not seen yet (a refused SYN). */
#define STREAM_RST_WINDOW 65536u
int stream_rst_in_window(const struct stream *s, uint32_t seq);

/* True for a SYN that cannot belong to this stream: bytes of it went
 * through already, and the SYN is not a retransmission of the one that
 * started them. A new connection reuses the 4-tuple, and the capture
 * missed the end of the old one. */
int stream_foreign_syn(const struct stream *s, uint32_t seq);

/* True when the stream holds out-of-order bytes. */
int stream_holding(const struct stream *s);

/* True once a FIN was seen and every byte before it was delivered. */
int stream_complete(const struct stream *s);

#endif
