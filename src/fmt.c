/* Times and addresses by hand: gmtime_r, strftime, snprintf and inet_ntop
 * cost more than the rest of a JSON record, and these run for every
 * record. The text is exactly what those functions give: the fallback
 * for times outside the fast range is the library itself. */
#include "fmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Years 1970 to 9999: four digits, the range the fast time path takes. */
#define FMT_TIME_FAST_MAX INT64_C(253402300799)

/* text (n bytes, no NUL) into buf as snprintf would cut it. */
static size_t fmt_copy(const char *text, size_t n, char *buf, size_t size)
{
    if (size == 0)
        return 0;
    if (n >= size)
        n = size - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    return n;
}

static void fmt_2digits(char *dst, unsigned v)
{
    dst[0] = (char)('0' + v / 10u);
    dst[1] = (char)('0' + v % 10u);
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian, eras of 400
 * years), the same date gmtime_r gives. */
static void fmt_date(int64_t days, unsigned *year, unsigned *month, unsigned *day)
{
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (unsigned)(era * 400) + yoe + (*month <= 2 ? 1u : 0u);
}

/* Before 1970 or after 9999 (a corrupt or hostile capture header): the
 * C library decides, and a time it cannot represent is "invalid-time". */
static size_t fmt_time_slow(struct event_time t, char *text)
{
    time_t secs = (time_t)t.sec;
    struct tm tm;
    char date[24], wide[48];
    int n;

    if (gmtime_r(&secs, &tm) == NULL || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        n = snprintf(wide, sizeof wide, "invalid-time");
    else
        n = snprintf(wide, sizeof wide, "%s.%06uZ", date, (unsigned)(t.usec % 1000000u));
    return fmt_copy(wide, n < 0 ? 0 : ((size_t)n < sizeof wide ? (size_t)n : sizeof wide - 1), text, FMT_TIME_SIZE);
}

/* text: FMT_TIME_SIZE bytes; the length, without a NUL. */
static size_t fmt_time_text(struct event_time t, char *text)
{
    unsigned year, month, day, secs, usec = (unsigned)(t.usec % 1000000u);

    if (t.sec < 0 || t.sec > FMT_TIME_FAST_MAX)
        return fmt_time_slow(t, text);
    fmt_date(t.sec / 86400, &year, &month, &day);
    secs = (unsigned)(t.sec % 86400);
    memcpy(text, "0000-00-00T00:00:00.000000Z", 27);
    fmt_2digits(text, year / 100u);
    fmt_2digits(text + 2, year % 100u);
    fmt_2digits(text + 5, month);
    fmt_2digits(text + 8, day);
    fmt_2digits(text + 11, secs / 3600u);
    fmt_2digits(text + 14, secs / 60u % 60u);
    fmt_2digits(text + 17, secs % 60u);
    for (size_t i = 0; i < 6; i++, usec /= 10u)
        text[25 - i] = (char)('0' + usec % 10u);
    return 27;
}

size_t fmt_time(struct event_time t, char *buf, size_t size)
{
    char text[FMT_TIME_SIZE];

    return fmt_copy(text, fmt_time_text(t, text), buf, size);
}

size_t fmt_time_seconds(struct event_time t, char *buf, size_t size)
{
    char text[FMT_TIME_SIZE];
    size_t n = fmt_time_text(t, text);

    /* A time the fast path or strftime wrote with a four-digit year; any
     * other text ("invalid-time", a five-digit year) is shown whole. */
    if (n >= 19 && text[10] == 'T') {
        text[10] = ' ';
        n = 19;
    }
    return fmt_copy(text, n, buf, size);
}

static size_t fmt_ipv4(char *buf, const uint8_t *a)
{
    size_t n = 0;

    for (unsigned i = 0; i < 4; i++) {
        if (i > 0)
            buf[n++] = '.';
        if (a[i] >= 100)
            buf[n++] = (char)('0' + a[i] / 100);
        if (a[i] >= 10)
            buf[n++] = (char)('0' + a[i] / 10 % 10);
        buf[n++] = (char)('0' + a[i] % 10);
    }
    return n;
}

/* The longest run of at least two zero groups (the first of equal ones),
 * as *base and *len; *len is 0 when there is none (RFC 5952 §4.2). */
static void fmt_zero_run(const unsigned *words, unsigned *base, unsigned *len)
{
    unsigned run = 0;

    *base = 0;
    *len = 0;
    for (unsigned i = 0; i <= 8; i++) {
        if (i < 8 && words[i] == 0) {
            run++;
            continue;
        }
        if (run > *len && run >= 2) {
            *base = i - run;
            *len = run;
        }
        run = 0;
    }
}

/* RFC 5952 text exactly as glibc's inet_ntop writes it, including its
 * dotted tail for ::a.b.c.d and ::ffff:a.b.c.d. */
static size_t fmt_ipv6(char *buf, const uint8_t *a)
{
    static const char hex[] = "0123456789abcdef";
    unsigned words[8], base, len;
    size_t n = 0;

    for (unsigned i = 0; i < 8; i++)
        words[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    fmt_zero_run(words, &base, &len);
    for (unsigned i = 0; i < 8; i++) {
        if (len > 0 && i >= base && i < base + len) {
            if (i == base)
                buf[n++] = ':';
            continue;
        }
        if (i > 0)
            buf[n++] = ':';
        if (i == 6 && len > 0 && base == 0 && (len == 6 || (len == 5 && words[5] == 0xFFFF)))
            return n + fmt_ipv4(buf + n, a + 12);
        for (int shift = 12; shift >= 0; shift -= 4)
            if (words[i] >> shift != 0 || shift == 0)
                buf[n++] = hex[(words[i] >> shift) & 0x0F];
    }
    if (len > 0 && base + len == 8)
        buf[n++] = ':';
    return n;
}

/* text: FMT_ADDR_SIZE bytes; the length, without a NUL. */
static size_t fmt_addr_text(uint8_t ip_version, const uint8_t addr[16], char *text)
{
    return ip_version == 6 ? fmt_ipv6(text, addr) : fmt_ipv4(text, addr);
}

size_t fmt_addr(uint8_t ip_version, const uint8_t addr[16], char *buf, size_t size)
{
    char text[FMT_ADDR_SIZE];
    size_t n = fmt_addr_text(ip_version, addr, text);

    /* inet_ntop refuses a short buffer rather than cut an address, and a
     * cut address would name another host. */
    if (n >= size)
        return fmt_copy("?", 1, buf, size);
    return fmt_copy(text, n, buf, size);
}

size_t fmt_endpoint(uint8_t ip_version, const uint8_t addr[16], uint16_t port, char *buf, size_t size)
{
    char text[FMT_ENDPOINT_SIZE], digits[5];
    size_t n = 0, d = sizeof digits;
    unsigned p = port;

    if (ip_version == 6)
        text[n++] = '[';
    n += fmt_addr_text(ip_version, addr, text + n);
    if (ip_version == 6)
        text[n++] = ']';
    text[n++] = ':';
    do {
        digits[--d] = (char)('0' + p % 10u);
        p /= 10u;
    } while (p != 0);
    memcpy(text + n, digits + d, sizeof digits - d);
    n += sizeof digits - d;
    return fmt_copy(text, n, buf, size);
}
