#!/usr/bin/env bash
# Replays, in the build under test (plain or sanitizer), what the fuzz
# harnesses know: seeds made from samples/ and the peer captures, and every
# input in tests/hostile/crashers/<harness>/, each through that harness's replay
# driver (tests/fuzz/replay.c). A crash, an abort on a broken promise, or a
# sanitizer report fails the case: every crash found stays a test.
set -u
. "$(dirname "$0")/../lib/lib.sh"

harnesses="pop3 sasl decode pcap"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t captures < <(capture_list samples peer)
python3 "$SRCDIR/tests/fuzz/make-seeds.py" "$work/seeds" "${captures[@]}" 2> "$work/seed-err"

tap_plan 8
for h in $harnesses; do
    replay=$BUILDDIR/tests/fuzz/replay_$h
    seeds=$work/seeds/$h
    if [ -d "$seeds" ] && [ -n "$(ls -A "$seeds")" ] &&
        "$replay" "$seeds" > "$work/out" 2>&1; then
        tap_ok "$h: $(tail -n 1 "$work/out") seeds made from the samples"
    else
        tap_not_ok "$h: seeds made from the samples replay cleanly"
        tail -n 20 "$work/out" "$work/seed-err" 2>/dev/null | tap_diag
    fi
    crashers=$SRCDIR/tests/hostile/crashers/$h
    if [ ! -d "$crashers" ]; then
        tap_ok "$h: no crashers recorded yet # SKIP tests/hostile/crashers/$h is empty"
    elif "$replay" "$crashers" > "$work/out" 2>&1; then
        tap_ok "$h: $(tail -n 1 "$work/out") regression inputs from tests/hostile/crashers/$h"
    else
        tap_not_ok "$h: regression inputs from tests/hostile/crashers/$h replay cleanly"
        tail -n 20 "$work/out" | tap_diag
    fi
done
tap_done
