/* pop3scope: the signals of a live capture and of a file run. A handler
 * only sets a flag; the capture loop's tick (live_run.c, or main.c's for
 * files) reads and acts on it, so no work runs inside a signal. */
#ifndef POP3SCOPE_LIVE_SIGNALS_H
#define POP3SCOPE_LIVE_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* SIGINT/SIGTERM ask to stop, SIGHUP to reopen the output (log rotation),
 * SIGUSR1 for a stats event now. */
void live_signals_catch(void);

/* A file run: SIGINT/SIGTERM ask to stop reading, SIGUSR1 for a status
 * line on stderr; SIGHUP keeps its default. */
void live_signals_catch_files(void);

/* Shutting down: SIGINT/SIGTERM kill again, SIGHUP/SIGUSR1 are ignored. */
void live_signals_release(void);

bool live_signals_stop_requested(void);

/* Each returns whether its signal came since the last call. */
bool live_signals_take_reopen(void);
bool live_signals_take_stats(void);

/* Set by every caught signal: a read loop loads it once per record and
 * looks at the flags above only when it is set. */
const volatile sig_atomic_t *live_signals_attention_flag(void);
void live_signals_clear_attention(void);

/* SIGINT or SIGTERM, whichever asked to stop last; 0: none did. */
int live_signals_stop_signal_number(void);

#endif
