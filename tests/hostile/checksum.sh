#!/usr/bin/env bash
# Checksum validation (README "Hostile input"), on a real capture: a private
# dovecot on lo, python's poplib logging in as bob, tcpdump.
#  - The capture as taken: on lo Linux never fills TCP checksums in (every
#    segment of both sides carries the pseudo-header sum: checksum offload).
#    --checksum-validation auto still reports the login, and says it took
#    both directions for offload; yes drops every segment (nothing left).
#  - The same capture with every checksum made right (a wire tap's view),
#    plus, just before `USER bob`, a forged RST and a forged first copy
#    `USER eve`, both in the window, both with a wrong TCP checksum
#    (tests/lib/tools/checksum-rewrite.py; tests/hostile/checksum_kernel.sh shows a real
#    Linux receiver drops both). auto and yes report bob's login, never eve,
#    the session carries bad_checksum, stderr counts 2 dropped; --threads 2
#    gives the same output; with validation off the forged RST ends the
#    session before any login (what the feature prevents).
set -u
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/dovecot-lib.sh
. "$SRCDIR/tests/lib/dovecot-lib.sh"

why=$(dovecot_missing_prereqs)
[ -z "$why" ] || tap_skip_all "needs: $why"
/usr/bin/python3 -c 'import scapy' 2>/dev/null || tap_skip_all "needs python3-scapy (/usr/bin/python3)"

dovecot_test_workdir checksum

tap_plan 15

if ! dovecot_start >"$work/dovecot-start.log" 2>&1; then
    echo "Bail out! could not start the private dovecot"
    tap_diag <"$work/dovecot-start.log"
    exit 1
fi
if ! lo_capture_start "$work/lo.pcap"; then
    echo "Bail out! tcpdump could not capture on lo"
    exit 1
fi
timeout 20 python3 "$SRCDIR/tests/hostile/checksum_login.py" >"$work/client.log" 2>&1
client_st=$?
lo_capture_stop
tap_check "poplib logged in as bob on the private dovecot (capture: $LO_CAPTURE_PACKETS packets)" \
    eval '[ $client_st -eq 0 ] && [ "$LO_CAPTURE_PACKETS" -gt 8 ]'

# scope NAME ARGS...: pop3scope --json on ARGS, out to NAME.json, NAME.err.
scope() {
    local name=$1
    shift
    "$POP3SCOPE" --json -p "$@" >"$work/$name.json" 2>"$work/$name.err"
}

# check FILE EXPR: one python expression over the events of FILE (list ev,
# auths, sessions) must hold.
check() {
    /usr/bin/python3 "$SRCDIR/tests/hostile/checksum_events.py" "$1" "$2"
}

scope lo-auto "$work/lo.pcap"
tap_check "lo capture (offloaded checksums), auto: bob's login reported, nothing dropped" \
    eval 'check "$work/lo-auto.json" "len(bob_in) == 1 and len(sessions) == 1 and \"bad_checksum\" not in sessions[0][\"anomalies\"]"'
tap_check "... stderr silent: offload alone changes nothing worth a line" \
    eval '[ ! -s "$work/lo-auto.err" ]'
scope lo-yes --checksum-validation yes "$work/lo.pcap"
tap_check "lo capture, --checksum-validation yes: every segment dropped, no session at all" \
    eval 'check "$work/lo-yes.json" "not auths and not sessions" && grep -q "checksums: [1-9][0-9]* segments dropped" "$work/lo-yes.err"'

if ! /usr/bin/python3 "$SRCDIR/tests/lib/tools/checksum-rewrite.py" "$work/lo.pcap" "$work/wire.pcap" "$work/attack.pcap" "$work/eve.pcap" \
    2>"$work/rewrite.err"; then
    echo "Bail out! checksum-rewrite.py failed"
    tap_diag <"$work/rewrite.err"
    exit 1
fi
scope wire-yes --checksum-validation yes "$work/wire.pcap"
tap_check "checksums made right, yes: bob's login, nothing dropped, stderr silent" \
    eval 'check "$work/wire-yes.json" "len(bob_in) == 1" && [ ! -s "$work/wire-yes.err" ]'
tap_check "tshark agrees: the forged copies are the only segments with a bad checksum" \
    eval '[ "$(tshark -o tcp.check_checksum:TRUE -r "$work/attack.pcap" -Y "tcp.checksum.status == 0" 2>/dev/null | wc -l)" -eq 2 ]'

for mode in auto yes; do
    scope "attack-$mode" --checksum-validation "$mode" "$work/attack.pcap"
    tap_check "forged RST + USER eve, $mode: bob's login reported, eve never, session ends by QUIT with bad_checksum" \
        eval 'check "$work/attack-$mode.json" "len(bob_in) == 1 and not [a for a in auths if a[\"user\"] == \"eve\"] and len(sessions) == 1 and sessions[0][\"end\"] == \"quit\" and sessions[0][\"user\"] == \"bob\" and \"bad_checksum\" in sessions[0][\"anomalies\"]"'
    tap_check "... stderr counts the 2 dropped segments" \
        grep -q "checksums: 2 segments dropped as wrong" "$work/attack-$mode.err"
done
scope attack-threads --threads 2 "$work/attack.pcap"
tap_check "forged copies, --threads 2: the same output as one thread" cmp -s "$work/attack-auto.json" "$work/attack-threads.json"
POP3SCOPE_LIBPCAP_READER=1 scope attack-libpcap --threads 2 "$work/attack.pcap"
tap_check "... and through libpcap (segments judged by the reader thread)" cmp -s "$work/attack-auto.json" "$work/attack-libpcap.json"
scope attack-no --checksum-validation no "$work/attack.pcap"
tap_check "validation off: the forged RST ends the session before any login (what auto prevents)" \
    eval 'check "$work/attack-no.json" "not bob_in and len(sessions) == 1 and sessions[0][\"end\"] == \"rst\""'
scope eve-no --checksum-validation no "$work/eve.pcap"
scope eve-auto "$work/eve.pcap"
tap_check "forged USER eve alone: validation off reports eve's login (the first copy won), auto reports bob's" \
    eval 'check "$work/eve-no.json" "[a for a in auths if a[\"user\"] == \"eve\"] and not bob_in" && check "$work/eve-auto.json" "len(bob_in) == 1 and auths[0][\"user\"] == \"bob\""'
tap_check "--checksum-validation maybe: refused, exit 1" \
    eval '"$POP3SCOPE" --checksum-validation maybe "$work/wire.pcap" >/dev/null 2>&1; [ $? -eq 1 ]'
tap_done
