/* Runs a harness without libFuzzer: each file named on the command line is
 * read whole into an exactly sized buffer and given to
 * LLVMFuzzerTestOneInput once. make check uses it to replay
 * tests/hostile/crashers/ and the seed corpora in an ordinary (or sanitizer) build,
 * so every input that once crashed stays a test. A directory argument
 * replays every regular file in it. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Larger than any seed or crasher; a bigger file is a mistake, not an input. */
#define REPLAY_MAX_INPUT (64u * 1024u * 1024u)

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf;
    size_t got;

    if (f == NULL || fstat(fileno(f), &st) != 0 || st.st_size < 0 || (size_t)st.st_size > REPLAY_MAX_INPUT) {
        fprintf(stderr, "replay: %s: %s\n", path, f == NULL ? strerror(errno) : "unreadable or too large");
        if (f != NULL)
            fclose(f);
        return 1;
    }
    /* malloc(0) may return NULL; one spare byte keeps the pointer valid
     * while the harness still sees exactly st_size bytes. */
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        fclose(f);
        return 1;
    }
    got = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    if (got != (size_t)st.st_size) {
        fprintf(stderr, "replay: %s: short read\n", path);
        free(buf);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    return 0;
}

static int replay_dir(const char *path, unsigned *count)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int bad = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        char child[4096];
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        if (snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= (int)sizeof child)
            continue;
        if (stat(child, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        bad |= replay_file(child);
        (*count)++;
    }
    closedir(d);
    return bad;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int bad = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            bad |= replay_dir(argv[i], &count);
        } else {
            bad |= replay_file(argv[i]);
            count++;
        }
    }
    printf("replayed %u inputs\n", count);
    return bad;
}
