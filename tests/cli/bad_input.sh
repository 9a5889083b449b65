#!/usr/bin/env bash
# Bad input as a new user gives it (issue 16 items 1, 2 and 7): outputs that
# would overwrite a capture, inputs that cannot be read, a bad filter,
# conflicting formats. Each case checks stdout, stderr and the exit code.
set -u
. "$(dirname "$0")/../lib/lib.sh"

sample=$SRCDIR/samples/userpass.pcap
[ -f "$sample" ] || tap_skip_all "samples/userpass.pcap missing"
tap_need editcap wireshark-common
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

tap_plan 29

# run ARGS...: stdout to out, stderr to err, status to st.
run() {
    "$POP3SCOPE" "$@" > out 2> err
    st=$?
}
# expect STATUS STDERR-LINE: exactly that status and that one stderr line,
# and nothing on stdout.
expect() {
    [ "$st" -eq "$1" ] && ! [ -s out ] && [ "$(cat err)" = "$2" ] ||
        { echo "status $st, stdout $(wc -c < out) bytes, stderr:" && cat err; } | tap_diag
    [ "$st" -eq "$1" ] && ! [ -s out ] && [ "$(cat err)" = "$2" ]
}

cp "$sample" c.pcap
sum=$(sha256sum < c.pcap)
untouched() { [ "$(sha256sum < c.pcap)" = "$sum" ]; }

# ---- 1. evidence is never touched
run -o c.pcap c.pcap
tap_check "-o c.pcap c.pcap: exit 1 naming both, capture untouched" eval 'expect 1 "pop3scope: -o c.pcap is the input c.pcap (the same file): refusing to overwrite a capture; choose another output file" && untouched'
ln -s c.pcap link.pcap
run -o link.pcap c.pcap
tap_check "-o through a symlink to the input: refused, untouched" eval 'expect 1 "pop3scope: -o link.pcap is the input c.pcap (the same file): refusing to overwrite a capture; choose another output file" && untouched'
run --json -o c.pcap link.pcap
tap_check "input through a symlink, -o the file itself: refused, untouched" eval '[ $st -eq 1 ] && ! [ -s out ] && grep -q "is the input link.pcap" err && untouched'
ln c.pcap hard.pcap
run -o hard.pcap c.pcap
tap_check "-o a hard link of the input: refused, untouched" eval 'expect 1 "pop3scope: -o hard.pcap is the input c.pcap (the same file): refusing to overwrite a capture; choose another output file" && untouched'
run --report c.pcap c.pcap
tap_check "--report c.pcap c.pcap: refused, untouched" eval 'expect 1 "pop3scope: --report c.pcap is the input c.pcap (the same file): refusing to overwrite a capture; choose another output file" && untouched'
mkdir dir && cp "$sample" dir/one.pcap
run -o dir/x.json dir
tap_check "-o dir/x.json dir: refused before anything is created" eval 'expect 1 "pop3scope: -o dir/x.json is inside the input directory dir: refusing to write among the captures; choose an output outside it" && ! [ -e dir/x.json ]'
run -o ./dir/../dir/y.json "$work/dir"
tap_check "an output under an input directory by another spelling: refused" eval '[ $st -eq 1 ] && grep -q "is inside the input directory" err && ! [ -e dir/y.json ]'
run -o other.json c.pcap
tap_check "-o beside the input (not the same file) still works" eval '[ $st -eq 0 ] && ! [ -s out ] && [ -s other.json ] && untouched'

# ---- 7. messages that say what to do; 2. no report from nothing
run missing.pcap
tap_check "missing file: exit 2, nothing on stdout, 'cannot open'" expect 2 "pop3scope: cannot open missing.pcap: No such file or directory"
: > empty.pcap
run empty.pcap
tap_check "empty file: exit 2, nothing on stdout, 'is empty'" expect 2 "pop3scope: empty.pcap is empty"
mkdir -p deep/sub && cp "$sample" deep/sub/one.pcap
run deep
tap_check "directory holding only a directory: exit 2, nothing on stdout, 'give the files or use -R'" expect 2 "pop3scope: deep is a directory: give the files or use -R"
run -R deep
tap_check "the same directory with -R: its capture is read" eval '[ $st -eq 0 ] && grep -q "^login attempts: 1" out && ! [ -s err ]'
editcap -F netmon2 c.pcap netmon.cap
run netmon.cap
tap_check "Network Monitor 2 capture (editcap -F netmon2): says how to convert it" expect 2 "pop3scope: netmon.cap is a Network Monitor capture: convert it with editcap -F pcap"
editcap -F snoop c.pcap snoop.cap
run snoop.cap
tap_check "snoop capture (editcap -F snoop): says how to convert it" expect 2 "pop3scope: snoop.cap is a snoop capture: convert it with editcap -F pcap"
echo "not a capture at all" > junk.pcap
for fmt in --text --summary --json --csv --ecs; do
    run "$fmt" missing.pcap empty.pcap junk.pcap
    [ "$st" -eq 2 ] && ! [ -s out ] && [ "$(wc -l < err)" -eq 3 ] || echo "$fmt: status $st, stdout $(wc -c < out)" | tap_diag
    [ "$st" -eq 2 ] && ! [ -s out ] || break
done
tap_check "no input readable: no summary, header, CSV header or JSON in any format (exit 2)" \
    eval '[ $st -eq 2 ] && ! [ -s out ] && grep -q "junk.pcap: cannot read as a capture file" err'
run -o never.json --json missing.pcap
tap_check "no input readable: the -o file is not even created" eval '[ $st -eq 2 ] && ! [ -e never.json ]'
run --threads 2 --json --report never.html junk.pcap
tap_check "nothing read (--threads 2, a file that fails when read): no JSON, no --report page" \
    eval '[ $st -eq 2 ] && ! [ -s out ] && ! [ -e never.html ] && [ -z "$(ls -A | grep never)" ]'

# Partial: one good input, one missing.
"$POP3SCOPE" --json c.pcap > full.json 2> /dev/null
run --json c.pcap missing.pcap
tap_check "partial (JSON): the events of the good file, then one run_end naming the missing one" \
    eval '[ $st -eq 2 ] && [ "$(head -n -1 out)" = "$(cat full.json)" ] &&
          [ "$(tail -n 1 out)" = "{\"event\":\"run_end\",\"inputs\":[{\"file\":\"c.pcap\",\"status\":\"read\"},{\"file\":\"missing.pcap\",\"status\":\"unreadable\",\"error\":\"cannot open: No such file or directory\"}],\"inputs_failed\":1,\"partial\":true}" ]'
head -c 300 c.pcap > cut.pcap
run --ecs cut.pcap c.pcap
tap_check "partial (ECS): a cut file is cut in the run_end record" \
    eval '[ $st -eq 2 ] && tail -n 1 out | grep -q "\"dataset\":\"pop3scope.run_end\".*{\"file\":\"cut.pcap\",\"status\":\"cut\"" && grep -q "cut.pcap: record" err'
run c.pcap missing.pcap
tap_check "partial (text): the summary is preceded by 'Partial picture' naming the missing file" \
    eval '[ $st -eq 2 ] && grep -q "^Partial picture: 1 of 2 inputs not read to their end" out && grep -q "^  missing.pcap: unreadable (cannot open: No such file or directory)" out && grep -q "^login attempts: 1" out'
run --json c.pcap
tap_check "all inputs read: no run_end record" eval '[ $st -eq 0 ] && ! grep -q run_end out'

# Symlinked input works like the file.
"$POP3SCOPE" c.pcap > direct.txt 2>&1
run link.pcap
tap_check "a symlink as input is read like its file" eval '[ $st -eq 0 ] && ! [ -s err ] && [ "$(sed s/link.pcap/c.pcap/g out)" = "$(cat direct.txt)" ]'

# A bad filter: rejected once, before any file is read.
run -f "tcp prot 110" c.pcap dir/one.pcap missing.pcap
tap_check "bad -f filter: exit 1, one message, before any file (none named)" \
    expect 1 'pop3scope: bad capture filter (-f) "tcp prot 110": can'"'"'t parse filter expression: syntax error'
run -f "tcp port 110" c.pcap
tap_check "a good -f filter still runs" eval '[ $st -eq 0 ] && [ -s out ]'

# Conflicting formats.
run --json --csv c.pcap
tap_check "--json --csv: exit 1 naming both" expect 1 "pop3scope: --json and --csv choose different output formats: give one"
run --summary -j c.pcap
tap_check "--summary -j: exit 1 naming both" expect 1 "pop3scope: --summary and --json choose different output formats: give one"
run --emit csv --ecs c.pcap
tap_check "--emit csv --ecs: exit 1 naming both" expect 1 "pop3scope: --emit csv and --ecs choose different output formats: give one"

# -o - is stdout; the program's name without its path.
run --csv -o - c.pcap
tap_check "-o - writes to stdout and creates no file named -" eval '[ $st -eq 0 ] && grep -q "^ts,flow_id" out && ! [ -e ./- ]'
run --no-such-option c.pcap
tap_check "getopt's message names pop3scope, not the path it was run by" \
    eval '[ $st -eq 1 ] && ! [ -s out ] && [ "$(head -n 1 err)" = "pop3scope: unrecognized option '"'"'--no-such-option'"'"'" ]'

tap_done
