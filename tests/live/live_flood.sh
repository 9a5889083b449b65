#!/usr/bin/env bash
# Long runs (README "Live monitoring", "Memory bound"): memory stays under
# the documented bound whatever the traffic. Floods made by
# tests/lib/tools/session-flood (never-ending sessions, a password-guessing
# storm) and tests/lib/tools/flood-pcap (SYNs) go through pop3scope with its
# default limits while its peak RSS is measured:
#   - offline, piped into -r -, one million connections each (any user);
#   - live, replayed with tcpreplay into a veth pair whose far end sits in
#     a network namespace this test creates (root and tcpreplay only:
#     nothing leaves the machine, nothing answers).
# FLOOD_COUNT and LIVE_FLOOD_COUNT change the sizes, FLOOD_BOUND_MIB the
# bound checked (README states it for the defaults).
set -u
. "$(dirname "$0")/../lib/lib.sh"

COUNT=${FLOOD_COUNT:-1000000}
LIVE_COUNT=${LIVE_FLOOD_COUNT:-200000}
BOUND_MIB=${FLOOD_BOUND_MIB:-700}
# Under ASan the shadow memory and quarantine roughly triple the heap: the
# bound still has to hold (an unbounded table reaches gigabytes), at 3x.
[ "${SANITIZERS:-no}" = yes ] && BOUND_MIB=${FLOOD_BOUND_MIB:-2100}
sessions=$BUILDDIR/tests/lib/tools/session-flood
synflood=$BUILDDIR/tests/lib/tools/flood-pcap
[ -x "$sessions" ] || tap_skip_all "tests/lib/tools/session-flood is not built (make check builds it)"
command -v python3 >/dev/null 2>&1 || tap_skip_all "python3 is needed to measure RSS"

work=$(mktemp -d /tmp/pop3scope-flood.XXXXXX) || exit 1
chmod 755 "$work"
ns=
veth=
cleanup() {
    [ -n "$ns" ] && ip netns delete "$ns" 2>/dev/null
    [ -n "$veth" ] && ip link delete "$veth" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

tap_plan 14

# measure GENERATOR-ARGS... -- POP3SCOPE-ARGS...: runs the generator into
# pop3scope -r -, stdout to $work/out, stderr to $work/err; prints the peak
# RSS in KiB (from wait4, exact) and the exit status.
measure() { WORK=$work python3 "$SRCDIR/tests/live/live_flood_measure.py" "$@"; }
bound_kib=$((BOUND_MIB * 1024))
mib() { echo $(($1 / 1024)); }

# --- never-ending sessions: each one sends USER and falls silent.
read -r peak status < <(measure "$sessions" "$COUNT" -- "$POP3SCOPE" -r -)
tap_check "$COUNT never-ending sessions: exit 0" [ "$status" = 0 ]
tap_check "... peak RSS $(mib "$peak") MiB, under $BOUND_MIB MiB" [ "$peak" -lt "$bound_kib" ]
tap_check "... the connection table limit was hit and said so" grep -q "connections evicted (see --max-flows)" "$work/err"
tap_check "... the tracker limit was hit and said so" grep -q "not analyzed: every tracker was busy (see --max-sessions)" "$work/err"
echo "# never-ending sessions x$COUNT: peak RSS $(mib "$peak") MiB"

# --- a SYN flood: a million connections that never say anything.
if [ -x "$synflood" ]; then
    read -r peak status < <(measure "$synflood" syn "$COUNT" -- "$POP3SCOPE" -r -)
    tap_check "$COUNT SYNs: exit 0, peak RSS $(mib "$peak") MiB, under $BOUND_MIB MiB" \
        eval '[ "$status" = 0 ] && [ "$peak" -lt "$bound_kib" ]'
    tap_check "... the canary login after the flood is still reported" grep -q canary "$work/out"
    echo "# SYN flood x$COUNT: peak RSS $(mib "$peak") MiB"
else
    tap_ok "SYN flood # SKIP tests/lib/tools/flood-pcap not built"
    tap_ok "canary # SKIP tests/lib/tools/flood-pcap not built"
fi

# --- a password-guessing storm with alerts on: every connection fails a
# login on its own account, so the alert tables fill and evict.
storm=$((COUNT / 5))
read -r peak status < <(measure "$sessions" "$storm" 10000 fail -- "$POP3SCOPE" -r - --csv --alerts)
tap_check "$storm failed logins with alerts: exit 0, peak RSS $(mib "$peak") MiB, under $BOUND_MIB MiB" \
    eval '[ "$status" = 0 ] && [ "$peak" -lt "$bound_kib" ]'
tap_check "... every failure reported ($storm CSV rows)" [ "$(($(wc -l <"$work/out") - 1))" -eq "$storm" ]
tap_check "... the alert tables filled, evicted, and said so" grep -q "alert tables full" "$work/err"
echo "# failed-login storm x$storm: peak RSS $(mib "$peak") MiB"

# --- live: the same never-ending sessions through a veth pair.
live_why=""
[ "$(id -u)" = 0 ] || live_why="not root"
command -v tcpreplay >/dev/null 2>&1 || live_why="${live_why:+$live_why, }tcpreplay not installed"
command -v ip >/dev/null 2>&1 || live_why="${live_why:+$live_why, }ip (iproute2) not installed"
if [ -z "$live_why" ]; then
    ns=p3sflood$$
    veth=p3sf$$a
    peer=p3sf$$b
    if ! ip netns add "$ns" 2>"$work/ip.err" ||
        ! ip link add "$veth" type veth peer name "$peer" 2>>"$work/ip.err" ||
        ! ip link set "$peer" netns "$ns" 2>>"$work/ip.err"; then
        live_why="cannot make a network namespace and veth pair: $(head -1 "$work/ip.err")"
    else
        # No addresses and no IPv6: the pair carries only what we replay.
        sysctl -qw "net.ipv6.conf.$veth.disable_ipv6=1" 2>/dev/null
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$peer.disable_ipv6=1" 2>/dev/null
        ip link set "$veth" up && ip -n "$ns" link set "$peer" up
    fi
fi
if [ -n "$live_why" ]; then
    for d in "live replay: exit 0 on SIGTERM" "live: peak RSS" "live: every packet analyzed or counted as dropped" \
        "live: tracker limit held" "live: stats events while running"; do
        tap_ok "$d # SKIP $live_why"
    done
    tap_done
    exit
fi

"$sessions" "$LIVE_COUNT" >"$work/flood.pcap"
packets_sent=$((LIVE_COUNT * 4))
ip netns exec "$ns" "$POP3SCOPE" -i "$peer" --json -o "$work/live.json" --stats-interval 1 2>"$work/live.err" &
scope=$!
tries=100
until grep -qs "listening on" "$work/live.err" || [ "$tries" -le 0 ]; do
    sleep 0.1
    tries=$((tries - 1))
done
# VmHWM is the peak so far: the last reading before SIGTERM is the peak
# of the replay.
hwm=0
tcpreplay -q -i "$veth" --topspeed "$work/flood.pcap" >"$work/tcpreplay.out" 2>&1 &
replay=$!
while kill -0 "$replay" 2>/dev/null; do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$scope/status" 2>/dev/null)
    [ -n "$v" ] && hwm=$v
    sleep 0.2
done
wait "$replay"
sleep 1.5 # the last block of packets and one more stats event
v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$scope/status" 2>/dev/null)
[ -n "$v" ] && hwm=$v
kill -TERM "$scope"
wait "$scope"
tap_check "live replay of $LIVE_COUNT never-ending sessions: exit 0 on SIGTERM" [ $? -eq 0 ]
tap_check "live: peak RSS $(mib "$hwm") MiB, under $BOUND_MIB MiB" eval '[ "$hwm" -gt 0 ] && [ "$hwm" -lt "$bound_kib" ]'
echo "# live replay x$LIVE_COUNT: peak RSS $(mib "$hwm") MiB"
python3 "$SRCDIR/tests/live/live_flood_stats.py" "$work/live.json" "$packets_sent" >"$work/live.check"
read -r n_stats analyzed dropped received max_sessions refused sent <"$work/live.check"
echo "# live: $analyzed packets analyzed, $dropped dropped by the kernel, $received captured, of $sent sent"
# pop3scope's own accounting must be exact; a packet the veth backlog lost
# before the capture point is not its to count, so that side only needs to
# be close.
live_counts_add_up() { [ $((analyzed + dropped)) -eq "$received" ] && [ $((received * 100)) -ge $((sent * 99)) ]; }
tap_check "live: every packet the kernel captured was analyzed or counted as dropped" live_counts_add_up
tracker_limit_held() { [ "$max_sessions" -le 8192 ] && [ "$refused" -gt 0 ]; }
tap_check "live: tracker limit held (at most 8192 sessions at once; $refused refused, in the stats)" tracker_limit_held
tap_check "live: stats events while running, and a last one at exit" [ "$n_stats" -ge 3 ]
if ! tap_done; then
    tap_diag <"$work/live.err"
    tap_diag <"$work/tcpreplay.out"
fi
tap_done
