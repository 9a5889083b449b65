/* Compressed captures decompressed as they are read (unpack.h).
 *
 * Each codec works from one fixed input buffer straight into the buffer of
 * whoever reads, so what the file decompresses to is consumed as it is
 * produced and never held: a gigabyte of zeros in a few kilobytes of gzip
 * costs the time to inflate it and nothing more. Concatenated streams
 * (`cat a.gz b.gz`, pigz, pzstd) read as one, as their tools do. A stream
 * that stops before its end is damage, not an end: the reader then reports
 * where, and the frames before it stand. */
#include "unpack.h"

#include <errno.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* Compressed bytes read per read(): large enough that the codec, not the
 * system call, sets the pace. */
#define UNPACK_INPUT_SIZE (64u * 1024u)
/* The longest magic number: xz's six bytes. */
#define UNPACK_MAGIC_SIZE 6u

struct unpack {
    int fd;
    int own_fd;
    enum unpack_kind kind;
    bool eof; /* read() said end of file */
    bool ended; /* the last stream ended cleanly: end of file here is the end */
    bool failed; /* every later read fails too, with the same words */
    bool cut; /* the failure: the file ended inside a compressed stream */
    char error[192];
    uint8_t in[UNPACK_INPUT_SIZE];
    size_t in_pos, in_end;
    uint64_t taken; /* bytes read from fd */
    z_stream gzip;
    lzma_stream xz;
    ZSTD_DStream *zstd;
};

static const uint8_t unpack_gzip_magic[] = { 0x1f, 0x8b };
static const uint8_t unpack_xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
static const uint8_t unpack_zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };

/* One read() into the free end of the input buffer. */
static bool unpack_fill(struct unpack *u, char *error, size_t error_size)
{
    ssize_t n;

    if (u->in_pos == u->in_end)
        u->in_pos = u->in_end = 0;
    do
        n = read(u->fd, u->in + u->in_end, sizeof u->in - u->in_end);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        /* libpcap's words for the same failure */
        snprintf(error, error_size, "error reading dump file: %s", strerror(errno));
        return false;
    }
    if (n == 0)
        u->eof = true;
    u->in_end += (size_t)n;
    u->taken += (uint64_t)n;
    return true;
}

static bool unpack_starts_with(const struct unpack *u, const uint8_t *magic, size_t n)
{
    return u->in_end >= n && memcmp(u->in, magic, n) == 0;
}

static bool unpack_start_codec(struct unpack *u)
{
    if (unpack_starts_with(u, unpack_gzip_magic, sizeof unpack_gzip_magic)) {
        u->kind = UNPACK_GZIP;
        /* 15 + 32: a zlib or gzip header, detected by inflate itself */
        return inflateInit2(&u->gzip, 15 + 32) == Z_OK;
    }
    if (unpack_starts_with(u, unpack_xz_magic, sizeof unpack_xz_magic)) {
        u->kind = UNPACK_XZ;
        u->xz = (lzma_stream)LZMA_STREAM_INIT;
        return lzma_stream_decoder(&u->xz, UNPACK_MAX_WINDOW + UNPACK_MAX_WINDOW / 4u, LZMA_CONCATENATED) == LZMA_OK;
    }
    if (unpack_starts_with(u, unpack_zstd_magic, sizeof unpack_zstd_magic)) {
        u->kind = UNPACK_ZSTD;
        u->zstd = ZSTD_createDStream();
        return u->zstd != NULL && !ZSTD_isError(ZSTD_DCtx_setParameter(u->zstd, ZSTD_d_windowLogMax, 27));
    }
    u->kind = UNPACK_PLAIN;
    return true;
}

struct unpack *unpack_open(int fd, int own_fd)
{
    struct unpack *u = calloc(1, sizeof *u);
    char ignored[8];

    if (u == NULL)
        return NULL;
    u->fd = fd;
    u->own_fd = own_fd;
    /* A pipe may hand the magic over in pieces. A read error here is met
     * again, and reported, by the first unpack_read(). */
    while (u->in_end < UNPACK_MAGIC_SIZE && !u->eof)
        if (!unpack_fill(u, ignored, sizeof ignored))
            break;
    if (!unpack_start_codec(u)) {
        if (u->kind == UNPACK_ZSTD)
            ZSTD_freeDStream(u->zstd);
        u->kind = UNPACK_PLAIN; /* nothing more for unpack_free() to end */
        unpack_free(u);
        errno = ENOMEM;
        return NULL;
    }
    return u;
}

enum unpack_kind unpack_kind(const struct unpack *u)
{
    return u->kind;
}

const char *unpack_kind_name(enum unpack_kind kind)
{
    switch (kind) {
    case UNPACK_GZIP: return "gzip";
    case UNPACK_XZ: return "xz";
    case UNPACK_ZSTD: return "zstd";
    case UNPACK_PLAIN: break;
    }
    return NULL;
}

/* The file's own bytes: what is buffered first, then read() straight into
 * the caller's buffer. */
static ssize_t unpack_plain(struct unpack *u, uint8_t *buf, size_t size, char *error, size_t error_size)
{
    size_t n = u->in_end - u->in_pos;
    ssize_t got;

    if (n > 0) {
        if (n > size)
            n = size;
        memcpy(buf, u->in + u->in_pos, n);
        u->in_pos += n;
        return (ssize_t)n;
    }
    if (u->eof)
        return 0;
    do
        got = read(u->fd, buf, size);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        snprintf(error, error_size, "error reading dump file: %s", strerror(errno));
        return -1;
    }
    if (got == 0)
        u->eof = true;
    u->taken += (uint64_t)got;
    return got;
}

/* A codec failed after making `made` bytes: those are still handed over
 * (the frames in them stand), and the failure comes with the next read. */
static ssize_t unpack_failed(struct unpack *u, size_t made)
{
    if (made == 0)
        return -1;
    u->failed = true;
    return (ssize_t)made;
}

/* One codec step from the input buffer into out: the bytes made, or -1
 * with error filled. Sets u->ended when a stream ends cleanly. */
static ssize_t unpack_gzip_step(struct unpack *u, uint8_t *out, size_t size, char *error, size_t error_size)
{
    int rc;

    if (u->ended && u->in_pos < u->in_end) {
        inflateReset(&u->gzip); /* another member follows */
        u->ended = false;
    }
    u->gzip.next_in = u->in + u->in_pos;
    u->gzip.avail_in = (uInt)(u->in_end - u->in_pos);
    u->gzip.next_out = out;
    u->gzip.avail_out = (uInt)size;
    rc = inflate(&u->gzip, Z_NO_FLUSH);
    u->in_pos = u->in_end - u->gzip.avail_in;
    if (rc == Z_STREAM_END)
        u->ended = true;
    else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        snprintf(error, error_size, "damaged gzip data (%s) near byte %llu of the file",
                 u->gzip.msg != NULL ? u->gzip.msg : zError(rc), (unsigned long long)(u->taken - u->gzip.avail_in));
        return unpack_failed(u, size - u->gzip.avail_out);
    }
    return (ssize_t)(size - u->gzip.avail_out);
}

static ssize_t unpack_xz_step(struct unpack *u, uint8_t *out, size_t size, char *error, size_t error_size)
{
    lzma_ret rc;

    u->xz.next_in = u->in + u->in_pos;
    u->xz.avail_in = u->in_end - u->in_pos;
    u->xz.next_out = out;
    u->xz.avail_out = size;
    rc = lzma_code(&u->xz, u->eof ? LZMA_FINISH : LZMA_RUN);
    u->in_pos = u->in_end - u->xz.avail_in;
    if (rc == LZMA_STREAM_END)
        u->ended = true;
    else if (rc == LZMA_MEMLIMIT_ERROR) {
        snprintf(error, error_size, "the xz data asks for more than %u MiB of memory to decompress",
                 (UNPACK_MAX_WINDOW + UNPACK_MAX_WINDOW / 4u) >> 20);
        return unpack_failed(u, size - u->xz.avail_out);
    } else if (rc != LZMA_OK && rc != LZMA_BUF_ERROR) {
        snprintf(error, error_size, "damaged xz data (liblzma error %d) near byte %llu of the file", (int)rc,
                 (unsigned long long)(u->taken - u->xz.avail_in));
        return unpack_failed(u, size - u->xz.avail_out);
    }
    return (ssize_t)(size - u->xz.avail_out);
}

static ssize_t unpack_zstd_step(struct unpack *u, uint8_t *out, size_t size, char *error, size_t error_size)
{
    ZSTD_inBuffer in = { u->in, u->in_end, u->in_pos };
    ZSTD_outBuffer o = { out, size, 0 };
    size_t rc = ZSTD_decompressStream(u->zstd, &o, &in);

    u->in_pos = in.pos;
    if (ZSTD_isError(rc)) {
        snprintf(error, error_size, "damaged zstd data (%s) near byte %llu of the file", ZSTD_getErrorName(rc),
                 (unsigned long long)(u->taken - (u->in_end - u->in_pos)));
        return unpack_failed(u, o.pos);
    }
    /* 0: a frame is decoded and flushed; another may follow */
    u->ended = rc == 0;
    return (ssize_t)o.pos;
}

static ssize_t unpack_step(struct unpack *u, uint8_t *out, size_t size, char *error, size_t error_size)
{
    switch (u->kind) {
    case UNPACK_GZIP: return unpack_gzip_step(u, out, size, error, error_size);
    case UNPACK_XZ: return unpack_xz_step(u, out, size, error, error_size);
    case UNPACK_ZSTD: return unpack_zstd_step(u, out, size, error, error_size);
    case UNPACK_PLAIN: break;
    }
    return unpack_plain(u, out, size, error, error_size);
}

/* Decompressed bytes until the first failure; from then on, that
 * failure. */
static ssize_t unpack_decompress(struct unpack *u, uint8_t *buf, size_t size)
{
    ssize_t made;

    for (;;) {
        if (u->in_pos == u->in_end && !u->eof && !unpack_fill(u, u->error, sizeof u->error))
            break;
        if (u->in_pos == u->in_end && u->eof && u->ended)
            return 0;
        made = unpack_step(u, buf, size, u->error, sizeof u->error);
        if (made < 0)
            break;
        if (made > 0)
            return made;
        if (u->in_pos == u->in_end && u->eof) {
            if (u->ended)
                return 0;
            snprintf(u->error, sizeof u->error, "the %s data is cut short: the file ends inside its compressed stream",
                     unpack_kind_name(u->kind));
            u->cut = true;
            break;
        }
    }
    u->failed = true;
    return -1;
}

ssize_t unpack_read(struct unpack *u, uint8_t *buf, size_t size, char *error, size_t error_size)
{
    ssize_t made = 0;

    if (u->kind == UNPACK_PLAIN || size == 0)
        return unpack_plain(u, buf, size, error, error_size);
    if (!u->failed)
        made = unpack_decompress(u, buf, size);
    if (made > 0)
        return made;
    if (u->failed) {
        snprintf(error, error_size, "%s", u->error);
        return -1;
    }
    return 0;
}

bool unpack_cut(const struct unpack *u)
{
    return u->failed && u->cut;
}

const uint64_t *unpack_bytes_read(const struct unpack *u)
{
    return &u->taken;
}

void unpack_free(struct unpack *u)
{
    if (u == NULL)
        return;
    if (u->kind == UNPACK_GZIP)
        inflateEnd(&u->gzip);
    else if (u->kind == UNPACK_XZ)
        lzma_end(&u->xz);
    else if (u->kind == UNPACK_ZSTD)
        ZSTD_freeDStream(u->zstd);
    if (u->own_fd)
        close(u->fd);
    free(u);
}
