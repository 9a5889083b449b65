/* The text table's columns for a given line width (output_text_layout.h).
 * The order in which columns give way is the README's ("Text output"):
 * what an auditor needs to read a row (when, which server, which account,
 * did it work, what crossed the wire) stays longest; what JSON, CSV or
 * --wide give whole (the server's words, the evidence frames, the client
 * port) goes first. A shown user name or secret is never cut: a cell too
 * narrow for it sends it to a line of its own (output_text.c). */
#include "output_text_layout.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define OUTPUT_TEXT_COLUMNS_ENV_MAX 10000

/* COLUMNS as the shell exports it: a number, nothing else. */
static unsigned output_text_layout_env_width(void)
{
    const char *s = getenv("COLUMNS");
    char *end;
    unsigned long n;

    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    n = strtoul(s, &end, 10);
    if (*end != '\0' || n == 0 || n > OUTPUT_TEXT_COLUMNS_ENV_MAX)
        return 0;
    return (unsigned)n;
}

unsigned output_text_layout_width(FILE *stream)
{
    unsigned width = output_text_layout_env_width();
    struct winsize ws;
    int fd;

    if (width > 0)
        return width;
    fd = stream == NULL ? -1 : fileno(stream);
    if (fd < 0 || !isatty(fd))
        return 0;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
        return 0;
    return ws.ws_col;
}

unsigned output_text_layout_fixed(const struct output_text_layout *layout)
{
    unsigned total = 0, shown = 0;

    for (int c = 0; c < OUTPUT_TEXT_COL_FRAMES; c++) {
        if (layout->width[c] == 0)
            continue;
        total += layout->width[c];
        shown++;
    }
    return shown == 0 ? 0 : total + OUTPUT_TEXT_GAP * (shown - 1);
}

static bool output_text_layout_fits(const struct output_text_layout *layout, unsigned width)
{
    unsigned need = output_text_layout_fixed(layout);

    if (layout->frames_shown)
        need += OUTPUT_TEXT_GAP + OUTPUT_TEXT_W_FRAMES_MIN;
    return need <= width;
}

/* One step of the stated order: a column narrowed to `to` (0: dropped). */
struct output_text_layout_step {
    enum output_text_column column;
    unsigned to;
    bool keeps_password; /* skipped when secrets are shown */
};

static const struct output_text_layout_step output_text_layout_steps[] = {
    { OUTPUT_TEXT_COL_RESPONSE, OUTPUT_TEXT_W_RESPONSE_NARROW, false },
    { OUTPUT_TEXT_COL_FRAMES, 0, false },
    { OUTPUT_TEXT_COL_RESPONSE, 0, false },
    { OUTPUT_TEXT_COL_PASSWORD, 0, true },
    { OUTPUT_TEXT_COL_CLIENT, 0, false },
    { OUTPUT_TEXT_COL_USER, OUTPUT_TEXT_W_USER_NARROW, false },
    { OUTPUT_TEXT_COL_METHOD, 0, false },
    { OUTPUT_TEXT_COL_PASSWORD, OUTPUT_TEXT_W_PASSWORD_NARROW, false },
    { OUTPUT_TEXT_COL_EXPOSURE, 0, false },
};

void output_text_layout_fit(struct output_text_layout *layout, unsigned width, bool show_passwords)
{
    static const unsigned full[OUTPUT_TEXT_COLUMNS] = {
        [OUTPUT_TEXT_COL_TIME] = OUTPUT_TEXT_W_TIME,         [OUTPUT_TEXT_COL_CLIENT] = OUTPUT_TEXT_W_ADDR,
        [OUTPUT_TEXT_COL_SERVER] = OUTPUT_TEXT_W_ADDR,       [OUTPUT_TEXT_COL_USER] = OUTPUT_TEXT_W_USER,
        [OUTPUT_TEXT_COL_METHOD] = OUTPUT_TEXT_W_METHOD,     [OUTPUT_TEXT_COL_OUTCOME] = OUTPUT_TEXT_W_OUTCOME,
        [OUTPUT_TEXT_COL_EXPOSURE] = OUTPUT_TEXT_W_EXPOSURE, [OUTPUT_TEXT_COL_PASSWORD] = OUTPUT_TEXT_W_PASSWORD,
        [OUTPUT_TEXT_COL_RESPONSE] = OUTPUT_TEXT_W_RESPONSE, [OUTPUT_TEXT_COL_FRAMES] = 0,
    };
    size_t i;

    memcpy(layout->width, full, sizeof full);
    layout->frames_shown = true;
    layout->frames_width = 0;
    if (width == 0)
        return;
    for (i = 0; i < sizeof output_text_layout_steps / sizeof output_text_layout_steps[0]; i++) {
        const struct output_text_layout_step *step = &output_text_layout_steps[i];

        if (output_text_layout_fits(layout, width))
            break;
        if (step->keeps_password && show_passwords)
            continue;
        if (step->column == OUTPUT_TEXT_COL_FRAMES)
            layout->frames_shown = false;
        else if (layout->width[step->column] > step->to)
            layout->width[step->column] = step->to;
    }
    if (layout->frames_shown)
        layout->frames_width = width - output_text_layout_fixed(layout) - OUTPUT_TEXT_GAP;
}
