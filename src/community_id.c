/* Community ID v1: SHA-1 over seed, ordered endpoints and protocol, then
 * base64 with a version prefix (community-id-spec, "Hashing"). */
#include "community_id.h"

#include <openssl/evp.h>
#include <string.h>

/* seed(2) + 2 * address(16) + proto(1) + pad(1) + 2 * port(2) */
#define COMMUNITY_ID_INPUT_MAX (2 + 16 + 16 + 1 + 1 + 2 + 2)

static void community_id_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The spec orders the endpoints so that both directions give one hash:
 * the smaller (address, port) pair goes first. */
static int community_id_first_is_smaller(const uint8_t *a, uint16_t aport, const uint8_t *b, uint16_t bport,
                                         size_t alen)
{
    int c = memcmp(a, b, alen);

    return c < 0 || (c == 0 && aport < bport);
}

void community_id_compute(uint16_t seed, uint8_t ip_version, const uint8_t *saddr, const uint8_t *daddr, uint8_t proto,
                          uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_SIZE])
{
    uint8_t in[COMMUNITY_ID_INPUT_MAX];
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned digest_len = 0;
    size_t alen = ip_version == 6 ? 16 : 4;
    size_t n = 0;

    out[0] = '\0';
    if (!community_id_first_is_smaller(saddr, sport, daddr, dport, alen)) {
        const uint8_t *t = saddr;
        uint16_t tp = sport;

        saddr = daddr;
        daddr = t;
        sport = dport;
        dport = tp;
    }
    community_id_put16(in + n, seed);
    n += 2;
    memcpy(in + n, saddr, alen);
    n += alen;
    memcpy(in + n, daddr, alen);
    n += alen;
    in[n++] = proto;
    in[n++] = 0; /* padding */
    community_id_put16(in + n, sport);
    n += 2;
    community_id_put16(in + n, dport);
    n += 2;
    if (EVP_Digest(in, n, digest, &digest_len, EVP_sha1(), NULL) != 1 || digest_len != 20)
        return;
    memcpy(out, "1:", 2);
    /* 20 bytes encode to 28 characters plus the NUL EVP_EncodeBlock adds. */
    EVP_EncodeBlock((unsigned char *)out + 2, digest, (int)digest_len);
}

void community_id_tcp(const struct event_flow *flow, char out[COMMUNITY_ID_SIZE])
{
    /* IANA protocol number 6: TCP. */
    community_id_compute(0, flow->ip_version, flow->client_addr, flow->server_addr, 6, flow->client_port,
                         flow->server_port, out);
}
