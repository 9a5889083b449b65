/* A reader for classic pcap files (the format of tcpdump -w), the common
 * case, that does what libpcap 1.10's savefile reader does for the same
 * bytes, at a fraction of its cost: the file is read in large blocks into
 * one buffer, and each record is handed over where it lies in that buffer,
 * without a copy. capture.c uses it when pcapfile_fast() says the file
 * header is one it handles exactly, and libpcap otherwise. */
#ifndef POP3SCOPE_PCAPFILE_H
#define POP3SCOPE_PCAPFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One record as libpcap's pcap_next_ex() would give it: the same
 * timestamp (nanoseconds cut to microseconds), lengths and bytes. */
struct pcapfile_record {
    int64_t sec;
    uint32_t usec;
    uint32_t caplen;
    uint32_t wirelen;
    const uint8_t *data; /* in the reader's buffer: valid until the next call,
                            or, once pcapfile_hold() succeeded, until the
                            release hook has been called with `block` */
    uint64_t block; /* pcapfile_hold(): the block holding data (1, 2, ...) */
};

enum pcapfile_result {
    PCAPFILE_RECORD,
    PCAPFILE_END, /* the file ended between two records */
    PCAPFILE_ERROR, /* see pcapfile_error(); nothing more can be read */
};

struct pcapfile;

struct unpack;

/* Reads the first block from input (unpack.h: the file's bytes,
 * decompressed when it is compressed), which must outlive the reader.
 * NULL only when out of memory. */
struct pcapfile *pcapfile_open(struct unpack *input);

/* True when the file header is a classic pcap header (microsecond or
 * nanosecond magic, either byte order, version 2.4) whose link type this
 * reader maps exactly as libpcap does; false for everything else (pcapng,
 * damaged or short headers, other versions and link types, a read error):
 * libpcap then reads the file, and says what is wrong with it. */
bool pcapfile_fast(const struct pcapfile *pf);

/* Only when pcapfile_fast(): the link type as pcap_datalink() gives it
 * (a DLT_ value, without the header's FCS bits), and the snapshot length
 * as pcap_snapshot() gives it. */
int pcapfile_linktype(const struct pcapfile *pf);
int pcapfile_snaplen(const struct pcapfile *pf);

/* Before the reader overwrites block `block` (or frees it), so every
 * record from blocks up to `block` must no longer be in use when this
 * returns. */
typedef void (*pcapfile_release_fn)(void *ctx, uint64_t block);

/* Only when pcapfile_fast(), before the first pcapfile_next(): records
 * stay valid after the call, so a consumer on other threads can read them
 * in place. The reader then rotates through PCAPFILE_HOLD_BLOCKS buffers
 * and calls release before it reuses one, and once more for everything
 * in pcapfile_free(). False when out of memory: records are then valid
 * until the next call, as without it. */
#define PCAPFILE_HOLD_BLOCKS 4u
bool pcapfile_hold(struct pcapfile *pf, pcapfile_release_fn release, void *ctx);

/* Only when pcapfile_fast(). */
enum pcapfile_result pcapfile_next(struct pcapfile *pf, struct pcapfile_record *rec);

/* After PCAPFILE_ERROR: libpcap's words for the same damage, or
 * unpack_read()'s for damaged compressed data. */
const char *pcapfile_error(const struct pcapfile *pf);

/* After PCAPFILE_ERROR (or a refused replay stream): true when the file
 * simply ended part-way, inside a record or its compressed stream (a
 * capture still being written, an incomplete copy), false when what was
 * there is damaged (an impossible record length, bad compressed data). */
bool pcapfile_cut(const struct pcapfile *pf);

/* Only when !pcapfile_fast(): a stream that reads the file again from its
 * first byte (the bytes this reader already took, then the rest of fd), for
 * libpcap. The reader must outlive the stream; closing the stream leaves
 * fd open. NULL on failure.
 *
 * On the way through, the blocks of a pcapng file are walked (their
 * headers only) and its interface description blocks counted: libpcap
 * keeps a record of every one in memory, so a file of nothing but IDBs
 * would take more memory than its size. Past PCAPFILE_MAX_INTERFACES the
 * stream fails (a read error for libpcap) and pcapfile_refused() says
 * why. */
#define PCAPFILE_MAX_INTERFACES 65536u
FILE *pcapfile_replay_stream(struct pcapfile *pf);

/* The stream refused to go on (too many interfaces, or damaged compressed
 * data); the reason is pcapfile_error(). */
bool pcapfile_refused(const struct pcapfile *pf);

/* The count of bytes read from the file so far (compressed bytes for a
 * compressed file; for the replay stream too),
 * kept up to date as reading goes on: a progress display reads it between
 * records instead of asking for every one. Valid until pcapfile_free(). */
const uint64_t *pcapfile_bytes_read(const struct pcapfile *pf);

void pcapfile_free(struct pcapfile *pf);

#endif
