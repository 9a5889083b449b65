/* The decoder and the capture reader. Frames are assembled byte by byte by
 * the builders below, one function per header, so each test reads as the
 * stack it sends: Ethernet + 802.1Q + IPv4 + TCP + "USER alice\r\n".
 * Every length a header carries is computed from what follows it, so a test
 * that wants a lying length patches one field afterwards at a recorded
 * offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include "capture.h"
#include "cursor.h"
#include "decode.h"

/* Link types libpcap does not name with a DLT_ macro on Linux. */
#define TEST_DLT_RAW_OPENBSD 14
#define TEST_LINKTYPE_RAW 101

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_ARP 0x0806
#define TPID_8021Q 0x8100
#define TPID_8021AD 0x88A8
#define TPID_QINQ_OLD 0x9100

#define PROTO_HOPOPTS 0
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_NONE 59
#define PROTO_DSTOPTS 60

#define BUILDER_MAX 1024

/* ------------------------------------------------------------ builders */

struct builder {
    uint8_t bytes[BUILDER_MAX];
    size_t len;
    size_t ip_off; /* first byte of the IP header */
    size_t tcp_off; /* first byte of the TCP header */
    size_t payload_off; /* first byte of the TCP payload */
};

struct tcp_spec {
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;
    uint16_t window;
    size_t options_len; /* a multiple of 4 */
    const char *payload;
};

static const struct tcp_spec client_user = {
    .src_port = 49152,
    .dst_port = 110,
    .seq = 1000,
    .ack = 2000,
    .flags = TCP_FLAG_PSH | TCP_FLAG_ACK,
    .window = 512,
    .payload = "USER alice\r\n",
};

static void put_u8(struct builder *b, unsigned v)
{
    assert_true(b->len < BUILDER_MAX);
    b->bytes[b->len++] = (uint8_t)v;
}

static void put_be16(struct builder *b, unsigned v)
{
    put_u8(b, v >> 8 & 0xFF);
    put_u8(b, v & 0xFF);
}

static void put_be32(struct builder *b, uint32_t v)
{
    put_be16(b, v >> 16);
    put_be16(b, v & 0xFFFF);
}

static void put_le16(struct builder *b, unsigned v)
{
    put_u8(b, v & 0xFF);
    put_u8(b, v >> 8 & 0xFF);
}

static void put_le32(struct builder *b, uint32_t v)
{
    put_le16(b, v & 0xFFFF);
    put_le16(b, v >> 16);
}

static void put_bytes(struct builder *b, const void *data, size_t n)
{
    assert_true(n <= BUILDER_MAX - b->len);
    memcpy(b->bytes + b->len, data, n);
    b->len += n;
}

static void put_fill(struct builder *b, unsigned value, size_t n)
{
    while (n-- > 0)
        put_u8(b, value);
}

static void patch_be16(struct builder *b, size_t at, unsigned v)
{
    b->bytes[at] = (uint8_t)(v >> 8);
    b->bytes[at + 1] = (uint8_t)v;
}

static size_t tcp_segment_len(const struct tcp_spec *t)
{
    return 20 + t->options_len + strlen(t->payload);
}

/* Ethernet II from 02:00:00:00:00:01 to 02:00:00:00:00:02, with a tag for
 * each TPID in `tpids` (outermost first), then the inner Ethertype. */
static void add_ethernet_tagged(struct builder *b, const uint16_t *tpids, size_t tags, unsigned type)
{
    static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
    size_t i;

    put_bytes(b, macs, sizeof macs);
    for (i = 0; i < tags; i++) {
        put_be16(b, tpids[i]);
        put_be16(b, 100 + i); /* TCI: VLAN id 100, 101, ... */
    }
    put_be16(b, type);
}

static void add_ethernet(struct builder *b, unsigned type)
{
    add_ethernet_tagged(b, NULL, 0, type);
}

/* Linux cooked v1: packet type "sent by us", ARPHRD_ETHER, a 6-byte address
 * padded to 8, protocol. */
static void add_sll(struct builder *b, unsigned hatype, unsigned protocol)
{
    static const uint8_t address[8] = { 2, 0, 0, 0, 0, 1, 0, 0 };

    put_be16(b, 4);
    put_be16(b, hatype);
    put_be16(b, 6);
    put_bytes(b, address, sizeof address);
    put_be16(b, protocol);
}

/* Linux cooked v2: protocol, reserved, ifindex 2, ARPHRD_ETHER, packet type
 * "to us", address length 6, address padded to 8. */
static void add_sll2(struct builder *b, unsigned protocol)
{
    static const uint8_t address[8] = { 2, 0, 0, 0, 0, 1, 0, 0 };

    put_be16(b, protocol);
    put_be16(b, 0);
    put_be32(b, 2);
    put_be16(b, 1);
    put_u8(b, 0);
    put_u8(b, 6);
    put_bytes(b, address, sizeof address);
}

/* The link header for `linktype` carrying IP version `version`. */
static void add_link(struct builder *b, int linktype, int version)
{
    unsigned type = version == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
    uint32_t family = version == 4 ? 2 : 24; /* AF_INET; NetBSD/OpenBSD AF_INET6 */

    switch (linktype) {
    case DLT_EN10MB:
        add_ethernet(b, type);
        break;
    case DLT_LINUX_SLL:
        add_sll(b, 1, type);
        break;
    case DLT_LINUX_SLL2:
        add_sll2(b, type);
        break;
    case DLT_NULL:
        put_le32(b, family); /* written by a little-endian host */
        break;
    case DLT_LOOP:
        put_be32(b, family);
        break;
    default: /* raw IP link types: nothing before the IP header */
        break;
    }
}

/* IPv4 192.0.2.1 -> 192.0.2.2 with `options_len` bytes of NOP options. */
static void add_ipv4(struct builder *b, size_t options_len, unsigned protocol, size_t l4_len)
{
    static const uint8_t addresses[8] = { 192, 0, 2, 1, 192, 0, 2, 2 };
    size_t header_len = 20 + options_len;

    b->ip_off = b->len;
    put_u8(b, 0x40 | (unsigned)(header_len / 4));
    put_u8(b, 0);
    put_be16(b, (unsigned)(header_len + l4_len));
    put_be16(b, 0x1234); /* identification */
    put_be16(b, 0x4000); /* DF */
    put_u8(b, 64);
    put_u8(b, protocol);
    put_be16(b, 0); /* checksum: the decoder must not care */
    put_bytes(b, addresses, sizeof addresses);
    put_fill(b, 0x01, options_len);
}

/* IPv6 2001:db8::1 -> 2001:db8::2; payload_len counts extension headers. */
static void add_ipv6(struct builder *b, unsigned next, size_t payload_len)
{
    static const uint8_t addresses[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1, 0x20, 0x01, 0x0d, 0xb8, [31] = 2 };

    b->ip_off = b->len;
    put_be32(b, 0x60000000);
    put_be16(b, (unsigned)payload_len);
    put_u8(b, next);
    put_u8(b, 64);
    put_bytes(b, addresses, sizeof addresses);
}

/* A generic extension header of `size` bytes (a multiple of 8): next
 * header, length in 8-octet units beyond the first, PadN filling. */
static void add_ipv6_options(struct builder *b, unsigned next, size_t size)
{
    put_u8(b, next);
    put_u8(b, (unsigned)(size / 8 - 1));
    put_u8(b, 1); /* PadN option */
    put_u8(b, (unsigned)(size - 4));
    put_fill(b, 0, size - 4);
}

/* AH (RFC 4302): length in 4-octet units minus 2; 12 bytes of ICV. */
static void add_ipv6_ah(struct builder *b, unsigned next)
{
    put_u8(b, next);
    put_u8(b, 4); /* (4 + 2) * 4 = 24 bytes */
    put_be16(b, 0);
    put_be32(b, 0x100); /* SPI */
    put_be32(b, 1); /* sequence */
    put_fill(b, 0xAA, 12);
}

static void add_ipv6_fragment(struct builder *b, unsigned next, unsigned offset_units, bool more)
{
    put_u8(b, next);
    put_u8(b, 0);
    put_be16(b, offset_units << 3 | (more ? 1u : 0u));
    put_be32(b, 0xCAFE);
}

static void add_tcp(struct builder *b, const struct tcp_spec *t)
{
    b->tcp_off = b->len;
    put_be16(b, t->src_port);
    put_be16(b, t->dst_port);
    put_be32(b, t->seq);
    put_be32(b, t->ack);
    put_u8(b, (unsigned)((20 + t->options_len) / 4) << 4);
    put_u8(b, t->flags);
    put_be16(b, t->window);
    put_be16(b, 0); /* checksum */
    put_be16(b, 0); /* urgent pointer */
    put_fill(b, 0x01, t->options_len); /* NOPs */
    b->payload_off = b->len;
    put_bytes(b, t->payload, strlen(t->payload));
}

static void build_tcp4(struct builder *b, int linktype, const struct tcp_spec *t)
{
    memset(b, 0, sizeof(*b));
    add_link(b, linktype, 4);
    add_ipv4(b, 0, PROTO_TCP, tcp_segment_len(t));
    add_tcp(b, t);
}

static void build_tcp6(struct builder *b, int linktype, const struct tcp_spec *t)
{
    memset(b, 0, sizeof(*b));
    add_link(b, linktype, 6);
    add_ipv6(b, PROTO_TCP, tcp_segment_len(t));
    add_tcp(b, t);
}

static void build_tcp(struct builder *b, int linktype, int version, const struct tcp_spec *t)
{
    if (version == 4)
        build_tcp4(b, linktype, t);
    else
        build_tcp6(b, linktype, t);
}

static enum decode_result decode_whole(const struct builder *b, int linktype, struct packet_view *v)
{
    return decode_packet(linktype, b->bytes, (uint32_t)b->len, (uint32_t)b->len, v);
}

/* The view of client_user, wherever it was decoded from. */
static void assert_client_user_view(const struct builder *b, const struct packet_view *v, int version)
{
    static const uint8_t v4_src[16] = { 192, 0, 2, 1 };
    static const uint8_t v4_dst[16] = { 192, 0, 2, 2 };
    static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

    assert_int_equal(v->ip_version, version);
    assert_memory_equal(v->src_addr, version == 4 ? v4_src : v6_src, 16);
    assert_memory_equal(v->dst_addr, version == 4 ? v4_dst : v6_dst, 16);
    assert_int_equal(v->src_port, 49152);
    assert_int_equal(v->dst_port, 110);
    assert_int_equal(v->seq, 1000);
    assert_int_equal(v->ack, 2000);
    assert_int_equal(v->tcp_flags, TCP_FLAG_PSH | TCP_FLAG_ACK);
    assert_int_equal(v->window, 512);
    assert_ptr_equal(v->payload, b->bytes + b->payload_off);
    assert_int_equal(v->payload_len, strlen("USER alice\r\n"));
    assert_memory_equal(v->payload, "USER alice\r\n", v->payload_len);
    assert_int_equal(v->payload_missing, 0);
}

/* --------------------------------------------------------------- cursor */

static void cursor_reads_both_byte_orders(void **state)
{
    static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B };
    struct cursor c;

    (void)state;
    cursor_init(&c, bytes, sizeof bytes);
    assert_int_equal(cursor_get_u8(&c), 0x01);
    assert_int_equal(cursor_get_be16(&c), 0x0203);
    assert_int_equal(cursor_get_be32(&c), 0x04050607);
    assert_int_equal(cursor_get_le32(&c), 0x0B0A0908);
    assert_int_equal(cursor_remaining(&c), 0);
    assert_int_equal(cursor_offset(&c), sizeof bytes);
    assert_false(cursor_failed(&c));
}

static void cursor_error_is_sticky(void **state)
{
    static const uint8_t bytes[] = { 0xAB, 0xCD, 0xEF };
    struct cursor c;

    (void)state;
    cursor_init(&c, bytes, sizeof bytes);
    assert_int_equal(cursor_get_be16(&c), 0xABCD);
    assert_int_equal(cursor_get_be16(&c), 0); /* one byte left: refused */
    assert_true(cursor_failed(&c));
    /* The byte that was there is not handed out after the failure. */
    assert_int_equal(cursor_get_u8(&c), 0);
    assert_int_equal(cursor_peek_u8(&c), 0);
    assert_null(cursor_get_bytes(&c, 0));
    assert_null(cursor_ptr(&c));
    assert_false(cursor_skip(&c, 0));
    assert_int_equal(cursor_remaining(&c), 0);
    assert_int_equal(cursor_find_byte(&c, 0xEF), -1);
}

static void cursor_bytes_skip_and_peek(void **state)
{
    static const uint8_t bytes[] = "USER alice\r\n";
    struct cursor c;
    const uint8_t *word;

    (void)state;
    cursor_init(&c, bytes, sizeof bytes - 1);
    word = cursor_get_bytes(&c, 4);
    assert_ptr_equal(word, bytes);
    assert_true(cursor_skip(&c, 1));
    assert_int_equal(cursor_peek_u8(&c), 'a');
    assert_int_equal(cursor_offset(&c), 5); /* a peek takes nothing */
    assert_ptr_equal(cursor_ptr(&c), bytes + 5);
    assert_true(cursor_has(&c, 7));
    assert_false(cursor_has(&c, 8));
    assert_false(cursor_failed(&c)); /* asking is not reading */
    assert_false(cursor_skip(&c, 8));
    assert_true(cursor_failed(&c));
}

static void cursor_find_byte_from_position(void **state)
{
    static const uint8_t bytes[] = "+OK\r\nUSER bob\r\n";
    struct cursor c;

    (void)state;
    cursor_init(&c, bytes, sizeof bytes - 1);
    assert_int_equal(cursor_find_byte(&c, '\n'), 4);
    cursor_skip(&c, 5);
    assert_int_equal(cursor_find_byte(&c, '\n'), 9);
    assert_int_equal(cursor_find_byte(&c, '+'), -1); /* behind us */
    assert_int_equal(cursor_find_byte(&c, 0), -1); /* the NUL is outside the range */
}

static void cursor_limit_narrows_only(void **state)
{
    static const uint8_t bytes[] = "+OK 2 320\r\npadding";
    struct cursor c;

    (void)state;
    cursor_init(&c, bytes, sizeof bytes - 1);
    cursor_skip(&c, 4);
    cursor_limit(&c, 7);
    assert_int_equal(cursor_remaining(&c), 7);
    assert_int_equal(cursor_find_byte(&c, 'p'), -1); /* cut off */
    cursor_limit(&c, 100); /* never widens */
    assert_int_equal(cursor_remaining(&c), 7);
    assert_non_null(cursor_get_bytes(&c, 7));
    assert_null(cursor_get_bytes(&c, 1));
}

static void cursor_empty_and_null_ranges(void **state)
{
    struct cursor c;

    (void)state;
    cursor_init(&c, NULL, 0);
    assert_false(cursor_failed(&c));
    assert_int_equal(cursor_remaining(&c), 0);
    assert_int_equal(cursor_get_u8(&c), 0);
    assert_true(cursor_failed(&c));
    cursor_init(&c, NULL, 10); /* a NULL range cannot hold ten bytes */
    assert_true(cursor_failed(&c));
    assert_int_equal(cursor_remaining(&c), 0);
    assert_int_equal(cursor_find_byte(&c, 0), -1);
}

/* ---------------------------------------------------------- link layers */

static void ethernet_ipv4_and_ipv6(void **state)
{
    struct builder b;
    struct packet_view v;

    (void)state;
    build_tcp4(&b, DLT_EN10MB, &client_user);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 4);
    build_tcp6(&b, DLT_EN10MB, &client_user);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 6);
}

static void linux_cooked_v1_and_v2(void **state)
{
    struct builder b;
    struct packet_view v;
    int version;

    (void)state;
    for (version = 4; version <= 6; version += 2) {
        build_tcp(&b, DLT_LINUX_SLL, version, &client_user);
        assert_int_equal(b.ip_off, 16);
        assert_int_equal(decode_whole(&b, DLT_LINUX_SLL, &v), DECODE_OK);
        assert_client_user_view(&b, &v, version);
        build_tcp(&b, DLT_LINUX_SLL2, version, &client_user);
        assert_int_equal(b.ip_off, 20);
        assert_int_equal(decode_whole(&b, DLT_LINUX_SLL2, &v), DECODE_OK);
        assert_client_user_view(&b, &v, version);
    }
}

static void linux_cooked_netlink_is_not_tcp(void **state)
{
    struct builder b;
    struct packet_view v;

    (void)state;
    memset(&b, 0, sizeof b);
    add_sll(&b, 824, ETHERTYPE_IPV4); /* ARPHRD_NETLINK: "protocol" is a netlink family */
    add_ipv4(&b, 0, PROTO_TCP, tcp_segment_len(&client_user));
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_LINUX_SLL, &v), DECODE_NOT_TCP);
}

/* DLT_NULL holds the family in the writer's byte order: both must work,
 * with every AF_INET6 value a BSD or Linux writes. */
static void bsd_null_both_byte_orders_and_families(void **state)
{
    static const uint32_t inet6_families[] = { 10, 24, 28, 30 };
    struct builder b;
    struct packet_view v;
    size_t i;
    int big_endian;

    (void)state;
    for (big_endian = 0; big_endian <= 1; big_endian++) {
        memset(&b, 0, sizeof b);
        (big_endian ? put_be32 : put_le32)(&b, 2);
        add_ipv4(&b, 0, PROTO_TCP, tcp_segment_len(&client_user));
        add_tcp(&b, &client_user);
        assert_int_equal(decode_whole(&b, DLT_NULL, &v), DECODE_OK);
        assert_client_user_view(&b, &v, 4);
        for (i = 0; i < sizeof inet6_families / sizeof inet6_families[0]; i++) {
            memset(&b, 0, sizeof b);
            (big_endian ? put_be32 : put_le32)(&b, inet6_families[i]);
            add_ipv6(&b, PROTO_TCP, tcp_segment_len(&client_user));
            add_tcp(&b, &client_user);
            assert_int_equal(decode_whole(&b, DLT_NULL, &v), DECODE_OK);
            assert_client_user_view(&b, &v, 6);
        }
    }
    memset(&b, 0, sizeof b);
    put_le32(&b, 7); /* some other family */
    add_ipv4(&b, 0, PROTO_TCP, tcp_segment_len(&client_user));
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_NULL, &v), DECODE_NOT_TCP);
}

/* DLT_LOOP is network order only: a little-endian family is not AF_INET. */
static void bsd_loop_network_order(void **state)
{
    struct builder b;
    struct packet_view v;

    (void)state;
    build_tcp4(&b, DLT_LOOP, &client_user);
    assert_int_equal(decode_whole(&b, DLT_LOOP, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 4);
    build_tcp6(&b, DLT_LOOP, &client_user);
    assert_int_equal(decode_whole(&b, DLT_LOOP, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 6);
    memset(&b, 0, sizeof b);
    put_le32(&b, 2);
    add_ipv4(&b, 0, PROTO_TCP, tcp_segment_len(&client_user));
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_LOOP, &v), DECODE_NOT_TCP);
}

static void raw_ip_link_types(void **state)
{
    static const int raw_types[] = { DLT_RAW, TEST_DLT_RAW_OPENBSD, TEST_LINKTYPE_RAW };
    static const uint8_t not_ip[] = { 0x50, 0, 0, 20 };
    struct builder b;
    struct packet_view v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof raw_types / sizeof raw_types[0]; i++) {
        build_tcp4(&b, raw_types[i], &client_user);
        assert_int_equal(b.ip_off, 0);
        assert_int_equal(decode_whole(&b, raw_types[i], &v), DECODE_OK);
        assert_client_user_view(&b, &v, 4);
        build_tcp6(&b, raw_types[i], &client_user);
        assert_int_equal(decode_whole(&b, raw_types[i], &v), DECODE_OK);
        assert_client_user_view(&b, &v, 6);
        assert_int_equal(decode_packet(raw_types[i], not_ip, sizeof not_ip, sizeof not_ip, &v), DECODE_MALFORMED);
    }
}

static void ipv4_and_ipv6_link_types_check_the_version(void **state)
{
    struct builder b;
    struct packet_view v;

    (void)state;
    build_tcp4(&b, DLT_IPV4, &client_user);
    assert_int_equal(decode_whole(&b, DLT_IPV4, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 4);
    assert_int_equal(decode_whole(&b, DLT_IPV6, &v), DECODE_MALFORMED);
    build_tcp6(&b, DLT_IPV6, &client_user);
    assert_int_equal(decode_whole(&b, DLT_IPV6, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 6);
    assert_int_equal(decode_whole(&b, DLT_IPV4, &v), DECODE_MALFORMED);
}

/* An Ethertype that promises IPv4 over a version-6 header is a lie. */
static void ethertype_and_version_disagree(void **state)
{
    struct builder b;
    struct packet_view v;

    (void)state;
    build_tcp6(&b, DLT_EN10MB, &client_user);
    patch_be16(&b, 12, ETHERTYPE_IPV4);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
    build_tcp4(&b, DLT_EN10MB, &client_user);
    patch_be16(&b, 12, ETHERTYPE_IPV6);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
}

static void unsupported_link_and_names(void **state)
{
    static const uint8_t frame[64];
    struct packet_view v;

    (void)state;
    assert_int_equal(decode_packet(DLT_IEEE802_11, frame, sizeof frame, sizeof frame, &v), DECODE_UNSUPPORTED_LINK);
    assert_int_equal(decode_packet(-1, frame, sizeof frame, sizeof frame, &v), DECODE_UNSUPPORTED_LINK);
    assert_false(decode_link_supported(DLT_IEEE802_11));
    assert_false(decode_link_supported(DLT_PPP));
    assert_true(decode_link_supported(DLT_EN10MB));
    assert_true(decode_link_supported(DLT_LINUX_SLL));
    assert_true(decode_link_supported(DLT_LINUX_SLL2));
    assert_true(decode_link_supported(DLT_NULL));
    assert_true(decode_link_supported(DLT_LOOP));
    assert_true(decode_link_supported(DLT_RAW));
    assert_true(decode_link_supported(TEST_DLT_RAW_OPENBSD));
    assert_true(decode_link_supported(TEST_LINKTYPE_RAW));
    assert_true(decode_link_supported(DLT_IPV4));
    assert_true(decode_link_supported(DLT_IPV6));
    assert_string_equal(decode_result_name(DECODE_OK), "ok");
    assert_string_equal(decode_result_name(DECODE_NOT_TCP), "not_tcp");
    assert_string_equal(decode_result_name(DECODE_UNSUPPORTED_LINK), "unsupported_link");
    assert_string_equal(decode_result_name(DECODE_FRAGMENT), "fragment");
    assert_string_equal(decode_result_name(DECODE_TRUNCATED), "truncated");
    assert_string_equal(decode_result_name(DECODE_MALFORMED), "malformed");
    assert_string_equal(decode_result_name((enum decode_result)99), "invalid");
}

/* ----------------------------------------------------------------- VLAN */

static void vlan_single_qinq_and_stacks(void **state)
{
    static const uint16_t dot1q[] = { TPID_8021Q };
    static const uint16_t qinq[] = { TPID_8021AD, TPID_8021Q };
    static const uint16_t qinq_old[] = { TPID_QINQ_OLD, TPID_8021Q };
    static const uint16_t four[] = { TPID_8021AD, TPID_QINQ_OLD, TPID_8021Q, TPID_8021Q };
    static const struct {
        const uint16_t *tpids;
        size_t count;
    } stacks[] = { { dot1q, 1 }, { qinq, 2 }, { qinq_old, 2 }, { four, 4 } };
    struct builder b;
    struct packet_view v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof stacks / sizeof stacks[0]; i++) {
        memset(&b, 0, sizeof b);
        add_ethernet_tagged(&b, stacks[i].tpids, stacks[i].count, ETHERTYPE_IPV4);
        add_ipv4(&b, 0, PROTO_TCP, tcp_segment_len(&client_user));
        add_tcp(&b, &client_user);
        assert_int_equal(b.ip_off, 14 + 4 * stacks[i].count);
        assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
        assert_client_user_view(&b, &v, 4);
    }
    /* VLAN tags inside a Linux cooked header (capture before untagging). */
    memset(&b, 0, sizeof b);
    add_sll(&b, 1, TPID_8021Q);
    put_be16(&b, 100);
    put_be16(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_TCP, tcp_segment_len(&client_user));
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_LINUX_SLL, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 6);
}

/* A stack deeper than the bound is refused, not walked forever. */
static void vlan_stack_too_deep_is_malformed(void **state)
{
    static const uint16_t five[] = { TPID_8021Q, TPID_8021Q, TPID_8021Q, TPID_8021Q, TPID_8021Q };
    struct builder b;
    struct packet_view v;

    (void)state;
    memset(&b, 0, sizeof b);
    add_ethernet_tagged(&b, five, 5, ETHERTYPE_IPV4);
    add_ipv4(&b, 0, PROTO_TCP, tcp_segment_len(&client_user));
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
}

/* ----------------------------------------------------------------- IPv4 */

static void ipv4_options_are_skipped(void **state)
{
    static const size_t option_lengths[] = { 4, 20, 40 }; /* IHL 6, 10, 15 */
    struct builder b;
    struct packet_view v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof option_lengths / sizeof option_lengths[0]; i++) {
        memset(&b, 0, sizeof b);
        add_ethernet(&b, ETHERTYPE_IPV4);
        add_ipv4(&b, option_lengths[i], PROTO_TCP, tcp_segment_len(&client_user));
        add_tcp(&b, &client_user);
        assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
        assert_client_user_view(&b, &v, 4);
    }
}

static void tcp_options_are_skipped(void **state)
{
    struct tcp_spec with_options = client_user;
    struct builder b;
    struct packet_view v;

    (void)state;
    with_options.options_len = 40; /* data offset 15, the largest */
    build_tcp4(&b, DLT_EN10MB, &with_options);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 4);
    assert_int_equal(b.payload_off - b.tcp_off, 60);
}

/* A minimum-size Ethernet frame is padded to 60 bytes (plus perhaps an FCS);
 * the payload ends where the IP total length says, not at caplen. */
static void ethernet_padding_is_stripped(void **state)
{
    struct tcp_spec server_ok = client_user;
    struct builder b;
    struct packet_view v;

    (void)state;
    server_ok.payload = "+OK\r\n";
    build_tcp4(&b, DLT_EN10MB, &server_ok);
    assert_int_equal(b.len, 14 + 20 + 20 + 5);
    put_fill(&b, 0, 60 - b.len); /* padding */
    put_be32(&b, 0xDEADBEEF); /* FCS */
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_int_equal(v.payload_len, 5);
    assert_memory_equal(v.payload, "+OK\r\n", 5);
    assert_int_equal(v.payload_missing, 0);

    /* A bare ACK: zero payload despite 6 bytes of padding. */
    server_ok.payload = "";
    build_tcp4(&b, DLT_EN10MB, &server_ok);
    put_fill(&b, 0, 60 - b.len);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_int_equal(v.payload_len, 0);
    assert_int_equal(v.payload_missing, 0);

    /* Same for IPv6, whose length is the payload length field. */
    server_ok.payload = "+OK\r\n";
    build_tcp6(&b, DLT_EN10MB, &server_ok);
    put_fill(&b, 0xEE, 8);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_int_equal(v.payload_len, 5);
}

/* snaplen cut inside the payload: the bytes held are delivered, the rest is
 * counted as missing so the stream layer can record a gap. */
static void snaplen_cut_in_payload(void **state)
{
    struct builder b;
    struct packet_view v;
    int version;

    (void)state;
    for (version = 4; version <= 6; version += 2) {
        build_tcp(&b, DLT_EN10MB, version, &client_user);
        assert_int_equal(decode_packet(DLT_EN10MB, b.bytes, (uint32_t)b.payload_off + 4, (uint32_t)b.len, &v),
                         DECODE_OK);
        assert_int_equal(v.payload_len, 4);
        assert_memory_equal(v.payload, "USER", 4);
        assert_int_equal(v.payload_missing, strlen("USER alice\r\n") - 4);
    }
}

/* The IP header claims more than the wire carried: only what the wire could
 * have carried is reported missing (see decode_span_set). */
static void ip_length_beyond_wire_is_clipped(void **state)
{
    struct builder b;
    struct packet_view v;

    (void)state;
    build_tcp4(&b, DLT_EN10MB, &client_user);
    patch_be16(&b, b.ip_off + 2, 1500);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_int_equal(v.payload_len, 12);
    assert_int_equal(v.payload_missing, 0);
    /* Snaplen cut as well: missing runs to the wire length, not to 1500. */
    assert_int_equal(decode_packet(DLT_EN10MB, b.bytes, (uint32_t)b.payload_off + 2, (uint32_t)b.len, &v), DECODE_OK);
    assert_int_equal(v.payload_len, 2);
    assert_int_equal(v.payload_missing, 10);
    /* A record whose wire length is below its caplen: the held bytes count. */
    assert_int_equal(decode_packet(DLT_EN10MB, b.bytes, (uint32_t)b.len, 20, &v), DECODE_OK);
    assert_int_equal(v.payload_len, 12);
    assert_int_equal(v.payload_missing, 0);
}

/* Linux captures of TSO sends may carry IPv4 total length 0. */
static void ipv4_total_length_zero_uses_wire_length(void **state)
{
    struct builder b;
    struct packet_view v;

    (void)state;
    build_tcp4(&b, DLT_EN10MB, &client_user);
    patch_be16(&b, b.ip_off + 2, 0);
    assert_int_equal(decode_packet(DLT_EN10MB, b.bytes, (uint32_t)b.payload_off + 5, (uint32_t)b.len, &v),
                     DECODE_OK);
    assert_int_equal(v.payload_len, 5);
    assert_int_equal(v.payload_missing, 7);
}

static void not_tcp_is_skipped(void **state)
{
    static const uint8_t udp[8] = { 0x04, 0x00, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00 };
    struct builder b;
    struct packet_view v;

    (void)state;
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV4);
    add_ipv4(&b, 0, PROTO_UDP, sizeof udp);
    put_bytes(&b, udp, sizeof udp);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_NOT_TCP);

    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_ICMPV6, 8);
    put_fill(&b, 0x80, 8);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_NOT_TCP);

    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_NONE, 0);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_NOT_TCP);

    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_ARP);
    put_fill(&b, 0, 28);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_NOT_TCP);

    memset(&b, 0, sizeof b);
    add_ethernet(&b, 46); /* an 802.3 length: LLC follows */
    put_fill(&b, 0x42, 46);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_NOT_TCP);
}

/* ----------------------------------------------------------------- IPv6 */

static void ipv6_hop_by_hop_and_destination_options(void **state)
{
    size_t tcp_len = tcp_segment_len(&client_user);
    struct builder b;
    struct packet_view v;

    (void)state;
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_HOPOPTS, 8 + 24 + tcp_len);
    add_ipv6_options(&b, PROTO_DSTOPTS, 8);
    add_ipv6_options(&b, PROTO_TCP, 24);
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 6);
}

static void ipv6_routing_and_ah(void **state)
{
    size_t tcp_len = tcp_segment_len(&client_user);
    struct builder b;
    struct packet_view v;

    (void)state;
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_ROUTING, 16 + 24 + tcp_len);
    add_ipv6_options(&b, PROTO_AH, 16);
    add_ipv6_ah(&b, PROTO_TCP);
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 6);
}

static void ipv6_extension_headers_that_lie(void **state)
{
    size_t tcp_len = tcp_segment_len(&client_user);
    struct builder b;
    struct packet_view v;
    size_t i;

    (void)state;
    /* Hop-by-hop anywhere but first (RFC 8200 §4.3). */
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_DSTOPTS, 16 + tcp_len);
    add_ipv6_options(&b, PROTO_HOPOPTS, 8);
    add_ipv6_options(&b, PROTO_TCP, 8);
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);

    /* An extension header longer than the payload length allows. */
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_DSTOPTS, 8 + tcp_len);
    add_ipv6_options(&b, PROTO_TCP, 8);
    add_tcp(&b, &client_user);
    b.bytes[b.ip_off + 40 + 1] = 200; /* claims 1608 bytes */
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);

    /* More extension headers than any real stack sends: bounded. */
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_DSTOPTS, 9 * 8 + tcp_len);
    for (i = 0; i < 9; i++)
        add_ipv6_options(&b, i < 8 ? PROTO_DSTOPTS : PROTO_TCP, 8);
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);

    /* Payload length too small for the TCP header that follows. */
    build_tcp6(&b, DLT_EN10MB, &client_user);
    patch_be16(&b, b.ip_off + 4, 12);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
}

/* --------------------------------------------------------------- fragments */

static void ipv4_fragments(void **state)
{
    struct builder b;
    struct packet_view v;

    (void)state;
    build_tcp4(&b, DLT_EN10MB, &client_user);
    patch_be16(&b, b.ip_off + 6, 0x2000); /* MF, offset 0: a first fragment */
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_FRAGMENT);
    /* What reassembly needs: id, offset, MF, protocol and the bytes after
     * the IP header (here the TCP header and payload), inside the frame. */
    assert_int_equal(v.fragment.id, 0x1234);
    assert_int_equal(v.fragment.offset, 0);
    assert_int_equal(v.fragment.more, 1);
    assert_int_equal(v.fragment.protocol, PROTO_TCP);
    assert_ptr_equal(v.fragment.data, b.bytes + b.tcp_off);
    assert_int_equal(v.fragment.len, tcp_segment_len(&client_user));
    assert_int_equal(v.fragment.missing, 0);
    /* Cut by snaplen 8 bytes into the payload: the rest is missing. */
    assert_int_equal(decode_packet(DLT_EN10MB, b.bytes, (uint32_t)b.payload_off + 8, (uint32_t)b.len, &v),
                     DECODE_FRAGMENT);
    assert_int_equal(v.fragment.len, 20 + 8);
    assert_int_equal(v.fragment.missing, strlen(client_user.payload) - 8);
    patch_be16(&b, b.ip_off + 6, 0x0005); /* offset 40: the last fragment */
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_FRAGMENT);
    assert_int_equal(v.ip_version, 4); /* addresses are there for counting */
    assert_int_equal(v.fragment.offset, 40);
    assert_int_equal(v.fragment.more, 0);
    patch_be16(&b, b.ip_off + 6, 0x4000); /* DF only: whole */
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);

    /* A UDP fragment is simply not ours. */
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV4);
    add_ipv4(&b, 0, PROTO_UDP, 16);
    put_fill(&b, 0, 16);
    patch_be16(&b, b.ip_off + 6, 0x2000);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_NOT_TCP);
}

static void ipv6_fragments(void **state)
{
    size_t tcp_len = tcp_segment_len(&client_user);
    struct builder b;
    struct packet_view v;

    (void)state;
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_HOPOPTS, 8 + 8 + tcp_len);
    add_ipv6_options(&b, PROTO_FRAGMENT, 8);
    add_ipv6_fragment(&b, PROTO_TCP, 0, true);
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_FRAGMENT);
    assert_int_equal(v.fragment.id, 0xCAFE);
    assert_int_equal(v.fragment.offset, 0);
    assert_int_equal(v.fragment.more, 1);
    assert_int_equal(v.fragment.protocol, PROTO_TCP);
    assert_ptr_equal(v.fragment.data, b.bytes + b.tcp_off);
    assert_int_equal(v.fragment.len, tcp_len);

    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_FRAGMENT, 8 + 24);
    add_ipv6_fragment(&b, PROTO_TCP, 185, false); /* the last piece */
    put_fill(&b, 'x', 24);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_FRAGMENT);
    assert_int_equal(v.fragment.offset, 185 * 8);
    assert_int_equal(v.fragment.more, 0);
    assert_int_equal(v.fragment.len, 24);

    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_FRAGMENT, 8 + 24);
    add_ipv6_fragment(&b, PROTO_UDP, 0, true);
    put_fill(&b, 'x', 24);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_NOT_TCP);

    /* An atomic fragment (RFC 6946) is a whole packet. */
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_FRAGMENT, 8 + tcp_len);
    add_ipv6_fragment(&b, PROTO_TCP, 0, false);
    add_tcp(&b, &client_user);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_OK);
    assert_client_user_view(&b, &v, 6);
}

/* A datagram put back together: its transport header is read from the
 * reassembled bytes, with the addresses the caller already set. */
static void reassembled_datagrams(void **state)
{
    size_t tcp_len = tcp_segment_len(&client_user);
    struct builder b;
    struct packet_view v;

    (void)state;
    memset(&b, 0, sizeof b);
    add_tcp(&b, &client_user);
    memset(&v, 0, sizeof v);
    v.ip_version = 4;
    assert_int_equal(decode_reassembled(PROTO_TCP, b.bytes, (uint32_t)b.len, 0, &v), DECODE_OK);
    assert_int_equal(v.src_port, 49152);
    assert_int_equal(v.seq, 1000);
    assert_int_equal(v.payload_len, strlen(client_user.payload));
    assert_memory_equal(v.payload, "USER alice\r\n", v.payload_len);
    /* Its last 5 bytes were cut from one fragment: they are missing. */
    assert_int_equal(decode_reassembled(PROTO_TCP, b.bytes, (uint32_t)b.len - 5, 5, &v), DECODE_OK);
    assert_int_equal(v.payload_len, strlen(client_user.payload) - 5);
    assert_int_equal(v.payload_missing, 5);
    /* Cut inside the TCP header: nothing usable. */
    assert_int_equal(decode_reassembled(PROTO_TCP, b.bytes, 10, (uint32_t)b.len - 10, &v), DECODE_TRUNCATED);
    assert_int_equal(decode_reassembled(PROTO_UDP, b.bytes, (uint32_t)b.len, 0, &v), DECODE_NOT_TCP);

    /* IPv6: the fragmentable part may start with extension headers. */
    memset(&b, 0, sizeof b);
    add_ipv6_options(&b, PROTO_TCP, 16);
    add_tcp(&b, &client_user);
    memset(&v, 0, sizeof v);
    v.ip_version = 6;
    assert_int_equal(decode_reassembled(PROTO_DSTOPTS, b.bytes, (uint32_t)b.len, 0, &v), DECODE_OK);
    assert_int_equal(v.payload_len, strlen(client_user.payload));
    /* A fragment header inside a reassembled datagram is a lie. */
    memset(&b, 0, sizeof b);
    add_ipv6_fragment(&b, PROTO_TCP, 0, true);
    add_tcp(&b, &client_user);
    assert_int_equal(decode_reassembled(PROTO_FRAGMENT, b.bytes, (uint32_t)(8 + tcp_len), 0, &v), DECODE_MALFORMED);
}

/* --------------------------------------------------------- lying lengths */

static void ipv4_lengths_that_lie(void **state)
{
    struct builder b;
    struct packet_view v;
    unsigned ihl;

    (void)state;
    for (ihl = 0; ihl < 5; ihl++) {
        build_tcp4(&b, DLT_EN10MB, &client_user);
        b.bytes[b.ip_off] = (uint8_t)(0x40 | ihl);
        assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
    }
    /* Total length shorter than the IP header itself. */
    build_tcp4(&b, DLT_EN10MB, &client_user);
    patch_be16(&b, b.ip_off + 2, 19);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
    /* ... shorter than IHL with options. */
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV4);
    add_ipv4(&b, 8, PROTO_TCP, tcp_segment_len(&client_user));
    add_tcp(&b, &client_user);
    patch_be16(&b, b.ip_off + 2, 24);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
    /* ... room for the IP header but not for a TCP header. */
    build_tcp4(&b, DLT_EN10MB, &client_user);
    patch_be16(&b, b.ip_off + 2, 20 + 19);
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
    /* Version 5 in an IPv4 frame. */
    build_tcp4(&b, DLT_EN10MB, &client_user);
    b.bytes[b.ip_off] = 0x55;
    assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
}

static void tcp_data_offset_that_lies(void **state)
{
    struct builder b;
    struct packet_view v;
    unsigned offset;
    int version;

    (void)state;
    for (version = 4; version <= 6; version += 2) {
        for (offset = 0; offset < 5; offset++) {
            build_tcp(&b, DLT_EN10MB, version, &client_user);
            b.bytes[b.tcp_off + 12] = (uint8_t)(offset << 4);
            assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
        }
        /* 60 bytes of header in a 32-byte segment: past the IP payload. */
        build_tcp(&b, DLT_EN10MB, version, &client_user);
        b.bytes[b.tcp_off + 12] = 0xF0;
        assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
        /* Past the IP payload even though the frame (padding) has the bytes. */
        build_tcp(&b, DLT_EN10MB, version, &client_user);
        put_fill(&b, 0, 40);
        b.bytes[b.tcp_off + 12] = 0xF0;
        assert_int_equal(decode_whole(&b, DLT_EN10MB, &v), DECODE_MALFORMED);
    }
}

/* ------------------------------------------------------------ truncation */

/* Cut inside each header of a frame with every kind of optional header. */
static void cut_inside_a_header_is_truncated(void **state)
{
    struct tcp_spec with_options = client_user;
    size_t tcp_len;
    struct builder b;
    struct packet_view v;
    size_t cut;

    (void)state;
    with_options.options_len = 12;
    tcp_len = tcp_segment_len(&with_options);
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV4);
    add_ipv4(&b, 8, PROTO_TCP, tcp_len);
    add_tcp(&b, &with_options);
    for (cut = 0; cut < b.payload_off; cut++) {
        assert_int_equal(decode_packet(DLT_EN10MB, b.bytes, (uint32_t)cut, (uint32_t)b.len, &v), DECODE_TRUNCATED);
    }
    memset(&b, 0, sizeof b);
    add_ethernet(&b, ETHERTYPE_IPV6);
    add_ipv6(&b, PROTO_HOPOPTS, 16 + tcp_len);
    add_ipv6_options(&b, PROTO_TCP, 16);
    add_tcp(&b, &with_options);
    for (cut = 0; cut < b.payload_off; cut++) {
        assert_int_equal(decode_packet(DLT_EN10MB, b.bytes, (uint32_t)cut, (uint32_t)b.len, &v), DECODE_TRUNCATED);
    }
}

struct frame_shape {
    const char *name;
    int linktype;
    int version;
    int variant; /* 0 plain; 1 VLAN/IPv4 options/IPv6 extension headers */
};

static void build_shape(struct builder *b, const struct frame_shape *s)
{
    static const uint16_t qinq[] = { TPID_8021AD, TPID_8021Q };
    struct tcp_spec spec = client_user;
    size_t tcp_len;

    if (s->variant == 0) {
        build_tcp(b, s->linktype, s->version, &spec);
        return;
    }
    spec.options_len = 12;
    tcp_len = tcp_segment_len(&spec);
    memset(b, 0, sizeof(*b));
    if (s->linktype == DLT_EN10MB)
        add_ethernet_tagged(b, qinq, 2, s->version == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
    else
        add_link(b, s->linktype, s->version);
    if (s->version == 4) {
        add_ipv4(b, 12, PROTO_TCP, tcp_len);
    } else {
        add_ipv6(b, PROTO_HOPOPTS, 8 + 24 + tcp_len);
        add_ipv6_options(b, PROTO_AH, 8);
        add_ipv6_ah(b, PROTO_TCP);
    }
    add_tcp(b, &spec);
}

static const struct frame_shape shapes[] = {
    { "ethernet v4", DLT_EN10MB, 4, 0 },
    { "ethernet v6", DLT_EN10MB, 6, 0 },
    { "qinq v4 options", DLT_EN10MB, 4, 1 },
    { "qinq v6 extensions", DLT_EN10MB, 6, 1 },
    { "sll v4", DLT_LINUX_SLL, 4, 0 },
    { "sll v6", DLT_LINUX_SLL, 6, 1 },
    { "sll2 v4", DLT_LINUX_SLL2, 4, 1 },
    { "sll2 v6", DLT_LINUX_SLL2, 6, 0 },
    { "null v4", DLT_NULL, 4, 0 },
    { "null v6", DLT_NULL, 6, 1 },
    { "loop v4", DLT_LOOP, 4, 1 },
    { "loop v6", DLT_LOOP, 6, 0 },
    { "raw v4", DLT_RAW, 4, 0 },
    { "raw v6", DLT_RAW, 6, 1 },
    { "raw14 v4", TEST_DLT_RAW_OPENBSD, 4, 1 },
    { "linktype raw v6", TEST_LINKTYPE_RAW, 6, 0 },
    { "ipv4", DLT_IPV4, 4, 1 },
    { "ipv6", DLT_IPV6, 6, 1 },
};

/* Every prefix of every shape, each in a buffer of exactly its size so that
 * ASan or valgrind catch a read one byte past caplen. Headers incomplete:
 * TRUNCATED; headers whole: OK with the held payload and the rest missing. */
static void every_prefix_of_every_link_type(void **state)
{
    struct builder b;
    struct packet_view v;
    size_t i;
    size_t prefix;

    (void)state;
    for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        build_shape(&b, &shapes[i]);
        assert_int_equal(decode_whole(&b, shapes[i].linktype, &v), DECODE_OK);
        for (prefix = 0; prefix <= b.len; prefix++) {
            uint8_t *copy = malloc(prefix);
            enum decode_result r;

            assert_true(prefix == 0 || copy != NULL);
            if (prefix > 0)
                memcpy(copy, b.bytes, prefix);
            r = decode_packet(shapes[i].linktype, copy, (uint32_t)prefix, (uint32_t)b.len, &v);
            if (prefix < b.payload_off) {
                if (r != DECODE_TRUNCATED)
                    fail_msg("%s: prefix %zu gave %s", shapes[i].name, prefix, decode_result_name(r));
            } else {
                if (r != DECODE_OK)
                    fail_msg("%s: prefix %zu gave %s", shapes[i].name, prefix, decode_result_name(r));
                assert_ptr_equal(v.payload, copy + b.payload_off);
                assert_int_equal(v.payload_len, prefix - b.payload_off);
                assert_int_equal(v.payload_missing, b.len - prefix);
            }
            free(copy);
        }
    }
}

/* Deterministic mutations (xorshift, fixed seed: no clock) of every shape,
 * in exactly sized buffers: any result is acceptable except a crash, an
 * over-read, or a view pointing outside the frame. */
static uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static void mutated_frames_stay_in_bounds(void **state)
{
    uint32_t seed = 0x9E3779B9u;
    unsigned counts[DECODE_MALFORMED + 1] = { 0 };
    struct builder b;
    struct packet_view v;
    unsigned round;

    (void)state;
    for (round = 0; round < 40000; round++) {
        const struct frame_shape *s = &shapes[xorshift32(&seed) % (sizeof shapes / sizeof shapes[0])];
        unsigned flips = 1 + xorshift32(&seed) % 4;
        uint32_t caplen;
        uint32_t wirelen;
        uint8_t *copy;
        enum decode_result r;

        build_shape(&b, s);
        while (flips-- > 0)
            b.bytes[xorshift32(&seed) % b.len] = (uint8_t)xorshift32(&seed);
        caplen = (uint32_t)(xorshift32(&seed) % (b.len + 1));
        wirelen = caplen + xorshift32(&seed) % 3000;
        copy = malloc(caplen > 0 ? caplen : 1);
        assert_non_null(copy);
        memcpy(copy, b.bytes, caplen);
        r = decode_packet(s->linktype, copy, caplen, wirelen, &v);
        assert_true((unsigned)r <= DECODE_MALFORMED);
        counts[r]++;
        if (r == DECODE_OK) {
            assert_true(v.payload >= copy && v.payload <= copy + caplen);
            assert_true(v.payload_len <= (uint32_t)(copy + caplen - v.payload));
            assert_true(v.ip_version == 4 || v.ip_version == 6);
        }
        free(copy);
    }
    /* The mutations reach more than one outcome, or the test tests little. */
    assert_true(counts[DECODE_OK] > 0);
    assert_true(counts[DECODE_TRUNCATED] > 0);
    assert_true(counts[DECODE_MALFORMED] > 0);
}

/* ---------------------------------------------------------------- capture */

#define CAPTURE_TEST_FRAMES 3

struct captured {
    size_t count;
    uint64_t numbers[8];
    struct event_time times[8];
    int linktype;
    uint32_t caplen[8];
    uint32_t wirelen[8];
    char payload[8][32];
};

/* ------------------------------------------------------------ checksums */

/* RFC 1071 the slow, obvious way: big-endian 16-bit words, carries folded
 * as they come. The reference decode_checksum's 64-bit sum must agree with. */
static uint32_t ref_sum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i < n; i += 2) {
        sum += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0u);
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    return sum;
}

/* Fills the IPv4 header checksum (when there is one) and the TCP checksum
 * of a frame the builder made, over the pseudo-header of RFC 9293 §3.1 or
 * RFC 8200 §8.1. */
static void fill_checksums(struct builder *b, int version)
{
    size_t tcp_len = b->len - b->tcp_off;
    uint8_t pseudo[40] = { 0 };
    size_t plen;
    uint32_t sum;

    if (version == 4) {
        patch_be16(b, b->ip_off + 10, 0);
        patch_be16(b, b->ip_off + 10, ~ref_sum(b->bytes + b->ip_off, b->tcp_off - b->ip_off, 0) & 0xFFFFu);
        memcpy(pseudo, b->bytes + b->ip_off + 12, 8);
        pseudo[9] = PROTO_TCP;
        pseudo[10] = (uint8_t)(tcp_len >> 8);
        pseudo[11] = (uint8_t)tcp_len;
        plen = 12;
    } else {
        memcpy(pseudo, b->bytes + b->ip_off + 8, 32);
        pseudo[34] = (uint8_t)(tcp_len >> 8);
        pseudo[35] = (uint8_t)tcp_len;
        pseudo[39] = PROTO_TCP;
        plen = 40;
    }
    patch_be16(b, b->tcp_off + 16, 0);
    sum = ref_sum(b->bytes + b->tcp_off, tcp_len, ref_sum(pseudo, plen, 0));
    patch_be16(b, b->tcp_off + 16, ~sum & 0xFFFFu);
}

static enum decode_checksum checksum_of(const struct builder *b, int linktype, uint32_t caplen)
{
    struct packet_view v;

    assert_int_equal(decode_packet(linktype, b->bytes, caplen, (uint32_t)b->len, &v), DECODE_OK);
    return decode_checksum(&v);
}

/* Every payload length from 0 to 99 (odd tails, the 32-byte loop and its
 * remainders), both IP versions, with and without TCP options: right
 * checksums are right, one flipped bit anywhere in the segment is wrong. */
static void checksum_right_and_one_bit_wrong(void **state)
{
    char payload[100];
    struct builder b;
    (void)state;

    for (int version = 4; version <= 6; version += 2) {
        for (size_t n = 0; n < sizeof payload; n++) {
            struct tcp_spec t = client_user;

            for (size_t k = 0; k < n; k++)
                payload[k] = (char)('!' + (k * 7 + n) % 90);
            payload[n] = '\0';
            t.payload = payload;
            t.options_len = n % 3 == 0 ? 12 : 0;
            build_tcp(&b, DLT_EN10MB, version, &t);
            fill_checksums(&b, version);
            assert_int_equal(checksum_of(&b, DLT_EN10MB, (uint32_t)b.len), DECODE_CHECKSUM_GOOD);
            size_t at = (n * 13) % (b.len - b.tcp_off);

            b.bytes[b.tcp_off + (at == 12 ? 4 : at)] ^= 0x10; /* not the data offset */
            assert_int_not_equal(checksum_of(&b, DLT_EN10MB, (uint32_t)b.len), DECODE_CHECKSUM_GOOD);
        }
    }
}

/* decode_ones_sum in the machine's order folds to the reference sum in
 * network order, byte-swapped or not (RFC 1071 §2(B)). */
static void ones_sum_matches_reference(void **state)
{
    uint8_t data[300] = { 0 };
    uint32_t seed = 12345;
    (void)state;

    for (size_t n = 0; n <= sizeof data; n += 7) {
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            data[i] = (uint8_t)(seed >> 16);
        }
        uint16_t ours = decode_ones_sum(data, n);
        uint16_t ref = (uint16_t)ref_sum(data, n, 0);
        uint16_t swapped = (uint16_t)(ref >> 8 | ref << 8);

        /* 0 and 0xFFFF are the two zeros of ones'-complement. */
        if (ref == 0 || ref == 0xFFFFu)
            assert_true(ours == 0 || ours == 0xFFFFu);
        else
            assert_true(ours == ref || ours == swapped);
    }
}

static void checksum_ipv4_header_wrong_is_bad(void **state)
{
    struct builder b;
    (void)state;

    build_tcp4(&b, DLT_EN10MB, &client_user);
    fill_checksums(&b, 4);
    b.bytes[b.ip_off + 8] = 63; /* TTL changed, header checksum not */
    assert_int_equal(checksum_of(&b, DLT_EN10MB, (uint32_t)b.len), DECODE_CHECKSUM_BAD);
}

/* What Linux leaves in the field with offload (the folded pseudo-header
 * sum), and zero, are PARTIAL when wrong; if such a field is right by
 * chance, it says so rather than GOOD. */
static void checksum_unfilled_fields(void **state)
{
    struct builder b;
    uint8_t pseudo[12];
    uint32_t sum;
    (void)state;

    build_tcp4(&b, DLT_EN10MB, &client_user);
    fill_checksums(&b, 4);
    memcpy(pseudo, b.bytes + b.ip_off + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = PROTO_TCP;
    pseudo[10] = (uint8_t)((b.len - b.tcp_off) >> 8);
    pseudo[11] = (uint8_t)(b.len - b.tcp_off);
    sum = ref_sum(pseudo, sizeof pseudo, 0);
    patch_be16(&b, b.tcp_off + 16, sum); /* ~csum_tcpudp_magic(..., 0) */
    assert_int_equal(checksum_of(&b, DLT_EN10MB, (uint32_t)b.len), DECODE_CHECKSUM_PARTIAL);
    patch_be16(&b, b.tcp_off + 16, 0);
    assert_int_equal(checksum_of(&b, DLT_EN10MB, (uint32_t)b.len), DECODE_CHECKSUM_PARTIAL);
    /* A payload whose words make the zero field right: the urgent pointer
     * (unused without URG) takes the difference. */
    sum = ref_sum(b.bytes + b.tcp_off, b.len - b.tcp_off, ref_sum(pseudo, sizeof pseudo, 0));
    patch_be16(&b, b.tcp_off + 18, ~sum & 0xFFFFu);
    assert_int_equal(checksum_of(&b, DLT_EN10MB, (uint32_t)b.len), DECODE_CHECKSUM_RIGHT_BY_CHANCE);
}

/* Cut by snaplen, or an IP length taken from the wire: no verdict. */
static void checksum_unverifiable(void **state)
{
    struct builder b;
    (void)state;

    build_tcp4(&b, DLT_EN10MB, &client_user);
    fill_checksums(&b, 4);
    assert_int_equal(checksum_of(&b, DLT_EN10MB, (uint32_t)b.len - 3), DECODE_CHECKSUM_UNVERIFIABLE);
    patch_be16(&b, b.ip_off + 2, 0); /* TSO: total length 0 */
    assert_int_equal(checksum_of(&b, DLT_EN10MB, (uint32_t)b.len), DECODE_CHECKSUM_UNVERIFIABLE);
    assert_string_equal(decode_checksum_name(DECODE_CHECKSUM_UNVERIFIABLE), "unverifiable");
    assert_string_equal(decode_checksum_name(DECODE_CHECKSUM_RIGHT_BY_CHANCE), "right_by_chance");
}

/* Ethernet padding after the IP datagram is not part of the sum. */
static void checksum_ignores_ethernet_padding(void **state)
{
    struct builder b;
    struct tcp_spec t = client_user;
    (void)state;

    t.payload = "";
    build_tcp4(&b, DLT_EN10MB, &t);
    fill_checksums(&b, 4);
    put_fill(&b, 0xEE, 6); /* 54 -> 60 bytes: the minimum frame */
    assert_int_equal(checksum_of(&b, DLT_EN10MB, (uint32_t)b.len), DECODE_CHECKSUM_GOOD);
}


static void collect_frame(void *ctx, const struct capture_frame *frame)
{
    struct captured *c = ctx;
    struct packet_view v;
    size_t i = c->count;

    assert_true(i < 8);
    c->numbers[i] = frame->number;
    c->times[i] = frame->ts;
    c->linktype = frame->linktype;
    c->caplen[i] = frame->caplen;
    c->wirelen[i] = frame->wirelen;
    if (decode_packet(frame->linktype, frame->data, frame->caplen, frame->wirelen, &v) == DECODE_OK) {
        size_t n = v.payload_len < sizeof c->payload[i] - 1 ? v.payload_len : sizeof c->payload[i] - 1;

        memcpy(c->payload[i], v.payload, n);
        c->payload[i][n] = '\0';
    }
    c->count++;
}

struct capture_fixture {
    char dir[64];
    char path[96];
    size_t record_end[CAPTURE_TEST_FRAMES]; /* file offset after each record */
};

static const char *const capture_lines[CAPTURE_TEST_FRAMES] = { "USER alice\r\n", "+OK\r\n", "PASS secret\r\n" };

static void build_capture_frame(struct builder *b, size_t index)
{
    struct tcp_spec spec = client_user;

    spec.payload = capture_lines[index];
    if (index == 1) { /* the server's answer, on port 110 */
        spec.src_port = 110;
        spec.dst_port = 49152;
    }
    build_tcp4(b, DLT_EN10MB, &spec);
}

/* A pcap file written by libpcap itself, so the reader is tested against
 * the real format rather than our idea of it. */
static int capture_setup(void **state)
{
    struct capture_fixture *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    pcap_t *dead;
    pcap_dumper_t *dumper;
    size_t i;
    size_t offset = 24; /* pcap file header */

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "%s/test_decode.XXXXXX", tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/three.pcap", f->dir);
    dead = pcap_open_dead(DLT_EN10MB, 65535);
    assert_non_null(dead);
    dumper = pcap_dump_open(dead, f->path);
    assert_non_null(dumper);
    for (i = 0; i < CAPTURE_TEST_FRAMES; i++) {
        struct builder b;
        struct pcap_pkthdr header;

        build_capture_frame(&b, i);
        memset(&header, 0, sizeof header);
        header.ts.tv_sec = 1700000000 + (time_t)i;
        header.ts.tv_usec = 250000 + (suseconds_t)i;
        header.caplen = (bpf_u_int32)b.len;
        header.len = (bpf_u_int32)b.len;
        pcap_dump((u_char *)dumper, &header, b.bytes);
        offset += 16 + b.len;
        f->record_end[i] = offset;
    }
    pcap_dump_close(dumper);
    pcap_close(dead);
    *state = f;
    return 0;
}

static int capture_teardown(void **state)
{
    struct capture_fixture *f = *state;
    char other[128];

    unlink(f->path);
    snprintf(other, sizeof other, "%s/other", f->dir);
    unlink(other);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Runs capture_read_file with stderr sent to a file, and returns what was
 * written there in `message`. */
static enum capture_status read_capturing_stderr(const char *dir, const char *path, const char *filter,
                                                 struct captured *out, char *message, size_t message_size)
{
    char log_path[128];
    enum capture_status status;
    int saved = dup(STDERR_FILENO);
    int log_fd;
    ssize_t got;

    snprintf(log_path, sizeof log_path, "%s/other", dir);
    log_fd = open(log_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && log_fd >= 0);
    fflush(stderr);
    dup2(log_fd, STDERR_FILENO);
    memset(out, 0, sizeof(*out));
    status = capture_read_file(path, filter, collect_frame, out);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    got = pread(log_fd, message, message_size - 1, 0);
    message[got > 0 ? got : 0] = '\0';
    close(log_fd);
    return status;
}

static void capture_reads_three_frames(void **state)
{
    struct capture_fixture *f = *state;
    struct captured c;
    char message[512];
    size_t i;

    assert_int_equal(read_capturing_stderr(f->dir, f->path, NULL, &c, message, sizeof message), CAPTURE_OK);
    assert_string_equal(message, "");
    assert_int_equal(c.count, 3);
    assert_int_equal(c.linktype, DLT_EN10MB);
    for (i = 0; i < 3; i++) {
        assert_int_equal(c.numbers[i], i + 1);
        assert_int_equal(c.times[i].sec, 1700000000 + (int64_t)i);
        assert_int_equal(c.times[i].usec, 250000 + i);
        assert_int_equal(c.caplen[i], c.wirelen[i]);
        assert_string_equal(c.payload[i], capture_lines[i]);
    }
}

/* The filter keeps file record numbers: frame 3 stays number 3. */
static void capture_filter_keeps_record_numbers(void **state)
{
    struct capture_fixture *f = *state;
    struct captured c;
    char message[512];

    assert_int_equal(read_capturing_stderr(f->dir, f->path, "tcp dst port 110", &c, message, sizeof message),
                     CAPTURE_OK);
    assert_int_equal(c.count, 2);
    assert_int_equal(c.numbers[0], 1);
    assert_int_equal(c.numbers[1], 3);
    assert_string_equal(c.payload[1], "PASS secret\r\n");
}

static void capture_bad_filter_fails_to_open(void **state)
{
    struct capture_fixture *f = *state;
    struct captured c;
    char message[512];

    assert_int_equal(read_capturing_stderr(f->dir, f->path, "tcp port pop3 and and", &c, message, sizeof message),
                     CAPTURE_OPEN_FAILED);
    assert_int_equal(c.count, 0);
    assert_non_null(strstr(message, f->path));
    assert_non_null(strstr(message, "filter"));
    assert_non_null(strchr(message, '\n'));
    assert_ptr_equal(strchr(message, '\n'), message + strlen(message) - 1); /* one line */
}

/* Cut in the middle of the third record's data, then of its header: the
 * two whole records are delivered and the damage is reported by number. */
static void capture_truncated_file(void **state)
{
    struct capture_fixture *f = *state;
    const size_t cuts[] = { f->record_end[1] + 16 + 20, f->record_end[1] + 8 };
    struct captured c;
    char message[512];
    size_t i;

    for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        assert_int_equal(truncate(f->path, (off_t)cuts[i]), 0);
        /* Short in its last record: cut (a capture still being written),
         * not damaged. */
        assert_int_equal(read_capturing_stderr(f->dir, f->path, NULL, &c, message, sizeof message), CAPTURE_CUT);
        assert_int_equal(c.count, 2);
        assert_int_equal(c.numbers[1], 2);
        assert_string_equal(c.payload[1], "+OK\r\n");
        assert_non_null(strstr(message, f->path));
        assert_non_null(strstr(message, "record 3:"));
        assert_non_null(strstr(message, "analysis of the frames before it stands"));
    }
    /* Ending exactly on a record boundary is a clean end. */
    assert_int_equal(truncate(f->path, (off_t)f->record_end[1]), 0);
    assert_int_equal(read_capturing_stderr(f->dir, f->path, NULL, &c, message, sizeof message), CAPTURE_OK);
    assert_int_equal(c.count, 2);
}

static void capture_missing_and_bogus_files(void **state)
{
    struct capture_fixture *f = *state;
    char path[128];
    struct captured c;
    char message[512];
    FILE *fp;

    snprintf(path, sizeof path, "%s/does-not-exist.pcap", f->dir);
    assert_int_equal(read_capturing_stderr(f->dir, path, NULL, &c, message, sizeof message), CAPTURE_OPEN_FAILED);
    assert_non_null(strstr(message, path));
    assert_non_null(strstr(message, "No such file"));

    fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs("+OK POP3 server ready\r\n this is not a capture file\r\n", fp);
    fclose(fp);
    assert_int_equal(read_capturing_stderr(f->dir, f->path, NULL, &c, message, sizeof message), CAPTURE_OPEN_FAILED);
    assert_non_null(strstr(message, f->path));
    assert_int_equal(c.count, 0);
}

static void capture_unsupported_link_type(void **state)
{
    struct capture_fixture *f = *state;
    pcap_t *dead = pcap_open_dead(DLT_IEEE802_11, 65535);
    pcap_dumper_t *dumper;
    struct captured c;
    char message[512];

    assert_non_null(dead);
    dumper = pcap_dump_open(dead, f->path);
    assert_non_null(dumper);
    pcap_dump_close(dumper);
    pcap_close(dead);
    assert_int_equal(read_capturing_stderr(f->dir, f->path, NULL, &c, message, sizeof message), CAPTURE_OPEN_FAILED);
    assert_non_null(strstr(message, "IEEE802_11"));
    assert_non_null(strstr(message, "not supported"));
}

/* pcapng, written block by block (RFC draft-ietf-opsawg-pcapng §4): section
 * header, one Ethernet interface, one enhanced packet at 1700000000.5 s. */
static void capture_reads_pcapng(void **state)
{
    struct capture_fixture *f = *state;
    const uint64_t microseconds = 1700000000500000ull;
    struct builder frame;
    struct builder file;
    size_t padded;
    struct captured c;
    char message[512];
    FILE *fp;

    build_capture_frame(&frame, 0);
    padded = (frame.len + 3) & ~(size_t)3;
    memset(&file, 0, sizeof file);
    put_le32(&file, 0x0A0D0D0A); /* section header block */
    put_le32(&file, 28);
    put_le32(&file, 0x1A2B3C4D);
    put_le16(&file, 1);
    put_le16(&file, 0);
    put_le32(&file, 0xFFFFFFFF); /* section length unknown */
    put_le32(&file, 0xFFFFFFFF);
    put_le32(&file, 28);
    put_le32(&file, 1); /* interface description block */
    put_le32(&file, 20);
    put_le16(&file, DLT_EN10MB);
    put_le16(&file, 0);
    put_le32(&file, 65535);
    put_le32(&file, 20);
    put_le32(&file, 6); /* enhanced packet block */
    put_le32(&file, (uint32_t)(32 + padded));
    put_le32(&file, 0);
    put_le32(&file, (uint32_t)(microseconds >> 32));
    put_le32(&file, (uint32_t)microseconds);
    put_le32(&file, (uint32_t)frame.len);
    put_le32(&file, (uint32_t)frame.len);
    put_bytes(&file, frame.bytes, frame.len);
    put_fill(&file, 0, padded - frame.len);
    put_le32(&file, (uint32_t)(32 + padded));

    fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(file.bytes, 1, file.len, fp), file.len);
    fclose(fp);
    assert_int_equal(read_capturing_stderr(f->dir, f->path, NULL, &c, message, sizeof message), CAPTURE_OK);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.numbers[0], 1);
    assert_int_equal(c.times[0].sec, 1700000000);
    assert_int_equal(c.times[0].usec, 500000);
    assert_string_equal(c.payload[0], "USER alice\r\n");
}

/* "-" reads stdin; messages then name it "stdin". */
static void capture_reads_stdin(void **state)
{
    struct capture_fixture *f = *state;
    struct captured c;
    char message[512];

    assert_non_null(freopen(f->path, "rb", stdin));
    assert_int_equal(read_capturing_stderr(f->dir, "-", NULL, &c, message, sizeof message), CAPTURE_OK);
    assert_int_equal(c.count, 3);
    assert_string_equal(c.payload[2], "PASS secret\r\n");

    assert_non_null(freopen("/dev/null", "rb", stdin));
    assert_int_equal(read_capturing_stderr(f->dir, "-", NULL, &c, message, sizeof message), CAPTURE_OPEN_FAILED);
    assert_non_null(strstr(message, "pop3scope: stdin:"));
}

static void capture_names_its_library(void **state)
{
    (void)state;
    assert_non_null(strstr(capture_library_version(), "libpcap"));
}

#define CAPTURE_TEST(fn) cmocka_unit_test_setup_teardown(fn, capture_setup, capture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cursor_reads_both_byte_orders),
        cmocka_unit_test(cursor_error_is_sticky),
        cmocka_unit_test(cursor_bytes_skip_and_peek),
        cmocka_unit_test(cursor_find_byte_from_position),
        cmocka_unit_test(cursor_limit_narrows_only),
        cmocka_unit_test(cursor_empty_and_null_ranges),
        cmocka_unit_test(ethernet_ipv4_and_ipv6),
        cmocka_unit_test(linux_cooked_v1_and_v2),
        cmocka_unit_test(linux_cooked_netlink_is_not_tcp),
        cmocka_unit_test(bsd_null_both_byte_orders_and_families),
        cmocka_unit_test(bsd_loop_network_order),
        cmocka_unit_test(raw_ip_link_types),
        cmocka_unit_test(ipv4_and_ipv6_link_types_check_the_version),
        cmocka_unit_test(ethertype_and_version_disagree),
        cmocka_unit_test(unsupported_link_and_names),
        cmocka_unit_test(vlan_single_qinq_and_stacks),
        cmocka_unit_test(vlan_stack_too_deep_is_malformed),
        cmocka_unit_test(ipv4_options_are_skipped),
        cmocka_unit_test(checksum_right_and_one_bit_wrong),
        cmocka_unit_test(ones_sum_matches_reference),
        cmocka_unit_test(checksum_ipv4_header_wrong_is_bad),
        cmocka_unit_test(checksum_unfilled_fields),
        cmocka_unit_test(checksum_unverifiable),
        cmocka_unit_test(checksum_ignores_ethernet_padding),
        cmocka_unit_test(tcp_options_are_skipped),
        cmocka_unit_test(ethernet_padding_is_stripped),
        cmocka_unit_test(snaplen_cut_in_payload),
        cmocka_unit_test(ip_length_beyond_wire_is_clipped),
        cmocka_unit_test(ipv4_total_length_zero_uses_wire_length),
        cmocka_unit_test(not_tcp_is_skipped),
        cmocka_unit_test(ipv6_hop_by_hop_and_destination_options),
        cmocka_unit_test(ipv6_routing_and_ah),
        cmocka_unit_test(ipv6_extension_headers_that_lie),
        cmocka_unit_test(ipv4_fragments),
        cmocka_unit_test(ipv6_fragments),
        cmocka_unit_test(reassembled_datagrams),
        cmocka_unit_test(ipv4_lengths_that_lie),
        cmocka_unit_test(tcp_data_offset_that_lies),
        cmocka_unit_test(cut_inside_a_header_is_truncated),
        cmocka_unit_test(every_prefix_of_every_link_type),
        cmocka_unit_test(mutated_frames_stay_in_bounds),
        CAPTURE_TEST(capture_reads_three_frames),
        CAPTURE_TEST(capture_filter_keeps_record_numbers),
        CAPTURE_TEST(capture_bad_filter_fails_to_open),
        CAPTURE_TEST(capture_truncated_file),
        CAPTURE_TEST(capture_missing_and_bogus_files),
        CAPTURE_TEST(capture_unsupported_link_type),
        CAPTURE_TEST(capture_reads_pcapng),
        CAPTURE_TEST(capture_reads_stdin),
        cmocka_unit_test(capture_names_its_library),
    };

    return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
