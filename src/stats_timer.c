/* pop3scope: --stats-interval (stats_timer.h). */
#include "stats_timer.h"

void stats_timer_start(struct stats_timer *timer, uint32_t interval)
{
    timer->interval = interval;
    timer->next.tv_sec = 0;
    timer->next.tv_nsec = 0;
    if (interval > 0 && clock_gettime(CLOCK_MONOTONIC, &timer->next) == 0)
        timer->next.tv_sec += interval;
}

bool stats_timer_due(struct stats_timer *timer)
{
    struct timespec now;

    if (timer->interval == 0 || clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return false;
    if (now.tv_sec < timer->next.tv_sec || (now.tv_sec == timer->next.tv_sec && now.tv_nsec < timer->next.tv_nsec))
        return false;
    timer->next = now;
    timer->next.tv_sec += timer->interval;
    return true;
}
