/* The adapter between the dispatcher and a loaded plugin. Everything is
 * sized once at begin: the spec's copy, the option table, the one buffer
 * each event is rendered into; nothing is allocated per event. */
#include "output_plugin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out_writer.h"
#include "output_builtin.h"
#include "plugin_loader.h"
#include "pop3scope_plugin.h"

#define OUTPUT_PLUGIN_MAX_OPTIONS 16
#define OUTPUT_PLUGIN_SPEC_MAX 1024
/* A JSON event line longer than this is dropped and counted; the longest
 * fields (user names, wire lines) are bounded well below it upstream. */
#define OUTPUT_PLUGIN_LINE_MAX 65536

struct output_plugin_state {
    struct plugin_loader_module *module;
    const struct pop3scope_plugin *plugin;
    void *plugin_state;
    char spec[OUTPUT_PLUGIN_SPEC_MAX];
    struct pop3scope_plugin_option options[OUTPUT_PLUGIN_MAX_OPTIONS];
    size_t option_count;
    FILE *render_stream; /* fmemopen over line */
    struct out_writer render_writer;
    void *json_state; /* the JSON format, writing into render_stream */
    uint64_t dropped;
    char line[OUTPUT_PLUGIN_LINE_MAX];
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

/* Splits "NAME:k=v,k=v" in place: st->spec keeps the name, options point
 * into it. Values cannot hold ',' (documented with --emit). */
static int output_plugin_parse(struct output_plugin_state *st, const struct output_plugin_config *cfg)
{
    char *rest;
    char *item;

    if (snprintf(st->spec, sizeof st->spec, "%s", cfg->spec) >= (int)sizeof st->spec) {
        snprintf(cfg->error, cfg->error_size, "--emit %.40s...: longer than %d bytes", cfg->spec,
                 OUTPUT_PLUGIN_SPEC_MAX - 1);
        return -1;
    }
    rest = strchr(st->spec, ':');
    if (rest == NULL)
        return 0;
    *rest++ = '\0';
    for (item = rest; item != NULL && *item != '\0';) {
        char *next = strchr(item, ',');
        char *eq = strchr(item, '=');

        if (next != NULL)
            *next++ = '\0';
        if (eq == NULL || (*eq = '\0', !output_plugin_key_ok(item))) {
            snprintf(cfg->error, cfg->error_size, "--emit %s: option '%s' is not key=value (key: [a-z0-9_-])",
                     cfg->spec, item);
            return -1;
        }
        if (st->option_count == OUTPUT_PLUGIN_MAX_OPTIONS) {
            snprintf(cfg->error, cfg->error_size, "--emit %s: more than %d options", cfg->spec,
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

static void output_plugin_free(void *state)
{
    struct output_plugin_state *st = state;

    if (st == NULL)
        return;
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
        snprintf(cfg->error, cfg->error_size, "--emit %s: %s", cfg->spec, why[0] != '\0' ? why : "the plugin refused");
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
    return st->json_state != NULL ? 0 : -1;
}

static void *output_plugin_begin(const struct out_format_options *opts)
{
    const struct output_plugin_config *cfg = opts->context;
    struct output_plugin_state *st;

    if (cfg == NULL || cfg->spec == NULL)
        return NULL;
    st = calloc(1, sizeof *st);
    if (st == NULL) {
        snprintf(cfg->error, cfg->error_size, "--emit %s: out of memory", cfg->spec);
        return NULL;
    }
    if (output_plugin_open(st, cfg, opts) != 0) {
        if (cfg->error[0] == '\0')
            snprintf(cfg->error, cfg->error_size, "--emit %s: out of memory", cfg->spec);
        output_plugin_free(st);
        return NULL;
    }
    return st;
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
    default: t = &ev->u.app_summary.ts, name = "app_summary"; break;
    }
    *usec = t->sec * 1000000 + (int64_t)t->usec;
    return name;
}

static void output_plugin_event(void *state, const struct event *ev)
{
    struct output_plugin_state *st = state;
    struct pop3scope_plugin_event pe = { .struct_size = sizeof pe };
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
    st->line[len] = '\0';
    pe.type = output_plugin_type(ev, &pe.time_usec);
    pe.json = st->line;
    pe.json_len = (size_t)len;
    if (st->plugin->write(st->plugin_state, &pe) != 0)
        st->dropped++;
}

static int output_plugin_finish(void *state)
{
    struct output_plugin_state *st = state;

    if (st->plugin->flush(st->plugin_state) != 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}

uint64_t output_plugin_dropped(const void *state)
{
    const struct output_plugin_state *st = state;

    return st != NULL ? st->dropped : 0;
}

const struct out_format output_plugin_format = {
    .name = "plugin",
    .begin = output_plugin_begin,
    .event = output_plugin_event,
    .finish = output_plugin_finish,
    .free = output_plugin_free,
};
