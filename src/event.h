/* The records pop3scope reports. Every stage that has something to tell the
 * user builds one of these and hands it to an event sink; outputs, alerts and
 * the end-of-run report all consume the same stream (DESIGN.md). */
#ifndef POP3SCOPE_EVENT_H
#define POP3SCOPE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A byte string borrowed from the producer for the duration of one sink
 * call. Wire bytes: may hold NUL, CR, LF or invalid UTF-8; outputs escape.
 * data == NULL means "absent" (JSON null), len == 0 with data != NULL is an
 * empty string. */
struct event_bytes {
    const uint8_t *data;
    size_t len;
};

/* Packet time, never wall-clock time, so replays give identical output. */
struct event_time {
    int64_t sec;
    uint32_t usec;
};

/* The connection a record belongs to, with roles already decided. IPv4
 * addresses sit in the first four bytes of the 16-byte arrays. */
struct event_flow {
    uint64_t flow_id; /* 1, 2, 3... in order of first packet: deterministic */
    uint8_t ip_version; /* 4 or 6 */
    uint8_t client_addr[16];
    uint8_t server_addr[16];
    uint16_t client_port;
    uint16_t server_port;
};

/* X-macro lists keep each enum and its printed names from drifting apart. */
#define EVENT_OUTCOME_LIST(X) \
    X(OUTCOME_SUCCESS, "success") \
    X(OUTCOME_FAILURE, "failure") \
    X(OUTCOME_ABORTED, "aborted") \
    X(OUTCOME_UNKNOWN, "unknown")

#define EVENT_EXPOSURE_LIST(X) \
    X(EXPOSURE_NONE, "none") \
    X(EXPOSURE_CLEARTEXT, "cleartext") \
    X(EXPOSURE_HASH, "hash") \
    X(EXPOSURE_TOKEN, "token")

#define EVENT_TLS_LIST(X) \
    X(TLS_NONE, "none") \
    X(TLS_STLS, "stls") \
    X(TLS_IMPLICIT, "implicit")

#define EVENT_END_LIST(X) \
    X(END_QUIT, "quit") \
    X(END_FIN, "fin") \
    X(END_RST, "rst") \
    X(END_TIMEOUT, "timeout") \
    X(END_EVICTED, "evicted") \
    X(END_END_OF_INPUT, "end_of_input") \
    X(END_SHUTDOWN, "shutdown")

/* Short codes in a session's "anomalies" list. Each names something the
 * capture showed that a well-behaved POP3 exchange would not. */
#define EVENT_ANOMALY_LIST(X) \
    X(ANOMALY_LINE_TOO_LONG, "line_too_long") \
    X(ANOMALY_UNKNOWN_COMMAND, "unknown_command") \
    X(ANOMALY_UNEXPECTED_RESPONSE, "unexpected_response") \
    X(ANOMALY_JUNK_SERVER_LINE, "junk_server_line") \
    X(ANOMALY_BARE_CR, "bare_cr") \
    X(ANOMALY_NUL_IN_LINE, "nul_in_line") \
    X(ANOMALY_PIPELINE_OVERFLOW, "pipeline_overflow") \
    X(ANOMALY_BAD_BASE64, "bad_base64") \
    X(ANOMALY_MISSING_TERMINATOR, "missing_terminator") \
    X(ANOMALY_GAP, "gap") \
    X(ANOMALY_CLIENT_DATA_AFTER_QUIT, "client_data_after_quit") \
    X(ANOMALY_SERVER_SPOKE_FIRST_MISSING, "no_greeting") \
    X(ANOMALY_OVERLAP_CONFLICT, "overlap_conflict") \
    X(ANOMALY_OUT_OF_ORDER_LIMIT, "out_of_order_limit") \
    X(ANOMALY_TRUNCATED_PACKET, "truncated_packet") \
    X(ANOMALY_STLS_OFFERED_NOT_USED, "stls_offered_not_used") \
    X(ANOMALY_TLS_NOT_SEEN_AFTER_STLS, "tls_not_seen_after_stls") \
    X(ANOMALY_FIELD_TRUNCATED, "field_truncated")

#define EVENT_ENUM_ENTRY(name, text) name,
enum event_outcome { EVENT_OUTCOME_LIST(EVENT_ENUM_ENTRY) OUTCOME_COUNT };
enum event_exposure { EVENT_EXPOSURE_LIST(EVENT_ENUM_ENTRY) EXPOSURE_COUNT };
enum event_tls { EVENT_TLS_LIST(EVENT_ENUM_ENTRY) TLS_COUNT };
enum event_end { EVENT_END_LIST(EVENT_ENUM_ENTRY) END_COUNT };
enum event_anomaly { EVENT_ANOMALY_LIST(EVENT_ENUM_ENTRY) ANOMALY_COUNT };
#undef EVENT_ENUM_ENTRY

_Static_assert(ANOMALY_COUNT <= 64, "anomalies are kept in a uint64_t bit set");

const char *event_outcome_name(enum event_outcome v);
const char *event_exposure_name(enum event_exposure v);
const char *event_tls_name(enum event_tls v);
const char *event_end_name(enum event_end v);
const char *event_anomaly_name(enum event_anomaly v);

/* One authorization attempt, emitted when the server's verdict arrives, or
 * with OUTCOME_UNKNOWN when the session ends (or a gap swallows the verdict)
 * before it does. */
struct event_auth {
    struct event_time ts; /* time of the verdict (or of the end) */
    const struct event_flow *flow;
    unsigned attempt; /* 1-based index of this attempt within the session */
    const char *method; /* "USER", "APOP", or the SASL mechanism upper-cased */
    struct event_bytes user; /* absent when the exchange never showed one */
    struct event_bytes authzid; /* SASL authorization identity, when sent */
    enum event_outcome outcome;
    enum event_exposure exposure; /* judged on what crossed the wire */
    struct event_bytes password; /* the secret (password, token, digest):
                                    outputs print it only with
                                    --show-passwords */
    struct event_bytes response; /* the verdict line's text after the
                                    status word and any response code */
    const char *resp_code; /* "AUTH", "IN-USE", "SYS/TEMP"... or NULL */
};

/* One POP3 connection, emitted when it ends or at the end of input. */
struct event_session {
    struct event_time ts_start;
    struct event_time ts_end;
    const struct event_flow *flow;
    struct event_bytes banner; /* greeting text after "+OK ", absent if unseen */
    struct event_bytes apop_timestamp; /* "<...>" from the greeting, if any */
    struct event_bytes user; /* the authenticated user, absent if none */
    const char *auth_method; /* method of the successful login, or NULL */
    unsigned auth_attempts;
    unsigned auth_failures;
    enum event_tls tls;
    bool maildrop_known; /* false: messages and octets print as null */
    bool maildrop_octets_known; /* "+OK 3 messages" gives no size: null */
    uint64_t maildrop_messages;
    uint64_t maildrop_octets;
    uint64_t retr_count; /* RETR answered +OK */
    uint64_t retr_octets; /* un-stuffed body bytes of those replies */
    uint64_t top_count;
    uint64_t dele_count; /* DELE answered +OK */
    bool deletions_committed;
    uint64_t messages_deleted;
    uint64_t commands; /* client command lines seen */
    uint64_t client_bytes; /* payload bytes client -> server */
    uint64_t server_bytes;
    enum event_end end;
    uint64_t gap_bytes; /* bytes missing from the capture, both directions */
    uint64_t anomalies; /* bit (1 << enum event_anomaly) per anomaly seen */
};

enum event_type { EVENT_AUTH, EVENT_SESSION };

struct event {
    enum event_type type;
    union {
        struct event_auth auth;
        struct event_session session;
    } u;
};

/* Consumers get events as const and copy what they keep. */
typedef void (*event_sink_fn)(void *ctx, const struct event *ev);

/* "2026-11-26T05:15:49.123456Z" into buf (at least EVENT_TIME_TEXT_SIZE). */
#define EVENT_TIME_TEXT_SIZE 32
void event_time_format(struct event_time t, char *buf, size_t size);

/* Dotted IPv4 or RFC 5952 IPv6 text into buf (at least 46 bytes). */
#define EVENT_ADDR_TEXT_SIZE 46
void event_addr_format(uint8_t ip_version, const uint8_t addr[16], char *buf, size_t size);

#endif
