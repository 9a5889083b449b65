/* Tracker memory: the layout of one allocation, its red zones, the pool. */
#include "pop3_mem.h"

#include <stdlib.h>

/* AddressSanitizer (gcc says __SANITIZE_ADDRESS__, clang __has_feature):
 * a tracker kept in the pool is poisoned, so a use after
 * pop3_session_free is still reported; and the buffers that share the
 * tracker's allocation are parted by poisoned red zones, so an overrun
 * from one into the next is reported too. */
#if defined(__SANITIZE_ADDRESS__)
#define POP3_MEM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POP3_MEM_ASAN 1
#endif
#endif
#ifdef POP3_MEM_ASAN
#include <sanitizer/asan_interface.h>
#define POP3_MEM_REDZONE 64
#define POP3_MEM_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define POP3_MEM_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POP3_MEM_REDZONE 0
#define POP3_MEM_POISON(p, n) ((void)(p), (void)(n))
#define POP3_MEM_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* ------------------------------------------------------------ layout */

/* Places `size` bytes at the next boundary after *at; false if the total
 * would overflow. */
static bool pop3_mem_place(size_t *at, size_t size, size_t *offset)
{
    size_t start = *at;

    if (start > SIZE_MAX - POP3_MEM_REDZONE - 15)
        return false;
    start = (start + POP3_MEM_REDZONE + 15) & ~(size_t)15;
    if (size > SIZE_MAX - start)
        return false;
    *offset = start;
    *at = start + size;
    return true;
}

bool pop3_mem_layout(size_t head, const size_t *sizes, size_t count, struct pop3_mem_layout *out)
{
    size_t at = head;

    if (count > POP3_MEM_BUFFERS_MAX)
        return false;
    out->count = count;
    out->head = head;
    for (size_t i = 0; i < count; i++) {
        if (!pop3_mem_place(&at, sizes[i], &out->offset[i]))
            return false;
        out->end[i] = at;
    }
    out->size = at;
    return true;
}

void pop3_mem_poison_gaps(uint8_t *base, const struct pop3_mem_layout *l)
{
    size_t from = l->head;

    for (size_t i = 0; i < l->count; i++) {
        POP3_MEM_POISON(base + from, l->offset[i] - from);
        from = l->end[i];
    }
    POP3_MEM_POISON(base + from, l->size - from);
    (void)base;
    (void)from;
}

/* ------------------------------------------------------------ the pool */

/* At most this many freed trackers are kept. The pool only has to absorb
 * the churn of sessions ending and starting (a bench capture ends and
 * starts one every few hundred packets); every tracker kept is ~41 KiB
 * that no live session uses, so keeping as many as max_sessions could
 * hold hundreds of MiB after a burst. 16 is ~0.65 MiB at the defaults. */
#define POP3_POOL_MAX 16

struct pop3_pool {
    size_t keep; /* bound: min(POP3_POOL_MAX, what the caller allows) */
    size_t count;
    size_t block_size; /* size of the trackers kept (one set of limits) */
    void *kept[POP3_POOL_MAX];
};

struct pop3_pool *pop3_pool_new(size_t keep)
{
    struct pop3_pool *pool = calloc(1, sizeof *pool);

    if (pool == NULL)
        return NULL;
    pool->keep = keep == 0 || keep > POP3_POOL_MAX ? POP3_POOL_MAX : keep;
    return pool;
}

void pop3_pool_free(struct pop3_pool *pool)
{
    if (pool == NULL)
        return;
    for (size_t i = 0; i < pool->count; i++) {
        POP3_MEM_UNPOISON(pool->kept[i], pool->block_size);
        free(pool->kept[i]);
    }
    free(pool);
}

void *pop3_pool_take(struct pop3_pool *pool, size_t size)
{
    void *block;

    if (pool == NULL || pool->count == 0 || pool->block_size != size)
        return NULL;
    block = pool->kept[--pool->count];
    POP3_MEM_UNPOISON(block, size);
    return block;
}

bool pop3_pool_put(struct pop3_pool *pool, void *block, size_t size)
{
    if (pool == NULL || pool->count >= pool->keep)
        return false;
    if (pool->count == 0)
        pool->block_size = size;
    if (size != pool->block_size)
        return false;
    POP3_MEM_POISON(block, size);
    pool->kept[pool->count++] = block;
    return true;
}
