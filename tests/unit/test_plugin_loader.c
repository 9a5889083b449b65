/* The plugin loader (src/plugin_loader.c) on real shared objects built from
 * tests/plugins/: it loads a good module by name and by path, and refuses,
 * each with a message naming the file and the reason, another ABI version,
 * a module without the entry point, a module or directory writable by
 * group or others, a symlink, and (as root) a module or directory owned by
 * someone else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugin_loader.h"

#ifndef TEST_PLUGIN_BUILD_DIR
#error "TEST_PLUGIN_BUILD_DIR: the directory holding the built tests/plugins/*.so"
#endif

static char dir[64];
static char error[512];

static void copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    FILE *in = fopen(from, "rb");
    FILE *out = fopen(to, "wb");
    size_t n;

    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(chmod(to, mode), 0);
}

/* A fresh 0700 directory with each test module in it, mode 0644. */
static int setup(void **state)
{
    static const char *const names[] = { "good", "abi2", "nosym", "v1base", "short" };
    char from[512], to[512];

    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pop3scope-plugins-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(from, sizeof from, "%s/plugin_%s", TEST_PLUGIN_BUILD_DIR, names[i]);
        snprintf(to, sizeof to, "%s/%s.so", dir, names[i]);
        copy_file(from, to, 0644);
    }
    error[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *path, size_t size, const char *file)
{
    snprintf(path, size, "%s/%s", dir, file);
}

static void assert_refused(const char *spec, const char *plugin_dir, const char *needle)
{
    struct plugin_loader_module *module = (void *)1;

    assert_int_equal(plugin_loader_open(spec, plugin_dir, &module, error, sizeof error), -1);
    assert_null(module);
    if (strstr(error, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", error, needle);
}

static void test_loads_by_name_and_runs(void **state)
{
    struct plugin_loader_module *module = NULL;
    const struct pop3scope_plugin *p;
    struct pop3scope_plugin_option opt = { "tag", "x" };
    struct pop3scope_plugin_event ev = { sizeof ev, "auth", 0, "{\"event\":\"auth\"}", 16 };
    void *st;

    (void)state;
    assert_int_equal(plugin_loader_open("good", dir, &module, error, sizeof error), 0);
    p = plugin_loader_plugin(module);
    assert_non_null(p);
    assert_string_equal(p->name, "good");
    st = p->open(&opt, 1, error, sizeof error);
    assert_non_null(st);
    assert_int_equal(p->write(st, &ev), 0);
    assert_int_equal(p->flush(st), 0);
    p->close(st);
    /* the plugin's own refusal comes back as its message */
    opt.key = "colour";
    assert_null(p->open(&opt, 1, error, sizeof error));
    assert_non_null(strstr(error, "colour"));
    plugin_loader_close(module);
}

static void test_loads_by_path(void **state)
{
    struct plugin_loader_module *module = NULL;
    char path[256];

    (void)state;
    path_of(path, sizeof path, "good.so");
    assert_int_equal(plugin_loader_open(path, NULL, &module, error, sizeof error), 0);
    assert_string_equal(plugin_loader_plugin(module)->name, "good");
    plugin_loader_close(module);
}

/* drain() and lost() were appended to ABI 1: a plugin without them loads,
 * one shorter than the table up to close does not. */
static void test_loads_plugin_without_appended_fields(void **state)
{
    struct plugin_loader_module *module = NULL;

    (void)state;
    assert_int_equal(plugin_loader_open("v1base", dir, &module, error, sizeof error), 0);
    assert_int_equal(plugin_loader_plugin(module)->struct_size, POP3SCOPE_PLUGIN_V1_MIN_SIZE);
    plugin_loader_close(module);
    assert_refused("short", dir, "struct of");
}

static void test_refuses_other_abi(void **state)
{
    (void)state;
    assert_refused("abi2", dir, "ABI version 2");
}

static void test_refuses_missing_entry_point(void **state)
{
    (void)state;
    assert_refused("nosym", dir, "has no pop3scope_plugin_v1()");
}

static void test_refuses_missing_module(void **state)
{
    (void)state;
    assert_refused("absent", dir, "absent.so");
}

static void test_refuses_bad_name(void **state)
{
    (void)state;
    assert_refused("Good!", dir, "not a plugin name");
}

static void test_refuses_group_writable_module(void **state)
{
    char path[256];

    (void)state;
    path_of(path, sizeof path, "good.so");
    assert_int_equal(chmod(path, 0664), 0);
    assert_refused("good", dir, "writable by group or others");
    assert_int_equal(chmod(path, 0646), 0);
    assert_refused(path, NULL, "writable by group or others");
}

static void test_refuses_writable_directory(void **state)
{
    (void)state;
    assert_int_equal(chmod(dir, 0777), 0);
    assert_refused("good", dir, "plugin directory");
    assert_int_equal(chmod(dir, 0770), 0);
    assert_refused("good", dir, "writable by group or others");
    assert_int_equal(chmod(dir, 0700), 0);
}

static void test_refuses_symlink(void **state)
{
    char path[256], link[256];

    (void)state;
    path_of(path, sizeof path, "good.so");
    path_of(link, sizeof link, "link.so");
    assert_int_equal(symlink(path, link), 0);
    assert_refused("link", dir, "symlink");
}

/* A root process that loads a module another user can replace gives that
 * user root. As a normal user the same module loads. */
static void test_root_refuses_foreign_owner(void **state)
{
    struct plugin_loader_module *module = NULL;
    char path[256];

    (void)state;
    if (geteuid() != 0) {
        assert_int_equal(plugin_loader_open("good", dir, &module, error, sizeof error), 0);
        plugin_loader_close(module);
        skip();
    }
    path_of(path, sizeof path, "good.so");
    assert_int_equal(chown(path, 65534, 65534), 0);
    assert_refused("good", dir, "not root");
    assert_int_equal(chown(path, 0, 0), 0);
    assert_int_equal(chown(dir, 65534, 65534), 0);
    assert_refused("good", dir, "plugin directory");
    assert_int_equal(chown(dir, 0, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loads_by_name_and_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loads_by_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loads_plugin_without_appended_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_other_abi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_missing_entry_point, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_missing_module, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_bad_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_group_writable_module, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_writable_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_refuses_foreign_owner, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
