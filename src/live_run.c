#include "live_run.h"

#include <inttypes.h>
#include <string.h>

#include "live_signals.h"
#include "note.h"
#include "output_file.h"
#include "stats_timer.h"

struct live_run_state {
    const struct live_run_options *opts;
    struct capture_live *live;
    struct engine *engine;
    struct stats_timer stats_timer;
};

static void live_run_write_stats(struct live_run_state *run)
{
    struct analyzer_stats st;
    struct capture_live_stats kernel;
    struct analyzer_usage use;
    struct event ev;

    capture_live_get_stats(run->live, &kernel);
    engine_stats(run->engine, &st, &use);
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_STATS;
    ev.u.stats.ts = use.now;
    ev.u.stats.packets = st.frames;
    ev.u.stats.bytes = st.frame_bytes;
    ev.u.stats.kernel_received = kernel.received;
    ev.u.stats.kernel_drops = kernel.dropped;
    ev.u.stats.interface_drops = kernel.interface_dropped;
    ev.u.stats.flows_active = st.flows_active;
    ev.u.stats.sessions_active = st.sessions_active;
    ev.u.stats.flows_evicted = st.flows_evicted;
    ev.u.stats.sessions_refused = st.sessions_refused;
    ev.u.stats.memory_flows = use.memory_flows;
    ev.u.stats.memory_sessions = use.memory_sessions;
    ev.u.stats.memory_reassembly = use.memory_reassembly;
    engine_post_stats(run->engine, &ev);
}

/* Runs between batches, never inside a signal handler. */
static bool live_run_tick(void *ctx)
{
    struct live_run_state *run = ctx;

    if (live_signals_stop_requested())
        return false;
    engine_flush(run->engine); /* no segment waits for the next batch */
    if (live_signals_take_reopen())
        output_file_reopen(run->opts->output_path, run->opts->output_stream);
    if (live_signals_take_stats())
        live_run_write_stats(run);
    if (stats_timer_due(&run->stats_timer))
        live_run_write_stats(run);
    return true;
}

static void live_run_report_drops(struct capture_live *live)
{
    struct capture_live_stats kernel;

    capture_live_get_stats(live, &kernel);
    if (kernel.dropped > 0 || kernel.interface_dropped > 0)
        note("pop3scope: %" PRIu64 " packets dropped by the kernel (see --buffer-size) and %" PRIu64
             " by the interface, of %" PRIu64 " received\n",
             kernel.dropped, kernel.interface_dropped, kernel.received);
}

enum capture_status live_run(struct capture_live *live, struct engine *engine, const struct live_run_options *opts)
{
    struct live_run_state run;
    enum capture_status st;

    memset(&run, 0, sizeof run);
    run.opts = opts;
    run.live = live;
    run.engine = engine;
    stats_timer_start(&run.stats_timer, opts->stats_interval);
    st = capture_live_run(live, engine_frame, engine, live_run_tick, &run);
    live_signals_release();
    engine_finish(engine, END_SHUTDOWN);
    live_run_write_stats(&run);
    live_run_report_drops(live);
    return st;
}
