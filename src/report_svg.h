/* The --report page's chart: attempts per account over time as inline
 * SVG (no script, nothing fetched), success and failure stacked per bin. */
#ifndef POP3SCOPE_REPORT_SVG_H
#define POP3SCOPE_REPORT_SVG_H

#include <stddef.h>
#include <stdint.h>

#include "report_model.h"

struct out_writer;

/* One row per account of `order` (the first `rows`), then one row for all
 * other attempts (accounts not shown or not tracked), then the time axis. */
void report_svg_timeline(struct out_writer *w, const struct report_model *m, const uint32_t *order, size_t rows);

#endif
