#!/usr/bin/env bash
# The command line as a user meets it: options, inputs, exit codes, output
# files and redaction.
set -u
. "$(dirname "$0")/lib.sh"

sample=$SRCDIR/samples/userpass.pcap
secret=alice-secret-1
[ -f "$sample" ] || tap_skip_all "samples/userpass.pcap missing"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tap_plan 20

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
tap_check "- reads the capture from standard input" cmp -s "$work/pos.json" "$work/stdin.json"

other=$(ls "$SRCDIR"/samples/*.pcap | grep -v /userpass.pcap | head -1)
# auth and session events only: the run's closing app_summary comes once.
records() { grep -c -E '"event":"(auth|session)"' "$1"; }
"$POP3SCOPE" --json "$sample" > "$work/a.json"
"$POP3SCOPE" --json "$other" > "$work/b.json"
"$POP3SCOPE" --json "$sample" "$other" > "$work/ab.json"
tap_check "two files are read in order, one after the other" \
    eval '[ $(records "$work/ab.json") -eq $(( $(records "$work/a.json") + $(records "$work/b.json") )) ] && [ $(records "$work/b.json") -gt 0 ]'
"$POP3SCOPE" --json "$sample" "$work/does-not-exist.pcap" > "$work/partial.json" 2>/dev/null; st=$?
tap_check "a bad file among good ones: exit 2, the good one still analyzed" \
    eval '[ $st -eq 2 ] && cmp -s "$work/partial.json" "$work/a.json"'

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

(umask 000 && "$POP3SCOPE" --json -p -o "$work/out.json" "$sample")
tap_check "-o creates the file mode 0600 even with umask 000" eval '[ "$(stat -c %a "$work/out.json")" = 600 ] && cmp -s "$work/out.json" "$work/pos.json"'
ln -s "$work/target" "$work/link.json"
"$POP3SCOPE" --json -o "$work/link.json" "$sample" 2> "$work/err"; st=$?
tap_check "-o does not follow a symlink" eval '[ $st -eq 3 ] && [ ! -e "$work/target" ]'

"$POP3SCOPE" --csv "$sample" > "$work/out.csv"
tap_check "--csv starts with its header row" eval 'head -1 "$work/out.csv" | grep -q "^ts,flow_id,src_ip,src_port,dest_ip,dest_port"'
"$POP3SCOPE" --json -f "tcp port 9" "$sample" > "$work/filtered.json"; st=$?
tap_check "a BPF filter that matches nothing gives no auth or session events" \
    eval '[ $st -eq 0 ] && [ "$(records "$work/filtered.json")" -eq 0 ]'
tap_done
