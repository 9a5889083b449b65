#!/usr/bin/env bash
# Valgrind over the samples, the peer captures and a few hostile inputs: no
# memory error and no leak, definite, indirect or possible (README "Hostile
# input"). Each output
# format runs once over all samples, so every sink's code is covered. Skipped
# in the sanitizer build (valgrind cannot run ASan binaries; ASan and
# LeakSanitizer check the same things there) and when valgrind is missing.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v valgrind > /dev/null || tap_skip_all "valgrind not installed"
[ "${SANITIZERS:-no}" = yes ] && tap_skip_all "sanitizer build: ASan and LeakSanitizer check this"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t samples < <(capture_list samples)
mapfile -t peers < <(capture_list peer)
gen=$BUILDDIR/tests/lib/tools/flood-pcap

tap_plan 6

# grind DESCRIPTION ARGS...: pop3scope under valgrind; exit 99 means it
# found an error or a leak.
grind() {
    local desc=$1
    shift
    # "still reachable" is not counted: libgcrypt (through nDPI's init)
    # keeps its global state until exit, as libraries do.
    valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible \
        --track-origins=yes "$POP3SCOPE" "$@" > /dev/null 2> "$work/vg"
    local st=$?
    if [ $st -ne 99 ] && ! grep -q "^==[0-9]*==" "$work/vg"; then
        tap_ok "$desc (exit $st)"
    else
        tap_not_ok "$desc"
        head -40 "$work/vg" | tap_diag
    fi
}

grind "samples, JSON with secrets: no errors, no leaks" --json -p "${samples[@]}"
grind "samples, text table and summary: no errors, no leaks" --text "${samples[@]}"
grind "samples, CSV: no errors, no leaks" --csv "${samples[@]}"
if [ ${#peers[@]} -gt 0 ]; then
    grind "peer captures: no errors, no leaks" --json -p "${peers[@]}"
else
    tap_ok "peer captures # SKIP ../shared/peer-captures not found"
fi
if python3 "$SRCDIR/tests/lib/tools/malformed-pcap.py" "$SRCDIR/samples/userpass.pcap" "$work/bad" 2>/dev/null; then
    grind "malformed captures (exit 2 expected): no errors, no leaks" --json "$work"/bad/*
else
    tap_ok "malformed captures # SKIP generator failed"
fi
if [ -x "$gen" ]; then
    # Enough to fill a small table and the pipeline queue many times over.
    "$gen" syn 20000 > "$work/syn.pcap"
    "$gen" pipeline 20000 > "$work/pipeline.pcap"
    grind "SYN flood and pipelining flood, table of 1000: no errors, no leaks" \
        --json --max-flows 1000 --max-pending 16 "$work/syn.pcap" "$work/pipeline.pcap"
else
    tap_ok "floods # SKIP tests/lib/tools/flood-pcap not built"
fi
tap_done
