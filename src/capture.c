/* Packet sources: capture files and live interfaces (pcap_create +
 * pcap_activate, a kernel filter, non-blocking handles polled together in
 * one thread). Both hand every frame to the caller's callback with its
 * packet time and link type.
 *
 * Files ("-" is stdin) in the classic pcap format, the common case, are
 * read by pcapfile.c, which hands records over in place from large blocks;
 * everything else (pcapng, damaged headers, rare versions and link types)
 * by libpcap, which recognises pcap and pcapng by their magic numbers and
 * words the errors. The two give the same frames and messages. */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "note.h"
#include "pcapfile.h"
#include "unpack.h"

/* What the user called the source, for messages that name it. */
static const char *capture_source_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "stdin" : path;
}

/* libpcap prefixes some open errors (those from fopen) with the path; the
 * message already names the file once. */
static const char *capture_open_reason(const char *path, const char *errbuf)
{
    size_t n = strlen(path);

    if (strncmp(errbuf, path, n) == 0 && errbuf[n] == ':' && errbuf[n + 1] == ' ')
        return errbuf + n + 2;
    return errbuf;
}

static bool capture_check_linktype(int linktype, const char *name)
{
    const char *link_name;

    if (decode_link_supported(linktype))
        return true;
    link_name = pcap_datalink_val_to_name(linktype);
    fprintf(stderr,
            "pop3scope: %s: link type %s (%d) is not supported; pop3scope decodes EN10MB, LINUX_SLL, "
            "LINUX_SLL2, NULL, LOOP, RAW, IPV4 and IPV6\n",
            name, link_name != NULL ? link_name : "unknown", linktype);
    return false;
}

static bool capture_check_link(pcap_t *handle, const char *name)
{
    return capture_check_linktype(pcap_datalink(handle), name);
}

/* The filter is applied in our loop with pcap_offline_filter() rather than
 * installed with pcap_setfilter(): pcap_next_ex() would then skip records
 * silently, and the record numbers in frames and error messages would stop
 * matching the file (the numbers a user looks up in Wireshark). */
static bool capture_compile_filter(pcap_t *handle, const char *name, const char *expression,
                                   struct bpf_program *program)
{
    if (pcap_compile(handle, program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0)
        return true;
    fprintf(stderr, "pop3scope: %s: bad capture filter \"%s\": %s\n", name, expression, pcap_geterr(handle));
    return false;
}

static const volatile sig_atomic_t *capture_attention;
static capture_file_tick_fn capture_file_tick;
static void *capture_file_tick_ctx;

void capture_watch_files(const volatile sig_atomic_t *attention, capture_file_tick_fn tick, void *ctx)
{
    capture_attention = attention;
    capture_file_tick = tick;
    capture_file_tick_ctx = ctx;
}

/* Before each record: true to stop reading here. */
static bool capture_stop_here(const uint64_t *file_bytes)
{
    if (capture_attention == NULL || *capture_attention == 0)
        return false;
    return !capture_file_tick(capture_file_tick_ctx, file_bytes != NULL ? *file_bytes : 0);
}

/* Where a file stopped part-way, in words that tell the two cases apart:
 * cut short (it simply ends inside a record: still being written, or an
 * incomplete copy, where waiting or copying again helps) or damaged. */
static enum capture_status capture_stopped_at(const char *name, uint64_t record, const char *why, bool cut)
{
    if (cut) {
        fprintf(stderr,
                "pop3scope: %s: record %" PRIu64 ": %s; the file is cut short there (still being written, or an "
                "incomplete copy); analysis of the frames before it stands\n",
                name, record, why);
        return CAPTURE_CUT;
    }
    fprintf(stderr, "pop3scope: %s: record %" PRIu64 ": %s; analysis of the frames before it stands\n", name, record,
            why);
    return CAPTURE_READ_ERROR;
}

/* Reads every record to the end. Records are numbered from 1 in file order,
 * counting those the filter drops, so a number always points at one record. */
static enum capture_status capture_deliver(pcap_t *handle, const char *name, const struct bpf_program *filter,
                                           const struct pcapfile *guard, capture_frame_fn fn, void *ctx)
{
    struct pcap_pkthdr *header;
    const u_char *bytes;
    struct capture_frame frame;
    uint64_t number = 0;
    int rc;

    memset(&frame, 0, sizeof(frame));
    frame.linktype = pcap_datalink(handle);
    frame.file_bytes = guard != NULL ? pcapfile_bytes_read(guard) : NULL;
    for (;;) {
        if (capture_stop_here(frame.file_bytes))
            return CAPTURE_STOPPED;
        rc = pcap_next_ex(handle, &header, &bytes);
        if (rc == PCAP_ERROR_BREAK)
            return CAPTURE_OK; /* end of file */
        if (rc == 0)
            continue; /* live sources only: the buffer timeout expired */
        if (rc != 1) {
            bool ours = guard != NULL && pcapfile_refused(guard);
            const char *why = ours ? pcapfile_error(guard) : pcap_geterr(handle);

            /* libpcap says "truncated dump file" (pcap) or "truncated
             * pcapng dump file" when the file ends inside a record. */
            return capture_stopped_at(name, number + 1, why,
                                      ours ? pcapfile_cut(guard) : strstr(why, "truncated") != NULL);
        }
        number++;
        if (filter != NULL && pcap_offline_filter(filter, header, bytes) == 0)
            continue;
        frame.ts.sec = (int64_t)header->ts.tv_sec;
        frame.ts.usec = (uint32_t)header->ts.tv_usec;
        frame.data = bytes;
        frame.caplen = header->caplen;
        frame.wirelen = header->len;
        frame.number = number;
        fn(ctx, &frame);
    }
}

/* Reads a file libpcap has opened, to its end. */
static enum capture_status capture_read_handle(pcap_t *handle, const char *name, const char *bpf_filter,
                                               const struct pcapfile *guard, capture_frame_fn fn, void *ctx)
{
    struct bpf_program program;
    enum capture_status status;

    if (!capture_check_link(handle, name)) {
        pcap_close(handle);
        return CAPTURE_OPEN_FAILED;
    }
    if (bpf_filter != NULL && !capture_compile_filter(handle, name, bpf_filter, &program)) {
        pcap_close(handle);
        return CAPTURE_OPEN_FAILED;
    }
    status = capture_deliver(handle, name, bpf_filter != NULL ? &program : NULL, guard, fn, ctx);
    if (bpf_filter != NULL)
        pcap_freecode(&program);
    pcap_close(handle);
    return status;
}

/* Through libpcap: by path, or from `stream` when it is not NULL
 * (pcapfile_replay_stream of `guard`: what pcapfile.c has begun to read,
 * then the rest, with the pcapng interface limit). */
static enum capture_status capture_read_libpcap(const char *path, FILE *stream, const struct pcapfile *guard,
                                                const char *bpf_filter, capture_frame_fn fn, void *ctx)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const char *name = capture_source_name(path);
    pcap_t *handle;

    errbuf[0] = '\0';
    handle = stream != NULL ? pcap_fopen_offline(stream, errbuf) : pcap_open_offline(path, errbuf);
    if (handle == NULL) {
        if (stream != NULL)
            fclose(stream); /* pcap_fopen_offline keeps it only on success */
        fprintf(stderr, "pop3scope: %s: cannot read as a capture file: %s\n", name,
                guard != NULL && pcapfile_refused(guard) ? pcapfile_error(guard) : capture_open_reason(path, errbuf));
        return CAPTURE_OPEN_FAILED;
    }
    return capture_read_handle(handle, name, bpf_filter, guard, fn, ctx);
}

/* The filter of capture_compile_filter(), for a file libpcap has not
 * opened: a dead handle with the file's link type and snapshot length
 * compiles the same program. */
static bool capture_fast_filter(const struct pcapfile *pf, const char *name, const char *expression,
                                struct bpf_program *program)
{
    pcap_t *dead = pcap_open_dead(pcapfile_linktype(pf), pcapfile_snaplen(pf));
    bool ok;

    if (dead == NULL) {
        fprintf(stderr, "pop3scope: %s: out of memory\n", name);
        return false;
    }
    ok = capture_compile_filter(dead, name, expression, program);
    pcap_close(dead);
    return ok;
}

/* capture_deliver() for pcapfile.c: the same numbering, filtering and
 * messages. */
static enum capture_status capture_fast_deliver(struct pcapfile *pf, const char *name,
                                                const struct bpf_program *filter, capture_frame_fn fn, void *ctx)
{
    struct pcapfile_record rec;
    struct capture_frame frame;
    struct pcap_pkthdr header;
    uint64_t number = 0;
    enum pcapfile_result r = PCAPFILE_RECORD; /* still so after the loop: stopped */

    memset(&frame, 0, sizeof(frame));
    memset(&header, 0, sizeof(header));
    frame.linktype = pcapfile_linktype(pf);
    frame.file_bytes = pcapfile_bytes_read(pf);
    while (!capture_stop_here(frame.file_bytes) && (r = pcapfile_next(pf, &rec)) == PCAPFILE_RECORD) {
        number++;
        if (filter != NULL) {
            header.ts.tv_sec = (time_t)rec.sec;
            header.ts.tv_usec = (suseconds_t)rec.usec;
            header.caplen = rec.caplen;
            header.len = rec.wirelen;
            if (pcap_offline_filter(filter, &header, rec.data) == 0)
                continue;
        }
        frame.ts.sec = rec.sec;
        frame.ts.usec = rec.usec;
        frame.data = rec.data;
        frame.caplen = rec.caplen;
        frame.wirelen = rec.wirelen;
        frame.number = number;
        frame.block = rec.block;
        fn(ctx, &frame);
    }
    if (r == PCAPFILE_RECORD)
        return CAPTURE_STOPPED;
    if (r == PCAPFILE_END)
        return CAPTURE_OK;
    return capture_stopped_at(name, number + 1, pcapfile_error(pf), pcapfile_cut(pf));
}

static enum capture_status capture_read_fast(struct pcapfile *pf, const char *name, const char *bpf_filter,
                                             capture_frame_fn fn, void *ctx)
{
    struct bpf_program program;
    enum capture_status status;

    if (!capture_check_linktype(pcapfile_linktype(pf), name))
        return CAPTURE_OPEN_FAILED;
    if (bpf_filter != NULL && !capture_fast_filter(pf, name, bpf_filter, &program))
        return CAPTURE_OPEN_FAILED;
    status = capture_fast_deliver(pf, name, bpf_filter != NULL ? &program : NULL, fn, ctx);
    if (bpf_filter != NULL)
        pcap_freecode(&program);
    return status;
}

static bool capture_libpcap_forced(void)
{
    const char *v = getenv("POP3SCOPE_LIBPCAP_READER");

    return v != NULL && strcmp(v, "1") == 0;
}

enum capture_status capture_read_file(const char *path, const char *bpf_filter, capture_frame_fn fn, void *ctx)
{
    return capture_read_file_held(path, bpf_filter, fn, NULL, ctx);
}

/* The file's bytes (decompressed when it is gzip, xz or zstd) and the
 * reader over them. False when the file cannot be opened: *input is then
 * NULL and libpcap, opening it by path, words why; or when out of memory
 * (message out, *input not NULL). */
static bool capture_open_input(const char *path, struct unpack **input, struct pcapfile **pf)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);

    *input = NULL;
    *pf = NULL;
    if (fd < 0)
        return false;
    *input = unpack_open(fd, !is_stdin);
    if (*input == NULL) {
        if (!is_stdin)
            close(fd);
        fprintf(stderr, "pop3scope: %s: cannot read as a capture file: out of memory\n", capture_source_name(path));
        return false;
    }
    *pf = pcapfile_open(*input);
    if (*pf == NULL) {
        fprintf(stderr, "pop3scope: %s: cannot read as a capture file: out of memory\n", capture_source_name(path));
        return false;
    }
    return true;
}

enum capture_status capture_read_file_held(const char *path, const char *bpf_filter, capture_frame_fn fn,
                                           capture_release_fn release, void *ctx)
{
    struct unpack *input;
    struct pcapfile *pf;
    enum capture_status status;
    FILE *stream;

    if (!capture_open_input(path, &input, &pf)) {
        if (input != NULL) {
            unpack_free(input);
            return CAPTURE_OPEN_FAILED;
        }
        /* A file that cannot be opened is left to libpcap, which words why. */
        return capture_read_libpcap(path, NULL, NULL, bpf_filter, fn, ctx);
    }
    if (pcapfile_fast(pf) && !capture_libpcap_forced()) {
        /* Out of memory for the blocks: frames are then copied as usual. */
        if (release != NULL)
            (void)pcapfile_hold(pf, release, ctx);
        status = capture_read_fast(pf, capture_source_name(path), bpf_filter, fn, ctx);
    } else {
        /* Not ours to read: libpcap reads it through a stream that gives
         * the bytes already read again, then the rest (a pipe cannot seek
         * back), and walks pcapng blocks on the way
         * (PCAPFILE_MAX_INTERFACES). */
        stream = pcapfile_replay_stream(pf);
        status = stream != NULL ? capture_read_libpcap(path, stream, pf, bpf_filter, fn, ctx) : CAPTURE_OPEN_FAILED;
        if (stream == NULL)
            fprintf(stderr, "pop3scope: %s: cannot read as a capture file: out of memory\n", capture_source_name(path));
    }
    pcapfile_free(pf);
    unpack_free(input);
    return status;
}

/* Up to size bytes of the file's (decompressed) start. */
static size_t capture_probe_read(struct unpack *input, uint8_t *buf, size_t size)
{
    char error[8];
    size_t have = 0;
    ssize_t n;

    while (have < size && (n = unpack_read(input, buf + have, size - have, error, sizeof error)) > 0)
        have += (size_t)n;
    return have;
}

static uint32_t capture_probe_u32(const uint8_t *p, bool big_endian)
{
    return big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                      : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* A classic pcap header (either byte order, micro- or nanoseconds) and its
 * first record header: the first record's time. False for anything else. */
static bool capture_probe_classic(const uint8_t *h, size_t have, bool *is_pcap, struct event_time *first)
{
    static const uint32_t micro = 0xa1b2c3d4u, nano = 0xa1b23c4du;
    bool big_endian = capture_probe_u32(h, true) == micro || capture_probe_u32(h, true) == nano;
    uint32_t magic;

    if (have < 4)
        return false;
    magic = capture_probe_u32(h, big_endian);
    *is_pcap = magic == micro || magic == nano;
    if (!*is_pcap || have < 40)
        return false;
    first->sec = (int64_t)capture_probe_u32(h + 24, big_endian);
    first->usec = capture_probe_u32(h + 28, big_endian);
    if (magic == nano)
        first->usec /= 1000u;
    return first->usec < 1000000u;
}

/* pcapng and whatever else libpcap reads: its first record through the
 * same stream capture_read_file_held() would give libpcap. */
static bool capture_probe_libpcap(const char *path, struct event_time *first)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct unpack *input;
    struct pcapfile *pf;
    struct pcap_pkthdr *header;
    const u_char *bytes;
    FILE *stream;
    pcap_t *handle;
    bool found = false;

    if (!capture_open_input(path, &input, &pf)) {
        unpack_free(input);
        return false;
    }
    stream = pcapfile_replay_stream(pf);
    handle = stream != NULL ? pcap_fopen_offline(stream, errbuf) : NULL;
    if (handle == NULL && stream != NULL)
        fclose(stream);
    if (handle != NULL && pcap_next_ex(handle, &header, &bytes) == 1) {
        first->sec = (int64_t)header->ts.tv_sec;
        first->usec = (uint32_t)header->ts.tv_usec;
        found = true;
    }
    if (handle != NULL)
        pcap_close(handle);
    pcapfile_free(pf);
    unpack_free(input);
    return found;
}

enum capture_probe_result capture_probe(const char *path, struct event_time *first, bool *has_time)
{
    static const uint8_t pcapng[] = { 0x0a, 0x0d, 0x0d, 0x0a };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct unpack *input;
    uint8_t head[40];
    size_t have;
    bool is_pcap = false;

    *has_time = false;
    if (fd < 0)
        return CAPTURE_PROBE_UNREADABLE;
    input = unpack_open(fd, 1);
    if (input == NULL) {
        close(fd);
        return CAPTURE_PROBE_UNREADABLE;
    }
    have = capture_probe_read(input, head, sizeof head);
    unpack_free(input);
    *has_time = capture_probe_classic(head, have, &is_pcap, first);
    if (is_pcap)
        return CAPTURE_PROBE_CAPTURE;
    if (have < sizeof pcapng || memcmp(head, pcapng, sizeof pcapng) != 0)
        return CAPTURE_PROBE_OTHER; /* an empty file too */
    *has_time = capture_probe_libpcap(path, first);
    return CAPTURE_PROBE_CAPTURE;
}

/* ------------------------------------------------------------------ live */

/* Packets taken from one interface per dispatch before the others (and
 * the tick) get their turn, so a busy link cannot starve a quiet one or
 * delay a shutdown request. */
#define CAPTURE_LIVE_BATCH 256

struct capture_live_source {
    pcap_t *handle; /* NULL once the interface failed */
    struct capture_live *live;
    char name[64]; /* for messages; pcap_create got the full name */
    int linktype;
    unsigned last_received; /* pcap_stats values at the previous reading */
    unsigned last_dropped;
    unsigned last_if_dropped;
    struct capture_live_stats totals;
};

struct capture_live {
    struct capture_live_source sources[CAPTURE_LIVE_MAX_INTERFACES];
    size_t count;
    uint64_t number;
    bool failed; /* an interface failed part-way */
    capture_frame_fn fn;
    void *ctx;
};

void capture_live_options_default(struct capture_live_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->filter = NULL;
    opts->snaplen = CAPTURE_LIVE_DEFAULT_SNAPLEN;
    opts->promiscuous = true;
    opts->buffer_mib = CAPTURE_LIVE_DEFAULT_BUFFER_MIB;
    /* Batches of packets per wake-up: immediate mode wakes up for every
     * packet and at high rates loses packets to kernel drops; batching
     * costs at most CAPTURE_LIVE_TICK_MS of delay. */
    opts->immediate = false;
}

/* What a person can do about each refusal of pcap_activate. */
static const char *capture_live_hint(int rc)
{
    switch (rc) {
    case PCAP_ERROR_PERM_DENIED: return " (capture needs root, or CAP_NET_RAW and CAP_NET_ADMIN)";
    case PCAP_ERROR_PROMISC_PERM_DENIED: return " (try --no-promisc)";
    case PCAP_ERROR_NO_SUCH_DEVICE: return " (see `ip link` for the interface names, or use -i any)";
    case PCAP_ERROR_IFACE_NOT_UP: return " (bring it up first: ip link set IFACE up)";
    default: return "";
    }
}

static void capture_live_report_activate(pcap_t *handle, const char *name, int rc)
{
    const char *detail = pcap_geterr(handle);
    /* libpcap often repeats the status text as the detail: say it once. */
    bool has_detail = detail != NULL && detail[0] != '\0' && strcmp(detail, pcap_statustostr(rc)) != 0;

    if (rc < 0)
        fprintf(stderr, "pop3scope: %s: cannot capture: %s%s%s%s\n", name, pcap_statustostr(rc),
                has_detail ? ": " : "", has_detail ? detail : "", capture_live_hint(rc));
    else
        note("pop3scope: %s: warning: %s%s%s\n", name, pcap_statustostr(rc), has_detail ? ": " : "",
             has_detail ? detail : "");
}

/* Settings take effect only at pcap_activate (libpcap's create/activate
 * model), so every one is set first; a refused setting is reported by
 * activate itself. */
static bool capture_live_configure(pcap_t *handle, const char *name, const struct capture_live_options *opts)
{
    int rc = 0;

    rc |= pcap_set_snaplen(handle, opts->snaplen);
    /* "any" cannot be put in promiscuous mode (libpcap refuses it); each
     * real interface can. */
    rc |= pcap_set_promisc(handle, opts->promiscuous && strcmp(name, "any") != 0);
    rc |= pcap_set_buffer_size(handle, (int)(opts->buffer_mib * 1024u * 1024u));
    rc |= pcap_set_immediate_mode(handle, opts->immediate);
    rc |= pcap_set_timeout(handle, CAPTURE_LIVE_TICK_MS);
    if (rc != 0) {
        fprintf(stderr, "pop3scope: %s: cannot set capture options: %s\n", name, pcap_geterr(handle));
        return false;
    }
    rc = pcap_activate(handle);
    if (rc != 0)
        capture_live_report_activate(handle, name, rc);
    return rc >= 0;
}

/* Live filters run in the kernel (pcap_setfilter): packets we would
 * discard never cross into user space. */
static bool capture_live_filter(pcap_t *handle, const char *name, const char *expression)
{
    struct bpf_program program;
    bool ok;

    if (!capture_compile_filter(handle, name, expression, &program))
        return false;
    ok = pcap_setfilter(handle, &program) == 0;
    if (!ok)
        fprintf(stderr, "pop3scope: %s: cannot install capture filter \"%s\": %s\n", name, expression,
                pcap_geterr(handle));
    pcap_freecode(&program);
    return ok;
}

static bool capture_live_open_one(struct capture_live_source *src, const char *interface,
                                  const struct capture_live_options *opts)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const char *filter = opts->filter != NULL ? opts->filter : CAPTURE_LIVE_DEFAULT_FILTER;
    const char *link_name;

    snprintf(src->name, sizeof src->name, "%s", interface);
    errbuf[0] = '\0';
    src->handle = pcap_create(interface, errbuf);
    if (src->handle == NULL) {
        fprintf(stderr, "pop3scope: %s: cannot capture: %s\n", src->name, errbuf);
        return false;
    }
    if (!capture_live_configure(src->handle, src->name, opts) || !capture_check_link(src->handle, src->name) ||
        !capture_live_filter(src->handle, src->name, filter))
        return false;
    if (pcap_setnonblock(src->handle, 1, errbuf) != 0 || pcap_get_selectable_fd(src->handle) < 0) {
        fprintf(stderr, "pop3scope: %s: cannot wait for packets without blocking: %s\n", src->name,
                pcap_geterr(src->handle));
        return false;
    }
    src->linktype = pcap_datalink(src->handle);
    link_name = pcap_datalink_val_to_name(src->linktype);
    note("pop3scope: listening on %s (%s, snaplen %d, %s), filter \"%s\"\n", src->name,
         link_name != NULL ? link_name : "?", pcap_snapshot(src->handle),
         opts->promiscuous && strcmp(interface, "any") != 0 ? "promiscuous" : "not promiscuous", filter);
    return true;
}

struct capture_live *capture_live_open(const char *const *interfaces, size_t count,
                                       const struct capture_live_options *opts)
{
    struct capture_live *live;

    if (count == 0 || count > CAPTURE_LIVE_MAX_INTERFACES) {
        fprintf(stderr, "pop3scope: give 1 to %d interfaces\n", CAPTURE_LIVE_MAX_INTERFACES);
        return NULL;
    }
    live = calloc(1, sizeof *live);
    if (live == NULL) {
        fputs("pop3scope: out of memory\n", stderr);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        live->sources[i].live = live;
        live->count = i + 1;
        if (!capture_live_open_one(&live->sources[i], interfaces[i], opts)) {
            capture_live_close(live);
            return NULL;
        }
    }
    return live;
}

static void capture_live_packet(u_char *user, const struct pcap_pkthdr *header, const u_char *bytes)
{
    struct capture_live_source *src = (struct capture_live_source *)(void *)user;
    struct capture_live *live = src->live;
    struct capture_frame frame;

    frame.ts.sec = (int64_t)header->ts.tv_sec;
    frame.ts.usec = (uint32_t)header->ts.tv_usec;
    frame.linktype = src->linktype;
    frame.data = bytes;
    frame.caplen = header->caplen;
    frame.wirelen = header->len;
    frame.number = ++live->number;
    frame.block = 0;
    frame.file_bytes = NULL;
    live->fn(live->ctx, &frame);
}

/* libpcap keeps 32-bit counters; the difference since the last reading
 * is exact across a wrap as long as readings come more often than every
 * 2^32 packets. */
static void capture_live_read_stats(struct capture_live_source *src)
{
    struct pcap_stat ps;

    if (src->handle == NULL || pcap_stats(src->handle, &ps) != 0)
        return;
    src->totals.received += (unsigned)(ps.ps_recv - src->last_received);
    src->totals.dropped += (unsigned)(ps.ps_drop - src->last_dropped);
    src->totals.interface_dropped += (unsigned)(ps.ps_ifdrop - src->last_if_dropped);
    src->last_received = ps.ps_recv;
    src->last_dropped = ps.ps_drop;
    src->last_if_dropped = ps.ps_ifdrop;
}

static void capture_live_close_source(struct capture_live_source *src)
{
    if (src->handle == NULL)
        return;
    capture_live_read_stats(src);
    pcap_close(src->handle);
    src->handle = NULL;
}

/* One batch from every interface that is still open; true when one of
 * them filled its batch (more may be waiting: do not sleep). */
static bool capture_live_dispatch(struct capture_live *live)
{
    bool busy = false;

    for (size_t i = 0; i < live->count; i++) {
        struct capture_live_source *src = &live->sources[i];
        int rc;

        if (src->handle == NULL)
            continue;
        rc = pcap_dispatch(src->handle, CAPTURE_LIVE_BATCH, capture_live_packet, (u_char *)(void *)src);
        if (rc >= CAPTURE_LIVE_BATCH)
            busy = true;
        if (rc == PCAP_ERROR) {
            fprintf(stderr, "pop3scope: %s: capture stopped after %" PRIu64 " packets: %s\n", src->name,
                    live->number, pcap_geterr(src->handle));
            live->failed = true;
            capture_live_close_source(src);
        }
    }
    return busy;
}

static size_t capture_live_poll_set(const struct capture_live *live, struct pollfd *fds)
{
    size_t n = 0;

    for (size_t i = 0; i < live->count; i++) {
        if (live->sources[i].handle == NULL)
            continue;
        fds[n].fd = pcap_get_selectable_fd(live->sources[i].handle);
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        n++;
    }
    return n;
}

/* One thread polls every handle: packets of all interfaces go through the
 * one analyzer in arrival order, with no locks. Every interface is
 * dispatched after each wake-up whatever poll said: a dispatch on an
 * empty non-blocking handle costs nothing, and with immediate mode off
 * libpcap may hold a timed-out block that poll does not announce. */
enum capture_status capture_live_run(struct capture_live *live, capture_frame_fn fn, void *ctx, capture_tick_fn tick,
                                     void *tick_ctx)
{
    struct pollfd fds[CAPTURE_LIVE_MAX_INTERFACES];
    int timeout = CAPTURE_LIVE_TICK_MS;

    live->fn = fn;
    live->ctx = ctx;
    while (tick(tick_ctx)) {
        size_t n = capture_live_poll_set(live, fds);

        if (n == 0) {
            fputs("pop3scope: no interface left to capture on\n", stderr);
            return CAPTURE_READ_ERROR;
        }
        /* EINTR: a signal arrived; the dispatch below is harmless and the
         * tick then sees the signal's flag. */
        if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR) {
            fprintf(stderr, "pop3scope: waiting for packets failed: %s\n", strerror(errno));
            return CAPTURE_READ_ERROR;
        }
        timeout = capture_live_dispatch(live) ? 0 : CAPTURE_LIVE_TICK_MS;
    }
    return live->failed ? CAPTURE_READ_ERROR : CAPTURE_OK;
}

void capture_live_get_stats(struct capture_live *live, struct capture_live_stats *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < live->count; i++) {
        struct capture_live_source *src = &live->sources[i];

        capture_live_read_stats(src);
        out->received += src->totals.received;
        out->dropped += src->totals.dropped;
        out->interface_dropped += src->totals.interface_dropped;
    }
}

void capture_live_close(struct capture_live *live)
{
    if (live == NULL)
        return;
    for (size_t i = 0; i < live->count; i++)
        capture_live_close_source(&live->sources[i]);
    free(live);
}

const char *capture_library_version(void)
{
    return pcap_lib_version();
}
