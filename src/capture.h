/* Packet sources: capture files (pcap, pcapng, "-" for stdin) and live
 * interfaces. Hands each frame to a callback with its packet time. */
#ifndef POP3SCOPE_CAPTURE_H
#define POP3SCOPE_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct capture_frame {
    struct event_time ts;
    int linktype;
    const uint8_t *data; /* the reader's buffer: valid only during the callback,
                            unless `block` says otherwise */
    uint32_t caplen;
    uint32_t wirelen;
    uint64_t number; /* 1-based record number within its file; records a
                        filter dropped are counted too, so numbers match
                        what tcpdump -r / Wireshark show */
    uint64_t block; /* 0, or (capture_read_file_held) data stays valid
                       until the release hook is called with block or a
                       later one */
    const uint64_t *file_bytes; /* files: the bytes read from the file so
                                   far, valid during the callback (a
                                   progress display); NULL for live capture */
};

typedef void (*capture_frame_fn)(void *ctx, const struct capture_frame *frame);

/* capture_read_file_held: the capture is about to reuse the bytes of
 * every frame whose block is at most `block`; the hook returns once none
 * of them is read any more (by any thread). */
typedef void (*capture_release_fn)(void *ctx, uint64_t block);

enum capture_status {
    CAPTURE_OK, /* read to the end */
    CAPTURE_OPEN_FAILED, /* missing, unreadable, not a capture file */
    CAPTURE_READ_ERROR, /* damaged part-way; frames before it were delivered */
    CAPTURE_CUT, /* ended part-way through a record or its compressed
                    stream; frames before it were delivered */
    CAPTURE_STOPPED, /* a file's watch tick said stop (capture_watch_files) */
};

/* File runs: `attention` (a flag a signal handler sets) is loaded before
 * each record, a load and no system call; only when it is set does
 * `tick` run, with the bytes read from the file so far (0 when not
 * known). False from it stops reading at that record boundary: the read
 * returns CAPTURE_STOPPED, every frame before it delivered. A read
 * blocked on a quiet pipe is not cut short: the stop comes with its next
 * bytes or its end. NULL attention: not watched (the default). */
typedef bool (*capture_file_tick_fn)(void *ctx, uint64_t file_bytes);
void capture_watch_files(const volatile sig_atomic_t *attention, capture_file_tick_fn tick, void *ctx);

/* Reads `path` ("-" is stdin) to its end, calling fn for every frame, after
 * applying an optional BPF filter (NULL: none). On failure writes one clear
 * line to stderr naming the file (and record) and returns the status.
 *
 * Classic pcap files are read by pcapfile.c, others by libpcap; both give
 * the same frames and messages. POP3SCOPE_LIBPCAP_READER=1 in the
 * environment sends every file through libpcap: the reference that
 * tests/cli/reader.sh compares the fast reader with, and a way out should
 * the two ever differ. */
enum capture_status capture_read_file(const char *path, const char *bpf_filter, capture_frame_fn fn, void *ctx);

/* capture_read_file, where frames the fast reader delivers keep their
 * bytes after the callback (block != 0) until `release` says so: a
 * consumer on other threads reads them in place instead of copying them.
 * Frames from libpcap have block 0 (copy what you keep). Costs a few MiB
 * of buffers more per file. */
enum capture_status capture_read_file_held(const char *path, const char *bpf_filter, capture_frame_fn fn,
                                           capture_release_fn release, void *ctx);

/* What capture_probe() found at the start of a file. */
enum capture_probe_result {
    CAPTURE_PROBE_CAPTURE, /* pcap or pcapng, maybe compressed (unpack.h) */
    CAPTURE_PROBE_OTHER, /* readable, but not a capture file */
    CAPTURE_PROBE_UNREADABLE, /* cannot be opened or read */
};

/* Looks at the start of `path` (a file, not stdin), decompressed when it
 * is gzip, xz or zstd: is it a capture file, and when was its first record
 * taken (*has_time false when it has none, or it is damaged before it).
 * Writes nothing to stderr: reading the file later says what is wrong.
 * A classic pcap file costs a read of its first 40 bytes. */
enum capture_probe_result capture_probe(const char *path, struct event_time *first, bool *has_time);

/* ------------------------------------------------------------- live */

/* Without -f, live capture takes every TCP segment: POP3 is recognised on
 * any port by its dialogue, so narrowing to port 110 is the user's choice
 * (e.g. -f "tcp port 110 or tcp port 995"). */
#define CAPTURE_LIVE_DEFAULT_FILTER "tcp"
#define CAPTURE_LIVE_DEFAULT_SNAPLEN 262144
#define CAPTURE_LIVE_DEFAULT_BUFFER_MIB 32u
#define CAPTURE_LIVE_MAX_BUFFER_MIB 2047u /* pcap_set_buffer_size takes an int */
#define CAPTURE_LIVE_MAX_INTERFACES 16
/* Longest wait for packets before the tick runs again; also libpcap's
 * buffer timeout when immediate mode is off. */
#define CAPTURE_LIVE_TICK_MS 100

struct capture_live_options {
    const char *filter; /* BPF, installed in the kernel; NULL: the default */
    int snaplen;
    bool promiscuous;
    unsigned buffer_mib; /* kernel ring per interface */
    bool immediate; /* deliver each packet at once instead of per block
                       (a block is handed over when full or after
                       CAPTURE_LIVE_TICK_MS) */
};

void capture_live_options_default(struct capture_live_options *opts);

struct capture_live;

/* Opens and activates every interface ("any" too), checks its link type
 * and installs the filter. This is the step that needs root (or
 * CAP_NET_RAW): the caller may give up privileges once it returns. Prints
 * one line per interface to stderr ("listening on ..."), or one clear line
 * naming the interface that failed and returns NULL. */
struct capture_live *capture_live_open(const char *const *interfaces, size_t count,
                                       const struct capture_live_options *opts);

/* Called between batches of packets, after any signal interrupts the wait,
 * and at least every CAPTURE_LIVE_TICK_MS: the caller's chance to look at
 * its signal flags and timers. Returns false to stop the capture. */
typedef bool (*capture_tick_fn)(void *ctx);

/* Delivers packets from every interface, as they arrive, until tick says
 * stop (CAPTURE_OK) or every interface has failed (CAPTURE_READ_ERROR). An
 * interface that fails (unplugged, taken down) is reported on stderr and
 * closed; the others go on. Frame numbers count packets over all
 * interfaces. */
enum capture_status capture_live_run(struct capture_live *live, capture_frame_fn fn, void *ctx, capture_tick_fn tick,
                                     void *tick_ctx);

/* Kernel counters summed over the interfaces since they were opened
 * (pcap_stats), widened to 64 bits so they survive libpcap's 32-bit wrap. */
struct capture_live_stats {
    uint64_t received;
    uint64_t dropped; /* the kernel buffer was full: see buffer_mib */
    uint64_t interface_dropped; /* the interface or its driver dropped them */
};

void capture_live_get_stats(struct capture_live *live, struct capture_live_stats *out);

void capture_live_close(struct capture_live *live);

/* "libpcap version 1.10.3 (with TPACKET_V3)" */
const char *capture_library_version(void);

#endif
