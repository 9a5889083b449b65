/* pop3scope: giving up root and every capability once the interfaces are
 * open. */
#ifndef POP3SCOPE_PRIVILEGES_H
#define POP3SCOPE_PRIVILEGES_H

#include <stdbool.h>

/* user: -Z, NULL for the default (nobody when root). False, with the
 * reason on stderr, when any privilege could be left: the caller must not
 * go on. */
bool privileges_drop(const char *user);

#endif
