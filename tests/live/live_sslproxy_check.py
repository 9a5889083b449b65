# Run by tests/live/live_sslproxy.sh (see the comment above where it runs).
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
