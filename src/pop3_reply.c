#include "pop3_reply.h"

#include <string.h>

#include "ascii.h"

/* Longest decimal that still fits a uint64_t. */
#define POP3_DIGITS_MAX 20

/* Case-insensitive: does `b` start with the n bytes of lower-case ASCII
 * `word`? Kept beside ascii_case_prefix (ascii.h) because it runs on every
 * reply line and lowers only the input, not the literal too. */
static bool pop3_starts_with(struct bytes b, const char *word, size_t n)
{
    if (b.data == NULL || b.len < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(b.data[i]) != (uint8_t)word[i])
            return false;
    return true;
}

static bool pop3_equals(struct bytes b, const char *word, size_t n)
{
    return b.len == n && pop3_starts_with(b, word, n);
}

/* A status word counts only when followed by SP or the end of the line:
 * "+OKAY" is not a status (RFC 1939 §3). */
static bool pop3_status_word(struct bytes line, const char *word, size_t n, struct bytes *rest)
{
    if (!pop3_starts_with(line, word, n) || (line.len > n && line.data[n] != ' '))
        return false;
    rest->data = line.data + n;
    rest->len = 0;
    if (line.len > n) {
        rest->data++;
        rest->len = line.len - n - 1;
    }
    return true;
}

/* RFC 2449 §8: "[" resp-code "]" at the start of the text, printable. */
static void pop3_response_code(struct pop3_reply *out)
{
    struct bytes r = out->rest;
    size_t i = 1;

    out->text = r;
    if (r.len < 3 || r.data[0] != '[')
        return;
    while (i < r.len && r.data[i] != ']') {
        if (i > POP3_CODE_MAX || r.data[i] < 0x21 || r.data[i] > 0x7e)
            return;
        i++;
    }
    if (i >= r.len || r.data[i] != ']' || i == 1)
        return;
    out->code.data = r.data + 1;
    out->code.len = i - 1;
    i++;
    if (i < r.len && r.data[i] == ' ')
        i++;
    out->text.data = r.data + i;
    out->text.len = r.len - i;
}

void pop3_reply_parse(const uint8_t *line, size_t len, struct pop3_reply *out)
{
    struct bytes l = { line, line != NULL ? len : 0 };

    memset(out, 0, sizeof *out);
    out->kind = POP3_REPLY_OTHER;
    if (pop3_status_word(l, ASCII_LIT("+ok"), &out->rest))
        out->kind = POP3_REPLY_OK;
    else if (pop3_status_word(l, ASCII_LIT("-err"), &out->rest))
        out->kind = POP3_REPLY_ERR;
    else if (pop3_status_word(l, ASCII_LIT("+"), &out->rest))
        out->kind = POP3_REPLY_CONTINUE;
    else
        return;
    if (out->kind == POP3_REPLY_CONTINUE)
        out->text = out->rest;
    else
        pop3_response_code(out);
}

/* Does the visible start of a cut line (all of it, when shorter) match
 * the status word? At least two bytes are needed: "+O" and "-E" begin no
 * other server line (a SASL prompt is "+ " or "+" alone, RFC 5034 §4),
 * while a lone "+" or "-" could be anything. */
static bool pop3_cut_word(struct bytes line, const char *word, size_t n, struct bytes *rest)
{
    size_t seen = line.len < n ? line.len : n;

    if (line.data == NULL || line.len < 2 || !pop3_starts_with((struct bytes){ line.data, seen }, word, seen))
        return false;
    if (line.len <= n) {
        rest->data = NULL;
        rest->len = 0;
        return true;
    }
    return pop3_status_word(line, word, n, rest);
}

bool pop3_reply_parse_cut(const uint8_t *line, size_t len, struct pop3_reply *out, bool *code_seen)
{
    struct bytes l = { line, line != NULL ? len : 0 };

    memset(out, 0, sizeof *out);
    out->kind = POP3_REPLY_OTHER;
    *code_seen = false;
    if (pop3_cut_word(l, ASCII_LIT("+ok"), &out->rest))
        out->kind = POP3_REPLY_OK;
    else if (pop3_cut_word(l, ASCII_LIT("-err"), &out->rest))
        out->kind = POP3_REPLY_ERR;
    else
        return false;
    if (out->rest.data == NULL || out->rest.len == 0)
        return true; /* the status word alone: text and code unseen */
    pop3_response_code(out);
    /* A "[" whose "]" was cut away: the code is unknown, and so is
     * where the text starts. */
    if (out->rest.data[0] == '[' && out->code.data == NULL) {
        out->text.data = NULL;
        out->text.len = 0;
        return true;
    }
    *code_seen = true;
    return true;
}

/* Decimal digits at b[*pos]; false when none or when the value overflows. */
static bool pop3_number(struct bytes b, size_t *pos, uint64_t *value)
{
    size_t start = *pos;
    uint64_t v = 0;

    while (*pos < b.len && b.data[*pos] >= '0' && b.data[*pos] <= '9') {
        unsigned d = (unsigned)(b.data[*pos] - '0');

        if (*pos - start >= POP3_DIGITS_MAX || v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        (*pos)++;
    }
    *value = v;
    return *pos > start;
}

bool pop3_reply_stat(struct bytes text, uint64_t *messages, uint64_t *octets)
{
    size_t pos = 0;
    uint64_t m, o;

    if (text.data == NULL || !pop3_number(text, &pos, &m))
        return false;
    if (pos >= text.len || text.data[pos] != ' ')
        return false;
    while (pos < text.len && text.data[pos] == ' ')
        pos++;
    if (!pop3_number(text, &pos, &o) || (pos < text.len && text.data[pos] != ' '))
        return false;
    *messages = m;
    *octets = o;
    return true;
}

bool pop3_reply_uidl(struct bytes text, uint64_t *message)
{
    size_t pos = 0, start;
    uint64_t m;

    if (text.data == NULL || !pop3_number(text, &pos, &m) || pos >= text.len || text.data[pos] != ' ')
        return false;
    while (pos < text.len && text.data[pos] == ' ')
        pos++;
    start = pos;
    while (pos < text.len && text.data[pos] >= 0x21 && text.data[pos] <= 0x7e)
        pos++;
    if (pos == start)
        return false;
    *message = m;
    return true;
}

/* The next space-separated token with surrounding punctuation "(),.;:"
 * removed; false at the end of the text. */
static bool pop3_next_token(struct bytes text, size_t *pos, struct bytes *token)
{
    static const char punct[] = "(),.;:";
    size_t start, end;

    while (*pos < text.len && text.data[*pos] == ' ')
        (*pos)++;
    if (*pos >= text.len)
        return false;
    start = *pos;
    while (*pos < text.len && text.data[*pos] != ' ')
        (*pos)++;
    end = *pos;
    while (start < end && memchr(punct, text.data[start], sizeof punct - 1) != NULL)
        start++;
    while (end > start && memchr(punct, text.data[end - 1], sizeof punct - 1) != NULL)
        end--;
    token->data = text.data + start;
    token->len = end - start;
    return true;
}

static bool pop3_token_number(struct bytes token, uint64_t *value)
{
    size_t pos = 0;

    return pop3_number(token, &pos, value) && pos == token.len;
}

/* A count belongs to the word right after it, or after one qualifier
 * ("3 visible messages"), never to a number further back. */
bool pop3_reply_maildrop(struct bytes text, uint64_t *messages, uint64_t *octets, bool *octets_known)
{
    struct bytes token;
    size_t pos = 0;
    uint64_t last = 0, value;
    unsigned words_since = 2;
    bool have_messages = false, have_octets = false;

    while (text.data != NULL && pop3_next_token(text, &pos, &token)) {
        if (pop3_token_number(token, &value)) {
            last = value;
            words_since = 0;
            continue;
        }
        if (words_since <= 1 && !have_messages &&
            (pop3_equals(token, ASCII_LIT("message")) || pop3_equals(token, ASCII_LIT("messages")))) {
            *messages = last;
            have_messages = true;
        } else if (words_since <= 1 && !have_octets &&
                   (pop3_equals(token, ASCII_LIT("octet")) || pop3_equals(token, ASCII_LIT("octets")))) {
            *octets = last;
            have_octets = true;
        }
        words_since++;
    }
    if (!have_octets)
        *octets = 0;
    *octets_known = have_octets;
    return have_messages;
}

#define POP3_NAME_ENTRY(name, text) [name] = text,
static const char *const pop3_capa_names[] = { EVENT_CAPA_LIST(POP3_NAME_ENTRY) };
#undef POP3_NAME_ENTRY
#define POP3_LENGTH_ENTRY(name, text) [name] = sizeof(text) - 1,
static const size_t pop3_capa_lengths[] = { EVENT_CAPA_LIST(POP3_LENGTH_ENTRY) };
#undef POP3_LENGTH_ENTRY

bool pop3_reply_capability(const uint8_t *line, size_t len, enum event_capa *capa, struct bytes *args)
{
    struct bytes l = { line, line != NULL ? len : 0 };
    struct bytes word = { line, 0 };
    size_t pos;

    while (word.len < l.len && line[word.len] != ' ')
        word.len++;
    pos = word.len;
    while (pos < l.len && line[pos] == ' ')
        pos++;
    args->data = line != NULL ? line + pos : NULL;
    args->len = l.len - pos;
    for (size_t i = 0; i < CAPA_COUNT; i++) {
        if (ascii_case_equal(word.data, word.len, pop3_capa_names[i], pop3_capa_lengths[i])) {
            *capa = (enum event_capa)i;
            return true;
        }
    }
    return false;
}

static bool pop3_is_word_byte(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* "STLS" or "STARTTLS" with no letter, digit or '-' on either side: "STLS"
 * inside "XSTLS" or "STLS-LIKE" is another word. */
bool pop3_reply_mentions_stls(struct bytes text)
{
    static const char *const words[] = { "stls", "starttls" };
    static const size_t lengths[] = { sizeof "stls" - 1, sizeof "starttls" - 1 };

    for (size_t i = 0; text.data != NULL && i < text.len; i++) {
        if (i > 0 && pop3_is_word_byte(text.data[i - 1]))
            continue;
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
            struct bytes rest = { text.data + i, text.len - i };
            size_t n = lengths[w];

            if (pop3_starts_with(rest, words[w], n) && (rest.len == n || !pop3_is_word_byte(rest.data[n])))
                return true;
        }
    }
    return false;
}

bool pop3_reply_code_is(struct bytes code, const char *name)
{
    return code.data != NULL && name != NULL && ascii_case_equal(code.data, code.len, name, strlen(name));
}
