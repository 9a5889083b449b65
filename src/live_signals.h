/* pop3scope: the signals of a live capture. A handler only sets a flag;
 * the capture loop's tick reads and acts on it, so no work runs inside a
 * signal. */
#ifndef POP3SCOPE_LIVE_SIGNALS_H
#define POP3SCOPE_LIVE_SIGNALS_H

#include <stdbool.h>

/* SIGINT/SIGTERM ask to stop, SIGHUP to reopen the output (log rotation),
 * SIGUSR1 for a stats event now. */
void live_signals_catch(void);

/* Shutting down: SIGINT/SIGTERM kill again, SIGHUP/SIGUSR1 are ignored. */
void live_signals_release(void);

bool live_signals_stop_requested(void);

/* Each returns whether its signal came since the last call. */
bool live_signals_take_reopen(void);
bool live_signals_take_stats(void);

#endif
