/* The back half (analyzer_back.h): flows, classification, streams and
 * POP3 trackers, fed one decoded TCP segment at a time. */
#include "analyzer_back.h"

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "community_id.h"
#include "decode.h"
#include "flow.h"
#include "stream.h"

_Static_assert((int)FLOW_FROM_CLIENT == (int)POP3_FROM_CLIENT && (int)FLOW_FROM_SERVER == (int)POP3_FROM_SERVER,
               "flow and tracker directions share their numbering");

/* Payload segments of one connection whose sequence numbers are in doubt,
 * copied in capture order until the evidence decides (analyzer_seq_route).
 * One connection at a time: another in doubt meanwhile is not held. */
#define ANALYZER_SEQ_QUEUE_SEGS 8u
#define ANALYZER_SEQ_QUEUE_BYTES 16384u

struct analyzer_seq_queue {
    struct flow *flow; /* the owner, or NULL */
    unsigned count;
    uint32_t used;
    struct {
        uint8_t dir;
        uint8_t tcp_flags;
        uint32_t seq;
        uint32_t len;
        uint32_t missing;
        uint32_t off; /* into bytes */
        struct event_time ts;
    } seg[ANALYZER_SEQ_QUEUE_SEGS];
    uint8_t bytes[ANALYZER_SEQ_QUEUE_BYTES];
};

struct analyzer_back {
    struct analyzer_options opts;
    event_sink_fn sink;
    void *sink_ctx;
    struct analyzer_back_hooks hooks;
    struct flow_table *flows;
    struct stream_pool *pool;
    struct analyzer_stats stats; /* the back counters only */
    struct event_time now; /* the clock of the latest sweep */
    struct classify_context *classify; /* nDPI: names every flow */
    struct flow *ending; /* the flow whose session event is being emitted */
    struct flow *reading; /* the flow whose bytes the tracker is reading */
    uint64_t session_bytes; /* heap one tracker takes (stats event) */
    struct pop3_pool *trackers; /* freed trackers kept for reuse */
    uint64_t frame; /* frame of the segment being processed */
    struct event_frame_ref where; /* the same frame, as evidence */
    struct analyzer_seq_queue seq_queue;
};

/* The context of one stream delivery: which flow, which direction. */
struct analyzer_delivery {
    struct analyzer_back *an;
    struct flow *flow;
    enum flow_direction dir;
};

/* ------------------------------------------------------ classification */

static struct classify_context *analyzer_classify_new(const struct analyzer_options *opts)
{
    struct classify_options co;

    classify_options_default(&co);
    co.ndpi = !opts->no_ndpi;
    if (opts->ndpi_share > 1)
        co.max_ndpi_flows = (co.max_ndpi_flows + opts->ndpi_share - 1) / opts->ndpi_share;
    if (co.max_ndpi_flows > opts->max_flows)
        co.max_ndpi_flows = opts->max_flows;
    return classify_context_new(&co);
}

/* A login went through on the flow being read: nDPI has nothing left to
 * learn from it (classify_app_login). */
static void analyzer_login_seen(struct analyzer_back *an, const struct event_auth *auth)
{
    if (auth->outcome == OUTCOME_SUCCESS && an->reading != NULL && an->reading->verdict == CLASSIFY_POP3)
        classify_app_login(an->classify, &an->reading->app);
}

/* Every tracker event passes here: a session event gets the flow's
 * application name and nDPI risks (the tracker knows nothing of nDPI), and
 * feeds the mail picture. */
static void analyzer_on_event(void *ctx, const struct event *ev)
{
    struct analyzer_back *an = ctx;
    const char *risks[64];
    char name[64];
    struct event copy;

    if (ev->type == EVENT_AUTH)
        analyzer_login_seen(an, &ev->u.auth);
    if (ev->type != EVENT_SESSION) {
        an->sink(an->sink_ctx, ev);
        return;
    }
    copy = *ev;
    if (an->ending != NULL && ev->u.session.flow != NULL && ev->u.session.flow->flow_id == an->ending->meta.flow_id) {
        copy.u.session.app_proto = classify_app_name(an->classify, &an->ending->app,
                                                     (enum classify_verdict)an->ending->verdict, name, sizeof name);
        copy.u.session.risk_count = classify_app_risk_names(&an->ending->app, risks, sizeof risks / sizeof risks[0]);
        copy.u.session.risks = copy.u.session.risk_count > 0 ? risks : NULL;
    }
    classify_note_session(an->classify, &copy.u.session);
    an->sink(an->sink_ctx, &copy);
}

/* Per packet, any verdict: nDPI sees the first packets of every flow but
 * cleartext POP3 sessions, which classify.c names itself. */
static void analyzer_classify_packet(struct analyzer_back *an, struct flow *f, enum flow_direction dir,
                                     const struct packet_view *v, struct event_time ts)
{
    /* TLS from the first byte on the cleartext port: implicit TLS, counted
     * like POP3S (RFC 8314 §3.3 puts it on 995; some clients don't). */
    if (f->verdict == CLASSIFY_POP3 && f->session == NULL && classify_looks_like_tls(v->payload, v->payload_len) &&
        !stream_holding(&f->streams[FLOW_FROM_CLIENT]) && !stream_holding(&f->streams[FLOW_FROM_SERVER])) {
        f->verdict = CLASSIFY_POP3S;
        f->flags |= FLOW_F_COUNT_ONLY;
        stream_release(&f->streams[FLOW_FROM_CLIENT], an->pool); /* the delivered-bytes history */
        stream_release(&f->streams[FLOW_FROM_SERVER], an->pool);
    }
    /* nDPI 4.2 does not follow STLS: once the session is TLS it learns
     * nothing more from it. */
    if (f->verdict == CLASSIFY_POP3 && f->session != NULL && pop3_session_is_encrypted(f->session))
        classify_app_stop(an->classify, &f->app);
    classify_app_packet(an->classify, &f->app, v, ts, (enum classify_verdict)f->verdict, dir == FLOW_FROM_CLIENT);
}

/* Client bytes after "+OK" to STLS must open a TLS handshake (RFC 2595
 * §4); anything else is reported, once. */
static void analyzer_stls_bytes(struct flow *f, enum flow_direction dir, const uint8_t *bytes, size_t len)
{
    if (dir != FLOW_FROM_CLIENT || f->verdict != CLASSIFY_POP3 || f->session == NULL || len == 0 ||
        f->app.stls == CLASSIFY_STLS_CONFIRMED || f->app.stls == CLASSIFY_STLS_REFUTED)
        return;
    if (classify_stls_observe(&f->app, bytes, len) == CLASSIFY_STLS_REFUTED)
        pop3_session_note_anomaly(f->session, ANOMALY_TLS_NOT_SEEN_AFTER_STLS);
}

/* The flow ends: its name is settled before the session event, and an
 * upgrade that never showed a ClientHello is reported. */
static void analyzer_classify_end(struct analyzer_back *an, struct flow *f)
{
    if (f->session != NULL && f->verdict == CLASSIFY_POP3 && pop3_session_is_encrypted(f->session) &&
        (f->app.stls == CLASSIFY_STLS_WAITING || f->app.stls == CLASSIFY_STLS_PARTIAL))
        pop3_session_note_anomaly(f->session, ANOMALY_TLS_NOT_SEEN_AFTER_STLS);
    classify_app_end(an->classify, &f->app, f->session != NULL);
}

struct analyzer_back *analyzer_back_new(const struct analyzer_options *opts, const struct analyzer_back_hooks *hooks,
                                        event_sink_fn sink, void *sink_ctx)
{
    struct analyzer_back *an = calloc(1, sizeof *an);

    if (an == NULL)
        return NULL;
    an->opts = *opts;
    an->hooks = *hooks;
    an->sink = sink;
    an->sink_ctx = sink_ctx;
    an->session_bytes = pop3_session_size(&opts->pop3);
    an->flows = flow_table_new(opts->max_flows);
    an->pool = stream_pool_new(opts->max_held_bytes_total, opts->max_held_bytes_per_stream);
    if (an->pool != NULL)
        stream_pool_set_policy(an->pool, (enum stream_overlap_policy)opts->overlap_policy);
    an->classify = analyzer_classify_new(opts);
    an->trackers = pop3_pool_new(opts->max_sessions);
    if (an->flows == NULL || an->pool == NULL || an->classify == NULL || an->trackers == NULL) {
        pop3_pool_free(an->trackers);
        flow_table_free(an->flows);
        stream_pool_free(an->pool);
        classify_context_free(an->classify);
        free(an);
        return NULL;
    }
    return an;
}

const struct analyzer_stats *analyzer_back_stats(const struct analyzer_back *an)
{
    return &an->stats;
}

void analyzer_back_stats_add(struct analyzer_stats *into, const struct analyzer_stats *from)
{
    into->flows_created += from->flows_created;
    into->flows_active += from->flows_active;
    into->flows_evicted += from->flows_evicted;
    into->flows_timed_out += from->flows_timed_out;
    into->pop3_sessions += from->pop3_sessions;
    into->sessions_active += from->sessions_active;
    into->sessions_refused += from->sessions_refused;
    into->held_bytes_dropped += from->held_bytes_dropped;
    into->gap_bytes += from->gap_bytes;
    into->checksum_dropped += from->checksum_dropped;
    into->checksum_offloaded += from->checksum_offloaded;
    into->checksum_merged += from->checksum_merged;
}

void analyzer_back_usage(const struct analyzer_back *an, struct analyzer_usage *out)
{
    struct stream_pool_stats pool;

    stream_pool_get_stats(an->pool, &pool);
    out->memory_flows = (uint64_t)flow_count(an->flows) * sizeof(struct flow);
    out->memory_sessions = an->stats.sessions_active * an->session_bytes;
    out->memory_reassembly = pool.chunks_in_use * STREAM_CHUNK_SIZE;
}

/* ------------------------------------------------------------- sessions */

/* The tracker is created at the first payload byte, so SYN scans and
 * connections refused with RST never become sessions. */
static struct pop3_session *analyzer_session(struct analyzer_back *an, struct flow *f)
{
    struct pop3_session *s = f->session;

    if (s != NULL) {
        /* Evidence on auth events: which frame these bytes came in. */
        pop3_session_set_frame(s, an->where);
        return s;
    }
    /* A tracker holds its line buffers (tens of KiB): a flood of
     * connections that send a byte and then idle must not multiply that
     * by the flow table's size. Refused connections are counted. */
    if (an->opts.max_sessions > 0 && an->stats.sessions_active >= an->opts.max_sessions) {
        f->verdict = CLASSIFY_OTHER;
        an->stats.sessions_refused++;
        return NULL;
    }
    /* Once per POP3 flow, not per event: the tracker copies the meta. */
    community_id_tcp(&f->meta, f->meta.community_id);
    s = pop3_session_new_in(an->trackers, &an->opts.pop3, &f->meta, f->first_ts, analyzer_on_event, an);
    if (s == NULL) {
        /* Out of memory for this one connection: skip it, keep going. */
        f->verdict = CLASSIFY_OTHER;
        return NULL;
    }
    if (f->verdict == CLASSIFY_POP3S)
        pop3_session_set_implicit_tls(s);
    pop3_session_set_frame(s, an->where);
    pop3_session_set_files(s, f->first_file, f->last_file);
    for (unsigned a = 0; a < ANOMALY_COUNT; a++) {
        if (f->pending_anomalies & (UINT64_C(1) << a))
            pop3_session_note_anomaly(s, (enum event_anomaly)a);
    }
    f->pending_anomalies = 0;
    f->session = s;
    an->stats.pop3_sessions++;
    an->stats.sessions_active++;
    return s;
}

static void analyzer_note(struct flow *f, enum event_anomaly anomaly)
{
    if (f->session != NULL)
        pop3_session_note_anomaly(f->session, anomaly);
    else
        f->pending_anomalies |= UINT64_C(1) << anomaly;
}

/* POP3 after an SSLproxy header (classify_probe_proxy): the probe kept
 * every byte of both sides, the current call's included; they go to the
 * tracker in the order they crossed, and the tracker may take the first
 * client line as the header. */
static bool analyzer_probe_proxy(struct flow *f, struct pop3_session *s, const uint8_t *greeting, size_t greeting_len,
                                 struct event_time greeting_ts, struct event_time ts)
{
    const uint8_t *client;
    size_t client_len, split;

    if (!classify_probe_proxy(&f->probe, &client, &client_len, &split))
        return false;
    if (split > greeting_len)
        split = greeting_len;
    pop3_session_allow_proxy_header(s);
    if (split > 0)
        pop3_session_feed(s, POP3_FROM_SERVER, greeting, split, greeting_ts);
    pop3_session_feed(s, POP3_FROM_CLIENT, client, client_len, split > 0 ? ts : greeting_ts);
    if (greeting_len > split)
        pop3_session_feed(s, POP3_FROM_SERVER, greeting + split, greeting_len - split, ts);
    return true;
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
    if (s != NULL && analyzer_probe_proxy(f, s, greeting, greeting_len, greeting_ts, ts)) {
        classify_probe_release(&f->probe);
        return;
    }
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
        if (pop3_session_is_encrypted(s)) {
            analyzer_stls_bytes(f, d->dir, bytes, len);
            pop3_session_count(s, (enum pop3_direction)d->dir, len, ts);
        } else {
            d->an->reading = f;
            pop3_session_feed(s, (enum pop3_direction)d->dir, bytes, len, ts);
            d->an->reading = NULL;
        }
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

static void analyzer_flush(struct analyzer_back *an, struct flow *f, struct event_time ts)
{
    for (int dir = FLOW_FROM_CLIENT; dir <= FLOW_FROM_SERVER; dir++) {
        struct analyzer_delivery d = { an, f, (enum flow_direction)dir };
        struct stream_sink sink = { analyzer_on_data, analyzer_on_gap, &d };

        if (f->verdict == CLASSIFY_OTHER || (f->flags & FLOW_F_COUNT_ONLY))
            return;
        stream_flush(&f->streams[dir], an->pool, ts, &sink);
    }
}

/* How long a connection closed by FIN or RST keeps its slot, so its late
 * segments are not taken for a new connection: Linux's TIME-WAIT (2 MSL,
 * RFC 9293 §3.6), or the idle timeout if that is shorter. The table also
 * bounds how many do (FLOW_CLOSED_MAX, the latest closed ones). */
#define ANALYZER_CLOSED_LINGER 60u

static uint32_t analyzer_closed_linger(const struct analyzer_back *an)
{
    uint32_t idle = an->opts.idle_timeout;

    return idle != 0 && idle < ANALYZER_CLOSED_LINGER ? idle : ANALYZER_CLOSED_LINGER;
}

/* After the session ended: a connection that TCP closed lingers as closed;
 * any other (timeout, eviction, end of input) frees its slot now. */
static void analyzer_retire(struct analyzer_back *an, struct flow *f, enum event_end how, struct event_time ts)
{
    an->hooks.flow_retired(an->hooks.ctx, f->meta.flow_id);
    if (how == END_FIN || how == END_RST)
        flow_close(an->flows, f, ts);
    else
        flow_remove(an->flows, f);
    an->stats.flows_active = flow_count(an->flows) - flow_closed_count(an->flows);
}

/* Delivers what is still held, ends the session (if the flow became one)
 * and frees the slot (or keeps it as closed, see analyzer_retire). */
static void analyzer_seq_replay(struct analyzer_back *an, struct flow *f, bool raw);

static void analyzer_end_flow(struct analyzer_back *an, struct flow *f, enum event_end how, struct event_time ts)
{
    analyzer_seq_replay(an, f, false); /* still in doubt at the end: trusted */
    analyzer_flush(an, f, ts);
    analyzer_classify_end(an, f);
    an->ending = f;
    if (f->session != NULL) {
        pop3_session_set_files(f->session, f->first_file, f->last_file);
        pop3_session_end(f->session, how, ts);
        pop3_session_free(f->session);
        f->session = NULL;
        an->stats.sessions_active--;
    }
    an->ending = NULL;
    stream_release(&f->streams[FLOW_FROM_CLIENT], an->pool);
    stream_release(&f->streams[FLOW_FROM_SERVER], an->pool);
    classify_probe_release(&f->probe);
    analyzer_retire(an, f, how, ts);
}

/* A flow written off as not POP3 keeps only its table slot. */
static void analyzer_drop_interest(struct analyzer_back *an, struct flow *f)
{
    if (an->seq_queue.flow == f) { /* its held segments go with it */
        an->seq_queue.flow = NULL;
        an->seq_queue.count = 0;
        an->seq_queue.used = 0;
    }
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

static void analyzer_sweep_clock(struct analyzer_back *an, struct event_time now)
{
    if (now.sec > an->now.sec || (now.sec == an->now.sec && now.usec > an->now.usec))
        an->now = now;
}

/* A single thread's sweep stops at the least recently seen flow that is
 * not idle, over all flows. With packet times that go backwards (merged
 * interfaces), a shard can hold idle flows seen after that one: they must
 * wait for a later sweep, as they would in one thread. So each worker's
 * back half finds where its own sweep would stop, and the sweep stops at
 * the earliest over every shard (shard_worker.c). */
uint64_t analyzer_back_sweep_bound(struct analyzer_back *an, struct event_time now)
{
    const struct flow *f;

    analyzer_sweep_clock(an, now);
    for (f = flow_oldest(an->flows); f != NULL && analyzer_is_idle(f, an->now, an->opts.idle_timeout);)
        f = f->lru_next;
    return f != NULL ? f->last_frame : UINT64_MAX;
}

/* Closed flows whose linger is over go, then idle ones end, least recently
 * seen first, each at the place of its last frame in the order. */
void analyzer_back_sweep(struct analyzer_back *an, struct event_time now, uint64_t stop)
{
    struct flow *f;

    analyzer_sweep_clock(an, now);
    while ((f = flow_oldest_closed(an->flows)) != NULL && analyzer_is_idle(f, an->now, analyzer_closed_linger(an)))
        flow_remove(an->flows, f);
    while ((f = flow_oldest(an->flows)) != NULL && analyzer_is_idle(f, an->now, an->opts.idle_timeout) &&
           f->last_frame < stop) {
        an->hooks.order(an->hooks.ctx, f->last_frame);
        analyzer_end_flow(an, f, END_TIMEOUT, f->last_ts);
        an->stats.flows_timed_out++;
    }
}

/* ------------------------------------------------------------- per packet */

static struct flow *analyzer_new_flow(struct analyzer_back *an, const struct packet_view *v, uint64_t hash,
                                      struct event_time ts)
{
    struct flow *f;

    if (flow_table_full(an->flows) && flow_oldest_closed(an->flows) != NULL) {
        flow_remove(an->flows, flow_oldest_closed(an->flows)); /* nothing left to report */
    } else if (flow_table_full(an->flows)) {
        struct flow *oldest = flow_oldest(an->flows);

        analyzer_end_flow(an, oldest, END_EVICTED, oldest->last_ts);
        an->stats.flows_evicted++;
    }
    f = flow_create_hashed(an->flows, v, hash, ts, classify_looks_like_server(v->payload, v->payload_len));
    if (f == NULL)
        return NULL;
    f->meta.flow_id = an->hooks.flow_created(an->hooks.ctx, an->frame, f->meta.flow_id);
    f->first_file = an->where.file;
    f->last_file = an->where.file;
    f->verdict = (uint8_t)classify_by_ports(f->meta.client_port, f->meta.server_port);
    if (f->verdict == CLASSIFY_POP3S)
        f->flags |= FLOW_F_COUNT_ONLY; /* RFC 8314: TLS from the first byte */
    an->stats.flows_created++;
    an->stats.flows_active = flow_count(an->flows) - flow_closed_count(an->flows);
    return f;
}

static uint32_t analyzer_wire_payload(const struct packet_view *v)
{
    uint64_t n = (uint64_t)v->payload_len + v->payload_missing;

    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static bool analyzer_seq_count_raw(struct flow *f, enum flow_direction dir, const struct packet_view *v);

/* TLS bytes are only counted: no copy, no hold, retransmissions once. */
static void analyzer_count_only(struct analyzer_back *an, struct flow *f, enum flow_direction dir,
                                const struct packet_view *v, struct event_time ts)
{
    uint64_t n;
    struct pop3_session *s;

    if (analyzer_seq_count_raw(f, dir, v))
        n = (v->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_RST)) ? 0 : analyzer_wire_payload(v);
    else
        n = stream_count(&f->streams[dir], v->tcp_flags, v->seq, analyzer_wire_payload(v));

    if (n == 0)
        return;
    s = analyzer_session(an, f);
    /* Only a segment of wholly new bytes shows where the TLS stream starts. */
    if (s != NULL && n == analyzer_wire_payload(v))
        analyzer_stls_bytes(f, dir, v->payload, v->payload_len);
    if (s != NULL)
        pop3_session_count(s, (enum pop3_direction)dir, n, ts);
}

/* The probe decides within the server's greeting line (at most 512
 * octets, RFC 2449 §4) and the first bytes of the client's first line; a
 * flow still undecided after twice that much payload is not POP3. Counted
 * in bytes rather than packets, so a capture re-cut into tiny segments is
 * classified exactly as the original. */
#define ANALYZER_PROBE_MAX_BYTES (2u * CLASSIFY_GREETING_MAX)

static int analyzer_probe_exhausted(struct flow *f, const struct packet_view *v)
{
    uint64_t n = (uint64_t)f->probe_bytes + analyzer_wire_payload(v);

    f->probe_bytes = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    return n > ANALYZER_PROBE_MAX_BYTES;
}

/* The ACK of this segment tells what the other side's receiver has: bytes
 * of that direction it acknowledged that the capture never showed are a
 * gap, delivered before this segment's own bytes (the order the peers saw
 * them in); a pure ACK only notes it (stream_ack). */
static void analyzer_peer_ack(struct analyzer_back *an, struct flow *f, enum flow_direction dir,
                              const struct packet_view *v, struct event_time ts)
{
    enum flow_direction other = dir == FLOW_FROM_CLIENT ? FLOW_FROM_SERVER : FLOW_FROM_CLIENT;
    struct analyzer_delivery d = { an, f, other };
    struct stream_sink sink = { analyzer_on_data, analyzer_on_gap, &d };

    if (v->tcp_flags & TCP_FLAG_ACK)
        stream_ack(&f->streams[other], an->pool, v->ack, analyzer_wire_payload(v) > 0, ts, &sink);
}

/* The segment through the stream of its direction. */
static void analyzer_reassemble_stream(struct analyzer_back *an, struct flow *f, enum flow_direction dir,
                                       const struct packet_view *v, struct event_time ts)
{
    struct analyzer_delivery d = { an, f, dir };
    struct stream_sink sink = { analyzer_on_data, analyzer_on_gap, &d };
    unsigned events;

    analyzer_peer_ack(an, f, dir, v, ts);
    if (f->verdict == CLASSIFY_OTHER) {
        analyzer_drop_interest(an, f);
        return;
    }
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
        !stream_holding(&f->streams[FLOW_FROM_SERVER])) {
        f->flags |= FLOW_F_COUNT_ONLY;
        stream_release(&f->streams[FLOW_FROM_CLIENT], an->pool); /* the delivered-bytes history */
        stream_release(&f->streams[FLOW_FROM_SERVER], an->pool);
    }
}

/* ------------------------------------------- unusable sequence numbers */

/* Payload segments that must contradict the sequence arithmetic, with none
 * agreeing, before a connection is read in capture order. The gate that
 * matters comes first: not one segment of the connection carried ACK. A
 * real TCP connection acknowledges on every segment after the SYN, so
 * packets injected into it cannot switch it; only a capture whose writer
 * cleared ACK (and mangled the sequence numbers) gets here. */
#define ANALYZER_SEQ_EVIDENCE 2u

/* Judges a segment by where the last one of its direction ended, in
 * capture order: continuing there is good, a repeat of the last one is
 * neither, anything else is bad. */
static void analyzer_seq_judge(struct flow *f, enum flow_direction dir, const struct packet_view *v)
{
    struct flow_seqcheck *c = &f->seqcheck;
    uint32_t len = analyzer_wire_payload(v);
    uint8_t bit = (uint8_t)(1u << dir);
    uint32_t end = v->seq + len + ((v->tcp_flags & TCP_FLAG_SYN) ? 1u : 0u);

    if ((c->seen & bit) && !(v->tcp_flags & TCP_FLAG_SYN)) {
        if (v->seq == c->last_end[dir]) {
            if (c->good < UINT8_MAX)
                c->good++;
        } else if (v->seq != c->last_seq[dir] || end != c->last_end[dir]) {
            if (c->bad < UINT8_MAX)
                c->bad++;
        }
    }
    c->seen |= bit;
    c->last_seq[dir] = v->seq;
    c->last_end[dir] = end;
}

/* Capture order: the payload goes to the tracker as it came. A SYN's
 * bytes are not delivered (nothing can tell whether the peer took them),
 * nor an RST's. */
static void analyzer_seq_raw(struct analyzer_back *an, struct flow *f, enum flow_direction dir, uint8_t tcp_flags,
                             const uint8_t *payload, uint32_t len, uint32_t missing, struct event_time ts)
{
    struct analyzer_delivery d = { an, f, dir };

    if (tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_RST))
        return;
    if (len > 0)
        analyzer_on_data(&d, payload, len, ts);
    if (missing > 0 && f->verdict != CLASSIFY_OTHER)
        analyzer_on_gap(&d, missing, ts);
    if (f->verdict == CLASSIFY_OTHER)
        analyzer_drop_interest(an, f);
}

/* The held segments go on: in capture order (raw), or through the streams
 * as if they arrived now. */
static void analyzer_seq_replay(struct analyzer_back *an, struct flow *f, bool raw)
{
    struct analyzer_seq_queue *q = &an->seq_queue;
    unsigned count = q->count;

    if (q->flow != f)
        return;
    q->flow = NULL;
    q->count = 0;
    q->used = 0;
    for (unsigned i = 0; i < count && f->verdict != CLASSIFY_OTHER; i++) {
        enum flow_direction dir = (enum flow_direction)q->seg[i].dir;
        struct packet_view pv;

        if (raw) {
            analyzer_seq_raw(an, f, dir, q->seg[i].tcp_flags, q->bytes + q->seg[i].off, q->seg[i].len,
                             q->seg[i].missing, q->seg[i].ts);
            continue;
        }
        memset(&pv, 0, sizeof pv);
        pv.tcp_flags = q->seg[i].tcp_flags;
        pv.seq = q->seg[i].seq;
        pv.payload = q->bytes + q->seg[i].off;
        pv.payload_len = q->seg[i].len;
        pv.payload_missing = q->seg[i].missing;
        analyzer_reassemble_stream(an, f, dir, &pv, q->seg[i].ts);
    }
}

static bool analyzer_seq_enqueue(struct analyzer_seq_queue *q, struct flow *f, enum flow_direction dir,
                                 const struct packet_view *v, struct event_time ts)
{
    if ((q->flow != NULL && q->flow != f) || q->count == ANALYZER_SEQ_QUEUE_SEGS ||
        v->payload_len > ANALYZER_SEQ_QUEUE_BYTES - q->used)
        return false;
    q->flow = f;
    q->seg[q->count].dir = (uint8_t)dir;
    q->seg[q->count].tcp_flags = v->tcp_flags;
    q->seg[q->count].seq = v->seq;
    q->seg[q->count].len = v->payload_len;
    q->seg[q->count].missing = v->payload_missing;
    q->seg[q->count].off = q->used;
    q->seg[q->count].ts = ts;
    if (v->payload_len > 0)
        memcpy(q->bytes + q->used, v->payload, v->payload_len);
    q->used += v->payload_len;
    q->count++;
    return true;
}

/* Issue: Windows captures (Network Monitor on loopback, converted) carry
 * zero or byte-swapped sequence numbers and no ACK. Read through the
 * streams, they turn into overlaps and holes of hundreds of megabytes.
 * Returns true when this segment was taken care of here (held while in
 * doubt, or delivered in capture order). */
static bool analyzer_seq_route(struct analyzer_back *an, struct flow *f, enum flow_direction dir,
                               const struct packet_view *v, struct event_time ts)
{
    struct analyzer_seq_queue *q = &an->seq_queue;

    if (f->flags & FLOW_F_SEQ_RAW) {
        analyzer_seq_raw(an, f, dir, v->tcp_flags, v->payload, v->payload_len, v->payload_missing, ts);
        return true;
    }
    /* RFC 9293 §3.10.7.4: once synchronized, a receiver drops a segment
     * without ACK (Linux: tcp_rcv_established, tcp_rcv_state_process). The
     * connection has shown ACK, so such a segment is forged or broken. */
    if ((f->flags & FLOW_F_ACK_SEEN) && !(v->tcp_flags & (TCP_FLAG_ACK | TCP_FLAG_SYN | TCP_FLAG_RST)))
        return true;
    if (f->flags & FLOW_F_ACK_SEEN)
        return false;
    if (v->tcp_flags & TCP_FLAG_ACK) {
        f->flags |= FLOW_F_ACK_SEEN;
        analyzer_seq_replay(an, f, false);
        return false;
    }
    if (analyzer_wire_payload(v) == 0 && !(v->tcp_flags & TCP_FLAG_SYN))
        return false;
    analyzer_seq_judge(f, dir, v);
    if (f->seqcheck.good > 0) {
        analyzer_seq_replay(an, f, false);
        return false;
    }
    if (f->seqcheck.bad >= ANALYZER_SEQ_EVIDENCE) {
        f->flags |= FLOW_F_SEQ_RAW;
        analyzer_note(f, ANOMALY_SEQ_UNUSABLE);
        analyzer_seq_replay(an, f, true);
        if (f->verdict != CLASSIFY_OTHER)
            analyzer_seq_raw(an, f, dir, v->tcp_flags, v->payload, v->payload_len, v->payload_missing, ts);
        return true;
    }
    if (f->seqcheck.bad == 0 || (v->tcp_flags & TCP_FLAG_SYN))
        return false;
    if (analyzer_seq_enqueue(q, f, dir, v, ts))
        return true;
    /* No room to wait: the sequence numbers keep the benefit of the doubt. */
    analyzer_seq_replay(an, f, false);
    return false;
}

/* The same evidence for a flow whose bytes are only counted (TLS): with
 * nothing to replay, a segment in doubt counts as it is, and so does every
 * segment once the numbers are unusable. */
static bool analyzer_seq_count_raw(struct flow *f, enum flow_direction dir, const struct packet_view *v)
{
    if (f->flags & FLOW_F_SEQ_RAW)
        return true;
    if (f->flags & FLOW_F_ACK_SEEN)
        return false;
    if (v->tcp_flags & TCP_FLAG_ACK) {
        f->flags |= FLOW_F_ACK_SEEN;
        return false;
    }
    if (analyzer_wire_payload(v) == 0 && !(v->tcp_flags & TCP_FLAG_SYN))
        return false;
    analyzer_seq_judge(f, dir, v);
    if (f->seqcheck.good > 0)
        return false;
    if (f->seqcheck.bad >= ANALYZER_SEQ_EVIDENCE) {
        f->flags |= FLOW_F_SEQ_RAW;
        analyzer_note(f, ANOMALY_SEQ_UNUSABLE);
        return true;
    }
    return f->seqcheck.bad > 0 && !(v->tcp_flags & TCP_FLAG_SYN);
}

static void analyzer_reassemble(struct analyzer_back *an, struct flow *f, enum flow_direction dir,
                                const struct packet_view *v, struct event_time ts)
{
    if (f->verdict == CLASSIFY_UNDECIDED && analyzer_probe_exhausted(f, v)) {
        f->verdict = CLASSIFY_OTHER;
        analyzer_drop_interest(an, f);
        return;
    }
    if (v->payload_missing > 0)
        analyzer_note(f, ANOMALY_TRUNCATED_PACKET);
    if (analyzer_seq_route(an, f, dir, v, ts))
        return;
    analyzer_reassemble_stream(an, f, dir, v, ts);
}

/* The last ACK acknowledges the other side's FIN (RFC 9293 §3.6): that
 * side's bytes had all arrived, so any still missing were lost by the
 * capture, not by the network. An ACK that does not reach the FIN (a
 * reordered or duplicate one) ends nothing. */
static int analyzer_acks_peer_fin(const struct flow *f, const struct packet_view *v)
{
    enum flow_direction dir = flow_direction_of(f, v);
    const struct stream *peer = &f->streams[dir == FLOW_FROM_CLIENT ? FLOW_FROM_SERVER : FLOW_FROM_CLIENT];

    if (!(peer->flags & STREAM_F_FIN))
        return 1; /* the FIN was seen by the flow, not the stream: trust the ACK */
    return (uint32_t)(v->ack - (peer->fin_seq + 1u)) < 0x80000000u;
}

/* RST ends the connection at once (RFC 9293 §3.10.7); FIN from both sides
 * ends it once every byte before both FINs is in, or at the ACK that
 * closes it, whichever comes first (bytes still missing become gaps). */
static void analyzer_check_end(struct analyzer_back *an, struct flow *f, const struct packet_view *v,
                               struct event_time ts)
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
    if (f->verdict == CLASSIFY_OTHER || (f->flags & FLOW_F_SEQ_RAW) || (pure_ack && analyzer_acks_peer_fin(f, v)) ||
        (stream_complete(&f->streams[FLOW_FROM_CLIENT]) && stream_complete(&f->streams[FLOW_FROM_SERVER])))
        analyzer_end_flow(an, f, END_FIN, ts);
}

/* A SYN (without ACK) on a connection that already closed starts a new
 * connection on the same ports: the old one ends first. So does a SYN
 * that cannot belong to the old one (stream_foreign_syn): its end was not
 * in the capture. */
static int analyzer_reopened(const struct flow *f, enum flow_direction dir, const struct packet_view *v)
{
    if ((v->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
        return 0;
    return (f->flags & (FLOW_F_FIN_CLIENT | FLOW_F_FIN_SERVER | FLOW_F_RST)) != 0 ||
           stream_foreign_syn(&f->streams[dir], v->seq);
}

/* Ends the connection a new SYN replaces and frees its key: by its FIN or
 * RST when the capture showed one, else as a timeout at its last packet
 * (the capture missed its end). */
static void analyzer_end_replaced(struct analyzer_back *an, struct flow *f, struct event_time ts)
{
    int closing = (f->flags & (FLOW_F_FIN_CLIENT | FLOW_F_FIN_SERVER | FLOW_F_RST)) != 0;

    if (!(f->flags & FLOW_F_CLOSED))
        analyzer_end_flow(an, f, closing ? END_FIN : END_TIMEOUT, closing ? ts : f->last_ts);
    if (closing) /* analyzer_retire kept its slot as closed */
        flow_remove(an->flows, f);
}

/* ------------------------------------------------------------ checksums
 *
 * A segment whose IPv4 header or TCP checksum is wrong never reaches the
 * receiving socket (the kernel counts it in InCsumErrors and drops it), so
 * it must not reach our stream either: else a forged RST would end the
 * session we watch and a forged first copy of a command would win over
 * the copy the server really read. It is dropped before the flow sees it,
 * counted, and noted on the session as bad_checksum.
 *
 * Checksum offload: a capture taken on a sending host sees that host's
 * segments before the NIC fills their checksum in, so every one of them
 * is wrong. --checksum-validation auto (Suricata's idea) tells these
 * apart per direction of each connection, never for the whole capture,
 * so an attacker's bad segments cannot switch checking off for anyone:
 *   - the first segment of a direction that is judged decides: right, the
 *     direction is STRICT and every wrong one after it is dropped; wrong,
 *     the direction is OFFLOADED. The first is normally the SYN or the
 *     SYN-ACK, which an attacker must predict to precede. An RST can never
 *     make a direction OFFLOADED (it is dropped).
 *   - in an OFFLOADED direction data is not judged (this is what keeps
 *     offloaded captures cheap), but SYN, FIN and RST are: one that is
 *     right makes the direction STRICT from then on, so a bad SYN-ACK
 *     raced ahead of the real one buys nothing once the real one arrives.
 *   - in a STRICT direction, a wrong segment over 1500 bytes of IP whose
 *     field holds exactly the pseudo-header sum is a GRO-merged segment
 *     (the capturing host received and verified its parts) and passes.
 *   - a right checksum whose field looks unfilled (zero, or the pseudo-
 *     header sum) passes without deciding anything: an offloading host's
 *     segment is right that way once in 65536, and one such SYN must not
 *     make its whole direction STRICT (and its data dropped).
 * What an attacker can still do: on a connection whose handshake the
 * capture missed, be the first to send in a direction (accepted, and that
 * direction is OFFLOADED); on a jumbo-frame network, forge the GRO shape.
 * What it cannot: end, or put words into, a connection whose direction
 * has shown one right checksum. Segments cut by the snapshot length
 * cannot be judged and pass, as before. */
#define ANALYZER_CSUM_UNKNOWN 0u
#define ANALYZER_CSUM_STRICT 1u
#define ANALYZER_CSUM_OFFLOADED 2u
/* No Ethernet frame without jumbo frames holds a larger IP datagram. */
#define ANALYZER_CSUM_GRO_MIN_IP 1500u

static unsigned analyzer_csum_state(const struct flow *f, enum flow_direction dir)
{
    return f == NULL ? ANALYZER_CSUM_UNKNOWN : (f->checksum_state >> (2u * (unsigned)dir)) & 3u;
}

static void analyzer_csum_set(struct flow *f, enum flow_direction dir, unsigned state)
{
    unsigned shift = 2u * (unsigned)dir;

    f->checksum_state = (uint8_t)((f->checksum_state & ~(3u << shift)) | (state << shift));
}

/* Only segments that can change what we report are judged: whatever might
 * start a connection, and on a flow that is (or may become) POP3, the
 * rest; on a flow written off as not POP3, only a SYN that would replace
 * it. Non-POP3 traffic costs a flag test. */
static bool analyzer_csum_wanted(const struct analyzer_back *an, const struct flow *f, unsigned state,
                                 const struct packet_view *v)
{
    bool syn_only = (v->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;

    if (f == NULL)
        return !(v->tcp_flags & TCP_FLAG_RST) && ((v->tcp_flags & TCP_FLAG_SYN) || analyzer_wire_payload(v) > 0);
    if ((f->flags & FLOW_F_CLOSED) || f->verdict == CLASSIFY_OTHER)
        return syn_only;
    if (v->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST))
        return true;
    if (state == ANALYZER_CSUM_OFFLOADED && an->opts.checksum_mode == ANALYZER_CHECKSUM_AUTO)
        return false;
    return !(f->flags & FLOW_F_COUNT_ONLY);
}

static bool analyzer_csum_gro_sized(const struct packet_view *v)
{
    uint64_t ip_len = (uint64_t)(v->ip_version == 4 ? v->ip_header_len : 40u) + v->tcp_header_len + v->payload_len;

    return ip_len > ANALYZER_CSUM_GRO_MIN_IP;
}

/* True when the segment goes on; *state is then its direction's trust. */
static bool analyzer_csum_pass(struct analyzer_back *an, const struct flow *f, enum flow_direction dir,
                               const struct packet_view *v, unsigned *state)
{
    unsigned st = analyzer_csum_state(f, dir);
    enum decode_checksum c;

    *state = st;
    if (an->opts.checksum_mode == ANALYZER_CHECKSUM_NO || !analyzer_csum_wanted(an, f, st, v))
        return true;
    c = v->checksum != DECODE_CHECKSUM_UNCHECKED ? (enum decode_checksum)v->checksum : decode_checksum(v);
    if (c == DECODE_CHECKSUM_UNVERIFIABLE || c == DECODE_CHECKSUM_RIGHT_BY_CHANCE)
        return true;
    if (c == DECODE_CHECKSUM_GOOD) {
        *state = ANALYZER_CSUM_STRICT;
        return true;
    }
    if (an->opts.checksum_mode == ANALYZER_CHECKSUM_YES)
        return false;
    if (st == ANALYZER_CSUM_OFFLOADED)
        return true;
    if (st == ANALYZER_CSUM_UNKNOWN && !(v->tcp_flags & TCP_FLAG_RST)) {
        *state = ANALYZER_CSUM_OFFLOADED;
        an->stats.checksum_offloaded++;
        return true;
    }
    if (st == ANALYZER_CSUM_STRICT && c == DECODE_CHECKSUM_PARTIAL && analyzer_csum_gro_sized(v)) {
        an->stats.checksum_merged++;
        return true;
    }
    return false;
}

static void analyzer_csum_dropped(struct analyzer_back *an, struct flow *f)
{
    an->stats.checksum_dropped++;
    if (f != NULL && !(f->flags & FLOW_F_CLOSED))
        analyzer_note(f, ANOMALY_BAD_CHECKSUM);
}

/* hash is flow_hash_view(v): computed once per packet by the caller. */
static void analyzer_segment(struct analyzer_back *an, const struct packet_view *v, uint64_t hash, struct event_time ts)
{
    enum flow_direction dir = FLOW_FROM_CLIENT;
    struct flow *f = flow_lookup_hashed(an->flows, v, hash, &dir);
    unsigned csum = ANALYZER_CSUM_UNKNOWN;

    /* Before anything else: a segment the kernel drops may neither end,
     * replace, start nor feed a connection. */
    if (!analyzer_csum_pass(an, f, dir, v, &csum)) {
        analyzer_csum_dropped(an, f);
        return;
    }
    if (f != NULL && analyzer_reopened(f, dir, v)) {
        analyzer_end_replaced(an, f, ts);
        f = NULL;
    }
    if (f != NULL && (f->flags & FLOW_F_CLOSED))
        return; /* a late segment of a connection already reported */
    if (f == NULL) {
        /* Only a SYN or payload starts a flow: stray ACKs, FINs and RSTs
         * after a connection ended must not open a new one. */
        if ((v->tcp_flags & TCP_FLAG_RST) || (!(v->tcp_flags & TCP_FLAG_SYN) && analyzer_wire_payload(v) == 0))
            return;
        f = analyzer_new_flow(an, v, hash, ts);
        if (f == NULL)
            return;
        dir = flow_direction_of(f, v);
    }
    if (csum != analyzer_csum_state(f, dir))
        analyzer_csum_set(f, dir, csum);
    flow_touch(an->flows, f, ts);
    f->last_frame = an->frame;
    f->last_file = an->where.file;
    if (v->tcp_flags & TCP_FLAG_FIN)
        f->flags |= dir == FLOW_FROM_CLIENT ? FLOW_F_FIN_CLIENT : FLOW_F_FIN_SERVER;
    /* An RST outside the window is ignored by the receiver (RFC 5961 §3):
     * a blind one must not end the connection we are watching. */
    if ((v->tcp_flags & TCP_FLAG_RST) &&
        ((f->flags & FLOW_F_SEQ_RAW) || stream_rst_in_window(&f->streams[dir], v->seq)))
        f->flags |= FLOW_F_RST;
    analyzer_classify_packet(an, f, dir, v, ts);
    if (f->verdict != CLASSIFY_OTHER) {
        if (f->flags & FLOW_F_COUNT_ONLY)
            analyzer_count_only(an, f, dir, v, ts);
        else
            analyzer_reassemble(an, f, dir, v, ts);
    }
    analyzer_check_end(an, f, v, ts);
}

/* A datagram whose fragments overlapped with different bytes: the flow's
 * anomaly, once the segment has found (or made) its flow. */
static void analyzer_overlap_conflict(struct analyzer_back *an, const struct packet_view *v, uint64_t hash,
                                      bool conflict)
{
    enum flow_direction dir;
    struct flow *f = conflict ? flow_lookup_hashed(an->flows, v, hash, &dir) : NULL;

    if (f != NULL && !(f->flags & FLOW_F_CLOSED))
        analyzer_note(f, ANOMALY_OVERLAP_CONFLICT);
}

void analyzer_back_segment(struct analyzer_back *an, uint64_t frame, uint32_t input, uint64_t number,
                           const struct packet_view *v, uint64_t hash, struct event_time ts, bool overlap_conflict)
{
    an->frame = frame;
    an->where.file = input < an->opts.input_count ? an->opts.input_names[input] : NULL;
    an->where.number = number;
    analyzer_segment(an, v, hash, ts);
    analyzer_overlap_conflict(an, v, hash, overlap_conflict);
}

/* ------------------------------------------------------------ finishing */

static int analyzer_by_flow_id(const void *a, const void *b)
{
    const struct flow *fa = *(const struct flow *const *)a;
    const struct flow *fb = *(const struct flow *const *)b;

    return (fa->meta.flow_id > fb->meta.flow_id) - (fa->meta.flow_id < fb->meta.flow_id);
}

/* Ends every open session, in flow_id order so output is deterministic. */
void analyzer_back_finish(struct analyzer_back *an, enum event_end how)
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
        while ((f = flow_oldest(an->flows)) != NULL) {
            an->hooks.order(an->hooks.ctx, f->meta.flow_id); /* the order breaks: ENOMEM */
            analyzer_end_flow(an, f, how, f->last_ts);
        }
        return;
    }
    for (f = flow_oldest(an->flows); f != NULL && i < n; f = f->lru_next)
        order[i++] = f;
    qsort(order, i, sizeof *order, analyzer_by_flow_id);
    for (size_t k = 0; k < i; k++) {
        an->hooks.order(an->hooks.ctx, order[k]->meta.flow_id);
        analyzer_end_flow(an, order[k], how, order[k]->last_ts);
    }
    free(order);
}

void analyzer_back_summary_event(struct analyzer_back *an, struct event_time now, struct event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->type = EVENT_APP_SUMMARY;
    ev->u.app_summary = *classify_summary(an->classify, now);
}

void analyzer_back_merge_summary(struct analyzer_back *into, const struct analyzer_back *from)
{
    classify_merge(into->classify, from->classify);
}

/* Frees without reporting: call analyzer_back_finish first to get the
 * events. */
void analyzer_back_free(struct analyzer_back *an)
{
    struct flow *f;

    if (an == NULL)
        return;
    while (an->flows != NULL && (f = flow_oldest(an->flows)) != NULL) {
        if (f->session != NULL)
            pop3_session_free(f->session);
        f->session = NULL;
        analyzer_drop_interest(an, f);
        classify_app_release(an->classify, &f->app);
        flow_remove(an->flows, f);
    }
    pop3_pool_free(an->trackers); /* after the sessions, which return to it */
    flow_table_free(an->flows);
    stream_pool_free(an->pool);
    classify_context_free(an->classify);
    free(an);
}
