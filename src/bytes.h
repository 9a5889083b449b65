/* The one byte-span type: bytes borrowed from whoever owns them (a capture
 * buffer, a line, a scratch buffer), never owned by the span. Wire bytes:
 * may hold NUL, CR, LF or invalid UTF-8. data == NULL means "absent" (JSON
 * null); len == 0 with data != NULL is present and empty. */
#ifndef POP3SCOPE_BYTES_H
#define POP3SCOPE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bytes {
    const uint8_t *data;
    size_t len;
};

static inline bool bytes_present(struct bytes b)
{
    return b.data != NULL;
}

#endif
