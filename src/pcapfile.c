/* Classic pcap files read in large blocks, records handed over in place.
 *
 * Why not libpcap: its savefile reader goes through stdio, which reads
 * 4 KiB per system call and then copies every record from stdio's buffer
 * into libpcap's, a large share of the time on a big file. Here one read() fills most of a
 * 1.25 MiB buffer, a record is parsed where it lies, and the only copy is
 * of the one record cut by the end of a block, moved to the front before
 * the next read. With --threads (pcapfile_hold) the workers read records
 * where they lie, on other threads: the reader then rotates through a few
 * blocks, and the cut record is copied to the start of the next one.
 *
 * What must not change is what a reader sees: every value, limit and error
 * message below is libpcap 1.10's (sf-pcap.c, pcap-common.c), so the
 * frames, their numbers and the messages tests/hostile/malformed.sh expects
 * are the same on either path. Whatever this file does not reproduce exactly
 * (other versions, other link types, pseudo-headers libpcap byte-swaps,
 * pcapng) it declines in pcapfile_fast(), and libpcap reads that file.
 * tests/cli/reader.sh compares the two readers frame by frame. */
#define _GNU_SOURCE /* fopencookie: the replay stream for pipes */
#include "pcapfile.h"

#include "unpack.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define PCAPFILE_HEADER_SIZE 24u
#define PCAPFILE_RECORD_HEADER_SIZE 16u
/* libpcap's MAXIMUM_SNAPLEN, max_snaplen_for_dlt() of every link type
 * accepted here: a record claiming more is refused as damaged. */
#define PCAPFILE_MAX_CAPLEN 262144u
/* Bytes asked of each read(). The buffer holds a block and the largest
 * record, so the record cut at a block's end, once moved to the front,
 * still leaves a whole block's room for the next read. */
#define PCAPFILE_BLOCK (1024u * 1024u)
#define PCAPFILE_BUFFER_SIZE (PCAPFILE_BLOCK + PCAPFILE_RECORD_HEADER_SIZE + PCAPFILE_MAX_CAPLEN)

#define PCAPFILE_MAGIC_MICRO 0xa1b2c3d4u
#define PCAPFILE_MAGIC_NANO 0xa1b23c4du
/* The upper 6 bits of the header's link type carry the FCS length
 * (LT_LINKTYPE_EXT); pcap_datalink() leaves them out. */
#define PCAPFILE_LINKTYPE_MASK 0x03FFFFFFu

/* The walk over a pcapng file's block headers (pcapfile_replay_stream):
 * every block starts with its type and total length (pcapng §3.1), and the
 * section header block with its byte-order magic after them (§4.1). */
#define PCAPFILE_NG_SHB 0x0A0D0D0Au
#define PCAPFILE_NG_IDB 0x00000001u
#define PCAPFILE_NG_BOM 0x1A2B3C4Du

struct pcapfile_ng_scan {
    bool off; /* not pcapng, or a block libpcap will refuse anyway */
    bool refused; /* too many interfaces: the stream fails */
    bool swapped; /* the current section's byte order is not ours */
    bool started; /* the first block was seen */
    uint8_t header[12]; /* type, length, magic: the start of a block */
    size_t have; /* bytes of header gathered */
    uint64_t at; /* stream offset of the next byte */
    uint64_t start; /* stream offset of the block being walked */
    uint64_t interfaces; /* IDBs in the whole file */
};

struct pcapfile {
    struct unpack *input; /* the file's bytes, decompressed if need be */
    bool fast;
    bool swapped; /* written in the other byte order */
    bool nano; /* timestamps in nanoseconds */
    bool eof; /* read() said end of file: not asked again, like stdio */
    bool cut; /* the error: the file ended inside a record or its
                 compressed stream (pcapfile_cut) */
    int linktype;
    int32_t snaplen; /* pcap_snapshot(): positive */
    uint8_t *buffer;
    /* pcapfile_hold(): buffer is blocks[block % PCAPFILE_HOLD_BLOCKS]. */
    uint8_t *blocks[PCAPFILE_HOLD_BLOCKS];
    uint64_t block; /* 0 until held; then the current block's number */
    pcapfile_release_fn release;
    void *release_ctx;
    size_t pos; /* next record */
    size_t end; /* bytes read */
    size_t replayed; /* bytes of the buffer the replay stream gave out */
    struct pcapfile_ng_scan ng; /* pcapng blocks seen by the replay stream */
    char error[PCAP_ERRBUF_SIZE];
};

static uint32_t pcapfile_u32(const struct pcapfile *pf, const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof v);
    return pf->swapped ? __builtin_bswap32(v) : v;
}

static uint16_t pcapfile_u16(const struct pcapfile *pf, const uint8_t *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof v);
    return pf->swapped ? __builtin_bswap16(v) : v;
}

/* Makes at least `need` bytes available from pos, unless the file ends
 * first. The partial record left at the end of the buffer moves to the
 * front, and one read() fills the rest. False on a read error. */
static bool pcapfile_fill(struct pcapfile *pf, size_t need)
{
    if (pf->pos > 0 && pf->block != 0) {
        /* Records of the current block may still be read elsewhere: the
         * cut one goes to the next block, once whoever read that block's
         * records last time round is done with them. */
        uint8_t *next = pf->blocks[(pf->block + 1u) % PCAPFILE_HOLD_BLOCKS];

        if (pf->block + 1u >= 2u * PCAPFILE_HOLD_BLOCKS)
            pf->release(pf->release_ctx, pf->block + 1u - PCAPFILE_HOLD_BLOCKS);
        memcpy(next, pf->buffer + pf->pos, pf->end - pf->pos);
        pf->buffer = next;
        pf->block++;
        pf->end -= pf->pos;
        pf->pos = 0;
    } else if (pf->pos > 0) {
        memmove(pf->buffer, pf->buffer + pf->pos, pf->end - pf->pos);
        pf->end -= pf->pos;
        pf->pos = 0;
    }
    while (pf->end < need && !pf->eof) {
        ssize_t n =
            unpack_read(pf->input, pf->buffer + pf->end, PCAPFILE_BUFFER_SIZE - pf->end, pf->error, sizeof pf->error);

        if (n < 0) {
            pf->cut = unpack_cut(pf->input);
            return false;
        }
        if (n == 0)
            pf->eof = true;
        pf->end += (size_t)n;
    }
    return true;
}

/* libpcap's linktype_to_dlt() for the link types pop3scope decodes, and
 * only those (the others go to libpcap, which also names them when it
 * refuses them). When the file's byte order is not ours libpcap rewrites
 * the LINUX_SLL and LINUX_SLL2 pseudo-headers of some frames (CAN IDs):
 * those files are left to it too. -1: not handled here. */
static int pcapfile_dlt(uint32_t linktype, bool swapped)
{
    switch (linktype) {
    case 0: return DLT_NULL;
    case 1: return DLT_EN10MB;
    case 101: return DLT_RAW; /* LINKTYPE_RAW: DLT_RAW is 12 or 14 by platform */
    case 108: return 108; /* LINKTYPE_LOOP; libpcap maps 104 and up to themselves */
    case 228: return 228; /* IPV4 */
    case 229: return 229; /* IPV6 */
    case 113: /* LINUX_SLL */
    case 276: /* LINUX_SLL2 */
        return swapped ? -1 : (int)linktype;
    default: return -1;
    }
}

/* pcap_check_header() for the headers taken here: magic, version 2.4
 * (earlier versions may have caplen and len swapped, a guess left to
 * libpcap), link type, and the snapshot length as libpcap 1.10.3 keeps it:
 * an int, replaced by the maximum only when it is 0 or negative; one over
 * the maximum stays (records are then held to the maximum instead). */
static bool pcapfile_header(struct pcapfile *pf)
{
    const uint8_t *h = pf->buffer;
    uint32_t magic;
    int dlt;

    if (pf->end < PCAPFILE_HEADER_SIZE)
        return false;
    memcpy(&magic, h, sizeof magic);
    if (magic != PCAPFILE_MAGIC_MICRO && magic != PCAPFILE_MAGIC_NANO) {
        magic = __builtin_bswap32(magic);
        if (magic != PCAPFILE_MAGIC_MICRO && magic != PCAPFILE_MAGIC_NANO)
            return false;
        pf->swapped = true;
    }
    pf->nano = magic == PCAPFILE_MAGIC_NANO;
    if (pcapfile_u16(pf, h + 4) != 2 || pcapfile_u16(pf, h + 6) != 4)
        return false;
    dlt = pcapfile_dlt(pcapfile_u32(pf, h + 20) & PCAPFILE_LINKTYPE_MASK, pf->swapped);
    if (dlt < 0)
        return false;
    pf->linktype = dlt;
    pf->snaplen = (int32_t)pcapfile_u32(pf, h + 16);
    if (pf->snaplen <= 0)
        pf->snaplen = (int32_t)PCAPFILE_MAX_CAPLEN;
    pf->pos = PCAPFILE_HEADER_SIZE;
    return true;
}

struct pcapfile *pcapfile_open(struct unpack *input)
{
    struct pcapfile *pf = calloc(1, sizeof *pf);

    if (pf == NULL)
        return NULL;
    pf->buffer = malloc(PCAPFILE_BUFFER_SIZE);
    if (pf->buffer == NULL) {
        free(pf);
        return NULL;
    }
    pf->input = input;
    /* A read error here is reported by libpcap, which meets it again. */
    pf->fast = pcapfile_fill(pf, PCAPFILE_HEADER_SIZE) && pcapfile_header(pf);
    return pf;
}

bool pcapfile_fast(const struct pcapfile *pf)
{
    return pf->fast;
}

int pcapfile_linktype(const struct pcapfile *pf)
{
    return pf->linktype;
}

int pcapfile_snaplen(const struct pcapfile *pf)
{
    return pf->snaplen;
}

const char *pcapfile_error(const struct pcapfile *pf)
{
    return pf->error;
}

/* The record's bytes, or libpcap's message for a file that ends inside
 * them. A record over the snapshot length is read whole and cut to it
 * (libpcap reads the snapshot length, then discards the rest, and its
 * message counts what it got of each). */
static enum pcapfile_result pcapfile_body(struct pcapfile *pf, uint32_t caplen)
{
    size_t need = PCAPFILE_RECORD_HEADER_SIZE + (size_t)caplen;
    size_t got;

    if (pf->end - pf->pos >= need)
        return PCAPFILE_RECORD;
    if (!pcapfile_fill(pf, need))
        return PCAPFILE_ERROR;
    if (pf->end - pf->pos >= need)
        return PCAPFILE_RECORD;
    got = pf->end - pf->pos - PCAPFILE_RECORD_HEADER_SIZE;
    pf->cut = true; /* the file ends inside the record's bytes */
    if (caplen > (uint32_t)pf->snaplen && got < (uint32_t)pf->snaplen)
        snprintf(pf->error, sizeof pf->error, "truncated dump file; tried to read %d captured bytes, only got %zu",
                 pf->snaplen, got);
    else
        snprintf(pf->error, sizeof pf->error, "truncated dump file; tried to read %u captured bytes, only got %zu",
                 caplen, got);
    return PCAPFILE_ERROR;
}

/* The record header, as pcap_next_packet() reads it, quirks included:
 * seconds and fraction are 32-bit signed (struct pcap_timeval holds
 * bpf_int32) in a file of our byte order, but unsigned once byte-swapped
 * (libpcap's SWAPLONG yields an unsigned value); nanoseconds are divided
 * down to microseconds after that; then the caplen checks. */
static enum pcapfile_result pcapfile_record_header(struct pcapfile *pf, struct pcapfile_record *rec)
{
    const uint8_t *h;
    uint32_t sec, fraction;

    if (pf->end - pf->pos < PCAPFILE_RECORD_HEADER_SIZE) {
        if (!pcapfile_fill(pf, PCAPFILE_RECORD_HEADER_SIZE))
            return PCAPFILE_ERROR;
        if (pf->end == pf->pos)
            return PCAPFILE_END;
        if (pf->end - pf->pos < PCAPFILE_RECORD_HEADER_SIZE) {
            snprintf(pf->error, sizeof pf->error, "truncated dump file; tried to read %u header bytes, only got %zu",
                     PCAPFILE_RECORD_HEADER_SIZE, pf->end - pf->pos);
            pf->cut = true; /* the file ends inside a record header */
            return PCAPFILE_ERROR;
        }
    }
    h = pf->buffer + pf->pos;
    sec = pcapfile_u32(pf, h);
    fraction = pcapfile_u32(pf, h + 4);
    if (pf->swapped) {
        rec->sec = sec;
        rec->usec = pf->nano ? fraction / 1000 : fraction;
    } else {
        rec->sec = (int32_t)sec;
        rec->usec = (uint32_t)(pf->nano ? (int32_t)fraction / 1000 : (int32_t)fraction);
    }
    rec->caplen = pcapfile_u32(pf, h + 8);
    rec->wirelen = pcapfile_u32(pf, h + 12);
    if (rec->caplen > PCAPFILE_MAX_CAPLEN) {
        if (rec->caplen > (uint32_t)pf->snaplen)
            snprintf(pf->error, sizeof pf->error, "invalid packet capture length %u, bigger than snaplen of %d",
                     rec->caplen, pf->snaplen);
        else
            snprintf(pf->error, sizeof pf->error, "invalid packet capture length %u, bigger than maximum of %u",
                     rec->caplen, PCAPFILE_MAX_CAPLEN);
        return PCAPFILE_ERROR;
    }
    return PCAPFILE_RECORD;
}

enum pcapfile_result pcapfile_next(struct pcapfile *pf, struct pcapfile_record *rec)
{
    enum pcapfile_result r = pcapfile_record_header(pf, rec);

    if (r != PCAPFILE_RECORD)
        return r;
    r = pcapfile_body(pf, rec->caplen);
    if (r != PCAPFILE_RECORD)
        return r;
    rec->data = pf->buffer + pf->pos + PCAPFILE_RECORD_HEADER_SIZE;
    rec->block = pf->block;
    pf->pos += PCAPFILE_RECORD_HEADER_SIZE + (size_t)rec->caplen;
    if (rec->caplen > (uint32_t)pf->snaplen)
        rec->caplen = (uint32_t)pf->snaplen;
    return PCAPFILE_RECORD;
}

bool pcapfile_hold(struct pcapfile *pf, pcapfile_release_fn release, void *ctx)
{
    pf->blocks[0] = pf->buffer;
    for (unsigned i = 1; i < PCAPFILE_HOLD_BLOCKS; i++) {
        pf->blocks[i] = malloc(PCAPFILE_BUFFER_SIZE);
        if (pf->blocks[i] == NULL) {
            for (unsigned j = 1; j < i; j++) {
                free(pf->blocks[j]);
                pf->blocks[j] = NULL;
            }
            return false;
        }
    }
    pf->release = release;
    pf->release_ctx = ctx;
    /* Block b lives in blocks[b % PCAPFILE_HOLD_BLOCKS]; numbering starts
     * at PCAPFILE_HOLD_BLOCKS for the buffer in use (0 means "not held"),
     * so the first block to be released is that one, once every buffer
     * has been used. */
    pf->block = PCAPFILE_HOLD_BLOCKS;
    return true;
}

static uint32_t pcapfile_ng_u32(const struct pcapfile_ng_scan *ng, const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof v);
    return ng->swapped ? __builtin_bswap32(v) : v;
}

/* One whole block header gathered: counts an IDB, finds the next block. */
static void pcapfile_ng_block(struct pcapfile *pf, struct pcapfile_ng_scan *ng)
{
    uint32_t type, length, magic;

    memcpy(&type, ng->header, 4); /* the SHB's type reads the same either way */
    if (type == PCAPFILE_NG_SHB) {
        memcpy(&magic, ng->header + 8, 4);
        if (magic != PCAPFILE_NG_BOM && magic != __builtin_bswap32(PCAPFILE_NG_BOM)) {
            ng->off = true; /* libpcap refuses it itself */
            return;
        }
        ng->swapped = magic != PCAPFILE_NG_BOM;
    } else if (!ng->started) {
        ng->off = true; /* not pcapng: nothing to count */
        return;
    }
    ng->started = true;
    type = pcapfile_ng_u32(ng, ng->header);
    length = pcapfile_ng_u32(ng, ng->header + 4);
    if (length < sizeof ng->header) {
        ng->off = true; /* a lie libpcap reports */
        return;
    }
    if (type == PCAPFILE_NG_IDB && ++ng->interfaces > PCAPFILE_MAX_INTERFACES) {
        ng->refused = true;
        snprintf(pf->error, sizeof pf->error,
                 "more than %u interfaces (pcapng interface description blocks) in one file; "
                 "pop3scope reads no further",
                 PCAPFILE_MAX_INTERFACES);
        return;
    }
    ng->start += length; /* at least 12: past what was gathered */
    ng->have = 0;
}

/* Walks the block headers in the bytes the stream gives out. */
static void pcapfile_ng_scan(struct pcapfile *pf, const uint8_t *bytes, size_t n)
{
    struct pcapfile_ng_scan *ng = &pf->ng;
    size_t i = 0;

    while (i < n && !ng->off && !ng->refused) {
        if (ng->at < ng->start) { /* inside a block's body */
            uint64_t skip = ng->start - ng->at;
            size_t step = skip < n - i ? (size_t)skip : n - i;

            i += step;
            ng->at += step;
            continue;
        }
        ng->header[ng->have++] = bytes[i++];
        ng->at++;
        if (ng->have == sizeof ng->header)
            pcapfile_ng_block(pf, ng);
    }
}

bool pcapfile_cut(const struct pcapfile *pf)
{
    return pf->cut;
}

bool pcapfile_refused(const struct pcapfile *pf)
{
    return pf->ng.refused;
}

/* fopencookie read: first what pcapfile_open() already took (the buffer
 * still starts at the file's first byte, nothing having been parsed),
 * then the descriptor itself. */
static ssize_t pcapfile_replay_take(struct pcapfile *pf, char *buf, size_t size)
{
    size_t n;
    ssize_t got;

    if (pf->replayed < pf->end) {
        n = pf->end - pf->replayed;
        if (n > size)
            n = size;
        memcpy(buf, pf->buffer + pf->replayed, n);
        pf->replayed += n;
        return (ssize_t)n;
    }
    if (pf->eof)
        return 0;
    got = unpack_read(pf->input, (uint8_t *)buf, size, pf->error, sizeof pf->error);
    if (got < 0) {
        /* libpcap would say "Input/output error": our words instead */
        pf->ng.refused = true;
        pf->cut = unpack_cut(pf->input);
        errno = EIO;
    }
    return got;
}

/* Hands libpcap the bytes up to the block that broke the limit, then
 * fails: libpcap never sees that block. */
static ssize_t pcapfile_replay_read(void *cookie, char *buf, size_t size)
{
    struct pcapfile *pf = cookie;
    uint64_t from = pf->ng.at;
    ssize_t got;

    if (pf->ng.refused) {
        errno = EFBIG;
        return -1;
    }
    got = pcapfile_replay_take(pf, buf, size);
    if (got <= 0)
        return got;
    pcapfile_ng_scan(pf, (const uint8_t *)buf, (size_t)got);
    if (!pf->ng.refused)
        return got;
    if (pf->ng.start <= from) {
        errno = EFBIG;
        return -1;
    }
    return (ssize_t)(pf->ng.start - from);
}

static int pcapfile_replay_close(void *cookie)
{
    (void)cookie; /* the descriptor belongs to the reader */
    return 0;
}

FILE *pcapfile_replay_stream(struct pcapfile *pf)
{
    cookie_io_functions_t io = {.read = pcapfile_replay_read, .close = pcapfile_replay_close};

    pf->replayed = 0;
    return fopencookie(pf, "rb", io);
}

const uint64_t *pcapfile_bytes_read(const struct pcapfile *pf)
{
    return unpack_bytes_read(pf->input);
}

void pcapfile_free(struct pcapfile *pf)
{
    if (pf == NULL)
        return;
    if (pf->block != 0) {
        pf->release(pf->release_ctx, pf->block);
        for (unsigned i = 1; i < PCAPFILE_HOLD_BLOCKS; i++)
            free(pf->blocks[i]);
        pf->buffer = pf->blocks[0];
    }
    free(pf->buffer);
    free(pf);
}
