/* Shared by the harnesses: touching every byte an event lends to a sink,
 * the way an output would, so ASan reports a field that points past its
 * buffer at the sink rather than never. */
#include "fuzz.h"

#include <string.h>

static uint32_t fuzz_touch_bytes(uint32_t sum, struct bytes b)
{
    if (b.data == NULL)
        return sum;
    for (size_t i = 0; i < b.len; i++)
        sum = sum * 31u + b.data[i];
    return sum;
}

static uint32_t fuzz_touch_text(uint32_t sum, const char *s)
{
    return s == NULL ? sum : sum * 31u + (uint32_t)strlen(s);
}

static uint32_t fuzz_touch_auth(const struct event_auth *a)
{
    uint32_t sum = a->attempt + (uint32_t)a->outcome + (uint32_t)a->exposure;

    sum = fuzz_touch_text(sum, a->method);
    sum = fuzz_touch_bytes(sum, a->user);
    sum = fuzz_touch_bytes(sum, a->authzid);
    sum = fuzz_touch_bytes(sum, a->password);
    sum = fuzz_touch_bytes(sum, a->response);
    sum = fuzz_touch_text(sum, a->resp_code);
    sum = fuzz_touch_bytes(sum, a->realm);
    sum = fuzz_touch_bytes(sum, a->crack);
    return sum + (uint32_t)a->flow->flow_id;
}

static uint32_t fuzz_touch_session(const struct event_session *s)
{
    uint32_t sum = (uint32_t)(s->commands + s->client_bytes + s->server_bytes + s->anomalies);

    sum = fuzz_touch_bytes(sum, s->banner);
    sum = fuzz_touch_bytes(sum, s->apop_timestamp);
    sum = fuzz_touch_bytes(sum, s->user);
    sum = fuzz_touch_text(sum, s->auth_method);
    sum = fuzz_touch_bytes(sum, s->sasl_mechanisms);
    sum = fuzz_touch_bytes(sum, s->implementation);
    sum = fuzz_touch_text(sum, s->app_proto);
    for (size_t i = 0; i < s->risk_count; i++)
        sum = fuzz_touch_text(sum, s->risks[i]);
    return sum + (uint32_t)s->flow->flow_id;
}

uint32_t fuzz_touch_event(const struct event *ev)
{
    switch (ev->type) {
    case EVENT_AUTH: return fuzz_touch_auth(&ev->u.auth);
    case EVENT_SESSION: return fuzz_touch_session(&ev->u.session);
    case EVENT_ALERT: return fuzz_touch_bytes((uint32_t)ev->u.alert.kind, ev->u.alert.user);
    case EVENT_STATS: return (uint32_t)ev->u.stats.packets;
    default: return (uint32_t)ev->type; /* a newer record: its type is enough */
    }
}
