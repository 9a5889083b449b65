/* Inputs looked at before anything is read (input_check.h). The capture
 * reader (capture.c) still words its own errors for files that change
 * under it; this file only makes the common mistakes plain up front. */
#include "input_check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------ outputs vs inputs */

/* The output's resolved path: realpath of the file when it exists, else of
 * its parent directory with the last name added (open would create it
 * there). False when even the parent cannot be resolved: open will say so. */
static bool input_check_resolve_output(const char *output, char *out, size_t out_size)
{
    char parent[PATH_MAX], resolved[PATH_MAX];
    const char *slash = strrchr(output, '/');
    const char *base = slash != NULL ? slash + 1 : output;
    size_t parent_len = slash == NULL ? 1 : slash == output ? 1 : (size_t)(slash - output);

    if (realpath(output, resolved) != NULL)
        return (size_t)snprintf(out, out_size, "%s", resolved) < out_size;
    if (parent_len >= sizeof parent)
        return false;
    if (slash == NULL)
        memcpy(parent, ".", 2);
    else {
        memcpy(parent, output, parent_len);
        parent[parent_len] = '\0';
    }
    if (realpath(parent, resolved) == NULL)
        return false;
    return (size_t)snprintf(out, out_size, "%s/%s", strcmp(resolved, "/") == 0 ? "" : resolved, base) < out_size;
}

/* Is `path` (resolved) inside the directory `dir` (resolved)? */
static bool input_check_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    if (strcmp(dir, "/") == 0)
        return true;
    return strncmp(path, dir, n) == 0 && path[n] == '/';
}

bool input_check_output(const char *option, const char *output, const char *const *inputs, size_t count)
{
    struct stat out_st, in_st;
    bool out_exists;
    char out_real[PATH_MAX], in_real[PATH_MAX];
    bool out_resolved;

    if (output == NULL || strcmp(output, "-") == 0)
        return true;
    out_exists = stat(output, &out_st) == 0;
    out_resolved = input_check_resolve_output(output, out_real, sizeof out_real);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(inputs[i], "-") == 0 || stat(inputs[i], &in_st) != 0)
            continue;
        if (out_exists && out_st.st_dev == in_st.st_dev && out_st.st_ino == in_st.st_ino) {
            fprintf(stderr,
                    "pop3scope: %s %s is the input %s (the same file): refusing to overwrite a capture; "
                    "choose another output file\n",
                    option, output, inputs[i]);
            return false;
        }
        if (S_ISDIR(in_st.st_mode) && out_resolved && realpath(inputs[i], in_real) != NULL &&
            input_check_under(out_real, in_real)) {
            fprintf(stderr,
                    "pop3scope: %s %s is inside the input directory %s: refusing to write among the captures; "
                    "choose an output outside it\n",
                    option, output, inputs[i]);
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------ input files */

/* Formats recognised by their first bytes that pop3scope does not read,
 * each with what to do. Compressed files are left to the reader. */
static const struct {
    const char *magic;
    size_t len;
    const char *what;
} input_check_foreign[] = {
    { "GMBU", 4, "is a Network Monitor capture: convert it with editcap -F pcap" },
    { "RTSS", 4, "is a Network Monitor capture: convert it with editcap -F pcap" },
    { "snoop\0\0\0", 8, "is a snoop capture: convert it with editcap -F pcap" },
    { "TRSNIFF data", 12, "is a Sniffer capture: convert it with editcap -F pcap" },
    { "XCP\0", 4, "is a NetXRay capture: convert it with editcap -F pcap" },
};

#define INPUT_CHECK_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* "pop3scope: PATH WHAT" on stderr; WHAT kept for the end-of-run record. */
static bool input_check_refuse(const char *path, const char *what, char *reason, size_t reason_size)
{
    fprintf(stderr, "pop3scope: %s %s\n", path, what);
    if (reason != NULL && reason_size > 0)
        snprintf(reason, reason_size, "%s", what);
    return false;
}

bool input_check_file(const char *path, char *reason, size_t reason_size)
{
    struct stat st;
    unsigned char head[16];
    ssize_t got;
    int fd;

    if (strcmp(path, "-") == 0)
        return true;
    if (stat(path, &st) != 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        int err = errno;

        fprintf(stderr, "pop3scope: cannot open %s: %s\n", path, strerror(err));
        if (reason != NULL && reason_size > 0)
            snprintf(reason, reason_size, "cannot open: %s", strerror(err));
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return input_check_refuse(path, "is a directory: give the files or use -R", reason, reason_size);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return true;
    }
    got = pread(fd, head, sizeof head, 0);
    close(fd);
    if (st.st_size == 0 || got == 0)
        return input_check_refuse(path, "is empty", reason, reason_size);
    for (size_t i = 0; got > 0 && i < INPUT_CHECK_COUNT(input_check_foreign); i++) {
        if ((size_t)got >= input_check_foreign[i].len &&
            memcmp(head, input_check_foreign[i].magic, input_check_foreign[i].len) == 0)
            return input_check_refuse(path, input_check_foreign[i].what, reason, reason_size);
    }
    return true;
}

int input_check_linktype(const char *path)
{
    unsigned char h[24];
    uint32_t magic, link;
    int fd;
    ssize_t got;

    if (strcmp(path, "-") == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return DLT_EN10MB;
    got = pread(fd, h, sizeof h, 0);
    close(fd);
    if (got != (ssize_t)sizeof h)
        return DLT_EN10MB;
    magic = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    /* Microsecond and nanosecond pcap, in either byte order. */
    if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
        link = (uint32_t)h[20] << 24 | (uint32_t)h[21] << 16 | (uint32_t)h[22] << 8 | h[23];
    else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
        link = (uint32_t)h[23] << 24 | (uint32_t)h[22] << 16 | (uint32_t)h[21] << 8 | h[20];
    else
        return DLT_EN10MB;
    /* The upper bits carry the FCS length and flags (pcap-savefile(5)). */
    return (int)(link & 0x0fffffffu);
}

bool input_check_filter(const char *expression, int linktype)
{
    struct bpf_program program;
    pcap_t *dead;
    bool ok;

    if (expression == NULL)
        return true;
    dead = pcap_open_dead(linktype, 262144);
    if (dead == NULL) {
        fputs("pop3scope: out of memory\n", stderr);
        return false;
    }
    ok = pcap_compile(dead, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (ok)
        pcap_freecode(&program);
    else
        fprintf(stderr, "pop3scope: bad capture filter (-f) \"%s\": %s\n", expression, pcap_geterr(dead));
    pcap_close(dead);
    return ok;
}
