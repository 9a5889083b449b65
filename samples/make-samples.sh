#!/bin/bash
# Regenerate pop3scope's sample captures from real clients talking to a
# private Dovecot on 127.0.0.1 (tests/lib/dovecot-lib.sh). Each scenario gets a
# fresh mailbox, its own tcpdump on lo, and one small pcap in samples/.
# samples/README.md is the ground truth for what each file holds; when a
# scenario changes here, change its README entry too.
#
#   samples/make-samples.sh              all scenarios
#   samples/make-samples.sh apop stls    only these (names without .pcap)
#
# Needs root, dovecot, tcpdump, curl, mpop, fetchmail, python3. Only
# loopback traffic. OUT=DIR writes the pcaps elsewhere.
set -u

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$SRCDIR/samples}
# mail-mix: Dovecot also serves plaintext POP3 here, a port that does not
# say POP3, and a local web server stands beside it.
DOVECOT_POP3_ALT_PORT=${DOVECOT_POP3_ALT_PORT:-1110}
MIX_HTTP_PORT=8000
# shellcheck source=../tests/lib/dovecot-lib.sh
. "$SRCDIR/tests/lib/dovecot-lib.sh"

WORK=
CAPTURE_NAME=
CLIENT_TIMEOUT=20
FAILED=0

msg() { printf 'make-samples: %s\n' "$*" >&2; }

cleanup() {
    lo_capture_stop
    [ -n "$CAPTURE_NAME" ] && rm -f "$OUT/$CAPTURE_NAME.pcap.part"
    dovecot_cleanup
    [ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ capture

# capture_start NAME / capture_stop: one scenario's capture, written to
# OUT/NAME.pcap.part; main renames it to NAME.pcap only once the scenario's
# checks pass, so a failed run never replaces a good sample.
capture_start() {
    CAPTURE_NAME=$1
    lo_capture_start "$OUT/$CAPTURE_NAME.pcap.part"
}

capture_stop() {
    lo_capture_stop
    if [ "$LO_CAPTURE_PACKETS" -eq 0 ]; then
        msg "$CAPTURE_NAME: the capture is empty"
        return 1
    fi
    msg "$CAPTURE_NAME.pcap: $LO_CAPTURE_PACKETS packets, $(wc -c <"$OUT/$CAPTURE_NAME.pcap.part") bytes"
}

# capture_dump NAME: the TCP payload of the capture as lines "C: ..." (client
# to server) and "S: ..." (server to client), one per payload line, CR
# dropped and other unprintable bytes shown as ".". After each client
# segment holding several lines comes "C-SEGMENT-LINES: N"; a client
# segment that follows another with no server data between them is marked
# "C-PIPELINED: ...". Each connection opens with a line "SYN to port N".
# The checks match these with anchors, which plain `tcpdump -A` (IP and TCP
# headers glued to the first payload line) does not allow.
capture_dump() {
    python3 - "$OUT/$1.pcap.part" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
last_side = ""
off = 24  # classic pcap, Ethernet (tcpdump on lo), IPv4: what we write
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(pkt) < 54 or pkt[12:14] != b"\x08\x00" or pkt[23] != 6:
        continue
    tcp = pkt[14 + (pkt[14] & 15) * 4:]
    dport = struct.unpack_from(">H", tcp, 2)[0]
    payload = tcp[(tcp[12] >> 4) * 4:]
    if tcp[13] & 0x12 == 0x02:
        print(f"SYN to port {dport}")
        last_side = ""
    if not payload:
        continue
    side = "C" if dport in (110, 995, 1110, 8000, 18110) else "S"  # 18110: sslproxy mirror
    if side == "C" and last_side == "C":
        print("C-PIPELINED: sent before the previous reply")
    last_side = side
    text = "".join(chr(b) if 32 <= b < 127 or b == 10 else "."
                   for b in payload if b != 13)
    lines = text.rstrip("\n").split("\n")
    for line in lines:
        print(f"{side}: {line}")
    count = payload.count(b"\n")
    if side == "C" and count > 1:
        print(f"C-SEGMENT-LINES: {count}")
PY
}

# expect_in_capture NAME REGEX...: each extended regex must match the
# dump of the capture, so a sample cannot silently show something other
# than what README.md says (say, curl picking another mechanism).
expect_in_capture() {
    local name=$1 re dump
    shift
    dump=$(capture_dump "$name")
    for re in "$@"; do
        if ! grep -Eq -- "$re" <<<"$dump"; then
            msg "$name.pcap: expected /$re/ in the capture, not found"
            return 1
        fi
    done
}

# expect_not_in_capture NAME REGEX...: the opposite check.
expect_not_in_capture() {
    local name=$1 re dump
    shift
    dump=$(capture_dump "$name")
    for re in "$@"; do
        if grep -Eq -- "$re" <<<"$dump"; then
            msg "$name.pcap: /$re/ must not appear in the capture"
            return 1
        fi
    done
}

# ------------------------------------------------------------ mailboxes

# Messages 1..4 of every sample mailbox: sizes differ, each has lines that
# RETR must dot-stuff. POP3 sizes (CRLF) are listed in README.md.
make_messages() {
    write_test_message "$WORK/msg1" 1 3
    write_test_message "$WORK/msg2" 2 40
    write_test_message "$WORK/msg3" 3 12
    write_test_message "$WORK/msg4" 4 1
}

# fill_mailbox USER N: a fresh mailbox holding messages 1..N.
fill_mailbox() {
    local user=$1 n=$2 i
    dovecot_reset_mailbox "$user" || return 1
    for ((i = 1; i <= n; i++)); do
        deliver_message "$user" "$WORK/msg$i" || return 1
    done
}

pw() { printf '%s' "${DOVECOT_PASSWORDS[$1]}"; }

run() { timeout "$CLIENT_TIMEOUT" "$@"; }

# ------------------------------------------------------------ scenarios
# Each returns 0 when its client succeeded and the capture shows what
# README.md says; client output goes to files in WORK.

# curl picks its own mechanism: it prefers SASL over APOP over USER/PASS
# and has no login option that selects USER/PASS, so against a server that
# offers SASL it never sends USER. Against this Dovecot it tries
# DIGEST-MD5, cancels it with "*", and logs in with CRAM-MD5.
scenario_curl_default() {
    fill_mailbox alice 2 || return 1
    capture_start curl-default || return 1
    run curl -s -o "$WORK/list.out" "pop3://alice:$(pw alice)@127.0.0.1/" &&
        run curl -s -o "$WORK/retr.out" "pop3://alice:$(pw alice)@127.0.0.1/1"
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "curl failed ($rc)"; return 1; }
    cmp -s <(tr -d '\r' <"$WORK/retr.out") "$WORK/msg1" || { msg "curl RETR 1 differs from message 1"; return 1; }
    expect_in_capture curl-default '^C: AUTH DIGEST-MD5$' '^C: \*$' '^C: AUTH CRAM-MD5$' \
        '^C: LIST$' '^C: RETR 1$' &&
        expect_not_in_capture curl-default '^C: USER'
}

# USER/PASS with a successful login, LIST and RETR of a known message.
scenario_userpass() {
    fill_mailbox alice 2 || return 1
    capture_start userpass || return 1
    run python3 - "$(pw alice)" >"$WORK/userpass.log" 2>&1 <<'EOF'
import poplib, sys
p = poplib.POP3("127.0.0.1", 110, timeout=15)
p.user("alice")
p.pass_(sys.argv[1])
p.list()
p.retr(2)
p.quit()
EOF
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "poplib failed: $(cat "$WORK/userpass.log")"; return 1; }
    expect_in_capture userpass '^C: USER alice$' '^C: PASS alice-secret-1$' '^C: RETR 2$' '^C: QUIT$'
}

# A wrong password (-ERR [AUTH]), then the right one in a new connection.
scenario_wrong_password() {
    fill_mailbox bob 1 || return 1
    capture_start wrong-password || return 1
    run python3 - "$(pw bob)" >"$WORK/wrong.log" 2>&1 <<'EOF'
import poplib, sys
p = poplib.POP3("127.0.0.1", 110, timeout=15)
p.user("bob")
try:
    p.pass_("not-bobs-password")
    sys.exit("the wrong password was accepted")
except poplib.error_proto as e:
    print("refused:", e)
p.quit()
p = poplib.POP3("127.0.0.1", 110, timeout=15)
p.user("bob")
p.pass_(sys.argv[1])
print(p.stat())
p.quit()
EOF
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "poplib failed: $(cat "$WORK/wrong.log")"; return 1; }
    expect_in_capture wrong-password '^C: PASS not-bobs-password$' \
        '^S: -ERR \[AUTH\]' '^C: PASS bob pass with spaces$' '^S: \+OK Logged in'
}

# APOP (RFC 1939 §7): the greeting carries <timestamp>, the client sends an
# MD5 digest instead of the password.
scenario_apop() {
    fill_mailbox carol 1 || return 1
    capture_start apop || return 1
    run python3 - "$(pw carol)" >"$WORK/apop.log" 2>&1 <<'EOF'
import poplib, sys
p = poplib.POP3("127.0.0.1", 110, timeout=15)
print(p.getwelcome())
p.apop("carol", sys.argv[1])
print(p.stat())
p.quit()
EOF
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "poplib failed: $(cat "$WORK/apop.log")"; return 1; }
    expect_in_capture apop '^S: \+OK .*<[^>]+>$' '^C: APOP carol [0-9a-f]{32}$' '^C: QUIT$' &&
        expect_not_in_capture apop 'carol-pw' '^C: USER'
}

# curl_sasl NAME MECH USER [RETR]: curl with one SASL mechanism forced.
curl_sasl() {
    local name=$1 mech=$2 user=$3 path=${4:-}
    capture_start "$name" || return 1
    run curl -s -o "$WORK/$name.out" --login-options "AUTH=$mech" \
        -u "$user:$(pw "$user")" "pop3://127.0.0.1/$path"
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "curl AUTH=$mech failed ($rc)"; return 1; }
}

scenario_auth_plain() {
    fill_mailbox alice 2 || return 1
    curl_sasl auth-plain PLAIN alice 2 || return 1
    cmp -s <(tr -d '\r' <"$WORK/auth-plain.out") "$WORK/msg2" || { msg "RETR 2 differs"; return 1; }
    # Without --sasl-ir curl sends base64("\0alice\0alice-secret-1") on its
    # own line, after the server's empty "+ " challenge.
    expect_in_capture auth-plain '^C: AUTH PLAIN$' \
        "^C: $(printf '\0alice\0alice-secret-1' | base64)$" '^C: RETR 2$'
}

scenario_auth_login() {
    fill_mailbox bob 2 || return 1
    curl_sasl auth-login LOGIN bob || return 1
    expect_in_capture auth-login '^C: AUTH LOGIN$' "^C: $(printf bob | base64)$" \
        "^C: $(printf 'bob pass with spaces' | base64)$" '^S: \+ VXNlcm5hbWU6$'
}

scenario_cram_md5() {
    fill_mailbox carol 2 || return 1
    curl_sasl cram-md5 CRAM-MD5 carol 1 || return 1
    expect_in_capture cram-md5 '^C: AUTH CRAM-MD5$' '^S: \+ [A-Za-z0-9+/=]+$' '^C: RETR 1$' &&
        expect_not_in_capture cram-md5 "$(printf 'carol carol-pw' | base64)"
}

# STLS on port 110 (RFC 2595 §4): CAPA and STLS in clear, everything after
# inside TLS. curl --ssl-reqd insists on the upgrade.
scenario_stls() {
    fill_mailbox alice 2 || return 1
    capture_start stls || return 1
    run curl -s -k --ssl-reqd -o "$WORK/stls.out" -u "alice:$(pw alice)" "pop3://127.0.0.1/1"
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "curl STLS failed ($rc)"; return 1; }
    cmp -s <(tr -d '\r' <"$WORK/stls.out") "$WORK/msg1" || { msg "RETR 1 differs"; return 1; }
    expect_in_capture stls '^C: STLS$' '^S: \+OK Begin TLS' &&
        expect_not_in_capture stls 'alice' 'RETR'
}

# POP3S: TLS from the first byte on port 995 (RFC 8314 §3.3).
scenario_pop3s() {
    fill_mailbox alice 2 || return 1
    capture_start pop3s || return 1
    run curl -s -k -o "$WORK/pop3s.out" -u "alice:$(pw alice)" "pop3s://127.0.0.1/2"
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "curl pop3s failed ($rc)"; return 1; }
    cmp -s <(tr -d '\r' <"$WORK/pop3s.out") "$WORK/msg2" || { msg "RETR 2 differs"; return 1; }
    expect_in_capture pop3s '^SYN to port 995$' &&
        expect_not_in_capture pop3s '^SYN to port 110$' 'alice' '\+OK'
}

# mpop_fetch NAME AUTH USER KEEP [SECRET]: mpop fetches USER's mailbox into
# an mbox, over plain TCP (tls off) with the given auth method; KEEP is on or
# off; SECRET (default: USER's password) is what mpop sends, e.g. a token.
# mpop pipelines when the server advertises PIPELINING (RFC 2449 §6.6).
mpop_fetch() {
    local name=$1 auth=$2 user=$3 keep=$4 conf=$WORK/mpoprc-$1 secret=${5:-$(pw "$3")}
    cat >"$conf" <<EOF
defaults
account sample
host 127.0.0.1
port 110
tls off
auth $auth
user $user
password $secret
pipelining auto
keep $keep
received_header off
delivery mbox $WORK/$name.mbox
uidls_file $WORK/$name.uidls
EOF
    chmod 600 "$conf"
    capture_start "$name" || return 1
    run mpop -C "$conf" -a >"$WORK/$name.log" 2>&1
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "mpop failed ($rc): $(cat "$WORK/$name.log")"; return 1; }
}

# mpop writes commands without waiting for replies, but on loopback Dovecot
# often answers before the next command leaves, so whether the capture
# shows a command ahead of the previous reply (and which) varies from run
# to run. Try a few times until it does. All messages deleted at QUIT.
scenario_pipelining() {
    local try
    for try in 1 2 3 4 5 6; do
        fill_mailbox bob 4 || return 1
        mpop_fetch pipelining user bob off || return 1
        expect_in_capture pipelining '^C: USER bob$' '^C: PASS bob pass with spaces$' \
            '^C: RETR 4$' '^C: DELE 4$' '^C: QUIT$' || return 1
        if capture_dump pipelining | grep -q '^C-PIPELINED: '; then
            return 0
        fi
        msg "pipelining: try $try showed no command sent ahead of a reply; again"
    done
    msg "pipelining: mpop never showed pipelining in $try tries"
    return 1
}

# All commands in one write after the greeting: USER, PASS and the whole
# transaction sit in one TCP segment, so every reply pairs with a queued
# command (RFC 2449 §6.6). Deterministic, unlike mpop's timing-dependent
# pipelining. A raw socket client, since no packaged client does this.
scenario_pipelining_burst() {
    fill_mailbox alice 3 || return 1
    capture_start pipelining-burst || return 1
    run python3 - "$(pw alice)" >"$WORK/burst.log" 2>&1 <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", 110), timeout=15)
f = s.makefile("rb")
print(f.readline())
s.sendall(("USER alice\r\nPASS %s\r\nSTAT\r\nLIST\r\nRETR 1\r\nTOP 3 2\r\n"
           "UIDL 2\r\nDELE 3\r\nNOOP\r\nQUIT\r\n" % sys.argv[1]).encode())
data = f.read()  # until the server closes after QUIT
print(data.decode())
sys.exit(0 if data.endswith(b"+OK Logging out, messages deleted.\r\n") else 1)
EOF
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "burst client failed: $(cat "$WORK/burst.log")"; return 1; }
    expect_in_capture pipelining-burst '^C-SEGMENT-LINES: 10$' '^S: \+OK 3 5035$' '^C: TOP 3 2$'
}

# SCRAM-SHA-1 (RFC 5802): client-first, server-first, client-final with the
# proof, server-final with the verifier, then an empty client line.
scenario_scram_sha_1() {
    fill_mailbox bob 1 || return 1
    mpop_fetch scram-sha-1 scram-sha-1 bob on || return 1
    expect_in_capture scram-sha-1 '^C: AUTH SCRAM-SHA-1$' \
        "^C: $(printf 'n,,n=bob,r=' | base64 | cut -c1-12)" '^S: \+OK Logged in' '^C: RETR 1$'
}

# DIGEST-MD5 (RFC 2831), which curl cancels but mpop completes.
scenario_digest_md5() {
    fill_mailbox carol 1 || return 1
    mpop_fetch digest-md5 digest-md5 carol on || return 1
    expect_in_capture digest-md5 '^C: AUTH DIGEST-MD5$' \
        "^C: $(printf 'username="carol"' | base64 | cut -c1-20)" '^S: \+OK Logged in' '^C: RETR 1$'
}

# SASL with an initial response (RFC 5034 §4) and a wrong password: one
# line "AUTH PLAIN <base64>", answered -ERR.
scenario_sasl_ir_fail() {
    fill_mailbox alice 1 || return 1
    capture_start sasl-ir-fail || return 1
    run curl -s --sasl-ir --login-options AUTH=PLAIN -u 'alice:wrong-password' \
        "pop3://127.0.0.1/" >"$WORK/sasl-ir-fail.log" 2>&1
    local rc=$?
    capture_stop || return 1
    # curl exits 67 (CURLE_LOGIN_DENIED) when the server refuses the login.
    [ "$rc" = 67 ] || { msg "curl exited $rc, expected 67"; return 1; }
    expect_in_capture sasl-ir-fail \
        "^C: AUTH PLAIN $(printf '\0alice\0wrong-password' | base64)$" '^S: -ERR \[AUTH\]'
}

# STAT, LIST, RETR 1, RETR 2, DELE 1, DELE 2, RSET, DELE 1, QUIT: one
# message deleted when QUIT commits the UPDATE state (RFC 1939 §6).
scenario_retr_dele_quit() {
    fill_mailbox alice 3 || return 1
    capture_start retr-dele-quit || return 1
    run python3 - "$(pw alice)" >"$WORK/rdq.log" 2>&1 <<'EOF'
import poplib, sys
p = poplib.POP3("127.0.0.1", 110, timeout=15)
p.user("alice")
p.pass_(sys.argv[1])
print(p.stat())
print(p.list())
p.retr(1)
p.retr(2)
p.dele(1)
p.dele(2)
p.rset()
p.dele(1)
print(p.quit())
EOF
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "poplib failed: $(cat "$WORK/rdq.log")"; return 1; }
    local left
    left=$(find "$(dovecot_maildir alice)/new" "$(dovecot_maildir alice)/cur" -type f | wc -l)
    [ "$left" = 2 ] || { msg "expected 2 messages left in alice's mailbox, found $left"; return 1; }
    expect_in_capture retr-dele-quit '^C: RSET$' '^C: DELE 2$' '^C: QUIT$' '^S: \+OK Logging out'
}

# fetchmail, USER/PASS, keeping the messages; STLS off (sslproto '') since
# fetchmail would otherwise try it and reject the self-signed certificate.
scenario_fetchmail() {
    fill_mailbox carol 3 || return 1
    local home=$WORK/fetchmail-home
    mkdir -p "$home"
    cat >"$home/fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 protocol POP3 port 110 auth password
    user "carol" there with password "$(pw carol)" is root here
    options keep fetchall sslproto '' mda "cat >/dev/null"
EOF
    chmod 600 "$home/fetchmailrc"
    capture_start fetchmail || return 1
    HOME=$home run fetchmail --nosyslog -f "$home/fetchmailrc" \
        --pidfile "$home/fetchmail.pid" -i "$home/fetchids" >"$WORK/fetchmail.log" 2>&1
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "fetchmail failed ($rc): $(cat "$WORK/fetchmail.log")"; return 1; }
    expect_in_capture fetchmail '^C: USER carol$' '^C: PASS carol-pw$' '^C: QUIT$'
}

# Every way a client reaches this server in one capture, and one other
# application beside it (README "Encrypted mail and other applications"):
# USER/PASS on 110, USER/PASS on the non-standard port 1110 (pop3scope must
# find it by its probe), STLS on 110, POP3S on 995, then an HTTP download
# from python3's http.server. Nothing is deleted.
scenario_mail_mix() {
    local LO_CAPTURE_FILTER="tcp port 110 or tcp port 995 or tcp port $DOVECOT_POP3_ALT_PORT or tcp port $MIX_HTTP_PORT"
    local web rc=0
    fill_mailbox alice 2 && fill_mailbox carol 1 || return 1
    python3 -m http.server --bind 127.0.0.1 --directory "$WORK" "$MIX_HTTP_PORT" >"$WORK/http.log" 2>&1 &
    web=$!
    wait_port "$MIX_HTTP_PORT" && capture_start mail-mix || { kill "$web"; wait "$web"; return 1; }
    run python3 - "$(pw alice)" "$(pw carol)" "$DOVECOT_POP3_ALT_PORT" >"$WORK/mix.log" 2>&1 <<'EOF' || rc=1
import poplib, sys
for port, user, pw in ((110, "alice", sys.argv[1]), (int(sys.argv[3]), "carol", sys.argv[2])):
    p = poplib.POP3("127.0.0.1", port, timeout=15)
    p.user(user)
    p.pass_(pw)
    print(port, p.stat())
    p.quit()
EOF
    run curl -s -k --ssl-reqd -o /dev/null -u "alice:$(pw alice)" "pop3://127.0.0.1/1" || rc=2
    run curl -s -k -o /dev/null -u "alice:$(pw alice)" "pop3s://127.0.0.1/2" || rc=3
    run curl -s -o "$WORK/mix-http.out" "http://127.0.0.1:$MIX_HTTP_PORT/msg2" || rc=4
    capture_stop
    kill "$web"
    wait "$web" 2>/dev/null
    [ "$rc" = 0 ] || { msg "mail-mix client $rc failed: $(cat "$WORK/mix.log")"; return 1; }
    cmp -s "$WORK/mix-http.out" "$WORK/msg2" || { msg "the HTTP download differs"; return 1; }
    expect_in_capture mail-mix '^SYN to port 1110$' '^C: USER carol$' '^C: USER alice$' '^C: STLS$' \
        '^SYN to port 995$' '^C: GET /msg2 HTTP/1.1$'
}

# SSLproxy divert mode (README "Encrypted mail and other applications"):
# poplib reaches Dovecot through tests/lib/sslproxy_relay.py, which prepends
# SSLproxy's header line to the first client data; the capture holds only
# the mirror port 18110 (not a POP3 port) and, beside it, an ordinary
# client on port 1110 that sends a forged header, which Dovecot answers
# -ERR, then a wrong password.
scenario_sslproxy() {
    local LO_CAPTURE_FILTER="tcp port 18110 or tcp port $DOVECOT_POP3_ALT_PORT"
    local relay rc=0
    fill_mailbox alice 1 || return 1
    python3 "$SRCDIR/tests/lib/sslproxy_relay.py" 10995 18110 110 s >"$WORK/relay.log" 2>&1 &
    relay=$!
    wait_port 10995 && wait_port 18110 && capture_start sslproxy || { kill "$relay"; wait "$relay"; return 1; }
    run python3 - "$(pw alice)" "$DOVECOT_POP3_ALT_PORT" >"$WORK/sslproxy.log" 2>&1 <<'EOF' || rc=1
import poplib, socket, sys
p = poplib.POP3("127.0.0.1", 10995, timeout=15)
p.user("alice")
p.pass_(sys.argv[1])
print(p.stat())
p.quit()
s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=15)
f = s.makefile("rb")
print(f.readline())
for line in (b"SSLproxy: [127.0.0.1]:34649,[198.51.100.7]:40000,[192.0.2.110]:995,s", b"USER carol",
             b"PASS not-the-password", b"QUIT"):
    s.sendall(line + b"\r\n")
    print(line, f.readline())
s.close()
EOF
    capture_stop
    kill "$relay"
    wait "$relay" 2>/dev/null
    [ "$rc" = 0 ] || { msg "sslproxy client failed: $(cat "$WORK/sslproxy.log")"; return 1; }
    expect_in_capture sslproxy '^SYN to port 18110$' \
        '^C: SSLproxy: \[127\.0\.0\.1\]:11995,\[127\.0\.0\.1\]:[0-9]*,\[192\.0\.2\.110\]:995,s$' \
        '^C: USER alice$' '^SYN to port 1110$' '^S: -ERR Unknown command' '^C: USER carol$'
}

# ------------------------------------------------------------ more methods
# These need mechanisms beyond the default list (DOVECOT_EXTRA_MECHS and the
# oauth2 passdb), so main restarts Dovecot with them first (server_for).

# SCRAM-SHA-256 (RFC 7677), mpop through GNU SASL.
scenario_scram_sha_256() {
    fill_mailbox alice 1 || return 1
    mpop_fetch scram-sha-256 scram-sha-256 alice on || return 1
    expect_in_capture scram-sha-256 '^C: AUTH SCRAM-SHA-256$' \
        "^C: $(printf 'n,,n=alice,r=' | base64 | cut -c1-16)" '^S: \+OK Logged in' '^C: RETR 1$'
}

# OAUTHBEARER (RFC 7628) from curl: first an expired token, which Dovecot
# answers with the JSON error challenge of §3.2.2; curl replies with the
# lone ^A and gets -ERR. Then a valid token in a second connection.
scenario_oauthbearer() {
    fill_mailbox alice 1 || return 1
    local expired valid rc1 rc2
    expired=$(dovecot_oauth2_token alice -600) && valid=$(dovecot_oauth2_token alice 3600) || return 1
    capture_start oauthbearer || return 1
    run curl -s -o /dev/null --login-options AUTH=OAUTHBEARER --oauth2-bearer "$expired" -u alice: \
        "pop3://127.0.0.1/"
    rc1=$?
    run curl -s -o "$WORK/oauthbearer.out" --login-options AUTH=OAUTHBEARER --oauth2-bearer "$valid" -u alice: \
        "pop3://127.0.0.1/1"
    rc2=$?
    capture_stop || return 1
    [ "$rc1" = 67 ] || { msg "curl with an expired token exited $rc1, expected 67"; return 1; }
    [ "$rc2" = 0 ] || { msg "curl OAUTHBEARER failed ($rc2)"; return 1; }
    expect_in_capture oauthbearer '^C: AUTH OAUTHBEARER$' '^C: AQ==$' '^S: -ERR \[AUTH\]' \
        '^S: \+OK Logged in' '^C: RETR 1$'
}

# XOAUTH2 (Google's variant) from mpop, which sends the token as the
# password. (curl 7.88 asked for AUTH=XOAUTH2 still sends OAUTHBEARER when
# the server offers both.)
scenario_xoauth2() {
    fill_mailbox alice 1 || return 1
    mpop_fetch xoauth2 xoauth2 alice on "$(dovecot_oauth2_token alice 3600)" || return 1
    expect_in_capture xoauth2 '^C: AUTH XOAUTH2$' "^C: $(printf 'user=alice\001auth=Bearer ' | base64 | cut -c1-20)" \
        '^S: \+OK Logged in' '^C: RETR 1$'
}

# ANONYMOUS (RFC 4505) with trace information, from a raw socket (no
# packaged client offers it); Dovecot logs the session in as "anonymous".
scenario_anonymous() {
    capture_start anonymous || return 1
    run python3 - >"$WORK/anonymous.log" 2>&1 <<'EOF'
import base64, socket, sys
s = socket.create_connection(("127.0.0.1", 110), timeout=15)
f = s.makefile("rb")
print(f.readline())
for cmd in (b"AUTH ANONYMOUS " + base64.b64encode(b"sirhc@example.org"), b"STAT", b"QUIT"):
    s.sendall(cmd + b"\r\n")
    line = f.readline()
    print(cmd, line)
    if not line.startswith(b"+OK"):
        sys.exit(1)
EOF
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "anonymous client failed: $(cat "$WORK/anonymous.log")"; return 1; }
    expect_in_capture anonymous "^C: AUTH ANONYMOUS $(printf 'sirhc@example.org' | base64)$" '^S: \+OK 0 0$'
}

# AUTH LOGIN with the user name as initial response (RFC 5034 §4), from
# curl --sasl-ir: only the password is asked for.
scenario_auth_login_ir() {
    fill_mailbox bob 1 || return 1
    capture_start auth-login-ir || return 1
    run curl -s -o /dev/null --sasl-ir --login-options AUTH=LOGIN -u "bob:$(pw bob)" "pop3://127.0.0.1/"
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "curl AUTH=LOGIN --sasl-ir failed ($rc)"; return 1; }
    expect_in_capture auth-login-ir "^C: AUTH LOGIN $(printf bob | base64)$" '^S: \+ UGFzc3dvcmQ6$' \
        "^C: $(printf 'bob pass with spaces' | base64)$" &&
        expect_not_in_capture auth-login-ir '^S: \+ VXNlcm5hbWU6$'
}

# A cancelled exchange (RFC 5034 §4: "*"): AUTH LOGIN, the user name, then
# "*" at the password prompt; the client then logs in with USER/PASS.
scenario_auth_cancel() {
    fill_mailbox carol 1 || return 1
    capture_start auth-cancel || return 1
    run python3 - "$(pw carol)" >"$WORK/cancel.log" 2>&1 <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", 110), timeout=15)
f = s.makefile("rb")
def say(line, want):
    s.sendall(line + b"\r\n")
    got = f.readline()
    print(line, got)
    if not got.startswith(want):
        sys.exit("unexpected reply to %r: %r" % (line, got))
print(f.readline())
say(b"AUTH LOGIN", b"+ VXNlcm5hbWU6")
say(b"Y2Fyb2w=", b"+ UGFzc3dvcmQ6")  # "carol"
say(b"*", b"-ERR")
say(b"USER carol", b"+OK")
say(b"PASS " + sys.argv[1].encode(), b"+OK")
say(b"QUIT", b"+OK")
EOF
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "cancel client failed: $(cat "$WORK/cancel.log")"; return 1; }
    expect_in_capture auth-cancel '^C: \*$' '^S: -ERR Authentication aborted' '^C: PASS carol-pw$'
}

# RFC 2449 §8.1.2 [IN-USE]: with pop3_lock_session a second session on a
# locked maildrop is refused after the credentials were accepted. Session A
# (alice) stays logged in while B tries; Dovecot gives up on the lock after
# about ten seconds, answers PASS with -ERR [IN-USE] and closes B.
scenario_in_use() {
    fill_mailbox alice 1 || return 1
    capture_start in-use || return 1
    run python3 - "$(pw alice)" >"$WORK/in-use.log" 2>&1 <<'EOF'
import poplib, sys
a = poplib.POP3("127.0.0.1", 110, timeout=30)
a.user("alice")
a.pass_(sys.argv[1])
b = poplib.POP3("127.0.0.1", 110, timeout=30)
b.user("alice")
try:
    b.pass_(sys.argv[1])
    sys.exit("the second session was let in")
except poplib.error_proto as e:
    print("refused:", e)
    if b"[IN-USE]" not in e.args[0]:
        sys.exit(1)
b.close()
print(a.stat())
a.quit()
EOF
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "in-use client failed: $(cat "$WORK/in-use.log")"; return 1; }
    expect_in_capture in-use '^S: -ERR \[IN-USE\]' '^C: QUIT$'
}

# Commands outside RFC 1939's core, none of which may desynchronise the
# tracker: a bare AUTH (Dovecot lists its mechanisms, multi-line), UTF8 and
# LANG (RFC 6856; Dovecot does not implement them: -ERR), then after login
# LAST (RFC 1460; enabled with pop3_enable_last), XTND, XSENDER, RPOP and a
# made-up command (all -ERR), NOOP, RSET, QUIT.
scenario_odd_commands() {
    fill_mailbox bob 2 || return 1
    capture_start odd-commands || return 1
    run python3 - "$(pw bob)" >"$WORK/odd.log" 2>&1 <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", 110), timeout=15)
f = s.makefile("rb")
def say(line, want, multi=False):
    s.sendall(line + b"\r\n")
    got = f.readline()
    print(line, got)
    if not got.startswith(want):
        sys.exit("unexpected reply to %r: %r" % (line, got))
    while multi and got != b".\r\n":
        got = f.readline()
print(f.readline())
say(b"CAPA", b"+OK", True)
say(b"AUTH", b"+OK", True)
say(b"UTF8", b"-ERR")
say(b"LANG", b"-ERR")
say(b"USER bob", b"+OK")
say(b"PASS " + sys.argv[1].encode(), b"+OK")
say(b"LAST", b"+OK 0")
say(b"XTND XLIST Subject", b"-ERR")
say(b"XSENDER 1", b"-ERR")
say(b"RPOP bob", b"-ERR")
say(b"XYZZY", b"-ERR")
say(b"NOOP", b"+OK")
say(b"RSET", b"+OK")
say(b"QUIT", b"+OK")
EOF
    local rc=$?
    capture_stop || return 1
    [ "$rc" = 0 ] || { msg "odd-commands client failed: $(cat "$WORK/odd.log")"; return 1; }
    expect_in_capture odd-commands '^C: AUTH$' '^S: OAUTHBEARER$' '^C: UTF8$' '^C: LAST$' '^S: \+OK 0$' \
        '^C: XYZZY$'
}

# server_for NAME: the Dovecot configuration scenario NAME needs; restarts
# the server only when it differs from the running one.
server_for() {
    local mechs=$DOVECOT_DEFAULT_MECHS oauth2=0
    case $1 in
    scram-sha-256 | oauthbearer | xoauth2 | anonymous | odd-commands)
        mechs="$DOVECOT_DEFAULT_MECHS $DOVECOT_EXTRA_MECHS"
        oauth2=1
        ;;
    esac
    [ "$mechs" = "${DOVECOT_AUTH_MECHS:-$DOVECOT_DEFAULT_MECHS}" ] && [ "$oauth2" = "${DOVECOT_OAUTH2:-0}" ] &&
        return 0
    DOVECOT_AUTH_MECHS=$mechs
    DOVECOT_OAUTH2=$oauth2
    dovecot_restart
}

ALL_SCENARIOS=(curl-default userpass wrong-password apop auth-plain auth-login
    cram-md5 stls pop3s pipelining pipelining-burst retr-dele-quit fetchmail
    scram-sha-1 digest-md5 sasl-ir-fail mail-mix
    scram-sha-256 oauthbearer xoauth2 anonymous auth-login-ir auth-cancel in-use odd-commands
    sslproxy)

main() {
    local name fn
    local -a todo=("$@")
    [ ${#todo[@]} -gt 0 ] || todo=("${ALL_SCENARIOS[@]}")
    for name in "${todo[@]}"; do
        fn=scenario_${name//-/_}
        if ! declare -F "$fn" >/dev/null; then
            msg "unknown scenario $name (known: ${ALL_SCENARIOS[*]})"
            return 2
        fi
    done
    for fn in curl mpop fetchmail python3 timeout; do
        command -v "$fn" >/dev/null || { msg "needs $fn"; return 1; }
    done
    WORK=$(mktemp -d /tmp/pop3scope-samples.XXXXXX) || return 1
    mkdir -p "$OUT"
    dovecot_start || return 1
    make_messages
    for name in "${todo[@]}"; do
        fn=scenario_${name//-/_}
        server_for "$name" || return 1
        if "$fn"; then
            mv "$OUT/$name.pcap.part" "$OUT/$name.pcap"
            chmod 644 "$OUT/$name.pcap"
        else
            msg "FAILED: $name (the previous $name.pcap, if any, is kept)"
            lo_capture_stop
            if [ -s "$OUT/$name.pcap.part" ]; then
                msg "---- what the capture shows (first 60 lines) ----"
                capture_dump "$name" 2>&1 | head -n 60 >&2
            fi
            rm -f "$OUT/$name.pcap.part"
            FAILED=$((FAILED + 1))
            dovecot_show_log
        fi
    done
    [ "$FAILED" = 0 ] || { msg "$FAILED scenario(s) failed"; return 1; }
}

main "$@"
