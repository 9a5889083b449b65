/* pop3scope: the command line as data. One row per option gives getopt
 * its arrays, the range checks, the refusals and --help; adding an option
 * is one row in options.c plus its use. */
#ifndef POP3SCOPE_OPTIONS_H
#define POP3SCOPE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alert.h"
#include "analyzer.h"
#include "capture.h"
#include "output.h"

#define OPTIONS_MAX_INPUTS 4096

/* Everything the command line decides; filled by options_parse. */
struct options_config {
    const char *inputs[OPTIONS_MAX_INPUTS];
    size_t input_count;
    const char *output_path;
    const char *report_path; /* --report: the HTML page written at the end */
    const char *bpf_filter;
    struct output_options output;
    struct analyzer_options analyzer;
    const char *interfaces[CAPTURE_LIVE_MAX_INTERFACES];
    size_t interface_count;
    struct capture_live_options live;
    const char *run_as; /* -Z */
    uint32_t stats_interval; /* seconds; 0: only on SIGUSR1 */
    int alerts; /* -1 on for live capture only, 0 off, 1 on */
    struct alert_options alert;
    unsigned threads; /* --threads: 1 is the single-thread path */
    bool fail_on_exposure; /* exit 4 when a cleartext password crossed */
    bool quiet; /* -q: stderr has errors only (note.h) */
    int progress; /* -1 when stderr is a terminal (progress.h), 0 off, 1 on */
    const char *format_option; /* the option that chose output.format ("json"), NULL: default */
    bool recursive; /* -R: directories given as input are read to the bottom */
    bool keep_order; /* files read in the order given, not by first packet time */
};

enum options_kind {
    OPTIONS_HEADING, /* not an option: a section title in --help */
    OPTIONS_SET, /* no argument: stores `value` in the field */
    OPTIONS_NUMBER, /* a whole number from `min` to `max`, stored in the field */
    OPTIONS_STRING, /* the argument itself, stored in the field */
    OPTIONS_CHOICE, /* one of `choices` by name: stores its value in the field */
    OPTIONS_CALL, /* the few that need code: `call` does the storing */
    OPTIONS_HELP,
    OPTIONS_VERSION,
};

struct options_choice {
    const char *name; /* NULL ends the list */
    unsigned value;
};

struct options_row {
    const char *long_name; /* NULL for a heading */
    char short_name; /* 0: long only */
    enum options_kind kind;
    const char *arg_name; /* shown in --help; NULL: the option takes no argument */
    unsigned long min, max; /* OPTIONS_NUMBER */
    size_t offset, size; /* the field in struct options_config */
    unsigned long value; /* OPTIONS_SET */
    const struct options_choice *choices; /* OPTIONS_CHOICE */
    bool choice_old_wording; /* "--x: 'v' is not a, b or c", kept as it was */
    bool (*call)(struct options_config *cfg, const char *arg); /* OPTIONS_CALL; false: refused, message out */
    /* Lines after the first start with \n; "" for none; NULL: the option
     * shares the next row's line in --help. A heading's title. */
    const char *help;
    unsigned help_column; /* a heading's: where the help text of its rows starts */
};

extern const struct options_row options_table[];
extern const size_t options_table_count;

enum options_outcome {
    OPTIONS_RUN, /* go on with cfg */
    OPTIONS_DONE, /* --help or --version printed: exit 0 */
    OPTIONS_USAGE_ERROR, /* refused, the reason is on stderr */
};

/* The defaults every option starts from. */
void options_default(struct options_config *cfg);

/* Parses argv with getopt_long into cfg (options_default first), then
 * checks the options against each other. */
enum options_outcome options_parse(struct options_config *cfg, int argc, char **argv);

void options_print_help(FILE *to);

/* -1 (no --alerts, --no-alerts): alerts follow the input: on for live
 * capture, off for files, whose output stays the record of what the
 * capture held. */
bool options_alerts_on(const struct options_config *cfg);

#endif
