/* The floor of the speed bench (issue 6): how fast libpcap alone hands out
 * the records of a capture file. No analyzer can read a file faster than
 * this loop, so pop3scope's throughput is reported as a share of it.
 *
 *   floor [--touch] FILE
 *
 * --touch also reads every captured byte once (counting line feeds, the
 * least a line-oriented parser must do), the floor for anything that looks
 * at whole payloads. Prints "packets N bytes B lf L". */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

/* Counts LF bytes: a loop the compiler may vectorise, as a tuned scanner
 * would be. */
static uint64_t floor_count_lf(const uint8_t *p, uint32_t n)
{
    uint64_t lf = 0;

    for (uint32_t i = 0; i < n; i++)
        lf += p[i] == '\n';
    return lf;
}

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *header;
    const u_char *bytes;
    uint64_t packets = 0, total = 0, lf = 0;
    int touch = argc == 3 && strcmp(argv[1], "--touch") == 0;
    const char *path = argv[argc - 1];
    pcap_t *handle;
    int rc;

    if (argc != 2 && !touch) {
        fputs("usage: floor [--touch] FILE\n", stderr);
        return 2;
    }
    handle = pcap_open_offline(path, errbuf);
    if (handle == NULL) {
        fprintf(stderr, "floor: %s: %s\n", path, errbuf);
        return 1;
    }
    while ((rc = pcap_next_ex(handle, &header, &bytes)) == 1) {
        packets++;
        total += header->caplen;
        if (touch)
            lf += floor_count_lf(bytes, header->caplen);
    }
    if (rc != PCAP_ERROR_BREAK) {
        fprintf(stderr, "floor: %s: %s\n", path, pcap_geterr(handle));
        pcap_close(handle);
        return 1;
    }
    pcap_close(handle);
    printf("packets %" PRIu64 " bytes %" PRIu64 " lf %" PRIu64 "\n", packets, total, lf);
    return 0;
}
