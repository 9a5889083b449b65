/* Which columns of the text table are shown and how wide, for the width
 * the table must fit: the terminal's (COLUMNS, else the tty), or no limit
 * for a file or a pipe. Columns are dropped or narrowed in one stated
 * order (README "Text output") instead of letting rows wrap. */
#ifndef POP3SCOPE_OUTPUT_TEXT_LAYOUT_H
#define POP3SCOPE_OUTPUT_TEXT_LAYOUT_H

#include <stdbool.h>
#include <stdio.h>

/* --wide, --vertical, or the default: fit the terminal. */
enum output_text_mode {
    OUTPUT_TEXT_FIT = 0,
    OUTPUT_TEXT_WIDE,
    OUTPUT_TEXT_VERTICAL,
};

/* The table's columns, in the order a row shows them. */
enum output_text_column {
    OUTPUT_TEXT_COL_TIME,
    OUTPUT_TEXT_COL_CLIENT,
    OUTPUT_TEXT_COL_SERVER,
    OUTPUT_TEXT_COL_USER,
    OUTPUT_TEXT_COL_METHOD,
    OUTPUT_TEXT_COL_OUTCOME,
    OUTPUT_TEXT_COL_EXPOSURE,
    OUTPUT_TEXT_COL_PASSWORD,
    OUTPUT_TEXT_COL_RESPONSE,
    OUTPUT_TEXT_COL_FRAMES,
    OUTPUT_TEXT_COLUMNS
};

/* The widest cell of each column (FRAMES, always last, has none of its
 * own: it takes what is left of the line, or all it needs without a
 * limit). Addresses: every IPv4 endpoint, "255.255.255.255:65535". */
#define OUTPUT_TEXT_W_TIME 19
#define OUTPUT_TEXT_W_ADDR 21
#define OUTPUT_TEXT_W_USER 20
#define OUTPUT_TEXT_W_USER_NARROW 12
#define OUTPUT_TEXT_W_METHOD 10
#define OUTPUT_TEXT_W_OUTCOME 7
#define OUTPUT_TEXT_W_EXPOSURE 9
#define OUTPUT_TEXT_W_PASSWORD 20
#define OUTPUT_TEXT_W_PASSWORD_NARROW 12
#define OUTPUT_TEXT_W_RESPONSE 40
#define OUTPUT_TEXT_W_RESPONSE_NARROW 24
#define OUTPUT_TEXT_W_FRAMES_MIN 16
#define OUTPUT_TEXT_GAP 2 /* spaces between two cells */

/* width[c]: the cell width of column c, 0 when it is not shown. FRAMES:
 * frames_width is its limit, 0 for none. */
struct output_text_layout {
    unsigned width[OUTPUT_TEXT_COLUMNS];
    bool frames_shown;
    unsigned frames_width;
};

/* The width the table must fit when writing to `stream`: COLUMNS when it
 * holds a number from 1 to 10000, else the terminal's when `stream` is a
 * terminal, else 0 (no limit: a file or a pipe keeps whole rows). */
unsigned output_text_layout_width(FILE *stream);

/* The columns for a line of `width` characters (0: no limit, every column
 * at its full width). With show_passwords the PASSWORD column is never
 * dropped. When even the last step does not fit, the narrowest layout. */
void output_text_layout_fit(struct output_text_layout *layout, unsigned width, bool show_passwords);

/* The characters a row of this layout takes without its FRAMES cell. */
unsigned output_text_layout_fixed(const struct output_text_layout *layout);

#endif
