/* Packet sources. Today: capture files through libpcap, which recognises
 * pcap and pcapng by their magic numbers and reads stdin for "-". Every
 * source ends in capture_deliver(), so a live source (pcap_create +
 * pcap_activate, a kernel filter via pcap_setfilter, its own stop
 * condition) can be added as one more opening function beside
 * capture_read_file() without touching the delivery loop. */
#include "capture.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

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

static bool capture_check_link(pcap_t *handle, const char *name)
{
    int linktype = pcap_datalink(handle);
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

/* Reads every record to the end. Records are numbered from 1 in file order,
 * counting those the filter drops, so a number always points at one record. */
static enum capture_status capture_deliver(pcap_t *handle, const char *name, const struct bpf_program *filter,
                                           capture_frame_fn fn, void *ctx)
{
    struct pcap_pkthdr *header;
    const u_char *bytes;
    struct capture_frame frame;
    uint64_t number = 0;
    int rc;

    memset(&frame, 0, sizeof(frame));
    frame.linktype = pcap_datalink(handle);
    for (;;) {
        rc = pcap_next_ex(handle, &header, &bytes);
        if (rc == PCAP_ERROR_BREAK)
            return CAPTURE_OK; /* end of file */
        if (rc == 0)
            continue; /* live sources only: the buffer timeout expired */
        if (rc != 1) {
            fprintf(stderr, "pop3scope: %s: record %" PRIu64 ": %s; analysis of the frames before it stands\n",
                    name, number + 1, pcap_geterr(handle));
            return CAPTURE_READ_ERROR;
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

enum capture_status capture_read_file(const char *path, const char *bpf_filter, capture_frame_fn fn, void *ctx)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const char *name = capture_source_name(path);
    struct bpf_program program;
    enum capture_status status;
    pcap_t *handle;

    errbuf[0] = '\0';
    handle = pcap_open_offline(path, errbuf);
    if (handle == NULL) {
        fprintf(stderr, "pop3scope: %s: cannot read as a capture file: %s\n", name,
                capture_open_reason(path, errbuf));
        return CAPTURE_OPEN_FAILED;
    }
    if (!capture_check_link(handle, name)) {
        pcap_close(handle);
        return CAPTURE_OPEN_FAILED;
    }
    if (bpf_filter != NULL && !capture_compile_filter(handle, name, bpf_filter, &program)) {
        pcap_close(handle);
        return CAPTURE_OPEN_FAILED;
    }
    status = capture_deliver(handle, name, bpf_filter != NULL ? &program : NULL, fn, ctx);
    if (bpf_filter != NULL)
        pcap_freecode(&program);
    pcap_close(handle);
    return status;
}

const char *capture_library_version(void)
{
    return pcap_lib_version();
}
