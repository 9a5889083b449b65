/* pop3scope: --stats-interval. The wall clock, read here only (and for the
 * progress line, which is no event: progress.c): the
 * interval is about the sensor's life, not the traffic's (DESIGN.md,
 * "Time is packet time"). */
#ifndef POP3SCOPE_STATS_TIMER_H
#define POP3SCOPE_STATS_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct stats_timer {
    uint32_t interval; /* seconds; 0: never due */
    struct timespec next;
};

void stats_timer_start(struct stats_timer *timer, uint32_t interval);

/* True once per interval; the next one is counted from now. */
bool stats_timer_due(struct stats_timer *timer);

#endif
