#!/usr/bin/env bash
# Damaged captures (README "Damaged and partial captures"): every sample and
# every peer capture is re-cut, reordered, duplicated, stripped of its
# handshake, cut at a snaplen, reduced to one direction and has segments
# dropped, by tests/lib/tools/pcap-degrade; tests/hostile/degrade_check.py compares
# pop3scope's events for each damaged copy with those for the original.
set -u
. "$(dirname "$0")/../lib/lib.sh"

degrade=$BUILDDIR/tests/lib/tools/pcap-degrade
[ -x "$degrade" ] || tap_skip_all "tests/lib/tools/pcap-degrade not built (make check builds it)"
command -v python3 > /dev/null || tap_skip_all "python3 not installed"

peer_capture_dir > /dev/null ||
    echo "# WARNING: ../shared/peer-captures not found: peer captures not damaged" >&2
mapfile -t existing < <(capture_list samples peer)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Under the sanitizers every run is several times slower: fewer drops.
drop_max=60
[ "${SANITIZERS:-no}" = yes ] && drop_max=15
python3 "$SRCDIR/tests/hostile/degrade_check.py" --pop3scope "$POP3SCOPE" --degrade "$degrade" --work "$work" \
    --jobs "${DEGRADE_JOBS:-2}" --drop-max "$drop_max" "${existing[@]}"
