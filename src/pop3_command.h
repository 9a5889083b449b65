/* The POP3 command table and the protocol states it refers to (RFC 1939,
 * RFC 2449, RFC 2595, RFC 5034). One row per command says how its argument
 * is read, whether a successful reply carries a multi-line body, and in which
 * states the command is valid, so the tracker never guesses (CONVENTIONS.md:
 * "decide multi-line per command"). */
#ifndef POP3SCOPE_POP3_COMMAND_H
#define POP3SCOPE_POP3_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* RFC 1939 §3 states, plus what a passive observer needs: the wait for the
 * greeting, a greeting that refused the connection, and the point from
 * which only TLS bytes flow (RFC 2595 §4, or POP3S). */
#define POP3_STATE_LIST(X) \
    X(POP3_STATE_GREETING, "greeting") \
    X(POP3_STATE_AUTHORIZATION, "authorization") \
    X(POP3_STATE_TRANSACTION, "transaction") \
    X(POP3_STATE_UPDATE, "update") \
    X(POP3_STATE_REFUSED, "refused") \
    X(POP3_STATE_ENCRYPTED, "encrypted")

#define POP3_ENUM_ENTRY(name, text) name,
enum pop3_state { POP3_STATE_LIST(POP3_ENUM_ENTRY) POP3_STATE_COUNT };
#undef POP3_ENUM_ENTRY

const char *pop3_state_name(enum pop3_state state);

/* Bit masks over enum pop3_state for the "valid states" column. */
#define POP3_IN_AUTH (1u << POP3_STATE_AUTHORIZATION)
#define POP3_IN_TRANS (1u << POP3_STATE_TRANSACTION)
#define POP3_IN_ANY (POP3_IN_AUTH | POP3_IN_TRANS)

/* How the text after the keyword is taken. */
enum pop3_arg_rule {
    POP3_ARG_NONE, /* nothing expected; anything sent is ignored */
    POP3_ARG_WORDS, /* space-separated words; surrounding spaces ignored */
    POP3_ARG_REST, /* everything after the first space, spaces included
                      (RFC 1939 §7: a password may contain spaces) */
};

/* Whether a +OK reply is followed by a body ending in "." (RFC 1939 §3). */
enum pop3_body_rule {
    POP3_BODY_NEVER,
    POP3_BODY_ALWAYS,
    POP3_BODY_WITHOUT_ARG, /* LIST/UIDL list everything only when bare;
                              a bare AUTH lists mechanisms on some servers;
                              a bare LANG lists languages (RFC 6856 §3) */
};

/* X(id, keyword, argument rule, body rule, valid states)
 * Beyond RFC 1939: LAST (RFC 1460, dropped later but still answered by some
 * servers), RPOP (RFC 1081), XTND (RFC 1082; qpopper's XTND XLIST may
 * answer with a listing, but a body wrongly expected would swallow the next
 * replies, while one wrongly not expected only yields junk lines that are
 * skipped), XSENDER (qpopper), UTF8 and LANG (RFC 6856 §2, §3). */
#define POP3_COMMAND_LIST(X) \
    X(POP3_CMD_USER, "USER", POP3_ARG_REST, POP3_BODY_NEVER, POP3_IN_AUTH) \
    X(POP3_CMD_PASS, "PASS", POP3_ARG_REST, POP3_BODY_NEVER, POP3_IN_AUTH) \
    X(POP3_CMD_APOP, "APOP", POP3_ARG_WORDS, POP3_BODY_NEVER, POP3_IN_AUTH) \
    X(POP3_CMD_AUTH, "AUTH", POP3_ARG_WORDS, POP3_BODY_WITHOUT_ARG, POP3_IN_AUTH) \
    X(POP3_CMD_CAPA, "CAPA", POP3_ARG_NONE, POP3_BODY_ALWAYS, POP3_IN_ANY) \
    X(POP3_CMD_STLS, "STLS", POP3_ARG_NONE, POP3_BODY_NEVER, POP3_IN_AUTH) \
    X(POP3_CMD_STAT, "STAT", POP3_ARG_NONE, POP3_BODY_NEVER, POP3_IN_TRANS) \
    X(POP3_CMD_LIST, "LIST", POP3_ARG_WORDS, POP3_BODY_WITHOUT_ARG, POP3_IN_TRANS) \
    X(POP3_CMD_UIDL, "UIDL", POP3_ARG_WORDS, POP3_BODY_WITHOUT_ARG, POP3_IN_TRANS) \
    X(POP3_CMD_RETR, "RETR", POP3_ARG_WORDS, POP3_BODY_ALWAYS, POP3_IN_TRANS) \
    X(POP3_CMD_TOP, "TOP", POP3_ARG_WORDS, POP3_BODY_ALWAYS, POP3_IN_TRANS) \
    X(POP3_CMD_DELE, "DELE", POP3_ARG_WORDS, POP3_BODY_NEVER, POP3_IN_TRANS) \
    X(POP3_CMD_RSET, "RSET", POP3_ARG_NONE, POP3_BODY_NEVER, POP3_IN_TRANS) \
    X(POP3_CMD_NOOP, "NOOP", POP3_ARG_NONE, POP3_BODY_NEVER, POP3_IN_ANY) \
    X(POP3_CMD_QUIT, "QUIT", POP3_ARG_NONE, POP3_BODY_NEVER, POP3_IN_ANY) \
    X(POP3_CMD_LAST, "LAST", POP3_ARG_NONE, POP3_BODY_NEVER, POP3_IN_TRANS) \
    X(POP3_CMD_RPOP, "RPOP", POP3_ARG_WORDS, POP3_BODY_NEVER, POP3_IN_AUTH) \
    X(POP3_CMD_XTND, "XTND", POP3_ARG_WORDS, POP3_BODY_NEVER, POP3_IN_TRANS) \
    X(POP3_CMD_XSENDER, "XSENDER", POP3_ARG_WORDS, POP3_BODY_NEVER, POP3_IN_TRANS) \
    X(POP3_CMD_UTF8, "UTF8", POP3_ARG_NONE, POP3_BODY_NEVER, POP3_IN_AUTH) \
    X(POP3_CMD_LANG, "LANG", POP3_ARG_WORDS, POP3_BODY_WITHOUT_ARG, POP3_IN_ANY) \
    X(POP3_CMD_UNKNOWN, "", POP3_ARG_NONE, POP3_BODY_NEVER, POP3_IN_ANY)

#define POP3_ENUM_ENTRY(id, keyword, arg, body, states) id,
enum pop3_command_id { POP3_COMMAND_LIST(POP3_ENUM_ENTRY) POP3_CMD_COUNT };
#undef POP3_ENUM_ENTRY

_Static_assert(POP3_CMD_COUNT <= 256, "command ids are queued as one byte");

struct pop3_command_info {
    const char *keyword; /* upper case; "" for POP3_CMD_UNKNOWN */
    enum pop3_command_id id;
    enum pop3_arg_rule arg;
    enum pop3_body_rule body;
    unsigned states; /* POP3_IN_* mask */
};

/* One client line split into its command and argument. Spans point into
 * the line. */
struct pop3_command_line {
    const struct pop3_command_info *info; /* never NULL */
    struct bytes keyword;
    struct bytes arg; /* per the command's argument rule */
    bool has_arg; /* arg holds at least one non-space byte */
};

/* The table row for an id (the UNKNOWN row for an out-of-range id). */
const struct pop3_command_info *pop3_command_info(enum pop3_command_id id);

/* Case-insensitive keyword match; the UNKNOWN row when nothing matches. */
const struct pop3_command_info *pop3_command_lookup(const uint8_t *keyword, size_t len);

void pop3_command_parse(const uint8_t *line, size_t len, struct pop3_command_line *out);

/* Whether a +OK to this command is followed by a multi-line body. */
bool pop3_command_has_body(const struct pop3_command_info *info, bool has_arg);

/* The word at index `index` (0-based) of a space-separated argument; absent
 * (data NULL) when there are fewer words. */
struct bytes pop3_command_word(struct bytes arg, unsigned index);

#endif
