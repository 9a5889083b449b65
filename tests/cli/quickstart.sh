#!/usr/bin/env bash
# README "Quick start" and the package lists (issue 16 item 8). The first
# command installs .ci/debian-packages-build (build and run) on its own first line,
# so the package step is skipped by leaving that line out, then builds and
# analyzes a bundled sample; the second installs .ci/debian-packages, every
# package (so it works on its own), and runs exactly what .ci/run runs. The
# build list is a part of the whole one, and every library configure.ac
# insists on is in it: a user who skips the test packages still builds.
set -u
. "$(dirname "$0")/../lib/lib.sh"
cd "$SRCDIR" || exit 1
build=.ci/debian-packages-build
all=.ci/debian-packages
[ -f README.md ] && [ -f "$build" ] && [ -f "$all" ] && [ -f .ci/run ] ||
    tap_skip_all "README.md or .ci/ is not in $SRCDIR"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tap_plan 8

# The shell blocks of the Quick start, one file each: block1, block2, ...
awk -v dir="$work" '
    /^## / { in_qs = ($0 == "## Quick start") }
    in_qs && /^```sh$/ { n++; out = dir "/block" n; next }
    in_qs && /^```$/ { out = ""; next }
    out != "" { print > out }' README.md
b1=$work/block1 b2=$work/block2
tap_check "Quick start has exactly two shell blocks" eval '[ -f "$b1" ] && [ -f "$b2" ] && [ ! -f "$work/block3" ]'

# First block: line 1 the packages, ending in && so the block is one command;
# the lines after it build and run without apt.
first=$(head -1 "$b1" 2> /dev/null)
rest=$(tail -n +2 "$b1" 2> /dev/null)
sample=$(printf '%s\n' "$rest" | grep -o 'samples/[A-Za-z0-9._-]*\.pcap' | head -1)
tap_check "first command: line 1 installs \$(cat $build) and ends in &&, the rest has no apt-get" \
    eval 'case $first in *"apt-get install"*"\$(cat $build)"*"&&") true ;; *) false ;; esac &&
        ! grep -qF "\$(cat $all)" "$b1" && [ -n "$rest" ] && ! printf "%s\n" "$rest" | grep -q apt-get'
tap_check "first command: the rest runs autogen.sh, configure, make and pop3scope on a bundled sample ($sample)" \
    eval 'printf "%s\n" "$rest" | grep -q "./autogen.sh" && printf "%s\n" "$rest" | grep -q "configure" &&
        printf "%s\n" "$rest" | grep -q "make" && printf "%s\n" "$rest" | grep -q "pop3scope .*samples/" &&
        [ -n "$sample" ] && [ -f "$sample" ]'

# Second block: the test packages, then exactly .ci/run's last command.
ci_last=$(grep -v '^[[:space:]]*$' .ci/run | tail -1)
tap_check "second command: installs \$(cat $all) (it works alone), then runs exactly what .ci/run runs ($ci_last)" \
    eval 'head -1 "$b2" | grep -qF "apt-get install" && head -1 "$b2" | grep -qF "\$(cat $all)" &&
        [ "$(tail -1 "$b2")" = "$ci_last" ]'
tap_check ".ci/run installs the whole list" grep -qF "\$(cat $all)" .ci/run

# The lists: one Debian package name a line, no repeats; the build list a
# part of the whole one.
names_ok() { ! grep -vqE '^[a-z0-9][a-z0-9.+-]+$' "$1" && [ -z "$(sort "$1" | uniq -d)" ]; }
outside=$(sort "$build" | comm -23 - <(sort "$all"))
tap_check "each list holds one package name a line, no repeats, and every build package is in the whole list" \
    eval 'names_ok "$build" && names_ok "$all" && [ -z "$outside" ]'

# Every library configure stops without (AC_MSG_ERROR; cmocka only warns:
# the unit tests) is in the build list (libc6-dev
# comes with build-essential).
needed=$(grep AC_MSG_ERROR configure.ac | grep -o 'install the Debian package [a-z0-9.+-]*[a-z0-9+]' | awk '{print $NF}' | sort -u)
absent=
for p in $needed; do
    [ "$p" = libc6-dev ] || grep -qx "$p" "$build" || absent="$absent $p"
done
if [ -n "$needed" ] && [ -z "$absent" ]; then tap_ok "every Debian package configure.ac names is in $build"; else
    tap_not_ok "every Debian package configure.ac names is in $build"
    echo "not in $build:$absent" | tap_diag
fi

# README "Installing" names the build packages and the whole list.
section=$(awk '/^## / { on = ($0 == "## Installing") } on' README.md)
unnamed=
while read -r p; do
    printf '%s\n' "$section" | grep -q "\`$p\`\|[ (]$p[ ,.)]" || unnamed="$unnamed $p"
done < "$build"
if [ -z "$unnamed" ] && printf '%s\n' "$section" | grep -qF "\`$all\`"; then
    tap_ok "README \"Installing\" names every package of $build and points to $all"
else
    tap_not_ok "README \"Installing\" names every package of $build and points to $all"
    echo "not named:$unnamed" | tap_diag
fi
tap_done
