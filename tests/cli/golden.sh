#!/usr/bin/env bash
# Golden tests: each capture in tests/lib/captures.list, analyzed with
# --json --show-passwords, must give exactly its reviewed expected file in
# tests/golden/. UPDATE_GOLDEN=1 rewrites the expected files instead; review
# the diff and say why in the commit.
set -u
. "$(dirname "$0")/../lib/lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

unlisted=$(capture_list_unlisted)
if [ -n "$unlisted" ]; then
    echo "Bail out! not in tests/lib/captures.list (add a line and its golden file):" $unlisted
    exit 1
fi
peers=$(peer_capture_dir) || {
    peers=
    echo "# WARNING: ../shared/peer-captures not found: peer goldens skipped" >&2
}
cases=()
while read -r kind file _ golden; do
    case $kind in '#'* | '') continue ;; esac
    [ "$kind" = peer ] && [ -z "$peers" ] && continue
    cases+=("$kind:$golden:$file")
done < "$SRCDIR/tests/lib/captures.list"

tap_plan $(( ${#cases[@]} * 2 ))
for c in "${cases[@]}"; do
    IFS=: read -r kind golden name <<< "$c"
    if [ "$kind" = samples ]; then pcap=$SRCDIR/samples/$name; else pcap=$peers/$name; fi
    expected=$SRCDIR/$golden
    got=$work/$kind-$name.jsonl
    # From the capture's directory: auth events name the file as given
    # (capture_file), and the expected files must not hold a build path.
    (cd "$(dirname "$pcap")" && "$POP3SCOPE" --json --show-passwords "$(basename "$pcap")") > "$got" 2> "$work/stderr"
    status=$?
    if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
        mkdir -p "$(dirname "$expected")"
        cp "$got" "$expected"
    fi
    # Each golden run must also be valid JSON lines, whatever it holds.
    if [ "$status" -eq 0 ] && python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    json.loads(line)
' "$got"; then
        tap_ok "$kind/$name: exit 0, every line parses as JSON"
    else
        tap_not_ok "$kind/$name: exit $status or invalid JSON"
        tap_diag < "$work/stderr"
    fi
    if [ -f "$expected" ] && diff -u "$expected" "$got" > "$work/diff"; then
        tap_ok "$kind/$name: matches $golden"
    else
        tap_not_ok "$kind/$name: differs from $golden"
        head -40 "$work/diff" | tap_diag
    fi
done
tap_done
