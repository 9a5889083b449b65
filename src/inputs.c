/* Inputs as people give them (inputs.h). */
#define _GNU_SOURCE /* fstatat's AT_ flags with -std=c11 */
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fmt.h"
#include "note.h"

struct inputs_file {
    char *path;
    size_t given; /* its place in the order of the command line */
    struct event_time first; /* its first record */
    bool has_first;
    struct event_time last; /* the latest packet read from it */
    bool has_last;
};

struct inputs {
    struct inputs_file *files;
    size_t count, max;
    bool too_many;
    size_t current;
    size_t overlaps; /* pairs noted */
    capture_frame_fn fn;
    capture_release_fn release;
    void *ctx;
};

static bool inputs_add(struct inputs *in, const char *path, bool probe)
{
    struct inputs_file *f;

    if (in->count >= in->max) {
        in->too_many = true;
        return false;
    }
    f = &in->files[in->count];
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    if (f->path == NULL)
        return false;
    f->given = in->count++;
    if (probe && strcmp(path, "-") != 0)
        (void)capture_probe(path, &f->first, &f->has_first);
    return true;
}

static int inputs_name_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted bytewise (the same order for everyone,
 * whatever the locale or file system). NULL on failure, errno set. */
static char **inputs_list_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL, **grown;
    size_t n = 0, cap = 0;

    if (d == NULL)
        return NULL;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            grown = realloc(names, cap * sizeof *names);
            if (grown == NULL)
                break;
            names = grown;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            break;
        n++;
    }
    closedir(d);
    if (names != NULL)
        qsort(names, n, sizeof *names, inputs_name_order);
    *count = n;
    return names != NULL ? names : calloc(1, sizeof *names);
}

static void inputs_free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

struct inputs_dir_tally {
    size_t others; /* regular files that are not captures */
    char first_other[256];
    size_t subdirs; /* not read: no -R, too deep, or symlinked */
    size_t links; /* symlinked directories */
};

static bool inputs_add_dir(struct inputs *in, const char *dir, bool recursive, unsigned depth);

/* One entry of a directory: a capture file is added, a directory read
 * when allowed, anything else counted in the tally. */
static bool inputs_add_entry(struct inputs *in, const char *path, const char *name, bool recursive, unsigned depth,
                             struct inputs_dir_tally *tally)
{
    struct event_time first;
    bool has_first;
    struct stat st;

    if (lstat(path, &st) != 0)
        return true; /* gone since the listing */
    if (S_ISLNK(st.st_mode) && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        tally->links++;
        return true;
    }
    if (S_ISDIR(st.st_mode)) {
        if (recursive && depth < INPUTS_MAX_DEPTH)
            return inputs_add_dir(in, path, recursive, depth + 1);
        tally->subdirs++;
        return true;
    }
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
        return true; /* fifos, sockets, devices: never read unasked */
    if (capture_probe(path, &first, &has_first) == CAPTURE_PROBE_OTHER) {
        if (tally->others++ == 0)
            snprintf(tally->first_other, sizeof tally->first_other, "%s", name);
        return true;
    }
    return inputs_add(in, path, true);
}

static void inputs_note_tally(const char *dir, const struct inputs_dir_tally *t, bool recursive)
{
    if (t->others > 0)
        note("pop3scope: %s: %zu file%s that %s not capture files skipped (%s%s)\n", dir, t->others,
             t->others == 1 ? "" : "s", t->others == 1 ? "is" : "are", t->first_other, t->others > 1 ? ", ..." : "");
    if (t->subdirs > 0)
        note("pop3scope: %s: %zu subdirector%s not read (%s)\n", dir, t->subdirs, t->subdirs == 1 ? "y" : "ies",
             recursive ? "deeper than the -R limit of " INPUTS_MAX_DEPTH_TEXT " levels" : "use -R to read them too");
    if (t->links > 0)
        note("pop3scope: %s: %zu symbolic link%s to directories not followed\n", dir, t->links,
             t->links == 1 ? "" : "s");
}

static bool inputs_add_dir(struct inputs *in, const char *dir, bool recursive, unsigned depth)
{
    struct inputs_dir_tally tally;
    size_t count = 0;
    char **names = inputs_list_dir(dir, &count);
    char path[4096];
    bool ok = true;
    size_t before = in->count;

    if (names == NULL) {
        fprintf(stderr, "pop3scope: %s: cannot list the directory: %s\n", dir, strerror(errno));
        return true; /* nothing from it; the run goes on and exits 2 */
    }
    memset(&tally, 0, sizeof tally);
    for (size_t i = 0; i < count && ok; i++) {
        int n = snprintf(path, sizeof path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);

        if (n < 0 || (size_t)n >= sizeof path)
            continue;
        ok = inputs_add_entry(in, path, names[i], recursive, depth, &tally);
    }
    inputs_free_names(names, count);
    /* Nothing at the top of a directory given without -R, only
     * directories below it: the user meant those. */
    if (ok && depth == 0 && in->count == before) {
        if (!recursive && tally.subdirs > 0) {
            fprintf(stderr, "pop3scope: %s is a directory: give the files or use -R\n", dir);
            tally.subdirs = 0;
        } else
            fprintf(stderr, "pop3scope: %s: no capture files in this directory\n", dir);
    }
    inputs_note_tally(dir, &tally, recursive);
    return ok;
}

/* First record time, files without one last in the order given, then
 * by name and by place on the command line: a total order, so the result
 * does not depend on the order the files were given in. */
static int inputs_time_order(const void *a, const void *b)
{
    const struct inputs_file *x = a, *y = b;
    int by_name;

    if (x->has_first != y->has_first)
        return x->has_first ? -1 : 1;
    if (!x->has_first)
        return x->given < y->given ? -1 : x->given > y->given;
    if (x->first.sec != y->first.sec)
        return x->first.sec < y->first.sec ? -1 : 1;
    if (x->first.usec != y->first.usec)
        return x->first.usec < y->first.usec ? -1 : 1;
    by_name = strcmp(x->path, y->path);
    if (by_name != 0)
        return by_name;
    return x->given < y->given ? -1 : x->given > y->given;
}

struct inputs *inputs_new(const char *const *args, size_t count, bool recursive, bool keep_order, size_t max_files)
{
    struct inputs *in = calloc(1, sizeof *in);
    struct stat st;
    bool ok = true;

    if (in == NULL || (in->files = calloc(max_files, sizeof *in->files)) == NULL) {
        free(in);
        fputs("pop3scope: out of memory\n", stderr);
        return NULL;
    }
    in->max = max_files;
    for (size_t i = 0; i < count && ok; i++) {
        if (strcmp(args[i], "-") != 0 && stat(args[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            ok = inputs_add_dir(in, args[i], recursive, 0);
        } else
            ok = inputs_add(in, args[i], true);
    }
    if (!ok || in->count == 0) {
        if (in->too_many)
            fprintf(stderr, "pop3scope: more than %zu capture files to read: give fewer files or directories\n",
                    max_files);
        else if (!ok)
            fputs("pop3scope: out of memory\n", stderr);
        inputs_free(in);
        return NULL;
    }
    if (!keep_order)
        qsort(in->files, in->count, sizeof *in->files, inputs_time_order);
    return in;
}

size_t inputs_count(const struct inputs *in)
{
    return in->count;
}

const char *inputs_path(const struct inputs *in, size_t i)
{
    return in->files[i].path;
}

static bool inputs_before(struct event_time a, struct event_time b)
{
    return a.sec < b.sec || (a.sec == b.sec && a.usec < b.usec);
}

void inputs_file_begin(struct inputs *in, size_t i, capture_frame_fn fn, capture_release_fn release, void *ctx)
{
    const struct inputs_file *f = &in->files[i];
    char first[40], last[40];

    in->current = i;
    in->fn = fn;
    in->release = release;
    in->ctx = ctx;
    for (size_t k = 0; k < i && f->has_first; k++) {
        const struct inputs_file *e = &in->files[k];

        /* The same file given twice overlaps itself by design (a
         * benchmark, tests/cli/progress.py): nothing to warn of. */
        if (!e->has_last || !inputs_before(f->first, e->last) || strcmp(e->path, f->path) == 0)
            continue;
        if (in->overlaps++ == INPUTS_MAX_OVERLAP_NOTES) {
            note("pop3scope: more files overlap in time; not listed one by one\n");
            continue;
        }
        if (in->overlaps > INPUTS_MAX_OVERLAP_NOTES)
            continue;
        fmt_time(f->first, first, sizeof first);
        fmt_time(e->last, last, sizeof last);
        note("pop3scope: %s and %s overlap in time (%s begins at %s, before %s ends at %s): events near the seam "
             "may differ from one unbroken capture\n",
             e->path, f->path, f->path, first, e->path, last);
    }
}

void inputs_frame(void *ctx, const struct capture_frame *frame)
{
    struct inputs *in = ctx;
    struct inputs_file *f = &in->files[in->current];

    if (!f->has_last || inputs_before(f->last, frame->ts)) {
        f->last = frame->ts;
        f->has_last = true;
    }
    in->fn(in->ctx, frame);
}

void inputs_release(void *ctx, uint64_t block)
{
    struct inputs *in = ctx;

    in->release(in->ctx, block);
}

void inputs_free(struct inputs *in)
{
    if (in == NULL)
        return;
    for (size_t i = 0; i < in->count; i++)
        free(in->files[i].path);
    free(in->files);
    free(in);
}
