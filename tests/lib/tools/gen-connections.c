/* gen-connections: writes a capture of many short TCP connections to
 * standard output, for the scale measurements of README "Damaged and
 * partial captures" (flow table and out-of-order store under a million
 * connections, memory per idle flow, allocations per packet). Nothing is
 * stored: pipe it into pop3scope ("-" reads standard input).
 *
 *   gen-connections [options] COUNT > capture.pcap
 *     --kind pop3|other  POP3 on port 110 (a USER/PASS login, LIST, QUIT),
 *                        or a client-first protocol on port 8080 that the
 *                        probe writes off (default pop3)
 *     --parallel P       connections in progress at once, their packets
 *                        interleaved (default 32)
 *     --open             stop before the close: every connection stays
 *                        idle, to measure what an idle flow costs
 *     --reorder          each connection's PASS arrives before its USER
 *                        (the out-of-order store holds it meanwhile)
 *     --body SEGMENTS    the server answers a RETR with a body of SEGMENTS
 *                        segments of 1000 bytes (default 0: no RETR)
 *
 * Connection i comes from 10.(i>>16).(i>>8).i, port 1024 + i % 60000, to
 * 192.0.2.1; 20 connections start per millisecond of packet time. Raw IPv4
 * link type, microsecond pcap, no randomness. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_LINKTYPE_IPV4 228
#define GEN_SNAPLEN 65535u
#define GEN_BODY_SEGMENT 1000u
#define GEN_PARALLEL_MAX 4096u

#define GEN_FIN 0x01u
#define GEN_SYN 0x02u
#define GEN_PSH 0x08u
#define GEN_ACK 0x10u

struct gen_options {
    uint64_t count;
    uint32_t parallel;
    uint32_t body;
    bool pop3;
    bool open;
    bool reorder;
};

/* One connection in progress: which step it is at and its sequence numbers. */
struct gen_conn {
    uint64_t index;
    uint32_t client_seq;
    uint32_t server_seq;
    uint32_t step;
    uint32_t body_sent;
    bool live;
};

static uint64_t gen_usec = UINT64_C(1700000000) * 1000000u;
static uint8_t gen_frame[20 + 20 + GEN_BODY_SEGMENT];
static char gen_body[GEN_BODY_SEGMENT + 1];

static void gen_put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void gen_put32(uint8_t *p, uint32_t v)
{
    gen_put16(p, v >> 16);
    gen_put16(p + 2, v & 0xFFFFu);
}

static bool gen_write(const void *data, size_t n)
{
    return fwrite(data, 1, n, stdout) == n;
}

static bool gen_header(void)
{
    uint8_t h[24];

    gen_put32(h, 0xA1B2C3D4u);
    /* The magic is written big-endian, so every field is. */
    gen_put16(h + 4, 2);
    gen_put16(h + 6, 4);
    memset(h + 8, 0, 8);
    gen_put32(h + 16, GEN_SNAPLEN);
    gen_put32(h + 20, GEN_LINKTYPE_IPV4);
    return gen_write(h, sizeof h);
}

static uint32_t gen_client_ip(uint64_t i)
{
    return 0x0A000000u | (uint32_t)(i & 0xFFFFFFu);
}

static uint16_t gen_client_port(uint64_t i)
{
    return (uint16_t)(1024u + i % 60000u);
}

/* One IPv4 TCP segment, from the client (to_server) or from the server. */
static bool gen_segment(const struct gen_options *o, const struct gen_conn *c, bool to_server, uint8_t flags,
                        const char *payload, size_t len)
{
    uint32_t client = gen_client_ip(c->index);
    uint32_t server = 0xC0000201u;
    uint16_t port = o->pop3 ? 110 : 8080;
    uint8_t rec[16];
    uint32_t total = (uint32_t)(40 + len);

    memset(gen_frame, 0, 40);
    gen_frame[0] = 0x45;
    gen_put16(gen_frame + 2, total);
    gen_frame[8] = 64;
    gen_frame[9] = 6;
    gen_put32(gen_frame + 12, to_server ? client : server);
    gen_put32(gen_frame + 16, to_server ? server : client);
    gen_put16(gen_frame + 20, to_server ? gen_client_port(c->index) : port);
    gen_put16(gen_frame + 22, to_server ? port : gen_client_port(c->index));
    gen_put32(gen_frame + 24, to_server ? c->client_seq : c->server_seq);
    gen_put32(gen_frame + 28, (flags & GEN_SYN) && to_server ? 0 : (to_server ? c->server_seq : c->client_seq));
    gen_frame[32] = 5u << 4;
    gen_frame[33] = flags;
    gen_put16(gen_frame + 34, 65535);
    memcpy(gen_frame + 40, payload, len);
    gen_usec += 1;
    gen_put32(rec, (uint32_t)(gen_usec / 1000000u));
    gen_put32(rec + 4, (uint32_t)(gen_usec % 1000000u));
    gen_put32(rec + 8, total);
    gen_put32(rec + 12, total);
    return gen_write(rec, sizeof rec) && gen_write(gen_frame, total);
}

static bool gen_send(const struct gen_options *o, struct gen_conn *c, bool to_server, uint8_t flags, const char *text)
{
    size_t len = strlen(text);
    uint32_t *seq = to_server ? &c->client_seq : &c->server_seq;
    bool ok = gen_segment(o, c, to_server, flags, text, len);

    *seq += (uint32_t)len + ((flags & (GEN_SYN | GEN_FIN)) ? 1u : 0u);
    return ok;
}

/* PASS before USER on the wire: PASS is sent at USER's sequence number
 * plus USER's length, USER afterwards at its own. */
static bool gen_reordered_login(const struct gen_options *o, struct gen_conn *c)
{
    static const char user[] = "USER alice\r\n";
    uint32_t start = c->client_seq;
    bool ok;

    c->client_seq = start + (uint32_t)strlen(user);
    ok = gen_send(o, c, true, GEN_ACK | GEN_PSH, "PASS secret\r\n");
    c->client_seq = start;
    ok = gen_send(o, c, true, GEN_ACK | GEN_PSH, user) && ok;
    c->client_seq += (uint32_t)strlen("PASS secret\r\n");
    return ok;
}

/* The POP3 exchange, one packet per call; false in *more once done. */
static bool gen_pop3_step(const struct gen_options *o, struct gen_conn *c, bool *more)
{
    const uint8_t data = GEN_ACK | GEN_PSH;

    switch (c->step++) {
    case 0: return gen_send(o, c, true, GEN_SYN, "");
    case 1: return gen_send(o, c, false, GEN_SYN | GEN_ACK, "");
    case 2: return gen_send(o, c, true, GEN_ACK, "");
    case 3: return gen_send(o, c, false, data, "+OK ready\r\n");
    case 4: return o->reorder ? gen_reordered_login(o, c) : gen_send(o, c, true, data, "USER alice\r\n");
    case 5: return gen_send(o, c, false, data, "+OK\r\n");
    case 6: return o->reorder ? true : gen_send(o, c, true, data, "PASS secret\r\n");
    case 7: return gen_send(o, c, false, data, "+OK Logged in.\r\n");
    case 8:
        if (o->open) {
            *more = false;
            return true;
        }
        return gen_send(o, c, true, data, o->body > 0 ? "RETR 1\r\n" : "LIST\r\n");
    case 9:
        if (o->body > 0 && c->body_sent <= o->body) {
            c->step = 9; /* stay here until the body is out */
            if (c->body_sent++ == 0)
                return gen_send(o, c, false, data, "+OK message follows\r\n");
            return gen_send(o, c, false, GEN_ACK, gen_body);
        }
        return gen_send(o, c, false, data, o->body > 0 ? ".\r\n" : "+OK 0 messages\r\n.\r\n");
    case 10: return gen_send(o, c, true, data, "QUIT\r\n");
    case 11: return gen_send(o, c, false, data | GEN_FIN, "+OK bye\r\n");
    case 12: return gen_send(o, c, true, GEN_ACK | GEN_FIN, "");
    default:
        *more = false;
        return gen_send(o, c, false, GEN_ACK, "");
    }
}

/* A client-first protocol: the probe writes it off at its first bytes. */
static bool gen_other_step(const struct gen_options *o, struct gen_conn *c, bool *more)
{
    switch (c->step++) {
    case 0: return gen_send(o, c, true, GEN_SYN, "");
    case 1: return gen_send(o, c, false, GEN_SYN | GEN_ACK, "");
    case 2: return gen_send(o, c, true, GEN_ACK, "");
    case 3: return gen_send(o, c, true, GEN_ACK | GEN_PSH, "GET / HTTP/1.1\r\nHost: example\r\n\r\n");
    case 4:
        if (o->open) {
            *more = false;
            return true;
        }
        return gen_send(o, c, false, GEN_ACK | GEN_PSH, "HTTP/1.1 204 No Content\r\n\r\n");
    case 5: return gen_send(o, c, true, GEN_ACK | GEN_FIN, "");
    case 6: return gen_send(o, c, false, GEN_ACK | GEN_FIN, "");
    default:
        *more = false;
        return gen_send(o, c, true, GEN_ACK, "");
    }
}

static void gen_start(struct gen_conn *c, uint64_t index)
{
    memset(c, 0, sizeof *c);
    c->index = index;
    c->client_seq = (uint32_t)(index * 2654435761u);
    c->server_seq = (uint32_t)(index * 40503u + 7u);
    c->live = true;
    /* 20 connections start per millisecond of packet time. */
    if (index % 20u == 0)
        gen_usec += 1000u - 20u;
}

/* Round-robin over `parallel` slots, each running connections one after
 * the other until COUNT have started. */
static bool gen_run(const struct gen_options *o)
{
    struct gen_conn *slots = calloc(o->parallel, sizeof *slots);
    uint64_t started = 0;
    uint32_t live = 0;
    bool ok = slots != NULL && gen_header();

    while (ok && (started < o->count || live > 0)) {
        live = 0;
        for (uint32_t i = 0; i < o->parallel && ok; i++) {
            struct gen_conn *c = &slots[i];
            bool more = true;

            if (!c->live && started < o->count)
                gen_start(c, started++);
            if (!c->live)
                continue;
            ok = o->pop3 ? gen_pop3_step(o, c, &more) : gen_other_step(o, c, &more);
            c->live = more;
            live += more;
        }
    }
    free(slots);
    return ok && fflush(stdout) == 0;
}

static bool gen_number(const char *text, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;

    if (text == NULL || text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static bool gen_parse(int argc, char **argv, struct gen_options *o)
{
    uint64_t v;

    memset(o, 0, sizeof *o);
    o->parallel = 32;
    o->pop3 = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--open") == 0) {
            o->open = true;
        } else if (strcmp(a, "--reorder") == 0) {
            o->reorder = true;
        } else if (strcmp(a, "--kind") == 0 && i + 1 < argc) {
            o->pop3 = strcmp(argv[++i], "pop3") == 0;
            if (!o->pop3 && strcmp(argv[i], "other") != 0)
                return false;
        } else if (strcmp(a, "--parallel") == 0 && gen_number(i + 1 < argc ? argv[i + 1] : NULL, GEN_PARALLEL_MAX, &v) &&
                   v > 0) {
            o->parallel = (uint32_t)v;
            i++;
        } else if (strcmp(a, "--body") == 0 && gen_number(i + 1 < argc ? argv[i + 1] : NULL, 1u << 20, &v)) {
            o->body = (uint32_t)v;
            i++;
        } else if (!gen_number(a, UINT64_C(1) << 32, &o->count)) {
            return false;
        }
    }
    return o->count > 0;
}

int main(int argc, char **argv)
{
    struct gen_options o;

    if (!gen_parse(argc, argv, &o)) {
        fputs("usage: gen-connections [--kind pop3|other] [--parallel P] [--open] [--reorder] [--body SEGMENTS] "
              "COUNT > capture.pcap\n",
              stderr);
        return 2;
    }
    /* Lines of 50 octets, CRLF included: a segment ends on a line end. */
    for (size_t i = 0; i < GEN_BODY_SEGMENT; i++)
        gen_body[i] = i % 50 == 49 ? '\n' : i % 50 == 48 ? '\r' : (char)('a' + i % 26);
    if (!gen_run(&o)) {
        fprintf(stderr, "gen-connections: writing the capture failed: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
