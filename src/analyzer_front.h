/* The analyzer's front half: a captured frame -> at most one decoded TCP
 * segment, and the packet clock that says when an idle sweep is due. It
 * counts frames, decodes (decode.c) and puts IP fragments back together
 * (ipfrag.c); it knows nothing of flows. One thread hands its output to
 * the back half directly (analyzer.c); --threads runs it in the reader
 * and sends the output to the workers (shard_reader.c). */
#ifndef POP3SCOPE_ANALYZER_FRONT_H
#define POP3SCOPE_ANALYZER_FRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyzer.h"
#include "capture.h"
#include "decode.h"
#include "event.h"

/* What one frame gave, in this order: an idle sweep due before its
 * packet, then its TCP segment. */
struct analyzer_front_step {
    uint64_t frame; /* the frame's number among all frames so far (1..):
                       its place in the single-thread order */
    /* Evidence only (event_frame_ref): the frame's number in its file and
     * that file's index among the inputs (analyzer_front_begin_input). */
    uint64_t number;
    uint32_t input;
    bool sweep; /* a sweep is due (once per second of packet time) */
    bool segment; /* `view` holds a TCP segment */
    bool overlap_conflict; /* the segment is a datagram whose fragments
                              overlapped with different bytes */
    struct event_time now; /* the newest packet time: the sweep's clock */
    struct event_time ts; /* the frame's packet time */
    uint64_t hash; /* flow_hash_view(&view) */
    /* The segment; its payload is in the frame or in the fragment table,
     * valid until the next call. */
    struct packet_view view;
};

struct analyzer_front *analyzer_front_new(const struct analyzer_options *opts);

/* The frames that follow come from input `input` (an index into
 * analyzer_options.input_names): only copied onto each step, for evidence. */
void analyzer_front_begin_input(struct analyzer_front *front, uint32_t input);

/* Takes one frame; fills *step (always: at least step->frame). */
void analyzer_front_frame(struct analyzer_front *front, const struct capture_frame *frame,
                          struct analyzer_front_step *step);

/* End of input: datagrams still incomplete never complete (counted as
 * timed out). */
void analyzer_front_finish(struct analyzer_front *front);

/* The front counters (frames .. first_bad_time_frame, fragments); the
 * back half's stay zero. */
const struct analyzer_stats *analyzer_front_stats(const struct analyzer_front *front);

/* The newest packet time seen. */
struct event_time analyzer_front_now(const struct analyzer_front *front);

void analyzer_front_free(struct analyzer_front *front);

#endif
