/* LD_PRELOAD allocation counter for the speed bench (issue 6: no allocation
 * per packet in the steady state). Counts every malloc, calloc, realloc and
 * free of the process and writes one line at exit:
 *
 *   malloc N calloc N realloc N free N bytes B peak_live L peak_live_bytes P
 *
 * (peak_live: most blocks held at once; peak_live_bytes: most bytes held at
 * once, as malloc_usable_size counts them)
 * to the file named by MALLOC_COUNT_OUT (else stderr). The bench runs
 * pop3scope on two sizes of the same traffic: the difference in calls per
 * extra packet is the per-packet allocation rate.
 *
 * glibc's __libc_* entry points do the real work, so no dlsym() (which
 * itself allocates) is needed. Build: cc -shared -fPIC -o malloc_count.so
 * malloc_count.c */
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);

static uint64_t count_malloc, count_calloc, count_realloc, count_free, count_bytes;
static int64_t live, peak_live, live_bytes, peak_live_bytes;

static void count_live(int64_t delta, void *p)
{
    int64_t now = __atomic_add_fetch(&live, delta, __ATOMIC_RELAXED);
    int64_t bytes = __atomic_add_fetch(&live_bytes, delta * (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);

    if (now > peak_live)
        peak_live = now;
    if (bytes > peak_live_bytes)
        peak_live_bytes = bytes;
}

void *malloc(size_t size)
{
    void *p = __libc_malloc(size);

    __atomic_add_fetch(&count_malloc, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&count_bytes, size, __ATOMIC_RELAXED);
    if (p != NULL)
        count_live(1, p);
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);

    __atomic_add_fetch(&count_calloc, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&count_bytes, n * size, __ATOMIC_RELAXED);
    if (p != NULL)
        count_live(1, p);
    return p;
}

void *realloc(void *old, size_t size)
{
    void *p;

    if (old != NULL)
        count_live(-1, old);
    p = __libc_realloc(old, size);
    __atomic_add_fetch(&count_realloc, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&count_bytes, size, __ATOMIC_RELAXED);
    if (p != NULL)
        count_live(1, p);
    else if (old != NULL && size != 0)
        count_live(1, old); /* failed: the old block is still held */
    return p;
}

void free(void *p)
{
    if (p != NULL) {
        __atomic_add_fetch(&count_free, 1, __ATOMIC_RELAXED);
        count_live(-1, p);
    }
    __libc_free(p);
}

__attribute__((destructor)) static void count_report(void)
{
    const char *path = getenv("MALLOC_COUNT_OUT");
    FILE *f = path != NULL ? fopen(path, "w") : NULL;

    fprintf(f != NULL ? f : stderr,
            "malloc %llu calloc %llu realloc %llu free %llu bytes %llu peak_live %lld peak_live_bytes %lld\n",
            (unsigned long long)count_malloc, (unsigned long long)count_calloc, (unsigned long long)count_realloc,
            (unsigned long long)count_free, (unsigned long long)count_bytes, (long long)peak_live,
            (long long)peak_live_bytes);
    if (f != NULL)
        fclose(f);
}
