/* pop3gen: the traffic around the mail: web, TLS, SSH, SMTP, IMAP, Redis.
 * None of it is POP3, so pop3scope must report none of it. SMTP and IMAP
 * are line protocols with dot-stuffed bodies like POP3's; Redis answers a
 * client's "AUTH" with "+OK", the classic false positive. */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

enum gen_other_kind { GEN_O_HTTP, GEN_O_TLS, GEN_O_SSH, GEN_O_SMTP, GEN_O_IMAP, GEN_O_REDIS };

#define GEN_OTHER_STEPS_MAX 48

struct gen_other {
    enum gen_other_kind kind;
    unsigned step;
    unsigned steps;
    size_t size[GEN_OTHER_STEPS_MAX]; /* bulk bytes of each turn, planned at start */
};

static size_t gen_other_size(struct gen_rng *r, double median, double sigma, size_t max)
{
    double v = gen_rng_lognormal(r, median, sigma);

    return v < 1.0 ? 1 : v > (double)max ? max : (size_t)v;
}

static void gen_other_text(struct gen_conn *c, enum gen_dir dir, const char *text)
{
    gen_buf_str(&c->turn, text);
    c->turn_dir = dir;
}

static void gen_other_random(struct gen_conn *c, enum gen_dir dir, size_t len)
{
    gen_buf_reserve(&c->turn, len);
    gen_text_random(&c->rng, c->turn.data + c->turn.len, len);
    c->turn.len += len;
    c->turn_dir = dir;
}

/* Keep-alive HTTP/1.1: request, response, request, response... */
static void gen_other_http(struct gen_conn *c, unsigned step, size_t body)
{
    if (step % 2 == 0) {
        gen_buf_fmt(&c->turn,
                    "GET /static/%08x/asset-%u.js HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 "
                    "(X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\nAccept: */*\r\n"
                    "Accept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n\r\n",
                    (unsigned)gen_rng_next(&c->rng), step);
        c->turn_dir = GEN_CLIENT;
        return;
    }
    gen_buf_fmt(&c->turn,
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/javascript\r\nContent-Length: %zu\r\n"
                "Content-Encoding: gzip\r\nCache-Control: max-age=86400\r\n\r\n",
                body);
    gen_other_random(c, GEN_SERVER, body);
}

static void gen_other_tls(struct gen_conn *c, unsigned step, size_t len)
{
    enum gen_dir dir = step % 2 == 0 ? GEN_CLIENT : GEN_SERVER;

    gen_text_tls(&c->rng, &c->turn, step < 4 ? 0x16 : 0x17, len);
    c->turn_dir = dir;
}

static void gen_other_ssh(struct gen_conn *c, unsigned step, size_t len)
{
    switch (step) {
    case 0: gen_other_text(c, GEN_CLIENT, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"); return;
    case 1: gen_other_text(c, GEN_SERVER, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"); return;
    default:
        gen_other_random(c, step % 2 == 0 ? GEN_CLIENT : GEN_SERVER, len);
        return;
    }
}

/* RFC 5321: greeting, EHLO, one message with a dot-stuffed body, QUIT. */
static void gen_other_smtp(struct gen_conn *c, unsigned step, size_t len)
{
    static const char *const client[] = { NULL, "EHLO client.example.org\r\n", "MAIL FROM:<sender@example.org>\r\n",
                                          "RCPT TO:<user@example.net>\r\n", "DATA\r\n", NULL, "QUIT\r\n" };
    static const char *const server[] = {
        "220 mx.example.net ESMTP Postfix (Debian/GNU)\r\n",
        "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
        "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n",
        "250 2.0.0 Ok: queued as 4Tq1x2Y3z\r\n", "221 2.0.0 Bye\r\n",
    };
    unsigned exchange = (step + 1) / 2;

    if (step % 2 == 0) {
        gen_other_text(c, GEN_SERVER, server[step / 2]);
        return;
    }
    if (exchange == 5) {
        gen_text_message(&c->rng, &c->turn, len, -1);
        gen_other_text(c, GEN_CLIENT, ".\r\n");
        return;
    }
    gen_other_text(c, GEN_CLIENT, client[exchange]);
}

static void gen_other_imap(struct gen_conn *c, unsigned step, size_t size)
{
    switch (step) {
    case 0: gen_other_text(c, GEN_SERVER, "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR STARTTLS AUTH=PLAIN] Dovecot ready.\r\n"); return;
    case 1: gen_other_text(c, GEN_CLIENT, "a1 LOGIN alice \"imap-password\"\r\n"); return;
    case 2: gen_other_text(c, GEN_SERVER, "a1 OK Logged in\r\n"); return;
    case 3: gen_other_text(c, GEN_CLIENT, "a2 SELECT INBOX\r\n"); return;
    case 4: gen_other_text(c, GEN_SERVER, "* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1764547200] UIDs valid\r\na2 OK [READ-WRITE] Select completed.\r\n"); return;
    default:
        if (step % 2 == 1) {
            gen_buf_fmt(&c->turn, "a%u UID FETCH %u (BODY.PEEK[])\r\n", step, step);
            c->turn_dir = GEN_CLIENT;
            return;
        }
        gen_buf_fmt(&c->turn, "* %u FETCH (UID %u BODY[] {%zu}\r\n", step, step, size);
        gen_text_message(&c->rng, &c->turn, size, -1); /* a literal: sent unstuffed, but close enough */
        gen_buf_fmt(&c->turn, ")\r\na%u OK Fetch completed.\r\n", step - 1);
        c->turn_dir = GEN_SERVER;
        return;
    }
}

/* Redis: the client speaks first ("AUTH"), the server answers "+OK". */
static void gen_other_redis(struct gen_conn *c, unsigned step, size_t len)
{
    switch (step) {
    case 0: gen_other_text(c, GEN_CLIENT, "AUTH redis-secret\r\n"); return;
    case 1: gen_other_text(c, GEN_SERVER, "+OK\r\n"); return;
    default:
        if (step % 2 == 0) {
            gen_buf_fmt(&c->turn, "*2\r\n$3\r\nGET\r\n$12\r\nsession:%04u\r\n", step % 10000);
            c->turn_dir = GEN_CLIENT;
            return;
        }
        gen_buf_fmt(&c->turn, "$%zu\r\n", len);
        gen_other_random(c, GEN_SERVER, len);
        gen_buf_str(&c->turn, "\r\n");
        return;
    }
}

static bool gen_other_next(struct gen_conn *c)
{
    struct gen_other *o = c->state;

    if (o->step >= o->steps)
        return false;
    switch (o->kind) {
    case GEN_O_HTTP: gen_other_http(c, o->step, o->size[o->step]); break;
    case GEN_O_TLS: gen_other_tls(c, o->step, o->size[o->step]); break;
    case GEN_O_SSH: gen_other_ssh(c, o->step, o->size[o->step]); break;
    case GEN_O_SMTP: gen_other_smtp(c, o->step, o->size[o->step]); break;
    case GEN_O_IMAP: gen_other_imap(c, o->step, o->size[o->step]); break;
    case GEN_O_REDIS:
    default: gen_other_redis(c, o->step, o->size[o->step]); break;
    }
    o->step++;
    return true;
}

static void gen_other_done(struct gen_conn *c)
{
    free(c->state);
    c->state = NULL;
}

static const struct gen_script_ops gen_other_ops = { gen_other_next, gen_other_done };

/* The size of each turn's bulk, decided up front so the scheduler knows
 * what this flow will add to the byte mix. */
static size_t gen_other_plan_step(struct gen_rng *r, enum gen_other_kind kind, unsigned step)
{
    bool client = step % 2 == 0;

    switch (kind) {
    case GEN_O_HTTP: return client ? 250 : gen_other_size(r, 15000.0, 1.6, 16u << 20);
    case GEN_O_TLS:
        switch (step) {
        case 0: return 517;
        case 1: return 3000 + gen_rng_below(r, 2500);
        case 2: return 80;
        case 3: return 250;
        default: return client ? gen_other_size(r, 400.0, 1.0, 65536) : gen_other_size(r, 30000.0, 1.8, 16u << 20);
        }
    case GEN_O_SSH: return step < 2 ? 40 : gen_other_size(r, 3000.0, 1.8, 4u << 20);
    case GEN_O_SMTP: return step == 9 ? gen_other_size(r, 6000.0, 1.4, 4u << 20) : 30;
    case GEN_O_IMAP: return step >= 6 && step % 2 == 0 ? gen_other_size(r, 6000.0, 1.4, 4u << 20) : 40;
    case GEN_O_REDIS:
    default: return step >= 2 && !client ? gen_other_size(r, 800.0, 1.2, 1u << 20) : 30;
    }
}

void gen_other_start(struct gen_ctx *ctx, struct gen_conn *c)
{
    static const enum gen_other_kind by_weight[] = {
        GEN_O_HTTP, GEN_O_HTTP, GEN_O_HTTP, GEN_O_HTTP, GEN_O_HTTP, GEN_O_HTTP, GEN_O_HTTP,
        GEN_O_TLS,  GEN_O_TLS,  GEN_O_TLS,  GEN_O_TLS,  GEN_O_TLS,  GEN_O_TLS,  GEN_O_TLS,
        GEN_O_SSH,  GEN_O_SMTP, GEN_O_SMTP, GEN_O_IMAP, GEN_O_IMAP, GEN_O_REDIS,
    };
    static const uint16_t ports[] = { 80, 443, 22, 25, 143, 6379 };
    struct gen_other *o = calloc(1, sizeof *o);
    struct gen_rng *r = &c->rng;

    if (o == NULL)
        abort();
    o->kind = by_weight[gen_rng_below(r, sizeof by_weight / sizeof by_weight[0])];
    switch (o->kind) {
    case GEN_O_HTTP: o->steps = 2 * (1 + gen_rng_below(r, 6)); break;
    case GEN_O_TLS: o->steps = 4 + 2 * (1 + gen_rng_below(r, 8)); break;
    case GEN_O_SSH: o->steps = 2 + 2 * (1 + gen_rng_below(r, 10)); break;
    case GEN_O_SMTP: o->steps = 13; break;
    case GEN_O_IMAP: o->steps = 5 + 2 * (1 + gen_rng_below(r, 4)); break;
    case GEN_O_REDIS:
    default: o->steps = 2 + 2 * (1 + gen_rng_below(r, 20)); break;
    }
    for (unsigned i = 0; i < o->steps; i++) {
        o->size[i] = gen_other_plan_step(r, o->kind, i);
        ctx->stats.planned_other += o->size[i];
    }
    c->pop3 = false;
    c->ops = &gen_other_ops;
    c->state = o;
    c->close = gen_rng_chance(r, 0.9) ? (gen_rng_chance(r, 0.5) ? GEN_CLOSE_FIN_CLIENT : GEN_CLOSE_FIN_SERVER)
                                      : GEN_CLOSE_RST_CLIENT;
    gen_conn_endpoints(ctx, c, ports[o->kind], 64);
    ctx->stats.other_flows++;
}
