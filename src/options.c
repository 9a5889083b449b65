/* pop3scope: the command line as data (options.h). The table below is the
 * only list of options: getopt's arrays, the refusals and --help are made
 * from it, so they cannot drift apart. */
#include "config.h"

#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "output_text_layout.h"
#include "shard.h"
#include "stream.h"

/* ------------------------------------------------------- the setters */

static bool options_add_input(struct options_config *cfg, const char *path)
{
    if (cfg->input_count >= OPTIONS_MAX_INPUTS) {
        fprintf(stderr, "pop3scope: more than %d input files\n", OPTIONS_MAX_INPUTS);
        return false;
    }
    cfg->inputs[cfg->input_count++] = path;
    return true;
}

/* One run writes one format: a second option choosing another
 * (--json --csv) is refused, naming both, rather than the last one
 * silently winning. */
static bool options_choose_format(struct options_config *cfg, const char *option, enum output_format format)
{
    if (cfg->format_option != NULL && cfg->output.format != format) {
        fprintf(stderr, "pop3scope: --%s and --%s choose different output formats: give one\n", cfg->format_option,
                option);
        return false;
    }
    cfg->format_option = option;
    cfg->output.format = format;
    return true;
}

/* --emit text|json|csv is --text, --json, --csv: the run's one stream, no
 * second path. Any other name or a path is a plugin, checked (syntax
 * included), loaded and opened in main before capture starts, so every
 * wrong --emit exits 2 with the same kind of message. */
static bool options_add_emit(struct options_config *cfg, const char *spec)
{
    static const struct {
        const char *name;
        enum output_format format;
        const char *option;
    } builtin[] = { { "text", OUTPUT_TEXT, "emit text" },
                    { "json", OUTPUT_JSON, "emit json" },
                    { "csv", OUTPUT_CSV, "emit csv" } };

    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        if (strcmp(spec, builtin[i].name) == 0)
            return options_choose_format(cfg, builtin[i].option, builtin[i].format);
    }
    if (cfg->output.plugin_count >= OUTPUT_MAX_PLUGINS) {
        cfg->output.plugin_overflow++;
        return true;
    }
    cfg->output.plugins[cfg->output.plugin_count++] = spec;
    return true;
}

static bool options_add_interface(struct options_config *cfg, const char *name)
{
    if (cfg->interface_count >= CAPTURE_LIVE_MAX_INTERFACES) {
        fprintf(stderr, "pop3scope: at most %d interfaces (-i)\n", CAPTURE_LIVE_MAX_INTERFACES);
        return false;
    }
    cfg->interfaces[cfg->interface_count++] = name;
    return true;
}

/* The summary is the text format's: --summary picks text too. */
static bool options_set_summary(struct options_config *cfg, const char *unused)
{
    (void)unused;
    cfg->output.summary_only = true;
    return options_choose_format(cfg, "summary", OUTPUT_TEXT);
}

/* --------------------------------------------------------- the table */

static const struct options_choice options_overlap_choices[] = {
    { "linux", STREAM_OVERLAP_LINUX },
    { "first", STREAM_OVERLAP_FIRST },
    { "last", STREAM_OVERLAP_LAST },
    { NULL, 0 },
};

/* README "Hostile input". */
static const struct options_choice options_checksum_choices[] = {
    { "auto", ANALYZER_CHECKSUM_AUTO },
    { "yes", ANALYZER_CHECKSUM_YES },
    { "no", ANALYZER_CHECKSUM_NO },
    { NULL, 0 },
};

#define OPTIONS_FIELD(field) \
    .offset = offsetof(struct options_config, field), .size = sizeof(((struct options_config *)0)->field)
#define OPTIONS_HEADING_ROW(title, column) \
    { \
        .kind = OPTIONS_HEADING, .help = (title), .help_column = (column) \
    }
#define OPTIONS_SET_ROW(short_opt, name, field, stored, text) \
    { \
        .long_name = (name), .short_name = (short_opt), .kind = OPTIONS_SET, OPTIONS_FIELD(field), .value = (stored), \
        .help = (text) \
    }
#define OPTIONS_NUMBER_ROW(name, arg, lowest, highest, field, text) \
    { \
        .long_name = (name), .kind = OPTIONS_NUMBER, .arg_name = (arg), .min = (lowest), .max = (highest), \
        OPTIONS_FIELD(field), .help = (text) \
    }
#define OPTIONS_STRING_ROW(short_opt, name, arg, field, text) \
    { \
        .long_name = (name), .short_name = (short_opt), .kind = OPTIONS_STRING, .arg_name = (arg), \
        OPTIONS_FIELD(field), .help = (text) \
    }
#define OPTIONS_CHOICE_ROW(name, list, old_wording, field, text) \
    { \
        .long_name = (name), .kind = OPTIONS_CHOICE, .choices = (list), .choice_old_wording = (old_wording), \
        OPTIONS_FIELD(field), .help = (text) \
    }
#define OPTIONS_CALL_ROW(short_opt, name, arg, function, text) \
    { \
        .long_name = (name), .short_name = (short_opt), .kind = OPTIONS_CALL, .arg_name = (arg), .call = (function), \
        .help = (text) \
    }

/* In --help order. Numbers stop at UINT32_MAX where nothing smaller
 * applies, so every field, whatever its width, holds what was accepted. */
const struct options_row options_table[] = {
    OPTIONS_HEADING_ROW("Input:", 26),
    OPTIONS_CALL_ROW('r', "read", "FILE", options_add_input, "read FILE (repeatable; FILE arguments work too)"),
    OPTIONS_STRING_ROW('f', "filter", "EXPR", bpf_filter, "BPF filter applied to every input (default: none)"),
    OPTIONS_SET_ROW('R', "recursive", recursive, true, "read the subdirectories of a directory input too"),
    OPTIONS_SET_ROW(0, "keep-order", keep_order, true, "read files in the order given, not by first packet time"),
    OPTIONS_HEADING_ROW("Output:", 26),
    OPTIONS_SET_ROW(0, "text", output.format, OUTPUT_TEXT, "table of login attempts and a summary (default)"),
    OPTIONS_SET_ROW('j', "json", output.format, OUTPUT_JSON, "JSON lines: every auth and session event"),
    OPTIONS_SET_ROW(0, "csv", output.format, OUTPUT_CSV, "CSV of auth events"),
    OPTIONS_SET_ROW(0, "ecs", output.format, OUTPUT_ECS, "JSON lines in Elastic Common Schema fields"),
    OPTIONS_CALL_ROW(0, "summary", NULL, options_set_summary,
                     "only the summary: counts, exposed accounts, mail picture"),
    OPTIONS_STRING_ROW('o', "output", "FILE", output_path, "write to FILE (created mode 0600) instead of stdout"),
    OPTIONS_STRING_ROW(0, "report", "FILE", report_path,
                       "also write an HTML report to FILE at the end of the run (mode 0600)"),
    OPTIONS_CALL_ROW(0, "emit", "NAME[:K=V,..]", options_add_emit,
                     "also write every event through plugin NAME (or a path), with its options;"
                     "\nrepeatable; text, json, csv name the built-in formats"),
    OPTIONS_STRING_ROW(0, "plugin-dir", "DIR", output.plugin_dir, "where --emit NAME finds NAME.so"),
    OPTIONS_NUMBER_ROW("emit-queue", "KIB", 4, 1048576, output.plugin_queue_kib,
                       "events waiting for each --emit plugin, at most KIB KiB (default 4096); more are dropped"),
    OPTIONS_SET_ROW('p', "show-passwords", output.show_passwords, true, "print secrets (redacted by default)"),
    OPTIONS_SET_ROW(0, "wide", output.text_mode, OUTPUT_TEXT_WIDE,
                    "text table: every column whole, whatever the\nterminal's width (COLUMNS or the tty)"),
    OPTIONS_SET_ROW(0, "vertical", output.text_mode, OUTPUT_TEXT_VERTICAL,
                    "text: one block per login attempt, a field a line"),
    OPTIONS_SET_ROW(0, "line-buffered", output.line_buffered, true, "flush after every event"),
    OPTIONS_SET_ROW(0, "fail-on-exposure", fail_on_exposure, true,
                    "exit with status 4 when any password crossed in\ncleartext (for compliance gates)"),
    OPTIONS_HEADING_ROW("Limits:", 26),
    OPTIONS_NUMBER_ROW("max-flows", "N", 1, UINT32_MAX, analyzer.max_flows,
                       "connection table capacity (default 262144)"),
    OPTIONS_NUMBER_ROW("idle-timeout", "SEC", 1, UINT32_MAX, analyzer.idle_timeout,
                       "end a connection idle this long, packet time (default 600)"),
    OPTIONS_NUMBER_ROW("max-line", "BYTES", 1, UINT32_MAX, analyzer.pop3.max_line,
                       "longest POP3 line kept (default 4096)"),
    OPTIONS_NUMBER_ROW("max-pending", "N", 1, UINT32_MAX, analyzer.pop3.max_pending,
                       "pipelined commands awaiting a reply (default 512)"),
    OPTIONS_NUMBER_ROW("max-sessions", "N", 1, UINT32_MAX, analyzer.max_sessions,
                       "POP3 connections tracked at once (default 8192)"),
    OPTIONS_NUMBER_ROW("max-held-bytes", "BYTES", 1, UINT32_MAX, analyzer.max_held_bytes_per_stream,
                       "out-of-order bytes held per direction (default 262144)"),
    OPTIONS_NUMBER_ROW("max-held-total", "BYTES", 1, UINT32_MAX, analyzer.max_held_bytes_total,
                       "out-of-order bytes held in all (default 67108864)"),
    OPTIONS_NUMBER_ROW("max-fragments", "N", 1, UINT32_MAX, analyzer.max_fragments,
                       "IP datagrams in reassembly at once (default 1024)"),
    OPTIONS_NUMBER_ROW("max-fragment-bytes", "BYTES", 1, UINT32_MAX, analyzer.max_fragment_bytes,
                       "fragment bytes held in all (default 8388608)"),
    OPTIONS_NUMBER_ROW("fragment-timeout", "SEC", 1, UINT32_MAX, analyzer.fragment_timeout,
                       "wait for missing fragments, packet time (default 30)"),
    OPTIONS_CHOICE_ROW("overlap-policy", options_overlap_choices, true, analyzer.overlap_policy,
                       "which copy of overlapping TCP bytes\n"
                       "counts (default linux: what the Linux receiver keeps)"),
    OPTIONS_HEADING_ROW("Classification:", 26),
    OPTIONS_SET_ROW(0, "no-ndpi", analyzer.no_ndpi, true, "do not name other applications with nDPI (faster)"),
    OPTIONS_CHOICE_ROW("checksum-validation", options_checksum_choices, false, analyzer.checksum_mode,
                       "drop segments with wrong checksums, as\n"
                       "the receiver does (auto: not from offloading senders)"),
    OPTIONS_HEADING_ROW("Live capture (see README \"Live monitoring\"):", 26),
    OPTIONS_CALL_ROW('i', "interface", "IFACE", options_add_interface,
                     "capture on IFACE (repeatable; \"any\" for all)\n"
                     "-f then defaults to \"tcp\", applied in the kernel"),
    OPTIONS_STRING_ROW('Z', "user", "USER", run_as,
                       "after opening the interfaces, run as USER\n"
                       "(default nobody when started as root; root keeps it)"),
    OPTIONS_NUMBER_ROW("snaplen", "BYTES", 64, CAPTURE_LIVE_DEFAULT_SNAPLEN, live.snaplen,
                       "bytes kept of each packet (default 262144)"),
    OPTIONS_SET_ROW(0, "no-promisc", live.promiscuous, false, "do not put the interfaces in promiscuous mode"),
    OPTIONS_NUMBER_ROW("buffer-size", "MIB", 1, CAPTURE_LIVE_MAX_BUFFER_MIB, live.buffer_mib,
                       "kernel buffer per interface (default 32)"),
    OPTIONS_SET_ROW(0, "immediate", live.immediate, true,
                    "hand over each packet at once (default: in batches,\n"
                    "at most 100 ms late; immediate drops more under load)"),
    OPTIONS_NUMBER_ROW("stats-interval", "SEC", 1, 86400, stats_interval,
                       "write a stats event every SEC seconds (SIGUSR1: now)"),
    OPTIONS_HEADING_ROW("Alerts (on by default with -i, off for files):", 36),
    OPTIONS_SET_ROW(0, "alerts", alerts, 1, NULL),
    OPTIONS_SET_ROW(0, "no-alerts", alerts, 0, ""),
    OPTIONS_NUMBER_ROW("alert-window", "SEC", 1, ALERT_MAX_WINDOW, alert.window,
                       "brute force and guessed password (default 300)"),
    OPTIONS_NUMBER_ROW("alert-account-failures", "N", 0, ALERT_MAX_THRESHOLD, alert.account_failures,
                       "failures on one account (default 10; 0 off)"),
    OPTIONS_NUMBER_ROW("alert-client-failures", "N", 0, ALERT_MAX_THRESHOLD, alert.client_failures,
                       "failures from one client (default 20; 0 off)"),
    OPTIONS_NUMBER_ROW("alert-spray-accounts", "N", 0, ALERT_MAX_THRESHOLD, alert.spray_accounts,
                       "accounts one client failed on (default 10; 0 off)"),
    OPTIONS_NUMBER_ROW("alert-spray-window", "SEC", 1, ALERT_MAX_WINDOW, alert.spray_window,
                       "window for spraying (default 3600)"),
    OPTIONS_NUMBER_ROW("alert-guess-failures", "N", 0, ALERT_MAX_THRESHOLD, alert.guess_failures,
                       "failures before a success (default 5; 0 off)"),
    OPTIONS_NUMBER_ROW("alert-max-tracked", "N", 1, ALERT_MAX_TRACKED, alert.max_tracked,
                       "accounts, clients and sessions remembered (default 32768)"),
    OPTIONS_SET_ROW(0, "no-alert-cleartext", alert.cleartext, false, NULL),
    OPTIONS_SET_ROW(0, "no-alert-stls", alert.stls_not_used, false, ""),
    OPTIONS_HEADING_ROW("Speed:", 26),
    OPTIONS_NUMBER_ROW("threads", "N", 1, SHARD_MAX_THREADS, threads,
                       "analyze on N worker threads (default 1: one thread\n"
                       "for everything; at most 64); with N >= 2 a reader\n"
                       "and a writer thread come on top. Same output"),
    OPTIONS_HEADING_ROW("Other:", 26),
    OPTIONS_SET_ROW('q', "quiet", quiet, true, "only errors on stderr: no progress line, no notes"),
    OPTIONS_SET_ROW(0, "progress", progress, 1, NULL),
    OPTIONS_SET_ROW(0, "no-progress", progress, 0,
                    "a progress line on stderr while reading files\n"
                    "(default: when stderr is a terminal, without -q)"),
    { .long_name = "help", .short_name = 'h', .kind = OPTIONS_HELP, .help = "this text" },
    { .long_name = "version",
      .short_name = 'V',
      .kind = OPTIONS_VERSION,
      .help = "versions of pop3scope, libpcap and nDPI" },
};

#define OPTIONS_ROWS (sizeof options_table / sizeof options_table[0])

const size_t options_table_count = OPTIONS_ROWS;

/* ------------------------------------------------------------ --help */

static const char options_help_top[] = "Usage: pop3scope [options] [FILE...]\n"
                                       "       pop3scope -i IFACE [-i IFACE...] [options]\n"
                                       "Passive POP3 analyzer: reports every login attempt and mailbox session\n"
                                       "found in pcap/pcapng captures (\"-\" reads standard input).\n"
                                       "\n";

/* Documented in README.md ("Exit codes"); main.c returns them. */
static const char options_help_bottom[] = "\n"
                                          "Exit status: 0 all input read; 1 usage error; 2 an input could not be\n"
                                          "opened or was damaged (the rest was still analyzed), or an --emit was\n"
                                          "malformed or refused; 3 output write error; 4 (--fail-on-exposure) a\n"
                                          "password was sent in cleartext.\n";

static bool options_takes_argument(const struct options_row *row)
{
    switch (row->kind) {
    case OPTIONS_NUMBER:
    case OPTIONS_STRING:
    case OPTIONS_CHOICE: return true;
    case OPTIONS_CALL: return row->arg_name != NULL;
    case OPTIONS_HEADING:
    case OPTIONS_SET:
    case OPTIONS_HELP:
    case OPTIONS_VERSION: return false;
    }
    return false;
}

/* "--name ARG", or "--name a|b|c" for a choice; returns the width. */
static int options_print_name(FILE *to, const struct options_row *row)
{
    int width = fprintf(to, "--%s", row->long_name);

    if (row->kind == OPTIONS_CHOICE) {
        for (const struct options_choice *c = row->choices; c->name != NULL; c++)
            width += fprintf(to, "%c%s", c == row->choices ? ' ' : '|', c->name);
    } else if (row->arg_name != NULL) {
        width += fprintf(to, " %s", row->arg_name);
    }
    return width;
}

/* The help text starts at the heading's column, or two spaces after a
 * name too long for it; its later lines start at the column. */
static void options_print_text(FILE *to, const char *text, int width, int column)
{
    if (text[0] == '\0')
        return;
    fprintf(to, "%*s", width + 2 <= column ? column - width : 2, "");
    for (const char *p = text; *p != '\0'; p++) {
        fputc(*p, to);
        if (*p == '\n')
            fprintf(to, "%*s", column, "");
    }
}

void options_print_help(FILE *to)
{
    int column = 0, width = 0;
    bool shared_line = false;

    fputs(options_help_top, to);
    for (size_t i = 0; i < OPTIONS_ROWS; i++) {
        const struct options_row *row = &options_table[i];

        if (row->kind == OPTIONS_HEADING) {
            fprintf(to, "%s\n", row->help);
            column = (int)row->help_column;
            continue;
        }
        if (shared_line)
            width += fprintf(to, ", ");
        else if (row->short_name != 0)
            width = fprintf(to, "  -%c, ", row->short_name);
        else
            width = fprintf(to, "      ");
        width += options_print_name(to, row);
        shared_line = row->help == NULL;
        if (shared_line)
            continue;
        options_print_text(to, row->help, width, column);
        fputc('\n', to);
    }
    fputs(options_help_bottom, to);
}

static void options_print_version(void)
{
    printf("pop3scope %s\n%s\nnDPI %s\n", PACKAGE_VERSION, capture_library_version(), classify_ndpi_version());
}

/* ------------------------------------------------------------ parsing */

/* Fields of any width take what the row accepted (the table keeps every
 * maximum within the field); memcpy, because the row knows the width, not
 * the type. */
static void options_store(struct options_config *cfg, const struct options_row *row, unsigned long v)
{
    unsigned char *field = (unsigned char *)cfg + row->offset;

    if (row->size == sizeof(bool)) {
        bool b = v != 0;

        memcpy(field, &b, sizeof b);
    } else if (row->size == sizeof(uint32_t)) {
        uint32_t u = (uint32_t)v;

        memcpy(field, &u, sizeof u);
    } else if (row->size == sizeof(uint64_t)) {
        uint64_t u = v;

        memcpy(field, &u, sizeof u);
    }
}

/* strtoul with the range and junk checks a bare conversion lacks: digits
 * only (no sign, space or 0x), in range. */
static bool options_set_number(struct options_config *cfg, const struct options_row *row, const char *arg)
{
    char *end = NULL;
    unsigned long v = 0;
    bool ok = arg[0] >= '0' && arg[0] <= '9';

    if (ok) {
        errno = 0;
        v = strtoul(arg, &end, 10);
        ok = errno == 0 && *end == '\0' && v >= row->min && v <= row->max;
    }
    if (!ok) {
        fprintf(stderr, "pop3scope: --%s needs a whole number from %lu to %lu, not '%s'\n", row->long_name, row->min,
                row->max, arg);
        return false;
    }
    options_store(cfg, row, v);
    return true;
}

/* "a, b or c" */
static void options_print_choices(FILE *to, const struct options_choice *choices)
{
    for (const struct options_choice *c = choices; c->name != NULL; c++)
        fprintf(to, "%s%s", c == choices ? "" : c[1].name == NULL ? " or " : ", ", c->name);
}

static bool options_set_choice(struct options_config *cfg, const struct options_row *row, const char *arg)
{
    for (const struct options_choice *c = row->choices; c->name != NULL; c++) {
        if (strcmp(arg, c->name) == 0) {
            options_store(cfg, row, c->value);
            return true;
        }
    }
    if (row->choice_old_wording)
        fprintf(stderr, "pop3scope: --%s: '%s' is not ", row->long_name, arg);
    else
        fprintf(stderr, "pop3scope: --%s takes ", row->long_name);
    options_print_choices(stderr, row->choices);
    if (row->choice_old_wording)
        fputc('\n', stderr);
    else
        fprintf(stderr, ", not '%s'\n", arg);
    return false;
}

static bool options_apply(struct options_config *cfg, const struct options_row *row, const char *arg)
{
    switch (row->kind) {
    case OPTIONS_SET:
        if (row->offset == offsetof(struct options_config, output.format))
            return options_choose_format(cfg, row->long_name, (enum output_format)row->value);
        options_store(cfg, row, row->value);
        return true;
    case OPTIONS_NUMBER: return options_set_number(cfg, row, arg);
    case OPTIONS_STRING: memcpy((unsigned char *)cfg + row->offset, &arg, sizeof arg); return true;
    case OPTIONS_CHOICE: return options_set_choice(cfg, row, arg);
    case OPTIONS_CALL: return row->call(cfg, arg);
    case OPTIONS_HEADING:
    case OPTIONS_HELP:
    case OPTIONS_VERSION: break;
    }
    return false;
}

/* getopt_long hands back a short option as itself and a long-only one as
 * OPTIONS_LONG_ONLY + its row. */
#define OPTIONS_LONG_ONLY 256

static void options_make_getopt(struct option *longs, char *shorts)
{
    for (size_t i = 0; i < OPTIONS_ROWS; i++) {
        const struct options_row *row = &options_table[i];

        if (row->kind == OPTIONS_HEADING)
            continue;
        longs->name = row->long_name;
        longs->has_arg = options_takes_argument(row) ? required_argument : no_argument;
        longs->flag = NULL;
        longs->val = row->short_name != 0 ? row->short_name : OPTIONS_LONG_ONLY + (int)i;
        longs++;
        if (row->short_name != 0) {
            *shorts++ = row->short_name;
            if (options_takes_argument(row))
                *shorts++ = ':';
        }
    }
    memset(longs, 0, sizeof *longs);
    *shorts = '\0';
}

static const struct options_row *options_row_of(int opt)
{
    if (opt >= OPTIONS_LONG_ONLY && (size_t)(opt - OPTIONS_LONG_ONLY) < OPTIONS_ROWS)
        return &options_table[opt - OPTIONS_LONG_ONLY];
    for (size_t i = 0; i < OPTIONS_ROWS; i++) {
        if (options_table[i].short_name != 0 && options_table[i].short_name == opt)
            return &options_table[i];
    }
    return NULL; /* '?': getopt said what was wrong */
}

/* Live capture and files do not mix: a file's packet times would be
 * decades from the interface's, and windows run on packet time. */
static bool options_check_live(struct options_config *cfg)
{
    if (cfg->interface_count > 0 && cfg->input_count > 0) {
        fputs("pop3scope: capture from interfaces (-i) or read files, not both\n", stderr);
        return false;
    }
    if (cfg->interface_count == 0 && (cfg->run_as != NULL || cfg->stats_interval > 0)) {
        fputs("pop3scope: -Z and --stats-interval apply to live capture (-i)\n", stderr);
        return false;
    }
    cfg->live.filter = cfg->bpf_filter;
    if (cfg->output_path != NULL && strcmp(cfg->output_path, "-") == 0)
        cfg->output_path = NULL; /* -o - is standard output, as for inputs */
    if (cfg->interface_count > 0)
        cfg->output.line_buffered = true; /* each event as it happens */
    return true;
}

static enum options_outcome options_check(struct options_config *cfg)
{
    if (!options_check_live(cfg))
        return OPTIONS_USAGE_ERROR;
    if (cfg->interface_count > 0 && cfg->progress > 0) {
        fputs("pop3scope: --progress applies to reading files; live capture has stats events (--stats-interval)\n",
              stderr);
        return OPTIONS_USAGE_ERROR;
    }
    if (cfg->input_count == 0 && cfg->interface_count == 0) {
        fputs("pop3scope: no input: give a capture file (or - for standard input)\n"
              "Try 'pop3scope --help'.\n",
              stderr);
        return OPTIONS_USAGE_ERROR;
    }
    return OPTIONS_RUN;
}

enum options_outcome options_parse(struct options_config *cfg, int argc, char **argv)
{
    struct option longs[OPTIONS_ROWS + 1];
    char shorts[2 * OPTIONS_ROWS + 1];
    int opt;

    options_make_getopt(longs, shorts);
    /* getopt's own messages start with argv[0]: the program's name, not
     * the path it was started by, as every other message has it. */
    if (argc > 0)
        argv[0] = (char *)"pop3scope";
    while ((opt = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        const struct options_row *row = options_row_of(opt);

        if (row == NULL) {
            fputs("Try 'pop3scope --help'.\n", stderr);
            return OPTIONS_USAGE_ERROR;
        }
        if (row->kind == OPTIONS_HELP) {
            options_print_help(stdout);
            return OPTIONS_DONE;
        }
        if (row->kind == OPTIONS_VERSION) {
            options_print_version();
            return OPTIONS_DONE;
        }
        if (!options_apply(cfg, row, optarg))
            return OPTIONS_USAGE_ERROR;
    }
    for (int i = optind; i < argc; i++) {
        if (!options_add_input(cfg, argv[i]))
            return OPTIONS_USAGE_ERROR;
    }
    return options_check(cfg);
}

void options_default(struct options_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    analyzer_options_default(&cfg->analyzer);
    capture_live_options_default(&cfg->live);
    alert_options_default(&cfg->alert);
    cfg->alerts = -1;
    cfg->progress = -1;
    cfg->threads = 1;
    cfg->output.format = OUTPUT_TEXT;
    cfg->output.plugin_dir = POP3SCOPE_PLUGIN_DIR;
    cfg->output.plugin_queue_kib = 4096;
}

bool options_alerts_on(const struct options_config *cfg)
{
    return cfg->alerts > 0 || (cfg->alerts < 0 && cfg->interface_count > 0);
}
