/* The --report page: one self-contained HTML document (inline CSS and
 * SVG, no script, nothing fetched) drawn from the report model. */
#ifndef POP3SCOPE_REPORT_HTML_H
#define POP3SCOPE_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_model.h"

struct out_writer;

/* Rows drawn per table; what is past them is summed in a last row. */
#define REPORT_HTML_ACCOUNTS 500
#define REPORT_HTML_SERVERS 200
#define REPORT_HTML_MAILBOXES 500
#define REPORT_HTML_TIMELINE 20
#define REPORT_HTML_INPUTS 20

/* What the page says about the run beside the model's numbers. */
struct report_page {
    const char *version;
    const char *const *inputs; /* files, or interfaces when live */
    size_t input_count;
    bool live;
    uint64_t packets, bytes;
    bool show_passwords;
    const char *alerts_source; /* how the alerts were found, one phrase */
    bool alerts_off; /* --no-alerts: the section says so */
};

void report_html_write(struct out_writer *w, const struct report_model *m, const struct report_page *page);

#endif
