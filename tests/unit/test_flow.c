/* The connection table (src/flow.c) and the connection lifecycle the
 * analyzer builds on it: roles, lookups from both sides, the LRU and the
 * closed list, capacity and eviction, idle timeouts on packet time, FIN
 * and RST in either order, half-close, a new SYN on a finished 4-tuple,
 * mid-stream pickup, and losses the capture shows only through ACKs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flow.h"
#include "test_frames.h"

/* ---------------------------------------------------------- the table */

static struct packet_view view(uint8_t version, const char *src, uint16_t sport, const char *dst, uint16_t dport,
                               uint8_t flags, const char *payload)
{
    struct packet_view v;

    memset(&v, 0, sizeof v);
    v.ip_version = version;
    memcpy(v.src_addr, src, 4);
    memcpy(v.dst_addr, dst, 4);
    v.src_port = sport;
    v.dst_port = dport;
    v.tcp_flags = flags;
    v.payload = (const uint8_t *)payload;
    v.payload_len = (uint32_t)strlen(payload);
    return v;
}

static const struct event_time t0 = {1700000000, 0};

static struct flow *create(struct flow_table *t, const struct packet_view *v)
{
    return flow_create(t, v, t0, classify_looks_like_server(v->payload, v->payload_len));
}

/* RFC 9293 §3.5: the SYN's sender is the client, the SYN-ACK's the server;
 * without a handshake the POP3 port names the server; failing that, the
 * side whose bytes start like "+OK" or "-ERR". */
static void test_roles(void **state)
{
    struct flow_table *t = flow_table_new(16);
    struct packet_view v;
    struct flow *f;

    (void)state;
    v = view(4, "\x0a\0\0\x01", 40000, "\x0a\0\0\x02", 2110, TCP_FLAG_SYN, "");
    f = create(t, &v);
    assert_int_equal(f->meta.client_port, 40000);
    assert_true(f->flags & FLOW_F_HANDSHAKE);
    v = view(4, "\x0a\0\0\x02", 2111, "\x0a\0\0\x01", 40001, TCP_FLAG_SYN | TCP_FLAG_ACK, "");
    f = create(t, &v);
    assert_int_equal(f->meta.client_port, 40001);
    assert_int_equal(f->meta.server_port, 2111);
    v = view(4, "\x0a\0\0\x02", 110, "\x0a\0\0\x01", 40002, TCP_FLAG_ACK, "1 605\r\n");
    f = create(t, &v);
    assert_int_equal(f->meta.server_port, 110);
    assert_false(f->flags & FLOW_F_HANDSHAKE);
    v = view(4, "\x0a\0\0\x02", 2112, "\x0a\0\0\x01", 40003, TCP_FLAG_ACK, "+OK ready\r\n");
    f = create(t, &v);
    assert_int_equal(f->meta.server_port, 2112);
    v = view(4, "\x0a\0\0\x01", 40004, "\x0a\0\0\x02", 2113, TCP_FLAG_ACK, "USER a\r\n");
    f = create(t, &v);
    assert_int_equal(f->meta.server_port, 2113);
    assert_int_equal(flow_count(t), 5);
    assert_int_equal(f->meta.flow_id, 5);
    flow_table_free(t);
}

/* A flow is found from either side, and only with the same IP version. */
static void test_lookup_both_ways(void **state)
{
    struct flow_table *t = flow_table_new(4);
    struct packet_view c = view(4, "\x0a\0\0\x01", 40000, "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");
    struct packet_view s = view(4, "\x0a\0\0\x02", 110, "\x0a\0\0\x01", 40000, TCP_FLAG_ACK, "+OK\r\n");
    struct packet_view other = view(4, "\x0a\0\0\x01", 40001, "\x0a\0\0\x02", 110, TCP_FLAG_ACK, "");
    enum flow_direction dir = FLOW_FROM_SERVER;
    struct flow *f;

    (void)state;
    f = create(t, &c);
    assert_ptr_equal(flow_lookup(t, &c, &dir), f);
    assert_int_equal(dir, FLOW_FROM_CLIENT);
    assert_ptr_equal(flow_lookup(t, &s, &dir), f);
    assert_int_equal(dir, FLOW_FROM_SERVER);
    assert_int_equal(flow_direction_of(f, &s), FLOW_FROM_SERVER);
    assert_null(flow_lookup(t, &other, &dir));
    s.ip_version = 6; /* same 16 address bytes, other version: another flow */
    assert_null(flow_lookup(t, &s, &dir));
    flow_table_free(t);
}

/* Fixed capacity, least recently seen first, slots recycled: churning
 * through many connections allocates nothing after the first slab. */
static void test_capacity_lru_recycling(void **state)
{
    struct flow_table *t = flow_table_new(3);
    struct flow *f[3];
    size_t memory;

    (void)state;
    for (int i = 0; i < 3; i++) {
        struct packet_view v = view(4, "\x0a\0\0\x01", (uint16_t)(40000 + i), "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");

        f[i] = create(t, &v);
        assert_non_null(f[i]);
    }
    assert_true(flow_table_full(t));
    {
        struct packet_view v = view(4, "\x0a\0\0\x01", 40009, "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");

        assert_null(create(t, &v)); /* full: the caller evicts first */
    }
    assert_ptr_equal(flow_oldest(t), f[0]);
    flow_touch(t, f[0], t0);
    assert_ptr_equal(flow_oldest(t), f[1]);
    assert_ptr_equal(f[1]->lru_next, f[2]);
    assert_ptr_equal(f[2]->lru_next, f[0]);
    memory = flow_table_memory(t);
    for (int i = 0; i < 1000; i++) {
        struct packet_view v = view(4, "\x0a\0\0\x03", (uint16_t)(1000 + i), "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");
        struct flow *oldest = flow_oldest(t);

        flow_remove(t, oldest);
        assert_non_null(create(t, &v));
    }
    assert_int_equal(flow_count(t), 3);
    assert_int_equal(flow_table_memory(t), memory);
    flow_table_free(t);
}

/* A closed flow leaves the LRU for the closed list: it neither times out
 * nor gets evicted as a live connection, and its slot is reused first. */
static void test_closed_list(void **state)
{
    struct flow_table *t = flow_table_new(4);
    struct packet_view a = view(4, "\x0a\0\0\x01", 40000, "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");
    struct packet_view b = view(4, "\x0a\0\0\x01", 40001, "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");
    enum flow_direction dir;
    struct flow *fa;
    struct flow *fb;

    (void)state;
    fa = create(t, &a);
    fb = create(t, &b);
    flow_close(t, fa, t0);
    assert_true(fa->flags & FLOW_F_CLOSED);
    assert_ptr_equal(flow_oldest(t), fb);
    assert_null(fb->lru_next);
    assert_ptr_equal(flow_oldest_closed(t), fa);
    assert_int_equal(flow_count(t), 2);
    assert_int_equal(flow_closed_count(t), 1);
    assert_ptr_equal(flow_lookup(t, &a, &dir), fa); /* still found: late packets */
    flow_touch(t, fa, t0);                          /* does not reopen it */
    assert_ptr_equal(flow_oldest(t), fb);
    flow_remove(t, fa);
    assert_null(flow_oldest_closed(t));
    assert_int_equal(flow_closed_count(t), 0);
    assert_null(flow_lookup(t, &a, &dir));
    flow_table_free(t);
}

/* ------------------------------------------------------------ hashing */

static struct packet_view reversed(const struct packet_view *v)
{
    struct packet_view r = *v;

    memcpy(r.src_addr, v->dst_addr, 16);
    memcpy(r.dst_addr, v->src_addr, 16);
    r.src_port = v->dst_port;
    r.dst_port = v->src_port;
    return r;
}

/* An IPv6 view: addresses differ from 2001:db8:: in their last two bytes. */
static struct packet_view view6(uint16_t src_tail, uint16_t sport, uint16_t dst_tail, uint16_t dport)
{
    struct packet_view v;

    memset(&v, 0, sizeof v);
    v.ip_version = 6;
    memcpy(v.src_addr, "\x20\x01\x0d\xb8", 4);
    memcpy(v.dst_addr, "\x20\x01\x0d\xb8", 4);
    v.src_addr[14] = (uint8_t)(src_tail >> 8);
    v.src_addr[15] = (uint8_t)src_tail;
    v.dst_addr[14] = (uint8_t)(dst_tail >> 8);
    v.dst_addr[15] = (uint8_t)dst_tail;
    v.src_port = sport;
    v.dst_port = dport;
    v.tcp_flags = TCP_FLAG_ACK;
    v.payload = (const uint8_t *)"";
    return v;
}

/* Both directions of a connection hash alike, whichever endpoint sorts
 * first: by address, and by port alone when the addresses are equal. */
static void test_hash_both_directions(void **state)
{
    struct packet_view vs[] = {
        view(4, "\x0a\0\0\x01", 40000, "\x0a\0\0\x02", 110, TCP_FLAG_SYN, ""),
        view(4, "\xc0\xa8\x01\x01", 110, "\x0a\0\0\x02", 65535, TCP_FLAG_ACK, ""),
        view(4, "\x0a\0\0\x01", 40000, "\x0a\0\0\x01", 110, TCP_FLAG_ACK, ""), /* same host */
        view(4, "\x0a\0\0\x01", 110, "\x0a\0\0\x01", 110, TCP_FLAG_ACK, ""),   /* itself */
        view6(1, 40000, 2, 110),
        view6(0xff00, 110, 0x00ff, 40000),
        view6(7, 40000, 7, 110),
    };

    (void)state;
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        struct packet_view r = reversed(&vs[i]);

        assert_int_equal(flow_hash_view(&vs[i]), flow_hash_view(&r));
    }
    /* The first word of an IPv6 address sorts them too. */
    {
        struct packet_view v = view6(1, 40000, 1, 110);
        struct packet_view r;

        v.src_addr[0] = 0xfe;
        r = reversed(&v);
        assert_int_equal(flow_hash_view(&v), flow_hash_view(&r));
    }
}

/* Changing any part of the key changes the hash (64 bits: a chance
 * collision here has odds of 2^-64), including the swaps a symmetric but
 * careless hash would merge: ports exchanged between the hosts, addresses
 * exchanged while ports stay. Seeding twice keeps the key. */
static void test_hash_keys_differ(void **state)
{
    struct packet_view base = view(4, "\x0a\0\0\x01", 40000, "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");
    struct packet_view base6 = view6(1, 40000, 2, 110);
    uint64_t h = flow_hash_view(&base);
    uint64_t h6 = flow_hash_view(&base6);
    struct packet_view v;

    (void)state;
    flow_hash_init();
    assert_int_equal(flow_hash_view(&base), h);
    assert_int_not_equal(h, h6);
    for (int byte = 0; byte < 4; byte++) {
        v = base;
        v.src_addr[byte] ^= 0x01;
        assert_int_not_equal(flow_hash_view(&v), h);
        v = base;
        v.dst_addr[byte] ^= 0x80;
        assert_int_not_equal(flow_hash_view(&v), h);
    }
    for (int byte = 0; byte < 16; byte++) {
        v = base6;
        v.src_addr[byte] ^= 0x01;
        assert_int_not_equal(flow_hash_view(&v), h6);
        v = base6;
        v.dst_addr[byte] ^= 0x01;
        assert_int_not_equal(flow_hash_view(&v), h6);
    }
    v = base;
    v.src_port++;
    assert_int_not_equal(flow_hash_view(&v), h);
    v = base;
    v.dst_port = 995;
    assert_int_not_equal(flow_hash_view(&v), h);
    v = base; /* 10.0.0.1:110 <-> 10.0.0.2:40000 */
    v.src_port = 110;
    v.dst_port = 40000;
    assert_int_not_equal(flow_hash_view(&v), h);
    v = base6;
    v.src_port = 110;
    v.dst_port = 40000;
    assert_int_not_equal(flow_hash_view(&v), h6);
    v = base; /* the same 16 address bytes as IPv6 */
    v.ip_version = 6;
    assert_int_not_equal(flow_hash_view(&v), h);
    v = base; /* the payload, flags and sequence numbers are not the key */
    v.tcp_flags = TCP_FLAG_ACK;
    v.seq = 12345;
    v.payload = (const uint8_t *)"+OK\r\n";
    v.payload_len = 5;
    assert_int_equal(flow_hash_view(&v), h);
}

/* Connection i of a mixed table: odd ones IPv6, even ones IPv4. */
static struct packet_view mixed_view(uint16_t i)
{
    if (i % 2)
        return view6(i, (uint16_t)(40000 + i), 99, 110);
    return view(4, "\x0a\0\0\x01", (uint16_t)(40000 + i), "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");
}

/* What the analyzer does, hashing once, finds what flow_lookup finds, and
 * a flow keeps the hash it was created with. */
static void test_hashed_lookup_equals_plain(void **state)
{
    struct flow_table *t = flow_table_new(64);
    enum flow_direction d1 = FLOW_FROM_CLIENT;
    enum flow_direction d2 = FLOW_FROM_SERVER;

    (void)state;
    for (uint16_t i = 0; i < 32; i++) {
        struct packet_view v = mixed_view(i);
        uint64_t h = flow_hash_view(&v);
        struct flow *f = flow_create_hashed(t, &v, h, t0, 0);

        assert_non_null(f);
        assert_int_equal(f->hash, h);
    }
    for (uint16_t i = 0; i < 40; i++) { /* 32..39 are absent */
        struct packet_view v = mixed_view(i);
        struct packet_view r = reversed(&v);
        struct flow *f = flow_lookup(t, &v, &d1);

        assert_ptr_equal(f, flow_lookup_hashed(t, &v, flow_hash_view(&v), &d2));
        assert_true(i < 32 ? f != NULL : f == NULL);
        if (f == NULL)
            continue;
        assert_int_equal(d1, d2);
        assert_int_equal(d1, FLOW_FROM_CLIENT);
        assert_ptr_equal(flow_lookup_hashed(t, &r, flow_hash_view(&v), &d2), f);
        assert_int_equal(d2, FLOW_FROM_SERVER);
    }
    flow_table_free(t);
}

/* Keys that share all but their last bytes, all in one chain (the caller
 * passes the same hash for every one, the worst a hostile capture could
 * hope for): each is still found from both sides with its direction, a
 * near miss is not, and removal from the middle of the chain keeps the
 * rest reachable. */
static void test_colliding_keys(void **state)
{
    enum { N = 200 };
    const uint64_t same = 0x5eedull;
    struct flow_table *t = flow_table_new(N);
    struct flow *f[N];
    enum flow_direction dir;

    (void)state;
    for (uint16_t i = 0; i < N; i++) {
        struct packet_view v = view6(i, 40000, (uint16_t)(i + 1), 110);

        f[i] = flow_create_hashed(t, &v, same, t0, 0);
        assert_non_null(f[i]);
    }
    assert_true(flow_table_full(t));
    for (uint16_t i = 0; i < N; i++) {
        struct packet_view v = view6(i, 40000, (uint16_t)(i + 1), 110);
        struct packet_view r = reversed(&v);
        struct packet_view miss = view6(i, 40000, (uint16_t)(i + 2), 110);

        assert_ptr_equal(flow_lookup_hashed(t, &v, same, &dir), f[i]);
        assert_int_equal(dir, FLOW_FROM_CLIENT);
        assert_ptr_equal(flow_lookup_hashed(t, &r, same, &dir), f[i]);
        assert_int_equal(dir, FLOW_FROM_SERVER);
        if (i + 1 < N) /* i:40000 -> i+2:110 is nobody's key */
            assert_null(flow_lookup_hashed(t, &miss, same, &dir));
        miss = view6(i, 40001, (uint16_t)(i + 1), 110); /* one port off */
        assert_null(flow_lookup_hashed(t, &miss, same, &dir));
    }
    for (uint16_t i = 1; i < N; i += 2)
        flow_remove(t, f[i]);
    for (uint16_t i = 0; i < N; i++) {
        struct packet_view v = view6(i, 40000, (uint16_t)(i + 1), 110);

        assert_ptr_equal(flow_lookup_hashed(t, &v, same, &dir), i % 2 ? NULL : f[i]);
    }
    assert_int_equal(flow_count(t), N / 2);
    flow_table_free(t);
}

/* The closed list holds at most FLOW_CLOSED_MAX flows: closing one more
 * forgets the earliest closed, so memory does not grow with the rate at
 * which connections close. */
static void test_closed_list_bounded(void **state)
{
    const size_t n = FLOW_CLOSED_MAX + 10;
    struct flow_table *t = flow_table_new(n + 1);
    enum flow_direction dir;
    size_t memory;

    (void)state;
    for (size_t i = 0; i < n; i++) {
        struct packet_view v = view(4, "\x0a\0\0\x01", (uint16_t)(1024 + i), "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");
        struct flow *f = create(t, &v);

        assert_non_null(f);
        flow_close(t, f, t0);
        assert_int_equal(flow_closed_count(t), i < FLOW_CLOSED_MAX ? i + 1 : FLOW_CLOSED_MAX);
        assert_int_equal(flow_count(t), flow_closed_count(t));
    }
    memory = flow_table_memory(t);
    for (size_t i = 0; i < n; i++) {
        struct packet_view v = view(4, "\x0a\0\0\x02", 110, "\x0a\0\0\x01", (uint16_t)(1024 + i), TCP_FLAG_ACK, "");
        struct flow *f = flow_lookup(t, &v, &dir);

        if (i < n - FLOW_CLOSED_MAX) {
            assert_null(f);
        } else {
            assert_non_null(f);
            assert_int_equal(f->meta.client_port, 1024 + i);
        }
    }
    assert_int_equal(flow_oldest_closed(t)->meta.client_port, 1024 + n - FLOW_CLOSED_MAX);
    /* The slots come back: churning on allocates nothing. */
    for (size_t i = 0; i < 1000; i++) {
        struct packet_view v = view(4, "\x0a\0\0\x03", (uint16_t)(1024 + i), "\x0a\0\0\x02", 110, TCP_FLAG_SYN, "");

        flow_close(t, create(t, &v), t0);
    }
    assert_int_equal(flow_closed_count(t), FLOW_CLOSED_MAX);
    assert_int_equal(flow_table_memory(t), memory);
    flow_table_free(t);
}

/* --------------------------------------------------- connection lifecycle */

static struct peer client_peer(uint16_t port)
{
    struct peer p = {{192, 0, 2, 1}, port, 1000};

    return p;
}

static struct peer server_peer(uint16_t port)
{
    struct peer p = {{192, 0, 2, 2}, port, 5000};

    return p;
}

/* A login then QUIT, up to (not including) the close. */
static void login(struct rig *g, struct peer *c, struct peer *s)
{
    rig_send(g, s, c, 0, "+OK ready\r\n");
    rig_send(g, c, s, 0, "USER alice\r\n");
    rig_send(g, s, c, 0, "+OK\r\n");
    rig_send(g, c, s, 0, "PASS secret\r\n");
    rig_send(g, s, c, 0, "+OK Logged in.\r\n");
    rig_send(g, c, s, 0, "QUIT\r\n");
}

/* FIN from either side first: one session, ended by QUIT, its bytes all in. */
static void test_fin_either_order(void **state)
{
    (void)state;
    for (int server_first = 0; server_first < 2; server_first++) {
        struct peer c = client_peer(40000);
        struct peer s = server_peer(110);
        struct rig g;
        const struct recorded *e;

        rig_init(&g, NULL);
        rig_handshake(&g, &c, &s);
        login(&g, &c, &s);
        rig_send(&g, &s, &c, server_first ? TCP_FLAG_FIN : 0, "+OK bye\r\n");
        if (server_first) {
            rig_send(&g, &c, &s, TCP_FLAG_FIN, "");
        } else {
            rig_send(&g, &c, &s, TCP_FLAG_FIN, "");
            rig_send(&g, &s, &c, TCP_FLAG_FIN, "");
        }
        /* Ended by the FINs, before the end of input. */
        assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 1);
        e = recorder_nth(&g.rec, EVENT_SESSION, 0);
        assert_int_equal(e->end, END_QUIT);
        assert_int_equal(e->client_bytes, strlen("USER alice\r\nPASS secret\r\nQUIT\r\n"));
        assert_int_equal(e->server_bytes, strlen("+OK ready\r\n+OK\r\n+OK Logged in.\r\n+OK bye\r\n"));
        assert_int_equal(e->gap_bytes, 0);
        assert_int_equal(recorder_nth(&g.rec, EVENT_AUTH, 0)->outcome, OUTCOME_SUCCESS);
        rig_fini(&g);
    }
}

/* RST ends the connection at once; what the other side still had in flight
 * is a late segment of a closed connection, not a new one. */
static void test_rst_then_late_data(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct rig g;

    (void)state;
    rig_init(&g, NULL);
    rig_handshake(&g, &c, &s);
    login(&g, &c, &s);
    rig_send(&g, &c, &s, TCP_FLAG_RST, "");
    rig_send(&g, &s, &c, 0, "+OK bye\r\n");
    rig_send(&g, &s, &c, TCP_FLAG_FIN, "");
    rig_fini(&g);
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 1);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 0)->end, END_RST);
}

/* A blind RST (its sequence number outside the window) is ignored by the
 * receiver, so it must not end the connection for us either. */
static void test_blind_rst_ignored(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct peer blind;
    struct rig g;

    (void)state;
    rig_init(&g, NULL);
    rig_handshake(&g, &c, &s);
    rig_send(&g, &s, &c, 0, "+OK ready\r\n");
    blind = c;
    blind.seq += 0x40000000u;
    rig_send(&g, &blind, &s, TCP_FLAG_RST, "");
    blind = s;
    blind.seq -= 100;
    rig_send(&g, &blind, &c, TCP_FLAG_RST, "");
    rig_send(&g, &c, &s, 0, "USER alice\r\n");
    rig_send(&g, &s, &c, 0, "+OK\r\n");
    rig_send(&g, &c, &s, 0, "PASS secret\r\n");
    rig_send(&g, &s, &c, 0, "+OK Logged in.\r\n");
    rig_fini(&g);
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 1);
    assert_int_equal(recorder_nth(&g.rec, EVENT_AUTH, 0)->outcome, OUTCOME_SUCCESS);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 0)->end, END_END_OF_INPUT);
}

/* FIN then RST: the RST ends it. */
static void test_fin_then_rst(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct rig g;

    (void)state;
    rig_init(&g, NULL);
    rig_handshake(&g, &c, &s);
    login(&g, &c, &s);
    rig_send(&g, &c, &s, TCP_FLAG_FIN, "");
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 0);
    rig_send(&g, &s, &c, TCP_FLAG_RST, "");
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 1);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 0)->end, END_RST);
    rig_fini(&g);
}

/* Half-close: the client closes its side after QUIT, the server still
 * answers; nothing is lost and the session ends with the server's FIN. */
static void test_half_close(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct rig g;
    const struct recorded *e;

    (void)state;
    rig_init(&g, NULL);
    rig_handshake(&g, &c, &s);
    login(&g, &c, &s);
    rig_send(&g, &c, &s, TCP_FLAG_FIN, "");
    rig_send(&g, &s, &c, 0, "+OK Logging");
    rig_send(&g, &s, &c, 0, " out.\r\n");
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 0);
    rig_send(&g, &s, &c, TCP_FLAG_FIN, "");
    e = recorder_nth(&g.rec, EVENT_SESSION, 0);
    assert_non_null(e);
    assert_int_equal(e->end, END_QUIT);
    assert_int_equal(e->gap_bytes, 0);
    rig_fini(&g);
}

/* A new SYN on a 4-tuple whose connection ended starts a new session; a
 * retransmitted SYN does not. */
static void test_new_syn_on_finished_tuple(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct rig g;
    struct frame syn;

    (void)state;
    rig_init(&g, NULL);
    syn = frame_segment(&c, &s, c.seq, 0, TCP_FLAG_SYN, "");
    rig_feed(&g, &syn, FRAME_LINK_IPV4); /* retransmitted before the answer */
    rig_handshake(&g, &c, &s);
    login(&g, &c, &s);
    rig_send(&g, &s, &c, TCP_FLAG_FIN, "+OK bye\r\n");
    rig_send(&g, &c, &s, TCP_FLAG_FIN, "");
    rig_send(&g, &s, &c, 0, "");
    c.seq += 100000;
    s.seq += 300000;
    rig_handshake(&g, &c, &s);
    login(&g, &c, &s);
    rig_fini(&g);
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 2);
    assert_int_equal(recorder_count(&g.rec, EVENT_AUTH), 2);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 0)->flow_id, 1);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 0)->end, END_QUIT);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 1)->flow_id, 2);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 1)->end, END_END_OF_INPUT);
    assert_int_equal(recorder_nth(&g.rec, EVENT_AUTH, 1)->outcome, OUTCOME_SUCCESS);
}

/* A new connection on the same 4-tuple whose old one ended unseen (no FIN,
 * no RST in the capture): the new SYN ends the old session as a timeout at
 * its last packet. A SYN before any byte with another ISN is the same
 * connection trying again. */
static void test_syn_replaces_unfinished(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct rig g;
    struct event_time last;
    struct frame syn;

    (void)state;
    rig_init(&g, NULL);
    syn = frame_segment(&c, &s, c.seq + 777, 0, TCP_FLAG_SYN, ""); /* unanswered attempt */
    rig_feed(&g, &syn, FRAME_LINK_IPV4);
    rig_handshake(&g, &c, &s);
    login(&g, &c, &s);
    last = g.now;
    c.seq += 5000000;
    rig_handshake(&g, &c, &s);
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 1);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 0)->end, END_TIMEOUT);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 0)->ts.usec + 10, last.usec);
    login(&g, &c, &s);
    rig_fini(&g);
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 2);
    assert_int_equal(recorder_count(&g.rec, EVENT_AUTH), 2);
    assert_int_equal(recorder_nth(&g.rec, EVENT_AUTH, 0)->outcome, OUTCOME_SUCCESS);
    assert_int_equal(recorder_nth(&g.rec, EVENT_AUTH, 1)->outcome, OUTCOME_SUCCESS);
}

/* Idle timeouts run on packet time: a connection silent for longer than
 * the timeout ends with `timeout`, at the time of its last packet. */
static void test_idle_timeout(void **state)
{
    struct analyzer_options o;
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct peer c2 = client_peer(40001);
    struct rig g;
    struct event_time last;
    const struct recorded *e;

    (void)state;
    analyzer_options_default(&o);
    o.no_ndpi = true;
    o.idle_timeout = 30;
    rig_init(&g, &o);
    rig_handshake(&g, &c, &s);
    login(&g, &c, &s);
    last = g.now;
    g.now.sec += 29;
    rig_send(&g, &c2, &s, TCP_FLAG_SYN, "");
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 0);
    g.now.sec += 2;
    rig_send(&g, &c2, &s, 0, "");
    e = recorder_nth(&g.rec, EVENT_SESSION, 0);
    assert_non_null(e);
    assert_int_equal(e->end, END_TIMEOUT);
    assert_int_equal(e->ts.sec, last.sec);
    assert_int_equal(analyzer_get_stats(g.an)->flows_timed_out, 1);
    rig_fini(&g);
}

/* A full table evicts the least recently seen connection, which reports
 * `evicted`; a closed connection's slot is taken first, silently. */
static void test_eviction(void **state)
{
    struct analyzer_options o;
    struct peer s = server_peer(110);
    struct peer c[4] = {client_peer(40000), client_peer(40001), client_peer(40002), client_peer(40003)};
    struct rig g;

    (void)state;
    analyzer_options_default(&o);
    o.no_ndpi = true;
    o.max_flows = 2;
    rig_init(&g, &o);
    rig_handshake(&g, &c[0], &s);
    login(&g, &c[0], &s);
    rig_send(&g, &s, &c[0], TCP_FLAG_FIN, "+OK bye\r\n");
    rig_send(&g, &c[0], &s, TCP_FLAG_FIN, "");
    rig_send(&g, &s, &c[0], 0, "");                  /* closed; slot kept */
    rig_handshake(&g, &c[1], &s);
    rig_send(&g, &s, &c[1], 0, "+OK ready\r\n");
    rig_handshake(&g, &c[2], &s);                    /* takes the closed slot */
    assert_int_equal(analyzer_get_stats(g.an)->flows_evicted, 0);
    rig_send(&g, &s, &c[2], 0, "+OK ready\r\n");
    rig_send(&g, &s, &c[1], 0, "-ERR still here\r\n"); /* c[1] is now the newest */
    rig_handshake(&g, &c[3], &s);                    /* evicts c[2] */
    assert_int_equal(analyzer_get_stats(g.an)->flows_evicted, 1);
    assert_int_equal(recorder_count(&g.rec, EVENT_SESSION), 2);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 1)->client_port, 40002);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 1)->end, END_EVICTED);
    rig_fini(&g);
}

/* Mid-stream pickup on port 110: no handshake, the first bytes seen are a
 * client command; the login is still reported. */
static void test_mid_stream_port_110(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct rig g;
    const struct recorded *e;

    (void)state;
    rig_init(&g, NULL);
    rig_send(&g, &c, &s, 0, "USER alice\r\n");
    rig_send(&g, &s, &c, 0, "+OK\r\n");
    rig_send(&g, &c, &s, 0, "PASS secret\r\n");
    rig_send(&g, &s, &c, 0, "-ERR [AUTH] no\r\n");
    rig_fini(&g);
    e = recorder_nth(&g.rec, EVENT_AUTH, 0);
    assert_non_null(e);
    assert_string_equal(e->user, "alice");
    assert_int_equal(e->outcome, OUTCOME_FAILURE);
    assert_int_equal(e->server_port, 110);
}

/* Mid-stream pickup on another port: the side that sends "+OK" is the
 * server, and the probe confirms POP3 from its greeting and a command. */
static void test_mid_stream_other_port(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(2110);
    struct rig g;
    const struct recorded *e;

    (void)state;
    rig_init(&g, NULL);
    rig_send(&g, &s, &c, 0, "+OK ready\r\n");
    rig_send(&g, &c, &s, 0, "USER alice\r\n");
    rig_send(&g, &s, &c, 0, "+OK\r\n");
    rig_send(&g, &c, &s, 0, "PASS secret\r\n");
    rig_send(&g, &s, &c, 0, "+OK Logged in.\r\n");
    rig_fini(&g);
    e = recorder_nth(&g.rec, EVENT_AUTH, 0);
    assert_non_null(e);
    assert_int_equal(e->outcome, OUTCOME_SUCCESS);
    assert_int_equal(e->server_port, 2110);
    assert_int_equal(e->client_port, 40000);
}

/* The verdict never reached the capture, but the client's next command
 * acknowledges it: the attempt is unknown and the gap has its exact size,
 * reported before the command that followed it. */
static void test_lost_verdict_seen_through_ack(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct rig g;
    const struct recorded *a;
    const struct recorded *e;

    (void)state;
    rig_init(&g, NULL);
    rig_handshake(&g, &c, &s);
    rig_send(&g, &s, &c, 0, "+OK ready\r\n");
    rig_send(&g, &c, &s, 0, "USER alice\r\n");
    rig_send(&g, &s, &c, 0, "+OK\r\n");
    rig_send(&g, &c, &s, 0, "PASS secret\r\n");
    rig_lose(&s, 0, "+OK Logged in.\r\n");
    rig_send(&g, &c, &s, 0, "STAT\r\n");
    a = recorder_nth(&g.rec, EVENT_AUTH, 0);
    assert_non_null(a); /* reported as soon as the loss is known */
    assert_int_equal(a->outcome, OUTCOME_UNKNOWN);
    rig_send(&g, &s, &c, 0, "+OK 1 605\r\n");
    rig_fini(&g);
    e = recorder_nth(&g.rec, EVENT_SESSION, 0);
    assert_int_equal(e->gap_bytes, strlen("+OK Logged in.\r\n"));
    assert_true(recorder_has_anomaly(e, ANOMALY_GAP));
    assert_false(recorder_has_anomaly(e, ANOMALY_UNEXPECTED_RESPONSE)); /* STAT's reply paired */
}

/* Only the client's packets: the attempt with its user and secret,
 * outcome unknown. */
static void test_client_side_only(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct rig g;
    const struct recorded *a;
    struct frame syn;

    (void)state;
    rig_init(&g, NULL);
    syn = frame_segment(&c, &s, c.seq, 0, TCP_FLAG_SYN, "");
    rig_feed(&g, &syn, FRAME_LINK_IPV4);
    c.seq++;
    s.seq++;
    rig_send(&g, &c, &s, 0, "");
    rig_lose(&s, 0, "+OK ready\r\n");
    rig_send(&g, &c, &s, 0, "USER alice\r\n");
    rig_lose(&s, 0, "+OK\r\n");
    rig_send(&g, &c, &s, 0, "PASS secret\r\n");
    rig_fini(&g);
    a = recorder_nth(&g.rec, EVENT_AUTH, 0);
    assert_non_null(a);
    assert_string_equal(a->user, "alice");
    assert_int_equal(a->outcome, OUTCOME_UNKNOWN);
    assert_int_equal(recorder_nth(&g.rec, EVENT_SESSION, 0)->server_bytes, 0);
}

/* A per-direction hold limit of one chunk: a second hole forces the first
 * to be given up; the session says so, and its gap has the hole's size. */
static void test_out_of_order_limit(void **state)
{
    struct analyzer_options o;
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct peer ahead;
    struct rig g;
    const struct recorded *e;

    (void)state;
    analyzer_options_default(&o);
    o.no_ndpi = true;
    o.max_held_bytes_per_stream = STREAM_CHUNK_SIZE;
    rig_init(&g, &o);
    rig_handshake(&g, &c, &s);
    rig_send(&g, &s, &c, 0, "+OK ready\r\n");
    ahead = s;
    ahead.seq += 5;                             /* 5 bytes never captured */
    rig_send(&g, &ahead, &c, 0, "+OK\r\n");     /* held */
    ahead.seq += 1000;                          /* another hole */
    rig_send(&g, &ahead, &c, 0, "+OK 2\r\n");   /* no room: the first hole goes */
    rig_fini(&g);
    e = recorder_nth(&g.rec, EVENT_SESSION, 0);
    assert_true(recorder_has_anomaly(e, ANOMALY_OUT_OF_ORDER_LIMIT));
    assert_int_equal(e->gap_bytes, 5 + 1000);
}

/* Two copies of the same bytes that differ: the first one held wins. */
static void test_overlap_conflict(void **state)
{
    struct peer c = client_peer(40000);
    struct peer s = server_peer(110);
    struct peer later;
    struct rig g;
    const struct recorded *a;

    (void)state;
    rig_init(&g, NULL);
    rig_handshake(&g, &c, &s);
    rig_send(&g, &s, &c, 0, "+OK ready\r\n");
    later = c;
    later.seq += 5;
    rig_send(&g, &later, &s, 0, "alice\r\n"); /* ahead: held */
    later.seq = c.seq + 5;
    rig_send(&g, &later, &s, 0, "malor\r\n"); /* differs: counted, dropped */
    rig_send(&g, &c, &s, 0, "USER ");
    rig_send(&g, &s, &c, 0, "+OK\r\n");
    c.seq += 7;
    rig_send(&g, &c, &s, 0, "PASS x\r\n");
    rig_send(&g, &s, &c, 0, "+OK\r\n");
    rig_fini(&g);
    a = recorder_nth(&g.rec, EVENT_AUTH, 0);
    assert_non_null(a);
    assert_string_equal(a->user, "alice");
    assert_true(recorder_has_anomaly(recorder_nth(&g.rec, EVENT_SESSION, 0), ANOMALY_OVERLAP_CONFLICT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_lookup_both_ways),
        cmocka_unit_test(test_capacity_lru_recycling),
        cmocka_unit_test(test_closed_list),
        cmocka_unit_test(test_hash_both_directions),
        cmocka_unit_test(test_hash_keys_differ),
        cmocka_unit_test(test_hashed_lookup_equals_plain),
        cmocka_unit_test(test_colliding_keys),
        cmocka_unit_test(test_closed_list_bounded),
        cmocka_unit_test(test_fin_either_order),
        cmocka_unit_test(test_rst_then_late_data),
        cmocka_unit_test(test_blind_rst_ignored),
        cmocka_unit_test(test_fin_then_rst),
        cmocka_unit_test(test_half_close),
        cmocka_unit_test(test_new_syn_on_finished_tuple),
        cmocka_unit_test(test_syn_replaces_unfinished),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_mid_stream_port_110),
        cmocka_unit_test(test_mid_stream_other_port),
        cmocka_unit_test(test_lost_verdict_seen_through_ack),
        cmocka_unit_test(test_client_side_only),
        cmocka_unit_test(test_out_of_order_limit),
        cmocka_unit_test(test_overlap_conflict),
    };

    return cmocka_run_group_tests_name("flow", tests, NULL, NULL);
}
