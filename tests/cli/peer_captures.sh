#!/usr/bin/env bash
# Runs pop3scope over the other analyzers' captures in ../shared/peer-captures
# and checks what their README says a correct analyzer reports.
set -u
. "$(dirname "$0")/../lib/lib.sh"
if ! peers=$(peer_capture_dir); then
    echo "# WARNING: ../shared/peer-captures is absent: peer capture checks SKIPPED" >&2
    tap_skip_all "../shared/peer-captures not found beside the project"
fi
exec python3 "$SRCDIR/tests/cli/peer_captures.py" "$POP3SCOPE" "$peers"
