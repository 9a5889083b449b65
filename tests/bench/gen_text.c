/* pop3gen: what the bytes say. Mail messages of an exact size with
 * dot-stuffed lines, base64 attachments, TLS records. Lines come from pools
 * built once at start, so a gigabyte of mail costs memcpy, not word-by-word
 * assembly. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define GEN_TEXT_LINES 4096
#define GEN_TEXT_LINE_MAX 78
#define GEN_B64_POOL 65536
#define GEN_B64_LINE 76
#define GEN_TLS_RECORD_MAX 16384

struct gen_text_line {
    uint8_t len;
    char text[GEN_TEXT_LINE_MAX + 1];
};

static struct gen_text_line gen_lines[GEN_TEXT_LINES];
static uint64_t gen_stuffed;
static char gen_b64_pool[GEN_B64_POOL + GEN_B64_LINE];

static const char *const gen_syllables[] = {
    "ka", "lo", "re", "mi", "tan", "sor", "ve", "nu", "pel", "da", "in", "or", "est", "qu",
    "ar", "be", "con", "de", "ex", "fi", "gra", "hu", "is", "jo", "ment", "ne", "op", "pro",
    "sta", "ti", "ul", "vi", "wa", "xe", "yo", "ze", "th", "ing", "er", "al",
};

/* Real mail is not all ASCII: some lines carry UTF-8 words. */
static const char *const gen_utf8_words[] = {
    "caf\xc3\xa9", "na\xc3\xafve", "Gr\xc3\xbc\xc3\x9f" "e", "se\xc3\xb1or", "\xc3\xa5r", "\xe2\x82\xac" "42",
};

/* Lines a writer really types that start with a dot (RFC 1939 §3 stuffing). */
static const char *const gen_dot_lines[] = {
    ".", "..", "...", ".signature follows", ".. and so on", ". indented with a dot", ".htaccess is in the repo",
};

/* ------------------------------------------------------------ helpers */

void gen_buf_reserve(struct gen_buf *b, size_t extra)
{
    size_t need = b->len + extra;

    if (need <= b->cap)
        return;
    size_t cap = b->cap < 4096 ? 4096 : b->cap;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) {
        fputs("pop3gen: out of memory\n", stderr);
        abort();
    }
    b->data = p;
    b->cap = cap;
}

void gen_buf_put(struct gen_buf *b, const void *data, size_t len)
{
    gen_buf_reserve(b, len);
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
}

void gen_buf_str(struct gen_buf *b, const char *s)
{
    gen_buf_put(b, s, strlen(s));
}

void gen_buf_fmt(struct gen_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    gen_buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    (void)vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void gen_buf_free(struct gen_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
    r->state = seed ^ UINT64_C(0x6a09e667f3bcc909);
}

uint64_t gen_rng_next(struct gen_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint32_t gen_rng_below(struct gen_rng *r, uint32_t n)
{
    return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double gen_rng_unit(struct gen_rng *r)
{
    return (double)(gen_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

bool gen_rng_chance(struct gen_rng *r, double p)
{
    return gen_rng_unit(r) < p;
}

double gen_rng_lognormal(struct gen_rng *r, double median, double sigma)
{
    double u1 = gen_rng_unit(r), u2 = gen_rng_unit(r);
    double z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);

    return median * exp(sigma * z);
}

void gen_text_random(struct gen_rng *r, uint8_t *out, size_t len)
{
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t v = gen_rng_next(r);
        memcpy(out + i, &v, 8);
    }
    if (i < len) {
        uint64_t v = gen_rng_next(r);
        memcpy(out + i, &v, len - i);
    }
}

static const char gen_b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void gen_text_base64(struct gen_buf *out, const uint8_t *in, size_t len)
{
    gen_buf_reserve(out, (len + 2) / 3 * 4);
    uint8_t *p = out->data + out->len;
    size_t i = 0;

    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *p++ = (uint8_t)gen_b64_alphabet[v >> 18];
        *p++ = (uint8_t)gen_b64_alphabet[(v >> 12) & 63];
        *p++ = (uint8_t)gen_b64_alphabet[(v >> 6) & 63];
        *p++ = (uint8_t)gen_b64_alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
        *p++ = (uint8_t)gen_b64_alphabet[v >> 18];
        *p++ = (uint8_t)gen_b64_alphabet[(v >> 12) & 63];
        *p++ = i + 1 < len ? (uint8_t)gen_b64_alphabet[(v >> 6) & 63] : '=';
        *p++ = '=';
    }
    out->len = (size_t)(p - out->data);
}

void gen_text_hex(struct gen_rng *r, char *out, size_t digits)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < digits; i++)
        out[i] = hex[gen_rng_below(r, 16)];
    out[digits] = '\0';
}

/* ------------------------------------------------------------ pools */

static size_t gen_text_word(struct gen_rng *r, char *out, size_t room)
{
    char word[32];
    size_t n = 0;

    if (gen_rng_chance(r, 0.03)) {
        const char *w = gen_utf8_words[gen_rng_below(r, sizeof gen_utf8_words / sizeof gen_utf8_words[0])];
        n = strlen(w);
        memcpy(word, w, n);
    } else {
        unsigned parts = 1 + gen_rng_below(r, 3);
        for (unsigned i = 0; i < parts; i++) {
            const char *s = gen_syllables[gen_rng_below(r, sizeof gen_syllables / sizeof gen_syllables[0])];
            size_t k = strlen(s);
            memcpy(word + n, s, k);
            n += k;
        }
    }
    if (n > room)
        return 0;
    memcpy(out, word, n);
    return n;
}

void gen_text_init(struct gen_rng *r)
{
    for (size_t i = 0; i < GEN_TEXT_LINES; i++) {
        struct gen_text_line *l = &gen_lines[i];
        size_t target = gen_rng_chance(r, 0.08) ? 0 : 20 + gen_rng_below(r, 57);
        size_t n = 0;

        if (gen_rng_chance(r, 0.04)) {
            const char *d = gen_dot_lines[gen_rng_below(r, sizeof gen_dot_lines / sizeof gen_dot_lines[0])];
            n = strlen(d);
            memcpy(l->text, d, n);
        }
        while (n < target) {
            size_t k = gen_text_word(r, l->text + n, GEN_TEXT_LINE_MAX - 1 - n);
            if (k == 0)
                break;
            n += k;
            l->text[n++] = ' ';
        }
        if (n > 0 && l->text[n - 1] == ' ')
            n--;
        l->len = (uint8_t)n;
        l->text[n] = '\0';
    }
    for (size_t i = 0; i < sizeof gen_b64_pool; i++)
        gen_b64_pool[i] = gen_b64_alphabet[gen_rng_below(r, 64)];
}

/* ------------------------------------------------------------ messages */

/* Where a message's next line comes from. */
struct gen_msg {
    struct gen_rng *rng;
    unsigned header; /* next header line; past the end: body */
    bool attachment; /* big messages are mostly a base64 attachment */
    unsigned text_lines; /* plain text lines before the attachment */
    unsigned body_lines;
    char scratch[256];
};

static const char *gen_msg_header(struct gen_msg *m, size_t *len)
{
    struct gen_rng *r = m->rng;
    int n = 0;

    switch (m->header) {
    case 0: n = snprintf(m->scratch, sizeof m->scratch, "Return-Path: <%s%u@example.org>", "list", gen_rng_below(r, 999)); break;
    case 1:
        n = snprintf(m->scratch, sizeof m->scratch,
                     "Received: from mx%u.example.org (mx%u.example.org [192.0.2.%u])", gen_rng_below(r, 9),
                     gen_rng_below(r, 9), 1 + gen_rng_below(r, 250));
        break;
    case 2:
        n = snprintf(m->scratch, sizeof m->scratch, "\tby mail.example.net with ESMTPS id %08x%08x",
                     (unsigned)gen_rng_next(r), (unsigned)gen_rng_next(r));
        break;
    case 3: n = snprintf(m->scratch, sizeof m->scratch, "\tfor <user@example.net>; Mon, 1 Dec 2025 10:%02u:%02u +0000", gen_rng_below(r, 60), gen_rng_below(r, 60)); break;
    case 4: n = snprintf(m->scratch, sizeof m->scratch, "From: Sender %u <sender%u@example.org>", gen_rng_below(r, 99), gen_rng_below(r, 999)); break;
    case 5: n = snprintf(m->scratch, sizeof m->scratch, "To: user@example.net"); break;
    case 6: n = snprintf(m->scratch, sizeof m->scratch, "Subject: %.60s", gen_lines[gen_rng_below(r, GEN_TEXT_LINES)].text); break;
    case 7: n = snprintf(m->scratch, sizeof m->scratch, "Date: Mon, 1 Dec 2025 09:%02u:%02u +0000", gen_rng_below(r, 60), gen_rng_below(r, 60)); break;
    case 8: n = snprintf(m->scratch, sizeof m->scratch, "Message-ID: <%016llx@example.org>", (unsigned long long)gen_rng_next(r)); break;
    case 9: n = snprintf(m->scratch, sizeof m->scratch, "MIME-Version: 1.0"); break;
    case 10:
        n = snprintf(m->scratch, sizeof m->scratch, "Content-Type: %s",
                     m->attachment ? "multipart/mixed; boundary=\"b1\"" : "text/plain; charset=utf-8");
        break;
    case 11: n = 0; break; /* the blank line between header and body */
    default: return NULL;
    }
    m->header++;
    *len = n < 0 ? 0 : (size_t)n >= sizeof m->scratch ? sizeof m->scratch - 1 : (size_t)n;
    return m->scratch;
}

static const char *gen_msg_line(struct gen_msg *m, size_t *len)
{
    const char *h = gen_msg_header(m, len);
    size_t k;

    if (h != NULL)
        return h;
    m->body_lines++;
    if (m->attachment && m->body_lines > m->text_lines) {
        k = gen_rng_below(m->rng, GEN_B64_POOL);
        *len = GEN_B64_LINE;
        return gen_b64_pool + k;
    }
    k = gen_rng_below(m->rng, GEN_TEXT_LINES);
    *len = gen_lines[k].len;
    return gen_lines[k].text;
}

/* One line, stuffed: RFC 1939 §3 doubles a leading ".". */
static void gen_msg_emit(struct gen_buf *out, const char *text, size_t len, size_t want)
{
    gen_buf_reserve(out, want + 3);
    uint8_t *p = out->data + out->len;

    if (want > 0 && (len > 0 ? text[0] : 'x') == '.') {
        *p++ = '.';
        gen_stuffed++;
    }
    if (len >= want) {
        memcpy(p, text, want);
    } else {
        memcpy(p, text, len);
        memset(p + len, 'x', want - len); /* pad a final line to the exact size */
    }
    p += want;
    *p++ = '\r';
    *p++ = '\n';
    out->len = (size_t)(p - out->data);
}

void gen_text_message(struct gen_rng *r, struct gen_buf *out, uint64_t octets, long max_body_lines)
{
    struct gen_msg m;
    uint64_t remaining = octets < 2 ? 2 : octets;

    memset(&m, 0, sizeof m);
    m.rng = r;
    m.attachment = octets > 24000;
    m.text_lines = 3 + gen_rng_below(r, 20);
    while (remaining > 0) {
        size_t len = 0;
        const char *text = gen_msg_line(&m, &len);

        if (max_body_lines >= 0 && m.header > 11 && m.body_lines > (unsigned long)max_body_lines)
            return;
        if (remaining <= len + 3) {
            /* The last line takes exactly what is left (never leaving a
             * lone byte that no line could hold). */
            gen_msg_emit(out, text, len, (size_t)remaining - 2);
            return;
        }
        gen_msg_emit(out, text, len, len);
        remaining -= len + 2;
    }
}

uint64_t gen_text_stuffed_lines(void)
{
    return gen_stuffed;
}

void gen_text_tls(struct gen_rng *r, struct gen_buf *out, uint8_t type, size_t len)
{
    while (len > 5) {
        size_t body = len - 5 > GEN_TLS_RECORD_MAX ? GEN_TLS_RECORD_MAX : len - 5;
        uint8_t head[5] = { type, 3, 3, (uint8_t)(body >> 8), (uint8_t)body };

        gen_buf_put(out, head, sizeof head);
        gen_buf_reserve(out, body);
        gen_text_random(r, out->data + out->len, body);
        out->len += body;
        len -= body + 5;
    }
    if (len > 0) {
        gen_buf_reserve(out, len);
        gen_text_random(r, out->data + out->len, len);
        out->len += len;
    }
}
