/* Community ID v1 against values computed by others: the vectors are
 * copied from the spec's baseline file, corelight/community-id-spec
 * baseline/baseline_deflt.json (seed 0, base64), generated there by the
 * reference implementation community-id.py. A hash that differs from
 * theirs would not join Zeek's or Suricata's records. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "community_id.h"

struct community_id_vector {
    uint8_t proto;
    const char *saddr;
    const char *daddr;
    uint16_t sport;
    uint16_t dport;
    const char *expected;
};

/* baseline_deflt.json: both directions of each connection give one hash. */
static const struct community_id_vector community_id_vectors[] = {
    { 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
    { 6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
    { 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
      "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
    { 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
      "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
    /* A UDP pair: the protocol byte is hashed, not assumed. */
    { 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
    /* Equal ports (SCTP echo): the addresses alone decide the order. */
    { 132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
};

static uint8_t test_parse(const char *text, uint8_t addr[16])
{
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, text, addr) == 1)
        return 4;
    assert_int_equal(inet_pton(AF_INET6, text, addr), 1);
    return 6;
}

static void spec_baseline_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof community_id_vectors / sizeof community_id_vectors[0]; i++) {
        const struct community_id_vector *v = &community_id_vectors[i];
        uint8_t s[16];
        uint8_t d[16];
        uint8_t version = test_parse(v->saddr, s);
        char out[COMMUNITY_ID_SIZE];

        assert_int_equal(test_parse(v->daddr, d), version);
        community_id_compute(0, version, s, d, v->proto, v->sport, v->dport, out);
        assert_string_equal(out, v->expected);
    }
}

/* The flow form: client and server in either order give the spec's TCP
 * value, and the string fills the event field exactly. */
static void flow_form_matches_spec(void **state)
{
    struct event_flow f = { .ip_version = 4, .client_port = 34855, .server_port = 80 };
    struct event_flow g;
    char out[COMMUNITY_ID_SIZE];

    (void)state;
    test_parse("128.232.110.120", f.client_addr);
    test_parse("66.35.250.204", f.server_addr);
    community_id_tcp(&f, out);
    assert_string_equal(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    assert_int_equal(strlen(out), COMMUNITY_ID_SIZE - 1);
    g = f;
    memcpy(g.client_addr, f.server_addr, 16);
    memcpy(g.server_addr, f.client_addr, 16);
    g.client_port = 80;
    g.server_port = 34855;
    community_id_tcp(&g, out);
    assert_string_equal(out, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

/* baseline_seed1.json is not copied; a different seed must at least give
 * a different hash, or the seed is not hashed. */
static void seed_changes_the_hash(void **state)
{
    uint8_t s[16];
    uint8_t d[16];
    char a[COMMUNITY_ID_SIZE];
    char b[COMMUNITY_ID_SIZE];

    (void)state;
    test_parse("128.232.110.120", s);
    test_parse("66.35.250.204", d);
    community_id_compute(0, 4, s, d, 6, 34855, 80, a);
    community_id_compute(1, 4, s, d, 6, 34855, 80, b);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_baseline_vectors),
        cmocka_unit_test(flow_form_matches_spec),
        cmocka_unit_test(seed_changes_the_hash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
