#!/usr/bin/env bash
# The speed bench (make bench, issue 6) times pop3scope only after its events
# equal the ground truth that the capture generator wrote. This keeps that
# check honest in make check, on a small capture (seconds): the generator
# must be deterministic and varied, pop3scope must match its truth, and the
# comparison must be able to fail.
set -u
. "$(dirname "$0")/../lib/lib.sh"

GEN=${POP3GEN:-$BUILDDIR/tests/bench/pop3gen}
TRUTH=$SRCDIR/tests/bench/truth.py
[ -x "$GEN" ] || tap_skip_all "tests/bench/pop3gen is not built"
command -v python3 > /dev/null || tap_skip_all "python3 is not installed"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Small, with ten times the usual duplicated and reordered segments.
gen_args=(-s 4 -b 4M -c 32 -d 0.02 -R 0.02)

tap_plan 9

if "$GEN" "${gen_args[@]}" -o "$work/a.pcap" -t "$work/a.truth" 2> "$work/gen.txt" &&
   [ -s "$work/a.pcap" ] && [ -s "$work/a.truth" ]; then
    tap_ok "pop3gen writes a capture and its truth ($(grep -o '[0-9]* POP3 sessions' "$work/gen.txt"))"
else
    tap_not_ok "pop3gen writes a capture and its truth"
    tap_diag < "$work/gen.txt"
fi

"$GEN" "${gen_args[@]}" -o "$work/b.pcap" -t "$work/b.truth" 2> /dev/null
if cmp -s "$work/a.pcap" "$work/b.pcap" && cmp -s "$work/a.truth" "$work/b.truth"; then
    tap_ok "the same seed gives the same capture and truth, byte for byte"
else
    tap_not_ok "the same seed gives the same capture and truth, byte for byte"
fi

# What the capture must exercise: every login method, outcome and exposure,
# both kinds of TLS, IPv6, a POP3 port the probe must find, every way a
# session ends; and in the traffic itself, lower-case commands, pipelining,
# dot-stuffed lines, duplicates, reordering and non-POP3 flows.
python3 "$TRUTH" "$work/a.truth" "$work/a.truth" --coverage > "$work/cov.txt"
missing=$(python3 "$SRCDIR/tests/bench/truth_coverage_missing.py" "$work/cov.txt" "$work/gen.txt")
if [ -z "$missing" ]; then
    tap_ok "the capture covers every method, outcome, exposure, TLS kind, end and wire oddity"
else
    tap_not_ok "the capture covers every method, outcome, exposure, TLS kind, end and wire oddity"
    echo "lacking: $missing" | tap_diag
fi

"$POP3SCOPE" --json --show-passwords "$work/a.pcap" > "$work/a.json" 2> "$work/err.txt"
status=$?
tap_check "pop3scope reads the bench capture (exit 0)" [ "$status" -eq 0 ]

if python3 "$TRUTH" "$work/a.truth" "$work/a.json" > "$work/cmp.txt"; then
    tap_ok "pop3scope's events equal the generator's truth: $(head -1 "$work/cmp.txt")"
else
    tap_not_ok "pop3scope's events equal the generator's truth"
    tap_diag < "$work/cmp.txt"
fi

# Non-POP3 traffic alone (web, TLS, SSH, SMTP, IMAP, Redis "+OK"): no events.
"$GEN" -s 5 -b 2M -c 16 -x 1 -o "$work/o.pcap" -t "$work/o.truth" 2> /dev/null
"$POP3SCOPE" --json "$work/o.pcap" > "$work/o.json" 2> /dev/null
if [ ! -s "$work/o.truth" ] && python3 "$TRUTH" "$work/o.truth" "$work/o.json" > "$work/cmp.txt"; then
    tap_ok "non-POP3 traffic alone gives no events"
else
    tap_not_ok "non-POP3 traffic alone gives no events"
    tap_diag < "$work/cmp.txt"
fi

# The comparison must fail when it should: a changed value, a missing and
# an invented event.
python3 "$SRCDIR/tests/bench/truth_change_value.py" "$work/a.truth" "$work/changed.truth"
tap_check "the comparison catches a byte count off by one" \
    bash -c '! python3 "$1" "$2" "$3" > /dev/null' _ "$TRUTH" "$work/changed.truth" "$work/a.json"
grep -v '"event":"auth"' "$work/a.json" > "$work/noauth.json"
tap_check "the comparison catches missing auth events" \
    bash -c '! python3 "$1" "$2" "$3" > /dev/null' _ "$TRUTH" "$work/a.truth" "$work/noauth.json"
grep -v '"event":"session"' "$work/a.truth" > "$work/nosession.truth"
tap_check "the comparison catches events the truth does not have" \
    bash -c '! python3 "$1" "$2" "$3" > /dev/null' _ "$TRUTH" "$work/nosession.truth" "$work/a.json"
tap_done
