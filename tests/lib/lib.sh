# TAP helpers shared by the shell tests. Sourced, not run.
# The harness (Makefile.am) exports POP3SCOPE, SRCDIR and BUILDDIR; a test
# run by hand gets sensible defaults.
: "${SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${BUILDDIR:=$SRCDIR}"
: "${POP3SCOPE:=$BUILDDIR/src/pop3scope}"
export TZ=UTC

tap_count=0
tap_failed=0

tap_plan() { echo "1..$1"; }

tap_ok() {
    tap_count=$((tap_count + 1))
    echo "ok $tap_count - $1"
}

tap_not_ok() {
    tap_count=$((tap_count + 1))
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_count - $1"
}

# tap_check DESCRIPTION COMMAND...: one TAP line from a command's status.
tap_check() {
    local desc=$1
    shift
    if "$@"; then tap_ok "$desc"; else tap_not_ok "$desc"; fi
}

tap_skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

# tap_need TOOL PACKAGE: a tool the test cannot run without. Missing, the
# test skips naming the Debian package, except under CI=true, where every
# tool is installed (.ci/debian-packages) and a missing one is a failure.
tap_need() {
    command -v "$1" > /dev/null && return 0
    [ "${CI:-}" = true ] && { echo "1..1"; echo "not ok 1 - $1 missing (Debian package $2)"; exit 1; }
    tap_skip_all "$1 missing (Debian package $2)"
}

tap_diag() { sed 's/^/# /'; }

tap_done() { [ "$tap_failed" -eq 0 ]; }

# Peer captures live beside the project, never inside it (shared/README).
peer_capture_dir() {
    local d
    for d in "${PEER_CAPTURES:-}" "$SRCDIR/../shared/peer-captures" "$SRCDIR/../../shared/peer-captures"; do
        if [ -n "$d" ] && [ -d "$d" ]; then
            (cd "$d" && pwd)
            return 0
        fi
    done
    return 1
}

# capture_list WHERE...: the paths of the captures tests/lib/captures.list
# names, in its order, for WHERE samples and/or peer. Peer captures come
# only when their directory is found (a warning is each caller's to give).
capture_list() {
    local where file dir peers
    peers=$(peer_capture_dir) || peers=
    while read -r where file _; do
        case $where in '#'* | '') continue ;; esac
        [[ " $* " == *" $where "* ]] || continue
        if [ "$where" = samples ]; then dir=$SRCDIR/samples; else dir=$peers; fi
        [ -n "$dir" ] && [ -e "$dir/$file" ] && echo "$dir/$file"
    done < "$SRCDIR/tests/lib/captures.list"
}

# capture_list_unlisted: the captures in samples/ and the peer directory
# that tests/lib/captures.list does not name, one a line (none: empty).
capture_list_unlisted() {
    local f dir where peers
    peers=$(peer_capture_dir) || peers=
    for where in samples peer; do
        if [ "$where" = samples ]; then dir=$SRCDIR/samples; else dir=$peers; fi
        [ -n "$dir" ] || continue
        for f in "$dir"/*.pcap "$dir"/*.pcapng; do
            [ -e "$f" ] || continue
            grep -qE "^$where[[:space:]]+${f##*/}[[:space:]]" "$SRCDIR/tests/lib/captures.list" || echo "$f"
        done
    done
}
