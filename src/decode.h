/* Link layer to TCP: turns one captured frame into a view that points into
 * the capture buffer (no copy). All reads go through cursor.h. */
#ifndef POP3SCOPE_DECODE_H
#define POP3SCOPE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10

/* What fragment reassembly needs of an IP fragment (valid with
 * DECODE_FRAGMENT; the view's ip_version and addresses are set too). */
struct decode_fragment {
    uint32_t id;         /* IPv4 identification (16 bits) or IPv6 (32 bits) */
    uint32_t offset;     /* of this fragment's first byte in the datagram's payload */
    uint8_t more;        /* more fragments follow (MF, M) */
    uint8_t protocol;    /* IPv4 protocol; IPv6 next header after the fragment header */
    const uint8_t *data; /* captured bytes of the fragment, inside the frame */
    uint32_t len;        /* how many the capture holds */
    uint32_t missing;    /* bytes of it on the wire that snaplen cut */
};

/* The checksums of a segment (IPv4 header and TCP, RFC 791 §3.1, RFC 9293
 * §3.1, RFC 8200 §8.1), as decode_checksum() judges them. */
enum decode_checksum {
    DECODE_CHECKSUM_UNCHECKED, /* not computed yet (the view's default) */
    DECODE_CHECKSUM_GOOD,
    DECODE_CHECKSUM_BAD,
    /* Wrong, and the TCP field looks never filled in: it holds exactly
     * the pseudo-header sum (what a Linux stack leaves for the NIC to
     * finish on transmit offload, or writes into a GRO-merged segment on
     * receive) or zero (capture tools and generators). */
    DECODE_CHECKSUM_PARTIAL,
    /* Right, but the field has one of those looks too: right by chance
     * (1 in 65536) as often as by design, so it proves nothing. */
    DECODE_CHECKSUM_RIGHT_BY_CHANCE,
    /* The capture does not hold the whole segment (snaplen), or its IP
     * length came from the wire (TSO/GSO, jumbogram): nothing to judge. */
    DECODE_CHECKSUM_UNVERIFIABLE,
};

struct packet_view {
    uint8_t ip_version; /* 4 or 6 */
    uint8_t checksum; /* enum decode_checksum: UNCHECKED unless a caller
                         stored decode_checksum()'s answer */
    uint8_t ip_header_len; /* bytes at ip_header; 0 without one (IPv6, a
                              datagram put together from fragments) */
    uint8_t tcp_header_len; /* bytes at tcp_header, options included */
    bool checksum_whole; /* the segment is captured whole, with an IP
                            length of its own: decode_checksum can judge */
    uint8_t src_addr[16]; /* IPv4 in the first four bytes, rest zero */
    uint8_t dst_addr[16];
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint8_t tcp_flags;
    uint16_t window;
    const uint8_t *ip_header; /* IPv4 header inside the frame, or NULL */
    const uint8_t *tcp_header; /* inside the frame (or reassembled datagram) */
    const uint8_t *payload; /* captured payload bytes, inside the frame */
    uint32_t payload_len; /* how many of them the capture holds */
    uint32_t payload_missing; /* payload bytes on the wire that snaplen cut */
    struct decode_fragment fragment; /* with DECODE_FRAGMENT only */
};

enum decode_result {
    DECODE_OK, /* a TCP segment; view filled */
    DECODE_NOT_TCP, /* well-formed, but not TCP over IP: skip silently */
    DECODE_UNSUPPORTED_LINK, /* a link type we do not decode */
    DECODE_FRAGMENT, /* an IP fragment of a datagram that may hold TCP: view.fragment */
    DECODE_TRUNCATED, /* headers cut by snaplen: nothing usable */
    DECODE_MALFORMED, /* a header that lies (lengths, offsets) */
};

/* linktype is the pcap DLT_/LINKTYPE_ value; caplen bytes of data are
 * present, wirelen were on the wire. Never reads outside data[0..caplen). */
enum decode_result decode_packet(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                                 struct packet_view *out);

/* The transport header of a datagram put back together from fragments.
 * `out` already holds ip_version and the addresses; `payload` is the whole
 * fragmentable part (IPv6: starting with header `protocol`, which may be an
 * extension header), of which `missing` trailing bytes were cut. The view's
 * payload points into `payload`. */
enum decode_result decode_reassembled(uint8_t protocol, const uint8_t *payload, uint32_t len, uint32_t missing,
                                      struct packet_view *out);

/* The checksum verdict of a DECODE_OK view (its ip_header and tcp_header
 * bytes must still be valid): IPv4 header checksum, then the TCP checksum
 * over the pseudo-header and the whole segment. Reads nothing outside
 * what decode checked was captured. Costs one pass over the segment. */
enum decode_checksum decode_checksum(const struct packet_view *v);

/* RFC 1071 ones'-complement sum of n bytes, folded to 16 bits, in the
 * byte order of the machine's loads (the sum does not depend on it,
 * RFC 1071 §2(B)): 0xFFFF over data that holds its own right checksum. */
uint16_t decode_ones_sum(const uint8_t *data, size_t n);

const char *decode_checksum_name(enum decode_checksum c);

/* True when decode_packet knows this link type. */
int decode_link_supported(int linktype);

const char *decode_result_name(enum decode_result r);

#endif
