/* pop3scope: wiring and exit codes: options (options.c) feed the input
 * (files, or interfaces: privileges.c, live_run.c) into the engine
 * (engine.c), whose events go through alerts to the output. Knows every
 * module's public header and nothing inside them (src/README.md). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "analyzer.h"
#include "capture.h"
#include "engine.h"
#include "input_check.h"
#include "live_run.h"
#include "live_signals.h"
#include "note.h"
#include "options.h"
#include "output.h"
#include "inputs.h"
#include "output_file.h"
#include "privileges.h"
#include "progress.h"
#include "report.h"

/* Documented in README.md ("Exit codes"). */
enum main_exit {
    EXIT_ALL_READ = 0,
    EXIT_USAGE = 1,
    EXIT_INPUT_PROBLEM = 2,
    EXIT_OUTPUT_PROBLEM = 3,
    EXIT_EXPOSURE = 4, /* --fail-on-exposure, and nothing else went wrong */
    EXIT_STOPPED_BASE = 128, /* + SIGINT/SIGTERM: a file run stopped early */
};

/* Problems with the input are never silent: one line per kind. Notes
 * (note.h): the run did its job, and -q is asked not to hear of it. */
static void main_report_input_problems(const struct analyzer_stats *st)
{
    if (st->malformed > 0 || st->truncated > 0)
        note("pop3scope: %" PRIu64 " frames with malformed headers, %" PRIu64
             " with headers cut by the snapshot length (first at record %" PRIu64 ")\n",
             st->malformed, st->truncated, st->first_bad_frame);
    if (st->fragments_dropped > 0 || st->fragment_overlaps > 0)
        note("pop3scope: %" PRIu64 " IP fragments: %" PRIu64 " datagrams reassembled, %" PRIu64
             " given up (timeout, limits, bad offsets; see --max-fragments), %" PRIu64 " overlaps that differed\n",
             st->fragments, st->fragments_reassembled, st->fragments_dropped, st->fragment_overlaps);
    if (st->bad_times > 0)
        note("pop3scope: %" PRIu64 " frames skipped: packet time outside 1970-9999 (first at record %" PRIu64 ")\n",
             st->bad_times, st->first_bad_time_frame);
    /* Offload alone changes nothing in the report and shows on every
     * capture taken on a sending host (every lo capture): say it only
     * with what it changed. */
    if (st->checksum_dropped > 0 || st->checksum_merged > 0)
        note("pop3scope: checksums: %" PRIu64 " segments dropped as wrong (the receiver drops them too), %" PRIu64
             " connection directions taken for checksum offload, %" PRIu64
             " GRO-merged segments kept (see --checksum-validation)\n",
             st->checksum_dropped, st->checksum_offloaded, st->checksum_merged);
    if (st->flows_evicted > 0)
        note("pop3scope: connection table full: %" PRIu64 " connections evicted (see --max-flows)\n",
             st->flows_evicted);
    if (st->sessions_refused > 0)
        note("pop3scope: %" PRIu64 " POP3 connections not analyzed: every tracker was busy (see --max-sessions)\n",
             st->sessions_refused);
    if (st->held_bytes_dropped > 0)
        note("pop3scope: %" PRIu64 " out-of-order bytes dropped at the reassembly limit\n", st->held_bytes_dropped);
}

/* A file run's inputs: how far each was read (event.h) and why not, for
 * the end-of-run record. Static in main: 4096 inputs are too many for a
 * stack. */
struct main_inputs {
    unsigned char status[OPTIONS_MAX_INPUTS]; /* enum event_input_status */
    const char *errors[OPTIONS_MAX_INPUTS]; /* NULL, or reasons[i] */
    char reasons[OPTIONS_MAX_INPUTS][INPUT_CHECK_REASON_MAX];
    size_t read; /* inputs read, to the end or in part */
};

/* Before any file is read and before -o is created: a refused filter is
 * a usage error (1); when no input can even be opened the run
 * ends with the errors alone (2). -1: go on. */
static int main_check_files(const struct options_config *cfg, struct main_inputs *in)
{
    size_t usable = 0;

    if (!input_check_filter(cfg->bpf_filter, input_check_linktype(cfg->inputs[0])))
        return EXIT_USAGE;
    for (size_t i = 0; i < cfg->input_count; i++) {
        if (input_check_file(cfg->inputs[i], in->reasons[i], sizeof in->reasons[i])) {
            in->status[i] = INPUT_READ;
            usable++;
        } else {
            in->status[i] = INPUT_UNREADABLE;
            in->errors[i] = in->reasons[i];
        }
    }
    return usable > 0 ? -1 : EXIT_INPUT_PROBLEM;
}

/* ------------------------------------------------------- event chain */

/* analyzer -> alerts (when on) -> output; stats go straight to output.
 * Counting here gives the stats event its events_written. */
struct main_sink {
    struct output *out;
    struct alert *alert;
    struct report *report; /* --report, or NULL */
    uint64_t events_written;
    uint64_t cleartext_exposures; /* auth events with exposure cleartext */
    struct progress *progress; /* NULL: no progress line */
    bool mute; /* no input was read: the engine's closing events go nowhere */
};

static void main_write(void *ctx, const struct event *ev)
{
    struct main_sink *sink = ctx;

    if (sink->mute)
        return;
    sink->events_written++;
    output_event(sink->out, ev);
    report_event(sink->report, ev);
}

/* A stats event gets the count of events written before it. */
static void main_write_stats_event(void *ctx, const struct event *ev)
{
    struct main_sink *sink = ctx;
    struct event copy = *ev;

    copy.u.stats.events_written = sink->events_written;
    copy.u.stats.output_drops = output_plugin_drops(sink->out);
    main_write(sink, &copy);
}

static void main_deliver(void *ctx, const struct event *ev)
{
    struct main_sink *sink = ctx;

    /* Counted before alerts and outputs, so no output choice (--csv,
     * --summary) changes what --fail-on-exposure sees. */
    if (ev->type == EVENT_AUTH && ev->u.auth.exposure == EXPOSURE_CLEARTEXT)
        sink->cleartext_exposures++;
    if (sink->progress != NULL)
        progress_event(sink->progress, ev);
    if (sink->alert != NULL)
        alert_observe(sink->alert, ev);
    else
        main_write(sink, ev);
}

static void main_report_alert_problems(const struct alert *alert)
{
    struct alert_stats st;

    if (alert == NULL)
        return;
    alert_get_stats(alert, &st);
    if (st.accounts_evicted > 0 || st.clients_evicted > 0 || st.sessions_evicted > 0)
        note("pop3scope: alert tables full: %" PRIu64 " accounts, %" PRIu64 " clients and %" PRIu64
             " sessions forgotten early (see --alert-max-tracked)\n",
             st.accounts_evicted, st.clients_evicted, st.sessions_evicted);
}

/* One file into the engine, through the progress line when there is one,
 * and through `inputs` (which notes files that overlap in time). */
static enum capture_status main_read_file(const struct options_config *cfg, size_t i, struct engine *engine,
                                          struct progress *progress, struct inputs *inputs)
{
    capture_release_fn release = engine_release_fn(engine);
    capture_frame_fn fn = engine_frame;
    void *ctx = engine;
    enum capture_status st;

    if (progress != NULL) {
        progress_file_begin(progress, i, engine_frame, release, engine);
        /* Not shown (counting only, for SIGUSR1): the engine's own callback,
         * no cost per frame. */
        if (progress_shown(progress)) {
            fn = progress_frame;
            release = release != NULL ? progress_release : NULL;
            ctx = progress;
        }
    }
    inputs_file_begin(inputs, i, fn, release, ctx);
    st = capture_read_file_held(cfg->inputs[i], cfg->bpf_filter, inputs_frame, release != NULL ? inputs_release : NULL,
                                inputs);
    if (progress != NULL)
        progress_file_end(progress);
    return st;
}

/* One input of a file run, unless the checks refused it; its status
 * recorded (a signal's stop is not the file's fault). */
static enum capture_status main_read_input(const struct options_config *cfg, size_t i, struct engine *engine,
                                           struct progress *progress, struct inputs *inputs, struct main_inputs *files)
{
    enum capture_status st;

    if (files->status[i] == INPUT_UNREADABLE)
        return CAPTURE_OPEN_FAILED; /* input_check said why */
    engine_begin_input(engine, (uint32_t)i); /* frame numbers restart per file */
    st = main_read_file(cfg, i, engine, progress, inputs);
    if (st != CAPTURE_OPEN_FAILED)
        files->read++;
    if (st == CAPTURE_OK || st == CAPTURE_STOPPED)
        return st;
    files->status[i] = st == CAPTURE_OPEN_FAILED ? INPUT_UNREADABLE : st == CAPTURE_CUT ? INPUT_CUT : INPUT_DAMAGED;
    snprintf(files->reasons[i], sizeof files->reasons[i], "%s",
             st == CAPTURE_OPEN_FAILED ? "cannot read as a capture file"
             : st == CAPTURE_CUT       ? "ends part-way through a record"
                                       : "stopped part-way");
    files->errors[i] = files->reasons[i];
    return st;
}

/* The end-of-run record, when some input failed and another was read. */
static void main_write_run_end(const struct options_config *cfg, const struct main_inputs *files,
                               struct main_sink *sink)
{
    struct event ev = { .type = EVENT_RUN_END };
    bool partial = false;

    for (size_t i = 0; i < cfg->input_count; i++)
        partial |= files->status[i] != INPUT_READ;
    if (!partial || files->read == 0)
        return;
    ev.u.run_end.input_count = cfg->input_count;
    ev.u.run_end.inputs = cfg->inputs;
    ev.u.run_end.status = files->status;
    ev.u.run_end.errors = files->errors;
    main_write(sink, &ev);
}

/* A file run's tick (capture_watch_files): runs only once a signal came. */
struct main_file_watch {
    struct engine *engine;
    struct progress *progress;
};

static bool main_file_tick(void *ctx, uint64_t file_bytes)
{
    struct main_file_watch *w = ctx;

    live_signals_clear_attention();
    if (live_signals_stop_requested())
        return false;
    if (live_signals_take_stats()) {
        struct analyzer_stats st;
        struct analyzer_usage use;

        engine_stats(w->engine, &st, &use);
        progress_status(w->progress, file_bytes, st.frames);
    }
    return true;
}

/* Files are one continuous capture, in the order given, so a capture
 * rotated by tcpdump -C/-G still pairs commands with replies. SIGINT or
 * SIGTERM stops reading at the next record. Returns the signal that
 * stopped the run, or 0; the caller ends the sessions. */
static int main_read_files(const struct options_config *cfg, struct engine *engine, struct progress *progress,
                           struct inputs *inputs, struct main_inputs *files, int *status)
{
    struct main_file_watch watch = { engine, progress };
    int stop_signal = 0;

    capture_watch_files(live_signals_attention_flag(), main_file_tick, &watch);
    for (size_t i = 0; i < cfg->input_count; i++) {
        enum capture_status st;

        st = main_read_input(cfg, i, engine, progress, inputs, files);
        if (st == CAPTURE_STOPPED || live_signals_stop_requested()) {
            stop_signal = live_signals_stop_signal_number();
            break;
        }
        if (st != CAPTURE_OK)
            *status = EXIT_INPUT_PROBLEM;
    }
    capture_watch_files(NULL, NULL, NULL);
    return stop_signal;
}

/* `live` is NULL for files, else the interfaces opened before privileges
 * were given up. `progress` is NULL, or the progress line for files. */
static int main_run(const struct options_config *cfg, FILE *out_stream, struct capture_live *live,
                    struct report *report, struct progress *progress, struct inputs *inputs, struct main_inputs *files)
{
    struct main_sink sink = { output_new(&cfg->output, out_stream), NULL, report, 0, 0, progress, false };
    struct engine *engine;
    struct analyzer_options analyzer;
    struct analyzer_stats stats;
    struct analyzer_usage use;
    int status = EXIT_ALL_READ;
    int stop_signal = 0; /* the signal that stopped a file run */
    bool output_closed = false;

    char plugin_error[512];

    if (sink.out == NULL) {
        fputs("pop3scope: out of memory\n", stderr);
        return EXIT_OUTPUT_PROBLEM;
    }
    /* A wrong --emit is a usage problem found before any packet is read. */
    if (output_open_plugins(sink.out, &cfg->output, plugin_error, sizeof plugin_error) != 0) {
        fprintf(stderr, "pop3scope: %s\n", plugin_error);
        output_free(sink.out);
        return EXIT_INPUT_PROBLEM;
    }
    if (options_alerts_on(cfg) && (sink.alert = alert_new(&cfg->alert, main_write, &sink)) == NULL) {
        fputs("pop3scope: out of memory for the alert tables (see --alert-max-tracked)\n", stderr);
        output_free(sink.out);
        return EXIT_INPUT_PROBLEM;
    }
    analyzer = cfg->analyzer;
    analyzer.input_names = cfg->inputs; /* evidence on auth events */
    analyzer.input_count = cfg->input_count;
    engine = engine_new(&analyzer, cfg->threads, main_deliver, main_write_stats_event, &sink);
    if (engine == NULL) {
        fputs(cfg->threads > 1 ? "pop3scope: cannot start the threads, or out of memory (see --threads, --max-flows)\n"
                               : "pop3scope: out of memory for the connection table (see --max-flows)\n",
              stderr);
        alert_free(sink.alert);
        output_free(sink.out);
        return EXIT_INPUT_PROBLEM;
    }
    if (live != NULL) {
        struct live_run_options lo = { cfg->stats_interval, cfg->output_path, out_stream };

        if (live_run(live, engine, &lo) != CAPTURE_OK)
            status = EXIT_INPUT_PROBLEM;
    } else {
        stop_signal = main_read_files(cfg, engine, progress, inputs, files, &status);
        /* Nothing read: even the end-of-run picture would be a report from
         * nothing. */
        sink.mute = files->read == 0;
        if (stop_signal != 0) {
            /* The sessions still open end as a stopped live capture's do; a
             * second signal while finishing kills at once. */
            live_signals_release();
            engine_finish(engine, END_SHUTDOWN);
        } else {
            engine_finish(engine, END_END_OF_INPUT);
        }
        main_write_run_end(cfg, files, &sink);
        /* Every event delivered: the last line has the final counts. */
        progress_finish(progress);
    }
    engine_stats(engine, &stats, &use);
    main_report_input_problems(&stats);
    main_report_alert_problems(sink.alert);
    /* No input read at all: no summary, no header, no report, only the
     * errors already on stderr. */
    if (live == NULL && files->read == 0) {
        engine_free(engine);
        alert_free(sink.alert);
        output_free(sink.out);
        return EXIT_INPUT_PROBLEM;
    }
    if (output_finish(sink.out) != 0) {
        /* Standard output closed by its reader (| head): it had all it
         * wanted; the status says the output is not whole, quietly, as a
         * tool killed by SIGPIPE would be. */
        output_closed = errno == EPIPE && out_stream == stdout;
        if (!output_closed)
            fprintf(stderr, "pop3scope: writing the output failed: %s\n", strerror(errno));
        status = EXIT_OUTPUT_PROBLEM;
    }
    if (report_finish(report, stats.frames, stats.frame_bytes) != 0)
        status = EXIT_OUTPUT_PROBLEM;
    /* Input and output problems (2, 3) say the picture is incomplete and
     * win; the exposure is still named on stderr. */
    if (cfg->fail_on_exposure && sink.cleartext_exposures > 0) {
        fprintf(stderr, "pop3scope: %" PRIu64 " login attempts sent a password in cleartext (--fail-on-exposure)\n",
                sink.cleartext_exposures);
        if (status == EXIT_ALL_READ)
            status = EXIT_EXPOSURE;
    }
    if (stop_signal != 0) {
        /* The reason for the status: said with -q too (README "Exit codes"). */
        fprintf(stderr,
                "pop3scope: reading stopped by %s after %" PRIu64
                " frames: the output covers them; open sessions ended as shutdown\n",
                stop_signal == SIGINT ? "SIGINT" : "SIGTERM", stats.frames);
        status = EXIT_STOPPED_BASE + stop_signal;
    }
    /* After output_finish: the plugin threads have emptied their queues. */
    if (output_plugin_drops(sink.out) > 0)
        note("pop3scope: --emit plugins dropped %" PRIu64 " events\n", output_plugin_drops(sink.out));
    engine_free(engine);
    alert_free(sink.alert);
    output_free(sink.out);
    return status;
}

/* Live capture: signals are caught from the start (a SIGTERM during setup
 * still ends cleanly), interfaces opened as root, then root given up. */
static int main_open_live(const struct options_config *cfg, struct capture_live **live)
{
    live_signals_catch();
    *live = capture_live_open(cfg->interfaces, cfg->interface_count, &cfg->live);
    if (*live == NULL)
        return EXIT_INPUT_PROBLEM;
    if (!privileges_drop(cfg->run_as)) {
        capture_live_close(*live);
        *live = NULL;
        return EXIT_USAGE;
    }
    return -1;
}

/* --report: opened with -o, before privileges are given up; a file the
 * run cannot write is refused before any packet is read. The run's alerts
 * off only by default (files) leave the report its own detectors. */
static struct report *main_open_report(const struct options_config *cfg)
{
    struct report_config rc = { cfg->report_path,
                                cfg->output.show_passwords,
                                cfg->interface_count > 0 ? cfg->interfaces : cfg->inputs,
                                cfg->interface_count > 0 ? cfg->interface_count : cfg->input_count,
                                cfg->interface_count > 0,
                                cfg->alerts < 0 && !options_alerts_on(cfg) ? &cfg->alert : NULL,
                                cfg->alerts == 0 };

    return report_open(&rc);
}

int main(int argc, char **argv)
{
    static struct options_config cfg;
    static struct main_inputs files;
    struct capture_live *live = NULL;
    struct report *report = NULL;
    struct progress *progress = NULL;
    struct inputs *inputs = NULL;
    FILE *out_stream;
    int status;

    /* A closed pipe (pop3scope ... | head) becomes exit status 3, quietly
     * (main_run), rather than a death by signal. */
    signal(SIGPIPE, SIG_IGN);
    options_default(&cfg);
    switch (options_parse(&cfg, argc, argv)) {
    case OPTIONS_RUN: break;
    case OPTIONS_DONE: return EXIT_ALL_READ;
    case OPTIONS_USAGE_ERROR: return EXIT_USAGE;
    }
    note_set_quiet(cfg.quiet);
    /* On the inputs as given: an output under an input directory is
     * refused even when that directory holds no capture yet. */
    if (cfg.interface_count == 0 && (!input_check_output("-o", cfg.output_path, cfg.inputs, cfg.input_count) ||
                                     !input_check_output("--report", cfg.report_path, cfg.inputs, cfg.input_count)))
        return EXIT_USAGE;
    /* Directories become their capture files and files go in packet-time
     * order before anything takes the list (the checks, progress, report,
     * evidence). */
    if (cfg.interface_count == 0) {
        inputs = inputs_new(cfg.inputs, cfg.input_count, cfg.recursive, cfg.keep_order, OPTIONS_MAX_INPUTS);
        if (inputs == NULL)
            return EXIT_INPUT_PROBLEM;
        cfg.input_count = inputs_count(inputs);
        for (size_t i = 0; i < cfg.input_count; i++)
            cfg.inputs[i] = inputs_path(inputs, i);
    }
    if (cfg.interface_count == 0 && (status = main_check_files(&cfg, &files)) >= 0) {
        inputs_free(inputs);
        return status;
    }
    /* Before any thread starts, and before stdout is taken as the output:
     * both may be replaced (progress.h). Live capture has stats events. */
    if (cfg.interface_count == 0 && progress_wanted(cfg.progress, cfg.quiet))
        progress = progress_new(cfg.inputs, cfg.input_count);
    /* Without the line, the counts alone: SIGUSR1 asks for them. */
    if (cfg.interface_count == 0 && progress == NULL)
        progress = progress_new_counting(cfg.inputs, cfg.input_count);
    /* A file run: SIGINT/SIGTERM stop reading, SIGUSR1 asks for a status
     * line; caught before anything is opened. */
    if (cfg.interface_count == 0)
        live_signals_catch_files();
    out_stream = stdout;
    if (cfg.output_path != NULL) {
        out_stream = output_file_open(cfg.output_path);
        if (out_stream == NULL) {
            progress_free(progress);
            inputs_free(inputs);
            return EXIT_OUTPUT_PROBLEM;
        }
    }
    if (cfg.report_path != NULL && (report = main_open_report(&cfg)) == NULL) {
        if (out_stream != stdout)
            fclose(out_stream);
        progress_free(progress);
        inputs_free(inputs);
        return EXIT_OUTPUT_PROBLEM;
    }
    if (cfg.interface_count > 0 && (status = main_open_live(&cfg, &live)) >= 0) {
        report_free(report);
        if (out_stream != stdout)
            fclose(out_stream);
        return status;
    }
    status = main_run(&cfg, out_stream, live, report, progress, inputs, &files);
    report_free(report); /* a report never finished is never renamed into place */
    capture_live_close(live);
    /* No input read at all: nothing was written (README "Exit codes"), and
     * no empty -o file is left behind either. */
    if (cfg.interface_count == 0 && files.read == 0 && out_stream != stdout)
        output_file_discard(cfg.output_path, out_stream);
    if (out_stream != stdout && fclose(out_stream) != 0) {
        fprintf(stderr, "pop3scope: closing %s failed: %s\n", cfg.output_path, strerror(errno));
        status = EXIT_OUTPUT_PROBLEM;
    }
    /* Last: gives stdout back (out_stream may be our stream on it) once
     * every thread has ended. */
    progress_free(progress);
    inputs_free(inputs);
    return status;
}
