/* pop3scope: giving up root and every capability (privileges.h).
 *
 * Once the interfaces are open the process needs no privilege at all:
 * from here on it parses traffic anyone can send. So, in this order:
 * 1. while CAP_SETPCAP is still held (root), empty the capability bounding
 *    set, so nothing this process or a child could exec ever gets one back
 *    (without CAP_SETPCAP, as in some containers, it is left as it is);
 * 2. as root, become USER (-Z, default nobody) with setgroups, setgid,
 *    setuid, and check that root cannot be regained;
 * 3. drop every capability left (effective, permitted, inheritable, and
 *    with them the ambient set): a run started without root but with file
 *    capabilities (setcap cap_net_raw,cap_net_admin+eip) held both until
 *    now, and -Z root keeps uid 0 but not its capabilities;
 * 4. set no_new_privs, so no exec (setuid binary, file capabilities) can
 *    raise them again;
 * 5. read the state back and refuse to go on if any capability is left.
 * libcap-ng does the capability work; output files were opened before. */
#include "privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cap-ng.h>

#include "note.h"

/* *cleared says whether the set was emptied: root in a container may lack
 * CAP_SETPCAP, and then the set is not ours to change (no_new_privs still
 * keeps any exec from using it). */
static bool privileges_clear_bounding_set(bool *cleared)
{
    *cleared = false;
    if (capng_get_caps_process() != 0)
        return false;
    if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) == 0)
        return true;
    capng_clear(CAPNG_SELECT_BOUNDS);
    if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
        return false;
    *cleared = true;
    return true;
}

static bool privileges_become_user(const char *user)
{
    const struct passwd *pw;
    gid_t gid;

    user = user != NULL ? user : "nobody";
    if (strcmp(user, "root") == 0)
        return true; /* asked for explicitly: uid 0, but no capability */
    pw = getpwnam(user);
    if (pw == NULL) {
        fprintf(stderr, "pop3scope: -Z %s: no such user; refusing to go on as root\n", user);
        return false;
    }
    gid = pw->pw_gid;
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(pw->pw_uid) != 0) {
        fprintf(stderr, "pop3scope: cannot become user %s: %s\n", user, strerror(errno));
        return false;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        fprintf(stderr, "pop3scope: still able to regain root after becoming %s; stopping\n", user);
        return false;
    }
    note("pop3scope: running as user %s (uid %u)\n", user, (unsigned)getuid());
    return true;
}

bool privileges_drop(const char *user)
{
    bool root = geteuid() == 0, bounds_cleared = false;

    if (!root && user != NULL)
        note("pop3scope: not running as root: -Z %s has no user to change\n", user);
    if (root && !privileges_clear_bounding_set(&bounds_cleared)) {
        fprintf(stderr, "pop3scope: cannot empty the capability bounding set; refusing to go on as root\n");
        return false;
    }
    if (root && !privileges_become_user(user))
        return false;
    capng_clear(CAPNG_SELECT_ALL);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fprintf(stderr, "pop3scope: cannot give up the capabilities: %s\n", strerror(errno));
        return false;
    }
    if (capng_get_caps_process() != 0 || capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE ||
        (bounds_cleared && capng_have_capabilities(CAPNG_SELECT_BOUNDS) != CAPNG_NONE) ||
        prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
        fputs("pop3scope: capabilities still held after giving them up; stopping\n", stderr);
        return false;
    }
    return true;
}
