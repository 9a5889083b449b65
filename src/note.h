/* pop3scope: messages on stderr that are not errors (-q, --quiet).
 *
 * Every stderr line is one of two kinds. An error says why part of the
 * input or output is missing (a file that cannot be read, a damaged
 * record, a failed write, a refused plugin) or why the exit status is not
 * 0; it is printed with fprintf(stderr, ...) and always shown. A note
 * says something about a run that did its job (frames with malformed
 * headers, evictions, plugin drops, "listening on", the kernel's drops);
 * it goes through note() and -q silences it. */
#ifndef POP3SCOPE_NOTE_H
#define POP3SCOPE_NOTE_H

#include <stdbool.h>

/* Set once by main before anything runs; read by any thread after. */
void note_set_quiet(bool quiet);

bool note_quiet(void);

/* fprintf(stderr, format, ...) unless quiet. */
void note(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
