/* pop3gen: a seeded generator of a large, realistic capture for the speed
 * bench (issue 6), writing its own ground truth. Shared declarations of its
 * four files: gen_main.c (options, scheduler, TCP and pcap writing),
 * gen_pop3.c (POP3 sessions and their truth), gen_other.c (the non-POP3
 * flows) and gen_text.c (message bodies, base64, TLS records). */
#ifndef POP3GEN_GEN_H
#define POP3GEN_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------ randomness */

/* splitmix64: one multiply-xorshift chain per number; plenty for traffic
 * shapes, and the same seed always gives the same file. */
struct gen_rng {
    uint64_t state;
};

void gen_rng_seed(struct gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(struct gen_rng *r);
uint32_t gen_rng_below(struct gen_rng *r, uint32_t n); /* 0 .. n-1; n > 0 */
double gen_rng_unit(struct gen_rng *r);                /* [0, 1) */
bool gen_rng_chance(struct gen_rng *r, double p);
/* Log-normal with the given median; sigma is the log-space spread. */
double gen_rng_lognormal(struct gen_rng *r, double median, double sigma);

/* ------------------------------------------------------------ byte buffers */

struct gen_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

void gen_buf_reserve(struct gen_buf *b, size_t extra);
void gen_buf_put(struct gen_buf *b, const void *data, size_t len);
void gen_buf_str(struct gen_buf *b, const char *s);
void gen_buf_fmt(struct gen_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gen_buf_free(struct gen_buf *b);

/* ------------------------------------------------------------ text */

/* Builds the shared word corpus; call once. */
void gen_text_init(struct gen_rng *r);

/* One RFC 5322 message of exactly `octets` bytes after un-stuffing (CRLF
 * line ends, the size LIST reports), appended dot-stuffed as RFC 1939 §3
 * sends it, without the terminating ".". With max_body_lines >= 0 only the
 * headers and that many body lines are sent (TOP). */
void gen_text_message(struct gen_rng *r, struct gen_buf *out, uint64_t octets, long max_body_lines);

/* Random bytes framed as TLS records of `type` (0x16 handshake, 0x17
 * application data), `len` bytes in all. */
void gen_text_tls(struct gen_rng *r, struct gen_buf *out, uint8_t type, size_t len);

/* Message lines sent dot-stuffed so far. */
uint64_t gen_text_stuffed_lines(void);

void gen_text_random(struct gen_rng *r, uint8_t *out, size_t len);
void gen_text_base64(struct gen_buf *out, const uint8_t *in, size_t len);
void gen_text_hex(struct gen_rng *r, char *out, size_t digits); /* NUL-terminated */

/* ------------------------------------------------------------ connections */

enum gen_dir { GEN_CLIENT = 0, GEN_SERVER = 1 };

/* How a connection closes, after its script ends. */
enum gen_close { GEN_CLOSE_FIN_CLIENT, GEN_CLOSE_FIN_SERVER, GEN_CLOSE_RST_CLIENT, GEN_CLOSE_RST_SERVER };

struct gen_conn;

/* A protocol script: produces the connection's turns one at a time. */
struct gen_script_ops {
    /* Fills c->turn and c->turn_dir with the next turn; false when the
     * conversation is over (c->close then says how it ends). */
    bool (*next)(struct gen_conn *c);
    /* The connection has closed: write the truth, free the state. */
    void (*done)(struct gen_conn *c);
};

struct gen_conn {
    struct gen_rng rng;
    const struct gen_script_ops *ops;
    void *state;
    struct gen_ctx *ctx;
    bool pop3;
    uint8_t ip_version;
    uint8_t addr[2][16];
    uint16_t port[2];
    uint32_t seq[2];
    uint32_t tsval[2];
    uint16_t ip_id[2];
    uint32_t unacked[2]; /* data segments not yet acknowledged */
    int phase;
    enum gen_close close;
    struct gen_buf turn;
    size_t turn_pos;
    enum gen_dir turn_dir;
    uint64_t payload[2]; /* payload bytes each way, each counted once */
};

/* ------------------------------------------------------------ shared run */

struct gen_options {
    uint64_t seed;
    uint64_t target_bytes;   /* file size to reach before draining */
    unsigned concurrency;    /* connections open at once */
    double other_share;      /* wanted share of payload bytes not POP3 */
    double ipv6_share;
    double dup_rate;         /* data segments sent twice */
    double reorder_rate;     /* adjacent data segments swapped */
};

struct gen_stats {
    uint64_t packets;
    uint64_t file_bytes;
    uint64_t payload_pop3;
    uint64_t payload_other;
    uint64_t planned_pop3; /* payload a new connection is expected to */
    uint64_t planned_other; /* carry, counted when it starts */
    uint64_t pop3_sessions;
    uint64_t other_flows;
    uint64_t auth_events;
    uint64_t duplicated;
    uint64_t reordered;
    uint64_t ipv6_flows;
    uint64_t lowercase_sessions;
    uint64_t pipelining_sessions;
};

struct gen_ctx {
    struct gen_options opt;
    struct gen_rng rng;
    FILE *truth;
    struct gen_stats stats;
    uint64_t next_client; /* distinct client endpoints, never reused */
};

/* Address and port of a new connection's client and server. */
void gen_conn_endpoints(struct gen_ctx *ctx, struct gen_conn *c, uint16_t server_port, unsigned server_pool);

/* Starts a POP3 session or a non-POP3 flow on c (addresses, ports, script). */
void gen_pop3_start(struct gen_ctx *ctx, struct gen_conn *c);
void gen_other_start(struct gen_ctx *ctx, struct gen_conn *c);

/* JSON string of `len` bytes (valid UTF-8 passes through). */
void gen_json_string(FILE *f, const uint8_t *s, size_t len);
/* "ip" text, as pop3scope prints it (RFC 5952). */
void gen_addr_text(const struct gen_conn *c, enum gen_dir side, char *buf, size_t size);

#endif
