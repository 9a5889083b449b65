/* The --report page's numbers (report_model.h). */
#include "report_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyed_hash.h"

void report_model_limits_default(struct report_model_limits *limits)
{
    limits->max_accounts = REPORT_DEFAULT_MAX_ACCOUNTS;
    limits->max_servers = REPORT_DEFAULT_MAX_SERVERS;
    limits->max_mailboxes = REPORT_DEFAULT_MAX_MAILBOXES;
    limits->max_alerts = REPORT_DEFAULT_MAX_ALERTS;
}

/* ------------------------------------------------------------ tables */

static bool report_table_init(struct report_table *t, size_t max, size_t reserve, bool keyed)
{
    memset(t, 0, sizeof *t);
    t->max = max > UINT32_MAX / 2 ? UINT32_MAX / 2 : max;
    t->reserve = reserve > t->max ? t->max : reserve;
    if (!keyed)
        return true;
    /* At most half full, so a probe ends soon; a power of two to mask. */
    t->slot_count = 16;
    while (t->slot_count < 2 * (t->max + t->reserve))
        t->slot_count *= 2;
    t->slots = calloc(t->slot_count, sizeof *t->slots);
    return t->slots != NULL;
}

/* A zeroed entry at the end, or NULL when the table is at its cap or out
 * of memory (both counted). Growth is per distinct key, never per event. */
static void *report_table_append(struct report_table *t, size_t entry_size, bool reserved)
{
    size_t limit = t->max + (reserved ? t->reserve : 0);

    if (t->count >= limit) {
        t->overflow++;
        return NULL;
    }
    if (t->count == t->capacity) {
        size_t capacity = t->capacity == 0 ? 16 : t->capacity * 2;
        void *grown;

        if (capacity > t->max + t->reserve)
            capacity = t->max + t->reserve;
        if (capacity < t->count + 1)
            capacity = t->count + 1;
        grown = realloc(t->entries, capacity * entry_size);
        if (grown == NULL) {
            t->overflow++;
            return NULL;
        }
        t->entries = grown;
        t->capacity = capacity;
    }
    memset((char *)t->entries + t->count * entry_size, 0, entry_size);
    return (char *)t->entries + t->count++ * entry_size;
}

typedef bool (*report_equal_fn)(const void *entry, const void *key);

/* The index of the entry equal to key, adding a zeroed one when absent
 * (*added set, the reserve open to it when `reserved`); -1 when the table
 * is full. The hash is keyed_hash's:
 * keys are the peer's bytes, and chosen collisions must not make every
 * lookup walk the table. */
static long report_table_find(struct report_table *t, size_t entry_size, uint64_t hash, report_equal_fn equal,
                              const void *key, bool reserved, bool *added)
{
    size_t mask = t->slot_count - 1;

    *added = false;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        uint32_t slot = t->slots[i];

        if (slot == 0) {
            if (report_table_append(t, entry_size, reserved) == NULL)
                return -1;
            t->slots[i] = (uint32_t)t->count;
            *added = true;
            return (long)t->count - 1;
        }
        if (equal((const char *)t->entries + (slot - 1) * entry_size, key))
            return (long)slot - 1;
    }
}

static void report_table_free(struct report_table *t)
{
    free(t->entries);
    free(t->slots);
}

/* ------------------------------------------------------------ keys */

struct report_user_key {
    struct bytes user;
    uint32_t server; /* UINT32_MAX unless accounts are per server */
};

static size_t report_user_kept(struct bytes user)
{
    return user.len < REPORT_USER_MAX ? user.len : REPORT_USER_MAX;
}

static bool report_account_equal(const void *entry, const void *key)
{
    const struct report_account *a = entry;
    const struct report_user_key *k = key;
    size_t n = report_user_kept(k->user);

    return a->key_server == k->server && a->user_text.present == (k->user.data != NULL) && a->user_text.len == n &&
           a->user_text.truncated == (k->user.len > REPORT_USER_MAX) &&
           (n == 0 || memcmp(a->user, k->user.data, n) == 0);
}

/* Cuts wire bytes into a fixed field. */
static void report_copy_text(uint8_t *dst, size_t size, struct report_text *text, struct bytes src)
{
    size_t n = src.len < size ? src.len : size;

    text->present = src.data != NULL;
    text->truncated = src.len > size;
    text->len = (uint16_t)n;
    if (n > 0)
        memcpy(dst, src.data, n);
}

/* `proven`: the event is a successful login. Those may use the table's
 * reserve, so the one login that worked in a flood of guesses at new
 * names is still listed after the guesses filled the table. */
static long report_account_find(struct report_model *m, struct bytes user, long server, bool proven)
{
    struct report_user_key key = { user, m->accounts_per_server && server >= 0 ? (uint32_t)server : UINT32_MAX };
    uint8_t buf[5 + REPORT_USER_MAX];
    size_t n = report_user_kept(user);
    bool added;
    long i;

    /* Presence and the cut go into the hash, so "" and no user differ;
     * the server index is fixed-size, so it cannot run into the name. */
    buf[0] = (uint8_t)((user.data != NULL) | (user.len > REPORT_USER_MAX) << 1);
    memcpy(buf + 1, &key.server, 4);
    if (n > 0)
        memcpy(buf + 5, user.data, n);
    i = report_table_find(&m->accounts, sizeof(struct report_account), keyed_hash(buf, 5 + n), report_account_equal,
                          &key, proven, &added);
    if (i >= 0 && added) {
        struct report_account *a = &((struct report_account *)m->accounts.entries)[i];

        report_copy_text(a->user, sizeof a->user, &a->user_text, user);
        a->key_server = key.server;
    }
    return i;
}

struct report_server_key {
    uint8_t ip_version;
    const uint8_t *addr;
    uint16_t port;
};

static size_t report_addr_len(uint8_t ip_version)
{
    return ip_version == 6 ? 16 : 4;
}

static bool report_server_equal(const void *entry, const void *key)
{
    const struct report_server *s = entry;
    const struct report_server_key *k = key;

    return s->ip_version == k->ip_version && s->port == k->port &&
           memcmp(s->addr, k->addr, report_addr_len(k->ip_version)) == 0;
}

static long report_server_find(struct report_model *m, const struct event_flow *flow)
{
    struct report_server_key key;
    uint8_t buf[3 + 16];
    size_t n;
    bool added;
    long i;

    if (flow == NULL) {
        m->servers.overflow++;
        return -1;
    }
    key = (struct report_server_key){ flow->ip_version, flow->server_addr, flow->server_port };
    n = report_addr_len(flow->ip_version);
    buf[0] = flow->ip_version;
    buf[1] = (uint8_t)(flow->server_port >> 8);
    buf[2] = (uint8_t)flow->server_port;
    memcpy(buf + 3, flow->server_addr, n);
    i = report_table_find(&m->servers, sizeof(struct report_server), keyed_hash(buf, 3 + n), report_server_equal, &key,
                          false, &added);
    if (i >= 0 && added) {
        struct report_server *s = &((struct report_server *)m->servers.entries)[i];

        s->ip_version = flow->ip_version;
        memcpy(s->addr, flow->server_addr, n);
        s->port = flow->server_port;
    }
    return i;
}

struct report_mailbox_key {
    uint32_t server, account;
};

static bool report_mailbox_equal(const void *entry, const void *key)
{
    const struct report_mailbox *b = entry;
    const struct report_mailbox_key *k = key;

    return b->server == k->server && b->account == k->account;
}

static struct report_mailbox *report_mailbox_find(struct report_model *m, uint32_t server, uint32_t account)
{
    struct report_mailbox_key key = { server, account };
    uint8_t buf[8];
    bool added;
    long i;

    memcpy(buf, &server, 4);
    memcpy(buf + 4, &account, 4);
    i = report_table_find(&m->mailboxes, sizeof(struct report_mailbox), keyed_hash(buf, sizeof buf),
                          report_mailbox_equal, &key, true, &added);
    if (i < 0)
        return NULL;
    if (added) {
        ((struct report_mailbox *)m->mailboxes.entries)[i].server = server;
        ((struct report_mailbox *)m->mailboxes.entries)[i].account = account;
    }
    return &((struct report_mailbox *)m->mailboxes.entries)[i];
}

/* ------------------------------------------------------------ time */

static bool report_time_before(struct event_time a, struct event_time b)
{
    return a.sec < b.sec || (a.sec == b.sec && a.usec < b.usec);
}

static void report_model_time(struct report_model *m, struct event_time t)
{
    if (!m->seen_any) {
        m->seen_any = true;
        m->first = m->last = t;
        return;
    }
    if (report_time_before(t, m->first))
        m->first = t;
    if (report_time_before(m->last, t))
        m->last = t;
}

/* Pair i of the old bins becomes bin i; reading 2i and 2i+1 before
 * writing i is safe because 2i >= i. */
static void report_bins_halve(uint32_t *bins)
{
    for (size_t i = 0; i < REPORT_BINS; i++) {
        uint64_t sum = 0;

        if (2 * i < REPORT_BINS)
            sum += bins[2 * i];
        if (2 * i + 1 < REPORT_BINS)
            sum += bins[2 * i + 1];
        bins[i] = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
    }
}

/* Doubles every bin's width: pairs merge into the first half, the second
 * half starts empty. At most ~40 times in a run (packet time is 1970-9999),
 * each over the bounded account table. */
static void report_bins_rescale(struct report_model *m)
{
    struct report_account *accounts = m->accounts.entries;

    m->bin_width *= 2;
    report_bins_halve(m->all_success);
    report_bins_halve(m->all_failure);
    for (size_t i = 0; i < m->accounts.count; i++) {
        report_bins_halve(accounts[i].bins_success);
        report_bins_halve(accounts[i].bins_failure);
    }
}

/* The timeline bin of a time; the first attempt sets the origin. An
 * earlier time (events are in packet order, so only a disordered capture
 * gives one) goes to the first bin. */
static size_t report_bin_index(struct report_model *m, struct event_time t)
{
    if (!m->bins_started) {
        m->bins_started = true;
        m->bin_origin = t.sec;
        m->bin_width = 1;
    }
    if (t.sec <= m->bin_origin)
        return 0;
    while ((t.sec - m->bin_origin) / m->bin_width >= REPORT_BINS)
        report_bins_rescale(m);
    return (size_t)((t.sec - m->bin_origin) / m->bin_width);
}

static void report_bin_add(uint32_t *bins, size_t i)
{
    if (bins[i] < UINT32_MAX)
        bins[i]++;
}

/* ------------------------------------------------------------ events */

static int report_exposure_rank(enum event_exposure e)
{
    switch (e) {
    case EXPOSURE_CLEARTEXT: return 3;
    case EXPOSURE_TOKEN: return 2; /* replayable as it is */
    case EXPOSURE_HASH: return 1; /* needs offline guessing */
    default: return 0;
    }
}

static void report_method_add(struct report_method *list, size_t max, size_t *count, uint64_t *more, const char *method,
                              enum event_exposure exposure)
{
    const char *name = method != NULL ? method : "?";
    size_t i;

    for (i = 0; i < *count; i++) {
        if (strncmp(list[i].name, name, REPORT_METHOD_MAX - 1) == 0)
            break;
    }
    if (i == *count) {
        if (*count == max) {
            (*more)++;
            return;
        }
        (*count)++;
        memset(&list[i], 0, sizeof list[i]);
        memcpy(list[i].name, name, strnlen(name, REPORT_METHOD_MAX - 1));
    }
    list[i].attempts++;
    if (report_exposure_rank(exposure) > report_exposure_rank(list[i].exposure))
        list[i].exposure = exposure;
}

static void report_account_add_server(struct report_account *a, long server)
{
    if (server < 0)
        return;
    for (size_t i = 0; i < a->server_count; i++) {
        if (a->servers[i] == (uint32_t)server)
            return;
    }
    if (a->server_count < REPORT_ACCOUNT_SERVERS)
        a->servers[a->server_count++] = (uint32_t)server;
    else
        a->servers_more = true;
}

static void report_account_auth(struct report_model *m, struct report_account *a, const struct event_auth *ev,
                                long server, size_t bin)
{
    if (a->attempts == 0 || report_time_before(ev->ts, a->first))
        a->first = ev->ts;
    if (a->attempts == 0 || report_time_before(a->last, ev->ts))
        a->last = ev->ts;
    if (ev->outcome == OUTCOME_FAILURE) {
        if (a->failures == 0 || report_time_before(ev->ts, a->first_failure))
            a->first_failure = ev->ts;
        if (a->failures == 0 || report_time_before(a->last_failure, ev->ts))
            a->last_failure = ev->ts;
    }
    a->attempts++;
    a->successes += ev->outcome == OUTCOME_SUCCESS;
    a->failures += ev->outcome == OUTCOME_FAILURE;
    report_bin_add(ev->outcome == OUTCOME_SUCCESS ? a->bins_success : a->bins_failure, bin);
    report_method_add(a->methods, REPORT_ACCOUNT_METHODS, &a->method_count, &a->methods_more, ev->method, ev->exposure);
    report_account_add_server(a, server);
    if (ev->exposure == EXPOSURE_NONE)
        return;
    a->exposed++;
    if ((unsigned)ev->exposure < 8u)
        a->exposures |= (uint8_t)(1u << ev->exposure);
    if (report_exposure_rank(ev->exposure) > report_exposure_rank(a->worst))
        a->worst = ev->exposure;
    /* Secrets are copied only when the page will show them; a successful
     * login's secret replaces an earlier guess. */
    if (m->keep_secrets && ev->password.data != NULL && (!a->secret_text.present || ev->outcome == OUTCOME_SUCCESS))
        report_copy_text(a->secret, sizeof a->secret, &a->secret_text, ev->password);
}

static void report_model_auth(struct report_model *m, const struct event_auth *ev)
{
    long server = report_server_find(m, ev->flow);
    long account = report_account_find(m, ev->user, server, ev->outcome == OUTCOME_SUCCESS);
    size_t bin = report_bin_index(m, ev->ts);

    m->attempts++;
    m->successes += ev->outcome == OUTCOME_SUCCESS;
    m->failures += ev->outcome == OUTCOME_FAILURE;
    m->exposed_attempts += ev->exposure != EXPOSURE_NONE;
    report_model_time(m, ev->ts);
    report_bin_add(ev->outcome == OUTCOME_SUCCESS ? m->all_success : m->all_failure, bin);
    if (server >= 0) {
        struct report_server *s = &((struct report_server *)m->servers.entries)[server];

        s->attempts++;
        s->successes += ev->outcome == OUTCOME_SUCCESS;
        s->failures += ev->outcome == OUTCOME_FAILURE;
        report_method_add(s->methods, REPORT_SERVER_METHODS, &s->method_count, &s->methods_more, ev->method,
                          ev->exposure);
    }
    if (account >= 0)
        report_account_auth(m, &((struct report_account *)m->accounts.entries)[account], ev, server, bin);
}

static void report_model_mail(struct report_model *m, const struct event_session *ev, long server)
{
    long account = ev->user.data != NULL ? report_account_find(m, ev->user, server, true) : -1;
    struct report_mailbox *b;

    if (server < 0 || (ev->user.data != NULL && account < 0)) {
        m->mailboxes.overflow++;
        return;
    }
    b = report_mailbox_find(m, (uint32_t)server, account < 0 ? UINT32_MAX : (uint32_t)account);
    if (b == NULL)
        return;
    b->sessions++;
    if (ev->maildrop_known) {
        b->maildrop_known = true;
        b->maildrop_messages = ev->maildrop_messages;
        b->maildrop_octets = ev->maildrop_octets_known ? ev->maildrop_octets : 0;
    }
    b->retrieved += ev->retr_count;
    b->retrieved_octets += ev->retr_octets;
    b->deleted += ev->dele_count;
    if (ev->deletions_committed)
        b->deletions_committed += ev->messages_deleted;
}

static void report_model_session(struct report_model *m, const struct event_session *ev)
{
    long server = report_server_find(m, ev->flow);
    bool stls_not_used = (ev->anomalies >> ANOMALY_STLS_OFFERED_NOT_USED) & 1u;

    m->sessions++;
    m->stls_not_used += stls_not_used;
    if ((unsigned)ev->tls < TLS_COUNT)
        m->sessions_by_tls[ev->tls]++;
    report_model_time(m, ev->ts_start);
    report_model_time(m, ev->ts_end);
    if (server >= 0) {
        struct report_server *s = &((struct report_server *)m->servers.entries)[server];

        s->sessions++;
        s->stls_offered += ev->stls_offered;
        s->stls_used += ev->tls == TLS_STLS;
        s->implicit_tls += ev->tls == TLS_IMPLICIT;
        s->stls_not_used += stls_not_used;
        if (!s->banner_text.present && ev->banner.data != NULL)
            report_copy_text(s->banner, sizeof s->banner, &s->banner_text, ev->banner);
    }
    report_model_mail(m, ev, server);
}

static size_t report_alert_share(const struct report_model *m)
{
    size_t share = m->alerts.max / ALERT_KIND_COUNT;

    return share > 0 ? share : 1;
}

static void report_model_alert_event(struct report_model *m, const struct event_alert *ev)
{
    struct report_alert *a;

    if ((unsigned)ev->kind >= ALERT_KIND_COUNT)
        return;
    m->alerts_by_kind[ev->kind]++;
    report_model_time(m, ev->ts);
    /* Each kind gets its share of the list, so a flood of one kind (a
     * cleartext alert per guessed name) cannot hide the brute force. */
    if (m->alerts_listed_by_kind[ev->kind] >= report_alert_share(m)) {
        m->alerts.overflow++;
        return;
    }
    a = report_table_append(&m->alerts, sizeof *a, false);
    if (a == NULL)
        return;
    m->alerts_listed_by_kind[ev->kind]++;
    a->ts = ev->ts;
    a->window_start = ev->window_start;
    a->kind = ev->kind;
    a->count = ev->count;
    a->threshold = ev->threshold;
    a->window = ev->window;
    report_copy_text(a->user, sizeof a->user, &a->user_text, ev->user);
    if (ev->flow != NULL) {
        a->has_flow = true;
        a->ip_version = ev->flow->ip_version;
        memcpy(a->client, ev->flow->client_addr, sizeof a->client);
        memcpy(a->server, ev->flow->server_addr, sizeof a->server);
        a->server_port = ev->flow->server_port;
    }
}

void report_model_accounts_per_server(struct report_model *m)
{
    m->accounts_per_server = true;
}

static void report_model_run_end(struct report_model *m, const struct event_run_end *r)
{
    size_t listed = 0;

    m->partial = false;
    m->inputs_total = r->input_count;
    m->inputs_failed = 0;
    for (size_t i = 0; i < r->input_count; i++) {
        struct report_failed_input *f;

        if (r->status[i] == INPUT_READ)
            continue;
        m->partial = true;
        m->inputs_failed++;
        if (listed == REPORT_FAILED_INPUTS)
            continue;
        f = &m->failed[listed];
        snprintf(f->file, sizeof f->file, "%s", r->inputs[i] != NULL ? r->inputs[i] : "");
        snprintf(f->error, sizeof f->error, "%s", r->errors[i] != NULL ? r->errors[i] : "");
        f->status = (enum event_input_status)r->status[i];
        listed++;
    }
}

void report_model_add(void *ctx, const struct event *ev)
{
    struct report_model *m = ctx;

    if (m == NULL || ev == NULL)
        return;
    switch (ev->type) {
    case EVENT_AUTH: report_model_auth(m, &ev->u.auth); break;
    case EVENT_SESSION: report_model_session(m, &ev->u.session); break;
    case EVENT_ALERT: report_model_alert_event(m, &ev->u.alert); break;
    case EVENT_STATS:
    case EVENT_APP_SUMMARY: break;
    case EVENT_RUN_END: report_model_run_end(m, &ev->u.run_end); break;
    }
}

/* ------------------------------------------------------------ life */

struct report_model *report_model_new(const struct report_model_limits *limits, bool keep_secrets)
{
    struct report_model *m = calloc(1, sizeof *m);

    if (m == NULL)
        return NULL;
    m->limits = *limits;
    m->keep_secrets = keep_secrets;
    /* Mailboxes get a reserve like accounts: a session whose user logged
     * in still finds a row. */
    if (!report_table_init(&m->accounts, limits->max_accounts, limits->max_accounts / 8, true) ||
        !report_table_init(&m->servers, limits->max_servers, 0, true) ||
        !report_table_init(&m->mailboxes, limits->max_mailboxes, limits->max_mailboxes / 8, true) ||
        !report_table_init(&m->alerts, limits->max_alerts, 0, false)) {
        report_model_free(m);
        return NULL;
    }
    return m;
}

void report_model_free(struct report_model *m)
{
    if (m == NULL)
        return;
    report_table_free(&m->accounts);
    report_table_free(&m->servers);
    report_table_free(&m->mailboxes);
    report_table_free(&m->alerts);
    free(m);
}

/* ------------------------------------------------------------ order */

struct report_rank {
    const struct report_account *account;
    uint32_t index;
};

static int report_compare_u64_desc(uint64_t a, uint64_t b)
{
    return a > b ? -1 : a < b;
}

static int report_compare_names(const struct report_account *a, const struct report_account *b)
{
    size_t n = a->user_text.len < b->user_text.len ? a->user_text.len : b->user_text.len;
    int c = n > 0 ? memcmp(a->user, b->user, n) : 0;

    if (c != 0)
        return c;
    return (a->user_text.len > b->user_text.len) - (a->user_text.len < b->user_text.len);
}

static int report_compare_risk(const void *pa, const void *pb)
{
    const struct report_account *a = ((const struct report_rank *)pa)->account;
    const struct report_account *b = ((const struct report_rank *)pb)->account;
    int c = report_exposure_rank(b->worst) - report_exposure_rank(a->worst);

    if (c == 0)
        c = (b->successes > 0) - (a->successes > 0);
    if (c == 0)
        c = report_compare_u64_desc(a->failures, b->failures);
    if (c == 0)
        c = report_compare_u64_desc(a->attempts, b->attempts);
    return c != 0 ? c : report_compare_names(a, b);
}

static int report_compare_busy(const void *pa, const void *pb)
{
    const struct report_account *a = ((const struct report_rank *)pa)->account;
    const struct report_account *b = ((const struct report_rank *)pb)->account;
    int c = report_compare_u64_desc(a->attempts, b->attempts);

    return c != 0 ? c : report_compare_names(a, b);
}

static void report_model_sort(const struct report_model *m, uint32_t *order, int (*compare)(const void *, const void *))
{
    struct report_rank *ranks = calloc(m->accounts.count + 1, sizeof *ranks);

    for (size_t i = 0; i < m->accounts.count; i++)
        order[i] = (uint32_t)i;
    if (ranks == NULL)
        return; /* out of memory at the end: table order still shows all */
    for (size_t i = 0; i < m->accounts.count; i++)
        ranks[i] = (struct report_rank){ report_model_account(m, i), (uint32_t)i };
    qsort(ranks, m->accounts.count, sizeof *ranks, compare);
    for (size_t i = 0; i < m->accounts.count; i++)
        order[i] = ranks[i].index;
    free(ranks);
}

void report_model_rank_accounts(const struct report_model *m, uint32_t *order)
{
    report_model_sort(m, order, report_compare_risk);
}

void report_model_busiest_accounts(const struct report_model *m, uint32_t *order)
{
    report_model_sort(m, order, report_compare_busy);
}
