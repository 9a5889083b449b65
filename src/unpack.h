/* The bytes of a capture file as the readers want them: gzip, xz and zstd
 * files (known by their magic numbers, never by their names) are
 * decompressed on the way, anything else passes through untouched.
 *
 * Decompression streams into the caller's buffer: nothing is held but a
 * fixed input buffer and the decoder's own state (the xz and zstd window
 * sizes are capped), so a decompression bomb costs time, never memory. */
#ifndef POP3SCOPE_UNPACK_H
#define POP3SCOPE_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum unpack_kind {
    UNPACK_PLAIN,
    UNPACK_GZIP,
    UNPACK_XZ,
    UNPACK_ZSTD,
};

/* The longest xz dictionary and zstd window accepted: what `xz -9` and
 * `zstd -19` use, with room to spare; a file asking for more is refused as
 * damaged instead of taking the memory. */
#define UNPACK_MAX_WINDOW (128u * 1024u * 1024u)

struct unpack;

/* Reads the first bytes of fd (closed by unpack_free() when own_fd) to
 * learn what it holds. NULL only when out of memory; errno is then ENOMEM. */
struct unpack *unpack_open(int fd, int own_fd);

enum unpack_kind unpack_kind(const struct unpack *u);

/* "gzip", "xz", "zstd", or NULL for a plain file. */
const char *unpack_kind_name(enum unpack_kind kind);

/* Up to size bytes of the decompressed data. 0 at its end, -1 on a read
 * error or damaged compressed data (a stream cut short included): error
 * then holds one line saying what is wrong. */
ssize_t unpack_read(struct unpack *u, uint8_t *buf, size_t size, char *error, size_t error_size);

/* After unpack_read() failed: true when the file ended inside the
 * compressed stream (a copy cut short, a file still being written), false
 * for damaged data or a read error. */
bool unpack_cut(const struct unpack *u);

/* Bytes read from fd so far (the compressed file's bytes): what a progress
 * display compares with the file's size. Valid until unpack_free(). */
const uint64_t *unpack_bytes_read(const struct unpack *u);

void unpack_free(struct unpack *u);

#endif
