/* Offline-guessing lines (hashcat, John the Ripper) from what a login
 * exposed: APOP and CRAM-MD5 digests with the server's salt, NetNTLM
 * responses with the server's challenge. */
#include "sasl_crack.h"

#include <string.h>

#include "ascii.h"

/* Appends to a NUL-terminated line; once something does not fit, the whole
 * line is abandoned rather than cut (a cut hash line is a wrong hash). */
struct sasl_writer {
    char *out;
    size_t size;
    size_t len;
    bool failed;
};

static void sasl_put(struct sasl_writer *w, const void *p, size_t n)
{
    if (w->failed || w->size == 0 || n > w->size - 1 - w->len) {
        w->failed = true;
        return;
    }
    memcpy(w->out + w->len, p, n);
    w->len += n;
}

static void sasl_put_str(struct sasl_writer *w, const char *s)
{
    sasl_put(w, s, strlen(s));
}

static void sasl_put_lower(struct sasl_writer *w, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = (char)ascii_lower(p[i]);
        sasl_put(w, &c, 1);
    }
}

static void sasl_put_hex(struct sasl_writer *w, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char pair[2] = { digits[p[i] >> 4], digits[p[i] & 0x0f] };
        sasl_put(w, pair, 2);
    }
}

/* Streaming RFC 4648 §4 encoder, so "user SP digest" needs no buffer. */
struct sasl_b64_stream {
    uint8_t held[3];
    size_t n;
};

static void sasl_b64_emit(struct sasl_writer *w, const uint8_t *in, size_t n)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t v = (uint32_t)in[0] << 16 | (uint32_t)(n > 1 ? in[1] : 0) << 8 | (uint32_t)(n > 2 ? in[2] : 0);
    char q[4] = { alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63], n > 1 ? alphabet[(v >> 6) & 63] : '=',
                  n > 2 ? alphabet[v & 63] : '=' };
    sasl_put(w, q, 4);
}

static void sasl_b64_feed(struct sasl_writer *w, struct sasl_b64_stream *b, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        b->held[b->n++] = p[i];
        if (b->n == 3) {
            sasl_b64_emit(w, b->held, 3);
            b->n = 0;
        }
    }
}

static void sasl_b64_finish(struct sasl_writer *w, struct sasl_b64_stream *b)
{
    if (b->n > 0)
        sasl_b64_emit(w, b->held, b->n);
    b->n = 0;
}

static size_t sasl_writer_finish(struct sasl_writer *w)
{
    if (w->out == NULL || w->size == 0)
        return 0;
    if (w->failed) {
        w->out[0] = '\0';
        return 0;
    }
    w->out[w->len] = '\0';
    return w->len;
}

/* Present (bytes_present) and not empty: an empty user, challenge or
 * timestamp adds nothing to a crack line, so it counts as absent here. */
static bool sasl_field_filled(const struct bytes *f)
{
    return f != NULL && bytes_present(*f) && f->len > 0;
}

/* A field that can sit in a ':'-separated hash line. */
static bool sasl_field_line_safe(const struct bytes *f, bool colon_ok)
{
    if (sasl_has_control(f->data, f->len))
        return false;
    return colon_ok || memchr(f->data, ':', f->len) == NULL;
}

size_t sasl_format_crack_apop(const struct bytes *timestamp, const struct bytes *user, const struct bytes *digest,
                              char *out, size_t out_size)
{
    struct sasl_writer w = { out, out != NULL ? out_size : 0, 0, false };
    /* hashcat's md5($salt.$pass) takes at most 256 salt bytes; the salt is
     * the last field, so a ':' inside it is fine. */
    if (!sasl_field_filled(timestamp) || timestamp->len > 256 || !sasl_field_line_safe(timestamp, true) ||
        !sasl_field_is_md5_hex(digest))
        w.failed = true;
    if (!w.failed && sasl_field_filled(user)) {
        if (!sasl_field_line_safe(user, false))
            w.failed = true;
        sasl_put(&w, user->data, user->len);
        sasl_put_str(&w, ":");
    }
    if (!w.failed) {
        sasl_put_lower(&w, digest->data, digest->len);
        sasl_put_str(&w, ":");
        sasl_put(&w, timestamp->data, timestamp->len);
    }
    return sasl_writer_finish(&w);
}

size_t sasl_format_crack_cram_md5(const struct bytes *challenge, const struct bytes *user, const struct bytes *digest,
                                  char *out, size_t out_size)
{
    struct sasl_writer w = { out, out != NULL ? out_size : 0, 0, false };
    if (!sasl_field_filled(challenge) || !sasl_field_filled(user) || !sasl_field_is_md5_hex(digest)) {
        w.failed = true;
        return sasl_writer_finish(&w);
    }
    struct sasl_b64_stream b = { { 0 }, 0 };
    sasl_put_str(&w, "$cram_md5$");
    sasl_b64_feed(&w, &b, challenge->data, challenge->len);
    sasl_b64_finish(&w, &b);
    sasl_put_str(&w, "$");
    sasl_b64_feed(&w, &b, user->data, user->len);
    sasl_b64_feed(&w, &b, (const uint8_t *)" ", 1);
    for (size_t i = 0; i < digest->len; i++) {
        uint8_t c = ascii_lower(digest->data[i]);
        sasl_b64_feed(&w, &b, &c, 1);
    }
    sasl_b64_finish(&w, &b);
    return sasl_writer_finish(&w);
}

static bool sasl_field_is_hex_bytes(const struct bytes *f, size_t min_bytes)
{
    return sasl_field_filled(f) && f->len % 2 == 0 && f->len / 2 >= min_bytes && sasl_is_hex(f->data, f->len);
}

/* hashcat's example hashes for modes 5500 and 5600 show the field order;
 * an NTLMv2 response is NTProofStr (16 bytes) followed by the client blob
 * (MS-NLMP 2.2.2.8). */
size_t sasl_format_crack_netntlm(const uint8_t challenge[8], const struct sasl_result *res, char *out, size_t out_size)
{
    struct sasl_writer w = { out, out != NULL ? out_size : 0, 0, false };
    if (challenge == NULL || res == NULL || !sasl_field_filled(&res->user) ||
        !sasl_field_line_safe(&res->user, false) ||
        (sasl_field_filled(&res->realm) && !sasl_field_line_safe(&res->realm, false)) ||
        !sasl_field_is_hex_bytes(&res->secret, 24)) {
        w.failed = true;
        return sasl_writer_finish(&w);
    }
    sasl_put(&w, res->user.data, res->user.len);
    sasl_put_str(&w, "::");
    if (sasl_field_filled(&res->realm))
        sasl_put(&w, res->realm.data, res->realm.len);
    sasl_put_str(&w, ":");
    if (res->secret.len == 48) {
        if (!sasl_field_is_hex_bytes(&res->lm_response, 24) || res->lm_response.len != 48)
            w.failed = true;
        else
            sasl_put(&w, res->lm_response.data, 48);
        sasl_put_str(&w, ":");
        sasl_put(&w, res->secret.data, 48);
        sasl_put_str(&w, ":");
        sasl_put_hex(&w, challenge, 8);
    } else {
        sasl_put_hex(&w, challenge, 8);
        sasl_put_str(&w, ":");
        sasl_put(&w, res->secret.data, 32);
        sasl_put_str(&w, ":");
        sasl_put(&w, res->secret.data + 32, res->secret.len - 32);
    }
    return sasl_writer_finish(&w);
}

/* The NetNTLM line (MS-NLMP 3.3) needs the server's type 2 challenge. */
static size_t sasl_crack_ntlm(const struct sasl_crack_attempt *a, char *out, size_t out_size)
{
    struct sasl_result r;

    if (a->ntlm_challenge == NULL || a->realm.cut || a->lm_response.cut)
        return 0;
    memset(&r, 0, sizeof r);
    r.user = a->user.field;
    r.realm = a->realm.field;
    r.lm_response = a->lm_response.field;
    r.secret = a->secret.field;
    return sasl_format_crack_netntlm(a->ntlm_challenge, &r, out, out_size);
}

/* Offline-guessing material: APOP (RFC 1939 §7) hashes the greeting's
 * timestamp, CRAM-MD5 (RFC 2195 §2) the server's challenge, NTLM the type
 * 2 challenge. Absent when a part is missing or was cut to fit: a wrong
 * line would send an auditor cracking for nothing. */
size_t sasl_crack_line(const struct sasl_crack_attempt *a, char *out, size_t out_size)
{
    if (a->secret.field.data == NULL || a->secret.cut || a->user.cut)
        return 0;
    if (strcmp(a->method, "APOP") == 0 && a->apop_timestamp.field.data != NULL && !a->apop_timestamp.cut)
        return sasl_format_crack_apop(&a->apop_timestamp.field, &a->user.field, &a->secret.field, out, out_size);
    if (strcmp(a->method, "CRAM-MD5") == 0 && a->challenge.field.data != NULL && !a->challenge.cut)
        return sasl_format_crack_cram_md5(&a->challenge.field, &a->user.field, &a->secret.field, out, out_size);
    if (strcmp(a->method, "NTLM") == 0)
        return sasl_crack_ntlm(a, out, out_size);
    return 0;
}
