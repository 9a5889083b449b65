/* Link layer to TCP. Every read goes through cursor.h over data[0..caplen);
 * the view's payload pointer is an address inside the frame, never a copy.
 *
 * Three lengths meet here, and keeping them apart is the whole job:
 *   captured  bytes the capture holds (caplen);
 *   wire      bytes the frame had on the wire (wirelen; never below caplen);
 *   claimed   bytes an IP header says its datagram has.
 * A header cut short of `captured` is TRUNCATED (tcpdump: "truncated" is not
 * "invalid"); a header whose own lengths contradict each other is MALFORMED.
 * Payload ends at the claimed length, which strips Ethernet padding and any
 * trailing FCS; payload_missing counts the claimed bytes the wire carried but
 * snaplen dropped. */
#include "decode.h"

#include <stddef.h>
#include <string.h>

#include "cursor.h"

/* Link types as pcap_datalink() reports them on this platform. libpcap maps
 * the LINKTYPE_ value in a file to its DLT_ value, so LINKTYPE_RAW (101)
 * arrives as DLT_RAW (12 here, 14 on OpenBSD) and LINKTYPE_LOOP (108) as
 * DLT_LOOP; 101 itself is also accepted for callers that pass file values. */
enum decode_link {
    DECODE_LINK_NULL = 0,
    DECODE_LINK_EN10MB = 1,
    DECODE_LINK_RAW = 12,
    DECODE_LINK_RAW_OPENBSD = 14,
    DECODE_LINK_LINKTYPE_RAW = 101,
    DECODE_LINK_LOOP = 108,
    DECODE_LINK_LINUX_SLL = 113,
    DECODE_LINK_IPV4 = 228,
    DECODE_LINK_IPV6 = 229,
    DECODE_LINK_LINUX_SLL2 = 276,
};

#define DECODE_ETHERTYPE_IPV4 0x0800u
#define DECODE_ETHERTYPE_IPV6 0x86DDu
#define DECODE_ETHERTYPE_VLAN 0x8100u /* IEEE 802.1Q */
#define DECODE_ETHERTYPE_QINQ 0x88A8u /* IEEE 802.1ad service tag */
#define DECODE_ETHERTYPE_QINQ_OLD 0x9100u /* pre-802.1ad vendor QinQ */
#define DECODE_ETHERTYPE_NONE 0u /* "no network layer we decode" */

/* A stack deeper than this is not a real network; refusing it keeps the loop
 * bounded. QinQ needs two. */
#define DECODE_VLAN_DEPTH_MAX 4

/* RFC 8200 §4.1 lets each extension header appear once (destination options
 * twice); eight is generous and bounds the walk. */
#define DECODE_IPV6_EXT_MAX 8

#define DECODE_ARPHRD_NETLINK 824 /* SLL "protocol" is then a netlink family */

#define DECODE_IPPROTO_HOPOPTS 0
#define DECODE_IPPROTO_TCP 6
#define DECODE_IPPROTO_ROUTING 43
#define DECODE_IPPROTO_FRAGMENT 44
#define DECODE_IPPROTO_AH 51
#define DECODE_IPPROTO_DSTOPTS 60
#define DECODE_IPPROTO_MOBILITY 135
#define DECODE_IPPROTO_HIP 139
#define DECODE_IPPROTO_SHIM6 140

#define DECODE_IPV4_HEADER_MIN 20u
#define DECODE_IPV6_HEADER_LEN 40u
#define DECODE_TCP_HEADER_MIN 20u

/* The bytes after the current cursor position that belong to the IP payload:
 * how many the IP header claims, and how many of those the wire carried. The
 * cursor itself is limited to the claimed bytes it actually holds. */
struct decode_span {
    uint32_t claimed;
    uint32_t wire;
};

struct decode_state {
    struct cursor cur; /* over the whole frame; narrowed, never re-based */
    uint32_t wire_len; /* max(wirelen, caplen) */
    /* The IP length came from the wire, not the header (TSO/GSO, a
     * jumbogram), or a routing header changes the pseudo-header's
     * destination (RFC 8200 §8.1): no checksum verdict then. */
    bool checksum_unverifiable;
};

/* Fixed headers are taken from the cursor in one piece (one bounds check
 * for all their fields, which matters at a few hundred million packets);
 * these read big-endian fields at constant offsets inside such a piece. */
static inline uint16_t decode_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t decode_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ------------------------------------------------------------ link layer */

static bool decode_is_vlan_tpid(uint16_t type)
{
    return type == DECODE_ETHERTYPE_VLAN || type == DECODE_ETHERTYPE_QINQ || type == DECODE_ETHERTYPE_QINQ_OLD;
}

/* Follows 802.1Q / 802.1ad tags (each: 2 bytes TCI, 2 bytes next type)
 * until a type that is not a tag. */
static enum decode_result decode_vlan_tags(struct cursor *c, uint16_t type, uint16_t *net)
{
    unsigned depth;

    for (depth = 0; decode_is_vlan_tpid(type) && !cursor_failed(c); depth++) {
        if (depth == DECODE_VLAN_DEPTH_MAX)
            return DECODE_MALFORMED;
        cursor_skip(c, 2);
        type = cursor_get_be16(c);
    }
    if (cursor_failed(c))
        return DECODE_TRUNCATED;
    *net = type;
    return DECODE_OK;
}

static enum decode_result decode_ethernet(struct cursor *c, uint16_t *net)
{
    /* Destination and source MAC, then the type: one bounds check. */
    const uint8_t *header = cursor_get_bytes(c, 14);
    uint16_t type;

    if (header == NULL)
        return DECODE_TRUNCATED;
    type = decode_be16(header + 12);
    /* A value <= 1500 is an 802.3 length (LLC follows), which leaves *net
     * a non-IP type and so ends as NOT_TCP. */
    if (!decode_is_vlan_tpid(type)) {
        *net = type;
        return DECODE_OK;
    }
    return decode_vlan_tags(c, type, net);
}

/* Linux cooked v1: packet type, ARPHRD type, address length, 8 address
 * bytes, protocol (an Ethertype for the ARPHRD types we care about). */
static enum decode_result decode_linux_sll(struct cursor *c, uint16_t *net)
{
    uint16_t hatype;
    uint16_t protocol;

    cursor_skip(c, 2);
    hatype = cursor_get_be16(c);
    cursor_skip(c, 2 + 8);
    protocol = cursor_get_be16(c);
    if (cursor_failed(c))
        return DECODE_TRUNCATED;
    if (hatype == DECODE_ARPHRD_NETLINK) {
        *net = DECODE_ETHERTYPE_NONE;
        return DECODE_OK;
    }
    return decode_vlan_tags(c, protocol, net);
}

/* Linux cooked v2: protocol, reserved, interface index, ARPHRD type, packet
 * type, address length, 8 address bytes. */
static enum decode_result decode_linux_sll2(struct cursor *c, uint16_t *net)
{
    uint16_t protocol;
    uint16_t hatype;

    protocol = cursor_get_be16(c);
    cursor_skip(c, 2 + 4);
    hatype = cursor_get_be16(c);
    cursor_skip(c, 1 + 1 + 8);
    if (cursor_failed(c))
        return DECODE_TRUNCATED;
    if (hatype == DECODE_ARPHRD_NETLINK) {
        *net = DECODE_ETHERTYPE_NONE;
        return DECODE_OK;
    }
    return decode_vlan_tags(c, protocol, net);
}

/* BSD loopback: a 4-byte address family. DLT_NULL writes it in the
 * capturing host's order, which the reader cannot know, so both orders are
 * read and the one that fits in 16 bits wins (as tcpdump does); DLT_LOOP
 * writes it in network order. AF_INET is 2 everywhere; AF_INET6 is 10 on
 * Linux, 24 on NetBSD/OpenBSD/BSD/OS, 28 on FreeBSD/DragonFly, 30 on macOS. */
static enum decode_result decode_bsd_loopback(struct cursor *c, bool network_order, uint16_t *net)
{
    struct cursor peek = *c;
    uint32_t little = cursor_get_le32(&peek);
    uint32_t big = cursor_get_be32(c);
    uint32_t family;

    if (cursor_failed(c))
        return DECODE_TRUNCATED;
    family = (network_order || (little & 0xFFFF0000u) != 0) ? big : little;
    switch (family) {
    case 2:
        *net = DECODE_ETHERTYPE_IPV4;
        break;
    case 10:
    case 24:
    case 28:
    case 30:
        *net = DECODE_ETHERTYPE_IPV6;
        break;
    default:
        *net = DECODE_ETHERTYPE_NONE;
        break;
    }
    return DECODE_OK;
}

/* Raw IP: the version nibble is the only type information there is. */
static enum decode_result decode_raw_ip(struct cursor *c, uint16_t *net)
{
    uint8_t first = cursor_peek_u8(c);

    if (cursor_failed(c))
        return DECODE_TRUNCATED;
    switch (first >> 4) {
    case 4:
        *net = DECODE_ETHERTYPE_IPV4;
        return DECODE_OK;
    case 6:
        *net = DECODE_ETHERTYPE_IPV6;
        return DECODE_OK;
    default:
        return DECODE_MALFORMED;
    }
}

static enum decode_result decode_link_layer(int linktype, struct cursor *c, uint16_t *net)
{
    switch (linktype) {
    case DECODE_LINK_EN10MB:
        return decode_ethernet(c, net);
    case DECODE_LINK_LINUX_SLL:
        return decode_linux_sll(c, net);
    case DECODE_LINK_LINUX_SLL2:
        return decode_linux_sll2(c, net);
    case DECODE_LINK_NULL:
        return decode_bsd_loopback(c, false, net);
    case DECODE_LINK_LOOP:
        return decode_bsd_loopback(c, true, net);
    case DECODE_LINK_RAW:
    case DECODE_LINK_RAW_OPENBSD:
    case DECODE_LINK_LINKTYPE_RAW:
        return decode_raw_ip(c, net);
    case DECODE_LINK_IPV4:
        *net = DECODE_ETHERTYPE_IPV4;
        return DECODE_OK;
    case DECODE_LINK_IPV6:
        *net = DECODE_ETHERTYPE_IPV6;
        return DECODE_OK;
    default:
        return DECODE_UNSUPPORTED_LINK;
    }
}

/* ------------------------------------------------------------ IP payload */

/* Sets the span of an IP payload that starts at the cursor and, by its
 * header, holds `claimed` bytes.
 * When the claim exceeds what the wire length allows, the wire wins: bytes
 * past wirelen never reached the capture point, so they cannot be "missing
 * to snaplen", and believing the header would let one forged length invent
 * a gap of up to 64 KiB in the stream. Real losses still show, because the
 * next segment's sequence number reveals them to the stream layer. */
static void decode_span_set(struct decode_state *st, uint32_t claimed, struct decode_span *span)
{
    uint32_t wire_left = st->wire_len - (uint32_t)cursor_offset(&st->cur);

    span->claimed = claimed;
    span->wire = claimed < wire_left ? claimed : wire_left;
    cursor_limit(&st->cur, claimed);
}

/* Can n more bytes of the payload be read? The header's own claim is asked
 * first: a structure longer than its datagram is a lie, not a short read. */
static enum decode_result decode_span_need(const struct decode_state *st, const struct decode_span *span, uint32_t n)
{
    if (n > span->claimed)
        return DECODE_MALFORMED;
    if (n > span->wire || !cursor_has(&st->cur, n))
        return DECODE_TRUNCATED;
    return DECODE_OK;
}

static enum decode_result decode_span_consume(struct decode_state *st, struct decode_span *span, uint32_t n)
{
    enum decode_result r = decode_span_need(st, span, n);

    if (r != DECODE_OK)
        return r;
    cursor_skip(&st->cur, n);
    span->claimed -= n;
    span->wire -= n;
    return DECODE_OK;
}

/* The fragment's own bytes start at the cursor and run for the span. */
static void decode_fragment_fill(const struct decode_state *st, const struct decode_span *span,
                                 struct decode_fragment *frag)
{
    frag->data = cursor_ptr(&st->cur);
    frag->len = (uint32_t)cursor_remaining(&st->cur);
    if (frag->len > span->wire)
        frag->len = span->wire;
    frag->missing = span->wire - frag->len;
}

/* ------------------------------------------------------------------ IPv4 */

static enum decode_result decode_ipv4(struct decode_state *st, struct packet_view *out, struct decode_span *span)
{
    struct cursor *c = &st->cur;
    const uint8_t *header = cursor_get_bytes(c, DECODE_IPV4_HEADER_MIN);
    uint8_t version_ihl;
    uint32_t header_len;
    uint32_t total;
    uint16_t id;
    uint16_t fragment;
    uint8_t protocol;

    if (header == NULL)
        return DECODE_TRUNCATED;
    version_ihl = header[0];
    header_len = (uint32_t)(version_ihl & 0x0Fu) * 4;
    total = decode_be16(header + 2); /* after DSCP/ECN */
    id = decode_be16(header + 4);
    fragment = decode_be16(header + 6);
    protocol = header[9]; /* after TTL; the checksum (10..11) is not
                             verified: offload leaves it wrong */
    if (version_ihl >> 4 != 4 || header_len < DECODE_IPV4_HEADER_MIN)
        return DECODE_MALFORMED;
    if (total == 0) {
        /* Linux captures of TSO/GSO sends carry total length 0 when the
         * super-segment exceeds 64 KiB; the wire length is all there is
         * (tcpdump makes the same guess). */
        total = st->wire_len - (uint32_t)cursor_offset(c) + DECODE_IPV4_HEADER_MIN;
        st->checksum_unverifiable = true;
    }
    if (total < header_len)
        return DECODE_MALFORMED;
    if (!cursor_skip(c, header_len - DECODE_IPV4_HEADER_MIN)) /* options */
        return DECODE_TRUNCATED;

    out->ip_version = 4;
    out->ip_header = header; /* the options follow it: header_len in all */
    out->ip_header_len = (uint8_t)header_len;
    memcpy(out->src_addr, header + 12, 4);
    memcpy(out->dst_addr, header + 16, 4);
    if (protocol != DECODE_IPPROTO_TCP)
        return DECODE_NOT_TCP;
    decode_span_set(st, total - header_len, span);
    if ((fragment & 0x3FFFu) != 0) { /* MF flag or a fragment offset (RFC 791 §3.1) */
        out->fragment.id = id;
        out->fragment.offset = (uint32_t)(fragment & 0x1FFFu) * 8u; /* in 8-octet units */
        out->fragment.more = (fragment & 0x2000u) != 0;
        out->fragment.protocol = protocol;
        decode_fragment_fill(st, span, &out->fragment);
        return DECODE_FRAGMENT;
    }
    return DECODE_OK;
}

/* ------------------------------------------------------------------ IPv6 */

static bool decode_is_ipv6_extension(uint8_t next)
{
    switch (next) {
    case DECODE_IPPROTO_HOPOPTS:
    case DECODE_IPPROTO_ROUTING:
    case DECODE_IPPROTO_FRAGMENT:
    case DECODE_IPPROTO_AH:
    case DECODE_IPPROTO_DSTOPTS:
    case DECODE_IPPROTO_MOBILITY:
    case DECODE_IPPROTO_HIP:
    case DECODE_IPPROTO_SHIM6:
        return true;
    default:
        return false;
    }
}

/* Fragment header (RFC 8200 §4.5): next header, reserved, offset and M
 * flag, identification. An atomic fragment (offset 0, M clear) is a whole
 * packet and is read through (RFC 6946 §4). A real fragment whose next
 * header can lead to TCP is a FRAGMENT; one that cannot is just not TCP. */
static enum decode_result decode_ipv6_fragment(struct decode_state *st, struct decode_span *span, uint8_t *next,
                                               struct decode_fragment *frag)
{
    struct cursor peek = st->cur;
    enum decode_result r = decode_span_need(st, span, 8);
    uint8_t inner;
    uint16_t offset_flags;
    uint32_t id;

    if (r != DECODE_OK)
        return r;
    inner = cursor_get_u8(&peek);
    cursor_skip(&peek, 1);
    offset_flags = cursor_get_be16(&peek);
    id = cursor_get_be32(&peek);
    if ((offset_flags & 0xFFF9u) != 0) {
        if (inner != DECODE_IPPROTO_TCP && !decode_is_ipv6_extension(inner))
            return DECODE_NOT_TCP;
        r = decode_span_consume(st, span, 8);
        if (r != DECODE_OK)
            return r;
        frag->id = id;
        frag->offset = offset_flags & 0xFFF8u; /* 8-octet units, already in place */
        frag->more = offset_flags & 1u;
        frag->protocol = inner;
        decode_fragment_fill(st, span, frag);
        return DECODE_FRAGMENT;
    }
    *next = inner;
    return decode_span_consume(st, span, 8);
}

/* One generic extension header: next header, length, then data. The length
 * counts 8-octet units beyond the first (RFC 8200 §4.3-4.6), except AH,
 * which counts 4-octet units minus two (RFC 4302 §2.2). */
static enum decode_result decode_ipv6_option_header(struct decode_state *st, struct decode_span *span, uint8_t *next)
{
    struct cursor peek = st->cur;
    enum decode_result r = decode_span_need(st, span, 2);
    uint8_t inner;
    uint32_t units;
    uint32_t size;

    if (r != DECODE_OK)
        return r;
    inner = cursor_get_u8(&peek);
    units = cursor_get_u8(&peek);
    if (*next == DECODE_IPPROTO_ROUTING)
        st->checksum_unverifiable = true;
    size = *next == DECODE_IPPROTO_AH ? (units + 2) * 4 : (units + 1) * 8;
    r = decode_span_consume(st, span, size);
    if (r == DECODE_OK)
        *next = inner;
    return r;
}

static enum decode_result decode_ipv6_extensions(struct decode_state *st, struct decode_span *span, uint8_t next,
                                                 struct decode_fragment *frag)
{
    unsigned count;
    enum decode_result r;

    for (count = 0; next != DECODE_IPPROTO_TCP; count++) {
        if (!decode_is_ipv6_extension(next))
            return DECODE_NOT_TCP; /* UDP, ICMPv6, ESP, no next header... */
        if (count == DECODE_IPV6_EXT_MAX)
            return DECODE_MALFORMED;
        /* RFC 8200 §4.3: hop-by-hop options only directly after the header. */
        if (next == DECODE_IPPROTO_HOPOPTS && count != 0)
            return DECODE_MALFORMED;
        if (next == DECODE_IPPROTO_FRAGMENT)
            r = decode_ipv6_fragment(st, span, &next, frag);
        else
            r = decode_ipv6_option_header(st, span, &next);
        if (r != DECODE_OK)
            return r;
    }
    return DECODE_OK;
}

static enum decode_result decode_ipv6(struct decode_state *st, struct packet_view *out, struct decode_span *span)
{
    struct cursor *c = &st->cur;
    uint8_t version = cursor_peek_u8(c) >> 4;
    uint32_t payload_len;
    uint8_t next;
    const uint8_t *src;
    const uint8_t *dst;

    cursor_skip(c, 4); /* version, traffic class, flow label */
    payload_len = cursor_get_be16(c);
    next = cursor_get_u8(c);
    cursor_skip(c, 1); /* hop limit */
    src = cursor_get_bytes(c, 16);
    dst = cursor_get_bytes(c, 16);
    if (cursor_failed(c))
        return DECODE_TRUNCATED;
    if (version != 6)
        return DECODE_MALFORMED;
    if (payload_len == 0) {
        /* A jumbogram (RFC 2675) or a GSO super-segment captured before
         * segmentation: the wire length is the only length there is. */
        payload_len = st->wire_len - (uint32_t)cursor_offset(c);
        st->checksum_unverifiable = true;
    }
    out->ip_version = 6;
    memcpy(out->src_addr, src, 16);
    memcpy(out->dst_addr, dst, 16);
    decode_span_set(st, payload_len, span);
    return decode_ipv6_extensions(st, span, next, &out->fragment);
}

/* ------------------------------------------------------------------- TCP */

static enum decode_result decode_tcp(struct decode_state *st, struct decode_span *span, struct packet_view *out)
{
    struct cursor *c = &st->cur;
    enum decode_result r = decode_span_need(st, span, DECODE_TCP_HEADER_MIN);
    const uint8_t *header;
    uint32_t header_len;

    if (r != DECODE_OK)
        return r;
    header = cursor_get_bytes(c, DECODE_TCP_HEADER_MIN); /* decode_span_need checked it */
    if (header == NULL)
        return DECODE_TRUNCATED;
    out->tcp_header = header;
    out->src_port = decode_be16(header);
    out->dst_port = decode_be16(header + 2);
    out->seq = decode_be32(header + 4);
    out->ack = decode_be32(header + 8);
    header_len = (uint32_t)(header[12] >> 4) * 4; /* RFC 9293 §3.1 data offset */
    out->tcp_flags = header[13];
    out->window = decode_be16(header + 14);
    /* 16..19: checksum, urgent pointer */
    span->claimed -= DECODE_TCP_HEADER_MIN;
    span->wire -= DECODE_TCP_HEADER_MIN;
    if (header_len < DECODE_TCP_HEADER_MIN)
        return DECODE_MALFORMED;
    r = decode_span_consume(st, span, header_len - DECODE_TCP_HEADER_MIN); /* options */
    if (r != DECODE_OK)
        return r;
    out->tcp_header_len = (uint8_t)header_len; /* at most 60 */
    out->payload = cursor_ptr(c);
    out->payload_len = (uint32_t)cursor_remaining(c);
    out->payload_missing = span->wire > out->payload_len ? span->wire - out->payload_len : 0;
    out->checksum_whole = !st->checksum_unverifiable && out->payload_len == span->claimed;
    return DECODE_OK;
}

/* ------------------------------------------------------------ public API */

enum decode_result decode_packet(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                                 struct packet_view *out)
{
    struct decode_state st;
    struct decode_span span;
    uint16_t net = DECODE_ETHERTYPE_NONE;
    enum decode_result r;

    memset(out, 0, sizeof(*out));
    cursor_init(&st.cur, data, caplen);
    st.checksum_unverifiable = false;
    /* A record claiming fewer wire bytes than it holds is itself damaged;
     * the bytes we hold were certainly on the wire. */
    st.wire_len = wirelen > caplen ? wirelen : caplen;

    r = decode_link_layer(linktype, &st.cur, &net);
    if (r != DECODE_OK)
        return r;
    if (net == DECODE_ETHERTYPE_IPV4)
        r = decode_ipv4(&st, out, &span);
    else if (net == DECODE_ETHERTYPE_IPV6)
        r = decode_ipv6(&st, out, &span);
    else
        r = DECODE_NOT_TCP;
    if (r != DECODE_OK)
        return r;
    return decode_tcp(&st, &span, out);
}

enum decode_result decode_reassembled(uint8_t protocol, const uint8_t *payload, uint32_t len, uint32_t missing,
                                      struct packet_view *out)
{
    struct decode_state st;
    struct decode_span span;
    enum decode_result r = DECODE_OK;

    if (len > UINT32_MAX - missing)
        return DECODE_MALFORMED;
    cursor_init(&st.cur, payload, len);
    st.wire_len = len + missing;
    st.checksum_unverifiable = false;
    out->ip_header = NULL; /* each fragment had its own */
    out->ip_header_len = 0;
    span.claimed = len + missing;
    span.wire = len + missing;
    memset(&out->fragment, 0, sizeof out->fragment);
    if (out->ip_version == 6) {
        struct decode_fragment nested;

        memset(&nested, 0, sizeof nested);
        r = decode_ipv6_extensions(&st, &span, protocol, &nested);
        if (r == DECODE_FRAGMENT)
            r = DECODE_MALFORMED; /* RFC 8200 §4.5: fragments are not fragmented again */
    } else if (protocol != DECODE_IPPROTO_TCP) {
        r = DECODE_NOT_TCP;
    }
    if (r != DECODE_OK)
        return r;
    return decode_tcp(&st, &span, out);
}

/* ------------------------------------------------------------- checksums */

/* Ones'-complement sum (RFC 1071) with 64-bit accumulation: 32-bit words
 * added into a 64-bit total cannot carry out of it below 2^32 words, so
 * the carries are folded once at the end instead of after every add.
 * Loads go through memcpy: packet bytes have no alignment. The range was
 * bounds-checked by the cursor when the view was made. */
static uint64_t decode_sum_words(const uint8_t *p, size_t n, uint64_t acc)
{
    uint64_t a, b, c, d;
    uint8_t tail[8] = {0};

    while (n >= 32) {
        memcpy(&a, p, 8);
        memcpy(&b, p + 8, 8);
        memcpy(&c, p + 16, 8);
        memcpy(&d, p + 24, 8);
        acc += (a & 0xFFFFFFFFu) + (a >> 32) + (b & 0xFFFFFFFFu) + (b >> 32);
        acc += (c & 0xFFFFFFFFu) + (c >> 32) + (d & 0xFFFFFFFFu) + (d >> 32);
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        memcpy(&a, p, 8);
        acc += (a & 0xFFFFFFFFu) + (a >> 32);
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        /* An odd last byte is padded with zero (RFC 9293 §3.1). */
        memcpy(tail, p, n);
        memcpy(&a, tail, 8);
        acc += (a & 0xFFFFFFFFu) + (a >> 32);
    }
    return acc;
}

static uint16_t decode_fold(uint64_t acc)
{
    acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
    acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
    acc = (acc & 0xFFFFu) + (acc >> 16);
    acc = (acc & 0xFFFFu) + (acc >> 16);
    acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)acc;
}

uint16_t decode_ones_sum(const uint8_t *data, size_t n)
{
    return decode_fold(decode_sum_words(data, n, 0));
}

/* The pseudo-header: RFC 9293 §3.1 (IPv4: addresses, zero, protocol, TCP
 * length) or RFC 8200 §8.1 (IPv6: addresses, 32-bit length, zeros, next
 * header). Its bytes are laid out as on the wire, so they add up in the
 * same byte order as the segment's. */
static uint64_t decode_pseudo_sum(const struct packet_view *v, uint32_t tcp_len)
{
    uint8_t ph[40];
    size_t n;

    memset(ph, 0, sizeof ph);
    if (v->ip_version == 4) {
        memcpy(ph, v->src_addr, 4);
        memcpy(ph + 4, v->dst_addr, 4);
        ph[9] = DECODE_IPPROTO_TCP;
        ph[10] = (uint8_t)(tcp_len >> 8);
        ph[11] = (uint8_t)tcp_len;
        n = 12;
    } else {
        memcpy(ph, v->src_addr, 16);
        memcpy(ph + 16, v->dst_addr, 16);
        ph[32] = (uint8_t)(tcp_len >> 24);
        ph[33] = (uint8_t)(tcp_len >> 16);
        ph[34] = (uint8_t)(tcp_len >> 8);
        ph[35] = (uint8_t)tcp_len;
        ph[39] = DECODE_IPPROTO_TCP;
        n = 40;
    }
    return decode_sum_words(ph, n, 0);
}

enum decode_checksum decode_checksum(const struct packet_view *v)
{
    uint64_t tcp_len = (uint64_t)v->tcp_header_len + v->payload_len;
    uint64_t acc;
    uint16_t pseudo;
    uint8_t field[2];
    bool unfilled;

    if (!v->checksum_whole || v->tcp_header == NULL || v->tcp_header_len < DECODE_TCP_HEADER_MIN)
        return DECODE_CHECKSUM_UNVERIFIABLE;
    /* RFC 791 §3.1: the header's words, its checksum included, sum to
     * all ones. */
    if (v->ip_header != NULL && decode_ones_sum(v->ip_header, v->ip_header_len) != 0xFFFFu)
        return DECODE_CHECKSUM_BAD;
    if (tcp_len > (v->ip_version == 4 ? 0xFFFFu : 0xFFFFFFFFu))
        return DECODE_CHECKSUM_UNVERIFIABLE;
    acc = decode_pseudo_sum(v, (uint32_t)tcp_len);
    pseudo = decode_fold(acc);
    /* The header is a multiple of 4 bytes long, so the payload's words
     * start on an even offset and the two ranges add up as one. */
    acc = decode_sum_words(v->tcp_header, v->tcp_header_len, acc);
    acc = decode_sum_words(v->payload, v->payload_len, acc);
    /* Linux leaves ~csum_tcpudp_magic(..., 0), the folded pseudo-header
     * sum, in the field of a segment the NIC is to finish or GRO merged;
     * generators leave zero. */
    memcpy(field, v->tcp_header + 16, 2);
    unfilled = memcmp(field, &pseudo, 2) == 0 || (field[0] == 0 && field[1] == 0);
    if (decode_fold(acc) == 0xFFFFu)
        return unfilled ? DECODE_CHECKSUM_RIGHT_BY_CHANCE : DECODE_CHECKSUM_GOOD;
    return unfilled ? DECODE_CHECKSUM_PARTIAL : DECODE_CHECKSUM_BAD;
}

const char *decode_checksum_name(enum decode_checksum c)
{
    switch (c) {
    case DECODE_CHECKSUM_UNCHECKED: return "unchecked";
    case DECODE_CHECKSUM_GOOD: return "good";
    case DECODE_CHECKSUM_BAD: return "bad";
    case DECODE_CHECKSUM_PARTIAL: return "partial";
    case DECODE_CHECKSUM_RIGHT_BY_CHANCE: return "right_by_chance";
    case DECODE_CHECKSUM_UNVERIFIABLE: return "unverifiable";
    }
    return "invalid";
}

int decode_link_supported(int linktype)
{
    switch (linktype) {
    case DECODE_LINK_NULL:
    case DECODE_LINK_EN10MB:
    case DECODE_LINK_RAW:
    case DECODE_LINK_RAW_OPENBSD:
    case DECODE_LINK_LINKTYPE_RAW:
    case DECODE_LINK_LOOP:
    case DECODE_LINK_LINUX_SLL:
    case DECODE_LINK_IPV4:
    case DECODE_LINK_IPV6:
    case DECODE_LINK_LINUX_SLL2:
        return 1;
    default:
        return 0;
    }
}

const char *decode_result_name(enum decode_result r)
{
    switch (r) {
    case DECODE_OK:
        return "ok";
    case DECODE_NOT_TCP:
        return "not_tcp";
    case DECODE_UNSUPPORTED_LINK:
        return "unsupported_link";
    case DECODE_FRAGMENT:
        return "fragment";
    case DECODE_TRUNCATED:
        return "truncated";
    case DECODE_MALFORMED:
        return "malformed";
    }
    return "invalid";
}
