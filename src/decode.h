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
};

enum decode_result {
    DECODE_OK, /* a TCP segment; view filled */
    DECODE_NOT_TCP, /* well-formed, but not TCP over IP: skip silently */
    DECODE_UNSUPPORTED_LINK, /* a link type we do not decode */
    DECODE_FRAGMENT, /* an IP fragment (reassembly: a later issue) */
    DECODE_TRUNCATED, /* headers cut by snaplen: nothing usable */
    DECODE_MALFORMED, /* a header that lies (lengths, offsets) */
};

/* linktype is the pcap DLT_/LINKTYPE_ value; caplen bytes of data are
 * present, wirelen were on the wire. Never reads outside data[0..caplen). */
enum decode_result decode_packet(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                                 struct packet_view *out);

/* True when decode_packet knows this link type. */
int decode_link_supported(int linktype);

const char *decode_result_name(enum decode_result r);

#endif
