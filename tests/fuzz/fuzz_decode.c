/* libFuzzer harness for the packet decoder (decode.h).
 *
 * Input layout: byte 0 picks the link type (mod the table below: every
 * supported type and one that is not), byte 1 the wire length (0: equal to
 * the captured length; 1-127: that many bytes more, as if snaplen cut the
 * frame; 128-255: fewer, as a damaged record may claim), the rest is the
 * frame, copied into a buffer of exactly its length.
 *
 * Beyond what the sanitizers see, the harness checks the view's promise:
 * the payload lies inside the frame, and so do the headers the checksum
 * reads (decode_checksum runs on every TCP view: ASan sees any byte it
 * would read past the frame, which is allocated to its exact length). */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fuzz.h"

static volatile uint32_t fuzz_decode_sum;

/* DLT values: NULL, EN10MB, RAW (12 and OpenBSD's 14), LINKTYPE_RAW, LOOP,
 * LINUX_SLL, IPV4, IPV6, LINUX_SLL2, and IEEE802_11 which is unsupported. */
static const int fuzz_decode_links[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105};
#define FUZZ_DECODE_LINK_COUNT (sizeof fuzz_decode_links / sizeof fuzz_decode_links[0])

/* The header ranges decode_checksum reads lie inside the frame. */
static void fuzz_decode_check_headers(uintptr_t start, uintptr_t end, const struct packet_view *v)
{
    uintptr_t tcp = (uintptr_t)v->tcp_header, ip = (uintptr_t)v->ip_header;

    if (v->tcp_header == NULL || tcp < start || tcp > end || v->tcp_header_len > end - tcp)
        abort();
    if (v->ip_header != NULL && (ip < start || ip > end || v->ip_header_len > end - ip))
        abort();
    fuzz_decode_sum += (uint32_t)decode_checksum(v);
    fuzz_decode_sum += (uint32_t)strlen(decode_checksum_name(decode_checksum(v)));
}

static void fuzz_decode_check(const uint8_t *frame, uint32_t caplen, const struct packet_view *v)
{
    uintptr_t start = (uintptr_t)frame, end = start + caplen, p = (uintptr_t)v->payload;

    fuzz_decode_check_headers(start, end, v);
    if (v->payload_len == 0)
        return;
    if (v->payload == NULL || p < start || p > end || v->payload_len > end - p)
        abort(); /* the view points outside the frame */
    for (uint32_t i = 0; i < v->payload_len; i++)
        fuzz_decode_sum += v->payload[i];
    if (v->ip_version != 4 && v->ip_version != 6)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct packet_view v;
    enum decode_result r;
    uint8_t *frame;
    uint32_t caplen, wirelen;
    int link;

    if (size < 2 || size - 2 > UINT32_MAX / 2)
        return 0;
    link = fuzz_decode_links[data[0] % FUZZ_DECODE_LINK_COUNT];
    caplen = (uint32_t)(size - 2);
    if (data[1] < 128)
        wirelen = caplen + data[1];
    else
        wirelen = caplen > (uint32_t)(data[1] - 127u) ? caplen - (uint32_t)(data[1] - 127u) : 0;
    frame = malloc(caplen == 0 ? 1 : caplen);
    if (frame == NULL)
        return 0;
    if (caplen > 0)
        memcpy(frame, data + 2, caplen);
    memset(&v, 0, sizeof v);
    r = decode_packet(link, frame, caplen, wirelen, &v);
    if (r == DECODE_OK)
        fuzz_decode_check(frame, caplen, &v);
    fuzz_decode_sum += (uint32_t)strlen(decode_result_name(r)) + (uint32_t)decode_link_supported(link);
    free(frame);
    return 0;
}
