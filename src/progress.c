/* pop3scope: the progress line (progress.h). */
#define _GNU_SOURCE /* fopencookie: stderr's writes come through here */
#include "progress.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* At most four lines a second: faster is flicker nobody can read. */
#define PROGRESS_INTERVAL_NS 250000000u
/* A clock read (vDSO, some 25 ns) every 256 frames is a tenth of a
 * nanosecond per frame, and still a look every few milliseconds. */
#define PROGRESS_FRAMES_PER_LOOK 256u
#define PROGRESS_LINE_MAX 512u
#define PROGRESS_ERASE "\r\033[K"

/* ------------------------------------------------------------ stderr */

/* The terminal side. While the line is on, stderr is a stream of ours
 * whose writes erase the line first, and so is stdout when it is the
 * same terminal (the text table, JSON lines); the line itself is written
 * to the descriptor directly. One per process, as the standard streams
 * are; the lock orders the line against writes from other threads (the
 * writer, plugins, libpcap). */
struct progress_guard {
    FILE **standard; /* &stderr or &stdout */
    int fd;
    FILE *original; /* the stream we replaced; NULL: not installed */
    FILE *guard;
};

static struct progress_tty {
    pthread_mutex_t lock;
    bool shown; /* the line is on the screen */
    bool at_line_start; /* the last byte anyone wrote was a newline: the line may go up */
    struct progress_guard err, out;
} progress_tty = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .at_line_start = true,
    .err = { .standard = &stderr, .fd = STDERR_FILENO },
    .out = { .standard = &stdout, .fd = STDOUT_FILENO },
};

static bool progress_write_all(int fd, const char *buf, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, buf, size);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        size -= (size_t)n;
    }
    return true;
}

static ssize_t progress_guard_write(void *cookie, const char *buf, size_t size)
{
    const struct progress_guard *g = cookie;
    bool ok;

    pthread_mutex_lock(&progress_tty.lock);
    if (progress_tty.shown) {
        (void)progress_write_all(STDERR_FILENO, PROGRESS_ERASE, sizeof PROGRESS_ERASE - 1);
        progress_tty.shown = false;
    }
    ok = progress_write_all(g->fd, buf, size);
    if (size > 0)
        progress_tty.at_line_start = buf[size - 1] == '\n';
    pthread_mutex_unlock(&progress_tty.lock);
    return ok ? (ssize_t)size : -1;
}

static bool progress_guard_install(struct progress_guard *g)
{
    cookie_io_functions_t io = { .write = progress_guard_write };
    FILE *guard = fopencookie(g, "w", io);

    if (guard == NULL)
        return false;
    /* Line by line, as a terminal's streams are: a message is one write,
     * so it erases the line once. */
    if (setvbuf(guard, NULL, _IOLBF, BUFSIZ) != 0) {
        fclose(guard);
        return false;
    }
    fflush(*g->standard);
    g->original = *g->standard;
    g->guard = guard;
    /* glibc's stdout and stderr are variables that may be assigned (glibc
     * manual, "Standard Streams"): every fprintf(stderr, ...) in the
     * process, plugins included, now comes through progress_guard_write. */
    *g->standard = guard;
    return true;
}

static void progress_guard_uninstall(struct progress_guard *g)
{
    if (g->original == NULL)
        return;
    fflush(g->guard);
    *g->standard = g->original;
    fclose(g->guard);
    g->original = NULL;
    g->guard = NULL;
}

/* stdout is the terminal the line is on: what it prints (a table, JSON
 * lines) would land in the middle of the line otherwise. */
static bool progress_stdout_shares_terminal(void)
{
    struct stat out, err;

    return isatty(STDOUT_FILENO) && fstat(STDOUT_FILENO, &out) == 0 && fstat(STDERR_FILENO, &err) == 0 &&
           S_ISCHR(out.st_mode) && S_ISCHR(err.st_mode) && out.st_rdev == err.st_rdev;
}

static bool progress_tty_install(void)
{
    if (!progress_guard_install(&progress_tty.err))
        return false;
    if (progress_stdout_shares_terminal() && !progress_guard_install(&progress_tty.out)) {
        progress_guard_uninstall(&progress_tty.err);
        return false;
    }
    return true;
}

static void progress_tty_uninstall(void)
{
    progress_guard_uninstall(&progress_tty.out);
    progress_guard_uninstall(&progress_tty.err);
}

/* "\r" LINE "\033[K" in one write, so the terminal never shows half a
 * line; only at the start of a line, never after someone's partial one. */
static void progress_tty_draw(const char *line, size_t len)
{
    char buf[PROGRESS_LINE_MAX + sizeof PROGRESS_ERASE];

    if (len > PROGRESS_LINE_MAX)
        len = PROGRESS_LINE_MAX;
    buf[0] = '\r';
    memcpy(buf + 1, line, len);
    memcpy(buf + 1 + len, "\033[K", 3);
    pthread_mutex_lock(&progress_tty.lock);
    if (progress_tty.shown || progress_tty.at_line_start)
        progress_tty.shown = progress_write_all(STDERR_FILENO, buf, len + 4);
    pthread_mutex_unlock(&progress_tty.lock);
}

static void progress_tty_erase(void)
{
    pthread_mutex_lock(&progress_tty.lock);
    if (progress_tty.shown)
        (void)progress_write_all(STDERR_FILENO, PROGRESS_ERASE, sizeof PROGRESS_ERASE - 1);
    progress_tty.shown = false;
    pthread_mutex_unlock(&progress_tty.lock);
}

/* Columns the line may take: one less than the terminal's, so the cursor
 * never wraps to a new line (a wrapped line cannot be rewritten by \r). */
static size_t progress_tty_width(void)
{
    struct winsize ws;

    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
        return ws.ws_col - 1u < PROGRESS_LINE_MAX ? ws.ws_col - 1u : PROGRESS_LINE_MAX;
    return 79;
}

/* ----------------------------------------------------------- counting */

#define PROGRESS_SIZE_UNKNOWN UINT64_MAX

struct progress {
    const char *const *inputs;
    size_t count;
    size_t index; /* the file being read */
    uint64_t *sizes; /* per input; PROGRESS_SIZE_UNKNOWN: not a regular file */
    uint64_t total; /* PROGRESS_SIZE_UNKNOWN unless every size is known */
    uint64_t done; /* bytes of the files read before this one */
    uint64_t file_bytes; /* read of this one, as its frames say */
    unsigned countdown; /* frames to the next look at the clock */
    uint64_t start_ns;
    uint64_t last_draw_ns;
    bool drawn; /* a line went up at least once */
    bool counting_only; /* progress_new_counting: no line, no stream replaced */
    capture_frame_fn next_frame;
    capture_release_fn next_release;
    void *next_ctx;
    /* Written by the event thread, read by the reader: relaxed is enough,
     * a count a moment old on the screen is fine. */
    _Atomic uint64_t sessions;
    _Atomic uint64_t attempts;
};

bool progress_wanted(int choice, bool quiet)
{
    if (choice >= 0)
        return choice > 0;
    return !quiet && isatty(STDERR_FILENO);
}

static uint64_t progress_now_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Bytes left to read in a regular file; "-" is stdin, a regular file too
 * when redirected from one (its offset may not be 0). */
static uint64_t progress_input_size(const char *path)
{
    struct stat st;
    off_t at = 0;
    bool is_stdin = strcmp(path, "-") == 0;

    if (is_stdin ? fstat(STDIN_FILENO, &st) != 0 : stat(path, &st) != 0)
        return 0; /* cannot be read: the reader says why, and it adds nothing */
    if (!S_ISREG(st.st_mode))
        return PROGRESS_SIZE_UNKNOWN;
    if (is_stdin && (at = lseek(STDIN_FILENO, 0, SEEK_CUR)) < 0)
        at = 0;
    return st.st_size > at ? (uint64_t)(st.st_size - at) : 0;
}

static struct progress *progress_make(const char *const *inputs, size_t count, bool counting_only)
{
    struct progress *p = calloc(1, sizeof *p);

    if (p == NULL || (p->sizes = calloc(count > 0 ? count : 1, sizeof *p->sizes)) == NULL) {
        free(p);
        return NULL;
    }
    p->inputs = inputs;
    p->count = count;
    for (size_t i = 0; i < count; i++) {
        p->sizes[i] = progress_input_size(inputs[i]);
        if (p->sizes[i] == PROGRESS_SIZE_UNKNOWN || p->total == PROGRESS_SIZE_UNKNOWN)
            p->total = PROGRESS_SIZE_UNKNOWN;
        else
            p->total += p->sizes[i];
    }
    atomic_init(&p->sessions, 0);
    atomic_init(&p->attempts, 0);
    p->countdown = PROGRESS_FRAMES_PER_LOOK;
    p->start_ns = p->last_draw_ns = progress_now_ns();
    p->counting_only = counting_only;
    if (!counting_only && !progress_tty_install()) {
        free(p->sizes);
        free(p);
        return NULL;
    }
    return p;
}

struct progress *progress_new(const char *const *inputs, size_t count)
{
    return progress_make(inputs, count, false);
}

struct progress *progress_new_counting(const char *const *inputs, size_t count)
{
    return progress_make(inputs, count, true);
}

bool progress_shown(const struct progress *p)
{
    return p != NULL && !p->counting_only;
}

void progress_event(struct progress *p, const struct event *ev)
{
    if (ev->type == EVENT_SESSION)
        atomic_fetch_add_explicit(&p->sessions, 1, memory_order_relaxed);
    else if (ev->type == EVENT_AUTH)
        atomic_fetch_add_explicit(&p->attempts, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------ the line */

/* The file's own name, control bytes shown as '?': a name is not to
 * move the cursor or clear the screen. */
static size_t progress_put_name(char *out, size_t room, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = strcmp(path, "-") == 0 ? "stdin" : slash != NULL ? slash + 1 : path;
    size_t n = 0;

    for (; name[n] != '\0' && n + 1 < room; n++)
        out[n] = (unsigned char)name[n] < 0x20 || name[n] == 0x7f ? '?' : name[n];
    out[n] = '\0';
    return n;
}

/* "512 kB", "12.3 MB", "1.24 GB": decimal units, as disks and dd count. */
static void progress_put_size(char *out, size_t room, uint64_t bytes)
{
    if (bytes >= 1000000000u)
        snprintf(out, room, "%.2f GB", (double)bytes / 1e9);
    else if (bytes >= 1000000u)
        snprintf(out, room, "%.1f MB", (double)bytes / 1e6);
    else
        snprintf(out, room, "%" PRIu64 " kB", bytes / 1000u);
}

/* Appends `piece` when it fits whole in `width`: on a narrow terminal the
 * line loses its last parts, never half a word. False once one did not
 * fit, so no later part jumps the gap. */
static bool progress_put(char *line, size_t *len, size_t width, const char *piece)
{
    size_t n = strlen(piece);

    if (*len + n > width)
        return false;
    memcpy(line + *len, piece, n + 1);
    *len += n;
    return true;
}

/* One line of at most `width` bytes (bytes stand in for columns: never
 * too wide): "pop3scope: 42% of 2.04 GB, 900 MB/s, 12 sessions, 20 login
 * attempts, file 3/30 NAME", or "... 120.5 MB read, ..." when the size of
 * an input is not known. line has PROGRESS_LINE_MAX + 1 bytes. */
static size_t progress_format(struct progress *p, uint64_t now, bool finished, char *line, size_t width)
{
    uint64_t cur = p->file_bytes, read, elapsed_ns = now > p->start_ns ? now - p->start_ns : 0;
    char amount[32], piece[PROGRESS_LINE_MAX];
    size_t len = 0;
    int n;

    if (p->index < p->count && p->sizes[p->index] != PROGRESS_SIZE_UNKNOWN && cur > p->sizes[p->index])
        cur = p->sizes[p->index]; /* the file grew while read: the percent stays in range */
    read = p->done + cur;
    line[0] = '\0';
    if (p->total != PROGRESS_SIZE_UNKNOWN) {
        unsigned percent = p->total == 0 || finished || read >= p->total ? 100u : (unsigned)(read * 100u / p->total);

        progress_put_size(amount, sizeof amount, p->total);
        snprintf(piece, sizeof piece, "pop3scope: %3u%% of %s", percent, amount);
    } else {
        progress_put_size(amount, sizeof amount, read);
        snprintf(piece, sizeof piece, "pop3scope: %s read", amount);
    }
    if (!progress_put(line, &len, width, piece)) {
        len = strlen(piece) < width ? strlen(piece) : width; /* a very narrow terminal: cut */
        memcpy(line, piece, len);
        line[len] = '\0';
        return len;
    }
    snprintf(piece, sizeof piece, ", %.0f MB/s",
             elapsed_ns > 0 ? (double)read / 1e6 / ((double)elapsed_ns / 1e9) : 0.0);
    if (!progress_put(line, &len, width, piece))
        return len;
    snprintf(piece, sizeof piece, ", %" PRIu64 " sessions", atomic_load_explicit(&p->sessions, memory_order_relaxed));
    if (!progress_put(line, &len, width, piece))
        return len;
    snprintf(piece, sizeof piece, ", %" PRIu64 " login attempts",
             atomic_load_explicit(&p->attempts, memory_order_relaxed));
    if (!progress_put(line, &len, width, piece) || finished || p->count < 2 || p->index >= p->count)
        return len;
    n = snprintf(piece, sizeof piece, ", file %zu/%zu ", p->index + 1, p->count);
    if (n > 0 && (size_t)n < sizeof piece) {
        progress_put_name(piece + n, sizeof piece - (size_t)n, p->inputs[p->index]);
        (void)progress_put(line, &len, width, piece);
    }
    return len;
}

static void progress_draw(struct progress *p, uint64_t now, bool finished)
{
    char line[PROGRESS_LINE_MAX + 1];
    size_t len = progress_format(p, now, finished, line, progress_tty_width());

    progress_tty_draw(line, len);
    p->drawn = true;
    p->last_draw_ns = now;
}

/* The first line a quarter of a second in: a short run shows none. */
static void progress_look(struct progress *p)
{
    uint64_t now;

    if (p->counting_only)
        return;
    now = progress_now_ns();
    if (now - p->last_draw_ns >= PROGRESS_INTERVAL_NS)
        progress_draw(p, now, false);
}

/* ------------------------------------------------------------ reading */

void progress_file_begin(struct progress *p, size_t index, capture_frame_fn frame, capture_release_fn release,
                         void *ctx)
{
    p->index = index;
    p->file_bytes = 0;
    p->next_frame = frame;
    p->next_release = release;
    p->next_ctx = ctx;
    progress_look(p);
}

void progress_frame(void *ctx, const struct capture_frame *frame)
{
    struct progress *p = ctx;

    p->next_frame(p->next_ctx, frame);
    if (frame->file_bytes != NULL)
        p->file_bytes = *frame->file_bytes;
    if (--p->countdown == 0) {
        p->countdown = PROGRESS_FRAMES_PER_LOOK;
        progress_look(p);
    }
}

void progress_release(void *ctx, uint64_t block)
{
    struct progress *p = ctx;

    p->next_release(p->next_ctx, block);
}

void progress_file_end(struct progress *p)
{
    uint64_t size = p->sizes[p->index];

    /* A regular file counts whole once read, damaged or not, so the
     * percent of the next one starts where it should. */
    p->done += size != PROGRESS_SIZE_UNKNOWN ? size : p->file_bytes;
    p->file_bytes = 0;
    p->index++;
    progress_look(p);
}

/* "pop3scope: file 2/3 NAME, 42% of 2.04 GB, 120345 packets, 12 sessions,
 * 20 login attempts", or "..., 120.5 MB read, ..." when a size is not
 * known. One write to stderr: with the line up, the guard erases it first. */
void progress_status(struct progress *p, uint64_t file_bytes, uint64_t packets)
{
    char name[256], amount[32], where[64];
    uint64_t cur, read;

    if (p->counting_only || file_bytes > p->file_bytes)
        p->file_bytes = file_bytes;
    cur = p->file_bytes;
    if (p->index < p->count && p->sizes[p->index] != PROGRESS_SIZE_UNKNOWN && cur > p->sizes[p->index])
        cur = p->sizes[p->index];
    read = p->done + cur;
    if (p->index < p->count)
        progress_put_name(name, sizeof name, p->inputs[p->index]);
    else
        snprintf(name, sizeof name, "(all read)");
    if (p->total != PROGRESS_SIZE_UNKNOWN) {
        unsigned percent = p->total == 0 || read >= p->total ? 100u : (unsigned)(read * 100u / p->total);

        progress_put_size(amount, sizeof amount, p->total);
        snprintf(where, sizeof where, "%u%% of %s", percent, amount);
    } else {
        progress_put_size(amount, sizeof amount, read);
        snprintf(where, sizeof where, "%s read", amount);
    }
    fprintf(stderr,
            "pop3scope: file %zu/%zu %s, %s, %" PRIu64 " packets, %" PRIu64 " sessions, %" PRIu64 " login attempts\n",
            p->index < p->count ? p->index + 1 : p->count, p->count, name, where, packets,
            atomic_load_explicit(&p->sessions, memory_order_relaxed),
            atomic_load_explicit(&p->attempts, memory_order_relaxed));
    fflush(stderr);
}

void progress_finish(struct progress *p)
{
    if (p == NULL)
        return;
    if (p->drawn)
        progress_draw(p, progress_now_ns(), true);
    progress_tty_erase();
}

void progress_free(struct progress *p)
{
    if (p == NULL)
        return;
    progress_tty_uninstall();
    free(p->sizes);
    free(p);
}
