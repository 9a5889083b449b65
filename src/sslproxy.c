/* SSLproxy's header line (see sslproxy.h). Every read is an index checked
 * against the length in the same expression. */
#include "sslproxy.h"

#include <arpa/inet.h>
#include <string.h>

int sslproxy_key_match(const uint8_t *bytes, size_t len)
{
    size_t n = len < SSLPROXY_KEY_LEN ? len : SSLPROXY_KEY_LEN;

    if (bytes == NULL || memcmp(bytes, SSLPROXY_KEY, n) != 0)
        return -1;
    return len >= SSLPROXY_KEY_LEN ? 1 : 0;
}

/* "[address]:port" at *pos; leaves *pos after the port. */
static bool sslproxy_endpoint(const uint8_t *p, size_t len, size_t *pos, uint8_t *version, uint8_t addr[16],
                              uint16_t *port)
{
    char text[INET6_ADDRSTRLEN];
    size_t i = *pos, start, n = 0;
    unsigned long value = 0;

    if (i >= len || p[i] != '[')
        return false;
    start = ++i;
    while (i < len && p[i] != ']' && i - start < sizeof text - 1)
        i++;
    if (i >= len || p[i] != ']' || i == start)
        return false;
    memcpy(text, p + start, i - start);
    text[i - start] = '\0';
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, text, addr) == 1)
        *version = 4;
    else if (inet_pton(AF_INET6, text, addr) == 1)
        *version = 6;
    else
        return false;
    i++;
    if (i >= len || p[i] != ':')
        return false;
    i++;
    while (i < len && p[i] >= '0' && p[i] <= '9' && n < 6) {
        if (n == 0 && p[i] == '0')
            return false; /* no leading zero, and port 0 is no endpoint */
        value = value * 10 + (unsigned long)(p[i] - '0');
        i++;
        n++;
    }
    if (n == 0 || value > 65535)
        return false;
    *port = (uint16_t)value;
    *pos = i;
    return true;
}

static bool sslproxy_comma(const uint8_t *p, size_t len, size_t *pos)
{
    if (*pos >= len || p[*pos] != ',')
        return false;
    (*pos)++;
    return true;
}

bool sslproxy_header_parse(const uint8_t *line, size_t len, struct event_proxy *out)
{
    struct event_proxy h;
    uint8_t client_version = 0, server_version = 0;
    size_t i = SSLPROXY_KEY_LEN;

    if (out == NULL || line == NULL || len > SSLPROXY_LINE_MAX || sslproxy_key_match(line, len) != 1)
        return false;
    memset(&h, 0, sizeof h);
    if (!sslproxy_endpoint(line, len, &i, &h.listener_version, h.listener_addr, &h.listener_port) ||
        !sslproxy_comma(line, len, &i) ||
        !sslproxy_endpoint(line, len, &i, &client_version, h.client_addr, &h.client_port) ||
        !sslproxy_comma(line, len, &i) ||
        !sslproxy_endpoint(line, len, &i, &server_version, h.server_addr, &h.server_port) ||
        !sslproxy_comma(line, len, &i) || client_version != server_version)
        return false;
    if (i >= len || (line[i] != 's' && line[i] != 'p'))
        return false;
    h.tls = line[i] == 's';
    i++;
    if (i < len) {
        /* ",user" (SSLproxy with user authentication): not reported. */
        if (!sslproxy_comma(line, len, &i) || i >= len)
            return false;
        for (; i < len; i++) {
            if (line[i] <= ' ' || line[i] >= 0x7f || line[i] == ',')
                return false;
        }
    }
    h.ip_version = client_version;
    h.present = true;
    *out = h;
    return true;
}
