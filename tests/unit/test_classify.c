/* Unit tests for src/classify.c: the POP3 probe, the STLS and implicit-TLS
 * checks, naming flows with nDPI (bounded, pooled, skipped without
 * payload or with --no-ndpi), the per-application picture, and, through
 * the analyzer, what reaches the session and app_summary events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzer.h"
#include "classify.h"
#include "sslproxy.h"
#include "decode.h"

#define TEXT(s) (const uint8_t *)(s), sizeof(s) - 1

/* ------------------------------------------------------------ helpers */

/* One TCP endpoint pair, sequence numbers advanced as segments are made. */
struct conn {
    uint8_t client[4];
    uint8_t server[4];
    uint16_t client_port;
    uint16_t server_port;
    uint32_t client_seq;
    uint32_t server_seq;
};

static void conn_init(struct conn *c, uint8_t last_octet, uint16_t client_port, uint16_t server_port)
{
    static const uint8_t client[4] = {10, 0, 0, 1};
    static const uint8_t server[4] = {192, 0, 2, 0};

    memset(c, 0, sizeof *c);
    memcpy(c->client, client, 4);
    memcpy(c->server, server, 4);
    c->server[3] = last_octet;
    c->client_port = client_port;
    c->server_port = server_port;
    c->client_seq = 1000;
    c->server_seq = 5000;
}

/* A decoded segment as decode_packet would give it. */
static struct packet_view conn_view(struct conn *c, bool from_client, uint8_t flags, const uint8_t *payload,
                                    size_t len)
{
    struct packet_view v;

    memset(&v, 0, sizeof v);
    v.ip_version = 4;
    memcpy(v.src_addr, from_client ? c->client : c->server, 4);
    memcpy(v.dst_addr, from_client ? c->server : c->client, 4);
    v.src_port = from_client ? c->client_port : c->server_port;
    v.dst_port = from_client ? c->server_port : c->client_port;
    v.seq = from_client ? c->client_seq : c->server_seq;
    v.ack = from_client ? c->server_seq : c->client_seq;
    v.tcp_flags = flags;
    v.window = 65535;
    v.payload = payload;
    v.payload_len = (uint32_t)len;
    if (from_client)
        c->client_seq += (uint32_t)len + ((flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) ? 1u : 0u);
    else
        c->server_seq += (uint32_t)len + ((flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) ? 1u : 0u);
    return v;
}

static struct event_time at(int64_t sec)
{
    struct event_time t = {1700000000 + sec, 0};

    return t;
}

static void feed(struct classify_context *c, struct classify_app *a, struct conn *k, bool from_client,
                 const uint8_t *payload, size_t len)
{
    struct packet_view v = conn_view(k, from_client, TCP_FLAG_ACK | TCP_FLAG_PSH, payload, len);

    classify_app_packet(c, a, &v, at(1), classify_by_ports(v.src_port, v.dst_port), from_client);
}

static struct classify_context *context(bool ndpi, size_t max_flows)
{
    struct classify_options o;
    struct classify_context *c;

    classify_options_default(&o);
    o.ndpi = ndpi;
    if (max_flows > 0)
        o.max_ndpi_flows = max_flows;
    c = classify_context_new(&o);
    assert_non_null(c);
    return c;
}

static const char *name_of(struct classify_context *c, const struct classify_app *a, enum classify_verdict v)
{
    static char buf[64];

    return classify_app_name(c, a, v, buf, sizeof buf);
}

/* The flow's risks as one string, nDPI's names joined by ',' in nDPI's
 * order ("" when none). */
static const char *risks_of(const struct classify_app *a)
{
    static char buf[256];
    const char *names[64];
    size_t n = classify_app_risk_names(a, names, 64);
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i > 0 ? "," : "", names[i]);
    return buf;
}

/* A TLS 1.2 ClientHello: record header, handshake header, version, random,
 * no session id, two suites, null compression, no extensions. */
static const uint8_t client_hello[] = {
    0x16, 0x03, 0x01, 0x00, 0x31, 0x01, 0x00, 0x00, 0x2d, 0x03, 0x03, 1, 2,    3,    4,    5, 6,
    7,    8,    9,    10,   11,   12,   13,   14,   15,   16,   17,   18, 19, 20,   21,   22, 23,
    24,   25,   26,   27,   28,   29,   30,   31,   32,   0x00, 0x00, 0x04, 0x13, 0x01, 0xc0, 0x2f, 0x01,
    0x00, 0x00, 0x00,
};

/* -------------------------------------------------------------- probe */

static void test_probe_greeting_then_command(void **state)
{
    struct classify_probe p;
    size_t earlier = 99;

    (void)state;
    memset(&p, 0, sizeof p);
    assert_int_equal(classify_probe_server(&p, TEXT("+OK dovecot ready\r\n"), at(0)), CLASSIFY_UNDECIDED);
    assert_int_equal(classify_probe_client(&p, TEXT("USE"), &earlier), CLASSIFY_UNDECIDED);
    assert_int_equal(classify_probe_client(&p, TEXT("R alice\r\n"), &earlier), CLASSIFY_POP3);
    assert_int_equal(earlier, 3); /* "USE" came from the first call */
    classify_probe_release(&p);
}

static void test_probe_rejects_client_first_and_other_servers(void **state)
{
    struct classify_probe p;
    size_t earlier = 0;

    (void)state;
    memset(&p, 0, sizeof p);
    /* Redis answers "+OK" too, but only after the client spoke. */
    assert_int_equal(classify_probe_client(&p, TEXT("AUTH zeek\r\n"), &earlier), CLASSIFY_OTHER);
    classify_probe_release(&p);
    memset(&p, 0, sizeof p);
    assert_int_equal(classify_probe_server(&p, TEXT("SSH-2.0-OpenSSH_9.2\r\n"), at(0)), CLASSIFY_OTHER);
    classify_probe_release(&p);
}

/* Issue 12.3: POP3 after an SSLproxy header on any port. */
#define PROXY_HDR "SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:995,s\r\n"

static void test_probe_sslproxy(void **state)
{
    struct classify_probe p;
    size_t earlier = 0;
    const uint8_t *kept;
    size_t kept_len, split;

    (void)state;
    /* Greeting first, then the header glued to the first command, cut in
     * three pieces. */
    memset(&p, 0, sizeof p);
    assert_int_equal(classify_probe_server(&p, TEXT("+OK ready\r\n"), at(0)), CLASSIFY_UNDECIDED);
    assert_int_equal(classify_probe_client(&p, TEXT("SSLpr"), &earlier), CLASSIFY_UNDECIDED);
    assert_false(classify_probe_proxy(&p, &kept, &kept_len, &split));
    assert_int_equal(classify_probe_client(&p, TEXT("oxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:995,s\r"),
                                           &earlier),
                     CLASSIFY_UNDECIDED);
    /* The line is complete: after a +OK greeting that decides it. */
    assert_int_equal(classify_probe_client(&p, TEXT("\nCA"), &earlier), CLASSIFY_POP3);
    assert_true(classify_probe_proxy(&p, &kept, &kept_len, &split));
    assert_int_equal(split, strlen("+OK ready\r\n"));
    assert_int_equal(kept_len, strlen(PROXY_HDR "CA"));
    assert_memory_equal(kept, PROXY_HDR "CA", kept_len);
    classify_probe_release(&p);

    /* No greeting: the server's first line answers the command. */
    memset(&p, 0, sizeof p);
    assert_int_equal(classify_probe_client(&p, TEXT(PROXY_HDR "USER alice\r\n"), &earlier), CLASSIFY_UNDECIDED);
    assert_int_equal(classify_probe_server(&p, TEXT("-ER"), at(1)), CLASSIFY_UNDECIDED);
    assert_int_equal(classify_probe_server(&p, TEXT("R no\r\n"), at(1)), CLASSIFY_POP3);
    assert_true(classify_probe_proxy(&p, &kept, &kept_len, &split));
    assert_int_equal(split, 0);
    classify_probe_release(&p);

    /* No greeting, the header alone, then the server's -ERR: POP3 (the
     * tracker refuses the header), the -ERR replayed after the header. */
    memset(&p, 0, sizeof p);
    assert_int_equal(classify_probe_client(&p, TEXT(PROXY_HDR), &earlier), CLASSIFY_UNDECIDED);
    assert_int_equal(classify_probe_server(&p, TEXT("-ERR Unknown command.\r\n"), at(2)), CLASSIFY_POP3);
    assert_true(classify_probe_proxy(&p, &kept, &kept_len, &split));
    assert_int_equal(split, 0);
    assert_int_equal(kept_len, strlen(PROXY_HDR));
    size_t glen;
    struct event_time gts;
    const uint8_t *g = classify_probe_greeting(&p, &glen, &gts);
    assert_int_equal(glen, strlen("-ERR Unknown command.\r\n"));
    assert_memory_equal(g, "-ERR", 4);
    classify_probe_release(&p);

    /* The server speaks while the header line is still incomplete. */
    memset(&p, 0, sizeof p);
    assert_int_equal(classify_probe_server(&p, TEXT("+OK ready\r\n"), at(0)), CLASSIFY_UNDECIDED);
    assert_int_equal(classify_probe_client(&p, TEXT("SSLproxy: [127.0.0.1]:1"), &earlier), CLASSIFY_UNDECIDED);
    assert_int_equal(classify_probe_server(&p, TEXT("-ERR timeout\r\n"), at(2)), CLASSIFY_OTHER);
    classify_probe_release(&p);

    /* The same header before an FTP, SMTP or HTTP exchange is not POP3. */
    memset(&p, 0, sizeof p);
    assert_int_equal(classify_probe_client(&p, TEXT(PROXY_HDR "USER alice\r\n"), &earlier), CLASSIFY_UNDECIDED);
    assert_int_equal(classify_probe_server(&p, TEXT("331 Password required\r\n"), at(1)), CLASSIFY_OTHER);
    classify_probe_release(&p);
    memset(&p, 0, sizeof p);
    assert_int_equal(classify_probe_client(&p, TEXT(PROXY_HDR "GET / HTTP/1.1\r\n"), &earlier), CLASSIFY_OTHER);
    classify_probe_release(&p);

    /* Not strictly a header: not POP3 (and no buffer is kept past it). */
    static const char *const bad[] = {
        "SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:995,x\r\nCAPA\r\n",
        "SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[::1]:995,s\r\nCAPA\r\n",
        "SSLproxy: [127.0.0.1]:0,[192.168.3.24]:47286,[192.168.111.130]:995,s\r\nCAPA\r\n",
        "SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:65536,s\r\nCAPA\r\n",
        "SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.300]:995,s\r\nCAPA\r\n",
        "SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,s\r\nCAPA\r\n",
        "SSLproxy:[127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:995,s\r\nCAPA\r\n",
        "sslproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:995,s\r\nCAPA\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&p, 0, sizeof p);
        assert_int_equal(classify_probe_server(&p, TEXT("+OK ready\r\n"), at(0)), CLASSIFY_UNDECIDED);
        assert_int_equal(classify_probe_client(&p, (const uint8_t *)bad[i], strlen(bad[i]), &earlier),
                         CLASSIFY_OTHER);
        classify_probe_release(&p);
    }
    /* A header line that never ends is cut off at its bound. */
    memset(&p, 0, sizeof p);
    uint8_t endless[SSLPROXY_LINE_MAX + 8];
    memset(endless, 'a', sizeof endless);
    memcpy(endless, "SSLproxy: [", 11);
    assert_int_equal(classify_probe_client(&p, endless, sizeof endless, &earlier), CLASSIFY_OTHER);
    classify_probe_release(&p);
}

static void test_sslproxy_parse(void **state)
{
    struct event_proxy h;

    (void)state;
    assert_true(sslproxy_header_parse(TEXT("SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:443,s"), &h));
    assert_true(h.present && h.tls);
    assert_int_equal(h.ip_version, 4);
    assert_int_equal(h.listener_port, 34649);
    assert_int_equal(h.client_port, 47286);
    assert_int_equal(h.server_port, 443);
    assert_true(sslproxy_header_parse(TEXT("SSLproxy: [::1]:1,[2001:db8::1]:65535,[2001:db8::2]:110,p,soner"), &h));
    assert_false(h.tls);
    assert_int_equal(h.ip_version, 6);
    assert_int_equal(h.listener_version, 6);
    assert_int_equal(h.client_port, 65535);
    assert_false(sslproxy_header_parse(TEXT("SSLproxy: [::1]:1,[2001:db8::1]:65535,[2001:db8::2]:110,p,"), &h));
    assert_false(sslproxy_header_parse(TEXT("SSLproxy: [::1]:1,[2001:db8::1]:65535,[2001:db8::2]:110,p,a b"), &h));
    assert_false(sslproxy_header_parse(TEXT("SSLproxy: [::1]:01,[2001:db8::1]:65535,[2001:db8::2]:110,p"), &h));
    assert_false(sslproxy_header_parse(TEXT("SSLproxy: []:1,[2001:db8::1]:65535,[2001:db8::2]:110,p"), &h));
    assert_false(sslproxy_header_parse(TEXT("SSLproxy: [::1]:1,[2001:db8::1]:65535,[2001:db8::2]:110,s "), &h));
    assert_false(sslproxy_header_parse(TEXT("SSLproxy: [::1]:1,[2001:db8::1]:65535,[2001:db8::2]:110"), &h));
    assert_false(sslproxy_header_parse(TEXT("SSLproxy: [::1]:1,[2001:db8::1]:65535,[2001:db8::2]:"), &h));
    assert_false(sslproxy_header_parse(TEXT("SSLproxy: [::1:1,[2001:db8::1]:65535,[2001:db8::2]:110,s"), &h));
    assert_false(sslproxy_header_parse(TEXT("SSLproxy: "), &h));
    assert_false(sslproxy_header_parse(TEXT("SSLprox"), &h));
    assert_false(sslproxy_header_parse(NULL, 0, &h));
    /* Every prefix of a valid header is refused, in an exact buffer. */
    static const char good[] = "SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:443,s";
    for (size_t n = 0; n < sizeof good - 1; n++) {
        uint8_t *copy = malloc(n > 0 ? n : 1);
        assert_non_null(copy);
        memcpy(copy, good, n);
        assert_false(sslproxy_header_parse(copy, n, &h));
        free(copy);
    }
}

/* --------------------------------------------------------- TLS checks */

static void test_looks_like_tls(void **state)
{
    (void)state;
    assert_true(classify_looks_like_tls(client_hello, sizeof client_hello));
    assert_true(classify_looks_like_tls((const uint8_t *)"\x15\x03\x03", 3)); /* an alert */
    assert_false(classify_looks_like_tls(TEXT("+OK ready\r\n")));
    assert_false(classify_looks_like_tls(client_hello, 1));
    assert_false(classify_looks_like_tls((const uint8_t *)"\x16\x02", 2));
}

static void test_stls_confirmed_across_chunks(void **state)
{
    struct classify_app a;

    (void)state;
    memset(&a, 0, sizeof a);
    assert_int_equal(classify_stls_observe(&a, client_hello, 1), CLASSIFY_STLS_PARTIAL);
    assert_int_equal(classify_stls_observe(&a, client_hello + 1, sizeof client_hello - 1), CLASSIFY_STLS_CONFIRMED);
    /* Settled: later bytes do not change it. */
    assert_int_equal(classify_stls_observe(&a, TEXT("USER x\r\n")), CLASSIFY_STLS_CONFIRMED);
}

static void test_stls_refuted_by_cleartext(void **state)
{
    struct classify_app a;

    (void)state;
    memset(&a, 0, sizeof a);
    assert_int_equal(classify_stls_observe(&a, TEXT("USER alice\r\n")), CLASSIFY_STLS_REFUTED);
    memset(&a, 0, sizeof a);
    assert_int_equal(classify_stls_observe(&a, (const uint8_t *)"\x16\x16", 2), CLASSIFY_STLS_REFUTED);
}

/* ---------------------------------------------------------------- nDPI */

static void test_ndpi_names_http_and_frees_its_state(void **state)
{
    struct classify_context *c = context(true, 0);
    struct classify_app a;
    struct conn k;

    (void)state;
    memset(&a, 0, sizeof a);
    conn_init(&k, 1, 40000, 80);
    feed(c, &a, &k, true, TEXT("GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.88\r\n\r\n"));
    feed(c, &a, &k, false, TEXT("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi"));
    classify_app_end(c, &a, false);
    assert_null(a.ndpi);
    assert_string_equal(name_of(c, &a, CLASSIFY_OTHER), "HTTP");
    assert_true(a.packets <= 2);
    classify_context_free(c);
}

static void test_ndpi_names_pops_with_risks(void **state)
{
    struct classify_context *c = context(true, 0);
    struct classify_app a;
    struct conn k;
    const char *risks[64];
    size_t n;

    (void)state;
    memset(&a, 0, sizeof a);
    conn_init(&k, 2, 40001, CLASSIFY_PORT_POP3S);
    feed(c, &a, &k, true, client_hello, sizeof client_hello);
    classify_app_end(c, &a, true);
    assert_string_equal(name_of(c, &a, CLASSIFY_POP3S), "POPS");
    /* This ClientHello has no server_name extension. */
    n = classify_app_risk_names(&a, risks, 64);
    assert_true(n >= 1);
    assert_non_null(risks[0]);
    classify_context_free(c);
}

/* A cleartext POP3 session on port 110 is named here: no nDPI state,
 * nDPI 4.2's name and risks for it. */
static void test_pop3_named_without_ndpi(void **state)
{
    struct classify_context *c = context(true, 0);
    struct classify_app a;
    struct conn k;

    (void)state;
    memset(&a, 0, sizeof a);
    conn_init(&k, 3, 40002, CLASSIFY_PORT_POP3);
    feed(c, &a, &k, false, TEXT("+OK ready\r\n"));
    assert_null(a.ndpi);
    feed(c, &a, &k, true, TEXT("CAPA\r\n"));
    assert_string_equal(risks_of(&a), "Unsafe Protocol");
    feed(c, &a, &k, true, TEXT("USER alice\r\n"));
    feed(c, &a, &k, false, TEXT("+OK\r\n"));
    feed(c, &a, &k, true, TEXT("PASS alice-secret-1\r\n"));
    feed(c, &a, &k, false, TEXT("+OK Logged in.\r\n"));
    assert_null(a.ndpi);
    assert_int_equal(a.packets, 0);
    classify_app_end(c, &a, true);
    assert_string_equal(name_of(c, &a, CLASSIFY_POP3), "POP3");
    assert_string_equal(risks_of(&a), "Unsafe Protocol,Clear-Text Credentials");
    classify_context_free(c);
}

/* One cleartext POP3 session on port 110 whose client sends `lines` (one
 * packet each, the server answering "+OK" or what `replies` holds); its
 * risks. */
static const char *pop3_risks(const char *const *lines, const char *const *replies, size_t n)
{
    struct classify_context *c = context(true, 0);
    struct classify_app a;
    struct conn k;
    static char out[256];

    memset(&a, 0, sizeof a);
    conn_init(&k, 30, 40030, CLASSIFY_PORT_POP3);
    feed(c, &a, &k, false, TEXT("+OK POP3 ready\r\n"));
    for (size_t i = 0; i < n; i++) {
        const char *reply = replies != NULL && replies[i] != NULL ? replies[i] : "+OK\r\n";

        feed(c, &a, &k, true, (const uint8_t *)lines[i], strlen(lines[i]));
        feed(c, &a, &k, false, (const uint8_t *)reply, strlen(reply));
    }
    assert_null(a.ndpi);
    classify_app_end(c, &a, true);
    snprintf(out, sizeof out, "%s", risks_of(&a));
    classify_context_free(c);
    return out;
}

/* The rules nDPI 4.2 applies (checked against it on every sample, peer
 * and bench capture): USER/PASS at the start of a packet; AUTH PLAIN with
 * an initial response; AUTH LOGIN followed by a credential line. */
static void test_pop3_clear_text_credentials_rules(void **state)
{
    static const char *const user[] = {"user alice\r\n"};
    static const char *const pass_only[] = {"PASS secret\r\n"};
    static const char *const plain_later[] = {"AUTH PLAIN\r\n", "AGFsaWNlAHNlY3JldA==\r\n"};
    static const char *const plain_later_replies[] = {"+ \r\n", "+OK Logged in.\r\n"};
    static const char *const plain_ir[] = {"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"};
    static const char *const plain_ir_replies[] = {"-ERR [AUTH] Authentication failed.\r\n"};
    static const char *const login[] = {"AUTH LOGIN\r\n"};
    static const char *const login_replies[] = {"+ VXNlcm5hbWU6\r\n"};
    static const char *const cram[] = {"AUTH CRAM-MD5\r\n", "YWxpY2UgNjM0ODc2YjFhZGI4NjBhNjM0ODc2YjE=\r\n"};
    static const char *const cram_replies[] = {"+ PDEyMzQ1QGhvc3Q+\r\n", "+OK Logged in.\r\n"};
    static const char *const pipelined[] = {"CAPA\r\nUSER alice\r\n"}; /* nDPI reads where the packet starts */

    (void)state;
    assert_string_equal(pop3_risks(user, NULL, 1), "Unsafe Protocol,Clear-Text Credentials");
    assert_string_equal(pop3_risks(pass_only, NULL, 1), "Unsafe Protocol,Clear-Text Credentials");
    assert_string_equal(pop3_risks(plain_later, plain_later_replies, 2), "Unsafe Protocol");
    assert_string_equal(pop3_risks(plain_ir, plain_ir_replies, 1), "Unsafe Protocol,Clear-Text Credentials");
    assert_string_equal(pop3_risks(login, login_replies, 1), "Unsafe Protocol,Clear-Text Credentials");
    assert_string_equal(pop3_risks(cram, cram_replies, 2), "Unsafe Protocol");
    assert_string_equal(pop3_risks(pipelined, NULL, 1), "Unsafe Protocol");
}

/* Where we answer on purpose otherwise than nDPI: no packet window (a
 * USER as the 40th packet still counts), and only the client's packets
 * count (a server line starting "USER" is a CAPA line, not a login). */
static void test_pop3_credentials_beyond_ndpi_window(void **state)
{
    struct classify_context *c = context(true, 0);
    struct classify_app a;
    struct conn k;

    (void)state;
    memset(&a, 0, sizeof a);
    conn_init(&k, 31, 40031, CLASSIFY_PORT_POP3);
    feed(c, &a, &k, false, TEXT("+OK ready\r\n"));
    feed(c, &a, &k, false, TEXT("USER\r\nSASL PLAIN\r\n.\r\n"));
    for (int i = 0; i < 2 * CLASSIFY_NDPI_MAX_PACKETS; i++) {
        feed(c, &a, &k, true, TEXT("NOOP\r\n"));
        feed(c, &a, &k, false, TEXT("+OK\r\n"));
    }
    assert_string_equal(risks_of(&a), "Unsafe Protocol");
    /* A successful login does not end the watch; TLS after STLS does. */
    classify_app_login(c, &a);
    feed(c, &a, &k, true, TEXT("USER bob\r\n"));
    assert_string_equal(risks_of(&a), "Unsafe Protocol,Clear-Text Credentials");
    classify_app_end(c, &a, true);
    classify_context_free(c);
}

static void test_pop3_watch_ends_with_stls(void **state)
{
    struct classify_context *c = context(true, 0);
    struct classify_app a;
    struct conn k;

    (void)state;
    memset(&a, 0, sizeof a);
    conn_init(&k, 32, 40032, CLASSIFY_PORT_POP3);
    feed(c, &a, &k, false, TEXT("+OK ready\r\n"));
    feed(c, &a, &k, true, TEXT("STLS\r\n"));
    feed(c, &a, &k, false, TEXT("+OK Begin TLS\r\n"));
    classify_app_stop(c, &a); /* the analyzer: the session is now TLS */
    feed(c, &a, &k, true, TEXT("USER not-a-command-but-tls-bytes\r\n"));
    classify_app_end(c, &a, true);
    assert_string_equal(name_of(c, &a, CLASSIFY_POP3), "POP3");
    assert_string_equal(risks_of(&a), "Unsafe Protocol");
    classify_context_free(c);
}

/* nDPI still names what does not open with a POP3 server line, POP3
 * verdict or not: a client speaking first, implicit TLS. */
static void test_pop3_port_client_first_goes_to_ndpi(void **state)
{
    struct classify_context *c = context(true, 0);
    struct classify_app a;
    struct conn k;

    (void)state;
    memset(&a, 0, sizeof a);
    conn_init(&k, 33, 40033, CLASSIFY_PORT_POP3);
    feed(c, &a, &k, true, client_hello, sizeof client_hello);
    assert_non_null(a.ndpi);
    feed(c, &a, &k, false, TEXT("+OK ready\r\n"));
    assert_non_null(a.ndpi);
    classify_app_end(c, &a, true);
    assert_null(a.ndpi);
    classify_context_free(c);
}

/* On another port nDPI sees the greeting and the first command before
 * the probe decides; then its state is dropped, and the command it saw
 * still counts. */
static void test_pop3_probe_switch_drops_ndpi(void **state)
{
    struct classify_context *c = context(true, 1);
    struct classify_app a, b;
    struct conn k;
    struct packet_view v;

    (void)state;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    conn_init(&k, 34, 40034, 1110);
    v = conn_view(&k, false, TCP_FLAG_ACK | TCP_FLAG_PSH, TEXT("+OK ready\r\n"));
    classify_app_packet(c, &a, &v, at(1), CLASSIFY_UNDECIDED, false);
    v = conn_view(&k, true, TCP_FLAG_ACK | TCP_FLAG_PSH, TEXT("USER alice\r\n"));
    classify_app_packet(c, &a, &v, at(1), CLASSIFY_UNDECIDED, true);
    assert_non_null(a.ndpi);
    v = conn_view(&k, false, TCP_FLAG_ACK | TCP_FLAG_PSH, TEXT("+OK\r\n"));
    classify_app_packet(c, &a, &v, at(1), CLASSIFY_POP3, false);
    assert_null(a.ndpi);
    assert_string_equal(risks_of(&a),
                        "Known Protocol on Non Standard Port,Unsafe Protocol,Clear-Text Credentials");
    /* The only nDPI state (limit 1) went back to the pool. */
    conn_init(&k, 35, 40035, 80);
    feed(c, &b, &k, true, TEXT("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    classify_app_end(c, &b, false);
    assert_string_equal(name_of(c, &b, CLASSIFY_OTHER), "HTTP");
    classify_app_end(c, &a, true);
    assert_string_equal(name_of(c, &a, CLASSIFY_POP3), "POP3");
    classify_context_free(c);
}

/* Confirmed by the probe at the flow's last packet: named here at its
 * end, like one confirmed earlier. */
static void test_pop3_probe_confirmed_at_end(void **state)
{
    struct classify_context *c = context(true, 0);
    struct classify_app a;
    struct conn k;
    struct packet_view v;

    (void)state;
    memset(&a, 0, sizeof a);
    conn_init(&k, 36, 40036, 2110);
    v = conn_view(&k, false, TCP_FLAG_ACK | TCP_FLAG_PSH, TEXT("+OK ready\r\n"));
    classify_app_packet(c, &a, &v, at(1), CLASSIFY_UNDECIDED, false);
    v = conn_view(&k, true, TCP_FLAG_ACK | TCP_FLAG_PSH, TEXT("AUTH CRAM-MD5\r\n"));
    classify_app_packet(c, &a, &v, at(1), CLASSIFY_UNDECIDED, true);
    classify_app_end(c, &a, true);
    assert_null(a.ndpi);
    assert_string_equal(name_of(c, &a, CLASSIFY_POP3), "POP3");
    assert_string_equal(risks_of(&a), "Known Protocol on Non Standard Port,Unsafe Protocol");
    classify_context_free(c);
}

/* Whatever a flow carries, nDPI sees at most max_packets of it. */
static void test_ndpi_fed_a_bounded_number_of_packets(void **state)
{
    struct classify_context *c = context(true, 0);
    struct classify_app a;
    struct conn k;
    uint8_t noise[64];

    (void)state;
    memset(&a, 0, sizeof a);
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (uint8_t)(i * 37u + 11u);
    conn_init(&k, 4, 40003, 40999);
    for (int i = 0; i < 3 * CLASSIFY_NDPI_MAX_PACKETS; i++)
        feed(c, &a, &k, (i & 1) != 0, noise, sizeof noise);
    assert_int_equal(a.packets, CLASSIFY_NDPI_MAX_PACKETS);
    assert_null(a.ndpi);
    assert_int_equal(a.bytes, 3 * CLASSIFY_NDPI_MAX_PACKETS * sizeof noise);
    classify_app_end(c, &a, false);
    classify_context_free(c);
}

/* A SYN scan must not cost an nDPI state per probed port. */
static void test_ndpi_no_state_without_payload(void **state)
{
    struct classify_context *c = context(true, 1);
    struct classify_app a, b;
    struct conn k;
    struct packet_view v;
    const struct event_app_summary *s;

    (void)state;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    conn_init(&k, 5, 40004, 22);
    v = conn_view(&k, true, TCP_FLAG_SYN, NULL, 0);
    classify_app_packet(c, &a, &v, at(0), CLASSIFY_UNDECIDED, true);
    assert_null(a.ndpi);
    classify_app_end(c, &a, false);
    /* The limit is one state: the scan above did not take it. */
    conn_init(&k, 6, 40005, 80);
    feed(c, &b, &k, true, TEXT("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    classify_app_end(c, &b, false);
    s = classify_summary(c, at(9));
    assert_int_equal(s->flows_without_payload, 1);
    assert_int_equal(s->flows_not_named, 0);
    assert_int_equal(s->app_count, 1);
    classify_context_free(c);
}

static void test_ndpi_flow_limit_counted(void **state)
{
    struct classify_context *c = context(true, 1);
    struct classify_app a, b;
    struct conn k1, k2;
    const struct event_app_summary *s;

    (void)state;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    conn_init(&k1, 7, 40006, 40100);
    conn_init(&k2, 8, 40007, 40100);
    feed(c, &a, &k1, true, TEXT("hello there\r\n")); /* holds the only state */
    feed(c, &b, &k2, true, TEXT("hello again\r\n"));
    assert_non_null(a.ndpi);
    assert_null(b.ndpi);
    classify_app_end(c, &b, false);
    classify_app_end(c, &a, false);
    s = classify_summary(c, at(9));
    assert_int_equal(s->flows_not_named, 1);
    assert_int_equal(s->more_flows, 1); /* b: counted, unnamed */
    assert_int_equal(s->more_bytes, 13);
    classify_context_free(c);
}

static void test_no_ndpi_names_only_pop3(void **state)
{
    struct classify_context *c = context(false, 0);
    struct classify_app a, pop;
    struct conn k;
    const struct event_app_summary *s;

    (void)state;
    memset(&a, 0, sizeof a);
    memset(&pop, 0, sizeof pop);
    conn_init(&k, 9, 40008, 80);
    feed(c, &a, &k, true, TEXT("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    assert_null(a.ndpi);
    assert_null(name_of(c, &a, CLASSIFY_OTHER));
    assert_string_equal(name_of(c, &pop, CLASSIFY_POP3), "POP3");
    assert_string_equal(name_of(c, &pop, CLASSIFY_POP3S), "POPS");
    classify_app_end(c, &a, false);
    s = classify_summary(c, at(9));
    assert_false(s->ndpi);
    assert_int_equal(s->app_count, 0);
    assert_int_equal(s->more_flows, 1);
    assert_int_equal(s->more_bytes, 37);
    classify_context_free(c);
}

/* Most bytes first; the mail picture comes from the session events. */
static void test_summary_order_and_mail(void **state)
{
    struct classify_context *c = context(true, 0);
    struct classify_app http1, http2, ssh;
    struct conn k;
    struct event_session sess;
    const struct event_app_summary *s;

    (void)state;
    memset(&http1, 0, sizeof http1);
    memset(&http2, 0, sizeof http2);
    memset(&ssh, 0, sizeof ssh);
    conn_init(&k, 10, 40010, 80);
    feed(c, &http1, &k, true, TEXT("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"));
    conn_init(&k, 11, 40011, 80);
    feed(c, &http2, &k, true, TEXT("GET / HTTP/1.1\r\nHost: b.example\r\n\r\n"));
    conn_init(&k, 12, 40012, 22);
    feed(c, &ssh, &k, false, TEXT("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"));
    feed(c, &ssh, &k, true, TEXT("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3 with a long client banner\r\n"));
    feed(c, &ssh, &k, false, TEXT("SSH-2.0-more bytes so that SSH outweighs both HTTP flows together\r\n"));
    classify_app_end(c, &http1, false);
    classify_app_end(c, &http2, false);
    classify_app_end(c, &ssh, false);
    memset(&sess, 0, sizeof sess);
    sess.tls = TLS_STLS;
    sess.client_bytes = 100;
    sess.server_bytes = 23;
    classify_note_session(c, &sess);
    s = classify_summary(c, at(9));
    assert_true(s->ndpi);
    assert_int_equal(s->app_count, 2);
    assert_string_equal(s->apps[0].name, "SSH");
    assert_int_equal(s->apps[0].flows, 1);
    assert_string_equal(s->apps[1].name, "HTTP");
    assert_int_equal(s->apps[1].flows, 2);
    assert_int_equal(s->apps[1].bytes, 2 * (sizeof "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n" - 1));
    assert_int_equal(s->more_flows, 0);
    assert_int_equal(s->mail_sessions[TLS_STLS], 1);
    assert_int_equal(s->mail_bytes[TLS_STLS], 123);
    assert_int_equal(s->mail_sessions[TLS_NONE], 0);
    classify_context_free(c);
}

/* ------------------------------------------------- through the analyzer */

#define MAX_SEEN 16

struct seen {
    unsigned sessions;
    unsigned summaries;
    bool summary_last;
    enum event_tls tls[MAX_SEEN];
    char app_proto[MAX_SEEN][32];
    uint64_t anomalies[MAX_SEEN];
    size_t risk_count[MAX_SEEN];
    struct event_app_summary summary;
    char top_name[32];
};

static void seen_sink(void *ctx, const struct event *ev)
{
    struct seen *s = ctx;

    s->summary_last = ev->type == EVENT_APP_SUMMARY;
    if (ev->type == EVENT_APP_SUMMARY) {
        s->summaries++;
        s->summary = ev->u.app_summary;
        s->summary.apps = NULL;
        if (ev->u.app_summary.app_count > 0)
            snprintf(s->top_name, sizeof s->top_name, "%s", ev->u.app_summary.apps[0].name);
        return;
    }
    if (ev->type != EVENT_SESSION || s->sessions >= MAX_SEEN)
        return;
    s->tls[s->sessions] = ev->u.session.tls;
    snprintf(s->app_proto[s->sessions], sizeof s->app_proto[0], "%s",
             ev->u.session.app_proto != NULL ? ev->u.session.app_proto : "(null)");
    s->anomalies[s->sessions] = ev->u.session.anomalies;
    s->risk_count[s->sessions] = ev->u.session.risk_count;
    s->sessions++;
}

/* Ethernet + IPv4 + TCP around a segment, handed to the analyzer. */
static void send_segment(struct analyzer *an, struct conn *k, bool from_client, uint8_t flags, const uint8_t *payload,
                         size_t len)
{
    static uint64_t number;
    static uint8_t frame[2048];
    struct packet_view v = conn_view(k, from_client, flags, payload, len);
    struct capture_frame f;
    uint8_t *ip = frame + 14, *tcp = frame + 34;
    size_t total = 40 + len;

    assert_true(len <= sizeof frame - 54);
    memset(frame, 0, 54);
    frame[12] = 0x08; /* IPv4 */
    ip[0] = 0x45;
    ip[2] = (uint8_t)(total >> 8);
    ip[3] = (uint8_t)total;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, v.src_addr, 4);
    memcpy(ip + 16, v.dst_addr, 4);
    tcp[0] = (uint8_t)(v.src_port >> 8);
    tcp[1] = (uint8_t)v.src_port;
    tcp[2] = (uint8_t)(v.dst_port >> 8);
    tcp[3] = (uint8_t)v.dst_port;
    for (int i = 0; i < 4; i++) {
        tcp[4 + i] = (uint8_t)(v.seq >> (24 - 8 * i));
        tcp[8 + i] = (uint8_t)(v.ack >> (24 - 8 * i));
    }
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    if (len > 0)
        memcpy(tcp + 20, payload, len);
    memset(&f, 0, sizeof f);
    f.ts = at((int64_t)++number);
    f.linktype = 1; /* DLT_EN10MB */
    f.data = frame;
    f.caplen = f.wirelen = (uint32_t)(54 + len);
    f.number = number;
    analyzer_frame(an, &f);
}

static void handshake(struct analyzer *an, struct conn *k)
{
    send_segment(an, k, true, TCP_FLAG_SYN, NULL, 0);
    send_segment(an, k, false, TCP_FLAG_SYN | TCP_FLAG_ACK, NULL, 0);
    send_segment(an, k, true, TCP_FLAG_ACK, NULL, 0);
}

static void say(struct analyzer *an, struct conn *k, bool from_client, const uint8_t *payload, size_t len)
{
    send_segment(an, k, from_client, TCP_FLAG_ACK | TCP_FLAG_PSH, payload, len);
}

static void stls_session(struct analyzer *an, struct conn *k, const uint8_t *after, size_t after_len)
{
    handshake(an, k);
    say(an, k, false, TEXT("+OK ready\r\n"));
    say(an, k, true, TEXT("STLS\r\n"));
    say(an, k, false, TEXT("+OK Begin TLS negotiation now.\r\n"));
    if (after_len > 0)
        say(an, k, true, after, after_len);
}

static struct analyzer *analyzer(struct seen *seen, bool no_ndpi)
{
    struct analyzer_options o;
    struct analyzer *an;

    analyzer_options_default(&o);
    o.no_ndpi = no_ndpi;
    memset(seen, 0, sizeof *seen);
    an = analyzer_new(&o, seen_sink, seen);
    assert_non_null(an);
    return an;
}

static const uint64_t tls_not_seen = UINT64_C(1) << ANOMALY_TLS_NOT_SEEN_AFTER_STLS;

static void test_analyzer_stls_confirmed_by_client_hello(void **state)
{
    struct seen seen;
    struct analyzer *an = analyzer(&seen, false);
    struct conn k;

    (void)state;
    conn_init(&k, 20, 41000, CLASSIFY_PORT_POP3);
    stls_session(an, &k, client_hello, sizeof client_hello);
    analyzer_finish(an, END_END_OF_INPUT);
    analyzer_free(an);
    assert_int_equal(seen.sessions, 1);
    assert_int_equal(seen.tls[0], TLS_STLS);
    assert_string_equal(seen.app_proto[0], "POP3");
    assert_int_equal(seen.anomalies[0] & tls_not_seen, 0);
    assert_int_equal(seen.summary.mail_sessions[TLS_STLS], 1);
}

/* "+OK" to STLS, then the client goes on in cleartext: not an upgrade. */
static void test_analyzer_stls_refuted_by_cleartext(void **state)
{
    struct seen seen;
    struct analyzer *an = analyzer(&seen, false);
    struct conn k;

    (void)state;
    conn_init(&k, 21, 41001, CLASSIFY_PORT_POP3);
    stls_session(an, &k, TEXT("USER alice\r\n"));
    analyzer_finish(an, END_END_OF_INPUT);
    analyzer_free(an);
    assert_int_equal(seen.sessions, 1);
    assert_int_not_equal(seen.anomalies[0] & tls_not_seen, 0);
}

/* The connection ends before the client says anything after "+OK". */
static void test_analyzer_stls_never_followed(void **state)
{
    struct seen seen;
    struct analyzer *an = analyzer(&seen, false);
    struct conn k;

    (void)state;
    conn_init(&k, 22, 41002, CLASSIFY_PORT_POP3);
    stls_session(an, &k, NULL, 0);
    analyzer_finish(an, END_END_OF_INPUT);
    analyzer_free(an);
    assert_int_not_equal(seen.anomalies[0] & tls_not_seen, 0);
}

/* A TLS handshake from the first byte on port 110 is an encrypted mail
 * session, counted not parsed. */
static void test_analyzer_implicit_tls_on_110(void **state)
{
    struct seen seen;
    struct analyzer *an = analyzer(&seen, false);
    struct conn k;

    (void)state;
    conn_init(&k, 23, 41003, CLASSIFY_PORT_POP3);
    handshake(an, &k);
    say(an, &k, true, client_hello, sizeof client_hello);
    analyzer_finish(an, END_END_OF_INPUT);
    analyzer_free(an);
    assert_int_equal(seen.sessions, 1);
    assert_int_equal(seen.tls[0], TLS_IMPLICIT);
    assert_string_equal(seen.app_proto[0], "TLS");
    assert_int_equal(seen.summary.mail_sessions[TLS_IMPLICIT], 1);
    assert_int_equal(seen.summary.mail_bytes[TLS_IMPLICIT], sizeof client_hello);
}

/* Our probe claims POP3 on any port; the session says so, with nDPI's
 * risks, and the summary comes after every session. */
static void test_analyzer_pop3_on_other_port_and_summary(void **state)
{
    struct seen seen;
    struct analyzer *an = analyzer(&seen, false);
    struct conn pop, web;

    (void)state;
    conn_init(&pop, 24, 41004, 1110);
    handshake(an, &pop);
    say(an, &pop, false, TEXT("+OK ready\r\n"));
    say(an, &pop, true, TEXT("USER alice\r\n"));
    say(an, &pop, false, TEXT("+OK\r\n"));
    say(an, &pop, true, TEXT("PASS alice-secret-1\r\n"));
    say(an, &pop, false, TEXT("+OK Logged in.\r\n"));
    conn_init(&web, 25, 41005, 80);
    handshake(an, &web);
    say(an, &web, true, TEXT("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    analyzer_finish(an, END_END_OF_INPUT);
    analyzer_free(an);
    assert_int_equal(seen.sessions, 1);
    assert_int_equal(seen.tls[0], TLS_NONE);
    assert_string_equal(seen.app_proto[0], "POP3");
    assert_int_equal(seen.risk_count[0], 3); /* port, unsafe, clear-text credentials */
    assert_int_equal(seen.summaries, 1);
    assert_true(seen.summary_last);
    assert_int_equal(seen.summary.mail_sessions[TLS_NONE], 1);
    assert_int_equal(seen.summary.app_count, 1);
    assert_string_equal(seen.top_name, "HTTP");
}

static void test_analyzer_no_ndpi(void **state)
{
    struct seen seen;
    struct analyzer *an = analyzer(&seen, true);
    struct conn pop, web;

    (void)state;
    conn_init(&pop, 26, 41006, CLASSIFY_PORT_POP3);
    handshake(an, &pop);
    say(an, &pop, false, TEXT("+OK ready\r\n"));
    say(an, &pop, true, TEXT("USER alice\r\n"));
    conn_init(&web, 27, 41007, 80);
    handshake(an, &web);
    say(an, &web, true, TEXT("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    analyzer_finish(an, END_END_OF_INPUT);
    analyzer_free(an);
    assert_string_equal(seen.app_proto[0], "POP3");
    assert_int_equal(seen.risk_count[0], 0);
    assert_false(seen.summary.ndpi);
    assert_int_equal(seen.summary.more_flows, 1);
    assert_int_equal(seen.summary.more_bytes, 37);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_greeting_then_command),
        cmocka_unit_test(test_probe_rejects_client_first_and_other_servers),
        cmocka_unit_test(test_probe_sslproxy),
        cmocka_unit_test(test_sslproxy_parse),
        cmocka_unit_test(test_looks_like_tls),
        cmocka_unit_test(test_stls_confirmed_across_chunks),
        cmocka_unit_test(test_stls_refuted_by_cleartext),
        cmocka_unit_test(test_ndpi_names_http_and_frees_its_state),
        cmocka_unit_test(test_ndpi_names_pops_with_risks),
        cmocka_unit_test(test_pop3_named_without_ndpi),
        cmocka_unit_test(test_pop3_clear_text_credentials_rules),
        cmocka_unit_test(test_pop3_credentials_beyond_ndpi_window),
        cmocka_unit_test(test_pop3_watch_ends_with_stls),
        cmocka_unit_test(test_pop3_port_client_first_goes_to_ndpi),
        cmocka_unit_test(test_pop3_probe_switch_drops_ndpi),
        cmocka_unit_test(test_pop3_probe_confirmed_at_end),
        cmocka_unit_test(test_ndpi_fed_a_bounded_number_of_packets),
        cmocka_unit_test(test_ndpi_no_state_without_payload),
        cmocka_unit_test(test_ndpi_flow_limit_counted),
        cmocka_unit_test(test_no_ndpi_names_only_pop3),
        cmocka_unit_test(test_summary_order_and_mail),
        cmocka_unit_test(test_analyzer_stls_confirmed_by_client_hello),
        cmocka_unit_test(test_analyzer_stls_refuted_by_cleartext),
        cmocka_unit_test(test_analyzer_stls_never_followed),
        cmocka_unit_test(test_analyzer_implicit_tls_on_110),
        cmocka_unit_test(test_analyzer_pop3_on_other_port_and_summary),
        cmocka_unit_test(test_analyzer_no_ndpi),
    };

    return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
