/* The passive POP3 tracker (RFC 1939, 2449, 2595, 5034). It sees the two
 * byte streams of one connection, already reassembled and in order, and
 * emits auth and session events. It knows nothing of packets or flows. */
#ifndef POP3SCOPE_POP3_H
#define POP3SCOPE_POP3_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum pop3_direction {
    POP3_FROM_CLIENT = 0,
    POP3_FROM_SERVER = 1,
};

/* Bounds for one session; every one is counted when hit, never fatal. */
struct pop3_limits {
    size_t max_line; /* bytes kept of one line; the rest is discarded to LF */
    size_t max_pending; /* commands waiting for their response (pipelining) */
};

#define POP3_DEFAULT_MAX_LINE 4096
#define POP3_DEFAULT_MAX_PENDING 512

struct pop3_session;

/* flow is copied; sink gets every event of this session. NULL on ENOMEM. */
struct pop3_session *pop3_session_new(const struct pop3_limits *limits, const struct event_flow *flow,
                                      struct event_time start, event_sink_fn sink, void *sink_ctx);

/* Bytes of the one allocation a tracker with these limits takes (the
 * struct and its buffers; limits NULL: the defaults), as reported in the
 * stats event's memory_sessions. 0 if such limits cannot be met. */
size_t pop3_session_size(const struct pop3_limits *limits);

/* Freed trackers kept for reuse: a tracker is one allocation of ~41 KiB (pop3_session_size)
 * (the line buffers), and a capture starts and ends thousands. A pool keeps
 * at most min(keep, 16) (keep 0: 16); it belongs to one thread, and must
 * outlive every session made in it. */
struct pop3_pool;

struct pop3_pool *pop3_pool_new(size_t keep);

/* Frees the kept trackers. Sessions made in the pool must be freed first. */
void pop3_pool_free(struct pop3_pool *pool);

/* Like pop3_session_new, taking a kept tracker from pool when there is
 * one; pop3_session_free gives it back. pool may be NULL. */
struct pop3_session *pop3_session_new_in(struct pop3_pool *pool, const struct pop3_limits *limits,
                                         const struct event_flow *flow, struct event_time start, event_sink_fn sink,
                                         void *sink_ctx);

/* In-order bytes of one direction. Any split of the stream into calls must
 * give the same events. */
void pop3_session_feed(struct pop3_session *s, enum pop3_direction dir, const uint8_t *data, size_t len,
                       struct event_time ts);

/* The frame whose bytes the next feed, gap or end call carries: only
 * recorded as evidence on auth events, never used to parse. The file name
 * is kept as a pointer: it must live as long as the session's events. */
void pop3_session_set_frame(struct pop3_session *s, struct event_frame_ref where);

/* Evidence for the session event: the inputs of the connection's first
 * and last packets (kept as pointers, like set_frame's). The caller sets
 * them again before pop3_session_end; end_file is printed only when it
 * differs from capture_file. */
void pop3_session_set_files(struct pop3_session *s, const char *capture_file, const char *end_file);

/* `missing` bytes of direction `dir` will never arrive. What they affect is
 * marked unknown; parsing resumes at the next line that is plainly a status
 * or a known command. */
void pop3_session_gap(struct pop3_session *s, enum pop3_direction dir, uint64_t missing, struct event_time ts);

/* classify recognised POP3 after an SSLproxy header line (not by port):
 * the tracker may take the first client line as that header (src/pop3.c,
 * pop3_proxy_line). Call before the first feed. */
void pop3_session_allow_proxy_header(struct pop3_session *s);

/* The connection is known to be TLS from its first byte (POP3S on 995). */
void pop3_session_set_implicit_tls(struct pop3_session *s);

/* Anomalies seen below the tracker (stream overlaps, snaplen cuts...). */
void pop3_session_note_anomaly(struct pop3_session *s, enum event_anomaly anomaly);

/* The first member of every struct pop3_session, so that the one question
 * the caller asks per packet is a single load that inlines, not a call
 * into the tracker (1.2% of cycles as a call). Read it only through
 * pop3_session_is_encrypted; the tracker alone writes it. */
struct pop3_session_head {
    int encrypted; /* set once, with the state POP3_STATE_ENCRYPTED */
};

/* True once the session carries only TLS bytes: the caller may stop
 * reassembling and only count. */
static inline int pop3_session_is_encrypted(const struct pop3_session *s)
{
    return s != NULL && ((const struct pop3_session_head *)(const void *)s)->encrypted;
}

/* Count bytes without parsing them (encrypted sessions). */
void pop3_session_count(struct pop3_session *s, enum pop3_direction dir, uint64_t len, struct event_time ts);

/* Emits any attempt still waiting for a verdict (outcome unknown), then the
 * session event. Call once; then only pop3_session_free is valid. */
void pop3_session_end(struct pop3_session *s, enum event_end how, struct event_time ts);

void pop3_session_free(struct pop3_session *s);

#endif
