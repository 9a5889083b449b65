/* pop3scope: the -o file (output_file.h). */
#include "output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Output files hold credentials, so the path must lead to a file only this
 * process can reach:
 * - a new file is created exclusively (O_EXCL), mode 0600 whatever the
 *   umask (fchmod);
 * - an existing one is used only if it is a regular file, owned by our
 *   effective uid, with one link. Another owner may hold a descriptor
 *   opened before and read every password through it; a second link is a
 *   name elsewhere (another user's directory, /etc) for the same bytes;
 *   a FIFO would hand the whole output to whoever reads it;
 * - never through a symlink (O_NOFOLLOW on the last component);
 * - O_NONBLOCK on open, so a planted FIFO without a reader fails at once
 *   (ENXIO) instead of hanging the run; cleared once the file passed.
 * The checks are made with fstat on the descriptor itself, so the object
 * checked is the object written (no window between check and use).
 * Nothing is truncated or changed before the checks pass. `append` is the
 * SIGHUP reopen (log rotation: logrotate's "create" or a file we made on
 * an earlier HUP is written on after, not emptied). Returns the
 * descriptor, or -1 with the reason on stderr. */
static int output_file_open_fd(const char *path, bool append, const char *context)
{
    int flags = O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (append ? O_APPEND : 0);
    int fd = open(path, flags | O_CREAT | O_EXCL, 0600);
    const char *why = NULL;
    struct stat st;

    if (fd < 0 && errno == EEXIST)
        fd = open(path, flags);
    if (fd < 0) {
        int err = errno;

        /* ELOOP: the last component is a symlink; ENXIO: a FIFO nobody
         * reads (or a device without its driver). */
        fprintf(stderr, "pop3scope: %scannot write %s: %s\n", context, path,
                err == ELOOP   ? "it is a symbolic link"
                : err == ENXIO ? "not a regular file"
                               : strerror(err));
        return -1;
    }
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file (a FIFO, device or socket); redirect standard output instead";
    else if (st.st_uid != geteuid())
        why = "it belongs to another user, who could read the output through a descriptor opened before";
    else if (st.st_nlink != 1)
        why = "it has more than one hard link";
    else if (fchmod(fd, 0600) != 0 || (!append && ftruncate(fd, 0) != 0) ||
             fcntl(fd, F_SETFL, flags & ~(O_NONBLOCK | O_CLOEXEC)) != 0)
        why = strerror(errno);
    if (why != NULL) {
        fprintf(stderr, "pop3scope: %srefusing to write %s: %s\n", context, path, why);
        close(fd);
        return -1;
    }
    return fd;
}

FILE *output_file_open(const char *path)
{
    int fd = output_file_open_fd(path, false, "");
    FILE *f;

    if (fd < 0)
        return NULL;
    f = fdopen(fd, "w");
    if (f == NULL) {
        fprintf(stderr, "pop3scope: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
    }
    return f;
}

void output_file_discard(const char *path, FILE *stream)
{
    struct stat open_st, path_st;

    /* Only the very file we opened, still empty: a file put at the path
     * since (or one something else wrote to) is not ours to remove. */
    if (fflush(stream) != 0 || fstat(fileno(stream), &open_st) != 0 || lstat(path, &path_st) != 0)
        return;
    if (S_ISREG(path_st.st_mode) && path_st.st_dev == open_st.st_dev && path_st.st_ino == open_st.st_ino &&
        path_st.st_size == 0)
        unlink(path);
}

/* SIGHUP (log rotation): the path gets a fresh file, or the file
 * logrotate's "create" left there (if it passes output_file_open_fd's
 * checks: ours, regular, one link), appended to, swapped in under the same
 * stream. If it cannot be used (e.g. after -Z the directory is not
 * writable, or someone planted a FIFO), writing goes on to the old file
 * and stderr says so. */
void output_file_reopen(const char *path, FILE *stream)
{
    int fd;

    if (path == NULL || fflush(stream) != 0)
        return;
    fd = output_file_open_fd(path, true, "SIGHUP: ");
    if (fd < 0) {
        fprintf(stderr, "pop3scope: SIGHUP: still writing to the file opened before\n");
        return;
    }
    if (dup2(fd, fileno(stream)) < 0)
        fprintf(stderr, "pop3scope: SIGHUP: cannot reopen %s: %s; still writing to the file opened before\n", path,
                strerror(errno));
    else
        (void)fcntl(fileno(stream), F_SETFD, FD_CLOEXEC);
    close(fd);
}
