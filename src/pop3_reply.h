/* Reading server lines: the status word, RFC 2449 §8 response codes, and
 * the few reply texts whose content the session summary needs (STAT, login
 * replies that announce the maildrop, CAPA lines, LIST lines).
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
    struct bytes rest; /* after the status word and one SP; empty if none */
    struct bytes code; /* inside "[...]", printable ASCII; absent if none */
    struct bytes text; /* rest without the code and the SP after it */
};

void pop3_reply_parse(const uint8_t *line, size_t len, struct pop3_reply *out);

/* The visible start of a status line that the capture cut: true when it
 * is certainly "+OK" or "-ERR" (at least "+O" or "-E" seen; a lone "+" or
 * "-" is not enough, "+ " is a SASL prompt). rest and text hold what is
 * visible, absent when nothing is; *code_seen is false when a response
 * code may have been cut away (nothing after the status word, or a "["
 * without its "]"). */
bool pop3_reply_parse_cut(const uint8_t *line, size_t len, struct pop3_reply *out, bool *code_seen);

/* RFC 1939 §5 STAT: "nn mm" drop listing. The same shape is a LIST scan
 * listing "msg octets", and text may follow either (RFC 1939 §5). */
bool pop3_reply_stat(struct bytes text, uint64_t *messages, uint64_t *octets);

/* RFC 1939 §7 UIDL "msg SP unique-id": the message number. The unique-id
 * must hold 1 to 70 bytes in 0x21..0x7E; a longer one is still taken. */
bool pop3_reply_uidl(struct bytes text, uint64_t *message);

/* The maildrop size some servers announce at login: "3 messages (19191
 * octets)", "alice has 3 visible messages (0 hidden) in 4179 octets.",
 * "Mailbox open, 3 messages". True when a message count was found;
 * *octets_known tells whether the text gave a size too. */
bool pop3_reply_maildrop(struct bytes text, uint64_t *messages, uint64_t *octets, bool *octets_known);

/* The capability a CAPA body line names (RFC 2449 §6; STLS from RFC 2595
 * §4, UTF8 and LANG from RFC 6856): its first word, case-insensitive. False
 * when the name is none of enum event_capa. *args gets the rest of the line
 * after the spaces that follow the name (empty, not absent, when none). */
bool pop3_reply_capability(const uint8_t *line, size_t len, enum event_capa *capa, struct bytes *args);

/* Whether a greeting text announces STLS (the word STLS or STARTTLS, in any
 * case, on its own), as some servers do instead of waiting for CAPA. */
bool pop3_reply_mentions_stls(struct bytes text);

/* Case-insensitive comparison of a response code with a name such as
 * "IN-USE" (RFC 2449 §8: codes are atoms, matched without regard to case). */
bool pop3_reply_code_is(struct bytes code, const char *name);

#endif
