/* pop3scope: options, wiring, exit codes. Knows every module's public
 * header and nothing inside them (DESIGN.md). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer.h"
#include "capture.h"
#include "classify.h"
#include "output.h"

/* Documented in README.md ("Exit codes"). */
enum main_exit {
    EXIT_ALL_READ = 0,
    EXIT_USAGE = 1,
    EXIT_INPUT_PROBLEM = 2,
    EXIT_OUTPUT_PROBLEM = 3,
};

#define MAX_INPUTS 4096

struct main_config {
    const char *inputs[MAX_INPUTS];
    size_t input_count;
    const char *output_path;
    const char *bpf_filter;
    struct output_options output;
    struct analyzer_options analyzer;
};

static void main_usage(FILE *to)
{
    fputs("Usage: pop3scope [options] [FILE...]\n"
          "Passive POP3 analyzer: reports every login attempt and mailbox session\n"
          "found in pcap/pcapng captures (\"-\" reads standard input).\n"
          "\n"
          "Input:\n"
          "  -r, --read FILE         read FILE (repeatable; FILE arguments work too)\n"
          "  -f, --filter EXPR       BPF filter applied to every input (default: none)\n"
          "Output:\n"
          "      --text              table of login attempts and a summary (default)\n"
          "  -j, --json              JSON lines: every auth and session event\n"
          "      --csv               CSV of auth events\n"
          "  -o, --output FILE       write to FILE (created mode 0600) instead of stdout\n"
          "  -p, --show-passwords    print secrets (redacted by default)\n"
          "      --line-buffered     flush after every event\n"
          "Limits:\n"
          "      --max-flows N       connection table capacity (default 262144)\n"
          "      --idle-timeout SEC  end a connection idle this long, packet time (default 600)\n"
          "      --max-line BYTES    longest POP3 line kept (default 4096)\n"
          "      --max-pending N     pipelined commands awaiting a reply (default 512)\n"
          "Other:\n"
          "  -h, --help              this text\n"
          "  -V, --version           versions of pop3scope, libpcap and nDPI\n"
          "\n"
          "Exit status: 0 all input read; 1 usage error; 2 an input could not be\n"
          "opened or was damaged (the rest was still analyzed); 3 output write error.\n",
          to);
}

static void main_version(void)
{
    printf("pop3scope %s\n%s\nnDPI %s\n", PACKAGE_VERSION, capture_library_version(), classify_ndpi_version());
}

/* strtoul with the range and junk checks a bare conversion lacks: digits only, in range. */
static bool main_parse_number(const char *text, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    unsigned long v;

    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

enum main_long_only {
    OPT_TEXT = 256,
    OPT_CSV,
    OPT_LINE_BUFFERED,
    OPT_MAX_FLOWS,
    OPT_IDLE_TIMEOUT,
    OPT_MAX_LINE,
    OPT_MAX_PENDING,
};

static const struct option main_long_options[] = {
    { "read", required_argument, NULL, 'r' },
    { "filter", required_argument, NULL, 'f' },
    { "text", no_argument, NULL, OPT_TEXT },
    { "json", no_argument, NULL, 'j' },
    { "csv", no_argument, NULL, OPT_CSV },
    { "output", required_argument, NULL, 'o' },
    { "show-passwords", no_argument, NULL, 'p' },
    { "line-buffered", no_argument, NULL, OPT_LINE_BUFFERED },
    { "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
    { "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
    { "max-line", required_argument, NULL, OPT_MAX_LINE },
    { "max-pending", required_argument, NULL, OPT_MAX_PENDING },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

static bool main_add_input(struct main_config *cfg, const char *path)
{
    if (cfg->input_count >= MAX_INPUTS) {
        fprintf(stderr, "pop3scope: more than %d input files\n", MAX_INPUTS);
        return false;
    }
    cfg->inputs[cfg->input_count++] = path;
    return true;
}

static const char *main_option_name(int opt)
{
    for (const struct option *o = main_long_options; o->name != NULL; o++) {
        if (o->val == opt)
            return o->name;
    }
    return "?";
}

/* Numeric limits share one parser so every option gets the same checks. */
static bool main_set_limit(struct main_config *cfg, int opt, const char *arg)
{
    unsigned long v;

    if (!main_parse_number(arg, UINT32_MAX, &v) || v == 0) {
        fprintf(stderr, "pop3scope: --%s needs a whole number from 1 to %" PRIu32 ", not '%s'\n",
                main_option_name(opt), UINT32_MAX, arg);
        return false;
    }
    switch (opt) {
    case OPT_MAX_FLOWS: cfg->analyzer.max_flows = v; break;
    case OPT_IDLE_TIMEOUT: cfg->analyzer.idle_timeout = (uint32_t)v; break;
    case OPT_MAX_LINE: cfg->analyzer.pop3.max_line = v; break;
    default: cfg->analyzer.pop3.max_pending = v; break;
    }
    return true;
}

/* Returns -1 to go on, or the exit status to leave with. */
static int main_parse_options(int argc, char **argv, struct main_config *cfg)
{
    int opt;

    while ((opt = getopt_long(argc, argv, "r:f:jo:phV", main_long_options, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (!main_add_input(cfg, optarg))
                return EXIT_USAGE;
            break;
        case 'f': cfg->bpf_filter = optarg; break;
        case OPT_TEXT: cfg->output.format = OUTPUT_TEXT; break;
        case 'j': cfg->output.format = OUTPUT_JSON; break;
        case OPT_CSV: cfg->output.format = OUTPUT_CSV; break;
        case 'o': cfg->output_path = optarg; break;
        case 'p': cfg->output.show_passwords = true; break;
        case OPT_LINE_BUFFERED: cfg->output.line_buffered = true; break;
        case OPT_MAX_FLOWS:
        case OPT_IDLE_TIMEOUT:
        case OPT_MAX_LINE:
        case OPT_MAX_PENDING:
            if (!main_set_limit(cfg, opt, optarg))
                return EXIT_USAGE;
            break;
        case 'h': main_usage(stdout); return EXIT_ALL_READ;
        case 'V': main_version(); return EXIT_ALL_READ;
        default:
            fputs("Try 'pop3scope --help'.\n", stderr);
            return EXIT_USAGE;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (!main_add_input(cfg, argv[i]))
            return EXIT_USAGE;
    }
    if (cfg->input_count == 0) {
        fputs("pop3scope: no input: give a capture file (or - for standard input)\n"
              "Try 'pop3scope --help'.\n", stderr);
        return EXIT_USAGE;
    }
    return -1;
}

/* Output files hold credentials: create them 0600 whatever the umask, and
 * never follow a planted symlink into someone else's file. */
static FILE *main_open_output(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f;

    if (fd < 0) {
        fprintf(stderr, "pop3scope: cannot write %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (fchmod(fd, 0600) != 0) {
        fprintf(stderr, "pop3scope: cannot restrict %s to mode 0600: %s\n", path, strerror(errno));
        close(fd);
        return NULL;
    }
    f = fdopen(fd, "w");
    if (f == NULL) {
        fprintf(stderr, "pop3scope: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
    }
    return f;
}

static void main_on_frame(void *ctx, const struct capture_frame *frame)
{
    analyzer_frame(ctx, frame);
}

/* Problems with the input are never silent: one line per kind. */
static void main_report_input_problems(const struct analyzer_stats *st)
{
    if (st->malformed > 0 || st->truncated > 0)
        fprintf(stderr,
                "pop3scope: %" PRIu64 " frames with malformed headers, %" PRIu64
                " with headers cut by the snapshot length (first at record %" PRIu64 ")\n",
                st->malformed, st->truncated, st->first_bad_frame);
    if (st->fragments > 0)
        fprintf(stderr, "pop3scope: %" PRIu64 " IP fragments not analyzed\n", st->fragments);
    if (st->flows_evicted > 0)
        fprintf(stderr, "pop3scope: connection table full: %" PRIu64 " connections evicted (see --max-flows)\n",
                st->flows_evicted);
    if (st->held_bytes_dropped > 0)
        fprintf(stderr, "pop3scope: %" PRIu64 " out-of-order bytes dropped at the reassembly limit\n",
                st->held_bytes_dropped);
}

static int main_run(const struct main_config *cfg, FILE *out_stream)
{
    struct output *out = output_new(&cfg->output, out_stream);
    struct analyzer *an;
    int status = EXIT_ALL_READ;

    if (out == NULL) {
        fputs("pop3scope: out of memory\n", stderr);
        return EXIT_OUTPUT_PROBLEM;
    }
    an = analyzer_new(&cfg->analyzer, output_event, out);
    if (an == NULL) {
        fputs("pop3scope: out of memory for the connection table (see --max-flows)\n", stderr);
        output_free(out);
        return EXIT_INPUT_PROBLEM;
    }
    /* Files are one continuous capture, in the order given, so a capture
     * rotated by tcpdump -C/-G still pairs commands with replies. */
    for (size_t i = 0; i < cfg->input_count; i++) {
        if (capture_read_file(cfg->inputs[i], cfg->bpf_filter, main_on_frame, an) != CAPTURE_OK)
            status = EXIT_INPUT_PROBLEM;
    }
    analyzer_finish(an, END_END_OF_INPUT);
    main_report_input_problems(analyzer_get_stats(an));
    if (output_finish(out) != 0) {
        fprintf(stderr, "pop3scope: writing the output failed: %s\n", strerror(errno));
        status = EXIT_OUTPUT_PROBLEM;
    }
    analyzer_free(an);
    output_free(out);
    return status;
}

int main(int argc, char **argv)
{
    static struct main_config cfg;
    FILE *out_stream = stdout;
    int status;

    /* A closed pipe (pop3scope ... | head) must become exit status 3 with a
     * message, not a silent death by signal. */
    signal(SIGPIPE, SIG_IGN);
    analyzer_options_default(&cfg.analyzer);
    cfg.output.format = OUTPUT_TEXT;
    status = main_parse_options(argc, argv, &cfg);
    if (status >= 0)
        return status;
    if (cfg.output_path != NULL) {
        out_stream = main_open_output(cfg.output_path);
        if (out_stream == NULL)
            return EXIT_OUTPUT_PROBLEM;
    }
    status = main_run(&cfg, out_stream);
    if (out_stream != stdout && fclose(out_stream) != 0) {
        fprintf(stderr, "pop3scope: closing %s failed: %s\n", cfg.output_path, strerror(errno));
        status = EXIT_OUTPUT_PROBLEM;
    }
    return status;
}
