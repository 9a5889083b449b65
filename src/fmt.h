/* The one formatter of times and addresses: every record, table row, alert
 * line and CSV cell shows a time or an address through these, so they read
 * the same everywhere. Each writes at most size bytes including the NUL
 * (cut like snprintf) and returns the length written. */
#ifndef POP3SCOPE_FMT_H
#define POP3SCOPE_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* "2026-11-26T05:15:49.123456Z" (or "invalid-time") with its NUL. */
#define FMT_TIME_SIZE 32
/* Dotted IPv4 or RFC 5952 IPv6 (INET6_ADDRSTRLEN) with its NUL. */
#define FMT_ADDR_SIZE 46
/* An address, brackets for IPv6, ':' and a port, with its NUL. */
#define FMT_ENDPOINT_SIZE (FMT_ADDR_SIZE + 2 + 6)

/* ISO 8601 in UTC with microseconds: "2026-11-26T05:15:49.123456Z". */
size_t fmt_time(struct event_time t, char *buf, size_t size);

/* Seconds are enough for a person: "2026-11-26 05:15:49". */
size_t fmt_time_seconds(struct event_time t, char *buf, size_t size);

/* "192.0.2.1" or "2001:db8::1"; ip_version other than 6 is IPv4 (the first
 * four bytes). A buffer too small for the text gets "?". */
size_t fmt_addr(uint8_t ip_version, const uint8_t addr[16], char *buf, size_t size);

/* "192.0.2.1:110" or "[2001:db8::1]:110" (RFC 5952 §6). */
size_t fmt_endpoint(uint8_t ip_version, const uint8_t addr[16], uint16_t port, char *buf, size_t size);

#endif
