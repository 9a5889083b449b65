# Run by tests/live/e2e_dovecot.sh (see the comment above where it runs).
"""Compare pop3scope's JSON events with what the clients did. Prints TAP."""
import hashlib, json, sys

work, clients_path, packets, scope_status = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
from tap_checks import check, report


def pop3_size(path):
    data = open(path, "rb").read().replace(b"\r", b"")
    return len(data) + data.count(b"\n")


sizes = {n: pop3_size(f"{work}/m{n}") for n in (1, 2, 3)}

clients = {}
for line in open(clients_path):
    f = line.split()
    clients[f[0]] = {"status": int(f[1]), "port": int(f[2]) if len(f) > 2 else 0,
                     "extra": f[3] if len(f) > 3 else ""}

events = []
bad_lines = 0
try:
    for line in open(f"{work}/events.json", encoding="utf-8"):
        try:
            events.append(json.loads(line))
        except ValueError:
            bad_lines += 1
except OSError:
    bad_lines += 1


def auths(name):
    port = clients[name]["port"]
    found = [e for e in events if e.get("event") == "auth" and e.get("src_port") == port]
    return sorted(found, key=lambda e: e.get("attempt", 0))


def session(name):
    port = clients[name]["port"]
    found = [e for e in events if e.get("event") == "session" and e.get("src_port") == port]
    return found[0] if len(found) == 1 else None


def one_auth(name):
    a = auths(name)
    return a[0] if len(a) == 1 else None


# --- the run itself
for name in ("userpass_alice", "wrong_then_right_bob", "plain_carol", "dele_alice",
             "apop_carol", "pop3s_alice", "stls_carol", "login_ir_bob", "cram_alice", "cancel_carol"):
    check(f"client {name} completed against dovecot",
          lambda n=name: clients[n]["status"] == 0 and clients[n]["port"] > 0)
check("tcpdump captured the sessions", lambda: packets > 50)
check("pop3scope --json --show-passwords exits 0", lambda: scope_status == 0)
# Other event types (run summaries, alerts) may follow; these checks read
# only auth and session events.
check("every output line is JSON with an event type",
      lambda: bad_lines == 0 and events and all(isinstance(e.get("event"), str) for e in events))
check("credentials_valid is true on every success",
      lambda: all(e["credentials_valid"] is True for e in events
                  if e["event"] == "auth" and e["outcome"] == "success"))
check("one session event per client connection, and no others",
      lambda: sorted(e["src_port"] for e in events if e["event"] == "session")
      == sorted(c["port"] for c in clients.values()))
check("every session has the server on 127.0.0.1:110 or :995",
      lambda: all(e["dest_ip"] == "127.0.0.1" and e["dest_port"] in (110, 995)
                  for e in events if e["event"] == "session"))

# --- A: USER/PASS success and RETR
a = lambda: one_auth("userpass_alice")
s = lambda: session("userpass_alice")
check("A: one USER attempt by alice, success",
      lambda: (a()["method"], a()["user"], a()["outcome"]) == ("USER", "alice", "success"))
check("A: exposure cleartext", lambda: a()["exposure"] == "cleartext")
check("A: password alice-secret-1", lambda: a()["password"] == "alice-secret-1")
check("A: session user alice via USER, 1 attempt, 0 failures",
      lambda: (s()["user"], s()["auth_method"], s()["auth_attempts"], s()["auth_failures"])
      == ("alice", "USER", 1, 0))
check(f"A: maildrop 2 messages, {sizes[1] + sizes[2]} octets (STAT)",
      lambda: (s()["maildrop_messages"], s()["maildrop_octets"]) == (2, sizes[1] + sizes[2]))
check(f"A: retr_count 1, retr_octets {sizes[2]} (message 2 as received)",
      lambda: (s()["retr_count"], s()["retr_octets"]) == (1, sizes[2]))
check("A: nothing deleted", lambda: (s()["dele_count"], s()["deletions_committed"], s()["messages_deleted"]) == (0, False, 0))
check("A: no TLS, ended by QUIT", lambda: (s()["tls"], s()["end"]) == ("none", "quit"))
check("A: poplib sent no CAPA: capabilities null, STLS not known to be offered",
      lambda: (s()["capabilities"], s()["stls_offered"]) == (None, False))
check("A: banner recorded with its APOP timestamp",
      lambda: s()["banner"].startswith("pop3scope test server ready <") and s()["apop_timestamp"].startswith("<"))

# --- B: failure then success in one session
b = lambda: auths("wrong_then_right_bob")
s = lambda: session("wrong_then_right_bob")
check("B: two attempts, numbered 1 and 2", lambda: [x["attempt"] for x in b()] == [1, 2])
check("B: attempt 1 USER bob failure, cleartext",
      lambda: (b()[0]["method"], b()[0]["user"], b()[0]["outcome"], b()[0]["exposure"])
      == ("USER", "bob", "failure", "cleartext"))
check("B: attempt 1 password not-bobs-password", lambda: b()[0]["password"] == "not-bobs-password")
check("B: attempt 1 response code AUTH, text 'Authentication failed.'",
      lambda: (b()[0]["resp_code"], b()[0]["response"]) == ("AUTH", "Authentication failed."))
check("B: attempt 1 credentials_valid false ([AUTH], RFC 3206)", lambda: b()[0]["credentials_valid"] is False)
check("B: attempt 2 USER bob success",
      lambda: (b()[1]["method"], b()[1]["user"], b()[1]["outcome"]) == ("USER", "bob", "success"))
check("B: attempt 2 password with spaces kept whole", lambda: b()[1]["password"] == "bob pass with spaces")
check("B: session user bob, 2 attempts, 1 failure, ended by QUIT",
      lambda: (s()["user"], s()["auth_attempts"], s()["auth_failures"], s()["end"]) == ("bob", 2, 1, "quit"))
check(f"B: maildrop 1 message, {sizes[3]} octets",
      lambda: (s()["maildrop_messages"], s()["maildrop_octets"]) == (1, sizes[3]))

# --- C: SASL PLAIN with curl
c = lambda: one_auth("plain_carol")
s = lambda: session("plain_carol")
check("C: one PLAIN attempt by carol, success",
      lambda: (c()["method"], c()["user"], c()["outcome"]) == ("PLAIN", "carol", "success"))
check("C: exposure cleartext, password carol-pw",
      lambda: (c()["exposure"], c()["password"]) == ("cleartext", "carol-pw"))
check("C: the client received message 1 intact",
      lambda: open(f"{work}/plain_carol.out", "rb").read().replace(b"\r", b"")
      == open(f"{work}/m1", "rb").read())
check(f"C: retr_count 1, retr_octets {sizes[1]}",
      lambda: (s()["retr_count"], s()["retr_octets"]) == (1, sizes[1]))
check("C: session user carol via PLAIN, ended by QUIT",
      lambda: (s()["user"], s()["auth_method"], s()["end"]) == ("carol", "PLAIN", "quit"))
check("C: curl's CAPA recorded: STLS offered, SASL list, AUTH-RESP-CODE",
      lambda: s()["stls_offered"] is True and "STLS" in s()["capabilities"]
      and "AUTH-RESP-CODE" in s()["capabilities"] and "PLAIN" in s()["sasl_mechanisms"].split())
check("C: STLS offered, login in clear: anomaly stls_offered_not_used",
      lambda: "stls_offered_not_used" in s()["anomalies"])

# --- D: DELE committed by QUIT
d = lambda: one_auth("dele_alice")
s = lambda: session("dele_alice")
check("D: one USER attempt by alice, success, password alice-secret-1",
      lambda: (d()["method"], d()["user"], d()["outcome"], d()["password"])
      == ("USER", "alice", "success", "alice-secret-1"))
check(f"D: retr_count 1, retr_octets {sizes[1]}",
      lambda: (s()["retr_count"], s()["retr_octets"]) == (1, sizes[1]))
check("D: dele_count 1", lambda: s()["dele_count"] == 1)
check("D: deletions_committed true, messages_deleted 1",
      lambda: (s()["deletions_committed"], s()["messages_deleted"]) == (True, 1))
check("D: ended by QUIT", lambda: s()["end"] == "quit")

# --- E: APOP
e = lambda: one_auth("apop_carol")
s = lambda: session("apop_carol")
stamp = clients.get("apop_carol", {}).get("extra", "")
check("E: one APOP attempt by carol, success",
      lambda: (e()["method"], e()["user"], e()["outcome"]) == ("APOP", "carol", "success"))
check("E: exposure hash", lambda: e()["exposure"] == "hash")
check("E: the secret is the digest MD5(timestamp + password) (RFC 1939 §7)",
      lambda: e()["password"] == hashlib.md5((stamp + "carol-pw").encode()).hexdigest())
check("E: session apop_timestamp is the greeting's", lambda: stamp and s()["apop_timestamp"] == stamp)
check("E: crack line user:digest:timestamp (hashcat -m 20 --username)",
      lambda: e()["crack"] == f"carol:{e()['password']}:{stamp}")

# --- F, G: encrypted sessions
check("F: POP3S session is tls implicit with no auth events",
      lambda: session("pop3s_alice")["tls"] == "implicit" and auths("pop3s_alice") == [])
check("G: STLS session is tls stls with no auth events",
      lambda: session("stls_carol")["tls"] == "stls" and auths("stls_carol") == [])
check("no password of a TLS session leaks into any event",
      lambda: not any(x.get("password") == "carol-pw" for x in events if x["event"] == "auth"
                      and x["src_port"] == clients["stls_carol"]["port"]))

# --- H: LOGIN with an initial response
h = lambda: one_auth("login_ir_bob")
check("H: one LOGIN attempt by bob, success, password with spaces",
      lambda: (h()["method"], h()["user"], h()["outcome"], h()["password"])
      == ("LOGIN", "bob", "success", "bob pass with spaces"))

# --- I: CRAM-MD5 and its crack line
import base64, hmac
i = lambda: one_auth("cram_alice")


def cram_parts():
    tag, chal, resp = i()["crack"].split("$")[1:]
    user, digest = base64.b64decode(resp).decode().split(" ")
    return tag, base64.b64decode(chal), user, digest


check("I: one CRAM-MD5 attempt by alice, success, exposure hash",
      lambda: (i()["method"], i()["user"], i()["outcome"], i()["exposure"]) == ("CRAM-MD5", "alice", "success", "hash"))
check("I: crack line $cram_md5$challenge$response holds the digest sent",
      lambda: cram_parts()[0] == "cram_md5" and cram_parts()[2:] == ("alice", i()["password"]))
check("I: HMAC-MD5(password, challenge) is that digest (RFC 2195): the line can be cracked",
      lambda: hmac.new(b"alice-secret-1", cram_parts()[1], hashlib.md5).hexdigest() == i()["password"])

# --- J: cancelled, wrong, right
j = lambda: auths("cancel_carol")
check("J: three attempts: LOGIN aborted, PLAIN failure, USER success",
      lambda: [(x["method"], x["outcome"]) for x in j()]
      == [("LOGIN", "aborted"), ("PLAIN", "failure"), ("USER", "success")])
check("J: the aborted LOGIN showed the user name but no secret",
      lambda: (j()[0]["user"], j()[0]["password"], j()[0]["exposure"]) == ("carol", None, "none"))
check("J: credentials_valid unknown, false, true",
      lambda: [x["credentials_valid"] for x in j()] == [None, False, True])
check("J: the wrong PLAIN password crossed in clear",
      lambda: (j()[1]["password"], j()[1]["exposure"]) == ("wrong", "cleartext"))

failed = report()
if failed:
    print(f"# {failed} failed; pop3scope said:")
    for line in open(f"{work}/pop3scope.err", errors="replace").read().splitlines()[:20]:
        print(f"#   {line}")
    for line in open(f"{work}/events.json", errors="replace").read().splitlines()[:40]:
        print(f"#   {line[:300]}")
sys.exit(1 if failed else 0)
