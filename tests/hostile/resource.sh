#!/usr/bin/env bash
# Resource attacks (README "Hostile input"): each capture is made on the fly
# by tests/lib/tools/flood-pcap and piped into pop3scope, so nothing big touches
# the disk. Each must finish (no hang), keep its peak RSS under the bound the
# README states (measured with /usr/bin/time), count what it hit, and still
# report the ordinary login that follows the attack in the same capture.
# Under ASan (SANITIZERS=yes) the RSS bounds do not apply: the shadow memory
# and quarantine are ASan's, so only the other checks run.
set -u
. "$(dirname "$0")/../lib/lib.sh"

gen=$BUILDDIR/tests/lib/tools/flood-pcap
[ -x "$gen" ] || tap_skip_all "tests/lib/tools/flood-pcap not built"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure=yes
if [ ! -x /usr/bin/time ]; then
    measure="no (/usr/bin/time missing: apt-get install time)"
elif [ "${SANITIZERS:-no}" = yes ]; then
    measure="no (sanitizer build)"
fi

tap_plan 21

# attack NAME KIND COUNT LIMIT_MIB [OPTIONS...]: runs one attack; sets st,
# out, err, rss_kib, seconds.
attack() {
    local name=$1 kind=$2 count=$3
    shift 4
    out=$work/$name.json
    err=$work/$name.err
    # timeout: a hang fails the case instead of the whole suite.
    "$gen" "$kind" "$count" |
        timeout 300 /usr/bin/time -f "%M %e" -o "$work/$name.time" \
            "$POP3SCOPE" --json -p "$@" - > "$out" 2> "$err"
    st=$?
    read -r rss_kib seconds < "$work/$name.time" 2>/dev/null || { rss_kib=0; seconds=0; }
    echo "# $name: $kind $count: exit $st, peak RSS $((rss_kib / 1024)) MiB, ${seconds}s"
}

# The canary login after the attack, and an exit status of 0.
check_survived() {
    if [ "$st" -eq 0 ] && grep -q '"user":"canary","authzid":null,"outcome":"success"' "$out"; then
        tap_ok "$1: exit 0, the login after the attack is still reported"
    else
        tap_not_ok "$1: exit 0, the login after the attack is still reported (exit $st)"
        tap_diag < "$err"
    fi
}

check_rss() {
    local name=$1 limit_mib=$2
    if [ "$measure" != yes ]; then
        tap_ok "$name: peak RSS under $limit_mib MiB # SKIP not measured: $measure"
    elif [ "$rss_kib" -gt 0 ] && [ "$rss_kib" -le $((limit_mib * 1024)) ]; then
        tap_ok "$name: peak RSS $((rss_kib / 1024)) MiB, under $limit_mib MiB"
    else
        tap_not_ok "$name: peak RSS $((rss_kib / 1024)) MiB, over $limit_mib MiB"
    fi
}

# session_field FIELD: the value of FIELD in the attack session (flow 1).
session_field() {
    python3 "$SRCDIR/tests/hostile/resource_session_field.py" "$out" "$1"
}

# ---- a 100 MiB line without LF: kept up to --max-line, the rest counted
attack longline longline 100 32
check_survived "100 MiB line without LF"
check_rss "100 MiB line without LF" 32
tap_check "100 MiB line: all 104857605 client bytes counted, none stored" \
    eval '[ "$(session_field client_bytes)" = 104857605 ]'

# ---- one million pipelined commands, then one million replies
attack pipeline pipeline 1000000 32
check_survived "1,000,000 pipelined NOOPs"
check_rss "1,000,000 pipelined NOOPs" 32
tap_check "pipelined NOOPs: 1000000 commands counted, pipeline_overflow reported" \
    eval '[ "$(session_field commands)" = 1000000 ] && session_field anomalies | grep -q pipeline_overflow'

# ---- a server that never answers
attack silent silent 1000000 32
check_survived "1,000,000 commands to a silent server"
check_rss "1,000,000 commands to a silent server" 32
tap_check "silent server: 1000000 commands counted, pipeline_overflow reported" \
    eval '[ "$(session_field commands)" = 1000000 ] && session_field anomalies | grep -q pipeline_overflow'

# ---- a client that never stops sending AUTH continuations
attack authcont authcont 1000000 32
check_survived "1,000,000 AUTH LOGIN continuations"
check_rss "1,000,000 AUTH LOGIN continuations" 32
tap_check "AUTH continuations: one LOGIN attempt, one command" \
    eval '[ "$(grep -c "\"method\":\"LOGIN\"" "$out")" -eq 1 ] && [ "$(session_field commands)" = 1 ]'

# ---- one million SYNs to port 110: the table holds --max-flows, evicts the rest
attack syn syn 1000000 128
check_survived "1,000,000 SYNs (default --max-flows 262144)"
check_rss "1,000,000 SYNs (default --max-flows 262144)" 144
tap_check "SYN flood: evictions reported on stderr, no session for a bare SYN" \
    eval 'grep -q "connection table full: [0-9]* connections evicted" "$err" && [ "$(grep -c "\"event\":\"session\"" "$out")" -eq 1 ]'
attack syn-small syn 1000000 48 --max-flows 65536
check_survived "1,000,000 SYNs with --max-flows 65536"
check_rss "1,000,000 SYNs with --max-flows 65536" 48
tap_check "SYN flood with --max-flows 65536: 934465 evicted" \
    grep -q "934465 connections evicted" "$err"

# ---- one million fragments that never complete
attack frags frags 1000000 64
check_survived "1,000,000 incomplete fragments"
check_rss "1,000,000 incomplete fragments" 64
tap_check "incomplete fragments: counted and reported on stderr" \
    grep -q "1000000 IP fragments" "$err"
tap_done
