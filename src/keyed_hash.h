/* The process's keyed hash for tables whose keys come from the wire (user
 * names, addresses): SipHash-1-3 under the secret key flow.c draws from
 * getrandom() once per process, so no sender can choose keys that share
 * a bucket. Implemented in flow.c beside the flow hash, which uses the
 * same key and rounds. */
#ifndef POP3SCOPE_KEYED_HASH_H
#define POP3SCOPE_KEYED_HASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-1-3 of len bytes at data under the process key (seeded on first
 * use, thread-safe). Every bit is usable (e.g. & mask). */
uint64_t keyed_hash(const void *data, size_t len);

#endif
