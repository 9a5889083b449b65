#!/usr/bin/env bash
# Golden tests: each bundled sample and each peer capture, analyzed with
# --json --show-passwords, must give exactly its reviewed expected file in
# tests/golden/. UPDATE_GOLDEN=1 rewrites the expected files instead; review
# the diff and say why in the commit.
set -u
. "$(dirname "$0")/../lib/lib.sh"

golden_dir=$SRCDIR/tests/golden
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cases=()
for f in "$SRCDIR"/samples/*.pcap "$SRCDIR"/samples/*.pcapng; do
    [ -e "$f" ] && cases+=("samples:$f")
done
if peers=$(peer_capture_dir); then
    for f in "$peers"/*.pcap "$peers"/*.pcapng; do
        [ -e "$f" ] && cases+=("peer:$f")
    done
else
    echo "# WARNING: ../shared/peer-captures not found: peer goldens skipped" >&2
fi

tap_plan $(( ${#cases[@]} * 2 ))
for c in "${cases[@]}"; do
    kind=${c%%:*}
    pcap=${c#*:}
    name=$(basename "$pcap")
    expected=$golden_dir/$kind/${name%.*}.jsonl
    got=$work/$kind-$name.jsonl
    "$POP3SCOPE" --json --show-passwords "$pcap" > "$got" 2> "$work/stderr"
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
        tap_ok "$kind/$name: matches tests/golden/$kind/${name%.*}.jsonl"
    else
        tap_not_ok "$kind/$name: differs from tests/golden/$kind/${name%.*}.jsonl"
        head -40 "$work/diff" | tap_diag
    fi
done
tap_done
