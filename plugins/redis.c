/* redis output plugin: each event's JSON line to Redis through hiredis, as
 * RPUSH to a list, PUBLISH to a channel or XADD to a stream.
 *
 * Options (plugins/README.md has the table): host=, port=, unix=PATH,
 * mode=list|channel|stream, key= ("{type}" in it becomes the event type),
 * maxlen=N (stream: XADD key MAXLEN ~ N * event TYPE json LINE), user=,
 * password= (AUTH), db= (SELECT), batch= (commands per pipelined round
 * trip), drain=SEC (the wait for the server at the end), queue=KIB.
 *
 * Why a queue of its own behind pop3scope's: an event is only done when
 * Redis has answered its command. Everything written stays in this byte
 * ring until its reply arrives, so a server that goes away loses nothing
 * that was queued: after a reconnect (backoff 50 ms doubling to 2 s) the
 * unanswered commands are sent again, in order. A full ring refuses the
 * event (write returns -1: pop3scope counts it); what is still queued
 * when drain gives up is counted by lost(). Nothing is allocated per
 * event: the ring, the scratch buffers and the key are sized at open. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "pop3scope_plugin.h"

#define REDIS_LINE_MAX 65536
#define REDIS_KEY_MAX 256
#define REDIS_TYPE_MAX 32
#define REDIS_BACKOFF_MIN_MS 50
#define REDIS_BACKOFF_MAX_MS 2000
/* A command's reply may take this long before the connection counts as
 * gone (and the command is sent again on the next one). */
#define REDIS_REPLY_TIMEOUT_MS 2000
#define REDIS_CONNECT_TIMEOUT_MS 500

enum redis_mode { REDIS_LIST, REDIS_CHANNEL, REDIS_STREAM };

/* One queued event in the ring: this header, the type, the JSON line. */
struct redis_entry {
    uint32_t json_len;
    uint32_t type_len;
};

struct redis_state {
    char host[256];
    int port;
    char unix_path[108];
    char where[300]; /* host:port or the socket path, for messages */
    enum redis_mode mode;
    char key_template[REDIS_KEY_MAX];
    bool key_has_type;
    unsigned long maxlen; /* 0: no trimming */
    char user[128];
    char password[256];
    long db; /* -1: no SELECT */
    unsigned batch;
    unsigned drain_ms;
    redisContext *ctx; /* NULL while not connected */
    bool down_said; /* the outage was reported; "back" is said once */
    unsigned backoff_ms;
    struct timespec next_try;
    /* The ring: acked <= sent <= head, byte positions ever written. */
    char *ring;
    size_t capacity;
    uint64_t head, sent, acked;
    uint64_t queued; /* entries between acked and head */
    uint64_t in_flight; /* entries between acked and sent */
    bool refusal_said;
    const char *refused_by; /* the option a refused AUTH or SELECT came from */
    _Atomic uint64_t lost;
    char key[REDIS_KEY_MAX + REDIS_TYPE_MAX];
    char type[REDIS_TYPE_MAX + 1];
    char scratch[REDIS_LINE_MAX]; /* an entry's JSON when it wraps the ring */
};

/* ---------------------------------------------------------------- options */

static int redis_parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int redis_copy(char *dst, size_t size, const char *value)
{
    size_t len = strlen(value);

    if (len == 0 || len >= size)
        return -1;
    memcpy(dst, value, len + 1);
    return 0;
}

static int redis_parse_mode(struct redis_state *s, const char *value)
{
    if (strcmp(value, "list") == 0)
        s->mode = REDIS_LIST;
    else if (strcmp(value, "channel") == 0)
        s->mode = REDIS_CHANNEL;
    else if (strcmp(value, "stream") == 0)
        s->mode = REDIS_STREAM;
    else
        return -1;
    return 0;
}

/* A key is printable ASCII without spaces, so what a user reads in
 * redis-cli is what they typed. */
static int redis_parse_key(struct redis_state *s, const char *value)
{
    if (redis_copy(s->key_template, sizeof s->key_template, value) != 0)
        return -1;
    for (const char *p = value; *p != '\0'; p++) {
        if (*p <= ' ' || *p > '~')
            return -1;
    }
    s->key_has_type = strstr(value, "{type}") != NULL;
    return 0;
}

/* Applies one number option; returns 1 when key is not one of them. */
static int redis_apply_number(struct redis_state *s, const struct pop3scope_plugin_option *o)
{
    unsigned long v;

    if (strcmp(o->key, "port") == 0) {
        if (redis_parse_ulong(o->value, 1, 65535, &v) != 0)
            return -1;
        s->port = (int)v;
    } else if (strcmp(o->key, "maxlen") == 0) {
        if (redis_parse_ulong(o->value, 1, ULONG_MAX, &v) != 0)
            return -1;
        s->maxlen = v;
    } else if (strcmp(o->key, "db") == 0) {
        if (redis_parse_ulong(o->value, 0, INT_MAX, &v) != 0)
            return -1;
        s->db = (long)v;
    } else if (strcmp(o->key, "batch") == 0) {
        if (redis_parse_ulong(o->value, 1, 100000, &v) != 0)
            return -1;
        s->batch = (unsigned)v;
    } else if (strcmp(o->key, "drain") == 0) {
        if (redis_parse_ulong(o->value, 0, 3600, &v) != 0)
            return -1;
        s->drain_ms = (unsigned)v * 1000u;
    } else if (strcmp(o->key, "queue") == 0) {
        if (redis_parse_ulong(o->value, 4, 1048576, &v) != 0)
            return -1;
        s->capacity = (size_t)v * 1024;
    } else {
        return 1;
    }
    return 0;
}

static const char redis_option_help[] =
    "host=NAME, port=1-65535, unix=PATH, mode=list|channel|stream, key=TEXT ({type} becomes the event type), "
    "maxlen=N (stream), user=NAME, password=TEXT, db=N, batch=1-100000, drain=0-3600 (seconds), queue=4-1048576 (KiB)";

/* The value of password= never appears in a message. */
static int redis_apply(struct redis_state *s, const struct pop3scope_plugin_option *o, char *error, size_t error_size)
{
    int rc = redis_apply_number(s, o);

    if (rc == 1) {
        if (strcmp(o->key, "host") == 0)
            rc = redis_copy(s->host, sizeof s->host, o->value);
        else if (strcmp(o->key, "unix") == 0)
            rc = redis_copy(s->unix_path, sizeof s->unix_path, o->value);
        else if (strcmp(o->key, "mode") == 0)
            rc = redis_parse_mode(s, o->value);
        else if (strcmp(o->key, "key") == 0)
            rc = redis_parse_key(s, o->value);
        else if (strcmp(o->key, "user") == 0)
            rc = redis_copy(s->user, sizeof s->user, o->value);
        else if (strcmp(o->key, "password") == 0)
            rc = redis_copy(s->password, sizeof s->password, o->value);
        else {
            snprintf(error, error_size, "unknown option '%s' (known: %s)", o->key, redis_option_help);
            return -1;
        }
    }
    if (rc != 0 && strcmp(o->key, "password") == 0)
        snprintf(error, error_size, "option password: empty or longer than %zu bytes", sizeof s->password - 1);
    else if (rc != 0)
        snprintf(error, error_size, "option %s=%s: not valid (%s)", o->key, o->value, redis_option_help);
    return rc;
}

/* Options that are each valid but do not go together. */
static int redis_check_combination(const struct redis_state *s, char *error, size_t error_size)
{
    if (s->maxlen != 0 && s->mode != REDIS_STREAM) {
        snprintf(error, error_size, "option maxlen= trims a stream: it needs mode=stream");
        return -1;
    }
    if (s->user[0] != '\0' && s->password[0] == '\0') {
        snprintf(error, error_size, "option user= needs password= (AUTH user password)");
        return -1;
    }
    if (s->db >= 0 && s->mode == REDIS_CHANNEL) {
        /* Pub/Sub channels are global to the server (Redis docs, PUBLISH). */
        snprintf(error, error_size, "option db= has no effect on mode=channel: channels are not per database");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- clock */

static void redis_now(struct timespec *t)
{
    clock_gettime(CLOCK_MONOTONIC, t);
}

static bool redis_reached(const struct timespec *when)
{
    struct timespec now;

    redis_now(&now);
    return now.tv_sec > when->tv_sec || (now.tv_sec == when->tv_sec && now.tv_nsec >= when->tv_nsec);
}

static void redis_after(struct timespec *t, unsigned ms)
{
    redis_now(t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static struct timeval redis_timeval(unsigned ms)
{
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

    return tv;
}

/* ---------------------------------------------------------------- connection */

/* One synchronous command at connect time; its error text into why. */
static int redis_setup_command(redisContext *c, int argc, const char **argv, char *why, size_t why_size)
{
    redisReply *reply = redisCommandArgv(c, argc, argv, NULL);
    int rc = 0;

    if (reply == NULL) {
        snprintf(why, why_size, "%s", c->errstr[0] != '\0' ? c->errstr : "no reply");
        return -1;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(why, why_size, "%s refused: %.200s", argv[0], reply->str);
        rc = -2;
    }
    freeReplyObject(reply);
    return rc;
}

/* AUTH and SELECT on a new connection. -1: the connection failed; -2 the
 * server refused (a wrong password or database). */
static int redis_setup(struct redis_state *s, redisContext *c, char *why, size_t why_size)
{
    char db[24];
    const char *argv[3];
    int rc = 0;

    if (s->password[0] != '\0') {
        argv[0] = "AUTH";
        argv[1] = s->user[0] != '\0' ? s->user : s->password;
        argv[2] = s->password;
        rc = redis_setup_command(c, s->user[0] != '\0' ? 3 : 2, argv, why, why_size);
        s->refused_by = s->user[0] != '\0' ? "user/password" : "password";
    }
    if (rc == 0 && s->db >= 0) {
        snprintf(db, sizeof db, "%ld", s->db);
        argv[0] = "SELECT";
        argv[1] = db;
        rc = redis_setup_command(c, 2, argv, why, why_size);
        s->refused_by = "db";
    }
    return rc;
}

/* Connects, authenticates, selects. 0, or -1 (-2: refused) with why. */
static int redis_connect(struct redis_state *s, char *why, size_t why_size)
{
    redisContext *c;
    int rc;

    if (s->unix_path[0] != '\0')
        c = redisConnectUnixWithTimeout(s->unix_path, redis_timeval(REDIS_CONNECT_TIMEOUT_MS));
    else
        c = redisConnectWithTimeout(s->host, s->port, redis_timeval(REDIS_CONNECT_TIMEOUT_MS));
    if (c == NULL || c->err != 0) {
        snprintf(why, why_size, "%s", c != NULL ? c->errstr : "out of memory");
        if (c != NULL)
            redisFree(c);
        return -1;
    }
    if (redisSetTimeout(c, redis_timeval(REDIS_REPLY_TIMEOUT_MS)) != REDIS_OK ||
        (rc = redis_setup(s, c, why, why_size)) == -1) {
        if (why[0] == '\0')
            snprintf(why, why_size, "%s", c->errstr);
        redisFree(c);
        return -1;
    }
    if (rc != 0) {
        redisFree(c);
        return rc;
    }
    s->ctx = c;
    return 0;
}

/* The connection is gone: every command not answered is sent again on the
 * next one, in order; the next attempt waits for the backoff. */
static void redis_disconnect(struct redis_state *s, const char *why)
{
    if (s->ctx != NULL) {
        if (!s->down_said)
            fprintf(stderr, "pop3scope: redis: lost %s (%s); queuing, retrying\n", s->where, why);
        s->down_said = true;
        redisFree(s->ctx);
        s->ctx = NULL;
    }
    s->sent = s->acked;
    s->in_flight = 0;
    redis_after(&s->next_try, s->backoff_ms);
    s->backoff_ms = s->backoff_ms * 2 > REDIS_BACKOFF_MAX_MS ? REDIS_BACKOFF_MAX_MS : s->backoff_ms * 2;
}

/* Connected, or -1 while the server is away (one attempt per backoff). */
static int redis_ensure_connected(struct redis_state *s)
{
    char why[256] = "";
    int rc;

    if (s->ctx != NULL)
        return 0;
    if (!redis_reached(&s->next_try))
        return -1;
    rc = redis_connect(s, why, sizeof why);
    if (rc != 0) {
        if (!s->down_said)
            fprintf(stderr, "pop3scope: redis: cannot reach %s (%s); queuing, retrying\n", s->where, why);
        s->down_said = true;
        redis_disconnect(s, why);
        return -1;
    }
    if (s->down_said)
        fprintf(stderr, "pop3scope: redis: %s is back; sending %" PRIu64 " queued events\n", s->where, s->queued);
    s->down_said = false;
    s->backoff_ms = REDIS_BACKOFF_MIN_MS;
    return 0;
}

/* ---------------------------------------------------------------- the ring */

static void redis_ring_put(struct redis_state *s, uint64_t pos, const void *data, size_t len)
{
    size_t at = (size_t)(pos % s->capacity);
    size_t first = len < s->capacity - at ? len : s->capacity - at;

    memcpy(s->ring + at, data, first);
    memcpy(s->ring, (const char *)data + first, len - first);
}

/* len bytes at pos: a pointer into the ring, or, when they wrap, a copy in
 * into (len bytes at least). */
static const char *redis_ring_view(const struct redis_state *s, uint64_t pos, size_t len, char *into)
{
    size_t at = (size_t)(pos % s->capacity);
    size_t first;

    if (len <= s->capacity - at)
        return s->ring + at;
    first = s->capacity - at;
    memcpy(into, s->ring + at, first);
    memcpy(into + first, s->ring, len - first);
    return into;
}

static struct redis_entry redis_ring_entry(const struct redis_state *s, uint64_t pos)
{
    struct redis_entry e;

    memcpy(&e, redis_ring_view(s, pos, sizeof e, (char *)&e), sizeof e);
    return e;
}

/* ---------------------------------------------------------------- commands */

/* The key for one event: the template with each "{type}" replaced. */
static const char *redis_key(struct redis_state *s, const char *type, size_t *len)
{
    const char *t = s->key_template;
    size_t n = 0;

    if (!s->key_has_type) {
        *len = strlen(t);
        return t;
    }
    /* Bounded: a template of 255 bytes full of {type} is cut, not overrun. */
    while (*t != '\0' && n < sizeof s->key - 1) {
        if (strncmp(t, "{type}", 6) == 0) {
            size_t w = strlen(type);

            w = w < sizeof s->key - 1 - n ? w : sizeof s->key - 1 - n;
            memcpy(s->key + n, type, w);
            n += w;
            t += 6;
        } else {
            s->key[n++] = *t++;
        }
    }
    s->key[n] = '\0';
    *len = n;
    return s->key;
}

/* Appends the command for the entry at s->sent to hiredis's output buffer. */
static int redis_append(struct redis_state *s)
{
    struct redis_entry e = redis_ring_entry(s, s->sent);
    /* The longest: XADD key MAXLEN ~ N * event TYPE json LINE. */
    const char *argv[10];
    size_t argvlen[10];
    char maxlen[24];
    int argc = 0;

    memcpy(s->type, redis_ring_view(s, s->sent + sizeof e, e.type_len, s->type), e.type_len);
    s->type[e.type_len] = '\0';
#define REDIS_ARG(text, length) (argv[argc] = (text), argvlen[argc++] = (length))
    switch (s->mode) {
    case REDIS_LIST: REDIS_ARG("RPUSH", 5); break;
    case REDIS_CHANNEL: REDIS_ARG("PUBLISH", 7); break;
    case REDIS_STREAM: REDIS_ARG("XADD", 4); break;
    }
    argv[argc] = redis_key(s, s->type, &argvlen[argc]);
    argc++;
    if (s->mode == REDIS_STREAM) {
        if (s->maxlen != 0) {
            /* "~": Redis trims whole macro nodes, which is far cheaper
             * than an exact length on every entry (XADD docs). */
            REDIS_ARG("MAXLEN", 6);
            REDIS_ARG("~", 1);
            REDIS_ARG(maxlen, (size_t)snprintf(maxlen, sizeof maxlen, "%lu", s->maxlen));
        }
        REDIS_ARG("*", 1);
        REDIS_ARG("event", 5);
        REDIS_ARG(s->type, e.type_len);
        REDIS_ARG("json", 4);
    }
    REDIS_ARG(redis_ring_view(s, s->sent + sizeof e + e.type_len, e.json_len, s->scratch), e.json_len);
#undef REDIS_ARG
    if (redisAppendCommandArgv(s->ctx, argc, argv, argvlen) != REDIS_OK)
        return -1;
    s->sent += sizeof e + e.type_len + e.json_len;
    s->in_flight++;
    return 0;
}

/* One reply: the oldest command in flight is done. A command Redis refused
 * (a key of another type, a server out of memory) is not sent again: it
 * would be refused again. It is lost, counted, and said once. */
static void redis_acknowledge(struct redis_state *s, redisReply *reply)
{
    struct redis_entry e = redis_ring_entry(s, s->acked);

    if (reply->type == REDIS_REPLY_ERROR) {
        atomic_fetch_add(&s->lost, 1);
        if (!s->refusal_said)
            fprintf(stderr, "pop3scope: redis: %s refused an event: %.200s (further refusals only counted)\n", s->where,
                    reply->str);
        s->refusal_said = true;
    }
    s->acked += sizeof e + e.type_len + e.json_len;
    s->in_flight--;
    s->queued--;
}

/* Sends what is queued, batch commands per round trip, and reads their
 * replies. 0 when everything queued is answered; -1 when the server is
 * away (the rest stays queued). */
static int redis_pump(struct redis_state *s)
{
    void *reply;

    while (s->acked != s->head) {
        if (redis_ensure_connected(s) != 0)
            return -1;
        while (s->sent != s->head && s->in_flight < s->batch) {
            if (redis_append(s) != 0) {
                redis_disconnect(s, "out of memory");
                return -1;
            }
        }
        while (s->in_flight > 0) {
            if (redisGetReply(s->ctx, &reply) != REDIS_OK || reply == NULL) {
                redis_disconnect(s, s->ctx->errstr[0] != '\0' ? s->ctx->errstr : "connection closed");
                return -1;
            }
            redis_acknowledge(s, reply);
            freeReplyObject(reply);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- the ABI */

static int redis_where(struct redis_state *s, char *error, size_t error_size)
{
    if (s->unix_path[0] != '\0')
        snprintf(s->where, sizeof s->where, "%s", s->unix_path);
    else
        snprintf(s->where, sizeof s->where, "%s:%d", s->host, s->port);
    s->ring = malloc(s->capacity);
    if (s->ring == NULL) {
        snprintf(error, error_size, "out of memory for queue=%zu KiB", s->capacity / 1024);
        return -1;
    }
    return 0;
}

/* At open a reachable server that refuses AUTH or SELECT is a wrong
 * option (exit 2); an unreachable one is not: the run goes on, queuing. */
static int redis_first_connect(struct redis_state *s, char *error, size_t error_size)
{
    char why[256] = "";
    int rc = redis_connect(s, why, sizeof why);

    if (rc == -2) {
        snprintf(error, error_size, "option %s: %s %s", s->refused_by, s->where, why);
        return -1;
    }
    if (rc != 0) {
        fprintf(stderr, "pop3scope: redis: cannot reach %s (%s); queuing, retrying\n", s->where, why);
        s->down_said = true;
        redis_disconnect(s, why);
    }
    return 0;
}

static void redis_free(struct redis_state *s)
{
    if (s->ctx != NULL)
        redisFree(s->ctx);
    free(s->ring);
    free(s);
}

static void *redis_open(const struct pop3scope_plugin_option *options, size_t option_count, char *error,
                        size_t error_size)
{
    struct redis_state *s = calloc(1, sizeof *s);

    if (s == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    snprintf(s->host, sizeof s->host, "127.0.0.1");
    s->port = 6379;
    s->mode = REDIS_LIST;
    snprintf(s->key_template, sizeof s->key_template, "pop3scope");
    s->db = -1;
    s->batch = 256;
    s->drain_ms = 3000;
    s->capacity = (size_t)4096 * 1024;
    s->backoff_ms = REDIS_BACKOFF_MIN_MS;
    atomic_init(&s->lost, 0);
    for (size_t i = 0; i < option_count; i++) {
        if (redis_apply(s, &options[i], error, error_size) != 0) {
            redis_free(s);
            return NULL;
        }
    }
    if (redis_check_combination(s, error, error_size) != 0 || redis_where(s, error, error_size) != 0 ||
        redis_first_connect(s, error, error_size) != 0) {
        redis_free(s);
        return NULL;
    }
    return s;
}

static int redis_write(void *state, const struct pop3scope_plugin_event *ev)
{
    struct redis_state *s = state;
    size_t type_len = strlen(ev->type);
    struct redis_entry e = { (uint32_t)ev->json_len,
                             (uint32_t)(type_len < REDIS_TYPE_MAX ? type_len : REDIS_TYPE_MAX) };
    size_t need = sizeof e + e.type_len + e.json_len;

    if (ev->json_len > REDIS_LINE_MAX || s->capacity - (size_t)(s->head - s->acked) < need)
        return -1; /* the queue is full: pop3scope counts the drop */
    redis_ring_put(s, s->head, &e, sizeof e);
    redis_ring_put(s, s->head + sizeof e, ev->type, e.type_len);
    redis_ring_put(s, s->head + sizeof e + e.type_len, ev->json, e.json_len);
    s->head += need;
    s->queued++;
    /* A full batch goes out now; a partial one on flush (pop3scope flushes
     * whenever its queue runs empty). */
    if (s->queued - s->in_flight >= s->batch)
        (void)redis_pump(s);
    return 0;
}

static int redis_flush(void *state)
{
    struct redis_state *s = state;

    return redis_pump(s);
}

/* The end of the run: keep trying for drain_ms, then count the rest. */
static void redis_drain(void *state)
{
    struct redis_state *s = state;
    struct timespec deadline, pause = { 0, 10000000L };

    redis_after(&deadline, s->drain_ms);
    while (redis_pump(s) != 0 && !redis_reached(&deadline))
        nanosleep(&pause, NULL);
    if (s->queued > 0) {
        atomic_fetch_add(&s->lost, s->queued);
        fprintf(stderr, "pop3scope: redis: %s still unreachable after drain=%us; %" PRIu64 " queued events dropped\n",
                s->where, s->drain_ms / 1000, s->queued);
        s->acked = s->sent = s->head;
        s->queued = s->in_flight = 0;
    }
}

static uint64_t redis_lost(void *state)
{
    struct redis_state *s = state;

    return atomic_load(&s->lost);
}

static void redis_close(void *state)
{
    redis_free(state); /* drain has sent what it could */
}

static const struct pop3scope_plugin redis_plugin = {
    .abi_version = POP3SCOPE_PLUGIN_ABI,
    .struct_size = sizeof(struct pop3scope_plugin),
    .name = "redis",
    .open = redis_open,
    .write = redis_write,
    .flush = redis_flush,
    .close = redis_close,
    .drain = redis_drain,
    .lost = redis_lost,
};

const struct pop3scope_plugin *pop3scope_plugin_v1(void)
{
    return &redis_plugin;
}
