/* libFuzzer harness for the passive POP3 tracker.
 *
 * Input layout (so the fuzzer controls both the bytes and how they are cut):
 *   byte 0      session setup: bits 0-1 max_line (64, 256, 4096, 65536),
 *               bits 2-3 max_pending (1, 4, 512, 4096), bit 4 implicit TLS,
 *               bit 5 an SSLproxy header line is allowed (issue 12.3)
 *   then chunks, each starting with a header byte h:
 *     bit 0     direction (0 client, 1 server)
 *     bits 1-2  0, 1: data, length in the next byte
 *               2:    data, length in the next two bytes (little endian)
 *               3:    an operation chosen by bits 3-7:
 *                       0-23  a gap of that many + 1 bytes
 *                       24-27 a gap of (next byte) * 65536 + 1 bytes
 *                       28-29 count (next byte) encrypted bytes
 *                       30    note the anomaly (next byte) mod ANOMALY_COUNT
 *                       31    end the session here (the rest of the
 *                             input is ignored: after pop3_session_end
 *                             only pop3_session_free is valid)
 * Each data chunk is copied into a buffer of exactly its length, as
 * Suricata's app-layer harness does, so ASan sees a read one byte past a
 * segment. A length beyond the input takes what is left. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pop3.h"

static volatile uint32_t fuzz_pop3_sink_sum;

static void fuzz_pop3_sink(void *ctx, const struct event *ev)
{
    (void)ctx;
    fuzz_pop3_sink_sum += fuzz_touch_event(ev);
}

static void fuzz_pop3_limits(uint8_t setup, struct pop3_limits *lim)
{
    static const size_t lines[4] = {64, 256, 4096, 65536};
    static const size_t pendings[4] = {1, 4, 512, 4096};

    lim->max_line = lines[setup & 3u];
    lim->max_pending = pendings[(setup >> 2) & 3u];
}

static void fuzz_pop3_data(struct pop3_session *s, enum pop3_direction dir, const uint8_t *data, size_t len,
                           struct event_time ts)
{
    /* One spare byte so a zero-length chunk still has a valid pointer;
     * the tracker is told len, so the spare byte is never in range. */
    uint8_t *copy = malloc(len == 0 ? 1 : len);

    if (copy == NULL)
        return;
    if (len > 0)
        memcpy(copy, data, len);
    pop3_session_feed(s, dir, copy, len, ts);
    free(copy);
}

/* Returns the input bytes the operation consumed after its header. */
static size_t fuzz_pop3_operation(struct pop3_session *s, enum pop3_direction dir, unsigned op, const uint8_t *rest,
                                  size_t left, struct event_time ts, bool *ended)
{
    uint8_t arg = left > 0 ? rest[0] : 0;

    if (op < 24) {
        pop3_session_gap(s, dir, op + 1u, ts);
        return 0;
    }
    if (op < 28) {
        pop3_session_gap(s, dir, (uint64_t)arg * 65536u + 1u, ts);
        return left > 0;
    }
    if (op < 30)
        pop3_session_count(s, dir, arg, ts);
    else if (op == 30)
        pop3_session_note_anomaly(s, (enum event_anomaly)(arg % ANOMALY_COUNT));
    else {
        pop3_session_end(s, END_FIN, ts);
        *ended = true;
        return 0;
    }
    return left > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct event_flow flow = {.flow_id = 1, .ip_version = 4, .client_addr = {192, 0, 2, 1},
                                           .server_addr = {192, 0, 2, 110}, .client_port = 40000,
                                           .server_port = 110};
    struct pop3_limits lim;
    struct event_time ts = {1700000000, 0};
    struct pop3_session *s;
    bool ended = false;
    size_t pos = 1;

    if (size < 1)
        return 0;
    fuzz_pop3_limits(data[0], &lim);
    s = pop3_session_new(&lim, &flow, ts, fuzz_pop3_sink, NULL);
    if (s == NULL)
        return 0;
    if (data[0] & 0x10u)
        pop3_session_set_implicit_tls(s);
    if (data[0] & 0x20u)
        pop3_session_allow_proxy_header(s);
    while (pos < size && !ended) {
        uint8_t h = data[pos++];
        enum pop3_direction dir = (h & 1u) ? POP3_FROM_SERVER : POP3_FROM_CLIENT;
        unsigned kind = (h >> 1) & 3u;
        size_t len;

        ts.usec = (ts.usec + 1000u) % 1000000u;
        ts.sec += ts.usec == 0;
        if (kind == 3) {
            pos += fuzz_pop3_operation(s, dir, h >> 3, data + pos, size - pos, ts, &ended);
            continue;
        }
        len = pos < size ? data[pos++] : 0;
        if (kind == 2)
            len |= (size_t)(pos < size ? data[pos++] : 0) << 8;
        if (len > size - pos)
            len = size - pos;
        fuzz_pop3_data(s, dir, data + pos, len, ts);
        pos += len;
    }
    if (!ended)
        pop3_session_end(s, END_END_OF_INPUT, ts);
    pop3_session_free(s);
    return 0;
}
