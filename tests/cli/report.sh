#!/usr/bin/env bash
# --report FILE.html as a user meets it: beside --json -o without changing
# it; on every sample and peer capture the page's accounts, servers, alerts
# and mail picture are the --json events' (tests/cli/report_check.py reads
# it with html.parser); --threads gives the same page; markup in user names
# and banners stays text and secrets stay out unless -p; 100,000 guessed
# logins give a page under 5 MB with the one login that worked still
# listed; the file is 0600, put in place by rename (no temporary file
# left, a symlink replaced, not followed), refused early when it cannot be
# written.
set -u
. "$(dirname "$0")/../lib/lib.sh"

sample=$SRCDIR/samples/mail-mix.pcap
check=$SRCDIR/tests/cli/report_check.py
gen=$SRCDIR/tests/cli/report_gen.py
[ -f "$sample" ] || tap_skip_all "samples/mail-mix.pcap missing"
[ -x /usr/bin/python3 ] || tap_skip_all "python3 missing (Debian package python3)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tap_plan 14

# 1-2: beside the primary output, which stays byte for byte what it was.
"$POP3SCOPE" --json -o "$work/plain.json" "$sample"
"$POP3SCOPE" --json -o "$work/with.json" --report "$work/r.html" "$sample"; st=$?
tap_check "--json -o x.json --report r.html: exit 0, x.json as without --report" \
    eval '[ $st -eq 0 ] && [ -s "$work/with.json" ] && cmp -s "$work/plain.json" "$work/with.json"'
tap_check "the report is created mode 0600" eval '[ "$(stat -c %a "$work/r.html")" = 600 ]'

# 3: the page holds the capture's accounts, servers, alerts, mail picture.
"$POP3SCOPE" --json --alerts "$sample" > "$work/events.json"
if out=$(/usr/bin/python3 "$check" "$work/r.html" --json "$work/events.json" --svg --account alice=cleartext \
    --account carol=cleartext --server 127.0.0.1:110 --server 127.0.0.1:995 --alert cleartext_credentials \
    --text "pop3scope test server ready" --no-text alice-secret-1 2>&1); then
    tap_ok "mail-mix.pcap: the page's tables are the --json events' (accounts, servers, alerts, mail)"
else
    tap_not_ok "mail-mix.pcap: the page's tables are the --json events'"
    echo "$out" | tap_diag
fi

# 4: the same on every sample and peer capture.
bad=0
mapfile -t captures < <(capture_list samples peer)
for f in "${captures[@]}"; do
    rm -f "$work/e.html"
    "$POP3SCOPE" --json --alerts "$f" > "$work/e.json" 2> /dev/null
    "$POP3SCOPE" --summary --report "$work/e.html" "$f" > /dev/null 2> "$work/e.err"; st=$?
    # 2 is a damaged capture (some peer captures are cut): still a page.
    if [ $st -ne 0 ] && [ $st -ne 2 ]; then
        bad=$((bad + 1))
        { echo "${f##*/}: exit $st"; cat "$work/e.err"; } | head -20 | tap_diag
    elif ! out=$(/usr/bin/python3 "$check" "$work/e.html" --json "$work/e.json" 2>&1); then
        bad=$((bad + 1))
        echo "${f##*/}: $out" | head -c 2000 | tap_diag
    fi
done
tap_check "every sample and peer capture (${#captures[@]}): the page agrees with the events" \
    eval '[ $bad -eq 0 ] && [ ${#captures[@]} -gt 20 ]'

# 5: --threads gives the same page, byte for byte (packet time only).
mapfile -t samples < <(capture_list samples)
"$POP3SCOPE" --summary --report "$work/one.html" "${samples[@]}" > /dev/null 2>&1; st1=$?
"$POP3SCOPE" --summary --threads 2 --report "$work/two.html" "${samples[@]}" > /dev/null 2>&1; st2=$?
tap_check "all samples in one run: --threads 2 writes the same page as one thread" \
    eval '[ $st1 -eq 0 ] && [ $st2 -eq 0 ] && cmp -s "$work/one.html" "$work/two.html" && grep -q "mail-mix.pcap" "$work/one.html"'

# 6-7: hostile strings stay text; secrets only with -p.
/usr/bin/python3 "$gen" --sessions 4 --attempts 3 --hostile "$work/hostile.pcap"
"$POP3SCOPE" --json --alerts "$work/hostile.pcap" > "$work/hostile.json"
"$POP3SCOPE" --report "$work/h.html" "$work/hostile.pcap" > /dev/null
if out=$(/usr/bin/python3 "$check" "$work/h.html" --json "$work/hostile.json" \
    --account '<script>alert(1)</script>=cleartext' --account '"><img src=x onerror=alert(2)>=cleartext' \
    --account 'eve&co<b>=cleartext' --text '<iframe src=//evil.example/x></iframe> ready' --no-text s3cr3t 2>&1); then
    tap_ok "markup in user names and banners renders as text; secrets redacted by default"
else
    tap_not_ok "markup in user names and banners renders as text"
    echo "$out" | tap_diag
fi
"$POP3SCOPE" -p --report "$work/hp.html" "$work/hostile.pcap" > /dev/null
if out=$(/usr/bin/python3 "$check" "$work/hp.html" --text 's3cr3t</td><script>alert(3)</script>' 2>&1); then
    tap_ok "--show-passwords: the secret is on the page, as text"
else
    tap_not_ok "--show-passwords: the secret is on the page, as text"
    echo "$out" | tap_diag
fi

# 8-9: 100,000 failed logins, each with its own name, and one success.
/usr/bin/python3 "$gen" --sessions 1000 --attempts 100 --hostile "$work/big.pcap"
/usr/bin/time -f %M -o "$work/rss" "$POP3SCOPE" --summary --report "$work/big.html" "$work/big.pcap" > /dev/null; st=$?
size=$(stat -c %s "$work/big.html")
rss=$(cat "$work/rss")
echo "100003 attempts: page $size bytes, max RSS $rss KiB" | tap_diag
if out=$(/usr/bin/python3 "$check" "$work/big.html" --svg --attempts 100003 --more-accounts \
    --account 'eve&co<b>=cleartext' --account u0_0 --alert brute_force_client --alert password_spraying \
    --server 192.0.2.1:110 --server 192.0.2.2:110 2>&1) && [ $st -eq 0 ] && [ "$size" -lt 5242880 ]; then
    tap_ok "100,003 attempts: page under 5 MB, capped tables with 'and N more', the success still listed"
else
    tap_not_ok "100,003 attempts: page under 5 MB"
    echo "$out" | tap_diag
fi
# ASan's shadow memory and quarantine make RSS meaningless there.
if [ "${SANITIZERS:-no}" = yes ]; then
    tap_ok "100,003 attempts on 100,003 names: max RSS under 96 MiB # SKIP not measured in the sanitizer build"
else
    tap_check "100,003 attempts on 100,003 names: max RSS under 96 MiB" eval '[ "$rss" -lt 98304 ]'
fi

# 10-11: alerts: the run's when on; off with --no-alerts.
"$POP3SCOPE" --no-alerts --report "$work/n.html" "$sample" > /dev/null
tap_check "--no-alerts: the page says the detectors were off and lists none" \
    eval 'grep -q "Alert detectors were off (--no-alerts)" "$work/n.html" && ! grep -q "<td>cleartext_credentials</td>" "$work/n.html"'
"$POP3SCOPE" --alerts --json --report "$work/a.html" "$sample" > "$work/a.json"
tap_check "--alerts: the run's alerts, the same in the output and on the page" \
    eval '/usr/bin/python3 "$check" "$work/a.html" --json "$work/a.json" && grep -q "The run.s alerts" "$work/a.html"'

# 12-14: the file is put in place by rename.
mkdir "$work/d"
echo old > "$work/d/r.html"
chmod 644 "$work/d/r.html"
echo target > "$work/target"
ln -s "$work/target" "$work/d/link.html"
"$POP3SCOPE" --report "$work/d/r.html" "$sample" > /dev/null
"$POP3SCOPE" --report "$work/d/link.html" "$sample" > /dev/null
tap_check "an old report is replaced (0600), a symlink replaced not followed, no temporary file left" \
    eval '[ "$(stat -c %a "$work/d/r.html")" = 600 ] && grep -q "</html>" "$work/d/r.html" &&
          [ ! -L "$work/d/link.html" ] && [ "$(cat "$work/target")" = target ] && [ "$(ls "$work/d" | wc -l)" = 2 ]'
"$POP3SCOPE" --json -o "$work/never.json" --report "$work/missing/r.html" "$sample" > /dev/null 2> "$work/err"; st=$?
tap_check "a directory that does not exist: exit 3 before any output, the message names the path" \
    eval '[ $st -eq 3 ] && [ ! -s "$work/never.json" ] && grep -q "missing/r.html" "$work/err"'
"$POP3SCOPE" --report "$work/d" "$sample" > /dev/null 2> "$work/err"; st=$?
tap_check "a directory as FILE: exit 3, says so" eval '[ $st -eq 3 ] && grep -q "is a directory" "$work/err"'

tap_done
