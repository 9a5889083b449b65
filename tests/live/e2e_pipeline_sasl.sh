#!/usr/bin/env bash
# Live, against a private Dovecot on 127.0.0.1 (tests/lib/dovecot-lib.sh),
# captured by tcpdump on lo:
# - issue 12.1: a raw-socket client logs in with each SASL mechanism
#   Dovecot offers, with an initial response, with every answer sent before
#   any prompt, and waiting for each prompt, and pipelines STAT, UIDL,
#   RETR 1, DELE 1, TOP 2 1, QUIT in the same segment as its last SASL
#   line. Every session counter pop3scope reports must be what Dovecot's
#   own replies say (the client pairs them itself: it knows what it sent).
# - issue 13.1: "NOOP\rNOOP" before each of 12 wrong passwords, then the
#   right one. The report must match what Dovecot answered and logged (12
#   password mismatches, one login), and --alerts must fire brute force
#   and guessed password.
# Needs root, dovecot, tcpdump, python3; skips otherwise. Only loopback.
set -u
testlib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$testlib/lib.sh"
. "$testlib/dovecot-lib.sh"

dovecot_test_prereqs

dovecot_test_workdir pipe

DOVECOT_AUTH_MECHS="$DOVECOT_DEFAULT_MECHS $DOVECOT_EXTRA_MECHS"
DOVECOT_OAUTH2=1
if ! dovecot_start >"$work/dovecot-start.log" 2>&1; then
    echo "Bail out! could not start the private dovecot"
    tap_diag <"$work/dovecot-start.log"
    exit 1
fi
write_test_message "$work/m1" 1 3
write_test_message "$work/m2" 2 25
TOKEN=$(dovecot_oauth2_token alice 3600) || { echo "Bail out! no OAuth token"; exit 1; }
export TOKEN

# Every mechanism of DOVECOT_DEFAULT_MECHS and DOVECOT_EXTRA_MECHS but
# APOP (not SASL), in each way its client side allows.
specs=(PLAIN:ir PLAIN:ahead PLAIN:wait LOGIN:ir LOGIN:ahead LOGIN:wait CRAM-MD5:wait DIGEST-MD5:wait
    SCRAM-SHA-1:ir SCRAM-SHA-1:wait SCRAM-SHA-256:ir SCRAM-SHA-256:wait ANONYMOUS:ir ANONYMOUS:ahead
    XOAUTH2:ir XOAUTH2:ahead OAUTHBEARER:ir OAUTHBEARER:wait PLAIN-WRONG:ir PLAIN-WRONG:ahead)

lo_capture_start "$work/pipeline.pcap" || { echo "Bail out! tcpdump could not capture on lo"; exit 1; }
: >"$work/clients.json"
# Each client its own source port, below the kernel's ephemeral range, so
# that no two connections of the capture share one (the checks pick a
# connection's events by it).
src_port=$((20000 + RANDOM % 5000 * 2))
for spec in "${specs[@]}"; do
    # Two messages each time: DELE 1 and QUIT commit a deletion.
    dovecot_reset_mailbox alice
    deliver_message alice "$work/m1"
    deliver_message alice "$work/m2"
    src_port=$((src_port + 1))
    RAW_POP3_SRC_PORT=$src_port timeout 20 python3 "$testlib/raw_pop3.py" pipeline "$spec" >>"$work/clients.json" 2>>"$work/clients.err" ||
        echo "{\"spec\": \"$spec\", \"failed\": true}" >>"$work/clients.json"
done
lo_capture_stop

log_before=$(wc -l <"$DOVECOT_LOG")
lo_capture_start "$work/barecr.pcap" || { echo "Bail out! tcpdump could not capture on lo"; exit 1; }
timeout 30 python3 "$testlib/raw_pop3.py" barecr >"$work/barecr.json" 2>"$work/barecr.err"
lo_capture_stop
sleep 0.5
tail -n +"$((log_before + 1))" "$DOVECOT_LOG" >"$work/barecr.log"

timeout 60 "$POP3SCOPE" --json --show-passwords "$work/pipeline.pcap" >"$work/pipeline.events" 2>"$work/p.err"
st1=$?
timeout 60 "$POP3SCOPE" --json --show-passwords --alerts "$work/barecr.pcap" >"$work/barecr.events" 2>"$work/b.err"
st2=$?

PYTHONPATH="$testlib" timeout 60 python3 "$SRCDIR/tests/live/e2e_pipeline_sasl_check.py" "$work" "$st1" "$st2"
status=$?
if [ "$status" -ne 0 ]; then
    cp "$work/pipeline.pcap" "$BUILDDIR/tests/e2e_pipeline_sasl-failed.pcap" 2>/dev/null
    cp "$work/barecr.pcap" "$BUILDDIR/tests/e2e_pipeline_sasl-barecr-failed.pcap" 2>/dev/null
    tap_diag <"$work/clients.err"
    echo "# captures kept as $BUILDDIR/tests/e2e_pipeline_sasl-*failed.pcap"
fi
exit "$status"
