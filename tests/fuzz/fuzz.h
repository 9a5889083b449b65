/* What every harness shares: the libFuzzer entry point (declared here so
 * -Wmissing-prototypes holds) and a way to make the sanitizers read every
 * byte an event points at, so an over-read shows up where it is made. */
#ifndef POP3SCOPE_FUZZ_H
#define POP3SCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every byte and string an event refers to; returns a checksum the
 * caller keeps in a volatile so the reads cannot be optimised away. */
uint32_t fuzz_touch_event(const struct event *ev);

#endif
