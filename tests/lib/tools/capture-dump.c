/* capture-dump FILE [FILTER]: every frame capture_read_file() hands over,
 * one line each (number, time, link type, lengths, a hash of the bytes),
 * then the status. tests/cli/reader.sh runs it with and without
 * POP3SCOPE_LIBPCAP_READER=1: the fast reader must give what libpcap
 * gives, field for field and byte for byte. */
#include <inttypes.h>
#include <stdio.h>

#include "capture.h"

static void capture_dump_frame(void *ctx, const struct capture_frame *frame)
{
    uint64_t hash = 0xcbf29ce484222325u; /* FNV-1a */

    (void)ctx;
    for (uint32_t i = 0; i < frame->caplen; i++)
        hash = (hash ^ frame->data[i]) * 0x100000001b3u;
    printf("%" PRIu64 " %" PRId64 ".%06" PRIu32 " link %d caplen %" PRIu32 " wirelen %" PRIu32 " %016" PRIx64 "\n",
           frame->number, frame->ts.sec, frame->ts.usec, frame->linktype, frame->caplen, frame->wirelen, hash);
}

int main(int argc, char **argv)
{
    enum capture_status st;

    if (argc < 2 || argc > 3) {
        fputs("usage: capture-dump FILE [FILTER]\n", stderr);
        return 64;
    }
    st = capture_read_file(argv[1], argc == 3 ? argv[2] : NULL, capture_dump_frame, NULL);
    printf("status %d\n", (int)st);
    return st == CAPTURE_OK ? 0 : 1;
}
