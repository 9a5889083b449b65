/* Alert detectors: a consumer of auth and session events that forwards
 * every event and adds EVENT_ALERT records after the ones that fire them.
 *
 * State lives in three fixed-capacity tables (accounts, client addresses,
 * sessions with a cleartext login), each an array of equal-sized slots with
 * a keyed hash index and an LRU list: a full table evicts its least
 * recently used entry and counts it. Failure histories are rings of packet
 * timestamps as long as the threshold, so "N failures within T seconds" is
 * an exact sliding window: it holds when the last N failures span at most
 * T. Slot order, eviction and output depend only on the order of events,
 * never on the random hash key, so a replay gives the same alerts. */
#include "alert.h"

#include "ascii.h"
#include "keyed_hash.h"

#include <stdlib.h>
#include <string.h>

#define ALERT_NIL UINT32_MAX
/* Bytes of a user name kept in a key; the whole name is in the hash and
 * the length, so two names differing after these bytes stay distinct. */
#define ALERT_USER_HEAD 48u
#define ALERT_USEC_PER_SEC 1000000

/* Who a table entry is about. Built zeroed, so memcmp compares it. */
struct alert_key {
    uint8_t ip_version; /* 0 for a session key */
    uint8_t has_user;
    uint8_t pad[2];
    uint32_t user_len; /* saturated at UINT32_MAX */
    uint64_t user_hash; /* keyed hash of the whole name */
    uint64_t id; /* flow_id, for the session table */
    uint8_t addr[16];
    uint8_t user_head[ALERT_USER_HEAD];
};

/* Every slot starts with this; the table's payload follows. */
struct alert_slot {
    struct alert_key key;
    uint32_t bucket;
    uint32_t chain; /* next slot in the bucket, or the free list */
    uint32_t older; /* LRU neighbours */
    uint32_t newer;
};

struct alert_table {
    uint8_t *slots; /* capacity * slot_size, zeroed pages until used */
    size_t slot_size;
    uint32_t *buckets;
    uint32_t bucket_mask;
    uint32_t capacity;
    uint32_t used; /* slots handed out at least once */
    uint32_t free_list;
    uint32_t oldest;
    uint32_t newest;
    uint64_t evicted;
};

/* Timestamps (microseconds of packet time) of the latest failures. */
struct alert_ring {
    uint32_t head; /* oldest entry */
    uint32_t count;
};

struct alert_account {
    int64_t brute_quiet_until; /* no new brute force alert before this */
    int64_t last_success; /* failures up to here are spent on a success */
    struct alert_ring ring; /* then alert.account_ring timestamps */
    bool cleartext_alerted;
    bool stls_alerted;
};

struct alert_spray_entry {
    uint64_t account; /* user hash */
    int64_t last; /* latest failure on it */
};

struct alert_client {
    int64_t brute_quiet_until;
    int64_t spray_quiet_until;
    struct alert_ring ring; /* then client_failures timestamps, then
                               spray_accounts struct alert_spray_entry */
    uint32_t spray_count;
    uint32_t pad;
};

/* A session that showed a cleartext login: its account, for the STLS
 * verdict when the session event comes. */
struct alert_session {
    struct alert_key account;
};

struct alert {
    struct alert_options opts;
    event_sink_fn sink;
    void *sink_ctx;
    uint32_t account_ring; /* history per account: max(account, guess) */
    struct alert_table accounts;
    struct alert_table clients;
    struct alert_table sessions;
    struct alert_stats stats;
};

_Static_assert(sizeof(struct alert_slot) % 8 == 0, "payloads start 8-aligned");
_Static_assert(sizeof(struct alert_account) % 8 == 0, "rings start 8-aligned");
_Static_assert(sizeof(struct alert_client) % 8 == 0, "rings start 8-aligned");

/* ----------------------------------------------------------------- table */

static bool alert_table_init(struct alert_table *t, size_t capacity, size_t payload)
{
    size_t buckets = 1;

    memset(t, 0, sizeof *t);
    while (buckets < capacity)
        buckets <<= 1;
    t->slot_size = sizeof(struct alert_slot) + payload;
    t->slot_size = (t->slot_size + 7u) & ~(size_t)7u;
    /* calloc hands large zeroed areas out as untouched pages: memory is
     * reserved for the whole capacity but resident only as it is used. */
    t->slots = calloc(capacity, t->slot_size);
    t->buckets = malloc(buckets * sizeof *t->buckets);
    if (t->slots == NULL || t->buckets == NULL)
        return false;
    memset(t->buckets, 0xff, buckets * sizeof *t->buckets); /* ALERT_NIL */
    t->bucket_mask = (uint32_t)(buckets - 1);
    t->capacity = (uint32_t)capacity;
    t->free_list = ALERT_NIL;
    t->oldest = ALERT_NIL;
    t->newest = ALERT_NIL;
    return true;
}

static void alert_table_fini(struct alert_table *t)
{
    free(t->slots);
    free(t->buckets);
    t->slots = NULL;
    t->buckets = NULL;
}

static uint64_t alert_table_memory(const struct alert_table *t)
{
    return (uint64_t)t->capacity * t->slot_size + ((uint64_t)t->bucket_mask + 1) * sizeof *t->buckets;
}

static struct alert_slot *alert_slot_at(const struct alert_table *t, uint32_t i)
{
    return (struct alert_slot *)(void *)(t->slots + (size_t)i * t->slot_size);
}

static void *alert_payload(struct alert_slot *slot)
{
    return slot + 1;
}

static void alert_lru_unlink(struct alert_table *t, struct alert_slot *slot)
{
    if (slot->older != ALERT_NIL)
        alert_slot_at(t, slot->older)->newer = slot->newer;
    else
        t->oldest = slot->newer;
    if (slot->newer != ALERT_NIL)
        alert_slot_at(t, slot->newer)->older = slot->older;
    else
        t->newest = slot->older;
}

static void alert_lru_append(struct alert_table *t, struct alert_slot *slot, uint32_t i)
{
    slot->older = t->newest;
    slot->newer = ALERT_NIL;
    if (t->newest != ALERT_NIL)
        alert_slot_at(t, t->newest)->newer = i;
    else
        t->oldest = i;
    t->newest = i;
}

static uint32_t alert_table_find(const struct alert_table *t, const struct alert_key *key)
{
    uint32_t bucket = (uint32_t)keyed_hash(key, sizeof *key) & t->bucket_mask;

    for (uint32_t i = t->buckets[bucket]; i != ALERT_NIL; i = alert_slot_at(t, i)->chain) {
        if (memcmp(&alert_slot_at(t, i)->key, key, sizeof *key) == 0)
            return i;
    }
    return ALERT_NIL;
}

/* Takes the slot out of its bucket and the LRU list, onto the free list. */
static void alert_table_remove(struct alert_table *t, uint32_t i)
{
    struct alert_slot *slot = alert_slot_at(t, i);
    uint32_t *link = &t->buckets[slot->bucket];

    while (*link != i)
        link = &alert_slot_at(t, *link)->chain;
    *link = slot->chain;
    alert_lru_unlink(t, slot);
    slot->chain = t->free_list;
    t->free_list = i;
}

static uint32_t alert_table_take(struct alert_table *t)
{
    uint32_t i;

    if (t->free_list != ALERT_NIL) {
        i = t->free_list;
        t->free_list = alert_slot_at(t, i)->chain;
        return i;
    }
    if (t->used < t->capacity)
        return t->used++;
    /* Full: the entry untouched for longest goes. */
    i = t->oldest;
    alert_table_remove(t, i);
    t->evicted++;
    t->free_list = alert_slot_at(t, i)->chain;
    return i;
}

/* The entry for key, made most recently used; *created says it is new
 * (payload zeroed). */
static uint32_t alert_table_get(struct alert_table *t, const struct alert_key *key, bool *created)
{
    uint32_t i = alert_table_find(t, key);
    struct alert_slot *slot;

    *created = i == ALERT_NIL;
    if (i != ALERT_NIL) {
        slot = alert_slot_at(t, i);
        alert_lru_unlink(t, slot);
        alert_lru_append(t, slot, i);
        return i;
    }
    i = alert_table_take(t);
    slot = alert_slot_at(t, i);
    memset(slot, 0, t->slot_size);
    slot->key = *key;
    slot->bucket = (uint32_t)keyed_hash(key, sizeof *key) & t->bucket_mask;
    slot->chain = t->buckets[slot->bucket];
    t->buckets[slot->bucket] = i;
    alert_lru_append(t, slot, i);
    return i;
}

/* ------------------------------------------------------------ time, ring */

/* Packet time as one number; absurd seconds saturate instead of wrapping. */
static int64_t alert_usec(struct event_time t)
{
    const int64_t limit = INT64_MAX / ALERT_USEC_PER_SEC - 1;

    if (t.sec > limit)
        return INT64_MAX - ALERT_USEC_PER_SEC;
    if (t.sec < -limit)
        return INT64_MIN + ALERT_USEC_PER_SEC;
    return t.sec * ALERT_USEC_PER_SEC + (int64_t)(t.usec % ALERT_USEC_PER_SEC);
}

static struct event_time alert_time(int64_t usec)
{
    struct event_time t;
    int64_t sec = usec / ALERT_USEC_PER_SEC, rest = usec % ALERT_USEC_PER_SEC;

    if (rest < 0) {
        sec--;
        rest += ALERT_USEC_PER_SEC;
    }
    t.sec = sec;
    t.usec = (uint32_t)rest;
    return t;
}

static int64_t alert_add_seconds(int64_t usec, uint32_t seconds)
{
    int64_t span = (int64_t)seconds * ALERT_USEC_PER_SEC;

    return usec > INT64_MAX - span ? INT64_MAX : usec + span;
}

static int64_t alert_sub_seconds(int64_t usec, uint32_t seconds)
{
    int64_t span = (int64_t)seconds * ALERT_USEC_PER_SEC;

    return usec < INT64_MIN + span ? INT64_MIN : usec - span;
}

/* A full ring overwrites its oldest entry: only the last `cap` failures
 * matter for a threshold of at most `cap`. */
static void alert_ring_push(struct alert_ring *r, int64_t *times, uint32_t cap, int64_t t)
{
    if (cap == 0)
        return;
    if (r->count < cap) {
        times[(r->head + r->count) % cap] = t;
        r->count++;
    } else {
        times[r->head] = t;
        r->head = (r->head + 1) % cap;
    }
}

/* Entries at or after `since`; *first gets the earliest of them. Captures
 * merged from several interfaces can be slightly out of order, so every
 * entry is looked at rather than stopping at the first old one. */
static uint32_t alert_ring_count(const struct alert_ring *r, const int64_t *times, uint32_t cap, int64_t since,
                                 int64_t *first)
{
    uint32_t n = 0;

    *first = INT64_MAX;
    for (uint32_t k = 0; k < r->count; k++) {
        int64_t t = times[(r->head + k) % cap];

        if (t < since)
            continue;
        n++;
        if (t < *first)
            *first = t;
    }
    return n;
}

/* ---------------------------------------------------------------- events */

struct alert_fire {
    enum event_alert_kind kind;
    struct bytes user;
    uint64_t count;
    uint32_t threshold;
    uint32_t window;
    int64_t window_start;
};

/* file: the capture_file of the event that fired it (evidence). */
static void alert_emit(struct alert *a, struct event_time ts, const struct event_flow *flow, const char *file,
                       const struct alert_fire *fire)
{
    struct event ev;

    memset(&ev, 0, sizeof ev);
    ev.type = EVENT_ALERT;
    ev.u.alert.ts = ts;
    ev.u.alert.kind = fire->kind;
    ev.u.alert.flow = flow;
    ev.u.alert.capture_file = file;
    ev.u.alert.user = fire->user;
    ev.u.alert.count = fire->count;
    ev.u.alert.threshold = fire->threshold;
    ev.u.alert.window = fire->window;
    if (fire->window > 0)
        ev.u.alert.window_start = alert_time(fire->window_start);
    a->stats.fired[fire->kind]++;
    a->sink(a->sink_ctx, &ev);
}

static void alert_key_addr(struct alert_key *key, uint8_t ip_version, const uint8_t addr[16])
{
    key->ip_version = ip_version;
    memcpy(key->addr, addr, ip_version == 6 ? 16 : 4);
}

/* An account is a user name at a server address. */
static void alert_account_key(const struct event_flow *flow, struct bytes user, struct alert_key *key)
{
    memset(key, 0, sizeof *key);
    alert_key_addr(key, flow->ip_version, flow->server_addr);
    if (user.data == NULL)
        return;
    key->has_user = 1;
    key->user_len = user.len > UINT32_MAX ? UINT32_MAX : (uint32_t)user.len;
    key->user_hash = keyed_hash(user.data, user.len);
    memcpy(key->user_head, user.data, user.len < ALERT_USER_HEAD ? user.len : ALERT_USER_HEAD);
}

static struct alert_account *alert_account_get(struct alert *a, const struct alert_key *key)
{
    bool created;
    uint32_t i = alert_table_get(&a->accounts, key, &created);
    struct alert_account *acc = alert_payload(alert_slot_at(&a->accounts, i));

    if (created) {
        acc->brute_quiet_until = INT64_MIN;
        acc->last_success = INT64_MIN;
    }
    return acc;
}

static int64_t *alert_account_times(struct alert_account *acc)
{
    return (int64_t *)(void *)(acc + 1);
}

static struct alert_client *alert_client_get(struct alert *a, const struct event_flow *flow)
{
    struct alert_key key;
    bool created;
    uint32_t i;
    struct alert_client *c;

    memset(&key, 0, sizeof key);
    alert_key_addr(&key, flow->ip_version, flow->client_addr);
    i = alert_table_get(&a->clients, &key, &created);
    c = alert_payload(alert_slot_at(&a->clients, i));
    if (created) {
        c->brute_quiet_until = INT64_MIN;
        c->spray_quiet_until = INT64_MIN;
    }
    return c;
}

static int64_t *alert_client_times(struct alert_client *c)
{
    return (int64_t *)(void *)(c + 1);
}

static struct alert_spray_entry *alert_client_spray_list(const struct alert *a, struct alert_client *c)
{
    return (struct alert_spray_entry *)(void *)(alert_client_times(c) + a->opts.client_failures);
}

/* RFC 3206 §4: [SYS/...] blames the server, not the password; RFC 2449 §8:
 * [IN-USE] means the password was right and the mailbox is locked. */
static bool alert_code_starts(const char *code, const char *prefix, size_t n)
{
    return code != NULL && ascii_case_prefix((const uint8_t *)code, strlen(code), prefix, n);
}

static bool alert_code_is(const char *code, const char *name, size_t n)
{
    return code != NULL && ascii_case_equal((const uint8_t *)code, strlen(code), name, n);
}

static bool alert_is_failure(const struct event_auth *au)
{
    return au->outcome == OUTCOME_FAILURE && au->credentials_valid != TRISTATE_YES &&
           !alert_code_starts(au->resp_code, ASCII_LIT("SYS/")) && !alert_code_is(au->resp_code, ASCII_LIT("IN-USE"));
}

static bool alert_is_accepted(const struct event_auth *au)
{
    return au->outcome == OUTCOME_SUCCESS || au->credentials_valid == TRISTATE_YES ||
           (au->outcome == OUTCOME_FAILURE && alert_code_is(au->resp_code, ASCII_LIT("IN-USE")));
}

/* --------------------------------------------------------------- detectors */

/* One failed login on an account: fires once the last N failures fit in
 * the window, then stays quiet for a window, so a long attack yields one
 * alert per window instead of one per guess. */
static void alert_account_failure(struct alert *a, const struct event_auth *au, const struct alert_key *key,
                                  int64_t now)
{
    struct alert_account *acc = alert_account_get(a, key);
    uint32_t n, threshold = a->opts.account_failures;
    struct alert_fire fire;
    int64_t first;

    alert_ring_push(&acc->ring, alert_account_times(acc), a->account_ring, now);
    if (threshold == 0 || now < acc->brute_quiet_until)
        return;
    n = alert_ring_count(&acc->ring, alert_account_times(acc), a->account_ring,
                         alert_sub_seconds(now, a->opts.window), &first);
    if (n < threshold)
        return;
    acc->brute_quiet_until = alert_add_seconds(now, a->opts.window);
    fire = (struct alert_fire){ ALERT_BRUTE_FORCE_ACCOUNT, au->user, n, threshold, a->opts.window, first };
    alert_emit(a, au->ts, au->flow, au->capture_file, &fire);
}

static void alert_client_brute(struct alert *a, const struct event_auth *au, struct alert_client *c, int64_t now)
{
    uint32_t n, threshold = a->opts.client_failures;
    struct bytes nobody = { NULL, 0 };
    struct alert_fire fire;
    int64_t first;

    if (threshold == 0)
        return;
    alert_ring_push(&c->ring, alert_client_times(c), threshold, now);
    if (now < c->brute_quiet_until)
        return;
    n = alert_ring_count(&c->ring, alert_client_times(c), threshold, alert_sub_seconds(now, a->opts.window), &first);
    if (n < threshold)
        return;
    c->brute_quiet_until = alert_add_seconds(now, a->opts.window);
    fire = (struct alert_fire){ ALERT_BRUTE_FORCE_CLIENT, nobody, n, threshold, a->opts.window, first };
    alert_emit(a, au->ts, au->flow, au->capture_file, &fire);
}

/* Keeps the distinct accounts this client failed on inside the spraying
 * window, each with its latest failure; returns the earliest of those. */
static int64_t alert_spray_update(struct alert_spray_entry *list, uint32_t *count, uint32_t cap, uint64_t account,
                                  int64_t now, int64_t since)
{
    uint32_t kept = 0, oldest = 0, i;
    int64_t first = INT64_MAX;

    for (i = 0; i < *count; i++) {
        if (list[i].last >= since)
            list[kept++] = list[i];
    }
    *count = kept;
    for (i = 0; i < kept && list[i].account != account; i++) {
        if (list[i].last < list[oldest].last)
            oldest = i;
    }
    if (i < kept) {
        if (now > list[i].last)
            list[i].last = now;
    } else if (kept < cap) {
        list[kept].account = account;
        list[kept].last = now;
        (*count)++;
    } else {
        /* Full only while quiet after an alert: forget the stalest. */
        list[oldest].account = account;
        list[oldest].last = now;
    }
    for (i = 0; i < *count; i++) {
        if (list[i].last < first)
            first = list[i].last;
    }
    return first;
}

static void alert_client_spray(struct alert *a, const struct event_auth *au, struct alert_client *c, int64_t now)
{
    uint32_t threshold = a->opts.spray_accounts;
    struct bytes nobody = { NULL, 0 };
    struct alert_fire fire;
    uint64_t account;
    int64_t first;

    if (threshold == 0 || au->user.data == NULL)
        return;
    account = keyed_hash(au->user.data, au->user.len);
    first = alert_spray_update(alert_client_spray_list(a, c), &c->spray_count, threshold, account, now,
                               alert_sub_seconds(now, a->opts.spray_window));
    if (c->spray_count < threshold || now < c->spray_quiet_until)
        return;
    c->spray_quiet_until = alert_add_seconds(now, a->opts.spray_window);
    fire = (struct alert_fire){ ALERT_PASSWORD_SPRAYING, nobody, c->spray_count, threshold, a->opts.spray_window,
                                first };
    alert_emit(a, au->ts, au->flow, au->capture_file, &fire);
}

/* A success right after a burst of failures on the same account: the
 * failures since the previous success, inside the window, are counted. */
static void alert_guessed(struct alert *a, const struct event_auth *au, const struct alert_key *key, int64_t now)
{
    uint32_t i = alert_table_find(&a->accounts, key), n, threshold = a->opts.guess_failures;
    int64_t since = alert_sub_seconds(now, a->opts.window), first;
    struct alert_account *acc;
    struct alert_fire fire;

    if (i == ALERT_NIL)
        return; /* no failure on record */
    acc = alert_payload(alert_slot_at(&a->accounts, i));
    if (acc->last_success >= since)
        since = acc->last_success + 1;
    acc->last_success = now;
    if (threshold == 0)
        return;
    n = alert_ring_count(&acc->ring, alert_account_times(acc), a->account_ring, since, &first);
    if (n < threshold)
        return;
    fire = (struct alert_fire){ ALERT_GUESSED_PASSWORD, au->user, n, threshold, a->opts.window, first };
    alert_emit(a, au->ts, au->flow, au->capture_file, &fire);
}

static void alert_session_key(uint64_t flow_id, struct alert_key *key)
{
    memset(key, 0, sizeof *key);
    key->id = flow_id;
}

/* The session's event decides on STLS later; until then it is an entry. */
static void alert_remember_session(struct alert *a, uint64_t flow_id, const struct alert_key *account)
{
    struct alert_key key;
    struct alert_session *session;
    bool created;

    alert_session_key(flow_id, &key);
    session = alert_payload(alert_slot_at(&a->sessions, alert_table_get(&a->sessions, &key, &created)));
    session->account = *account;
}

static void alert_cleartext(struct alert *a, const struct event_auth *au, const struct alert_key *key)
{
    struct alert_account *acc;
    struct alert_fire fire = { ALERT_CLEARTEXT_CREDENTIALS, au->user, 1, 1, 0, 0 };

    if (a->opts.cleartext) {
        acc = alert_account_get(a, key);
        if (!acc->cleartext_alerted) {
            acc->cleartext_alerted = true;
            alert_emit(a, au->ts, au->flow, au->capture_file, &fire);
        }
    }
    if (a->opts.stls_not_used)
        alert_remember_session(a, au->flow->flow_id, key);
}

static void alert_on_auth(struct alert *a, const struct event_auth *au)
{
    int64_t now = alert_usec(au->ts);
    struct alert_key key;
    struct alert_client *c;

    if (au->flow == NULL)
        return; /* no addresses: nothing to key on */
    alert_account_key(au->flow, au->user, &key);
    if (alert_is_failure(au)) {
        if (au->user.data != NULL && a->account_ring > 0)
            alert_account_failure(a, au, &key, now);
        if (a->opts.client_failures > 0 || (a->opts.spray_accounts > 0 && au->user.data != NULL)) {
            c = alert_client_get(a, au->flow);
            alert_client_brute(a, au, c, now);
            alert_client_spray(a, au, c, now);
        }
    } else if (alert_is_accepted(au) && au->user.data != NULL) {
        alert_guessed(a, au, &key, now);
    }
    if (au->exposure == EXPOSURE_CLEARTEXT)
        alert_cleartext(a, au, &key);
}

/* The user to show for an STLS alert: the session's, else the one of the
 * cleartext login when the key holds it whole. */
static struct bytes alert_session_user(const struct event_session *s, const struct alert_key *key)
{
    struct bytes user = s->user;

    if (user.data == NULL && key->has_user && key->user_len <= ALERT_USER_HEAD) {
        user.data = key->user_head;
        user.len = key->user_len;
    }
    return user;
}

/* STLS was offered (CAPA) and a login crossed in cleartext anyway: the
 * client could have protected it (RFC 2595 §4). The tracker's anomaly
 * says so too; the cleartext login seen here covers trackers that do not
 * set it. Once per account. */
static void alert_on_session(struct alert *a, const struct event_session *s)
{
    struct alert_key session_key, account;
    struct alert_account *acc;
    struct alert_fire fire = { ALERT_STLS_NOT_USED, { NULL, 0 }, 1, 1, 0, 0 };
    bool seen = false;
    uint32_t i;

    if (s->flow == NULL || !a->opts.stls_not_used)
        return;
    alert_session_key(s->flow->flow_id, &session_key);
    i = alert_table_find(&a->sessions, &session_key);
    if (i != ALERT_NIL) {
        account = ((struct alert_session *)alert_payload(alert_slot_at(&a->sessions, i)))->account;
        alert_table_remove(&a->sessions, i);
        seen = true;
    } else {
        alert_account_key(s->flow, s->user, &account);
        seen = (s->anomalies & (UINT64_C(1) << ANOMALY_STLS_OFFERED_NOT_USED)) != 0;
    }
    if (!seen || !s->stls_offered || s->tls != TLS_NONE)
        return;
    acc = alert_account_get(a, &account);
    if (acc->stls_alerted)
        return;
    acc->stls_alerted = true;
    fire.user = alert_session_user(s, &account);
    alert_emit(a, s->ts_end, s->flow, s->capture_file, &fire);
}

void alert_observe(void *ctx, const struct event *ev)
{
    struct alert *a = ctx;

    if (a == NULL || ev == NULL)
        return;
    /* The cause first, so a reader meets the login before its alert. */
    a->sink(a->sink_ctx, ev);
    if (ev->type == EVENT_AUTH)
        alert_on_auth(a, &ev->u.auth);
    else if (ev->type == EVENT_SESSION)
        alert_on_session(a, &ev->u.session);
}

/* ------------------------------------------------------------- lifecycle */

static uint32_t alert_clamp(uint32_t v, uint32_t max)
{
    return v > max ? max : v;
}

void alert_options_default(struct alert_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->window = ALERT_DEFAULT_WINDOW;
    opts->account_failures = ALERT_DEFAULT_ACCOUNT_FAILURES;
    opts->client_failures = ALERT_DEFAULT_CLIENT_FAILURES;
    opts->spray_accounts = ALERT_DEFAULT_SPRAY_ACCOUNTS;
    opts->spray_window = ALERT_DEFAULT_SPRAY_WINDOW;
    opts->guess_failures = ALERT_DEFAULT_GUESS_FAILURES;
    opts->cleartext = true;
    opts->stls_not_used = true;
    opts->max_tracked = ALERT_DEFAULT_MAX_TRACKED;
}

static void alert_clamp_options(struct alert_options *o)
{
    o->window = alert_clamp(o->window, ALERT_MAX_WINDOW);
    o->spray_window = alert_clamp(o->spray_window, ALERT_MAX_WINDOW);
    o->account_failures = alert_clamp(o->account_failures, ALERT_MAX_THRESHOLD);
    o->client_failures = alert_clamp(o->client_failures, ALERT_MAX_THRESHOLD);
    o->spray_accounts = alert_clamp(o->spray_accounts, ALERT_MAX_THRESHOLD);
    o->guess_failures = alert_clamp(o->guess_failures, ALERT_MAX_THRESHOLD);
    if (o->max_tracked == 0)
        o->max_tracked = 1;
    if (o->max_tracked > ALERT_MAX_TRACKED)
        o->max_tracked = ALERT_MAX_TRACKED;
}

struct alert *alert_new(const struct alert_options *opts, event_sink_fn sink, void *sink_ctx)
{
    struct alert *a;
    size_t account_payload, client_payload;

    if (opts == NULL || sink == NULL)
        return NULL;
    a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->opts = *opts;
    alert_clamp_options(&a->opts);
    a->sink = sink;
    a->sink_ctx = sink_ctx;
    a->account_ring = a->opts.account_failures > a->opts.guess_failures ? a->opts.account_failures
                                                                         : a->opts.guess_failures;
    account_payload = sizeof(struct alert_account) + (size_t)a->account_ring * sizeof(int64_t);
    client_payload = sizeof(struct alert_client) + (size_t)a->opts.client_failures * sizeof(int64_t) +
                     (size_t)a->opts.spray_accounts * sizeof(struct alert_spray_entry);
    if (!alert_table_init(&a->accounts, a->opts.max_tracked, account_payload) ||
        !alert_table_init(&a->clients, a->opts.max_tracked, client_payload) ||
        !alert_table_init(&a->sessions, a->opts.max_tracked, sizeof(struct alert_session))) {
        alert_free(a);
        return NULL;
    }
    a->stats.memory = alert_table_memory(&a->accounts) + alert_table_memory(&a->clients) +
                      alert_table_memory(&a->sessions) + sizeof *a;
    return a;
}

void alert_get_stats(const struct alert *a, struct alert_stats *out)
{
    *out = a->stats;
    out->accounts_evicted = a->accounts.evicted;
    out->clients_evicted = a->clients.evicted;
    out->sessions_evicted = a->sessions.evicted;
}

void alert_free(struct alert *a)
{
    if (a == NULL)
        return;
    alert_table_fini(&a->accounts);
    alert_table_fini(&a->clients);
    alert_table_fini(&a->sessions);
    free(a);
}
