/* libFuzzer harness for the SASL and APOP decoders (sasl.h): pure functions
 * over bytes, so each call gets its input in a buffer of exactly the right
 * size and its output in one of exactly the size it asks for.
 *
 * Input layout: byte 0 picks the function (mod 8), byte 1 a parameter
 * (mechanism and step, or an output size), the rest is the message. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sasl.h"
#include "sasl_crack.h"
#include "sslproxy.h"

static volatile uint32_t fuzz_sasl_sum;

/* Every mechanism sasl.c knows, one it does not, and a lower-case name the
 * caller should have upper-cased (it must still be handled, not trusted). */
static const char *const fuzz_sasl_mechs[] = {
    "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "NTLM",
    "APOP", "XOAUTH2", "OAUTHBEARER", "EXTERNAL", "ANONYMOUS", "GSSAPI", "X-UNKNOWN", "plain",
};
#define FUZZ_SASL_MECH_COUNT (sizeof fuzz_sasl_mechs / sizeof fuzz_sasl_mechs[0])

static uint8_t *fuzz_sasl_copy(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len == 0 ? 1 : len);

    if (copy != NULL && len > 0)
        memcpy(copy, data, len);
    return copy;
}

static void fuzz_sasl_touch_field(struct bytes f)
{
    uint32_t sum = 0;

    if (f.data == NULL)
        return;
    for (size_t i = 0; i < f.len; i++)
        sum = sum * 31u + f.data[i];
    fuzz_sasl_sum += sum;
}

static void fuzz_sasl_touch_result(const struct sasl_result *r)
{
    fuzz_sasl_touch_field(r->user);
    fuzz_sasl_touch_field(r->authzid);
    fuzz_sasl_touch_field(r->secret);
    fuzz_sasl_touch_field(r->realm);
    fuzz_sasl_touch_field(r->lm_response);
    fuzz_sasl_sum += (uint32_t)r->exposure + r->malformed + r->truncated;
}

/* param: bits 0-3 mechanism, bits 4-5 step, bits 6-7 scratch (exact, none,
 * 16 bytes, len). */
static void fuzz_sasl_client(uint8_t param, const uint8_t *msg, size_t len)
{
    const char *mech = fuzz_sasl_mechs[param % FUZZ_SASL_MECH_COUNT];
    size_t sizes[4] = {SASL_SCRATCH_NEEDED(len), 0, 16, len};
    size_t scratch_size = sizes[param >> 6];
    uint8_t *scratch = scratch_size > 0 ? malloc(scratch_size) : NULL;
    struct sasl_result res;

    memset(&res, 0xa5, sizeof res); /* the decoder must set every field */
    sasl_decode_client_buf(mech, (param >> 4) & 3u, msg, len, scratch, scratch_size, &res);
    fuzz_sasl_touch_result(&res);
    memset(&res, 0xa5, sizeof res);
    sasl_decode_client(mech, (param >> 4) & 3u, msg, len, &res);
    fuzz_sasl_touch_result(&res);
    fuzz_sasl_sum += (uint32_t)sasl_mechanism_exposure(mech);
    /* The first byte splits a LOGIN-style prompt from the answer. */
    if (len > 0) {
        size_t cut = msg[0] % len;
        uint8_t *prompt = fuzz_sasl_copy(msg + 1, cut);
        struct bytes pf = { prompt, cut };

        if (prompt != NULL) {
            memset(&res, 0xa5, sizeof res);
            sasl_decode_response(mech, (param >> 4) & 3u, &pf, msg + 1 + cut, len - 1 - cut, scratch, scratch_size,
                                 &res);
            fuzz_sasl_touch_result(&res);
            fuzz_sasl_sum += (uint32_t)sasl_login_prompt_kind(prompt, cut);
            free(prompt);
        }
    }
    memset(&res, 0xa5, sizeof res);
    sasl_undecodable_response(mech, msg, len, &res);
    fuzz_sasl_touch_result(&res);
    free(scratch);
}

static void fuzz_sasl_base64(const uint8_t *in, size_t len)
{
    size_t out_size = (len / 4 + 1) * 3;
    uint8_t *out = malloc(out_size);
    size_t out_len = 0;

    if (out == NULL)
        return;
    if (sasl_base64_decode(in, len, out, out_size, &out_len)) {
        if (out_len > out_size)
            abort(); /* claims more than it could have written */
        for (size_t i = 0; i < out_len; i++)
            fuzz_sasl_sum += out[i];
    }
    free(out);
}

static void fuzz_sasl_apop_and_greeting(const uint8_t *msg, size_t len)
{
    struct sasl_result res;
    struct bytes ts;

    memset(&res, 0, sizeof res);
    fuzz_sasl_sum += sasl_apop_parse(msg, len, &res);
    fuzz_sasl_touch_result(&res);
    if (sasl_greeting_timestamp(msg, len, &ts)) {
        if (ts.data < msg || ts.len > len || (size_t)(ts.data - msg) > len - ts.len || ts.len > SASL_TIMESTAMP_MAX)
            abort(); /* the timestamp must lie inside the banner */
        fuzz_sasl_touch_field(ts);
    }
}

/* Splits msg into three fields at two length bytes. */
static void fuzz_sasl_split(const uint8_t *msg, size_t len, struct bytes f[3])
{
    size_t pos = 0;

    for (int i = 0; i < 3; i++) {
        size_t n = i < 2 && pos < len ? msg[pos++] : len - pos;

        n = n > len - pos ? len - pos : n;
        f[i].data = msg + pos;
        f[i].len = n;
        pos += n;
    }
}

static void fuzz_sasl_check_line(const char *out, size_t out_size, size_t n)
{
    if (out_size == 0)
        return;
    if (n >= out_size || strlen(out) != n)
        abort(); /* a line longer than its buffer, or not terminated */
}

static void fuzz_sasl_crack(uint8_t param, const uint8_t *msg, size_t len)
{
    size_t out_size = (size_t)param * 4u;
    char *out = malloc(out_size == 0 ? 1 : out_size);
    struct bytes f[3];
    size_t n;

    if (out == NULL)
        return;
    fuzz_sasl_split(msg, len, f);
    n = sasl_format_crack_apop(&f[0], &f[1], &f[2], out, out_size);
    fuzz_sasl_check_line(out, out_size, n);
    n = sasl_format_crack_cram_md5(&f[0], &f[1], &f[2], out, out_size);
    fuzz_sasl_check_line(out, out_size, n);
    free(out);
}

/* NTLM: a CHALLENGE then an AUTHENTICATE, and the NetNTLM line from both. */
static void fuzz_sasl_ntlm(uint8_t param, const uint8_t *msg, size_t len)
{
    size_t split = len == 0 ? 0 : (size_t)param % (len + 1);
    uint8_t challenge[8] = {0};
    uint8_t *scratch = malloc(SASL_SCRATCH_NEEDED(len - split) + 1);
    size_t out_size = 1024 + (size_t)param * 8u;
    char *out = malloc(out_size);
    struct sasl_result res;

    if (scratch != NULL && out != NULL) {
        fuzz_sasl_sum += sasl_ntlm_server_challenge(msg, split, challenge);
        sasl_decode_client_buf("NTLM", 1, msg + split, len - split, scratch, SASL_SCRATCH_NEEDED(len - split),
                               &res);
        fuzz_sasl_touch_result(&res);
        fuzz_sasl_check_line(out, out_size, sasl_format_crack_netntlm(challenge, &res, out, out_size));
    }
    free(scratch);
    free(out);
}

static void fuzz_sasl_name(uint8_t param, const uint8_t *msg, size_t len)
{
    size_t out_size = param % 40u;
    char *out = malloc(out_size == 0 ? 1 : out_size);

    if (out == NULL)
        return;
    sasl_mechanism_name(msg, len, out, out_size);
    if (out_size > 0 && strlen(out) >= out_size)
        abort();
    free(out);
    /* The SSLproxy header line: with and without a valid key in front. */
    struct event_proxy h;
    fuzz_sasl_sum += sslproxy_header_parse(msg, len, &h) ? h.client_port : 0u;
    fuzz_sasl_sum += (uint32_t)(sslproxy_key_match(msg, len) + 1);
    size_t n = SSLPROXY_KEY_LEN + len;
    uint8_t *line = malloc(n);
    if (line != NULL) {
        memcpy(line, SSLPROXY_KEY, SSLPROXY_KEY_LEN);
        if (len > 0)
            memcpy(line + SSLPROXY_KEY_LEN, msg, len);
        if (sslproxy_header_parse(line, n, &h) && (!h.present || (h.ip_version != 4 && h.ip_version != 6)))
            abort();
        free(line);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *msg;
    size_t len;

    if (size < 2)
        return 0;
    len = size - 2;
    msg = fuzz_sasl_copy(data + 2, len);
    if (msg == NULL)
        return 0;
    switch (data[0] % 8u) {
    case 0:
    case 1: fuzz_sasl_client(data[1], msg, len); break;
    case 2: fuzz_sasl_base64(msg, len); break;
    case 3: fuzz_sasl_apop_and_greeting(msg, len); break;
    case 4: fuzz_sasl_crack(data[1], msg, len); break;
    case 5: fuzz_sasl_ntlm(data[1], msg, len); break;
    case 6: fuzz_sasl_name(data[1], msg, len); break;
    default: fuzz_sasl_client(data[1] | 0x30u, msg, len); break; /* later steps */
    }
    free(msg);
    return 0;
}
