#include "classify.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi/ndpi_api.h>

#include "ascii.h"
#include "cursor.h"
#include "pop3_command.h"
#include "sslproxy.h"

/* nDPI's main() is a few hundred microseconds per flow at most; the packet
 * it reads starts at the IP header, which the decoder does not keep, so
 * each fed packet is rebuilt here (IPv4 or IPv6 + TCP, no options) in one
 * scratch buffer. nDPI takes the length as an unsigned short. */
#define CLASSIFY_PACKET_MAX 65535u
#define CLASSIFY_IPV4_HEADER 20u
#define CLASSIFY_IPV6_HEADER 40u
#define CLASSIFY_TCP_HEADER 20u

enum classify_app_state {
    CLASSIFY_APP_IDLE = 0, /* no payload yet: nDPI not involved */
    CLASSIFY_APP_FED,      /* nDPI has a state for it and is learning */
    CLASSIFY_APP_NAMED,    /* settled: nDPI will see no more of it */
    CLASSIFY_APP_OWN,      /* cleartext POP3, named here: watching for credentials */
};

/* struct classify_app flags. */
enum {
    CLASSIFY_APP_F_NOT_NAMED = 1u << 0,  /* the nDPI flow limit kept it from being fed */
    CLASSIFY_APP_F_GREETING = 1u << 1,   /* the flow's first payload: the server, a POP3 status line */
    CLASSIFY_APP_F_AUTH_LOGIN = 1u << 2, /* AUTH LOGIN sent; its next line exposes a credential */
    CLASSIFY_APP_F_CREDENTIALS = 1u << 3, /* credentials crossed in clear (while nDPI was fed) */
    CLASSIFY_APP_F_POP3_PORT = 1u << 4,  /* one of its ports is 110 */
    CLASSIFY_APP_F_OWN = 1u << 5,        /* named here, not by nDPI */
};

/* nDPI's per-flow state, recycled through a free list. */
struct classify_ndpi_flow {
    struct ndpi_flow_struct flow;
    struct classify_ndpi_flow *next_free;
};

struct classify_total {
    uint64_t flows;
    uint64_t bytes;
};

struct classify_context {
    struct classify_options opts;
    struct ndpi_detection_module_struct *ndpi; /* NULL with --no-ndpi */
    struct classify_ndpi_flow *free_list;
    size_t flows_live; /* nDPI states handed out */
    uint8_t *scratch; /* one rebuilt packet */
    struct classify_total *totals; /* by nDPI protocol id */
    size_t total_slots;
    uint64_t mail_sessions[TLS_COUNT];
    uint64_t mail_bytes[TLS_COUNT];
    uint64_t unnamed_flows; /* not fed: --no-ndpi or the flow limit */
    uint64_t unnamed_bytes;
    uint64_t not_named; /* of those, kept out by the flow limit */
    uint64_t empty_flows;
    struct event_app_total top[EVENT_APP_TOP];
    struct event_app_summary summary;
};

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

/* The header line, its CR LF, and the start of the first command. */
#define CLASSIFY_PROXY_KEEP (SSLPROXY_LINE_MAX + 2 + 64)

struct classify_proxy_bytes {
    size_t len;
    uint8_t bytes[CLASSIFY_PROXY_KEEP];
};

enum { CLASSIFY_PROXY_NONE, CLASSIFY_PROXY_READING, CLASSIFY_PROXY_HEADER };

/* The rows of the tracker's command table (pop3_command.h) a client may
 * open a session with: RFC 1939 §5-7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034
 * AUTH. The table's historic and extension commands (LAST, RPOP, XTND,
 * XSENDER, UTF8, LANG) are left out: the tracker follows them inside a
 * session, but alone they are too weak a sign to name a flow POP3. */
#define CLASSIFY_OPENER(id) (1ull << (id))
static const uint64_t classify_openers =
    CLASSIFY_OPENER(POP3_CMD_USER) | CLASSIFY_OPENER(POP3_CMD_PASS) | CLASSIFY_OPENER(POP3_CMD_APOP) |
    CLASSIFY_OPENER(POP3_CMD_AUTH) | CLASSIFY_OPENER(POP3_CMD_CAPA) | CLASSIFY_OPENER(POP3_CMD_STLS) |
    CLASSIFY_OPENER(POP3_CMD_QUIT) | CLASSIFY_OPENER(POP3_CMD_STAT) | CLASSIFY_OPENER(POP3_CMD_LIST) |
    CLASSIFY_OPENER(POP3_CMD_UIDL) | CLASSIFY_OPENER(POP3_CMD_RETR) | CLASSIFY_OPENER(POP3_CMD_TOP) |
    CLASSIFY_OPENER(POP3_CMD_DELE) | CLASSIFY_OPENER(POP3_CMD_RSET) | CLASSIFY_OPENER(POP3_CMD_NOOP);
_Static_assert(POP3_CMD_COUNT <= 64, "opener mask holds every command id");

static bool classify_is_opener(enum pop3_command_id id)
{
    return (classify_openers >> id & 1u) != 0;
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
        if (ascii_upper(bytes[i]) != (uint8_t)word[i])
            return -1;
    }
    if (n == wlen)
        return 0;
    return classify_is_delimiter(bytes[wlen]) ? 1 : -1;
}

/* Does `bytes` start with an opening command and a delimiter? Same answers
 * as classify_match_word. A whole word costs one table lookup; only a
 * word cut by the end of the bytes is held against every opener's prefix. */
static int classify_match_command(const uint8_t *bytes, size_t n)
{
    int best = -1;

    for (size_t i = 0; i < n; i++) {
        if (classify_is_delimiter(bytes[i]))
            return classify_is_opener(pop3_command_lookup(bytes, i)->id) ? 1 : -1;
    }
    for (unsigned id = 0; id < POP3_CMD_UNKNOWN; id++) {
        int r;

        if (!classify_is_opener((enum pop3_command_id)id))
            continue;
        r = classify_match_word(bytes, n, pop3_command_info((enum pop3_command_id)id)->keyword);
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

/* Server bytes that came after the header began: the first of them must
 * be a POP3 status. In the right order that is either the answer to the
 * first command (the listener stripped the header) or the answer to the
 * header itself (nobody did): the tracker tells which (src/pop3.c). */
static enum classify_verdict classify_proxy_status(const struct classify_probe *p)
{
    const struct classify_greeting *g = p->greeting;
    size_t split = p->proxy_split;
    int ok, err;

    if (g == NULL || g->len <= split)
        return CLASSIFY_UNDECIDED;
    ok = classify_match_word(g->bytes + split, g->len - split, "+OK");
    err = classify_match_word(g->bytes + split, g->len - split, "-ERR");
    if (ok > 0 || err > 0)
        return CLASSIFY_POP3;
    return ok < 0 && err < 0 ? CLASSIFY_OTHER : CLASSIFY_UNDECIDED;
}

/* Server bytes once the client's header began. While the header line is
 * still incomplete the server has nothing to answer: not POP3. */
static enum classify_verdict classify_proxy_server(struct classify_probe *p, const uint8_t *data, size_t len,
                                                   struct event_time ts)
{
    if (p->proxy_state == CLASSIFY_PROXY_READING)
        return CLASSIFY_OTHER;
    if (classify_greeting_append(p, data, len, ts) != CLASSIFY_UNDECIDED)
        return CLASSIFY_OTHER;
    return classify_proxy_status(p);
}

/* Client bytes that start like an SSLproxy header: the header must be
 * whole and valid, and a POP3 command must follow it (or the server must
 * answer it, see classify_proxy_server). */
static enum classify_verdict classify_proxy_client(struct classify_probe *p, const uint8_t *data, size_t len)
{
    struct classify_proxy_bytes *b = p->proxy;
    struct event_proxy header;
    size_t lf, line;
    int r;

    if (b == NULL) {
        b = malloc(sizeof *b);
        if (b == NULL)
            return CLASSIFY_OTHER;
        b->len = 0;
        p->proxy = b;
        p->proxy_state = CLASSIFY_PROXY_READING;
        p->proxy_server_first = p->state == PROBE_SERVER_OK;
        p->proxy_split = (uint16_t)(p->greeting != NULL ? p->greeting->len : 0);
    }
    /* Once the server has answered, what the client says next is the
     * tracker's business; the probe has decided by then. */
    if (len > sizeof b->bytes - b->len)
        return CLASSIFY_OTHER;
    memcpy(b->bytes + b->len, data, len);
    b->len += len;
    if (sslproxy_key_match(b->bytes, b->len) < 0)
        return CLASSIFY_OTHER;
    for (lf = 0; lf < b->len && b->bytes[lf] != '\n'; lf++)
        ;
    if (lf == b->len)
        return b->len > SSLPROXY_LINE_MAX + 1 ? CLASSIFY_OTHER : CLASSIFY_UNDECIDED;
    line = (lf > 0 && b->bytes[lf - 1] == '\r') ? lf - 1 : lf;
    if (!sslproxy_header_parse(b->bytes, line, &header))
        return CLASSIFY_OTHER;
    if (p->proxy_state == CLASSIFY_PROXY_READING)
        p->proxy_state = CLASSIFY_PROXY_HEADER;
    /* After a "+OK" greeting a strict header is evidence enough: deciding
     * now leaves whatever follows (a lost answer included) to the tracker. */
    if (p->proxy_server_first)
        return CLASSIFY_POP3;
    r = classify_match_command(b->bytes + lf + 1, b->len - lf - 1);
    if (r < 0)
        return CLASSIFY_OTHER;
    return r > 0 ? classify_proxy_status(p) : CLASSIFY_UNDECIDED;
}

bool classify_probe_proxy(const struct classify_probe *p, const uint8_t **client, size_t *client_len, size_t *split)
{
    if (p->proxy == NULL || p->proxy_state != CLASSIFY_PROXY_HEADER)
        return false;
    *client = p->proxy->bytes;
    *client_len = p->proxy->len;
    *split = p->proxy_split;
    return true;
}

enum classify_verdict classify_probe_server(struct classify_probe *p, const uint8_t *data, size_t len,
                                            struct event_time ts)
{
    int r;

    if (len == 0)
        return CLASSIFY_UNDECIDED;
    if (p->proxy != NULL)
        return classify_proxy_server(p, data, len, ts);
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
    /* An SSLproxy header may come before the server's greeting, which may
     * be missing altogether (issue 12.3). */
    if (p->proxy != NULL || (p->client_len == 0 && sslproxy_key_match(data, len) >= 0))
        return classify_proxy_client(p, data, len);
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
    free(p->proxy);
    memset(p, 0, sizeof *p);
}

/* ------------------------------------------------ naming applications */

void classify_options_default(struct classify_options *opts)
{
    opts->ndpi = true;
    opts->max_packets = CLASSIFY_NDPI_MAX_PACKETS;
    opts->max_ndpi_flows = CLASSIFY_NDPI_DEFAULT_MAX_FLOWS;
}

/* nDPI changes its structures between releases without a new SONAME: a
 * header that does not match the library would corrupt every flow. */
static struct ndpi_detection_module_struct *classify_ndpi_start(void)
{
    struct ndpi_detection_module_struct *m;
    NDPI_PROTOCOL_BITMASK all;

    if (ndpi_detection_get_sizeof_ndpi_flow_struct() != sizeof(struct ndpi_flow_struct))
        return NULL;
    m = ndpi_init_detection_module(ndpi_no_prefs);
    if (m == NULL)
        return NULL;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(m, &all);
    ndpi_finalize_initialization(m);
    return m;
}

struct classify_context *classify_context_new(const struct classify_options *opts)
{
    struct classify_context *c = calloc(1, sizeof *c);

    if (c == NULL)
        return NULL;
    c->opts = *opts;
    if (c->opts.max_packets == 0 || c->opts.max_packets > UINT8_MAX)
        c->opts.max_packets = CLASSIFY_NDPI_MAX_PACKETS;
    if (c->opts.max_ndpi_flows == 0)
        c->opts.max_ndpi_flows = 1;
    if (!c->opts.ndpi)
        return c;
    c->ndpi = classify_ndpi_start();
    c->scratch = malloc(CLASSIFY_PACKET_MAX);
    if (c->ndpi != NULL) {
        c->total_slots = ndpi_get_num_supported_protocols(c->ndpi);
        c->totals = calloc(c->total_slots > 0 ? c->total_slots : 1, sizeof *c->totals);
    }
    if (c->ndpi == NULL || c->scratch == NULL || c->totals == NULL) {
        classify_context_free(c);
        return NULL;
    }
    return c;
}

/* Flows still holding an nDPI state must have been released first. */
void classify_context_free(struct classify_context *c)
{
    struct classify_ndpi_flow *n;

    if (c == NULL)
        return;
    while ((n = c->free_list) != NULL) {
        c->free_list = n->next_free;
        free(n);
    }
    if (c->ndpi != NULL)
        ndpi_exit_detection_module(c->ndpi);
    free(c->scratch);
    free(c->totals);
    free(c);
}

/* A zeroed nDPI state (nDPI requires it), from the pool when it can. */
static struct classify_ndpi_flow *classify_ndpi_acquire(struct classify_context *c)
{
    struct classify_ndpi_flow *n = c->free_list;

    if (c->flows_live >= c->opts.max_ndpi_flows)
        return NULL;
    if (n != NULL)
        c->free_list = n->next_free;
    else if ((n = malloc(sizeof *n)) == NULL)
        return NULL;
    memset(n, 0, sizeof *n);
    c->flows_live++;
    return n;
}

static void classify_ndpi_put(struct classify_context *c, struct classify_app *a)
{
    struct classify_ndpi_flow *n = a->ndpi;

    if (n == NULL)
        return;
    /* Frees what nDPI allocated inside (TLS reassembly, HTTP URL...). */
    ndpi_free_flow_data(&n->flow);
    n->next_free = c->free_list;
    c->free_list = n;
    c->flows_live--;
    a->ndpi = NULL;
}

static void classify_put_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void classify_put_be32(uint8_t *p, uint32_t v)
{
    classify_put_be16(p, v >> 16);
    classify_put_be16(p + 2, v & 0xFFFFu);
}

/* The packet as nDPI wants it, from the decoder's view: IP header without
 * options, TCP header without options, the captured payload (cut to fit
 * nDPI's 16-bit length). Returns its length. */
static size_t classify_rebuild(uint8_t *buf, const struct packet_view *v)
{
    size_t ip_len = v->ip_version == 6 ? CLASSIFY_IPV6_HEADER : CLASSIFY_IPV4_HEADER;
    size_t payload = v->payload_len;
    uint8_t *tcp = buf + ip_len;

    if (payload > CLASSIFY_PACKET_MAX - ip_len - CLASSIFY_TCP_HEADER)
        payload = CLASSIFY_PACKET_MAX - ip_len - CLASSIFY_TCP_HEADER;
    memset(buf, 0, ip_len + CLASSIFY_TCP_HEADER);
    if (v->ip_version == 6) {
        buf[0] = 0x60;
        classify_put_be16(buf + 4, (uint32_t)(CLASSIFY_TCP_HEADER + payload));
        buf[6] = 6; /* next header: TCP */
        buf[7] = 64;
        memcpy(buf + 8, v->src_addr, 16);
        memcpy(buf + 24, v->dst_addr, 16);
    } else {
        buf[0] = 0x45;
        classify_put_be16(buf + 2, (uint32_t)(ip_len + CLASSIFY_TCP_HEADER + payload));
        buf[8] = 64;
        buf[9] = 6; /* protocol: TCP */
        memcpy(buf + 12, v->src_addr, 4);
        memcpy(buf + 16, v->dst_addr, 4);
    }
    classify_put_be16(tcp, v->src_port);
    classify_put_be16(tcp + 2, v->dst_port);
    classify_put_be32(tcp + 4, v->seq);
    classify_put_be32(tcp + 8, v->ack);
    tcp[12] = (uint8_t)((CLASSIFY_TCP_HEADER / 4) << 4);
    tcp[13] = v->tcp_flags; /* decode.h keeps the wire's bit positions */
    classify_put_be16(tcp + 14, v->window);
    if (payload > 0)
        memcpy(tcp + CLASSIFY_TCP_HEADER, v->payload, payload);
    return ip_len + CLASSIFY_TCP_HEADER + payload;
}

static void classify_record(struct classify_app *a, ndpi_protocol p)
{
    a->master = p.master_protocol;
    a->app = p.app_protocol;
}

/* The first payload packet gives the flow an nDPI state, if one is left;
 * a flow without payload never costs one (a SYN scan stays free). */
static int classify_app_start(struct classify_context *c, struct classify_app *a)
{
    if (c->ndpi == NULL) {
        a->state = CLASSIFY_APP_NAMED;
        return 0;
    }
    a->ndpi = classify_ndpi_acquire(c);
    if (a->ndpi == NULL) {
        a->flags |= CLASSIFY_APP_F_NOT_NAMED;
        a->state = CLASSIFY_APP_NAMED;
        return 0;
    }
    a->state = CLASSIFY_APP_FED;
    return 1;
}

/* ------------------------------------------ cleartext POP3 without nDPI */

/* What nDPI 4.2 says about a cleartext POP3 session, from the rules its
 * dissectors apply to one (read in nDPI's sources, and checked by feeding
 * nDPI 4.2 every sample, peer and bench capture packet by packet):
 * - it names it POP3 (mail_pop.c, or from port 110 when it gives up), and
 *   POP3 is of the "unsafe" breed: risk "Unsafe Protocol";
 * - POP3 found on a flow neither of whose ports is 110: "Known Protocol on
 *   Non Standard Port" (nDPI compares both ports with POP3's default one);
 * - "Clear-Text Credentials": a packet that starts with USER or PASS and
 *   has more after them (mail_pop.c); and, because nDPI runs its SMTP
 *   dissector on the same flow, an "AUTH PLAIN" line with an initial
 *   response, or any line of 5 or more bytes whose 4th is not a space
 *   after an "AUTH LOGIN" line (the base64 user or password; mail_smtp.c
 *   decodes them as SMTP's). An "AUTH PLAIN" answered in a later line
 *   does not raise it in nDPI 4.2, so not here either.
 * Where we answer on purpose otherwise than nDPI would (no 16-packet
 * window, no guesses from the server's network, POP3 whatever other
 * dissector matched first), the README says so. */

#define CLASSIFY_RISK(r) (UINT64_C(1) << (r))

/* The longest line nDPI's SMTP dissector reads (it skips longer packets). */
#define CLASSIFY_LINE_SCAN_MAX 2048u

/* `bytes` (n of them) start with `word`, letters in any case. */
static int classify_starts_with(const uint8_t *bytes, size_t n, const char *word)
{
    size_t i;

    for (i = 0; word[i] != '\0'; i++) {
        if (i >= n || ascii_upper(bytes[i]) != (uint8_t)word[i])
            return 0;
    }
    return 1;
}

/* A line nDPI's SMTP dissector takes for a base64 credential once it has
 * seen AUTH LOGIN: 5 bytes or more, the 4th not a space ("+ VXNl...",
 * "dXNlcg==", "-ERR ..."; not "+OK ..."). */
static int classify_credential_line(const uint8_t *line, size_t len)
{
    return len >= 5 && line[3] != ' ';
}

/* One line of the session (without its CRLF). Returns 1 once credentials
 * are known to have crossed. */
static int classify_own_line(struct classify_app *a, const uint8_t *line, size_t len, bool from_client)
{
    if ((a->flags & CLASSIFY_APP_F_AUTH_LOGIN) && classify_credential_line(line, len))
        return 1;
    if (!from_client || len < 5 || !classify_starts_with(line, len, "AUTH "))
        return 0;
    /* RFC 4616 §2: a PLAIN initial response holds the password. */
    if (classify_starts_with(line + 5, len - 5, "PLAIN ") && len > 11)
        return 1;
    if (classify_starts_with(line + 5, len - 5, "LOGIN"))
        a->flags |= CLASSIFY_APP_F_AUTH_LOGIN;
    return 0;
}

/* A payload packet of a cleartext POP3 session: does it show credentials
 * sent in clear? Returns 1 when it does. */
static int classify_own_packet(struct classify_app *a, const uint8_t *p, size_t len, bool from_client)
{
    struct cursor cur;

    /* mail_pop.c: a client command at the start of a packet, with more
     * after it (RFC 1939 §7: USER name, PASS string). */
    if (from_client && len > 4 && (classify_starts_with(p, len, "USER") || classify_starts_with(p, len, "PASS")))
        return 1;
    /* Only the AUTH exchange matters below; most packets (message bodies
     * above all) are neither a client line nor one after AUTH LOGIN. */
    if (!from_client && !(a->flags & CLASSIFY_APP_F_AUTH_LOGIN))
        return 0;
    cursor_init(&cur, p, len > CLASSIFY_LINE_SCAN_MAX ? CLASSIFY_LINE_SCAN_MAX : len);
    while (cursor_remaining(&cur) > 0) {
        ptrdiff_t lf = cursor_find_byte(&cur, '\n');
        size_t take = lf >= 0 ? (size_t)lf + 1 : cursor_remaining(&cur);
        size_t line_len = lf >= 0 ? (size_t)lf : take;
        const uint8_t *line = cursor_get_bytes(&cur, take);

        if (line_len > 0 && line[line_len - 1] == '\r')
            line_len--;
        if (classify_own_line(a, line, line_len, from_client))
            return 1;
    }
    return 0;
}

/* The session is named here from now on: POP3, unsafe, and on a port that
 * is not POP3's, the port risk. */
static void classify_own_start(struct classify_context *c, struct classify_app *a)
{
    /* What nDPI learnt from the first packets is not wanted: drop it. */
    classify_ndpi_put(c, a);
    a->flags |= CLASSIFY_APP_F_OWN;
    a->master = NDPI_PROTOCOL_UNKNOWN;
    a->app = NDPI_PROTOCOL_MAIL_POP;
    a->risks = CLASSIFY_RISK(NDPI_UNSAFE_PROTOCOL);
    if (!(a->flags & CLASSIFY_APP_F_POP3_PORT))
        a->risks |= CLASSIFY_RISK(NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT);
    if (a->flags & CLASSIFY_APP_F_CREDENTIALS)
        a->risks |= CLASSIFY_RISK(NDPI_CLEAR_TEXT_CREDENTIALS);
    a->state = (a->flags & CLASSIFY_APP_F_CREDENTIALS) ? CLASSIFY_APP_NAMED : CLASSIFY_APP_OWN;
}

/* Watching a session named here; named for good once credentials showed. */
static void classify_own_watch(struct classify_app *a, const struct packet_view *v, bool from_client)
{
    if (classify_own_packet(a, v->payload, v->payload_len, from_client)) {
        a->flags |= CLASSIFY_APP_F_CREDENTIALS;
        a->risks |= CLASSIFY_RISK(NDPI_CLEAR_TEXT_CREDENTIALS);
        a->state = CLASSIFY_APP_NAMED;
    }
}

/* Before any nDPI work: is this flow, or is it now, one we name ourselves?
 * The flow's first payload from the server, a POP3 status line, marks it;
 * a POP3 verdict then decides (at once on port 110, or when the probe
 * confirms it, which is after nDPI saw the greeting and the first
 * command). Returns 1 when the packet was handled. */
static int classify_own_check(struct classify_context *c, struct classify_app *a, const struct packet_view *v,
                              enum classify_verdict verdict, bool from_client)
{
    if (a->state == CLASSIFY_APP_OWN) {
        classify_own_watch(a, v, from_client);
        return 1;
    }
    if (a->state == CLASSIFY_APP_IDLE && !from_client && classify_looks_like_server(v->payload, v->payload_len)) {
        a->flags |= CLASSIFY_APP_F_GREETING;
        if (v->src_port == CLASSIFY_PORT_POP3 || v->dst_port == CLASSIFY_PORT_POP3)
            a->flags |= CLASSIFY_APP_F_POP3_PORT;
    }
    if ((a->flags & (CLASSIFY_APP_F_GREETING | CLASSIFY_APP_F_OWN)) != CLASSIFY_APP_F_GREETING)
        return 0;
    if (verdict == CLASSIFY_POP3) {
        classify_own_start(c, a);
        if (a->state == CLASSIFY_APP_OWN)
            classify_own_watch(a, v, from_client);
        return 1;
    }
    /* Undecided yet: keep what nDPI would have seen in the first packets,
     * should the probe confirm POP3. */
    if (verdict == CLASSIFY_UNDECIDED && !(a->flags & CLASSIFY_APP_F_CREDENTIALS) &&
        classify_own_packet(a, v->payload, v->payload_len, from_client))
        a->flags |= CLASSIFY_APP_F_CREDENTIALS;
    return 0;
}

void classify_app_packet(struct classify_context *c, struct classify_app *a, const struct packet_view *v,
                         struct event_time ts, enum classify_verdict verdict, bool from_client)
{
    ndpi_protocol p;
    size_t len;
    uint64_t ms;

    a->bytes += (uint64_t)v->payload_len + v->payload_missing;
    /* Bare ACKs teach nDPI nothing it needs to name a flow. */
    if (v->payload_len == 0 || c->ndpi == NULL || classify_own_check(c, a, v, verdict, from_client) ||
        a->state == CLASSIFY_APP_NAMED)
        return;
    if (a->state == CLASSIFY_APP_IDLE && !classify_app_start(c, a))
        return;
    len = classify_rebuild(c->scratch, v);
    ms = ts.sec < 0 ? 0 : (uint64_t)ts.sec * 1000u + ts.usec / 1000u;
    p = ndpi_detection_process_packet(c->ndpi, &a->ndpi->flow, c->scratch, (unsigned short)len, ms);
    a->packets++;
    classify_record(a, p);
    /* Named, and nothing more to dissect (a TLS certificate, a POP3
     * password): done. Or out of packets: nDPI guesses from here. */
    if (a->packets >= c->opts.max_packets ||
        (p.app_protocol != NDPI_PROTOCOL_UNKNOWN && !ndpi_extra_dissection_possible(c->ndpi, &a->ndpi->flow)))
        classify_app_stop(c, a);
}

void classify_app_stop(struct classify_context *c, struct classify_app *a)
{
    struct ndpi_flow_struct *nf;

    if (a->state != CLASSIFY_APP_FED) {
        a->state = CLASSIFY_APP_NAMED;
        return;
    }
    nf = &a->ndpi->flow;
    if (a->app == NDPI_PROTOCOL_UNKNOWN) {
        uint8_t guessed = 0;

        classify_record(a, ndpi_detection_giveup(c->ndpi, nf, 1, &guessed));
    }
    a->risks = nf->risk;
    classify_ndpi_put(c, a);
    a->state = CLASSIFY_APP_NAMED;
}

void classify_app_login(struct classify_context *c, struct classify_app *a)
{
    if (a->state != CLASSIFY_APP_OWN)
        classify_app_stop(c, a);
}

void classify_app_release(struct classify_context *c, struct classify_app *a)
{
    if (c != NULL)
        classify_ndpi_put(c, a);
    a->state = CLASSIFY_APP_NAMED;
}

/* The application a flow is counted under: nDPI's most specific name. */
static size_t classify_total_slot(const struct classify_context *c, const struct classify_app *a)
{
    size_t id = a->app != NDPI_PROTOCOL_UNKNOWN ? a->app : a->master;

    return id < c->total_slots ? id : NDPI_PROTOCOL_UNKNOWN;
}

void classify_app_end(struct classify_context *c, struct classify_app *a, bool pop3_session)
{
    struct classify_total *t;

    if (pop3_session && c->ndpi != NULL &&
        (a->flags & (CLASSIFY_APP_F_GREETING | CLASSIFY_APP_F_OWN)) == CLASSIFY_APP_F_GREETING)
        classify_own_start(c, a); /* confirmed by the probe at its last packet */
    classify_app_stop(c, a);
    if (pop3_session)
        return; /* counted from its session event */
    if (a->bytes == 0) {
        c->empty_flows++;
        return;
    }
    if (c->ndpi == NULL || (a->flags & CLASSIFY_APP_F_NOT_NAMED)) {
        c->unnamed_flows++;
        c->unnamed_bytes += a->bytes;
        c->not_named += (a->flags & CLASSIFY_APP_F_NOT_NAMED) ? 1u : 0u;
        return;
    }
    t = &c->totals[classify_total_slot(c, a)];
    t->flows++;
    t->bytes += a->bytes;
}

const char *classify_app_name(const struct classify_context *c, const struct classify_app *a,
                              enum classify_verdict v, char *buf, size_t size)
{
    if (c != NULL && c->ndpi != NULL && size > 0 &&
        (a->app != NDPI_PROTOCOL_UNKNOWN || a->master != NDPI_PROTOCOL_UNKNOWN)) {
        ndpi_protocol p;

        memset(&p, 0, sizeof p);
        p.master_protocol = a->master;
        p.app_protocol = a->app;
        return ndpi_protocol2name(c->ndpi, p, buf, size > UINT16_MAX ? UINT16_MAX : (u_int)size);
    }
    /* nDPI's own names for them, so the field has one vocabulary. */
    if (v == CLASSIFY_POP3)
        return "POP3";
    if (v == CLASSIFY_POP3S)
        return "POPS";
    return NULL;
}

size_t classify_app_risk_names(const struct classify_app *a, const char **names, size_t max)
{
    size_t n = 0;

    for (unsigned r = 1; r < (unsigned)NDPI_MAX_RISK && r < 64 && n < max; r++) {
        if (a->risks & (UINT64_C(1) << r))
            names[n++] = ndpi_risk2str((ndpi_risk_enum)r);
    }
    return n;
}

int classify_looks_like_tls(const uint8_t *data, size_t len)
{
    /* RFC 8446 §5.1: content type 20..23, then legacy version 3.x. */
    return len >= 2 && data[0] >= 0x14 && data[0] <= 0x17 && data[1] == 0x03;
}

enum classify_stls_check classify_stls_observe(struct classify_app *a, const uint8_t *data, size_t len)
{
    /* RFC 2595 §4: after "+OK" the client starts the TLS negotiation, and
     * a TLS client speaks first with a handshake record (RFC 8446 §5.1). */
    for (size_t i = 0; i < len; i++) {
        if (a->stls == CLASSIFY_STLS_WAITING)
            a->stls = data[i] == 0x16 ? CLASSIFY_STLS_PARTIAL : CLASSIFY_STLS_REFUTED;
        else if (a->stls == CLASSIFY_STLS_PARTIAL)
            a->stls = data[i] == 0x03 ? CLASSIFY_STLS_CONFIRMED : CLASSIFY_STLS_REFUTED;
        else
            break;
    }
    return (enum classify_stls_check)a->stls;
}

void classify_note_session(struct classify_context *c, const struct event_session *s)
{
    if ((unsigned)s->tls >= (unsigned)TLS_COUNT)
        return;
    c->mail_sessions[s->tls]++;
    c->mail_bytes[s->tls] += s->client_bytes + s->server_bytes;
}

/* Most bytes first; equal bytes: more flows, then the lower id, so the
 * picture is the same on every run. */
static int classify_total_before(const struct classify_total *t, size_t a, size_t b)
{
    if (t[a].bytes != t[b].bytes)
        return t[a].bytes > t[b].bytes;
    if (t[a].flows != t[b].flows)
        return t[a].flows > t[b].flows;
    return a < b;
}

/* Selection of the top entries: a few hundred slots, once per run. */
static size_t classify_pick_top(const struct classify_context *c, size_t *ids, size_t max)
{
    size_t n = 0;

    for (size_t id = 0; id < c->total_slots; id++) {
        size_t pos;

        if (c->totals[id].flows == 0)
            continue;
        pos = n < max ? n++ : max;
        if (pos == max && !classify_total_before(c->totals, id, ids[max - 1]))
            continue;
        if (pos == max)
            pos = max - 1;
        while (pos > 0 && classify_total_before(c->totals, id, ids[pos - 1])) {
            ids[pos] = ids[pos - 1];
            pos--;
        }
        ids[pos] = id;
    }
    return n;
}

const struct event_app_summary *classify_summary(struct classify_context *c, struct event_time ts)
{
    struct event_app_summary *s = &c->summary;
    size_t ids[EVENT_APP_TOP];
    size_t n = 0;

    memset(s, 0, sizeof *s);
    s->ts = ts;
    memcpy(s->mail_sessions, c->mail_sessions, sizeof s->mail_sessions);
    memcpy(s->mail_bytes, c->mail_bytes, sizeof s->mail_bytes);
    s->ndpi = c->ndpi != NULL;
    if (c->ndpi != NULL)
        n = classify_pick_top(c, ids, EVENT_APP_TOP);
    for (size_t i = 0; i < n; i++) {
        const char *name = ndpi_get_proto_name(c->ndpi, (u_int16_t)ids[i]);

        c->top[i].name = name != NULL ? name : "Unknown";
        c->top[i].flows = c->totals[ids[i]].flows;
        c->top[i].bytes = c->totals[ids[i]].bytes;
    }
    for (size_t id = 0; id < c->total_slots; id++) {
        s->more_flows += c->totals[id].flows;
        s->more_bytes += c->totals[id].bytes;
    }
    for (size_t i = 0; i < n; i++) {
        s->more_flows -= c->top[i].flows;
        s->more_bytes -= c->top[i].bytes;
    }
    s->more_flows += c->unnamed_flows;
    s->more_bytes += c->unnamed_bytes;
    s->apps = n > 0 ? c->top : NULL;
    s->app_count = n;
    s->flows_without_payload = c->empty_flows;
    s->flows_not_named = c->not_named;
    return s;
}

void classify_merge(struct classify_context *into, const struct classify_context *from)
{
    for (size_t id = 0; id < into->total_slots && id < from->total_slots; id++) {
        into->totals[id].flows += from->totals[id].flows;
        into->totals[id].bytes += from->totals[id].bytes;
    }
    for (size_t t = 0; t < TLS_COUNT; t++) {
        into->mail_sessions[t] += from->mail_sessions[t];
        into->mail_bytes[t] += from->mail_bytes[t];
    }
    into->unnamed_flows += from->unnamed_flows;
    into->unnamed_bytes += from->unnamed_bytes;
    into->not_named += from->not_named;
    into->empty_flows += from->empty_flows;
}
