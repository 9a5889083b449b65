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

#include "body_skim.h"
#include "pop3_command.h"
#include "pop3_mem.h"
#include "pop3_reply.h"
#include "sasl.h"
#include "sasl_crack.h"
#include "sslproxy.h"

/* RFC 2449 §4: a command is at most 255 octets, the first line of a
 * response at most 512, CRLF included; compared here without the CRLF so
 * that a CR-ended line is judged the same whatever follows it. */
#define POP3_COMMAND_OCTETS_MAX (255 - 2)
#define POP3_RESPONSE_OCTETS_MAX (512 - 2)

/* Fixed per-session storage. Names and challenges come from lines that
 * RFC 2449 §4 keeps near these sizes. A secret can be longer: a bearer
 * token (a JWT is often 1-2 KiB) or an NTLMv2 response written as hex; one
 * that does not fit is kept truncated and flagged. */
#define POP3_FIELD_SIZE 512
#define POP3_SECRET_SIZE 2048
#define POP3_METHOD_SIZE 32
/* Enough of a listing line (CAPA, LIST, UIDL) for what the summary reads:
 * a capability with its arguments, a message number and size. RFC 2449 §4
 * allows 512 octets; the rest of a longer line is only counted. */
#define POP3_HEAD_SIZE 256
#define POP3_ATTEMPT_SLOTS 4 /* logins waiting for a verdict (pipelined PASS) */
/* RFC 4422 §3.7: after a mechanism negotiates a security layer, every byte
 * is a 4-byte big-endian length and a wrapped buffer. Buffers are far below
 * 16 MiB, so the first byte is 0, which no POP3 command starts with. */
#define POP3_SASL_LAYER_FIRST_BYTE 0x00
/* Room for SASL fields that must be rewritten (escapes, UTF-16 names, NTLM
 * hex): every field we keep fits with room to spare; a longer one comes back
 * absent rather than overflowing. Once an attempt's fields are copied out,
 * the same bytes hold its hashcat/John line while the event is emitted. */
#define POP3_SASL_SCRATCH 4096
/* Client lines that wait for the server to say whether they answer a SASL
 * prompt or are pipelined commands (pop3_hold_put). Commands are at most
 * 255 octets (RFC 2449 §4); a longer line that does not fit is judged by
 * its look, which is reliable for long lines (no command is long base64). */
#define POP3_HOLD_SIZE 1024
#define POP3_HOLD_HEADER 6 /* per line: 2-byte length, 4-byte octets */

/* Smallest buffers that still hold a status word and a short argument;
 * largest that a configuration typo cannot turn into an allocation storm. */
#define POP3_LINE_MIN 64
#define POP3_LINE_MAX ((size_t)1 << 24)
#define POP3_PENDING_MAX ((size_t)1 << 20)

struct pop3_field {
    size_t len;
    bool present;
    bool cut; /* longer on the wire than what is kept */
    uint8_t data[POP3_FIELD_SIZE];
};

struct pop3_secret {
    size_t len;
    bool present;
    bool cut;
    uint8_t data[POP3_SECRET_SIZE];
};

/* An NTLM LM response is 24 bytes (MS-NLMP 2.2.2.3, 2.2.2.4): 48 in hex. */
struct pop3_lm_field {
    size_t len;
    bool present;
    bool cut;
    uint8_t data[64];
};

/* One login that has not had its verdict yet. */
struct pop3_attempt {
    uint32_t id; /* 0: free slot */
    struct event_frame_ref command; /* evidence: the opening command's frame */
    char method[POP3_METHOD_SIZE];
    struct pop3_field user;
    struct pop3_field authzid;
    struct pop3_secret secret;
    struct pop3_field challenge; /* last decoded server challenge (CRAM-MD5) */
    struct pop3_field realm; /* DIGEST-MD5 realm, NTLM domain */
    struct pop3_lm_field lm_response; /* NTLM, hex (for the NetNTLM line) */
    uint8_t ntlm_challenge[8]; /* MS-NLMP 2.2.1.2 ServerChallenge */
    bool ntlm_challenge_seen;
    enum event_exposure exposure;
    unsigned sasl_step; /* client messages so far, initial response included */
    bool aborted; /* the client sent "*" (RFC 5034 §4) */
    /* Client bytes of the exchange were lost: which message a later line
     * is (LOGIN: user or password?) is unknown, so none is decoded. */
    bool sasl_lost;
    /* Server bytes were lost mid-exchange: a challenge, or the verdict.
     * The client's next line tells (a command means the verdict). */
    bool verdict_in_doubt;
    bool security_layer; /* DIGEST-MD5 qop=auth-int/auth-conf */
    bool overlap_conflict; /* see pop3_note_overlap_conflict */
    bool prompt_fresh; /* challenge holds the prompt the next answer is to */
};

/* A queued command: enough to pair its reply and decide on a body. */
struct pop3_pending {
    uint32_t ref; /* attempt id (PASS, APOP, AUTH) or USER sequence number */
    uint8_t cmd; /* enum pop3_command_id */
    bool has_arg;
};

/* Line assembly for one direction, as servers frame lines: an LF ends a
 * line and one CR right before it is dropped (RFC 1939 §3 says CRLF;
 * dovecot's i_stream_next_line, like most servers, reads to LF). A CR
 * followed by anything else is a byte of the line (bare_cr): dovecot takes
 * "NOOP\rNOOP\r\n" as one unknown command and answers once, so splitting
 * there would pair every later reply with the wrong command. */
struct pop3_framer {
    uint8_t *buf; /* limits.max_line bytes */
    size_t len; /* bytes kept of the current line */
    uint64_t octets; /* the current line as sent, terminator excluded */
    bool truncated;
    bool nul;
    /* After a gap the first bytes may be the tail of a broken line or a
     * whole new one: lines are skipped until one is plainly POP3. */
    bool resync;
    /* The data so far ended with a CR: a CRLF's if an LF comes next, else
     * a bare one. Outside a body it is not in buf yet; in a body it is
     * counted already. */
    bool cr_pending;
};

enum pop3_body_pos {
    POP3_BODY_AT_START,
    POP3_BODY_AT_DOT, /* a line began with "." */
    POP3_BODY_AT_DOT_CR, /* ... then a CR: the terminator if LF follows */
    POP3_BODY_IN_LINE,
    POP3_BODY_SKIP, /* after a gap: drop bytes up to the next LF */
};

/* A multi-line reply in progress: counted, never stored. Lines of a
 * listing (CAPA, LIST, UIDL) are looked at through their first bytes. */
struct pop3_body {
    bool active;
    bool after_gap; /* the next line may be the tail of a broken one */
    bool damaged; /* a gap hit it or it ended without its "." */
    enum pop3_command_id cmd;
    enum pop3_body_pos pos;
    size_t head_len;
    bool head_cut; /* the line was longer than head */
    uint64_t octets; /* un-stuffed bytes, line terminators included */
    /* Bytes on the wire since the status line (stuffing, terminator and
     * gaps included), and the size "+OK N octets" announced (RFC 1939 §7
     * RETR example; dovecot always sends it): after a cut, the body cannot
     * have ended before N + 3 bytes (".\r\n"). */
    uint64_t wire;
    uint64_t announced;
    bool announced_known;
    uint8_t head[POP3_HEAD_SIZE];
};

/* Where the maildrop size came from; a better source replaces a worse one
 * (RFC 1939 §5: STAT is the drop listing and a full LIST gives every size;
 * a login reply is free text that may or may not give the size; a UIDL
 * listing gives only the count). */
enum pop3_maildrop_source {
    POP3_MAILDROP_NONE,
    POP3_MAILDROP_UIDL,
    POP3_MAILDROP_LOGIN,
    POP3_MAILDROP_LIST,
    POP3_MAILDROP_STAT,
};

/* A full LIST or UIDL reply being summed (RFC 1939 §5 scan listings). */
struct pop3_listing {
    uint64_t messages;
    uint64_t octets;
    bool valid; /* every line so far was "msg SP size" (or "msg SP uid") */
};

struct pop3_session {
    struct pop3_session_head pub; /* first: pop3.h reads it through a cast */
    struct pop3_pool *pool; /* where pop3_session_free returns it, or NULL */
    size_t alloc_size; /* the struct and its buffers, one allocation */
    struct pop3_limits limits;
    struct event_flow flow;
    event_sink_fn sink;
    void *sink_ctx;
    struct event_time now;
    struct event_frame_ref where; /* pop3_session_set_frame: evidence only */
    struct event_session summary; /* counters; pointers are set at the end */
    enum pop3_state state;
    bool ended;
    bool quit_sent;
    bool quit_ok;
    bool stls_offered; /* CAPA listed STLS, or the greeting said so */
    bool clear_login; /* a login command crossed before any TLS */
    bool layer_check; /* an AUTH just succeeded: is a security layer on? */
    /* The line being handled was cut by the capture (snaplen): only whole
     * words of its visible part are read; a response code may be unseen;
     * a command argument is only its visible start. */
    bool reply_cut;
    bool reply_code_unseen;
    bool command_cut;
    uint64_t marked; /* DELE +OK since the last RSET */
    enum pop3_maildrop_source maildrop_source;
    struct pop3_listing listing;
    struct pop3_field sasl_mechanisms; /* CAPA "SASL" arguments */
    struct pop3_field implementation; /* CAPA "IMPLEMENTATION" text */
    struct pop3_framer framer[2];
    struct pop3_body body;
    struct pop3_pending *pending; /* ring of limits.max_pending */
    size_t pending_head;
    size_t pending_count;
    uint64_t pending_skipped; /* commands sent while the ring was full */
    uint8_t *scratch; /* base64 output */
    size_t scratch_size;
    /* Both live after the struct with the other buffers and are not
     * zeroed at creation (most sessions never use most of them): a slot is
     * free while its id is 0 and is cleared when taken; the scratch is
     * always written before it is read. */
    uint8_t *sasl_scratch; /* POP3_SASL_SCRATCH bytes */
    struct pop3_attempt *attempts; /* POP3_ATTEMPT_SLOTS */
    uint32_t next_attempt_id;
    uint32_t auth_active; /* the AUTH whose exchange owns client lines */
    /* RFC 5034 §4: each "+ " prompt takes exactly the client's next line
     * as its answer; what the client sends beyond its answers while the
     * exchange is open (a PIPELINING client queues its commands behind
     * AUTH, RFC 2449 §6.6) waits in `hold` for the server's next line: a
     * prompt takes the oldest held line, the verdict makes them all
     * commands. Dovecot 2.3 answers pipelined input exactly so. */
    unsigned prompts; /* prompts seen that no client line answered yet */
    uint8_t *hold; /* POP3_HOLD_SIZE bytes: [len:2][octets:4][bytes]... */
    size_t hold_used;
    size_t hold_count;
    bool overlap_conflict_pending; /* for the next attempt to begin */
    /* A client gap lost an unknown number of commands, whose replies come
     * before those of the commands queued after it: until a reply arrives
     * that pairs with nothing (the lost commands' answers are through),
     * logins queued after the gap cannot be paired with their verdict.
     * gap_trusted counts the commands queued before the gap. */
    bool client_gap_doubt;
    size_t gap_trusted;
    struct pop3_field user_sent; /* argument of the last USER */
    struct event_frame_ref user_where; /* evidence: the frame of that USER */
    uint32_t user_seq;
    struct pop3_field banner;
    size_t apop_offset; /* the APOP timestamp inside banner */
    size_t apop_len;
    struct pop3_field session_user;
    char auth_method[POP3_METHOD_SIZE];
    char resp_code[POP3_CODE_MAX + 1];
    /* SSLproxy header line (pop3_proxy_line): allowed by the analyzer only
     * on a flow classify recognised through it; held until the server's
     * first status shows whether anyone stripped it. */
    bool proxy_allowed;
    bool client_spoke;
    uint8_t proxy_state; /* enum pop3_proxy_state */
    struct event_proxy proxy_seen;
};

enum pop3_proxy_state { POP3_PROXY_NONE, POP3_PROXY_PENDING, POP3_PROXY_CONFIRMED, POP3_PROXY_REFUSED };

static void pop3_server_line(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets);
static void pop3_client_line(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets);
static bool pop3_dequeue(struct pop3_session *s, struct pop3_pending *out);
static bool pop3_head_is_auth(const struct pop3_session *s, uint32_t attempt_id);
static void pop3_body_end(struct pop3_session *s);

/* ------------------------------------------------------------ small helpers */

static void pop3_set_state(struct pop3_session *s, enum pop3_state state)
{
    /* Nothing after STLS or on POP3S can be read, so nothing leaves it. */
    if (s->state != POP3_STATE_ENCRYPTED)
        s->state = state;
    s->pub.encrypted = s->state == POP3_STATE_ENCRYPTED;
}

static void pop3_anomaly(struct pop3_session *s, enum event_anomaly anomaly)
{
    if ((unsigned)anomaly < ANOMALY_COUNT)
        s->summary.anomalies |= (uint64_t)1 << anomaly;
}

static void pop3_framer_reset(struct pop3_framer *f)
{
    f->len = 0;
    f->octets = 0;
    f->truncated = false;
    f->nul = false;
}

static bool pop3_direction_valid(enum pop3_direction dir)
{
    return dir == POP3_FROM_CLIENT || dir == POP3_FROM_SERVER;
}

/* Fields have fixed room so a session's memory is bounded; a value cut to
 * fit is reported (field_truncated) rather than passed off as whole. */
static void pop3_store(struct pop3_session *s, uint8_t *dst, size_t cap, size_t *len, bool *present, bool *cut,
                       const uint8_t *src, size_t n)
{
    *present = src != NULL;
    *cut = false;
    *len = 0;
    if (src == NULL)
        return;
    *len = n < cap ? n : cap;
    if (n > cap) {
        *cut = true;
        pop3_anomaly(s, ANOMALY_FIELD_TRUNCATED);
    }
    if (*len > 0)
        memcpy(dst, src, *len);
}

#define POP3_STORE(field, src, n) \
    pop3_store(s, (field)->data, sizeof(field)->data, &(field)->len, &(field)->present, &(field)->cut, (src), (n))
#define POP3_BYTES(field) pop3_bytes((field)->data, (field)->len, (field)->present)

static struct bytes pop3_bytes(const uint8_t *data, size_t len, bool present)
{
    struct bytes b = { present ? data : NULL, present ? len : 0 };

    return b;
}

/* Of a line the capture cut, the text up to its last visible space: a
 * number or word running into the cut may be longer on the wire. */
static struct bytes pop3_whole_words(const struct pop3_session *s, struct bytes text)
{
    if (!s->reply_cut || text.data == NULL)
        return text;
    while (text.len > 0 && text.data[text.len - 1] != ' ')
        text.len--;
    if (text.len > 0)
        text.len--;
    return text;
}

/* A field taken from the visible start of a cut line. */
static void pop3_mark_cut(struct pop3_session *s, bool *cut, bool present)
{
    if (!present)
        return;
    *cut = true;
    pop3_anomaly(s, ANOMALY_FIELD_TRUNCATED);
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

static const char *pop3_code_text(struct pop3_session *s, struct bytes code)
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
    if (reply != NULL) {
        auth->reply_file = s->where.file;
        auth->reply_frame = s->where.number;
    }
    if (auth->command_frame == 0)
        auth->capture_file = auth->reply_file;
    auth->attempt = ++s->summary.auth_attempts;
    if (auth->outcome == OUTCOME_FAILURE)
        s->summary.auth_failures++;
    if (reply != NULL) {
        auth->response = reply->text;
        auth->resp_code = pop3_code_text(s, reply->code);
        if (s->reply_cut && reply->text.len > 0)
            pop3_anomaly(s, ANOMALY_FIELD_TRUNCATED); /* only its start is known */
    }
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_AUTH;
    ev.u.auth = *auth;
    if (s->sink != NULL)
        s->sink(s->sink_ctx, &ev);
}

/* What the verdict says about the credentials. RFC 2449 §8.1.2: [IN-USE]
 * comes once they were accepted, the maildrop being locked by another
 * session. RFC 3206 §4: [AUTH] blames the credentials, [SYS/TEMP] and
 * [SYS/PERM] the server; RFC 2449 §8.1.1 [LOGIN-DELAY] only the timing. A
 * bare -ERR blames the credentials when they were all sent (`complete`),
 * except from a server that lists AUTH-RESP-CODE: it promises [AUTH] on
 * every credentials failure (RFC 3206 §5), so a bare -ERR is about
 * something else. */
static enum event_tristate pop3_credentials_valid(const struct pop3_session *s, enum event_outcome outcome,
                                                  bool complete, const struct pop3_reply *reply)
{
    if (outcome == OUTCOME_SUCCESS)
        return TRISTATE_YES;
    if (outcome != OUTCOME_FAILURE || reply == NULL || s->reply_code_unseen)
        return TRISTATE_UNKNOWN;
    if (pop3_reply_code_is(reply->code, "IN-USE"))
        return TRISTATE_YES;
    if (pop3_reply_code_is(reply->code, "AUTH"))
        return TRISTATE_NO;
    if (reply->code.data != NULL || (s->summary.capabilities & ((uint32_t)1 << CAPA_AUTH_RESP_CODE)) != 0)
        return TRISTATE_UNKNOWN;
    return complete ? TRISTATE_NO : TRISTATE_UNKNOWN;
}

static struct bytes pop3_sasl_field(const struct pop3_field *f)
{
    struct bytes out = { f->present ? f->data : NULL, f->present ? f->len : 0 };

    return out;
}

static struct sasl_crack_part pop3_crack_part(const uint8_t *data, size_t len, bool present, bool cut)
{
    struct sasl_crack_part part = { { present ? data : NULL, present ? len : 0 }, cut };

    return part;
}

#define POP3_CRACK_PART(field) pop3_crack_part((field)->data, (field)->len, (field)->present, (field)->cut)

/* The hashcat/John line of an attempt (sasl_crack_line says which parts
 * each method needs). Every field of the attempt is in its own storage by
 * now (SASL decoding copies them out of sasl_scratch), so the scratch is
 * free to hold the line until the sink has seen the event. */
static struct bytes pop3_crack(struct pop3_session *s, const struct pop3_attempt *a)
{
    struct bytes out = { NULL, 0 };
    struct sasl_crack_attempt in;
    size_t n;

    memset(&in, 0, sizeof in);
    in.method = a->method;
    in.user = POP3_CRACK_PART(&a->user);
    in.secret = POP3_CRACK_PART(&a->secret);
    in.apop_timestamp = pop3_crack_part(s->banner.data + s->apop_offset, s->apop_len, s->apop_len > 0, s->banner.cut);
    in.challenge = POP3_CRACK_PART(&a->challenge);
    in.realm = POP3_CRACK_PART(&a->realm);
    in.lm_response = POP3_CRACK_PART(&a->lm_response);
    in.ntlm_challenge = a->ntlm_challenge_seen ? a->ntlm_challenge : NULL;
    n = sasl_crack_line(&in, (char *)s->sasl_scratch, POP3_SASL_SCRATCH);
    if (n > 0) {
        out.data = s->sasl_scratch;
        out.len = n;
    }
    return out;
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
    /* Judged on the original wire: inside TLS it showed nothing. */
    if (s->flow.proxy.present && s->flow.proxy.tls)
        auth.exposure = EXPOSURE_NONE;
    auth.password = POP3_BYTES(&a->secret);
    auth.realm = POP3_BYTES(&a->realm);
    auth.credentials_valid = pop3_credentials_valid(s, outcome, a->secret.present, reply);
    auth.crack = pop3_crack(s, a);
    auth.overlap_conflict = a->overlap_conflict;
    auth.capture_file = a->command.file;
    auth.command_frame = a->command.number;
    pop3_emit_auth(s, &auth, reply);
    s->overlap_conflict_pending = false;
    if (s->auth_active == a->id) {
        s->auth_active = 0;
        s->prompts = 0;
    }
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
    a->overlap_conflict = s->overlap_conflict_pending;
    a->command = s->where;
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
    /* A possible secret (sasl.h) never replaces a secret already taken:
     * a client-only capture's next command can read as base64. */
    if (r.secret.data != NULL && !(r.secret_possible && a->secret.present))
        POP3_STORE(&a->secret, r.secret.data, r.secret.len);
    if (r.realm.data != NULL)
        POP3_STORE(&a->realm, r.realm.data, r.realm.len);
    if (r.lm_response.data != NULL)
        POP3_STORE(&a->lm_response, r.lm_response.data, r.lm_response.len);
    a->security_layer = a->security_layer || r.security_layer;
    if (pop3_exposure_rank(r.exposure) > pop3_exposure_rank(a->exposure))
        a->exposure = r.exposure;
    if (r.truncated)
        pop3_anomaly(s, ANOMALY_FIELD_TRUNCATED);
}

static void pop3_sasl_merge(struct pop3_session *s, struct pop3_attempt *a, const uint8_t *msg, size_t len)
{
    struct sasl_result r;

    struct bytes prompt = pop3_sasl_field(&a->challenge);

    memset(&r, 0, sizeof r);
    /* LOGIN reads the prompt this message answers (sasl.h); a prompt
     * answered once, or one not seen, is not used again. */
    sasl_decode_response(a->method, a->sasl_step, a->prompt_fresh && !a->challenge.cut ? &prompt : NULL, msg, len,
                         s->sasl_scratch, POP3_SASL_SCRATCH, &r);
    a->prompt_fresh = false;
    a->sasl_step++;
    pop3_attempt_merge(s, a, &r);
}

static void pop3_sasl_step(struct pop3_session *s, struct pop3_attempt *a, const uint8_t *b64, size_t len)
{
    size_t n = 0;

    if (a->sasl_lost) {
        /* The exposure stays what was seen before the loss. */
        a->sasl_step++;
        return;
    }
    if (len > s->limits.max_line || !sasl_base64_decode(b64, len, s->scratch, s->scratch_size, &n)) {
        struct sasl_result r;

        /* Maybe a password's base64 with junk after it: the whole answer
         * is kept as a possible secret (sasl_undecodable_response). */
        pop3_anomaly(s, ANOMALY_BAD_BASE64);
        sasl_undecodable_response(a->method, b64, len, &r);
        pop3_attempt_merge(s, a, &r);
        a->prompt_fresh = false;
        a->sasl_step++;
        return;
    }
    pop3_sasl_merge(s, a, s->scratch, n);
}

/* RFC 5034 §4: every client response is base64 (or "*"). A known command
 * that is not base64 ("USER carol" has a space) shows the client took the
 * exchange as over, its verdict unseen (one direction captured). After lost
 * server bytes, which may have held that verdict, any known command ends
 * it, even one that reads as base64 ("LIST"): a response decoding from
 * exactly a command keyword is far less likely than a lost verdict. */
static bool pop3_sasl_ended_by(struct pop3_session *s, const struct pop3_attempt *a, const uint8_t *line,
                               size_t len)
{
    struct pop3_command_line cmd;
    size_t n = 0;

    pop3_command_parse(line, len, &cmd);
    if (cmd.info->id == POP3_CMD_UNKNOWN)
        return false;
    if (a->verdict_in_doubt)
        return true;
    return len > s->limits.max_line || !sasl_base64_decode(line, len, s->scratch, s->scratch_size, &n);
}

/* The exchange is over on the client's side; its AUTH still waits in the
 * queue for the verdict, unless lost server bytes held it. */
static void pop3_sasl_end(struct pop3_session *s, struct pop3_attempt *a)
{
    struct pop3_pending entry;

    s->auth_active = 0;
    if (a->verdict_in_doubt && pop3_head_is_auth(s, a->id) && pop3_dequeue(s, &entry))
        pop3_reply_lost(s, &entry);
}

/* A client line known to answer a prompt (RFC 5034 §4): base64 or "*". */
static void pop3_sasl_answer(struct pop3_session *s, struct pop3_attempt *a, const uint8_t *line, size_t len)
{
    if (s->prompts > 0)
        s->prompts--;
    a->verdict_in_doubt = false; /* the client answered a challenge */
    if (len == 1 && line[0] == '*') {
        /* The server must answer -ERR; for the client the exchange ends
         * here, so its next line is a command whether or not that -ERR is
         * ever seen. */
        a->aborted = true;
        s->auth_active = 0;
        s->prompts = 0;
        return;
    }
    pop3_sasl_step(s, a, line, len);
}

/* A client line of an open AUTH exchange judged by its look, when the
 * server's side cannot tell (one direction captured, bytes lost). False
 * when the exchange turns out to be over: the line is then a command. */
static bool pop3_sasl_response(struct pop3_session *s, const uint8_t *line, size_t len)
{
    struct pop3_attempt *a = pop3_attempt_find(s, s->auth_active);

    if (a == NULL) {
        s->auth_active = 0;
        return true;
    }
    if (!(len == 1 && line[0] == '*') && pop3_sasl_ended_by(s, a, line, len)) {
        pop3_sasl_end(s, a);
        return false;
    }
    pop3_sasl_answer(s, a, line, len);
    return true;
}

/* "+ text": kept decoded when it is base64; garbage is tolerated (RFC 5034
 * §4 allows an empty challenge, and LOGIN servers send any prompt). */
static void pop3_sasl_challenge(struct pop3_session *s, struct bytes text)
{
    struct pop3_attempt *a = pop3_attempt_find(s, s->auth_active);
    size_t n = 0;

    if (a == NULL)
        return;
    a->verdict_in_doubt = false; /* the lost bytes held a challenge */
    if (text.data != NULL && text.len <= s->limits.max_line &&
        sasl_base64_decode(text.data, text.len, s->scratch, s->scratch_size, &n)) {
        POP3_STORE(&a->challenge, s->scratch, n);
        a->prompt_fresh = true;
        if (sasl_ntlm_server_challenge(s->scratch, n, a->ntlm_challenge))
            a->ntlm_challenge_seen = true;
    } else {
        a->challenge.present = false;
        a->prompt_fresh = false;
    }
}

/* ------------------------------------------------------------ commands */

static uint32_t pop3_begin_pass(struct pop3_session *s, struct bytes pass)
{
    struct pop3_attempt *a = pop3_attempt_new(s, "USER");

    if (s->user_sent.present) {
        POP3_STORE(&a->user, s->user_sent.data, s->user_sent.len);
        a->user.cut = a->user.cut || s->user_sent.cut;
        a->command = s->user_where; /* USER opened it, PASS completes it */
    }
    if (pass.data != NULL) {
        POP3_STORE(&a->secret, pass.data, pass.len);
        a->exposure = EXPOSURE_CLEARTEXT;
        if (s->command_cut)
            pop3_mark_cut(s, &a->secret.cut, true);
    }
    return a->id;
}

/* RFC 1939 §7: APOP name digest. A malformed digest still crossed the
 * wire, so whatever could be parsed is kept. */
static uint32_t pop3_begin_apop(struct pop3_session *s, struct bytes arg)
{
    struct pop3_attempt *a = pop3_attempt_new(s, "APOP");
    struct sasl_result r;

    if (s->command_cut) {
        /* Cut in the digest: an APOP attempt by that user, the digest
         * only begun (no crack line); cut in the name: only its start. */
        struct bytes name = pop3_command_word(arg, 0), digest = pop3_command_word(arg, 1);

        if (name.data != NULL)
            POP3_STORE(&a->user, name.data, name.len);
        if (digest.data == NULL) {
            pop3_mark_cut(s, &a->user.cut, a->user.present);
            return a->id;
        }
        POP3_STORE(&a->secret, digest.data, digest.len);
        pop3_mark_cut(s, &a->secret.cut, true);
        a->exposure = EXPOSURE_HASH;
        return a->id;
    }
    memset(&r, 0, sizeof r);
    (void)sasl_apop_parse(arg.data, arg.len, &r);
    if (r.secret.data == NULL)
        r.exposure = EXPOSURE_NONE;
    pop3_attempt_merge(s, a, &r);
    return a->id;
}

/* RFC 5034 §4: AUTH mechanism [initial-response]. */
static uint32_t pop3_begin_auth(struct pop3_session *s, struct bytes arg)
{
    struct bytes mech = pop3_command_word(arg, 0);
    struct bytes initial = pop3_command_word(arg, 1);
    char method[POP3_METHOD_SIZE];
    struct pop3_attempt *a;

    sasl_mechanism_name(mech.data, mech.len, method, sizeof method);
    a = pop3_attempt_new(s, method);
    s->auth_active = a->id;
    s->prompts = 0;
    if (initial.data == NULL)
        return a->id;
    if (s->command_cut) {
        /* Part of a base64 message decodes to a part of its fields, which
         * could pass for whole ones: not decoded. */
        a->sasl_step++;
        pop3_anomaly(s, ANOMALY_FIELD_TRUNCATED);
        return a->id;
    }
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
        s->user_where = s->where;
        if (s->command_cut)
            pop3_mark_cut(s, &s->user_sent.cut, s->user_sent.present);
        return ++s->user_seq;
    case POP3_CMD_PASS:
        s->clear_login = true;
        return pop3_begin_pass(s, cmd->arg);
    case POP3_CMD_APOP:
        s->clear_login = true;
        return pop3_begin_apop(s, cmd->arg);
    case POP3_CMD_AUTH:
        if (!cmd->has_arg)
            return 0; /* a bare AUTH only asks for the mechanism list */
        s->clear_login = true;
        /* The mechanism's name is whole only if a space follows it. */
        if (s->command_cut && pop3_command_word(cmd->arg, 1).data == NULL)
            return 0;
        return pop3_begin_auth(s, cmd->arg);
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
    if (s->gap_trusted > 0)
        s->gap_trusted--;
    return true;
}

/* Whether the oldest queued command is the AUTH of that attempt. */
static bool pop3_head_is_auth(const struct pop3_session *s, uint32_t attempt_id)
{
    const struct pop3_pending *head = &s->pending[s->pending_head];

    return s->pending_count > 0 && head->cmd == POP3_CMD_AUTH && head->ref == attempt_id;
}

/* The SSLproxy header (src/sslproxy.h), honoured only as the very first
 * client line of a flow the analyzer allowed it on, strictly parsed, and
 * with no client bytes lost before it. It is held aside, not queued: the
 * server's first status settles it (pop3_proxy_settle). */
static bool pop3_proxy_line(struct pop3_session *s, const uint8_t *line, size_t len)
{
    bool first = !s->client_spoke;

    s->client_spoke = true;
    if (!first || !s->proxy_allowed || s->framer[POP3_FROM_CLIENT].resync ||
        !sslproxy_header_parse(line, len, &s->proxy_seen))
        return false;
    s->proxy_state = POP3_PROXY_PENDING;
    return true;
}

/* The server's first status after the header. -ERR: the server answered
 * the header as a command, so nobody stripped it and it was only a client
 * line (an ordinary client cannot make itself a proxy record); the status
 * is its reply. +OK or a "+ " challenge: the header never reached the
 * server; the original endpoints go on the session's events. */
static void pop3_proxy_refuse(struct pop3_session *s)
{
    s->proxy_state = POP3_PROXY_REFUSED;
    s->summary.commands++;
    pop3_anomaly(s, ANOMALY_UNKNOWN_COMMAND);
}

static bool pop3_proxy_settle(struct pop3_session *s, const struct pop3_reply *reply)
{
    if (s->proxy_state != POP3_PROXY_PENDING || s->state == POP3_STATE_GREETING)
        return false;
    if (reply->kind == POP3_REPLY_ERR) {
        pop3_proxy_refuse(s);
        return true;
    }
    s->proxy_state = POP3_PROXY_CONFIRMED;
    s->flow.proxy = s->proxy_seen;
    return false;
}

/* A client line taken as a command. */
static void pop3_command(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets)
{
    struct pop3_framer *f = &s->framer[POP3_FROM_CLIENT];
    struct pop3_command_line cmd;

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
    /* "LIST " cut after the space: an argument followed (no body). */
    if (s->command_cut && cmd.info->arg != POP3_ARG_NONE)
        cmd.has_arg = true;
    pop3_enqueue(s, cmd.info->id, cmd.has_arg, pop3_command_sent(s, &cmd));
}

/* ------------------------------------------------------------ held lines */

/* Appends a line to the hold; false when it does not fit. */
static bool pop3_hold_put(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets)
{
    uint8_t *at = s->hold + s->hold_used;
    uint16_t n16 = (uint16_t)len;
    uint32_t o32 = octets > UINT32_MAX ? UINT32_MAX : (uint32_t)octets;

    if (len > POP3_HOLD_SIZE - POP3_HOLD_HEADER || POP3_HOLD_SIZE - s->hold_used < POP3_HOLD_HEADER + len)
        return false;
    memcpy(at, &n16, sizeof n16);
    memcpy(at + 2, &o32, sizeof o32);
    if (len > 0)
        memcpy(at + POP3_HOLD_HEADER, line, len);
    s->hold_used += POP3_HOLD_HEADER + len;
    s->hold_count++;
    return true;
}

/* The oldest held line (hold_count > 0); it stays in place until
 * pop3_hold_drop, so nothing may be held while it is in use. */
static const uint8_t *pop3_hold_first(const struct pop3_session *s, size_t *len, uint64_t *octets)
{
    uint16_t n16;
    uint32_t o32;

    memcpy(&n16, s->hold, sizeof n16);
    memcpy(&o32, s->hold + 2, sizeof o32);
    *len = n16;
    *octets = o32;
    return s->hold + POP3_HOLD_HEADER;
}

static void pop3_hold_drop(struct pop3_session *s, size_t len)
{
    size_t first = POP3_HOLD_HEADER + len;

    memmove(s->hold, s->hold + first, s->hold_used - first);
    s->hold_used -= first;
    s->hold_count--;
}

/* The exchange ended: the held lines are commands, in order, until one
 * of them opens another exchange (whose lines they then are). */
static void pop3_hold_release(struct pop3_session *s)
{
    bool released = false;

    while (s->hold_count > 0 && s->auth_active == 0) {
        size_t len;
        uint64_t octets;
        const uint8_t *line = pop3_hold_first(s, &len, &octets);

        pop3_command(s, line, len, octets);
        pop3_hold_drop(s, len);
        released = true;
    }
    /* The client spoke POP3 before it knew of a security layer. */
    if (released)
        s->layer_check = false;
}

/* The server's side will not tell (bytes lost, the session ended, no
 * room): every held line is judged by its look, as without a hold. */
static void pop3_hold_guess(struct pop3_session *s)
{
    while (s->hold_count > 0) {
        size_t len;
        uint64_t octets;
        const uint8_t *line = pop3_hold_first(s, &len, &octets);

        if (s->auth_active == 0 || !pop3_sasl_response(s, line, len))
            pop3_command(s, line, len, octets);
        pop3_hold_drop(s, len);
    }
}

/* A prompt arrived: the oldest held line is its answer. */
static void pop3_hold_answer(struct pop3_session *s, struct pop3_attempt *a)
{
    size_t len;
    uint64_t octets;
    const uint8_t *line = pop3_hold_first(s, &len, &octets);

    pop3_sasl_answer(s, a, line, len);
    pop3_hold_drop(s, len);
}

/* A "+ " prompt (decoded by pop3_sasl_challenge): the client's next line,
 * or the oldest one held, answers it. */
static void pop3_prompt(struct pop3_session *s)
{
    struct pop3_attempt *a = pop3_attempt_find(s, s->auth_active);

    if (a == NULL)
        return;
    if (s->hold_count > 0)
        pop3_hold_answer(s, a);
    else
        s->prompts++;
}

/* A client line while an AUTH exchange is open: true when it was taken
 * as a SASL answer or held, false when it is a command. */
static bool pop3_auth_client_line(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets)
{
    struct pop3_attempt *a = pop3_attempt_find(s, s->auth_active);

    if (a == NULL) {
        s->auth_active = 0;
        return false;
    }
    if (s->prompts > 0) {
        pop3_sasl_answer(s, a, line, len);
        return true;
    }
    if (a->verdict_in_doubt || a->sasl_lost)
        return pop3_sasl_response(s, line, len);
    if (pop3_hold_put(s, line, len, octets))
        return true;
    pop3_hold_guess(s);
    return s->auth_active != 0 && pop3_sasl_response(s, line, len);
}

static void pop3_client_line(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets)
{
    if (pop3_proxy_line(s, line, len))
        return;
    /* A body whose terminator the capture lost, and the client, which had
     * nothing else in flight, speaks again: it has read the whole body. */
    if (s->body.active && s->body.damaged && s->pending_count == 0) {
        pop3_body_end(s);
        s->framer[POP3_FROM_SERVER].resync = true;
    }
    if (s->hold_count > 0 && s->auth_active == 0)
        pop3_hold_release(s);
    if (s->auth_active != 0) {
        s->framer[POP3_FROM_CLIENT].resync = false;
        if (s->hold_count > 0) {
            /* Behind held lines, whatever it is. */
            if (!pop3_hold_put(s, line, len, octets)) {
                pop3_hold_guess(s);
                if (s->auth_active != 0 && pop3_sasl_response(s, line, len))
                    return;
                pop3_command(s, line, len, octets);
            }
            return;
        }
        if (pop3_auth_client_line(s, line, len, octets))
            return;
    }
    pop3_command(s, line, len, octets);
}

/* ------------------------------------------------------------ bodies */

/* Message bodies are only counted; the lines of a listing are read. */
static bool pop3_body_is_listing(enum pop3_command_id cmd)
{
    return cmd == POP3_CMD_LIST || cmd == POP3_CMD_UIDL || cmd == POP3_CMD_CAPA || cmd == POP3_CMD_AUTH ||
           cmd == POP3_CMD_LANG;
}

static void pop3_body_begin(struct pop3_session *s, enum pop3_command_id cmd)
{
    memset(&s->body, 0, sizeof s->body);
    s->body.active = true;
    s->body.cmd = cmd;
    s->body.pos = POP3_BODY_AT_START;
    memset(&s->listing, 0, sizeof s->listing);
    s->listing.valid = true;
}

/* The maildrop as a source tells it. A better source replaces a worse one.
 * While deletions are pending STAT and LIST leave the marked messages out
 * (RFC 1939 §5), so they then fill in only what is not known at all. */
static void pop3_maildrop_offer(struct pop3_session *s, enum pop3_maildrop_source source, uint64_t messages,
                                uint64_t octets, bool octets_known)
{
    if (source < s->maildrop_source || (s->marked > 0 && s->summary.maildrop_known))
        return;
    s->maildrop_source = source;
    s->summary.maildrop_known = true;
    s->summary.maildrop_octets_known = octets_known;
    s->summary.maildrop_messages = messages;
    s->summary.maildrop_octets = octets_known ? octets : 0;
}

static void pop3_body_end(struct pop3_session *s)
{
    const struct pop3_body *b = &s->body;
    bool whole = !b->damaged && s->listing.valid;

    /* Bytes lost: the size the server announced is the message's. */
    if (b->cmd == POP3_CMD_RETR)
        s->summary.retr_octets += b->damaged && b->announced_known ? b->announced : b->octets;
    /* A bare LIST or UIDL lists every message not marked deleted (RFC
     * 1939 §5): the maildrop, when no STAT says it. */
    if (whole && b->cmd == POP3_CMD_LIST)
        pop3_maildrop_offer(s, POP3_MAILDROP_LIST, s->listing.messages, s->listing.octets, true);
    else if (whole && b->cmd == POP3_CMD_UIDL)
        pop3_maildrop_offer(s, POP3_MAILDROP_UIDL, s->listing.messages, 0, false);
    s->body.active = false;
}

/* RFC 2449 §6: one capability per line, its name first. The mechanism list
 * and the implementation text are kept (the first seen, bounded); every
 * name in enum event_capa sets its bit. */
static void pop3_capa_line(struct pop3_session *s, const struct pop3_body *b)
{
    struct pop3_field *keep = NULL;
    struct bytes args;
    enum event_capa capa;

    if (!pop3_reply_capability(b->head, b->head_len, &capa, &args))
        return;
    s->summary.capabilities |= (uint32_t)1 << capa;
    if (capa == CAPA_STLS)
        s->stls_offered = true;
    else if (capa == CAPA_SASL)
        keep = &s->sasl_mechanisms;
    else if (capa == CAPA_IMPLEMENTATION)
        keep = &s->implementation;
    if (keep == NULL || keep->present)
        return;
    POP3_STORE(keep, args.data, args.len);
    if (b->head_cut) {
        keep->cut = true;
        pop3_anomaly(s, ANOMALY_FIELD_TRUNCATED);
    }
}

/* RFC 1939 §5 scan listing "msg SP octets" (LIST) or unique-id listing
 * "msg SP uid" (UIDL); one line that is neither spoils the sum. */
static void pop3_listing_line(struct pop3_session *s, const struct pop3_body *b)
{
    struct bytes line = { b->head, b->head_len };
    struct pop3_listing *l = &s->listing;
    uint64_t msg = 0, octets = 0;
    bool ok = b->cmd == POP3_CMD_LIST ? pop3_reply_stat(line, &msg, &octets) : pop3_reply_uidl(line, &msg);

    if (!ok || l->octets > UINT64_MAX - octets) {
        l->valid = false;
        return;
    }
    l->messages++;
    l->octets += octets;
}

static void pop3_body_line(struct pop3_session *s)
{
    struct pop3_body *b = &s->body;

    if (b->cmd == POP3_CMD_CAPA)
        pop3_capa_line(s, b);
    else if (b->cmd == POP3_CMD_LIST || b->cmd == POP3_CMD_UIDL)
        pop3_listing_line(s, b);
    b->head_len = 0;
    b->head_cut = false;
    b->pos = POP3_BODY_AT_START;
}

/* Counts body bytes up to the end of the line; of a listing, the first
 * POP3_HEAD_SIZE are kept to be read. */
static size_t pop3_body_run(struct pop3_session *s, const uint8_t *p, size_t n)
{
    struct pop3_body *b = &s->body;
    const uint8_t *lf = memchr(p, '\n', n);
    size_t k = lf != NULL ? (size_t)(lf - p) : n;
    size_t room = sizeof b->head - b->head_len;
    size_t inner = k > 0 && p[k - 1] == '\r' ? k - 1 : k; /* without a CRLF's CR */

    if (lf == NULL && inner < k)
        s->framer[POP3_FROM_SERVER].cr_pending = true; /* CRLF or bare: the next byte tells */
    if (memchr(p, '\r', inner) != NULL)
        pop3_anomaly(s, ANOMALY_BARE_CR);

    if (pop3_body_is_listing(b->cmd)) {
        if (room < k)
            b->head_cut = true;
        else
            room = k;
        memcpy(b->head + b->head_len, p, room);
        b->head_len += room;
    }
    b->octets += k;
    if (lf == NULL)
        return n;
    b->octets++;
    /* The CR of the CRLF is no part of a listing line (it may have come
     * in an earlier piece: then it is the last byte kept). */
    if (!b->head_cut && b->head_len > 0 && b->head[b->head_len - 1] == '\r')
        b->head_len--;
    pop3_body_line(s);
    return k + 1;
}

/* RFC 1939 §3: a line of "." ends the body; any other leading "." is
 * stuffing and is not counted. */
static size_t pop3_body_after_dot(struct pop3_session *s, uint8_t c)
{
    if (c == '\n') {
        pop3_body_end(s);
        return 1;
    }
    if (c == '\r') {
        s->body.pos = POP3_BODY_AT_DOT_CR;
        return 1;
    }
    s->body.pos = s->body.after_gap ? POP3_BODY_SKIP : POP3_BODY_IN_LINE;
    return 0;
}

/* ".\r" then LF is the terminator; anything else makes the CR a bare one
 * inside a stuffed line, counted as a byte of it. */
static size_t pop3_body_after_dot_cr(struct pop3_session *s, uint8_t c)
{
    if (c == '\n') {
        pop3_body_end(s);
        return 1;
    }
    pop3_anomaly(s, ANOMALY_BARE_CR);
    s->body.octets++;
    s->body.pos = s->body.after_gap ? POP3_BODY_SKIP : POP3_BODY_IN_LINE;
    return 0;
}

/* After a gap, a line that is exactly "." still ends the body (servers
 * often send it in a segment of its own, which a gap may leave whole);
 * anything else is dropped up to the next LF, being maybe a tail. */
static size_t pop3_body_at_start(struct pop3_session *s, uint8_t c)
{
    struct pop3_body *b = &s->body;

    b->head_len = 0;
    b->head_cut = false;
    if (c == '.') {
        b->pos = POP3_BODY_AT_DOT;
        return 1;
    }
    if ((c == '+' || c == '-') && b->after_gap && b->announced_known && b->wire >= b->announced + 3) {
        /* Bytes were lost, the terminator with them, but as many went by
         * as the announced size and ".\r\n" take: a line starting like a
         * status right after the loss is the next reply. It still has to
         * prove itself one (the framer resynchronises). */
        pop3_body_end(s);
        s->framer[POP3_FROM_SERVER].resync = true;
        return 0;
    }
    if ((c == '+' || c == '-') && pop3_body_is_listing(b->cmd)) {
        /* A listing's lines start with a number or a keyword (RFC 1939
         * §5 LIST/UIDL, RFC 2449 §5 CAPA), never with a status: a server
         * that forgot the terminator has moved on to the next reply.
         * Ending here keeps the pipeline paired (zeek's
         * bad-list-retr-crafted capture). Message bodies (RETR, TOP) may
         * hold any line, so they never end early. */
        pop3_anomaly(s, ANOMALY_MISSING_TERMINATOR);
        b->damaged = true;
        pop3_body_end(s);
        return 0;
    }
    b->pos = b->after_gap ? POP3_BODY_SKIP : POP3_BODY_IN_LINE;
    return 0;
}

/* Message bodies (RETR, TOP) are most of the bytes, and of their lines
 * only the start matters: a "." there is stuffing or the terminator
 * (RFC 1939 §3). Ordinary bytes are taken in bulk (body_skim) and counted
 * as octets, up to the first byte the line-by-line path must see; the
 * state left is the one that path would leave, so any split of the stream
 * still gives the same events. */
static size_t pop3_body_skim(struct pop3_body *b, const uint8_t *p, size_t n)
{
    bool start = b->pos == POP3_BODY_AT_START;
    size_t j = body_skim(p, n, &start);

    b->octets += j;
    if (j > 0)
        b->pos = start ? POP3_BODY_AT_START : POP3_BODY_IN_LINE;
    return j;
}

static size_t pop3_body_feed(struct pop3_session *s, const uint8_t *p, size_t n)
{
    struct pop3_body *b = &s->body;
    size_t i = 0;

    while (i < n && b->active) {
        if (!pop3_body_is_listing(b->cmd) && !b->after_gap &&
            (b->pos == POP3_BODY_AT_START || b->pos == POP3_BODY_IN_LINE)) {
            i += pop3_body_skim(b, p + i, n - i);
            if (i == n)
                break;
        }
        switch (b->pos) {
        case POP3_BODY_AT_START:
            i += pop3_body_at_start(s, p[i]);
            break;
        case POP3_BODY_AT_DOT:
            i += pop3_body_after_dot(s, p[i]);
            break;
        case POP3_BODY_AT_DOT_CR:
            i += pop3_body_after_dot_cr(s, p[i]);
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
    struct bytes stamp;

    POP3_STORE(&s->banner, reply->rest.data, reply->rest.len);
    if (s->reply_cut)
        pop3_mark_cut(s, &s->banner.cut, s->banner.present);
    if (reply->kind != POP3_REPLY_OK) {
        pop3_set_state(s, POP3_STATE_REFUSED);
        return;
    }
    if (sasl_greeting_timestamp(s->banner.data, s->banner.len, &stamp) && stamp.data != NULL) {
        s->apop_offset = (size_t)(stamp.data - s->banner.data);
        s->apop_len = stamp.len;
    }
    if (pop3_reply_mentions_stls(reply->text))
        s->stls_offered = true;
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
    if (pop3_reply_maildrop(pop3_whole_words(s, reply->text), &messages, &octets, &octets_known))
        pop3_maildrop_offer(s, POP3_MAILDROP_LOGIN, messages, octets, octets_known);
}

/* RFC 4422 §3.7: a security layer starts right after the server's success
 * verdict, so nothing from here on is POP3 text. */
static void pop3_security_layer(struct pop3_session *s)
{
    pop3_set_state(s, POP3_STATE_ENCRYPTED);
    s->layer_check = false;
    pop3_framer_reset(&s->framer[POP3_FROM_CLIENT]);
    pop3_framer_reset(&s->framer[POP3_FROM_SERVER]);
}

static void pop3_verdict(struct pop3_session *s, const struct pop3_pending *entry, const struct pop3_reply *reply)
{
    struct pop3_attempt *a = pop3_entry_attempt(s, entry);
    enum event_outcome outcome = OUTCOME_SUCCESS;
    bool layer, definite;

    if (a == NULL)
        return; /* a bare AUTH, or an attempt already reported unknown */
    if (reply->kind == POP3_REPLY_OK)
        pop3_login(s, a, reply);
    else
        outcome = a->aborted ? OUTCOME_ABORTED : OUTCOME_FAILURE;
    layer = entry->cmd == POP3_CMD_AUTH && outcome == OUTCOME_SUCCESS;
    definite = a->security_layer;
    pop3_emit_attempt(s, a, outcome, reply);
    /* DIGEST-MD5 names its layer in clear; GSSAPI and others choose it
     * inside their tokens, so the first client byte has to tell. */
    if (layer && definite)
        pop3_security_layer(s);
    else if (layer)
        s->layer_check = true;
}

/* -ERR to USER: the name was refused before any secret was sent. */
static void pop3_user_refused(struct pop3_session *s, const struct pop3_pending *entry, const struct pop3_reply *reply)
{
    struct event_auth auth;

    memset(&auth, 0, sizeof auth);
    auth.method = "USER";
    /* The name is known only if no later USER has replaced it. */
    if (entry->ref == s->user_seq) {
        auth.user = POP3_BYTES(&s->user_sent);
        auth.capture_file = s->user_where.file;
        auth.command_frame = s->user_where.number;
    }
    auth.outcome = OUTCOME_FAILURE;
    auth.exposure = EXPOSURE_NONE;
    /* Only the name was judged: [AUTH] (RFC 3206 §4) refuses it; anything
     * else says nothing about a password that was never sent. */
    auth.credentials_valid = pop3_reply_code_is(reply->code, "AUTH") ? TRISTATE_NO : TRISTATE_UNKNOWN;
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
        if (pop3_reply_stat(pop3_whole_words(s, reply->text), &messages, &octets))
            pop3_maildrop_offer(s, POP3_MAILDROP_STAT, messages, octets, true);
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

/* "+OK 120 octets" (RFC 1939 §7): the leading number, when a space or
 * the end of the text follows it. */
static bool pop3_reply_size(struct bytes text, uint64_t *octets)
{
    uint64_t v = 0;
    size_t i = 0;

    for (; text.data != NULL && i < text.len && text.data[i] >= '0' && text.data[i] <= '9' && i < 19; i++)
        v = v * 10 + (uint64_t)(text.data[i] - '0');
    if (i == 0 || (i < text.len && text.data[i] != ' '))
        return false;
    *octets = v;
    return true;
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
    case POP3_CMD_CAPA:
        s->summary.capa_seen = s->summary.capa_seen || ok;
        break;
    default:
        if (ok)
            pop3_transaction_reply(s, info->id, reply);
        break;
    }
    if (ok && pop3_command_has_body(info, entry->has_arg)) {
        pop3_body_begin(s, info->id);
        if (info->id == POP3_CMD_RETR)
            s->body.announced_known = pop3_reply_size(pop3_whole_words(s, reply->text), &s->body.announced);
    }
}

/* USER and the commands that carry a secret: their replies are verdicts. */
static bool pop3_entry_is_login(const struct pop3_pending *entry)
{
    return entry->cmd == POP3_CMD_USER || entry->cmd == POP3_CMD_PASS || entry->cmd == POP3_CMD_APOP ||
           (entry->cmd == POP3_CMD_AUTH && entry->has_arg);
}

static void pop3_status(struct pop3_session *s, const struct pop3_reply *reply)
{
    /* Queued after a client gap: the reply may answer a lost command. */
    bool doubt = s->client_gap_doubt && s->gap_trusted == 0;
    struct pop3_pending entry;

    if (pop3_dequeue(s, &entry)) {
        if (doubt && pop3_entry_is_login(&entry))
            pop3_reply_lost(s, &entry); /* never a verdict from another command's reply */
        else
            pop3_reply_to(s, &entry, reply);
    } else if (s->pending_skipped > 0) {
        s->pending_skipped--; /* answers a command the full ring only counted */
    } else if (s->client_gap_doubt) {
        s->client_gap_doubt = false; /* answers a lost command: in step again */
    } else {
        pop3_anomaly(s, ANOMALY_UNEXPECTED_RESPONSE);
    }
}

static void pop3_server_reply(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets)
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
    if (pop3_proxy_settle(s, &reply))
        return;
    if (reply.kind == POP3_REPLY_CONTINUE) {
        pop3_sasl_challenge(s, reply.text);
        pop3_prompt(s);
        return;
    }
    if (octets > POP3_RESPONSE_OCTETS_MAX)
        pop3_anomaly(s, ANOMALY_LINE_TOO_LONG);
    if (s->state == POP3_STATE_GREETING)
        pop3_greeting(s, &reply);
    else
        pop3_status(s, &reply);
}

/* A verdict (or a lost one) ends the exchange: what the client held back
 * behind it were commands, and their replies come next. */
static void pop3_server_line(struct pop3_session *s, const uint8_t *line, size_t len, uint64_t octets)
{
    pop3_server_reply(s, line, len, octets);
    if (s->hold_count > 0 && s->auth_active == 0)
        pop3_hold_release(s);
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
    if (memchr(p, '\r', n) != NULL)
        pop3_anomaly(s, ANOMALY_BARE_CR); /* a line's own CR is never kept */
    if (n > room) {
        /* Flagged at the cut, not at the line's end: a line that never
         * ends (a 100 MB flood without LF) must still be reported. */
        f->truncated = true;
        pop3_anomaly(s, ANOMALY_LINE_TOO_LONG);
    } else {
        room = n;
    }
    memcpy(f->buf + f->len, p, room);
    f->len += room;
}

/* Consumes bytes until one line is complete (and handled) or the data
 * ends. A CR at the end of the data is held back: the next byte says
 * whether it ends the line (pop3_after_cr). */
static size_t pop3_frame_feed(struct pop3_session *s, enum pop3_direction dir, const uint8_t *p, size_t n)
{
    struct pop3_framer *f = &s->framer[dir];
    const uint8_t *lf = memchr(p, '\n', n);
    size_t k = lf != NULL ? (size_t)(lf - p) : n;
    size_t keep = k > 0 && p[k - 1] == '\r' ? k - 1 : k;

    pop3_frame_keep(s, f, p, keep);
    if (lf == NULL) {
        f->cr_pending = keep < k;
        return n;
    }
    pop3_line_done(s, dir);
    return k + 1;
}

/* The byte after a CR that ended the data: LF completes CRLF; anything
 * else makes the CR a byte of the line (bare_cr). In a body the CR was
 * counted already; only the anomaly is left to tell. */
static size_t pop3_after_cr(struct pop3_session *s, enum pop3_direction dir, uint8_t c)
{
    struct pop3_framer *f = &s->framer[dir];
    static const uint8_t cr = '\r';

    f->cr_pending = false;
    if (dir == POP3_FROM_SERVER && s->body.active) {
        if (c != '\n')
            pop3_anomaly(s, ANOMALY_BARE_CR);
        return 0;
    }
    if (c != '\n') {
        pop3_frame_keep(s, f, &cr, 1);
        return 0;
    }
    pop3_line_done(s, dir);
    return 1;
}

/* ------------------------------------------------------------ public API */

/* The buffers behind the struct in the tracker's one allocation, in this
 * order (pop3_mem.h lays them out). */
enum pop3_buffer {
    POP3_BUFFER_ATTEMPTS,
    POP3_BUFFER_PENDING,
    POP3_BUFFER_LINE_CLIENT,
    POP3_BUFFER_LINE_SERVER,
    POP3_BUFFER_SCRATCH,
    POP3_BUFFER_SASL_SCRATCH,
    POP3_BUFFER_HOLD,
    POP3_BUFFER_COUNT
};

static struct pop3_limits pop3_limits_applied(const struct pop3_limits *limits)
{
    struct pop3_limits lim = { POP3_DEFAULT_MAX_LINE, POP3_DEFAULT_MAX_PENDING };

    if (limits != NULL)
        lim = *limits;
    lim.max_line = lim.max_line < POP3_LINE_MIN ? POP3_LINE_MIN : lim.max_line;
    lim.max_line = lim.max_line > POP3_LINE_MAX ? POP3_LINE_MAX : lim.max_line;
    lim.max_pending = lim.max_pending < 1 ? 1 : lim.max_pending;
    lim.max_pending = lim.max_pending > POP3_PENDING_MAX ? POP3_PENDING_MAX : lim.max_pending;
    return lim;
}

static size_t pop3_scratch_size(const struct pop3_limits *lim)
{
    return (lim->max_line / 4 + 1) * 3; /* what sasl_base64_decode asks for */
}

static bool pop3_session_layout(const struct pop3_limits *lim, struct pop3_mem_layout *out)
{
    size_t sizes[POP3_BUFFER_COUNT];

    sizes[POP3_BUFFER_ATTEMPTS] = POP3_ATTEMPT_SLOTS * sizeof(struct pop3_attempt);
    sizes[POP3_BUFFER_PENDING] = lim->max_pending * sizeof(struct pop3_pending);
    sizes[POP3_BUFFER_LINE_CLIENT] = lim->max_line;
    sizes[POP3_BUFFER_LINE_SERVER] = lim->max_line;
    sizes[POP3_BUFFER_SCRATCH] = pop3_scratch_size(lim);
    sizes[POP3_BUFFER_SASL_SCRATCH] = POP3_SASL_SCRATCH;
    sizes[POP3_BUFFER_HOLD] = POP3_HOLD_SIZE;
    return pop3_mem_layout(sizeof(struct pop3_session), sizes, POP3_BUFFER_COUNT, out);
}

size_t pop3_session_size(const struct pop3_limits *limits)
{
    struct pop3_limits lim = pop3_limits_applied(limits);
    struct pop3_mem_layout layout;

    return pop3_session_layout(&lim, &layout) ? layout.size : 0;
}

struct pop3_session *pop3_session_new_in(struct pop3_pool *pool, const struct pop3_limits *limits,
                                         const struct event_flow *flow, struct event_time start, event_sink_fn sink,
                                         void *sink_ctx)
{
    struct pop3_limits lim = pop3_limits_applied(limits);
    struct pop3_mem_layout layout;
    struct pop3_session *s;
    uint8_t *base;

    if (!pop3_session_layout(&lim, &layout))
        return NULL;
    /* A tracker from the pool is set up exactly as a new one: the struct
     * is zeroed, the buffers are not. Only the struct is zeroed: the ~40
     * KB of buffers after it cost more to clear than a whole short session
     * costs to parse. */
    s = pop3_pool_take(pool, layout.size);
    if (s == NULL)
        s = malloc(layout.size);
    if (s == NULL)
        return NULL;
    base = (uint8_t *)s;
    pop3_mem_poison_gaps(base, &layout);
    memset(s, 0, sizeof *s);
    s->pool = pool;
    s->alloc_size = layout.size;
    s->attempts = (struct pop3_attempt *)(void *)(base + layout.offset[POP3_BUFFER_ATTEMPTS]);
    for (size_t i = 0; i < POP3_ATTEMPT_SLOTS; i++)
        s->attempts[i].id = 0;
    s->limits = lim;
    if (flow != NULL)
        s->flow = *flow;
    memset(&s->flow.proxy, 0, sizeof s->flow.proxy); /* only the tracker sets it */
    s->sink = sink;
    s->sink_ctx = sink_ctx;
    s->now = start;
    s->summary.ts_start = start;
    s->state = POP3_STATE_GREETING;
    s->pending = (struct pop3_pending *)(void *)(base + layout.offset[POP3_BUFFER_PENDING]);
    s->framer[POP3_FROM_CLIENT].buf = base + layout.offset[POP3_BUFFER_LINE_CLIENT];
    s->framer[POP3_FROM_SERVER].buf = base + layout.offset[POP3_BUFFER_LINE_SERVER];
    s->scratch = base + layout.offset[POP3_BUFFER_SCRATCH];
    s->scratch_size = pop3_scratch_size(&lim);
    s->sasl_scratch = base + layout.offset[POP3_BUFFER_SASL_SCRATCH];
    s->hold = base + layout.offset[POP3_BUFFER_HOLD];
    return s;
}

struct pop3_session *pop3_session_new(const struct pop3_limits *limits, const struct event_flow *flow,
                                      struct event_time start, event_sink_fn sink, void *sink_ctx)
{
    return pop3_session_new_in(NULL, limits, flow, start, sink, sink_ctx);
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
        if (s->framer[dir].cr_pending) {
            pos += pop3_after_cr(s, dir, data[pos]);
            continue;
        }
        if (dir == POP3_FROM_CLIENT && s->layer_check) {
            s->layer_check = false;
            if (s->framer[dir].len == 0 && data[pos] == POP3_SASL_LAYER_FIRST_BYTE) {
                pop3_security_layer(s);
                break;
            }
        }
        if (dir == POP3_FROM_CLIENT && s->quit_sent)
            pop3_anomaly(s, ANOMALY_CLIENT_DATA_AFTER_QUIT);
        if (dir == POP3_FROM_SERVER && s->body.active) {
            size_t used = pop3_body_feed(s, data + pos, len - pos);

            s->body.wire += used;
            pos += used;
        } else
            pos += pop3_frame_feed(s, dir, data + pos, len - pos);
    }
}

/* Outside a body the missing server bytes held (at least the start of) the
 * oldest pending reply: that reply is lost, and a login waiting for it is
 * reported unknown now. */
static void pop3_server_gap(struct pop3_session *s)
{
    struct pop3_attempt *a = pop3_attempt_find(s, s->auth_active);
    struct pop3_pending entry;

    if (s->state == POP3_STATE_GREETING) {
        pop3_set_state(s, POP3_STATE_AUTHORIZATION);
        return;
    }
    /* Mid-exchange the lost bytes may be a challenge as well as the
     * verdict (RFC 5034 §4): the AUTH stays queued until the next line of
     * either side tells which (pop3_sasl_ended_by). */
    if (a != NULL && pop3_head_is_auth(s, a->id)) {
        a->verdict_in_doubt = true;
        /* Held lines can no longer be placed by the prompts. */
        pop3_hold_guess(s);
        return;
    }
    if (pop3_dequeue(s, &entry))
        pop3_reply_lost(s, &entry);
    else if (s->pending_skipped > 0)
        s->pending_skipped--;
    else
        s->client_gap_doubt = false; /* it may have held a lost command's reply */
}

/* Inside an AUTH exchange lost client bytes were responses (the client
 * waits for the verdict before its next command, RFC 5034 §4): the
 * exchange goes on, but which message a later line is can no longer be
 * told by position. Elsewhere they held at least the command the gap cut,
 * and its reply comes before those of the commands that follow. */
static void pop3_client_gap(struct pop3_session *s)
{
    struct pop3_attempt *a;

    /* The lost bytes come after the held lines and may have answered a
     * prompt: from here on, lines are judged by their look. */
    pop3_hold_guess(s);
    s->prompts = 0;
    a = pop3_attempt_find(s, s->auth_active);
    if (a != NULL && !a->verdict_in_doubt) {
        a->sasl_lost = true;
        return;
    }
    if (a != NULL)
        pop3_sasl_end(s, a); /* both sides lost bytes: nothing left to go by */
    if (!s->client_gap_doubt) {
        s->client_gap_doubt = true;
        s->gap_trusted = s->pending_count;
    }
}

/* Lost bytes inside a body: stay in it, find its "." (or, after the
 * announced size, the next reply: pop3_body_at_start). */
static void pop3_body_gap(struct pop3_session *s, uint64_t missing)
{
    s->body.pos = POP3_BODY_AT_START;
    s->body.after_gap = true;
    s->body.damaged = true;
    s->body.wire += missing;
}

/* A server line cut by the capture: a status whose word is visible
 * decides the oldest command (pop3_reply_parse_cut); a visible "+ " in an
 * AUTH exchange is a prompt, its challenge unknown. */
static bool pop3_cut_status(struct pop3_session *s)
{
    struct pop3_framer *f = &s->framer[POP3_FROM_SERVER];
    struct pop3_attempt *a = pop3_attempt_find(s, s->auth_active);
    struct pop3_reply reply;
    bool code_seen;

    if (f->truncated || f->len == 0)
        return false;
    if (a != NULL && f->len >= 2 && f->buf[0] == '+' && f->buf[1] == ' ') {
        a->challenge.present = false;
        a->verdict_in_doubt = false;
        pop3_prompt(s);
        return true;
    }
    if (!pop3_reply_parse_cut(f->buf, f->len, &reply, &code_seen))
        return false;
    f->resync = false;
    s->reply_cut = true;
    s->reply_code_unseen = !code_seen;
    if (s->state == POP3_STATE_GREETING)
        pop3_greeting(s, &reply);
    else
        pop3_status(s, &reply);
    s->reply_cut = false;
    s->reply_code_unseen = false;
    return true;
}

/* A client line cut by the capture: its command, in turn, with the
 * visible start of its argument. A keyword not followed by a space may be
 * cut itself: the line still takes its place in the queue, unnamed. */
static bool pop3_cut_command(struct pop3_session *s)
{
    struct pop3_framer *f = &s->framer[POP3_FROM_CLIENT];
    bool whole = f->len > 0 && memchr(f->buf, ' ', f->len) != NULL;

    if (f->truncated || f->len == 0 || s->auth_active != 0 || s->hold_count > 0 || (f->resync && !whole))
        return false;
    if (!whole) {
        s->summary.commands++;
        if (s->state == POP3_STATE_GREETING)
            pop3_set_state(s, POP3_STATE_AUTHORIZATION);
        pop3_enqueue(s, POP3_CMD_UNKNOWN, false, 0);
        return true;
    }
    s->command_cut = true;
    pop3_command(s, f->buf, f->len, f->octets);
    s->command_cut = false;
    return true;
}

void pop3_session_gap(struct pop3_session *s, enum pop3_direction dir, uint64_t missing, struct event_time ts)
{
    struct pop3_framer *f;

    if (s == NULL || s->ended || !pop3_direction_valid(dir))
        return;
    s->now = ts;
    s->summary.gap_bytes += missing;
    pop3_anomaly(s, ANOMALY_GAP);
    /* Lost bytes may have held the server's answer to the SSLproxy header:
     * unconfirmed, it stays a client line. */
    if (s->proxy_state == POP3_PROXY_PENDING)
        pop3_proxy_refuse(s);
    if (s->state == POP3_STATE_ENCRYPTED)
        return;
    f = &s->framer[dir];
    f->cr_pending = false;
    if (dir == POP3_FROM_SERVER && s->body.active) {
        pop3_body_gap(s, missing);
        return;
    }
    /* The visible start of a line the capture cut (snaplen) is evidence. */
    if (dir == POP3_FROM_SERVER && pop3_cut_status(s)) {
        pop3_framer_reset(f);
        if (s->body.active) {
            pop3_body_gap(s, missing); /* the body begins in the lost bytes */
            return;
        }
        f->resync = true;
    } else if (dir == POP3_FROM_CLIENT && pop3_cut_command(s)) {
        pop3_framer_reset(f);
        f->resync = true;
        /* Beyond the rest of that line the lost bytes may hold more
         * commands: as for any lost client bytes. The shortest command
         * line, "TOP\n", is 4 bytes. */
        if (missing >= 5)
            pop3_client_gap(s);
    } else {
        pop3_framer_reset(f);
        f->resync = true;
        if (dir == POP3_FROM_SERVER)
            pop3_server_gap(s);
        else
            pop3_client_gap(s);
    }
    if (s->hold_count > 0 && s->auth_active == 0)
        pop3_hold_release(s);
}

void pop3_session_allow_proxy_header(struct pop3_session *s)
{
    if (s != NULL)
        s->proxy_allowed = true;
}

void pop3_session_set_implicit_tls(struct pop3_session *s)
{
    if (s == NULL)
        return;
    s->summary.tls = TLS_IMPLICIT;
    pop3_set_state(s, POP3_STATE_ENCRYPTED);
}

/* The stream below saw overlapping copies that differ. It cannot say which
 * line they fall in, so every attempt open now carries it, and so does the
 * next one to begin if none is open (the USER line, read before the
 * attempt begins at PASS, may be the one). */
static void pop3_note_overlap_conflict(struct pop3_session *s)
{
    bool open = false;

    for (size_t i = 0; i < POP3_ATTEMPT_SLOTS; i++) {
        if (s->attempts[i].id != 0) {
            s->attempts[i].overlap_conflict = true;
            open = true;
        }
    }
    if (!open)
        s->overlap_conflict_pending = true;
}

void pop3_session_set_frame(struct pop3_session *s, struct event_frame_ref where)
{
    s->where = where;
}

void pop3_session_set_files(struct pop3_session *s, const char *capture_file, const char *end_file)
{
    s->summary.capture_file = capture_file;
    s->summary.end_file = end_file;
}

void pop3_session_note_anomaly(struct pop3_session *s, enum event_anomaly anomaly)
{
    if (s == NULL)
        return;
    pop3_anomaly(s, anomaly);
    if (anomaly == ANOMALY_OVERLAP_CONFLICT)
        pop3_note_overlap_conflict(s);
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
    e->stls_offered = s->stls_offered;
    e->sasl_mechanisms = POP3_BYTES(&s->sasl_mechanisms);
    e->implementation = POP3_BYTES(&s->implementation);
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
        s->body.damaged = true;
        pop3_body_end(s);
    }
    /* No server line will place the held lines any more. */
    pop3_hold_guess(s);
    /* Bounded by the slots: each report frees one. */
    for (size_t i = 0; i < POP3_ATTEMPT_SLOTS && (a = pop3_attempt_oldest(s)) != NULL; i++)
        pop3_emit_attempt(s, a, OUTCOME_UNKNOWN, NULL);
    /* RFC 2595 §4 downgrade: the server offered STLS, yet credentials (or
     * at least the attempt to send them) crossed in clear. */
    if (s->stls_offered && s->clear_login && !(s->flow.proxy.present && s->flow.proxy.tls))
        pop3_anomaly(s, ANOMALY_STLS_OFFERED_NOT_USED); /* behind an "s" header the login was inside TLS */
    pop3_emit_session(s, how);
    s->ended = true;
}

void pop3_session_free(struct pop3_session *s)
{
    if (s != NULL && pop3_pool_put(s->pool, s, s->alloc_size))
        return;
    free(s);
}
