/* pop3scope: the signals of a live capture (live_signals.h). */
#include "live_signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t live_signals_stop;
static volatile sig_atomic_t live_signals_reopen;
static volatile sig_atomic_t live_signals_stats;
/* Any of the above: the one flag a file's read loop loads per record. */
static volatile sig_atomic_t live_signals_attention;
/* The signal that asked to stop (SIGINT or SIGTERM), for the exit code. */
static volatile sig_atomic_t live_signals_stop_signal;

static void live_signals_on_signal(int sig)
{
    live_signals_attention = 1;
    if (sig == SIGHUP)
        live_signals_reopen = 1;
    else if (sig == SIGUSR1)
        live_signals_stats = 1;
    else {
        live_signals_stop = 1;
        live_signals_stop_signal = sig;
    }
}

/* No SA_RESTART: a signal cuts the wait for packets short, so the tick
 * runs at once. */
static void live_signals_set(bool catch, bool files)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = catch ? live_signals_on_signal : SIG_DFL;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        /* A file run has no -o to reopen: a hangup ends it as before. */
        if (files && signals[i] == SIGHUP)
            continue;
        /* Once shutting down, a second ^C must still kill a stuck run. */
        if (!catch && (signals[i] == SIGHUP || signals[i] == SIGUSR1))
            sa.sa_handler = SIG_IGN;
        sigaction(signals[i], &sa, NULL);
    }
}

void live_signals_catch(void)
{
    live_signals_set(true, false);
}

void live_signals_catch_files(void)
{
    live_signals_set(true, true);
}

void live_signals_release(void)
{
    live_signals_set(false, false);
}

const volatile sig_atomic_t *live_signals_attention_flag(void)
{
    return &live_signals_attention;
}

/* Cleared before the flags are read: a signal that comes in between sets
 * it again, so none is lost. */
void live_signals_clear_attention(void)
{
    live_signals_attention = 0;
}

int live_signals_stop_signal_number(void)
{
    return live_signals_stop_signal;
}

bool live_signals_stop_requested(void)
{
    return live_signals_stop != 0;
}

bool live_signals_take_reopen(void)
{
    if (!live_signals_reopen)
        return false;
    live_signals_reopen = 0;
    return true;
}

bool live_signals_take_stats(void)
{
    if (!live_signals_stats)
        return false;
    live_signals_stats = 0;
    return true;
}
