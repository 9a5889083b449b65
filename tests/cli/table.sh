#!/usr/bin/env bash
# The text table a person reads (README "The text table"): at COLUMNS=80,
# 100 and 200 every line fits, no row wraps, the columns are the documented
# ones and stay aligned; without a width (a pipe) the rows are whole, as
# --wide gives them; -p shows a 40-character user and a 60-character
# password whole at 80 columns (a real login on loopback, captured by
# tcpdump); a long IPv6 endpoint goes below its row (a scapy capture);
# --vertical gives one block per attempt; and in a real 80x50 terminal
# (tmux) each row of samples/mail-mix.pcap is one screen line under an
# aligned header.
set -u
. "$(dirname "$0")/../lib/lib.sh"

unset COLUMNS
need=
command -v tmux >/dev/null 2>&1 || need="$need tmux"
command -v tcpdump >/dev/null 2>&1 || need="$need tcpdump"
/usr/bin/python3 -c 'import scapy' 2>/dev/null || need="$need python3-scapy"
if [ -n "$need" ]; then
    [ "${CI:-}" = true ] && { echo "Bail out! missing Debian packages:$need"; exit 1; }
    tap_skip_all "missing Debian packages:$need"
fi
[ "$(id -u)" -eq 0 ] || { [ "${CI:-}" = true ] && { echo "Bail out! tcpdump on lo needs root"; exit 1; }; tap_skip_all "tcpdump on lo needs root"; }

work=$(mktemp -d)
tmux_sock=pop3scope-table-$$
tcpdump_pid=
cleanup() {
    [ -n "$tcpdump_pid" ] && kill "$tcpdump_pid" 2>/dev/null
    tmux -L "$tmux_sock" kill-server 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
check=$SRCDIR/tests/cli/table_check.py
ALL="TIME (UTC),CLIENT,SERVER,USER,METHOD,OUTCOME,EXPOSURE,PASSWORD,RESPONSE,FRAMES"
W200=$ALL
W100="TIME (UTC),SERVER,USER,METHOD,OUTCOME,EXPOSURE"
W80="TIME (UTC),SERVER,USER,OUTCOME,EXPOSURE"
W80P="TIME (UTC),SERVER,USER,OUTCOME,PASSWORD"

# check_out DESC PYTHON-ARGS... < output: one TAP line, the problems as diag.
check_out() {
    local desc=$1
    shift
    if /usr/bin/python3 "$check" "$@" > "$work/problems" 2>&1; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc"
        tap_diag < "$work/problems"
    fi
}

tap_plan 15

# --- the samples at three widths, and without one
/usr/bin/python3 "$SRCDIR/tests/cli/table_ipv6_pcap.py" "$work/v6.pcap" 2> "$work/scapy.err" ||
    tap_diag < "$work/scapy.err"
pcaps=("$SRCDIR"/samples/*.pcap "$work/v6.pcap")
for w in 80 100 200; do
    eval "cols=\$W$w"
    bad= tables=0
    for p in "${pcaps[@]}"; do
        COLUMNS=$w "$POP3SCOPE" "$p" > "$work/out" 2>/dev/null
        grep -q '^TIME (UTC)' "$work/out" || continue
        tables=$((tables + 1))
        /usr/bin/python3 "$check" table "$w" "$cols" < "$work/out" > "$work/problems" ||
            { bad="$bad $(basename "$p")"; tap_diag < "$work/problems"; }
    done
    [ "$tables" -ge 20 ] || bad="$bad only $tables tables"
    if [ -z "$bad" ]; then tap_ok "COLUMNS=$w: every sample's table fits, aligned, columns $cols"; else tap_not_ok "COLUMNS=$w:$bad"; fi
done

"$POP3SCOPE" "$SRCDIR/samples/mail-mix.pcap" > "$work/pipe" 2>/dev/null
"$POP3SCOPE" --wide "$SRCDIR/samples/mail-mix.pcap" > "$work/wide" 2>/dev/null
COLUMNS=80 "$POP3SCOPE" --wide "$SRCDIR/samples/mail-mix.pcap" > "$work/wide80" 2>/dev/null
check_out "a pipe without COLUMNS gets every column" table 0 "$ALL" < "$work/pipe"
tap_check "--wide is the pipe's layout, whatever COLUMNS says" cmp -s "$work/pipe" "$work/wide80"
tap_check "--wide without COLUMNS: the same" cmp -s "$work/pipe" "$work/wide"

# --- a long IPv6 endpoint goes below its row; the columns stay aligned
COLUMNS=80 "$POP3SCOPE" "$work/v6.pcap" > "$work/v6" 2>/dev/null
check_out "IPv6 at 80 columns: aligned, the long server whole below its row" \
    whole server "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:110]:110" < "$work/v6"
"$POP3SCOPE" "$work/v6.pcap" > "$work/v6wide" 2>/dev/null
check_out "IPv6 without a width: every column aligned" table 0 "$ALL" < "$work/v6wide"
check_out "IPv6 without a width: both long endpoints whole below" whole client \
    "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:50001" < "$work/v6wide"

# --- -p at 80 columns: a real login on loopback with a long user and secret
port=$((20000 + $$ % 20000))
tcpdump -i lo -U --immediate-mode -Z root -w "$work/long.pcap" "tcp port $port" 2> "$work/tcpdump.err" &
tcpdump_pid=$!
for _ in $(seq 50); do grep -q 'listening on' "$work/tcpdump.err" && break; sleep 0.1; done
/usr/bin/python3 "$SRCDIR/tests/cli/table_traffic.py" "$port" > "$work/traffic.json"
# The same conversation over IPv4 then IPv6: stop tcpdump only once the
# IPv6 one is written whole too (as many packets as the IPv4 one; under
# load tcpdump can lag the client by more than any fixed sleep).
for _ in $(seq 100); do
    v4=$(tcpdump -nr "$work/long.pcap" ip 2> /dev/null | wc -l)
    v6=$(tcpdump -nr "$work/long.pcap" ip6 2> /dev/null | wc -l)
    [ "$v4" -gt 0 ] && [ "$v6" -ge "$v4" ] && break
    sleep 0.1
done
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid"
tcpdump_pid=
long_user=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["long_user"])' < "$work/traffic.json")
long_pass=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["long_pass"])' < "$work/traffic.json")
COLUMNS=80 "$POP3SCOPE" -p "$work/long.pcap" > "$work/long" 2>/dev/null
check_out "-p at 80: fits, aligned, columns $W80P" table 80 "$W80P" < "$work/long"
check_out "-p at 80: the 40-character user whole" whole user "$long_user" < "$work/long"
check_out "-p at 80: the 60-character password whole" whole password "$long_pass" < "$work/long"
if grep -q '^2.*  \[::1\]:'"$port"'  ' "$work/long"; then
    tap_ok "the IPv6 loopback login is a row of its own, its server in the column"
else
    tap_not_ok "no row with [::1]:$port"
    tap_diag < "$work/long"
    tcpdump -nr "$work/long.pcap" 2>&1 | tap_diag
fi

# --- --vertical: one block per attempt, the secret whole
"$POP3SCOPE" --vertical -p "$work/long.pcap" > "$work/vertical" 2>/dev/null
if /usr/bin/python3 "$check" vertical 2 < "$work/vertical" > "$work/problems" &&
    grep -qxF "password | $long_pass" "$work/vertical" && grep -qxF "user     | $long_user" "$work/vertical"; then
    tap_ok "--vertical: two blocks of ten fields, user and password whole"
else
    tap_not_ok "--vertical blocks"
    tap_diag < "$work/problems"
    tap_diag < "$work/vertical"
fi

# --- a real 80-column terminal: the width from the tty (TIOCGWINSZ)
tmux -L "$tmux_sock" -f /dev/null new-session -d -x 80 -y 50 \
    "env -u COLUMNS '$POP3SCOPE' --no-progress '$SRCDIR/samples/mail-mix.pcap'; sleep 5"
for _ in $(seq 50); do
    tmux -L "$tmux_sock" capture-pane -p > "$work/screen" 2>/dev/null
    grep -q '^other applications' "$work/screen" && break
    sleep 0.1
done
check_out "tmux 80x50: each row one screen line, header aligned, columns $W80" screen 80 "$W80" < "$work/screen"
tap_diag < "$work/screen"
tmux -L "$tmux_sock" kill-server 2>/dev/null
tap_done
