#!/usr/bin/env bash
# Issue 15's "done when": ONE run writes JSON lines to a file, streams to a
# real redis-server, logs to a real rsyslogd and writes the HTML report,
# which a real headless Chromium then opens. Each sink must hold exactly
# what --json alone prints (the report: the accounts that sent a cleartext
# password, as Chromium rendered them), with --threads 2 so the plugins run
# behind the writer thread of the sharded engine.
set -u
. "$(dirname "$0")/../lib/lib.sh"

syslog_module=$BUILDDIR/plugins/syslog.so
redis_module=$BUILDDIR/plugins/redis.so
inputs="$SRCDIR/samples/mail-mix.pcap $SRCDIR/samples/userpass.pcap $SRCDIR/samples/auth-plain.pcap"
rsyslogd=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
redis_server=$(command -v redis-server || echo /usr/bin/redis-server)
redis_cli=$(command -v redis-cli || echo /usr/bin/redis-cli)
chromium=$(command -v chromium || echo /usr/bin/chromium)
[ -x "$rsyslogd" ] || tap_skip_all "rsyslogd not installed (Debian package rsyslog)"
[ -x "$redis_server" ] || tap_skip_all "redis-server not installed (Debian package redis-server)"
[ -x "$redis_cli" ] || tap_skip_all "redis-cli not installed (Debian package redis-tools)"
[ -x "$chromium" ] || tap_skip_all "chromium not installed (Debian package chromium)"
[ -f "$syslog_module" ] && [ -f "$redis_module" ] || tap_skip_all "plugins not built"
work=$(mktemp -d)
chmod 0700 "$work"
rs_pid= redis_pid=
cleanup() {
    for p in $rs_pid $redis_pid; do kill -9 "$p" 2>/dev/null; done
    if [ -n "${KEEP:-}" ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Ports of its own, away from the other plugin tests' ranges.
base=$((41000 + $$ % 20000))
udp=$base tcp=$((base + 1)) redis_port=$((base + 2))
sed -e "s|@WORK@|$work|g" -e "s|@UDP@|$udp|g" -e "s|@TCP@|$tcp|g" \
    "$SRCDIR/tests/plugins/rsyslog.conf.in" > "$work/rsyslog.conf"
"$rsyslogd" -n -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" > "$work/rsyslog.out" 2>&1 &
rs_pid=$!
mkdir "$work/redis"
"$redis_server" --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --save '' --appendonly no \
    --daemonize no > "$work/redis.log" 2>&1 &
redis_pid=$!
cli() { "$redis_cli" -p "$redis_port" --raw "$@"; }
for _ in $(seq 100); do
    ss -ltn | grep -q "127.0.0.1:$tcp " && [ "$(cli ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
done

tap_plan 6

"$POP3SCOPE" --json $inputs > "$work/alone.json"
events=$(wc -l < "$work/alone.json")

"$POP3SCOPE" --threads 2 --json -o "$work/run.json" \
    --emit "$redis_module:port=$redis_port,mode=stream,key=p3all" \
    --emit "$syslog_module:target=tcp://127.0.0.1:$tcp,app_name=p3all" \
    --report "$work/report.html" $inputs 2> "$work/err"
st=$?
tap_check "one run, four outputs: exit 0, nothing on stderr, JSON file identical to --json alone ($events events)" \
    eval '[ $st -eq 0 ] && [ ! -s "$work/err" ] && cmp -s "$work/run.json" "$work/alone.json"'

# The stream as "TYPE JSON" lines, as the --json lines with their type.
cli xrange p3all - + | awk 'NR % 5 == 3 { t = $0 } NR % 5 == 0 { print t " " $0 }' > "$work/stream"
sed -E 's/^\{"event":"([a-z_]+)"/\1 &/' "$work/alone.json" > "$work/typed"
tap_check "redis stream holds every event once, in order" cmp -s "$work/stream" "$work/typed"

for _ in $(seq 50); do
    [ "$(grep -ac ' p3all ' "$work/out.log" 2>/dev/null)" -ge "$events" ] && break
    sleep 0.1
done
grep -a ' p3all ' "$work/out.log" | LC_ALL=C sed 's/^[^]]*\] //; s/^\xEF\xBB\xBF//' > "$work/syslog.json"
tap_check "rsyslog parsed one RFC 5424 message per event, the JSON line intact" \
    cmp -s "$work/syslog.json" "$work/alone.json"

tap_check "the report is a file of mode 0600" eval '[ "$(stat -c %a "$work/report.html")" = 600 ]'

# Chromium's DOM after rendering, reduced to its text.
timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --user-data-dir="$work/chromium" \
    --dump-dom "file://$work/report.html" > "$work/dom.html" 2> "$work/chromium.err"
/usr/bin/python3 - "$work/dom.html" > "$work/dom.txt" << 'PY'
import sys
from html.parser import HTMLParser
class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []
    def handle_data(self, data):
        self.parts.append(data)
t = Text()
t.feed(open(sys.argv[1], encoding="utf-8").read())
print("\n".join(p.strip() for p in t.parts if p.strip()))
PY
# Users that sent a cleartext password, from the JSON: the report must list them.
/usr/bin/python3 -c '
import json, sys
users = sorted({e["user"] for e in map(json.loads, open(sys.argv[1]))
                if e.get("event") == "auth" and e.get("exposure") == "cleartext" and e.get("user")})
print("\n".join(users))' "$work/alone.json" > "$work/exposed"
tap_check "Chromium rendered the report: the 'Exposed accounts' section and each of $(wc -l < "$work/exposed") exposed users" \
    eval 'grep -qx "Exposed accounts" "$work/dom.txt" && [ -s "$work/exposed" ] &&
          while read -r u; do grep -qxF "$u" "$work/dom.txt" || exit 1; done < "$work/exposed"'

tap_check "the report names each input file it was read from" \
    eval 'for f in $inputs; do grep -qF "$(basename "$f")" "$work/dom.txt" || exit 1; done'

if [ "$tap_failed" -ne 0 ]; then
    tap_diag < "$work/err"
    tail -5 "$work/rsyslog.out" "$work/redis.log" "$work/chromium.err" 2>/dev/null | tap_diag
fi
tap_done
