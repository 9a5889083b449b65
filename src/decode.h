/* Link layer to TCP: turns one captured frame into a view that points into
 * the capture buffer (no copy). All reads go through cursor.h. */
#ifndef POP3SCOPE_DECODE_H
#define POP3SCOPE_DECODE_H

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

struct packet_view {
    uint8_t ip_version; /* 4 or 6 */
    uint8_t src_addr[16]; /* IPv4 in the first four bytes, rest zero */
    uint8_t dst_addr[16];
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint8_t tcp_flags;
    uint16_t window;
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

/* True when decode_packet knows this link type. */
int decode_link_supported(int linktype);

const char *decode_result_name(enum decode_result r);

#endif
