#!/usr/bin/env python3
"""Checks pop3scope against what a correct analyzer reports for each peer
capture (../shared/peer-captures/README.md). Prints TAP. Usage:
peer_captures.py POP3SCOPE PEER_DIR"""
import json
import subprocess
import sys


def run(binary, pcap):
    proc = subprocess.run([binary, "--json", "--show-passwords", pcap],
                          capture_output=True, timeout=60, check=False)
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    return proc.returncode, events


def auths(events):
    return [e for e in events if e["event"] == "auth"]


def sessions(events):
    return [e for e in events if e["event"] == "session"]


def attempt(a):
    return (a["user"], a["method"], a["outcome"], a["exposure"], a.get("password"))


# Each entry: capture file -> list of (description, predicate over events).
EXPECT = {
    "nDPI__pop3.pcap": [
        ("USER/PASS login of cicciopernacchio@mail.com succeeds in clear",
         lambda ev: ("cicciopernacchio@mail.com", "USER", "success", "cleartext", "pippozzo")
         in [attempt(a) for a in auths(ev)]),
        ("AUTH PLAIN fails, then succeeds twice (continuation form)",
         lambda ev: [a["outcome"] for a in auths(ev) if a["method"] == "PLAIN"] == ["failure", "success", "success"]),
        ("bare AUTH probes are not login attempts: 1 USER + 3 PLAIN",
         lambda ev: len(auths(ev)) == 4),
        ("every attempt with a password is cleartext",
         lambda ev: all(a["exposure"] == "cleartext" for a in auths(ev) if a.get("password"))),
        ("4 messages retrieved in all",
         lambda ev: sum(s["retr_count"] for s in sessions(ev)) == 4),
    ],
    "nDPI__pop3_stls.pcap": [
        ("one session, upgraded with STLS", lambda ev: [s["tls"] for s in sessions(ev)] == ["stls"]),
        ("no credentials", lambda ev: all(a["exposure"] == "none" for a in auths(ev))),
    ],
    "nDPI__pops.pcapng": [
        ("one implicit-TLS session", lambda ev: [s["tls"] for s in sessions(ev)] == ["implicit"]),
        ("no auth events", lambda ev: auths(ev) == []),
    ],
    "nDPI__synscan.pcap": [
        ("no auth events", lambda ev: auths(ev) == []),
        ("no POP3 sessions with data",
         lambda ev: all(s["client_bytes"] + s["server_bytes"] == 0 for s in sessions(ev))),
    ],
    "zeek__pop3__pop3.pcap": [
        ("three PLAIN attempts: failure, success, success",
         lambda ev: [(a["method"], a["outcome"]) for a in auths(ev)]
         == [("PLAIN", "failure"), ("PLAIN", "success"), ("PLAIN", "success")]),
        ("the successful ones are digitalinvestigator@networksims.com / napier123",
         lambda ev: all(a["user"] == "digitalinvestigator@networksims.com" and a["password"] == "napier123"
                        for a in auths(ev) if a["outcome"] == "success")),
        ("maildrop 3 messages / 19191 octets",
         lambda ev: any(s["maildrop_messages"] == 3 and s["maildrop_octets"] == 19191 for s in sessions(ev))),
        ("3 RETR", lambda ev: sum(s["retr_count"] for s in sessions(ev)) == 3),
    ],
    "zeek__pop3-unknown-commands.pcap": [
        ("one successful USER login zeek@zeek.org / zeek",
         lambda ev: [attempt(a) for a in auths(ev)]
         == [("zeek@zeek.org", "USER", "success", "cleartext", "zeek")]),
        ("maildrop 1 / 236 (stays in sync past the junk)",
         lambda ev: [(s["maildrop_messages"], s["maildrop_octets"]) for s in sessions(ev)] == [(1, 236)]),
        ("junk server lines are anomalies",
         lambda ev: any("junk_server_line" in s["anomalies"] for s in sessions(ev))),
    ],
    "zeek__pop3__bad-list-retr-crafted.pcap": [
        ("no auth events", lambda ev: auths(ev) == []),
        ("the garbage line is an anomaly", lambda ev: any(s["anomalies"] for s in sessions(ev))),
        ("the session ends with RST", lambda ev: [s["end"] for s in sessions(ev)] == ["rst"]),
    ],
    "zeek__pop3__redis-50-pings.pcap": [
        ("Redis is not POP3: no auth or session events", lambda ev: auths(ev) == [] and sessions(ev) == []),
    ],
    "zeek__tls__pop3-starttls.pcap": [
        ("one session upgraded with STLS", lambda ev: [s["tls"] for s in sessions(ev)] == ["stls"]),
        ("banner and APOP timestamp recorded",
         lambda ev: all(s["banner"] and s["apop_timestamp"] for s in sessions(ev))),
        ("no credentials", lambda ev: auths(ev) == []),
    ],
    "suricata-verify__pop3.pcap": [
        ("one successful cleartext USER login",
         lambda ev: [(a["user"], a["method"], a["outcome"], a["exposure"]) for a in auths(ev)]
         == [("moises.nunez@ingenierianumar.com", "USER", "success", "cleartext")]),
        ("49 TOP", lambda ev: [s["top_count"] for s in sessions(ev)] == [49]),
        ("maildrop from STAT", lambda ev: all(s["maildrop_messages"] is not None for s in sessions(ev))),
    ],
    "suricata-verify__pop3-02-bug-7709.pcap": [
        ("test@tt.com rejected, then test / 123456 accepted",
         lambda ev: [(a["user"], a["outcome"], a["password"]) for a in auths(ev)]
         == [("test@tt.com", "failure", "123456"), ("test", "success", "123456")]),
        ("maildrop 5 messages", lambda ev: any(s["maildrop_messages"] == 5 for s in sessions(ev))),
        ("1 RETR", lambda ev: sum(s["retr_count"] for s in sessions(ev)) == 1),
        ("the GBK banner is escaped, not dropped",
         lambda ev: any(s["banner"] and "\\x" in s["banner"] for s in sessions(ev))),
    ],
    "suricata-verify__pop3-03-bug-7709.pcap": [
        ("failure then success",
         lambda ev: [a["outcome"] for a in auths(ev)] == ["failure", "success"]),
        ("the second session ends with RST (no hang on the missing terminator)",
         lambda ev: [s["end"] for s in sessions(ev)] == ["quit", "rst"]),
    ],
    "suricata-verify__pop3-auth-01.pcap": [
        ("one XOAUTH2 success for joe.speedboat, exposure token",
         lambda ev: [(a["user"], a["method"], a["outcome"], a["exposure"]) for a in auths(ev)]
         == [("joe.speedboat", "XOAUTH2", "success", "token")]),
    ],
}


def main():
    binary, peer_dir = sys.argv[1], sys.argv[2]
    print("1..%d" % (sum(len(v) for v in EXPECT.values()) + len(EXPECT)))
    n = 0
    failed = 0
    for name, checks in EXPECT.items():
        pcap = "%s/%s" % (peer_dir, name)
        try:
            status, events = run(binary, pcap)
            ran = status == 0
        except (OSError, ValueError, subprocess.TimeoutExpired) as err:
            status, events, ran = str(err), [], False
        n += 1
        print("%s %d - %s: runs, exit %s, JSON lines" % ("ok" if ran else "not ok", n, name, status))
        failed += 0 if ran else 1
        for desc, pred in checks:
            n += 1
            try:
                good = ran and bool(pred(events))
            except (KeyError, TypeError, IndexError):
                good = False
            failed += 0 if good else 1
            print("%s %d - %s: %s" % ("ok" if good else "not ok", n, name, desc))
            if not good:
                for e in events[:20]:
                    print("#   " + json.dumps(e)[:300])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
