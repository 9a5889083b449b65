/* Decoders for what POP3 logins put on the wire: SASL mechanisms (RFC 4422
 * family, carried by RFC 5034 AUTH) and APOP (RFC 1939 §7), plus the
 * offline-guessing lines that hashcat and John the Ripper read.
 *
 * Every input is hostile. Binary messages (NTLMSSP) are read through the
 * bounded cursor (cursor.h); text is read through an index checked against
 * the length in the same expression; every loop advances by at least one byte
 * and stops at the length; every write goes through a writer that knows its
 * room. Nothing here allocates. */
#include "sasl.h"

#include <string.h>

#include "ascii.h"
#include "cursor.h"

/* A valid, non-NULL pointer for zero-length inputs, so a slice of an empty
 * message never does arithmetic on NULL. */
static const uint8_t sasl_empty[1];

/* ------------------------------------------------------------ byte helpers */

static bool sasl_find_byte(const uint8_t *p, size_t len, size_t from, uint8_t c, size_t *at)
{
    for (size_t i = from; i < len; i++) {
        if (p[i] == c) {
            *at = i;
            return true;
        }
    }
    return false;
}

static bool sasl_find_last_byte(const uint8_t *p, size_t len, uint8_t c, size_t *at)
{
    for (size_t i = len; i > 0; i--) {
        if (p[i - 1] == c) {
            *at = i - 1;
            return true;
        }
    }
    return false;
}

/* [start, end) of p; callers guarantee start <= end <= length of p. An empty
 * range stays absent: a field is either there with bytes or not there. */
static void sasl_set_slice(struct bytes *f, const uint8_t *p, size_t start, size_t end)
{
    if (end > start) {
        f->data = p + start;
        f->len = end - start;
    }
}

static bool sasl_has_prefix(const uint8_t *p, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len >= n && memcmp(p, lit, n) == 0;
}

static int sasl_hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool sasl_is_hex(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (sasl_hex_value(p[i]) < 0)
            return false;
    }
    return true;
}

/* RFC 1939 §7, RFC 2195 §2, RFC 2831 §2.1.2.1: an MD5 digest is 16 octets
 * sent as 32 hex digits. */
bool sasl_field_is_md5_hex(const struct bytes *f)
{
    return f != NULL && f->data != NULL && f->len == 32 && sasl_is_hex(f->data, f->len);
}

bool sasl_has_control(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f)
            return true;
    }
    return false;
}

/* ----------------------------------------------------------------- base64 */

static int sasl_base64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* RFC 4648 §4. Padding may be missing or short, but may not exceed what the
 * last quantum needs; a lone character in the last quantum carries fewer
 * than 8 bits and is impossible (§3.5 lets decoders reject it). Whitespace
 * is outside the alphabet: RFC 5034 §4 sends base64 on one line. */
bool sasl_base64_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_size, size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (in == NULL && in_len > 0)
        return false;
    size_t data = in_len;
    while (data > 0 && in[data - 1] == '=')
        data--;
    size_t pad = in_len - data;
    size_t rem = data % 4;
    if (rem == 1 || pad > 2 || (pad > 0 && (rem == 0 || rem + pad > 4)))
        return false;
    size_t need = data / 4 * 3 + (rem > 0 ? rem - 1 : 0);
    if (need > out_size || (need > 0 && out == NULL))
        return false;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < data; i++) {
        int v = sasl_base64_value(in[i]);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8 && n < need) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    if (out_len != NULL)
        *out_len = n;
    return true;
}

/* ---------------------------------------------------------------- scratch */

/* Output area for fields that are not a plain slice of the message. */
struct sasl_scratch {
    uint8_t *buf;
    size_t size;
    size_t used;
};

static uint8_t *sasl_scratch_room(const struct sasl_scratch *s, size_t *room)
{
    *room = (s->buf != NULL) ? s->size - s->used : 0;
    return (s->buf != NULL) ? s->buf + s->used : NULL;
}

static void sasl_scratch_commit(struct sasl_scratch *s, struct bytes *f, uint8_t *start, size_t n)
{
    s->used += n;
    if (n > 0) {
        f->data = start;
        f->len = n;
    }
}

static bool sasl_scratch_hex(struct sasl_scratch *s, const uint8_t *p, size_t n, struct bytes *f)
{
    static const char digits[] = "0123456789abcdef";
    size_t room;
    uint8_t *dst = sasl_scratch_room(s, &room);
    if (dst == NULL || n > room / 2)
        return false;
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = (uint8_t)digits[p[i] >> 4];
        dst[2 * i + 1] = (uint8_t)digits[p[i] & 0x0f];
    }
    sasl_scratch_commit(s, f, dst, 2 * n);
    return true;
}

/* DIGEST-MD5 quoted-string content (RFC 2831 §7.2, RFC 2616 §2.2): a
 * backslash quotes the next byte. The caller has checked that a backslash
 * never ends the content. */
static bool sasl_scratch_unquote(struct sasl_scratch *s, const uint8_t *p, size_t len, struct bytes *f)
{
    size_t room;
    uint8_t *dst = sasl_scratch_room(s, &room);
    if (dst == NULL)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\' && i + 1 < len)
            i++;
        if (n >= room)
            return false;
        dst[n++] = p[i];
    }
    sasl_scratch_commit(s, f, dst, n);
    return true;
}

/* RFC 5802 §5.1 / RFC 5801 §4 saslname: ',' and '=' travel as "=2C" and
 * "=3D"; any other '=' makes the name invalid. */
static bool sasl_saslname_valid(const uint8_t *p, size_t len, bool *escaped)
{
    *escaped = false;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '=')
            continue;
        bool comma = len - i >= 3 && p[i + 1] == '2' && p[i + 2] == 'C';
        bool equals = len - i >= 3 && p[i + 1] == '3' && p[i + 2] == 'D';
        if (!comma && !equals)
            return false;
        *escaped = true;
        i += 2;
    }
    return true;
}

static bool sasl_scratch_saslname(struct sasl_scratch *s, const uint8_t *p, size_t len, struct bytes *f)
{
    size_t room;
    uint8_t *dst = sasl_scratch_room(s, &room);
    if (dst == NULL)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c == '=' && len - i >= 3) {
            c = (p[i + 1] == '2') ? ',' : '=';
            i += 2;
        }
        if (n >= room)
            return false;
        dst[n++] = c;
    }
    sasl_scratch_commit(s, f, dst, n);
    return true;
}

/* A saslname into f: a slice when it holds no escapes, else decoded into
 * scratch. An empty name stays absent. */
static void sasl_set_saslname(struct bytes *f, const uint8_t *p, size_t len, struct sasl_scratch *s,
                              struct sasl_result *res)
{
    bool escaped;
    if (!sasl_saslname_valid(p, len, &escaped)) {
        res->malformed = true;
        return;
    }
    if (!escaped)
        sasl_set_slice(f, p, 0, len);
    else if (!sasl_scratch_saslname(s, p, len, f))
        res->truncated = true;
}

static size_t sasl_utf8_encode(uint32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

/* NTLM names with NTLMSSP_NEGOTIATE_UNICODE are UTF-16LE (MS-NLMP 2.2.2.5);
 * a surrogate without its partner becomes U+FFFD. An odd trailing byte is
 * the caller's to flag. */
static bool sasl_scratch_utf16le(struct sasl_scratch *s, const uint8_t *p, size_t len, struct bytes *f)
{
    size_t room;
    uint8_t *dst = sasl_scratch_room(s, &room);
    if (dst == NULL)
        return false;
    size_t n = 0;
    struct cursor c;
    cursor_init(&c, p, len);
    while (cursor_has(&c, 2)) {
        uint32_t cp = cursor_get_le16(&c);
        if (cp >= 0xd800 && cp <= 0xdbff && cursor_has(&c, 2)) {
            struct cursor ahead = c;
            uint32_t lo = cursor_get_le16(&ahead);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                c = ahead;
            }
        }
        if (cp >= 0xd800 && cp <= 0xdfff)
            cp = 0xfffd;
        uint8_t enc[4];
        size_t k = sasl_utf8_encode(cp, enc);
        if (k > room - n)
            return false;
        memcpy(dst + n, enc, k);
        n += k;
    }
    sasl_scratch_commit(s, f, dst, n);
    return true;
}

/* ------------------------------------------------------ cleartext: PLAIN */

/* RFC 4616 §2: message = [authzid] NUL authcid NUL passwd, authcid and
 * passwd non-empty. Any message carries the password, so it is decoded at
 * whatever step it arrives (an RFC 5034 §4 "=" may have used step 0). */
static bool sasl_decode_plain(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                              struct sasl_result *res)
{
    (void)step;
    (void)s;
    if (len == 0)
        return false;
    size_t nul1, nul2, extra;
    if (!sasl_find_byte(msg, len, 0, 0, &nul1) || !sasl_find_byte(msg, len, nul1 + 1, 0, &nul2) ||
        sasl_find_byte(msg, len, nul2 + 1, 0, &extra)) {
        /* Which bytes are the password is unknowable; report none. */
        res->malformed = true;
        return true;
    }
    sasl_set_slice(&res->authzid, msg, 0, nul1);
    sasl_set_slice(&res->user, msg, nul1 + 1, nul2);
    sasl_set_slice(&res->secret, msg, nul2 + 1, len);
    if (res->user.data == NULL || res->secret.data == NULL)
        res->malformed = true;
    return true;
}

/* draft-murchison-sasl-login §2: the client answers the server's first
 * prompt with the user name and the second with the password. Which is
 * which is decided from the prompts by sasl_decode_response; here step 0 is
 * the name and any later step a secret: a third answer is not in the draft,
 * so it is reported where it cannot leak (redacted), never as a name. */
static bool sasl_decode_login(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                              struct sasl_result *res)
{
    (void)s;
    if (step == 0) {
        sasl_set_slice(&res->user, msg, 0, len);
        return false;
    }
    /* An empty password is still a password sent in clear. */
    res->secret.data = msg;
    res->secret.len = len;
    res->secret_possible = step >= 2;
    return true;
}

/* -------------------------------------------------- hashes: CRAM-MD5, APOP */

/* "name SP digest" (RFC 2195 §2, RFC 1939 §7). The last space separates:
 * the digest never holds one, a name may. */
static bool sasl_name_digest(const uint8_t *msg, size_t len, struct sasl_result *res)
{
    size_t sp;
    if (!sasl_find_last_byte(msg, len, ' ', &sp)) {
        res->malformed = true;
        return false;
    }
    sasl_set_slice(&res->user, msg, 0, sp);
    sasl_set_slice(&res->secret, msg, sp + 1, len);
    if (res->user.data == NULL || !sasl_field_is_md5_hex(&res->secret)) {
        res->malformed = true;
        return false;
    }
    return true;
}

static bool sasl_decode_cram_md5(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                                 struct sasl_result *res)
{
    (void)step;
    (void)s;
    if (len == 0)
        return false;
    sasl_name_digest(msg, len, res);
    return true;
}

static bool sasl_decode_apop(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                             struct sasl_result *res)
{
    (void)step;
    (void)s;
    if (len == 0)
        return false;
    sasl_name_digest(msg, len, res);
    return true;
}

bool sasl_apop_parse(const uint8_t *args, size_t len, struct sasl_result *res)
{
    if (res == NULL)
        return false;
    memset(res, 0, sizeof(*res));
    res->exposure = EXPOSURE_HASH;
    if (args == NULL)
        args = sasl_empty, len = 0;
    return sasl_name_digest(args, len, res);
}

bool sasl_greeting_timestamp(const uint8_t *banner, size_t len, struct bytes *ts)
{
    if (ts == NULL)
        return false;
    ts->data = NULL;
    ts->len = 0;
    if (banner == NULL)
        return false;
    size_t i = 0;
    while (i < len) {
        if (banner[i] != '<') {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < len && banner[j] != '>' && banner[j] != '<' && banner[j] > ' ' && banner[j] != 0x7f)
            j++;
        if (j < len && banner[j] == '>' && j > i + 1 && j - i + 1 <= SASL_TIMESTAMP_MAX) {
            ts->data = banner + i;
            ts->len = j - i + 1;
            return true;
        }
        /* An inner '<' may open the real msg-id: restart there. */
        i = (j < len && banner[j] == '<') ? j : j + 1;
    }
    return false;
}

/* ------------------------------------------------------------- DIGEST-MD5 */

static bool sasl_is_lws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t sasl_skip_lws(const uint8_t *p, size_t len, size_t i)
{
    while (i < len && sasl_is_lws(p[i]))
        i++;
    return i;
}

struct sasl_directive {
    size_t key_start, key_end;
    size_t value_start, value_end;
    bool escaped; /* a quoted value holding backslash escapes */
};

/* One `key "=" (token | quoted-string)` of RFC 2831 §2.1.2's 1#list, from
 * *pos; leaves *pos at the ',' after it or at the end. */
static bool sasl_digest_directive(const uint8_t *p, size_t len, size_t *pos, struct sasl_directive *d)
{
    size_t i = *pos;
    d->key_start = i;
    while (i < len && p[i] != '=' && p[i] != ',' && p[i] != '"' && !sasl_is_lws(p[i]))
        i++;
    d->key_end = i;
    i = sasl_skip_lws(p, len, i);
    if (d->key_end == d->key_start || i >= len || p[i] != '=')
        return false;
    i = sasl_skip_lws(p, len, i + 1);
    d->escaped = false;
    if (i < len && p[i] == '"') {
        d->value_start = ++i;
        while (i < len && p[i] != '"') {
            if (p[i] == '\\') {
                if (i + 1 >= len)
                    return false;
                d->escaped = true;
                i++;
            }
            i++;
        }
        if (i >= len)
            return false; /* unterminated quoted-string */
        d->value_end = i++;
    } else {
        d->value_start = i;
        while (i < len && p[i] != ',' && !sasl_is_lws(p[i]))
            i++;
        d->value_end = i;
    }
    i = sasl_skip_lws(p, len, i);
    if (i < len && p[i] != ',')
        return false;
    *pos = i;
    return true;
}

static bool sasl_key_is(const uint8_t *p, const struct sasl_directive *d, const char *name)
{
    size_t n = d->key_end - d->key_start;
    return ascii_case_equal(p + d->key_start, n, name, strlen(name));
}

/* RFC 2831 §2.1.2: each of these directives may appear at most once. */
static void sasl_digest_store(const uint8_t *p, const struct sasl_directive *d, struct bytes *f, struct sasl_scratch *s,
                              struct sasl_result *res)
{
    if (f->data != NULL) {
        res->malformed = true;
        return;
    }
    if (!d->escaped)
        sasl_set_slice(f, p, d->value_start, d->value_end);
    else if (!sasl_scratch_unquote(s, p + d->value_start, d->value_end - d->value_start, f))
        res->truncated = true;
}

/* RFC 2831 §2.1.2.1: qop-value is "auth", "auth-int" or "auth-conf"; the
 * last two wrap everything after the exchange in a security layer. */
static bool sasl_digest_qop_layer(const uint8_t *p, const struct sasl_directive *d)
{
    size_t n = d->value_end - d->value_start;
    const uint8_t *v = p + d->value_start;

    return ascii_case_equal(v, n, ASCII_LIT("AUTH-INT")) || ascii_case_equal(v, n, ASCII_LIT("AUTH-CONF"));
}

static bool sasl_decode_digest_md5(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                                   struct sasl_result *res)
{
    (void)step;
    if (len == 0)
        return false; /* RFC 2831 §2.1.3: the empty reply to rspauth */
    size_t pos = 0;
    while (pos < len) {
        if (msg[pos] == ',' || sasl_is_lws(msg[pos])) {
            pos++;
            continue;
        }
        struct sasl_directive d;
        if (!sasl_digest_directive(msg, len, &pos, &d)) {
            res->malformed = true;
            break;
        }
        if (sasl_key_is(msg, &d, "username"))
            sasl_digest_store(msg, &d, &res->user, s, res);
        else if (sasl_key_is(msg, &d, "realm"))
            sasl_digest_store(msg, &d, &res->realm, s, res);
        else if (sasl_key_is(msg, &d, "authzid"))
            sasl_digest_store(msg, &d, &res->authzid, s, res);
        else if (sasl_key_is(msg, &d, "response"))
            sasl_digest_store(msg, &d, &res->secret, s, res);
        else if (sasl_key_is(msg, &d, "qop"))
            res->security_layer = sasl_digest_qop_layer(msg, &d);
    }
    if (res->user.data == NULL && !res->truncated)
        res->malformed = true;
    if (!sasl_field_is_md5_hex(&res->secret))
        res->malformed = true;
    return true;
}

/* ------------------------------------------------------------------ GS2 */

struct sasl_gs2 {
    size_t after; /* first byte after the header */
    size_t authzid_start, authzid_end; /* the saslname after "a=" */
};

/* RFC 5801 §4 (used by RFC 5802 §7 and RFC 7628 §3.1):
 * gs2-header = gs2-cb-flag "," [ "a=" saslname ] ","
 * gs2-cb-flag = ("p=" cb-name) / "n" / "y" */
static bool sasl_gs2_header(const uint8_t *p, size_t len, struct sasl_gs2 *g)
{
    size_t c1, c2;
    if (!sasl_find_byte(p, len, 0, ',', &c1) || !sasl_find_byte(p, len, c1 + 1, ',', &c2))
        return false;
    bool flag_ok = (c1 == 1 && (p[0] == 'n' || p[0] == 'y')) || (c1 > 2 && p[0] == 'p' && p[1] == '=');
    if (!flag_ok)
        return false;
    g->authzid_start = g->authzid_end = c1 + 1;
    if (c2 > c1 + 1) {
        if (!sasl_has_prefix(p + c1 + 1, c2 - c1 - 1, "a="))
            return false;
        g->authzid_start = c1 + 3;
        g->authzid_end = c2;
    }
    g->after = c2 + 1;
    return true;
}

/* ------------------------------------------------------------------ SCRAM */

/* The comma-separated attribute at *pos: [*start, *end); *pos moves past
 * the comma (or to len). */
static bool sasl_next_attr(const uint8_t *p, size_t len, size_t *pos, size_t *start, size_t *end)
{
    if (*pos >= len)
        return false;
    size_t comma;
    *start = *pos;
    *end = sasl_find_byte(p, len, *pos, ',', &comma) ? comma : len;
    *pos = (*end < len) ? *end + 1 : len;
    return true;
}

/* RFC 5802 §7: client-first-message = gs2-header [reserved-mext ","]
 * username "," nonce ["," extensions]. Names only; no secret yet. */
static void sasl_scram_first(const uint8_t *msg, size_t len, struct sasl_scratch *s, struct sasl_result *res)
{
    struct sasl_gs2 g;
    if (!sasl_gs2_header(msg, len, &g)) {
        res->malformed = true;
        return;
    }
    sasl_set_saslname(&res->authzid, msg + g.authzid_start, g.authzid_end - g.authzid_start, s, res);
    size_t pos = g.after, a, b;
    bool have = sasl_next_attr(msg, len, &pos, &a, &b);
    if (have && sasl_has_prefix(msg + a, b - a, "m="))
        have = sasl_next_attr(msg, len, &pos, &a, &b);
    if (!have || !sasl_has_prefix(msg + a, b - a, "n=")) {
        res->malformed = true;
        return;
    }
    sasl_set_saslname(&res->user, msg + a + 2, b - a - 2, s, res);
    if (res->user.data == NULL && !res->truncated)
        res->malformed = true;
    if (!sasl_next_attr(msg, len, &pos, &a, &b) || !sasl_has_prefix(msg + a, b - a, "r="))
        res->malformed = true;
}

/* RFC 5802 §7: client-final-message = channel-binding "," nonce
 * ["," extensions] "," proof; the proof is last. */
static void sasl_scram_final(const uint8_t *msg, size_t len, struct sasl_result *res)
{
    size_t pos = 0, a, b;
    if (!sasl_next_attr(msg, len, &pos, &a, &b) || !sasl_next_attr(msg, len, &pos, &a, &b) ||
        !sasl_has_prefix(msg + a, b - a, "r="))
        res->malformed = true;
    size_t last;
    if (!sasl_find_last_byte(msg, len, ',', &last) || !sasl_has_prefix(msg + last + 1, len - last - 1, "p=")) {
        res->malformed = true;
        return;
    }
    sasl_set_slice(&res->secret, msg, last + 3, len);
    if (res->secret.data == NULL)
        res->malformed = true;
}

/* Which message this is shows in its first bytes (client-final starts with
 * the channel binding "c="), so a miscounted step cannot swap them. */
static bool sasl_decode_scram(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                              struct sasl_result *res)
{
    (void)step;
    if (len == 0)
        return false;
    if (sasl_has_prefix(msg, len, "c=")) {
        sasl_scram_final(msg, len, res);
        return true;
    }
    sasl_scram_first(msg, len, s, res);
    return false;
}

/* ------------------------------------------------- tokens: XOAUTH2, OAUTHBEARER */

/* An HTTP credentials value (RFC 6750 §2.1: "Bearer" 1*SP b64token; the
 * scheme name is case-insensitive, RFC 7235 §2.1). Another scheme still
 * carries a credential: keep the whole value and flag it. */
static void sasl_auth_value(const uint8_t *p, size_t len, struct sasl_result *res)
{
    if (res->secret.data != NULL) {
        res->malformed = true;
        return;
    }
    bool bearer = ascii_case_prefix(p, len, ASCII_LIT("Bearer "));
    size_t i = 0;
    if (bearer) {
        i = 7;
        while (i < len && p[i] == ' ')
            i++;
    }
    sasl_set_slice(&res->secret, p, i, len);
    if (!bearer || res->secret.data == NULL)
        res->malformed = true;
}

/* key=value pairs each ended by ^A, the list ended by one more ^A (Google's
 * XOAUTH2 document; RFC 7628 §3.1 kvpair/kvsep). Returns false when the
 * list is not exactly that. Pairs are read even then, the way Dovecot 2.3
 * reads them (split on ^A, a last pair without its ^A still counts, a later
 * "user=" replaces an earlier one): the record follows what the server
 * took. */
static bool sasl_kvpairs(const uint8_t *msg, size_t len, size_t pos, bool want_user, struct sasl_result *res)
{
    while (pos < len) {
        size_t end;
        bool sep = sasl_find_byte(msg, len, pos, 0x01, &end);
        if (!sep)
            end = len;
        if (sep && end == pos)
            return end + 1 == len; /* the closing ^A: nothing may follow */
        const uint8_t *kv = msg + pos;
        size_t kv_len = end - pos;
        if (want_user && sasl_has_prefix(kv, kv_len, "user=")) {
            if (res->user.data != NULL)
                res->malformed = true;
            res->user.data = NULL;
            res->user.len = 0;
            sasl_set_slice(&res->user, kv, 5, kv_len);
        } else if (sasl_has_prefix(kv, kv_len, "auth=")) {
            sasl_auth_value(kv + 5, kv_len - 5, res);
        }
        if (!sep)
            return false;
        pos = end + 1;
    }
    return false;
}

/* A name that holds "auth=" is a token glued to it (a client that left out
 * the ^A separators): it must not be printed as a name. The message from
 * `from` becomes the secret when no token was found apart from it. */
static void sasl_token_guard(const uint8_t *msg, size_t len, size_t from, struct sasl_result *res)
{
    const struct bytes *u = &res->user;
    bool dropped = false;
    for (size_t i = 0; u->data != NULL && i + 5 <= u->len && !dropped; i++)
        dropped = ascii_case_prefix(u->data + i, u->len - i, ASCII_LIT("auth="));
    if (!dropped)
        return;
    res->user.data = NULL;
    res->user.len = 0;
    res->malformed = true;
    if (res->secret.data == NULL && from < len) {
        sasl_set_slice(&res->secret, msg, from, len);
        res->secret_possible = true;
    }
}

/* "user=" User ^A "auth=Bearer " token ^A ^A. After a failure the server
 * sends an error challenge and the client answers with an empty message.
 * Without any ^A the text is not a list at all: Dovecot 2.3 then takes all
 * of "user=alice auth=Bearer <token>" as the user name (and logs it); here
 * all of it is the secret and there is no user. */
static bool sasl_decode_xoauth2(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                                struct sasl_result *res)
{
    (void)step;
    (void)s;
    size_t at;
    if (len == 0)
        return false;
    if (!sasl_find_byte(msg, len, 0, 0x01, &at)) {
        res->malformed = true;
        sasl_set_slice(&res->secret, msg, 0, len);
        res->secret_possible = true;
        return true;
    }
    if (!sasl_kvpairs(msg, len, 0, true, res))
        res->malformed = true;
    if (res->user.data == NULL || res->secret.data == NULL)
        res->malformed = true;
    sasl_token_guard(msg, len, 0, res);
    return true;
}

/* RFC 7628 §3.1: client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep.
 * A lone kvsep is the client's answer to an error (§3.2.3): no token. */
static bool sasl_decode_oauthbearer(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                                    struct sasl_result *res)
{
    (void)step;
    if (len == 0 || (len == 1 && msg[0] == 0x01))
        return false;
    struct sasl_gs2 g;
    if (!sasl_gs2_header(msg, len, &g) || g.after >= len || msg[g.after] != 0x01) {
        /* Where the token is cannot be told: all of it is the secret. */
        res->malformed = true;
        sasl_set_slice(&res->secret, msg, 0, len);
        res->secret_possible = true;
        return true;
    }
    /* The authzid is the only user name OAUTHBEARER shows. */
    sasl_set_saslname(&res->user, msg + g.authzid_start, g.authzid_end - g.authzid_start, s, res);
    if (!sasl_kvpairs(msg, len, g.after + 1, false, res) || res->secret.data == NULL)
        res->malformed = true;
    sasl_token_guard(msg, len, g.after + 1, res);
    return true;
}

/* ------------------------------------------------------------------- NTLM */

static const uint8_t sasl_ntlm_signature[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

#define SASL_NTLM_NEGOTIATE_UNICODE 0x00000001u
#define SASL_NTLM_TYPE3_MIN 52u /* up to the Workstation buffer */
#define SASL_NTLM_TYPE3_FLAGS 60u
#define SASL_NTLM_TYPE3_HEADER 64u

/* The signature and MessageType that open every NTLMSSP message (MS-NLMP
 * 2.2.1). On success the cursor stands after them. */
static bool sasl_ntlm_type(struct cursor *c, uint32_t *type)
{
    const uint8_t *signature = cursor_get_bytes(c, sizeof sasl_ntlm_signature);

    *type = cursor_get_le32(c);
    return !cursor_failed(c) && memcmp(signature, sasl_ntlm_signature, sizeof sasl_ntlm_signature) == 0;
}

/* A security buffer (MS-NLMP 2.2.1.3: Len, MaxLen, BufferOffset). Offsets
 * are attacker-chosen: the bytes are taken through a cursor over the whole
 * message, so a buffer that ends outside it is not ok. */
struct sasl_ntlm_buffer {
    size_t offset;
    struct bytes bytes; /* data NULL unless ok */
    bool ok;
};

static struct sasl_ntlm_buffer sasl_ntlm_buffer_read(struct cursor *header, const uint8_t *msg, size_t len)
{
    struct sasl_ntlm_buffer b = { 0, { NULL, 0 }, false };
    struct cursor whole;
    size_t n = cursor_get_le16(header);

    (void)cursor_get_le16(header); /* MaxLen: says nothing about the bytes */
    b.offset = cursor_get_le32(header);
    cursor_init(&whole, msg, len);
    cursor_skip(&whole, b.offset);
    b.bytes.data = cursor_get_bytes(&whole, n);
    b.bytes.len = b.bytes.data != NULL ? n : 0;
    b.ok = !cursor_failed(header) && b.bytes.data != NULL;
    return b;
}

enum { SASL_NTLM_LM, SASL_NTLM_NT, SASL_NTLM_DOMAIN, SASL_NTLM_USER, SASL_NTLM_WORKSTATION, SASL_NTLM_BUFFERS };

/* NegotiateFlags exist only when the fixed header reaches them; old
 * (NTLMv1-era) senders put the payload right after the Workstation buffer.
 * Without flags, a user name whose high bytes are all zero is UTF-16.
 * `header` stands after the Workstation buffer. */
static bool sasl_ntlm_unicode(struct cursor header, size_t len, const struct sasl_ntlm_buffer b[SASL_NTLM_BUFFERS])
{
    size_t lowest = len;
    for (int i = 0; i < SASL_NTLM_BUFFERS; i++) {
        if (b[i].ok && b[i].bytes.len > 0 && b[i].offset < lowest)
            lowest = b[i].offset;
    }
    if (len >= SASL_NTLM_TYPE3_HEADER && lowest >= SASL_NTLM_TYPE3_HEADER) {
        cursor_skip(&header, SASL_NTLM_TYPE3_FLAGS - SASL_NTLM_TYPE3_MIN); /* EncryptedRandomSessionKey */
        return (cursor_get_le32(&header) & SASL_NTLM_NEGOTIATE_UNICODE) != 0;
    }
    const struct bytes *u = &b[SASL_NTLM_USER].bytes;
    if (!b[SASL_NTLM_USER].ok || u->len == 0 || u->len % 2 != 0)
        return false;
    for (size_t i = 1; i < u->len; i += 2) {
        if (u->data[i] != 0)
            return false;
    }
    return true;
}

static void sasl_ntlm_name(const struct sasl_ntlm_buffer *b, bool unicode, struct bytes *f, struct sasl_scratch *s,
                           struct sasl_result *res)
{
    if (!b->ok) {
        res->malformed = true;
        return;
    }
    if (b->bytes.len == 0)
        return;
    if (!unicode) {
        /* OEM code page: which one is not on the wire; pass bytes as sent. */
        *f = b->bytes;
        return;
    }
    if (b->bytes.len % 2 != 0)
        res->malformed = true;
    if (!sasl_scratch_utf16le(s, b->bytes.data, b->bytes.len, f))
        res->truncated = true;
}

static void sasl_ntlm_response(const struct sasl_ntlm_buffer *b, struct bytes *f, struct sasl_scratch *s,
                               struct sasl_result *res)
{
    if (!b->ok) {
        res->malformed = true;
        return;
    }
    if (b->bytes.len > 0 && !sasl_scratch_hex(s, b->bytes.data, b->bytes.len, f))
        res->truncated = true;
}

/* AUTHENTICATE_MESSAGE, MS-NLMP 2.2.1.3. Anonymous (3.2.5.1.2: empty user
 * and NT response, LM response empty or one zero byte) exposes nothing.
 * `header` stands after the MessageType. */
static bool sasl_ntlm_authenticate(struct cursor *header, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                                   struct sasl_result *res)
{
    if (len < SASL_NTLM_TYPE3_MIN) {
        res->malformed = true;
        return true;
    }
    struct sasl_ntlm_buffer b[SASL_NTLM_BUFFERS];
    for (int i = 0; i < SASL_NTLM_BUFFERS; i++)
        b[i] = sasl_ntlm_buffer_read(header, msg, len);
    const struct sasl_ntlm_buffer *lm = &b[SASL_NTLM_LM], *nt = &b[SASL_NTLM_NT];
    if (b[SASL_NTLM_USER].ok && b[SASL_NTLM_USER].bytes.len == 0 && nt->ok && nt->bytes.len == 0 && lm->ok &&
        (lm->bytes.len == 0 || (lm->bytes.len == 1 && lm->bytes.data[0] == 0)))
        return false;
    bool unicode = sasl_ntlm_unicode(*header, len, b);
    sasl_ntlm_name(&b[SASL_NTLM_USER], unicode, &res->user, s, res);
    sasl_ntlm_name(&b[SASL_NTLM_DOMAIN], unicode, &res->realm, s, res);
    sasl_ntlm_response(nt, &res->secret, s, res);
    sasl_ntlm_response(lm, &res->lm_response, s, res);
    if (nt->ok && nt->bytes.len == 0)
        res->secret = res->lm_response; /* an LM-only client */
    return true;
}

/* NEGOTIATE and AUTHENTICATE may come at any step (with or without an RFC
 * 5034 initial response), so the signature and type decide. */
static bool sasl_decode_ntlm(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                             struct sasl_result *res)
{
    (void)step;
    if (len == 0)
        return false;
    struct cursor c;
    uint32_t type;
    cursor_init(&c, msg, len);
    if (!sasl_ntlm_type(&c, &type)) {
        res->malformed = true;
        return false;
    }
    if (type == 3)
        return sasl_ntlm_authenticate(&c, msg, len, s, res);
    if (type != 1)
        res->malformed = true; /* a client never sends a CHALLENGE */
    return false;
}

bool sasl_ntlm_server_challenge(const uint8_t *msg, size_t len, uint8_t challenge[8])
{
    struct cursor c;
    uint32_t type;
    const uint8_t *server_challenge;

    if (msg == NULL || challenge == NULL)
        return false;
    cursor_init(&c, msg, len);
    if (!sasl_ntlm_type(&c, &type) || type != 2)
        return false;
    /* MS-NLMP 2.2.1.2: ServerChallenge follows the TargetName buffer and
     * NegotiateFlags. */
    cursor_skip(&c, 8 + 4);
    server_challenge = cursor_get_bytes(&c, 8);
    if (server_challenge == NULL)
        return false;
    memcpy(challenge, server_challenge, 8);
    return true;
}

/* ---------------------------------------------- EXTERNAL, ANONYMOUS, GSSAPI */

/* RFC 4422 appendix A.1: the client's only message is an optional authzid. */
static bool sasl_decode_external(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                                 struct sasl_result *res)
{
    (void)s;
    if (step == 0)
        sasl_set_slice(&res->authzid, msg, 0, len);
    return false;
}

/* RFC 4505 §2: optional trace information, often an e-mail address; it is
 * the only name the exchange shows, so it is reported as the user. */
static bool sasl_decode_anonymous(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s,
                                  struct sasl_result *res)
{
    (void)s;
    if (step == 0)
        sasl_set_slice(&res->user, msg, 0, len);
    return false;
}

/* ------------------------------------------------------------- dispatch */

struct sasl_mechanism {
    const char *name;
    bool family; /* name is a prefix: SCRAM-SHA-1, SCRAM-SHA-256-PLUS... */
    enum event_exposure exposure;
    /* true when this message carries the mechanism's secret */
    bool (*decode)(unsigned step, const uint8_t *msg, size_t len, struct sasl_scratch *s, struct sasl_result *res);
};

/* GSSAPI carries Kerberos tokens: nothing a passive reader can use. */
static const struct sasl_mechanism sasl_mechanisms[] = {
    { "PLAIN", false, EXPOSURE_CLEARTEXT, sasl_decode_plain },
    { "LOGIN", false, EXPOSURE_CLEARTEXT, sasl_decode_login },
    { "CRAM-MD5", false, EXPOSURE_HASH, sasl_decode_cram_md5 },
    { "DIGEST-MD5", false, EXPOSURE_HASH, sasl_decode_digest_md5 },
    { "SCRAM-", true, EXPOSURE_HASH, sasl_decode_scram },
    { "NTLM", false, EXPOSURE_HASH, sasl_decode_ntlm },
    { "APOP", false, EXPOSURE_HASH, sasl_decode_apop },
    { "XOAUTH2", false, EXPOSURE_TOKEN, sasl_decode_xoauth2 },
    { "OAUTHBEARER", false, EXPOSURE_TOKEN, sasl_decode_oauthbearer },
    { "EXTERNAL", false, EXPOSURE_NONE, sasl_decode_external },
    { "ANONYMOUS", false, EXPOSURE_NONE, sasl_decode_anonymous },
    { "GSSAPI", false, EXPOSURE_NONE, NULL },
};

static const struct sasl_mechanism *sasl_mechanism_find(const char *mech)
{
    if (mech == NULL)
        return NULL;
    size_t len = strlen(mech);
    for (size_t i = 0; i < sizeof(sasl_mechanisms) / sizeof(sasl_mechanisms[0]); i++) {
        const struct sasl_mechanism *m = &sasl_mechanisms[i];
        size_t n = strlen(m->name);
        bool match = m->family ? len > n : len == n;
        if (match && ascii_case_prefix((const uint8_t *)mech, len, m->name, n))
            return m;
    }
    return NULL;
}

void sasl_mechanism_name(const uint8_t *name, size_t len, char *out, size_t out_size)
{
    if (out == NULL || out_size == 0)
        return;
    size_t n = 0;
    for (size_t i = 0; name != NULL && i < len && n + 1 < out_size; i++) {
        uint8_t c = name[i];
        out[n++] = (c > ' ' && c < 0x7f) ? (char)ascii_upper(c) : '?';
    }
    out[n] = '\0';
}

enum event_exposure sasl_mechanism_exposure(const char *mech)
{
    const struct sasl_mechanism *m = sasl_mechanism_find(mech);
    return m != NULL ? m->exposure : EXPOSURE_NONE;
}

void sasl_decode_client_buf(const char *mech, unsigned step, const uint8_t *msg, size_t len, uint8_t *scratch,
                            size_t scratch_size, struct sasl_result *res)
{
    if (res == NULL)
        return;
    memset(res, 0, sizeof(*res));
    res->exposure = EXPOSURE_NONE;
    if (msg == NULL)
        msg = sasl_empty, len = 0;
    const struct sasl_mechanism *m = sasl_mechanism_find(mech);
    if (m == NULL || m->decode == NULL)
        return;
    struct sasl_scratch s = { scratch, scratch != NULL ? scratch_size : 0, 0 };
    if (m->decode(step, msg, len, &s, res))
        res->exposure = m->exposure;
}

void sasl_decode_client(const char *mech, unsigned step, const uint8_t *msg, size_t len, struct sasl_result *res)
{
    sasl_decode_client_buf(mech, step, msg, len, NULL, 0, res);
}

/* Case-insensitive search of a NUL-terminated word in p[0..len). */
static bool sasl_contains_ci(const uint8_t *p, size_t len, const char *word)
{
    size_t n = strlen(word);

    for (size_t i = 0; i < len; i++) {
        if (ascii_case_prefix(p + i, len - i, word, n))
            return true;
    }
    return false;
}

enum sasl_login_prompt sasl_login_prompt_kind(const uint8_t *prompt, size_t len)
{
    static const char *const secret_words[] = { "pass", "secret" };
    static const char *const name_words[] = { "user", "login", "name", "account" };
    if (prompt == NULL)
        return SASL_PROMPT_UNKNOWN;
    for (size_t i = 0; i < sizeof secret_words / sizeof secret_words[0]; i++) {
        if (sasl_contains_ci(prompt, len, secret_words[i]))
            return SASL_PROMPT_PASSWORD;
    }
    for (size_t i = 0; i < sizeof name_words / sizeof name_words[0]; i++) {
        if (sasl_contains_ci(prompt, len, name_words[i]))
            return SASL_PROMPT_USER;
    }
    return SASL_PROMPT_UNKNOWN;
}

void sasl_decode_response(const char *mech, unsigned step, const struct bytes *prompt, const uint8_t *msg, size_t len,
                          uint8_t *scratch, size_t scratch_size, struct sasl_result *res)
{
    const struct sasl_mechanism *m = sasl_mechanism_find(mech);
    if (m != NULL && m->decode == sasl_decode_login && prompt != NULL) {
        /* The server's words decide, not the count: a server that asks
         * "Password:" first gets the password first. */
        enum sasl_login_prompt kind = sasl_login_prompt_kind(prompt->data, prompt->len);
        if (kind == SASL_PROMPT_USER)
            step = 0;
        else if (kind == SASL_PROMPT_PASSWORD)
            step = 1;
    }
    sasl_decode_client_buf(mech, step, msg, len, scratch, scratch_size, res);
}

void sasl_undecodable_response(const char *mech, const uint8_t *raw, size_t len, struct sasl_result *res)
{
    if (res == NULL)
        return;
    memset(res, 0, sizeof(*res));
    res->exposure = EXPOSURE_NONE;
    if (raw == NULL || len == 0)
        return;
    res->malformed = true;
    res->secret.data = raw;
    res->secret.len = len;
    res->secret_possible = true;
    res->exposure = sasl_mechanism_exposure(mech);
}
