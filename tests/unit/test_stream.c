/* Unit tests for TCP reassembly (src/stream.c). Each test feeds segments
 * and compares the exact delivered byte sequence, with gaps written into
 * the log as "[gap N]". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"
#include "stream.h"

struct recorder {
    char log[16384];
    size_t len;
    unsigned data_calls;
    unsigned gap_calls;
    uint64_t gap_total;
    const uint8_t *last_data; /* where the last data() call pointed */
};

static void recorder_append(struct recorder *r, const char *bytes, size_t len)
{
    assert_true(r->len + len < sizeof r->log);
    memcpy(r->log + r->len, bytes, len);
    r->len += len;
    r->log[r->len] = '\0';
}

static void recorder_data(void *ctx, const uint8_t *bytes, size_t len, struct event_time ts)
{
    struct recorder *r = ctx;

    (void)ts;
    assert_true(len > 0);
    r->data_calls++;
    r->last_data = bytes;
    recorder_append(r, (const char *)bytes, len);
}

static void recorder_gap(void *ctx, uint64_t missing, struct event_time ts)
{
    struct recorder *r = ctx;
    char text[48];
    int n;

    (void)ts;
    assert_true(missing > 0);
    r->gap_calls++;
    r->gap_total += missing;
    n = snprintf(text, sizeof text, "[gap %llu]", (unsigned long long)missing);
    recorder_append(r, text, (size_t)n);
}

/* One stream, its pool and its recorder. */
struct fixture {
    struct stream_pool *pool;
    struct stream s;
    struct recorder rec;
    struct stream_sink sink;
};

static const struct event_time ts0 = {1700000000, 0};

static void fixture_init(struct fixture *f, size_t total, size_t per_stream)
{
    memset(f, 0, sizeof *f);
    f->pool = stream_pool_new(total, per_stream);
    assert_non_null(f->pool);
    stream_init(&f->s);
    f->sink.data = recorder_data;
    f->sink.gap = recorder_gap;
    f->sink.ctx = &f->rec;
}

static void fixture_fini(struct fixture *f)
{
    struct stream_pool_stats st;

    stream_release(&f->s, f->pool);
    stream_pool_get_stats(f->pool, &st);
    assert_int_equal(st.chunks_in_use, 0);
    stream_pool_free(f->pool);
}

/* A data segment carrying a readable string. */
static unsigned seg(struct fixture *f, uint8_t flags, uint32_t seq, const char *text)
{
    return stream_segment(&f->s, f->pool, flags, seq, (const uint8_t *)text, (uint32_t)strlen(text), 0, ts0, &f->sink);
}

static void seg_missing(struct fixture *f, uint32_t seq, const char *text, uint32_t missing)
{
    stream_segment(&f->s, f->pool, TCP_FLAG_ACK, seq, (const uint8_t *)text, (uint32_t)strlen(text), missing, ts0,
                   &f->sink);
}

static struct stream_pool_stats pool_stats(const struct fixture *f)
{
    struct stream_pool_stats st;

    stream_pool_get_stats(f->pool, &st);
    return st;
}

#define BIG (1u << 20)

static void test_in_order_zero_copy(void **state)
{
    struct fixture f;
    static const char first[] = "USER alice\r\n";

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 1000, "");
    stream_segment(&f.s, f.pool, TCP_FLAG_ACK | TCP_FLAG_PSH, 1001, (const uint8_t *)first, 12, 0, ts0, &f.sink);
    /* Delivered from the caller's buffer, not from a copy. */
    assert_ptr_equal(f.rec.last_data, (const uint8_t *)first);
    seg(&f, TCP_FLAG_ACK, 1013, "PASS secret\r\n");
    assert_string_equal(f.rec.log, "USER alice\r\nPASS secret\r\n");
    assert_int_equal(f.rec.gap_calls, 0);
    /* Nothing held: the one chunk in use is the history of delivered bytes. */
    assert_int_equal(pool_stats(&f).chunks_in_use, 1);
    assert_int_equal(pool_stats(&f).history_chunks, 1);
    fixture_fini(&f);
}

static void test_out_of_order(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 11, "PASS x\r\n"); /* ahead: held */
    seg(&f, TCP_FLAG_ACK, 25, "QUIT\r\n");   /* ahead, after another hole */
    assert_int_equal(f.rec.len, 0);
    assert_true(stream_holding(&f.s));
    seg(&f, TCP_FLAG_ACK, 1, "USER bob\r\n"); /* fills the first hole */
    assert_string_equal(f.rec.log, "USER bob\r\nPASS x\r\n");
    seg(&f, TCP_FLAG_ACK, 19, "STAT\r\n"); /* fills the second */
    assert_string_equal(f.rec.log, "USER bob\r\nPASS x\r\nSTAT\r\nQUIT\r\n");
    assert_false(stream_holding(&f.s));
    assert_int_equal(f.rec.gap_calls, 0);
    fixture_fini(&f);
}

static void test_retransmissions_trimmed(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 100, "");
    seg(&f, TCP_FLAG_ACK, 101, "+OK ready\r\n");
    seg(&f, TCP_FLAG_ACK, 101, "+OK ready\r\n");           /* exact duplicate */
    seg(&f, TCP_FLAG_ACK, 105, "ready\r\n+OK 2 msgs\r\n"); /* half old, half new */
    seg(&f, TCP_FLAG_ACK, 116, "2 msgs\r\n");              /* wholly old */
    /* A held segment retransmitted before the hole fills is stored once. */
    seg(&f, TCP_FLAG_ACK, 133, "-ERR no\r\n");
    seg(&f, TCP_FLAG_ACK, 133, "-ERR no\r\n");
    assert_int_equal(pool_stats(&f).chunks_in_use - pool_stats(&f).history_chunks, 1);
    seg(&f, TCP_FLAG_ACK, 124, "+OK bye\r\n");
    assert_string_equal(f.rec.log, "+OK ready\r\n+OK 2 msgs\r\n+OK bye\r\n-ERR no\r\n");
    assert_int_equal(pool_stats(&f).overlap_conflicts, 0);
    fixture_fini(&f);
}

static void test_overlap_conflict_first_wins(void **state)
{
    struct fixture f;
    unsigned ev;

    (void)state;
    fixture_init(&f, BIG, BIG);
    stream_pool_set_policy(f.pool, STREAM_OVERLAP_FIRST);
    seg(&f, TCP_FLAG_SYN, 0, "");
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 6, "alice\r\n"), 0); /* held first */
    /* A later out-of-order copy of the same bytes that differs. */
    ev = seg(&f, TCP_FLAG_ACK, 6, "mallory\r\n");
    assert_true(ev & STREAM_EVENT_OVERLAP_CONFLICT);
    /* An in-order segment that runs over the held bytes with others. */
    ev = seg(&f, TCP_FLAG_ACK, 1, "USER eve\r\n");
    assert_true(ev & STREAM_EVENT_OVERLAP_CONFLICT);
    /* "alice\r\n" was held first and wins; the tail of "mallory\r\n" that
     * extended past it filled new room and is kept. */
    assert_string_equal(f.rec.log, "USER alice\r\n\r\n");
    assert_int_equal(pool_stats(&f).overlap_conflicts, 2);
    fixture_fini(&f);
}

/* The same segments under the Linux rules: the longer copy with the same
 * start replaces the held one, and the in-order segment wins over it. */
static void test_overlap_conflict_linux(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 6, "alice\r\n"), 0);
    assert_true(seg(&f, TCP_FLAG_ACK, 6, "mallory\r\n") & STREAM_EVENT_OVERLAP_CONFLICT);
    assert_true(seg(&f, TCP_FLAG_ACK, 1, "USER eve\r\n") & STREAM_EVENT_OVERLAP_CONFLICT);
    assert_string_equal(f.rec.log, "USER eve\r\nry\r\n");
    fixture_fini(&f);
}

/* LAST: the latest copy of held bytes wins. */
static void test_overlap_last(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    stream_pool_set_policy(f.pool, STREAM_OVERLAP_LAST);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 5, "XXXX");
    assert_true(seg(&f, TCP_FLAG_ACK, 7, "YYYY") & STREAM_EVENT_OVERLAP_CONFLICT);
    seg(&f, TCP_FLAG_ACK, 1, "1234");
    assert_string_equal(f.rec.log, "1234XXYYYY");
    fixture_fini(&f);
}

/* What the Linux 6.18 receiver handed its reader for each of these
 * sequences (data offsets from the ISN), as tests/overlap_netns.sh
 * measured it with a listening socket in a network namespace; that test
 * also replays the same captures through pop3scope. */
struct linux_case {
    const char *name;
    struct {
        uint32_t off;
        const char *text;
    } segs[5];
    const char *delivered;
};

static const struct linux_case linux_cases[] = {
    {"same start, not longer: held stays", {{5, "XXXX"}, {5, "YYYY"}, {1, "1234"}}, "1234XXXX"},
    {"same start, longer: replaces", {{5, "XXXX"}, {5, "YYYYYY"}, {1, "1234"}}, "1234YYYYYY"},
    {"starts before, covers: removes", {{7, "XX"}, {5, "YYYYYY"}, {1, "1234"}}, "1234YYYYYY"},
    {"partial, later start: lower wins", {{5, "XXXX"}, {7, "YYYY"}, {1, "1234"}}, "1234XXXXYY"},
    {"partial, earlier start: lower wins", {{7, "YYYY"}, {5, "XXXX"}, {1, "1234"}}, "1234XXXXYY"},
    {"in-order over held: in-order wins", {{5, "XXXX"}, {1, "123456"}}, "123456XX"},
    {"inside a held one: dropped", {{5, "XXXXXX"}, {6, "YY"}, {1, "1234"}}, "1234XXXXXX"},
    {"joined, then a longer copy of the joined part", {{5, "XXXX"}, {9, "WWWW"}, {9, "ZZZZZZ"}, {1, "1234"}},
     "1234XXXXWWWWZZ"},
    {"covers two: both removed", {{5, "XX"}, {9, "YY"}, {3, "ZZZZZZZZZZ"}, {1, "12"}}, "12ZZZZZZZZZZ"},
    {"covers two, other order", {{9, "YY"}, {5, "XX"}, {3, "ZZZZZZZZZZ"}, {1, "12"}}, "12ZZZZZZZZZZ"},
    {"ends where held starts: not joined", {{5, "XXXX"}, {3, "ZZZZ"}, {1, "12"}}, "12ZZZZXX"},
    {"not joined before, so replaced", {{9, "WWWW"}, {5, "XXXX"}, {9, "ZZZZZZ"}, {1, "1234"}}, "1234XXXXZZZZZZ"},
    {"retransmission: old bytes kept, new tail", {{1, "AAAA"}, {1, "BBBBCC"}}, "AAAACC"},
};

static void test_overlap_linux_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof linux_cases / sizeof linux_cases[0]; i++) {
        const struct linux_case *c = &linux_cases[i];
        struct fixture f;
        unsigned events = 0;

        fixture_init(&f, BIG, BIG);
        seg(&f, TCP_FLAG_SYN, 0, "");
        for (size_t k = 0; k < 5 && c->segs[k].text != NULL; k++)
            events |= seg(&f, TCP_FLAG_ACK, c->segs[k].off, c->segs[k].text);
        stream_flush(&f.s, f.pool, ts0, &f.sink);
        if (strcmp(f.rec.log, c->delivered) != 0)
            fail_msg("%s: delivered \"%s\", Linux \"%s\"", c->name, f.rec.log, c->delivered);
        /* Every one of these overlaps differs, and each is reported. */
        if (!(events & STREAM_EVENT_OVERLAP_CONFLICT))
            fail_msg("%s: no overlap_conflict", c->name);
        fixture_fini(&f);
    }
}

/* A retransmission of delivered bytes that differs is reported, one that
 * matches is not; neither changes what was delivered. */
static void test_conflict_with_delivered(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 1, "USER bob\r\n"), 0);
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 11, "PASS x\r\n"), 0);
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 1, "USER bob\r\n"), 0);
    assert_true(seg(&f, TCP_FLAG_ACK, 1, "USER eve\r\n") & STREAM_EVENT_OVERLAP_CONFLICT);
    assert_true(seg(&f, TCP_FLAG_ACK, 16, "y\r\nQUIT\r\n") & STREAM_EVENT_OVERLAP_CONFLICT);
    assert_string_equal(f.rec.log, "USER bob\r\nPASS x\r\nQUIT\r\n");
    assert_int_equal(pool_stats(&f).overlap_conflicts, 2);
    fixture_fini(&f);
}

/* Data on a SYN that the SYN-ACK does not acknowledge was dropped by the
 * server (Linux without a Fast Open cookie): the client sends its bytes
 * again from isn + 1, and those are the stream. */
static void test_syn_data_not_acked(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 1000, "USER eve\r\n");
    assert_int_equal(f.rec.len, 0); /* held until the peer says */
    stream_ack(&f.s, f.pool, 1001, 0, ts0, &f.sink); /* the SYN-ACK */
    seg(&f, TCP_FLAG_ACK, 1001, "USER bob\r\n");
    seg(&f, TCP_FLAG_ACK, 1011, "PASS secret\r\n");
    assert_string_equal(f.rec.log, "USER bob\r\nPASS secret\r\n");
    assert_int_equal(pool_stats(&f).syn_data_dropped, 10);
    fixture_fini(&f);
}

/* Fast Open accepted: the SYN-ACK acknowledges the SYN's bytes. */
static void test_syn_data_acked(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 1000, "USER eve\r\n");
    seg(&f, TCP_FLAG_SYN, 1000, "USER eve\r\n"); /* retransmitted SYN */
    stream_ack(&f.s, f.pool, 1011, 0, ts0, &f.sink);
    assert_string_equal(f.rec.log, "USER eve\r\n");
    seg(&f, TCP_FLAG_ACK, 1011, "PASS secret\r\n");
    assert_string_equal(f.rec.log, "USER eve\r\nPASS secret\r\n");
    assert_int_equal(pool_stats(&f).syn_data_dropped, 0);
    fixture_fini(&f);
}

/* Without the peer's side, the sender settles it: bytes sent again from
 * isn + 1 mean the SYN's were dropped; bytes after them, that they went in. */
static void test_syn_data_one_sided(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "USER eve\r\n");
    seg(&f, TCP_FLAG_ACK, 1, "USER bob\r\n");
    assert_string_equal(f.rec.log, "USER bob\r\n");
    fixture_fini(&f);
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "USER eve\r\n");
    seg(&f, TCP_FLAG_ACK, 11, "PASS x\r\n");
    assert_string_equal(f.rec.log, "USER eve\r\nPASS x\r\n");
    fixture_fini(&f);
    /* No word at all by the end: not delivered. */
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "USER eve\r\n");
    stream_flush(&f.s, f.pool, ts0, &f.sink);
    assert_int_equal(f.rec.len, 0);
    fixture_fini(&f);
}

static void test_wraparound(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0xFFFFFFF0u, "");          /* data starts at 0xFFFFFFF1 */
    seg(&f, TCP_FLAG_ACK, 0xFFFFFFF1u, "+OK POP3 "); /* next: 0xFFFFFFFA */
    seg(&f, TCP_FLAG_ACK, 0x00000006u, "world\r\n"); /* past the wrap: held */
    seg(&f, TCP_FLAG_ACK, 0xFFFFFFFEu, "o there ");  /* held across the wrap */
    assert_int_equal(f.rec.len, 9);
    seg(&f, TCP_FLAG_ACK, 0xFFFFFFFAu, "hell");
    assert_string_equal(f.rec.log, "+OK POP3 hello there world\r\n");
    /* Old data from before the wrap is still recognised as old. */
    seg(&f, TCP_FLAG_ACK, 0xFFFFFFF1u, "+OK POP3 ");
    seg(&f, TCP_FLAG_ACK, 0x0000000Du, "USER x\r\n");
    assert_string_equal(f.rec.log, "+OK POP3 hello there world\r\nUSER x\r\n");
    assert_int_equal(pool_stats(&f).overlap_conflicts, 0);
    assert_int_equal(f.rec.gap_calls, 0);
    fixture_fini(&f);
}

static void test_syn_with_data(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    /* TCP Fast Open style: data rides on the SYN after its sequence number;
     * the sender's next bytes come after it, so the server took it. */
    seg(&f, TCP_FLAG_SYN, 5000, "CAPA\r\n");
    seg(&f, TCP_FLAG_SYN, 5000, "CAPA\r\n"); /* retransmitted SYN */
    seg(&f, TCP_FLAG_ACK, 5007, "QUIT\r\n");
    assert_string_equal(f.rec.log, "CAPA\r\nQUIT\r\n");
    assert_true(f.s.flags & STREAM_F_SYN);
    assert_int_equal(f.s.isn, 5000);
    fixture_fini(&f);
}

static void test_mid_stream_pickup(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    /* No handshake: the first segment seen defines where the stream starts. */
    seg(&f, TCP_FLAG_ACK, 123456, "RETR 1\r\n");
    seg(&f, TCP_FLAG_ACK, 123400, "LIST\r\n"); /* earlier: already past */
    seg(&f, TCP_FLAG_ACK, 123464, "DELE 1\r\n");
    assert_string_equal(f.rec.log, "RETR 1\r\nDELE 1\r\n");
    assert_false(f.s.flags & STREAM_F_SYN);
    fixture_fini(&f);
}

static void test_hole_at_end_flushed(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 1, "USER a\r\n"); /* 1..8 */
    seg(&f, TCP_FLAG_ACK, 14, "QUIT\r\n");  /* 9..13 never come */
    seg(&f, TCP_FLAG_ACK, 25, "X");         /* 20..24 never come either */
    /* FIN after three more bytes that the capture never had: ends at 29. */
    seg(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 29, "");
    assert_string_equal(f.rec.log, "USER a\r\n");
    assert_false(stream_complete(&f.s));
    stream_flush(&f.s, f.pool, ts0, &f.sink);
    assert_string_equal(f.rec.log, "USER a\r\n[gap 5]QUIT\r\n[gap 5]X[gap 3]");
    assert_int_equal(f.rec.gap_total, 13);
    assert_true(stream_complete(&f.s));
    assert_int_equal(pool_stats(&f).limit_gaps, 0); /* end of stream, not a limit */
    fixture_fini(&f);
}

static void test_fin_completes(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 10, "");
    seg(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 18, "\r\n"); /* FIN ahead of a hole */
    assert_false(stream_complete(&f.s));
    seg(&f, TCP_FLAG_ACK, 11, "+OK bye");
    assert_string_equal(f.rec.log, "+OK bye\r\n");
    assert_true(stream_complete(&f.s));
    assert_int_equal(f.s.fin_seq, 20);
    fixture_fini(&f);
}

/* Per-stream limit of two chunks: a third out-of-order piece forces the
 * oldest hole to be given up, then delivery resumes. */
static void test_per_stream_limit(void **state)
{
    struct fixture f;
    unsigned ev;

    (void)state;
    fixture_init(&f, BIG, 2 * STREAM_CHUNK_SIZE);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 1, "ab");
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 6, "fg"), 0);  /* hole 3..5 */
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 11, "kl"), 0); /* hole 8..10 */
    ev = seg(&f, TCP_FLAG_ACK, 16, "pq");                 /* no room: gives up 3..5 */
    assert_true(ev & STREAM_EVENT_LIMIT_GAP);
    assert_string_equal(f.rec.log, "ab[gap 3]fg");
    assert_int_equal(pool_stats(&f).limit_gaps, 1);
    assert_int_equal(pool_stats(&f).limit_gap_bytes, 3);
    /* The given-up bytes turn up late: counted, not delivered. */
    ev = seg(&f, TCP_FLAG_ACK, 3, "cde");
    assert_true(ev & STREAM_EVENT_LATE_DROPPED);
    assert_int_equal(pool_stats(&f).late_bytes_dropped, 3);
    seg(&f, TCP_FLAG_ACK, 8, "hij"); /* fills 8..10: kl follows, then pq */
    seg(&f, TCP_FLAG_ACK, 13, "mno");
    assert_string_equal(f.rec.log, "ab[gap 3]fghijklmnopq");
    assert_false(stream_holding(&f.s));
    fixture_fini(&f);
}

/* A per-stream limit of zero holds nothing: an out-of-order segment skips
 * the hole at once and is delivered in place. */
static void test_zero_limit_skips_ahead(void **state)
{
    struct fixture f;
    static const char later[] = "LIST\r\n";

    (void)state;
    fixture_init(&f, BIG, 0);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 1, "STAT\r\n");
    stream_segment(&f.s, f.pool, TCP_FLAG_ACK, 17, (const uint8_t *)later, 6, 0, ts0, &f.sink);
    assert_string_equal(f.rec.log, "STAT\r\n[gap 10]LIST\r\n");
    assert_ptr_equal(f.rec.last_data, (const uint8_t *)later);
    assert_int_equal(pool_stats(&f).chunks_in_use, pool_stats(&f).history_chunks);
    fixture_fini(&f);
}

/* Two streams share a pool of two chunks: when the first holds them all,
 * the second gives up its hole rather than growing the pool. */
static void test_global_pool_limit(void **state)
{
    struct fixture f;
    struct stream other;
    struct recorder rec2;
    struct stream_sink sink2 = {recorder_data, recorder_gap, &rec2};

    (void)state;
    memset(&rec2, 0, sizeof rec2);
    fixture_init(&f, 2 * STREAM_CHUNK_SIZE, BIG);
    stream_init(&other);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 10, "held one");
    seg(&f, TCP_FLAG_ACK, 30, "held two");
    assert_int_equal(pool_stats(&f).chunks_in_use, 2);
    stream_segment(&other, f.pool, TCP_FLAG_SYN, 500, NULL, 0, 0, ts0, &sink2);
    stream_segment(&other, f.pool, TCP_FLAG_ACK, 511, (const uint8_t *)"+OK 1 9\r\n", 9, 0, ts0, &sink2);
    assert_string_equal(rec2.log, "[gap 10]+OK 1 9\r\n");
    assert_int_equal(pool_stats(&f).chunks_allocated, 2);
    assert_int_equal(pool_stats(&f).limit_gaps, 1);
    /* The first stream's held bytes are untouched and still deliverable. */
    seg(&f, TCP_FLAG_ACK, 1, "123456789");
    assert_string_equal(f.rec.log, "123456789held one");
    stream_release(&other, f.pool);
    fixture_fini(&f);
}

static void test_snaplen_missing_in_order(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    /* 20 bytes on the wire, 8 captured: the rest is a gap right after. */
    seg_missing(&f, 1, "+OK 2 20", 12);
    seg(&f, TCP_FLAG_ACK, 21, ".\r\n");
    assert_string_equal(f.rec.log, "+OK 2 20[gap 12].\r\n");
    fixture_fini(&f);
}

static void test_snaplen_missing_held(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 21, "NOOP\r\n"); /* held */
    seg_missing(&f, 6, "RETR 1", 9);       /* held: 6..11 captured, 12..20 cut */
    seg(&f, TCP_FLAG_ACK, 1, "STAT\r");
    assert_string_equal(f.rec.log, "STAT\rRETR 1[gap 9]NOOP\r\n");
    /* A cut segment that is also partly old: only its new part counts. */
    seg_missing(&f, 25, "\r\nQU", 2); /* 25..28 captured, 29..30 cut */
    assert_string_equal(f.rec.log, "STAT\rRETR 1[gap 9]NOOP\r\nQU[gap 2]");
    fixture_fini(&f);
}

static void test_keepalive_and_window_probe(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 1, "+OK\r\n"); /* next is 6 */
    seg(&f, TCP_FLAG_ACK, 5, "Z");       /* keep-alive: one garbage byte at next-1 */
    seg(&f, TCP_FLAG_ACK, 5, "");        /* keep-alive without a byte */
    /* Zero-window probe: the next real byte alone, then the full segment. */
    seg(&f, TCP_FLAG_ACK, 6, "U");
    seg(&f, TCP_FLAG_ACK, 6, "USER z\r\n");
    assert_string_equal(f.rec.log, "+OK\r\nUSER z\r\n");
    assert_int_equal(pool_stats(&f).overlap_conflicts, 0);
    assert_int_equal(f.rec.gap_calls, 0);
    fixture_fini(&f);
}

static void test_rst_payload_ignored(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 1, "QUIT\r\n");
    seg(&f, TCP_FLAG_RST, 7, "connection reset diagnostic");
    assert_string_equal(f.rec.log, "QUIT\r\n");
    assert_true(f.s.flags & STREAM_F_RST);
    fixture_fini(&f);
}

/* Segments bigger than a chunk are split on the way in and come out whole. */
static void test_large_held_segment(void **state)
{
    struct fixture f;
    static uint8_t body[5000];
    static uint8_t expect[5010];

    (void)state;
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)('a' + i % 26);
    memcpy(expect, "RETR 1\r\n..", 10);
    memcpy(expect + 10, body, sizeof body);
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    stream_segment(&f.s, f.pool, TCP_FLAG_ACK, 11, body, sizeof body, 0, ts0, &f.sink);
    assert_int_equal(pool_stats(&f).chunks_in_use, 3);
    seg(&f, TCP_FLAG_ACK, 1, "RETR 1\r\n..");
    assert_int_equal(f.rec.len, sizeof expect);
    assert_memory_equal(f.rec.log, expect, sizeof expect);
    fixture_fini(&f);
}

/* Out-of-order traffic in steady state reuses chunks: the pool stops
 * growing after the first round. */
static void test_chunks_recycled(void **state)
{
    struct fixture f;
    uint32_t next = 1;
    uint64_t high_water = 0;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    for (int round = 0; round < 200; round++) {
        seg(&f, TCP_FLAG_ACK, next + 4, "LIST\r\n"); /* ahead: held */
        seg(&f, TCP_FLAG_ACK, next, "NOOP");         /* fills the hole */
        next += 10;
        if (round == 0)
            high_water = pool_stats(&f).chunks_allocated;
    }
    assert_int_equal(pool_stats(&f).chunks_allocated, high_water);
    assert_int_equal(f.rec.len, 2000);
    assert_int_equal(f.rec.gap_calls, 0);
    fixture_fini(&f);
}

static void test_count_only(void **state)
{
    struct stream s;

    (void)state;
    stream_init(&s);
    assert_int_equal(stream_count(&s, TCP_FLAG_SYN, 99, 0), 0);
    assert_int_equal(stream_count(&s, TCP_FLAG_ACK, 100, 500), 500);
    assert_int_equal(stream_count(&s, TCP_FLAG_ACK, 100, 500), 0);   /* retransmission */
    assert_int_equal(stream_count(&s, TCP_FLAG_ACK, 400, 300), 100); /* partly new */
    assert_int_equal(stream_count(&s, TCP_FLAG_ACK | TCP_FLAG_FIN, 700, 20), 20);
    assert_true(stream_complete(&s));
}

/* When the limit is hit by a segment that lies before everything held,
 * only the hole before that segment is given up: its bytes are delivered
 * and the held bytes stay held. */
static void test_limit_segment_before_held(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, 1 * STREAM_CHUNK_SIZE);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 20, "QUIT\r\n"); /* holds the only chunk */
    seg(&f, TCP_FLAG_ACK, 10, "NOOP\r\n"); /* 10..15: no room to hold it */
    assert_string_equal(f.rec.log, "[gap 9]NOOP\r\n");
    assert_true(stream_holding(&f.s));
    seg(&f, TCP_FLAG_ACK, 16, "STAT");
    assert_string_equal(f.rec.log, "[gap 9]NOOP\r\nSTATQUIT\r\n");
    assert_int_equal(pool_stats(&f).limit_gap_bytes, 9);
    fixture_fini(&f);
}

/* Contiguous out-of-order segments share chunks instead of taking one each. */
static void test_adjacent_held_share_chunk(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 10, "+OK ");
    seg(&f, TCP_FLAG_ACK, 14, "2 messages");
    seg(&f, TCP_FLAG_ACK, 24, "\r\n");
    assert_int_equal(pool_stats(&f).chunks_in_use, 1);
    seg(&f, TCP_FLAG_ACK, 1, "PASS xyz\r");
    assert_string_equal(f.rec.log, "PASS xyz\r+OK 2 messages\r\n");
    fixture_fini(&f);
}

/* The ACK of the other direction, as the analyzer passes it on. */
static void ack(struct fixture *f, uint32_t ack_seq, int settle)
{
    stream_ack(&f->s, f->pool, ack_seq, settle, ts0, &f->sink);
}

/* A segment the capture lost but the receiver had: the peer's ACK beyond it
 * proves it, and a peer segment with bytes of its own settles it at once,
 * so the gap comes before anything that followed it on the wire. */
static void test_ack_reveals_lost_segment(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 1, "+OK ready\r\n");       /* 1..11 */
    /* "+OK\r\n" (12..16) never captured; the client ACKs 17 with data. */
    ack(&f, 17, 1);
    assert_string_equal(f.rec.log, "+OK ready\r\n[gap 5]");
    seg(&f, TCP_FLAG_ACK, 17, "+OK Logged in.\r\n"); /* now in order */
    assert_string_equal(f.rec.log, "+OK ready\r\n[gap 5]+OK Logged in.\r\n");
    assert_false(stream_holding(&f.s));
    assert_int_equal(pool_stats(&f).acked_gaps, 1);
    assert_int_equal(pool_stats(&f).acked_gap_bytes, 5);
    /* An ACK at or behind what was delivered says nothing. */
    ack(&f, 20, 1);
    ack(&f, 5, 1);
    assert_int_equal(f.rec.gap_calls, 1);
    fixture_fini(&f);
}

/* A pure ACK only notes the hole: a retransmission may still fill it (a
 * sender can resend what was already received). */
static void test_ack_pure_waits_for_retransmission(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    ack(&f, 6, 0);
    assert_int_equal(f.rec.len, 0);
    seg(&f, TCP_FLAG_ACK, 1, "QUIT\r");
    assert_string_equal(f.rec.log, "QUIT\r");
    assert_int_equal(f.rec.gap_calls, 0);
    stream_flush(&f.s, f.pool, ts0, &f.sink);
    assert_int_equal(f.rec.gap_calls, 0);
    fixture_fini(&f);
}

/* Bytes beyond an acknowledged hole settle it: the sender has moved on. */
static void test_ack_settled_by_later_bytes(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    ack(&f, 6, 0);                     /* 1..5 acknowledged, not seen */
    seg(&f, TCP_FLAG_ACK, 9, "LIST"); /* beyond 6: 1..8 will not come */
    assert_string_equal(f.rec.log, "[gap 5]");
    assert_true(stream_holding(&f.s)); /* 6..8 may still come */
    seg(&f, TCP_FLAG_ACK, 6, "\r\n.");
    assert_string_equal(f.rec.log, "[gap 5]\r\n.LIST");
    /* Bytes of a hole given up that arrive later are counted, not used. */
    seg(&f, TCP_FLAG_ACK, 1, "+OK\r\n");
    assert_string_equal(f.rec.log, "[gap 5]\r\n.LIST");
    assert_int_equal(pool_stats(&f).late_bytes_dropped, 5);
    fixture_fini(&f);
}

/* The FIN beyond an acknowledged hole settles it too, and an ACK that
 * reaches a FIN already seen: the stream is then complete. */
static void test_ack_up_to_fin(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 1, "+OK\r\n");              /* 1..5 */
    seg(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 24, "");      /* 6..23 lost; FIN at 24 */
    assert_false(stream_complete(&f.s));
    ack(&f, 25, 0); /* acknowledges the FIN: capped to it, the FIN is no byte */
    assert_string_equal(f.rec.log, "+OK\r\n[gap 18]");
    assert_true(stream_complete(&f.s));

    /* Without the FIN in the capture, the ACK of it is all there is: the
     * lost FIN counts as one byte more (an ACK cannot tell). */
    fixture_fini(&f);
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 1, "QUIT\r\n"); /* 1..6 */
    ack(&f, 26, 0);                        /* 7..24 and the FIN at 25 lost */
    stream_flush(&f.s, f.pool, ts0, &f.sink);
    assert_string_equal(f.rec.log, "QUIT\r\n[gap 19]");
    fixture_fini(&f);
}

/* An ACK with nothing seen beyond it gives up at most one unscaled window
 * on its own word (a forged one cannot wipe out the stream); bytes that do
 * come later beyond the hole settle the rest exactly. */
static void test_ack_alone_is_bounded(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    ack(&f, 1 + 1000000, 1);
    assert_string_equal(f.rec.log, "[gap 65536]");
    seg(&f, TCP_FLAG_ACK, 1 + 1000000, "+OK\r\n");
    assert_string_equal(f.rec.log, "[gap 65536][gap 934464]+OK\r\n");
    assert_int_equal(f.rec.gap_total, 1000000);
    fixture_fini(&f);
}

/* An ACK further ahead than any window (RFC 7323 §2.3) is not believed,
 * and neither is a segment that starts there. */
static void test_out_of_window(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 1, "USER a\r\n");
    ack(&f, 0x50000000u, 1);
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 0x40000009u, "forged"), STREAM_EVENT_OUT_OF_WINDOW);
    assert_int_equal(seg(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 0x60000000u, ""), STREAM_EVENT_OUT_OF_WINDOW);
    assert_false(stream_holding(&f.s));
    assert_false(f.s.flags & STREAM_F_FIN);
    stream_flush(&f.s, f.pool, ts0, &f.sink);
    assert_string_equal(f.rec.log, "USER a\r\n");
    assert_int_equal(pool_stats(&f).out_of_window, 2);
    /* Just inside the largest window it is held as usual. */
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 9u + 0x3FFFFFFFu, "x"), 0);
    assert_true(stream_holding(&f.s));
    fixture_fini(&f);
}

/* A SYN with a new ISN before any byte: the first attempt went unanswered
 * and the data follows the second. The same ISN again changes nothing. */
static void test_syn_retransmit_new_isn(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 1000, "");
    seg(&f, TCP_FLAG_SYN, 1000, "");
    assert_int_equal(f.s.isn, 1000);
    seg(&f, TCP_FLAG_SYN, 77000, "");
    assert_int_equal(f.s.isn, 77000);
    seg(&f, TCP_FLAG_ACK, 77001, "CAPA\r\n");
    assert_string_equal(f.rec.log, "CAPA\r\n");
    /* Once bytes went through, a SYN cannot move the stream. */
    seg(&f, TCP_FLAG_SYN, 5, "");
    seg(&f, TCP_FLAG_ACK, 77007, "QUIT\r\n");
    assert_string_equal(f.rec.log, "CAPA\r\nQUIT\r\n");
    assert_int_equal(f.rec.gap_calls, 0);
    fixture_fini(&f);
}

/* TLS after STLS, reordered: every byte is counted once, whatever the
 * order, as long as the holes fit in STREAM_COUNT_HOLES. */
static void test_count_reordered(void **state)
{
    struct stream s;
    uint64_t total = 0;

    (void)state;
    stream_init(&s);
    total += stream_count(&s, TCP_FLAG_SYN, 0, 0);
    total += stream_count(&s, TCP_FLAG_ACK, 301, 100); /* hole 1..300 */
    total += stream_count(&s, TCP_FLAG_ACK, 101, 100); /* splits it */
    total += stream_count(&s, TCP_FLAG_ACK, 501, 100); /* hole 401..500 */
    total += stream_count(&s, TCP_FLAG_ACK, 1, 100);
    total += stream_count(&s, TCP_FLAG_ACK, 201, 100);
    total += stream_count(&s, TCP_FLAG_ACK, 401, 100);
    total += stream_count(&s, TCP_FLAG_ACK, 1, 600); /* all old now */
    assert_int_equal(total, 600);
    assert_int_equal(stream_count(&s, TCP_FLAG_ACK | TCP_FLAG_FIN, 601, 0), 0);
    assert_true(stream_complete(&s));
    assert_false(stream_holding(&s));
}

/* More holes than slots: the oldest is forgotten, so its bytes are not
 * counted when they come (an undercount, never a double count). */
static void test_count_hole_limit(void **state)
{
    struct stream s;
    uint64_t total = 0;

    (void)state;
    stream_init(&s);
    stream_count(&s, TCP_FLAG_SYN, 0, 0);
    for (uint32_t i = 0; i <= STREAM_COUNT_HOLES; i++)
        total += stream_count(&s, TCP_FLAG_ACK, 1 + 20 * i + 10, 10); /* hole of 10 before each */
    for (uint32_t i = 0; i <= STREAM_COUNT_HOLES; i++)
        total += stream_count(&s, TCP_FLAG_ACK, 1 + 20 * i, 10);
    assert_int_equal(total, 20 * (STREAM_COUNT_HOLES + 1) - 10);
}

/* A stream that was reassembled (and gave up a hole at a limit) switches
 * to counting: the old reassembly state is not read as holes. */
static void test_count_after_reassembly(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, 0); /* holds nothing: every hole is given up */
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK, 11, "STLS\r\n"); /* forced gap 1..10 */
    assert_int_equal(f.s.forced_end, 11);
    assert_int_equal(stream_count(&f.s, TCP_FLAG_ACK, 17, 50), 50);
    assert_int_equal(stream_count(&f.s, TCP_FLAG_ACK, 17, 50), 0);
    assert_true(f.s.flags & STREAM_F_COUNTING);
    assert_false(stream_holding(&f.s));
    /* A counted stream is not reassembled again. */
    assert_int_equal(seg(&f, TCP_FLAG_ACK, 67, "late"), 0);
    assert_string_equal(f.rec.log, "[gap 10]STLS\r\n");
    fixture_fini(&f);
}

/* FIN then RST, and RST before any FIN: both are noted, the RST's payload
 * is never data. */
static void test_fin_and_rst_orders(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1, "QUIT\r\n");
    seg(&f, TCP_FLAG_RST, 8, "");
    assert_true(stream_complete(&f.s));
    assert_true(f.s.flags & STREAM_F_RST);
    fixture_fini(&f);

    fixture_init(&f, BIG, BIG);
    seg(&f, TCP_FLAG_SYN, 0, "");
    seg(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 1, "junk");
    seg(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1, "");
    assert_int_equal(f.rec.len, 0);
    assert_true(f.s.flags & STREAM_F_RST);
    assert_true(stream_complete(&f.s));
    fixture_fini(&f);
}

/* RFC 5961 §3: an RST counts only inside the window; a blind one with a
 * random sequence number is ignored. */
static void test_rst_window(void **state)
{
    struct fixture f;

    (void)state;
    fixture_init(&f, BIG, BIG);
    assert_true(stream_rst_in_window(&f.s, 12345)); /* nothing seen yet */
    seg(&f, TCP_FLAG_SYN, 1000, "");
    seg(&f, TCP_FLAG_ACK, 1001, "QUIT\r\n");
    assert_true(stream_rst_in_window(&f.s, 1007));
    assert_true(stream_rst_in_window(&f.s, 1007 + STREAM_RST_WINDOW));
    assert_false(stream_rst_in_window(&f.s, 1008 + STREAM_RST_WINDOW));
    assert_false(stream_rst_in_window(&f.s, 1006));
    seg(&f, TCP_FLAG_RST, 0x80000000u, "");
    assert_false(f.s.flags & STREAM_F_RST);
    seg(&f, TCP_FLAG_RST, 1007, "");
    assert_true(f.s.flags & STREAM_F_RST);
    fixture_fini(&f);
}

/* ---------------------------------------------------------- shuffled */

/* A sink that checks every delivered byte against the original stream at
 * its position, so bytes and gaps must add up exactly. */
struct checker {
    const uint8_t *original;
    size_t size;
    uint64_t pos; /* stream offset of the next byte */
    uint64_t gap_bytes;
    int mismatch;
};

static void checker_data(void *ctx, const uint8_t *bytes, size_t len, struct event_time ts)
{
    struct checker *c = ctx;

    (void)ts;
    if (c->pos + len > c->size || memcmp(c->original + c->pos, bytes, len) != 0)
        c->mismatch = 1;
    c->pos += len;
}

static void checker_gap(void *ctx, uint64_t missing, struct event_time ts)
{
    struct checker *c = ctx;

    (void)ts;
    c->pos += missing;
    c->gap_bytes += missing;
}

static uint32_t test_rand(uint32_t *state)
{
    /* xorshift32: a fixed seed gives the same "random" run every time. */
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

#define SHUFFLE_SIZE 60000u
#define SHUFFLE_MAX_SEGS 4096u

struct shuffled {
    uint32_t start[SHUFFLE_MAX_SEGS];
    uint32_t len[SHUFFLE_MAX_SEGS];
    unsigned count;
};

/* Cuts [0, size) into segments, then swaps neighbours within a small
 * window and repeats some: the disorder a real capture shows. */
static void shuffle_segments(struct shuffled *sh, uint32_t *rng)
{
    uint32_t pos = 0;

    sh->count = 0;
    while (pos < SHUFFLE_SIZE && sh->count < SHUFFLE_MAX_SEGS - 1) {
        uint32_t n = 1 + test_rand(rng) % 1500u;

        if (n > SHUFFLE_SIZE - pos)
            n = SHUFFLE_SIZE - pos;
        sh->start[sh->count] = pos;
        sh->len[sh->count] = n;
        sh->count++;
        if (test_rand(rng) % 8u == 0 && sh->count < SHUFFLE_MAX_SEGS - 1) { /* duplicate */
            sh->start[sh->count] = pos;
            sh->len[sh->count] = n;
            sh->count++;
        }
        pos += n;
    }
    assert_int_equal(pos, SHUFFLE_SIZE);
    for (unsigned i = 0; i + 1 < sh->count; i++) {
        unsigned j = i + test_rand(rng) % 6u;

        if (j < sh->count) {
            uint32_t t = sh->start[i];
            sh->start[i] = sh->start[j];
            sh->start[j] = t;
            t = sh->len[i];
            sh->len[i] = sh->len[j];
            sh->len[j] = t;
        }
    }
}

static void run_shuffled(size_t per_stream, uint32_t seed, struct checker *c, struct stream_pool_stats *st)
{
    static uint8_t original[SHUFFLE_SIZE];
    static struct shuffled sh;
    struct stream_pool *pool = stream_pool_new(BIG, per_stream);
    struct stream s;
    struct stream_sink sink = {checker_data, checker_gap, c};
    uint32_t rng = seed;
    const uint32_t isn = 0xFFFF0000u; /* wraps 2^32 part-way through */

    assert_non_null(pool);
    for (size_t i = 0; i < sizeof original; i++)
        original[i] = (uint8_t)(' ' + test_rand(&rng) % 90u);
    memset(c, 0, sizeof *c);
    c->original = original;
    c->size = sizeof original;
    shuffle_segments(&sh, &rng);
    stream_init(&s);
    stream_segment(&s, pool, TCP_FLAG_SYN, isn, NULL, 0, 0, ts0, &sink);
    for (unsigned i = 0; i < sh.count; i++)
        stream_segment(&s, pool, TCP_FLAG_ACK, isn + 1u + sh.start[i], original + sh.start[i], sh.len[i], 0, ts0,
                       &sink);
    stream_segment(&s, pool, TCP_FLAG_ACK | TCP_FLAG_FIN, isn + 1u + SHUFFLE_SIZE, NULL, 0, 0, ts0, &sink);
    stream_flush(&s, pool, ts0, &sink);
    assert_true(stream_complete(&s));
    stream_pool_get_stats(pool, st);
    assert_int_equal(st->chunks_in_use, st->history_chunks);
    stream_release(&s, pool);
    stream_pool_free(pool);
}

/* With room to hold everything, any reordering gives back the exact stream. */
static void test_shuffled_exact(void **state)
{
    struct checker c = {NULL, 0, 0, 0, 0};
    struct stream_pool_stats st;

    (void)state;
    for (uint32_t seed = 1; seed <= 20; seed++) {
        run_shuffled(BIG, seed * 2654435761u, &c, &st);
        assert_false(c.mismatch);
        assert_int_equal(c.pos, SHUFFLE_SIZE);
        assert_int_equal(c.gap_bytes, 0);
        assert_int_equal(st.limit_gaps, 0);
    }
}

/* With a tight limit, bytes are given up, but every byte delivered is the
 * right byte at the right place and delivered + missing = the stream. */
static void test_shuffled_tight_limit(void **state)
{
    struct checker c = {NULL, 0, 0, 0, 0};
    struct stream_pool_stats st;
    uint64_t forced = 0;

    (void)state;
    for (uint32_t seed = 1; seed <= 20; seed++) {
        run_shuffled(2 * STREAM_CHUNK_SIZE, seed * 2246822519u, &c, &st);
        assert_false(c.mismatch);
        assert_int_equal(c.pos, SHUFFLE_SIZE);
        assert_int_equal(c.gap_bytes, st.limit_gap_bytes);
        assert_int_equal(st.chunks_peak, 2 + 1); /* the limit, and the history */
        forced += st.limit_gaps;
    }
    assert_true(forced > 0); /* the limit was really exercised */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_zero_copy),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_retransmissions_trimmed),
        cmocka_unit_test(test_overlap_conflict_first_wins),
        cmocka_unit_test(test_overlap_conflict_linux),
        cmocka_unit_test(test_overlap_last),
        cmocka_unit_test(test_overlap_linux_rules),
        cmocka_unit_test(test_conflict_with_delivered),
        cmocka_unit_test(test_syn_data_not_acked),
        cmocka_unit_test(test_syn_data_acked),
        cmocka_unit_test(test_syn_data_one_sided),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_syn_with_data),
        cmocka_unit_test(test_mid_stream_pickup),
        cmocka_unit_test(test_hole_at_end_flushed),
        cmocka_unit_test(test_fin_completes),
        cmocka_unit_test(test_per_stream_limit),
        cmocka_unit_test(test_zero_limit_skips_ahead),
        cmocka_unit_test(test_global_pool_limit),
        cmocka_unit_test(test_snaplen_missing_in_order),
        cmocka_unit_test(test_snaplen_missing_held),
        cmocka_unit_test(test_keepalive_and_window_probe),
        cmocka_unit_test(test_rst_payload_ignored),
        cmocka_unit_test(test_large_held_segment),
        cmocka_unit_test(test_chunks_recycled),
        cmocka_unit_test(test_count_only),
        cmocka_unit_test(test_limit_segment_before_held),
        cmocka_unit_test(test_adjacent_held_share_chunk),
        cmocka_unit_test(test_ack_reveals_lost_segment),
        cmocka_unit_test(test_ack_pure_waits_for_retransmission),
        cmocka_unit_test(test_ack_settled_by_later_bytes),
        cmocka_unit_test(test_ack_up_to_fin),
        cmocka_unit_test(test_ack_alone_is_bounded),
        cmocka_unit_test(test_out_of_window),
        cmocka_unit_test(test_syn_retransmit_new_isn),
        cmocka_unit_test(test_count_reordered),
        cmocka_unit_test(test_count_hole_limit),
        cmocka_unit_test(test_count_after_reassembly),
        cmocka_unit_test(test_fin_and_rst_orders),
        cmocka_unit_test(test_rst_window),
        cmocka_unit_test(test_shuffled_exact),
        cmocka_unit_test(test_shuffled_tight_limit),
    };

    return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
