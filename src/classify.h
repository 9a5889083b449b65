/* What a flow is: POP3, POP3S, not yet known, or something else. Ports
 * decide 110 and 995; any other port goes through our own probe (nDPI 4.2
 * names POP3 only after a PASS line, too late and too narrow to be the
 * gate). The only module that includes nDPI. */
#ifndef POP3SCOPE_CLASSIFY_H
#define POP3SCOPE_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define CLASSIFY_VERDICT_LIST(X)                                                                                       \
    X(CLASSIFY_UNDECIDED, "undecided")                                                                                 \
    X(CLASSIFY_POP3, "pop3")                                                                                           \
    X(CLASSIFY_POP3S, "pop3s")                                                                                         \
    X(CLASSIFY_OTHER, "other")

#define CLASSIFY_ENUM_ENTRY(name, text) name,
enum classify_verdict { CLASSIFY_VERDICT_LIST(CLASSIFY_ENUM_ENTRY) CLASSIFY_VERDICT_COUNT };
#undef CLASSIFY_ENUM_ENTRY

#define CLASSIFY_PORT_POP3 110  /* RFC 1939 §3 */
#define CLASSIFY_PORT_POP3S 995 /* RFC 8314 §3.3 */

/* RFC 2449 §4: a response's first line, greeting included, is at most 512
 * octets with its CRLF. A longer "greeting" is not POP3. */
#define CLASSIFY_GREETING_MAX 512

/* A payload-carrying flow on another port gets this many packets to show
 * a greeting and a command before it is written off as not POP3. */
#define CLASSIFY_PROBE_MAX_PACKETS 16

struct classify_greeting;

/* Probe state for one flow on a port that does not say what it is. Small
 * while idle: the greeting buffer is allocated only once the server's first
 * bytes look like "+OK". */
struct classify_probe {
    struct classify_greeting *greeting;
    uint8_t client_bytes[8]; /* the start of the client's first line */
    uint8_t client_len;
    uint8_t state;
    uint8_t packets;
};

/* Verdict from the ports alone: POP3, POP3S or UNDECIDED. */
enum classify_verdict classify_by_ports(uint16_t port_a, uint16_t port_b);

/* True for the well-known POP3 and POP3S server ports. */
int classify_is_server_port(uint16_t port);

/* True when a payload starts like a POP3 server line ("+OK" or "-ERR", or
 * a prefix of one): decides which side is the server when neither the
 * handshake nor the ports tell. */
int classify_looks_like_server(const uint8_t *payload, size_t len);

/* In-order bytes from the server while undecided. UNDECIDED or OTHER. */
enum classify_verdict classify_probe_server(struct classify_probe *p, const uint8_t *data, size_t len,
                                            struct event_time ts);

/* In-order bytes from the client while undecided. POP3 when the first
 * client line starts with a POP3 command after a "+OK" greeting. On POP3,
 * *earlier is set to how many bytes of client_bytes came from earlier
 * calls: the caller replays those, then this call's data. */
enum classify_verdict classify_probe_client(struct classify_probe *p, const uint8_t *data, size_t len, size_t *earlier);

/* One more payload packet without a verdict; OTHER once the bound is hit. */
enum classify_verdict classify_probe_packet(struct classify_probe *p);

/* The server bytes kept for replay (greeting first line and anything after
 * it before the client spoke), and when the first of them arrived. NULL
 * when none were kept. */
const uint8_t *classify_probe_greeting(const struct classify_probe *p, size_t *len, struct event_time *ts);

/* Frees the greeting buffer; the probe is then back to its empty state. */
void classify_probe_release(struct classify_probe *p);

const char *classify_verdict_name(enum classify_verdict v);

/* "4.2.0-..." from the nDPI library we are linked with. */
const char *classify_ndpi_version(void);

/* Naming the application of non-POP3 flows with nDPI (for statistics) is a
 * later issue; it belongs here, behind this header, so no other module
 * sees nDPI types. */

#endif
