/* syslog output plugin: each event as one RFC 5424 message with
 * structured data, to the local syslog(3), or to a UDP, TCP (RFC 6587
 * §3.4.1 octet counting) or unix datagram socket target.
 *
 * Options: target=local|udp://HOST:PORT|tcp://HOST:PORT|unix:PATH
 * (default local), facility=auth|authpriv|daemon|user|local0..local7
 * (default auth), app_name=NAME (default pop3scope, at most 48 printable
 * ASCII characters, RFC 5424 §6.2.5). A target that is down is retried at
 * most once a second; events written meanwhile are dropped and counted by
 * pop3scope (write returns -1). A TCP or unix target down at start (or
 * later) is said once on stderr, and once when it is back. */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pop3scope_plugin.h"

#define SYSLOG_MESSAGE_MAX 70000
/* Private enterprise number 32473 is the one RFC 5612 reserves for
 * documentation; a registered number replaces it once pop3scope has one. */
#define SYSLOG_SD_ID "pop3scope@32473"

enum syslog_transport { SYSLOG_LOCAL, SYSLOG_UDP, SYSLOG_TCP, SYSLOG_UNIX };

struct syslog_state {
    enum syslog_transport transport;
    int facility; /* the code, 0..23 (RFC 5424 §6.2.1) */
    char app_name[49];
    char hostname[256];
    char host[256];
    char port[16];
    char path[108];
    int fd; /* -1 while not connected */
    bool down_said; /* "cannot reach" was said; "back" is said once */
    time_t next_try; /* wall clock: reconnecting is about the network */
    char message[SYSLOG_MESSAGE_MAX];
};

static const struct {
    const char *name;
    int code;
} syslog_facilities[] = {
    { "user", 1 },    { "daemon", 3 },  { "auth", 4 },    { "authpriv", 10 }, { "local0", 16 }, { "local1", 17 },
    { "local2", 18 }, { "local3", 19 }, { "local4", 20 }, { "local5", 21 },   { "local6", 22 }, { "local7", 23 },
};

static int syslog_parse_hostport(struct syslog_state *s, const char *hostport)
{
    const char *colon = strrchr(hostport, ':');
    size_t host_len;

    if (colon == NULL || colon == hostport || colon[1] == '\0')
        return -1;
    host_len = (size_t)(colon - hostport);
    if (hostport[0] == '[' && colon[-1] == ']') { /* [v6]:port */
        hostport++;
        host_len -= 2;
    }
    if (host_len >= sizeof s->host || strlen(colon + 1) >= sizeof s->port)
        return -1;
    memcpy(s->host, hostport, host_len);
    s->host[host_len] = '\0';
    snprintf(s->port, sizeof s->port, "%s", colon + 1);
    return 0;
}

static int syslog_parse_target(struct syslog_state *s, const char *target)
{
    if (strcmp(target, "local") == 0) {
        s->transport = SYSLOG_LOCAL;
        return 0;
    }
    if (strncmp(target, "udp://", 6) == 0) {
        s->transport = SYSLOG_UDP;
        return syslog_parse_hostport(s, target + 6);
    }
    if (strncmp(target, "tcp://", 6) == 0) {
        s->transport = SYSLOG_TCP;
        return syslog_parse_hostport(s, target + 6);
    }
    if (strncmp(target, "unix:", 5) == 0 && target[5] != '\0' && strlen(target + 5) < sizeof s->path) {
        s->transport = SYSLOG_UNIX;
        snprintf(s->path, sizeof s->path, "%s", target + 5);
        return 0;
    }
    return -1;
}

static int syslog_parse_facility(struct syslog_state *s, const char *name)
{
    for (size_t i = 0; i < sizeof syslog_facilities / sizeof syslog_facilities[0]; i++) {
        if (strcmp(name, syslog_facilities[i].name) == 0) {
            s->facility = syslog_facilities[i].code;
            return 0;
        }
    }
    return -1;
}

/* RFC 5424 §6.2.5: APP-NAME is 1*48 PRINTUSASCII (33..126). */
static int syslog_parse_app_name(struct syslog_state *s, const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len >= sizeof s->app_name)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (name[i] < 33 || name[i] > 126)
            return -1;
    }
    memcpy(s->app_name, name, len + 1);
    return 0;
}

static int syslog_apply(struct syslog_state *s, const struct pop3scope_plugin_option *o, char *error, size_t error_size)
{
    int rc;

    if (strcmp(o->key, "target") == 0)
        rc = syslog_parse_target(s, o->value);
    else if (strcmp(o->key, "facility") == 0)
        rc = syslog_parse_facility(s, o->value);
    else if (strcmp(o->key, "app_name") == 0)
        rc = syslog_parse_app_name(s, o->value);
    else {
        snprintf(error, error_size, "unknown option '%s' (known: target, facility, app_name)", o->key);
        return -1;
    }
    if (rc != 0)
        snprintf(error, error_size,
                 "option %s=%s: not valid (target=local|udp://HOST:PORT|tcp://HOST:PORT|unix:PATH; "
                 "facility=auth|authpriv|daemon|user|local0..local7; app_name=1-48 printable ASCII)",
                 o->key, o->value);
    return rc;
}

/* pop3scope's queue keeps a stuck target from stalling the analysis; this
 * bound keeps it from holding this plugin's thread forever: a send that
 * waits longer fails, the event counts as dropped, and the connection is
 * made anew. */
static void syslog_bound_send_time(int fd)
{
    struct timeval limit = { 0, 200000 };

    if (fd >= 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

static int syslog_connect_inet(const struct syslog_state *s)
{
    struct addrinfo hints = { 0 }, *res, *ai;
    int fd = -1;

    hints.ai_socktype = s->transport == SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
    if (getaddrinfo(s->host, s->port, &hints, &res) != 0)
        return -1;
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    syslog_bound_send_time(fd);
    return fd;
}

static int syslog_connect_unix(const struct syslog_state *s)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    memcpy(addr.sun_path, s->path, strlen(s->path) + 1);
    if (connect(fd, (const struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    syslog_bound_send_time(fd);
    return fd;
}

/* The target for messages, as the user wrote it. */
static void syslog_describe(const struct syslog_state *s, char *out, size_t size)
{
    if (s->transport == SYSLOG_UNIX)
        snprintf(out, size, "unix:%s", s->path);
    else
        snprintf(out, size, "%s://%s:%s", s->transport == SYSLOG_TCP ? "tcp" : "udp", s->host, s->port);
}

/* An outage is said once on stderr, and its end once: a collector that is
 * down must not flood the terminal, nor go unnoticed (UDP cannot tell). */
static void syslog_say_state(struct syslog_state *s, bool up, int why)
{
    char target[400];

    if (up == !s->down_said)
        return;
    syslog_describe(s, target, sizeof target);
    if (up)
        fprintf(stderr, "pop3scope: syslog: %s is back\n", target);
    else
        fprintf(stderr, "pop3scope: syslog: cannot reach %s (%s); retrying each second, events dropped meanwhile\n",
                target, strerror(why));
    s->down_said = !up;
}

/* Connects when not connected, at most once a second. */
static int syslog_ensure_connected(struct syslog_state *s)
{
    time_t now;

    if (s->fd >= 0 || s->transport == SYSLOG_LOCAL)
        return 0;
    now = time(NULL);
    if (now < s->next_try)
        return -1;
    errno = 0;
    s->fd = s->transport == SYSLOG_UNIX ? syslog_connect_unix(s) : syslog_connect_inet(s);
    if (s->fd < 0) {
        syslog_say_state(s, false, errno != 0 ? errno : EHOSTUNREACH);
        s->next_try = now + 1;
        return -1;
    }
    syslog_say_state(s, true, 0);
    return 0;
}

static void *syslog_open(const struct pop3scope_plugin_option *options, size_t option_count, char *error,
                         size_t error_size)
{
    struct syslog_state *s = calloc(1, sizeof *s);

    if (s == NULL) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    s->fd = -1;
    s->facility = 4; /* auth: where login records belong */
    snprintf(s->app_name, sizeof s->app_name, "pop3scope");
    for (size_t i = 0; i < option_count; i++) {
        if (syslog_apply(s, &options[i], error, error_size) != 0) {
            free(s);
            return NULL;
        }
    }
    if (gethostname(s->hostname, sizeof s->hostname - 1) != 0 || s->hostname[0] == '\0')
        snprintf(s->hostname, sizeof s->hostname, "-");
    if (s->transport == SYSLOG_LOCAL)
        openlog(s->app_name, LOG_PID, s->facility << 3);
    else
        (void)syslog_ensure_connected(s); /* down at start is not an error: retried */
    return s;
}

/* Alerts are warnings, login attempts notices, the rest information
 * (RFC 5424 §6.2.1 severities). */
static int syslog_severity(const char *type)
{
    if (strcmp(type, "alert") == 0)
        return 4;
    if (strcmp(type, "auth") == 0)
        return 5;
    return 6;
}

/* HEADER SP STRUCTURED-DATA SP MSG (RFC 5424 §6). MSG is the event's JSON
 * line, UTF-8 with the BOM §6.4 asks for; the SD element names the event
 * type so a collector can route without parsing JSON. */
static int syslog_format(struct syslog_state *s, const struct pop3scope_plugin_event *ev, int with_header)
{
    time_t sec = (time_t)(ev->time_usec / 1000000);
    long usec = (long)(ev->time_usec % 1000000);
    struct tm tm;
    char stamp[40];
    int n;

    if (usec < 0) {
        usec += 1000000;
        sec--;
    }
    if (gmtime_r(&sec, &tm) == NULL || strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        snprintf(stamp, sizeof stamp, "-");
    if (with_header)
        n = snprintf(s->message, sizeof s->message,
                     "<%d>1 %s.%06ldZ %s %s %ld %s [" SYSLOG_SD_ID " event=\"%s\"] \xEF\xBB\xBF%s",
                     s->facility * 8 + syslog_severity(ev->type), stamp, usec, s->hostname, s->app_name, (long)getpid(),
                     ev->type, ev->type, ev->json);
    else
        n = snprintf(s->message, sizeof s->message, "[" SYSLOG_SD_ID " event=\"%s\"] %s", ev->type, ev->json);
    return n > 0 && (size_t)n < sizeof s->message ? n : -1;
}

static int syslog_send(struct syslog_state *s, int len)
{
    char prefix[24];
    int plen;

    if (s->transport == SYSLOG_TCP) { /* RFC 6587 §3.4.1: MSG-LEN SP SYSLOG-MSG */
        plen = snprintf(prefix, sizeof prefix, "%d ", len);
        if (send(s->fd, prefix, (size_t)plen, MSG_NOSIGNAL | MSG_MORE) != plen)
            return -1;
    }
    return send(s->fd, s->message, (size_t)len, MSG_NOSIGNAL) == len ? 0 : -1;
}

static int syslog_write(void *state, const struct pop3scope_plugin_event *ev)
{
    struct syslog_state *s = state;
    int len;

    if (s->transport == SYSLOG_LOCAL) {
        /* syslog(3) writes its own header; the SD goes first in MSG. */
        if (syslog_format(s, ev, 0) < 0)
            return -1;
        syslog(syslog_severity(ev->type), "%s", s->message);
        return 0;
    }
    len = syslog_format(s, ev, 1);
    if (len < 0 || syslog_ensure_connected(s) != 0)
        return -1;
    if (syslog_send(s, len) == 0)
        return 0;
    /* A stream cut mid-message cannot be resumed: reconnect for the next. */
    close(s->fd);
    s->fd = -1;
    return -1;
}

static int syslog_flush(void *state)
{
    return state != NULL ? 0 : -1; /* every message is sent when written */
}

static void syslog_close(void *state)
{
    struct syslog_state *s = state;

    if (s->transport == SYSLOG_LOCAL)
        closelog();
    else if (s->fd >= 0)
        close(s->fd);
    free(s);
}

static const struct pop3scope_plugin syslog_plugin = {
    .abi_version = POP3SCOPE_PLUGIN_ABI,
    .struct_size = sizeof(struct pop3scope_plugin),
    .name = "syslog",
    .open = syslog_open,
    .write = syslog_write,
    .flush = syslog_flush,
    .close = syslog_close,
};

const struct pop3scope_plugin *pop3scope_plugin_v1(void)
{
    return &syslog_plugin;
}
