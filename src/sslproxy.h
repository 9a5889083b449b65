/* The line SSLproxy (and tools built like it) writes before the protocol's
 * own bytes when it diverts a decrypted connection to a listening program:
 *   SSLproxy: [127.0.0.1]:34649,[192.168.3.24]:47286,[192.168.111.130]:443,s
 * the listener's return address, the original source, the original
 * destination, then "s" (the original connection was SSL/TLS) or "p"
 * (plain); SSLproxy 0.9.x with user authentication appends ",user".
 * A pure parser: no state, no allocation. */
#ifndef POP3SCOPE_SSLPROXY_H
#define POP3SCOPE_SSLPROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* The key, as SSLproxy writes it (its SSLPROXY_KEY "SSLproxy:" and a SP). */
#define SSLPROXY_KEY "SSLproxy: "
#define SSLPROXY_KEY_LEN 10
/* Three bracketed IPv6 addresses with ports, the flag and a short user
 * name fit well inside this; a longer line is not a header. */
#define SSLPROXY_LINE_MAX 320

/* Strict parse of one line (without its CR LF). True and *out filled
 * (present = true) only when the whole line is a header: the exact key,
 * three "[address]:port" (dotted IPv4 or RFC 4291 IPv6 text, ports 1..65535
 * in decimal without sign or leading zeros), source and destination of
 * the same family, "s" or "p", and optionally ",user" of printable
 * characters other than ','. Anything else, a trailing byte included, is
 * false. */
bool sslproxy_header_parse(const uint8_t *line, size_t len, struct event_proxy *out);

/* 1: the bytes are a prefix of SSLPROXY_KEY that is complete (the key has
 * been seen); 0: too few bytes to tell, but they agree so far; -1: not a
 * header. */
int sslproxy_key_match(const uint8_t *bytes, size_t len);

#endif
