#!/usr/bin/env bash
# Live end to end: real clients (python3 poplib, curl) talk to a private
# Dovecot on 127.0.0.1 (tests/lib/dovecot-lib.sh) while tcpdump records lo;
# then pop3scope reads the capture and its JSON events must say what the
# clients did: users, methods, outcomes, exposure, secrets, and per session
# the mailbox, RETR and DELE counters and how it ended. Each expectation is
# one TAP line. Needs root, dovecot, tcpdump, curl and python3; otherwise
# the whole test is skipped. Only loopback traffic.
set -u
testlib=$(cd "$(dirname "$0")/../lib" && pwd)

# One capture of a live exchange on a loaded 2-core CI machine once lost the
# tail of a session (seen once in ~10 runs, never reproduced). A failed
# round keeps its capture (tests/e2e_dovecot-failed.pcap) and its failures
# as diagnostics, and the test is run once more from scratch with a fresh
# Dovecot; the second round's result is the test's result.
if [ -z "${E2E_ROUND:-}" ]; then
    first=$(E2E_ROUND=1 bash "$0" "$@")
    st=$?
    if [ "$st" -eq 0 ] || printf '%s\n' "$first" | grep -q '^1\.\.0 # SKIP'; then
        printf '%s\n' "$first"
        exit "$st"
    fi
    printf '%s\n' "$first" | grep -E '^(not ok|# )' | sed 's/^/# first round: /' | cut -c1-400
    E2E_ROUND=2 exec bash "$0" "$@"
fi
. "$testlib/lib.sh"
. "$testlib/dovecot-lib.sh"

dovecot_test_prereqs curl

dovecot_test_workdir e2e

if ! dovecot_start >"$work/dovecot-start.log" 2>&1; then
    echo "Bail out! could not start the private dovecot (see below)"
    tap_diag <"$work/dovecot-start.log"
    exit 1
fi

# Mailboxes. Message N of a user is the N-th delivered. Sizes are
# recomputed by the checker from these files (LF -> CRLF, as Dovecot sends).
write_test_message "$work/m1" 1 3
write_test_message "$work/m2" 2 40
write_test_message "$work/m3" 3 12
deliver_message alice "$work/m1"
deliver_message alice "$work/m2"
deliver_message bob "$work/m3"
deliver_message carol "$work/m1"
deliver_message carol "$work/m3"

# Each client appends "NAME STATUS [PORT [EXTRA]]" to clients.txt; PORT (the
# client's TCP port) is how the checker finds that connection's events.
clients=$work/clients.txt
: >"$clients"

poplib_client() { # NAME PYTHON-CODE: p is the connection, pw() the password
    local name=$1 code=$2 out st
    out=$(timeout 20 python3 "$SRCDIR/tests/live/e2e_dovecot_poplib.py" "$code" 2>"$work/$name.err")
    st=$?
    echo "$name $st $out" >>"$clients"
}

curl_client() { # NAME CURL-ARGS...: prints the local port with -w
    local name=$1 out st
    shift
    out=$(timeout 20 curl -s -w '%{local_port}' -o "$work/$name.out" "$@" 2>"$work/$name.err")
    st=$?
    echo "$name $st $out" >>"$clients"
}

if ! lo_capture_start "$work/e2e.pcap"; then
    echo "Bail out! tcpdump could not capture on lo"
    exit 1
fi

# A: USER/PASS success, STAT, LIST, RETR 2, QUIT.
poplib_client userpass_alice '
p.user("alice"); p.pass_(pw("alice")); p.stat(); p.list(); p.retr(2); p.quit()'
# B: a wrong password, then the right one (with spaces) in the same session.
poplib_client wrong_then_right_bob '
p.user("bob")
try:
    p.pass_("not-bobs-password"); sys.exit("wrong password accepted")
except poplib.error_proto:
    pass
p.user("bob"); p.pass_(pw("bob")); p.stat(); p.quit()'
# C: SASL PLAIN (curl, continuation form), RETR 1.
curl_client plain_carol --login-options AUTH=PLAIN -u "carol:carol-pw" "pop3://127.0.0.1/1"
# D: USER/PASS, STAT, RETR 1, DELE 1, QUIT: one message deleted, committed.
poplib_client dele_alice '
p.user("alice"); p.pass_(pw("alice")); p.stat(); p.retr(1); p.dele(1); p.quit()'
# E: APOP; the greeting timestamp goes to the checker.
poplib_client apop_carol '
extra = p.timestamp.search(p.welcome).group(1).decode()
p.apop("carol", pw("carol")); p.stat(); p.quit()'
# F: implicit TLS on 995. G: STLS on 110. Nothing inside is readable.
curl_client pop3s_alice -k -u "alice:alice-secret-1" "pop3s://127.0.0.1/1"
curl_client stls_carol -k --ssl-reqd -u "carol:carol-pw" "pop3://127.0.0.1/"
# H: AUTH LOGIN with the user name as initial response (RFC 5034 §4).
curl_client login_ir_bob --sasl-ir --login-options AUTH=LOGIN -u "bob:bob pass with spaces" "pop3://127.0.0.1/"
# I: CRAM-MD5; the checker recomputes the digest from the crack line.
curl_client cram_alice --login-options AUTH=CRAM-MD5 -u "alice:alice-secret-1" "pop3://127.0.0.1/"
# J: a cancelled AUTH LOGIN, a wrong PLAIN password, then USER/PASS.
poplib_client cancel_carol '
for line, want in ((b"AUTH LOGIN", b"+ "), (b"Y2Fyb2w=", b"+ "), (b"*", b"-ERR"),
                   (b"AUTH PLAIN AGNhcm9sAHdyb25n", b"-ERR")):
    p._putline(line)
    if not p._getline()[0].startswith(want):
        sys.exit("unexpected reply to %r" % line)
p.user("carol"); p.pass_(pw("carol")); p.quit()'

lo_capture_stop

timeout 60 "$POP3SCOPE" --json --show-passwords "$work/e2e.pcap" \
    >"$work/events.json" 2>"$work/pop3scope.err"
scope_status=$?

PYTHONPATH="$testlib" timeout 60 python3 "$SRCDIR/tests/live/e2e_dovecot_check.py" "$work" "$clients" "$LO_CAPTURE_PACKETS" "$scope_status"
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
    echo "Bail out! the checker itself failed (status $status)"
fi
if [ "$status" -ne 0 ]; then
    # Keep the evidence: the capture outlives the temporary directory.
    cp "$work/e2e.pcap" "$BUILDDIR/tests/e2e_dovecot-failed.pcap" 2>/dev/null &&
        echo "# capture kept as $BUILDDIR/tests/e2e_dovecot-failed.pcap (tcpdump: ${LO_CAPTURE_DROPS:-0} packets dropped by kernel)"
fi
exit "$status"
