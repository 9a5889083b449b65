#!/usr/bin/env bash
# make fuzz-smoke: runs each libFuzzer harness for a bounded time, from
# seeds made from samples/ plus tests/hostile/crashers/, with the POP3 dictionary.
#   smoke.sh SECONDS HARNESS...    (run from the build directory)
# Prints one line per harness, "PASS: fuzz-smoke <name> ..." or "FAIL: ...",
# and exits 1 if any harness found something. A finding is left in
# fuzz-artifacts/<name>/: reproduce it with tests/fuzz/fuzz_<name> FILE,
# fix it, then add the file to tests/hostile/crashers/<name>/ so make check replays
# it for good. The corpus grows in fuzz-corpus/<name>/ across runs.
set -u
secs=${1:?seconds}
shift
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
failed=0

python3 "$srcdir/tests/fuzz/make-seeds.py" fuzz-seeds "$srcdir"/samples/*.pcap || exit 1
for h in "$@"; do
    corpus=fuzz-corpus/$h
    art=fuzz-artifacts/$h
    mkdir -p "$corpus" "$art"
    seeds=()
    for d in fuzz-seeds/$h "$srcdir/tests/hostile/crashers/$h"; do
        [ -d "$d" ] && seeds+=("$d")
    done
    log=tests/fuzz/smoke-$h.log
    # -close_fd_mask=3: the pipeline writes messages about damaged input;
    # libFuzzer keeps its own stderr for the report. Harness runs above
    # 10 s or 2 GiB are findings too (a hang, unbounded growth).
    ./tests/fuzz/fuzz_"$h" -dict="$srcdir/tests/fuzz/pop3.dict" -max_total_time="$secs" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -close_fd_mask=3 -print_final_stats=1 \
        -artifact_prefix="$art/" "$corpus" "${seeds[@]}" > "$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ "$status" -eq 0 ]; then
        echo "PASS: fuzz-smoke $h (${runs:-?} runs in ${secs}s)"
    else
        failed=1
        echo "FAIL: fuzz-smoke $h (exit $status; see $log and $art/)"
        grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$log" | head -5 | sed 's/^/#   /'
    fi
done
exit $failed
