#!/usr/bin/env bash
# --report in a live capture (README "Report"): pop3scope -i lo (root,
# giving up root to nobody) sees a login on a loopback POP3 server
# (tests/live/report_live_pop3.py), and when SIGINT stops it the page is
# put in place with the accounts, the server, the run's alerts and the
# mail picture of what crossed lo. When the directory is writable only by
# root, the rename fails after root was given up: exit 3, and the whole
# page stays in the temporary file stderr names.
set -u
. "$(dirname "$0")/../lib/lib.sh"

[ "$(id -u)" = 0 ] || tap_skip_all "the live test needs root (capture on lo)"
id nobody > /dev/null 2>&1 || tap_skip_all "the live test needs the user nobody"
[ -x /usr/bin/python3 ] || tap_skip_all "python3 missing (Debian package python3)"
work=$(mktemp -d /tmp/pop3scope-report-live.XXXXXX) || exit 1
scope_pid=
trap '[ -n "$scope_pid" ] && kill "$scope_pid" 2> /dev/null; rm -rf "$work"' EXIT
chmod 755 "$work"
install -d -o nobody -m 700 "$work/out"
mkdir -m 755 "$work/rootonly"
port=$((20000 + $$ % 20000))

# live_run REPORT: captures one login on lo, stops pop3scope with SIGINT;
# its exit status in $st, stderr in $work/err.
live_run() {
    "$POP3SCOPE" -i lo -f "tcp port $port" --json -o "$work/events.json" --report "$1" 2> "$work/err" &
    scope_pid=$!
    for _ in $(seq 100); do
        grep -qs 'listening on lo' "$work/err" && break
        kill -0 "$scope_pid" 2> /dev/null || break
        sleep 0.1
    done
    timeout 20 /usr/bin/python3 "$SRCDIR/tests/live/report_live_pop3.py" "$port"
    sleep 1
    kill -INT "$scope_pid"
    wait "$scope_pid"
    st=$?
    scope_pid=
}

tap_plan 4

live_run "$work/out/live.html"
tap_check "stopped by SIGINT: exit 0 and the page is in place, mode 0600" \
    eval '[ $st -eq 0 ] && [ "$(stat -c %a "$work/out/live.html" 2> /dev/null)" = 600 ]'
if out=$(/usr/bin/python3 "$SRCDIR/tests/cli/report_check.py" "$work/out/live.html" --json "$work/events.json" \
    --svg --account alice=cleartext --account '<b>mallory</b>=cleartext' --server "127.0.0.1:$port" \
    --alert cleartext_credentials --text "live test server ready" --no-text alice-live-pw 2>&1); then
    tap_ok "the page holds the live login, server, the run's alerts and mail picture, as the events say"
else
    tap_not_ok "the page holds the live login"
    { echo "$out"; cat "$work/err"; } | tap_diag
fi

port=$((port + 1))
live_run "$work/rootonly/live.html"
temp=$(sed -n 's/.*the page is in \([^ ]*\) .*/\1/p' "$work/err")
tap_check "a directory nobody cannot write: exit 3, stderr names the temporary file" \
    eval '[ $st -eq 3 ] && [ ! -e "$work/rootonly/live.html" ] && [ -n "$temp" ]'
tap_check "which holds the whole page" eval 'grep -q "</html>" "$temp" && grep -q alice "$temp"'

tap_done
