#!/usr/bin/env bash
# Static checks that make check enforces: no banned functions in the
# analyzer, cppcheck clean, clang as strict as gcc (the suite builds with
# gcc; this compiles every file with clang too), and the house style
# (.clang-format) on the C lines changed since the branch left main.
set -u
. "$(dirname "$0")/lib/lib.sh"
cd "$SRCDIR" || exit 1

tap_plan 5

# CONVENTIONS.md: unbounded or error-blind string functions.
banned='\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets|strncpy)[[:space:]]*\('
if hits=$(grep -nE "$banned" src/*.c src/*.h plugins/*.c plugins/*.h tests/unit/*.c 2>/dev/null); then
    tap_not_ok "no banned functions (strcpy strcat sprintf strtok atoi gets strncpy)"
    echo "$hits" | tap_diag
else
    tap_ok "no banned functions (strcpy strcat sprintf strtok atoi gets strncpy)"
fi

ndpi_flags=$(pkg-config --cflags libndpi 2>/dev/null | sed 's/-I/-isystem /g')
if command -v cppcheck > /dev/null; then
    if out=$(cppcheck --quiet --enable=warning,performance,portability --inline-suppr \
            --error-exitcode=1 -D__GNUC__ -I src -I plugins src plugins 2>&1); then
        tap_ok "cppcheck finds nothing in src/"
    else
        tap_not_ok "cppcheck finds nothing in src/"
        echo "$out" | tap_diag
    fi
else
    tap_ok "cppcheck # SKIP cppcheck not installed"
fi

if command -v clang > /dev/null; then
    failed=0
    for f in src/*.c plugins/*.c; do
        # shellcheck disable=SC2086
        if ! out=$(clang -std=c11 -fsyntax-only -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -DPOP3SCOPE_PLUGIN_DIR='"/lint"' \
                -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Werror \
                -I "$BUILDDIR" -I src -I plugins $ndpi_flags $(pkg-config --cflags jansson libpcap) "$f" 2>&1); then
            failed=1
            echo "$out" | tap_diag
        fi
    done
    [ $failed -eq 0 ] && tap_ok "clang -Wall -Wextra -Werror accepts every file in src/" \
        || tap_not_ok "clang -Wall -Wextra -Werror accepts every file in src/"
else
    tap_ok "clang # SKIP clang not installed"
fi

# Only changed lines: the tree predates .clang-format and is not reformatted
# wholesale (that would bury history). The base is LINT_BASE, else where
# HEAD left main, else HEAD~ (CI on main itself), else HEAD; the working
# tree's changes count too. -M keeps a moved file's old lines out.
lint_base() {
    local ref base head
    if [ -n "${LINT_BASE:-}" ]; then
        git rev-parse --verify -q "$LINT_BASE^{commit}"
        return
    fi
    head=$(git rev-parse HEAD) || return 1
    for ref in main origin/main origin/HEAD; do
        base=$(git merge-base HEAD "$ref" 2>/dev/null) || continue
        if [ "$base" != "$head" ]; then
            echo "$base"
            return
        fi
    done
    git rev-parse --verify -q HEAD~1 || echo "$head"
}
# CONTRIBUTING.md "Layout" and src/README.md name every module, so a newcomer
# finds each file's job (issue 14: the design lives where the code is; issue
# 16: the module list is development material, out of the user's README).
unnamed=
for f in src/*.c src/*.h; do
    m=$(basename "$f")
    m=${m%.c}
    [ "${m%.h}" != "$m" ] && [ -e "src/${m%.h}.c" ] && continue
    grep -q -e "\`$m\`" -e "\`${m%.h}\`" CONTRIBUTING.md || unnamed="$unnamed CONTRIBUTING.md:$m"
    grep -q -e "\`$m.c\`" -e "\`$m\`" src/README.md || unnamed="$unnamed src/README.md:$m"
done
if [ -z "$unnamed" ]; then
    tap_ok "CONTRIBUTING.md (Layout) and src/README.md name every file of src/"
else
    tap_not_ok "CONTRIBUTING.md (Layout) and src/README.md name every file of src/"
    echo "not named:$unnamed" | tap_diag
fi

style="changed C lines follow .clang-format"
format_diff=$(command -v clang-format-diff-14 || command -v clang-format-diff)
if [ -z "$format_diff" ]; then
    tap_ok "$style # SKIP clang-format-diff not installed (Debian package clang-format)"
elif ! git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    tap_ok "$style # SKIP not a git checkout"
elif ! base=$(lint_base); then
    tap_not_ok "$style: LINT_BASE=${LINT_BASE:-} is not a commit"
else
    out=$(git diff -U0 -M --no-color "$base" -- '*.c' '*.h' | "$format_diff" -p1 2>&1)
    if [ -z "$out" ]; then
        tap_ok "$style (since $(git rev-parse --short "$base"))"
    else
        tap_not_ok "$style (since $(git rev-parse --short "$base")): apply this diff"
        echo "$out" | tap_diag
    fi
fi
tap_done
