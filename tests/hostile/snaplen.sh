#!/usr/bin/env bash
# Issue 12.2, live: real clients (python3 poplib, curl) talk to a private
# Dovecot on 127.0.0.1 while three tcpdumps record lo at once: whole
# packets, -s 96 and -s 68 (old tcpdump defaults; over loopback with TCP
# timestamps they leave 30 and 2 payload bytes). pop3scope's report of
# each cut capture is compared field by field with its report of the
# whole one (README "Cut lines"): nothing invented, and at -s 96 every
# login, verdict and session counter the visible bytes show. Needs root,
# dovecot, tcpdump, curl, python3; skips otherwise. Only loopback.
set -u
testlib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$testlib/lib.sh"
. "$testlib/dovecot-lib.sh"

dovecot_test_prereqs curl

work=$(mktemp -d /tmp/pop3scope-snap.XXXXXX) || exit 1
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill -INT "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    dovecot_cleanup
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if ! dovecot_start >"$work/dovecot-start.log" 2>&1; then
    echo "Bail out! could not start the private dovecot"
    tap_diag <"$work/dovecot-start.log"
    exit 1
fi
write_test_message "$work/m1" 1 3
write_test_message "$work/m2" 2 40
for u in alice bob carol; do
    deliver_message "$u" "$work/m1"
    deliver_message "$u" "$work/m2"
done

# One tcpdump per snaplen, as lo_capture_start starts one (and it must say
# it listens before the first client connects).
snap_start() { # NAME SNAPLEN (0: whole packets)
    local name=$1 snap=$2 tries=50
    tcpdump -i lo -U --immediate-mode -Z root -s "$snap" -w "$work/$name.pcap" \
        "tcp port 110" 2>"$work/$name.err" {DOVECOT_LOCK_FD}>&- &
    pids+=($!)
    until grep -q 'listening on' "$work/$name.err"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || { echo "Bail out! tcpdump -s $snap did not start"; cat "$work/$name.err"; exit 1; }
        sleep 0.1
    done
}
snap_start full 0
snap_start s96 96
snap_start s68 68

poplib() {
    timeout 20 python3 "$SRCDIR/tests/hostile/snaplen_clients.py" "$1" >>"$work/clients.txt" 2>>"$work/clients.err"
}
: >"$work/clients.txt"
poplib userpass
poplib wrong
poplib apop
timeout 20 curl -s -o "$work/curl.out" --login-options AUTH=PLAIN -u "carol:carol-pw" "pop3://127.0.0.1/2" \
    && echo "curl done" >>"$work/clients.txt"
sleep 0.5
for p in "${pids[@]}"; do
    kill -INT "$p" 2>/dev/null
    wait "$p" 2>/dev/null
done
pids=()

for n in full s96 s68; do
    timeout 60 "$POP3SCOPE" --json --show-passwords --no-ndpi "$work/$n.pcap" >"$work/$n.json" 2>"$work/$n.stderr"
    echo $? >"$work/$n.status"
done

PYTHONPATH="$testlib" timeout 60 python3 "$SRCDIR/tests/hostile/snaplen_check.py" "$work"
status=$?
if [ "$status" -ne 0 ]; then
    for n in full s96 s68; do
        cp "$work/$n.pcap" "$BUILDDIR/tests/snaplen-$n-failed.pcap" 2>/dev/null
    done
    echo "# captures kept as $BUILDDIR/tests/snaplen-*-failed.pcap"
fi
exit "$status"
