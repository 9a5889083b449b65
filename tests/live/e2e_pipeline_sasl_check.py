# Run by tests/live/e2e_pipeline_sasl.sh (see the comment above where it runs).
import json, subprocess, sys

work, st1, st2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from tap_checks import check, report


def events(path):
    return [json.loads(l) for l in open(path) if l.strip()]


clients = [json.loads(l) for l in open(f"{work}/clients.json") if l.strip()]


def seen(port):
    """What pop3scope reported and what the capture holds for a client port."""
    keys = ("event", "flow_id", "ts", "method", "user", "outcome", "end", "commands", "anomalies")
    lines = [json.dumps({k: e[k] for k in keys if k in e}) for e in ev if e.get("src_port") == port]
    tshark = subprocess.run(["tshark", "-n", "-r", f"{work}/pipeline.pcap", "-Y", f"tcp.port == {port}", "-T", "fields",
                             "-e", "frame.number", "-e", "frame.time_relative", "-e", "tcp.srcport", "-e", "tcp.flags.str",
                             "-e", "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.len", "-e", "tcp.checksum.status"],
                            capture_output=True, text=True, timeout=60, check=False)
    return "\n".join(lines + ["packets: frame time sport flags seq ack len csum"] + tshark.stdout.splitlines()[:80])
ev = events(f"{work}/pipeline.events")
check("pop3scope exits 0 on both captures", lambda: (st1, st2) == (0, 0))
for c in clients:
    spec = c["spec"]
    if c.get("failed"):
        check(f"{spec}: the client completed against dovecot", lambda: False)
        continue
    port = c["port"]
    auth = [e for e in ev if e["event"] == "auth" and e["src_port"] == port]
    sess = [e for e in ev if e["event"] == "session" and e["src_port"] == port]
    mech = spec.split(":")[0].replace("-WRONG", "")
    ok = c["logged_in"]
    want_user = "trace@example.test" if mech == "ANONYMOUS" else "alice"  # ANONYMOUS: the trace
    check(f"{spec}: dovecot's verdict {c['verdict']!r} after {c['prompts']} prompts, as the password says",
          lambda: ok == ("WRONG" not in spec))
    check(f"{spec}: one {mech} attempt, outcome {'success' if ok else 'failure'}",
          lambda: len(auth) == 1 and auth[0]["method"] == mech
          and auth[0]["outcome"] == ("success" if ok else "failure"), lambda: seen(port))
    check(f"{spec}: user {want_user}", lambda: auth[0]["user"] == want_user)
    check(f"{spec}: response is dovecot's verdict text",
          lambda: c["verdict"].endswith(auth[0]["response"]) and auth[0]["response"])
    s = lambda: sess[0]
    check(f"{spec}: one session event", lambda: len(sess) == 1, lambda: seen(port))
    check(f"{spec}: commands {c['commands']} (AUTH and the pipelined ones, no SASL line)",
          lambda: s()["commands"] == c["commands"])
    md = c["maildrop"]
    check(f"{spec}: maildrop {md} as STAT said",
          lambda: (s()["maildrop_messages"], s()["maildrop_octets"]) == (tuple(md) if md else (None, None)))
    check(f"{spec}: retr_count {c['retr_count']}, retr_octets {c['retr_octets']}",
          lambda: (s()["retr_count"], s()["retr_octets"]) == (c["retr_count"], c["retr_octets"]))
    check(f"{spec}: top_count {c['top_count']}, dele_count {c['dele_count']}",
          lambda: (s()["top_count"], s()["dele_count"]) == (c["top_count"], c["dele_count"]))
    committed = c["quit_ok"] and ok and c["dele_count"] > 0
    check(f"{spec}: deletions_committed {committed}, messages_deleted {c['dele_count'] if committed else 0}",
          lambda: (s()["deletions_committed"], s()["messages_deleted"])
          == (committed, c["dele_count"] if committed else 0))
    check(f"{spec}: end {'quit' if c['quit_ok'] else 'fin/rst'}",
          lambda: s()["end"] == "quit" if c["quit_ok"] else s()["end"] in ("fin", "rst"))
    check(f"{spec}: user {want_user if ok else None} via {mech if ok else None}",
          lambda: (s()["user"], s()["auth_method"]) == ((want_user, mech) if ok else (None, None)))
    check(f"{spec}: no pairing anomaly (junk_server_line, unexpected_response, bad_base64)",
          lambda: not {"junk_server_line", "unexpected_response", "bad_base64", "missing_terminator"}
          & set(s()["anomalies"] or []))

# --- issue 13.1
b = json.load(open(f"{work}/barecr.json"))
bev = events(f"{work}/barecr.events")
log = open(f"{work}/barecr.log", errors="replace").read()
auth = [e for e in bev if e["event"] == "auth"]
sess = [e for e in bev if e["event"] == "session"]
alerts = [e for e in bev if e["event"] == "alert"]
check("13.1: dovecot answered each round +OK, -ERR (one, to NOOP\\rNOOP), then the verdict",
      lambda: all(r[0].startswith("+OK") and r[1].startswith("-ERR") for r in b["rounds"])
      and all(r[2].startswith("-ERR [AUTH]") for r in b["rounds"][:12]) and b["rounds"][12][2].startswith("+OK"))
check("13.1: dovecot logged 12 password mismatches", lambda: log.count("Password mismatch") == 12)
check("13.1: 13 USER attempts by alice: 12 failures then one success",
      lambda: [(a["method"], a["user"], a["outcome"]) for a in auth]
      == [("USER", "alice", "failure")] * 12 + [("USER", "alice", "success")])
check("13.1: each attempt carries the password of its round",
      lambda: [a["password"] for a in auth] == b["passwords"])
check("13.1: failures have dovecot's [AUTH] code, credentials_valid false",
      lambda: all(a["resp_code"] == "AUTH" and a["credentials_valid"] is False for a in auth[:12]))
check("13.1: session: user alice, 13 attempts, 12 failures, maildrop as STAT said",
      lambda: (sess[0]["user"], sess[0]["auth_attempts"], sess[0]["auth_failures"],
               [sess[0]["maildrop_messages"], sess[0]["maildrop_octets"]])
      == ("alice", 13, 12, [int(x) for x in b["stat"].split()[1:3]]))
check("13.1: 41 commands (13 x USER, NOOP\\rNOOP, PASS, then STAT, QUIT)", lambda: sess[0]["commands"] == 41)
check("13.1: anomalies bare_cr and unknown_command", lambda: {"bare_cr", "unknown_command"} <= set(sess[0]["anomalies"]))
check("13.1: brute_force_account alert for alice",
      lambda: any(a["kind"] == "brute_force_account" and a["user"] == "alice" for a in alerts))
check("13.1: guessed_password alert for alice",
      lambda: any(a["kind"] == "guessed_password" and a["user"] == "alice" for a in alerts))

failed = report()
if failed:
    print(f"# {failed} failed")
sys.exit(1 if failed else 0)
