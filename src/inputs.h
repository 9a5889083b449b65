/* The files of a run as people give them: directories replaced by the
 * capture files in them, and the files put in the order their packets
 * were taken, so a capture rotated by tcpdump -C (cap, cap1, cap10, cap2
 * in shell-glob order) reads as the one capture it was. */
#ifndef POP3SCOPE_INPUTS_H
#define POP3SCOPE_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"

/* How deep -R descends below a directory given on the command line. */
#define INPUTS_MAX_DEPTH 32
#define INPUTS_MAX_DEPTH_TEXT "32"
/* Overlapping pairs noted one by one; past this, one line says more do. */
#define INPUTS_MAX_OVERLAP_NOTES 20

struct inputs;

/* `args` as given: a directory stands for its regular files that are
 * captures (pcap or pcapng, maybe compressed; the others are skipped
 * with one note per directory), sorted by name; subdirectories are read
 * only with `recursive`, and symlinked directories never (no loops).
 * Then, unless keep_order, every file is ordered by the time of its first
 * record, ties by name; files whose first time is unknown (stdin, empty,
 * damaged) come last, in the order given. NULL when nothing is left to
 * read or more than max_files would be (message out). */
struct inputs *inputs_new(const char *const *args, size_t count, bool recursive, bool keep_order, size_t max_files);

size_t inputs_count(const struct inputs *in);
const char *inputs_path(const struct inputs *in, size_t i);

/* Before file i is read: notes each earlier file whose last packet is
 * later than this file's first (one note per pair), then hands every frame
 * of file i to fn and release with ctx, through inputs_frame and
 * inputs_release (whose ctx is `in`). */
void inputs_file_begin(struct inputs *in, size_t i, capture_frame_fn fn, capture_release_fn release, void *ctx);
void inputs_frame(void *ctx, const struct capture_frame *frame);
void inputs_release(void *ctx, uint64_t block);

void inputs_free(struct inputs *in);

#endif
