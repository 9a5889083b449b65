# Run by tests/hostile/snaplen.sh (see the comment above where it runs).
import json, sys

work = sys.argv[1]
from tap_checks import check, report


def load(name):
    evs = [json.loads(l) for l in open(f"{work}/{name}.json") if l.strip()]
    return [e for e in evs if e["event"] in ("auth", "session")]


def by_port(evs):
    out = {}
    for e in evs:
        out.setdefault(e["src_port"], []).append(e)
    return out


def prefix(c, d):
    return d is None or d == c or (isinstance(c, str) and isinstance(d, str) and c.startswith(d))


clients = open(f"{work}/clients.txt").read()
check("the four clients completed against dovecot", lambda: clients.count("done") == 4)
for n in ("full", "s96", "s68"):
    check(f"pop3scope exits 0 on the {n} capture", lambda n=n: open(f"{work}/{n}.status").read().strip() == "0")
full, s96, s68 = by_port(load("full")), by_port(load("s96")), by_port(load("s68"))
check("the whole capture has 4 sessions and 5 attempts",
      lambda: len(full) == 4 and sum(1 for v in full.values() for e in v if e["event"] == "auth") == 5)
COUNTERS = ("retr_count", "retr_octets", "top_count", "dele_count", "deletions_committed", "messages_deleted",
            "maildrop_messages", "maildrop_octets", "auth_attempts", "auth_failures", "end", "commands")

for cut, evs in (("s96", s96), ("s68", s68)):
    check(f"{cut}: one session per connection of the whole capture", lambda evs=evs: sorted(evs) == sorted(full))
    for port, fe in sorted(full.items()):
        ce = evs.get(port, [])
        fa = [e for e in fe if e["event"] == "auth"]
        ca = [e for e in ce if e["event"] == "auth"]
        fs = [e for e in fe if e["event"] == "session"][0]
        cs = [e for e in ce if e["event"] == "session"]
        what = f"{cut} {fa[0]['method'] if fa else ''} port {port}"
        # Never invented: each attempt is one of the whole capture's, in
        # order, fields equal, unknown or their visible start.
        def invented(fa=fa, ca=ca):
            pos = 0
            for d in ca:
                for i in range(pos, len(fa)):
                    c = fa[i]
                    if c["method"] == d["method"] and all(prefix(c[f], d[f]) for f in ("user", "password", "response")) \
                            and d["outcome"] in ("unknown", c["outcome"]) and d["resp_code"] in (None, c["resp_code"]) \
                            and d["credentials_valid"] in (None, c["credentials_valid"]):
                        pos = i + 1
                        break
                else:
                    return d
            return None
        check(f"{what}: no attempt invented", lambda invented=invented: invented() is None)
        check(f"{what}: gap and truncated_packet, gap_bytes > 0",
              lambda cs=cs: cs[0]["gap_bytes"] > 0 and {"gap", "truncated_packet"} <= set(cs[0]["anomalies"]))
        check(f"{what}: client_bytes + server_bytes + gap_bytes as in the whole capture",
              lambda cs=cs, fs=fs: cs[0]["client_bytes"] + cs[0]["server_bytes"] + cs[0]["gap_bytes"]
              == fs["client_bytes"] + fs["server_bytes"] + fs["gap_bytes"])
        if cut == "s96":
            # 30 bytes show every command but APOP's digest and every
            # status line's start: the same attempts and outcomes.
            check(f"{what}: every attempt, with its method and outcome",
                  lambda fa=fa, ca=ca: [(a["method"], a["outcome"]) for a in ca]
                  == [(a["method"], a["outcome"]) for a in fa])
            check(f"{what}: users whole", lambda fa=fa, ca=ca: [a["user"] for a in ca] == [a["user"] for a in fa])
            for f in COUNTERS:
                check(f"{what}: {f} {fs[f]!r} as in the whole capture",
                      lambda cs=cs, fs=fs, f=f: cs[0][f] == fs[f])
        else:
            # 2 bytes: "+O"/"-E" show, no command keyword does.
            check(f"{what}: no login seen, nothing counted",
                  lambda cs=cs: cs[0]["user"] is None and cs[0]["retr_count"] == 0 and cs[0]["dele_count"] == 0)

apop96 = [e for v in s96.values() for e in v if e["event"] == "auth" and e["method"] == "APOP"]
check("s96: the APOP cut in its digest: carol, the digest begun, no crack line, field_truncated",
      lambda: apop96[0]["user"] == "carol" and 0 < len(apop96[0]["password"]) < 32 and apop96[0]["crack"] is None
      and "field_truncated" in [e for e in s96[apop96[0]["src_port"]] if e["event"] == "session"][0]["anomalies"])
wrong96 = [e for v in s96.values() for e in v if e["event"] == "auth" and e["outcome"] == "failure"]
check("s96: the cut -ERR [AUTH] keeps its code: credentials_valid false",
      lambda: wrong96[0]["resp_code"] == "AUTH" and wrong96[0]["credentials_valid"] is False)

failed = report()
if failed:
    print(f"# {failed} failed")
    for n in ("full", "s96", "s68"):
        for line in open(f"{work}/{n}.json").read().splitlines()[:12]:
            print(f"# {n}: {line[:400]}")
sys.exit(1 if failed else 0)
