/* Inside --threads (shard.h): the records on the rings, the threads'
 * shared state, and what the reader (shard_reader.c), the workers
 * (shard_worker.c), the writer (shard_writer.c) and the set-up (shard.c)
 * call of each other. */
#ifndef POP3SCOPE_SHARD_INTERNAL_H
#define POP3SCOPE_SHARD_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "analyzer.h"
#include "analyzer_back.h"
#include "analyzer_front.h"
#include "event_copy.h"
#include "ring.h"
#include "shard.h"

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
    uint64_t number; /* evidence: the frame's number in its input */
    uint64_t hash; /* flow_hash_view, so the worker hashes no more */
    int64_t ts_sec;
    uint32_t ts_usec;
    uint32_t seq;
    uint32_t ack;
    uint16_t src_port;
    uint16_t dst_port;
    uint16_t window;
    uint8_t tcp_header_len; /* held: the TCP and IPv4 headers lie just */
    uint8_t ip_header_len; /* before the payload, in the frame */
    uint32_t payload_len;
    uint32_t payload_missing;
    uint32_t input; /* evidence: which input file */
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
    struct analyzer_back *back;
    bool in_pending; /* reader: records committed, not published */
    /* Worker's side: the order key of what it emits now. */
    uint64_t pos;
    uint64_t sub;
    uint64_t seq;
    bool snapshot_stale;
    bool out_unannounced; /* events published, the writer not told */
    size_t announced_at; /* output ring bytes at the last announcement */
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
    struct analyzer_front *front; /* the reader's */
    event_sink_fn sink;
    event_sink_fn stats_sink;
    void *sink_ctx;
    /* Reader's batch. */
    uint64_t pending_pos; /* every record up to here is committed */
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
    /* Where every worker's sweep stops (shard_sweep_meet). */
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

/* A producer facing a full ring waits this long before it looks again. */
static inline void shard_pause(void)
{
    struct timespec ts = { 0, SHARD_FULL_POLL_NS };

    nanosleep(&ts, NULL);
}

static inline void shard_wake_writer(struct shard *s)
{
    ring_bell_ring(&s->writer_bell);
}

/* shard_reader.c: the front half (before the threads start); the end
 * of input handed to every started worker. */
bool shard_reader_init(struct shard *s, const struct analyzer_options *opts);
void shard_reader_finish(struct shard *s, enum event_end how);

/* shard_worker.c: one worker's rings and back half, with its share of
 * the limits; the thread's body. */
bool shard_worker_init(struct shard *s, struct shard_worker *w, const struct analyzer_options *opts);
void shard_worker_fini(struct shard_worker *w);
void *shard_worker_main(void *arg);

/* shard_writer.c: the thread's body; what it holds after it stopped. */
void *shard_writer_main(void *arg);
void shard_writer_fini(struct shard *s);

#endif
