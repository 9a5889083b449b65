#include "event_copy.h"

#include <string.h>

/* The buffer: this header, then the bytes every pointer pointed to. Each
 * pointer becomes an offset into the buffer (0: NULL), visited in one
 * fixed order by one function for sizing, packing and unpacking, so the
 * three cannot drift apart. */
#define EVENT_COPY_MAX_POINTERS (16 + EVENT_COPY_MAX_RISKS + EVENT_APP_TOP)

struct event_copy_head {
    struct event ev;
    struct event_flow flow;
    uint64_t offsets[EVENT_COPY_MAX_POINTERS];
};

enum event_copy_mode { EVENT_COPY_SIZE, EVENT_COPY_PACK, EVENT_COPY_UNPACK };

struct event_copy_walk {
    enum event_copy_mode mode;
    uint8_t *base;       /* pack: the buffer being written */
    const uint8_t *from; /* unpack: the buffer being read */
    struct event_copy_head *head;        /* pack */
    const struct event_copy_head *rhead; /* unpack */
    size_t used;      /* bytes of the buffer taken so far */
    size_t pointers;  /* offsets taken so far */
};

/* One pointed-to run of `len` bytes (data NULL: absent). Returns the
 * pointer the event should hold in this mode. */
static const void *event_copy_run(struct event_copy_walk *w, const void *data, size_t len)
{
    size_t i = w->pointers++;
    uint64_t off;

    if (w->mode == EVENT_COPY_UNPACK) {
        off = i < EVENT_COPY_MAX_POINTERS ? w->rhead->offsets[i] : 0;
        return off == 0 ? NULL : w->from + off;
    }
    if (data == NULL || i >= EVENT_COPY_MAX_POINTERS)
        return NULL;
    if (w->mode == EVENT_COPY_PACK) {
        w->head->offsets[i] = w->used;
        if (len > 0)
            memcpy(w->base + w->used, data, len);
    }
    w->used += len;
    return data;
}

static void event_copy_bytes(struct event_copy_walk *w, struct bytes *b)
{
    b->data = event_copy_run(w, b->data, b->len);
}

/* A C string, with its NUL. */
static void event_copy_string(struct event_copy_walk *w, const char **s)
{
    /* Unpacking, *s is the packer's pointer: never to be followed. */
    size_t len = w->mode != EVENT_COPY_UNPACK && *s != NULL ? strlen(*s) + 1 : 0;

    *s = event_copy_run(w, *s, len);
}

static void event_copy_flow(struct event_copy_walk *w, const struct event_flow **flow,
                            struct event_copy_view *view)
{
    if (w->mode == EVENT_COPY_PACK && *flow != NULL)
        w->head->flow = **flow;
    if (w->mode == EVENT_COPY_UNPACK) {
        view->flow = w->rhead->flow;
        /* A flow is always there for auth, session and alert events. */
        *flow = &view->flow;
    }
}

static void event_copy_auth(struct event_copy_walk *w, struct event_auth *a)
{
    event_copy_string(w, &a->method);
    event_copy_bytes(w, &a->user);
    event_copy_bytes(w, &a->authzid);
    event_copy_bytes(w, &a->password);
    event_copy_bytes(w, &a->response);
    event_copy_string(w, &a->resp_code);
    event_copy_bytes(w, &a->realm);
    event_copy_bytes(w, &a->crack);
}

static void event_copy_session(struct event_copy_walk *w, struct event_session *s, struct event_copy_view *view)
{
    const char *const *risks = s->risks;

    event_copy_bytes(w, &s->banner);
    event_copy_bytes(w, &s->apop_timestamp);
    event_copy_bytes(w, &s->user);
    event_copy_string(w, &s->auth_method);
    event_copy_bytes(w, &s->sasl_mechanisms);
    event_copy_bytes(w, &s->implementation);
    event_copy_string(w, &s->app_proto);
    if (s->risk_count > EVENT_COPY_MAX_RISKS)
        s->risk_count = EVENT_COPY_MAX_RISKS;
    if (risks == NULL)
        s->risk_count = 0;
    for (size_t i = 0; i < s->risk_count; i++) {
        const char *name = w->mode == EVENT_COPY_UNPACK ? NULL : risks[i];

        event_copy_string(w, &name);
        if (w->mode == EVENT_COPY_UNPACK)
            view->risks[i] = name;
    }
    if (w->mode == EVENT_COPY_UNPACK)
        s->risks = s->risk_count > 0 ? view->risks : NULL;
}

static void event_copy_apps(struct event_copy_walk *w, struct event_app_summary *s, struct event_copy_view *view)
{
    if (s->app_count > EVENT_APP_TOP)
        s->app_count = EVENT_APP_TOP;
    if (s->apps == NULL)
        s->app_count = 0;
    for (size_t i = 0; i < s->app_count; i++) {
        struct event_app_total t;

        if (w->mode == EVENT_COPY_UNPACK) /* the numbers: see event_copy_pack */
            memcpy(&t, w->from + w->rhead->offsets[EVENT_COPY_MAX_POINTERS - 1] + i * sizeof t, sizeof t);
        else
            t = s->apps[i];
        event_copy_string(w, &t.name);
        if (w->mode == EVENT_COPY_UNPACK)
            view->apps[i] = t;
    }
}

/* Visits every pointer of the event in one order. In unpack mode the
 * event is view->ev, a copy of the packed header being repaired. */
static void event_copy_walk(struct event_copy_walk *w, struct event *ev, struct event_copy_view *view)
{
    switch (ev->type) {
    case EVENT_AUTH:
        event_copy_flow(w, &ev->u.auth.flow, view);
        event_copy_auth(w, &ev->u.auth);
        break;
    case EVENT_SESSION:
        event_copy_flow(w, &ev->u.session.flow, view);
        event_copy_session(w, &ev->u.session, view);
        break;
    case EVENT_ALERT:
        event_copy_flow(w, &ev->u.alert.flow, view);
        event_copy_bytes(w, &ev->u.alert.user);
        break;
    case EVENT_STATS:
    case EVENT_RUN_END: break; /* main's own, never on a ring */
    case EVENT_APP_SUMMARY:
        event_copy_apps(w, &ev->u.app_summary, view);
        if (w->mode == EVENT_COPY_UNPACK)
            ev->u.app_summary.apps = ev->u.app_summary.app_count > 0 ? view->apps : NULL;
        break;
    }
}

/* The app totals (numbers) of a summary are one more run, kept in the
 * last offset slot so the names' walk can find them. */
static size_t event_copy_app_totals(const struct event *ev)
{
    if (ev->type != EVENT_APP_SUMMARY || ev->u.app_summary.apps == NULL)
        return 0;
    return (ev->u.app_summary.app_count > EVENT_APP_TOP ? EVENT_APP_TOP : ev->u.app_summary.app_count) *
           sizeof(struct event_app_total);
}

static size_t event_copy_align(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

size_t event_copy_size(const struct event *ev)
{
    struct event_copy_walk w = { EVENT_COPY_SIZE, NULL, NULL, NULL, NULL, 0, 0 };
    struct event copy = *ev;

    event_copy_walk(&w, &copy, NULL);
    return event_copy_align(sizeof(struct event_copy_head)) + event_copy_align(event_copy_app_totals(ev)) + w.used;
}

void event_copy_pack(const struct event *ev, void *buf)
{
    struct event_copy_head *head = buf;
    size_t totals = event_copy_app_totals(ev);
    struct event_copy_walk w = { EVENT_COPY_PACK, buf, NULL, head, NULL, 0, 0 };
    struct event copy = *ev;

    memset(head, 0, sizeof *head);
    w.used = event_copy_align(sizeof *head);
    if (totals > 0) {
        memcpy(w.base + w.used, ev->u.app_summary.apps, totals);
        head->offsets[EVENT_COPY_MAX_POINTERS - 1] = w.used;
        w.used += event_copy_align(totals);
    }
    event_copy_walk(&w, &copy, NULL);
    head->ev = *ev;
}

void event_copy_unpack(const void *buf, struct event_copy_view *out)
{
    const struct event_copy_head *head = buf;
    struct event_copy_walk w = { EVENT_COPY_UNPACK, NULL, buf, NULL, head, 0, 0 };

    out->ev = head->ev;
    event_copy_walk(&w, &out->ev, out);
}
