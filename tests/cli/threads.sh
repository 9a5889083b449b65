#!/usr/bin/env bash
# --threads N (issue 6): sharding the connections over worker threads must
# not change a byte of what pop3scope reports. For every sample, every peer
# capture and a generated capture, the output of --threads 2 and 3 is
# compared with the single-thread run: JSON with secrets, JSON with alerts
# (which depend on the merged order), the text table and summary, and JSON
# with a 1-second idle timeout (so idle sweeps end flows of several
# workers at the same frame and the merge must interleave them).
set -u
. "$(dirname "$0")/../lib/lib.sh"

GEN=${POP3GEN:-$BUILDDIR/tests/bench/pop3gen}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

peer_capture_dir > /dev/null ||
    echo "# WARNING: ../shared/peer-captures is absent: peer captures not compared" >&2
mapfile -t captures < <(capture_list samples peer)
have_gen=0
if [ -x "$GEN" ] && "$GEN" -s 3 -b 8M -o "$work/gen.pcap" -t "$work/gen.truth" > /dev/null 2>&1; then
    captures+=("$work/gen.pcap")
    have_gen=1
fi
# Packet times that go backwards (interfaces merged): one packet in 20
# moved up to 3 s either way. A shard then holds idle flows seen after a
# flow of another shard that is not idle; one thread's sweep stops at that
# flow, so the shards must too (analyzer_sweep_stop).
if [ "$have_gen" -eq 1 ] && command -v python3 > /dev/null; then
    python3 "$SRCDIR/tests/cli/threads_jitter.py" "$work/gen.pcap" "$work/jitter.pcap"
    captures+=("$work/jitter.pcap")
fi

# Hostile and damaged input goes through the reader's decoding and the
# workers' reassembly: malformed records, headers that lie, reordered,
# duplicated and cut segments.
if command -v python3 > /dev/null && mkdir -p "$work/mal" &&
   python3 "$SRCDIR/tests/lib/tools/malformed-pcap.py" "$SRCDIR/samples/userpass.pcap" "$work/mal" > /dev/null 2>&1; then
    for f in "$work"/mal/*.pcap "$work"/mal/*.pcapng; do
        [ -f "$f" ] && captures+=("$f")
    done
fi
DEGRADE=$BUILDDIR/tests/lib/tools/pcap-degrade
if [ "$have_gen" -eq 1 ] && [ -x "$DEGRADE" ]; then
    "$DEGRADE" reorder --window 8 "$work/gen.pcap" "$work/reorder.pcap" 2> /dev/null && captures+=("$work/reorder.pcap")
    "$DEGRADE" snaplen --bytes 200 "$work/gen.pcap" "$work/snaplen.pcap" 2> /dev/null && captures+=("$work/snaplen.pcap")
fi

variants=("--json --show-passwords" "--json --show-passwords --alerts" "--text" "--json --show-passwords --idle-timeout 1")

tap_plan $((${#captures[@]} * ${#variants[@]} + 7))

# same_output CAPTURE OPTIONS: --threads 2 and 3 write what one thread
# writes, and exit the same way.
same_output() {
    local cap=$1 opts=$2 t st1 st
    # shellcheck disable=SC2086
    "$POP3SCOPE" $opts "$cap" > "$work/t1.out" 2> "$work/t1.err"; st1=$?
    for t in 2 3; do
        # shellcheck disable=SC2086
        "$POP3SCOPE" --threads "$t" $opts "$cap" > "$work/t$t.out" 2> "$work/t$t.err"; st=$?
        if [ "$st" -ne "$st1" ] || ! cmp -s "$work/t1.out" "$work/t$t.out" || ! cmp -s "$work/t1.err" "$work/t$t.err"; then
            echo "--threads $t $opts $cap: exit $st (one thread: $st1)"
            diff "$work/t1.out" "$work/t$t.out" | head -20
            diff "$work/t1.err" "$work/t$t.err" | head -5
            return 1
        fi
    done
    # The comparison can fail: a run that wrote nothing proves nothing,
    # unless nothing could be read (exit 2, same errors): then no output at
    # all is the right answer on every thread count (no report from nothing).
    [ -s "$work/t1.out" ] || { [ "$st1" -eq 2 ] && [ -s "$work/t1.err" ]; }
}

for cap in "${captures[@]}"; do
    for opts in "${variants[@]}"; do
        if same_output "$cap" "$opts" > "$work/why" 2>&1; then
            tap_ok "$(basename "$cap") $opts: --threads 2 and 3 equal one thread"
        else
            tap_not_ok "$(basename "$cap") $opts: --threads 2 and 3 equal one thread"
            tap_diag < "$work/why"
        fi
    done
done

sample=$SRCDIR/samples/mail-mix.pcap
"$POP3SCOPE" --threads 0 "$sample" > /dev/null 2> "$work/err"; st=$?
tap_check "--threads 0 is refused with a message" eval '[ $st -eq 1 ] && grep -q -- "--threads needs a whole number from 1 to 64" "$work/err"'
"$POP3SCOPE" --threads 65 "$sample" > /dev/null 2> "$work/err"; st=$?
tap_check "--threads 65 is refused with a message" eval '[ $st -eq 1 ] && grep -q -- "--threads" "$work/err"'
"$POP3SCOPE" --help > "$work/help" 2>&1
tap_check "--help documents --threads" grep -q -- "--threads N" "$work/help"

# Many workers, few connections: most shards stay empty, nothing hangs.
"$POP3SCOPE" --threads 64 --json -p "$sample" > "$work/t64.json"; st=$?
"$POP3SCOPE" --json -p "$sample" > "$work/t1.json"
tap_check "--threads 64 on a small capture equals one thread" eval '[ $st -eq 0 ] && cmp -s "$work/t1.json" "$work/t64.json"'

# Several files are one capture (frame numbers restart in each file).
"$POP3SCOPE" --json -p "$SRCDIR/samples/stls.pcap" "$sample" "$SRCDIR/samples/apop.pcap" > "$work/m1.json"
"$POP3SCOPE" --threads 3 --json -p "$SRCDIR/samples/stls.pcap" "$sample" "$SRCDIR/samples/apop.pcap" > "$work/m3.json"
tap_check "several input files: --threads 3 equals one thread" cmp -s "$work/m1.json" "$work/m3.json"

# Files larger than the reader's held blocks (pcapfile_hold): the workers
# read frames in place while the reader rotates through its blocks, and
# block numbers start again with each file; from a pipe as well.
if [ "$have_gen" -eq 1 ]; then
    "$POP3SCOPE" --json -p "$work/gen.pcap" "$work/gen.pcap" > "$work/big1.json"
    "$POP3SCOPE" --threads 2 --json -p "$work/gen.pcap" "$work/gen.pcap" > "$work/big2.json"
    "$POP3SCOPE" --threads 3 --json -p - < "$work/gen.pcap" > "$work/pipe3.json"
    "$POP3SCOPE" --json -p - < "$work/gen.pcap" > "$work/pipe1.json"
    tap_check "large files twice and a pipe: --threads 2 and 3 equal one thread" \
        eval 'cmp -s "$work/big1.json" "$work/big2.json" && cmp -s "$work/pipe1.json" "$work/pipe3.json"'
else
    tap_ok "# SKIP pop3gen missing"
fi

if [ "$have_gen" -eq 1 ] && command -v python3 > /dev/null; then
    "$POP3SCOPE" --threads 2 --json -p "$work/gen.pcap" > "$work/gen.json"
    tap_check "--threads 2 matches the generator's truth" \
        eval 'python3 "$SRCDIR/tests/bench/truth.py" "$work/gen.truth" "$work/gen.json" | grep -q MATCH'
else
    tap_ok "# SKIP pop3gen or python3 missing"
fi
tap_done
