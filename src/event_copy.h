/* An event deep-copied into one flat buffer and back (--threads): a worker
 * packs the events its analyzer emits, with their byte strings, names and
 * flow, so they outlive the sink call and cross to the writer thread; the
 * writer unpacks them in place, pointers into the buffer. */
#ifndef POP3SCOPE_EVENT_COPY_H
#define POP3SCOPE_EVENT_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* More risk names than nDPI 4.2 has (~50) are not kept. */
#define EVENT_COPY_MAX_RISKS 64

/* Where an unpacked event lives: the event, its flow, and the arrays its
 * pointers need; the byte strings stay in the packed buffer. */
struct event_copy_view {
    struct event ev;
    struct event_flow flow;
    const char *risks[EVENT_COPY_MAX_RISKS];
    struct event_app_total apps[EVENT_APP_TOP];
};

/* Bytes event_copy_pack needs for this event. */
size_t event_copy_size(const struct event *ev);

/* Writes the event into buf, event_copy_size(ev) bytes, aligned for a
 * uint64_t. Every type is supported. */
void event_copy_pack(const struct event *ev, void *buf);

/* Rebuilds the event in *out; its pointers point into out and into buf,
 * which must stay unchanged while the event is used. */
void event_copy_unpack(const void *buf, struct event_copy_view *out);

#endif
