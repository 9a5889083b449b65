/* pop3scope: notes on stderr, silenced by -q (note.h). */
#include "note.h"

#include <stdarg.h>
#include <stdio.h>

/* One flag for the process: -q is about the person reading stderr, not
 * about any one module, and every module that speaks to them honours it. */
static bool note_is_quiet;

void note_set_quiet(bool quiet)
{
    note_is_quiet = quiet;
}

bool note_quiet(void)
{
    return note_is_quiet;
}

void note(const char *format, ...)
{
    va_list args;

    if (note_is_quiet)
        return;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
}
