#!/usr/bin/env bash
# Capture file readers (src/pcapfile.c against libpcap): classic pcap files
# are read by pcapfile.c, which must give what libpcap 1.10 gives for the
# same bytes. POP3SCOPE_LIBPCAP_READER=1 sends every file through libpcap,
# so each input is read both ways and the results compared, byte for byte:
#   - every frame as tests/lib/tools/capture-dump prints it (number, time,
#     link type, lengths, a hash of the bytes), the status and stderr;
#   - pop3scope --json --show-passwords: events, stderr, exit status.
# Inputs: samples/, the peer captures, tests/lib/tools/malformed-pcap.py's
# damaged files, tests/lib/tools/reader-variants.py's (every magic and byte
# order, link types, timestamp extremes, snapshot lengths, records up to
# 256 KiB across the reader's block ends), userpass.pcap cut at many
# offsets, 400 randomly damaged copies (tests/lib/tools/reader-mutants.py),
# and most of them again through a pipe on stdin.
set -u
shopt -s nullglob
. "$(dirname "$0")/../lib/lib.sh"

dump=$BUILDDIR/tests/lib/tools/capture-dump
good=$SRCDIR/samples/userpass.pcap
[ -x "$dump" ] || tap_skip_all "tests/lib/tools/capture-dump not built"
[ -f "$good" ] || tap_skip_all "samples/userpass.pcap missing"
command -v python3 > /dev/null || tap_skip_all "python3 not installed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/made"
python3 "$SRCDIR/tests/lib/tools/malformed-pcap.py" "$good" "$work/made" || tap_skip_all "malformed-pcap.py failed"
python3 "$SRCDIR/tests/lib/tools/reader-variants.py" "$good" "$work/made" || tap_skip_all "reader-variants.py failed"

mapfile -t samples < <(capture_list samples)
mapfile -t peers < <(capture_list peer)
made=("$work"/made/*)

tap_plan 16

# same_dump FILE: capture-dump's output, stderr and status are the same on
# both readers. Reads FILE by path, or from a pipe when PIPE=1.
same_dump() {
    local f=$1
    if [ "${PIPE:-0}" = 1 ]; then
        "$dump" - < <(cat "$f") > "$work/fast" 2>&1
        echo "exit $?" >> "$work/fast"
        POP3SCOPE_LIBPCAP_READER=1 "$dump" - < <(cat "$f") > "$work/ref" 2>&1
        echo "exit $?" >> "$work/ref"
    else
        "$dump" "$f" > "$work/fast" 2>&1
        echo "exit $?" >> "$work/fast"
        POP3SCOPE_LIBPCAP_READER=1 "$dump" "$f" > "$work/ref" 2>&1
        echo "exit $?" >> "$work/ref"
    fi
    cmp -s "$work/fast" "$work/ref"
}

# same_json FILE [OPTIONS...]: pop3scope's events, stderr and exit status
# are the same on both readers.
same_json() {
    local f=$1
    shift
    "$POP3SCOPE" --json --show-passwords "$@" "$f" > "$work/fast" 2> "$work/fast.err"
    echo "exit $?" >> "$work/fast.err"
    POP3SCOPE_LIBPCAP_READER=1 "$POP3SCOPE" --json --show-passwords "$@" "$f" > "$work/ref" 2> "$work/ref.err"
    echo "exit $?" >> "$work/ref.err"
    cmp -s "$work/fast" "$work/ref" && cmp -s "$work/fast.err" "$work/ref.err"
}

# all_same DESCRIPTION CHECK FILES...: one TAP line; the files that differ
# are listed with the first lines of their difference.
all_same() {
    local desc=$1 check=$2 bad=0 f
    shift 2
    for f in "$@"; do
        if ! "$check" "$f"; then
            bad=$((bad + 1))
            { echo "differs: $f"; diff "$work/ref" "$work/fast" | head -5; } | tap_diag
        fi
    done
    if [ $bad -eq 0 ] && [ $# -gt 0 ]; then tap_ok "$desc ($# files)"; else tap_not_ok "$desc ($bad of $# differ)"; fi
}

all_same "samples: the same frames from both readers" same_dump "${samples[@]}"
if [ ${#peers[@]} -gt 0 ]; then
    all_same "peer captures: the same frames from both readers" same_dump "${peers[@]}"
else
    tap_ok "peer captures # SKIP not found"
fi
all_same "damaged and variant files: the same frames, messages and status" same_dump "${made[@]}"
PIPE=1 all_same "all of them through a pipe: the same frames, messages and status" same_dump \
    "${samples[@]}" "${peers[@]}" "${made[@]}"

# userpass.pcap cut at every offset in the file header and the first
# records, then every 13th: each cut in a header or in a record's bytes.
size=$(stat -c %s "$good")
cuts=()
for ((n = 0; n < size; n += (n < 300 ? 1 : 13))); do
    head -c "$n" "$good" > "$work/made-cut-$n.pcap"
    cuts+=("$work/made-cut-$n.pcap")
done
all_same "userpass.pcap cut at ${#cuts[@]} offsets: the same frames and messages" same_dump "${cuts[@]}"
some_cuts=()
for ((i = 0; i < ${#cuts[@]}; i += 7)); do some_cuts+=("${cuts[$i]}"); done
PIPE=1 all_same "every 7th of those cuts through a pipe" same_dump "${some_cuts[@]}"

# Differential: 400 damaged copies of the classic pcap files above (a
# fixed seed: the same files every run), which both readers must read
# alike, frame for frame and word for word.
mkdir -p "$work/mutants"
pcaps=()
for f in "${samples[@]}" "${made[@]}"; do
    case $f in *.pcap) [ "$(stat -c %s "$f")" -lt 1048576 ] && pcaps+=("$f") ;; esac
done
python3 "$SRCDIR/tests/lib/tools/reader-mutants.py" 6 400 "$work/mutants" "${pcaps[@]}"
all_same "400 damaged copies of them: the same frames, messages and status" same_dump "$work"/mutants/*

"$dump" "$work/made/big-records.pcap" > "$work/big" 2>&1
tap_check "records up to 256 KiB across block ends: all 310 read" \
    eval '[ "$(grep -c caplen "$work/big")" -eq 310 ] && grep -q "caplen 262144" "$work/big"'

# The comparisons above prove something only if the fast reader is the one
# taking classic pcap files: it reads in blocks of a MiB, stdio (libpcap)
# in 4 KiB.
if command -v strace > /dev/null; then
    strace -f -e trace=read -o "$work/trace" "$dump" "$work/made/big-records.pcap" > /dev/null 2>&1
    tap_check "classic pcap files are read by the fast reader (1 MiB reads)" \
        grep -qE ', [0-9]{7}\) += [0-9]' "$work/trace"
else
    tap_ok "classic pcap files are read by the fast reader # SKIP strace not installed"
fi

all_same "pop3scope --json on the samples: same events, messages, exit status" same_json "${samples[@]}"
if [ ${#peers[@]} -gt 0 ]; then
    all_same "pop3scope --json on the peer captures: the same" same_json "${peers[@]}"
else
    tap_ok "pop3scope on peer captures # SKIP not found"
fi
all_same "pop3scope --json on the damaged and variant files: the same" same_json "${made[@]}"

# Filters: compiled against libpcap's handle on one path, a dead handle of
# the same link type and snapshot length on the other.
filtered() { same_json "$1" -f "tcp port 110 and tcp[tcpflags] & tcp-push != 0"; }
all_same "a BPF filter (-f): the same events, numbers count filtered records" filtered \
    "$good" "$work/made/link-raw-le.pcap" "$work/made/link-sll2-le.pcap" "$work/made/magic-nsec-be.pcap" \
    "$work/made/pcapng-unknown.pcapng" "$work/made/cut-record.pcap"
bad_filter() { same_json "$1" -f "tcp port"; }
ether_filter() { same_json "$1" -f "ether host 1:2:3:4:5:6"; }
all_same "a filter that does not compile: the same message" bad_filter "$good" "$work/made/link-raw-le.pcap"
all_same "a filter the link type cannot have: the same message" ether_filter \
    "$work/made/link-raw-le.pcap" "$work/made/link-null-be.pcap" "$good"

# Several files in one run, the way users give them.
"$POP3SCOPE" --json "${made[@]}" > "$work/fast" 2> "$work/fast.err"
echo "exit $?" >> "$work/fast.err"
POP3SCOPE_LIBPCAP_READER=1 "$POP3SCOPE" --json "${made[@]}" > "$work/ref" 2> "$work/ref.err"
echo "exit $?" >> "$work/ref.err"
tap_check "all damaged and variant files in one run: the same events, messages and status" \
    eval 'cmp -s "$work/fast" "$work/ref" && cmp -s "$work/fast.err" "$work/ref.err"'
tap_done
