#include "event.h"

#define EVENT_NAME_ENTRY(name, text) [name] = text,

static const char *const outcome_names[] = { EVENT_OUTCOME_LIST(EVENT_NAME_ENTRY) };
static const char *const exposure_names[] = { EVENT_EXPOSURE_LIST(EVENT_NAME_ENTRY) };
static const char *const tls_names[] = { EVENT_TLS_LIST(EVENT_NAME_ENTRY) };
static const char *const end_names[] = { EVENT_END_LIST(EVENT_NAME_ENTRY) };
static const char *const anomaly_names[] = { EVENT_ANOMALY_LIST(EVENT_NAME_ENTRY) };
static const char *const capa_names[] = { EVENT_CAPA_LIST(EVENT_NAME_ENTRY) };
static const char *const alert_kind_names[] = { EVENT_ALERT_KIND_LIST(EVENT_NAME_ENTRY) };
static const char *const input_names[] = { EVENT_INPUT_LIST(EVENT_NAME_ENTRY) };

/* Out-of-range values print as "invalid" rather than reading past a table:
 * an enum in a corrupted record must not become an over-read. */
#define EVENT_NAME_LOOKUP(table, count, v) \
    (((unsigned)(v) < (unsigned)(count)) ? (table)[(v)] : "invalid")

const char *event_outcome_name(enum event_outcome v)
{
    return EVENT_NAME_LOOKUP(outcome_names, OUTCOME_COUNT, v);
}

const char *event_exposure_name(enum event_exposure v)
{
    return EVENT_NAME_LOOKUP(exposure_names, EXPOSURE_COUNT, v);
}

const char *event_tls_name(enum event_tls v)
{
    return EVENT_NAME_LOOKUP(tls_names, TLS_COUNT, v);
}

const char *event_end_name(enum event_end v)
{
    return EVENT_NAME_LOOKUP(end_names, END_COUNT, v);
}

const char *event_anomaly_name(enum event_anomaly v)
{
    return EVENT_NAME_LOOKUP(anomaly_names, ANOMALY_COUNT, v);
}

const char *event_capa_name(enum event_capa v)
{
    return EVENT_NAME_LOOKUP(capa_names, CAPA_COUNT, v);
}

const char *event_alert_kind_name(enum event_alert_kind v)
{
    return EVENT_NAME_LOOKUP(alert_kind_names, ALERT_KIND_COUNT, v);
}

const char *event_input_status_name(enum event_input_status v)
{
    return EVENT_NAME_LOOKUP(input_names, INPUT_STATUS_COUNT, v);
}
