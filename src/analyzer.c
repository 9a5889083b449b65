#include "analyzer.h"

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "decode.h"
#include "flow.h"
#include "stream.h"

_Static_assert((int)FLOW_FROM_CLIENT == (int)POP3_FROM_CLIENT && (int)FLOW_FROM_SERVER == (int)POP3_FROM_SERVER,
               "flow and tracker directions share their numbering");

struct analyzer {
    struct analyzer_options opts;
    event_sink_fn sink;
    void *sink_ctx;
    struct flow_table *flows;
    struct stream_pool *pool;
    struct analyzer_stats stats;
    struct event_time now;     /* latest packet time seen */
    int64_t next_expiry_check; /* packet second of the next idle sweep */
};

/* The context of one stream delivery: which flow, which direction. */
struct analyzer_delivery {
    struct analyzer *an;
    struct flow *flow;
    enum flow_direction dir;
};

void analyzer_options_default(struct analyzer_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_flows = ANALYZER_DEFAULT_MAX_FLOWS;
    opts->idle_timeout = ANALYZER_DEFAULT_IDLE_TIMEOUT;
    opts->max_held_bytes_per_stream = ANALYZER_DEFAULT_HELD_PER_STREAM;
    opts->max_held_bytes_total = ANALYZER_DEFAULT_HELD_TOTAL;
    opts->pop3.max_line = POP3_DEFAULT_MAX_LINE;
    opts->pop3.max_pending = POP3_DEFAULT_MAX_PENDING;
}

struct analyzer *analyzer_new(const struct analyzer_options *opts, event_sink_fn sink, void *sink_ctx)
{
    struct analyzer *an = calloc(1, sizeof *an);

    if (an == NULL)
        return NULL;
    an->opts = *opts;
    an->sink = sink;
    an->sink_ctx = sink_ctx;
    an->flows = flow_table_new(opts->max_flows);
    an->pool = stream_pool_new(opts->max_held_bytes_total, opts->max_held_bytes_per_stream);
    if (an->flows == NULL || an->pool == NULL) {
        flow_table_free(an->flows);
        stream_pool_free(an->pool);
        free(an);
        return NULL;
    }
    return an;
}

const struct analyzer_stats *analyzer_get_stats(const struct analyzer *an)
{
    return &an->stats;
}

/* ------------------------------------------------------------- sessions */

/* The tracker is created at the first payload byte, so SYN scans and
 * connections refused with RST never become sessions. */
static struct pop3_session *analyzer_session(struct analyzer *an, struct flow *f)
{
    struct pop3_session *s = f->session;

    if (s != NULL)
        return s;
    s = pop3_session_new(&an->opts.pop3, &f->meta, f->first_ts, an->sink, an->sink_ctx);
    if (s == NULL) {
        /* Out of memory for this one connection: skip it, keep going. */
        f->verdict = CLASSIFY_OTHER;
        return NULL;
    }
    if (f->verdict == CLASSIFY_POP3S)
        pop3_session_set_implicit_tls(s);
    for (unsigned a = 0; a < ANOMALY_COUNT; a++) {
        if (f->pending_anomalies & (UINT64_C(1) << a))
            pop3_session_note_anomaly(s, (enum event_anomaly)a);
    }
    f->pending_anomalies = 0;
    f->session = s;
    an->stats.pop3_sessions++;
    return s;
}

static void analyzer_note(struct flow *f, enum event_anomaly anomaly)
{
    if (f->session != NULL)
        pop3_session_note_anomaly(f->session, anomaly);
    else
        f->pending_anomalies |= UINT64_C(1) << anomaly;
}

/* The client confirmed the probe: the tracker gets the greeting it has
 * missed, then the client's bytes, in the order they crossed the wire. */
static void analyzer_probe_confirmed(struct analyzer_delivery *d, const uint8_t *bytes, size_t len, size_t earlier,
                                     struct event_time ts)
{
    struct flow *f = d->flow;
    struct pop3_session *s;
    struct event_time greeting_ts = ts;
    size_t greeting_len;
    const uint8_t *greeting = classify_probe_greeting(&f->probe, &greeting_len, &greeting_ts);

    f->verdict = CLASSIFY_POP3;
    s = analyzer_session(d->an, f);
    if (s != NULL) {
        if (greeting_len > 0)
            pop3_session_feed(s, POP3_FROM_SERVER, greeting, greeting_len, greeting_ts);
        if (earlier > 0)
            pop3_session_feed(s, POP3_FROM_CLIENT, f->probe.client_bytes, earlier, ts);
        pop3_session_feed(s, POP3_FROM_CLIENT, bytes, len, ts);
    }
    classify_probe_release(&f->probe);
}

static void analyzer_probe_data(struct analyzer_delivery *d, const uint8_t *bytes, size_t len, struct event_time ts)
{
    struct flow *f = d->flow;
    enum classify_verdict v;
    size_t earlier = 0;

    if (d->dir == FLOW_FROM_SERVER)
        v = classify_probe_server(&f->probe, bytes, len, ts);
    else
        v = classify_probe_client(&f->probe, bytes, len, &earlier);
    if (v == CLASSIFY_POP3)
        analyzer_probe_confirmed(d, bytes, len, earlier, ts);
    else if (v == CLASSIFY_OTHER)
        f->verdict = CLASSIFY_OTHER; /* released once the stream call returns */
}

/* Stream sink: in-order bytes of one direction. */
static void analyzer_on_data(void *ctx, const uint8_t *bytes, size_t len, struct event_time ts)
{
    struct analyzer_delivery *d = ctx;
    struct flow *f = d->flow;
    struct pop3_session *s;

    switch ((enum classify_verdict)f->verdict) {
    case CLASSIFY_UNDECIDED: analyzer_probe_data(d, bytes, len, ts); break;
    case CLASSIFY_POP3:
    case CLASSIFY_POP3S:
        s = analyzer_session(d->an, f);
        if (s == NULL)
            break;
        if (pop3_session_is_encrypted(s))
            pop3_session_count(s, (enum pop3_direction)d->dir, len, ts);
        else
            pop3_session_feed(s, (enum pop3_direction)d->dir, bytes, len, ts);
        break;
    default: break;
    }
}

/* Stream sink: bytes of one direction that the capture never had. */
static void analyzer_on_gap(void *ctx, uint64_t missing, struct event_time ts)
{
    struct analyzer_delivery *d = ctx;
    struct flow *f = d->flow;
    struct pop3_session *s;

    switch ((enum classify_verdict)f->verdict) {
    case CLASSIFY_UNDECIDED:
        /* The probe needs the first bytes of both sides; a hole there
         * leaves nothing trustworthy to decide on. */
        f->verdict = CLASSIFY_OTHER;
        break;
    case CLASSIFY_POP3:
    case CLASSIFY_POP3S:
        s = analyzer_session(d->an, f);
        if (s == NULL)
            break;
        pop3_session_gap(s, (enum pop3_direction)d->dir, missing, ts);
        d->an->stats.gap_bytes += missing;
        break;
    default: break;
    }
}

/* ----------------------------------------------------------- flow ends */

static void analyzer_flush(struct analyzer *an, struct flow *f, struct event_time ts)
{
    for (int dir = FLOW_FROM_CLIENT; dir <= FLOW_FROM_SERVER; dir++) {
        struct analyzer_delivery d = {an, f, (enum flow_direction)dir};
        struct stream_sink sink = {analyzer_on_data, analyzer_on_gap, &d};

        if (f->verdict == CLASSIFY_OTHER || (f->flags & FLOW_F_COUNT_ONLY))
            return;
        stream_flush(&f->streams[dir], an->pool, ts, &sink);
    }
}

/* Delivers what is still held, ends the session (if the flow became one)
 * and frees the slot. */
static void analyzer_end_flow(struct analyzer *an, struct flow *f, enum event_end how, struct event_time ts)
{
    analyzer_flush(an, f, ts);
    if (f->session != NULL) {
        pop3_session_end(f->session, how, ts);
        pop3_session_free(f->session);
        f->session = NULL;
    }
    stream_release(&f->streams[FLOW_FROM_CLIENT], an->pool);
    stream_release(&f->streams[FLOW_FROM_SERVER], an->pool);
    classify_probe_release(&f->probe);
    flow_remove(an->flows, f);
    an->stats.flows_active = flow_count(an->flows);
}

/* A flow written off as not POP3 keeps only its table slot. */
static void analyzer_drop_interest(struct analyzer *an, struct flow *f)
{
    stream_release(&f->streams[FLOW_FROM_CLIENT], an->pool);
    stream_release(&f->streams[FLOW_FROM_SERVER], an->pool);
    classify_probe_release(&f->probe);
}

static int analyzer_is_idle(const struct flow *f, struct event_time now, uint32_t timeout)
{
    uint64_t idle;

    if (now.sec < f->last_ts.sec)
        return 0;
    idle = (uint64_t)now.sec - (uint64_t)f->last_ts.sec;
    return idle > timeout || (idle == timeout && now.usec >= f->last_ts.usec);
}

/* Idle flows are swept at most once per second of packet time, oldest
 * first, stopping at the first one still active: cheap per packet. */
static void analyzer_advance_time(struct analyzer *an, struct event_time ts)
{
    struct flow *f;

    if (ts.sec > an->now.sec || (ts.sec == an->now.sec && ts.usec > an->now.usec))
        an->now = ts;
    if (an->opts.idle_timeout == 0 || an->now.sec < an->next_expiry_check)
        return;
    an->next_expiry_check = an->now.sec + 1;
    while ((f = flow_oldest(an->flows)) != NULL && analyzer_is_idle(f, an->now, an->opts.idle_timeout)) {
        analyzer_end_flow(an, f, END_TIMEOUT, f->last_ts);
        an->stats.flows_timed_out++;
    }
}

/* ------------------------------------------------------------- per packet */

static struct flow *analyzer_new_flow(struct analyzer *an, const struct packet_view *v, struct event_time ts)
{
    struct flow *f;

    if (flow_table_full(an->flows)) {
        struct flow *oldest = flow_oldest(an->flows);

        analyzer_end_flow(an, oldest, END_EVICTED, oldest->last_ts);
        an->stats.flows_evicted++;
    }
    f = flow_create(an->flows, v, ts, classify_looks_like_server(v->payload, v->payload_len));
    if (f == NULL)
        return NULL;
    f->verdict = (uint8_t)classify_by_ports(f->meta.client_port, f->meta.server_port);
    if (f->verdict == CLASSIFY_POP3S)
        f->flags |= FLOW_F_COUNT_ONLY; /* RFC 8314: TLS from the first byte */
    an->stats.flows_created++;
    an->stats.flows_active = flow_count(an->flows);
    return f;
}

static uint32_t analyzer_wire_payload(const struct packet_view *v)
{
    uint64_t n = (uint64_t)v->payload_len + v->payload_missing;

    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* TLS bytes are only counted: no copy, no hold, retransmissions once. */
static void analyzer_count_only(struct analyzer *an, struct flow *f, enum flow_direction dir,
                                const struct packet_view *v, struct event_time ts)
{
    uint64_t n = stream_count(&f->streams[dir], v->tcp_flags, v->seq, analyzer_wire_payload(v));
    struct pop3_session *s;

    if (n == 0)
        return;
    s = analyzer_session(an, f);
    if (s != NULL)
        pop3_session_count(s, (enum pop3_direction)dir, n, ts);
}

static void analyzer_reassemble(struct analyzer *an, struct flow *f, enum flow_direction dir,
                                const struct packet_view *v, struct event_time ts)
{
    struct analyzer_delivery d = {an, f, dir};
    struct stream_sink sink = {analyzer_on_data, analyzer_on_gap, &d};
    unsigned events;

    if (f->verdict == CLASSIFY_UNDECIDED && v->payload_len > 0 && classify_probe_packet(&f->probe) == CLASSIFY_OTHER) {
        f->verdict = CLASSIFY_OTHER;
        analyzer_drop_interest(an, f);
        return;
    }
    if (v->payload_missing > 0)
        analyzer_note(f, ANOMALY_TRUNCATED_PACKET);
    events = stream_segment(&f->streams[dir], an->pool, v->tcp_flags, v->seq, v->payload, v->payload_len,
                            v->payload_missing, ts, &sink);
    if (events & STREAM_EVENT_OVERLAP_CONFLICT)
        analyzer_note(f, ANOMALY_OVERLAP_CONFLICT);
    if (events & STREAM_EVENT_LIMIT_GAP)
        analyzer_note(f, ANOMALY_OUT_OF_ORDER_LIMIT);
    if (events & STREAM_EVENT_LATE_DROPPED) {
        struct stream_pool_stats st;

        stream_pool_get_stats(an->pool, &st);
        an->stats.held_bytes_dropped = st.late_bytes_dropped;
    }
    if (f->verdict == CLASSIFY_OTHER) {
        analyzer_drop_interest(an, f);
        return;
    }
    /* After STLS the rest is TLS: once nothing is held, stop reassembling. */
    if (f->session != NULL && pop3_session_is_encrypted(f->session) && !stream_holding(&f->streams[FLOW_FROM_CLIENT]) &&
        !stream_holding(&f->streams[FLOW_FROM_SERVER]))
        f->flags |= FLOW_F_COUNT_ONLY;
}

/* RST ends the connection at once (RFC 9293 §3.10.7); FIN from both sides
 * ends it once every byte before both FINs is in, or at the ACK that
 * closes it, whichever comes first (bytes still missing become gaps). */
static void analyzer_check_end(struct analyzer *an, struct flow *f, const struct packet_view *v, struct event_time ts)
{
    const uint8_t both_fins = FLOW_F_FIN_CLIENT | FLOW_F_FIN_SERVER;
    int pure_ack = analyzer_wire_payload(v) == 0 &&
                   (v->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST | TCP_FLAG_ACK)) == TCP_FLAG_ACK;

    if (f->flags & FLOW_F_RST) {
        analyzer_end_flow(an, f, END_RST, ts);
        return;
    }
    if ((f->flags & both_fins) != both_fins)
        return;
    if (f->verdict == CLASSIFY_OTHER || pure_ack ||
        (stream_complete(&f->streams[FLOW_FROM_CLIENT]) && stream_complete(&f->streams[FLOW_FROM_SERVER])))
        analyzer_end_flow(an, f, END_FIN, ts);
}

/* A SYN (without ACK) on a connection that already closed starts a new
 * connection on the same ports: the old one ends first. */
static int analyzer_reopened(const struct flow *f, const struct packet_view *v)
{
    return (v->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN &&
           (f->flags & (FLOW_F_FIN_CLIENT | FLOW_F_FIN_SERVER | FLOW_F_RST)) != 0;
}

static void analyzer_segment(struct analyzer *an, const struct packet_view *v, struct event_time ts)
{
    enum flow_direction dir = FLOW_FROM_CLIENT;
    struct flow *f = flow_lookup(an->flows, v, &dir);

    if (f != NULL && analyzer_reopened(f, v)) {
        analyzer_end_flow(an, f, END_FIN, ts);
        f = NULL;
    }
    if (f == NULL) {
        /* Only a SYN or payload starts a flow: stray ACKs, FINs and RSTs
         * after a connection ended must not open a new one. */
        if ((v->tcp_flags & TCP_FLAG_RST) || (!(v->tcp_flags & TCP_FLAG_SYN) && analyzer_wire_payload(v) == 0))
            return;
        f = analyzer_new_flow(an, v, ts);
        if (f == NULL)
            return;
        dir = flow_direction_of(f, v);
    }
    flow_touch(an->flows, f, ts);
    if (v->tcp_flags & TCP_FLAG_FIN)
        f->flags |= dir == FLOW_FROM_CLIENT ? FLOW_F_FIN_CLIENT : FLOW_F_FIN_SERVER;
    if (v->tcp_flags & TCP_FLAG_RST)
        f->flags |= FLOW_F_RST;
    if (f->verdict != CLASSIFY_OTHER) {
        if (f->flags & FLOW_F_COUNT_ONLY)
            analyzer_count_only(an, f, dir, v, ts);
        else
            analyzer_reassemble(an, f, dir, v, ts);
    }
    analyzer_check_end(an, f, v, ts);
}

/* Counts what the decoder said; only DECODE_OK goes further. */
static int analyzer_count_decode(struct analyzer *an, enum decode_result r, uint64_t number)
{
    struct analyzer_stats *st = &an->stats;

    switch (r) {
    case DECODE_OK: st->tcp_segments++; return 1;
    case DECODE_NOT_TCP: st->not_tcp++; break;
    case DECODE_UNSUPPORTED_LINK: st->unsupported_link++; break;
    case DECODE_FRAGMENT: st->fragments++; break;
    case DECODE_TRUNCATED: st->truncated++; break;
    case DECODE_MALFORMED: st->malformed++; break;
    }
    if ((r == DECODE_TRUNCATED || r == DECODE_MALFORMED) && st->first_bad_frame == 0)
        st->first_bad_frame = number;
    return 0;
}

void analyzer_frame(struct analyzer *an, const struct capture_frame *frame)
{
    struct packet_view v;
    enum decode_result r;

    an->stats.frames++;
    an->stats.frame_bytes += frame->wirelen;
    analyzer_advance_time(an, frame->ts);
    r = decode_packet(frame->linktype, frame->data, frame->caplen, frame->wirelen, &v);
    if (analyzer_count_decode(an, r, frame->number))
        analyzer_segment(an, &v, frame->ts);
}

/* ------------------------------------------------------------ finishing */

static int analyzer_by_flow_id(const void *a, const void *b)
{
    const struct flow *fa = *(const struct flow *const *)a;
    const struct flow *fb = *(const struct flow *const *)b;

    return (fa->meta.flow_id > fb->meta.flow_id) - (fa->meta.flow_id < fb->meta.flow_id);
}

void analyzer_finish(struct analyzer *an, enum event_end how)
{
    size_t n = flow_count(an->flows);
    struct flow **order;
    struct flow *f;
    size_t i = 0;

    if (n == 0)
        return;
    order = malloc(n * sizeof *order);
    if (order == NULL) {
        /* Still end everything; the order is then least recently seen. */
        while ((f = flow_oldest(an->flows)) != NULL)
            analyzer_end_flow(an, f, how, f->last_ts);
        return;
    }
    for (f = flow_oldest(an->flows); f != NULL && i < n; f = f->lru_next)
        order[i++] = f;
    qsort(order, i, sizeof *order, analyzer_by_flow_id);
    for (size_t k = 0; k < i; k++)
        analyzer_end_flow(an, order[k], how, order[k]->last_ts);
    free(order);
}

/* Frees without reporting: call analyzer_finish first to get the events. */
void analyzer_free(struct analyzer *an)
{
    struct flow *f;

    if (an == NULL)
        return;
    while ((f = flow_oldest(an->flows)) != NULL) {
        if (f->session != NULL)
            pop3_session_free(f->session);
        f->session = NULL;
        analyzer_drop_interest(an, f);
        flow_remove(an->flows, f);
    }
    flow_table_free(an->flows);
    stream_pool_free(an->pool);
    free(an);
}
