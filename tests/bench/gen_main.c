/* pop3gen: options, the scheduler that interleaves many open connections,
 * TCP segmentation (handshake, MSS-sized segments, delayed ACKs, FIN/RST,
 * the odd retransmitted or swapped segment) and the pcap writer.
 *
 *   pop3gen [-s SEED] [-b SIZE] [-c CONNS] [-x SHARE] [-6 SHARE]
 *           [-d RATE] [-R RATE] -o FILE.pcap -t TRUTH.jsonl
 *
 * SIZE takes K, M and G suffixes (powers of 1024). The truth file holds one
 * JSON object per event pop3scope must report, with the fields the
 * generator knows for certain (tests/bench/truth.py compares them). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"

#define GEN_SNAPLEN 262144
#define GEN_LINKTYPE_ETHERNET 1
#define GEN_MSS_V4 1448 /* 1500 - 20 (IPv4) - 32 (TCP with timestamps) */
#define GEN_MSS_V6 1428
#define GEN_FLIGHT_MAX 4
#define GEN_OUT_BUFFER (4u << 20)
#define GEN_START_SEC 1764547200 /* 2025-12-01T00:00:00Z */

enum gen_phase { GEN_PHASE_HANDSHAKE, GEN_PHASE_DATA, GEN_PHASE_CLOSE, GEN_PHASE_DONE };

/* The output file and the packet clock. */
struct gen_out {
    FILE *file;
    uint8_t *buf;
    size_t len;
    uint64_t now_us;
};

static struct gen_out gen_out;

/* ------------------------------------------------------------ pcap */

static void gen_out_flush(void)
{
    if (gen_out.len > 0 && fwrite(gen_out.buf, 1, gen_out.len, gen_out.file) != gen_out.len) {
        fprintf(stderr, "pop3gen: write failed: %s\n", strerror(errno));
        exit(1);
    }
    gen_out.len = 0;
}

static uint8_t *gen_out_room(size_t n)
{
    if (gen_out.len + n > GEN_OUT_BUFFER)
        gen_out_flush();
    return gen_out.buf + gen_out.len;
}

static void gen_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void gen_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void gen_pcap_header(void)
{
    uint32_t h[6] = { 0xa1b2c3d4u, 2u | (4u << 16), 0, 0, GEN_SNAPLEN, GEN_LINKTYPE_ETHERNET };

    memcpy(gen_out_room(sizeof h), h, sizeof h); /* host order, as libpcap writes it */
    gen_out.len += sizeof h;
}

static uint16_t gen_ip_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* TCP options: SYNs carry MSS, SACK-permitted, timestamps and window
 * scale like Linux; every other segment carries timestamps. */
static size_t gen_tcp_options(struct gen_conn *c, enum gen_dir dir, uint8_t flags, uint8_t *p)
{
    uint32_t tsval = c->tsval[dir], tsecr = c->tsval[dir ^ 1];

    if (flags & 0x02) {
        uint16_t mss = c->ip_version == 6 ? GEN_MSS_V6 + 12 : GEN_MSS_V4 + 12;
        const uint8_t head[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
        memcpy(p, head, 4);
        p[4] = 4, p[5] = 2, p[6] = 8, p[7] = 10;
        gen_put32(p + 8, tsval);
        gen_put32(p + 12, (flags & 0x10) ? tsecr : 0);
        p[16] = 1, p[17] = 3, p[18] = 3, p[19] = 7;
        return 20;
    }
    p[0] = 1, p[1] = 1, p[2] = 8, p[3] = 10;
    gen_put32(p + 4, tsval);
    gen_put32(p + 8, tsecr);
    return 12;
}

static size_t gen_link_ip(struct gen_conn *c, enum gen_dir dir, uint8_t *p, size_t tcp_len)
{
    static const uint8_t mac[2][6] = { { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef } };

    memcpy(p, mac[dir ^ 1], 6);
    memcpy(p + 6, mac[dir], 6);
    if (c->ip_version == 6) {
        gen_put16(p + 12, 0x86dd);
        uint8_t *ip = p + 14;
        gen_put32(ip, 0x60000000u);
        gen_put16(ip + 4, (uint16_t)tcp_len);
        ip[6] = 6, ip[7] = 64;
        memcpy(ip + 8, c->addr[dir], 16);
        memcpy(ip + 24, c->addr[dir ^ 1], 16);
        return 14 + 40;
    }
    gen_put16(p + 12, 0x0800);
    uint8_t *ip = p + 14;
    ip[0] = 0x45, ip[1] = 0;
    gen_put16(ip + 2, (uint16_t)(20 + tcp_len));
    gen_put16(ip + 4, c->ip_id[dir]++);
    gen_put16(ip + 6, 0x4000);
    ip[8] = 64, ip[9] = 6, ip[10] = 0, ip[11] = 0;
    memcpy(ip + 12, c->addr[dir], 4);
    memcpy(ip + 16, c->addr[dir ^ 1], 4);
    gen_put16(ip + 10, gen_ip_checksum(ip, 20));
    return 14 + 20;
}

/* One frame. The TCP checksum is left zero, as in captures taken on a
 * sender with checksum offload; no reader here verifies it. */
static void gen_emit(struct gen_ctx *ctx, struct gen_conn *c, enum gen_dir dir, uint8_t flags, uint32_t seq,
                     const uint8_t *payload, size_t len)
{
    uint8_t opts[20];
    size_t optlen = gen_tcp_options(c, dir, flags, opts);
    size_t tcp_len = 20 + optlen + len;
    size_t frame_max = 16 + 14 + 40 + tcp_len;
    uint8_t *rec = gen_out_room(frame_max);
    uint8_t *p = rec + 16;
    size_t l3 = gen_link_ip(c, dir, p, tcp_len);
    uint8_t *tcp = p + l3;
    uint32_t caplen = (uint32_t)(l3 + tcp_len);
    uint32_t hdr[4];

    gen_put16(tcp, c->port[dir]);
    gen_put16(tcp + 2, c->port[dir ^ 1]);
    gen_put32(tcp + 4, seq);
    gen_put32(tcp + 8, (flags & 0x10) ? c->seq[dir ^ 1] : 0);
    tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
    tcp[13] = flags;
    gen_put16(tcp + 14, 502);
    gen_put32(tcp + 16, 0);
    memcpy(tcp + 20, opts, optlen);
    if (len > 0)
        memcpy(tcp + 20 + optlen, payload, len);
    gen_out.now_us += 1 + gen_rng_below(&ctx->rng, 24);
    c->tsval[dir] = (uint32_t)(gen_out.now_us / 1000);
    hdr[0] = (uint32_t)(GEN_START_SEC + gen_out.now_us / 1000000);
    hdr[1] = (uint32_t)(gen_out.now_us % 1000000);
    hdr[2] = caplen;
    hdr[3] = caplen;
    memcpy(rec, hdr, sizeof hdr);
    gen_out.len += 16 + caplen;
    ctx->stats.packets++;
    ctx->stats.file_bytes += 16 + caplen;
}

/* ------------------------------------------------------------ TCP */

static void gen_handshake(struct gen_ctx *ctx, struct gen_conn *c)
{
    gen_emit(ctx, c, GEN_CLIENT, 0x02, c->seq[GEN_CLIENT]++, NULL, 0);
    gen_emit(ctx, c, GEN_SERVER, 0x12, c->seq[GEN_SERVER]++, NULL, 0);
    gen_emit(ctx, c, GEN_CLIENT, 0x10, c->seq[GEN_CLIENT], NULL, 0);
    c->phase = GEN_PHASE_DATA;
}

struct gen_seg {
    uint32_t seq;
    const uint8_t *data;
    size_t len;
    uint8_t flags;
};

/* Up to GEN_FLIGHT_MAX segments of the current turn, then the receiver's
 * ACK. A few segments go out twice (a retransmission) or swapped with
 * their neighbour (reordering on the path); neither may change what a
 * correct reassembler delivers. */
static void gen_flight(struct gen_ctx *ctx, struct gen_conn *c)
{
    enum gen_dir dir = c->turn_dir;
    size_t mss = c->ip_version == 6 ? GEN_MSS_V6 : GEN_MSS_V4;
    struct gen_seg seg[GEN_FLIGHT_MAX];
    unsigned n = 0, want = 1 + gen_rng_below(&c->rng, GEN_FLIGHT_MAX);
    uint32_t first = c->seq[dir];

    while (n < want && c->turn_pos < c->turn.len) {
        size_t len = c->turn.len - c->turn_pos < mss ? c->turn.len - c->turn_pos : mss;
        seg[n].seq = c->seq[dir];
        seg[n].data = c->turn.data + c->turn_pos;
        seg[n].len = len;
        c->turn_pos += len;
        c->seq[dir] += (uint32_t)len;
        seg[n].flags = c->turn_pos == c->turn.len ? 0x18 : 0x10;
        n++;
    }
    c->payload[dir] += c->seq[dir] - first;
    if (c->pop3)
        ctx->stats.payload_pop3 += c->seq[dir] - first;
    else
        ctx->stats.payload_other += c->seq[dir] - first;
    if (n >= 2 && gen_rng_chance(&ctx->rng, ctx->opt.reorder_rate * (n - 1))) {
        unsigned k = gen_rng_below(&ctx->rng, n - 1);
        struct gen_seg t = seg[k];
        seg[k] = seg[k + 1];
        seg[k + 1] = t;
        ctx->stats.reordered++;
    }
    for (unsigned i = 0; i < n; i++) {
        gen_emit(ctx, c, dir, seg[i].flags, seg[i].seq, seg[i].data, seg[i].len);
        if (gen_rng_chance(&ctx->rng, ctx->opt.dup_rate)) {
            gen_emit(ctx, c, dir, seg[i].flags, seg[i].seq, seg[i].data, seg[i].len);
            ctx->stats.duplicated++;
        }
    }
    /* Linux ACKs every second full segment, and the end of a burst. */
    if (n >= 2 || c->turn_pos == c->turn.len || gen_rng_chance(&c->rng, 0.5))
        gen_emit(ctx, c, dir ^ 1, 0x10, c->seq[dir ^ 1], NULL, 0);
}

static void gen_close(struct gen_ctx *ctx, struct gen_conn *c)
{
    enum gen_dir first = (c->close == GEN_CLOSE_FIN_SERVER || c->close == GEN_CLOSE_RST_SERVER) ? GEN_SERVER : GEN_CLIENT;

    if (c->close == GEN_CLOSE_RST_CLIENT || c->close == GEN_CLOSE_RST_SERVER) {
        gen_emit(ctx, c, first, 0x14, c->seq[first], NULL, 0);
    } else {
        gen_emit(ctx, c, first, 0x11, c->seq[first]++, NULL, 0);
        gen_emit(ctx, c, first ^ 1, 0x11, c->seq[first ^ 1]++, NULL, 0);
        gen_emit(ctx, c, first, 0x10, c->seq[first], NULL, 0);
    }
    c->phase = GEN_PHASE_DONE;
}

/* One step of one connection: a handshake, a flight, or the close. */
static void gen_step(struct gen_ctx *ctx, struct gen_conn *c)
{
    switch (c->phase) {
    case GEN_PHASE_HANDSHAKE: gen_handshake(ctx, c); return;
    case GEN_PHASE_DATA:
        while (c->turn_pos >= c->turn.len) {
            c->turn.len = 0;
            c->turn_pos = 0;
            if (!c->ops->next(c)) {
                c->phase = GEN_PHASE_CLOSE;
                return;
            }
        }
        gen_flight(ctx, c);
        return;
    case GEN_PHASE_CLOSE: gen_close(ctx, c); return;
    default: return;
    }
}

/* ------------------------------------------------------------ endpoints */

void gen_conn_endpoints(struct gen_ctx *ctx, struct gen_conn *c, uint16_t server_port, unsigned server_pool)
{
    uint64_t n = ctx->next_client++;
    uint32_t host = (uint32_t)(n * 2654435761u) & 0xffffffu; /* a bijection: no client repeats */
    uint32_t server = gen_rng_below(&c->rng, server_pool);

    memset(c->addr, 0, sizeof c->addr);
    c->ip_version = gen_rng_chance(&c->rng, ctx->opt.ipv6_share) ? 6 : 4;
    if (c->ip_version == 6) {
        /* 2001:db8::/32 (RFC 3849): clients in :c::/48, servers in :5::/48. */
        const uint8_t pre[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0c };
        memcpy(c->addr[GEN_CLIENT], pre, 6);
        gen_put32(c->addr[GEN_CLIENT] + 12, (uint32_t)n + 1);
        c->addr[GEN_CLIENT][8] = (uint8_t)gen_rng_below(&c->rng, 256);
        memcpy(c->addr[GEN_SERVER], pre, 6);
        c->addr[GEN_SERVER][5] = 0x05;
        gen_put16(c->addr[GEN_SERVER] + 14, (uint16_t)(server + 1));
        ctx->stats.ipv6_flows++;
    } else {
        /* 10/8 clients; servers in 198.18/15 (RFC 2544, benchmarking). */
        gen_put32(c->addr[GEN_CLIENT], 0x0a000000u | host);
        gen_put32(c->addr[GEN_SERVER], 0xc6120000u | (server_port == 110 || server_port == 995 ? 0 : 0x100u) |
                                           (server & 0xffu));
    }
    c->port[GEN_CLIENT] = (uint16_t)(32768 + gen_rng_below(&c->rng, 28232));
    c->port[GEN_SERVER] = server_port;
    c->seq[GEN_CLIENT] = (uint32_t)gen_rng_next(&c->rng);
    c->seq[GEN_SERVER] = (uint32_t)gen_rng_next(&c->rng);
    c->ip_id[GEN_CLIENT] = (uint16_t)gen_rng_next(&c->rng);
    c->ip_id[GEN_SERVER] = (uint16_t)gen_rng_next(&c->rng);
}

void gen_addr_text(const struct gen_conn *c, enum gen_dir side, char *buf, size_t size)
{
    if (inet_ntop(c->ip_version == 6 ? AF_INET6 : AF_INET, c->addr[side], buf, (socklen_t)size) == NULL)
        snprintf(buf, size, "?");
}

void gen_json_string(FILE *f, const uint8_t *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = s[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* ------------------------------------------------------------ scheduler */

static struct gen_conn *gen_spawn(struct gen_ctx *ctx)
{
    struct gen_conn *c = calloc(1, sizeof *c);
    /* Steer new connections towards the wanted byte mix, on the bytes
     * each connection plans to carry (counting bytes as they go out would
     * lag behind long downloads and overshoot). */
    double other = (double)ctx->stats.planned_other, total = other + (double)ctx->stats.planned_pop3;
    double p_other = total > 0.0 && other / total < ctx->opt.other_share ? 0.5 : 0.0;

    if (c == NULL) {
        fputs("pop3gen: out of memory\n", stderr);
        exit(1);
    }
    if (ctx->opt.other_share >= 1.0)
        p_other = 1.0;
    gen_rng_seed(&c->rng, gen_rng_next(&ctx->rng));
    c->ctx = ctx;
    c->phase = GEN_PHASE_HANDSHAKE;
    if (gen_rng_chance(&ctx->rng, p_other))
        gen_other_start(ctx, c);
    else
        gen_pop3_start(ctx, c);
    return c;
}

static void gen_finish(struct gen_conn *c)
{
    c->ops->done(c);
    gen_buf_free(&c->turn);
    free(c);
}

static void gen_run(struct gen_ctx *ctx)
{
    struct gen_conn **open = calloc(ctx->opt.concurrency, sizeof *open);
    unsigned active = 0;

    if (open == NULL)
        exit(1);
    for (;;) {
        while (ctx->stats.file_bytes < ctx->opt.target_bytes && active < ctx->opt.concurrency)
            open[active++] = gen_spawn(ctx);
        if (active == 0)
            break;
        unsigned i = gen_rng_below(&ctx->rng, active);
        struct gen_conn *c = open[i];
        gen_step(ctx, c);
        if (c->phase == GEN_PHASE_DONE) {
            gen_finish(c);
            open[i] = open[--active];
        }
    }
    free(open);
}

/* ------------------------------------------------------------ options */

static int gen_parse_size(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s)
        return -1;
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    default: break;
    }
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int gen_parse_share(const char *s, double *out)
{
    char *end = NULL;
    double v = strtod(s, &end);

    if (end == s || *end != '\0' || v < 0.0 || v > 1.0)
        return -1;
    *out = v;
    return 0;
}

static void gen_usage(void)
{
    fputs("usage: pop3gen [-s SEED] [-b SIZE[KMG]] [-c CONNS] [-x OTHER_SHARE] [-6 IPV6_SHARE]\n"
          "               [-d DUP_RATE] [-R REORDER_RATE] -o FILE.pcap -t TRUTH.jsonl\n",
          stderr);
}

static int gen_options(int argc, char **argv, struct gen_options *o, const char **pcap, const char **truth)
{
    int opt;
    uint64_t v;

    o->seed = 1;
    o->target_bytes = 64u << 20;
    o->concurrency = 256;
    o->other_share = 0.30;
    o->ipv6_share = 0.20;
    o->dup_rate = 0.004;
    o->reorder_rate = 0.004;
    while ((opt = getopt(argc, argv, "s:b:c:x:6:d:R:o:t:")) != -1) {
        int bad = 0;
        switch (opt) {
        case 's': bad = gen_parse_size(optarg, &o->seed); break;
        case 'b': bad = gen_parse_size(optarg, &o->target_bytes); break;
        case 'c':
            bad = gen_parse_size(optarg, &v) || v == 0 || v > 1000000;
            o->concurrency = (unsigned)v;
            break;
        case 'x': bad = gen_parse_share(optarg, &o->other_share); break;
        case '6': bad = gen_parse_share(optarg, &o->ipv6_share); break;
        case 'd': bad = gen_parse_share(optarg, &o->dup_rate); break;
        case 'R': bad = gen_parse_share(optarg, &o->reorder_rate); break;
        case 'o': *pcap = optarg; break;
        case 't': *truth = optarg; break;
        default: bad = 1; break;
        }
        if (bad) {
            gen_usage();
            return -1;
        }
    }
    if (*pcap == NULL || *truth == NULL || optind != argc) {
        gen_usage();
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct gen_ctx ctx;
    const char *pcap = NULL, *truth = NULL;
    struct gen_stats *st = &ctx.stats;

    if (gen_options(argc, argv, &ctx.opt, &pcap, &truth) != 0)
        return 2;
    gen_rng_seed(&ctx.rng, ctx.opt.seed);
    gen_text_init(&ctx.rng);
    gen_out.file = strcmp(pcap, "-") == 0 ? stdout : fopen(pcap, "wb");
    ctx.truth = fopen(truth, "w");
    gen_out.buf = malloc(GEN_OUT_BUFFER);
    if (gen_out.file == NULL || ctx.truth == NULL || gen_out.buf == NULL) {
        fprintf(stderr, "pop3gen: cannot open outputs: %s\n", strerror(errno));
        return 1;
    }
    gen_pcap_header();
    gen_run(&ctx);
    gen_out_flush();
    if (fclose(ctx.truth) != 0 || (gen_out.file != stdout && fclose(gen_out.file) != 0)) {
        fprintf(stderr, "pop3gen: write failed: %s\n", strerror(errno));
        return 1;
    }
    free(gen_out.buf);
    fprintf(stderr,
            "pop3gen: seed %" PRIu64 ": %" PRIu64 " bytes, %" PRIu64 " packets, %" PRIu64 " POP3 sessions, %" PRIu64
            " other flows, %" PRIu64 " auth events, %" PRIu64 " IPv6 flows, %" PRIu64 " duplicated, %" PRIu64
            " reordered, %" PRIu64 " lowercase, %" PRIu64 " pipelining, %" PRIu64
            " dot-stuffed lines; non-POP3 payload share %.1f%%\n",
            ctx.opt.seed, st->file_bytes + 24, st->packets, st->pop3_sessions, st->other_flows, st->auth_events,
            st->ipv6_flows, st->duplicated, st->reordered, st->lowercase_sessions, st->pipelining_sessions,
            gen_text_stuffed_lines(),
            100.0 * (double)st->payload_other / (double)(st->payload_other + st->payload_pop3 + 1));
    if (getenv("POP3GEN_DEBUG") != NULL)
        fprintf(stderr, "planned pop3 %" PRIu64 " other %" PRIu64 "; sent pop3 %" PRIu64 " other %" PRIu64 "\n", st->planned_pop3, st->planned_other, st->payload_pop3, st->payload_other);
    return 0;
}
