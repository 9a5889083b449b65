#!/usr/bin/env bash
# --report says when the picture is partial (issue 16): when some input was
# not read to its end, the page has a "Partial picture" section listing
# each failed input with its status and reason, as the run_end record and
# the text output's paragraph do; a run that read everything has none.
set -u
. "$(dirname "$0")/../lib/lib.sh"

sample=$SRCDIR/samples/userpass.pcap
check=$SRCDIR/tests/cli/report_check.py
[ -f "$sample" ] || tap_skip_all "samples/userpass.pcap missing"
[ -x /usr/bin/python3 ] || tap_skip_all "python3 missing (Debian package python3)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

tap_plan 6

cp "$sample" good.pcap
size=$(stat -c %s good.pcap)
head -c $((size - 10)) good.pcap > cut.pcap
cp good.pcap 'odd<b>name.pcap'
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
    dd of='odd<b>name.pcap' bs=1 seek=24 conv=notrunc status=none

"$POP3SCOPE" --summary --report partial.html good.pcap cut.pcap missing.pcap 'odd<b>name.pcap' > /dev/null 2> err
st=$?
"$POP3SCOPE" --json --alerts good.pcap cut.pcap missing.pcap 'odd<b>name.pcap' > events.json 2> /dev/null
tap_check "3 of 4 inputs failed: exit 2, and the page says partial, with the count" \
    eval '[ $st -eq 2 ] && grep -q "<section id=\"partial\"><h2>Partial picture</h2><p class=\"note\">3 of 4 inputs not read to their end" partial.html'
tap_check "... each failed input is listed with its status and reason (cut, unreadable, damaged)" \
    eval 'grep -q "<span class=\"wire\">cut.pcap</span>: cut (ends part-way through a record)\(<br>\|</p></section>\)$" partial.html &&
          grep -q "<span class=\"wire\">missing.pcap</span>: unreadable (cannot open: No such file or directory)\(<br>\|</p></section>\)$" partial.html &&
          grep -q "<span class=\"wire\">odd&lt;b&gt;name.pcap</span>: damaged (stopped part-way)\(<br>\|</p></section>\)$" partial.html'
tap_check "... a file name's markup stays text" eval '! grep -q "odd<b>name" partial.html'
tap_check "... the file read whole is not listed as failed" eval '! grep -q "^<span class=\"wire\">good.pcap</span>" partial.html'
if out=$(/usr/bin/python3 "$check" partial.html --json events.json 2>&1); then
    tap_ok "... the rest of the page still agrees with the --json events"
else
    tap_not_ok "... the rest of the page still agrees with the --json events"
    echo "$out" | tap_diag
fi

"$POP3SCOPE" --summary --report full.html good.pcap > /dev/null 2>&1
st=$?
tap_check "every input read: exit 0, no partial section, the word not on the page" \
    eval '[ $st -eq 0 ] && [ -s full.html ] && ! grep -qi "partial" full.html'
tap_done
