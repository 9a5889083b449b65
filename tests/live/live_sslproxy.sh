#!/usr/bin/env bash
# Live: issues 12.3 and 13.7 against a real Dovecot on loopback.
#  1. SSLproxy divert (tests/lib/sslproxy_relay.py): python3 poplib and curl
#     reach Dovecot through a relay that prepends SSLproxy's header line;
#     tcpdump records only the mirror port (not a POP3 port). pop3scope
#     must recognise POP3 there, report the header's endpoints in "proxy"
#     and judge exposure on the original (TLS) wire: none.
#  2. A forged header sent by an ordinary client straight to Dovecot, on
#     110 and on a second port (found by the probe, where the header may be
#     honoured), then a login that fails: Dovecot answers the header -ERR;
#     no proxy record, and the failure stays a failure.
#  3. Secrets Dovecot refuses (issue 13.7): XOAUTH2 without ^A, PLAIN and
#     LOGIN answers that are base64 plus junk. Nothing secret in "user".
# One TAP line per expectation. Needs root, dovecot, tcpdump, curl, python3.
set -u
testlib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$testlib/lib.sh"
. "$testlib/dovecot-lib.sh"

dovecot_test_prereqs curl

PROXY_PORT=10995
MIRROR_PORT=18110
ALT_PORT=11110
work=$(mktemp -d /tmp/pop3scope-sslproxy.XXXXXX) || exit 1
relay_pid=
cleanup() {
    lo_capture_stop
    [ -z "$relay_pid" ] || kill "$relay_pid" 2>/dev/null
    dovecot_cleanup
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

export DOVECOT_OAUTH2=1
DOVECOT_AUTH_MECHS="plain login xoauth2"
DOVECOT_POP3_ALT_PORT=$ALT_PORT
if ! dovecot_start >"$work/dovecot-start.log" 2>&1; then
    echo "Bail out! could not start the private dovecot (see below)"
    tap_diag <"$work/dovecot-start.log"
    exit 1
fi
for p in "$PROXY_PORT" "$MIRROR_PORT"; do
    if port_in_use "$p"; then
        echo "Bail out! port $p is in use"
        exit 1
    fi
done
python3 "$testlib/sslproxy_relay.py" "$PROXY_PORT" "$MIRROR_PORT" 110 s 2>"$work/relay.err" &
relay_pid=$!
wait_port "$PROXY_PORT" && wait_port "$MIRROR_PORT" || { echo "Bail out! relay did not start"; exit 1; }

# ---- 1. through the relay, recorded on the mirror port only
LO_CAPTURE_FILTER="tcp port $MIRROR_PORT"
lo_capture_start "$work/proxy.pcap" || { echo "Bail out! tcpdump"; exit 1; }
timeout 20 python3 "$SRCDIR/tests/live/live_sslproxy_poplib.py" "$PROXY_PORT" 2>>"$work/clients.err"
timeout 20 curl -s --user 'carol:carol-pw' "pop3://127.0.0.1:$PROXY_PORT/" >/dev/null 2>>"$work/clients.err"
lo_capture_stop

# ---- 2 and 3. straight to Dovecot on 110
LO_CAPTURE_FILTER="tcp port 110 or tcp port $ALT_PORT"
lo_capture_start "$work/direct.pcap" || { echo "Bail out! tcpdump"; exit 1; }
token=$(dovecot_oauth2_token alice)
TOKEN="$token" timeout 30 python3 "$SRCDIR/tests/live/live_sslproxy_direct.py" "$ALT_PORT" 2>>"$work/clients.err"
lo_capture_stop
[ -z "${KEEP_PCAPS:-}" ] || cp "$work"/*.pcap "$KEEP_PCAPS"/

timeout 60 "$POP3SCOPE" --json --show-passwords "$work/proxy.pcap" >"$work/proxy.json" 2>"$work/proxy.err"
st1=$?
timeout 60 "$POP3SCOPE" --json --show-passwords "$work/direct.pcap" >"$work/direct.json" 2>"$work/direct.err"
st2=$?
# --threads hands events over by copy: the proxy object must survive it.
timeout 60 "$POP3SCOPE" --threads 2 --json --show-passwords "$work/proxy.pcap" >"$work/proxy-threads.json" 2>"$work/proxy-threads.err"
cmp -s "$work/proxy.json" "$work/proxy-threads.json"
st3=$?

ALT_PORT=$ALT_PORT TOKEN="$token" python3 "$SRCDIR/tests/live/live_sslproxy_check.py" "$work" "$st1" "$st2" "$MIRROR_PORT" "$st3"
