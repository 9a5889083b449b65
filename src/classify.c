#include "classify.h"

#include <stdlib.h>
#include <string.h>

#include <ndpi/ndpi_api.h>

enum classify_probe_state {
    PROBE_START,         /* the server has sent nothing */
    PROBE_SERVER_PREFIX, /* the server's bytes so far are a prefix of "+OK " */
    PROBE_SERVER_OK,     /* the server said "+OK"; waiting for the client */
};

struct classify_greeting {
    struct event_time ts;
    size_t len;
    uint8_t bytes[CLASSIFY_GREETING_MAX];
};

#define CLASSIFY_NAME_ENTRY(name, text) [name] = text,
static const char *const classify_verdict_names[] = {CLASSIFY_VERDICT_LIST(CLASSIFY_NAME_ENTRY)};
#undef CLASSIFY_NAME_ENTRY

/* Every command a client may open a session with (RFC 1939 §5-7, RFC 2449
 * CAPA, RFC 2595 STLS, RFC 5034 AUTH). */
static const char *const classify_commands[] = {
    "USER", "PASS", "APOP", "AUTH", "CAPA", "STLS", "QUIT", "STAT",
    "LIST", "UIDL", "RETR", "TOP",  "DELE", "RSET", "NOOP",
};

const char *classify_verdict_name(enum classify_verdict v)
{
    return (unsigned)v < CLASSIFY_VERDICT_COUNT ? classify_verdict_names[v] : "invalid";
}

const char *classify_ndpi_version(void)
{
    return ndpi_revision();
}

int classify_is_server_port(uint16_t port)
{
    return port == CLASSIFY_PORT_POP3 || port == CLASSIFY_PORT_POP3S;
}

enum classify_verdict classify_by_ports(uint16_t port_a, uint16_t port_b)
{
    if (port_a == CLASSIFY_PORT_POP3 || port_b == CLASSIFY_PORT_POP3)
        return CLASSIFY_POP3;
    if (port_a == CLASSIFY_PORT_POP3S || port_b == CLASSIFY_PORT_POP3S)
        return CLASSIFY_POP3S;
    return CLASSIFY_UNDECIDED;
}

static int classify_upper(uint8_t c)
{
    return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

static int classify_is_delimiter(uint8_t c)
{
    return c == ' ' || c == '\r' || c == '\n';
}

/* Does `bytes` start with `word` (case-insensitive) and a delimiter?
 * 1: yes; 0: too few bytes to tell, but they agree so far; -1: no. */
static int classify_match_word(const uint8_t *bytes, size_t n, const char *word)
{
    size_t wlen = strlen(word);

    for (size_t i = 0; i < wlen; i++) {
        if (i >= n)
            return 0;
        if (classify_upper(bytes[i]) != (uint8_t)word[i])
            return -1;
    }
    if (n == wlen)
        return 0;
    return classify_is_delimiter(bytes[wlen]) ? 1 : -1;
}

static int classify_match_command(const uint8_t *bytes, size_t n)
{
    int best = -1;

    for (size_t i = 0; i < sizeof classify_commands / sizeof classify_commands[0]; i++) {
        int r = classify_match_word(bytes, n, classify_commands[i]);

        if (r > best)
            best = r;
    }
    return best;
}

int classify_looks_like_server(const uint8_t *payload, size_t len)
{
    return len > 0 && (classify_match_word(payload, len, "+OK") >= 0 || classify_match_word(payload, len, "-ERR") >= 0);
}

static enum classify_verdict classify_greeting_append(struct classify_probe *p, const uint8_t *data, size_t len,
                                                      struct event_time ts)
{
    struct classify_greeting *g = p->greeting;

    if (g == NULL) {
        g = malloc(sizeof *g);
        if (g == NULL)
            return CLASSIFY_OTHER; /* cannot replay the greeting: do not guess */
        g->ts = ts;
        g->len = 0;
        p->greeting = g;
    }
    if (len > CLASSIFY_GREETING_MAX - g->len)
        return CLASSIFY_OTHER;
    memcpy(g->bytes + g->len, data, len);
    g->len += len;
    return CLASSIFY_UNDECIDED;
}

enum classify_verdict classify_probe_server(struct classify_probe *p, const uint8_t *data, size_t len,
                                            struct event_time ts)
{
    int r;

    if (len == 0)
        return CLASSIFY_UNDECIDED;
    /* Only a server whose first bytes could be "+OK" costs a buffer. */
    if (p->state == PROBE_START && classify_match_word(data, len, "+OK") < 0)
        return CLASSIFY_OTHER;
    if (classify_greeting_append(p, data, len, ts) != CLASSIFY_UNDECIDED)
        return CLASSIFY_OTHER;
    if (p->state == PROBE_SERVER_OK)
        return CLASSIFY_UNDECIDED;
    /* RFC 1939 §4: the session opens with the server's "+OK" greeting. */
    r = classify_match_word(p->greeting->bytes, p->greeting->len, "+OK");
    if (r < 0)
        return CLASSIFY_OTHER;
    p->state = r > 0 ? PROBE_SERVER_OK : PROBE_SERVER_PREFIX;
    return CLASSIFY_UNDECIDED;
}

enum classify_verdict classify_probe_client(struct classify_probe *p, const uint8_t *data, size_t len, size_t *earlier)
{
    size_t take;
    int r;

    if (len == 0)
        return CLASSIFY_UNDECIDED;
    /* A client that speaks before the server's "+OK" is not a POP3 client
     * (Redis answers "+OK" to a client's "AUTH x"). */
    if (p->state != PROBE_SERVER_OK)
        return CLASSIFY_OTHER;
    *earlier = p->client_len;
    take = sizeof p->client_bytes - p->client_len;
    if (take > len)
        take = len;
    memcpy(p->client_bytes + p->client_len, data, take);
    p->client_len = (uint8_t)(p->client_len + take);
    r = classify_match_command(p->client_bytes, p->client_len);
    if (r > 0)
        return CLASSIFY_POP3;
    /* The longest keyword and its delimiter fit in client_bytes, so a full
     * buffer always reaches a verdict. */
    return r < 0 ? CLASSIFY_OTHER : CLASSIFY_UNDECIDED;
}

enum classify_verdict classify_probe_packet(struct classify_probe *p)
{
    if (p->packets >= CLASSIFY_PROBE_MAX_PACKETS)
        return CLASSIFY_OTHER;
    p->packets++;
    return CLASSIFY_UNDECIDED;
}

const uint8_t *classify_probe_greeting(const struct classify_probe *p, size_t *len, struct event_time *ts)
{
    if (p->greeting == NULL) {
        *len = 0;
        return NULL;
    }
    *len = p->greeting->len;
    *ts = p->greeting->ts;
    return p->greeting->bytes;
}

void classify_probe_release(struct classify_probe *p)
{
    free(p->greeting);
    memset(p, 0, sizeof *p);
}
