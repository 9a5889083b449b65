/* The records pop3scope reports. Every stage that has something to tell the
 * user builds one of these and hands it to an event sink; outputs, alerts and
 * the end-of-run report all consume the same stream (DESIGN.md). */
#ifndef POP3SCOPE_EVENT_H
#define POP3SCOPE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* Byte strings in events are struct bytes (bytes.h), borrowed from the
 * producer for the duration of one sink call; outputs escape them. */

/* Packet time, never wall-clock time, so replays give identical output. */
struct event_time {
    int64_t sec;
    uint32_t usec;
};

/* The original connection of a stream that a TLS proxy decrypted and
 * diverted (SSLproxy's header line, src/sslproxy.h). present is false on
 * every other flow, and outputs then print nothing for it. */
struct event_proxy {
    bool present;
    bool tls; /* "s": the original connection was SSL/TLS; "p": plain */
    uint8_t ip_version; /* of client and server */
    uint8_t listener_version;
    uint16_t listener_port;
    uint16_t client_port;
    uint16_t server_port;
    uint8_t listener_addr[16];
    uint8_t client_addr[16];
    uint8_t server_addr[16];
};

/* A Community ID v1 string ("1:" + 28 base64 characters) and its NUL. */
#define EVENT_COMMUNITY_ID_SIZE 31

/* The connection a record belongs to, with roles already decided. IPv4
 * addresses sit in the first four bytes of the 16-byte arrays. */
struct event_flow {
    uint64_t flow_id; /* 1, 2, 3... in order of first packet: deterministic */
    uint8_t ip_version; /* 4 or 6 */
    uint8_t client_addr[16];
    uint8_t server_addr[16];
    uint16_t client_port;
    uint16_t server_port;
    struct event_proxy proxy; /* set by the tracker once it is sure */
    /* Community ID v1 of the observed connection (community_id.h), set
     * once when the tracker is created; "" when it could not be. */
    char community_id[EVENT_COMMUNITY_ID_SIZE];
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
    X(ANOMALY_FIELD_TRUNCATED, "field_truncated") \
    X(ANOMALY_BAD_CHECKSUM, "bad_checksum") \
    X(ANOMALY_SEQ_UNUSABLE, "seq_unusable")

/* Capabilities a server can list in its CAPA reply (RFC 2449 §6, RFC 2595
 * §4 STLS, RFC 6856 UTF8 and LANG). */
#define EVENT_CAPA_LIST(X) \
    X(CAPA_TOP, "TOP") \
    X(CAPA_USER, "USER") \
    X(CAPA_SASL, "SASL") \
    X(CAPA_RESP_CODES, "RESP-CODES") \
    X(CAPA_LOGIN_DELAY, "LOGIN-DELAY") \
    X(CAPA_PIPELINING, "PIPELINING") \
    X(CAPA_EXPIRE, "EXPIRE") \
    X(CAPA_UIDL, "UIDL") \
    X(CAPA_IMPLEMENTATION, "IMPLEMENTATION") \
    X(CAPA_AUTH_RESP_CODE, "AUTH-RESP-CODE") \
    X(CAPA_STLS, "STLS") \
    X(CAPA_UTF8, "UTF8") \
    X(CAPA_LANG, "LANG")

/* What the alert detectors (alert.c) report. */
#define EVENT_ALERT_KIND_LIST(X) \
    X(ALERT_BRUTE_FORCE_ACCOUNT, "brute_force_account") \
    X(ALERT_BRUTE_FORCE_CLIENT, "brute_force_client") \
    X(ALERT_PASSWORD_SPRAYING, "password_spraying") \
    X(ALERT_GUESSED_PASSWORD, "guessed_password") \
    X(ALERT_CLEARTEXT_CREDENTIALS, "cleartext_credentials") \
    X(ALERT_STLS_NOT_USED, "stls_offered_not_used")

#define EVENT_ENUM_ENTRY(name, text) name,
enum event_outcome { EVENT_OUTCOME_LIST(EVENT_ENUM_ENTRY) OUTCOME_COUNT };
enum event_exposure { EVENT_EXPOSURE_LIST(EVENT_ENUM_ENTRY) EXPOSURE_COUNT };
enum event_tls { EVENT_TLS_LIST(EVENT_ENUM_ENTRY) TLS_COUNT };
enum event_end { EVENT_END_LIST(EVENT_ENUM_ENTRY) END_COUNT };
enum event_anomaly { EVENT_ANOMALY_LIST(EVENT_ENUM_ENTRY) ANOMALY_COUNT };
enum event_capa { EVENT_CAPA_LIST(EVENT_ENUM_ENTRY) CAPA_COUNT };
enum event_alert_kind { EVENT_ALERT_KIND_LIST(EVENT_ENUM_ENTRY) ALERT_KIND_COUNT };
#undef EVENT_ENUM_ENTRY

/* A yes/no the capture may not settle. */
enum event_tristate { TRISTATE_UNKNOWN, TRISTATE_NO, TRISTATE_YES };

_Static_assert(ANOMALY_COUNT <= 64, "anomalies are kept in a uint64_t bit set");
_Static_assert(CAPA_COUNT <= 32, "capabilities are kept in a uint32_t bit set");

const char *event_outcome_name(enum event_outcome v);
const char *event_exposure_name(enum event_exposure v);
const char *event_tls_name(enum event_tls v);
const char *event_end_name(enum event_end v);
const char *event_anomaly_name(enum event_anomaly v);
const char *event_capa_name(enum event_capa v);
const char *event_alert_kind_name(enum event_alert_kind v);

/* Where bytes came from, for an auditor who opens the packets
 * (frame.number == number): the capture file as given on the command line
 * (NULL live; the string lives for the whole run) and the frame's 1-based
 * number in that file, counting records a -f filter dropped. Live, the
 * number counts the packets pop3scope received since start, on every
 * interface (after what the kernel dropped). */
struct event_frame_ref {
    const char *file;
    uint64_t number;
};

/* One authorization attempt, emitted when the server's verdict arrives, or
 * with OUTCOME_UNKNOWN when the session ends (or a gap swallows the verdict)
 * before it does. */
struct event_auth {
    struct event_time ts; /* time of the verdict (or of the end) */
    const struct event_flow *flow;
    unsigned attempt; /* 1-based index of this attempt within the session */
    const char *method; /* "USER", "APOP", or the SASL mechanism upper-cased */
    struct bytes user; /* absent when the exchange never showed one */
    struct bytes authzid; /* SASL authorization identity, when sent */
    enum event_outcome outcome;
    enum event_exposure exposure; /* judged on what crossed the wire */
    struct bytes password; /* the secret (password, token, digest):
                              outputs print it only with
                              --show-passwords */
    struct bytes response; /* the verdict line's text after the
                              status word and any response code */
    const char *resp_code; /* "AUTH", "IN-USE", "SYS/TEMP"... or NULL */
    struct bytes realm; /* DIGEST-MD5 realm or NTLM domain, if sent */
    /* Whether the credentials were right, as far as the verdict tells:
     * YES on success and on [IN-USE] (RFC 2449 §8: authenticated, but the
     * mailbox is locked), NO on [AUTH] (RFC 3206) or a plain failure of a
     * complete exchange, UNKNOWN otherwise (aborted, no verdict, SYS/...). */
    enum event_tristate credentials_valid;
    /* Offline-guessing material for hashcat/John (APOP, CRAM-MD5, NTLM);
     * outputs print it only with --show-passwords. Absent otherwise. */
    struct bytes crack;
    /* Overlapping TCP copies that differ were seen while the attempt was
     * open, or before it began and after the previous one: the bytes it
     * was read from may not be what the server read (stream.c). */
    bool overlap_conflict;
    /* Evidence: the frames whose bytes completed the command that opened
     * the attempt and the reply that decided it (0: unseen; where a line
     * spans segments, the frame holding its end), numbered as Wireshark
     * numbers them in their file (struct event_frame_ref). capture_file
     * is the command's file (the reply's when the command is unseen),
     * reply_file the reply's: they differ only when a rotated capture
     * (tcpdump -C) put the two in different files. NULL when live. */
    const char *capture_file;
    const char *reply_file;
    uint64_t command_frame;
    uint64_t reply_frame;
};

/* One POP3 connection, emitted when it ends or at the end of input. */
struct event_session {
    struct event_time ts_start;
    struct event_time ts_end;
    const struct event_flow *flow;
    struct bytes banner; /* greeting text after "+OK ", absent if unseen */
    struct bytes apop_timestamp; /* "<...>" from the greeting, if any */
    struct bytes user; /* the authenticated user, absent if none */
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
    bool capa_seen; /* a CAPA reply was seen: capabilities is meaningful */
    uint32_t capabilities; /* bit (1 << enum event_capa) per capability */
    struct bytes sasl_mechanisms; /* CAPA "SASL" arguments, or absent */
    struct bytes implementation; /* CAPA "IMPLEMENTATION" text */
    bool stls_offered; /* CAPA listed STLS */
    const char *app_proto; /* nDPI's name for the flow, NULL if none */
    const char *const *risks; /* nDPI risk names that apply */
    size_t risk_count;
    /* Evidence (struct event_frame_ref): the file of the connection's first
     * packet, and of the last packet the session saw; they differ only when
     * a rotated capture (tcpdump -C) split the connection. NULL live. */
    const char *capture_file;
    const char *end_file;
};

/* A detector fired (alert.c). Windows run on packet time. */
struct event_alert {
    struct event_time ts; /* packet time of the event that fired it */
    enum event_alert_kind kind;
    const struct event_flow *flow; /* the connection whose event fired it */
    struct bytes user; /* the account it is about, or absent */
    uint64_t count; /* failures (or accounts, for spraying) in the window */
    uint64_t threshold; /* the count that makes it fire */
    uint32_t window; /* seconds; 0 when the alert has no window */
    struct event_time window_start; /* first event counted */
    /* Evidence: the capture_file of the auth or session event that fired
     * it (NULL live). */
    const char *capture_file;
};

/* Periodic counters for a running sensor (--stats-interval, SIGUSR1). */
struct event_stats {
    struct event_time ts; /* packet time of the newest packet */
    uint64_t packets;
    uint64_t bytes;
    uint64_t kernel_received; /* pcap_stats ps_recv; 0 for files */
    uint64_t kernel_drops; /* ps_drop: the kernel buffer overflowed */
    uint64_t interface_drops; /* ps_ifdrop */
    uint64_t flows_active;
    uint64_t sessions_active;
    uint64_t flows_evicted;
    uint64_t sessions_refused; /* POP3 connections not analyzed: every
                                  tracker busy (--max-sessions) */
    uint64_t memory_flows; /* bytes held by each pool */
    uint64_t memory_sessions;
    uint64_t memory_reassembly;
    uint64_t events_written;
    uint64_t output_drops; /* events --emit plugins dropped (sink down,
                              queue full, line too long) */
};

/* One application in the end-of-run picture. */
struct event_app_total {
    const char *name; /* nDPI's name: "HTTP", "TLS", "Unknown"... */
    uint64_t flows;
    uint64_t bytes; /* TCP payload bytes, both directions, as captured */
};

/* At most this many applications are listed; the rest are summed. */
#define EVENT_APP_TOP 10

/* The capture's mail picture and the applications beside it: emitted once,
 * by analyzer_finish, after every session event. */
struct event_app_summary {
    struct event_time ts; /* newest packet time */
    uint64_t mail_sessions[TLS_COUNT]; /* POP3 sessions by event_tls */
    uint64_t mail_bytes[TLS_COUNT]; /* their client + server bytes */
    bool ndpi; /* false with --no-ndpi: other flows were not named */
    const struct event_app_total *apps; /* non-POP3 flows by application,
                                           most bytes first */
    size_t app_count; /* at most EVENT_APP_TOP */
    uint64_t more_flows; /* non-POP3 flows not in apps (all, without nDPI) */
    uint64_t more_bytes;
    uint64_t flows_without_payload; /* connections that carried no byte */
    uint64_t flows_not_named; /* nDPI's flow limit kept them unnamed */
};

/* How far each input file was read: the end-of-run record's words. */
#define EVENT_INPUT_LIST(X) \
    X(INPUT_READ, "read") /* to its end */ \
    X(INPUT_DAMAGED, "damaged") /* stopped part-way; what came before stands */ \
    X(INPUT_CUT, "cut") /* ends inside a record: still being written, or an incomplete copy */ \
    X(INPUT_UNREADABLE, "unreadable") /* missing, a directory, empty, not a capture */

#define EVENT_ENUM_ENTRY(name, text) name,
enum event_input_status { EVENT_INPUT_LIST(EVENT_ENUM_ENTRY) INPUT_STATUS_COUNT };
#undef EVENT_ENUM_ENTRY

const char *event_input_status_name(enum event_input_status v);

/* End of a file run where some input was not read to its end: which, and
 * why, so a reader knows the picture is partial. Emitted once, just before
 * the output finishes, only when an input failed and another was read.
 * The arrays are borrowed for the call. */
struct event_run_end {
    size_t input_count;
    const char *const *inputs; /* as given on the command line */
    const unsigned char *status; /* enum event_input_status per input */
    const char *const *errors; /* per input: why it failed, or NULL */
};

enum event_type { EVENT_AUTH, EVENT_SESSION, EVENT_ALERT, EVENT_STATS, EVENT_APP_SUMMARY, EVENT_RUN_END };

struct event {
    enum event_type type;
    union {
        struct event_auth auth;
        struct event_session session;
        struct event_alert alert;
        struct event_stats stats;
        struct event_app_summary app_summary;
        struct event_run_end run_end;
    } u;
};

/* Consumers get events as const and copy what they keep. */
typedef void (*event_sink_fn)(void *ctx, const struct event *ev);

#endif
