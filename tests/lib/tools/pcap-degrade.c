/* pcap-degrade: damages a capture the way real SPAN ports and taps do, so
 * the suite can prove pop3scope reports the same logins from a damaged copy
 * of a capture as from the original.
 *
 *   pcap-degrade [--seed N] MODE [MODE-ARGS] IN.pcap OUT.pcap
 *
 * The whole input is loaded (up to DEGRADE_LOAD_CAP) because reordering and
 * the choice of each flow's client both need to see the file before the
 * first record is written. Records that are not TCP over IPv4/IPv6 on a link
 * type parsed here pass through unchanged (snaplen cuts them too). The
 * output is classic pcap, microsecond timestamps, same link type.
 *
 * Randomness comes from splitmix64 seeded by --seed (default 1), never from
 * the clock, so one seed always gives the same bytes. See
 * tests/lib/tools/README.md for what each mode is for. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "cursor.h"

/* Test captures are kilobytes to megabytes; anything near this is not a
 * test capture and is better cut with editcap first. */
#define DEGRADE_LOAD_CAP ((size_t)256 << 20)
/* A piece must fit an IPv4 total length with the largest IP (60) and TCP
 * (60) headers. */
#define DEGRADE_MSS_MAX 65415u
#define DEGRADE_SNAPLEN_DEFAULT 262144u
#define DEGRADE_SNAPLEN_MAX 0x7FFFFFFFu /* pcap_open_dead takes an int */

#define DEGRADE_ETHERTYPE_IPV4 0x0800u
#define DEGRADE_ETHERTYPE_IPV6 0x86DDu
#define DEGRADE_VLAN_DEPTH_MAX 4
#define DEGRADE_IPV6_EXT_MAX 8

#define DEGRADE_PROTO_HOPOPTS 0
#define DEGRADE_PROTO_TCP 6
#define DEGRADE_PROTO_ROUTING 43
#define DEGRADE_PROTO_FRAGMENT 44
#define DEGRADE_PROTO_AH 51
#define DEGRADE_PROTO_DSTOPTS 60

#define DEGRADE_TCP_FIN 0x01u
#define DEGRADE_TCP_SYN 0x02u
#define DEGRADE_TCP_RST 0x04u
#define DEGRADE_TCP_PSH 0x08u
#define DEGRADE_TCP_ACK 0x10u
#define DEGRADE_TCP_URG 0x20u

enum degrade_exit {
    DEGRADE_EXIT_OK = 0,
    DEGRADE_EXIT_FAILURE = 1, /* input, output or a target that is not there */
    DEGRADE_EXIT_USAGE = 2,
};

enum degrade_mode {
    DEGRADE_REORDER,
    DEGRADE_DUPLICATE,
    DEGRADE_DROP,
    DEGRADE_RESEGMENT,
    DEGRADE_SNAPLEN,
    DEGRADE_ONE_DIRECTION,
    DEGRADE_DROP_HANDSHAKE,
    DEGRADE_LIST,
};

/* One row per mode: its name, the option it needs and that option's range
 * (numeric options only; drop and one-direction check theirs by hand). */
struct degrade_mode_info {
    const char *name;
    enum degrade_mode mode;
    const char *option;
    uint64_t min;
    uint64_t max;
};

static const struct degrade_mode_info degrade_modes[] = {
    {"reorder", DEGRADE_REORDER, "--window", 2, UINT32_MAX},
    {"duplicate", DEGRADE_DUPLICATE, "--every", 1, UINT32_MAX},
    {"drop", DEGRADE_DROP, "--index", 0, UINT32_MAX},
    {"resegment", DEGRADE_RESEGMENT, "--mss", 1, DEGRADE_MSS_MAX},
    {"snaplen", DEGRADE_SNAPLEN, "--bytes", 1, DEGRADE_SNAPLEN_MAX},
    {"one-direction", DEGRADE_ONE_DIRECTION, "--keep", 0, 0},
    {"drop-handshake", DEGRADE_DROP_HANDSHAKE, NULL, 0, 0},
    {"list", DEGRADE_LIST, NULL, 0, 0},
};

struct degrade_options {
    const struct degrade_mode_info *mode;
    uint64_t seed;
    const char *option; /* the mode option given, e.g. "--window" */
    const char *value; /* its text */
    uint64_t number; /* its value when numeric */
    bool keep_client; /* one-direction */
    const char *in_path;
    const char *out_path;
};

/* One captured record and what the parser found in it. Offsets count from
 * the first byte of the frame. */
struct degrade_record {
    struct pcap_pkthdr hdr;
    size_t data_offset; /* into degrade_capture.bytes */
    bool tcp; /* a TCP header was parsed; everything below is set */
    bool rewritable; /* IP headers we can rebuild (no routing header, no AH) */
    bool payload_complete; /* every payload byte the IP header claims is here */
    uint8_t ip_version;
    uint8_t tcp_flags;
    uint8_t side; /* which end of the flow sent it: 0 or 1 */
    uint8_t src_addr[16];
    uint8_t dst_addr[16];
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint32_t l3_offset;
    uint32_t tcp_offset;
    uint32_t payload_offset;
    uint32_t payload_len; /* captured payload bytes */
    uint32_t payload_claimed; /* payload bytes by the IP and TCP headers */
    size_t flow;
};

struct degrade_endpoint {
    uint8_t addr[16];
    uint16_t port;
};

/* Both ends in a canonical order (side 0 sorts first), so both directions
 * of a connection find the same flow. */
struct degrade_flow {
    uint8_t ip_version;
    struct degrade_endpoint end[2];
    int client; /* 0 or 1; -1 until decided */
};

struct degrade_capture {
    const char *path;
    int linktype;
    uint32_t snaplen;
    uint32_t max_caplen;
    uint8_t *bytes;
    size_t bytes_used;
    size_t bytes_cap;
    struct degrade_record *records;
    size_t count;
    size_t records_cap;
    struct degrade_flow *flows;
    size_t flow_count;
    uint32_t *slots; /* open addressing: flow index + 1, 0 = empty */
    size_t slot_mask;
};

struct degrade_writer {
    pcap_t *dead;
    pcap_dumper_t *dumper;
    struct timeval floor; /* no record is written earlier than this */
    uint64_t written;
};

struct degrade_rng {
    uint64_t state;
};

/* ------------------------------------------------------------------ PRNG */

/* splitmix64 (Steele, Lea, Flood 2014): one add and a mix per draw, and
 * every seed, 0 included, gives a full-period sequence. */
static uint64_t degrade_rng_next(struct degrade_rng *rng)
{
    uint64_t z;

    rng->state += 0x9E3779B97F4A7C15u;
    z = rng->state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [0, bound): draws below 2^64 mod bound are rejected so small
 * values are not favoured. bound must be > 0. */
static uint64_t degrade_rng_below(struct degrade_rng *rng, uint64_t bound)
{
    uint64_t threshold = (0 - bound) % bound;
    uint64_t r;

    do
        r = degrade_rng_next(rng);
    while (r < threshold);
    return r % bound;
}

/* Fisher-Yates. */
static void degrade_shuffle(struct degrade_rng *rng, size_t *items, size_t n)
{
    size_t i;

    for (i = n; i > 1; i--) {
        size_t j = (size_t)degrade_rng_below(rng, i);
        size_t tmp = items[i - 1];

        items[i - 1] = items[j];
        items[j] = tmp;
    }
}

/* ------------------------------------------------------------- timestamps */

static bool degrade_ts_before(const struct timeval *a, const struct timeval *b)
{
    if (a->tv_sec != b->tv_sec)
        return a->tv_sec < b->tv_sec;
    return a->tv_usec < b->tv_usec;
}

/* ----------------------------------------------------------------- parse */

/* 802.1Q / 802.1ad tags: 2 bytes TCI, 2 bytes next type. */
static bool degrade_parse_vlan(struct cursor *c, uint16_t type, uint16_t *net)
{
    unsigned depth;

    for (depth = 0; type == 0x8100u || type == 0x88A8u || type == 0x9100u; depth++) {
        if (depth == DEGRADE_VLAN_DEPTH_MAX)
            return false;
        cursor_skip(c, 2);
        type = cursor_get_be16(c);
    }
    *net = type;
    return !cursor_failed(c);
}

/* DLT_NULL writes the address family in the capturing host's order, so both
 * orders are tried (the one that fits in 16 bits wins); DLT_LOOP uses
 * network order. AF_INET is 2 everywhere; AF_INET6 differs per system. */
static bool degrade_parse_loopback(struct cursor *c, bool network_order, uint16_t *net)
{
    struct cursor peek = *c;
    uint32_t little = cursor_get_le32(&peek);
    uint32_t big = cursor_get_be32(c);
    uint32_t family = (network_order || (little & 0xFFFF0000u) != 0) ? big : little;

    if (family == 2)
        *net = DEGRADE_ETHERTYPE_IPV4;
    else if (family == 10 || family == 24 || family == 28 || family == 30)
        *net = DEGRADE_ETHERTYPE_IPV6;
    else
        *net = 0;
    return !cursor_failed(c);
}

static bool degrade_parse_raw(struct cursor *c, uint16_t *net)
{
    uint8_t version = cursor_peek_u8(c) >> 4;

    *net = version == 4 ? DEGRADE_ETHERTYPE_IPV4 : version == 6 ? DEGRADE_ETHERTYPE_IPV6 : 0;
    return !cursor_failed(c);
}

static bool degrade_parse_link(int linktype, struct cursor *c, uint16_t *net)
{
    uint16_t type;

    switch (linktype) {
    case DLT_EN10MB:
        cursor_skip(c, 12);
        type = cursor_get_be16(c);
        return degrade_parse_vlan(c, type, net);
    case DLT_LINUX_SLL: /* type, ARPHRD, address length, 8 address bytes */
        cursor_skip(c, 14);
        type = cursor_get_be16(c);
        return degrade_parse_vlan(c, type, net);
    case DLT_LINUX_SLL2: /* protocol first, then 18 bytes we do not need */
        type = cursor_get_be16(c);
        cursor_skip(c, 18);
        return degrade_parse_vlan(c, type, net);
    case DLT_NULL:
        return degrade_parse_loopback(c, false, net);
    case DLT_LOOP:
        return degrade_parse_loopback(c, true, net);
    case DLT_RAW:
    case 14: /* DLT_RAW on OpenBSD */
    case 101: /* LINKTYPE_RAW */
        return degrade_parse_raw(c, net);
    case DLT_IPV4:
        *net = DEGRADE_ETHERTYPE_IPV4;
        return true;
    case DLT_IPV6:
        *net = DEGRADE_ETHERTYPE_IPV6;
        return true;
    default:
        return false;
    }
}

static bool degrade_link_supported(int linktype)
{
    struct cursor c;
    uint16_t net;
    static const uint8_t zeros[64];

    /* A link type is ours exactly when the parser has a case for it. */
    cursor_init(&c, zeros, sizeof(zeros));
    return degrade_parse_link(linktype, &c, &net);
}

/* The IP payload may not run past what the wire carried: a header claiming
 * more is believed only up to the wire length. */
static uint32_t degrade_claim(const struct degrade_record *r, const struct cursor *c, uint32_t claimed)
{
    uint32_t wire = r->hdr.len > r->hdr.caplen ? r->hdr.len : r->hdr.caplen;
    uint32_t at = (uint32_t)cursor_offset(c);
    uint32_t left = wire > at ? wire - at : 0;

    return claimed < left ? claimed : left;
}

static bool degrade_parse_ipv4(struct cursor *c, struct degrade_record *r, uint32_t *claimed)
{
    uint8_t version_ihl = cursor_get_u8(c);
    uint32_t header_len = (uint32_t)(version_ihl & 0x0Fu) * 4;
    uint32_t total;
    uint16_t fragment;
    uint8_t protocol;
    const uint8_t *src;
    const uint8_t *dst;

    cursor_skip(c, 1);
    total = cursor_get_be16(c);
    cursor_skip(c, 2);
    fragment = cursor_get_be16(c);
    cursor_skip(c, 1);
    protocol = cursor_get_u8(c);
    cursor_skip(c, 2);
    src = cursor_get_bytes(c, 4);
    dst = cursor_get_bytes(c, 4);
    if (cursor_failed(c) || version_ihl >> 4 != 4 || header_len < 20 || protocol != DEGRADE_PROTO_TCP)
        return false;
    memcpy(r->src_addr, src, 4);
    memcpy(r->dst_addr, dst, 4);
    if ((fragment & 0x3FFFu) != 0) /* a fragment: pass it through */
        return false;
    if (!cursor_skip(c, header_len - 20))
        return false;
    if (total == 0) /* a TSO super-segment: only the wire knows its length */
        total = UINT32_MAX;
    if (total < header_len)
        return false;
    r->ip_version = 4;
    r->rewritable = true;
    *claimed = degrade_claim(r, c, total - header_len);
    return true;
}

/* Extension headers are skipped; a packet with a routing header (the
 * checksum would need the final destination) or AH (its ICV covers the
 * lengths we would change) is still TCP but is never rebuilt. A real
 * fragment passes through untouched. */
static bool degrade_parse_ipv6_extensions(struct cursor *c, struct degrade_record *r, uint8_t next, uint32_t *claimed)
{
    unsigned count;

    for (count = 0; next != DEGRADE_PROTO_TCP; count++) {
        uint8_t inner = cursor_get_u8(c);
        uint32_t units = cursor_get_u8(c);
        uint32_t size;

        if (count == DEGRADE_IPV6_EXT_MAX || cursor_failed(c))
            return false;
        if (next == DEGRADE_PROTO_FRAGMENT) {
            if ((cursor_get_be16(c) & 0xFFF9u) != 0)
                return false;
            size = 8;
        } else if (next == DEGRADE_PROTO_AH) {
            size = (units + 2) * 4;
        } else if (next == DEGRADE_PROTO_HOPOPTS || next == DEGRADE_PROTO_ROUTING ||
                   next == DEGRADE_PROTO_DSTOPTS) {
            size = (units + 1) * 8;
        } else {
            return false;
        }
        if (next == DEGRADE_PROTO_ROUTING || next == DEGRADE_PROTO_AH)
            r->rewritable = false;
        if (size > *claimed)
            return false;
        /* The two (or four) bytes just read belong to this header. */
        if (!cursor_skip(c, size - (next == DEGRADE_PROTO_FRAGMENT ? 4 : 2)))
            return false;
        *claimed -= size;
        next = inner;
    }
    return true;
}

static bool degrade_parse_ipv6(struct cursor *c, struct degrade_record *r, uint32_t *claimed)
{
    uint8_t version = cursor_peek_u8(c) >> 4;
    uint32_t payload_len;
    uint8_t next;
    const uint8_t *src;
    const uint8_t *dst;

    cursor_skip(c, 4);
    payload_len = cursor_get_be16(c);
    next = cursor_get_u8(c);
    cursor_skip(c, 1);
    src = cursor_get_bytes(c, 16);
    dst = cursor_get_bytes(c, 16);
    if (cursor_failed(c) || version != 6)
        return false;
    memcpy(r->src_addr, src, 16);
    memcpy(r->dst_addr, dst, 16);
    r->ip_version = 6;
    /* A jumbogram (RFC 2675) or GSO super-segment has no length here; the
     * wire decides, and such a packet is not rebuilt. */
    r->rewritable = payload_len != 0;
    if (payload_len == 0)
        payload_len = UINT32_MAX;
    *claimed = degrade_claim(r, c, payload_len);
    return degrade_parse_ipv6_extensions(c, r, next, claimed);
}

static bool degrade_parse_tcp(struct cursor *c, struct degrade_record *r, uint32_t claimed)
{
    uint32_t header_len;

    r->tcp_offset = (uint32_t)cursor_offset(c);
    r->src_port = cursor_get_be16(c);
    r->dst_port = cursor_get_be16(c);
    r->seq = cursor_get_be32(c);
    r->ack = cursor_get_be32(c);
    header_len = (uint32_t)(cursor_get_u8(c) >> 4) * 4;
    r->tcp_flags = cursor_get_u8(c);
    if (cursor_failed(c) || header_len < 20 || header_len > claimed)
        return false;
    if (!cursor_skip(c, header_len - 14)) /* window, checksum, urgent, options */
        return false;
    r->payload_offset = (uint32_t)cursor_offset(c);
    r->payload_claimed = claimed - header_len;
    cursor_limit(c, r->payload_claimed);
    r->payload_len = (uint32_t)cursor_remaining(c);
    r->payload_complete = r->payload_len == r->payload_claimed;
    return true;
}

static void degrade_parse(int linktype, struct degrade_record *r, const uint8_t *frame)
{
    struct cursor c;
    uint16_t net = 0;
    uint32_t claimed = 0;
    bool ok = false;

    cursor_init(&c, frame, r->hdr.caplen);
    if (!degrade_parse_link(linktype, &c, &net))
        return;
    r->l3_offset = (uint32_t)cursor_offset(&c);
    if (net == DEGRADE_ETHERTYPE_IPV4)
        ok = degrade_parse_ipv4(&c, r, &claimed);
    else if (net == DEGRADE_ETHERTYPE_IPV6)
        ok = degrade_parse_ipv6(&c, r, &claimed);
    if (ok)
        ok = degrade_parse_tcp(&c, r, claimed);
    r->tcp = ok;
}

static const uint8_t *degrade_frame(const struct degrade_capture *cap, const struct degrade_record *r)
{
    return cap->bytes + r->data_offset;
}

/* A TCP segment that carries payload on the wire (whether or not the
 * capture kept its bytes): the unit every mode counts. */
static bool degrade_is_payload_segment(const struct degrade_record *r)
{
    return r->tcp && r->payload_claimed > 0;
}

/* ------------------------------------------------------------------ load */

/* libpcap names the file in some messages ("x.pcap: No such file") and not
 * in others ("unknown file format"); name it exactly once. */
static void degrade_report_pcap_error(const char *path, const char *message)
{
    if (strstr(message, path) != NULL)
        fprintf(stderr, "pcap-degrade: %s\n", message);
    else
        fprintf(stderr, "pcap-degrade: %s: %s\n", path, message);
}

/* Grows an array to hold `need` elements within `budget` bytes. Doubling
 * keeps appends cheap; the budget keeps the whole load under the cap. */
static bool degrade_grow(void **buf, size_t *cap, size_t need, size_t elem, size_t budget)
{
    size_t want = *cap != 0 ? *cap : 1024;
    void *p;

    if (need <= *cap)
        return true;
    if (need > budget / elem)
        return false;
    while (want < need && want <= budget / elem / 2)
        want *= 2;
    if (want < need || want > budget / elem)
        want = need;
    p = realloc(*buf, want * elem);
    if (p == NULL)
        return false;
    *buf = p;
    *cap = want;
    return true;
}

static bool degrade_append(struct degrade_capture *cap, const struct pcap_pkthdr *hdr, const uint8_t *data)
{
    size_t records_bytes = cap->records_cap * sizeof(*cap->records);
    struct degrade_record *r;

    if (records_bytes > DEGRADE_LOAD_CAP ||
        !degrade_grow((void **)&cap->bytes, &cap->bytes_cap, cap->bytes_used + hdr->caplen, 1,
                      DEGRADE_LOAD_CAP - records_bytes) ||
        !degrade_grow((void **)&cap->records, &cap->records_cap, cap->count + 1, sizeof(*cap->records),
                      DEGRADE_LOAD_CAP - cap->bytes_cap)) {
        fprintf(stderr, "pcap-degrade: %s: more than %zu MiB to hold in memory at record %zu; cut it first "
                        "(editcap -c)\n", cap->path, DEGRADE_LOAD_CAP >> 20, cap->count + 1);
        return false;
    }
    r = &cap->records[cap->count++];
    memset(r, 0, sizeof(*r));
    r->hdr = *hdr;
    r->data_offset = cap->bytes_used;
    if (hdr->caplen > 0)
        memcpy(cap->bytes + cap->bytes_used, data, hdr->caplen);
    cap->bytes_used += hdr->caplen;
    if (hdr->caplen > cap->max_caplen)
        cap->max_caplen = hdr->caplen;
    degrade_parse(cap->linktype, r, degrade_frame(cap, r));
    return true;
}

static bool degrade_load(struct degrade_capture *cap, const char *path)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *in = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;

    cap->path = path;
    if (in == NULL) {
        degrade_report_pcap_error(path, errbuf);
        return false;
    }
    cap->linktype = pcap_datalink(in);
    cap->snaplen = pcap_snapshot(in) > 0 ? (uint32_t)pcap_snapshot(in) : DEGRADE_SNAPLEN_DEFAULT;
    while ((rc = pcap_next_ex(in, &hdr, &data)) == 1) {
        if (!degrade_append(cap, hdr, data)) {
            pcap_close(in);
            return false;
        }
    }
    if (rc != PCAP_ERROR_BREAK)
        fprintf(stderr, "pcap-degrade: %s: record %zu: %s\n", path, cap->count + 1, pcap_geterr(in));
    pcap_close(in);
    return rc == PCAP_ERROR_BREAK;
}

static void degrade_capture_free(struct degrade_capture *cap)
{
    free(cap->bytes);
    free(cap->records);
    free(cap->flows);
    free(cap->slots);
}

/* ----------------------------------------------------------------- flows */

static int degrade_endpoint_compare(const struct degrade_endpoint *a, const struct degrade_endpoint *b)
{
    int c = memcmp(a->addr, b->addr, sizeof(a->addr));

    if (c != 0)
        return c;
    return a->port < b->port ? -1 : a->port > b->port;
}

/* FNV-1a: enough to spread test-capture flows over the table. */
static uint64_t degrade_hash(uint64_t h, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3u;
    return h;
}

static uint64_t degrade_flow_hash(const struct degrade_flow *f)
{
    uint64_t h = degrade_hash(0xCBF29CE484222325u, &f->ip_version, 1);
    int i;

    for (i = 0; i < 2; i++) {
        uint8_t port[2] = {(uint8_t)(f->end[i].port >> 8), (uint8_t)f->end[i].port};

        h = degrade_hash(h, f->end[i].addr, sizeof(f->end[i].addr));
        h = degrade_hash(h, port, sizeof(port));
    }
    return h;
}

static bool degrade_flow_equal(const struct degrade_flow *a, const struct degrade_flow *b)
{
    return a->ip_version == b->ip_version && degrade_endpoint_compare(&a->end[0], &b->end[0]) == 0 &&
           degrade_endpoint_compare(&a->end[1], &b->end[1]) == 0;
}

/* Finds or adds the flow of a TCP record and sets the record's side. The
 * table holds at most one flow per record and is twice that size, so the
 * probe always ends. */
static void degrade_flow_attach(struct degrade_capture *cap, struct degrade_record *r)
{
    struct degrade_flow key;
    struct degrade_endpoint src;
    struct degrade_endpoint dst;
    size_t slot;

    memset(&key, 0, sizeof(key));
    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    memcpy(src.addr, r->src_addr, sizeof(src.addr));
    memcpy(dst.addr, r->dst_addr, sizeof(dst.addr));
    src.port = r->src_port;
    dst.port = r->dst_port;
    r->side = degrade_endpoint_compare(&src, &dst) <= 0 ? 0 : 1;
    key.ip_version = r->ip_version;
    key.end[r->side] = src;
    key.end[1 - r->side] = dst;
    key.client = -1;
    for (slot = degrade_flow_hash(&key) & cap->slot_mask; cap->slots[slot] != 0; slot = (slot + 1) & cap->slot_mask) {
        if (degrade_flow_equal(&cap->flows[cap->slots[slot] - 1], &key)) {
            r->flow = cap->slots[slot] - 1;
            return;
        }
    }
    cap->flows[cap->flow_count] = key;
    r->flow = cap->flow_count++;
    cap->slots[slot] = (uint32_t)(r->flow + 1);
}

static bool degrade_is_pop3_port(uint16_t port)
{
    return port == 110 || port == 995;
}

/* The client is the side that sent a SYN without ACK; without one, the side
 * whose port is not a POP3 port; failing that, the higher port. */
static void degrade_flow_pick_client(struct degrade_flow *f)
{
    bool pop0 = degrade_is_pop3_port(f->end[0].port);
    bool pop1 = degrade_is_pop3_port(f->end[1].port);

    if (f->client >= 0)
        return;
    if (pop0 != pop1)
        f->client = pop0 ? 1 : 0;
    else
        f->client = f->end[0].port >= f->end[1].port ? 0 : 1;
}

static bool degrade_flows_build(struct degrade_capture *cap)
{
    size_t slots = 2;
    size_t i;

    while (slots < 2 * cap->count)
        slots *= 2;
    cap->slots = calloc(slots, sizeof(*cap->slots));
    cap->flows = calloc(cap->count > 0 ? cap->count : 1, sizeof(*cap->flows));
    if (cap->slots == NULL || cap->flows == NULL) {
        fprintf(stderr, "pcap-degrade: %s: out of memory for the flow table\n", cap->path);
        return false;
    }
    cap->slot_mask = slots - 1;
    for (i = 0; i < cap->count; i++) {
        struct degrade_record *r = &cap->records[i];

        if (!r->tcp)
            continue;
        degrade_flow_attach(cap, r);
        if (cap->flows[r->flow].client < 0 && (r->tcp_flags & (DEGRADE_TCP_SYN | DEGRADE_TCP_ACK)) == DEGRADE_TCP_SYN)
            cap->flows[r->flow].client = r->side;
    }
    for (i = 0; i < cap->flow_count; i++)
        degrade_flow_pick_client(&cap->flows[i]);
    return true;
}

static bool degrade_from_client(const struct degrade_capture *cap, const struct degrade_record *r)
{
    return cap->flows[r->flow].client == r->side;
}

/* ---------------------------------------------------------------- writer */

static bool degrade_writer_open(struct degrade_writer *w, const struct degrade_capture *cap, uint32_t snaplen,
                                const char *path)
{
    w->dead = pcap_open_dead(cap->linktype, (int)snaplen);
    if (w->dead == NULL) {
        fprintf(stderr, "pcap-degrade: %s: cannot create a pcap handle\n", path);
        return false;
    }
    w->dumper = pcap_dump_open(w->dead, path);
    if (w->dumper == NULL) {
        degrade_report_pcap_error(path, pcap_geterr(w->dead));
        pcap_close(w->dead);
        w->dead = NULL;
        return false;
    }
    return true;
}

/* Writes one record, never earlier than the floor that re-cut pieces have
 * pushed forward, so resegmented output stays monotonic. */
static void degrade_write(struct degrade_writer *w, const struct pcap_pkthdr *hdr, const uint8_t *data)
{
    struct pcap_pkthdr out = *hdr;

    if (degrade_ts_before(&out.ts, &w->floor))
        out.ts = w->floor;
    pcap_dump((u_char *)w->dumper, &out, data);
    w->written++;
}

static bool degrade_writer_close(struct degrade_writer *w, const char *path)
{
    bool ok = true;

    if (w->dumper != NULL) {
        if (pcap_dump_flush(w->dumper) != 0 || ferror(pcap_dump_file(w->dumper))) {
            fprintf(stderr, "pcap-degrade: %s: write failed: %s\n", path, strerror(errno));
            ok = false;
        }
        pcap_dump_close(w->dumper);
    }
    if (w->dead != NULL)
        pcap_close(w->dead);
    return ok;
}

static void degrade_write_record(struct degrade_writer *w, const struct degrade_capture *cap,
                                 const struct degrade_record *r)
{
    degrade_write(w, &r->hdr, degrade_frame(cap, r));
}

/* ----------------------------------------------------------------- modes */

struct degrade_run {
    const struct degrade_capture *cap;
    const struct degrade_options *opt;
    struct degrade_writer *writer;
    struct degrade_rng rng;
    size_t target; /* drop: the record to leave out */
    uint64_t changed; /* what the mode did, for the summary line */
};

#define DEGRADE_NO_WINDOW SIZE_MAX

/* The window a flow direction is filling. */
struct degrade_reorder_dir {
    size_t window; /* its id */
    size_t count; /* segments in it so far */
    uint32_t low_seq; /* lowest sequence number in it */
    bool open;
};

/* Segments that may move: they carry payload, and are neither a SYN (the
 * handshake stays first) nor a RST (a reset must not overtake data). */
static bool degrade_reorder_movable(const struct degrade_record *r)
{
    return degrade_is_payload_segment(r) && (r->tcp_flags & (DEGRADE_TCP_SYN | DEGRADE_TCP_RST)) == 0;
}

/* A peer packet that acknowledges data in an open window closes it. Moving
 * a segment past the ACK for it would show the peer acknowledging bytes
 * before they were sent, which no network produces (a receiver acknowledges
 * only what arrived, RFC 9293 §3.10.7.4), and tshark's follow, our oracle,
 * counts such bytes as lost. */
static void degrade_reorder_ack(struct degrade_reorder_dir *peer, const struct degrade_record *r)
{
    if ((r->tcp_flags & DEGRADE_TCP_ACK) != 0 && peer->open && (int32_t)(r->ack - peer->low_seq) > 0)
        peer->open = false;
}

/* Gives each movable segment a window id (window_of[], file order): up to k
 * segments of one flow direction, no acknowledgement of them in between.
 * Returns how many windows there are. */
static size_t degrade_reorder_assign(const struct degrade_capture *cap, size_t k, struct degrade_reorder_dir *dirs,
                                     size_t *window_of)
{
    size_t windows = 0;
    size_t i;

    for (i = 0; i < cap->count; i++) {
        const struct degrade_record *r = &cap->records[i];
        struct degrade_reorder_dir *d;

        window_of[i] = DEGRADE_NO_WINDOW;
        if (!r->tcp)
            continue;
        d = &dirs[2 * r->flow + r->side];
        degrade_reorder_ack(&dirs[2 * r->flow + 1 - r->side], r);
        if (!degrade_reorder_movable(r))
            continue;
        if (!d->open || d->count == k) {
            d->window = windows++;
            d->count = 0;
            d->low_seq = r->seq;
            d->open = true;
        }
        if ((int32_t)(r->seq - d->low_seq) < 0)
            d->low_seq = r->seq;
        d->count++;
        window_of[i] = d->window;
    }
    return windows;
}

/* Counting sort by window id: members[first[w] .. first[w + 1]) are the
 * records of window w in file order. first has windows + 1 entries. */
static void degrade_reorder_group(const struct degrade_capture *cap, const size_t *window_of, size_t windows,
                                  size_t *first, size_t *members)
{
    size_t i;
    size_t w;

    memset(first, 0, (windows + 1) * sizeof(*first));
    for (i = 0; i < cap->count; i++) {
        if (window_of[i] != DEGRADE_NO_WINDOW)
            first[window_of[i] + 1]++;
    }
    for (w = 0; w < windows; w++)
        first[w + 1] += first[w];
    for (i = 0; i < cap->count; i++) {
        if (window_of[i] != DEGRADE_NO_WINDOW)
            members[first[window_of[i]]++] = i;
    }
    /* Each first[w] now holds where window w ends; shift them back. */
    for (w = windows; w > 0; w--)
        first[w] = first[w - 1];
    first[0] = 0;
}

/* Shuffles one window: the records keep the file positions (slots) the
 * window had, but which record lands in which slot is permuted. */
static void degrade_reorder_window(struct degrade_run *run, size_t *order, const size_t *slots, size_t *moved,
                                   size_t n)
{
    size_t j;

    memcpy(moved, slots, n * sizeof(*moved));
    degrade_shuffle(&run->rng, moved, n);
    for (j = 0; j < n; j++) {
        order[slots[j]] = moved[j];
        run->changed += moved[j] != slots[j];
    }
}

/* Each output slot keeps its original timestamp: a reordered record is one
 * that arrived later, and the file stays in time order. */
static void degrade_reorder_write(struct degrade_run *run, const size_t *order)
{
    size_t i;

    for (i = 0; i < run->cap->count; i++) {
        const struct degrade_record *r = &run->cap->records[order[i]];
        struct pcap_pkthdr hdr = r->hdr;

        hdr.ts = run->cap->records[i].hdr.ts;
        degrade_write(run->writer, &hdr, degrade_frame(run->cap, r));
    }
}

/* Work arrays for reorder, all sized by the capture. */
struct degrade_reorder_work {
    size_t *order; /* output slot -> record */
    size_t *window_of; /* record -> window id */
    size_t *first; /* window id -> start in members */
    size_t *members; /* records grouped by window */
    size_t *moved; /* one shuffled window */
    struct degrade_reorder_dir *dirs; /* 2 per flow */
};

static bool degrade_reorder_alloc(struct degrade_reorder_work *w, size_t n, size_t k, size_t flows)
{
    w->order = calloc(n, sizeof(*w->order));
    w->window_of = calloc(n, sizeof(*w->window_of));
    w->first = calloc(n + 1, sizeof(*w->first));
    w->members = calloc(n, sizeof(*w->members));
    w->moved = calloc(k, sizeof(*w->moved));
    w->dirs = calloc(2 * flows + 1, sizeof(*w->dirs));
    return w->order != NULL && w->window_of != NULL && w->first != NULL && w->members != NULL && w->moved != NULL &&
           w->dirs != NULL;
}

static void degrade_reorder_free(struct degrade_reorder_work *w)
{
    free(w->order);
    free(w->window_of);
    free(w->first);
    free(w->members);
    free(w->moved);
    free(w->dirs);
}

static bool degrade_mode_reorder(struct degrade_run *run)
{
    const struct degrade_capture *cap = run->cap;
    size_t n = cap->count > 0 ? cap->count : 1;
    size_t k = run->opt->number < n ? (size_t)run->opt->number : n;
    struct degrade_reorder_work w;
    size_t windows;
    size_t i;

    if (!degrade_reorder_alloc(&w, n, k, cap->flow_count)) {
        fprintf(stderr, "pcap-degrade: reorder: out of memory\n");
        degrade_reorder_free(&w);
        return false;
    }
    for (i = 0; i < cap->count; i++)
        w.order[i] = i;
    windows = degrade_reorder_assign(cap, k, w.dirs, w.window_of);
    degrade_reorder_group(cap, w.window_of, windows, w.first, w.members);
    for (i = 0; i < windows; i++) {
        if (w.first[i + 1] - w.first[i] > 1)
            degrade_reorder_window(run, w.order, w.members + w.first[i], w.moved, w.first[i + 1] - w.first[i]);
    }
    degrade_reorder_write(run, w.order);
    degrade_reorder_free(&w);
    return true;
}

static bool degrade_mode_duplicate(struct degrade_run *run)
{
    uint64_t seen = 0;
    size_t i;

    for (i = 0; i < run->cap->count; i++) {
        const struct degrade_record *r = &run->cap->records[i];

        degrade_write_record(run->writer, run->cap, r);
        if (degrade_is_payload_segment(r) && ++seen % run->opt->number == 0) {
            degrade_write_record(run->writer, run->cap, r);
            run->changed++;
        }
    }
    return true;
}

static bool degrade_contains(const uint8_t *hay, size_t hay_len, const char *needle, size_t needle_len)
{
    size_t i;

    if (needle_len == 0 || needle_len > hay_len)
        return false;
    for (i = 0; i + needle_len <= hay_len; i++) {
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, needle_len) == 0)
            return true;
    }
    return false;
}

static bool degrade_drop_by_match(const struct degrade_options *opt)
{
    return strcmp(opt->option, "--match") == 0;
}

/* Picks the record `drop` leaves out before anything is written, so a
 * target that is not there fails without leaving an output behind. */
static bool degrade_drop_target(const struct degrade_capture *cap, const struct degrade_options *opt, size_t *target)
{
    uint64_t seen = 0;
    size_t i;

    for (i = 0; i < cap->count; i++) {
        const struct degrade_record *r = &cap->records[i];

        if (!degrade_is_payload_segment(r))
            continue;
        if (degrade_drop_by_match(opt) ? degrade_contains(degrade_frame(cap, r) + r->payload_offset, r->payload_len,
                                                          opt->value, strlen(opt->value))
                                       : seen == opt->number) {
            *target = i;
            return true;
        }
        seen++;
    }
    if (degrade_drop_by_match(opt))
        fprintf(stderr, "pcap-degrade: %s: no payload segment contains \"%s\"\n", cap->path, opt->value);
    else
        fprintf(stderr, "pcap-degrade: %s: --index %" PRIu64 " but only %" PRIu64 " payload segments\n", cap->path,
                opt->number, seen);
    return false;
}

static bool degrade_mode_drop(struct degrade_run *run)
{
    size_t i;

    for (i = 0; i < run->cap->count; i++) {
        if (i != run->target)
            degrade_write_record(run->writer, run->cap, &run->cap->records[i]);
    }
    run->changed = 1;
    return true;
}

/* Internet checksum (RFC 1071) over big-endian 16-bit words; an odd last
 * byte is padded with zero. */
static uint64_t degrade_sum(uint64_t sum, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        sum += (uint64_t)p[i] << 8 | p[i + 1];
    if (n % 2 != 0)
        sum += (uint64_t)p[n - 1] << 8;
    return sum;
}

static uint16_t degrade_fold(uint64_t sum)
{
    while (sum >> 16 != 0)
        sum = (sum & 0xFFFFu) + (sum >> 16);
    return (uint16_t)~sum;
}

static void degrade_put_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void degrade_put_be32(uint8_t *p, uint32_t v)
{
    degrade_put_be16(p, v >> 16);
    degrade_put_be16(p + 2, v & 0xFFFFu);
}

/* Fixes the IP length and checksum of a rebuilt frame whose TCP segment
 * (header and piece) is tcp_len bytes. RFC 791 §3.1, RFC 8200 §3. */
static void degrade_fix_ip(uint8_t *frame, const struct degrade_record *r, uint32_t tcp_len, uint32_t piece_index)
{
    uint8_t *ip = frame + r->l3_offset;
    uint32_t ip_header_len = r->tcp_offset - r->l3_offset;

    if (r->ip_version == 4) {
        uint32_t id = (uint32_t)ip[4] << 8 | ip[5];

        degrade_put_be16(ip + 2, ip_header_len + tcp_len);
        /* Each piece is its own datagram on the wire, so it gets its own
         * identification (RFC 6864 §4.1 only asks uniqueness). */
        degrade_put_be16(ip + 4, (id + piece_index) & 0xFFFFu);
        degrade_put_be16(ip + 10, 0);
        degrade_put_be16(ip + 10, degrade_fold(degrade_sum(0, ip, ip_header_len)));
    } else {
        /* The payload length counts the extension headers too. */
        degrade_put_be16(ip + 4, ip_header_len - 40 + tcp_len);
    }
}

/* TCP checksum over the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1) and
 * the segment. */
static void degrade_fix_tcp(uint8_t *frame, const struct degrade_record *r, uint32_t tcp_len)
{
    uint8_t *tcp = frame + r->tcp_offset;
    size_t addr_len = r->ip_version == 4 ? 4 : 16;
    uint64_t sum = 0;

    sum = degrade_sum(sum, r->src_addr, addr_len);
    sum = degrade_sum(sum, r->dst_addr, addr_len);
    sum += DEGRADE_PROTO_TCP;
    sum += tcp_len;
    degrade_put_be16(tcp + 16, 0);
    sum = degrade_sum(sum, tcp, tcp_len);
    degrade_put_be16(tcp + 16, degrade_fold(sum));
}

/* Only whole, plain data segments are re-cut: a payload snaplen cut cannot
 * be split truthfully; SYN (TFO), RST and URG segments carry meaning tied to
 * their first or last byte; and headers we cannot rebuild stay as they are. */
static bool degrade_resegmentable(const struct degrade_record *r)
{
    return degrade_is_payload_segment(r) && r->payload_complete && r->rewritable &&
           (r->tcp_flags & (DEGRADE_TCP_SYN | DEGRADE_TCP_RST | DEGRADE_TCP_URG)) == 0;
}

static void degrade_resegment_record(struct degrade_run *run, const struct degrade_record *r, uint8_t *scratch)
{
    const uint8_t *frame = degrade_frame(run->cap, r);
    uint32_t header_len = r->payload_offset;
    uint32_t tcp_header_len = r->payload_offset - r->tcp_offset;
    uint32_t done = 0;
    uint32_t piece;
    /* Every piece keeps the original's timestamp (never earlier than what
     * was written already): the bytes crossed the wire in that burst, and
     * pop3scope's event times must not move because of the re-cut, so the
     * suite can ask for identical output. */
    struct timeval at = r->hdr.ts;

    if (degrade_ts_before(&at, &run->writer->floor))
        at = run->writer->floor;
    memcpy(scratch, frame, header_len);
    for (piece = 0; done < r->payload_len; piece++) {
        uint32_t size = 1 + (uint32_t)degrade_rng_below(&run->rng, run->opt->number);
        bool last = size >= r->payload_len - done;
        struct pcap_pkthdr hdr;

        if (last)
            size = r->payload_len - done;
        memcpy(scratch + header_len, frame + r->payload_offset + done, size);
        degrade_put_be32(scratch + r->tcp_offset + 4, r->seq + done);
        /* PSH and FIN belong after the last byte (RFC 9293 §3.1). */
        scratch[r->tcp_offset + 13] = last ? r->tcp_flags : (uint8_t)(r->tcp_flags & ~(DEGRADE_TCP_PSH | DEGRADE_TCP_FIN));
        degrade_fix_ip(scratch, r, tcp_header_len + size, piece);
        degrade_fix_tcp(scratch, r, tcp_header_len + size);
        hdr.ts = at;
        hdr.caplen = header_len + size;
        hdr.len = hdr.caplen;
        degrade_write(run->writer, &hdr, scratch);
        run->writer->floor = at;
        done += size;
    }
    run->changed++;
}

static bool degrade_mode_resegment(struct degrade_run *run)
{
    uint8_t *scratch = malloc(run->cap->max_caplen > 0 ? run->cap->max_caplen : 1);
    size_t i;

    if (scratch == NULL) {
        fprintf(stderr, "pcap-degrade: resegment: out of memory\n");
        return false;
    }
    for (i = 0; i < run->cap->count; i++) {
        const struct degrade_record *r = &run->cap->records[i];

        if (degrade_resegmentable(r))
            degrade_resegment_record(run, r, scratch);
        else
            degrade_write_record(run->writer, run->cap, r);
    }
    free(scratch);
    return true;
}

static bool degrade_mode_snaplen(struct degrade_run *run)
{
    size_t i;

    for (i = 0; i < run->cap->count; i++) {
        const struct degrade_record *r = &run->cap->records[i];
        struct pcap_pkthdr hdr = r->hdr;

        if (hdr.caplen > run->opt->number) {
            hdr.caplen = (uint32_t)run->opt->number;
            run->changed++;
        }
        degrade_write(run->writer, &hdr, degrade_frame(run->cap, r));
    }
    return true;
}

static bool degrade_mode_one_direction(struct degrade_run *run)
{
    size_t i;

    for (i = 0; i < run->cap->count; i++) {
        const struct degrade_record *r = &run->cap->records[i];

        if (r->tcp && degrade_from_client(run->cap, r) != run->opt->keep_client)
            run->changed++;
        else
            degrade_write_record(run->writer, run->cap, r);
    }
    return true;
}

/* Is this record part of a three-way handshake (RFC 9293 §3.5)? pending[]
 * says, per flow, that a SYN or SYN-ACK was seen and the client's ACK that
 * completes the handshake has not been. */
static bool degrade_handshake_member(const struct degrade_capture *cap, const struct degrade_record *r, bool *pending)
{
    uint8_t flags = r->tcp_flags & (DEGRADE_TCP_SYN | DEGRADE_TCP_ACK | DEGRADE_TCP_FIN | DEGRADE_TCP_RST);

    if ((flags & DEGRADE_TCP_SYN) != 0) {
        pending[r->flow] = true;
        return true;
    }
    if (!degrade_from_client(cap, r))
        return false;
    if (flags == DEGRADE_TCP_ACK && r->payload_claimed == 0 && pending[r->flow]) {
        pending[r->flow] = false;
        return true;
    }
    /* Data, FIN or RST from the client: the completing ACK was piggybacked
     * or never captured, and a later pure ACK is an ordinary one. */
    pending[r->flow] = false;
    return false;
}

static bool degrade_mode_drop_handshake(struct degrade_run *run)
{
    bool *pending = calloc(run->cap->flow_count + 1, sizeof(*pending));
    size_t i;

    if (pending == NULL) {
        fprintf(stderr, "pcap-degrade: drop-handshake: out of memory\n");
        return false;
    }
    for (i = 0; i < run->cap->count; i++) {
        const struct degrade_record *r = &run->cap->records[i];

        if (r->tcp && degrade_handshake_member(run->cap, r, pending))
            run->changed++;
        else
            degrade_write_record(run->writer, run->cap, r);
    }
    free(pending);
    return true;
}

static bool degrade_run_mode(struct degrade_run *run)
{
    switch (run->opt->mode->mode) {
    case DEGRADE_REORDER: return degrade_mode_reorder(run);
    case DEGRADE_DUPLICATE: return degrade_mode_duplicate(run);
    case DEGRADE_DROP: return degrade_mode_drop(run);
    case DEGRADE_RESEGMENT: return degrade_mode_resegment(run);
    case DEGRADE_SNAPLEN: return degrade_mode_snaplen(run);
    case DEGRADE_ONE_DIRECTION: return degrade_mode_one_direction(run);
    case DEGRADE_DROP_HANDSHAKE: return degrade_mode_drop_handshake(run);
    case DEGRADE_LIST: return false; /* handled by degrade_list */
    }
    return false;
}

/* --------------------------------------------------------------- options */

static void degrade_usage(FILE *to)
{
    fputs("usage: pcap-degrade [--seed N] MODE [MODE-ARGS] IN.pcap OUT.pcap\n"
          "Damage a capture the way SPAN ports and taps do. IN is pcap or pcapng ('-' for stdin);\n"
          "OUT is classic pcap with the same link type ('-' for stdout).\n"
          "modes (a 'payload segment' is a TCP segment that carries data):\n"
          "  reorder --window K         shuffle payload segments within windows of K per flow direction\n"
          "  duplicate --every N        write every Nth payload segment twice\n"
          "  drop --index I             drop the I-th payload segment (0-based, whole file)\n"
          "  drop --match STRING        drop the first payload segment containing STRING\n"
          "  resegment --mss M          re-cut each payload into segments of 1..M bytes\n"
          "  snaplen --bytes S          cut every record to S bytes\n"
          "  one-direction --keep client|server\n"
          "                             keep only one side's TCP packets\n"
          "  drop-handshake             remove SYN, SYN-ACK and the client's first pure ACK\n"
          "  list                       write no capture: OUT gets one tab-separated line per\n"
          "                             TCP segment (its --index, time, flow, side, ports, seq,\n"
          "                             ack, lengths, payload in hex), for tests that pick a target\n"
          "--seed N (default 1) makes reorder and resegment choose differently; one seed, one output.\n"
          "A summary line goes to stderr. Exit 0 on success, 1 on failure, 2 on a usage error.\n",
          to);
}

static bool degrade_parse_number(const char *name, const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;

    errno = 0;
    if (text[0] < '0' || text[0] > '9') {
        fprintf(stderr, "pcap-degrade: %s: '%s' is not a number\n", name, text);
        return false;
    }
    v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "pcap-degrade: %s: '%s' is not a number from %" PRIu64 " to %" PRIu64 "\n", name, text, min,
                max);
        return false;
    }
    *out = v;
    return true;
}

static bool degrade_is_mode_option(const char *arg)
{
    size_t i;

    if (strcmp(arg, "--match") == 0)
        return true;
    for (i = 0; i < sizeof(degrade_modes) / sizeof(degrade_modes[0]); i++) {
        if (degrade_modes[i].option != NULL && strcmp(arg, degrade_modes[i].option) == 0)
            return true;
    }
    return false;
}

/* Positionals in order: MODE, IN, OUT. */
static bool degrade_positional(struct degrade_options *opt, const char *arg, const char **mode_name)
{
    if (*mode_name == NULL)
        *mode_name = arg;
    else if (opt->in_path == NULL)
        opt->in_path = arg;
    else if (opt->out_path == NULL)
        opt->out_path = arg;
    else {
        fprintf(stderr, "pcap-degrade: unexpected argument '%s'\n", arg);
        return false;
    }
    return true;
}

static bool degrade_scan_args(int argc, char **argv, struct degrade_options *opt, const char **mode_name)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (!degrade_positional(opt, arg, mode_name))
                return false;
            continue;
        }
        if (strcmp(arg, "--seed") != 0 && !degrade_is_mode_option(arg)) {
            fprintf(stderr, "pcap-degrade: unknown option '%s'\n", arg);
            return false;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "pcap-degrade: %s needs a value\n", arg);
            return false;
        }
        if (strcmp(arg, "--seed") == 0) {
            if (!degrade_parse_number(arg, argv[++i], 0, UINT64_MAX, &opt->seed))
                return false;
        } else if (opt->option != NULL) {
            fprintf(stderr, "pcap-degrade: %s and %s: one mode option only\n", opt->option, arg);
            return false;
        } else {
            opt->option = arg;
            opt->value = argv[++i];
        }
    }
    return true;
}

/* Checks that the mode got exactly the option it takes, and reads it. */
static bool degrade_check_mode_option(struct degrade_options *opt)
{
    const struct degrade_mode_info *m = opt->mode;

    if (m->option == NULL) {
        if (opt->option == NULL)
            return true;
        fprintf(stderr, "pcap-degrade: %s takes no option (got %s)\n", m->name, opt->option);
        return false;
    }
    if (m->mode == DEGRADE_DROP && opt->option != NULL && strcmp(opt->option, "--match") == 0) {
        if (opt->value[0] != '\0')
            return true;
        fprintf(stderr, "pcap-degrade: drop --match needs a non-empty STRING\n");
        return false;
    }
    if (opt->option == NULL || strcmp(opt->option, m->option) != 0) {
        fprintf(stderr, "pcap-degrade: %s needs %s%s\n", m->name, m->option,
                m->mode == DEGRADE_DROP ? " or --match" : "");
        return false;
    }
    if (m->mode == DEGRADE_ONE_DIRECTION) {
        opt->keep_client = strcmp(opt->value, "client") == 0;
        if (opt->keep_client || strcmp(opt->value, "server") == 0)
            return true;
        fprintf(stderr, "pcap-degrade: --keep takes 'client' or 'server', not '%s'\n", opt->value);
        return false;
    }
    return degrade_parse_number(opt->option, opt->value, m->min, m->max, &opt->number);
}

static bool degrade_parse_options(int argc, char **argv, struct degrade_options *opt)
{
    const char *mode_name = NULL;
    size_t i;

    memset(opt, 0, sizeof(*opt));
    opt->seed = 1;
    if (!degrade_scan_args(argc, argv, opt, &mode_name))
        return false;
    if (mode_name == NULL || opt->out_path == NULL) {
        fprintf(stderr, "pcap-degrade: need MODE, IN and OUT\n");
        return false;
    }
    for (i = 0; i < sizeof(degrade_modes) / sizeof(degrade_modes[0]); i++) {
        if (strcmp(mode_name, degrade_modes[i].name) == 0)
            opt->mode = &degrade_modes[i];
    }
    if (opt->mode == NULL) {
        fprintf(stderr, "pcap-degrade: unknown mode '%s'\n", mode_name);
        return false;
    }
    return degrade_check_mode_option(opt);
}

/* ------------------------------------------------------------------ main */

static bool degrade_wants_help(int argc, char **argv)
{
    return argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0);
}

/* Addresses as inet_ntop writes them, which is how pop3scope's events name
 * them (src/event.c), so a test can match the two by string. */
static void degrade_list_addr(FILE *out, uint8_t ip_version, const uint8_t *addr)
{
    char text[INET6_ADDRSTRLEN];

    if (inet_ntop(ip_version == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text)) == NULL)
        fputs("?", out);
    else
        fputs(text, out);
}

/* One line per TCP segment: index (as drop --index counts payload
 * segments; "-" for a segment without payload), record (1-based), time
 * (seconds.microseconds), flow, side, src,
 * sport, dst, dport, seq, ack, offset of the payload in the frame, wire
 * payload length, captured payload length, TCP flags, payload hex. */
static bool degrade_list(const struct degrade_capture *cap, const char *path)
{
    FILE *out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    uint64_t index = 0;
    bool ok;

    if (out == NULL) {
        fprintf(stderr, "pcap-degrade: %s: %s\n", path, strerror(errno));
        return false;
    }
    fputs("#index\trecord\tts\tflow\tside\tsrc\tsport\tdst\tdport\tseq\tack\toffset\twire_len\tcaptured_len\tflags"
          "\tpayload_hex\n",
          out);
    for (size_t i = 0; i < cap->count; i++) {
        const struct degrade_record *r = &cap->records[i];
        const uint8_t *payload = degrade_frame(cap, r) + r->payload_offset;

        if (!r->tcp)
            continue;
        if (degrade_is_payload_segment(r))
            fprintf(out, "%" PRIu64, index++);
        else
            fputc('-', out);
        fprintf(out, "\t%zu\t%lld.%06ld\t%zu\t%s\t", i + 1, (long long)r->hdr.ts.tv_sec, (long)r->hdr.ts.tv_usec,
                r->flow, degrade_from_client(cap, r) ? "client" : "server");
        degrade_list_addr(out, r->ip_version, r->src_addr);
        fprintf(out, "\t%u\t", r->src_port);
        degrade_list_addr(out, r->ip_version, r->dst_addr);
        fprintf(out, "\t%u\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu32 "\t0x%02x\t", r->dst_port,
                r->seq, r->ack, r->payload_offset, r->payload_claimed, r->payload_len, r->tcp_flags);
        for (uint32_t k = 0; k < r->payload_len; k++)
            fprintf(out, "%02x", payload[k]);
        fputc('\n', out);
    }
    ok = fflush(out) == 0 && !ferror(out);
    if (out != stdout && fclose(out) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "pcap-degrade: %s: write failed\n", path);
    return ok;
}

/* Loads, plans and writes; the output is created only once the input is
 * loaded and the mode's target exists. */
static int degrade_main(const struct degrade_options *opt, struct degrade_capture *cap)
{
    struct degrade_writer writer;
    struct degrade_run run;
    uint32_t snaplen;
    bool ok;

    memset(&writer, 0, sizeof(writer));
    memset(&run, 0, sizeof(run));
    if (!degrade_load(cap, opt->in_path) || !degrade_flows_build(cap))
        return DEGRADE_EXIT_FAILURE;
    if (opt->mode->mode != DEGRADE_SNAPLEN && !degrade_link_supported(cap->linktype)) {
        const char *name = pcap_datalink_val_to_name(cap->linktype);

        fprintf(stderr, "pcap-degrade: %s: link type %s (%d) is not parsed here; only snaplen works on it\n",
                opt->in_path, name != NULL ? name : "unknown", cap->linktype);
        return DEGRADE_EXIT_FAILURE;
    }
    if (opt->mode->mode == DEGRADE_LIST)
        return degrade_list(cap, opt->out_path) ? DEGRADE_EXIT_OK : DEGRADE_EXIT_FAILURE;
    if (opt->mode->mode == DEGRADE_DROP && !degrade_drop_target(cap, opt, &run.target))
        return DEGRADE_EXIT_FAILURE;
    snaplen = cap->snaplen > cap->max_caplen ? cap->snaplen : cap->max_caplen;
    if (opt->mode->mode == DEGRADE_SNAPLEN)
        snaplen = (uint32_t)opt->number;
    if (!degrade_writer_open(&writer, cap, snaplen, opt->out_path))
        return DEGRADE_EXIT_FAILURE;
    run.cap = cap;
    run.opt = opt;
    run.writer = &writer;
    run.rng.state = opt->seed;
    ok = degrade_run_mode(&run);
    ok = degrade_writer_close(&writer, opt->out_path) && ok;
    fprintf(stderr, "pcap-degrade: %s: %zu records in, %" PRIu64 " out, %" PRIu64 " changed\n", opt->mode->name,
            cap->count, writer.written, run.changed);
    return ok ? DEGRADE_EXIT_OK : DEGRADE_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    struct degrade_options opt;
    struct degrade_capture cap;
    int rc;

    if (degrade_wants_help(argc, argv)) {
        degrade_usage(stdout);
        return DEGRADE_EXIT_OK;
    }
    if (argc == 1) {
        degrade_usage(stderr);
        return DEGRADE_EXIT_USAGE;
    }
    if (!degrade_parse_options(argc, argv, &opt)) {
        fprintf(stderr, "pcap-degrade: try 'pcap-degrade --help'\n");
        return DEGRADE_EXIT_USAGE;
    }
    memset(&cap, 0, sizeof(cap));
    rc = degrade_main(&opt, &cap);
    degrade_capture_free(&cap);
    return rc;
}
