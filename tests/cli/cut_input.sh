#!/usr/bin/env bash
# A file cut short is not a damaged file (issue 16 item 2 part "cut"): one
# that simply ends inside a record (a capture still being written, an
# incomplete download) or inside its compressed stream is "cut" in the
# run_end record, with its own words on stderr; one whose record header is
# garbage is "damaged". Both readers (pcapfile.c, and libpcap for pcapng
# or POP3SCOPE_LIBPCAP_READER=1) say the same. The exit code stays 2.
set -u
. "$(dirname "$0")/../lib/lib.sh"

sample=$SRCDIR/samples/mail-mix.pcap
[ -f "$sample" ] || tap_skip_all "samples/mail-mix.pcap missing"
tap_need editcap wireshark-common
tap_need gzip gzip
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

tap_plan 13

CUT_WORDS="the file is cut short there (still being written, or an incomplete copy)"
# run ARGS...: stdout to out, stderr to err, status to st.
run() {
    "$POP3SCOPE" "$@" > out 2> err
    st=$?
}
# status FILE WORD: exit 2 and the run_end record gives FILE that status.
status_is() {
    [ "$st" -eq 2 ] && tail -n 1 out | grep -q "{\"file\":\"$1\",\"status\":\"$2\"" ||
        { echo "status $st; last line and stderr:" && tail -n 1 out && cat err; } | tap_diag
    [ "$st" -eq 2 ] && tail -n 1 out | grep -q "{\"file\":\"$1\",\"status\":\"$2\""
}

cp "$sample" good.pcap
size=$(stat -c %s good.pcap)
head -c $((size - 30)) good.pcap > cut.pcap # inside the last record
# The first record's header (after the 24-byte file header) made garbage:
# a capture length no record can have.
cp good.pcap damaged.pcap
printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
    dd of=damaged.pcap bs=1 seek=24 conv=notrunc status=none
gzip -c good.pcap > full.pcap.gz
gz=$(stat -c %s full.pcap.gz)
head -c $((gz / 2)) full.pcap.gz > cut.pcap.gz
editcap -F pcapng good.pcap good.pcapng
ng=$(stat -c %s good.pcapng)
head -c $((ng - 30)) good.pcapng > cut.pcapng

run --json good.pcap cut.pcap
tap_check "a capture cut mid-record: exit 2, run_end says cut" status_is cut.pcap cut
tap_check "... stderr names the record and says cut short, not damaged" \
    eval 'grep -q "^pop3scope: cut.pcap: record [0-9]*: truncated dump file.*; $CUT_WORDS; analysis of the frames before it stands$" err'
tap_check "... the frames before the cut were analyzed (alone, its sessions are reported)" \
    eval '[ "$("$POP3SCOPE" --json cut.pcap 2> /dev/null | grep -c "\"event\":\"session\"")" -ge 3 ]'
POP3SCOPE_LIBPCAP_READER=1 "$POP3SCOPE" --json good.pcap cut.pcap > out.libpcap 2> err.libpcap
tap_check "... libpcap's reader gives the same events, message and status" \
    eval 'cmp -s out out.libpcap && cmp -s err err.libpcap'

run --json good.pcap damaged.pcap
tap_check "a garbage record header: exit 2, run_end says damaged" status_is damaged.pcap damaged
tap_check "... stderr names the record, and does not say cut short" \
    eval 'grep -q "^pop3scope: damaged.pcap: record 1: invalid packet capture length.*; analysis of the frames before it stands$" err && ! grep -q "cut short" err'
POP3SCOPE_LIBPCAP_READER=1 "$POP3SCOPE" --json good.pcap damaged.pcap > out.libpcap 2> err.libpcap
tap_check "... libpcap's reader says the same" eval 'cmp -s out out.libpcap && cmp -s err err.libpcap'

run --json good.pcap cut.pcap.gz
tap_check "a .gz cut in its compressed stream: cut, in the decompressor's words" \
    eval 'status_is cut.pcap.gz cut && grep -q "^pop3scope: cut.pcap.gz: record [0-9]*: the gzip data is cut short.*; $CUT_WORDS;" err'

run --json good.pcap cut.pcapng
tap_check "a pcapng cut mid-block (read by libpcap): cut" \
    eval 'status_is cut.pcapng cut && grep -q "^pop3scope: cut.pcapng: record [0-9]*: truncated pcapng dump file.*; $CUT_WORDS;" err'

run good.pcap cut.pcap damaged.pcap
tap_check "text: the Partial picture paragraph tells cut from damaged" \
    eval '[ $st -eq 2 ] && grep -q "^  cut.pcap: cut (ends part-way through a record)$" out && grep -q "^  damaged.pcap: damaged (stopped part-way)$" out'

# Nothing read at all (issue 16: no empty output left behind): a file the
# pre-check takes for a capture (pcap magic) that libpcap then refuses.
printf '\324\303\262\241\011\000\011\000not a capture after all' > fake.pcap
run --json -o out.json --report report.html fake.pcap
tap_check "nothing read: exit 2, the reason on stderr, no -o file and no --report file left" \
    eval '[ $st -eq 2 ] && grep -q "fake.pcap: cannot read as a capture file" err && ! [ -e out.json ] && ! [ -e report.html ] && [ -z "$(ls -A | grep -v -e "^out$" -e "^err$" -e "\.pcap" -e "\.gz$" -e "\.pcapng$" -e "\.libpcap$")" ]'
run --json -o out.json fake.pcap cut.pcap
tap_check "one input read (cut): the -o file is written, with its run_end" \
    eval '[ $st -eq 2 ] && [ -s out.json ] && tail -n 1 out.json | grep -q "\"status\":\"cut\""'
echo old > kept.json
ln -s kept.json link.json
run --json -o link.json fake.pcap
tap_check "nothing read, -o a symlink (refused): the link and its target stay" \
    eval '[ -L link.json ] && [ "$(cat kept.json)" = old ]'
tap_done
