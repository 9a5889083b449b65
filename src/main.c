/* pop3scope: options, wiring, exit codes. Knows every module's public
 * header and nothing inside them (DESIGN.md). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>

#include "alert.h"
#include "analyzer.h"
#include "capture.h"
#include "classify.h"
#include "engine.h"
#include "output.h"
#include "shard.h"
#include "stream.h"

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
    const char *interfaces[CAPTURE_LIVE_MAX_INTERFACES];
    size_t interface_count;
    struct capture_live_options live;
    const char *run_as; /* -Z */
    uint32_t stats_interval; /* seconds; 0: only on SIGUSR1 */
    int alerts; /* -1 on for live capture only, 0 off, 1 on */
    struct alert_options alert;
    unsigned threads; /* --threads: 1 is the single-thread path */
};

static void main_usage(FILE *to)
{
    fputs("Usage: pop3scope [options] [FILE...]\n"
          "       pop3scope -i IFACE [-i IFACE...] [options]\n"
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
          "      --summary           only the summary: counts, exposed accounts, mail picture\n"
          "  -o, --output FILE       write to FILE (created mode 0600) instead of stdout\n"
          "  -p, --show-passwords    print secrets (redacted by default)\n"
          "      --line-buffered     flush after every event\n"
          "Limits:\n"
          "      --max-flows N       connection table capacity (default 262144)\n"
          "      --idle-timeout SEC  end a connection idle this long, packet time (default 600)\n"
          "      --max-line BYTES    longest POP3 line kept (default 4096)\n"
          "      --max-pending N     pipelined commands awaiting a reply (default 512)\n"
          "      --max-sessions N    POP3 connections tracked at once (default 8192)\n"
          "      --max-held-bytes BYTES  out-of-order bytes held per direction (default 262144)\n"
          "      --max-held-total BYTES  out-of-order bytes held in all (default 67108864)\n"
          "      --max-fragments N   IP datagrams in reassembly at once (default 1024)\n"
          "      --max-fragment-bytes BYTES  fragment bytes held in all (default 8388608)\n"
          "      --fragment-timeout SEC  wait for missing fragments, packet time (default 30)\n"
          "      --overlap-policy linux|first|last  which copy of overlapping TCP bytes\n"
          "                          counts (default linux: what the Linux receiver keeps)\n"
          "Classification:\n"
          "      --no-ndpi           do not name other applications with nDPI (faster)\n"
          "      --checksum-validation auto|yes|no  drop segments with wrong checksums, as\n"
          "                          the receiver does (auto: not from offloading senders)\n"
          "Live capture (see README \"Live monitoring\"):\n"
          "  -i, --interface IFACE   capture on IFACE (repeatable; \"any\" for all)\n"
          "                          -f then defaults to \"tcp\", applied in the kernel\n"
          "  -Z, --user USER         after opening the interfaces, run as USER\n"
          "                          (default nobody when started as root; root keeps it)\n"
          "      --snaplen BYTES     bytes kept of each packet (default 262144)\n"
          "      --no-promisc        do not put the interfaces in promiscuous mode\n"
          "      --buffer-size MIB   kernel buffer per interface (default 32)\n"
          "      --immediate         hand over each packet at once (default: in batches,\n"
          "                          at most 100 ms late; immediate drops more under load)\n"
          "      --stats-interval SEC  write a stats event every SEC seconds (SIGUSR1: now)\n"
          "Alerts (on by default with -i, off for files):\n"
          "      --alerts, --no-alerts\n"
          "      --alert-window SEC            brute force and guessed password (default 300)\n"
          "      --alert-account-failures N    failures on one account (default 10; 0 off)\n"
          "      --alert-client-failures N     failures from one client (default 20; 0 off)\n"
          "      --alert-spray-accounts N      accounts one client failed on (default 10; 0 off)\n"
          "      --alert-spray-window SEC      window for spraying (default 3600)\n"
          "      --alert-guess-failures N      failures before a success (default 5; 0 off)\n"
          "      --alert-max-tracked N         accounts, clients and sessions remembered (default 32768)\n"
          "      --no-alert-cleartext, --no-alert-stls\n"
          "Speed:\n"
          "      --threads N         analyze on N worker threads (default 1: one thread\n"
          "                          for everything; at most 64); with N >= 2 a reader\n"
          "                          and a writer thread come on top. Same output\n"
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
    OPT_SUMMARY,
    OPT_NO_NDPI,
    OPT_MAX_HELD_BYTES,
    OPT_MAX_HELD_TOTAL,
    OPT_MAX_FRAGMENTS,
    OPT_MAX_FRAGMENT_BYTES,
    OPT_FRAGMENT_TIMEOUT,
    OPT_THREADS,
    OPT_CHECKSUM_VALIDATION,
    OPT_OVERLAP_POLICY,
};

/* Live capture and alerts: a range of their own. */
enum main_live_only {
    OPT_SNAPLEN = 512,
    OPT_NO_PROMISC,
    OPT_BUFFER_SIZE,
    OPT_IMMEDIATE,
    OPT_STATS_INTERVAL,
    OPT_MAX_SESSIONS,
    OPT_ALERTS,
    OPT_NO_ALERTS,
    OPT_ALERT_WINDOW,
    OPT_ALERT_ACCOUNT_FAILURES,
    OPT_ALERT_CLIENT_FAILURES,
    OPT_ALERT_SPRAY_ACCOUNTS,
    OPT_ALERT_SPRAY_WINDOW,
    OPT_ALERT_GUESS_FAILURES,
    OPT_ALERT_MAX_TRACKED,
    OPT_NO_ALERT_CLEARTEXT,
    OPT_NO_ALERT_STLS,
};

static const struct option main_long_options[] = {
    { "read", required_argument, NULL, 'r' },
    { "filter", required_argument, NULL, 'f' },
    { "text", no_argument, NULL, OPT_TEXT },
    { "json", no_argument, NULL, 'j' },
    { "csv", no_argument, NULL, OPT_CSV },
    { "summary", no_argument, NULL, OPT_SUMMARY },
    { "no-ndpi", no_argument, NULL, OPT_NO_NDPI },
    { "output", required_argument, NULL, 'o' },
    { "show-passwords", no_argument, NULL, 'p' },
    { "line-buffered", no_argument, NULL, OPT_LINE_BUFFERED },
    { "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
    { "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
    { "max-line", required_argument, NULL, OPT_MAX_LINE },
    { "max-pending", required_argument, NULL, OPT_MAX_PENDING },
    { "max-held-bytes", required_argument, NULL, OPT_MAX_HELD_BYTES },
    { "max-held-total", required_argument, NULL, OPT_MAX_HELD_TOTAL },
    { "max-fragments", required_argument, NULL, OPT_MAX_FRAGMENTS },
    { "max-fragment-bytes", required_argument, NULL, OPT_MAX_FRAGMENT_BYTES },
    { "fragment-timeout", required_argument, NULL, OPT_FRAGMENT_TIMEOUT },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "checksum-validation", required_argument, NULL, OPT_CHECKSUM_VALIDATION },
    { "overlap-policy", required_argument, NULL, OPT_OVERLAP_POLICY },
    { "interface", required_argument, NULL, 'i' },
    { "user", required_argument, NULL, 'Z' },
    { "snaplen", required_argument, NULL, OPT_SNAPLEN },
    { "no-promisc", no_argument, NULL, OPT_NO_PROMISC },
    { "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
    { "immediate", no_argument, NULL, OPT_IMMEDIATE },
    { "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
    { "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
    { "alerts", no_argument, NULL, OPT_ALERTS },
    { "no-alerts", no_argument, NULL, OPT_NO_ALERTS },
    { "alert-window", required_argument, NULL, OPT_ALERT_WINDOW },
    { "alert-account-failures", required_argument, NULL, OPT_ALERT_ACCOUNT_FAILURES },
    { "alert-client-failures", required_argument, NULL, OPT_ALERT_CLIENT_FAILURES },
    { "alert-spray-accounts", required_argument, NULL, OPT_ALERT_SPRAY_ACCOUNTS },
    { "alert-spray-window", required_argument, NULL, OPT_ALERT_SPRAY_WINDOW },
    { "alert-guess-failures", required_argument, NULL, OPT_ALERT_GUESS_FAILURES },
    { "alert-max-tracked", required_argument, NULL, OPT_ALERT_MAX_TRACKED },
    { "no-alert-cleartext", no_argument, NULL, OPT_NO_ALERT_CLEARTEXT },
    { "no-alert-stls", no_argument, NULL, OPT_NO_ALERT_STLS },
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
    case OPT_MAX_HELD_BYTES: cfg->analyzer.max_held_bytes_per_stream = v; break;
    case OPT_MAX_HELD_TOTAL: cfg->analyzer.max_held_bytes_total = v; break;
    case OPT_MAX_FRAGMENTS: cfg->analyzer.max_fragments = v; break;
    case OPT_MAX_FRAGMENT_BYTES: cfg->analyzer.max_fragment_bytes = v; break;
    case OPT_FRAGMENT_TIMEOUT: cfg->analyzer.fragment_timeout = (uint32_t)v; break;
    default: cfg->analyzer.pop3.max_pending = v; break;
    }
    return true;
}

/* ------------------------------------------------------ live, alerts */

/* -1: alerts follow the input: on for live capture, off for files, whose
 * output stays the record of what the capture held. */
static bool main_alerts_on(const struct main_config *cfg)
{
    return cfg->alerts > 0 || (cfg->alerts < 0 && cfg->interface_count > 0);
}

struct main_number_option {
    int opt;
    unsigned long min;
    unsigned long max;
};

static const struct main_number_option main_number_options[] = {
    { OPT_SNAPLEN, 64, CAPTURE_LIVE_DEFAULT_SNAPLEN },
    { OPT_BUFFER_SIZE, 1, CAPTURE_LIVE_MAX_BUFFER_MIB },
    { OPT_STATS_INTERVAL, 1, 86400 },
    { OPT_MAX_SESSIONS, 1, UINT32_MAX },
    { OPT_ALERT_WINDOW, 1, ALERT_MAX_WINDOW },
    { OPT_ALERT_SPRAY_WINDOW, 1, ALERT_MAX_WINDOW },
    { OPT_ALERT_ACCOUNT_FAILURES, 0, ALERT_MAX_THRESHOLD },
    { OPT_ALERT_CLIENT_FAILURES, 0, ALERT_MAX_THRESHOLD },
    { OPT_ALERT_SPRAY_ACCOUNTS, 0, ALERT_MAX_THRESHOLD },
    { OPT_ALERT_GUESS_FAILURES, 0, ALERT_MAX_THRESHOLD },
    { OPT_ALERT_MAX_TRACKED, 1, ALERT_MAX_TRACKED },
    { OPT_THREADS, 1, SHARD_MAX_THREADS },
};

static void main_store_number(struct main_config *cfg, int opt, unsigned long v)
{
    switch (opt) {
    case OPT_SNAPLEN: cfg->live.snaplen = (int)v; break;
    case OPT_BUFFER_SIZE: cfg->live.buffer_mib = (unsigned)v; break;
    case OPT_STATS_INTERVAL: cfg->stats_interval = (uint32_t)v; break;
    case OPT_MAX_SESSIONS: cfg->analyzer.max_sessions = v; break;
    case OPT_ALERT_WINDOW: cfg->alert.window = (uint32_t)v; break;
    case OPT_ALERT_SPRAY_WINDOW: cfg->alert.spray_window = (uint32_t)v; break;
    case OPT_ALERT_ACCOUNT_FAILURES: cfg->alert.account_failures = (uint32_t)v; break;
    case OPT_ALERT_CLIENT_FAILURES: cfg->alert.client_failures = (uint32_t)v; break;
    case OPT_ALERT_SPRAY_ACCOUNTS: cfg->alert.spray_accounts = (uint32_t)v; break;
    case OPT_ALERT_GUESS_FAILURES: cfg->alert.guess_failures = (uint32_t)v; break;
    case OPT_THREADS: cfg->threads = (unsigned)v; break;
    default: cfg->alert.max_tracked = v; break;
    }
}

static bool main_set_number(struct main_config *cfg, const struct main_number_option *n, const char *arg)
{
    unsigned long v;

    if (!main_parse_number(arg, n->max, &v) || v < n->min) {
        fprintf(stderr, "pop3scope: --%s needs a whole number from %lu to %lu, not '%s'\n",
                main_option_name(n->opt), n->min, n->max, arg);
        return false;
    }
    main_store_number(cfg, n->opt, v);
    return true;
}

/* The options of live capture and alerts: 0 handled, -1 refused (the
 * message is out), 1 not one of them. */
static int main_live_option(struct main_config *cfg, int opt, const char *arg)
{
    for (size_t i = 0; i < sizeof main_number_options / sizeof main_number_options[0]; i++) {
        if (main_number_options[i].opt == opt)
            return main_set_number(cfg, &main_number_options[i], arg) ? 0 : -1;
    }
    switch (opt) {
    case 'i':
        if (cfg->interface_count >= CAPTURE_LIVE_MAX_INTERFACES) {
            fprintf(stderr, "pop3scope: at most %d interfaces (-i)\n", CAPTURE_LIVE_MAX_INTERFACES);
            return -1;
        }
        cfg->interfaces[cfg->interface_count++] = arg;
        return 0;
    case 'Z': cfg->run_as = arg; return 0;
    case OPT_NO_PROMISC: cfg->live.promiscuous = false; return 0;
    case OPT_IMMEDIATE: cfg->live.immediate = true; return 0;
    case OPT_ALERTS: cfg->alerts = 1; return 0;
    case OPT_NO_ALERTS: cfg->alerts = 0; return 0;
    case OPT_NO_ALERT_CLEARTEXT: cfg->alert.cleartext = false; return 0;
    case OPT_NO_ALERT_STLS: cfg->alert.stls_not_used = false; return 0;
    default: return 1;
    }
}

/* Live capture and files do not mix: a file's packet times would be
 * decades from the interface's, and windows run on packet time. */
static bool main_check_live(struct main_config *cfg)
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
    if (cfg->interface_count > 0)
        cfg->output.line_buffered = true; /* each event as it happens */
    return true;
}

/* --checksum-validation auto|yes|no (README "Hostile input"). */
static bool main_set_checksum_mode(struct main_config *cfg, const char *arg)
{
    static const char *const names[] = {"auto", "yes", "no"}; /* enum analyzer_checksum_mode order */

    for (unsigned i = 0; i < 3; i++) {
        if (strcmp(arg, names[i]) == 0) {
            cfg->analyzer.checksum_mode = (enum analyzer_checksum_mode)i;
            return true;
        }
    }
    fprintf(stderr, "pop3scope: --checksum-validation takes auto, yes or no, not '%s'\n", arg);
    return false;
}

/* Returns -1 to go on, or the exit status to leave with. */
static int main_parse_options(int argc, char **argv, struct main_config *cfg)
{
    int opt, live;

    while ((opt = getopt_long(argc, argv, "r:f:jo:phVi:Z:", main_long_options, NULL)) != -1) {
        live = main_live_option(cfg, opt, optarg);
        if (live < 0)
            return EXIT_USAGE;
        if (live == 0)
            continue;
        switch (opt) {
        case 'r':
            if (!main_add_input(cfg, optarg))
                return EXIT_USAGE;
            break;
        case 'f': cfg->bpf_filter = optarg; break;
        case OPT_TEXT: cfg->output.format = OUTPUT_TEXT; break;
        case 'j': cfg->output.format = OUTPUT_JSON; break;
        case OPT_CSV: cfg->output.format = OUTPUT_CSV; break;
        case OPT_SUMMARY:
            cfg->output.format = OUTPUT_TEXT;
            cfg->output.summary_only = true;
            break;
        case OPT_NO_NDPI: cfg->analyzer.no_ndpi = true; break;
        case OPT_CHECKSUM_VALIDATION:
            if (!main_set_checksum_mode(cfg, optarg))
                return EXIT_USAGE;
            break;
        case OPT_OVERLAP_POLICY:
            if (strcmp(optarg, "linux") == 0)
                cfg->analyzer.overlap_policy = STREAM_OVERLAP_LINUX;
            else if (strcmp(optarg, "first") == 0)
                cfg->analyzer.overlap_policy = STREAM_OVERLAP_FIRST;
            else if (strcmp(optarg, "last") == 0)
                cfg->analyzer.overlap_policy = STREAM_OVERLAP_LAST;
            else {
                fprintf(stderr, "pop3scope: --overlap-policy: '%s' is not linux, first or last\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o': cfg->output_path = optarg; break;
        case 'p': cfg->output.show_passwords = true; break;
        case OPT_LINE_BUFFERED: cfg->output.line_buffered = true; break;
        case OPT_MAX_FLOWS:
        case OPT_IDLE_TIMEOUT:
        case OPT_MAX_LINE:
        case OPT_MAX_PENDING:
        case OPT_MAX_HELD_BYTES:
        case OPT_MAX_HELD_TOTAL:
        case OPT_MAX_FRAGMENTS:
        case OPT_MAX_FRAGMENT_BYTES:
        case OPT_FRAGMENT_TIMEOUT:
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
    if (!main_check_live(cfg))
        return EXIT_USAGE;
    if (cfg->input_count == 0 && cfg->interface_count == 0) {
        fputs("pop3scope: no input: give a capture file (or - for standard input)\n"
              "Try 'pop3scope --help'.\n", stderr);
        return EXIT_USAGE;
    }
    return -1;
}

/* Output files hold credentials, so the path must lead to a file only this
 * process can reach:
 * - a new file is created exclusively (O_EXCL), mode 0600 whatever the
 *   umask (fchmod);
 * - an existing one is used only if it is a regular file, owned by our
 *   effective uid, with one link. Another owner may hold a descriptor
 *   opened before and read every password through it; a second link is a
 *   name elsewhere (another user's directory, /etc) for the same bytes;
 *   a FIFO would hand the whole output to whoever reads it;
 * - never through a symlink (O_NOFOLLOW on the last component);
 * - O_NONBLOCK on open, so a planted FIFO without a reader fails at once
 *   (ENXIO) instead of hanging the run; cleared once the file passed.
 * The checks are made with fstat on the descriptor itself, so the object
 * checked is the object written (no window between check and use).
 * Nothing is truncated or changed before the checks pass. `append` is the
 * SIGHUP reopen (log rotation: logrotate's "create" or a file we made on
 * an earlier HUP is written on after, not emptied). Returns the
 * descriptor, or -1 with the reason on stderr. */
static int main_open_output_fd(const char *path, bool append, const char *context)
{
    int flags = O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (append ? O_APPEND : 0);
    int fd = open(path, flags | O_CREAT | O_EXCL, 0600);
    const char *why = NULL;
    struct stat st;

    if (fd < 0 && errno == EEXIST)
        fd = open(path, flags);
    if (fd < 0) {
        int err = errno;

        /* ELOOP: the last component is a symlink; ENXIO: a FIFO nobody
         * reads (or a device without its driver). */
        fprintf(stderr, "pop3scope: %scannot write %s: %s\n", context, path,
                err == ELOOP ? "it is a symbolic link" : err == ENXIO ? "not a regular file" : strerror(err));
        return -1;
    }
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file (a FIFO, device or socket); redirect standard output instead";
    else if (st.st_uid != geteuid())
        why = "it belongs to another user, who could read the output through a descriptor opened before";
    else if (st.st_nlink != 1)
        why = "it has more than one hard link";
    else if (fchmod(fd, 0600) != 0 || (!append && ftruncate(fd, 0) != 0) ||
             fcntl(fd, F_SETFL, flags & ~(O_NONBLOCK | O_CLOEXEC)) != 0)
        why = strerror(errno);
    if (why != NULL) {
        fprintf(stderr, "pop3scope: %srefusing to write %s: %s\n", context, path, why);
        close(fd);
        return -1;
    }
    return fd;
}

static FILE *main_open_output(const char *path)
{
    int fd = main_open_output_fd(path, false, "");
    FILE *f;

    if (fd < 0)
        return NULL;
    f = fdopen(fd, "w");
    if (f == NULL) {
        fprintf(stderr, "pop3scope: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
    }
    return f;
}

/* Problems with the input are never silent: one line per kind. */
static void main_report_input_problems(const struct analyzer_stats *st)
{
    if (st->malformed > 0 || st->truncated > 0)
        fprintf(stderr,
                "pop3scope: %" PRIu64 " frames with malformed headers, %" PRIu64
                " with headers cut by the snapshot length (first at record %" PRIu64 ")\n",
                st->malformed, st->truncated, st->first_bad_frame);
    if (st->fragments_dropped > 0 || st->fragment_overlaps > 0)
        fprintf(stderr,
                "pop3scope: %" PRIu64 " IP fragments: %" PRIu64 " datagrams reassembled, %" PRIu64
                " given up (timeout, limits, bad offsets; see --max-fragments), %" PRIu64 " overlaps that differed\n",
                st->fragments, st->fragments_reassembled, st->fragments_dropped, st->fragment_overlaps);
    if (st->bad_times > 0)
        fprintf(stderr,
                "pop3scope: %" PRIu64 " frames skipped: packet time outside 1970-9999 (first at record %" PRIu64 ")\n",
                st->bad_times, st->first_bad_time_frame);
    /* Offload alone changes nothing in the report and shows on every
     * capture taken on a sending host (every lo capture): say it only
     * with what it changed. */
    if (st->checksum_dropped > 0 || st->checksum_merged > 0)
        fprintf(stderr,
                "pop3scope: checksums: %" PRIu64 " segments dropped as wrong (the receiver drops them too), %" PRIu64
                " connection directions taken for checksum offload, %" PRIu64
                " GRO-merged segments kept (see --checksum-validation)\n",
                st->checksum_dropped, st->checksum_offloaded, st->checksum_merged);
    if (st->flows_evicted > 0)
        fprintf(stderr, "pop3scope: connection table full: %" PRIu64 " connections evicted (see --max-flows)\n",
                st->flows_evicted);
    if (st->sessions_refused > 0)
        fprintf(stderr,
                "pop3scope: %" PRIu64 " POP3 connections not analyzed: every tracker was busy (see --max-sessions)\n",
                st->sessions_refused);
    if (st->held_bytes_dropped > 0)
        fprintf(stderr, "pop3scope: %" PRIu64 " out-of-order bytes dropped at the reassembly limit\n",
                st->held_bytes_dropped);
}

/* ------------------------------------------------------- event chain */

/* analyzer -> alerts (when on) -> output; stats go straight to output.
 * Counting here gives the stats event its events_written. */
struct main_sink {
    struct output *out;
    struct alert *alert;
    uint64_t events_written;
};

static void main_write(void *ctx, const struct event *ev)
{
    struct main_sink *sink = ctx;

    sink->events_written++;
    output_event(sink->out, ev);
}

/* A stats event gets the count of events written before it. */
static void main_write_stats_event(void *ctx, const struct event *ev)
{
    struct main_sink *sink = ctx;
    struct event copy = *ev;

    copy.u.stats.events_written = sink->events_written;
    main_write(sink, &copy);
}

static void main_deliver(void *ctx, const struct event *ev)
{
    struct main_sink *sink = ctx;

    if (sink->alert != NULL)
        alert_observe(sink->alert, ev);
    else
        main_write(sink, ev);
}

static void main_report_alert_problems(const struct alert *alert)
{
    struct alert_stats st;

    if (alert == NULL)
        return;
    alert_get_stats(alert, &st);
    if (st.accounts_evicted > 0 || st.clients_evicted > 0 || st.sessions_evicted > 0)
        fprintf(stderr,
                "pop3scope: alert tables full: %" PRIu64 " accounts, %" PRIu64 " clients and %" PRIu64
                " sessions forgotten early (see --alert-max-tracked)\n",
                st.accounts_evicted, st.clients_evicted, st.sessions_evicted);
}

/* ------------------------------------------------------ live capture */

/* Set by the handlers, acted on by the capture loop's tick: a handler does
 * nothing else, so no work runs inside a signal. */
static volatile sig_atomic_t main_stop_requested;
static volatile sig_atomic_t main_reopen_requested;
static volatile sig_atomic_t main_stats_requested;

static void main_on_signal(int sig)
{
    if (sig == SIGHUP)
        main_reopen_requested = 1;
    else if (sig == SIGUSR1)
        main_stats_requested = 1;
    else
        main_stop_requested = 1;
}

/* No SA_RESTART: a signal cuts the wait for packets short, so the tick
 * runs at once. */
static void main_catch_signals(bool catch)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = catch ? main_on_signal : SIG_DFL;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        /* Once shutting down, a second ^C must still kill a stuck run. */
        if (!catch && (signals[i] == SIGHUP || signals[i] == SIGUSR1))
            sa.sa_handler = SIG_IGN;
        sigaction(signals[i], &sa, NULL);
    }
}

/* Once the interfaces are open the process needs no privilege at all:
 * from here on it parses traffic anyone can send. So, in this order:
 * 1. while CAP_SETPCAP is still held (root), empty the capability bounding
 *    set, so nothing this process or a child could exec ever gets one back
 *    (without CAP_SETPCAP, as in some containers, it is left as it is);
 * 2. as root, become USER (-Z, default nobody) with setgroups, setgid,
 *    setuid, and check that root cannot be regained;
 * 3. drop every capability left (effective, permitted, inheritable, and
 *    with them the ambient set): a run started without root but with file
 *    capabilities (setcap cap_net_raw,cap_net_admin+eip) held both until
 *    now, and -Z root keeps uid 0 but not its capabilities;
 * 4. set no_new_privs, so no exec (setuid binary, file capabilities) can
 *    raise them again;
 * 5. read the state back and refuse to go on if any capability is left.
 * libcap-ng does the capability work; output files were opened before. */
/* *cleared says whether the set was emptied: root in a container may lack
 * CAP_SETPCAP, and then the set is not ours to change (no_new_privs still
 * keeps any exec from using it). */
static bool main_clear_bounding_set(bool *cleared)
{
    *cleared = false;
    if (capng_get_caps_process() != 0)
        return false;
    if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) == 0)
        return true;
    capng_clear(CAPNG_SELECT_BOUNDS);
    if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
        return false;
    *cleared = true;
    return true;
}

static bool main_become_user(const char *user)
{
    const struct passwd *pw;
    gid_t gid;

    user = user != NULL ? user : "nobody";
    if (strcmp(user, "root") == 0)
        return true; /* asked for explicitly: uid 0, but no capability */
    pw = getpwnam(user);
    if (pw == NULL) {
        fprintf(stderr, "pop3scope: -Z %s: no such user; refusing to go on as root\n", user);
        return false;
    }
    gid = pw->pw_gid;
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "pop3scope: cannot become user %s: %s\n", user, strerror(errno));
        return false;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        fprintf(stderr, "pop3scope: still able to regain root after becoming %s; stopping\n", user);
        return false;
    }
    fprintf(stderr, "pop3scope: running as user %s (uid %u)\n", user, (unsigned)getuid());
    return true;
}

static bool main_drop_privileges(const char *user)
{
    bool root = geteuid() == 0, bounds_cleared = false;

    if (!root && user != NULL)
        fprintf(stderr, "pop3scope: not running as root: -Z %s has no user to change\n", user);
    if (root && !main_clear_bounding_set(&bounds_cleared)) {
        fprintf(stderr, "pop3scope: cannot empty the capability bounding set; refusing to go on as root\n");
        return false;
    }
    if (root && !main_become_user(user))
        return false;
    capng_clear(CAPNG_SELECT_ALL);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fprintf(stderr, "pop3scope: cannot give up the capabilities: %s\n", strerror(errno));
        return false;
    }
    if (capng_get_caps_process() != 0 || capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE ||
        (bounds_cleared && capng_have_capabilities(CAPNG_SELECT_BOUNDS) != CAPNG_NONE) ||
        prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
        fputs("pop3scope: capabilities still held after giving them up; stopping\n", stderr);
        return false;
    }
    return true;
}

struct main_live_run {
    const struct main_config *cfg;
    struct capture_live *live;
    struct engine *engine;
    struct main_sink *sink;
    FILE *stream;
    struct timespec next_stats;
};

static void main_write_stats(struct main_live_run *run)
{
    struct analyzer_stats stats;
    const struct analyzer_stats *st = &stats;
    struct capture_live_stats kernel;
    struct analyzer_usage use;
    struct event ev;

    capture_live_get_stats(run->live, &kernel);
    engine_stats(run->engine, &stats, &use);
    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_STATS;
    ev.u.stats.ts = use.now;
    ev.u.stats.packets = st->frames;
    ev.u.stats.bytes = st->frame_bytes;
    ev.u.stats.kernel_received = kernel.received;
    ev.u.stats.kernel_drops = kernel.dropped;
    ev.u.stats.interface_drops = kernel.interface_dropped;
    ev.u.stats.flows_active = st->flows_active;
    ev.u.stats.sessions_active = st->sessions_active;
    ev.u.stats.flows_evicted = st->flows_evicted;
    ev.u.stats.sessions_refused = st->sessions_refused;
    ev.u.stats.memory_flows = use.memory_flows;
    ev.u.stats.memory_sessions = use.memory_sessions;
    ev.u.stats.memory_reassembly = use.memory_reassembly;
    engine_post_stats(run->engine, &ev);
}

/* SIGHUP (log rotation): the path gets a fresh file, or the file
 * logrotate's "create" left there (if it passes main_open_output_fd's
 * checks: ours, regular, one link), appended to, swapped in under the same
 * stream. If it cannot be used (e.g. after -Z the directory is not
 * writable, or someone planted a FIFO), writing goes on to the old file
 * and stderr says so. */
static void main_reopen_output(const struct main_live_run *run)
{
    const char *path = run->cfg->output_path;
    int fd;

    if (path == NULL || fflush(run->stream) != 0)
        return;
    fd = main_open_output_fd(path, true, "SIGHUP: ");
    if (fd < 0) {
        fprintf(stderr, "pop3scope: SIGHUP: still writing to the file opened before\n");
        return;
    }
    if (dup2(fd, fileno(run->stream)) < 0)
        fprintf(stderr, "pop3scope: SIGHUP: cannot reopen %s: %s; still writing to the file opened before\n", path,
                strerror(errno));
    else
        (void)fcntl(fileno(run->stream), F_SETFD, FD_CLOEXEC);
    close(fd);
}

/* The wall clock, read here only: --stats-interval is about the sensor's
 * life, not the traffic's (DESIGN.md, "Time is packet time"). */
static bool main_stats_due(struct main_live_run *run)
{
    struct timespec now;

    if (run->cfg->stats_interval == 0 || clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return false;
    if (now.tv_sec < run->next_stats.tv_sec ||
        (now.tv_sec == run->next_stats.tv_sec && now.tv_nsec < run->next_stats.tv_nsec))
        return false;
    run->next_stats = now;
    run->next_stats.tv_sec += run->cfg->stats_interval;
    return true;
}

static bool main_live_tick(void *ctx)
{
    struct main_live_run *run = ctx;

    if (main_stop_requested)
        return false;
    engine_flush(run->engine); /* no segment waits for the next batch */
    if (main_reopen_requested) {
        main_reopen_requested = 0;
        main_reopen_output(run);
    }
    if (main_stats_requested) {
        main_stats_requested = 0;
        main_write_stats(run);
    }
    if (main_stats_due(run))
        main_write_stats(run);
    return true;
}

static void main_report_drops(struct capture_live *live)
{
    struct capture_live_stats kernel;

    capture_live_get_stats(live, &kernel);
    if (kernel.dropped > 0 || kernel.interface_dropped > 0)
        fprintf(stderr,
                "pop3scope: %" PRIu64 " packets dropped by the kernel (see --buffer-size) and %" PRIu64
                " by the interface, of %" PRIu64 " received\n",
                kernel.dropped, kernel.interface_dropped, kernel.received);
}

/* Captures until SIGINT/SIGTERM (or every interface failed), then ends
 * every open session (end: shutdown) and writes a last stats event. */
static int main_capture_live(const struct main_config *cfg, struct capture_live *live, struct engine *engine,
                             struct main_sink *sink, FILE *stream)
{
    struct main_live_run run = { cfg, live, engine, sink, stream, { 0, 0 } };
    enum capture_status st;

    if (cfg->stats_interval > 0 && clock_gettime(CLOCK_MONOTONIC, &run.next_stats) == 0)
        run.next_stats.tv_sec += cfg->stats_interval;
    st = capture_live_run(live, engine_frame, engine, main_live_tick, &run);
    main_catch_signals(false);
    engine_finish(engine, END_SHUTDOWN);
    main_write_stats(&run);
    main_report_drops(live);
    return st == CAPTURE_OK ? EXIT_ALL_READ : EXIT_INPUT_PROBLEM;
}

/* `live` is NULL for files, else the interfaces opened before privileges
 * were given up. */
static int main_run(const struct main_config *cfg, FILE *out_stream, struct capture_live *live)
{
    struct main_sink sink = { output_new(&cfg->output, out_stream), NULL, 0 };
    struct engine *engine;
    struct analyzer_stats stats;
    struct analyzer_usage use;
    int status = EXIT_ALL_READ;

    if (sink.out == NULL) {
        fputs("pop3scope: out of memory\n", stderr);
        return EXIT_OUTPUT_PROBLEM;
    }
    if (main_alerts_on(cfg) && (sink.alert = alert_new(&cfg->alert, main_write, &sink)) == NULL) {
        fputs("pop3scope: out of memory for the alert tables (see --alert-max-tracked)\n", stderr);
        output_free(sink.out);
        return EXIT_INPUT_PROBLEM;
    }
    engine = engine_new(&cfg->analyzer, cfg->threads, main_deliver, main_write_stats_event, &sink);
    if (engine == NULL) {
        fputs(cfg->threads > 1 ? "pop3scope: cannot start the threads, or out of memory (see --threads, --max-flows)\n"
                               : "pop3scope: out of memory for the connection table (see --max-flows)\n",
              stderr);
        alert_free(sink.alert);
        output_free(sink.out);
        return EXIT_INPUT_PROBLEM;
    }
    if (live != NULL) {
        status = main_capture_live(cfg, live, engine, &sink, out_stream);
    } else {
        /* Files are one continuous capture, in the order given, so a
         * capture rotated by tcpdump -C/-G still pairs commands with replies. */
        for (size_t i = 0; i < cfg->input_count; i++) {
            if (capture_read_file_held(cfg->inputs[i], cfg->bpf_filter, engine_frame, engine_release_fn(engine),
                                       engine) != CAPTURE_OK)
                status = EXIT_INPUT_PROBLEM;
        }
        engine_finish(engine, END_END_OF_INPUT);
    }
    engine_stats(engine, &stats, &use);
    main_report_input_problems(&stats);
    main_report_alert_problems(sink.alert);
    if (output_finish(sink.out) != 0) {
        fprintf(stderr, "pop3scope: writing the output failed: %s\n", strerror(errno));
        status = EXIT_OUTPUT_PROBLEM;
    }
    engine_free(engine);
    alert_free(sink.alert);
    output_free(sink.out);
    return status;
}

/* Live capture: signals are caught from the start (a SIGTERM during setup
 * still ends cleanly), interfaces opened as root, then root given up. */
static int main_open_live(const struct main_config *cfg, struct capture_live **live)
{
    main_catch_signals(true);
    *live = capture_live_open(cfg->interfaces, cfg->interface_count, &cfg->live);
    if (*live == NULL)
        return EXIT_INPUT_PROBLEM;
    if (!main_drop_privileges(cfg->run_as)) {
        capture_live_close(*live);
        *live = NULL;
        return EXIT_USAGE;
    }
    return -1;
}

int main(int argc, char **argv)
{
    static struct main_config cfg;
    struct capture_live *live = NULL;
    FILE *out_stream = stdout;
    int status;

    /* A closed pipe (pop3scope ... | head) must become exit status 3 with a
     * message, not a silent death by signal. */
    signal(SIGPIPE, SIG_IGN);
    analyzer_options_default(&cfg.analyzer);
    capture_live_options_default(&cfg.live);
    alert_options_default(&cfg.alert);
    cfg.alerts = -1;
    cfg.threads = 1;
    cfg.output.format = OUTPUT_TEXT;
    status = main_parse_options(argc, argv, &cfg);
    if (status >= 0)
        return status;
    if (cfg.output_path != NULL) {
        out_stream = main_open_output(cfg.output_path);
        if (out_stream == NULL)
            return EXIT_OUTPUT_PROBLEM;
    }
    if (cfg.interface_count > 0 && (status = main_open_live(&cfg, &live)) >= 0) {
        if (out_stream != stdout)
            fclose(out_stream);
        return status;
    }
    status = main_run(&cfg, out_stream, live);
    capture_live_close(live);
    if (out_stream != stdout && fclose(out_stream) != 0) {
        fprintf(stderr, "pop3scope: closing %s failed: %s\n", cfg.output_path, strerror(errno));
        status = EXIT_OUTPUT_PROBLEM;
    }
    return status;
}
