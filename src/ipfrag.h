/* IPv4 and IPv6 fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5) with a
 * fixed number of datagrams in progress, a byte budget shared by all of
 * them, and a timeout on packet time. Fragments arrive as decode's view of a
 * DECODE_FRAGMENT frame; a datagram comes out whole (or with a known cut
 * tail) for decode_reassembled to read its transport header.
 *
 * Overlaps: a byte already held wins over a later copy (as in stream.c),
 * and a later copy that differs is reported, so the flow can carry the
 * anomaly. An exact duplicate (SPAN ports send those) is not an overlap. */
#ifndef POP3SCOPE_IPFRAG_H
#define POP3SCOPE_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "event.h"

/* The largest IP payload a datagram can carry without jumbograms: the 16-bit
 * length fields of both versions (RFC 791 §3.1, RFC 8200 §3). */
#define IPFRAG_MAX_PAYLOAD 65535u

/* Seconds a datagram may wait for its missing fragments, packet time
 * (Linux ipfrag_time; RFC 8200 §4.5 allows up to 60). */
#define IPFRAG_DEFAULT_TIMEOUT 30u
#define IPFRAG_DEFAULT_MAX_DATAGRAMS 1024u
#define IPFRAG_DEFAULT_MAX_BYTES (8u * 1024u * 1024u)

struct ipfrag_table;

struct ipfrag_stats {
    uint64_t fragments;           /* fragments offered */
    uint64_t reassembled;         /* datagrams completed */
    uint64_t duplicates;          /* fragments that brought nothing new */
    uint64_t overlap_conflicts;   /* fragments whose bytes differed from held ones */
    uint64_t timed_out;           /* datagrams given up after the timeout */
    uint64_t evicted;             /* datagrams given up to make room */
    uint64_t malformed;           /* fragments refused (bad length or offset) */
    uint64_t too_fragmented;      /* datagrams given up: too many pieces */
    uint64_t bytes_in_use;        /* chunk bytes held now */
    uint64_t bytes_peak;
    uint64_t memory;              /* everything the table allocated */
};

/* A completed datagram. The payload lives in the table and is valid until
 * the next ipfrag_add. */
struct ipfrag_datagram {
    uint8_t ip_version;
    uint8_t protocol; /* IPv4 protocol; IPv6 next header of the fragmentable part */
    uint8_t src_addr[16];
    uint8_t dst_addr[16];
    const uint8_t *payload;
    uint32_t len;     /* captured bytes from the start */
    uint32_t missing; /* bytes after them that snaplen cut from some fragment */
    int overlap_conflict;
};

enum ipfrag_result {
    IPFRAG_HELD,     /* kept; the datagram is not complete yet */
    IPFRAG_COMPLETE, /* *out holds the datagram */
    IPFRAG_DROPPED,  /* refused or its datagram given up (counted) */
};

/* max_datagrams (at least 1) in progress at once, max_bytes of fragment data
 * (rounded to whole chunks, at least one datagram's worth is not promised: a
 * budget below 64 KiB refuses the biggest datagrams), timeout in seconds of
 * packet time. Memory grows with use up to the limits. NULL on ENOMEM. */
struct ipfrag_table *ipfrag_new(size_t max_datagrams, size_t max_bytes, uint32_t timeout);

void ipfrag_free(struct ipfrag_table *t);

/* One fragment: `v` as decode_packet filled it for DECODE_FRAGMENT. */
enum ipfrag_result ipfrag_add(struct ipfrag_table *t, const struct packet_view *v, struct event_time ts,
                              struct ipfrag_datagram *out);

/* Gives up the datagrams whose first fragment is older than the timeout. */
void ipfrag_expire(struct ipfrag_table *t, struct event_time now);

/* Datagrams in progress. */
size_t ipfrag_pending(const struct ipfrag_table *t);

void ipfrag_get_stats(const struct ipfrag_table *t, struct ipfrag_stats *out);

#endif
