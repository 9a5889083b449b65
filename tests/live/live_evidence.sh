#!/usr/bin/env bash
# Evidence, live (README "Events", command_frame): pop3scope -i lo and a
# tcpdump capture of the same port watch real logins to a private dovecot.
# Live, an auth event's frame numbers count the packets pop3scope received
# since it started; with the same filter, started before any of that
# traffic, tcpdump's file numbers the same packets the same way, so tshark's
# frame N of that file must hold the command and frame M the verdict
# (tests/cli/evidence_tshark.py --live), and capture_file is null. Neither
# may have dropped a packet. Root only (capture, dovecot).
set -u
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/dovecot-lib.sh
. "$SRCDIR/tests/lib/dovecot-lib.sh"

why=$(dovecot_missing_prereqs)
[ -z "$why" ] || tap_skip_all "the live test needs: $why"
for tool in python3 tcpdump tshark editcap mergecap; do
    command -v "$tool" >/dev/null 2>&1 || tap_skip_all "the live test needs $tool (Debian packages python3, tcpdump, tshark)"
done
id nobody >/dev/null 2>&1 || tap_skip_all "the live test needs the user nobody"

WAIT=${LIVE_WAIT:-20} # seconds for the events to show up
work=$(mktemp -d /tmp/pop3scope-evidence.XXXXXX) || exit 1
events=$work/events.json
scope_pid=

cleanup() {
    [ -n "$scope_pid" ] && kill "$scope_pid" 2>/dev/null
    lo_capture_stop
    dovecot_cleanup
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

tap_plan 6

if ! dovecot_start >"$work/dovecot-start.log" 2>&1; then
    echo "Bail out! could not start the private dovecot"
    tap_diag <"$work/dovecot-start.log"
    exit 1
fi

# The dovecot lock is held: nothing else talks on this port meanwhile, so
# both captures see exactly the clients below, from their first packet.
filter="tcp port $DOVECOT_POP3_PORT"
LO_CAPTURE_FILTER=$filter
if ! lo_capture_start "$work/tcpdump.pcap" 2>"$work/tcpdump-start.log"; then
    echo "Bail out! tcpdump did not start"
    tap_diag <"$work/tcpdump-start.log"
    exit 1
fi
"$POP3SCOPE" -i lo -f "$filter" --json >"$events" 2>"$work/scope.err" {DOVECOT_LOCK_FD}>&- &
scope_pid=$!
running() { kill -0 "$scope_pid" 2>/dev/null; }
tries=$((WAIT * 10))
until grep -qs 'listening on lo' "$work/scope.err" || [ "$tries" -le 0 ] || ! running; do
    sleep 0.1
    tries=$((tries - 1))
done
tap_check "pop3scope -i lo says it is listening" grep -q 'listening on lo' "$work/scope.err"

# Three connections: the numbers must run on across them.
client() { timeout 20 python3 "$SRCDIR/tests/live/live_dovecot_client.py" "$@" >/dev/null 2>>"$work/clients.err"; }
client alice alice-secret-1
client bob wrong-1
client bob "bob pass with spaces"

auths() { grep -c '"event":"auth"' "$events" 2>/dev/null; }
tries=$((WAIT * 10))
until [ "$(auths)" -ge 3 ] || [ "$tries" -le 0 ] || ! running; do
    sleep 0.1
    tries=$((tries - 1))
done
tap_check "three auth events written while pop3scope runs" [ "$(auths)" -ge 3 ]

sleep 0.5 # the last FIN/ACKs reach both captures
kill -TERM "$scope_pid"
tries=$((WAIT * 10))
while running && [ "$tries" -gt 0 ]; do
    sleep 0.1
    tries=$((tries - 1))
done
running && kill -9 "$scope_pid"
wait "$scope_pid"
scope_status=$?
scope_pid=
lo_capture_stop
tap_check "pop3scope exits 0 on SIGTERM" [ "$scope_status" -eq 0 ]
tap_check "tcpdump dropped nothing (${LO_CAPTURE_DROPS:-?} dropped, $LO_CAPTURE_PACKETS packets)" \
    [ "${LO_CAPTURE_DROPS:-1}" = 0 ]
tap_check "pop3scope's kernel dropped nothing" \
    python3 -c 'import json,sys; e=json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if e["event"] == "stats" and e["kernel_drops"] == 0 and e["kernel_received"] > 0 else 1)' "$events"

python3 "$SRCDIR/tests/cli/evidence_tshark.py" --live "$events" "$work/tcpdump.pcap" >"$work/check.tap" 2>&1
check_status=$?
tap_check "every command_frame and reply_frame is tshark's frame of tcpdump's capture (packets since start)" \
    eval '[ "$check_status" -eq 0 ] && grep -q "^ok" "$work/check.tap"'

if ! tap_done; then
    tap_diag <"$work/check.tap"
    echo "# pop3scope stderr:"
    tap_diag <"$work/scope.err"
    echo "# events:"
    cut -c1-300 "$events" | tap_diag
    tap_diag <"$work/clients.err" 2>/dev/null
fi
tap_done
