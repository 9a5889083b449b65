/* What a flow is: POP3, POP3S, not yet known, or something else. Ports
 * decide 110 and 995; any other port goes through our own probe (nDPI 4.2
 * names POP3 only after a PASS line, too late and too narrow to be the
 * gate). nDPI then names every flow's application. The only module that
 * includes nDPI. */
#ifndef POP3SCOPE_CLASSIFY_H
#define POP3SCOPE_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "event.h"

enum classify_verdict { CLASSIFY_UNDECIDED, CLASSIFY_POP3, CLASSIFY_POP3S, CLASSIFY_OTHER };

#define CLASSIFY_PORT_POP3 110  /* RFC 1939 §3 */
#define CLASSIFY_PORT_POP3S 995 /* RFC 8314 §3.3 */

/* RFC 2449 §4: a response's first line, greeting included, is at most 512
 * octets with its CRLF. A longer "greeting" is not POP3. */
#define CLASSIFY_GREETING_MAX 512

struct classify_greeting;
struct classify_proxy_bytes;

/* Probe state for one flow on a port that does not say what it is. Small
 * while idle: the greeting buffer is allocated only once the server's first
 * bytes look like "+OK", the proxy buffer only once the client's first
 * bytes look like an SSLproxy header (src/sslproxy.h). */
struct classify_probe {
    struct classify_greeting *greeting;
    struct classify_proxy_bytes *proxy; /* the client's bytes, header first */
    uint8_t client_bytes[8]; /* the start of the client's first line */
    uint8_t client_len;
    uint8_t state;
    uint8_t proxy_state; /* internal: header being read / read */
    bool proxy_server_first; /* the server's "+OK" came before the header */
    uint16_t proxy_split; /* server bytes kept before the header began */
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

/* SSLproxy divert (issue 12.3): on a port that does not say POP3, a flow
 * whose client opens with a strictly valid SSLproxy header line is POP3
 * once the line is complete when a "+OK" greeting came before it; the
 * greeting missing, when the server's first line after the header is a
 * POP3 status ("+OK" or "-ERR"), and a client that sends more first must
 * send a POP3 command. Server bytes while the header line is incomplete
 * make it OTHER. Whether anyone stripped the header is the tracker's to
 * settle (src/pop3.c). On that verdict
 * (classify_probe_server may return POP3 too) every byte of both sides is
 * kept: the caller replays the first `split` bytes of classify_probe_greeting
 * (server), then `client`, then the rest of the server bytes, which is the
 * order they crossed the wire. */
bool classify_probe_proxy(const struct classify_probe *p, const uint8_t **client, size_t *client_len,
                          size_t *split);

/* The server bytes kept for replay (greeting first line and anything after
 * it before the client spoke), and when the first of them arrived. NULL
 * when none were kept. */
const uint8_t *classify_probe_greeting(const struct classify_probe *p, size_t *len, struct event_time *ts);

/* Frees the greeting buffer; the probe is then back to its empty state. */
void classify_probe_release(struct classify_probe *p);

/* "4.2.0-..." from the nDPI library we are linked with. */
const char *classify_ndpi_version(void);

/* ------------------------------------------------ naming applications */

/* nDPI names what every flow carries: the application behind each
 * non-POP3 flow for the end-of-run picture, and POP3S sessions. It is fed
 * a bounded number of payload packets per flow, then its per-flow state
 * goes back to a pool; a flow that never carries payload costs nothing.
 * No nDPI type leaves classify.c.
 *
 * A cleartext POP3 session (verdict POP3, and the server's first payload
 * a POP3 status line) is not given to nDPI: its dissectors would run on
 * every packet of the login to say what our own tracker already knows.
 * It is named "POP3" here, with nDPI 4.2's risks for it, by the rules
 * nDPI applies to POP3 (see classify.c and the README, "What nDPI says
 * about a POP3 session"). */

/* Payload packets fed per flow. nDPI 4.2 names a cleartext POP3 session
 * within its login, a TLS one within its handshake (certificate included);
 * what it has not named by then it guesses from the ports. On every sample
 * and peer capture 12 give the same names and risks as 24; a flow nDPI
 * cannot name costs about 2 us per packet fed, so this is the bound on it. */
#define CLASSIFY_NDPI_MAX_PACKETS 16
/* nDPI states alive at once (688 bytes each, plus what nDPI keeps for a
 * TLS handshake); beyond it a new flow is not named, and that is counted. */
#define CLASSIFY_NDPI_DEFAULT_MAX_FLOWS 16384

struct classify_options {
    bool ndpi; /* false (--no-ndpi): nothing is fed to nDPI */
    unsigned max_packets; /* per flow, 1..255 */
    size_t max_ndpi_flows; /* at least 1 */
};

void classify_options_default(struct classify_options *opts);

struct classify_context;
struct classify_ndpi_flow;

/* STLS confirmation (RFC 2595 §4): after "+OK" to STLS, the client's next
 * bytes must be a TLS handshake record (0x16 0x03...). */
enum classify_stls_check {
    CLASSIFY_STLS_WAITING = 0, /* no client byte since the upgrade yet */
    CLASSIFY_STLS_PARTIAL, /* one byte, 0x16, seen */
    CLASSIFY_STLS_CONFIRMED, /* a TLS record followed */
    CLASSIFY_STLS_REFUTED, /* something else followed */
};

/* What a flow is, as far as nDPI tells; lives in struct flow. Zeroed is
 * the valid starting state. */
struct classify_app {
    struct classify_ndpi_flow *ndpi; /* nDPI's state while it is fed */
    uint64_t risks; /* bit (1 << ndpi_risk_enum) per risk nDPI raised */
    uint64_t bytes; /* TCP payload bytes of the flow, both directions */
    uint16_t master; /* nDPI protocol ids, 0 while unknown */
    uint16_t app;
    uint8_t state; /* internal: idle, fed, named */
    uint8_t packets; /* payload packets fed to nDPI */
    uint8_t stls; /* enum classify_stls_check */
    uint8_t flags; /* internal: CLASSIFY_APP_F_* in classify.c */
};

/* NULL on ENOMEM or when nDPI cannot start. */
struct classify_context *classify_context_new(const struct classify_options *opts);
void classify_context_free(struct classify_context *c);

/* One packet of the flow (any verdict, any direction): counts its payload
 * and feeds nDPI while nDPI is still learning something. `verdict` is the
 * flow's verdict before this packet's bytes are read; a POP3 flow whose
 * server spoke first, with a POP3 status line, is named here instead
 * (also when the probe decides it after nDPI was given its first packets:
 * nDPI's state is then dropped). */
void classify_app_packet(struct classify_context *c, struct classify_app *a, const struct packet_view *v,
                         struct event_time ts, enum classify_verdict verdict, bool from_client);

/* nDPI will see no more of this flow (it ended, or went where nDPI 4.2
 * does not follow, like TLS after STLS): its name and risks are settled
 * and its nDPI state is freed. Idempotent. */
void classify_app_stop(struct classify_context *c, struct classify_app *a);

/* A cleartext POP3 login on the flow succeeded. nDPI 4.2 finds what it can
 * about a POP3 session (its name after PASS, the clear-text credentials
 * risk) in the authorization phase; after it, each packet fed would cost
 * nDPI work and change nothing, so nDPI is stopped as by classify_app_stop. A session named by
 * classify.c goes on being watched for credentials sent in clear. */
void classify_app_login(struct classify_context *c, struct classify_app *a);

/* The flow ended: stops nDPI, and a flow that was not a POP3 session is
 * added to the per-application totals. A POP3 session that the probe
 * confirmed at its very last packet is named by classify.c here, like
 * one confirmed earlier. Call once per flow. */
void classify_app_end(struct classify_context *c, struct classify_app *a, bool pop3_session);

/* Frees the flow's nDPI state without counting it (tear-down). */
void classify_app_release(struct classify_context *c, struct classify_app *a);

/* nDPI's name for the flow ("POP3", "POPS", "TLS.Google") into buf. A flow
 * our probe proved to be POP3 that nDPI could not name (or --no-ndpi) is
 * named from the verdict, in nDPI's words: "POP3" or "POPS". NULL when
 * there is no name. */
const char *classify_app_name(const struct classify_context *c, const struct classify_app *a,
                              enum classify_verdict v, char *buf, size_t size);

/* nDPI's names for the risks of the flow, into names[0..max). Returns how
 * many; the strings are nDPI's own constants. */
size_t classify_app_risk_names(const struct classify_app *a, const char **names, size_t max);

/* True when the bytes start like a TLS record of any kind (0x14..0x17,
 * 0x03): implicit TLS on a port that was meant for cleartext POP3. */
int classify_looks_like_tls(const uint8_t *data, size_t len);

/* Client bytes after a STLS upgrade; returns the new state. Once
 * CONFIRMED or REFUTED it does not change. */
enum classify_stls_check classify_stls_observe(struct classify_app *a, const uint8_t *data, size_t len);

/* A session event went by: it feeds the mail picture. */
void classify_note_session(struct classify_context *c, const struct event_session *s);

/* The mail picture and the top other applications by bytes, for the
 * EVENT_APP_SUMMARY record. Storage belongs to the context and stays
 * valid until the next call or classify_context_free. */
const struct event_app_summary *classify_summary(struct classify_context *c, struct event_time ts);

/* --threads: adds `from`'s application totals and mail picture to
 * `into`'s (same nDPI build, so the same protocol ids), so one summary
 * covers every shard. */
void classify_merge(struct classify_context *into, const struct classify_context *from);

#endif
