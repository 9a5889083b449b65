/* pop3gen: POP3 sessions (RFC 1939, 2449, 2595, 5034) as a server and its
 * clients would speak them, and the truth about each: every login attempt
 * and the session summary, in the fields pop3scope's JSON reports.
 *
 * A session is a sequence of exchanges: client bytes (one command, or a
 * pipelined batch) and the server's answer. The planner makes one exchange
 * at a time and updates the truth as the server's answer is decided. */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define GEN_MAX_MESSAGES 400
#define GEN_FIELD 96

enum gen_tls { GEN_TLS_NONE, GEN_TLS_STLS, GEN_TLS_IMPLICIT };

enum gen_method { GEN_M_USER, GEN_M_APOP, GEN_M_PLAIN_IR, GEN_M_PLAIN, GEN_M_LOGIN, GEN_M_CRAM, GEN_M_XOAUTH2 };

enum gen_stage {
    GEN_S_GREETING,
    GEN_S_CAPA,
    GEN_S_STLS,
    GEN_S_TLS,
    GEN_S_AUTH,
    GEN_S_TRANSACTION,
    GEN_S_QUIT,
    GEN_S_END,
};

/* How one login attempt goes. */
enum gen_verdict { GEN_V_SUCCESS, GEN_V_FAILURE, GEN_V_ABORT, GEN_V_USER_REFUSED };

/* Transaction commands, planned at login. */
enum gen_action { GEN_A_STAT, GEN_A_LIST, GEN_A_UIDL, GEN_A_RETR, GEN_A_DELE, GEN_A_TOP, GEN_A_RSET, GEN_A_NOOP, GEN_A_RETR_MISSING };

struct gen_step {
    uint8_t action;
    uint16_t msg; /* 1-based */
};

struct gen_pop3 {
    struct gen_conn *c;
    enum gen_stage stage;
    enum gen_tls tls;
    enum gen_method method;
    bool lower;
    bool pipelining;
    bool apop_stamp;
    bool quit;
    bool capa;
    struct gen_buf server; /* the answer to the client bytes now in c->turn */
    bool server_pending;
    /* authorization plan */
    unsigned attempts_left; /* the last one succeeds if final_success */
    bool final_success;
    double abort_rate; /* SASL attempts the client cancels with "*" */
    bool att_active; /* the attempt in progress */
    enum gen_verdict att_verdict;
    unsigned att_step;
    char att_secret[GEN_FIELD]; /* what this attempt sends */
    unsigned tls_turns;
    /* mailbox */
    unsigned messages;
    uint64_t sizes[GEN_MAX_MESSAGES];
    uint64_t total;
    struct gen_step *plan;
    size_t plan_len, plan_pos;
    char user[GEN_FIELD];
    char pass[GEN_FIELD];
    char authzid[GEN_FIELD];
    /* truth for the session event */
    char banner[200];
    unsigned attempts, failures, commands;
    bool logged_in;
    const char *auth_method;
    uint64_t retr_count, retr_octets, top_count, dele_count, marked;
    bool maildrop_known, octets_known;
    uint64_t md_messages, md_octets;
    bool committed;
    uint64_t deleted;
    bool quit_ok;
};

static const char *const gen_users[] = {
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar",
    "peggy", "trent", "victor", "walter", "j\xc3\xbcrgen", "fran\xc3\xa7oise", "admin", "info", "sales", "support",
};

static const char *const gen_domains[] = { "", "", "@example.net", "@mail.example.org", "@corp.example.com" };

/* ------------------------------------------------------------ truth */

static void gen_truth_flow(FILE *f, const struct gen_conn *c)
{
    char cli[64], srv[64];

    gen_addr_text(c, GEN_CLIENT, cli, sizeof cli);
    gen_addr_text(c, GEN_SERVER, srv, sizeof srv);
    fprintf(f, "\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\",\"dest_port\":%u", cli, c->port[GEN_CLIENT], srv,
            c->port[GEN_SERVER]);
}

static void gen_truth_str(FILE *f, const char *name, const char *value)
{
    fprintf(f, ",\"%s\":", name);
    if (value == NULL)
        fputs("null", f);
    else
        gen_json_string(f, (const uint8_t *)value, strlen(value));
}

/* One auth event: what a correct passive tracker must report. */
struct gen_auth_truth {
    const char *method;
    const char *user;
    const char *authzid;
    const char *outcome;
    const char *exposure;
    const char *password;
    const char *response;
    const char *code;
};

static void gen_truth_auth(struct gen_pop3 *s, const struct gen_auth_truth *t)
{
    FILE *f = s->c->ctx->truth;

    s->attempts++;
    if (strcmp(t->outcome, "failure") == 0)
        s->failures++;
    fputs("{\"event\":\"auth\",", f);
    gen_truth_flow(f, s->c);
    fprintf(f, ",\"attempt\":%u", s->attempts);
    gen_truth_str(f, "method", t->method);
    gen_truth_str(f, "user", t->user);
    gen_truth_str(f, "authzid", t->authzid);
    gen_truth_str(f, "outcome", t->outcome);
    gen_truth_str(f, "exposure", t->exposure);
    gen_truth_str(f, "password", t->password);
    gen_truth_str(f, "response", t->response);
    gen_truth_str(f, "resp_code", t->code);
    fputs("}\n", f);
    s->c->ctx->stats.auth_events++;
}

static void gen_truth_number(FILE *f, const char *name, bool known, uint64_t v)
{
    if (known)
        fprintf(f, ",\"%s\":%llu", name, (unsigned long long)v);
    else
        fprintf(f, ",\"%s\":null", name);
}

static const char *gen_end_name(const struct gen_pop3 *s)
{
    bool rst = s->c->close == GEN_CLOSE_RST_CLIENT || s->c->close == GEN_CLOSE_RST_SERVER;

    if (rst)
        return "rst";
    return s->quit_ok ? "quit" : "fin";
}

static void gen_truth_session(struct gen_pop3 *s)
{
    static const char *const tls_names[] = { "none", "stls", "implicit" };
    FILE *f = s->c->ctx->truth;

    fputs("{\"event\":\"session\",", f);
    gen_truth_flow(f, s->c);
    gen_truth_str(f, "banner", s->tls == GEN_TLS_IMPLICIT ? NULL : s->banner);
    gen_truth_str(f, "user", s->logged_in ? s->user : NULL);
    gen_truth_str(f, "auth_method", s->logged_in ? s->auth_method : NULL);
    fprintf(f, ",\"auth_attempts\":%u,\"auth_failures\":%u", s->attempts, s->failures);
    gen_truth_str(f, "tls", tls_names[s->tls]);
    gen_truth_number(f, "maildrop_messages", s->maildrop_known, s->md_messages);
    gen_truth_number(f, "maildrop_octets", s->octets_known, s->md_octets);
    fprintf(f, ",\"retr_count\":%llu,\"retr_octets\":%llu,\"top_count\":%llu,\"dele_count\":%llu",
            (unsigned long long)s->retr_count, (unsigned long long)s->retr_octets, (unsigned long long)s->top_count,
            (unsigned long long)s->dele_count);
    fprintf(f, ",\"deletions_committed\":%s,\"messages_deleted\":%llu", s->committed ? "true" : "false",
            (unsigned long long)s->deleted);
    fprintf(f, ",\"commands\":%u,\"client_bytes\":%llu,\"server_bytes\":%llu", s->commands,
            (unsigned long long)s->c->payload[GEN_CLIENT], (unsigned long long)s->c->payload[GEN_SERVER]);
    gen_truth_str(f, "end", gen_end_name(s));
    fputs(",\"gap_bytes\":0}\n", f);
}

/* ------------------------------------------------------------ wire helpers */

/* A client command line; `lower` sessions type their keywords in lower
 * case (RFC 1939 §3: keywords are case-insensitive). */
static void gen_cmd(struct gen_pop3 *s, const char *keyword, const char *arg)
{
    struct gen_buf *b = &s->c->turn;
    size_t n = strlen(keyword);

    for (size_t i = 0; i < n; i++) {
        char ch = keyword[i];
        if (s->lower && ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        gen_buf_put(b, &ch, 1);
    }
    if (arg != NULL) {
        gen_buf_str(b, " ");
        gen_buf_str(b, arg);
    }
    gen_buf_str(b, "\r\n");
    s->commands++;
}

/* A SASL client response line: not a command. */
static void gen_sasl_line(struct gen_pop3 *s, const char *text, size_t len, bool encode)
{
    if (encode)
        gen_text_base64(&s->c->turn, (const uint8_t *)text, len);
    else
        gen_buf_put(&s->c->turn, text, len);
    gen_buf_str(&s->c->turn, "\r\n");
}

static void gen_reply(struct gen_pop3 *s, const char *line)
{
    gen_buf_str(&s->server, line);
    gen_buf_str(&s->server, "\r\n");
}

/* ------------------------------------------------------------ greeting */

static void gen_greeting(struct gen_pop3 *s)
{
    struct gen_rng *r = &s->c->rng;
    static const char *const hosts[] = { "mail.example.net", "pop.example.org", "mx1.corp.example.com" };
    const char *host = hosts[gen_rng_below(r, 3)];
    char stamp[96] = "";

    if (s->apop_stamp)
        snprintf(stamp, sizeof stamp, " <%u.%u@%s>", 1000 + gen_rng_below(r, 60000), 1764547200 + gen_rng_below(r, 86400),
                 host);
    switch (gen_rng_below(r, 4)) {
    case 0: snprintf(s->banner, sizeof s->banner, "Dovecot ready.%s", stamp); break;
    case 1: snprintf(s->banner, sizeof s->banner, "POP3 server ready%s", stamp); break;
    case 2: snprintf(s->banner, sizeof s->banner, "%s Cyrus POP3 v2.4.17 server ready%s", host, stamp); break;
    default: snprintf(s->banner, sizeof s->banner, "%s POP3 service (Qpopper) starting%s", host, stamp); break;
    }
    gen_buf_str(&s->server, "+OK ");
    gen_reply(s, s->banner);
}

static void gen_capa(struct gen_pop3 *s)
{
    gen_cmd(s, "CAPA", NULL);
    gen_reply(s, "+OK Capability list follows");
    gen_reply(s, "TOP");
    gen_reply(s, "UIDL");
    gen_reply(s, "RESP-CODES");
    gen_reply(s, "AUTH-RESP-CODE");
    if (s->pipelining)
        gen_reply(s, "PIPELINING");
    gen_reply(s, "STLS");
    gen_reply(s, "USER");
    gen_reply(s, "SASL PLAIN LOGIN CRAM-MD5 XOAUTH2");
    gen_reply(s, ".");
}

/* ------------------------------------------------------------ TLS */

/* After STLS, or on 995 from the first byte: a handshake, then records
 * each way whose sizes follow the mail they hide. */
static void gen_tls_turn(struct gen_pop3 *s)
{
    struct gen_conn *c = s->c;
    struct gen_rng *r = &c->rng;
    unsigned turn = s->tls_turns++;
    size_t len;
    enum gen_dir dir = (turn % 2 == 0) ? GEN_CLIENT : GEN_SERVER;

    switch (turn) {
    case 0: len = 250 + gen_rng_below(r, 400); break;
    case 1: len = 2500 + gen_rng_below(r, 3000); break;
    case 2: len = 64 + gen_rng_below(r, 100); break;
    case 3: len = 200 + gen_rng_below(r, 300); break;
    default:
        len = dir == GEN_CLIENT ? 30 + gen_rng_below(r, 90) : (size_t)gen_rng_lognormal(r, 4000, 1.4) + 40;
        if (len > (8u << 20))
            len = 8u << 20;
        break;
    }
    gen_text_tls(r, &c->turn, turn < 4 ? 0x16 : 0x17, len);
    c->turn_dir = dir;
}

/* ------------------------------------------------------------ authorization */

static void gen_pick_credentials(struct gen_pop3 *s)
{
    struct gen_rng *r = &s->c->rng;
    static const char *const pw_words[] = { "Summer2025!", "hunter2", "correct horse battery staple", "P@ssw0rd",
                                            "qwerty123", "s3cr\"et\\pw", "letmein", "t0p-s3cret" };
    char hex[17];

    snprintf(s->user, sizeof s->user, "%s%s", gen_users[gen_rng_below(r, sizeof gen_users / sizeof gen_users[0])],
             gen_domains[gen_rng_below(r, sizeof gen_domains / sizeof gen_domains[0])]);
    gen_text_hex(r, hex, 6);
    snprintf(s->pass, sizeof s->pass, "%s%s", pw_words[gen_rng_below(r, sizeof pw_words / sizeof pw_words[0])],
             gen_rng_chance(r, 0.5) ? hex : "");
    s->authzid[0] = '\0';
}

/* The server's verdict line for an attempt, and its truth fields. */
struct gen_verdict_text {
    const char *line;
    const char *response;
    const char *code;
};

static void gen_verdict_line(struct gen_pop3 *s, enum gen_verdict v, struct gen_verdict_text *out, char *buf,
                             size_t size)
{
    struct gen_rng *r = &s->c->rng;

    out->code = NULL;
    if (v == GEN_V_SUCCESS) {
        switch (gen_rng_below(r, 4)) {
        case 0:
            snprintf(buf, size, "+OK maildrop has %u messages (%llu octets)", s->messages,
                     (unsigned long long)s->total);
            s->maildrop_known = s->octets_known = true;
            s->md_messages = s->messages;
            s->md_octets = s->total;
            break;
        case 1:
            snprintf(buf, size, "+OK Mailbox open, %u messages", s->messages);
            s->maildrop_known = true;
            s->md_messages = s->messages;
            break;
        default: snprintf(buf, size, "+OK Logged in."); break;
        }
        out->line = buf;
        out->response = buf + 4;
        return;
    }
    if (v == GEN_V_ABORT) {
        out->line = "-ERR Authentication aborted by client.";
        out->response = out->line + 5;
        return;
    }
    switch (gen_rng_below(r, 10)) {
    case 0: out->line = "-ERR Password incorrect"; out->response = out->line + 5; break;
    case 1: out->line = "-ERR [IN-USE] Mailbox is locked by another POP3 session"; out->code = "IN-USE"; break;
    case 2: out->line = "-ERR [SYS/TEMP] Temporary authentication failure"; out->code = "SYS/TEMP"; break;
    default: out->line = "-ERR [AUTH] Authentication failed."; out->code = "AUTH"; break;
    }
    if (out->code != NULL)
        out->response = strchr(out->line, ']') + 2;
}

static void gen_attempt_done(struct gen_pop3 *s, enum gen_verdict v, const char *method, const char *user,
                             const char *exposure, const char *password)
{
    char line[160];
    struct gen_verdict_text t;
    struct gen_auth_truth a;

    gen_verdict_line(s, v, &t, line, sizeof line);
    gen_reply(s, t.line);
    memset(&a, 0, sizeof a);
    a.method = method;
    a.user = user;
    /* Only a PLAIN message that was sent shows the authorization identity. */
    a.authzid = s->authzid[0] != '\0' && password != NULL ? s->authzid : NULL;
    a.outcome = v == GEN_V_SUCCESS ? "success" : v == GEN_V_ABORT ? "aborted" : "failure";
    a.exposure = exposure;
    a.password = password;
    a.response = t.response;
    a.code = t.code;
    gen_truth_auth(s, &a);
    if (v == GEN_V_SUCCESS) {
        s->logged_in = true;
        s->auth_method = method;
    }
}

static const char *gen_method_name(enum gen_method m)
{
    static const char *const names[] = { "USER", "APOP", "PLAIN", "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2" };
    return names[m];
}


static bool gen_has_continuation(enum gen_method m)
{
    return m == GEN_M_PLAIN || m == GEN_M_LOGIN || m == GEN_M_CRAM;
}

static void gen_attempt_begin(struct gen_pop3 *s)
{
    struct gen_rng *r = &s->c->rng;
    enum gen_verdict v = s->attempts_left <= 1 && s->final_success ? GEN_V_SUCCESS : GEN_V_FAILURE;
    char hex[9];

    if (v == GEN_V_FAILURE && gen_has_continuation(s->method) && gen_rng_chance(r, s->abort_rate))
        v = GEN_V_ABORT;
    if (v == GEN_V_FAILURE && s->method == GEN_M_USER && gen_rng_chance(r, 0.08))
        v = GEN_V_USER_REFUSED;
    s->att_active = true;
    s->att_verdict = v;
    s->att_step = 0;
    gen_text_hex(r, hex, 8);
    if (s->method == GEN_M_APOP || s->method == GEN_M_CRAM)
        gen_text_hex(r, s->att_secret, 32); /* an MD5 digest in hex (RFC 1939 §7, RFC 2195) */
    else if (s->method == GEN_M_XOAUTH2)
        snprintf(s->att_secret, sizeof s->att_secret, "ya29.%s%s", hex, v == GEN_V_SUCCESS ? "Aq3" : "expired");
    else if (v == GEN_V_SUCCESS)
        snprintf(s->att_secret, sizeof s->att_secret, "%s", s->pass);
    else
        snprintf(s->att_secret, sizeof s->att_secret, "%.60s%s", s->pass, hex);
}

static void gen_attempt_end(struct gen_pop3 *s, const char *user, const char *exposure, const char *password)
{
    gen_attempt_done(s, s->att_verdict, gen_method_name(s->method), user, exposure, password);
    s->att_active = false;
    s->attempts_left--;
}

/* USER/PASS (RFC 1939 §7); with PIPELINING some clients send both at once. */
static void gen_auth_user(struct gen_pop3 *s)
{
    bool together = s->pipelining && s->att_verdict != GEN_V_USER_REFUSED && gen_rng_chance(&s->c->rng, 0.3);

    if (s->att_step == 0) {
        gen_cmd(s, "USER", s->user);
        if (s->att_verdict == GEN_V_USER_REFUSED) {
            struct gen_auth_truth a = { "USER", s->user, NULL, "failure", "none", NULL, "No such user", NULL };
            gen_reply(s, "-ERR No such user");
            gen_truth_auth(s, &a);
            s->att_active = false;
            s->attempts_left--;
            return;
        }
        gen_reply(s, "+OK");
        s->att_step = 1;
        if (!together)
            return;
    }
    gen_cmd(s, "PASS", s->att_secret);
    gen_attempt_end(s, s->user, "cleartext", s->att_secret);
}

static void gen_auth_plain_message(struct gen_pop3 *s, char *out, size_t size, size_t *len)
{
    size_t a = strlen(s->authzid), u = strlen(s->user), p = strlen(s->att_secret);

    *len = a + 1 + u + 1 + p;
    if (*len > size)
        abort();
    memcpy(out, s->authzid, a);
    out[a] = '\0';
    memcpy(out + a + 1, s->user, u);
    out[a + 1 + u] = '\0';
    memcpy(out + a + 2 + u, s->att_secret, p);
}

/* RFC 4616 PLAIN, with the initial response (RFC 5034 §4) or after "+ ". */
static void gen_auth_plain(struct gen_pop3 *s)
{
    char msg[3 * GEN_FIELD];
    size_t len;
    struct gen_buf b64 = { 0 };

    gen_auth_plain_message(s, msg, sizeof msg, &len);
    if (s->method == GEN_M_PLAIN_IR) {
        gen_text_base64(&b64, (const uint8_t *)msg, len);
        gen_buf_put(&b64, "", 1);
        gen_cmd(s, "AUTH", s->lower ? "plain " : "PLAIN ");
        s->c->turn.len -= 2; /* the initial response follows the space */
        gen_buf_str(&s->c->turn, (const char *)b64.data);
        gen_buf_str(&s->c->turn, "\r\n");
        gen_buf_free(&b64);
        gen_attempt_end(s, s->user, "cleartext", s->att_secret);
        return;
    }
    if (s->att_step == 0) {
        gen_cmd(s, "AUTH", s->lower ? "plain" : "PLAIN");
        gen_reply(s, "+ ");
        s->att_step = 1;
        return;
    }
    if (s->att_verdict == GEN_V_ABORT) {
        gen_sasl_line(s, "*", 1, false);
        gen_attempt_end(s, NULL, "none", NULL);
        return;
    }
    gen_sasl_line(s, msg, len, true);
    gen_attempt_end(s, s->user, "cleartext", s->att_secret);
}

/* LOGIN: user name, then password, each after its own prompt. */
static void gen_auth_login(struct gen_pop3 *s)
{
    switch (s->att_step++) {
    case 0:
        gen_cmd(s, "AUTH", s->lower ? "login" : "LOGIN");
        gen_reply(s, "+ VXNlcm5hbWU6"); /* "Username:" */
        return;
    case 1:
        gen_sasl_line(s, s->user, strlen(s->user), true);
        gen_reply(s, "+ UGFzc3dvcmQ6"); /* "Password:" */
        return;
    default:
        if (s->att_verdict == GEN_V_ABORT) {
            gen_sasl_line(s, "*", 1, false);
            gen_attempt_end(s, s->user, "none", NULL);
            return;
        }
        gen_sasl_line(s, s->att_secret, strlen(s->att_secret), true);
        gen_attempt_end(s, s->user, "cleartext", s->att_secret);
        return;
    }
}

/* RFC 2195 CRAM-MD5: a timestamp challenge, "user digest" back. */
static void gen_auth_cram(struct gen_pop3 *s)
{
    char text[GEN_FIELD * 2];
    int n;

    if (s->att_step++ == 0) {
        n = snprintf(text, sizeof text, "<%u.%u@mail.example.net>", 1000 + gen_rng_below(&s->c->rng, 60000),
                     1764547200u + gen_rng_below(&s->c->rng, 86400));
        gen_cmd(s, "AUTH", s->lower ? "cram-md5" : "CRAM-MD5");
        gen_buf_str(&s->server, "+ ");
        gen_text_base64(&s->server, (const uint8_t *)text, (size_t)n);
        gen_buf_str(&s->server, "\r\n");
        return;
    }
    if (s->att_verdict == GEN_V_ABORT) {
        gen_sasl_line(s, "*", 1, false);
        gen_attempt_end(s, NULL, "none", NULL);
        return;
    }
    n = snprintf(text, sizeof text, "%s %s", s->user, s->att_secret);
    gen_sasl_line(s, text, (size_t)n, true);
    gen_attempt_end(s, s->user, "hash", s->att_secret);
}

/* Google's XOAUTH2: a bearer token in the initial response; a refused
 * token gets an error challenge that the client answers with an empty line. */
static void gen_auth_xoauth2(struct gen_pop3 *s)
{
    char msg[3 * GEN_FIELD];
    int n;

    if (s->att_step++ == 0) {
        n = snprintf(msg, sizeof msg, "user=%s\x01" "auth=Bearer %s\x01\x01", s->user, s->att_secret);
        gen_cmd(s, "AUTH", s->lower ? "xoauth2 " : "XOAUTH2 ");
        s->c->turn.len -= 2;
        gen_text_base64(&s->c->turn, (const uint8_t *)msg, (size_t)n);
        gen_buf_str(&s->c->turn, "\r\n");
        if (s->att_verdict == GEN_V_SUCCESS) {
            gen_attempt_end(s, s->user, "token", s->att_secret);
            return;
        }
        gen_reply(s, "+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIn0=");
        return;
    }
    gen_sasl_line(s, "", 0, false);
    gen_attempt_end(s, s->user, "token", s->att_secret);
}

/* One exchange of the current login attempt (starting one if needed). */
static void gen_attempt(struct gen_pop3 *s)
{
    char arg[2 * GEN_FIELD];

    if (!s->att_active)
        gen_attempt_begin(s);
    switch (s->method) {
    case GEN_M_USER: gen_auth_user(s); break;
    case GEN_M_APOP:
        snprintf(arg, sizeof arg, "%s %s", s->user, s->att_secret);
        gen_cmd(s, "APOP", arg);
        gen_attempt_end(s, s->user, "hash", s->att_secret);
        break;
    case GEN_M_PLAIN_IR:
    case GEN_M_PLAIN: gen_auth_plain(s); break;
    case GEN_M_LOGIN: gen_auth_login(s); break;
    case GEN_M_CRAM: gen_auth_cram(s); break;
    case GEN_M_XOAUTH2:
    default: gen_auth_xoauth2(s); break;
    }
}

/* ------------------------------------------------------------ transaction */

static void gen_plan_push(struct gen_pop3 *s, enum gen_action a, unsigned msg)
{
    struct gen_step *p = realloc(s->plan, (s->plan_len + 1) * sizeof *p);

    if (p == NULL)
        abort();
    s->plan = p;
    s->plan[s->plan_len].action = (uint8_t)a;
    s->plan[s->plan_len].msg = (uint16_t)msg;
    s->plan_len++;
}

/* What a client does once logged in: a check, a listing, the download
 * (all, or the newest few), deletion after download, now and then a
 * preview with TOP, a NOOP, a change of mind (RSET). */
static void gen_plan_transaction(struct gen_pop3 *s)
{
    struct gen_rng *r = &s->c->rng;
    unsigned from = 1;
    bool dele = gen_rng_chance(r, 0.5);

    if (gen_rng_chance(r, 0.7))
        gen_plan_push(s, GEN_A_STAT, 0);
    if (gen_rng_chance(r, 0.5))
        gen_plan_push(s, GEN_A_LIST, 0);
    if (gen_rng_chance(r, 0.4))
        gen_plan_push(s, GEN_A_UIDL, 0);
    if (gen_rng_chance(r, 0.08))
        for (unsigned i = 1; i <= s->messages; i++)
            gen_plan_push(s, GEN_A_TOP, i);
    if (gen_rng_chance(r, 0.4) && s->messages > 0)
        from = 1 + gen_rng_below(r, s->messages);
    else if (gen_rng_chance(r, 0.15))
        from = s->messages + 1; /* nothing new */
    for (unsigned i = from; i <= s->messages; i++) {
        gen_plan_push(s, GEN_A_RETR, i);
        if (dele)
            gen_plan_push(s, GEN_A_DELE, i);
    }
    if (gen_rng_chance(r, 0.02))
        gen_plan_push(s, GEN_A_RETR_MISSING, s->messages + 1);
    if (gen_rng_chance(r, 0.05))
        gen_plan_push(s, GEN_A_NOOP, 0);
    if (gen_rng_chance(r, 0.03))
        gen_plan_push(s, GEN_A_RSET, 0);
}

static void gen_listing(struct gen_pop3 *s, bool uidl)
{
    struct gen_buf *b = &s->server;

    if (uidl)
        gen_reply(s, "+OK");
    else
        gen_buf_fmt(b, "+OK %u messages (%llu octets)\r\n", s->messages, (unsigned long long)s->total);
    for (unsigned i = 1; i <= s->messages; i++) {
        if (uidl)
            gen_buf_fmt(b, "%u %08x%08x\r\n", i, (unsigned)(s->sizes[i - 1] * 2654435761u), i * 40503u);
        else
            gen_buf_fmt(b, "%u %llu\r\n", i, (unsigned long long)s->sizes[i - 1]);
    }
    gen_reply(s, ".");
}

/* The maildrop as the server states it: every source agrees here (the
 * mailbox does not change before the first DELE), and none forgets what
 * another said. UIDL gives only the count. */
static void gen_maildrop(struct gen_pop3 *s, bool octets)
{
    s->maildrop_known = true;
    s->md_messages = s->messages;
    if (octets) {
        s->octets_known = true;
        s->md_octets = s->total;
    }
}

/* RETR and TOP (RFC 1939 §7): the message, dot-stuffed, then ".". */
static void gen_message_reply(struct gen_pop3 *s, unsigned i, bool top)
{
    char arg[32];
    unsigned lines = 0;

    if (top) {
        lines = gen_rng_chance(&s->c->rng, 0.5) ? 0u : 10u;
        snprintf(arg, sizeof arg, "%u %u", i, lines);
        gen_cmd(s, "TOP", arg);
        gen_reply(s, "+OK");
        s->top_count++;
    } else {
        snprintf(arg, sizeof arg, "%u", i);
        gen_cmd(s, "RETR", arg);
        gen_buf_fmt(&s->server, "+OK %llu octets\r\n", (unsigned long long)s->sizes[i - 1]);
        s->retr_count++;
        s->retr_octets += s->sizes[i - 1];
    }
    gen_text_message(&s->c->rng, &s->server, s->sizes[i - 1], top ? (long)lines : -1);
    gen_reply(s, ".");
}

/* One planned command and its answer, with the truth it implies. */
static void gen_do_step(struct gen_pop3 *s, const struct gen_step *st)
{
    char arg[32];
    unsigned i = st->msg;

    snprintf(arg, sizeof arg, "%u", i);
    switch ((enum gen_action)st->action) {
    case GEN_A_STAT:
        gen_cmd(s, "STAT", NULL);
        gen_buf_fmt(&s->server, "+OK %u %llu\r\n", s->messages, (unsigned long long)s->total);
        gen_maildrop(s, true);
        break;
    case GEN_A_LIST: gen_cmd(s, "LIST", NULL); gen_listing(s, false); gen_maildrop(s, true); break;
    case GEN_A_UIDL: gen_cmd(s, "UIDL", NULL); gen_listing(s, true); gen_maildrop(s, false); break;
    case GEN_A_RETR: gen_message_reply(s, i, false); break;
    case GEN_A_TOP: gen_message_reply(s, i, true); break;
    case GEN_A_RETR_MISSING:
        gen_cmd(s, "RETR", arg);
        gen_reply(s, "-ERR There's no message");
        break;
    case GEN_A_DELE:
        gen_cmd(s, "DELE", arg);
        gen_buf_fmt(&s->server, "+OK message %u deleted\r\n", i);
        s->dele_count++;
        s->marked++;
        break;
    case GEN_A_RSET:
        gen_cmd(s, "RSET", NULL);
        gen_reply(s, "+OK");
        s->marked = 0;
        break;
    case GEN_A_NOOP:
    default:
        gen_cmd(s, "NOOP", NULL);
        gen_reply(s, "+OK");
        break;
    }
}

/* The next exchange of the transaction: one command, or with PIPELINING
 * a batch of commands sent together (RFC 2449 §6.6). */
static bool gen_transaction(struct gen_pop3 *s)
{
    size_t batch = 1;

    if (s->plan_pos >= s->plan_len)
        return false;
    if (s->pipelining)
        batch = 2 + gen_rng_below(&s->c->rng, 15);
    for (size_t k = 0; k < batch && s->plan_pos < s->plan_len; k++)
        gen_do_step(s, &s->plan[s->plan_pos++]);
    return true;
}

static void gen_quit(struct gen_pop3 *s)
{
    gen_cmd(s, "QUIT", NULL);
    if (s->logged_in && s->marked > 0) {
        s->committed = true;
        s->deleted = s->marked;
    }
    gen_reply(s, s->logged_in ? "+OK Logging out, messages deleted." : "+OK Logging out.");
    s->quit_ok = true;
}

/* ------------------------------------------------------------ the script */

static bool gen_pop3_server_turn(struct gen_pop3 *s)
{
    struct gen_buf t;

    if (!s->server_pending)
        return false;
    /* Hand the answer over without copying it: swap the buffers. */
    t = s->c->turn;
    s->c->turn = s->server;
    s->server = t;
    s->server.len = 0;
    s->c->turn_dir = GEN_SERVER;
    s->server_pending = false;
    return true;
}

static void gen_after_auth(struct gen_pop3 *s)
{
    if (s->logged_in) {
        s->stage = GEN_S_TRANSACTION;
    } else {
        s->stage = s->quit ? GEN_S_QUIT : GEN_S_END;
    }
}

static bool gen_pop3_next(struct gen_conn *c)
{
    struct gen_pop3 *s = c->state;

    if (gen_pop3_server_turn(s))
        return true;
    c->turn_dir = GEN_CLIENT;
    for (;;) {
        switch (s->stage) {
        case GEN_S_GREETING:
            gen_greeting(s);
            s->stage = s->capa ? GEN_S_CAPA : GEN_S_AUTH;
            s->server_pending = true;
            return gen_pop3_server_turn(s);
        case GEN_S_CAPA:
            gen_capa(s);
            s->stage = s->tls == GEN_TLS_STLS ? GEN_S_STLS : GEN_S_AUTH;
            break;
        case GEN_S_STLS:
            gen_cmd(s, "STLS", NULL);
            gen_reply(s, "+OK Begin TLS negotiation now.");
            s->stage = GEN_S_TLS;
            break;
        case GEN_S_TLS:
            if (s->tls_turns >= 4 + 2 * (s->messages + 1))
                return false;
            gen_tls_turn(s);
            return true;
        case GEN_S_AUTH:
            if (s->attempts_left == 0 || s->logged_in) {
                gen_after_auth(s);
                continue;
            }
            gen_attempt(s);
            break;
        case GEN_S_TRANSACTION:
            if (!gen_transaction(s)) {
                s->stage = s->quit ? GEN_S_QUIT : GEN_S_END;
                continue;
            }
            break;
        case GEN_S_QUIT:
            gen_quit(s);
            s->stage = GEN_S_END;
            break;
        case GEN_S_END:
        default: return false;
        }
        s->server_pending = true;
        return true;
    }
}

static void gen_pop3_done(struct gen_conn *c)
{
    struct gen_pop3 *s = c->state;

    gen_truth_session(s);
    gen_buf_free(&s->server);
    free(s->plan);
    free(s);
    c->state = NULL;
}

static const struct gen_script_ops gen_pop3_ops = { gen_pop3_next, gen_pop3_done };

/* Who logs in how, and how it goes: mostly a first-time success, some
 * typos, accounts under guessing, cancelled SASL exchanges. */
static void gen_plan_auth(struct gen_pop3 *s)
{
    struct gen_rng *r = &s->c->rng;
    static const enum gen_method by_weight[] = {
        GEN_M_USER,     GEN_M_USER,  GEN_M_USER,  GEN_M_USER,  GEN_M_USER,     GEN_M_USER,  GEN_M_USER,
        GEN_M_USER,     GEN_M_USER,  GEN_M_APOP,  GEN_M_APOP,  GEN_M_PLAIN_IR, GEN_M_PLAIN_IR, GEN_M_PLAIN_IR,
        GEN_M_PLAIN,    GEN_M_LOGIN, GEN_M_LOGIN, GEN_M_CRAM,  GEN_M_CRAM,     GEN_M_XOAUTH2,
    };
    double kind = gen_rng_unit(r);

    s->method = by_weight[gen_rng_below(r, sizeof by_weight / sizeof by_weight[0])];
    if (s->method == GEN_M_APOP && !s->apop_stamp)
        s->method = GEN_M_USER; /* APOP needs the greeting's timestamp */
    gen_pick_credentials(s);
    if ((s->method == GEN_M_PLAIN || s->method == GEN_M_PLAIN_IR) && gen_rng_chance(r, 0.1))
        snprintf(s->authzid, sizeof s->authzid, "%s", gen_rng_chance(r, 0.5) ? "admin" : "shared-mailbox");
    s->abort_rate = 0.05;
    s->final_success = true;
    if (kind < 0.80) {
        s->attempts_left = 1 + (gen_rng_chance(r, 0.15) ? 1 + gen_rng_below(r, 2) : 0);
    } else if (kind < 0.92) {
        s->attempts_left = 1 + gen_rng_below(r, 3); /* the wrong password, every time */
        s->final_success = false;
    } else if (kind < 0.95) {
        s->attempts_left = 5 + gen_rng_below(r, 25); /* someone guessing */
        s->final_success = gen_rng_chance(r, 0.1);
    } else {
        s->attempts_left = 2;
        s->abort_rate = 0.9;
        s->final_success = gen_rng_chance(r, 0.5);
    }
}

static void gen_plan_mailbox(struct gen_pop3 *s)
{
    struct gen_rng *r = &s->c->rng;

    s->messages = 0;
    if (!gen_rng_chance(r, 0.25)) {
        double n = 1.0 + gen_rng_lognormal(r, 3.0, 1.2);
        s->messages = n > GEN_MAX_MESSAGES ? GEN_MAX_MESSAGES : (unsigned)n;
    }
    s->total = 0;
    for (unsigned i = 0; i < s->messages; i++) {
        /* Mail sizes are log-normal: most a few KB, a long tail of
         * attachments. */
        double size = gen_rng_lognormal(r, 5000.0, 1.4);
        s->sizes[i] = size < 400.0 ? 400 : size > 4194304.0 ? 4194304 : (uint64_t)size;
        s->total += s->sizes[i];
    }
}

/* Roughly what the session will carry, for the scheduler's byte mix:
 * the dialogue, the mail it downloads, or the TLS records that hide it. */
static uint64_t gen_plan_bytes(const struct gen_pop3 *s)
{
    uint64_t bytes = 400 + 60 * (uint64_t)s->attempts_left;

    if (s->tls != GEN_TLS_NONE)
        return 6000 + 10600 * ((uint64_t)s->messages + 1);
    if (!s->final_success)
        return bytes;
    for (size_t i = 0; i < s->plan_len; i++) {
        if (s->plan[i].action == GEN_A_RETR)
            bytes += s->sizes[s->plan[i].msg - 1] + 40;
        else if (s->plan[i].action == GEN_A_TOP)
            bytes += 700;
        else
            bytes += 40 + (s->plan[i].action == GEN_A_LIST || s->plan[i].action == GEN_A_UIDL ? 16 * s->messages : 0);
    }
    return bytes;
}

static enum gen_close gen_plan_close(struct gen_pop3 *s)
{
    double u = gen_rng_unit(&s->c->rng);

    if (s->tls != GEN_TLS_NONE)
        return u < 0.5 ? GEN_CLOSE_FIN_CLIENT : GEN_CLOSE_FIN_SERVER;
    if (s->quit) /* RFC 1939 §6: the server closes after answering QUIT */
        return u < 0.85 ? GEN_CLOSE_FIN_SERVER : u < 0.95 ? GEN_CLOSE_FIN_CLIENT : GEN_CLOSE_RST_CLIENT;
    return u < 0.6 ? GEN_CLOSE_FIN_CLIENT : GEN_CLOSE_RST_CLIENT;
}

void gen_pop3_start(struct gen_ctx *ctx, struct gen_conn *c)
{
    struct gen_pop3 *s = calloc(1, sizeof *s);
    struct gen_rng *r = &c->rng;
    static const uint16_t odd_ports[] = { 1110, 8110, 2110, 10110 };
    uint16_t port = 110;
    double u = gen_rng_unit(r);

    if (s == NULL)
        abort();
    c->pop3 = true;
    c->ops = &gen_pop3_ops;
    c->state = s;
    s->c = c;
    s->tls = u < 0.05 ? GEN_TLS_IMPLICIT : u < 0.10 ? GEN_TLS_STLS : GEN_TLS_NONE;
    if (s->tls == GEN_TLS_IMPLICIT)
        port = 995;
    else if (gen_rng_chance(r, 0.03))
        port = odd_ports[gen_rng_below(r, 4)]; /* found by the probe, not the port */
    gen_conn_endpoints(ctx, c, port, 24);
    s->lower = gen_rng_chance(r, 0.15);
    s->pipelining = gen_rng_chance(r, 0.3);
    s->capa = s->tls == GEN_TLS_STLS || gen_rng_chance(r, 0.4);
    s->apop_stamp = gen_rng_chance(r, 0.5);
    s->quit = gen_rng_chance(r, 0.93);
    ctx->stats.lowercase_sessions += s->lower;
    ctx->stats.pipelining_sessions += s->pipelining;
    gen_plan_mailbox(s);
    gen_plan_auth(s);
    c->close = gen_plan_close(s);
    s->stage = s->tls == GEN_TLS_IMPLICIT ? GEN_S_TLS : GEN_S_GREETING;
    gen_plan_transaction(s); /* used only if a login succeeds */
    ctx->stats.planned_pop3 += gen_plan_bytes(s);
    ctx->stats.pop3_sessions++;
}
