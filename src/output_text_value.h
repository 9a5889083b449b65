/* The text format's rule for showing bytes in a fixed-width cell, shared
 * by the table rows, the alert lines and the summary. */
#ifndef POP3SCOPE_OUTPUT_TEXT_VALUE_H
#define POP3SCOPE_OUTPUT_TEXT_VALUE_H

#include <stddef.h>
#include <stdint.h>

/* A value from the wire into buf (width + 1 bytes, width >= 8): printable
 * ASCII as is, '\\' and '"' escaped, other bytes as \xNN, quoted when it
 * could be misread; cut with "..." past width (README "Events"). */
void output_text_value(const uint8_t *data, size_t len, char *buf, size_t width);

/* A name that is ours or nDPI's: non-printable bytes as \xNN, cut with
 * "..." past width (buf: width + 1 bytes). */
void output_text_name(const uint8_t *data, size_t len, char *buf, size_t width);

#endif
