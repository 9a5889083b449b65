#!/usr/bin/env bash
# The syslog plugin (plugins/syslog.c) against a real rsyslogd that this
# test starts on loopback with its own configuration (UDP, TCP with RFC 6587
# octet counting, a unix socket), reading back what rsyslog parsed: one
# RFC 5424 message per event, facility and app-name as asked, the SD
# element naming the event, the JSON line intact as MSG.
set -u
. "$(dirname "$0")/../lib/lib.sh"

sample=$SRCDIR/samples/userpass.pcap
module=$BUILDDIR/plugins/syslog.so
rsyslogd=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$rsyslogd" ] || tap_skip_all "rsyslogd not installed (Debian package rsyslog)"
[ -f "$module" ] || tap_skip_all "plugins/syslog.so not built"
work=$(mktemp -d)
chmod 0700 "$work"
rs_pid=
cleanup() {
    [ -n "$rs_pid" ] && kill "$rs_pid" 2>/dev/null
    if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

base=$((20000 + $$ % 20000))
udp=$base tcp=$((base + 1))
sed -e "s|@WORK@|$work|g" -e "s|@UDP@|$udp|g" -e "s|@TCP@|$tcp|g" \
    "$SRCDIR/tests/plugins/rsyslog.conf.in" > "$work/rsyslog.conf"
"$rsyslogd" -n -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" > "$work/rsyslog.out" 2>&1 &
rs_pid=$!
for _ in $(seq 50); do
    [ -S "$work/log.sock" ] && ss -ltn | grep -q "127.0.0.1:$tcp " && break
    sleep 0.1
done

tap_plan 8

"$POP3SCOPE" --json "$sample" > "$work/events.json"
events=$(wc -l < "$work/events.json")
auths=$(grep -c '^{"event":"auth"' "$work/events.json")

# wait_lines APP N: until rsyslog has written N lines for APP (5 s at most).
wait_lines() {
    for _ in $(seq 50); do
        [ "$(grep -ac " $1 " "$work/out.log" 2>/dev/null)" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# check APP: every event arrived once, parsed as RFC 5424, JSON intact.
check() {
    grep -a " $1 " "$work/out.log" | LC_ALL=C sed 's/^[^]]*\] //; s/^\xEF\xBB\xBF//' > "$work/$1.json"
    cmp -s "$work/$1.json" "$work/events.json" &&
        [ "$(grep -ac "^local3 notice $1 \[pop3scope@32473 event=\"auth\"\] " "$work/out.log")" -eq "$auths" ]
}

"$POP3SCOPE" --emit "$module:target=udp://127.0.0.1:$udp,facility=local3,app_name=p3s-udp" "$sample" > /dev/null
wait_lines p3s-udp "$events"
tap_check "UDP: one RFC 5424 message per event, facility, app-name, SD and MSG as sent" check p3s-udp

"$POP3SCOPE" --emit "$module:target=tcp://127.0.0.1:$tcp,facility=local3,app_name=p3s-tcp" "$sample" > /dev/null
wait_lines p3s-tcp "$events"
tap_check "TCP with octet counting: every message framed and parsed" check p3s-tcp

"$POP3SCOPE" --emit "$module:target=unix:$work/log.sock,facility=local3,app_name=p3s-unix" "$sample" > /dev/null
wait_lines p3s-unix "$events"
tap_check "unix socket: every message parsed" check p3s-unix

"$POP3SCOPE" --emit "$module:target=tcp://127.0.0.1:$tcp,app_name=p3s-two" \
    --emit "$module:target=udp://127.0.0.1:$udp,app_name=p3s-two" "$sample" > /dev/null
wait_lines p3s-two $((2 * events))
tap_check "two syslog outputs in one run: facility auth by default, both delivered" \
    eval '[ "$(grep -ac "^auth notice p3s-two " "$work/out.log")" -eq $((2 * auths)) ]'

"$POP3SCOPE" --emit "$module:facility=kernel" "$sample" > "$work/out" 2> "$work/err"; st=$?
tap_check "a wrong facility: exit 2, the option named" eval '[ $st -eq 2 ] && grep -q "facility=kernel" "$work/err"'

# A TCP port on loopback with nobody listening: the run goes on, exits 0,
# and every event it could not send is counted (stderr at exit).
"$POP3SCOPE" --json --emit "$module:target=tcp://127.0.0.1:$((tcp + 2))" "$sample" > "$work/down.json" 2> "$work/err"; st=$?
tap_check "target down: said once on stderr, analysis goes on, every event counted as dropped" \
    eval '[ $st -eq 0 ] && cmp -s "$work/down.json" "$work/events.json" && grep -q "plugins dropped $events events" "$work/err" &&
          [ "$(grep -c "syslog: cannot reach tcp://127.0.0.1:$((tcp + 2)) (Connection refused)" "$work/err")" = 1 ] &&
          [ "$(grep -c "" "$work/err")" = 2 ]'

# A unix socket that is not there: said once, not once per event.
"$POP3SCOPE" --emit "$module:target=unix:$work/nobody.sock" "$sample" > /dev/null 2> "$work/err"; st=$?
tap_check "unix target missing at start: one stderr line naming it" \
    eval '[ $st -eq 0 ] && [ "$(grep -c "syslog: cannot reach unix:$work/nobody.sock" "$work/err")" = 1 ]'

# rsyslog away when the run starts and back in its middle (the capture
# fed through a pipe in two parts, tests/plugins/pcap_parts.py): said once
# each way, and the second part's events reach it.
kill "$rs_pid" 2>/dev/null
wait "$rs_pid" 2>/dev/null
mkdir "$work/gate"
/usr/bin/python3 "$SRCDIR/tests/plugins/pcap_parts.py" "$work/gate" 2 "$SRCDIR/samples/mail-mix.pcap" |
    timeout 60 "$POP3SCOPE" -r - --emit "$module:target=tcp://127.0.0.1:$tcp,app_name=p3s-back" > /dev/null 2> "$work/err" &
run_pid=$!
for _ in $(seq 100); do [ -e "$work/gate/sent-1" ] && break; sleep 0.05; done
"$rsyslogd" -n -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" >> "$work/rsyslog.out" 2>&1 &
rs_pid=$!
for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$tcp " && break; sleep 0.1; done
sleep 1.2 # the plugin retries at most once a second
touch "$work/gate/go-1"
wait "$run_pid"; st=$?
wait_lines p3s-back 1
tap_check "TCP target away at start, back mid-run: said once each way, later events delivered" \
    eval '[ $st -eq 0 ] && [ "$(grep -c "syslog: cannot reach tcp://127.0.0.1:$tcp" "$work/err")" = 1 ] &&
          [ "$(grep -c "syslog: tcp://127.0.0.1:$tcp is back" "$work/err")" = 1 ] && grep -aq " p3s-back " "$work/out.log"'

[ "$tap_failed" -eq 0 ] || { echo "# rsyslog said:"; tap_diag < "$work/rsyslog.out"; tail -5 "$work/out.log" | tap_diag; }
tap_done
