#!/usr/bin/env bash
# The end-of-run text summary as an auditor reads it (README "The end-of-run
# summary"): every line of it on samples/mail-mix.pcap; the accounts,
# servers and stls_offered_not_used lines on a peer capture (nDPI's
# pop3.pcap); the brute-force hint on a generated brute force without
# --alerts, and without "run with --alerts" when alerts ran; 100,000 guessed
# logins at 100,000 names give a summary of fixed length with the rest
# counted, and peak RSS that does not grow from 20,000 to 100,000.
set -u
. "$(dirname "$0")/../lib/lib.sh"

gen=$SRCDIR/tests/cli/report_gen.py
[ -x /usr/bin/python3 ] || tap_skip_all "python3 missing (Debian package python3)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tap_plan 10

# same NAME EXPECTED ACTUAL: one TAP line; the diff when they differ.
same() {
    if [ "$2" = "$3" ]; then
        tap_ok "$1"
    else
        tap_not_ok "$1"
        diff <(echo "$2") <(echo "$3") | tap_diag
    fi
}

# 1: the whole summary of mail-mix.pcap: two accounts by exposure, three
# servers by attempts (the POP3S one with no banner, no method), the totals.
expected='sessions: 4 (cleartext 2, stls 1, implicit tls 1)
login attempts: 2 (success 2, failure 0, aborted 0, unknown 0)
messages retrieved: 0 (0 octets), deleted: 0
passwords exposed in cleartext: 2 accounts
accounts (user at server, most exposed first):
  alice at 127.0.0.1:110: 1 attempt (success 1, failure 0); methods USER; exposure cleartext; seen 2026-11-26 05:51:41 to 2026-11-26 05:51:41
  carol at 127.0.0.1:1110: 1 attempt (success 1, failure 0); methods USER; exposure cleartext; seen 2026-11-26 05:51:41 to 2026-11-26 05:51:41
servers (most attempts first):
  127.0.0.1:110: 2 sessions, 1 attempt; banner "pop3scope test server ready <63bc.1.6b07c8ed.gU3nTlsLa43YJZ..."; methods USER; STLS offered 1, used 1, offered not used 0; implicit TLS 0
  127.0.0.1:1110: 1 session, 1 attempt; banner "pop3scope test server ready <63bc.2.6b07c8ed.ZUT+RodZUe3uzT..."; methods USER; STLS offered 0, used 0, offered not used 0; implicit TLS 0
  127.0.0.1:995: 1 session, 0 attempts; banner -; methods -; STLS offered 0, used 0, offered not used 0; implicit TLS 1
stls_offered_not_used: 0 sessions (STLS offered, login in the clear)
alerts: none
mail:
  cleartext POP3                2 sessions             343 bytes
  POP3 after STLS               1 session             3602 bytes
  POP3S (implicit TLS)          1 session             6043 bytes
other applications (nDPI, most bytes first):
  HTTP                          1 flow                3425 bytes'
same "mail-mix.pcap --summary: every line" "$expected" "$("$POP3SCOPE" --summary "$SRCDIR/samples/mail-mix.pcap" 2>&1)"

# 2: with --alerts the totals count them by kind (cleartext_credentials
# fires once per cleartext login).
out=$("$POP3SCOPE" --alerts --summary "$SRCDIR/samples/mail-mix.pcap" 2>&1)
tap_check "mail-mix.pcap --alerts: alert totals by kind" \
    grep -qx 'alerts: 2 (cleartext_credentials 2)' <<< "$out"

# 3: a peer capture: one account on two servers' worth of sessions, STLS
# offered and not used three times (nDPI's pop3.pcap, from a real webmail).
if peers=$(peer_capture_dir) && [ -f "$peers/nDPI__pop3.pcap" ]; then
    expected='accounts (user at server, most exposed first):
  digitalinvestigator@networksims.com at 212.227.15.166:110: 3 attempts (success 2, failure 1); methods PLAIN; exposure cleartext; seen 2013-08-22 20:01:20 to 2013-08-22 20:03:04
  cicciopernacchio@mail.com at 74.208.5.28:110: 1 attempt (success 1, failure 0); methods USER; exposure cleartext; seen 2012-10-09 09:59:40 to 2012-10-09 09:59:40
servers (most attempts first):
  212.227.15.166:110: 5 sessions, 3 attempts; banner "POP server ready H mimap4 0MHoUr-1VDxRD3Ui5-003eq2"; methods PLAIN; STLS offered 5, used 0, offered not used 3; implicit TLS 0
  74.208.5.28:110: 1 session, 1 attempt; banner "POP server ready H migmxus005"; methods USER; STLS offered 0, used 0, offered not used 0; implicit TLS 0
stls_offered_not_used: 3 sessions (STLS offered, login in the clear)'
    out=$("$POP3SCOPE" --summary "$peers/nDPI__pop3.pcap" 2>&1 | sed -n '/^accounts (/,/^stls_offered_not_used:/p')
    same "nDPI__pop3.pcap: accounts, servers, stls_offered_not_used" "$expected" "$out"
    n=$(grep -c '"stls_offered_not_used"' "$SRCDIR/tests/golden/peer/nDPI__pop3.jsonl")
    tap_check "nDPI__pop3.pcap: the count is the golden JSON's sessions with the anomaly ($n)" eval '[ "$n" -eq 3 ]'
else
    echo "# WARNING: ../shared/peer-captures is absent: peer capture checks SKIPPED" >&2
    tap_ok "nDPI__pop3.pcap # SKIP ../shared/peer-captures not found beside the project"
    tap_ok "nDPI__pop3.pcap golden count # SKIP ../shared/peer-captures not found"
fi

# 5-6: a brute force on one account: the hint without --alerts; with
# --alerts the alerts fired, so the hint does not send the reader there.
/usr/bin/python3 "$gen" --sessions 1 --attempts 57 --user bob "$work/bob.pcap"
out=$("$POP3SCOPE" --summary "$work/bob.pcap" 2>&1)
tap_check "57 guesses at bob, no --alerts: the brute-force hint" grep -qx \
    'brute force? bob at 192.0.2.1:110: 57 failures in 0 s, looks like guessing; run with --alerts' <<< "$out"
out=$("$POP3SCOPE" --alerts --summary "$work/bob.pcap" 2>&1)
tap_check "with --alerts: alert totals, and the hint without 'run with --alerts'" eval \
    'grep -qx "alerts: 3 (brute_force_account 1, brute_force_client 1, cleartext_credentials 1)" <<< "$out" &&
     grep -qx "brute force? bob at 192.0.2.1:110: 57 failures in 0 s, looks like guessing" <<< "$out"'

# 7-10: 100,000 guesses at 100,000 names (two servers): the summary lists
# OUTPUT_SUMMARY_ACCOUNTS_SHOWN accounts and counts the rest; its length
# does not depend on the capture; the model's caps hold the memory.
/usr/bin/python3 "$gen" --sessions 20 --attempts 1000 "$work/20k.pcap"
/usr/bin/python3 "$gen" --sessions 100 --attempts 1000 "$work/100k.pcap"
"$POP3SCOPE" --summary "$work/20k.pcap" > "$work/20k.txt" 2>&1
"$POP3SCOPE" --summary "$work/100k.pcap" > "$work/100k.txt" 2>&1
tap_check "100k attempts: 20 accounts listed, 4076 more counted, 95904 attempts past the table counted" eval \
    '[ "$(grep -c "^  u[0-9]*_[0-9]* at 192.0.2" "$work/100k.txt")" -eq 20 ] &&
     grep -qx "  ... and 4076 more accounts" "$work/100k.txt" &&
     grep -qx "  ... and 95904 attempts on accounts beyond the table.s 4096 (+512 for logins that worked)" "$work/100k.txt"'
lines20=$(wc -l < "$work/20k.txt")
lines100=$(wc -l < "$work/100k.txt")
tap_check "the summary has as many lines for 100k attempts as for 20k ($lines100, $lines20), under 40" eval \
    '[ "$lines100" -eq "$lines20" ] && [ "$lines100" -lt 40 ]'
# Peak RSS in KiB of one run, each in its own python so the maximum is its own.
peak() {
    /usr/bin/python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}
# ASan's shadow memory and quarantine make RSS meaningless there.
if [ "${SANITIZERS:-no}" = yes ]; then
    tap_ok "peak RSS 100k attempts within 1 MiB of 20k # SKIP not measured in the sanitizer build"
    tap_ok "peak RSS 100k attempts within 12 MiB of 10 attempts # SKIP not measured in the sanitizer build"
else
    /usr/bin/python3 "$gen" --sessions 1 --attempts 10 "$work/10.pcap"
    rss10=$(peak "$POP3SCOPE" --summary "$work/10.pcap")
    rss20k=$(peak "$POP3SCOPE" --summary "$work/20k.pcap")
    rss100k=$(peak "$POP3SCOPE" --summary "$work/100k.pcap")
    echo "# peak RSS: 10 attempts $rss10 KiB, 20k $rss20k KiB, 100k $rss100k KiB"
    tap_check "peak RSS 100k attempts ($rss100k KiB) within 1 MiB of 20k ($rss20k KiB): the tables are full, not growing" \
        eval '[ "$rss100k" -le $((rss20k + 1024)) ]'
    tap_check "peak RSS 100k attempts within 12 MiB of 10 attempts ($rss10 KiB): the summary's caps" \
        eval '[ "$rss100k" -le $((rss10 + 12288)) ]'
fi
tap_done
