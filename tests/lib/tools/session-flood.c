/* session-flood: a capture of COUNT POP3 connections that never end, for
 * the long-run memory tests (tests/live/live_flood.sh). Each connection comes
 * from its own client address and port, completes the handshake, gets the
 * server's greeting and sends "USER userN", then falls silent: no QUIT, no
 * FIN, no RST. Every one becomes a tracked session until the idle timeout,
 * eviction or --max-sessions stops it, which is what the memory bound must
 * survive.
 *
 *   session-flood COUNT [CONNECTIONS_PER_SECOND [idle|fail]] > flood.pcap
 *
 * "fail" makes it a password-guessing storm instead: every connection
 * has a refused login (PASS, then "-ERR [AUTH]") and ends with the
 * client's RST, so each one is reported and the alert tables see a
 * million accounts from a few clients, filling and evicting.
 *
 * Packet times start at 2023-11-14 22:13:20 UTC and advance so that
 * CONNECTIONS_PER_SECOND connections (default 10000) open per second of
 * packet time. Ethernet, IPv4, microsecond pcap; nothing random, so the
 * same arguments always give the same bytes. tests/lib/tools/flood-pcap.c
 * (issue 3) floods SYNs and single sessions; this one floods sessions. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SF_TCP_SYN 0x02u
#define SF_TCP_RST 0x04u
#define SF_TCP_PSH 0x08u
#define SF_TCP_ACK 0x10u
#define SF_HEADERS (14u + 20u + 20u)
#define SF_PAYLOAD_MAX 64u

struct sf_conn {
    uint32_t client_ip;
    uint32_t server_ip;
    uint16_t client_port;
    uint32_t client_seq;
    uint32_t server_seq;
};

static uint64_t sf_usec = UINT64_C(1700000000) * 1000000u;

static void sf_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void sf_be32(uint8_t *p, uint32_t v)
{
    sf_be16(p, v >> 16);
    sf_be16(p + 2, v & 0xffffu);
}

static void sf_le32(FILE *out, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

    fwrite(b, 1, sizeof b, out);
}

static void sf_file_header(FILE *out)
{
    sf_le32(out, 0xa1b2c3d4u);
    sf_le32(out, 0x00040002u);
    sf_le32(out, 0);
    sf_le32(out, 0);
    sf_le32(out, 65535);
    sf_le32(out, 1); /* LINKTYPE_ETHERNET */
}

/* RFC 1071 over the IPv4 header. */
static uint16_t sf_ip_checksum(const uint8_t *h)
{
    uint32_t sum = 0;

    for (unsigned i = 0; i < 20; i += 2)
        sum += (uint32_t)h[i] << 8 | h[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

/* One frame; `from_client` picks the direction. TCP checksums stay zero:
 * pop3scope does not check them, and captures with offload show the same. */
static void sf_frame(FILE *out, const struct sf_conn *c, int from_client, uint8_t flags, const char *payload)
{
    uint8_t f[SF_HEADERS + SF_PAYLOAD_MAX];
    size_t len = payload != NULL ? strlen(payload) : 0;
    uint8_t *ip = f + 14, *tcp = f + 34;
    uint32_t seq = from_client ? c->client_seq : c->server_seq;
    uint32_t ack = from_client ? c->server_seq : c->client_seq;

    memset(f, 0, SF_HEADERS);
    memcpy(f, from_client ? "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01"
                          : "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
    f[12] = 0x08; /* IPv4 */
    ip[0] = 0x45;
    sf_be16(ip + 2, (uint32_t)(20 + 20 + len));
    ip[8] = 64;
    ip[9] = 6;
    sf_be32(ip + 12, from_client ? c->client_ip : c->server_ip);
    sf_be32(ip + 16, from_client ? c->server_ip : c->client_ip);
    sf_be16(ip + 10, sf_ip_checksum(ip));
    sf_be16(tcp, from_client ? c->client_port : 110);
    sf_be16(tcp + 2, from_client ? 110 : c->client_port);
    sf_be32(tcp + 4, seq);
    sf_be32(tcp + 8, (flags & SF_TCP_ACK) ? ack : 0);
    tcp[12] = 0x50;
    tcp[13] = flags;
    sf_be16(tcp + 14, 65535);
    memcpy(f + SF_HEADERS, payload != NULL ? payload : "", len);
    sf_le32(out, (uint32_t)(sf_usec / 1000000u));
    sf_le32(out, (uint32_t)(sf_usec % 1000000u));
    sf_le32(out, (uint32_t)(SF_HEADERS + len));
    sf_le32(out, (uint32_t)(SF_HEADERS + len));
    fwrite(f, 1, SF_HEADERS + len, out);
}

static void sf_exchange(FILE *out, struct sf_conn *c, const char *command, const char *reply)
{
    sf_frame(out, c, 1, SF_TCP_PSH | SF_TCP_ACK, command);
    c->client_seq += (uint32_t)strlen(command);
    sf_frame(out, c, 0, SF_TCP_PSH | SF_TCP_ACK, reply);
    c->server_seq += (uint32_t)strlen(reply);
}

/* Handshake, greeting, USER: then nothing, ever (or, in fail mode, a
 * refused PASS and a reset). */
static void sf_connection(FILE *out, uint64_t i, uint64_t step, int fail)
{
    struct sf_conn c;
    char user[SF_PAYLOAD_MAX];

    c.client_ip = 0x0a000000u | (uint32_t)((i / 60000u) & 0xffffffu); /* 10.x.y.z */
    c.server_ip = 0xc0000201u; /* 192.0.2.1 */
    c.client_port = (uint16_t)(1024 + i % 60000u);
    c.client_seq = (uint32_t)(i * 2654435761u);
    c.server_seq = (uint32_t)(i * 40503u + 7u);
    sf_frame(out, &c, 1, SF_TCP_SYN, NULL);
    c.client_seq++;
    sf_frame(out, &c, 0, SF_TCP_SYN | SF_TCP_ACK, NULL);
    c.server_seq++;
    sf_frame(out, &c, 0, SF_TCP_PSH | SF_TCP_ACK, "+OK flood test server\r\n");
    c.server_seq += 23;
    snprintf(user, sizeof user, "USER user%llu\r\n", (unsigned long long)i);
    if (fail) {
        sf_exchange(out, &c, user, "+OK\r\n");
        sf_exchange(out, &c, "PASS wrong\r\n", "-ERR [AUTH] Authentication failed.\r\n");
        sf_frame(out, &c, 1, SF_TCP_RST | SF_TCP_ACK, NULL);
    } else {
        sf_frame(out, &c, 1, SF_TCP_PSH | SF_TCP_ACK, user);
    }
    sf_usec += step;
}

static int sf_number(const char *text, unsigned long long *out)
{
    char *end = NULL;

    if (text[0] < '0' || text[0] > '9')
        return 0;
    errno = 0;
    *out = strtoull(text, &end, 10);
    return errno == 0 && *end == '\0';
}

int main(int argc, char **argv)
{
    unsigned long long count, rate = 10000;
    static char buf[1 << 20];
    int fail = argc == 4 && strcmp(argv[3], "fail") == 0;

    if (argc < 2 || argc > 4 || !sf_number(argv[1], &count) || (argc >= 3 && (!sf_number(argv[2], &rate) || rate == 0)) ||
        (argc == 4 && !fail && strcmp(argv[3], "idle") != 0)) {
        fputs("usage: session-flood COUNT [CONNECTIONS_PER_SECOND [idle|fail]] > flood.pcap\n", stderr);
        return 2;
    }
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    sf_file_header(stdout);
    for (unsigned long long i = 0; i < count; i++)
        sf_connection(stdout, i, 1000000u / rate > 0 ? 1000000u / rate : 1, fail);
    if (fflush(stdout) != 0) {
        perror("session-flood");
        return 1;
    }
    return 0;
}
