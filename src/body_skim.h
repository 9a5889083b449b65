/* Skimming a POP3 message body: of its lines only the start matters (a "."
 * there is stuffing or the terminator, RFC 1939 §3), and a CR not followed
 * by LF is an anomaly, so every other byte can be counted in bulk. This is
 * the hottest loop of the analyzer (message bodies are most of the bytes):
 * it has one file per instruction set, and the best one this machine runs
 * is chosen once, at the first call. */
#ifndef POP3SCOPE_BODY_SKIM_H
#define POP3SCOPE_BODY_SKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of p[0..n) that need no look: stops before the first "." that
 * starts a line and before the first CR not followed by LF (one at the end
 * of the data may yet be a CRLF's, so it is left too). *line_start says on
 * entry whether p[0] begins a line and on return whether the byte after
 * the skimmed ones does. Any split of a body into calls gives the same
 * total. */
size_t body_skim(const uint8_t *p, size_t n, bool *line_start);

/* The implementations; every one gives the same answers. */
enum body_skim_variant {
    BODY_SKIM_PORTABLE, /* eight bytes per step in a machine word */
    BODY_SKIM_SSE2, /* 16 and 64 bytes per test (x86-64) */
    BODY_SKIM_AVX2, /* 64 bytes per test with 32-byte compares */
};

/* The variant body_skim uses (choosing it if not done yet). */
enum body_skim_variant body_skim_variant(void);

/* For tests: make body_skim use `variant` from now on. False, and nothing
 * changed, when this build or this CPU cannot run it. */
bool body_skim_force(enum body_skim_variant variant);

#endif
