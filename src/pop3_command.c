#include "pop3_command.h"

#include <string.h>

#include "ascii.h"

#define POP3_NAME_ENTRY(name, text) [name] = text,
static const char *const pop3_state_names[] = { POP3_STATE_LIST(POP3_NAME_ENTRY) };
#undef POP3_NAME_ENTRY

#define POP3_ROW(id, keyword, arg, body, states) { keyword, id, arg, body, states },
static const struct pop3_command_info pop3_commands[] = { POP3_COMMAND_LIST(POP3_ROW) };
#undef POP3_ROW

/* The longest keyword in the table (XSENDER); longer words cannot match. */
#define POP3_KEYWORD_MAX 7

/* Each keyword as 8 bytes padded with NULs, and its length: a lookup (one
 * per client line) packs the upper-cased word the same way and compares
 * one 64-bit value per row, with no strlen. An 8-letter keyword would
 * still compile here (C drops the NUL) but never match: the length table
 * keeps 8, above POP3_KEYWORD_MAX, and test_command_lookup fails. */
#define POP3_KEY_ROW(id, keyword, arg, body, states) keyword,
static const char pop3_keyword_bytes[][POP3_KEYWORD_MAX + 1] = { POP3_COMMAND_LIST(POP3_KEY_ROW) };
#undef POP3_KEY_ROW
#define POP3_LEN_ROW(id, keyword, arg, body, states) sizeof(keyword) - 1,
static const uint8_t pop3_keyword_len[] = { POP3_COMMAND_LIST(POP3_LEN_ROW) };
#undef POP3_LEN_ROW

const char *pop3_state_name(enum pop3_state state)
{
    return (unsigned)state < POP3_STATE_COUNT ? pop3_state_names[state] : "invalid";
}

const struct pop3_command_info *pop3_command_info(enum pop3_command_id id)
{
    if ((unsigned)id >= POP3_CMD_COUNT)
        id = POP3_CMD_UNKNOWN;
    return &pop3_commands[id];
}

/* RFC 1939 §3: keywords are case-insensitive. */
const struct pop3_command_info *pop3_command_lookup(const uint8_t *keyword, size_t len)
{
    uint8_t upper[POP3_KEYWORD_MAX + 1] = { 0 };
    uint64_t word, name;

    if (keyword == NULL || len == 0 || len > POP3_KEYWORD_MAX)
        return &pop3_commands[POP3_CMD_UNKNOWN];
    for (size_t j = 0; j < len; j++)
        upper[j] = ascii_upper(keyword[j]);
    memcpy(&word, upper, sizeof word);
    for (size_t i = 0; i < POP3_CMD_UNKNOWN; i++) {
        memcpy(&name, pop3_keyword_bytes[i], sizeof name);
        /* The length too: "USER\0" packs like "USER". */
        if (name == word && pop3_keyword_len[i] == len)
            return &pop3_commands[i];
    }
    return &pop3_commands[POP3_CMD_UNKNOWN];
}

static struct bytes pop3_trim_spaces(struct bytes b)
{
    while (b.len > 0 && b.data[0] == ' ') {
        b.data++;
        b.len--;
    }
    while (b.len > 0 && b.data[b.len - 1] == ' ')
        b.len--;
    return b;
}

static bool pop3_has_non_space(struct bytes b)
{
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] != ' ')
            return true;
    return false;
}

void pop3_command_parse(const uint8_t *line, size_t len, struct pop3_command_line *out)
{
    const uint8_t *space = line != NULL ? memchr(line, ' ', len) : NULL;
    size_t keyword_len = space != NULL ? (size_t)(space - line) : len;
    struct bytes rest = { NULL, 0 };

    memset(out, 0, sizeof *out);
    out->keyword.data = line;
    out->keyword.len = line != NULL ? keyword_len : 0;
    out->info = pop3_command_lookup(line, out->keyword.len);
    if (space != NULL) {
        rest.data = space + 1;
        rest.len = len - keyword_len - 1;
    }
    out->has_arg = rest.data != NULL && pop3_has_non_space(rest);
    switch (out->info->arg) {
    case POP3_ARG_REST:
        out->arg = rest;
        break;
    case POP3_ARG_WORDS:
        out->arg = rest.data != NULL ? pop3_trim_spaces(rest) : rest;
        break;
    case POP3_ARG_NONE:
    default:
        out->has_arg = false;
        break;
    }
}

bool pop3_command_has_body(const struct pop3_command_info *info, bool has_arg)
{
    switch (info->body) {
    case POP3_BODY_ALWAYS:
        return true;
    case POP3_BODY_WITHOUT_ARG:
        return !has_arg;
    case POP3_BODY_NEVER:
    default:
        return false;
    }
}

struct bytes pop3_command_word(struct bytes arg, unsigned index)
{
    struct bytes word = { NULL, 0 };
    size_t i = 0;

    for (unsigned n = 0; arg.data != NULL && i < arg.len; n++) {
        size_t start;

        while (i < arg.len && arg.data[i] == ' ')
            i++;
        if (i == arg.len)
            break;
        start = i;
        while (i < arg.len && arg.data[i] != ' ')
            i++;
        if (n == index) {
            word.data = arg.data + start;
            word.len = i - start;
            break;
        }
    }
    return word;
}
