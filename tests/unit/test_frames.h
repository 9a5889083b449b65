/* Frames for tests that drive the analyzer packet by packet: raw IPv4 or
 * IPv6 (no link header) carrying TCP, written byte by byte so a test reads
 * as the exchange it sends, and an event recorder that keeps what the
 * tests assert on. Included by tests/unit/test_flow.c and tests/unit/test_ipfrag.c. */
#ifndef POP3SCOPE_TEST_FRAMES_H
#define POP3SCOPE_TEST_FRAMES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "decode.h"
#include "event.h"

#define FRAME_LINK_IPV4 228 /* LINKTYPE_IPV4: the frame starts with the IP header */
#define FRAME_LINK_IPV6 229
#define FRAME_MAX 2048

struct frame {
    uint8_t bytes[FRAME_MAX];
    uint32_t len;
};

/* One side of a connection: its address, port and next sequence number. */
struct peer {
    uint8_t addr[16];
    uint16_t port;
    uint32_t seq;
};

static inline void frame_u8(struct frame *f, unsigned v)
{
    if (f->len < FRAME_MAX)
        f->bytes[f->len++] = (uint8_t)v;
}

static inline void frame_be16(struct frame *f, unsigned v)
{
    frame_u8(f, v >> 8 & 0xFFu);
    frame_u8(f, v & 0xFFu);
}

static inline void frame_be32(struct frame *f, uint32_t v)
{
    frame_be16(f, v >> 16);
    frame_be16(f, v & 0xFFFFu);
}

static inline void frame_bytes(struct frame *f, const void *data, size_t n)
{
    if (n <= FRAME_MAX - f->len) {
        memcpy(f->bytes + f->len, data, n);
        f->len += (uint32_t)n;
    }
}

/* A TCP header and payload. */
static inline void frame_tcp(struct frame *f, const struct peer *from, const struct peer *to, uint32_t seq, uint32_t ack,
                      uint8_t flags, const char *payload, size_t len)
{
    frame_be16(f, from->port);
    frame_be16(f, to->port);
    frame_be32(f, seq);
    frame_be32(f, ack);
    frame_u8(f, 5u << 4);
    frame_u8(f, flags);
    frame_be16(f, 65535);
    frame_be32(f, 0); /* checksum, urgent pointer */
    frame_bytes(f, payload, len);
}

/* IPv4 header: total length, identification, flags and offset (in bytes;
 * must be a multiple of 8), protocol. */
static inline void frame_ipv4(struct frame *f, const struct peer *from, const struct peer *to, uint32_t l4_len, unsigned id,
                       unsigned offset, int more)
{
    frame_u8(f, 0x45);
    frame_u8(f, 0);
    frame_be16(f, 20 + l4_len);
    frame_be16(f, id);
    frame_be16(f, (more ? 0x2000u : 0u) | offset / 8u);
    frame_u8(f, 64);
    frame_u8(f, 6);
    frame_be16(f, 0);
    frame_bytes(f, from->addr, 4);
    frame_bytes(f, to->addr, 4);
}

/* A whole IPv4 TCP segment from `from` to `to`. */
static inline struct frame frame_segment(const struct peer *from, const struct peer *to, uint32_t seq, uint32_t ack,
                                  uint8_t flags, const char *payload)
{
    struct frame f;
    size_t n = strlen(payload);

    f.len = 0;
    frame_ipv4(&f, from, to, (uint32_t)(20 + n), 1, 0, 0);
    frame_tcp(&f, from, to, seq, ack, flags, payload, n);
    return f;
}

/* ------------------------------------------------------------- events */

#define RECORDED_MAX 32

struct recorded {
    enum event_type type;
    uint64_t flow_id;
    uint16_t client_port;
    uint16_t server_port;
    unsigned attempt;
    enum event_outcome outcome;
    char method[24];
    char user[64];
    char response[64];
    enum event_end end;
    uint64_t gap_bytes;
    uint64_t client_bytes;
    uint64_t server_bytes;
    uint64_t anomalies;
    struct event_time ts;
};

struct recorder {
    struct recorded ev[RECORDED_MAX];
    size_t count;
};

static inline void recorder_text(char *dst, size_t size, struct bytes b)
{
    size_t n = b.len < size - 1 ? b.len : size - 1;

    if (b.data == NULL) {
        snprintf(dst, size, "(null)");
        return;
    }
    memcpy(dst, b.data, n);
    dst[n] = '\0';
}

static inline void recorder_sink(void *ctx, const struct event *ev)
{
    struct recorder *r = ctx;
    struct recorded *out;

    if ((ev->type != EVENT_AUTH && ev->type != EVENT_SESSION) || r->count == RECORDED_MAX)
        return;
    out = &r->ev[r->count++];
    memset(out, 0, sizeof *out);
    out->type = ev->type;
    if (ev->type == EVENT_AUTH) {
        const struct event_auth *a = &ev->u.auth;

        out->flow_id = a->flow->flow_id;
        out->client_port = a->flow->client_port;
        out->server_port = a->flow->server_port;
        out->attempt = a->attempt;
        out->outcome = a->outcome;
        snprintf(out->method, sizeof out->method, "%s", a->method);
        recorder_text(out->user, sizeof out->user, a->user);
        recorder_text(out->response, sizeof out->response, a->response);
        out->ts = a->ts;
    } else {
        const struct event_session *s = &ev->u.session;

        out->flow_id = s->flow->flow_id;
        out->client_port = s->flow->client_port;
        out->server_port = s->flow->server_port;
        out->end = s->end;
        out->gap_bytes = s->gap_bytes;
        out->client_bytes = s->client_bytes;
        out->server_bytes = s->server_bytes;
        out->anomalies = s->anomalies;
        out->ts = s->ts_end;
    }
}

static inline size_t recorder_count(const struct recorder *r, enum event_type type)
{
    size_t n = 0;

    for (size_t i = 0; i < r->count; i++)
        n += r->ev[i].type == type;
    return n;
}

/* The n-th (0-based) recorded event of a type, or NULL. */
static inline const struct recorded *recorder_nth(const struct recorder *r, enum event_type type, size_t n)
{
    for (size_t i = 0; i < r->count; i++) {
        if (r->ev[i].type == type && n-- == 0)
            return &r->ev[i];
    }
    return NULL;
}

static inline int recorder_has_anomaly(const struct recorded *e, enum event_anomaly a)
{
    return (e->anomalies & (UINT64_C(1) << a)) != 0;
}

/* ------------------------------------------------------------ feeding */

struct rig {
    struct analyzer *an;
    struct recorder rec;
    struct event_time now;
    uint64_t number;
};

static inline void rig_feed(struct rig *g, const struct frame *f, int linktype)
{
    struct capture_frame cf;

    cf.ts = g->now;
    cf.linktype = linktype;
    cf.data = f->bytes;
    cf.caplen = f->len;
    cf.wirelen = f->len;
    cf.number = ++g->number;
    cf.block = 0;
    analyzer_frame(g->an, &cf);
    g->now.usec += 10; /* packets 10 µs apart unless a test moves the clock */
    if (g->now.usec >= 1000000u) {
        g->now.sec++;
        g->now.usec -= 1000000u;
    }
}

/* Sends `payload` from `from` to `to` as one segment with ACK (and the
 * extra flags), advancing the sender's sequence number. */
static inline void rig_send(struct rig *g, struct peer *from, const struct peer *to, uint8_t flags, const char *payload)
{
    struct frame f = frame_segment(from, to, from->seq, to->seq, (uint8_t)(TCP_FLAG_ACK | flags), payload);

    rig_feed(g, &f, FRAME_LINK_IPV4);
    from->seq += (uint32_t)strlen(payload) + ((flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) ? 1u : 0u);
}

/* As rig_send, but the capture never sees it. */
static inline void rig_lose(struct peer *from, uint8_t flags, const char *payload)
{
    from->seq += (uint32_t)strlen(payload) + ((flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) ? 1u : 0u);
}

/* SYN, SYN-ACK, ACK. */
static inline void rig_handshake(struct rig *g, struct peer *client, struct peer *server)
{
    struct frame f = frame_segment(client, server, client->seq, 0, TCP_FLAG_SYN, "");

    rig_feed(g, &f, FRAME_LINK_IPV4);
    client->seq++;
    rig_send(g, server, client, TCP_FLAG_SYN, "");
    rig_send(g, client, server, 0, "");
}

static inline void rig_init(struct rig *g, const struct analyzer_options *custom)
{
    struct analyzer_options o;

    memset(g, 0, sizeof *g);
    if (custom != NULL) {
        o = *custom;
    } else {
        analyzer_options_default(&o);
        o.no_ndpi = true;
    }
    g->an = analyzer_new(&o, recorder_sink, &g->rec);
    g->now.sec = 1700000000;
}

static inline void rig_fini(struct rig *g)
{
    analyzer_finish(g->an, END_END_OF_INPUT);
    analyzer_free(g->an);
    g->an = NULL;
}

#endif
