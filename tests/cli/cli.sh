#!/usr/bin/env bash
# The command line as a user meets it: options, inputs, exit codes, output
# files and redaction.
set -u
. "$(dirname "$0")/../lib/lib.sh"

sample=$SRCDIR/samples/userpass.pcap
secret=alice-secret-1
[ -f "$sample" ] || tap_skip_all "samples/userpass.pcap missing"
work=$(mktemp -d)
scope_pid=
cleanup() {
    [ -n "$scope_pid" ] && kill "$scope_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# tap_skip DESCRIPTION REASON: a case this machine cannot run.
tap_skip() {
    tap_count=$((tap_count + 1))
    echo "ok $tap_count - $1 # SKIP $2"
}

tap_plan 39

"$POP3SCOPE" --help > "$work/help" 2>&1; st=$?
tap_check "--help exits 0 and shows usage" eval '[ $st -eq 0 ] && grep -q "^Usage: pop3scope" "$work/help"'
"$POP3SCOPE" --version > "$work/version" 2>&1
tap_check "--version names pop3scope, libpcap and nDPI" \
    eval 'grep -q "^pop3scope " "$work/version" && grep -q "libpcap version" "$work/version" && grep -q "^nDPI " "$work/version"'

"$POP3SCOPE" > /dev/null 2> "$work/err"; st=$?
tap_check "no input is a usage error (exit 1)" eval '[ $st -eq 1 ] && grep -q "no input" "$work/err"'
"$POP3SCOPE" --no-such-option "$sample" > /dev/null 2>&1; st=$?
tap_check "an unknown option is a usage error (exit 1)" eval '[ $st -eq 1 ]'
"$POP3SCOPE" --max-flows 0 "$sample" > /dev/null 2> "$work/err"; st=$?
tap_check "--max-flows 0 is refused with a message" eval '[ $st -eq 1 ] && grep -q "max-flows" "$work/err"'
"$POP3SCOPE" --idle-timeout 12x "$sample" > /dev/null 2>&1; st=$?
tap_check "a number with trailing junk is refused" eval '[ $st -eq 1 ]'

"$POP3SCOPE" "$work/does-not-exist.pcap" > /dev/null 2> "$work/err"; st=$?
tap_check "a missing file exits 2 and names the file" eval '[ $st -eq 2 ] && grep -q "does-not-exist.pcap" "$work/err"'
printf 'this is not a capture file\n' > "$work/garbage.pcap"
"$POP3SCOPE" "$work/garbage.pcap" > /dev/null 2> "$work/err"; st=$?
tap_check "a file that is not a capture exits 2 with a message" eval '[ $st -eq 2 ] && [ -s "$work/err" ]'

"$POP3SCOPE" --json -p "$sample" > "$work/pos.json"; st=$?
"$POP3SCOPE" --json -p -r "$sample" > "$work/r.json"
tap_check "a FILE argument and -r FILE give the same events" eval '[ $st -eq 0 ] && [ -s "$work/pos.json" ] && cmp -s "$work/pos.json" "$work/r.json"'
"$POP3SCOPE" --json -p - < "$sample" > "$work/stdin.json"
# The same events, but the evidence names the input as given: "-".
sed 's|"capture_file":"[^"]*"|"capture_file":"-"|' "$work/pos.json" > "$work/pos-as-stdin.json"
tap_check "- reads the capture from standard input (capture_file \"-\")" \
    eval 'grep -q "\"capture_file\":\"-\"" "$work/stdin.json" && cmp -s "$work/pos-as-stdin.json" "$work/stdin.json"'

other=$(ls "$SRCDIR"/samples/*.pcap | grep -v /userpass.pcap | head -1)
# auth and session events only: the run's closing app_summary comes once.
records() { grep -c -E '"event":"(auth|session)"' "$1"; }
"$POP3SCOPE" --json "$sample" > "$work/a.json"
"$POP3SCOPE" --json "$other" > "$work/b.json"
"$POP3SCOPE" --json "$sample" "$other" > "$work/ab.json"
tap_check "two files are read in order, one after the other" \
    eval '[ $(records "$work/ab.json") -eq $(( $(records "$work/a.json") + $(records "$work/b.json") )) ] && [ $(records "$work/b.json") -gt 0 ]'
"$POP3SCOPE" --json "$sample" "$work/does-not-exist.pcap" > "$work/partial.json" 2>/dev/null; st=$?
tap_check "a bad file among good ones: exit 2, the good one still analyzed, then a run_end record" \
    eval '[ $st -eq 2 ] && [ "$(head -n -1 "$work/partial.json")" = "$(cat "$work/a.json")" ] &&
          tail -n 1 "$work/partial.json" | grep -q "^{\"event\":\"run_end\".*\"partial\":true}$"'

size=$(stat -c %s "$sample")
head -c $((size - 30)) "$sample" > "$work/cut.pcap"
"$POP3SCOPE" --json "$work/cut.pcap" > "$work/cut.json" 2> "$work/err"; st=$?
tap_check "a file cut inside a record: exit 2, message names the record, events still written" \
    eval '[ $st -eq 2 ] && grep -q "record" "$work/err" && grep -q "\"event\":\"session\"" "$work/cut.json"'

"$POP3SCOPE" "$sample" > "$work/text" 2>&1
tap_check "the default text output redacts the password" eval '! grep -q "$secret" "$work/text" && grep -q "(redacted)" "$work/text"'
"$POP3SCOPE" --json "$sample" > "$work/nopw.json"
tap_check "JSON without --show-passwords carries no password" eval '! grep -q "$secret" "$work/nopw.json" && ! grep -q "\"password\"" "$work/nopw.json"'
tap_check "--show-passwords reveals it" grep -q "\"password\":\"$secret\"" "$work/pos.json"

# --fail-on-exposure (README "Exit codes"): 4 only when a password crossed in
# cleartext, whatever the output format or thread count; 2 and 3 still win.
"$POP3SCOPE" --fail-on-exposure "$sample" > /dev/null 2> "$work/exp.err"; st=$?
tap_check "--fail-on-exposure: USER/PASS in the clear exits 4 and says so" \
    eval '[ $st -eq 4 ] && grep -q "1 login attempts sent a password in cleartext" "$work/exp.err"'
"$POP3SCOPE" --csv "$sample" > /dev/null 2>&1; st=$?
tap_check "without --fail-on-exposure the same capture exits 0" eval '[ $st -eq 0 ]'
"$POP3SCOPE" --fail-on-exposure --threads 2 --summary "$sample" > /dev/null 2>&1; st=$?
tap_check "--fail-on-exposure with --threads 2 and --summary still exits 4" eval '[ $st -eq 4 ]'
"$POP3SCOPE" --fail-on-exposure "$SRCDIR/samples/cram-md5.pcap" > /dev/null 2> "$work/exp.err"; st=$?
tap_check "--fail-on-exposure: a CRAM-MD5 login (hash, not cleartext) exits 0" \
    eval '[ $st -eq 0 ] && ! [ -s "$work/exp.err" ]'
"$POP3SCOPE" --fail-on-exposure "$sample" "$work/does-not-exist.pcap" > /dev/null 2> "$work/exp.err"; st=$?
tap_check "--fail-on-exposure with a missing input: exit 2 wins, the exposure is still named" \
    eval '[ $st -eq 2 ] && grep -q "in cleartext" "$work/exp.err"'
"$POP3SCOPE" --ecs "$SRCDIR/samples/mail-mix.pcap" > "$work/ecs.json" 2>&1; st=$?
"$POP3SCOPE" --json "$SRCDIR/samples/mail-mix.pcap" > "$work/mix.json" 2>&1
tap_check "--ecs: one ECS line per auth and session event, with the same community_id values" \
    eval '[ $st -eq 0 ] && [ "$(grep -c "\"dataset\":\"pop3scope.auth\"" "$work/ecs.json")" = "$(grep -c "^{\"event\":\"auth\"" "$work/mix.json")" ] &&
          [ "$(grep -c "\"dataset\":\"pop3scope.session\"" "$work/ecs.json")" = "$(grep -c "^{\"event\":\"session\"" "$work/mix.json")" ] &&
          [ "$(grep -o "\"community_id\":\"[^\"]*\"" "$work/ecs.json")" = "$(grep "^{\"event\":\"\(auth\|session\)\"" "$work/mix.json" | grep -o "\"community_id\":\"[^\"]*\"")" ] &&
          grep -q "\"category\":\[\"authentication\"\]" "$work/ecs.json"'

(umask 000 && "$POP3SCOPE" --json -p -o "$work/out.json" "$sample")
tap_check "-o creates the file mode 0600 even with umask 000" eval '[ "$(stat -c %a "$work/out.json")" = 600 ] && cmp -s "$work/out.json" "$work/pos.json"'
ln -s "$work/target" "$work/link.json"
"$POP3SCOPE" --json -o "$work/link.json" "$sample" 2> "$work/err"; st=$?
tap_check "-o does not follow a symlink" eval '[ $st -eq 3 ] && [ ! -e "$work/target" ] && grep -q "symbolic link" "$work/err"'
printf 'an older run\n%.0s' $(seq 1 100) > "$work/mine.json"
chmod 644 "$work/mine.json"
"$POP3SCOPE" --json -p -o "$work/mine.json" "$sample"; st=$?
tap_check "-o on our own regular file: emptied, rewritten, mode 0600" \
    eval '[ $st -eq 0 ] && cmp -s "$work/mine.json" "$work/pos.json" && [ "$(stat -c %a "$work/mine.json")" = 600 ]'
printf 'not ours\n' > "$work/linked"
ln "$work/linked" "$work/hard.json"
"$POP3SCOPE" --json -p -o "$work/hard.json" "$sample" 2> "$work/err"; st=$?
tap_check "-o refuses a file with a second hard link and leaves it alone" \
    eval '[ $st -eq 3 ] && grep -q "hard link" "$work/err" && [ "$(cat "$work/linked")" = "not ours" ]'
# A planted FIFO: without a reader the open must fail at once (O_NONBLOCK),
# not wait for one; with a reader, the reader must get nothing.
mkfifo "$work/fifo.json"
timeout 10 "$POP3SCOPE" --json -p -o "$work/fifo.json" "$sample" 2> "$work/err"; st=$?
tap_check "-o refuses a FIFO without a reader, without hanging" eval '[ $st -eq 3 ] && grep -q "not a regular file" "$work/err"'
timeout 10 cat "$work/fifo.json" > "$work/fifo-got" &
reader=$!
sleep 0.3
timeout 10 "$POP3SCOPE" --json -p -o "$work/fifo.json" "$sample" 2> "$work/err"; st=$?
wait "$reader"
tap_check "-o refuses a FIFO with a reader, which reads nothing" \
    eval '[ $st -eq 3 ] && grep -q "not a regular file" "$work/err" && [ ! -s "$work/fifo-got" ]'

# A file another user created (and may hold open) is refused: root here,
# as in CI; nobody plants the file through runuser.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then
    mkdir -m 1777 "$work/pub"
    chmod 711 "$work"
    runuser -u nobody -- sh -c 'umask 000; printf "planted\n" > "$1"' sh "$work/pub/out.json"
    "$POP3SCOPE" --json -p -o "$work/pub/out.json" "$sample" 2> "$work/err"; st=$?
    tap_check "-o refuses a file owned by another user (nobody) and leaves it alone" \
        eval '[ $st -eq 3 ] && grep -q "another user" "$work/err" && [ "$(cat "$work/pub/out.json")" = planted ] &&
              [ "$(stat -c %U "$work/pub/out.json")" = nobody ]'
else
    tap_skip "-o refuses a file owned by another user" "needs root, the user nobody and runuser"
fi

"$POP3SCOPE" --csv "$sample" > "$work/out.csv"
tap_check "--csv starts with its header row" eval 'head -1 "$work/out.csv" | grep -q "^ts,flow_id,src_ip,src_port,dest_ip,dest_port"'
"$POP3SCOPE" --json -f "tcp port 9" "$sample" > "$work/filtered.json"; st=$?
tap_check "a BPF filter that matches nothing gives no auth or session events" \
    eval '[ $st -eq 0 ] && [ "$(records "$work/filtered.json")" -eq 0 ]'
# ------------------------------------------------------------ live capture
# SIGHUP reopen (log rotation) and what is left of the privileges while
# pop3scope parses traffic. Capturing on lo needs root (as in CI).
# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
    local tries=$(($1 * 10))
    shift
    while [ "$tries" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}
running() { kill -0 "$scope_pid" 2>/dev/null; }
# status PID FIELD: a field of /proc/PID/status (CapEff, NoNewPrivs...).
status() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }
stats_in() { grep -c '"event":"stats"' "$1" 2>/dev/null; }
# stop_scope: SIGTERM; its exit status in $st (137 if it had to be killed).
stop_scope() {
    kill -TERM "$scope_pid" 2>/dev/null
    if ! wait_for 10 eval '! running'; then
        kill -KILL "$scope_pid" 2>/dev/null
    fi
    wait "$scope_pid"
    st=$?
    scope_pid=
}
zero=0000000000000000
live_checks=8
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
    for i in $(seq 1 $live_checks); do tap_skip "live capture case $i" "needs root and the user nobody"; done
    tap_done
    exit
fi
# The log directory is nobody's, as on a sensor: after -Z the SIGHUP
# reopen creates the new file as nobody.
logs=$work/logs
chmod 711 "$work"
mkdir -m 700 "$logs"
chown nobody "$logs"
ev=$logs/events.json
"$POP3SCOPE" -i lo -f 'tcp port 9' --json -o "$ev" 2> "$work/live.err" &
scope_pid=$!
wait_for 20 grep -q 'running as user nobody' "$work/live.err"
tap_check "as root with -Z nobody (the default): no capability left, bounding set empty, no_new_privs" \
    eval '[ "$(status $scope_pid Uid)" = "$(id -u nobody)" ] && [ "$(status $scope_pid CapEff)" = $zero ] &&
          [ "$(status $scope_pid CapPrm)" = $zero ] && [ "$(status $scope_pid CapInh)" = $zero ] &&
          [ "$(status $scope_pid CapBnd)" = $zero ] && [ "$(status $scope_pid NoNewPrivs)" = 1 ]'

mv "$ev" "$ev.1"
kill -HUP "$scope_pid"
wait_for 10 test -e "$ev"
kill -USR1 "$scope_pid"
wait_for 10 eval '[ "$(stats_in "$ev")" -ge 1 ]'
tap_check "SIGHUP after a rename: a new file (0600, nobody's) takes the next event, the renamed one does not" \
    eval '[ "$(stats_in "$ev")" -eq 1 ] && [ "$(stats_in "$ev.1")" -eq 0 ] &&
          [ "$(stat -c "%a %U" "$ev")" = "600 nobody" ]'

mv "$ev" "$ev.2"
mkfifo "$ev"
kill -HUP "$scope_pid"
wait_for 10 grep -q "SIGHUP: cannot write $ev: not a regular file" "$work/live.err"
kill -USR1 "$scope_pid"
wait_for 10 eval '[ "$(stats_in "$ev.2")" -ge 2 ]'
tap_check "SIGHUP with a FIFO planted at the path: refused without hanging, writing goes on to the old file" \
    eval 'running && [ "$(stats_in "$ev.2")" -eq 2 ] && grep -q "still writing to the file opened before" "$work/live.err"'

rm -f "$ev"
printf 'planted\n' > "$ev" # root's: another user, seen from nobody
kill -HUP "$scope_pid"
wait_for 10 grep -q "SIGHUP: refusing to write $ev: it belongs to another user" "$work/live.err"
kill -USR1 "$scope_pid"
wait_for 10 eval '[ "$(stats_in "$ev.2")" -ge 3 ]'
tap_check "SIGHUP with another user's file at the path: refused and left alone" \
    eval '[ "$(stats_in "$ev.2")" -eq 3 ] && [ "$(cat "$ev")" = planted ]'

rm -f "$ev"
ln "$ev.2" "$ev" # nobody's file, but with a second name
kill -HUP "$scope_pid"
wait_for 10 grep -q "SIGHUP: refusing to write $ev: it has more than one hard link" "$work/live.err"
stop_scope
tap_check "SIGHUP with a hard link at the path: refused; SIGTERM still ends the run with exit 0" \
    eval '[ "$st" -eq 0 ] && grep -q "SIGHUP: refusing to write $ev: it has more than one hard link" "$work/live.err"'

# Without root, with file capabilities: a copy of the binary that only
# nobody runs, given cap_net_raw and cap_net_admin. It must give both up
# once lo is open (the bounding set needs CAP_SETPCAP to clear: it stays).
capbin=$work/capbin
mkdir -m 755 "$capbin"
cp "$POP3SCOPE" "$capbin/pop3scope"
chmod 755 "$capbin/pop3scope"
if ! command -v setcap >/dev/null 2>&1 || ! setcap cap_net_raw,cap_net_admin+eip "$capbin/pop3scope"; then
    for i in 1 2 3; do tap_skip "file capabilities case $i" "setcap (libcap2-bin) missing or refused"; done
    tap_done
    exit
fi
setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups -- \
    "$capbin/pop3scope" -i lo -f 'tcp port 9' --json -o "$logs/caps.json" 2> "$work/caps.err" &
scope_pid=$!
wait_for 20 grep -q 'listening on lo' "$work/caps.err"
sleep 0.2
tap_check "as nobody with file capabilities: capturing, with no capability left and no_new_privs" \
    eval 'running && [ "$(status $scope_pid Uid)" = "$(id -u nobody)" ] && [ "$(status $scope_pid CapEff)" = $zero ] &&
          [ "$(status $scope_pid CapPrm)" = $zero ] && [ "$(status $scope_pid NoNewPrivs)" = 1 ]'
# Connections to the closed port 9: SYN and RST on lo, which it must see.
# Packets reach the analyzer in batches (at most 100 ms late): ask for
# stats until one counts them.
saw_packets() {
    kill -USR1 "$scope_pid"
    sleep 0.3
    grep '"event":"stats"' "$logs/caps.json" 2>/dev/null | grep -q '"packets":[1-9]'
}
for i in 1 2 3; do (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; done
tap_check "without its capabilities it still captures (a stats event counts the packets)" wait_for 10 saw_packets
stop_scope
tap_check "it exits 0 on SIGTERM, nothing on stderr but the listening line" \
    eval '[ "$st" -eq 0 ] && ! grep -v "listening on" "$work/caps.err" | grep -q .'
tap_done
