#!/usr/bin/env bash
# The man pages as a user meets them: pop3scope(1) says what the program
# does (tests/cli/manpage_check.py: every --help option both ways, grouped
# alike, defaults, ranges tried on the program, every exit status of README,
# every field of the --json events, the CSV columns, the signals), and
# pop3scope-plugin(7) names every member of the ABI header's structs;
# both pages render without a warning (groff, man, mandoc); make install puts
# them where man finds them; and the example plugin of pop3scope-plugin(7),
# cut from the rendered page and built with the page's own command, loads
# with --emit and writes what --json writes.
set -u
# C.UTF-8 is in every glibc: man never warns about a locale it cannot set.
export LC_ALL=C.UTF-8
. "$(dirname "$0")/../lib/lib.sh"

page1=$BUILDDIR/src/pop3scope.1
page7=$BUILDDIR/plugins/pop3scope-plugin.7
sample=$SRCDIR/samples/userpass.pcap
[ -f "$page1" ] && [ -f "$page7" ] || tap_skip_all "the pages are not built (make builds them)"
command -v groff > /dev/null || tap_skip_all "groff not installed (Debian package groff-base)"
command -v man > /dev/null || tap_skip_all "man not installed (Debian package man-db)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# man-db reads the pages as root or as user man: let both in.
chmod 0755 "$work"

# A check whose diagnosis is a file: printed as TAP comments when it fails.
check_quiet() {
    local desc=$1 diag=$2
    shift 2
    if "$@"; then tap_ok "$desc"; else
        tap_not_ok "$desc"
        tap_diag < "$diag"
    fi
}

# ------------------------------------------------------------ what it says
while IFS= read -r line; do
    case $line in
        "ok	"*) tap_ok "${line#ok	}" ;;
        "not ok	"*) tap_not_ok "${line#not ok	}" ;;
        "todo	"*) tap_count=$((tap_count + 1)) && echo "not ok $tap_count - ${line#todo	} # TODO pending merge" ;;
        *) echo "$line" ;;
    esac
done < <(/usr/bin/python3 "$SRCDIR/tests/cli/manpage_check.py" "$page1" "$page7" 2>&1 || echo "not ok	manpage_check.py ran to its end")

# ------------------------------------------------------------ rendering
for page in "$page1" "$page7"; do
    name=${page##*/}
    groff -man -Tutf8 -ww -z "$page" > "$work/groff.out" 2>&1; st=$?
    check_quiet "$name: groff -man -ww renders it without a warning" "$work/groff.out" \
        eval '[ $st -eq 0 ] && [ ! -s "$work/groff.out" ]'
    MANWIDTH=80 man --warnings -l "$page" > "$work/man.txt" 2> "$work/man.err"; st=$?
    check_quiet "$name: man -l renders it, NAME first, no warning" "$work/man.err" \
        eval '[ $st -eq 0 ] && [ ! -s "$work/man.err" ] && grep -A1 "^NAME" "$work/man.txt" | grep -q "pop3scope"'
    if command -v mandoc > /dev/null; then
        mandoc -Tlint -Wstyle "$page" > "$work/mandoc.out" 2>&1; st=$?
        check_quiet "$name: mandoc -Tlint finds nothing, down to style" "$work/mandoc.out" \
            eval '[ $st -eq 0 ] && [ ! -s "$work/mandoc.out" ]'
    elif [ "${CI:-}" = true ]; then
        tap_not_ok "$name: mandoc -Tlint: mandoc not installed (Debian package mandoc)"
    else
        tap_ok "$name: mandoc -Tlint # SKIP mandoc not installed (Debian package mandoc)"
    fi
    tap_check "$name: every @VARIABLE@ was filled in" eval '! grep -n "@[a-zA-Z_]*@" "$page"'
    # Debian's groff prints - and ' in code as ASCII; other formatters print
    # a hyphen and a curly quote, and the copied command or code breaks.
    awk '/^\.(EX|nf)/ { code = 1; next } /^\.(EE|fi)/ { code = 0 } code && !/^\./' "$page" | grep -n -e "[^\\]-" -e "^-" -e "'" \
        > "$work/bare.out"
    check_quiet "$name: examples write every minus as \\- and every quote as \\(aq" "$work/bare.out" \
        test ! -s "$work/bare.out"
done

# ------------------------------------------------------------ make install
# The make of this build tree, without the jobserver of the make check
# that runs this test.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$BUILDDIR" install DESTDIR="$work/dest" > "$work/install.log" 2>&1
st=$?
man1=$(find "$work/dest" -path '*/share/man/man1/pop3scope.1')
man7=$(find "$work/dest" -path '*/share/man/man7/pop3scope-plugin.7')
check_quiet "make install puts share/man/man1/pop3scope.1 and share/man/man7/pop3scope-plugin.7" "$work/install.log" \
    eval '[ $st -eq 0 ] && [ -n "$man1" ] && [ -n "$man7" ]'
mandir=${man1%/man1/pop3scope.1}
MANWIDTH=200 man -M "$mandir" pop3scope > "$work/m1.txt" 2>&1
MANWIDTH=200 man -M "$mandir" 7 pop3scope-plugin > "$work/m7.txt" 2>&1
tap_check "man -M DIR pop3scope and man -M DIR 7 pop3scope-plugin find the installed pages" \
    eval 'grep -q "^ *pop3scope  *- passive POP3 analyzer" "$work/m1.txt" && grep -q "^ *pop3scope-plugin  *- writing an output plugin" "$work/m7.txt"'
# FILES names the directory this build installs its plugins to and looks in.
syslog_so=$(find "$work/dest" -name syslog.so)
plugindir=${syslog_so%/syslog.so}
plugindir=${plugindir#"$work/dest"}
header=$(find "$work/dest" -name pop3scope_plugin.h)
includedir=${header%/pop3scope_plugin.h}
includedir=${includedir#"$work/dest"}
tap_check "both pages name the plugin directory ($plugindir) and the header ($includedir) this build installs" \
    eval '[ -n "$plugindir" ] && [ -n "$includedir" ] && grep -qF "$plugindir" "$work/m1.txt" && grep -qF "$plugindir" "$work/m7.txt" && grep -qF "$includedir/pop3scope_plugin.h" "$work/m7.txt"'

# ------------------------------------------------------------ the example plugin
# Cut from the page as man shows it, so a minus that renders as a hyphen, a
# quote that renders curly or a lost backslash breaks the build here.
groff -man -Tutf8 -P-cbou -rLL=200n "$page7" > "$work/plugin.txt" 2> /dev/null
sed -n '/^ *\/\* hello\.c:/,/^ *\/\* end of hello\.c \*\//p' "$work/plugin.txt" > "$work/indented.c"
indent=$(sed -n '1s/^\( *\).*/\1/p' "$work/indented.c" | wc -c)
mkdir -m 0755 "$work/plugin"
cut -c"$indent"- "$work/indented.c" > "$work/plugin/hello.c"
tap_check "EXAMPLE holds a whole plugin, ASCII only ($(wc -l < "$work/plugin/hello.c") lines)" \
    eval '[ "$(wc -l < "$work/plugin/hello.c")" -gt 50 ] && grep -q "^POP3SCOPE_PLUGIN_EXPORT" "$work/plugin/hello.c" && ! LC_ALL=C grep -q "[^[:print:][:space:]]" "$work/plugin/hello.c"'
# The build command of the page's BUILDING section, run as written, with
# the installed header found through CPATH (the page names the real
# include directory, which may not hold it yet).
build_cmd=$(sed -n '/^BUILDING/,/^[A-Z]/p' "$work/plugin.txt" | sed -n '/^ *cc /,/[^\\]$/p' | sed 's/\\$//' | tr -s '\n ' '  ' | sed 's/^ //; s/ $//')
(cd "$work/plugin" && CPATH="$work/dest$includedir" eval "$build_cmd") > "$work/cc.log" 2>&1
check_quiet "the page's build command builds it: $build_cmd" "$work/cc.log" test -f "$work/plugin/hello.so"
for cc in gcc clang; do
    if ! command -v $cc > /dev/null; then
        tap_ok "$cc builds it warning-free # SKIP $cc not installed"
        continue
    fi
    $cc -std=c11 -Wall -Wextra -Werror -pedantic -O2 -shared -fPIC -fvisibility=hidden -I"$work/dest$includedir" \
        -o "$work/hello-$cc.so" "$work/plugin/hello.c" > "$work/cc.log" 2>&1
    check_quiet "$cc -Wall -Wextra -Werror -pedantic builds it" "$work/cc.log" test -f "$work/hello-$cc.so"
done
tap_check "it exports pop3scope_plugin_v1 and nothing else" \
    eval '[ "$(nm -D --defined-only "$work/plugin/hello.so" | awk "{print \$3}")" = pop3scope_plugin_v1 ]'

"$POP3SCOPE" --json "$sample" > "$work/ref.json"
"$POP3SCOPE" --json --emit "$work/plugin/hello.so:file=$work/events.jsonl" "$sample" > "$work/out.json" 2> "$work/err"
st=$?
check_quiet "loaded by path with --emit, it writes exactly the --json lines, to a 0600 file" "$work/err" \
    eval '[ $st -eq 0 ] && [ -s "$work/ref.json" ] && cmp -s "$work/ref.json" "$work/events.jsonl" && cmp -s "$work/ref.json" "$work/out.json" && [ "$(stat -c %a "$work/events.jsonl")" = 600 ]'
# Installed as the INSTALLING section says, then named without a path.
install -m 0755 "$work/plugin/hello.so" "$work/dest$plugindir/hello.so"
"$POP3SCOPE" --plugin-dir "$work/dest$plugindir" --emit "hello:file=$work/auth.jsonl,type=auth" "$sample" \
    > /dev/null 2> "$work/err"; st=$?
grep '"event":"auth"' "$work/ref.json" > "$work/ref-auth.json"
check_quiet "installed in the plugin directory, --emit hello:type=auth gets the auth lines only" "$work/err" \
    eval '[ $st -eq 0 ] && [ -s "$work/ref-auth.json" ] && cmp -s "$work/ref-auth.json" "$work/auth.jsonl"'
"$POP3SCOPE" --emit "$work/plugin/hello.so:colour=red" "$sample" > "$work/out" 2> "$work/err"; st=$?
tap_check "a wrong option: open() refuses it, pop3scope names it and exits 2 before any output" \
    eval '[ $st -eq 2 ] && grep -q "option colour" "$work/err" && [ ! -s "$work/out" ]'

tap_plan "$tap_count"
tap_done
