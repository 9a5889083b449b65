/* Loading output plugins. The checks run on the file descriptor that is
 * then loaded (dlopen of /proc/self/fd/N), so the file checked is the file
 * mapped: swapping it between the check and the load does not help an
 * attacker. The checks follow what sudo and OpenSSH require of the files
 * they trust: owned by us or root, writable only by the owner, all the way
 * up to the module's own directory. */
#include "plugin_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct plugin_loader_module {
    void *handle;
    const struct pop3scope_plugin *plugin;
};

static int plugin_loader_fail(char *error, size_t error_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int plugin_loader_fail(char *error, size_t error_size, const char *fmt, ...)
{
    va_list ap;

    if (error != NULL && error_size > 0) {
        va_start(ap, fmt);
        vsnprintf(error, error_size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int plugin_loader_name_ok(const char *name)
{
    size_t i;

    if (name[0] == '\0' || strlen(name) > 64)
        return 0;
    for (i = 0; name[i] != '\0'; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Who may have written this file or directory: only its owner, and when
 * we are root the owner must be root too (a root process loading a user's
 * module hands that user root). */
static int plugin_loader_trust(const struct stat *st, const char *path, const char *what, char *error,
                               size_t error_size)
{
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return plugin_loader_fail(error, error_size, "%s %s is writable by group or others (mode %04o): chmod go-w it",
                                  what, path, (unsigned)(st->st_mode & 07777));
    if (geteuid() == 0 && st->st_uid != 0)
        return plugin_loader_fail(error, error_size, "%s %s is owned by uid %lu, not root, and pop3scope runs as root",
                                  what, path, (unsigned long)st->st_uid);
    return 0;
}

static int plugin_loader_check_dir(const char *path, char *error, size_t error_size)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    struct stat st;
    size_t len;

    if (slash == NULL)
        len = 0;
    else
        len = slash == path ? 1 : (size_t)(slash - path);
    if (len == 0)
        snprintf(dir, sizeof dir, ".");
    else if (len >= sizeof dir)
        return plugin_loader_fail(error, error_size, "plugin path %s is too long", path);
    else {
        memcpy(dir, path, len);
        dir[len] = '\0';
    }
    if (stat(dir, &st) != 0)
        return plugin_loader_fail(error, error_size, "plugin directory %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return plugin_loader_fail(error, error_size, "%s is not a directory", dir);
    return plugin_loader_trust(&st, dir, "plugin directory", error, error_size);
}

/* Opens the module without following a symlink and checks the open file. */
static int plugin_loader_open_file(const char *path, char *error, size_t error_size)
{
    struct stat st;
    int fd;

    if (plugin_loader_check_dir(path, error, error_size) != 0)
        return -1;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP)
            return plugin_loader_fail(error, error_size, "plugin %s is a symlink: name the file itself", path);
        return plugin_loader_fail(error, error_size, "plugin %s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return plugin_loader_fail(error, error_size, "plugin %s is not a regular file", path);
    }
    if (plugin_loader_trust(&st, path, "plugin", error, error_size) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Runs the module's constructors: only after every file check passed. */
static int plugin_loader_map(int fd, const char *path, struct plugin_loader_module *module, char *error,
                             size_t error_size)
{
    const struct pop3scope_plugin *(*entry)(void);
    char proc_path[64];

    snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
    module->handle = dlopen(proc_path, RTLD_NOW | RTLD_LOCAL);
    if (module->handle == NULL)
        return plugin_loader_fail(error, error_size, "plugin %s does not load: %s", path, dlerror());
    /* POSIX allows this conversion for dlsym's result (XSH dlsym). */
    *(void **)&entry = dlsym(module->handle, "pop3scope_plugin_v1");
    if (entry == NULL)
        return plugin_loader_fail(error, error_size, "plugin %s has no pop3scope_plugin_v1(): not a pop3scope plugin",
                                  path);
    module->plugin = entry();
    if (module->plugin == NULL)
        return plugin_loader_fail(error, error_size, "plugin %s: pop3scope_plugin_v1() returned nothing", path);
    return 0;
}

static int plugin_loader_check_abi(const struct pop3scope_plugin *p, const char *path, char *error, size_t error_size)
{
    if (p->abi_version != POP3SCOPE_PLUGIN_ABI)
        return plugin_loader_fail(error, error_size, "plugin %s has ABI version %u; this pop3scope loads version %u",
                                  path, (unsigned)p->abi_version, (unsigned)POP3SCOPE_PLUGIN_ABI);
    /* Fields appended to ABI 1 later are optional: a plugin built before
     * them is still whole. */
    if (p->struct_size < POP3SCOPE_PLUGIN_V1_MIN_SIZE)
        return plugin_loader_fail(error, error_size, "plugin %s: struct of %u bytes, ABI %u needs %zu", path,
                                  (unsigned)p->struct_size, (unsigned)POP3SCOPE_PLUGIN_ABI,
                                  (size_t)POP3SCOPE_PLUGIN_V1_MIN_SIZE);
    if (p->name == NULL || !plugin_loader_name_ok(p->name) || p->open == NULL || p->write == NULL || p->flush == NULL ||
        p->close == NULL)
        return plugin_loader_fail(error, error_size, "plugin %s: incomplete plugin table (name or a function missing)",
                                  path);
    return 0;
}

static int plugin_loader_path(const char *spec, const char *plugin_dir, char *path, size_t path_size, char *error,
                              size_t error_size)
{
    int n;

    if (strchr(spec, '/') != NULL)
        n = snprintf(path, path_size, "%s", spec);
    else if (!plugin_loader_name_ok(spec))
        return plugin_loader_fail(error, error_size, "--emit %s: not a plugin name ([a-z0-9_-]) nor a path", spec);
    else
        n = snprintf(path, path_size, "%s/%s.so", plugin_dir != NULL ? plugin_dir : ".", spec);
    if (n < 0 || (size_t)n >= path_size)
        return plugin_loader_fail(error, error_size, "--emit %s: path too long", spec);
    return 0;
}

int plugin_loader_open(const char *spec, const char *plugin_dir, struct plugin_loader_module **out, char *error,
                       size_t error_size)
{
    struct plugin_loader_module *module;
    char path[4096];
    int fd;
    int rc;

    if (spec == NULL || out == NULL)
        return plugin_loader_fail(error, error_size, "no plugin named");
    *out = NULL;
    if (plugin_loader_path(spec, plugin_dir, path, sizeof path, error, error_size) != 0)
        return -1;
    fd = plugin_loader_open_file(path, error, error_size);
    if (fd < 0)
        return -1;
    module = calloc(1, sizeof *module);
    if (module == NULL) {
        close(fd);
        return plugin_loader_fail(error, error_size, "out of memory loading %s", path);
    }
    rc = plugin_loader_map(fd, path, module, error, error_size);
    close(fd); /* the mapping stays; the descriptor is no longer needed */
    if (rc == 0)
        rc = plugin_loader_check_abi(module->plugin, path, error, error_size);
    if (rc != 0) {
        plugin_loader_close(module);
        return -1;
    }
    *out = module;
    return 0;
}

const struct pop3scope_plugin *plugin_loader_plugin(const struct plugin_loader_module *module)
{
    return module != NULL ? module->plugin : NULL;
}

void plugin_loader_close(struct plugin_loader_module *module)
{
    if (module == NULL)
        return;
    if (module->handle != NULL)
        dlclose(module->handle);
    free(module);
}
