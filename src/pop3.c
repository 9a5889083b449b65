/* The passive POP3 tracker. Two byte streams come in; lines are framed per
 * direction, client lines are looked up in the command table and queued,
 * and each server status line answers the oldest queued command (RFC 2449
 * §6.6 PIPELINING). Multi-line bodies are decided by the command they
 * answer and are counted, never stored. */
#include "pop3.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_command.h"
#include "pop3_reply.h"
#include "sasl.h"

/* RFC 2449 §4: a command is at most 255 octets, the first line of a
 * response at most 512, CRLF included; compared here without the CRLF so
 * that a CR-ended line is judged the same whatever follows it. */
#define POP3_COMMAND_OCTETS_MAX (255 - 2)
#define POP3_RESPONSE_OCTETS_MAX (512 - 2)

/* Fixed per-session storage. Names and challenges come from lines that
 * RFC 2449 §4 keeps near these sizes; a bearer token can be longer and is
 * kept truncated. */
#define POP3_FIELD_SIZE 512
#define POP3_SECRET_SIZE 1024
#define POP3_METHOD_SIZE 32
#define POP3_HEAD_SIZE 16 /* enough of a CAPA line to name the capability */
#define POP3_ATTEMPT_SLOTS 4 /* logins waiting for a verdict (pipelined PASS) */
/* Room for SASL fields that must be rewritten (escapes, UTF-16 names, NTLM
 * hex): every field we keep fits with room to spare; a longer one comes back
 * absent rather than overflowing. */
#define POP3_SASL_SCRATCH 4096

/* Smallest buffers that still hold a status word and a short argument;
 * largest that a configuration typo cannot turn into an allocation storm. */
#define POP3_LINE_MIN 64
#define POP3_LINE_MAX ((size_t)1 << 24)
#define POP3_PENDING_MAX ((size_t)1 << 20)

struct pop3_field {
    size_t len;
    bool present;
    uint8_t data[POP3_FIELD_SIZE];
};

struct pop3_secret {
    size_t len;
    bool present;
    uint8_t data[POP3_SECRET_SIZE];
};

/* One login that has not had its verdict yet. */
struct pop3_attempt {
    uint32_t id; /* 0: free slot */
    char method[POP3_METHOD_SIZE];
    struct pop3_field user;
    struct pop3_field authzid;
    struct pop3_secret secret;
    struct pop3_field challenge; /* last decoded server challenge (CRAM-MD5) */
    enum event_exposure exposure;
    unsigned sasl_step; /* client messages so far, initial response included */
    bool aborted; /* the client sent "*" (RFC 5034 §4) */
};

/* A queued command: enough to pair its reply and decide on a body. */
struct pop3_pending {
    uint32_t ref; /* attempt id (PASS, APOP, AUTH) or USER sequence number */
    uint8_t cmd; /* enum pop3_command_id */
    bool has_arg;
};

/* Line assembly for one direction. A CR ends a line at once (so a crafted
 * CR-ended line cannot glue to the next); an LF right after it is then
 * swallowed, and anything else makes it a bare CR. */
struct pop3_framer {
    uint8_t *buf; /* limits.max_line bytes */
    size_t len; /* bytes kept of the current line */
    uint64_t octets; /* the current line as sent, terminator excluded */
    bool truncated;
    bool nul;
    /* After a gap the first bytes may be the tail of a broken line or a
     * whole new one: lines are skipped until one is plainly POP3. */
    bool resync;
    bool skip_lf; /* the last line ended with CR */
    bool skip_lf_body; /* ... and was a body line: its LF is body octets */
};

enum pop3_body_pos {
    POP3_BODY_AT_START,
    POP3_BODY_AT_DOT, /* a line began with "." */
    POP3_BODY_IN_LINE,
    POP3_BODY_SKIP, /* after a gap: drop bytes up to the next LF */
};

/* A multi-line reply in progress: counted, never stored. */
struct pop3_body {
    bool active;
    bool after_gap; /* the next line may be the tail of a broken one */
    enum pop3_command_id cmd;
    enum pop3_body_pos pos;
    size_t head_len;
    uint64_t octets; /* un-stuffed bytes, line terminators included */
    uint8_t head[POP3_HEAD_SIZE];
};

struct pop3_session {
    struct pop3_limits limits;
    struct event_flow flow;
    event_sink_fn sink;
    void *sink_ctx;
    struct event_time now;
    struct event_session summary; /* counters; pointers are set at the end */
    enum pop3_state state;
    bool ended;
    bool quit_sent;
    bool quit_ok;
    bool stls_offered; /* kept for a later downgrade finding */
    bool sasl_offered;
    bool pipelining_offered;
    uint64_t marked; /* DELE +OK since the last RSET */
    uint64_t list_entries; /* rows of LIST/UIDL bodies */
    struct pop3_framer framer[2];
    struct pop3_body body;
    struct pop3_pending *pending; /* ring of limits.max_pending */
    size_t pending_head;
    size_t pending_count;
    uint64_t pending_skipped; /* commands sent while the ring was full */
    uint8_t *scratch; /* base64 output */
    size_t scratch_size;
    uint8_t sasl_scratch[POP3_SASL_SCRATCH];
    struct pop3_attempt attempts[POP3_ATTEMPT_SLOTS];
    uint32_t next_attempt_id;
    uint32_t auth_active; /* the AUTH whose exchange owns client lines */
    struct pop3_field user_sent; /* argument of the last USER */
    uint32_t user_seq;
    struct pop3_field banner;
    size_t apop_offset; /* the APOP timestamp inside banner */
    size_t apop_len;
    struct pop3_field session_user;
    char auth_method[POP3_METHOD_SIZE];
    char resp_code[POP3_CODE_MAX + 1];
};

static void pop3_server_line(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets);
static void pop3_client_line(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets);

/* ------------------------------------------------------------ small helpers */

static void pop3_set_state(struct pop3_session *s, enum pop3_state state)
{
    /* Nothing after STLS or on POP3S can be read, so nothing leaves it. */
    if (s->state != POP3_STATE_ENCRYPTED)
        s->state = state;
}

static void pop3_anomaly(struct pop3_session *s, enum event_anomaly anomaly)
{
    if ((unsigned)anomaly < ANOMALY_COUNT)
        s->summary.anomalies |= (uint64_t)1 << anomaly;
}

static bool pop3_direction_valid(enum pop3_direction dir)
{
    return dir == POP3_FROM_CLIENT || dir == POP3_FROM_SERVER;
}

/* Fields have fixed room so a session's memory is bounded; a value cut to
 * fit is reported (field_truncated) rather than passed off as whole. */
static void pop3_store(struct pop3_session *s, uint8_t *dst, size_t cap, size_t *len, bool *present,
                       const uint8_t *src, size_t n)
{
    *present = src != NULL;
    *len = 0;
    if (src == NULL)
        return;
    *len = n < cap ? n : cap;
    if (n > cap)
        pop3_anomaly(s, ANOMALY_FIELD_TRUNCATED);
    if (*len > 0)
        memcpy(dst, src, *len);
}

#define POP3_STORE(field, src, n) \
    pop3_store(s, (field)->data, sizeof(field)->data, &(field)->len, &(field)->present, (src), (n))
#define POP3_BYTES(field) pop3_bytes((field)->data, (field)->len, (field)->present)

static struct event_bytes pop3_bytes(const uint8_t *data, size_t len, bool present)
{
    struct event_bytes b = { present ? data : NULL, present ? len : 0 };

    return b;
}

/* Exposure only grows: cleartext > token > hash > none. */
static int pop3_exposure_rank(enum event_exposure e)
{
    switch (e) {
    case EXPOSURE_CLEARTEXT:
        return 3;
    case EXPOSURE_TOKEN:
        return 2;
    case EXPOSURE_HASH:
        return 1;
    case EXPOSURE_NONE:
    default:
        return 0;
    }
}

/* ------------------------------------------------------------ auth events */

static const char *pop3_code_text(struct pop3_session *s, struct event_bytes code)
{
    if (code.data == NULL || code.len == 0 || code.len >= sizeof s->resp_code)
        return NULL;
    memcpy(s->resp_code, code.data, code.len);
    s->resp_code[code.len] = '\0';
    return s->resp_code;
}

static void pop3_emit_auth(struct pop3_session *s, struct event_auth *auth, const struct pop3_reply *reply)
{
    struct event ev;

    auth->ts = s->now;
    auth->flow = &s->flow;
    auth->attempt = ++s->summary.auth_attempts;
    if (auth->outcome == OUTCOME_FAILURE)
        s->summary.auth_failures++;
    if (reply != NULL) {
        auth->response = reply->text;
        auth->resp_code = pop3_code_text(s, reply->code);
    }
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_AUTH;
    ev.u.auth = *auth;
    if (s->sink != NULL)
        s->sink(s->sink_ctx, &ev);
}

/* Reports an attempt and frees its slot, so it can never be reported twice. */
static void pop3_emit_attempt(struct pop3_session *s, struct pop3_attempt *a, enum event_outcome outcome,
                              const struct pop3_reply *reply)
{
    struct event_auth auth;

    memset(&auth, 0, sizeof auth);
    auth.method = a->method;
    auth.user = POP3_BYTES(&a->user);
    auth.authzid = POP3_BYTES(&a->authzid);
    auth.outcome = outcome;
    auth.exposure = a->exposure;
    auth.password = POP3_BYTES(&a->secret);
    pop3_emit_auth(s, &auth, reply);
    if (s->auth_active == a->id)
        s->auth_active = 0;
    a->id = 0;
}

static struct pop3_attempt *pop3_attempt_find(struct pop3_session *s, uint32_t id)
{
    for (size_t i = 0; id != 0 && i < POP3_ATTEMPT_SLOTS; i++)
        if (s->attempts[i].id == id)
            return &s->attempts[i];
    return NULL;
}

/* The waiting attempt with the lowest id, i.e. the oldest; NULL if none. */
static struct pop3_attempt *pop3_attempt_oldest(struct pop3_session *s)
{
    struct pop3_attempt *oldest = NULL;

    for (size_t i = 0; i < POP3_ATTEMPT_SLOTS; i++)
        if (s->attempts[i].id != 0 && (oldest == NULL || s->attempts[i].id < oldest->id))
            oldest = &s->attempts[i];
    return oldest;
}

static struct pop3_attempt *pop3_attempt_new(struct pop3_session *s, const char *method)
{
    struct pop3_attempt *a = NULL;

    for (size_t i = 0; a == NULL && i < POP3_ATTEMPT_SLOTS; i++)
        if (s->attempts[i].id == 0)
            a = &s->attempts[i];
    if (a == NULL) {
        /* More logins in flight than slots: the oldest can no longer be
         * paired with its verdict, so it is reported as unknown now. */
        pop3_anomaly(s, ANOMALY_PIPELINE_OVERFLOW);
        a = pop3_attempt_oldest(s);
        pop3_emit_attempt(s, a, OUTCOME_UNKNOWN, NULL);
    }
    memset(a, 0, sizeof *a);
    if (++s->next_attempt_id == 0)
        s->next_attempt_id = 1;
    a->id = s->next_attempt_id;
    snprintf(a->method, sizeof a->method, "%s", method);
    return a;
}

/* The attempt a queued command refers to, if it is a login command. */
static struct pop3_attempt *pop3_entry_attempt(struct pop3_session *s, const struct pop3_pending *entry)
{
    switch (entry->cmd) {
    case POP3_CMD_PASS:
    case POP3_CMD_APOP:
    case POP3_CMD_AUTH:
        return pop3_attempt_find(s, entry->ref);
    default:
        return NULL;
    }
}

/* A queued command whose reply will never be seen (gap, full ring). */
static void pop3_reply_lost(struct pop3_session *s, const struct pop3_pending *entry)
{
    struct pop3_attempt *a = pop3_entry_attempt(s, entry);

    if (a != NULL)
        pop3_emit_attempt(s, a, OUTCOME_UNKNOWN, NULL);
}

/* ------------------------------------------------------------ SASL */

/* Keeps what a decoded message revealed. Each step may reveal a different
 * part (LOGIN: user, then password), so a field, once seen, stays. */
static void pop3_attempt_merge(struct pop3_session *s, struct pop3_attempt *a, const struct sasl_result *res)
{
    const struct sasl_result r = *res;

    if (r.user.data != NULL)
        POP3_STORE(&a->user, r.user.data, r.user.len);
    if (r.authzid.data != NULL)
        POP3_STORE(&a->authzid, r.authzid.data, r.authzid.len);
    if (r.secret.data != NULL)
        POP3_STORE(&a->secret, r.secret.data, r.secret.len);
    if (pop3_exposure_rank(r.exposure) > pop3_exposure_rank(a->exposure))
        a->exposure = r.exposure;
    if (r.truncated)
        pop3_anomaly(s, ANOMALY_FIELD_TRUNCATED);
}

static void pop3_sasl_merge(struct pop3_session *s, struct pop3_attempt *a, const uint8_t *msg, size_t len)
{
    struct sasl_result r;

    memset(&r, 0, sizeof r);
    sasl_decode_client_buf(a->method, a->sasl_step, msg, len, s->sasl_scratch, sizeof s->sasl_scratch, &r);
    a->sasl_step++;
    pop3_attempt_merge(s, a, &r);
}

static void pop3_sasl_step(struct pop3_session *s, struct pop3_attempt *a, const uint8_t *b64, size_t len)
{
    size_t n = 0;

    if (len > s->limits.max_line || !sasl_base64_decode(b64, len, s->scratch, s->scratch_size, &n)) {
        pop3_anomaly(s, ANOMALY_BAD_BASE64);
        a->sasl_step++;
        return;
    }
    pop3_sasl_merge(s, a, s->scratch, n);
}

/* A client line while an AUTH exchange is open (RFC 5034 §4). */
static void pop3_sasl_response(struct pop3_session *s, const uint8_t *line, size_t len)
{
    struct pop3_attempt *a = pop3_attempt_find(s, s->auth_active);

    if (a == NULL) {
        s->auth_active = 0;
        return;
    }
    if (len == 1 && line[0] == '*') {
        a->aborted = true; /* the server must answer -ERR */
        return;
    }
    pop3_sasl_step(s, a, line, len);
}

/* "+ text": kept decoded when it is base64; garbage is tolerated. */
static void pop3_sasl_challenge(struct pop3_session *s, struct event_bytes text)
{
    struct pop3_attempt *a = pop3_attempt_find(s, s->auth_active);
    size_t n = 0;

    if (a == NULL)
        return;
    if (text.data != NULL && text.len <= s->limits.max_line &&
        sasl_base64_decode(text.data, text.len, s->scratch, s->scratch_size, &n))
        POP3_STORE(&a->challenge, s->scratch, n);
    else
        a->challenge.present = false;
}

/* ------------------------------------------------------------ commands */

static uint32_t pop3_begin_pass(struct pop3_session *s, struct event_bytes pass)
{
    struct pop3_attempt *a = pop3_attempt_new(s, "USER");

    if (s->user_sent.present)
        POP3_STORE(&a->user, s->user_sent.data, s->user_sent.len);
    if (pass.data != NULL) {
        POP3_STORE(&a->secret, pass.data, pass.len);
        a->exposure = EXPOSURE_CLEARTEXT;
    }
    return a->id;
}

/* RFC 1939 §7: APOP name digest. A malformed digest still crossed the
 * wire, so whatever could be parsed is kept. */
static uint32_t pop3_begin_apop(struct pop3_session *s, struct event_bytes arg)
{
    struct pop3_attempt *a = pop3_attempt_new(s, "APOP");
    struct sasl_result r;

    memset(&r, 0, sizeof r);
    (void)sasl_apop_parse(arg.data, arg.len, &r);
    if (r.secret.data == NULL)
        r.exposure = EXPOSURE_NONE;
    pop3_attempt_merge(s, a, &r);
    return a->id;
}

/* RFC 5034 §4: AUTH mechanism [initial-response]. */
static uint32_t pop3_begin_auth(struct pop3_session *s, struct event_bytes arg)
{
    struct event_bytes mech = pop3_command_word(arg, 0);
    struct event_bytes initial = pop3_command_word(arg, 1);
    char method[POP3_METHOD_SIZE];
    struct pop3_attempt *a;

    sasl_mechanism_name(mech.data, mech.len, method, sizeof method);
    a = pop3_attempt_new(s, method);
    s->auth_active = a->id;
    if (initial.data == NULL)
        return a->id;
    if (initial.len == 1 && initial.data[0] == '=')
        pop3_sasl_merge(s, a, s->scratch, 0); /* "=" is an empty response */
    else
        pop3_sasl_step(s, a, initial.data, initial.len);
    return a->id;
}

/* Side effects of sending a command; returns the reference its queue
 * entry carries. */
static uint32_t pop3_command_sent(struct pop3_session *s, const struct pop3_command_line *cmd)
{
    switch (cmd->info->id) {
    case POP3_CMD_USER:
        POP3_STORE(&s->user_sent, cmd->arg.data, cmd->arg.len);
        return ++s->user_seq;
    case POP3_CMD_PASS:
        return pop3_begin_pass(s, cmd->arg);
    case POP3_CMD_APOP:
        return pop3_begin_apop(s, cmd->arg);
    case POP3_CMD_AUTH:
        return cmd->has_arg ? pop3_begin_auth(s, cmd->arg) : 0;
    case POP3_CMD_QUIT:
        s->quit_sent = true;
        return 0;
    default:
        return 0;
    }
}

/* A full ring does not drop anything already queued: the new command is
 * only counted. Every later command is counted too until the replies to the
 * counted ones have gone by, so pairing stays in order; what is lost is the
 * body rule and the meaning of those replies. */
static void pop3_enqueue(struct pop3_session *s, enum pop3_command_id id, bool has_arg, uint32_t ref)
{
    struct pop3_pending entry = { ref, (uint8_t)id, has_arg };
    size_t cap = s->limits.max_pending;

    if (s->pending_count == cap || s->pending_skipped > 0) {
        pop3_anomaly(s, ANOMALY_PIPELINE_OVERFLOW);
        s->pending_skipped++;
        pop3_reply_lost(s, &entry);
        return;
    }
    s->pending[(s->pending_head + s->pending_count) % cap] = entry;
    s->pending_count++;
}

static bool pop3_dequeue(struct pop3_session *s, struct pop3_pending *out)
{
    if (s->pending_count == 0)
        return false;
    *out = s->pending[s->pending_head];
    s->pending_head = (s->pending_head + 1) % s->limits.max_pending;
    s->pending_count--;
    return true;
}

static void pop3_client_line(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets)
{
    struct pop3_framer *f = &s->framer[POP3_FROM_CLIENT];
    struct pop3_command_line cmd;

    if (s->auth_active != 0) {
        f->resync = false;
        pop3_sasl_response(s, line, len);
        return;
    }
    pop3_command_parse(line, len, &cmd);
    if (f->resync && cmd.info->id == POP3_CMD_UNKNOWN)
        return; /* after a gap, wait for a known command */
    f->resync = false;
    s->summary.commands++;
    if (octets > POP3_COMMAND_OCTETS_MAX)
        pop3_anomaly(s, ANOMALY_LINE_TOO_LONG);
    if (cmd.info->id == POP3_CMD_UNKNOWN)
        pop3_anomaly(s, ANOMALY_UNKNOWN_COMMAND);
    if (s->state == POP3_STATE_GREETING) {
        pop3_anomaly(s, ANOMALY_SERVER_SPOKE_FIRST_MISSING);
        pop3_set_state(s, POP3_STATE_AUTHORIZATION);
    }
    pop3_enqueue(s, cmd.info->id, cmd.has_arg, pop3_command_sent(s, &cmd));
}

/* ------------------------------------------------------------ bodies */

static void pop3_body_begin(struct pop3_session *s, enum pop3_command_id cmd)
{
    memset(&s->body, 0, sizeof s->body);
    s->body.active = true;
    s->body.cmd = cmd;
    s->body.pos = POP3_BODY_AT_START;
}

static void pop3_body_end(struct pop3_session *s)
{
    if (s->body.cmd == POP3_CMD_RETR)
        s->summary.retr_octets += s->body.octets;
    s->body.active = false;
}

static void pop3_body_line(struct pop3_session *s)
{
    struct pop3_body *b = &s->body;

    switch (b->cmd) {
    case POP3_CMD_CAPA:
        switch (pop3_reply_capability(b->head, b->head_len)) {
        case POP3_CAPA_STLS:
            s->stls_offered = true;
            break;
        case POP3_CAPA_SASL:
            s->sasl_offered = true;
            break;
        case POP3_CAPA_PIPELINING:
            s->pipelining_offered = true;
            break;
        case POP3_CAPA_OTHER:
        default:
            break;
        }
        break;
    case POP3_CMD_LIST:
    case POP3_CMD_UIDL:
        s->list_entries++;
        break;
    default:
        break;
    }
    b->head_len = 0;
    b->pos = POP3_BODY_AT_START;
}

/* Counts body bytes up to the end of the line; only the first
 * POP3_HEAD_SIZE are looked at. */
static size_t pop3_body_run(struct pop3_session *s, const uint8_t *p, size_t n)
{
    struct pop3_body *b = &s->body;
    size_t k = 0;
    size_t room = sizeof b->head - b->head_len;

    while (k < n && p[k] != '\r' && p[k] != '\n')
        k++;
    if (room > k)
        room = k;
    memcpy(b->head + b->head_len, p, room);
    b->head_len += room;
    b->octets += k;
    if (k == n)
        return n;
    b->octets++;
    pop3_body_line(s);
    if (p[k] == '\r') {
        s->framer[POP3_FROM_SERVER].skip_lf = true;
        s->framer[POP3_FROM_SERVER].skip_lf_body = true;
    }
    return k + 1;
}

/* RFC 1939 §3: a line of "." ends the body; any other leading "." is
 * stuffing and is not counted. */
static size_t pop3_body_after_dot(struct pop3_session *s, uint8_t c)
{
    if (c == '\r' || c == '\n') {
        pop3_body_end(s);
        s->framer[POP3_FROM_SERVER].skip_lf = c == '\r';
        s->framer[POP3_FROM_SERVER].skip_lf_body = false;
        return 1;
    }
    s->body.pos = s->body.after_gap ? POP3_BODY_SKIP : POP3_BODY_IN_LINE;
    return 0;
}

static bool pop3_body_is_listing(enum pop3_command_id cmd)
{
    return cmd == POP3_CMD_LIST || cmd == POP3_CMD_UIDL || cmd == POP3_CMD_CAPA || cmd == POP3_CMD_AUTH;
}

/* After a gap, a line that is exactly "." still ends the body (servers
 * often send it in a segment of its own, which a gap may leave whole);
 * anything else is dropped up to the next LF, being maybe a tail. */
static size_t pop3_body_at_start(struct pop3_session *s, uint8_t c)
{
    struct pop3_body *b = &s->body;

    b->head_len = 0;
    if (c == '.') {
        b->pos = POP3_BODY_AT_DOT;
        return 1;
    }
    if ((c == '+' || c == '-') && pop3_body_is_listing(b->cmd)) {
        /* A listing's lines start with a number or a keyword (RFC 1939
         * §5 LIST/UIDL, RFC 2449 §5 CAPA), never with a status: a server
         * that forgot the terminator has moved on to the next reply.
         * Ending here keeps the pipeline paired (zeek's
         * bad-list-retr-crafted capture). Message bodies (RETR, TOP) may
         * hold any line, so they never end early. */
        pop3_anomaly(s, ANOMALY_MISSING_TERMINATOR);
        pop3_body_end(s);
        return 0;
    }
    b->pos = b->after_gap ? POP3_BODY_SKIP : POP3_BODY_IN_LINE;
    return 0;
}

static size_t pop3_body_feed(struct pop3_session *s, const uint8_t *p, size_t n)
{
    struct pop3_body *b = &s->body;
    size_t i = 0;

    while (i < n && b->active && !s->framer[POP3_FROM_SERVER].skip_lf) {
        switch (b->pos) {
        case POP3_BODY_AT_START:
            i += pop3_body_at_start(s, p[i]);
            break;
        case POP3_BODY_AT_DOT:
            i += pop3_body_after_dot(s, p[i]);
            break;
        case POP3_BODY_SKIP:
            if (p[i++] == '\n') {
                b->pos = POP3_BODY_AT_START;
                b->after_gap = false;
            }
            break;
        case POP3_BODY_IN_LINE:
        default:
            i += pop3_body_run(s, p + i, n - i);
            break;
        }
    }
    return i;
}

/* ------------------------------------------------------------ replies */

static void pop3_greeting(struct pop3_session *s, const struct pop3_reply *reply)
{
    struct sasl_field stamp;

    POP3_STORE(&s->banner, reply->rest.data, reply->rest.len);
    if (reply->kind != POP3_REPLY_OK) {
        pop3_set_state(s, POP3_STATE_REFUSED);
        return;
    }
    if (sasl_greeting_timestamp(s->banner.data, s->banner.len, &stamp) && stamp.data != NULL) {
        s->apop_offset = (size_t)(stamp.data - s->banner.data);
        s->apop_len = stamp.len;
    }
    pop3_set_state(s, POP3_STATE_AUTHORIZATION);
}

/* A +OK to a command valid only in TRANSACTION proves the login happened
 * even when the capture missed it. */
static void pop3_learn_state(struct pop3_session *s, const struct pop3_command_info *info)
{
    if (s->state == POP3_STATE_AUTHORIZATION && info->states == POP3_IN_TRANS)
        pop3_set_state(s, POP3_STATE_TRANSACTION);
}

static void pop3_login(struct pop3_session *s, const struct pop3_attempt *a, const struct pop3_reply *reply)
{
    uint64_t messages, octets;
    bool octets_known;

    pop3_set_state(s, POP3_STATE_TRANSACTION);
    s->session_user = a->user;
    snprintf(s->auth_method, sizeof s->auth_method, "%s", a->method);
    if (pop3_reply_maildrop(reply->text, &messages, &octets, &octets_known)) {
        s->summary.maildrop_known = true;
        s->summary.maildrop_octets_known = octets_known;
        s->summary.maildrop_messages = messages;
        s->summary.maildrop_octets = octets;
    }
}

static void pop3_verdict(struct pop3_session *s, const struct pop3_pending *entry, const struct pop3_reply *reply)
{
    struct pop3_attempt *a = pop3_entry_attempt(s, entry);
    enum event_outcome outcome = OUTCOME_SUCCESS;

    if (a == NULL)
        return; /* a bare AUTH, or an attempt already reported unknown */
    if (reply->kind == POP3_REPLY_OK)
        pop3_login(s, a, reply);
    else
        outcome = a->aborted ? OUTCOME_ABORTED : OUTCOME_FAILURE;
    pop3_emit_attempt(s, a, outcome, reply);
}

/* -ERR to USER: the name was refused before any secret was sent. */
static void pop3_user_refused(struct pop3_session *s, const struct pop3_pending *entry, const struct pop3_reply *reply)
{
    struct event_auth auth;

    memset(&auth, 0, sizeof auth);
    auth.method = "USER";
    /* The name is known only if no later USER has replaced it. */
    if (entry->ref == s->user_seq)
        auth.user = POP3_BYTES(&s->user_sent);
    auth.outcome = OUTCOME_FAILURE;
    auth.exposure = EXPOSURE_NONE;
    pop3_emit_auth(s, &auth, reply);
}

/* RFC 1939 §6: QUIT in TRANSACTION commits the deletions. */
static void pop3_quit_reply(struct pop3_session *s)
{
    s->quit_ok = true;
    if (s->state != POP3_STATE_TRANSACTION)
        return;
    if (s->marked > 0) {
        s->summary.deletions_committed = true;
        s->summary.messages_deleted = s->marked;
    }
    pop3_set_state(s, POP3_STATE_UPDATE);
}

static void pop3_framer_reset(struct pop3_framer *f)
{
    f->len = 0;
    f->octets = 0;
    f->truncated = false;
    f->nul = false;
}

/* RFC 2595 §4: after +OK to STLS the next byte each way is TLS. */
static void pop3_start_tls(struct pop3_session *s)
{
    s->summary.tls = TLS_STLS;
    pop3_set_state(s, POP3_STATE_ENCRYPTED);
    pop3_framer_reset(&s->framer[POP3_FROM_CLIENT]);
    pop3_framer_reset(&s->framer[POP3_FROM_SERVER]);
}

static void pop3_transaction_reply(struct pop3_session *s, enum pop3_command_id id, const struct pop3_reply *reply)
{
    uint64_t messages, octets;

    switch (id) {
    case POP3_CMD_STAT:
        if (pop3_reply_stat(reply->text, &messages, &octets)) {
            s->summary.maildrop_known = true;
            s->summary.maildrop_octets_known = true;
            s->summary.maildrop_messages = messages;
            s->summary.maildrop_octets = octets;
        }
        break;
    case POP3_CMD_RETR:
        s->summary.retr_count++;
        break;
    case POP3_CMD_TOP:
        s->summary.top_count++;
        break;
    case POP3_CMD_DELE:
        s->summary.dele_count++;
        s->marked++;
        break;
    case POP3_CMD_RSET:
        s->marked = 0;
        break;
    default:
        break;
    }
}

static void pop3_reply_to(struct pop3_session *s, const struct pop3_pending *entry, const struct pop3_reply *reply)
{
    const struct pop3_command_info *info = pop3_command_info((enum pop3_command_id)entry->cmd);
    bool ok = reply->kind == POP3_REPLY_OK;

    if (ok)
        pop3_learn_state(s, info);
    switch (info->id) {
    case POP3_CMD_USER:
        if (!ok)
            pop3_user_refused(s, entry, reply);
        break;
    case POP3_CMD_PASS:
    case POP3_CMD_APOP:
    case POP3_CMD_AUTH:
        pop3_verdict(s, entry, reply);
        break;
    case POP3_CMD_QUIT:
        if (ok)
            pop3_quit_reply(s);
        break;
    case POP3_CMD_STLS:
        if (ok)
            pop3_start_tls(s);
        break;
    default:
        if (ok)
            pop3_transaction_reply(s, info->id, reply);
        break;
    }
    if (ok && pop3_command_has_body(info, entry->has_arg))
        pop3_body_begin(s, info->id);
}

static void pop3_status(struct pop3_session *s, const struct pop3_reply *reply)
{
    struct pop3_pending entry;

    if (pop3_dequeue(s, &entry))
        pop3_reply_to(s, &entry, reply);
    else if (s->pending_skipped > 0)
        s->pending_skipped--; /* answers a command the full ring only counted */
    else
        pop3_anomaly(s, ANOMALY_UNEXPECTED_RESPONSE);
}

static void pop3_server_line(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets)
{
    struct pop3_framer *f = &s->framer[POP3_FROM_SERVER];
    struct pop3_reply reply;

    pop3_reply_parse(line, len, &reply);
    if (reply.kind == POP3_REPLY_OTHER || (reply.kind == POP3_REPLY_CONTINUE && s->auth_active == 0)) {
        /* Garbage before a real reply must not pop a command. */
        if (!f->resync)
            pop3_anomaly(s, ANOMALY_JUNK_SERVER_LINE);
        return;
    }
    f->resync = false;
    if (reply.kind == POP3_REPLY_CONTINUE) {
        pop3_sasl_challenge(s, reply.text);
        return;
    }
    if (octets > POP3_RESPONSE_OCTETS_MAX)
        pop3_anomaly(s, ANOMALY_LINE_TOO_LONG);
    if (s->state == POP3_STATE_GREETING)
        pop3_greeting(s, &reply);
    else
        pop3_status(s, &reply);
}

/* ------------------------------------------------------------ framing */

static void pop3_line_done(struct pop3_session *s, enum pop3_direction dir)
{
    struct pop3_framer *f = &s->framer[dir];

    if (f->truncated)
        pop3_anomaly(s, ANOMALY_LINE_TOO_LONG);
    if (f->nul)
        pop3_anomaly(s, ANOMALY_NUL_IN_LINE);
    if (dir == POP3_FROM_CLIENT)
        pop3_client_line(s, f->buf, f->len, f->octets);
    else
        pop3_server_line(s, f->buf, f->len, f->octets);
    pop3_framer_reset(f);
}

/* Keeps the first max_line bytes of a line; the rest is only counted. */
static void pop3_frame_keep(struct pop3_session *s, struct pop3_framer *f, const uint8_t *p, size_t n)
{
    size_t room = s->limits.max_line - f->len;

    f->octets += n;
    if (n == 0)
        return;
    if (memchr(p, '\0', n) != NULL)
        f->nul = true;
    if (n > room)
        f->truncated = true;
    else
        room = n;
    memcpy(f->buf + f->len, p, room);
    f->len += room;
}

/* Consumes bytes until one line is complete (and handled) or the data ends. */
static size_t pop3_frame_feed(struct pop3_session *s, enum pop3_direction dir, const uint8_t *p, size_t n)
{
    struct pop3_framer *f = &s->framer[dir];
    size_t i = 0;

    while (i < n && p[i] != '\r' && p[i] != '\n')
        i++;
    pop3_frame_keep(s, f, p, i);
    if (i == n)
        return n;
    pop3_line_done(s, dir);
    if (p[i] == '\r') {
        f->skip_lf = true;
        f->skip_lf_body = false;
    }
    return i + 1;
}

/* The byte after a line-ending CR: LF completes CRLF; anything else is
 * left for the next line and the CR was bare. */
static size_t pop3_after_cr(struct pop3_session *s, enum pop3_direction dir, uint8_t c)
{
    struct pop3_framer *f = &s->framer[dir];

    f->skip_lf = false;
    if (c != '\n') {
        pop3_anomaly(s, ANOMALY_BARE_CR);
        return 0;
    }
    if (f->skip_lf_body && s->body.active)
        s->body.octets++;
    return 1;
}

/* ------------------------------------------------------------ public API */

static bool pop3_size_add(size_t *total, size_t count, size_t size)
{
    if (size != 0 && count > (SIZE_MAX - *total) / size)
        return false;
    *total += count * size;
    return true;
}

struct pop3_session *pop3_session_new(const struct pop3_limits *limits, const struct event_flow *flow,
                                      struct event_time start, event_sink_fn sink, void *sink_ctx)
{
    struct pop3_limits lim = { POP3_DEFAULT_MAX_LINE, POP3_DEFAULT_MAX_PENDING };
    size_t total = sizeof(struct pop3_session), scratch;
    struct pop3_session *s;
    uint8_t *bytes;

    if (limits != NULL)
        lim = *limits;
    lim.max_line = lim.max_line < POP3_LINE_MIN ? POP3_LINE_MIN : lim.max_line;
    lim.max_line = lim.max_line > POP3_LINE_MAX ? POP3_LINE_MAX : lim.max_line;
    lim.max_pending = lim.max_pending < 1 ? 1 : lim.max_pending;
    lim.max_pending = lim.max_pending > POP3_PENDING_MAX ? POP3_PENDING_MAX : lim.max_pending;
    scratch = (lim.max_line / 4 + 1) * 3; /* what sasl_base64_decode asks for */
    if (!pop3_size_add(&total, lim.max_pending, sizeof(struct pop3_pending)) ||
        !pop3_size_add(&total, 2, lim.max_line) || !pop3_size_add(&total, 1, scratch))
        return NULL;
    s = calloc(1, total);
    if (s == NULL)
        return NULL;
    s->limits = lim;
    if (flow != NULL)
        s->flow = *flow;
    s->sink = sink;
    s->sink_ctx = sink_ctx;
    s->now = start;
    s->summary.ts_start = start;
    s->state = POP3_STATE_GREETING;
    s->pending = (struct pop3_pending *)(void *)(s + 1);
    bytes = (uint8_t *)(s->pending + lim.max_pending);
    s->framer[POP3_FROM_CLIENT].buf = bytes;
    s->framer[POP3_FROM_SERVER].buf = bytes + lim.max_line;
    s->scratch = bytes + 2 * lim.max_line;
    s->scratch_size = scratch;
    return s;
}

static void pop3_count_bytes(struct pop3_session *s, enum pop3_direction dir, uint64_t len)
{
    if (dir == POP3_FROM_CLIENT)
        s->summary.client_bytes += len;
    else
        s->summary.server_bytes += len;
}

void pop3_session_feed(struct pop3_session *s, enum pop3_direction dir, const uint8_t *data, size_t len,
                       struct event_time ts)
{
    size_t pos = 0;

    if (s == NULL || s->ended || !pop3_direction_valid(dir) || (data == NULL && len > 0))
        return;
    s->now = ts;
    pop3_count_bytes(s, dir, len);
    while (pos < len && s->state != POP3_STATE_ENCRYPTED) {
        if (s->framer[dir].skip_lf) {
            pos += pop3_after_cr(s, dir, data[pos]);
            continue;
        }
        if (dir == POP3_FROM_CLIENT && s->quit_sent)
            pop3_anomaly(s, ANOMALY_CLIENT_DATA_AFTER_QUIT);
        if (dir == POP3_FROM_SERVER && s->body.active)
            pos += pop3_body_feed(s, data + pos, len - pos);
        else
            pos += pop3_frame_feed(s, dir, data + pos, len - pos);
    }
}

/* Outside a body the missing server bytes held (at least the start of) the
 * oldest pending reply: that reply is lost, and a login waiting for it is
 * reported unknown now. */
static void pop3_server_gap(struct pop3_session *s)
{
    struct pop3_pending entry;

    if (s->state == POP3_STATE_GREETING) {
        pop3_set_state(s, POP3_STATE_AUTHORIZATION);
        return;
    }
    if (pop3_dequeue(s, &entry))
        pop3_reply_lost(s, &entry);
    else if (s->pending_skipped > 0)
        s->pending_skipped--;
}

void pop3_session_gap(struct pop3_session *s, enum pop3_direction dir, uint64_t missing, struct event_time ts)
{
    struct pop3_framer *f;

    if (s == NULL || s->ended || !pop3_direction_valid(dir))
        return;
    s->now = ts;
    s->summary.gap_bytes += missing;
    pop3_anomaly(s, ANOMALY_GAP);
    if (s->state == POP3_STATE_ENCRYPTED)
        return;
    f = &s->framer[dir];
    f->skip_lf = false;
    if (dir == POP3_FROM_SERVER && s->body.active) {
        /* Only body bytes are lost: stay in the body, find its ".". */
        s->body.pos = POP3_BODY_AT_START;
        s->body.after_gap = true;
        return;
    }
    pop3_framer_reset(f);
    f->resync = true;
    if (dir == POP3_FROM_SERVER)
        pop3_server_gap(s);
}

void pop3_session_set_implicit_tls(struct pop3_session *s)
{
    if (s == NULL)
        return;
    s->summary.tls = TLS_IMPLICIT;
    pop3_set_state(s, POP3_STATE_ENCRYPTED);
}

void pop3_session_note_anomaly(struct pop3_session *s, enum event_anomaly anomaly)
{
    if (s != NULL)
        pop3_anomaly(s, anomaly);
}

int pop3_session_is_encrypted(const struct pop3_session *s)
{
    return s != NULL && s->state == POP3_STATE_ENCRYPTED;
}

void pop3_session_count(struct pop3_session *s, enum pop3_direction dir, uint64_t len, struct event_time ts)
{
    if (s == NULL || s->ended || !pop3_direction_valid(dir))
        return;
    s->now = ts;
    pop3_count_bytes(s, dir, len);
}

static void pop3_emit_session(struct pop3_session *s, enum event_end how)
{
    struct event ev;
    struct event_session *e = &ev.u.session;

    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_SESSION;
    *e = s->summary;
    e->ts_end = s->now;
    e->flow = &s->flow;
    e->banner = POP3_BYTES(&s->banner);
    if (s->apop_len > 0)
        e->apop_timestamp = pop3_bytes(s->banner.data + s->apop_offset, s->apop_len, true);
    e->user = POP3_BYTES(&s->session_user);
    e->auth_method = s->auth_method[0] != '\0' ? s->auth_method : NULL;
    e->end = (how == END_FIN && s->quit_ok) ? END_QUIT : how;
    if (s->sink != NULL)
        s->sink(s->sink_ctx, &ev);
}

void pop3_session_end(struct pop3_session *s, enum event_end how, struct event_time ts)
{
    struct pop3_attempt *a;

    if (s == NULL || s->ended)
        return;
    s->now = ts;
    /* A line with no terminator is dropped: it may be cut anywhere. */
    if (s->body.active) {
        pop3_anomaly(s, ANOMALY_MISSING_TERMINATOR);
        pop3_body_end(s);
    }
    /* Bounded by the slots: each report frees one. */
    for (size_t i = 0; i < POP3_ATTEMPT_SLOTS && (a = pop3_attempt_oldest(s)) != NULL; i++)
        pop3_emit_attempt(s, a, OUTCOME_UNKNOWN, NULL);
    pop3_emit_session(s, how);
    s->ended = true;
}

void pop3_session_free(struct pop3_session *s)
{
    free(s);
}
