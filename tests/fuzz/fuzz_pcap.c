/* libFuzzer harness for the whole pipeline: the input is a capture file
 * image (pcap or pcapng) read through capture_read_file, the analyzer with
 * small limits (so eviction, timeouts and the reassembly bounds are
 * reached) and an output writing to /dev/null.
 *
 * capture.c reads by path, so the image is put in an anonymous memory file
 * and named through /proc/self/fd: the real opening code runs, and nothing
 * touches the disk. The last byte of the input picks the output format,
 * the one before it the overlap policy (stream.c: linux, first, last).
 *
 * nDPI is off unless FUZZ_PCAP_NDPI=1 is in the environment: its set-up
 * costs some 60 ms a run under ASan against 0.5 ms for the rest, and its
 * parsers are not ours. Run a session with it on to cover classify.c's
 * nDPI side; make check (which runs with nDPI) covers it on every build. */
#define _GNU_SOURCE /* memfd_create */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyzer.h"
#include "capture.h"
#include "fuzz.h"
#include "output.h"

struct fuzz_pcap_run {
    struct analyzer *an;
    struct output *out;
};

static volatile uint32_t fuzz_pcap_sum;

static void fuzz_pcap_event(void *ctx, const struct event *ev)
{
    struct fuzz_pcap_run *run = ctx;

    fuzz_pcap_sum += fuzz_touch_event(ev);
    output_event(run->out, ev);
}

static void fuzz_pcap_frame(void *ctx, const struct capture_frame *frame)
{
    struct fuzz_pcap_run *run = ctx;

    analyzer_frame(run->an, frame);
}

static FILE *fuzz_pcap_devnull(void)
{
    static FILE *devnull;

    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
    return devnull;
}

static int fuzz_pcap_memfile(const uint8_t *data, size_t size, char *path, size_t path_size)
{
    int fd = memfd_create("fuzz-pcap", MFD_CLOEXEC);
    size_t done = 0;

    if (fd < 0)
        return -1;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);

        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    snprintf(path, path_size, "/proc/self/fd/%d", fd);
    return fd;
}

static bool fuzz_pcap_ndpi(void)
{
    static int on = -1;

    if (on < 0) {
        const char *v = getenv("FUZZ_PCAP_NDPI");

        on = v != NULL && v[0] == '1';
    }
    return on == 1;
}

static void fuzz_pcap_analyze(const char *path, enum output_format format, unsigned overlap_policy)
{
    struct output_options oo = {.format = format, .show_passwords = true};
    struct analyzer_options ao;
    struct fuzz_pcap_run run;
    FILE *devnull = fuzz_pcap_devnull();

    if (devnull == NULL)
        return;
    analyzer_options_default(&ao);
    ao.max_flows = 8;
    ao.idle_timeout = 30;
    ao.max_held_bytes_per_stream = 16u * 1024u;
    ao.max_held_bytes_total = 64u * 1024u;
    ao.pop3.max_line = 256;
    ao.pop3.max_pending = 8;
    ao.max_sessions = 4;
    ao.max_fragments = 4;
    ao.max_fragment_bytes = 16u * 1024u;
    ao.no_ndpi = !fuzz_pcap_ndpi();
    ao.overlap_policy = overlap_policy;
    run.out = output_new(&oo, devnull);
    run.an = run.out != NULL ? analyzer_new(&ao, fuzz_pcap_event, &run) : NULL;
    if (run.an != NULL) {
        capture_read_file(path, NULL, fuzz_pcap_frame, &run);
        analyzer_finish(run.an, END_END_OF_INPUT);
        fuzz_pcap_sum += (uint32_t)analyzer_get_stats(run.an)->frames;
    }
    if (run.out != NULL)
        output_finish(run.out);
    analyzer_free(run.an);
    output_free(run.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum output_format formats[3] = {OUTPUT_JSON, OUTPUT_TEXT, OUTPUT_CSV};
    char path[64];
    int fd;

    if (size < 24)
        return 0; /* shorter than a pcap file header: libpcap's own check */
    fd = fuzz_pcap_memfile(data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    fuzz_pcap_analyze(path, formats[data[size - 1] % 3u], data[size - 2] % 3u);
    close(fd);
    return 0;
}
