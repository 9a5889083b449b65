/* The memory of a tracker, apart from what is in it: one allocation holds
 * the session struct and its buffers behind it (lines, pipelining ring,
 * scratch), each buffer parted from the next by a red zone that a
 * sanitizer build poisons; freed trackers wait in a small pool for the
 * next session (struct pop3_pool, pop3.h). pop3.c says which buffers a
 * session needs; this file says where they lie. */
#ifndef POP3SCOPE_POP3_MEM_H
#define POP3SCOPE_POP3_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pop3.h"

#define POP3_MEM_BUFFERS_MAX 8

/* Where each buffer lies in the allocation, in bytes from its start. */
struct pop3_mem_layout {
    size_t count;
    size_t offset[POP3_MEM_BUFFERS_MAX];
    size_t end[POP3_MEM_BUFFERS_MAX];
    size_t head; /* the struct before the buffers */
    size_t size; /* the whole allocation */
};

/* Lays out `count` buffers of sizes[i] bytes behind a struct of `head`
 * bytes, in that order, each on a 16-byte boundary after a red zone.
 * False if count is over POP3_MEM_BUFFERS_MAX or the total overflows. */
bool pop3_mem_layout(size_t head, const size_t *sizes, size_t count, struct pop3_mem_layout *out);

/* Poisons the red zones of a block laid out so (sanitizer builds; nothing
 * otherwise), so an overrun from one buffer into the next is reported. */
void pop3_mem_poison_gaps(uint8_t *base, const struct pop3_mem_layout *layout);

/* A kept block of exactly `size` bytes, unpoisoned, or NULL. pool may be
 * NULL. */
void *pop3_pool_take(struct pop3_pool *pool, size_t size);

/* Keeps block (of `size` bytes) for reuse if there is room and it has the
 * size of those kept, poisoned so a use after its session was freed is
 * still reported. False: the caller frees it. pool may be NULL. */
bool pop3_pool_put(struct pop3_pool *pool, void *block, size_t size);

#endif
