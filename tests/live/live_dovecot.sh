#!/usr/bin/env bash
# Live monitoring end to end (README "Live monitoring"): pop3scope captures
# on lo while real clients log in to a private dovecot. Events and alerts
# must reach the output file while pop3scope is still running; SIGUSR1
# writes a stats event, SIGHUP reopens a rotated file, and SIGTERM ends the
# session still open with "end": "shutdown", writes the last stats event
# and exits 0. Root only (capture, dovecot, dropping to nobody).
set -u
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/dovecot-lib.sh
. "$SRCDIR/tests/lib/dovecot-lib.sh"

why=$(dovecot_missing_prereqs)
[ -z "$why" ] || tap_skip_all "the live test needs: $why"
command -v python3 >/dev/null 2>&1 || tap_skip_all "the live test needs python3"
id nobody >/dev/null 2>&1 || tap_skip_all "the live test needs the user nobody"

WAIT=${LIVE_WAIT:-20} # seconds for an event to show up
work=$(mktemp -d /tmp/pop3scope-live.XXXXXX) || exit 1
# pop3scope runs as nobody once capturing: SIGHUP makes it create the new
# file itself, so the log directory is nobody's (as it would be on a sensor).
logs=$work/logs
chmod 711 "$work"
mkdir -p "$logs"
chown nobody "$logs"
chmod 700 "$logs"
events=$logs/events.json
scope_pid=
holder_pid=

cleanup() {
    [ -n "$scope_pid" ] && kill "$scope_pid" 2>/dev/null
    [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null
    touch "$work/release" 2>/dev/null
    dovecot_cleanup
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

tap_plan 25

if ! dovecot_start >"$work/dovecot-start.log" 2>&1; then
    echo "Bail out! could not start the private dovecot"
    tap_diag <"$work/dovecot-start.log"
    exit 1
fi

# count FILE PYTHON-EXPR: how many JSON events e in FILE make EXPR true.
count() { python3 "$SRCDIR/tests/live/live_dovecot_count.py" "$1" "$2"; }

# wait_count FILE N EXPR: until N events match, while pop3scope runs.
wait_count() {
    local file=$1 want=$2 expr=$3 tries=$((WAIT * 10))
    while [ "$tries" -gt 0 ]; do
        [ "$(count "$file" "$expr")" -ge "$want" ] && return 0
        kill -0 "$scope_pid" 2>/dev/null || return 1
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

running() { kill -0 "$scope_pid" 2>/dev/null; }

# A POP3 client: `login USER PASSWORD [hold]` prints its local port, exits
# 0 on success, 3 when the server refuses the password; with `hold` it
# stays logged in until $work/release exists, then drops the connection.
# The held-open client gets longer: under load its 20 s ran out (FIN)
# before the test reached SIGTERM, so carol's session ended with "fin".
client() { timeout "${CLIENT_TIMEOUT:-20}" python3 "$SRCDIR/tests/live/live_dovecot_client.py" "$@" 2>>"$work/clients.err"; }

# Thresholds low enough for a test: three failures on one account within a
# minute is brute force; a success after three failures is a guess.
"$POP3SCOPE" -i lo -f 'tcp port 110' --json -o "$events" \
    --alert-account-failures 3 --alert-guess-failures 3 --alert-window 60 \
    2>"$work/scope.err" {DOVECOT_LOCK_FD}>&- &
scope_pid=$!

tries=$((WAIT * 10))
until grep -qs 'listening on lo' "$work/scope.err" || [ "$tries" -le 0 ] || ! running; do
    sleep 0.1
    tries=$((tries - 1))
done
tap_check "pop3scope -i lo says it is listening" grep -q 'listening on lo' "$work/scope.err"

nobody_uid=$(id -u nobody)
scope_uid=$(awk '/^Uid:/ { print $2 " " $3 " " $4 " " $5 }' "/proc/$scope_pid/status" 2>/dev/null)
tap_check "after opening lo it runs as nobody (real, effective, saved uid)" \
    [ "$scope_uid" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ]
zero=0000000000000000
scope_caps=$(awk '$1 ~ /^(CapInh|CapPrm|CapEff|CapBnd|NoNewPrivs):$/ { printf "%s%s ", $1, $2 }' "/proc/$scope_pid/status" 2>/dev/null)
tap_check "and holds no capability, an empty bounding set and no_new_privs" \
    [ "$scope_caps" = "CapInh:$zero CapPrm:$zero CapEff:$zero CapBnd:$zero NoNewPrivs:1 " ]
tap_check "the output file was created mode 0600" [ "$(stat -c %a "$events" 2>/dev/null)" = 600 ]

alice_port=$(client alice alice-secret-1)
tap_check "a successful login is written while pop3scope runs" \
    wait_count "$events" 1 "e['event'] == 'auth' and e['user'] == 'alice' and e['outcome'] == 'success' and e['src_port'] == $alice_port"
tap_check "its cleartext_credentials alert follows" \
    wait_count "$events" 1 "e['event'] == 'alert' and e['kind'] == 'cleartext_credentials' and e['user'] == 'alice'"

client bob wrong-1 >/dev/null
client bob wrong-2 >/dev/null
tap_check "two failures on bob: written, and no brute force alert yet" \
    eval 'wait_count "$events" 2 "e[\"event\"] == \"auth\" and e[\"user\"] == \"bob\" and e[\"outcome\"] == \"failure\"" &&
          [ "$(count "$events" "e[\"event\"] == \"alert\" and e[\"kind\"] == \"brute_force_account\"")" -eq 0 ]'
client bob wrong-3 >/dev/null
tap_check "the third failure fires brute_force_account for bob while pop3scope runs" \
    wait_count "$events" 1 "e['event'] == 'alert' and e['kind'] == 'brute_force_account' and e['user'] == 'bob' and e['count'] == 3 and e['threshold'] == 3 and e['window'] == 60"
tap_check "the alert line comes right after the third failure's auth line" \
    python3 "$SRCDIR/tests/live/live_dovecot_alert_order.py" "$events"

client bob "bob pass with spaces" >/dev/null
tap_check "bob's success right after the burst fires guessed_password" \
    wait_count "$events" 1 "e['event'] == 'alert' and e['kind'] == 'guessed_password' and e['user'] == 'bob' and e['count'] == 3"

# carol logs in and stays: her session is open when pop3scope stops.
CLIENT_TIMEOUT=180 client carol carol-pw "$work/release" >"$work/holder.port" &
holder_pid=$!
tap_check "a held-open login (carol) is reported before its session ends" \
    wait_count "$events" 1 "e['event'] == 'auth' and e['user'] == 'carol' and e['outcome'] == 'success'"
holder_port=$(cat "$work/holder.port")

before=$(count "$events" "e['event'] == 'stats'")
kill -USR1 "$scope_pid"
tap_check "SIGUSR1 writes a stats event that saw the traffic" \
    wait_count "$events" $((before + 1)) "e['event'] == 'stats' and e['packets'] > 20 and e['sessions_active'] >= 1 and e['memory_sessions'] > 0 and e['events_written'] >= 8"
tap_check "pop3scope is still running after SIGUSR1" running

# Log rotation: the file is moved away, SIGHUP, the next event goes to a
# new file at the same path.
mv "$events" "$events.1"
kill -HUP "$scope_pid"
sleep 0.5
rotated_port=$(client alice alice-secret-1)
tap_check "after SIGHUP the next login goes to a new file at the old path" \
    wait_count "$events" 1 "e['event'] == 'auth' and e['src_port'] == $rotated_port"
tap_check "the new file is mode 0600 too" [ "$(stat -c %a "$events" 2>/dev/null)" = 600 ]
tap_check "nothing after the rotation went to the moved file" \
    [ "$(count "$events.1" "e.get('src_port') == $rotated_port")" -eq 0 ]

# Alerts on files are opt-in; a live run writes them without --alerts.
tap_check "no stderr complaint so far" eval '! grep -v -e "listening on" -e "running as user" "$work/scope.err" | grep -q .'

kill -TERM "$scope_pid"
tries=$((WAIT * 10))
while running && [ "$tries" -gt 0 ]; do
    sleep 0.1
    tries=$((tries - 1))
done
if running; then
    tap_not_ok "SIGTERM stops pop3scope"
    kill -9 "$scope_pid"
    wait "$scope_pid" 2>/dev/null
    scope_status=137
else
    wait "$scope_pid"
    scope_status=$?
    tap_ok "SIGTERM stops pop3scope"
fi
scope_pid=
tap_check "it exits 0" [ "$scope_status" -eq 0 ]
touch "$work/release"
wait "$holder_pid" 2>/dev/null
holder_pid=

all=$work/all.json
cat "$events.1" "$events" >"$all"
tap_check "carol's open session was ended with end: shutdown" \
    [ "$(count "$all" "e['event'] == 'session' and e['src_port'] == $holder_port and e['end'] == 'shutdown' and e['user'] == 'carol'")" -eq 1 ]
tap_check "the sessions that quit ended with end: quit" \
    [ "$(count "$all" "e['event'] == 'session' and e['end'] == 'quit'")" -eq 6 ]
tap_check "the last line is the final stats event" \
    python3 -c 'import json,sys; e=json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if e["event"] == "stats" and e["sessions_active"] == 0 else 1)' "$events"
tap_check "every line of both files is JSON with a known event type" \
    python3 -c 'import json,sys; sys.exit(0 if all(json.loads(l)["event"] in ("auth","session","alert","stats","app_summary") for l in open(sys.argv[1])) else 1)' "$all"
tap_check "exactly one brute force, one guessed, and one cleartext alert per account" \
    eval '[ "$(count "$all" "e[\"event\"] == \"alert\" and e[\"kind\"] == \"brute_force_account\"")" -eq 1 ] &&
          [ "$(count "$all" "e[\"event\"] == \"alert\" and e[\"kind\"] == \"guessed_password\"")" -eq 1 ] &&
          [ "$(count "$all" "e[\"event\"] == \"alert\" and e[\"kind\"] == \"cleartext_credentials\"")" -eq 3 ]'
tap_check "the kernel dropped nothing" \
    python3 -c 'import json,sys; e=json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if e["kernel_drops"] == 0 and e["kernel_received"] > 0 else 1)' "$events"

if ! tap_done; then
    echo "# pop3scope stderr:"
    tap_diag <"$work/scope.err"
    echo "# events:"
    cut -c1-300 "$all" | tap_diag
    tap_diag <"$work/clients.err"
fi
tap_done
