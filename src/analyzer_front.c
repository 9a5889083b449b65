/* The front half (analyzer_front.h): counting, decoding, IP fragment
 * reassembly and the packet clock. */
#include "analyzer_front.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "ipfrag.h"

struct analyzer_front {
    uint32_t idle_timeout; /* 0: no sweeps */
    struct analyzer_stats stats; /* the front counters only */
    struct event_time now; /* latest packet time seen */
    int64_t next_expiry_check; /* packet second of the next idle sweep */
    struct ipfrag_table *frags; /* IP datagrams in reassembly */
    uint32_t input; /* the input being read: evidence only */
};

struct analyzer_front *analyzer_front_new(const struct analyzer_options *opts)
{
    struct analyzer_front *front = calloc(1, sizeof *front);

    if (front == NULL)
        return NULL;
    front->idle_timeout = opts->idle_timeout;
    front->frags = ipfrag_new(opts->max_fragments, opts->max_fragment_bytes, opts->fragment_timeout);
    if (front->frags == NULL) {
        free(front);
        return NULL;
    }
    return front;
}

void analyzer_front_free(struct analyzer_front *front)
{
    if (front == NULL)
        return;
    ipfrag_free(front->frags);
    free(front);
}

void analyzer_front_begin_input(struct analyzer_front *front, uint32_t input)
{
    front->input = input;
}

const struct analyzer_stats *analyzer_front_stats(const struct analyzer_front *front)
{
    return &front->stats;
}

struct event_time analyzer_front_now(const struct analyzer_front *front)
{
    return front->now;
}

static void analyzer_front_fragment_stats(struct analyzer_front *front)
{
    struct ipfrag_stats fs;

    ipfrag_get_stats(front->frags, &fs);
    front->stats.fragments_reassembled = fs.reassembled;
    front->stats.fragments_dropped = fs.timed_out + fs.evicted + fs.malformed + fs.too_fragmented;
    front->stats.fragment_overlaps = fs.overlap_conflicts;
}

/* Counts what the decoder said; only DECODE_OK goes further. */
static int analyzer_front_count_decode(struct analyzer_front *front, enum decode_result r, uint64_t number)
{
    struct analyzer_stats *st = &front->stats;

    switch (r) {
    case DECODE_OK: st->tcp_segments++; return 1;
    case DECODE_NOT_TCP: st->not_tcp++; break;
    case DECODE_UNSUPPORTED_LINK: st->unsupported_link++; break;
    case DECODE_FRAGMENT: st->fragments++; break;
    case DECODE_TRUNCATED: st->truncated++; break;
    case DECODE_MALFORMED: st->malformed++; break;
    }
    if ((r == DECODE_TRUNCATED || r == DECODE_MALFORMED) && st->first_bad_frame == 0)
        st->first_bad_frame = number;
    return 0;
}

/* A fragment goes to reassembly; a datagram it completes goes on as one
 * segment, in step->view (the fragment's own view is done with). */
static void analyzer_front_fragment(struct analyzer_front *front, const struct capture_frame *frame,
                                    struct analyzer_front_step *step)
{
    struct packet_view frag = step->view;
    struct packet_view *v = &step->view;
    struct ipfrag_datagram dg;

    if (ipfrag_add(front->frags, &frag, frame->ts, &dg) == IPFRAG_COMPLETE) {
        memset(v, 0, sizeof *v);
        v->ip_version = dg.ip_version;
        memcpy(v->src_addr, dg.src_addr, 16);
        memcpy(v->dst_addr, dg.dst_addr, 16);
        if (analyzer_front_count_decode(front, decode_reassembled(dg.protocol, dg.payload, dg.len, dg.missing, v),
                                        frame->number)) {
            step->segment = true;
            step->overlap_conflict = dg.overlap_conflict;
            step->hash = flow_hash_view(v);
        }
    }
    analyzer_front_fragment_stats(front);
}

/* A pcapng if_tsoffset or a damaged record can put a packet anywhere in
 * 64 bits of seconds; nothing real lies outside 1970-9999, and keeping
 * them out keeps every sum on packet times (timeouts, windows, the next
 * sweep) far from overflow. Counted and skipped, like a malformed frame. */
static bool analyzer_front_time_ok(struct analyzer_front *front, const struct capture_frame *frame)
{
    if (frame->ts.sec >= ANALYZER_TIME_MIN && frame->ts.sec <= ANALYZER_TIME_MAX)
        return true;
    front->stats.bad_times++;
    if (front->stats.first_bad_time_frame == 0)
        front->stats.first_bad_time_frame = frame->number;
    return false;
}

/* Idle flows are swept at most once per second of packet time (the back
 * half stops at the first flow still active): cheap per packet. Fragments
 * waiting too long are given up at the same beat. */
static bool analyzer_front_advance_time(struct analyzer_front *front, struct event_time ts)
{
    if (ts.sec > front->now.sec || (ts.sec == front->now.sec && ts.usec > front->now.usec))
        front->now = ts;
    if (front->idle_timeout == 0 || front->now.sec < front->next_expiry_check)
        return false;
    front->next_expiry_check = front->now.sec + 1;
    ipfrag_expire(front->frags, front->now);
    analyzer_front_fragment_stats(front);
    return true;
}

void analyzer_front_frame(struct analyzer_front *front, const struct capture_frame *frame,
                          struct analyzer_front_step *step)
{
    enum decode_result r;

    front->stats.frames++;
    front->stats.frame_bytes += frame->wirelen;
    step->frame = front->stats.frames;
    step->number = frame->number;
    step->input = front->input;
    step->segment = false;
    step->sweep = false;
    if (!analyzer_front_time_ok(front, frame))
        return;
    step->sweep = analyzer_front_advance_time(front, frame->ts);
    step->now = front->now;
    step->ts = frame->ts;
    r = decode_packet(frame->linktype, frame->data, frame->caplen, frame->wirelen, &step->view);
    if (analyzer_front_count_decode(front, r, frame->number)) {
        step->segment = true;
        step->overlap_conflict = false;
        step->hash = flow_hash_view(&step->view);
    } else if (r == DECODE_FRAGMENT) {
        analyzer_front_fragment(front, frame, step);
    }
}

void analyzer_front_finish(struct analyzer_front *front)
{
    struct event_time never = { INT64_MAX, 0 };

    ipfrag_expire(front->frags, never);
    analyzer_front_fragment_stats(front);
}
