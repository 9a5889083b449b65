/* Packet sources: capture files (pcap, pcapng, "-" for stdin) and, later,
 * live interfaces. Hands each frame to a callback with its packet time. */
#ifndef POP3SCOPE_CAPTURE_H
#define POP3SCOPE_CAPTURE_H

#include <stdint.h>

#include "event.h"

struct capture_frame {
    struct event_time ts;
    int linktype;
    const uint8_t *data; /* libpcap's buffer: valid only during the callback */
    uint32_t caplen;
    uint32_t wirelen;
    uint64_t number; /* 1-based record number within its file; records a
                        filter dropped are counted too, so numbers match
                        what tcpdump -r / Wireshark show */
};

typedef void (*capture_frame_fn)(void *ctx, const struct capture_frame *frame);

enum capture_status {
    CAPTURE_OK, /* read to the end */
    CAPTURE_OPEN_FAILED, /* missing, unreadable, not a capture file */
    CAPTURE_READ_ERROR, /* damaged part-way; frames before it were delivered */
};

/* Reads `path` ("-" is stdin) to its end, calling fn for every frame, after
 * applying an optional BPF filter (NULL: none). On failure writes one clear
 * line to stderr naming the file (and record) and returns the status. */
enum capture_status capture_read_file(const char *path, const char *bpf_filter, capture_frame_fn fn, void *ctx);

/* "libpcap version 1.10.3 (with TPACKET_V3)" */
const char *capture_library_version(void);

#endif
