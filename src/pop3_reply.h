/* Reading server lines: the status word, RFC 2449 §8 response codes, and
 * the few reply texts whose content the session summary needs (STAT, login
 * replies that announce the maildrop, CAPA lines).
 * Pure functions over one line; spans point into it. */
#ifndef POP3SCOPE_POP3_REPLY_H
#define POP3SCOPE_POP3_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum pop3_reply_kind {
    POP3_REPLY_OK, /* "+OK" (any case) then SP or end of line */
    POP3_REPLY_ERR, /* "-ERR" likewise */
    POP3_REPLY_CONTINUE, /* "+ text" or a bare "+": a SASL challenge (RFC 5034 §4) */
    POP3_REPLY_OTHER, /* anything else: body line or junk, by context */
};

/* Longest response code kept, e.g. "SYS/TEMP", "LOGIN-DELAY". */
#define POP3_CODE_MAX 63

struct pop3_reply {
    enum pop3_reply_kind kind;
    struct event_bytes rest; /* after the status word and one SP; empty if none */
    struct event_bytes code; /* inside "[...]", printable ASCII; absent if none */
    struct event_bytes text; /* rest without the code and the SP after it */
};

void pop3_reply_parse(const uint8_t *line, size_t len, struct pop3_reply *out);

/* RFC 1939 §5 STAT: "nn mm" drop listing. */
bool pop3_reply_stat(struct event_bytes text, uint64_t *messages, uint64_t *octets);

/* The maildrop size some servers announce at login: "3 messages (19191
 * octets)", "alice has 3 visible messages (0 hidden) in 4179 octets.",
 * "Mailbox open, 3 messages". True when a message count was found;
 * *octets_known tells whether the text gave a size too. */
bool pop3_reply_maildrop(struct event_bytes text, uint64_t *messages, uint64_t *octets, bool *octets_known);

enum pop3_capability {
    POP3_CAPA_OTHER,
    POP3_CAPA_STLS,
    POP3_CAPA_SASL,
    POP3_CAPA_PIPELINING,
};

/* Which RFC 2449 §6 / RFC 2595 capability a CAPA body line names (only its
 * first word matters). */
enum pop3_capability pop3_reply_capability(const uint8_t *line, size_t len);

#endif
