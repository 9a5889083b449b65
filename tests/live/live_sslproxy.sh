#!/usr/bin/env bash
# Live: issues 12.3 and 13.7 against a real Dovecot on loopback.
#  1. SSLproxy divert (tests/lib/sslproxy_relay.py): python3 poplib and curl
#     reach Dovecot through a relay that prepends SSLproxy's header line;
#     tcpdump records only the mirror port (not a POP3 port). pop3scope
#     must recognise POP3 there, report the header's endpoints in "proxy"
#     and judge exposure on the original (TLS) wire: none.
#  2. A forged header sent by an ordinary client straight to Dovecot, on
#     110 and on a second port (found by the probe, where the header may be
#     honoured), then a login that fails: Dovecot answers the header -ERR;
#     no proxy record, and the failure stays a failure.
#  3. Secrets Dovecot refuses (issue 13.7): XOAUTH2 without ^A, PLAIN and
#     LOGIN answers that are base64 plus junk. Nothing secret in "user".
# One TAP line per expectation. Needs root, dovecot, tcpdump, curl, python3.
set -u
testlib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$testlib/lib.sh"
. "$testlib/dovecot-lib.sh"

dovecot_test_prereqs curl

PROXY_PORT=10995
MIRROR_PORT=18110
ALT_PORT=11110
work=$(mktemp -d /tmp/pop3scope-sslproxy.XXXXXX) || exit 1
relay_pid=
cleanup() {
    lo_capture_stop
    [ -z "$relay_pid" ] || kill "$relay_pid" 2>/dev/null
    dovecot_cleanup
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

export DOVECOT_OAUTH2=1
DOVECOT_AUTH_MECHS="plain login xoauth2"
DOVECOT_POP3_ALT_PORT=$ALT_PORT
if ! dovecot_start >"$work/dovecot-start.log" 2>&1; then
    echo "Bail out! could not start the private dovecot (see below)"
    tap_diag <"$work/dovecot-start.log"
    exit 1
fi
for p in "$PROXY_PORT" "$MIRROR_PORT"; do
    if port_in_use "$p"; then
        echo "Bail out! port $p is in use"
        exit 1
    fi
done
python3 "$testlib/sslproxy_relay.py" "$PROXY_PORT" "$MIRROR_PORT" 110 s 2>"$work/relay.err" &
relay_pid=$!
wait_port "$PROXY_PORT" && wait_port "$MIRROR_PORT" || { echo "Bail out! relay did not start"; exit 1; }

# ---- 1. through the relay, recorded on the mirror port only
LO_CAPTURE_FILTER="tcp port $MIRROR_PORT"
lo_capture_start "$work/proxy.pcap" || { echo "Bail out! tcpdump"; exit 1; }
timeout 20 python3 - "$PROXY_PORT" <<'PY' 2>>"$work/clients.err"
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("alice"); p.pass_("alice-secret-1"); p.stat(); p.quit()
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("bob")
try:
    p.pass_("wrong")
except poplib.error_proto:
    pass
p.quit()
PY
timeout 20 curl -s --user 'carol:carol-pw' "pop3://127.0.0.1:$PROXY_PORT/" >/dev/null 2>>"$work/clients.err"
lo_capture_stop

# ---- 2 and 3. straight to Dovecot on 110
LO_CAPTURE_FILTER="tcp port 110 or tcp port $ALT_PORT"
lo_capture_start "$work/direct.pcap" || { echo "Bail out! tcpdump"; exit 1; }
token=$(dovecot_oauth2_token alice)
TOKEN="$token" timeout 30 python3 - "$ALT_PORT" <<'PY' 2>>"$work/clients.err"
import base64, os, socket, sys
b = base64.b64encode
def sess(lines, port=110):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    f = s.makefile("rb")
    f.readline()
    for l in lines:
        s.sendall(l + b"\r\n")
        f.readline()
    s.sendall(b"QUIT\r\n"); f.readline(); s.close()
# 2: a forged header, then a failing login (the attacker hopes for "+OK").
sess([b"SSLproxy: [127.0.0.1]:34649,[198.51.100.7]:40000,[192.0.2.110]:995,s",
      b"USER alice", b"PASS not-the-password"])
sess([b"SSLproxy: [127.0.0.1]:34649,[198.51.100.7]:40000,[192.0.2.110]:995,s",
      b"USER bob", b"PASS not-the-password"], int(sys.argv[1]))
# The same, pipelined in one segment: Dovecot answers -ERR, +OK, -ERR. Paired
# off by one, the +OK to USER would turn into a login success.
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
f = s.makefile("rb")
f.readline()
s.sendall(b"SSLproxy: [127.0.0.1]:34649,[198.51.100.7]:40000,[192.0.2.110]:995,s\r\n"
          b"USER carol\r\nPASS not-the-password\r\n")
for _ in range(3):
    f.readline()
s.sendall(b"QUIT\r\n"); f.readline(); s.close()
# 3: secrets Dovecot refuses.
tok = os.environ["TOKEN"].encode()
sess([b"AUTH XOAUTH2 " + b(b"user=alice auth=Bearer " + tok)])
sess([b"AUTH PLAIN " + b(b"\0alice\0alice-secret-1")[:-1] + b"!"])
sess([b"AUTH LOGIN", b(b"alice"), b(b"alice-secret-1") + b"xyz"])
PY
lo_capture_stop
[ -z "${KEEP_PCAPS:-}" ] || cp "$work"/*.pcap "$KEEP_PCAPS"/

timeout 60 "$POP3SCOPE" --json --show-passwords "$work/proxy.pcap" >"$work/proxy.json" 2>"$work/proxy.err"
st1=$?
timeout 60 "$POP3SCOPE" --json --show-passwords "$work/direct.pcap" >"$work/direct.json" 2>"$work/direct.err"
st2=$?
# --threads hands events over by copy: the proxy object must survive it.
timeout 60 "$POP3SCOPE" --threads 2 --json --show-passwords "$work/proxy.pcap" >"$work/proxy-threads.json" 2>"$work/proxy-threads.err"
cmp -s "$work/proxy.json" "$work/proxy-threads.json"
st3=$?

ALT_PORT=$ALT_PORT TOKEN="$token" python3 - "$work" "$st1" "$st2" "$MIRROR_PORT" "$st3" <<'PY'
import json, os, sys
work, st1, st2, mirror, st3 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def load(name):
    return [json.loads(l) for l in open(os.path.join(work, name)) if l.strip()]
n = 0; failed = 0
def check(what, cond):
    global n, failed
    n += 1
    try:
        ok = bool(cond())
    except Exception as e:
        ok = False; what += " (%r)" % e
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, what))
    failed += not ok
px = load("proxy.json"); dr = load("direct.json")
pa = [e for e in px if e["event"] == "auth"]
ps = [e for e in px if e["event"] == "session"]
check("pop3scope exits 0 on both captures", lambda: st1 == 0 and st2 == 0)
check("three POP3 sessions found on the mirror port %d" % mirror,
      lambda: len(ps) == 3 and all(s["dest_port"] == mirror for s in ps))
by = {a["user"]: a for a in pa}
check("alice (poplib) logged in through the proxy",
      lambda: by["alice"]["outcome"] == "success" and by["alice"]["password"] == "alice-secret-1")
check("bob (poplib) failed through the proxy", lambda: by["bob"]["outcome"] == "failure")
check("carol (curl) logged in through the proxy", lambda: by["carol"]["outcome"] == "success")
check("every auth and session record carries the header's endpoints",
      lambda: len(pa) == 3 and all(e["proxy"]["server_ip"] == "192.0.2.110" and e["proxy"]["server_port"] == 995
                  and e["proxy"]["client_ip"] == "127.0.0.1" and e["proxy"]["tls"] is True
                  and e["proxy"]["listener"] == "127.0.0.1:%d" % (10995 + 1000) for e in pa + ps))
check("proxy client_port is the real client's port, not the relay's",
      lambda: pa and all(e["proxy"]["client_port"] != e["src_port"] for e in pa))
check("exposure is judged on the original TLS wire: none", lambda: pa and all(a["exposure"] == "none" for a in pa))
check("the header is not counted as a command or an unknown one",
      lambda: ps and all("unknown_command" not in s["anomalies"] for s in ps))
check("no stls_offered_not_used behind an 's' header, though Dovecot offered STLS",
      lambda: any(s["stls_offered"] for s in ps) and all("stls_offered_not_used" not in s["anomalies"] for s in ps))
check("--threads 2 writes the same records, proxy objects included", lambda: st3 == 0 and '"proxy":{' in open(os.path.join(work, "proxy-threads.json")).read())
da = [e for e in dr if e["event"] == "auth"]
ds = [e for e in dr if e["event"] == "session"]
check("no record of the direct captures has a proxy object", lambda: len(ds) == 6 and all("proxy" not in e for e in dr))
forged = {a["dest_port"]: a for a in da if a["method"] == "USER" and a["user"] != "carol"}
piped = [a for a in da if a["method"] == "USER" and a["user"] == "carol"]
check("forged header, pipelined: the login is a failure, no proxy",
      lambda: len(piped) == 1 and piped[0]["outcome"] == "failure" and "proxy" not in piped[0])
alt = int(os.environ.get("ALT_PORT", "11110"))
for port, user in ((110, "alice"), (alt, "bob")):
    check("forged header on port %d: the login is a failure, as Dovecot said" % port,
          lambda: forged[port]["outcome"] == "failure" and forged[port]["user"] == user
          and forged[port]["exposure"] == "cleartext" and forged[port]["credentials_valid"] is False)
    check("forged header on port %d: counted as an unknown command, no unpaired reply" % port,
          lambda: [s for s in ds if s["dest_port"] == port and "unknown_command" in s["anomalies"]
                   and "unexpected_response" not in s["anomalies"]])
tok = os.environ["TOKEN"]
x = [a for a in da if a["method"] == "XOAUTH2"]
check("XOAUTH2 without ^A: no user, token only in the redacted field",
      lambda: len(x) == 1 and x[0]["user"] is None and tok in x[0]["password"] and x[0]["exposure"] == "token")
pl = [a for a in da if a["method"] == "PLAIN"]
check("PLAIN with bad base64: possible secret, cleartext, no user",
      lambda: len(pl) == 1 and pl[0]["user"] is None and pl[0]["password"].endswith("!")
      and pl[0]["exposure"] == "cleartext")
lg = [a for a in da if a["method"] == "LOGIN"]
check("LOGIN password with junk: user alice, password the raw answer",
      lambda: len(lg) == 1 and lg[0]["user"] == "alice" and lg[0]["password"].endswith("xyz")
      and lg[0]["exposure"] == "cleartext" and lg[0]["outcome"] == "failure")
check("no auth record anywhere has a token or password in user",
      lambda: all(a["user"] is None or ("secret" not in a["user"] and tok not in a["user"]) for a in pa + da))
print("1..%d" % n)
if failed:
    print("# %d failed" % failed)
    for name in ("proxy.json", "direct.json"):
        for l in open(os.path.join(work, name)):
            print("# " + l.strip()[:300])
sys.exit(1 if failed else 0)
PY
