/* The option table (src/options.c): every row is documented in --help and
 * README.md, every number refuses the values just outside its range with
 * the one message, and stores the values at its edges in a field wide
 * enough for them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <getopt.h>

#include <cmocka.h>

#include "options.h"

static struct options_config cfg;

/* "--name" as a whole word: not the start of a longer option name. */
static bool mentions_option(const char *text, const char *name)
{
    char word[64];
    size_t len = (size_t)snprintf(word, sizeof word, "--%s", name);

    for (const char *p = strstr(text, word); p != NULL; p = strstr(p + 1, word)) {
        char after = p[len];

        if (!((after >= 'a' && after <= 'z') || after == '-'))
            return true;
    }
    return false;
}

static char *read_all(FILE *f)
{
    long size;
    char *text;

    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    text = calloc((size_t)size + 1, 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    return text;
}

static void test_every_option_is_in_help(void **state)
{
    FILE *f = tmpfile();
    char *help;
    size_t options = 0;

    (void)state;
    assert_non_null(f);
    options_print_help(f);
    help = read_all(f);
    for (size_t i = 0; i < options_table_count; i++) {
        const struct options_row *row = &options_table[i];

        if (row->kind == OPTIONS_HEADING) {
            assert_non_null(strstr(help, row->help));
            continue;
        }
        options++;
        if (!mentions_option(help, row->long_name))
            fail_msg("--%s is not in --help", row->long_name);
        if (row->short_name != 0) {
            char pair[80];

            snprintf(pair, sizeof pair, "-%c, --%s", row->short_name, row->long_name);
            if (strstr(help, pair) == NULL)
                fail_msg("--help does not show '%s'", pair);
        }
    }
    assert_true(options >= 40); /* the table is not empty or cut short */
    free(help);
    fclose(f);
}

static void test_every_option_is_in_readme(void **state)
{
    const char *srcdir = getenv("SRCDIR");
    char path[4096];
    FILE *f;
    char *readme;

    (void)state;
    snprintf(path, sizeof path, "%s/README.md", srcdir != NULL ? srcdir : ".");
    f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot read %s (set SRCDIR)", path);
    readme = read_all(f);
    for (size_t i = 0; i < options_table_count; i++) {
        const struct options_row *row = &options_table[i];

        if (row->kind != OPTIONS_HEADING && !mentions_option(readme, row->long_name))
            fail_msg("--%s is not in README.md", row->long_name);
    }
    free(readme);
    fclose(f);
}

/* Parses "pop3scope ARG -i lo" (an interface, so that the live-only
 * options pass the checks after parsing) and returns what stderr got. */
static enum options_outcome parse_one(const char *arg, char *err, size_t err_size)
{
    char prog[] = "pop3scope", dash_i[] = "-i", lo[] = "lo";
    char option[256];
    char *argv[] = { prog, option, dash_i, lo, NULL };
    FILE *f = tmpfile();
    int saved = dup(STDERR_FILENO);
    enum options_outcome outcome;
    size_t got;

    assert_non_null(f);
    assert_true(saved >= 0);
    snprintf(option, sizeof option, "%s", arg);
    options_default(&cfg);
    optind = 0; /* glibc: start over, as for a new process */
    fflush(stderr);
    assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
    outcome = options_parse(&cfg, 4, argv);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(f);
    got = fread(err, 1, err_size - 1, f);
    err[got] = '\0';
    fclose(f);
    return outcome;
}

static unsigned long field_value(const struct options_row *row)
{
    const unsigned char *field = (const unsigned char *)&cfg + row->offset;

    if (row->size == sizeof(bool)) {
        bool b;

        memcpy(&b, field, sizeof b);
        return b;
    }
    if (row->size == sizeof(uint32_t)) {
        uint32_t u;

        memcpy(&u, field, sizeof u);
        return u;
    }
    uint64_t u;

    memcpy(&u, field, sizeof u);
    return (unsigned long)u;
}

static void test_every_field_fits_its_row(void **state)
{
    (void)state;
    for (size_t i = 0; i < options_table_count; i++) {
        const struct options_row *row = &options_table[i];

        switch (row->kind) {
        case OPTIONS_NUMBER:
        case OPTIONS_SET:
        case OPTIONS_CHOICE:
            if (row->size != sizeof(bool) && row->size != sizeof(uint32_t) && row->size != sizeof(uint64_t))
                fail_msg("--%s: a field of %zu bytes", row->long_name, row->size);
            if (row->kind == OPTIONS_NUMBER && row->size == sizeof(uint32_t) && row->max > UINT32_MAX)
                fail_msg("--%s: %lu does not fit its field", row->long_name, row->max);
            if (row->kind == OPTIONS_NUMBER && (row->size == sizeof(bool) || row->min > row->max))
                fail_msg("--%s: no range", row->long_name);
            break;
        case OPTIONS_STRING: assert_int_equal(row->size, sizeof(const char *)); break;
        case OPTIONS_CALL: assert_non_null(row->call); break;
        case OPTIONS_HEADING:
        case OPTIONS_HELP:
        case OPTIONS_VERSION: break;
        }
    }
}

static void expect_refused(const struct options_row *row, const char *value)
{
    char arg[128], err[512], want[512];

    snprintf(arg, sizeof arg, "--%s=%s", row->long_name, value);
    snprintf(want, sizeof want, "pop3scope: --%s needs a whole number from %lu to %lu, not '%s'\n", row->long_name,
             row->min, row->max, value);
    if (parse_one(arg, err, sizeof err) != OPTIONS_USAGE_ERROR)
        fail_msg("%s was accepted", arg);
    if (strcmp(err, want) != 0)
        fail_msg("%s: stderr '%s', not '%s'", arg, err, want);
}

static void expect_stored(const struct options_row *row, unsigned long v)
{
    char arg[128], err[512];

    snprintf(arg, sizeof arg, "--%s=%lu", row->long_name, v);
    if (parse_one(arg, err, sizeof err) != OPTIONS_RUN)
        fail_msg("%s was refused: %s", arg, err);
    if (field_value(row) != v)
        fail_msg("%s stored %lu", arg, field_value(row));
}

static void test_numbers_refuse_just_outside_their_range(void **state)
{
    size_t numbers = 0;

    (void)state;
    for (size_t i = 0; i < options_table_count; i++) {
        const struct options_row *row = &options_table[i];
        char below[32], above[32];

        if (row->kind != OPTIONS_NUMBER)
            continue;
        numbers++;
        if (row->min == 0)
            snprintf(below, sizeof below, "-1");
        else
            snprintf(below, sizeof below, "%lu", row->min - 1);
        snprintf(above, sizeof above, "%lu", row->max + 1);
        expect_refused(row, below);
        expect_refused(row, above);
        expect_refused(row, "");
        expect_refused(row, "1x");
        expect_refused(row, "+1");
        expect_refused(row, "99999999999999999999999");
    }
    assert_true(numbers >= 20);
}

static void test_numbers_store_their_edges(void **state)
{
    (void)state;
    for (size_t i = 0; i < options_table_count; i++) {
        const struct options_row *row = &options_table[i];

        if (row->kind != OPTIONS_NUMBER)
            continue;
        expect_stored(row, row->min);
        expect_stored(row, row->max);
    }
}

static void test_choices_store_and_refuse(void **state)
{
    char err[512];

    (void)state;
    for (size_t i = 0; i < options_table_count; i++) {
        const struct options_row *row = &options_table[i];

        if (row->kind != OPTIONS_CHOICE)
            continue;
        for (const struct options_choice *c = row->choices; c->name != NULL; c++) {
            char arg[128];

            snprintf(arg, sizeof arg, "--%s=%s", row->long_name, c->name);
            assert_int_equal(parse_one(arg, err, sizeof err), OPTIONS_RUN);
            assert_int_equal(field_value(row), c->value);
        }
    }
    /* The two wordings scripts may match, as they always were. */
    assert_int_equal(parse_one("--checksum-validation=maybe", err, sizeof err), OPTIONS_USAGE_ERROR);
    assert_string_equal(err, "pop3scope: --checksum-validation takes auto, yes or no, not 'maybe'\n");
    assert_int_equal(parse_one("--overlap-policy=LINUX", err, sizeof err), OPTIONS_USAGE_ERROR);
    assert_string_equal(err, "pop3scope: --overlap-policy: 'LINUX' is not linux, first or last\n");
}

static void test_flags_and_setters(void **state)
{
    char err[512];

    (void)state;
    assert_int_equal(parse_one("--summary", err, sizeof err), OPTIONS_RUN);
    assert_true(cfg.output.summary_only);
    assert_int_equal(cfg.output.format, OUTPUT_TEXT);
    assert_int_equal(parse_one("-j", err, sizeof err), OPTIONS_RUN);
    assert_int_equal(cfg.output.format, OUTPUT_JSON);
    assert_int_equal(parse_one("--no-promisc", err, sizeof err), OPTIONS_RUN);
    assert_false(cfg.live.promiscuous);
    assert_int_equal(parse_one("--no-alerts", err, sizeof err), OPTIONS_RUN);
    assert_int_equal(cfg.alerts, 0);
    assert_false(options_alerts_on(&cfg));
    assert_int_equal(parse_one("--user=mail", err, sizeof err), OPTIONS_RUN);
    assert_string_equal(cfg.run_as, "mail");
    assert_int_equal(cfg.interface_count, 1);
    assert_true(options_alerts_on(&cfg)); /* default: on for live capture */
    assert_true(cfg.output.line_buffered); /* implied by -i */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_option_is_in_help),
        cmocka_unit_test(test_every_option_is_in_readme),
        cmocka_unit_test(test_every_field_fits_its_row),
        cmocka_unit_test(test_numbers_refuse_just_outside_their_range),
        cmocka_unit_test(test_numbers_store_their_edges),
        cmocka_unit_test(test_choices_store_and_refuse),
        cmocka_unit_test(test_flags_and_setters),
    };

    return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
