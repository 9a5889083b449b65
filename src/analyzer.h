/* One frame through the pipeline: decode -> flow -> classify -> stream ->
 * pop3, on one thread. A struct analyzer is the two halves joined: the
 * front (analyzer_front.h: decoding, IP fragments, the clock) hands each
 * frame's sweep and segment straight to the back (analyzer_back.h: flows,
 * classification, streams, trackers). --threads joins the same halves
 * through rings instead (shard.h). The options, counters and usage here
 * are both halves'; the caller owns the event sink. */
#ifndef POP3SCOPE_ANALYZER_H
#define POP3SCOPE_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "decode.h"
#include "event.h"
#include "pop3.h"

/* --checksum-validation (README "Hostile input"): which segments with a
 * wrong IPv4 header or TCP checksum are dropped before the stream, as the
 * receiving kernel drops them. */
enum analyzer_checksum_mode {
    ANALYZER_CHECKSUM_AUTO, /* drop them, except from a sender whose
                               checksums the capture shows unfinished
                               (offload; see analyzer.c) */
    ANALYZER_CHECKSUM_YES, /* drop every one */
    ANALYZER_CHECKSUM_NO, /* verify nothing */
};

/* Packet times outside 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z are
 * refused: nothing real lies there, and every later sum on times stays
 * far from overflowing. */
#define ANALYZER_TIME_MIN INT64_C(0)
#define ANALYZER_TIME_MAX INT64_C(253402300799)

struct analyzer_options {
    size_t max_flows; /* table capacity; the oldest idle flow is evicted */
    size_t max_sessions; /* POP3 trackers at once (each holds its line
                            buffers); beyond it a new connection is
                            counted in sessions_refused, not analyzed */
    uint32_t idle_timeout; /* seconds of packet time without a packet */
    size_t max_held_bytes_per_stream; /* out-of-order bytes per direction */
    size_t max_held_bytes_total; /* out-of-order bytes for all flows */
    size_t max_fragments; /* IP datagrams in reassembly at once */
    size_t max_fragment_bytes; /* fragment bytes held for all of them */
    uint32_t fragment_timeout; /* seconds a datagram waits for its fragments */
    struct pop3_limits pop3;
    bool no_ndpi; /* --no-ndpi: no application naming, nothing fed to nDPI */
    unsigned ndpi_share; /* --threads: nDPI's flow limit is divided by this
                            (0 or 1: whole) */
    enum analyzer_checksum_mode checksum_mode;
    unsigned overlap_policy; /* --overlap-policy: enum stream_overlap_policy
                                (0: linux) */
    /* The capture files, in the order read (none live): auth events name
     * them as evidence (event_frame_ref), so they must outlive the run. */
    const char *const *input_names;
    size_t input_count;
};

#define ANALYZER_DEFAULT_MAX_FLOWS 262144
#define ANALYZER_DEFAULT_IDLE_TIMEOUT 600
#define ANALYZER_DEFAULT_MAX_SESSIONS 8192
#define ANALYZER_DEFAULT_HELD_PER_STREAM (256u * 1024u)
#define ANALYZER_DEFAULT_HELD_TOTAL (64u * 1024u * 1024u)

/* Counters for the end-of-run report and the stats event. The front half
 * counts frames .. fragment_overlaps, truncated, malformed,
 * first_bad_frame, bad_times and first_bad_time_frame; the back half the
 * rest (analyzer_back_stats_add). */
struct analyzer_stats {
    uint64_t frames;
    uint64_t frame_bytes;
    uint64_t tcp_segments;
    uint64_t not_tcp; /* well-formed frames that are not TCP over IP */
    uint64_t unsupported_link;
    uint64_t fragments; /* IP fragments seen (README "Damaged and partial captures") */
    uint64_t fragments_reassembled; /* datagrams put back together */
    uint64_t fragments_dropped; /* datagrams given up: timeout, limits, bad offsets */
    uint64_t fragment_overlaps; /* fragments whose bytes differed from held ones */
    uint64_t truncated; /* headers cut by snaplen */
    uint64_t malformed; /* headers that lie */
    uint64_t flows_created;
    uint64_t flows_active;
    uint64_t flows_evicted; /* pushed out by a full table */
    uint64_t flows_timed_out;
    uint64_t pop3_sessions; /* flows recognised as POP3 (any tls) */
    uint64_t sessions_active; /* trackers alive now */
    uint64_t sessions_refused; /* POP3 flows skipped: max_sessions reached */
    uint64_t held_bytes_dropped; /* out-of-order bytes dropped at a limit */
    uint64_t gap_bytes; /* bytes reported missing to trackers */
    uint64_t first_bad_frame; /* record number of the first malformed or
                                 truncated frame, 0 if none */
    uint64_t bad_times; /* frames skipped: packet time outside 1970-9999 */
    uint64_t first_bad_time_frame; /* record number of the first, 0 if none */
    uint64_t checksum_dropped; /* segments dropped: wrong checksum */
    uint64_t checksum_offloaded; /* connection directions whose checksums
                                    the capture shows unfinished (offload) */
    uint64_t checksum_merged; /* wrong checksums kept: GRO-merged segments */
};

void analyzer_options_default(struct analyzer_options *opts);

struct analyzer *analyzer_new(const struct analyzer_options *opts, event_sink_fn sink, void *sink_ctx);

/* The frames that follow come from input_names[input]. */
void analyzer_begin_input(struct analyzer *an, uint32_t input);

/* Takes one captured frame; may emit events through the sink. The frame's
 * bytes are not kept after the call returns. */
void analyzer_frame(struct analyzer *an, const struct capture_frame *frame);

/* Ends every open session with `how` (END_END_OF_INPUT, END_SHUTDOWN),
 * emitting their events in flow_id order so output is deterministic. */
void analyzer_finish(struct analyzer *an, enum event_end how);

/* Both halves' counters, summed now; valid until the next call. */
const struct analyzer_stats *analyzer_get_stats(struct analyzer *an);

/* Memory held now, for the live stats event. Flows and reassembly are
 * exact; sessions are the trackers alive times what one holds with the
 * configured limits. */
struct analyzer_usage {
    struct event_time now; /* newest packet time seen */
    uint64_t memory_flows;
    uint64_t memory_sessions;
    uint64_t memory_reassembly;
};

void analyzer_get_usage(const struct analyzer *an, struct analyzer_usage *out);

void analyzer_free(struct analyzer *an);

#endif
