#!/usr/bin/env bash
# make install and make uninstall as a user or a packager runs them (issue 16
# item 8, README "Installing"): from this build tree into a DESTDIR, the
# binary runs, the man page renders without a warning, the documentation is
# in $(docdir), nothing installed is writable by others, nothing else is
# installed; make uninstall then leaves not one file behind.
set -u
# C.UTF-8 is in every glibc: man never warns about a locale it cannot set.
export LC_ALL=C.UTF-8
. "$(dirname "$0")/../lib/lib.sh"

[ -f "$BUILDDIR/Makefile" ] || tap_skip_all "no configured build tree in $BUILDDIR"
tap_need man man-db
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# man-db reads the pages as root or as user man: let both in.
chmod 0755 "$work"
dest=$work/dest

tap_plan 9
# Directories as install -d makes them under the usual umask.
umask 022

# The make of this build tree, without the jobserver of the make check that
# runs this test.
build_make() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$BUILDDIR" "$@" DESTDIR="$dest" > "$work/make.log" 2>&1
}

build_make install
st=$?
if [ $st -eq 0 ]; then tap_ok "make install DESTDIR=... succeeds"; else
    tap_not_ok "make install DESTDIR=... succeeds"
    tap_diag < "$work/make.log"
fi

# What was installed, relative to DESTDIR and the prefix the binary shows.
bin=$(find "$dest" -path '*/bin/pop3scope' -type f)
prefix=${bin%/bin/pop3scope}
(cd "$dest" && find . ! -type d | sed 's|^\.||' | sort) > "$work/installed"
tap_check "the binary is installed and runs: pop3scope --version" \
    eval '[ -n "$bin" ] && "$bin" --version > "$work/version" 2>&1 && grep -q "^pop3scope " "$work/version"'

man1=$prefix/share/man/man1/pop3scope.1
man7=$prefix/share/man/man7/pop3scope-plugin.7
MANWIDTH=80 man --warnings -l "$man1" 2>&1 > "$work/man1.txt" | cat > "$work/man1.err"
MANWIDTH=80 man --warnings -l "$man7" 2>&1 > "$work/man7.txt" | cat >> "$work/man1.err"
if [ -f "$man1" ] && [ -f "$man7" ] && [ ! -s "$work/man1.err" ] &&
    grep -q "pop3scope - passive POP3 analyzer" "$work/man1.txt"; then
    tap_ok "man --warnings -l renders the installed pop3scope(1) and pop3scope-plugin(7) without a warning"
else
    tap_not_ok "man --warnings -l renders the installed pop3scope(1) and pop3scope-plugin(7) without a warning"
    tap_diag < "$work/man1.err"
fi

docdir=$prefix/share/doc/pop3scope
tap_check "README.md is in share/doc/pop3scope, the same bytes as the source's" \
    cmp -s "$docdir/README.md" "$SRCDIR/README.md"
# README links plugins/README.md for the plugins' options: the link works in
# the installed directory too.
tap_check "plugins/README.md is beside it, where README links" \
    cmp -s "$docdir/plugins/README.md" "$SRCDIR/plugins/README.md"

# Exactly these, wherever configure put the plugin directory.
expected="/bin/pop3scope /include/pop3scope_plugin.h /share/man/man1/pop3scope.1
/share/man/man7/pop3scope-plugin.7 /share/doc/pop3scope/README.md /share/doc/pop3scope/plugins/README.md
/syslog.so /redis.so"
missing= extra=
for e in $expected; do
    grep -q -- "$e\$" "$work/installed" || missing="$missing $e"
done
while read -r f; do
    ok=
    for e in $expected; do case $f in *"$e") ok=1 ;; esac; done
    [ -n "$ok" ] || extra="$extra $f"
done < "$work/installed"
if [ -z "$missing$extra" ]; then tap_ok "make install installs the binary, plugins, header, man pages and docs, nothing else"; else
    tap_not_ok "make install installs the binary, plugins, header, man pages and docs, nothing else"
    echo "missing:$missing extra:$extra" | tap_diag
fi

# Programs 0755, data 0644 (whatever the umask of whoever runs make
# install: install(1) sets them); no file is writable by group or others, none
# is setuid or setgid, and nothing is a symlink.
modes=$(cd "$dest" && find . ! -type d -printf '%m %p\n' | sort -k2)
bad=$(printf '%s\n' "$modes" | awk '
    $2 ~ /\/bin\/pop3scope$|\.so$/ { if ($1 != "755") print; next }
    { if ($1 != "644") print }')
links=$(find "$dest" -type l)
if [ -n "$modes" ] && [ -z "$bad$links" ]; then tap_ok "modes: programs and plugins 0755, pages, header and docs 0644, no symlink"; else
    tap_not_ok "modes: programs and plugins 0755, pages, header and docs 0644, no symlink"
    printf '%s\n%s\n' "$bad" "$links" | tap_diag
fi
dirs_bad=$(find "$dest" -type d -perm /022)
tap_check "no installed directory is writable by group or others" test -z "$dirs_bad"

build_make uninstall
left=$(find "$dest" ! -type d)
if [ -z "$left" ]; then tap_ok "make uninstall DESTDIR=... removes every file make install put there"; else
    tap_not_ok "make uninstall DESTDIR=... removes every file make install put there"
    printf '%s\n' "$left" | tap_diag
    tap_diag < "$work/make.log"
fi
tap_done
