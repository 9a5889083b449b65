#!/usr/bin/env bash
# Inputs as people give them (issue 16 item 3): a capture cut as tcpdump -C
# cuts it (cap, cap1 ... cap10) gives the same events in glob order, in
# reverse order and uncut (evidence aside), with each auth event's
# capture_file and frame numbers still pointing at the right frame;
# --keep-order with a bad order differs and warns once per overlapping pair;
# gzip, xz and zstd copies give byte-identical JSON to the plain file, on a
# file and on stdin; a cut .gz gives the frames before the cut, a message and
# exit 2; directories, -R, non-captures and a symlink loop; a gzip bomb keeps
# max RSS bounded.
set -u
. "$(dirname "$0")/../lib/lib.sh"

tap_need editcap wireshark-common
tap_need gzip gzip
tap_need xz xz-utils
tap_need zstd zstd
tap_need /usr/bin/python3 python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sample=$SRCDIR/samples/mail-mix.pcap

# The events without the fields that name a file or count frames in it.
strip_evidence() {
    /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    ev = json.loads(line)
    for k in ("capture_file", "end_file", "command_frame", "reply_file", "reply_frame"):
        ev.pop(k, None)
    print(json.dumps(ev, sort_keys=True))'
}

# ------------------------------------------------ a tcpdump -C rotation
mkdir "$work/rot"
editcap -c 12 "$sample" "$work/rot/part.pcap"
i=0
for f in $(cd "$work/rot" && ls part_*); do
    if [ $i = 0 ]; then mv "$work/rot/$f" "$work/rot/cap"; else mv "$work/rot/$f" "$work/rot/cap$i"; fi
    i=$((i + 1))
done
cd "$work/rot" || exit 1
"$POP3SCOPE" --json cap* > "$work/glob.json" 2> "$work/glob.err"; st_glob=$?
# shellcheck disable=SC2046
"$POP3SCOPE" --json $(ls cap* | sort -r) > "$work/rev.json" 2> "$work/rev.err"; st_rev=$?
cp "$sample" "$work/whole.pcap"
"$POP3SCOPE" --json "$work/whole.pcap" > "$work/whole.json"
tap_check "rotation: $i files (cap ... cap$((i - 1))), exit 0, no warning" \
    eval '[ $i -ge 11 ] && [ $st_glob = 0 ] && [ $st_rev = 0 ] && [ ! -s "$work/glob.err" ] && [ ! -s "$work/rev.err" ]'
tap_check "rotation: glob order and reverse order give the same JSON, byte for byte" cmp -s "$work/glob.json" "$work/rev.json"
tap_check "rotation: the same events as the uncut capture (evidence fields aside)" \
    eval 'cmp -s <(strip_evidence < "$work/glob.json") <(strip_evidence < "$work/whole.json") && [ -s "$work/glob.json" ]'
tap_check "rotation: auth events name the right file and frame (tshark)" \
    eval '/usr/bin/python3 "$SRCDIR/tests/cli/evidence_tshark.py" --files "$work/rev.json" > "$work/ev.tap" 2>&1'
tap_diag < "$work/ev.tap"
# shellcheck disable=SC2046
"$POP3SCOPE" --json --keep-order cap* > "$work/keep.json" 2> "$work/keep.err"
tap_check "--keep-order in glob order: different events, one note per overlapping pair (cap10 before cap2..cap9)" \
    eval '! cmp -s <(strip_evidence < "$work/keep.json") <(strip_evidence < "$work/whole.json") &&
          [ "$(grep -c "overlap in time" "$work/keep.err")" = 8 ] && grep -q "^pop3scope: cap10 and cap2 overlap in time" "$work/keep.err"'
"$POP3SCOPE" --json -q --keep-order cap* > /dev/null 2> "$work/keepq.err"
tap_check "--keep-order -q: the overlap notes are silenced" eval '[ ! -s "$work/keepq.err" ]'
cd "$work" || exit 1

# --------------------------------------------------------- compressed
mkdir "$work/plain" "$work/gzip" "$work/xz" "$work/zstd"
cp "$sample" "$work/plain/capture"
gzip -c "$sample" > "$work/gzip/capture"
xz -c "$sample" > "$work/xz/capture"
zstd -q -c "$sample" > "$work/zstd/capture"
(cd "$work/plain" && "$POP3SCOPE" --json capture > "$work/plain.json")
for kind in gzip xz zstd; do
    (cd "$work/$kind" && "$POP3SCOPE" --json capture > "$work/$kind.json" 2> "$work/$kind.err"); st=$?
    tap_check "$kind: known by its magic (no suffix), byte-identical JSON to the plain file, exit 0" \
        eval '[ $st = 0 ] && [ ! -s "$work/$kind.err" ] && cmp -s "$work/plain.json" "$work/$kind.json"'
    (cd "$work/$kind" && POP3SCOPE_LIBPCAP_READER=1 "$POP3SCOPE" --json capture > "$work/$kind.lp.json")
    "$POP3SCOPE" --json - < "$work/$kind/capture" > "$work/$kind.stdin.json"
    tap_check "$kind: the same through libpcap's reader, and from stdin" \
        eval '[ -s "$work/plain.json" ] && cmp -s "$work/plain.json" "$work/$kind.lp.json" &&
              cmp -s <(strip_evidence < "$work/plain.json") <(strip_evidence < "$work/$kind.stdin.json")'
done
editcap -F pcapng "$sample" "$work/ng.pcapng"
zstd -q -c "$work/ng.pcapng" > "$work/ng.zst"
tap_check "a zstd-compressed pcapng: the same events" \
    eval '[ -s "$work/plain.json" ] && cmp -s <(strip_evidence < "$work/plain.json") <("$POP3SCOPE" --json "$work/ng.zst" | strip_evidence)'

# A .gz cut in the middle: the frames before the cut, a message, exit 2.
size=$(stat -c %s "$work/gzip/capture")
head -c $((size / 2)) "$work/gzip/capture" > "$work/cut.gz"
"$POP3SCOPE" --json "$work/cut.gz" > "$work/cut.json" 2> "$work/cut.err"; st=$?
tap_check "a truncated .gz: exit 2, the message names file, record and the cut" \
    eval '[ $st = 2 ] && grep -q "^pop3scope: $work/cut.gz: record [0-9]*: the gzip data is cut short" "$work/cut.err"'
first_auth() { strip_evidence | grep '"event": "auth"' | head -1; }
tap_check "a truncated .gz: the login before the cut is there, as in the whole file" \
    eval 'a=$(first_auth < "$work/cut.json"); [ -n "$a" ] && [ "$a" = "$(first_auth < "$work/plain.json")" ]'
tap_diag < "$work/cut.err"

# A gigabyte of frames in a few MB of gzip: read as it is inflated.
/usr/bin/python3 - "$work/bomb.gz" << 'PY'
import struct, sys, zlib
c = zlib.compressobj(9, zlib.DEFLATED, 31)
with open(sys.argv[1], "wb") as out:
    out.write(c.compress(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)))
    rec = struct.pack("<IIII", 1700000000, 0, 65535, 65535) + bytes(65535)
    for _ in range(16384):
        out.write(c.compress(rec))
    out.write(c.flush())
PY
/usr/bin/time -f %M -o "$work/rss" "$POP3SCOPE" --json "$work/bomb.gz" > "$work/bomb.json" 2> "$work/bomb.err"; st=$?
rss=$(tail -1 "$work/rss")
echo "gzip bomb: $(stat -c %s "$work/bomb.gz") bytes for 1 GiB of frames, max RSS $rss KiB, exit $st" | tap_diag
tap_check "a gzip bomb (1 GiB of frames): read to the end, exit 0" eval '[ $st = 0 ] && grep -q app_summary "$work/bomb.json"'
if [ "${SANITIZERS:-no}" = yes ]; then
    tap_ok "a gzip bomb: max RSS under 64 MiB # SKIP not measured in the sanitizer build"
else
    tap_check "a gzip bomb: max RSS under 64 MiB" eval '[ "$rss" -lt 65536 ]'
fi

# --------------------------------------------------------- directories
mkdir -p "$work/dir/sub/deeper"
cp "$work/rot/cap" "$work/rot/cap1" "$work/rot/cap2" "$work/dir/"
gzip -c "$work/rot/cap3" > "$work/dir/cap3.gz"
echo "not a capture" > "$work/dir/README.txt"
: > "$work/dir/empty"
for n in 4 5 6 7 8 9; do cp "$work/rot/cap$n" "$work/dir/sub/"; done
cp "$work/rot/cap10" "$work/dir/sub/deeper/"
ln -s .. "$work/dir/sub/loop"
"$POP3SCOPE" --json "$work/dir" > "$work/dir.json" 2> "$work/dir.err"; st=$?
# shellcheck disable=SC2086
"$POP3SCOPE" --json "$work/rot/cap" "$work/rot/cap1" "$work/rot/cap2" "$work/rot/cap3" > "$work/top.json"
tap_check "a directory: its top-level captures (a .gz too), exit 0, the same events as those files" \
    eval '[ $st = 0 ] && cmp -s <(strip_evidence < "$work/dir.json") <(strip_evidence < "$work/top.json")'
tap_check "a directory: one note for the files that are not captures, one for the subdirectory" \
    eval 'grep -q "^pop3scope: $work/dir: 2 files that are not capture files skipped (README.txt, ...)" "$work/dir.err" &&
          grep -q "^pop3scope: $work/dir: 1 subdirectory not read (use -R to read them too)" "$work/dir.err" &&
          [ "$(wc -l < "$work/dir.err")" = 2 ]'
tap_diag < "$work/dir.err"
timeout 20 "$POP3SCOPE" --json -R "$work/dir" > "$work/dirR.json" 2> "$work/dirR.err"; st=$?
tap_check "-R: every level read, the symlink loop not followed, the same events as the uncut capture" \
    eval '[ $st = 0 ] && cmp -s <(strip_evidence < "$work/dirR.json") <(strip_evidence < "$work/whole.json") &&
          grep -q "^pop3scope: $work/dir/sub: 1 symbolic link to directories not followed" "$work/dirR.err"'
mkdir "$work/nothing"
echo hello > "$work/nothing/notes.txt"
"$POP3SCOPE" --json "$work/nothing" > "$work/nothing.out" 2> "$work/nothing.err"; st=$?
tap_check "a directory without captures: exit 2, a message, nothing on stdout" \
    eval '[ $st = 2 ] && [ ! -s "$work/nothing.out" ] && grep -q "^pop3scope: $work/nothing: no capture files in this directory" "$work/nothing.err"'

tap_plan "$tap_count"
tap_done
