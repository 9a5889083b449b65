/* Wire bytes as HTML text for the --report page: every string the peers
 * sent (user names, banners, methods) and every file name goes through
 * here, so none of it can become markup. */
#ifndef POP3SCOPE_REPORT_ESCAPE_H
#define POP3SCOPE_REPORT_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

struct out_writer;

/* Writes data as text safe inside an element or a double- or
 * single-quoted attribute value: & < > " ' as character references;
 * printable ASCII and well-formed UTF-8 as they are; controls (TAB, CR
 * and LF too), C1 controls, invalid UTF-8 and the bidirectional controls
 * (which would make a name read backwards) as the four characters \xNN
 * per byte; a backslash doubled. Output past 64 KiB is cut with "...". */
void report_escape_html(struct out_writer *w, const uint8_t *data, size_t len);

/* The same for a C string. */
void report_escape_string(struct out_writer *w, const char *text);

#endif
