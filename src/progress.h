/* pop3scope: the progress line (--progress, --no-progress; README
 * "Usage"). While files are read, one line on stderr, rewritten in place
 * at most four times a second: how much of the input was read (a percent
 * when every input is a regular file, else the bytes), how fast, and the
 * sessions and login attempts found so far. While the line is up, every
 * other write to stderr (ours, libpcap's, a plugin's), and to stdout when
 * it is the same terminal, erases it first, so nothing is ever glued to
 * it; it is erased at the end.
 *
 * Costs nothing when off (the frame callback is the engine's own); when
 * on, one load per frame and a look at the clock every
 * PROGRESS_FRAMES_PER_LOOK frames. */
#ifndef POP3SCOPE_PROGRESS_H
#define POP3SCOPE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "event.h"

/* `choice`: 1 --progress, 0 --no-progress, -1 neither: then the line is
 * shown when stderr is a terminal and -q was not given. Files only: the
 * caller never asks for live capture, which has stats events instead. */
bool progress_wanted(int choice, bool quiet);

struct progress;

/* Starts the clock, looks up the sizes of the inputs (all regular files:
 * a percent; a pipe, stdin from a pipe or a device: bytes read only) and
 * replaces stderr, and stdout when it is the same terminal, with streams
 * that erase the line before they write (above). Call before any thread
 * starts and before stdout is taken as the output. NULL when out of
 * memory: no line then. */
struct progress *progress_new(const char *const *inputs, size_t count);

/* The same counts without the line and without touching the streams: for
 * progress_status() when the line is off. Read with the engine's own frame
 * callback (progress_shown() is false), it costs nothing per frame. */
struct progress *progress_new_counting(const char *const *inputs, size_t count);

/* A line is drawn (progress_new), not only counted. False for NULL. */
bool progress_shown(const struct progress *p);

/* SIGUSR1 on a file run: one line on stderr, whatever -q says (it was
 * asked for): the file being read, the percent (or bytes) read, packets,
 * sessions and login attempts so far. `file_bytes`: read of the current
 * file, as the reader says (the counting mode sees no frames). */
void progress_status(struct progress *p, uint64_t file_bytes, uint64_t packets);

/* inputs[index] is about to be read: pass progress_frame and
 * progress_release (when `release` is not NULL) with `p` as ctx to
 * capture_read_file_held; they hand every frame and release on to
 * `frame` and `release` with `ctx`. */
void progress_file_begin(struct progress *p, size_t index, capture_frame_fn frame, capture_release_fn release,
                         void *ctx);
void progress_frame(void *ctx, const struct capture_frame *frame);
void progress_release(void *ctx, uint64_t block);
void progress_file_end(struct progress *p);

/* On the thread that delivers events (the writer with --threads): counts
 * sessions and login attempts, with relaxed atomics the reader side reads. */
void progress_event(struct progress *p, const struct event *ev);

/* Every input read and every event delivered: when a line was shown, its
 * last state (100 %, the final counts) is drawn, then erased. */
void progress_finish(struct progress *p);

/* Once no thread is left and the output is finished: gives stderr and
 * stdout back (a FILE * taken from stdout before is closed). NULL is a
 * no-op. */
void progress_free(struct progress *p);

#endif
