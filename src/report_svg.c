/* The --report timeline (report_svg.h). */
#include "report_svg.h"

#include <inttypes.h>

#include "fmt.h"
#include "out_writer.h"
#include "report_escape.h"

#define REPORT_SVG_LABEL 190 /* px for the account names */
#define REPORT_SVG_BIN 12 /* px per bin */
#define REPORT_SVG_ROW 22 /* px per account */
#define REPORT_SVG_BAR 18 /* px of the tallest bar in a row */
#define REPORT_SVG_AXIS 34 /* px under the rows for the time labels */
#define REPORT_SVG_COUNT 70 /* px right of the bars for the row's total */
#define REPORT_SVG_NAME_MAX 26 /* bytes of a name drawn; the <title> has it all */

/* A label cut at a character boundary: never inside a UTF-8 sequence. */
static size_t report_svg_cut(const uint8_t *data, size_t len)
{
    size_t n = len < REPORT_SVG_NAME_MAX ? len : REPORT_SVG_NAME_MAX;

    while (n > 0 && n < len && (data[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void report_svg_label(struct out_writer *w, unsigned y, const struct report_account *a)
{
    size_t n = report_svg_cut(a->user, a->user_text.len);

    out_writer_printf(w, "<text x=\"4\" y=\"%u\" class=\"lbl\"><title>", y);
    report_escape_html(w, a->user, a->user_text.len);
    out_writer_puts(w, "</title>");
    if (!a->user_text.present)
        out_writer_puts(w, "-");
    else
        report_escape_html(w, a->user, n);
    if (n < a->user_text.len || a->user_text.truncated)
        out_writer_puts(w, "\xE2\x80\xA6"); /* an ellipsis: the name goes on */
    out_writer_puts(w, "</text>");
}

/* One row of stacked bars: failures at the bottom, successes above,
 * scaled so the row's busiest bin fills the row. */
static void report_svg_bars(struct out_writer *w, unsigned top, const uint32_t *success, const uint32_t *failure)
{
    uint64_t peak = 0, total = 0;

    for (size_t i = 0; i < REPORT_BINS; i++) {
        uint64_t sum = (uint64_t)success[i] + failure[i];

        peak = sum > peak ? sum : peak;
        total += sum;
    }
    for (size_t i = 0; i < REPORT_BINS && peak > 0; i++) {
        unsigned x = REPORT_SVG_LABEL + (unsigned)i * REPORT_SVG_BIN;
        unsigned bottom = top + REPORT_SVG_BAR;
        unsigned hf = failure[i] == 0 ? 0 : (unsigned)((failure[i] * (uint64_t)REPORT_SVG_BAR + peak - 1) / peak);
        unsigned hs = success[i] == 0 ? 0 : (unsigned)((success[i] * (uint64_t)REPORT_SVG_BAR + peak - 1) / peak);

        if (hf + hs > REPORT_SVG_BAR)
            hf = REPORT_SVG_BAR - hs;
        if (hf > 0)
            out_writer_printf(w, "<rect class=\"f\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"/>", x, bottom - hf,
                              REPORT_SVG_BIN - 2, hf);
        if (hs > 0)
            out_writer_printf(w, "<rect class=\"s\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"/>", x,
                              bottom - hf - hs, REPORT_SVG_BIN - 2, hs);
    }
    out_writer_printf(w, "<text x=\"%u\" y=\"%u\" class=\"n\">%" PRIu64 "</text>\n",
                      REPORT_SVG_LABEL + REPORT_BINS * REPORT_SVG_BIN + 6, top + REPORT_SVG_BAR - 4, total);
}

static void report_svg_axis(struct out_writer *w, const struct report_model *m, unsigned y)
{
    unsigned right = REPORT_SVG_LABEL + REPORT_BINS * REPORT_SVG_BIN;

    out_writer_printf(w, "<line class=\"ax\" x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\"/>", REPORT_SVG_LABEL, y, right, y);
    for (size_t i = 0; i <= REPORT_BINS; i += 15) {
        struct event_time t = { m->bin_origin + (int64_t)i * m->bin_width, 0 };
        unsigned x = REPORT_SVG_LABEL + (unsigned)i * REPORT_SVG_BIN;
        char when[FMT_TIME_SIZE];

        fmt_time_seconds(t, when, sizeof when);
        out_writer_printf(w,
                          "<line class=\"ax\" x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\"/>"
                          "<text x=\"%u\" y=\"%u\" class=\"t\" text-anchor=\"%s\">%s</text>",
                          x, y, x, y + 4, x, y + 16,
                          i == 0             ? "start"
                          : i == REPORT_BINS ? "end"
                                             : "middle",
                          when);
    }
    out_writer_puts(w, "\n");
}

void report_svg_timeline(struct out_writer *w, const struct report_model *m, const uint32_t *order, size_t rows)
{
    uint32_t rest_success[REPORT_BINS], rest_failure[REPORT_BINS];
    unsigned width = REPORT_SVG_LABEL + REPORT_BINS * REPORT_SVG_BIN + REPORT_SVG_COUNT;
    unsigned height = (unsigned)(rows + 1) * REPORT_SVG_ROW + REPORT_SVG_AXIS;
    unsigned y = 0;

    for (size_t i = 0; i < REPORT_BINS; i++) {
        rest_success[i] = m->all_success[i];
        rest_failure[i] = m->all_failure[i];
    }
    out_writer_printf(w,
                      "<svg class=\"timeline\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" role=\"img\" "
                      "aria-label=\"attempts per account over time\">\n",
                      width, height, width, height);
    for (size_t r = 0; r < rows; r++, y += REPORT_SVG_ROW) {
        const struct report_account *a = report_model_account(m, order[r]);

        for (size_t i = 0; i < REPORT_BINS; i++) {
            rest_success[i] -= a->bins_success[i] < rest_success[i] ? a->bins_success[i] : rest_success[i];
            rest_failure[i] -= a->bins_failure[i] < rest_failure[i] ? a->bins_failure[i] : rest_failure[i];
        }
        report_svg_label(w, y + REPORT_SVG_BAR - 4, a);
        report_svg_bars(w, y + 2, a->bins_success, a->bins_failure);
    }
    out_writer_printf(w, "<text x=\"4\" y=\"%u\" class=\"lbl rest\">all other accounts</text>", y + REPORT_SVG_BAR - 4);
    report_svg_bars(w, y + 2, rest_success, rest_failure);
    report_svg_axis(w, m, y + REPORT_SVG_ROW + 2);
    out_writer_puts(w, "</svg>\n");
}
