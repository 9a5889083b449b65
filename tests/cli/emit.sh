#!/usr/bin/env bash
# --emit as a user meets it: a plugin (tests/plugins/plugin_good, which
# writes "TYPE JSON" per event to file=PATH) gets exactly the events --json
# prints, on one thread and with --threads, several plugins in one run;
# the built-in names reach the built-in formats; a wrong name, option, a
# malformed --emit or an untrusted module stops the run with exit 2 before
# any output, secrets in the spec masked.
set -u
. "$(dirname "$0")/../lib/lib.sh"

sample=$SRCDIR/samples/userpass.pcap
module=$BUILDDIR/tests/plugins/plugin_good
[ -f "$sample" ] || tap_skip_all "samples/userpass.pcap missing"
[ -f "$module" ] || tap_skip_all "tests/plugins/plugin_good not built (make check builds it)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -m 0700 "$work/plugins"
install -m 0644 "$module" "$work/plugins/good.so"

# The plugin's lines with the type prefix checked against the JSON's
# "event" and then removed, so the rest compares byte for byte.
plugin_json() {
    awk '{ t = $1; sub(/^[a-z_]+ /, ""); if (index($0, "{\"event\":\"" t "\"") != 1) print "TYPE MISMATCH " t; print }' "$1"
}

tap_plan 13

"$POP3SCOPE" --json -o "$work/out.json" --plugin-dir "$work/plugins" --emit "good:file=$work/a.txt" "$sample"; st=$?
plugin_json "$work/a.txt" > "$work/a.json"
tap_check "the plugin gets every event --json prints, the same line" \
    eval '[ $st -eq 0 ] && [ -s "$work/out.json" ] && cmp -s "$work/out.json" "$work/a.json"'

"$POP3SCOPE" --json --threads 2 -o "$work/out2.json" --emit "$work/plugins/good.so:file=$work/b.txt" "$sample"; st=$?
plugin_json "$work/b.txt" > "$work/b.json"
tap_check "by path and with --threads 2: the same events" \
    eval '[ $st -eq 0 ] && cmp -s "$work/out.json" "$work/b.json" && cmp -s "$work/out.json" "$work/out2.json"'

"$POP3SCOPE" --csv --plugin-dir "$work/plugins" --emit "good:file=$work/c.txt,tag=one" \
    --emit "good:file=$work/d.txt" "$sample" > "$work/out.csv"; st=$?
tap_check "two plugins and CSV in one run: each gets everything" \
    eval '[ $st -eq 0 ] && head -1 "$work/out.csv" | grep -q , && cmp -s "$work/c.txt" "$work/a.txt" && cmp -s "$work/d.txt" "$work/a.txt"'

"$POP3SCOPE" --emit json "$sample" > "$work/emit.json"
tap_check "--emit json is --json" cmp -s "$work/emit.json" "$work/out.json"

"$POP3SCOPE" --emit csv "$sample" > "$work/emit.csv"
tap_check "--emit csv is --csv" cmp -s "$work/emit.csv" "$work/out.csv"

"$POP3SCOPE" --plugin-dir "$work/plugins" --emit "good:colour=red" "$sample" > "$work/out" 2> "$work/err"; st=$?
tap_check "a wrong plugin option: exit 2, the option named, no output" \
    eval '[ $st -eq 2 ] && grep -q "colour" "$work/err" && [ ! -s "$work/out" ]'

"$POP3SCOPE" --plugin-dir "$work/plugins" --emit nope "$sample" > "$work/out" 2> "$work/err"; st=$?
tap_check "an unknown plugin: exit 2, its file named, no output" \
    eval '[ $st -eq 2 ] && grep -q "nope.so" "$work/err" && [ ! -s "$work/out" ]'

"$POP3SCOPE" --plugin-dir "$work/plugins" --emit "good:tag" "$sample" > "$work/out" 2> "$work/err"; st=$?
tap_check "an option without a value: exit 2, named" \
    eval '[ $st -eq 2 ] && grep -q "option .tag. is not key=value" "$work/err"'

# A sink stuck for 1.5 s on its first event, behind the smallest queue
# (4 KiB) while several captures' events arrive: the queue fills, the rest
# are dropped and counted, the JSON output is complete, and what the plugin
# got plus what was dropped is every event. With the default queue the same
# stall loses nothing.
many="$SRCDIR/samples/mail-mix.pcap $SRCDIR/samples/curl-default.pcap $SRCDIR/samples/sslproxy.pcap $sample $SRCDIR/samples/apop.pcap"
# shellcheck disable=SC2086
"$POP3SCOPE" --json --plugin-dir "$work/plugins" --emit-queue 4 --emit "good:file=$work/slow.txt,stall_first_ms=1500" \
    $many > "$work/many.json" 2> "$work/err"; st=$?
all=$(wc -l < "$work/many.json") got=$(wc -l < "$work/slow.txt")
dropped=$(sed -n 's/.*plugins dropped \([0-9]*\) events.*/\1/p' "$work/err")
tap_check "a stuck plugin: its queue bound holds, drops counted, got + dropped = all ($got + ${dropped:-0} = $all)" \
    eval '[ $st -eq 0 ] && [ "${dropped:-0}" -gt 0 ] && [ $((got + dropped)) -eq "$all" ] && [ "$all" -gt 10 ]'
# shellcheck disable=SC2086
"$POP3SCOPE" --json --plugin-dir "$work/plugins" --emit "good:file=$work/slow2.txt,stall_first_ms=500" \
    $many > /dev/null 2> "$work/err"; st=$?
plugin_json "$work/slow2.txt" > "$work/slow2.json"
tap_check "the same stall within the default queue: nothing lost, order kept" \
    eval '[ $st -eq 0 ] && cmp -s "$work/slow2.json" "$work/many.json" && ! grep -q dropped "$work/err"'

# Syntax errors are found with the rest, before capture: exit 2 (not the
# usage status 1), no output, a message naming the --emit and what is wrong.
bad=0
emit_refused() { # EXPECTED-MESSAGE-PART --emit ARGS...
    local want=$1
    shift
    "$POP3SCOPE" --plugin-dir "$work/plugins" "$@" "$sample" > "$work/out" 2> "$work/err"; st=$?
    if [ $st -ne 2 ] || [ -s "$work/out" ] || ! grep -qF -- "$want" "$work/err"; then
        echo "# $*: exit $st, stderr: $(cat "$work/err")"
        bad=1
    fi
}
emit_refused "--emit '': name a plugin or a path first" --emit ''
emit_refused "--emit ':x': name a plugin or a path first" --emit :x
emit_refused "--emit a:=b: option '' is not key=value" --emit a:=b
emit_refused "--emit good:tag,file=x: option 'tag' is not key=value" --emit good:tag,file=x
emit_refused "--emit: at most 8 plugins in one run (9 given)" $(for _ in 1 2 3 4 5 6 7 8 9; do echo --emit good; done)
tap_check "--emit syntax errors ('', :x, a:=b, a key without value, 9 plugins): exit 2, named, no output" [ $bad -eq 0 ]

"$POP3SCOPE" --plugin-dir "$work/plugins" --emit "good:password=hunter2,db_pass=swordfish,colour=red" "$sample" \
    > /dev/null 2> "$work/err"; st=$?
tap_check "a message about --emit masks values of secret keys (*pass*, *secret*, *token*)" \
    eval '[ $st -eq 2 ] && grep -qF "good:password=***,db_pass=***,colour=red" "$work/err" &&
          ! grep -q -e hunter2 -e swordfish "$work/err"'

chmod 0666 "$work/plugins/good.so"
"$POP3SCOPE" --plugin-dir "$work/plugins" --emit good "$sample" > "$work/out" 2> "$work/err"; st=$?
tap_check "a world-writable module is refused: exit 2, reason given" \
    eval '[ $st -eq 2 ] && grep -q "writable by group or others" "$work/err"'

tap_done
