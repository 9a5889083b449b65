/* The adapter between the dispatcher and a loaded plugin. Everything is
 * sized once at begin: the spec's copy, the option table, the buffer each
 * event is rendered into, the queue; nothing is allocated per event.
 *
 * The plugin runs on a thread of its own behind a bounded byte queue, so
 * a slow or stuck sink (a syslog or Redis server that stops reading) costs
 * queued events, counted as drops, and never stalls the analysis. */
#include "output_plugin.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out_writer.h"
#include "output_builtin.h"
#include "plugin_loader.h"
#include "pop3scope_plugin.h"

#define OUTPUT_PLUGIN_MAX_OPTIONS 16
#define OUTPUT_PLUGIN_SPEC_MAX 1024
/* A JSON event line longer than this is dropped and counted; the longest
 * fields (user names, wire lines) are bounded well below it upstream. */
#define OUTPUT_PLUGIN_LINE_MAX 65536
/* While a plugin's flush fails (its sink is away, its own queue waits),
 * the idle thread calls flush again this often, so the plugin can
 * reconnect and resend without waiting for the next event. */
#define OUTPUT_PLUGIN_RETRY_NSEC 50000000L
/* The queue must stay empty this long before the plugin is flushed: events
 * a few microseconds apart (a busy capture) then go out together, in one
 * pipelined round trip to a network sink, instead of one flush each. */
#define OUTPUT_PLUGIN_SETTLE_NSEC 5000000L

/* An optional function appended to the ABI: present only when the plugin's
 * struct_size covers it. */
#define OUTPUT_PLUGIN_HAS(plugin, field) \
    ((plugin)->struct_size >= offsetof(struct pop3scope_plugin, field) + sizeof((plugin)->field) && \
     (plugin)->field != NULL)

/* One queued event: this header, then json_len bytes of JSON. */
struct output_plugin_record {
    uint32_t json_len;
    uint32_t type; /* enum event_type */
    int64_t time_usec;
};

struct output_plugin_queue {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* the consumer: work or stop */
    char *bytes;
    size_t capacity;
    uint64_t head, tail; /* bytes written and read, ever; tail <= head */
    bool stopping;
    /* The consumer waits without a timeout: the next event must wake it.
     * Otherwise it wakes by itself within OUTPUT_PLUGIN_SETTLE_NSEC, and
     * the producer signals only a queue filling up: one wake-up per event
     * costs more than the plugin's work for it. */
    bool sleeping;
};

struct output_plugin_state {
    struct plugin_loader_module *module;
    const struct pop3scope_plugin *plugin;
    void *plugin_state;
    char spec[OUTPUT_PLUGIN_SPEC_MAX];
    char shown[OUTPUT_PLUGIN_SPEC_MAX]; /* the spec for messages: secrets masked */
    struct pop3scope_plugin_option options[OUTPUT_PLUGIN_MAX_OPTIONS];
    size_t option_count;
    FILE *render_stream; /* fmemopen over line */
    struct out_writer render_writer;
    void *json_state; /* the JSON format, writing into render_stream */
    uint64_t dropped; /* under queue.lock */
    struct output_plugin_queue queue;
    pthread_t thread;
    bool thread_started;
    char line[OUTPUT_PLUGIN_LINE_MAX]; /* the producer's */
    char consumer_line[OUTPUT_PLUGIN_LINE_MAX + 1]; /* the plugin thread's */
};

static int output_plugin_key_ok(const char *key)
{
    if (*key == '\0')
        return 0;
    for (; *key != '\0'; key++) {
        if (!((*key >= 'a' && *key <= 'z') || (*key >= '0' && *key <= '9') || *key == '_' || *key == '-'))
            return 0;
    }
    return 1;
}

static bool output_plugin_key_is_secret(const char *key, size_t len)
{
    static const char *const words[] = { "pass", "secret", "token", "key_file" };

    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t wlen = strlen(words[i]);

        for (size_t at = 0; at + wlen <= len; at++) {
            if (memcmp(key + at, words[i], wlen) == 0)
                return true;
        }
    }
    return false;
}

void output_plugin_mask_spec(const char *spec, char *out, size_t out_size)
{
    const char *colon = strchr(spec, ':');
    size_t n;

    if (out_size == 0)
        return;
    n = colon != NULL ? (size_t)(colon - spec) + 1 : strlen(spec);
    n = n < out_size - 1 ? n : out_size - 1;
    memcpy(out, spec, n);
    out[n] = '\0';
    for (const char *item = colon != NULL ? colon + 1 : NULL; item != NULL && *item != '\0';) {
        const char *end = strchr(item, ',');
        const char *eq = memchr(item, '=', end != NULL ? (size_t)(end - item) : strlen(item));
        size_t item_len = end != NULL ? (size_t)(end - item) : strlen(item);
        size_t used = strlen(out);

        if (eq != NULL && output_plugin_key_is_secret(item, (size_t)(eq - item)))
            snprintf(out + used, out_size - used, "%.*s***%s", (int)(eq + 1 - item), item, end != NULL ? "," : "");
        else
            snprintf(out + used, out_size - used, "%.*s", (int)(item_len + (end != NULL)), item);
        item = end != NULL ? end + 1 : NULL;
    }
}

/* Splits "NAME:k=v,k=v" in place: st->spec keeps the name, options point
 * into it. Values cannot hold ',' (documented with --emit). */
static int output_plugin_parse(struct output_plugin_state *st, const struct output_plugin_config *cfg)
{
    char *rest;
    char *item;

    if (snprintf(st->spec, sizeof st->spec, "%s", cfg->spec) >= (int)sizeof st->spec) {
        snprintf(cfg->error, cfg->error_size, "--emit %.40s...: longer than %d bytes", st->shown,
                 OUTPUT_PLUGIN_SPEC_MAX - 1);
        return -1;
    }
    rest = strchr(st->spec, ':');
    if (rest != NULL)
        *rest++ = '\0';
    if (st->spec[0] == '\0') {
        snprintf(cfg->error, cfg->error_size,
                 "--emit '%s': name a plugin or a path first (--emit NAME[:key=value,...])", st->shown);
        return -1;
    }
    for (item = rest; item != NULL && *item != '\0';) {
        char *next = strchr(item, ',');
        char *eq;

        if (next != NULL)
            *next++ = '\0';
        eq = strchr(item, '='); /* within this item only */
        if (eq == NULL || (*eq = '\0', !output_plugin_key_ok(item))) {
            snprintf(cfg->error, cfg->error_size, "--emit %s: option '%s' is not key=value (key: [a-z0-9_-])",
                     st->shown, item);
            return -1;
        }
        if (st->option_count == OUTPUT_PLUGIN_MAX_OPTIONS) {
            snprintf(cfg->error, cfg->error_size, "--emit %s: more than %d options", st->shown,
                     OUTPUT_PLUGIN_MAX_OPTIONS);
            return -1;
        }
        st->options[st->option_count].key = item;
        st->options[st->option_count].value = eq + 1;
        st->option_count++;
        item = next;
    }
    return 0;
}

static const char *output_plugin_type(const struct event *ev, int64_t *usec)
{
    const struct event_time *t;
    const char *name;

    switch (ev->type) {
    case EVENT_AUTH: t = &ev->u.auth.ts, name = "auth"; break;
    case EVENT_SESSION: t = &ev->u.session.ts_end, name = "session"; break;
    case EVENT_ALERT: t = &ev->u.alert.ts, name = "alert"; break;
    case EVENT_STATS: t = &ev->u.stats.ts, name = "stats"; break;
    case EVENT_RUN_END: *usec = 0; return "run_end"; /* no packet time of its own */
    default: t = &ev->u.app_summary.ts, name = "app_summary"; break;
    }
    *usec = t->sec * 1000000 + (int64_t)t->usec;
    return name;
}

static const char *const output_plugin_type_names[] = {
    [EVENT_AUTH] = "auth",   [EVENT_SESSION] = "session",         [EVENT_ALERT] = "alert",
    [EVENT_STATS] = "stats", [EVENT_APP_SUMMARY] = "app_summary", [EVENT_RUN_END] = "run_end",
};

/* Copies len bytes at ring position pos (wrapping) into or out of the queue. */
static void output_plugin_ring_put(struct output_plugin_queue *q, uint64_t pos, const void *data, size_t len)
{
    size_t at = (size_t)(pos % q->capacity);
    size_t first = len < q->capacity - at ? len : q->capacity - at;

    memcpy(q->bytes + at, data, first);
    memcpy(q->bytes, (const char *)data + first, len - first);
}

static void output_plugin_ring_get(const struct output_plugin_queue *q, uint64_t pos, void *data, size_t len)
{
    size_t at = (size_t)(pos % q->capacity);
    size_t first = len < q->capacity - at ? len : q->capacity - at;

    memcpy(data, q->bytes + at, first);
    memcpy((char *)data + first, q->bytes, len - first);
}

/* Waits for work, at most nsec when not 0. Returns true when that time
 * passed without a wake-up. */
static bool output_plugin_wait(struct output_plugin_queue *q, long nsec)
{
    struct timespec until;

    if (nsec == 0) {
        pthread_cond_wait(&q->wake, &q->lock);
        return false;
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += nsec;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(&q->wake, &q->lock, &until) == ETIMEDOUT;
}

/* The plugin thread: takes one record at a time out of the queue and
 * hands it to the plugin without holding the lock; flushes once the queue
 * has been empty for OUTPUT_PLUGIN_SETTLE_NSEC, and again now and then
 * while flush fails. The final flush (or drain) is output_plugin_finish's. */
static void *output_plugin_thread(void *arg)
{
    struct output_plugin_state *st = arg;
    struct output_plugin_queue *q = &st->queue;
    struct output_plugin_record rec;
    struct pop3scope_plugin_event pe = { .struct_size = sizeof pe };
    bool idle_flushed = true;
    bool settled = false; /* the queue stayed empty for the settle time */
    bool retry = false;

    pthread_mutex_lock(&q->lock);
    for (;;) {
        if (q->head == q->tail) {
            if (q->stopping)
                break;
            if (!idle_flushed && !settled) {
                settled = output_plugin_wait(q, OUTPUT_PLUGIN_SETTLE_NSEC);
                continue;
            }
            if (!idle_flushed) {
                pthread_mutex_unlock(&q->lock);
                retry = st->plugin->flush(st->plugin_state) != 0;
                pthread_mutex_lock(&q->lock);
                idle_flushed = true;
                continue;
            }
            q->sleeping = !retry;
            if (output_plugin_wait(q, retry ? OUTPUT_PLUGIN_RETRY_NSEC : 0))
                idle_flushed = settled = false; /* time to retry the flush */
            q->sleeping = false;
            continue;
        }
        output_plugin_ring_get(q, q->tail, &rec, sizeof rec);
        output_plugin_ring_get(q, q->tail + sizeof rec, st->consumer_line, rec.json_len);
        q->tail += sizeof rec + rec.json_len;
        pthread_mutex_unlock(&q->lock);
        st->consumer_line[rec.json_len] = '\0';
        pe.type = output_plugin_type_names[rec.type];
        pe.time_usec = rec.time_usec;
        pe.json = st->consumer_line;
        pe.json_len = rec.json_len;
        idle_flushed = settled = false;
        if (st->plugin->write(st->plugin_state, &pe) != 0) {
            pthread_mutex_lock(&q->lock);
            st->dropped++;
            continue;
        }
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* The producer side: a full queue drops the event and counts it. */
static void output_plugin_enqueue(struct output_plugin_state *st, const struct event *ev, size_t len)
{
    struct output_plugin_queue *q = &st->queue;
    struct output_plugin_record rec = { (uint32_t)len, (uint32_t)ev->type, 0 };

    (void)output_plugin_type(ev, &rec.time_usec);
    pthread_mutex_lock(&q->lock);
    if (q->capacity - (size_t)(q->head - q->tail) < sizeof rec + len) {
        st->dropped++;
    } else {
        output_plugin_ring_put(q, q->head, &rec, sizeof rec);
        output_plugin_ring_put(q, q->head + sizeof rec, st->line, len);
        q->head += sizeof rec + len;
        if (q->sleeping || q->head - q->tail >= q->capacity / 8)
            pthread_cond_signal(&q->wake);
    }
    pthread_mutex_unlock(&q->lock);
}

static void output_plugin_stop(struct output_plugin_state *st)
{
    if (!st->thread_started)
        return;
    pthread_mutex_lock(&st->queue.lock);
    st->queue.stopping = true;
    pthread_cond_signal(&st->queue.wake);
    pthread_mutex_unlock(&st->queue.lock);
    pthread_join(st->thread, NULL);
    st->thread_started = false;
}

static int output_plugin_start(struct output_plugin_state *st, size_t queue_bytes)
{
    st->queue.capacity = queue_bytes;
    st->queue.bytes = malloc(queue_bytes);
    if (st->queue.bytes == NULL)
        return -1;
    pthread_mutex_init(&st->queue.lock, NULL);
    pthread_cond_init(&st->queue.wake, NULL);
    if (pthread_create(&st->thread, NULL, output_plugin_thread, st) != 0)
        return -1;
    st->thread_started = true;
    return 0;
}

static void output_plugin_free(void *state)
{
    struct output_plugin_state *st = state;

    if (st == NULL)
        return;
    output_plugin_stop(st);
    if (st->queue.bytes != NULL) {
        pthread_mutex_destroy(&st->queue.lock);
        pthread_cond_destroy(&st->queue.wake);
        free(st->queue.bytes);
    }
    if (st->plugin_state != NULL)
        st->plugin->close(st->plugin_state);
    if (st->json_state != NULL)
        output_json_format.free(st->json_state);
    if (st->render_stream != NULL)
        fclose(st->render_stream);
    plugin_loader_close(st->module);
    free(st);
}

static int output_plugin_open(struct output_plugin_state *st, const struct output_plugin_config *cfg,
                              const struct out_format_options *opts)
{
    struct out_format_options json_opts = *opts;
    char why[384];

    if (output_plugin_parse(st, cfg) != 0)
        return -1;
    if (plugin_loader_open(st->spec, cfg->plugin_dir, &st->module, cfg->error, cfg->error_size) != 0)
        return -1;
    st->plugin = plugin_loader_plugin(st->module);
    why[0] = '\0';
    st->plugin_state = st->plugin->open(st->options, st->option_count, why, sizeof why);
    if (st->plugin_state == NULL) {
        snprintf(cfg->error, cfg->error_size, "--emit %s: %s", st->shown, why[0] != '\0' ? why : "the plugin refused");
        return -1;
    }
    st->render_stream = fmemopen(st->line, sizeof st->line, "w");
    if (st->render_stream == NULL)
        return -1;
    /* Fully buffered into line itself: ftell after fflush is the length. */
    setvbuf(st->render_stream, NULL, _IONBF, 0);
    out_writer_init(&st->render_writer, st->render_stream);
    json_opts.writer = &st->render_writer;
    json_opts.context = NULL;
    st->json_state = output_json_format.begin(&json_opts);
    if (st->json_state == NULL)
        return -1;
    return output_plugin_start(st, cfg->queue_bytes);
}

static void *output_plugin_begin(const struct out_format_options *opts)
{
    const struct output_plugin_config *cfg = opts->context;
    struct output_plugin_state *st;

    if (cfg == NULL || cfg->spec == NULL)
        return NULL;
    st = calloc(1, sizeof *st);
    if (st == NULL) {
        snprintf(cfg->error, cfg->error_size, "--emit: out of memory");
        return NULL;
    }
    output_plugin_mask_spec(cfg->spec, st->shown, sizeof st->shown);
    if (output_plugin_open(st, cfg, opts) != 0) {
        if (cfg->error[0] == '\0')
            snprintf(cfg->error, cfg->error_size, "--emit %s: out of memory", st->shown);
        output_plugin_free(st);
        return NULL;
    }
    return st;
}

static void output_plugin_event(void *state, const struct event *ev)
{
    struct output_plugin_state *st = state;
    long len;

    rewind(st->render_stream);
    output_json_format.event(st->json_state, ev);
    len = ftell(st->render_stream);
    if (st->render_writer.failed || len <= 0 || len >= (long)sizeof st->line) {
        if (st->render_writer.failed || len >= (long)sizeof st->line)
            st->dropped++;
        st->render_writer.failed = false; /* the next event starts afresh */
        clearerr(st->render_stream);
        return;
    }
    if (st->line[len - 1] == '\n')
        len--;
    output_plugin_enqueue(st, ev, (size_t)len);
}

static int output_plugin_finish(void *state)
{
    struct output_plugin_state *st = state;

    output_plugin_stop(st); /* the thread empties the queue first */
    if (OUTPUT_PLUGIN_HAS(st->plugin, drain)) {
        /* What it gives up on is counted by lost(): drops, not a failure. */
        st->plugin->drain(st->plugin_state);
        return 0;
    }
    if (st->plugin->flush(st->plugin_state) != 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}

uint64_t output_plugin_dropped(const void *state)
{
    struct output_plugin_state *st = (struct output_plugin_state *)state;
    uint64_t dropped;

    if (st == NULL)
        return 0;
    if (st->queue.bytes == NULL)
        return st->dropped;
    pthread_mutex_lock(&st->queue.lock);
    dropped = st->dropped;
    pthread_mutex_unlock(&st->queue.lock);
    if (st->plugin_state != NULL && OUTPUT_PLUGIN_HAS(st->plugin, lost))
        dropped += st->plugin->lost(st->plugin_state);
    return dropped;
}

const struct out_format output_plugin_format = {
    .name = "plugin",
    .begin = output_plugin_begin,
    .event = output_plugin_event,
    .finish = output_plugin_finish,
    .free = output_plugin_free,
};
