/* IP fragment reassembly (src/ipfrag.c): order, duplicates, overlaps
 * (first copy wins, differing copies reported), bad offsets, the timeout on
 * packet time, the datagram and byte limits, snaplen cuts; then whole
 * logins carried in IPv4 and IPv6 fragments through the analyzer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipfrag.h"
#include "test_frames.h"

static const struct event_time t0 = {1700000000, 0};

static uint8_t datagram[4000];

static void fill_datagram(void)
{
    for (size_t i = 0; i < sizeof datagram; i++)
        datagram[i] = (uint8_t)('A' + i % 26);
}

/* A fragment of `datagram` at [offset, offset + len). */
static struct packet_view piece(uint8_t version, uint32_t id, uint32_t offset, uint32_t len, int more)
{
    struct packet_view v;

    memset(&v, 0, sizeof v);
    v.ip_version = version;
    v.src_addr[0] = 10;
    v.dst_addr[0] = 11;
    v.fragment.id = id;
    v.fragment.offset = offset;
    v.fragment.more = (uint8_t)more;
    v.fragment.protocol = 6;
    v.fragment.data = offset + len <= sizeof datagram ? datagram + offset : datagram;
    v.fragment.len = len;
    return v;
}

static enum ipfrag_result add(struct ipfrag_table *t, const struct packet_view *v, struct ipfrag_datagram *out)
{
    return ipfrag_add(t, v, t0, out);
}

static struct ipfrag_stats stats(const struct ipfrag_table *t)
{
    struct ipfrag_stats st;

    ipfrag_get_stats(t, &st);
    return st;
}

/* In order or backwards, the datagram comes out whole, once the last
 * missing piece arrives; nothing stays held. */
static void test_any_order(void **state)
{
    struct ipfrag_table *t = ipfrag_new(8, 1 << 20, 30);
    struct ipfrag_datagram out;
    struct packet_view p[3] = {piece(4, 1, 0, 1480, 1), piece(4, 1, 1480, 1480, 1), piece(4, 1, 2960, 100, 0)};

    (void)state;
    fill_datagram();
    assert_int_equal(add(t, &p[0], &out), IPFRAG_HELD);
    assert_int_equal(add(t, &p[1], &out), IPFRAG_HELD);
    assert_int_equal(add(t, &p[2], &out), IPFRAG_COMPLETE);
    assert_int_equal(out.len, 3060);
    assert_int_equal(out.missing, 0);
    assert_int_equal(out.protocol, 6);
    assert_memory_equal(out.payload, datagram, 3060);
    assert_false(out.overlap_conflict);
    for (int i = 2; i >= 0; i--) {
        p[i].fragment.id = 2;
        assert_int_equal(add(t, &p[i], &out), i == 0 ? IPFRAG_COMPLETE : IPFRAG_HELD);
    }
    assert_memory_equal(out.payload, datagram, 3060);
    assert_int_equal(ipfrag_pending(t), 0);
    assert_int_equal(stats(t).bytes_in_use, 0);
    assert_int_equal(stats(t).reassembled, 2);
    ipfrag_free(t);
}

/* A repeated fragment adds nothing and is no conflict. */
static void test_duplicate(void **state)
{
    struct ipfrag_table *t = ipfrag_new(8, 1 << 20, 30);
    struct ipfrag_datagram out;
    struct packet_view a = piece(4, 7, 0, 16, 1);
    struct packet_view b = piece(4, 7, 16, 10, 0);

    (void)state;
    fill_datagram();
    assert_int_equal(add(t, &a, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &a, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &b, &out), IPFRAG_COMPLETE);
    assert_int_equal(stats(t).duplicates, 1);
    assert_int_equal(stats(t).overlap_conflicts, 0);
    assert_false(out.overlap_conflict);
    ipfrag_free(t);
}

/* Overlapping fragments whose bytes differ: the bytes held first stay
 * (as in stream.c), and the datagram is marked. */
static void test_overlap_first_wins(void **state)
{
    static const uint8_t first[16] = "USER alice\r\nPASS";
    static const uint8_t second[16] = "mallory! secret\n";
    struct ipfrag_table *t = ipfrag_new(8, 1 << 20, 30);
    struct ipfrag_datagram out;
    struct packet_view a = piece(4, 9, 0, 16, 1);
    struct packet_view b = piece(4, 9, 8, 16, 0);

    (void)state;
    a.fragment.data = first;
    b.fragment.data = second;
    assert_int_equal(add(t, &a, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &b, &out), IPFRAG_COMPLETE);
    assert_int_equal(out.len, 24);
    assert_memory_equal(out.payload, "USER alice\r\nPASS secret\n", 24);
    assert_true(out.overlap_conflict);
    assert_int_equal(stats(t).overlap_conflicts, 1);
    ipfrag_free(t);
}

/* RFC 791 §3.2, RFC 8200 §4.5: pieces are multiples of 8 but the last,
 * nothing runs past 65535 or past the end the last fragment set, and a
 * datagram has one end. A bad piece gives up its datagram. */
static void test_bad_offsets(void **state)
{
    struct ipfrag_table *t = ipfrag_new(8, 1 << 20, 30);
    struct ipfrag_datagram out;
    struct packet_view odd = piece(4, 3, 0, 13, 1);
    struct packet_view huge = piece(4, 4, 65528, 16, 0);
    struct packet_view tail = piece(4, 5, 32, 8, 0);
    struct packet_view past_end = piece(4, 5, 40, 8, 1);
    struct packet_view other_end = piece(4, 6, 32, 8, 0);
    struct packet_view shorter_end = piece(4, 6, 16, 8, 0);
    struct packet_view good = piece(4, 7, 8, 8, 1);

    (void)state;
    fill_datagram();
    assert_int_equal(add(t, &odd, &out), IPFRAG_DROPPED);
    assert_int_equal(add(t, &huge, &out), IPFRAG_DROPPED);
    assert_int_equal(add(t, &tail, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &past_end, &out), IPFRAG_DROPPED);
    assert_int_equal(add(t, &other_end, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &shorter_end, &out), IPFRAG_DROPPED);
    assert_int_equal(add(t, &good, &out), IPFRAG_HELD);
    assert_int_equal(stats(t).malformed, 4);
    assert_int_equal(ipfrag_pending(t), 1); /* only id 7 is left */
    ipfrag_free(t);
}

/* A datagram waits `timeout` seconds of packet time from its first
 * fragment, then is given up; its late pieces start over. */
static void test_timeout(void **state)
{
    struct ipfrag_table *t = ipfrag_new(8, 1 << 20, 30);
    struct ipfrag_datagram out;
    struct packet_view a = piece(6, 0xABCD, 0, 16, 1);
    struct packet_view b = piece(6, 0xABCD, 16, 8, 0);
    struct event_time later = {t0.sec + 29, 999999};

    (void)state;
    fill_datagram();
    assert_int_equal(add(t, &a, &out), IPFRAG_HELD);
    ipfrag_expire(t, later);
    assert_int_equal(ipfrag_pending(t), 1);
    later.sec++;
    later.usec = 0;
    ipfrag_expire(t, later);
    assert_int_equal(ipfrag_pending(t), 0);
    assert_int_equal(stats(t).timed_out, 1);
    assert_int_equal(ipfrag_add(t, &b, later, &out), IPFRAG_HELD);
    ipfrag_free(t);
}

/* The number of datagrams in progress is fixed: the oldest makes room. */
static void test_datagram_limit(void **state)
{
    struct ipfrag_table *t = ipfrag_new(2, 1 << 20, 30);
    struct ipfrag_datagram out;

    (void)state;
    fill_datagram();
    for (uint32_t id = 1; id <= 3; id++) {
        struct packet_view v = piece(4, id, 0, 8, 1);

        assert_int_equal(add(t, &v, &out), IPFRAG_HELD);
    }
    assert_int_equal(ipfrag_pending(t), 2);
    assert_int_equal(stats(t).evicted, 1);
    {
        struct packet_view first_tail = piece(4, 1, 8, 8, 0);
        struct packet_view third_tail = piece(4, 3, 8, 8, 0);

        assert_int_equal(add(t, &first_tail, &out), IPFRAG_HELD); /* id 1 was the one evicted */
        assert_int_equal(add(t, &third_tail, &out), IPFRAG_COMPLETE);
    }
    ipfrag_free(t);
}

/* The byte budget counts whole chunks: older datagrams are given up for a
 * newer one, and one bigger than the whole budget is refused. */
static void test_byte_budget(void **state)
{
    struct ipfrag_table *t = ipfrag_new(8, 2 * 2048, 30);
    struct ipfrag_datagram out;
    struct packet_view old = piece(4, 1, 0, 8, 1);
    struct packet_view big1 = piece(4, 2, 0, 2048, 1);
    struct packet_view big2 = piece(4, 2, 2048, 2048, 1);
    struct packet_view big3 = piece(4, 2, 4096, 8, 0);

    (void)state;
    fill_datagram();
    assert_int_equal(add(t, &old, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &big1, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &big2, &out), IPFRAG_HELD); /* gives up datagram 1 */
    assert_int_equal(stats(t).evicted, 1);
    assert_true(stats(t).bytes_peak <= 2 * 2048);
    assert_int_equal(add(t, &big3, &out), IPFRAG_DROPPED);
    assert_int_equal(ipfrag_pending(t), 0);
    assert_int_equal(stats(t).bytes_in_use, 0);
    ipfrag_free(t);
}

/* Tiny pieces with holes between them: past 16 ranges it is not a real
 * datagram (RFC 8200 §4.5 pieces are contiguous MTU-sized runs). */
static void test_too_fragmented(void **state)
{
    struct ipfrag_table *t = ipfrag_new(8, 1 << 20, 30);
    struct ipfrag_datagram out;
    enum ipfrag_result r = IPFRAG_HELD;

    (void)state;
    fill_datagram();
    for (uint32_t i = 0; i < 17 && r == IPFRAG_HELD; i++) {
        struct packet_view v = piece(4, 1, 16 * i + 8, 8, 1);

        r = add(t, &v, &out);
    }
    assert_int_equal(r, IPFRAG_DROPPED);
    assert_int_equal(stats(t).too_fragmented, 1);
    ipfrag_free(t);
}

/* A fragment cut by snaplen: the datagram completes, up to the first byte
 * the capture lacks, and says how many more there were. */
static void test_snaplen_cut(void **state)
{
    struct ipfrag_table *t = ipfrag_new(8, 1 << 20, 30);
    struct ipfrag_datagram out;
    struct packet_view a = piece(4, 1, 0, 1480, 1);
    struct packet_view b = piece(4, 1, 1480, 1000, 1);
    struct packet_view c = piece(4, 1, 2960, 40, 0);

    (void)state;
    fill_datagram();
    b.fragment.missing = 480; /* 1000 of its 1480 bytes captured */
    assert_int_equal(add(t, &b, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &c, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &a, &out), IPFRAG_COMPLETE);
    assert_int_equal(out.len, 2480);
    assert_int_equal(out.missing, 520);
    assert_memory_equal(out.payload, datagram, 2480);
    ipfrag_free(t);
}

/* Keys: IPv4 counts the protocol (RFC 791 §3.2), IPv6 does not (RFC 8200
 * §4.5); the id and the addresses always. */
static void test_keys(void **state)
{
    struct ipfrag_table *t = ipfrag_new(8, 1 << 20, 30);
    struct ipfrag_datagram out;
    struct packet_view v4a = piece(4, 1, 0, 8, 1);
    struct packet_view v4b = piece(4, 1, 8, 8, 0);
    struct packet_view v6a = piece(6, 1, 0, 8, 1);
    struct packet_view v6b = piece(6, 1, 8, 8, 0);

    (void)state;
    fill_datagram();
    v4b.fragment.protocol = 17;
    v6b.fragment.protocol = 60; /* only the first fragment's counts */
    assert_int_equal(add(t, &v4a, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &v6a, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &v4b, &out), IPFRAG_HELD);
    assert_int_equal(add(t, &v6b, &out), IPFRAG_COMPLETE);
    assert_int_equal(out.ip_version, 6);
    assert_int_equal(out.protocol, 6);
    assert_int_equal(ipfrag_pending(t), 2);
    ipfrag_free(t);
}

/* Steady state allocates nothing: a thousand datagrams later the table
 * holds what it held after the first. */
static void test_no_growth(void **state)
{
    struct ipfrag_table *t = ipfrag_new(8, 1 << 20, 30);
    struct ipfrag_datagram out;
    uint64_t memory = 0;

    (void)state;
    fill_datagram();
    for (uint32_t id = 0; id < 1000; id++) {
        struct packet_view a = piece(4, id, 0, 1480, 1);
        struct packet_view b = piece(4, id, 1480, 1480, 0);

        assert_int_equal(add(t, &b, &out), IPFRAG_HELD);
        assert_int_equal(add(t, &a, &out), IPFRAG_COMPLETE);
        if (id == 0)
            memory = stats(t).memory;
    }
    assert_int_equal(stats(t).memory, memory);
    ipfrag_free(t);
}

/* ------------------------------------------------- through the analyzer */

/* One TCP segment from `from`, cut into IPv4 fragments of at most `unit`
 * bytes of IP payload (a multiple of 8). */
static void send_fragmented4(struct rig *g, struct peer *from, const struct peer *to, const char *payload,
                             uint32_t unit, unsigned id)
{
    struct frame whole;
    uint32_t l4;

    whole.len = 0;
    frame_tcp(&whole, from, to, from->seq, to->seq, TCP_FLAG_ACK | TCP_FLAG_PSH, payload, strlen(payload));
    l4 = whole.len;
    for (uint32_t off = 0; off < l4; off += unit) {
        uint32_t n = l4 - off < unit ? l4 - off : unit;
        struct frame f;

        f.len = 0;
        frame_ipv4(&f, from, to, n, id, off, off + n < l4);
        frame_bytes(&f, whole.bytes + off, n);
        rig_feed(g, &f, FRAME_LINK_IPV4);
    }
    from->seq += (uint32_t)strlen(payload);
}

/* One IPv6 fragment: the fixed header, a fragment header, the piece. */
static void frame_fragment6(struct frame *f, const struct peer *from, const struct peer *to, uint32_t id,
                            uint32_t offset, int more, const uint8_t *piece_bytes, uint32_t n)
{
    f->len = 0;
    frame_be32(f, 0x60000000u);
    frame_be16(f, 8 + n);
    frame_u8(f, 44); /* next: the fragment header (RFC 8200 §4.5) */
    frame_u8(f, 64);
    frame_bytes(f, from->addr, 16);
    frame_bytes(f, to->addr, 16);
    frame_u8(f, 6);
    frame_u8(f, 0);
    frame_be16(f, offset | (more ? 1u : 0u));
    frame_be32(f, id);
    frame_bytes(f, piece_bytes, n);
}

/* The same over IPv6, the pieces sent first to last or last to first. */
static void send_fragmented6(struct rig *g, struct peer *from, const struct peer *to, const char *payload,
                             uint32_t unit, uint32_t id, int backwards)
{
    struct frame whole;
    uint32_t pieces;

    whole.len = 0;
    frame_tcp(&whole, from, to, from->seq, to->seq, TCP_FLAG_ACK | TCP_FLAG_PSH, payload, strlen(payload));
    pieces = (whole.len + unit - 1) / unit;
    for (uint32_t i = 0; i < pieces; i++) {
        uint32_t k = backwards ? pieces - 1 - i : i;
        uint32_t off = k * unit;
        uint32_t n = whole.len - off < unit ? whole.len - off : unit;
        struct frame f;

        frame_fragment6(&f, from, to, id, off, off + n < whole.len, whole.bytes + off, n);
        rig_feed(g, &f, FRAME_LINK_IPV6);
    }
    from->seq += (uint32_t)strlen(payload);
}

static void test_login_in_ipv4_fragments(void **state)
{
    struct peer c = {{192, 0, 2, 1}, 40000, 1000};
    struct peer s = {{192, 0, 2, 2}, 110, 5000};
    struct rig g;
    const struct recorded *a;

    (void)state;
    rig_init(&g, NULL);
    rig_send(&g, &s, &c, 0, "+OK ready\r\n");
    send_fragmented4(&g, &c, &s, "USER alice\r\n", 24, 77); /* TCP header + "USER" | " alice\r\n" */
    rig_send(&g, &s, &c, 0, "+OK\r\n");
    send_fragmented4(&g, &c, &s, "PASS secret\r\n", 8, 78);
    rig_send(&g, &s, &c, 0, "+OK Logged in.\r\n");
    a = recorder_nth(&g.rec, EVENT_AUTH, 0);
    assert_non_null(a);
    assert_string_equal(a->user, "alice");
    assert_int_equal(a->outcome, OUTCOME_SUCCESS);
    assert_int_equal(analyzer_get_stats(g.an)->fragments_reassembled, 2);
    assert_int_equal(analyzer_get_stats(g.an)->fragments, 2 + 5);
    rig_fini(&g);
}

static void test_login_in_ipv6_fragments(void **state)
{
    struct peer c = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}, 40000, 1000};
    struct peer s = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}, 110, 5000};
    struct rig g;
    const struct recorded *a;

    (void)state;
    rig_init(&g, NULL);
    send_fragmented6(&g, &s, &c, "+OK ready\r\n", 16, 1, 0);
    send_fragmented6(&g, &c, &s, "USER alice\r\n", 16, 2, 0);
    send_fragmented6(&g, &s, &c, "+OK\r\n", 16, 3, 0);
    send_fragmented6(&g, &c, &s, "PASS secret\r\n", 24, 4, 0);
    send_fragmented6(&g, &s, &c, "-ERR [AUTH] no\r\n", 24, 5, 1); /* last piece first */
    a = recorder_nth(&g.rec, EVENT_AUTH, 0);
    assert_non_null(a);
    assert_string_equal(a->user, "alice");
    assert_int_equal(a->outcome, OUTCOME_FAILURE);
    assert_string_equal(a->response, "no");
    assert_int_equal(analyzer_get_stats(g.an)->fragments_reassembled, 5);
    rig_fini(&g);
}

/* Differing overlaps inside one datagram: the session carries the
 * anomaly; a datagram never completed is counted at the end of input. */
static void test_fragment_anomalies_reach_the_session(void **state)
{
    struct peer c = {{192, 0, 2, 1}, 40000, 1000};
    struct peer s = {{192, 0, 2, 2}, 110, 5000};
    struct rig g;
    struct frame whole;
    struct frame f;

    (void)state;
    rig_init(&g, NULL);
    rig_send(&g, &s, &c, 0, "+OK ready\r\n");
    whole.len = 0;
    frame_tcp(&whole, &c, &s, c.seq, s.seq, TCP_FLAG_ACK, "USER alice\r\n", 12);
    f.len = 0;
    frame_ipv4(&f, &c, &s, 24, 9, 0, 1);
    frame_bytes(&f, whole.bytes, 24);
    rig_feed(&g, &f, FRAME_LINK_IPV4);
    f.len = 0;
    frame_ipv4(&f, &c, &s, 16, 9, 16, 0); /* overlaps bytes 16..23 with others */
    frame_bytes(&f, whole.bytes + 16, 4);
    frame_bytes(&f, "EVIL alice\r\n", 12);
    rig_feed(&g, &f, FRAME_LINK_IPV4);
    f.len = 0;
    frame_ipv4(&f, &c, &s, 8, 10, 0, 1); /* a datagram that never completes */
    frame_bytes(&f, whole.bytes, 8);
    rig_feed(&g, &f, FRAME_LINK_IPV4);
    c.seq += 12;
    rig_send(&g, &s, &c, 0, "+OK\r\n");
    rig_send(&g, &c, &s, 0, "PASS x\r\n");
    rig_send(&g, &s, &c, 0, "+OK\r\n");
    rig_fini(&g);
    assert_string_equal(recorder_nth(&g.rec, EVENT_AUTH, 0)->user, "alice");
    assert_true(recorder_has_anomaly(recorder_nth(&g.rec, EVENT_SESSION, 0), ANOMALY_OVERLAP_CONFLICT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_any_order),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_overlap_first_wins),
        cmocka_unit_test(test_bad_offsets),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_datagram_limit),
        cmocka_unit_test(test_byte_budget),
        cmocka_unit_test(test_too_fragmented),
        cmocka_unit_test(test_snaplen_cut),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_no_growth),
        cmocka_unit_test(test_login_in_ipv4_fragments),
        cmocka_unit_test(test_login_in_ipv6_fragments),
        cmocka_unit_test(test_fragment_anomalies_reach_the_session),
    };

    return cmocka_run_group_tests_name("ipfrag", tests, NULL, NULL);
}
