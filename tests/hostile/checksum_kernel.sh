#!/usr/bin/env bash
# Does a real Linux receiver drop what pop3scope drops? (README "Hostile
# input"). Two network namespaces joined by a veth pair: in one, a small
# POP3 responder on a kernel socket and tcpdump; in the other, a client
# written with scapy (tests/lib/tools/checksum-client.py) that, before its real
# `USER bob`, sends an in-window RST and a first copy `USER eve` at the same
# sequence number, both with a wrong TCP checksum. The kernel must count
# both in TcpInCsumErrors and the server must read only the real lines; then
# pop3scope, fed tcpdump's capture of all this, must see what the server saw.
# The server's own segments are captured before the (virtual) NIC finishes
# their checksums: that direction is offloaded, the client's is not.
set -u
. "$(dirname "$0")/../lib/lib.sh"

[ "$(id -u)" = 0 ] || tap_skip_all "needs root (network namespaces)"
command -v ip >/dev/null 2>&1 || tap_skip_all "needs iproute2"
command -v nstat >/dev/null 2>&1 || tap_skip_all "needs nstat (iproute2)"
command -v tcpdump >/dev/null 2>&1 || tap_skip_all "needs tcpdump"
/usr/bin/python3 -c 'import scapy' 2>/dev/null || tap_skip_all "needs python3-scapy (/usr/bin/python3)"

ns_c=p3ckc$$
ns_s=p3cks$$
work=$(mktemp -d /tmp/pop3scope-ckkernel.XXXXXX) || exit 1
dump_pid=
server_pid=
cleanup() {
    [ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null && wait "$dump_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    ip netns del "$ns_c" 2>/dev/null
    ip netns del "$ns_s" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

tap_plan 6

if ! { ip netns add "$ns_c" && ip netns add "$ns_s" &&
    ip link add vc netns "$ns_c" type veth peer name vs netns "$ns_s" &&
    ip -n "$ns_c" link set vc up && ip -n "$ns_s" link set vs up &&
    ip -n "$ns_c" addr add 10.77.0.1/24 dev vc && ip -n "$ns_s" addr add 10.77.0.2/24 dev vs; } 2>"$work/ip.err"; then
    tap_skip_all "cannot make network namespaces here: $(head -1 "$work/ip.err")"
fi
mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
# The scapy client speaks as 10.77.0.3, an address its namespace does not
# own, so that kernel answers nothing on the connection; the server's
# kernel is told where 10.77.0.3 lives.
ip -n "$ns_s" neigh add 10.77.0.3 lladdr "$(mac "$ns_c" vc)" dev vs

ip netns exec "$ns_s" tcpdump -i vs -U -w "$work/veth.pcap" tcp port 110 2>"$work/tcpdump.err" &
dump_pid=$!
for _ in $(seq 50); do grep -q 'listening on' "$work/tcpdump.err" && break; sleep 0.1; done
ip netns exec "$ns_s" python3 "$SRCDIR/tests/hostile/checksum_kernel_server.py" "$work/server.read" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 50); do ip netns exec "$ns_s" ss -ltn | grep -q '10.77.0.2:110' && break; sleep 0.1; done
before=$(ip netns exec "$ns_s" nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')
ip netns exec "$ns_c" timeout 60 /usr/bin/python3 "$SRCDIR/tests/lib/tools/checksum-client.py" vc 10.77.0.3 10.77.0.2 \
    "$(mac "$ns_s" vs)" >"$work/client.log" 2>&1
client_st=$?
wait "$server_pid"
server_pid=
after=$(ip netns exec "$ns_s" nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')
# On a loaded machine tcpdump may not have written the last segments yet:
# wait (5 s at most) for the server's goodbye, then for the FINs behind it.
for _ in $(seq 50); do grep -qa '+OK bye' "$work/veth.pcap" && break; sleep 0.1; done
sleep 0.5
kill "$dump_pid" && wait "$dump_pid" 2>/dev/null
dump_pid=

tap_check "the scapy client ran its dialogue to the server's reply to QUIT" [ "$client_st" -eq 0 ]
[ "$client_st" -eq 0 ] || tap_diag <"$work/client.log"
tap_check "Linux counted both forged segments as checksum errors (TcpInCsumErrors +$((after - before)))" \
    [ "$((after - before))" -eq 2 ]
tap_check "the server read USER bob, PASS, QUIT: no USER eve, no reset" \
    eval '[ "$(cat "$work/server.read")" = "$(printf "USER bob\r\nPASS bob-secret\r\nQUIT\r\n")" ]'

"$POP3SCOPE" --json -p "$work/veth.pcap" >"$work/auto.json" 2>"$work/auto.err"
check() {
    /usr/bin/python3 "$SRCDIR/tests/hostile/checksum_kernel_events.py" "$1" "$2"
}
tap_check "pop3scope on tcpdump's capture: bob's login as the server saw it, session ends by QUIT, bad_checksum" \
    check "$work/auto.json" '[a["user"] for a in auths] == ["bob"] and auths[0]["outcome"] == "success" and len(sessions) == 1 and sessions[0]["end"] == "quit" and "bad_checksum" in sessions[0]["anomalies"]'
[ "$tap_failed" -eq 0 ] || cut -c1-300 "$work/auto.json" | tap_diag
tap_check "... stderr: 2 dropped, 1 direction (the server's, captured before the NIC) taken for offload" \
    grep -q "checksums: 2 segments dropped as wrong (the receiver drops them too), 1 connection directions taken for checksum offload" "$work/auto.err"
"$POP3SCOPE" --json -p --checksum-validation no "$work/veth.pcap" >"$work/no.json" 2>/dev/null
tap_check "without validation pop3scope would have ended the session at the forged RST" \
    check "$work/no.json" 'not auths and len(sessions) == 1 and sessions[0]["end"] == "rst"'
tap_done
