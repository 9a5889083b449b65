/* Writes resource-attack captures to standard output, fast, for
 * tests/hostile/resource.sh. Nothing is stored in the repository: each test makes
 * its input on the fly and pipes it into pop3scope.
 *
 *   flood-pcap KIND COUNT
 *
 *   longline  COUNT MiB of client bytes without a line feed (one line)
 *   pipeline  COUNT "NOOP" commands sent in one burst, then their COUNT
 *             replies (the tracker can pair at most --max-pending)
 *   silent    COUNT commands ("LIST", "STAT", "UIDL 1", ...) to a server
 *             that sends its greeting and then never answers
 *   authcont  "AUTH LOGIN", then COUNT client continuation lines, each
 *             answered by a "+ " challenge: an exchange that never ends
 *   syn       COUNT SYNs to port 110, each from its own address and port
 *   frags     COUNT first fragments (MF set, offset 0) of TCP segments to
 *             port 110, each with its own IP ID: none ever completes
 *
 * After the flood, every capture holds one ordinary session, user "canary"
 * with password "canary-secret" logging in with USER/PASS: the test checks
 * that it is still reported, so the analysis went on after the attack.
 * Ethernet link type, IPv4, microsecond timestamps 1 µs apart. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOOD_SNAPLEN 262144u
#define FLOOD_MSS 65000u /* payload per segment: inside an IPv4 total length */
#define FLOOD_BATCH 1000u /* lines per segment for the line floods */

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u

struct flood_conn {
    uint32_t client_ip, server_ip;
    uint16_t client_port, server_port;
    uint32_t client_seq, server_seq;
};

static uint64_t flood_usec = UINT64_C(1700000000) * 1000000u;
static uint8_t flood_frame[14 + 20 + 20 + FLOOD_MSS];

static void flood_put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void flood_put32(uint8_t *p, uint32_t v)
{
    flood_put16(p, v >> 16);
    flood_put16(p + 2, v & 0xffffu);
}

static void flood_le32(uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

    fwrite(b, 1, 4, stdout);
}

static void flood_file_header(void)
{
    flood_le32(0xa1b2c3d4u);
    flood_le32(0x00040002u); /* version 2.4, little-endian halves */
    flood_le32(0);
    flood_le32(0);
    flood_le32(FLOOD_SNAPLEN);
    flood_le32(1); /* LINKTYPE_ETHERNET */
}

static void flood_record(size_t len)
{
    flood_usec++;
    flood_le32((uint32_t)(flood_usec / 1000000u));
    flood_le32((uint32_t)(flood_usec % 1000000u));
    flood_le32((uint32_t)len);
    flood_le32((uint32_t)len);
    fwrite(flood_frame, 1, len, stdout);
}

static uint16_t flood_ip_checksum(const uint8_t *h)
{
    uint32_t sum = 0;

    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)h[i] << 8 | h[i + 1];
    while (sum > 0xffffu)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Ethernet + IPv4 header for `l4_len` bytes of layer 4; returns the IP
 * header so callers can mark fragments. */
static uint8_t *flood_ip(uint32_t src, uint32_t dst, size_t l4_len, uint16_t id, uint16_t frag)
{
    uint8_t *ip = flood_frame + 14;

    memset(flood_frame, 0, 14);
    flood_frame[0] = 0x02;
    flood_frame[6] = 0x02;
    flood_frame[11] = 1;
    flood_put16(flood_frame + 12, 0x0800u);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    flood_put16(ip + 2, (uint32_t)(20 + l4_len));
    flood_put16(ip + 4, id);
    flood_put16(ip + 6, frag);
    ip[8] = 64;
    ip[9] = 6;
    flood_put32(ip + 12, src);
    flood_put32(ip + 16, dst);
    flood_put16(ip + 10, flood_ip_checksum(ip));
    return ip;
}

static void flood_tcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                      uint8_t flags, const uint8_t *payload, size_t len)
{
    uint8_t *tcp = flood_frame + 34;

    flood_ip(src, dst, 20 + len, 1, 0x4000u);
    memset(tcp, 0, 20);
    flood_put16(tcp, sport);
    flood_put16(tcp + 2, dport);
    flood_put32(tcp + 4, seq);
    flood_put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    flood_put16(tcp + 14, 65535);
    if (len > 0)
        memcpy(tcp + 20, payload, len);
    flood_record(34 + 20 + len);
}

/* One direction's bytes, cut into segments of at most FLOOD_MSS. */
static void flood_send(struct flood_conn *c, int from_server, const uint8_t *data, size_t len)
{
    while (len > 0) {
        size_t n = len < FLOOD_MSS ? len : FLOOD_MSS;

        if (from_server) {
            flood_tcp(c->server_ip, c->client_ip, c->server_port, c->client_port, c->server_seq, c->client_seq,
                      TCP_ACK | TCP_PSH, data, n);
            c->server_seq += (uint32_t)n;
        } else {
            flood_tcp(c->client_ip, c->server_ip, c->client_port, c->server_port, c->client_seq, c->server_seq,
                      TCP_ACK | TCP_PSH, data, n);
            c->client_seq += (uint32_t)n;
        }
        data += n;
        len -= n;
    }
}

static void flood_say(struct flood_conn *c, int from_server, const char *text)
{
    flood_send(c, from_server, (const uint8_t *)text, strlen(text));
}

static void flood_open(struct flood_conn *c, uint32_t client_ip, uint16_t client_port)
{
    c->client_ip = client_ip;
    c->server_ip = 0x0a000002u; /* 10.0.0.2 */
    c->client_port = client_port;
    c->server_port = 110;
    c->client_seq = 1000;
    c->server_seq = 5000;
    flood_tcp(c->client_ip, c->server_ip, c->client_port, 110, c->client_seq++, 0, TCP_SYN, NULL, 0);
    flood_tcp(c->server_ip, c->client_ip, 110, c->client_port, c->server_seq++, c->client_seq, TCP_SYN | TCP_ACK,
              NULL, 0);
    flood_tcp(c->client_ip, c->server_ip, c->client_port, 110, c->client_seq, c->server_seq, TCP_ACK, NULL, 0);
}

static void flood_close(struct flood_conn *c)
{
    flood_tcp(c->client_ip, c->server_ip, c->client_port, 110, c->client_seq++, c->server_seq, TCP_FIN | TCP_ACK,
              NULL, 0);
    flood_tcp(c->server_ip, c->client_ip, 110, c->client_port, c->server_seq++, c->client_seq, TCP_FIN | TCP_ACK,
              NULL, 0);
    flood_tcp(c->client_ip, c->server_ip, c->client_port, 110, c->client_seq, c->server_seq, TCP_ACK, NULL, 0);
}

/* The session the test looks for after the attack. */
static void flood_canary(void)
{
    struct flood_conn c;

    flood_open(&c, 0x0a630001u, 40000); /* 10.99.0.1 */
    flood_say(&c, 1, "+OK canary server ready\r\n");
    flood_say(&c, 0, "USER canary\r\n");
    flood_say(&c, 1, "+OK\r\n");
    flood_say(&c, 0, "PASS canary-secret\r\n");
    flood_say(&c, 1, "+OK Logged in.\r\n");
    flood_say(&c, 0, "QUIT\r\n");
    flood_say(&c, 1, "+OK Logging out.\r\n");
    flood_close(&c);
}

static void flood_longline(unsigned long mib)
{
    static uint8_t block[FLOOD_MSS];
    struct flood_conn c;
    uint64_t left = (uint64_t)mib << 20;

    memset(block, 'A', sizeof block);
    flood_open(&c, 0x0a000001u, 30000);
    flood_say(&c, 1, "+OK ready\r\n");
    flood_say(&c, 0, "USER ");
    while (left > 0) {
        size_t n = left < sizeof block ? (size_t)left : sizeof block;

        flood_send(&c, 0, block, n);
        left -= n;
    }
    flood_close(&c);
}

/* COUNT copies of `line`, FLOOD_BATCH per segment. */
static void flood_lines(struct flood_conn *c, int from_server, const char *line, unsigned long count)
{
    static uint8_t batch[FLOOD_MSS];
    size_t len = strlen(line), used = 0;

    for (unsigned long i = 0; i < count; i++) {
        if (used + len > sizeof batch || used / len >= FLOOD_BATCH) {
            flood_send(c, from_server, batch, used);
            used = 0;
        }
        memcpy(batch + used, line, len);
        used += len;
    }
    if (used > 0)
        flood_send(c, from_server, batch, used);
}

static void flood_pipeline(unsigned long count)
{
    struct flood_conn c;

    flood_open(&c, 0x0a000001u, 30001);
    flood_say(&c, 1, "+OK ready\r\n");
    flood_lines(&c, 0, "NOOP\r\n", count);
    flood_lines(&c, 1, "+OK\r\n", count);
    flood_close(&c);
}

static void flood_silent(unsigned long count)
{
    static const char *const commands[] = {"LIST\r\n", "STAT\r\n", "UIDL 1\r\n", "USER x\r\n", "RETR 1\r\n"};
    struct flood_conn c;

    flood_open(&c, 0x0a000001u, 30002);
    flood_say(&c, 1, "+OK ready\r\n");
    for (unsigned long done = 0; done < count;) {
        unsigned long n = count - done < FLOOD_BATCH ? count - done : FLOOD_BATCH;

        flood_lines(&c, 0, commands[(done / FLOOD_BATCH) % 5u], n);
        done += n;
    }
    flood_close(&c);
}

static void flood_authcont(unsigned long count)
{
    struct flood_conn c;

    flood_open(&c, 0x0a000001u, 30003);
    flood_say(&c, 1, "+OK ready\r\n");
    flood_say(&c, 0, "AUTH LOGIN\r\n");
    for (unsigned long done = 0; done < count;) {
        unsigned long n = count - done < FLOOD_BATCH ? count - done : FLOOD_BATCH;

        flood_lines(&c, 1, "+ VXNlcm5hbWU6\r\n", n);
        flood_lines(&c, 0, "YWxpY2U=\r\n", n);
        done += n;
    }
    flood_close(&c);
}

static void flood_syn(unsigned long count)
{
    for (unsigned long i = 0; i < count; i++) {
        uint32_t src = 0xac100000u + (uint32_t)(i / 50000u); /* 172.16.x.y */

        flood_tcp(src, 0x0a000002u, (uint16_t)(10000u + i % 50000u), 110, (uint32_t)(i * 2654435761u), 0, TCP_SYN,
                  NULL, 0);
    }
}

static void flood_frags(unsigned long count)
{
    for (unsigned long i = 0; i < count; i++) {
        uint32_t src = 0xac110000u + (uint32_t)(i >> 16); /* 172.17.x.y */
        uint8_t *tcp = flood_frame + 34;

        /* 20 bytes of TCP header and 12 of payload, More Fragments set: the
         * rest of each datagram never comes. */
        flood_ip(src, 0x0a000002u, 32, (uint16_t)i, 0x2000u);
        memset(tcp, 0, 32);
        flood_put16(tcp, 20000);
        flood_put16(tcp + 2, 110);
        tcp[12] = 5 << 4;
        tcp[13] = TCP_ACK | TCP_PSH;
        memcpy(tcp + 20, "USER frag\r\n\n", 12);
        flood_record(34 + 32);
    }
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(unsigned long);
    } kinds[] = {
        {"longline", flood_longline}, {"pipeline", flood_pipeline}, {"silent", flood_silent},
        {"authcont", flood_authcont}, {"syn", flood_syn},           {"frags", flood_frags},
    };
    unsigned long count;
    char *end = NULL;

    if (argc != 3) {
        fputs("usage: flood-pcap longline|pipeline|silent|authcont|syn|frags COUNT > out.pcap\n", stderr);
        return 1;
    }
    errno = 0;
    count = strtoul(argv[2], &end, 10);
    if (errno != 0 || *end != '\0' || argv[2][0] < '0' || argv[2][0] > '9') {
        fprintf(stderr, "flood-pcap: bad count '%s'\n", argv[2]);
        return 1;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(argv[1], kinds[i].name) == 0) {
            flood_file_header();
            kinds[i].fn(count);
            flood_canary();
            return fflush(stdout) == 0 ? 0 : 1;
        }
    }
    fprintf(stderr, "flood-pcap: unknown kind '%s'\n", argv[1]);
    return 1;
}
