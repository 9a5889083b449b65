/* The dispatcher: owns the writer on the caller's stream, picks the
 * format, and hands it every event until the run is finished. Formats
 * never call back into this file. */
#include "output.h"

#include <errno.h>
#include <stdlib.h>

#include "out_format.h"
#include "out_writer.h"
#include "output_builtin.h"
#include "output_plugin.h"

/* Indexed by enum output_format: a new format is one row here. */
static const struct out_format *const output_formats[] = {
    [OUTPUT_TEXT] = &output_text_format,
    [OUTPUT_JSON] = &output_json_format,
    [OUTPUT_CSV] = &output_csv_format,
    [OUTPUT_ECS] = &output_ecs_format,
};

/* One more consumer of every event: a plugin behind its adapter. */
struct output_extra {
    const struct out_format *format;
    void *state;
};

struct output {
    const struct out_format *format;
    void *state; /* the format's own */
    struct output_extra extras[OUTPUT_MAX_PLUGINS];
    size_t extra_count;
    struct out_writer writer;
    bool line_buffered; /* flush after every event (live use) */
    bool finished;
};

struct output *output_new(const struct output_options *opts, FILE *stream)
{
    struct out_format_options format_opts;
    struct output *out;

    if (opts == NULL || stream == NULL || (unsigned)opts->format >= sizeof output_formats / sizeof output_formats[0])
        return NULL;
    out = calloc(1, sizeof *out);
    if (out == NULL)
        return NULL;
    out->format = output_formats[opts->format];
    out->line_buffered = opts->line_buffered;
    out_writer_init(&out->writer, stream);
    format_opts.writer = &out->writer;
    format_opts.show_passwords = opts->show_passwords;
    format_opts.summary_only = opts->summary_only;
    format_opts.context = NULL;
    format_opts.text_mode = opts->text_mode;
    out->state = out->format->begin(&format_opts);
    if (out->state == NULL) {
        free(out);
        return NULL;
    }
    return out;
}

int output_open_plugins(struct output *out, const struct output_options *opts, char *error, size_t error_size)
{
    if (opts->plugin_overflow > 0) {
        snprintf(error, error_size, "--emit: at most %d plugins in one run (%zu given)", OUTPUT_MAX_PLUGINS,
                 opts->plugin_count + opts->plugin_overflow);
        return -1;
    }
    for (size_t i = 0; i < opts->plugin_count && i < OUTPUT_MAX_PLUGINS; i++) {
        struct output_plugin_config config = { opts->plugins[i], opts->plugin_dir,
                                               (size_t)opts->plugin_queue_kib * 1024, error, error_size };
        struct out_format_options format_opts = { &out->writer, opts->show_passwords, opts->summary_only, &config,
                                                  opts->text_mode };
        void *state;

        error[0] = '\0';
        state = output_plugin_format.begin(&format_opts);
        if (state == NULL)
            return -1;
        out->extras[out->extra_count].format = &output_plugin_format;
        out->extras[out->extra_count].state = state;
        out->extra_count++;
    }
    return 0;
}

uint64_t output_plugin_drops(const struct output *out)
{
    uint64_t drops = 0;

    for (size_t i = 0; out != NULL && i < out->extra_count; i++)
        drops += output_plugin_dropped(out->extras[i].state);
    return drops;
}

void output_event(void *ctx, const struct event *ev)
{
    struct output *out = ctx;

    if (out == NULL || ev == NULL || out->finished)
        return;
    out->format->event(out->state, ev);
    for (size_t i = 0; i < out->extra_count; i++)
        out->extras[i].format->event(out->extras[i].state, ev);
    if (out->line_buffered)
        out_writer_flush(&out->writer);
}

int output_finish(struct output *out)
{
    if (out == NULL)
        return -1;
    if (!out->finished) {
        out->finished = true;
        if (out->format->finish(out->state) != 0)
            out_writer_fail(&out->writer, errno);
        for (size_t i = 0; i < out->extra_count; i++) {
            if (out->extras[i].format->finish(out->extras[i].state) != 0)
                out_writer_fail(&out->writer, errno);
        }
    }
    return out_writer_finish(&out->writer);
}

void output_free(struct output *out)
{
    if (out == NULL)
        return;
    out->format->free(out->state);
    for (size_t i = 0; i < out->extra_count; i++)
        out->extras[i].format->free(out->extras[i].state);
    free(out);
}
